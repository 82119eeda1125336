/* Shape inference for the opcodes that apply a computation over many elements: reduce,
 * reduce-window, select-and-scatter, sort, map, topk and scan. Each checks its computation's
 * signature: reducers are (T..., T...) -> T... over scalars, comparators return pred[]. */
#include "shape_inference_internal.h"

enum { MAXN = 64 }; /* values of one variadic op; more is refused, not silently truncated */

/* Splits reduce-like operands into n inputs (arrays of one shape) and n scalar inits. */
static bool inputs_and_inits(hloc_si *s, uint32_t *n, hloc_type *in, hloc_type *init) {
    uint32_t k = s->i->n_operands;
    if (k < 2 || k % 2)
        return hloc_si_fail(s, "expected inputs then as many init values, found %u operands", k);
    *n = k / 2;
    if (*n > MAXN) return hloc_si_fail(s, "more than %d reduced values", MAXN);
    const hloc_shape *x = hloc_si_op(s, 0);
    for (uint32_t j = 0; j < *n; j++) {
        if (!hloc_si_need_array(s, j) || !hloc_si_need_scalar(s, *n + j)) return false;
        const hloc_shape *y = hloc_si_op(s, j);
        if (!hloc_si_same_dims(x, y))
            return hloc_si_fail(s, "input %u has shape %s, input 0 has %s", j, hloc_si_str(s, y),
                                hloc_si_str(s, x));
        in[j] = y->type;
        init[j] = hloc_si_op(s, *n + j)->type;
    }
    return true;
}

static bool results(hloc_si *s, const hloc_shape *dims, const hloc_type *types, uint32_t n,
                    hloc_shape *out) {
    hloc_shape r[MAXN];
    for (uint32_t k = 0; k < n; k++) {
        r[k] = hloc_si_strip_layout(s, dims);
        r[k].type = types[k];
    }
    if (n == 1) {
        *out = r[0];
        return true;
    }
    return hloc_si_tuple(s, r, n, out);
}

static bool reduce(hloc_si *s, hloc_shape *out) {
    uint32_t n;
    hloc_type in[MAXN], init[MAXN], acc[MAXN];
    if (!inputs_and_inits(s, &n, in, init)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_i64_list *d = &s->i->attrs->dims;
    if (!hloc_si_check_dims(s, d->v, d->n, x->rank, "dimensions")) return false;
    const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
    if (!c || !hloc_si_check_reducer(s, c, "to_apply", init, in, n, acc)) return false;
    hloc_shape kept = hloc_shape_scalar(x->type);
    for (uint32_t k = 0; k < x->rank; k++) {
        bool reduced = false;
        for (uint32_t j = 0; j < d->n; j++)
            reduced |= d->v[j] == (int64_t)k;
        if (!reduced) {
            kept.dims[kept.rank] = x->dims[k];
            kept.dim_kind[kept.rank++] = x->dim_kind[k];
        }
    }
    return results(s, &kept, acc, n, out);
}

static bool windowed(hloc_si *s, const hloc_shape *x, hloc_shape *r) {
    const hloc_window *w = &s->i->attrs->window;
    if (!hloc_si_check_window(s, w, x->rank)) return false;
    *r = hloc_si_strip_layout(s, x);
    for (uint32_t k = 0; k < x->rank; k++)
        r->dims[k] = hloc_si_window_out(&w->dims[k], x->dims[k]);
    return true;
}

static bool reduce_window(hloc_si *s, hloc_shape *out) {
    uint32_t n;
    hloc_type in[MAXN], init[MAXN], acc[MAXN];
    if (!inputs_and_inits(s, &n, in, init)) return false;
    hloc_shape r;
    if (!windowed(s, hloc_si_op(s, 0), &r)) return false;
    const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
    if (!c || !hloc_si_check_reducer(s, c, "to_apply", init, in, n, acc)) return false;
    return results(s, &r, acc, n, out);
}

static bool select_and_scatter(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !hloc_si_need_array(s, 1) || !hloc_si_need_scalar(s, 2))
        return false;
    const hloc_shape *x = hloc_si_op(s, 0), *src = hloc_si_op(s, 1);
    if (!hloc_si_need_type(s, 2, x->type) || !hloc_si_need_type(s, 1, x->type)) return false;
    hloc_shape r;
    if (!windowed(s, x, &r)) return false;
    if (!hloc_si_same_dims(&r, src))
        return hloc_si_fail(s, "source has shape %s, the windows of the operand give %s",
                            hloc_si_str(s, src), hloc_si_str(s, &r));
    const hloc_computation *sel = hloc_si_callee(s, 0, "select");
    const hloc_computation *sc = hloc_si_callee(s, 1, "scatter");
    if (!sel || !sc) return false;
    hloc_shape e = hloc_shape_scalar(x->type), p = hloc_shape_scalar(HLOC_TYPE_PRED);
    const hloc_shape *params[2] = {&e, &e};
    if (!hloc_si_check_signature(s, sel, "select", params, 2, &p)) return false;
    hloc_type acc;
    if (!hloc_si_check_reducer(s, sc, "scatter", &x->type, NULL, 1, &acc)) return false;
    *out = hloc_si_strip_layout(s, x);
    return true;
}

