/* Batch normalization: inference as an elemental generator; training and grad as per-feature
 * loops (sums in f64, then a normalizing pass), with the evaluator's formulas:
 *   y = (x - mean) * scale / sqrt(var + eps) + offset
 *   grad_x = scale * rs / N * (N * dy - sum(dy) - xh * sum(dy * xh)), xh = (x - mean) * rs. */
#include "cg.h"

static LLVMValueRef to_f64(cg *c, LLVMValueRef v) {
    return LLVMTypeOf(v) == c->t_f64 ? v : LLVMBuildFPExt(c->b, v, c->t_f64, "");
}

static LLVMValueRef from_f64(cg *c, LLVMValueRef v, hloc_type t) {
    return cg_convert(c, v, HLOC_TYPE_F64, t);
}

static LLVMValueRef feature(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, LLVMValueRef f) {
    return to_f64(c, cg_operand(c, s, i, k, &f));
}

static LLVMValueRef rsqrt_eps(cg *c, LLVMValueRef var, double eps) {
    LLVMValueRef v = LLVMBuildFAdd(c->b, var, LLVMConstReal(c->t_f64, eps), "");
    return LLVMBuildFDiv(c->b, LLVMConstReal(c->t_f64, 1.0), cg_intrinsic(c, "llvm.sqrt", &v, 1), "");
}

static bool bn_ok(cg *c, const hloc_instr *i, uint32_t n_ops) {
    const hloc_shape *x = &i->operands[0]->shape;
    if (i->n_operands != n_ops || i->attrs->feature_index < 0 || i->attrs->feature_index >= x->rank ||
        !hloc_type_is_float(x->type)) {
        cg_unsupported(c, i, "this form of batch normalization");
        return false;
    }
    return true;
}

LLVMValueRef cg_batch_norm_inference_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    if (!bn_ok(c, i, 5)) return LLVMGetUndef(cg_ctype(c, i->shape.type));
    LLVMBuilderRef b = c->b;
    LLVMValueRef f = idx[i->attrs->feature_index];
    LLVMValueRef x = to_f64(c, cg_operand(c, s, i, 0, idx));
    LLVMValueRef k = LLVMBuildFMul(b, feature(c, s, i, 1, f), rsqrt_eps(c, feature(c, s, i, 4, f), i->attrs->epsilon), "");
    LLVMValueRef y = LLVMBuildFAdd(b, LLVMBuildFMul(b, LLVMBuildFSub(b, x, feature(c, s, i, 3, f), ""), k, ""),
                                   feature(c, s, i, 2, f), "");
    return from_f64(c, y, i->shape.type);
}

/* Loop nest over every dim but the feature dim (fixed to f); fills idx. */
static void nest_other(cg *c, cg_nest *nest, const hloc_shape *x, int64_t fi, LLVMValueRef f, LLVMValueRef *idx) {
    int64_t dims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < x->rank; d++) dims[d] = (int64_t)d == fi ? 1 : x->dims[d];
    cg_nest_begin_dims(c, nest, x->rank, dims, NULL, idx);
    idx[fi] = f;
}

static LLVMValueRef acc_new(cg *c, const char *name) {
    LLVMValueRef a = cg_alloca(c, c->t_f64, name);
    LLVMBuildStore(c->b, LLVMConstReal(c->t_f64, 0), a);
    return a;
}

static void acc_add(cg *c, LLVMValueRef a, LLVMValueRef v) {
    LLVMBuildStore(c->b, LLVMBuildFAdd(c->b, LLVMBuildLoad2(c->b, c->t_f64, a, ""), v, ""), a);
}

static void store_vec(cg *c, const cg_value *d, LLVMValueRef f, LLVMValueRef v) {
    cg_store(c, d->shape->type, d->ptr, cg_offset(c, d->shape, &f), from_f64(c, v, d->shape->type));
}

