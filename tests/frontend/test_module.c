/* Module-level structure: header attributes, stack-frame tables, entry choice, headerless modules,
 * forward references, called computation order, locations. */
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static hloc_module *mod;
static void teardown(void) {
    hloc_module_destroy(mod);
    mod = NULL;
}

START_TEST(test_header) {
    mod = test_parse("HloModule jit_f, is_scheduled=true, "
                     "entry_computation_layout={(f32[2,3]{1,0}, s32[])->(f32[3]{0}, f32[2,3]{1,0})}, "
                     "input_output_alias={ {1}: (0, {}, may-alias) }, buffer_donor={ (1, {}) }, "
                     "replica_count=2, "
                     "num_partitions=1, frontend_attributes={a=\"b\"}, "
                     "allow_spmd_sharding_propagation_to_output={true}\n"
                     "\n"
                     "FileNames\n1 \"gen.py\"\n2 \"b.py\"\n\n"
                     "FunctionNames\n1 \"<lambda>\"\n\n"
                     "FileLocations\n1 {file_name_id=1 function_name_id=1 line=117 end_line=118 "
                     "column=30 end_column=51}\n\n"
                     "StackFrames\n1 {file_location_id=1 parent_frame_id=0}\n2 {file_location_id=1 "
                     "parent_frame_id=1}\n\n"
                     "ENTRY %main.5 (Arg_0.1: f32[2,3], Arg_1.2: s32[]) -> (f32[3], f32[2,3]) {\n"
                     "  %Arg_0.1 = f32[2,3]{1,0} parameter(0)\n"
                     "  %Arg_1.2 = s32[] parameter(1)\n"
                     "  %sl = f32[1,3]{1,0} slice(f32[2,3]{1,0} %Arg_0.1), slice={[0:1], [0:3]}\n"
                     "  %r = f32[3]{0} reshape(%sl)\n"
                     "  ROOT %t = (f32[3]{0}, f32[2,3]) tuple(%r, %Arg_0.1), /*index=0*/ sharding={{replicated}}\n"
                     "}, execution_thread=\"main\"\n");
    ck_assert_str_eq(mod->name, "jit_f");
    ck_assert_int_eq(mod->is_scheduled, 1);
    ck_assert(mod->has_entry_layout);
    ck_assert_uint_eq(mod->n_entry_params, 2);
    ck_assert_int_eq(mod->entry_param_shapes[1].type, HLOC_TYPE_S32);
    ck_assert_int_eq(mod->entry_result_shape.type, HLOC_TYPE_TUPLE);
    ck_assert_str_eq(mod->input_output_alias, "{ {1}: (0, {}, may-alias) }");
    ck_assert_uint_eq(mod->n_io_aliases, 1);
    ck_assert_uint_eq(mod->io_aliases[0].output_index.n, 1);
    ck_assert_int_eq(mod->io_aliases[0].output_index.v[0], 1);
    ck_assert_int_eq(mod->io_aliases[0].param_number, 0);
    ck_assert_uint_eq(mod->io_aliases[0].param_index.n, 0);
    ck_assert(!mod->io_aliases[0].must_alias);
    ck_assert_str_eq(mod->buffer_donor, "{ (1, {}) }");
    ck_assert_str_eq(mod->frontend_attributes, "{a=\"b\"}");
    ck_assert_int_eq(mod->replica_count, 2);
    ck_assert_int_eq(mod->num_partitions, 1);
    ck_assert_uint_eq(mod->n_extra, 1);
    ck_assert_str_eq(mod->extra[0].name, "allow_spmd_sharding_propagation_to_output");
    ck_assert_str_eq(mod->extra[0].value, "{true}");
    ck_assert_uint_eq(mod->n_file_names, 2);
    ck_assert_str_eq(mod->file_names[1], "b.py");
    ck_assert_str_eq(mod->function_names[0], "<lambda>");
    ck_assert_uint_eq(mod->n_file_locations, 1);
    ck_assert_int_eq(mod->file_locations[0].end_line, 118);
    ck_assert_int_eq(mod->file_locations[0].column, 30);
    ck_assert_uint_eq(mod->n_stack_frames, 2);
    ck_assert_int_eq(mod->stack_frames[1].parent_frame_id, 1);
    hloc_computation *e = mod->entry;
    ck_assert_str_eq(e->name, "main.5");
    ck_assert(e->is_entry && e->has_signature);
    ck_assert_str_eq(e->execution_thread, "main");
    ck_assert_uint_eq(e->n_params, 2);
    ck_assert_str_eq(e->root->name, "t");
    ck_assert_uint_eq(e->loc.line, 17);
    ck_assert_uint_eq(e->loc.col, 7);
    ck_assert_uint_eq(e->root->loc.line, 22);
    ck_assert_uint_eq(e->root->loc.col, 8);
    ck_assert_str_eq(hloc_attrs_extra(e->root->attrs, "sharding"), "{{replicated}}");
}
END_TEST

