/* dot (dot_general) as plain loops. Where the output's storage is its compute type (f32, f64,
 * 32/64-bit ints) it accumulates in the output buffer in i-k-j order, so that the innermost loop
 * streams over contiguous rhs and output rows and vectorizes; otherwise (bf16/f16 outputs) each
 * output element keeps an f32 accumulator over the contracting dims. Operands are converted to the
 * output's type before the multiply. */
#include <string.h>

#include "gemm.h"

typedef struct dot_dims {
    uint32_t n_batch, n_lfree, n_rfree, n_contr;
    int64_t lb[HLOC_MAX_RANK], rb[HLOC_MAX_RANK], lc[HLOC_MAX_RANK], rc[HLOC_MAX_RANK];
    int64_t lfree[HLOC_MAX_RANK], rfree[HLOC_MAX_RANK];
} dot_dims;

static bool in_list(const hloc_i64_list *l, int64_t d) {
    for (uint32_t k = 0; k < l->n; k++)
        if (l->v[k] == d) return true;
    return false;
}

static bool dot_dims_of(const hloc_instr *i, dot_dims *dd) {
    const hloc_dot_dnums *dn = &i->attrs->dot;
    const hloc_shape *ls = &i->operands[0]->shape, *rs = &i->operands[1]->shape;
    if (dn->lhs_batch.n != dn->rhs_batch.n || dn->lhs_contracting.n != dn->rhs_contracting.n) return false;
    dd->n_batch = dn->lhs_batch.n;
    dd->n_contr = dn->lhs_contracting.n;
    for (uint32_t k = 0; k < dd->n_batch; k++) {
        dd->lb[k] = dn->lhs_batch.v[k];
        dd->rb[k] = dn->rhs_batch.v[k];
    }
    for (uint32_t k = 0; k < dd->n_contr; k++) {
        dd->lc[k] = dn->lhs_contracting.v[k];
        dd->rc[k] = dn->rhs_contracting.v[k];
        if (dd->lc[k] < 0 || dd->lc[k] >= ls->rank || dd->rc[k] < 0 || dd->rc[k] >= rs->rank ||
            ls->dims[dd->lc[k]] != rs->dims[dd->rc[k]])
            return false;
    }
    dd->n_lfree = dd->n_rfree = 0;
    for (int64_t d = 0; d < ls->rank; d++)
        if (!in_list(&dn->lhs_batch, d) && !in_list(&dn->lhs_contracting, d)) dd->lfree[dd->n_lfree++] = d;
    for (int64_t d = 0; d < rs->rank; d++)
        if (!in_list(&dn->rhs_batch, d) && !in_list(&dn->rhs_contracting, d)) dd->rfree[dd->n_rfree++] = d;
    return dd->n_batch + dd->n_lfree + dd->n_rfree == i->shape.rank;
}

static bool accumulates_in_place(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_F32: case HLOC_TYPE_F64: case HLOC_TYPE_S32: case HLOC_TYPE_S64:
    case HLOC_TYPE_U32: case HLOC_TYPE_U64:
        return true;
    default:
        return false;
    }
}

static LLVMValueRef madd(cg *c, hloc_type t, LLVMValueRef acc, LLVMValueRef a, LLVMValueRef b) {
    if (hloc_type_is_complex(t)) {
        LLVMValueRef k0 = LLVMConstInt(c->t_i32, 0, 0), k1 = LLVMConstInt(c->t_i32, 1, 0);
        LLVMValueRef ar = LLVMBuildExtractElement(c->b, a, k0, ""), ai = LLVMBuildExtractElement(c->b, a, k1, "");
        LLVMValueRef br = LLVMBuildExtractElement(c->b, b, k0, ""), bi = LLVMBuildExtractElement(c->b, b, k1, "");
        LLVMValueRef re = LLVMBuildFSub(c->b, LLVMBuildFMul(c->b, ar, br, ""), LLVMBuildFMul(c->b, ai, bi, ""), "");
        LLVMValueRef im = LLVMBuildFAdd(c->b, LLVMBuildFMul(c->b, ar, bi, ""), LLVMBuildFMul(c->b, ai, br, ""), "");
        LLVMValueRef p = LLVMBuildInsertElement(c->b, LLVMGetUndef(LLVMTypeOf(a)), re, k0, "");
        p = LLVMBuildInsertElement(c->b, p, im, k1, "");
        return LLVMBuildFAdd(c->b, acc, p, "");
    }
    if (hloc_type_is_float(t)) return LLVMBuildFAdd(c->b, acc, LLVMBuildFMul(c->b, a, b, ""), "");
    if (t == HLOC_TYPE_PRED) return LLVMBuildOr(c->b, acc, LLVMBuildAnd(c->b, a, b, ""), "");
    return LLVMBuildAdd(c->b, acc, LLVMBuildMul(c->b, a, b, ""), "");
}

