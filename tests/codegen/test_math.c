/* Accuracy of the vectorizable math (codegen/math.c) against libm in double precision over wide
 * sweeps and special values; bf16/f16 rounding against element.h's codecs; control flow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "element.h"
#include "status.h"
#include "suites.h"
#include "util.h"

enum { N = 4096 };

static const hloc_opcode math_ops[] = {HLOC_OP_EXPONENTIAL, HLOC_OP_LOG, HLOC_OP_TANH, HLOC_OP_LOGISTIC,
                                       HLOC_OP_ERF, HLOC_OP_SINE, HLOC_OP_COSINE};
enum { N_OPS = sizeof math_ops / sizeof math_ops[0] };

static double reference(hloc_opcode op, double x) {
    switch (op) {
    case HLOC_OP_EXPONENTIAL: return exp(x);
    case HLOC_OP_LOG: return log(x);
    case HLOC_OP_TANH: return tanh(x);
    case HLOC_OP_LOGISTIC: return 1 / (1 + exp(-x));
    case HLOC_OP_ERF: return erf(x);
    case HLOC_OP_SINE: return sin(x);
    default: return cos(x);
    }
}

/* Inputs: a dense sweep of [-lo, hi] for each op's interesting range, then special values. */
static void inputs(float *x, int n, double lo, double hi) {
    for (int k = 0; k < n - 8; k++) x[k] = (float)(lo + (hi - lo) * k / (n - 9));
    const float sp[8] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f, 1.0f};
    memcpy(x + n - 8, sp, sizeof sp);
}

static hloc_module *unary_module(hloc_opcode op) {
    tb b = tb_new("math");
    int64_t d[] = {N};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, d);
    tb_finish(&b, tb_un(&b, op, p));
    return b.m;
}

START_TEST(test_math_accuracy) {
    hloc_opcode op = math_ops[_i];
    static const double range[N_OPS][2] = {{-100, 100}, {1e-6, 1e6}, {-12, 12}, {-40, 40},
                                           {-6, 6}, {-1000, 1000}, {-1000, 1000}};
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    inputs(x, N, range[_i][0], range[_i][1]);
    if (op == HLOC_OP_LOG) /* logarithmic sweep */
        for (int k = 0; k < N - 8; k++) x[k] = (float)exp(log(1e-30) + (log(1e30) - log(1e-30)) * k / (N - 9));
    hloc_module *m = unary_module(op);
    void *params[] = {x}, *results[] = {y};
    tb_run(m, -1, params, results);
    double worst = 0;
    int worst_k = -1;
    for (int k = 0; k < N; k++) {
        double want = reference(op, (double)x[k]);
        if (x[k] != 0 && fabs(x[k]) < 1e-20 && op == HLOC_OP_LOG) continue; /* DAZ territory */
        if (isnan(want) || isnan(y[k])) {
            ck_assert_msg(isnan(want) && isnan(y[k]), "%s(%g) = %g, want %g", hloc_opcode_name(op),
                          x[k], y[k], want);
            continue;
        }
        if (isinf(want) || isinf(y[k]) || fabs(want) > 3.4e38) {
            ck_assert_msg(fabs(want) > 3.4e38 ? isinf(y[k]) && (y[k] > 0) == (want > 0) : y[k] == want,
                          "%s(%g) = %g, want %g", hloc_opcode_name(op), x[k], y[k], want);
            continue;
        }
        if (fabs(want) < 0x1p-126) { /* subnormal results flush to zero (FTZ, as XLA) */
            ck_assert_msg(fabs(y[k]) <= 0x1p-126, "%s(%g) = %g, want %g", hloc_opcode_name(op), x[k], y[k], want);
            continue;
        }
        /* relative error, absolute near zero (and for sin/cos, whose large-argument results are
         * only as exact as the f32 argument) */
        double err = fabs(y[k] - want) / fmax(fabs(want), op == HLOC_OP_EXPONENTIAL ? 1e-37 : 1.0);
        if (err > worst) {
            worst = err;
            worst_k = k;
        }
    }
    ck_assert_msg(worst < 4e-6, "%s: error %.3g at x = %.9g (got %.9g, want %.9g)", hloc_opcode_name(op),
                  worst, worst_k >= 0 ? x[worst_k] : 0.0, worst_k >= 0 ? y[worst_k] : 0.0,
                  worst_k >= 0 ? reference(op, x[worst_k]) : 0.0);
    hloc_module_destroy(m);
    free(x);
    free(y);
}
END_TEST

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

