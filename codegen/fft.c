/* fft (FFT, IFFT, RFFT, IRFFT over the 1–3 innermost dims), as hlo/eval_linalg.c defines it
 * (numpy's fftn family: inverse transforms scale by 1/N, IRFFT reads the first L/2+1 bins of the
 * last axis). The transform runs in complex f64 scratch one axis at a time, each line copied out,
 * transformed and written back: radix-2 Cooley-Tukey when the length is a power of two, a direct
 * DFT for other short lengths, Bluestein's chirp-z (two radix-2 FFTs of twice the length) for
 * long ones. Twiddles are compile-time constant tables (k·j mod n indexes them, so no angle
 * grows large). */
#include <math.h>
#include <string.h>

#include "cg.h"

/* A private constant array of |n| elements of type |et|. */
static LLVMValueRef const_table(cg *c, LLVMTypeRef et, LLVMValueRef *el, int64_t n,
                                const char *name) {
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMArrayType2(et, (uint64_t)n), name);
    LLVMSetInitializer(g, LLVMConstArray2(et, el, (uint64_t)n));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 16);
    return g;
}

static LLVMValueRef cconst(cg *c, double re, double im) {
    LLVMValueRef v[2] = {LLVMConstReal(c->t_f64, re), LLVMConstReal(c->t_f64, im)};
    return LLVMConstVector(v, 2);
}

/* A constant table of n complex values (re[k], im[k]). */
static LLVMValueRef complex_table(cg *c, const double *re, const double *im, int64_t n,
                                  const char *name) {
    LLVMValueRef *el = HLOC_ARENA_ARRAY(c->arena, LLVMValueRef, (size_t)n);
    if (!el) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    for (int64_t k = 0; k < n; k++)
        el[k] = cconst(c, re[k], im[k]);
    return const_table(c, cg_wtype(c, true), el, n, name);
}

/* Twiddles exp(sign·2πi·k/n), k < n, into re/im (arena arrays); NULL on out-of-memory. */
static bool twiddle_values(cg *c, int64_t n, int sign, double **re, double **im) {
    *re = HLOC_ARENA_ARRAY(c->arena, double, (size_t)n);
    *im = HLOC_ARENA_ARRAY(c->arena, double, (size_t)n);
    if (!*re || !*im) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    for (int64_t k = 0; k < n; k++) {
        double ang = 2.0 * M_PI * (double)k / (double)n;
        (*re)[k] = cos(ang);
        (*im)[k] = sign * sin(ang);
    }
    return true;
}

static LLVMValueRef twiddles(cg *c, int64_t n, int sign) {
    double *re, *im;
    if (!twiddle_values(c, n, sign, &re, &im)) return NULL;
    return complex_table(c, re, im, n, "fft.twiddles");
}

static int log2_of(int64_t n) {
    int bits = 0;
    while (((int64_t)1 << bits) < n)
        bits++;
    return bits;
}

static int64_t reverse_bits(int64_t j, int bits) {
    int64_t r = 0;
    for (int q = 0; q < bits; q++)
        if (j & ((int64_t)1 << q)) r |= (int64_t)1 << (bits - 1 - q);
    return r;
}

/* Bit reversal of 0..n-1 over log2(n) bits, as a constant i64 table. */
static LLVMValueRef bit_reversal(cg *c, int64_t n) {
    LLVMValueRef *el = HLOC_ARENA_ARRAY(c->arena, LLVMValueRef, (size_t)n);
    if (!el) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    int bits = log2_of(n);
    for (int64_t j = 0; j < n; j++)
        el[j] = cg_const_i64(c, reverse_bits(j, bits));
    return const_table(c, c->t_i64, el, n, "fft.bitrev");
}

static LLVMValueRef add(cg *c, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildAdd(c->b, a, b, "");
}
static LLVMValueRef mul(cg *c, LLVMValueRef a, int64_t k) {
    return LLVMBuildMul(c->b, a, cg_const_i64(c, k), "");
}

static LLVMValueRef table_i64(cg *c, LLVMValueRef table, LLVMValueRef k) {
    LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_i64, table, &k, 1, "");
    return LLVMBuildLoad2(c->b, c->t_i64, p, "");
}

/* Radix-2 butterflies on |buf| (n = 2^bits complex values, already in bit-reversed order) with
 * the twiddle table |tw| of length n: stage s has spans of 2·half and twiddles j·(n / 2·half). */
