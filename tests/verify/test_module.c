/* The module verifier on hand-built modules: a valid module, then one broken invariant at a time
 * (declared shape, duplicate names, foreign operands, missing root, cycles, parameters, entry
 * layout), and that every error is reported, not just the first. */
#include <stdio.h>
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
    ck_assert(
        tb_verify(&t, "'add.2': declared shape f32[5] does not match the inferred shape f32[4]"));
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
    ck_assert_ptr_nonnull(
        strstr(t.d.out.data, "'multiply.3': operand 1 has type f32, expected s32"));
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
    /* ids and user lists */
    uint32_t id = e->id;
    e->id = n->id;
    ck_assert(tb_verify(&t, "id 1 is used twice"));
    e->id = id;
    n->n_users = 0;
    ck_assert(
        tb_verify(&t, "'exponential.2': is missing from the user list of its operand 'negate.1'"));
    n->n_users = 1;
    hloc_instr *saved = a->users[0];
    a->users[0] = e;
    ck_assert(
        tb_verify(&t, "'parameter.0': lists 'exponential.2' as a user, which does not use it"));
    a->users[0] = saved;
    ck_assert(tb_verify(&t, NULL));
    /* an operand that its computation does not list */
    uint32_t slot = 0;
    while (t.m->entry->instrs[slot] != n)
        slot++;
    t.m->entry->instrs[slot] = e;
    t.m->entry->n_instrs--;
    ck_assert(
        tb_verify(&t, "'exponential.2': operand 0 'negate.1' is not listed in computation 'main'"));
    t.m->entry->instrs[slot] = n;
    t.m->entry->instrs[slot + 1] = e;
    t.m->entry->n_instrs++;
    ck_assert(tb_verify(&t, NULL));
    /* bad layout */
    e->shape.minor_to_major[0] = 3;
    ck_assert(tb_verify(&t, "not a permutation"));
    tb_free(&t);
}
END_TEST

/* Attribute values a broken or hostile input could produce. */
static void garbage_attrs(tb *t, hloc_attrs *a) {
    static hloc_padding_dim pad[1] = {{-3, -3, -1}};
    static hloc_window_dim win[1] = {{0, 0, 0, 0, 0, 0, false}};
    a->dims = LIST(t, 3, -1, 0);
    a->slice_start = LIST(t, 5);
    a->slice_limit = LIST(t, 0);
    a->slice_stride = LIST(t, 0);
    a->dynamic_slice_sizes = LIST(t, 9);
    a->padding = pad;
    a->n_padding = 1;
    a->window.dims = win;
    a->window.n_dims = 1;
    a->conv.present = true;
    a->conv.n_spatial = 1;
    a->conv.in_feature = a->conv.k_in_feature = a->conv.out_feature = 2;
    a->feature_group_count = 0;
    a->dot.lhs_contracting = a->dot.rhs_contracting = LIST(t, 0, 7);
    a->dot.lhs_ragged = LIST(t, 0);
    a->gather.offset_dims = a->gather.start_index_map = a->gather.slice_sizes = LIST(t, 0);
    a->gather.index_vector_dim = 9;
    a->scatter.update_window_dims = a->scatter.scatter_dims_to_operand_dims = LIST(t, 0);
    a->scatter.index_vector_dim = -1;
    a->fft_type = HLOC_FFT_IRFFT;
    a->fft_length = LIST(t, 0);
    a->k = -1;
    a->feature_index = 7;
    a->iota_dimension = -2;
    a->index = 9;
    a->exponent_bits = -4;
    a->cmp_dir = HLOC_CMP_GT;
    a->cmp_type = HLOC_CMPT_SIGNED;
    a->rng_distribution = HLOC_RNG_DIST_NORMAL;
}

/* Every opcode reaches a shape rule: with any operands (arrays, scalars, tuples, tokens; any
 * count for variadic opcodes; with or without a callee) inference succeeds or reports a specific
 * error, never "no shape rule", and never crashes (the suite also runs under ASan/UBSan). */
START_TEST(test_every_opcode_has_a_rule) {
    tb t;
    tb_init(&t);
    hloc_computation *f = tb_comp(&t, "f");
    tb_param(&t, "f32[4]");
    tb_enter(&t, t.m->entry);
    hloc_instr *kinds[6] = {
        tb_param(&t, "f32[4]"),          tb_param(&t, "s32[]"),
        tb_param(&t, "(f32[4], s32[])"), tb_param(&t, "c64[2,3,3]"),
        tb_param(&t, "u8[3,4]"),         tb_op(&t, HLOC_OP_AFTER_ALL, "token[]", 0)};
    const char *decl[4] = {"f32[4]", "(f32[4], s32[])", "s32[]", "u16[3,4,2]"};
    for (int op = 0; op < HLOC_OP_COUNT; op++) {
        int arity = hloc_opcode_arity((hloc_opcode)op);
        for (uint32_t n = 0; n < 4; n++) {
            if (arity >= 0 && n != (uint32_t)arity) continue;
            for (int kind = 0; kind < 6; kind++)
                for (int callee = 0; callee < 4; callee++) {
                    hloc_instr *ops[4] = {kinds[kind], kinds[(kind + 1) % 6], kinds[kind],
                                          kinds[1]};
                    hloc_shape s = tb_shape(&t, decl[(kind + callee) % 4]);
                    hloc_instr *i = hloc_instr_create(t.c, (hloc_opcode)op, &s, ops, n, NULL);
                    ck_assert_ptr_nonnull(i);
                    if (callee & 1) hloc_instr_add_called(i, f);
                    if (callee & 2) garbage_attrs(&t, i->attrs);
                    hloc_shape out;
                    bool ok = hloc_infer_shape(i, t.m->arena, &out, &t.d);
                    ck_assert_msg(ok || t.d.n_errors > 0, "%s failed without a message",
                                  hloc_opcode_name((hloc_opcode)op));
                    ck_assert_msg(!t.d.out.data || !strstr(t.d.out.data, "no shape rule"),
                                  "%s has no rule", hloc_opcode_name((hloc_opcode)op));
                    hloc_diag_free(&t.d);
                }
        }
    }
    tb_free(&t);
}
END_TEST

