/* Shape inference for everything else: constants and parameters, bitcast-convert, linear algebra
 * (cholesky, triangular-solve, fft, batch norm), random numbers, tokens and I/O, and collectives
 * as on one replica (the group size comes from the declared shape where it matters). */
#include "shape_inference_internal.h"

static bool declared(hloc_si *s, hloc_shape *out) {
    *out = s->i->shape;
    return true;
}

static bool same_as_operand(hloc_si *s, uint32_t k, hloc_shape *out) {
    *out = hloc_si_strip_layout(s, hloc_si_op(s, k));
    return true;
}

static bool need_token(hloc_si *s, uint32_t k) {
    if (hloc_si_op(s, k)->type == HLOC_TYPE_TOKEN) return true;
    return hloc_si_fail(s, "operand %u must be a token, found %s", k,
                        hloc_si_str(s, hloc_si_op(s, k)));
}

static bool constant(hloc_si *s, hloc_shape *out) {
    const hloc_literal *l = s->i->attrs->literal;
    if (l && !hloc_si_same(&l->shape, &s->i->shape))
        return hloc_si_fail(s, "literal has shape %s, declared %s", hloc_si_str(s, &l->shape),
                            hloc_si_str(s, &s->i->shape));
    return declared(s, out);
}

/* Equal bit widths keep the dims; a narrower result adds a minor dim of the width ratio, a wider
 * one consumes it (XLA's InferBitcastConvertShape). */
static bool bitcast_convert(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    hloc_type to = s->i->shape.type;
    if (!hloc_type_is_array(to))
        return hloc_si_fail(s, "bitcast-convert result must be an array, declared %s",
                            hloc_si_str(s, &s->i->shape));
    if (hloc_type_is_complex(x->type) != hloc_type_is_complex(to))
        return hloc_si_fail(s, "bitcast-convert between complex and real types is not allowed");
    int from_bits = hloc_type_bits(x->type), to_bits = hloc_type_bits(to);
    *out = hloc_si_strip_layout(s, x);
    out->type = to;
    if (from_bits == to_bits) return true;
    if (from_bits > to_bits) {
        if (from_bits % to_bits || x->rank >= HLOC_MAX_RANK)
            return hloc_si_fail(s, "cannot bitcast-convert %s to %s", hloc_type_name(x->type),
                                hloc_type_name(to));
        out->dims[out->rank] = from_bits / to_bits;
        out->dim_kind[out->rank++] = HLOC_DIM_STATIC;
        hloc_shape_set_default_layout(out);
        return true;
    }
    if (to_bits % from_bits || x->rank == 0 || x->dims[x->rank - 1] != to_bits / from_bits)
        return hloc_si_fail(
            s, "bitcast-convert from %s to wider %s needs a minor dimension of size %d",
            hloc_si_str(s, x), hloc_type_name(to), from_bits ? to_bits / from_bits : 0);
    out->rank--;
    hloc_shape_set_default_layout(out);
    return true;
}

static bool need_float_or_complex(hloc_si *s, uint32_t k) {
    if (!hloc_si_need_array(s, k)) return false;
    hloc_type t = hloc_si_op(s, k)->type;
    if (hloc_type_is_float(t) || hloc_type_is_complex(t)) return true;
    return hloc_si_fail(s, "operand %u must be floating-point or complex, found %s", k,
                        hloc_type_name(t));
}

static bool cholesky(hloc_si *s, hloc_shape *out) {
    if (!need_float_or_complex(s, 0)) return false;
    const hloc_shape *a = hloc_si_op(s, 0);
    if (a->rank < 2 || a->dims[a->rank - 1] != a->dims[a->rank - 2])
        return hloc_si_fail(s,
                            "cholesky needs square matrices in the two minor dimensions, found %s",
                            hloc_si_str(s, a));
    return same_as_operand(s, 0, out);
}

