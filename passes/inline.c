/* call-inliner: replaces every `call` with a copy of the called computation's body, so later
 * passes see one graph. Callees left without callers go at the next dce. */
#include <stdlib.h>

#include "passes_internal.h"

/* Copies |callee|'s instructions into |i|'s computation (parameters become |i|'s operands) and
 * replaces |i| with the copy of the root. */
static hloc_status *inline_call(hloc_instr *i) {
    hloc_computation *c = i->parent, *callee = i->called[0];
    hloc_module *m = c->parent;
    hloc_instr **map = calloc(m->next_instr_id ? m->next_instr_id : 1, sizeof *map);
    if (!map) return hloc_status_oom();
    hloc_status *st = NULL;
    for (uint32_t j = 0; j < callee->n_instrs && !st; j++) {
        hloc_instr *x = callee->instrs[j];
        if (x->dead) continue;
        if (x->op == HLOC_OP_PARAMETER) {
            map[x->id] = i->operands[x->attrs->index];
            continue;
        }
        hloc_instr **xo = malloc(sizeof *xo * (x->n_operands ? x->n_operands : 1));
        if (!xo) {
            st = hloc_status_oom();
            break;
        }
        for (uint32_t k = 0; k < x->n_operands; k++) xo[k] = map[x->operands[k]->id];
        map[x->id] = hloc_instr_clone_into(c, x, xo, NULL);
        free(xo);
        if (!map[x->id]) st = hloc_status_oom();
    }
    if (!st) {
        hloc_instr *root = map[callee->root->id];
        hloc_pass_replace(i, root);
        if (!i->dead && i->n_users == 0 && c->root != i) hloc_instr_kill(i);
    }
    free(map);
    return st;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        bool ch = false;
        /* Inlined bodies are appended, so calls inside them are reached by the same loop. */
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            hloc_instr *i = c->instrs[j];
            if (i->dead || i->op != HLOC_OP_CALL || i->n_called != 1 || !i->called[0]->root) continue;
            if (i->called[0]->execution_thread || i->called[0] == c) continue; /* async host threads stay calls */
            HLOC_RETURN_IF_ERROR(inline_call(i));
            ch = true;
        }
        if (ch && !hloc_computation_cleanup(c))
            return hloc_status_new(HLOC_STATUS_INTERNAL, "call-inliner made a cycle in %s", c->name);
        *changed |= ch;
    }
    return NULL;
}

const hloc_pass hloc_pass_inline = {"call-inliner", run};
