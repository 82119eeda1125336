/* hloc JIT C API: compile HLO text or a file in-process (LLVM ORC) and run it on caller buffers,
 * through the same runtime path as a loaded .so (hloc/runtime.h). Compiling and running from
 * several threads at once is safe: each hloc_jit_module owns its code and thread pool, and one
 * module may be run from several threads at once (each call brings its own buffers).
 *
 *   hloc_jit_options o;
 *   hloc_jit_options_init(&o);             // defaults, then the HLOC_FLAGS environment variable
 *   hloc_jit_module *m = NULL;
 *   hloc_status *st = hloc_jit_compile_file("model.hlo", &o, &m);
 *   if (!st) st = hloc_jit_run(m, params, n_params, results, n_results);
 *   ...
 *   hloc_jit_destroy(m);                                                                       */
#ifndef HLOC_JIT_H
#define HLOC_JIT_H

#include <stddef.h>

#include "hloc/hloc.h"
#include "hloc/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hloc_jit_options {
    const char *cpu;          /* "native" (default), "x86-64-v3", "znver4", ...: the code runs
                               * here, so a CPU with features this one lacks is refused (an
                               * INVALID_ARGUMENT status naming them; AOT-compile for it instead) */
    int opt_level;            /* 0..3, default 2 */
    int threads;              /* threads of the module's pool, counting the caller; <= 0: one per CPU */
    const char *passes;       /* comma-separated pass list; NULL: the default pipeline */
    const char *dump_dir;     /* NULL: no dumps; else as `hloc opt --dump-dir` (and LLVM IR) */
    const char *dump_passes;  /* regex over pass names; NULL: all */
    const char *dump_format;  /* "text", "dot", "html" or a comma list; NULL: text */
    int time_passes;          /* print pass timings to stderr */
    int verify_each;          /* verify after every pass that changed the module */
    int exact;                /* skip the rewrites that round differently (hloc opt --exact) */
} hloc_jit_options;

/* Fills |o| with the defaults, then applies the HLOC_FLAGS environment variable if set: flags as
 * on the command line, separated by blanks: --cpu=NAME -O0..-O3 --threads=N --passes=LIST
 * --dump-dir=DIR --dump-passes=REGEX --dump-format=LIST --time-passes --verify-each --exact. Strings point
 * into a copy that lives until the process ends. Returns NULL, or INVALID_ARGUMENT naming an
 * unknown or malformed flag (|o| then holds the defaults and the flags before it). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_jit_options_init(hloc_jit_options *o);

typedef struct hloc_jit_module hloc_jit_module;

/* Parses, verifies, optimizes and compiles |len| bytes of HLO text (|name| names it in messages;
 * NULL: "<input>"). |o| may be NULL (hloc_jit_options_init's result). On success *out is owned by
 * the caller (hloc_jit_destroy()); on failure it is NULL and the status says what is wrong:
 * "name:line:col: error: ..." for bad input, UNIMPLEMENTED for what the CPU backend cannot do. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_jit_compile_text(const char *text, size_t len, const char *name,
                                                          const hloc_jit_options *o, hloc_jit_module **out);
/* Same for the file at |path| (missing file: NOT_FOUND naming it). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_jit_compile_file(const char *path, const hloc_jit_options *o,
                                                          hloc_jit_module **out);

/* The compiled module as a runtime executable (borrowed; valid until hloc_jit_destroy()): its
 * metadata describes the parameters and results the buffers of hloc_jit_run() must match. */
HLOC_API const hloc_executable *hloc_jit_executable(const hloc_jit_module *m);

/* Runs the module on the caller's buffers with its thread pool: as hloc_executable_run(), so a
 * wrong count, type or size is INVALID_ARGUMENT naming the buffer, and nothing is written then. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_jit_run(const hloc_jit_module *m, const hloc_buffer *params,
                                                 size_t n_params, const hloc_buffer *results,
                                                 size_t n_results);

HLOC_API void hloc_jit_destroy(hloc_jit_module *m); /* NULL is a no-op */

#ifdef __cplusplus
}
#endif
#endif /* HLOC_JIT_H */
