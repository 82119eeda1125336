/* Elementwise opcodes for every element type, with XLA's edge cases (as the evaluator): integer
 * x/0 = -1 and x%0 = x, INT_MIN/-1 = INT_MIN and INT_MIN%-1 = 0, shifts by >= the bit width,
 * NaN-propagating min/max, compare directions and total order. Results go through cg_fit, so that
 * bf16/f16 values are rounded after every op even when ops are fused into one loop. */
#include <math.h>

#include "cg.h"

static LLVMValueRef ew_select(cg *c, LLVMValueRef p, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(c->b, p, a, b, "");
}

/* Float min/max with NaN propagation: any NaN operand gives NaN. */
static LLVMValueRef fminmax(cg *c, LLVMValueRef a, LLVMValueRef b, bool is_max) {
    LLVMValueRef pick = LLVMBuildFCmp(c->b, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
    LLVMValueRef r = ew_select(c, pick, a, b);
    LLVMValueRef a_nan = LLVMBuildFCmp(c->b, LLVMRealUNO, a, a, "");
    return ew_select(c, a_nan, a, r);
}

static LLVMValueRef int_minmax(cg *c, LLVMValueRef a, LLVMValueRef b, bool is_max, bool sgn) {
    LLVMIntPredicate p = is_max ? (sgn ? LLVMIntSGT : LLVMIntUGT) : (sgn ? LLVMIntSLT : LLVMIntULT);
    return ew_select(c, LLVMBuildICmp(c->b, p, a, b, ""), a, b);
}

static LLVMValueRef int_div(cg *c, LLVMValueRef a, LLVMValueRef b, bool sgn, bool rem) {
    LLVMBuilderRef B = c->b;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned w = LLVMGetIntTypeWidth(t);
    LLVMValueRef zero = LLVMConstNull(t), one = LLVMConstInt(t, 1, 0), all = LLVMConstAllOnes(t);
    LLVMValueRef bz = LLVMBuildICmp(B, LLVMIntEQ, b, zero, "");
    LLVMValueRef overflow = LLVMConstInt(c->t_i1, 0, 0);
    if (sgn) {
        LLVMValueRef min = LLVMConstInt(t, 1ull << (w - 1), 0);
        overflow = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntEQ, a, min, ""),
                                LLVMBuildICmp(B, LLVMIntEQ, b, all, ""), "");
    }
    /* Divide by a safe divisor so that no path has UB, then patch the special cases. */
    LLVMValueRef safe = ew_select(c, LLVMBuildOr(B, bz, overflow, ""), one, b);
    LLVMValueRef q = rem ? (sgn ? LLVMBuildSRem(B, a, safe, "") : LLVMBuildURem(B, a, safe, ""))
                         : (sgn ? LLVMBuildSDiv(B, a, safe, "") : LLVMBuildUDiv(B, a, safe, ""));
    if (rem) {
        q = ew_select(c, overflow, zero, q);
        return ew_select(c, bz, a, q);
    }
    q = ew_select(c, overflow, a, q);
    return ew_select(c, bz, all, q);
}

static LLVMValueRef shift(cg *c, hloc_opcode op, LLVMValueRef a, LLVMValueRef b) {
    LLVMBuilderRef B = c->b;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned w = LLVMGetIntTypeWidth(t);
    LLVMValueRef wv = LLVMConstInt(t, w, 0);
    LLVMValueRef big = LLVMBuildICmp(B, LLVMIntUGE, b, wv, "");
    LLVMValueRef safe = ew_select(c, big, LLVMConstNull(t), b);
    switch (op) {
    case HLOC_OP_SHIFT_LEFT:
        return ew_select(c, big, LLVMConstNull(t), LLVMBuildShl(B, a, safe, ""));
    case HLOC_OP_SHIFT_RIGHT_LOGICAL:
        return ew_select(c, big, LLVMConstNull(t), LLVMBuildLShr(B, a, safe, ""));
    default:
        return ew_select(c, big, LLVMBuildAShr(B, a, LLVMConstInt(t, w - 1, 0), ""),
                         LLVMBuildAShr(B, a, safe, ""));
    }
}

