/* gather and scatter in the reference evaluator, with every dimension number XLA has (incl.
 * operand/input batching dims and an implicit trailing index_vector_dim). Gather clamps each start
 * so that the slice fits in the operand. Scatter applies updates in row-major order of the scatter
 * indices, then of the window; an update window that does not fit entirely in the operand is
 * skipped as a whole, as XLA's evaluator and its CPU code do. */
#include <stdlib.h>
#include <string.h>

#include "eval_kutil.h"

/* Index computation shared by gather and scatter: which operand position an index vector names. */
typedef struct idx_map {
    const hloc_literal *indices;
    int64_t ivd;                       /* index_vector_dim; == rank: implicit trailing 1 */
    uint32_t n_batch;                  /* indices dims other than ivd */
    int64_t batch_dims[HLOC_MAX_RANK]; /* those dims, in order */
    const hloc_i64_list *to_operand;   /* start_index_map / scatter_dims_to_operand_dims */
    const hloc_i64_list *op_batching;  /* operand_batching_dims / input_batching_dims */
    int64_t batch_pos[HLOC_MAX_RANK];  /* per op_batching entry: its position among batch_dims */
    uint32_t op_rank;
} idx_map;

static bool in_list(const hloc_i64_list *l, int64_t v) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == v) return true;
    return false;
}

/* True if |l| holds distinct values in [0, bound). */
static bool valid_dims(const hloc_i64_list *l, int64_t bound) {
    for (uint32_t k = 0; k < l->n; k++) {
        if (l->v[k] < 0 || l->v[k] >= bound) return false;
        for (uint32_t j = 0; j < k; j++)
            if (l->v[j] == l->v[k]) return false;
    }
    return true;
}

static hloc_status *idx_map_init(const hloc_instr *i, idx_map *m, const hloc_literal *indices,
                                 int64_t ivd, const hloc_i64_list *to_operand,
                                 const hloc_i64_list *op_batching,
                                 const hloc_i64_list *idx_batching, uint32_t op_rank) {
    uint32_t irank = indices->shape.rank;
    if (!hloc_type_is_int(indices->shape.type))
        return hloc_kernel_error(i, "indices must have an integer type");
    if (ivd < 0 || ivd > irank) return hloc_kernel_error(i, "index_vector_dim is out of range");
    int64_t n_index = ivd < irank ? indices->shape.dims[ivd] : 1;
    if (to_operand->n != n_index || !valid_dims(to_operand, op_rank))
        return hloc_kernel_error(i, "the index vector has %lld entries but %u operand dims map",
                                 (long long)n_index, to_operand->n);
    if (op_batching->n != idx_batching->n || !valid_dims(op_batching, op_rank) ||
        !valid_dims(idx_batching, irank))
        return hloc_kernel_error(i, "batching dims do not pair up");
    m->indices = indices;
    m->ivd = ivd;
    m->to_operand = to_operand;
    m->op_batching = op_batching;
    m->op_rank = op_rank;
    m->n_batch = 0;
    for (uint32_t d = 0; d < irank; d++)
        if (d != ivd) m->batch_dims[m->n_batch++] = d;
    for (uint32_t k = 0; k < idx_batching->n; k++) {
        if (idx_batching->v[k] == ivd || in_list(to_operand, op_batching->v[k]))
            return hloc_kernel_error(i, "a batching dim is also an index dim");
        m->batch_pos[k] = idx_batching->v[k] - (idx_batching->v[k] > ivd);
    }
    return NULL;
}

/* The operand start named by the indices at batch position |b| (n_batch entries). */
static void idx_map_start(const idx_map *m, const int64_t *b, int64_t *start) {
    int64_t full[HLOC_MAX_RANK];
    for (uint32_t k = 0; k < m->n_batch; k++)
        full[m->batch_dims[k]] = b[k];
    memset(start, 0, sizeof(int64_t) * m->op_rank);
    for (uint32_t k = 0; k < m->to_operand->n; k++) {
        if (m->ivd < m->indices->shape.rank) full[m->ivd] = k;
        int64_t lin = hloc_linear_index(&m->indices->shape, full);
        start[m->to_operand->v[k]] = hloc_literal_get_i64(m->indices, lin);
    }
    for (uint32_t k = 0; k < m->op_batching->n; k++)
        start[m->op_batching->v[k]] = b[m->batch_pos[k]];
}

