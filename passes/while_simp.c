/* while-loop-simplifier: removes dead loop carries and loops that never run.
 *   dead carry   tuple element k of a while loop whose value nothing outside its own update reads:
 *                no user of the loop reads element k, the condition does not read it, and in the
 *                body what depends on element k feeds only the new element k. The carry, its
 *                update and its initial value go.
 *   zero trips   a loop whose condition is false on its initial value, when that value is
 *                constant (the condition is evaluated): the loop is its initial value.
 *   counted      a loop with a known trip count (while_simp.h): 0 trips is its initial value; 1
 *                trip is its body inlined once; up to MAX_UNROLL_TRIPS trips of a body of at
 *                most MAX_UNROLL_BODY instructions are unrolled in full (as XLA's
 *                WhileLoopUnroller, conservatively: no side effects, no nested loops or
 *                branches). Other counted loops keep the count in their backend_config, in the
 *                form XLA's WhileLoopTripCountAnnotator writes, so that dumps show it.
 * Dead carries are removed only from loops whose body and condition have no other caller. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "passes_internal.h"
#include "while_simp.h"

enum { MAX_UNROLL_TRIPS = 8, MAX_UNROLL_BODY = 64 };

static int callers(const hloc_module *m, const hloc_computation *c) {
    int n = 0;
    for (uint32_t a = 0; a < m->n_comps; a++) {
        const hloc_computation *x = m->comps[a];
        for (uint32_t j = 0; j < x->n_instrs; j++) {
            const hloc_instr *i = x->instrs[j];
            if (i->dead) continue;
            for (uint32_t k = 0; k < i->n_called; k++) n += i->called[k] == c;
        }
    }
    return n;
}

/* Whether every user of the computation's parameter is a get-tuple-element. */
static bool param_read_by_gte_only(const hloc_computation *c) {
    if (c->n_params != 1) return false;
    const hloc_instr *p = c->params[0];
    for (uint32_t u = 0; u < p->n_users; u++)
        if (p->users[u]->op != HLOC_OP_GET_TUPLE_ELEMENT) return false;
    return c->root != p;
}

static bool reads_element(const hloc_instr *p, int64_t k) {
    for (uint32_t u = 0; u < p->n_users; u++)
        if (p->users[u]->attrs->index == k) return true;
    return false;
}

/* Marks in |dep| every instruction of |c| that depends on element k of the parameter. */
static void mark_dependents(const hloc_computation *c, int64_t k, bool *dep) {
    const hloc_instr *p = c->params[0];
    for (uint32_t u = 0; u < p->n_users; u++)
        if (p->users[u]->attrs->index == k) dep[p->users[u]->id] = true;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (i->dead || dep[i->id]) continue;
        for (uint32_t o = 0; o < i->n_operands; o++)
            if (dep[i->operands[o]->id]) {
                dep[i->id] = true;
                break;
            }
    }
}

/* Element k of the body's carry is dead inside the body: what depends on it reaches the root only
 * as root operand k, has no side effects, and nothing else in the body reads it. */
static bool dead_in_body(const hloc_computation *b, int64_t k, bool *dep) {
    const hloc_instr *root = b->root;
    mark_dependents(b, k, dep);
    for (uint32_t j = 0; j < b->n_instrs; j++) {
        const hloc_instr *i = b->instrs[j];
        if (i->dead || !dep[i->id] || i == root) continue;
        if (!hloc_instr_is_removable(i)) return false;
        for (uint32_t u = 0; u < i->n_users; u++) {
            const hloc_instr *w = i->users[u];
            if (dep[w->id] && w != root) continue;
            if (w != root) return false;
            for (uint32_t o = 0; o < root->n_operands; o++)
                if (root->operands[o] == i && (int64_t)o != k) return false;
        }
    }
    return true;
}

/* The tuple shape |s| without element k (arena copy). */
static hloc_shape drop_element(hloc_arena *a, const hloc_shape *s, int64_t k) {
    hloc_shape t = *s;
    t.elems = HLOC_ARENA_ARRAY(a, hloc_shape, s->n_elems ? s->n_elems : 1);
    t.n_elems = 0;
    if (!t.elems) return t;
    for (uint32_t j = 0; j < s->n_elems; j++)
        if ((int64_t)j != k) t.elems[t.n_elems++] = s->elems[j];
    return t;
}