/* Shift amounts and bit tricks for sub-byte ints see their logical width. */
static LLVMValueRef subbyte_shift(cg *c, hloc_opcode op, hloc_type t, LLVMValueRef a, LLVMValueRef b) {
    int bits = hloc_type_bits(t);
    if (bits >= 8) return shift(c, op, a, b);
    LLVMBuilderRef B = c->b;
    LLVMValueRef wv = LLVMConstInt(c->t_i8, (unsigned)bits, 0);
    LLVMValueRef bm = hloc_type_is_signed_int(t)
                          ? LLVMBuildAnd(B, b, LLVMConstInt(c->t_i8, 0xff, 0), "") : b;
    LLVMValueRef big = LLVMBuildICmp(B, LLVMIntUGE, bm, wv, "");
    LLVMValueRef safe = ew_select(c, big, LLVMConstNull(c->t_i8), bm);
    LLVMValueRef ua = LLVMBuildAnd(B, a, LLVMConstInt(c->t_i8, (1u << bits) - 1, 0), "");
    switch (op) {
    case HLOC_OP_SHIFT_LEFT:
        return ew_select(c, big, LLVMConstNull(c->t_i8), LLVMBuildShl(B, a, safe, ""));
    case HLOC_OP_SHIFT_RIGHT_LOGICAL:
        return ew_select(c, big, LLVMConstNull(c->t_i8), LLVMBuildLShr(B, ua, safe, ""));
    default: /* a is kept sign-extended in its byte */
        return ew_select(c, big, LLVMBuildAShr(B, a, LLVMConstInt(c->t_i8, 7, 0), ""),
                         LLVMBuildAShr(B, a, safe, ""));
    }
}

/* Total order: maps float bits to a signed integer that orders -NaN < -inf < ... < +inf < +NaN. */
static LLVMValueRef total_order_key(cg *c, LLVMValueRef v) {
    LLVMTypeRef ft = LLVMTypeOf(v);
    bool dbl = LLVMGetTypeKind(ft) == LLVMDoubleTypeKind;
    LLVMTypeRef it = dbl ? c->t_i64 : c->t_i32;
    LLVMValueRef bits = LLVMBuildBitCast(c->b, v, it, "");
    LLVMValueRef mask = LLVMBuildLShr(c->b, LLVMBuildAShr(c->b, bits, LLVMConstInt(it, dbl ? 63 : 31, 0), ""),
                                      LLVMConstInt(it, 1, 0), "");
    return LLVMBuildXor(c->b, bits, mask, "");
}

static LLVMValueRef compare(cg *c, const hloc_instr *i, LLVMValueRef a, LLVMValueRef b) {
    hloc_type t = i->operands[0]->shape.type;
    hloc_cmp_dir dir = i->attrs->cmp_dir;
    if (hloc_type_is_float(t)) {
        if (i->attrs->cmp_type == HLOC_CMPT_TOTALORDER) {
            a = total_order_key(c, a);
            b = total_order_key(c, b);
            t = HLOC_TYPE_S64; /* signed integer comparison below */
        } else {
            static const LLVMRealPredicate fp[] = {
                [HLOC_CMP_EQ] = LLVMRealOEQ, [HLOC_CMP_NE] = LLVMRealUNE, [HLOC_CMP_LT] = LLVMRealOLT,
                [HLOC_CMP_LE] = LLVMRealOLE, [HLOC_CMP_GT] = LLVMRealOGT, [HLOC_CMP_GE] = LLVMRealOGE,
            };
            if (dir < HLOC_CMP_EQ || dir > HLOC_CMP_GE) {
                cg_unsupported(c, i, "a compare without a direction");
                return LLVMConstInt(c->t_i1, 0, 0);
            }
            return LLVMBuildFCmp(c->b, fp[dir], a, b, "");
        }
    }
    bool sgn = hloc_type_is_signed_int(t);
    if (i->attrs->cmp_type == HLOC_CMPT_UNSIGNED) sgn = false;
    if (i->attrs->cmp_type == HLOC_CMPT_SIGNED) sgn = true;
    LLVMIntPredicate p;
    switch (dir) {
    case HLOC_CMP_EQ: p = LLVMIntEQ; break;
    case HLOC_CMP_NE: p = LLVMIntNE; break;
    case HLOC_CMP_LT: p = sgn ? LLVMIntSLT : LLVMIntULT; break;
    case HLOC_CMP_LE: p = sgn ? LLVMIntSLE : LLVMIntULE; break;
    case HLOC_CMP_GT: p = sgn ? LLVMIntSGT : LLVMIntUGT; break;
    case HLOC_CMP_GE: p = sgn ? LLVMIntSGE : LLVMIntUGE; break;
    default:
        cg_unsupported(c, i, "a compare without a direction");
        return LLVMConstInt(c->t_i1, 0, 0);
    }
    return LLVMBuildICmp(c->b, p, a, b, "");
}

