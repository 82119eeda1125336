/* rng-bit-generator (Philox, Threefry, rng_default) and rng (uniform, normal): the cpu backend
 * must produce the evaluator's bits exactly, for every output type width, odd and even dims (the
 * Threefry halves split), scalars, and 2- and 3-word Philox states. */
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define RBG(NAME, STATE, BITS, ALG)                                                                \
    {                                                                                              \
        NAME,                                                                                      \
            "HloModule " NAME "\nENTRY main {\n  s = u64[" STATE "] parameter(0)\n"                \
            "  ROOT r = (u64[" STATE "], " BITS ") rng-bit-generator(s), algorithm=" ALG "\n}\n",  \
            0, 0                                                                                   \
    }

static const ops_case rbg_cases[] = {
    RBG("philox_u32", "2", "u32[4,5]", "rng_philox"),
    RBG("philox_u32_odd", "2", "u32[3,7]", "rng_philox"),
    RBG("philox_u64", "2", "u64[5]", "rng_philox"),
    RBG("philox_state3", "3", "u32[9]", "rng_philox"),
    RBG("philox_state4_s64", "4", "s64[3,3]", "rng_philox"),
    RBG("philox_f32", "2", "f32[6]", "rng_philox"),
    RBG("philox_bf16", "2", "bf16[2,3]", "rng_philox"),
    RBG("philox_u8", "2", "u8[7]", "rng_philox"),
    RBG("philox_s16", "2", "s16[1,5]", "rng_philox"),
    RBG("philox_f64", "2", "f64[3]", "rng_philox"),
    RBG("philox_scalar", "2", "u32[]", "rng_philox"),
    RBG("default_u32", "2", "u32[8]", "rng_default"),
    RBG("threefry_u32_even", "2", "u32[4,6]", "rng_three_fry"),
    RBG("threefry_u32_odd", "2", "u32[3,5]", "rng_three_fry"),
    RBG("threefry_u32_odd_then_even", "2", "u32[3,1,4]", "rng_three_fry"),
    RBG("threefry_u64", "2", "u64[2,3]", "rng_three_fry"),
    RBG("threefry_f64", "2", "f64[5]", "rng_three_fry"),
    RBG("threefry_s8", "2", "s8[7]", "rng_three_fry"),
    RBG("threefry_f32", "2", "f32[1]", "rng_three_fry"),
    RBG("threefry_scalar", "2", "u32[]", "rng_three_fry"),
    RBG("threefry_empty", "2", "u32[0,3]", "rng_three_fry"),
    {"philox_layout",
     "HloModule philox_layout\nENTRY main {\n  s = u64[2] parameter(0)\n"
     "  ROOT r = (u64[2]{0}, u32[3,5]{0,1}) rng-bit-generator(s), algorithm=rng_philox\n}\n",
     0, 0},
    {"threefry_layout",
     "HloModule threefry_layout\nENTRY main {\n  s = u64[2] parameter(0)\n"
     "  ROOT r = (u64[2]{0}, u32[3,4]{0,1}) rng-bit-generator(s), algorithm=rng_three_fry\n}\n",
     0, 0},
    {"philox_consumed",
     "HloModule philox_consumed\nENTRY main {\n  s = u64[2] parameter(0)\n"
     "  r = (u64[2], u32[16]) rng-bit-generator(s), algorithm=rng_philox\n"
     "  b = u32[16] get-tuple-element(r), index=1\n  n = u64[2] get-tuple-element(r), index=0\n"
     "  r2 = (u64[2], u32[16]) rng-bit-generator(n), algorithm=rng_philox\n"
     "  b2 = u32[16] get-tuple-element(r2), index=1\n"
     "  ROOT x = u32[16] xor(b, b2)\n}\n",
     0, 0},
};

START_TEST(test_rng_bit_generator) {
    ops_check_all(rbg_cases, sizeof rbg_cases / sizeof *rbg_cases);
}
END_TEST

#define RNG(NAME, T, DIMS, DIST)                                                                   \
    {                                                                                              \
        NAME,                                                                                      \
            "HloModule " NAME "\nENTRY main {\n  a = " T "[] parameter(0)\n  b = " T               \
            "[] parameter(1)\n"                                                                    \
            "  ROOT r = " T DIMS " rng(a, b), distribution=" DIST "\n}\n",                         \
            0, 0                                                                                   \
    }

static const ops_case rng_cases[] = {
    RNG("uniform_f32", "f32", "[4,5]", "rng_uniform"),
    RNG("uniform_f64", "f64", "[7]", "rng_uniform"),
    RNG("uniform_f16", "f16", "[3,3]", "rng_uniform"),
    RNG("uniform_bf16", "bf16", "[5]", "rng_uniform"),
    RNG("uniform_s32", "s32", "[2,9]", "rng_uniform"),
    RNG("uniform_u32", "u32", "[6]", "rng_uniform"),
    RNG("uniform_s64", "s64", "[5]", "rng_uniform"),
    RNG("uniform_scalar", "f32", "[]", "rng_uniform"),
    RNG("normal_f32", "f32", "[4,5]", "rng_normal"),
    RNG("normal_f32_odd", "f32", "[3,5]", "rng_normal"),
    RNG("normal_f64", "f64", "[3,2]", "rng_normal"),
    RNG("normal_bf16", "bf16", "[7]", "rng_normal"),
    RNG("normal_scalar", "f32", "[]", "rng_normal"),
    RNG("normal_3d", "f32", "[3,4,5]", "rng_normal"),
    RNG("normal_layout", "f32", "[3,4,5]{0,2,1}", "rng_normal"),
    RNG("uniform_layout", "s32", "[5,3]{0,1}", "rng_uniform"),
};

START_TEST(test_rng) { ops_check_all(rng_cases, sizeof rng_cases / sizeof *rng_cases); }
END_TEST

/* rng-get-and-update-state has no evaluator kernel and no codegen: a clear error naming it. */
START_TEST(test_unsupported_opcode) {
    const char *msg =
        ops_compile_error("HloModule u\nENTRY main {\n"
                          "  ROOT s = u64[2] rng-get-and-update-state(), delta=4\n}\n");
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, "cpu codegen does not support") &&
                      strstr(msg, "rng-get-and-update-state") && strstr(msg, "unsupported.hlo:3:8"),
                  "%s", msg);
}
END_TEST

Suite *codegen_ops_rng_suite(void) {
    Suite *s = suite_create("codegen_ops_rng");
    TCase *tc = tcase_create("rng");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_rng_bit_generator);
    tcase_add_test(tc, test_rng);
    tcase_add_test(tc, test_unsupported_opcode);
    suite_add_tcase(s, tc);
    return s;
}
