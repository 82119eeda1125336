/* Instruction attributes after the operand list, in the order and spelling of XLA's
 * HloInstruction::PrintExtraAttributes: the opcode's own attributes, raw attributes of the same
 * kind, called computations, sharding and frontend attributes, control predecessors, metadata,
 * backend config. Reads the IR only. */
#include <inttypes.h>
#include <string.h>

#include "print.h"
#include "print_internal.h"

static void sep(hloc_strbuf *b) { hloc_strbuf_puts(b, ", "); }

static void put_list(hloc_strbuf *b, const int64_t *v, uint32_t n) {
    hloc_strbuf_putc(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        if (i) hloc_strbuf_putc(b, ',');
        hloc_strbuf_printf(b, "%" PRId64, v[i]);
    }
    hloc_strbuf_putc(b, '}');
}

/* `, name={1,2}` */
static void attr_list(hloc_strbuf *b, const char *name, const hloc_i64_list *l) {
    hloc_strbuf_printf(b, ", %s=", name);
    put_list(b, l->v, l->n);
}

static void attr_list_nonempty(hloc_strbuf *b, const char *name, const hloc_i64_list *l) {
    if (l->n) attr_list(b, name, l);
}

enum { W_SIZE, W_STRIDE, W_PAD, W_LHS_DILATE, W_RHS_DILATE, W_REVERSAL, W_COUNT };

static bool wdim_is_default(const hloc_window_dim *d, int f) {
    switch (f) {
    case W_STRIDE:
        return d->stride == 1;
    case W_PAD:
        return d->pad_lo == 0 && d->pad_hi == 0;
    case W_LHS_DILATE:
        return d->lhs_dilate == 1;
    case W_RHS_DILATE:
        return d->rhs_dilate == 1;
    case W_REVERSAL:
        return !d->reversal;
    default:
        return false;
    }
}

static void wdim_put(hloc_strbuf *b, const hloc_window_dim *d, int f) {
    switch (f) {
    case W_SIZE:
        hloc_strbuf_printf(b, "%" PRId64, d->size);
        break;
    case W_STRIDE:
        hloc_strbuf_printf(b, "%" PRId64, d->stride);
        break;
    case W_PAD:
        hloc_strbuf_printf(b, "%" PRId64 "_%" PRId64, d->pad_lo, d->pad_hi);
        break;
    case W_LHS_DILATE:
        hloc_strbuf_printf(b, "%" PRId64, d->lhs_dilate);
        break;
    case W_RHS_DILATE:
        hloc_strbuf_printf(b, "%" PRId64, d->rhs_dilate);
        break;
    default:
        hloc_strbuf_putc(b, d->reversal ? '1' : '0');
        break;
    }
}

/* XLA's window_util::ToString: `size=3x3 stride=2x2 pad=0_1x0_1`; a field other than size is
 * printed only when some dimension differs from its default. */
static void put_window(hloc_strbuf *b, const hloc_window *w) {
    static const char *const names[W_COUNT] = {"size",       "stride",     "pad",
                                               "lhs_dilate", "rhs_dilate", "rhs_reversal"};
    hloc_strbuf_puts(b, "window={");
    for (int f = 0; f < W_COUNT; f++) {
        bool all_default = f != W_SIZE;
        for (uint32_t k = 0; k < w->n_dims && all_default; k++)
            all_default = wdim_is_default(&w->dims[k], f);
        if (all_default) continue;
        if (f != W_SIZE) hloc_strbuf_putc(b, ' ');
        hloc_strbuf_printf(b, "%s=", names[f]);
        for (uint32_t k = 0; k < w->n_dims; k++) {
            if (k) hloc_strbuf_putc(b, 'x');
            wdim_put(b, &w->dims[k], f);
        }
    }
    hloc_strbuf_putc(b, '}');
}

/* dim_labels=b01f_01io->b01f: one letter or spatial digit per dimension position. */
static void set_label(char *labels, uint32_t rank, int64_t pos, char ch) {
    if (pos >= 0 && (uint64_t)pos < rank) labels[pos] = ch;
}