static bool triangular_solve(hloc_si *s, hloc_shape *out) {
    if (!need_float_or_complex(s, 0) || !hloc_si_need_array(s, 1)) return false;
    const hloc_shape *a = hloc_si_op(s, 0), *b = hloc_si_op(s, 1);
    if (!hloc_si_need_type(s, 1, a->type) || !hloc_si_need_rank(s, 1, a->rank)) return false;
    if (a->rank < 2 || a->dims[a->rank - 1] != a->dims[a->rank - 2])
        return hloc_si_fail(s, "a must be square in its two minor dimensions, found %s",
                            hloc_si_str(s, a));
    for (uint32_t k = 0; k + 2 < a->rank; k++)
        if (a->dims[k] != b->dims[k]) return hloc_si_fail(s, "batch dimensions of a and b differ");
    if (s->i->attrs->triangular_solve.transpose_a == HLOC_TRANSPOSE_INVALID)
        return hloc_si_fail(s, "transpose_a must be NO_TRANSPOSE, TRANSPOSE or ADJOINT");
    int64_t m = a->dims[a->rank - 1];
    int64_t bd =
        s->i->attrs->triangular_solve.left_side ? b->dims[b->rank - 2] : b->dims[b->rank - 1];
    if (bd != m)
        return hloc_si_fail(s, "b %s does not fit a %s on the %s side", hloc_si_str(s, b),
                            hloc_si_str(s, a),
                            s->i->attrs->triangular_solve.left_side ? "left" : "right");
    return same_as_operand(s, 1, out);
}

static bool fft(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_i64_list *len = &s->i->attrs->fft_length;
    hloc_fft_type ft = s->i->attrs->fft_type;
    if (len->n < 1 || len->n > 3 || len->n > x->rank)
        return hloc_si_fail(
            s, "fft_length needs 1 to 3 entries, at most the operand rank %u; found %u", x->rank,
            len->n);
    *out = hloc_si_strip_layout(s, x);
    uint32_t first = x->rank - len->n;
    switch (ft) {
    case HLOC_FFT_FFT:
    case HLOC_FFT_IFFT:
        /* As XLA: fft_length is not checked against a complex-to-complex transform. */
        if (!hloc_type_is_complex(x->type))
            return hloc_si_fail(s, "FFT/IFFT needs a complex operand");
        return true;
    case HLOC_FFT_RFFT:
        if (x->type != HLOC_TYPE_F32 && x->type != HLOC_TYPE_F64)
            return hloc_si_fail(s, "RFFT needs an f32 or f64 operand, found %s",
                                hloc_type_name(x->type));
        for (uint32_t k = 0; k < len->n; k++)
            if (x->dims[first + k] != len->v[k])
                return hloc_si_fail(s, "fft_length does not match the operand");
        out->type = x->type == HLOC_TYPE_F32 ? HLOC_TYPE_C64 : HLOC_TYPE_C128;
        out->dims[x->rank - 1] = len->v[len->n - 1] == 0 ? 0 : len->v[len->n - 1] / 2 + 1;
        return true;
    case HLOC_FFT_IRFFT:
        if (!hloc_type_is_complex(x->type)) return hloc_si_fail(s, "IRFFT needs a complex operand");
        for (uint32_t k = 0; k + 1 < len->n; k++)
            if (x->dims[first + k] != len->v[k])
                return hloc_si_fail(s, "fft_length does not match the operand");
        /* Zero-sized transforms keep their size (XLA's InferFftShape). */
        if ((x->dims[x->rank - 1] != 0 || len->v[len->n - 1] != 0) &&
            x->dims[x->rank - 1] != len->v[len->n - 1] / 2 + 1)
            return hloc_si_fail(s, "IRFFT minor dimension must be fft_length/2+1");
        out->type = x->type == HLOC_TYPE_C64 ? HLOC_TYPE_F32 : HLOC_TYPE_F64;
        out->dims[x->rank - 1] = len->v[len->n - 1];
        return true;
    default:
        break;
    }
    return hloc_si_fail(s, "fft needs fft_type=");
}

/* training(x, scale, offset), inference(x, scale, offset, mean, var), grad(x, scale, mean, var,
 * grad_out): every per-feature operand is [features]. */
static bool batch_norm(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_type_is_float(x->type))
        return hloc_si_fail(s, "operand 0 must be floating-point, found %s",
                            hloc_type_name(x->type));
    int64_t f = s->i->attrs->feature_index;
    if (f < 0 || f >= x->rank)
        return hloc_si_fail(s, "feature_index %lld out of range for rank %u", (long long)f,
                            x->rank);
    int64_t feat[1] = {x->dims[f]};
    hloc_shape vec = hloc_si_array(x->type, 1, feat);
    uint32_t n = s->i->n_operands;
    bool grad = s->i->op == HLOC_OP_BATCH_NORM_GRAD;
    for (uint32_t k = 1; k < n; k++) {
        const hloc_shape *want = grad && k == n - 1 ? x : &vec;
        if (!hloc_si_need_array(s, k) || !hloc_si_need_type(s, k, x->type)) return false;
        if (!hloc_si_same_dims(hloc_si_op(s, k), want))
            return hloc_si_fail(s, "operand %u has shape %s, expected %s", k,
                                hloc_si_str(s, hloc_si_op(s, k)), hloc_si_str(s, want));
    }
    if (s->i->op == HLOC_OP_BATCH_NORM_INFERENCE) return same_as_operand(s, 0, out);
    hloc_shape r[3] = {*x, vec, vec};
    return hloc_si_tuple(s, r, 3, out);
}

