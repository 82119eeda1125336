/* Element type table and shape utilities. */
#include "shape.h"

#include <string.h>

static const struct {
    const char *name;
    uint8_t bytes, kind;
    int bits;
} types[HLOC_TYPE_COUNT] = {
    [HLOC_TYPE_INVALID] = {"invalid", 0, HLOC_KIND_X, 0},
#define TYPE(e, name, bytes, bits, kind) [HLOC_TYPE_##e] = {name, bytes, HLOC_KIND_##kind, bits},
#include "types.def"
#undef TYPE
};

const char *hloc_type_name(hloc_type t) {
    return (unsigned)t < HLOC_TYPE_COUNT ? types[t].name : "invalid";
}

hloc_type hloc_type_from_name(const char *s, size_t n) {
    for (int t = 1; t < HLOC_TYPE_COUNT; t++)
        if (strlen(types[t].name) == n && memcmp(types[t].name, s, n) == 0) return (hloc_type)t;
    return HLOC_TYPE_INVALID;
}

size_t hloc_type_bytes(hloc_type t) { return (unsigned)t < HLOC_TYPE_COUNT ? types[t].bytes : 0; }
int hloc_type_bits(hloc_type t) { return (unsigned)t < HLOC_TYPE_COUNT ? types[t].bits : 0; }
hloc_type_kind hloc_type_kind_of(hloc_type t) {
    return (unsigned)t < HLOC_TYPE_COUNT ? (hloc_type_kind)types[t].kind : HLOC_KIND_X;
}
bool hloc_type_is_signed_int(hloc_type t) { return hloc_type_kind_of(t) == HLOC_KIND_I; }
bool hloc_type_is_unsigned_int(hloc_type t) { return hloc_type_kind_of(t) == HLOC_KIND_U; }
bool hloc_type_is_int(hloc_type t) { return hloc_type_is_signed_int(t) || hloc_type_is_unsigned_int(t); }
bool hloc_type_is_float(hloc_type t) { return hloc_type_kind_of(t) == HLOC_KIND_F; }
bool hloc_type_is_complex(hloc_type t) { return hloc_type_kind_of(t) == HLOC_KIND_C; }
bool hloc_type_is_array(hloc_type t) {
    return t != HLOC_TYPE_INVALID && hloc_type_kind_of(t) != HLOC_KIND_X;
}

hloc_shape hloc_shape_scalar(hloc_type t) {
    hloc_shape s;
    memset(&s, 0, sizeof s);
    s.type = t;
    s.has_layout = hloc_type_is_array(t);
    return s;
}

hloc_shape hloc_shape_array(hloc_type t, uint32_t rank, const int64_t *dims) {
    hloc_shape s = hloc_shape_scalar(t);
    if (rank > HLOC_MAX_RANK) rank = HLOC_MAX_RANK;
    s.rank = (uint8_t)rank;
    for (uint32_t i = 0; i < rank; i++) s.dims[i] = dims[i];
    hloc_shape_set_default_layout(&s);
    return s;
}

void hloc_shape_set_default_layout(hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < s->n_elems; i++) hloc_shape_set_default_layout(&s->elems[i]);
        return;
    }
    if (!hloc_type_is_array(s->type)) return;
    s->has_layout = true;
    s->layout_ext = NULL;
    for (uint32_t i = 0; i < s->rank; i++) s->minor_to_major[i] = (uint8_t)(s->rank - 1 - i);
}

bool hloc_shape_is_tuple(const hloc_shape *s) { return s->type == HLOC_TYPE_TUPLE; }
bool hloc_shape_is_array(const hloc_shape *s) { return hloc_type_is_array(s->type); }
bool hloc_shape_is_scalar(const hloc_shape *s) { return hloc_shape_is_array(s) && s->rank == 0; }

bool hloc_shape_is_static(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < s->n_elems; i++)
            if (!hloc_shape_is_static(&s->elems[i])) return false;
        return true;
    }
    for (uint32_t i = 0; i < s->rank; i++)
        if (s->dim_kind[i] != HLOC_DIM_STATIC) return false;
    return true;
}

int64_t hloc_shape_elements(const hloc_shape *s) {
    int64_t n = 1;
    for (uint32_t i = 0; i < s->rank; i++) n *= s->dims[i] < 0 ? 0 : s->dims[i];
    return n;
}

size_t hloc_shape_bytes(const hloc_shape *s) {
    if (!hloc_shape_is_array(s)) return 0;
    return (size_t)hloc_shape_elements(s) * hloc_type_bytes(s->type);
}

bool hloc_shape_has_default_layout(const hloc_shape *s) {
    if (!s->has_layout) return true;
    if (s->layout_ext) return false;
    for (uint32_t i = 0; i < s->rank; i++)
        if (s->minor_to_major[i] != s->rank - 1 - i) return false;
    return true;
}

