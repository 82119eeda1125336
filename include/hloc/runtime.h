/* hloc runtime: loads code that hloc emitted (an AOT .so, or a JIT result that exposes the same
 * metadata), checks the caller's buffers against the metadata and calls the typed entry point
 * through libffi; plus a pthread pool that serves the parallel-for callback of the options.
 * A program that only runs compiled models links the runtime alone: no LLVM, no compiler. */
#ifndef HLOC_RUNTIME_H
#define HLOC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "hloc/abi.h"
#include "hloc/hloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- element types ------------------------------------------------------------------------ */

/* The element type codes of abi.h (hlo's types.def order, PRED = 1). Unknown codes give "invalid"
 * and 0 bytes; unknown names give 0. */
HLOC_API const char *hloc_runtime_type_name(uint32_t type);
HLOC_API uint32_t hloc_runtime_type_code(const char *name);
HLOC_API size_t hloc_runtime_type_bytes(uint32_t type);

/* ---- executables -------------------------------------------------------------------------- */

/* A loaded module: its metadata and, for a .so, the library handle. Immutable after load, so one
 * executable may be run from several threads at once (each with its own buffers and scratch). */
typedef struct hloc_executable hloc_executable;

/* dlopens the shared object at |path| and reads its hloc_module_info() metadata, checking the
 * magic, version (2 or 3) and that every buffer description is consistent (bytes = elements ×
 * element size), and that this CPU has the features the code was compiled for (metadata
 * cpu_features; version-2 modules have none): otherwise the entry would fault. On success *out is
 * owned by the caller (hloc_executable_unload()); on failure it is NULL and the status names the
 * file and what is wrong (missing file: NOT_FOUND; not an hloc module, an incompatible one, or one
 * this CPU cannot run: INVALID_ARGUMENT, e.g. "m.so was compiled for znver4 and needs CPU features
 * this CPU lacks: avx512bw, avx512f, ...; ..."). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_executable_load(const char *path, hloc_executable **out);

/* As hloc_executable_load(), for reading the metadata only (`hloc inspect`, header generation):
 * symbols are bound lazily, so a module whose custom-call targets are not in this process still
 * loads, and the CPU features are not checked. hloc_executable_run() refuses such an executable. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_executable_load_metadata_only(const char *path,
                                                                      hloc_executable **out);

/* Wraps metadata that is already in memory (a JIT result, or a module linked into the program)
 * after the same checks as hloc_executable_load(), CPU features included (the status then starts
 * with md->name). |md| is borrowed: it must outlive *out. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_executable_wrap(const hloc_module_metadata *md,
                                                         hloc_executable **out);

/* Unmaps the library (for a loaded .so); the metadata pointer becomes invalid. NULL is a no-op. */
HLOC_API void hloc_executable_unload(hloc_executable *e);

/* Borrowed; valid until hloc_executable_unload(). */
HLOC_API const hloc_module_metadata *hloc_executable_metadata(const hloc_executable *e);

/* A caller's buffer: |bytes| is the size of the memory at |data|, |type| its element type code. */
typedef struct hloc_buffer {
    void *data;
    uint64_t bytes;
    uint32_t type;
} hloc_buffer;

/* Runs |e| on |params| (read) and |results| (written). Before calling anything it checks the
 * counts, and every buffer's element type and byte size against the metadata, and the scratch of
 * |opts|; the first mismatch comes back as INVALID_ARGUMENT naming the buffer, e.g.
 * "parameter 1 (Arg_1.2): expected f32[2,3] (24 bytes), got 20 bytes". |opts| may be NULL (the
 * entry then runs on the calling thread and allocates its own scratch). Buffers must not overlap,
 * except that a result may be given exactly the buffer of the parameter that the module's
 * input_output_alias pairs it with (metadata aliases): that parameter is then consumed (donated).
 * Nothing is written to the results on failure. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_executable_run(const hloc_executable *e,
                                                        const hloc_buffer *params, size_t n_params,
                                                        const hloc_buffer *results,
                                                        size_t n_results,
                                                        const hloc_run_options *opts);

/* Formats a buffer description as "f32[2,3]" (plus "{0,1}" when the layout is not row-major)
 * into |buf| of |cap| bytes, truncating; returns |buf|. */
HLOC_API char *hloc_buffer_desc_format(const hloc_buffer_desc *d, char *buf, size_t cap);

/* ---- thread pool -------------------------------------------------------------------------- */

/* A fixed set of worker threads that runs parallel-for jobs (abi.h's hloc_parallel_for_fn). The
 * calling thread takes part in every job. Jobs submitted from several threads are run one after
 * another; a parallel-for called from inside a task runs inline on that thread (no deadlock). */
typedef struct hloc_thread_pool hloc_thread_pool;

/* |n_threads| counts the calling thread: 1 starts no worker; <= 0 means one per online CPU.
 * *out is owned by the caller (hloc_thread_pool_destroy()). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_thread_pool_create(int n_threads, hloc_thread_pool **out);

/* Joins the workers; no job may be running. NULL is a no-op. */
HLOC_API void hloc_thread_pool_destroy(hloc_thread_pool *pool);

HLOC_API int hloc_thread_pool_size(const hloc_thread_pool *pool);

/* The hloc_parallel_for_fn of abi.h with |ctx| = the pool: runs task(arg, i) for i in [0, n_tasks)
 * and returns when every task has finished. */
HLOC_API void hloc_thread_pool_parallel_for(void *ctx, int64_t n_tasks, hloc_task_fn task,
                                            void *arg);

/* Fills |opts| to run on |pool| (NULL: the calling thread) with no caller scratch. */
HLOC_API void hloc_run_options_init(hloc_run_options *opts, hloc_thread_pool *pool);

#ifdef __cplusplus
}
#endif
#endif /* HLOC_RUNTIME_H */
