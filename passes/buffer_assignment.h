/* Buffer assignment: where every value of the entry computation lives at run time.
 * Parameters are the caller's buffers, the root's leaves the caller's result buffers, constants
 * globals; every other value gets a slice of one scratch arena (a tuple-shaped one, say a while's
 * state, one slice with its leaves one after another, each aligned). Liveness runs over the
 * computation's instruction order (the schedule); values whose live ranges don't overlap share
 * memory, and an elementwise instruction or dynamic-update-slice writes into an operand that dies
 * at it (in place). Tuples, get-tuple-element, bitcasts and optimization barriers alias their
 * operands. Codegen (codegen/entry.c) places every value where the plan says; it tells the plan
 * which values it generates inside their consumers (they get no storage and keep their operands
 * alive until those consumers run) and which it computes straight into result buffers. */
#ifndef HLOC_PASSES_BUFFER_ASSIGNMENT_H
#define HLOC_PASSES_BUFFER_ASSIGNMENT_H

#include <stdint.h>

#include "ir.h"
#include "status.h"

typedef enum hloc_buffer_kind {
    HLOC_BUFFER_PARAMETER, /* caller's argument */
    HLOC_BUFFER_OUTPUT,    /* caller's result buffer */
    HLOC_BUFFER_CONSTANT,  /* a global in the emitted code */
    HLOC_BUFFER_TEMP,      /* a slice of the scratch arena */
    HLOC_BUFFER_ALIAS,     /* no storage: tuple, get-tuple-element, bitcast, token, dead */
    HLOC_BUFFER_INLINE,    /* no storage: generated inside each consumer (codegen's choice) */
    HLOC_BUFFER_ROW_BLOCK, /* no storage: a row group's own value, kept block by block on the stack */
} hloc_buffer_kind;

typedef struct hloc_buffer {
    const hloc_instr *instr;  /* defining instruction */
    hloc_buffer_kind kind;
    int64_t size;             /* bytes */
    uint32_t live_start, live_end; /* positions in the schedule, inclusive */
    int64_t offset;           /* arena offset for TEMP, else -1 */
    int32_t in_place_of;      /* buffer index whose storage this one takes over, or -1 */
    int64_t param_number;     /* PARAMETER: its number; OUTPUT: its leaf index */
} hloc_buffer;

/* What becomes of one input_output_alias pair when the caller does hand the result the parameter's
 * buffer (a donation): the result is computed straight into that buffer when no read of the
 * parameter can observe a write to it, else into a stand-in in scratch that is copied over the
 * parameter after the body ran (codegen/entry.c). */
typedef struct hloc_buffer_donation {
    int64_t result_leaf;  /* depth-first leaf of the root; -1 when the index names no array leaf */
    int64_t param_number;
    bool in_place;
    const char *why;      /* static text: how it is safe, or why the stand-in stays */
} hloc_buffer_donation;

typedef struct hloc_buffer_plan {
    const hloc_computation *comp;
    hloc_buffer *buffers;     /* one per instruction of comp, in schedule order */
    uint32_t n_buffers;
    int32_t *by_instr;        /* instruction id -> buffer index, -1 when not in comp */
    uint32_t n_ids;
    int64_t arena_size;       /* bytes of scratch the computation needs */
    int64_t temp_total;       /* sum of TEMP sizes without reuse, for the report */
    uint32_t alignment;
    hloc_buffer_donation *donations; /* one per module io_alias pair, in its order */
    uint32_t n_donations;
} hloc_buffer_plan;

/* What the code generator decided before planning; NULL arrays: the plan's defaults (nothing
 * inlined; every array leaf of the root other than a parameter, constant or bitcast is computed
 * into its result buffer). */
typedef struct hloc_buffer_plan_options {
    const bool *inlined;       /* by instruction id: generated inside its consumers */
    const bool *direct_output; /* by instruction id: computed straight into a result buffer */
    /* Codegen may run a run of consecutive fusions and reduces with the same number of rows
     * (dimension 0) block by block, all members interleaved: every member and operand of such a
     * run is then alive for the whole run, and none is updated in place. */
    bool row_groups;
    /* by instruction id: kept by codegen in blocks of rows on the stack while its group runs
     * (read only inside the group); like an inlined value, its operands are read wherever its
     * readers run */
    const bool *row_block;
} hloc_buffer_plan_options;

/* Plans the entry computation of |m|. The plan refers to |m| and is valid until it changes. */
hloc_status *hloc_buffer_plan_create(const hloc_module *m, hloc_buffer_plan **out);
hloc_status *hloc_buffer_plan_create_with(const hloc_module *m, const hloc_buffer_plan_options *o,
                                          hloc_buffer_plan **out);
/* Is element |k| of while |w|'s state passed through its body unchanged (the body's root tuple
 * has get-tuple-element(param, k) there) with an init that is a tuple instruction? Then that
 * element stays in the init operand's buffer (no copy, no storage of its own in the while's
 * slice), and that buffer lives as long as the while's value. */
bool hloc_buffer_while_passthrough(const hloc_instr *w, uint32_t k);
/* Byte offset of element |k| of instruction |i|'s value inside its slice: elements laid out one
 * after another, each aligned; a while's pass-through elements take no room. */
int64_t hloc_buffer_elem_offset(const hloc_instr *i, uint32_t k);
/* Byte offset of leaf |leaf| (depth-first) inside the slice of a value of shape |s| (0 for an
 * array), and the slice's size: leaves are laid out one after another, each aligned. */
int64_t hloc_buffer_leaf_offset(const hloc_shape *s, uint32_t leaf);
int64_t hloc_buffer_value_size(const hloc_shape *s);
void hloc_buffer_plan_destroy(hloc_buffer_plan *p); /* NULL is a no-op */
/* The buffer-assignment report: every buffer, its size, live range, what it shares, peak. */
void hloc_buffer_plan_report(const hloc_buffer_plan *p, hloc_strbuf *b);

#endif
