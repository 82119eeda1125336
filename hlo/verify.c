/* The module verifier: structure (roots, parameters, operands listed in the same computation,
 * user lists, unique ids and names, callee counts, no cycles, no recursion), then every
 * instruction's declared shape against shape inference, then (optionally) layouts
 * (verify_layouts.c). Reports every error it finds into the diag sink; never modifies the module. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shape_inference_internal.h"

typedef struct vctx {
    const hloc_module *m;
    hloc_diag *d;
    hloc_arena *scratch;
    uint32_t n_errors;
    uint32_t *listed_in; /* by instruction id: 1 + id of the computation listing it, 0 = none */
} vctx;

static void ierr(vctx *v, const hloc_instr *i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ierr(vctx *v, const hloc_instr *i, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hloc_diag_report(v->d, HLOC_SEV_ERROR, i->loc, "'%s': %s", i->name, msg);
    v->n_errors++;
}

static void cerr(vctx *v, const hloc_computation *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cerr(vctx *v, const hloc_computation *c, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hloc_diag_report(v->d, HLOC_SEV_ERROR, c->loc, "computation '%s': %s", c->name, msg);
    v->n_errors++;
}

/* ---- unique names: an open-addressing set of (name, where first seen) ---------------------- */

typedef struct name_set {
    const char **names;
    hloc_loc *locs;
    size_t cap;
} name_set;

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool names_init(name_set *ns, size_t n) {
    ns->cap = 16;
    while (ns->cap < 2 * n + 1)
        ns->cap *= 2;
    ns->names = calloc(ns->cap, sizeof *ns->names);
    ns->locs = calloc(ns->cap, sizeof *ns->locs);
    return ns->names && ns->locs;
}

static void names_free(name_set *ns) {
    free(ns->names);
    free(ns->locs);
}

/* Inserts |name|; returns NULL if new, else the location where it was first seen. */
static const hloc_loc *names_add(name_set *ns, const char *name, hloc_loc loc) {
    size_t k = hash(name) & (ns->cap - 1);
    while (ns->names[k]) {
        if (strcmp(ns->names[k], name) == 0) return &ns->locs[k];
        k = (k + 1) & (ns->cap - 1);
    }
    ns->names[k] = name;
    ns->locs[k] = loc;
    return NULL;
}

static void note_previous(vctx *v, const hloc_loc *prev) {
    if (prev->line) hloc_diag_report(v->d, HLOC_SEV_NOTE, *prev, "previously defined here");
}

static void check_names(vctx *v) {
    const hloc_module *m = v->m;
    size_t n = m->n_comps;
    for (uint32_t c = 0; c < m->n_comps; c++)
        n += m->comps[c]->n_instrs;
    name_set comps, instrs;
    if (!names_init(&comps, m->n_comps) || !names_init(&instrs, n)) {
        hloc_diag_report(v->d, HLOC_SEV_ERROR, (hloc_loc){0, 0}, "out of memory while verifying");
        v->n_errors++;
    } else {
        for (uint32_t c = 0; c < m->n_comps; c++) {
            const hloc_computation *comp = m->comps[c];
            const hloc_loc *prev = names_add(&comps, comp->name, comp->loc);
            if (prev) {
                cerr(v, comp, "computation name is not unique");
                note_previous(v, prev);
            }
            for (uint32_t k = 0; k < comp->n_instrs; k++) {
                const hloc_instr *i = comp->instrs[k];
                if (!i || i->dead) continue;
                prev = names_add(&instrs, i->name, i->loc);
                if (prev) {
                    ierr(v, i, "instruction name is not unique in the module");
                    note_previous(v, prev);
                }
            }
        }
    }
    names_free(&comps);
    names_free(&instrs);
}

/* ---- structure ------------------------------------------------------------------------------- */

static bool layout_ok(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < s->n_elems; k++)
            if (!layout_ok(&s->elems[k])) return false;
        return true;
    }
    if (!hloc_type_is_array(s->type) || !s->has_layout) return true;
    uint32_t seen = 0;
    for (uint32_t k = 0; k < s->rank; k++) {
        if (s->minor_to_major[k] >= s->rank || (seen >> s->minor_to_major[k] & 1)) return false;
        seen |= 1u << s->minor_to_major[k];
    }
    return true;
}

static bool shape_ok(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < s->n_elems; k++)
            if (!shape_ok(&s->elems[k])) return false;
        return true;
    }
    if (s->type == HLOC_TYPE_INVALID || (unsigned)s->type >= HLOC_TYPE_COUNT) return false;
    if (s->rank > HLOC_MAX_RANK) return false;
    for (uint32_t k = 0; k < s->rank; k++)
        if (s->dims[k] < 0 && s->dim_kind[k] != HLOC_DIM_UNBOUNDED) return false;
    return true;
}