START_TEST(test_called_counts) {
    tb t;
    tb_init(&t);
    hloc_computation *f = tb_comp(&t, "f");
    tb_param(&t, "f32[4]");
    tb_enter(&t, t.m->entry);
    hloc_instr *a = tb_param(&t, "f32[4]");
    hloc_instr *n = tb_op(&t, HLOC_OP_NEGATE, "f32[4]", 1, a);
    ck_assert(tb_verify(&t, NULL));
    hloc_instr_add_called(n, f);
    ck_assert(tb_verify(&t, "'negate.2': negate calls 0 computations, found 1"));
    tb_free(&t);
}
END_TEST

static bool verify_layouts(tb *t, const char *want) {
    hloc_verify_options o = {.layout_sensitive = true};
    bool ok = hloc_verify_module_opts(t->m, &o, &t->d);
    const char *out = t->d.out.data ? t->d.out.data : "";
    bool good = want ? !ok && strstr(out, want) : ok;
    if (!good)
        fprintf(stderr, "layout verification: expected %s, got:\n%s\n", want ? want : "no error",
                out);
    hloc_diag_free(&t->d);
    return good;
}

START_TEST(test_layout_sensitive) {
    tb t;
    tb_init(&t);
    hloc_instr *a = tb_param(&t, "f32[2,3]"), *b = tb_param(&t, "s32[]");
    hloc_instr *n = tb_op(&t, HLOC_OP_NEGATE, "f32[2,3]", 1, a);
    hloc_instr *tp = tb_op(&t, HLOC_OP_TUPLE, "(f32[2,3], s32[])", 2, n, b);
    hloc_instr *g = tb_op(&t, HLOC_OP_GET_TUPLE_ELEMENT, "f32[2,3]", 1, tp);
    ck_assert(verify_layouts(&t, NULL));
    /* elementwise ops may change layouts; tuple elements may not */
    n->shape.minor_to_major[0] = 0, n->shape.minor_to_major[1] = 1;
    ck_assert(tb_verify(&t, NULL));
    ck_assert(verify_layouts(&t, "'tuple.3': element 0: f32[2,3]{1,0}, expected f32[2,3]{0,1}"));
    tp->shape.elems[0].minor_to_major[0] = 0, tp->shape.elems[0].minor_to_major[1] = 1;
    ck_assert(verify_layouts(&t, "'get-tuple-element.4': result, tuple element is: f32[2,3]{1,0}, "
                                 "expected f32[2,3]{0,1}"));
    g->shape.minor_to_major[0] = 0, g->shape.minor_to_major[1] = 1;
    ck_assert(verify_layouts(&t, NULL));
    g->shape.has_layout = false;
    ck_assert(tb_verify(&t, NULL));
    ck_assert(verify_layouts(&t, "'get-tuple-element.4': f32[2,3] has no layout"));
    g->shape.has_layout = true;
    /* a callee's parameters and root carry the call's layouts */
    hloc_computation *f = tb_comp(&t, "f");
    hloc_instr *fp = tb_param(&t, "f32[2,3]");
    tb_enter(&t, t.m->entry);
    hloc_instr *call = tb_op(&t, HLOC_OP_CALL, "f32[2,3]", 1, a);
    hloc_instr_add_called(call, f);
    ck_assert(verify_layouts(&t, NULL));
    fp->shape.minor_to_major[0] = 0, fp->shape.minor_to_major[1] = 1;
    ck_assert(tb_verify(&t, NULL));
    ck_assert(verify_layouts(&t, "'call.6': parameter 0 of 'f': f32[2,3]{0,1}, expected f32[2,3]{1,0}"));
    tb_free(&t);
}
END_TEST

Suite *module_suite(void) {
    Suite *s = suite_create("verify-module");
    TCase *tc = tcase_create("module");
    tcase_add_test(tc, test_valid_and_declared_shape);
    tcase_add_test(tc, test_every_error_reported);
    tcase_add_test(tc, test_structure);
    tcase_add_test(tc, test_every_opcode_has_a_rule);
    tcase_add_test(tc, test_called_counts);
    tcase_add_test(tc, test_layout_sensitive);
    suite_add_tcase(s, tc);
    return s;
}
