/* Elementwise opcodes against values worked out by hand from XLA's semantics (operation_semantics
 * and the CPU elemental emitter), edge cases first. */
#include <math.h>
#include <string.h>

#include "tb.h"

/* Evaluates binary |op| on two [n] parameters of type |ty| with result type |rt|. */
static hloc_literal *bin_i(tb *t, hloc_opcode op, hloc_type ty, int64_t n, const int64_t *x,
                           const int64_t *y) {
    hloc_instr *a = tb_param_i(t, ty, n, x), *b = tb_param_i(t, ty, n, y);
    hloc_shape s = tb_shape(ty, n);
    return tb_run(t, tb_op(t, op, &s, a, b, NULL));
}

static hloc_literal *bin_f(tb *t, hloc_opcode op, hloc_type ty, int64_t n, const double *x,
                           const double *y) {
    hloc_instr *a = tb_param_f(t, ty, n, x), *b = tb_param_f(t, ty, n, y);
    hloc_shape s = tb_shape(ty, n);
    return tb_run(t, tb_op(t, op, &s, a, b, NULL));
}

static hloc_literal *un_f(tb *t, hloc_opcode op, hloc_type ty, int64_t n, const double *x) {
    hloc_instr *a = tb_param_f(t, ty, n, x);
    hloc_shape s = tb_shape(ty, n);
    return tb_run(t, tb_op(t, op, &s, a, NULL, NULL));
}

static hloc_literal *un_i(tb *t, hloc_opcode op, hloc_type ty, int64_t n, const int64_t *x) {
    hloc_instr *a = tb_param_i(t, ty, n, x);
    hloc_shape s = tb_shape(ty, n);
    return tb_run(t, tb_op(t, op, &s, a, NULL, NULL));
}

START_TEST(test_s32_divide) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_DIVIDE, HLOC_TYPE_S32, 6, TB_I(7, -7, 5, INT32_MIN, 3, -9),
                            TB_I(2, 2, 0, -1, -1, 4));
    ck_i(r, 0, 3);
    ck_i(r, 1, -3); /* truncates toward zero */
    ck_i(r, 2, -1); /* x / 0 = -1 */
    ck_i(r, 3, INT32_MIN);
    ck_i(r, 4, -3);
    ck_i(r, 5, -2);
    tb_fini(&t);
}
END_TEST

START_TEST(test_s32_remainder) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_REMAINDER, HLOC_TYPE_S32, 5, TB_I(7, -7, 5, INT32_MIN, 7),
                            TB_I(2, 2, 0, -1, -3));
    ck_i(r, 0, 1);
    ck_i(r, 1, -1); /* sign of the dividend */
    ck_i(r, 2, 5);  /* x % 0 = x */
    ck_i(r, 3, 0);
    ck_i(r, 4, 1);
    tb_fini(&t);
}
END_TEST

START_TEST(test_s64_divide_overflow) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_DIVIDE, HLOC_TYPE_S64, 2, TB_I(INT64_MIN, INT64_MIN),
                            TB_I(-1, 0));
    ck_i(r, 0, INT64_MIN);
    ck_i(r, 1, -1);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_REMAINDER, HLOC_TYPE_S64, 1, TB_I(INT64_MIN), TB_I(-1));
    ck_i(r, 0, 0);
    tb_fini(&t);
}
END_TEST

START_TEST(test_unsigned_divide) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_DIVIDE, HLOC_TYPE_U32, 2, TB_I(7, 4000000000), TB_I(0, 3));
    ck_u(r, 0, 0xffffffffu); /* all ones */
    ck_u(r, 1, 1333333333u);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_REMAINDER, HLOC_TYPE_U8, 2, TB_I(200, 200), TB_I(0, 7));
    ck_u(r, 0, 200);
    ck_u(r, 1, 4);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_DIVIDE, HLOC_TYPE_U8, 1, TB_I(9), TB_I(0));
    ck_u(r, 0, 255);
    tb_fini(&t);
}
END_TEST

