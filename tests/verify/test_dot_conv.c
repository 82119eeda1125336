/* Shape inference of dot, convolution, gather and scatter: dimension numbers, result dims, and
 * the errors for inconsistent dimension numbers. */
#include "suites.h"
#include "tb.h"

static hloc_computation *adder(tb *t, const char *name, const char *type) {
    hloc_computation *keep = t->c, *c = tb_comp(t, name);
    hloc_instr *a = tb_param(t, type), *b = tb_param(t, type);
    tb_op(t, HLOC_OP_ADD, type, 2, a, b);
    tb_enter(t, keep);
    return c;
}

START_TEST(test_dot) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[8,2,3]"), *b = tb_param(&t, "f32[8,3,5]");
    hloc_instr *d = tb_op(&t, HLOC_OP_DOT, "f32[8,2,5]", 2, a, b);
    d->attrs->dot.lhs_batch = LIST(&t, 0);
    d->attrs->dot.rhs_batch = LIST(&t, 0);
    d->attrs->dot.lhs_contracting = LIST(&t, 2);
    d->attrs->dot.rhs_contracting = LIST(&t, 1);
    ck_assert(tb_infers(&t, d, "f32[8,2,5]"));
    d->shape.type = HLOC_TYPE_BF16; /* preferred element type */
    ck_assert(tb_infers(&t, d, "bf16[8,2,5]"));
    d->shape.type = HLOC_TYPE_INVALID; /* no declared shape: the parser asks for one */
    ck_assert(tb_infers(&t, d, "f32[8,2,5]"));
    d->attrs->dot.rhs_contracting = LIST(&t, 2);
    ck_assert(tb_fails(&t, d, "contracting dimension sizes differ"));
    d->attrs->dot.rhs_contracting = LIST(&t, 0);
    ck_assert(tb_fails(&t, d, "both batch and contracting"));
    d->attrs->dot.rhs_contracting = LIST(&t, 1, 2);
    ck_assert(tb_fails(&t, d, "lhs_contracting_dims has 1 entries, rhs_contracting_dims 2"));
    d->attrs->dot.rhs_contracting = LIST(&t, 3);
    d->attrs->dot.lhs_contracting = LIST(&t, 3);
    ck_assert(tb_fails(&t, d, "lhs_contracting_dims: dimension 3 out of range for rank 3"));
    hloc_instr *i8 = tb_param(&t, "s32[4]");
    hloc_instr *nd = tb_op(&t, HLOC_OP_DOT, "s8[]", 2, i8, i8);
    nd->attrs->dot.lhs_contracting = LIST(&t, 0);
    nd->attrs->dot.rhs_contracting = LIST(&t, 0);
    ck_assert(tb_fails(&t, nd, "narrower"));
    tb_free(&t);
}
END_TEST

static void conv_nhwc(tb *t, hloc_instr *c, hloc_window_dim *w) {
    hloc_conv_dnums *dn = &c->attrs->conv;
    dn->present = true;
    dn->n_spatial = 2; /* b01f_01io->b01f */
    dn->in_batch = 0, dn->in_spatial[0] = 1, dn->in_spatial[1] = 2, dn->in_feature = 3;
    dn->k_spatial[0] = 0, dn->k_spatial[1] = 1, dn->k_in_feature = 2, dn->k_out_feature = 3;
    dn->out_batch = 0, dn->out_spatial[0] = 1, dn->out_spatial[1] = 2, dn->out_feature = 3;
    c->attrs->window.dims = w;
    c->attrs->window.n_dims = 2;
    (void)t;
}

START_TEST(test_convolution) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[2,9,9,4]"), *k = tb_param(&t, "f32[3,3,4,8]");
    hloc_instr *c = tb_op(&t, HLOC_OP_CONVOLUTION, "f32[2,4,5,8]", 2, x, k);
    hloc_window_dim w[2] = {{3, 2, 0, 0, 1, 1, false}, {3, 2, 1, 1, 1, 1, false}};
    conv_nhwc(&t, c, w);
    ck_assert(tb_infers(&t, c, "f32[2,4,5,8]"));
    w[1].rhs_dilate = 2; /* window 5 over 11 with stride 2 */
    ck_assert(tb_infers(&t, c, "f32[2,4,4,8]"));
    w[1].size = 2;
    ck_assert(tb_fails(&t, c, "window size 2 in spatial dimension 1 differs from the kernel's 3"));
    w[1].size = 3;
    c->attrs->feature_group_count = 2;
    ck_assert(tb_fails(&t, c, "kernel's input features are 4"));
    hloc_instr *kd = tb_param(&t, "f32[3,3,1,8]"); /* depthwise: 4 groups, 2 outputs each */
    hloc_instr *dw = tb_op(&t, HLOC_OP_CONVOLUTION, "f32[2,7,7,8]", 2, x, kd);
    hloc_window_dim w2[2] = {{3, 1, 0, 0, 1, 1, false}, {3, 1, 0, 0, 1, 1, false}};
    conv_nhwc(&t, dw, w2);
    dw->attrs->feature_group_count = 4;
    ck_assert(tb_infers(&t, dw, "f32[2,7,7,8]"));
    dw->attrs->window.n_dims = 1;
    ck_assert(tb_fails(&t, dw, "window has 1 dimensions, expected 2"));
    dw->attrs->window.n_dims = 2;
    dw->attrs->conv.out_feature = 0;
    ck_assert(tb_fails(&t, dw, "dim_labels: dimension 0 repeated"));
    tb_free(&t);
}
END_TEST

