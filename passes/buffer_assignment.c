/* Buffer assignment (see buffer_assignment.h). */
#include "buffer_assignment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

enum { ALIGNMENT = 64 };

static bool is_alias(const hloc_instr *i) {
    if (i->op == HLOC_OP_TUPLE || i->op == HLOC_OP_GET_TUPLE_ELEMENT) return true;
    /* A bitcast reinterprets its operand's bytes; it never moves them. */
    return i->op == HLOC_OP_BITCAST;
}

/* The buffer whose storage |i|'s value occupies (following aliases to their source). */
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

/* Marks the leaves reachable from the root through tuples as outputs, numbered depth-first. */
static void mark_outputs(hloc_buffer_plan *p, const hloc_instr *i, int64_t *leaf) {
    if (i->op == HLOC_OP_TUPLE) {
        for (uint32_t k = 0; k < i->n_operands; k++) mark_outputs(p, i->operands[k], leaf);
        return;
    }
    int32_t s = source_of(p, i);
    if (s < 0) return;
    hloc_buffer *b = &p->buffers[s];
    if (b->kind == HLOC_BUFFER_TEMP) {
        b->kind = HLOC_BUFFER_OUTPUT;
        b->param_number = *leaf;
    }
    (*leaf)++;
}

static bool can_update_in_place(const hloc_instr *i) {
    return (hloc_opcode_flags(i->op) & OPF_EW) || i->op == HLOC_OP_DYNAMIC_UPDATE_SLICE;
}

/* An instruction may write over operand k's buffer if that buffer is a temp of the same size that
 * dies here (for dynamic-update-slice only operand 0, which it updates). */
static void choose_in_place(hloc_buffer_plan *p, uint32_t pos) {
    hloc_buffer *b = &p->buffers[pos];
    const hloc_instr *i = b->instr;
    if (b->kind != HLOC_BUFFER_TEMP || !can_update_in_place(i)) return;
    uint32_t n = i->op == HLOC_OP_DYNAMIC_UPDATE_SLICE ? 1 : i->n_operands;
    for (uint32_t k = 0; k < n; k++) {
        int32_t s = source_of(p, i->operands[k]);
        if (s < 0) continue;
        hloc_buffer *o = &p->buffers[s];
        if (o->kind != HLOC_BUFFER_TEMP || o->live_end != pos || o->size != b->size) continue;
        if (o->instr->shape.type != i->shape.type && i->op != HLOC_OP_DYNAMIC_UPDATE_SLICE) continue;
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
        int64_t size = (p->buffers[k].size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        int64_t off = 0;
        for (bool moved = true; moved;) {
            moved = false;
            for (uint32_t q = 0; q < n_placed; q++) {
                int32_t o = placed[q];
                if (end[o] < start[k] || end[k] < start[o]) continue; /* not alive together */
                int64_t osz = (p->buffers[o].size + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
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
    *out = NULL;
    const hloc_computation *c = m->entry;
    if (!c || !c->root) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module has no entry computation");
    hloc_buffer_plan *p = calloc(1, sizeof *p);
    if (!p) return hloc_status_oom();
    p->comp = c;
    p->alignment = ALIGNMENT;
    p->n_ids = m->next_instr_id;
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
        b->size = hloc_shape_is_array(&i->shape) ? (int64_t)hloc_shape_bytes(&i->shape) : 0;
        if (i->op == HLOC_OP_PARAMETER) b->kind = HLOC_BUFFER_PARAMETER, b->param_number = i->attrs->index;
        else if (i->op == HLOC_OP_CONSTANT) b->kind = HLOC_BUFFER_CONSTANT;
        else if (is_alias(i) || !hloc_shape_is_array(&i->shape)) b->kind = HLOC_BUFFER_ALIAS;
        else b->kind = HLOC_BUFFER_TEMP;
        p->by_instr[i->id] = (int32_t)p->n_buffers++;
    }
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        for (uint32_t k = 0; k < i->n_operands; k++) extend(p, i->operands[k], j);
    }
    int64_t leaf = 0;
    mark_outputs(p, c->root, &leaf);
    for (uint32_t j = 0; j < p->n_buffers; j++) {
        hloc_buffer *b = &p->buffers[j];
        if (b->kind == HLOC_BUFFER_TEMP) p->temp_total += b->size;
        if (b->kind == HLOC_BUFFER_OUTPUT) b->live_end = p->n_buffers; /* the caller reads it after */
    }
    for (uint32_t j = 0; j < p->n_buffers; j++) choose_in_place(p, j);
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
    free(p);
}

static const char *kind_name(hloc_buffer_kind k) {
    switch (k) {
    case HLOC_BUFFER_PARAMETER: return "parameter";
    case HLOC_BUFFER_OUTPUT: return "output";
    case HLOC_BUFFER_CONSTANT: return "constant";
    case HLOC_BUFFER_TEMP: return "temp";
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
    hloc_strbuf_printf(b, "  in-place updates: %u, alignment %u\n\n", n_in_place, p->alignment);
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
