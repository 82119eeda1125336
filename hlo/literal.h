/* Literals: array values (constants, evaluator values) and tuples of them.
 * Array data is dense in *logical row-major order* whatever the shape's layout, in the storage
 * format of element.h. */
#ifndef HLOC_HLO_LITERAL_H
#define HLOC_HLO_LITERAL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "element.h"
#include "shape.h"

typedef struct hloc_literal {
    hloc_shape shape;
    void *data;                   /* arrays: hloc_shape_bytes(&shape) bytes; NULL for tuple/token */
    struct hloc_literal *elems;   /* tuples: one literal per element */
    uint32_t n_elems;
    bool elided;                  /* written as {...} in the text: values unknown (zero-filled) */
} hloc_literal;

/* A zero-filled literal of |shape| (tuples recursively) in |a|; NULL on out-of-memory. */
hloc_literal *hloc_literal_create(hloc_arena *a, const hloc_shape *shape);
/* Fills |out| in place, as hloc_literal_create; false on out-of-memory. */
bool hloc_literal_init(hloc_arena *a, hloc_literal *out, const hloc_shape *shape);
hloc_literal *hloc_literal_clone(hloc_arena *a, const hloc_literal *l);
/* Byte-for-byte equality of shape (ignoring layout) and data. */
bool hloc_literal_equal(const hloc_literal *x, const hloc_literal *y);

static inline void *hloc_literal_at(const hloc_literal *l, int64_t linear) {
    return (char *)l->data + (size_t)linear * hloc_type_bytes(l->shape.type);
}
static inline double hloc_literal_get_f64(const hloc_literal *l, int64_t i) {
    return hloc_elem_load_f64(l->shape.type, hloc_literal_at(l, i));
}
static inline int64_t hloc_literal_get_i64(const hloc_literal *l, int64_t i) {
    return hloc_elem_load_i64(l->shape.type, hloc_literal_at(l, i));
}
static inline void hloc_literal_set_f64(hloc_literal *l, int64_t i, double v) {
    hloc_elem_store_f64(l->shape.type, hloc_literal_at(l, i), v);
}
static inline void hloc_literal_set_i64(hloc_literal *l, int64_t i, int64_t v) {
    hloc_elem_store_i64(l->shape.type, hloc_literal_at(l, i), v);
}

/* Linear (row-major) offset of a multi-index, and its inverse. */
int64_t hloc_linear_index(const hloc_shape *s, const int64_t *index);
void hloc_multi_index(const hloc_shape *s, int64_t linear, int64_t *index);

#endif
