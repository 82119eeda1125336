/* Helpers shared by the evaluator's kernel files (eval_window.c, eval_conv.c, eval_gather.c,
 * eval_sort.c, eval_rng.c, eval_linalg.c): errors that name the instruction, recognition of
 * trivial scalar computations (for fast paths), and row-major index walking. */
#ifndef HLOC_HLO_EVAL_KUTIL_H
#define HLOC_HLO_EVAL_KUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "eval_internal.h"

/* An INVALID_ARGUMENT status "file:line:col: name (opcode): msg" (position omitted when
 * unknown), as hloc_eval_fail writes it. */
hloc_status *hloc_kernel_error(const hloc_instr *i, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* If |c| is `ROOT op(p0, p1)` on two scalar parameters of one type (either operand order for
 * commutative ops), returns op and sets *swapped when the root reads (p1, p0); else HLOC_OP_COUNT.
 * Kernels use it to skip hloc_eval_call_scalar for add/max/min reducers and compare comparators. */
hloc_opcode hloc_kernel_binop(const hloc_computation *c, bool *swapped);

/* Extent of a windowed dimension: base extent |n| dilated by |base_dil|, padded, then covered by
 * a window of |size| dilated by |win_dil| at |stride| (XLA's window_util::StridedBound). */
int64_t hloc_kernel_window_bound(int64_t n, int64_t size, int64_t stride, int64_t pad_lo,
                                 int64_t pad_hi, int64_t base_dil, int64_t win_dil);

/* Converts one element from type |st| at |s| to type |dt| at |d| as XLA's convert does. */
void hloc_kernel_convert(hloc_type st, const void *s, hloc_type dt, void *d);

/* The array leaf k of |l| (l itself when it is an array). */
static inline hloc_literal *hloc_kernel_leaf(hloc_literal *l, uint32_t k) {
    return l->shape.type == HLOC_TYPE_TUPLE ? &l->elems[k] : l;
}

/* Steps |idx| to the next row-major index within |dims|; false after the last one. */
static inline bool hloc_index_next(int64_t *idx, const int64_t *dims, uint32_t rank) {
    for (uint32_t d = rank; d-- > 0;) {
        if (++idx[d] < dims[d]) return true;
        idx[d] = 0;
    }
    return false;
}

/* XLA's float maximum/minimum: NaN propagates from either side. */
static inline double hloc_kernel_fmax(double a, double b) {
    return a != a ? a : b != b ? b : a >= b ? a : b;
}
static inline double hloc_kernel_fmin(double a, double b) {
    return a != a ? a : b != b ? b : a <= b ? a : b;
}

#endif
