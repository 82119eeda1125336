/* Transcendental functions as straight-line, vectorizable IR for f32 (polynomial and rational
 * approximations from Cephes and Eigen, the ones XLA's CPU backend uses), so that hot loops make no
 * libm calls. f64 and the rarer functions call libm, which AOT objects may depend on. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cg.h"

LLVMValueRef cg_intrinsic_t(cg *c, const char *name, LLVMTypeRef const *types, unsigned n_types,
                            LLVMValueRef const *args, unsigned n) {
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (!id) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: unknown intrinsic %s", name);
        return args[0];
    }
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(c->mod, id, (LLVMTypeRef *)types, n_types);
    LLVMTypeRef ft = LLVMIntrinsicGetType(c->ctx, id, (LLVMTypeRef *)types, n_types);
    return LLVMBuildCall2(c->b, ft, fn, (LLVMValueRef *)args, n, "");
}

LLVMValueRef cg_intrinsic(cg *c, const char *name, LLVMValueRef const *args, unsigned n) {
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    return cg_intrinsic_t(c, name, &t, 1, args, n);
}

LLVMValueRef cg_libm(cg *c, const char *name, LLVMValueRef const *args, unsigned n) {
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    char full[32];
    snprintf(full, sizeof full, "%s%s", name, t == c->t_f32 ? "f" : "");
    LLVMValueRef fn = LLVMGetNamedFunction(c->mod, full);
    LLVMTypeRef at[2] = {t, t};
    LLVMTypeRef ft = LLVMFunctionType(t, at, n, 0);
    if (!fn) fn = LLVMAddFunction(c->mod, full, ft);
    return LLVMBuildCall2(c->b, ft, fn, (LLVMValueRef *)args, n, "");
}

static bool is_f32(cg *c, LLVMValueRef x) { return LLVMTypeOf(x) == c->t_f32; }
static LLVMValueRef K(cg *c, double v) { return LLVMConstReal(c->t_f32, v); }
static LLVMValueRef f_mul(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFMul(c->b, a, b, ""); }
static LLVMValueRef f_add(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFAdd(c->b, a, b, ""); }
static LLVMValueRef f_sub(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFSub(c->b, a, b, ""); }
static LLVMValueRef sel(cg *c, LLVMValueRef p, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(c->b, p, a, b, "");
}
static LLVMValueRef fcmp(cg *c, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildFCmp(c->b, p, a, b, "");
}
/* Horner: coef[0]*x^(n-1) + ... + coef[n-1]. */
static LLVMValueRef horner(cg *c, LLVMValueRef x, const double *coef, int n) {
    LLVMValueRef r = K(c, coef[0]);
    for (int k = 1; k < n; k++) r = f_add(c, f_mul(c, r, x), K(c, coef[k]));
    return r;
}
/* min/max that keep a NaN x (clamping is then a no-op for NaN and it propagates). */
static LLVMValueRef clampf(cg *c, LLVMValueRef x, double lo, double hi) {
    x = sel(c, fcmp(c, LLVMRealOLT, x, K(c, lo)), K(c, lo), x);
    return sel(c, fcmp(c, LLVMRealOGT, x, K(c, hi)), K(c, hi), x);
}
/* 2^n for an i32 n in [-126, 127]. */
static LLVMValueRef pow2i(cg *c, LLVMValueRef n) {
    LLVMValueRef e = LLVMBuildShl(c->b, LLVMBuildAdd(c->b, n, LLVMConstInt(c->t_i32, 127, 0), ""),
                                  LLVMConstInt(c->t_i32, 23, 0), "");
    return LLVMBuildBitCast(c->b, e, c->t_f32, "");
}

