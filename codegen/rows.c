/* Row-blocked groups: a run of top-level fusions and reduces of the entry computation that all
 * have R rows (dimension 0, the outermost in memory) and where row r of each depends only on row
 * r of the others (softmax: max, exp, sum, divide; layer norm: mean, centre, variance, scale) is
 * emitted as one loop over blocks of B rows that runs every member on the block before moving on.
 * A block's rows stay in L1 between members, so the input is read from memory once instead of
 * once per member. Results still go to full-size buffers (later instructions read them).
 *
 * Each member computes exactly the elements it computes alone, in the same order (a reduce
 * reduces its whole row inside one block), so results are identical to ungrouped emission and
 * independent of the thread count; blocks are split across threads, never rows. The analysis
 * (walk) proves the row-to-row mapping through the fused computations: elementwise ops,
 * broadcasts, row-preserving reshapes and reduces that keep dimension 0; anything else ends the
 * group. Instructions inside the fusions that get materialized are restricted to the block's rows
 * too when they carry the row (cg_materialize_elemental reads c->row_dim).
 * Large inputs read from memory are prefetched one block ahead by the members' vector loads
 * (vector.c), so the next block's reads overlap this block's compute. A member that the next
 * member row-reduces (softmax's exp, then its sum), directly or inside a fusion (layer norm's
 * sum of squares), sums each row in the loop that stores it, in the reduction's own order, and
 * the reduction's pass over the block is saved. The last member may trail a block behind
 * (choose_trailing), its streaming stores made from inside that loop of the next block.
 * Members read only inside the group live in blocks on the stack and take no scratch (the
 * buffer plan learns which from cg_rows_temps).
 * Buffers: every member and every operand of a member is live for the whole group (block b of
 * one member runs after block b+1's rows of an earlier one were written): a buffer planner that
 * reuses memory must not give any two of them overlapping blocks. */
#include <string.h>

#include "cg.h"

enum {
    /* The bytes of one block over all members (an input read by two counts twice): what the
     * block really holds (each input once, temporaries; large outputs stream past the cache)
     * stays within L1, so that each member after the first reads it from there, and a block
     * has rows enough that one row's horizontal reduction overlaps the next row's loop instead
     * of stalling the member after it. Softmax of 1024 columns gets 3 rows (1 row: 12% slower,
     * 6: 3%), layer norm of 768 gets 4 (1: 15-20% slower, 6: 6%), on Zen 5. */
    BLOCK_BYTES = 56 << 10,
    MAX_TEMP_BYTES = 128 << 10, /* block buffers on the stack of a task (any thread), at most */
    MAX_MEMBERS = 32,
    MAX_WALK = 4096,
    PREFETCH_MIN_BYTES = 1 << 20, /* inputs this large come from memory, not from a cache */
};

typedef struct group {
    const hloc_instr *m[MAX_MEMBERS];
    cg_value *dst[MAX_MEMBERS];
    /* Members read only inside the group live in one block of rows on the stack of whoever
     * runs the block: dst is then NULL and row_bytes the size of one row. */
    bool temp[MAX_MEMBERS];
    int64_t row_bytes[MAX_MEMBERS];
    uint32_t n;
    int64_t rows, block;
    /* The last member trails one block behind (cg_trail): block divides rows, and temporary
     * members hold two blocks. */
    bool trails;
    int8_t *rd; /* by instruction id: the dimension carrying the row, -1 none, -2 not reached */
} group;

