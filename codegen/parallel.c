/* Parallel regions: a large loop nest at the top level of the body is also emitted as a task
 * function task(ctx, i) over chunks of its outermost dimension, and the body calls the
 * caller's parallel_for (include/hloc/abi.h) with it when one is given, or runs the loop inline.
 * A task rebuilds buffer pointers from ctx, an array of the body's pointer arguments followed by
 * the scratch base, since SSA values of the body do not exist in the task function. */
#include <string.h>

#include "cg.h"

/* The cost model. Work is counted in element operations (a load or an add: 1, exp 20; see
 * gen_cost), about 0.1-0.3 ns each in vectorized loops on this machine (Zen 3/4, 2 cores). The
 * runtime pool (runtime/thread_pool.c) runs 8 tasks of 2 µs on 2 threads in 9-10 µs against 17 µs
 * inline while its workers still spin from the previous job (for 150 µs), but in 20 µs when they
 * sleep and must be woken: below 2^17 operations (13-40 µs of work) one thread is the better bet.
 * Tasks are chunks of the outermost dimension (rows, or row blocks), handed out dynamically (each
 * claim costs about 0.1 µs); each output element is computed inside one task, so the thread count
 * never changes a result. */
enum {
    MIN_PARALLEL_WORK = 1 << 17,
    MAX_TASKS = 64,
    MAX_COST_DEPTH = 32,
};

static double op_cost(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_EXPONENTIAL: case HLOC_OP_LOG: case HLOC_OP_TANH: case HLOC_OP_LOGISTIC:
    case HLOC_OP_ERF:
        return 20;
    case HLOC_OP_SINE: case HLOC_OP_COSINE:
        return 30;
    case HLOC_OP_DIVIDE: case HLOC_OP_SQRT: case HLOC_OP_RSQRT: case HLOC_OP_REMAINDER:
        return 4;
    case HLOC_OP_POWER: case HLOC_OP_ATAN2: case HLOC_OP_TAN: case HLOC_OP_CBRT:
    case HLOC_OP_EXPONENTIAL_MINUS_ONE: case HLOC_OP_LOG_PLUS_ONE: case HLOC_OP_ACOS:
    case HLOC_OP_ASIN: case HLOC_OP_ATAN: case HLOC_OP_ACOSH: case HLOC_OP_ASINH:
    case HLOC_OP_ATANH: case HLOC_OP_COSH: case HLOC_OP_SINH:
        return 50; /* libm calls */
    default:
        return 1;
    }
}

static double value_cost(const cg_scope *s, const hloc_instr *i, int depth);

/* Operations to generate one element of |i| where it is generated inline. */
static double gen_cost(const cg_scope *s, const hloc_instr *i, int depth) {
    if (depth > MAX_COST_DEPTH) return 1;
    double c = op_cost(i);
    if (i->op == HLOC_OP_REDUCE && i->n_operands >= 2) {
        const hloc_shape *in = &i->operands[0]->shape;
        double red = 1;
        for (uint32_t k = 0; k < i->attrs->dims.n; k++)
            if (i->attrs->dims.v[k] >= 0 && i->attrs->dims.v[k] < in->rank) red *= (double)in->dims[i->attrs->dims.v[k]];
        return red * (1 + value_cost(s, i->operands[0], depth + 1));
    }
    for (uint32_t k = 0; k < i->n_operands; k++) c += value_cost(s, i->operands[k], depth + 1);
    return c;
}

static double value_cost(const cg_scope *s, const hloc_instr *i, int depth) {
    const cg_value *v = s->vals[i->id];
    if (!v || v->kind != CGV_INLINE) return 1;
    return gen_cost(s, i, depth);
}

double cg_elem_cost(const cg_scope *s, const hloc_instr *i) { return gen_cost(s, i, 0); }

void cg_note_origin(cg *c, LLVMValueRef v, int32_t arg, int64_t off) {
    if (c->n_origins == c->cap_origins) {
        if (!hloc_arena_grow(c->arena, (void **)&c->origins, &c->cap_origins, c->n_origins + 1,
                             sizeof *c->origins)) {
            cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
            return;
        }
    }
    c->origins[c->n_origins++] = (cg_origin){v, arg, off};
}

static LLVMValueRef ctx_slot(cg *c, uint32_t k) {
    LLVMValueRef o = cg_const_i64(c, k);
    LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_ptr, c->task_arg, &o, 1, "");
    return LLVMBuildLoad2(c->b, c->t_ptr, p, "");
}

