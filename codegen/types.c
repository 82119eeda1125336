/* Element types in emitted code: compute types, loads and stores in hloc's storage format
 * (element.h), rounding to bf16/f16/fp8/f4 in integer IR (no libcalls, vectorizable), and XLA's
 * convert. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "cg.h"

void cg_fail(cg *c, hloc_status_code code, const char *fmt, ...) {
    if (c->err) return;
    va_list ap;
    va_start(ap, fmt);
    c->err = hloc_status_newv(code, fmt, ap);
    va_end(ap);
}

void cg_unsupported(cg *c, const hloc_instr *i, const char *what) {
    cg_fail(c, HLOC_STATUS_UNIMPLEMENTED, "%s%s%d:%d: cpu codegen does not support %s (%s '%s')",
            c->m->file ? c->m->file : "", c->m->file ? ":" : "", i->loc.line, i->loc.col, what,
            hloc_opcode_name(i->op), i->name);
}

/* ---- fp8 and f4: hloc's minifloat formats (hlo/element.c), computed in f32 ---- */

/* How a small float format encodes specials (as hlo/element.c). */
enum { SPEC_IEEE, SPEC_FN, SPEC_FNUZ, SPEC_NONE, SPEC_E8M0 };

typedef struct mini {
    int ebits, mbits, bias, spec;
} mini;

static bool mini_of(hloc_type t, mini *m) {
    switch (t) {
    case HLOC_TYPE_F8E5M2: *m = (mini){5, 2, 15, SPEC_IEEE}; return true;
    case HLOC_TYPE_F8E4M3: *m = (mini){4, 3, 7, SPEC_IEEE}; return true;
    case HLOC_TYPE_F8E3M4: *m = (mini){3, 4, 3, SPEC_IEEE}; return true;
    case HLOC_TYPE_F8E4M3FN: *m = (mini){4, 3, 7, SPEC_FN}; return true;
    case HLOC_TYPE_F8E4M3B11FNUZ: *m = (mini){4, 3, 11, SPEC_FNUZ}; return true;
    case HLOC_TYPE_F8E5M2FNUZ: *m = (mini){5, 2, 16, SPEC_FNUZ}; return true;
    case HLOC_TYPE_F8E4M3FNUZ: *m = (mini){4, 3, 8, SPEC_FNUZ}; return true;
    case HLOC_TYPE_F8E8M0FNU: *m = (mini){8, 0, 127, SPEC_E8M0}; return true;
    case HLOC_TYPE_F4E2M1FN: *m = (mini){2, 1, 1, SPEC_NONE}; return true;
    default: return false;
    }
}

static bool is_mini(hloc_type t) {
    mini m;
    return mini_of(t, &m);
}

bool cg_type_supported(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_PRED: case HLOC_TYPE_S1: case HLOC_TYPE_S2: case HLOC_TYPE_S4: case HLOC_TYPE_S8:
    case HLOC_TYPE_S16: case HLOC_TYPE_S32: case HLOC_TYPE_S64: case HLOC_TYPE_U1: case HLOC_TYPE_U2:
    case HLOC_TYPE_U4: case HLOC_TYPE_U8: case HLOC_TYPE_U16: case HLOC_TYPE_U32: case HLOC_TYPE_U64:
    case HLOC_TYPE_F16: case HLOC_TYPE_BF16: case HLOC_TYPE_F32: case HLOC_TYPE_F64:
    case HLOC_TYPE_C64: case HLOC_TYPE_C128:
        return true;
    default:
        return is_mini(t);
    }
}

static LLVMTypeRef int_of_bytes(cg *c, size_t bytes) {
    switch (bytes) {
    case 1: return c->t_i8;
    case 2: return c->t_i16;
    case 4: return c->t_i32;
    default: return c->t_i64;
    }
}

LLVMTypeRef cg_ctype(cg *c, hloc_type t) {
    if (!cg_type_supported(t)) {
        cg_fail(c, HLOC_STATUS_UNIMPLEMENTED, "cpu codegen does not support element type %s",
                hloc_type_name(t));
        return c->t_f32;
    }
    if (t == HLOC_TYPE_PRED) return c->t_i1;
    if (t == HLOC_TYPE_F16 || t == HLOC_TYPE_BF16 || t == HLOC_TYPE_F32 || is_mini(t)) return c->t_f32;
    if (t == HLOC_TYPE_F64) return c->t_f64;
    /* complex: (re, im) as a 2-vector, which is also its storage layout */
    if (t == HLOC_TYPE_C64) return LLVMVectorType(c->t_f32, 2);
    if (t == HLOC_TYPE_C128) return LLVMVectorType(c->t_f64, 2);
    return int_of_bytes(c, hloc_type_bytes(t));
}

