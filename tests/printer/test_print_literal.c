/* Literal printing: XLA's round-trip float forms, specials, every element kind, nesting. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "print_internal.h"
#include "suites.h"

static hloc_arena *arena;

static void setup(void) { arena = hloc_arena_create(); }
static void teardown(void) { hloc_arena_destroy(arena); }

static hloc_literal *lit(hloc_type t, uint32_t rank, const int64_t *dims) {
    hloc_shape s = rank ? hloc_shape_array(t, rank, dims) : hloc_shape_scalar(t);
    hloc_literal *l = hloc_literal_create(arena, &s);
    ck_assert_ptr_nonnull(l);
    return l;
}

static hloc_literal *scalar_f(hloc_type t, double v) {
    hloc_literal *l = lit(t, 0, NULL);
    hloc_literal_set_f64(l, 0, v);
    return l;
}

/* A float scalar's text must be XLA's and must read back (strtod, then rounding to the type) to
 * the stored value. */
static void check_float(hloc_type t, double v, const char *want) {
    hloc_literal *l = scalar_f(t, v);
    CK_PRINTS(want, hloc_print_literal(&b_, l));
    if (isfinite(v)) {
        hloc_literal *back = scalar_f(t, strtod(want, NULL));
        ck_assert_msg(hloc_literal_equal(l, back), "%s does not read back", want);
    }
}

START_TEST(test_f32) {
    check_float(HLOC_TYPE_F32, 1.5, "1.5");
    check_float(HLOC_TYPE_F32, 0.1, "0.1");
    check_float(HLOC_TYPE_F32, 1.0 / 9.0, "0.111111112");
    check_float(HLOC_TYPE_F32, 0.13333334, "0.13333334");
    check_float(HLOC_TYPE_F32, 1e9, "1e+09");
    check_float(HLOC_TYPE_F32, -0.99999994, "-0.99999994");
    check_float(HLOC_TYPE_F32, 0, "0");
    check_float(HLOC_TYPE_F32, -0.0, "-0");
    check_float(HLOC_TYPE_F32, 3.4028234663852886e38, "3.40282347e+38");
    check_float(HLOC_TYPE_F32, 1.401298464324817e-45, "1.4013e-45");
    check_float(HLOC_TYPE_F32, INFINITY, "inf");
    check_float(HLOC_TYPE_F32, -INFINITY, "-inf");
    check_float(HLOC_TYPE_F32, NAN, "nan");
    check_float(HLOC_TYPE_F32, -NAN, "-nan");
    hloc_literal *l = lit(HLOC_TYPE_F32, 0, NULL);
    uint32_t bits = 0x7f800001u; /* signalling NaN, payload 1 */
    memcpy(l->data, &bits, 4);
    CK_PRINTS("nan(0x1)", hloc_print_literal(&b_, l));
    bits = 0xffc00002u;
    memcpy(l->data, &bits, 4);
    CK_PRINTS("-nan(0x400002)", hloc_print_literal(&b_, l));
}
END_TEST

START_TEST(test_f64) {
    check_float(HLOC_TYPE_F64, 0.1, "0.1");
    check_float(HLOC_TYPE_F64, 1.0 / 3.0, "0.33333333333333331");
    check_float(HLOC_TYPE_F64, -0.18219733238220215, "-0.18219733238220215");
    check_float(HLOC_TYPE_F64, 1e300, "1e+300");
    check_float(HLOC_TYPE_F64, 5e-324, "4.94065645841247e-324");
    check_float(HLOC_TYPE_F64, NAN, "nan");
    check_float(HLOC_TYPE_F64, -INFINITY, "-inf");
}
END_TEST

START_TEST(test_small_floats) {
    check_float(HLOC_TYPE_BF16, 3.140625, "3.141");
    check_float(HLOC_TYPE_BF16, 1.0, "1");
    check_float(HLOC_TYPE_BF16, -INFINITY, "-inf");
    check_float(HLOC_TYPE_BF16, NAN, "nan");
    check_float(HLOC_TYPE_F16, 65504, "65504");
    check_float(HLOC_TYPE_F16, 0.1, "0.099976");
    check_float(HLOC_TYPE_F16, 5.9604644775390625e-08, "5.9605e-08");
    check_float(HLOC_TYPE_F8E4M3FN, 448, "448");
    check_float(HLOC_TYPE_F8E4M3FN, 0.1, "0.102");
    check_float(HLOC_TYPE_F8E5M2, 57344, "5.7e+04");
    check_float(HLOC_TYPE_F8E5M2, INFINITY, "inf");
    check_float(HLOC_TYPE_F8E4M3FNUZ, NAN, "nan");
    check_float(HLOC_TYPE_F8E8M0FNU, 0.5, "0.5");
    check_float(HLOC_TYPE_F4E2M1FN, -6, "-6");
    check_float(HLOC_TYPE_F4E2M1FN, 1.5, "1.5");
}
END_TEST