static void renumber_gtes(hloc_instr *tuple_value, int64_t k) {
    for (uint32_t u = 0; u < tuple_value->n_users; u++) {
        hloc_instr *g = tuple_value->users[u];
        if (g->op == HLOC_OP_GET_TUPLE_ELEMENT && g->attrs->index > k) g->attrs->index--;
    }
}

/* Kills the instructions marked in |dep| (users before operands). */
static void kill_marked(hloc_computation *c, const bool *dep) {
    for (uint32_t j = c->n_instrs; j-- > 0;) {
        hloc_instr *i = c->instrs[j];
        if (!i->dead && dep[i->id] && i->n_users == 0 && i != c->root) hloc_instr_kill(i);
    }
}

static hloc_status *remove_carry(hloc_instr *w, int64_t k, bool *dep) {
    hloc_computation *c = w->parent, *cond = w->called[0], *body = w->called[1];
    hloc_module *m = c->parent;
    hloc_shape t = drop_element(m->arena, &w->shape, k);
    if (!t.elems) return hloc_status_oom();
    /* Body: a new root tuple without operand k; the old root and what fed only slot k go. */
    hloc_instr *old_root = body->root;
    hloc_instr **ops = malloc(sizeof *ops * (old_root->n_operands ? old_root->n_operands : 1));
    if (!ops) return hloc_status_oom();
    uint32_t n = 0;
    for (uint32_t o = 0; o < old_root->n_operands; o++)
        if ((int64_t)o != k) ops[n++] = old_root->operands[o];
    hloc_instr *root = hloc_pass_new_instr(body, HLOC_OP_TUPLE, &t, ops, n);
    if (!root) {
        free(ops);
        return hloc_status_oom();
    }
    body->root = root;
    hloc_instr_kill(old_root);
    kill_marked(body, dep);
    hloc_instr *bp = body->params[0];
    bp->shape = t;
    renumber_gtes(bp, k);
    hloc_instr *cp = cond->params[0];
    cp->shape = t;
    renumber_gtes(cp, k);
    /* The initial value without element k. */
    hloc_instr *init = w->operands[0];
    n = 0;
    if (init->op == HLOC_OP_TUPLE) {
        for (uint32_t o = 0; o < init->n_operands; o++)
            if ((int64_t)o != k) ops[n++] = init->operands[o];
    } else {
        for (uint32_t o = 0; o < init->shape.n_elems; o++) {
            if ((int64_t)o == k) continue;
            hloc_instr *g = hloc_pass_new_instr(c, HLOC_OP_GET_TUPLE_ELEMENT, &init->shape.elems[o], &init, 1);
            if (!g) {
                free(ops);
                return hloc_status_oom();
            }
            g->attrs->index = o;
            ops[n++] = g;
        }
    }
    hloc_instr *new_init = hloc_pass_new_instr(c, HLOC_OP_TUPLE, &t, ops, n);
    free(ops);
    if (!new_init) return hloc_status_oom();
    hloc_instr_set_operand(w, 0, new_init);
    w->shape = t;
    renumber_gtes(w, k);
    if (init->n_users == 0 && hloc_instr_is_removable(init) && c->root != init) hloc_instr_kill(init);
    if (!hloc_computation_cleanup(body) || !hloc_computation_cleanup(c))
        return hloc_status_new(HLOC_STATUS_INTERNAL, "while-loop-simplifier made a cycle");
    return NULL;
}

