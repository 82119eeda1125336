/* Linear algebra kernels of the reference evaluator: cholesky, triangular-solve, fft and the
 * batch-norm family. All work in f64 (complex f64 for complex types) and round once on store.
 *   cholesky: XLA's CholeskyExpander semantics: the lower (upper: transposed) triangle of the
 *     input is read, the factor's other triangle is zero, and a matrix whose pivot square root is
 *     NaN (not positive definite) comes back all NaN.
 *   triangular-solve: op(a) x = b (left_side) or x op(a) = b, reading only a's lower or upper
 *     triangle, op = identity, transpose or adjoint, batched over leading dims.
 *   fft: FFT/IFFT/RFFT/IRFFT over the 1–3 innermost dims as numpy's fftn family computes them
 *     (inverse transforms scale by 1/N; IRFFT reads the first L/2+1 bins of the last axis).
 *   batch-norm-*: the formulas of XLA's operation semantics with the biased batch variance. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_kutil.h"

typedef double complex cplx;

static cplx load_c(const hloc_literal *l, int64_t e) {
    double re, im;
    hloc_elem_load_c128(l->shape.type, hloc_literal_at(l, e), &re, &im);
    return CMPLX(re, im);
}

static void store_c(hloc_literal *l, int64_t e, cplx v) {
    hloc_elem_store_c128(l->shape.type, hloc_literal_at(l, e), creal(v), cimag(v));
}

static bool is_fc(hloc_type t) { return hloc_type_is_float(t) || hloc_type_is_complex(t); }

/* ---- cholesky ---------------------------------------------------------------------------- */

EVAL_KERNEL(cholesky) {
    (void)ev;
    const hloc_literal *a = ops[0];
    uint32_t r = a->shape.rank;
    if (i->n_operands != 1 || r < 2 || a->shape.dims[r - 1] != a->shape.dims[r - 2] ||
        !is_fc(a->shape.type) || !hloc_shape_same_dims(&out->shape, &a->shape) ||
        out->shape.type != a->shape.type)
        return hloc_kernel_error(i, "cholesky takes float or complex square matrices");
    int64_t n = a->shape.dims[r - 1], nn = n * n;
    if (!nn) return NULL;
    int64_t batches = hloc_shape_elements(&a->shape) / nn;
    bool lower = i->attrs->cholesky_lower, cx = hloc_type_is_complex(a->shape.type);
    cplx *m = malloc((size_t)nn * sizeof *m), *l = malloc((size_t)nn * sizeof *l);
    if (!m || !l) {
        free(m);
        free(l);
        return hloc_status_oom();
    }
    for (int64_t bt = 0; bt < batches; bt++) {
        int64_t base = bt * nn;
        /* upper: factor the transpose (not the adjoint), as the expander does */
        for (int64_t p = 0; p < n; p++)
            for (int64_t q = 0; q < n; q++)
                m[p * n + q] = load_c(a, base + (lower ? p * n + q : q * n + p));
        memset(l, 0, (size_t)nn * sizeof *l);
        bool failed = false;
        for (int64_t j = 0; j < n; j++) {
            cplx d = m[j * n + j];
            for (int64_t k = 0; k < j; k++)
                d -= l[j * n + k] * conj(l[j * n + k]);
            double s = sqrt(creal(d));
            if (isnan(s)) failed = true;
            l[j * n + j] = s;
            for (int64_t p = j + 1; p < n; p++) {
                cplx v = m[p * n + j];
                for (int64_t k = 0; k < j; k++)
                    v -= l[p * n + k] * conj(l[j * n + k]);
                l[p * n + j] = v / s;
            }
        }
        for (int64_t p = 0; p < n; p++)
            for (int64_t q = 0; q < n; q++) {
                cplx v = failed ? CMPLX(NAN, cx ? NAN : 0) : l[lower ? p * n + q : q * n + p];
                store_c(out, base + p * n + q, v);
            }
    }
    free(m);
    free(l);
    return NULL;
}

/* ---- triangular-solve ------------------------------------------------------------------- */

