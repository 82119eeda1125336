/* Where values live: entry-level values at the offsets of the buffer plan
 * (passes/buffer_assignment.h), entry parameters and results in the caller's buffers, and
 * everything else codegen needs in internal scratch after the plan's arena, handed out by a bump
 * allocator that is reset after each entry-level instruction (so work space and the temporaries of
 * one fusion, while loop or sort are reused by the next). */
#include <string.h>

#include "cg.h"

typedef struct cg_slot {
    int64_t off; /* -1: empty */
    LLVMValueRef ptr;
} cg_slot;

static uint64_t align64(uint64_t n) { return (n + 63) & ~(uint64_t)63; }

/* scratch + off, one GEP per offset in the body's entry block: every use sees the same pointer
 * value (in-place updates compare pointers to skip copies) and it dominates every use. */
static LLVMValueRef slot_ptr(cg *c, int64_t off) {
    if (!c->slots) {
        /* Each leaf of each planned value adds at most one offset: at most half full. */
        uint64_t leaves = 0;
        for (uint32_t k = 0; c->plan && k < c->plan->n_buffers; k++)
            leaves += hloc_shape_n_leaves(&c->plan->buffers[k].instr->shape);
        uint32_t cap = 64;
        while (cap < 2 * leaves + 64) cap *= 2;
        c->slots = HLOC_ARENA_ARRAY(c->arena, cg_slot, cap);
        if (!c->slots) {
            cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
            return LLVMGetUndef(c->t_ptr);
        }
        for (uint32_t k = 0; k < cap; k++) c->slots[k].off = -1;
        c->slot_cap = cap;
    }
    uint32_t mask = c->slot_cap - 1, h = (uint32_t)((uint64_t)off * 0x9e3779b97f4a7c15ull >> 40) & mask;
    for (uint32_t n = 0; n < c->slot_cap; n++, h = (h + 1) & mask) {
        cg_slot *sl = &c->slots[h];
        if (sl->off == off) return sl->ptr;
        if (sl->off >= 0) continue;
        LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(c->fn);
        LLVMBuilderRef b = LLVMCreateBuilderInContext(c->ctx);
        LLVMValueRef first = LLVMGetFirstInstruction(entry);
        if (first) LLVMPositionBuilderBefore(b, first);
        else LLVMPositionBuilderAtEnd(b, entry);
        LLVMValueRef o = cg_const_i64(c, off);
        LLVMValueRef p = LLVMBuildGEP2(b, c->t_i8, c->scratch, &o, 1, "slot");
        LLVMDisposeBuilder(b);
        cg_note_origin(c, p, -1, off);
        sl->off = off;
        sl->ptr = p;
        return p;
    }
    cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: arena slot table full");
    return LLVMGetUndef(c->t_ptr);
}

LLVMValueRef cg_alloc(cg *c, uint64_t bytes) {
    uint64_t off = align64(c->int_top);
    c->int_top = off + (bytes ? bytes : 1);
    if (c->plan_bytes + align64(c->int_top) > c->scratch_bytes) c->scratch_bytes = c->plan_bytes + align64(c->int_top);
    LLVMValueRef o = cg_const_i64(c, (int64_t)(c->plan_bytes + off));
    LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_i8, c->scratch, &o, 1, "buf");
    cg_note_origin(c, p, -1, (int64_t)(c->plan_bytes + off));
    return p;
}

cg_value *cg_buffer_value(cg *c, LLVMValueRef ptr, const hloc_shape *shape) {
    cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
    if (!v) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    v->kind = CGV_BUFFER;
    v->ptr = ptr;
    v->shape = shape;
    return v;
}

static cg_value *value_tree(cg *c, const hloc_shape *shape, int64_t off);

/* Internal scratch for every leaf of |shape| (cg_alloc). */
static cg_value *alloc_tree(cg *c, const hloc_shape *shape) { return value_tree(c, shape, -1); }

cg_value *cg_alloc_value(cg *c, const hloc_shape *shape) {
    const cg_value *home = cg_take_home(c, shape);
    if (home) return (cg_value *)home;
    return alloc_tree(c, shape);
}

cg_value *cg_alloc_value_persistent(cg *c, const hloc_shape *shape) {
    cg_value *v = alloc_tree(c, shape);
    c->int_floor = c->int_top;
    return v;
}

/* ---- the buffer plan ---- */

/* The value tree of |shape|: at arena offset |off| with the leaves laid out as the plan lays them,
 * or (off < 0) each leaf in fresh internal scratch. */
