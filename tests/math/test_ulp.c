/* The max error in ulp of codegen's f32 math (codegen/math.c and the rsqrt of ew.c) against libm
 * in double, over dense sweeps of each function's range: 2^20 points per function, run through
 * the JIT like any module (so through the vectorized loops where codegen vectorizes). Prints the
 * table that codegen/math.c's header quotes, and fails if a function got worse than it says. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum { N = 1 << 20 };

typedef struct fn {
    hloc_opcode op;
    double lo, hi;  /* sweep; logarithmic when lo > 0 */
    double max_ulp; /* what codegen/math.c promises */
} fn;

static const fn fns[] = {
    {HLOC_OP_EXPONENTIAL, -87.0, 88.5, 1},
    {HLOC_OP_EXPONENTIAL, -88.5, -86.5, 1}, /* every f32 where results leave the normal range */
    /* every f32 where they overflow to inf; with AVX-512's table of 16, r reaches 2·ln2/32 above
     * 88.69 (the scale's exponent is capped at 127), 2.5 ulp there */
    {HLOC_OP_EXPONENTIAL, 88.0, 89.0, 2.5},
    {HLOC_OP_LOG, 1e-37, 3e38, 1},
    {HLOC_OP_TANH, -10.0, 10.0, 5},
    {HLOC_OP_TANH, 1e-37, 1.0, 5}, /* near 0, where tanh x is x */
    {HLOC_OP_LOGISTIC, -80.0, 80.0, 3}, /* 2.4 with the table of 8, 2.9 with 16 */
    {HLOC_OP_ERF, -5.0, 5.0, 6},
    {HLOC_OP_SINE, -8192.0, 8192.0, 2},
    {HLOC_OP_COSINE, -8192.0, 8192.0, 2},
    {HLOC_OP_RSQRT, 1e-37, 3e38, 1.5},
};
enum { N_FNS = sizeof fns / sizeof fns[0] };

static double reference(hloc_opcode op, double x) {
    switch (op) {
    case HLOC_OP_EXPONENTIAL: return exp(x);
    case HLOC_OP_LOG: return log(x);
    case HLOC_OP_TANH: return tanh(x);
    case HLOC_OP_LOGISTIC: return 1 / (1 + exp(-x));
    case HLOC_OP_ERF: return erf(x);
    case HLOC_OP_SINE: return sin(x);
    case HLOC_OP_COSINE: return cos(x);
    default: return 1 / sqrt(x);
    }
}

/* The f32 ulp at |v|, a normal f32 magnitude. */
static double ulp_at(double v) {
    int e;
    frexp(fabs(v), &e); /* |v| in [2^(e-1), 2^e) */
    return ldexp(1.0, e - 1 - 23);
}

START_TEST(test_ulp) {
    const fn *f = &fns[_i];
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    for (int k = 0; k < N; k++) {
        double t = (double)k / (N - 1);
        x[k] = (float)(f->lo > 0 ? exp(log(f->lo) + (log(f->hi) - log(f->lo)) * t) : f->lo + (f->hi - f->lo) * t);
    }
    tb b = tb_new("ulp");
    int64_t d[] = {N};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, d);
    tb_finish(&b, tb_un(&b, f->op, p));
    void *params[] = {x}, *results[] = {y};
    tb_run(b.m, -1, params, results);
    double worst = 0;
    int at = 0;
    for (int k = 0; k < N; k++) {
        double want = reference(f->op, x[k]);
        if (fabs(want) > 0x1.fffffep127) {
            ck_assert_msg(isinf(y[k]) && (y[k] > 0) == (want > 0), "%s(%a) = %a, want %a",
                          hloc_opcode_name(f->op), x[k], y[k], want);
            continue;
        }
        if (fabs(want) < 0x1p-126) { /* flushed to zero (FTZ, as XLA) */
            ck_assert_msg(fabs(y[k]) <= 0x1p-126, "%s(%a) = %a, want %a", hloc_opcode_name(f->op),
                          x[k], y[k], want);
            continue;
        }
        double err = fabs((double)y[k] - want) / ulp_at(want);
        if (err > worst) worst = err, at = k;
    }
    printf("%-12s [%g, %g]: max error %.2f ulp at x = %a (got %a, want %a)\n", hloc_opcode_name(f->op),
           f->lo, f->hi, worst, x[at], y[at], reference(f->op, x[at]));
    ck_assert_msg(worst <= f->max_ulp, "%s: %.2f ulp at x = %a, more than the %g promised",
                  hloc_opcode_name(f->op), worst, x[at], f->max_ulp);
    hloc_module_destroy(b.m);
    free(x);
    free(y);
}
END_TEST

