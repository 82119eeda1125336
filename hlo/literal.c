/* Literal allocation, copying and comparison. */
#include "literal.h"

#include <string.h>

bool hloc_literal_init(hloc_arena *a, hloc_literal *out, const hloc_shape *shape) {
    memset(out, 0, sizeof *out);
    out->shape = *shape;
    if (shape->type == HLOC_TYPE_TUPLE) {
        out->n_elems = shape->n_elems;
        if (!shape->n_elems) return true;
        out->elems = HLOC_ARENA_ARRAY(a, hloc_literal, shape->n_elems);
        if (!out->elems) return false;
        for (uint32_t i = 0; i < shape->n_elems; i++)
            if (!hloc_literal_init(a, &out->elems[i], &shape->elems[i])) return false;
        return true;
    }
    if (!hloc_shape_is_array(shape)) return true;
    size_t n = hloc_shape_bytes(shape);
    out->data = hloc_arena_alloc(a, n ? n : 1);
    return out->data != NULL;
}

hloc_literal *hloc_literal_create(hloc_arena *a, const hloc_shape *shape) {
    hloc_literal *l = HLOC_ARENA_NEW(a, hloc_literal);
    if (!l || !hloc_literal_init(a, l, shape)) return NULL;
    return l;
}

static bool copy_into(hloc_arena *a, hloc_literal *dst, const hloc_literal *src) {
    if (!hloc_literal_init(a, dst, &src->shape)) return false;
    dst->elided = src->elided;
    if (src->data) memcpy(dst->data, src->data, hloc_shape_bytes(&src->shape));
    for (uint32_t i = 0; i < src->n_elems; i++)
        if (!copy_into(a, &dst->elems[i], &src->elems[i])) return false;
    return true;
}

hloc_literal *hloc_literal_clone(hloc_arena *a, const hloc_literal *l) {
    hloc_literal *c = HLOC_ARENA_NEW(a, hloc_literal);
    if (!c || !copy_into(a, c, l)) return NULL;
    return c;
}

bool hloc_literal_equal(const hloc_literal *x, const hloc_literal *y) {
    if (!hloc_shape_equal_ignoring_layout(&x->shape, &y->shape)) return false;
    if (x->n_elems != y->n_elems) return false;
    for (uint32_t i = 0; i < x->n_elems; i++)
        if (!hloc_literal_equal(&x->elems[i], &y->elems[i])) return false;
    if (x->data && y->data) return memcmp(x->data, y->data, hloc_shape_bytes(&x->shape)) == 0;
    return !x->data == !y->data;
}

int64_t hloc_linear_index(const hloc_shape *s, const int64_t *index) {
    int64_t lin = 0;
    for (uint32_t i = 0; i < s->rank; i++) lin = lin * s->dims[i] + index[i];
    return lin;
}

void hloc_multi_index(const hloc_shape *s, int64_t linear, int64_t *index) {
    for (int i = (int)s->rank - 1; i >= 0; i--) {
        int64_t d = s->dims[i] > 0 ? s->dims[i] : 1;
        index[i] = linear % d;
        linear /= d;
    }
}