typedef struct dot_ctx {
    dot_dims dd;
    int64_t cdims[HLOC_MAX_RANK];
} dot_ctx;

/* i-k-j over output rows [lo, hi) of the first outer dim (all of it when there is none). */
static void dot_in_place(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                         LLVMValueRef hi, void *arg) {
    const dot_ctx *x = arg;
    const dot_dims *dd = &x->dd;
    const hloc_instr *L = i->operands[0], *R = i->operands[1];
    const hloc_shape *os = dst->shape;
    hloc_type ot = os->type, lt = L->shape.type, rt = R->shape.type;
    LLVMValueRef oi[HLOC_MAX_RANK], li[HLOC_MAX_RANK], ri[HLOC_MAX_RANK], ci[HLOC_MAX_RANK];
    uint32_t n_outer = dd->n_batch + dd->n_lfree;
    cg_loop first;
    cg_nest outer, contr, inner;
    if (n_outer > 0) {
        cg_loop_begin_range(c, &first, lo, hi, "dot.rows");
        oi[0] = first.iv;
        int64_t rest[HLOC_MAX_RANK];
        uint8_t order[HLOC_MAX_RANK];
        for (uint32_t k = 1; k < n_outer; k++) {
            rest[k] = os->dims[k];
            order[k - 1] = (uint8_t)k;
        }
        cg_nest_begin_dims(c, &outer, n_outer - 1, rest, order, oi);
    }
    cg_nest_begin_dims(c, &contr, dd->n_contr, x->cdims, NULL, ci);
    for (uint32_t k = 0; k < dd->n_batch; k++) li[dd->lb[k]] = oi[k];
    for (uint32_t k = 0; k < dd->n_lfree; k++) li[dd->lfree[k]] = oi[dd->n_batch + k];
    for (uint32_t k = 0; k < dd->n_contr; k++) li[dd->lc[k]] = ci[k];
    LLVMValueRef a = cg_convert(c, cg_operand(c, s, i, 0, li), lt, ot);
    int64_t rdims[HLOC_MAX_RANK];
    uint8_t rorder[HLOC_MAX_RANK];
    for (uint32_t k = 0; k < dd->n_rfree; k++) {
        rdims[n_outer + k] = os->dims[n_outer + k];
        rorder[k] = (uint8_t)(n_outer + k);
    }
    cg_nest_begin_dims(c, &inner, dd->n_rfree, rdims, rorder, oi);
    for (uint32_t k = 0; k < dd->n_batch; k++) ri[dd->rb[k]] = oi[k];
    for (uint32_t k = 0; k < dd->n_contr; k++) ri[dd->rc[k]] = ci[k];
    for (uint32_t k = 0; k < dd->n_rfree; k++) ri[dd->rfree[k]] = oi[n_outer + k];
    LLVMValueRef bv = cg_convert(c, cg_operand(c, s, i, 1, ri), rt, ot);
    LLVMValueRef off = cg_offset(c, os, oi);
    LLVMValueRef acc = cg_load(c, ot, dst->ptr, off);
    cg_store(c, ot, dst->ptr, off, madd(c, ot, acc, a, bv));
    cg_nest_end(c, &inner);
    cg_nest_end(c, &contr);
    if (n_outer > 0) {
        cg_nest_end(c, &outer);
        cg_loop_end(c, &first);
    }
}

