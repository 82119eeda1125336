/* Shape inference for data-movement opcodes: broadcast, reshape, transpose, slice, dynamic slices,
 * concatenate, pad, reverse, iota, bitcast, tuples, dimension-size queries. Where the result
 * dimensions are an input of the op (broadcast, reshape, iota, bitcast) the declared shape is
 * checked for consistency with the operands and returned. */
#include <string.h>

#include "shape_inference_internal.h"

static const hloc_i64_list *dims_attr(hloc_si *s) { return &s->i->attrs->dims; }

static bool declared_array(hloc_si *s) {
    if (hloc_shape_is_array(&s->i->shape)) return true;
    return hloc_si_fail(s, "%s result must be an array, declared %s", hloc_opcode_name(s->i->op),
                        hloc_si_str(s, &s->i->shape));
}

static hloc_shape like_declared(hloc_si *s, hloc_type t) {
    hloc_shape r = hloc_si_strip_layout(s, &s->i->shape);
    r.type = t;
    return r;
}

static bool broadcast(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !declared_array(s)) return false;
    const hloc_shape *x = hloc_si_op(s, 0), *r = &s->i->shape;
    const hloc_i64_list *d = dims_attr(s);
    if (d->n != x->rank)
        return hloc_si_fail(s, "broadcast dimensions has %u entries, operand rank is %u", d->n,
                            x->rank);
    if (!hloc_si_check_dims(s, d->v, d->n, r->rank, "dimensions")) return false;
    for (uint32_t k = 0; k < d->n; k++) {
        if (x->dims[k] != r->dims[d->v[k]])
            return hloc_si_fail(
                s, "operand dimension %u (size %lld) maps to result dimension %lld of size %lld", k,
                (long long)x->dims[k], (long long)d->v[k], (long long)r->dims[d->v[k]]);
    }
    *out = like_declared(s, x->type);
    return true;
}

static bool reshape(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 1, UINT32_MAX) || !hloc_si_need_array(s, 0) || !declared_array(s))
        return false;
    const hloc_shape *x = hloc_si_op(s, 0), *r = &s->i->shape;
    if (s->i->op == HLOC_OP_DYNAMIC_RESHAPE) {
        if (!hloc_si_need_operands(s, 1u + r->rank, 1u + r->rank)) return false;
        for (uint32_t k = 1; k < s->i->n_operands; k++)
            if (!hloc_si_need_scalar(s, k) || !hloc_si_need_type(s, k, HLOC_TYPE_S32)) return false;
    } else if (hloc_shape_is_static(x) && hloc_shape_is_static(r) &&
               hloc_shape_elements(x) != hloc_shape_elements(r)) {
        return hloc_si_fail(s, "reshape from %s (%lld elements) to %s (%lld elements)",
                            hloc_si_str(s, x), (long long)hloc_shape_elements(x), hloc_si_str(s, r),
                            (long long)hloc_shape_elements(r));
    }
    *out = like_declared(s, x->type);
    return true;
}

static bool transpose(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_i64_list *d = dims_attr(s);
    if (d->n != x->rank)
        return hloc_si_fail(s, "transpose dimensions has %u entries, operand rank is %u", d->n,
                            x->rank);
    if (!hloc_si_check_dims(s, d->v, d->n, x->rank, "dimensions")) return false;
    *out = hloc_si_strip_layout(s, x);
    for (uint32_t k = 0; k < d->n; k++) {
        out->dims[k] = x->dims[d->v[k]];
        out->dim_kind[k] = x->dim_kind[d->v[k]];
    }
    return true;
}

static bool reverse(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_si_check_dims(s, dims_attr(s)->v, dims_attr(s)->n, x->rank, "dimensions"))
        return false;
    *out = hloc_si_strip_layout(s, x);
    return true;
}

static bool slice(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_attrs *a = s->i->attrs;
    if (a->slice_start.n != x->rank || a->slice_limit.n != x->rank ||
        (a->slice_stride.n && a->slice_stride.n != x->rank))
        return hloc_si_fail(s, "slice has %u ranges, operand rank is %u", a->slice_start.n,
                            x->rank);
    *out = hloc_si_strip_layout(s, x);
    for (uint32_t k = 0; k < x->rank; k++) {
        int64_t lo = a->slice_start.v[k], hi = a->slice_limit.v[k];
        int64_t st = a->slice_stride.n ? a->slice_stride.v[k] : 1;
        if (st < 1)
            return hloc_si_fail(s, "slice stride %lld in dimension %u must be positive",
                                (long long)st, k);
        if (lo < 0 || lo > hi || hi > x->dims[k])
            return hloc_si_fail(s, "slice [%lld:%lld] out of range for dimension %u of size %lld",
                                (long long)lo, (long long)hi, k, (long long)x->dims[k]);
        out->dims[k] = (hi - lo + st - 1) / st;
    }
    return true;
}