START_TEST(test_ints_and_pred) {
    hloc_literal *l = lit(HLOC_TYPE_S8, 0, NULL);
    hloc_literal_set_i64(l, 0, -128);
    CK_PRINTS("-128", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_U64, 0, NULL);
    hloc_elem_store_u64(HLOC_TYPE_U64, l->data, UINT64_MAX);
    CK_PRINTS("18446744073709551615", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_S64, 0, NULL);
    hloc_literal_set_i64(l, 0, INT64_MIN);
    CK_PRINTS("-9223372036854775808", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_S4, 0, NULL);
    hloc_literal_set_i64(l, 0, -8);
    CK_PRINTS("-8", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_U32, 0, NULL);
    hloc_literal_set_i64(l, 0, 4294967295);
    CK_PRINTS("4294967295", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_PRED, 0, NULL);
    CK_PRINTS("false", hloc_print_literal(&b_, l));
    hloc_literal_set_i64(l, 0, 1);
    CK_PRINTS("true", hloc_print_literal(&b_, l));
    int64_t d[] = {3};
    l = lit(HLOC_TYPE_PRED, 1, d);
    hloc_literal_set_i64(l, 0, 1);
    hloc_literal_set_i64(l, 2, 1);
    CK_PRINTS("{1, 0, 1}", hloc_print_literal(&b_, l));
}
END_TEST

START_TEST(test_complex) {
    hloc_literal *l = lit(HLOC_TYPE_C64, 0, NULL);
    hloc_elem_store_c128(HLOC_TYPE_C64, l->data, 1, 0);
    CK_PRINTS("(1, 0)", hloc_print_literal(&b_, l));
    int64_t d[] = {2};
    l = lit(HLOC_TYPE_C128, 1, d);
    hloc_elem_store_c128(HLOC_TYPE_C128, hloc_literal_at(l, 0), 0.1, -2.5);
    hloc_elem_store_c128(HLOC_TYPE_C128, hloc_literal_at(l, 1), INFINITY, 1.0 / 3.0);
    CK_PRINTS("{(0.1, -2.5), (inf, 0.33333333333333331)}", hloc_print_literal(&b_, l));
}
END_TEST

START_TEST(test_nesting) {
    int64_t d1[] = {4};
    hloc_literal *l = lit(HLOC_TYPE_U32, 1, d1);
    for (int k = 0; k < 4; k++)
        hloc_literal_set_i64(l, k, 10 + k);
    CK_PRINTS("{10, 11, 12, 13}", hloc_print_literal(&b_, l));
    int64_t d2[] = {2, 2};
    l = lit(HLOC_TYPE_F32, 2, d2);
    for (int k = 0; k < 4; k++)
        hloc_literal_set_f64(l, k, k + 1);
    CK_PRINTS("{ { 1, 2 }, { 3, 4 } }", hloc_print_literal(&b_, l));
    int64_t d21[] = {2, 1};
    l = lit(HLOC_TYPE_S32, 2, d21);
    hloc_literal_set_i64(l, 1, 7);
    CK_PRINTS("{ {0}, {7} }", hloc_print_literal(&b_, l));
    int64_t d3[] = {2, 1, 2};
    l = lit(HLOC_TYPE_S32, 3, d3);
    for (int k = 0; k < 4; k++)
        hloc_literal_set_i64(l, k, k);
    CK_PRINTS("{ { { 0, 1 } }, { { 2, 3 } } }", hloc_print_literal(&b_, l));
    int64_t d4[] = {1, 2, 1, 2};
    l = lit(HLOC_TYPE_S32, 4, d4);
    for (int k = 0; k < 4; k++)
        hloc_literal_set_i64(l, k, k);
    CK_PRINTS("{ { /*i0=0*/ { /*i1=0*/ { 0, 1 } }, { /*i1=1*/ { 2, 3 } } } }",
              hloc_print_literal(&b_, l));
    int64_t d0[] = {0};
    l = lit(HLOC_TYPE_F32, 1, d0);
    CK_PRINTS("{}", hloc_print_literal(&b_, l));
    l = lit(HLOC_TYPE_F32, 1, d1);
    l->elided = true;
    CK_PRINTS("{...}", hloc_print_literal(&b_, l));
}
END_TEST

START_TEST(test_tuple_literal) {
    int64_t d[] = {2};
    hloc_shape el[2] = {hloc_shape_scalar(HLOC_TYPE_F32), hloc_shape_array(HLOC_TYPE_S32, 1, d)};
    hloc_shape t = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    t.elems = el;
    t.n_elems = 2;
    hloc_literal *l = hloc_literal_create(arena, &t);
    ck_assert_ptr_nonnull(l);
    hloc_literal_set_f64(&l->elems[0], 0, 1);
    hloc_literal_set_i64(&l->elems[1], 0, 2);
    hloc_literal_set_i64(&l->elems[1], 1, 3);
    CK_PRINTS("(1, {2, 3})", hloc_print_literal(&b_, l));
    CK_PRINTS("(f32[] 1, s32[2]{0} {2, 3})", hloc_print_literal_ex(&b_, l, true));
}
END_TEST

Suite *print_literal_suite(void) {
    Suite *s = suite_create("print_literal");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_f32);
    tcase_add_test(tc, test_f64);
    tcase_add_test(tc, test_small_floats);
    tcase_add_test(tc, test_ints_and_pred);
    tcase_add_test(tc, test_complex);
    tcase_add_test(tc, test_nesting);
    tcase_add_test(tc, test_tuple_literal);
    suite_add_tcase(s, tc);
    return s;
}
