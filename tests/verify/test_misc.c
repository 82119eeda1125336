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
    ff->attrs->fft_length = LIST(&t, 16); /* not checked for complex transforms, as in XLA */
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
    ck_assert(tb_infers(&t, tok, "token[]"));
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

START_TEST(test_ragged_scaled_async) {
    tb t;
    tb_init(&t);
    /* ragged-dot modes: ragged non-contracting m ([m,k] x [g,k,n] -> [m,n]) and ragged
     * contracting k ([m,k] x [k,n] -> [g,m,n]). */
    hloc_instr *l = tb_param(&t, "f32[16,8]"), *r = tb_param(&t, "f32[4,8,5]"),
               *g = tb_param(&t, "s32[4]");
    hloc_instr *rd = tb_op(&t, HLOC_OP_RAGGED_DOT, "f32[16,5]", 3, l, r, g);
    rd->attrs->dot.lhs_contracting = LIST(&t, 1);
    rd->attrs->dot.rhs_contracting = LIST(&t, 1);
    rd->attrs->dot.lhs_ragged = LIST(&t, 0);
    rd->attrs->dot.rhs_group = LIST(&t, 0);
    ck_assert(tb_infers(&t, rd, "f32[16,5]"));
    rd->attrs->dot.lhs_ragged = NOLIST(&t);
    ck_assert(tb_fails(&t, rd, "lhs_ragged_dims needs one entry"));
    hloc_instr *r2 = tb_param(&t, "f32[8,5]");
    hloc_instr *rk = tb_op(&t, HLOC_OP_RAGGED_DOT, "f32[4,16,5]", 3, l, r2, g);
    rk->attrs->dot.lhs_contracting = LIST(&t, 1);
    rk->attrs->dot.rhs_contracting = LIST(&t, 0);
    rk->attrs->dot.lhs_ragged = LIST(&t, 1);
    ck_assert(tb_infers(&t, rk, "f32[4,16,5]"));
    hloc_instr *ls = tb_param(&t, "f32[16,1]");
    hloc_instr *sd = tb_op(&t, HLOC_OP_SCALED_DOT, "bf16[16,5]", 4, l, r2, ls, ls);
    sd->attrs->dot.lhs_contracting = LIST(&t, 1);
    sd->attrs->dot.rhs_contracting = LIST(&t, 0);
    ck_assert(tb_infers(&t, sd, "bf16[16,5]"));

    /* async-start ((operands), result, context) -> update -> done */
    hloc_computation *keep = t.c, *neg = tb_comp(&t, "neg");
    tb_op(&t, HLOC_OP_NEGATE, "f32[8,5]", 1, tb_param(&t, "f32[8,5]"));
    tb_enter(&t, keep);
    hloc_instr *as = tb_op(&t, HLOC_OP_ASYNC_START, "((f32[8,5]), f32[8,5], s32[])", 1, r2);
    hloc_instr_add_called(as, neg);
    ck_assert(tb_infers(&t, as, "((f32[8,5]), f32[8,5], s32[])"));
    hloc_instr *au = tb_op(&t, HLOC_OP_ASYNC_UPDATE, "((f32[8,5]), f32[8,5], s32[])", 1, as);
    ck_assert(tb_infers(&t, au, "((f32[8,5]), f32[8,5], s32[])"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_ASYNC_DONE, "f32[8,5]", 1, au), "f32[8,5]"));
    ck_assert(
        tb_fails(&t, tb_op(&t, HLOC_OP_ASYNC_DONE, "f32[8,5]", 1, r2), "async context tuple"));
    hloc_instr *bad = tb_op(&t, HLOC_OP_ASYNC_START, "((f32[8,5]), f32[5,8], s32[])", 1, r2);
    hloc_instr_add_called(bad, neg);
    ck_assert(tb_fails(&t, bad, "result element 1 is f32[5,8], the computation returns f32[8,5]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_io_and_collectives) {
    tb t;
    tb_init(&t);
    hloc_instr *tok = tb_op(&t, HLOC_OP_AFTER_ALL, "token[]", 0), *x = tb_param(&t, "f32[8,4]");
    ck_assert(
        tb_infers(&t, tb_op(&t, HLOC_OP_INFEED, "(f32[2], token[])", 1, tok), "(f32[2], token[])"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_INFEED, "f32[2]", 1, tok), "(data, token)"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_OUTFEED, "token[]", 2, x, tok), "token[]"));
    ck_assert(
        tb_fails(&t, tb_op(&t, HLOC_OP_OUTFEED, "token[]", 2, x, x), "operand 1 must be a token"));
    hloc_instr *snd = tb_op(&t, HLOC_OP_SEND, "(f32[8,4], u32[], token[])", 2, x, tok);
    ck_assert(tb_infers(&t, snd, "(f32[8,4], u32[], token[])"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_SEND_DONE, "token[]", 1, snd), "token[]"));
    hloc_computation *keep = t.c, *add = tb_comp(&t, "add");
    tb_op(&t, HLOC_OP_ADD, "f32[]", 2, tb_param(&t, "f32[]"), tb_param(&t, "f32[]"));
    tb_enter(&t, keep);
    hloc_instr *rs = tb_op(&t, HLOC_OP_REDUCE_SCATTER, "f32[2,4]", 1, x);
    rs->attrs->dims = LIST(&t, 0);
    hloc_instr_add_called(rs, add);
    ck_assert(tb_infers(&t, rs, "f32[2,4]"));
    rs->shape.dims[1] = 3;
    ck_assert(tb_fails(&t, rs, "differs from operand f32[8,4] outside dimension 0"));
    hloc_instr *a2a = tb_op(&t, HLOC_OP_ALL_TO_ALL, "f32[8,4]", 1, x);
    ck_assert(tb_infers(&t, a2a, "f32[8,4]"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_COLLECTIVE_PERMUTE, "f32[8,4]", 1, x), "f32[8,4]"));
    hloc_instr *sz = tb_param(&t, "s32[]");
    hloc_instr *dr = tb_op(&t, HLOC_OP_DYNAMIC_RESHAPE, "f32[32]", 2, x, sz);
    ck_assert(tb_infers(&t, dr, "f32[32]"));
    hloc_instr *sds = tb_op(&t, HLOC_OP_SET_DIMENSION_SIZE, "f32[8,4]", 2, x, sz);
    sds->attrs->dims = LIST(&t, 0);
    ck_assert(tb_infers(&t, sds, "f32[<=8,4]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_norms_and_converts) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[2,4,6]"), *v = tb_param(&t, "f32[6]");
    hloc_instr *bi = tb_op(&t, HLOC_OP_BATCH_NORM_INFERENCE, "f32[2,4,6]", 5, x, v, v, v, v);
    bi->attrs->feature_index = 2;
    ck_assert(tb_infers(&t, bi, "f32[2,4,6]"));
    hloc_instr *bg =
        tb_op(&t, HLOC_OP_BATCH_NORM_GRAD, "(f32[2,4,6], f32[6], f32[6])", 5, x, v, v, v, x);
    bg->attrs->feature_index = 2;
    ck_assert(tb_infers(&t, bg, "(f32[2,4,6], f32[6], f32[6])"));
    hloc_instr_set_operand(bg, 4, v);
    ck_assert(tb_fails(&t, bg, "operand 4 has shape f32[6], expected f32[2,4,6]"));
    hloc_instr *bits = tb_param(&t, "u32[2,4,6]"), *bits16 = tb_param(&t, "u16[2,4,6]");
    ck_assert(
        tb_infers(&t, tb_op(&t, HLOC_OP_STOCHASTIC_CONVERT, "s8[2,4,6]", 2, x, bits), "s8[2,4,6]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_STOCHASTIC_CONVERT, "s8[2,4,6]", 2, x, bits16),
                       "must be u32"));
    hloc_instr *c = tb_param(&t, "c64[4,5]");
    hloc_instr *ir = tb_op(&t, HLOC_OP_FFT, "f32[4,8]", 1, c);
    ir->attrs->fft_type = HLOC_FFT_IRFFT;
    ir->attrs->fft_length = LIST(&t, 8);
    ck_assert(tb_infers(&t, ir, "f32[4,8]"));
    ir->attrs->fft_length = LIST(&t, 12);
    ck_assert(tb_fails(&t, ir, "fft_length/2+1"));
    hloc_instr *lo = tb_param(&t, "s32[]");
    hloc_instr *ru = tb_op(&t, HLOC_OP_RNG, "s32[5]", 2, lo, lo);
    ru->attrs->rng_distribution = HLOC_RNG_DIST_UNIFORM;
    ck_assert(tb_infers(&t, ru, "s32[5]"));
    ru->attrs->rng_distribution = HLOC_RNG_DIST_NORMAL;
    ck_assert(tb_fails(&t, ru, "normal rng needs a floating-point type"));
    tb_free(&t);
}
END_TEST

Suite *misc_suite(void) {
    Suite *s = suite_create("infer-misc");
    TCase *tc = tcase_create("misc");
    tcase_add_test(tc, test_bitcast_convert);
    tcase_add_test(tc, test_linalg);
    tcase_add_test(tc, test_tokens_rng_collectives);
    tcase_add_test(tc, test_ragged_scaled_async);
    tcase_add_test(tc, test_io_and_collectives);
    tcase_add_test(tc, test_norms_and_converts);
    suite_add_tcase(s, tc);
    return s;
}
