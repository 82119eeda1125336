/* The conformance runner's pieces: the JSON reader, case.json loading, and the comparison rules
 * (exact integers, relative float error, NaN/Inf positions, bf16/f16 floors). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "compare.h"
#include "json.h"
#include "npy_literal.h"

static conf_json *parse_ok(hloc_arena *a, const char *text) {
    conf_json *v;
    hloc_status *st = conf_json_parse(a, text, strlen(text), "t.json", &v);
    ck_assert_msg(!st, "%s: %s", text, hloc_status_message(st));
    return v;
}

static void parse_err(const char *text, const char *want) {
    hloc_arena *a = hloc_arena_create();
    conf_json *v;
    hloc_status *st = conf_json_parse(a, text, strlen(text), "t.json", &v);
    ck_assert_msg(st != NULL, "'%s' should not parse", text);
    ck_assert_msg(strstr(hloc_status_message(st), want), "'%s': message '%s' lacks '%s'", text,
                  hloc_status_message(st), want);
    ck_assert_ptr_null(v);
    hloc_status_free(st);
    hloc_arena_destroy(a);
}

START_TEST(test_json_values) {
    hloc_arena *a = hloc_arena_create();
    conf_json *v = parse_ok(a, " {\"name\": \"a\\\"b\\u00e9\\ud83d\\ude00\", \"tol\": -1.5e-3,"
                               " \"list\": [1, [], {}, true, false, null], \"z\": 0}\n");
    ck_assert_int_eq(v->kind, CONF_JSON_OBJECT);
    ck_assert_uint_eq(v->n, 4);
    ck_assert_str_eq(conf_json_get(v, "name")->string, "a\"b\xc3\xa9\xf0\x9f\x98\x80");
    ck_assert_double_eq(conf_json_get(v, "tol")->number, -1.5e-3);
    const conf_json *l = conf_json_get(v, "list");
    ck_assert_int_eq(l->kind, CONF_JSON_ARRAY);
    ck_assert_uint_eq(l->n, 6);
    ck_assert_double_eq(l->items[0].number, 1);
    ck_assert_int_eq(l->items[1].kind, CONF_JSON_ARRAY);
    ck_assert_uint_eq(l->items[1].n, 0);
    ck_assert_int_eq(l->items[2].kind, CONF_JSON_OBJECT);
    ck_assert(l->items[3].boolean);
    ck_assert(!l->items[4].boolean);
    ck_assert_int_eq(l->items[5].kind, CONF_JSON_NULL);
    ck_assert_ptr_null(conf_json_get(v, "missing"));
    ck_assert_ptr_null(conf_json_get(l, "name"));
    /* Many elements force the item arrays to grow. */
    char big[4096] = "[";
    for (int i = 0; i < 500; i++) snprintf(big + strlen(big), sizeof big - strlen(big), "%d,", i);
    big[strlen(big) - 1] = ']';
    v = parse_ok(a, big);
    ck_assert_uint_eq(v->n, 500);
    ck_assert_double_eq(v->items[499].number, 499);
    hloc_arena_destroy(a);
}
END_TEST

START_TEST(test_json_errors) {
    parse_err("", "1:1: error: expected a value");
    parse_err("{\"a\": 1,}", "expected a string key");
    parse_err("{\"a\" 1}", "1:6: error: expected ':'");
    parse_err("[1 2]", "expected ',' or ']'");
    parse_err("{\"a\": 1", "expected ',' or '}'");
    parse_err("\"abc", "unterminated string");
    parse_err("\"a\\x\"", "bad escape");
    parse_err("\"\\u12\"", "bad \\u escape");
    parse_err("\"\\ud800\"", "unpaired surrogate");
    parse_err("\"\\u0000\"", "NUL");
    parse_err("01", "text after the value");
    parse_err("1.", "digits after '.'");
    parse_err("1e", "digits in exponent");
    parse_err("tru", "expected a value");
    parse_err("[1]\n  x", "2:3: error: text after the value");
    char deep[200];
    memset(deep, '[', 100);
    deep[100] = 0;
    parse_err(deep, "nesting too deep");
}
END_TEST

