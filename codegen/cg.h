/* Internal state shared by the files of codegen/: the emission context, instruction values, and
 * the helpers every per-opcode emitter uses (types, loads/stores, loops, scalar functions).
 * Values of instructions live per *emission scope*: a called computation that is emitted at two
 * call sites gets two scopes and two sets of buffers. Errors are sticky: the first one is kept in
 * cg->err and emitters return a harmless value (undef) so that emission can unwind normally. */
#ifndef HLOC_CODEGEN_CG_H
#define HLOC_CODEGEN_CG_H

#include <llvm-c/Core.h>
#include <stdbool.h>
#include <stdint.h>

#include "buffer_assignment.h"
#include "codegen.h"
#include "ir.h"
#include "status.h"

typedef enum cg_kind {
    CGV_NONE = 0,
    CGV_BUFFER, /* materialized array: ptr + layout of |shape| */
    CGV_TUPLE,  /* compile-time tuple of values */
    CGV_INLINE, /* generated on demand at each consumer's index */
    CGV_SCALAR, /* a known SSA scalar in compute type (scalar functions, memoized) */
} cg_kind;

typedef struct cg_value {
    cg_kind kind;
    LLVMValueRef ptr;         /* BUFFER */
    const hloc_shape *shape;  /* BUFFER: element type, dims and the layout the bytes are in */
    struct cg_value *elems;   /* TUPLE */
    uint32_t n_elems;
    LLVMValueRef scalar;      /* SCALAR */
} cg_value;

typedef struct cg_scope {
    cg_value **vals;          /* by instruction id; NULL: not emitted yet */
    bool scalar_mode;         /* every index is rank 0: memoize elements as SCALAR */
    bool planned;             /* the entry computation: values live where c->plan says */
    const hloc_computation *comp;
} cg_scope;

/* Where a buffer pointer of the body function comes from, so that parallel task functions can
 * rebuild it from their context array (parallel.c). */
typedef struct cg_origin {
    LLVMValueRef v;
    int32_t arg;  /* body argument number, or -1: scratch + off */
    int64_t off;
} cg_origin;

/* An input_output_alias pair of the entry (entry.c): result leaf |result| may be handed parameter
 * |param|'s buffer. In place (the buffer plan proved it safe): the body computes the result
 * straight into that buffer, and a copy into |res_arg| is skipped when it is the source; else the
 * entry wrapper computes it into a stand-in at scratch + offset. */
typedef struct cg_alias {
    uint32_t result, param;
    uint64_t offset, bytes;
    bool must_alias;
    bool in_place;
    LLVMValueRef res_arg;     /* the body's argument for the result */
} cg_alias;

