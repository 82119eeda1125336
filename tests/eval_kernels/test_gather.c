/* gather and scatter: implicit and explicit index_vector_dim, clamped gather starts, batching
 * dims, out-of-bounds scatter windows skipped whole, update order, variadic scatter. */
#include "kb.h"
#include "suites.h"

static hloc_literal *gather(kb *b, hloc_literal *x, hloc_literal *idx, const hloc_gather_dnums *g,
                            uint32_t orank, const int64_t *odims) {
    hloc_literal *ops[2] = {x, idx};
    hloc_shape os = hloc_shape_array(x->shape.type, orank, odims);
    hloc_instr *i = kb_instr(b, HLOC_OP_GATHER, &os, ops, 2);
    i->attrs->gather = *g;
    hloc_literal *out = hloc_literal_create(b->m->arena, &os);
    hloc_status *st = hloc_eval_gather(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

static const hloc_type idx_types[] = {HLOC_TYPE_S32, HLOC_TYPE_S64, HLOC_TYPE_U8, HLOC_TYPE_S16};

START_TEST(test_gather_rows) {
    kb b;
    kb_init(&b);
    hloc_type it = idx_types[_i];
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_F32, 2, (int64_t[]){3, 2}, (double[]){1, 2, 3, 4, 5, 6});
    hloc_gather_dnums g = {.offset_dims = KL(&b, 1),
                           .collapsed_slice_dims = KL(&b, 0),
                           .start_index_map = KL(&b, 0),
                           .index_vector_dim = 1,
                           .slice_sizes = KL(&b, 1, 2)};
    hloc_literal *y = gather(&b, x, kb_lit(&b, it, 1, (int64_t[]){2}, (double[]){2, 0}), &g, 2,
                             (int64_t[]){2, 2});
    kb_expect(y, (double[]){5, 6, 1, 2}, 4, 0);
    /* starts clamp into [0, 3 - 2]: 2 → 1 */
    hloc_gather_dnums g2 = {.offset_dims = KL(&b, 1, 2),
                            .start_index_map = KL(&b, 0),
                            .index_vector_dim = 1,
                            .slice_sizes = KL(&b, 2, 2)};
    y = gather(&b, x, kb_lit(&b, it, 2, (int64_t[]){2, 1}, (double[]){2, 0}), &g2, 3,
               (int64_t[]){2, 2, 2});
    kb_expect(y, (double[]){3, 4, 5, 6, 1, 2, 3, 4}, 8, 0);
    kb_free(&b);
}
END_TEST

/* Element bytes are copied whatever the type: s4, f8 and c128 operands. */
START_TEST(test_gather_types) {
    kb b;
    kb_init(&b);
    static const hloc_type ts[] = {HLOC_TYPE_S4, HLOC_TYPE_F8E5M2, HLOC_TYPE_PRED, HLOC_TYPE_U64};
    hloc_type t = ts[_i];
    hloc_literal *x = kb_lit(&b, t, 1, (int64_t[]){4}, (double[]){0, 1, 1, 0});
    hloc_gather_dnums g = {.collapsed_slice_dims = KL(&b, 0),
                           .start_index_map = KL(&b, 0),
                           .index_vector_dim = 1,
                           .slice_sizes = KL(&b, 1)};
    hloc_literal *y =
        gather(&b, x, kb_lit(&b, HLOC_TYPE_S32, 1, (int64_t[]){3}, (double[]){2, 3, 1}), &g, 1,
               (int64_t[]){3});
    kb_expect(y, (double[]){1, 0, 1}, 3, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_gather_clamp_negative) {
    kb b;
    kb_init(&b);
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_S32, 1, (int64_t[]){4}, (double[]){10, 11, 12, 13});
    hloc_gather_dnums g = {.offset_dims = KL(&b, 1),
                           .start_index_map = KL(&b, 0),
                           .index_vector_dim = 1,
                           .slice_sizes = KL(&b, 2)};
    hloc_literal *y =
        gather(&b, x, kb_lit(&b, HLOC_TYPE_S32, 1, (int64_t[]){3}, (double[]){-5, 1, 9}), &g, 2,
               (int64_t[]){3, 2});
    kb_expect(y, (double[]){10, 11, 11, 12, 12, 13}, 6, 0);
    kb_free(&b);
}
END_TEST

/* index_vector_dim 0: the index vectors are the columns of the indices. */
START_TEST(test_gather_index_vector_dim0) {
    kb b;
    kb_init(&b);
    hloc_literal *x =
        kb_lit(&b, HLOC_TYPE_F64, 2, (int64_t[]){3, 3}, (double[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    hloc_gather_dnums g = {.collapsed_slice_dims = KL(&b, 0, 1),
                           .start_index_map = KL(&b, 0, 1),
                           .index_vector_dim = 0,
                           .slice_sizes = KL(&b, 1, 1)};
    hloc_literal *y =
        gather(&b, x, kb_lit(&b, HLOC_TYPE_S32, 2, (int64_t[]){2, 2}, (double[]){0, 2, 1, 0}), &g,
               1, (int64_t[]){2});
    kb_expect(y, (double[]){2, 7}, 2, 0);
    /* start_index_map reversed: vector (a, b) is (dim 1, dim 0) */
    g.start_index_map = KL(&b, 1, 0);
    y = gather(&b, x, kb_lit(&b, HLOC_TYPE_S32, 2, (int64_t[]){2, 2}, (double[]){0, 2, 1, 0}), &g,
               1, (int64_t[]){2});
    kb_expect(y, (double[]){4, 3}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_gather_batching) {
    kb b;
    kb_init(&b);
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_F32, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6});
    hloc_gather_dnums g = {.collapsed_slice_dims = KL(&b, 1),
                           .start_index_map = KL(&b, 1),
                           .operand_batching_dims = KL(&b, 0),
                           .start_indices_batching_dims = KL(&b, 0),
                           .index_vector_dim = 1,
                           .slice_sizes = KL(&b, 1, 1)};
    hloc_literal *y =
        gather(&b, x, kb_lit(&b, HLOC_TYPE_S32, 2, (int64_t[]){2, 1}, (double[]){2, 0}), &g, 1,
               (int64_t[]){2});
    kb_expect(y, (double[]){3, 4}, 2, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_gather_errors) {
    kb b;
    kb_init(&b);
    hloc_literal *x = kb_lit(&b, HLOC_TYPE_F32, 1, (int64_t[]){4}, NULL);
    hloc_literal *ops[2] = {x, kb_lit(&b, HLOC_TYPE_S32, 1, (int64_t[]){3}, NULL)};
    int64_t od[] = {3, 5};
    hloc_shape os = hloc_shape_array(HLOC_TYPE_F32, 2, od);
    hloc_instr *i = kb_instr(&b, HLOC_OP_GATHER, &os, ops, 2);
    i->attrs->gather = (hloc_gather_dnums){.offset_dims = KL(&b, 1),
                                           .start_index_map = KL(&b, 0),
                                           .index_vector_dim = 1,
                                           .slice_sizes = KL(&b, 5)};
    hloc_literal *out = hloc_literal_create(b.m->arena, &os);
    hloc_status *st = hloc_eval_gather(kb_ev(&b), i, (const hloc_literal *const *)ops, out);
    ck_assert_ptr_nonnull(st); /* slice larger than the operand */
    hloc_status_free(st);
    i->attrs->gather.slice_sizes = KL(&b, 2);
    i->attrs->gather.index_vector_dim = 3;
    st = hloc_eval_gather(kb_ev(&b), i, (const hloc_literal *const *)ops, out);
    ck_assert_ptr_nonnull(st);
    hloc_status_free(st);
    kb_free(&b);
}
END_TEST

static hloc_status *scatter_st(kb *b, hloc_literal *const *ops, uint32_t n_ops, hloc_computation *f,
                               const hloc_scatter_dnums *sd, hloc_literal *out) {
    hloc_instr *i = kb_instr(b, HLOC_OP_SCATTER, &out->shape, ops, n_ops);
    i->attrs->scatter = *sd;
    ck_assert(hloc_instr_add_called(i, f));
    return hloc_eval_scatter(kb_ev(b), i, (const hloc_literal *const *)ops, out);
}

static hloc_literal *scatter1(kb *b, hloc_literal *x, hloc_literal *idx, hloc_literal *upd,
                              hloc_computation *f, const hloc_scatter_dnums *sd) {
    hloc_literal *ops[3] = {x, idx, upd};
    hloc_literal *out = hloc_literal_create(b->m->arena, &x->shape);
    hloc_status *st = scatter_st(b, ops, 3, f, sd, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

static const hloc_type val_types[] = {HLOC_TYPE_F32, HLOC_TYPE_F64, HLOC_TYPE_S32, HLOC_TYPE_BF16,
                                      HLOC_TYPE_U8};

START_TEST(test_scatter_add_oob) {
    kb b;
    kb_init(&b);
    hloc_type t = val_types[_i];
    hloc_scatter_dnums sd = {.inserted_window_dims = KL(&b, 0),
                             .scatter_dims_to_operand_dims = KL(&b, 0),
                             .index_vector_dim = 1};
    hloc_literal *y =
        scatter1(&b, kb_lit(&b, t, 1, (int64_t[]){5}, NULL),
                 kb_lit(&b, HLOC_TYPE_S32, 2, (int64_t[]){5, 1}, (double[]){1, 3, 1, 9, -1}),
                 kb_lit(&b, t, 1, (int64_t[]){5}, (double[]){10, 20, 30, 40, 50}),
                 kb_binop(&b, HLOC_OP_ADD, t, HLOC_CMP_NONE), &sd);
    kb_expect(y, (double[]){0, 40, 0, 20, 0}, 5, 0);
    kb_free(&b);
}
END_TEST

/* A window of 2 at index 3 of a 4-vector sticks out: the whole window is skipped. */
START_TEST(test_scatter_window_oob) {
    kb b;
    kb_init(&b);
    hloc_type t = val_types[_i];
    hloc_scatter_dnums sd = {.update_window_dims = KL(&b, 1),
                             .scatter_dims_to_operand_dims = KL(&b, 0),
                             .index_vector_dim = 1};
    hloc_literal *y =
        scatter1(&b, kb_lit(&b, t, 1, (int64_t[]){4}, (double[]){1, 1, 1, 1}),
                 kb_lit(&b, HLOC_TYPE_S64, 2, (int64_t[]){3, 1}, (double[]){1, 3, -1}),
                 kb_lit(&b, t, 2, (int64_t[]){3, 2}, (double[]){1, 2, 3, 4, 5, 6}),
                 kb_binop(&b, HLOC_OP_MULTIPLY, t, HLOC_CMP_NONE), &sd);
    kb_expect(y, (double[]){1, 1, 2, 1}, 4, 0);
    kb_free(&b);
}
END_TEST

/* to_apply returning its update parameter overwrites; duplicates apply in order, last wins. */
START_TEST(test_scatter_assign) {
    kb b;
    kb_init(&b);
    hloc_type t = val_types[_i];
    hloc_instr *p[2];
    hloc_computation *f = kb_comp(&b, 2, (hloc_type[]){t, t}, p);
    f->root = p[1];
    hloc_scatter_dnums sd = {.inserted_window_dims = KL(&b, 0),
                             .scatter_dims_to_operand_dims = KL(&b, 0),
                             .index_vector_dim = 1};
    hloc_literal *y = scatter1(&b, kb_lit(&b, t, 1, (int64_t[]){3}, (double[]){1, 1, 1}),
                               kb_lit(&b, HLOC_TYPE_S32, 1, (int64_t[]){3}, (double[]){2, 0, 0}),
                               kb_lit(&b, t, 1, (int64_t[]){3}, (double[]){7, 8, 9}), f, &sd);
    kb_expect(y, (double[]){9, 1, 7}, 3, 0);
    kb_free(&b);
}
END_TEST

START_TEST(test_scatter_batching) {
    kb b;
    kb_init(&b);
    hloc_scatter_dnums sd = {.inserted_window_dims = KL(&b, 1),
                             .scatter_dims_to_operand_dims = KL(&b, 1),
                             .input_batching_dims = KL(&b, 0),
                             .scatter_indices_batching_dims = KL(&b, 0),
                             .index_vector_dim = 1};
    hloc_literal *y = scatter1(&b, kb_lit(&b, HLOC_TYPE_F32, 2, (int64_t[]){2, 3}, NULL),
                               kb_lit(&b, HLOC_TYPE_S32, 2, (int64_t[]){2, 1}, (double[]){2, 0}),
                               kb_lit(&b, HLOC_TYPE_F32, 1, (int64_t[]){2}, (double[]){5, 6}),
                               kb_binop(&b, HLOC_OP_ADD, HLOC_TYPE_F32, HLOC_CMP_NONE), &sd);
    kb_expect(y, (double[]){0, 0, 5, 6, 0, 0}, 6, 0);
    kb_free(&b);
}
END_TEST

/* Two inputs scattered together: (sum of f32, max of s32). */
START_TEST(test_scatter_variadic) {
    kb b;
    kb_init(&b);
    hloc_type ts[4] = {HLOC_TYPE_F32, HLOC_TYPE_S32, HLOC_TYPE_F32, HLOC_TYPE_S32};
    hloc_instr *p[4];
    hloc_computation *f = kb_comp(&b, 4, ts, p);
    hloc_shape fs = hloc_shape_scalar(HLOC_TYPE_F32), is = hloc_shape_scalar(HLOC_TYPE_S32);
    hloc_instr *sum = hloc_instr_create(f, HLOC_OP_ADD, &fs, (hloc_instr *[]){p[0], p[2]}, 2, NULL);
    hloc_instr *mx =
        hloc_instr_create(f, HLOC_OP_MAXIMUM, &is, (hloc_instr *[]){p[1], p[3]}, 2, NULL);
    hloc_shape elems[2] = {fs, is};
    hloc_shape tup = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    tup.elems = elems;
    tup.n_elems = 2;
    f->root = hloc_instr_create(f, HLOC_OP_TUPLE, &tup, (hloc_instr *[]){sum, mx}, 2, NULL);
    hloc_scatter_dnums sd = {.inserted_window_dims = KL(&b, 0),
                             .scatter_dims_to_operand_dims = KL(&b, 0),
                             .index_vector_dim = 1};
    int64_t d2 = 2, d3 = 3;
    hloc_literal *ops[5] = {kb_lit(&b, HLOC_TYPE_F32, 1, &d2, (double[]){1, 1}),
                            kb_lit(&b, HLOC_TYPE_S32, 1, &d2, (double[]){5, 5}),
                            kb_lit(&b, HLOC_TYPE_S32, 1, &d3, (double[]){0, 1, 0}),
                            kb_lit(&b, HLOC_TYPE_F32, 1, &d3, (double[]){2, 3, 4}),
                            kb_lit(&b, HLOC_TYPE_S32, 1, &d3, (double[]){9, 2, 7})};
    hloc_shape outs[2] = {ops[0]->shape, ops[1]->shape};
    hloc_literal *out = kb_tuple_out(&b, 2, outs);
    hloc_status *st = scatter_st(&b, ops, 5, f, &sd, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    kb_expect(&out->elems[0], (double[]){7, 4}, 2, 0);
    kb_expect(&out->elems[1], (double[]){9, 5}, 2, 0);
    kb_free(&b);
}
END_TEST

Suite *gather_suite(void) {
    Suite *s = suite_create("gather");
    TCase *tc = tcase_create("gather");
    tcase_add_loop_test(tc, test_gather_rows, 0, (int)(sizeof idx_types / sizeof idx_types[0]));
    tcase_add_loop_test(tc, test_gather_types, 0, 4);
    tcase_add_test(tc, test_gather_clamp_negative);
    tcase_add_test(tc, test_gather_index_vector_dim0);
    tcase_add_test(tc, test_gather_batching);
    tcase_add_test(tc, test_gather_errors);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("scatter");
    int nv = (int)(sizeof val_types / sizeof val_types[0]);
    tcase_add_loop_test(ts, test_scatter_add_oob, 0, nv);
    tcase_add_loop_test(ts, test_scatter_window_oob, 0, nv);
    tcase_add_loop_test(ts, test_scatter_assign, 0, nv);
    tcase_add_test(ts, test_scatter_batching);
    tcase_add_test(ts, test_scatter_variadic);
    suite_add_tcase(s, ts);
    return s;
}
