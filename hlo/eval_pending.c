/* TEMPORARY: placeholders for the evaluator kernels that the "evalb" helper writes in
 * eval_window.c, eval_conv.c, eval_gather.c, eval_sort.c, eval_rng.c and eval_linalg.c. This file
 * is deleted (and dropped from hlo/meson.build) when evalb's files land on main; until then each
 * kernel reports that its instruction is not implemented yet, so nothing is silently wrong. */
#include "eval_internal.h"

#define PENDING(name)                                                                              \
    EVAL_KERNEL(name) {                                                                            \
        (void)ev;                                                                                  \
        (void)ops;                                                                                 \
        (void)out;                                                                                 \
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "%s is not implemented yet",           \
                              hloc_opcode_name(i->op));                                            \
    }

PENDING(reduce_window)
PENDING(select_and_scatter)
PENDING(convolution)
PENDING(gather)
PENDING(scatter)
PENDING(sort)
PENDING(topk)
PENDING(rng_bit_generator)
PENDING(rng)
PENDING(cholesky)
PENDING(triangular_solve)
PENDING(fft)
PENDING(batch_norm_training)
PENDING(batch_norm_inference)
PENDING(batch_norm_grad)
