/* Element types, shapes and layouts.
 * A shape is a value type: array dims and the layout's minor_to_major live inline (up to
 * HLOC_MAX_RANK), so shapes copy with '='; tuple element shapes and rare layout extras (tiles,
 * memory space, ...) live in the module arena and are shared by copies. */
#ifndef HLOC_HLO_SHAPE_H
#define HLOC_HLO_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef enum hloc_type {
    HLOC_TYPE_INVALID = 0,
#define TYPE(e, name, bytes, bits, kind) HLOC_TYPE_##e,
#include "types.def"
#undef TYPE
    HLOC_TYPE_COUNT
} hloc_type;

typedef enum hloc_type_kind {
    HLOC_KIND_P, HLOC_KIND_I, HLOC_KIND_U, HLOC_KIND_F, HLOC_KIND_C, HLOC_KIND_X
} hloc_type_kind;

const char *hloc_type_name(hloc_type t);             /* "f32"; "invalid" for out-of-range values */
hloc_type hloc_type_from_name(const char *s, size_t n); /* HLOC_TYPE_INVALID if unknown */
size_t hloc_type_bytes(hloc_type t);                 /* storage bytes of one element (types.def) */
int hloc_type_bits(hloc_type t);                     /* logical bit width */
hloc_type_kind hloc_type_kind_of(hloc_type t);
bool hloc_type_is_int(hloc_type t);                  /* signed or unsigned integer (not pred) */
bool hloc_type_is_signed_int(hloc_type t);
bool hloc_type_is_unsigned_int(hloc_type t);
bool hloc_type_is_float(hloc_type t);                /* real floating point, incl. f8/f4 */
bool hloc_type_is_complex(hloc_type t);
bool hloc_type_is_array(hloc_type t);                /* has elements: not token/tuple/opaque */

enum { HLOC_MAX_RANK = 16 };

/* Rarely used layout parts, kept so that printing round-trips. Dims of tiles use -1 for '*'
 * (combine) as XLA prints it. */
typedef struct hloc_tile {
    int64_t dims[HLOC_MAX_RANK];
    uint32_t n_dims;
} hloc_tile;

typedef struct hloc_layout_ext {
    hloc_tile *tiles;
    uint32_t n_tiles;
    int64_t tail_padding_alignment;   /* L(n); 0 = absent */
    hloc_type index_type;             /* #(u32); INVALID = absent */
    hloc_type pointer_type;           /* *(u32); INVALID = absent */
    int64_t element_size_bits;        /* E(n); 0 = absent */
    int64_t memory_space;             /* S(n); 0 = absent (default memory space) */
    int64_t dynamic_metadata_bytes;   /* M(n); 0 = absent */
    const char *dim_level_types;      /* raw text inside D(...), NULL if absent */
    const char *split_configs;        /* raw text inside SC(...), NULL if absent */
} hloc_layout_ext;

typedef enum hloc_dim_kind { HLOC_DIM_STATIC = 0, HLOC_DIM_BOUNDED, HLOC_DIM_UNBOUNDED } hloc_dim_kind;

typedef struct hloc_shape {
    hloc_type type;
    uint8_t rank;                       /* arrays only */
    bool has_layout;                    /* a layout was given or assigned */
    int64_t dims[HLOC_MAX_RANK];        /* for '<=N' the bound N; for '?' -1 */
    uint8_t dim_kind[HLOC_MAX_RANK];    /* hloc_dim_kind per dim */
    uint8_t minor_to_major[HLOC_MAX_RANK]; /* valid when has_layout */
    const hloc_layout_ext *layout_ext;  /* NULL: plain layout */
    struct hloc_shape *elems;           /* tuple elements (arena) */
    uint32_t n_elems;
} hloc_shape;

/* Constructors; the default layout is row-major ({rank-1,...,0}). */
hloc_shape hloc_shape_scalar(hloc_type t);
hloc_shape hloc_shape_array(hloc_type t, uint32_t rank, const int64_t *dims);
void hloc_shape_set_default_layout(hloc_shape *s);  /* recursively for tuples */

bool hloc_shape_is_tuple(const hloc_shape *s);
bool hloc_shape_is_array(const hloc_shape *s);
bool hloc_shape_is_scalar(const hloc_shape *s);
bool hloc_shape_is_static(const hloc_shape *s);     /* no bounded or unbounded dims, recursively */
int64_t hloc_shape_elements(const hloc_shape *s);   /* product of dims (1 for scalars), arrays only */
size_t hloc_shape_bytes(const hloc_shape *s);       /* elements × storage bytes; 0 for tuples */
bool hloc_shape_has_default_layout(const hloc_shape *s);

/* Equality: `equal` compares types, dims, dim kinds and layouts (when both have one);
 * `same_dims` ignores layouts; `compatible` also ignores element type. All recurse into tuples. */
bool hloc_shape_equal(const hloc_shape *a, const hloc_shape *b);
bool hloc_shape_same_dims(const hloc_shape *a, const hloc_shape *b);
bool hloc_shape_equal_ignoring_layout(const hloc_shape *a, const hloc_shape *b);

/* Deep copy into arena (tuple element arrays and layout extras are duplicated). */
hloc_shape hloc_shape_clone(hloc_arena *a, const hloc_shape *s);
/* Shape at a tuple index path; NULL if the path is invalid. */
const hloc_shape *hloc_shape_subshape(const hloc_shape *s, const int64_t *index, uint32_t n);
/* Number of array leaves, depth first (an array shape has 1). */
uint32_t hloc_shape_n_leaves(const hloc_shape *s);
/* Depth-first number of the leaf at tuple |index| (n entries), as entry points flatten results;
 * -1 when the path names no array leaf. */
int64_t hloc_shape_leaf_number(const hloc_shape *s, const int64_t *index, uint32_t n);

/* Row-major strides in elements for the logical index space (ignores layout). */
void hloc_shape_row_major_strides(const hloc_shape *s, int64_t *strides);

#endif
