/* Shared between the evaluator's files: the evaluation context and the per-opcode kernels that
 * live outside eval.c. Each kernel reads its operands' values and fills |out|, which the caller
 * allocated with the instruction's shape (zeroed); it returns a status naming the instruction
 * on an error. */
#ifndef HLOC_HLO_EVAL_INTERNAL_H
#define HLOC_HLO_EVAL_INTERNAL_H

#include "eval.h"

typedef struct hloc_eval {
    const hloc_module *module;
    const hloc_eval_options *opts;
    hloc_arena *arena;   /* values live here */
    uint32_t depth;      /* nesting of called computations, to stop runaway recursion */
} hloc_eval;

/* Evaluates computation |c| on |args| (n == c->n_params); *out in ev->arena. */
hloc_status *hloc_eval_computation(hloc_eval *ev, const hloc_computation *c,
                                   const hloc_literal *const *args, uint32_t n, hloc_literal **out);
/* Calls a scalar computation (reducer, comparator, combiner) on scalar arguments given as raw
 * element pointers of the parameters' types; writes its scalar (or tuple of scalars) result to
 * |results| (one pointer per result leaf). Fast path for the kernels' inner loops. */
hloc_status *hloc_eval_call_scalar(hloc_eval *ev, const hloc_computation *c, const void *const *args,
                                   void *const *results);

#define EVAL_KERNEL(name)                                                                        \
    hloc_status *hloc_eval_##name(hloc_eval *ev, const hloc_instr *i,                             \
                                  const hloc_literal *const *ops, hloc_literal *out)
/* eval_window.c */
EVAL_KERNEL(reduce_window);
EVAL_KERNEL(select_and_scatter);
/* eval_conv.c */
EVAL_KERNEL(convolution);
/* eval_gather.c */
EVAL_KERNEL(gather);
EVAL_KERNEL(scatter);
/* eval_sort.c */
EVAL_KERNEL(sort);
EVAL_KERNEL(topk);
/* eval_rng.c */
EVAL_KERNEL(rng_bit_generator);
EVAL_KERNEL(rng);
/* eval_linalg.c */
EVAL_KERNEL(cholesky);
EVAL_KERNEL(triangular_solve);
EVAL_KERNEL(fft);
EVAL_KERNEL(batch_norm_training);
EVAL_KERNEL(batch_norm_inference);
EVAL_KERNEL(batch_norm_grad);

#endif
