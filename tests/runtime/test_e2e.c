/* End to end through `hloc compile`'s path: parse and verify a module, generate its object with
 * targets/cpu, package it (link, NEEDED check, header), dlopen it through the runtime, run it on
 * random inputs (with NULL options and on a thread pool) and compare with the reference
 * evaluator; then the same through the cpu and cpu-aot run targets. Modules: examples/mlp.hlo and corpus cases chosen for the ABI: tuple results, large
 * buffers (parallel loops), integers, control flow. Each at -O0 as parsed, and at -O2 after the
 * default pass pipeline (as `hloc compile` runs it). */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "ir.h"
#include "literal.h"
#include "pass.h"
#include "run_exec.h"
#include "run_target.h"

static const char *const models[] = {
    "../../examples/mlp.hlo",   "cases/model_mlp/model.hlo",  "cases/tuple_outputs/model.hlo",
    "cases/dot_mm/model.hlo",   "cases/int_arith/model.hlo",  "cases/cond/model.hlo",
    "cases/transpose/model.hlo", "cases/reduce_sum/model.hlo",
};
enum { N_MODELS = sizeof models / sizeof models[0] };

static void ok(hloc_status *s) {
    ck_assert_msg(!s, "%s", hloc_status_message(s));
}

/* xorshift: deterministic inputs */
static uint64_t rng_state;
static double next_unit(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void fill(hloc_literal *l) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < l->n_elems; i++) fill(&l->elems[i]);
        return;
    }
    int64_t n = hloc_shape_elements(&l->shape);
    for (int64_t i = 0; i < n; i++) {
        if (hloc_type_is_float(l->shape.type)) hloc_literal_set_f64(l, i, 2 * next_unit() - 1);
        else if (l->shape.type == HLOC_TYPE_PRED) hloc_literal_set_i64(l, i, next_unit() < 0.5);
        else hloc_literal_set_i64(l, i, (int64_t)(next_unit() * 17) - (hloc_type_is_signed_int(l->shape.type) ? 8 : 0));
    }
}

/* Compares |got| with the evaluator's |want|: floats within a relative 1e-4, the rest exact. */
static void compare(const hloc_literal *got, const hloc_literal *want, const char *what) {
    ck_assert_int_eq(got->shape.type, want->shape.type);
    if (want->shape.type == HLOC_TYPE_TUPLE) {
        ck_assert_uint_eq(got->n_elems, want->n_elems);
        for (uint32_t i = 0; i < want->n_elems; i++) compare(&got->elems[i], &want->elems[i], what);
        return;
    }
    int64_t n = hloc_shape_elements(&want->shape);
    ck_assert_int_eq(hloc_shape_elements(&got->shape), n);
    for (int64_t i = 0; i < n; i++) {
        if (hloc_type_is_float(want->shape.type)) {
            double g = hloc_literal_get_f64(got, i), w = hloc_literal_get_f64(want, i);
            if (isnan(w)) ck_assert_msg(isnan(g), "%s: element %lld: %g, want NaN", what, (long long)i, g);
            else ck_assert_msg(fabs(g - w) <= 1e-4 * (1 + fabs(w)), "%s: element %lld: %.9g, want %.9g",
                               what, (long long)i, g, w);
        } else {
            ck_assert_msg(hloc_literal_get_i64(got, i) == hloc_literal_get_i64(want, i),
                          "%s: element %lld: %lld, want %lld", what, (long long)i,
                          (long long)hloc_literal_get_i64(got, i), (long long)hloc_literal_get_i64(want, i));
        }
    }
}

/* `hloc compile`'s path: at -O2 the default pipeline first, then the object, packaged as a .so
 * with its header in a fresh temporary folder (the NEEDED check included). */
typedef struct packaged {
    char dir[32], so[64], h[64];
} packaged;

