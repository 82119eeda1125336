/* Suites of the verifier test executable; main.c runs them all. */
#ifndef HLOC_TESTS_VERIFY_SUITES_H
#define HLOC_TESTS_VERIFY_SUITES_H
#include <check.h>
Suite *ew_suite(void);
Suite *shape_ops_suite(void);
Suite *module_suite(void);
Suite *dot_conv_suite(void);
Suite *calls_suite(void);
Suite *misc_suite(void);
Suite *corpus_suite(void);
#endif
