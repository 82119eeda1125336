/* The GEMM micro-kernel: an mr x nr tile of C kept in mr * nv vector registers (SSA phis across
 * the k loop), updated per k by nv vector loads of the packed B panel, mr broadcasts of the packed
 * A panel and mr * nv multiply-adds. The tile shape follows the target's vector registers:
 * AVX-512 has 32 of 16 floats, AVX2 16 of 8, and the generic form assumes 16 of 4 (SSE, NEON).
 * An output fusion's epilogue kernel runs the same k loop (one shared copy per tile shape) into
 * a tile on the stack, which the edge routine then stores through the epilogue from L1: with
 * the epilogue unrolled over the tile in registers, each epilogue kernel repeated the k loop and
 * expanded the epilogue per tile vector, and gpt2_block's were a third of its compile time
 * (callgrind: 2.26 -> 1.69 G instructions to compile it), for run times the same within 3%. */
#include <stdio.h>
#include <string.h>

#include "gemm.h"

/* The share of a tile row's columns that hold C when |n| columns are cut into |nr|-wide tiles. */
static double column_use(int64_t n, uint32_t nr) {
    int64_t tiles = (n + nr - 1) / nr;
    return (double)n / (double)(tiles * nr);
}

gemm_cfg gemm_cfg_for(const cg *c, hloc_type ct, const gemm_call *x) {
    uint32_t bytes = ct == HLOC_TYPE_F64 ? 8 : 4;
    int64_t n = x->n;
    double flops = 2.0 * (double)x->m * (double)x->n * (double)x->k * (double)x->batch;
    gemm_cfg g = {.ct = ct};
    if (cg_has_feature(c, "avx512f")) {
        /* 24 accumulators, the tile's B vectors and a broadcast: at most 29 of 32 zmm. 8 rows x 3
         * vectors reads the fewest operands per multiply-add; 6 x 4 and 12 x 2 serve widths that
         * 3 vectors cut badly (64 or 32 output channels, 1024 columns: a third of the last tile
         * wasted), taken only when they fill clearly more of it. A batch of small products
         * (attention's heads) keeps 8 x 3 unless it is large (0.15 GFLOP): a second tile shape's
         * driver, packing and kernels cost gpt2_block about 0.1 s of compile time for its
         * attention, while one product in a loop (lstm's step, 16 x 1024, run 64 times: 7.0 ms on
         * 2 threads with 8 x 3, 4.3 with 6 x 4) gains far more than that. */
        static const uint32_t shapes[][2] = {{8, 3}, {6, 4}, {12, 2}};
        uint32_t vl = 64 / bytes, best = 0;
        for (uint32_t s = 1; s < 3 && (x->batch == 1 || flops >= 1.5e8); s++)
            if (column_use(n, shapes[s][1] * vl) > column_use(n, shapes[best][1] * vl) + 0.02) best = s;
        g.vl = vl, g.mr = shapes[best][0], g.nv = shapes[best][1];
    } else if (cg_has_feature(c, "avx2") && cg_has_feature(c, "fma")) {
        g.vl = 32 / bytes, g.mr = 6, g.nv = 2;
    } else {
        g.vl = 16 / bytes, g.mr = 4, g.nv = 2;
    }
    g.nr = g.nv * g.vl;
    /* A's block (mc x kc) sits in L2 next to B's (kc x nc). gemm_emit sizes the packing areas
     * for any of these shapes: mr divides 24, nr 48 or 64, mc <= 96, nc <= 512. */
    g.kc = 1024 / bytes;
    g.mc = (int64_t)g.mr * (96 / g.mr > 0 ? 96 / g.mr : 1);
    g.nc = (int64_t)g.nr * (512 / g.nr > 0 ? 512 / g.nr : 1);
    return g;
}

LLVMValueRef gemm_fn_begin(cg *c, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, unsigned n,
                           gemm_saved *saved) {
    saved->fn = c->fn;
    saved->task_arg = c->task_arg;
    saved->bb = LLVMGetInsertBlock(c->b);
    saved->n_task_cache = c->n_task_cache;
    LLVMValueRef f = LLVMAddFunction(c->mod, name, LLVMFunctionType(ret, params, n, 0));
    LLVMSetLinkage(f, LLVMInternalLinkage);
    cg_fn_attrs(c, f);
    /* Called per block, not per element: inlining would only copy them (compile time). */
    static const char ni[] = "noinline";
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(c->ctx, LLVMGetEnumAttributeKindForName(ni, sizeof ni - 1), 0));
    c->fn = f;
    c->task_arg = NULL;
    LLVMPositionBuilderAtEnd(c->b, cg_block(c, "entry"));
    return f;
}