START_TEST(test_shifts) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_SHIFT_LEFT, HLOC_TYPE_S32, 4, TB_I(1, 1, 1, 3), TB_I(31, 32, -1, 2));
    ck_i(r, 0, INT32_MIN);
    ck_i(r, 1, 0);
    ck_i(r, 2, 0); /* negative amounts are huge unsigned amounts */
    ck_i(r, 3, 12);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_SHIFT_RIGHT_LOGICAL, HLOC_TYPE_S32, 3, TB_I(-1, -1, 64), TB_I(28, 32, 3));
    ck_i(r, 0, 15);
    ck_i(r, 1, 0);
    ck_i(r, 2, 8);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_SHIFT_RIGHT_ARITHMETIC, HLOC_TYPE_S32, 4, TB_I(-8, -8, 8, -1),
              TB_I(1, 40, 40, -5));
    ck_i(r, 0, -4);
    ck_i(r, 1, -1); /* sign fill */
    ck_i(r, 2, 0);
    ck_i(r, 3, -1);
    tb_fini(&t);
    tb_init(&t);
    /* Arithmetic shift of an unsigned type still fills with its top bit. */
    r = bin_i(&t, HLOC_OP_SHIFT_RIGHT_ARITHMETIC, HLOC_TYPE_U8, 2, TB_I(0x80, 0x40), TB_I(2, 9));
    ck_u(r, 0, 0xe0);
    ck_u(r, 1, 0);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_SHIFT_LEFT, HLOC_TYPE_U8, 2, TB_I(0x81, 1), TB_I(1, 8));
    ck_u(r, 0, 0x02);
    ck_u(r, 1, 0);
    tb_fini(&t);
}
END_TEST

START_TEST(test_int_wrap) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_ADD, HLOC_TYPE_S8, 2, TB_I(127, -128), TB_I(1, -1));
    ck_i(r, 0, -128);
    ck_i(r, 1, 127);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_MULTIPLY, HLOC_TYPE_U16, 1, TB_I(300), TB_I(300));
    ck_u(r, 0, 90000 % 65536);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_ADD, HLOC_TYPE_S4, 2, TB_I(7, -8), TB_I(1, -1));
    ck_i(r, 0, -8);
    ck_i(r, 1, 7);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_ABS, HLOC_TYPE_S32, 3, TB_I(-5, INT32_MIN, 4));
    ck_i(r, 0, 5);
    ck_i(r, 1, INT32_MIN); /* wraps */
    ck_i(r, 2, 4);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_NEGATE, HLOC_TYPE_U32, 1, TB_I(1));
    ck_u(r, 0, 0xffffffffu);
    tb_fini(&t);
}
END_TEST

START_TEST(test_int_power) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_POWER, HLOC_TYPE_S32, 6, TB_I(2, 3, 1, -2, 5, -1),
                            TB_I(10, -1, -5, 3, 0, -3));
    ck_i(r, 0, 1024);
    ck_i(r, 1, 0); /* negative exponent: 0 unless the base is 1 */
    ck_i(r, 2, 1);
    ck_i(r, 3, -8);
    ck_i(r, 4, 1);
    ck_i(r, 5, 0);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_POWER, HLOC_TYPE_S64, 1, TB_I(3), TB_I(39));
    ck_i(r, 0, 4052555153018976267LL); /* exact: 3^39 */
    tb_fini(&t);
}
END_TEST

START_TEST(test_bits) {
    tb t;
    tb_init(&t);
    hloc_literal *r = un_i(&t, HLOC_OP_POPCNT, HLOC_TYPE_S32, 3, TB_I(-1, 0, 0x55));
    ck_i(r, 0, 32);
    ck_i(r, 1, 0);
    ck_i(r, 2, 4);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_COUNT_LEADING_ZEROS, HLOC_TYPE_S32, 3, TB_I(1, 0, -1));
    ck_i(r, 0, 31);
    ck_i(r, 1, 32);
    ck_i(r, 2, 0);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_COUNT_LEADING_ZEROS, HLOC_TYPE_U8, 2, TB_I(1, 0x80));
    ck_u(r, 0, 7);
    ck_u(r, 1, 0);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_NOT, HLOC_TYPE_U8, 1, TB_I(0x0f));
    ck_u(r, 0, 0xf0);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_XOR, HLOC_TYPE_S16, 1, TB_I(0x0ff0), TB_I(0x00ff));
    ck_i(r, 0, 0x0f0f);
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_MULHI, HLOC_TYPE_S32, 2, TB_I(0x40000000, -2), TB_I(8, 3));
    ck_i(r, 0, 2);
    ck_i(r, 1, -1);
    tb_fini(&t);
}
END_TEST

