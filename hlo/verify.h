/* Shape inference (XLA's ShapeInference) and the module verifier. */
#ifndef HLOC_HLO_VERIFY_H
#define HLOC_HLO_VERIFY_H

#include <stdbool.h>

#include "diag.h"
#include "ir.h"

/* Infers the result shape of |i| from its operands' shapes, attributes and called computations.
 * On success returns true and sets *out (tuple elements in |a|); the inferred shape carries a
 * default layout. Opcodes whose shape cannot be inferred (parameter, constant, reshape, convert,
 * custom-call, ...) return true and *out = i->shape. On an error returns false and reports it
 * into |d| at i->loc, naming the instruction. */
bool hloc_infer_shape(const hloc_instr *i, hloc_arena *a, hloc_shape *out, hloc_diag *d);

/* Verifies the whole module and reports *every* error into |d|: declared shapes that disagree
 * with inference, wrong operand counts or types or ranks, bad attributes (out-of-range
 * dimensions, ...), called computations with wrong signatures, repeated instruction or computation
 * names, missing roots, operands from another computation, cycles. Returns true if no error. */
bool hloc_verify_module(const hloc_module *m, hloc_diag *d);

typedef struct hloc_verify_options {
    /* After layout assignment (XLA's layout-sensitive verifier): every array shape has a layout,
     * and instructions that only pass data along (tuple, get-tuple-element, while, call,
     * conditional, fusion parameters, opt-barrier, the entry signature) keep layouts exactly.
     * Checked only when the module is otherwise valid. */
    bool layout_sensitive;
} hloc_verify_options;

/* hloc_verify_module() with options; NULL options = all false. */
bool hloc_verify_module_opts(const hloc_module *m, const hloc_verify_options *o, hloc_diag *d);

#endif
