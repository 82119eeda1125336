/* Layout-sensitive verification, for modules after layout assignment (XLA's layout-sensitive
 * HloVerifier): every array has a layout, and instructions that only pass data along (tuple,
 * get-tuple-element, while, call, conditional, fusion parameters, opt-barrier, domain, copy-start
 * sources, custom-call operand_layout_constraints, the entry signature) keep it exactly. Other
 * instructions may change layouts freely. */
#include <stdarg.h>
#include <stdio.h>

#include "shape_inference_internal.h"

typedef struct lctx {
    const hloc_module *m;
    hloc_diag *d;
    uint32_t n_errors;
} lctx;

static void lerr(lctx *v, hloc_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lerr(lctx *v, hloc_loc loc, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hloc_diag_report(v->d, HLOC_SEV_ERROR, loc, "%s", msg);
    v->n_errors++;
}

/* The shape with its layout, e.g. "f32[2,3]{0,1}"; tuples element by element. */
static size_t layout_str(char *buf, size_t n, size_t at, const hloc_shape *s) {
    if (at >= n) return at;
    if (s->type == HLOC_TYPE_TUPLE) {
        at += (size_t)snprintf(buf + at, n - at, "(");
        for (uint32_t k = 0; k < s->n_elems && at < n; k++) {
            if (k && at < n) at += (size_t)snprintf(buf + at, n - at, ", ");
            at = layout_str(buf, n, at, &s->elems[k]);
        }
        if (at < n) at += (size_t)snprintf(buf + at, n - at, ")");
        return at;
    }
    char dims[192];
    hloc_si_format_shape(dims, sizeof dims, s);
    at += (size_t)snprintf(buf + at, n - at, "%s", dims);
    if (!hloc_type_is_array(s->type) || !s->has_layout || at >= n) return at;
    at += (size_t)snprintf(buf + at, n - at, "{");
    for (uint32_t k = 0; k < s->rank && at < n; k++)
        at += (size_t)snprintf(buf + at, n - at, "%s%u", k ? "," : "", s->minor_to_major[k]);
    if (at < n) at += (size_t)snprintf(buf + at, n - at, "%s}", s->layout_ext ? ":..." : "");
    return at;
}

static const char *lstr(char *buf, size_t n, const hloc_shape *s) {
    buf[0] = 0;
    layout_str(buf, n, 0, s);
    return buf;
}

static bool all_laid_out(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < s->n_elems; k++)
            if (!all_laid_out(&s->elems[k])) return false;
        return true;
    }
    return !hloc_type_is_array(s->type) || s->has_layout;
}

/* |got| must equal |want| including layouts; |what| says which two shapes these are. */
static void same_layout(lctx *v, const hloc_instr *i, const hloc_shape *got, const hloc_shape *want,
                        const char *what) {
    if (hloc_shape_equal(got, want)) return;
    char a[384], b[384];
    lerr(v, i->loc, "'%s': %s: %s, expected %s (layouts must match)", i->name, what,
         lstr(a, sizeof a, got), lstr(b, sizeof b, want));
}

/* A called computation sees exactly the operands' shapes and gives back exactly the result. */
static void check_callee(lctx *v, const hloc_instr *i, const hloc_computation *c,
                         uint32_t first_operand, uint32_t n_operands, bool check_root) {
    char what[160];
    if (!c) return;
    for (uint32_t k = 0; k < n_operands && k < c->n_params; k++) {
        if (!c->params[k] || first_operand + k >= i->n_operands) continue;
        snprintf(what, sizeof what, "parameter %u of '%s'", k, c->name);
        same_layout(v, i, &c->params[k]->shape, &i->operands[first_operand + k]->shape, what);
    }
    if (check_root && c->root) {
        snprintf(what, sizeof what, "result, root of '%s' is", c->name);
        same_layout(v, i, &i->shape, &c->root->shape, what);
    }
}

