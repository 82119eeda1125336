/* Typed instruction attributes. One struct serves every opcode; the table below says which
 * fields each opcode uses (the rest stay zero). Lists are arena arrays with a count.
 *
 *   field(s)                      opcodes
 *   dims                          broadcast transpose reverse reduce concatenate sort map
 *                                 all-gather reduce-scatter all-to-all get/set-dimension-size scan
 *   index                         get-tuple-element (index=), parameter (its number)
 *   iota_dimension                iota
 *   slice_*                       slice
 *   dynamic_slice_sizes           dynamic-slice
 *   padding                       pad
 *   window                        reduce-window select-and-scatter convolution custom-call
 *   conv                          convolution custom-call (dim_labels=)
 *   feature_group_count, batch_group_count   convolution custom-call
 *   dot                           dot ragged-dot scaled-dot
 *   precision, algorithm          dot convolution custom-call (operand_precision=, algorithm=)
 *   cmp_dir, cmp_type             compare
 *   gather                        gather
 *   scatter                       scatter
 *   is_stable                     sort
 *   k, largest                    topk
 *   exponent_bits, mantissa_bits  reduce-precision
 *   epsilon, feature_index        batch-norm-*
 *   fusion_kind                   fusion
 *   custom_call_*                 custom-call
 *   rng_distribution              rng
 *   rng_algorithm                 rng-bit-generator
 *   delta                         rng-get-and-update-state
 *   fft_type, fft_length          fft
 *   triangular_solve, cholesky_lower   triangular-solve, cholesky
 *   literal                       constant (and custom-call literal=)
 *   inferred_dimension            reshape
 *   called computations           kept on the instruction (hloc_instr.called), see ir.h
 *
 * Attributes without a typed field (replica_groups, channel_id, sharding, ...) are kept as raw
 * text in `extra` and printed back verbatim, so that nothing the input said is lost. */
#ifndef HLOC_HLO_ATTRS_H
#define HLOC_HLO_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "literal.h"
#include "shape.h"

typedef struct hloc_i64_list {
    int64_t *v;
    uint32_t n;
} hloc_i64_list;

typedef struct hloc_padding_dim {
    int64_t lo, hi, interior;
} hloc_padding_dim;

typedef struct hloc_window_dim {
    int64_t size, stride, pad_lo, pad_hi, lhs_dilate, rhs_dilate;
    bool reversal;
} hloc_window_dim;

typedef struct hloc_window {
    hloc_window_dim *dims; /* one per window dimension; NULL when the attribute is absent */
    uint32_t n_dims;
} hloc_window;

/* dim_labels=b01f_01io->b01f: positions of each role in the lhs, rhs (kernel) and output. */
typedef struct hloc_conv_dnums {
    bool present;
    int64_t in_batch, in_feature, k_in_feature, k_out_feature, out_batch, out_feature;
    int64_t in_spatial[HLOC_MAX_RANK], k_spatial[HLOC_MAX_RANK], out_spatial[HLOC_MAX_RANK];
    uint32_t n_spatial;
} hloc_conv_dnums;

typedef struct hloc_dot_dnums {
    hloc_i64_list lhs_batch, rhs_batch, lhs_contracting, rhs_contracting;
    hloc_i64_list lhs_ragged, rhs_group; /* ragged-dot */
} hloc_dot_dnums;

typedef enum hloc_precision {
    HLOC_PRECISION_DEFAULT, HLOC_PRECISION_HIGH, HLOC_PRECISION_HIGHEST, HLOC_PRECISION_PACKED_NIBBLE
} hloc_precision;

typedef enum hloc_cmp_dir {
    HLOC_CMP_NONE, HLOC_CMP_EQ, HLOC_CMP_NE, HLOC_CMP_LT, HLOC_CMP_LE, HLOC_CMP_GT, HLOC_CMP_GE
} hloc_cmp_dir;

typedef enum hloc_cmp_type {
    HLOC_CMPT_NONE, /* not written: derived from the operand type */
    HLOC_CMPT_FLOAT, HLOC_CMPT_TOTALORDER, HLOC_CMPT_SIGNED, HLOC_CMPT_UNSIGNED
} hloc_cmp_type;

typedef struct hloc_gather_dnums {
    hloc_i64_list offset_dims, collapsed_slice_dims, start_index_map;
    hloc_i64_list operand_batching_dims, start_indices_batching_dims;
    int64_t index_vector_dim;
    hloc_i64_list slice_sizes;
    bool indices_are_sorted;
} hloc_gather_dnums;