static void check_params(vctx *v, const hloc_computation *c) {
    for (uint32_t k = 0; k < c->n_params; k++) {
        const hloc_instr *p = c->params[k];
        if (!p)
            cerr(v, c, "parameter %u is missing (parameters must be numbered 0..%u)", k,
                 c->n_params - 1);
        else if (p->op != HLOC_OP_PARAMETER || p->attrs->index != (int64_t)k || p->parent != c)
            ierr(v, p, "is not parameter %u of '%s'", k, c->name);
    }
    for (uint32_t k = 0; k < c->n_instrs; k++) {
        const hloc_instr *i = c->instrs[k];
        if (!i || i->dead || i->op != HLOC_OP_PARAMETER) continue;
        int64_t n = i->attrs->index;
        if (n < 0 || n >= c->n_params || c->params[n] != i)
            ierr(v, i, "parameter number %lld is used twice or not registered", (long long)n);
    }
}

/* How many computations an opcode calls: -1 any (conditional, custom-call), else exactly. */
static int expected_callees(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_WHILE:
    case HLOC_OP_SELECT_AND_SCATTER:
        return 2;
    /* async-update/done may repeat the start's calls=; collective-reduce has to_apply. */
    case HLOC_OP_CONDITIONAL:
    case HLOC_OP_CUSTOM_CALL:
    case HLOC_OP_ASYNC_UPDATE:
    case HLOC_OP_ASYNC_DONE:
    case HLOC_OP_COLLECTIVE_REDUCE:
        return -1;
    default:
        return hloc_opcode_flags(op) & OPF_CALLS ? 1 : 0;
    }
}

static void check_operands(vctx *v, const hloc_computation *c, const hloc_instr *i) {
    int want = expected_callees(i->op);
    if (want >= 0 && i->n_called != (uint32_t)want)
        ierr(v, i, "%s calls %d computation%s, found %u", hloc_opcode_name(i->op), want,
             want == 1 ? "" : "s", i->n_called);
    if (i->parent != c) ierr(v, i, "listed in '%s' but belongs to another computation", c->name);
    for (uint32_t k = 0; k < i->n_operands + i->n_control_preds; k++) {
        bool ctl = k >= i->n_operands;
        const hloc_instr *o = ctl ? i->control_preds[k - i->n_operands] : i->operands[k];
        const char *what = ctl ? "control predecessor" : "operand";
        uint32_t n = ctl ? k - i->n_operands : k;
        if (!o)
            ierr(v, i, "%s %u is missing", what, n);
        else if (o->parent != c)
            ierr(v, i, "%s %u '%s' belongs to computation '%s', not '%s'", what, n, o->name,
                 o->parent ? o->parent->name : "?", c->name);
        else if (o->dead)
            ierr(v, i, "%s %u '%s' was removed", what, n, o->name);
        else if (v->listed_in && (o->id >= v->m->next_instr_id || v->listed_in[o->id] != c->id + 1))
            ierr(v, i, "%s %u '%s' is not listed in computation '%s'", what, n, o->name, c->name);
    }
    for (uint32_t k = 0; k < i->n_called; k++) {
        const hloc_computation *callee = i->called[k];
        if (!callee)
            ierr(v, i, "called computation %u is missing", k);
        else if (callee->parent != v->m)
            ierr(v, i, "calls '%s' from another module", callee->name);
        else if (callee->is_entry)
            ierr(v, i, "calls the entry computation '%s'", callee->name);
    }
}

static bool has_user(const hloc_instr *of, const hloc_instr *user) {
    for (uint32_t k = 0; k < of->n_users; k++)
        if (of->users[k] == user) return true;
    return false;
}

static bool uses(const hloc_instr *user, const hloc_instr *of) {
    for (uint32_t k = 0; k < user->n_operands; k++)
        if (user->operands[k] == of) return true;
    return false;
}

/* Passes rely on user lists matching operand lists exactly (each user once). */
static void check_users(vctx *v, const hloc_instr *i) {
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (i->operands[k] && !has_user(i->operands[k], i))
            ierr(v, i, "is missing from the user list of its operand '%s'", i->operands[k]->name);
    for (uint32_t k = 0; k < i->n_users; k++) {
        const hloc_instr *u = i->users[k];
        if (!u || u->dead || !uses(u, i))
            ierr(v, i, "lists '%s' as a user, which does not use it", u ? u->name : "(null)");
        for (uint32_t j = 0; j < k; j++)
            if (i->users[j] == u) ierr(v, i, "lists user '%s' twice", u->name);
    }
}

