/* sort: copies the operands to the results, then sorts every 1-D slice along the sort dimension
 * in place with a stable insertion sort driven by the comparator computation (elements move only
 * when the comparator says the later one is strictly less, so equal keys keep their order). */
#include "cg.h"

enum { MAX_SORT_OPERANDS = 16 };

void cg_emit_sort(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    uint32_t n = i->n_operands;
    const cg_value *out[MAX_SORT_OPERANDS];
    if (n == 0 || n > MAX_SORT_OPERANDS || i->n_called != 1 || i->attrs->dims.n != 1) {
        cg_unsupported(c, i, "this form of sort");
        return;
    }
    if (n == 1) {
        out[0] = dst;
    } else {
        if (dst->kind != CGV_TUPLE || dst->n_elems != n) {
            cg_unsupported(c, i, "this form of sort");
            return;
        }
        for (uint32_t k = 0; k < n; k++) out[k] = &dst->elems[k];
    }
    for (uint32_t k = 0; k < n; k++) {
        if (out[k]->kind != CGV_BUFFER) {
            cg_unsupported(c, i, "sorting tuples");
            return;
        }
        cg_copy_value(c, s, cg_value_of(c, s, i->operands[k]), out[k]);
    }
    const hloc_shape *sh = out[0]->shape;
    int64_t dim = i->attrs->dims.v[0];
    if (dim < 0 || dim >= sh->rank) {
        cg_unsupported(c, i, "a sort dimension out of range");
        return;
    }
    int64_t len = sh->dims[dim];
    if (len <= 1) return;
    LLVMBuilderRef b = c->b;
    /* Loop over every slice: all dims but |dim|. */
    int64_t odims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < sh->rank; d++) odims[d] = (int64_t)d == dim ? 1 : sh->dims[d];
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest slices;
    cg_nest_begin_dims(c, &slices, sh->rank, odims, NULL, idx);

    /* for (p = 1; p < len; p++) for (j = p; j > 0 && less(x[j], x[j-1]); j--) swap(j, j-1) */
    cg_loop outer;
    cg_loop_begin(c, &outer, cg_const_i64(c, len - 1), "sort.outer");
    LLVMValueRef p = LLVMBuildAdd(b, outer.iv, cg_const_i64(c, 1), "");
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef head = cg_block(c, "sort.inner"), test = cg_block(c, "sort.test"),
                      swap = cg_block(c, "sort.swap"), done = cg_block(c, "sort.done");
    LLVMBuildBr(b, head);
    LLVMPositionBuilderAtEnd(b, head);
    LLVMValueRef j = LLVMBuildPhi(b, c->t_i64, "j");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSGT, j, cg_const_i64(c, 0), ""), test, done);
    LLVMPositionBuilderAtEnd(b, test);
    LLVMValueRef jm1 = LLVMBuildSub(b, j, cg_const_i64(c, 1), "");
    LLVMValueRef ia[HLOC_MAX_RANK], ib[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < sh->rank; d++) ia[d] = ib[d] = idx[d];
    ia[dim] = j;
    ib[dim] = jm1;
    LLVMValueRef offa[MAX_SORT_OPERANDS], offb[MAX_SORT_OPERANDS], va[MAX_SORT_OPERANDS], vb[MAX_SORT_OPERANDS];
    LLVMValueRef args[2 * MAX_SORT_OPERANDS];
    for (uint32_t k = 0; k < n; k++) {
        offa[k] = cg_offset(c, out[k]->shape, ia);
        offb[k] = cg_offset(c, out[k]->shape, ib);
        va[k] = cg_load(c, out[k]->shape->type, out[k]->ptr, offa[k]);
        vb[k] = cg_load(c, out[k]->shape->type, out[k]->ptr, offb[k]);
        args[2 * k] = va[k];
        args[2 * k + 1] = vb[k];
    }
    LLVMValueRef less;
    cg_call_scalar(c, i->called[0], args, 2 * n, &less);
    if (c->err) return;
    if (LLVMTypeOf(less) != c->t_i1) {
        cg_unsupported(c, i, "a comparator that does not return pred");
        return;
    }
    LLVMBuildCondBr(b, less, swap, done);
    LLVMPositionBuilderAtEnd(b, swap);
    for (uint32_t k = 0; k < n; k++) {
        cg_store(c, out[k]->shape->type, out[k]->ptr, offa[k], vb[k]);
        cg_store(c, out[k]->shape->type, out[k]->ptr, offb[k], va[k]);
    }
    LLVMBuildBr(b, head);
    LLVMValueRef in_v[2] = {p, jm1};
    LLVMBasicBlockRef in_b[2] = {pre, swap};
    LLVMAddIncoming(j, in_v, in_b, 2);
    LLVMPositionBuilderAtEnd(b, done);
    cg_loop_end(c, &outer);
    cg_nest_end(c, &slices);
}