void gemm_fn_end(cg *c, const gemm_saved *saved) {
    c->fn = saved->fn;
    c->task_arg = saved->task_arg;
    c->n_task_cache = saved->n_task_cache;
    if (saved->bb) LLVMPositionBuilderAtEnd(c->b, saved->bb);
}

void gemm_noalias(cg *c, LLVMValueRef fn, unsigned k) {
    static const char na[] = "noalias";
    LLVMAddAttributeAtIndex(fn, k + 1,
                            LLVMCreateEnumAttribute(c->ctx, LLVMGetEnumAttributeKindForName(na, sizeof na - 1), 0));
}

static LLVMValueRef splat(cg *c, LLVMValueRef x, uint32_t vl) {
    LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), vl);
    LLVMValueRef v = LLVMBuildInsertElement(c->b, LLVMGetUndef(vt), x, LLVMConstInt(c->t_i32, 0, 0), "");
    LLVMValueRef mask = LLVMConstNull(LLVMVectorType(c->t_i32, vl));
    return LLVMBuildShuffleVector(c->b, v, LLVMGetUndef(vt), mask, "");
}

static LLVMValueRef elem_ptr(cg *c, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef off) {
    return LLVMBuildGEP2(c->b, t, base, &off, 1, "");
}

void gemm_prefetch(cg *c, LLVMValueRef p, bool write) {
    LLVMValueRef args[4] = {p, LLVMConstInt(c->t_i32, write, 0), LLVMConstInt(c->t_i32, 3, 0),
                            LLVMConstInt(c->t_i32, 1, 0)};
    LLVMTypeRef ty = c->t_ptr;
    cg_intrinsic_t(c, "llvm.prefetch", &ty, 1, args, 4);
}

/* The tile's rows of C at |cp| (row stride |ldc|), and of the epilogue |e|'s arrays read at C's
 * offsets from |off| (when |e| is not NULL), are fetched while the k loop runs: the stores and
 * the residual's loads at the end then hit the cache. */
static void prefetch_tile(cg *c, const gemm_cfg *g, LLVMValueRef cp, LLVMValueRef ldc, const gemm_epilogue *e,
                          LLVMValueRef ep, LLVMValueRef off) {
    LLVMBuilderRef b = c->b;
    LLVMTypeRef t = cg_ctype(c, g->ct);
    unsigned esize = g->ct == HLOC_TYPE_F64 ? 8 : 4;
    for (uint32_t r = 0; r < g->mr; r++) {
        LLVMValueRef ro = LLVMBuildMul(b, ldc, cg_const_i64(c, r), "");
        for (uint32_t q = 0; q * 64 < g->nr * esize; q++) {
            LLVMValueRef o = LLVMBuildAdd(b, ro, cg_const_i64(c, (int64_t)(q * 64 / esize)), "");
            gemm_prefetch(c, elem_ptr(c, t, cp, o), true);
            if (e) gemm_epilogue_prefetch(c, e, ep, LLVMBuildAdd(b, off, o, ""));
        }
    }
}

