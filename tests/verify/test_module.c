/* The module verifier on hand-built modules: a valid module, then one broken invariant at a time
 * (declared shape, duplicate names, foreign operands, missing root, cycles, parameters, entry
 * layout), and that every error is reported, not just the first. */
#include <string.h>

#include "suites.h"
#include "tb.h"

START_TEST(test_valid_and_declared_shape) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[4]"), *b = tb_param(&t, "f32[4]");
    hloc_instr *add = tb_op(&t, HLOC_OP_ADD, "f32[4]", 2, a, b);
    ck_assert(tb_verify(&t, NULL));
    add->shape.dims[0] = 5;
    ck_assert(tb_verify(&t, "'add.2': declared shape f32[5] does not match the inferred shape f32[4]"));
    add->shape.dims[0] = 4;
    add->shape.type = HLOC_TYPE_S32;
    ck_assert(tb_verify(&t, "declared shape s32[4]"));
    tb_free(&t);
}
END_TEST

START_TEST(test_every_error_reported) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[4]"), *i = tb_param(&t, "s32[4]");
    tb_op(&t, HLOC_OP_ADD, "f32[4]", 2, a, i);
    tb_op(&t, HLOC_OP_MULTIPLY, "f32[4]", 2, i, a);
    ck_assert(!hloc_verify_module(t.m, &t.d));
    ck_assert_uint_eq(t.d.n_errors, 2);
    ck_assert_ptr_nonnull(strstr(t.d.out.data, "'add.2': operand 1 has type s32, expected f32"));
    ck_assert_ptr_nonnull(strstr(t.d.out.data, "'multiply.3': operand 1 has type f32, expected s32"));
    hloc_status *st = hloc_module_verify(t.m);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "'multiply.3'"));
    hloc_status_free(st);
    tb_free(&t);
}
END_TEST

START_TEST(test_structure) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[4]");
    hloc_instr *n = tb_op(&t, HLOC_OP_NEGATE, "f32[4]", 1, a);
    hloc_instr *e = tb_op(&t, HLOC_OP_EXPONENTIAL, "f32[4]", 1, n);
    ck_assert(tb_verify(&t, NULL));
    /* duplicate name */
    const char *old = e->name;
    e->name = n->name;
    ck_assert(tb_verify(&t, "'negate.1': instruction name is not unique"));
    e->name = old;
    /* cycle: negate uses exponential which uses negate */
    hloc_instr_set_operand(n, 0, e);
    ck_assert(tb_verify(&t, "cycle"));
    hloc_instr_set_operand(n, 0, a);
    /* operand from another computation */
    hloc_computation *other = tb_comp(&t, "other");
    hloc_instr *q = tb_param(&t, "f32[4]");
    tb_enter(&t, t.m->entry);
    hloc_instr_set_operand(e, 0, q);
    ck_assert(tb_verify(&t, "operand 0 'parameter.3' belongs to computation 'other', not 'main'"));
    hloc_instr_set_operand(e, 0, n);
    ck_assert(tb_verify(&t, NULL));
    /* missing root */
    other->root = NULL;
    ck_assert(tb_verify(&t, "computation 'other': has no root"));
    other->root = q;
    /* duplicate computation name */
    other->name = "main";
    ck_assert(tb_verify(&t, "computation name is not unique"));
    other->name = "other";
    /* entry layout */
    t.m->has_entry_layout = true;
    hloc_shape ps = tb_shape(&t, "f32[4]");
    t.m->entry_param_shapes = &ps;
    t.m->n_entry_params = 1;
    t.m->entry_result_shape = tb_shape(&t, "f32[4]");
    ck_assert(tb_verify(&t, NULL));
    t.m->entry_result_shape = tb_shape(&t, "f32[5]");
    ck_assert(tb_verify(&t, "entry_computation_layout result is f32[5], the root is f32[4]"));
    t.m->has_entry_layout = false;
    /* bad layout */
    e->shape.minor_to_major[0] = 3;
    ck_assert(tb_verify(&t, "not a permutation"));
    tb_free(&t);
}
END_TEST

Suite *module_suite(void) {
    Suite *s = suite_create("verify-module");
    TCase *tc = tcase_create("module");
    tcase_add_test(tc, test_valid_and_declared_shape);
    tcase_add_test(tc, test_every_error_reported);
    tcase_add_test(tc, test_structure);
    suite_add_tcase(s, tc);
    return s;
}
