/* Every corpus case (tests/data/cases/NAME) through the CPU JIT with parallel regions on, from
 * model.hlo and from xla_opt.hlo, compared with XLA's outputs (out*.npy) by the conformance rules (compare.h).
 * Prints one line per failing case and the pass counts. A case listed in known_failures may fail
 * (and is reported if it starts passing); any other failure fails the test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "compare.h"
#include "cpu.h"
#include "hloc/hloc.h"
#include "npy_literal.h"
#include "pool.h"
#include "suites.h"
#include "util.h"

/* Cases the CPU backend does not pass yet, as "file:case". */
static const char *const known_failures[] = {
    NULL,
};

static bool known(const char *hlo, const char *name) {
    char key[512];
    snprintf(key, sizeof key, "%s:%s", hlo, name);
    for (const char *const *k = known_failures; *k; k++)
        if (!strcmp(*k, key)) return true;
    return false;
}

/* Runs one case; true if it passed, else |msg| says why. */
static bool run_case(const char *dir, const char *hlo, int opt, const hloc_run_options *ro, char *msg,
                     size_t cap) {
    char path[4096];
    hloc_arena *arena = hloc_arena_create();
    hloc_module *m = NULL;
    hloc_npy_array npy = {0};
    hloc_status *st = NULL;
    bool ok = false;
    conf_case c;
    msg[0] = 0;
    snprintf(path, sizeof path, "%s/case.json", dir);
    if ((st = conf_case_load(arena, path, &c))) goto done;
    snprintf(path, sizeof path, "%s/%s", dir, hlo);
    if ((st = hloc_module_parse_file(path, &m))) goto done;
    if (c.n_inputs != m->entry->n_params) {
        snprintf(msg, cap, "case.json has %u inputs, the entry %u parameters", c.n_inputs, m->entry->n_params);
        goto done;
    }
    const hloc_literal *args[64];
    for (uint32_t i = 0; i < c.n_inputs && i < 64; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, c.inputs[i].file);
        if ((st = hloc_npy_read(path, &npy))) goto done;
        hloc_literal *l;
        st = hloc_literal_from_npy(arena, &npy, &m->entry->params[i]->shape, c.inputs[i].file, &l);
        hloc_npy_free(&npy);
        if (st) goto done;
        args[i] = l;
    }
    /* HLOC_CODEGEN_DUMP=DIR keeps the LLVM IR and assembly of every case, for debugging. */
    hloc_cpu_options o = {.opt_level = opt, .dump_dir = getenv("HLOC_CODEGEN_DUMP")};
    hloc_literal *result;
    if ((st = hloc_cpu_run_literals_opts(m, &o, ro, args, c.n_inputs, arena, &result))) goto done;
    const hloc_literal *leaves[64];
    uint32_t n = hloc_literal_leaves(result, leaves, 64);
    if (n != c.n_outputs) {
        snprintf(msg, cap, "%u results, case.json lists %u outputs", n, c.n_outputs);
        goto done;
    }
    ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, c.outputs[i].file);
        if ((st = hloc_npy_read(path, &npy))) goto done;
        hloc_literal *want;
        st = hloc_literal_from_npy(arena, &npy, &c.outputs[i].shape, c.outputs[i].file, &want);
        hloc_npy_free(&npy);
        if (st) goto done;
        conf_compare r;
        if (!conf_compare_arrays(leaves[i], want, c.tolerance, &r)) {
            char desc[1024];
            snprintf(msg, cap, "%s: %s", c.outputs[i].file,
                     conf_compare_describe(leaves[i], want, &r, desc, sizeof desc));
            ok = false;
        }
    }
done:
    if (st) {
        snprintf(msg, cap, "%s", hloc_status_message(st));
        hloc_status_free(st);
        ok = false;
    }
    hloc_npy_free(&npy);
    hloc_module_destroy(m);
    hloc_arena_destroy(arena);
    return ok;
}

START_TEST(test_corpus_cases) {
    char dir[1024];
    char *names[512];
    uint32_t n = tb_case_names(names, 512, dir, sizeof dir);
    static const char *const files[] = {"model.hlo", "xla_opt.hlo"};
    uint32_t unexpected = 0;
    /* With a 3-thread parallel_for, at -O2 (tests/conformance runs every case serially through
     * the runtime at -O0 and -O2); HLOC_CODEGEN_ALL=1 adds the serial and -O0 runs. */
    test_pool pool = {.n_threads = 3};
    hloc_run_options par = test_pool_options(&pool);
    int n_runs = getenv("HLOC_CODEGEN_ALL") ? 4 : 2;
    for (int run = 0; run < n_runs; run++) {
        int f = run & 1, opt = run < 2 ? 2 : 0;
        const hloc_run_options *ro = run == 2 ? NULL : &par;
        uint32_t passed = 0;
        for (uint32_t k = 0; k < n; k++) {
            char cd[2048], msg[2048];
            snprintf(cd, sizeof cd, "%s/%s", dir, names[k]);
            bool ok = run_case(cd, files[f], opt, ro, msg, sizeof msg);
            bool expected_fail = known(files[f], names[k]);
            passed += ok;
            if (!ok) {
                char *nl = strchr(msg, '\n');
                if (nl) *nl = 0;
                printf("%s %s:%s -O%d: %s\n", expected_fail ? "known" : "FAIL", files[f], names[k], opt, msg);
                fflush(stdout);
                unexpected += !expected_fail;
            } else if (expected_fail) {
                printf("now passes (remove from known_failures): %s:%s\n", files[f], names[k]);
            }
        }
        printf("cpu -O%d%s vs XLA, %s: %u of %u cases pass\n", opt, ro ? " parallel" : "", files[f], passed, n);
        fflush(stdout);
    }
    for (uint32_t k = 0; k < n; k++) free(names[k]);
    printf("parallel regions run: %ld, tasks: %ld\n", pool.calls, pool.tasks);
    ck_assert_msg(unexpected == 0, "%u cases failed unexpectedly", unexpected);
    ck_assert_msg(n < 50 || pool.calls > 0, "no parallel region ran");
}
END_TEST

Suite *codegen_cases_suite(void) {
    Suite *s = suite_create("codegen_cases");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 850);
    tcase_add_test(tc, test_corpus_cases);
    suite_add_tcase(s, tc);
    return s;
}