START_TEST(test_int_minmax_sign) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_MAXIMUM, HLOC_TYPE_U8, 1, TB_I(200), TB_I(100));
    ck_u(r, 0, 200); /* unsigned compare */
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_MINIMUM, HLOC_TYPE_S8, 1, TB_I(-56), TB_I(100));
    ck_i(r, 0, -56);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_SIGN, HLOC_TYPE_S32, 3, TB_I(-7, 0, 9));
    ck_i(r, 0, -1);
    ck_i(r, 1, 0);
    ck_i(r, 2, 1);
    tb_fini(&t);
}
END_TEST

START_TEST(test_pred_arith) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_i(&t, HLOC_OP_ADD, HLOC_TYPE_PRED, 4, TB_I(0, 0, 1, 1), TB_I(0, 1, 0, 1));
    ck_i(r, 0, 0);
    ck_i(r, 1, 1);
    ck_i(r, 2, 1);
    ck_i(r, 3, 1); /* or, not 1+1 = 0 */
    tb_fini(&t);
    tb_init(&t);
    r = bin_i(&t, HLOC_OP_MULTIPLY, HLOC_TYPE_PRED, 2, TB_I(1, 1), TB_I(0, 1));
    ck_i(r, 0, 0);
    ck_i(r, 1, 1);
    tb_fini(&t);
    tb_init(&t);
    r = un_i(&t, HLOC_OP_NOT, HLOC_TYPE_PRED, 2, TB_I(0, 1));
    ck_i(r, 0, 1);
    ck_i(r, 1, 0);
    tb_fini(&t);
}
END_TEST

START_TEST(test_float_minmax_nan) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_f(&t, HLOC_OP_MAXIMUM, HLOC_TYPE_F32, 4, TB_F(NAN, 1, -0.0, 2),
                            TB_F(1, NAN, 0.0, -3));
    ck_f(r, 0, NAN);
    ck_f(r, 1, NAN);
    ck_f(r, 2, 0.0);
    ck_f(r, 3, 2);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_MINIMUM, HLOC_TYPE_F64, 3, TB_F(NAN, 0.0, 2), TB_F(1, -0.0, -3));
    ck_f(r, 0, NAN);
    ck_f(r, 1, -0.0);
    ck_f(r, 2, -3);
    tb_fini(&t);
}
END_TEST

START_TEST(test_float_arith) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_f(&t, HLOC_OP_DIVIDE, HLOC_TYPE_F32, 3, TB_F(1, -1, 0), TB_F(0, 0, 0));
    ck_f(r, 0, INFINITY);
    ck_f(r, 1, -INFINITY);
    ck_f(r, 2, NAN);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_REMAINDER, HLOC_TYPE_F32, 2, TB_F(-7.5, 7.5), TB_F(2, -2));
    ck_f(r, 0, -1.5); /* fmod: sign of the dividend */
    ck_f(r, 1, 1.5);
    tb_fini(&t);
    tb_init(&t);
    /* f32 arithmetic rounds to f32: 1 + 2^-30 is 1 in f32. */
    r = bin_f(&t, HLOC_OP_ADD, HLOC_TYPE_F32, 1, TB_F(1), TB_F(0x1p-30));
    ck_f(r, 0, 1);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_ADD, HLOC_TYPE_F64, 1, TB_F(1), TB_F(0x1p-30));
    ck_f(r, 0, 1 + 0x1p-30);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_POWER, HLOC_TYPE_F32, 3, TB_F(2, 0, -8), TB_F(0.5, 0, 1.0 / 3));
    ck_f(r, 0, (double)sqrtf(2));
    ck_f(r, 1, 1);
    ck_f(r, 2, NAN);
    tb_fini(&t);
}
END_TEST