static const char *write_text(const char *name, const char *text) {
    static char path[512];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/hloc-conf-%d-%s", base && *base ? base : "/tmp", (int)getpid(),
             name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

START_TEST(test_case_load) {
    hloc_arena *a = hloc_arena_create();
    const char *p = write_text("case.json",
                               "{\"name\": \"c\", \"tolerance\": 1e-4, \"note\": \"n\",\n"
                               " \"inputs\": [{\"file\": \"in0.npy\", \"dtype\": \"bfloat16\","
                               " \"shape\": [2, 3]}],\n"
                               " \"outputs\": [{\"file\": \"out0.npy\", \"dtype\": \"bool\","
                               " \"shape\": []}]}");
    conf_case c;
    hloc_status *st = conf_case_load(a, p, &c);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_str_eq(c.name, "c");
    ck_assert_double_eq(c.tolerance, 1e-4);
    ck_assert_uint_eq(c.n_inputs, 1);
    ck_assert_str_eq(c.inputs[0].file, "in0.npy");
    ck_assert_int_eq(c.inputs[0].dtype, HLOC_NPY_BF16);
    ck_assert_int_eq(c.inputs[0].shape.type, HLOC_TYPE_BF16);
    ck_assert_uint_eq(c.inputs[0].shape.rank, 2);
    ck_assert_int_eq(c.inputs[0].shape.dims[1], 3);
    ck_assert_uint_eq(c.n_outputs, 1);
    ck_assert_int_eq(c.outputs[0].shape.type, HLOC_TYPE_PRED);
    ck_assert_uint_eq(c.outputs[0].shape.rank, 0);
    remove(p);

    struct {
        const char *text, *want;
    } bad[] = {
        {"{\"tolerance\": 1, \"inputs\": [], \"outputs\": []}", "name: missing"},
        {"{\"name\": \"c\", \"inputs\": [], \"outputs\": []}", "tolerance: missing"},
        {"{\"name\": \"c\", \"tolerance\": 1, \"outputs\": []}", "inputs: missing"},
        {"{\"name\": \"c\", \"tolerance\": 1, \"inputs\": [{\"file\": \"x\", \"dtype\": \"float8\","
         " \"shape\": []}], \"outputs\": []}",
         "inputs[0]: unknown dtype 'float8'"},
        {"{\"name\": \"c\", \"tolerance\": 1, \"inputs\": [], \"outputs\": [{\"file\": \"x\","
         " \"dtype\": \"int32\", \"shape\": [1.5]}]}",
         "outputs[0]: 'shape' must hold non-negative integers"},
        {"{\"name\": \"c\", \"tolerance\": 1, \"inputs\": [], \"outputs\": [{\"dtype\": \"int32\","
         " \"shape\": []}]}",
         "outputs[0]: 'file' missing"},
        {"[1]", "not an object"},
        {"{\"name\": ", "case.json:1:10: error: expected a value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = write_text("case.json", bad[i].text);
        st = conf_case_load(a, p, &c);
        ck_assert_msg(st != NULL, "case %zu should fail", i);
        ck_assert_msg(strstr(hloc_status_message(st), bad[i].want), "'%s' lacks '%s'",
                      hloc_status_message(st), bad[i].want);
        ck_assert_ptr_nonnull(strstr(hloc_status_message(st), p));
        hloc_status_free(st);
        remove(p);
    }
    st = conf_case_load(a, "/nonexistent/case.json", &c);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_NOT_FOUND);
    hloc_status_free(st);
    hloc_arena_destroy(a);
}
END_TEST

static hloc_literal *make_f(hloc_arena *a, hloc_type t, int64_t n, const double *v) {
    hloc_shape s = hloc_shape_array(t, 1, &n);
    hloc_literal *l = hloc_literal_create(a, &s);
    for (int64_t i = 0; i < n; i++) hloc_literal_set_f64(l, i, v[i]);
    return l;
}

static hloc_literal *make_i(hloc_arena *a, hloc_type t, int64_t n, const int64_t *v) {
    hloc_shape s = hloc_shape_array(t, 1, &n);
    hloc_literal *l = hloc_literal_create(a, &s);
    for (int64_t i = 0; i < n; i++) hloc_literal_set_i64(l, i, v[i]);
    return l;
}

START_TEST(test_compare_floats) {
    hloc_arena *a = hloc_arena_create();
    conf_compare r;
    char buf[512];
    /* Relative to max(1, max |want|) = 10: an error of 1e-3 is 1e-4. */
    double want[4] = {10, -2, 0.5, 0};
    double got[4] = {10, -2, 0.501, 0};
    hloc_literal *w = make_f(a, HLOC_TYPE_F32, 4, want);
    ck_assert(conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 4, got), w, 1.01e-4, &r));
    ck_assert(!conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 4, got), w, 0.99e-4, &r));
    ck_assert_int_eq(r.worst, 2);
    ck_assert_double_eq_tol(r.err, 1e-4, 1e-6);
    conf_compare_describe(make_f(a, HLOC_TYPE_F32, 4, got), w, &r, buf, sizeof buf);
    ck_assert_msg(strstr(buf, "worst at [2]: got 0.500999987, want 0.5"), "%s", buf);
    /* Small values: the scale is at least 1, so tiny absolute errors pass. */
    double small_w[2] = {1e-6, 0}, small_g[2] = {2e-6, 1e-6};
    ck_assert(conf_compare_arrays(make_f(a, HLOC_TYPE_F64, 2, small_g),
                                  make_f(a, HLOC_TYPE_F64, 2, small_w), 1e-5, &r));

    /* NaN and Inf must sit at the same positions; they do not enter the error. */
    double nw[3] = {NAN, INFINITY, 1}, ng[3] = {NAN, INFINITY, 1};
    ck_assert(conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 3, ng), make_f(a, HLOC_TYPE_F32, 3, nw),
                                  0, &r));
    ck_assert_double_eq(r.err, 0);
    double ng2[3] = {NAN, -INFINITY, 1};
    ck_assert(!conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 3, ng2),
                                   make_f(a, HLOC_TYPE_F32, 3, nw), 1, &r));
    ck_assert(r.worst_nonfinite);
    ck_assert_int_eq(r.worst, 1);
    double ng3[3] = {0, INFINITY, 1};
    ck_assert(!conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 3, ng3),
                                   make_f(a, HLOC_TYPE_F32, 3, nw), 1, &r));
    ck_assert_int_eq(r.worst, 0);
    double fw[2] = {1, 2}, fg[2] = {1, NAN};
    ck_assert(!conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 2, fg), make_f(a, HLOC_TYPE_F32, 2, fw),
                                   1, &r));
    conf_compare_describe(make_f(a, HLOC_TYPE_F32, 2, fg), make_f(a, HLOC_TYPE_F32, 2, fw), &r,
                          buf, sizeof buf);
    ck_assert_msg(strstr(buf, "NaN/Inf at different positions; first at [1]: got nan"), "%s", buf);

    /* bf16 and f16 floors. */
    ck_assert_double_eq(conf_tolerance_for(HLOC_TYPE_BF16, 1e-5), 8e-3);
    ck_assert_double_eq(conf_tolerance_for(HLOC_TYPE_BF16, 1e-2), 1e-2);
    ck_assert_double_eq(conf_tolerance_for(HLOC_TYPE_F16, 1e-5), 1e-3);
    ck_assert_double_eq(conf_tolerance_for(HLOC_TYPE_F32, 1e-5), 1e-5);
    double bw[1] = {1}, bg[1] = {1.0078125};
    ck_assert(conf_compare_arrays(make_f(a, HLOC_TYPE_BF16, 1, bg), make_f(a, HLOC_TYPE_BF16, 1, bw),
                                  1e-5, &r));
    ck_assert(!conf_compare_arrays(make_f(a, HLOC_TYPE_F32, 1, bg), make_f(a, HLOC_TYPE_F32, 1, bw),
                                   1e-5, &r));
    hloc_arena_destroy(a);
}
END_TEST

