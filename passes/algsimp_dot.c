/* algsimp's dot rules, after XLA's AlgebraicSimplifier::HandleDot:
 *   - a dot that contracts nothing, or only dimensions of size 1, reads one product per result
 *     element: it becomes broadcast(lhs) * broadcast(rhs), each operand transposed to [batch, free]
 *     and converted to the result type when that is exact. A float dot adds the products to +0,
 *     so the rewrite adds +0 too: it keeps -0 * x = +0 as the dot gives it, bit for bit.
 *   - a dot that contracts a dimension of size 0 is all zeros: a broadcast of 0.
 * Complex dots, and operands whose conversion to the result type would round, are left alone. */
#include <string.h>

#include "passes_internal.h"

static bool has(const hloc_i64_list *l, int64_t d) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == d) return true;
    return false;
}

/* Whether every value of |from| is exact in |to|. */
static bool exact_in(hloc_type from, hloc_type to) {
    if (from == to) return true;
    if (hloc_type_is_float(from) && hloc_type_is_float(to))
        return (from == HLOC_TYPE_BF16 || from == HLOC_TYPE_F16) &&
               (to == HLOC_TYPE_F32 || to == HLOC_TYPE_F64);
    if (hloc_type_is_int(from) && hloc_type_is_int(to)) {
        bool fs = hloc_type_is_signed_int(from), ts = hloc_type_is_signed_int(to);
        int fb = hloc_type_bits(from), tb = hloc_type_bits(to);
        return fs == ts ? fb <= tb : !fs && fb < tb;
    }
    return false;
}

static hloc_instr *with_dims(hloc_computation *c, hloc_opcode op, const hloc_shape *s, hloc_instr *x,
                             const int64_t *dims, uint32_t n, const hloc_instr *dot) {
    hloc_instr *i = hloc_pass_new_instr(c, op, s, &x, 1);
    int64_t *v = i ? HLOC_ARENA_ARRAY(c->parent->arena, int64_t, n ? n : 1) : NULL;
    if (!v) return NULL;
    if (n) memcpy(v, dims, sizeof *v * n);
    i->attrs->dims = (hloc_i64_list){v, n};
    i->attrs->has_dims = true;
    i->attrs->metadata = dot->attrs->metadata;
    return i;
}

static hloc_shape like(const hloc_instr *dot, hloc_type t, uint32_t rank, const int64_t *dims) {
    hloc_shape s = hloc_shape_array(t, rank, dims);
    if (!dot->shape.has_layout) s.has_layout = false;
    return s;
}

/* |x| as [batch..., free...] in the result's type, broadcast into the result: its free dims go to
 * result dims [first_free, first_free + n_free). The size-1 contracting dims go first, by a
 * reshape, so that the transpose (if any) moves only the dims that hold data. */
static hloc_instr *spread(hloc_instr *dot, hloc_instr *x, const hloc_i64_list *batch,
                          const hloc_i64_list *contracting, uint32_t first_free) {
    hloc_computation *c = dot->parent;
    const hloc_shape *s = &x->shape;
    int64_t kept_at[HLOC_MAX_RANK], dims[HLOC_MAX_RANK], perm[HLOC_MAX_RANK];
    uint32_t kept = 0;
    for (uint32_t d = 0; d < s->rank; d++) {
        kept_at[d] = has(contracting, d) ? -1 : (int64_t)kept;
        if (kept_at[d] >= 0) dims[kept++] = s->dims[d];
    }
    hloc_instr *t = x;
    if (kept != s->rank) {
        hloc_shape rs = like(dot, s->type, kept, dims);
        if (!(t = hloc_pass_new_instr(c, HLOC_OP_RESHAPE, &rs, &t, 1))) return NULL;
        t->attrs->metadata = dot->attrs->metadata;
    }
    uint32_t n = 0;
    for (uint32_t k = 0; k < batch->n; k++) perm[n++] = kept_at[batch->v[k]];
    uint32_t n_batch = n;
    for (uint32_t d = 0; d < s->rank; d++)
        if (kept_at[d] >= 0 && !has(batch, d)) perm[n++] = kept_at[d];
    bool identity = true;
    int64_t tdims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < n; d++) {
        identity &= perm[d] == (int64_t)d;
        tdims[d] = dims[perm[d]];
    }
    if (!identity) {
        hloc_shape ts = like(dot, s->type, n, tdims);
        if (!(t = with_dims(c, HLOC_OP_TRANSPOSE, &ts, t, perm, n, dot))) return NULL;
    }
    if (s->type != dot->shape.type) {
        hloc_shape cs = like(dot, dot->shape.type, n, tdims);
        if (!(t = hloc_pass_new_instr(c, HLOC_OP_CONVERT, &cs, &t, 1))) return NULL;
        t->attrs->metadata = dot->attrs->metadata;
    }
    int64_t to[HLOC_MAX_RANK];
    for (uint32_t k = 0; k < n; k++) to[k] = k < n_batch ? k : first_free + (k - n_batch);
    hloc_shape bs = like(dot, dot->shape.type, dot->shape.rank, dot->shape.dims);
    return with_dims(c, HLOC_OP_BROADCAST, &bs, t, to, n, dot);
}

