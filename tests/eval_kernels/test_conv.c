/* convolution: padding (also negative), strides, lhs/rhs dilation, reversal, feature and batch
 * groups, dim_labels permutations, integer, complex and mixed result types. */
#include <string.h>

#include "kb.h"
#include "suites.h"

static hloc_status *conv_st(kb *b, hloc_literal *x, hloc_literal *w, hloc_type ot, uint32_t orank,
                            const int64_t *odims, const char *labels, const char *window,
                            int64_t fgc, int64_t bgc, hloc_literal **out) {
    hloc_literal *ops[2] = {x, w};
    hloc_shape os = hloc_shape_array(ot, orank, odims);
    hloc_instr *i = kb_instr(b, HLOC_OP_CONVOLUTION, &os, ops, 2);
    kb_dim_labels(i, labels);
    if (window) kb_window(b, i, window);
    i->attrs->feature_group_count = fgc;
    i->attrs->batch_group_count = bgc;
    *out = hloc_literal_create(b->m->arena, &os);
    return hloc_eval_convolution(kb_ev(b), i, (const hloc_literal *const *)ops, *out);
}

static hloc_literal *conv(kb *b, hloc_literal *x, hloc_literal *w, hloc_type ot, uint32_t orank,
                          const int64_t *odims, const char *labels, const char *window, int64_t fgc,
                          int64_t bgc) {
    hloc_literal *out;
    hloc_status *st = conv_st(b, x, w, ot, orank, odims, labels, window, fgc, bgc, &out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

static const hloc_type types[] = {HLOC_TYPE_F32, HLOC_TYPE_F64, HLOC_TYPE_BF16, HLOC_TYPE_S32,
                                  HLOC_TYPE_S16};

/* 1-D, one batch and feature: y[o] = Σ_k x[o·s + k − lo] w[k]. */
START_TEST(test_1d_padding_stride) {
    kb b;
    kb_init(&b);
    hloc_type t = types[_i];
    int64_t xd[] = {1, 5, 1}, wd[] = {3, 1, 1};
    double xv[] = {1, 2, 3, 4, 5}, wv[] = {1, 0, -1};
    hloc_literal *x = kb_lit(&b, t, 3, xd, xv), *w = kb_lit(&b, t, 3, wd, wv);
    hloc_literal *y = conv(&b, x, w, t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f", "size=3", 1, 1);
    kb_expect(y, (double[]){-2, -2, -2}, 3, 0);
    y = conv(&b, x, w, t, 3, (int64_t[]){1, 5, 1}, "b0f_0io->b0f", "size=3 pad=1_1", 1, 1);
    kb_expect(y, (double[]){-2, -2, -2, -2, 4}, 5, 0);
    y = conv(&b, x, w, t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f", "size=3 stride=2 pad=1_1", 1, 1);
    kb_expect(y, (double[]){-2, -2, 4}, 3, 0);
    /* reversed window: taps (−1, 0, 1) */
    y = conv(&b, x, w, t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f", "size=3 rhs_reversal=1", 1, 1);
    kb_expect(y, (double[]){2, 2, 2}, 3, 0);
    /* negative padding crops the base: [2 3] */
    hloc_literal *one = kb_lit(&b, t, 3, (int64_t[]){1, 1, 1}, (double[]){1});
    y = conv(&b, x, one, t, 3, (int64_t[]){1, 2, 1}, "b0f_0io->b0f", "size=1 pad=-1_-2", 1, 1);
    kb_expect(y, (double[]){2, 3}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_dilations) {
    kb b;
    kb_init(&b);
    hloc_type t = types[_i];
    int64_t xd[] = {1, 3, 1}, wd[] = {2, 1, 1};
    /* base [1 0 2 0 3] (transposed convolution) */
    hloc_literal *y =
        conv(&b, kb_lit(&b, t, 3, xd, (double[]){1, 2, 3}), kb_lit(&b, t, 3, wd, (double[]){1, 1}),
             t, 3, (int64_t[]){1, 4, 1}, "b0f_0io->b0f", "size=2 lhs_dilate=2", 1, 1);
    kb_expect(y, (double[]){1, 2, 2, 3}, 4, 0);
    /* atrous: taps 0 and 2 */
    y = conv(&b, kb_lit(&b, t, 3, (int64_t[]){1, 5, 1}, (double[]){1, 2, 3, 4, 5}),
             kb_lit(&b, t, 3, wd, (double[]){1, 10}), t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f",
             "size=2 rhs_dilate=2", 1, 1);
    kb_expect(y, (double[]){31, 42, 53}, 3, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_2d_layouts) {
    kb b;
    kb_init(&b);
    hloc_type t = types[_i];
    double xv[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wv[] = {1, 2, 3, 4};
    double want[] = {37, 47, 67, 77};
    hloc_literal *y = conv(&b, kb_lit(&b, t, 4, (int64_t[]){1, 1, 3, 3}, xv),
                           kb_lit(&b, t, 4, (int64_t[]){1, 1, 2, 2}, wv), t, 4,
                           (int64_t[]){1, 1, 2, 2}, "bf01_oi01->bf01", "size=2x2", 1, 1);
    kb_expect(y, want, 4, 0);
    /* the same numbers with every role moved (as JAX's weight gradients write them) */
    y = conv(&b, kb_lit(&b, t, 4, (int64_t[]){1, 3, 3, 1}, xv),
             kb_lit(&b, t, 4, (int64_t[]){1, 2, 2, 1}, wv), t, 4, (int64_t[]){2, 2, 1, 1},
             "f01b_i01o->01bf", "size=2x2", 1, 1);
    kb_expect(y, want, 4, 0);
    /* two batches, two input features, three output features, no window attribute */
    double x2[] = {1, 2, /* batch 1 */ 3, 4};
    double w2[] = {1, 0, 1, /* i=1 */ 0, 1, 1};
    y = conv(&b, kb_lit(&b, t, 4, (int64_t[]){2, 1, 1, 2}, x2),
             kb_lit(&b, t, 4, (int64_t[]){1, 1, 2, 3}, w2), t, 4, (int64_t[]){2, 1, 1, 3},
             "b01f_01io->b01f", NULL, 1, 1);
    kb_expect(y, (double[]){1, 2, 3, 3, 4, 7}, 6, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_feature_groups) {
    kb b;
    kb_init(&b);
    hloc_type t = types[_i];
    hloc_literal *x = kb_lit(&b, t, 3, (int64_t[]){1, 1, 2}, (double[]){1, 10});
    /* depthwise with multiplier 2: outputs 0,1 read feature 0; outputs 2,3 feature 1 */
    hloc_literal *y = conv(&b, x, kb_lit(&b, t, 3, (int64_t[]){1, 1, 4}, (double[]){1, 2, 3, 4}), t,
                           3, (int64_t[]){1, 1, 4}, "b0f_0io->b0f", "size=1", 2, 1);
    kb_expect(y, (double[]){1, 2, 30, 40}, 4, 0);
    /* two groups of two input features each */
    hloc_literal *x4 = kb_lit(&b, t, 3, (int64_t[]){1, 1, 4}, (double[]){1, 2, 3, 4});
    y = conv(&b, x4, kb_lit(&b, t, 3, (int64_t[]){1, 2, 2}, (double[]){1, 10, 2, 20}), t, 3,
             (int64_t[]){1, 1, 2}, "b0f_0io->b0f", "size=1", 2, 1);
    kb_expect(y, (double[]){1 * 1 + 2 * 2, 3 * 10 + 4 * 20}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_batch_groups) {
    kb b;
    kb_init(&b);
    hloc_type t = types[_i];
    /* batch 2, bgc 2: output feature z reads batch z; output batch is 1 */
    hloc_literal *x = kb_lit(&b, t, 3, (int64_t[]){2, 1, 1}, (double[]){3, 5});
    hloc_literal *y = conv(&b, x, kb_lit(&b, t, 3, (int64_t[]){1, 1, 2}, (double[]){7, 11}), t, 3,
                           (int64_t[]){1, 1, 2}, "b0f_0io->b0f", "size=1", 1, 2);
    kb_expect(y, (double[]){21, 55}, 2, 0);
    /* batch 4, bgc 2, out features 4: features 0,1 read batches 0,1 (as output batch 0,1);
     * features 2,3 read batches 2,3; spatial 2 summed by the window */
    hloc_literal *x4 = kb_lit(&b, t, 3, (int64_t[]){4, 2, 1}, (double[]){1, 2, 3, 4, 5, 6, 7, 8});
    y = conv(&b, x4, kb_lit(&b, t, 3, (int64_t[]){2, 1, 4}, (double[]){1, 1, 1, 1, 1, 1, 1, 1}), t,
             3, (int64_t[]){2, 1, 4}, "b0f_0io->b0f", "size=2", 1, 2);
    kb_expect(y, (double[]){3, 3, 11, 11, 7, 7, 15, 15}, 8, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_mixed_types) {
    kb b;
    kb_init(&b);
    int64_t xd[] = {1, 2, 1}, wd[] = {2, 1, 1};
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_S8, 3, xd, (double[]){100, 100});
    hloc_literal *w = kb_lit(&b, HLOC_TYPE_S8, 3, wd, (double[]){100, 100});
    hloc_literal *y =
        conv(&b, x, w, HLOC_TYPE_S32, 3, (int64_t[]){1, 1, 1}, "b0f_0io->b0f", "size=2", 1, 1);
    kb_expect(y, (double[]){20000}, 1, 0);
    /* an s8 result wraps: 200 → −56 */
    hloc_literal *ones = kb_lit(&b, HLOC_TYPE_S8, 3, wd, (double[]){1, 1});
    y = conv(&b, x, ones, HLOC_TYPE_S8, 3, (int64_t[]){1, 1, 1}, "b0f_0io->b0f", "size=2", 1, 1);
    kb_expect(y, (double[]){-56}, 1, 0);
    /* bf16 operands, f32 result: accumulation keeps f32's precision */
    hloc_literal *xb = kb_lit(&b, HLOC_TYPE_BF16, 3, xd, (double[]){256, 1});
    hloc_literal *wb = kb_lit(&b, HLOC_TYPE_BF16, 3, wd, (double[]){1, 1});
    y = conv(&b, xb, wb, HLOC_TYPE_F32, 3, (int64_t[]){1, 1, 1}, "b0f_0io->b0f", "size=2", 1, 1);
    kb_expect(y, (double[]){257}, 1, 0);
    kb_free(&b);
}
END_TEST

/* Sub-byte and 8-bit float types go through the same conversions. */
START_TEST(test_small_types) {
    kb b;
    kb_init(&b);
    static const hloc_type ts[] = {HLOC_TYPE_S4,     HLOC_TYPE_S8,  HLOC_TYPE_F8E4M3FN,
                                   HLOC_TYPE_F8E5M2, HLOC_TYPE_F16, HLOC_TYPE_U4};
    hloc_type t = ts[_i];
    bool u = hloc_type_is_unsigned_int(t);
    int64_t xd[] = {1, 3, 1}, wd[] = {2, 1, 1};
    hloc_literal *x = kb_lit(&b, t, 3, xd, (double[]){1, 2, 3});
    hloc_literal *w = kb_lit(&b, t, 3, wd, (double[]){2, u ? 1 : -1});
    hloc_literal *y = conv(&b, x, w, t, 3, (int64_t[]){1, 2, 1}, "b0f_0io->b0f", "size=2", 1, 1);
    kb_expect(y, u ? (double[]){4, 7} : (double[]){0, 1}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_complex) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_C128 : HLOC_TYPE_C64;
    int64_t xd[] = {1, 2, 1}, wd[] = {2, 1, 1};
    /* (1+i)·i + 2·1 = 1 + i */
    hloc_literal *x = kb_lit(&b, t, 3, xd, (double[]){1, 1, 2, 0});
    hloc_literal *w = kb_lit(&b, t, 3, wd, (double[]){0, 1, 1, 0});
    hloc_literal *y = conv(&b, x, w, t, 3, (int64_t[]){1, 1, 1}, "b0f_0io->b0f", "size=2", 1, 1);
    double re, im;
    hloc_elem_load_c128(t, y->data, &re, &im);
    ck_assert(re == 1 && im == 1);
    kb_free(&b);
}
END_TEST

START_TEST(test_errors) {
    kb b;
    kb_init(&b);
    hloc_type t = HLOC_TYPE_F32;
    hloc_literal *x = kb_lit(&b, t, 3, (int64_t[]){1, 5, 1}, NULL);
    hloc_literal *w = kb_lit(&b, t, 3, (int64_t[]){3, 1, 1}, NULL), *y;
    hloc_status *st =
        conv_st(&b, x, w, t, 3, (int64_t[]){1, 4, 1}, "b0f_0io->b0f", "size=3", 1, 1, &y);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "expected 3"));
    hloc_status_free(st);
    st = conv_st(&b, x, w, t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f", "size=2", 1, 1, &y);
    ck_assert_ptr_nonnull(st);
    hloc_status_free(st);
    st = conv_st(&b, x, w, t, 3, (int64_t[]){1, 3, 1}, "b0f_0io->b0f", "size=3", 2, 1, &y);
    ck_assert_ptr_nonnull(st);
    hloc_status_free(st);
    kb_free(&b);
}
END_TEST

Suite *conv_suite(void) {
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("convolution");
    int nt = (int)(sizeof types / sizeof types[0]);
    tcase_add_loop_test(tc, test_1d_padding_stride, 0, nt);
    tcase_add_loop_test(tc, test_dilations, 0, nt);
    tcase_add_loop_test(tc, test_2d_layouts, 0, nt);
    tcase_add_loop_test(tc, test_feature_groups, 0, nt);
    tcase_add_loop_test(tc, test_batch_groups, 0, nt);
    tcase_add_test(tc, test_mixed_types);
    tcase_add_loop_test(tc, test_small_types, 0, 6);
    tcase_add_loop_test(tc, test_complex, 0, 2);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}
