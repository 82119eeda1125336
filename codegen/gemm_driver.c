/* The GEMM driver: cache blocking around the micro-kernel and the split over threads.
 * A call site stores its sizes, pointers and strides in an argument block and calls the module's
 * run function for the types involved; run picks how many tasks to split into (batch first, then
 * the grid of rows of C in mr multiples by columns in nr multiples whose largest task costs least,
 * see split_cost; never K) and hands the task function to
 * the caller's parallel_for, or runs the tasks itself. A task walks its tile of C in the classic
 * order: nc columns of B packed once per kc slice, mc rows of A packed per slice, then micro-tiles.
 * Both packed blocks and a tile buffer live in a slice of a work area the call site sized for the
 * product in scratch, not on the task's stack. Edge micro-tiles (and C without unit column
 * stride) go through the tile buffer, so the kernel always runs whole tiles. */
#include <stdio.h>

#include "gemm.h"

/* Packing work areas in scratch per product: one per task that can run at once, up to this many
 * (tasks beyond take theirs from the heap). Products whose area is at most GEMM_STACK_BYTES (small
 * ones, whose tasks run in microseconds) keep it on the task's stack instead. */
#define GEMM_SLICES 8
#define GEMM_STACK_BYTES (256 * 1024)

enum {
    G_M, G_N, G_K, G_BATCH,
    G_A, G_ARS, G_ACS, G_ABS,
    G_B, G_BRS, G_BCS, G_BBS,
    G_C, G_CRS, G_CCS, G_CBS,
    G_MT, G_NT,
    G_PACK_A,
    G_KERN, G_EDGE, G_EP, G_KSHORT,
    G_WORK, G_SLICE, G_NSLICE, G_BOFF, G_TOFF,
    G_P,
    G_CLAIM, /* GEMM_SLICES flags: slice s of the work area is in use */
    G_COUNT = G_CLAIM + GEMM_SLICES
};

/* Tasks with at most this many row panels read B unpacked. */
#define DIRECT_B_PANELS 4

/* Below this many flops (2 per multiply-add; 4e6 is about 35 µs on one thread) a product runs on
 * one thread: handing tasks to the pool (under 1 µs while its workers spin, about 10 µs when they
 * sleep) and the packing a split repeats would cost more than the second thread saves. */
#define PARALLEL_FLOPS 4e6

static LLVMValueRef arg_slot(cg *c, LLVMValueRef args, int k) {
    LLVMValueRef o = cg_const_i64(c, k);
    return LLVMBuildGEP2(c->b, c->t_i64, args, &o, 1, "");
}

static LLVMValueRef arg_i64(cg *c, LLVMValueRef args, int k) {
    return LLVMBuildLoad2(c->b, c->t_i64, arg_slot(c, args, k), "");
}

static LLVMValueRef arg_ptr(cg *c, LLVMValueRef args, int k) {
    return LLVMBuildIntToPtr(c->b, arg_i64(c, args, k), c->t_ptr, "");
}

static LLVMValueRef imin(cg *c, LLVMValueRef a, LLVMValueRef b) {
    return LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, a, b, ""), a, b, "");
}

static LLVMValueRef ceil_div(cg *c, LLVMValueRef a, int64_t d) {
    return LLVMBuildSDiv(c->b, LLVMBuildAdd(c->b, a, cg_const_i64(c, d - 1), ""), cg_const_i64(c, d), "");
}

/* base + off elements of |bytes| each. */
static LLVMValueRef advance(cg *c, LLVMValueRef base, LLVMValueRef off, uint64_t bytes) {
    LLVMValueRef o = LLVMBuildMul(c->b, off, cg_const_i64(c, (int64_t)bytes), "");
    return LLVMBuildGEP2(c->b, c->t_i8, base, &o, 1, "");
}

static LLVMValueRef mul(cg *c, LLVMValueRef a, LLVMValueRef b) { return LLVMBuildMul(c->b, a, b, ""); }

static int64_t round64(int64_t n) { return (n + 63) / 64 * 64; }

static LLVMValueRef libc_fn(cg *c, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, unsigned n) {
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    return f ? f : LLVMAddFunction(c->mod, name, LLVMFunctionType(ret, params, n, 0));
}

/* The task's packing work area: on its stack when small; else a free slice of the product's area
 * in scratch (claimed with a compare-and-swap on its flag in the argument block), else one from
 * the heap. *owned: the slice number, GEMM_SLICES for the heap, GEMM_SLICES + 1 for the stack.
 * Which slice a task gets does not change any result. */
