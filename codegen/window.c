/* Window ops: reduce-window (variadic; elemental when it has one result) and select-and-scatter.
 * Window positions outside the (base-dilated) operand are skipped, as XLA's evaluator does. */
#include "cg.h"

enum { MAX_VARIADIC = 16 };

/* Operand index of window position |widx| for output index |idx| in dim d; *ok &= in bounds.
 * The arithmetic is convolution's (cg_conv_input_pos); a reversed window here walks the operand
 * backwards, where a convolution's reversal flips the kernel instead. */
static LLVMValueRef window_pos(cg *c, const hloc_window_dim *wd, LLVMValueRef o, LLVMValueRef wi,
                              int64_t in_dim, LLVMValueRef *ok) {
    if (wd->reversal) wi = LLVMBuildSub(c->b, cg_const_i64(c, wd->size - 1), wi, "");
    return cg_conv_input_pos(c, wd, o, wi, in_dim, ok);
}

static void reduce_window_at(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx,
                             LLVMValueRef *out) {
    uint32_t n = i->n_operands / 2;
    const hloc_shape *in = &i->operands[0]->shape;
    const hloc_window *w = &i->attrs->window;
    if (n == 0 || n > MAX_VARIADIC || i->n_operands != 2 * n || i->n_called != 1 || w->n_dims != in->rank) {
        cg_unsupported(c, i, "this form of reduce-window");
        for (uint32_t k = 0; k < (n ? n : 1) && k < MAX_VARIADIC; k++) out[k] = LLVMGetUndef(c->t_f32);
        return;
    }
    LLVMBuilderRef b = c->b;
    LLVMValueRef acc[MAX_VARIADIC];
    LLVMTypeRef at[MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        at[k] = cg_ctype(c, i->operands[n + k]->shape.type);
        acc[k] = cg_alloca(c, at[k], "acc");
        LLVMBuildStore(b, cg_operand(c, s, i, n + k, NULL), acc[k]);
    }
    int64_t wdims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) wdims[d] = w->dims[d].size;
    LLVMValueRef widx[HLOC_MAX_RANK], in_idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, in->rank, wdims, NULL, widx);
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t d = 0; d < in->rank; d++)
        in_idx[d] = window_pos(c, &w->dims[d], idx[d], widx[d], in->dims[d], &ok);
    LLVMBasicBlockRef then = cg_block(c, "rw.in"), join = cg_block(c, "rw.join");
    LLVMBuildCondBr(b, ok, then, join);
    LLVMPositionBuilderAtEnd(b, then);
    LLVMValueRef args[2 * MAX_VARIADIC], res[MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        args[k] = LLVMBuildLoad2(b, at[k], acc[k], "");
        args[n + k] = cg_operand(c, s, i, k, in_idx);
    }
    cg_call_scalar(c, i->called[0], args, 2 * n, res);
    if (!c->err)
        for (uint32_t k = 0; k < n; k++) LLVMBuildStore(b, res[k], acc[k]);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_nest_end(c, &nest);
    for (uint32_t k = 0; k < n; k++) out[k] = LLVMBuildLoad2(b, at[k], acc[k], "");
}

LLVMValueRef cg_reduce_window_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    LLVMValueRef out[MAX_VARIADIC];
    reduce_window_at(c, s, i, idx, out);
    return out[0];
}

void cg_emit_reduce_window(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    uint32_t n = i->n_operands / 2;
    if (dst->kind != CGV_TUPLE || dst->n_elems != n || n == 0 || n > MAX_VARIADIC) {
        cg_unsupported(c, i, "this form of variadic reduce-window");
        return;
    }
    LLVMValueRef idx[HLOC_MAX_RANK], out[MAX_VARIADIC];
    cg_nest nest;
    cg_nest_begin(c, &nest, dst->elems[0].shape, idx);
    reduce_window_at(c, s, i, idx, out);
    for (uint32_t k = 0; k < n && !c->err; k++) {
        const cg_value *d = &dst->elems[k];
        cg_store(c, d->shape->type, d->ptr, cg_offset(c, d->shape, idx), out[k]);
    }
    cg_nest_end(c, &nest);
}

/* select-and-scatter(operand, source, init): the output starts as init; for each source element,
 * the window element that |select| prefers (the first one wins ties: a later candidate replaces
 * the current one only when select(current, candidate) is false) receives scatter(out, source). */
