/* Explicit vectorization along the contiguous dimension: f32 loops whose element generators are
 * all vectorizable (buffers read along their minor dimension, broadcasts, elementwise f32 math,
 * column reductions) are emitted VW lanes at a time, with a scalar loop for the remainder, instead
 * of trusting LLVM's loop vectorizer, which gives up when it cannot prove that the loop's stores
 * miss the buffers it reads (they all live in one scratch arena). Row reductions keep several
 * vector accumulators; maximum and minimum step with the machine's maxps/minps, one op where
 * XLA's NaN-keeping maximum takes four, which is exact while no element is NaN (an add chain
 * beside it notices one, and the row is then reduced again exactly). Summation orders are fixed
 * by the shape alone, never by the thread count.
 * Large entry results are written with non-temporal stores when their buffer is aligned. */
#include <math.h>

#include "cg.h"

enum {
    VW = 16,     /* lanes: two AVX registers of f32 (four SSE ones), so that two independent
                  * chains of a long computation (exp, tanh) interleave */
    ROW_ACCS = 4, /* independent accumulators of a row reduction, to hide the add latency */
    MAX_DEPTH = 64,
    MAX_LANES = 2 * VW,
};

/* Lanes of the vectors being emitted: an elementwise loop's (cg_vector_materialize) or VW. */
static unsigned lanes(const cg *c) { return c->vec_lanes ? c->vec_lanes : VW; }

static LLVMTypeRef vec_type(cg *c) { return LLVMVectorType(c->t_f32, lanes(c)); }

static LLVMValueRef splat(cg *c, LLVMValueRef x) {
    LLVMValueRef v = LLVMBuildInsertElement(c->b, LLVMGetUndef(vec_type(c)), x, LLVMConstInt(c->t_i32, 0, 0), "");
    LLVMValueRef zeros[MAX_LANES];
    for (unsigned k = 0; k < lanes(c); k++) zeros[k] = LLVMConstInt(c->t_i32, 0, 0);
    return LLVMBuildShuffleVector(c->b, v, LLVMGetUndef(vec_type(c)), LLVMConstVector(zeros, lanes(c)), "");
}

/* The lanes of an elementwise loop along a dimension of |n| elements: two zmm registers where
 * the target has AVX-512, so that two independent chains of a long computation (exp, tanh)
 * interleave there too (eltwise at 16.7M elements: 5.4 -> 4.3 ms on Zen 5), unless n leaves a
 * long scalar remainder; else VW. The lanes are independent, so results do not depend on it. */
static unsigned ew_lanes(const cg *c, int64_t n) {
    if (cg_has_feature(c, "avx512f") && (n % (2 * VW) == 0 || n >= 32 * VW)) return 2 * VW;
    return VW;
}

/* The dimension that is contiguous in memory (minor-most in the layout). */
static int minor_dim(const hloc_shape *s) {
    if (!s->rank) return -1;
    return s->has_layout ? s->minor_to_major[0] : (int)s->rank - 1;
}

/* The reducer's op when it is one f32 add, multiply, maximum or minimum of its two parameters. */
const hloc_instr *cg_simple_reducer(const hloc_computation *comp) {
    if (!comp || comp->n_params != 2 || !comp->root) return NULL;
    const hloc_instr *r = comp->root;
    if (r->shape.type != HLOC_TYPE_F32 || r->n_operands != 2) return NULL;
    switch (r->op) {
    case HLOC_OP_ADD: case HLOC_OP_MULTIPLY: case HLOC_OP_MAXIMUM: case HLOC_OP_MINIMUM: break;
    default: return NULL;
    }
    const hloc_instr *a = r->operands[0], *b = r->operands[1];
    if (a->op != HLOC_OP_PARAMETER || b->op != HLOC_OP_PARAMETER || a == b) return NULL;
    return r;
}

/* The reducer's identity: starting lanes there leaves every result as the sequence gives it. */
static double identity(const hloc_instr *op) {
    switch (op->op) {
    case HLOC_OP_ADD: return -0.0;
    case HLOC_OP_MULTIPLY: return 1.0;
    case HLOC_OP_MAXIMUM: return -HUGE_VAL;
    default: return HUGE_VAL;
    }
}

/* Does the reduce |i| reduce dimension d of its input? */
static bool reduces(const hloc_instr *i, int64_t d) {
    for (uint32_t k = 0; k < i->attrs->dims.n; k++)
        if (i->attrs->dims.v[k] == d) return true;
    return false;
}

static bool gen_ok(cg *c, cg_scope *s, const hloc_instr *i, int vd, int depth);

/* Can the value of |i| be read VW lanes at a time along its dimension |vd| (-1: it does not
 * vary along the vectorized dimension, and one scalar is splatted)? */
static bool value_ok(cg *c, cg_scope *s, const hloc_instr *i, int vd, int depth) {
    if (vd < 0) return true;
    if (depth > MAX_DEPTH || i->shape.type != HLOC_TYPE_F32) return false;
    const cg_value *v = s->vals[i->id];
    if (!v) return false;
    switch (v->kind) {
    case CGV_SCALAR: return true;
    case CGV_BUFFER: return v->shape->type == HLOC_TYPE_F32 && minor_dim(v->shape) == vd;
    case CGV_INLINE: return gen_ok(c, s, i, vd, depth + 1);
    default: return false;
    }
}

