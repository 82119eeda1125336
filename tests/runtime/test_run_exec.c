/* tools/run_exec.c: literals in, literals out, through the fixture .so and through in-process
 * modules whose buffers use column-major layouts (the copy must go through the layout). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "literal.h"
#include "run_exec.h"
#include "suites.h"

static void ok(hloc_status *s) {
    ck_assert_msg(!s, "%s", hloc_status_message(s));
}

static hloc_literal *f32_2x3(hloc_arena *a, float base) {
    int64_t dims[2] = {2, 3};
    hloc_shape s = hloc_shape_array(HLOC_TYPE_F32, 2, dims);
    hloc_literal *l = hloc_literal_create(a, &s);
    for (int i = 0; i < 6; i++) ((float *)l->data)[i] = base + (float)i;
    return l;
}

START_TEST(test_fixture_literals) {
    hloc_arena *a = hloc_arena_create();
    hloc_executable *e = NULL;
    ok(hloc_executable_load(fixture_path, &e));
    const hloc_literal *args[2] = {f32_2x3(a, 1), f32_2x3(a, 0.5f)};
    hloc_literal *out = NULL;
    ok(hloc_run_executable(e, args, 2, NULL, NULL, a, &out));
    ck_assert_int_eq(out->shape.type, HLOC_TYPE_TUPLE);
    ck_assert_uint_eq(out->n_elems, 2);
    for (int i = 0; i < 6; i++) ck_assert_float_eq(((float *)out->elems[0].data)[i], 1.5f + 2 * (float)i);
    ck_assert_int_eq(out->elems[1].shape.type, HLOC_TYPE_S32);
    ck_assert_int_eq(((int32_t *)out->elems[1].data)[0], 3);
    ck_assert_int_eq(((int32_t *)out->elems[1].data)[1], 3);

    /* the parameter shapes, as `hloc run MODEL.so` makes its inputs */
    hloc_shape *ps = NULL;
    uint32_t np = 0;
    ok(hloc_executable_param_shapes(e, a, &ps, &np));
    ck_assert_uint_eq(np, 2);
    ck_assert(hloc_shape_equal(&ps[1], &args[1]->shape));

    /* the module's root shape given: same values, that structure */
    hloc_shape leaves[2] = {args[0]->shape, hloc_shape_array(HLOC_TYPE_S32, 1, (int64_t[]){2})};
    hloc_shape root = {.type = HLOC_TYPE_TUPLE, .elems = leaves, .n_elems = 2};
    ok(hloc_run_executable(e, args, 2, &root, NULL, a, &out));
    ck_assert_int_eq(((int32_t *)out->elems[1].data)[1], 3);

    /* a root that is not what the metadata says */
    leaves[1] = hloc_shape_array(HLOC_TYPE_S32, 1, (int64_t[]){3});
    hloc_status *s = hloc_run_executable(e, args, 2, &root, NULL, a, &out);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "result 1 (greater) is s32[2]"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    ck_assert_ptr_null(out);

    /* a wrong argument count and a wrong argument shape: the runtime's messages */
    s = hloc_run_executable(e, args, 1, NULL, NULL, a, &out);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "takes 2 parameters, got 1"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    hloc_literal *small = hloc_literal_create(a, &(hloc_shape){.type = HLOC_TYPE_F32});
    const hloc_literal *bad[2] = {args[0], small};
    s = hloc_run_executable(e, bad, 2, NULL, NULL, a, &out);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "parameter 1 (b): expected f32[2,3] (24 bytes), got 4 bytes"),
                  "%s", hloc_status_message(s));
    hloc_status_free(s);
    hloc_executable_unload(e);
    hloc_arena_destroy(a);
}
END_TEST

/* in: s32[2,3]{0,1} (column-major), out0: s32[2,3]{1,0}, out1: s32[2,3]{0,1}; both outputs hold
 * the input's logical values, so each copy must honour its layout. */
static void relayout(const int32_t *in, int32_t *rm, int32_t *cm, const hloc_run_options *o) {
    (void)o;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            int32_t v = in[j * 2 + i];
            rm[i * 3 + j] = v;
            cm[j * 2 + i] = v;
        }
}

START_TEST(test_layouts) {
    static const int64_t dims[2] = {2, 3}, cm[2] = {0, 1}, rm[2] = {1, 0};
    static const hloc_buffer_desc p[1] = {{"in", HLOC_TYPE_S32, 2, dims, cm, 24}};
    static const hloc_buffer_desc r[2] = {{"rm", HLOC_TYPE_S32, 2, dims, rm, 24},
                                          {"cm", HLOC_TYPE_S32, 2, dims, cm, 24}};
    static const hloc_module_metadata md = {HLOC_ABI_MAGIC, HLOC_ABI_VERSION, "relayout", "host",
                                            1, 2, p, r, 0, (void (*)(void))relayout, 0, NULL, NULL};
    hloc_executable *e = NULL;
    ok(hloc_executable_wrap(&md, &e));
    hloc_arena *a = hloc_arena_create();
    hloc_shape s = hloc_shape_array(HLOC_TYPE_S32, 2, dims);
    hloc_literal *in = hloc_literal_create(a, &s);
    for (int i = 0; i < 6; i++) ((int32_t *)in->data)[i] = 10 * (i + 1);
    const hloc_literal *args[1] = {in};
    hloc_literal *out = NULL;
    ok(hloc_run_executable(e, args, 1, NULL, NULL, a, &out));
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 6; i++)
            ck_assert_int_eq(((int32_t *)out->elems[k].data)[i], 10 * (i + 1));
    /* shapes made from the descriptions keep the layout */
    hloc_shape got;
    ck_assert(hloc_shape_from_desc(&r[1], &got));
    ck_assert_int_eq(got.minor_to_major[0], 0);
    ck_assert_int_eq(got.minor_to_major[1], 1);
    ck_assert_int_eq(got.dims[1], 3);
    hloc_arena_destroy(a);
    hloc_executable_unload(e);
}
END_TEST

Suite *run_exec_suite(void) {
    Suite *s = suite_create("run_exec");
    TCase *tc = tcase_create("run_exec");
    tcase_add_test(tc, test_fixture_literals);
    tcase_add_test(tc, test_layouts);
    suite_add_tcase(s, tc);
    return s;
}