static void check_instr(lctx *v, const hloc_instr *i) {
    char a[384];
    if (!all_laid_out(&i->shape)) {
        lerr(v, i->loc, "'%s': %s has no layout", i->name, lstr(a, sizeof a, &i->shape));
        return;
    }
    const hloc_shape *x = i->n_operands ? &i->operands[0]->shape : NULL;
    switch (i->op) {
    case HLOC_OP_TUPLE:
        if (!hloc_shape_is_tuple(&i->shape) || i->shape.n_elems != i->n_operands) return;
        for (uint32_t k = 0; k < i->n_operands; k++) {
            char what[64];
            snprintf(what, sizeof what, "element %u", k);
            same_layout(v, i, &i->shape.elems[k], &i->operands[k]->shape, what);
        }
        return;
    case HLOC_OP_GET_TUPLE_ELEMENT:
        if (x && hloc_shape_is_tuple(x) && i->attrs->index >= 0 && i->attrs->index < x->n_elems)
            same_layout(v, i, &i->shape, &x->elems[i->attrs->index], "result, tuple element is");
        return;
    case HLOC_OP_OPTIMIZATION_BARRIER:
    case HLOC_OP_DOMAIN:
    case HLOC_OP_ADD_DEPENDENCY:
        if (x) same_layout(v, i, &i->shape, x, "result, operand is");
        return;
    case HLOC_OP_COPY_START:
        if (x && hloc_shape_is_tuple(&i->shape) && i->shape.n_elems >= 2)
            same_layout(v, i, &i->shape.elems[1], x, "source element, operand is");
        return;
    case HLOC_OP_WHILE:
        if (!x || i->n_called < 2) return;
        same_layout(v, i, &i->shape, x, "result, operand is");
        check_callee(v, i, i->called[0], 0, 1, false);
        check_callee(v, i, i->called[1], 0, 1, true);
        return;
    case HLOC_OP_CALL:
    case HLOC_OP_FUSION:
        if (i->n_called) check_callee(v, i, i->called[0], 0, i->n_operands, true);
        return;
    case HLOC_OP_CUSTOM_CALL:
        if (!i->attrs->has_operand_layout_constraints ||
            i->attrs->n_operand_layout_constraints != i->n_operands)
            return;
        for (uint32_t k = 0; k < i->n_operands; k++) {
            char what[96];
            snprintf(what, sizeof what, "operand %u, operand_layout_constraints says", k);
            same_layout(v, i, &i->operands[k]->shape, &i->attrs->operand_layout_constraints[k],
                        what);
        }
        return;
    case HLOC_OP_CONDITIONAL:
        for (uint32_t k = 0; k < i->n_called; k++)
            check_callee(v, i, i->called[k], k + 1, 1, true);
        return;
    default:
        return;
    }
}

static void check_entry(lctx *v) {
    const hloc_module *m = v->m;
    const hloc_computation *e = m->entry;
    if (!e || !m->has_entry_layout || m->n_entry_params != e->n_params) return;
    for (uint32_t k = 0; k < e->n_params; k++)
        if (e->params[k])
            same_layout(v, e->params[k], &e->params[k]->shape, &m->entry_param_shapes[k],
                        "parameter, entry_computation_layout says");
    if (e->root)
        same_layout(v, e->root, &e->root->shape, &m->entry_result_shape,
                    "entry result, entry_computation_layout says");
}

uint32_t hloc_verify_layouts(const hloc_module *m, hloc_diag *d) {
    lctx v = {m, d, 0};
    for (uint32_t c = 0; c < m->n_comps; c++) {
        const hloc_computation *comp = m->comps[c];
        for (uint32_t k = 0; k < comp->n_instrs; k++) {
            const hloc_instr *i = comp->instrs[k];
            if (i && !i->dead) check_instr(&v, i);
        }
    }
    check_entry(&v);
    return v.n_errors;
}
