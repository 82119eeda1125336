/* Gather (elemental: each output element finds its operand element), scatter and
 * dynamic-update-slice (materialized: copy the operand, then write the updates). Start indices are
 * clamped as XLA does for gather and dynamic slices; a scatter window that does not fit in the
 * operand is skipped. */
#include "cg.h"

static int64_t list_find(const hloc_i64_list *l, int64_t v) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == v) return k;
    return -1;
}

/* Reads the k-th component of the index vector at batch position |bidx| (indices of the index
 * array without index_vector_dim), as i64. */
static LLVMValueRef index_component(cg *c, cg_scope *s, const hloc_instr *ind, int64_t ivd,
                                    LLVMValueRef const *bidx, uint32_t k) {
    LLVMValueRef si[HLOC_MAX_RANK];
    uint32_t r = ind->shape.rank, b = 0;
    for (uint32_t d = 0; d < r; d++) si[d] = (int64_t)d == ivd ? cg_const_i64(c, k) : bidx[b++];
    LLVMValueRef v = cg_elem(c, s, ind, si);
    return cg_convert(c, v, ind->shape.type, HLOC_TYPE_S64);
}

LLVMValueRef cg_gather_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_gather_dnums *g = &i->attrs->gather;
    const hloc_instr *op = i->operands[0], *ind = i->operands[1];
    const hloc_shape *os = &op->shape, *rs = &i->shape;
    if (i->n_operands != 2 || g->slice_sizes.n != os->rank) {
        cg_unsupported(c, i, "this form of gather");
        return LLVMGetUndef(cg_ctype(c, rs->type));
    }
    /* Output dims not in offset_dims are batch dims, in the order of the index array's dims
     * without index_vector_dim. */
    LLVMValueRef bidx[HLOC_MAX_RANK];
    uint32_t nb = 0;
    for (uint32_t d = 0; d < rs->rank; d++)
        if (list_find(&g->offset_dims, d) < 0) bidx[nb++] = idx[d];
    int64_t si_dims[HLOC_MAX_RANK]; /* index-array dim of each batch position */
    uint32_t n = 0;
    for (uint32_t d = 0; d < ind->shape.rank; d++)
        if ((int64_t)d != g->index_vector_dim) si_dims[n++] = d;
    LLVMValueRef start[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < os->rank; d++) start[d] = cg_const_i64(c, 0);
    for (uint32_t k = 0; k < g->start_index_map.n; k++) {
        int64_t od = g->start_index_map.v[k];
        start[od] = index_component(c, s, ind, g->index_vector_dim, bidx, k);
    }
    for (uint32_t d = 0; d < os->rank; d++) {
        int64_t hi = os->dims[d] - g->slice_sizes.v[d];
        start[d] = cg_clamp_i64(c, start[d], 0, hi > 0 ? hi : 0);
    }
    for (uint32_t j = 0; j < g->operand_batching_dims.n; j++) {
        int64_t sd = g->start_indices_batching_dims.v[j];
        for (uint32_t b = 0; b < n; b++)
            if (si_dims[b] == sd) start[g->operand_batching_dims.v[j]] = bidx[b];
    }
    LLVMValueRef oi[HLOC_MAX_RANK];
    uint32_t k = 0;
    for (uint32_t d = 0; d < os->rank; d++) {
        oi[d] = start[d];
        if (list_find(&g->collapsed_slice_dims, d) >= 0 || list_find(&g->operand_batching_dims, d) >= 0)
            continue;
        if (k < g->offset_dims.n) oi[d] = LLVMBuildAdd(c->b, start[d], idx[g->offset_dims.v[k++]], "");
    }
    return cg_elem(c, s, op, oi);
}

/* scatter (variadic): operands[0..n), indices, updates[n+1..2n+1); the combiner takes
 * (current..., update...). */
