/* algsimp: the algebraic identities of XLA's AlgebraicSimplifier that hold bit for bit:
 *   x+0, 0+x, x-0, x*1, 1*x, x/1 (integers always; floats only where IEEE agrees: x+(-0) is x, x+0
 *   is not for x = -0, so float adds fold only with -0 or when the zero is added to a non-negative
 *   zero-free value — we fold integer and -0 cases), and/or with true/false, negate(negate(x)),
 *   not(not(x)), reshape(reshape(x)), identity reshape, transpose(transpose(x)), identity
 *   transpose, broadcast(broadcast(x)), identity broadcast, slice(slice(x)), full slice,
 *   select(true/false, a, b), select(p, a, a), concatenate of one operand, convert to the same
 *   type, lossless convert chains, copy to the same layout, pad with zero widths, reverse of
 *   size-1 dimensions, reduce over size-1 dimensions (a reshape with an identity init value, else
 *   the reducer applied to init and the element), compare of x
 *   with itself for integers; dots of size-1 or empty contractions (algsimp_dot.c). Not bit for
 *   bit, but what XLA computes: division by a constant or a broadcast becomes multiplication by
 *   the reciprocal (algsimp_divide.c).
 * Each rule returns the instruction that replaces |i| (possibly new) or NULL. */
#include <math.h>
#include <string.h>

#include "passes_internal.h"

static bool is_splat(const hloc_instr *i, double v) {
    double x;
    return hloc_splat_value(i, &x) && x == v && !(v == 0 && signbit(x) != signbit(v));
}

static bool same_shape(const hloc_instr *a, const hloc_instr *b) {
    return hloc_shape_equal(&a->shape, &b->shape);
}

/* x op identity -> x, when the result has x's exact shape. */
static hloc_instr *arith_identity(hloc_instr *i) {
    hloc_instr *a = i->operands[0], *b = i->operands[1];
    hloc_type t = i->shape.type;
    bool is_int = hloc_type_is_int(t);
    bool is_float = hloc_type_is_float(t);
    if (!is_int && !is_float) return NULL;
    switch (i->op) {
    case HLOC_OP_ADD:
        /* Floats: x + (-0) == x for every x; x + (+0) turns -0 into +0. */
        if (same_shape(a, i) && (is_int ? is_splat(b, 0) : is_splat(b, -0.0))) return a;
        if (same_shape(b, i) && (is_int ? is_splat(a, 0) : is_splat(a, -0.0))) return b;
        return NULL;
    case HLOC_OP_SUBTRACT:
        if (same_shape(a, i) && (is_int ? is_splat(b, 0) : is_splat(b, 0.0))) return a;
        return NULL;
    case HLOC_OP_MULTIPLY:
        if (same_shape(a, i) && is_splat(b, 1)) return a;
        if (same_shape(b, i) && is_splat(a, 1)) return b;
        return NULL;
    case HLOC_OP_DIVIDE:
        if (same_shape(a, i) && is_splat(b, 1)) return a;
        return NULL;
    case HLOC_OP_MAXIMUM:
    case HLOC_OP_MINIMUM: {
        /* max(x, -inf) and min(x, +inf) are x, NaN and -0 included (as XLA: softmax's
         * max(reduce_max, -inf) of jax.nn.softmax). */
        double id = i->op == HLOC_OP_MAXIMUM ? -INFINITY : INFINITY;
        if (!is_float) return NULL;
        if (same_shape(a, i) && is_splat(b, id)) return a;
        if (same_shape(b, i) && is_splat(a, id)) return b;
        return NULL;
    }
    default:
        return NULL;
    }
}

static hloc_instr *logic_identity(hloc_instr *i) {
    if (i->shape.type != HLOC_TYPE_PRED) return NULL;
    hloc_instr *a = i->operands[0], *b = i->operands[1];
    double neutral = i->op == HLOC_OP_AND ? 1 : 0;
    if (same_shape(a, i) && is_splat(b, neutral)) return a;
    if (same_shape(b, i) && is_splat(a, neutral)) return b;
    if (a == b) return a; /* x and x, x or x */
    return NULL;
}

static hloc_instr *involution(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    if (a->op != i->op) return NULL;
    if (i->op == HLOC_OP_NEGATE && !hloc_type_is_float(i->shape.type) && !hloc_type_is_int(i->shape.type))
        return NULL;
    return same_shape(a->operands[0], i) ? a->operands[0] : NULL;
}

static hloc_instr *reshape(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    if (same_shape(a, i)) return a;
    if (a->op == HLOC_OP_RESHAPE || (a->op == HLOC_OP_BITCAST && false)) {
        hloc_instr *src = a->operands[0];
        if (same_shape(src, i)) return src;
        if (a->n_users == 1) {
            hloc_instr_set_operand(i, 0, src);
            return i; /* changed in place */
        }
    }
    return NULL;
}

