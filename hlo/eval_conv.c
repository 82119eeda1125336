/* Convolution in the reference evaluator: any dim_labels, strides, padding (negative too), lhs
 * (base) and rhs (window) dilation, window reversal, feature_group_count, batch_group_count and a
 * result type other than the operands'. As XLA's evaluator does, operands are first converted to
 * the result type; products then accumulate in f64 for real floats, (f64, f64) for complex, and
 * wrapping 64-bit integers for integers (the result wraps to its width, as XLA:CPU's code does).
 * The loops put the output feature innermost, where the common layouts (b01f, 01io) are dense. */
#include <stdlib.h>
#include <string.h>

#include "eval_kutil.h"

typedef enum work_kind { WK_REAL, WK_INT, WK_COMPLEX } work_kind;

typedef struct conv_geo {
    uint32_t ns; /* spatial dims */
    hloc_window_dim win[HLOC_MAX_RANK];
    int64_t lstr[HLOC_MAX_RANK], rstr[HLOC_MAX_RANK], ostr[HLOC_MAX_RANK]; /* row-major strides */
    int64_t in_batch, in_z, out_z, fgc, bgc;
} conv_geo;

/* The operand as an array of the work type (double, uint64 or double pairs), after conversion to
 * the result type |t|. NULL on out-of-memory. */
static void *to_work(const hloc_literal *l, hloc_type t, work_kind k) {
    int64_t n = hloc_shape_elements(&l->shape);
    size_t esz = k == WK_COMPLEX ? 2 * sizeof(double) : sizeof(double);
    void *w = malloc((size_t)(n ? n : 1) * esz);
    if (!w) return NULL;
    hloc_type st = l->shape.type;
    if (k == WK_REAL && st == HLOC_TYPE_F32 && t == HLOC_TYPE_F32) {
        const float *s = l->data;
        for (int64_t e = 0; e < n; e++)
            ((double *)w)[e] = s[e];
        return w;
    }
    unsigned char tmp[16];
    for (int64_t e = 0; e < n; e++) {
        const void *s = hloc_literal_at(l, e);
        if (st != t) {
            hloc_kernel_convert(st, s, t, tmp);
            s = tmp;
        }
        if (k == WK_REAL)
            ((double *)w)[e] = hloc_elem_load_f64(t, s);
        else if (k == WK_INT)
            ((uint64_t *)w)[e] = (uint64_t)hloc_elem_load_i64(t, s);
        else
            hloc_elem_load_c128(t, s, &((double *)w)[2 * e], &((double *)w)[2 * e + 1]);
    }
    return w;
}

/* acc[z] += x * r[z * rs] for z in [0, nz): one lhs element against a run of output features. */
static void mac_run(work_kind k, void *acc, const void *lhs, int64_t li, const void *rhs,
                    int64_t ri, int64_t rs, int64_t nz) {
    if (k == WK_REAL) {
        double x = ((const double *)lhs)[li], *a = acc;
        const double *r = (const double *)rhs + ri;
        if (rs == 1)
            for (int64_t z = 0; z < nz; z++)
                a[z] += x * r[z];
        else
            for (int64_t z = 0; z < nz; z++)
                a[z] += x * r[z * rs];
    } else if (k == WK_INT) {
        uint64_t x = ((const uint64_t *)lhs)[li], *a = acc;
        const uint64_t *r = (const uint64_t *)rhs + ri;
        for (int64_t z = 0; z < nz; z++)
            a[z] += x * r[z * rs];
    } else {
        const double *x = (const double *)lhs + 2 * li, *r = (const double *)rhs + 2 * ri;
        double *a = acc;
        for (int64_t z = 0; z < nz; z++) {
            const double *y = r + 2 * z * rs;
            a[2 * z] += x[0] * y[0] - x[1] * y[1];
            a[2 * z + 1] += x[0] * y[1] + x[1] * y[0];
        }
    }
}

