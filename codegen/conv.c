/* Convolution: implicit GEMM where the layouts allow it (gemm_conv.c), else an elemental
 * generator with plain loops: each output element sums over the input features of its group and
 * the kernel window, with padding, strides, base (lhs) and window (rhs) dilation and window
 * reversal; feature groups split the features. */
#include "gemm.h"

LLVMValueRef cg_conv_input_pos(cg *c, const hloc_window_dim *wd, LLVMValueRef out, LLVMValueRef wi,
                               int64_t in_size, LLVMValueRef *ok) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef pos = LLVMBuildAdd(b, LLVMBuildMul(b, out, cg_const_i64(c, wd->stride), ""),
                                    LLVMBuildMul(b, wi, cg_const_i64(c, wd->rhs_dilate > 0 ? wd->rhs_dilate : 1), ""), "");
    pos = LLVMBuildSub(b, pos, cg_const_i64(c, wd->pad_lo), "");
    LLVMValueRef nonneg = LLVMBuildICmp(b, LLVMIntSGE, pos, cg_const_i64(c, 0), "");
    *ok = LLVMBuildAnd(b, *ok, nonneg, "");
    int64_t ld = wd->lhs_dilate > 0 ? wd->lhs_dilate : 1;
    if (ld > 1) {
        /* Only positions on the dilated grid hold input; the select keeps the division defined. */
        LLVMValueRef pc = LLVMBuildSelect(b, nonneg, pos, cg_const_i64(c, 0), "");
        *ok = LLVMBuildAnd(b, *ok, LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, pc, cg_const_i64(c, ld), ""),
                                                 cg_const_i64(c, 0), ""), "");
        pos = LLVMBuildUDiv(b, pc, cg_const_i64(c, ld), "");
    }
    *ok = LLVMBuildAnd(b, *ok, LLVMBuildICmp(b, LLVMIntSLT, pos, cg_const_i64(c, in_size), ""), "");
    return pos;
}

