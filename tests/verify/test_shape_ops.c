/* Shape inference of data-movement opcodes: broadcast, reshape, transpose, slices, concatenate,
 * pad, reverse, iota, bitcast, tuples and dimension sizes; each with valid and broken cases. */
#include "suites.h"
#include "tb.h"

START_TEST(test_broadcast_reshape_transpose) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[3]"), *m = tb_param(&t, "f32[2,3,4]");
    hloc_instr *b = tb_op(&t, HLOC_OP_BROADCAST, "f32[2,3]", 1, x);
    b->attrs->dims = LIST(&t, 1);
    ck_assert(tb_infers(&t, b, "f32[2,3]"));
    b->attrs->dims = LIST(&t, 0);
    ck_assert(tb_fails(&t, b, "maps to result dimension 0 of size 2"));
    b->attrs->dims = LIST(&t, 2);
    ck_assert(tb_fails(&t, b, "out of range"));
    b->attrs->dims = NOLIST(&t);
    ck_assert(tb_fails(&t, b, "0 entries, operand rank is 1"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_RESHAPE, "f32[6,4]", 1, m), "f32[6,4]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_RESHAPE, "f32[5,4]", 1, m), "24 elements"));
    hloc_instr *tr = tb_op(&t, HLOC_OP_TRANSPOSE, "f32[4,2,3]", 1, m);
    tr->attrs->dims = LIST(&t, 2, 0, 1);
    ck_assert(tb_infers(&t, tr, "f32[4,2,3]"));
    tr->attrs->dims = LIST(&t, 2, 0, 0);
    ck_assert(tb_fails(&t, tr, "repeated"));
    hloc_instr *rv = tb_op(&t, HLOC_OP_REVERSE, "f32[2,3,4]", 1, m);
    rv->attrs->dims = LIST(&t, 0, 2);
    ck_assert(tb_infers(&t, rv, "f32[2,3,4]"));
    rv->attrs->dims = LIST(&t, 3);
    ck_assert(tb_fails(&t, rv, "dimension 3 out of range for rank 3"));
    tb_free(&t);
}
END_TEST

START_TEST(test_slices) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param(&t, "f32[10,8]"), *i = tb_param(&t, "s32[]"),
               *u = tb_param(&t, "f32[2,8]");
    hloc_instr *f = tb_param(&t, "f32[]");
    hloc_instr *sl = tb_op(&t, HLOC_OP_SLICE, "f32[3,8]", 1, x);
    sl->attrs->slice_start = LIST(&t, 1, 0);
    sl->attrs->slice_limit = LIST(&t, 8, 8);
    sl->attrs->slice_stride = LIST(&t, 3, 1);
    ck_assert(tb_infers(&t, sl, "f32[3,8]"));
    sl->attrs->slice_limit = LIST(&t, 11, 8);
    ck_assert(tb_fails(&t, sl, "out of range"));
    hloc_instr *ds = tb_op(&t, HLOC_OP_DYNAMIC_SLICE, "f32[2,8]", 3, x, i, i);
    ds->attrs->dynamic_slice_sizes = LIST(&t, 2, 8);
    ck_assert(tb_infers(&t, ds, "f32[2,8]"));
    ds->attrs->dynamic_slice_sizes = LIST(&t, 2, 9);
    ck_assert(tb_fails(&t, ds, "slice size 9"));
    hloc_instr *ds2 = tb_op(&t, HLOC_OP_DYNAMIC_SLICE, "f32[2,8]", 2, x, i);
    ds2->attrs->dynamic_slice_sizes = LIST(&t, 2, 8);
    ck_assert(tb_fails(&t, ds2, "expected 2 start indices, found 1"));
    hloc_instr *ds3 = tb_op(&t, HLOC_OP_DYNAMIC_SLICE, "f32[2,8]", 3, x, i, f);
    ds3->attrs->dynamic_slice_sizes = LIST(&t, 2, 8);
    ck_assert(tb_fails(&t, ds3, "expected an integer"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_DYNAMIC_UPDATE_SLICE, "f32[10,8]", 4, x, u, i, i),
                        "f32[10,8]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_DYNAMIC_UPDATE_SLICE, "f32[10,8]", 4, u, x, i, i),
                       "exceeds"));
    tb_free(&t);
}
END_TEST