LLVMValueRef cg_base(cg *c, LLVMValueRef p) {
    if (!c->task_arg || LLVMIsAGlobalValue(p)) return p;
    /* Values of the task function itself (allocas, loads) need no remapping. */
    if (LLVMIsAInstruction(p) && LLVMGetBasicBlockParent(LLVMGetInstructionParent(p)) == c->fn) return p;
    if (LLVMIsAArgument(p) && LLVMGetParamParent(p) == c->fn) return p;
    for (uint32_t k = 0; k < c->n_task_cache; k++)
        if (c->task_keys[k] == p) return c->task_vals[k];
    for (uint32_t k = 0; k < c->n_origins; k++) {
        const cg_origin *o = &c->origins[k];
        if (o->v != p) continue;
        /* Loads go in the task's entry block, so that they dominate every use. */
        LLVMBasicBlockRef here = LLVMGetInsertBlock(c->b);
        LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(c->fn);
        LLVMValueRef term = LLVMGetBasicBlockTerminator(entry);
        if (term) LLVMPositionBuilderBefore(c->b, term);
        else LLVMPositionBuilderAtEnd(c->b, entry);
        LLVMValueRef r;
        if (o->arg >= 0) {
            r = ctx_slot(c, (uint32_t)o->arg);
        } else {
            LLVMValueRef off = cg_const_i64(c, o->off);
            r = LLVMBuildGEP2(c->b, c->t_i8, ctx_slot(c, c->n_bufs), &off, 1, "");
        }
        LLVMPositionBuilderAtEnd(c->b, here);
        if (c->n_task_cache < 64) {
            c->task_keys[c->n_task_cache] = p;
            c->task_vals[c->n_task_cache++] = r;
        }
        return r;
    }
    cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: a buffer of a parallel region has no known origin");
    return p;
}

