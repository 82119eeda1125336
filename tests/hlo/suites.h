/* Suites of the hlo unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_HLO_SUITES_H
#define HLOC_TESTS_HLO_SUITES_H
#include <check.h>
Suite *shape_suite(void);
Suite *element_suite(void);
#endif