void cg_emit_scatter(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_scatter_dnums *g = &i->attrs->scatter;
    uint32_t n = (i->n_operands - 1) / 2;
    const cg_value *outs[16];
    if (i->n_operands != 2 * n + 1 || n == 0 || n > 16 || i->n_called != 1) {
        cg_unsupported(c, i, "this form of scatter");
        return;
    }
    if (n == 1) {
        outs[0] = dst;
    } else {
        if (dst->kind != CGV_TUPLE || dst->n_elems != n) {
            cg_unsupported(c, i, "this form of scatter");
            return;
        }
        for (uint32_t k = 0; k < n; k++) outs[k] = &dst->elems[k];
    }
    for (uint32_t k = 0; k < n; k++) {
        if (outs[k]->kind != CGV_BUFFER) {
            cg_unsupported(c, i, "scatter into tuples");
            return;
        }
        cg_copy_value(c, s, cg_value_of(c, s, i->operands[k]), outs[k]);
    }
    const hloc_instr *ind = i->operands[n];
    const hloc_shape *os = outs[0]->shape, *us = &i->operands[n + 1]->shape;
    LLVMBuilderRef b = c->b;
    LLVMValueRef ui[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin(c, &nest, us, ui);
    LLVMValueRef bidx[HLOC_MAX_RANK];
    uint32_t nb = 0;
    for (uint32_t d = 0; d < us->rank; d++)
        if (list_find(&g->update_window_dims, d) < 0) bidx[nb++] = ui[d];
    int64_t si_dims[HLOC_MAX_RANK];
    uint32_t nsi = 0;
    for (uint32_t d = 0; d < ind->shape.rank; d++)
        if ((int64_t)d != g->index_vector_dim) si_dims[nsi++] = d;
    LLVMValueRef start[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < os->rank; d++) start[d] = cg_const_i64(c, 0);
    for (uint32_t k = 0; k < g->scatter_dims_to_operand_dims.n; k++)
        start[g->scatter_dims_to_operand_dims.v[k]] = index_component(c, s, ind, g->index_vector_dim, bidx, k);
    for (uint32_t j = 0; j < g->input_batching_dims.n; j++) {
        int64_t sd = g->scatter_indices_batching_dims.v[j];
        for (uint32_t q = 0; q < nsi; q++)
            if (si_dims[q] == sd) start[g->input_batching_dims.v[j]] = bidx[q];
    }
    /* Window sizes: update dims for window dims, 1 for inserted and batching dims. */
    LLVMValueRef oi[HLOC_MAX_RANK];
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    uint32_t k = 0;
    for (uint32_t d = 0; d < os->rank; d++) {
        int64_t wsize = 1;
        oi[d] = start[d];
        if (list_find(&g->inserted_window_dims, d) < 0 && list_find(&g->input_batching_dims, d) < 0 &&
            k < g->update_window_dims.n) {
            int64_t ud = g->update_window_dims.v[k++];
            wsize = us->dims[ud];
            oi[d] = LLVMBuildAdd(b, start[d], ui[ud], "");
        }
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSGE, start[d], cg_const_i64(c, 0), ""), "");
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLE, start[d], cg_const_i64(c, os->dims[d] - wsize), ""), "");
    }
    LLVMBasicBlockRef then = cg_block(c, "scatter.in"), join = cg_block(c, "scatter.join");
    LLVMBuildCondBr(b, ok, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    LLVMValueRef offs[16], args[32], r[16];
    for (uint32_t q = 0; q < n; q++) {
        offs[q] = cg_offset(c, outs[q]->shape, oi);
        args[q] = cg_load(c, outs[q]->shape->type, outs[q]->ptr, offs[q]);
        args[n + q] = cg_operand(c, s, i, n + 1 + q, ui);
    }
    cg_call_scalar(c, i->called[0], args, 2 * n, r);
    if (!c->err)
        for (uint32_t q = 0; q < n; q++) cg_store(c, outs[q]->shape->type, outs[q]->ptr, offs[q], r[q]);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &nest);
}

void cg_emit_dus(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_shape *os = &i->operands[0]->shape;
    if (dst->kind != CGV_BUFFER || i->n_operands != 2u + os->rank) {
        cg_unsupported(c, i, "a dynamic-update-slice without one scalar start per dimension");
        return;
    }
    const hloc_instr *upd = i->operands[1];
    cg_copy_value(c, s, cg_value_of(c, s, i->operands[0]), dst);
    LLVMValueRef start[HLOC_MAX_RANK], ui[HLOC_MAX_RANK], oi[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < os->rank; d++)
        start[d] = cg_dynamic_start(c, s, i, 2 + d, os->dims[d], upd->shape.dims[d]);
    cg_nest nest;
    cg_nest_begin(c, &nest, &upd->shape, ui);
    for (uint32_t d = 0; d < os->rank; d++) oi[d] = LLVMBuildAdd(c->b, start[d], ui[d], "");
    cg_store(c, dst->shape->type, dst->ptr, cg_offset(c, dst->shape, oi), cg_elem(c, s, upd, ui));
    cg_nest_end(c, &nest);
}
