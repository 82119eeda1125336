/* cholesky (lower, upper, NaN on non-PD, complex), triangular-solve (sides, triangles,
 * transposes, unit diagonal, batches), fft (all four types, 1-D and 2-D, odd lengths) and batch
 * norm (training, inference, grad), all on small hand-worked matrices. */
#include <complex.h>
#include <math.h>

#include "kb.h"
#include "suites.h"

static hloc_literal *run1(kb *b, hloc_opcode op, hloc_literal *const *ops, uint32_t n,
                          hloc_literal *out, hloc_instr **out_i) {
    hloc_instr *i = kb_instr(b, op, &out->shape, ops, n);
    if (out_i) *out_i = i;
    return out;
}

static void check(hloc_status *st) { ck_assert_msg(!st, "%s", hloc_status_message(st)); }

static const double spd[9] = {4, 12, -16, 12, 37, -43, -16, -43, 98};
static const double chol_l[9] = {2, 0, 0, 6, 1, 0, -8, 5, 3};

static hloc_literal *cholesky(kb *b, hloc_literal *a, bool lower) {
    hloc_literal *ops[1] = {a}, *out = hloc_literal_create(b->m->arena, &a->shape);
    hloc_instr *i;
    run1(b, HLOC_OP_CHOLESKY, ops, 1, out, &i);
    i->attrs->cholesky_lower = lower;
    check(hloc_eval_cholesky(kb_ev(b), i, (const hloc_literal *const *)ops, out));
    return out;
}

START_TEST(test_cholesky) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_F32 : HLOC_TYPE_F64;
    int64_t d33[] = {3, 3};
    kb_expect(cholesky(&b, kb_lit(&b, t, 2, d33, spd), true), chol_l, 9, 1e-6);
    /* the other triangle is never read */
    double lower_only[9] = {4, 999, 999, 12, 37, 999, -16, -43, 98};
    kb_expect(cholesky(&b, kb_lit(&b, t, 2, d33, lower_only), true), chol_l, 9, 1e-6);
    double upper_only[9] = {4, 12, -16, 999, 37, -43, 999, 999, 98};
    double chol_u[9] = {2, 6, -8, 0, 1, 5, 0, 0, 3};
    kb_expect(cholesky(&b, kb_lit(&b, t, 2, d33, upper_only), false), chol_u, 9, 1e-6);
    /* a batch of two: the second is not positive definite and becomes all NaN */
    double two[8] = {4, 0, 2, 2, /* */ 1, 2, 2, 1};
    hloc_literal *y = cholesky(&b, kb_lit(&b, t, 3, (int64_t[]){2, 2, 2}, two), true);
    kb_expect(y, (double[]){2, 0, 1, 1, NAN, NAN, NAN, NAN}, 8, 1e-6);
    kb_free(&b);
}
END_TEST

START_TEST(test_cholesky_complex) {
    kb b;
    kb_init(&b);
    /* [[4, 2i], [-2i, 5]] = L L^H with L = [[2, 0], [-i, 2]] */
    double a[8] = {4, 0, 0, 2, 0, -2, 5, 0};
    hloc_literal *y = cholesky(&b, kb_lit(&b, HLOC_TYPE_C128, 2, (int64_t[]){2, 2}, a), true);
    const double *v = y->data;
    double want[8] = {2, 0, 0, 0, 0, -1, 2, 0};
    for (int k = 0; k < 8; k++)
        ck_assert_msg(fabs(v[k] - want[k]) < 1e-12, "part %d", k);
    kb_free(&b);
}
END_TEST

static hloc_literal *trsolve(kb *b, hloc_literal *a, hloc_literal *rhs, bool left, bool lower,
                             bool unit, hloc_transpose_a tr) {
    hloc_literal *ops[2] = {a, rhs}, *out = hloc_literal_create(b->m->arena, &rhs->shape);
    hloc_instr *i;
    run1(b, HLOC_OP_TRIANGULAR_SOLVE, ops, 2, out, &i);
    i->attrs->triangular_solve = (hloc_triangular_solve){left, lower, unit, tr};
    check(hloc_eval_triangular_solve(kb_ev(b), i, (const hloc_literal *const *)ops, out));
    return out;
}

