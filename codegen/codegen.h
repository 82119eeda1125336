/* Target-independent LLVM IR emission for an HLO module: the entry function with the ABI of
 * include/hloc/abi.h, its metadata, and everything it calls. Targets (targets/cpu) add the target
 * machine, optimization and object or JIT output. */
#ifndef HLOC_CODEGEN_CODEGEN_H
#define HLOC_CODEGEN_CODEGEN_H

#include <llvm-c/Core.h>
#include <stdbool.h>

#include "buffer_assignment.h"
#include "eval.h"
#include "ir.h"
#include "status.h"

/* The scratch arena of an emitted module: the buffer plan's part (every entry-level temporary)
 * and codegen's internal scratch after it (nested computations' temporaries, work space). */
typedef struct hloc_codegen_arena {
    uint64_t plan_bytes, internal_bytes, total_bytes; /* total = metadata scratch_bytes */
} hloc_codegen_arena;

typedef struct hloc_codegen_options {
    const char *name;        /* entry symbol NAME; NAME_metadata is the metadata */
    const char *target_desc; /* metadata "target" string, e.g. "x86_64-pc-linux-gnu znver4" */
    const char *target_features; /* LLVM feature string ("+avx2,+fma,..."); NULL: assume none
                                  * (the GEMM kernel's vector width and tile follow it) */
    bool shared;             /* also define hloc_module_info() (going into a shared object) */
    bool flush_denormals;    /* x86 only: run with MXCSR FTZ|DAZ set, as XLA's CPU runtime does */
    /* custom-call targets with an address known now (JIT), called through it with XLA's legacy
     * CPU ABI, void target(void *out, const void **in). Any other target is an error. */
    const hloc_custom_call *custom_calls;
    uint32_t n_custom_calls;
    bool no_inlining;        /* materialize every instruction in its own loop nest (no implicit
                              * fusion): the baseline that shows what fusion buys */
    hloc_codegen_arena *arena; /* filled on success when not NULL */
} hloc_codegen_options;

/* Emits |m| (its entry computation and everything reachable) into a new LLVM module in |ctx|.
 * On success *out is owned by the caller (LLVMDisposeModule); on failure it is NULL and the status
 * names the instruction and what is not supported. Does not modify |m|. */
hloc_status *hloc_codegen_emit(const hloc_module *m, LLVMContextRef ctx,
                               const hloc_codegen_options *o, LLVMModuleRef *out);

/* The buffer plan codegen follows for |m| with options |o| (its inlining and result-buffer
 * choices included), for reports. The caller destroys it (hloc_buffer_plan_destroy). */
hloc_status *hloc_codegen_plan_buffers(const hloc_module *m, const hloc_codegen_options *o,
                                       hloc_buffer_plan **out);

#endif
