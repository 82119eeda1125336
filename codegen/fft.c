/* fft (FFT, IFFT, RFFT, IRFFT over the 1–3 innermost dims), as hlo/eval_linalg.c defines it
 * (numpy's fftn family: inverse transforms scale by 1/N, IRFFT reads the first L/2+1 bins of the
 * last axis). The transform runs in complex f64 scratch one axis at a time, each line copied out,
 * transformed and written back: radix-2 Cooley-Tukey when the length is a power of two, otherwise
 * a direct DFT. Twiddles are compile-time constant tables (k·j mod n indexes them, so no angle
 * grows large). */
#include <math.h>
#include <string.h>

#include "cg.h"

/* A constant table of n complex twiddles exp(sign·2πi·k/n). */
static LLVMValueRef twiddles(cg *c, int64_t n, int sign) {
    LLVMTypeRef et = cg_wtype(c, true), at = LLVMArrayType2(et, (uint64_t)n);
    LLVMValueRef *el = HLOC_ARENA_ARRAY(c->arena, LLVMValueRef, (size_t)n);
    if (!el) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    for (int64_t k = 0; k < n; k++) {
        double ang = 2.0 * M_PI * (double)k / (double)n;
        LLVMValueRef v[2] = {LLVMConstReal(c->t_f64, cos(ang)), LLVMConstReal(c->t_f64, sign * sin(ang))};
        el[k] = LLVMConstVector(v, 2);
    }
    LLVMValueRef g = LLVMAddGlobal(c->mod, at, "fft.twiddles");
    LLVMSetInitializer(g, LLVMConstArray2(et, el, (uint64_t)n));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 16);
    return g;
}

/* Bit reversal of 0..n-1 over log2(n) bits, as a constant i64 table. */
static LLVMValueRef bit_reversal(cg *c, int64_t n, int bits) {
    LLVMValueRef *el = HLOC_ARENA_ARRAY(c->arena, LLVMValueRef, (size_t)n);
    if (!el) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    for (int64_t j = 0; j < n; j++) {
        int64_t r = 0;
        for (int q = 0; q < bits; q++)
            if (j & ((int64_t)1 << q)) r |= (int64_t)1 << (bits - 1 - q);
        el[j] = cg_const_i64(c, r);
    }
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMArrayType2(c->t_i64, (uint64_t)n), "fft.bitrev");
    LLVMSetInitializer(g, LLVMConstArray2(c->t_i64, el, (uint64_t)n));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

static LLVMValueRef add(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildAdd(c->b, a, b, ""); }
static LLVMValueRef mul(cg *c, LLVMValueRef a, int64_t k) { return LLVMBuildMul(c->b, a, cg_const_i64(c, k), ""); }

/* In-place unscaled DFT of every line of |w| (row-major |dims|) along |axis|; sign -1 forward,
 * +1 inverse. */
