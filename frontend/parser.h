/* The HLO text parser (frontend). Reads the full text format as XLA prints it: `%` names or bare,
 * comments, layouts with tiles and the other extras, dynamic dims, tuple shapes, every typed
 * attribute of attrs.h (others kept raw in attrs->extra as written), metadata, the module header
 * and stack-frame tables, constants of every element type, left-out shapes XLA can infer, operands
 * written as nested instructions, computations written in place (`to_apply={...}`), async `-start`
 * sugar, and names used before their definition (operands within a computation, computations
 * within a module). Files with several modules (`// -----`) are split by the caller. */
#ifndef HLOC_FRONTEND_PARSER_H
#define HLOC_FRONTEND_PARSER_H

#include <stddef.h>

#include "ir.h"
#include "status.h"

/* Parses |len| bytes of |text|; |file| names the input in messages. On success *out is a new
 * module (caller owns; hloc_module_destroy) and NULL is returned. On failure *out is NULL and the
 * status (HLOC_STATUS_INVALID_ARGUMENT) reads "file:line:col: error: expected X, found Y" with the
 * source line and a caret. Never crashes on any input. */
hloc_status *hloc_parse_module(const char *text, size_t len, const char *file, hloc_module **out);

/* Parses a shape such as "f32[2,3]{1,0}" or "(s32[], pred[])" into *out (tuple parts in |a|). */
hloc_status *hloc_parse_shape(const char *text, hloc_arena *a, hloc_shape *out);

#endif