static LLVMValueRef claim_slice(cg *c, LLVMValueRef args, LLVMValueRef *owned) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef work = arg_ptr(c, args, G_WORK), n = arg_i64(c, args, G_NSLICE), bytes = arg_i64(c, args, G_SLICE);
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b), try_ = cg_block(c, "slice.try"), next = cg_block(c, "slice.next"),
                      other = cg_block(c, "slice.other"), stack = cg_block(c, "slice.stack"),
                      heap = cg_block(c, "slice.heap"), oom = cg_block(c, "slice.oom"), got = cg_block(c, "slice.got");
    LLVMValueRef zero = cg_const_i64(c, 0), one = cg_const_i64(c, 1);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSGT, n, zero, ""), try_, other);
    LLVMPositionBuilderAtEnd(b, try_);
    LLVMValueRef s = LLVMBuildPhi(b, c->t_i64, "slot");
    LLVMAddIncoming(s, &zero, &pre, 1);
    LLVMValueRef flag = LLVMBuildGEP2(b, c->t_i64, arg_slot(c, args, G_CLAIM), &s, 1, "");
    LLVMValueRef x = LLVMBuildAtomicCmpXchg(b, flag, zero, one, LLVMAtomicOrderingAcquire, LLVMAtomicOrderingMonotonic, 0);
    LLVMValueRef area = LLVMBuildGEP2(b, c->t_i8, work, (LLVMValueRef[]){LLVMBuildMul(b, s, bytes, "")}, 1, "");
    LLVMBuildCondBr(b, LLVMBuildExtractValue(b, x, 1, ""), got, next);
    LLVMPositionBuilderAtEnd(b, next);
    LLVMValueRef s1 = LLVMBuildAdd(b, s, one, "");
    LLVMAddIncoming(s, &s1, &next, 1);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, s1, n, ""), try_, heap);
    LLVMPositionBuilderAtEnd(b, other);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLE, bytes, cg_const_i64(c, GEMM_STACK_BYTES), ""), stack, heap);
    LLVMPositionBuilderAtEnd(b, stack);
    LLVMValueRef on_stack = LLVMBuildArrayAlloca(b, c->t_i8, bytes, "pack");
    LLVMSetAlignment(on_stack, 64);
    LLVMBuildBr(b, got);
    LLVMPositionBuilderAtEnd(b, heap);
    LLVMTypeRef at[2] = {c->t_i64, c->t_i64};
    LLVMValueRef af = libc_fn(c, "aligned_alloc", c->t_ptr, at, 2);
    LLVMValueRef av[2] = {cg_const_i64(c, 64), bytes};
    LLVMValueRef mem = LLVMBuildCall2(b, LLVMGlobalGetValueType(af), af, av, 2, "");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, mem, ""), oom, got);
    /* Out of memory with no result to report it in: stop rather than return wrong values. */
    LLVMPositionBuilderAtEnd(b, oom);
    LLVMValueRef trap = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.trap", 9), NULL, 0);
    LLVMBuildCall2(b, LLVMGlobalGetValueType(trap), trap, NULL, 0, "");
    LLVMBuildUnreachable(b);
    LLVMPositionBuilderAtEnd(b, got);
    LLVMValueRef slot = LLVMBuildPhi(b, c->t_i64, "slot"), ptr = LLVMBuildPhi(b, c->t_ptr, "work");
    LLVMValueRef sv[3] = {s, cg_const_i64(c, GEMM_SLICES), cg_const_i64(c, GEMM_SLICES + 1)};
    LLVMValueRef pv[3] = {area, mem, on_stack};
    LLVMBasicBlockRef from[3] = {try_, heap, stack};
    LLVMAddIncoming(slot, sv, from, 3);
    LLVMAddIncoming(ptr, pv, from, 3);
    *owned = slot;
    return ptr;
}

static void release_slice(cg *c, LLVMValueRef args, LLVMValueRef slot, LLVMValueRef mem) {
    LLVMBuilderRef b = c->b;
    LLVMBasicBlockRef heap = cg_block(c, "slice.free"), area = cg_block(c, "slice.release"), done = cg_block(c, "slice.done"),
                      check = cg_block(c, "slice.check");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, slot, cg_const_i64(c, GEMM_SLICES), ""), heap, check);
    LLVMPositionBuilderAtEnd(b, check);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, slot, cg_const_i64(c, GEMM_SLICES), ""), area, done);
    LLVMPositionBuilderAtEnd(b, heap);
    LLVMTypeRef ft = c->t_ptr;
    LLVMValueRef ff = libc_fn(c, "free", c->t_void, &ft, 1);
    LLVMBuildCall2(b, LLVMGlobalGetValueType(ff), ff, &mem, 1, "");
    LLVMBuildBr(b, done);
    LLVMPositionBuilderAtEnd(b, area);
    LLVMValueRef flag = LLVMBuildGEP2(b, c->t_i64, arg_slot(c, args, G_CLAIM), &slot, 1, "");
    LLVMValueRef st = LLVMBuildStore(b, cg_const_i64(c, 0), flag);
    LLVMSetOrdering(st, LLVMAtomicOrderingRelease);
    LLVMSetAlignment(st, 8);
    LLVMBuildBr(b, done);
    LLVMPositionBuilderAtEnd(b, done);
}

/* [lo, hi) of part p of q over n items grouped in units of |unit|. */
static void part_range(cg *c, LLVMValueRef n, int64_t unit, LLVMValueRef p, LLVMValueRef q, LLVMValueRef *lo,
                       LLVMValueRef *hi) {
    LLVMValueRef units = ceil_div(c, n, unit), u = cg_const_i64(c, unit);
    *lo = mul(c, LLVMBuildSDiv(c->b, mul(c, p, units), q, ""), u);
    LLVMValueRef p1 = LLVMBuildAdd(c->b, p, cg_const_i64(c, 1), "");
    *hi = imin(c, mul(c, LLVMBuildSDiv(c->b, mul(c, p1, units), q, ""), u), n);
}

static void fn_name(char *buf, size_t n, const char *what, const gemm_cfg *g, hloc_type at, hloc_type bt) {
    snprintf(buf, n, "hloc.gemm.%s.%s.%s.%s.%ux%u", what, hloc_type_name(g->ct), hloc_type_name(at),
             hloc_type_name(bt), g->mr, g->nr);
}

int64_t gemm_k_single(const gemm_cfg *g) { return g->kc + g->kc / 4; }

void gemm_edge_params(cg *c, LLVMTypeRef *p) {
    LLVMTypeRef t[GEMM_EDGE_NPARAMS] = {c->t_ptr, c->t_i64, c->t_i64, c->t_ptr, c->t_i64,
                                        c->t_i64, c->t_i32, c->t_ptr, c->t_i64, c->t_i64, c->t_ptr, c->t_i64};
    for (int k = 0; k < GEMM_EDGE_NPARAMS; k++) p[k] = t[k];
}

typedef struct edge_ctx {
    const gemm_cfg *g;
    const gemm_epilogue *e;
    LLVMValueRef tile, cptr, from, crs, ccs, accf, epif, ep, off, row, col;
} edge_ctx;

/* Element (r, j) of the tile, |n| lanes of it (a vector, or a scalar when n is 1), into C: added
 * to the partial sum (flag 1), then through the epilogue (flag 2). */
