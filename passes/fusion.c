/* fusion: groups producers into their consumers so that each group becomes one loop nest:
 *   loop fusion    elementwise, broadcast, reshape, bitcast, transpose, slice, pad, concatenate,
 *                  iota, convert, reverse, copy, dynamic-slice into a consumer of the same kind;
 *   input fusion   a reduce (or reduce-window) with the loop ops producing its input;
 *   output fusion  a dot or convolution into its elementwise consumers (bias, activation,
 *                  residual add) or its views (reshapes, transposes: a GEMM stores straight
 *                  into the permuted result), when it has no other user; a dot also takes the
 *                  views it reads (slices, reshapes, transposes with no other user), which the
 *                  GEMM reads through strides instead of a copy.
 * A producer joins when all its users are in the consumer's group, so nothing is computed twice;
 * the exceptions are the cheap producers (broadcasts of scalars or of parameters, iota, scalar
 * constants), which are duplicated into every group that reads them. Each group becomes a
 * `fusion` instruction calling a new computation, as XLA prints it (kind=kLoop/kInput/kOutput).
 * Requires: a verified module without existing fusions in the groups' way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes_internal.h"

static bool loop_op(const hloc_instr *i) {
    if (hloc_opcode_flags(i->op) & OPF_EW) return hloc_shape_is_array(&i->shape);
    switch (i->op) {
    case HLOC_OP_BROADCAST:
    case HLOC_OP_RESHAPE:
    case HLOC_OP_BITCAST:
    case HLOC_OP_TRANSPOSE:
    case HLOC_OP_SLICE:
    case HLOC_OP_PAD:
    case HLOC_OP_CONCATENATE:
    case HLOC_OP_IOTA:
    case HLOC_OP_CONVERT:
    case HLOC_OP_REVERSE:
    case HLOC_OP_COPY:
    case HLOC_OP_DYNAMIC_SLICE:
        return hloc_shape_is_array(&i->shape) && hloc_type_is_array(i->shape.type);
    default:
        return false;
    }
}

static bool is_scalar_constant(const hloc_instr *i) {
    return i->op == HLOC_OP_CONSTANT && hloc_shape_is_array(&i->shape) && i->shape.rank == 0 &&
           i->attrs->literal && !i->attrs->literal->elided;
}

/* Cheap enough to recompute in every group that reads it. */
static bool cheap(const hloc_instr *i) {
    if (is_scalar_constant(i) || i->op == HLOC_OP_IOTA) return true;
    if (i->op == HLOC_OP_BROADCAST) {
        const hloc_instr *o = i->operands[0];
        return o->shape.rank == 0 || o->op == HLOC_OP_PARAMETER || o->op == HLOC_OP_CONSTANT;
    }
    return false;
}

/* Ops that only move elements: a GEMM reads or writes through them with strides. */
static bool view_op(const hloc_instr *i) {
    return (i->op == HLOC_OP_RESHAPE || i->op == HLOC_OP_TRANSPOSE || i->op == HLOC_OP_SLICE) &&
           hloc_shape_is_array(&i->shape);
}

/* The value that views |i| (view_op) are of. */
static const hloc_instr *view_source(const hloc_instr *i) {
    for (uint32_t n = 0; view_op(i) && n < 64; n++) i = i->operands[0];
    return i;
}

static bool root_op(const hloc_instr *i) {
    return loop_op(i) || i->op == HLOC_OP_REDUCE || i->op == HLOC_OP_REDUCE_WINDOW;
}

typedef struct extra_member {
    int group;
    const hloc_instr *instr;
} extra_member;

typedef struct group_state {
    int *group;            /* by instr id: group number, -1 none */
    bool *dup;             /* by instr id: member duplicated (it keeps outside users) */
    bool *view;            /* by instr id: member that a dot reads through (view_op) */
    hloc_instr **root;     /* by group */
    int n_groups;
    extra_member *extra;   /* cheap producers duplicated into further groups */
    uint32_t n_extra, cap_extra;
    uint32_t bound;        /* ids at or above were made while building fusions: no members */
} group_state;

static bool in_group(const group_state *s, const hloc_instr *i, int g) {
    if (i->id >= s->bound) return false;
    if (s->group[i->id] == g) return true;
    for (uint32_t k = 0; k < s->n_extra; k++)
        if (s->extra[k].group == g && s->extra[k].instr == i) return true;
    return false;
}