static bool gen_ok(cg *c, cg_scope *s, const hloc_instr *i, int vd, int depth) {
    if (i->shape.type != HLOC_TYPE_F32 || vd < 0 || (uint32_t)vd >= i->shape.rank) return false;
    if (hloc_opcode_flags(i->op) & OPF_EW) {
        if (!cg_ew_vectorizable(i)) return false;
        for (uint32_t k = 0; k < i->n_operands; k++) {
            const hloc_instr *o = i->operands[k];
            if (!value_ok(c, s, o, o->shape.rank == i->shape.rank ? vd : -1, depth)) return false;
        }
        return true;
    }
    switch (i->op) {
    case HLOC_OP_BROADCAST: {
        int od = -1;
        for (uint32_t k = 0; k < i->attrs->dims.n; k++)
            if (i->attrs->dims.v[k] == vd) od = (int)k;
        return value_ok(c, s, i->operands[0], od, depth);
    }
    case HLOC_OP_REDUCE: {
        /* Column reduction: the lanes are VW outputs, each reduced in the scalar order. */
        if (i->n_operands != 2 || i->n_called != 1 || !cg_simple_reducer(i->called[0])) return false;
        const hloc_instr *in = i->operands[0];
        int id = -1, od = 0;
        for (uint32_t d = 0; d < in->shape.rank; d++) {
            if (reduces(i, d)) continue;
            if (od++ == vd) id = (int)d;
        }
        return id >= 0 && value_ok(c, s, in, id, depth);
    }
    default:
        return false;
    }
}

/* Values that do not vary along the vectorized dimension (a row's max, a row's 1/sqrt(var + eps),
 * a scalar) are computed once before the vector loop: LLVM cannot hoist their loads itself when it
 * cannot prove the loop's stores miss them. A first walk (collect) emits them in the order the
 * real walk asks for them; the real walk then takes them in that order. */
typedef struct hoisted {
    LLVMValueRef v[MAX_DEPTH];
    uint32_t n, next;
    bool collect;
} hoisted;

static LLVMValueRef gen(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, int vd,
                        hoisted *h);

/* In a row-blocked group, a load from a buffer the group streams from memory also asks for the
 * same element of the next block: the block's compute then overlaps the next block's reads. The
 * address may lie past the buffer (the last block): a prefetch never faults. */
static void prefetch_ahead(cg *c, const cg_value *v, LLVMValueRef p) {
    for (uint32_t k = 0; k < c->pf_n; k++) {
        if (c->pf_ptr[k] != v->ptr) continue;
        int64_t row = (int64_t)(hloc_shape_elements(v->shape) / (uint64_t)v->shape->dims[0]);
        LLVMValueRef off = cg_const_i64(c, row * c->pf_rows);
        LLVMValueRef q = LLVMBuildGEP2(c->b, c->t_f32, p, &off, 1, "");
        LLVMValueRef args[4] = {q, LLVMConstInt(c->t_i32, 0, 0), LLVMConstInt(c->t_i32, 2, 0),
                                LLVMConstInt(c->t_i32, 1, 0)};
        LLVMTypeRef t = c->t_ptr;
        cg_intrinsic_t(c, "llvm.prefetch", &t, 1, args, 4);
        return;
    }
}

static LLVMValueRef value(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, int vd,
                          hoisted *h) {
    if (vd < 0) {
        if (h && !h->collect && h->next < h->n) return h->v[h->next++];
        LLVMValueRef v = splat(c, cg_elem(c, s, i, i->shape.rank ? idx : NULL));
        if (h && h->collect && h->n < MAX_DEPTH) h->v[h->n++] = v;
        return v;
    }
    const cg_value *v = s->vals[i->id];
    if (h && h->collect && v->kind != CGV_INLINE) return NULL;
    switch (v->kind) {
    case CGV_SCALAR: return splat(c, v->scalar);
    case CGV_BUFFER: {
        LLVMValueRef off = cg_offset(c, v->shape, idx);
        LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_f32, cg_base(c, v->ptr), &off, 1, "");
        prefetch_ahead(c, v, p);
        LLVMValueRef l = LLVMBuildLoad2(c->b, vec_type(c), p, "");
        LLVMSetAlignment(l, 4);
        return l;
    }
    default: return gen(c, s, i, idx, vd, h);
    }
}

/* Applies a simple reducer's op to two vectors (or two scalars). */
static LLVMValueRef combine(cg *c, const hloc_instr *op, LLVMValueRef a, LLVMValueRef b) {
    LLVMValueRef x[2] = {a, b};
    return cg_ew_apply(c, op, x);
}

