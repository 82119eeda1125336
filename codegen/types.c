/* Element types in emitted code: compute types, loads and stores in hloc's storage format
 * (element.h), rounding to bf16/f16 in integer IR (no libcalls, vectorizable), and XLA's convert. */
#include <math.h>
#include <stdarg.h>

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

bool cg_type_supported(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_PRED: case HLOC_TYPE_S1: case HLOC_TYPE_S2: case HLOC_TYPE_S4: case HLOC_TYPE_S8:
    case HLOC_TYPE_S16: case HLOC_TYPE_S32: case HLOC_TYPE_S64: case HLOC_TYPE_U1: case HLOC_TYPE_U2:
    case HLOC_TYPE_U4: case HLOC_TYPE_U8: case HLOC_TYPE_U16: case HLOC_TYPE_U32: case HLOC_TYPE_U64:
    case HLOC_TYPE_F16: case HLOC_TYPE_BF16: case HLOC_TYPE_F32: case HLOC_TYPE_F64:
    case HLOC_TYPE_C64: case HLOC_TYPE_C128:
        return true;
    default:
        return false;
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
    if (t == HLOC_TYPE_F16 || t == HLOC_TYPE_BF16 || t == HLOC_TYPE_F32) return c->t_f32;
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
    default: return v;
    }
}

void cg_store(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off, LLVMValueRef v) {
    switch (t) {
    case HLOC_TYPE_PRED: v = LLVMBuildZExt(c->b, v, c->t_i8, ""); break;
    case HLOC_TYPE_BF16: v = f32_to_bf16(c, v); break;
    case HLOC_TYPE_F16: v = f32_to_f16(c, v); break;
    default: break;
    }
    LLVMValueRef st = LLVMBuildStore(c->b, v, gep(c, t, base, off));
    LLVMSetAlignment(st, (unsigned)(hloc_type_is_complex(t) ? hloc_type_bytes(t) / 2 : hloc_type_bytes(t)));
}

LLVMValueRef cg_fit(cg *c, hloc_type t, LLVMValueRef v) {
    int bits = hloc_type_bits(t);
    switch (t) {
    case HLOC_TYPE_BF16: return bf16_to_f32(c, f32_to_bf16(c, v));
    case HLOC_TYPE_F16: return f16_to_f32(c, f32_to_f16(c, v));
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
