/* Buffer assignment (see buffer_assignment.h). */
#include "buffer_assignment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

enum { ALIGNMENT = 64 };

static bool is_alias(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_TUPLE: case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_BITCAST: /* reinterprets its operand's bytes; never moves them */
    case HLOC_OP_OPTIMIZATION_BARRIER: case HLOC_OP_ADD_DEPENDENCY: case HLOC_OP_DOMAIN:
        return true;
    default:
        return false;
    }
}

static int64_t align_up(int64_t n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

int64_t hloc_buffer_value_size(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        int64_t n = 0;
        for (uint32_t k = 0; k < s->n_elems; k++) n += align_up(hloc_buffer_value_size(&s->elems[k]));
        return n;
    }
    return hloc_shape_is_array(s) ? (int64_t)hloc_shape_bytes(s) : 0;
}

/* Walks the leaves of |s| depth-first; returns true once leaf |*left| is reached (at *off). */
static bool leaf_walk(const hloc_shape *s, uint32_t *left, int64_t *off) {
    if (s->type != HLOC_TYPE_TUPLE) {
        if ((*left)-- == 0) return true;
        *off += align_up(hloc_buffer_value_size(s));
        return false;
    }
    for (uint32_t k = 0; k < s->n_elems; k++)
        if (leaf_walk(&s->elems[k], left, off)) return true;
    return false;
}

int64_t hloc_buffer_leaf_offset(const hloc_shape *s, uint32_t leaf) {
    int64_t off = 0;
    leaf_walk(s, &leaf, &off);
    return off;
}

bool hloc_buffer_while_passthrough(const hloc_instr *w, uint32_t k) {
    if (w->op != HLOC_OP_WHILE || w->n_called != 2 || w->n_operands != 1) return false;
    const hloc_instr *init = w->operands[0];
    const hloc_computation *body = w->called[1];
    if (init->op != HLOC_OP_TUPLE || w->shape.type != HLOC_TYPE_TUPLE || k >= w->shape.n_elems ||
        init->n_operands != w->shape.n_elems || !hloc_shape_is_array(&w->shape.elems[k]))
        return false;
    if (!body || !body->root || body->n_params != 1 || body->root->op != HLOC_OP_TUPLE ||
        body->root->n_operands != w->shape.n_elems)
        return false;
    const hloc_instr *r = body->root->operands[k];
    return r->op == HLOC_OP_GET_TUPLE_ELEMENT && r->operands[0] == body->params[0] && r->attrs->index == (int64_t)k;
}

int64_t hloc_buffer_elem_offset(const hloc_instr *i, uint32_t k) {
    int64_t off = 0;
    for (uint32_t e = 0; e < k && e < i->shape.n_elems; e++)
        if (!hloc_buffer_while_passthrough(i, e)) off += align_up(hloc_buffer_value_size(&i->shape.elems[e]));
    return off;
}

/* Bytes of |i|'s own slice. */
static int64_t instr_size(const hloc_instr *i) {
    if (i->op != HLOC_OP_WHILE || i->shape.type != HLOC_TYPE_TUPLE) return hloc_buffer_value_size(&i->shape);
    return hloc_buffer_elem_offset(i, i->shape.n_elems);
}

/* The buffer whose storage |i|'s value occupies (following bitcasts to their source). */
static int32_t source_of(const hloc_buffer_plan *p, const hloc_instr *i) {
    while (i && i->op == HLOC_OP_BITCAST) i = i->operands[0];
    if (!i || i->id >= p->n_ids) return -1;
    return p->by_instr[i->id];
}

/* Extends the live range of every buffer |i| may alias up to |pos|. */
static void extend(hloc_buffer_plan *p, const hloc_instr *i, uint32_t pos) {
    if (i->id >= p->n_ids || p->by_instr[i->id] < 0) return;
    hloc_buffer *b = &p->buffers[p->by_instr[i->id]];
    if (b->live_end < pos) b->live_end = pos;
    if (is_alias(i))
        for (uint32_t k = 0; k < i->n_operands; k++) extend(p, i->operands[k], pos);
}

/* Without codegen's word: the root leaves it computes into result buffers are those it can write
 * directly (not parameters, constants, aliases or control flow, which it copies at the end). */
static bool default_direct_output(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_PARAMETER: case HLOC_OP_CONSTANT: case HLOC_OP_WHILE: case HLOC_OP_CONDITIONAL:
        return false;
    default:
        return !is_alias(i) && hloc_shape_is_array(&i->shape);
    }
}

/* Marks the leaves reachable from the root through tuples that are computed straight into the
 * caller's result buffers as outputs, numbered depth-first. */
