/* Buffer assignment: where every value of the entry computation lives at run time.
 * Parameters are the caller's buffers, the root's leaves the caller's result buffers, constants
 * globals; every other array value gets a slice of one scratch arena. Liveness runs over the
 * computation's instruction order (the schedule); values whose live ranges don't overlap share
 * memory, and an elementwise instruction or dynamic-update-slice writes into an operand that dies
 * at it (in place). Tuples, get-tuple-element and bitcasts alias their operands. */
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
    HLOC_BUFFER_ALIAS,     /* no storage: tuple, get-tuple-element, bitcast */
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

typedef struct hloc_buffer_plan {
    const hloc_computation *comp;
    hloc_buffer *buffers;     /* one per instruction of comp, in schedule order */
    uint32_t n_buffers;
    int32_t *by_instr;        /* instruction id -> buffer index, -1 when not in comp */
    uint32_t n_ids;
    int64_t arena_size;       /* bytes of scratch the computation needs */
    int64_t temp_total;       /* sum of TEMP sizes without reuse, for the report */
    uint32_t alignment;
} hloc_buffer_plan;

/* Plans the entry computation of |m|. The plan refers to |m| and is valid until it changes. */
hloc_status *hloc_buffer_plan_create(const hloc_module *m, hloc_buffer_plan **out);
void hloc_buffer_plan_destroy(hloc_buffer_plan *p); /* NULL is a no-op */
/* The buffer-assignment report: every buffer, its size, live range, what it shares, peak. */
void hloc_buffer_plan_report(const hloc_buffer_plan *p, hloc_strbuf *b);

#endif