static void butterflies(cg *c, LLVMValueRef buf, int64_t n, int bits, LLVMValueRef tw) {
    LLVMBuilderRef b = c->b;
    cg_loop sl, gl, bl;
    cg_loop_begin(c, &sl, cg_const_i64(c, bits), "fft.stage");
    LLVMValueRef half = LLVMBuildShl(b, cg_const_i64(c, 1), sl.iv, "");
    LLVMValueRef step = LLVMBuildLShr(b, cg_const_i64(c, n), add(c, sl.iv, cg_const_i64(c, 1)), "");
    cg_loop_begin(c, &gl, step, "fft.group");
    LLVMValueRef g0 = LLVMBuildMul(b, gl.iv, LLVMBuildShl(b, half, cg_const_i64(c, 1), ""), "");
    cg_loop_begin(c, &bl, half, "fft.bfly");
    LLVMValueRef i0 = add(c, g0, bl.iv), i1 = add(c, i0, half);
    LLVMValueRef twv = cg_wload(c, true, tw, LLVMBuildMul(b, bl.iv, step, ""));
    LLVMValueRef u = cg_wload(c, true, buf, i0);
    LLVMValueRef v = cg_wmul(c, true, cg_wload(c, true, buf, i1), twv);
    cg_wstore(c, true, buf, i0, LLVMBuildFAdd(b, u, v, ""));
    cg_wstore(c, true, buf, i1, LLVMBuildFSub(b, u, v, ""));
    cg_loop_end(c, &bl);
    cg_loop_end(c, &gl);
    cg_loop_end(c, &sl);
}

/* In-place radix-2 FFT of re/im (length n = 2^bits) at compile time, sign -1. */
static void host_fft(double *re, double *im, int64_t n, const double *twr, const double *twi) {
    int bits = log2_of(n);
    for (int64_t j = 0; j < n; j++) {
        int64_t r = reverse_bits(j, bits);
        if (r > j) {
            double t = re[j];
            re[j] = re[r], re[r] = t;
            t = im[j];
            im[j] = im[r], im[r] = t;
        }
    }
    for (int64_t half = 1; half < n; half *= 2) {
        int64_t step = n / (2 * half);
        for (int64_t g = 0; g < n; g += 2 * half)
            for (int64_t j = 0; j < half; j++) {
                double wr = twr[j * step], wi = twi[j * step];
                int64_t a = g + j, q = a + half;
                double vr = re[q] * wr - im[q] * wi, vi = re[q] * wi + im[q] * wr;
                re[q] = re[a] - vr, im[q] = im[a] - vi;
                re[a] += vr, im[a] += vi;
            }
    }
}

/* Lengths up to this use the direct DFT when they are not powers of two; longer ones Bluestein. */
enum { DIRECT_MAX = 32 };

/* Bluestein's chirp-z transform of a length-n line as a cyclic convolution of power-of-two
 * length m >= 2n - 1, with x_j ω^(jk) = c_j c_k conj(c_(k-j)) for c_t = exp(sign·πi·t²/n):
 * X_k = c_k · (a ⊛ b)_k, a_j = x_j c_j, b_t = conj(c_t). The chirp (t² mod 2n keeps the angle
 * small) and the FFT of b are compile-time tables; per line it costs two FFTs of length m. */
typedef struct bluestein {
    int64_t m;
    int bits;
    LLVMValueRef chirp, bhat, rev, fwd, inv, a, a2;
} bluestein;

static bool bluestein_plan(cg *c, int64_t n, int sign, bluestein *p) {
    p->m = 1;
    while (p->m < 2 * n - 1)
        p->m *= 2;
    p->bits = log2_of(p->m);
    int64_t m = p->m;
    double *cr = HLOC_ARENA_ARRAY(c->arena, double, (size_t)n);
    double *ci = HLOC_ARENA_ARRAY(c->arena, double, (size_t)n);
    double *br = HLOC_ARENA_ARRAY(c->arena, double, (size_t)m);
    double *bi = HLOC_ARENA_ARRAY(c->arena, double, (size_t)m);
    double *fr, *fi, *ir, *ii;
    if (!cr || !ci || !br || !bi) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    if (!twiddle_values(c, m, -1, &fr, &fi) || !twiddle_values(c, m, 1, &ir, &ii)) return false;
    for (int64_t t = 0; t < n; t++) {
        double ang = M_PI * (double)((t * t) % (2 * n)) / (double)n;
        cr[t] = cos(ang);
        ci[t] = sign * sin(ang);
    }
    for (int64_t t = 0; t < m; t++)
        br[t] = bi[t] = 0;
    for (int64_t t = 0; t < n; t++) {
        br[t] = cr[t], bi[t] = -ci[t];
        if (t) br[m - t] = cr[t], bi[m - t] = -ci[t];
    }
    host_fft(br, bi, m, fr, fi);
    p->chirp = complex_table(c, cr, ci, n, "fft.chirp");
    p->bhat = complex_table(c, br, bi, m, "fft.chirp_hat");
    p->fwd = complex_table(c, fr, fi, m, "fft.twiddles");
    p->inv = complex_table(c, ir, ii, m, "fft.twiddles_inv");
    p->rev = bit_reversal(c, m);
    p->a = cg_alloc(c, (uint64_t)m * 16);
    p->a2 = cg_alloc(c, (uint64_t)m * 16);
    return p->chirp && p->bhat && p->fwd && p->inv && p->rev;
}