static bool rng(hloc_si *s, hloc_shape *out) {
    const hloc_shape *r = &s->i->shape;
    if (!hloc_shape_is_array(r)) return hloc_si_fail(s, "rng result must be an array");
    if (!hloc_si_need_operands(s, 2, 2)) return false;
    for (uint32_t k = 0; k < 2; k++)
        if (!hloc_si_need_scalar(s, k) || !hloc_si_need_type(s, k, r->type)) return false;
    switch (s->i->attrs->rng_distribution) {
    case HLOC_RNG_DIST_UNIFORM:
        if (!hloc_type_is_float(r->type) && !hloc_type_is_int(r->type) && r->type != HLOC_TYPE_PRED)
            return hloc_si_fail(s, "uniform rng of %s is not supported", hloc_type_name(r->type));
        break;
    case HLOC_RNG_DIST_NORMAL:
        if (!hloc_type_is_float(r->type))
            return hloc_si_fail(s, "normal rng needs a floating-point type");
        break;
    default:
        return hloc_si_fail(s, "rng needs distribution=");
    }
    *out = hloc_si_strip_layout(s, r);
    return true;
}

static bool rng_bit_generator(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *r = &s->i->shape;
    if (!hloc_shape_is_tuple(r) || r->n_elems != 2 || !hloc_shape_is_array(&r->elems[1]))
        return hloc_si_fail(s, "rng-bit-generator result must be (state, bits), declared %s",
                            hloc_si_str(s, r));
    if (!hloc_si_same(&r->elems[0], hloc_si_op(s, 0)))
        return hloc_si_fail(s, "result state %s differs from the operand state %s",
                            hloc_si_str(s, &r->elems[0]), hloc_si_str(s, hloc_si_op(s, 0)));
    hloc_shape e[2] = {*hloc_si_op(s, 0), r->elems[1]};
    return hloc_si_tuple(s, e, 2, out);
}

/* Operands as they are, a tuple when there are several (all-reduce, all-to-all, ...). */
static bool operands_shape(hloc_si *s, hloc_shape *out) {
    uint32_t n = s->i->n_operands;
    if (!hloc_si_need_operands(s, 1, UINT32_MAX)) return false;
    for (uint32_t k = 0; k < n; k++)
        if (!hloc_si_need_array(s, k)) return false;
    if (n == 1) return same_as_operand(s, 0, out);
    hloc_shape *e = HLOC_ARENA_ARRAY(s->a, hloc_shape, n);
    if (!e) return hloc_si_fail(s, "out of memory");
    for (uint32_t k = 0; k < n; k++)
        e[k] = *hloc_si_op(s, k);
    return hloc_si_tuple(s, e, n, out);
}

static bool all_reduce(hloc_si *s, hloc_shape *out) {
    enum { MAXN = 64 };
    uint32_t n = s->i->n_operands;
    if (!operands_shape(s, out)) return false;
    if (n > MAXN) return hloc_si_fail(s, "more than %d operands", MAXN);
    hloc_type t[MAXN], acc[MAXN];
    for (uint32_t k = 0; k < n; k++)
        t[k] = hloc_si_op(s, k)->type;
    const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
    if (!c) return false;
    /* One reducer serves every operand: it is checked for each distinct element type. */
    for (uint32_t k = 0; k < n; k++)
        if (!hloc_si_check_reducer(s, c, "to_apply", &t[k], NULL, 1, acc)) return false;
    return true;
}

/* all-gather multiplies, reduce-scatter divides the dimension by the group size, which one
 * replica does not know: the declared shape gives it, and must be consistent across operands. */
