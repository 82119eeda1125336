/* sort and topk in the reference evaluator. Both run a stable bottom-up merge sort over index
 * permutations of each 1-D slice, whatever is_stable says: an unstable sort may return any order
 * of equivalent elements, so the stable one is always a correct answer, and it is reproducible.
 * sort calls the comparator on (lhs_0, rhs_0, lhs_1, rhs_1, ...). topk orders floats totally
 * (-NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN, as XLA's CPU runtime does) and breaks ties
 * by the lower index. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_kutil.h"

/* less(ctx, a, b): element a must come before element b. A failure is kept in the context and
 * makes later comparisons return false; the caller checks it after the sort. */
typedef bool (*less_fn)(void *ctx, int64_t a, int64_t b);

/* Stable: an element of the right run is taken only when it is strictly less than the left. */
static void merge_sort(int64_t *perm, int64_t *tmp, int64_t n, less_fn less, void *ctx) {
    for (int64_t w = 1; w < n; w *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * w) {
            int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int64_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                tmp[o++] = less(ctx, perm[b], perm[a]) ? perm[b++] : perm[a++];
            while (a < mid)
                tmp[o++] = perm[a++];
            while (b < hi)
                tmp[o++] = perm[b++];
        }
        memcpy(perm, tmp, (size_t)n * sizeof *perm);
    }
}

typedef struct sort_ctx {
    hloc_eval *ev;
    const hloc_computation *cmp;
    const hloc_literal *const *ops;
    uint32_t n;
    int64_t base, stride;
    const void **args;
    hloc_status *st;
} sort_ctx;

static bool sort_less(void *p, int64_t a, int64_t b) {
    sort_ctx *c = p;
    if (c->st) return false;
    for (uint32_t k = 0; k < c->n; k++) {
        c->args[2 * k] = hloc_literal_at(c->ops[k], c->base + a * c->stride);
        c->args[2 * k + 1] = hloc_literal_at(c->ops[k], c->base + b * c->stride);
    }
    unsigned char r[16] = {0};
    void *res[1] = {r};
    c->st = hloc_eval_call_scalar(c->ev, c->cmp, c->args, res);
    return !c->st && r[0];
}

/* Number of 1-D slices along dimension |d|, and the linear offset of slice |which|'s start. */
static int64_t slice_count(const hloc_shape *s, uint32_t d) {
    int64_t n = 1;
    for (uint32_t k = 0; k < s->rank; k++)
        if (k != d) n *= s->dims[k];
    return n;
}

static int64_t slice_base(const hloc_shape *s, uint32_t d, int64_t which) {
    int64_t idx[HLOC_MAX_RANK];
    for (uint32_t k = s->rank; k-- > 0;) {
        if (k == d) {
            idx[k] = 0;
            continue;
        }
        idx[k] = which % s->dims[k];
        which /= s->dims[k];
    }
    return hloc_linear_index(s, idx);
}

