/* rng-bit-generator and rng, bit for bit what hlo/eval_rng.c computes (see its file comment for
 * XLA's sources): Threefry-2x32 and Philox-4x32 unrolled into straight-line integer IR, the same
 * counter layouts, output orders and new-state words; rng's uniform and Box-Muller transforms in
 * the evaluator's arithmetic (Box-Muller through libm in f64, as it is not a hot loop). rng keys
 * its stream with the instruction's id, as the evaluator does. */
#include <math.h>

#include "cg.h"

static LLVMValueRef c32(cg *c, uint32_t v) { return LLVMConstInt(c->t_i32, v, 0); }

static LLVMValueRef rotl32(cg *c, LLVMValueRef v, int d) {
    LLVMBuilderRef b = c->b;
    return LLVMBuildOr(b, LLVMBuildShl(b, v, c32(c, (uint32_t)d), ""),
                       LLVMBuildLShr(b, v, c32(c, (uint32_t)(32 - d)), ""), "");
}

static LLVMValueRef lo32(cg *c, LLVMValueRef v64) {
    return LLVMBuildTrunc(c->b, v64, c->t_i32, "");
}
static LLVMValueRef hi32(cg *c, LLVMValueRef v64) {
    return LLVMBuildTrunc(c->b, LLVMBuildLShr(c->b, v64, cg_const_i64(c, 32), ""), c->t_i32, "");
}
static LLVMValueRef join64(cg *c, LLVMValueRef lo, LLVMValueRef hi) {
    LLVMBuilderRef b = c->b;
    return LLVMBuildOr(b, LLVMBuildZExt(b, lo, c->t_i64, ""),
                       LLVMBuildShl(b, LLVMBuildZExt(b, hi, c->t_i64, ""), cg_const_i64(c, 32), ""),
                       "");
}

/* Threefry-2x32, 20 rounds, on the 64-bit key and counter (low word first). */
static void threefry(cg *c, LLVMValueRef key, LLVMValueRef ctr, LLVMValueRef out[2]) {
    static const int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    LLVMBuilderRef b = c->b;
    LLVMValueRef ks[3];
    ks[0] = lo32(c, key);
    ks[1] = hi32(c, key);
    ks[2] = LLVMBuildXor(b, LLVMBuildXor(b, c32(c, 0x1BD11BDAu), ks[0], ""), ks[1], "");
    LLVMValueRef x0 = LLVMBuildAdd(b, lo32(c, ctr), ks[0], "");
    LLVMValueRef x1 = LLVMBuildAdd(b, hi32(c, ctr), ks[1], "");
    for (int group = 0; group < 5; group++) {
        for (int r = 0; r < 4; r++) {
            x0 = LLVMBuildAdd(b, x0, x1, "");
            x1 = LLVMBuildXor(b, rotl32(c, x1, rot[(group % 2) * 4 + r]), x0, "");
        }
        x0 = LLVMBuildAdd(b, x0, ks[(group + 1) % 3], "");
        x1 = LLVMBuildAdd(
            b, x1, LLVMBuildAdd(b, ks[(group + 2) % 3], c32(c, (uint32_t)group + 1), ""), "");
    }
    out[0] = x0;
    out[1] = x1;
}

