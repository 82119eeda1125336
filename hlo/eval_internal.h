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
    uint32_t *slot;      /* instruction id -> position in its computation's instrs */
    uint32_t n_slots;    /* ids of the evaluated module; callees of another module are searched */
    hloc_arena *scalar_arena; /* hloc_eval_call_scalar's interpreter, reset per call */
    bool scalar_busy;    /* scalar_arena is in use by an enclosing call */
    const hloc_computation *fast_c; /* hloc_eval_call_scalar's last callee and how it runs */
    int fast_kind;
} hloc_eval;

enum { HLOC_EVAL_MAX_DEPTH = 64 };

/* Sets up |ev| for module |m| (values in |arena|, which the caller owns); false on out-of-memory.
 * hloc_eval_fini releases what init allocated. */
bool hloc_eval_init(hloc_eval *ev, const hloc_module *m, const hloc_eval_options *opts,
                    hloc_arena *arena);
void hloc_eval_fini(hloc_eval *ev);
/* Evaluates computation |c| on |args| (n == c->n_params); *out in ev->arena. */
hloc_status *hloc_eval_computation(hloc_eval *ev, const hloc_computation *c,
                                   const hloc_literal *const *args, uint32_t n, hloc_literal **out);
/* Calls a scalar computation (reducer, comparator, combiner) on scalar arguments given as raw
 * element pointers of the parameters' types; writes its scalar (or tuple of scalars) result to
 * |results| (one pointer per result leaf). Fast path for the kernels' inner loops. */
hloc_status *hloc_eval_call_scalar(hloc_eval *ev, const hloc_computation *c, const void *const *args,
                                   void *const *results);

/* A status for an error at |i|: "file:line:col: name (opcode): message" (the position when known). */
hloc_status *hloc_eval_fail(const hloc_instr *i, hloc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The element type's name and dims, e.g. "f32[2,3]", into |buf|. */
const char *hloc_eval_shape_str(const hloc_shape *s, char *buf, size_t n);

/* Row-major offsets into an array of shape |s| of every index combination of its dimensions
 * |dims[0..n)| (the others at 0), enumerated with dims[n-1] fastest; *count gets their number.
 * In |a|; NULL on out-of-memory. */
int64_t *hloc_eval_offsets(hloc_arena *a, const hloc_shape *s, const int64_t *dims, uint32_t n,
                           int64_t *count);

/* Checks that |c| can be called through hloc_eval_call_scalar with scalar arguments of types
 * |params[0..n_params)| and that its result leaves have types |results[0..n_results)| (a single
 * non-tuple result when n_results == 1), so the raw element pointers never under- or overrun.
 * The error names instruction |i|. */
hloc_status *hloc_eval_check_scalar_call(const hloc_instr *i, const hloc_computation *c,
                                         const hloc_type *params, uint32_t n_params,
                                         const hloc_type *results, uint32_t n_results);

#define EVAL_KERNEL(name)                                                                        \
    hloc_status *hloc_eval_##name(hloc_eval *ev, const hloc_instr *i,                             \
                                  const hloc_literal *const *ops, hloc_literal *out)
/* Kernels of evala's files. */
/* eval_elementwise.c: every OPF_EW opcode, plus bitcast-convert. */
EVAL_KERNEL(elementwise);
EVAL_KERNEL(bitcast_convert);
/* eval_shape_ops.c */
EVAL_KERNEL(broadcast);
EVAL_KERNEL(reshape);
EVAL_KERNEL(bitcast);
EVAL_KERNEL(transpose);
EVAL_KERNEL(slice);
EVAL_KERNEL(dynamic_slice);
EVAL_KERNEL(dynamic_update_slice);
EVAL_KERNEL(concatenate);
EVAL_KERNEL(pad);
EVAL_KERNEL(reverse);
EVAL_KERNEL(iota);
/* eval_reduce.c */
EVAL_KERNEL(reduce);
EVAL_KERNEL(map);
/* eval_dot.c */
EVAL_KERNEL(dot);
/* eval_control.c: opcodes whose value is computed by called computations or passes an operand
 * through; *out is set to a literal in ev->arena (possibly shared with an operand: values are
 * immutable). Returns UNIMPLEMENTED for opcodes it does not handle. */
hloc_status *hloc_eval_control(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                               hloc_literal **out);

/* evalb's files. */
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