static LLVMTypeRef storage_type(cg *c, hloc_type t) {
    if (t == HLOC_TYPE_F32) return c->t_f32;
    if (t == HLOC_TYPE_F64) return c->t_f64;
    if (t == HLOC_TYPE_C64) return LLVMVectorType(c->t_f32, 2);
    if (t == HLOC_TYPE_C128) return LLVMVectorType(c->t_f64, 2);
    return int_of_bytes(c, hloc_type_bytes(t));
}

LLVMValueRef cg_const_i64(cg *c, int64_t v) { return LLVMConstInt(c->t_i64, (unsigned long long)v, 1); }

LLVMValueRef cg_const_f(cg *c, hloc_type t, double v) {
    LLVMTypeRef ty = cg_ctype(c, t);
    if (hloc_type_is_float(t)) return LLVMConstReal(ty, v);
    return LLVMConstInt(ty, (unsigned long long)(int64_t)v, 1);
}

LLVMValueRef cg_const_int(cg *c, hloc_type t, int64_t v) {
    LLVMTypeRef ty = cg_ctype(c, t);
    if (hloc_type_is_float(t)) return LLVMConstReal(ty, (double)v);
    return LLVMConstInt(ty, (unsigned long long)v, 1);
}

LLVMValueRef cg_zero(cg *c, hloc_type t) { return LLVMConstNull(cg_ctype(c, t)); }

static LLVMValueRef ci32(cg *c, uint32_t v) { return LLVMConstInt(c->t_i32, v, 0); }
static LLVMValueRef f32_bits(cg *c, LLVMValueRef v) { return LLVMBuildBitCast(c->b, v, c->t_i32, ""); }
static LLVMValueRef bits_f32(cg *c, LLVMValueRef v) { return LLVMBuildBitCast(c->b, v, c->t_f32, ""); }

/* f32 → bf16 bits (i16), round to nearest even; NaNs stay NaN (quiet, sign kept). */
static LLVMValueRef f32_to_bf16(cg *c, LLVMValueRef v) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef u = f32_bits(c, v);
    LLVMValueRef lsb = LLVMBuildAnd(b, LLVMBuildLShr(b, u, ci32(c, 16), ""), ci32(c, 1), "");
    LLVMValueRef r = LLVMBuildAdd(b, u, LLVMBuildAdd(b, lsb, ci32(c, 0x7fff), ""), "");
    r = LLVMBuildLShr(b, r, ci32(c, 16), "");
    LLVMValueRef qnan = LLVMBuildOr(b, LLVMBuildLShr(b, u, ci32(c, 16), ""), ci32(c, 0x40), "");
    LLVMValueRef isnan = LLVMBuildFCmp(b, LLVMRealUNO, v, v, "");
    r = LLVMBuildSelect(b, isnan, qnan, r, "");
    return LLVMBuildTrunc(b, r, c->t_i16, "");
}

static LLVMValueRef bf16_to_f32(cg *c, LLVMValueRef h) {
    LLVMValueRef w = LLVMBuildZExt(c->b, h, c->t_i32, "");
    return bits_f32(c, LLVMBuildShl(c->b, w, ci32(c, 16), ""));
}

/* f32 → f16 bits, round to nearest even, in float arithmetic (M. Maratyszcza's FP16 method): the
 * scaling multiplies let the FPU do the rounding, including subnormals. */