/* Philox-4x32, 10 rounds: block |i| of the stream at the 128-bit counter (lo, hi). */
static void philox(cg *c, LLVMValueRef key, LLVMValueRef lo, LLVMValueRef hi, LLVMValueRef i,
                   LLVMValueRef out[4]) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef l = LLVMBuildAdd(b, lo, i, "");
    LLVMValueRef carry = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntULT, l, lo, ""), c->t_i64, "");
    LLVMValueRef h = LLVMBuildAdd(b, hi, carry, "");
    LLVMValueRef k0 = lo32(c, key), k1 = hi32(c, key);
    LLVMValueRef x[4] = {lo32(c, l), hi32(c, l), lo32(c, h), hi32(c, h)};
    for (int r = 0; r < 10; r++) {
        LLVMValueRef p0 =
            LLVMBuildMul(b, LLVMBuildZExt(b, x[0], c->t_i64, ""), cg_const_i64(c, 0xD2511F53), "");
        LLVMValueRef p1 =
            LLVMBuildMul(b, LLVMBuildZExt(b, x[2], c->t_i64, ""), cg_const_i64(c, 0xCD9E8D57), "");
        LLVMValueRef n0 = LLVMBuildXor(b, LLVMBuildXor(b, hi32(c, p1), x[1], ""), k0, "");
        LLVMValueRef n2 = LLVMBuildXor(b, LLVMBuildXor(b, hi32(c, p0), x[3], ""), k1, "");
        x[0] = n0;
        x[1] = lo32(c, p1);
        x[2] = n2;
        x[3] = lo32(c, p0);
        k0 = LLVMBuildAdd(b, k0, c32(c, 0x9E3779B9u), "");
        k1 = LLVMBuildAdd(b, k1, c32(c, 0xBB67AE85u), "");
    }
    for (int k = 0; k < 4; k++)
        out[k] = x[k];
}

/* Element offset of row-major element number |e| of a buffer of shape |s|. */
static LLVMValueRef lin_offset(cg *c, const hloc_shape *s, LLVMValueRef e) {
    if (!s->has_layout || hloc_shape_has_default_layout(s)) return e;
    LLVMValueRef idx[HLOC_MAX_RANK];
    for (uint32_t d = s->rank; d-- > 0;) {
        LLVMValueRef n = cg_const_i64(c, s->dims[d] ? s->dims[d] : 1);
        idx[d] = LLVMBuildURem(c->b, e, n, "");
        e = LLVMBuildUDiv(c->b, e, n, "");
    }
    return cg_offset(c, s, idx);
}

/* Stores the low bits of |v| (i32 or i64) as the encoding of an element of type |t|. */
static void store_bits(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off, LLVMValueRef v) {
    LLVMTypeRef it = LLVMIntTypeInContext(c->ctx, (unsigned)hloc_type_bytes(t) * 8);
    unsigned vw = LLVMGetIntTypeWidth(LLVMTypeOf(v)), iw = LLVMGetIntTypeWidth(it);
    if (vw > iw)
        v = LLVMBuildTrunc(c->b, v, it, "");
    else if (vw < iw)
        v = LLVMBuildZExt(c->b, v, it, "");
    LLVMValueRef p = LLVMBuildGEP2(c->b, it, cg_base(c, base), &off, 1, "");
    LLVMSetAlignment(LLVMBuildStore(c->b, v, p), (unsigned)hloc_type_bytes(t));
}

/* What to do with word number |e| of a random stream (an i32, or an i64 for wide streams). */
typedef void (*word_fn)(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, void *arg,
                        LLVMValueRef e, LLVMValueRef word);

/* Words 0..n-1 of the Philox stream at (lo, hi): four u32 per block, or two u64 when |wide|.
 * Returns the number of blocks used (the counter's advance). */
static int64_t philox_stream(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst,
                             LLVMValueRef key, LLVMValueRef lo, LLVMValueRef hi, int64_t n,
                             bool wide, word_fn fn, void *arg) {
    int64_t per = wide ? 2 : 4, blocks = (n + per - 1) / per;
    if (!blocks) return 0;
    cg_loop l;
    cg_loop_begin(c, &l, cg_const_i64(c, blocks), "philox");
    LLVMValueRef w[4];
    philox(c, key, lo, hi, l.iv, w);
    for (int64_t j = 0; j < per; j++) {
        LLVMValueRef e = LLVMBuildAdd(c->b, LLVMBuildMul(c->b, l.iv, cg_const_i64(c, per), ""),
                                      cg_const_i64(c, j), "");
        LLVMValueRef v = wide ? join64(c, w[2 * j], w[2 * j + 1]) : w[j];
        if (n % per == 0 || j == 0) {
            fn(c, s, i, dst, arg, e, v);
            continue;
        }
        LLVMBasicBlockRef then = cg_block(c, "word"), join = cg_block(c, "word.next");
        LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, e, cg_const_i64(c, n), ""), then,
                        join);
        LLVMPositionBuilderAtEnd(c->b, then);
        fn(c, s, i, dst, arg, e, v);
        LLVMBuildBr(c->b, join);
        LLVMPositionBuilderAtEnd(c->b, join);
    }
    cg_loop_end(c, &l);
    return blocks;
}

