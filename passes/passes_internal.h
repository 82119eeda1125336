/* Helpers shared by the rewriting passes. */
#ifndef HLOC_PASSES_INTERNAL_H
#define HLOC_PASSES_INTERNAL_H

#include <stdbool.h>

#include "ir.h"
#include "pass.h"

/* Creates an instruction named "<opcode>.<n>" with an n that no instruction of |c|'s module uses
 * yet (names are unique module-wide). NULL on out-of-memory. */
hloc_instr *hloc_pass_new_instr(hloc_computation *c, hloc_opcode op, const hloc_shape *shape,
                                hloc_instr *const *operands, uint32_t n_operands);
/* A fresh module-wide unique name starting with |base| (arena string). */
const char *hloc_pass_fresh_name(hloc_module *m, const char *base);

/* Copies |i| (attributes, called computations, control predecessors dropped) into |c| with
 * |operands|; the name is fresh. */
hloc_instr *hloc_instr_clone_into(hloc_computation *c, const hloc_instr *i, hloc_instr *const *operands,
                                  const char *name);

/* Makes every use of |old| use |with|, then kills |old| if it is now unused and not a parameter. */
void hloc_pass_replace(hloc_instr *old, hloc_instr *with);

/* Whether removing an unused |i| is safe: no side effects, not a parameter. */
bool hloc_instr_is_removable(const hloc_instr *i);

/* Scalar constants and splats: if |i| is a constant whose elements are all equal, or a broadcast
 * of such a constant, stores the element as a double and returns true. */
bool hloc_splat_value(const hloc_instr *i, double *value);

/* Computations reachable from the entry (callees included), as a bitmap by computation id. */
bool *hloc_reachable_computations(const hloc_module *m);

/* A module for evaluating pieces of |m| (constant folding, trip counts): its ids start above |m|'s
 * and it lists |m|'s computations (borrowed, not owned), so the evaluator can walk callees of |m|.
 * Add the entry computation, then hloc_evaluate; hloc_module_destroy frees only the scratch. */
hloc_module *hloc_pass_scratch_module(const hloc_module *m);

/* algsimp's dot rules (algsimp_dot.c): the instruction replacing dot |i|, or NULL. */
hloc_instr *hloc_algsimp_dot(hloc_instr *i);
/* algsimp's divide rules (algsimp_divide.c): the instruction replacing divide |i|, or NULL. */
hloc_instr *hloc_algsimp_divide(hloc_instr *i);

/* Runs hloc_computation_cleanup on every computation; false if one has a cycle. */
bool hloc_module_cleanup(hloc_module *m);

#endif
