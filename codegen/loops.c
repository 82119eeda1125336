/* Loops and addressing: counted loops with phi induction variables, loop nests over a shape in
 * its physical order (major to minor, so that the innermost loop walks contiguous memory), element
 * offsets from the layout, entry-block allocas; the attributes and target features functions are
 * emitted with. */
#include <string.h>

#include "cg.h"

LLVMBasicBlockRef cg_block(cg *c, const char *name) {
    return LLVMAppendBasicBlockInContext(c->ctx, c->fn, name);
}

void cg_fn_attrs(cg *c, LLVMValueRef fn) {
    if (!c->opts->flush_denormals) return;
    static const char k[] = "denormal-fp-math", v[] = "preserve-sign,preserve-sign";
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(c->ctx, k, sizeof k - 1, v, sizeof v - 1));
}

bool cg_has_feature(const cg *c, const char *f) {
    const char *s = c->opts ? c->opts->target_features : NULL;
    size_t n = strlen(f);
    for (const char *p = s ? strstr(s, f) : NULL; p; p = strstr(p + 1, f))
        if (p > s && p[-1] == '+' && (p[n] == ',' || p[n] == 0)) return true;
    return false;
}

void cg_loop_begin(cg *c, cg_loop *l, LLVMValueRef n, const char *name) {
    cg_loop_begin_range(c, l, cg_const_i64(c, 0), n, name);
}

void cg_loop_begin_range(cg *c, cg_loop *l, LLVMValueRef lo, LLVMValueRef n, const char *name) {
    l->pre = LLVMGetInsertBlock(c->b);
    l->header = cg_block(c, name);
    l->body = cg_block(c, "body");
    l->exit = cg_block(c, "exit");
    LLVMBuildBr(c->b, l->header);
    LLVMPositionBuilderAtEnd(c->b, l->header);
    l->iv = LLVMBuildPhi(c->b, c->t_i64, "i");
    LLVMAddIncoming(l->iv, &lo, &l->pre, 1);
    LLVMValueRef more = LLVMBuildICmp(c->b, LLVMIntSLT, l->iv, n, "");
    LLVMBuildCondBr(c->b, more, l->body, l->exit);
    LLVMPositionBuilderAtEnd(c->b, l->body);
}

void cg_loop_end(cg *c, cg_loop *l) {
    LLVMValueRef next = LLVMBuildAdd(c->b, l->iv, cg_const_i64(c, 1), "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(c->b);
    LLVMBuildBr(c->b, l->header);
    LLVMAddIncoming(l->iv, &next, &latch, 1);
    /* Keep the exit block after everything the body appended, so the IR reads in order. */
    LLVMMoveBasicBlockAfter(l->exit, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, l->exit);
}

void cg_nest_begin_dims(cg *c, cg_nest *nest, uint32_t rank, const int64_t *dims,
                        const uint8_t *major_to_minor, LLVMValueRef *idx) {
    nest->n = 0;
    for (uint32_t j = 0; j < rank; j++) {
        uint32_t d = major_to_minor ? major_to_minor[j] : j;
        if (dims[d] == 1) {
            idx[d] = cg_const_i64(c, 0);
            continue;
        }
        cg_loop *l = &nest->loops[nest->n++];
        cg_loop_begin(c, l, cg_const_i64(c, dims[d]), "loop");
        idx[d] = l->iv;
    }
}

int cg_split_dim(const hloc_shape *s) {
    for (uint32_t j = 0; j < s->rank; j++) {
        uint32_t d = s->has_layout ? s->minor_to_major[s->rank - 1 - j] : j;
        if (s->dims[d] > 1) return (int)d;
    }
    return -1;
}

void cg_nest_begin_split(cg *c, cg_nest *nest, const hloc_shape *s, LLVMValueRef *idx, int split,
                         LLVMValueRef lo, LLVMValueRef hi) {
    nest->n = 0;
    for (uint32_t j = 0; j < s->rank; j++) {
        uint32_t d = s->has_layout ? s->minor_to_major[s->rank - 1 - j] : j;
        if ((int)d == split) {
            cg_loop *l = &nest->loops[nest->n++];
            cg_loop_begin_range(c, l, lo, hi, "split");
            idx[d] = l->iv;
        } else if (s->dims[d] == 1) {
            idx[d] = cg_const_i64(c, 0);
        } else {
            cg_loop *l = &nest->loops[nest->n++];
            cg_loop_begin(c, l, cg_const_i64(c, s->dims[d]), "loop");
            idx[d] = l->iv;
        }
    }
}

void cg_nest_begin(cg *c, cg_nest *nest, const hloc_shape *s, LLVMValueRef *idx) {
    uint8_t order[HLOC_MAX_RANK];
    for (uint32_t j = 0; j < s->rank; j++)
        order[j] = s->has_layout ? s->minor_to_major[s->rank - 1 - j] : (uint8_t)j;
    cg_nest_begin_dims(c, nest, s->rank, s->dims, order, idx);
}

void cg_nest_end(cg *c, cg_nest *nest) {
    while (nest->n) cg_loop_end(c, &nest->loops[--nest->n]);
}

LLVMValueRef cg_offset(cg *c, const hloc_shape *s, LLVMValueRef const *idx) {
    LLVMValueRef off = cg_const_i64(c, 0);
    int64_t stride = 1;
    for (uint32_t k = 0; k < s->rank; k++) {
        uint32_t d = s->has_layout ? s->minor_to_major[k] : s->rank - 1 - k;
        if (s->dims[d] != 1) {
            LLVMValueRef t = LLVMBuildMul(c->b, idx[d], cg_const_i64(c, stride), "");
            off = LLVMBuildAdd(c->b, off, t, "");
        }
        stride *= s->dims[d];
    }
    return off;
}

LLVMValueRef cg_alloca(cg *c, LLVMTypeRef t, const char *name) {
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(c->fn);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(c->ctx);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first) LLVMPositionBuilderBefore(b, first);
    else LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef a = LLVMBuildAlloca(b, t, name);
    LLVMDisposeBuilder(b);
    return a;
}

LLVMValueRef cg_clamp_i64(cg *c, LLVMValueRef v, int64_t lo, int64_t hi) {
    LLVMValueRef l = cg_const_i64(c, lo), h = cg_const_i64(c, hi);
    v = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, v, l, ""), l, v, "");
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSGT, v, h, ""), h, v, "");
}