START_TEST(test_compare_ints_and_shapes) {
    hloc_arena *a = hloc_arena_create();
    conf_compare r;
    char buf[512];
    int64_t w[4] = {1, -2, 3, 4}, g[4] = {1, -2, 3, 5};
    ck_assert(conf_compare_arrays(make_i(a, HLOC_TYPE_S32, 4, w), make_i(a, HLOC_TYPE_S32, 4, w),
                                  1e9, &r));
    /* Integers are exact whatever the tolerance. */
    ck_assert(!conf_compare_arrays(make_i(a, HLOC_TYPE_S32, 4, g), make_i(a, HLOC_TYPE_S32, 4, w),
                                   1e9, &r));
    ck_assert_int_eq(r.worst, 3);
    conf_compare_describe(make_i(a, HLOC_TYPE_S32, 4, g), make_i(a, HLOC_TYPE_S32, 4, w), &r, buf,
                          sizeof buf);
    ck_assert_msg(strstr(buf, "1 of 4 elements differ; first at [3]: got 5, want 4"), "%s", buf);
    int64_t pw[2] = {1, 0}, pg[2] = {0, 0};
    ck_assert(!conf_compare_arrays(make_i(a, HLOC_TYPE_PRED, 2, pg),
                                   make_i(a, HLOC_TYPE_PRED, 2, pw), 0, &r));
    conf_compare_describe(make_i(a, HLOC_TYPE_PRED, 2, pg), make_i(a, HLOC_TYPE_PRED, 2, pw), &r,
                          buf, sizeof buf);
    ck_assert_msg(strstr(buf, "got false, want true"), "%s", buf);
    int64_t uw[1] = {-1}, ug[1] = {0};
    ck_assert(!conf_compare_arrays(make_i(a, HLOC_TYPE_U64, 1, ug), make_i(a, HLOC_TYPE_U64, 1, uw),
                                   0, &r));
    conf_compare_describe(make_i(a, HLOC_TYPE_U64, 1, ug), make_i(a, HLOC_TYPE_U64, 1, uw), &r, buf,
                          sizeof buf);
    ck_assert_msg(strstr(buf, "want 18446744073709551615"), "%s", buf);

    /* Type or dims differ: a shape mismatch. */
    ck_assert(!conf_compare_arrays(make_i(a, HLOC_TYPE_S64, 4, w), make_i(a, HLOC_TYPE_S32, 4, w),
                                   0, &r));
    ck_assert(r.shape_mismatch);
    conf_compare_describe(make_i(a, HLOC_TYPE_S64, 4, w), make_i(a, HLOC_TYPE_S32, 4, w), &r, buf,
                          sizeof buf);
    ck_assert_str_eq(buf, "got s64[4], want s32[4]");
    ck_assert(!conf_compare_arrays(make_i(a, HLOC_TYPE_S32, 3, w), make_i(a, HLOC_TYPE_S32, 4, w),
                                   0, &r));
    ck_assert(r.shape_mismatch);
    hloc_arena_destroy(a);
}
END_TEST

