/* Data-movement opcodes: broadcast, reshape, bitcast, transpose, slice, dynamic-slice,
 * dynamic-update-slice, concatenate, pad, reverse, iota. Values are logical row-major, so most are
 * one strided walk: every output element reads the input at base + Σ index_k · step_k. */
#include <string.h>

#include "eval_internal.h"

/* dst[j] = src[base + Σ idx_k·step_k] over every index of |shape| in row-major order. */
static void gather_strided(char *dst, const hloc_shape *shape, const char *src, int64_t base,
                           const int64_t *step, size_t es) {
    int64_t n = hloc_shape_elements(shape);
    if (n <= 0) return;
    int64_t idx[HLOC_MAX_RANK] = {0};
    int64_t off = base;
    int r = shape->rank;
    for (int64_t j = 0; j < n; j++) {
        memcpy(dst + (size_t)j * es, src + (size_t)off * es, es);
        for (int d = r - 1; d >= 0; d--) {
            off += step[d];
            if (++idx[d] < shape->dims[d]) break;
            off -= step[d] * shape->dims[d];
            idx[d] = 0;
        }
    }
}

/* dst[base + Σ idx_k·step_k] = src[j] over every index of |shape| (the source's) in row-major order. */
static void scatter_strided(char *dst, int64_t base, const int64_t *step, const hloc_shape *shape,
                            const char *src, size_t es) {
    int64_t n = hloc_shape_elements(shape);
    if (n <= 0) return;
    int64_t idx[HLOC_MAX_RANK] = {0};
    int64_t off = base;
    int r = shape->rank;
    for (int64_t j = 0; j < n; j++) {
        memcpy(dst + (size_t)off * es, src + (size_t)j * es, es);
        for (int d = r - 1; d >= 0; d--) {
            off += step[d];
            if (++idx[d] < shape->dims[d]) break;
            off -= step[d] * shape->dims[d];
            idx[d] = 0;
        }
    }
}

static size_t esize(const hloc_literal *l) { return hloc_type_bytes(l->shape.type); }

static hloc_status *need_operands(const hloc_instr *i, uint32_t n) {
    if (i->n_operands < n)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "expected %u operands, got %u", n,
                              i->n_operands);
    return NULL;
}

static hloc_status *mismatch(const hloc_instr *i, const char *what) {
    return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "%s", what);
}

static hloc_status *same_type(const hloc_instr *i, const hloc_literal *x, const hloc_literal *out) {
    if (x->shape.type != out->shape.type)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "operand is %s, result %s",
                              hloc_type_name(x->shape.type), hloc_type_name(out->shape.type));
    return NULL;
}

static hloc_status *same_shape(const hloc_instr *i, const hloc_literal *x, const hloc_literal *out) {
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    if (x->shape.rank != out->shape.rank ||
        memcmp(x->shape.dims, out->shape.dims, x->shape.rank * sizeof(int64_t)))
        return mismatch(i, "result must have the operand's dimensions");
    return NULL;
}

EVAL_KERNEL(broadcast) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    const hloc_literal *x = ops[0];
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    const hloc_i64_list *dims = &i->attrs->dims;
    if (dims->n != x->shape.rank) return mismatch(i, "dimensions= must list one entry per operand dimension");
    int64_t in_stride[HLOC_MAX_RANK], step[HLOC_MAX_RANK] = {0};
    hloc_shape_row_major_strides(&x->shape, in_stride);
    for (uint32_t k = 0; k < dims->n; k++) {
        int64_t d = dims->v[k];
        if (d < 0 || d >= out->shape.rank || out->shape.dims[d] != x->shape.dims[k])
            return mismatch(i, "dimensions= maps an operand dimension to a result dimension of another size");
        step[d] = in_stride[k];
    }
    gather_strided(out->data, &out->shape, x->data, 0, step, esize(out));
    return NULL;
}

EVAL_KERNEL(reshape) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    if (hloc_shape_elements(&ops[0]->shape) != hloc_shape_elements(&out->shape) ||
        ops[0]->shape.type != out->shape.type)
        return mismatch(i, "reshape must keep the element type and count");
    memcpy(out->data, ops[0]->data, hloc_shape_bytes(&out->shape));
    return NULL;
}