void cg_emit_batch_norm_training(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    if (!bn_ok(c, i, 3) || dst->kind != CGV_TUPLE || dst->n_elems != 3) return;
    LLVMBuilderRef b = c->b;
    const hloc_shape *x = &i->operands[0]->shape;
    int64_t fi = i->attrs->feature_index, nf = x->dims[fi];
    double n = (double)(hloc_shape_elements(x) / (nf ? nf : 1));
    const cg_value *out = &dst->elems[0];
    cg_loop fl;
    cg_loop_begin(c, &fl, cg_const_i64(c, nf), "bn.feature");
    LLVMValueRef f = fl.iv, idx[HLOC_MAX_RANK];
    LLVMValueRef sum = acc_new(c, "sum"), sq = acc_new(c, "sq");
    cg_nest nest;
    nest_other(c, &nest, x, fi, f, idx);
    acc_add(c, sum, to_f64(c, cg_operand(c, s, i, 0, idx)));
    cg_nest_end(c, &nest);
    LLVMValueRef nv = LLVMConstReal(c->t_f64, n > 0 ? n : 1);
    LLVMValueRef mean = LLVMBuildFDiv(b, LLVMBuildLoad2(b, c->t_f64, sum, ""), nv, "");
    nest_other(c, &nest, x, fi, f, idx);
    LLVMValueRef dv = LLVMBuildFSub(b, to_f64(c, cg_operand(c, s, i, 0, idx)), mean, "");
    acc_add(c, sq, LLVMBuildFMul(b, dv, dv, ""));
    cg_nest_end(c, &nest);
    LLVMValueRef var = LLVMBuildFDiv(b, LLVMBuildLoad2(b, c->t_f64, sq, ""), nv, "");
    LLVMValueRef k = LLVMBuildFMul(b, feature(c, s, i, 1, f), rsqrt_eps(c, var, i->attrs->epsilon), "");
    LLVMValueRef off = feature(c, s, i, 2, f);
    nest_other(c, &nest, x, fi, f, idx);
    LLVMValueRef y = LLVMBuildFAdd(b, LLVMBuildFMul(b, LLVMBuildFSub(b, to_f64(c, cg_operand(c, s, i, 0, idx)), mean, ""), k, ""), off, "");
    cg_store(c, out->shape->type, out->ptr, cg_offset(c, out->shape, idx), from_f64(c, y, out->shape->type));
    cg_nest_end(c, &nest);
    store_vec(c, &dst->elems[1], f, mean);
    store_vec(c, &dst->elems[2], f, var);
    cg_loop_end(c, &fl);
}

void cg_emit_batch_norm_grad(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    if (!bn_ok(c, i, 5) || dst->kind != CGV_TUPLE || dst->n_elems != 3) return;
    LLVMBuilderRef b = c->b;
    const hloc_shape *x = &i->operands[0]->shape;
    int64_t fi = i->attrs->feature_index, nf = x->dims[fi];
    double n = (double)(hloc_shape_elements(x) / (nf ? nf : 1));
    const cg_value *out = &dst->elems[0];
    cg_loop fl;
    cg_loop_begin(c, &fl, cg_const_i64(c, nf), "bn.feature");
    LLVMValueRef f = fl.iv, idx[HLOC_MAX_RANK];
    LLVMValueRef scale = feature(c, s, i, 1, f), mean = feature(c, s, i, 2, f);
    LLVMValueRef rs = rsqrt_eps(c, feature(c, s, i, 3, f), i->attrs->epsilon);
    LLVMValueRef sdy = acc_new(c, "sdy"), sdyx = acc_new(c, "sdyx");
    cg_nest nest;
    nest_other(c, &nest, x, fi, f, idx);
    LLVMValueRef d = to_f64(c, cg_operand(c, s, i, 4, idx));
    LLVMValueRef xh = LLVMBuildFMul(b, LLVMBuildFSub(b, to_f64(c, cg_operand(c, s, i, 0, idx)), mean, ""), rs, "");
    acc_add(c, sdy, d);
    acc_add(c, sdyx, LLVMBuildFMul(b, d, xh, ""));
    cg_nest_end(c, &nest);
    LLVMValueRef vsdy = LLVMBuildLoad2(b, c->t_f64, sdy, ""), vsdyx = LLVMBuildLoad2(b, c->t_f64, sdyx, "");
    LLVMValueRef nv = LLVMConstReal(c->t_f64, n);
    LLVMValueRef k = LLVMBuildFDiv(b, LLVMBuildFMul(b, scale, rs, ""), LLVMConstReal(c->t_f64, n > 0 ? n : 1), "");
    nest_other(c, &nest, x, fi, f, idx);
    LLVMValueRef d2 = to_f64(c, cg_operand(c, s, i, 4, idx));
    LLVMValueRef xh2 = LLVMBuildFMul(b, LLVMBuildFSub(b, to_f64(c, cg_operand(c, s, i, 0, idx)), mean, ""), rs, "");
    LLVMValueRef t = LLVMBuildFSub(b, LLVMBuildFSub(b, LLVMBuildFMul(b, nv, d2, ""), vsdy, ""),
                                   LLVMBuildFMul(b, xh2, vsdyx, ""), "");
    cg_store(c, out->shape->type, out->ptr, cg_offset(c, out->shape, idx),
             from_f64(c, LLVMBuildFMul(b, k, t, ""), out->shape->type));
    cg_nest_end(c, &nest);
    store_vec(c, &dst->elems[1], f, vsdyx);
    store_vec(c, &dst->elems[2], f, vsdy);
    cg_loop_end(c, &fl);
}