EVAL_KERNEL(triangular_solve) {
    (void)ev;
    const hloc_literal *a = ops[0], *b = ops[1];
    const hloc_triangular_solve *o = &i->attrs->triangular_solve;
    uint32_t r = b->shape.rank;
    if (i->n_operands != 2 || r < 2 || a->shape.rank != r || !is_fc(b->shape.type) ||
        a->shape.type != b->shape.type || !hloc_shape_same_dims(&out->shape, &b->shape) ||
        out->shape.type != b->shape.type)
        return hloc_kernel_error(i, "triangular-solve takes a and b of one float type, same rank");
    int64_t m = b->shape.dims[r - 2], n = b->shape.dims[r - 1], k = o->left_side ? m : n;
    if (a->shape.dims[r - 1] != k || a->shape.dims[r - 2] != k)
        return hloc_kernel_error(i, "a must be %lld x %lld", (long long)k, (long long)k);
    for (uint32_t d = 0; d + 2 < r; d++)
        if (a->shape.dims[d] != b->shape.dims[d])
            return hloc_kernel_error(i, "a and b batch dimensions differ");
    if (o->transpose_a == HLOC_TRANSPOSE_INVALID)
        return hloc_kernel_error(i, "transpose_a must be NO_TRANSPOSE, TRANSPOSE or ADJOINT");
    if (!m || !n) return NULL;
    int64_t batches = hloc_shape_elements(&b->shape) / (m * n);
    cplx *t = malloc((size_t)(k * k) * sizeof *t), *x = malloc((size_t)(m * n) * sizeof *x);
    if (!t || !x) {
        free(t);
        free(x);
        return hloc_status_oom();
    }
    bool trans = o->transpose_a != HLOC_TRANSPOSE_NO,
         adj = o->transpose_a == HLOC_TRANSPOSE_ADJOINT;
    /* T = op(triangle of a) is lower when exactly one of (lower, transposed) holds */
    bool t_lower = o->lower != trans;
    for (int64_t bt = 0; bt < batches; bt++) {
        for (int64_t p = 0; p < k; p++)
            for (int64_t q = 0; q < k; q++) {
                int64_t ap = trans ? q : p, aq = trans ? p : q; /* T[p][q] = op(A)[p][q] */
                bool in_tri = o->lower ? aq <= ap : aq >= ap;
                cplx v = 0;
                if (ap == aq && o->unit_diagonal)
                    v = 1;
                else if (in_tri)
                    v = load_c(a, bt * k * k + ap * k + aq);
                t[p * k + q] = adj ? conj(v) : v;
            }
        for (int64_t e = 0; e < m * n; e++)
            x[e] = load_c(b, bt * m * n + e);
        if (o->left_side) {
            /* T X = B, column by column of X */
            for (int64_t c = 0; c < n; c++)
                for (int64_t s = 0; s < m; s++) {
                    int64_t p = t_lower ? s : m - 1 - s;
                    cplx v = x[p * n + c];
                    for (int64_t q = 0; q < m; q++)
                        if (t_lower ? q < p : q > p) v -= t[p * k + q] * x[q * n + c];
                    x[p * n + c] = v / t[p * k + p];
                }
        } else {
            /* X T = B, row by row of X: x_j = (b_j - sum_{q != j} x_q T[q][j]) / T[j][j] */
            for (int64_t row = 0; row < m; row++)
                for (int64_t s = 0; s < n; s++) {
                    int64_t j = t_lower ? n - 1 - s : s;
                    cplx v = x[row * n + j];
                    for (int64_t q = 0; q < n; q++)
                        if (t_lower ? q > j : q < j) v -= x[row * n + q] * t[q * k + j];
                    x[row * n + j] = v / t[j * k + j];
                }
        }
        for (int64_t e = 0; e < m * n; e++)
            store_c(out, bt * m * n + e, x[e]);
    }
    free(t);
    free(x);
    return NULL;
}

/* ---- fft --------------------------------------------------------------------------------- */

/* In-place DFT of every line of |w| (dims, rank) along |axis|: sign -1 forward, +1 inverse
 * (unscaled). Twiddles come from a table indexed by k·n mod N, so no angle grows large. */