/* Integer power by repeated squaring (XLA: negative exponents give 0 unless the base is ±1). */
static LLVMValueRef int_pow(cg *c, LLVMValueRef a, LLVMValueRef b, bool sgn) {
    LLVMBuilderRef B = c->b;
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned w = LLVMGetIntTypeWidth(t);
    LLVMValueRef one = LLVMConstInt(t, 1, 0), zero = LLVMConstNull(t);
    LLVMValueRef acc = one, base = a, e = b;
    for (unsigned k = 0; k < w; k++) {
        LLVMValueRef bit = LLVMBuildTrunc(B, LLVMBuildLShr(B, e, LLVMConstInt(t, k, 0), ""), c->t_i1, "");
        acc = ew_select(c, bit, LLVMBuildMul(B, acc, base, ""), acc);
        base = LLVMBuildMul(B, base, base, "");
    }
    if (!sgn) return acc;
    LLVMValueRef neg = LLVMBuildICmp(B, LLVMIntSLT, b, zero, "");
    LLVMValueRef is_one = LLVMBuildICmp(B, LLVMIntEQ, a, one, "");
    LLVMValueRef is_m1 = LLVMBuildICmp(B, LLVMIntEQ, a, LLVMConstAllOnes(t), "");
    LLVMValueRef odd = LLVMBuildTrunc(B, b, c->t_i1, "");
    LLVMValueRef negr = ew_select(c, is_one, one,
                                  ew_select(c, is_m1, ew_select(c, odd, LLVMConstAllOnes(t), one), zero));
    return ew_select(c, neg, negr, acc);
}

/* A float constant of the type of |like|: a scalar, or a splat when |like| is a vector. */
static LLVMValueRef fconst(LLVMValueRef like, double v) {
    LLVMTypeRef t = LLVMTypeOf(like);
    if (LLVMGetTypeKind(t) != LLVMVectorTypeKind) return LLVMConstReal(t, v);
    LLVMValueRef e[64];
    unsigned w = LLVMGetVectorSize(t);
    for (unsigned k = 0; k < w && k < 64; k++) e[k] = LLVMConstReal(LLVMGetElementType(t), v);
    return LLVMConstVector(e, w < 64 ? w : 64);
}

