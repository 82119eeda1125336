/* The verifier on real HLO: every JAX case (model.hlo, xla_opt.hlo) and perf workload parses and
 * verifies with no error; every file in tests/verify/errors/ parses and fails verification with
 * the error its first line names ("// ERROR: L:C: substring"). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "suites.h"
#include "verify.h"

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = 0;
        }
    }
    fclose(f);
    return buf;
}

static const char *data_dir(void) {
    const char *d = getenv("HLOC_TEST_DATA");
    ck_assert_msg(d != NULL, "HLOC_TEST_DATA is not set");
    return d;
}

/* Parses and verifies |path|; returns the verifier's error count (-1: parse failure), and the
 * diagnostics in *out (caller frees). */
static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int verify_file(const char *path, char **out) {
    size_t len = 0;
    char *text = read_file(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    hloc_module *m = NULL;
    hloc_status *st = hloc_parse_module(text, len, path, &m);
    int n;
    if (st) {
        *out = strdup(hloc_status_message(st));
        hloc_status_free(st);
        n = -1;
    } else {
        hloc_diag d;
        hloc_diag_init(&d, path, text, len);
        /* XLA's optimized modules come after layout assignment: their layouts must hold too. */
        hloc_verify_options o = {.layout_sensitive = ends_with(path, "xla_opt.hlo")};
        hloc_verify_module_opts(m, &o, &d);
        n = (int)d.n_errors;
        *out = strdup(d.out.data ? d.out.data : "");
        hloc_diag_free(&d);
        hloc_module_destroy(m);
    }
    free(text);
    return n;
}

static int n_checked, n_failed;

static void check_valid(const char *path) {
    char *msg = NULL;
    int n = verify_file(path, &msg);
    n_checked++;
    if (n != 0) {
        n_failed++;
        fprintf(stderr, "%s: %s\n%s\n", path, n < 0 ? "parse error" : "verifier errors", msg);
    }
    free(msg);
}

START_TEST(test_corpus_verifies) {
    char path[4096];
    n_checked = n_failed = 0;
    snprintf(path, sizeof path, "%s/cases", data_dir());
    DIR *dir = opendir(path);
    ck_assert_msg(dir != NULL, "cannot open %s", path);
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        static const char *files[] = {"model.hlo", "xla_opt.hlo"};
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/cases/%s/%s", data_dir(), e->d_name, files[k]);
            FILE *f = fopen(path, "rb");
            if (!f) continue;
            fclose(f);
            check_valid(path);
        }
    }
    closedir(dir);
    snprintf(path, sizeof path, "%s/perf", data_dir());
    dir = opendir(path);
    ck_assert_msg(dir != NULL, "cannot open %s", path);
    for (struct dirent *e; (e = readdir(dir));) {
        if (!ends_with(e->d_name, ".hlo")) continue;
        snprintf(path, sizeof path, "%s/perf/%s", data_dir(), e->d_name);
        check_valid(path);
    }
    closedir(dir);
    /* Hand-written valid modules next to this test (shapeless instructions, ...). */
    snprintf(path, sizeof path, "%s/../verify/valid", data_dir());
    dir = opendir(path);
    ck_assert_msg(dir != NULL, "cannot open %s", path);
    for (struct dirent *e; (e = readdir(dir));) {
        if (!ends_with(e->d_name, ".hlo")) continue;
        snprintf(path, sizeof path, "%s/../verify/valid/%s", data_dir(), e->d_name);
        check_valid(path);
    }
    closedir(dir);
    fprintf(stderr, "corpus: %d files verified, %d failed\n", n_checked, n_failed);
    ck_assert_int_gt(n_checked, 200);
    ck_assert_int_eq(n_failed, 0);
}
END_TEST

