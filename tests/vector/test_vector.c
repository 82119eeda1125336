/* The vectorized loops of codegen (vector.c: f32 vectors along the contiguous dimension, row and
 * column reductions; rows.c: row-blocked groups of fusions) against the evaluator, on shapes with
 * remainders (sizes that are not multiples of the vector width), several reduced dimensions,
 * non-default layouts and the softmax/layer-norm structure of the perf workloads; each on 1 and 2
 * threads, which must agree bit for bit (the split never changes a summation order). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "npy_literal.h"
#include "pass.h"
#include "util.h"
#include "vs_eval.h"

#define ADD "add { add.a = f32[] parameter(0)\n add.b = f32[] parameter(1)\n ROOT add.r = f32[] add(add.a, add.b) }\n"
#define MAX "max { max.a = f32[] parameter(0)\n max.b = f32[] parameter(1)\n ROOT max.r = f32[] maximum(max.a, max.b) }\n"
#define MIN "min { min.a = f32[] parameter(0)\n min.b = f32[] parameter(1)\n ROOT min.r = f32[] minimum(min.b, min.a) }\n"
#define MUL "mul { mul.a = f32[] parameter(0)\n mul.b = f32[] parameter(1)\n ROOT mul.r = f32[] multiply(mul.a, mul.b) }\n"

/* Softmax as JAX writes it (perf/softmax.hlo) on R rows of C. */
#define SOFTMAX(R, C) \
    "HloModule softmax\n" MAX ADD \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n ninf = f32[] constant(-inf)\n" \
    " m = f32[" #R "] reduce(x, ninf), dimensions={1}, to_apply=max\n" \
    " mb = f32[" #R "," #C "] broadcast(m), dimensions={0}\n" \
    " s = f32[" #R "," #C "] subtract(x, mb)\n e = f32[" #R "," #C "] exponential(s)\n" \
    " zero = f32[] constant(0)\n sum = f32[" #R "] reduce(e, zero), dimensions={1}, to_apply=add\n" \
    " sr = f32[" #R ",1] reshape(sum)\n s1 = f32[" #R "] reshape(sr)\n" \
    " sb = f32[" #R "," #C "] broadcast(s1), dimensions={0}\n" \
    " ROOT d = f32[" #R "," #C "] divide(e, sb)\n}\n"

/* Layer norm as JAX writes it (perf/layernorm.hlo). */
#define LAYERNORM(R, C) \
    "HloModule layernorm\n" ADD \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n g = f32[" #C "] parameter(1)\n" \
    " b = f32[" #C "] parameter(2)\n zero = f32[] constant(0)\n n = f32[] constant(" #C ")\n" \
    " s = f32[" #R "] reduce(x, zero), dimensions={1}, to_apply=add\n nb = f32[" #R "] broadcast(n), dimensions={}\n" \
    " mean = f32[" #R "] divide(s, nb)\n mb = f32[" #R "," #C "] broadcast(mean), dimensions={0}\n" \
    " xc = f32[" #R "," #C "] subtract(x, mb)\n sq = f32[" #R "," #C "] multiply(xc, xc)\n" \
    " v = f32[" #R "] reduce(sq, zero), dimensions={1}, to_apply=add\n var = f32[" #R "] divide(v, nb)\n" \
    " eps = f32[] constant(1e-05)\n epsb = f32[" #R "] broadcast(eps), dimensions={}\n" \
    " ve = f32[" #R "] add(var, epsb)\n r = f32[" #R "] rsqrt(ve)\n" \
    " rb = f32[" #R "," #C "] broadcast(r), dimensions={0}\n y = f32[" #R "," #C "] multiply(xc, rb)\n" \
    " gb = f32[" #R "," #C "] broadcast(g), dimensions={1}\n yg = f32[" #R "," #C "] multiply(y, gb)\n" \
    " bb = f32[" #R "," #C "] broadcast(b), dimensions={1}\n ROOT o = f32[" #R "," #C "] add(yg, bb)\n}\n"

