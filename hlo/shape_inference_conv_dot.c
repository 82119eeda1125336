/* Shape inference for dot (dot_general), ragged-dot, scaled-dot and convolution, after XLA's
 * InferDotOpShape / InferConvolveShape. The result element type is the declared one (XLA's
 * preferred_element_type): only integer narrowing is refused. */
#include "shape_inference_internal.h"

static bool in_list(const hloc_i64_list *l, int64_t d) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == d) return true;
    return false;
}

/* The declared element type, if the operands' type may become it; with no declared shape (the
 * parser inferring one) the higher-precision operand type, as XLA infers it. */
static bool result_type(hloc_si *s, hloc_type from, hloc_type other, hloc_type *out) {
    hloc_type to = s->i->shape.type;
    if (to == HLOC_TYPE_INVALID) {
        bool wider = hloc_type_is_float(other) && hloc_type_is_float(from) &&
                     hloc_type_bits(other) > hloc_type_bits(from);
        *out = wider ? other : from;
        return true;
    }
    if (!hloc_type_is_array(to))
        return hloc_si_fail(s, "%s result must be an array, declared %s",
                            hloc_opcode_name(s->i->op), hloc_si_str(s, &s->i->shape));
    if (hloc_type_is_int(from) && hloc_type_is_int(to) &&
        hloc_type_bits(to) < hloc_type_bits(from))
        return hloc_si_fail(s, "result type %s is narrower than the operands' %s",
                            hloc_type_name(to), hloc_type_name(from));
    *out = to;
    return true;
}

/* Checks a dot's dimension numbers for lhs (operand |l|) and rhs (operand |r|) and computes the
 * result dims: batch, lhs free, rhs free (rhs dims in |skip_rhs| are neither). */
static bool dot_dims(hloc_si *s, uint32_t l, uint32_t r, const hloc_i64_list *skip_rhs,
                     hloc_shape *out) {
    if (!hloc_si_need_array(s, l) || !hloc_si_need_array(s, r)) return false;
    const hloc_shape *x = hloc_si_op(s, l), *y = hloc_si_op(s, r);
    const hloc_dot_dnums *dn = &s->i->attrs->dot;
    if (dn->lhs_batch.n != dn->rhs_batch.n)
        return hloc_si_fail(s, "lhs_batch_dims has %u entries, rhs_batch_dims %u", dn->lhs_batch.n,
                            dn->rhs_batch.n);
    if (dn->lhs_contracting.n != dn->rhs_contracting.n)
        return hloc_si_fail(s, "lhs_contracting_dims has %u entries, rhs_contracting_dims %u",
                            dn->lhs_contracting.n, dn->rhs_contracting.n);
    if (!hloc_si_check_dims(s, dn->lhs_batch.v, dn->lhs_batch.n, x->rank, "lhs_batch_dims") ||
        !hloc_si_check_dims(s, dn->rhs_batch.v, dn->rhs_batch.n, y->rank, "rhs_batch_dims") ||
        !hloc_si_check_dims(s, dn->lhs_contracting.v, dn->lhs_contracting.n, x->rank,
                            "lhs_contracting_dims") ||
        !hloc_si_check_dims(s, dn->rhs_contracting.v, dn->rhs_contracting.n, y->rank,
                            "rhs_contracting_dims"))
        return false;
    for (uint32_t k = 0; k < dn->lhs_batch.n; k++) {
        if (in_list(&dn->lhs_contracting, dn->lhs_batch.v[k]))
            return hloc_si_fail(s, "lhs dimension %lld is both batch and contracting",
                                (long long)dn->lhs_batch.v[k]);
        if (in_list(&dn->rhs_contracting, dn->rhs_batch.v[k]))
            return hloc_si_fail(s, "rhs dimension %lld is both batch and contracting",
                                (long long)dn->rhs_batch.v[k]);
        if (x->dims[dn->lhs_batch.v[k]] != y->dims[dn->rhs_batch.v[k]])
            return hloc_si_fail(
                s,
                "batch dimension sizes differ: lhs dimension %lld is %lld, rhs dimension %lld is "
                "%lld",
                (long long)dn->lhs_batch.v[k], (long long)x->dims[dn->lhs_batch.v[k]],
                (long long)dn->rhs_batch.v[k], (long long)y->dims[dn->rhs_batch.v[k]]);
    }
    for (uint32_t k = 0; k < dn->lhs_contracting.n; k++)
        if (x->dims[dn->lhs_contracting.v[k]] != y->dims[dn->rhs_contracting.v[k]])
            return hloc_si_fail(
                s,
                "contracting dimension sizes differ: lhs dimension %lld is %lld, rhs dimension "
                "%lld is %lld",
                (long long)dn->lhs_contracting.v[k], (long long)x->dims[dn->lhs_contracting.v[k]],
                (long long)dn->rhs_contracting.v[k], (long long)y->dims[dn->rhs_contracting.v[k]]);
    int64_t dims[HLOC_MAX_RANK];
    uint32_t n = 0;
    for (uint32_t k = 0; k < dn->lhs_batch.n; k++)
        dims[n++] = x->dims[dn->lhs_batch.v[k]];
    for (uint32_t d = 0; d < x->rank; d++)
        if (!in_list(&dn->lhs_batch, d) && !in_list(&dn->lhs_contracting, d)) {
            if (n >= HLOC_MAX_RANK) return hloc_si_fail(s, "result rank exceeds %d", HLOC_MAX_RANK);
            dims[n++] = x->dims[d];
        }
    for (uint32_t d = 0; d < y->rank; d++)
        if (!in_list(&dn->rhs_batch, d) && !in_list(&dn->rhs_contracting, d) &&
            !(skip_rhs && in_list(skip_rhs, d))) {
            if (n >= HLOC_MAX_RANK) return hloc_si_fail(s, "result rank exceeds %d", HLOC_MAX_RANK);
            dims[n++] = y->dims[d];
        }
    hloc_type t;
    if (!result_type(s, x->type, y->type, &t)) return false;
    *out = hloc_si_array(t, n, dims);
    return true;
}

