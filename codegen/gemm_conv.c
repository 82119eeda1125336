/* Convolution as implicit GEMM: C[m][n] = sum_k A[m][k] * B[k][n] with m the output positions
 * (batch, then output spatial dims), k the kernel taps times the input features of a group, and n
 * the output features of a group; feature groups are the GEMM's batch. B is the kernel itself
 * when its (spatial..., input feature) dims walk memory as one strided dim (HWIO), and C the
 * output when its (batch, spatial...) dims do (NHWC). A is never built: a packing routine made for
 * each convolution gathers the im2col rows straight into the micro-kernel's panels, one run of
 * input features per (row, tap), with padding, strides and both dilations. */
#include <stdio.h>

#include "gemm.h"

typedef struct conv_plan {
    const hloc_instr *i;
    gemm_cfg g;
    int64_t cin_g, cout_g, groups;
    int64_t in_st[HLOC_MAX_RANK]; /* element strides of the input's dims */
    gemm_call x;
} conv_plan;

static void strides_of(const hloc_shape *s, int64_t *st) {
    int64_t k = 1;
    for (uint32_t j = 0; j < s->rank; j++) {
        uint32_t d = s->has_layout ? s->minor_to_major[j] : s->rank - 1 - j;
        st[d] = k;
        k *= s->dims[d];
    }
}

/* As dot.c's: dims d[0..n) (most major first) as one dim of *stride; size-1 dims do not count. */
static bool collapse(const hloc_shape *s, const int64_t *d, uint32_t n, int64_t *stride) {
    int64_t st[HLOC_MAX_RANK], size = 1;
    strides_of(s, st);
    *stride = 0;
    for (uint32_t q = n; q-- > 0;) {
        int64_t e = s->dims[d[q]];
        if (e == 1) continue;
        if (size == 1) *stride = st[d[q]];
        else if (st[d[q]] != *stride * size) return false;
        size *= e;
    }
    return true;
}

static bool float_in(hloc_type t) {
    return t == HLOC_TYPE_F32 || t == HLOC_TYPE_F64 || t == HLOC_TYPE_BF16 || t == HLOC_TYPE_F16;
}

static bool plan_conv(const hloc_instr *i, const hloc_shape *os, conv_plan *p) {
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    if (i->op != HLOC_OP_CONVOLUTION || i->n_operands != 2 || !cd->present || w->n_dims != cd->n_spatial ||
        i->attrs->batch_group_count != 1 || i->attrs->feature_group_count < 1)
        return false;
    hloc_type ot = os->type;
    const hloc_shape *ls = &i->operands[0]->shape, *ks = &i->operands[1]->shape;
    if ((ot != HLOC_TYPE_F32 && ot != HLOC_TYPE_F64) || !float_in(ls->type) || !float_in(ks->type)) return false;
    uint32_t ns = cd->n_spatial;
    for (uint32_t d = 0; d < ns; d++) {
        const hloc_window_dim *wd = &w->dims[d];
        if (wd->reversal || wd->stride < 1 || wd->size < 1) return false;
    }
    int64_t G = i->attrs->feature_group_count;
    p->i = i;
    p->groups = G;
    p->cin_g = ks->dims[cd->k_in_feature];
    p->cout_g = ks->dims[cd->k_out_feature] / G;
    if (p->cin_g * G != ls->dims[cd->in_feature] || p->cout_g * G != ks->dims[cd->k_out_feature]) return false;
    int64_t m = os->dims[cd->out_batch], k = p->cin_g;
    for (uint32_t d = 0; d < ns; d++) {
        m *= os->dims[cd->out_spatial[d]];
        k *= w->dims[d].size;
    }
    /* Depthwise and other narrow groups leave the micro-tile mostly empty. */
    if (p->cout_g < 8 || m < 4 || k < 1 || (double)m * (double)p->cout_g * (double)k < 16384) return false;
    int64_t om[HLOC_MAX_RANK + 1], kk[HLOC_MAX_RANK + 1];
    om[0] = cd->out_batch;
    for (uint32_t d = 0; d < ns; d++) {
        om[d + 1] = cd->out_spatial[d];
        kk[d] = cd->k_spatial[d];
    }
    kk[ns] = cd->k_in_feature;
    gemm_call *x = &p->x;
    *x = (gemm_call){.at = ls->type, .bt = ks->type, .m = m, .n = p->cout_g, .k = k, .batch = G};
    int64_t of = cd->out_feature, kf = cd->k_out_feature;
    if (!collapse(os, om, ns + 1, &x->c_rs) || !collapse(os, &of, 1, &x->c_cs) || !collapse(ks, kk, ns + 1, &x->b_rs) ||
        !collapse(ks, &kf, 1, &x->b_cs))
        return false;
    strides_of(ls, p->in_st);
    x->a_bs = p->cin_g * p->in_st[cd->in_feature];
    x->b_bs = p->cout_g * x->b_cs;
    x->c_bs = p->cout_g * x->c_cs;
    p->g.ct = ot;
    return true;
}