START_TEST(test_headerless_and_entry) {
    /* No ENTRY: the last computation is the entry; no ROOT: the last instruction is the root. */
    mod = test_parse("f {\n  p = f32[] parameter(0)\n  n = f32[] negate(p)\n}\n"
                     "g {\n  p = f32[] parameter(0)\n  ROOT c = f32[] call(p), to_apply=f\n  x = "
                     "f32[] negate(p)\n}\n");
    ck_assert_str_eq(mod->name, "module_g");
    ck_assert_str_eq(mod->entry->name, "g");
    ck_assert(mod->entry->is_entry);
    ck_assert_str_eq(mod->comps[0]->root->name, "n");
    ck_assert_str_eq(mod->entry->root->name, "c");
}
END_TEST

START_TEST(test_forward_computation) {
    /* A computation used before its definition: resolved, and callees are ordered first. */
    mod = test_parse("HloModule m\nENTRY e {\n  p = f32[] parameter(0)\n  ROOT c = f32[] call(p), "
                     "to_apply=f\n}\n"
                     "f {\n  p = f32[] parameter(0)\n  ROOT n = f32[] negate(p)\n}\n");
    ck_assert_str_eq(mod->comps[0]->name, "f");
    ck_assert_str_eq(mod->comps[1]->name, "e");
    ck_assert_ptr_eq(mod->entry->root->called[0], mod->comps[0]);
    ck_assert_str_eq(mod->entry->name, "e");
}
END_TEST

START_TEST(test_conditional_order) {
    mod = test_parse("HloModule m\n"
                     "t { p = f32[] parameter(0)\n ROOT n = f32[] negate(p) }\n"
                     "f { p = f32[] parameter(0)\n ROOT n = f32[] abs(p) }\n"
                     "ENTRY e { b = pred[] parameter(0)\n x = f32[] parameter(1)\n"
                     " c1 = f32[] conditional(b, x, x), false_computation=f, true_computation=t\n"
                     " i = s32[] parameter(2)\n"
                     " ROOT c2 = f32[] conditional(i, x, x), branch_computations={f, t}\n}\n");
    hloc_instr *c1 = test_find(mod, "c1"), *c2 = test_find(mod, "c2");
    ck_assert_str_eq(c1->called[0]->name, "t");
    ck_assert_str_eq(c1->called[1]->name, "f");
    ck_assert_str_eq(c2->called[0]->name, "f");
    ck_assert_str_eq(c2->called[1]->name, "t");
    ck_assert_uint_eq(c1->n_operands, 3);
}
END_TEST

START_TEST(test_users) {
    mod = test_parse("ENTRY e {\n  p = f32[] parameter(0)\n  a = f32[] add(p, p)\n  ROOT m = f32[] "
                     "multiply(a, p)\n}\n");
    hloc_instr *p = test_find(mod, "p");
    ck_assert_uint_eq(p->n_users, 2);
    ck_assert_uint_eq(test_find(mod, "a")->n_operands, 2);
}
END_TEST

START_TEST(test_inferred_shapes) {
    /* Shapes may be left out where XLA infers them. */
    mod = test_parse("HloModule m\nENTRY e {\n  p = f32[4,8]{1,0} parameter(0)\n  a = add(p, p)\n"
                     "  t = tuple(a, p)\n  ROOT g = get-tuple-element(t), index=1\n}\n");
    hloc_instr *a = test_find(mod, "a"), *t = test_find(mod, "t"), *g = test_find(mod, "g");
    ck_assert_int_eq(a->shape.type, HLOC_TYPE_F32);
    ck_assert_int_eq(a->shape.rank, 2);
    ck_assert_int_eq(a->shape.dims[1], 8);
    ck_assert_int_eq(t->shape.type, HLOC_TYPE_TUPLE);
    ck_assert_uint_eq(t->shape.n_elems, 2);
    ck_assert(hloc_shape_equal_ignoring_layout(&g->shape, &test_find(mod, "p")->shape));
    teardown();
    char *msg =
        test_parse_error("ENTRY e {\n  p = f32[4]{0} parameter(0)\n  ROOT c = convert(p)\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:3:12: error: the shape of 'c' must be written"), "%s", msg);
    free(msg);
    msg = test_parse_error(
        "ENTRY e {\n  p = f32[4]{0} parameter(0)\n  a = negate(q)\n  q = f32[4]{0} negate(p)\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:3:7: error: cannot infer the shape of 'a'"), "%s", msg);
    free(msg);
    msg = test_parse_error("ENTRY e {\n  p = f32[4]{0} parameter(0)\n  q = s32[] parameter(1)\n  "
                           "ROOT a = add(p, q)\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:4:12: error: cannot infer the shape of 'a' (write it): "),
                  "%s", msg);
    free(msg);
}
END_TEST