START_TEST(test_gather) {
    tb t;
    tb_init(&t);
    /* jnp.take(x, idx, axis=0) for x f32[5,3], idx s32[4]: gather slices [1,3]. */
    hloc_instr *x = tb_param(&t, "f32[5,3]"), *idx = tb_param(&t, "s32[4,1]");
    hloc_instr *g = tb_op(&t, HLOC_OP_GATHER, "f32[4,3]", 2, x, idx);
    hloc_gather_dnums *gd = &g->attrs->gather;
    gd->offset_dims = LIST(&t, 1);
    gd->collapsed_slice_dims = LIST(&t, 0);
    gd->start_index_map = LIST(&t, 0);
    gd->index_vector_dim = 1;
    gd->slice_sizes = LIST(&t, 1, 3);
    ck_assert(tb_infers(&t, g, "f32[4,3]"));
    gd->slice_sizes = LIST(&t, 2, 3);
    ck_assert(tb_fails(&t, g, "collapsed dimension 0 must have slice size 0 or 1"));
    gd->slice_sizes = LIST(&t, 1, 3);
    gd->start_index_map = LIST(&t, 0, 1);
    ck_assert(tb_fails(&t, g, "start_index_map has 2 entries, the index vector 1"));
    gd->start_index_map = LIST(&t, 0);
    gd->index_vector_dim = 3;
    ck_assert(tb_fails(&t, g, "index_vector_dim 3"));
    /* batching dims: x f32[2,5,3], idx s32[2,4] (implicit index vector) → f32[2,4,3] */
    hloc_instr *xb = tb_param(&t, "f32[2,5,3]"), *ib = tb_param(&t, "s32[2,4]");
    hloc_instr *gb = tb_op(&t, HLOC_OP_GATHER, "f32[2,4,3]", 2, xb, ib);
    hloc_gather_dnums *bd = &gb->attrs->gather;
    bd->offset_dims = LIST(&t, 2);
    bd->collapsed_slice_dims = LIST(&t, 1);
    bd->start_index_map = LIST(&t, 1);
    bd->operand_batching_dims = LIST(&t, 0);
    bd->start_indices_batching_dims = LIST(&t, 0);
    bd->index_vector_dim = 2;
    bd->slice_sizes = LIST(&t, 1, 1, 3);
    ck_assert(tb_infers(&t, gb, "f32[2,4,3]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_scatter) {
    tb t;
    tb_init(&t);
    hloc_computation *add = adder(&t, "add", "f32[]"), *addi = adder(&t, "addi", "s32[]");
    hloc_instr *x = tb_param(&t, "f32[5,3]"), *idx = tb_param(&t, "s32[4,1]"),
               *u = tb_param(&t, "f32[4,3]");
    hloc_instr *sc = tb_op(&t, HLOC_OP_SCATTER, "f32[5,3]", 3, x, idx, u);
    hloc_scatter_dnums *sd = &sc->attrs->scatter;
    sd->update_window_dims = LIST(&t, 1);
    sd->inserted_window_dims = LIST(&t, 0);
    sd->scatter_dims_to_operand_dims = LIST(&t, 0);
    sd->index_vector_dim = 1;
    ck_assert(tb_fails(&t, sc, "missing to_apply"));
    hloc_instr_add_called(sc, addi);
    ck_assert(tb_fails(&t, sc,
                       "to_apply computation 'addi' parameter 0 has shape s32[], expected f32[]"));
    sc->called[0] = add;
    ck_assert(tb_infers(&t, sc, "f32[5,3]"));
    hloc_instr *u2 = tb_param(&t, "f32[3,3]");
    hloc_instr_set_operand(sc, 2, u2);
    ck_assert(
        tb_fails(&t, sc, "update scatter dimension 0 has size 3, the indices' dimension 0 has 4"));
    hloc_instr_set_operand(sc, 2, u);
    sd->inserted_window_dims = NOLIST(&t);
    ck_assert(tb_fails(&t, sc, "must equal the operand rank 2"));
    tb_free(&t);
}
END_TEST

Suite *dot_conv_suite(void) {
    Suite *s = suite_create("infer-dot-conv-gather");
    TCase *tc = tcase_create("dot-conv");
    tcase_add_test(tc, test_dot);
    tcase_add_test(tc, test_convolution);
    tcase_add_test(tc, test_gather);
    tcase_add_test(tc, test_scatter);
    suite_add_tcase(s, tc);
    return s;
}