static LLVMValueRef float_unary(cg *c, const hloc_instr *i, LLVMValueRef x) {
    LLVMBuilderRef B = c->b;
    switch (i->op) {
    case HLOC_OP_ABS: return cg_intrinsic(c, "llvm.fabs", &x, 1);
    case HLOC_OP_NEGATE: return LLVMBuildFNeg(B, x, "");
    case HLOC_OP_CEIL: return cg_intrinsic(c, "llvm.ceil", &x, 1);
    case HLOC_OP_FLOOR: return cg_intrinsic(c, "llvm.floor", &x, 1);
    case HLOC_OP_ROUND_NEAREST_AFZ: return cg_intrinsic(c, "llvm.round", &x, 1);
    case HLOC_OP_ROUND_NEAREST_EVEN: return cg_intrinsic(c, "llvm.roundeven", &x, 1);
    case HLOC_OP_SQRT: return cg_intrinsic(c, "llvm.sqrt", &x, 1);
    case HLOC_OP_RSQRT: return LLVMBuildFDiv(B, fconst(x, 1.0), cg_intrinsic(c, "llvm.sqrt", &x, 1), "");
    case HLOC_OP_CBRT: return cg_libm(c, "cbrt", &x, 1);
    case HLOC_OP_EXPONENTIAL: return cg_math_exp(c, x);
    case HLOC_OP_EXPONENTIAL_MINUS_ONE: return cg_libm(c, "expm1", &x, 1);
    case HLOC_OP_LOG: return cg_math_log(c, x);
    case HLOC_OP_LOG_PLUS_ONE: return cg_libm(c, "log1p", &x, 1);
    case HLOC_OP_LOGISTIC: {
        /* 1 / (1 + e^-x), written so that large |x| saturates to 0 or 1 without NaN. */
        LLVMValueRef e = cg_math_exp(c, LLVMBuildFNeg(B, x, ""));
        return LLVMBuildFDiv(B, fconst(x, 1.0), LLVMBuildFAdd(B, fconst(x, 1.0), e, ""), "");
    }
    case HLOC_OP_TANH: return cg_math_tanh(c, x);
    case HLOC_OP_ERF: return cg_math_erf(c, x);
    case HLOC_OP_SINE: return cg_math_sin(c, x);
    case HLOC_OP_COSINE: return cg_math_cos(c, x);
    case HLOC_OP_TAN: return cg_libm(c, "tan", &x, 1);
    case HLOC_OP_ACOS: return cg_libm(c, "acos", &x, 1);
    case HLOC_OP_ASIN: return cg_libm(c, "asin", &x, 1);
    case HLOC_OP_ATAN: return cg_libm(c, "atan", &x, 1);
    case HLOC_OP_ACOSH: return cg_libm(c, "acosh", &x, 1);
    case HLOC_OP_ASINH: return cg_libm(c, "asinh", &x, 1);
    case HLOC_OP_ATANH: return cg_libm(c, "atanh", &x, 1);
    case HLOC_OP_COSH: return cg_libm(c, "cosh", &x, 1);
    case HLOC_OP_SINH: return cg_libm(c, "sinh", &x, 1);
    case HLOC_OP_SIGN: {
        LLVMValueRef pos = LLVMBuildFCmp(B, LLVMRealOGT, x, fconst(x, 0), "");
        LLVMValueRef neg = LLVMBuildFCmp(B, LLVMRealOLT, x, fconst(x, 0), "");
        return ew_select(c, pos, fconst(x, 1), ew_select(c, neg, fconst(x, -1), x));
    }
    case HLOC_OP_IS_FINITE: {
        LLVMValueRef ax = cg_intrinsic(c, "llvm.fabs", &x, 1);
        return LLVMBuildFCmp(B, LLVMRealOLT, ax, fconst(x, INFINITY), "");
    }
    default:
        cg_unsupported(c, i, "this opcode on floating-point elements");
        return x;
    }
}

static LLVMValueRef int_unary(cg *c, const hloc_instr *i, hloc_type t, LLVMValueRef x) {
    LLVMBuilderRef B = c->b;
    LLVMTypeRef ty = LLVMTypeOf(x);
    bool sgn = hloc_type_is_signed_int(t);
    switch (i->op) {
    case HLOC_OP_ABS:
        if (!sgn) return x;
        return ew_select(c, LLVMBuildICmp(B, LLVMIntSLT, x, LLVMConstNull(ty), ""), LLVMBuildNeg(B, x, ""), x);
    case HLOC_OP_NEGATE: return LLVMBuildNeg(B, x, "");
    case HLOC_OP_NOT:
        if (t == HLOC_TYPE_PRED) return LLVMBuildXor(B, x, LLVMConstInt(c->t_i1, 1, 0), "");
        return LLVMBuildNot(B, x, "");
    case HLOC_OP_SIGN:
        if (!sgn) return LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntNE, x, LLVMConstNull(ty), ""), ty, "");
        return ew_select(c, LLVMBuildICmp(B, LLVMIntSGT, x, LLVMConstNull(ty), ""), LLVMConstInt(ty, 1, 0),
                         ew_select(c, LLVMBuildICmp(B, LLVMIntSLT, x, LLVMConstNull(ty), ""),
                                   LLVMConstAllOnes(ty), LLVMConstNull(ty)));
    case HLOC_OP_POPCNT: {
        int bits = hloc_type_bits(t);
        if (bits < 8) x = LLVMBuildAnd(B, x, LLVMConstInt(ty, (1u << bits) - 1, 0), "");
        return cg_intrinsic(c, "llvm.ctpop", &x, 1);
    }
    case HLOC_OP_COUNT_LEADING_ZEROS: {
        int bits = hloc_type_bits(t);
        LLVMValueRef a[2] = {x, LLVMConstInt(c->t_i1, 0, 0)};
        if (bits < 8) {
            a[0] = LLVMBuildShl(B, x, LLVMConstInt(ty, (unsigned)(8 - bits), 0), "");
            LLVMValueRef r = cg_intrinsic(c, "llvm.ctlz", a, 2);
            LLVMValueRef bv = LLVMConstInt(ty, (unsigned)bits, 0);
            return ew_select(c, LLVMBuildICmp(B, LLVMIntUGT, r, bv, ""), bv, r);
        }
        return cg_intrinsic(c, "llvm.ctlz", a, 2);
    }
    case HLOC_OP_IS_FINITE:
        return LLVMConstInt(c->t_i1, 1, 0);
    default:
        cg_unsupported(c, i, "this opcode on integer elements");
        return x;
    }
}