START_TEST(test_inline_computations) {
    /* `to_apply={...}`: a computation written in place, named after its caller. */
    mod = test_parse(
        "HloModule m\nENTRY e {\n  p = f32[4]{0} parameter(0)\n  z = f32[] constant(0)\n"
        "  ROOT r = f32[] reduce(p, z), dimensions={0}, to_apply={\n"
        "    a = f32[] parameter(0)\n    b = f32[] parameter(1)\n    ROOT s = f32[] add(a, b)\n  "
        "}\n"
        "  c = pred[] parameter(1)\n"
        "  k = f32[] conditional(c, z, z), branch_computations={{ ROOT x = f32[] parameter(0) }, "
        "{ y = f32[] parameter(0)\n ROOT n = f32[] negate(y) }}\n"
        "}\n");
    hloc_instr *r = test_find(mod, "r"), *k = test_find(mod, "k");
    ck_assert_uint_eq(r->n_called, 1);
    ck_assert_str_eq(r->called[0]->name, "r.to_apply");
    ck_assert_str_eq(r->called[0]->root->name, "s");
    ck_assert_uint_eq(r->called[0]->loc.line, 5);
    ck_assert_uint_eq(k->n_called, 2);
    ck_assert_str_eq(k->called[0]->name, "k.branch_computations");
    ck_assert_str_eq(k->called[1]->name, "k.branch_computations.1");
    ck_assert_str_eq(k->called[1]->root->name, "n");
    ck_assert_ptr_eq(mod->comps[mod->n_comps - 1], mod->entry); /* callees first */
    /* It prints as named computations, which parse back. */
    char *text = NULL;
    hloc_status *st = hloc_module_print(mod, &text);
    ck_assert_ptr_null(st);
    hloc_module *again = test_parse(text);
    ck_assert_uint_eq(again->n_comps, 4);
    hloc_module_destroy(again);
    free(text);
}
END_TEST

START_TEST(test_nested_operands) {
    /* XLA's `operand ::= shape? opcode operands`: an instruction written in place of an operand. */
    mod = test_parse("HloModule m\nENTRY e {\n  x = f32[2]{0} parameter(0)\n"
                     "  constant = f32[] constant(7)\n"
                     "  ROOT r = f32[2]{0} add(x, f32[2]{0} broadcast(f32[] constant(1)))\n}\n");
    hloc_instr *r = test_find(mod, "r");
    ck_assert_uint_eq(r->n_operands, 2);
    hloc_instr *b = r->operands[1];
    ck_assert_int_eq(b->op, HLOC_OP_BROADCAST);
    ck_assert_int_eq(b->operands[0]->op, HLOC_OP_CONSTANT);
    ck_assert_str_ne(b->operands[0]->name, "constant"); /* generated names avoid the text's */
    ck_assert_double_eq(hloc_literal_get_f64(b->operands[0]->attrs->literal, 0), 1);
    ck_assert_uint_eq(b->loc.line, 5);
    ck_assert_uint_eq(b->loc.col, 39);
    ck_assert_uint_eq(mod->entry->n_instrs, 5);
}
END_TEST

START_TEST(test_async_sugar) {
    /* `<op>-start/-update/-done` stand for async ops around a computation wrapping <op>. */
    mod = test_parse("HloModule m\nENTRY e {\n  p = f32[4]{0} parameter(0)\n"
                     "  s = ((f32[4]{0}), f32[4]{0}, s32[]) custom-call-start(p), "
                     "custom_call_target=\"foo\", async_execution_thread=\"t\"\n"
                     "  u = ((f32[4]{0}), f32[4]{0}, s32[]) custom-call-update(s)\n"
                     "  ROOT d = f32[4]{0} custom-call-done(u)\n}\n");
    hloc_instr *st = test_find(mod, "s");
    ck_assert_int_eq(st->op, HLOC_OP_ASYNC_START);
    ck_assert_int_eq(test_find(mod, "u")->op, HLOC_OP_ASYNC_UPDATE);
    ck_assert_int_eq(test_find(mod, "d")->op, HLOC_OP_ASYNC_DONE);
    ck_assert_uint_eq(st->n_called, 1);
    hloc_computation *w = st->called[0];
    ck_assert_str_eq(w->name, "s.wrapped");
    ck_assert_uint_eq(w->n_params, 1);
    ck_assert_int_eq(w->root->op, HLOC_OP_CUSTOM_CALL);
    ck_assert_str_eq(w->root->attrs->custom_call_target, "foo");
    ck_assert_str_eq(hloc_attrs_extra(st->attrs, "async_execution_thread"), "\"t\"");
    ck_assert_ptr_null(hloc_attrs_extra(w->root->attrs, "async_execution_thread"));
    ck_assert_ptr_eq(mod->comps[0], w);
    teardown();
    char *msg = test_parse_error("ENTRY e {\n  p = f32[4]{0} parameter(0)\n"
                                 "  ROOT s = f32[4]{0} negate-start(p)\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:3:22: error: 's' must have a tuple shape"), "%s", msg);
    free(msg);
}
END_TEST

Suite *module_suite(void) {
    Suite *s = suite_create("module");
    TCase *tc = tcase_create("module");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_headerless_and_entry);
    tcase_add_test(tc, test_forward_computation);
    tcase_add_test(tc, test_conditional_order);
    tcase_add_test(tc, test_users);
    tcase_add_test(tc, test_inferred_shapes);
    tcase_add_test(tc, test_inline_computations);
    tcase_add_test(tc, test_nested_operands);
    tcase_add_test(tc, test_async_sugar);
    suite_add_tcase(s, tc);
    return s;
}
