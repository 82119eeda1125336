/* Element codecs, checked against values worked out by hand from the formats' definitions. */
#include <math.h>
#include <stdint.h>

#include "element.h"
#include "suites.h"

START_TEST(test_bf16_rounding) {
    /* 1 + 2^-8 is exactly halfway between bf16 1.0 (0x3f80) and 1.0078125 (0x3f81): ties to even. */
    ck_assert_uint_eq(hloc_f32_to_bf16(1.0f + 1.0f / 256), 0x3f80);
    /* 1 + 3·2^-8 is halfway between 0x3f81 and 0x3f82: ties to even gives 0x3f82. */
    ck_assert_uint_eq(hloc_f32_to_bf16(1.0f + 3.0f / 256), 0x3f82);
    ck_assert_uint_eq(hloc_f32_to_bf16(INFINITY), 0x7f80);
    ck_assert_uint_eq(hloc_f32_to_bf16(-INFINITY), 0xff80);
    ck_assert(isnan(hloc_bf16_to_f32(hloc_f32_to_bf16(NAN))));
    /* Largest f32 rounds up to bf16 inf. */
    ck_assert_uint_eq(hloc_f32_to_bf16(3.4028234663852886e38f), 0x7f80);
    ck_assert(hloc_bf16_to_f32(0x4049) == 3.140625f);
}
END_TEST

START_TEST(test_f16) {
    ck_assert_uint_eq(hloc_f64_to_f16(1.0), 0x3c00);
    ck_assert_uint_eq(hloc_f64_to_f16(65504.0), 0x7bff);
    ck_assert_uint_eq(hloc_f64_to_f16(65520.0), 0x7c00); /* halfway to 2^16 rounds to inf */
    ck_assert_uint_eq(hloc_f64_to_f16(5.960464477539063e-08), 0x0001); /* smallest subnormal */
    ck_assert_uint_eq(hloc_f64_to_f16(-0.0), 0x8000);
    ck_assert(hloc_f16_to_f64(0x3555) == 0.333251953125);
}
END_TEST

START_TEST(test_f8) {
    ck_assert(hloc_minifloat_decode(HLOC_TYPE_F8E4M3FN, 0x7e) == 448.0);
    ck_assert(isnan(hloc_minifloat_decode(HLOC_TYPE_F8E4M3FN, 0x7f)));
    ck_assert_uint_eq(hloc_minifloat_encode(HLOC_TYPE_F8E4M3FN, 1000.0), 0x7f); /* no inf: NaN */
    ck_assert_uint_eq(hloc_minifloat_encode(HLOC_TYPE_F8E5M2, 1.0), 0x3c);
    ck_assert(isnan(hloc_minifloat_decode(HLOC_TYPE_F8E5M2FNUZ, 0x80)));
    ck_assert(hloc_minifloat_decode(HLOC_TYPE_F4E2M1FN, 0x7) == 6.0);
    ck_assert(hloc_minifloat_decode(HLOC_TYPE_F8E8M0FNU, 127) == 1.0);
}
END_TEST

START_TEST(test_int_store) {
    unsigned char b[8];
    hloc_elem_store_i64(HLOC_TYPE_S4, b, 9); /* 0b1001 → -7 */
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_S4, b), -7);
    hloc_elem_store_f64(HLOC_TYPE_S8, b, 1e9); /* saturates */
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_S8, b), 127);
    hloc_elem_store_f64(HLOC_TYPE_S32, b, NAN); /* NaN → 0 */
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_S32, b), 0);
    hloc_elem_store_f64(HLOC_TYPE_U8, b, -5.0);
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_U8, b), 0);
    hloc_elem_store_f64(HLOC_TYPE_PRED, b, NAN); /* float → pred is x != 0 */
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_PRED, b), 1);
    hloc_elem_store_i64(HLOC_TYPE_U16, b, -1);
    ck_assert_int_eq(hloc_elem_load_i64(HLOC_TYPE_U16, b), 65535);
}
END_TEST

Suite *element_suite(void) {
    Suite *s = suite_create("element");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_bf16_rounding);
    tcase_add_test(tc, test_f16);
    tcase_add_test(tc, test_f8);
    tcase_add_test(tc, test_int_store);
    suite_add_tcase(s, tc);
    return s;
}
