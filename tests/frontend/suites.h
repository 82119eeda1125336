/* Suites of the frontend unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_FRONTEND_SUITES_H
#define HLOC_TESTS_FRONTEND_SUITES_H
#include <check.h>
#include <stddef.h>

#include "ir.h"

Suite *lexer_suite(void);
Suite *shape_parse_suite(void);
Suite *literal_suite(void);
Suite *attrs_suite(void);
Suite *module_suite(void);
Suite *corpus_suite(void);
Suite *errors_suite(void);
Suite *robust_suite(void);

/* Helpers (util.c). */
char *test_read_file(const char *path, size_t *len); /* malloc'd, NUL-terminated; NULL if missing */
const char *test_data_dir(void);                     /* $HLOC_TEST_DATA or "tests/data" */
/* Parses |text| and fails the test with the message on error. */
hloc_module *test_parse(const char *text);
/* Parses |text| expecting failure; returns the malloc'd message. */
char *test_parse_error(const char *text);
hloc_instr *test_find(hloc_module *m, const char *name); /* in any computation */
#endif