/* Ids index side tables, so they must be below the module's bound and unique. */
static void check_ids(vctx *v) {
    const hloc_module *m = v->m;
    uint32_t bound = m->next_instr_id;
    uint8_t *seen = calloc(bound ? bound : 1, 1);
    v->listed_in = calloc(bound ? bound : 1, sizeof *v->listed_in);
    if (!seen || !v->listed_in) {
        free(seen);
        return;
    }
    for (uint32_t c = 0; c < m->n_comps; c++)
        for (uint32_t k = 0; k < m->comps[c]->n_instrs; k++) {
            const hloc_instr *i = m->comps[c]->instrs[k];
            if (!i) {
                cerr(v, m->comps[c], "instruction slot %u is empty", k);
            } else if (i->id >= bound) {
                ierr(v, i, "id %u is outside the module's range (%u)", i->id, bound);
            } else if (seen[i->id]) {
                ierr(v, i, "id %u is used twice (or the instruction is listed twice)", i->id);
            } else {
                seen[i->id] = 1;
                v->listed_in[i->id] = m->comps[c]->id + 1;
            }
        }
    free(seen);
}

/* Iterative DFS over operands and control predecessors inside |c|; reports each cycle once. */
static void check_cycles(vctx *v, const hloc_computation *c) {
    uint32_t bound = v->m->next_instr_id, n = c->n_instrs;
    uint8_t *state = calloc(bound ? bound : 1, 1);
    const hloc_instr **stack = malloc((n ? n : 1) * sizeof *stack);
    uint32_t *next = malloc((n ? n : 1) * sizeof *next);
    if (!state || !stack || !next) goto out;
    for (uint32_t s = 0; s < n; s++) {
        const hloc_instr *start = c->instrs[s];
        if (!start || start->dead || start->id >= bound || state[start->id]) continue;
        uint32_t sp = 0;
        stack[sp] = start;
        next[sp++] = 0;
        state[start->id] = 1;
        while (sp) {
            const hloc_instr *top = stack[sp - 1];
            uint32_t total = top->n_operands + top->n_control_preds;
            if (next[sp - 1] >= total) {
                state[top->id] = 2;
                sp--;
                continue;
            }
            uint32_t k = next[sp - 1]++;
            const hloc_instr *d =
                k < top->n_operands ? top->operands[k] : top->control_preds[k - top->n_operands];
            if (!d || d->parent != c || d->dead || d->id >= bound) continue;
            if (state[d->id] == 1)
                ierr(v, d, "is part of a cycle (through '%s')", top->name);
            else if (state[d->id] == 0 && sp < n) {
                state[d->id] = 1;
                stack[sp] = d;
                next[sp++] = 0;
            }
        }
    }
out:
    free(state);
    free(stack);
    free(next);
}

/* A computation must not reach itself through called computations. */
static void check_recursion(vctx *v) {
    const hloc_module *m = v->m;
    uint32_t bound = m->next_comp_id;
    uint8_t *state = calloc(bound ? bound : 1, 1);
    const hloc_computation **stack = malloc((m->n_comps + 1) * sizeof *stack);
    uint32_t *ins = malloc((m->n_comps + 1) * sizeof *ins),
             *cal = malloc((m->n_comps + 1) * sizeof *cal);
    if (!state || !stack || !ins || !cal) goto out;
    for (uint32_t s = 0; s < m->n_comps; s++) {
        const hloc_computation *root = m->comps[s];
        if (root->id >= bound || state[root->id]) continue;
        uint32_t sp = 0;
        stack[sp] = root;
        ins[sp] = cal[sp] = 0;
        sp++;
        state[root->id] = 1;
        while (sp) {
            const hloc_computation *top = stack[sp - 1];
            if (ins[sp - 1] >= top->n_instrs) {
                state[top->id] = 2;
                sp--;
                continue;
            }
            const hloc_instr *i = top->instrs[ins[sp - 1]];
            if (!i || cal[sp - 1] >= i->n_called) {
                ins[sp - 1]++;
                cal[sp - 1] = 0;
                continue;
            }
            const hloc_computation *callee = i->called[cal[sp - 1]++];
            if (!callee || callee->parent != m || callee->id >= bound || i->dead) continue;
            if (state[callee->id] == 1)
                ierr(v, i, "calls '%s' recursively", callee->name);
            else if (state[callee->id] == 0 && sp <= m->n_comps) {
                state[callee->id] = 1;
                stack[sp] = callee;
                ins[sp] = cal[sp] = 0;
                sp++;
            }
        }
    }
out:
    free(state);
    free(stack);
    free(ins);
    free(cal);
}

/* ---- shapes ---------------------------------------------------------------------------------- */