LLVMValueRef cg_conv_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    if (i->attrs->batch_group_count > 1) return cg_conv_batch_group_elem(c, s, i, idx);
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    const hloc_instr *L = i->operands[0], *R = i->operands[1];
    hloc_type ot = i->shape.type;
    uint32_t ns = cd->n_spatial;
    int64_t G = i->attrs->feature_group_count;
    if (i->n_operands != 2 || !cd->present || (w->n_dims != ns && !(ns == 0 && w->n_dims == 0)) ||
        i->attrs->batch_group_count != 1 || G < 1 || hloc_type_is_complex(ot)) {
        cg_unsupported(c, i, "this form of convolution (batch groups, complex)");
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
        li[cd->in_spatial[k]] =
            cg_conv_input_pos(c, wd, idx[cd->out_spatial[k]], wi, L->shape.dims[cd->in_spatial[k]], &ok);
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

/* Depthwise: one input feature per group (each output feature reads input feature co / mult). */
static bool depthwise(const hloc_instr *i) {
    const hloc_conv_dnums *cd = &i->attrs->conv;
    int64_t G = i->attrs->feature_group_count;
    return G > 1 && i->operands[1]->shape.dims[cd->k_in_feature] == 1 && i->operands[0]->shape.dims[cd->in_feature] == G;
}

/* The loop form: f32 output with output features innermost in both the output and the kernel
 * layouts (NHWC / HWIO), one feature group or depthwise, one batch group. */
static bool loops_ok(const hloc_instr *i) {
    const hloc_conv_dnums *cd = &i->attrs->conv;
    if (i->op != HLOC_OP_CONVOLUTION || i->n_operands != 2 || !cd->present || i->shape.type != HLOC_TYPE_F32 ||
        (i->attrs->feature_group_count != 1 && !depthwise(i)) || i->attrs->batch_group_count != 1 ||
        i->attrs->window.n_dims != cd->n_spatial)
        return false;
    const hloc_shape *os = &i->shape, *ks = &i->operands[1]->shape;
    uint32_t om = os->has_layout ? os->minor_to_major[0] : os->rank - 1;
    uint32_t km = ks->has_layout ? ks->minor_to_major[0] : ks->rank - 1;
    return (int64_t)om == cd->out_feature && (int64_t)km == cd->k_out_feature;
}

/* Materialized by cg_emit_conv: implicit GEMM (gemm_conv.c) or the loops below. */
bool cg_conv_in_place_ok(const hloc_instr *i) { return cg_conv_gemm_ok(i) || loops_ok(i); }

/* out[.., co] += in[.., ci] * w[.., ci, co] with co innermost: the inner loop streams over
 * contiguous kernel and output rows and vectorizes. Output rows [lo, hi) of the split dim. */
static void conv_in_place(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                          LLVMValueRef hi, void *arg) {
    (void)arg;
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    const hloc_instr *L = i->operands[0], *R = i->operands[1];
    const hloc_shape *os = dst->shape;
    LLVMBuilderRef b = c->b;
    hloc_shape rows = *os; /* every output dim but the features */
    rows.dims[cd->out_feature] = 1;
    LLVMValueRef oi[HLOC_MAX_RANK], li[HLOC_MAX_RANK], ri[HLOC_MAX_RANK];
    cg_nest outer;
    cg_nest_begin_split(c, &outer, &rows, oi, cg_split_dim(&rows), lo, hi);
    uint32_t ns = cd->n_spatial;
    int64_t wdims[HLOC_MAX_RANK];
    LLVMValueRef wi[HLOC_MAX_RANK];
    for (uint32_t k = 0; k < ns; k++) wdims[k] = w->dims[k].size;
    cg_nest win;
    cg_nest_begin_dims(c, &win, ns, wdims, NULL, wi);
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t k = 0; k < ns; k++) {
        const hloc_window_dim *wd = &w->dims[k];
        ri[cd->k_spatial[k]] = wd->reversal ? LLVMBuildSub(b, cg_const_i64(c, wd->size - 1), wi[k], "") : wi[k];
        LLVMValueRef pos = LLVMBuildAdd(b, LLVMBuildMul(b, oi[cd->out_spatial[k]], cg_const_i64(c, wd->stride), ""),
                                        LLVMBuildMul(b, wi[k], cg_const_i64(c, wd->rhs_dilate > 0 ? wd->rhs_dilate : 1), ""), "");
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
    li[cd->in_batch] = oi[cd->out_batch];
    LLVMBasicBlockRef then = cg_block(c, "conv.tap"), join = cg_block(c, "conv.skip");
    LLVMBuildCondBr(b, ok, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    cg_loop ci, co;
    cg_loop_begin(c, &ci, cg_const_i64(c, R->shape.dims[cd->k_in_feature]), "conv.ci");
    li[cd->in_feature] = ci.iv;
    ri[cd->k_in_feature] = ci.iv;
    bool dw = depthwise(i);
    int64_t mult = R->shape.dims[cd->k_out_feature] / i->attrs->feature_group_count;
    LLVMValueRef x = dw ? NULL : cg_convert(c, cg_operand(c, s, i, 0, li), L->shape.type, HLOC_TYPE_F32);
    cg_loop_begin(c, &co, cg_const_i64(c, R->shape.dims[cd->k_out_feature]), "conv.co");
    ri[cd->k_out_feature] = co.iv;
    oi[cd->out_feature] = co.iv;
    if (dw) {
        li[cd->in_feature] = mult == 1 ? co.iv : LLVMBuildUDiv(b, co.iv, cg_const_i64(c, mult), "");
        x = cg_convert(c, cg_operand(c, s, i, 0, li), L->shape.type, HLOC_TYPE_F32);
    }
    LLVMValueRef y = cg_convert(c, cg_operand(c, s, i, 1, ri), R->shape.type, HLOC_TYPE_F32);
    LLVMValueRef off = cg_offset(c, os, oi);
    LLVMValueRef acc = cg_load(c, HLOC_TYPE_F32, dst->ptr, off);
    cg_store(c, HLOC_TYPE_F32, dst->ptr, off, LLVMBuildFAdd(b, acc, LLVMBuildFMul(b, x, y, ""), ""));
    cg_loop_end(c, &co);
    cg_loop_end(c, &ci);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &win);
    cg_nest_end(c, &outer);
}

void cg_emit_conv(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    if (cg_conv_gemm(c, s, i, dst)) return;
    if (!loops_ok(i)) {
        cg_materialize_elemental(c, s, i, dst);
        return;
    }
    const hloc_shape *os = dst->shape;
    uint64_t bytes = hloc_shape_bytes(os);
    if (bytes) LLVMBuildMemSet(c->b, dst->ptr, LLVMConstInt(c->t_i8, 0, 0), cg_const_i64(c, (int64_t)bytes), 1);
    hloc_shape rows = *os;
    rows.dims[i->attrs->conv.out_feature] = 1;
    int d = cg_split_dim(&rows);
    double work = (double)hloc_shape_elements(os) * (double)hloc_shape_elements(&i->operands[1]->shape) /
                  (double)(os->dims[i->attrs->conv.out_feature] ? os->dims[i->attrs->conv.out_feature] : 1);
    cg_parallel(c, s, i, dst, d >= 0 ? rows.dims[d] : 1, d >= 0 ? work : 0, conv_in_place, NULL);
}
