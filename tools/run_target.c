/* The table of targets a module can run on (run_target.h). */
#include "run_target.h"

#include <string.h>

#include "eval.h"

static hloc_status *run_interp(const hloc_module *m, const hloc_literal *const *args,
                               uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    return hloc_evaluate(m, args, n_args, NULL, arena, out);
}

static const hloc_run_target interp = {"interp", "the reference evaluator (hlo/eval.c)", run_interp,
                                       NULL};

const hloc_run_target *const hloc_run_targets[] = {
    &interp,
    &hloc_run_target_cpu,
    &hloc_run_target_cpu_aot,
    NULL,
};

const hloc_run_target *hloc_run_target_find(const char *name) {
    for (const hloc_run_target *const *t = hloc_run_targets; *t; t++)
        if (!strcmp((*t)->name, name)) return *t;
    return NULL;
}
