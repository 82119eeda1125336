/* sort (stable with ties, several operands, any dimension, descending) and topk (ties to the
 * lower index, total order of -0/+0 and NaN, smallest-k). */
#include <math.h>

#include "kb.h"
#include "suites.h"

/* A comparator on n operands of |types| whose root is compare(p[2*key], p[2*key+1]), dir. */
static hloc_computation *comparator(kb *b, uint32_t n, const hloc_type *types, uint32_t key,
                                    hloc_cmp_dir dir) {
    hloc_type pt[8];
    hloc_instr *p[8];
    for (uint32_t k = 0; k < n; k++)
        pt[2 * k] = pt[2 * k + 1] = types[k];
    hloc_computation *c = kb_comp(b, 2 * n, pt, p);
    hloc_shape ps = hloc_shape_scalar(HLOC_TYPE_PRED);
    c->root = hloc_instr_create(c, HLOC_OP_COMPARE, &ps,
                                (hloc_instr *[]){p[2 * key], p[2 * key + 1]}, 2, NULL);
    c->root->attrs->cmp_dir = dir;
    return c;
}

static void run_sort(kb *b, hloc_literal *const *ops, uint32_t n, int64_t dim,
                     hloc_computation *cmp, hloc_literal *out) {
    hloc_instr *i = kb_instr(b, HLOC_OP_SORT, &out->shape, ops, n);
    i->attrs->dims = kb_list(b, 1, &dim);
    i->attrs->is_stable = false; /* the kernel is stable anyway */
    ck_assert(hloc_instr_add_called(i, cmp));
    hloc_status *st = hloc_eval_sort(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
}

START_TEST(test_sort_stable_ties) {
    kb b;
    kb_init(&b);
    int64_t d5 = 5;
    hloc_type ts[2] = {HLOC_TYPE_S32, HLOC_TYPE_F32};
    hloc_literal *ops[2] = {kb_lit(&b, ts[0], 1, &d5, (double[]){3, 1, 3, 2, 1}),
                            kb_lit(&b, ts[1], 1, &d5, (double[]){0, 1, 2, 3, 4})};
    hloc_shape outs[2] = {ops[0]->shape, ops[1]->shape};
    hloc_literal *out = kb_tuple_out(&b, 2, outs);
    run_sort(&b, ops, 2, 0, comparator(&b, 2, ts, 0, HLOC_CMP_LT), out);
    kb_expect(&out->elems[0], (double[]){1, 1, 2, 3, 3}, 5, 0);
    kb_expect(&out->elems[1], (double[]){1, 4, 3, 0, 2}, 5, 0);
    /* sorting by the second operand, descending */
    ops[1] = kb_lit(&b, ts[1], 1, &d5, (double[]){5, 7, 5, 1, 7});
    out = kb_tuple_out(&b, 2, outs);
    run_sort(&b, ops, 2, 0, comparator(&b, 2, ts, 1, HLOC_CMP_GT), out);
    kb_expect(&out->elems[0], (double[]){1, 1, 3, 3, 2}, 5, 0);
    kb_expect(&out->elems[1], (double[]){7, 7, 5, 5, 1}, 5, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_sort_dims) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_U16 : HLOC_TYPE_F64;
    int64_t d23[] = {2, 3};
    double x[] = {3, 1, 2, 0, 5, 4};
    hloc_literal *ops[1] = {kb_lit(&b, t, 2, d23, x)};
    hloc_literal *out = hloc_literal_create(b.m->arena, &ops[0]->shape);
    run_sort(&b, ops, 1, 1, comparator(&b, 1, &t, 0, HLOC_CMP_GT), out);
    kb_expect(out, (double[]){3, 2, 1, 5, 4, 0}, 6, 0);
    run_sort(&b, ops, 1, 0, comparator(&b, 1, &t, 0, HLOC_CMP_LT), out);
    kb_expect(out, (double[]){0, 1, 2, 3, 5, 4}, 6, 0);
    /* the middle dimension of a 3-D array */
    int64_t d232[] = {2, 3, 2};
    double y[] = {5, 0, 4, 1, 3, 2, /* */ 0, 9, 2, 8, 1, 7};
    ops[0] = kb_lit(&b, t, 3, d232, y);
    out = hloc_literal_create(b.m->arena, &ops[0]->shape);
    run_sort(&b, ops, 1, 1, comparator(&b, 1, &t, 0, HLOC_CMP_LT), out);
    kb_expect(out, (double[]){3, 0, 4, 1, 5, 2, 0, 7, 1, 8, 2, 9}, 12, 0);
    kb_free(&b);
}
END_TEST

static hloc_literal *topk(kb *b, hloc_literal *x, int64_t k, bool largest) {
    hloc_literal *ops[1] = {x};
    hloc_shape vs = x->shape;
    vs.dims[vs.rank - 1] = k;
    hloc_shape is = vs;
    is.type = HLOC_TYPE_S32;
    hloc_literal *out = kb_tuple_out(b, 2, (hloc_shape[]){vs, is});
    hloc_instr *i = kb_instr(b, HLOC_OP_TOPK, &out->shape, ops, 1);
    i->attrs->k = k;
    i->attrs->largest = largest;
    hloc_status *st = hloc_eval_topk(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

START_TEST(test_topk) {
    kb b;
    kb_init(&b);
    hloc_type t = _i ? HLOC_TYPE_BF16 : HLOC_TYPE_F32;
    int64_t d6 = 6;
    hloc_literal *x = kb_lit(&b, t, 1, &d6, (double[]){1, 3, 3, 2, -0.0, 0});
    hloc_literal *y = topk(&b, x, 3, true);
    kb_expect(&y->elems[0], (double[]){3, 3, 2}, 3, 0);
    kb_expect(&y->elems[1], (double[]){1, 2, 3}, 3, 0);
    y = topk(&b, x, 6, true);
    kb_expect(&y->elems[1], (double[]){1, 2, 3, 0, 5, 4}, 6, 0);
    y = topk(&b, x, 3, false);
    kb_expect(&y->elems[1], (double[]){4, 5, 0}, 3, 0);
    ck_assert(signbit(hloc_literal_get_f64(&y->elems[0], 0)));
    /* NaN is above +inf; two rows */
    int64_t d23[] = {2, 3};
    x = kb_lit(&b, t, 2, d23, (double[]){1, NAN, INFINITY, 4, 6, 5});
    y = topk(&b, x, 2, true);
    kb_expect(&y->elems[0], (double[]){NAN, INFINITY, 6, 5}, 4, 0);
    kb_expect(&y->elems[1], (double[]){1, 2, 1, 2}, 4, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_topk_ints) {
    kb b;
    kb_init(&b);
    int64_t d5 = 5;
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_S8, 1, &d5, (double[]){-1, 7, -128, 7, 0});
    hloc_literal *y = topk(&b, x, 2, true);
    kb_expect(&y->elems[0], (double[]){7, 7}, 2, 0);
    kb_expect(&y->elems[1], (double[]){1, 3}, 2, 0);
    y = topk(&b, x, 2, false);
    kb_expect(&y->elems[0], (double[]){-128, -1}, 2, 0);
    kb_free(&b);
}
END_TEST

Suite *sort_suite(void) {
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("sort");
    tcase_add_test(tc, test_sort_stable_ties);
    tcase_add_loop_test(tc, test_sort_dims, 0, 2);
    tcase_add_loop_test(tc, test_topk, 0, 2);
    tcase_add_test(tc, test_topk_ints);
    suite_add_tcase(s, tc);
    return s;
}