START_TEST(test_float_unary) {
    tb t;
    tb_init(&t);
    hloc_literal *r = un_f(&t, HLOC_OP_SIGN, HLOC_TYPE_F32, 5, TB_F(-2, -0.0, 0.0, NAN, 1e-40));
    ck_f(r, 0, -1);
    ck_f(r, 1, -0.0);
    ck_f(r, 2, 0.0);
    ck_f(r, 3, NAN);
    ck_f(r, 4, 0); /* XLA:CPU flushes denormals: a subnormal input is zero */
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_ROUND_NEAREST_AFZ, HLOC_TYPE_F32, 4, TB_F(2.5, -2.5, 0.5, -0.4));
    ck_f(r, 0, 3);
    ck_f(r, 1, -3);
    ck_f(r, 2, 1);
    ck_f(r, 3, -0.0);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_ROUND_NEAREST_EVEN, HLOC_TYPE_F32, 4, TB_F(2.5, 3.5, -2.5, 0.5));
    ck_f(r, 0, 2);
    ck_f(r, 1, 4);
    ck_f(r, 2, -2);
    ck_f(r, 3, 0);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_CEIL, HLOC_TYPE_F64, 2, TB_F(-0.5, 1.2));
    ck_f(r, 0, -0.0);
    ck_f(r, 1, 2);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_FLOOR, HLOC_TYPE_F32, 2, TB_F(-0.5, 1.7));
    ck_f(r, 0, -1);
    ck_f(r, 1, 1);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_RSQRT, HLOC_TYPE_F32, 3, TB_F(4, 0, -1));
    ck_f(r, 0, 0.5);
    ck_f(r, 1, INFINITY);
    ck_f(r, 2, NAN);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_LOGISTIC, HLOC_TYPE_F32, 3, TB_F(0, -INFINITY, INFINITY));
    ck_f(r, 0, 0.5);
    ck_f(r, 1, 0);
    ck_f(r, 2, 1);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_CBRT, HLOC_TYPE_F64, 3, TB_F(-27, 8, -0.0));
    /* libm's cbrt is within an ulp, not correctly rounded. */
    ck_assert(fabs(hloc_literal_get_f64(r, 0) + 3) < 1e-15);
    ck_assert(fabs(hloc_literal_get_f64(r, 1) - 2) < 1e-15);
    ck_f(r, 2, -0.0);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_LOG_PLUS_ONE, HLOC_TYPE_F64, 2, TB_F(0x1p-60, -1));
    ck_f(r, 0, 0x1p-60);
    ck_f(r, 1, -INFINITY);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_EXPONENTIAL_MINUS_ONE, HLOC_TYPE_F32, 1, TB_F(0x1p-40));
    ck_f(r, 0, 0x1p-40);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_ABS, HLOC_TYPE_F32, 2, TB_F(-0.0, -3));
    ck_f(r, 0, 0.0);
    ck_f(r, 1, 3);
    tb_fini(&t);
}
END_TEST

START_TEST(test_atan2_erf_trig) {
    tb t;
    tb_init(&t);
    hloc_literal *r = bin_f(&t, HLOC_OP_ATAN2, HLOC_TYPE_F64, 3, TB_F(1, 0.0, -0.0), TB_F(0, -1, -1));
    ck_f(r, 0, M_PI / 2);
    ck_f(r, 1, M_PI);
    ck_f(r, 2, -M_PI);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_ERF, HLOC_TYPE_F64, 3, TB_F(0, INFINITY, -INFINITY));
    ck_f(r, 0, 0);
    ck_f(r, 1, 1);
    ck_f(r, 2, -1);
    tb_fini(&t);
    tb_init(&t);
    r = un_f(&t, HLOC_OP_TANH, HLOC_TYPE_F32, 2, TB_F(INFINITY, -0.0));
    ck_f(r, 0, 1);
    ck_f(r, 1, -0.0);
    tb_fini(&t);
}
END_TEST

START_TEST(test_small_floats) {
    tb t;
    tb_init(&t);
    /* bf16 computes in f32 and rounds once: 1.0078125 + 2^-8 = 1.01171875 is a tie between
     * 1.0078125 (0x3f81) and 1.015625 (0x3f82); ties go to even. */
    hloc_literal *r = bin_f(&t, HLOC_OP_ADD, HLOC_TYPE_BF16, 1, TB_F(1.0078125), TB_F(0x1p-8));
    ck_f(r, 0, 1.015625);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_MULTIPLY, HLOC_TYPE_F16, 2, TB_F(300, 2), TB_F(300, 0.5));
    ck_f(r, 0, INFINITY); /* 90000 overflows f16 */
    ck_f(r, 1, 1);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_ADD, HLOC_TYPE_F8E4M3FN, 2, TB_F(448, 1), TB_F(64, 0.125));
    ck_f(r, 0, NAN); /* no inf in e4m3fn: overflow is NaN */
    ck_f(r, 1, 1.125);
    tb_fini(&t);
    tb_init(&t);
    r = bin_f(&t, HLOC_OP_ADD, HLOC_TYPE_F8E5M2, 1, TB_F(1), TB_F(0.125));
    ck_f(r, 0, 1); /* 1.125 is a tie between 1 and 1.25: even mantissa is 1 */
    tb_fini(&t);
}
END_TEST

