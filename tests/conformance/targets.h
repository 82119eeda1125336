/* The targets the conformance runner can run a case on, behind one small interface: a target
 * takes a parsed module and host literals and returns the result as a literal. The cpu target
 * (codegen/targets) joins the table in targets.c with one line. */
#ifndef HLOC_TESTS_CONFORMANCE_TARGETS_H
#define HLOC_TESTS_CONFORMANCE_TARGETS_H

#include <stdint.h>

#include "ir.h"
#include "literal.h"
#include "status.h"

typedef struct conf_target {
    const char *name;    /* the --target value */
    const char *summary; /* one line for --help */
    /* Runs the entry computation of |m| on |args| (one literal per entry parameter, shapes as the
     * parameters'); *out (a tuple literal for tuple-shaped roots) lives in |arena|. Failures
     * (unsupported op, compile error) come back as a status; *out is then NULL. */
    hloc_status *(*run)(const hloc_module *m, const hloc_literal *const *args, uint32_t n_args,
                        hloc_arena *arena, hloc_literal **out);
} conf_target;

/* NULL-terminated table of every target built in. */
extern const conf_target *const conf_targets[];
/* The target called |name|, or NULL. */
const conf_target *conf_target_find(const char *name);

#endif
