/* Transcendental functions as straight-line, vectorizable IR for f32 (polynomial and rational
 * approximations from Cephes and Eigen, the ones XLA's CPU backend uses), so that hot loops make no
 * libm calls. Each takes a scalar or a vector of f32 (an explicitly vectorized loop body);
 * polynomials use llvm.fmuladd, which is one FMA where the target has it. f64 and the rarer
 * functions call libm, which AOT objects may depend on.
 *
 * Max error against libm in double over dense sweeps, as tests/math/test_ulp.c measures and
 * checks it (with FMA): exp 0.89 ulp (every f32 near its overflow and underflow edges
 * included) with AVX2's table of 8, 0.98 ulp with AVX-512's table of 16 (2.45 ulp for results
 * above 2^127.97, in the last 0.03 before overflow), log 0.78 ulp, logistic 2.4 ulp (2.9 with
 * the table of 16), sin/cos 1.6 ulp on [-8192, 8192] (the f64 argument
 * reduction holds to 2^24), rsqrt 1.5 ulp (correctly rounded sqrt, then a divide); tanh 4.7 ulp
 * (2.4 ulp on (0, 1]) and erf 5.6 ulp, both where the result is within 3e-7 of ±1 (the rational
 * approximations' limit; tanh is exactly ±1 from |x| = 8.0177 on, where its clamp starts, and
 * never above 1, with or without FMA).
 * Results below 2^-126 flush to zero (FTZ, as XLA). */
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

/* The types an approximation works in: f32 and i32, or vectors of them with |w| lanes. */
typedef struct fm {
    cg *c;
    LLVMTypeRef f, i, d, l; /* f32, i32, f64, i64 (each a vector when w > 0) */
    unsigned w;
} fm;

static LLVMTypeRef lanes(LLVMTypeRef el, unsigned w) { return w ? LLVMVectorType(el, w) : el; }

static fm fm_of(cg *c, LLVMValueRef x) {
    LLVMTypeRef t = LLVMTypeOf(x);
    unsigned w = LLVMGetTypeKind(t) == LLVMVectorTypeKind ? LLVMGetVectorSize(t) : 0;
    return (fm){c, lanes(c->t_f32, w), lanes(c->t_i32, w), lanes(c->t_f64, w), lanes(c->t_i64, w), w};
}

static bool is_f32(cg *c, LLVMValueRef x) {
    LLVMTypeRef t = LLVMTypeOf(x);
    if (LLVMGetTypeKind(t) == LLVMVectorTypeKind) t = LLVMGetElementType(t);
    return t == c->t_f32;
}

static LLVMValueRef splat(unsigned w, LLVMValueRef s) {
    if (!w) return s;
    LLVMValueRef e[64];
    for (unsigned k = 0; k < w && k < 64; k++) e[k] = s;
    return LLVMConstVector(e, w < 64 ? w : 64);
}
static LLVMValueRef K(fm *m, double v) { return splat(m->w, LLVMConstReal(m->c->t_f32, v)); }
static LLVMValueRef KD(fm *m, double v) { return splat(m->w, LLVMConstReal(m->c->t_f64, v)); }
static LLVMValueRef KI(fm *m, long long v) { return splat(m->w, LLVMConstInt(m->c->t_i32, (unsigned long long)v, 1)); }
static LLVMValueRef f_mul(fm *m, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFMul(m->c->b, a, b, ""); }
static LLVMValueRef f_add(fm *m, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFAdd(m->c->b, a, b, ""); }
static LLVMValueRef f_sub(fm *m, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildFSub(m->c->b, a, b, ""); }
/* a*b + c, fused where the target has FMA. */
static LLVMValueRef f_fma(fm *m, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
    return cg_intrinsic(m->c, "llvm.fmuladd", (LLVMValueRef[]){a, b, c}, 3);
}
static LLVMValueRef sel(fm *m, LLVMValueRef p, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(m->c->b, p, a, b, "");
}
static LLVMValueRef fcmp(fm *m, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildFCmp(m->c->b, p, a, b, "");
}
/* Horner: coef[0]*x^(n-1) + ... + coef[n-1]. */
static LLVMValueRef horner(fm *m, LLVMValueRef x, const double *coef, int n) {
    LLVMValueRef r = K(m, coef[0]);
    for (int k = 1; k < n; k++) r = f_fma(m, r, x, K(m, coef[k]));
    return r;
}
/* min/max that keep a NaN x (clamping is then a no-op for NaN and it propagates). */
static LLVMValueRef clampf(fm *m, LLVMValueRef x, double lo, double hi) {
    x = sel(m, fcmp(m, LLVMRealOLT, x, K(m, lo)), K(m, lo), x);
    return sel(m, fcmp(m, LLVMRealOGT, x, K(m, hi)), K(m, hi), x);
}
static int32_t bits_of(float f) {
    int32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* exp reduces x by 1/T of ln2 and takes 2^(j/T) from a table of T held in a register: T = 16
 * where AVX-512's vpermd indexes 16 lanes (one polynomial FMA fewer than T = 8, which a ymm
 * vpermd indexes). Every exp of a module uses the same T, so vector bodies and scalar tails
 * agree bit for bit. */