static hloc_literal *cmp(tb *t, hloc_type ty, hloc_cmp_dir d, hloc_cmp_type ct, int64_t n,
                         const double *x, const double *y) {
    hloc_instr *a = tb_param_f(t, ty, n, x), *b = tb_param_f(t, ty, n, y);
    hloc_shape s = tb_shape(HLOC_TYPE_PRED, n);
    hloc_instr *c = tb_op(t, HLOC_OP_COMPARE, &s, a, b, NULL);
    c->attrs->cmp_dir = d;
    c->attrs->cmp_type = ct;
    return tb_run(t, c);
}

START_TEST(test_compare_float) {
    tb t;
    const double *x = TB_F(NAN, 1, -0.0, 2), *y = TB_F(NAN, NAN, 0.0, 1);
    static const struct { hloc_cmp_dir d; int want[4]; } cases[] = {
        {HLOC_CMP_EQ, {0, 0, 1, 0}}, {HLOC_CMP_NE, {1, 1, 0, 1}}, {HLOC_CMP_LT, {0, 0, 0, 0}},
        {HLOC_CMP_LE, {0, 0, 1, 0}}, {HLOC_CMP_GT, {0, 0, 0, 1}}, {HLOC_CMP_GE, {0, 0, 1, 1}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tb_init(&t);
        hloc_literal *r = cmp(&t, HLOC_TYPE_F32, cases[c].d, HLOC_CMPT_NONE, 4, x, y);
        for (int k = 0; k < 4; k++) ck_i(r, k, cases[c].want[k]);
        tb_fini(&t);
    }
}
END_TEST

START_TEST(test_compare_totalorder) {
    tb t;
    tb_init(&t);
    /* -NaN < -inf < -1 < -0 < +0 < 1 < inf < NaN */
    hloc_literal *r = cmp(&t, HLOC_TYPE_F32, HLOC_CMP_LT, HLOC_CMPT_TOTALORDER, 7,
                          TB_F(-NAN, -INFINITY, -1, -0.0, 0.0, 1, INFINITY),
                          TB_F(-INFINITY, -1, -0.0, 0.0, 1, INFINITY, NAN));
    for (int k = 0; k < 7; k++) ck_i(r, k, 1);
    tb_fini(&t);
    tb_init(&t);
    r = cmp(&t, HLOC_TYPE_BF16, HLOC_CMP_EQ, HLOC_CMPT_TOTALORDER, 3, TB_F(NAN, 0.0, -NAN),
            TB_F(NAN, -0.0, NAN));
    ck_i(r, 0, 1); /* NaN equals itself in the total order */
    ck_i(r, 1, 0); /* but -0 and +0 differ */
    ck_i(r, 2, 0);
    tb_fini(&t);
}
END_TEST

START_TEST(test_compare_int) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_i(&t, HLOC_TYPE_U8, 2, TB_I(200, 5)), *b = tb_param_i(&t, HLOC_TYPE_U8, 2, TB_I(100, 5));
    hloc_shape s = tb_shape(HLOC_TYPE_PRED, 2);
    hloc_instr *c = tb_op(&t, HLOC_OP_COMPARE, &s, a, b, NULL);
    c->attrs->cmp_dir = HLOC_CMP_GT;
    hloc_literal *r = tb_run(&t, c);
    ck_i(r, 0, 1);
    ck_i(r, 1, 0);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(-1, 3));
    b = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(1, 3));
    c = tb_op(&t, HLOC_OP_COMPARE, &s, a, b, NULL);
    c->attrs->cmp_dir = HLOC_CMP_LT;
    r = tb_run(&t, c);
    ck_i(r, 0, 1);
    ck_i(r, 1, 0);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(-1, 3));
    b = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(1, 3));
    c = tb_op(&t, HLOC_OP_COMPARE, &s, a, b, NULL);
    c->attrs->cmp_dir = HLOC_CMP_LT;
    c->attrs->cmp_type = HLOC_CMPT_UNSIGNED; /* -1 is 0xffffffff */
    r = tb_run(&t, c);
    ck_i(r, 0, 0);
    ck_i(r, 1, 0);
    tb_fini(&t);
}
END_TEST

static hloc_literal *conv_f(tb *t, hloc_type from, hloc_type to, int64_t n, const double *x) {
    hloc_instr *a = tb_param_f(t, from, n, x);
    hloc_shape s = tb_shape(to, n);
    return tb_run(t, tb_op(t, HLOC_OP_CONVERT, &s, a, NULL, NULL));
}