static LLVMValueRef gen_reduce(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, int vd) {
    const hloc_instr *in = i->operands[0], *op = cg_simple_reducer(i->called[0]);
    LLVMValueRef in_idx[HLOC_MAX_RANK];
    uint8_t order[HLOC_MAX_RANK];
    uint32_t n_red = 0, od = 0;
    int id = -1;
    for (uint32_t d = 0; d < in->shape.rank; d++) {
        if (reduces(i, d)) continue;
        if ((int)od == vd) id = (int)d;
        in_idx[d] = idx[od++];
    }
    const hloc_shape *is = &in->shape;
    for (uint32_t j = 0; j < is->rank; j++) {
        uint32_t d = is->has_layout ? is->minor_to_major[is->rank - 1 - j] : j;
        if (reduces(i, d)) order[n_red++] = (uint8_t)d;
    }
    LLVMValueRef acc = cg_alloca(c, vec_type(c), "vacc");
    LLVMBuildStore(c->b, splat(c, cg_operand(c, s, i, 1, NULL)), acc);
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, n_red, is->dims, order, in_idx);
    LLVMValueRef x = value(c, s, in, in_idx, id, NULL);
    LLVMBuildStore(c->b, combine(c, op, LLVMBuildLoad2(c->b, vec_type(c), acc, ""), x), acc);
    cg_nest_end(c, &nest);
    return LLVMBuildLoad2(c->b, vec_type(c), acc, "");
}

static LLVMValueRef gen(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, int vd, hoisted *h) {
    if (hloc_opcode_flags(i->op) & OPF_EW) {
        LLVMValueRef x[3];
        for (uint32_t k = 0; k < i->n_operands && k < 3; k++) {
            const hloc_instr *o = i->operands[k];
            x[k] = value(c, s, o, idx, o->shape.rank == i->shape.rank ? vd : -1, h);
        }
        return h && h->collect ? NULL : cg_ew_apply(c, i, x);
    }
    /* Inside a column reduction everything depends on the reduction's loops: nothing hoists. */
    if (i->op == HLOC_OP_REDUCE) return h && h->collect ? NULL : gen_reduce(c, s, i, idx, vd);
    /* broadcast */
    LLVMValueRef oi[HLOC_MAX_RANK];
    int od = -1;
    for (uint32_t k = 0; k < i->attrs->dims.n; k++) {
        oi[k] = idx[i->attrs->dims.v[k]];
        if (i->attrs->dims.v[k] == vd) od = (int)k;
    }
    return value(c, s, i->operands[0], oi, od, h);
}

/* for (j = lo; j + step <= hi; j += step): leaves the builder in the body with *j set; returns
 * the loop, which cg_loop_end closes. The first j past the loop is lo + (hi - lo) / step * step. */
static LLVMValueRef strided_begin(cg *c, cg_loop *l, LLVMValueRef lo, LLVMValueRef hi, int64_t step,
                                  LLVMValueRef *end) {
    LLVMValueRef n = LLVMBuildSDiv(c->b, LLVMBuildSub(c->b, hi, lo, ""), cg_const_i64(c, step), "");
    *end = LLVMBuildAdd(c->b, lo, LLVMBuildMul(c->b, n, cg_const_i64(c, step), ""), "");
    cg_loop_begin(c, l, n, "vloop");
    return LLVMBuildAdd(c->b, lo, LLVMBuildMul(c->b, l->iv, cg_const_i64(c, step), ""), "");
}

/* Stores of results this large bypass the caches (non-temporal): nothing in this run reads them
 * again, and they would only evict the inputs (a plain store also reads each line first). */
enum { NT_MIN_BYTES = 4 << 20 };

/* Is |p| one of the entry's result buffers (a body argument after the parameters)? */
static bool is_result(cg *c, LLVMValueRef p) {
    uint32_t n_params = c->m->entry ? c->m->entry->n_params : 0;
    for (uint32_t k = 0; k < c->n_origins; k++)
        if (c->origins[k].v == p) return c->origins[k].arg >= (int32_t)n_params;
    return false;
}

/* The transcendental functions (exp, tanh, ...) that computing one element of |i| evaluates. */
static int transcendentals(cg *c, cg_scope *s, const hloc_instr *i, int depth) {
    if (depth > MAX_DEPTH) return 0;
    int n = 0;
    switch (i->op) {
    case HLOC_OP_EXPONENTIAL: case HLOC_OP_LOG: case HLOC_OP_LOGISTIC: case HLOC_OP_TANH:
    case HLOC_OP_ERF: case HLOC_OP_SINE: case HLOC_OP_COSINE:
        n = 1;
        break;
    default:
        break;
    }
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const cg_value *v = s->vals[i->operands[k]->id];
        if (v && v->kind == CGV_INLINE) n += transcendentals(c, s, i->operands[k], depth + 1);
    }
    return n;
}

/* Non-temporal stores need whole aligned vectors: every row of the vectorized dimension starts a
 * vector (its length is a multiple of the lanes) and the buffer is aligned at run time (checked).
 * They pay where the loop waits on memory (copies, layer norm and softmax: 1.37 -> 1.09 ms and
 * 1.05 -> 0.94 on Zen 5); a loop that evaluates two transcendentals per element is bound by its
 * arithmetic instead, and there they cost (eltwise: 4.3 -> 4.7 ms or worse). */
static bool want_nt(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int vd) {
    const hloc_shape *os = dst->shape;
    return hloc_shape_bytes(os) >= NT_MIN_BYTES && os->dims[vd] % lanes(c) == 0 && is_result(c, dst->ptr) &&
           transcendentals(c, s, i, 0) < 2;
}