bool cg_conv_gemm_ok(const hloc_instr *i) {
    conv_plan p;
    return plan_conv(i, &i->shape, &p);
}

static LLVMValueRef K64(cg *c, int64_t v) { return cg_const_i64(c, v); }

/* Whether an im2col row is, per tap of the outer window dims, one run of memory over the taps of
 * the innermost dim: features contiguous and one position of that dim apart all the features
 * (groups of one), no dilation along it. */
static bool whole_rows_ok(const conv_plan *p) {
    const hloc_conv_dnums *cd = &p->i->attrs->conv;
    uint32_t ns = cd->n_spatial;
    if (ns == 0 || p->in_st[cd->in_feature] != 1 || p->in_st[cd->in_spatial[ns - 1]] != p->cin_g) return false;
    const hloc_window_dim *wd = &p->i->attrs->window.dims[ns - 1];
    return wd->rhs_dilate <= 1 && wd->lhs_dilate <= 1;
}

/* dst[lo, hi) = 0 (element offsets). */
static void zero_range(cg *c, const gemm_cfg *g, LLVMValueRef dst, LLVMValueRef lo, LLVMValueRef hi) {
    cg_loop l;
    cg_loop_begin_range(c, &l, lo, hi, "conv.zero");
    LLVMBuildStore(c->b, cg_zero(c, g->ct), LLVMBuildGEP2(c->b, cg_ctype(c, g->ct), dst, &l.iv, 1, ""));
    cg_loop_end(c, &l);
}

/* One whole im2col row at dst[dbase...]: per tap of the outer window dims, zeros where the
 * innermost dim's taps fall in the padding and one copy of the taps in between. */