START_TEST(test_convert) {
    tb t;
    tb_init(&t);
    hloc_literal *r = conv_f(&t, HLOC_TYPE_F32, HLOC_TYPE_S32, 6, TB_F(3.7, -3.7, NAN, 1e10, -1e10, INFINITY));
    ck_i(r, 0, 3);
    ck_i(r, 1, -3);
    ck_i(r, 2, 0); /* NaN → 0 */
    ck_i(r, 3, INT32_MAX);
    ck_i(r, 4, INT32_MIN);
    ck_i(r, 5, INT32_MAX);
    tb_fini(&t);
    tb_init(&t);
    r = conv_f(&t, HLOC_TYPE_F32, HLOC_TYPE_U8, 4, TB_F(-5, 300, 255.9, NAN));
    ck_u(r, 0, 0);
    ck_u(r, 1, 255);
    ck_u(r, 2, 255);
    ck_u(r, 3, 0);
    tb_fini(&t);
    tb_init(&t);
    r = conv_f(&t, HLOC_TYPE_F32, HLOC_TYPE_PRED, 3, TB_F(0, NAN, -0.0));
    ck_i(r, 0, 0);
    ck_i(r, 1, 1); /* x != 0 is true for NaN */
    ck_i(r, 2, 0);
    tb_fini(&t);
    tb_init(&t);
    /* f32 → bf16 rounds to nearest even: 1 + 2^-8 ties down to 1, 1 + 3·2^-8 ties up. */
    r = conv_f(&t, HLOC_TYPE_F32, HLOC_TYPE_BF16, 2, TB_F(1 + 0x1p-8, 1 + 3 * 0x1p-8));
    ck_f(r, 0, 1);
    ck_f(r, 1, 1 + 0x1p-6);
    tb_fini(&t);
    tb_init(&t);
    hloc_instr *a = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(-1, 300));
    hloc_shape s = tb_shape(HLOC_TYPE_U8, 2);
    r = tb_run(&t, tb_op(&t, HLOC_OP_CONVERT, &s, a, NULL, NULL));
    ck_u(r, 0, 255); /* int → int wraps */
    ck_u(r, 1, 44);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_i(&t, HLOC_TYPE_S64, 1, TB_I((1LL << 53) + 1));
    s = tb_shape(HLOC_TYPE_F32, 1);
    r = tb_run(&t, tb_op(&t, HLOC_OP_CONVERT, &s, a, NULL, NULL));
    ck_f(r, 0, 0x1p53);
    tb_fini(&t);
    tb_init(&t);
    r = conv_f(&t, HLOC_TYPE_F64, HLOC_TYPE_S64, 2, TB_F(1e19, -1e19));
    ck_i(r, 0, INT64_MAX);
    ck_i(r, 1, INT64_MIN);
    tb_fini(&t);
}
END_TEST

START_TEST(test_select_clamp) {
    tb t;
    tb_init(&t);
    hloc_instr *p = tb_param_i(&t, HLOC_TYPE_PRED, 3, TB_I(1, 0, 1));
    hloc_instr *a = tb_param_f(&t, HLOC_TYPE_F32, 3, TB_F(1, 2, 3));
    hloc_instr *b = tb_param_f(&t, HLOC_TYPE_F32, 3, TB_F(-1, -2, -3));
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 3);
    hloc_literal *r = tb_run(&t, tb_op(&t, HLOC_OP_SELECT, &s, p, a, b));
    ck_f(r, 0, 1);
    ck_f(r, 1, -2);
    ck_f(r, 2, 3);
    tb_fini(&t);
    tb_init(&t);
    /* A scalar predicate chooses whole arrays. */
    p = tb_param_i(&t, HLOC_TYPE_PRED, -1, TB_I(0));
    a = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(1, 2));
    b = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(3, 4));
    s = tb_shape(HLOC_TYPE_S32, 2);
    r = tb_run(&t, tb_op(&t, HLOC_OP_SELECT, &s, p, a, b));
    ck_i(r, 0, 3);
    ck_i(r, 1, 4);
    tb_fini(&t);
    tb_init(&t);
    /* clamp(lo, x, hi) with scalar bounds. */
    hloc_instr *lo = tb_param_f(&t, HLOC_TYPE_F32, -1, TB_F(-1));
    hloc_instr *x = tb_param_f(&t, HLOC_TYPE_F32, 4, TB_F(-5, 0.5, 7, NAN));
    hloc_instr *hi = tb_param_f(&t, HLOC_TYPE_F32, -1, TB_F(1));
    s = tb_shape(HLOC_TYPE_F32, 4);
    r = tb_run(&t, tb_op(&t, HLOC_OP_CLAMP, &s, lo, x, hi));
    ck_f(r, 0, -1);
    ck_f(r, 1, 0.5);
    ck_f(r, 2, 1);
    ck_f(r, 3, NAN);
    tb_fini(&t);
    tb_init(&t);
    lo = tb_param_i(&t, HLOC_TYPE_S32, -1, TB_I(0));
    x = tb_param_i(&t, HLOC_TYPE_S32, 3, TB_I(-5, 3, 99));
    hi = tb_param_i(&t, HLOC_TYPE_S32, -1, TB_I(10));
    s = tb_shape(HLOC_TYPE_S32, 3);
    r = tb_run(&t, tb_op(&t, HLOC_OP_CLAMP, &s, lo, x, hi));
    ck_i(r, 0, 0);
    ck_i(r, 1, 3);
    ck_i(r, 2, 10);
    tb_fini(&t);
}
END_TEST

