/* Convolution as an elemental generator with plain loops: each output element sums over the
 * input features of its group and the kernel window, with padding, strides, base (lhs) and window
 * (rhs) dilation and window reversal; feature groups split the features. */
#include "cg.h"

LLVMValueRef cg_conv_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    const hloc_instr *L = i->operands[0], *R = i->operands[1];
    hloc_type ot = i->shape.type;
    uint32_t ns = cd->n_spatial;
    int64_t G = i->attrs->feature_group_count;
    if (i->n_operands != 2 || !cd->present || (w->n_dims != ns && !(ns == 0 && w->n_dims == 0)) ||
        i->attrs->batch_group_count != 1 || G < 1) {
        cg_unsupported(c, i, "this form of convolution (batch groups)");
        return LLVMGetUndef(cg_ctype(c, ot));
    }
    LLVMBuilderRef b = c->b;
    int64_t cin_per_group = R->shape.dims[cd->k_in_feature];
    int64_t cout = R->shape.dims[cd->k_out_feature];
    int64_t cout_per_group = cout / G;
    LLVMTypeRef at = cg_ctype(c, ot);
    LLVMValueRef acc = cg_alloca(c, at, "acc");
    LLVMBuildStore(b, LLVMConstNull(at), acc);
    LLVMValueRef of = idx[cd->out_feature];
    LLVMValueRef group = LLVMBuildUDiv(b, of, cg_const_i64(c, cout_per_group > 0 ? cout_per_group : 1), "");
    LLVMValueRef in_base = LLVMBuildMul(b, group, cg_const_i64(c, cin_per_group), "");

    int64_t ldims[HLOC_MAX_RANK + 1];
    LLVMValueRef lv[HLOC_MAX_RANK + 1];
    ldims[0] = cin_per_group;
    for (uint32_t k = 0; k < ns; k++) ldims[k + 1] = w->dims[k].size;
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, ns + 1, ldims, NULL, lv);
    LLVMValueRef li[HLOC_MAX_RANK], ri[HLOC_MAX_RANK];
    li[cd->in_batch] = idx[cd->out_batch];
    li[cd->in_feature] = LLVMBuildAdd(b, in_base, lv[0], "");
    ri[cd->k_in_feature] = lv[0];
    ri[cd->k_out_feature] = of;
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t k = 0; k < ns; k++) {
        const hloc_window_dim *wd = &w->dims[k];
        LLVMValueRef wi = lv[k + 1];
        ri[cd->k_spatial[k]] = wd->reversal ? LLVMBuildSub(b, cg_const_i64(c, wd->size - 1), wi, "") : wi;
        LLVMValueRef pos = LLVMBuildAdd(b, LLVMBuildMul(b, idx[cd->out_spatial[k]], cg_const_i64(c, wd->stride), ""),
                                        LLVMBuildMul(b, wi, cg_const_i64(c, wd->rhs_dilate > 0 ? wd->rhs_dilate : 1), ""), "");
        pos = LLVMBuildSub(b, pos, cg_const_i64(c, wd->pad_lo), "");
        LLVMValueRef nonneg = LLVMBuildICmp(b, LLVMIntSGE, pos, cg_const_i64(c, 0), "");
        ok = LLVMBuildAnd(b, ok, nonneg, "");
        int64_t ld = wd->lhs_dilate > 0 ? wd->lhs_dilate : 1;
        if (ld > 1) {
            LLVMValueRef pc = LLVMBuildSelect(b, nonneg, pos, cg_const_i64(c, 0), "");
            ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, pc, cg_const_i64(c, ld), ""),
                                                   cg_const_i64(c, 0), ""), "");
            pos = LLVMBuildUDiv(b, pc, cg_const_i64(c, ld), "");
        }
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLT, pos, cg_const_i64(c, L->shape.dims[cd->in_spatial[k]]), ""), "");
        li[cd->in_spatial[k]] = pos;
    }
    LLVMBasicBlockRef then = cg_block(c, "conv.in"), join = cg_block(c, "conv.join");
    LLVMBuildCondBr(b, ok, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    LLVMValueRef x = cg_convert(c, cg_operand(c, s, i, 0, li), L->shape.type, ot);
    LLVMValueRef y = cg_convert(c, cg_operand(c, s, i, 1, ri), R->shape.type, ot);
    LLVMValueRef cur = LLVMBuildLoad2(b, at, acc, "");
    LLVMValueRef sum = hloc_type_is_float(ot) ? LLVMBuildFAdd(b, cur, LLVMBuildFMul(b, x, y, ""), "")
                                              : LLVMBuildAdd(b, cur, LLVMBuildMul(b, x, y, ""), "");
    LLVMBuildStore(b, sum, acc);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &nest);
    return cg_fit(c, ot, LLVMBuildLoad2(b, at, acc, ""));
}
