/* Structural equality of two modules, for the round-trip tests: the printer's output must parse
 * back to the same module, not only to the same text. Reports the first difference. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "module_equal.h"

typedef struct cmp {
    char *why;
    size_t n;
    const char *where; /* "comp/instr" of the instruction being compared */
    bool failed;
} cmp;

static bool fail(cmp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(cmp *c, const char *fmt, ...) {
    if (c->failed) return false;
    c->failed = true;
    int k = snprintf(c->why, c->n, "%s: ", c->where ? c->where : "module");
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < c->n) vsnprintf(c->why + k, c->n - (size_t)k, fmt, ap);
    va_end(ap);
    return false;
}

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool shape_eq(const hloc_shape *a, const hloc_shape *b) {
    if (a->type != b->type || a->has_layout != b->has_layout) return false;
    if (a->type == HLOC_TYPE_TUPLE) {
        if (a->n_elems != b->n_elems) return false;
        for (uint32_t k = 0; k < a->n_elems; k++)
            if (!shape_eq(&a->elems[k], &b->elems[k])) return false;
        return true;
    }
    return hloc_shape_equal(a, b);
}

static bool list_eq(const hloc_i64_list *a, const hloc_i64_list *b) {
    return a->n == b->n && (!a->n || !memcmp(a->v, b->v, a->n * sizeof *a->v));
}

static bool literal_eq(const hloc_literal *a, const hloc_literal *b) {
    if (!a || !b) return a == b;
    if (a->elided != b->elided || a->n_elems != b->n_elems || !shape_eq(&a->shape, &b->shape))
        return false;
    for (uint32_t k = 0; k < a->n_elems; k++)
        if (!literal_eq(&a->elems[k], &b->elems[k])) return false;
    if (a->elided) return true;
    return hloc_literal_equal(a, b);
}

static bool metadata_eq(const hloc_metadata *a, const hloc_metadata *b) {
    return str_eq(a->op_type, b->op_type) && str_eq(a->op_name, b->op_name) &&
           str_eq(a->source_file, b->source_file) &&
           str_eq(a->deduplicated_name, b->deduplicated_name) &&
           str_eq(a->scheduling_name, b->scheduling_name) &&
           str_eq(a->profile_type, b->profile_type) && a->source_line == b->source_line &&
           a->source_end_line == b->source_end_line && a->source_column == b->source_column &&
           a->source_end_column == b->source_end_column && a->stack_frame_id == b->stack_frame_id;
}