static void pack_whole_row(cg *c, const conv_plan *p, LLVMValueRef src, LLVMValueRef dst, LLVMValueRef dbase,
                           LLVMValueRef row_off, LLVMValueRef const *o) {
    const hloc_instr *i = p->i;
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    const hloc_shape *ls = &i->operands[0]->shape;
    const gemm_cfg *g = &p->g;
    LLVMBuilderRef b = c->b;
    uint32_t ns = cd->n_spatial, last = ns - 1;
    int64_t n_outer = 1;
    for (uint32_t d = 0; d < last; d++) n_outer *= w->dims[d].size;
    int64_t span = w->dims[last].size * p->cin_g, in_last = ls->dims[cd->in_spatial[last]];
    cg_loop tl;
    cg_loop_begin(c, &tl, K64(c, n_outer), "conv.outer");
    LLVMValueRef ok = LLVMConstInt(c->t_i1, 1, 0), off = row_off, t = tl.iv;
    for (uint32_t d = last; d-- > 0;) {
        LLVMValueRef wi = LLVMBuildSRem(b, t, K64(c, w->dims[d].size), "");
        t = LLVMBuildSDiv(b, t, K64(c, w->dims[d].size), "");
        LLVMValueRef pos = cg_conv_input_pos(c, &w->dims[d], o[d], wi, ls->dims[cd->in_spatial[d]], &ok);
        off = LLVMBuildAdd(b, off, LLVMBuildMul(b, pos, K64(c, p->in_st[cd->in_spatial[d]]), ""), "");
    }
    LLVMValueRef d0 = LLVMBuildAdd(b, dbase, LLVMBuildMul(b, tl.iv, K64(c, span), ""), "");
    LLVMValueRef d1 = LLVMBuildAdd(b, d0, K64(c, span), "");
    LLVMBasicBlockRef in = cg_block(c, "outer.in"), out = cg_block(c, "outer.pad"), join = cg_block(c, "outer.next");
    LLVMBuildCondBr(b, ok, in, out);
    LLVMPositionBuilderAtEnd(b, out);
    zero_range(c, g, dst, d0, d1);
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, in);
    /* Taps [lo, hi) of the innermost dim land inside the input. */
    const hloc_window_dim *wd = &w->dims[last];
    LLVMValueRef pos0 = LLVMBuildSub(b, LLVMBuildMul(b, o[last], K64(c, wd->stride), ""), K64(c, wd->pad_lo), "");
    LLVMValueRef lo = cg_clamp_i64(c, LLVMBuildNeg(b, pos0, ""), 0, wd->size);
    LLVMValueRef hi = cg_clamp_i64(c, LLVMBuildSub(b, K64(c, in_last), pos0, ""), 0, wd->size);
    hi = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, hi, lo, ""), lo, hi, "");
    /* Inside the input (most rows): one copy of a compile-time length. */
    hloc_type at = ls->type;
    LLVMValueRef base = LLVMBuildAdd(b, off, LLVMBuildMul(b, pos0, K64(c, p->cin_g), ""), "");
    LLVMValueRef inside = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, lo, K64(c, 0), ""),
                                       LLVMBuildICmp(b, LLVMIntEQ, hi, K64(c, wd->size), ""), "");
    LLVMBasicBlockRef whole = cg_block(c, "outer.whole"), part = cg_block(c, "outer.part");
    LLVMBuildCondBr(b, inside, whole, part);
    LLVMPositionBuilderAtEnd(b, whole);
    if (at == g->ct) {
        uint64_t eb = hloc_type_bytes(at);
        LLVMValueRef sp = LLVMBuildGEP2(b, cg_ctype(c, g->ct), src, &base, 1, "");
        LLVMBuildMemCpy(b, LLVMBuildGEP2(b, cg_ctype(c, g->ct), dst, &d0, 1, ""), (unsigned)eb, sp, (unsigned)eb,
                        K64(c, span * (int64_t)eb));
    } else {
        cg_loop wl;
        cg_loop_begin(c, &wl, K64(c, span), "conv.whole");
        LLVMValueRef v = cg_convert(c, cg_load(c, at, src, LLVMBuildAdd(b, base, wl.iv, "")), at, g->ct);
        LLVMValueRef di = LLVMBuildAdd(b, d0, wl.iv, "");
        LLVMBuildStore(b, v, LLVMBuildGEP2(b, cg_ctype(c, g->ct), dst, &di, 1, ""));
        cg_loop_end(c, &wl);
    }
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, part);
    LLVMValueRef j0 = LLVMBuildAdd(b, d0, LLVMBuildMul(b, lo, K64(c, p->cin_g), ""), "");
    LLVMValueRef j1 = LLVMBuildAdd(b, d0, LLVMBuildMul(b, hi, K64(c, p->cin_g), ""), "");
    zero_range(c, g, dst, d0, j0);
    /* Element j of the row reads the input at off + pos0 * cin + (j - d0). */
    LLVMValueRef shift = LLVMBuildSub(b, base, d0, "");
    cg_loop cl;
    cg_loop_begin_range(c, &cl, j0, j1, "conv.copy");
    LLVMValueRef v = cg_load(c, at, src, LLVMBuildAdd(b, shift, cl.iv, ""));
    if (at != g->ct) v = cg_convert(c, v, at, g->ct);
    LLVMBuildStore(b, v, LLVMBuildGEP2(b, cg_ctype(c, g->ct), dst, &cl.iv, 1, ""));
    cg_loop_end(c, &cl);
    zero_range(c, g, dst, j1, d1);
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
    cg_loop_end(c, &tl);
}

