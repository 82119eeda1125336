/* Convolutions with batch_group_count > 1 (the weight gradient of a grouped convolution), as an
 * elemental generator: the output features split into batch_group_count chunks, and chunk g
 * reads the lhs batch entries g·(batch / groups) + b over every input feature. Products
 * accumulate as the evaluator's do (hlo/eval_conv.c): operands converted to the result type, then
 * f64 for real floats, (f64, f64) for complex, wrapping i64 for integers, rounded once at the end. */
#include "cg.h"

LLVMValueRef cg_conv_batch_group_elem(cg *c, cg_scope *s, const hloc_instr *i,
                                      LLVMValueRef const *idx) {
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    hloc_type ot = i->shape.type;
    uint32_t ns = cd->n_spatial;
    int64_t bgc = i->attrs->batch_group_count;
    const hloc_instr *L = i->n_operands == 2 ? i->operands[0] : NULL,
                     *R = L ? i->operands[1] : NULL;
    bool ok = L && cd->present && w->n_dims == ns && i->attrs->feature_group_count == 1 && bgc > 1;
    int64_t in_batch = ok ? L->shape.dims[cd->in_batch] : 0,
            in_z = ok ? L->shape.dims[cd->in_feature] : 0;
    int64_t out_z = ok ? i->shape.dims[cd->out_feature] : 0;
    ok = ok && in_batch % bgc == 0 && out_z % bgc == 0 && R->shape.dims[cd->k_in_feature] == in_z &&
         R->shape.dims[cd->k_out_feature] == out_z &&
         i->shape.dims[cd->out_batch] == in_batch / bgc;
    if (!ok) {
        cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT,
                "%d:%d: convolution '%s': batch_group_count %lld must divide the lhs batch and the "
                "output "
                "features, with feature_group_count 1",
                i->loc.line, i->loc.col, i->name, (long long)bgc);
        return LLVMGetUndef(cg_ctype(c, ot));
    }
    LLVMBuilderRef b = c->b;
    bool cx = hloc_type_is_complex(ot), fl = hloc_type_is_float(ot);
    hloc_type wt = cx ? HLOC_TYPE_C128 : fl ? HLOC_TYPE_F64 : HLOC_TYPE_S64;
    LLVMTypeRef at = cg_ctype(c, wt);
    LLVMValueRef acc = cg_alloca(c, at, "bgconv.acc");
    LLVMBuildStore(b, LLVMConstNull(at), acc);
    LLVMValueRef of = idx[cd->out_feature];
    LLVMValueRef group = LLVMBuildUDiv(b, of, cg_const_i64(c, out_z / bgc), "");

    int64_t ldims[HLOC_MAX_RANK + 1];
    LLVMValueRef lv[HLOC_MAX_RANK + 1], li[HLOC_MAX_RANK], ri[HLOC_MAX_RANK];
    ldims[0] = in_z;
    for (uint32_t k = 0; k < ns; k++)
        ldims[k + 1] = w->dims[k].size;
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, ns + 1, ldims, NULL, lv);
    li[cd->in_batch] = LLVMBuildAdd(
        b, idx[cd->out_batch], LLVMBuildMul(b, group, cg_const_i64(c, in_batch / bgc), ""), "");
    li[cd->in_feature] = lv[0];
    ri[cd->k_in_feature] = lv[0];
    ri[cd->k_out_feature] = of;
    LLVMValueRef in = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t k = 0; k < ns; k++) {
        const hloc_window_dim *wd = &w->dims[k];
        LLVMValueRef wi = lv[k + 1];
        ri[cd->k_spatial[k]] =
            wd->reversal ? LLVMBuildSub(b, cg_const_i64(c, wd->size - 1), wi, "") : wi;
        li[cd->in_spatial[k]] = cg_conv_input_pos(c, wd, idx[cd->out_spatial[k]], wi,
                                                  L->shape.dims[cd->in_spatial[k]], &in);
    }
    LLVMBasicBlockRef then = cg_block(c, "bgconv.in"), join = cg_block(c, "bgconv.join");
    LLVMBuildCondBr(b, in, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    /* to the result type first (as the evaluator converts operands), then to the work type */
    LLVMValueRef x =
        cg_convert(c, cg_convert(c, cg_operand(c, s, i, 0, li), L->shape.type, ot), ot, wt);
    LLVMValueRef y =
        cg_convert(c, cg_convert(c, cg_operand(c, s, i, 1, ri), R->shape.type, ot), ot, wt);
    LLVMValueRef cur = LLVMBuildLoad2(b, at, acc, "");
    LLVMValueRef sum = cx   ? LLVMBuildFAdd(b, cur, cg_wmul(c, true, x, y), "")
                       : fl ? LLVMBuildFAdd(b, cur, LLVMBuildFMul(b, x, y, ""), "")
                            : LLVMBuildAdd(b, cur, LLVMBuildMul(b, x, y, ""), "");
    LLVMBuildStore(b, sum, acc);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &nest);
    return cg_convert(c, LLVMBuildLoad2(b, at, acc, ""), wt, ot);
}