static bool add_extra(group_state *s, int g, const hloc_instr *i) {
    if (in_group(s, i, g)) return true;
    if (s->n_extra == s->cap_extra) {
        uint32_t cap = s->cap_extra ? 2 * s->cap_extra : 16;
        extra_member *n = realloc(s->extra, cap * sizeof *n);
        if (!n) return false;
        s->extra = n;
        s->cap_extra = cap;
    }
    s->extra[s->n_extra++] = (extra_member){g, i};
    return true;
}

/* Duplicates the cheap producer |p| (and the scalar constants it reads) into group |g|. */
static bool duplicate_into(group_state *s, int g, const hloc_instr *p) {
    if (!add_extra(s, g, p)) return false;
    for (uint32_t k = 0; k < p->n_operands; k++)
        if (is_scalar_constant(p->operands[k]) && !add_extra(s, g, p->operands[k])) return false;
    return true;
}

static bool all_users_in(const hloc_instr *p, const int *group, int g) {
    for (uint32_t k = 0; k < p->n_users; k++)
        if (group[p->users[k]->id] != g) return false;
    return p->parent->root != p;
}

/* Whether |p| may join group |g| whose root is |root|. */
static int joins(const hloc_instr *p, const hloc_instr *root, const group_state *s, int g) {
    if (s->group[p->id] != -1) return 0;
    if (p->n_control_preds || p->dead) return 0;
    bool output = p->op == HLOC_OP_DOT || p->op == HLOC_OP_CONVOLUTION;
    if (output) {
        /* Output fusion: the dot's consumers elementwise; the dot itself the group's producer. */
        bool root_ok = (hloc_opcode_flags(root->op) & OPF_EW) || (view_op(root) && root->op != HLOC_OP_SLICE);
        if (!root_ok || p->n_users != 1 || !all_users_in(p, s->group, g)) return 0;
        return 1;
    }
    if (!loop_op(p) && !is_scalar_constant(p)) return 0;
    if (all_users_in(p, s->group, g)) return 1;
    return cheap(p) ? 2 : 0;
}

static bool has_output_member(const hloc_computation *c, const group_state *s, int g) {
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (in_group(s, i, g) && (i->op == HLOC_OP_DOT || i->op == HLOC_OP_CONVOLUTION)) return true;
    }
    return false;
}

static void form_groups(hloc_computation *c, group_state *s) {
    for (uint32_t j = c->n_instrs; j-- > 0;) {
        hloc_instr *i = c->instrs[j];
        if (i->dead) continue;
        if (s->group[i->id] == -1) {
            if (!root_op(i)) continue;
            s->group[i->id] = s->n_groups;
            s->root[s->n_groups++] = i;
        }
        int g = s->group[i->id];
        hloc_instr *root = s->root[g];
        /* A dot and the views it reads take only views of their operands. */
        if (i->op == HLOC_OP_DOT || s->view[i->id]) {
            for (uint32_t k = 0; k < i->n_operands; k++) {
                hloc_instr *p = i->operands[k];
                /* Views of another product stay with it: it writes through them. */
                const hloc_instr *src = view_source(p);
                if (p->parent != c || s->group[p->id] != -1 || p->dead || p->n_control_preds || !view_op(p) ||
                    !all_users_in(p, s->group, g) || src->op == HLOC_OP_DOT || src->op == HLOC_OP_CONVOLUTION)
                    continue;
                s->group[p->id] = g;
                s->view[p->id] = true;
            }
            continue;
        }
        /* A group holds at most one dot/convolution, and only as a producer of the root chain. */
        if (i->op == HLOC_OP_CONVOLUTION && i != root) continue;
        if (s->dup[i->id] && !cheap(i)) continue;
        for (uint32_t k = 0; k < i->n_operands; k++) {
            hloc_instr *p = i->operands[k];
            if (p->parent != c) continue;
            if ((p->op == HLOC_OP_DOT || p->op == HLOC_OP_CONVOLUTION) && has_output_member(c, s, g)) continue;
            /* Reduce roots fuse their data inputs; the init values stay scalar inputs. */
            if ((root->op == HLOC_OP_REDUCE || root->op == HLOC_OP_REDUCE_WINDOW) && i == root &&
                k >= i->n_operands / 2 && !is_scalar_constant(p))
                continue;
            if (s->group[p->id] != -1 && s->group[p->id] != g && s->dup[p->id] && cheap(p)) {
                duplicate_into(s, g, p);
                continue;
            }
            int how = joins(p, root, s, g);
            if (!how) continue;
            s->group[p->id] = g;
            s->dup[p->id] = how == 2;
        }
    }
}