static bool ext_equal(const hloc_layout_ext *a, const hloc_layout_ext *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->n_tiles != b->n_tiles || a->tail_padding_alignment != b->tail_padding_alignment ||
        a->index_type != b->index_type || a->pointer_type != b->pointer_type ||
        a->element_size_bits != b->element_size_bits || a->memory_space != b->memory_space ||
        a->dynamic_metadata_bytes != b->dynamic_metadata_bytes)
        return false;
    for (uint32_t i = 0; i < a->n_tiles; i++) {
        if (a->tiles[i].n_dims != b->tiles[i].n_dims) return false;
        for (uint32_t j = 0; j < a->tiles[i].n_dims; j++)
            if (a->tiles[i].dims[j] != b->tiles[i].dims[j]) return false;
    }
    if (!a->dim_level_types != !b->dim_level_types || !a->split_configs != !b->split_configs) return false;
    if (a->dim_level_types && strcmp(a->dim_level_types, b->dim_level_types)) return false;
    if (a->split_configs && strcmp(a->split_configs, b->split_configs)) return false;
    return true;
}

static bool shape_cmp(const hloc_shape *a, const hloc_shape *b, bool layout, bool type) {
    if (a->type == HLOC_TYPE_TUPLE || b->type == HLOC_TYPE_TUPLE) {
        if (a->type != b->type || a->n_elems != b->n_elems) return false;
        for (uint32_t i = 0; i < a->n_elems; i++)
            if (!shape_cmp(&a->elems[i], &b->elems[i], layout, type)) return false;
        return true;
    }
    if (type && a->type != b->type) return false;
    if (hloc_type_is_array(a->type) != hloc_type_is_array(b->type)) return false;
    if (a->rank != b->rank) return false;
    for (uint32_t i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i] || a->dim_kind[i] != b->dim_kind[i]) return false;
    if (layout && a->has_layout && b->has_layout) {
        for (uint32_t i = 0; i < a->rank; i++)
            if (a->minor_to_major[i] != b->minor_to_major[i]) return false;
        if (!ext_equal(a->layout_ext, b->layout_ext)) return false;
    }
    return true;
}

bool hloc_shape_equal(const hloc_shape *a, const hloc_shape *b) { return shape_cmp(a, b, true, true); }
bool hloc_shape_equal_ignoring_layout(const hloc_shape *a, const hloc_shape *b) {
    return shape_cmp(a, b, false, true);
}
bool hloc_shape_same_dims(const hloc_shape *a, const hloc_shape *b) { return shape_cmp(a, b, false, false); }

hloc_shape hloc_shape_clone(hloc_arena *a, const hloc_shape *s) {
    hloc_shape c = *s;
    if (s->layout_ext) {
        hloc_layout_ext *e = hloc_arena_dup(a, s->layout_ext, sizeof *e);
        if (e && s->layout_ext->n_tiles)
            e->tiles = hloc_arena_dup(a, s->layout_ext->tiles, sizeof(hloc_tile) * s->layout_ext->n_tiles);
        c.layout_ext = e;
    }
    if (s->n_elems) {
        c.elems = HLOC_ARENA_ARRAY(a, hloc_shape, s->n_elems);
        if (!c.elems) {
            c.n_elems = 0;
            return c;
        }
        for (uint32_t i = 0; i < s->n_elems; i++) c.elems[i] = hloc_shape_clone(a, &s->elems[i]);
    }
    return c;
}

const hloc_shape *hloc_shape_subshape(const hloc_shape *s, const int64_t *index, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (s->type != HLOC_TYPE_TUPLE || index[i] < 0 || (uint64_t)index[i] >= s->n_elems) return NULL;
        s = &s->elems[index[i]];
    }
    return s;
}

uint32_t hloc_shape_n_leaves(const hloc_shape *s) {
    if (s->type != HLOC_TYPE_TUPLE) return 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_elems; i++) n += hloc_shape_n_leaves(&s->elems[i]);
    return n;
}

int64_t hloc_shape_leaf_number(const hloc_shape *s, const int64_t *index, uint32_t n) {
    int64_t leaf = 0;
    for (uint32_t d = 0; d < n; d++) {
        if (s->type != HLOC_TYPE_TUPLE || index[d] < 0 || (uint64_t)index[d] >= s->n_elems) return -1;
        for (int64_t k = 0; k < index[d]; k++) leaf += hloc_shape_n_leaves(&s->elems[k]);
        s = &s->elems[index[d]];
    }
    return hloc_shape_is_array(s) ? leaf : -1;
}

void hloc_shape_row_major_strides(const hloc_shape *s, int64_t *strides) {
    int64_t st = 1;
    for (int i = (int)s->rank - 1; i >= 0; i--) {
        strides[i] = st;
        st *= s->dims[i];
    }
}