static void put_dim_labels(hloc_strbuf *b, const hloc_conv_dnums *c) {
    uint32_t n_spatial = c->n_spatial < HLOC_MAX_RANK ? c->n_spatial : HLOC_MAX_RANK;
    uint32_t rank = n_spatial + 2;
    char lhs[HLOC_MAX_RANK + 3], rhs[HLOC_MAX_RANK + 3], out[HLOC_MAX_RANK + 3];
    for (uint32_t i = 0; i < rank; i++)
        lhs[i] = rhs[i] = out[i] = '?';
    lhs[rank] = rhs[rank] = out[rank] = 0;
    set_label(lhs, rank, c->in_batch, 'b');
    set_label(lhs, rank, c->in_feature, 'f');
    set_label(rhs, rank, c->k_in_feature, 'i');
    set_label(rhs, rank, c->k_out_feature, 'o');
    set_label(out, rank, c->out_batch, 'b');
    set_label(out, rank, c->out_feature, 'f');
    for (uint32_t s = 0; s < n_spatial && s < 10; s++) {
        set_label(lhs, rank, c->in_spatial[s], (char)('0' + s));
        set_label(rhs, rank, c->k_spatial[s], (char)('0' + s));
        set_label(out, rank, c->out_spatial[s], (char)('0' + s));
    }
    hloc_strbuf_printf(b, "dim_labels=%s_%s->%s", lhs, rhs, out);
}

static const char *precision_name(hloc_precision p) {
    switch (p) {
    case HLOC_PRECISION_HIGH:
        return "high";
    case HLOC_PRECISION_HIGHEST:
        return "highest";
    case HLOC_PRECISION_PACKED_NIBBLE:
        return "packed_nibble";
    default:
        return "default";
    }
}

/* XLA prints operand_precision only when some operand is not DEFAULT. */
static void put_precision(hloc_strbuf *b, const hloc_attrs *a) {
    bool any = false;
    for (uint32_t k = 0; k < a->n_precision; k++)
        any |= a->precision[k] != HLOC_PRECISION_DEFAULT;
    if (any) {
        hloc_strbuf_puts(b, ", operand_precision={");
        for (uint32_t k = 0; k < a->n_precision; k++) {
            if (k) hloc_strbuf_putc(b, ',');
            hloc_strbuf_puts(b, precision_name(a->precision[k]));
        }
        hloc_strbuf_putc(b, '}');
    }
    if (a->algorithm) hloc_strbuf_printf(b, ", algorithm=%s", a->algorithm);
}

static void put_conv_common(hloc_strbuf *b, const hloc_attrs *a) {
    if (a->window.n_dims) {
        sep(b);
        put_window(b, &a->window);
    }
    if (a->conv.present) {
        sep(b);
        put_dim_labels(b, &a->conv);
    }
    if (a->feature_group_count != 1)
        hloc_strbuf_printf(b, ", feature_group_count=%" PRId64, a->feature_group_count);
    if (a->batch_group_count != 1)
        hloc_strbuf_printf(b, ", batch_group_count=%" PRId64, a->batch_group_count);
    put_precision(b, a);
}

static void put_dot(hloc_strbuf *b, const hloc_dot_dnums *d) {
    attr_list_nonempty(b, "lhs_batch_dims", &d->lhs_batch);
    attr_list(b, "lhs_contracting_dims", &d->lhs_contracting);
    attr_list_nonempty(b, "rhs_batch_dims", &d->rhs_batch);
    attr_list(b, "rhs_contracting_dims", &d->rhs_contracting);
}

/* Floats of attributes (epsilon) print in the shortest XLA form of their f32 value when they are
 * one, as XLA stores them as float. */
static void put_attr_float(hloc_strbuf *b, double v) {
    float f = (float)v;
    if ((double)f == v)
        hloc_print_element(b, HLOC_TYPE_F32, &f, false);
    else
        hloc_print_f64(b, v);
}

