/* Shape printing: layouts, tuples with index comments, dynamic dims, layout extras. */
#include "suites.h"

static hloc_shape arr(hloc_type t, uint32_t rank, const int64_t *dims) {
    return hloc_shape_array(t, rank, dims);
}

START_TEST(test_arrays) {
    int64_t d[] = {2, 3};
    hloc_shape s = arr(HLOC_TYPE_F32, 2, d);
    CK_PRINTS("f32[2,3]{1,0}", hloc_print_shape(&b_, &s));
    CK_PRINTS("f32[2,3]", hloc_print_shape_no_layout(&b_, &s));
    s.minor_to_major[0] = 0;
    s.minor_to_major[1] = 1;
    CK_PRINTS("f32[2,3]{0,1}", hloc_print_shape(&b_, &s));
    s.has_layout = false;
    CK_PRINTS("f32[2,3]", hloc_print_shape(&b_, &s));
    hloc_shape sc = hloc_shape_scalar(HLOC_TYPE_PRED);
    CK_PRINTS("pred[]", hloc_print_shape(&b_, &sc));
    hloc_shape tok = hloc_shape_scalar(HLOC_TYPE_TOKEN);
    CK_PRINTS("token[]", hloc_print_shape(&b_, &tok));
    int64_t z[] = {0};
    hloc_shape e = arr(HLOC_TYPE_BF16, 1, z);
    CK_PRINTS("bf16[0]{0}", hloc_print_shape(&b_, &e));
}
END_TEST

START_TEST(test_dynamic) {
    int64_t d[] = {8, -1, 3};
    hloc_shape s = arr(HLOC_TYPE_BF16, 3, d);
    s.dim_kind[0] = HLOC_DIM_BOUNDED;
    s.dim_kind[1] = HLOC_DIM_UNBOUNDED;
    CK_PRINTS("bf16[<=8,?,3]{2,1,0}", hloc_print_shape(&b_, &s));
    CK_PRINTS("bf16[<=8,?,3]", hloc_print_shape_no_layout(&b_, &s));
}
END_TEST

START_TEST(test_tuples) {
    hloc_shape el[7];
    int64_t d[] = {4};
    for (int k = 0; k < 7; k++)
        el[k] = k % 2 ? hloc_shape_scalar(HLOC_TYPE_S32) : arr(HLOC_TYPE_F32, 1, d);
    hloc_shape t = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    t.elems = el;
    t.n_elems = 7;
    CK_PRINTS("(f32[4]{0}, s32[], f32[4]{0}, s32[], f32[4]{0}, /*index=5*/s32[], f32[4]{0})",
              hloc_print_shape(&b_, &t));
    CK_PRINTS("(f32[4], s32[], f32[4], s32[], f32[4], /*index=5*/s32[], f32[4])",
              hloc_print_shape_no_layout(&b_, &t));
    hloc_shape empty = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    CK_PRINTS("()", hloc_print_shape(&b_, &empty));
    hloc_shape nested_el[2] = {empty, hloc_shape_scalar(HLOC_TYPE_TOKEN)};
    hloc_shape nested = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    nested.elems = nested_el;
    nested.n_elems = 2;
    CK_PRINTS("((), token[])", hloc_print_shape(&b_, &nested));
}
END_TEST

START_TEST(test_layout_ext) {
    int64_t d[] = {512, 128};
    hloc_shape s = arr(HLOC_TYPE_F32, 2, d);
    hloc_tile tiles[2] = {{.dims = {8, 128}, .n_dims = 2}, {.dims = {2, -1}, .n_dims = 2}};
    hloc_layout_ext e = {.tiles = tiles, .n_tiles = 1};
    s.layout_ext = &e;
    CK_PRINTS("f32[512,128]{1,0:T(8,128)}", hloc_print_shape(&b_, &s));
    CK_PRINTS("f32[512,128]", hloc_print_shape_no_layout(&b_, &s));
    e.n_tiles = 2;
    e.memory_space = 1;
    e.element_size_bits = 4;
    e.index_type = HLOC_TYPE_U32;
    e.pointer_type = HLOC_TYPE_U64;
    e.tail_padding_alignment = 2;
    e.dynamic_metadata_bytes = 8;
    e.dim_level_types = "D,C";
    e.split_configs = "0:16";
    CK_PRINTS("f32[512,128]{1,0:D(D,C)T(8,128)(2,*)L(2)#(u32)*(u64)E(4)S(1)SC(0:16)M(8)}",
              hloc_print_shape(&b_, &s));
    hloc_shape sc = hloc_shape_scalar(HLOC_TYPE_S64);
    hloc_tile t128 = {.dims = {128}, .n_dims = 1};
    hloc_layout_ext e2 = {.tiles = &t128, .n_tiles = 1};
    sc.layout_ext = &e2;
    CK_PRINTS("s64[]{:T(128)}", hloc_print_shape(&b_, &sc));
    int64_t d4[] = {200};
    hloc_shape s4 = arr(HLOC_TYPE_S4, 1, d4);
    hloc_layout_ext e3 = {.element_size_bits = 4};
    s4.layout_ext = &e3;
    CK_PRINTS("s4[200]{0:E(4)}", hloc_print_shape(&b_, &s4));
}
END_TEST

START_TEST(test_shape_str) {
    hloc_arena *a = hloc_arena_create();
    int64_t d[] = {2, 3};
    hloc_shape s = arr(HLOC_TYPE_U8, 2, d);
    ck_assert_str_eq(hloc_shape_str(a, &s), "u8[2,3]{1,0}");
    hloc_arena_destroy(a);
    hloc_print_options o = hloc_print_options_default();
    ck_assert(o.print_metadata && o.print_backend_config && o.print_percent &&
              !o.elide_large_constants);
}
END_TEST

Suite *print_shape_suite(void) {
    Suite *s = suite_create("print_shape");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_arrays);
    tcase_add_test(tc, test_dynamic);
    tcase_add_test(tc, test_tuples);
    tcase_add_test(tc, test_layout_ext);
    tcase_add_test(tc, test_shape_str);
    suite_add_tcase(s, tc);
    return s;
}