static cg_value *value_tree(cg *c, const hloc_shape *shape, int64_t off) {
    if (shape->type == HLOC_TYPE_TUPLE) {
        cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
        cg_value *e = shape->n_elems ? HLOC_ARENA_ARRAY(c->arena, cg_value, shape->n_elems) : NULL;
        if (!v || (shape->n_elems && !e)) {
            cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
            return NULL;
        }
        v->kind = CGV_TUPLE;
        v->elems = e;
        v->n_elems = shape->n_elems;
        for (uint32_t k = 0; k < shape->n_elems; k++) {
            cg_value *ek = value_tree(c, &shape->elems[k], off);
            if (!ek) return NULL;
            e[k] = *ek;
            if (off >= 0) off += (int64_t)align64((uint64_t)hloc_buffer_value_size(&shape->elems[k]));
        }
        return v;
    }
    if (shape->type == HLOC_TYPE_TOKEN) {
        cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
        if (v) v->kind = CGV_TUPLE; /* a token is an empty tuple: nothing to store */
        return v;
    }
    if (!cg_type_supported(shape->type)) {
        cg_fail(c, HLOC_STATUS_UNIMPLEMENTED, "cpu codegen does not support element type %s",
                hloc_type_name(shape->type));
        return NULL;
    }
    LLVMValueRef ptr = off >= 0 ? slot_ptr(c, off) : cg_alloc(c, hloc_shape_bytes(shape));
    return cg_buffer_value(c, ptr, shape);
}

/* The value tree of |shape| at arena offset |off| (leaves laid out as the plan lays them). */
static cg_value *slot_tree(cg *c, const hloc_shape *shape, int64_t off) { return value_tree(c, shape, off); }

static uint32_t ptr_hash(const void *p, uint32_t mask) {
    return (uint32_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 40) & mask;
}

void cg_plan_index(cg *c) {
    const hloc_buffer_plan *p = c->plan;
    uint32_t cap = 64;
    while (cap < 2 * p->n_buffers + 64) cap *= 2;
    c->home_keys = HLOC_ARENA_ARRAY(c->arena, const hloc_shape *, cap);
    c->home_ids = HLOC_ARENA_ARRAY(c->arena, uint32_t, cap);
    c->home_given = HLOC_ARENA_ARRAY(c->arena, bool, p->n_ids + 1);
    if (!c->home_keys || !c->home_ids || !c->home_given) {
        c->home_keys = NULL;
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return;
    }
    c->home_cap = cap;
    for (uint32_t k = 0; k < p->n_buffers; k++) {
        if (p->buffers[k].kind != HLOC_BUFFER_TEMP) continue;
        const hloc_instr *i = p->buffers[k].instr;
        uint32_t h = ptr_hash(&i->shape, cap - 1);
        while (c->home_keys[h]) h = (h + 1) & (cap - 1);
        c->home_keys[h] = &i->shape;
        c->home_ids[h] = i->id;
    }
}

static cg_value *while_home(cg *c, cg_scope *s, const hloc_instr *i, int64_t off);

/* The slot of the entry instruction whose shape is |shape|, if it has one, is not emitted yet and
 * has not had it handed out: an instruction allocating its own value (also when a row-blocked
 * group allocates the values of all its members at once). */
static const cg_value *planned_home(cg *c, const hloc_shape *shape) {
    if (!c->plan_scope || !c->home_keys) return NULL;
    uint32_t mask = c->home_cap - 1;
    for (uint32_t h = ptr_hash(shape, mask); c->home_keys[h]; h = (h + 1) & mask) {
        if (c->home_keys[h] != shape) continue;
        uint32_t id = c->home_ids[h];
        if (c->plan_scope->vals[id] || c->home_given[id]) return NULL;
        c->home_given[id] = true;
        const hloc_buffer *b = &c->plan->buffers[c->plan->by_instr[id]];
        const hloc_instr *i = b->instr;
        return i->op == HLOC_OP_WHILE && i->shape.type == HLOC_TYPE_TUPLE
                   ? while_home(c, c->plan_scope, i, b->offset)
                   : slot_tree(c, &i->shape, b->offset);
    }
    return NULL;
}

const cg_value *cg_take_home(cg *c, const hloc_shape *shape) {
    if (c->home && c->home_shape == shape) {
        const cg_value *h = c->home;
        c->home = NULL; /* once: further buffers of that shape are the instruction's own work space */
        /* (and not again through the index either) */
        for (uint32_t m = c->home_cap ? c->home_cap - 1 : 0, k = c->home_keys ? ptr_hash(shape, m) : 0;
             c->home_keys && c->home_keys[k]; k = (k + 1) & m)
            if (c->home_keys[k] == shape) c->home_given[c->home_ids[k]] = true;
        return h;
    }
    return planned_home(c, shape);
}

/* A while's home: its slice, except the elements its body passes through, which stay in the
 * init's buffers (the plan keeps those alive as long as the while's value). */
static cg_value *while_home(cg *c, cg_scope *s, const hloc_instr *i, int64_t off) {
    cg_value *init = s->vals[i->operands[0]->id];
    if (!init || init->kind != CGV_TUPLE || init->n_elems != i->shape.n_elems) return slot_tree(c, &i->shape, off);
    cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
    cg_value *e = i->shape.n_elems ? HLOC_ARENA_ARRAY(c->arena, cg_value, i->shape.n_elems) : NULL;
    if (!v || (i->shape.n_elems && !e)) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    v->kind = CGV_TUPLE;
    v->elems = e;
    v->n_elems = i->shape.n_elems;
    for (uint32_t k = 0; k < i->shape.n_elems; k++) {
        if (hloc_buffer_while_passthrough(i, k)) {
            e[k] = init->elems[k];
            continue;
        }
        cg_value *ek = slot_tree(c, &i->shape.elems[k], off + hloc_buffer_elem_offset(i, k));
        if (!ek) return NULL;
        e[k] = *ek;
    }
    return v;
}