static LLVMValueRef f32_to_f16(cg *c, LLVMValueRef f) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef fabs = cg_intrinsic(c, "llvm.fabs", &f, 1);
    LLVMValueRef base = LLVMBuildFMul(b, LLVMBuildFMul(b, fabs, LLVMConstReal(c->t_f32, 0x1.0p+112), ""),
                                      LLVMConstReal(c->t_f32, 0x1.0p-110), "");
    LLVMValueRef w = f32_bits(c, f);
    LLVMValueRef shl1 = LLVMBuildAdd(b, w, w, "");
    LLVMValueRef sign = LLVMBuildAnd(b, w, ci32(c, 0x80000000u), "");
    LLVMValueRef bias = LLVMBuildAnd(b, shl1, ci32(c, 0xff000000u), "");
    LLVMValueRef small = LLVMBuildICmp(b, LLVMIntULT, bias, ci32(c, 0x71000000u), "");
    bias = LLVMBuildSelect(b, small, ci32(c, 0x71000000u), bias, "");
    LLVMValueRef add = bits_f32(c, LLVMBuildAdd(b, LLVMBuildLShr(b, bias, ci32(c, 1), ""),
                                                ci32(c, 0x07800000u), ""));
    base = LLVMBuildFAdd(b, add, base, "");
    LLVMValueRef bits = f32_bits(c, base);
    LLVMValueRef e = LLVMBuildAnd(b, LLVMBuildLShr(b, bits, ci32(c, 13), ""), ci32(c, 0x7c00), "");
    LLVMValueRef mant = LLVMBuildAnd(b, bits, ci32(c, 0xfff), "");
    LLVMValueRef nonsign = LLVMBuildAdd(b, e, mant, "");
    LLVMValueRef isnan = LLVMBuildICmp(b, LLVMIntUGT, shl1, ci32(c, 0xff000000u), "");
    LLVMValueRef r = LLVMBuildOr(b, LLVMBuildLShr(b, sign, ci32(c, 16), ""),
                                 LLVMBuildSelect(b, isnan, ci32(c, 0x7e00), nonsign, ""), "");
    return LLVMBuildTrunc(b, r, c->t_i16, "");
}

static LLVMValueRef f16_to_f32(cg *c, LLVMValueRef h) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef w = LLVMBuildShl(b, LLVMBuildZExt(b, h, c->t_i32, ""), ci32(c, 16), "");
    LLVMValueRef sign = LLVMBuildAnd(b, w, ci32(c, 0x80000000u), "");
    LLVMValueRef two_w = LLVMBuildAdd(b, w, w, "");
    LLVMValueRef norm = bits_f32(c, LLVMBuildAdd(b, LLVMBuildLShr(b, two_w, ci32(c, 4), ""),
                                                 ci32(c, 0xe0u << 23), ""));
    norm = LLVMBuildFMul(b, norm, LLVMConstReal(c->t_f32, 0x1.0p-112), "");
    LLVMValueRef den = bits_f32(c, LLVMBuildOr(b, LLVMBuildLShr(b, two_w, ci32(c, 17), ""),
                                               ci32(c, 126u << 23), ""));
    den = LLVMBuildFSub(b, den, LLVMConstReal(c->t_f32, 0.5), "");
    LLVMValueRef is_den = LLVMBuildICmp(b, LLVMIntULT, two_w, ci32(c, 1u << 27), "");
    LLVMValueRef r = LLVMBuildSelect(b, is_den, f32_bits(c, den), f32_bits(c, norm), "");
    return bits_f32(c, LLVMBuildOr(b, sign, r, ""));
}

/* NaN codes decode to an f32 NaN that carries the code in its payload (sign kept), so that a NaN
 * loaded and stored again, as bitcast-convert does, keeps its exact bits; NaNs made by arithmetic
 * or converts carry no tag and get the format's canonical code. */
enum { NAN_TAG = 0x5a00, NAN_TAG_MASK = 0x7f00 };

/* Minifloat bits (i8) → f32 through a 256-entry table of hloc_minifloat_decode, one per type and
 * module: exact for every code, specials included. */
