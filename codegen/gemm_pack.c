/* GEMM packing: copies a block of A (rows x kc) or B (kc x cols) from any strided layout and
 * element type into the panels the micro-kernel streams through (gemm.h), converting to the
 * accumulation type and zero-filling the partial last panel, so that the kernel never sees an
 * edge. A's panels keep its rows (k contiguous), so rows of A with unit k stride are one copy;
 * B with unit column stride in the accumulation type copies whole vectors. */
#include <stdio.h>

#include "gemm.h"

static LLVMValueRef min_i64(cg *c, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, a, b, ""), a, b, "");
}

/* Element |idx| of the source, converted, or zero when |valid| is false (idx is clamped in range
 * by the caller, so the load itself is always legal). */
static LLVMValueRef src_elem(cg *c, const gemm_cfg *g, hloc_type t, LLVMValueRef src, LLVMValueRef off,
                             LLVMValueRef valid) {
    LLVMValueRef v = cg_load(c, t, src, off);
    if (t != g->ct) v = cg_convert(c, v, t, g->ct);
    return valid ? LLVMBuildSelect(c->b, valid, v, cg_zero(c, g->ct), "") : v;
}

static LLVMValueRef dst_ptr(cg *c, const gemm_cfg *g, LLVMValueRef dst, LLVMValueRef off) {
    return LLVMBuildGEP2(c->b, cg_ctype(c, g->ct), dst, &off, 1, "");
}

static void store_elem(cg *c, const gemm_cfg *g, LLVMValueRef dst, LLVMValueRef off, LLVMValueRef v) {
    LLVMValueRef s = LLVMBuildStore(c->b, v, dst_ptr(c, g, dst, off));
    LLVMSetAlignment(s, g->ct == HLOC_TYPE_F64 ? 8 : 4);
}

LLVMValueRef gemm_pack_a_fn(cg *c, const gemm_cfg *g, hloc_type t) {
    char name[96];
    snprintf(name, sizeof name, "hloc.gemm.pack_a.%s.%s.%u", hloc_type_name(g->ct), hloc_type_name(t), g->mr);
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    LLVMTypeRef p[6] = {c->t_ptr, c->t_i64, c->t_i64, c->t_i64, c->t_i64, c->t_ptr};
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, 6, &sv);
    gemm_noalias(c, f, 0);
    gemm_noalias(c, f, 5);
    LLVMBuilderRef b = c->b;
    LLVMValueRef src = LLVMGetParam(f, 0), rs = LLVMGetParam(f, 1), cs = LLVMGetParam(f, 2);
    LLVMValueRef rows = LLVMGetParam(f, 3), kc = LLVMGetParam(f, 4), dst = LLVMGetParam(f, 5);
    uint64_t esize = g->ct == HLOC_TYPE_F64 ? 8 : 4, tsize = hloc_type_bytes(t);
    LLVMValueRef mr = cg_const_i64(c, g->mr);
    LLVMValueRef padded = LLVMBuildMul(b, LLVMBuildSDiv(b, LLVMBuildAdd(b, rows, cg_const_i64(c, g->mr - 1), ""), mr, ""),
                                       mr, "");
    LLVMValueRef row_bytes = LLVMBuildMul(b, kc, cg_const_i64(c, (int64_t)esize), "");
    bool same = t == g->ct;
    LLVMValueRef unit = LLVMBuildICmp(b, LLVMIntEQ, cs, cg_const_i64(c, 1), "");
    cg_loop rl, kl;
    cg_loop_begin(c, &rl, padded, "pack_a.row");
    LLVMValueRef doff = LLVMBuildMul(b, rl.iv, kc, "");
    LLVMValueRef drow = dst_ptr(c, g, dst, doff);
    LLVMBasicBlockRef live = cg_block(c, "live"), pad = cg_block(c, "pad"), copy = cg_block(c, "copy"),
                      elems = cg_block(c, "elems"), next = cg_block(c, "next");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, rl.iv, rows, ""), live, pad);
    /* Rows past |rows|: zeros, so that the kernel never sees an edge. */
    LLVMPositionBuilderAtEnd(b, pad);
    LLVMBuildMemSet(b, drow, LLVMConstInt(c->t_i8, 0, 0), row_bytes, (unsigned)esize);
    LLVMBuildBr(b, next);
    /* A row: one copy when its k run is contiguous and of the panel's type, else per element. */
    LLVMPositionBuilderAtEnd(b, live);
    LLVMValueRef soff = LLVMBuildMul(b, rl.iv, rs, "");
    LLVMBuildCondBr(b, same ? unit : LLVMConstInt(c->t_i1, 0, 0), copy, elems);
    LLVMPositionBuilderAtEnd(b, copy);
    LLVMValueRef sp = LLVMBuildGEP2(b, c->t_i8, src, (LLVMValueRef[]){LLVMBuildMul(b, soff, cg_const_i64(c, (int64_t)tsize), "")}, 1, "");
    LLVMBuildMemCpy(b, drow, (unsigned)esize, sp, (unsigned)tsize, row_bytes);
    LLVMBuildBr(b, next);
    LLVMPositionBuilderAtEnd(b, elems);
    cg_loop_begin(c, &kl, kc, "pack_a.k");
    LLVMValueRef off = LLVMBuildAdd(b, soff, LLVMBuildMul(b, kl.iv, cs, ""), "");
    store_elem(c, g, drow, kl.iv, src_elem(c, g, t, src, off, NULL));
    cg_loop_end(c, &kl);
    LLVMBuildBr(b, next);
    LLVMMoveBasicBlockAfter(next, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, next);
    cg_loop_end(c, &rl);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

