/* dot with any dimension numbers. The result's dimensions are the batch dimensions, then the lhs
 * free ones, then the rhs free ones (each in order). Floats accumulate in f64 and round once to
 * the result type; integers multiply and add with wraparound in 64 bits, then truncate; complex
 * accumulates in double complex. */
#include <complex.h>
#include <string.h>

#include "eval_internal.h"

typedef enum { ACC_F, ACC_I, ACC_C } acc_kind;

/* The free dimensions of an operand of rank |r|: those in neither list, in order. */
static uint32_t free_dims(uint32_t r, const hloc_i64_list *batch, const hloc_i64_list *contr,
                          int64_t *out) {
    uint32_t n = 0;
    for (uint32_t d = 0; d < r; d++) {
        bool used = false;
        for (uint32_t k = 0; k < batch->n; k++) used |= batch->v[k] == d;
        for (uint32_t k = 0; k < contr->n; k++) used |= contr->v[k] == d;
        if (!used) out[n++] = d;
    }
    return n;
}

static bool dims_valid(const hloc_i64_list *l, uint32_t rank) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] < 0 || l->v[k] >= rank) return false;
    return true;
}

/* The operand's elements converted to the accumulation type and packed as [batch][free][contracting]
 * (offsets from hloc_eval_offsets), so that every dot product reads two contiguous rows. */
static void *pack(hloc_arena *a, const hloc_literal *l, acc_kind kind, const int64_t *bo, int64_t nb,
                  const int64_t *fo, int64_t nf, const int64_t *co, int64_t nc) {
    hloc_type t = l->shape.type;
    int64_t n = nb * nf * nc;
    size_t es = kind == ACC_F ? sizeof(double) : kind == ACC_I ? sizeof(uint64_t) : sizeof(double complex);
    void *d = hloc_arena_alloc(a, (size_t)(n > 0 ? n : 1) * es);
    if (!d) return NULL;
    int64_t j = 0;
    for (int64_t b = 0; b < nb; b++)
        for (int64_t f = 0; f < nf; f++)
            for (int64_t c = 0; c < nc; c++, j++) {
                const void *p = hloc_literal_at(l, bo[b] + fo[f] + co[c]);
                if (kind == ACC_F) {
                    ((double *)d)[j] = hloc_elem_load_f64(t, p);
                } else if (kind == ACC_I) {
                    ((uint64_t *)d)[j] = hloc_elem_load_u64(t, p);
                } else {
                    double re, im;
                    hloc_elem_load_c128(t, p, &re, &im);
                    ((double complex *)d)[j] = CMPLX(re, im);
                }
            }
    return d;
}

/* Four independent partial sums: the order differs from a plain loop's, as XLA's vectorized
 * kernels' does, and keeps the adds from waiting on one another. */
static double dot_f(const double *u, const double *v, int64_t n) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t c = 0;
    for (; c + 4 <= n; c += 4) {
        s0 += u[c] * v[c];
        s1 += u[c + 1] * v[c + 1];
        s2 += u[c + 2] * v[c + 2];
        s3 += u[c + 3] * v[c + 3];
    }
    for (; c < n; c++) s0 += u[c] * v[c];
    return (s0 + s1) + (s2 + s3);
}

static uint64_t dot_i(const uint64_t *u, const uint64_t *v, int64_t n) {
    uint64_t s = 0;
    for (int64_t c = 0; c < n; c++) s += u[c] * v[c];
    return s;
}

static double complex dot_c(const double complex *u, const double complex *v, int64_t n) {
    double complex s = 0;
    for (int64_t c = 0; c < n; c++) s += u[c] * v[c];
    return s;
}

enum { ROW_BLOCK = 8 }; /* lhs rows per pass over the rhs, so each rhs row is read from cache */

