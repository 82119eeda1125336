/* multi-output-fusion: merges sibling reduction fusions that read a common input over the same
 * iteration space (the mean and the mean of squares of a layer norm, the max and sum of a softmax
 * when independent) into one fusion with a tuple root, as XLA's multi-output fusion does, so the
 * input is read once. Users then read the results through get-tuple-element.
 * Requires: fusion has run (kInput fusions or bare reduces). */
#include <stdlib.h>
#include <string.h>

#include "passes_internal.h"

/* The reduce at the root of a reduction fusion, or a bare reduce, or NULL. */
static const hloc_instr *reduction_of(const hloc_instr *i) {
    if (i->op == HLOC_OP_FUSION && i->attrs->fusion_kind == HLOC_FUSION_INPUT && i->n_called == 1) {
        const hloc_instr *r = i->called[0]->root;
        return r && r->op == HLOC_OP_REDUCE && hloc_shape_is_array(&r->shape) ? r : NULL;
    }
    /* A reduce that fusion left alone is a one-instruction reduction kernel. */
    if (i->op == HLOC_OP_REDUCE && i->n_operands == 2 && hloc_shape_is_array(&i->shape)) return i;
    return NULL;
}

static bool shares_operand(const hloc_instr *a, const hloc_instr *b) {
    for (uint32_t x = 0; x < a->n_operands; x++) {
        if (a->operands[x]->op == HLOC_OP_CONSTANT) continue;
        for (uint32_t y = 0; y < b->n_operands; y++)
            if (a->operands[x] == b->operands[y]) return true;
    }
    return false;
}

/* Whether |to| is reachable from |from| through operand edges (|to| depends on |from|). */
static bool depends(const hloc_instr *to, const hloc_instr *from, uint8_t *seen) {
    if (to == from) return true;
    if (seen[to->id]) return false;
    seen[to->id] = 1;
    for (uint32_t k = 0; k < to->n_operands; k++)
        if (to->operands[k]->parent == to->parent && depends(to->operands[k], from, seen)) return true;
    return false;
}

static bool independent(const hloc_instr *a, const hloc_instr *b, uint32_t bound) {
    uint8_t *seen = calloc(bound ? bound : 1, 1);
    if (!seen) return false;
    bool dep = depends(a, b, seen);
    if (!dep) {
        memset(seen, 0, bound);
        dep = depends(b, a, seen);
    }
    free(seen);
    return !dep;
}

/* Clones |f|'s fused body into |into|; its parameters map to |params| by the operand they stand
 * for. Returns the clone of the root. */
static hloc_instr *clone_body(hloc_computation *into, const hloc_instr *f, hloc_instr **ops,
                              uint32_t n_ops, hloc_instr **params, hloc_instr **map) {
    if (f->op != HLOC_OP_FUSION) {
        hloc_instr *xo[2];
        for (uint32_t k = 0; k < f->n_operands && k < 2; k++)
            for (uint32_t q = 0; q < n_ops; q++)
                if (ops[q] == f->operands[k]) xo[k] = params[q];
        return hloc_instr_clone_into(into, f, xo, NULL);
    }
    const hloc_computation *b = f->called[0];
    for (uint32_t j = 0; j < b->n_instrs; j++) {
        const hloc_instr *i = b->instrs[j];
        if (i->op == HLOC_OP_PARAMETER) {
            const hloc_instr *outer = f->operands[i->attrs->index];
            for (uint32_t q = 0; q < n_ops; q++)
                if (ops[q] == outer) map[i->id] = params[q];
            continue;
        }
        hloc_instr *tmp[64], **xo = tmp, **heap = NULL;
        if (i->n_operands > 64) {
            heap = malloc(sizeof *heap * i->n_operands);
            if (!heap) return NULL;
            xo = heap;
        }
        for (uint32_t k = 0; k < i->n_operands; k++) xo[k] = map[i->operands[k]->id];
        map[i->id] = hloc_instr_clone_into(into, i, xo, NULL);
        free(heap);
        if (!map[i->id]) return NULL;
    }
    return map[b->root->id];
}

