/* Running a JIT-compiled module on host literals: the JIT's metadata wrapped as a runtime
 * executable, then the one literal bridge every runner uses (targets/run_exec.c: layouts,
 * buffer checks, the libffi call). */
#include "cpu.h"
#include "hloc/runtime.h"
#include "run_exec.h"

hloc_status *hloc_cpu_run_literals(const hloc_module *m, const hloc_cpu_options *o,
                                   const hloc_literal *const *args, uint32_t n_args,
                                   hloc_arena *arena, hloc_literal **out) {
    return hloc_cpu_run_literals_opts(m, o, NULL, args, n_args, arena, out);
}

hloc_status *hloc_cpu_run_literals_opts(const hloc_module *m, const hloc_cpu_options *o,
                                        const hloc_run_options *ro, const hloc_literal *const *args,
                                        uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    *out = NULL;
    const hloc_computation *entry = m->entry;
    if (!entry || !entry->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' has no entry computation", m->name);
    if (n_args != entry->n_params)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' takes %u arguments, not %u",
                               m->name, entry->n_params, n_args);
    hloc_cpu_jit *j;
    HLOC_RETURN_IF_ERROR(hloc_cpu_jit_compile(m, o, &j));
    hloc_executable *e = NULL;
    hloc_status *st = hloc_executable_wrap(hloc_cpu_jit_metadata(j), &e);
    if (!st) st = hloc_run_executable(e, args, n_args, &entry->root->shape, ro, arena, out);
    hloc_executable_unload(e);
    hloc_cpu_jit_destroy(j);
    return st;
}