static LLVMValueRef binary(cg *c, const hloc_instr *i, hloc_type t, LLVMValueRef a, LLVMValueRef b) {
    LLVMBuilderRef B = c->b;
    bool fl = hloc_type_is_float(t), pred = t == HLOC_TYPE_PRED, sgn = hloc_type_is_signed_int(t);
    switch (i->op) {
    case HLOC_OP_ADD:
        if (pred) return LLVMBuildOr(B, a, b, "");
        return fl ? LLVMBuildFAdd(B, a, b, "") : LLVMBuildAdd(B, a, b, "");
    case HLOC_OP_SUBTRACT:
        if (pred) return LLVMBuildXor(B, a, b, "");
        return fl ? LLVMBuildFSub(B, a, b, "") : LLVMBuildSub(B, a, b, "");
    case HLOC_OP_MULTIPLY:
        if (pred) return LLVMBuildAnd(B, a, b, "");
        return fl ? LLVMBuildFMul(B, a, b, "") : LLVMBuildMul(B, a, b, "");
    case HLOC_OP_DIVIDE:
        if (fl) return LLVMBuildFDiv(B, a, b, "");
        if (pred) return a;
        return int_div(c, a, b, sgn, false);
    case HLOC_OP_REMAINDER:
        if (fl) return LLVMBuildFRem(B, a, b, "");
        if (pred) return LLVMConstInt(c->t_i1, 0, 0);
        return int_div(c, a, b, sgn, true);
    case HLOC_OP_MAXIMUM:
        return fl ? fminmax(c, a, b, true) : int_minmax(c, a, b, true, sgn);
    case HLOC_OP_MINIMUM:
        return fl ? fminmax(c, a, b, false) : int_minmax(c, a, b, false, sgn);
    case HLOC_OP_AND: if (!fl) return LLVMBuildAnd(B, a, b, ""); break;
    case HLOC_OP_OR: if (!fl) return LLVMBuildOr(B, a, b, ""); break;
    case HLOC_OP_XOR: if (!fl) return LLVMBuildXor(B, a, b, ""); break;
    case HLOC_OP_SHIFT_LEFT: case HLOC_OP_SHIFT_RIGHT_LOGICAL: case HLOC_OP_SHIFT_RIGHT_ARITHMETIC:
        if (!fl && !pred) return subbyte_shift(c, i->op, t, a, b);
        break;
    case HLOC_OP_POWER: {
        if (!fl && !pred) return int_pow(c, a, b, sgn);
        if (!fl) break;
        LLVMValueRef args[2] = {a, b};
        return cg_libm(c, "pow", args, 2);
    }
    case HLOC_OP_ATAN2: {
        if (!fl) break;
        LLVMValueRef args[2] = {a, b};
        return cg_libm(c, "atan2", args, 2);
    }
    case HLOC_OP_MULHI: {
        if (fl || pred) break;
        LLVMTypeRef ty = LLVMTypeOf(a);
        unsigned w = LLVMGetIntTypeWidth(ty);
        LLVMTypeRef wide = LLVMIntTypeInContext(c->ctx, 2 * w);
        LLVMValueRef wa = sgn ? LLVMBuildSExt(B, a, wide, "") : LLVMBuildZExt(B, a, wide, "");
        LLVMValueRef wb = sgn ? LLVMBuildSExt(B, b, wide, "") : LLVMBuildZExt(B, b, wide, "");
        LLVMValueRef p = LLVMBuildMul(B, wa, wb, "");
        int bits = hloc_type_bits(t);
        return LLVMBuildTrunc(B, LLVMBuildAShr(B, p, LLVMConstInt(wide, bits < 8 ? (unsigned)bits : w, 0), ""),
                              ty, "");
    }
    default:
        break;
    }
    cg_unsupported(c, i, "this opcode on this element type");
    return a;
}

