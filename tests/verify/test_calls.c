/* Shape inference of opcodes that call computations: reduce (variadic), reduce-window,
 * select-and-scatter, sort, map, while, conditional, call, fusion; and the signature errors. */
#include "suites.h"
#include "tb.h"

static hloc_computation *binop(tb *t, const char *name, hloc_opcode op, const char *in,
                               const char *out) {
    hloc_computation *keep = t->c, *c = tb_comp(t, name);
    hloc_instr *a = tb_param(t, in), *b = tb_param(t, in);
    hloc_instr *r = tb_op(t, op, out, 2, a, b);
    if (op == HLOC_OP_COMPARE) r->attrs->cmp_dir = HLOC_CMP_LT;
    tb_enter(t, keep);
    return c;
}

START_TEST(test_reduce) {
    tb t;
    tb_init(&t);
    hloc_computation *add = binop(&t, "add", HLOC_OP_ADD, "f32[]", "f32[]");
    hloc_computation *lt = binop(&t, "lt", HLOC_OP_COMPARE, "f32[]", "pred[]");
    hloc_instr *x = tb_param(&t, "f32[2,3,4]"), *z = tb_param(&t, "f32[]"),
               *zi = tb_param(&t, "s32[]");
    hloc_instr *r = tb_op(&t, HLOC_OP_REDUCE, "f32[3]", 2, x, z);
    r->attrs->dims = LIST(&t, 0, 2);
    hloc_instr_add_called(r, add);
    ck_assert(tb_infers(&t, r, "f32[3]"));
    r->attrs->dims = LIST(&t, 0, 0);
    ck_assert(tb_fails(&t, r, "repeated"));
    r->attrs->dims = LIST(&t, 0, 2);
    r->called[0] = lt;
    ck_assert(tb_fails(&t, r, "to_apply computation 'lt' returns pred[], expected f32[]"));
    hloc_instr *ri = tb_op(&t, HLOC_OP_REDUCE, "f32[3]", 2, x, zi);
    ri->attrs->dims = LIST(&t, 0, 2);
    hloc_instr_add_called(ri, add);
    ck_assert(tb_fails(&t, ri, "parameter 0 has shape f32[], expected s32[]"));
    ck_assert(tb_fails(&t, tb_op(&t, HLOC_OP_REDUCE, "f32[3]", 3, x, z, z), "as many init values"));
    /* A reducer may return its one accumulator as a 1-tuple (XLA's VerifyReducerShape). */
    hloc_computation *keep1 = t.c, *tup = tb_comp(&t, "add_tuple");
    hloc_instr *ta = tb_param(&t, "f32[]"), *tb2 = tb_param(&t, "f32[]");
    hloc_instr *ts = tb_op(&t, HLOC_OP_ADD, "f32[]", 2, ta, tb2);
    tb_op(&t, HLOC_OP_TUPLE, "(f32[])", 1, ts);
    tb_enter(&t, keep1);
    r->called[0] = tup;
    ck_assert(tb_infers(&t, r, "f32[3]"));

    /* variadic argmax-style reduce: (f32, s32) pairs */
    hloc_computation *keep = t.c, *pair = tb_comp(&t, "pair");
    hloc_instr *a0 = tb_param(&t, "f32[]"), *a1 = tb_param(&t, "s32[]");
    hloc_instr *b0 = tb_param(&t, "f32[]"), *b1 = tb_param(&t, "s32[]");
    hloc_instr *m = tb_op(&t, HLOC_OP_MAXIMUM, "f32[]", 2, a0, b0);
    hloc_instr *n = tb_op(&t, HLOC_OP_MINIMUM, "s32[]", 2, a1, b1);
    tb_op(&t, HLOC_OP_TUPLE, "(f32[], s32[])", 2, m, n);
    tb_enter(&t, keep);
    hloc_instr *xi = tb_param(&t, "s32[2,3,4]");
    hloc_instr *vr = tb_op(&t, HLOC_OP_REDUCE, "(f32[2], s32[2])", 4, x, xi, z, zi);
    vr->attrs->dims = LIST(&t, 1, 2);
    hloc_instr_add_called(vr, pair);
    ck_assert(tb_infers(&t, vr, "(f32[2], s32[2])"));
    tb_free(&t);
}
END_TEST