START_TEST(test_concat_pad_iota) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[2,3]"), *b = tb_param(&t, "f32[4,3]"),
               *z = tb_param(&t, "f32[]");
    hloc_instr *c = tb_op(&t, HLOC_OP_CONCATENATE, "f32[6,3]", 2, a, b);
    c->attrs->dims = LIST(&t, 0);
    ck_assert(tb_infers(&t, c, "f32[6,3]"));
    c->attrs->dims = LIST(&t, 1);
    ck_assert(tb_fails(&t, c, "differ outside dimension 1"));
    hloc_instr *p = tb_op(&t, HLOC_OP_PAD, "f32[5,2]", 2, a, z);
    hloc_padding_dim pads[2] = {{1, 1, 0}, {-1, 0, 0}};
    p->attrs->padding = pads;
    p->attrs->n_padding = 2;
    ck_assert(tb_infers(&t, p, "f32[4,2]"));
    pads[0].interior = 2; /* 1 + 1 + 2 + 1·2 */
    ck_assert(tb_infers(&t, p, "f32[6,2]"));
    pads[1].lo = -5;
    ck_assert(tb_fails(&t, p, "negative"));
    pads[1].lo = 0;
    pads[1].interior = -1;
    ck_assert(tb_fails(&t, p, "interior padding -1"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_PAD, "f32[2,3]", 2, a, a), "must be a scalar"));
    hloc_instr *io = tb_op(&t, HLOC_OP_IOTA, "s32[4,5]", 0);
    io->attrs->iota_dimension = 1;
    ck_assert(tb_infers(&t, io, "s32[4,5]"));
    io->attrs->iota_dimension = 2;
    ck_assert(tb_fails(&t, io, "iota_dimension 2"));
    tb_free(&t);
}
END_TEST

START_TEST(test_tuples_bitcast) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[2,3]"), *b = tb_param(&t, "s32[]");
    hloc_instr *tp = tb_op(&t, HLOC_OP_TUPLE, "(f32[2,3], s32[])", 2, a, b);
    ck_assert(tb_infers(&t, tp, "(f32[2,3], s32[])"));
    hloc_instr *g = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "s32[]", 1, tp);
    g->attrs->index = 1;
    ck_assert(tb_infers(&t, g, "s32[]"));
    g->attrs->index = 2;
    ck_assert(tb_fails(&t, g, "index 2 out of range"));
    hloc_instr *g2 = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "f32[]", 1, a);
    ck_assert(tb_fails(&t, g2, "must be a tuple"));
    ck_assert(tb_infers(&t, tb_op(&t, HLOC_OP_BITCAST, "s32[6]", 1, a), "s32[6]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_BITCAST, "f64[6]", 1, a), "changes the size"));
    hloc_instr *gd = tb_op(&t, HLOC_OP_GET_DIMENSION_SIZE, "s32[]", 1, a);
    gd->attrs->dims = LIST(&t, 1);
    ck_assert(tb_infers(&t, gd, "s32[]"));
    gd->attrs->dims = LIST(&t, 2);
    ck_assert(tb_fails(&t, gd, "out of range"));
    tb_free(&t);
}
END_TEST

Suite *shape_ops_suite(void) {
    Suite *s = suite_create("infer-shape-ops");
    TCase *tc = tcase_create("shape-ops");
    tcase_add_test(tc, test_broadcast_reshape_transpose);
    tcase_add_test(tc, test_slices);
    tcase_add_test(tc, test_concat_pad_iota);
    tcase_add_test(tc, test_tuples_bitcast);
    suite_add_tcase(s, tc);
    return s;
}