static hloc_fusion_kind kind_of(const hloc_computation *c, const group_state *s, int g) {
    const hloc_instr *root = s->root[g];
    if (root->op == HLOC_OP_REDUCE || root->op == HLOC_OP_REDUCE_WINDOW) return HLOC_FUSION_INPUT;
    return has_output_member(c, s, g) ? HLOC_FUSION_OUTPUT : HLOC_FUSION_LOOP;
}

/* Puts |callee| just before |caller| in the module's list (callees come first). */
static void place_before(hloc_module *m, hloc_computation *callee, hloc_computation *caller) {
    uint32_t at = 0;
    while (at < m->n_comps && m->comps[at] != caller) at++;
    uint32_t from = m->n_comps - 1;
    if (m->comps[from] != callee || at >= from) return;
    memmove(&m->comps[at + 1], &m->comps[at], (from - at) * sizeof *m->comps);
    m->comps[at] = callee;
}

static hloc_status *build_fusion(hloc_computation *c, group_state *s, int g, hloc_instr **map) {
    hloc_module *m = c->parent;
    /* Members in computation order, and the inputs they read from outside. */
    uint32_t n_members = 0, n_inputs = 0;
    hloc_instr **members = malloc(sizeof *members * c->n_instrs);
    hloc_instr **inputs = malloc(sizeof *inputs * (c->n_instrs + 1));
    hloc_status *st = NULL;
    if (!members || !inputs) {
        st = hloc_status_oom();
        goto out;
    }
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        hloc_instr *i = c->instrs[j];
        if (i->dead || !in_group(s, i, g)) continue;
        members[n_members++] = i;
    }
    for (uint32_t a = 0; a < n_members; a++) {
        hloc_instr *i = members[a];
        for (uint32_t k = 0; k < i->n_operands; k++) {
            hloc_instr *p = i->operands[k];
            if (in_group(s, p, g)) continue;
            bool seen = false;
            for (uint32_t q = 0; q < n_inputs && !seen; q++) seen = inputs[q] == p;
            if (!seen) inputs[n_inputs++] = p;
        }
    }
    const char *cname = hloc_arena_printf(m->arena, "fused_computation.%u", m->next_comp_id);
    hloc_computation *f = cname ? hloc_computation_create(m, cname) : NULL;
    if (!f) {
        st = hloc_status_oom();
        goto out;
    }
    place_before(m, f, c);
    for (uint32_t q = 0; q < n_inputs; q++) {
        char base[32];
        snprintf(base, sizeof base, "param_%u", q);
        const char *pname = hloc_pass_fresh_name(m, base);
        hloc_instr *p = pname ? hloc_instr_create(f, HLOC_OP_PARAMETER, &inputs[q]->shape, NULL, 0, pname) : NULL;
        if (!p) goto oom;
        p->attrs->index = q;
        if (!hloc_computation_set_param(f, p)) goto oom;
        map[inputs[q]->id] = p;
    }
    for (uint32_t a = 0; a < n_members; a++) {
        hloc_instr *i = members[a];
        hloc_instr *ops[HLOC_MAX_RANK * 4 + 8], **opv = ops;
        hloc_instr **heap = NULL;
        if (i->n_operands > sizeof ops / sizeof *ops) {
            heap = malloc(sizeof *heap * i->n_operands);
            if (!heap) goto oom;
            opv = heap;
        }
        for (uint32_t k = 0; k < i->n_operands; k++) opv[k] = map[i->operands[k]->id];
        hloc_instr *x = hloc_instr_clone_into(f, i, opv, NULL);
        free(heap);
        if (!x) goto oom;
        map[i->id] = x;
    }
    hloc_instr *root = s->root[g];
    f->root = map[root->id];
    hloc_instr *fusion = hloc_pass_new_instr(c, HLOC_OP_FUSION, &root->shape, inputs, n_inputs);
    if (!fusion || !hloc_instr_add_called(fusion, f)) goto oom;
    fusion->attrs->fusion_kind = kind_of(c, s, g);
    fusion->loc = root->loc;
    fusion->attrs->metadata = root->attrs->metadata;
    hloc_instr_replace_uses(root, fusion);
    /* Users before operands: each member is unused once the members after it are gone. */
    for (uint32_t a = n_members; a-- > 0;) {
        hloc_instr *i = members[a];
        if (!i->dead && i->n_users == 0) hloc_instr_kill(i);
    }
    goto out;