static bool walk(const hloc_instr *i, int d, int8_t *rd, int64_t rows, int *budget) {
    if (--*budget < 0) return false;
    if (rd[i->id] != -2) return rd[i->id] == d;
    rd[i->id] = (int8_t)d;
    if (d >= 0 && (!hloc_shape_is_array(&i->shape) || (uint32_t)d >= i->shape.rank ||
                   i->shape.dims[d] != rows || cg_split_dim(&i->shape) != d))
        return false;
    if (hloc_opcode_flags(i->op) & OPF_EW) {
        for (uint32_t k = 0; k < i->n_operands; k++) {
            const hloc_instr *o = i->operands[k];
            if (!walk(o, o->shape.rank == i->shape.rank ? d : -1, rd, rows, budget)) return false;
        }
        return true;
    }
    switch (i->op) {
    case HLOC_OP_PARAMETER: case HLOC_OP_CONSTANT: case HLOC_OP_IOTA:
        return true;
    case HLOC_OP_BROADCAST: {
        int od = -1;
        for (uint32_t k = 0; k < i->attrs->dims.n; k++)
            if (i->attrs->dims.v[k] == d) od = (int)k;
        return walk(i->operands[0], d < 0 ? -1 : od, rd, rows, budget);
    }
    case HLOC_OP_RESHAPE: case HLOC_OP_BITCAST: {
        /* Logical row-major order: with the same leading dimension, row r is the same elements. */
        const hloc_instr *o = i->operands[0];
        if (d < 0) return walk(o, -1, rd, rows, budget);
        return d == 0 && o->shape.rank >= 1 && o->shape.dims[0] == rows && walk(o, 0, rd, rows, budget);
    }
    case HLOC_OP_REDUCE: {
        if (i->n_operands != 2 || !hloc_shape_is_array(&i->shape)) return false;
        const hloc_instr *in = i->operands[0];
        int id = -1;
        for (uint32_t k = 0, od = 0; k < in->shape.rank; k++) {
            bool red = false;
            for (uint32_t j = 0; j < i->attrs->dims.n; j++) red = red || i->attrs->dims.v[j] == (int64_t)k;
            if (red) continue;
            if ((int)od++ == d) id = (int)k;
        }
        if (d >= 0 && id < 0) return false;
        return walk(in, d < 0 ? -1 : id, rd, rows, budget) && walk(i->operands[1], -1, rd, rows, budget);
    }
    default:
        return false;
    }
}

static bool is_member(const group *g, const hloc_instr *i) {
    for (uint32_t k = 0; k < g->n; k++)
        if (g->m[k] == i) return true;
    return false;
}

/* Does the top-level |i| fit the shape of a member (R rows along its outermost dimension)? */
static bool candidate(const hloc_instr *i, int64_t rows) {
    if (i->dead || !hloc_shape_is_array(&i->shape) || i->shape.rank < 1 || i->shape.dims[0] != rows ||
        cg_split_dim(&i->shape) != 0)
        return false;
    if (i->op == HLOC_OP_REDUCE) return i->n_operands == 2;
    if (i->op != HLOC_OP_FUSION || i->n_called != 1 || !i->called[0]->root) return false;
    const hloc_instr *r = i->called[0]->root;
    return cg_is_elemental(r) && r->op != HLOC_OP_PARAMETER && r->op != HLOC_OP_BITCAST;
}

/* Which instructions before a group are whole values (try_add): emitting, those in |s| that are
 * not inline; planning (cg_rows_temps), those that will not be: not inlined, or computed into a
 * destination (|hints|). */
typedef struct values_before {
    const cg_scope *s;
    const bool *inl;
    const cg_value *const *hints;
} values_before;

static bool whole_value(const values_before *vb, const hloc_instr *o) {
    if (!vb->s) return !vb->inl[o->id] || vb->hints[o->id];
    const cg_value *v = vb->s->vals[o->id];
    return v && v->kind != CGV_INLINE && v->kind != CGV_NONE;
}

/* Adds |i| to the group if its rows map to the members' rows; leaves g->rd as it was if not. */
static bool try_add(const values_before *vb, group *g, const hloc_instr *i, int8_t *saved, uint32_t n_ids) {
    if (g->n == MAX_MEMBERS || !candidate(i, g->rows)) return false;
    /* Operands from before the group must be whole values already (not generated inline, which
     * would materialize them inside the block loop). */
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_instr *o = i->operands[k];
        if (is_member(g, o)) continue;
        if (o->op == HLOC_OP_PARAMETER || o->op == HLOC_OP_CONSTANT) continue; /* emitted first */
        if (!whole_value(vb, o)) return false;
    }
    memcpy(saved, g->rd, n_ids);
    int budget = MAX_WALK;
    bool ok;
    if (i->op == HLOC_OP_REDUCE) {
        /* Top level: the walk stops at the operands, which are values. */
        const hloc_instr *in = i->operands[0];
        int id = -1;
        for (uint32_t k = 0; k < in->shape.rank && id < 0; k++) {
            bool red = false;
            for (uint32_t j = 0; j < i->attrs->dims.n; j++) red = red || i->attrs->dims.v[j] == (int64_t)k;
            if (!red) id = (int)k;
        }
        ok = !is_member(g, i->operands[1]) && (!is_member(g, in) || id == 0);
        g->rd[i->id] = 0;
    } else {
        const hloc_computation *fc = i->called[0];
        ok = fc->n_params == i->n_operands && walk(fc->root, 0, g->rd, g->rows, &budget);
        for (uint32_t k = 0; ok && k < fc->n_params; k++) {
            int8_t pd = g->rd[fc->params[k]->id];
            if (is_member(g, i->operands[k]) && pd != 0 && pd != -2) ok = false;
        }
    }
    if (!ok) {
        memcpy(g->rd, saved, n_ids);
        return false;
    }
    g->m[g->n++] = i;
    return true;
}