static bool dft_axis(cplx *w, const int64_t *dims, uint32_t rank, uint32_t axis, int sign) {
    int64_t n = dims[axis];
    if (n <= 1) return true;
    int64_t inner = 1, outer = 1;
    for (uint32_t d = axis + 1; d < rank; d++)
        inner *= dims[d];
    for (uint32_t d = 0; d < axis; d++)
        outer *= dims[d];
    cplx *tw = malloc((size_t)n * sizeof *tw), *line = malloc((size_t)n * sizeof *line);
    if (!tw || !line) {
        free(tw);
        free(line);
        return false;
    }
    for (int64_t k = 0; k < n; k++) {
        double ang = 2.0 * M_PI * (double)k / (double)n;
        tw[k] = CMPLX(cos(ang), sign * sin(ang));
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            cplx *p = w + o * n * inner + in;
            for (int64_t j = 0; j < n; j++)
                line[j] = p[j * inner];
            for (int64_t k = 0; k < n; k++) {
                cplx s = 0;
                for (int64_t j = 0; j < n; j++)
                    s += line[j] * tw[(k * j) % n];
                p[k * inner] = s;
            }
        }
    free(tw);
    free(line);
    return true;
}

EVAL_KERNEL(fft) {
    (void)ev;
    const hloc_literal *x = ops[0];
    const hloc_i64_list *len = &i->attrs->fft_length;
    hloc_fft_type ft = i->attrs->fft_type;
    uint32_t r = x->shape.rank, nf = len->n;
    if (i->n_operands != 1 || nf < 1 || nf > 3 || r < nf || out->shape.rank != r)
        return hloc_kernel_error(i, "fft needs 1 to 3 fft_length entries within the rank");
    bool in_c = hloc_type_is_complex(x->shape.type), out_c = hloc_type_is_complex(out->shape.type);
    bool want_in_c = ft != HLOC_FFT_RFFT, want_out_c = ft != HLOC_FFT_IRFFT;
    if (ft == HLOC_FFT_NONE || in_c != want_in_c || out_c != want_out_c ||
        (!in_c && !hloc_type_is_float(x->shape.type)) ||
        (!out_c && !hloc_type_is_float(out->shape.type)))
        return hloc_kernel_error(i, "fft operand or result type does not fit fft_type");
    /* full: the complex array the transforms run on (fft dims at their full lengths) */
    int64_t full[HLOC_MAX_RANK], last = len->v[nf - 1], half = last / 2 + 1;
    for (uint32_t d = 0; d < r; d++) {
        full[d] = x->shape.dims[d];
        if (d >= r - nf) full[d] = len->v[d - (r - nf)];
        int64_t want_in = full[d], want_out = full[d];
        if (d == r - 1 && ft == HLOC_FFT_RFFT) want_out = half;
        if (d == r - 1 && ft == HLOC_FFT_IRFFT) want_in = half;
        if (x->shape.dims[d] != want_in || out->shape.dims[d] != want_out)
            return hloc_kernel_error(i, "dimension %u does not match fft_length", d);
    }
    int64_t n_full = 1, n_in = hloc_shape_elements(&x->shape), scale = 1;
    for (uint32_t d = 0; d < r; d++)
        n_full *= full[d];
    for (uint32_t k = 0; k < nf; k++)
        scale *= len->v[k];
    if (!n_full) return NULL;
    cplx *w = calloc((size_t)(n_full > n_in ? n_full : n_in), sizeof *w);
    if (!w) return hloc_status_oom();
    bool ok = true;
    if (ft != HLOC_FFT_IRFFT) {
        for (int64_t e = 0; e < n_in; e++)
            w[e] = load_c(x, e);
        int sign = ft == HLOC_FFT_IFFT ? 1 : -1;
        for (uint32_t d = r - nf; d < r && ok; d++)
            ok = dft_axis(w, full, r, d, sign);
        int64_t lines = n_full / last, out_last = out->shape.dims[r - 1];
        for (int64_t ln = 0; ln < lines && ok; ln++)
            for (int64_t k = 0; k < out_last; k++) {
                cplx v = w[ln * last + k];
                store_c(out, ln * out_last + k, ft == HLOC_FFT_IFFT ? v / (double)scale : v);
            }
    } else {
        /* complex inverse over the outer fft axes on the half spectrum, then each last-axis
         * line is completed by Hermitian symmetry and inverted to reals */
        int64_t hdims[HLOC_MAX_RANK];
        memcpy(hdims, full, sizeof hdims);
        hdims[r - 1] = half;
        for (int64_t e = 0; e < n_in; e++)
            w[e] = load_c(x, e);
        for (uint32_t d = r - nf; d + 1 < r && ok; d++)
            ok = dft_axis(w, hdims, r, d, 1);
        cplx *line = malloc((size_t)last * sizeof *line);
        int64_t one[1] = {last};
        ok = ok && line;
        for (int64_t ln = 0; ln < n_in / half && ok; ln++) {
            for (int64_t k = 0; k < last; k++)
                line[k] = k < half ? w[ln * half + k] : conj(w[ln * half + (last - k)]);
            ok = dft_axis(line, one, 1, 0, 1);
            for (int64_t k = 0; k < last && ok; k++)
                hloc_literal_set_f64(out, ln * last + k, creal(line[k]) / (double)scale);
        }
        free(line);
    }
    free(w);
    return ok ? NULL : hloc_status_oom();
}