static void put_word(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, void *arg,
                     LLVMValueRef e, LLVMValueRef word) {
    (void)s, (void)i, (void)arg;
    store_bits(c, dst->shape->type, dst->ptr, lin_offset(c, dst->shape, e), word);
}

/* XLA's SplitShapeIntoHalves (see hlo/eval_rng.c): the first even dim, else the largest. */
static int split_dim(const hloc_shape *s) {
    for (uint32_t d = 0; d < s->rank; d++)
        if (s->dims[d] % 2 == 0) return (int)d;
    int best = -1;
    for (uint32_t d = 0; d < s->rank; d++)
        if (best < 0 || s->dims[d] > s->dims[best]) best = (int)d;
    return best;
}

/* Threefry over the bits buffer; returns the counter's advance. */
static int64_t threefry_fill(cg *c, const cg_value *bits, LLVMValueRef key, LLVMValueRef ctr) {
    const hloc_shape *bs = bits->shape;
    LLVMBuilderRef b = c->b;
    bool wide = hloc_type_bits(bs->type) == 64;
    int split = wide ? -1 : split_dim(bs);
    int64_t hd[HLOC_MAX_RANK], n_half = 1;
    for (uint32_t d = 0; d < bs->rank; d++) {
        hd[d] = (int)d == split ? (bs->dims[d] + 1) / 2 : bs->dims[d];
        n_half *= hd[d];
    }
    if (!n_half) return 0;
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, bs->rank, hd, NULL, idx);
    LLVMValueRef e = cg_const_i64(c, 0);
    int64_t stride = 1;
    for (uint32_t d = bs->rank; d-- > 0;) {
        e = LLVMBuildAdd(b, e, LLVMBuildMul(b, idx[d], cg_const_i64(c, stride), ""), "");
        stride *= hd[d];
    }
    LLVMValueRef w[2];
    threefry(c, key, LLVMBuildAdd(b, ctr, e, ""), w);
    if (wide) {
        store_bits(c, bs->type, bits->ptr, cg_offset(c, bs, idx), join64(c, w[0], w[1]));
    } else if (split < 0) {
        store_bits(c, bs->type, bits->ptr, cg_const_i64(c, 0), w[0]);
    } else {
        LLVMValueRef h = idx[split];
        for (int j = 0; j < 2; j++) {
            idx[split] =
                LLVMBuildAdd(b, LLVMBuildMul(b, h, cg_const_i64(c, 2), ""), cg_const_i64(c, j), "");
            if (j == 0 || bs->dims[split] % 2 == 0) {
                store_bits(c, bs->type, bits->ptr, cg_offset(c, bs, idx), w[j]);
                continue;
            }
            LLVMBasicBlockRef then = cg_block(c, "half"), join = cg_block(c, "half.next");
            LLVMValueRef in =
                LLVMBuildICmp(b, LLVMIntSLT, idx[split], cg_const_i64(c, bs->dims[split]), "");
            LLVMBuildCondBr(b, in, then, join);
            LLVMPositionBuilderAtEnd(b, then);
            store_bits(c, bs->type, bits->ptr, cg_offset(c, bs, idx), w[j]);
            LLVMBuildBr(b, join);
            LLVMPositionBuilderAtEnd(b, join);
        }
    }
    cg_nest_end(c, &nest);
    return n_half;
}

