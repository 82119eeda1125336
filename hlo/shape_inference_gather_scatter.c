/* Shape inference for gather and scatter, with batching dims, after XLA's InferGatherShape and
 * InferScatterShape. "Expanded" indices have an explicit index-vector dimension: when
 * index_vector_dim equals the indices' rank a trailing 1 is implied. */
#include "shape_inference_internal.h"

static bool contains(const hloc_i64_list *l, int64_t d) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == d) return true;
    return false;
}

static bool sorted_dims(hloc_si *s, const hloc_i64_list *l, uint32_t rank, const char *what) {
    if (!hloc_si_check_dims(s, l->v, l->n, rank, what)) return false;
    for (uint32_t k = 1; k < l->n; k++)
        if (l->v[k - 1] > l->v[k]) return hloc_si_fail(s, "%s must be sorted", what);
    return true;
}

/* Checks the indices operand and fills the expanded indices' dims; returns its rank or -1. */
static int expanded_indices(hloc_si *s, uint32_t k, int64_t ivd, int64_t *dims) {
    if (!hloc_si_need_array(s, k)) return -1;
    const hloc_shape *ix = hloc_si_op(s, k);
    if (!hloc_type_is_int(ix->type)) {
        hloc_si_fail(s, "indices must be integers, found %s", hloc_type_name(ix->type));
        return -1;
    }
    if (ivd < 0 || ivd > ix->rank) {
        hloc_si_fail(s, "index_vector_dim %lld out of range for indices of rank %u", (long long)ivd,
                     ix->rank);
        return -1;
    }
    for (uint32_t d = 0; d < ix->rank; d++)
        dims[d] = ix->dims[d];
    if (ivd < ix->rank) return ix->rank;
    if (ix->rank >= HLOC_MAX_RANK) {
        hloc_si_fail(s, "indices rank too large");
        return -1;
    }
    dims[ix->rank] = 1;
    return ix->rank + 1;
}

static bool batching_dims(hloc_si *s, const hloc_i64_list *op_dims, const hloc_i64_list *ix_dims,
                          uint32_t op_rank, int64_t ivd, const int64_t *idims, int irank,
                          const hloc_shape *operand, const char *op_name, const char *ix_name) {
    if (!sorted_dims(s, op_dims, op_rank, op_name) ||
        !hloc_si_check_dims(s, ix_dims->v, ix_dims->n, (uint32_t)irank, ix_name))
        return false;
    if (op_dims->n != ix_dims->n)
        return hloc_si_fail(s, "%s has %u entries, %s %u", op_name, op_dims->n, ix_name,
                            ix_dims->n);
    for (uint32_t k = 0; k < ix_dims->n; k++) {
        if (ix_dims->v[k] == ivd) return hloc_si_fail(s, "%s contains index_vector_dim", ix_name);
        if (operand->dims[op_dims->v[k]] != idims[ix_dims->v[k]])
            return hloc_si_fail(s, "batching dimension sizes differ: operand %lld, indices %lld",
                                (long long)operand->dims[op_dims->v[k]],
                                (long long)idims[ix_dims->v[k]]);
    }
    return true;
}