/* ---- batch norm -------------------------------------------------------------------------- */

/* Sizes around the feature dimension: x[outer][feature][inner]. */
typedef struct bn_geo {
    int64_t outer, nf, inner, per_feature;
} bn_geo;

static hloc_status *bn_check(const hloc_instr *i, const hloc_literal *x, bn_geo *g) {
    int64_t fi = i->attrs->feature_index;
    if (!hloc_type_is_float(x->shape.type) || fi < 0 || fi >= x->shape.rank)
        return hloc_kernel_error(i, "batch norm needs a float operand and a feature_index in it");
    g->outer = g->inner = 1;
    for (uint32_t d = 0; d < x->shape.rank; d++) {
        if (d < fi) g->outer *= x->shape.dims[d];
        if (d > fi) g->inner *= x->shape.dims[d];
    }
    g->nf = x->shape.dims[fi];
    g->per_feature = g->outer * g->inner;
    return NULL;
}

static hloc_status *bn_check_vec(const hloc_instr *i, const hloc_literal *v, const bn_geo *g,
                                 hloc_type t) {
    if (v->shape.rank != 1 || v->shape.dims[0] != g->nf || v->shape.type != t)
        return hloc_kernel_error(i, "per-feature operands must be %s[%lld]", hloc_type_name(t),
                                 (long long)g->nf);
    return NULL;
}

static int64_t bn_at(const bn_geo *g, int64_t o, int64_t f, int64_t in) {
    return (o * g->nf + f) * g->inner + in;
}

EVAL_KERNEL(batch_norm_training) {
    (void)ev;
    const hloc_literal *x = ops[0];
    hloc_type t = x->shape.type;
    bn_geo g;
    if (i->n_operands != 3) return hloc_kernel_error(i, "batch-norm-training takes 3 operands");
    HLOC_RETURN_IF_ERROR(bn_check(i, x, &g));
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, ops[1], &g, t));
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, ops[2], &g, t));
    if (out->shape.type != HLOC_TYPE_TUPLE || out->n_elems != 3 ||
        !hloc_shape_same_dims(&out->elems[0].shape, &x->shape) || out->elems[0].shape.type != t)
        return hloc_kernel_error(i, "batch-norm-training returns (output, mean, variance)");
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, &out->elems[1], &g, t));
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, &out->elems[2], &g, t));
    double eps = i->attrs->epsilon;
    for (int64_t f = 0; f < g.nf; f++) {
        double sum = 0, sq = 0;
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++)
                sum += hloc_literal_get_f64(x, bn_at(&g, o, f, in));
        double mean = g.per_feature ? sum / (double)g.per_feature : 0;
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++) {
                double dv = hloc_literal_get_f64(x, bn_at(&g, o, f, in)) - mean;
                sq += dv * dv;
            }
        double var = g.per_feature ? sq / (double)g.per_feature : 0;
        double k = hloc_literal_get_f64(ops[1], f) / sqrt(var + eps),
               off = hloc_literal_get_f64(ops[2], f);
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++) {
                int64_t e = bn_at(&g, o, f, in);
                hloc_literal_set_f64(&out->elems[0], e,
                                     (hloc_literal_get_f64(x, e) - mean) * k + off);
            }
        hloc_literal_set_f64(&out->elems[1], f, mean);
        hloc_literal_set_f64(&out->elems[2], f, var);
    }
    return NULL;
}