static hloc_instr *transpose(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    const hloc_i64_list *p = &i->attrs->dims;
    bool identity = true;
    for (uint32_t k = 0; k < p->n; k++) identity &= p->v[k] == (int64_t)k;
    if (identity && same_shape(a, i)) return a;
    if (a->op != HLOC_OP_TRANSPOSE || a->n_users != 1) return NULL;
    /* transpose(transpose(x, q), p) = transpose(x, q∘p): out dim k reads x dim q[p[k]]. */
    const hloc_i64_list *q = &a->attrs->dims;
    if (q->n != p->n) return NULL;
    int64_t *v = HLOC_ARENA_ARRAY(i->parent->parent->arena, int64_t, p->n ? p->n : 1);
    if (!v) return NULL;
    bool composed_identity = true;
    for (uint32_t k = 0; k < p->n; k++) {
        if (p->v[k] < 0 || (uint64_t)p->v[k] >= q->n) return NULL;
        v[k] = q->v[p->v[k]];
        composed_identity &= v[k] == (int64_t)k;
    }
    if (composed_identity && same_shape(a->operands[0], i)) return a->operands[0];
    i->attrs->dims = (hloc_i64_list){v, p->n};
    hloc_instr_set_operand(i, 0, a->operands[0]);
    return i;
}

static hloc_instr *broadcast(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    if (same_shape(a, i)) {
        const hloc_i64_list *d = &i->attrs->dims;
        bool identity = true;
        for (uint32_t k = 0; k < d->n; k++) identity &= d->v[k] == (int64_t)k;
        if (identity) return a;
    }
    if (a->op != HLOC_OP_BROADCAST || a->n_users != 1) return NULL;
    /* broadcast(broadcast(x, d1), d2): x dim k lands at d2[d1[k]]. */
    const hloc_i64_list *d1 = &a->attrs->dims, *d2 = &i->attrs->dims;
    int64_t *v = HLOC_ARENA_ARRAY(i->parent->parent->arena, int64_t, d1->n ? d1->n : 1);
    if (!v) return NULL;
    for (uint32_t k = 0; k < d1->n; k++) {
        if (d1->v[k] < 0 || (uint64_t)d1->v[k] >= d2->n) return NULL;
        v[k] = d2->v[d1->v[k]];
    }
    i->attrs->dims = (hloc_i64_list){v, d1->n};
    hloc_instr_set_operand(i, 0, a->operands[0]);
    return i;
}

static hloc_instr *slice(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    hloc_attrs *s = i->attrs;
    if (same_shape(a, i)) {
        bool full = true;
        for (uint32_t k = 0; k < s->slice_start.n; k++)
            full &= s->slice_start.v[k] == 0 && s->slice_stride.v[k] == 1;
        if (full) return a;
    }
    if (a->op != HLOC_OP_SLICE || a->n_users != 1) return NULL;
    /* slice(slice(x, s1, l1, t1), s2, l2, t2): start s1 + s2*t1, stride t1*t2, and the limit is
     * one past the last element read. */
    hloc_attrs *o = a->attrs;
    uint32_t r = s->slice_start.n;
    if (o->slice_start.n != r) return NULL;
    hloc_arena *ar = i->parent->parent->arena;
    int64_t *st = HLOC_ARENA_ARRAY(ar, int64_t, r ? r : 1), *li = HLOC_ARENA_ARRAY(ar, int64_t, r ? r : 1),
            *sd = HLOC_ARENA_ARRAY(ar, int64_t, r ? r : 1);
    if (!st || !li || !sd) return NULL;
    for (uint32_t k = 0; k < r; k++) {
        st[k] = o->slice_start.v[k] + s->slice_start.v[k] * o->slice_stride.v[k];
        sd[k] = o->slice_stride.v[k] * s->slice_stride.v[k];
        int64_t n = i->shape.dims[k];
        li[k] = n ? st[k] + (n - 1) * sd[k] + 1 : st[k];
    }
    s->slice_start = (hloc_i64_list){st, r};
    s->slice_limit = (hloc_i64_list){li, r};
    s->slice_stride = (hloc_i64_list){sd, r};
    hloc_instr_set_operand(i, 0, a->operands[0]);
    return i;
}

static hloc_instr *select_(hloc_instr *i) {
    hloc_instr *p = i->operands[0], *a = i->operands[1], *b = i->operands[2];
    if (a == b && same_shape(a, i)) return a;
    double v;
    if (!hloc_splat_value(p, &v)) return NULL;
    hloc_instr *r = v != 0 ? a : b;
    return same_shape(r, i) ? r : NULL;
}

