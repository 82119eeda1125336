/* reduce (variadic): each output element runs an inner loop nest over the reduced dimensions (in
 * the input's physical order) with accumulators in allocas, which mem2reg turns into registers,
 * calling the reducer computation's internal function. */
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
    if (n == 1 && cg_vector_row_reduce(c, s, i, idx, out)) return;
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
