/* The suites of the kernel tests, one per kernel file. */
#ifndef HLOC_TESTS_EVAL_KERNELS_SUITES_H
#define HLOC_TESTS_EVAL_KERNELS_SUITES_H

#include <check.h>

Suite *window_suite(void);
Suite *conv_suite(void);
Suite *gather_suite(void);
Suite *sort_suite(void);
Suite *rng_suite(void);
Suite *linalg_suite(void);
Suite *corpus_suite(void);

#endif
