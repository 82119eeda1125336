/* cholesky and triangular-solve, with the evaluator's algorithms and semantics (hlo/eval_linalg.c):
 * operands are copied into row-major f64 (complex: <2 x double>) scratch arrays, factored or
 * solved there matrix by matrix with plain loops, and rounded once into the result. Also the
 * pack/unpack helpers fft.c shares. Small and exact rather than fast: these ops are rare in
 * inference graphs. */
#include <math.h>

#include "cg.h"

LLVMTypeRef cg_wtype(cg *c, bool cx) { return cx ? LLVMVectorType(c->t_f64, 2) : c->t_f64; }

LLVMValueRef cg_wload(cg *c, bool cx, LLVMValueRef base, LLVMValueRef e) {
    LLVMValueRef p = LLVMBuildGEP2(c->b, cg_wtype(c, cx), base, &e, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(c->b, cg_wtype(c, cx), p, "");
    LLVMSetAlignment(v, 8);
    return v;
}

void cg_wstore(cg *c, bool cx, LLVMValueRef base, LLVMValueRef e, LLVMValueRef v) {
    LLVMValueRef p = LLVMBuildGEP2(c->b, cg_wtype(c, cx), base, &e, 1, "");
    LLVMSetAlignment(LLVMBuildStore(c->b, v, p), 8);
}

/* Row-major linear index of |idx| within |dims|. */
static LLVMValueRef row_major(cg *c, uint32_t rank, const int64_t *dims, LLVMValueRef const *idx) {
    LLVMValueRef e = cg_const_i64(c, 0);
    int64_t stride = 1;
    for (uint32_t d = rank; d-- > 0;) {
        if (dims[d] != 1)
            e = LLVMBuildAdd(c->b, e, LLVMBuildMul(c->b, idx[d], cg_const_i64(c, stride), ""), "");
        stride *= dims[d];
    }
    return e;
}

void cg_pack(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, bool cx, LLVMValueRef work) {
    const hloc_shape *os = &i->operands[k]->shape;
    if (!hloc_shape_elements(os)) return;
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin(c, &nest, os, idx);
    LLVMValueRef v =
        cg_convert(c, cg_operand(c, s, i, k, idx), os->type, cx ? HLOC_TYPE_C128 : HLOC_TYPE_F64);
    cg_wstore(c, cx, work, row_major(c, os->rank, os->dims, idx), v);
    cg_nest_end(c, &nest);
}

void cg_unpack(cg *c, LLVMValueRef work, bool cx, const cg_value *dst, int64_t src_last,
               double div) {
    const hloc_shape *ds = dst->shape;
    if (!hloc_shape_elements(ds)) return;
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin(c, &nest, ds, idx);
    int64_t dims[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < ds->rank; d++)
        dims[d] = ds->dims[d];
    if (ds->rank) dims[ds->rank - 1] = src_last;
    LLVMValueRef v = cg_wload(c, cx, work, row_major(c, ds->rank, dims, idx));
    if (div != 1.0) {
        LLVMValueRef dv = LLVMConstReal(c->t_f64, div);
        if (cx) {
            LLVMValueRef two[2] = {dv, dv};
            dv = LLVMConstVector(two, 2);
        }
        v = LLVMBuildFDiv(c->b, v, dv, "");
    }
    cg_store(c, ds->type, dst->ptr, cg_offset(c, ds, idx),
             cg_convert(c, v, cx ? HLOC_TYPE_C128 : HLOC_TYPE_F64, ds->type));
    cg_nest_end(c, &nest);
}

/* ---- scalar arithmetic on f64 or <2 x double> complex values ---- */

static LLVMValueRef part(cg *c, LLVMValueRef v, unsigned k) {
    return LLVMBuildExtractElement(c->b, v, LLVMConstInt(c->t_i32, k, 0), "");
}

static LLVMValueRef cplx(cg *c, LLVMValueRef re, LLVMValueRef im) {
    LLVMValueRef v = LLVMGetUndef(cg_wtype(c, true));
    v = LLVMBuildInsertElement(c->b, v, re, LLVMConstInt(c->t_i32, 0, 0), "");
    return LLVMBuildInsertElement(c->b, v, im, LLVMConstInt(c->t_i32, 1, 0), "");
}

LLVMValueRef cg_wmul(cg *c, bool cx, LLVMValueRef a, LLVMValueRef b) {
    LLVMBuilderRef bd = c->b;
    if (!cx) return LLVMBuildFMul(bd, a, b, "");
    LLVMValueRef ar = part(c, a, 0), ai = part(c, a, 1), br = part(c, b, 0), bi = part(c, b, 1);
    return cplx(
        c, LLVMBuildFSub(bd, LLVMBuildFMul(bd, ar, br, ""), LLVMBuildFMul(bd, ai, bi, ""), ""),
        LLVMBuildFAdd(bd, LLVMBuildFMul(bd, ar, bi, ""), LLVMBuildFMul(bd, ai, br, ""), ""));
}

static LLVMValueRef wconj(cg *c, bool cx, LLVMValueRef a) {
    if (!cx) return a;
    return LLVMBuildInsertElement(c->b, a, LLVMBuildFNeg(c->b, part(c, a, 1), ""),
                                  LLVMConstInt(c->t_i32, 1, 0), "");
}

/* a / b; complex by Smith's method (no overflow for large |b|), as C's division scales. */
static LLVMValueRef wdiv(cg *c, bool cx, LLVMValueRef a, LLVMValueRef b) {
    LLVMBuilderRef bd = c->b;
    if (!cx) return LLVMBuildFDiv(bd, a, b, "");
    LLVMValueRef ar = part(c, a, 0), ai = part(c, a, 1), br = part(c, b, 0), bi = part(c, b, 1);
    LLVMValueRef abr = cg_intrinsic(c, "llvm.fabs", &br, 1),
                 abi = cg_intrinsic(c, "llvm.fabs", &bi, 1);
    LLVMValueRef big_re = LLVMBuildFCmp(bd, LLVMRealOGE, abr, abi, "");
    /* |br| >= |bi|: r = bi/br, den = br + bi·r, ((ar + ai·r), (ai − ar·r)) / den */
    LLVMValueRef r1 = LLVMBuildFDiv(bd, bi, br, ""),
                 d1 = LLVMBuildFAdd(bd, br, LLVMBuildFMul(bd, bi, r1, ""), "");
    LLVMValueRef re1 =
        LLVMBuildFDiv(bd, LLVMBuildFAdd(bd, ar, LLVMBuildFMul(bd, ai, r1, ""), ""), d1, "");
    LLVMValueRef im1 =
        LLVMBuildFDiv(bd, LLVMBuildFSub(bd, ai, LLVMBuildFMul(bd, ar, r1, ""), ""), d1, "");
    /* else: r = br/bi, den = bi + br·r, ((ar·r + ai), (ai·r − ar)) / den */
    LLVMValueRef r2 = LLVMBuildFDiv(bd, br, bi, ""),
                 d2 = LLVMBuildFAdd(bd, bi, LLVMBuildFMul(bd, br, r2, ""), "");
    LLVMValueRef re2 =
        LLVMBuildFDiv(bd, LLVMBuildFAdd(bd, LLVMBuildFMul(bd, ar, r2, ""), ai, ""), d2, "");
    LLVMValueRef im2 =
        LLVMBuildFDiv(bd, LLVMBuildFSub(bd, LLVMBuildFMul(bd, ai, r2, ""), ar, ""), d2, "");
    return cplx(c, LLVMBuildSelect(bd, big_re, re1, re2, ""),
                LLVMBuildSelect(bd, big_re, im1, im2, ""));
}

static LLVMValueRef wconst(cg *c, bool cx, double re) {
    if (!cx) return LLVMConstReal(c->t_f64, re);
    LLVMValueRef v[2] = {LLVMConstReal(c->t_f64, re), LLVMConstReal(c->t_f64, 0)};
    return LLVMConstVector(v, 2);
}

static bool is_fc(hloc_type t) { return hloc_type_is_float(t) || hloc_type_is_complex(t); }

static LLVMValueRef mul_add(cg *c, LLVMValueRef a, int64_t k, LLVMValueRef b) {
    return LLVMBuildAdd(c->b, LLVMBuildMul(c->b, a, cg_const_i64(c, k), ""), b, "");
}

/* acc -= a·b accumulated in an alloca over a loop the caller opens and closes. */
static void sub_product(cg *c, bool cx, LLVMValueRef acc, LLVMValueRef a, LLVMValueRef b) {
    LLVMValueRef cur = LLVMBuildLoad2(c->b, cg_wtype(c, cx), acc, "");
    LLVMBuildStore(c->b, LLVMBuildFSub(c->b, cur, cg_wmul(c, cx, a, b), ""), acc);
}

/* ---- cholesky ---- */

void cg_emit_cholesky(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_shape *as = i->n_operands == 1 ? &i->operands[0]->shape : NULL;
    uint32_t r = as ? as->rank : 0;
    if (!as || r < 2 || as->dims[r - 1] != as->dims[r - 2] || !is_fc(as->type) ||
        dst->kind != CGV_BUFFER || !hloc_shape_same_dims(dst->shape, as) ||
        dst->shape->type != as->type) {
        cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT,
                "%d:%d: cholesky '%s' takes float or complex square matrices", i->loc.line,
                i->loc.col, i->name);
        return;
    }
    int64_t n = as->dims[r - 1], nn = n * n;
    if (!nn) return;
    int64_t batches = hloc_shape_elements(as) / nn;
    bool lower = i->attrs->cholesky_lower, cx = hloc_type_is_complex(as->type);
    uint64_t eb = cx ? 16 : 8;
    LLVMBuilderRef b = c->b;
    LLVMTypeRef wt = cg_wtype(c, cx);
    LLVMValueRef w = cg_alloc(c, (uint64_t)(batches * nn) * eb), l = cg_alloc(c, (uint64_t)nn * eb);
    cg_pack(c, s, i, 0, cx, w);
    LLVMValueRef acc = cg_alloca(c, wt, "chol.acc"), failed = cg_alloca(c, c->t_i1, "chol.failed");
    LLVMValueRef nv = cg_const_i64(c, n);
    cg_loop bl;
    cg_loop_begin(c, &bl, cg_const_i64(c, batches), "chol.batch");
    LLVMValueRef base = LLVMBuildMul(b, bl.iv, cg_const_i64(c, nn), "");
    LLVMBuildMemSet(b, l, LLVMConstInt(c->t_i8, 0, 0),
                    cg_const_i64(c, (int64_t)((uint64_t)nn * eb)), 8);
    LLVMBuildStore(b, LLVMConstInt(c->t_i1, 0, 0), failed);
    /* m[p][q]: the input, transposed (not conjugated) for upper, as the expander reads it */
#define M(p, q)                                                                                    \
    cg_wload(c, cx, w, LLVMBuildAdd(b, base, lower ? mul_add(c, p, n, q) : mul_add(c, q, n, p), ""))
    cg_loop jl;
    cg_loop_begin(c, &jl, nv, "chol.j");
    LLVMValueRef j = jl.iv;
    LLVMBuildStore(b, M(j, j), acc);
    cg_loop kl;
    cg_loop_begin(c, &kl, j, "chol.k");
    LLVMValueRef ljk = cg_wload(c, cx, l, mul_add(c, j, n, kl.iv));
    sub_product(c, cx, acc, ljk, wconj(c, cx, ljk));
    cg_loop_end(c, &kl);
    LLVMValueRef d = LLVMBuildLoad2(b, wt, acc, "");
    LLVMValueRef dre = cx ? part(c, d, 0) : d;
    LLVMValueRef sq = cg_intrinsic(c, "llvm.sqrt", &dre, 1);
    LLVMValueRef nan = LLVMBuildFCmp(b, LLVMRealUNO, sq, sq, "");
    LLVMBuildStore(b, LLVMBuildOr(b, LLVMBuildLoad2(b, c->t_i1, failed, ""), nan, ""), failed);
    LLVMValueRef sqw = sq;
    if (cx) sqw = cplx(c, sq, sq); /* complex / real divides both parts by it */
    cg_wstore(c, cx, l, mul_add(c, j, n, j), cx ? cplx(c, sq, LLVMConstReal(c->t_f64, 0)) : sq);
    cg_loop pl;
    cg_loop_begin_range(c, &pl, LLVMBuildAdd(b, j, cg_const_i64(c, 1), ""), nv, "chol.p");
    LLVMValueRef p = pl.iv;
    LLVMBuildStore(b, M(p, j), acc);
    cg_loop_begin(c, &kl, j, "chol.k2");
    sub_product(c, cx, acc, cg_wload(c, cx, l, mul_add(c, p, n, kl.iv)),
                wconj(c, cx, cg_wload(c, cx, l, mul_add(c, j, n, kl.iv))));
    cg_loop_end(c, &kl);
    cg_wstore(c, cx, l, mul_add(c, p, n, j),
              LLVMBuildFDiv(b, LLVMBuildLoad2(b, wt, acc, ""), sqw, ""));
    cg_loop_end(c, &pl);
    cg_loop_end(c, &jl);
#undef M
    /* The factor (upper: transposed back) replaces this matrix; a failed one is all NaN. */
    LLVMValueRef fl = LLVMBuildLoad2(b, c->t_i1, failed, "");
    LLVMValueRef nanv = cx ? cplx(c, LLVMConstReal(c->t_f64, NAN), LLVMConstReal(c->t_f64, NAN))
                           : LLVMConstReal(c->t_f64, NAN);
    LLVMValueRef idx[2];
    int64_t dims[2] = {n, n};
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, 2, dims, NULL, idx);
    LLVMValueRef v =
        cg_wload(c, cx, l, lower ? mul_add(c, idx[0], n, idx[1]) : mul_add(c, idx[1], n, idx[0]));
    cg_wstore(c, cx, w, LLVMBuildAdd(b, base, mul_add(c, idx[0], n, idx[1]), ""),
              LLVMBuildSelect(b, fl, nanv, v, ""));
    cg_nest_end(c, &nest);
    cg_loop_end(c, &bl);
    cg_unpack(c, w, cx, dst, n, 1.0);
}