static const char *cmp_dir_name(hloc_cmp_dir d) {
    static const char *const n[] = {"", "EQ", "NE", "LT", "LE", "GT", "GE"};
    return (unsigned)d < 7 ? n[d] : "";
}

static const char *cmp_type_name(hloc_cmp_type t) {
    static const char *const n[] = {"", "FLOAT", "TOTALORDER", "SIGNED", "UNSIGNED"};
    return (unsigned)t < 5 ? n[t] : "";
}

static const char *fusion_kind_name(hloc_fusion_kind k) {
    static const char *const n[] = {"", "kLoop", "kInput", "kOutput", "kCustom"};
    return (unsigned)k < 5 ? n[k] : "";
}

static const char *fft_type_name(hloc_fft_type t) {
    static const char *const n[] = {"", "FFT", "IFFT", "RFFT", "IRFFT"};
    return (unsigned)t < 5 ? n[t] : "";
}

static const char *rng_algorithm_name(hloc_rng_algorithm a) {
    static const char *const n[] = {"rng_default", "rng_three_fry", "rng_philox"};
    return (unsigned)a < 3 ? n[a] : "rng_default";
}

static void put_slice(hloc_strbuf *b, const hloc_attrs *a) {
    bool unit = true;
    for (uint32_t k = 0; k < a->slice_stride.n; k++)
        unit &= a->slice_stride.v[k] == 1;
    hloc_strbuf_puts(b, ", slice={");
    for (uint32_t k = 0; k < a->slice_start.n; k++) {
        if (k) hloc_strbuf_puts(b, ", ");
        int64_t lim = k < a->slice_limit.n ? a->slice_limit.v[k] : 0;
        hloc_strbuf_printf(b, "[%" PRId64 ":%" PRId64, a->slice_start.v[k], lim);
        if (!unit && k < a->slice_stride.n)
            hloc_strbuf_printf(b, ":%" PRId64, a->slice_stride.v[k]);
        hloc_strbuf_putc(b, ']');
    }
    hloc_strbuf_putc(b, '}');
}

/* padding=lo_hi per dimension joined by 'x'; every dimension gets _interior when any has one. */
static void put_padding(hloc_strbuf *b, const hloc_attrs *a) {
    bool interior = false;
    for (uint32_t k = 0; k < a->n_padding; k++)
        interior |= a->padding[k].interior != 0;
    hloc_strbuf_puts(b, ", padding=");
    for (uint32_t k = 0; k < a->n_padding; k++) {
        const hloc_padding_dim *p = &a->padding[k];
        if (k) hloc_strbuf_putc(b, 'x');
        hloc_strbuf_printf(b, "%" PRId64 "_%" PRId64, p->lo, p->hi);
        if (interior) hloc_strbuf_printf(b, "_%" PRId64, p->interior);
    }
}

static void put_gather(hloc_strbuf *b, const hloc_gather_dnums *g) {
    attr_list(b, "offset_dims", &g->offset_dims);
    attr_list(b, "collapsed_slice_dims", &g->collapsed_slice_dims);
    attr_list(b, "start_index_map", &g->start_index_map);
    attr_list_nonempty(b, "operand_batching_dims", &g->operand_batching_dims);
    attr_list_nonempty(b, "start_indices_batching_dims", &g->start_indices_batching_dims);
    hloc_strbuf_printf(b, ", index_vector_dim=%" PRId64, g->index_vector_dim);
    attr_list(b, "slice_sizes", &g->slice_sizes);
    if (g->indices_are_sorted) hloc_strbuf_puts(b, ", indices_are_sorted=true");
}

static void put_scatter(hloc_strbuf *b, const hloc_scatter_dnums *s) {
    attr_list(b, "update_window_dims", &s->update_window_dims);
    attr_list(b, "inserted_window_dims", &s->inserted_window_dims);
    attr_list(b, "scatter_dims_to_operand_dims", &s->scatter_dims_to_operand_dims);
    attr_list_nonempty(b, "input_batching_dims", &s->input_batching_dims);
    attr_list_nonempty(b, "scatter_indices_batching_dims", &s->scatter_indices_batching_dims);
    hloc_strbuf_printf(b, ", index_vector_dim=%" PRId64, s->index_vector_dim);
    if (s->indices_are_sorted) hloc_strbuf_puts(b, ", indices_are_sorted=true");
    if (s->unique_indices) hloc_strbuf_puts(b, ", unique_indices=true");
}