/* Runs op over x (n elements) compiled for |cpu|. */
static void run_on(const char *cpu, hloc_opcode op, const float *x, float *y, int64_t n) {
    tb b = tb_new("tail");
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, &n);
    tb_finish(&b, tb_un(&b, op, p));
    hloc_cpu_options o = {.opt_level = 2, .cpu = cpu};
    hloc_cpu_jit *j = NULL;
    hloc_status *st = hloc_cpu_jit_compile(b.m, &o, &j);
    if (st) ck_abort_msg("compile for %s failed: %s", cpu, hloc_status_message(st));
    tb_call(hloc_cpu_jit_metadata(j), (void *[]){(void *)x}, (void *[]){y});
    hloc_cpu_jit_destroy(j);
    hloc_module_destroy(b.m);
}

static bool same(float a, float b) { return isnan(a) ? isnan(b) : memcmp(&a, &b, sizeof a) == 0; }

/* The scalar remainder of a vectorized loop computes exactly what the vector body does (the
 * threads' split of a loop must not change any element), each element whatever its vector
 * neighbours are (a lane out of exp's fast range beside it, say); on the native CPU, on
 * x86-64-v3 (AVX2: exp's table of 8 by vpermd, where AVX-512 has one of 16) and on plain x86-64
 * (SSE2: other vector code paths, no FMA; exp's table by gather). */
static const hloc_opcode tail_ops[] = {HLOC_OP_EXPONENTIAL, HLOC_OP_LOG, HLOC_OP_TANH, HLOC_OP_LOGISTIC,
                                       HLOC_OP_ERF, HLOC_OP_SINE, HLOC_OP_COSINE};
START_TEST(test_tail_matches_body) {
    const char *cpus[] = {"native", "x86-64", "x86-64-v3"};
    unsigned n_cpus = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 3 : 2;
    enum { BODY = 16 * 64, TAIL = 15, M = BODY + TAIL };
    float x[M], y[M], x2[M], y2[M];
    for (int k = 0; k < BODY; k++) {
        double t = (double)k / (BODY - 1);
        x[k] = (float)(-100.0 + 200.0 * t);
    }
    const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f, 100.0f, -90.0f, 3e38f};
    for (int k = 0; k < (int)(sizeof sp / sizeof sp[0]); k++) x[16 * k + 3] = sp[k];
    for (int k = 0; k < TAIL; k++) x[BODY + k] = x[(k * 131 + 7) % BODY];
    /* The same values again, each lane now beside in-range neighbours only (or only others). */
    for (int k = 0; k < M; k++) x2[k] = x[(k * 16) % BODY + (k * 16) / BODY];
    for (unsigned ci = 0; ci < n_cpus; ci++) {
        for (unsigned oi = 0; oi < sizeof tail_ops / sizeof tail_ops[0]; oi++) {
            hloc_opcode op = tail_ops[oi];
            run_on(cpus[ci], op, x, y, M);
            run_on(cpus[ci], op, x2, y2, M);
            for (int k = 0; k < TAIL; k++) {
                int at = (k * 131 + 7) % BODY;
                ck_assert_msg(same(y[BODY + k], y[at]), "%s on %s: tail %a -> %a, body %a", hloc_opcode_name(op),
                              cpus[ci], x[at], y[BODY + k], y[at]);
            }
            for (int k = 0; k < M; k++) {
                int at = (k * 16) % BODY + (k * 16) / BODY;
                ck_assert_msg(same(y2[k], y[at]), "%s on %s: %a -> %a here, %a among other neighbours",
                              hloc_opcode_name(op), cpus[ci], x2[k], y2[k], y[at]);
            }
        }
    }
}
END_TEST

int main(void) {
#if defined(__x86_64__)
    /* HLOC_TEST_CPU=x86-64-v3 (the AVX2 run) needs a host that can run that code: skipped else */
    const char *want = getenv("HLOC_TEST_CPU");
    if (want && !strcmp(want, "x86-64-v3") && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
        printf("skipped: this CPU cannot run x86-64-v3 code\n");
        return 77;
    }
#endif
    Suite *s = suite_create("math_ulp");
    TCase *tc = tcase_create("ulp");
    tcase_add_loop_test(tc, test_ulp, 0, N_FNS);
    tcase_add_test(tc, test_tail_matches_body);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
