/* Construction and mutation of the IR; opcode table lookups; attribute defaults. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int arity;
    unsigned flags;
} ops[HLOC_OP_COUNT] = {
#define OP(e, name, arity, flags) [HLOC_OP_##e] = {name, arity, flags},
#include "opcodes.def"
#undef OP
};

const char *hloc_opcode_name(hloc_opcode op) {
    return (unsigned)op < HLOC_OP_COUNT ? ops[op].name : "invalid";
}

bool hloc_opcode_from_name(const char *s, size_t n, hloc_opcode *out) {
    for (int i = 0; i < HLOC_OP_COUNT; i++)
        if (strlen(ops[i].name) == n && memcmp(ops[i].name, s, n) == 0) {
            *out = (hloc_opcode)i;
            return true;
        }
    return false;
}

int hloc_opcode_arity(hloc_opcode op) { return ops[op].arity; }
unsigned hloc_opcode_flags(hloc_opcode op) { return ops[op].flags; }

void hloc_attrs_init(hloc_attrs *a) {
    memset(a, 0, sizeof *a);
    a->feature_group_count = 1;
    a->batch_group_count = 1;
    a->largest = true;
    a->inferred_dimension = -1;
    a->index = 0;
    a->metadata.source_line = a->metadata.source_end_line = -1;
    a->metadata.source_column = a->metadata.source_end_column = -1;
    a->metadata.stack_frame_id = -1;
}

const char *hloc_attrs_extra(const hloc_attrs *a, const char *name) {
    for (uint32_t i = 0; i < a->n_extra; i++)
        if (strcmp(a->extra[i].name, name) == 0) return a->extra[i].value;
    return NULL;
}

hloc_module *hloc_module_create(const char *name) {
    hloc_arena *a = hloc_arena_create();
    if (!a) return NULL;
    hloc_module *m = HLOC_ARENA_NEW(a, hloc_module);
    if (!m || !(m->name = hloc_arena_strdup(a, name ? name : "module"))) {
        hloc_arena_destroy(a);
        return NULL;
    }
    m->arena = a;
    m->is_scheduled = -1;
    m->replica_count = m->num_partitions = -1;
    return m;
}

HLOC_API void hloc_module_destroy(hloc_module *module) {
    if (module) hloc_arena_destroy(module->arena);
}

hloc_computation *hloc_computation_create(hloc_module *m, const char *name) {
    hloc_computation *c = HLOC_ARENA_NEW(m->arena, hloc_computation);
    if (!c || !(c->name = hloc_arena_strdup(m->arena, name))) return NULL;
    if (!hloc_arena_grow(m->arena, (void **)&m->comps, &m->cap_comps, m->n_comps + 1, sizeof(void *)))
        return NULL;
    c->id = m->next_comp_id++;
    c->parent = m;
    m->comps[m->n_comps++] = c;
    return c;
}

static bool add_user(hloc_arena *a, hloc_instr *of, hloc_instr *user) {
    for (uint32_t i = 0; i < of->n_users; i++)
        if (of->users[i] == user) return true;
    if (!hloc_arena_grow(a, (void **)&of->users, &of->cap_users, of->n_users + 1, sizeof(void *)))
        return false;
    of->users[of->n_users++] = user;
    return true;
}

static void remove_user(hloc_instr *of, hloc_instr *user) {
    for (uint32_t k = 0; k < user->n_operands; k++)
        if (user->operands[k] == of) return; /* still used through another operand slot */
    for (uint32_t i = 0; i < of->n_users; i++)
        if (of->users[i] == user) {
            memmove(&of->users[i], &of->users[i + 1], (of->n_users - i - 1) * sizeof(void *));
            of->n_users--;
            return;
        }
}

hloc_instr *hloc_instr_create(hloc_computation *c, hloc_opcode op, const hloc_shape *shape,
                              hloc_instr *const *operands, uint32_t n_operands, const char *name) {
    hloc_module *m = c->parent;
    hloc_arena *a = m->arena;
    hloc_instr *i = HLOC_ARENA_NEW(a, hloc_instr);
    if (!i) return NULL;
    i->attrs = HLOC_ARENA_NEW(a, hloc_attrs);
    if (!i->attrs) return NULL;
    hloc_attrs_init(i->attrs);
    i->id = m->next_instr_id++;
    i->op = op;
    i->shape = hloc_shape_clone(a, shape);
    i->parent = c;
    i->name = name ? hloc_arena_strdup(a, name) : hloc_arena_printf(a, "%s.%u", hloc_opcode_name(op), i->id);
    if (!i->name) return NULL;
    if (n_operands) {
        i->operands = HLOC_ARENA_ARRAY(a, hloc_instr *, n_operands);
        if (!i->operands) return NULL;
        memcpy(i->operands, operands, n_operands * sizeof(void *));
        i->n_operands = n_operands;
        for (uint32_t k = 0; k < n_operands; k++)
            if (!add_user(a, operands[k], i)) return NULL;
    }
    if (!hloc_arena_grow(a, (void **)&c->instrs, &c->cap_instrs, c->n_instrs + 1, sizeof(void *)))
        return NULL;
    c->instrs[c->n_instrs++] = i;
    return i;
}

