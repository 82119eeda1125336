/* tuple-simplifier: get-tuple-element(tuple(x0, x1, ...), k) -> xk, and
 * tuple(get-tuple-element(t, 0), ..., get-tuple-element(t, n-1)) -> t when t has n elements. */
#include "passes_internal.h"

static hloc_instr *rebuilt_tuple(const hloc_instr *i) {
    if (i->n_operands == 0 || i->operands[0]->op != HLOC_OP_GET_TUPLE_ELEMENT) return NULL;
    hloc_instr *src = i->operands[0]->operands[0];
    if (src->shape.n_elems != i->n_operands || !hloc_shape_equal(&src->shape, &i->shape)) return NULL;
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_instr *g = i->operands[k];
        if (g->op != HLOC_OP_GET_TUPLE_ELEMENT || g->operands[0] != src || g->attrs->index != (int64_t)k)
            return NULL;
    }
    return src;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        bool ch = false;
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            hloc_instr *i = c->instrs[j];
            if (i->dead) continue;
            if (i->op == HLOC_OP_GET_TUPLE_ELEMENT && i->operands[0]->op == HLOC_OP_TUPLE) {
                const hloc_instr *t = i->operands[0];
                int64_t idx = i->attrs->index;
                if (idx < 0 || (uint64_t)idx >= t->n_operands) continue;
                hloc_instr *x = t->operands[idx];
                if (!hloc_shape_equal(&x->shape, &i->shape)) continue;
                hloc_pass_replace(i, x);
                ch = true;
            } else if (i->op == HLOC_OP_TUPLE) {
                hloc_instr *src = rebuilt_tuple(i);
                if (!src) continue;
                hloc_pass_replace(i, src);
                ch = true;
            }
        }
        if (ch) hloc_computation_cleanup(c);
        *changed |= ch;
    }
    return NULL;
}

const hloc_pass hloc_pass_tuple_simp = {"tuple-simplifier", run};