/* Strides of each logical dimension in the physical buffer that |s|'s layout describes. */
static void physical_strides(const hloc_shape *s, int64_t *st) {
    if (!s->has_layout) {
        hloc_shape_row_major_strides(s, st);
        return;
    }
    int64_t acc = 1;
    for (uint32_t k = 0; k < s->rank; k++) {
        st[s->minor_to_major[k]] = acc;
        acc *= s->dims[s->minor_to_major[k]];
    }
}

/* bitcast reinterprets the physical buffer: XLA's layout passes use it for reshapes and
 * transposes that do not move bytes. Lay the operand out by its layout, then read that buffer
 * back through the result's layout. */
EVAL_KERNEL(bitcast) {
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    const hloc_literal *x = ops[0];
    if (hloc_shape_bytes(&x->shape) != hloc_shape_bytes(&out->shape) || esize(x) != esize(out))
        return mismatch(i, "bitcast must keep the element size and the number of bytes");
    /* Layouts come from the instructions: a value may be shared with an operand of another layout
     * (copy passes its operand through) or come from an argument without one. */
    int64_t sin[HLOC_MAX_RANK], sout[HLOC_MAX_RANK];
    const hloc_shape *ls = &i->operands[0]->shape;
    if (ls->rank != x->shape.rank || i->shape.rank != out->shape.rank ||
        memcmp(ls->dims, x->shape.dims, ls->rank * sizeof(int64_t)))
        return mismatch(i, "operand value does not have the operand's rank");
    if ((ls->layout_ext && ls->layout_ext->n_tiles) || (i->shape.layout_ext && i->shape.layout_ext->n_tiles))
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "bitcast between tiled layouts");
    physical_strides(ls, sin);
    physical_strides(&i->shape, sout);
    char *phys = hloc_arena_alloc(ev->arena, hloc_shape_bytes(&out->shape) + 1);
    if (!phys) return hloc_status_oom();
    scatter_strided(phys, 0, sin, &x->shape, x->data, esize(x));
    gather_strided(out->data, &out->shape, phys, 0, sout, esize(out));
    return NULL;
}

EVAL_KERNEL(transpose) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    const hloc_literal *x = ops[0];
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    const hloc_i64_list *perm = &i->attrs->dims;
    if (perm->n != x->shape.rank || out->shape.rank != x->shape.rank)
        return mismatch(i, "dimensions= must be a permutation of the operand's dimensions");
    int64_t in_stride[HLOC_MAX_RANK], step[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(&x->shape, in_stride);
    for (uint32_t k = 0; k < perm->n; k++) {
        int64_t p = perm->v[k];
        if (p < 0 || p >= x->shape.rank || x->shape.dims[p] != out->shape.dims[k])
            return mismatch(i, "dimensions= must be a permutation of the operand's dimensions");
        step[k] = in_stride[p];
    }
    gather_strided(out->data, &out->shape, x->data, 0, step, esize(out));
    return NULL;
}

EVAL_KERNEL(slice) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    const hloc_literal *x = ops[0];
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    const hloc_attrs *a = i->attrs;
    uint32_t r = x->shape.rank;
    if (a->slice_start.n != r || a->slice_limit.n != r || out->shape.rank != r)
        return mismatch(i, "slice= must give one range per operand dimension");
    int64_t in_stride[HLOC_MAX_RANK], step[HLOC_MAX_RANK], base = 0;
    hloc_shape_row_major_strides(&x->shape, in_stride);
    for (uint32_t k = 0; k < r; k++) {
        int64_t s = a->slice_start.v[k], l = a->slice_limit.v[k];
        int64_t st = a->slice_stride.n == r ? a->slice_stride.v[k] : 1;
        if (s < 0 || l > x->shape.dims[k] || st < 1 || (l > s ? (l - s + st - 1) / st : 0) != out->shape.dims[k])
            return mismatch(i, "slice= range does not fit the operand or the result");
        base += s * in_stride[k];
        step[k] = in_stride[k] * st;
    }
    gather_strided(out->data, &out->shape, x->data, base, step, esize(out));
    return NULL;
}

/* Start indices of dynamic-(update-)slice from operands |first|..: one scalar per dimension, or
 * (the old form) one rank-1 array. Each is clamped so that a |size| window fits. */