static void package(hloc_module *m, const char *name, int opt, packaged *pk) {
    if (opt == 2) {
        hloc_pipeline *pl = hloc_pipeline_default();
        ck_assert_ptr_nonnull(pl);
        hloc_pass_options po = hloc_pass_options_default();
        po.verify_each = true;
        ok(hloc_pipeline_run(pl, m, &po, NULL));
        hloc_pipeline_destroy(pl);
    }
    hloc_cpu_options co = {.name = name, .cpu = "native", .opt_level = opt};
    void *obj = NULL;
    size_t len = 0;
    ok(hloc_cpu_compile_object(m, &co, 1, &obj, &len));
    snprintf(pk->dir, sizeof pk->dir, "/tmp/hloc_e2e_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(pk->dir));
    snprintf(pk->so, sizeof pk->so, "%s/m.so", pk->dir);
    snprintf(pk->h, sizeof pk->h, "%s/m.h", pk->dir);
    ok(hloc_aot_package(obj, len, pk->so, pk->h, NULL, NULL, 0));
    free(obj);
}

static void unpackage(const packaged *pk) {
    unlink(pk->so);
    unlink(pk->h);
    rmdir(pk->dir);
}

START_TEST(test_compile_run_compare) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_ptr_nonnull(data);
    const char *rel = models[_i / 2];
    int opt = _i % 2 ? 2 : 0;
    char path[4096], what[4200];
    snprintf(path, sizeof path, "%s/%s", data, rel);
    snprintf(what, sizeof what, "%s at -O%d", rel, opt);
    hloc_module *m = NULL;
    ok(hloc_module_parse_file(path, &m));
    ok(hloc_module_verify(m));

    hloc_arena *a = hloc_arena_create();
    const hloc_computation *entry = m->entry;
    hloc_literal **args = calloc(entry->n_params + 1, sizeof *args);
    rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
    for (uint32_t p = 0; p < entry->n_params; p++) {
        args[p] = hloc_literal_create(a, &entry->params[p]->shape);
        fill(args[p]);
    }
    hloc_literal *want = NULL;
    ok(hloc_evaluate(m, (const hloc_literal *const *)args, entry->n_params, NULL, a, &want));

    packaged pk;
    package(m, "e2e_model", opt, &pk);
    const char *so = pk.so;

    hloc_executable *e = NULL;
    ok(hloc_executable_load(so, &e));
    ck_assert_str_eq(hloc_executable_metadata(e)->name, "e2e_model");
    hloc_literal *got = NULL;
    ok(hloc_run_executable(e, (const hloc_literal *const *)args, entry->n_params,
                           &entry->root->shape, NULL, a, &got));
    compare(got, want, what);

    hloc_thread_pool *pool = NULL;
    ok(hloc_thread_pool_create(3, &pool));
    hloc_run_options o;
    hloc_run_options_init(&o, pool);
    ok(hloc_run_executable(e, (const hloc_literal *const *)args, entry->n_params,
                           &entry->root->shape, &o, a, &got));
    compare(got, want, what);
    hloc_thread_pool_destroy(pool);

    hloc_executable_unload(e);

    /* the run targets of `hloc run` / the conformance runner: JIT and .so, through the runtime */
    if (opt == 2) {
        ok(hloc_run_target_cpu.run(m, (const hloc_literal *const *)args, entry->n_params, a, &got));
        compare(got, want, "cpu (JIT) run target");
        ok(hloc_run_target_cpu_aot.run(m, (const hloc_literal *const *)args, entry->n_params, a,
                                       &got));
        compare(got, want, "cpu-aot run target");
    }
    unpackage(&pk);
    free(args);
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
}
END_TEST

/* Four threads at once, each parsing, JIT-compiling (targets/cpu) and running examples/mlp.hlo
 * through the runtime's wrap path, against one evaluator result. */
typedef struct jit_job {
    const char *path;
    const hloc_literal *const *args;
    uint32_t n_args;
    const hloc_literal *want;
    char error[512];
} jit_job;

static int same(const hloc_literal *g, const hloc_literal *w) {
    int64_t n = hloc_shape_elements(&w->shape);
    if (g->shape.type != w->shape.type || hloc_shape_elements(&g->shape) != n) return 0;
    for (int64_t i = 0; i < n; i++) {
        double a = hloc_literal_get_f64(g, i), b = hloc_literal_get_f64(w, i);
        if (!(fabs(a - b) <= 1e-4 * (1 + fabs(b)))) return 0;
    }
    return 1;
}

