/* The custom-call targets of a module: the external functions its AOT shared object calls, which
 * the link step lets the dynamic loader bind (tools/link.c). */
#include <stdlib.h>
#include <string.h>

#include "aot.h"
#include "ir.h"

hloc_status *hloc_module_custom_call_targets(const hloc_module *m, const char ***out_names,
                                             size_t *out_n) {
    *out_names = NULL;
    *out_n = 0;
    const char **names = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t c = 0; c < m->n_comps; c++) {
        const hloc_computation *comp = m->comps[c];
        for (uint32_t k = 0; k < comp->n_instrs; k++) {
            const hloc_instr *i = comp->instrs[k];
            if (i->op != HLOC_OP_CUSTOM_CALL || !i->attrs || !i->attrs->custom_call_target) continue;
            const char *t = i->attrs->custom_call_target;
            size_t j = 0;
            while (j < n && strcmp(names[j], t)) j++;
            if (j < n) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 4;
                const char **grown = realloc(names, cap * sizeof *names);
                if (!grown) {
                    free(names);
                    return hloc_status_oom();
                }
                names = grown;
            }
            names[n++] = t;
        }
    }
    *out_names = names;
    *out_n = n;
    return NULL;
}
