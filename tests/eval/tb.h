/* A small builder for the evaluator's tests: one module, an entry computation with array
 * parameters whose argument values are given inline, and a helper to evaluate a root. */
#ifndef HLOC_TESTS_EVAL_TB_H
#define HLOC_TESTS_EVAL_TB_H

#include <check.h>
#include <stdint.h>

#include "eval.h"

enum { TB_MAX_PARAMS = 8 };

typedef struct tb {
    hloc_module *m;
    hloc_computation *c;       /* the computation instructions go to (entry by default) */
    hloc_computation *entry;
    hloc_arena *a;             /* arguments and results */
    hloc_literal *args[TB_MAX_PARAMS];
    uint32_t n_args;
} tb;

void tb_init(tb *t);
void tb_fini(tb *t);
/* Shapes: rank 0 when n < 0, else [n]. */
hloc_shape tb_shape(hloc_type t, int64_t n);
/* An entry parameter of |ty|[n] whose argument holds |vals| (converted with the store helpers). */
hloc_instr *tb_param_f(tb *t, hloc_type ty, int64_t n, const double *vals);
hloc_instr *tb_param_i(tb *t, hloc_type ty, int64_t n, const int64_t *vals);
hloc_instr *tb_param_u(tb *t, hloc_type ty, int64_t n, const uint64_t *vals);
/* A parameter of a sub-computation (no argument). */
hloc_instr *tb_sub_param(tb *t, int64_t index, const hloc_shape *s);
hloc_instr *tb_op(tb *t, hloc_opcode op, const hloc_shape *s, hloc_instr *x, hloc_instr *y, hloc_instr *z);
hloc_instr *tb_opn(tb *t, hloc_opcode op, const hloc_shape *s, hloc_instr *const *ops, uint32_t n);
hloc_instr *tb_const_f(tb *t, hloc_type ty, int64_t n, const double *vals);
hloc_instr *tb_const_i(tb *t, hloc_type ty, int64_t n, const int64_t *vals);
/* Evaluates the entry with |root| as its root; fails the test on an error. */
hloc_literal *tb_run(tb *t, hloc_instr *root);
/* As tb_run, but returns the status (NULL on success). */
hloc_status *tb_try(tb *t, hloc_instr *root, hloc_literal **out);

#define TB_F(...) ((const double[]){__VA_ARGS__})
#define TB_I(...) ((const int64_t[]){__VA_ARGS__})
#define TB_U(...) ((const uint64_t[]){__VA_ARGS__})

/* Element k of a literal, checked bit-exactly for floats (NaN matches NaN). */
#define ck_f(l, k, want)                                                                          \
    do {                                                                                          \
        double got_ = hloc_literal_get_f64((l), (k)), want_ = (want);                             \
        ck_assert_msg((got_ != got_ && want_ != want_) ||                                        \
                          (got_ == want_ && signbit(got_) == signbit(want_)),                    \
                      "element %d: got %.17g, want %.17g", (int)(k), got_, want_);                \
    } while (0)
#define ck_i(l, k, want) ck_assert_int_eq(hloc_literal_get_i64((l), (k)), (want))
#define ck_u(l, k, want) ck_assert_uint_eq(hloc_elem_load_u64((l)->shape.type, hloc_literal_at((l), (k))), (want))

Suite *eval_elementwise_suite(void);
Suite *eval_core_suite(void);
Suite *eval_shape_ops_suite(void);
Suite *eval_corpus_suite(void);
Suite *eval_types_suite(void);
Suite *eval_robust_suite(void);

#endif
