/* The ABI between code that hloc emits (AOT .so/.o files and JIT results) and whoever calls it
 * (the hloc runtime or a user's C program). Emitted code depends on nothing beyond libc/libm.
 *
 * Every emitted module exports:
 *   void NAME(const void *param0, ..., void *result0, ..., const hloc_run_options *opts);
 *     one pointer per entry parameter, then one per result leaf (tuples flattened depth-first),
 *     each to a dense buffer in the shape's layout (row-major unless the HLO says otherwise);
 *     opts may be NULL: then it runs on the calling thread and mallocs its own scratch.
 *   const hloc_module_metadata NAME_metadata;   describes the above
 *   const hloc_module_metadata *hloc_module_info(void);   (shared objects only) the same, under a
 *     fixed name, so that a loader can find it without knowing NAME.
 * Buffers must not overlap, except that a result that the module's input_output_alias pairs with a
 * parameter (listed in the metadata's aliases) may be given exactly that parameter's buffer: the
 * entry then finishes reading the parameter before the result is written (a donated buffer). */
#ifndef HLOC_ABI_H
#define HLOC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HLOC_ABI_MAGIC 0x434f4c48u /* "HLOC" little-endian */
/* Version 3 added cpu_features. Loaders still read version 2 (no feature list: run as before);
 * run options of version 2 and 3 are the same struct. */
#define HLOC_ABI_VERSION 3u

/* Element type codes are the values of hlo's hloc_type enum (types.def order, PRED = 1). */
typedef struct hloc_buffer_desc {
    const char *name;       /* parameter or result name, e.g. "Arg_0.1", "out0" */
    uint32_t type;          /* element type code */
    uint32_t rank;
    const int64_t *dims;    /* logical dims */
    const int64_t *minor_to_major; /* layout */
    uint64_t bytes;         /* dense size in bytes */
} hloc_buffer_desc;

/* One input_output_alias pair: result leaf |result| may be passed the buffer of parameter |param|
 * (the same address; both have the same shape). must_alias: the module was built expecting it. */
typedef struct hloc_alias_desc {
    uint32_t result, param, must_alias;
} hloc_alias_desc;

typedef struct hloc_module_metadata {
    uint32_t magic;         /* HLOC_ABI_MAGIC */
    uint32_t version;       /* HLOC_ABI_VERSION */
    const char *name;       /* NAME */
    const char *target;     /* e.g. "x86_64-unknown-linux-gnu znver4" */
    uint32_t n_params, n_results;
    const hloc_buffer_desc *params;
    const hloc_buffer_desc *results;
    uint64_t scratch_bytes; /* scratch the entry needs; 0 = none */
    void (*entry)(void);    /* the typed entry point, to be cast to its real type */
    uint32_t n_aliases;     /* input_output_alias pairs (version 2) */
    const hloc_alias_desc *aliases;
    /* (version 3) The CPU features the code may use: the LLVM target features of the CPU it was
     * compiled for, comma-separated, e.g. "64bit,avx,avx2,bmi,fma,..."; NULL or "": none recorded.
     * A loader refuses to run the entry on a CPU that lacks one of them (it would fault on the
     * first such instruction). Absent from version-2 metadata: read it only when version >= 3. */
    const char *cpu_features;
} hloc_module_metadata;

/* Runs task(arg, i) for every i in [0, n_tasks), possibly in parallel, and returns when all are
 * done. Supplied by the runtime's thread pool or by the user. */
typedef void (*hloc_task_fn)(void *arg, int64_t i);
typedef void (*hloc_parallel_for_fn)(void *ctx, int64_t n_tasks, hloc_task_fn task, void *arg);

typedef struct hloc_run_options {
    uint32_t version;               /* HLOC_ABI_VERSION (2 is accepted too: same fields) */
    void *scratch;                  /* >= scratch_bytes, 64-byte aligned; NULL: entry mallocs */
    uint64_t scratch_bytes;
    hloc_parallel_for_fn parallel_for; /* NULL: run on the calling thread */
    void *parallel_ctx;
    int32_t n_threads;              /* how many tasks parallel_for may run at once */
} hloc_run_options;

#ifdef __cplusplus
}
#endif
#endif