EVAL_KERNEL(batch_norm_inference) {
    (void)ev;
    const hloc_literal *x = ops[0];
    hloc_type t = x->shape.type;
    bn_geo g;
    if (i->n_operands != 5) return hloc_kernel_error(i, "batch-norm-inference takes 5 operands");
    HLOC_RETURN_IF_ERROR(bn_check(i, x, &g));
    for (int k = 1; k < 5; k++)
        HLOC_RETURN_IF_ERROR(bn_check_vec(i, ops[k], &g, t));
    if (!hloc_shape_same_dims(&out->shape, &x->shape) || out->shape.type != t)
        return hloc_kernel_error(i, "result must have the operand's shape");
    double eps = i->attrs->epsilon;
    for (int64_t f = 0; f < g.nf; f++) {
        double scale = hloc_literal_get_f64(ops[1], f), off = hloc_literal_get_f64(ops[2], f);
        double mean = hloc_literal_get_f64(ops[3], f), var = hloc_literal_get_f64(ops[4], f);
        double k = scale / sqrt(var + eps);
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++) {
                int64_t e = bn_at(&g, o, f, in);
                hloc_literal_set_f64(out, e, (hloc_literal_get_f64(x, e) - mean) * k + off);
            }
    }
    return NULL;
}

/* grad_operand = scale·rsqrt(var+eps)/N · (N·dy − Σdy − x̂·Σ(dy·x̂)), grad_scale = Σ(dy·x̂),
 * grad_offset = Σdy, with x̂ = (x − mean)·rsqrt(var+eps) and N the elements per feature. */
EVAL_KERNEL(batch_norm_grad) {
    (void)ev;
    const hloc_literal *x = ops[0], *dy = ops[4];
    hloc_type t = x->shape.type;
    bn_geo g;
    if (i->n_operands != 5) return hloc_kernel_error(i, "batch-norm-grad takes 5 operands");
    HLOC_RETURN_IF_ERROR(bn_check(i, x, &g));
    for (int k = 1; k < 4; k++)
        HLOC_RETURN_IF_ERROR(bn_check_vec(i, ops[k], &g, t));
    if (!hloc_shape_same_dims(&dy->shape, &x->shape) || dy->shape.type != t ||
        out->shape.type != HLOC_TYPE_TUPLE || out->n_elems != 3 ||
        !hloc_shape_same_dims(&out->elems[0].shape, &x->shape) || out->elems[0].shape.type != t)
        return hloc_kernel_error(i, "batch-norm-grad takes grad_output like the operand and "
                                    "returns (grad_operand, grad_scale, grad_offset)");
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, &out->elems[1], &g, t));
    HLOC_RETURN_IF_ERROR(bn_check_vec(i, &out->elems[2], &g, t));
    double eps = i->attrs->epsilon, n = (double)g.per_feature;
    for (int64_t f = 0; f < g.nf; f++) {
        double scale = hloc_literal_get_f64(ops[1], f), mean = hloc_literal_get_f64(ops[2], f);
        double rs = 1.0 / sqrt(hloc_literal_get_f64(ops[3], f) + eps);
        double sdy = 0, sdyx = 0;
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++) {
                int64_t e = bn_at(&g, o, f, in);
                double d = hloc_literal_get_f64(dy, e);
                sdy += d;
                sdyx += d * (hloc_literal_get_f64(x, e) - mean) * rs;
            }
        for (int64_t o = 0; o < g.outer; o++)
            for (int64_t in = 0; in < g.inner; in++) {
                int64_t e = bn_at(&g, o, f, in);
                double xh = (hloc_literal_get_f64(x, e) - mean) * rs;
                double v = scale * rs / n * (n * hloc_literal_get_f64(dy, e) - sdy - xh * sdyx);
                hloc_literal_set_f64(&out->elems[0], e, v);
            }
        hloc_literal_set_f64(&out->elems[1], f, sdyx);
        hloc_literal_set_f64(&out->elems[2], f, sdy);
    }
    return NULL;
}