/* The attributes XLA prints after called computations (HloInstruction::PrintExtraAttributes);
 * every other raw attribute belongs to the opcode and prints before them. */
typedef enum { RAW_OWN, RAW_BEFORE_CONTROL, RAW_AFTER_CONTROL } raw_group;

static raw_group raw_group_of(const char *name) {
    if (!strcmp(name, "sharding") || !strcmp(name, "frontend_attributes") ||
        !strcmp(name, "is_composite"))
        return RAW_BEFORE_CONTROL;
    if (!strcmp(name, "statistics") || !strcmp(name, "origin")) return RAW_AFTER_CONTROL;
    return RAW_OWN;
}

/* Collectives print their base class's attributes (channel, replica groups, ...) before their
 * own dimensions=; |base| selects those (1), the rest (0), or every attribute (-1). */
static bool is_collective_base(const hloc_instr *i, const char *name) {
    if (!strcmp(name, "channel_id") || !strcmp(name, "replica_groups") ||
        !strcmp(name, "constrain_layout"))
        return true;
    return i->op == HLOC_OP_REDUCE_SCATTER && !strcmp(name, "use_global_device_ids");
}

static void put_raw(hloc_strbuf *b, const hloc_instr *i, raw_group g, int base) {
    const hloc_attrs *a = i->attrs;
    for (uint32_t k = 0; k < a->n_extra; k++) {
        if (raw_group_of(a->extra[k].name) != g) continue;
        if (base >= 0 && is_collective_base(i, a->extra[k].name) != (base == 1)) continue;
        hloc_strbuf_printf(b, ", %s=%s", a->extra[k].name,
                           a->extra[k].value ? a->extra[k].value : "");
    }
}

static bool dims_after_base(hloc_opcode op) {
    return op == HLOC_OP_ALL_GATHER || op == HLOC_OP_ALL_GATHER_START || op == HLOC_OP_ALL_TO_ALL ||
           op == HLOC_OP_REDUCE_SCATTER;
}