static void edge_store(cg *c, const edge_ctx *x, LLVMValueRef r, LLVMValueRef j, unsigned n) {
    LLVMBuilderRef b = c->b;
    LLVMTypeRef et = cg_ctype(c, x->g->ct), vt = n > 1 ? LLVMVectorType(et, n) : et;
    unsigned cb = (unsigned)hloc_type_bytes(x->g->ct);
    LLVMValueRef toff = LLVMBuildAdd(b, mul(c, r, cg_const_i64(c, x->g->nr)), j, "");
    LLVMValueRef tv = LLVMBuildLoad2(b, vt, LLVMBuildGEP2(b, et, x->tile, &toff, 1, ""), "");
    LLVMSetAlignment(tv, cb);
    LLVMValueRef coff = LLVMBuildAdd(b, mul(c, r, x->crs), mul(c, j, x->ccs), "");
    LLVMValueRef cp = LLVMBuildGEP2(b, et, x->cptr, &coff, 1, "");
    LLVMValueRef old = LLVMBuildLoad2(b, vt, LLVMBuildGEP2(b, et, x->from, &coff, 1, ""), "");
    LLVMSetAlignment(old, cb);
    LLVMValueRef v = LLVMBuildSelect(b, x->accf, LLVMBuildFAdd(b, old, tv, ""), tv, "");
    if (x->e) {
        LLVMBasicBlockRef pre = LLVMGetInsertBlock(b), epi = cg_block(c, "edge.epi"), join = cg_block(c, "edge.store");
        LLVMBuildCondBr(b, x->epif, epi, join);
        LLVMPositionBuilderAtEnd(b, epi);
        LLVMValueRef w = gemm_epilogue_emit(c, x->e, x->ep, v, LLVMBuildAdd(b, x->off, coff, ""),
                                            LLVMBuildAdd(b, x->row, r, ""), LLVMBuildAdd(b, x->col, j, ""), n);
        LLVMBasicBlockRef epi_end = LLVMGetInsertBlock(b);
        LLVMBuildBr(b, join);
        LLVMPositionBuilderAtEnd(b, join);
        LLVMValueRef phi = LLVMBuildPhi(b, vt, "");
        LLVMValueRef in_v[2] = {v, w};
        LLVMBasicBlockRef in_b[2] = {pre, epi_end};
        LLVMAddIncoming(phi, in_v, in_b, 2);
        v = phi;
    }
    LLVMValueRef st = LLVMBuildStore(b, v, cp);
    LLVMSetAlignment(st, cb);
}

LLVMValueRef gemm_edge_fn(cg *c, const gemm_cfg *g, const gemm_epilogue *e) {
    char name[80];
    snprintf(name, sizeof name, "hloc.gemm.edge%s.%s.%ux%u", e ? "_ep" : "", hloc_type_name(g->ct), g->mr, g->nr);
    LLVMValueRef f = e ? NULL : LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    LLVMTypeRef p[GEMM_EDGE_NPARAMS];
    gemm_edge_params(c, p);
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, GEMM_EDGE_NPARAMS, &sv);
    gemm_noalias(c, f, 0);
    gemm_noalias(c, f, 3);
    gemm_noalias(c, f, 10);
    LLVMBuilderRef b = c->b;
    LLVMValueRef tile = LLVMGetParam(f, 0), nrows = LLVMGetParam(f, 1), ncols = LLVMGetParam(f, 2);
    LLVMValueRef cptr = LLVMGetParam(f, 3), crs = LLVMGetParam(f, 4), ccs = LLVMGetParam(f, 5);
    LLVMValueRef flags = LLVMGetParam(f, 6), ep = LLVMGetParam(f, 7), off = LLVMGetParam(f, 8), col = LLVMGetParam(f, 9);
    LLVMValueRef src = LLVMGetParam(f, 10), row = LLVMGetParam(f, 11);
    LLVMValueRef from = LLVMBuildSelect(b, LLVMBuildIsNull(b, src, ""), cptr, src, "from");
    LLVMValueRef accf = LLVMBuildTrunc(b, flags, c->t_i1, "");
    LLVMValueRef epif = LLVMBuildICmp(b, LLVMIntNE, LLVMBuildAnd(b, flags, LLVMConstInt(c->t_i32, 2, 0), ""),
                                      LLVMConstInt(c->t_i32, 0, 0), "");
    /* Rows as wide as the tile (C edges below the last whole row panel, as M = 16 leaves) go
     * vector by vector; narrower ones element by element. */
    edge_ctx x = {g, e, tile, cptr, from, crs, ccs, accf, epif, ep, off, row, col};
    cg_loop el, ej;
    cg_loop_begin(c, &el, nrows, "edge.r");
    LLVMValueRef wide = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, ncols, cg_const_i64(c, g->nr), ""),
                                     LLVMBuildICmp(b, LLVMIntEQ, ccs, cg_const_i64(c, 1), ""), "");
    LLVMBasicBlockRef vec = cg_block(c, "edge.vec"), sca = cg_block(c, "edge.scalar"), next = cg_block(c, "edge.next");
    LLVMBuildCondBr(b, wide, vec, sca);
    LLVMPositionBuilderAtEnd(b, vec);
    for (uint32_t j = 0; j < g->nv; j++) edge_store(c, &x, el.iv, cg_const_i64(c, (int64_t)j * g->vl), g->vl);
    LLVMBuildBr(b, next);
    LLVMPositionBuilderAtEnd(b, sca);
    cg_loop_begin(c, &ej, ncols, "edge.j");
    edge_store(c, &x, el.iv, ej.iv, 1);
    cg_loop_end(c, &ej);
    LLVMBuildBr(b, next);
    LLVMMoveBasicBlockAfter(next, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, next);
    cg_loop_end(c, &el);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