/* The line base + j·inner of |w| (n entries) transformed in place by the plan. */
static void bluestein_line(cg *c, const bluestein *p, LLVMValueRef w, LLVMValueRef base, int64_t n,
                           int64_t inner) {
    LLVMBuilderRef b = c->b;
    int64_t m = p->m;
    cg_loop jl;
    /* a (bit-reversed): x_j c_j, zero-padded to m */
    cg_loop_begin(c, &jl, cg_const_i64(c, m), "bluestein.load");
    LLVMValueRef in = LLVMBuildICmp(b, LLVMIntSLT, jl.iv, cg_const_i64(c, n), "");
    LLVMValueRef j = LLVMBuildSelect(b, in, jl.iv, cg_const_i64(c, 0), "");
    LLVMValueRef x = cg_wmul(c, true, cg_wload(c, true, w, add(c, base, mul(c, j, inner))),
                             cg_wload(c, true, p->chirp, j));
    cg_wstore(c, true, p->a, table_i64(c, p->rev, jl.iv),
              LLVMBuildSelect(b, in, x, LLVMConstNull(cg_wtype(c, true)), ""));
    cg_loop_end(c, &jl);
    butterflies(c, p->a, m, p->bits, p->fwd);
    /* times FFT(b), back to bit-reversed order for the inverse */
    cg_loop_begin(c, &jl, cg_const_i64(c, m), "bluestein.mul");
    LLVMValueRef v =
        cg_wmul(c, true, cg_wload(c, true, p->a, jl.iv), cg_wload(c, true, p->bhat, jl.iv));
    cg_wstore(c, true, p->a2, table_i64(c, p->rev, jl.iv), v);
    cg_loop_end(c, &jl);
    butterflies(c, p->a2, m, p->bits, p->inv);
    cg_loop_begin(c, &jl, cg_const_i64(c, n), "bluestein.store");
    LLVMValueRef r =
        cg_wmul(c, true, cg_wload(c, true, p->a2, jl.iv), cg_wload(c, true, p->chirp, jl.iv));
    LLVMValueRef dm[2] = {LLVMConstReal(c->t_f64, (double)m), LLVMConstReal(c->t_f64, (double)m)};
    r = LLVMBuildFDiv(b, r, LLVMConstVector(dm, 2), "");
    cg_wstore(c, true, w, add(c, base, mul(c, jl.iv, inner)), r);
    cg_loop_end(c, &jl);
}

/* In-place unscaled DFT of every line of |w| (row-major |dims|) along |axis|; sign -1 forward,
 * +1 inverse. */