static LLVMValueRef mini_to_f32(cg *c, hloc_type t, LLVMValueRef bits) {
    char name[64];
    snprintf(name, sizeof name, "hloc.decode.%s", hloc_type_name(t));
    LLVMValueRef g = LLVMGetNamedGlobal(c->mod, name);
    LLVMTypeRef at = LLVMArrayType2(c->t_f32, 256);
    if (!g) {
        LLVMValueRef el[256];
        mini m;
        mini_of(t, &m);
        uint32_t sbit = m.spec == SPEC_E8M0 ? 0 : 1u << (m.ebits + m.mbits);
        for (uint32_t k = 0; k < 256; k++) {
            double d = hloc_minifloat_decode(t, k);
            if (d == d) {
                el[k] = LLVMConstReal(c->t_f32, (float)d);
                continue;
            }
            uint32_t nan = ((k & sbit) ? 0x80000000u : 0) | 0x7fc00000u | NAN_TAG | (k & 0xff);
            el[k] = LLVMConstBitCast(LLVMConstInt(c->t_i32, nan, 0), c->t_f32);
        }
        g = LLVMAddGlobal(c->mod, at, name);
        LLVMSetInitializer(g, LLVMConstArray2(c->t_f32, el, 256));
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, LLVMPrivateLinkage);
        LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
        LLVMSetAlignment(g, 64);
    }
    LLVMValueRef at_idx = LLVMBuildZExt(c->b, bits, c->t_i64, "");
    LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_f32, g, &at_idx, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(c->b, c->t_f32, p, "");
    LLVMSetAlignment(v, 4);
    return v;
}

static LLVMValueRef ci64u(cg *c, uint64_t v) { return LLVMConstInt(c->t_i64, v, 0); }

/* f64 → minifloat bits (i8), rounded once to nearest even, with hloc_minifloat_encode's
 * overflow and NaN codes. Normal results round the f64 mantissa in integer IR (a carry into the
 * exponent is the right answer); results below the smallest normal round by adding and
 * subtracting 2^(emin - mbits + 52), which leaves exactly the multiples of the subnormal step. */