static const char *const modules[] = {
    /* row reductions with remainders, every simple reducer, a non-identity init */
    "HloModule rows\n" ADD MAX MIN MUL
    "ENTRY e {\n x = f32[5,37] parameter(0)\n y = f32[3,100] parameter(1)\n z = f32[2,9] parameter(2)\n"
    " c = f32[] constant(1.5)\n ninf = f32[] constant(-inf)\n inf = f32[] constant(inf)\n one = f32[] constant(1)\n"
    " a = f32[5] reduce(x, c), dimensions={1}, to_apply=add\n"
    " m = f32[3] reduce(y, ninf), dimensions={1}, to_apply=max\n"
    " n = f32[3] reduce(y, inf), dimensions={1}, to_apply=min\n"
    " p = f32[2] reduce(z, one), dimensions={1}, to_apply=mul\n"
    " ROOT t = (f32[5], f32[3], f32[3], f32[2]) tuple(a, m, n, p)\n}\n",
    /* several reduced dimensions; a reduced input generated inline */
    "HloModule multi\n" ADD MAX
    "ENTRY e {\n x = f32[4,6,19] parameter(0)\n zero = f32[] constant(0)\n ninf = f32[] constant(-inf)\n"
    " ex = f32[4,6,19] exponential(x)\n"
    " a = f32[4] reduce(ex, zero), dimensions={1,2}, to_apply=add\n"
    " b = f32[6] reduce(x, ninf), dimensions={0,2}, to_apply=max\n"
    " c = f32[] reduce(x, zero), dimensions={0,1,2}, to_apply=add\n"
    " ROOT t = (f32[4], f32[6], f32[]) tuple(a, b, c)\n}\n",
    /* column reductions: lanes are outputs */
    "HloModule cols\n" ADD MAX
    "ENTRY e {\n x = f32[37,29] parameter(0)\n y = f32[3,5,40] parameter(1)\n zero = f32[] constant(0)\n"
    " ninf = f32[] constant(-inf)\n"
    " a = f32[29] reduce(x, zero), dimensions={0}, to_apply=add\n"
    " b = f32[5,40] reduce(y, ninf), dimensions={0}, to_apply=max\n"
    " ROOT t = (f32[29], f32[5,40]) tuple(a, b)\n}\n",
    /* non-default layouts: dimension 0 is the contiguous one */
    "HloModule layouts\n" ADD
    "ENTRY e {\n x = f32[19,23]{0,1} parameter(0)\n zero = f32[] constant(0)\n"
    " a = f32[23]{0} reduce(x, zero), dimensions={0}, to_apply=add\n"
    " b = f32[19]{0} reduce(x, zero), dimensions={1}, to_apply=add\n"
    " e = f32[19,23]{0,1} exponential(x)\n"
    " ROOT t = (f32[23]{0}, f32[19]{0}, f32[19,23]{0,1}) tuple(a, b, e)\n}\n",
    /* every vectorized elementwise op, with row and column broadcasts and scalar clamps */
    "HloModule ew\n"
    "ENTRY e {\n x = f32[13,45] parameter(0)\n r = f32[13] parameter(1)\n k = f32[45] parameter(2)\n"
    " rb = f32[13,45] broadcast(r), dimensions={0}\n kb = f32[13,45] broadcast(k), dimensions={1}\n"
    " a = f32[13,45] subtract(x, rb)\n b = f32[13,45] exponential(a)\n c = f32[13,45] tanh(kb)\n"
    " d = f32[13,45] logistic(x)\n ab = f32[13,45] abs(x)\n one = f32[] constant(1)\n"
    " oneb = f32[13,45] broadcast(one), dimensions={}\n ab1 = f32[13,45] add(ab, oneb)\n"
    " l = f32[13,45] log(ab1)\n q = f32[13,45] rsqrt(ab1)\n s = f32[13,45] sine(x)\n co = f32[13,45] cosine(x)\n"
    " er = f32[13,45] erf(x)\n sq = f32[13,45] sqrt(ab)\n lo = f32[] constant(-0.5)\n hi = f32[] constant(0.75)\n"
    " cl = f32[13,45] clamp(lo, x, hi)\n mx = f32[13,45] maximum(b, c)\n mn = f32[13,45] minimum(d, l)\n"
    " f = f32[13,45] floor(x)\n ce = f32[13,45] ceil(x)\n sg = f32[13,45] sign(x)\n ne = f32[13,45] negate(q)\n"
    " dv = f32[13,45] divide(s, ab1)\n"
    " s1 = f32[13,45] add(mx, mn)\n s2 = f32[13,45] multiply(s1, co)\n s3 = f32[13,45] add(s2, er)\n"
    " s4 = f32[13,45] add(s3, sq)\n s5 = f32[13,45] add(s4, cl)\n s6 = f32[13,45] add(s5, f)\n"
    " s7 = f32[13,45] add(s6, ce)\n s8 = f32[13,45] add(s7, sg)\n s9 = f32[13,45] add(s8, ne)\n"
    " ROOT s10 = f32[13,45] add(s9, dv)\n}\n",
    SOFTMAX(7, 1030),
    SOFTMAX(300, 515),
    LAYERNORM(9, 77),
    LAYERNORM(200, 768),
};
enum { N_MODULES = sizeof modules / sizeof modules[0] };

