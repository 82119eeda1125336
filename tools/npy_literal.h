/* Conversions between .npy arrays (runtime/npy.h) and literals (hlo/literal.h), shared by
 * `hloc run` and the conformance runner. Both hold dense row-major data in the same storage
 * format (pred as one byte, complex as (re, im), bf16 as its 16 bits), so conversion copies. */
#ifndef HLOC_TOOLS_NPY_LITERAL_H
#define HLOC_TOOLS_NPY_LITERAL_H

#include <stddef.h>
#include <stdint.h>

#include "literal.h"
#include "npy.h"

/* The .npy dtype of an element type; HLOC_NPY_INVALID for types .npy cannot hold (s4, f8, ...). */
hloc_npy_dtype hloc_npy_dtype_of_type(hloc_type t);
/* The element type of a .npy dtype; HLOC_TYPE_INVALID for INVALID. */
hloc_type hloc_type_of_npy_dtype(hloc_npy_dtype d);

/* Writes "f32[4,8]" (no layout) into buf; returns buf. */
const char *hloc_shape_describe(const hloc_shape *s, char *buf, size_t cap);

/* Makes an array literal of shape |want| (in |arena|) from |npy|. The dtype must be the one of
 * |want|'s type. Types without a .npy dtype of their own travel in a wider carrier: bf16, f8* and
 * f4 take float32 (rounded to nearest even, as XLA's convert; the corpus stores bf16 that way,
 * exactly), s2/s4 take int8 and u2/u4 uint8 (out-of-range values are an error); dims must match. On a mismatch the status names |what|
 * (e.g. "parameter 1 (p1)") and says what was expected and what was found. */
HLOC_MUST_USE hloc_status *hloc_literal_from_npy(hloc_arena *arena, const hloc_npy_array *npy,
                                                 const hloc_shape *want, const char *what,
                                                 hloc_literal **out);

/* Copies array literal |l| into *out (cleared first; free with hloc_npy_free()). Narrow types are
 * widened exactly into their carrier (see hloc_literal_from_npy). Fails for types .npy cannot
 * hold, naming the type. */
HLOC_MUST_USE hloc_status *hloc_literal_to_npy(const hloc_literal *l, hloc_npy_array *out);

/* Array leaves of |l| depth-first (an array literal is its own one leaf; tokens have none). Stores
 * up to |cap| pointers in |leaves| and returns the total count. */
uint32_t hloc_literal_leaves(const hloc_literal *l, const hloc_literal **leaves, uint32_t cap);

#endif