static LLVMValueRef task_fn(cg *c, const gemm_cfg *g, hloc_type at, hloc_type bt) {
    char name[128];
    fn_name(name, sizeof name, "task", g, at, bt);
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    LLVMValueRef kern0 = gemm_kernel_fn(c, g), edge0 = gemm_edge_fn(c, g, NULL);
    LLVMValueRef pack_a = gemm_pack_a_fn(c, g, at), pack_b = gemm_pack_b_fn(c, g, bt);
    if (!kern0 || !edge0 || !pack_a || !pack_b) return NULL;
    LLVMTypeRef kt[GEMM_KERNEL_NPARAMS], et_[GEMM_EDGE_NPARAMS];
    gemm_kernel_params(c, kt);
    gemm_edge_params(c, et_);
    LLVMTypeRef kern_t = LLVMFunctionType(c->t_void, kt, GEMM_KERNEL_NPARAMS, 0);
    LLVMTypeRef edge_t = LLVMFunctionType(c->t_void, et_, GEMM_EDGE_NPARAMS, 0);
    LLVMTypeRef pt[6] = {c->t_ptr, c->t_i64, c->t_i64, c->t_i64, c->t_i64, c->t_ptr};
    LLVMTypeRef pack_t = LLVMFunctionType(c->t_void, pt, 6, 0);
    LLVMTypeRef p[2] = {c->t_ptr, c->t_i64};
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, 2, &sv);
    LLVMBuilderRef b = c->b;
    LLVMValueRef args = LLVMGetParam(f, 0), t = LLVMGetParam(f, 1);
    uint64_t ab = hloc_type_bytes(at), bb = hloc_type_bytes(bt), cb = hloc_type_bytes(g->ct);
    int64_t kmax = gemm_k_single(g);

    LLVMValueRef M = arg_i64(c, args, G_M), N = arg_i64(c, args, G_N), K = arg_i64(c, args, G_K);
    LLVMValueRef mt = arg_i64(c, args, G_MT), nt = arg_i64(c, args, G_NT);
    LLVMValueRef per = mul(c, mt, nt);
    LLVMValueRef bi = LLVMBuildSDiv(b, t, per, ""), r = LLVMBuildSRem(b, t, per, "");
    LLVMValueRef m0, m1, n0, n1;
    part_range(c, M, g->mr, LLVMBuildSDiv(b, r, nt, ""), mt, &m0, &m1);
    part_range(c, N, g->nr, LLVMBuildSRem(b, r, nt, ""), nt, &n0, &n1);
    LLVMBasicBlockRef work = cg_block(c, "work"), out = cg_block(c, "out");
    LLVMValueRef empty = LLVMBuildOr(b, LLVMBuildICmp(b, LLVMIntSGE, m0, m1, ""), LLVMBuildICmp(b, LLVMIntSGE, n0, n1, ""), "");
    LLVMBuildCondBr(b, empty, out, work);
    LLVMPositionBuilderAtEnd(b, out);
    LLVMBuildRetVoid(b);
    LLVMPositionBuilderAtEnd(b, work);
    LLVMValueRef owned, pa = claim_slice(c, args, &owned);
    LLVMValueRef pb = LLVMBuildGEP2(b, c->t_i8, pa, (LLVMValueRef[]){arg_i64(c, args, G_BOFF)}, 1, "pack.b");
    LLVMValueRef tile = LLVMBuildGEP2(b, c->t_i8, pa, (LLVMValueRef[]){arg_i64(c, args, G_TOFF)}, 1, "tile");

    LLVMValueRef ars = arg_i64(c, args, G_ARS), acs = arg_i64(c, args, G_ACS);
    LLVMValueRef brs = arg_i64(c, args, G_BRS), bcs = arg_i64(c, args, G_BCS);
    LLVMValueRef crs = arg_i64(c, args, G_CRS), ccs = arg_i64(c, args, G_CCS);
    LLVMValueRef A = advance(c, arg_ptr(c, args, G_A), mul(c, bi, arg_i64(c, args, G_ABS)), ab);
    LLVMValueRef B = advance(c, arg_ptr(c, args, G_B), mul(c, bi, arg_i64(c, args, G_BBS)), bb);
    LLVMValueRef C = advance(c, arg_ptr(c, args, G_C), mul(c, bi, arg_i64(c, args, G_CBS)), cb);
    /* Partial sums of a split K in their own buffer (laid out as C), or in C. */
    LLVMValueRef P0 = arg_ptr(c, args, G_P), own_p = LLVMBuildIsNotNull(b, P0, "");
    LLVMValueRef P = LLVMBuildSelect(b, own_p, advance(c, P0, mul(c, bi, arg_i64(c, args, G_CBS)), cb), C, "");
    LLVMValueRef custom = arg_ptr(c, args, G_PACK_A);
    /* An output fusion's own kernel and edge routine, or the shared ones. */
    LLVMValueRef kk = arg_ptr(c, args, G_KERN), ke = arg_ptr(c, args, G_EDGE), ep = arg_ptr(c, args, G_EP);
    LLVMValueRef kern = LLVMBuildSelect(b, LLVMBuildIsNull(b, kk, ""), kern0, kk, "");
    LLVMValueRef kshort = arg_ptr(c, args, G_KSHORT);
    LLVMValueRef edgef = LLVMBuildSelect(b, LLVMBuildIsNull(b, ke, ""), edge0, ke, "");
    LLVMValueRef cbs_off = mul(c, bi, arg_i64(c, args, G_CBS));
    /* Few rows of A: B would be packed for few micro-kernel calls; read it in place instead. */
    LLVMValueRef direct_b = LLVMConstInt(c->t_i1, 0, 0);
    if (bt == g->ct)
        direct_b = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, bcs, cg_const_i64(c, 1), ""),
                                LLVMBuildICmp(b, LLVMIntSLE, LLVMBuildSub(b, m1, m0, ""),
                                              cg_const_i64(c, (int64_t)g->mr * DIRECT_B_PANELS), ""), "");
    LLVMValueRef unit_c = LLVMBuildICmp(b, LLVMIntEQ, ccs, cg_const_i64(c, 1), "");

    cg_loop jl, pl, il, jrl, irl;
    LLVMValueRef nspan = LLVMBuildSub(b, n1, n0, ""), mspan = LLVMBuildSub(b, m1, m0, "");
    cg_loop_begin(c, &jl, ceil_div(c, nspan, g->nc), "gemm.jc");
    LLVMValueRef jc = LLVMBuildAdd(b, n0, mul(c, jl.iv, cg_const_i64(c, g->nc)), "");
    LLVMValueRef ncur = imin(c, cg_const_i64(c, g->nc), LLVMBuildSub(b, n1, jc, ""));
    /* Equal K blocks (600 = 300 + 300, not 256 + 256 + 88), and one up to a little over kc: a
     * short last block pays the C traffic of a whole one for little work. */
    LLVMValueRef nkb = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLE, K, cg_const_i64(c, kmax), ""),
                                       cg_const_i64(c, 1), ceil_div(c, K, g->kc), "");
    LLVMValueRef kstep = LLVMBuildSDiv(b, LLVMBuildAdd(b, K, LLVMBuildSub(b, nkb, cg_const_i64(c, 1), ""), ""), nkb, "");
    cg_loop_begin(c, &pl, nkb, "gemm.pc");
    LLVMValueRef pc = mul(c, pl.iv, kstep);
    LLVMValueRef kcur = imin(c, kstep, LLVMBuildSub(b, K, pc, ""));
    LLVMValueRef accf = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntNE, pc, cg_const_i64(c, 0), ""), c->t_i32, "");
    LLVMValueRef lastk = LLVMBuildICmp(b, LLVMIntEQ, pl.iv, LLVMBuildSub(b, nkb, cg_const_i64(c, 1), ""), "");
    LLVMValueRef flags = LLVMBuildOr(b, accf, LLVMBuildShl(b, LLVMBuildZExt(b, lastk, c->t_i32, ""),
                                                           LLVMConstInt(c->t_i32, 1, 0), ""), "");
    LLVMBasicBlockRef bpack = cg_block(c, "pack_b"), bdone = cg_block(c, "pack_b.done");
    LLVMBuildCondBr(b, direct_b, bdone, bpack);
    LLVMPositionBuilderAtEnd(b, bpack);
    LLVMValueRef bargs[6] = {advance(c, B, LLVMBuildAdd(b, mul(c, pc, brs), mul(c, jc, bcs), ""), bb), brs, bcs,
                             kcur, ncur, pb};
    LLVMBuildCall2(b, pack_t, pack_b, bargs, 6, "");
    LLVMBuildBr(b, bdone);
    LLVMPositionBuilderAtEnd(b, bdone);
    cg_loop_begin(c, &il, ceil_div(c, mspan, g->mc), "gemm.ic");
    LLVMValueRef ic = LLVMBuildAdd(b, m0, mul(c, il.iv, cg_const_i64(c, g->mc)), "");
    LLVMValueRef mcur = imin(c, cg_const_i64(c, g->mc), LLVMBuildSub(b, m1, ic, ""));
    LLVMBasicBlockRef own = cg_block(c, "pack_a.own"), std = cg_block(c, "pack_a.strided"),
                      packed = cg_block(c, "pack_a.done");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, custom, ""), std, own);
    LLVMPositionBuilderAtEnd(b, std);
    LLVMValueRef aargs[6] = {advance(c, A, LLVMBuildAdd(b, mul(c, ic, ars), mul(c, pc, acs), ""), ab), ars, acs,
                             mcur, kcur, pa};
    LLVMBuildCall2(b, pack_t, pack_a, aargs, 6, "");
    LLVMBuildBr(b, packed);
    LLVMPositionBuilderAtEnd(b, own);
    LLVMValueRef oargs[6] = {A, ic, pc, mcur, kcur, pa};
    LLVMBuildCall2(b, pack_t, custom, oargs, 6, "");
    LLVMBuildBr(b, packed);
    LLVMPositionBuilderAtEnd(b, packed);
    cg_loop_begin(c, &jrl, ceil_div(c, ncur, g->nr), "gemm.jr");
    LLVMValueRef jr = mul(c, jrl.iv, cg_const_i64(c, g->nr));
    LLVMValueRef ncols = imin(c, cg_const_i64(c, g->nr), LLVMBuildSub(b, ncur, jr, ""));
    /* Unpacked B: whole panels straight from B, the last partial one packed alone. */
    LLVMValueRef whole_b = LLVMBuildICmp(b, LLVMIntEQ, ncols, cg_const_i64(c, g->nr), "");
    LLVMValueRef bsrc = advance(c, B, LLVMBuildAdd(b, mul(c, pc, brs), mul(c, LLVMBuildAdd(b, jc, jr, ""), bcs), ""), bb);
    LLVMBasicBlockRef epack = cg_block(c, "pack_b.edge"), edone = cg_block(c, "pack_b.edge_done");
    LLVMBuildCondBr(b, LLVMBuildAnd(b, direct_b, LLVMBuildNot(b, whole_b, ""), ""), epack, edone);
    LLVMPositionBuilderAtEnd(b, epack);
    LLVMValueRef eargs[6] = {bsrc, brs, bcs, kcur, ncols, pb};
    LLVMBuildCall2(b, pack_t, pack_b, eargs, 6, "");
    LLVMBuildBr(b, edone);
    LLVMPositionBuilderAtEnd(b, edone);
    LLVMValueRef from_b = LLVMBuildAnd(b, direct_b, whole_b, "");
    LLVMValueRef pbp = LLVMBuildSelect(b, direct_b, LLVMBuildSelect(b, whole_b, bsrc, pb, ""),
                                       advance(c, pb, mul(c, jr, kcur), cb), "");
    LLVMValueRef ldb = LLVMBuildSelect(b, from_b, brs, cg_const_i64(c, g->nr), "");
    cg_loop_begin(c, &irl, ceil_div(c, mcur, g->mr), "gemm.ir");
    LLVMValueRef ir = mul(c, irl.iv, cg_const_i64(c, g->mr));
    LLVMValueRef nrows = imin(c, cg_const_i64(c, g->mr), LLVMBuildSub(b, mcur, ir, ""));
    LLVMValueRef pap = advance(c, pa, mul(c, ir, kcur), cb);
    LLVMValueRef row = LLVMBuildAdd(b, ic, ir, ""), col = LLVMBuildAdd(b, jc, jr, "");
    LLVMValueRef coff = LLVMBuildAdd(b, mul(c, row, crs), mul(c, col, ccs), "");
    LLVMValueRef pptr = advance(c, P, coff, cb);
    /* The last K block stores to C; its sums so far are in P (src, when that is not C). */
    LLVMValueRef cptr = LLVMBuildSelect(b, lastk, advance(c, C, coff, cb), pptr, "");
    LLVMValueRef src = LLVMBuildSelect(b, LLVMBuildAnd(b, lastk, own_p, ""), pptr, LLVMConstNull(c->t_ptr), "");
    LLVMValueRef whole = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, nrows, cg_const_i64(c, g->mr), ""),
                                      LLVMBuildICmp(b, LLVMIntEQ, ncols, cg_const_i64(c, g->nr), ""), "");
    whole = LLVMBuildAnd(b, whole, unit_c, "");
    LLVMValueRef toff = LLVMBuildAdd(b, cbs_off, coff, "");
    LLVMBasicBlockRef direct = cg_block(c, "tile.direct"), edge = cg_block(c, "tile.edge"), next = cg_block(c, "tile.next"),
                      partial = cg_block(c, "tile.partial"), short_ = cg_block(c, "tile.short");
    LLVMBuildCondBr(b, whole, direct, partial);
    LLVMPositionBuilderAtEnd(b, direct);
    LLVMValueRef kargs[GEMM_KERNEL_NPARAMS] = {kcur, pap, kcur, pbp, ldb, cptr, crs, flags, ep, toff, col, src, row};
    LLVMBuildCall2(b, kern_t, kern, kargs, GEMM_KERNEL_NPARAMS, "");
    LLVMBuildBr(b, next);
    /* M's last rows (M % mr of them: tasks and blocks split M in mr multiples) as wide as a
     * tile: the call site's kernel for that many rows stores them directly. */
    LLVMPositionBuilderAtEnd(b, partial);
    LLVMValueRef wide = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, ncols, cg_const_i64(c, g->nr), ""), unit_c, "");
    LLVMBuildCondBr(b, LLVMBuildAnd(b, wide, LLVMBuildIsNotNull(b, kshort, ""), ""), short_, edge);
    LLVMPositionBuilderAtEnd(b, short_);
    LLVMBuildCall2(b, kern_t, kshort, kargs, GEMM_KERNEL_NPARAMS, "");
    LLVMBuildBr(b, next);

    /* The shared kernel into the tile buffer, then the valid part into C through the edge
     * routine: the arithmetic per element is the one of a direct tile. */
    LLVMPositionBuilderAtEnd(b, edge);
    LLVMValueRef targs[GEMM_KERNEL_NPARAMS] = {kcur, pap, kcur, pbp, ldb, tile, cg_const_i64(c, g->nr),
                                              LLVMConstInt(c->t_i32, 0, 0), ep, toff, col,
                                              LLVMConstNull(c->t_ptr), row};
    LLVMBuildCall2(b, kern_t, kern0, targs, GEMM_KERNEL_NPARAMS, "");
    LLVMValueRef eargs2[GEMM_EDGE_NPARAMS] = {tile, nrows, ncols, cptr, crs, ccs, flags, ep, toff, col, src, row};
    LLVMBuildCall2(b, edge_t, edgef, eargs2, GEMM_EDGE_NPARAMS, "");
    LLVMBuildBr(b, next);
    LLVMPositionBuilderAtEnd(b, next);
    cg_loop_end(c, &irl);
    cg_loop_end(c, &jrl);
    cg_loop_end(c, &il);
    cg_loop_end(c, &pl);
    cg_loop_end(c, &jl);
    release_slice(c, args, owned, pa);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

