/* Suites of the codegen unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_CODEGEN_SUITES_H
#define HLOC_TESTS_CODEGEN_SUITES_H
#include <check.h>
Suite *codegen_basic_suite(void);
Suite *codegen_cases_suite(void);
Suite *codegen_diff_suite(void);
Suite *codegen_math_suite(void);
Suite *codegen_random_suite(void);
#endif
