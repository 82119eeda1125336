/* The interface every target implements (cpu, interp, later tpusim): what the passes may ask of it
 * (preferred layouts and fusion kinds, a cost estimate) and compile(module, options) → executable.
 * An executable is described by include/hloc/abi.h metadata, so one runtime path (libffi call of
 * the typed entry point) serves every target. Nothing CPU-specific lives here. */
#ifndef HLOC_TARGETS_TARGET_H
#define HLOC_TARGETS_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "hloc/abi.h"
#include "ir.h"
#include "status.h"

typedef struct hloc_target hloc_target;
/* What compile returns (a JIT result for cpu); not the runtime's hloc_executable, which wraps
 * its metadata for calling. */
typedef struct hloc_target_exe hloc_target_exe;

typedef struct hloc_target_options {
    const char *name;     /* entry symbol; NULL: derived from the module name */
    const char *cpu;      /* target-specific processor name; NULL: the default ("native") */
    int opt_level;        /* 0..3; negative: the target's default */
    const char *dump_dir; /* NULL: no dumps */
} hloc_target_options;

/* A cost estimate for passes (fusion, layout): relative units, comparable within one target. */
typedef struct hloc_cost {
    double flops;         /* arithmetic per execution */
    double bytes;         /* memory traffic per execution */
    double transcendentals;
} hloc_cost;

struct hloc_target {
    const char *name;                          /* "cpu", "interp" */
    /* Layout the target wants for arrays of |rank| (minor_to_major into |m2m|). */
    void (*preferred_layout)(const hloc_target *t, uint32_t rank, uint8_t *m2m);
    uint32_t fusion_kinds;                     /* bit (1 << hloc_fusion_kind) per kind it can fuse */
    hloc_cost (*cost)(const hloc_target *t, const hloc_instr *i);
    /* Compiles |m| (not modified). *out is owned by the caller (destroy); on failure it is NULL
     * and the status says why (unsupported opcode or type: HLOC_STATUS_UNIMPLEMENTED). */
    hloc_status *(*compile)(const hloc_target *t, const hloc_module *m, const hloc_target_options *o,
                            hloc_target_exe **out);
    /* Valid until destroy; its entry point follows abi.h. */
    const hloc_module_metadata *(*metadata)(const hloc_target_exe *e);
    void (*destroy)(hloc_target_exe *e);       /* NULL is a no-op */
};

/* The CPU target (targets/cpu): LLVM codegen and the in-process JIT. */
const hloc_target *hloc_target_cpu(void);
/* Row-major: minor_to_major = {rank-1, ..., 0}. For targets without a preference. */
void hloc_target_row_major(const hloc_target *t, uint32_t rank, uint8_t *m2m);

#endif
