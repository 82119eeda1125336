/* Shared by cpu.c (AOT objects) and jit.c: LLVM initialization, target machines and the
 * emit → verify → optimize pipeline for one module. */
#ifndef HLOC_TARGETS_CPU_CPU_INTERNAL_H
#define HLOC_TARGETS_CPU_CPU_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>

#include "cpu.h"

/* Initializes LLVM's native target once per process (thread-safe). */
void hloc_cpu_init_llvm(void);
/* A target machine for the host triple and o->cpu ("native" by default). Caller disposes it. */
hloc_status *hloc_cpu_target_machine(const hloc_cpu_options *o, LLVMTargetMachineRef *out);
/* The entry symbol: o->name, or the module name made into a C identifier. Caller frees it. */
char *hloc_cpu_entry_name(const hloc_module *m, const hloc_cpu_options *o);
/* Emits |m| into |ctx|, verifies and optimizes it for |tm|, and writes the dumps o asks for.
 * On success *out is owned by the caller. */
hloc_status *hloc_cpu_build_module(const hloc_module *m, const hloc_cpu_options *o, const char *name,
                                   int shared, LLVMContextRef ctx, LLVMTargetMachineRef tm,
                                   LLVMModuleRef *out);
/* The LLVM features the code |tm| generates may use, as "+avx,+avx2,..." (features.c). On success
 * *out is malloc'd and owned by the caller. */
hloc_status *hloc_cpu_features(LLVMTargetMachineRef tm, char **out);
/* Whether LLVM knows |cpu| for |triple| (x86-64; other targets: assumed). *err: a failure of
 * the check itself. */
bool hloc_cpu_known(LLVMTargetRef target, const char *triple, const char *cpu, hloc_status **err);
/* A status from an LLVMErrorRef (consumed), prefixed with |what|. */
hloc_status *hloc_cpu_llvm_error(LLVMErrorRef e, const char *what);

#endif