/* Each output element keeps an accumulator in its compute type (f32 for bf16/f16). */
static void dot_accumulate(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                           LLVMValueRef hi, void *arg) {
    const dot_ctx *x = arg;
    const dot_dims *dd = &x->dd;
    const hloc_instr *L = i->operands[0], *R = i->operands[1];
    const hloc_shape *os = dst->shape;
    hloc_type ot = os->type, lt = L->shape.type, rt = R->shape.type;
    LLVMValueRef oi[HLOC_MAX_RANK], li[HLOC_MAX_RANK], ri[HLOC_MAX_RANK], ci[HLOC_MAX_RANK];
    uint32_t n_outer = dd->n_batch + dd->n_lfree;
    LLVMTypeRef at = cg_ctype(c, ot);
    LLVMValueRef acc = cg_alloca(c, at, "acc");
    cg_nest outer, contr;
    cg_nest_begin_split(c, &outer, os, oi, cg_split_dim(os), lo, hi);
    LLVMBuildStore(c->b, LLVMConstNull(at), acc);
    cg_nest_begin_dims(c, &contr, dd->n_contr, x->cdims, NULL, ci);
    for (uint32_t k = 0; k < dd->n_batch; k++) {
        li[dd->lb[k]] = oi[k];
        ri[dd->rb[k]] = oi[k];
    }
    for (uint32_t k = 0; k < dd->n_lfree; k++) li[dd->lfree[k]] = oi[dd->n_batch + k];
    for (uint32_t k = 0; k < dd->n_rfree; k++) ri[dd->rfree[k]] = oi[n_outer + k];
    for (uint32_t k = 0; k < dd->n_contr; k++) {
        li[dd->lc[k]] = ci[k];
        ri[dd->rc[k]] = ci[k];
    }
    LLVMValueRef a = cg_convert(c, cg_operand(c, s, i, 0, li), lt, ot);
    LLVMValueRef bv = cg_convert(c, cg_operand(c, s, i, 1, ri), rt, ot);
    LLVMValueRef cur = LLVMBuildLoad2(c->b, at, acc, "");
    LLVMBuildStore(c->b, madd(c, ot, cur, a, bv), acc);
    cg_nest_end(c, &contr);
    cg_store(c, ot, dst->ptr, cg_offset(c, os, oi), LLVMBuildLoad2(c->b, at, acc, ""));
    cg_nest_end(c, &outer);
}

/* Whether dims |d[0..n)| of dims |dims| with strides |st| (the first the most major of the group)
 * walk memory as one dim of *size elements |*stride| apart; dims of size 1 do not count. */
static bool collapse_st(const int64_t *dims, const int64_t *st, const int64_t *d, uint32_t n, int64_t *size,
                        int64_t *stride) {
    *size = 1;
    *stride = 0;
    for (uint32_t q = n; q-- > 0;) {
        int64_t e = dims[d[q]];
        if (e == 1) continue;
        if (*size == 1) *stride = st[d[q]];
        else if (st[d[q]] != *stride * *size) return false;
        *size *= e;
    }
    return true;
}

static bool gemm_input_type(hloc_type t) {
    return t == HLOC_TYPE_F32 || t == HLOC_TYPE_F64 || t == HLOC_TYPE_BF16 || t == HLOC_TYPE_F16;
}

/* A materialized operand (inline producers are computed into scratch first: O(size) against
 * the product's O(size * other dim)). */
static LLVMValueRef operand_buffer(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, const hloc_shape **shape) {
    const hloc_instr *o = i->operands[k];
    cg_value *v = cg_value_of(c, s, o);
    *shape = &o->shape;
    if (v && v->kind == CGV_BUFFER) {
        *shape = v->shape;
        return v->ptr;
    }
    /* Scratch is the body's: a task function cannot take a block of it here. */
    if (!v || v->kind != CGV_INLINE || c->task_arg) return NULL;
    cg_value *tmp = cg_alloc_value(c, &o->shape);
    if (!tmp) return NULL;
    cg_materialize_elemental(c, s, o, tmp);
    *shape = tmp->shape;
    return tmp->ptr;
}