void cg_emit_select_and_scatter(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_instr *op = i->operands[0], *src = i->operands[1];
    const hloc_shape *in = &op->shape;
    const hloc_window *w = &i->attrs->window;
    if (i->n_operands != 3 || i->n_called != 2 || dst->kind != CGV_BUFFER || w->n_dims != in->rank) {
        cg_unsupported(c, i, "this form of select-and-scatter");
        return;
    }
    LLVMBuilderRef b = c->b;
    hloc_type t = in->type, ot = dst->shape->type;
    LLVMTypeRef ct = cg_ctype(c, t);
    /* out = init */
    LLVMValueRef oidx[HLOC_MAX_RANK];
    cg_nest fill;
    cg_nest_begin(c, &fill, dst->shape, oidx);
    cg_store(c, ot, dst->ptr, cg_offset(c, dst->shape, oidx), cg_operand(c, s, i, 2, NULL));
    cg_nest_end(c, &fill);

    LLVMValueRef have = cg_alloca(c, c->t_i1, "have"), best = cg_alloca(c, ct, "best");
    LLVMValueRef best_idx[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) best_idx[d] = cg_alloca(c, c->t_i64, "best.i");
    LLVMValueRef sidx[HLOC_MAX_RANK], widx[HLOC_MAX_RANK], in_idx[HLOC_MAX_RANK];
    cg_nest outer, win;
    cg_nest_begin(c, &outer, &src->shape, sidx);
    LLVMBuildStore(b, LLVMConstInt(c->t_i1, 0, 0), have);
    int64_t wdims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) wdims[d] = w->dims[d].size;
    cg_nest_begin_dims(c, &win, in->rank, wdims, NULL, widx);
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0);
    for (uint32_t d = 0; d < in->rank; d++)
        in_idx[d] = window_pos(c, &w->dims[d], sidx[d], widx[d], in->dims[d], &ok);
    LLVMBasicBlockRef valid = cg_block(c, "sas.valid"), first = cg_block(c, "sas.first"),
                      cmp = cg_block(c, "sas.cmp"), take = cg_block(c, "sas.take"), next = cg_block(c, "sas.next");
    LLVMBuildCondBr(b, ok, valid, next);
    LLVMPositionBuilderAtEnd(b, valid);
    LLVMValueRef x = cg_operand(c, s, i, 0, in_idx);
    LLVMBuildCondBr(b, LLVMBuildLoad2(b, c->t_i1, have, ""), cmp, first);
    LLVMPositionBuilderAtEnd(b, first);
    LLVMBuildBr(b, take);
    LLVMPositionBuilderAtEnd(b, cmp);
    LLVMValueRef args[2] = {LLVMBuildLoad2(b, ct, best, ""), x}, keep;
    cg_call_scalar(c, i->called[0], args, 2, &keep);
    if (c->err) return;
    LLVMBuildCondBr(b, keep, next, take);
    LLVMPositionBuilderAtEnd(b, take);
    LLVMBuildStore(b, LLVMConstInt(c->t_i1, 1, 0), have);
    LLVMBuildStore(b, x, best);
    for (uint32_t d = 0; d < in->rank; d++) LLVMBuildStore(b, in_idx[d], best_idx[d]);
    LLVMBuildBr(b, next);
    LLVMPositionBuilderAtEnd(b, next);
    cg_nest_end(c, &win);
    LLVMBasicBlockRef upd = cg_block(c, "sas.scatter"), done = cg_block(c, "sas.done");
    LLVMBuildCondBr(b, LLVMBuildLoad2(b, c->t_i1, have, ""), upd, done);
    LLVMPositionBuilderAtEnd(b, upd);
    LLVMValueRef bi[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) bi[d] = LLVMBuildLoad2(b, c->t_i64, best_idx[d], "");
    LLVMValueRef off = cg_offset(c, dst->shape, bi);
    LLVMValueRef sargs[2] = {cg_load(c, ot, dst->ptr, off), cg_operand(c, s, i, 1, sidx)}, r;
    cg_call_scalar(c, i->called[1], sargs, 2, &r);
    if (c->err) return;
    cg_store(c, ot, dst->ptr, off, r);
    LLVMBuildBr(b, done);
    LLVMMoveBasicBlockAfter(done, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, done);
    cg_nest_end(c, &outer);
}