/* pack(src, m0, k0, rows, kc, dst): rows m0.. and columns k0.. of the virtual im2col matrix of
 * one group (src is the group's first input feature) into mr-row panels. */
static LLVMValueRef conv_pack_fn(cg *c, const conv_plan *p) {
    const hloc_instr *i = p->i;
    const hloc_conv_dnums *cd = &i->attrs->conv;
    const hloc_window *w = &i->attrs->window;
    const hloc_shape *ls = &i->operands[0]->shape, *os = &i->shape;
    const gemm_cfg *g = &p->g;
    uint32_t ns = cd->n_spatial;
    hloc_type at = ls->type;
    LLVMTypeRef pt[6] = {c->t_ptr, c->t_i64, c->t_i64, c->t_i64, c->t_i64, c->t_ptr};
    gemm_saved sv;
    LLVMValueRef f = gemm_fn_begin(c, "hloc.gemm.pack_conv", c->t_void, pt, 6, &sv);
    gemm_noalias(c, f, 0);
    gemm_noalias(c, f, 5);
    LLVMBuilderRef b = c->b;
    LLVMValueRef src = LLVMGetParam(f, 0), m0 = LLVMGetParam(f, 1), k0 = LLVMGetParam(f, 2);
    LLVMValueRef rows = LLVMGetParam(f, 3), kc = LLVMGetParam(f, 4), dst = LLVMGetParam(f, 5);
    LLVMTypeRef et = cg_ctype(c, g->ct);
    LLVMValueRef zero = cg_zero(c, g->ct), mr = K64(c, g->mr);
    int64_t sf = p->in_st[cd->in_feature];

    cg_loop rl;
    LLVMValueRef padded = LLVMBuildMul(b, LLVMBuildSDiv(b, LLVMBuildAdd(b, rows, K64(c, g->mr - 1), ""), mr, ""), mr, "");
    cg_loop_begin(c, &rl, padded, "conv.row");
    LLVMValueRef row = rl.iv;
    LLVMValueRef dbase = LLVMBuildMul(b, row, kc, "");
    LLVMBasicBlockRef live = cg_block(c, "row.live"), pad = cg_block(c, "row.pad"), next = cg_block(c, "row.next");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, row, rows, ""), live, pad);

    /* Rows past the block: zeros. */
    LLVMPositionBuilderAtEnd(b, pad);
    unsigned esize = (unsigned)hloc_type_bytes(g->ct);
    LLVMBuildMemSet(b, LLVMBuildGEP2(b, et, dst, &dbase, 1, ""), LLVMConstInt(c->t_i8, 0, 0),
                    LLVMBuildMul(b, kc, K64(c, esize), ""), esize);
    LLVMBuildBr(b, next);

    /* A live row: its output position, then runs of input features tap by tap. */
    LLVMPositionBuilderAtEnd(b, live);
    LLVMValueRef m = LLVMBuildAdd(b, m0, row, ""), o[HLOC_MAX_RANK];
    for (uint32_t d = ns; d-- > 0;) {
        int64_t e = os->dims[cd->out_spatial[d]];
        o[d] = LLVMBuildSRem(b, m, K64(c, e), "");
        m = LLVMBuildSDiv(b, m, K64(c, e), "");
    }
    LLVMValueRef row_off = LLVMBuildMul(b, m, K64(c, p->in_st[cd->in_batch]), "");
    if (whole_rows_ok(p)) {
        /* The whole K at once (one K block): the fast path below, else the general runs. */
        LLVMBasicBlockRef fast = cg_block(c, "row.fast"), general = cg_block(c, "row.general");
        LLVMValueRef all_k = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, k0, K64(c, 0), ""),
                                          LLVMBuildICmp(b, LLVMIntEQ, kc, K64(c, p->x.k), ""), "");
        LLVMBuildCondBr(b, all_k, fast, general);
        LLVMPositionBuilderAtEnd(b, fast);
        pack_whole_row(c, p, src, dst, dbase, row_off, o);
        LLVMBuildBr(b, next);
        LLVMPositionBuilderAtEnd(b, general);
    }
    LLVMValueRef tap0 = LLVMBuildSDiv(b, k0, K64(c, p->cin_g), ""), ci0 = LLVMBuildSRem(b, k0, K64(c, p->cin_g), "");
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b), run_bb = cg_block(c, "run");
    LLVMBuildBr(b, run_bb);
    LLVMPositionBuilderAtEnd(b, run_bb);
    LLVMValueRef kphi = LLVMBuildPhi(b, c->t_i64, "k"), tap = LLVMBuildPhi(b, c->t_i64, "tap"),
                 ci = LLVMBuildPhi(b, c->t_i64, "ci");
    LLVMValueRef zero64 = K64(c, 0);
    LLVMAddIncoming(kphi, &zero64, &pre, 1);
    LLVMAddIncoming(tap, &tap0, &pre, 1);
    LLVMAddIncoming(ci, &ci0, &pre, 1);
    LLVMValueRef run = LLVMBuildSub(b, K64(c, p->cin_g), ci, ""), left = LLVMBuildSub(b, kc, kphi, "");
    run = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, run, left, ""), run, left, "");
    LLVMValueRef t = tap, ok = LLVMConstInt(c->t_i1, 1, 0), off = LLVMBuildAdd(b, row_off, LLVMBuildMul(b, ci, K64(c, sf), ""), "");
    for (uint32_t d = ns; d-- > 0;) {
        const hloc_window_dim *wd = &w->dims[d];
        LLVMValueRef wi = LLVMBuildSRem(b, t, K64(c, wd->size), "");
        t = LLVMBuildSDiv(b, t, K64(c, wd->size), "");
        int64_t rd = wd->rhs_dilate > 0 ? wd->rhs_dilate : 1, ld = wd->lhs_dilate > 0 ? wd->lhs_dilate : 1;
        LLVMValueRef pos = LLVMBuildAdd(b, LLVMBuildMul(b, o[d], K64(c, wd->stride), ""), LLVMBuildMul(b, wi, K64(c, rd), ""), "");
        pos = LLVMBuildSub(b, pos, K64(c, wd->pad_lo), "");
        LLVMValueRef nonneg = LLVMBuildICmp(b, LLVMIntSGE, pos, zero64, "");
        ok = LLVMBuildAnd(b, ok, nonneg, "");
        if (ld > 1) {
            LLVMValueRef pc = LLVMBuildSelect(b, nonneg, pos, zero64, "");
            ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildSRem(b, pc, K64(c, ld), ""), zero64, ""), "");
            pos = LLVMBuildSDiv(b, pc, K64(c, ld), "");
        }
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLT, pos, K64(c, ls->dims[cd->in_spatial[d]]), ""), "");
        off = LLVMBuildAdd(b, off, LLVMBuildMul(b, pos, K64(c, p->in_st[cd->in_spatial[d]]), ""), "");
    }
    LLVMBasicBlockRef copy = cg_block(c, "run.copy"), fill = cg_block(c, "run.zero"), after = cg_block(c, "run.next");
    LLVMBuildCondBr(b, ok, copy, fill);
    for (int z = 0; z < 2; z++) {
        LLVMPositionBuilderAtEnd(b, z ? fill : copy);
        cg_loop jl;
        cg_loop_begin(c, &jl, run, z ? "run.j0" : "run.j");
        LLVMValueRef v = zero;
        if (!z) {
            v = cg_load(c, at, src, LLVMBuildAdd(b, off, LLVMBuildMul(b, jl.iv, K64(c, sf), ""), ""));
            if (at != g->ct) v = cg_convert(c, v, at, g->ct);
        }
        LLVMValueRef dofs = LLVMBuildAdd(b, dbase, LLVMBuildAdd(b, kphi, jl.iv, ""), "");
        LLVMBuildStore(b, v, LLVMBuildGEP2(b, et, dst, &dofs, 1, ""));
        cg_loop_end(c, &jl);
        LLVMBuildBr(b, after);
    }
    LLVMPositionBuilderAtEnd(b, after);
    LLVMValueRef k1 = LLVMBuildAdd(b, kphi, run, ""), tap1 = LLVMBuildAdd(b, tap, K64(c, 1), "");
    LLVMAddIncoming(kphi, &k1, &after, 1);
    LLVMAddIncoming(tap, &tap1, &after, 1);
    LLVMAddIncoming(ci, &zero64, &after, 1);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, k1, kc, ""), run_bb, next);
    LLVMMoveBasicBlockAfter(next, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, next);
    cg_loop_end(c, &rl);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

