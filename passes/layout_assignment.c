/* layout-assignment: gives every value a physical layout. The entry computation's parameters and
 * result keep the layouts of entry_computation_layout (the caller's contract); everything else
 * that has none gets the row-major layout the CPU kernels are written for. Where a dot or
 * convolution operand arrives in another layout, a copy to row-major is inserted in front of it,
 * so kernels see one layout and only those operands pay for a transpose. Values that already
 * carry a layout keep it: bitcasts depend on the layouts around them. */
#include <string.h>

#include "passes_internal.h"

static bool fill(hloc_shape *s) {
    if (hloc_shape_is_tuple(s)) {
        bool ch = false;
        for (uint32_t k = 0; k < s->n_elems; k++) ch |= fill(&s->elems[k]);
        return ch;
    }
    if (!hloc_shape_is_array(s) || s->has_layout) return false;
    hloc_shape_set_default_layout(s);
    return true;
}

static bool row_major(const hloc_shape *s) {
    return !s->has_layout || hloc_shape_has_default_layout(s);
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        uint32_t n = c->n_instrs;
        for (uint32_t j = 0; j < n; j++) {
            hloc_instr *i = c->instrs[j];
            if (i->dead) continue;
            if (i->op == HLOC_OP_PARAMETER && c->is_entry && m->has_entry_layout &&
                (uint64_t)i->attrs->index < m->n_entry_params) {
                const hloc_shape *want = &m->entry_param_shapes[i->attrs->index];
                if (!hloc_shape_equal(&i->shape, want) && hloc_shape_same_dims(&i->shape, want)) {
                    i->shape = hloc_shape_clone(m->arena, want);
                    *changed = true;
                }
            }
            if (i->shape.n_elems && !hloc_shape_is_array(&i->shape)) {
                /* Tuples are copied so that filling element layouts never touches a shared array. */
                hloc_shape t = hloc_shape_clone(m->arena, &i->shape);
                if (fill(&t)) {
                    i->shape = t;
                    *changed = true;
                }
            } else {
                *changed |= fill(&i->shape);
            }
            if (i->op != HLOC_OP_DOT && i->op != HLOC_OP_CONVOLUTION) continue;
            for (uint32_t o = 0; o < i->n_operands; o++) {
                hloc_instr *x = i->operands[o];
                if (!hloc_shape_is_array(&x->shape) || row_major(&x->shape)) continue;
                hloc_shape s = x->shape;
                hloc_shape_set_default_layout(&s);
                hloc_instr *cp = hloc_pass_new_instr(c, HLOC_OP_COPY, &s, &x, 1);
                if (!cp) return hloc_status_oom();
                hloc_instr_set_operand(i, o, cp);
                *changed = true;
            }
        }
        if (c->n_instrs != n && !hloc_computation_cleanup(c))
            return hloc_status_new(HLOC_STATUS_INTERNAL, "layout-assignment made a cycle in %s", c->name);
    }
    return NULL;
}

const hloc_pass hloc_pass_layout_assignment = {"layout-assignment", run};