START_TEST(test_windows_sort_map) {
    tb t;
    tb_init(&t);
    hloc_computation *add = binop(&t, "add", HLOC_OP_ADD, "f32[]", "f32[]");
    hloc_computation *ge = binop(&t, "ge", HLOC_OP_COMPARE, "f32[]", "pred[]");
    hloc_instr *x = tb_param(&t, "f32[4,6]"), *z = tb_param(&t, "f32[]");
    hloc_instr *rw = tb_op(&t, HLOC_OP_REDUCE_WINDOW, "f32[2,3]", 2, x, z);
    hloc_window_dim w[2] = {{2, 2, 0, 0, 1, 1, false}, {2, 2, 0, 0, 1, 1, false}};
    rw->attrs->window.dims = w;
    rw->attrs->window.n_dims = 2;
    hloc_instr_add_called(rw, add);
    ck_assert(tb_infers(&t, rw, "f32[2,3]"));
    w[1].stride = 0;
    ck_assert(tb_fails(&t, rw, "stride and dilations must be >= 1"));
    w[1].stride = 2;
    hloc_instr *src = tb_param(&t, "f32[2,3]");
    hloc_instr *ss = tb_op(&t, HLOC_OP_SELECT_AND_SCATTER, "f32[4,6]", 3, x, src, z);
    ss->attrs->window = rw->attrs->window;
    hloc_instr_add_called(ss, ge);
    hloc_instr_add_called(ss, add);
    ck_assert(tb_infers(&t, ss, "f32[4,6]"));
    ss->called[0] = add;
    ck_assert(tb_fails(&t, ss, "select computation 'add' returns f32[], expected pred[]"));

    hloc_instr *so = tb_op(&t, HLOC_OP_SORT, "f32[4,6]", 1, x);
    so->attrs->dims = LIST(&t, 1);
    hloc_instr_add_called(so, ge);
    ck_assert(tb_infers(&t, so, "f32[4,6]"));
    hloc_instr *iota = tb_param(&t, "s32[4,6]");
    hloc_instr *so2 = tb_op(&t, HLOC_OP_SORT, "(f32[4,6], s32[4,6])", 2, x, iota);
    so2->attrs->dims = LIST(&t, 1);
    hloc_instr_add_called(so2, ge);
    ck_assert(tb_fails(&t, so2, "comparator computation 'ge' takes 2 parameters, expected 4"));
    hloc_instr *tk = tb_op(&t, HLOC_OP_TOPK, "(f32[4,2], s32[4,2])", 1, x);
    tk->attrs->k = 2;
    ck_assert(tb_infers(&t, tk, "(f32[4,2], s32[4,2])"));
    tk->attrs->k = 7;
    ck_assert(tb_fails(&t, tk, "k=7"));
    hloc_instr *mp = tb_op(&t, HLOC_OP_MAP, "f32[4,6]", 2, x, x);
    hloc_instr_add_called(mp, add);
    ck_assert(tb_infers(&t, mp, "f32[4,6]"));
    mp->attrs->dims = LIST(&t, 0, 1);
    ck_assert(tb_infers(&t, mp, "f32[4,6]"));
    mp->attrs->dims = LIST(&t, 1);
    ck_assert(tb_fails(&t, mp, "every dimension in order"));
    tb_free(&t);
}
END_TEST

