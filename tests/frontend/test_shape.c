/* Shapes and layouts through hloc_parse_shape. */
#include <string.h>

#include "parser.h"
#include "suites.h"

static hloc_arena *arena;
static void setup(void) { arena = hloc_arena_create(); }
static void teardown(void) { hloc_arena_destroy(arena); }

static hloc_shape ok(const char *text) {
    hloc_shape s;
    hloc_status *st = hloc_parse_shape(text, arena, &s);
    ck_assert_msg(st == NULL, "%s: %s", text, hloc_status_message(st));
    return s;
}

static void bad(const char *text, const char *substr) {
    hloc_shape s;
    hloc_status *st = hloc_parse_shape(text, arena, &s);
    ck_assert_msg(st != NULL, "%s parsed", text);
    ck_assert_msg(strstr(hloc_status_message(st), substr), "%s: message '%s' lacks '%s'", text,
                  hloc_status_message(st), substr);
    hloc_status_free(st);
}

START_TEST(test_arrays) {
    hloc_shape s = ok("f32[2,3]{1,0}");
    ck_assert_int_eq(s.type, HLOC_TYPE_F32);
    ck_assert_int_eq(s.rank, 2);
    ck_assert_int_eq(s.dims[1], 3);
    ck_assert(s.has_layout);
    ck_assert(hloc_shape_has_default_layout(&s));
    s = ok("bf16[4,5]{0,1}");
    ck_assert_int_eq(s.minor_to_major[0], 0);
    ck_assert_int_eq(s.minor_to_major[1], 1);
    s = ok("s32[7]");
    ck_assert(!s.has_layout); /* not written: printed back without one */
    s = ok("pred[]");
    ck_assert(s.has_layout);
    ck_assert_int_eq(s.rank, 0);
    s = ok("token[]");
    ck_assert_int_eq(s.type, HLOC_TYPE_TOKEN);
    s = ok("f8e4m3fn[1]{0}");
    ck_assert_int_eq(s.type, HLOC_TYPE_F8E4M3FN);
}
END_TEST

START_TEST(test_dynamic) {
    hloc_shape s = ok("f32[?,784]{1,0}");
    ck_assert_int_eq(s.dim_kind[0], HLOC_DIM_UNBOUNDED);
    ck_assert_int_eq(s.dims[0], -1);
    s = ok("f32[4,<=4]");
    ck_assert_int_eq(s.dim_kind[1], HLOC_DIM_BOUNDED);
    ck_assert_int_eq(s.dims[1], 4);
    ck_assert(!hloc_shape_is_static(&s));
}
END_TEST

START_TEST(test_tuples) {
    hloc_shape s = ok("(f32[2]{0}, (s32[], pred[]), ())");
    ck_assert_int_eq(s.type, HLOC_TYPE_TUPLE);
    ck_assert_uint_eq(s.n_elems, 3);
    ck_assert_uint_eq(s.elems[1].n_elems, 2);
    ck_assert_int_eq(s.elems[1].elems[1].type, HLOC_TYPE_PRED);
    ck_assert_uint_eq(s.elems[2].n_elems, 0);
}
END_TEST

START_TEST(test_layout_extras) {
    hloc_shape s = ok("f32[512,128]{1,0:T(8,128)(2,1)}");
    ck_assert_ptr_nonnull(s.layout_ext);
    ck_assert_uint_eq(s.layout_ext->n_tiles, 2);
    ck_assert_int_eq(s.layout_ext->tiles[0].dims[1], 128);
    ck_assert_int_eq(s.layout_ext->tiles[1].dims[0], 2);
    s = ok("s64[]{:T(128)}");
    ck_assert_uint_eq(s.layout_ext->n_tiles, 1);
    s = ok("s4[200]{0:E(4)}");
    ck_assert_int_eq(s.layout_ext->element_size_bits, 4);
    s = ok("f32[8]{0:T(2,*)L(4)#(u32)*(u64)E(32)S(1)M(16)}");
    ck_assert_int_eq(s.layout_ext->tiles[0].dims[1], -1);
    ck_assert_int_eq(s.layout_ext->tail_padding_alignment, 4);
    ck_assert_int_eq(s.layout_ext->index_type, HLOC_TYPE_U32);
    ck_assert_int_eq(s.layout_ext->pointer_type, HLOC_TYPE_U64);
    ck_assert_int_eq(s.layout_ext->memory_space, 1);
    ck_assert_int_eq(s.layout_ext->dynamic_metadata_bytes, 16);
    s = ok("f32[8]{0:D(C)SC(0:1)}");
    ck_assert_str_eq(s.layout_ext->dim_level_types, "C");
    ck_assert_str_eq(s.layout_ext->split_configs, "0:1");
}
END_TEST

START_TEST(test_bad_shapes) {
    bad("f33[2]", "expected a shape");
    bad("f32[2,3]{1}", "layout has 1 dimensions but the shape has rank 2");
    bad("f32[2,3]{1,1}", "repeated");
    bad("f32[2]{3}", "out of range");
    bad("f32[-1]", "negative");
    bad("f32[2", "expected ',' or ']'");
    bad("(f32[], s32[]", "expected ',' or ')' in tuple shape");
    bad("f32[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "more than 16");
    bad("f32[2]{0:Q(1)}", "layout attribute");
    bad("f32[] x", "end of input");
    char deep[2000];
    memset(deep, '(', sizeof deep - 1);
    deep[sizeof deep - 1] = 0;
    bad(deep, "nest deeper than 256");
}
END_TEST

Suite *shape_parse_suite(void) {
    Suite *s = suite_create("shape_parse");
    TCase *tc = tcase_create("shape_parse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_arrays);
    tcase_add_test(tc, test_dynamic);
    tcase_add_test(tc, test_tuples);
    tcase_add_test(tc, test_layout_extras);
    tcase_add_test(tc, test_bad_shapes);
    suite_add_tcase(s, tc);
    return s;
}
