/* Reductions: reduce (variadic) and reduce-window. Each output element runs an inner loop nest
 * over the reduced dimensions (in the input's physical order) with accumulators in allocas, which
 * mem2reg turns into registers, calling the reducer computation's internal function. */
#include "cg.h"

enum { MAX_VARIADIC = 16 };

/* Reduces at output index |idx|; out[k] receives result k. */
static void reduce_at(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, LLVMValueRef *out) {
    uint32_t n = i->n_operands / 2;
    if (n == 0 || n > MAX_VARIADIC || i->n_operands != 2 * n || i->n_called != 1) {
        cg_unsupported(c, i, "this form of reduce");
        for (uint32_t k = 0; k < (n ? n : 1) && k < MAX_VARIADIC; k++) out[k] = LLVMGetUndef(c->t_f32);
        return;
    }
    const hloc_shape *in = &i->operands[0]->shape;
    bool reduced[HLOC_MAX_RANK] = {false};
    for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
        int64_t d = i->attrs->dims.v[k];
        if (d >= 0 && d < in->rank) reduced[d] = true;
    }
    LLVMValueRef acc[MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        hloc_type t = i->operands[n + k]->shape.type;
        acc[k] = cg_alloca(c, cg_ctype(c, t), "acc");
        LLVMBuildStore(c->b, cg_operand(c, s, i, n + k, NULL), acc[k]);
    }
    LLVMValueRef in_idx[HLOC_MAX_RANK];
    uint8_t order[HLOC_MAX_RANK];
    uint32_t n_red = 0, od = 0;
    for (uint32_t d = 0; d < in->rank; d++)
        if (!reduced[d]) in_idx[d] = idx[od++];
    for (uint32_t j = 0; j < in->rank; j++) {
        uint32_t d = in->has_layout ? in->minor_to_major[in->rank - 1 - j] : j;
        if (reduced[d]) order[n_red++] = (uint8_t)d;
    }
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, n_red, in->dims, order, in_idx);
    LLVMValueRef args[2 * MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        hloc_type t = i->operands[n + k]->shape.type;
        args[k] = LLVMBuildLoad2(c->b, cg_ctype(c, t), acc[k], "");
        args[n + k] = cg_operand(c, s, i, k, in_idx);
    }
    LLVMValueRef res[MAX_VARIADIC];
    cg_call_scalar(c, i->called[0], args, 2 * n, res);
    if (!c->err)
        for (uint32_t k = 0; k < n; k++) LLVMBuildStore(c->b, res[k], acc[k]);
    cg_nest_end(c, &nest);
    for (uint32_t k = 0; k < n; k++) {
        hloc_type t = i->operands[n + k]->shape.type;
        out[k] = LLVMBuildLoad2(c->b, cg_ctype(c, t), acc[k], "");
    }
}

LLVMValueRef cg_reduce_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMValueRef out[MAX_VARIADIC];
    reduce_at(c, s, i, idx, out);
    return out[0];
}

void cg_emit_reduce(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    uint32_t n = i->n_operands / 2;
    if (dst->kind != CGV_TUPLE || dst->n_elems != n || n == 0 || n > MAX_VARIADIC) {
        cg_unsupported(c, i, "this form of variadic reduce");
        return;
    }
    const hloc_shape *os = dst->elems[0].shape;
    LLVMValueRef idx[HLOC_MAX_RANK], out[MAX_VARIADIC];
    cg_nest nest;
    cg_nest_begin(c, &nest, os, idx);
    reduce_at(c, s, i, idx, out);
    for (uint32_t k = 0; k < n && !c->err; k++) {
        const cg_value *d = &dst->elems[k];
        cg_store(c, d->shape->type, d->ptr, cg_offset(c, d->shape, idx), out[k]);
    }
    cg_nest_end(c, &nest);
}

LLVMValueRef cg_reduce_window_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_shape *in = &i->operands[0]->shape;
    const hloc_window *w = &i->attrs->window;
    hloc_type t = i->shape.type;
    if (i->n_operands != 2 || i->n_called != 1 || w->n_dims != in->rank) {
        cg_unsupported(c, i, "this form of reduce-window");
        return LLVMGetUndef(cg_ctype(c, t));
    }
    LLVMBuilderRef b = c->b;
    LLVMValueRef acc = cg_alloca(c, cg_ctype(c, t), "acc");
    LLVMBuildStore(b, cg_operand(c, s, i, 1, NULL), acc);
    int64_t wdims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) wdims[d] = w->dims[d].size;
    LLVMValueRef widx[HLOC_MAX_RANK], in_idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, in->rank, wdims, NULL, widx);
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t d = 0; d < in->rank; d++) {
        const hloc_window_dim *wd = &w->dims[d];
        LLVMValueRef wi = wd->reversal ? LLVMBuildSub(b, cg_const_i64(c, wd->size - 1), widx[d], "") : widx[d];
        LLVMValueRef pos = LLVMBuildAdd(b, LLVMBuildMul(b, idx[d], cg_const_i64(c, wd->stride), ""),
                                        LLVMBuildMul(b, wi, cg_const_i64(c, wd->rhs_dilate > 0 ? wd->rhs_dilate : 1), ""), "");
        pos = LLVMBuildSub(b, pos, cg_const_i64(c, wd->pad_lo), "");
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSGE, pos, cg_const_i64(c, 0), ""), "");
        int64_t ld = wd->lhs_dilate > 0 ? wd->lhs_dilate : 1;
        if (ld > 1) {
            LLVMValueRef pc = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSGE, pos, cg_const_i64(c, 0), ""),
                                              pos, cg_const_i64(c, 0), "");
            ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, pc, cg_const_i64(c, ld), ""),
                                                   cg_const_i64(c, 0), ""), "");
            pos = LLVMBuildUDiv(b, pc, cg_const_i64(c, ld), "");
        }
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLT, pos, cg_const_i64(c, in->dims[d]), ""), "");
        in_idx[d] = pos;
    }
    LLVMBasicBlockRef then = cg_block(c, "rw.in"), join = cg_block(c, "rw.join");
    LLVMBuildCondBr(b, ok, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    LLVMValueRef args[2] = {LLVMBuildLoad2(b, cg_ctype(c, t), acc, ""), cg_operand(c, s, i, 0, in_idx)};
    LLVMValueRef r;
    cg_call_scalar(c, i->called[0], args, 2, &r);
    if (!c->err) LLVMBuildStore(b, r, acc);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &nest);
    return LLVMBuildLoad2(b, cg_ctype(c, t), acc, "");
}