typedef struct cg {
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMBuilderRef b;
    LLVMTypeRef t_i1, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_ptr, t_void;
    const hloc_module *m;
    hloc_arena *arena;        /* compile-time data, freed after emission */
    const hloc_codegen_options *opts;
    LLVMValueRef fn;          /* function being emitted */
    LLVMValueRef scratch;     /* base of the scratch arena in fn */
    uint64_t scratch_bytes;   /* arena size: the plan's, then internal scratch (buffers.c) */
    /* The buffer plan of the entry computation (passes/buffer_assignment.h): each entry-level
     * value lives at its offset. Internal scratch (nested computations' values, sort and GEMM
     * work space) is laid out after the plan's arena and released after each entry-level
     * instruction; see cg_alloc. */
    hloc_buffer_plan *plan;
    uint64_t plan_bytes;      /* the plan's arena, aligned: where internal scratch starts */
    uint64_t int_top;         /* internal scratch in use (relative to plan_bytes) */
    uint64_t int_floor;       /* internal scratch that stays for the whole entry computation */
    const cg_value *home;     /* where the entry-level instruction being emitted puts its value */
    const hloc_shape *home_shape;
    cg_scope *plan_scope;     /* the entry's scope while it is emitted */
    const hloc_shape **home_keys; /* entry value shapes with a slot, by hash (buffers.c) */
    uint32_t *home_ids, home_cap;
    bool *home_given;         /* by instruction id: its slot was handed out */
    struct cg_slot *slots;    /* canonical pointer per arena offset (one GEP per offset) */
    uint32_t slot_cap;
    LLVMValueRef *scalar_fns; /* by computation id */
    hloc_status *err;         /* first error; sticky */
    uint32_t depth;           /* nesting of inlined computations */
    /* Parallel tasks (parallel.c). */
    LLVMValueRef body_opts;   /* the body's hloc_run_options pointer (may be null at run time) */
    uint32_t n_bufs;          /* body pointer arguments before scratch */
    uint32_t n_entry_params;
    cg_alias *aliases;        /* the entry's input_output_alias pairs (entry.c) */
    uint32_t n_aliases;
    cg_origin *origins;
    uint32_t n_origins, cap_origins;
    LLVMValueRef task_arg;    /* in a task function: its context array; NULL in the body */
    LLVMValueRef task_keys[64], task_vals[64];
    LLVMValueRef body_ctx, body_ctx_fn; /* the body's task context array (parallel.c) */
    uint32_t n_task_cache;
    /* Inside a row-blocked group (rows.c): materializations of instructions whose row_dim[id]
     * is their split dimension cover rows [row_lo, row_hi) only. NULL row_lo: not in a group. */
    const int8_t *row_dim;
    LLVMValueRef row_lo, row_hi;
    /* Buffers (as their values' ptr) whose rows the group reads from memory: vector loads from
     * them also prefetch the same element pf_rows rows (one block) ahead (vector.c). */
    LLVMValueRef pf_ptr[4];
    uint32_t pf_n;
    int64_t pf_rows;
    /* Non-temporal stores were emitted inside the group: rows.c fences once after its blocks. */
    bool nt_pending;
    /* Lanes of the explicitly vectorized elementwise loop being emitted (vector.c); 0 outside
     * one, where vectors have the fixed width that row reductions' summation order assumes. */
    uint32_t vec_lanes;
    /* Set by a row-blocked group (rows.c) around a member whose next member row-reduces it:
     * the member's vector loop may sum each row as it stores it (vector.c), and then says so. */
    struct cg_row_sum *row_sum;
    /* Set by a row-blocked group (rows.c) around its last member and then around the summed
     * loop of the member before: the last member's loop over the previous block is captured
     * instead of emitted, and the summed loop stores its elements as it goes (vector.c). */
    struct cg_trail *trail;
} cg;

/* A loop nest held back (rows.c): while |capture|, the materialization of |want| (a fusion's
 * root) records scope, instruction and buffer here instead of emitting its loops, for another
 * loop to compute on the way (cg_materialize_captured emits it alone otherwise). As the trail
 * of a row group (the last member, one block behind), a summed loop over rows r also stores
 * its element of row r - lag beside each of its own vectors, with streaming stores, and sets
 * |used|: the output's stores are spread through the arithmetic of the next block instead of
 * coming in a burst that waits on memory. */
typedef struct cg_trail {
    const hloc_instr *want;
    bool capture, used;
    cg_scope scope; /* a copy: the fusion's own scope lives only while it is emitted */
    const hloc_instr *i;
    const cg_value *dst;
    LLVMValueRef lag;
} cg_trail;

/* A row reduction (reduce of a [R, N] f32 array over N with a simple reducer) that the loop
 * storing its input may compute on the way: |reduce| reads |member| (a fusion: its root's loop),
 * its init operand in |scope|, its result goes to |dst|. |done| once the loop did it. With
 * |fused|, |reduce| is the root of a fusion (|scope| its scope) and reduces an elementwise
 * function of the member (layer norm's sum of squares), which the loop computes from each
 * element it has just stored. */
typedef struct cg_row_sum {
    const hloc_instr *member, *reduce;
    cg_scope *scope;
    const cg_value *dst;
    bool done, fused;
} cg_row_sum;

