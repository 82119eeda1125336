/* The CPU target: HLO module → LLVM IR (codegen/) → optimized native code, as an object file (AOT)
 * or in-process through LLVM ORC LLJIT (JIT). The emitted entry point and metadata follow
 * include/hloc/abi.h. Only this folder links LLVM. */
#ifndef HLOC_TARGETS_CPU_CPU_H
#define HLOC_TARGETS_CPU_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hloc/abi.h"
#include "eval.h"
#include "ir.h"
#include "literal.h"
#include "status.h"

/* Time spent in a phase: wall clock, and CPU time of this process and the children it waited for
 * (a loaded machine stretches the first, not the second). */
typedef struct hloc_phase_time {
    double wall, cpu;
} hloc_phase_time;
/* Now, on both clocks; hloc_phase_add accumulates what passed since |t0|. */
hloc_phase_time hloc_phase_clock(void);
void hloc_phase_add(hloc_phase_time *acc, hloc_phase_time t0);

/* Each phase of one compile, for --time-passes (filled when the options point at one). */
typedef struct hloc_cpu_timings {
    hloc_phase_time codegen;  /* HLO → LLVM IR (codegen/) */
    hloc_phase_time verify;   /* LLVM's module verifier */
    hloc_phase_time optimize; /* the new pass manager's default<On> pipeline */
    hloc_phase_time emit;     /* instruction selection and object emission */
} hloc_cpu_timings;

typedef struct hloc_cpu_options {
    const char *name;     /* entry symbol NAME (abi.h); NULL: derived from the module name */
    const char *cpu;      /* "native" (default), "x86-64-v3", "znver4", ...: its LLVM features go
                           * into the metadata (abi.h cpu_features) and pick the GEMM tile */
    int opt_level;        /* 0..3, default 2 */
    const char *dump_dir; /* write NAME.ir-no-opt.ll, NAME.ir-with-opt.ll, NAME.s there; NULL: none */
    /* custom-call targets (eval.h's legacy CPU ABI), for the JIT only: its code calls these
     * addresses. Unregistered targets, and any target in an AOT object, are a NOT_FOUND error. */
    const hloc_custom_call *custom_calls;
    uint32_t n_custom_calls;
    bool no_fusion;       /* every instruction its own loop nest (benchmark baseline) */
    hloc_cpu_timings *timings; /* NULL: not measured */
} hloc_cpu_options;

/* AOT: compiles |m| to a relocatable ELF object in memory (*out_obj, *out_len, free()). The object
 * defines NAME and NAME_metadata, and hloc_module_info when |shared| is true (it is going into a
 * shared object). Needs nothing beyond libc/libm at link time. */
hloc_status *hloc_cpu_compile_object(const hloc_module *m, const hloc_cpu_options *o, int shared,
                                     void **out_obj, size_t *out_len);

/* JIT: compiles |m| in-process. *out is owned by the caller (hloc_cpu_jit_destroy). The metadata
 * (and its entry pointer) stay valid until then. Thread-safe: several threads may compile at once.
 * The code runs here, so o->cpu must be one whose features this CPU has: otherwise an
 * INVALID_ARGUMENT status names what is missing, before anything is compiled. An unknown CPU
 * name is INVALID_ARGUMENT too (for AOT as well). */
typedef struct hloc_cpu_jit hloc_cpu_jit;
hloc_status *hloc_cpu_jit_compile(const hloc_module *m, const hloc_cpu_options *o, hloc_cpu_jit **out);
const hloc_module_metadata *hloc_cpu_jit_metadata(const hloc_cpu_jit *j);
void hloc_cpu_jit_destroy(hloc_cpu_jit *j);

/* Compiles |m| with the JIT and runs it once on host literals (logical row-major, one per entry
 * parameter with its dims and type), for `hloc run` and the conformance runner (tools/run_target.h).
 * *out (a tuple literal for tuple-shaped roots) lives in |arena|. Buffers in non-default layouts
 * are converted on the way in and out. */
hloc_status *hloc_cpu_run_literals(const hloc_module *m, const hloc_cpu_options *o,
                                   const hloc_literal *const *args, uint32_t n_args,
                                   hloc_arena *arena, hloc_literal **out);
/* Same, passing |ro| (may be NULL) to the entry point: scratch, parallel_for, threads. */
hloc_status *hloc_cpu_run_literals_opts(const hloc_module *m, const hloc_cpu_options *o,
                                        const hloc_run_options *ro, const hloc_literal *const *args,
                                        uint32_t n_args, hloc_arena *arena, hloc_literal **out);

#endif