EVAL_KERNEL(sort) {
    uint32_t n = i->n_operands;
    if (!n || i->n_called < 1) return hloc_kernel_error(i, "sort needs operands and a comparator");
    const hloc_computation *f = i->called[0];
    const hloc_shape *s0 = &ops[0]->shape;
    if (i->attrs->dims.n != 1 || i->attrs->dims.v[0] < 0 || i->attrs->dims.v[0] >= s0->rank)
        return hloc_kernel_error(i, "sort needs one dimension within the operand rank");
    uint32_t d = (uint32_t)i->attrs->dims.v[0];
    if ((n > 1) != (out->shape.type == HLOC_TYPE_TUPLE) || (n > 1 && out->n_elems != n))
        return hloc_kernel_error(i, "result must have one array per operand");
    if (f->n_params != 2 * n || f->root->shape.type != HLOC_TYPE_PRED || f->root->shape.rank)
        return hloc_kernel_error(i, "the comparator must map %u scalars to pred", 2 * n);
    for (uint32_t k = 0; k < n; k++) {
        hloc_type t = ops[k]->shape.type;
        const hloc_literal *y = hloc_kernel_leaf(out, k);
        if (!hloc_shape_same_dims(&ops[k]->shape, s0) || !hloc_shape_same_dims(&y->shape, s0) ||
            y->shape.type != t || f->params[2 * k]->shape.type != t ||
            f->params[2 * k + 1]->shape.type != t)
            return hloc_kernel_error(i, "operand %u, result and comparator types differ", k);
    }
    int64_t len = s0->dims[d], n_slices = slice_count(s0, d);
    if (!len || !n_slices) return NULL;
    int64_t strides[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(s0, strides);
    int64_t *perm = malloc((size_t)len * sizeof *perm), *tmp = malloc((size_t)len * sizeof *tmp);
    const void **args = calloc(2 * (size_t)n, sizeof *args);
    sort_ctx c = {ev, f, ops, n, 0, strides[d], args, NULL};
    if (!perm || !tmp || !args) c.st = hloc_status_oom();
    for (int64_t sl = 0; sl < n_slices && !c.st; sl++) {
        c.base = slice_base(s0, d, sl);
        for (int64_t j = 0; j < len; j++)
            perm[j] = j;
        merge_sort(perm, tmp, len, sort_less, &c);
        if (c.st) break;
        for (uint32_t k = 0; k < n; k++) {
            hloc_literal *y = hloc_kernel_leaf(out, k);
            size_t bytes = hloc_type_bytes(y->shape.type);
            for (int64_t j = 0; j < len; j++)
                memcpy(hloc_literal_at(y, c.base + j * c.stride),
                       hloc_literal_at(ops[k], c.base + perm[j] * c.stride), bytes);
        }
    }
    free(perm);
    free(tmp);
    free(args);
    return c.st;
}

/* Total order of one element: -1, 0, 1. */
static int total_cmp(hloc_type t, const void *a, const void *b) {
    if (hloc_type_is_float(t)) {
        double x = hloc_elem_load_f64(t, a), y = hloc_elem_load_f64(t, b);
        int cx = isnan(x) ? (signbit(x) ? 0 : 2) : 1, cy = isnan(y) ? (signbit(y) ? 0 : 2) : 1;
        if (cx != cy) return cx < cy ? -1 : 1;
        if (cx != 1) return 0;
        if (x != y) return x < y ? -1 : 1;
        return signbit(x) == signbit(y) ? 0 : signbit(x) ? -1 : 1;
    }
    if (hloc_type_is_unsigned_int(t)) {
        uint64_t x = hloc_elem_load_u64(t, a), y = hloc_elem_load_u64(t, b);
        return x < y ? -1 : x > y;
    }
    int64_t x = hloc_elem_load_i64(t, a), y = hloc_elem_load_i64(t, b);
    return x < y ? -1 : x > y;
}

typedef struct topk_ctx {
    const hloc_literal *x;
    int64_t base;
    bool largest;
} topk_ctx;

static bool topk_less(void *p, int64_t a, int64_t b) {
    const topk_ctx *c = p;
    int r = total_cmp(c->x->shape.type, hloc_literal_at(c->x, c->base + a),
                      hloc_literal_at(c->x, c->base + b));
    return c->largest ? r > 0 : r < 0;
}

EVAL_KERNEL(topk) {
    (void)ev;
    if (i->n_operands != 1) return hloc_kernel_error(i, "topk takes one operand");
    const hloc_literal *x = ops[0];
    uint32_t rank = x->shape.rank;
    int64_t k = i->attrs->k;
    if (!rank || out->shape.type != HLOC_TYPE_TUPLE || out->n_elems != 2)
        return hloc_kernel_error(i, "topk needs an operand of rank >= 1 and a (values, indices) "
                                    "result");
    hloc_literal *vals = &out->elems[0], *idxs = &out->elems[1];
    int64_t len = x->shape.dims[rank - 1];
    if (k < 0 || k > len) return hloc_kernel_error(i, "k=%lld is out of range", (long long)k);
    hloc_shape want = x->shape;
    want.dims[rank - 1] = k;
    if (!hloc_shape_same_dims(&vals->shape, &want) || vals->shape.type != x->shape.type ||
        !hloc_shape_same_dims(&idxs->shape, &want) || !hloc_type_is_int(idxs->shape.type))
        return hloc_kernel_error(i, "result shapes do not match k and the operand");
    int64_t rows = slice_count(&x->shape, rank - 1);
    if (!len || !rows || !k) return NULL;
    int64_t *perm = malloc((size_t)len * sizeof *perm), *tmp = malloc((size_t)len * sizeof *tmp);
    if (!perm || !tmp) {
        free(perm);
        free(tmp);
        return hloc_status_oom();
    }
    size_t bytes = hloc_type_bytes(x->shape.type);
    topk_ctx c = {x, 0, i->attrs->largest};
    for (int64_t r = 0; r < rows; r++) {
        c.base = r * len;
        for (int64_t j = 0; j < len; j++)
            perm[j] = j;
        merge_sort(perm, tmp, len, topk_less, &c);
        for (int64_t j = 0; j < k; j++) {
            memcpy(hloc_literal_at(vals, r * k + j), hloc_literal_at(x, c.base + perm[j]), bytes);
            hloc_literal_set_i64(idxs, r * k + j, perm[j]);
        }
    }
    free(perm);
    free(tmp);
    return NULL;
}