/* Opcode-specific typed attributes, XLA's PrintExtraAttributesImpl of each instruction class. */
static void put_own(hloc_strbuf *b, const hloc_instr *i) {
    const hloc_attrs *a = i->attrs;
    switch (i->op) {
    case HLOC_OP_BROADCAST:
    case HLOC_OP_TRANSPOSE:
    case HLOC_OP_REVERSE:
    case HLOC_OP_CONCATENATE:
    case HLOC_OP_REDUCE:
        attr_list(b, "dimensions", &a->dims);
        break;
    case HLOC_OP_SORT:
        attr_list(b, "dimensions", &a->dims);
        if (a->is_stable) hloc_strbuf_puts(b, ", is_stable=true");
        break;
    case HLOC_OP_MAP:
    case HLOC_OP_ALL_GATHER:
    case HLOC_OP_ALL_GATHER_START:
    case HLOC_OP_REDUCE_SCATTER:
    case HLOC_OP_ALL_TO_ALL:
    case HLOC_OP_GET_DIMENSION_SIZE:
    case HLOC_OP_SET_DIMENSION_SIZE:
    case HLOC_OP_SCAN:
        if (a->has_dims || a->dims.n) attr_list(b, "dimensions", &a->dims);
        break;
    case HLOC_OP_GET_TUPLE_ELEMENT:
        hloc_strbuf_printf(b, ", index=%" PRId64, a->index);
        break;
    case HLOC_OP_IOTA:
        hloc_strbuf_printf(b, ", iota_dimension=%" PRId64, a->iota_dimension);
        break;
    case HLOC_OP_SLICE:
        put_slice(b, a);
        break;
    case HLOC_OP_DYNAMIC_SLICE:
        attr_list(b, "dynamic_slice_sizes", &a->dynamic_slice_sizes);
        break;
    case HLOC_OP_PAD:
        put_padding(b, a);
        break;
    case HLOC_OP_REDUCE_WINDOW:
    case HLOC_OP_SELECT_AND_SCATTER:
        if (a->window.n_dims) {
            sep(b);
            put_window(b, &a->window);
        }
        break;
    case HLOC_OP_CONVOLUTION:
        put_conv_common(b, a);
        break;
    case HLOC_OP_DOT:
    case HLOC_OP_SCALED_DOT:
        put_dot(b, &a->dot);
        put_precision(b, a);
        break;
    case HLOC_OP_RAGGED_DOT:
        put_dot(b, &a->dot);
        attr_list(b, "lhs_ragged_dims", &a->dot.lhs_ragged);
        attr_list_nonempty(b, "rhs_group_dims", &a->dot.rhs_group);
        put_precision(b, a);
        break;
    case HLOC_OP_COMPARE:
        /* A missing required attribute stays missing, so that the text reads back the same. */
        if (a->cmp_dir != HLOC_CMP_NONE)
            hloc_strbuf_printf(b, ", direction=%s", cmp_dir_name(a->cmp_dir));
        if (a->cmp_type != HLOC_CMPT_NONE)
            hloc_strbuf_printf(b, ", type=%s", cmp_type_name(a->cmp_type));
        break;
    case HLOC_OP_GATHER:
        put_gather(b, &a->gather);
        break;
    case HLOC_OP_SCATTER:
        put_scatter(b, &a->scatter);
        break;
    case HLOC_OP_TOPK:
        hloc_strbuf_printf(b, ", k=%" PRId64 ", largest=%s", a->k, a->largest ? "true" : "false");
        break;
    case HLOC_OP_REDUCE_PRECISION:
        hloc_strbuf_printf(b, ", exponent_bits=%" PRId64 ", mantissa_bits=%" PRId64,
                           a->exponent_bits, a->mantissa_bits);
        break;
    case HLOC_OP_BATCH_NORM_TRAINING:
    case HLOC_OP_BATCH_NORM_INFERENCE:
    case HLOC_OP_BATCH_NORM_GRAD:
        hloc_strbuf_puts(b, ", epsilon=");
        put_attr_float(b, a->epsilon);
        hloc_strbuf_printf(b, ", feature_index=%" PRId64, a->feature_index);
        break;
    case HLOC_OP_FUSION:
        if (a->fusion_kind != HLOC_FUSION_NONE)
            hloc_strbuf_printf(b, ", kind=%s", fusion_kind_name(a->fusion_kind));
        break;
    case HLOC_OP_RNG:
        if (a->rng_distribution == HLOC_RNG_DIST_UNIFORM)
            hloc_strbuf_puts(b, ", distribution=rng_uniform");
        else if (a->rng_distribution == HLOC_RNG_DIST_NORMAL)
            hloc_strbuf_puts(b, ", distribution=rng_normal");
        break;
    case HLOC_OP_RNG_BIT_GENERATOR:
        hloc_strbuf_printf(b, ", algorithm=%s", rng_algorithm_name(a->rng_algorithm));
        break;
    case HLOC_OP_RNG_GET_AND_UPDATE_STATE:
        hloc_strbuf_printf(b, ", delta=%" PRId64, a->delta);
        break;
    case HLOC_OP_FFT:
        if (a->fft_type != HLOC_FFT_NONE)
            hloc_strbuf_printf(b, ", fft_type=%s", fft_type_name(a->fft_type));
        attr_list(b, "fft_length", &a->fft_length);
        break;
    case HLOC_OP_TRIANGULAR_SOLVE: {
        const hloc_triangular_solve *t = &a->triangular_solve;
        if (t->left_side) hloc_strbuf_puts(b, ", left_side=true");
        if (t->lower) hloc_strbuf_puts(b, ", lower=true");
        if (t->unit_diagonal) hloc_strbuf_puts(b, ", unit_diagonal=true");
        /* XLA prints the options proto's set fields; NO_TRANSPOSE is not the proto default. */
        if (t->transpose_a == HLOC_TRANSPOSE_NO)
            hloc_strbuf_puts(b, ", transpose_a=NO_TRANSPOSE");
        else if (t->transpose_a == HLOC_TRANSPOSE_YES)
            hloc_strbuf_puts(b, ", transpose_a=TRANSPOSE");
        else if (t->transpose_a == HLOC_TRANSPOSE_ADJOINT)
            hloc_strbuf_puts(b, ", transpose_a=ADJOINT");
        break;
    }
    case HLOC_OP_CHOLESKY:
        if (a->cholesky_lower) hloc_strbuf_puts(b, ", lower=true");
        break;
    case HLOC_OP_RESHAPE:
        if (a->inferred_dimension >= 0)
            hloc_strbuf_printf(b, ", inferred_dimension=%" PRId64, a->inferred_dimension);
        break;
    case HLOC_OP_CUSTOM_CALL:
        put_conv_common(b, a);
        if (a->custom_call_target) {
            hloc_strbuf_puts(b, ", custom_call_target=");
            hloc_print_quoted(b, a->custom_call_target);
        }
        if (a->has_operand_layout_constraints) {
            hloc_strbuf_puts(b, ", operand_layout_constraints={");
            for (uint32_t k = 0; k < a->n_operand_layout_constraints; k++) {
                if (k) hloc_strbuf_puts(b, ", ");
                hloc_print_shape(b, &a->operand_layout_constraints[k]);
            }
            hloc_strbuf_putc(b, '}');
        }
        if (a->custom_call_has_side_effect)
            hloc_strbuf_puts(b, ", custom_call_has_side_effect=true");
        if (a->literal) {
            hloc_strbuf_puts(b, ", literal=");
            hloc_print_literal_ex(b, a->literal, true);
        }
        break;
    default:
        break;
    }
}