static void dft_axis(cg *c, LLVMValueRef w, const int64_t *dims, uint32_t rank, uint32_t axis, int sign) {
    int64_t n = dims[axis];
    if (n <= 1) return;
    int64_t inner = 1, outer = 1;
    for (uint32_t d = axis + 1; d < rank; d++) inner *= dims[d];
    for (uint32_t d = 0; d < axis; d++) outer *= dims[d];
    if (!inner || !outer) return;
    LLVMBuilderRef b = c->b;
    LLVMTypeRef wt = cg_wtype(c, true);
    LLVMValueRef tw = twiddles(c, n, sign);
    if (!tw) return;
    bool pow2 = (n & (n - 1)) == 0;
    int bits = 0;
    while (((int64_t)1 << bits) < n) bits++;
    LLVMValueRef rev = pow2 ? bit_reversal(c, n, bits) : NULL;
    LLVMValueRef line = cg_alloc(c, (uint64_t)n * 16);
    cg_loop ol, il, jl, kl;
    cg_loop_begin(c, &ol, cg_const_i64(c, outer), "fft.outer");
    cg_loop_begin(c, &il, cg_const_i64(c, inner), "fft.inner");
    LLVMValueRef base = add(c, mul(c, ol.iv, n * inner), il.iv);
    /* line ← the elements base + j·inner (bit-reversed for radix 2) */
    cg_loop_begin(c, &jl, cg_const_i64(c, n), "fft.load");
    LLVMValueRef to = jl.iv;
    if (pow2) {
        LLVMValueRef p = LLVMBuildGEP2(b, c->t_i64, rev, &jl.iv, 1, "");
        to = LLVMBuildLoad2(b, c->t_i64, p, "");
    }
    cg_wstore(c, true, line, to, cg_wload(c, true, w, add(c, base, mul(c, jl.iv, inner))));
    cg_loop_end(c, &jl);
    if (pow2) {
        /* stage s: butterflies of span 2·half, twiddle j·(n / (2·half)) */
        cg_loop sl, gl, bl;
        cg_loop_begin(c, &sl, cg_const_i64(c, bits), "fft.stage");
        LLVMValueRef half = LLVMBuildShl(b, cg_const_i64(c, 1), sl.iv, "");
        LLVMValueRef step = LLVMBuildLShr(b, cg_const_i64(c, n), add(c, sl.iv, cg_const_i64(c, 1)), "");
        cg_loop_begin(c, &gl, step, "fft.group");
        LLVMValueRef g0 = LLVMBuildMul(b, gl.iv, LLVMBuildShl(b, half, cg_const_i64(c, 1), ""), "");
        cg_loop_begin(c, &bl, half, "fft.bfly");
        LLVMValueRef i0 = add(c, g0, bl.iv), i1 = add(c, i0, half);
        LLVMValueRef ti = LLVMBuildMul(b, bl.iv, step, "");
        LLVMValueRef twv = cg_wload(c, true, tw, ti);
        LLVMValueRef u = cg_wload(c, true, line, i0);
        LLVMValueRef v = cg_wmul(c, true, cg_wload(c, true, line, i1), twv);
        cg_wstore(c, true, line, i0, LLVMBuildFAdd(b, u, v, ""));
        cg_wstore(c, true, line, i1, LLVMBuildFSub(b, u, v, ""));
        cg_loop_end(c, &bl);
        cg_loop_end(c, &gl);
        cg_loop_end(c, &sl);
        cg_loop_begin(c, &kl, cg_const_i64(c, n), "fft.store");
        cg_wstore(c, true, w, add(c, base, mul(c, kl.iv, inner)), cg_wload(c, true, line, kl.iv));
        cg_loop_end(c, &kl);
    } else {
        LLVMValueRef acc = cg_alloca(c, wt, "dft.acc"), t = cg_alloca(c, c->t_i64, "dft.t");
        cg_loop_begin(c, &kl, cg_const_i64(c, n), "dft.k");
        LLVMBuildStore(b, LLVMConstNull(wt), acc);
        LLVMBuildStore(b, cg_const_i64(c, 0), t);
        cg_loop_begin(c, &jl, cg_const_i64(c, n), "dft.j");
        LLVMValueRef ti = LLVMBuildLoad2(b, c->t_i64, t, "");
        LLVMValueRef term = cg_wmul(c, true, cg_wload(c, true, line, jl.iv), cg_wload(c, true, tw, ti));
        LLVMBuildStore(b, LLVMBuildFAdd(b, LLVMBuildLoad2(b, wt, acc, ""), term, ""), acc);
        /* t = k·j mod n, stepped */
        LLVMValueRef nt = add(c, ti, kl.iv);
        LLVMValueRef wrap = LLVMBuildICmp(b, LLVMIntSGE, nt, cg_const_i64(c, n), "");
        LLVMBuildStore(b, LLVMBuildSelect(b, wrap, LLVMBuildSub(b, nt, cg_const_i64(c, n), ""), nt, ""), t);
        cg_loop_end(c, &jl);
        cg_wstore(c, true, w, add(c, base, mul(c, kl.iv, inner)), LLVMBuildLoad2(b, wt, acc, ""));
        cg_loop_end(c, &kl);
    }
    cg_loop_end(c, &il);
    cg_loop_end(c, &ol);
}