static bool gather(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_gather_dnums *g = &s->i->attrs->gather;
    int64_t idims[HLOC_MAX_RANK + 1];
    int irank = expanded_indices(s, 1, g->index_vector_dim, idims);
    if (irank < 0) return false;
    if (g->start_index_map.n != idims[g->index_vector_dim])
        return hloc_si_fail(s, "start_index_map has %u entries, the index vector %lld",
                            g->start_index_map.n, (long long)idims[g->index_vector_dim]);
    if (!hloc_si_check_dims(s, g->start_index_map.v, g->start_index_map.n, x->rank,
                            "start_index_map") ||
        !sorted_dims(s, &g->collapsed_slice_dims, x->rank, "collapsed_slice_dims") ||
        !batching_dims(s, &g->operand_batching_dims, &g->start_indices_batching_dims, x->rank,
                       g->index_vector_dim, idims, irank, x, "operand_batching_dims",
                       "start_indices_batching_dims"))
        return false;
    if (g->slice_sizes.n != x->rank)
        return hloc_si_fail(s, "slice_sizes has %u entries, operand rank is %u", g->slice_sizes.n,
                            x->rank);
    for (uint32_t d = 0; d < x->rank; d++) {
        int64_t sz = g->slice_sizes.v[d];
        if (sz < 0 || sz > x->dims[d])
            return hloc_si_fail(
                s, "slice size %lld out of range for operand dimension %u of size %lld",
                (long long)sz, d, (long long)x->dims[d]);
        bool collapsed = contains(&g->collapsed_slice_dims, d),
             batch = contains(&g->operand_batching_dims, d);
        if (collapsed && batch)
            return hloc_si_fail(s, "operand dimension %u is both collapsed and batching", d);
        if ((collapsed || batch) && sz > 1)
            return hloc_si_fail(s, "%s dimension %u must have slice size 0 or 1, found %lld",
                                collapsed ? "collapsed" : "batching", d, (long long)sz);
    }
    uint32_t n_offset = g->offset_dims.n;
    if (n_offset + g->collapsed_slice_dims.n + g->operand_batching_dims.n != x->rank)
        return hloc_si_fail(
            s,
            "offset_dims (%u) + collapsed_slice_dims (%u) + operand_batching_dims (%u) "
            "must equal the operand rank %u",
            n_offset, g->collapsed_slice_dims.n, g->operand_batching_dims.n, x->rank);
    uint32_t rank = n_offset + (uint32_t)irank - 1;
    if (rank > HLOC_MAX_RANK) return hloc_si_fail(s, "result rank exceeds %d", HLOC_MAX_RANK);
    if (!sorted_dims(s, &g->offset_dims, rank, "offset_dims")) return false;
    int64_t dims[HLOC_MAX_RANK];
    uint32_t next_offset = 0, next_batch = 0;
    for (uint32_t d = 0; d < rank; d++) {
        if (contains(&g->offset_dims, d)) {
            while (contains(&g->collapsed_slice_dims, next_offset) ||
                   contains(&g->operand_batching_dims, next_offset))
                next_offset++;
            dims[d] = g->slice_sizes.v[next_offset++];
        } else {
            if (next_batch == g->index_vector_dim) next_batch++;
            dims[d] = idims[next_batch++];
        }
    }
    *out = hloc_si_array(x->type, rank, dims);
    return true;
}