static void put_comp(hloc_strbuf *b, const char *attr, const hloc_computation *c,
                     const hloc_print_options *o) {
    hloc_strbuf_printf(b, ", %s=", attr);
    hloc_print_name(b, c->name, o);
}

static void put_comp_list(hloc_strbuf *b, const char *attr, const hloc_instr *i, uint32_t from,
                          const hloc_print_options *o) {
    hloc_strbuf_printf(b, ", %s={", attr);
    for (uint32_t k = from; k < i->n_called; k++) {
        if (k > from) hloc_strbuf_puts(b, ", ");
        hloc_print_name(b, i->called[k]->name, o);
    }
    hloc_strbuf_putc(b, '}');
}

static void put_called(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o) {
    if (!i->n_called) return;
    switch (i->op) {
    case HLOC_OP_WHILE:
        if (i->n_called == 2) {
            put_comp(b, "condition", i->called[0], o);
            put_comp(b, "body", i->called[1], o);
            return;
        }
        break;
    case HLOC_OP_SELECT_AND_SCATTER:
        if (i->n_called == 2) {
            put_comp(b, "select", i->called[0], o);
            put_comp(b, "scatter", i->called[1], o);
            return;
        }
        break;
    case HLOC_OP_CONDITIONAL:
        if (i->n_operands && i->operands[0] && i->operands[0]->shape.type == HLOC_TYPE_PRED &&
            i->n_called == 2) {
            put_comp(b, "true_computation", i->called[0], o);
            put_comp(b, "false_computation", i->called[1], o);
        } else {
            put_comp_list(b, "branch_computations", i, 0, o);
        }
        return;
    case HLOC_OP_CALL:
    case HLOC_OP_MAP:
    case HLOC_OP_REDUCE_WINDOW:
    case HLOC_OP_REDUCE:
    case HLOC_OP_ALL_REDUCE:
    case HLOC_OP_ALL_REDUCE_START:
    case HLOC_OP_REDUCE_SCATTER:
    case HLOC_OP_SCATTER:
    case HLOC_OP_TOPK:
    case HLOC_OP_SORT:
    case HLOC_OP_SCAN:
        if (i->n_called == 1) {
            put_comp(b, "to_apply", i->called[0], o);
            return;
        }
        break;
    case HLOC_OP_CUSTOM_CALL:
        put_comp_list(b, "called_computations", i, 0, o);
        return;
    default:
        break;
    }
    if (i->n_called == 1)
        put_comp(b, "calls", i->called[0], o);
    else
        put_comp_list(b, "calls", i, 0, o);
}