static unsigned exp_table_bits(cg *c) { return cg_has_feature(c, "avx512f") ? 4 : 3; }

/* 2^(j/T) for j = 0..T-1 as the i32 to add to (biased m) << 23 | j << (23 - tb) to get the bits
 * of 2^(m + j/T): the f32 mantissa of 2^(j/T) less j << (23 - tb). */
static int32_t exp2_frac(int j, unsigned tb) {
    float t = (float)exp2(j / (double)(1 << tb));
    return bits_of(t) - bits_of(1.0f) - (j << (23 - tb));
}

/* The |n| vectors of |w| lanes |parts| (n a power of two) concatenated, in order. */
static LLVMValueRef concat_parts(cg *c, LLVMValueRef *parts, unsigned n, unsigned w) {
    LLVMValueRef idx[64];
    for (; n > 1; n /= 2, w *= 2) {
        for (unsigned k = 0; k < 2 * w; k++) idx[k] = LLVMConstInt(c->t_i32, k, 0);
        for (unsigned h = 0; h < n / 2; h++)
            parts[h] = LLVMBuildShuffleVector(c->b, parts[2 * h], parts[2 * h + 1], LLVMConstVector(idx, 2 * w), "");
    }
    return parts[0];
}

/* T[j] of the i32 lanes |j| (only their low tb bits count), T as exp2_frac. */
static LLVMValueRef exp2_frac_of(fm *m, LLVMValueRef j, unsigned tb) {
    cg *c = m->c;
    unsigned size = 1u << tb;
    LLVMValueRef t[16];
    for (unsigned k = 0; k < size; k++)
        t[k] = LLVMConstInt(c->t_i32, (unsigned long long)(int64_t)exp2_frac((int)k, tb), 1);
    /* vpermd: one shuffle per register of lanes, on whatever pipe is free of FMAs */
    unsigned reg = tb == 4 ? 16 : 8;
    if (m->w && m->w % reg == 0 && cg_has_feature(c, tb == 4 ? "avx512f" : "avx2")) {
        LLVMValueRef tab = LLVMConstVector(t, size), parts[8], idx[16];
        unsigned n = m->w / reg;
        for (unsigned h = 0; h < n; h++) {
            for (unsigned k = 0; k < reg; k++) idx[k] = LLVMConstInt(c->t_i32, h * reg + k, 0);
            LLVMValueRef jh = n == 1 ? j : LLVMBuildShuffleVector(c->b, j, j, LLVMConstVector(idx, reg), "");
            parts[h] = tb == 4 ? cg_intrinsic_t(c, "llvm.x86.avx512.permvar.si.512", NULL, 0, (LLVMValueRef[]){tab, jh}, 2)
                               : cg_intrinsic_t(c, "llvm.x86.avx2.permd", NULL, 0, (LLVMValueRef[]){tab, jh}, 2);
        }
        return concat_parts(c, parts, n, reg);
    }
    /* Elsewhere one load per lane from the table in memory (a gather, which LLVM splits into
     * lane loads where the target has none: far fewer operations than a tree of selects). */
    LLVMTypeRef at = LLVMArrayType(c->t_i32, size);
    char name[32];
    snprintf(name, sizeof name, "hloc.exp2_frac%u", size);
    LLVMValueRef g = LLVMGetNamedGlobal(c->mod, name);
    if (!g) {
        g = LLVMAddGlobal(c->mod, at, name);
        LLVMSetInitializer(g, LLVMConstArray(c->t_i32, t, size));
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, LLVMPrivateLinkage);
        LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
        LLVMSetAlignment(g, 64);
    }
    LLVMValueRef gi[2] = {LLVMConstInt(c->t_i64, 0, 0), LLVMBuildZExt(c->b, LLVMBuildAnd(c->b, j, KI(m, size - 1), ""),
                                                                      lanes(c->t_i64, m->w), "")};
    LLVMValueRef ptr = LLVMBuildInBoundsGEP2(c->b, at, g, gi, 2, "");
    if (!m->w) return LLVMBuildLoad2(c->b, c->t_i32, ptr, "");
    LLVMValueRef ones[64];
    for (unsigned k = 0; k < m->w && k < 64; k++) ones[k] = LLVMConstInt(c->t_i1, 1, 0);
    LLVMTypeRef types[2] = {m->i, LLVMTypeOf(ptr)};
    LLVMValueRef args[4] = {ptr, LLVMConstInt(c->t_i32, 4, 0), LLVMConstVector(ones, m->w), LLVMGetPoison(m->i)};
    return cg_intrinsic_t(c, "llvm.masked.gather", types, 2, args, 4);
}

