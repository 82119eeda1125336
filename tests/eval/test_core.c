/* The evaluator's driver and control flow: argument checks, tuples, calls, while, conditional,
 * custom calls, and the messages of its errors. */
#include <math.h>
#include <string.h>

#include "tb.h"

static hloc_shape tuple2(hloc_arena *a, hloc_shape x, hloc_shape y) {
    hloc_shape *e = HLOC_ARENA_ARRAY(a, hloc_shape, 2);
    e[0] = x;
    e[1] = y;
    return (hloc_shape){.type = HLOC_TYPE_TUPLE, .n_elems = 2, .elems = e};
}

static void ck_status(hloc_status *st, hloc_status_code code, const char *needle) {
    ck_assert_int_eq(hloc_status_code_of(st), code);
    ck_assert_msg(strstr(hloc_status_message(st), needle), "message \"%s\" lacks \"%s\"",
                  hloc_status_message(st), needle);
    hloc_status_free(st);
}

START_TEST(test_argument_checks) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_f(&t, HLOC_TYPE_F32, 3, TB_F(1, 2, 3));
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 3);
    t.entry->root = tb_op(&t, HLOC_OP_NEGATE, &s, a, NULL, NULL);
    hloc_shape wrong = tb_shape(HLOC_TYPE_F32, 4);
    hloc_literal *arg = hloc_literal_create(t.a, &wrong), *r = NULL;
    const hloc_literal *args[1] = {arg};
    ck_status(hloc_evaluate(t.m, args, 1, NULL, t.a, &r), HLOC_STATUS_INVALID_ARGUMENT,
              "argument 0 (parameter parameter.0): expected f32[3], got f32[4]");
    ck_assert_ptr_null(r);
    ck_status(hloc_evaluate(t.m, args, 0, NULL, t.a, &r), HLOC_STATUS_INVALID_ARGUMENT,
              "takes 1 arguments, got 0");
    hloc_shape other = tb_shape(HLOC_TYPE_S32, 3);
    args[0] = hloc_literal_create(t.a, &other);
    ck_status(hloc_evaluate(t.m, args, 1, NULL, t.a, &r), HLOC_STATUS_INVALID_ARGUMENT,
              "expected f32[3], got s32[3]");
    tb_fini(&t);
}
END_TEST

START_TEST(test_tuple_gte_constant) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(5, 6));
    hloc_instr *c = tb_const_f(&t, HLOC_TYPE_F32, -1, TB_F(2.5));
    hloc_shape ts = tuple2(t.m->arena, a->shape, c->shape);
    hloc_instr *tup = tb_op(&t, HLOC_OP_TUPLE, &ts, a, c, NULL);
    hloc_instr *g = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, &c->shape, tup, NULL, NULL);
    g->attrs->index = 1;
    hloc_instr *g0 = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, &a->shape, tup, NULL, NULL);
    g0->attrs->index = 0;
    hloc_instr *cp = tb_op(&t, HLOC_OP_COPY, &a->shape, g0, NULL, NULL);
    hloc_shape out = tuple2(t.m->arena, c->shape, a->shape);
    hloc_literal *r = tb_run(&t, tb_op(&t, HLOC_OP_TUPLE, &out, g, cp, NULL));
    ck_assert_uint_eq(r->n_elems, 2);
    ck_f(&r->elems[0], 0, 2.5);
    ck_i(&r->elems[1], 0, 5);
    ck_i(&r->elems[1], 1, 6);
    tb_fini(&t);
}
END_TEST