/* The cost model of the split: what one task of an mt x nt split of a batch element costs (the
 * tasks run side by side), in packed elements. Its multiply-adds count MACS_PER_PACKED to one
 * packed element; it packs its columns of B once per K block unless it reads B in place (few
 * rows; see task_fn), and its rows of A once per nc block of its columns. So splitting rows
 * repeats the packing of B in every task, splitting columns that of A, and uneven parts (rows go
 * in mr units, columns in nr units) make the largest task longer. */
#define MACS_PER_PACKED 32.0

static LLVMValueRef split_cost(cg *c, const gemm_cfg *g, bool direct_ok, LLVMValueRef M, LLVMValueRef N,
                               LLVMValueRef K, LLVMValueRef mt, LLVMValueRef nt, LLVMValueRef bcs) {
    LLVMBuilderRef b = c->b;
    LLVMValueRef one = cg_const_i64(c, 1);
    LLVMValueRef mb = ceil_div(c, M, g->mr), nb = ceil_div(c, N, g->nr);
    LLVMValueRef rows_u = LLVMBuildSDiv(b, LLVMBuildAdd(b, mb, LLVMBuildSub(b, mt, one, ""), ""), mt, "");
    LLVMValueRef cols_u = LLVMBuildSDiv(b, LLVMBuildAdd(b, nb, LLVMBuildSub(b, nt, one, ""), ""), nt, "");
    LLVMValueRef rows = imin(c, M, mul(c, rows_u, cg_const_i64(c, g->mr)));
    LLVMValueRef cols = imin(c, N, mul(c, cols_u, cg_const_i64(c, g->nr)));
    LLVMValueRef nblocks = ceil_div(c, cols, g->nc);
    LLVMValueRef direct = LLVMConstInt(c->t_i1, 0, 0);
    if (direct_ok)
        direct = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, bcs, one, ""),
                              LLVMBuildICmp(b, LLVMIntSLE, rows, cg_const_i64(c, (int64_t)g->mr * DIRECT_B_PANELS), ""),
                              "");
    LLVMValueRef bpack = LLVMBuildSelect(b, direct, cg_const_i64(c, 0), mul(c, K, cols), "");
    LLVMValueRef apack = mul(c, mul(c, nblocks, rows), K);
    LLVMValueRef fp = LLVMBuildSIToFP(b, LLVMBuildAdd(b, bpack, apack, ""), c->t_f64, "");
    LLVMValueRef macs = LLVMBuildSIToFP(b, mul(c, mul(c, rows, cols), K), c->t_f64, "");
    return LLVMBuildFAdd(b, fp, LLVMBuildFMul(b, macs, LLVMConstReal(c->t_f64, 1 / MACS_PER_PACKED), ""), "");
}

