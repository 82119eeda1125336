/* Index-mapping opcodes as elemental generators: each maps the output index to an operand index
 * (broadcast, reshape, transpose, slice, reverse, dynamic-slice) or picks between operands or a
 * padding value (pad, concatenate), or computes the element outright (iota). */
#include "cg.h"

static LLVMValueRef add(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildAdd(c->b, a, b, ""); }
static LLVMValueRef mul(cg *c, LLVMValueRef a, int64_t k) {
    return k == 1 ? a : LLVMBuildMul(c->b, a, cg_const_i64(c, k), "");
}

static LLVMValueRef broadcast(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMValueRef oi[HLOC_MAX_RANK];
    const hloc_i64_list *d = &i->attrs->dims;
    for (uint32_t k = 0; k < d->n && k < HLOC_MAX_RANK; k++) oi[k] = idx[d->v[k]];
    return cg_operand(c, s, i, 0, oi);
}

static LLVMValueRef reshape(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_shape *os = &i->operands[0]->shape, *rs = &i->shape;
    LLVMValueRef oi[HLOC_MAX_RANK];
    /* Linear row-major position in the output, then delinearized in the operand. */
    LLVMValueRef lin = cg_const_i64(c, 0);
    for (uint32_t d = 0; d < rs->rank; d++) lin = add(c, mul(c, lin, rs->dims[d]), idx[d]);
    for (int d = (int)os->rank - 1; d >= 0; d--) {
        int64_t n = os->dims[d];
        if (n == 1) {
            oi[d] = cg_const_i64(c, 0);
            continue;
        }
        if (d == 0) {
            oi[d] = lin;
            break;
        }
        LLVMValueRef nv = cg_const_i64(c, n);
        oi[d] = LLVMBuildURem(c->b, lin, nv, "");
        lin = LLVMBuildUDiv(c->b, lin, nv, "");
    }
    return cg_operand(c, s, i, 0, oi);
}

static LLVMValueRef pad(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_shape *os = &i->operands[0]->shape;
    LLVMBuilderRef b = c->b;
    LLVMValueRef oi[HLOC_MAX_RANK];
    LLVMValueRef in = LLVMConstInt(c->t_i1, 1, 0);
    if (i->attrs->n_padding != os->rank) {
        cg_unsupported(c, i, "a pad without one padding entry per dimension");
        return LLVMGetUndef(cg_ctype(c, i->shape.type));
    }
    for (uint32_t d = 0; d < os->rank; d++) {
        const hloc_padding_dim *p = &i->attrs->padding[d];
        LLVMValueRef t = LLVMBuildSub(b, idx[d], cg_const_i64(c, p->lo), "");
        LLVMValueRef q = t;
        LLVMValueRef ok = LLVMBuildICmp(b, LLVMIntSGE, t, cg_const_i64(c, 0), "");
        if (p->interior > 0) {
            LLVMValueRef st = cg_const_i64(c, p->interior + 1);
            LLVMValueRef tc = LLVMBuildSelect(b, ok, t, cg_const_i64(c, 0), "");
            ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, tc, st, ""),
                                                   cg_const_i64(c, 0), ""), "");
            q = LLVMBuildUDiv(b, tc, st, "");
        }
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLT, q, cg_const_i64(c, os->dims[d]), ""), "");
        in = LLVMBuildAnd(b, in, ok, "");
        oi[d] = cg_clamp_i64(c, q, 0, os->dims[d] > 0 ? os->dims[d] - 1 : 0);
    }
    /* Branch rather than select: an inline operand may be expensive, and its index is only
     * meaningful inside. */
    LLVMBasicBlockRef bin = cg_block(c, "pad.in"), bout = cg_block(c, "pad.out"), join = cg_block(c, "pad.join");
    LLVMBuildCondBr(b, in, bin, bout);
    LLVMPositionBuilderAtEnd(b, bin);
    LLVMValueRef v_in = cg_operand(c, s, i, 0, oi);
    LLVMBasicBlockRef bin_end = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, bout);
    LLVMValueRef v_out = cg_operand(c, s, i, 1, NULL);
    LLVMBasicBlockRef bout_end = LLVMGetInsertBlock(b);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    LLVMValueRef phi = LLVMBuildPhi(b, LLVMTypeOf(v_in), "");
    LLVMValueRef vals[2] = {v_in, v_out};
    LLVMBasicBlockRef blocks[2] = {bin_end, bout_end};
    LLVMAddIncoming(phi, vals, blocks, 2);
    return phi;
}