/* Start indices: |first| onward, either one scalar integer per dimension or (older form) one
 * integer vector of length rank. */
static bool start_indices(hloc_si *s, uint32_t first, uint32_t rank) {
    uint32_t n = s->i->n_operands - first;
    if (n == 1 && rank != 1 && hloc_si_op(s, first)->rank == 1) {
        if (!hloc_si_need_rank(s, first, 1)) return false;
        if (hloc_si_op(s, first)->dims[0] != rank)
            return hloc_si_fail(s, "start index vector has %lld entries, expected %u",
                                (long long)hloc_si_op(s, first)->dims[0], rank);
        if (!hloc_type_is_int(hloc_si_op(s, first)->type))
            return hloc_si_fail(s, "start indices must be integers");
        return true;
    }
    if (n != rank) return hloc_si_fail(s, "expected %u start indices, found %u", rank, n);
    for (uint32_t k = first; k < s->i->n_operands; k++) {
        if (!hloc_si_need_scalar(s, k)) return false;
        hloc_type t = hloc_si_op(s, k)->type;
        if (!hloc_type_is_int(t))
            return hloc_si_fail(s, "start index operand %u has type %s, expected an integer", k,
                                hloc_type_name(t));
        if (t != hloc_si_op(s, first)->type)
            return hloc_si_fail(s, "start indices have different types (%s and %s)",
                                hloc_type_name(hloc_si_op(s, first)->type), hloc_type_name(t));
    }
    return true;
}

static bool dynamic_slice(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 1, UINT32_MAX) || !hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!start_indices(s, 1, x->rank)) return false;
    const hloc_i64_list *sz = &s->i->attrs->dynamic_slice_sizes;
    if (sz->n != x->rank)
        return hloc_si_fail(s, "dynamic_slice_sizes has %u entries, operand rank is %u", sz->n,
                            x->rank);
    *out = hloc_si_strip_layout(s, x);
    for (uint32_t k = 0; k < x->rank; k++) {
        if (sz->v[k] < 0 || sz->v[k] > x->dims[k])
            return hloc_si_fail(s, "slice size %lld out of range for dimension %u of size %lld",
                                (long long)sz->v[k], k, (long long)x->dims[k]);
        out->dims[k] = sz->v[k];
        out->dim_kind[k] = HLOC_DIM_STATIC;
    }
    return true;
}

static bool dynamic_update_slice(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 2, UINT32_MAX) || !hloc_si_need_array(s, 0) ||
        !hloc_si_need_array(s, 1))
        return false;
    const hloc_shape *x = hloc_si_op(s, 0), *u = hloc_si_op(s, 1);
    if (!hloc_si_need_type(s, 1, x->type) || !hloc_si_need_rank(s, 1, x->rank)) return false;
    for (uint32_t k = 0; k < x->rank; k++)
        if (u->dims[k] > x->dims[k])
            return hloc_si_fail(s, "update dimension %u (size %lld) exceeds the operand's (%lld)",
                                k, (long long)u->dims[k], (long long)x->dims[k]);
    if (!start_indices(s, 2, x->rank)) return false;
    *out = hloc_si_strip_layout(s, x);
    return true;
}

static bool concatenate(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 1, UINT32_MAX) || !hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_i64_list *d = dims_attr(s);
    if (d->n != 1)
        return hloc_si_fail(s, "concatenate needs exactly one dimension, found %u", d->n);
    if (!hloc_si_check_dims(s, d->v, 1, x->rank, "dimensions")) return false;
    int64_t cd = d->v[0];
    *out = hloc_si_strip_layout(s, x);
    for (uint32_t k = 1; k < s->i->n_operands; k++) {
        if (!hloc_si_need_array(s, k) || !hloc_si_need_type(s, k, x->type) ||
            !hloc_si_need_rank(s, k, x->rank))
            return false;
        const hloc_shape *y = hloc_si_op(s, k);
        for (uint32_t j = 0; j < x->rank; j++)
            if (j != cd && y->dims[j] != x->dims[j])
                return hloc_si_fail(
                    s,
                    "operand %u has shape %s, operand 0 has %s: they differ outside dimension %lld",
                    k, hloc_si_str(s, y), hloc_si_str(s, x), (long long)cd);
        out->dims[cd] += y->dims[cd];
    }
    return true;
}

