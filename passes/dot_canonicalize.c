/* dot-canonicalize: puts every dot into the one form the kernels are written for, as XLA's
 * DotDecomposer does. An operand is canonical when its batch dimensions come first in order
 * (0, 1, ...), it has exactly one contracting dimension, and at most one free dimension; so
 * [M,K]x[K,N], [K,M]x[N,K] and [B,M,K]x[B,K,N] stay as they are. Unlike XLA, a side whose only
 * flaw is several free dims that sit together, before or after the contracting one
 * ([B,S,D]x[D,N]), is left alone too (see collapsible_in_place). A dot with a non-canonical
 * operand becomes
 *   lhs' = reshape(transpose(lhs)) : [batch..., free, contracting]
 *   rhs' = reshape(transpose(rhs)) : [batch..., contracting, free]
 *   reshape(dot(lhs', rhs')) to the original result shape,
 * where the free dimensions of a side are collapsed into one (dropped when their product is 1)
 * and the contracting ones into one (a size-1 one is added when there were none). A transpose
 * that keeps the order, and a reshape that keeps the dims, are not emitted. A dot's result is
 * always ordered (batch, lhs free, rhs free), so the result needs a reshape but no transpose.
 * Dots with dynamic dimensions, and dots inside fusions, are left alone.
 * Keeps: the result of every rewritten dot, its precision and metadata. */
#include <stdlib.h>
#include <string.h>

#include "passes_internal.h"

static bool has(const hloc_i64_list *l, int64_t d) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == d) return true;
    return false;
}

static bool canonical_side(const hloc_shape *s, const hloc_i64_list *batch,
                           const hloc_i64_list *contracting) {
    if (contracting->n != 1 || batch->n + 2 < s->rank) return false;
    for (uint32_t k = 0; k < batch->n; k++)
        if (batch->v[k] != (int64_t)k) return false;
    return true;
}

/* The kernels read several free dims next to each other as one (row-major, they are one run of
 * memory), so collapsing them only adds reshapes, which hloc runs as copies unless they fuse, and
 * a reshape between a dot and its bias/activation consumers keeps the dot out of their output
 * fusion. So a side that is canonical up to its free dims being adjacent stays as it is. */
static bool collapsible_in_place(const hloc_shape *s, const hloc_i64_list *batch,
                                 const hloc_i64_list *contracting) {
    if (contracting->n != 1) return false;
    for (uint32_t k = 0; k < batch->n; k++)
        if (batch->v[k] != (int64_t)k) return false;
    return contracting->v[0] == (int64_t)batch->n || contracting->v[0] == (int64_t)s->rank - 1;
}

static hloc_shape array_like(const hloc_shape *like, hloc_type t, uint32_t rank,
                             const int64_t *dims) {
    hloc_shape s = hloc_shape_array(t, rank, dims);
    if (!like->has_layout) s.has_layout = false;
    return s;
}

/* Derived instructions carry the dot's source metadata, so dumps still point at the source. */
static hloc_instr *derived(hloc_computation *c, hloc_opcode op, const hloc_shape *s, hloc_instr *x,
                           const hloc_instr *dot) {
    hloc_instr *i = hloc_pass_new_instr(c, op, s, &x, 1);
    if (i) i->attrs->metadata = dot->attrs->metadata;
    return i;
}

/* Rewrites one operand of |dot| to [batch..., free, contracting] (|contracting_minor|) or
 * [batch..., contracting, free]; stores the position of its contracting dimension. NULL on OOM. */