static hloc_status *merge(hloc_computation *c, hloc_instr *a, hloc_instr *b) {
    hloc_module *m = c->parent;
    uint32_t n_ops = 0;
    hloc_instr **ops = malloc(sizeof *ops * (a->n_operands + b->n_operands));
    hloc_instr **map = calloc(m->next_instr_id + 1, sizeof *map);
    hloc_instr **params = malloc(sizeof *params * (a->n_operands + b->n_operands + 1));
    hloc_status *st = NULL;
    if (!ops || !map || !params) goto oom;
    const hloc_instr *both[2] = {a, b};
    for (int s = 0; s < 2; s++)
        for (uint32_t k = 0; k < both[s]->n_operands; k++) {
            bool seen = false;
            for (uint32_t q = 0; q < n_ops && !seen; q++) seen = ops[q] == both[s]->operands[k];
            if (!seen) ops[n_ops++] = both[s]->operands[k];
        }
    const char *cname = hloc_arena_printf(m->arena, "fused_computation.%u", m->next_comp_id);
    hloc_computation *f = cname ? hloc_computation_create(m, cname) : NULL;
    if (!f) goto oom;
    /* Callees before callers: move the new computation in front of |c|. */
    uint32_t at = 0;
    while (at < m->n_comps && m->comps[at] != c) at++;
    if (at < m->n_comps - 1) {
        memmove(&m->comps[at + 1], &m->comps[at], (m->n_comps - 1 - at) * sizeof *m->comps);
        m->comps[at] = f;
    }
    for (uint32_t q = 0; q < n_ops; q++) {
        char base[32];
        snprintf(base, sizeof base, "param_%u", q);
        const char *pname = hloc_pass_fresh_name(m, base);
        params[q] = pname ? hloc_instr_create(f, HLOC_OP_PARAMETER, &ops[q]->shape, NULL, 0, pname) : NULL;
        if (!params[q]) goto oom;
        params[q]->attrs->index = q;
        if (!hloc_computation_set_param(f, params[q])) goto oom;
    }
    hloc_instr *ra = clone_body(f, a, ops, n_ops, params, map);
    hloc_instr *rb = ra ? clone_body(f, b, ops, n_ops, params, map) : NULL;
    if (!rb) goto oom;
    hloc_shape t = {.type = HLOC_TYPE_TUPLE, .n_elems = 2};
    t.elems = HLOC_ARENA_ARRAY(m->arena, hloc_shape, 2);
    if (!t.elems) goto oom;
    t.elems[0] = a->shape;
    t.elems[1] = b->shape;
    hloc_instr *roots[2] = {ra, rb};
    hloc_instr *tuple = hloc_pass_new_instr(f, HLOC_OP_TUPLE, &t, roots, 2);
    if (!tuple) goto oom;
    f->root = tuple;
    hloc_instr *fusion = hloc_pass_new_instr(c, HLOC_OP_FUSION, &t, ops, n_ops);
    if (!fusion || !hloc_instr_add_called(fusion, f)) goto oom;
    fusion->attrs->fusion_kind = HLOC_FUSION_INPUT;
    fusion->attrs->metadata = a->attrs->metadata;
    fusion->loc = a->loc;
    for (int s = 0; s < 2; s++) {
        hloc_instr *g = hloc_pass_new_instr(c, HLOC_OP_GET_TUPLE_ELEMENT, &t.elems[s], &fusion, 1);
        if (!g) goto oom;
        g->attrs->index = s;
        hloc_instr_replace_uses((hloc_instr *)both[s], g);
        hloc_instr_kill((hloc_instr *)both[s]);
    }
    goto out;
oom:
    st = hloc_status_oom();
out:
    free(ops);
    free(map);
    free(params);
    return st;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    uint32_t n = m->n_comps;
    for (uint32_t k = 0; k < n; k++) {
        hloc_computation *c = m->comps[k];
        if (!c->is_entry) continue; /* kernels of loop bodies keep their fusions as they are */
        bool ch = false;
        for (uint32_t x = 0; x < c->n_instrs; x++) {
            hloc_instr *a = c->instrs[x];
            const hloc_instr *ra = a->dead ? NULL : reduction_of(a);
            if (!ra) continue;
            for (uint32_t y = x + 1; y < c->n_instrs; y++) {
                hloc_instr *b = c->instrs[y];
                const hloc_instr *rb = b->dead ? NULL : reduction_of(b);
                if (!rb || !shares_operand(a, b)) continue;
                /* Same iteration space: the reduced inputs have the same dims and the same
                 * dimensions are reduced. */
                if (!hloc_shape_same_dims(&ra->operands[0]->shape, &rb->operands[0]->shape)) continue;
                if (ra->attrs->dims.n != rb->attrs->dims.n ||
                    memcmp(ra->attrs->dims.v, rb->attrs->dims.v, sizeof(int64_t) * ra->attrs->dims.n))
                    continue;
                if (ra->n_operands != 2 || rb->n_operands != 2) continue;
                if (!independent(a, b, m->next_instr_id)) continue;
                HLOC_RETURN_IF_ERROR(merge(c, a, b));
                ch = true;
                break;
            }
        }
        if (ch && !hloc_computation_cleanup(c))
            return hloc_status_new(HLOC_STATUS_INTERNAL, "multi-output-fusion made a cycle in %s", c->name);
        *changed |= ch;
    }
    return NULL;
}

const hloc_pass hloc_pass_multi_output_fusion = {"multi-output-fusion", run};