oom:
    st = hloc_status_oom();
out:
    free(members);
    free(inputs);
    return st;
}

static hloc_status *fuse_computation(hloc_computation *c, bool *changed) {
    hloc_module *m = c->parent;
    uint32_t bound = m->next_instr_id;
    group_state s = {0};
    s.bound = bound;
    s.group = malloc(sizeof *s.group * bound);
    s.dup = calloc(bound, sizeof *s.dup);
    s.view = calloc(bound, sizeof *s.view);
    s.root = malloc(sizeof *s.root * (c->n_instrs + 1));
    int *size = NULL;
    hloc_instr **map = NULL;
    hloc_status *st = NULL;
    if (!s.group || !s.dup || !s.view || !s.root) goto oom;
    for (uint32_t k = 0; k < bound; k++) s.group[k] = -1;
    form_groups(c, &s);
    size = calloc((size_t)s.n_groups + 1, sizeof *size);
    map = calloc(bound, sizeof *map);
    if (!size || !map) goto oom;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (s.group[i->id] >= 0 && !is_scalar_constant(i)) size[s.group[i->id]]++;
    }
    for (uint32_t k = 0; k < s.n_extra; k++)
        if (!is_scalar_constant(s.extra[k].instr)) size[s.extra[k].group]++;
    for (int g = 0; g < s.n_groups && !st; g++) {
        /* One real instruction is no fusion; a reduce alone is already one loop nest. */
        if (size[g] < 2) continue;
        st = build_fusion(c, &s, g, map);
        *changed = true;
    }
    if (!st && *changed && !hloc_computation_cleanup(c))
        st = hloc_status_new(HLOC_STATUS_INTERNAL, "fusion made a cycle in %s", c->name);
    goto out;
oom:
    st = hloc_status_oom();
out:
    free(s.group);
    free(s.dup);
    free(s.view);
    free(s.extra);
    free(s.root);
    free(size);
    free(map);
    return st;
}

/* Only computations that run as kernels: the entry and the bodies of control flow. Reducers,
 * comparators and fused computations are scalar code inside other kernels. */
static bool *kernel_computations(const hloc_module *m) {
    bool *k = calloc(m->next_comp_id ? m->next_comp_id : 1, sizeof *k);
    if (!k) return NULL;
    if (m->entry) k[m->entry->id] = true;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t a = 0; a < m->n_comps; a++) {
            const hloc_computation *c = m->comps[a];
            if (!k[c->id]) continue;
            for (uint32_t j = 0; j < c->n_instrs; j++) {
                const hloc_instr *i = c->instrs[j];
                if (i->op != HLOC_OP_WHILE && i->op != HLOC_OP_CONDITIONAL && i->op != HLOC_OP_CALL) continue;
                for (uint32_t q = 0; q < i->n_called; q++)
                    if (!k[i->called[q]->id]) k[i->called[q]->id] = true, changed = 1;
            }
        }
    }
    return k;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    bool *kernel = kernel_computations(m);
    if (!kernel) return hloc_status_oom();
    uint32_t n = m->n_comps; /* fused computations are added as we go; they are not fused again */
    hloc_computation **list = malloc(sizeof *list * (n ? n : 1));
    if (!list) {
        free(kernel);
        return hloc_status_oom();
    }
    memcpy(list, m->comps, sizeof *list * n);
    hloc_status *st = NULL;
    for (uint32_t a = 0; a < n && !st; a++)
        if (kernel[list[a]->id]) st = fuse_computation(list[a], changed);
    free(list);
    free(kernel);
    return st;
}

const hloc_pass hloc_pass_fusion = {"fusion", run};
