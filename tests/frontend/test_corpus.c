/* Every corpus module parses: the JAX cases (model.hlo, xla_opt.hlo), the perf workloads, and XLA's
 * own test files (split at `// -----` like hlo-opt --split-input-file). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static int n_parsed;

/* The printer's text parses back to a module that prints identically (LLVM's echo test). */
static void round_trip(const hloc_module *m, const char *what) {
    char *t1 = NULL, *t2 = NULL;
    hloc_status *st = hloc_module_print(m, &t1);
    ck_assert_msg(st == NULL, "%s: print: %s", what, hloc_status_message(st));
    hloc_module *m2 = NULL;
    st = hloc_module_parse_text(t1, strlen(t1), "printed.hlo", &m2);
    ck_assert_msg(st == NULL, "%s: printed text does not parse: %s", what, hloc_status_message(st));
    st = hloc_module_print(m2, &t2);
    ck_assert_msg(st == NULL, "%s: print: %s", what, hloc_status_message(st));
    ck_assert_msg(strcmp(t1, t2) == 0, "%s: print(parse(print(m))) differs from print(m)", what);
    free(t1);
    free(t2);
    hloc_module_destroy(m2);
}

static void parse_ok(const char *path) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_file(path, &m);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(m->entry);
    ck_assert_ptr_nonnull(m->entry->root);
    /* Every instruction is located, every computation has a root, operands come first. */
    for (uint32_t c = 0; c < m->n_comps; c++) {
        hloc_computation *comp = m->comps[c];
        ck_assert_uint_gt(comp->loc.line, 0);
        ck_assert_ptr_nonnull(comp->root);
        for (uint32_t k = 0; k < comp->n_instrs; k++) {
            ck_assert_uint_gt(comp->instrs[k]->loc.line, 0);
            for (uint32_t j = 0; j < comp->instrs[k]->n_called; j++)
                ck_assert_ptr_nonnull(comp->instrs[k]->called[j]);
        }
    }
    round_trip(m, path);
    st = hloc_module_verify(m);
    ck_assert_msg(st == NULL, "%s: verify: %s", path, hloc_status_message(st));
    hloc_module_destroy(m);
    n_parsed++;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in |dir| ending with |suffix| (malloc'd array of malloc'd strings). */
static char **list_dir(const char *dir, const char *suffix, int *n) {
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    char **v = NULL;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix)) continue;
        v = realloc(v, sizeof *v * (size_t)(*n + 1));
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(v, (size_t)*n, sizeof *v, cmp_str);
    return v;
}

static void free_list(char **v, int n) {
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

START_TEST(test_cases_and_perf) {
    char path[4096];
    int n;
    n_parsed = 0;
    snprintf(path, sizeof path, "%s/cases", test_data_dir());
    char **cases = list_dir(path, "", &n);
    for (int i = 0; i < n; i++) {
        const char *files[] = {"model.hlo", "xla_opt.hlo"};
        for (int f = 0; f < 2; f++) {
            snprintf(path, sizeof path, "%s/cases/%s/%s", test_data_dir(), cases[i], files[f]);
            parse_ok(path);
        }
    }
    free_list(cases, n);
    snprintf(path, sizeof path, "%s/perf", test_data_dir());
    char **perf = list_dir(path, ".hlo", &n);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/perf/%s", test_data_dir(), perf[i]);
        parse_ok(path);
    }
    free_list(perf, n);
    ck_assert_int_gt(n_parsed, 200);
}
END_TEST

/* XLA test files that use what hloc does not read, with the reason. Every other module of every
 * file must parse; a listed one must still fail (so the list cannot go stale). */
static const struct {
    const char *file;
    int module;          /* index of the `// -----` chunk */
    const char *message; /* substring of the expected error */
} known_failures[] = {
    {NULL, 0, NULL},
};

START_TEST(test_xla_hlo) {
    char dir[1024], path[4096];
    snprintf(dir, sizeof dir, "%s/xla-hlo", test_data_dir());
    int n, total = 0, failed = 0;
    char **files = list_dir(dir, ".hlo", &n);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        size_t len;
        char *text = test_read_file(path, &len);
        ck_assert_ptr_nonnull(text);
        /* Chunks between lines that are exactly "// -----". */
        size_t from = 0;
        int chunk = 0;
        while (from <= len) {
            const char *sep = strstr(text + from, "\n// -----");
            size_t to = sep ? (size_t)(sep - text) + 1 : len;
            /* A chunk of only comments (a file's preamble) holds no module. */
            bool empty = true;
            for (size_t q = from; q < to && empty;) {
                while (q < to && (text[q] == ' ' || text[q] == '\n'))
                    q++;
                if (q < to && !(q + 1 < to && text[q] == '/' && text[q + 1] == '/')) empty = false;
                while (q < to && text[q] != '\n')
                    q++;
            }
            if (empty) {
                chunk++;
                if (!sep) break;
                const char *nl = memchr(sep + 1, '\n', len - (size_t)(sep + 1 - text));
                from = nl ? (size_t)(nl - text) + 1 : len + 1;
                continue;
            }
            hloc_module *m = NULL;
            hloc_status *st = hloc_module_parse_text(text + from, to - from, path, &m);
            const char *expect = NULL;
            for (size_t k = 0; known_failures[k].file; k++)
                if (!strcmp(known_failures[k].file, files[i]) && known_failures[k].module == chunk)
                    expect = known_failures[k].message;
            if (expect) {
                ck_assert_msg(st && strstr(hloc_status_message(st), expect),
                              "%s module %d: expected failure '%s', got '%s'", files[i], chunk,
                              expect, hloc_status_message(st));
                failed++;
            } else {
                ck_assert_msg(st == NULL, "%s module %d: %s", files[i], chunk,
                              hloc_status_message(st));
                round_trip(m, files[i]);
            }
            hloc_status_free(st);
            hloc_module_destroy(m);
            total++;
            chunk++;
            if (!sep) break;
            const char *nl = memchr(sep + 1, '\n', len - (size_t)(sep + 1 - text));
            from = nl ? (size_t)(nl - text) + 1 : len + 1;
        }
        free(text);
    }
    free_list(files, n);
    fprintf(stderr, "xla-hlo: %d modules, %d known failures\n", total, failed);
    ck_assert_int_gt(total, 50);
}
END_TEST

Suite *corpus_suite(void) {
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_cases_and_perf);
    tcase_add_test(tc, test_xla_hlo);
    suite_add_tcase(s, tc);
    return s;
}