void cg_emit_fft(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_i64_list *len = &i->attrs->fft_length;
    hloc_fft_type ft = i->attrs->fft_type;
    const hloc_shape *xs = i->n_operands == 1 ? &i->operands[0]->shape : NULL;
    const hloc_shape *os = dst->kind == CGV_BUFFER ? dst->shape : NULL;
    uint32_t r = xs ? xs->rank : 0, nf = len->n;
    bool ok = xs && os && nf >= 1 && nf <= 3 && r >= nf && os->rank == r && ft != HLOC_FFT_NONE;
    if (ok) {
        bool in_c = hloc_type_is_complex(xs->type), out_c = hloc_type_is_complex(os->type);
        ok = in_c == (ft != HLOC_FFT_RFFT) && out_c == (ft != HLOC_FFT_IRFFT) &&
             (in_c || hloc_type_is_float(xs->type)) && (out_c || hloc_type_is_float(os->type));
    }
    int64_t full[HLOC_MAX_RANK], last = ok ? len->v[nf - 1] : 0, half = last / 2 + 1;
    for (uint32_t d = 0; ok && d < r; d++) {
        full[d] = d >= r - nf ? len->v[d - (r - nf)] : xs->dims[d];
        int64_t want_in = full[d], want_out = full[d];
        if (d == r - 1 && ft == HLOC_FFT_RFFT) want_out = half;
        if (d == r - 1 && ft == HLOC_FFT_IRFFT) want_in = half;
        ok = xs->dims[d] == want_in && os->dims[d] == want_out;
    }
    if (!ok) {
        cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT,
                "%d:%d: fft '%s': operand, result and fft_length (1 to 3 innermost dims) do not fit fft_type",
                i->loc.line, i->loc.col, i->name);
        return;
    }
    int64_t n_full = 1, n_in = hloc_shape_elements(xs), scale = 1;
    for (uint32_t d = 0; d < r; d++) n_full *= full[d];
    for (uint32_t k = 0; k < nf; k++) scale *= len->v[k];
    if (!n_full) {
        /* nothing to transform; the evaluator leaves the (possibly non-empty) result zero */
        uint64_t bytes = hloc_shape_bytes(os);
        if (bytes) LLVMBuildMemSet(c->b, dst->ptr, LLVMConstInt(c->t_i8, 0, 0), cg_const_i64(c, (int64_t)bytes), 1);
        return;
    }
    LLVMValueRef w = cg_alloc(c, (uint64_t)(n_full > n_in ? n_full : n_in) * 16);
    cg_pack(c, s, i, 0, true, w);
    if (ft != HLOC_FFT_IRFFT) {
        int sign = ft == HLOC_FFT_IFFT ? 1 : -1;
        for (uint32_t d = r - nf; d < r; d++) dft_axis(c, w, full, r, d, sign);
        cg_unpack(c, w, true, dst, last, ft == HLOC_FFT_IFFT ? (double)scale : 1.0);
        return;
    }
    /* IRFFT: complex inverse over the outer fft axes on the half spectrum, then each last-axis
     * line completed by Hermitian symmetry and inverted; the result is its real part. */
    int64_t hdims[HLOC_MAX_RANK];
    memcpy(hdims, full, sizeof hdims);
    hdims[r - 1] = half;
    for (uint32_t d = r - nf; d + 1 < r; d++) dft_axis(c, w, hdims, r, d, 1);
    LLVMValueRef w2 = cg_alloc(c, (uint64_t)n_full * 16);
    LLVMBuilderRef b = c->b;
    cg_loop ll, kl;
    cg_loop_begin(c, &ll, cg_const_i64(c, n_in / half), "irfft.line");
    cg_loop_begin(c, &kl, cg_const_i64(c, last), "irfft.k");
    LLVMValueRef k = kl.iv, lb = mul(c, ll.iv, half);
    LLVMValueRef lower = LLVMBuildICmp(b, LLVMIntSLT, k, cg_const_i64(c, half), "");
    /* conj(w[line·half + last − k]) above the half: index clamped so both loads stay in range */
    LLVMValueRef mirror = LLVMBuildSelect(b, lower, cg_const_i64(c, 0), LLVMBuildSub(b, cg_const_i64(c, last), k, ""), "");
    LLVMValueRef direct = LLVMBuildSelect(b, lower, k, cg_const_i64(c, 0), "");
    LLVMValueRef a = cg_wload(c, true, w, add(c, lb, direct));
    LLVMValueRef m = cg_wload(c, true, w, add(c, lb, mirror));
    LLVMValueRef im = LLVMBuildExtractElement(b, m, LLVMConstInt(c->t_i32, 1, 0), "");
    m = LLVMBuildInsertElement(b, m, LLVMBuildFNeg(b, im, ""), LLVMConstInt(c->t_i32, 1, 0), "");
    cg_wstore(c, true, w2, add(c, mul(c, ll.iv, last), k), LLVMBuildSelect(b, lower, a, m, ""));
    cg_loop_end(c, &kl);
    cg_loop_end(c, &ll);
    dft_axis(c, w2, full, r, r - 1, 1);
    cg_unpack(c, w2, true, dst, last, (double)scale);
}
