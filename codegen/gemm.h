/* GEMM in generated code, for dot and convolution: C[b] (+)= A[b] * B[b] over strided operands.
 * A module gets, once per (accumulation type, A type, B type), a register-blocked micro-kernel
 * (gemm_kernel.c), packing routines that copy operand blocks into panels (gemm_pack.c) and a
 * blocked driver that a thread-pool task runs over a tile of C (gemm_driver.c). Each call site
 * only fills an argument block and calls the driver, so a module with many dots compiles fast.
 *
 * Results do not depend on the thread count: threads split M, N and the batch, never K, and every
 * element of C is summed in the same order whichever task computes it. */
#ifndef HLOC_CODEGEN_GEMM_H
#define HLOC_CODEGEN_GEMM_H

#include "cg.h"

/* Register and cache blocking for one accumulation type on the target. */
typedef struct gemm_cfg {
    hloc_type ct;     /* accumulation (and packed panel) type: f32 or f64 */
    uint32_t vl;      /* elements per vector */
    uint32_t mr, nv;  /* micro-tile: mr rows x nv vectors (nr = nv * vl columns) */
    uint32_t nr;
    int64_t kc, mc, nc; /* cache blocks: kc x nc of B, mc x kc of A */
} gemm_cfg;

/* An output fusion's elementwise consumers of the product, applied to each element of C as it is
 * stored (gemm_epilogue.c). */
typedef struct gemm_epilogue gemm_epilogue;

/* The module's micro-kernel for |g|: void(i64 kc, ptr pa, i64 lda, ptr pb, i64 ldb, ptr c, i64 ldc,
 * i32 flags, ptr ep, i64 off, i64 col, ptr src, i64 row) computes a full mr x nr tile from mr rows
 * of A lda elements apart (k contiguous: a packed panel, lda = kc) and nr-wide rows of B ldb
 * elements apart (a packed panel: ldb = nr; B itself when packing does not pay) and stores it to c
 * (row stride ldc, unit column stride). flags: 1 adds the partial sums at src (at c when src is
 * NULL; else another buffer laid out as c, that c does not overlap); 2 (the last K block) asks an
 * epilogue kernel for its epilogue, whose leaves are the pointers ep[], the tile's first element
 * being element |off| of C, in row |row| and column |col| (the plain kernel ignores those). */
enum { GEMM_KERNEL_NPARAMS = 13 };
LLVMValueRef gemm_kernel_fn(cg *c, const gemm_cfg *g);
/* A kernel with the same parameters that applies |e| (flag 2): the plain kernel's tile, then
 * |edge| (gemm_edge_fn for |e|) adds the partial sums and applies |e| vector by vector. */
LLVMValueRef gemm_kernel_ep_fn(cg *c, const gemm_cfg *g, const gemm_epilogue *e, LLVMValueRef edge);
void gemm_kernel_params(cg *c, LLVMTypeRef *p);

/* The module's packing routines for |g| reading elements of storage type |t|:
 * pack A: void(ptr src, i64 rs, i64 cs, i64 rows, i64 kc, ptr dst) copies rows x kc elements into
 *   mr-row panels (panel p: mr rows of kc values), zero-filling rows past |rows|;
 * pack B: void(ptr src, i64 rs, i64 cs, i64 kc, i64 cols, ptr dst) copies kc x cols elements into
 *   nr-column panels (panel p: kc rows of nr values), zero-filling columns past |cols|.
 * rs and cs are element strides of rows and columns. */
LLVMValueRef gemm_pack_a_fn(cg *c, const gemm_cfg *g, hloc_type t);
LLVMValueRef gemm_pack_b_fn(cg *c, const gemm_cfg *g, hloc_type t);

/* A batched strided product. Strides are in elements; sizes are compile-time here. C is of type
 * g->ct and is overwritten (K > 0 is required). */
typedef struct gemm_call {
    hloc_type at, bt;
    int64_t m, n, k, batch;
    LLVMValueRef a, b, c;          /* base pointers in the current function */
    int64_t a_rs, a_cs, a_bs;      /* A[m][k] of batch b at a + b*a_bs + m*a_rs + k*a_cs */
    int64_t b_rs, b_cs, b_bs;      /* B[k][n] */
    int64_t c_rs, c_cs, c_bs;      /* C[m][n] */
    /* NULL, or a routine that packs A blocks itself, with pack A's signature but called as
     * (a + batch offset, first row, first column, rows, kc, dst): convolutions (gemm_conv.c). */
    LLVMValueRef pack_a;
    /* NULL, or an output fusion's kernel, edge routine and leaf pointer array, which apply its
     * elementwise consumers as C is stored (gemm_epilogue_attach). */
    LLVMValueRef epi_kernel, epi_edge, epi_leaves;
    /* NULL, or the output fusion's kernel for M's last M % mr rows (gemm_epilogue_attach). */
    LLVMValueRef epi_kshort;
    /* NULL (partial sums of a split K go through C), or a buffer laid out as C that holds them
     * instead, so that C is written once, by the last K block: an epilogue then still reads
     * arrays that C overlaps (an in-place residual) intact. */
    LLVMValueRef partial;
} gemm_call;