/* MXCSR FTZ|DAZ around a task: worker threads do not inherit the caller's mode. */
static LLVMValueRef ftz_begin(cg *c) {
    if (!c->opts->flush_denormals) return NULL;
    LLVMTypeRef ft = LLVMFunctionType(c->t_void, &c->t_ptr, 1, 0);
    LLVMValueRef st = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.x86.sse.stmxcsr", 20), NULL, 0);
    LLVMValueRef ld = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.x86.sse.ldmxcsr", 20), NULL, 0);
    LLVMValueRef saved = cg_alloca(c, c->t_i32, "mxcsr"), mod = cg_alloca(c, c->t_i32, "mxcsr.ftz");
    LLVMBuildCall2(c->b, ft, st, &saved, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(c->b, c->t_i32, saved, "");
    LLVMBuildStore(c->b, LLVMBuildOr(c->b, v, LLVMConstInt(c->t_i32, 0x8040, 0), ""), mod);
    LLVMBuildCall2(c->b, ft, ld, &mod, 1, "");
    return saved;
}

static void ftz_end(cg *c, LLVMValueRef saved) {
    if (!saved) return;
    LLVMTypeRef ft = LLVMFunctionType(c->t_void, &c->t_ptr, 1, 0);
    LLVMValueRef ld = LLVMGetIntrinsicDeclaration(c->mod, LLVMLookupIntrinsicID("llvm.x86.sse.ldmxcsr", 20), NULL, 0);
    LLVMBuildCall2(c->b, ft, ld, &saved, 1, "");
}

/* The context array of the body: its pointer arguments then scratch. They never change, so one
 * array filled at the body's entry serves every region. */
static LLVMValueRef body_ctx(cg *c) {
    if (c->body_ctx && c->body_ctx_fn == c->fn) return c->body_ctx;
    LLVMTypeRef at = LLVMArrayType2(c->t_ptr, c->n_bufs + 1);
    LLVMValueRef arr = cg_alloca(c, at, "task.ctx");
    LLVMBuilderRef b = LLVMCreateBuilderInContext(c->ctx);
    LLVMValueRef after = LLVMGetNextInstruction(arr);
    if (after) LLVMPositionBuilderBefore(b, after);
    else LLVMPositionBuilderAtEnd(b, LLVMGetEntryBasicBlock(c->fn));
    for (uint32_t k = 0; k <= c->n_bufs; k++) {
        LLVMValueRef o = cg_const_i64(c, k);
        LLVMValueRef slot = LLVMBuildGEP2(b, c->t_ptr, arr, &o, 1, "");
        LLVMBuildStore(b, k < c->n_bufs ? LLVMGetParam(c->fn, k) : c->scratch, slot);
    }
    LLVMDisposeBuilder(b);
    c->body_ctx = arr;
    c->body_ctx_fn = c->fn;
    return arr;
}

void cg_parallel(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int64_t n, double work,
                 cg_range_fn fn, void *arg) {
    bool can = c->body_opts && !c->task_arg && !c->row_lo && n >= 2 && work >= MIN_PARALLEL_WORK;
    if (!can) {
        fn(c, s, i, dst, cg_const_i64(c, 0), cg_const_i64(c, n), arg);
        return;
    }
    int64_t n_tasks = n < MAX_TASKS ? n : MAX_TASKS;
    int64_t chunk = (n + n_tasks - 1) / n_tasks;
    n_tasks = (n + chunk - 1) / chunk;

    /* The task function. */
    LLVMTypeRef tat[2] = {c->t_ptr, c->t_i64};
    LLVMValueRef task = LLVMAddFunction(c->mod, "task", LLVMFunctionType(c->t_void, tat, 2, 0));
    LLVMSetLinkage(task, LLVMInternalLinkage);
    cg_fn_attrs(c, task);
    /* Called from the parallel_for and from the serial loop: inlining it would emit it twice. */
    unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
    LLVMAddAttributeAtIndex(task, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, noinline, 0));
    LLVMValueRef saved_fn = c->fn;
    LLVMBasicBlockRef saved_bb = LLVMGetInsertBlock(c->b);
    c->fn = task;
    c->task_arg = LLVMGetParam(task, 0);
    c->n_task_cache = 0;
    LLVMBasicBlockRef entry = cg_block(c, "entry"), start = cg_block(c, "start");
    LLVMPositionBuilderAtEnd(c->b, entry);
    /* Scratch blocks allocated while emitting the task come from the task's scratch pointer. */
    LLVMValueRef saved_scratch = c->scratch;
    c->scratch = ctx_slot(c, c->n_bufs);
    LLVMBuildBr(c->b, start);
    LLVMPositionBuilderAtEnd(c->b, start);
    LLVMValueRef ftz = ftz_begin(c);
    LLVMValueRef lo = LLVMBuildMul(c->b, LLVMGetParam(task, 1), cg_const_i64(c, chunk), "");
    LLVMValueRef hi = LLVMBuildAdd(c->b, lo, cg_const_i64(c, chunk), "");
    hi = LLVMBuildSelect(c->b, LLVMBuildICmp(c->b, LLVMIntSGT, hi, cg_const_i64(c, n), ""), cg_const_i64(c, n), hi, "");
    fn(c, s, i, dst, lo, hi, arg);
    ftz_end(c, ftz);
    LLVMBuildRetVoid(c->b);
    c->task_arg = NULL;
    c->scratch = saved_scratch;
    c->fn = saved_fn;
    LLVMPositionBuilderAtEnd(c->b, saved_bb);

    /* In the body: parallel_for(ctx, n_tasks, task, arr) when opts->parallel_for is set and more
     * than one thread may run, else the same loop inline. hloc_run_options: parallel_for @24,
     * parallel_ctx @32, n_threads @40. */
    LLVMBuilderRef b = c->b;
    LLVMValueRef opts = c->body_opts;
    LLVMBasicBlockRef check = cg_block(c, "par.check"), par = cg_block(c, "par.call"),
                      ser = cg_block(c, "par.serial"), join = cg_block(c, "par.join");
    LLVMBuildCondBr(b, LLVMBuildIsNull(b, opts, ""), ser, check);
    LLVMPositionBuilderAtEnd(b, check);
    LLVMValueRef o24 = cg_const_i64(c, 24), o32 = cg_const_i64(c, 32), o40 = cg_const_i64(c, 40);
    LLVMValueRef pf = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o24, 1, ""), "");
    LLVMValueRef nt = LLVMBuildLoad2(b, c->t_i32, LLVMBuildGEP2(b, c->t_i8, opts, &o40, 1, ""), "");
    LLVMValueRef go = LLVMBuildAnd(b, LLVMBuildIsNotNull(b, pf, ""),
                                   LLVMBuildICmp(b, LLVMIntSGT, nt, LLVMConstInt(c->t_i32, 1, 0), ""), "");
    LLVMBuildCondBr(b, go, par, ser);
    LLVMPositionBuilderAtEnd(b, par);
    LLVMValueRef pctx = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_i8, opts, &o32, 1, ""), "");
    LLVMTypeRef pft[4] = {c->t_ptr, c->t_i64, c->t_ptr, c->t_ptr};
    LLVMValueRef args[4] = {pctx, cg_const_i64(c, n_tasks), task, body_ctx(c)};
    LLVMBuildCall2(b, LLVMFunctionType(c->t_void, pft, 4, 0), pf, args, 4, "");
    LLVMBuildBr(b, join);
    LLVMPositionBuilderAtEnd(b, ser);
    {
        /* The same task function, chunk after chunk on this thread: the loop nest exists once. */
        cg_loop l;
        cg_loop_begin(c, &l, cg_const_i64(c, n_tasks), "ser");
        LLVMTypeRef tt[2] = {c->t_ptr, c->t_i64};
        LLVMValueRef targs[2] = {body_ctx(c), l.iv};
        LLVMBuildCall2(b, LLVMFunctionType(c->t_void, tt, 2, 0), task, targs, 2, "");
        cg_loop_end(c, &l);
    }
    LLVMBuildBr(b, join);
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(b, join);
}