/* Rows [r0, r0 + block) of the block that starts at r0 (clipped to the rows), and the members'
 * values for it: a temporary member's block of rows on the stack (the half of two blocks that
 * alternate when the group trails, so that the block before stays whole), viewed so that its
 * absolute rows index it. */
typedef struct block_at {
    LLVMValueRef r0, r1;
    const cg_value *mdst[MAX_MEMBERS];
} block_at;

static block_at block_values(cg *c, const group *g, LLVMValueRef const *tbuf, LLVMValueRef r0) {
    block_at b = {.r0 = r0};
    LLVMValueRef r1 = LLVMBuildAdd(c->b, r0, cg_const_i64(c, g->block), "");
    LLVMValueRef big = LLVMBuildICmp(c->b, LLVMIntSGT, r1, cg_const_i64(c, g->rows), "");
    b.r1 = LLVMBuildSelect(c->b, big, cg_const_i64(c, g->rows), r1, "");
    /* the block's first row in the stack buffer: 0, or block when trailing and b is odd */
    LLVMValueRef first = g->trails ? LLVMBuildURem(c->b, r0, cg_const_i64(c, 2 * g->block), "") : cg_const_i64(c, 0);
    for (uint32_t k = 0; k < g->n && !c->err; k++) {
        b.mdst[k] = g->dst[k];
        if (!g->temp[k]) continue;
        LLVMValueRef off = LLVMBuildMul(c->b, LLVMBuildSub(c->b, first, r0, ""), cg_const_i64(c, g->row_bytes[k]), "");
        b.mdst[k] = cg_buffer_value(c, LLVMBuildGEP2(c->b, c->t_i8, tbuf[k], &off, 1, "rows"), &g->m[k]->shape);
    }
    return b;
}

static void enter_block(cg *c, cg_scope *s, const group *g, const block_at *b) {
    c->row_lo = b->r0;
    c->row_hi = b->r1;
    for (uint32_t k = 0; k < g->n; k++)
        if (g->temp[k] && b->mdst[k]) s->vals[g->m[k]->id] = (cg_value *)b->mdst[k];
}

/* Is |next| a fusion that row-reduces an elementwise function of |m| (layer norm's variance:
 * reduce(x·x) of the centred rows), each of its other instructions used once, so inline (nothing
 * of it is materialized before m's loop, which computes it on the way: cg_row_sum.fused)? */
static bool fused_row_sum_of(const hloc_instr *next, const hloc_instr *m) {
    if (next->op != HLOC_OP_FUSION || next->n_called != 1 || !next->called[0]->root) return false;
    const hloc_computation *fc = next->called[0];
    const hloc_instr *root = fc->root;
    bool reads = false;
    for (uint32_t k = 0; k < next->n_operands; k++) reads = reads || next->operands[k] == m;
    if (!reads || root->op != HLOC_OP_REDUCE || root->n_operands != 2 || hloc_shape_is_tuple(&root->shape) ||
        root->operands[1]->op != HLOC_OP_CONSTANT)
        return false;
    for (uint32_t k = 0; k < fc->n_instrs; k++) {
        const hloc_instr *i = fc->instrs[k];
        if (i->dead || i == root || i->op == HLOC_OP_PARAMETER || i->op == HLOC_OP_CONSTANT) continue;
        if (i->n_users != 1 || !((hloc_opcode_flags(i->op) & OPF_EW) || i->op == HLOC_OP_BROADCAST)) return false;
    }
    return true;
}