/* A broadcast of the scalar |v| (0 or -0 here) to |dot|'s shape. */
static hloc_instr *splat(hloc_instr *dot, double v) {
    hloc_computation *c = dot->parent;
    hloc_shape ss = hloc_shape_scalar(dot->shape.type);
    hloc_instr *k = hloc_pass_new_instr(c, HLOC_OP_CONSTANT, &ss, NULL, 0);
    if (!k || !(k->attrs->literal = hloc_literal_create(c->parent->arena, &ss))) return NULL;
    hloc_literal_set_f64(k->attrs->literal, 0, v);
    hloc_shape bs = like(dot, dot->shape.type, dot->shape.rank, dot->shape.dims);
    return with_dims(c, HLOC_OP_BROADCAST, &bs, k, NULL, 0, dot);
}

hloc_instr *hloc_algsimp_dot(hloc_instr *i) {
    if (i->n_operands != 2 || !hloc_shape_is_array(&i->shape)) return NULL;
    hloc_type t = i->shape.type;
    if (!hloc_type_is_float(t) && !hloc_type_is_int(t)) return NULL;
    const hloc_dot_dnums *dn = &i->attrs->dot;
    if (dn->lhs_ragged.n || dn->rhs_group.n) return NULL;
    hloc_instr *lhs = i->operands[0], *rhs = i->operands[1];
    int64_t k = 1;
    for (uint32_t d = 0; d < dn->lhs_contracting.n; d++) k *= lhs->shape.dims[dn->lhs_contracting.v[d]];
    if (k == 0) {
        hloc_instr *z = splat(i, 0.0);
        if (z) z->shape = i->shape;
        return z;
    }
    if (k != 1 || !exact_in(lhs->shape.type, t) || !exact_in(rhs->shape.type, t)) return NULL;
    uint32_t n_batch = dn->lhs_batch.n;
    uint32_t lhs_free = lhs->shape.rank - n_batch - dn->lhs_contracting.n;
    hloc_instr *ops[2] = {spread(i, lhs, &dn->lhs_batch, &dn->lhs_contracting, n_batch),
                          spread(i, rhs, &dn->rhs_batch, &dn->rhs_contracting, n_batch + lhs_free)};
    if (!ops[0] || !ops[1]) return NULL;
    bool is_float = hloc_type_is_float(t);
    hloc_shape ms = is_float ? like(i, t, i->shape.rank, i->shape.dims) : i->shape;
    hloc_instr *m = hloc_pass_new_instr(i->parent, HLOC_OP_MULTIPLY, &ms, ops, 2);
    if (!m || !is_float) return m;
    m->attrs->metadata = i->attrs->metadata;
    hloc_instr *sum[2] = {m, splat(i, 0.0)};
    if (!sum[1]) return NULL;
    hloc_instr *r = hloc_pass_new_instr(i->parent, HLOC_OP_ADD, &i->shape, sum, 2);
    if (r) r->attrs->metadata = i->attrs->metadata;
    return r;
}