static hloc_instr *canonical_operand(hloc_instr *dot, hloc_instr *x, const hloc_i64_list *batch,
                                     const hloc_i64_list *contracting, bool contracting_minor,
                                     int64_t *contracting_dim) {
    hloc_computation *c = dot->parent;
    const hloc_shape *s = &x->shape;
    int64_t perm[HLOC_MAX_RANK], free_dims[HLOC_MAX_RANK];
    uint32_t n_free = 0, n = 0;
    int64_t free_size = 1, contracting_size = 1;
    for (uint32_t d = 0; d < s->rank; d++) {
        if (has(contracting, d))
            contracting_size *= s->dims[d];
        else if (!has(batch, d)) {
            free_dims[n_free++] = d;
            free_size *= s->dims[d];
        }
    }
    for (uint32_t k = 0; k < batch->n; k++)
        perm[n++] = batch->v[k];
    if (!contracting_minor)
        for (uint32_t k = 0; k < contracting->n; k++)
            perm[n++] = contracting->v[k];
    for (uint32_t k = 0; k < n_free; k++)
        perm[n++] = free_dims[k];
    if (contracting_minor)
        for (uint32_t k = 0; k < contracting->n; k++)
            perm[n++] = contracting->v[k];

    hloc_instr *t = x;
    bool identity = true;
    for (uint32_t d = 0; d < n; d++)
        identity &= perm[d] == (int64_t)d;
    if (!identity) {
        int64_t dims[HLOC_MAX_RANK];
        for (uint32_t d = 0; d < n; d++)
            dims[d] = s->dims[perm[d]];
        hloc_shape ts = array_like(s, s->type, n, dims);
        t = derived(c, HLOC_OP_TRANSPOSE, &ts, x, dot);
        int64_t *p = t ? HLOC_ARENA_ARRAY(c->parent->arena, int64_t, n ? n : 1) : NULL;
        if (!p) return NULL;
        memcpy(p, perm, sizeof *p * n);
        t->attrs->dims = (hloc_i64_list){p, n};
        t->attrs->has_dims = true;
    }

    int64_t dims[HLOC_MAX_RANK];
    uint32_t rank = 0;
    for (uint32_t k = 0; k < batch->n; k++)
        dims[rank++] = s->dims[batch->v[k]];
    if (contracting_minor) {
        if (free_size != 1) dims[rank++] = free_size;
        *contracting_dim = rank;
        dims[rank++] = contracting_size;
    } else {
        *contracting_dim = rank;
        dims[rank++] = contracting_size;
        if (free_size != 1) dims[rank++] = free_size;
    }
    bool same = rank == t->shape.rank;
    for (uint32_t d = 0; same && d < rank; d++)
        same = dims[d] == t->shape.dims[d];
    if (same) return t;
    hloc_shape rs = array_like(s, s->type, rank, dims);
    return derived(c, HLOC_OP_RESHAPE, &rs, t, dot);
}

static hloc_i64_list iota_list(hloc_arena *a, uint32_t n, bool *ok) {
    int64_t *v = HLOC_ARENA_ARRAY(a, int64_t, n ? n : 1);
    if (!v)
        *ok = false;
    else
        for (uint32_t k = 0; k < n; k++)
            v[k] = k;
    return (hloc_i64_list){v, v ? n : 0};
}

static hloc_i64_list one(hloc_arena *a, int64_t d, bool *ok) {
    int64_t *v = HLOC_ARENA_NEW(a, int64_t);
    if (!v)
        *ok = false;
    else
        *v = d;
    return (hloc_i64_list){v, v ? 1 : 0};
}