START_TEST(test_compare_complex_and_2d) {
    hloc_arena *a = hloc_arena_create();
    int64_t dims[2] = {2, 2};
    hloc_shape s = hloc_shape_array(HLOC_TYPE_C64, 2, dims);
    hloc_literal *w = hloc_literal_create(a, &s), *g = hloc_literal_create(a, &s);
    for (int i = 0; i < 4; i++) {
        hloc_elem_store_c128(HLOC_TYPE_C64, hloc_literal_at(w, i), i, -i);
        hloc_elem_store_c128(HLOC_TYPE_C64, hloc_literal_at(g, i), i, i == 2 ? -2.5 : -i);
    }
    conf_compare r;
    ck_assert(!conf_compare_arrays(g, w, 1e-3, &r));
    ck_assert_int_eq(r.worst, 2);
    char buf[512];
    conf_compare_describe(g, w, &r, buf, sizeof buf);
    ck_assert_msg(strstr(buf, "worst at [1,0]: got (2-2.5j), want (2-2j)"), "%s", buf);
    hloc_arena_destroy(a);
}
END_TEST

/* npy ↔ literal: dtype and shape checks name the parameter, bf16 takes float32 files. */
START_TEST(test_npy_literal) {
    hloc_arena *a = hloc_arena_create();
    float v[6] = {1, 2, 3, 4, 5, 1.00390625f};
    hloc_npy_array n = {.dtype = HLOC_NPY_F32, .rank = 2, .dims = {2, 3}, .data = v, .nbytes = 24};
    int64_t dims[2] = {2, 3};
    hloc_shape f32 = hloc_shape_array(HLOC_TYPE_F32, 2, dims);
    hloc_literal *l;
    hloc_status *st = hloc_literal_from_npy(a, &n, &f32, "parameter 0 (x)", &l);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_double_eq(hloc_literal_get_f64(l, 4), 5);
    hloc_shape bf = hloc_shape_array(HLOC_TYPE_BF16, 2, dims);
    st = hloc_literal_from_npy(a, &n, &bf, "parameter 0 (x)", &l);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_double_eq(hloc_literal_get_f64(l, 5), 1.0);
    hloc_npy_array back;
    st = hloc_literal_to_npy(l, &back);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(back.dtype, HLOC_NPY_BF16);
    ck_assert_uint_eq(back.nbytes, 12);
    hloc_npy_free(&back);

    hloc_shape s32 = hloc_shape_array(HLOC_TYPE_S32, 2, dims);
    st = hloc_literal_from_npy(a, &n, &s32, "parameter 1 (y)", &l);
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(hloc_status_message(st), "parameter 1 (y): expected s32[2,3] (a int32 of shape "
                                              "(2, 3) array), got float32 of shape (2, 3)");
    hloc_status_free(st);
    int64_t d6 = 6;
    hloc_shape flat = hloc_shape_array(HLOC_TYPE_F32, 1, &d6);
    st = hloc_literal_from_npy(a, &n, &flat, "p", &l);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "expected f32[6]"));
    hloc_status_free(st);
    hloc_shape s4 = hloc_shape_array(HLOC_TYPE_S4, 2, dims);
    st = hloc_literal_from_npy(a, &n, &s4, "p", &l);
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(hloc_status_message(st), "p: expected s4[2,3] (a int8 of shape (2, 3) array), "
                                              "got float32 of shape (2, 3)");
    hloc_status_free(st);
    hloc_shape token = hloc_shape_scalar(HLOC_TYPE_TOKEN);
    st = hloc_literal_from_npy(a, &n, &token, "p", &l);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "cannot be read from a .npy file"));
    hloc_status_free(st);

    /* Leaves of nested tuples, depth first. */
    hloc_shape leaves[2] = {hloc_shape_scalar(HLOC_TYPE_S32), f32};
    hloc_shape inner = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    inner.elems = leaves;
    inner.n_elems = 2;
    hloc_shape outer_elems[2] = {inner, hloc_shape_scalar(HLOC_TYPE_PRED)};
    hloc_shape outer = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    outer.elems = outer_elems;
    outer.n_elems = 2;
    hloc_literal *t = hloc_literal_create(a, &outer);
    const hloc_literal *got[3];
    ck_assert_uint_eq(hloc_literal_leaves(t, got, 3), 3);
    ck_assert_int_eq(got[0]->shape.type, HLOC_TYPE_S32);
    ck_assert_int_eq(got[1]->shape.type, HLOC_TYPE_F32);
    ck_assert_int_eq(got[2]->shape.type, HLOC_TYPE_PRED);
    hloc_arena_destroy(a);
}
END_TEST

int main(void) {
    Suite *s = suite_create("conformance");
    TCase *tc = tcase_create("pieces");
    tcase_add_test(tc, test_json_values);
    tcase_add_test(tc, test_json_errors);
    tcase_add_test(tc, test_case_load);
    tcase_add_test(tc, test_compare_floats);
    tcase_add_test(tc, test_compare_ints_and_shapes);
    tcase_add_test(tc, test_compare_complex_and_2d);
    tcase_add_test(tc, test_npy_literal);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
