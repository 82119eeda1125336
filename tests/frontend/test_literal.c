/* Constants: every value form XLA prints, checked element by element. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static hloc_module *mod;

static const hloc_literal *constant(const char *shape_and_value) {
    static char text[4096];
    snprintf(text, sizeof text, "HloModule m\nENTRY e {\n  ROOT c = %s\n}\n", shape_and_value);
    mod = test_parse(text);
    hloc_instr *r = mod->entry->root;
    ck_assert_int_eq(r->op, HLOC_OP_CONSTANT);
    ck_assert_ptr_nonnull(r->attrs->literal);
    return r->attrs->literal;
}

static void teardown(void) {
    hloc_module_destroy(mod);
    mod = NULL;
}

static void bad(const char *shape_and_value, const char *substr) {
    char text[4096];
    snprintf(text, sizeof text, "HloModule m\nENTRY e {\n  ROOT c = %s\n}\n", shape_and_value);
    char *msg = test_parse_error(text);
    ck_assert_msg(strstr(msg, substr), "'%s': message '%s' lacks '%s'", shape_and_value, msg,
                  substr);
    free(msg);
}

START_TEST(test_scalars) {
    const hloc_literal *l = constant("f32[] constant(1.5)");
    ck_assert_double_eq(hloc_literal_get_f64(l, 0), 1.5);
    teardown();
    l = constant("f32[] constant(-inf)");
    ck_assert(isinf(hloc_literal_get_f64(l, 0)) && hloc_literal_get_f64(l, 0) < 0);
    teardown();
    l = constant("f64[] constant(nan)");
    ck_assert(isnan(hloc_literal_get_f64(l, 0)));
    teardown();
    l = constant("pred[] constant(true)");
    ck_assert_int_eq(hloc_literal_get_i64(l, 0), 1);
    teardown();
    l = constant("s8[] constant(-128)");
    ck_assert_int_eq(hloc_literal_get_i64(l, 0), -128);
    teardown();
    l = constant("u64[] constant(18446744073709551615)");
    ck_assert(hloc_elem_load_u64(HLOC_TYPE_U64, l->data) == UINT64_MAX);
    teardown();
    l = constant("bf16[] constant(0.1)");
    ck_assert_double_eq_tol(hloc_literal_get_f64(l, 0), 0.1, 1e-3);
    teardown();
    l = constant("f16[] constant(65504)");
    ck_assert_double_eq(hloc_literal_get_f64(l, 0), 65504);
    teardown();
    l = constant("f8e4m3fn[] constant(448)");
    ck_assert_double_eq(hloc_literal_get_f64(l, 0), 448);
    teardown();
    l = constant("f32[] constant(1e-05)");
    ck_assert_double_eq_tol(hloc_literal_get_f64(l, 0), 1e-5, 1e-12);
}
END_TEST

START_TEST(test_arrays) {
    const hloc_literal *l = constant("s32[2,3]{1,0} constant({ { 1, 2, 3 }, { 4, 5, -6 } })");
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(hloc_literal_get_i64(l, i), i + 1);
    ck_assert_int_eq(hloc_literal_get_i64(l, 5), -6);
    teardown();
    /* Values are in logical row-major order whatever the layout. */
    l = constant("f32[2,2]{0,1} constant({{1, 2}, {3, 4}})");
    ck_assert_double_eq(hloc_literal_get_f64(l, 1), 2);
    teardown();
    l = constant("pred[3]{0} constant({true, false, 1})");
    ck_assert_int_eq(hloc_literal_get_i64(l, 1), 0);
    ck_assert_int_eq(hloc_literal_get_i64(l, 2), 1);
    teardown();
    l = constant("f32[0]{0} constant({})");
    ck_assert_int_eq(l->shape.dims[0], 0);
    teardown();
    l = constant("f32[1000]{0} constant({...})");
    ck_assert(l->elided);
}
END_TEST

START_TEST(test_complex_and_tuples) {
    const hloc_literal *l = constant("c64[2]{0} constant({(1, 2), (-3.5, inf)})");
    double re, im;
    hloc_elem_load_c128(HLOC_TYPE_C64, hloc_literal_at(l, 1), &re, &im);
    ck_assert_double_eq(re, -3.5);
    ck_assert(isinf(im));
    teardown();
    l = constant("(f32[], s32[2]{0}) constant((1, {7, 8}))");
    ck_assert_uint_eq(l->n_elems, 2);
    ck_assert_int_eq(hloc_literal_get_i64(&l->elems[1], 1), 8);
}
END_TEST

START_TEST(test_custom_call_literal) {
    mod = test_parse(
        "HloModule m\nENTRY e {\n  ROOT c = s32[] custom-call(), custom_call_target=\"SetBound\", "
        "literal=(s32[] 1, (f32[2]{0} {2.5, 3}, token[]))\n}\n");
    const hloc_literal *l = mod->entry->root->attrs->literal;
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(l->shape.type, HLOC_TYPE_TUPLE);
    ck_assert_uint_eq(l->n_elems, 2);
    ck_assert_int_eq(hloc_literal_get_i64(&l->elems[0], 0), 1);
    ck_assert_uint_eq(l->elems[1].shape.n_elems, 2);
    ck_assert_double_eq(hloc_literal_get_f64(&l->elems[1].elems[0], 1), 3);
    ck_assert_int_eq(l->elems[1].elems[1].shape.type, HLOC_TYPE_TOKEN);
    ck_assert_int_eq(l->shape.elems[1].elems[0].dims[0], 2);
}
END_TEST

START_TEST(test_bad_literals) {
    bad("s8[] constant(128)", "out of range for s8");
    bad("u8[] constant(-1)", "out of range for u8");
    bad("f16[] constant(1e6)", "out of range for f16");
    bad("s32[2]{0} constant({1, 2, 3})", "too many elements");
    bad("s32[3]{0} constant({1, 2})", "too few elements");
    bad("s32[] constant(1.5)", "expected an integer");
    bad("f32[] constant(abc)", "expected a number");
    bad("f64[] constant(1e999)", "out of range");
    bad("pred[] constant(2)", "pred value");
    bad("f32[2]{0} constant({1 2})", "expected ',' or '}' in constant");
    bad("f32[1000000000000]{0} constant({...})", "too large");
}
END_TEST

Suite *literal_suite(void) {
    Suite *s = suite_create("literal");
    TCase *tc = tcase_create("literal");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_scalars);
    tcase_add_test(tc, test_arrays);
    tcase_add_test(tc, test_complex_and_tuples);
    tcase_add_test(tc, test_custom_call_literal);
    tcase_add_test(tc, test_bad_literals);
    suite_add_tcase(s, tc);
    return s;
}