/* while (i < 10) { i += 1; acc *= 2 } on (s32 i, f32 acc). */
START_TEST(test_while) {
    tb t;
    tb_init(&t);
    hloc_shape si = tb_shape(HLOC_TYPE_S32, -1), sf = tb_shape(HLOC_TYPE_F32, -1), sp = tb_shape(HLOC_TYPE_PRED, -1);
    hloc_shape st = tuple2(t.m->arena, si, sf);

    t.c = hloc_computation_create(t.m, "cond");
    hloc_instr *cp = tb_sub_param(&t, 0, &st);
    hloc_instr *ci = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, &si, cp, NULL, NULL);
    hloc_instr *ten = tb_const_i(&t, HLOC_TYPE_S32, -1, TB_I(10));
    hloc_instr *lt = tb_op(&t, HLOC_OP_COMPARE, &sp, ci, ten, NULL);
    lt->attrs->cmp_dir = HLOC_CMP_LT;
    t.c->root = lt;
    hloc_computation *cond = t.c;

    t.c = hloc_computation_create(t.m, "body");
    hloc_instr *bp = tb_sub_param(&t, 0, &st);
    hloc_instr *bi = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, &si, bp, NULL, NULL);
    hloc_instr *ba = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, &sf, bp, NULL, NULL);
    ba->attrs->index = 1;
    hloc_instr *one = tb_const_i(&t, HLOC_TYPE_S32, -1, TB_I(1));
    hloc_instr *two = tb_const_f(&t, HLOC_TYPE_F32, -1, TB_F(2));
    hloc_instr *ni = tb_op(&t, HLOC_OP_ADD, &si, bi, one, NULL);
    hloc_instr *na = tb_op(&t, HLOC_OP_MULTIPLY, &sf, ba, two, NULL);
    t.c->root = tb_op(&t, HLOC_OP_TUPLE, &st, ni, na, NULL);
    hloc_computation *body = t.c;

    t.c = t.entry;
    hloc_instr *i0 = tb_param_i(&t, HLOC_TYPE_S32, -1, TB_I(3));
    hloc_instr *a0 = tb_param_f(&t, HLOC_TYPE_F32, -1, TB_F(1.5));
    hloc_instr *init = tb_op(&t, HLOC_OP_TUPLE, &st, i0, a0, NULL);
    hloc_instr *w = tb_op(&t, HLOC_OP_WHILE, &st, init, NULL, NULL);
    ck_assert(hloc_instr_add_called(w, cond));
    ck_assert(hloc_instr_add_called(w, body));
    hloc_literal *r = tb_run(&t, w);
    ck_i(&r->elems[0], 0, 10);
    ck_f(&r->elems[1], 0, 1.5 * 128);
    tb_fini(&t);
}
END_TEST

/* Three branches: x+1, x*10, -x; the index picks one, and out-of-range picks the last. */
static double run_switch(int64_t index) {
    tb t;
    tb_init(&t);
    hloc_shape sf = tb_shape(HLOC_TYPE_F32, -1);
    hloc_computation *br[3];
    for (int k = 0; k < 3; k++) {
        t.c = br[k] = hloc_computation_create(t.m, k == 0 ? "b0" : k == 1 ? "b1" : "b2");
        hloc_instr *p = tb_sub_param(&t, 0, &sf);
        if (k == 0) t.c->root = tb_op(&t, HLOC_OP_ADD, &sf, p, tb_const_f(&t, HLOC_TYPE_F32, -1, TB_F(1)), NULL);
        if (k == 1) t.c->root = tb_op(&t, HLOC_OP_MULTIPLY, &sf, p, tb_const_f(&t, HLOC_TYPE_F32, -1, TB_F(10)), NULL);
        if (k == 2) t.c->root = tb_op(&t, HLOC_OP_NEGATE, &sf, p, NULL, NULL);
    }
    t.c = t.entry;
    hloc_instr *idx = tb_param_i(&t, HLOC_TYPE_S32, -1, &index);
    hloc_instr *x = tb_param_f(&t, HLOC_TYPE_F32, -1, TB_F(4));
    hloc_instr *ops[4] = {idx, x, x, x};
    hloc_instr *c = tb_opn(&t, HLOC_OP_CONDITIONAL, &sf, ops, 4);
    for (int k = 0; k < 3; k++) ck_assert(hloc_instr_add_called(c, br[k]));
    double v = hloc_literal_get_f64(tb_run(&t, c), 0);
    tb_fini(&t);
    return v;
}

START_TEST(test_conditional_indexed) {
    ck_assert(run_switch(0) == 5);
    ck_assert(run_switch(1) == 40);
    ck_assert(run_switch(2) == -4);
    ck_assert(run_switch(7) == -4);
    ck_assert(run_switch(-1) == -4);
}
END_TEST