START_TEST(test_triangular_solve) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_F32 : HLOC_TYPE_F64;
    int64_t d33[] = {3, 3}, d31[] = {3, 1}, d13[] = {1, 3};
    /* L with garbage above the diagonal; the solution is all ones in every case */
    double l[9] = {2, 99, 99, 6, 1, 99, -8, 5, 3};
    hloc_literal *a = kb_lit(&b, t, 2, d33, l);
    double ones[3] = {1, 1, 1};
    kb_expect(trsolve(&b, a, kb_lit(&b, t, 2, d31, (double[]){2, 7, 0}), true, true, false,
                      HLOC_TRANSPOSE_NO),
              ones, 3, 1e-6);
    kb_expect(trsolve(&b, a, kb_lit(&b, t, 2, d31, (double[]){0, 6, 3}), true, true, false,
                      HLOC_TRANSPOSE_YES),
              ones, 3, 1e-6);
    kb_expect(trsolve(&b, a, kb_lit(&b, t, 2, d13, (double[]){0, 6, 3}), false, true, false,
                      HLOC_TRANSPOSE_NO),
              ones, 3, 1e-6);
    kb_expect(trsolve(&b, a, kb_lit(&b, t, 2, d13, (double[]){2, 7, 0}), false, true, false,
                      HLOC_TRANSPOSE_YES),
              ones, 3, 1e-6);
    kb_expect(trsolve(&b, a, kb_lit(&b, t, 2, d31, (double[]){1, 7, -2}), true, true, true,
                      HLOC_TRANSPOSE_NO),
              ones, 3, 1e-6);
    /* U with garbage below */
    double u[9] = {2, 6, -8, 99, 1, 5, 99, 99, 3};
    hloc_literal *au = kb_lit(&b, t, 2, d33, u);
    kb_expect(trsolve(&b, au, kb_lit(&b, t, 2, d31, (double[]){0, 6, 3}), true, false, false,
                      HLOC_TRANSPOSE_NO),
              ones, 3, 1e-6);
    kb_expect(trsolve(&b, au, kb_lit(&b, t, 2, d13, (double[]){2, 7, 0}), false, false, false,
                      HLOC_TRANSPOSE_NO),
              ones, 3, 1e-6);
    /* batched, two right-hand sides: x = [[1, 2], [3, 4]] per batch, scaled */
    double a2[8] = {1, 0, 1, 1, /* */ 2, 0, 0, 2};
    double b2[8] = {1, 2, 4, 6, /* */ 2, 4, 6, 8};
    hloc_literal *x =
        trsolve(&b, kb_lit(&b, t, 3, (int64_t[]){2, 2, 2}, a2),
                kb_lit(&b, t, 3, (int64_t[]){2, 2, 2}, b2), true, true, false, HLOC_TRANSPOSE_NO);
    kb_expect(x, (double[]){1, 2, 3, 4, 1, 2, 3, 4}, 8, 1e-6);
    kb_free(&b);
}
END_TEST

START_TEST(test_triangular_solve_adjoint) {
    kb b;
    kb_init(&b);
    /* a = [[1+i, 0], [2, 1]] lower; a^H = [[1-i, 2], [0, 1]]; a^H [1, 1] = [3-i, 1] */
    hloc_literal *a =
        kb_lit(&b, HLOC_TYPE_C64, 2, (int64_t[]){2, 2}, (double[]){1, 1, 0, 0, 2, 0, 1, 0});
    hloc_literal *rhs = kb_lit(&b, HLOC_TYPE_C64, 2, (int64_t[]){2, 1}, (double[]){3, -1, 1, 0});
    hloc_literal *x = trsolve(&b, a, rhs, true, true, false, HLOC_TRANSPOSE_ADJOINT);
    const float *v = x->data;
    ck_assert(fabsf(v[0] - 1) < 1e-6f && fabsf(v[1]) < 1e-6f);
    ck_assert(fabsf(v[2] - 1) < 1e-6f && fabsf(v[3]) < 1e-6f);
    kb_free(&b);
}
END_TEST

static hloc_literal *fft(kb *b, hloc_literal *x, hloc_fft_type ft, hloc_type ot, uint32_t rank,
                         const int64_t *odims, hloc_i64_list len) {
    hloc_literal *ops[1] = {x};
    hloc_shape os = hloc_shape_array(ot, rank, odims);
    hloc_literal *out = hloc_literal_create(b->m->arena, &os);
    hloc_instr *i;
    run1(b, HLOC_OP_FFT, ops, 1, out, &i);
    i->attrs->fft_type = ft;
    i->attrs->fft_length = len;
    check(hloc_eval_fft(kb_ev(b), i, (const hloc_literal *const *)ops, out));
    return out;
}