/* ---- triangular-solve ---- */

void cg_emit_triangular_solve(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    const hloc_triangular_solve *o = &i->attrs->triangular_solve;
    const hloc_shape *as = i->n_operands == 2 ? &i->operands[0]->shape : NULL;
    const hloc_shape *bs = i->n_operands == 2 ? &i->operands[1]->shape : NULL;
    uint32_t r = bs ? bs->rank : 0;
    bool ok = as && r >= 2 && as->rank == r && is_fc(bs->type) && as->type == bs->type &&
              dst->kind == CGV_BUFFER && hloc_shape_same_dims(dst->shape, bs) &&
              dst->shape->type == bs->type && o->transpose_a != HLOC_TRANSPOSE_INVALID;
    int64_t m = ok ? bs->dims[r - 2] : 0, n = ok ? bs->dims[r - 1] : 0, k = o->left_side ? m : n;
    ok = ok && as->dims[r - 1] == k && as->dims[r - 2] == k;
    for (uint32_t d = 0; ok && d + 2 < r; d++)
        ok = as->dims[d] == bs->dims[d];
    if (!ok) {
        cg_fail(
            c, HLOC_STATUS_INVALID_ARGUMENT,
            "%d:%d: triangular-solve '%s' takes a float a[..., k, k] and b[..., m, n] of one type, "
            "k = m (left_side) or n, and transpose_a NO_TRANSPOSE, TRANSPOSE or ADJOINT",
            i->loc.line, i->loc.col, i->name);
        return;
    }
    if (!m || !n) return;
    int64_t batches = hloc_shape_elements(bs) / (m * n), kk = k * k;
    bool cx = hloc_type_is_complex(bs->type);
    bool trans = o->transpose_a != HLOC_TRANSPOSE_NO,
         adj = o->transpose_a == HLOC_TRANSPOSE_ADJOINT;
    bool t_lower = o->lower != trans; /* T = op(triangle of a) is lower when exactly one holds */
    uint64_t eb = cx ? 16 : 8;
    LLVMBuilderRef b = c->b;
    LLVMTypeRef wt = cg_wtype(c, cx);
    LLVMValueRef wa = cg_alloc(c, (uint64_t)(batches * kk) * eb),
                 x = cg_alloc(c, (uint64_t)(batches * m * n) * eb);
    LLVMValueRef t = cg_alloc(c, (uint64_t)kk * eb);
    cg_pack(c, s, i, 0, cx, wa);
    cg_pack(c, s, i, 1, cx, x);
    LLVMValueRef acc = cg_alloca(c, wt, "trsm.acc");
    cg_loop bl;
    cg_loop_begin(c, &bl, cg_const_i64(c, batches), "trsm.batch");
    LLVMValueRef abase = LLVMBuildMul(b, bl.iv, cg_const_i64(c, kk), "");
    LLVMValueRef xbase = LLVMBuildMul(b, bl.iv, cg_const_i64(c, m * n), "");
    /* T[p][q] = op(A)[p][q], with only a's chosen triangle read and a unit diagonal if asked */
    {
        LLVMValueRef idx[2];
        int64_t dims[2] = {k, k};
        cg_nest nest;
        cg_nest_begin_dims(c, &nest, 2, dims, NULL, idx);
        LLVMValueRef ap = trans ? idx[1] : idx[0], aq = trans ? idx[0] : idx[1];
        LLVMValueRef in_tri = LLVMBuildICmp(b, o->lower ? LLVMIntSLE : LLVMIntSGE, aq, ap, "");
        LLVMValueRef v = cg_wload(c, cx, wa, LLVMBuildAdd(b, abase, mul_add(c, ap, k, aq), ""));
        v = LLVMBuildSelect(b, in_tri, v, wconst(c, cx, 0), "");
        if (o->unit_diagonal)
            v = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntEQ, ap, aq, ""), wconst(c, cx, 1), v,
                                "");
        if (adj) v = wconj(c, cx, v);
        cg_wstore(c, cx, t, mul_add(c, idx[0], k, idx[1]), v);
        cg_nest_end(c, &nest);
    }