/* Stores the vector |v| at |idx| of |dst|, streaming (non-temporal) with |nt|. */
static void store_vector(cg *c, const cg_value *dst, LLVMValueRef const *idx, LLVMValueRef v, bool nt) {
    LLVMValueRef off = cg_offset(c, dst->shape, idx);
    LLVMValueRef st = LLVMBuildStore(c->b, v, LLVMBuildGEP2(c->b, c->t_f32, cg_base(c, dst->ptr), &off, 1, ""));
    /* a streaming store is of whole 64-byte lines: each vector's lines are aligned */
    LLVMSetAlignment(st, nt ? 64 : 4);
    if (nt) {
        LLVMMetadataRef one = LLVMValueAsMetadata(LLVMConstInt(c->t_i32, 1, 0));
        LLVMSetMetadata(st, LLVMGetMDKindIDInContext(c->ctx, "nontemporal", 11),
                        LLVMMetadataAsValue(c->ctx, LLVMMDNodeInContext2(c->ctx, &one, 1)));
    }
}

static bool row_sum_ok(cg *c, const hloc_instr *i, const cg_value *dst, int split, int vd);
static void materialize_summed(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                               LLVMValueRef hi, bool nt);

/* The loops storing |i| into |dst| (streaming with |nt|); with |summed|, materialize_summed's. */
static void materialize_nest(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int split,
                             LLVMValueRef lo, LLVMValueRef hi, int vd, bool nt, bool summed) {
    if (summed) {
        materialize_summed(c, s, i, dst, lo, hi, nt);
        return;
    }
    const hloc_shape *os = dst->shape;
    /* The nest over every dimension but vd, which is innermost in memory. */
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest = {.n = 0};
    for (uint32_t j = 0; j + 1 < os->rank; j++) {
        uint32_t d = os->has_layout ? os->minor_to_major[os->rank - 1 - j] : j;
        if ((int)d == split) {
            cg_loop_begin_range(c, &nest.loops[nest.n], lo, hi, "split");
            idx[d] = nest.loops[nest.n++].iv;
        } else if (os->dims[d] == 1) {
            idx[d] = cg_const_i64(c, 0);
        } else {
            cg_loop_begin(c, &nest.loops[nest.n], cg_const_i64(c, os->dims[d]), "loop");
            idx[d] = nest.loops[nest.n++].iv;
        }
    }
    LLVMValueRef vlo = split == vd ? lo : cg_const_i64(c, 0);
    LLVMValueRef vhi = split == vd ? hi : cg_const_i64(c, os->dims[vd]);
    cg_loop vl, tl;
    LLVMValueRef rest;
    hoisted h = {.collect = true};
    idx[vd] = vlo; /* no invariant value reads it */
    gen(c, s, i, idx, vd, &h);
    h.collect = false;
    idx[vd] = strided_begin(c, &vl, vlo, vhi, lanes(c), &rest);
    store_vector(c, dst, idx, gen(c, s, i, idx, vd, &h), nt);
    cg_loop_end(c, &vl);
    /* The remainder, one element at a time. */
    cg_loop_begin_range(c, &tl, rest, vhi, "tail");
    idx[vd] = tl.iv;
    cg_store(c, os->type, dst->ptr, cg_offset(c, os, idx), cg_generate(c, s, i, idx));
    cg_loop_end(c, &tl);
    cg_nest_end(c, &nest);
}

static void materialize_either(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int split,
                               LLVMValueRef lo, LLVMValueRef hi, int vd, bool summed);

bool cg_vector_materialize(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int split,
                           LLVMValueRef lo, LLVMValueRef hi) {
    const hloc_shape *os = dst->shape;
    int vd = minor_dim(os);
    if (os->type != HLOC_TYPE_F32 || vd < 0 || os->dims[vd] < VW ||
        !gen_ok(c, s, i, vd, 0))
        return false;
    /* A row sum taken on the way needs row_reduce's VW lanes. */
    bool summed = !s->scalar_mode && row_sum_ok(c, i, dst, split, vd);
    uint32_t saved = c->vec_lanes;
    c->vec_lanes = summed ? VW : ew_lanes(c, os->dims[vd]);
    if (!want_nt(c, s, i, dst, vd)) materialize_nest(c, s, i, dst, split, lo, hi, vd, false, summed);
    else materialize_either(c, s, i, dst, split, lo, hi, vd, summed);
    c->vec_lanes = saved;
    if (summed) c->row_sum->done = true;
    return true;
}

bool cg_vector_streams(cg *c, const cg_value *dst) {
    const hloc_shape *os = dst->shape;
    return os->type == HLOC_TYPE_F32 && os->rank == 2 && minor_dim(os) == 1 && os->dims[1] % VW == 0 &&
           hloc_shape_bytes(os) >= NT_MIN_BYTES && is_result(c, dst->ptr);
}

/* The loops with streaming stores where the result's buffer is aligned at run time, else with
 * plain ones. */