/* The input of a convolution as a buffer (inline producers are materialized first). */
static LLVMValueRef input_buffer(cg *c, cg_scope *s, const hloc_instr *o, const hloc_shape **shape) {
    cg_value *v = cg_value_of(c, s, o);
    *shape = &o->shape;
    if (v && v->kind == CGV_BUFFER) {
        *shape = v->shape;
        return v->ptr;
    }
    if (!v || v->kind != CGV_INLINE || c->task_arg) return NULL; /* no scratch in task functions */
    cg_value *tmp = cg_alloc_value(c, &o->shape);
    if (!tmp) return NULL;
    cg_materialize_elemental(c, s, o, tmp);
    *shape = tmp->shape;
    return tmp->ptr;
}

static bool conv_gemm(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const gemm_epilogue *e) {
    conv_plan p;
    if (s->scalar_mode || !plan_conv(i, dst->shape, &p)) return false;
    p.g = gemm_cfg_for(c, dst->shape->type, &p.x);
    if (e && !gemm_epilogue_fits(c, e, &p.g, &p.x)) return false;
    const hloc_shape *ls, *ks;
    LLVMValueRef a = input_buffer(c, s, i->operands[0], &ls);
    LLVMValueRef b = a ? input_buffer(c, s, i->operands[1], &ks) : NULL;
    if (!a || !b) return false;
    /* The plan assumed the operands' own layouts; a materialized copy has them too. */
    if (!hloc_shape_same_dims(ls, &i->operands[0]->shape) || !hloc_shape_same_dims(ks, &i->operands[1]->shape))
        return false;
    strides_of(ls, p.in_st);
    int64_t kk[HLOC_MAX_RANK + 1], kf = i->attrs->conv.k_out_feature;
    for (uint32_t d = 0; d < i->attrs->conv.n_spatial; d++) kk[d] = i->attrs->conv.k_spatial[d];
    kk[i->attrs->conv.n_spatial] = i->attrs->conv.k_in_feature;
    if (!collapse(ks, kk, i->attrs->conv.n_spatial + 1, &p.x.b_rs) || !collapse(ks, &kf, 1, &p.x.b_cs)) return false;
    p.x.a_bs = p.cin_g * p.in_st[i->attrs->conv.in_feature];
    p.x.b_bs = p.cout_g * p.x.b_cs;
    p.x.a = a;
    p.x.b = b;
    p.x.c = dst->ptr;
    p.x.pack_a = conv_pack_fn(c, &p);
    if (e) gemm_epilogue_attach(c, &p.g, e, &p.x);
    gemm_emit(c, &p.g, &p.x);
    return true;
}

bool cg_conv_gemm(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    return conv_gemm(c, s, i, dst, NULL);
}

bool cg_conv_gemm_epi(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const gemm_epilogue *e) {
    return conv_gemm(c, s, i, dst, e);
}