static hloc_instr *concatenate(hloc_instr *i) {
    return i->n_operands == 1 && same_shape(i->operands[0], i) ? i->operands[0] : NULL;
}

/* Whether every value of |from| survives a round trip through |via|. */
static bool lossless(hloc_type from, hloc_type via) {
    if (from == via) return true;
    if (hloc_type_is_float(from) && hloc_type_is_float(via)) {
        return (from == HLOC_TYPE_F16 || from == HLOC_TYPE_BF16 || from == HLOC_TYPE_F32) &&
               (via == HLOC_TYPE_F64 || (via == HLOC_TYPE_F32 && from != HLOC_TYPE_F32));
    }
    if (hloc_type_is_int(from) && hloc_type_is_int(via)) {
        int fb = hloc_type_bits(from), vb = hloc_type_bits(via);
        bool fs = hloc_type_is_signed_int(from), vs = hloc_type_is_signed_int(via);
        return fs == vs ? vb >= fb : (!fs && vs && vb > fb);
    }
    return false;
}

static hloc_instr *convert(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    if (same_shape(a, i)) return a;
    if (a->op == HLOC_OP_CONVERT) {
        hloc_instr *src = a->operands[0];
        if (same_shape(src, i) && lossless(src->shape.type, a->shape.type)) return src;
    }
    return NULL;
}

static hloc_instr *copy(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    return same_shape(a, i) && (!a->shape.has_layout || !i->shape.has_layout ||
                                !memcmp(a->shape.minor_to_major, i->shape.minor_to_major, i->shape.rank))
               ? a
               : NULL;
}

static hloc_instr *pad(hloc_instr *i) {
    for (uint32_t k = 0; k < i->attrs->n_padding; k++) {
        const hloc_padding_dim *p = &i->attrs->padding[k];
        if (p->lo || p->hi || p->interior) return NULL;
    }
    return same_shape(i->operands[0], i) ? i->operands[0] : NULL;
}

static hloc_instr *reverse(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
        int64_t d = i->attrs->dims.v[k];
        if (d < 0 || d >= i->shape.rank || i->shape.dims[d] != 1) return NULL;
    }
    return same_shape(a, i) ? a : NULL;
}

/* The reducer's identity for init, so that reducing one element gives the element itself. */
static bool is_identity_of(const hloc_computation *r, const hloc_instr *init) {
    const hloc_instr *root = r->root;
    if (!root || root->n_operands != 2 || r->n_params != 2) return false;
    if (!((root->operands[0] == r->params[0] && root->operands[1] == r->params[1]) ||
          (root->operands[0] == r->params[1] && root->operands[1] == r->params[0])))
        return false;
    double v;
    if (!hloc_splat_value(init, &v)) return false;
    bool f = hloc_type_is_float(init->shape.type);
    switch (root->op) {
    case HLOC_OP_ADD: return f ? v == 0 && signbit(v) : v == 0;
    case HLOC_OP_MULTIPLY: return v == 1;
    case HLOC_OP_MAXIMUM: return f && isinf(v) && v < 0;
    case HLOC_OP_MINIMUM: return f && isinf(v) && v > 0;
    case HLOC_OP_OR: return init->shape.type == HLOC_TYPE_PRED && v == 0;
    case HLOC_OP_AND: return init->shape.type == HLOC_TYPE_PRED && v == 1;
    default: return false;
    }
}

/* The elementwise opcode of a reducer whose root is op(param0, param1) or op(param1, param0);
 * *swapped says which. HLOC_OP_COUNT when it is anything else. */
static hloc_opcode simple_reducer(const hloc_computation *r, bool *swapped) {
    const hloc_instr *root = r->root;
    if (!root || r->n_params != 2 || root->n_operands != 2 || !(hloc_opcode_flags(root->op) & OPF_EW))
        return HLOC_OP_COUNT;
    if (root->operands[0] == r->params[0] && root->operands[1] == r->params[1]) *swapped = false;
    else if (root->operands[0] == r->params[1] && root->operands[1] == r->params[0]) *swapped = true;
    else return HLOC_OP_COUNT;
    return root->op;
}

/* A reduce whose reduced dimensions all have size 1 reads one element per result: it is a
 * reshape when init is the reducer's identity, and otherwise reducer(init, x) elementwise. */