static bool gather_scatter_collective(hloc_si *s, hloc_shape *out) {
    bool gather = s->i->op == HLOC_OP_ALL_GATHER;
    if (!hloc_si_need_operands(s, 1, UINT32_MAX)) return false;
    const hloc_shape *r = &s->i->shape;
    uint32_t n = s->i->n_operands;
    const hloc_i64_list *d = &s->i->attrs->dims;
    if (d->n != 1) return hloc_si_fail(s, "dimensions needs exactly one entry, found %u", d->n);
    if (n > 1 && (!hloc_shape_is_tuple(r) || r->n_elems != n))
        return hloc_si_fail(s, "%u operands need a tuple of %u results, declared %s", n, n,
                            hloc_si_str(s, r));
    int64_t group = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (!hloc_si_need_array(s, k)) return false;
        const hloc_shape *x = hloc_si_op(s, k), *y = n > 1 ? &r->elems[k] : r;
        if (!hloc_si_check_dims(s, d->v, 1, x->rank, "dimensions")) return false;
        if (!hloc_shape_is_array(y) || y->type != x->type || y->rank != x->rank)
            return hloc_si_fail(s, "result %u %s does not fit operand %s", k, hloc_si_str(s, y),
                                hloc_si_str(s, x));
        int64_t dd = d->v[0], big = gather ? y->dims[dd] : x->dims[dd],
                small = gather ? x->dims[dd] : y->dims[dd];
        for (uint32_t j = 0; j < x->rank; j++)
            if (j != dd && x->dims[j] != y->dims[j])
                return hloc_si_fail(s,
                                    "result %u %s differs from operand %s outside dimension %lld",
                                    k, hloc_si_str(s, y), hloc_si_str(s, x), (long long)dd);
        if (small <= 0 || big % small)
            return hloc_si_fail(s, "dimension %lld: %lld is not a multiple of %lld", (long long)dd,
                                (long long)big, (long long)small);
        if (k == 0)
            group = big / small;
        else if (big / small != group)
            return hloc_si_fail(s, "operands imply different group sizes (%lld and %lld)",
                                (long long)group, (long long)(big / small));
    }
    if (!gather) {
        hloc_type t, acc[1];
        const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
        if (!c) return false;
        for (uint32_t k = 0; k < n; k++) {
            t = hloc_si_op(s, k)->type;
            if (!hloc_si_check_reducer(s, c, "to_apply", &t, NULL, 1, acc)) return false;
        }
    }
    *out = hloc_si_strip_layout(s, r);
    return true;
}

static bool tokens(hloc_si *s, hloc_shape *out) {
    for (uint32_t k = 0; k < s->i->n_operands; k++)
        if (!need_token(s, k)) return false;
    *out = hloc_shape_scalar(HLOC_TYPE_TOKEN);
    return true;
}

/* (data..., u32[] context, token) for send and recv: the buffer part is declared. */
static bool send_recv(hloc_si *s, hloc_shape *out) {
    hloc_opcode op = s->i->op;
    const hloc_shape *r = &s->i->shape;
    uint32_t tok = op == HLOC_OP_SEND ? 1 : 0;
    if (op == HLOC_OP_SEND || op == HLOC_OP_RECV) {
        if (!need_token(s, tok)) return false;
        if (!hloc_shape_is_tuple(r) || r->n_elems != 3 || r->elems[2].type != HLOC_TYPE_TOKEN)
            return hloc_si_fail(s, "%s result must be (data, u32[], token), declared %s",
                                hloc_opcode_name(op), hloc_si_str(s, r));
        if (op == HLOC_OP_SEND && !hloc_si_same(&r->elems[0], hloc_si_op(s, 0)))
            return hloc_si_fail(s, "send result element 0 must be the data shape %s",
                                hloc_si_str(s, hloc_si_op(s, 0)));
    }
    return declared(s, out);
}

static bool copy_start(hloc_si *s, hloc_shape *out) {
    hloc_shape e[3] = {*hloc_si_op(s, 0), *hloc_si_op(s, 0), hloc_shape_scalar(HLOC_TYPE_U32)};
    const hloc_shape *r = &s->i->shape;
    /* XLA also accepts a context of other types; keep what was declared there. */
    if (hloc_shape_is_tuple(r) && r->n_elems == 3) e[2] = r->elems[2];
    return hloc_si_tuple(s, e, 3, out);
}