/* Records the first error (further ones are dropped). */
void cg_fail(cg *c, hloc_status_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cg_unsupported(cg *c, const hloc_instr *i, const char *what);

/* ---- types (types.c) ---- */
/* The type elements are computed in: pred i1; integers their storage width (sub-byte ints i8);
 * f16/bf16 f32; f32, f64 themselves. NULL (and an error) for types codegen does not handle. */
LLVMTypeRef cg_ctype(cg *c, hloc_type t);
bool cg_type_supported(hloc_type t);
/* Loads/stores element |off| (an i64 element offset) of a buffer of type |t| with conversion
 * between storage and compute type (bf16/f16 round to nearest even on store). */
LLVMValueRef cg_load(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off);
void cg_store(cg *c, hloc_type t, LLVMValueRef base, LLVMValueRef off, LLVMValueRef v);
/* Brings a compute-type value to what the HLO type can hold: rounds f32 to bf16/f16 precision,
 * wraps sub-byte integers. Every elementwise result goes through it. */
LLVMValueRef cg_fit(cg *c, hloc_type t, LLVMValueRef v);
/* Converts a compute value of type |from| to type |to| with XLA's semantics (saturating float→int
 * with NaN→0, int widening by signedness, pred as 0/1). */
LLVMValueRef cg_convert(cg *c, LLVMValueRef v, hloc_type from, hloc_type to);
LLVMValueRef cg_const_i64(cg *c, int64_t v);
LLVMValueRef cg_zero(cg *c, hloc_type t);
/* Constant of type t (compute type) from a double / an integer. */
LLVMValueRef cg_const_f(cg *c, hloc_type t, double v);
LLVMValueRef cg_const_int(cg *c, hloc_type t, int64_t v);

/* ---- layout helpers (loops.c) ---- */
/* Element offset of a logical multi-index in a buffer of shape |s| (its layout). */
LLVMValueRef cg_offset(cg *c, const hloc_shape *s, LLVMValueRef const *idx);
typedef struct cg_loop {
    LLVMBasicBlockRef header, body, exit, pre;
    LLVMValueRef iv;
} cg_loop;
/* for (iv = 0; iv < n; iv++) {...}: cg_loop_begin leaves the builder in the body. */
void cg_loop_begin(cg *c, cg_loop *l, LLVMValueRef n, const char *name);
void cg_loop_end(cg *c, cg_loop *l);
/* A loop nest over |rank| dims, outermost first in |order| (physical major-to-minor); idx[d] is
 * filled with the induction variable of dim d. Ends in the innermost body; close with
 * cg_nest_end. */
typedef struct cg_nest {
    cg_loop loops[HLOC_MAX_RANK];
    uint32_t n;
} cg_nest;
void cg_nest_begin(cg *c, cg_nest *nest, const hloc_shape *s, LLVMValueRef *idx);
void cg_nest_begin_dims(cg *c, cg_nest *nest, uint32_t rank, const int64_t *dims,
                        const uint8_t *major_to_minor, LLVMValueRef *idx);
void cg_nest_end(cg *c, cg_nest *nest);
/* An alloca in the entry block of the current function (so that mem2reg promotes it). */
LLVMValueRef cg_alloca(cg *c, LLVMTypeRef t, const char *name);
LLVMBasicBlockRef cg_block(cg *c, const char *name);
/* Attributes every emitted function carries (denormal mode, so that inlining stays legal). */
void cg_fn_attrs(cg *c, LLVMValueRef fn);
/* Does the target have the LLVM feature |f| ("avx2", "avx512f")? */
bool cg_has_feature(const cg *c, const char *f);
/* Clamps an i64 to [lo, hi]. */
LLVMValueRef cg_clamp_i64(cg *c, LLVMValueRef v, int64_t lo, int64_t hi);

/* ---- buffers (buffers.c) ---- */
/* Internal scratch: a fresh 64-byte-aligned block after the buffer plan's arena, as a pointer in
 * the current function. It stays valid until the entry-level instruction being emitted is done
 * (then its bytes are reused), so it suits work space (sort keys, GEMM packing panels) and the
 * values of nested computations. The module's arena size (metadata scratch_bytes) covers it. */
LLVMValueRef cg_alloc(cg *c, uint64_t bytes);
/* A buffer value for |shape| (tuples: a tree of buffers). For the shape of the entry-level
 * instruction being emitted (&i->shape) the first call returns that instruction's home (its slot
 * of the plan, or the result buffer it is computed into); otherwise internal scratch. */
cg_value *cg_alloc_value(cg *c, const hloc_shape *shape);
/* Internal scratch that lives until the end of the entry computation (rarely needed: an inline
 * value that a consumer needs whole, cached for later consumers). */
cg_value *cg_alloc_value_persistent(cg *c, const hloc_shape *shape);
/* Indexes the plan's slots by value shape (after c->plan is set). */
void cg_plan_index(cg *c);
/* The home of the instruction being emitted if |shape| is its shape (once), or the slot of
 * another entry instruction not emitted yet whose shape it is (once), else NULL. */
const cg_value *cg_take_home(cg *c, const hloc_shape *shape);
/* Plan bookkeeping around one entry-level instruction (emit.c): its home is the plan's slot (or
 * |out|, the result buffer it is computed into); afterwards its value is moved home if it ended
 * up elsewhere, and internal scratch is released. */
const cg_value *cg_plan_begin(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *out,
                              uint64_t *mark);
cg_value *cg_plan_end(cg *c, cg_scope *s, cg_value *v, const cg_value *home, uint64_t mark);
/* Copies |src| into the buffers of |dst| (same shape; layouts may differ). */
void cg_copy_value(cg *c, cg_scope *s, const cg_value *src, const cg_value *dst);
cg_value *cg_buffer_value(cg *c, LLVMValueRef ptr, const hloc_shape *shape);

/* ---- parallel tasks (parallel.c) ---- */
void cg_note_origin(cg *c, LLVMValueRef v, int32_t arg, int64_t off);
/* A buffer pointer usable in the function being emitted (remapped inside task functions). */
LLVMValueRef cg_base(cg *c, LLVMValueRef p);
/* Emits a loop over [lo, hi) of one dimension of a region; everything else it needs comes from
 * the scope and |arg|. */
typedef void (*cg_range_fn)(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst,
                            LLVMValueRef lo, LLVMValueRef hi, void *arg);
/* Runs fn over [0, n): when |work| (elements times inner work) is large and the caller supplied a
 * parallel_for, as tasks of a separate function; otherwise inline on this thread. */
void cg_parallel(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int64_t n, double work,
                 cg_range_fn fn, void *arg);
/* Element operations (a load or an add: 1, exp: 20, ...) to generate one element of |i|,
 * following its inline operands: the per-element factor of cg_parallel's work. */
double cg_elem_cost(const cg_scope *s, const hloc_instr *i);
/* cg_nest_begin with dimension |split| restricted to [lo, hi) (split < 0: none). */
void cg_nest_begin_split(cg *c, cg_nest *nest, const hloc_shape *s, LLVMValueRef *idx, int split,
                         LLVMValueRef lo, LLVMValueRef hi);
/* The first dimension in physical major-to-minor order with more than one element, or -1. */
int cg_split_dim(const hloc_shape *s);
void cg_loop_begin_range(cg *c, cg_loop *l, LLVMValueRef lo, LLVMValueRef hi, const char *name);

/* ---- elemental emission (elemental.c) ---- */
/* The element of |i| at logical index |idx| (rank of i's shape; ignored for rank 0), in compute
 * type. Loads materialized values, generates inline ones. */
LLVMValueRef cg_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx);
/* Same, for operand k of |i| at an index of the operand's rank. */
LLVMValueRef cg_operand(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, LLVMValueRef const *idx);
/* The generator itself (ignores any materialized value of |i|). */
LLVMValueRef cg_generate(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx);
bool cg_is_elemental(const hloc_instr *i);
/* Fills |dst| (a buffer of i's shape) with i's elements through a loop nest. */
void cg_materialize_elemental(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
/* The loop nest a capture (cg_trail) held back, over rows [lo, hi) of its split dimension. */
void cg_materialize_captured(cg *c, struct cg_trail *t, LLVMValueRef lo, LLVMValueRef hi);

/* ---- explicit vectorization (vector.c) ---- */
/* Emits the materialization loop of |i| into |dst| (dimension |split| restricted to [lo, hi),
 * split < 0: none) with f32 vectors along the contiguous dimension, if every generator involved
 * can be; returns false, having emitted nothing, otherwise. */
bool cg_vector_materialize(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, int split,
                           LLVMValueRef lo, LLVMValueRef hi);
/* Would stores of a row group's member into |dst| stream (large, an entry result, rows of whole
 * vectors)? */
bool cg_vector_streams(cg *c, const cg_value *dst);
/* The reduce |i| at output index |idx| with vector accumulators, when it reduces its input's
 * contiguous dimension with a simple f32 reducer; false (nothing emitted) otherwise. */
bool cg_vector_row_reduce(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx, LLVMValueRef *out);
/* The root of |comp| when it is one f32 add, multiply, maximum or minimum of its two parameters. */
const hloc_instr *cg_simple_reducer(const hloc_computation *comp);

/* ---- row-blocked groups (rows.c) ---- */
/* If a row-blocked group of the entry computation starts at instruction |k|, emits it (and the
 * parameters and constants among its instructions) and returns the index after it; else returns
 * k, having emitted nothing. */
uint32_t cg_rows_emit(cg *c, cg_scope *s, const hloc_computation *comp, uint32_t k,
                      cg_value *const *params, const cg_value *const *hints);
/* Marks in |temp| (by instruction id) the members of |comp|'s groups that cg_rows_emit will keep
 * in blocks of rows on the stack, from the choices it will emit with (|hints|, |inl|): the
 * buffer plan gives them no storage. */
void cg_rows_temps(cg *c, const hloc_computation *comp, const cg_value *const *hints, const bool *inl, bool *temp);

/* ---- computations (emit.c) ---- */
/* Codegen's choices for |comp| before emission: which root leaves are computed straight into
 * |root_dst| (hints, by instruction id) and which values are generated inside their consumers
 * (inl). The entry's buffer plan is made from them. */
void cg_scope_choices(cg *c, const hloc_computation *comp, const cg_value *root_dst,
                      const cg_value **hints, bool *inl);
/* Emits one instruction of scope |s| (into |hint| when it fits), never as an inline value. */
cg_value *cg_emit_instr(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *hint);
/* Emits |comp| in a new scope with the given parameter values; returns the root's value. */
cg_value *cg_emit_computation(cg *c, const hloc_computation *comp, cg_value *const *params);
/* Same, computing the root's value into |dst| (its leaves directly where possible). */
cg_value *cg_emit_computation_into(cg *c, const hloc_computation *comp, cg_value *const *params,
                                   const cg_value *dst);
/* Same, computing the root's leaves into the leaves of |dst| that are buffers where they can be
 * (CGV_NONE leaves: no destination) and returning the root's value wherever it is. */
cg_value *cg_emit_computation_hinted(cg *c, const hloc_computation *comp, cg_value *const *params,
                                     const cg_value *dst);
/* The internal function for a scalar computation (reducers, comparators, combiners): takes the
 * parameters in compute type, returns the root (a struct for tuple roots). */
LLVMValueRef cg_scalar_fn(cg *c, const hloc_computation *comp);
/* Calls it; results[k] receives root leaf k. */
void cg_call_scalar(cg *c, const hloc_computation *comp, LLVMValueRef const *args, uint32_t n_args,
                    LLVMValueRef *results);
cg_value *cg_value_of(cg *c, cg_scope *s, const hloc_instr *i);

/* ---- per-opcode emitters ---- */
LLVMValueRef cg_elementwise(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* ew.c */
/* The elementwise op |i| on operand values |x| (compute type; for the ops cg_ew_vectorizable
 * accepts, also vectors of it). */
LLVMValueRef cg_ew_apply(cg *c, const hloc_instr *i, const LLVMValueRef *x);
/* f32 ops whose cg_ew_apply takes vectors (no libm call, no per-type special cases). */
bool cg_ew_vectorizable(const hloc_instr *i);
LLVMValueRef cg_shape_op(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx);  /* shapeops.c */
/* Scalar operand |operand| of |i| as an i64 start index, clamped to [0, dim - size]. */
LLVMValueRef cg_dynamic_start(cg *c, cg_scope *s, const hloc_instr *i, uint32_t operand, int64_t dim,
                              int64_t size);
LLVMValueRef cg_reduce_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* reduce.c */
void cg_emit_reduce(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
LLVMValueRef cg_reduce_window_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* window.c */
void cg_emit_reduce_window(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_select_and_scatter(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_dot(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);      /* dot.c */
/* An output fusion |f| (a dot or convolution under elementwise consumers) as one GEMM whose
 * kernel applies the consumers as it stores C, into |into| (gemm_epilogue.c); false: nothing
 * was emitted. */
bool cg_gemm_fusion(cg *c, const hloc_instr *f, cg_value *const *args, const cg_value *into);
LLVMValueRef cg_conv_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* conv.c */
bool cg_conv_in_place_ok(const hloc_instr *i);
/* The input position that output position |out| reads at window offset |wi| of window dim |wd|
 * (stride, padding, both dilations); ANDs into |ok| whether it lies inside the input's |in_size|. */
LLVMValueRef cg_conv_input_pos(cg *c, const hloc_window_dim *wd, LLVMValueRef out, LLVMValueRef wi,
                               int64_t in_size, LLVMValueRef *ok);
LLVMValueRef cg_conv_batch_group_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* conv_batch_group.c */
void cg_emit_conv(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
LLVMValueRef cg_gather_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* gather.c */
void cg_emit_scatter(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_dus(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_sort(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);     /* sort.c */
/* topk and the TopK custom-call: (values, indices) of the k first elements of each row by
 * |cmp| (a comparator computation) or, when it is NULL, by total order (largest or smallest). */
void cg_emit_topk(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst,
                  const hloc_computation *cmp, int64_t k, bool largest);
LLVMValueRef cg_batch_norm_inference_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx); /* batchnorm.c */
void cg_emit_batch_norm_training(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_batch_norm_grad(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_custom_call(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst); /* custom.c */
void cg_emit_rng_bit_generator(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst); /* rng.c */
void cg_emit_rng(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
void cg_emit_cholesky(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);          /* linalg.c */
void cg_emit_triangular_solve(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);
/* Work arrays of linalg.c and fft.c: row-major f64, or complex as <2 x double>. */
LLVMTypeRef cg_wtype(cg *c, bool cx);
LLVMValueRef cg_wload(cg *c, bool cx, LLVMValueRef base, LLVMValueRef e);
void cg_wstore(cg *c, bool cx, LLVMValueRef base, LLVMValueRef e, LLVMValueRef v);
LLVMValueRef cg_wmul(cg *c, bool cx, LLVMValueRef a, LLVMValueRef b);
/* Copies operand k of |i| into |work| (row-major, converted to f64 or c128). */
void cg_pack(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, bool cx, LLVMValueRef work);
/* Stores |work| into |dst| (its type and layout): element idx of dst comes from row-major
 * work[..., idx[last]] whose last dimension has |src_last| entries, divided by |div| (1: not). */
void cg_unpack(cg *c, LLVMValueRef work, bool cx, const cg_value *dst, int64_t src_last, double div);
void cg_emit_fft(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);               /* fft.c */
cg_value *cg_emit_while(cg *c, cg_scope *s, const hloc_instr *i);                    /* control.c */
cg_value *cg_emit_conditional(cg *c, cg_scope *s, const hloc_instr *i);

/* ---- math (math.c): vectorizable polynomial approximations, f32 or f64 compute values ---- */
LLVMValueRef cg_math_exp(cg *c, LLVMValueRef x);
LLVMValueRef cg_math_log(cg *c, LLVMValueRef x);
LLVMValueRef cg_math_tanh(cg *c, LLVMValueRef x);
LLVMValueRef cg_math_erf(cg *c, LLVMValueRef x);
LLVMValueRef cg_math_sin(cg *c, LLVMValueRef x);
LLVMValueRef cg_math_cos(cg *c, LLVMValueRef x);
/* Calls an LLVM intrinsic overloaded on the type of its first argument. */
LLVMValueRef cg_intrinsic(cg *c, const char *name, LLVMValueRef const *args, unsigned n);
/* Same, with the overload types given explicitly. */
LLVMValueRef cg_intrinsic_t(cg *c, const char *name, LLVMTypeRef const *types, unsigned n_types,
                            LLVMValueRef const *args, unsigned n);
/* Calls the libm function |name| (f suffix added for f32) on one or two arguments. */
LLVMValueRef cg_libm(cg *c, const char *name, LLVMValueRef const *args, unsigned n);

#endif