/* run(args, opts): chooses the split, then parallel_for(ctx, n, task, args) or the tasks inline.
 * hloc_run_options: parallel_for @24, parallel_ctx @32, n_threads @40 (include/hloc/abi.h). */
static LLVMValueRef run_fn(cg *c, const gemm_cfg *g, hloc_type at, hloc_type bt) {
    char name[128];
    fn_name(name, sizeof name, "run", g, at, bt);
    LLVMValueRef f = LLVMGetNamedFunction(c->mod, name);
    if (f) return f;
    LLVMValueRef task = task_fn(c, g, at, bt);
    if (!task) return NULL;
    LLVMTypeRef p[2] = {c->t_ptr, c->t_ptr};
    gemm_saved sv;
    f = gemm_fn_begin(c, name, c->t_void, p, 2, &sv);
    LLVMBuilderRef b = c->b;
    LLVMValueRef args = LLVMGetParam(f, 0), opts = LLVMGetParam(f, 1);
    LLVMValueRef M = arg_i64(c, args, G_M), N = arg_i64(c, args, G_N), K = arg_i64(c, args, G_K);
    LLVMValueRef batch = arg_i64(c, args, G_BATCH);
    LLVMValueRef one = cg_const_i64(c, 1);
    LLVMBasicBlockRef entry = LLVMGetInsertBlock(b), check = cg_block(c, "threads.check"),
                      pool = cg_block(c, "threads.pool"), split = cg_block(c, "split");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, opts, ""), split, check);
    LLVMPositionBuilderAtEnd(b, check);
    LLVMValueRef o24 = cg_const_i64(c, 24), o32 = cg_const_i64(c, 32), o40 = cg_const_i64(c, 40);
    LLVMValueRef pf = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o24, 1, ""), "");
    LLVMValueRef nthr = LLVMBuildLoad2(b, c->t_i32, LLVMBuildGEP2(b, c->t_i8, opts, &o40, 1, ""), "");
    LLVMValueRef flops = LLVMBuildUIToFP(b, mul(c, mul(c, mul(c, M, N), K), batch), c->t_f64, "");
    LLVMValueRef go = LLVMBuildAnd(b, LLVMBuildIsNotNull(b, pf, ""),
                                   LLVMBuildICmp(b, LLVMIntSGT, nthr, LLVMConstInt(c->t_i32, 1, 0), ""), "");
    go = LLVMBuildAnd(b, go, LLVMBuildFCmp(b, LLVMRealOGE, flops, LLVMConstReal(c->t_f64, PARALLEL_FLOPS / 2), ""), "");
    LLVMBuildCondBr(b, go, pool, split);
    LLVMPositionBuilderAtEnd(b, pool);
    LLVMValueRef nt_pool = LLVMBuildSExt(b, nthr, c->t_i64, "");
    LLVMBuildBr(b, split);

    LLVMPositionBuilderAtEnd(b, split);
    LLVMValueRef T = LLVMBuildPhi(b, c->t_i64, "threads");
    LLVMValueRef tv[3] = {one, one, nt_pool};
    LLVMBasicBlockRef tb[3] = {entry, check, pool};
    LLVMAddIncoming(T, tv, tb, 3);
    /* Tasks per batch element: the mt x nt split (mt * nt <= per) whose task costs least. */
    LLVMValueRef per = LLVMBuildSDiv(b, LLVMBuildAdd(b, T, LLVMBuildSub(b, batch, one, ""), ""), batch, "");
    LLVMValueRef mb = ceil_div(c, M, g->mr), nb = ceil_div(c, N, g->nr);
    LLVMValueRef bcs = arg_i64(c, args, G_BCS);
    LLVMValueRef best_mt = cg_alloca(c, c->t_i64, "split.mt"), best_nt = cg_alloca(c, c->t_i64, "split.nt");
    LLVMValueRef best_cost = cg_alloca(c, c->t_f64, "split.cost");
    LLVMBuildStore(b, one, best_mt);
    LLVMBuildStore(b, one, best_nt);
    LLVMBuildStore(b, LLVMConstReal(c->t_f64, 1e300), best_cost);
    cg_loop sl;
    cg_loop_begin(c, &sl, per, "split");
    /* mt from per down to 1: on equal cost, rows (each task writes whole rows of C) win */
    LLVMValueRef cmt = LLVMBuildSub(b, per, sl.iv, "");
    LLVMValueRef cnt = imin(c, LLVMBuildSDiv(b, per, cmt, ""), nb);
    cmt = imin(c, cmt, mb);
    LLVMValueRef cost = split_cost(c, g, bt == g->ct, M, N, K, cmt, cnt, bcs);
    LLVMValueRef better = LLVMBuildFCmp(b, LLVMRealOLT, cost, LLVMBuildLoad2(b, c->t_f64, best_cost, ""), "");
    LLVMBuildStore(b, LLVMBuildSelect(b, better, cost, LLVMBuildLoad2(b, c->t_f64, best_cost, ""), ""), best_cost);
    LLVMBuildStore(b, LLVMBuildSelect(b, better, cmt, LLVMBuildLoad2(b, c->t_i64, best_mt, ""), ""), best_mt);
    LLVMBuildStore(b, LLVMBuildSelect(b, better, cnt, LLVMBuildLoad2(b, c->t_i64, best_nt, ""), ""), best_nt);
    cg_loop_end(c, &sl);
    LLVMValueRef mt = LLVMBuildLoad2(b, c->t_i64, best_mt, ""), nt = LLVMBuildLoad2(b, c->t_i64, best_nt, "");
    LLVMBuildStore(b, mt, arg_slot(c, args, G_MT));
    LLVMBuildStore(b, nt, arg_slot(c, args, G_NT));
    LLVMValueRef n_tasks = mul(c, mul(c, mt, nt), batch);
    LLVMTypeRef tt[2] = {c->t_ptr, c->t_i64};
    LLVMTypeRef task_t = LLVMFunctionType(c->t_void, tt, 2, 0);
    LLVMBasicBlockRef par = cg_block(c, "par"), ser = cg_block(c, "serial"), done = cg_block(c, "done");
    LLVMValueRef use_pool = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntSGT, T, one, ""),
                                         LLVMBuildICmp(b, LLVMIntSGT, n_tasks, one, ""), "");
    LLVMBuildCondBr(b, use_pool, par, ser);
    LLVMPositionBuilderAtEnd(b, par);
    LLVMValueRef pctx = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o32, 1, ""), "");
    LLVMValueRef pf2 = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o24, 1, ""), "");
    LLVMTypeRef pft[4] = {c->t_ptr, c->t_i64, c->t_ptr, c->t_ptr};
    LLVMValueRef pargs[4] = {pctx, n_tasks, task, args};
    LLVMBuildCall2(b, LLVMFunctionType(c->t_void, pft, 4, 0), pf2, pargs, 4, "");
    LLVMBuildBr(b, done);
    LLVMPositionBuilderAtEnd(b, ser);
    cg_loop tl;
    cg_loop_begin(c, &tl, n_tasks, "gemm.task");
    LLVMValueRef targs[2] = {args, tl.iv};
    LLVMBuildCall2(b, task_t, task, targs, 2, "");
    cg_loop_end(c, &tl);
    LLVMBuildBr(b, done);
    LLVMPositionBuilderAtEnd(b, done);
    LLVMBuildRetVoid(b);
    gemm_fn_end(c, &sv);
    return f;
}