/* XLA's reduce-precision on the f32 (or f64) bits: round the mantissa to nearest even, then
 * overflow to inf and underflow to zero for the narrower exponent; NaNs pass through. */
static LLVMValueRef reduce_precision(cg *c, const hloc_instr *i, LLVMValueRef x) {
    LLVMBuilderRef B = c->b;
    bool dbl = LLVMTypeOf(x) == c->t_f64;
    LLVMTypeRef it = dbl ? c->t_i64 : c->t_i32;
    int se = dbl ? 11 : 8, sm = dbl ? 52 : 23, nbits = dbl ? 64 : 32;
    int64_t e = i->attrs->exponent_bits, m = i->attrs->mantissa_bits;
    if (e < 1 || m < 0) {
        cg_unsupported(c, i, "reduce-precision with exponent_bits < 1 or mantissa_bits < 0");
        return x;
    }
    if (e > se) e = se;
    if (m > sm) m = sm;
#define K(v) LLVMConstInt(it, (unsigned long long)(v), 0)
    LLVMValueRef bits = LLVMBuildBitCast(B, x, it, "");
    if (m < sm) {
        uint64_t last = 1ull << (sm - m);
        LLVMValueRef lsb = LLVMBuildLShr(B, LLVMBuildAnd(B, bits, K(last), ""), K(sm - m), "");
        LLVMValueRef bias = LLVMBuildAdd(B, lsb, K((last >> 1) - 1), "");
        bits = LLVMBuildAnd(B, LLVMBuildAdd(B, bits, bias, ""), K(~(last - 1)), "");
    }
    if (e < se) {
        uint64_t sign = 1ull << (nbits - 1), emask = ((1ull << se) - 1) << sm;
        uint64_t ebias = (1ull << (se - 1)) - 1, rbias = (1ull << (e - 1)) - 1;
        LLVMValueRef xe = LLVMBuildAnd(B, bits, K(emask), "");
        LLVMValueRef sz = LLVMBuildAnd(B, bits, K(sign), "");
        LLVMValueRef over = LLVMBuildICmp(B, LLVMIntUGT, xe, K((ebias + rbias) << sm), "");
        LLVMValueRef under = LLVMBuildICmp(B, LLVMIntULE, xe, K((ebias - rbias) << sm), "");
        bits = LLVMBuildSelect(B, over, LLVMBuildOr(B, sz, K(emask), ""),
                               LLVMBuildSelect(B, under, sz, bits, ""), "");
    }
#undef K
    LLVMValueRef r = LLVMBuildBitCast(B, bits, LLVMTypeOf(x), "");
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealUNO, x, x, ""), x, r, "");
}

static LLVMValueRef bitcast_convert(cg *c, const hloc_instr *i, LLVMValueRef x) {
    hloc_type from = i->operands[0]->shape.type, to = i->shape.type;
    if (hloc_type_bytes(from) != hloc_type_bytes(to) || hloc_type_bits(from) != hloc_type_bits(to)) {
        cg_unsupported(c, i, "a bitcast-convert between element types of different widths");
        return LLVMGetUndef(cg_ctype(c, to));
    }
    /* Through memory: store in |from|'s format, load in |to|'s; mem2reg turns it into bit ops. */
    LLVMValueRef slot = cg_alloca(c, c->t_i64, "bits");
    LLVMValueRef zero = cg_const_i64(c, 0);
    cg_store(c, from, slot, zero, x);
    return cg_load(c, to, slot, zero);
}

static LLVMValueRef part(cg *c, LLVMValueRef v, unsigned k) {
    return LLVMBuildExtractElement(c->b, v, LLVMConstInt(c->t_i32, k, 0), "");
}