LLVMValueRef cg_math_exp(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "exp", &x, 1);
    /* Cephes expf: x = n·ln2 + r, |r| <= ln2/2, e^r by a degree-7 polynomial. The scale 2^n is
     * applied in two halves so that results near the overflow and subnormal ranges are right. */
    LLVMValueRef xc = clampf(c, x, -104.0, 89.0);
    LLVMValueRef fx = cg_intrinsic(c, "llvm.roundeven", (LLVMValueRef[]){f_mul(c, xc, K(c, 1.44269504088896341))}, 1);
    LLVMValueRef r = f_sub(c, xc, f_mul(c, fx, K(c, 0.693359375)));
    r = f_sub(c, r, f_mul(c, fx, K(c, -2.12194440e-4)));
    static const double p[] = {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3,
                               4.1665795894E-2, 1.6666665459E-1, 5.0000001201E-1};
    LLVMValueRef z = f_mul(c, r, r);
    LLVMValueRef y = f_add(c, f_add(c, f_mul(c, horner(c, r, p, 6), z), r), K(c, 1.0));
    LLVMValueRef n = LLVMBuildFPToSI(c->b, fx, c->t_i32, "");
    LLVMValueRef n1 = LLVMBuildAShr(c->b, n, LLVMConstInt(c->t_i32, 1, 0), "");
    LLVMValueRef n2 = LLVMBuildSub(c->b, n, n1, "");
    y = f_mul(c, f_mul(c, y, pow2i(c, n1)), pow2i(c, n2));
    return sel(c, fcmp(c, LLVMRealUNO, x, x), x, y);
}

LLVMValueRef cg_math_log(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "log", &x, 1);
    LLVMBuilderRef b = c->b;
    LLVMTypeRef i32 = c->t_i32;
    /* Subnormals: scale into the normal range first. */
    LLVMValueRef sub = fcmp(c, LLVMRealOLT, x, K(c, 0x1p-126));
    LLVMValueRef xs = sel(c, sub, f_mul(c, x, K(c, 0x1p23)), x);
    LLVMValueRef bits = LLVMBuildBitCast(b, xs, i32, "");
    LLVMValueRef e = LLVMBuildSub(b, LLVMBuildLShr(b, bits, LLVMConstInt(i32, 23, 0), ""),
                                  LLVMConstInt(i32, 126, 0), "");
    e = LLVMBuildSub(b, e, sel(c, sub, LLVMConstInt(i32, 23, 0), LLVMConstInt(i32, 0, 0)), "");
    LLVMValueRef mb = LLVMBuildOr(b, LLVMBuildAnd(b, bits, LLVMConstInt(i32, 0x807fffff, 0), ""),
                                  LLVMConstInt(i32, 0x3f000000, 0), "");
    LLVMValueRef m = LLVMBuildBitCast(b, mb, c->t_f32, ""); /* in [0.5, 1) */
    LLVMValueRef lt = fcmp(c, LLVMRealOLT, m, K(c, 0.707106781186547524));
    LLVMValueRef fe = LLVMBuildSIToFP(b, e, c->t_f32, "");
    fe = sel(c, lt, f_sub(c, fe, K(c, 1.0)), fe);
    m = sel(c, lt, f_sub(c, f_add(c, m, m), K(c, 1.0)), f_sub(c, m, K(c, 1.0)));
    static const double p[] = {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                               -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                               2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1};
    LLVMValueRef z = f_mul(c, m, m);
    LLVMValueRef y = f_mul(c, f_mul(c, horner(c, m, p, 9), m), z);
    y = f_add(c, y, f_mul(c, fe, K(c, -2.12194440e-4)));
    y = f_sub(c, y, f_mul(c, z, K(c, 0.5)));
    LLVMValueRef r = f_add(c, m, y);
    r = f_add(c, r, f_mul(c, fe, K(c, 0.693359375)));
    /* Special values: log(0) = -inf, log(<0) = NaN, log(inf) = inf, NaN stays. */
    r = sel(c, fcmp(c, LLVMRealOEQ, x, K(c, INFINITY)), K(c, INFINITY), r);
    r = sel(c, fcmp(c, LLVMRealOEQ, x, K(c, 0.0)), K(c, -INFINITY), r);
    r = sel(c, fcmp(c, LLVMRealULT, x, K(c, 0.0)), K(c, NAN), r);
    return r;
}

LLVMValueRef cg_math_tanh(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "tanh", &x, 1);
    /* Eigen's rational approximation (13/6), exact to a few ulp on [-7.9, 7.9]; beyond that
     * tanh rounds to ±1. */
    LLVMValueRef xc = clampf(c, x, -7.90531110763549805, 7.90531110763549805);
    static const double a[] = {-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
                               5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04,
                               4.89352455891786e-03};
    static const double bq[] = {1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
                                4.89352518554385e-03};
    LLVMValueRef x2 = f_mul(c, xc, xc);
    LLVMValueRef p = f_mul(c, horner(c, x2, a, 7), xc);
    LLVMValueRef q = horner(c, x2, bq, 4);
    LLVMValueRef r = LLVMBuildFDiv(c->b, p, q, "");
    LLVMValueRef ax = cg_intrinsic(c, "llvm.fabs", &x, 1);
    return sel(c, fcmp(c, LLVMRealOLT, ax, K(c, 0.0004)), x, r);
}

