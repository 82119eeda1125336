/* The f8 and f4 element types on cpu against the evaluator: converts from and to f32, f64, f16,
 * bf16, integers and pred over dense value ranges (every rounding tie, subnormals, overflow) and
 * the specials (±0, ±inf, NaN); arithmetic through f32; dot and reduce on f8 operands. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "element.h"
#include "ops.h"

static const char *const f8_types[] = {"f8e5m2",        "f8e4m3",     "f8e4m3fn",
                                       "f8e4m3b11fnuz", "f8e5m2fnuz", "f8e4m3fnuz",
                                       "f8e3m4",        "f8e8m0fnu",  "f4e2m1fn"};
enum { N_TYPES = sizeof f8_types / sizeof *f8_types };

/* Values |scale| · (iota(4096) − 2048) in |src|, converted to t and back to f32 (and to f64). */
static void ramp_case(ops_case *c, char *name, size_t nc, char *text, size_t tc, const char *t,
                      const char *src, const char *scale) {
    snprintf(name, nc, "ramp_%s_%s_%s", src, t, scale);
    snprintf(text, tc,
             "HloModule m\nENTRY main {\n  i = s32[4096] iota(), iota_dimension=0\n"
             "  h = s32[] constant(2048)\n  hb = s32[4096] broadcast(h), dimensions={}\n"
             "  j = s32[4096] subtract(i, hb)\n  x = %s[4096] convert(j)\n"
             "  k = %s[] constant(%s)\n  kb = %s[4096] broadcast(k), dimensions={}\n"
             "  y = %s[4096] multiply(x, kb)\n  q = %s[4096] convert(y)\n"
             "  a = f32[4096] convert(q)\n  b = f64[4096] convert(q)\n  ROOT r = (f32[4096], "
             "f64[4096]) tuple(a, b)\n}\n",
             src, src, scale, src, src, t);
    *c = (ops_case){name, text, 0, 0};
}

START_TEST(test_convert_ramps) {
    /* step sizes that land on every representable value and every tie of each format, below the
     * smallest normal, and past the largest finite value */
    static const char *const scales[] = {
        "0.0009765625", "0.00390625",          "0.015625",     "0.0625", "0.25", "8",
        "64",           "0.00000762939453125", "1.00048828125"};
    enum { NS = sizeof scales / sizeof *scales, N = N_TYPES * (NS + 2) };
    static ops_case cs[N];
    static char names[N][96], texts[N][1024];
    unsigned n = 0;
    for (unsigned t = 0; t < N_TYPES; t++) {
        for (unsigned s = 0; s < NS; s++, n++)
            ramp_case(&cs[n], names[n], sizeof names[n], texts[n], sizeof texts[n], f8_types[t],
                      "f32", scales[s]);
        /* from f64: a single rounding of values an f32 could not hold */
        ramp_case(&cs[n], names[n], sizeof names[n], texts[n], sizeof texts[n], f8_types[t], "f64",
                  "0.0156250000000001");
        n++;
        ramp_case(&cs[n], names[n], sizeof names[n], texts[n], sizeof texts[n], f8_types[t], "f64",
                  "30.00000001");
        n++;
    }
    ops_check_all(cs, n);
}
END_TEST