static LLVMValueRef make_complex(cg *c, LLVMValueRef re, LLVMValueRef im) {
    LLVMValueRef v = LLVMGetUndef(LLVMVectorType(LLVMTypeOf(re), 2));
    v = LLVMBuildInsertElement(c->b, v, re, LLVMConstInt(c->t_i32, 0, 0), "");
    return LLVMBuildInsertElement(c->b, v, im, LLVMConstInt(c->t_i32, 1, 0), "");
}

/* Complex elements are (re, im) 2-vectors: add/subtract/negate work lane-wise; multiply and
 * divide by the textbook formulas. Transcendentals on complex numbers are not supported. */
static LLVMValueRef complex_ew(cg *c, const hloc_instr *i, const LLVMValueRef *x) {
    LLVMBuilderRef B = c->b;
    hloc_type ot = i->operands[0]->shape.type;
    bool cx = hloc_type_is_complex(ot);
    switch (i->op) {
    case HLOC_OP_REAL: return cx ? part(c, x[0], 0) : x[0];
    case HLOC_OP_IMAG: return cx ? part(c, x[0], 1) : LLVMConstNull(LLVMTypeOf(x[0]));
    case HLOC_OP_COMPLEX: return make_complex(c, x[0], x[1]);
    case HLOC_OP_ADD: return LLVMBuildFAdd(B, x[0], x[1], "");
    case HLOC_OP_SUBTRACT: return LLVMBuildFSub(B, x[0], x[1], "");
    case HLOC_OP_NEGATE: return LLVMBuildFNeg(B, x[0], "");
    case HLOC_OP_MULTIPLY: case HLOC_OP_DIVIDE: {
        LLVMValueRef ar = part(c, x[0], 0), ai = part(c, x[0], 1), br = part(c, x[1], 0), bi = part(c, x[1], 1);
        if (i->op == HLOC_OP_MULTIPLY)
            return make_complex(c, LLVMBuildFSub(B, LLVMBuildFMul(B, ar, br, ""), LLVMBuildFMul(B, ai, bi, ""), ""),
                                LLVMBuildFAdd(B, LLVMBuildFMul(B, ar, bi, ""), LLVMBuildFMul(B, ai, br, ""), ""));
        LLVMValueRef d = LLVMBuildFAdd(B, LLVMBuildFMul(B, br, br, ""), LLVMBuildFMul(B, bi, bi, ""), "");
        LLVMValueRef re = LLVMBuildFAdd(B, LLVMBuildFMul(B, ar, br, ""), LLVMBuildFMul(B, ai, bi, ""), "");
        LLVMValueRef im = LLVMBuildFSub(B, LLVMBuildFMul(B, ai, br, ""), LLVMBuildFMul(B, ar, bi, ""), "");
        return make_complex(c, LLVMBuildFDiv(B, re, d, ""), LLVMBuildFDiv(B, im, d, ""));
    }
    case HLOC_OP_ABS: {
        LLVMValueRef a[2] = {part(c, x[0], 0), part(c, x[0], 1)};
        return cg_libm(c, "hypot", a, 2);
    }
    case HLOC_OP_COMPARE: {
        hloc_cmp_dir dir = i->attrs->cmp_dir;
        if (dir != HLOC_CMP_EQ && dir != HLOC_CMP_NE) break;
        LLVMValueRef v = LLVMBuildFCmp(B, dir == HLOC_CMP_EQ ? LLVMRealOEQ : LLVMRealUNE, x[0], x[1], "");
        LLVMValueRef p0 = part(c, v, 0), p1 = part(c, v, 1);
        return dir == HLOC_CMP_EQ ? LLVMBuildAnd(B, p0, p1, "") : LLVMBuildOr(B, p0, p1, "");
    }
    default:
        break;
    }
    cg_unsupported(c, i, "this opcode on complex elements");
    return LLVMGetUndef(cg_ctype(c, i->shape.type));
}