LLVMValueRef cg_math_erf(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "erf", &x, 1);
    /* Eigen's rational approximation on [-4, 4]; erf rounds to ±1 in f32 outside. */
    LLVMValueRef xc = clampf(c, x, -4.0, 4.0);
    static const double a[] = {-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                               -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                               -1.60960333262415e-02};
    static const double bq[] = {-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                                -7.37332916720468e-03, -1.42647390514189e-02};
    LLVMValueRef x2 = f_mul(c, xc, xc);
    LLVMValueRef p = f_mul(c, horner(c, x2, a, 7), xc);
    LLVMValueRef q = horner(c, x2, bq, 5);
    return LLVMBuildFDiv(c->b, p, q, "");
}

/* Shared by sin and cos: reduces x by multiples of pi/2 in f64 (exact enough for |x| < 2^24),
 * returns r in [-pi/4, pi/4] as f32 and the quadrant j & 3 as i32. */
static void reduce_pio2(cg *c, LLVMValueRef x, LLVMValueRef *r, LLVMValueRef *q, LLVMValueRef *finite) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef ax = cg_intrinsic(c, "llvm.fabs", &x, 1);
    *finite = fcmp(c, LLVMRealOLT, ax, K(c, INFINITY));
    LLVMValueRef xs = sel(c, *finite, x, K(c, 0.0));
    LLVMValueRef xd = LLVMBuildFPExt(b, xs, c->t_f64, "");
    LLVMValueRef jd = cg_intrinsic(c, "llvm.roundeven",
                                   (LLVMValueRef[]){LLVMBuildFMul(b, xd, LLVMConstReal(c->t_f64, 0.63661977236758134308), "")}, 1);
    LLVMValueRef rd = LLVMBuildFSub(b, xd, LLVMBuildFMul(b, jd, LLVMConstReal(c->t_f64, 1.57079632673412561417e+00), ""), "");
    rd = LLVMBuildFSub(b, rd, LLVMBuildFMul(b, jd, LLVMConstReal(c->t_f64, 6.07710050650619224932e-11), ""), "");
    *r = LLVMBuildFPTrunc(b, rd, c->t_f32, "");
    LLVMValueRef j = LLVMBuildFPToSI(b, jd, c->t_i64, "");
    *q = LLVMBuildTrunc(b, LLVMBuildAnd(b, j, cg_const_i64(c, 3), ""), c->t_i32, "");
}

static void sincos_poly(cg *c, LLVMValueRef r, LLVMValueRef *s, LLVMValueRef *co) {
    static const double sp[] = {-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1};
    static const double cp[] = {2.443315711809948E-5, -1.388731625493765E-3, 4.166664568298827E-2};
    LLVMValueRef z = f_mul(c, r, r);
    *s = f_add(c, r, f_mul(c, f_mul(c, r, z), horner(c, z, sp, 3)));
    *co = f_add(c, f_sub(c, K(c, 1.0), f_mul(c, z, K(c, 0.5))), f_mul(c, f_mul(c, z, z), horner(c, z, cp, 3)));
}

static LLVMValueRef sin_cos(cg *c, LLVMValueRef x, bool want_cos) {
    LLVMValueRef r, q, finite, s, co;
    reduce_pio2(c, x, &r, &q, &finite);
    sincos_poly(c, r, &s, &co);
    if (want_cos) q = LLVMBuildAdd(c->b, q, LLVMConstInt(c->t_i32, 1, 0), ""); /* cos x = sin(x + pi/2) */
    LLVMValueRef q1 = LLVMBuildTrunc(c->b, q, c->t_i1, "");
    LLVMValueRef q2 = LLVMBuildTrunc(c->b, LLVMBuildLShr(c->b, q, LLVMConstInt(c->t_i32, 1, 0), ""), c->t_i1, "");
    LLVMValueRef v = sel(c, q1, co, s);
    v = sel(c, q2, LLVMBuildFNeg(c->b, v, ""), v);
    return sel(c, finite, v, K(c, NAN));
}

LLVMValueRef cg_math_sin(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "sin", &x, 1);
    return sin_cos(c, x, false);
}

LLVMValueRef cg_math_cos(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "cos", &x, 1);
    return sin_cos(c, x, true);
}