/* Emits members [from, to) on block |b|. With |prev| (the group trails, and prev is the block
 * before), the last member's loop over prev is captured first and then stored from inside the
 * summed loop of the member two before it (cg_trail), or, if that loop takes no trail, emitted
 * on its own after it. A member whose next one is a fusion reducing its rows (fused_row_sum_of)
 * has that reduction held back the same way and summed in its loop. */
static void emit_members(cg *c, cg_scope *s, const group *g, const block_at *b, uint32_t from, uint32_t to,
                         const block_at *prev) {
    enter_block(c, s, g, b);
    for (uint32_t k = from; k < to && !c->err; k++) {
        /* A member that the next one row-reduces (softmax's exp and its sum): its loop may sum
         * the rows as it stores them, and then the reduce has nothing left to do. */
        const hloc_instr *next = k + 1 < g->n ? g->m[k + 1] : NULL;
        cg_row_sum rs = {g->m[k], next, s, b->mdst[k + 1 < g->n ? k + 1 : k], false, false};
        bool sums = next && next->op == HLOC_OP_REDUCE && next->operands[0] == g->m[k];
        cg_trail t = {0};
        if (prev && k + 3 == g->n) {
            /* the last member on the block before, captured (its row values, 1/sum, now) */
            const hloc_instr *last = g->m[g->n - 1];
            enter_block(c, s, g, prev);
            t = (cg_trail){.want = last->called[0]->root, .capture = true, .lag = cg_const_i64(c, g->block)};
            c->trail = &t;
            cg_emit_instr(c, s, last, g->dst[g->n - 1]);
            c->trail = NULL;
            enter_block(c, s, g, b);
        }
        cg_trail fr = {0}; /* the next member's fused row reduction, held back */
        if (!sums && next && fused_row_sum_of(next, g->m[k])) {
            fr = (cg_trail){.want = next->called[0]->root, .capture = true};
            c->trail = &fr;
            cg_emit_instr(c, s, next, b->mdst[k + 1]);
            c->trail = NULL;
            /* fused_row_sum_of promised that nothing of it was computed yet */
            const hloc_computation *fc = next->called[0];
            bool inline_only = fr.i != NULL;
            for (uint32_t j = 0; j < fc->n_instrs && inline_only; j++) {
                const hloc_instr *x = fc->instrs[j];
                const cg_value *v = fr.scope.vals[x->id];
                if (!x->dead && x != fc->root && x->op != HLOC_OP_PARAMETER && x->op != HLOC_OP_CONSTANT)
                    inline_only = v && v->kind == CGV_INLINE;
            }
            if (!inline_only) {
                cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: '%s' was not held back for its row group", next->name);
                return;
            }
            rs = (cg_row_sum){g->m[k], fr.i, &fr.scope, fr.dst, false, true};
            sums = true;
        }
        c->row_sum = sums ? &rs : NULL;
        c->trail = t.i ? &t : NULL;
        cg_emit_instr(c, s, g->m[k], b->mdst[k]);
        c->row_sum = NULL;
        c->trail = NULL;
        if (t.i && !t.used) {
            enter_block(c, s, g, prev);
            cg_materialize_captured(c, &t, prev->r0, prev->r1);
            enter_block(c, s, g, b);
        }
        if (fr.i && !rs.done) cg_materialize_captured(c, &fr, b->r0, b->r1);
        if (rs.done || fr.i) k++;
    }
}