static void *jit_thread(void *vp) {
    jit_job *j = vp;
    hloc_module *m = NULL;
    hloc_arena *a = hloc_arena_create();
    hloc_status *s = hloc_module_parse_file(j->path, &m);
    for (int rep = 0; rep < 3 && !s; rep++) {
        hloc_cpu_options co = {.name = "mlp", .cpu = "native", .opt_level = 2};
        hloc_cpu_jit *jit = NULL;
        hloc_executable *e = NULL;
        hloc_literal *got = NULL;
        s = hloc_cpu_jit_compile(m, &co, &jit);
        if (!s) s = hloc_executable_wrap(hloc_cpu_jit_metadata(jit), &e);
        if (!s) s = hloc_run_executable(e, j->args, j->n_args, NULL, NULL, a, &got);
        if (!s && !same(got, j->want)) s = hloc_status_new(HLOC_STATUS_INTERNAL, "wrong result");
        hloc_executable_unload(e);
        hloc_cpu_jit_destroy(jit);
    }
    if (s) snprintf(j->error, sizeof j->error, "%s", hloc_status_message(s));
    hloc_status_free(s);
    hloc_module_destroy(m);
    hloc_arena_destroy(a);
    return NULL;
}

START_TEST(test_jit_four_threads) {
    char path[4096];
    snprintf(path, sizeof path, "%s/../../examples/mlp.hlo", getenv("HLOC_TEST_DATA"));
    hloc_module *m = NULL;
    ok(hloc_module_parse_file(path, &m));
    hloc_arena *a = hloc_arena_create();
    hloc_literal *args[5];
    rng_state = 12345;
    for (uint32_t p = 0; p < 5; p++) {
        args[p] = hloc_literal_create(a, &m->entry->params[p]->shape);
        fill(args[p]);
    }
    hloc_literal *want = NULL;
    ok(hloc_evaluate(m, (const hloc_literal *const *)args, 5, NULL, a, &want));
    jit_job jobs[4];
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        jobs[k] = (jit_job){path, (const hloc_literal *const *)args, 5, want, ""};
        ck_assert_int_eq(pthread_create(&th[k], NULL, jit_thread, &jobs[k]), 0);
    }
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        ck_assert_msg(!jobs[k].error[0], "thread %d: %s", k, jobs[k].error);
    }
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
}
END_TEST

/* input_output_alias: a result handed its aliased parameter's buffer (a donated buffer) gets the
 * same values as with its own buffer, though the module reads the parameter transposed, reversed
 * and as a pass-through result after the aliased result's value exists. Through a .so and the
 * JIT, at -O0 and -O2, with NULL options and on a pool; overlaps that the alias does not allow are
 * refused. */
static const char donate_hlo[] =
    "HloModule donate, input_output_alias={ {0}: (0, {}, may-alias), {1}: (1, {}, must-alias) }\n\n"
    "ENTRY main {\n"
    "  p0 = f32[48,48] parameter(0)\n"
    "  p1 = s32[300] parameter(1)\n"
    "  t = f32[48,48] transpose(p0), dimensions={1,0}\n"
    "  r = f32[48,48] add(t, p0)\n"
    "  rev = s32[300] reverse(p1), dimensions={0}\n"
    "  c = s32[] constant(3)\n"
    "  cb = s32[300] broadcast(c), dimensions={}\n"
    "  m = s32[300] multiply(rev, cb)\n"
    "  s = s32[300] subtract(m, p1)\n"
    "  ROOT out = (f32[48,48], s32[300], f32[48,48]) tuple(r, s, p0)\n"
    "}\n";