START_TEST(test_bitcast_convert) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1.0, -2.0));
    hloc_shape s = tb_shape(HLOC_TYPE_S32, 2);
    hloc_literal *r = tb_run(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, &s, a, NULL, NULL));
    ck_i(r, 0, 0x3f800000);
    ck_i(r, 1, (int32_t)0xc0000000u);
    tb_fini(&t);
    tb_init(&t);
    /* Narrowing adds a trailing dimension, little-endian. */
    a = tb_param_f(&t, HLOC_TYPE_F32, 1, TB_F(1.0));
    s = hloc_shape_array(HLOC_TYPE_U8, 2, (const int64_t[]){1, 4});
    r = tb_run(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, &s, a, NULL, NULL));
    ck_u(r, 0, 0);
    ck_u(r, 1, 0);
    ck_u(r, 2, 0x80);
    ck_u(r, 3, 0x3f);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_i(&t, HLOC_TYPE_U8, 2, TB_I(0x21, 0xf3));
    s = hloc_shape_array(HLOC_TYPE_S4, 2, (const int64_t[]){2, 2});
    r = tb_run(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, &s, a, NULL, NULL));
    ck_i(r, 0, 1);
    ck_i(r, 1, 2);
    ck_i(r, 2, 3);
    ck_i(r, 3, -1);
    tb_fini(&t);
    tb_init(&t);
    /* Widening drops it. */
    a = tb_param_i(&t, HLOC_TYPE_U16, 2, TB_I(0x5678, 0x1234));
    s = tb_shape(HLOC_TYPE_U32, -1);
    hloc_instr *rs = tb_op(&t, HLOC_OP_BITCAST_CONVERT, &s, a, NULL, NULL);
    r = tb_run(&t, rs);
    ck_u(r, 0, 0x12345678u);
    tb_fini(&t);
}
END_TEST

START_TEST(test_reduce_precision) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, HLOC_TYPE_F32, 5, TB_F(1 + 0x1p-8, 65504, 65520, 1e-10, NAN));
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 5);
    hloc_instr *rp = tb_op(&t, HLOC_OP_REDUCE_PRECISION, &s, a, NULL, NULL);
    rp->attrs->exponent_bits = 5; /* f16 */
    rp->attrs->mantissa_bits = 10;
    hloc_literal *r = tb_run(&t, rp);
    ck_f(r, 0, 1 + 0x1p-8);  /* representable in f16 */
    ck_f(r, 1, 65504);
    ck_f(r, 2, INFINITY);    /* rounds to 65536, past f16's range */
    ck_f(r, 3, 0);           /* below f16's normal range: flushed */
    ck_f(r, 4, NAN);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1 + 0x1p-8, 1 + 3 * 0x1p-8));
    s = tb_shape(HLOC_TYPE_F32, 2);
    rp = tb_op(&t, HLOC_OP_REDUCE_PRECISION, &s, a, NULL, NULL);
    rp->attrs->exponent_bits = 8; /* bf16 */
    rp->attrs->mantissa_bits = 7;
    r = tb_run(&t, rp);
    ck_f(r, 0, 1);
    ck_f(r, 1, 1 + 0x1p-6);
    tb_fini(&t);
}
END_TEST