START_TEST(test_control_flow) {
    tb t;
    tb_init(&t);
    hloc_computation *cond = tb_comp(&t, "cond");
    hloc_instr *cp = tb_param(&t, "(s32[], f32[3])");
    hloc_instr *ci = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "s32[]", 1, cp);
    hloc_instr *ten = tb_op(&t, HLOC_OP_CONSTANT, "s32[]", 0);
    hloc_instr *lt = tb_op(&t, HLOC_OP_COMPARE, "pred[]", 2, ci, ten);
    lt->attrs->cmp_dir = HLOC_CMP_LT;
    hloc_computation *body = tb_comp(&t, "body");
    hloc_instr *bp = tb_param(&t, "(s32[], f32[3])");
    hloc_instr *bi = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "s32[]", 1, bp);
    hloc_instr *bv = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "f32[3]", 1, bp);
    bv->attrs->index = 1;
    hloc_instr *bn = tb_op(&t, HLOC_OP_NEGATE, "f32[3]", 1, bv);
    tb_op(&t, HLOC_OP_TUPLE, "(s32[], f32[3])", 2, bi, bn);
    hloc_computation *bad_body = tb_comp(&t, "bad_body");
    hloc_instr *bb = tb_param(&t, "(s32[], f32[3])");
    tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "s32[]", 1, bb);
    tb_enter(&t, t.m->entry);
    hloc_instr *i0 = tb_param(&t, "s32[]"), *v0 = tb_param(&t, "f32[3]");
    hloc_instr *init = tb_op(&t, HLOC_OP_TUPLE, "(s32[], f32[3])", 2, i0, v0);
    hloc_instr *w = tb_op(&t, HLOC_OP_WHILE, "(s32[], f32[3])", 1, init);
    hloc_instr_add_called(w, cond);
    hloc_instr_add_called(w, body);
    ck_assert(tb_infers(&t, w, "(s32[], f32[3])"));
    ck_assert(tb_verify(&t, NULL));
    w->called[1] = bad_body;
    ck_assert(
        tb_fails(&t, w, "body computation 'bad_body' returns s32[], expected (s32[], f32[3])"));
    ck_assert(tb_verify(&t, "'while.14': body computation 'bad_body' returns s32[]"));
    w->called[1] = body;
    w->called[0] = body;
    ck_assert(
        tb_fails(&t, w, "condition computation 'body' returns (s32[], f32[3]), expected pred[]"));
    w->called[0] = cond;

    /* conditional: pred form and indexed form */
    hloc_computation *neg = tb_comp(&t, "neg");
    tb_op(&t, HLOC_OP_NEGATE, "f32[3]", 1, tb_param(&t, "f32[3]"));
    hloc_computation *id = tb_comp(&t, "id");
    tb_param(&t, "f32[3]");
    tb_enter(&t, t.m->entry);
    hloc_instr *p = tb_param(&t, "pred[]");
    hloc_instr *cd = tb_op(&t, HLOC_OP_CONDITIONAL, "f32[3]", 3, p, v0, v0);
    hloc_instr_add_called(cd, neg);
    hloc_instr_add_called(cd, id);
    ck_assert(tb_infers(&t, cd, "f32[3]"));
    hloc_instr *ix = tb_op(&t, HLOC_OP_CONDITIONAL, "f32[3]", 4, i0, v0, v0, v0);
    hloc_instr_add_called(ix, neg);
    hloc_instr_add_called(ix, id);
    hloc_instr_add_called(ix, neg);
    ck_assert(tb_infers(&t, ix, "f32[3]"));
    hloc_instr *bad = tb_op(&t, HLOC_OP_CONDITIONAL, "f32[3]", 3, v0, v0, v0);
    ck_assert(tb_fails(&t, bad, "must be a scalar"));
    hloc_instr *two = tb_op(&t, HLOC_OP_CONDITIONAL, "f32[3]", 2, p, v0);
    hloc_instr_add_called(two, neg);
    hloc_instr_add_called(two, id);
    ck_assert(tb_fails(&t, two, "2 branches need 3 operands, found 2"));

    hloc_instr *call = tb_op(&t, HLOC_OP_CALL, "f32[3]", 1, v0);
    hloc_instr_add_called(call, neg);
    ck_assert(tb_infers(&t, call, "f32[3]"));
    hloc_instr *fu = tb_op(&t, HLOC_OP_FUSION, "f32[3]", 1, i0);
    hloc_instr_add_called(fu, neg);
    ck_assert(tb_fails(&t, fu, "fusion needs kind="));
    fu->attrs->fusion_kind = HLOC_FUSION_LOOP;
    ck_assert(
        tb_fails(&t, fu, "fused computation 'neg' parameter 0 has shape f32[3], expected s32[]"));
    /* custom-call: the declared shape stands; written operand constraints must fit */
    hloc_instr *cc = tb_op(&t, HLOC_OP_CUSTOM_CALL, "(f32[7], s8[])", 2, v0, i0);
    ck_assert(tb_fails(&t, cc, "custom_call_target"));
    cc->attrs->custom_call_target = "my_kernel";
    ck_assert(tb_infers(&t, cc, "(f32[7], s8[])"));
    hloc_shape cons[2] = {tb_shape(&t, "f32[3]"), tb_shape(&t, "s32[]")};
    cc->attrs->operand_layout_constraints = cons;
    cc->attrs->n_operand_layout_constraints = 2;
    cc->attrs->has_operand_layout_constraints = true;
    ck_assert(tb_infers(&t, cc, "(f32[7], s8[])"));
    cons[1] = tb_shape(&t, "s32[2]");
    ck_assert(
        tb_fails(&t, cc, "operand 1 has shape s32[], operand_layout_constraints says s32[2]"));
    tb_free(&t);
}
END_TEST

Suite *calls_suite(void) {
    Suite *s = suite_create("infer-calls");
    TCase *tc = tcase_create("calls");
    tcase_add_test(tc, test_reduce);
    tcase_add_test(tc, test_windows_sort_map);
    tcase_add_test(tc, test_control_flow);
    suite_add_tcase(s, tc);
    return s;
}