static void group_range(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst, LLVMValueRef lo,
                        LLVMValueRef hi, void *arg) {
    (void)i, (void)dst;
    group *g = arg;
    LLVMValueRef tbuf[MAX_MEMBERS] = {0};
    for (uint32_t k = 0; k < g->n; k++) {
        if (!g->temp[k]) continue;
        uint64_t rows = (uint64_t)g->block * (g->trails ? 2 : 1);
        tbuf[k] = cg_alloca(c, LLVMArrayType2(c->t_i8, rows * (uint64_t)g->row_bytes[k]), "rowtmp");
        LLVMSetAlignment(tbuf[k], 64);
    }
    c->row_dim = g->rd;
    c->pf_n = 0;
    c->pf_rows = g->block;
    for (uint32_t k = 0; k < g->n; k++)
        for (uint32_t o = 0; o < g->m[k]->n_operands; o++) {
            const hloc_instr *op = g->m[k]->operands[o];
            const cg_value *v = s->vals[op->id];
            if (is_member(g, op) || !v || v->kind != CGV_BUFFER || v->shape->rank < 1 ||
                v->shape->dims[0] != g->rows || cg_split_dim(v->shape) != 0 ||
                hloc_shape_bytes(v->shape) < PREFETCH_MIN_BYTES)
                continue;
            bool seen = false;
            for (uint32_t j = 0; j < c->pf_n; j++) seen = seen || c->pf_ptr[j] == v->ptr;
            if (!seen && c->pf_n < 4) c->pf_ptr[c->pf_n++] = v->ptr;
        }
    LLVMValueRef block = cg_const_i64(c, g->block);
    LLVMBasicBlockRef join = NULL;
    if (g->trails) {
        /* Trailing needs the output's rows on 64-byte lines (streaming stores) and a block to
         * start from; else blocks as below. */
        LLVMValueRef base = LLVMBuildPtrToInt(c->b, cg_base(c, g->dst[g->n - 1]->ptr), c->t_i64, "");
        LLVMValueRef mis = LLVMBuildAnd(c->b, base, cg_const_i64(c, 63), "");
        LLVMBasicBlockRef yes = cg_block(c, "trailing"), no = cg_block(c, "blocks");
        join = cg_block(c, "grouped");
        LLVMValueRef ok = LLVMBuildAnd(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, mis, cg_const_i64(c, 0), ""),
                                       LLVMBuildICmp(c->b, LLVMIntSLT, lo, hi, ""), "");
        LLVMBuildCondBr(c->b, ok, yes, no);
        LLVMPositionBuilderAtEnd(c->b, yes);
        /* the first block, then each next one with the last member of the one before, then the
         * last member of the last block */
        block_at first = block_values(c, g, tbuf, LLVMBuildMul(c->b, lo, block, ""));
        emit_members(c, s, g, &first, 0, g->n - 1, NULL);
        cg_loop l;
        cg_loop_begin_range(c, &l, LLVMBuildAdd(c->b, lo, cg_const_i64(c, 1), ""), hi, "rowblock");
        LLVMValueRef r0 = LLVMBuildMul(c->b, l.iv, block, "");
        block_at prev = block_values(c, g, tbuf, LLVMBuildSub(c->b, r0, block, ""));
        block_at cur = block_values(c, g, tbuf, r0);
        emit_members(c, s, g, &cur, 0, g->n - 1, &prev);
        cg_loop_end(c, &l);
        block_at last = block_values(c, g, tbuf, LLVMBuildMul(c->b, LLVMBuildSub(c->b, hi, cg_const_i64(c, 1), ""), block, ""));
        emit_members(c, s, g, &last, g->n - 1, g->n, NULL);
        LLVMBuildBr(c->b, join);
        LLVMPositionBuilderAtEnd(c->b, no);
    }
    cg_loop l;
    cg_loop_begin_range(c, &l, lo, hi, "rowblock");
    block_at b = block_values(c, g, tbuf, LLVMBuildMul(c->b, l.iv, block, ""));
    emit_members(c, s, g, &b, 0, g->n, NULL);
    cg_loop_end(c, &l);
    if (join) {
        LLVMBuildBr(c->b, join);
        LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
        LLVMPositionBuilderAtEnd(c->b, join);
    }
    c->row_dim = NULL;
    c->row_lo = c->row_hi = NULL;
    c->pf_n = 0;
    if (c->nt_pending) LLVMBuildFence(c->b, LLVMAtomicOrderingSequentiallyConsistent, 0, "");
    c->nt_pending = false;
}

/* Does the last member trail (cg_trail)? When the member two before it is summed on the way by
 * the reduce between (softmax: exp, its sum, the product; layer norm as JAX writes it: the
 * centred rows, the sum of their squares in an input fusion, the output) over rows as long as
 * its own, and its stores stream. Temporaries then hold two blocks, which count in the block's
 * bytes, and blocks divide the rows (a divisor from half the block to one and a half times it;
 * else nothing trails). On 1 thread, Zen 5: softmax of 4096x1024 0.85 -> 0.70 ms, by blocks of
 * 2 rows (4: 0.72, 1: 0.76); layer norm of 8192x768 1.15 -> 1.04 ms. */