static void check_shape(vctx *v, const hloc_instr *i) {
    char want[192], got[192];
    if (!shape_ok(&i->shape)) {
        ierr(v, i, "has an invalid shape");
        return;
    }
    if (!layout_ok(&i->shape)) {
        hloc_si_format_shape(got, sizeof got, &i->shape);
        ierr(v, i, "layout of %s is not a permutation of its dimensions", got);
    }
    hloc_arena_reset(v->scratch);
    hloc_shape inferred;
    uint32_t before = v->d->n_errors;
    if (!hloc_infer_shape(i, v->scratch, &inferred, v->d)) {
        v->n_errors += v->d->n_errors - before;
        if (v->d->n_errors == before) ierr(v, i, "shape inference failed");
        return;
    }
    if (!hloc_si_same(&i->shape, &inferred)) {
        hloc_si_format_shape(got, sizeof got, &i->shape);
        hloc_si_format_shape(want, sizeof want, &inferred);
        ierr(v, i, "declared shape %s does not match the inferred shape %s", got, want);
    }
}

static void check_entry_layout(vctx *v) {
    const hloc_module *m = v->m;
    const hloc_computation *e = m->entry;
    if (!m->has_entry_layout || !e) return;
    char a[192], b[192];
    if (m->n_entry_params != e->n_params) {
        cerr(v, e, "entry_computation_layout has %u parameters, the entry computation %u",
             m->n_entry_params, e->n_params);
        return;
    }
    for (uint32_t k = 0; k < e->n_params; k++) {
        if (!e->params[k] || hloc_si_same(&m->entry_param_shapes[k], &e->params[k]->shape))
            continue;
        hloc_si_format_shape(a, sizeof a, &m->entry_param_shapes[k]);
        hloc_si_format_shape(b, sizeof b, &e->params[k]->shape);
        cerr(v, e, "entry_computation_layout parameter %u is %s, the parameter is %s", k, a, b);
    }
    if (e->root && !hloc_si_same(&m->entry_result_shape, &e->root->shape)) {
        hloc_si_format_shape(a, sizeof a, &m->entry_result_shape);
        hloc_si_format_shape(b, sizeof b, &e->root->shape);
        cerr(v, e, "entry_computation_layout result is %s, the root is %s", a, b);
    }
}

static void check_computation(vctx *v, const hloc_computation *c) {
    if (c->parent != v->m) cerr(v, c, "belongs to another module");
    if (!c->root)
        cerr(v, c, "has no root instruction");
    else if (c->root->parent != c || c->root->dead)
        cerr(v, c, "root '%s' is not one of its instructions", c->root->name);
    if (c->is_entry && c != v->m->entry)
        cerr(v, c, "is marked ENTRY but is not the module's entry");
    check_params(v, c);
    for (uint32_t k = 0; k < c->n_instrs; k++) {
        const hloc_instr *i = c->instrs[k];
        if (!i || i->dead) continue;
        uint32_t before = v->n_errors;
        check_operands(v, c, i);
        check_users(v, i);
        /* Inference reads operands and callees, so it only runs on a sound instruction. */
        if (v->n_errors == before) check_shape(v, i);
    }
    check_cycles(v, c);
}

bool hloc_verify_module_opts(const hloc_module *m, const hloc_verify_options *o, hloc_diag *d) {
    vctx v = {m, d, hloc_arena_create(), 0, NULL};
    if (!v.scratch) {
        hloc_diag_report(d, HLOC_SEV_ERROR, (hloc_loc){0, 0}, "out of memory while verifying");
        return false;
    }
    for (uint32_t c = 0; c < m->n_comps; c++)
        if (!m->comps[c]) {
            hloc_diag_report(d, HLOC_SEV_ERROR, (hloc_loc){0, 0},
                             "module '%s': computation slot %u is empty", m->name, c);
            hloc_arena_destroy(v.scratch);
            return false;
        }
    if (!m->entry) {
        hloc_diag_report(d, HLOC_SEV_ERROR, (hloc_loc){0, 0},
                         "module '%s' has no entry computation", m->name);
        v.n_errors++;
    }
    check_names(&v);
    check_ids(&v);
    check_recursion(&v);
    for (uint32_t c = 0; c < m->n_comps; c++)
        check_computation(&v, m->comps[c]);
    check_entry_layout(&v);
    if (o && o->layout_sensitive && v.n_errors == 0) v.n_errors += hloc_verify_layouts(m, d);
    free(v.listed_in);
    hloc_arena_destroy(v.scratch);
    return v.n_errors == 0;
}

bool hloc_verify_module(const hloc_module *m, hloc_diag *d) {
    return hloc_verify_module_opts(m, NULL, d);
}