static void expect_c(const hloc_literal *l, const double *want, int64_t n, double tol) {
    for (int64_t e = 0; e < n; e++) {
        double re, im;
        hloc_elem_load_c128(l->shape.type, hloc_literal_at(l, e), &re, &im);
        ck_assert_msg(fabs(re - want[2 * e]) < tol && fabs(im - want[2 * e + 1]) < tol,
                      "element %lld: got %g%+gi, want %g%+gi", (long long)e, re, im, want[2 * e],
                      want[2 * e + 1]);
    }
}

START_TEST(test_fft_1d) {
    kb b;
    kb_init(&b);
    hloc_type ct = _i ? HLOC_TYPE_C128 : HLOC_TYPE_C64, rt = _i ? HLOC_TYPE_F64 : HLOC_TYPE_F32;
    int64_t d4 = 4, d3 = 3, d2 = 2;
    double spec[8] = {10, 0, -2, 2, -2, 0, -2, -2};
    hloc_literal *x = kb_lit(&b, ct, 1, &d4, (double[]){1, 0, 2, 0, 3, 0, 4, 0});
    hloc_literal *y = fft(&b, x, HLOC_FFT_FFT, ct, 1, &d4, KL(&b, 4));
    expect_c(y, spec, 4, 1e-5);
    hloc_literal *z = fft(&b, y, HLOC_FFT_IFFT, ct, 1, &d4, KL(&b, 4));
    expect_c(z, (double[]){1, 0, 2, 0, 3, 0, 4, 0}, 4, 1e-5);
    hloc_literal *r = fft(&b, kb_lit(&b, rt, 1, &d4, (double[]){1, 2, 3, 4}), HLOC_FFT_RFFT, ct, 1,
                          &d3, KL(&b, 4));
    expect_c(r, spec, 3, 1e-5);
    hloc_literal *back = fft(&b, r, HLOC_FFT_IRFFT, rt, 1, &d4, KL(&b, 4));
    kb_expect(back, (double[]){1, 2, 3, 4}, 4, 1e-5);
    /* odd length: 3 reals, 2 bins */
    hloc_literal *r3 =
        fft(&b, kb_lit(&b, rt, 1, &d3, (double[]){1, 2, 3}), HLOC_FFT_RFFT, ct, 1, &d2, KL(&b, 3));
    expect_c(r3, (double[]){6, 0, -1.5, 0.8660254037844386}, 2, 1e-5);
    kb_expect(fft(&b, r3, HLOC_FFT_IRFFT, rt, 1, &d3, KL(&b, 3)), (double[]){1, 2, 3}, 3, 1e-5);
    kb_free(&b);
}
END_TEST

START_TEST(test_fft_2d_batched) {
    kb b;
    kb_init(&b);
    /* two batches of 2x2: [[1,2],[3,4]] → [[10,-2],[-4,0]]; the second is doubled */
    int64_t d[] = {2, 2, 2};
    hloc_literal *x =
        kb_lit(&b, HLOC_TYPE_C64, 3, d, (double[]){1, 0, 2, 0, 3, 0, 4, 0, 2, 0, 4, 0, 6, 0, 8, 0});
    hloc_literal *y = fft(&b, x, HLOC_FFT_FFT, HLOC_TYPE_C64, 3, d, KL(&b, 2, 2));
    expect_c(y, (double[]){10, 0, -2, 0, -4, 0, 0, 0, 20, 0, -4, 0, -8, 0, 0, 0}, 8, 1e-5);
    /* 2-D real transform of [[1,2,3],[4,5,6]] and back */
    hloc_literal *r =
        fft(&b, kb_lit(&b, HLOC_TYPE_F32, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6}),
            HLOC_FFT_RFFT, HLOC_TYPE_C64, 2, (int64_t[]){2, 2}, KL(&b, 2, 3));
    expect_c(r, (double[]){21, 0, -3, 1.7320508075688772, -9, 0, 0, 0}, 4, 1e-5);
    hloc_literal *back =
        fft(&b, r, HLOC_FFT_IRFFT, HLOC_TYPE_F32, 2, (int64_t[]){2, 3}, KL(&b, 2, 3));
    kb_expect(back, (double[]){1, 2, 3, 4, 5, 6}, 6, 1e-5);
    kb_free(&b);
}
END_TEST