bool hloc_instr_add_operand(hloc_instr *i, hloc_instr *operand) {
    hloc_arena *a = i->parent->parent->arena;
    hloc_instr **n = HLOC_ARENA_ARRAY(a, hloc_instr *, i->n_operands + 1);
    if (!n) return false;
    if (i->n_operands) memcpy(n, i->operands, i->n_operands * sizeof(void *));
    n[i->n_operands++] = operand;
    i->operands = n;
    return add_user(a, operand, i);
}

bool hloc_instr_add_called(hloc_instr *i, hloc_computation *callee) {
    hloc_arena *a = i->parent->parent->arena;
    hloc_computation **n = HLOC_ARENA_ARRAY(a, hloc_computation *, i->n_called + 1);
    if (!n) return false;
    if (i->n_called) memcpy(n, i->called, i->n_called * sizeof(void *));
    n[i->n_called++] = callee;
    i->called = n;
    return true;
}

void hloc_instr_set_operand(hloc_instr *i, uint32_t k, hloc_instr *operand) {
    hloc_instr *old = i->operands[k];
    if (old == operand) return;
    i->operands[k] = operand;
    remove_user(old, i);
    if (!add_user(i->parent->parent->arena, operand, i))
        hloc_abort(__FILE__, __LINE__, "out of memory while rewiring %s", i->name);
}

void hloc_instr_replace_uses(hloc_instr *old, hloc_instr *with) {
    while (old->n_users) {
        hloc_instr *u = old->users[0];
        for (uint32_t k = 0; k < u->n_operands; k++)
            if (u->operands[k] == old) hloc_instr_set_operand(u, k, with);
        if (old->n_users && old->users[0] == u) remove_user(old, u); /* defensive: no slot left */
    }
    if (old->parent->root == old) old->parent->root = with;
}

void hloc_instr_kill(hloc_instr *i) {
    HLOC_ASSERT(i->n_users == 0);
    for (uint32_t k = 0; k < i->n_operands; k++) {
        hloc_instr *op = i->operands[k];
        i->operands[k] = NULL;
        remove_user(op, i);
    }
    i->dead = 1;
}

bool hloc_computation_set_param(hloc_computation *c, hloc_instr *p) {
    int64_t n = p->attrs->index;
    hloc_arena *a = c->parent->arena;
    if (n < 0) return false;
    if ((uint64_t)n >= c->n_params) {
        hloc_instr **np = HLOC_ARENA_ARRAY(a, hloc_instr *, (size_t)n + 1);
        if (!np) return false;
        if (c->n_params) memcpy(np, c->params, c->n_params * sizeof(void *));
        c->params = np;
        c->n_params = (uint32_t)n + 1;
    }
    c->params[n] = p;
    return true;
}

/* Depth-first post-order from each instruction in the current order; keeps the order where valid. */
bool hloc_computation_cleanup(hloc_computation *c) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_instrs; i++)
        if (!c->instrs[i]->dead) c->instrs[n++] = c->instrs[i];
    c->n_instrs = n;
    uint32_t bound = c->parent->next_instr_id;
    uint8_t *state = calloc(bound ? bound : 1, 1); /* 0 new, 1 on stack, 2 done */
    hloc_instr **out = malloc((n ? n : 1) * sizeof(void *));
    hloc_instr **stack = malloc((n ? n : 1) * sizeof(void *));
    uint32_t *next = malloc((n ? n : 1) * sizeof(uint32_t));
    bool ok = state && out && stack && next;
    uint32_t n_out = 0;
    for (uint32_t s = 0; ok && s < n; s++) {
        if (state[c->instrs[s]->id]) continue;
        uint32_t sp = 0;
        stack[sp] = c->instrs[s];
        next[sp++] = 0;
        state[c->instrs[s]->id] = 1;
        while (sp && ok) {
            hloc_instr *top = stack[sp - 1];
            uint32_t total = top->n_operands + top->n_control_preds;
            if (next[sp - 1] < total) {
                uint32_t k = next[sp - 1]++;
                hloc_instr *d = k < top->n_operands ? top->operands[k] : top->control_preds[k - top->n_operands];
                if (!d || d->parent != c || d->dead) continue;
                if (state[d->id] == 1) {
                    ok = false; /* cycle */
                } else if (state[d->id] == 0) {
                    state[d->id] = 1;
                    stack[sp] = d;
                    next[sp++] = 0;
                }
            } else {
                state[top->id] = 2;
                out[n_out++] = top;
                sp--;
            }
        }
    }
    if (ok) memcpy(c->instrs, out, n_out * sizeof(void *));
    free(state);
    free(out);
    free(stack);
    free(next);
    return ok;
}

hloc_computation *hloc_module_find_computation(const hloc_module *m, const char *name) {
    for (uint32_t i = 0; i < m->n_comps; i++)
        if (strcmp(m->comps[i]->name, name) == 0) return m->comps[i];
    return NULL;
}

hloc_instr *hloc_computation_find_instr(const hloc_computation *c, const char *name) {
    for (uint32_t i = 0; i < c->n_instrs; i++)
        if (strcmp(c->instrs[i]->name, name) == 0) return c->instrs[i];
    return NULL;
}
