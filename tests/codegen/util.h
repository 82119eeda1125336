/* Helpers of the codegen tests: build small modules with hlo/ir.h, compile them with the CPU JIT,
 * and call the entry point through libffi on caller buffers. */
#ifndef HLOC_TESTS_CODEGEN_UTIL_H
#define HLOC_TESTS_CODEGEN_UTIL_H

#include <check.h>

#include "cpu.h"
#include "ir.h"

typedef struct tb {
    hloc_module *m;
    hloc_computation *c; /* computation being built */
} tb;

tb tb_new(const char *name);
hloc_shape tb_shape(hloc_type t, uint32_t rank, const int64_t *dims);
hloc_instr *tb_param(tb *b, int64_t n, hloc_type t, uint32_t rank, const int64_t *dims);
hloc_instr *tb_op(tb *b, hloc_opcode op, const hloc_shape *s, uint32_t n, hloc_instr *const *ops);
hloc_instr *tb_bin(tb *b, hloc_opcode op, hloc_instr *x, hloc_instr *y);
hloc_instr *tb_un(tb *b, hloc_opcode op, hloc_instr *x);
hloc_instr *tb_const_f32(tb *b, float v);
hloc_instr *tb_const_s32(tb *b, int32_t v);
hloc_instr *tb_tuple(tb *b, uint32_t n, hloc_instr *const *ops);
/* A scalar binary computation (x op y) of type t, for reducers. */
hloc_computation *tb_scalar_comp(tb *b, const char *name, hloc_opcode op, hloc_type t);
hloc_i64_list tb_list(tb *b, uint32_t n, const int64_t *v);
/* Sets the root of the current computation and makes it the entry. */
void tb_finish(tb *b, hloc_instr *root);

/* Deterministic random contents: floats uniform in [-2, 2); signed ints in [-3, 10); unsigned
 * in [0, 10); pred 0/1. Small ints keep index operands (gather, dynamic-slice) near the valid
 * range. */
void tb_fill_random(hloc_literal *l, uint64_t *seed);

/* Random arguments (tb_fill_random, default layouts) for the first |cap| parameters of |m|'s
 * entry; the seed mixes |seed| with |name| so that every module gets its own values. Returns
 * NULL, or an out-of-memory status. */
hloc_status *tb_random_args(const hloc_module *m, const char *name, uint64_t seed, hloc_arena *a,
                            const hloc_literal **args, uint32_t cap);

/* Compiles with the JIT (-O2 unless opt given >= 0) and runs once; fails the test on errors. */
void tb_run(const hloc_module *m, int opt, void *const *params, void *const *results);
/* Compiles; returns the status (the test checks it). */
hloc_status *tb_compile(const hloc_module *m, hloc_cpu_jit **out);
/* Calls a compiled entry with params then results then NULL options. */
void tb_call(const hloc_module_metadata *md, void *const *params, void *const *results);

/* Fills |names| (up to |cap|, heap strings the caller frees) with the corpus case folders of
 * $HLOC_TEST_DATA/cases in name order, and |dir| with that folder. HLOC_CODEGEN_CASES=TEXT keeps
 * only the cases whose name contains TEXT. Fails the test if the folder cannot be read. */
uint32_t tb_case_names(char **names, uint32_t cap, char *dir, size_t dir_cap);

#endif