static hloc_status *dyn_starts(const hloc_instr *i, const hloc_literal *const *ops, uint32_t first,
                               const hloc_shape *operand, const int64_t *size, int64_t *start) {
    uint32_t r = operand->rank;
    uint32_t n = i->n_operands - first;
    bool vector = n == 1 && ops[first]->shape.rank == 1;
    if (!vector && n != r)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "expected %u start indices, got %u", r, n);
    for (uint32_t k = 0; k < r; k++) {
        const hloc_literal *l = vector ? ops[first] : ops[first + k];
        if (!hloc_type_is_int(l->shape.type) ||
            (vector ? hloc_shape_elements(&l->shape) != r : l->shape.rank != 0))
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "start indices must be integer scalars");
        int64_t s = hloc_literal_get_i64(l, vector ? k : 0);
        if (hloc_type_is_unsigned_int(l->shape.type) && s < 0) s = INT64_MAX; /* a huge u64 */
        int64_t hi = operand->dims[k] - size[k];
        if (hi < 0)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "slice size %lld exceeds dimension %u of size %lld",
                                  (long long)size[k], k, (long long)operand->dims[k]);
        start[k] = s < 0 ? 0 : s > hi ? hi : s;
    }
    return NULL;
}

EVAL_KERNEL(dynamic_slice) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 2));
    const hloc_literal *x = ops[0];
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    if (out->shape.rank != x->shape.rank) return mismatch(i, "result rank differs from the operand's");
    int64_t start[HLOC_MAX_RANK], in_stride[HLOC_MAX_RANK], base = 0;
    HLOC_RETURN_IF_ERROR(dyn_starts(i, ops, 1, &x->shape, out->shape.dims, start));
    hloc_shape_row_major_strides(&x->shape, in_stride);
    for (uint32_t k = 0; k < x->shape.rank; k++) base += start[k] * in_stride[k];
    gather_strided(out->data, &out->shape, x->data, base, in_stride, esize(out));
    return NULL;
}

EVAL_KERNEL(dynamic_update_slice) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 3));
    const hloc_literal *x = ops[0], *u = ops[1];
    HLOC_RETURN_IF_ERROR(same_shape(i, x, out));
    if (u->shape.rank != x->shape.rank || u->shape.type != x->shape.type)
        return mismatch(i, "update must have the operand's rank and element type");
    int64_t start[HLOC_MAX_RANK], stride[HLOC_MAX_RANK], base = 0;
    HLOC_RETURN_IF_ERROR(dyn_starts(i, ops, 2, &x->shape, u->shape.dims, start));
    memcpy(out->data, x->data, hloc_shape_bytes(&out->shape));
    hloc_shape_row_major_strides(&out->shape, stride);
    for (uint32_t k = 0; k < x->shape.rank; k++) base += start[k] * stride[k];
    scatter_strided(out->data, base, stride, &u->shape, u->data, esize(out));
    return NULL;
}

EVAL_KERNEL(concatenate) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    if (i->attrs->dims.n != 1) return mismatch(i, "dimensions= must name one dimension");
    int64_t d = i->attrs->dims.v[0];
    if (d < 0 || d >= out->shape.rank) return mismatch(i, "concatenate dimension out of range");
    int64_t stride[HLOC_MAX_RANK], at = 0;
    hloc_shape_row_major_strides(&out->shape, stride);
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_literal *x = ops[k];
        if (x->shape.rank != out->shape.rank || x->shape.type != out->shape.type)
            return mismatch(i, "operands must have the result's rank and element type");
        for (uint32_t e = 0; e < x->shape.rank; e++)
            if (e != d && x->shape.dims[e] != out->shape.dims[e])
                return mismatch(i, "operands differ outside the concatenate dimension");
        if (at + x->shape.dims[d] > out->shape.dims[d]) return mismatch(i, "operands overflow the result");
        scatter_strided(out->data, at * stride[d], stride, &x->shape, x->data, esize(out));
        at += x->shape.dims[d];
    }
    if (at != out->shape.dims[d]) return mismatch(i, "operands do not fill the result");
    return NULL;
}