static bool sort(hloc_si *s, hloc_shape *out) {
    uint32_t n = s->i->n_operands;
    if (!hloc_si_need_operands(s, 1, MAXN) || !hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    hloc_shape scal[MAXN], ops[MAXN];
    const hloc_shape *params[2 * MAXN];
    for (uint32_t k = 0; k < n; k++) {
        if (!hloc_si_need_array(s, k)) return false;
        if (!hloc_si_same_dims(hloc_si_op(s, k), x))
            return hloc_si_fail(s, "operand %u has shape %s, operand 0 has %s", k,
                                hloc_si_str(s, hloc_si_op(s, k)), hloc_si_str(s, x));
        scal[k] = hloc_shape_scalar(hloc_si_op(s, k)->type);
        params[2 * k] = params[2 * k + 1] = &scal[k];
        ops[k] = *hloc_si_op(s, k);
    }
    const hloc_i64_list *d = &s->i->attrs->dims;
    if (d->n != 1) return hloc_si_fail(s, "sort needs exactly one dimension, found %u", d->n);
    if (!hloc_si_check_dims(s, d->v, 1, x->rank, "dimensions")) return false;
    const hloc_computation *c = hloc_si_callee(s, 0, "comparator");
    hloc_shape p = hloc_shape_scalar(HLOC_TYPE_PRED);
    if (!c || !hloc_si_check_signature(s, c, "comparator", params, 2 * n, &p)) return false;
    if (n == 1) {
        *out = hloc_si_strip_layout(s, x);
        return true;
    }
    return hloc_si_tuple(s, ops, n, out);
}

static bool topk(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (x->rank == 0) return hloc_si_fail(s, "topk needs an operand of rank at least 1");
    int64_t k = s->i->attrs->k, last = x->dims[x->rank - 1];
    if (k < 0 || k > last)
        return hloc_si_fail(s, "k=%lld out of range for a last dimension of %lld", (long long)k,
                            (long long)last);
    hloc_shape r[2] = {hloc_si_strip_layout(s, x), hloc_si_strip_layout(s, x)};
    r[0].dims[x->rank - 1] = r[1].dims[x->rank - 1] = k;
    r[1].type = HLOC_TYPE_S32;
    return hloc_si_tuple(s, r, 2, out);
}

static bool map(hloc_si *s, hloc_shape *out) {
    uint32_t n = s->i->n_operands;
    if (!hloc_si_need_operands(s, 1, MAXN) || !hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    hloc_shape scal[MAXN];
    const hloc_shape *params[MAXN];
    for (uint32_t k = 0; k < n; k++) {
        if (!hloc_si_need_array(s, k)) return false;
        if (!hloc_si_same_dims(hloc_si_op(s, k), x))
            return hloc_si_fail(s, "operand %u has shape %s, operand 0 has %s", k,
                                hloc_si_str(s, hloc_si_op(s, k)), hloc_si_str(s, x));
        scal[k] = hloc_shape_scalar(hloc_si_op(s, k)->type);
        params[k] = &scal[k];
    }
    /* XLA maps over every dimension, in order; dimensions= may only say so. */
    const hloc_i64_list *d = &s->i->attrs->dims;
    if (d->n) {
        bool all = d->n == x->rank;
        for (uint32_t k = 0; all && k < d->n; k++)
            all = d->v[k] == (int64_t)k;
        if (!all) return hloc_si_fail(s, "map must apply to every dimension in order");
    }
    const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
    if (!c || !hloc_si_check_signature(s, c, "to_apply", params, n, NULL)) return false;
    if (!hloc_shape_is_scalar(&c->root->shape))
        return hloc_si_fail(s, "to_apply computation '%s' must return a scalar, returns %s",
                            c->name, hloc_si_str(s, &c->root->shape));
    *out = hloc_si_strip_layout(s, x);
    out->type = c->root->shape.type;
    return true;
}

/* scan is newer than XLA's shape inference we follow: the declared shape is trusted. */
static bool scan(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 1, UINT32_MAX)) return false;
    if (!hloc_si_callee(s, 0, "to_apply")) return false;
    *out = s->i->shape;
    return true;
}

bool hloc_infer_reduce_op(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_REDUCE:
        return reduce(s, out);
    case HLOC_OP_REDUCE_WINDOW:
        return reduce_window(s, out);
    case HLOC_OP_SELECT_AND_SCATTER:
        return select_and_scatter(s, out);
    case HLOC_OP_SORT:
        return sort(s, out);
    case HLOC_OP_TOPK:
        return topk(s, out);
    case HLOC_OP_MAP:
        return map(s, out);
    case HLOC_OP_SCAN:
        return scan(s, out);
    default:
        break;
    }
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
