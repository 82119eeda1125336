/* Test helpers: build one instruction of a kernel with operand literals, window and dim_labels
 * attributes written as in HLO text, and small scalar computations. */
#ifndef HLOC_TESTS_EVAL_KERNELS_KB_H
#define HLOC_TESTS_EVAL_KERNELS_KB_H

#include <check.h>

#include "eval_internal.h"
#include "eval_kutil.h"

typedef struct kb {
    hloc_module *m;
    hloc_computation *entry;
    hloc_eval ev;
} kb;

void kb_init(kb *b);
void kb_free(kb *b);
/* The evaluator context, set up afresh for the module as it is now (the evaluator indexes the
 * instructions that exist when it starts). */
hloc_eval *kb_ev(kb *b);
/* An array literal of type t and dims (rank n) with values vals (n_vals may be 0: zeros). */
hloc_literal *kb_lit(kb *b, hloc_type t, uint32_t rank, const int64_t *dims, const double *vals);
hloc_literal *kb_scalar(kb *b, hloc_type t, double v);
hloc_literal *kb_tuple_out(kb *b, uint32_t n, const hloc_shape *elems);
/* The instruction op on parameters shaped like ops[0..n) with result shape |shape|. */
hloc_instr *kb_instr(kb *b, hloc_opcode op, const hloc_shape *shape, hloc_literal *const *ops,
                     uint32_t n);
/* window={...} text without braces, e.g. "size=2x2 stride=1x2 pad=0_1x1_0 lhs_dilate=1x2". */
void kb_window(kb *b, hloc_instr *i, const char *text);
/* dim_labels text, e.g. "b01f_01io->b01f". */
void kb_dim_labels(hloc_instr *i, const char *text);
/* `ROOT op(p0, p1)` on scalars of type t; for compare, dir gives the direction. */
hloc_computation *kb_binop(kb *b, hloc_opcode op, hloc_type t, hloc_cmp_dir dir);
/* An i64 list copied into the module arena; KL(b, 1, 2) spells one inline, KL0 the empty one. */
hloc_i64_list kb_list(kb *b, uint32_t n, const int64_t *v);
#define KL(b, ...)                                                                                 \
    kb_list((b), sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), (int64_t[]){__VA_ARGS__})
#define KL0 ((hloc_i64_list){NULL, 0})
/* A computation with scalar parameters of |types| (returned in params[]); the caller builds the
 * body and sets c->root. */
hloc_computation *kb_comp(kb *b, uint32_t n_params, const hloc_type *types, hloc_instr **params);
/* Checks each element of |l| against want[] within tol. */
void kb_expect(const hloc_literal *l, const double *want, int64_t n, double tol);

#endif
