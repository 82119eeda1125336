/* Robustness: every prefix of three corpus files and 2000 single-byte mutations of them parse to a
 * module or to a located error, never a crash (under ASan this also proves no leak and no read past
 * the given length: each input is copied into a buffer of exactly its size). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static const char *const files[] = {
    "cases/avgpool_same/xla_opt.hlo",
    "cases/while_dynamic/model.hlo",
    "cases/conv_dilated/xla_opt.hlo",
};

static void parse_one(const char *text, size_t len, const char *what, size_t at) {
    char *copy = malloc(len ? len : 1); /* exact size: ASan catches any read past len */
    memcpy(copy, text, len);
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(copy, len, "fuzz.hlo", &m);
    if (st) {
        const char *msg = hloc_status_message(st);
        unsigned line = 0, col = 0;
        ck_assert_msg(sscanf(msg, "fuzz.hlo:%u:%u: error: ", &line, &col) == 2 && line > 0 &&
                          col > 0,
                      "%s %zu: unlocated message: %s", what, at, msg);
        ck_assert_ptr_null(m);
        hloc_status_free(st);
    } else {
        ck_assert_ptr_nonnull(m);
        hloc_module_destroy(m);
    }
    free(copy);
}

static char *load(int k, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_data_dir(), files[k]);
    char *t = test_read_file(path, len);
    ck_assert_msg(t != NULL, "cannot read %s", path);
    return t;
}

START_TEST(test_prefixes) {
    size_t len;
    char *text = load(_i, &len);
    int ok = 0;
    for (size_t n = 0; n <= len; n++)
        parse_one(text, n, "prefix", n);
    (void)ok;
    free(text);
}
END_TEST

START_TEST(test_mutations) {
    static const char interesting[] = "{}()[],=:%\"'/*-<>?.x_0123456789 \n\0\xff";
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < 3; k++) {
        size_t len;
        char *text = load(k, &len);
        for (int r = 0; r < 667; r++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t pos = (size_t)(seed >> 33) % len;
            char saved = text[pos];
            uint32_t pick = (uint32_t)(seed >> 13);
            text[pos] = (pick & 1) ? interesting[(pick >> 1) % (sizeof interesting - 1)]
                                   : (char)(pick >> 8);
            parse_one(text, len, files[k], pos);
            text[pos] = saved;
        }
        free(text);
    }
}
END_TEST

Suite *robust_suite(void) {
    Suite *s = suite_create("robust");
    TCase *tc = tcase_create("robust");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_prefixes, 0, 3);
    tcase_add_test(tc, test_mutations);
    suite_add_tcase(s, tc);
    return s;
}