static LLVMValueRef f64_to_mini(cg *c, hloc_type t, LLVMValueRef v) {
    LLVMBuilderRef b = c->b;
    mini m;
    mini_of(t, &m);
    LLVMValueRef u = LLVMBuildBitCast(b, v, c->t_i64, "");
    LLVMValueRef isnan = LLVMBuildFCmp(b, LLVMRealUNO, v, v, "");
    LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, u, cg_const_i64(c, 0), "");
    if (m.spec == SPEC_E8M0) {
        /* nearest power of two, ties up; NaN, zero and negatives → 0xff */
        LLVMValueRef e = LLVMBuildSub(b, LLVMBuildLShr(b, u, cg_const_i64(c, 52), ""), cg_const_i64(c, 1023), "");
        LLVMValueRef frac = LLVMBuildAnd(b, u, ci64u(c, (1ull << 52) - 1), "");
        LLVMValueRef up = LLVMBuildICmp(b, LLVMIntUGE, frac, ci64u(c, 1ull << 51), "");
        LLVMValueRef field = LLVMBuildAdd(b, LLVMBuildAdd(b, e, LLVMBuildZExt(b, up, c->t_i64, ""), ""),
                                          cg_const_i64(c, m.bias), "");
        field = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, field, cg_const_i64(c, 0), ""), cg_const_i64(c, 0),
                                field, "");
        LLVMValueRef bad = LLVMBuildOr(b, LLVMBuildFCmp(b, LLVMRealULE, v, LLVMConstReal(c->t_f64, 0), ""),
                                       LLVMBuildICmp(b, LLVMIntSGT, field, cg_const_i64(c, 254), ""), "");
        field = LLVMBuildSelect(b, bad, cg_const_i64(c, 0xff), field, "");
        (void)isnan, (void)neg;
        return LLVMBuildTrunc(b, field, c->t_i8, "");
    }
    uint32_t emax = (1u << m.ebits) - 1, mmask = (1u << m.mbits) - 1, sbit = 1u << (m.ebits + m.mbits);
    int emin = 1 - m.bias;
    int top_e = (int)(m.spec == SPEC_IEEE ? emax - 1 : emax);
    uint32_t top_f = m.spec == SPEC_FN ? mmask - 1 : mmask;
    double maxf = ldexp((double)(top_f | (1u << m.mbits)), top_e - m.bias - m.mbits);
    uint32_t nan_bits = m.spec == SPEC_IEEE ? (emax << m.mbits) | (1u << (m.mbits - 1))
                      : m.spec == SPEC_FN   ? (emax << m.mbits) | mmask
                      : m.spec == SPEC_FNUZ ? sbit
                                            : 0;
    LLVMValueRef a = cg_intrinsic(c, "llvm.fabs", &v, 1);
    LLVMValueRef au = LLVMBuildBitCast(b, a, c->t_i64, "");
    unsigned drop = 52 - (unsigned)m.mbits;
    LLVMValueRef lsb = LLVMBuildAnd(b, LLVMBuildLShr(b, au, cg_const_i64(c, drop), ""), cg_const_i64(c, 1), "");
    LLVMValueRef rn = LLVMBuildAdd(b, au, LLVMBuildAdd(b, lsb, ci64u(c, (1ull << (drop - 1)) - 1), ""), "");
    rn = LLVMBuildAnd(b, rn, ci64u(c, ~((1ull << drop) - 1)), "");
    LLVMValueRef step = LLVMConstReal(c->t_f64, ldexp(1.0, emin - m.mbits + 52));
    LLVMValueRef rs = LLVMBuildFSub(b, LLVMBuildFAdd(b, a, step, ""), step, "");
    LLVMValueRef min_normal = LLVMConstReal(c->t_f64, ldexp(1.0, emin));
    LLVMValueRef small = LLVMBuildFCmp(b, LLVMRealOLT, a, min_normal, "");
    LLVMValueRef r = LLVMBuildSelect(b, small, rs, LLVMBuildBitCast(b, rn, c->t_f64, ""), "");
    /* encode r: subnormal codes count steps; normal ones rebias the exponent */
    LLVMValueRef sub = LLVMBuildFPToUI(b, LLVMBuildFMul(b, r, LLVMConstReal(c->t_f64, ldexp(1.0, m.bias - 1 + m.mbits)), ""),
                                       c->t_i64, "");
    LLVMValueRef rb = LLVMBuildBitCast(b, r, c->t_i64, "");
    LLVMValueRef e = LLVMBuildSub(b, LLVMBuildLShr(b, rb, cg_const_i64(c, 52), ""), cg_const_i64(c, 1023 - m.bias), "");
    LLVMValueRef f = LLVMBuildAnd(b, LLVMBuildLShr(b, rb, cg_const_i64(c, drop), ""), cg_const_i64(c, mmask), "");
    LLVMValueRef norm = LLVMBuildOr(b, LLVMBuildShl(b, e, cg_const_i64(c, m.mbits), ""), f, "");
    LLVMValueRef code = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, r, min_normal, ""), sub, norm, "");
    LLVMValueRef sign = LLVMBuildSelect(b, neg, cg_const_i64(c, sbit), cg_const_i64(c, 0), "");
    code = LLVMBuildOr(b, code, sign, "");
    LLVMValueRef zero_code = m.spec == SPEC_FNUZ ? cg_const_i64(c, 0) : sign;
    code = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOEQ, r, LLVMConstReal(c->t_f64, 0), ""), zero_code, code, "");
    LLVMValueRef over_code;
    switch (m.spec) {
    case SPEC_IEEE: over_code = LLVMBuildOr(b, sign, cg_const_i64(c, emax << m.mbits), ""); break;
    case SPEC_NONE:
        over_code = LLVMBuildOr(b, sign, cg_const_i64(c, ((uint32_t)top_e << m.mbits) | top_f), "");
        break;
    case SPEC_FN: over_code = LLVMBuildOr(b, sign, cg_const_i64(c, nan_bits), ""); break;
    default: over_code = cg_const_i64(c, nan_bits); break;
    }
    code = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, r, LLVMConstReal(c->t_f64, maxf), ""), over_code, code, "");
    LLVMValueRef nan_code = cg_const_i64(c, nan_bits);
    if (m.spec == SPEC_IEEE)
        nan_code = LLVMBuildSelect(b, neg, cg_const_i64(c, nan_bits | sbit), nan_code, "");
    LLVMValueRef tag = LLVMBuildAnd(b, LLVMBuildLShr(b, u, cg_const_i64(c, 29), ""), cg_const_i64(c, 0x7fff), "");
    LLVMValueRef tagged = LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildAnd(b, tag, cg_const_i64(c, NAN_TAG_MASK), ""),
                                        cg_const_i64(c, NAN_TAG), "");
    nan_code = LLVMBuildSelect(b, tagged, LLVMBuildAnd(b, tag, cg_const_i64(c, 0xff), ""), nan_code, "");
    code = LLVMBuildSelect(b, isnan, nan_code, code, "");
    return LLVMBuildTrunc(b, code, c->t_i8, "");
}

