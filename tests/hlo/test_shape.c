/* Shapes: element counts, default layouts, equality, tuple paths. */
#include "shape.h"
#include "suites.h"

START_TEST(test_array_basics) {
    int64_t dims[] = {2, 3, 4};
    hloc_shape s = hloc_shape_array(HLOC_TYPE_F32, 3, dims);
    ck_assert_int_eq(hloc_shape_elements(&s), 24);
    ck_assert_uint_eq(hloc_shape_bytes(&s), 96);
    ck_assert(s.has_layout);
    ck_assert_int_eq(s.minor_to_major[0], 2);
    ck_assert_int_eq(s.minor_to_major[2], 0);
    ck_assert(hloc_shape_has_default_layout(&s));
    s.minor_to_major[0] = 0;
    s.minor_to_major[2] = 2;
    ck_assert(!hloc_shape_has_default_layout(&s));
    hloc_shape t = hloc_shape_array(HLOC_TYPE_F32, 3, dims);
    ck_assert(!hloc_shape_equal(&s, &t));
    ck_assert(hloc_shape_equal_ignoring_layout(&s, &t));
}
END_TEST

START_TEST(test_types) {
    ck_assert_str_eq(hloc_type_name(HLOC_TYPE_BF16), "bf16");
    ck_assert_int_eq(hloc_type_from_name("f8e4m3fn", 8), HLOC_TYPE_F8E4M3FN);
    ck_assert_int_eq(hloc_type_from_name("f33", 3), HLOC_TYPE_INVALID);
    ck_assert_uint_eq(hloc_type_bytes(HLOC_TYPE_C128), 16);
    ck_assert(hloc_type_is_signed_int(HLOC_TYPE_S4));
    ck_assert(!hloc_type_is_int(HLOC_TYPE_PRED));
    ck_assert(!hloc_type_is_array(HLOC_TYPE_TOKEN));
}
END_TEST

START_TEST(test_tuple_paths) {
    hloc_arena *a = hloc_arena_create();
    hloc_shape leaves[2] = {hloc_shape_scalar(HLOC_TYPE_S32), hloc_shape_scalar(HLOC_TYPE_F32)};
    hloc_shape inner = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    inner.elems = leaves;
    inner.n_elems = 2;
    hloc_shape outer_elems[2] = {hloc_shape_scalar(HLOC_TYPE_PRED), inner};
    hloc_shape outer = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    outer.elems = outer_elems;
    outer.n_elems = 2;
    hloc_shape c = hloc_shape_clone(a, &outer);
    ck_assert(hloc_shape_equal(&c, &outer));
    ck_assert_uint_eq(hloc_shape_n_leaves(&c), 3);
    int64_t path[] = {1, 1};
    const hloc_shape *sub = hloc_shape_subshape(&c, path, 2);
    ck_assert_ptr_nonnull(sub);
    ck_assert_int_eq(sub->type, HLOC_TYPE_F32);
    int64_t bad[] = {2};
    ck_assert_ptr_null(hloc_shape_subshape(&c, bad, 1));
    hloc_arena_destroy(a);
}
END_TEST

Suite *shape_suite(void) {
    Suite *s = suite_create("shape");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_array_basics);
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_tuple_paths);
    suite_add_tcase(s, tc);
    return s;
}