START_TEST(test_batch_norm) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_F64 : HLOC_TYPE_F32;
    int64_t d22[] = {2, 2}, d2 = 2;
    hloc_literal *x = kb_lit(&b, t, 2, d22, (double[]){1, 2, 3, 6});
    hloc_literal *scale = kb_lit(&b, t, 1, &d2, (double[]){1, 2});
    hloc_literal *off = kb_lit(&b, t, 1, &d2, (double[]){0, 1});
    hloc_shape vs = hloc_shape_array(t, 1, &d2);
    hloc_literal *out = kb_tuple_out(&b, 3, (hloc_shape[]){x->shape, vs, vs});
    hloc_literal *ops[5] = {x, scale, off};
    hloc_instr *i;
    run1(&b, HLOC_OP_BATCH_NORM_TRAINING, ops, 3, out, &i);
    i->attrs->feature_index = 1;
    check(hloc_eval_batch_norm_training(kb_ev(&b), i, (const hloc_literal *const *)ops, out));
    kb_expect(&out->elems[0], (double[]){-1, -1, 1, 3}, 4, 1e-6);
    kb_expect(&out->elems[1], (double[]){2, 4}, 2, 1e-6);
    kb_expect(&out->elems[2], (double[]){1, 4}, 2, 1e-6);

    ops[3] = &out->elems[1];
    ops[4] = &out->elems[2];
    hloc_literal *inf = hloc_literal_create(b.m->arena, &x->shape);
    run1(&b, HLOC_OP_BATCH_NORM_INFERENCE, ops, 5, inf, &i);
    i->attrs->feature_index = 1;
    check(hloc_eval_batch_norm_inference(kb_ev(&b), i, (const hloc_literal *const *)ops, inf));
    kb_expect(inf, (double[]){-1, -1, 1, 3}, 4, 1e-6);
    kb_free(&b);
}
END_TEST

START_TEST(test_batch_norm_grad) {
    kb b;
    kb_init(&b);
    int64_t d31[] = {3, 1}, d1 = 1;
    hloc_type t = HLOC_TYPE_F32;
    hloc_literal *ops[5] = {
        kb_lit(&b, t, 2, d31, (double[]){1, 2, 3}), kb_lit(&b, t, 1, &d1, (double[]){1}),
        kb_lit(&b, t, 1, &d1, (double[]){2}), kb_lit(&b, t, 1, &d1, (double[]){1}),
        kb_lit(&b, t, 2, d31, (double[]){1, 0, 0})};
    hloc_shape vs = hloc_shape_array(t, 1, &d1);
    hloc_literal *out = kb_tuple_out(&b, 3, (hloc_shape[]){ops[0]->shape, vs, vs});
    hloc_instr *i;
    run1(&b, HLOC_OP_BATCH_NORM_GRAD, ops, 5, out, &i);
    i->attrs->feature_index = 1;
    check(hloc_eval_batch_norm_grad(kb_ev(&b), i, (const hloc_literal *const *)ops, out));
    kb_expect(&out->elems[0], (double[]){1.0 / 3, -1.0 / 3, 0}, 3, 1e-6);
    kb_expect(&out->elems[1], (double[]){-1}, 1, 1e-6);
    kb_expect(&out->elems[2], (double[]){1}, 1, 1e-6);
    kb_free(&b);
}
END_TEST

Suite *linalg_suite(void) {
    Suite *s = suite_create("linalg");
    TCase *tc = tcase_create("linalg");
    tcase_add_loop_test(tc, test_cholesky, 0, 2);
    tcase_add_test(tc, test_cholesky_complex);
    tcase_add_loop_test(tc, test_triangular_solve, 0, 2);
    tcase_add_test(tc, test_triangular_solve_adjoint);
    tcase_add_loop_test(tc, test_fft_1d, 0, 2);
    tcase_add_test(tc, test_fft_2d_batched);
    tcase_add_loop_test(tc, test_batch_norm, 0, 2);
    tcase_add_test(tc, test_batch_norm_grad);
    suite_add_tcase(s, tc);
    return s;
}