/* f32 → f8e8m0fnu in integer IR only: under DAZ any float operation would read its one f32
 * denormal code (2^-127) as zero. */
static LLVMValueRef f32_to_e8m0(cg *c, LLVMValueRef v) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef u = f32_bits(c, v);
    LLVMValueRef e = LLVMBuildLShr(b, u, ci32(c, 23), "");
    LLVMValueRef frac = LLVMBuildAnd(b, u, ci32(c, 0x7fffff), "");
    LLVMValueRef up = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntUGE, frac, ci32(c, 0x400000), ""), c->t_i32, "");
    LLVMValueRef den = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntUGE, frac, ci32(c, 0x600000), ""), c->t_i32, "");
    LLVMValueRef code = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntEQ, e, ci32(c, 0), ""), den,
                                        LLVMBuildAdd(b, e, up, ""), "");
    /* negative, zero, NaN (which also covers the sign-set range) or past 2^127 */
    LLVMValueRef bad = LLVMBuildICmp(b, LLVMIntSLE, u, ci32(c, 0), "");
    bad = LLVMBuildOr(b, bad, LLVMBuildICmp(b, LLVMIntUGT, code, ci32(c, 254), ""), "");
    return LLVMBuildTrunc(b, LLVMBuildSelect(b, bad, ci32(c, 0xff), code, ""), c->t_i8, "");
}

/* f32 compute value → minifloat bits. */
static LLVMValueRef f32_to_mini(cg *c, hloc_type t, LLVMValueRef v) {
    if (t == HLOC_TYPE_F8E8M0FNU) return f32_to_e8m0(c, v);
    return f64_to_mini(c, t, LLVMBuildFPExt(c->b, v, c->t_f64, ""));
}

static LLVMValueRef gep(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off) {
    return LLVMBuildGEP2(c->b, storage_type(c, t), cg_base(c, base), &off, 1, "");
}

LLVMValueRef cg_load(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off) {
    LLVMTypeRef st = storage_type(c, t);
    LLVMValueRef v = LLVMBuildLoad2(c->b, st, gep(c, t, base, off), "");
    LLVMSetAlignment(v, (unsigned)(hloc_type_is_complex(t) ? hloc_type_bytes(t) / 2 : hloc_type_bytes(t)));
    switch (t) {
    case HLOC_TYPE_PRED: return LLVMBuildICmp(c->b, LLVMIntNE, v, LLVMConstNull(c->t_i8), "");
    case HLOC_TYPE_BF16: return bf16_to_f32(c, v);
    case HLOC_TYPE_F16: return f16_to_f32(c, v);
    default: return is_mini(t) ? mini_to_f32(c, t, v) : v;
    }
}

void cg_store(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off, LLVMValueRef v) {
    switch (t) {
    case HLOC_TYPE_PRED: v = LLVMBuildZExt(c->b, v, c->t_i8, ""); break;
    case HLOC_TYPE_BF16: v = f32_to_bf16(c, v); break;
    case HLOC_TYPE_F16: v = f32_to_f16(c, v); break;
    default:
        if (is_mini(t)) v = f32_to_mini(c, t, v);
        break;
    }
    LLVMValueRef st = LLVMBuildStore(c->b, v, gep(c, t, base, off));
    LLVMSetAlignment(st, (unsigned)(hloc_type_is_complex(t) ? hloc_type_bytes(t) / 2 : hloc_type_bytes(t)));
}

LLVMValueRef cg_fit(cg *c, hloc_type t, LLVMValueRef v) {
    int bits = hloc_type_bits(t);
    switch (t) {
    case HLOC_TYPE_BF16: return bf16_to_f32(c, f32_to_bf16(c, v));
    case HLOC_TYPE_F16: return f16_to_f32(c, f32_to_f16(c, v));
    case HLOC_TYPE_F8E5M2: case HLOC_TYPE_F8E4M3: case HLOC_TYPE_F8E4M3FN: case HLOC_TYPE_F8E4M3B11FNUZ:
    case HLOC_TYPE_F8E5M2FNUZ: case HLOC_TYPE_F8E4M3FNUZ: case HLOC_TYPE_F8E3M4: case HLOC_TYPE_F8E8M0FNU:
    case HLOC_TYPE_F4E2M1FN:
        return mini_to_f32(c, t, f32_to_mini(c, t, v));
    case HLOC_TYPE_S1: case HLOC_TYPE_S2: case HLOC_TYPE_S4: {
        LLVMValueRef sh = LLVMConstInt(c->t_i8, (unsigned)(8 - bits), 0);
        return LLVMBuildAShr(c->b, LLVMBuildShl(c->b, v, sh, ""), sh, "");
    }
    case HLOC_TYPE_U1: case HLOC_TYPE_U2: case HLOC_TYPE_U4:
        return LLVMBuildAnd(c->b, v, LLVMConstInt(c->t_i8, (1u << bits) - 1, 0), "");
    default: return v;
    }
}