LLVMValueRef gemm_kernel_ep_fn(cg *c, const gemm_cfg *g, const gemm_epilogue *e, LLVMValueRef edge) {
    LLVMValueRef plain = gemm_kernel_fn(c, g);
    if (!plain || !edge) return NULL;
    char name[80];
    snprintf(name, sizeof name, "hloc.gemm.kernel_ep.%s.%ux%u", hloc_type_name(g->ct), g->mr, g->nr);
    LLVMTypeRef p[GEMM_KERNEL_NPARAMS], pe[GEMM_EDGE_NPARAMS];
    gemm_kernel_params(c, p);
    gemm_edge_params(c, pe);
    LLVMTypeRef kt = LLVMFunctionType(c->t_void, p, GEMM_KERNEL_NPARAMS, 0);
    LLVMTypeRef et = LLVMFunctionType(c->t_void, pe, GEMM_EDGE_NPARAMS, 0);
    gemm_saved sv;
    LLVMValueRef f = gemm_fn_begin(c, name, c->t_void, p, GEMM_KERNEL_NPARAMS, &sv);
    LLVMBuilderRef b = c->b;
    LLVMValueRef a[GEMM_KERNEL_NPARAMS];
    for (unsigned k = 0; k < GEMM_KERNEL_NPARAMS; k++) a[k] = LLVMGetParam(f, k);
    LLVMValueRef tile = cg_alloca(c, LLVMArrayType2(cg_ctype(c, g->ct), (uint64_t)g->mr * g->nr), "tile");
    LLVMSetAlignment(tile, 64);
    LLVMValueRef epif = LLVMBuildICmp(b, LLVMIntNE, LLVMBuildAnd(b, a[7], LLVMConstInt(c->t_i32, 2, 0), ""),
                                      LLVMConstInt(c->t_i32, 0, 0), "");
    LLVMBasicBlockRef direct = cg_block(c, "direct"), epi = cg_block(c, "epi");
    LLVMBuildCondBr(b, epif, epi, direct);
    /* Blocks of K before the last: the plain kernel as it is. */
    LLVMPositionBuilderAtEnd(b, direct);
    LLVMBuildCall2(b, kt, plain, a, GEMM_KERNEL_NPARAMS, "");
    LLVMBuildRetVoid(b);
    /* The last: the product into a tile on the stack (in L1), then the edge routine's wide rows
     * add the partial sums and apply the epilogue vector by vector, as the unfused product and
     * its consumers would. One expansion of the epilogue per module instead of one per tile
     * vector in every kernel: gpt2_block's kernels were a third of its code and compile time. */
    LLVMPositionBuilderAtEnd(b, epi);
    prefetch_tile(c, g, a[5], a[6], e, a[8], a[9]);
    LLVMValueRef ka[GEMM_KERNEL_NPARAMS] = {a[0], a[1], a[2], a[3], a[4], tile, cg_const_i64(c, g->nr),
                                            LLVMConstInt(c->t_i32, 0, 0), a[8], a[9], a[10],
                                            LLVMConstNull(c->t_ptr), a[12]};
    LLVMBuildCall2(b, kt, plain, ka, GEMM_KERNEL_NPARAMS, "");
    LLVMValueRef ea[GEMM_EDGE_NPARAMS] = {tile, cg_const_i64(c, g->mr), cg_const_i64(c, g->nr), a[5], a[6],
                                          cg_const_i64(c, 1), a[7], a[8], a[9], a[10], a[11], a[12]};
    LLVMBuildCall2(b, et, edge, ea, GEMM_EDGE_NPARAMS, "");
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

LLVMValueRef gemm_kernel_fn(cg *c, const gemm_cfg *g) {
    char name[80];
    snprintf(name, sizeof name, "hloc.gemm.kernel.%s.%ux%u", hloc_type_name(g->ct), g->mr, g->nr);
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    enum { MAX_ACC = 64, MAX_MR = 32 };
    if (g->mr * g->nv > MAX_ACC || g->mr > MAX_MR || g->nv > 8) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: gemm micro-tile %ux%u too large", g->mr, g->nv);
        return NULL;
    }
    LLVMTypeRef p[GEMM_KERNEL_NPARAMS];
    gemm_kernel_params(c, p);
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, GEMM_KERNEL_NPARAMS, &sv);
    gemm_noalias(c, f, 1);
    gemm_noalias(c, f, 3);
    gemm_noalias(c, f, 5);
    gemm_noalias(c, f, 11);
    LLVMBuilderRef b = c->b;
    LLVMTypeRef t = cg_ctype(c, g->ct), vt = LLVMVectorType(t, g->vl);
    unsigned esize = g->ct == HLOC_TYPE_F64 ? 8 : 4;
    LLVMValueRef kc = LLVMGetParam(f, 0), pa = LLVMGetParam(f, 1), lda = LLVMGetParam(f, 2);
    LLVMValueRef pb = LLVMGetParam(f, 3), ldb = LLVMGetParam(f, 4);
    LLVMValueRef cp = LLVMGetParam(f, 5), ldc = LLVMGetParam(f, 6), flags = LLVMGetParam(f, 7);
    LLVMValueRef src = LLVMGetParam(f, 11);
    /* Row r of A starts lda elements after row r - 1: one base per row, a shared k index. */
    LLVMValueRef arow[MAX_MR];
    for (uint32_t r = 0; r < g->mr; r++) arow[r] = elem_ptr(c, t, pa, LLVMBuildMul(b, lda, cg_const_i64(c, r), ""));
    prefetch_tile(c, g, cp, ldc, NULL, NULL, NULL);
    LLVMBasicBlockRef entry = LLVMGetInsertBlock(b), loop = cg_block(c, "k"), done = cg_block(c, "tile");
    LLVMBuildBr(b, loop);
    LLVMPositionBuilderAtEnd(b, loop);
    uint32_t n_acc = g->mr * g->nv;
    LLVMValueRef acc[MAX_ACC], next[MAX_ACC], bv[8];
    LLVMValueRef k = LLVMBuildPhi(b, c->t_i64, "k");
    LLVMValueRef zero64 = cg_const_i64(c, 0), zerov = LLVMConstNull(vt);
    LLVMAddIncoming(k, &zero64, &entry, 1);
    for (uint32_t q = 0; q < n_acc; q++) {
        acc[q] = LLVMBuildPhi(b, vt, "acc");
        LLVMAddIncoming(acc[q], &zerov, &entry, 1);
    }
    LLVMValueRef boff = LLVMBuildMul(b, k, ldb, "");
    for (uint32_t j = 0; j < g->nv; j++) {
        LLVMValueRef o = LLVMBuildAdd(b, boff, cg_const_i64(c, (int64_t)j * g->vl), "");
        bv[j] = LLVMBuildLoad2(b, vt, elem_ptr(c, t, pb, o), "b");
        LLVMSetAlignment(bv[j], esize);
    }
    for (uint32_t r = 0; r < g->mr; r++) {
        LLVMValueRef a = LLVMBuildLoad2(b, t, elem_ptr(c, t, arow[r], k), "a");
        LLVMSetAlignment(a, esize);
        LLVMValueRef as = splat(c, a, g->vl);
        for (uint32_t j = 0; j < g->nv; j++) {
            LLVMValueRef args[3] = {as, bv[j], acc[r * g->nv + j]};
            next[r * g->nv + j] = cg_intrinsic(c, "llvm.fmuladd", args, 3);
        }
    }
    LLVMValueRef k1 = LLVMBuildAdd(b, k, cg_const_i64(c, 1), "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(b);
    LLVMAddIncoming(k, &k1, &latch, 1);
    for (uint32_t q = 0; q < n_acc; q++) LLVMAddIncoming(acc[q], &next[q], &latch, 1);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, k1, kc, ""), loop, done);

    /* Store the tile, adding what C holds (flag 1; or src when not NULL). */
    LLVMPositionBuilderAtEnd(b, done);
    LLVMValueRef from = LLVMBuildSelect(b, LLVMBuildIsNull(b, src, ""), cp, src, "from");
    LLVMValueRef accf = LLVMBuildICmp(b, LLVMIntNE, LLVMBuildAnd(b, flags, LLVMConstInt(c->t_i32, 1, 0), ""),
                                      LLVMConstInt(c->t_i32, 0, 0), "");
    LLVMBasicBlockRef path[2] = {cg_block(c, "store"), cg_block(c, "store")};
    LLVMBuildCondBr(b, accf, path[1], path[0]);
    for (int q = 0; q < 2; q++) {
        LLVMPositionBuilderAtEnd(b, path[q]);
        for (uint32_t r = 0; r < g->mr; r++) {
            LLVMValueRef row = LLVMBuildMul(b, ldc, cg_const_i64(c, r), "");
            for (uint32_t j = 0; j < g->nv; j++) {
                LLVMValueRef o = LLVMBuildAdd(b, row, cg_const_i64(c, (int64_t)j * g->vl), "");
                LLVMValueRef v = next[r * g->nv + j];
                if (q) {
                    LLVMValueRef old = LLVMBuildLoad2(b, vt, elem_ptr(c, t, from, o), "");
                    LLVMSetAlignment(old, esize);
                    v = LLVMBuildFAdd(b, old, v, "");
                }
                LLVMValueRef st = LLVMBuildStore(b, v, elem_ptr(c, t, cp, o));
                LLVMSetAlignment(st, esize);
            }
        }
        LLVMBuildRetVoid(b);
    }
    gemm_fn_end(c, &sv);
    return f;
}

void gemm_kernel_params(cg *c, LLVMTypeRef *p) {
    LLVMTypeRef t[GEMM_KERNEL_NPARAMS] = {c->t_i64, c->t_ptr, c->t_i64, c->t_ptr, c->t_i64, c->t_ptr,
                                          c->t_i64, c->t_i32, c->t_ptr, c->t_i64, c->t_i64, c->t_ptr, c->t_i64};
    for (int k = 0; k < GEMM_KERNEL_NPARAMS; k++) p[k] = t[k];
}
