/* Passes and pipelines. A pass is a named function that rewrites a module in place and says
 * whether it changed anything. A pipeline runs its passes in order; a fixed-point sub-pipeline
 * repeats until nothing changes (or a limit). After every change the pipeline can verify the
 * module, time the pass and dump the module, with XLA's dump names:
 *   module_NNNN.<module>.NNNN.<pipeline>.after_<pass>.before_<next>.txt                       */
#ifndef HLOC_PASSES_PASS_H
#define HLOC_PASSES_PASS_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"
#include "status.h"

typedef struct hloc_pass_ctx hloc_pass_ctx;

typedef struct hloc_pass {
    const char *name; /* as registered and as it appears in dump names and --passes */
    /* Sets *changed; returns a status only on a failure the pass cannot recover from (OOM). */
    hloc_status *(*run)(hloc_module *m, hloc_pass_ctx *ctx, bool *changed);
} hloc_pass;

enum {
    HLOC_DUMP_TEXT = 1 << 0,
    HLOC_DUMP_DOT = 1 << 1,
    HLOC_DUMP_HTML = 1 << 2,
};

typedef struct hloc_pass_options {
    const char *dump_dir;     /* NULL: no dumps */
    const char *dump_passes;  /* POSIX extended regex over pass names; NULL: dump every pass */
    unsigned dump_formats;    /* HLOC_DUMP_* bits; 0 means text */
    bool verify_each;         /* run the verifier after every pass that changed the module */
    bool exact;               /* keep results bit for bit those of the input module: skip the
                               * rewrites XLA makes that round differently (division becomes
                               * multiplication by a reciprocal) */
    bool time_passes;         /* print a timing table to timing_out when the pipeline ends */
    FILE *timing_out;         /* NULL: stderr */
    int module_id;            /* the NNNN after "module_" */
    int *dump_seq;            /* the NNNN after the module name, shared by every dump of one
                               * compilation so that files sort in order; NULL: start at 0 */
} hloc_pass_options;

hloc_pass_options hloc_pass_options_default(void);

/* What a running pass may consult. */
struct hloc_pass_ctx {
    const hloc_pass_options *opts;
};

/* A pipeline step: a pass, or a nested pipeline run to a fixed point. */
typedef struct hloc_pipeline hloc_pipeline;

/* Creates an empty pipeline named |name| (the name goes into dump file names). */
hloc_pipeline *hloc_pipeline_create(const char *name);
void hloc_pipeline_destroy(hloc_pipeline *p); /* also destroys nested pipelines; NULL is a no-op */
bool hloc_pipeline_add_pass(hloc_pipeline *p, const hloc_pass *pass);
/* Adds |sub| (now owned by |p|), run repeatedly until no pass in it changes the module, at most
 * |max_iterations| times. */
bool hloc_pipeline_add_fixed_point(hloc_pipeline *p, hloc_pipeline *sub, int max_iterations);

/* Builds a pipeline from a comma-separated list of registered pass names ("dce,cse"). An unknown
 * name is an error that lists the known ones. */
hloc_status *hloc_pipeline_parse(const char *name, const char *list, hloc_pipeline **out);
/* hloc's default optimization pipeline. */
hloc_pipeline *hloc_pipeline_default(void);

/* Registered passes. */
const hloc_pass *hloc_pass_find(const char *name);
const hloc_pass *const *hloc_pass_list(void); /* NULL-terminated */

/* Runs |p| on |m|. *changed (may be NULL) says whether anything changed. A verifier failure after
 * a pass is an error naming the pass. */
hloc_status *hloc_pipeline_run(const hloc_pipeline *p, hloc_module *m, const hloc_pass_options *o,
                               bool *changed);

/* Writes the module with suffix |what| ("before_optimizations") into the dump directory of |o| in
 * every format it asks for. A no-op without a dump directory. */
hloc_status *hloc_dump_module(const hloc_module *m, const hloc_pass_options *o, int *dump_seq,
                              const char *what);
/* Writes |text| to <dump_dir>/module_NNNN.<module>.NNNN.<what>.<ext> (a suffix-free form for
 * reports such as the buffer assignment). A no-op without a dump directory. */
hloc_status *hloc_dump_text(const hloc_module *m, const hloc_pass_options *o, int *dump_seq,
                            const char *what, const char *ext, const char *text);

#endif
