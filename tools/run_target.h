/* The targets `hloc run` and the conformance runner can execute a module on, behind one small
 * interface: a target takes a parsed module and host literals and returns the result as a
 * literal. The cpu target (targets/cpu) joins the table in run_target.c with one line. */
#ifndef HLOC_TOOLS_RUN_TARGET_H
#define HLOC_TOOLS_RUN_TARGET_H

#include <stdint.h>

#include "ir.h"
#include "literal.h"
#include "status.h"

typedef struct hloc_run_target {
    const char *name;    /* the --target value */
    const char *summary; /* one line for --help */
    /* Runs the entry computation of |m| on |args| (one literal per entry parameter, shapes as the
     * parameters'); *out (a tuple literal for tuple-shaped roots) lives in |arena|. Failures
     * (unsupported op, compile error) come back as a status; *out is then NULL. */
    hloc_status *(*run)(const hloc_module *m, const hloc_literal *const *args, uint32_t n_args,
                        hloc_arena *arena, hloc_literal **out);
    /* Optional: the same, compiling once and running |repeat| times; seconds[k] is the time of
     * run k (the execution alone). NULL: time whole calls of run. */
    hloc_status *(*run_timed)(const hloc_module *m, const hloc_literal *const *args,
                              uint32_t n_args, uint32_t repeat, double *seconds,
                              hloc_arena *arena, hloc_literal **out);
} hloc_run_target;

/* The cpu targets (tools/run_target_cpu.c, in run_cpu_dep): JIT and .so, through the runtime. */
extern const hloc_run_target hloc_run_target_cpu, hloc_run_target_cpu_aot;

/* NULL-terminated table of every target built in. */
extern const hloc_run_target *const hloc_run_targets[];
/* The target called |name|, or NULL. */
const hloc_run_target *hloc_run_target_find(const char *name);

#endif