/* The packed, register-blocked product (gemm.h) for float dots with f32/f64 results whose
 * operand and result dims group into strided batch, row, column and contracting dims. */
static bool dot_gemm(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const dot_dims *dd,
                     const gemm_epilogue *e, const gemm_strided *va, const gemm_strided *vb, const gemm_strided *vc) {
    const hloc_shape *os = dst->shape;
    hloc_type ot = os->type;
    bool narrow = ot == HLOC_TYPE_BF16 || ot == HLOC_TYPE_F16;
    if ((e || va || vb || vc) && narrow) return false;
    if ((ot != HLOC_TYPE_F32 && ot != HLOC_TYPE_F64 && !narrow) || s->scalar_mode || (narrow && c->task_arg))
        return false;
    const hloc_shape *ls0 = &i->operands[0]->shape, *rs0 = &i->operands[1]->shape;
    if (!gemm_input_type(ls0->type) || !gemm_input_type(rs0->type)) return false;
    int64_t m = 1, n = 1, k = 1, batch = 1;
    for (uint32_t q = 0; q < dd->n_batch; q++) batch *= ls0->dims[dd->lb[q]];
    for (uint32_t q = 0; q < dd->n_lfree; q++) m *= ls0->dims[dd->lfree[q]];
    for (uint32_t q = 0; q < dd->n_rfree; q++) n *= rs0->dims[dd->rfree[q]];
    for (uint32_t q = 0; q < dd->n_contr; q++) k *= ls0->dims[dd->lc[q]];
    /* Tiny products and matrix-vector ones: packing does not pay. */
    if (m < 4 || n < 8 || k < 1 || batch < 1 || (double)m * (double)n * (double)k < 16384) return false;
    int64_t ob[HLOC_MAX_RANK], om[HLOC_MAX_RANK], on[HLOC_MAX_RANK];
    for (uint32_t q = 0; q < dd->n_batch; q++) ob[q] = q;
    for (uint32_t q = 0; q < dd->n_lfree; q++) om[q] = dd->n_batch + q;
    for (uint32_t q = 0; q < dd->n_rfree; q++) on[q] = dd->n_batch + dd->n_lfree + q;
    gemm_call x = {.at = ls0->type, .bt = rs0->type, .m = m, .n = n, .k = k, .batch = batch};
    int64_t sz;
    /* bf16/f16 results: the f32 sums go to a row-major scratch array (batch, rows, columns are
     * consecutive logical dims, so that is the result's row-major order), rounded once after. */
    hloc_shape acc_shape = *os;
    if (narrow) {
        acc_shape.type = HLOC_TYPE_F32;
        hloc_shape_set_default_layout(&acc_shape);
    }
    int64_t cst[HLOC_MAX_RANK];
    if (vc) memcpy(cst, vc->st, sizeof cst);
    else gemm_dense_strides(&acc_shape, cst);
    if (!collapse_st(os->dims, cst, ob, dd->n_batch, &sz, &x.c_bs) ||
        !collapse_st(os->dims, cst, om, dd->n_lfree, &sz, &x.c_rs) ||
        !collapse_st(os->dims, cst, on, dd->n_rfree, &sz, &x.c_cs))
        return false;
    gemm_cfg g = gemm_cfg_for(c, narrow ? HLOC_TYPE_F32 : ot, &x);
    if (e && !gemm_epilogue_fits(c, e, &g, &x)) return false;
    /* Check the operands' layouts before materializing anything. */
    const hloc_shape *ls = NULL, *rs = NULL;
    int64_t ast[HLOC_MAX_RANK], bst[HLOC_MAX_RANK];
    LLVMValueRef a = va ? va->ptr : operand_buffer(c, s, i, 0, &ls);
    LLVMValueRef b = !a ? NULL : vb ? vb->ptr : operand_buffer(c, s, i, 1, &rs);
    if (!a || !b) return false;
    /* A materialized operand has the operand's dims (in its own layout). */
    if (ls && !hloc_shape_same_dims(ls, ls0)) return false;
    if (rs && !hloc_shape_same_dims(rs, rs0)) return false;
    if (va) memcpy(ast, va->st, sizeof ast);
    else gemm_dense_strides(ls, ast);
    if (vb) memcpy(bst, vb->st, sizeof bst);
    else gemm_dense_strides(rs, bst);
    if (!collapse_st(ls0->dims, ast, dd->lb, dd->n_batch, &sz, &x.a_bs) ||
        !collapse_st(ls0->dims, ast, dd->lfree, dd->n_lfree, &sz, &x.a_rs) ||
        !collapse_st(ls0->dims, ast, dd->lc, dd->n_contr, &sz, &x.a_cs) ||
        !collapse_st(rs0->dims, bst, dd->rb, dd->n_batch, &sz, &x.b_bs) ||
        !collapse_st(rs0->dims, bst, dd->rc, dd->n_contr, &sz, &x.b_rs) ||
        !collapse_st(rs0->dims, bst, dd->rfree, dd->n_rfree, &sz, &x.b_cs))
        return false;
    /* The GEMM walks rows, columns and sums forward. */
    if (x.a_bs < 0 || x.a_rs < 0 || x.a_cs < 0 || x.b_bs < 0 || x.b_rs < 0 || x.b_cs < 0 || x.c_bs < 0 ||
        x.c_rs < 0 || x.c_cs < 0)
        return false;
    x.a = a;
    x.b = b;
    x.c = narrow ? cg_alloc(c, hloc_shape_bytes(&acc_shape)) : vc ? vc->ptr : dst->ptr;
    if (e) gemm_epilogue_attach(c, &g, e, &x);
    gemm_emit(c, &g, &x);
    if (narrow) {
        LLVMValueRef idx[HLOC_MAX_RANK];
        cg_nest nest;
        cg_nest_begin(c, &nest, os, idx);
        LLVMValueRef v = cg_load(c, HLOC_TYPE_F32, cg_base(c, x.c), cg_offset(c, &acc_shape, idx));
        cg_store(c, ot, dst->ptr, cg_offset(c, os, idx), v);
        cg_nest_end(c, &nest);
    }
    return true;
}

