/* Helpers shared by the rewriting passes. */
#include <stdlib.h>
#include <string.h>

#include "passes_internal.h"

static bool name_taken(const hloc_module *m, const char *name) {
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *c = m->comps[k];
        for (uint32_t j = 0; j < c->n_instrs; j++)
            if (!strcmp(c->instrs[j]->name, name)) return true;
    }
    return false;
}

const char *hloc_pass_fresh_name(hloc_module *m, const char *base) {
    for (uint32_t n = m->next_instr_id;; n++) {
        const char *name = hloc_arena_printf(m->arena, "%s.%u", base, n);
        if (!name || !name_taken(m, name)) return name;
    }
}

hloc_instr *hloc_pass_new_instr(hloc_computation *c, hloc_opcode op, const hloc_shape *shape,
                                hloc_instr *const *operands, uint32_t n_operands) {
    const char *name = hloc_pass_fresh_name(c->parent, hloc_opcode_name(op));
    if (!name) return NULL;
    return hloc_instr_create(c, op, shape, operands, n_operands, name);
}

hloc_instr *hloc_instr_clone_into(hloc_computation *c, const hloc_instr *i, hloc_instr *const *operands,
                                  const char *name) {
    if (!name) name = hloc_pass_fresh_name(c->parent, i->name);
    if (!name) return NULL;
    hloc_instr *n = hloc_instr_create(c, i->op, &i->shape, operands, i->n_operands, name);
    if (!n) return NULL;
    *n->attrs = *i->attrs; /* attribute arrays live in the same module arena and are never mutated */
    for (uint32_t k = 0; k < i->n_called; k++)
        if (!hloc_instr_add_called(n, i->called[k])) return NULL;
    n->loc = i->loc;
    return n;
}

bool hloc_instr_is_removable(const hloc_instr *i) {
    if (i->op == HLOC_OP_PARAMETER) return false;
    if (hloc_opcode_flags(i->op) & OPF_SIDE) return false;
    if (i->op == HLOC_OP_CUSTOM_CALL && i->attrs->custom_call_has_side_effect) return false;
    /* Collectives and async pairs synchronise with other devices or each other. */
    if (hloc_opcode_flags(i->op) & OPF_COLL) return false;
    return true;
}

void hloc_pass_replace(hloc_instr *old, hloc_instr *with) {
    hloc_instr_replace_uses(old, with);
    if (old->n_users == 0 && old->parent->root != old && hloc_instr_is_removable(old))
        hloc_instr_kill(old);
}

bool hloc_splat_value(const hloc_instr *i, double *value) {
    while (i->op == HLOC_OP_BROADCAST || i->op == HLOC_OP_RESHAPE || i->op == HLOC_OP_COPY ||
           i->op == HLOC_OP_BITCAST) {
        if (i->op == HLOC_OP_BITCAST && i->operands[0]->shape.type != i->shape.type) return false;
        i = i->operands[0];
    }
    if (i->op != HLOC_OP_CONSTANT || !i->attrs->literal) return false;
    const hloc_literal *l = i->attrs->literal;
    if (l->elided || !hloc_shape_is_array(&l->shape) || !l->data) return false;
    if (hloc_type_is_complex(l->shape.type)) return false;
    int64_t n = hloc_shape_elements(&l->shape);
    if (n < 1) return false;
    size_t bytes = hloc_type_bytes(l->shape.type);
    const char *d = l->data;
    for (int64_t k = 1; k < n; k++)
        if (memcmp(d, d + (size_t)k * bytes, bytes)) return false;
    *value = hloc_literal_get_f64(l, 0);
    return true;
}

static void mark(const hloc_computation *c, bool *seen) {
    if (seen[c->id]) return;
    seen[c->id] = true;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (i->dead) continue;
        for (uint32_t k = 0; k < i->n_called; k++) mark(i->called[k], seen);
    }
}

bool *hloc_reachable_computations(const hloc_module *m) {
    bool *seen = calloc(m->next_comp_id ? m->next_comp_id : 1, sizeof *seen);
    if (seen && m->entry) mark(m->entry, seen);
    return seen;
}

bool hloc_module_cleanup(hloc_module *m) {
    bool ok = true;
    for (uint32_t k = 0; k < m->n_comps; k++) ok &= hloc_computation_cleanup(m->comps[k]);
    return ok;
}

hloc_module *hloc_pass_scratch_module(const hloc_module *m) {
    hloc_module *s = hloc_module_create("scratch");
    if (!s) return NULL;
    s->next_instr_id = m->next_instr_id;
    s->next_comp_id = m->next_comp_id;
    if (!hloc_arena_grow(s->arena, (void **)&s->comps, &s->cap_comps, m->n_comps + 1, sizeof *s->comps)) {
        hloc_module_destroy(s);
        return NULL;
    }
    memcpy(s->comps, m->comps, sizeof *s->comps * m->n_comps);
    s->n_comps = m->n_comps;
    return s;
}
