/* The CPU target behind targets/target.h: row-major layouts, loop fusion, a flops/bytes cost
 * model, and compile = JIT. */
#include <stdlib.h>

#include "cpu.h"
#include "target.h"

struct hloc_target_exe {
    hloc_cpu_jit *jit;
};

void hloc_target_row_major(const hloc_target *t, uint32_t rank, uint8_t *m2m) {
    (void)t;
    for (uint32_t d = 0; d < rank; d++) m2m[d] = (uint8_t)(rank - 1 - d);
}

static hloc_cost cpu_cost(const hloc_target *t, const hloc_instr *i) {
    (void)t;
    hloc_cost c = {0, 0, 0};
    double n = hloc_shape_is_array(&i->shape) ? (double)hloc_shape_elements(&i->shape) : 0;
    c.bytes = hloc_shape_is_array(&i->shape) ? (double)hloc_shape_bytes(&i->shape) : 0;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (hloc_shape_is_array(&i->operands[k]->shape))
            c.bytes += (double)hloc_shape_bytes(&i->operands[k]->shape);
    unsigned f = hloc_opcode_flags(i->op);
    if (f & OPF_TRANS) c.transcendentals = n;
    else if (f & OPF_EW) c.flops = n;
    if (i->op == HLOC_OP_DOT && i->n_operands == 2) {
        double k = 1;
        const hloc_i64_list *lc = &i->attrs->dot.lhs_contracting;
        for (uint32_t j = 0; j < lc->n; j++) k *= (double)i->operands[0]->shape.dims[lc->v[j]];
        c.flops = 2 * n * k;
    }
    return c;
}

static hloc_status *cpu_compile(const hloc_target *t, const hloc_module *m, const hloc_target_options *o,
                                hloc_target_exe **out) {
    (void)t;
    *out = NULL;
    hloc_cpu_options co = {.opt_level = 2};
    if (o) {
        co.name = o->name;
        co.cpu = o->cpu;
        co.opt_level = o->opt_level < 0 ? 2 : o->opt_level;
        co.dump_dir = o->dump_dir;
    }
    hloc_target_exe *e = calloc(1, sizeof *e);
    if (!e) return hloc_status_oom();
    hloc_status *st = hloc_cpu_jit_compile(m, &co, &e->jit);
    if (st) {
        free(e);
        return st;
    }
    *out = e;
    return NULL;
}

static const hloc_module_metadata *cpu_metadata(const hloc_target_exe *e) {
    return hloc_cpu_jit_metadata(e->jit);
}

static void cpu_destroy(hloc_target_exe *e) {
    if (!e) return;
    hloc_cpu_jit_destroy(e->jit);
    free(e);
}

static const hloc_target cpu_target = {
    .name = "cpu",
    .preferred_layout = hloc_target_row_major,
    .fusion_kinds = 1u << HLOC_FUSION_LOOP | 1u << HLOC_FUSION_INPUT | 1u << HLOC_FUSION_OUTPUT,
    .cost = cpu_cost,
    .compile = cpu_compile,
    .metadata = cpu_metadata,
    .destroy = cpu_destroy,
};

const hloc_target *hloc_target_cpu(void) { return &cpu_target; }