static hloc_status *check(const hloc_instr *i, const hloc_literal *lhs, const hloc_literal *rhs,
                          const hloc_literal *out, conv_geo *g) {
    const hloc_conv_dnums *dn = &i->attrs->conv;
    if (!dn->present) return hloc_kernel_error(i, "convolution needs dim_labels");
    uint32_t ns = dn->n_spatial, rank = ns + 2;
    if (lhs->shape.rank != rank || rhs->shape.rank != rank || out->shape.rank != rank)
        return hloc_kernel_error(i, "dim_labels have %u spatial dimensions, operand ranks differ",
                                 ns);
    int64_t roles[3][HLOC_MAX_RANK + 2];
    roles[0][0] = dn->in_batch, roles[0][1] = dn->in_feature;
    roles[1][0] = dn->k_in_feature, roles[1][1] = dn->k_out_feature;
    roles[2][0] = dn->out_batch, roles[2][1] = dn->out_feature;
    for (uint32_t s = 0; s < ns; s++) {
        roles[0][2 + s] = dn->in_spatial[s];
        roles[1][2 + s] = dn->k_spatial[s];
        roles[2][2 + s] = dn->out_spatial[s];
    }
    for (int p = 0; p < 3; p++) {
        unsigned seen = 0;
        for (uint32_t r = 0; r < rank; r++) {
            int64_t d = roles[p][r];
            if (d < 0 || d >= rank || (seen >> d & 1))
                return hloc_kernel_error(i, "dim_labels do not name each dimension once");
            seen |= 1u << d;
        }
    }
    const hloc_window *w = &i->attrs->window;
    if (w->n_dims && w->n_dims != ns)
        return hloc_kernel_error(i, "window has %u dimensions, convolution has %u spatial",
                                 w->n_dims, ns);
    g->ns = ns;
    for (uint32_t s = 0; s < ns; s++) {
        if (w->n_dims)
            g->win[s] = w->dims[s];
        else
            g->win[s] = (hloc_window_dim){rhs->shape.dims[dn->k_spatial[s]], 1, 0, 0, 1, 1, false};
        const hloc_window_dim *wd = &g->win[s];
        if (wd->size != rhs->shape.dims[dn->k_spatial[s]] || wd->stride < 1 || wd->lhs_dilate < 1 ||
            wd->rhs_dilate < 1)
            return hloc_kernel_error(i, "window dimension %u does not fit the kernel", s);
    }
    g->in_batch = lhs->shape.dims[dn->in_batch];
    g->in_z = lhs->shape.dims[dn->in_feature];
    g->out_z = rhs->shape.dims[dn->k_out_feature];
    g->fgc = i->attrs->feature_group_count;
    g->bgc = i->attrs->batch_group_count;
    if (g->fgc < 1 || g->bgc < 1 || (g->fgc > 1 && g->bgc > 1))
        return hloc_kernel_error(i, "invalid feature_group_count / batch_group_count");
    if (g->in_z % g->fgc || g->out_z % g->fgc || g->out_z % g->bgc || g->in_batch % g->bgc ||
        rhs->shape.dims[dn->k_in_feature] != g->in_z / g->fgc)
        return hloc_kernel_error(i, "feature or batch dimensions do not divide into the groups");
    if (out->shape.dims[dn->out_batch] != g->in_batch / g->bgc ||
        out->shape.dims[dn->out_feature] != g->out_z)
        return hloc_kernel_error(i, "result batch or feature dimension is wrong");
    for (uint32_t s = 0; s < ns; s++) {
        const hloc_window_dim *wd = &g->win[s];
        int64_t want =
            hloc_kernel_window_bound(lhs->shape.dims[dn->in_spatial[s]], wd->size, wd->stride,
                                     wd->pad_lo, wd->pad_hi, wd->lhs_dilate, wd->rhs_dilate);
        if (out->shape.dims[dn->out_spatial[s]] != want)
            return hloc_kernel_error(i, "result spatial dimension %u is %lld, expected %lld", s,
                                     (long long)out->shape.dims[dn->out_spatial[s]],
                                     (long long)want);
    }
    hloc_shape_row_major_strides(&lhs->shape, g->lstr);
    hloc_shape_row_major_strides(&rhs->shape, g->rstr);
    hloc_shape_row_major_strides(&out->shape, g->ostr);
    return NULL;
}

/* Walks every output position except the feature dimension, accumulating all output features of
 * that position at once: for each kernel tap that lands on a real lhs element, for each group
 * chunk of output features (one feature group or one batch group), for each input feature of the
 * group, a run over the chunk's output features. */
