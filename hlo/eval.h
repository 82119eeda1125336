/* The reference evaluator: executes a module on host literals. It defines what every opcode
 * computes (XLA's operation semantics) and is the oracle for every other target. */
#ifndef HLOC_HLO_EVAL_H
#define HLOC_HLO_EVAL_H

#include <stdint.h>

#include "ir.h"
#include "literal.h"
#include "status.h"

/* A custom-call target, XLA's legacy CPU ABI: |out| is the result buffer (for a tuple result, an
 * array of pointers to the leaf buffers), |in| the operand buffers, all in row-major order. */
typedef void (*hloc_custom_call_fn)(void *out, const void **in);

typedef struct hloc_custom_call {
    const char *target;
    hloc_custom_call_fn fn;
} hloc_custom_call;

typedef struct hloc_eval_options {
    const hloc_custom_call *custom_calls; /* may be NULL */
    uint32_t n_custom_calls;
} hloc_eval_options;

/* Evaluates the entry computation of |m| on |args| (one literal per entry parameter, shapes must
 * match the parameters' dims and types). The result literal (a tuple for tuple-shaped roots) is
 * allocated in |out_arena|. Errors (wrong argument shapes, unsupported opcodes such as multi-device
 * collectives, unknown custom-call targets) come back as a status naming the instruction.
 * As XLA:CPU does, the evaluation runs with f32/f64 denormals flushed to zero (the x86 FTZ/DAZ
 * flags are set for the call and restored after it). */
hloc_status *hloc_evaluate(const hloc_module *m, const hloc_literal *const *args, uint32_t n_args,
                           const hloc_eval_options *opts, hloc_arena *out_arena,
                           hloc_literal **out_result);

#endif