const cg_value *cg_plan_begin(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *out, uint64_t *mark) {
    *mark = c->int_top;
    const cg_value *home = out;
    if (!home && c->plan && i->id < c->plan->n_ids && c->plan->by_instr[i->id] >= 0) {
        const hloc_buffer *b = &c->plan->buffers[c->plan->by_instr[i->id]];
        if (b->kind == HLOC_BUFFER_TEMP)
            home = i->op == HLOC_OP_WHILE && i->shape.type == HLOC_TYPE_TUPLE ? while_home(c, s, i, b->offset)
                                                                             : slot_tree(c, &i->shape, b->offset);
    }
    c->home = home;
    c->home_shape = &i->shape;
    return home;
}

cg_value *cg_plan_end(cg *c, cg_scope *s, cg_value *v, const cg_value *home, uint64_t mark) {
    c->home = NULL;
    c->home_shape = NULL;
    if (home && v && !c->err && v->kind != CGV_INLINE) {
        /* A value that ended up elsewhere (internal scratch, another value's buffer) moves home:
         * internal scratch is about to be reused, and the plan counts on its own slot. */
        cg_copy_value(c, s, v, home);
        v = (cg_value *)home;
    }
    c->int_top = mark > c->int_floor ? mark : c->int_floor;
    return v;
}

static bool same_layout(const hloc_shape *a, const hloc_shape *b) {
    if (a->type != b->type || a->rank != b->rank) return false;
    for (uint32_t d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d]) return false;
    bool da = !a->has_layout || hloc_shape_has_default_layout(a);
    bool db = !b->has_layout || hloc_shape_has_default_layout(b);
    if (da && db) return true;
    if (!a->has_layout || !b->has_layout) return false;
    /* Dims of size 1 do not move bytes; compare the order of the others. */
    uint32_t ia = 0, ib = 0;
    for (;;) {
        while (ia < a->rank && a->dims[a->minor_to_major[ia]] == 1) ia++;
        while (ib < b->rank && b->dims[b->minor_to_major[ib]] == 1) ib++;
        if (ia == a->rank || ib == b->rank) return ia == a->rank && ib == b->rank;
        if (a->minor_to_major[ia++] != b->minor_to_major[ib++]) return false;
    }
}

/* Is |p| the body's argument for a result that may be its donated parameter's buffer? */
static bool in_place_result(const cg *c, LLVMValueRef p) {
    for (uint32_t k = 0; k < c->n_aliases; k++)
        if (c->aliases[k].in_place && c->aliases[k].res_arg == p) return true;
    return false;
}

void cg_copy_value(cg *c, cg_scope *s, const cg_value *src, const cg_value *dst) {
    (void)s;
    if (dst->kind == CGV_TUPLE) {
        if (src->kind != CGV_TUPLE || src->n_elems != dst->n_elems) {
            cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: tuple copy between different shapes");
            return;
        }
        for (uint32_t k = 0; k < dst->n_elems; k++) cg_copy_value(c, s, &src->elems[k], &dst->elems[k]);
        return;
    }
    if (src->kind != CGV_BUFFER || dst->kind != CGV_BUFFER) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: copy of a value that is not a buffer");
        return;
    }
    if (src->ptr == dst->ptr) return;
    const hloc_shape *ss = src->shape, *ds = dst->shape;
    if (!hloc_shape_same_dims(ss, ds) || ss->type != ds->type) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: copy between %s and %s arrays of different shapes",
                hloc_type_name(ss->type), hloc_type_name(ds->type));
        return;
    }
    if (same_layout(ss, ds)) {
        uint64_t n = hloc_shape_bytes(ds);
        if (n && in_place_result(c, dst->ptr)) {
            /* A donated buffer computed in place may be the source itself (a pass-through, the
             * operand of a dynamic-update-slice): then there is nothing to copy. */
            LLVMBasicBlockRef copy = cg_block(c, "copy"), done = cg_block(c, "copied");
            LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntEQ, dst->ptr, src->ptr, ""), done, copy);
            LLVMPositionBuilderAtEnd(c->b, copy);
            LLVMBuildMemCpy(c->b, dst->ptr, 1, src->ptr, 1, cg_const_i64(c, (int64_t)n));
            LLVMBuildBr(c->b, done);
            LLVMPositionBuilderAtEnd(c->b, done);
            return;
        }
        if (n) LLVMBuildMemCpy(c->b, dst->ptr, 1, src->ptr, 1, cg_const_i64(c, (int64_t)n));
        return;
    }
    /* (A result computed in place is never its own source here: the plan passes a parameter
     * through, or updates it with a dynamic-update-slice, only when the layouts agree.) */
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin(c, &nest, ds, idx);
    LLVMValueRef v = cg_load(c, ss->type, src->ptr, cg_offset(c, ss, idx));
    cg_store(c, ds->type, dst->ptr, cg_offset(c, ds, idx), v);
    cg_nest_end(c, &nest);
}