/* Interior padding goes in first, then edge padding, which may be negative and cut into it. */
EVAL_KERNEL(pad) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 2));
    const hloc_literal *x = ops[0], *pv = ops[1];
    HLOC_RETURN_IF_ERROR(same_type(i, x, out));
    uint32_t r = x->shape.rank;
    if (i->attrs->n_padding != r || out->shape.rank != r || pv->shape.rank != 0 ||
        pv->shape.type != out->shape.type)
        return mismatch(i, "padding= must give one entry per dimension, with a scalar pad value");
    const hloc_padding_dim *p = i->attrs->padding;
    for (uint32_t k = 0; k < r; k++) {
        int64_t dim = x->shape.dims[k];
        int64_t want = p[k].lo + p[k].hi + dim + (dim > 0 ? (dim - 1) * p[k].interior : 0);
        if (p[k].interior < 0 || want != out->shape.dims[k])
            return mismatch(i, "padding= does not produce the result's dimensions");
    }
    size_t es = esize(out);
    int64_t n = hloc_shape_elements(&out->shape);
    for (int64_t j = 0; j < n; j++) memcpy((char *)out->data + (size_t)j * es, pv->data, es);
    int64_t stride[HLOC_MAX_RANK], idx[HLOC_MAX_RANK] = {0};
    hloc_shape_row_major_strides(&out->shape, stride);
    int64_t m = hloc_shape_elements(&x->shape);
    for (int64_t j = 0; j < m; j++) {
        int64_t off = 0;
        bool inside = true;
        for (uint32_t k = 0; k < r && inside; k++) {
            int64_t pos = p[k].lo + idx[k] * (p[k].interior + 1);
            inside = pos >= 0 && pos < out->shape.dims[k];
            off += pos * stride[k];
        }
        if (inside) memcpy((char *)out->data + (size_t)off * es, (const char *)x->data + (size_t)j * es, es);
        for (int d = (int)r - 1; d >= 0; d--) {
            if (++idx[d] < x->shape.dims[d]) break;
            idx[d] = 0;
        }
    }
    return NULL;
}

EVAL_KERNEL(reverse) {
    (void)ev;
    HLOC_RETURN_IF_ERROR(need_operands(i, 1));
    const hloc_literal *x = ops[0];
    HLOC_RETURN_IF_ERROR(same_shape(i, x, out));
    int64_t step[HLOC_MAX_RANK], base = 0;
    hloc_shape_row_major_strides(&x->shape, step);
    for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
        int64_t d = i->attrs->dims.v[k];
        if (d < 0 || d >= x->shape.rank) return mismatch(i, "reverse dimension out of range");
        if (step[d] < 0) continue; /* listed twice */
        base += (x->shape.dims[d] - 1) * step[d];
        step[d] = -step[d];
    }
    gather_strided(out->data, &out->shape, x->data, base, step, esize(out));
    return NULL;
}

EVAL_KERNEL(iota) {
    (void)ev;
    (void)ops;
    int64_t d = i->attrs->iota_dimension;
    if (d < 0 || d >= out->shape.rank) return mismatch(i, "iota_dimension out of range");
    int64_t n = hloc_shape_elements(&out->shape), stride[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(&out->shape, stride);
    for (int64_t j = 0; j < n; j++) {
        int64_t v = (j / stride[d]) % out->shape.dims[d];
        hloc_literal_set_i64(out, j, v);
    }
    return NULL;
}

int64_t *hloc_eval_offsets(hloc_arena *a, const hloc_shape *s, const int64_t *dims, uint32_t n,
                           int64_t *count) {
    int64_t stride[HLOC_MAX_RANK], sub_dims[HLOC_MAX_RANK], step[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(s, stride);
    int64_t total = 1;
    for (uint32_t k = 0; k < n; k++) {
        sub_dims[k] = s->dims[dims[k]];
        step[k] = stride[dims[k]];
        total *= sub_dims[k];
    }
    *count = total;
    int64_t *off = HLOC_ARENA_ARRAY(a, int64_t, total > 0 ? total : 1);
    if (!off || total <= 0) return off;
    int64_t idx[HLOC_MAX_RANK] = {0}, cur = 0;
    for (int64_t j = 0; j < total; j++) {
        off[j] = cur;
        for (int d = (int)n - 1; d >= 0; d--) {
            cur += step[d];
            if (++idx[d] < sub_dims[d]) break;
            cur -= step[d] * sub_dims[d];
            idx[d] = 0;
        }
    }
    return off;
}