static void dft_axis(cg *c, LLVMValueRef w, const int64_t *dims, uint32_t rank, uint32_t axis,
                     int sign) {
    int64_t n = dims[axis];
    if (n <= 1) return;
    int64_t inner = 1, outer = 1;
    for (uint32_t d = axis + 1; d < rank; d++)
        inner *= dims[d];
    for (uint32_t d = 0; d < axis; d++)
        outer *= dims[d];
    if (!inner || !outer) return;
    LLVMBuilderRef b = c->b;
    LLVMTypeRef wt = cg_wtype(c, true);
    bool pow2 = (n & (n - 1)) == 0;
    bluestein bp;
    if (!pow2 && n > DIRECT_MAX) {
        if (!bluestein_plan(c, n, sign, &bp)) return;
        cg_loop ol, il;
        cg_loop_begin(c, &ol, cg_const_i64(c, outer), "fft.outer");
        cg_loop_begin(c, &il, cg_const_i64(c, inner), "fft.inner");
        bluestein_line(c, &bp, w, add(c, mul(c, ol.iv, n * inner), il.iv), n, inner);
        cg_loop_end(c, &il);
        cg_loop_end(c, &ol);
        return;
    }
    LLVMValueRef tw = twiddles(c, n, sign);
    LLVMValueRef rev = pow2 ? bit_reversal(c, n) : NULL;
    if (!tw || (pow2 && !rev)) return;
    LLVMValueRef line = cg_alloc(c, (uint64_t)n * 16);
    cg_loop ol, il, jl, kl;
    cg_loop_begin(c, &ol, cg_const_i64(c, outer), "fft.outer");
    cg_loop_begin(c, &il, cg_const_i64(c, inner), "fft.inner");
    LLVMValueRef base = add(c, mul(c, ol.iv, n * inner), il.iv);
    /* line ← the elements base + j·inner (bit-reversed for radix 2) */
    cg_loop_begin(c, &jl, cg_const_i64(c, n), "fft.load");
    LLVMValueRef to = pow2 ? table_i64(c, rev, jl.iv) : jl.iv;
    cg_wstore(c, true, line, to, cg_wload(c, true, w, add(c, base, mul(c, jl.iv, inner))));
    cg_loop_end(c, &jl);
    if (pow2) {
        butterflies(c, line, n, log2_of(n), tw);
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
        LLVMValueRef term =
            cg_wmul(c, true, cg_wload(c, true, line, jl.iv), cg_wload(c, true, tw, ti));
        LLVMBuildStore(b, LLVMBuildFAdd(b, LLVMBuildLoad2(b, wt, acc, ""), term, ""), acc);
        /* t = k·j mod n, stepped */
        LLVMValueRef nt = add(c, ti, kl.iv);
        LLVMValueRef wrap = LLVMBuildICmp(b, LLVMIntSGE, nt, cg_const_i64(c, n), "");
        LLVMBuildStore(
            b, LLVMBuildSelect(b, wrap, LLVMBuildSub(b, nt, cg_const_i64(c, n), ""), nt, ""), t);
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
                "%d:%d: fft '%s': operand, result and fft_length (1 to 3 innermost dims) do not "
                "fit fft_type",
                i->loc.line, i->loc.col, i->name);
        return;
    }
    int64_t n_full = 1, n_in = hloc_shape_elements(xs), scale = 1;
    for (uint32_t d = 0; d < r; d++)
        n_full *= full[d];
    for (uint32_t k = 0; k < nf; k++)
        scale *= len->v[k];
    if (!n_full) {
        /* nothing to transform; the evaluator leaves the (possibly non-empty) result zero */
        uint64_t bytes = hloc_shape_bytes(os);
        if (bytes)
            LLVMBuildMemSet(c->b, dst->ptr, LLVMConstInt(c->t_i8, 0, 0),
                            cg_const_i64(c, (int64_t)bytes), 1);
        return;
    }
    LLVMValueRef w = cg_alloc(c, (uint64_t)(n_full > n_in ? n_full : n_in) * 16);
    cg_pack(c, s, i, 0, true, w);
    if (ft != HLOC_FFT_IRFFT) {
        int sign = ft == HLOC_FFT_IFFT ? 1 : -1;
        for (uint32_t d = r - nf; d < r; d++)
            dft_axis(c, w, full, r, d, sign);
        cg_unpack(c, w, true, dst, last, ft == HLOC_FFT_IFFT ? (double)scale : 1.0);
        return;
    }
    /* IRFFT: complex inverse over the outer fft axes on the half spectrum, then each last-axis
     * line completed by Hermitian symmetry and inverted; the result is its real part. */
    int64_t hdims[HLOC_MAX_RANK];
    memcpy(hdims, full, sizeof hdims);
    hdims[r - 1] = half;
    for (uint32_t d = r - nf; d + 1 < r; d++)
        dft_axis(c, w, hdims, r, d, 1);
    LLVMValueRef w2 = cg_alloc(c, (uint64_t)n_full * 16);
    LLVMBuilderRef b = c->b;
    cg_loop ll, kl;
    cg_loop_begin(c, &ll, cg_const_i64(c, n_in / half), "irfft.line");
    cg_loop_begin(c, &kl, cg_const_i64(c, last), "irfft.k");
    LLVMValueRef k = kl.iv, lb = mul(c, ll.iv, half);
    LLVMValueRef lower = LLVMBuildICmp(b, LLVMIntSLT, k, cg_const_i64(c, half), "");
    /* conj(w[line·half + last − k]) above the half: index clamped so both loads stay in range */
    LLVMValueRef mirror = LLVMBuildSelect(b, lower, cg_const_i64(c, 0),
                                          LLVMBuildSub(b, cg_const_i64(c, last), k, ""), "");
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