static void int_range(hloc_type t, double *lo, double *hi) {
    int bits = hloc_type_bits(t);
    if (hloc_type_is_signed_int(t)) {
        *lo = -ldexp(1.0, bits - 1);
        *hi = ldexp(1.0, bits - 1) - 1;
    } else {
        *lo = 0;
        *hi = ldexp(1.0, bits) - 1;
    }
}

/* Rounds an f64 to |mbits| explicit mantissa bits, to nearest even (NaN and inf unchanged; the
 * carry into the exponent is the right result). Exact for the normal range of the target. */
static LLVMValueRef round_f64_mantissa(cg *c, LLVMValueRef v, unsigned mbits) {
    LLVMBuilderRef b = c->b;
    unsigned drop = 52 - mbits;
    LLVMValueRef u = LLVMBuildBitCast(b, v, c->t_i64, "");
    LLVMValueRef lsb = LLVMBuildAnd(b, LLVMBuildLShr(b, u, cg_const_i64(c, drop), ""), cg_const_i64(c, 1), "");
    LLVMValueRef r = LLVMBuildAdd(b, u, LLVMBuildAdd(b, lsb, cg_const_i64(c, (int64_t)((1ull << (drop - 1)) - 1)), ""), "");
    r = LLVMBuildAnd(b, r, cg_const_i64(c, (int64_t)~((1ull << drop) - 1)), "");
    LLVMValueRef special = LLVMBuildFCmp(b, LLVMRealUGE, cg_intrinsic(c, "llvm.fabs", &v, 1),
                                         LLVMConstReal(c->t_f64, INFINITY), "");
    return LLVMBuildSelect(b, special, v, LLVMBuildBitCast(b, r, c->t_f64, ""), "");
}