static void materialize_either(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int split,
                               LLVMValueRef lo, LLVMValueRef hi, int vd, bool summed) {
    /* Both versions, chosen at run time by the alignment of the first vector. Their elements are
     * the same ones computed the same way: only how they are stored differs. */
    LLVMValueRef base = LLVMBuildPtrToInt(c->b, cg_base(c, dst->ptr), c->t_i64, "");
    LLVMValueRef mis = LLVMBuildAnd(c->b, base, cg_const_i64(c, VW * 4 - 1), "");
    if (split == vd)
        mis = LLVMBuildOr(c->b, mis, LLVMBuildAnd(c->b, lo, cg_const_i64(c, VW - 1), ""), "");
    LLVMBasicBlockRef yes = cg_block(c, "nt"), no = cg_block(c, "cached"), join = cg_block(c, "stored");
    LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, mis, cg_const_i64(c, 0), ""), yes, no);
    LLVMPositionBuilderAtEnd(c->b, yes);
    materialize_nest(c, s, i, dst, split, lo, hi, vd, true, summed);
    /* Other threads may read the result once this task is done: order the streaming stores
     * before whatever signals that (in a row group: once, after the group's blocks). */
    if (c->row_lo) c->nt_pending = true;
    else LLVMBuildFence(c->b, LLVMAtomicOrderingSequentiallyConsistent, 0, "");
    LLVMBuildBr(c->b, join);
    LLVMPositionBuilderAtEnd(c->b, no);
    materialize_nest(c, s, i, dst, split, lo, hi, vd, false, summed);
    LLVMBuildBr(c->b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, join);
}

/* A maximum or minimum in the operand order of x86's maxps/minps (and NEON's fcmp+bsl): a > b ? a : b
 * picks b when either is NaN. XLA's maximum (fminmax in ew.c) keeps a NaN a instead, so the two
 * agree whenever a is not NaN: ties (-0 against +0) go to b in both. */
static LLVMValueRef fast_minmax(cg *c, const hloc_instr *op, LLVMValueRef a, LLVMValueRef b) {
    LLVMRealPredicate p = op->op == HLOC_OP_MAXIMUM ? LLVMRealOGT : LLVMRealOLT;
    return LLVMBuildSelect(c->b, LLVMBuildFCmp(c->b, p, a, b, ""), a, b, "");
}

/* Horizontal reduction of a vector by halves: a fixed tree. With |fast|, the steps are
 * fast_minmax (no lane may be NaN). */
static LLVMValueRef horizontal(cg *c, const hloc_instr *op, LLVMValueRef v, bool fast) {
    for (unsigned w = VW; w > 1; w /= 2) {
        LLVMValueRef lo_m[VW], hi_m[VW];
        for (unsigned k = 0; k < w / 2; k++) {
            lo_m[k] = LLVMConstInt(c->t_i32, k, 0);
            hi_m[k] = LLVMConstInt(c->t_i32, k + w / 2, 0);
        }
        LLVMValueRef a = LLVMBuildShuffleVector(c->b, v, v, LLVMConstVector(lo_m, w / 2), "");
        LLVMValueRef b = LLVMBuildShuffleVector(c->b, v, v, LLVMConstVector(hi_m, w / 2), "");
        v = fast ? fast_minmax(c, op, a, b) : combine(c, op, a, b);
    }
    return LLVMBuildExtractElement(c->b, v, LLVMConstInt(c->t_i32, 0, 0), "");
}

/* One row reduction's loops (see cg_vector_row_reduce). */
typedef struct row_red {
    const hloc_instr *i, *op, *in;
    int md;
    uint32_t n_red;
    uint8_t order[HLOC_MAX_RANK];
    LLVMValueRef in_idx[HLOC_MAX_RANK];
    LLVMValueRef acc[ROW_ACCS], sacc;
    LLVMValueRef nan; /* the fast path's NaN detector, or NULL: every step exact */
    /* A row sum taken on the way (materialize_summed): the elements are generated from |gen| in
     * |gen_s| and stored to |out| (streaming with |nt|) instead of read; NULL out: read. With
     * |fused|, what is reduced is |in| in the reduce's own scope, computed from the stored
     * elements. */
    const hloc_instr *gen;
    cg_scope *gen_s, *in_s;
    const cg_value *out;
    bool nt, fused;
} row_red;

/* The vector of elements at r->in_idx (at its dimension md), read, or generated and stored. */
static LLVMValueRef row_vector(cg *c, cg_scope *s, row_red *r, hoisted *h) {
    if (!r->out) return value(c, s, r->in, r->in_idx, r->md, h);
    LLVMValueRef v = gen(c, r->gen_s, r->gen, r->in_idx, r->md, h);
    if (!h->collect) store_vector(c, r->out, r->in_idx, v, r->nt);
    return r->fused ? value(c, r->in_s, r->in, r->in_idx, r->md, h) : v;
}

/* The element at r->in_idx, read, or generated and stored. */
static LLVMValueRef row_scalar(cg *c, cg_scope *s, row_red *r) {
    if (!r->out) return cg_operand(c, s, r->i, 0, r->in_idx);
    LLVMValueRef e = cg_generate(c, r->gen_s, r->gen, r->in_idx);
    cg_store(c, r->out->shape->type, r->out->ptr, cg_offset(c, r->out->shape, r->in_idx), e);
    return r->fused ? cg_elem(c, r->in_s, r->in, r->in_idx) : e;
}