static bool pad(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !hloc_si_need_scalar(s, 1)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_si_need_type(s, 1, x->type)) return false;
    const hloc_attrs *a = s->i->attrs;
    if (a->n_padding != x->rank)
        return hloc_si_fail(s, "padding has %u dimensions, operand rank is %u", a->n_padding,
                            x->rank);
    *out = hloc_si_strip_layout(s, x);
    for (uint32_t k = 0; k < x->rank; k++) {
        const hloc_padding_dim *p = &a->padding[k];
        if (p->interior < 0)
            return hloc_si_fail(s, "interior padding %lld in dimension %u must not be negative",
                                (long long)p->interior, k);
        int64_t d = x->dims[k];
        int64_t n = p->lo + p->hi + d + (d > 0 ? (d - 1) * p->interior : 0);
        if (n < 0)
            return hloc_si_fail(s, "padding %lld_%lld_%lld makes dimension %u negative (%lld)",
                                (long long)p->lo, (long long)p->hi, (long long)p->interior, k,
                                (long long)n);
        out->dims[k] = n;
    }
    return true;
}

static bool iota(hloc_si *s, hloc_shape *out) {
    if (!declared_array(s)) return false;
    const hloc_shape *r = &s->i->shape;
    if (r->rank == 0) return hloc_si_fail(s, "iota result must have rank at least 1");
    int64_t d = s->i->attrs->iota_dimension;
    if (d < 0 || d >= r->rank)
        return hloc_si_fail(s, "iota_dimension %lld out of range for rank %u", (long long)d,
                            r->rank);
    *out = like_declared(s, r->type);
    return true;
}

/* A bitcast may change dims, element type and layout: only the byte size must stay. */
static bool bitcast(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !declared_array(s)) return false;
    const hloc_shape *x = hloc_si_op(s, 0), *r = &s->i->shape;
    if (hloc_shape_is_static(x) && hloc_shape_is_static(r) &&
        hloc_shape_bytes(x) != hloc_shape_bytes(r))
        return hloc_si_fail(s, "bitcast from %s (%zu bytes) to %s (%zu bytes) changes the size",
                            hloc_si_str(s, x), hloc_shape_bytes(x), hloc_si_str(s, r),
                            hloc_shape_bytes(r));
    *out = like_declared(s, r->type);
    return true;
}

static bool tuple(hloc_si *s, hloc_shape *out) {
    uint32_t n = s->i->n_operands;
    hloc_shape *elems = n ? HLOC_ARENA_ARRAY(s->a, hloc_shape, n) : NULL;
    if (n && !elems) return hloc_si_fail(s, "out of memory");
    for (uint32_t k = 0; k < n; k++)
        elems[k] = *hloc_si_op(s, k);
    return hloc_si_tuple(s, elems, n, out);
}

static bool get_tuple_element(hloc_si *s, hloc_shape *out) {
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_shape_is_tuple(x))
        return hloc_si_fail(s, "operand must be a tuple, found %s", hloc_si_str(s, x));
    int64_t k = s->i->attrs->index;
    if (k < 0 || k >= x->n_elems)
        return hloc_si_fail(s, "index %lld out of range for a tuple of %u elements", (long long)k,
                            x->n_elems);
    *out = hloc_si_strip_layout(s, &x->elems[k]);
    return true;
}

static bool dimension_size(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_i64_list *d = dims_attr(s);
    if (d->n != 1) return hloc_si_fail(s, "dimensions needs exactly one entry, found %u", d->n);
    if (!hloc_si_check_dims(s, d->v, 1, x->rank, "dimensions")) return false;
    if (s->i->op == HLOC_OP_GET_DIMENSION_SIZE) {
        *out = hloc_shape_scalar(HLOC_TYPE_S32);
        return true;
    }
    if (!hloc_si_need_scalar(s, 1) || !hloc_si_need_type(s, 1, HLOC_TYPE_S32)) return false;
    *out = hloc_si_strip_layout(s, x);
    out->dim_kind[d->v[0]] = HLOC_DIM_BOUNDED;
    return true;
}

bool hloc_infer_shape_op(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_BROADCAST:
        return broadcast(s, out);
    case HLOC_OP_RESHAPE:
    case HLOC_OP_DYNAMIC_RESHAPE:
        return reshape(s, out);
    case HLOC_OP_TRANSPOSE:
        return transpose(s, out);
    case HLOC_OP_REVERSE:
        return reverse(s, out);
    case HLOC_OP_SLICE:
        return slice(s, out);
    case HLOC_OP_DYNAMIC_SLICE:
        return dynamic_slice(s, out);
    case HLOC_OP_DYNAMIC_UPDATE_SLICE:
        return dynamic_update_slice(s, out);
    case HLOC_OP_CONCATENATE:
        return concatenate(s, out);
    case HLOC_OP_PAD:
        return pad(s, out);
    case HLOC_OP_IOTA:
        return iota(s, out);
    case HLOC_OP_BITCAST:
        return bitcast(s, out);
    case HLOC_OP_TUPLE:
        return tuple(s, out);
    case HLOC_OP_GET_TUPLE_ELEMENT:
        return get_tuple_element(s, out);
    case HLOC_OP_GET_DIMENSION_SIZE:
    case HLOC_OP_SET_DIMENSION_SIZE:
        return dimension_size(s, out);
    default:
        break;
    }
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