static void mark_outputs(hloc_buffer_plan *p, const hloc_buffer_plan_options *o, const hloc_instr *i,
                         int64_t *leaf) {
    if (i->op == HLOC_OP_TUPLE) {
        for (uint32_t k = 0; k < i->n_operands; k++) mark_outputs(p, o, i->operands[k], leaf);
        return;
    }
    int32_t s = i->id < p->n_ids ? p->by_instr[i->id] : -1;
    bool direct = o->direct_output ? o->direct_output[i->id] : default_direct_output(i);
    if (s >= 0 && direct && p->buffers[s].kind == HLOC_BUFFER_TEMP && hloc_shape_is_array(&i->shape)) {
        p->buffers[s].kind = HLOC_BUFFER_OUTPUT;
        p->buffers[s].param_number = *leaf;
    }
    *leaf += hloc_shape_n_leaves(&i->shape);
}

/* A fusion whose root is computed element by element: out[idx] needs parameter k only at idx
 * when every instruction that (transitively) uses it is elementwise with the root's physical
 * shape. Then writing the root over parameter k's bytes reads each element before writing it. */
static bool fusion_reads_same_index(const hloc_instr *i, uint32_t k) {
    if (i->op != HLOC_OP_FUSION || i->n_called != 1) return false;
    const hloc_computation *f = i->called[0];
    if (!f || !f->root || k >= f->n_params || !f->params[k] || !hloc_shape_is_array(&f->root->shape))
        return false;
    const hloc_instr *stack[256];
    uint32_t n = 0;
    stack[n++] = f->params[k];
    uint32_t seen = 0;
    while (n) {
        const hloc_instr *x = stack[--n];
        if (++seen > 4096) return false;
        for (uint32_t u = 0; u < x->n_users; u++) {
            const hloc_instr *w = x->users[u];
            if (!(hloc_opcode_flags(w->op) & OPF_EW) || w->op == HLOC_OP_STOCHASTIC_CONVERT ||
                !hloc_shape_is_array(&w->shape) || !hloc_shape_same_dims(&w->shape, &f->root->shape))
                return false;
            if (n == 256) return false;
            stack[n++] = w;
        }
        if (x != f->params[k] && x->n_users == 0 && x != f->root) return false;
    }
    return hloc_opcode_flags(f->root->op) & OPF_EW;
}

static bool can_update_in_place(const hloc_instr *i) {
    return (hloc_opcode_flags(i->op) & OPF_EW) || i->op == HLOC_OP_DYNAMIC_UPDATE_SLICE ||
           i->op == HLOC_OP_FUSION;
}

/* Same dims, element size and order of bytes: index idx is at the same offset in both. */
static bool same_physical(const hloc_shape *a, const hloc_shape *b) {
    if (!hloc_shape_is_array(a) || !hloc_shape_is_array(b) || a->rank != b->rank ||
        hloc_type_bytes(a->type) != hloc_type_bytes(b->type) || !hloc_shape_same_dims(a, b))
        return false;
    bool da = !a->has_layout || hloc_shape_has_default_layout(a);
    bool db = !b->has_layout || hloc_shape_has_default_layout(b);
    if (da || db) return da && db;
    for (uint32_t d = 0; d < a->rank; d++)
        if (a->minor_to_major[d] != b->minor_to_major[d]) return false;
    return true;
}

/* Does |i| (an id below the plan's bound) have no storage of its own, its operands read where
 * its readers run: generated inside them, or kept in a row group's blocks? */
static bool no_storage(const hloc_buffer_plan_options *o, const hloc_instr *i) {
    return (o->inlined && o->inlined[i->id]) || (o->row_block && o->row_block[i->id]);
}

/* May evaluating operand |i| read the storage of buffer |s| (through inlined values and aliases,
 * conservatively)? */
static bool reads_storage(const hloc_buffer_plan *p, const hloc_buffer_plan_options *o,
                          const hloc_instr *i, int32_t s, uint32_t depth) {
    if (source_of(p, i) == s) return true;
    if (depth > 64) return true;
    bool through = is_alias(i) || (i->id < p->n_ids && no_storage(o, i));
    if (!through) return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (reads_storage(p, o, i->operands[k], s, depth + 1)) return true;
    return false;
}

/* Does evaluating operand |x| of |i| read the storage of buffer |s| only at the element |i| writes
 * at the same index (or not at all)? A value on that storage laid out like |i| does, and so does
 * a value generated inside |i| (inlined) by an elementwise op of |i|'s dims from such operands:
 * codegen generates it at |i|'s index. */