void cg_emit_rng_bit_generator(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_shape *st = i->n_operands == 1 ? &i->operands[0]->shape : NULL;
    if (!st || st->type != HLOC_TYPE_U64 || st->rank != 1 || st->dims[0] < 2 ||
        dst->kind != CGV_TUPLE || dst->n_elems != 2 || dst->elems[0].kind != CGV_BUFFER ||
        dst->elems[1].kind != CGV_BUFFER || !hloc_shape_same_dims(dst->elems[0].shape, st) ||
        dst->elems[0].shape->type != HLOC_TYPE_U64) {
        cg_fail(
            c, HLOC_STATUS_INVALID_ARGUMENT,
            "%d:%d: rng-bit-generator '%s' takes a u64[n] state, n >= 2, and returns (state, bits)",
            i->loc.line, i->loc.col, i->name);
        return;
    }
    const cg_value *ns = &dst->elems[0], *bits = &dst->elems[1];
    hloc_type bt = bits->shape->type;
    int w = hloc_type_bits(bt);
    if (!(hloc_type_is_int(bt) && w >= 8) &&
        !(hloc_type_is_float(bt) && (w == 16 || w == 32 || w == 64))) {
        cg_unsupported(c, i, "random bits of this element type");
        return;
    }
    int64_t n_state = st->dims[0];
    bool three_fry = i->attrs->rng_algorithm == HLOC_RNG_THREE_FRY;
    if (three_fry && n_state != 2) {
        cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT,
                "%d:%d: rng-bit-generator '%s': rng_three_fry needs a u64[2] state", i->loc.line,
                i->loc.col, i->name);
        return;
    }
    LLVMValueRef sv[3];
    for (int k = 0; k < 3 && k < n_state; k++) {
        LLVMValueRef at = cg_const_i64(c, k);
        sv[k] = cg_operand(c, s, i, 0, &at);
    }
    /* Copy the state first: words past the counter come back unchanged. */
    cg_loop cl;
    cg_loop_begin(c, &cl, cg_const_i64(c, n_state), "state");
    LLVMValueRef word = cg_operand(c, s, i, 0, &cl.iv);
    cg_store(c, HLOC_TYPE_U64, ns->ptr, cg_offset(c, ns->shape, &cl.iv), word);
    cg_loop_end(c, &cl);
    LLVMValueRef one = cg_const_i64(c, 1), two = cg_const_i64(c, 2);
    int64_t n = hloc_shape_elements(bits->shape);
    if (three_fry) {
        int64_t adv = threefry_fill(c, bits, sv[0], sv[1]);
        cg_store(c, HLOC_TYPE_U64, ns->ptr, cg_offset(c, ns->shape, &one),
                 LLVMBuildAdd(c->b, sv[1], cg_const_i64(c, adv), ""));
        return;
    }
    /* Philox: a u64[2] state holds the counter as (low = state[1], high = state[0]) and only the
     * low word comes back; a longer one holds (state[1], state[2]). */
    LLVMValueRef lo = sv[1], hi = n_state >= 3 ? sv[2] : sv[0];
    int64_t blocks = philox_stream(c, s, i, bits, sv[0], lo, hi, n, w == 64, put_word, NULL);
    LLVMValueRef nlo = LLVMBuildAdd(c->b, lo, cg_const_i64(c, blocks), "");
    cg_store(c, HLOC_TYPE_U64, ns->ptr, cg_offset(c, ns->shape, &one), nlo);
    if (n_state >= 3) {
        LLVMValueRef carry =
            LLVMBuildZExt(c->b, LLVMBuildICmp(c->b, LLVMIntULT, nlo, lo, ""), c->t_i64, "");
        cg_store(c, HLOC_TYPE_U64, ns->ptr, cg_offset(c, ns->shape, &two),
                 LLVMBuildAdd(c->b, hi, carry, ""));
    }
}

/* ---- rng ---- */

typedef struct uniform_arg {
    LLVMValueRef a, b; /* compute values: f32 for narrow floats and f32, f64, iW for ints */
    int bw;
} uniform_arg;

/* A float in [0, 1) from the top mantissa bits of a word, as the evaluator makes it. */
static LLVMValueRef unit_float(cg *c, LLVMValueRef word, int bw, bool in_f64) {
    LLVMBuilderRef b = c->b;
    if (bw == 32) {
        LLVMValueRef m = LLVMBuildLShr(b, word, c32(c, 9), "");
        if (in_f64)
            return LLVMBuildFMul(b, LLVMBuildUIToFP(b, m, c->t_f64, ""),
                                 LLVMConstReal(c->t_f64, 0x1p-23), "");
        return LLVMBuildFMul(b, LLVMBuildUIToFP(b, m, c->t_f32, ""),
                             LLVMConstReal(c->t_f32, 0x1p-23), "");
    }
    LLVMValueRef m = LLVMBuildLShr(b, word, cg_const_i64(c, 12), "");
    return LLVMBuildFMul(b, LLVMBuildUIToFP(b, m, c->t_f64, ""), LLVMConstReal(c->t_f64, 0x1p-52),
                         "");
}