static bool dot(hloc_si *s, hloc_shape *out) { return dot_dims(s, 0, 1, NULL, out); }

/* ragged-dot(lhs, rhs, group_sizes): rhs has one group dimension; a ragged non-contracting lhs
 * dim gives dot's result without the group dim, a ragged contracting dim prepends the groups. */
static bool ragged_dot(hloc_si *s, hloc_shape *out) {
    const hloc_dot_dnums *dn = &s->i->attrs->dot;
    if (!hloc_si_need_array(s, 0) || !hloc_si_need_array(s, 1) || !hloc_si_need_array(s, 2))
        return false;
    if (dn->lhs_ragged.n != 1)
        return hloc_si_fail(s, "lhs_ragged_dims needs one entry, found %u", dn->lhs_ragged.n);
    const hloc_shape *x = hloc_si_op(s, 0), *y = hloc_si_op(s, 1), *g = hloc_si_op(s, 2);
    if (!hloc_si_check_dims(s, dn->lhs_ragged.v, 1, x->rank, "lhs_ragged_dims") ||
        !hloc_si_check_dims(s, dn->rhs_group.v, dn->rhs_group.n, y->rank, "rhs_group_dims"))
        return false;
    if (!hloc_type_is_int(g->type))
        return hloc_si_fail(s, "group sizes must be integers, found %s", hloc_type_name(g->type));
    if (!dot_dims(s, 0, 1, &dn->rhs_group, out)) return false;
    if (in_list(&dn->lhs_contracting, dn->lhs_ragged.v[0])) {
        if (out->rank >= HLOC_MAX_RANK)
            return hloc_si_fail(s, "result rank exceeds %d", HLOC_MAX_RANK);
        int64_t groups = g->rank ? g->dims[g->rank - 1] : 1;
        for (uint32_t k = out->rank; k > 0; k--)
            out->dims[k] = out->dims[k - 1];
        out->dims[0] = groups;
        out->rank++;
        hloc_shape_set_default_layout(out);
    }
    return true;
}

/* Output size of one window dimension over a base of size |base| (XLA's window_util). */
int64_t hloc_si_window_out(const hloc_window_dim *w, int64_t base) {
    int64_t dilated_base = base == 0 ? 0 : (base - 1) * w->lhs_dilate + 1;
    int64_t padded = dilated_base + w->pad_lo + w->pad_hi;
    int64_t dilated_window = (w->size - 1) * w->rhs_dilate + 1;
    if (padded < dilated_window) return 0;
    return (padded - dilated_window) / w->stride + 1;
}

bool hloc_si_check_window(hloc_si *s, const hloc_window *w, uint32_t n) {
    if (w->n_dims != n)
        return hloc_si_fail(s, "window has %u dimensions, expected %u", w->n_dims, n);
    for (uint32_t k = 0; k < n; k++) {
        const hloc_window_dim *d = &w->dims[k];
        if (d->size < 1 || d->stride < 1 || d->lhs_dilate < 1 || d->rhs_dilate < 1)
            return hloc_si_fail(
                s,
                "window dimension %u has size %lld, stride %lld, dilations %lld/%lld: "
                "size, stride and dilations must be >= 1",
                k, (long long)d->size, (long long)d->stride, (long long)d->lhs_dilate,
                (long long)d->rhs_dilate);
    }
    return true;
}