/* The trailing member's stores inside a summed loop (cg_trail): its element of row r - lag at
 * the column of each vector the loop stores, generated as its own loop would generate it (the
 * same operations, so the same values: its lanes are independent). Its loads come from the
 * block before, already in cache: they ask for no prefetch. */
typedef struct trailer {
    cg_trail *t;
    LLVMValueRef idx[2];
    hoisted h;
} trailer;

/* Can a loop over rows of |n| elements store the captured trail |t| beside its own vectors:
 * rows as long, vectorizable, and stores that stream (else it is emitted on its own)? */
static bool trail_fits(cg *c, cg_trail *t, int64_t n) {
    if (!t || !t->i || t->capture) return false;
    const hloc_shape *os = t->dst->shape;
    return !t->scope.scalar_mode && os->rank == 2 && minor_dim(os) == 1 && os->dims[1] == n &&
           gen_ok(c, &t->scope, t->i, 1, 0) && want_nt(c, &t->scope, t->i, t->dst, 1);
}

/* The trail's vector at tr->idx (or, collecting, its invariants), with no prefetches. */
static LLVMValueRef trail_gen(cg *c, trailer *tr) {
    uint32_t pf = c->pf_n;
    c->pf_n = 0;
    LLVMValueRef v = gen(c, &tr->t->scope, tr->t->i, tr->idx, 1, &tr->h);
    c->pf_n = pf;
    return v;
}

static void trail_begin(cg *c, trailer *tr, LLVMValueRef const *in_idx) {
    if (!tr->t) return;
    tr->t->used = true;
    tr->idx[0] = LLVMBuildSub(c->b, in_idx[0], tr->t->lag, "trow");
    tr->idx[1] = cg_const_i64(c, 0);
    tr->h = (hoisted){.collect = true};
    trail_gen(c, tr);
    tr->h.collect = false;
}

static void trail_vector(cg *c, trailer *tr, LLVMValueRef col) {
    if (!tr->t) return;
    tr->idx[1] = col;
    tr->h.next = 0;
    store_vector(c, tr->t->dst, tr->idx, trail_gen(c, tr), true);
    c->nt_pending = true;
}

static void trail_scalar(cg *c, trailer *tr, LLVMValueRef col) {
    if (!tr->t) return;
    tr->idx[1] = col;
    const hloc_shape *os = tr->t->dst->shape;
    cg_store(c, os->type, tr->t->dst->ptr, cg_offset(c, os, tr->idx), cg_generate(c, &tr->t->scope, tr->t->i, tr->idx));
}

/* Sets the accumulators to their starting values and emits the loops over the reduced
 * dimensions. With r->nan, the vector steps are fast_minmax, exact while no accumulator lane is
 * NaN, which holds while no element is: each element also goes into an add chain in r->nan,
 * NaN if any element was (or on +inf meeting -inf, or an overflow meeting an infinity: a rare
 * false alarm that only costs the exact re-scan). */
static void row_loops(cg *c, cg_scope *s, row_red *r) {
    const hloc_instr *op = r->op, *in = r->in;
    int md = r->md;
    LLVMTypeRef vt = vec_type(c);
    LLVMValueRef init = splat(c, LLVMConstReal(c->t_f32, identity(op)));
    for (int a = 0; a < ROW_ACCS; a++) LLVMBuildStore(c->b, init, r->acc[a]);
    LLVMBuildStore(c->b, cg_operand(c, s, r->i, 1, NULL), r->sacc);
    if (r->nan) LLVMBuildStore(c->b, splat(c, LLVMConstReal(c->t_f32, 0.0)), r->nan);
    LLVMValueRef *in_idx = r->in_idx;
    cg_nest nest;
    cg_nest_begin_dims(c, &nest, r->n_red, in->shape.dims, r->order, in_idx);
    LLVMValueRef n = cg_const_i64(c, in->shape.dims[md]), rest, rest2;
    /* Invariants hoist to here: inside the loops over the other reduced dimensions, if any. */
    hoisted h = {.collect = true};
    in_idx[md] = cg_const_i64(c, 0);
    row_vector(c, s, r, &h);
    h.collect = false;
    trailer tr = {.t = r->out && r->md == 1 && r->n_red == 0 && trail_fits(c, c->trail, in->shape.dims[1]) ? c->trail
                                                                                                     : NULL};
    trail_begin(c, &tr, in_idx);
    cg_loop l1, l2, l3;
    LLVMValueRef j = strided_begin(c, &l1, cg_const_i64(c, 0), n, ROW_ACCS * VW, &rest);
    LLVMValueRef xs[ROW_ACCS];
    for (int a = 0; a < ROW_ACCS; a++) {
        in_idx[md] = LLVMBuildAdd(c->b, j, cg_const_i64(c, a * VW), "");
        h.next = 0;
        LLVMValueRef x = xs[a] = row_vector(c, s, r, &h);
        trail_vector(c, &tr, in_idx[md]);
        LLVMValueRef acc = LLVMBuildLoad2(c->b, vt, r->acc[a], "");
        LLVMBuildStore(c->b, r->nan ? fast_minmax(c, op, acc, x) : combine(c, op, acc, x), r->acc[a]);
    }
    if (r->nan) {
        /* A tree over the accumulators' vectors, then one add on the loop-carried chain. */
        for (int w = ROW_ACCS; w > 1; w /= 2)
            for (int a = 0; a < w / 2; a++) xs[a] = LLVMBuildFAdd(c->b, xs[a], xs[a + w / 2], "");
        LLVMBuildStore(c->b, LLVMBuildFAdd(c->b, LLVMBuildLoad2(c->b, vt, r->nan, ""), xs[0], ""), r->nan);
    }
    cg_loop_end(c, &l1);
    in_idx[md] = strided_begin(c, &l2, rest, n, VW, &rest2);
    h.next = 0;
    LLVMValueRef x = row_vector(c, s, r, &h);
    trail_vector(c, &tr, in_idx[md]);
    LLVMValueRef acc = LLVMBuildLoad2(c->b, vt, r->acc[0], "");
    LLVMBuildStore(c->b, r->nan ? fast_minmax(c, op, acc, x) : combine(c, op, acc, x), r->acc[0]);
    if (r->nan)
        LLVMBuildStore(c->b, LLVMBuildFAdd(c->b, LLVMBuildLoad2(c->b, vt, r->nan, ""), x, ""), r->nan);
    cg_loop_end(c, &l2);
    cg_loop_begin_range(c, &l3, rest2, n, "rtail");
    in_idx[md] = l3.iv;
    LLVMValueRef e = row_scalar(c, s, r);
    trail_scalar(c, &tr, l3.iv);
    LLVMBuildStore(c->b, combine(c, op, LLVMBuildLoad2(c->b, c->t_f32, r->sacc, ""), e), r->sacc);
    cg_loop_end(c, &l3);
    cg_nest_end(c, &nest);
}