static bool tuple_element(hloc_si *s, uint32_t k, hloc_shape *out) {
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_shape_is_tuple(x) || x->n_elems <= k)
        return hloc_si_fail(s, "operand must be a tuple with at least %u elements, found %s", k + 1,
                            hloc_si_str(s, x));
    *out = hloc_si_strip_layout(s, &x->elems[k]);
    return true;
}

bool hloc_infer_misc(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_PARAMETER:
    case HLOC_OP_CUSTOM_CALL:
    case HLOC_OP_SHUFFLE:
    case HLOC_OP_COLLECTIVE_REDUCE:
    case HLOC_OP_ALL_GATHER_START:
    case HLOC_OP_ALL_GATHER_DONE:
    case HLOC_OP_COLLECTIVE_PERMUTE_START:
    case HLOC_OP_COLLECTIVE_PERMUTE_DONE:
        return declared(s, out);
    case HLOC_OP_CONSTANT:
        return constant(s, out);
    case HLOC_OP_BITCAST_CONVERT:
        return bitcast_convert(s, out);
    case HLOC_OP_CHOLESKY:
        return cholesky(s, out);
    case HLOC_OP_TRIANGULAR_SOLVE:
        return triangular_solve(s, out);
    case HLOC_OP_FFT:
        return fft(s, out);
    case HLOC_OP_BATCH_NORM_TRAINING:
    case HLOC_OP_BATCH_NORM_INFERENCE:
    case HLOC_OP_BATCH_NORM_GRAD:
        return batch_norm(s, out);
    case HLOC_OP_RNG:
        return rng(s, out);
    case HLOC_OP_RNG_BIT_GENERATOR:
        return rng_bit_generator(s, out);
    case HLOC_OP_RNG_GET_AND_UPDATE_STATE: {
        int64_t two[1] = {2};
        *out = hloc_si_array(HLOC_TYPE_U64, 1, two);
        return true;
    }
    case HLOC_OP_PARTITION_ID:
    case HLOC_OP_REPLICA_ID:
        *out = hloc_shape_scalar(HLOC_TYPE_U32);
        return true;
    case HLOC_OP_AFTER_ALL:
        return tokens(s, out);
    case HLOC_OP_ADD_DEPENDENCY:
        return need_token(s, 1) && same_as_operand(s, 0, out);
    case HLOC_OP_DOMAIN:
    case HLOC_OP_OPTIMIZATION_BARRIER:
    case HLOC_OP_ALL_REDUCE_DONE:
        return same_as_operand(s, 0, out);
    case HLOC_OP_ALL_REDUCE:
    case HLOC_OP_ALL_REDUCE_START:
        return all_reduce(s, out);
    case HLOC_OP_ALL_GATHER:
    case HLOC_OP_REDUCE_SCATTER:
        return gather_scatter_collective(s, out);
    case HLOC_OP_ALL_TO_ALL:
    case HLOC_OP_COLLECTIVE_BROADCAST:
        return operands_shape(s, out);
    case HLOC_OP_COLLECTIVE_PERMUTE:
        if (s->i->n_operands != 1) return declared(s, out); /* combined in-place form */
        return operands_shape(s, out);
    case HLOC_OP_RAGGED_ALL_TO_ALL:
        if (!hloc_si_need_operands(s, 2, UINT32_MAX)) return false;
        return same_as_operand(s, 1, out);
    case HLOC_OP_INFEED: {
        const hloc_shape *r = &s->i->shape;
        if (!need_token(s, 0)) return false;
        if (!hloc_shape_is_tuple(r) || r->n_elems != 2 || r->elems[1].type != HLOC_TYPE_TOKEN)
            return hloc_si_fail(s, "infeed result must be (data, token), declared %s",
                                hloc_si_str(s, r));
        return declared(s, out);
    }
    case HLOC_OP_OUTFEED:
        if (!need_token(s, 1)) return false;
        *out = hloc_shape_scalar(HLOC_TYPE_TOKEN);
        return true;
    case HLOC_OP_SEND:
    case HLOC_OP_RECV:
        return send_recv(s, out);
    case HLOC_OP_SEND_DONE:
        *out = hloc_shape_scalar(HLOC_TYPE_TOKEN);
        return true;
    case HLOC_OP_RECV_DONE:
        return declared(s, out);
    case HLOC_OP_COPY_START:
        return copy_start(s, out);
    case HLOC_OP_COPY_DONE:
        return tuple_element(s, 0, out);
    default:
        break;
    }
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
