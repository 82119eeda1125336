/* cse: merges instructions that compute the same value: same opcode, shape, operands, attributes
 * and callees. The key is the instruction's printed text without its name and metadata, which
 * covers every attribute the printer knows, so no attribute can be forgotten here.
 * Keeps: side-effecting instructions and parameters apart. */
#include <stdlib.h>
#include <string.h>

#include "passes_internal.h"
#include "print.h"

typedef struct entry {
    char *key;
    hloc_instr *instr;
} entry;

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The printed instruction after " = ": shape, opcode, operands and attributes. */
static char *key_of(const hloc_instr *i, const hloc_print_options *po) {
    hloc_strbuf b = {0};
    hloc_print_instr(&b, i, po);
    char *s = hloc_strbuf_take(&b);
    if (!s) return NULL;
    const char *eq = strstr(s, " = ");
    if (eq) memmove(s, eq + 3, strlen(eq + 3) + 1);
    return s;
}

static bool cse_computation(hloc_computation *c, bool *oom) {
    uint32_t cap = 16;
    while (cap < 2 * c->n_instrs) cap *= 2;
    entry *table = calloc(cap, sizeof *table);
    if (!table) {
        *oom = true;
        return false;
    }
    hloc_print_options po = hloc_print_options_default();
    po.print_metadata = false;
    po.print_percent = false;
    bool changed = false;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        hloc_instr *i = c->instrs[j];
        if (i->dead || !hloc_instr_is_removable(i) || i->n_control_preds) continue;
        char *key = key_of(i, &po);
        if (!key) {
            *oom = true;
            break;
        }
        uint32_t h = (uint32_t)hash(key) & (cap - 1);
        while (table[h].key && strcmp(table[h].key, key)) h = (h + 1) & (cap - 1);
        if (table[h].key) {
            free(key);
            hloc_pass_replace(i, table[h].instr);
            changed = true;
        } else {
            table[h] = (entry){key, i};
        }
    }
    for (uint32_t h = 0; h < cap; h++) free(table[h].key);
    free(table);
    if (changed) hloc_computation_cleanup(c);
    return changed;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    bool oom = false;
    for (uint32_t k = 0; k < m->n_comps && !oom; k++) *changed |= cse_computation(m->comps[k], &oom);
    return oom ? hloc_status_oom() : NULL;
}

const hloc_pass hloc_pass_cse = {"cse", run};