/* The accumulators folded pairwise, then the lanes by halves. */
static LLVMValueRef fold(cg *c, const row_red *r, bool fast) {
    LLVMValueRef v[ROW_ACCS];
    for (int a = 0; a < ROW_ACCS; a++) v[a] = LLVMBuildLoad2(c->b, vec_type(c), r->acc[a], "");
    for (int w = ROW_ACCS; w > 1; w /= 2)
        for (int a = 0; a < w / 2; a++)
            v[a] = fast ? fast_minmax(c, r->op, v[a], v[a + w / 2]) : combine(c, r->op, v[a], v[a + w / 2]);
    return horizontal(c, r->op, v[0], fast);
}

/* Is |i| (in scope |s|) computed lane by lane from values at its own index, or from values that
 * do not vary along dimension 1 (no column reduction, which would read rows not stored yet)? */
static bool pointwise(const cg_scope *s, const hloc_instr *i, int depth) {
    if (depth > MAX_DEPTH) return false;
    const cg_value *v = s->vals[i->id];
    if (v && v->kind != CGV_INLINE) return true;
    if (i->op == HLOC_OP_REDUCE) return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (!pointwise(s, i->operands[k], depth + 1)) return false;
    return true;
}

/* Can the loop storing |i| into |dst| (a [R, N] f32 array, rows split [lo, hi)) also compute the
 * row reduction c->row_sum asks for: a simple reducer other than max and min (whose fast steps
 * need the NaN re-scan), over N, of exactly this value, or (fused) of a pointwise function of
 * it? */
static bool row_sum_ok(cg *c, const hloc_instr *i, const cg_value *dst, int split, int vd) {
    const cg_row_sum *rs = c->row_sum;
    if (!rs || rs->done) return false;
    const hloc_instr *r = rs->reduce, *op = r->n_called == 1 ? cg_simple_reducer(r->called[0]) : NULL;
    const hloc_shape *os = dst->shape;
    const hloc_instr *m = rs->member;
    const hloc_instr *want = m->op == HLOC_OP_FUSION && m->n_called == 1 ? m->called[0]->root : m;
    bool reads = rs->fused ? r->n_operands == 2 && r->operands[0]->shape.type == HLOC_TYPE_F32 &&
                                 gen_ok(c, rs->scope, r->operands[0], 1, 0) && pointwise(rs->scope, r->operands[0], 0)
                           : r->operands[0] == m;
    return i == want && reads && op && op->op != HLOC_OP_MAXIMUM &&
           op->op != HLOC_OP_MINIMUM && r->n_operands == 2 && r->attrs->dims.n == 1 && r->attrs->dims.v[0] == 1 && os->rank == 2 && vd == 1 && split == 0 &&
           os->dims[1] >= VW && rs->dst->shape->rank == 1 && rs->dst->shape->type == HLOC_TYPE_F32 &&
           r->operands[0]->shape.rank == 2 && r->operands[0]->shape.dims[1] == os->dims[1];
}

/* The loops of materialize_nest for a row-summed result (row_sum_ok): each row's elements are
 * stored as generated and also reduced, in row_reduce's order exactly (lane l of accumulator a
 * takes the elements j = a·VW + l mod ROW_ACCS·VW, leftover full vectors accumulator 0, the last
 * elements a scalar from the init value; then fold, and the scalar first), so the reduction's
 * own pass, which would read the row back, is saved. */
