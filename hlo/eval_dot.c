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

/* The operand's elements converted to the accumulation type, in one array. */
static void *widen(hloc_arena *a, const hloc_literal *l, acc_kind kind) {
    int64_t n = hloc_shape_elements(&l->shape);
    hloc_type t = l->shape.type;
    if (kind == ACC_F) {
        double *d = HLOC_ARENA_ARRAY(a, double, n > 0 ? n : 1);
        if (d)
            for (int64_t k = 0; k < n; k++) d[k] = hloc_literal_get_f64(l, k);
        return d;
    }
    if (kind == ACC_I) {
        uint64_t *d = HLOC_ARENA_ARRAY(a, uint64_t, n > 0 ? n : 1);
        if (d)
            for (int64_t k = 0; k < n; k++) d[k] = hloc_elem_load_u64(t, hloc_literal_at(l, k));
        return d;
    }
    double complex *d = HLOC_ARENA_ARRAY(a, double complex, n > 0 ? n : 1);
    if (d)
        for (int64_t k = 0; k < n; k++) {
            double re, im;
            hloc_elem_load_c128(t, hloc_literal_at(l, k), &re, &im);
            d[k] = CMPLX(re, im);
        }
    return d;
}

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
    void *xv = widen(a, x, kind), *yv = widen(a, y, kind);
    if (!lb || !rb || !lf || !rf || !lc || !rc || !xv || !yv) return hloc_status_oom();
    HLOC_ASSERT(nb == nb2 && nc == nc2);
    int64_t o = 0;
    for (int64_t b = 0; b < nb; b++)
        for (int64_t p = 0; p < nl; p++)
            for (int64_t q = 0; q < nr; q++, o++) {
                int64_t xo = lb[b] + lf[p], yo = rb[b] + rf[q];
                void *dst = hloc_literal_at(out, o);
                if (kind == ACC_F) {
                    const double *u = xv, *v = yv;
                    double s = 0;
                    for (int64_t c = 0; c < nc; c++) s += u[xo + lc[c]] * v[yo + rc[c]];
                    hloc_elem_store_f64(t, dst, s);
                } else if (kind == ACC_I) {
                    const uint64_t *u = xv, *v = yv;
                    uint64_t s = 0;
                    for (int64_t c = 0; c < nc; c++) s += u[xo + lc[c]] * v[yo + rc[c]];
                    hloc_elem_store_u64(t, dst, s);
                } else {
                    const double complex *u = xv, *v = yv;
                    double complex s = 0;
                    for (int64_t c = 0; c < nc; c++) s += u[xo + lc[c]] * v[yo + rc[c]];
                    hloc_elem_store_c128(t, dst, creal(s), cimag(s));
                }
            }
    return NULL;
}