EVAL_KERNEL(dot) {
    if (i->n_operands != 2)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "dot takes 2 operands, got %u", i->n_operands);
    const hloc_literal *x = ops[0], *y = ops[1];
    const hloc_dot_dnums *dn = &i->attrs->dot;
    uint32_t lr = x->shape.rank, rr = y->shape.rank;
    if (dn->lhs_batch.n != dn->rhs_batch.n || dn->lhs_contracting.n != dn->rhs_contracting.n ||
        !dims_valid(&dn->lhs_batch, lr) || !dims_valid(&dn->lhs_contracting, lr) ||
        !dims_valid(&dn->rhs_batch, rr) || !dims_valid(&dn->rhs_contracting, rr))
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "invalid dot dimension numbers");
    for (uint32_t k = 0; k < dn->lhs_batch.n; k++)
        if (x->shape.dims[dn->lhs_batch.v[k]] != y->shape.dims[dn->rhs_batch.v[k]])
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "batch dimension %u sizes differ", k);
    for (uint32_t k = 0; k < dn->lhs_contracting.n; k++)
        if (x->shape.dims[dn->lhs_contracting.v[k]] != y->shape.dims[dn->rhs_contracting.v[k]])
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "contracting dimension %u sizes differ", k);
    int64_t lfree[HLOC_MAX_RANK], rfree[HLOC_MAX_RANK];
    uint32_t nlf = free_dims(lr, &dn->lhs_batch, &dn->lhs_contracting, lfree);
    uint32_t nrf = free_dims(rr, &dn->rhs_batch, &dn->rhs_contracting, rfree);
    /* Check the result's dimensions: batch, lhs free, rhs free. */
    uint32_t od = 0;
    bool ok = out->shape.rank == dn->lhs_batch.n + nlf + nrf;
    for (uint32_t k = 0; ok && k < dn->lhs_batch.n; k++) ok = out->shape.dims[od++] == x->shape.dims[dn->lhs_batch.v[k]];
    for (uint32_t k = 0; ok && k < nlf; k++) ok = out->shape.dims[od++] == x->shape.dims[lfree[k]];
    for (uint32_t k = 0; ok && k < nrf; k++) ok = out->shape.dims[od++] == y->shape.dims[rfree[k]];
    if (!ok) {
        char s[128];
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "result %s does not match batch, lhs free and rhs free dimensions",
                              hloc_eval_shape_str(&out->shape, s, sizeof s));
    }
    hloc_type t = out->shape.type;
    acc_kind kind = hloc_type_is_complex(t) ? ACC_C : hloc_type_is_float(t) ? ACC_F : ACC_I;
    if (!hloc_type_is_array(t)) return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "bad result type");
    int64_t nb, nl, nr, nc, nc2, nb2;
    hloc_arena *a = ev->arena;
    int64_t *lb = hloc_eval_offsets(a, &x->shape, dn->lhs_batch.v, dn->lhs_batch.n, &nb);
    int64_t *rb = hloc_eval_offsets(a, &y->shape, dn->rhs_batch.v, dn->rhs_batch.n, &nb2);
    int64_t *lf = hloc_eval_offsets(a, &x->shape, lfree, nlf, &nl);
    int64_t *rf = hloc_eval_offsets(a, &y->shape, rfree, nrf, &nr);
    int64_t *lc = hloc_eval_offsets(a, &x->shape, dn->lhs_contracting.v, dn->lhs_contracting.n, &nc);
    int64_t *rc = hloc_eval_offsets(a, &y->shape, dn->rhs_contracting.v, dn->rhs_contracting.n, &nc2);
    if (!lb || !rb || !lf || !rf || !lc || !rc) return hloc_status_oom();
    HLOC_ASSERT(nb == nb2 && nc == nc2);
    void *xv = pack(a, x, kind, lb, nb, lf, nl, lc, nc), *yv = pack(a, y, kind, rb, nb, rf, nr, rc, nc);
    if (!xv || !yv) return hloc_status_oom();
    for (int64_t b = 0; b < nb; b++)
        for (int64_t p0 = 0; p0 < nl; p0 += ROW_BLOCK)
            for (int64_t q = 0; q < nr; q++)
                for (int64_t p = p0; p < nl && p < p0 + ROW_BLOCK; p++) {
                    int64_t xo = (b * nl + p) * nc, yo = (b * nr + q) * nc;
                    void *dst = hloc_literal_at(out, (b * nl + p) * nr + q);
                    if (kind == ACC_F)
                        hloc_elem_store_f64(t, dst, dot_f((const double *)xv + xo, (const double *)yv + yo, nc));
                    else if (kind == ACC_I)
                        hloc_elem_store_u64(t, dst, dot_i((const uint64_t *)xv + xo, (const uint64_t *)yv + yo, nc));
                    else {
                        double complex z = dot_c((const double complex *)xv + xo, (const double complex *)yv + yo, nc);
                        hloc_elem_store_c128(t, dst, creal(z), cimag(z));
                    }
                }
    return NULL;
}