START_TEST(test_bf16_f16_rounding) {
    /* f32 -> bf16 and f32 -> f16 converts of many bit patterns (ties, overflow, NaN, subnormal
     * results) against element.h's encoders. */
    tb b = tb_new("round");
    int64_t d[] = {N};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, d);
    hloc_shape sb = tb_shape(HLOC_TYPE_BF16, 1, d), sh = tb_shape(HLOC_TYPE_F16, 1, d);
    hloc_instr *t[2] = {tb_op(&b, HLOC_OP_CONVERT, &sb, 1, &p), tb_op(&b, HLOC_OP_CONVERT, &sh, 1, &p)};
    tb_finish(&b, tb_tuple(&b, 2, t));
    float *x = malloc(N * sizeof *x);
    uint16_t *ob = malloc(N * 2), *oh = malloc(N * 2);
    uint64_t s = 12345;
    for (int k = 0; k < N; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t u = (uint32_t)(s >> 32);
        /* mostly normal numbers near the f16 range, with exact ties for both formats */
        if (k % 4 == 1) u = (u & 0x80000000u) | ((u % 40 + 100) << 23) | (u & 0x7fe000u) | 0x1000u;
        if (k % 4 == 2) u = (u & 0xffff0000u) | 0x8000u;
        memcpy(&x[k], &u, 4);
        if (k < 6) x[k] = (float[]){65520.0f, 65519.0f, 1e-7f, 3e38f, NAN, -INFINITY}[k];
        if ((u & 0x7f800000u) == 0 && k >= 6) x[k] = 0; /* f32 subnormals are flushed (DAZ) */
    }
    void *params[] = {x}, *results[] = {ob, oh};
    tb_run(b.m, -1, params, results);
    for (int k = 0; k < N; k++) {
        uint16_t wb = hloc_f32_to_bf16(x[k]), wh = hloc_f64_to_f16(x[k]);
        if (isnan(x[k])) {
            ck_assert((ob[k] & 0x7f80) == 0x7f80 && (ob[k] & 0x7f));
            ck_assert((oh[k] & 0x7c00) == 0x7c00 && (oh[k] & 0x3ff));
            continue;
        }
        ck_assert_msg(ob[k] == wb, "bf16(%a = %08x) = %04x, want %04x", x[k], f32_bits(x[k]), ob[k], wb);
        ck_assert_msg(oh[k] == wh, "f16(%a = %08x) = %04x, want %04x", x[k], f32_bits(x[k]), oh[k], wh);
    }
    free(x);
    free(ob);
    free(oh);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_f64_and_int_to_small_floats) {
    /* f64 -> bf16/f16 and s32 -> bf16 round once, as element.h's stores do. */
    tb b = tb_new("round64");
    int64_t d[] = {N};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F64, 1, d), *q = tb_param(&b, 1, HLOC_TYPE_S32, 1, d);
    hloc_shape sb = tb_shape(HLOC_TYPE_BF16, 1, d), sh = tb_shape(HLOC_TYPE_F16, 1, d);
    hloc_instr *t[3] = {tb_op(&b, HLOC_OP_CONVERT, &sb, 1, &p), tb_op(&b, HLOC_OP_CONVERT, &sh, 1, &p),
                        tb_op(&b, HLOC_OP_CONVERT, &sb, 1, &q)};
    tb_finish(&b, tb_tuple(&b, 3, t));
    double *x = malloc(N * sizeof *x);
    int32_t *y = malloc(N * sizeof *y);
    uint16_t *ob = malloc(N * 2), *oh = malloc(N * 2), *oi = malloc(N * 2);
    uint64_t s = 777;
    for (int k = 0; k < N; k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        /* values in the normal f16 range, many just off a bf16/f16 tie (a double-rounding trap) */
        double m = 1.0 + (double)(s >> 40) * 0x1p-24;
        if (k % 2) m = 1.0 + (double)((s >> 53) | 1) * 0x1p-11 + 0x1p-40;
        x[k] = ldexp(k % 3 ? m : -m, (int)(s % 20) - 10);
        y[k] = (int32_t)(s >> 33) | 0x00808001;
    }
    void *params[] = {x, y}, *results[] = {ob, oh, oi};
    tb_run(b.m, -1, params, results);
    for (int k = 0; k < N; k++) {
        uint16_t wb, wh, wi;
        hloc_elem_store_f64(HLOC_TYPE_BF16, &wb, x[k]);
        hloc_elem_store_f64(HLOC_TYPE_F16, &wh, x[k]);
        hloc_elem_store_i64(HLOC_TYPE_BF16, &wi, y[k]);
        ck_assert_msg(ob[k] == wb, "bf16(%a) = %04x, want %04x", x[k], ob[k], wb);
        ck_assert_msg(oh[k] == wh, "f16(%a) = %04x, want %04x", x[k], oh[k], wh);
        ck_assert_msg(oi[k] == wi, "bf16(%d) = %04x, want %04x", y[k], oi[k], wi);
    }
    free(x);
    free(y);
    free(ob);
    free(oh);
    free(oi);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_while_and_conditional) {
    /* while (i < n) { i += 1; acc *= 2 } then conditional(acc > 100, acc - 100, acc + 100) */
    tb b = tb_new("loop");
    hloc_shape s32 = hloc_shape_scalar(HLOC_TYPE_S32);
    hloc_shape st = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    st.has_layout = false;
    hloc_shape el[3] = {s32, s32, s32};
    st.elems = el;
    st.n_elems = 3;
    hloc_shape pred = hloc_shape_scalar(HLOC_TYPE_PRED);
    hloc_computation *entry = b.c;
    /* condition: i < n */
    b.c = hloc_computation_create(b.m, "cond");
    hloc_instr *cp = tb_param(&b, 0, HLOC_TYPE_TUPLE, 0, NULL);
    cp->shape = hloc_shape_clone(b.m->arena, &st);
    hloc_instr *ci = tb_op(&b, HLOC_OP_GET_TUPLE_ELEMENT, &s32, 1, &cp);
    hloc_instr *cn = tb_op(&b, HLOC_OP_GET_TUPLE_ELEMENT, &s32, 1, &cp);
    cn->attrs->index = 2;
    hloc_instr *lt_ops[2] = {ci, cn};
    hloc_instr *lt = tb_op(&b, HLOC_OP_COMPARE, &pred, 2, lt_ops);
    lt->attrs->cmp_dir = HLOC_CMP_LT;
    b.c->root = lt;
    hloc_computation *cond = b.c;
    /* body: (i + 1, acc * 2, n) */
    b.c = hloc_computation_create(b.m, "body");
    hloc_instr *bp = tb_param(&b, 0, HLOC_TYPE_TUPLE, 0, NULL);
    bp->shape = hloc_shape_clone(b.m->arena, &st);
    hloc_instr *g[3];
    for (int k = 0; k < 3; k++) {
        g[k] = tb_op(&b, HLOC_OP_GET_TUPLE_ELEMENT, &s32, 1, &bp);
        g[k]->attrs->index = k;
    }
    hloc_instr *nt[3] = {tb_bin(&b, HLOC_OP_ADD, g[0], tb_const_s32(&b, 1)),
                         tb_bin(&b, HLOC_OP_MULTIPLY, g[1], tb_const_s32(&b, 2)), g[2]};
    b.c->root = tb_tuple(&b, 3, nt);
    hloc_computation *body = b.c;
    /* branches */
    hloc_computation *br[2];
    for (int k = 0; k < 2; k++) {
        b.c = hloc_computation_create(b.m, k ? "small" : "big");
        hloc_instr *x = tb_param(&b, 0, HLOC_TYPE_S32, 0, NULL);
        b.c->root = tb_bin(&b, k ? HLOC_OP_ADD : HLOC_OP_SUBTRACT, x, tb_const_s32(&b, 100));
        br[k] = b.c;
    }
    b.c = entry;
    hloc_instr *n = tb_param(&b, 0, HLOC_TYPE_S32, 0, NULL);
    hloc_instr *init[3] = {tb_const_s32(&b, 0), tb_const_s32(&b, 1), n};
    hloc_instr *t0 = tb_tuple(&b, 3, init);
    hloc_instr *w = tb_op(&b, HLOC_OP_WHILE, &st, 1, &t0);
    ck_assert(hloc_instr_add_called(w, cond) && hloc_instr_add_called(w, body));
    hloc_instr *acc = tb_op(&b, HLOC_OP_GET_TUPLE_ELEMENT, &s32, 1, &w);
    acc->attrs->index = 1;
    hloc_instr *gt_ops[2] = {acc, tb_const_s32(&b, 100)};
    hloc_instr *gt = tb_op(&b, HLOC_OP_COMPARE, &pred, 2, gt_ops);
    gt->attrs->cmp_dir = HLOC_CMP_GT;
    hloc_instr *cops[3] = {gt, acc, acc};
    hloc_instr *cnd = tb_op(&b, HLOC_OP_CONDITIONAL, &s32, 3, cops);
    ck_assert(hloc_instr_add_called(cnd, br[0]) && hloc_instr_add_called(cnd, br[1]));
    tb_finish(&b, cnd);
    for (int32_t nv = 0; nv <= 10; nv += 5) {
        int32_t out = 0;
        void *params[] = {&nv}, *results[] = {&out};
        tb_run(b.m, -1, params, results);
        int32_t want = (1 << nv) > 100 ? (1 << nv) - 100 : (1 << nv) + 100;
        ck_assert_int_eq(out, want);
    }
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_object_emission) {
    tb b = tb_new("objmodel");
    int64_t d[] = {8};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, d);
    tb_finish(&b, tb_un(&b, HLOC_OP_EXPONENTIAL, p));
    hloc_cpu_options o = {.name = "my_model", .opt_level = 2, .cpu = "x86-64-v3"};
    void *obj = NULL;
    size_t len = 0;
    hloc_status *st = hloc_cpu_compile_object(b.m, &o, 1, &obj, &len);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    ck_assert_uint_gt(len, 64);
    ck_assert(memcmp(obj, "\177ELF", 4) == 0);
    ck_assert_ptr_nonnull(memmem(obj, len, "my_model_metadata", 17));
    ck_assert_ptr_nonnull(memmem(obj, len, "hloc_module_info", 16));
    ck_assert_ptr_null(memmem(obj, len, "expf", 5)); /* exp is inline code, not a libm call */
    free(obj);
    hloc_module_destroy(b.m);
}
END_TEST

Suite *codegen_math_suite(void) {
    Suite *s = suite_create("codegen_math");
    TCase *tc = tcase_create("math");
    tcase_set_timeout(tc, 850);
    tcase_add_loop_test(tc, test_math_accuracy, 0, N_OPS);
    tcase_add_test(tc, test_bf16_f16_rounding);
    tcase_add_test(tc, test_f64_and_int_to_small_floats);
    tcase_add_test(tc, test_while_and_conditional);
    tcase_add_test(tc, test_object_emission);
    suite_add_tcase(s, tc);
    return s;
}
