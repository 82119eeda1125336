/* Runs emitted code (an hloc_executable of the runtime: a loaded .so or wrapped JIT metadata) on
 * host literals: the bridge between `hloc run`, the conformance runner and the cpu target's
 * hloc_cpu_run_literals, which hold values as
 * literals in logical row-major order, and the entry point, which takes dense buffers in each
 * shape's layout. */
#ifndef HLOC_TARGETS_RUN_EXEC_H
#define HLOC_TARGETS_RUN_EXEC_H

#include "hloc/runtime.h"
#include "literal.h"
#include "status.h"

/* Runs |e| with the array leaves of |args| (depth-first) as its parameters. The results are
 * gathered into *out, allocated in |arena|: shaped as |result_shape| when given (the module's
 * root: a tuple's leaves are the results in order), else as the metadata says (one array, or a
 * tuple of the results when there are several). |opts| may be NULL. Buffer mismatches come back
 * as the runtime's errors naming the parameter or result. */
hloc_status *hloc_run_executable(const hloc_executable *e, const hloc_literal *const *args,
                                 uint32_t n_args, const hloc_shape *result_shape,
                                 const hloc_run_options *opts, hloc_arena *arena,
                                 hloc_literal **out);

/* Same, running the entry |repeat| (>= 1) times on the same buffers; seconds[k] (when not NULL,
 * |repeat| entries) receives the wall time of run k: the runtime's call alone, not the copies in
 * and out. When |opts| has no scratch, one block of the module's scratch size is allocated for
 * all runs (so that no run pays for the entry allocating its own). The results are the last
 * run's. */
hloc_status *hloc_run_executable_timed(const hloc_executable *e, const hloc_literal *const *args,
                                       uint32_t n_args, const hloc_shape *result_shape,
                                       const hloc_run_options *opts, uint32_t repeat,
                                       double *seconds, hloc_arena *arena, hloc_literal **out);

/* The array shape (with its layout) a buffer description stands for; false if it cannot be one
 * (rank above HLOC_MAX_RANK, unknown type). */
bool hloc_shape_from_desc(const hloc_buffer_desc *d, hloc_shape *out);

/* For `hloc run MODEL.so`: the shapes of |e|'s parameters (in |arena|, *out_n of them), so that
 * inputs can be read or made as for an HLO module's entry; then hloc_run_executable() with a NULL
 * result shape. UNIMPLEMENTED for a parameter no array shape can hold. */
hloc_status *hloc_executable_param_shapes(const hloc_executable *e, hloc_arena *arena,
                                          hloc_shape **out, uint32_t *out_n);

#endif