/* Dimension roles of one side of dim_labels: |fixed| (batch/feature) then the spatial ones. */
static bool labels_ok(hloc_si *s, const char *side, uint32_t rank, int64_t a, int64_t b,
                      const int64_t *spatial, uint32_t n_spatial) {
    int64_t all[HLOC_MAX_RANK + 2];
    if (rank != n_spatial + 2)
        return hloc_si_fail(s, "%s has rank %u, dim_labels needs %u", side, rank, n_spatial + 2);
    all[0] = a;
    all[1] = b;
    for (uint32_t k = 0; k < n_spatial; k++)
        all[k + 2] = spatial[k];
    return hloc_si_check_dims(s, all, n_spatial + 2, rank, "dim_labels");
}

static bool convolution(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !hloc_si_need_array(s, 1)) return false;
    const hloc_shape *x = hloc_si_op(s, 0), *k = hloc_si_op(s, 1);
    const hloc_attrs *at = s->i->attrs;
    const hloc_conv_dnums *dn = &at->conv;
    if (!dn->present) return hloc_si_fail(s, "convolution needs dim_labels=");
    uint32_t ns = dn->n_spatial;
    if (!labels_ok(s, "lhs", x->rank, dn->in_batch, dn->in_feature, dn->in_spatial, ns) ||
        !labels_ok(s, "rhs", k->rank, dn->k_in_feature, dn->k_out_feature, dn->k_spatial, ns) ||
        !labels_ok(s, "output", ns + 2, dn->out_batch, dn->out_feature, dn->out_spatial, ns))
        return false;
    if (!hloc_si_check_window(s, &at->window, ns)) return false;
    int64_t fgc = at->feature_group_count, bgc = at->batch_group_count;
    if (fgc < 1 || bgc < 1)
        return hloc_si_fail(
            s, "feature_group_count (%lld) and batch_group_count (%lld) must be positive",
            (long long)fgc, (long long)bgc);
    if (fgc > 1 && bgc > 1)
        return hloc_si_fail(s, "feature_group_count and batch_group_count cannot both exceed 1");
    int64_t batch = x->dims[dn->in_batch], in_f = x->dims[dn->in_feature];
    int64_t k_in = k->dims[dn->k_in_feature], k_out = k->dims[dn->k_out_feature];
    if (in_f % fgc != 0)
        return hloc_si_fail(s, "input features (%lld) not divisible by feature_group_count (%lld)",
                            (long long)in_f, (long long)fgc);
    if (in_f / fgc != k_in)
        return hloc_si_fail(
            s,
            "input features / feature_group_count = %lld, but the kernel's input features are %lld",
            (long long)(in_f / fgc), (long long)k_in);
    if (k_out % fgc != 0)
        return hloc_si_fail(
            s, "kernel output features (%lld) not divisible by feature_group_count (%lld)",
            (long long)k_out, (long long)fgc);
    if (batch % bgc != 0)
        return hloc_si_fail(s, "batch (%lld) not divisible by batch_group_count (%lld)",
                            (long long)batch, (long long)bgc);
    if (k_out % bgc != 0)
        return hloc_si_fail(
            s, "kernel output features (%lld) not divisible by batch_group_count (%lld)",
            (long long)k_out, (long long)bgc);
    int64_t dims[HLOC_MAX_RANK];
    dims[dn->out_batch] = batch / bgc;
    dims[dn->out_feature] = k_out;
    for (uint32_t d = 0; d < ns; d++) {
        const hloc_window_dim *w = &at->window.dims[d];
        if (w->size != k->dims[dn->k_spatial[d]])
            return hloc_si_fail(
                s, "window size %lld in spatial dimension %u differs from the kernel's %lld",
                (long long)w->size, d, (long long)k->dims[dn->k_spatial[d]]);
        dims[dn->out_spatial[d]] = hloc_si_window_out(w, x->dims[dn->in_spatial[d]]);
    }
    hloc_type t;
    if (!result_type(s, x->type, k->type, &t)) return false;
    *out = hloc_si_array(t, ns + 2, dims);
    return true;
}

bool hloc_infer_dot_conv(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_DOT:
        return dot(s, out);
    case HLOC_OP_SCALED_DOT:
        return dot_dims(s, 0, 1, NULL, out);
    case HLOC_OP_RAGGED_DOT:
        return ragged_dot(s, out);
    case HLOC_OP_CONVOLUTION:
        return convolution(s, out);
    default:
        break;
    }
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