/* Tries every carry of |w|; returns after the first removal (shapes changed: start over). */
static hloc_status *simplify_carries(hloc_instr *w, bool *changed) {
    hloc_module *m = w->parent->parent;
    if (w->n_called != 2 || w->n_operands != 1 || !hloc_shape_is_tuple(&w->shape)) return NULL;
    hloc_computation *cond = w->called[0], *body = w->called[1];
    if (callers(m, cond) != 1 || callers(m, body) != 1) return NULL;
    if (!param_read_by_gte_only(cond) || !param_read_by_gte_only(body)) return NULL;
    if (!body->root || body->root->op != HLOC_OP_TUPLE || w->parent->root == w) return NULL;
    if (w->shape.n_elems < 2) return NULL; /* keep at least one carry: loops need a value */
    for (uint32_t u = 0; u < w->n_users; u++)
        if (w->users[u]->op != HLOC_OP_GET_TUPLE_ELEMENT) return NULL;
    bool *dep = malloc(sizeof *dep * (m->next_instr_id + 1));
    if (!dep) return hloc_status_oom();
    hloc_status *st = NULL;
    for (int64_t k = 0; k < (int64_t)w->shape.n_elems; k++) {
        if (reads_element(w, k) || reads_element(cond->params[0], k)) continue;
        memset(dep, 0, sizeof *dep * (m->next_instr_id + 1));
        if (!dead_in_body(body, k, dep)) continue;
        st = remove_carry(w, k, dep);
        *changed = true;
        break;
    }
    free(dep);
    return st;
}

/* A loop whose constant initial value fails the condition runs zero times. */
static hloc_status *zero_trips(hloc_instr *w, bool *changed) {
    hloc_instr *init = w->operands[0];
    if (init->op != HLOC_OP_CONSTANT || !init->attrs->literal || init->attrs->literal->elided) return NULL;
    hloc_arena *a = hloc_arena_create();
    if (!a) return hloc_status_oom();
    hloc_module *m = w->parent->parent;
    hloc_module *scratch = hloc_pass_scratch_module(m);
    hloc_status *st = NULL;
    if (!scratch) {
        hloc_arena_destroy(a);
        return hloc_status_oom();
    }
    hloc_computation *e = hloc_computation_create(scratch, "entry");
    hloc_instr *k = e ? hloc_instr_clone_into(e, init, NULL, "init") : NULL;
    hloc_shape pred = hloc_shape_scalar(HLOC_TYPE_PRED);
    hloc_instr *call = k ? hloc_instr_create(e, HLOC_OP_CALL, &pred, &k, 1, "cond") : NULL;
    if (!call || !hloc_instr_add_called(call, w->called[0])) {
        st = hloc_status_oom();
    } else {
        scratch->entry = e;
        e->is_entry = true;
        e->root = call;
        hloc_literal *r = NULL;
        hloc_status *es = hloc_evaluate(scratch, NULL, 0, NULL, a, &r);
        if (es) hloc_status_free(es); /* not evaluable here: keep the loop */
        else if (hloc_literal_get_i64(r, 0) == 0) {
            hloc_instr_replace_uses(w, init);
            hloc_instr_kill(w);
            *changed = true;
        }
    }
    hloc_module_destroy(scratch);
    hloc_arena_destroy(a);
    return st;
}

/* Appends a copy of |body| to |w|'s computation with |arg| as its parameter; *out is the copy
 * of the root. */
static hloc_status *inline_body(const hloc_instr *w, const hloc_computation *body, hloc_instr *arg,
                                hloc_instr **out) {
    hloc_computation *c = w->parent;
    hloc_module *m = c->parent;
    hloc_instr **map = calloc(m->next_instr_id ? m->next_instr_id : 1, sizeof *map);
    hloc_instr **ops = NULL;
    uint32_t cap = 0;
    hloc_status *st = NULL;
    if (!map) return hloc_status_oom();
    uint32_t n = body->n_instrs; /* ids of |body| are below next_instr_id as it was here */
    for (uint32_t j = 0; j < n && !st; j++) {
        const hloc_instr *x = body->instrs[j];
        if (x->dead) continue;
        if (x->op == HLOC_OP_PARAMETER) {
            map[x->id] = arg;
            continue;
        }
        if (x->n_operands > cap) {
            free(ops);
            cap = x->n_operands;
            if (!(ops = malloc(sizeof *ops * cap))) {
                st = hloc_status_oom();
                break;
            }
        }
        for (uint32_t k = 0; k < x->n_operands; k++) ops[k] = map[x->operands[k]->id];
        if (!(map[x->id] = hloc_instr_clone_into(c, x, ops, NULL))) st = hloc_status_oom();
    }
    if (!st) *out = map[body->root->id];
    free(ops);
    free(map);
    return st;
}

