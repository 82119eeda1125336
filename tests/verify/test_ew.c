/* Shape inference of elementwise opcodes: result shapes, element-type rules, no implicit
 * broadcast, compare → pred, select and clamp with scalars, convert. */
#include "suites.h"
#include "tb.h"

START_TEST(test_unary) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[2,3]"), *n = tb_param(&t, "s32[4]"),
               *c = tb_param(&t, "c64[3]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_EXPONENTIAL, "f32[2,3]", 1, x), "f32[2,3]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_NEGATE, "s32[4]", 1, n), "s32[4]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_ABS, "f32[3]", 1, c), "f32[3]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_REAL, "f32[3]", 1, c), "f32[3]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_IS_FINITE, "pred[2,3]", 1, x), "pred[2,3]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_POPCNT, "s32[4]", 1, n), "s32[4]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_EXPONENTIAL, "s32[4]", 1, n),
                       "does not accept element type s32"));
    ck_assert(
        tb_fails(&t, tb_op(&t, HLOC_OP_POPCNT, "f32[2,3]", 1, x), "expected an integer type"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_FLOOR, "c64[3]", 1, c), "c64"));
    ck_assert(
        tb_fails(&t, tb_op(&t, HLOC_OP_NEGATE, "f32[2,3]", 2, x, x), "takes 1 operand, found 2"));
    hloc_instr *rp = tb_op(&t, HLOC_OP_REDUCE_PRECISION, "f32[2,3]", 1, x);
    rp->attrs->exponent_bits = 5;
    rp->attrs->mantissa_bits = 10;
    ck_assert(tb_infers(&t, rp, "f32[2,3]"));
    rp->attrs->exponent_bits = 0;
    ck_assert(tb_fails(&t, rp, "exponent_bits"));
    hloc_instr *tup = tb_op(&t, HLOC_OP_TUPLE, "(f32[2,3], s32[4])", 2, x, n);
    ck_assert(
        tb_infers(&t, tb_op(&t, HLOC_OP_COPY, "(f32[2,3], s32[4])", 1, tup), "(f32[2,3], s32[4])"));
    tb_free(&t);
}
END_TEST

START_TEST(test_binary) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[4]"), *b = tb_param(&t, "f32[4]"),
               *i = tb_param(&t, "s32[4]");
    hloc_instr *s = tb_param(&t, "f32[]"), *p = tb_param(&t, "pred[4]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_ADD, "f32[4]", 2, a, b), "f32[4]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_ADD, "f32[4]", 2, a, i),
                       "operand 1 has type s32, expected f32"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_ADD, "f32[4]", 2, a, s), "no implicit broadcast"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_ADD, "f32[4]", 1, a), "takes 2 operands, found 1"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_AND, "pred[4]", 2, p, p), "pred[4]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_AND, "f32[4]", 2, a, b), "pred or an integer type"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_SUBTRACT, "pred[4]", 2, p, p), "not pred"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_SHIFT_LEFT, "s32[4]", 2, i, i), "s32[4]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_COMPLEX, "c64[4]", 2, a, b), "c64[4]"));
    hloc_instr *cmp = tb_op(&t, HLOC_OP_COMPARE, "pred[4]", 2, a, b);
    ck_assert(tb_fails(&t, cmp, "direction"));
    cmp->attrs->cmp_dir = HLOC_CMP_LT;
    ck_assert(tb_infers(&t, cmp, "pred[4]"));
    cmp->attrs->cmp_type = HLOC_CMPT_SIGNED;
    ck_assert(tb_fails(&t, cmp, "type=SIGNED"));
    cmp->attrs->cmp_type = HLOC_CMPT_TOTALORDER;
    ck_assert(tb_infers(&t, cmp, "pred[4]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_ternary_convert) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[2,2]"), *p = tb_param(&t, "pred[2,2]"),
               *ps = tb_param(&t, "pred[]");
    hloc_instr *lo = tb_param(&t, "f32[]"), *bad = tb_param(&t, "f32[2]"),
               *i = tb_param(&t, "s32[2,2]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_SELECT, "f32[2,2]", 3, p, a, a), "f32[2,2]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_SELECT, "f32[2,2]", 3, ps, a, a), "f32[2,2]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_SELECT, "f32[2,2]", 3, a, a, a),
                       "operand 0 has type f32, expected pred"));
    ck_assert(
        tb_fails(&t, tb_op(&t, HLOC_OP_SELECT, "f32[2,2]", 3, p, a, i), "operand 2 has type s32"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_CLAMP, "f32[2,2]", 3, lo, a, lo), "f32[2,2]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_CLAMP, "f32[2,2]", 3, a, a, a), "f32[2,2]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_CLAMP, "f32[2,2]", 3, bad, a, lo),
                       "operand 0 has shape f32[2]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_CONVERT, "s8[2,2]", 1, a), "s8[2,2]"));
    hloc_instr *c = tb_op(&t, HLOC_OP_COMPLEX, "c64[2,2]", 2, a, a);
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_CONVERT, "f32[2,2]", 1, c), "complex"));
    tb_free(&t);
}
END_TEST

Suite *ew_suite(void) {
    Suite *s = suite_create("infer-elementwise");
    TCase *tc = tcase_create("ew");
    tcase_add_test(tc, test_unary);
    tcase_add_test(tc, test_binary);
    tcase_add_test(tc, test_ternary_convert);
    suite_add_tcase(s, tc);
    return s;
}
