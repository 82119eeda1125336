/* Shape inference of the remaining opcodes: bitcast-convert, linear algebra, fft, batch norm,
 * rng, tokens, collectives on one replica, copy-start/done. */
#include <string.h>

#include "suites.h"
#include "tb.h"

START_TEST(test_bitcast_convert) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[4]"), *b = tb_param(&t, "u8[4,4]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, "s32[4]", 1, x), "s32[4]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, "u16[4,2]", 1, x), "u16[4,2]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, "f32[4]", 1, b), "f32[4]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_BITCAST_CONVERT, "f64[4]", 1, x),
                       "minor dimension of size 2"));
    hloc_instr *bc = tb_op(&t, HLOC_OP_BITCAST_CONVERT, "u16[4]", 1, x);
    ck_assert(!hloc_verify_module(t.m, &t.d));
    ck_assert_ptr_nonnull(
        strstr(t.d.out.data, "declared shape u16[4] does not match the inferred shape u16[4,2]"));
    (void)bc;
    tb_free(&t);
}
END_TEST

START_TEST(test_linalg) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[2,3,3]"), *b = tb_param(&t, "f32[2,3,5]"),
               *r = tb_param(&t, "f32[2,3,4]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_CHOLESKY, "f32[2,3,3]", 1, a), "f32[2,3,3]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_CHOLESKY, "f32[2,3,4]", 1, r), "square"));
    hloc_instr *ts = tb_op(&t, HLOC_OP_TRIANGULAR_SOLVE, "f32[2,3,5]", 2, a, b);
    ts->attrs->triangular_solve.left_side = true;
    ts->attrs->triangular_solve.transpose_a = HLOC_TRANSPOSE_NO;
    ck_assert(tb_infers(&t, ts, "f32[2,3,5]"));
    ts->attrs->triangular_solve.left_side = false;
    ck_assert(tb_fails(&t, ts, "right side"));
    hloc_instr *c = tb_param(&t, "c64[4,8]"), *f = tb_param(&t, "f32[4,8]");
    hloc_instr *fft = tb_op(&t, HLOC_OP_FFT, "c64[4,5]", 1, f);
    fft->attrs->fft_type = HLOC_FFT_RFFT;
    fft->attrs->fft_length = LIST(&t, 8);
    ck_assert(tb_infers(&t, fft, "c64[4,5]"));
    hloc_instr *ff = tb_op(&t, HLOC_OP_FFT, "c64[4,8]", 1, c);
    ff->attrs->fft_type = HLOC_FFT_FFT;
    ff->attrs->fft_length = LIST(&t, 8);
    ck_assert(tb_infers(&t, ff, "c64[4,8]"));
    ff->attrs->fft_length = LIST(&t, 4, 8, 1, 1);
    ck_assert(tb_fails(&t, ff, "fft_length"));
    hloc_instr *x = tb_param(&t, "f32[2,4,6]"), *sc = tb_param(&t, "f32[6]");
    hloc_instr *bn =
        tb_op(&t, HLOC_OP_BATCH_NORM_TRAINING, "(f32[2,4,6], f32[6], f32[6])", 3, x, sc, sc);
    bn->attrs->feature_index = 2;
    ck_assert(tb_infers(&t, bn, "(f32[2,4,6], f32[6], f32[6])"));
    bn->attrs->feature_index = 1;
    ck_assert(tb_fails(&t, bn, "operand 1 has shape f32[6], expected f32[4]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_tokens_rng_collectives) {
    tb t;
    tb_init(&t);
    hloc_instr *tok = tb_op(&t, HLOC_OP_AFTER_ALL, "token[]", 0);
    ck_assert(tb_infers(&t, tok, "token"));
    hloc_instr *x = tb_param(&t, "f32[4]");
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_AFTER_ALL, "token[]", 2, tok, x),
                       "operand 1 must be a token"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_ADD_DEPENDENCY, "f32[4]", 2, x, tok), "f32[4]"));
    hloc_instr *lo = tb_param(&t, "f32[]");
    hloc_instr *rng = tb_op(&t, HLOC_OP_RNG, "f32[3,3]", 2, lo, lo);
    rng->attrs->rng_distribution = HLOC_RNG_DIST_NORMAL;
    ck_assert(tb_infers(&t, rng, "f32[3,3]"));
    hloc_instr *st = tb_param(&t, "u64[2]");
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_RNG_BIT_GENERATOR, "(u64[2], u32[8])", 1, st),
                        "(u64[2], u32[8])"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_RNG_BIT_GENERATOR, "(u64[3], u32[8])", 1, st),
                       "result state"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_REPLICA_ID, "u32[]", 0), "u32[]"));
    hloc_computation *keep = t.c, *add = tb_comp(&t, "add");
    tb_op(&t, HLOC_OP_ADD, "f32[]", 2, tb_param(&t, "f32[]"), tb_param(&t, "f32[]"));
    tb_enter(&t, keep);
    hloc_instr *ar = tb_op(&t, HLOC_OP_ALL_REDUCE, "f32[4]", 1, x);
    hloc_instr_add_called(ar, add);
    ck_assert(tb_infers(&t, ar, "f32[4]"));
    hloc_instr *ag = tb_op(&t, HLOC_OP_ALL_GATHER, "f32[8]", 1, x);
    ag->attrs->dims = LIST(&t, 0);
    ck_assert(tb_infers(&t, ag, "f32[8]"));
    hloc_instr *ag2 = tb_op(&t, HLOC_OP_ALL_GATHER, "f32[6]", 1, x);
    ag2->attrs->dims = LIST(&t, 0);
    ck_assert(tb_fails(&t, ag2, "not a multiple"));
    hloc_instr *cs = tb_op(&t, HLOC_OP_COPY_START, "(f32[4], f32[4], u32[])", 1, x);
    ck_assert(tb_infers(&t, cs, "(f32[4], f32[4], u32[])"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_COPY_DONE, "f32[4]", 1, cs), "f32[4]"));
    tb_free(&t);
}
END_TEST

Suite *misc_suite(void) {
    Suite *s = suite_create("infer-misc");
    TCase *tc = tcase_create("misc");
    tcase_add_test(tc, test_bitcast_convert);
    tcase_add_test(tc, test_linalg);
    tcase_add_test(tc, test_tokens_rng_collectives);
    suite_add_tcase(s, tc);
    return s;
}