typedef struct hloc_scatter_dnums {
    hloc_i64_list update_window_dims, inserted_window_dims, scatter_dims_to_operand_dims;
    hloc_i64_list input_batching_dims, scatter_indices_batching_dims;
    int64_t index_vector_dim;
    bool indices_are_sorted, unique_indices;
} hloc_scatter_dnums;

typedef enum hloc_fusion_kind {
    HLOC_FUSION_NONE, HLOC_FUSION_LOOP, HLOC_FUSION_INPUT, HLOC_FUSION_OUTPUT, HLOC_FUSION_CUSTOM
} hloc_fusion_kind;

typedef enum hloc_rng_distribution {
    HLOC_RNG_DIST_NONE, HLOC_RNG_DIST_UNIFORM, HLOC_RNG_DIST_NORMAL
} hloc_rng_distribution;

typedef enum hloc_rng_algorithm {
    HLOC_RNG_DEFAULT, HLOC_RNG_THREE_FRY, HLOC_RNG_PHILOX
} hloc_rng_algorithm;

typedef enum hloc_fft_type { HLOC_FFT_NONE, HLOC_FFT_FFT, HLOC_FFT_IFFT, HLOC_FFT_RFFT, HLOC_FFT_IRFFT } hloc_fft_type;

typedef enum hloc_transpose_a {
    HLOC_TRANSPOSE_INVALID, HLOC_TRANSPOSE_NO, HLOC_TRANSPOSE_YES, HLOC_TRANSPOSE_ADJOINT
} hloc_transpose_a;

typedef struct hloc_triangular_solve {
    bool left_side, lower, unit_diagonal;
    hloc_transpose_a transpose_a;
} hloc_triangular_solve;

/* A `name=value` attribute without a typed field; value is the raw text as written. */
typedef struct hloc_raw_attr {
    const char *name, *value;
} hloc_raw_attr;

/* metadata={op_type="…" op_name="…" source_file="…" source_line=N …}. Strings NULL = absent,
 * numbers -1 = absent (a zeroed struct is "all absent" only after hloc_metadata_init). */
typedef struct hloc_metadata {
    const char *op_type, *op_name, *source_file, *deduplicated_name, *scheduling_name;
    int64_t source_line, source_end_line, source_column, source_end_column, stack_frame_id;
    const char *profile_type;  /* raw text inside profile_type={...} */
    bool present;
} hloc_metadata;

typedef struct hloc_attrs {
    hloc_i64_list dims;
    bool has_dims;
    int64_t index;
    int64_t iota_dimension;
    hloc_i64_list slice_start, slice_limit, slice_stride;
    hloc_i64_list dynamic_slice_sizes;
    hloc_padding_dim *padding;  /* rank entries */
    uint32_t n_padding;
    hloc_window window;
    hloc_conv_dnums conv;
    int64_t feature_group_count, batch_group_count; /* 1 when not written */
    hloc_dot_dnums dot;
    hloc_precision *precision;  /* operand_precision={default,high} */
    uint32_t n_precision;
    const char *algorithm;      /* dot algorithm=, raw */
    hloc_cmp_dir cmp_dir;
    hloc_cmp_type cmp_type;
    hloc_gather_dnums gather;
    hloc_scatter_dnums scatter;
    bool is_stable;
    int64_t k;
    bool largest;
    int64_t exponent_bits, mantissa_bits;
    double epsilon;
    int64_t feature_index;
    hloc_fusion_kind fusion_kind;
    const char *custom_call_target;
    bool custom_call_has_side_effect;
    const char *api_version;    /* raw enum name, NULL = absent */
    const char *backend_config; /* raw text including quotes or braces; NULL = absent */
    hloc_shape *operand_layout_constraints;
    uint32_t n_operand_layout_constraints;
    bool has_operand_layout_constraints;
    hloc_rng_distribution rng_distribution;
    hloc_rng_algorithm rng_algorithm;
    int64_t delta;
    hloc_fft_type fft_type;
    hloc_i64_list fft_length;
    hloc_triangular_solve triangular_solve;
    bool cholesky_lower;
    hloc_literal *literal;
    int64_t inferred_dimension; /* -1 = absent */
    hloc_metadata metadata;
    hloc_raw_attr *extra;       /* every other attribute, in input order */
    uint32_t n_extra;
} hloc_attrs;

/* The defaults XLA uses when an attribute is not written. */
void hloc_attrs_init(hloc_attrs *a);
/* Raw attribute by name, or NULL. */
const char *hloc_attrs_extra(const hloc_attrs *a, const char *name);

#endif
