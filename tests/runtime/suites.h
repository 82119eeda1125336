/* Suites of the runtime unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_RUNTIME_SUITES_H
#define HLOC_TESTS_RUNTIME_SUITES_H
#include <check.h>
/* set by main from argv: the fixture shared objects built next to the test */
extern const char *fixture_path, *fixture_bad_magic_path, *fixture_plain_path, *fixture_object_path;
/* the fixture object calling the custom-call target fixture_custom_add / fixture_custom_absent */
extern const char *fixture_custom_path, *fixture_absent_path;
Suite *loader_suite(void);
Suite *thread_pool_suite(void);
Suite *aot_suite(void);
Suite *run_exec_suite(void);
#endif