#define FIELD(f)                                                                                   \
    do {                                                                                           \
        if (x->f != y->f) return fail(c, "attribute %s differs", #f);                              \
    } while (0)
#define LIST(f)                                                                                    \
    do {                                                                                           \
        if (!list_eq(&x->f, &y->f)) return fail(c, "attribute %s differs", #f);                    \
    } while (0)
#define STR(f)                                                                                     \
    do {                                                                                           \
        if (!str_eq(x->f, y->f)) return fail(c, "attribute %s differs", #f);                       \
    } while (0)

static bool attrs_eq(cmp *c, const hloc_attrs *x, const hloc_attrs *y) {
    LIST(dims);
    FIELD(index);
    FIELD(iota_dimension);
    LIST(slice_start);
    LIST(slice_limit);
    LIST(slice_stride);
    LIST(dynamic_slice_sizes);
    FIELD(n_padding);
    if (x->n_padding && memcmp(x->padding, y->padding, x->n_padding * sizeof *x->padding))
        return fail(c, "padding differs");
    FIELD(window.n_dims);
    for (uint32_t k = 0; k < x->window.n_dims; k++) {
        const hloc_window_dim *a = &x->window.dims[k], *b = &y->window.dims[k];
        if (a->size != b->size || a->stride != b->stride || a->pad_lo != b->pad_lo ||
            a->pad_hi != b->pad_hi || a->lhs_dilate != b->lhs_dilate ||
            a->rhs_dilate != b->rhs_dilate || a->reversal != b->reversal)
            return fail(c, "window dimension %u differs", k);
    }
    FIELD(conv.present);
    if (x->conv.present) {
        FIELD(conv.in_batch);
        FIELD(conv.in_feature);
        FIELD(conv.k_in_feature);
        FIELD(conv.k_out_feature);
        FIELD(conv.out_batch);
        FIELD(conv.out_feature);
        FIELD(conv.n_spatial);
        for (uint32_t k = 0; k < x->conv.n_spatial; k++) {
            FIELD(conv.in_spatial[k]);
            FIELD(conv.k_spatial[k]);
            FIELD(conv.out_spatial[k]);
        }
    }
    FIELD(feature_group_count);
    FIELD(batch_group_count);
    LIST(dot.lhs_batch);
    LIST(dot.rhs_batch);
    LIST(dot.lhs_contracting);
    LIST(dot.rhs_contracting);
    LIST(dot.lhs_ragged);
    LIST(dot.rhs_group);
    /* An all-default precision list is not printed (as XLA): it may come back empty. */
    bool px = false, py = false;
    for (uint32_t k = 0; k < x->n_precision; k++)
        px |= x->precision[k] != HLOC_PRECISION_DEFAULT;
    for (uint32_t k = 0; k < y->n_precision; k++)
        py |= y->precision[k] != HLOC_PRECISION_DEFAULT;
    if (px || py) {
        FIELD(n_precision);
        if (memcmp(x->precision, y->precision, x->n_precision * sizeof *x->precision))
            return fail(c, "operand_precision differs");
    }
    STR(algorithm);
    FIELD(cmp_dir);
    FIELD(cmp_type);
    LIST(gather.offset_dims);
    LIST(gather.collapsed_slice_dims);
    LIST(gather.start_index_map);
    LIST(gather.operand_batching_dims);
    LIST(gather.start_indices_batching_dims);
    FIELD(gather.index_vector_dim);
    LIST(gather.slice_sizes);
    FIELD(gather.indices_are_sorted);
    LIST(scatter.update_window_dims);
    LIST(scatter.inserted_window_dims);
    LIST(scatter.scatter_dims_to_operand_dims);
    LIST(scatter.input_batching_dims);
    LIST(scatter.scatter_indices_batching_dims);
    FIELD(scatter.index_vector_dim);
    FIELD(scatter.indices_are_sorted);
    FIELD(scatter.unique_indices);
    FIELD(is_stable);
    FIELD(k);
    FIELD(largest);
    FIELD(exponent_bits);
    FIELD(mantissa_bits);
    FIELD(epsilon);
    FIELD(feature_index);
    FIELD(fusion_kind);
    STR(custom_call_target);
    FIELD(custom_call_has_side_effect);
    STR(api_version);
    STR(backend_config);
    FIELD(has_operand_layout_constraints);
    FIELD(n_operand_layout_constraints);
    for (uint32_t k = 0; k < x->n_operand_layout_constraints; k++)
        if (!shape_eq(&x->operand_layout_constraints[k], &y->operand_layout_constraints[k]))
            return fail(c, "operand layout constraint %u differs", k);
    FIELD(rng_distribution);
    FIELD(rng_algorithm);
    FIELD(delta);
    FIELD(fft_type);
    LIST(fft_length);
    FIELD(triangular_solve.left_side);
    FIELD(triangular_solve.lower);
    FIELD(triangular_solve.unit_diagonal);
    FIELD(triangular_solve.transpose_a);
    FIELD(cholesky_lower);
    if (!literal_eq(x->literal, y->literal)) return fail(c, "literal differs");
    FIELD(inferred_dimension);
    if (!metadata_eq(&x->metadata, &y->metadata)) return fail(c, "metadata differs");
    /* Raw attributes compare by name: the printer puts them in XLA's groups (own attributes
     * before called computations, sharding and frontend attributes after), which may reorder. */
    FIELD(n_extra);
    for (uint32_t k = 0; k < x->n_extra; k++) {
        const char *v = hloc_attrs_extra(y, x->extra[k].name);
        if (!v || !str_eq(x->extra[k].value, v))
            return fail(c, "raw attribute %s differs: [%s] vs [%s]", x->extra[k].name,
                        x->extra[k].value ? x->extra[k].value : "(null)", v ? v : "(missing)");
    }
    return true;
}
#undef FIELD
#undef LIST
#undef STR

static bool instr_eq(cmp *c, const hloc_instr *x, const hloc_instr *y) {
    if (!str_eq(x->name, y->name)) return fail(c, "name %s vs %s", x->name, y->name);
    if (x->op != y->op) return fail(c, "opcode differs");
    if (!shape_eq(&x->shape, &y->shape)) return fail(c, "shape differs");
    if (x->n_operands != y->n_operands) return fail(c, "operand count differs");
    for (uint32_t k = 0; k < x->n_operands; k++)
        if (!str_eq(x->operands[k]->name, y->operands[k]->name))
            return fail(c, "operand %u differs", k);
    if (x->n_called != y->n_called) return fail(c, "called computation count differs");
    for (uint32_t k = 0; k < x->n_called; k++)
        if (!str_eq(x->called[k]->name, y->called[k]->name))
            return fail(c, "called computation %u differs", k);
    if (x->n_control_preds != y->n_control_preds)
        return fail(c, "control predecessor count differs");
    for (uint32_t k = 0; k < x->n_control_preds; k++)
        if (!str_eq(x->control_preds[k]->name, y->control_preds[k]->name))
            return fail(c, "control predecessor %u differs", k);
    return attrs_eq(c, x->attrs, y->attrs);
}

static bool comp_eq(cmp *c, const hloc_computation *x, const hloc_computation *y) {
    c->where = x->name;
    if (!str_eq(x->name, y->name)) return fail(c, "computation name %s vs %s", x->name, y->name);
    if (x->n_params != y->n_params) return fail(c, "parameter count differs");
    if (!str_eq(x->execution_thread, y->execution_thread))
        return fail(c, "execution thread differs");
    if ((x->root == NULL) != (y->root == NULL) ||
        (x->root && !str_eq(x->root->name, y->root->name)))
        return fail(c, "root differs");
    uint32_t i = 0, j = 0;
    for (;;) {
        while (i < x->n_instrs && x->instrs[i]->dead)
            i++;
        while (j < y->n_instrs && y->instrs[j]->dead)
            j++;
        if (i == x->n_instrs || j == y->n_instrs) break;
        c->where = x->instrs[i]->name;
        if (!instr_eq(c, x->instrs[i], y->instrs[j])) return false;
        i++, j++;
    }
    c->where = x->name;
    if (i != x->n_instrs || j != y->n_instrs) return fail(c, "instruction count differs");
    return true;
}

bool hloc_test_module_equal(const hloc_module *x, const hloc_module *y, char *why, size_t n) {
    cmp c = {why, n, NULL, false};
    if (n) why[0] = 0;
    if (!str_eq(x->name, y->name)) return fail(&c, "name %s vs %s", x->name, y->name);
    if (x->is_scheduled != y->is_scheduled && (x->is_scheduled == 1 || y->is_scheduled == 1))
        return fail(&c, "is_scheduled differs");
    if (x->has_entry_layout != y->has_entry_layout || x->n_entry_params != y->n_entry_params)
        return fail(&c, "entry_computation_layout differs");
    for (uint32_t k = 0; k < x->n_entry_params; k++)
        if (!shape_eq(&x->entry_param_shapes[k], &y->entry_param_shapes[k]))
            return fail(&c, "entry layout parameter %u differs", k);
    if (x->has_entry_layout && !shape_eq(&x->entry_result_shape, &y->entry_result_shape))
        return fail(&c, "entry layout result differs");
    if (!str_eq(x->input_output_alias, y->input_output_alias) ||
        !str_eq(x->buffer_donor, y->buffer_donor) ||
        !str_eq(x->frontend_attributes, y->frontend_attributes) ||
        x->replica_count != y->replica_count || x->num_partitions != y->num_partitions ||
        x->n_extra != y->n_extra)
        return fail(&c, "header attributes differ");
    for (uint32_t k = 0; k < x->n_extra; k++)
        if (!str_eq(x->extra[k].name, y->extra[k].name) ||
            !str_eq(x->extra[k].value, y->extra[k].value))
            return fail(&c, "header attribute %s differs", x->extra[k].name);
    if (x->n_file_names != y->n_file_names || x->n_function_names != y->n_function_names ||
        x->n_file_locations != y->n_file_locations || x->n_stack_frames != y->n_stack_frames)
        return fail(&c, "stack-frame tables differ in size");
    for (uint32_t k = 0; k < x->n_file_names; k++)
        if (!str_eq(x->file_names[k], y->file_names[k]))
            return fail(&c, "file name %u differs", k + 1);
    for (uint32_t k = 0; k < x->n_function_names; k++)
        if (!str_eq(x->function_names[k], y->function_names[k]))
            return fail(&c, "function name %u differs", k + 1);
    if (x->n_file_locations && memcmp(x->file_locations, y->file_locations,
                                      x->n_file_locations * sizeof *x->file_locations))
        return fail(&c, "file locations differ");
    if (x->n_stack_frames &&
        memcmp(x->stack_frames, y->stack_frames, x->n_stack_frames * sizeof *x->stack_frames))
        return fail(&c, "stack frames differ");
    if (x->n_comps != y->n_comps) return fail(&c, "computation count differs");
    if ((x->entry == NULL) != (y->entry == NULL) ||
        (x->entry && !str_eq(x->entry->name, y->entry->name)))
        return fail(&c, "entry computation differs");
    for (uint32_t k = 0; k < x->n_comps; k++)
        if (!comp_eq(&c, x->comps[k], y->comps[k])) return false;
    return true;
}
