/* The edge cases of every integer and float element type, one loop iteration per type: wraparound
 * at the type's width, x/0, x%0, INT_MIN/-1, shifts by the width, NaN propagation, overflow to inf
 * (or NaN for types without inf), and complex arithmetic. */
#include <complex.h>
#include <math.h>

#include "tb.h"

static const hloc_type int_types[] = {
    HLOC_TYPE_S2, HLOC_TYPE_S4, HLOC_TYPE_S8, HLOC_TYPE_S16, HLOC_TYPE_S32, HLOC_TYPE_S64,
    HLOC_TYPE_U2, HLOC_TYPE_U4, HLOC_TYPE_U8, HLOC_TYPE_U16, HLOC_TYPE_U32, HLOC_TYPE_U64,
};

static uint64_t mask(int w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }

/* Element k's bits at the type's width. */
static uint64_t bits_at(const hloc_literal *l, int64_t k) {
    return hloc_elem_load_u64(l->shape.type, hloc_literal_at(l, k)) & mask(hloc_type_bits(l->shape.type));
}

static hloc_literal *bin(hloc_type ty, hloc_opcode op, uint64_t x, uint64_t y) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_u(&t, ty, -1, &x), *b = tb_param_u(&t, ty, -1, &y);
    hloc_shape s = tb_shape(ty, -1);
    hloc_literal *r = tb_run(&t, tb_op(&t, op, &s, a, b, NULL));
    /* Results live in t.a: copy the one element out before the builder goes. */
    static hloc_literal keep;
    static unsigned char data[16];
    hloc_elem_store_u64(ty, data, hloc_elem_load_u64(ty, r->data));
    keep.shape = hloc_shape_scalar(ty);
    keep.data = data;
    tb_fini(&t);
    return &keep;
}

START_TEST(test_int_types) {
    hloc_type ty = int_types[_i];
    int w = hloc_type_bits(ty);
    bool sg = hloc_type_is_signed_int(ty);
    uint64_t m = mask(w);
    uint64_t top = 1ull << (w - 1);          /* INT_MIN's bits, or the unsigned top bit */
    uint64_t max = sg ? top - 1 : m;
    uint64_t minus1 = m;                      /* -1 at the width */
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_ADD, max, 1), 0), sg ? top : 0);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_MULTIPLY, top, 2), 0), 0);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_DIVIDE, 1, 0), 0), m); /* -1, or all ones */
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_REMAINDER, 1, 0), 0), 1);
    if (sg) {
        ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_DIVIDE, top, minus1), 0), top);
        ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_REMAINDER, top, minus1), 0), 0);
        ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_MAXIMUM, top, 1), 0), 1);
    } else {
        ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_MAXIMUM, top, 1), 0), top);
    }
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_LEFT, 1, (uint64_t)w - 1), 0), top);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_LEFT, 1, (uint64_t)w), 0), 0);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_RIGHT_LOGICAL, m, (uint64_t)w - 1), 0), 1);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_RIGHT_LOGICAL, m, (uint64_t)w), 0), 0);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_RIGHT_ARITHMETIC, top, (uint64_t)w), 0), m);
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SHIFT_RIGHT_ARITHMETIC, top, 1), 0), top | (top >> 1));
    ck_assert_uint_eq(bits_at(bin(ty, HLOC_OP_SUBTRACT, 0, 1), 0), m);
}
END_TEST

static const hloc_type float_types[] = {
    HLOC_TYPE_F16, HLOC_TYPE_BF16, HLOC_TYPE_F32, HLOC_TYPE_F64, HLOC_TYPE_F8E5M2,
    HLOC_TYPE_F8E4M3FN, HLOC_TYPE_F8E4M3, HLOC_TYPE_F8E5M2FNUZ, HLOC_TYPE_F8E4M3FNUZ,
    HLOC_TYPE_F8E3M4, HLOC_TYPE_F8E4M3B11FNUZ,
};

static double fbin(hloc_type ty, hloc_opcode op, double x, double y) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, ty, -1, &x), *b = tb_param_f(&t, ty, -1, &y);
    hloc_shape s = tb_shape(ty, -1);
    double v = hloc_literal_get_f64(tb_run(&t, tb_op(&t, op, &s, a, b, NULL)), 0);
    tb_fini(&t);
    return v;
}

static bool fcmp(hloc_type ty, hloc_cmp_dir d, double x, double y) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, ty, -1, &x), *b = tb_param_f(&t, ty, -1, &y);
    hloc_shape s = tb_shape(HLOC_TYPE_PRED, -1);
    hloc_instr *c = tb_op(&t, HLOC_OP_COMPARE, &s, a, b, NULL);
    c->attrs->cmp_dir = d;
    bool v = hloc_literal_get_i64(tb_run(&t, c), 0) != 0;
    tb_fini(&t);
    return v;
}