static bool metadata_empty(const hloc_metadata *m) {
    return !m->op_type && !m->op_name && !m->source_file && !m->deduplicated_name &&
           !m->scheduling_name && m->source_line < 0 && m->source_end_line < 0 &&
           m->source_column < 0 && m->source_end_column < 0 && m->stack_frame_id < 0 &&
           !m->profile_type;
}

/* XLA's OpMetadataToString: fields separated by spaces, absent ones left out. */
static void md_sep(hloc_strbuf *b, bool *first) {
    if (!*first) hloc_strbuf_putc(b, ' ');
    *first = false;
}

static void md_str(hloc_strbuf *b, bool *first, const char *name, const char *v) {
    if (!v) return;
    md_sep(b, first);
    hloc_strbuf_printf(b, "%s=", name);
    hloc_print_quoted(b, v);
}

static void md_num(hloc_strbuf *b, bool *first, const char *name, int64_t v) {
    if (v < 0) return;
    md_sep(b, first);
    hloc_strbuf_printf(b, "%s=%" PRId64, name, v);
}

static void put_metadata(hloc_strbuf *b, const hloc_metadata *m) {
    bool first = true;
    hloc_strbuf_puts(b, ", metadata={");
    md_str(b, &first, "op_type", m->op_type);
    md_str(b, &first, "op_name", m->op_name);
    md_str(b, &first, "source_file", m->source_file);
    md_num(b, &first, "source_line", m->source_line);
    md_num(b, &first, "source_end_line", m->source_end_line);
    md_num(b, &first, "source_column", m->source_column);
    md_num(b, &first, "source_end_column", m->source_end_column);
    if (m->profile_type) {
        md_sep(b, &first);
        hloc_strbuf_printf(b, "profile_type={%s}", m->profile_type);
    }
    md_str(b, &first, "deduplicated_name", m->deduplicated_name);
    md_str(b, &first, "scheduling_name", m->scheduling_name);
    md_num(b, &first, "stack_frame_id", m->stack_frame_id);
    hloc_strbuf_putc(b, '}');
}

void hloc_print_attrs(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o) {
    const hloc_attrs *a = i->attrs;
    if (dims_after_base(i->op)) {
        put_raw(b, i, RAW_OWN, 1);
        put_own(b, i);
        put_raw(b, i, RAW_OWN, 0);
    } else {
        put_own(b, i);
        put_raw(b, i, RAW_OWN, -1);
    }
    if (i->op == HLOC_OP_CUSTOM_CALL && a->api_version)
        hloc_strbuf_printf(b, ", api_version=%s", a->api_version);
    put_called(b, i, o);
    put_raw(b, i, RAW_BEFORE_CONTROL, -1);
    if (i->n_control_preds) {
        hloc_strbuf_puts(b, ", control-predecessors={");
        for (uint32_t k = 0; k < i->n_control_preds; k++) {
            if (k) hloc_strbuf_puts(b, ", ");
            hloc_print_name(b, i->control_preds[k]->name, o);
        }
        hloc_strbuf_putc(b, '}');
    }
    put_raw(b, i, RAW_AFTER_CONTROL, -1);
    if (o->print_metadata && !metadata_empty(&a->metadata)) put_metadata(b, &a->metadata);
    if (o->print_backend_config && a->backend_config)
        hloc_strbuf_printf(b, ", backend_config=%s", a->backend_config);
}