static bool reads_same_index(const hloc_buffer_plan *p, const hloc_buffer_plan_options *o,
                             const hloc_instr *i, const hloc_instr *x, int32_t s, uint32_t depth) {
    if (!reads_storage(p, o, x, s, 0)) return true;
    if (depth > 64) return false;
    if (source_of(p, x) == s) {
        const hloc_instr *y = x;
        while (y->op == HLOC_OP_BITCAST) y = y->operands[0];
        return same_physical(&x->shape, &i->shape) && same_physical(&y->shape, &i->shape);
    }
    if (!o->inlined || x->id >= p->n_ids || !o->inlined[x->id]) return false;
    if (!(hloc_opcode_flags(x->op) & OPF_EW) || x->op == HLOC_OP_STOCHASTIC_CONVERT ||
        !hloc_shape_is_array(&x->shape) || !hloc_shape_same_dims(&x->shape, &i->shape))
        return false;
    for (uint32_t k = 0; k < x->n_operands; k++)
        if (!reads_same_index(p, o, i, x->operands[k], s, depth + 1)) return false;
    return true;
}

/* May |i| write its result over the storage of buffer |s| while reading it? When it reads that
 * storage only element by element at the index being written: an elementwise op whose operands
 * read it so (reads_same_index), a fusion whose operands on it are each used only elementwise
 * inside and read so, or a dynamic-update-slice whose operand 0 is that storage laid out like the
 * result (the update then overwrites its bytes) and whose other operands do not touch it. */
static bool may_write_over(const hloc_buffer_plan *p, const hloc_buffer_plan_options *o,
                           const hloc_instr *i, int32_t s) {
    if (!can_update_in_place(i) || !hloc_shape_is_array(&i->shape)) return false;
    if (i->op == HLOC_OP_DYNAMIC_UPDATE_SLICE) {
        const hloc_instr *op = i->operands[0];
        if (source_of(p, op) != s || op->op == HLOC_OP_BITCAST || !same_physical(&op->shape, &i->shape))
            return false;
        for (uint32_t m = 1; m < i->n_operands; m++)
            if (reads_storage(p, o, i->operands[m], s, 0)) return false;
        return true;
    }
    bool fusion = i->op == HLOC_OP_FUSION;
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_instr *x = i->operands[k];
        if (fusion && reads_storage(p, o, x, s, 0) && !fusion_reads_same_index(i, k)) return false;
        if (!reads_same_index(p, o, i, x, s, 0)) return false;
    }
    return true;
}

/* An instruction may write over operand k's buffer if that buffer is a temp of the same size that
 * dies here and the instruction may write over it (may_write_over). */
static void choose_in_place(hloc_buffer_plan *p, const hloc_buffer_plan_options *o, uint32_t pos) {
    hloc_buffer *b = &p->buffers[pos];
    const hloc_instr *i = b->instr;
    if (b->kind != HLOC_BUFFER_TEMP || !can_update_in_place(i) || !hloc_shape_is_array(&i->shape)) return;
    uint32_t n = i->op == HLOC_OP_DYNAMIC_UPDATE_SLICE ? 1 : i->n_operands;
    for (uint32_t k = 0; k < n; k++) {
        int32_t s = source_of(p, i->operands[k]);
        if (s < 0) continue;
        hloc_buffer *ob = &p->buffers[s];
        if (ob->kind != HLOC_BUFFER_TEMP || ob->live_end != pos || ob->size != b->size) continue;
        if (!may_write_over(p, o, i, s)) continue;
        b->in_place_of = s;
        return;
    }
}

/* The storage root of a chain of in-place updates. */
static int32_t storage_of(const hloc_buffer_plan *p, int32_t k) {
    while (p->buffers[k].in_place_of >= 0) k = p->buffers[k].in_place_of;
    return k;
}

static int by_size_desc(const void *a, const void *b, void *ctx) {
    const hloc_buffer *bs = ctx;
    int64_t x = bs[*(const int32_t *)a].size, y = bs[*(const int32_t *)b].size;
    if (x != y) return (x < y) - (x > y);
    return *(const int32_t *)a - *(const int32_t *)b;
}