/* e^r = 1 + r + r^2·q(r), fitted (Remez on the relative error of e^r, f32 coefficients): with
 * T = 8, |r| <= ln2/16, q of degree 2 to 1.9e-10 relative; with T = 16, |r| <= ln2/32, q of
 * degree 1 to 1.6e-9 (0.03 ulp). */
static const double exp_q8[] = {0.0416604318, 0.166680261, 0.5};
static const double exp_q16[] = {0.166667178273201, 0.5000161528587341};

LLVMValueRef cg_math_exp(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "exp", &x, 1);
    fm M = fm_of(c, x), *m = &M;
    /* x = (Tm + j)·ln2/T + r with j in 0..T-1 and |r| <= ln2/2T, e^x = 2^m·2^(j/T)·e^r: the
     * fractions cost one shuffle (exp2_frac_of) and take FMAs off the polynomial. n comes from
     * adding 1.5·2^23 + T·127, which rounds x·T·log2(e) to an integer in the low mantissa bits,
     * biased, so that shifting the sum's bits up by 23 - tb puts m + 127 in the exponent and j
     * in the top tb mantissa bits, where the table's entry replaces it by 2^(j/T)'s mantissa.
     * Every input takes this one path, with no range test or branch (they cost eltwise 6%):
     * x is first raised to -88 (NaN stays), where m = -127 gives a zero (denormal) scale and so
     * the flushed-to-zero result; n is capped at 128·T - 1 (a float min, which keeps NaN and so
     * a NaN r and result; an integer one on the bits was no faster), so that the largest scale
     * is 2^127·2^((T-1)/T): up to ln(FLT_MAX) r grows to 0.087 (T = 8) or 0.046 (T = 16), where
     * the polynomial still holds to 0.9 ulp with T = 8 (2.45 with T = 16 and its polynomial of
     * degree 3), and beyond it the product overflows to inf (+inf and every large x included).
     * Max error elsewhere 0.89 ulp (T = 8) or 0.98 (T = 16), most of it the rounding of 2^(j/T)
     * to f32 (a C model of this evaluation gives the same over every f32 of [-87, 88]). */
    unsigned tb = exp_table_bits(c);
    double T = (double)(1u << tb);
    LLVMValueRef shifter = K(m, 0x1.8p23 + T * 127);
    LLVMValueRef xc = sel(m, fcmp(m, LLVMRealOLT, x, K(m, -88.0)), K(m, -88.0), x);
    LLVMValueRef kf = f_fma(m, xc, K(m, T * 1.44269504088896341), shifter);
    LLVMValueRef kcap = K(m, 0x1.8p23 + T * 127 + 128 * T - 1);
    kf = sel(m, fcmp(m, LLVMRealOGT, kf, kcap), kcap, kf);
    LLVMValueRef kb = LLVMBuildBitCast(c->b, kf, m->i, "");
    LLVMValueRef fx = f_sub(m, kf, shifter);
    LLVMValueRef r = f_fma(m, fx, K(m, -0.693359375 / T), xc);
    r = f_fma(m, fx, K(m, 2.12194440e-4 / T), r);
    LLVMValueRef z = f_mul(m, r, r);
    LLVMValueRef q = tb == 4 ? horner(m, r, exp_q16, 2) : horner(m, r, exp_q8, 3);
    LLVMValueRef em1 = f_fma(m, q, z, r); /* e^r - 1 */
    LLVMValueRef sb = LLVMBuildAdd(c->b, LLVMBuildShl(c->b, kb, KI(m, 23 - (int)tb), ""), exp2_frac_of(m, kb, tb), "");
    LLVMValueRef scale = LLVMBuildBitCast(c->b, sb, m->f, "");
    return f_fma(m, em1, scale, scale);
}

