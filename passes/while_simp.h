/* Trip counts of while loops, for the while-loop simplifier. */
#ifndef HLOC_PASSES_WHILE_SIMP_H
#define HLOC_PASSES_WHILE_SIMP_H

#include <stdbool.h>
#include <stdint.h>

#include "ir.h"

typedef struct hloc_trip_count {
    int64_t trips; /* times the body runs */
    int64_t index; /* tuple element of the induction variable */
    int64_t init, step;
} hloc_trip_count;

/* Whether |w| is a counted loop whose trip count is known: one tuple element (the induction
 * variable, s32, s64 or u32) starts at a constant, the body's root sets it to itself plus or minus
 * a constant and nothing else, and the condition's root compares it (LT, LE, GT, GE or NE) with a
 * constant; the condition has no side effects. The count must not depend on wrap-around. On true,
 * fills *out. */
bool hloc_while_trip_count(const hloc_instr *w, hloc_trip_count *out);

#endif