START_TEST(test_convert_specials_and_types) {
    enum { N = N_TYPES * 4 };
    static ops_case cs[N];
    static char names[N][96], texts[N][1400];
    unsigned n = 0;
    for (unsigned t = 0; t < N_TYPES; t++) {
        const char *ty = f8_types[t];
        bool f4 = !strcmp(ty, "f4e2m1fn");
        snprintf(names[n], sizeof names[n], "specials_%s", ty);
        snprintf(
            texts[n], sizeof texts[n],
            "HloModule m\nENTRY main {\n"
            "  c = f32[16] constant({0, -0, %s, -inf, nan, -nan, 1e-30, -1e-30, 1e30, -1e30, 0.5, "
            "-3, "
            "448, 464, 57344, 61440})\n"
            "  q = %s[16] convert(c)\n  a = f32[16] convert(q)\n  u = %s[16] bitcast-convert(q)\n"
            "  v = %s[16] bitcast-convert(u)\n  w = %s[16] bitcast-convert(v)\n"
            "  ROOT r = (f32[16], %s[16]) tuple(a, w)\n}\n",
            "inf", ty, f4 ? "u4" : "u8", ty, f4 ? "u4" : "u8", f4 ? "u4" : "u8");
        cs[n] = (ops_case){names[n], texts[n], 0, 0};
        n++;
        /* to and from every other kind of type, from random parameters */
        snprintf(names[n], sizeof names[n], "types_%s", ty);
        snprintf(
            texts[n], sizeof texts[n],
            "HloModule m\nENTRY main {\n  p = f32[6,7] parameter(0)\n  s = s32[6,7] parameter(1)\n"
            "  q = %s[6,7] convert(p)\n  qs = %s[6,7] convert(s)\n"
            "  h = f16[6,7] convert(q)\n  b = bf16[6,7] convert(q)\n  i = s32[6,7] convert(q)\n"
            "  u = u8[6,7] convert(qs)\n  pr = pred[6,7] convert(q)\n  d = f64[6,7] convert(qs)\n"
            "  hq = %s[6,7] convert(h)\n  bq = %s[6,7] convert(b)\n  prq = %s[6,7] convert(pr)\n"
            "  cq = c64[6,7] convert(q)\n"
            "  ROOT r = (f16[6,7], bf16[6,7], s32[6,7], u8[6,7], pred[6,7], f64[6,7], %s[6,7], "
            "%s[6,7], "
            "%s[6,7], c64[6,7]) tuple(h, b, i, u, pr, d, hq, bq, prq, cq)\n}\n",
            ty, ty, ty, ty, ty, ty, ty, ty);
        cs[n] = (ops_case){names[n], texts[n], 0, 0};
        n++;
        /* arithmetic through f32, rounded at each step */
        snprintf(names[n], sizeof names[n], "arith_%s", ty);
        snprintf(
            texts[n], sizeof texts[n],
            "HloModule m\nENTRY main {\n  a = %s[5,8] parameter(0)\n  b = %s[5,8] parameter(1)\n"
            "  s = %s[5,8] add(a, b)\n  m = %s[5,8] multiply(s, a)\n  d = %s[5,8] divide(m, b)\n"
            "  x = %s[5,8] maximum(d, a)\n  n = %s[5,8] negate(x)\n  ab = %s[5,8] abs(n)\n"
            "  ROOT r = (%s[5,8], %s[5,8], %s[5,8], %s[5,8]) tuple(s, m, d, ab)\n}\n",
            ty, ty, ty, ty, ty, ty, ty, ty, ty, ty, ty, ty);
        cs[n] = (ops_case){names[n], texts[n], 0, OPS_NAN};
        n++;
        /* every code: its value, and its bits back unchanged through a copy */
        snprintf(names[n], sizeof names[n], "codes_%s", ty);
        snprintf(texts[n], sizeof texts[n],
                 "HloModule m\nENTRY main {\n  i = %s[%d] iota(), iota_dimension=0\n"
                 "  q = %s[%d] bitcast-convert(i)\n  a = f32[%d] convert(q)\n  k = %s[%d] copy(q)\n"
                 "  u = %s[%d] bitcast-convert(k)\n  ROOT r = (f32[%d], %s[%d]) tuple(a, u)\n}\n",
                 f4 ? "u4" : "u8", f4 ? 16 : 256, ty, f4 ? 16 : 256, f4 ? 16 : 256, ty,
                 f4 ? 16 : 256, f4 ? "u4" : "u8", f4 ? 16 : 256, f4 ? 16 : 256, f4 ? "u4" : "u8",
                 f4 ? 16 : 256);
        cs[n] = (ops_case){names[n], texts[n], 0, 0};
        n++;
    }
    ops_check_all(cs, n);
}
END_TEST