/* The error files sit next to this test, at HLOC_TEST_DATA/../verify/errors. */
START_TEST(test_error_files) {
    char dir_path[4096];
    snprintf(dir_path, sizeof dir_path, "%s/../verify/errors", data_dir());
    DIR *dir = opendir(dir_path);
    ck_assert_msg(dir != NULL, "cannot open %s", dir_path);
    int n_files = 0, bad = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (!ends_with(e->d_name, ".hlo")) continue;
        char path[4400], want[512], prefix[4600];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        size_t len = 0;
        char *text = read_file(path, &len);
        ck_assert_msg(text != NULL, "cannot read %s", path);
        unsigned line = 0, col = 0;
        int used = 0;
        ck_assert_msg(sscanf(text, "// ERROR: %u:%u: %n", &line, &col, &used) == 2 && used > 0,
                      "%s: first line must be // ERROR: L:C: text", path);
        const char *w = text + used, *eol = strchr(w, '\n');
        snprintf(want, sizeof want, "%.*s", (int)(eol ? eol - w : (long)strlen(w)), w);
        free(text);
        char *msg = NULL;
        int n = verify_file(path, &msg);
        n_files++;
        snprintf(prefix, sizeof prefix, "%s:%u:%u: error: ", path, line, col);
        bool found = false;
        for (const char *p = msg; n > 0 && (p = strstr(p, prefix)); p++) {
            const char *end = strchr(p, '\n');
            size_t l = end ? (size_t)(end - p) : strlen(p);
            char one[2048];
            snprintf(one, sizeof one, "%.*s", (int)l, p);
            if (strstr(one, want)) found = true;
        }
        if (!found) {
            bad++;
            fprintf(stderr, "%s: expected '%s' at %u:%u, got %s:\n%s\n", path, want, line, col,
                    n < 0    ? "a parse error"
                    : n == 0 ? "no error"
                             : "",
                    msg);
        }
        free(msg);
    }
    closedir(dir);
    ck_assert_int_ge(n_files, 8);
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* Numbers in real modules changed at random (deterministically): whatever the parser accepts, the
 * verifier must get through without crashing (the suite also runs under ASan/UBSan), and most
 * changes to a shape or attribute must be caught by one of the two. */
START_TEST(test_mutations) {
    static const char *files[] = {"cases/argmax/model.hlo", "cases/argmax/xla_opt.hlo",
                                  "perf/cnn.hlo",           "perf/cnn.xla_opt.hlo",
                                  "perf/conv3x3.hlo",       "perf/eltwise.xla_opt.hlo"};
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    int runs = 0, caught = 0;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", data_dir(), files[f]);
        size_t len = 0;
        char *text = read_file(path, &len);
        if (!text) continue;
        for (int round = 0; round < 40; round++) {
            char *t = malloc(len + 1);
            ck_assert_ptr_nonnull(t);
            memcpy(t, text, len + 1);
            for (int k = 0; k < 2; k++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                size_t at = (size_t)(rng >> 33) % len;
                while (at < len && (t[at] < '0' || t[at] > '9'))
                    at++;
                if (at < len) t[at] = (char)('0' + (rng >> 20) % 10);
            }
            hloc_module *m = NULL;
            hloc_status *st = hloc_parse_module(t, len, "mutant.hlo", &m);
            runs++;
            if (st) {
                caught++;
                hloc_status_free(st);
            } else {
                hloc_diag d;
                hloc_diag_init(&d, "mutant.hlo", t, len);
                if (!hloc_verify_module(m, &d)) caught++;
                hloc_diag_free(&d);
                hloc_module_destroy(m);
            }
            free(t);
        }
        free(text);
    }
    fprintf(stderr, "mutations: %d parsed or rejected, %d caught\n", runs, caught);
    ck_assert_int_gt(runs, 100);
    /* Digits in metadata and constants change nothing checkable; the rest must be caught. */
    ck_assert_int_gt(caught, runs / 4);
}
END_TEST

Suite *corpus_suite(void) {
    Suite *s = suite_create("verify-corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_corpus_verifies);
    tcase_add_test(tc, test_error_files);
    tcase_add_test(tc, test_mutations);
    suite_add_tcase(s, tc);
    return s;
}