/* Whether copies of |body| may run one after another in place of the loop. */
static bool unrollable(const hloc_computation *body) {
    uint32_t n = 0;
    for (uint32_t j = 0; j < body->n_instrs; j++) {
        const hloc_instr *x = body->instrs[j];
        if (x->dead || x->op == HLOC_OP_PARAMETER) continue;
        if (++n > MAX_UNROLL_BODY || !hloc_instr_is_removable(x) || x->n_control_preds)
            return false;
        if (x->op == HLOC_OP_WHILE || x->op == HLOC_OP_CONDITIONAL || x->op == HLOC_OP_CALL)
            return false;
    }
    return true;
}

/* The backend_config XLA's WhileLoopTripCountAnnotator writes (arena string). */
static const char *trip_config(hloc_module *m, const hloc_trip_count *t) {
    return hloc_arena_printf(
        m->arena,
        "{\"dynamic_variables\":[],\"known_induction_variable\":{\"tuple_index\":\"%" PRId64 "\"},"
        "\"known_init_step\":{\"init\":\"%" PRId64 "\",\"step\":\"%" PRId64 "\"},"
        "\"known_trip_count\":{\"n\":\"%" PRId64 "\"}}",
        t->index, t->init, t->step, t->trips);
}

/* A config this pass may overwrite: none, or an annotation of the same form (carry removal may
 * have moved the induction variable since it was written). */
static bool own_config(const char *config) {
    static const char prefix[] = "{\"dynamic_variables\":[],\"known_induction_variable\"";
    return !config || !strncmp(config, prefix, sizeof prefix - 1);
}

/* Whether |i| orders other instructions through control edges (then it must stay). */
static bool in_control_edges(const hloc_instr *i) {
    if (i->n_control_preds) return true;
    const hloc_computation *c = i->parent;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *x = c->instrs[j];
        for (uint32_t k = 0; !x->dead && k < x->n_control_preds; k++)
            if (x->control_preds[k] == i) return true;
    }
    return false;
}

static hloc_status *counted(hloc_instr *w, bool *changed) {
    hloc_trip_count t;
    if (!hloc_while_trip_count(w, &t)) return NULL;
    hloc_computation *body = w->called[1];
    hloc_instr *value = w->operands[0];
    if (t.trips <= 1 || (t.trips <= MAX_UNROLL_TRIPS && unrollable(body))) {
        if (in_control_edges(w)) return NULL;
        for (int64_t k = 0; k < t.trips; k++)
            HLOC_RETURN_IF_ERROR(inline_body(w, body, value, &value));
        hloc_instr_replace_uses(w, value);
        hloc_instr_kill(w);
        *changed = true;
        return NULL;
    }
    if (!own_config(w->attrs->backend_config)) return NULL;
    const char *config = trip_config(w->parent->parent, &t);
    if (!config) return hloc_status_oom();
    if (w->attrs->backend_config && !strcmp(w->attrs->backend_config, config)) return NULL;
    w->attrs->backend_config = config;
    *changed = true;
    return NULL;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    for (uint32_t a = 0; a < m->n_comps; a++) {
        hloc_computation *c = m->comps[a];
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            hloc_instr *w = c->instrs[j];
            if (w->dead || w->op != HLOC_OP_WHILE) continue;
            HLOC_RETURN_IF_ERROR(zero_trips(w, changed));
            if (w->dead) continue;
            /* One carry at a time: each removal changes the loop's shape. */
            for (bool ch = true; ch;) {
                ch = false;
                HLOC_RETURN_IF_ERROR(simplify_carries(w, &ch));
                *changed |= ch;
            }
            /* After the carries: an unrolled body is smaller, and an annotation names the
             * induction variable's final tuple index. */
            HLOC_RETURN_IF_ERROR(counted(w, changed));
        }
        if (*changed) hloc_computation_cleanup(c);
    }
    return NULL;
}

const hloc_pass hloc_pass_while_simp = {"while-loop-simplifier", run};