START_TEST(test_conditional_pred_and_call) {
    for (int cond = 0; cond < 2; cond++) {
        tb t;
        tb_init(&t);
        hloc_shape si = tb_shape(HLOC_TYPE_S32, 2);
        t.c = hloc_computation_create(t.m, "on_true");
        hloc_instr *p = tb_sub_param(&t, 0, &si);
        t.c->root = tb_op(&t, HLOC_OP_ADD, &si, p, p, NULL);
        hloc_computation *yes = t.c;
        t.c = hloc_computation_create(t.m, "on_false");
        p = tb_sub_param(&t, 0, &si);
        t.c->root = tb_op(&t, HLOC_OP_NEGATE, &si, p, NULL, NULL);
        hloc_computation *no = t.c;
        t.c = t.entry;
        hloc_instr *pr = tb_param_i(&t, HLOC_TYPE_PRED, -1, (const int64_t[]){cond});
        hloc_instr *x = tb_param_i(&t, HLOC_TYPE_S32, 2, TB_I(3, -4));
        hloc_instr *c = tb_op(&t, HLOC_OP_CONDITIONAL, &si, pr, x, x);
        ck_assert(hloc_instr_add_called(c, yes));
        ck_assert(hloc_instr_add_called(c, no));
        hloc_instr *call = tb_op(&t, HLOC_OP_CALL, &si, c, NULL, NULL);
        ck_assert(hloc_instr_add_called(call, no));
        hloc_literal *r = tb_run(&t, call);
        ck_i(r, 0, cond ? -6 : 3);
        ck_i(r, 1, cond ? 8 : -4);
        tb_fini(&t);
    }
}
END_TEST

static void times_three(void *out, const void **in) {
    const float *x = in[0];
    float *y = out;
    for (int k = 0; k < 2; k++) y[k] = 3 * x[k];
}

START_TEST(test_custom_call) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1, -2));
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 2);
    hloc_instr *cc = tb_op(&t, HLOC_OP_CUSTOM_CALL, &s, x, NULL, NULL);
    cc->attrs->custom_call_target = "times_three";
    hloc_literal *r = NULL;
    ck_status(tb_try(&t, cc, &r), HLOC_STATUS_NOT_FOUND, "unknown custom-call target \"times_three\"");
    hloc_custom_call calls[1] = {{"times_three", times_three}};
    hloc_eval_options o = {calls, 1};
    hloc_status *st = hloc_evaluate(t.m, (const hloc_literal *const *)t.args, 1, &o, t.a, &r);
    ck_assert_ptr_null(st);
    ck_f(r, 0, 3);
    ck_f(r, 1, -6);
    cc->attrs->api_version = "API_VERSION_TYPED_FFI";
    ck_status(hloc_evaluate(t.m, (const hloc_literal *const *)t.args, 1, &o, t.a, &r),
              HLOC_STATUS_UNIMPLEMENTED, "uses API_VERSION_TYPED_FFI");
    tb_fini(&t);
}
END_TEST

START_TEST(test_unsupported_message) {
    tb t;
    tb_init(&t);
    hloc_instr *x = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1, 2));
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 2);
    hloc_instr *rs = tb_op(&t, HLOC_OP_RAGGED_ALL_TO_ALL, &s, x, NULL, NULL);
    rs->loc = (hloc_loc){7, 3};
    t.m->file = "m.hlo";
    hloc_literal *r = NULL;
    ck_status(tb_try(&t, rs, &r), HLOC_STATUS_UNIMPLEMENTED, "m.hlo:7:3: ragged-all-to-all.1 (ragged-all-to-all): the evaluator does not "
              "implement ragged-all-to-all (it models one device; this collective needs several)");
    tb_fini(&t);
    tb_init(&t);
    x = tb_param_f(&t, HLOC_TYPE_F32, 2, TB_F(1, 2));
    hloc_instr *rid = tb_op(&t, HLOC_OP_REPLICA_ID, &(hloc_shape){.type = HLOC_TYPE_U32}, NULL, NULL, NULL);
    hloc_instr *ar = tb_op(&t, HLOC_OP_ALL_REDUCE, &s, x, NULL, NULL);
    hloc_shape ts = tuple2(t.m->arena, rid->shape, s);
    r = tb_run(&t, tb_op(&t, HLOC_OP_TUPLE, &ts, rid, ar, NULL));
    ck_i(&r->elems[0], 0, 0);
    ck_f(&r->elems[1], 1, 2);
    tb_fini(&t);
}
END_TEST

Suite *eval_core_suite(void) {
    Suite *s = suite_create("eval_core");
    TCase *tc = tcase_create("driver");
    tcase_add_test(tc, test_argument_checks);
    tcase_add_test(tc, test_tuple_gte_constant);
    tcase_add_test(tc, test_while);
    tcase_add_test(tc, test_conditional_indexed);
    tcase_add_test(tc, test_conditional_pred_and_call);
    tcase_add_test(tc, test_custom_call);
    tcase_add_test(tc, test_unsupported_message);
    suite_add_tcase(s, tc);
    return s;
}