LLVMValueRef cg_math_log(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "log", &x, 1);
    fm M = fm_of(c, x), *m = &M;
    LLVMBuilderRef b = c->b;
    /* Subnormals: scale into the normal range first. */
    LLVMValueRef sub = fcmp(m, LLVMRealOLT, x, K(m, 0x1p-126));
    LLVMValueRef xs = sel(m, sub, f_mul(m, x, K(m, 0x1p23)), x);
    LLVMValueRef bits = LLVMBuildBitCast(b, xs, m->i, "");
    LLVMValueRef e = LLVMBuildSub(b, LLVMBuildLShr(b, bits, KI(m, 23), ""), KI(m, 126), "");
    e = LLVMBuildSub(b, e, sel(m, sub, KI(m, 23), KI(m, 0)), "");
    LLVMValueRef mb = LLVMBuildOr(b, LLVMBuildAnd(b, bits, KI(m, (int32_t)0x807fffff), ""), KI(m, 0x3f000000), "");
    LLVMValueRef mm = LLVMBuildBitCast(b, mb, m->f, ""); /* in [0.5, 1) */
    LLVMValueRef lt = fcmp(m, LLVMRealOLT, mm, K(m, 0.707106781186547524));
    LLVMValueRef fe = LLVMBuildSIToFP(b, e, m->f, "");
    fe = sel(m, lt, f_sub(m, fe, K(m, 1.0)), fe);
    mm = sel(m, lt, f_sub(m, f_add(m, mm, mm), K(m, 1.0)), f_sub(m, mm, K(m, 1.0)));
    static const double p[] = {7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                               -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                               2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1};
    LLVMValueRef z = f_mul(m, mm, mm);
    LLVMValueRef y = f_mul(m, f_mul(m, horner(m, mm, p, 9), mm), z);
    y = f_fma(m, fe, K(m, -2.12194440e-4), y);
    y = f_fma(m, z, K(m, -0.5), y);
    LLVMValueRef r = f_add(m, mm, y);
    r = f_fma(m, fe, K(m, 0.693359375), r);
    /* Special values: log(0) = -inf, log(<0) = NaN, log(inf) = inf, NaN stays. */
    r = sel(m, fcmp(m, LLVMRealOEQ, x, K(m, INFINITY)), K(m, INFINITY), r);
    r = sel(m, fcmp(m, LLVMRealOEQ, x, K(m, 0.0)), K(m, -INFINITY), r);
    r = sel(m, fcmp(m, LLVMRealULT, x, K(m, 0.0)), K(m, NAN), r);
    return r;
}

LLVMValueRef cg_math_tanh(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "tanh", &x, 1);
    fm M = fm_of(c, x), *m = &M;
    /* Eigen's ptanh_float (rminimax's [9,8] rational, odd over even, f32 coefficients):
     * x·(1 + x²·P(x²)) / Q(x²) with Q(0) = 1, evaluated as Eigen does (Horner, then x³·P + x),
     * so that near 0 the result is x itself: no tiny-range select. The input is clamped to
     * ±8.01773357, the smallest value where this evaluation with FMAs is exactly ±1; the
     * clamp keeps NaN, which then propagates. Every vector operation counts in loops like
     * eltwise that keep the two FMA pipes full: this is 2 multiplies, 8 FMAs and a divide
     * where the 13/6 rational with its tiny-range select took 11 and a divide plus 3. */
    static const double a[] = {1.394553628e-8, 2.102733560e-5, 3.520756727e-3, 1.340216100e-1};
    static const double bq[] = {8.015776984e-7, 3.326951409e-4, 2.597254514e-2, 4.673548340e-1, 1.0};
    LLVMValueRef xc = clampf(m, x, -8.01773357391357422, 8.01773357391357422);
    LLVMValueRef x2 = f_mul(m, xc, xc);
    LLVMValueRef x3 = f_mul(m, x2, xc);
    LLVMValueRef p = f_fma(m, x3, horner(m, x2, a, 4), xc);
    LLVMValueRef q = horner(m, x2, bq, 5);
    return LLVMBuildFDiv(c->b, p, q, "");
}