static void materialize_summed(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                               LLVMValueRef hi, bool nt) {
    const cg_row_sum *rs = c->row_sum;
    const hloc_instr *op = cg_simple_reducer(rs->reduce->called[0]);
    row_red r = {.i = rs->reduce, .op = op, .in = rs->reduce->operands[0], .md = 1,
                 .gen = i, .gen_s = s, .in_s = rs->scope, .out = dst, .nt = nt, .fused = rs->fused};
    for (int a = 0; a < ROW_ACCS; a++) r.acc[a] = cg_alloca(c, vec_type(c), "racc");
    r.sacc = cg_alloca(c, c->t_f32, "rtail");
    cg_loop rl;
    cg_loop_begin_range(c, &rl, lo, hi, "sumrow");
    r.in_idx[0] = rl.iv;
    row_loops(c, rs->scope, &r);
    LLVMValueRef sum = combine(c, op, LLVMBuildLoad2(c->b, c->t_f32, r.sacc, ""), fold(c, &r, false));
    cg_store(c, HLOC_TYPE_F32, rs->dst->ptr, cg_offset(c, rs->dst->shape, &rl.iv), sum);
    cg_loop_end(c, &rl);
}

static bool row_reduce(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, LLVMValueRef *out) {
    if (i->n_operands != 2 || i->n_called != 1) return false;
    const hloc_instr *op = cg_simple_reducer(i->called[0]);
    const hloc_instr *in = i->operands[0];
    const hloc_shape *is = &in->shape;
    int md = minor_dim(is);
    if (!op || md < 0 || !reduces(i, md) || is->dims[md] < VW || !value_ok(c, s, in, md, 0)) return false;
    row_red r = {.i = i, .op = op, .in = in, .md = md};
    uint32_t od = 0;
    for (uint32_t d = 0; d < is->rank; d++)
        if (!reduces(i, d)) r.in_idx[d] = idx[od++];
    for (uint32_t j = 0; j < is->rank; j++) {
        uint32_t d = is->has_layout ? is->minor_to_major[is->rank - 1 - j] : j;
        if (reduces(i, d) && (int)d != md) r.order[r.n_red++] = (uint8_t)d;
    }
    /* Lane l of accumulator a takes the elements j ≡ a·VW + l (mod ROW_ACCS·VW) of every row;
     * the leftover full vectors go to accumulator 0, the last elements to a scalar that starts
     * at the init value. Then the accumulators fold pairwise, the lanes by halves, and the
     * scalar last. */
    LLVMTypeRef vt = vec_type(c);
    for (int a = 0; a < ROW_ACCS; a++) r.acc[a] = cg_alloca(c, vt, "racc");
    r.sacc = cg_alloca(c, c->t_f32, "rtail");
    /* (In scalar mode elements are memoized as they are generated: a value first generated in
     * the re-scan would not dominate its later uses.) */
    bool minmax = (op->op == HLOC_OP_MAXIMUM || op->op == HLOC_OP_MINIMUM) && !s->scalar_mode;
    if (!minmax) {
        row_loops(c, s, &r);
        *out = combine(c, op, LLVMBuildLoad2(c->b, c->t_f32, r.sacc, ""), fold(c, &r, false));
        return true;
    }
    /* No element NaN: no accumulator lane is, and the fast steps are exact through the fold.
     * Else the same loops again, every step exact. The scalar tail's steps are exact in both. */
    LLVMValueRef folded = cg_alloca(c, c->t_f32, "rfold");
    r.nan = cg_alloca(c, vt, "rnan");
    row_loops(c, s, &r);
    LLVMBuildStore(c->b, fold(c, &r, true), folded);
    LLVMValueRef d = LLVMBuildLoad2(c->b, vt, r.nan, "");
    LLVMValueRef uno = LLVMBuildFCmp(c->b, LLVMRealUNO, d, d, "");
    LLVMTypeRef lanes = LLVMIntTypeInContext(c->ctx, VW);
    LLVMValueRef any = LLVMBuildICmp(c->b, LLVMIntNE, LLVMBuildBitCast(c->b, uno, lanes, ""),
                                     LLVMConstInt(lanes, 0, 0), "");
    LLVMBasicBlockRef rescan = cg_block(c, "nanrescan"), join = cg_block(c, "rowdone");
    LLVMBuildCondBr(c->b, any, rescan, join);
    LLVMPositionBuilderAtEnd(c->b, rescan);
    r.nan = NULL;
    row_loops(c, s, &r);
    LLVMBuildStore(c->b, fold(c, &r, false), folded);
    LLVMBuildBr(c->b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, join);
    *out = combine(c, op, LLVMBuildLoad2(c->b, c->t_f32, r.sacc, ""), LLVMBuildLoad2(c->b, c->t_f32, folded, ""));
    return true;
}

bool cg_vector_row_reduce(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, LLVMValueRef *out) {
    /* VW lanes whatever loop asks for the row's value (softmax's max inside its exp loop): the
     * summation order is the shape's alone. */
    uint32_t saved = c->vec_lanes;
    c->vec_lanes = 0;
    bool ok = row_reduce(c, s, i, idx, out);
    c->vec_lanes = saved;
    return ok;
}