void gemm_emit(cg *c, const gemm_cfg *g, const gemm_call *x) {
    LLVMValueRef run = run_fn(c, g, x->at, x->bt);
    if (!run) return;
    LLVMBuilderRef b = c->b;
    LLVMValueRef args = cg_alloca(c, LLVMArrayType2(c->t_i64, G_COUNT), "gemm.args");
    /* The packing blocks a task of this product fills at most (task_fn's blocking), bounded the
     * same way for every micro-tile shape (rows in 24s, columns in 48s or 64s, whichever is more:
     * multiples of every mr and nr; mc 96, nc at most 512) so that the module's scratch does not
     * depend on the CPU. */
    int64_t cb = (int64_t)hloc_type_bytes(g->ct);
    int64_t nkb = x->k <= gemm_k_single(g) ? 1 : (x->k + g->kc - 1) / g->kc, kstep = (x->k + nkb - 1) / nkb;
    int64_t rows = (x->m + 23) / 24 * 24, cols = (x->n + 47) / 48 * 48, cols64 = (x->n + 63) / 64 * 64;
    if (cols64 > cols) cols = cols64;
    int64_t a_bytes = round64((rows < 96 ? rows : 96) * kstep * cb);
    int64_t b_bytes = round64(kstep * (cols < 512 ? cols : 512) * cb);
    int64_t slice = a_bytes + b_bytes + round64(8 * 48 * cb);
    double flops = (double)x->m * (double)x->n * (double)x->k * (double)x->batch;
    int64_t tiles = (rows / 24) * (cols / 48) * x->batch;
    int64_t n_slices = flops < PARALLEL_FLOPS / 2 ? 1 : tiles < GEMM_SLICES ? tiles : GEMM_SLICES;
    /* Task functions have no scratch: their products' tasks take the heap (or the stack). */
    LLVMValueRef work = c->task_arg || slice <= GEMM_STACK_BYTES ? NULL : cg_alloc(c, (uint64_t)(slice * n_slices));
    /* The kernel for M's last M % mr rows (the output fusion's, or the shared one). */
    LLVMValueRef kshort = x->epi_kernel ? x->epi_kshort : NULL;
    if (!x->epi_kernel && x->m % g->mr) {
        gemm_cfg gs = *g;
        gs.mr = (uint32_t)(x->m % g->mr);
        kshort = gemm_kernel_fn(c, &gs);
    }
    if (!work) n_slices = 0;
    int64_t vals[G_COUNT] = {
        [G_M] = x->m, [G_N] = x->n, [G_K] = x->k, [G_BATCH] = x->batch,
        [G_ARS] = x->a_rs, [G_ACS] = x->a_cs, [G_ABS] = x->a_bs,
        [G_BRS] = x->b_rs, [G_BCS] = x->b_cs, [G_BBS] = x->b_bs,
        [G_CRS] = x->c_rs, [G_CCS] = x->c_cs, [G_CBS] = x->c_bs,
        [G_SLICE] = slice, [G_NSLICE] = n_slices, [G_BOFF] = a_bytes, [G_TOFF] = a_bytes + b_bytes,
    };
    for (int k = 0; k < G_COUNT; k++) {
        LLVMValueRef v = cg_const_i64(c, vals[k]);
        if (k == G_A) v = LLVMBuildPtrToInt(b, cg_base(c, x->a), c->t_i64, "");
        if (k == G_B) v = LLVMBuildPtrToInt(b, cg_base(c, x->b), c->t_i64, "");
        if (k == G_C) v = LLVMBuildPtrToInt(b, cg_base(c, x->c), c->t_i64, "");
        if (k == G_PACK_A && x->pack_a) v = LLVMBuildPtrToInt(b, x->pack_a, c->t_i64, "");
        if (k == G_KERN && x->epi_kernel) v = LLVMBuildPtrToInt(b, x->epi_kernel, c->t_i64, "");
        if (k == G_KSHORT && kshort) v = LLVMBuildPtrToInt(b, kshort, c->t_i64, "");
        if (k == G_EDGE && x->epi_edge) v = LLVMBuildPtrToInt(b, x->epi_edge, c->t_i64, "");
        if (k == G_EP && x->epi_leaves) v = LLVMBuildPtrToInt(b, x->epi_leaves, c->t_i64, "");
        if (k == G_WORK && work) v = LLVMBuildPtrToInt(b, work, c->t_i64, "");
        if (k == G_P && x->partial) v = LLVMBuildPtrToInt(b, x->partial, c->t_i64, "");
        LLVMBuildStore(b, v, arg_slot(c, args, k));
    }
    LLVMValueRef opts = c->task_arg || !c->body_opts ? LLVMConstNull(c->t_ptr) : c->body_opts;
    LLVMTypeRef pt[2] = {c->t_ptr, c->t_ptr};
    LLVMValueRef cargs[2] = {args, opts};
    LLVMBuildCall2(b, LLVMFunctionType(c->t_void, pt, 2, 0), run, cargs, 2, "");
}