static void conv_loop(const hloc_instr *i, const conv_geo *g, work_kind k, const void *L,
                      const void *R, void *acc, hloc_literal *out, const hloc_shape *lshape) {
    const hloc_conv_dnums *dn = &i->attrs->conv;
    size_t esz = k == WK_COMPLEX ? 2 * sizeof(double) : sizeof(double);
    int64_t n_chunks = g->fgc * g->bgc, chunk = g->out_z / n_chunks;
    int64_t ifgs = g->in_z / g->fgc, bgs = g->in_batch / g->bgc;
    int64_t pos_dims[HLOC_MAX_RANK], oidx[HLOC_MAX_RANK] = {0};
    int64_t ksize[HLOC_MAX_RANK], kidx[HLOC_MAX_RANK];
    uint32_t rank = out->shape.rank;
    memcpy(pos_dims, out->shape.dims, sizeof pos_dims);
    pos_dims[dn->out_feature] = 1;
    bool empty_window = false;
    for (uint32_t s = 0; s < g->ns; s++) {
        ksize[s] = g->win[s].size;
        if (!ksize[s]) empty_window = true;
    }
    int64_t n_pos = 1;
    for (uint32_t d = 0; d < rank; d++)
        n_pos *= pos_dims[d];
    hloc_type t = out->shape.type;
    int64_t lsf = g->lstr[dn->in_feature], rsi = g->rstr[dn->k_in_feature];
    int64_t rso = g->rstr[dn->k_out_feature], osf = g->ostr[dn->out_feature];
    for (int64_t p = 0; p < n_pos; p++, hloc_index_next(oidx, pos_dims, rank)) {
        memset(acc, 0, (size_t)g->out_z * esz);
        memset(kidx, 0, sizeof kidx);
        do {
            if (empty_window) break;
            int64_t loff = oidx[dn->out_batch] * g->lstr[dn->in_batch], roff = 0;
            bool valid = true;
            for (uint32_t s = 0; s < g->ns && valid; s++) {
                const hloc_window_dim *wd = &g->win[s];
                int64_t q =
                    oidx[dn->out_spatial[s]] * wd->stride - wd->pad_lo + kidx[s] * wd->rhs_dilate;
                if (wd->lhs_dilate > 1) {
                    if (q % wd->lhs_dilate) valid = false;
                    q /= wd->lhs_dilate;
                }
                if (q < 0 || q >= lshape->dims[dn->in_spatial[s]]) valid = false;
                loff += q * g->lstr[dn->in_spatial[s]];
                int64_t tap = wd->reversal ? wd->size - 1 - kidx[s] : kidx[s];
                roff += tap * g->rstr[dn->k_spatial[s]];
            }
            if (!valid) continue;
            for (int64_t c = 0; c < n_chunks; c++) {
                int64_t fgi = g->fgc > 1 ? c : 0, bgi = g->bgc > 1 ? c : 0;
                int64_t lbase = loff + bgi * bgs * g->lstr[dn->in_batch] + fgi * ifgs * lsf;
                int64_t z0 = c * chunk;
                void *a = (char *)acc + (size_t)z0 * esz;
                for (int64_t iz = 0; iz < ifgs; iz++)
                    mac_run(k, a, L, lbase + iz * lsf, R, roff + iz * rsi + z0 * rso, rso, chunk);
            }
        } while (hloc_index_next(kidx, ksize, g->ns));
        int64_t obase = hloc_linear_index(&out->shape, oidx);
        for (int64_t z = 0; z < g->out_z; z++) {
            void *dst = hloc_literal_at(out, obase + z * osf);
            if (k == WK_REAL) {
                double v = ((double *)acc)[z];
                if (t == HLOC_TYPE_F32)
                    *(float *)dst = (float)v;
                else
                    hloc_elem_store_f64(t, dst, v);
            } else if (k == WK_INT) {
                hloc_elem_store_i64(t, dst, (int64_t)((uint64_t *)acc)[z]);
            } else {
                hloc_elem_store_c128(t, dst, ((double *)acc)[2 * z], ((double *)acc)[2 * z + 1]);
            }
        }
    }
}

EVAL_KERNEL(convolution) {
    (void)ev;
    if (i->n_operands != 2) return hloc_kernel_error(i, "convolution takes two operands");
    const hloc_literal *lhs = ops[0], *rhs = ops[1];
    hloc_type t = out->shape.type;
    if (!hloc_type_is_array(t) || !hloc_type_is_array(lhs->shape.type) ||
        !hloc_type_is_array(rhs->shape.type) || lhs->shape.type == HLOC_TYPE_TUPLE)
        return hloc_kernel_error(i, "convolution operands and result must be arrays");
    conv_geo g;
    HLOC_RETURN_IF_ERROR(check(i, lhs, rhs, out, &g));
    if (!hloc_shape_elements(&out->shape)) return NULL;
    work_kind k = hloc_type_is_complex(t) ? WK_COMPLEX : hloc_type_is_float(t) ? WK_REAL : WK_INT;
    size_t esz = k == WK_COMPLEX ? 2 * sizeof(double) : sizeof(double);
    void *L = to_work(lhs, t, k), *R = to_work(rhs, t, k);
    void *acc = malloc((size_t)g.out_z * esz);
    if (L && R && acc) conv_loop(i, &g, k, L, R, acc, out, &lhs->shape);
    bool ok = L && R && acc;
    free(L);
    free(R);
    free(acc);
    return ok ? NULL : hloc_status_oom();
}