START_TEST(test_float_types) {
    hloc_type ty = float_types[_i];
    /* The types without inf (fn, fnuz) overflow to NaN. */
    bool has_inf = ty == HLOC_TYPE_F16 || ty == HLOC_TYPE_BF16 || ty == HLOC_TYPE_F32 ||
                   ty == HLOC_TYPE_F64 || ty == HLOC_TYPE_F8E5M2 || ty == HLOC_TYPE_F8E4M3 ||
                   ty == HLOC_TYPE_F8E3M4;
    ck_assert(fbin(ty, HLOC_OP_ADD, 1, 0.5) == 1.5);
    ck_assert(fbin(ty, HLOC_OP_MULTIPLY, -1.5, 2) == -3);
    ck_assert(fbin(ty, HLOC_OP_SUBTRACT, 0.5, 2) == -1.5);
    ck_assert(fbin(ty, HLOC_OP_MINIMUM, 0.5, -2) == -2);
    double q = fbin(ty, HLOC_OP_DIVIDE, 1, 0);
    if (has_inf) ck_assert(q == INFINITY);
    else ck_assert(isnan(q));
    ck_assert(isnan(fbin(ty, HLOC_OP_MAXIMUM, NAN, 1)));
    ck_assert(isnan(fbin(ty, HLOC_OP_DIVIDE, 0, 0)));
    ck_assert(!fcmp(ty, HLOC_CMP_LT, NAN, 1));
    ck_assert(fcmp(ty, HLOC_CMP_NE, NAN, NAN));
    ck_assert(fcmp(ty, HLOC_CMP_GT, 2, 1));
}
END_TEST

START_TEST(test_complex_types) {
    hloc_type ty = _i ? HLOC_TYPE_C128 : HLOC_TYPE_C64;
    tb t;
    tb_init(&t);
    hloc_shape cs = tb_shape(ty, 2);
    hloc_instr *a = tb_param_f(&t, ty, 2, TB_F(0, 0)), *b = tb_param_f(&t, ty, 2, TB_F(0, 0));
    hloc_elem_store_c128(ty, hloc_literal_at(t.args[0], 0), 1, 2);
    hloc_elem_store_c128(ty, hloc_literal_at(t.args[0], 1), 0, M_PI);
    hloc_elem_store_c128(ty, hloc_literal_at(t.args[1], 0), 3, -4);
    hloc_elem_store_c128(ty, hloc_literal_at(t.args[1], 1), 1, 0);
    hloc_instr *mul = tb_op(&t, HLOC_OP_MULTIPLY, &cs, a, b, NULL);
    hloc_instr *div = tb_op(&t, HLOC_OP_DIVIDE, &cs, a, b, NULL);
    hloc_instr *ex = tb_op(&t, HLOC_OP_EXPONENTIAL, &cs, a, NULL, NULL);
    hloc_shape ps = tb_shape(HLOC_TYPE_PRED, 2);
    hloc_instr *eq = tb_op(&t, HLOC_OP_COMPARE, &ps, a, a, NULL);
    eq->attrs->cmp_dir = HLOC_CMP_EQ;
    hloc_shape *e = HLOC_ARENA_ARRAY(t.m->arena, hloc_shape, 4);
    e[0] = e[1] = e[2] = cs;
    e[3] = ps;
    hloc_shape ts = {.type = HLOC_TYPE_TUPLE, .n_elems = 4, .elems = e};
    hloc_instr *ops[4] = {mul, div, ex, eq};
    hloc_literal *r = tb_run(&t, tb_opn(&t, HLOC_OP_TUPLE, &ts, ops, 4));
    double re, im;
    hloc_elem_load_c128(ty, hloc_literal_at(&r->elems[0], 0), &re, &im);
    ck_assert(re == 11 && im == 2); /* (1+2i)(3-4i) */
    hloc_elem_load_c128(ty, hloc_literal_at(&r->elems[1], 0), &re, &im);
    ck_assert(fabs(re + 0.2) < 1e-6 && fabs(im - 0.4) < 1e-6); /* (1+2i)/(3-4i) = -0.2+0.4i */
    hloc_elem_load_c128(ty, hloc_literal_at(&r->elems[2], 1), &re, &im);
    ck_assert(fabs(re + 1) < 1e-6 && fabs(im) < 1e-6); /* e^(iπ) */
    ck_assert_int_eq(hloc_literal_get_i64(&r->elems[3], 0), 1);
    tb_fini(&t);
}
END_TEST

Suite *eval_types_suite(void) {
    Suite *s = suite_create("eval_types");
    TCase *tc = tcase_create("types");
    tcase_add_loop_test(tc, test_int_types, 0, (int)(sizeof int_types / sizeof int_types[0]));
    tcase_add_loop_test(tc, test_float_types, 0, (int)(sizeof float_types / sizeof float_types[0]));
    tcase_add_loop_test(tc, test_complex_types, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