START_TEST(test_complex) {
    tb t;
    tb_init(&t);
    hloc_instr *re = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1, 3));
    hloc_instr *im = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(2, 4));
    hloc_shape cs = tb_shape(HLOC_TYPE_C64, 2), fs = tb_shape(HLOC_TYPE_F32, 2);
    hloc_instr *z = tb_op(&t, HLOC_OP_COMPLEX, &cs, re, im, NULL);
    hloc_instr *sq = tb_op(&t, HLOC_OP_MULTIPLY, &cs, z, z, NULL); /* (1+2i)² = -3+4i, (3+4i)² = -7+24i */
    hloc_instr *ab = tb_op(&t, HLOC_OP_ABS, &fs, sq, NULL, NULL);
    hloc_instr *rl = tb_op(&t, HLOC_OP_REAL, &fs, sq, NULL, NULL);
    hloc_instr *ig = tb_op(&t, HLOC_OP_IMAG, &fs, sq, NULL, NULL);
    hloc_shape tup = {.type = HLOC_TYPE_TUPLE, .n_elems = 3,
                      .elems = (hloc_shape[]){fs, fs, fs}};
    hloc_literal *r = tb_run(&t, tb_op(&t, HLOC_OP_TUPLE, &tup, ab, rl, ig));
    ck_f(&r->elems[0], 0, 5);
    ck_f(&r->elems[0], 1, 25);
    ck_f(&r->elems[1], 0, -3);
    ck_f(&r->elems[1], 1, -7);
    ck_f(&r->elems[2], 0, 4);
    ck_f(&r->elems[2], 1, 24);
    tb_fini(&t);
}
END_TEST

START_TEST(test_is_finite) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, HLOC_TYPE_BF16, 4, TB_F(1, INFINITY, NAN, -0.0));
    hloc_shape s = tb_shape(HLOC_TYPE_PRED, 4);
    hloc_literal *r = tb_run(&t, tb_op(&t, HLOC_OP_IS_FINITE, &s, a, NULL, NULL));
    ck_i(r, 0, 1);
    ck_i(r, 1, 0);
    ck_i(r, 2, 0);
    ck_i(r, 3, 1);
    tb_fini(&t);
}
END_TEST

START_TEST(test_type_errors) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_i(&t, HLOC_TYPE_PRED, 1, TB_I(1));
    hloc_shape s = tb_shape(HLOC_TYPE_PRED, 1);
    hloc_instr *d = tb_op(&t, HLOC_OP_DIVIDE, &s, a, a, NULL);
    hloc_literal *r;
    hloc_status *st = tb_try(&t, d, &r);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "divide is not defined for element type pred"),
                  "%s", hloc_status_message(st));
    ck_assert_ptr_null(r);
    hloc_status_free(st);
    tb_fini(&t);
    tb_init(&t);
    a = tb_param_i(&t, HLOC_TYPE_S32, 1, TB_I(1));
    s = tb_shape(HLOC_TYPE_S32, 1);
    st = tb_try(&t, tb_op(&t, HLOC_OP_SQRT, &s, a, NULL, NULL), &r);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    tb_fini(&t);
}
END_TEST

Suite *eval_elementwise_suite(void) {
    Suite *s = suite_create("eval_elementwise");
    TCase *tc = tcase_create("ops");
    tcase_add_test(tc, test_s32_divide);
    tcase_add_test(tc, test_s32_remainder);
    tcase_add_test(tc, test_s64_divide_overflow);
    tcase_add_test(tc, test_unsigned_divide);
    tcase_add_test(tc, test_shifts);
    tcase_add_test(tc, test_int_wrap);
    tcase_add_test(tc, test_int_power);
    tcase_add_test(tc, test_bits);
    tcase_add_test(tc, test_int_minmax_sign);
    tcase_add_test(tc, test_pred_arith);
    tcase_add_test(tc, test_float_minmax_nan);
    tcase_add_test(tc, test_float_arith);
    tcase_add_test(tc, test_float_unary);
    tcase_add_test(tc, test_atan2_erf_trig);
    tcase_add_test(tc, test_small_floats);
    tcase_add_test(tc, test_compare_float);
    tcase_add_test(tc, test_compare_totalorder);
    tcase_add_test(tc, test_compare_int);
    tcase_add_test(tc, test_convert);
    tcase_add_test(tc, test_select_clamp);
    tcase_add_test(tc, test_bitcast_convert);
    tcase_add_test(tc, test_reduce_precision);
    tcase_add_test(tc, test_complex);
    tcase_add_test(tc, test_is_finite);
    tcase_add_test(tc, test_type_errors);
    suite_add_tcase(s, tc);
    return s;
}