static const ops_case misc[] = {
    {"dot_f8e4m3fn",
     "HloModule m\nENTRY main {\n  a = f8e4m3fn[4,8] parameter(0)\n  b = f8e4m3fn[8,3] "
     "parameter(1)\n"
     "  ROOT d = f32[4,3] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n}\n",
     1e-6, 0},
    {"dot_f8e5m2_out_f8",
     "HloModule m\nENTRY main {\n  a = f8e5m2[2,5] parameter(0)\n  b = f8e5m2[5,2] parameter(1)\n"
     "  ROOT d = f8e5m2[2,2] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n}\n",
     0.13, 0},
    {"exp_f8e4m3fn",
     "HloModule m\nENTRY main {\n  a = f8e4m3fn[64] parameter(0)\n  ROOT e = f8e4m3fn[64] "
     "exponential(a)\n}\n",
     0.07, 0},
    {"reduce_max_f8e5m2",
     "HloModule m\nmx {\n  x = f8e5m2[] parameter(0)\n  y = f8e5m2[] parameter(1)\n"
     "  ROOT m = f8e5m2[] maximum(x, y)\n}\nENTRY main {\n  a = f8e5m2[6,9] parameter(0)\n"
     "  z = f8e5m2[] constant(-inf)\n  ROOT r = f8e5m2[6] reduce(a, z), dimensions={1}, "
     "to_apply=mx\n}\n",
     0, 0},
    {"select_compare_f4",
     "HloModule m\nENTRY main {\n  a = f4e2m1fn[10] parameter(0)\n  b = f4e2m1fn[10] parameter(1)\n"
     "  c = pred[10] compare(a, b), direction=LT\n  ROOT s = f4e2m1fn[10] select(c, a, b)\n}\n",
     0, 0},
    {"constant_f8",
     "HloModule m\nENTRY main {\n  a = f8e4m3fn[4] constant({1.5, -2, 0.125, 448})\n  b = "
     "f8e4m3fn[4] parameter(0)\n"
     "  ROOT s = f8e4m3fn[4] add(a, b)\n}\n",
     0, 0},
};

/* NaN codes of one minifloat converted to every other: never a finite value */
START_TEST(test_nan_across_types) {
    /* f8e8m0fnu has no infinity: the evaluator's encoder gives its NaN, as ml_dtypes does */
    ck_assert_uint_eq(hloc_minifloat_encode(HLOC_TYPE_F8E8M0FNU, INFINITY), 0xff);
    enum { N = N_TYPES };
    static ops_case cs[N];
    static char names[N][64], texts[N][2048];
    for (unsigned f = 0; f < N_TYPES; f++) {
        const char *from = f8_types[f];
        bool f4 = !strcmp(from, "f4e2m1fn");
        int len = snprintf(texts[f], sizeof texts[f],
                           "HloModule m\nENTRY main {\n  i = %s[%d] iota(), iota_dimension=0\n"
                           "  q = %s[%d] bitcast-convert(i)\n",
                           f4 ? "u4" : "u8", f4 ? 16 : 256, from, f4 ? 16 : 256);
        for (unsigned t = 0; t < N_TYPES; t++)
            len += snprintf(texts[f] + len, sizeof texts[f] - (size_t)len,
                            "  c%u = %s[%d] convert(q)\n  f%u = f32[%d] convert(c%u)\n", t,
                            f8_types[t], f4 ? 16 : 256, t, f4 ? 16 : 256, t);
        len += snprintf(texts[f] + len, sizeof texts[f] - (size_t)len, "  ROOT r = (");
        for (unsigned t = 0; t < N_TYPES; t++)
            len += snprintf(texts[f] + len, sizeof texts[f] - (size_t)len, "%sf32[%d]",
                            t ? ", " : "", f4 ? 16 : 256);
        len += snprintf(texts[f] + len, sizeof texts[f] - (size_t)len, ") tuple(");
        for (unsigned t = 0; t < N_TYPES; t++)
            len +=
                snprintf(texts[f] + len, sizeof texts[f] - (size_t)len, "%sf%u", t ? ", " : "", t);
        snprintf(texts[f] + len, sizeof texts[f] - (size_t)len, ")\n}\n");
        snprintf(names[f], sizeof names[f], "across_%s", from);
        cs[f] = (ops_case){names[f], texts[f], 0, 0};
    }
    ops_check_all(cs, N);
}
END_TEST

START_TEST(test_fp8_ops) { ops_check_all(misc, sizeof misc / sizeof *misc); }
END_TEST

Suite *codegen_ops_fp8_suite(void) {
    Suite *s = suite_create("codegen_ops_fp8");
    TCase *tc = tcase_create("fp8");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_convert_ramps);
    tcase_add_test(tc, test_convert_specials_and_types);
    tcase_add_test(tc, test_fp8_ops);
    tcase_add_test(tc, test_nan_across_types);
    suite_add_tcase(s, tc);
    return s;
}