LLVMValueRef cg_elementwise(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMValueRef x[3];
    if (i->n_operands > 3) {
        cg_unsupported(c, i, "more than three operands");
        return LLVMGetUndef(cg_ctype(c, i->shape.type));
    }
    for (uint32_t k = 0; k < i->n_operands; k++) x[k] = cg_operand(c, s, i, k, idx);
    if (c->err) return LLVMGetUndef(cg_ctype(c, i->shape.type));
    return cg_ew_apply(c, i, x);
}

bool cg_ew_vectorizable(const hloc_instr *i) {
    if (i->shape.type != HLOC_TYPE_F32) return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (i->operands[k]->shape.type != HLOC_TYPE_F32) return false;
    switch (i->op) {
    case HLOC_OP_ADD: case HLOC_OP_SUBTRACT: case HLOC_OP_MULTIPLY: case HLOC_OP_DIVIDE:
    case HLOC_OP_MAXIMUM: case HLOC_OP_MINIMUM: case HLOC_OP_CLAMP: case HLOC_OP_NEGATE:
    case HLOC_OP_ABS: case HLOC_OP_COPY: case HLOC_OP_CONVERT: case HLOC_OP_CEIL: case HLOC_OP_FLOOR:
    case HLOC_OP_ROUND_NEAREST_EVEN: case HLOC_OP_SQRT: case HLOC_OP_RSQRT:
    case HLOC_OP_EXPONENTIAL: case HLOC_OP_LOG: case HLOC_OP_LOGISTIC: case HLOC_OP_TANH:
    case HLOC_OP_ERF: case HLOC_OP_SINE: case HLOC_OP_COSINE: case HLOC_OP_SIGN:
        return true;
    default:
        return false;
    }
}

LLVMValueRef cg_ew_apply(cg *c, const hloc_instr *i, const LLVMValueRef *x) {
    hloc_type t = i->shape.type;
    hloc_type ot = i->n_operands ? i->operands[0]->shape.type : t;
    bool any_complex = hloc_type_is_complex(t) || hloc_type_is_complex(ot) || i->op == HLOC_OP_REAL ||
                       i->op == HLOC_OP_IMAG || i->op == HLOC_OP_COMPLEX;
    if (any_complex && i->op != HLOC_OP_CONVERT && i->op != HLOC_OP_COPY && i->op != HLOC_OP_SELECT)
        return complex_ew(c, i, x);
    switch (i->op) {
    case HLOC_OP_CONVERT:
        return cg_convert(c, x[0], ot, t);
    case HLOC_OP_COPY:
        return x[0];
    case HLOC_OP_BITCAST_CONVERT: case HLOC_OP_BITCAST:
        return bitcast_convert(c, i, x[0]);
    case HLOC_OP_COMPARE:
        return compare(c, i, x[0], x[1]);
    case HLOC_OP_SELECT:
        return ew_select(c, x[0], x[1], x[2]);
    case HLOC_OP_CLAMP: {
        /* clamp(lo, x, hi) = min(max(x, lo), hi) */
        hloc_type xt = i->operands[1]->shape.type;
        bool fl = hloc_type_is_float(xt), sgn = hloc_type_is_signed_int(xt);
        LLVMValueRef r = fl ? fminmax(c, x[1], x[0], true) : int_minmax(c, x[1], x[0], true, sgn);
        return fl ? fminmax(c, r, x[2], false) : int_minmax(c, r, x[2], false, sgn);
    }
    case HLOC_OP_REDUCE_PRECISION:
        if (!hloc_type_is_float(ot)) {
            cg_unsupported(c, i, "reduce-precision of a non-float type");
            return x[0];
        }
        return cg_fit(c, t, reduce_precision(c, i, x[0]));
    default:
        break;
    }
    LLVMValueRef r;
    if (i->n_operands == 1) {
        if (i->op == HLOC_OP_IS_FINITE)
            return hloc_type_is_float(ot) ? float_unary(c, i, x[0]) : LLVMConstInt(c->t_i1, 1, 0);
        r = hloc_type_is_float(ot) ? float_unary(c, i, x[0]) : int_unary(c, i, ot, x[0]);
    } else if (i->n_operands == 2) {
        r = binary(c, i, ot, x[0], x[1]);
    } else {
        cg_unsupported(c, i, "this elementwise opcode");
        return LLVMGetUndef(cg_ctype(c, t));
    }
    return cg_fit(c, t, r);
}