LLVMValueRef gemm_pack_b_fn(cg *c, const gemm_cfg *g, hloc_type t) {
    char name[96];
    snprintf(name, sizeof name, "hloc.gemm.pack_b.%s.%s.%u", hloc_type_name(g->ct), hloc_type_name(t), g->nr);
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    LLVMTypeRef p[6] = {c->t_ptr, c->t_i64, c->t_i64, c->t_i64, c->t_i64, c->t_ptr};
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, 6, &sv);
    gemm_noalias(c, f, 0);
    gemm_noalias(c, f, 5);
    LLVMBuilderRef b = c->b;
    LLVMValueRef src = LLVMGetParam(f, 0), rs = LLVMGetParam(f, 1), cs = LLVMGetParam(f, 2);
    LLVMValueRef kc = LLVMGetParam(f, 3), cols = LLVMGetParam(f, 4), dst = LLVMGetParam(f, 5);
    LLVMValueRef nr = cg_const_i64(c, g->nr);
    LLVMValueRef np = LLVMBuildSDiv(b, LLVMBuildAdd(b, cols, cg_const_i64(c, g->nr - 1), ""), nr, "");
    LLVMValueRef last = LLVMBuildSub(b, cols, cg_const_i64(c, 1), "");
    cg_loop pl, kl, jl;
    cg_loop_begin(c, &pl, np, "pack_b.panel");
    LLVMValueRef c0 = LLVMBuildMul(b, pl.iv, nr, "");
    LLVMValueRef pbase = LLVMBuildMul(b, c0, kc, "");
    LLVMValueRef full = LLVMBuildICmp(b, LLVMIntSLE, LLVMBuildAdd(b, c0, nr, ""), cols, "");
    bool vec_ok = t == g->ct;
    LLVMValueRef unit = LLVMBuildICmp(b, LLVMIntEQ, cs, cg_const_i64(c, 1), "");
    LLVMBasicBlockRef vb = cg_block(c, "vector"), sb = cg_block(c, "scalar"), join = cg_block(c, "join");
    LLVMBuildCondBr(b, vec_ok ? LLVMBuildAnd(b, full, unit, "") : LLVMConstInt(c->t_i1, 0, 0), vb, sb);

    /* Full panel, contiguous rows of the right type: nv vector copies per k. */
    LLVMPositionBuilderAtEnd(b, vb);
    LLVMTypeRef et = cg_ctype(c, g->ct), vt = LLVMVectorType(et, g->vl);
    unsigned esize = g->ct == HLOC_TYPE_F64 ? 8 : 4;
    cg_loop_begin(c, &kl, kc, "pack_b.kv");
    LLVMValueRef soff = LLVMBuildAdd(b, LLVMBuildMul(b, kl.iv, rs, ""), c0, "");
    LLVMValueRef doff = LLVMBuildAdd(b, pbase, LLVMBuildMul(b, kl.iv, nr, ""), "");
    for (uint32_t j = 0; j < g->nv; j++) {
        LLVMValueRef o = cg_const_i64(c, (int64_t)j * g->vl);
        LLVMValueRef sp = LLVMBuildAdd(b, soff, o, "");
        LLVMValueRef v = LLVMBuildLoad2(b, vt, LLVMBuildGEP2(b, et, src, &sp, 1, ""), "");
        LLVMSetAlignment(v, esize);
        LLVMValueRef s = LLVMBuildStore(b, v, dst_ptr(c, g, dst, LLVMBuildAdd(b, doff, o, "")));
        LLVMSetAlignment(s, esize * g->vl);
    }
    cg_loop_end(c, &kl);
    LLVMBuildBr(b, join);

    /* Anything else: element by element, clamped and zero-filled past |cols|. */
    LLVMPositionBuilderAtEnd(b, sb);
    cg_loop_begin(c, &kl, kc, "pack_b.k");
    soff = LLVMBuildMul(b, kl.iv, rs, "");
    doff = LLVMBuildAdd(b, pbase, LLVMBuildMul(b, kl.iv, nr, ""), "");
    cg_loop_begin(c, &jl, nr, "pack_b.j");
    LLVMValueRef col = LLVMBuildAdd(b, c0, jl.iv, "");
    LLVMValueRef valid = LLVMBuildICmp(b, LLVMIntSLT, col, cols, "");
    col = min_i64(c, col, last);
    LLVMValueRef off = LLVMBuildAdd(b, soff, LLVMBuildMul(b, col, cs, ""), "");
    store_elem(c, g, dst, LLVMBuildAdd(b, doff, jl.iv, ""), src_elem(c, g, t, src, off, valid));
    cg_loop_end(c, &jl);
    cg_loop_end(c, &kl);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_loop_end(c, &pl);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}