/* The blocking for accumulation type |ct| on the codegen's target (its CPU features), for the
 * product |x| (its m, n, k and batch). */
gemm_cfg gemm_cfg_for(const cg *c, hloc_type ct, const gemm_call *x);

/* The edge routine for |g| (shared when |e| is NULL): void(ptr tile, i64 nrows, i64 ncols, ptr c,
 * i64 crs, i64 ccs, i32 flags, ptr ep, i64 off, i64 col, ptr src, i64 row) stores the nrows x
 * ncols part of a tile computed into |tile| (row stride nr) to c, with the kernel's flags, src and
 * position. */
enum { GEMM_EDGE_NPARAMS = 12 };
LLVMValueRef gemm_edge_fn(cg *c, const gemm_cfg *g, const gemm_epilogue *e);
void gemm_edge_params(cg *c, LLVMTypeRef *p);

/* K up to this many elements is one block (a short second block costs a pass over C). */
int64_t gemm_k_single(const gemm_cfg *g);

/* The epilogue |e| of |n| values |v| (a vector of n, or a scalar when n is 1) of C in one row, the
 * first at element |off| of C, in row |row| and column |col|, with the leaf pointers |ep|. */
LLVMValueRef gemm_epilogue_emit(cg *c, const gemm_epilogue *e, LLVMValueRef ep, LLVMValueRef v, LLVMValueRef off,
                                LLVMValueRef row, LLVMValueRef col, unsigned n);

/* Emits the product at the builder's position: on the thread pool of the run options when the
 * work is large enough and the caller gave one, else on this thread. */
void gemm_emit(cg *c, const gemm_cfg *g, const gemm_call *x);

/* Convolution by implicit GEMM (gemm_conv.c): whether |i| takes that path, and the emission
 * into |dst| (false: nothing was emitted, use another path). */
bool cg_conv_gemm_ok(const hloc_instr *i);
bool cg_conv_gemm(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst);

/* A prefetch of the cache line at |p| (for writing or reading). */
void gemm_prefetch(cg *c, LLVMValueRef p, bool write);
/* Prefetches, for reading, the elements at C offset |off| of |e|'s arrays read at C's offsets. */
void gemm_epilogue_prefetch(cg *c, const gemm_epilogue *e, LLVMValueRef ep, LLVMValueRef off);

/* Whether |e| may ride on the product |x| with blocking |g|, and the kernel, edge routine and
 * leaf pointers of |x| for it (emitted at the builder's position in the body). */
bool gemm_epilogue_fits(const cg *c, const gemm_epilogue *e, const gemm_cfg *g, const gemm_call *x);
void gemm_epilogue_attach(cg *c, const gemm_cfg *g, const gemm_epilogue *e, gemm_call *x);

/* The product |i| into |dst| with the epilogue |e| (false: nothing was emitted). */
bool cg_conv_gemm_epi(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const gemm_epilogue *e);

/* Views (gemm_view.c): slices, reshapes and transposes that a GEMM reads or writes through. */
bool gemm_view_op(const hloc_instr *i);
/* Element strides |st| of |i|'s dims and the offset |off| of its first element in the buffer of
 * |src|, whose dims have strides |src_st|, where |i| is a chain of views of |src| (false: not one,
 * or not a strided one). */
bool gemm_view_down(const hloc_instr *i, const hloc_instr *src, const int64_t *src_st, int64_t *st, int64_t *off,
                    uint32_t depth);
/* Element strides |st| of |prod|'s dims in the buffer of |root|, whose dims have strides
 * |root_st|, where |root| is a chain of reshapes and transposes of |prod| (false: not one, or not
 * a strided one). */
bool gemm_view_up(const hloc_instr *root, const hloc_instr *prod, const int64_t *root_st, int64_t *st,
                  uint32_t depth);
/* The element strides of |s|'s dims in its layout. */
void gemm_dense_strides(const hloc_shape *s, int64_t *st);

/* A dot operand or result read or written in place: its first element and the element strides of
 * its logical dims. */
typedef struct gemm_strided {
    LLVMValueRef ptr;
    int64_t st[HLOC_MAX_RANK];
} gemm_strided;
/* The product |i| with operands and result (each NULL: its own buffer, dst for the result) at
 * strided places, and the epilogue |e| (may be NULL); false: nothing was emitted. */
bool cg_dot_gemm_strided(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, const gemm_strided *a,
                         const gemm_strided *b, const gemm_strided *out, const gemm_epilogue *e);

/* Shared emission of internal functions: begins |fn| (entry block, builder in it) and returns the
 * state to restore with gemm_fn_end. */
typedef struct gemm_saved {
    LLVMValueRef fn, task_arg;
    LLVMBasicBlockRef bb;
    uint32_t n_task_cache;
} gemm_saved;
LLVMValueRef gemm_fn_begin(cg *c, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, unsigned n,
                           gemm_saved *saved);
void gemm_fn_end(cg *c, const gemm_saved *saved);
/* Marks pointer parameter |k| of |fn| noalias. */
void gemm_noalias(cg *c, LLVMValueRef fn, unsigned k);

#endif