static void put_uniform(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, void *argp,
                        LLVMValueRef e, LLVMValueRef word) {
    (void)s, (void)i;
    const uniform_arg *ua = argp;
    LLVMBuilderRef b = c->b;
    hloc_type t = dst->shape->type;
    LLVMValueRef v;
    if (hloc_type_is_float(t)) {
        LLVMValueRef u = unit_float(c, word, ua->bw, false);
        v = LLVMBuildFAdd(b, LLVMBuildFMul(b, u, LLVMBuildFSub(b, ua->b, ua->a, ""), ""), ua->a,
                          "");
    } else {
        LLVMValueRef range = LLVMBuildSub(b, ua->b, ua->a, "");
        LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(range));
        LLVMValueRef is0 = LLVMBuildICmp(b, LLVMIntEQ, range, zero, "");
        LLVMValueRef div =
            LLVMBuildSelect(b, is0, LLVMConstInt(LLVMTypeOf(range), 1, 0), range, "");
        LLVMValueRef dist = LLVMBuildSelect(b, is0, word, LLVMBuildURem(b, word, div, ""), "");
        v = LLVMBuildAdd(b, ua->a, dist, "");
    }
    cg_store(c, t, dst->ptr, lin_offset(c, dst->shape, e), v);
}

/* The normal distribution: Box-Muller on the word pairs of XLA's concatenated shape. */
static void emit_normal(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int bw) {
    LLVMBuilderRef b = c->b;
    const hloc_shape *os = dst->shape;
    hloc_type t = os->type;
    int split = split_dim(os);
    int64_t hd[HLOC_MAX_RANK], n_half = 1, inner = 1;
    for (uint32_t d = 0; d < os->rank; d++) {
        hd[d] = (int)d == split ? (os->dims[d] + 1) / 2 : os->dims[d];
        n_half *= hd[d];
        if (split >= 0 && (int)d > split) inner *= hd[d];
    }
    if (!n_half) return;
    LLVMValueRef mean = cg_convert(c, cg_operand(c, s, i, 0, NULL), t, HLOC_TYPE_F64);
    LLVMValueRef sigma = cg_convert(c, cg_operand(c, s, i, 1, NULL), t, HLOC_TYPE_F64);
    LLVMValueRef key = cg_const_i64(c, i->id), zero = cg_const_i64(c, 0);
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, os->rank, hd, NULL, idx);
    LLVMValueRef e = zero;
    int64_t stride = 1;
    for (uint32_t d = os->rank; d-- > 0;) {
        e = LLVMBuildAdd(b, e, LLVMBuildMul(b, idx[d], cg_const_i64(c, stride), ""), "");
        stride *= hd[d];
    }
    LLVMValueRef outer = LLVMBuildUDiv(b, e, cg_const_i64(c, inner), "");
    LLVMValueRef in = LLVMBuildURem(b, e, cg_const_i64(c, inner), "");
    LLVMValueRef x[2];
    int64_t per = bw == 64 ? 2 : 4;
    for (int k = 0; k < 2; k++) {
        /* word (outer·2 + k)·inner + in of the stream */
        LLVMValueRef wi = LLVMBuildAdd(
            b,
            LLVMBuildMul(b,
                         LLVMBuildAdd(b, LLVMBuildMul(b, outer, cg_const_i64(c, 2), ""),
                                      cg_const_i64(c, k), ""),
                         cg_const_i64(c, inner), ""),
            in, "");
        LLVMValueRef w[4];
        philox(c, key, zero, zero, LLVMBuildUDiv(b, wi, cg_const_i64(c, per), ""), w);
        LLVMValueRef j = LLVMBuildURem(b, wi, cg_const_i64(c, per), "");
        LLVMValueRef word;
        if (bw == 64) {
            word = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntEQ, j, zero, ""),
                                   join64(c, w[0], w[1]), join64(c, w[2], w[3]), "");
        } else {
            word = w[3];
            for (int q = 2; q >= 0; q--)
                word = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntEQ, j, cg_const_i64(c, q), ""),
                                       w[q], word, "");
        }
        x[k] = unit_float(c, word, bw, true);
    }
    LLVMValueRef u1 =
        LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x[0], LLVMConstReal(c->t_f64, 1.0e-7), ""),
                        x[0], LLVMConstReal(c->t_f64, 1.0e-7), "");
    LLVMValueRef v1 = LLVMBuildFMul(b, LLVMConstReal(c->t_f64, 2.0 * M_PI), x[1], "");
    LLVMValueRef lg = cg_libm(c, "log", &u1, 1);
    LLVMValueRef r = LLVMBuildFMul(b, LLVMConstReal(c->t_f64, -2.0), lg, "");
    r = cg_libm(c, "sqrt", &r, 1);
    LLVMValueRef z[2] = {LLVMBuildFMul(b, cg_libm(c, "sin", &v1, 1), r, ""),
                         LLVMBuildFMul(b, cg_libm(c, "cos", &v1, 1), r, "")};
    LLVMValueRef h = split >= 0 ? idx[split] : NULL;
    for (int k = 0; k < 2; k++) {
        LLVMValueRef v = cg_convert(
            c, LLVMBuildFAdd(b, mean, LLVMBuildFMul(b, sigma, z[k], ""), ""), HLOC_TYPE_F64, t);
        if (split < 0) {
            if (k == 0) cg_store(c, t, dst->ptr, zero, v);
            continue;
        }
        idx[split] =
            LLVMBuildAdd(b, LLVMBuildMul(b, h, cg_const_i64(c, 2), ""), cg_const_i64(c, k), "");
        if (k == 0 || os->dims[split] % 2 == 0) {
            cg_store(c, t, dst->ptr, cg_offset(c, os, idx), v);
            continue;
        }
        LLVMBasicBlockRef then = cg_block(c, "half"), join = cg_block(c, "half.next");
        LLVMBuildCondBr(
            b, LLVMBuildICmp(b, LLVMIntSLT, idx[split], cg_const_i64(c, os->dims[split]), ""), then,
            join);
        LLVMPositionBuilderAtEnd(b, then);
        cg_store(c, t, dst->ptr, cg_offset(c, os, idx), v);
        LLVMBuildBr(b, join);
        LLVMPositionBuilderAtEnd(b, join);
    }
    cg_nest_end(c, &nest);
}

