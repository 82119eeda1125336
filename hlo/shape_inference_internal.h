/* Shared by the shape-inference files (one per opcode family) and the verifier: the inference
 * context, error reporting that names the instruction, and small shape checks. Internal to hlo/. */
#ifndef HLOC_HLO_SHAPE_INFERENCE_INTERNAL_H
#define HLOC_HLO_SHAPE_INFERENCE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "verify.h"

/* One inference: the instruction, where tuple results go, where errors go. The string slots give
 * messages a few formatted shapes without allocating. */
typedef struct hloc_si {
    const hloc_instr *i;
    hloc_arena *a;
    hloc_diag *d;
    char strs[4][192];
    unsigned next_str;
} hloc_si;

/* Reports "'name': <msg>" at the instruction's location; always returns false. */
bool hloc_si_fail(hloc_si *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The shape without layout, e.g. "f32[2,3]" or "(s32[], f32[4])"; valid for the next 3 calls. */
const char *hloc_si_str(hloc_si *s, const hloc_shape *shape);
/* Formats |shape| into buf (always NUL-terminated). */
void hloc_si_format_shape(char *buf, size_t n, const hloc_shape *shape);

/* Operand k's shape (k < n_operands is the caller's job). */
static inline const hloc_shape *hloc_si_op(const hloc_si *s, uint32_t k) {
    return &s->i->operands[k]->shape;
}

/* Checks, each reporting its own error naming operand k. */
bool hloc_si_need_array(hloc_si *s, uint32_t k);
bool hloc_si_need_rank(hloc_si *s, uint32_t k, uint32_t rank);
bool hloc_si_need_scalar(hloc_si *s, uint32_t k);
bool hloc_si_need_type(hloc_si *s, uint32_t k, hloc_type t);
bool hloc_si_need_operands(hloc_si *s, uint32_t min, uint32_t max); /* max UINT32_MAX = any */
/* |dims| (count n) are each in [0, rank) and distinct; |what| names the attribute. */
bool hloc_si_check_dims(hloc_si *s, const int64_t *dims, uint32_t n, uint32_t rank,
                        const char *what);

/* Shapes with the default layout. */
hloc_shape hloc_si_array(hloc_type t, uint32_t rank, const int64_t *dims);
/* A tuple of copies of |elems| in the arena; false (reported) on out-of-memory. */
bool hloc_si_tuple(hloc_si *s, const hloc_shape *elems, uint32_t n, hloc_shape *out);
/* The shape with every layout reset to the default, elements copied into the arena. */
hloc_shape hloc_si_strip_layout(hloc_si *s, const hloc_shape *shape);

/* Same dims and element type, layouts ignored; bounded dims compare by bound. */
bool hloc_si_same(const hloc_shape *a, const hloc_shape *b);
bool hloc_si_same_dims(const hloc_shape *a, const hloc_shape *b);

/* Called computation k of the instruction, with a reported error when it is missing. */
const hloc_computation *hloc_si_callee(hloc_si *s, uint32_t k, const char *role);
/* Checks that |c| takes n params of shapes |params| and returns |result| (NULL: any). */
bool hloc_si_check_signature(hloc_si *s, const hloc_computation *c, const char *role,
                             const hloc_shape *const *params, uint32_t n, const hloc_shape *result);
/* Checks that |c| is a reducer for n values: takes 2n scalars (accumulators, then values) and
 * returns the n accumulators (a tuple when n > 1). Accumulators must fit |init| and values |in|
 * (in NULL = init) up to float precision, as in XLA. Sets acc[k] to the accumulator types. */
bool hloc_si_check_reducer(hloc_si *s, const hloc_computation *c, const char *role,
                           const hloc_type *init, const hloc_type *in, uint32_t n, hloc_type *acc);

/* Windows (reduce-window, select-and-scatter, convolution): |w| has n dims with sane sizes,
 * strides and dilations; the output size of one dimension over a base of |base| elements. */
bool hloc_si_check_window(hloc_si *s, const hloc_window *w, uint32_t n);
int64_t hloc_si_window_out(const hloc_window_dim *w, int64_t base);

/* The verifier's layout-sensitive part (verify_layouts.c); returns the number of errors. */
uint32_t hloc_verify_layouts(const hloc_module *m, hloc_diag *d);

/* The families; each handles the opcodes its file lists. Operand counts of fixed-arity opcodes
 * are already checked by the dispatcher. */
bool hloc_infer_elementwise(hloc_si *s, hloc_shape *out);
bool hloc_infer_shape_op(hloc_si *s, hloc_shape *out);
bool hloc_infer_dot_conv(hloc_si *s, hloc_shape *out);
bool hloc_infer_reduce_op(hloc_si *s, hloc_shape *out);
bool hloc_infer_gather_scatter(hloc_si *s, hloc_shape *out);
bool hloc_infer_control(hloc_si *s, hloc_shape *out);
bool hloc_infer_misc(hloc_si *s, hloc_shape *out);

#endif
