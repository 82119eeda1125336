/* Suites of the codegen unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_CODEGEN_SUITES_H
#define HLOC_TESTS_CODEGEN_SUITES_H
#include <check.h>
Suite *codegen_basic_suite(void);
Suite *codegen_cases_suite(void);
#endif
