/* The simple buffer planner: every materialized value gets its own 64-byte-aligned block of one
 * scratch arena, handed out by a bump allocator as emission proceeds (no reuse yet; a buffer
 * assignment pass will replace it). Entry parameters and results are the caller's buffers. */
#include <string.h>

#include "cg.h"

LLVMValueRef cg_alloc(cg *c, uint64_t bytes) {
    uint64_t off = (c->scratch_bytes + 63) & ~(uint64_t)63;
    c->scratch_bytes = off + (bytes ? bytes : 1);
    LLVMValueRef o = cg_const_i64(c, (int64_t)off);
    LLVMValueRef p = LLVMBuildGEP2(c->b, c->t_i8, c->scratch, &o, 1, "buf");
    cg_note_origin(c, p, -1, (int64_t)off);
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

cg_value *cg_alloc_value(cg *c, const hloc_shape *shape) {
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
            cg_value *ek = cg_alloc_value(c, &shape->elems[k]);
            if (!ek) return NULL;
            e[k] = *ek;
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
    return cg_buffer_value(c, cg_alloc(c, hloc_shape_bytes(shape)), shape);
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
        if (n) LLVMBuildMemCpy(c->b, dst->ptr, 1, src->ptr, 1, cg_const_i64(c, (int64_t)n));
        return;
    }
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin(c, &nest, ds, idx);
    LLVMValueRef v = cg_load(c, ss->type, src->ptr, cg_offset(c, ss, idx));
    cg_store(c, ds->type, dst->ptr, cg_offset(c, ds, idx), v);
    cg_nest_end(c, &nest);
}