static LLVMValueRef concatenate(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMBuilderRef b = c->b;
    if (i->attrs->dims.n != 1) {
        cg_unsupported(c, i, "a concatenate without one dimension");
        return LLVMGetUndef(cg_ctype(c, i->shape.type));
    }
    uint32_t dim = (uint32_t)i->attrs->dims.v[0], rank = i->shape.rank;
    LLVMBasicBlockRef join = cg_block(c, "concat.join");
    LLVMValueRef vals[256];
    LLVMBasicBlockRef blocks[256];
    uint32_t n = i->n_operands < 256 ? i->n_operands : 256;
    int64_t off = 0;
    for (uint32_t k = 0; k < n; k++) {
        int64_t size = i->operands[k]->shape.dims[dim];
        LLVMValueRef oi[HLOC_MAX_RANK];
        for (uint32_t d = 0; d < rank; d++) oi[d] = idx[d];
        oi[dim] = LLVMBuildSub(b, idx[dim], cg_const_i64(c, off), "");
        if (k + 1 < n) {
            LLVMBasicBlockRef here = cg_block(c, "concat.op"), next = cg_block(c, "concat.next");
            LLVMValueRef lt = LLVMBuildICmp(b, LLVMIntSLT, idx[dim], cg_const_i64(c, off + size), "");
            LLVMBuildCondBr(b, lt, here, next);
            LLVMPositionBuilderAtEnd(b, here);
            vals[k] = cg_operand(c, s, i, k, oi);
            blocks[k] = LLVMGetInsertBlock(b);
            LLVMBuildBr(b, join);
            LLVMPositionBuilderAtEnd(b, next);
        } else {
            vals[k] = cg_operand(c, s, i, k, oi);
            blocks[k] = LLVMGetInsertBlock(b);
            LLVMBuildBr(b, join);
        }
        off += size;
    }
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    LLVMValueRef phi = LLVMBuildPhi(b, cg_ctype(c, i->shape.type), "");
    LLVMAddIncoming(phi, vals, blocks, n);
    return phi;
}

static LLVMValueRef iota(cg *c, const hloc_instr *i, LLVMValueRef const *idx) {
    int64_t d = i->attrs->iota_dimension;
    if (d < 0 || d >= i->shape.rank) {
        cg_unsupported(c, i, "an iota dimension out of range");
        return LLVMGetUndef(cg_ctype(c, i->shape.type));
    }
    return cg_convert(c, idx[d], HLOC_TYPE_S64, i->shape.type);
}

LLVMValueRef cg_dynamic_start(cg *c, cg_scope *s, const hloc_instr *i, uint32_t operand, int64_t dim,
                              int64_t size) {
    const hloc_instr *o = i->operands[operand];
    LLVMValueRef v = cg_elem(c, s, o, NULL);
    v = cg_convert(c, v, o->shape.type, HLOC_TYPE_S64);
    int64_t hi = dim - size;
    return cg_clamp_i64(c, v, 0, hi > 0 ? hi : 0);
}

static LLVMValueRef dynamic_slice(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_shape *os = &i->operands[0]->shape;
    if (i->n_operands != 1u + os->rank) {
        cg_unsupported(c, i, "a dynamic-slice without one scalar start per dimension");
        return LLVMGetUndef(cg_ctype(c, i->shape.type));
    }
    LLVMValueRef oi[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < os->rank; d++) {
        LLVMValueRef st = cg_dynamic_start(c, s, i, 1 + d, os->dims[d], i->shape.dims[d]);
        oi[d] = add(c, st, idx[d]);
    }
    return cg_operand(c, s, i, 0, oi);
}

LLVMValueRef cg_shape_op(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMValueRef oi[HLOC_MAX_RANK];
    const hloc_shape *rs = &i->shape;
    switch (i->op) {
    case HLOC_OP_BROADCAST:
        return broadcast(c, s, i, idx);
    case HLOC_OP_BITCAST:
        /* Elementwise only with the same dims (a reinterpretation of the bits); emit.c handles
         * the general case on buffers. */
        if (i->shape.type != i->operands[0]->shape.type) return cg_elementwise(c, s, i, idx);
        return reshape(c, s, i, idx);
    case HLOC_OP_RESHAPE:
        return reshape(c, s, i, idx);
    case HLOC_OP_TRANSPOSE:
        for (uint32_t k = 0; k < rs->rank && k < i->attrs->dims.n; k++) oi[i->attrs->dims.v[k]] = idx[k];
        return cg_operand(c, s, i, 0, oi);
    case HLOC_OP_SLICE:
        for (uint32_t d = 0; d < rs->rank; d++) {
            int64_t st = d < i->attrs->slice_start.n ? i->attrs->slice_start.v[d] : 0;
            int64_t sd = d < i->attrs->slice_stride.n ? i->attrs->slice_stride.v[d] : 1;
            oi[d] = add(c, cg_const_i64(c, st), mul(c, idx[d], sd));
        }
        return cg_operand(c, s, i, 0, oi);
    case HLOC_OP_REVERSE:
        for (uint32_t d = 0; d < rs->rank; d++) oi[d] = idx[d];
        for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
            int64_t d = i->attrs->dims.v[k];
            oi[d] = LLVMBuildSub(c->b, cg_const_i64(c, rs->dims[d] - 1), idx[d], "");
        }
        return cg_operand(c, s, i, 0, oi);
    case HLOC_OP_PAD:
        return pad(c, s, i, idx);
    case HLOC_OP_CONCATENATE:
        return concatenate(c, s, i, idx);
    case HLOC_OP_IOTA:
        return iota(c, i, idx);
    case HLOC_OP_DYNAMIC_SLICE:
        return dynamic_slice(c, s, i, idx);
    case HLOC_OP_BITCAST_CONVERT:
        return cg_elementwise(c, s, i, idx);
    default:
        cg_unsupported(c, i, "this opcode");
        return LLVMGetUndef(cg_ctype(c, hloc_type_is_array(rs->type) ? rs->type : HLOC_TYPE_F32));
    }
}