static hloc_status *canonicalize(hloc_instr *dot) {
    hloc_computation *c = dot->parent;
    hloc_arena *a = c->parent->arena;
    const hloc_dot_dnums *dn = &dot->attrs->dot;
    hloc_instr *lhs = dot->operands[0], *rhs = dot->operands[1];
    int64_t lc = 0, rc = 0;
    hloc_instr *l = canonical_operand(dot, lhs, &dn->lhs_batch, &dn->lhs_contracting, true, &lc);
    hloc_instr *r =
        l ? canonical_operand(dot, rhs, &dn->rhs_batch, &dn->rhs_contracting, false, &rc) : NULL;
    if (!r) return hloc_status_oom();

    /* The canonical result: batch dims, then the lhs free dim, then the rhs free dim (each only if
     * the operand kept one). */
    int64_t dims[HLOC_MAX_RANK];
    uint32_t rank = 0, nb = dn->lhs_batch.n;
    for (uint32_t k = 0; k < nb; k++)
        dims[rank++] = l->shape.dims[k];
    if (l->shape.rank == nb + 2) dims[rank++] = l->shape.dims[nb];
    if (r->shape.rank == nb + 2) dims[rank++] = r->shape.dims[nb + 1];
    hloc_shape ds = array_like(&dot->shape, dot->shape.type, rank, dims);
    hloc_instr *ops[2] = {l, r};
    hloc_instr *nd = hloc_instr_clone_into(c, dot, ops, NULL);
    if (!nd) return hloc_status_oom();
    nd->shape = ds;
    bool ok = true;
    hloc_dot_dnums d = *dn;
    d.lhs_batch = iota_list(a, nb, &ok);
    d.rhs_batch = iota_list(a, nb, &ok);
    d.lhs_contracting = one(a, lc, &ok);
    d.rhs_contracting = one(a, rc, &ok);
    if (!ok) return hloc_status_oom();
    nd->attrs->dot = d;

    hloc_instr *result = nd;
    if (!hloc_shape_same_dims(&nd->shape, &dot->shape)) {
        result = derived(c, HLOC_OP_RESHAPE, &dot->shape, nd, dot);
        if (!result) return hloc_status_oom();
    }
    hloc_instr_replace_uses(dot, result);
    if (dot->n_users == 0 && c->root != dot) hloc_instr_kill(dot);
    return NULL;
}

static bool wants_rewrite(const hloc_instr *i) {
    if (i->dead || i->op != HLOC_OP_DOT || i->n_operands != 2) return false;
    const hloc_instr *lhs = i->operands[0], *rhs = i->operands[1];
    if (!hloc_shape_is_array(&i->shape) || !hloc_shape_is_static(&i->shape) ||
        !hloc_shape_is_array(&lhs->shape) || !hloc_shape_is_static(&lhs->shape) ||
        !hloc_shape_is_array(&rhs->shape) || !hloc_shape_is_static(&rhs->shape))
        return false;
    const hloc_dot_dnums *d = &i->attrs->dot;
    if (d->lhs_batch.n != d->rhs_batch.n || d->lhs_contracting.n != d->rhs_contracting.n)
        return false;
    if (canonical_side(&lhs->shape, &d->lhs_batch, &d->lhs_contracting) &&
        canonical_side(&rhs->shape, &d->rhs_batch, &d->rhs_contracting))
        return false;
    return !collapsible_in_place(&lhs->shape, &d->lhs_batch, &d->lhs_contracting) ||
           !collapsible_in_place(&rhs->shape, &d->rhs_batch, &d->rhs_contracting);
}

/* Marks the computations that fusions call: their dots were placed by fusion (as in XLA, which
 * runs this on non-fusion computations only). */
static bool *fused_computations(const hloc_module *m) {
    bool *f = calloc(m->next_comp_id ? m->next_comp_id : 1, sizeof *f);
    if (!f) return NULL;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *c = m->comps[k];
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            const hloc_instr *i = c->instrs[j];
            if (i->dead || i->op != HLOC_OP_FUSION) continue;
            for (uint32_t n = 0; n < i->n_called; n++)
                f[i->called[n]->id] = true;
        }
    }
    return f;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    bool *fused = fused_computations(m);
    if (!fused) return hloc_status_oom();
    hloc_status *st = NULL;
    for (uint32_t k = 0; k < m->n_comps && !st; k++) {
        hloc_computation *c = m->comps[k];
        if (fused[c->id]) continue;
        uint32_t n = c->n_instrs; /* the dots this pass makes are canonical */
        for (uint32_t j = 0; j < n; j++) {
            hloc_instr *i = c->instrs[j];
            if (!wants_rewrite(i)) continue;
            if ((st = canonicalize(i))) break;
            *changed = true;
        }
        if (!st && c->n_instrs != n && !hloc_computation_cleanup(c))
            st = hloc_status_new(HLOC_STATUS_INTERNAL, "dot-canonicalize made a cycle in %s",
                                 c->name);
    }
    free(fused);
    return st;
}

const hloc_pass hloc_pass_dot_canonicalize = {"dot-canonicalize", run};