#define X(row, col) LLVMBuildAdd(b, xbase, mul_add(c, row, n, col), "")
#define T(p, q) cg_wload(c, cx, t, mul_add(c, p, k, q))
    LLVMValueRef one = cg_const_i64(c, 1);
    cg_loop ol, sl, ql;
    if (o->left_side) {
        /* T X = B, column by column of X, rows in substitution order */
        cg_loop_begin(c, &ol, cg_const_i64(c, n), "trsm.col");
        cg_loop_begin(c, &sl, cg_const_i64(c, m), "trsm.s");
        LLVMValueRef p = t_lower ? sl.iv : LLVMBuildSub(b, cg_const_i64(c, m - 1), sl.iv, "");
        LLVMBuildStore(b, cg_wload(c, cx, x, X(p, ol.iv)), acc);
        if (t_lower)
            cg_loop_begin(c, &ql, p, "trsm.q");
        else
            cg_loop_begin_range(c, &ql, LLVMBuildAdd(b, p, one, ""), cg_const_i64(c, m), "trsm.q");
        sub_product(c, cx, acc, T(p, ql.iv), cg_wload(c, cx, x, X(ql.iv, ol.iv)));
        cg_loop_end(c, &ql);
        cg_wstore(c, cx, x, X(p, ol.iv), wdiv(c, cx, LLVMBuildLoad2(b, wt, acc, ""), T(p, p)));
    } else {
        /* X T = B, row by row of X: x_j = (b_j − Σ_{q≠j} x_q T[q][j]) / T[j][j] */
        cg_loop_begin(c, &ol, cg_const_i64(c, m), "trsm.row");
        cg_loop_begin(c, &sl, cg_const_i64(c, n), "trsm.s");
        LLVMValueRef j = t_lower ? LLVMBuildSub(b, cg_const_i64(c, n - 1), sl.iv, "") : sl.iv;
        LLVMBuildStore(b, cg_wload(c, cx, x, X(ol.iv, j)), acc);
        if (t_lower)
            cg_loop_begin_range(c, &ql, LLVMBuildAdd(b, j, one, ""), cg_const_i64(c, n), "trsm.q");
        else
            cg_loop_begin(c, &ql, j, "trsm.q");
        sub_product(c, cx, acc, cg_wload(c, cx, x, X(ol.iv, ql.iv)), T(ql.iv, j));
        cg_loop_end(c, &ql);
        cg_wstore(c, cx, x, X(ol.iv, j), wdiv(c, cx, LLVMBuildLoad2(b, wt, acc, ""), T(j, j)));
    }
    cg_loop_end(c, &sl);
    cg_loop_end(c, &ol);
#undef X
#undef T
    cg_loop_end(c, &bl);
    cg_unpack(c, x, cx, dst, n, 1.0);
}