static void choose_trailing(cg *c, group *g, double row_bytes, double temp_row_bytes) {
    g->trails = false;
    if (g->n < 3) return;
    const hloc_instr *last = g->m[g->n - 1], *red = g->m[g->n - 2], *summed = g->m[g->n - 3];
    bool sums = (red->op == HLOC_OP_REDUCE && red->operands[0] == summed) || fused_row_sum_of(red, summed);
    if (last->op != HLOC_OP_FUSION || g->temp[g->n - 1] || !g->dst[g->n - 1] || !sums || summed->shape.rank != 2 ||
        last->shape.rank != 2 ||
        summed->shape.dims[1] != last->shape.dims[1] || !cg_vector_streams(c, g->dst[g->n - 1]))
        return;
    int64_t want = (int64_t)(BLOCK_BYTES / (row_bytes + temp_row_bytes)), d = 0;
    if (want < 1) want = 1;
    if (want > g->rows) want = g->rows;
    for (int64_t k = want; k >= (want + 1) / 2 && !d; k--)
        if (g->rows % k == 0) d = k;
    for (int64_t k = want + 1; k <= want + want / 2 && k <= g->rows && !d; k++)
        if (g->rows % k == 0) d = k;
    if (!d || 2.0 * (double)d * temp_row_bytes > MAX_TEMP_BYTES) return;
    for (uint32_t a = 0; a < g->n; a++)
        if (!g->temp[a] && !g->dst[a]) return;
    g->block = d;
    g->trails = true;
}

/* The group of instructions k.. of |comp| (g->rd of |n_ids| entries, |saved| as many bytes of
 * room): the index past its last member, or k when none starts at k. */
static uint32_t find_group(const hloc_computation *comp, uint32_t k, const values_before *vb, group *g,
                           int8_t *saved, uint32_t n_ids) {
    const hloc_instr *first = comp->instrs[k];
    if (first->dead || !hloc_shape_is_array(&first->shape) || first->shape.rank < 1 || first->shape.dims[0] < 2)
        return k;
    g->n = 0;
    memset(g->rd, -2, n_ids);
    g->rows = first->shape.dims[0];
    /* Members from k on; parameters and constants in between have no operands and are emitted
     * first. */
    uint32_t end = k;
    for (uint32_t j = k; j < comp->n_instrs; j++) {
        const hloc_instr *i = comp->instrs[j];
        if (i->dead || i->op == HLOC_OP_PARAMETER || i->op == HLOC_OP_CONSTANT) continue;
        if (!try_add(vb, g, i, saved, n_ids)) break;
        end = j + 1;
    }
    bool linked = false;
    for (uint32_t a = 0; a < g->n; a++)
        for (uint32_t o = 0; o < g->m[a]->n_operands; o++) linked = linked || is_member(g, g->m[a]->operands[o]);
    return g->n < 2 || !linked || comp->instrs[k] != g->m[0] ? k : end;
}

/* The rows of a block, and which members live in blocks on the stack (g->temp: read only
 * inside the group, and the blocks small enough); *row_bytes and *temp_row_bytes what a row
 * takes over the members and their outside operands, and in the stack blocks. Returns the
 * elements the group reads. */
static double layout_group(group *g, const hloc_computation *comp, const cg_value *const *hints, double *row_bytes,
                           double *temp_row_bytes) {
    double work = 0;
    *row_bytes = *temp_row_bytes = 0;
    for (uint32_t a = 0; a < g->n; a++) {
        const hloc_instr *m = g->m[a];
        g->row_bytes[a] = (int64_t)(hloc_shape_bytes(&m->shape) / (uint64_t)g->rows);
        bool inside = !hints[m->id] && m != comp->root && m->n_users > 0;
        for (uint32_t u = 0; u < m->n_users && inside; u++)
            inside = m->users[u]->dead || is_member(g, m->users[u]);
        g->temp[a] = inside;
        if (inside) *temp_row_bytes += (double)g->row_bytes[a];
        *row_bytes += (double)hloc_shape_bytes(&m->shape) / (double)g->rows;
        for (uint32_t o = 0; o < m->n_operands; o++) {
            const hloc_shape *os = &m->operands[o]->shape;
            if (!hloc_shape_is_array(os)) continue;
            work += (double)hloc_shape_elements(os);
            if (os->rank >= 1 && os->dims[0] == g->rows && !is_member(g, m->operands[o]))
                *row_bytes += (double)hloc_shape_bytes(os) / (double)g->rows;
        }
    }
    g->block = (int64_t)(BLOCK_BYTES / (*row_bytes > 1 ? *row_bytes : 1));
    if (g->block < 1) g->block = 1;
    if (g->block > g->rows) g->block = g->rows;
    bool temps = (double)g->block * *temp_row_bytes <= MAX_TEMP_BYTES;
    for (uint32_t a = 0; a < g->n; a++) g->temp[a] = g->temp[a] && temps;
    if (!temps) *temp_row_bytes = 0;
    return work;
}