void cg_emit_dot(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    dot_ctx x;
    if (i->n_operands != 2 || dst->kind != CGV_BUFFER || !dot_dims_of(i, &x.dd)) {
        cg_unsupported(c, i, "this form of dot");
        return;
    }
    if (dot_gemm(c, s, i, dst, &x.dd, NULL, NULL, NULL, NULL)) return;
    const hloc_shape *os = dst->shape;
    double k = 1;
    for (uint32_t q = 0; q < x.dd.n_contr; q++) {
        x.cdims[q] = i->operands[0]->shape.dims[x.dd.lc[q]];
        k *= (double)x.cdims[q];
    }
    double work = (double)hloc_shape_elements(os) * k;
    if (accumulates_in_place(os->type)) {
        uint64_t bytes = hloc_shape_bytes(os);
        if (bytes) LLVMBuildMemSet(c->b, dst->ptr, LLVMConstInt(c->t_i8, 0, 0), cg_const_i64(c, (int64_t)bytes), 1);
        int64_t rows = x.dd.n_batch + x.dd.n_lfree > 0 ? os->dims[0] : 1;
        cg_parallel(c, s, i, dst, rows, rows > 1 ? work : 0, dot_in_place, &x);
        return;
    }
    int d = cg_split_dim(os);
    cg_parallel(c, s, i, dst, d >= 0 ? os->dims[d] : 1, d >= 0 ? work : 0, dot_accumulate, &x);
}

bool cg_dot_gemm_strided(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const gemm_strided *a,
                         const gemm_strided *b, const gemm_strided *out, const gemm_epilogue *e) {
    dot_dims dd;
    if (i->n_operands != 2 || dst->kind != CGV_BUFFER || !dot_dims_of(i, &dd)) return false;
    return dot_gemm(c, s, i, dst, &dd, e, a, b, out);
}