static void run_donated(hloc_executable *e, const hloc_literal *const *args, const hloc_literal *want,
                        const hloc_run_options *o, const char *what) {
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    ck_assert_uint_eq(md->n_aliases, 2);
    ck_assert_uint_eq(md->aliases[0].result, 0);
    ck_assert_uint_eq(md->aliases[0].param, 0);
    ck_assert_uint_eq(md->aliases[1].must_alias, 1);
    size_t b0 = hloc_shape_bytes(&args[0]->shape), b1 = hloc_shape_bytes(&args[1]->shape);
    float *x = malloc(b0), *keep = malloc(b0);
    int32_t *y = malloc(b1);
    memcpy(x, args[0]->data, b0);
    memcpy(y, args[1]->data, b1);
    hloc_buffer params[2] = {{x, b0, HLOC_TYPE_F32}, {y, b1, HLOC_TYPE_S32}};
    hloc_buffer results[3] = {{x, b0, HLOC_TYPE_F32}, {y, b1, HLOC_TYPE_S32}, {keep, b0, HLOC_TYPE_F32}};
    ok(hloc_executable_run(e, params, 2, results, 3, o));
    const hloc_literal *w = want->elems;
    ck_assert_msg(!memcmp(x, w[0].data, b0), "%s: donated f32 result differs", what);
    ck_assert_msg(!memcmp(y, w[1].data, b1), "%s: donated s32 result differs", what);
    ck_assert_msg(!memcmp(keep, w[2].data, b0), "%s: pass-through of the donated parameter differs", what);
    /* Only the aliased pair may share, and only exactly. */
    memcpy(x, args[0]->data, b0);
    hloc_buffer wrong[3] = {{keep, b0, HLOC_TYPE_F32}, {y, b1, HLOC_TYPE_S32}, {x, b0, HLOC_TYPE_F32}};
    hloc_status *st = hloc_executable_run(e, params, 2, wrong, 3, o);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(strstr(hloc_status_message(st), "result 2 (out2) overlaps parameter 0 (p0)"), "%s",
                  hloc_status_message(st));
    hloc_status_free(st);
    hloc_buffer shifted[3] = {{x + 1, b0, HLOC_TYPE_F32}, {y, b1, HLOC_TYPE_S32}, {keep, b0, HLOC_TYPE_F32}};
    float *big = malloc(b0 + 4);
    memcpy(big, x, b0);
    params[0].data = big;
    shifted[0].data = big + 1;
    st = hloc_executable_run(e, params, 2, shifted, 3, o);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(strstr(hloc_status_message(st), "result 0 (out0) overlaps parameter 0 (p0)"), "%s",
                  hloc_status_message(st));
    hloc_status_free(st);
    free(big);
    free(x);
    free(y);
    free(keep);
}

START_TEST(test_donated_buffers) {
    for (int opt = 0; opt <= 2; opt += 2) {
        hloc_module *m = NULL;
        ok(hloc_module_parse_text(donate_hlo, strlen(donate_hlo), "donate.hlo", &m));
        ok(hloc_module_verify(m));
        hloc_arena *a = hloc_arena_create();
        hloc_literal *args[2];
        rng_state = 99 + (uint64_t)opt;
        for (uint32_t p = 0; p < 2; p++) {
            args[p] = hloc_literal_create(a, &m->entry->params[p]->shape);
            fill(args[p]);
        }
        hloc_literal *want = NULL;
        ok(hloc_evaluate(m, (const hloc_literal *const *)args, 2, NULL, a, &want));
        packaged pk;
        package(m, "donate", opt, &pk);
        hloc_executable *e = NULL;
        ok(hloc_executable_load(pk.so, &e));
        run_donated(e, (const hloc_literal *const *)args, want, NULL, ".so");
        hloc_thread_pool *pool = NULL;
        ok(hloc_thread_pool_create(2, &pool));
        hloc_run_options o;
        hloc_run_options_init(&o, pool);
        run_donated(e, (const hloc_literal *const *)args, want, &o, ".so on a pool");
        hloc_executable_unload(e);
        hloc_cpu_jit *jit = NULL;
        hloc_cpu_options co = {.name = "donate", .cpu = "native", .opt_level = opt};
        ok(hloc_cpu_jit_compile(m, &co, &jit));
        ok(hloc_executable_wrap(hloc_cpu_jit_metadata(jit), &e));
        run_donated(e, (const hloc_literal *const *)args, want, &o, "JIT");
        hloc_executable_unload(e);
        hloc_cpu_jit_destroy(jit);
        hloc_thread_pool_destroy(pool);
        unpackage(&pk);
        hloc_arena_destroy(a);
        hloc_module_destroy(m);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("aot_e2e");
    TCase *tc = tcase_create("aot_e2e");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_compile_run_compare, 0, 2 * N_MODELS);
    tcase_add_test(tc, test_jit_four_threads);
    tcase_add_test(tc, test_donated_buffers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