EVAL_KERNEL(gather) {
    (void)ev;
    if (i->n_operands != 2) return hloc_kernel_error(i, "gather takes operand and start_indices");
    const hloc_gather_dnums *g = &i->attrs->gather;
    const hloc_literal *x = ops[0];
    uint32_t rank = x->shape.rank, orank = out->shape.rank;
    if (out->shape.type != x->shape.type)
        return hloc_kernel_error(i, "result type differs from the operand's");
    idx_map m;
    HLOC_RETURN_IF_ERROR(idx_map_init(i, &m, ops[1], g->index_vector_dim, &g->start_index_map,
                                      &g->operand_batching_dims, &g->start_indices_batching_dims,
                                      rank));
    if (g->slice_sizes.n != rank || !valid_dims(&g->collapsed_slice_dims, rank) ||
        !valid_dims(&g->offset_dims, orank))
        return hloc_kernel_error(i, "slice_sizes, collapsed_slice_dims or offset_dims are invalid");
    /* operand dims that stay in the result, in order, matched with offset_dims */
    int64_t win_dims[HLOC_MAX_RANK];
    uint32_t n_win = 0;
    for (uint32_t d = 0; d < rank; d++) {
        int64_t s = g->slice_sizes.v[d];
        if (s < 0 || s > x->shape.dims[d])
            return hloc_kernel_error(i, "slice size %lld does not fit operand dimension %u",
                                     (long long)s, d);
        bool dropped =
            in_list(&g->collapsed_slice_dims, d) || in_list(&g->operand_batching_dims, d);
        if (dropped && s != 1)
            return hloc_kernel_error(i, "collapsed dim %u has slice size != 1", d);
        if (!dropped) win_dims[n_win++] = d;
    }
    if (n_win != g->offset_dims.n || orank != n_win + m.n_batch)
        return hloc_kernel_error(i, "result rank does not match offset_dims and the batch dims");
    /* output batch dims (not in offset_dims), in order, match the indices' batch dims */
    int64_t out_batch[HLOC_MAX_RANK], bdims[HLOC_MAX_RANK], wdims[HLOC_MAX_RANK];
    int64_t ostr[HLOC_MAX_RANK], xstr[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(&out->shape, ostr);
    hloc_shape_row_major_strides(&x->shape, xstr);
    for (uint32_t d = 0, nb = 0; d < orank; d++) {
        if (in_list(&g->offset_dims, d)) continue;
        out_batch[nb] = d;
        bdims[nb] = m.indices->shape.dims[m.batch_dims[nb]];
        if (out->shape.dims[d] != bdims[nb])
            return hloc_kernel_error(i, "result dimension %u differs from the indices'", d);
        nb++;
    }
    for (uint32_t k = 0; k < n_win; k++) {
        wdims[k] = g->slice_sizes.v[win_dims[k]];
        if (out->shape.dims[g->offset_dims.v[k]] != wdims[k])
            return hloc_kernel_error(i, "result offset dimension %lld differs from the slice size",
                                     (long long)g->offset_dims.v[k]);
    }
    if (!hloc_shape_elements(&out->shape)) return NULL;

    size_t bytes = hloc_type_bytes(x->shape.type);
    int64_t b[HLOC_MAX_RANK] = {0}, w[HLOC_MAX_RANK], start[HLOC_MAX_RANK];
    do {
        idx_map_start(&m, b, start);
        int64_t xbase = 0, obase = 0;
        for (uint32_t d = 0; d < rank; d++) {
            int64_t hi = x->shape.dims[d] - g->slice_sizes.v[d];
            int64_t s = start[d] < 0 ? 0 : start[d] > hi ? hi : start[d];
            xbase += s * xstr[d];
        }
        for (uint32_t k = 0; k < m.n_batch; k++)
            obase += b[k] * ostr[out_batch[k]];
        memset(w, 0, sizeof w);
        do {
            int64_t xo = xbase, oo = obase;
            for (uint32_t k = 0; k < n_win; k++) {
                xo += w[k] * xstr[win_dims[k]];
                oo += w[k] * ostr[g->offset_dims.v[k]];
            }
            memcpy(hloc_literal_at(out, oo), hloc_literal_at(x, xo), bytes);
        } while (hloc_index_next(w, wdims, n_win));
    } while (hloc_index_next(b, bdims, m.n_batch));
    return NULL;
}

enum { SLOT = 16 };

EVAL_KERNEL(scatter) {
    if (i->n_operands < 3 || i->n_operands % 2 == 0 || i->n_called < 1)
        return hloc_kernel_error(i, "scatter needs N inputs, indices, N updates and to_apply");
    uint32_t n = (i->n_operands - 1) / 2;
    const hloc_scatter_dnums *sd = &i->attrs->scatter;
    const hloc_computation *f = i->called[0];
    const hloc_literal *x0 = ops[0], *upd0 = ops[n + 1];
    uint32_t rank = x0->shape.rank, urank = upd0->shape.rank;
    if ((n > 1) != (out->shape.type == HLOC_TYPE_TUPLE) || (n > 1 && out->n_elems != n))
        return hloc_kernel_error(i, "result must have one array per input");
    if (f->n_params != 2 * n) return hloc_kernel_error(i, "to_apply must take %u scalars", 2 * n);
    const hloc_shape *root = &f->root->shape;
    if ((n > 1) != (root->type == HLOC_TYPE_TUPLE) || (n > 1 && root->n_elems != n))
        return hloc_kernel_error(i, "to_apply must return %u scalars", n);
    for (uint32_t k = 0; k < n; k++) {
        hloc_type t = ops[k]->shape.type;
        const hloc_literal *y = hloc_kernel_leaf(out, k);
        if (!hloc_shape_same_dims(&ops[k]->shape, &x0->shape) ||
            !hloc_shape_same_dims(&ops[n + 1 + k]->shape, &upd0->shape) ||
            ops[n + 1 + k]->shape.type != t || !hloc_shape_same_dims(&y->shape, &x0->shape) ||
            y->shape.type != t || f->params[k]->shape.type != t ||
            f->params[n + k]->shape.type != t || (n > 1 ? root->elems[k].type : root->type) != t)
            return hloc_kernel_error(i, "input %u, its updates, result and to_apply types differ",
                                     k);
    }
    idx_map m;
    HLOC_RETURN_IF_ERROR(idx_map_init(i, &m, ops[n], sd->index_vector_dim,
                                      &sd->scatter_dims_to_operand_dims, &sd->input_batching_dims,
                                      &sd->scatter_indices_batching_dims, rank));
    if (!valid_dims(&sd->update_window_dims, urank) || !valid_dims(&sd->inserted_window_dims, rank))
        return hloc_kernel_error(i, "update_window_dims or inserted_window_dims are invalid");
    /* operand dims covered by the update window, in order, matched with update_window_dims */
    int64_t win_dims[HLOC_MAX_RANK], wsize[HLOC_MAX_RANK] = {0};
    uint32_t n_win = 0;
    for (uint32_t d = 0; d < rank; d++)
        if (!in_list(&sd->inserted_window_dims, d) && !in_list(&sd->input_batching_dims, d))
            win_dims[n_win++] = d;
    if (n_win != sd->update_window_dims.n || urank != n_win + m.n_batch)
        return hloc_kernel_error(i, "updates rank does not match update_window_dims and indices");
    int64_t ustr[HLOC_MAX_RANK], xstr[HLOC_MAX_RANK], sdims[HLOC_MAX_RANK];
    int64_t upd_scatter[HLOC_MAX_RANK];
    hloc_shape_row_major_strides(&upd0->shape, ustr);
    hloc_shape_row_major_strides(&x0->shape, xstr);
    for (uint32_t d = 0, nb = 0; d < urank; d++) {
        if (in_list(&sd->update_window_dims, d)) continue;
        upd_scatter[nb] = d;
        sdims[nb] = m.indices->shape.dims[m.batch_dims[nb]];
        if (upd0->shape.dims[d] != sdims[nb])
            return hloc_kernel_error(i, "updates dimension %u differs from the indices'", d);
        nb++;
    }
    int64_t full_wsize[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < rank; d++)
        full_wsize[d] = 1;
    for (uint32_t k = 0; k < n_win; k++) {
        wsize[k] = upd0->shape.dims[sd->update_window_dims.v[k]];
        full_wsize[win_dims[k]] = wsize[k];
        if (wsize[k] > x0->shape.dims[win_dims[k]])
            return hloc_kernel_error(i, "update window dimension %u is larger than the operand", k);
    }

    for (uint32_t k = 0; k < n; k++) {
        hloc_literal *y = hloc_kernel_leaf(out, k);
        memcpy(y->data, ops[k]->data, hloc_shape_bytes(&y->shape));
    }
    if (!hloc_shape_elements(&upd0->shape)) return NULL;

    bool swapped;
    hloc_opcode op = hloc_kernel_binop(f, &swapped);
    bool f32_add = n == 1 && x0->shape.type == HLOC_TYPE_F32 && op == HLOC_OP_ADD;
    bool assign = n == 1 && f->root == f->params[1];
    const void **args = calloc(2 * (size_t)n, sizeof *args);
    void **results = calloc(n, sizeof *results);
    unsigned char(*res)[SLOT] = calloc(n, SLOT);
    hloc_status *st = NULL;
    if (!args || !results || !res) {
        st = hloc_status_oom();
        goto done;
    }
    for (uint32_t k = 0; k < n; k++)
        results[k] = res[k];
    int64_t s[HLOC_MAX_RANK] = {0}, w[HLOC_MAX_RANK], start[HLOC_MAX_RANK];
    do {
        idx_map_start(&m, s, start);
        bool fits = true;
        int64_t xbase = 0, ubase = 0;
        for (uint32_t d = 0; d < rank; d++) {
            if (start[d] < 0 || start[d] > x0->shape.dims[d] - full_wsize[d]) fits = false;
            xbase += start[d] * xstr[d];
        }
        if (!fits) continue;
        for (uint32_t k = 0; k < m.n_batch; k++)
            ubase += s[k] * ustr[upd_scatter[k]];
        memset(w, 0, sizeof w);
        do {
            int64_t xo = xbase, uo = ubase;
            for (uint32_t k = 0; k < n_win; k++) {
                xo += w[k] * xstr[win_dims[k]];
                uo += w[k] * ustr[sd->update_window_dims.v[k]];
            }
            if (f32_add) {
                ((float *)out->data)[xo] += ((const float *)upd0->data)[uo];
                continue;
            }
            if (assign) {
                memcpy(hloc_literal_at(out, xo), hloc_literal_at(upd0, uo),
                       hloc_type_bytes(x0->shape.type));
                continue;
            }
            for (uint32_t k = 0; k < n; k++) {
                args[k] = hloc_literal_at(hloc_kernel_leaf(out, k), xo);
                args[n + k] = hloc_literal_at(ops[n + 1 + k], uo);
            }
            if ((st = hloc_eval_call_scalar(ev, f, args, results))) goto done;
            for (uint32_t k = 0; k < n; k++) {
                hloc_literal *y = hloc_kernel_leaf(out, k);
                memcpy(hloc_literal_at(y, xo), res[k], hloc_type_bytes(y->shape.type));
            }
        } while (hloc_index_next(w, wsize, n_win));
    } while (hloc_index_next(s, sdims, m.n_batch));
done:
    free(args);
    free(results);
    free(res);
    return st;
}
