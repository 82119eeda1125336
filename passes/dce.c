/* dce: removes instructions whose values nobody uses (unless they have side effects) and
 * computations nothing reachable from the entry calls.
 * Requires: a verified module. Keeps: parameters, roots, side effects. */
#include <stdlib.h>

#include "passes_internal.h"

static bool dce_computation(hloc_computation *c) {
    bool changed = false;
    /* Reverse order: users come after their operands, so one sweep frees whole dead chains. */
    for (uint32_t j = c->n_instrs; j-- > 0;) {
        hloc_instr *i = c->instrs[j];
        if (i->dead || i->n_users || i == c->root || !hloc_instr_is_removable(i)) continue;
        hloc_instr_kill(i);
        changed = true;
    }
    if (changed) hloc_computation_cleanup(c);
    return changed;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    bool *live = hloc_reachable_computations(m);
    if (!live) return hloc_status_oom();
    uint32_t n = 0;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        if (live[c->id]) m->comps[n++] = c;
        else *changed = true;
    }
    m->n_comps = n;
    free(live);
    for (uint32_t k = 0; k < m->n_comps; k++) *changed |= dce_computation(m->comps[k]);
    return NULL;
}

const hloc_pass hloc_pass_dce = {"dce", run};