LLVMValueRef cg_convert(cg *c, LLVMValueRef v, hloc_type from, hloc_type to) {
    LLVMBuilderRef b = c->b;
    LLVMTypeRef ft = cg_ctype(c, from), tt = cg_ctype(c, to);
    bool ff = hloc_type_is_float(from), tf = hloc_type_is_float(to);
    bool fs = hloc_type_is_signed_int(from);
    if (from == to) return v;
    if (is_mini(from)) {
        /* a NaN code's tag means nothing to another type: a plain quiet NaN, sign kept */
        LLVMValueRef u = f32_bits(c, v);
        LLVMValueRef plain = LLVMBuildOr(b, LLVMBuildAnd(b, u, ci32(c, 0x80000000u), ""),
                                         ci32(c, 0x7fc00000u), "");
        v = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealUNO, v, v, ""), bits_f32(c, plain), v, "");
    }
    if (hloc_type_is_complex(to)) {
        /* real → (re, 0); complex → complex by parts */
        if (hloc_type_is_complex(from))
            return to == HLOC_TYPE_C64 ? LLVMBuildFPTrunc(b, v, tt, "") : LLVMBuildFPExt(b, v, tt, "");
        LLVMValueRef re = cg_convert(c, v, from, to == HLOC_TYPE_C64 ? HLOC_TYPE_F32 : HLOC_TYPE_F64);
        return LLVMBuildInsertElement(b, LLVMConstNull(tt), re, LLVMConstInt(c->t_i32, 0, 0), "");
    }
    if (hloc_type_is_complex(from)) {
        /* XLA converts complex → real by taking the real part */
        LLVMValueRef re = LLVMBuildExtractElement(b, v, LLVMConstInt(c->t_i32, 0, 0), "");
        return cg_convert(c, re, from == HLOC_TYPE_C64 ? HLOC_TYPE_F32 : HLOC_TYPE_F64, to);
    }
    if (is_mini(to)) {
        /* From anything real: exactly to f64 (integers as the evaluator's (double) cast), then
         * one rounding. */
        if (ff && from != HLOC_TYPE_F64) return mini_to_f32(c, to, f32_to_mini(c, to, v));
        LLVMValueRef d = ff ? v : fs ? LLVMBuildSIToFP(b, v, c->t_f64, "") : LLVMBuildUIToFP(b, v, c->t_f64, "");
        return mini_to_f32(c, to, f64_to_mini(c, to, d));
    }
    if (from == HLOC_TYPE_F8E8M0FNU && to == HLOC_TYPE_F32 && c->opts->flush_denormals) {
        /* its 2^-127 is an f32 denormal, which a float conversion flushes under FTZ */
        LLVMValueRef tiny = LLVMBuildFCmp(b, LLVMRealOLT, v, LLVMConstReal(c->t_f32, 0x1p-126), "");
        return LLVMBuildSelect(b, tiny, LLVMConstReal(c->t_f32, 0), v, "");
    }
    if (to == HLOC_TYPE_PRED) {
        if (ff) return LLVMBuildFCmp(b, LLVMRealUNE, v, LLVMConstNull(ft), "");
        return LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(ft), "");
    }
    if (from == HLOC_TYPE_PRED) {
        if (tf) return LLVMBuildUIToFP(b, v, tt, "");
        return LLVMBuildZExt(b, v, tt, "");
    }
    if ((ff && from == HLOC_TYPE_F64) || (!ff && hloc_type_bits(from) > 24)) {
        /* To bf16/f16 from values wider than f32's mantissa: round once, in f64, to the target's
         * mantissa width (then the f32 step is exact), not twice. */
        if (to == HLOC_TYPE_BF16 || to == HLOC_TYPE_F16) {
            if (!ff) v = fs ? LLVMBuildSIToFP(b, v, c->t_f64, "") : LLVMBuildUIToFP(b, v, c->t_f64, "");
            v = round_f64_mantissa(c, v, to == HLOC_TYPE_BF16 ? 7 : 10);
            return cg_fit(c, to, LLVMBuildFPTrunc(b, v, c->t_f32, ""));
        }
    }
    if (ff && tf) {
        unsigned fw = LLVMGetTypeKind(ft) == LLVMDoubleTypeKind ? 64 : 32;
        unsigned tw = LLVMGetTypeKind(tt) == LLVMDoubleTypeKind ? 64 : 32;
        if (fw < tw) v = LLVMBuildFPExt(b, v, tt, "");
        else if (fw > tw) v = LLVMBuildFPTrunc(b, v, tt, "");
        return cg_fit(c, to, v);
    }
    if (!ff && tf) {
        v = fs ? LLVMBuildSIToFP(b, v, tt, "") : LLVMBuildUIToFP(b, v, tt, "");
        return cg_fit(c, to, v);
    }
    if (ff && !tf) {
        /* Saturate through i64 (llvm.fpto[su]i.sat: NaN → 0), then to the narrower range. */
        /* Narrower targets saturate through signed i64 (their whole range fits), u64 through
         * unsigned. */
        bool through_unsigned = to == HLOC_TYPE_U64;
        LLVMTypeRef types[2] = {c->t_i64, ft};
        LLVMValueRef r = cg_intrinsic_t(c, through_unsigned ? "llvm.fptoui.sat" : "llvm.fptosi.sat",
                                        types, 2, &v, 1);
        if (hloc_type_bits(to) < 64) {
            double lo, hi;
            int_range(to, &lo, &hi);
            LLVMValueRef l = cg_const_i64(c, (int64_t)lo), h = cg_const_i64(c, (int64_t)hi);
            r = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, r, l, ""), l, r, "");
            r = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSGT, r, h, ""), h, r, "");
            r = LLVMBuildTrunc(b, r, tt, "");
        }
        return r;
    }
    /* int → int */
    unsigned fw = LLVMGetIntTypeWidth(ft), tw = LLVMGetIntTypeWidth(tt);
    if (fw < tw) v = fs ? LLVMBuildSExt(b, v, tt, "") : LLVMBuildZExt(b, v, tt, "");
    else if (fw > tw) v = LLVMBuildTrunc(b, v, tt, "");
    return cg_fit(c, to, v);
}