static bool scatter(hloc_si *s, hloc_shape *out) {
    uint32_t n_ops = s->i->n_operands;
    if (n_ops < 3 || n_ops % 2 == 0)
        return hloc_si_fail(s, "expected N operands, indices and N updates, found %u operands",
                            n_ops);
    uint32_t n = (n_ops - 1) / 2;
    enum { MAXN = 64 };
    if (n > MAXN) return hloc_si_fail(s, "more than %d scattered values", MAXN);
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0), *u = hloc_si_op(s, n + 1);
    const hloc_scatter_dnums *sd = &s->i->attrs->scatter;
    hloc_type types[MAXN], acc[MAXN];
    hloc_shape results[MAXN];
    for (uint32_t k = 0; k < n; k++) {
        if (!hloc_si_need_array(s, k) || !hloc_si_need_array(s, n + 1 + k)) return false;
        const hloc_shape *xk = hloc_si_op(s, k), *uk = hloc_si_op(s, n + 1 + k);
        if (!hloc_si_same_dims(xk, x))
            return hloc_si_fail(s, "operand %u has shape %s, operand 0 has %s", k,
                                hloc_si_str(s, xk), hloc_si_str(s, x));
        if (!hloc_si_same_dims(uk, u))
            return hloc_si_fail(s, "update %u has shape %s, update 0 has %s", k, hloc_si_str(s, uk),
                                hloc_si_str(s, u));
        if (uk->type != xk->type)
            return hloc_si_fail(s, "update %u has type %s, operand %u has %s", k,
                                hloc_type_name(uk->type), k, hloc_type_name(xk->type));
        types[k] = xk->type;
        results[k] = *xk;
    }
    int64_t idims[HLOC_MAX_RANK + 1];
    int irank = expanded_indices(s, n, sd->index_vector_dim, idims);
    if (irank < 0) return false;
    if (!sorted_dims(s, &sd->update_window_dims, u->rank, "update_window_dims") ||
        !sorted_dims(s, &sd->inserted_window_dims, x->rank, "inserted_window_dims") ||
        !batching_dims(s, &sd->input_batching_dims, &sd->scatter_indices_batching_dims, x->rank,
                       sd->index_vector_dim, idims, irank, x, "input_batching_dims",
                       "scatter_indices_batching_dims"))
        return false;
    for (uint32_t k = 0; k < sd->inserted_window_dims.n; k++)
        if (contains(&sd->input_batching_dims, sd->inserted_window_dims.v[k]))
            return hloc_si_fail(s, "operand dimension %lld is both inserted and batching",
                                (long long)sd->inserted_window_dims.v[k]);
    uint32_t window = sd->update_window_dims.n;
    if (window + sd->inserted_window_dims.n + sd->input_batching_dims.n != x->rank)
        return hloc_si_fail(
            s,
            "update_window_dims (%u) + inserted_window_dims (%u) + input_batching_dims (%u) "
            "must equal the operand rank %u",
            window, sd->inserted_window_dims.n, sd->input_batching_dims.n, x->rank);
    if (sd->scatter_dims_to_operand_dims.n != idims[sd->index_vector_dim])
        return hloc_si_fail(s, "scatter_dims_to_operand_dims has %u entries, the index vector %lld",
                            sd->scatter_dims_to_operand_dims.n,
                            (long long)idims[sd->index_vector_dim]);
    if (!hloc_si_check_dims(s, sd->scatter_dims_to_operand_dims.v,
                            sd->scatter_dims_to_operand_dims.n, x->rank,
                            "scatter_dims_to_operand_dims"))
        return false;
    if (u->rank != window + (uint32_t)irank - 1)
        return hloc_si_fail(s, "updates have rank %u, expected %u (window dims + scatter dims)",
                            u->rank, window + (uint32_t)irank - 1);
    uint32_t od = 0, id = 0;
    for (uint32_t d = 0; d < u->rank; d++) {
        if (contains(&sd->update_window_dims, d)) {
            while (contains(&sd->inserted_window_dims, od) ||
                   contains(&sd->input_batching_dims, od))
                od++;
            if (u->dims[d] > x->dims[od])
                return hloc_si_fail(
                    s, "update window dimension %u (size %lld) exceeds operand dimension %u (%lld)",
                    d, (long long)u->dims[d], od, (long long)x->dims[od]);
            od++;
        } else {
            if (id == sd->index_vector_dim) id++;
            if (u->dims[d] != idims[id])
                return hloc_si_fail(
                    s,
                    "update scatter dimension %u has size %lld, the indices' dimension %u has %lld",
                    d, (long long)u->dims[d], id, (long long)idims[id]);
            id++;
        }
    }
    const hloc_computation *c = hloc_si_callee(s, 0, "to_apply");
    if (!c || !hloc_si_check_reducer(s, c, "to_apply", types, NULL, n, acc)) return false;
    if (n == 1) {
        *out = hloc_si_strip_layout(s, x);
        return true;
    }
    return hloc_si_tuple(s, results, n, out);
}

bool hloc_infer_gather_scatter(hloc_si *s, hloc_shape *out) {
    if (s->i->op == HLOC_OP_GATHER) return gather(s, out);
    if (s->i->op == HLOC_OP_SCATTER) return scatter(s, out);
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
