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

/* Total-order key of a float compute value (NaN above +inf, -NaN below -inf), as a signed int. */
static LLVMValueRef order_key(cg *c, LLVMValueRef v) {
    LLVMTypeRef ft = LLVMTypeOf(v);
    bool dbl = ft == c->t_f64;
    LLVMTypeRef it = dbl ? c->t_i64 : c->t_i32;
    LLVMValueRef bits = LLVMBuildBitCast(c->b, v, it, "");
    LLVMValueRef mask = LLVMBuildLShr(c->b, LLVMBuildAShr(c->b, bits, LLVMConstInt(it, dbl ? 63 : 31, 0), ""),
                                      LLVMConstInt(it, 1, 0), "");
    return LLVMBuildXor(c->b, bits, mask, "");
}

/* Whether (a, ia) goes before (b, ib). A comparator takes the values, or (as XLA's TopK
 * custom-call) values then indices. */
static LLVMValueRef before(cg *c, hloc_type t, const hloc_computation *cmp, bool largest, LLVMValueRef a,
                           LLVMValueRef b, LLVMValueRef ia, LLVMValueRef ib) {
    if (cmp) {
        LLVMValueRef args[4] = {a, b, ia, ib}, r;
        cg_call_scalar(c, cmp, args, cmp->n_params == 4 ? 4 : 2, &r);
        return r;
    }
    bool sgn = true;
    if (hloc_type_is_float(t)) {
        a = order_key(c, a);
        b = order_key(c, b);
    } else if (!hloc_type_is_signed_int(t)) {
        sgn = false;
    }
    LLVMIntPredicate p = largest ? (sgn ? LLVMIntSGT : LLVMIntUGT) : (sgn ? LLVMIntSLT : LLVMIntULT);
    return LLVMBuildICmp(c->b, p, a, b, "");
}

/* Per row: insertion into a sorted list of the k best so far; a new element goes after those it
 * does not beat, so ties keep the lower index first. */
void cg_emit_topk(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst,
                  const hloc_computation *cmp, int64_t k, bool largest) {
    const hloc_instr *op = i->operands[0];
    const hloc_shape *in = &op->shape;
    if (i->n_operands != 1 || dst->kind != CGV_TUPLE || dst->n_elems != 2 || in->rank < 1 || k < 0 ||
        k > in->dims[in->rank - 1] || dst->elems[1].shape->type != HLOC_TYPE_S32) {
        cg_unsupported(c, i, "this form of top-k");
        return;
    }
    if (k == 0) return;
    const cg_value *vals = &dst->elems[0], *idxs = &dst->elems[1];
    hloc_type t = in->type;
    LLVMBuilderRef b = c->b;
    uint32_t last = in->rank - 1;
    int64_t n = in->dims[last];
    int64_t rows[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) rows[d] = d == last ? 1 : in->dims[d];
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, in->rank, rows, NULL, idx);
    cg_loop lp;
    cg_loop_begin(c, &lp, cg_const_i64(c, n), "topk.elem");
    LLVMValueRef xi[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) xi[d] = idx[d];
    xi[last] = lp.iv;
    LLVMValueRef x = cg_elem(c, s, op, xi);
    /* j = min(p, k); while (j > 0 && before(x, vals[j-1])) { if (j < k) move j-1 to j; j--; } */
    LLVMValueRef kk = cg_const_i64(c, k);
    LLVMValueRef j0 = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, lp.iv, kk, ""), lp.iv, kk, "");
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef head = cg_block(c, "topk.head"), test = cg_block(c, "topk.test"),
                      shift = cg_block(c, "topk.shift"), move = cg_block(c, "topk.move"),
                      step = cg_block(c, "topk.step"), place = cg_block(c, "topk.place"),
                      store = cg_block(c, "topk.store"), done = cg_block(c, "topk.done");
    LLVMBuildBr(b, head);
    LLVMPositionBuilderAtEnd(b, head);
    LLVMValueRef j = LLVMBuildPhi(b, c->t_i64, "j");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSGT, j, cg_const_i64(c, 0), ""), test, place);
    LLVMPositionBuilderAtEnd(b, test);
    LLVMValueRef jm1 = LLVMBuildSub(b, j, cg_const_i64(c, 1), "");
    LLVMValueRef pi[HLOC_MAX_RANK], qi[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < in->rank; d++) pi[d] = qi[d] = idx[d];
    pi[last] = jm1;
    qi[last] = j;
    LLVMValueRef poff = cg_offset(c, vals->shape, pi), ipoff = cg_offset(c, idxs->shape, pi);
    LLVMValueRef prev = cg_load(c, vals->shape->type, vals->ptr, poff);
    LLVMValueRef prev_i = cg_load(c, HLOC_TYPE_S32, idxs->ptr, ipoff);
    LLVMValueRef better = before(c, t, cmp, largest, x, prev, LLVMBuildTrunc(b, lp.iv, c->t_i32, ""), prev_i);
    if (c->err) return;
    LLVMBuildCondBr(b, better, shift, place);
    LLVMPositionBuilderAtEnd(b, shift);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, j, kk, ""), move, step);
    LLVMPositionBuilderAtEnd(b, move);
    cg_store(c, vals->shape->type, vals->ptr, cg_offset(c, vals->shape, qi), prev);
    cg_store(c, HLOC_TYPE_S32, idxs->ptr, cg_offset(c, idxs->shape, qi), prev_i);
    LLVMBuildBr(b, step);
    LLVMPositionBuilderAtEnd(b, step);
    LLVMBuildBr(b, head);
    LLVMValueRef inc[2] = {j0, jm1};
    LLVMBasicBlockRef inb[2] = {pre, step};
    LLVMAddIncoming(j, inc, inb, 2);
    LLVMPositionBuilderAtEnd(b, place);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, j, kk, ""), store, done);
    LLVMPositionBuilderAtEnd(b, store);
    cg_store(c, vals->shape->type, vals->ptr, cg_offset(c, vals->shape, qi), x);
    cg_store(c, HLOC_TYPE_S32, idxs->ptr, cg_offset(c, idxs->shape, qi),
             LLVMBuildTrunc(b, lp.iv, c->t_i32, ""));
    LLVMBuildBr(b, done);
    LLVMPositionBuilderAtEnd(b, done);
    cg_loop_end(c, &lp);
    cg_nest_end(c, &nest);
}