LLVMValueRef cg_math_erf(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "erf", &x, 1);
    fm M = fm_of(c, x), *m = &M;
    /* Eigen's rational approximation on [-4, 4]; erf rounds to ±1 in f32 outside. */
    LLVMValueRef xc = clampf(m, x, -4.0, 4.0);
    static const double a[] = {-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06,
                               -5.69250639462346e-05, -7.34990630326855e-04, -2.95459980854025e-03,
                               -1.60960333262415e-02};
    static const double bq[] = {-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                                -7.37332916720468e-03, -1.42647390514189e-02};
    LLVMValueRef x2 = f_mul(m, xc, xc);
    LLVMValueRef p = f_mul(m, horner(m, x2, a, 7), xc);
    LLVMValueRef q = horner(m, x2, bq, 5);
    /* Near ±4 the rational overshoots 1 by a few ulp; erf never does. */
    return clampf(m, LLVMBuildFDiv(c->b, p, q, ""), -1.0, 1.0);
}

/* Shared by sin and cos: reduces x by multiples of pi/2 in f64 (exact enough for |x| < 2^24),
 * returns r in [-pi/4, pi/4] as f32 and the quadrant j & 3 as i32. */
static void reduce_pio2(fm *m, LLVMValueRef x, LLVMValueRef *r, LLVMValueRef *q, LLVMValueRef *finite) {
    cg *c = m->c;
    LLVMBuilderRef b = c->b;
    LLVMValueRef ax = cg_intrinsic(c, "llvm.fabs", &x, 1);
    *finite = fcmp(m, LLVMRealOLT, ax, K(m, INFINITY));
    LLVMValueRef xs = sel(m, *finite, x, K(m, 0.0));
    LLVMValueRef xd = LLVMBuildFPExt(b, xs, m->d, "");
    LLVMValueRef jd = cg_intrinsic(c, "llvm.roundeven",
                                   (LLVMValueRef[]){LLVMBuildFMul(b, xd, KD(m, 0.63661977236758134308), "")}, 1);
    LLVMValueRef rd = LLVMBuildFSub(b, xd, LLVMBuildFMul(b, jd, KD(m, 1.57079632673412561417e+00), ""), "");
    rd = LLVMBuildFSub(b, rd, LLVMBuildFMul(b, jd, KD(m, 6.07710050650619224932e-11), ""), "");
    *r = LLVMBuildFPTrunc(b, rd, m->f, "");
    LLVMValueRef j = LLVMBuildFPToSI(b, jd, m->l, "");
    *q = LLVMBuildTrunc(b, LLVMBuildAnd(b, j, splat(m->w, cg_const_i64(c, 3)), ""), m->i, "");
}

static void sincos_poly(fm *m, LLVMValueRef r, LLVMValueRef *s, LLVMValueRef *co) {
    static const double sp[] = {-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1};
    static const double cp[] = {2.443315711809948E-5, -1.388731625493765E-3, 4.166664568298827E-2};
    LLVMValueRef z = f_mul(m, r, r);
    *s = f_fma(m, f_mul(m, r, z), horner(m, z, sp, 3), r);
    *co = f_fma(m, f_mul(m, z, z), horner(m, z, cp, 3), f_fma(m, z, K(m, -0.5), K(m, 1.0)));
}

static LLVMValueRef sin_cos(cg *c, LLVMValueRef x, bool want_cos) {
    fm M = fm_of(c, x), *m = &M;
    LLVMValueRef r, q, finite, s, co;
    reduce_pio2(m, x, &r, &q, &finite);
    sincos_poly(m, r, &s, &co);
    if (want_cos) q = LLVMBuildAdd(c->b, q, KI(m, 1), ""); /* cos x = sin(x + pi/2) */
    LLVMTypeRef i1 = lanes(c->t_i1, m->w);
    LLVMValueRef q1 = LLVMBuildTrunc(c->b, q, i1, "");
    LLVMValueRef q2 = LLVMBuildTrunc(c->b, LLVMBuildLShr(c->b, q, KI(m, 1), ""), i1, "");
    LLVMValueRef v = sel(m, q1, co, s);
    v = sel(m, q2, LLVMBuildFNeg(c->b, v, ""), v);
    return sel(m, finite, v, K(m, NAN));
}

LLVMValueRef cg_math_sin(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "sin", &x, 1);
    return sin_cos(c, x, false);
}

LLVMValueRef cg_math_cos(cg *c, LLVMValueRef x) {
    if (!is_f32(c, x)) return cg_libm(c, "cos", &x, 1);
    return sin_cos(c, x, true);
}
