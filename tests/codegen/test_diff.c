/* Differential: every corpus module (model.hlo and xla_opt.hlo) on deterministic random inputs,
 * through the CPU JIT and through the reference evaluator, compared by the conformance rules with
 * the case's tolerance. Prints one line per mismatch and the pass counts; a mismatch not listed in
 * known_diffs fails the test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "compare.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "npy_literal.h"
#include "suites.h"
#include "util.h"

/* Known cpu/interp differences on random inputs, as "file:case". */
static const char *const known_diffs[] = {
    NULL,
};

static bool known(const char *hlo, const char *name) {
    char key[512];
    snprintf(key, sizeof key, "%s:%s", hlo, name);
    for (const char *const *k = known_diffs; *k; k++)
        if (!strcmp(*k, key)) return true;
    return false;
}

typedef enum outcome { AGREE, DIFFER, NOT_RUN, CPU_UNSUPPORTED } outcome;

/* Runs |path| on random inputs through both; |tol| as the conformance rules use it. */
static outcome run_module(const char *path, const char *name, double tol, char *msg, size_t cap) {
    hloc_arena *arena = hloc_arena_create();
    hloc_module *m = NULL;
    hloc_status *st = NULL;
    outcome res = DIFFER;
    msg[0] = 0;
    if ((st = hloc_module_parse_file(path, &m))) {
        res = NOT_RUN;
        goto done;
    }
    uint32_t np = m->entry->n_params;
    const hloc_literal *args[64];
    if ((st = tb_random_args(m, name, 0x9e3779b97f4a7c15ull, arena, args, 64))) goto done;
    hloc_literal *want, *got;
    if ((st = hloc_evaluate(m, args, np, NULL, arena, &want))) {
        char buf[1024];
        snprintf(buf, sizeof buf, "interp: %s", hloc_status_message(st));
        hloc_status_free(st);
        st = NULL;
        snprintf(msg, cap, "%s", buf);
        res = NOT_RUN;
        goto done;
    }
    hloc_cpu_options o = {.opt_level = 2};
    if ((st = hloc_cpu_run_literals(m, &o, args, np, arena, &got))) {
        if (hloc_status_code_of(st) == HLOC_STATUS_UNIMPLEMENTED) res = CPU_UNSUPPORTED;
        goto done;
    }
    const hloc_literal *gl[64], *wl[64];
    uint32_t ng = hloc_literal_leaves(got, gl, 64), nw = hloc_literal_leaves(want, wl, 64);
    if (ng != nw) {
        snprintf(msg, cap, "cpu gives %u results, interp %u", ng, nw);
        goto done;
    }
    res = AGREE;
    for (uint32_t i = 0; i < ng && res == AGREE; i++) {
        conf_compare r;
        if (!conf_compare_arrays(gl[i], wl[i], tol, &r)) {
            char desc[1024];
            snprintf(msg, cap, "result %u: %s", i, conf_compare_describe(gl[i], wl[i], &r, desc, sizeof desc));
            res = DIFFER;
        }
    }
done:
    if (st) {
        snprintf(msg, cap, "%s", hloc_status_message(st));
        hloc_status_free(st);
    }
    hloc_module_destroy(m);
    hloc_arena_destroy(arena);
    return res;
}

static bool run_case(const char *dir, const char *name, const char *hlo, char *msg, size_t cap) {
    char path[4096];
    hloc_arena *arena = hloc_arena_create();
    conf_case c;
    snprintf(path, sizeof path, "%s/case.json", dir);
    hloc_status *st = conf_case_load(arena, path, &c);
    double tol = st ? 0 : c.tolerance;
    hloc_arena_destroy(arena);
    if (st) {
        snprintf(msg, cap, "%s", hloc_status_message(st));
        hloc_status_free(st);
        return false;
    }
    snprintf(path, sizeof path, "%s/%s", dir, hlo);
    return run_module(path, name, tol, msg, cap) == AGREE;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

START_TEST(test_cpu_vs_interp) {
    char dir[1024];
    char *names[512];
    uint32_t n = tb_case_names(names, 512, dir, sizeof dir);
    static const char *const files[] = {"model.hlo", "xla_opt.hlo"};
    uint32_t unexpected = 0;
    for (int f = 0; f < 2; f++) {
        uint32_t passed = 0;
        for (uint32_t k = 0; k < n; k++) {
            char cd[2048], msg[2048];
            snprintf(cd, sizeof cd, "%s/%s", dir, names[k]);
            bool ok = run_case(cd, names[k], files[f], msg, sizeof msg);
            bool expected = known(files[f], names[k]);
            passed += ok;
            if (!ok) {
                char *nl = strchr(msg, '\n');
                if (nl) *nl = 0;
                printf("%s %s:%s: %s\n", expected ? "known" : "DIFF", files[f], names[k], msg);
                unexpected += !expected;
            } else if (expected) {
                printf("now agrees (remove from known_diffs): %s:%s\n", files[f], names[k]);
            }
            fflush(stdout);
        }
        printf("cpu vs interp on random inputs, %s: %u of %u cases agree\n", files[f], passed, n);
        fflush(stdout);
    }
    for (uint32_t k = 0; k < n; k++) free(names[k]);
    ck_assert_msg(unexpected == 0, "%u cases differ unexpectedly", unexpected);
}
END_TEST

/* XLA's own test modules (tests/data/xla-hlo): where the evaluator runs them, the CPU backend
 * must either agree (relative 1e-4) or report the module unsupported (f8, multi-device
 * collectives). */
START_TEST(test_xla_hlo_files) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/xla-hlo", data);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    char *names[512];
    uint32_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 4 && !strcmp(e->d_name + len - 4, ".hlo")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    uint32_t counts[4] = {0};
    for (uint32_t k = 0; k < n; k++) {
        char path[2048], msg[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        outcome r = run_module(path, names[k], 1e-4, msg, sizeof msg);
        counts[r]++;
        char *nl = strchr(msg, '\n');
        if (nl) *nl = 0;
        if (r == DIFFER) printf("DIFF xla-hlo/%s: %s\n", names[k], msg);
        if (r == CPU_UNSUPPORTED) printf("unsupported on cpu: xla-hlo/%s: %s\n", names[k], msg);
        fflush(stdout);
        free(names[k]);
    }
    printf("cpu vs interp on random inputs, xla-hlo: %u agree, %u differ, %u unsupported on cpu, "
           "%u not parsed or not run by interp\n", counts[AGREE], counts[DIFFER], counts[CPU_UNSUPPORTED], counts[NOT_RUN]);
    fflush(stdout);
    ck_assert_msg(counts[DIFFER] == 0, "%u modules differ", counts[DIFFER]);
}
END_TEST

Suite *codegen_diff_suite(void) {
    Suite *s = suite_create("codegen_diff");
    TCase *tc = tcase_create("diff");
    tcase_set_timeout(tc, 850);
    tcase_add_test(tc, test_cpu_vs_interp);
    tcase_add_test(tc, test_xla_hlo_files);
    suite_add_tcase(s, tc);
    return s;
}