static hloc_instr *reduce(hloc_instr *i) {
    if (i->n_operands != 2 || i->n_called != 1 || !hloc_shape_is_array(&i->shape)) return NULL;
    hloc_instr *a = i->operands[0];
    for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
        int64_t d = i->attrs->dims.v[k];
        if (d < 0 || d >= a->shape.rank || a->shape.dims[d] != 1) return NULL;
    }
    if (a->shape.type != i->shape.type) return NULL;
    if (is_identity_of(i->called[0], i->operands[1])) {
        if (i->attrs->dims.n == 0 && same_shape(a, i)) return a;
        return hloc_pass_new_instr(i->parent, HLOC_OP_RESHAPE, &i->shape, &a, 1);
    }
    bool swapped = false;
    hloc_opcode op = simple_reducer(i->called[0], &swapped);
    if (op == HLOC_OP_COUNT || i->operands[1]->shape.type != i->shape.type) return NULL;
    hloc_instr *x = hloc_pass_new_instr(i->parent, HLOC_OP_RESHAPE, &i->shape, &a, 1);
    hloc_instr *init = x ? hloc_pass_new_instr(i->parent, HLOC_OP_BROADCAST, &i->shape, &i->operands[1], 1) : NULL;
    if (!init) return NULL;
    init->attrs->has_dims = true;
    hloc_instr *ops[2] = {swapped ? x : init, swapped ? init : x};
    return hloc_pass_new_instr(i->parent, op, &i->shape, ops, 2);
}

static hloc_instr *compare(hloc_instr *i) {
    hloc_instr *a = i->operands[0];
    if (a != i->operands[1] || !hloc_type_is_int(a->shape.type)) return NULL;
    hloc_cmp_dir d = i->attrs->cmp_dir;
    bool v = d == HLOC_CMP_EQ || d == HLOC_CMP_LE || d == HLOC_CMP_GE;
    hloc_computation *c = i->parent;
    hloc_shape s = hloc_shape_scalar(HLOC_TYPE_PRED);
    hloc_instr *k = hloc_pass_new_instr(c, HLOC_OP_CONSTANT, &s, NULL, 0);
    if (!k) return NULL;
    k->attrs->literal = hloc_literal_create(c->parent->arena, &s);
    if (!k->attrs->literal) return NULL;
    hloc_literal_set_i64(k->attrs->literal, 0, v);
    if (i->shape.rank == 0) return k;
    hloc_instr *b = hloc_pass_new_instr(c, HLOC_OP_BROADCAST, &i->shape, &k, 1);
    if (b) b->attrs->has_dims = true;
    return b;
}

static hloc_instr *simplify(hloc_instr *i, bool exact) {
    switch (i->op) {
    case HLOC_OP_ADD:
    case HLOC_OP_SUBTRACT:
    case HLOC_OP_MULTIPLY:
    case HLOC_OP_MAXIMUM:
    case HLOC_OP_MINIMUM: return arith_identity(i);
    case HLOC_OP_DIVIDE: {
        hloc_instr *r = arith_identity(i);
        return r || exact ? r : hloc_algsimp_divide(i);
    }
    case HLOC_OP_AND:
    case HLOC_OP_OR: return logic_identity(i);
    case HLOC_OP_NEGATE:
    case HLOC_OP_NOT: return involution(i);
    case HLOC_OP_RESHAPE: return reshape(i);
    case HLOC_OP_TRANSPOSE: return transpose(i);
    case HLOC_OP_BROADCAST: return broadcast(i);
    case HLOC_OP_SLICE: return slice(i);
    case HLOC_OP_SELECT: return select_(i);
    case HLOC_OP_CONCATENATE: return concatenate(i);
    case HLOC_OP_CONVERT: return convert(i);
    case HLOC_OP_COPY: return copy(i);
    case HLOC_OP_PAD: return pad(i);
    case HLOC_OP_REVERSE: return reverse(i);
    case HLOC_OP_REDUCE: return reduce(i);
    case HLOC_OP_COMPARE: return compare(i);
    case HLOC_OP_DOT: return hloc_algsimp_dot(i);
    default: return NULL;
    }
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    bool exact = ctx && ctx->opts && ctx->opts->exact;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        bool ch = false;
        uint32_t n = c->n_instrs;
        for (uint32_t j = 0; j < n; j++) {
            hloc_instr *i = c->instrs[j];
            if (i->dead) continue;
            hloc_instr *r = simplify(i, exact);
            if (!r) continue;
            ch = true;
            if (r != i) hloc_pass_replace(i, r);
        }
        if (ch) {
            /* Rewired operands may leave producers unused; dce removes them. */
            if (!hloc_computation_cleanup(c))
                return hloc_status_new(HLOC_STATUS_INTERNAL, "algsimp made a cycle in %s", c->name);
        }
        *changed |= ch;
    }
    return NULL;
}

const hloc_pass hloc_pass_algsimp = {"algsimp", run};
