/* Suites of the printer's unit-test executable; main.c runs them all. */
#ifndef HLOC_TESTS_PRINTER_SUITES_H
#define HLOC_TESTS_PRINTER_SUITES_H
#include <check.h>

#include "print.h"

Suite *print_shape_suite(void);
Suite *print_literal_suite(void);
Suite *print_module_suite(void);
Suite *print_roundtrip_suite(void);

/* Prints with |fn| into a fresh buffer and compares with |want|; frees the buffer. */
#define CK_PRINTS(want, call)                                                                      \
    do {                                                                                           \
        hloc_strbuf b_ = {0};                                                                      \
        call;                                                                                      \
        ck_assert(!b_.oom);                                                                        \
        ck_assert_str_eq(b_.data ? b_.data : "", want);                                            \
        hloc_strbuf_free(&b_);                                                                     \
    } while (0)
#endif