void cg_emit_rng(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    hloc_type t = i->shape.type;
    if (i->n_operands != 2 || i->operands[0]->shape.rank || i->operands[1]->shape.rank ||
        i->operands[0]->shape.type != t || i->operands[1]->shape.type != t ||
        dst->kind != CGV_BUFFER) {
        cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT,
                "%d:%d: rng '%s' takes two scalars of the result type", i->loc.line, i->loc.col,
                i->name);
        return;
    }
    int w = hloc_type_bits(t);
    bool is_f = hloc_type_is_float(t);
    int bw = is_f && w < 32 ? 32 : w;
    if ((bw != 32 && bw != 64) || (!is_f && !hloc_type_is_int(t))) {
        cg_unsupported(c, i, "rng of this element type (32 or 64 bits)");
        return;
    }
    if (i->attrs->rng_distribution == HLOC_RNG_DIST_NORMAL && is_f) {
        emit_normal(c, s, i, dst, bw);
        return;
    }
    if (i->attrs->rng_distribution != HLOC_RNG_DIST_UNIFORM) {
        cg_unsupported(c, i, "rng with this distribution");
        return;
    }
    uniform_arg ua = {cg_operand(c, s, i, 0, NULL), cg_operand(c, s, i, 1, NULL), bw};
    LLVMValueRef zero = cg_const_i64(c, 0);
    philox_stream(c, s, i, dst, cg_const_i64(c, i->id), zero, zero, hloc_shape_elements(dst->shape),
                  bw == 64, put_uniform, &ua);
}