static void sort_indices(int32_t *v, uint32_t n, const hloc_buffer *bs) {
    /* Insertion sort keeps it dependency-free and stable; plans hold thousands at most. */
    for (uint32_t k = 1; k < n; k++) {
        int32_t x = v[k];
        uint32_t j = k;
        while (j > 0 && by_size_desc(&v[j - 1], &x, (void *)bs) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* First fit: the lowest aligned offset whose range collides with no placed group alive at the
 * same time. A "group" is a storage root with the union of its in-place chain's live ranges. */
static hloc_status *place(hloc_buffer_plan *p) {
    uint32_t n = p->n_buffers;
    int32_t *order = malloc(sizeof *order * (n ? n : 1));
    uint32_t *start = malloc(sizeof *start * (n ? n : 1)), *end = malloc(sizeof *end * (n ? n : 1));
    int32_t *placed = malloc(sizeof *placed * (n ? n : 1));
    if (!order || !start || !end || !placed) {
        free(order), free(start), free(end), free(placed);
        return hloc_status_oom();
    }
    uint32_t n_roots = 0, n_placed = 0;
    for (uint32_t k = 0; k < n; k++) {
        start[k] = p->buffers[k].live_start;
        end[k] = p->buffers[k].live_end;
    }
    for (uint32_t k = 0; k < n; k++) {
        if (p->buffers[k].kind != HLOC_BUFFER_TEMP) continue;
        int32_t r = storage_of(p, (int32_t)k);
        if (start[r] > p->buffers[k].live_start) start[r] = p->buffers[k].live_start;
        if (end[r] < p->buffers[k].live_end) end[r] = p->buffers[k].live_end;
        if (r == (int32_t)k) order[n_roots++] = (int32_t)k;
    }
    sort_indices(order, n_roots, p->buffers);
    int64_t top = 0;
    for (uint32_t a = 0; a < n_roots; a++) {
        int32_t k = order[a];
        int64_t size = align_up(p->buffers[k].size);
        int64_t off = 0;
        for (bool moved = true; moved;) {
            moved = false;
            for (uint32_t q = 0; q < n_placed; q++) {
                int32_t o = placed[q];
                if (end[o] < start[k] || end[k] < start[o]) continue; /* not alive together */
                int64_t osz = align_up(p->buffers[o].size);
                int64_t ooff = p->buffers[o].offset;
                if (off < ooff + osz && ooff < off + size) {
                    off = ooff + osz;
                    moved = true;
                }
            }
        }
        p->buffers[k].offset = off;
        placed[n_placed++] = k;
        if (off + size > top) top = off + size;
    }
    for (uint32_t k = 0; k < n; k++)
        if (p->buffers[k].kind == HLOC_BUFFER_TEMP) p->buffers[k].offset = p->buffers[storage_of(p, (int32_t)k)].offset;
    p->arena_size = top;
    free(order), free(start), free(end), free(placed);
    return NULL;
}

hloc_status *hloc_buffer_plan_create(const hloc_module *m, hloc_buffer_plan **out) {
    return hloc_buffer_plan_create_with(m, NULL, out);
}

/* Where the operands of |i| are read: at |i| itself, or, for a value generated inside its
 * consumers, wherever the last of those runs. */
static uint32_t *read_positions(const hloc_computation *c, const hloc_buffer_plan *p,
                                const hloc_buffer_plan_options *o) {
    uint32_t *at = malloc(sizeof *at * (c->n_instrs ? c->n_instrs : 1));
    if (!at) return NULL;
    for (uint32_t j = c->n_instrs; j-- > 0;) {
        const hloc_instr *i = c->instrs[j];
        at[j] = j;
        if (!no_storage(o, i)) continue;
        for (uint32_t u = 0; u < i->n_users; u++) {
            const hloc_instr *w = i->users[u];
            if (w->id >= p->n_ids || p->by_instr[w->id] < 0 || w->dead) continue;
            uint32_t wp = at[p->by_instr[w->id]];
            if (wp > at[j]) at[j] = wp;
        }
    }
    return at;
}

/* Whether |i| is computed from a dot or convolution (within |budget| instructions, else assumed). */
static bool from_product(const hloc_instr *i, int *budget) {
    if (--*budget < 0) return true;
    if (i->op == HLOC_OP_DOT || i->op == HLOC_OP_CONVOLUTION) return true;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (from_product(i->operands[k], budget)) return true;
    return false;
}

/* Could |i| be a member of a row-blocked group of |rows| rows (a superset of codegen's rule)?
 * Codegen's row walk ends at a product, so fusions whose root reads one are never members. */
static bool row_candidate(const hloc_instr *i, int64_t rows) {
    if (i->op != HLOC_OP_FUSION && i->op != HLOC_OP_REDUCE) return false;
    int budget = 256;
    if (i->op == HLOC_OP_FUSION && i->n_called == 1 && i->called[0]->root && from_product(i->called[0]->root, &budget) &&
        budget >= 0)
        return false;
    return hloc_shape_is_array(&i->shape) && i->shape.rank >= 1 && i->shape.dims[0] >= 2 &&
           (rows < 0 || i->shape.dims[0] == rows);
}

/* Every maximal run of consecutive candidates with the same rows (parameters, constants and dead
 * instructions in between do not break it): members are alive from the run's start to at least
 * its end, so are their operands, and pinned[] keeps them out of in-place updates. */
static void row_runs(hloc_buffer_plan *p, bool *pinned) {
    const hloc_computation *c = p->comp;
    for (uint32_t a = 0; a < c->n_instrs;) {
        const hloc_instr *first = c->instrs[a];
        if (first->dead || !row_candidate(first, -1)) {
            a++;
            continue;
        }
        int64_t rows = first->shape.dims[0];
        uint32_t b = a + 1, last = a, n = 1;
        for (; b < c->n_instrs; b++) {
            const hloc_instr *i = c->instrs[b];
            if (i->dead || i->op == HLOC_OP_PARAMETER || i->op == HLOC_OP_CONSTANT) continue;
            if (!row_candidate(i, rows)) break;
            last = b;
            n++;
        }
        if (n >= 2) {
            for (uint32_t j = a; j <= last; j++) {
                const hloc_instr *i = c->instrs[j];
                if (i->dead || !row_candidate(i, rows)) continue;
                hloc_buffer *m = &p->buffers[j];
                if (m->live_start > a) m->live_start = a;
                extend(p, i, last);
                pinned[j] = true;
                for (uint32_t k = 0; k < i->n_operands; k++) {
                    extend(p, i->operands[k], last);
                    int32_t s = source_of(p, i->operands[k]);
                    if (s >= 0) pinned[s] = true;
                }
            }
        }
        a = last + 1;
    }
}

/* The instruction whose value holds result |index| of the root (descending tuple instructions),
 * and whether the index goes on into that value (an element of a tuple-shaped value). */
static const hloc_instr *result_value(const hloc_instr *root, const hloc_i64_list *index, bool *inside) {
    const hloc_instr *x = root;
    uint32_t d = 0;
    for (; d < index->n && x->op == HLOC_OP_TUPLE; d++) {
        if (index->v[d] < 0 || (uint64_t)index->v[d] >= x->n_operands) return NULL;
        x = x->operands[index->v[d]];
    }
    *inside = d < index->n;
    return x;
}

/* The result is written by a member of a row-blocked group, which codegen may run block by block
 * interleaved with the group's other members (whose operands the plan keeps alive to the group's
 * end, hiding where the parameter is really read last). |flat| is the plan without those groups:
 * its live ranges end at the real last reads. Safe when every read of the parameter comes before
 * the group, or is the writer's own elementwise read and no other member before it reads it. */
static hloc_buffer_donation row_group_donation(const hloc_buffer_plan *p, const hloc_buffer_plan_options *o,
                                               const hloc_buffer_plan *flat, const hloc_instr *x,
                                               int32_t par, hloc_buffer_donation d) {
    int32_t xb = p->by_instr[x->id];
    if (!flat || flat->n_buffers != p->n_buffers) return d.why = "written in a row-blocked group", d;
    uint32_t first = p->buffers[xb].live_start, last_read = flat->buffers[par].live_end;
    if (last_read < first) return d.in_place = true, d.why = "parameter read before the row-blocked group", d;
    if (last_read != (uint32_t)xb || !may_write_over(p, o, x, par))
        return d.why = "parameter read by its row-blocked group at other indices", d;
    for (uint32_t j = first; j < (uint32_t)xb; j++) {
        const hloc_instr *i = p->comp->instrs[j];
        for (uint32_t k = 0; !i->dead && k < i->n_operands; k++)
            if (reads_storage(p, o, i->operands[k], par, 0))
                return d.why = "parameter read by another member of its row-blocked group", d;
    }
    return d.in_place = true, d.why = "elementwise update at the index it reads (row-blocked group)", d;
}

/* Is fusion |i| computed in one pass over its result, each element written once, after all its
 * reads (elementwise ops and data movement only)? Codegen may run anything else (a product, a
 * reduction) in several passes that store partial values into the result buffer before the last
 * reads of the operands: harmless into a fresh buffer, not into the donated one that is read. */
static bool one_pass_fusion(const hloc_instr *i) {
    if (i->op != HLOC_OP_FUSION) return true;
    if (i->n_called != 1 || !i->called[0]) return false;
    const hloc_computation *f = i->called[0];
    for (uint32_t k = 0; k < f->n_instrs; k++) {
        const hloc_instr *x = f->instrs[k];
        if (x->dead || ((hloc_opcode_flags(x->op) & OPF_EW) && x->op != HLOC_OP_STOCHASTIC_CONVERT)) continue;
        switch (x->op) {
        case HLOC_OP_PARAMETER: case HLOC_OP_CONSTANT: case HLOC_OP_BROADCAST: case HLOC_OP_IOTA:
        case HLOC_OP_RESHAPE: case HLOC_OP_BITCAST: case HLOC_OP_TRANSPOSE: case HLOC_OP_SLICE:
        case HLOC_OP_DYNAMIC_SLICE: case HLOC_OP_CONCATENATE: case HLOC_OP_PAD: case HLOC_OP_REVERSE:
        case HLOC_OP_COPY:
            continue;
        default:
            return false;
        }
    }
    return true;
}

/* Decides one donation. The parameter's live range already ends at its last read, wherever it
 * happens (through aliases, inlined values, fusions, loops, calls, row-blocked groups, a while's
 * pass-through state); the result buffer is written either at the position of the instruction
 * computed into it, or when the root's leaves are copied out after everything else. */
static hloc_buffer_donation decide_donation(const hloc_buffer_plan *p, const hloc_buffer_plan_options *o,
                                            const bool *pinned, const hloc_buffer_plan *flat,
                                            const hloc_module *m, uint32_t ai) {
    const hloc_computation *c = p->comp;
    const hloc_io_alias *a = &m->io_aliases[ai];
    hloc_buffer_donation d = {hloc_shape_leaf_number(&c->root->shape, a->output_index.v, a->output_index.n),
                              a->param_number, false, NULL};
    if (a->param_index.n) return d.why = "tuple parameter", d;
    if (d.result_leaf < 0) return d.why = "no array result at that index", d;
    const hloc_shape *rs = hloc_shape_subshape(&c->root->shape, a->output_index.v, a->output_index.n);
    if (rs && hloc_shape_bytes(rs) == 0) return d.in_place = true, d.why = "empty", d;
    if (a->param_number < 0 || (uint64_t)a->param_number >= c->n_params || !c->params[a->param_number])
        return d.why = "no such parameter", d;
    for (uint32_t k = 0; k < m->n_io_aliases; k++)
        if (k != ai && m->io_aliases[k].param_number == a->param_number)
            return d.why = "parameter donated to two results", d;
    const hloc_instr *par = c->params[a->param_number];
    if (par->id >= p->n_ids || p->by_instr[par->id] < 0) return d.why = "parameter not in the plan", d;
    uint32_t last_read = p->buffers[p->by_instr[par->id]].live_end;
    bool inside = false;
    const hloc_instr *x = result_value(c->root, &a->output_index, &inside);
    if (!x) return d.why = "no array result at that index", d;
    const hloc_instr *y = x;
    while (!inside && y->op == HLOC_OP_BITCAST) y = y->operands[0];
    if (!inside && y == par && rs && same_physical(&x->shape, rs))
        return d.in_place = true, d.why = "pass-through: the result is the parameter's bytes", d;
    int32_t xb = x->id < p->n_ids ? p->by_instr[x->id] : -1;
    if (xb < 0) return d.why = "result not in the plan", d;
    const hloc_buffer *b = &p->buffers[xb];
    if (!inside && b->kind == HLOC_BUFFER_OUTPUT && b->param_number == d.result_leaf) {
        if (pinned[xb]) {
            if (!one_pass_fusion(x)) return d.why = "written in several passes (a fusion with a product or reduction)", d;
            return row_group_donation(p, o, flat, x, p->by_instr[par->id], d);
        }
        /* However many passes write the result, none of them can be seen by a read. */
        if (last_read < (uint32_t)xb) return d.in_place = true, d.why = "parameter read before the result is written", d;
        if (!one_pass_fusion(x))
            return d.why = "written in several passes (a fusion with a product or reduction) that read the parameter", d;
        if (last_read > (uint32_t)xb) return d.why = "parameter read after the result is written", d;
        if (may_write_over(p, o, x, p->by_instr[par->id]))
            return d.in_place = true, d.why = "elementwise update at the index it reads", d;
        return d.why = "written while the parameter is read at other indices", d;
    }
    bool direct = o->direct_output ? o->direct_output[x->id] : default_direct_output(x);
    if (!inside && direct) return d.why = "result written at no known point", d;
    /* Copied out with the root's other leaves: after every instruction but the root. */
    uint32_t root_pos = c->root->id < p->n_ids && p->by_instr[c->root->id] >= 0 ? (uint32_t)p->by_instr[c->root->id] : 0;
    if (last_read < root_pos) return d.in_place = true, d.why = "copied out after the parameter's last read", d;
    return d.why = "parameter read while the results are copied out", d;
}

hloc_status *hloc_buffer_plan_create_with(const hloc_module *m, const hloc_buffer_plan_options *opts,
                                          hloc_buffer_plan **out) {
    *out = NULL;
    hloc_buffer_plan_options none = {0};
    const hloc_buffer_plan_options *o = opts ? opts : &none;
    const hloc_computation *c = m->entry;
    if (!c || !c->root) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module has no entry computation");
    hloc_buffer_plan *p = calloc(1, sizeof *p);
    if (!p) return hloc_status_oom();
    p->comp = c;
    p->alignment = ALIGNMENT;
    p->n_ids = hloc_module_id_bound(m);
    p->buffers = calloc(c->n_instrs ? c->n_instrs : 1, sizeof *p->buffers);
    p->by_instr = malloc(sizeof *p->by_instr * (p->n_ids ? p->n_ids : 1));
    if (!p->buffers || !p->by_instr) {
        hloc_buffer_plan_destroy(p);
        return hloc_status_oom();
    }
    for (uint32_t k = 0; k < p->n_ids; k++) p->by_instr[k] = -1;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        hloc_buffer *b = &p->buffers[p->n_buffers];
        *b = (hloc_buffer){.instr = i, .live_start = j, .live_end = j, .offset = -1, .in_place_of = -1,
                           .param_number = -1};
        b->size = instr_size(i);
        if (i->op == HLOC_OP_PARAMETER) b->kind = HLOC_BUFFER_PARAMETER, b->param_number = i->attrs->index;
        else if (i->op == HLOC_OP_CONSTANT) b->kind = HLOC_BUFFER_CONSTANT;
        else if (i->dead || is_alias(i) || (!hloc_shape_is_array(&i->shape) && b->size == 0 &&
                                            hloc_shape_n_leaves(&i->shape) == 0))
            b->kind = HLOC_BUFFER_ALIAS, b->size = 0;
        else if (o->inlined && o->inlined[i->id]) b->kind = HLOC_BUFFER_INLINE, b->size = 0;
        else if (o->row_block && o->row_block[i->id]) b->kind = HLOC_BUFFER_ROW_BLOCK, b->size = 0;
        else b->kind = HLOC_BUFFER_TEMP;
        p->by_instr[i->id] = (int32_t)p->n_buffers++;
    }
    uint32_t *at = read_positions(c, p, o);
    if (!at) {
        hloc_buffer_plan_destroy(p);
        return hloc_status_oom();
    }
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (i->dead) continue;
        for (uint32_t k = 0; k < i->n_operands; k++) extend(p, i->operands[k], at[j]);
    }
    free(at);
    bool *pinned = calloc(p->n_buffers + 1, sizeof *pinned);
    if (!pinned) {
        hloc_buffer_plan_destroy(p);
        return hloc_status_oom();
    }
    if (o->row_groups) row_runs(p, pinned);
    /* The root's leaves are copied to the result buffers after everything else ran. */
    extend(p, c->root, p->n_buffers);
    /* A while's pass-through elements are its init's buffers: alive as long as the while's value
     * (later whiles first: extending one may extend an earlier one it reads from). */
    for (uint32_t j = c->n_instrs; j-- > 0;) {
        const hloc_instr *w = c->instrs[j];
        if (w->dead || w->op != HLOC_OP_WHILE || w->shape.type != HLOC_TYPE_TUPLE) continue;
        for (uint32_t k = 0; k < w->shape.n_elems; k++)
            if (hloc_buffer_while_passthrough(w, k))
                extend(p, w->operands[0]->operands[k], p->buffers[j].live_end);
    }
    int64_t leaf = 0;
    mark_outputs(p, o, c->root, &leaf);
    for (uint32_t j = 0; j < p->n_buffers; j++) {
        hloc_buffer *b = &p->buffers[j];
        if (b->kind == HLOC_BUFFER_TEMP) p->temp_total += b->size;
        if (b->kind == HLOC_BUFFER_OUTPUT) b->live_end = p->n_buffers; /* the caller reads it after */
    }
    for (uint32_t j = 0; j < p->n_buffers; j++)
        if (!pinned[j]) choose_in_place(p, o, j);
    if (m->n_io_aliases) {
        hloc_buffer_plan *flat = NULL;
        hloc_status *fst = NULL;
        if (o->row_groups) {
            hloc_buffer_plan_options fo = *o;
            fo.row_groups = false;
            fst = hloc_buffer_plan_create_with(m, &fo, &flat);
        }
        p->donations = fst ? NULL : calloc(m->n_io_aliases, sizeof *p->donations);
        if (!p->donations) {
            free(pinned);
            hloc_buffer_plan_destroy(flat);
            hloc_buffer_plan_destroy(p);
            return fst ? fst : hloc_status_oom();
        }
        p->n_donations = m->n_io_aliases;
        for (uint32_t k = 0; k < m->n_io_aliases; k++)
            p->donations[k] = decide_donation(p, o, pinned, flat, m, k);
        hloc_buffer_plan_destroy(flat);
    }
    free(pinned);
    hloc_status *st = place(p);
    if (st) {
        hloc_buffer_plan_destroy(p);
        return st;
    }
    *out = p;
    return NULL;
}

void hloc_buffer_plan_destroy(hloc_buffer_plan *p) {
    if (!p) return;
    free(p->buffers);
    free(p->by_instr);
    free(p->donations);
    free(p);
}

static const char *kind_name(hloc_buffer_kind k) {
    switch (k) {
    case HLOC_BUFFER_PARAMETER: return "parameter";
    case HLOC_BUFFER_OUTPUT: return "output";
    case HLOC_BUFFER_CONSTANT: return "constant";
    case HLOC_BUFFER_TEMP: return "temp";
    case HLOC_BUFFER_INLINE: return "inline";
    case HLOC_BUFFER_ROW_BLOCK: return "row-block";
    default: return "alias";
    }
}

void hloc_buffer_plan_report(const hloc_buffer_plan *p, hloc_strbuf *b) {
    int64_t params = 0, outputs = 0, consts = 0;
    uint32_t n_in_place = 0;
    for (uint32_t k = 0; k < p->n_buffers; k++) {
        const hloc_buffer *x = &p->buffers[k];
        if (x->kind == HLOC_BUFFER_PARAMETER) params += x->size;
        if (x->kind == HLOC_BUFFER_OUTPUT) outputs += x->size;
        if (x->kind == HLOC_BUFFER_CONSTANT) consts += x->size;
        n_in_place += x->in_place_of >= 0;
    }
    hloc_strbuf_printf(b, "BufferAssignment for computation %s:\n", p->comp->name);
    hloc_strbuf_printf(b, "  scratch arena (peak temporary memory): %lld bytes\n", (long long)p->arena_size);
    hloc_strbuf_printf(b, "  temporaries without reuse:             %lld bytes\n", (long long)p->temp_total);
    hloc_strbuf_printf(b, "  parameters: %lld bytes, outputs: %lld bytes, constants: %lld bytes\n",
                       (long long)params, (long long)outputs, (long long)consts);
    hloc_strbuf_printf(b, "  in-place updates: %u, alignment %u\n", n_in_place, p->alignment);
    /* Donated parameters: a result given its parameter's buffer is computed in place or into a
     * stand-in copied over the parameter at the end (codegen/entry.c). */
    const hloc_module *m = p->comp->parent;
    for (uint32_t k = 0; m && p->comp == m->entry && k < m->n_io_aliases && k < p->n_donations; k++) {
        const hloc_io_alias *a = &m->io_aliases[k];
        const hloc_buffer_donation *d = &p->donations[k];
        hloc_strbuf_printf(b, "  input_output_alias: result {");
        for (uint32_t e = 0; e < a->output_index.n; e++)
            hloc_strbuf_printf(b, "%s%lld", e ? "," : "", (long long)a->output_index.v[e]);
        hloc_strbuf_printf(b, "} may take the buffer of parameter %lld%s: %s (%s)\n", (long long)a->param_number,
                           a->must_alias ? " (must-alias)" : "", d->in_place ? "in place" : "stand-in", d->why);
    }
    hloc_strbuf_printf(b, "\n");
    hloc_strbuf_printf(b, "  %-40s %-9s %12s %13s %12s  %s\n", "value", "kind", "bytes", "live", "offset",
                       "shares");
    for (uint32_t k = 0; k < p->n_buffers; k++) {
        const hloc_buffer *x = &p->buffers[k];
        hloc_strbuf s = {0};
        hloc_print_shape(&s, &x->instr->shape);
        char live[32], off[24];
        snprintf(live, sizeof live, "[%u,%u]", x->live_start, x->live_end);
        if (x->offset >= 0) snprintf(off, sizeof off, "%lld", (long long)x->offset);
        else snprintf(off, sizeof off, "-");
        hloc_strbuf_printf(b, "  %-40s %-9s %12lld %13s %12s  ", x->instr->name, kind_name(x->kind),
                           (long long)x->size, live, off);
        if (x->in_place_of >= 0) hloc_strbuf_printf(b, "in place of %s", p->buffers[x->in_place_of].instr->name);
        else if (x->kind == HLOC_BUFFER_PARAMETER) hloc_strbuf_printf(b, "argument %lld", (long long)x->param_number);
        else if (x->kind == HLOC_BUFFER_OUTPUT) hloc_strbuf_printf(b, "result %lld", (long long)x->param_number);
        hloc_strbuf_printf(b, "  %s\n", s.data ? s.data : "");
        hloc_strbuf_free(&s);
    }
}