static group *new_group(cg *c, int8_t **saved, uint32_t n_ids) {
    group *g = HLOC_ARENA_NEW(c->arena, group);
    *saved = HLOC_ARENA_ARRAY(c->arena, int8_t, n_ids ? n_ids : 1);
    if (!g || !*saved || !(g->rd = HLOC_ARENA_ARRAY(c->arena, int8_t, n_ids ? n_ids : 1))) return NULL;
    return g;
}

void cg_rows_temps(cg *c, const hloc_computation *comp, const cg_value *const *hints, const bool *inl, bool *temp) {
    uint32_t n_ids = hloc_module_id_bound(c->m);
    int8_t *saved;
    group *g = new_group(c, &saved, n_ids);
    if (!g) return;
    values_before vb = {.inl = inl, .hints = hints};
    for (uint32_t k = 0; k < comp->n_instrs; k++) {
        const hloc_instr *i = comp->instrs[k];
        if (i->dead || i->op == HLOC_OP_PARAMETER) continue;
        uint32_t end = find_group(comp, k, &vb, g, saved, n_ids);
        if (end == k) continue;
        double row_bytes, temp_row_bytes;
        layout_group(g, comp, hints, &row_bytes, &temp_row_bytes);
        for (uint32_t a = 0; a < g->n; a++)
            if (g->temp[a]) temp[g->m[a]->id] = true;
        k = end - 1;
    }
}

uint32_t cg_rows_emit(cg *c, cg_scope *s, const hloc_computation *comp, uint32_t k,
                      cg_value *const *params, const cg_value *const *hints) {
    if (c->task_arg || c->row_lo) return k;
    uint32_t n_ids = hloc_module_id_bound(c->m);
    int8_t *saved;
    group *g = new_group(c, &saved, n_ids);
    if (!g) return k;
    values_before vb = {.s = s};
    uint32_t end = find_group(comp, k, &vb, g, saved, n_ids);
    if (end == k) return k;

    for (uint32_t j = k; j < end && !c->err; j++) {
        const hloc_instr *i = comp->instrs[j];
        if (i->dead || is_member(g, i)) continue;
        if (i->op == HLOC_OP_PARAMETER) {
            int64_t n = i->attrs->index;
            if (n < 0 || (uint64_t)n >= comp->n_params) {
                cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: bad parameter number in '%s'", i->name);
                return end;
            }
            s->vals[i->id] = params[n];
        } else {
            s->vals[i->id] = cg_emit_instr(c, s, i, hints[i->id]);
        }
    }
    double row_bytes, temp_row_bytes;
    double work = layout_group(g, comp, hints, &row_bytes, &temp_row_bytes);
    for (uint32_t a = 0; a < g->n; a++) {
        const hloc_instr *m = g->m[a];
        if (g->temp[a]) continue;
        const cg_value *h = hints[m->id];
        g->dst[a] = h && h->kind == CGV_BUFFER && h->shape->type == m->shape.type &&
                            hloc_shape_same_dims(h->shape, &m->shape)
                        ? (cg_value *)h
                        : cg_alloc_value(c, &m->shape);
        if (!g->dst[a]) return end;
        s->vals[m->id] = g->dst[a];
    }
    choose_trailing(c, g, row_bytes, temp_row_bytes);
    int64_t n_blocks = (g->rows + g->block - 1) / g->block;
    cg_parallel(c, s, g->m[0], g->dst[0], n_blocks, work * 4, group_range, g);
    return end;
}