START_TEST(test_vector_vs_eval) {
    tb_check_vs_eval(modules[_i], _i, 0x5eed + (uint64_t)_i, 2e-5);
}
END_TEST


/* Results of 4 MB and more are stored non-temporally when the buffer is aligned (vector.c): an
 * eltwise chain and a softmax, with the result buffer aligned and misaligned by one element, on 1
 * and 2 threads, must all agree bit for bit and with the evaluator. */
static const char *const streamed[] = {
    "HloModule stream\nENTRY e {\n x = f32[1048592] parameter(0)\n e = f32[1048592] exponential(x)\n"
    " t = f32[1048592] tanh(x)\n ROOT y = f32[1048592] multiply(e, t)\n}\n",
    SOFTMAX(1024, 1040),
};
enum { N_STREAMED = sizeof streamed / sizeof streamed[0] };

START_TEST(test_streaming_stores) {
    const char *text = streamed[_i];
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "stream", &m);
    ck_assert_msg(!st, "parse: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline *p = hloc_pipeline_default();
    ck_assert_ptr_nonnull(p);
    st = hloc_pipeline_run(p, m, NULL, NULL);
    ck_assert_msg(!st, "passes: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline_destroy(p);
    hloc_arena *arena = hloc_arena_create();
    hloc_shape s = m->entry->params[0]->shape;
    hloc_shape_set_default_layout(&s);
    hloc_literal *x = hloc_literal_create(arena, &s);
    uint64_t seed = 0x57e4;
    tb_fill_random(x, &seed);
    const hloc_literal *args[1] = {x};
    hloc_literal *want = NULL;
    st = hloc_evaluate(m, args, 1, NULL, arena, &want);
    ck_assert_msg(!st, "eval: %s", st ? hloc_status_message(st) : "");
    hloc_cpu_options o = {.opt_level = 2};
    hloc_cpu_jit *jit = NULL;
    hloc_executable *exe = NULL;
    st = hloc_cpu_jit_compile(m, &o, &jit);
    if (!st) st = hloc_executable_wrap(hloc_cpu_jit_metadata(jit), &exe);
    ck_assert_msg(!st, "compile: %s", st ? hloc_status_message(st) : "");
    size_t bytes = hloc_shape_bytes(&s);
    uint32_t f32 = hloc_runtime_type_code("f32");
    hloc_buffer in = {x->data, bytes, f32};
    float *mem = aligned_alloc(64, bytes + 64), *first = malloc(bytes);
    ck_assert_ptr_nonnull(mem);
    ck_assert_ptr_nonnull(first);
    for (int run = 0; run < 4; run++) {
        int threads = 1 + run % 2, shift = run / 2; /* elements the result is off alignment */
        hloc_thread_pool *pool = NULL;
        ck_assert_ptr_null(hloc_thread_pool_create(threads, &pool));
        hloc_run_options ro;
        hloc_run_options_init(&ro, threads > 1 ? pool : NULL);
        memset(mem, 0xff, bytes + 64);
        hloc_buffer out = {mem + shift, bytes, f32};
        st = hloc_executable_run(exe, &in, 1, &out, 1, &ro);
        ck_assert_msg(!st, "run: %s", st ? hloc_status_message(st) : "");
        hloc_thread_pool_destroy(pool);
        if (!run) {
            memcpy(first, mem, bytes);
            hloc_literal *got = hloc_literal_create(arena, &want->shape);
            memcpy(got->data, first, bytes);
            conf_compare r;
            char desc[1024];
            ck_assert_msg(conf_compare_arrays(got, want, 2e-5, &r), "module %d: %s", _i,
                          conf_compare_describe(got, want, &r, desc, sizeof desc));
        } else {
            ck_assert_msg(!memcmp(first, mem + shift, bytes), "module %d: %d threads, result %d elements off "
                          "alignment: differs from 1 thread aligned", _i, threads, shift);
        }
    }
    free(mem);
    free(first);
    hloc_executable_unload(exe);
    hloc_cpu_jit_destroy(jit);
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
END_TEST

int main(void) {
    Suite *s = suite_create("vector");
    TCase *tc = tcase_create("vector");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_vector_vs_eval, 0, N_MODULES);
    tcase_add_loop_test(tc, test_streaming_stores, 0, N_STREAMED);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
