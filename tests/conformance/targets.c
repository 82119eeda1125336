/* The conformance runner's target table. */
#include "targets.h"

#include <string.h>

#include "eval.h"

static hloc_status *run_interp(const hloc_module *m, const hloc_literal *const *args,
                               uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    return hloc_evaluate(m, args, n_args, NULL, arena, out);
}

static const conf_target interp = {"interp", "the reference evaluator (hlo/eval.c)", run_interp};

const conf_target *const conf_targets[] = {
    &interp,
    NULL,
};

const conf_target *conf_target_find(const char *name) {
    for (const conf_target *const *t = conf_targets; *t; t++)
        if (!strcmp((*t)->name, name)) return *t;
    return NULL;
}
