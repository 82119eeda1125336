/* reduce-window and select-and-scatter: padding, base and window dilation, strides, variadic
 * reducers, overlapping windows and ties. */
#include <math.h>
#include <string.h>

#include "kb.h"
#include "suites.h"

/* Runs a one-input reduce-window with reducer op and returns its result. */
static hloc_literal *rw(kb *b, hloc_literal *x, double init, hloc_opcode op, const char *window,
                        uint32_t out_rank, const int64_t *out_dims) {
    hloc_type t = x->shape.type;
    hloc_literal *ops[2] = {x, kb_scalar(b, t, init)};
    hloc_shape os = hloc_shape_array(t, out_rank, out_dims);
    hloc_instr *i = kb_instr(b, HLOC_OP_REDUCE_WINDOW, &os, ops, 2);
    kb_window(b, i, window);
    ck_assert(hloc_instr_add_called(i, kb_binop(b, op, t, HLOC_CMP_NONE)));
    hloc_literal *out = hloc_literal_create(b->m->arena, &os);
    hloc_status *st = hloc_eval_reduce_window(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

/* Every element type gives the same answer on small integers: f32 takes the fast path, the others
 * call the reducer. */
static const hloc_type all_types[] = {HLOC_TYPE_F32, HLOC_TYPE_F64, HLOC_TYPE_BF16, HLOC_TYPE_F16,
                                      HLOC_TYPE_S32, HLOC_TYPE_S8,  HLOC_TYPE_U16,  HLOC_TYPE_S64};

START_TEST(test_sum_padded_strided) {
    kb b;
    kb_init(&b);
    hloc_type t = all_types[_i];
    int64_t d5 = 5, d3 = 3;
    double x[] = {1, 2, 3, 4, 5};
    /* [p 1 | 2 3 | 4 5 | p] */
    hloc_literal *y =
        rw(&b, kb_lit(&b, t, 1, &d5, x), 0, HLOC_OP_ADD, "size=2 stride=2 pad=1_1", 1, &d3);
    kb_expect(y, (double[]){1, 5, 9}, 3, 0);
    /* [p 1 2] [1 2 3] [2 3 4] [3 4 5] [4 5 p] with init 10 */
    y = rw(&b, kb_lit(&b, t, 1, &d5, x), 10, HLOC_OP_ADD, "size=3 pad=1_1", 1, &d5);
    kb_expect(y, (double[]){13, 16, 19, 22, 19}, 5, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_dilations) {
    kb b;
    kb_init(&b);
    hloc_type t = all_types[_i];
    int64_t d3 = 3, d4 = 4, d6 = 6;
    /* base [1 _ 2 _ 3]: holes contribute nothing */
    hloc_literal *y = rw(&b, kb_lit(&b, t, 1, &d3, (double[]){1, 2, 3}), 0, HLOC_OP_ADD,
                         "size=2 lhs_dilate=2", 1, &d4);
    kb_expect(y, (double[]){1, 2, 2, 3}, 4, 0);
    /* window taps 0 and 3 */
    y = rw(&b, kb_lit(&b, t, 1, &d6, (double[]){1, 2, 3, 4, 5, 6}), 0, HLOC_OP_ADD,
           "size=2 rhs_dilate=3", 1, &d3);
    kb_expect(y, (double[]){5, 7, 9}, 3, 0);
    /* both, with padding and stride: base [p 1 _ 2 _ 3 p p], taps 0 and 2, stride 3 */
    int64_t d2 = 2;
    y = rw(&b, kb_lit(&b, t, 1, &d3, (double[]){1, 2, 3}), 0, HLOC_OP_ADD,
           "size=2 stride=3 pad=1_2 lhs_dilate=2 rhs_dilate=2", 1, &d2);
    kb_expect(y, (double[]){0, 5}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_max_2d) {
    kb b;
    kb_init(&b);
    hloc_type t = all_types[_i];
    int64_t d33[] = {3, 3}, d22[] = {2, 2};
    double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    hloc_literal *y = rw(&b, kb_lit(&b, t, 2, d33, x), 0, HLOC_OP_MAXIMUM, "size=2x2", 2, d22);
    kb_expect(y, (double[]){5, 6, 8, 9}, 4, 0);
    y = rw(&b, kb_lit(&b, t, 2, d33, x), 0, HLOC_OP_MAXIMUM, "size=2x2 pad=0_1x0_1", 2, d33);
    kb_expect(y, (double[]){5, 6, 6, 8, 9, 9, 8, 9, 9}, 9, 0);
    y = rw(&b, kb_lit(&b, t, 2, d33, x), 100, HLOC_OP_MINIMUM, "size=1x3 stride=2x1", 2,
           (int64_t[]){2, 1});
    kb_expect(y, (double[]){1, 7}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_nan_propagates) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_F64 : HLOC_TYPE_F32;
    int64_t d4 = 4, d2 = 2;
    hloc_literal *y = rw(&b, kb_lit(&b, t, 1, &d4, (double[]){1, NAN, 3, 2}), -INFINITY,
                         HLOC_OP_MAXIMUM, "size=2 stride=2", 1, &d2);
    kb_expect(y, (double[]){NAN, 3}, 2, 0);
    kb_free(&b);
}
END_TEST

/* Argmax over windows: (value, index) pairs, ties keep the earlier index. */
START_TEST(test_variadic_argmax) {
    kb b;
    kb_init(&b);
    hloc_computation *c = hloc_computation_create(b.m, "argmax");
    hloc_shape fs = hloc_shape_scalar(HLOC_TYPE_F32), is = hloc_shape_scalar(HLOC_TYPE_S32);
    /* parameters: (av, ai, bv, bi) */
    hloc_instr *p[4];
    for (int k = 0; k < 4; k++) {
        p[k] = hloc_instr_create(c, HLOC_OP_PARAMETER, k % 2 ? &is : &fs, NULL, 0, NULL);
        p[k]->attrs->index = k;
        ck_assert(hloc_computation_set_param(c, p[k]));
    }
    hloc_instr *av = p[0], *ai = p[1], *bv = p[2], *bi = p[3];
    hloc_shape ps = hloc_shape_scalar(HLOC_TYPE_PRED);
    hloc_instr *ge = hloc_instr_create(c, HLOC_OP_COMPARE, &ps, (hloc_instr *[]){av, bv}, 2, NULL);
    ge->attrs->cmp_dir = HLOC_CMP_GE;
    hloc_instr *sv =
        hloc_instr_create(c, HLOC_OP_SELECT, &fs, (hloc_instr *[]){ge, av, bv}, 3, NULL);
    hloc_instr *si =
        hloc_instr_create(c, HLOC_OP_SELECT, &is, (hloc_instr *[]){ge, ai, bi}, 3, NULL);
    hloc_shape tup_elems[2] = {fs, is};
    hloc_shape ts = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    ts.elems = tup_elems;
    ts.n_elems = 2;
    c->root = hloc_instr_create(c, HLOC_OP_TUPLE, &ts, (hloc_instr *[]){sv, si}, 2, NULL);

    int64_t d8 = 8, d3 = 3;
    hloc_literal *ops[4] = {kb_lit(&b, HLOC_TYPE_F32, 1, &d8, (double[]){3, 1, 4, 1, 5, 9, 6, 6}),
                            kb_lit(&b, HLOC_TYPE_S32, 1, &d8, (double[]){0, 1, 2, 3, 4, 5, 6, 7}),
                            kb_scalar(&b, HLOC_TYPE_F32, -INFINITY),
                            kb_scalar(&b, HLOC_TYPE_S32, -1)};
    hloc_shape outs[2] = {hloc_shape_array(HLOC_TYPE_F32, 1, &d3),
                          hloc_shape_array(HLOC_TYPE_S32, 1, &d3)};
    hloc_literal *out = kb_tuple_out(&b, 2, outs);
    hloc_instr *i = kb_instr(&b, HLOC_OP_REDUCE_WINDOW, &out->shape, ops, 4);
    kb_window(&b, i, "size=3 stride=3 pad=0_1");
    ck_assert(hloc_instr_add_called(i, c));
    hloc_status *st = hloc_eval_reduce_window(kb_ev(&b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    kb_expect(&out->elems[0], (double[]){4, 9, 6}, 3, 0);
    kb_expect(&out->elems[1], (double[]){2, 5, 6}, 3, 0);
    kb_free(&b);
}
END_TEST

/* pred with an or reducer, and a sub-byte type: the generic path handles any element type. */
START_TEST(test_small_types) {
    kb b;
    kb_init(&b);
    int64_t d4 = 4, d2 = 2;
    hloc_literal *y = rw(&b, kb_lit(&b, HLOC_TYPE_PRED, 1, &d4, (double[]){0, 1, 0, 0}), 0,
                         HLOC_OP_OR, "size=2 stride=2", 1, &d2);
    kb_expect(y, (double[]){1, 0}, 2, 0);
    y = rw(&b, kb_lit(&b, HLOC_TYPE_S4, 1, &d4, (double[]){-3, 7, -8, 2}), -8, HLOC_OP_MAXIMUM,
           "size=2 stride=2", 1, &d2);
    kb_expect(y, (double[]){7, 2}, 2, 0);
    y = rw(&b, kb_lit(&b, HLOC_TYPE_F8E4M3FN, 1, &d4, (double[]){0.5, 1.5, 2, 4}), 0, HLOC_OP_ADD,
           "size=2 stride=2", 1, &d2);
    kb_expect(y, (double[]){2, 6}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_bad_result_shape) {
    kb b;
    kb_init(&b);
    int64_t d5 = 5, d4 = 4;
    hloc_literal *ops[2] = {kb_lit(&b, HLOC_TYPE_F32, 1, &d5, NULL),
                            kb_scalar(&b, HLOC_TYPE_F32, 0)};
    hloc_shape os = hloc_shape_array(HLOC_TYPE_F32, 1, &d4);
    hloc_instr *i = kb_instr(&b, HLOC_OP_REDUCE_WINDOW, &os, ops, 2);
    kb_window(&b, i, "size=3");
    ck_assert(hloc_instr_add_called(i, kb_binop(&b, HLOC_OP_ADD, HLOC_TYPE_F32, HLOC_CMP_NONE)));
    hloc_literal *out = hloc_literal_create(b.m->arena, &os);
    hloc_status *st = hloc_eval_reduce_window(kb_ev(&b), i, (const hloc_literal *const *)ops, out);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "expected 3"));
    hloc_status_free(st);
    kb_free(&b);
}
END_TEST

/* select=GE (first maximum wins), scatter=add, init 0. */
static hloc_literal *sas(kb *b, hloc_type t, const double *x, int64_t nx, const double *s,
                         int64_t ns, const char *window) {
    hloc_literal *ops[3] = {kb_lit(b, t, 1, &nx, x), kb_lit(b, t, 1, &ns, s), kb_scalar(b, t, 0)};
    hloc_instr *i = kb_instr(b, HLOC_OP_SELECT_AND_SCATTER, &ops[0]->shape, ops, 3);
    kb_window(b, i, window);
    ck_assert(hloc_instr_add_called(i, kb_binop(b, HLOC_OP_COMPARE, t, HLOC_CMP_GE)));
    ck_assert(hloc_instr_add_called(i, kb_binop(b, HLOC_OP_ADD, t, HLOC_CMP_NONE)));
    hloc_literal *out = hloc_literal_create(b->m->arena, &ops[0]->shape);
    hloc_status *st =
        hloc_eval_select_and_scatter(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

START_TEST(test_select_and_scatter) {
    kb b;
    kb_init(&b);
    hloc_type t = all_types[_i];
    hloc_literal *y =
        sas(&b, t, (double[]){1, 9, 3, 7, 5, 6}, 6, (double[]){2, 6, 3}, 3, "size=2 stride=2");
    kb_expect(y, (double[]){0, 2, 0, 6, 0, 3}, 6, 0);
    /* overlapping windows both pick the 5 */
    y = sas(&b, t, (double[]){1, 5, 3, 4}, 4, (double[]){10, 20}, 2, "size=3");
    kb_expect(y, (double[]){0, 30, 0, 0}, 4, 0);
    /* padding is never selected: [p 7 | 2 8 | 1 p] */
    y = sas(&b, t, (double[]){7, 2, 8, 1}, 4, (double[]){1, 2, 3}, 3, "size=2 stride=2 pad=1_1");
    kb_expect(y, (double[]){1, 0, 2, 3}, 4, 0);
    /* a tie keeps the first */
    y = sas(&b, t, (double[]){4, 4}, 2, (double[]){5}, 1, "size=2");
    kb_expect(y, (double[]){5, 0}, 2, 0);
    kb_free(&b);
}
END_TEST

Suite *window_suite(void) {
    Suite *s = suite_create("window");
    TCase *tc = tcase_create("reduce_window");
    int nt = (int)(sizeof all_types / sizeof all_types[0]);
    tcase_add_loop_test(tc, test_sum_padded_strided, 0, nt);
    tcase_add_loop_test(tc, test_dilations, 0, nt);
    tcase_add_loop_test(tc, test_max_2d, 0, nt);
    tcase_add_loop_test(tc, test_nan_propagates, 0, 2);
    tcase_add_test(tc, test_variadic_argmax);
    tcase_add_test(tc, test_small_types);
    tcase_add_test(tc, test_bad_result_shape);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("select_and_scatter");
    tcase_add_loop_test(ts, test_select_and_scatter, 0, nt);
    suite_add_tcase(s, ts);
    return s;
}
