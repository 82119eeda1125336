/* Shape inference entry point: checks fixed arities, then hands each opcode to its family
 * (shape_inference_*.c). Also the helpers those files share: errors naming the instruction, shape
 * formatting for messages, dimension-list and computation-signature checks. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shape_inference_internal.h"

bool hloc_si_fail(hloc_si *s, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s->d) hloc_diag_report(s->d, HLOC_SEV_ERROR, s->i->loc, "'%s': %s", s->i->name, msg);
    return false;
}

static size_t put(char *buf, size_t n, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t n, size_t at, const char *fmt, ...) {
    if (at >= n) return at;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + at, n - at, fmt, ap);
    va_end(ap);
    return w < 0 ? at : at + (size_t)w;
}

static size_t format_shape(char *buf, size_t n, size_t at, const hloc_shape *sh, int depth) {
    if (sh->type == HLOC_TYPE_TUPLE) {
        at = put(buf, n, at, "(");
        for (uint32_t k = 0; k < sh->n_elems; k++) {
            if (k) at = put(buf, n, at, ", ");
            at = depth > 8 ? put(buf, n, at, "...")
                           : format_shape(buf, n, at, &sh->elems[k], depth + 1);
        }
        return put(buf, n, at, ")");
    }
    at = put(buf, n, at, "%s", hloc_type_name(sh->type));
    if (!hloc_type_is_array(sh->type)) return put(buf, n, at, "[]"); /* token[], as XLA prints it */
    at = put(buf, n, at, "[");
    for (uint32_t k = 0; k < sh->rank; k++) {
        const char *sep = k ? "," : "";
        if (sh->dim_kind[k] == HLOC_DIM_UNBOUNDED)
            at = put(buf, n, at, "%s?", sep);
        else if (sh->dim_kind[k] == HLOC_DIM_BOUNDED)
            at = put(buf, n, at, "%s<=%lld", sep, (long long)sh->dims[k]);
        else
            at = put(buf, n, at, "%s%lld", sep, (long long)sh->dims[k]);
    }
    return put(buf, n, at, "]");
}

void hloc_si_format_shape(char *buf, size_t n, const hloc_shape *shape) {
    if (!n) return;
    buf[0] = 0;
    format_shape(buf, n, 0, shape, 0);
}

const char *hloc_si_str(hloc_si *s, const hloc_shape *shape) {
    char *buf = s->strs[s->next_str++ % 4];
    hloc_si_format_shape(buf, sizeof s->strs[0], shape);
    return buf;
}

bool hloc_si_need_array(hloc_si *s, uint32_t k) {
    const hloc_shape *o = hloc_si_op(s, k);
    if (hloc_shape_is_array(o)) return true;
    return hloc_si_fail(s, "operand %u must be an array, found %s", k, hloc_si_str(s, o));
}

bool hloc_si_need_rank(hloc_si *s, uint32_t k, uint32_t rank) {
    if (!hloc_si_need_array(s, k)) return false;
    const hloc_shape *o = hloc_si_op(s, k);
    if (o->rank == rank) return true;
    return hloc_si_fail(s, "operand %u has rank %u, expected %u", k, o->rank, rank);
}

bool hloc_si_need_scalar(hloc_si *s, uint32_t k) {
    if (!hloc_si_need_array(s, k)) return false;
    const hloc_shape *o = hloc_si_op(s, k);
    if (o->rank == 0) return true;
    return hloc_si_fail(s, "operand %u must be a scalar, found %s", k, hloc_si_str(s, o));
}

bool hloc_si_need_type(hloc_si *s, uint32_t k, hloc_type t) {
    const hloc_shape *o = hloc_si_op(s, k);
    if (o->type == t) return true;
    return hloc_si_fail(s, "operand %u has type %s, expected %s", k, hloc_type_name(o->type),
                        hloc_type_name(t));
}

bool hloc_si_need_operands(hloc_si *s, uint32_t min, uint32_t max) {
    uint32_t n = s->i->n_operands;
    if (n >= min && n <= max) return true;
    if (min == max) return hloc_si_fail(s, "expected %u operands, found %u", min, n);
    if (max == UINT32_MAX)
        return hloc_si_fail(s, "expected at least %u operands, found %u", min, n);
    return hloc_si_fail(s, "expected %u to %u operands, found %u", min, max, n);
}

bool hloc_si_check_dims(hloc_si *s, const int64_t *dims, uint32_t n, uint32_t rank,
                        const char *what) {
    for (uint32_t k = 0; k < n; k++) {
        if (dims[k] < 0 || dims[k] >= (int64_t)rank)
            return hloc_si_fail(s, "%s: dimension %lld out of range for rank %u", what,
                                (long long)dims[k], rank);
        for (uint32_t j = 0; j < k; j++)
            if (dims[j] == dims[k])
                return hloc_si_fail(s, "%s: dimension %lld repeated", what, (long long)dims[k]);
    }
    return true;
}

hloc_shape hloc_si_array(hloc_type t, uint32_t rank, const int64_t *dims) {
    return hloc_shape_array(t, rank, dims);
}

bool hloc_si_tuple(hloc_si *s, const hloc_shape *elems, uint32_t n, hloc_shape *out) {
    hloc_shape t = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    if (n) {
        t.elems = HLOC_ARENA_ARRAY(s->a, hloc_shape, n);
        if (!t.elems) return hloc_si_fail(s, "out of memory");
        for (uint32_t k = 0; k < n; k++)
            t.elems[k] = hloc_si_strip_layout(s, &elems[k]);
        t.n_elems = n;
    }
    *out = t;
    return true;
}

hloc_shape hloc_si_strip_layout(hloc_si *s, const hloc_shape *shape) {
    hloc_shape c = *shape;
    c.layout_ext = NULL;
    if (shape->type == HLOC_TYPE_TUPLE) {
        c.elems = shape->n_elems ? HLOC_ARENA_ARRAY(s->a, hloc_shape, shape->n_elems) : NULL;
        if (!c.elems) c.n_elems = 0;
        for (uint32_t k = 0; k < c.n_elems; k++)
            c.elems[k] = hloc_si_strip_layout(s, &shape->elems[k]);
        return c;
    }
    hloc_shape_set_default_layout(&c);
    return c;
}

static bool same(const hloc_shape *a, const hloc_shape *b, bool type) {
    if (a->type == HLOC_TYPE_TUPLE || b->type == HLOC_TYPE_TUPLE) {
        if (a->type != b->type || a->n_elems != b->n_elems) return false;
        for (uint32_t k = 0; k < a->n_elems; k++)
            if (!same(&a->elems[k], &b->elems[k], type)) return false;
        return true;
    }
    if (type && a->type != b->type) return false;
    if (hloc_type_is_array(a->type) != hloc_type_is_array(b->type)) return false;
    if (a->rank != b->rank) return false;
    for (uint32_t k = 0; k < a->rank; k++) {
        /* An unbounded dim matches anything: its size is only known at run time. */
        if (a->dim_kind[k] == HLOC_DIM_UNBOUNDED || b->dim_kind[k] == HLOC_DIM_UNBOUNDED) continue;
        if (a->dims[k] != b->dims[k]) return false;
    }
    return true;
}

bool hloc_si_same(const hloc_shape *a, const hloc_shape *b) { return same(a, b, true); }
bool hloc_si_same_dims(const hloc_shape *a, const hloc_shape *b) { return same(a, b, false); }

const hloc_computation *hloc_si_callee(hloc_si *s, uint32_t k, const char *role) {
    if (k < s->i->n_called && s->i->called[k]) return s->i->called[k];
    hloc_si_fail(s, "missing %s computation", role);
    return NULL;
}

/* A note pointing at the callee's part at fault; returns false to end the failing check. */
static bool callee_note(hloc_si *s, hloc_loc loc, const char *what, const char *name) {
    if (s->d && loc.line) hloc_diag_report(s->d, HLOC_SEV_NOTE, loc, "%s '%s' is here", what, name);
    return false;
}

bool hloc_si_check_signature(hloc_si *s, const hloc_computation *c, const char *role,
                             const hloc_shape *const *params, uint32_t n,
                             const hloc_shape *result) {
    if (c->n_params != n) {
        hloc_si_fail(s, "%s computation '%s' takes %u parameters, expected %u", role, c->name,
                     c->n_params, n);
        return callee_note(s, c->loc, "computation", c->name);
    }
    for (uint32_t k = 0; k < n; k++) {
        const hloc_instr *p = c->params[k];
        if (!p) return hloc_si_fail(s, "%s computation '%s' has no parameter %u", role, c->name, k);
        if (!hloc_si_same(&p->shape, params[k])) {
            hloc_si_fail(s, "%s computation '%s' parameter %u has shape %s, expected %s", role,
                         c->name, k, hloc_si_str(s, &p->shape), hloc_si_str(s, params[k]));
            return callee_note(s, p->loc, "parameter", p->name);
        }
    }
    if (!c->root) return hloc_si_fail(s, "%s computation '%s' has no root", role, c->name);
    if (result && !hloc_si_same(&c->root->shape, result)) {
        hloc_si_fail(s, "%s computation '%s' returns %s, expected %s", role, c->name,
                     hloc_si_str(s, &c->root->shape), hloc_si_str(s, result));
        return callee_note(s, c->root->loc, "root", c->root->name);
    }
    return true;
}

static bool fp_compatible(hloc_type a, hloc_type b) {
    return a == b || (hloc_type_is_float(a) && hloc_type_is_float(b));
}

static const hloc_shape *param_shape(const hloc_computation *c, uint32_t k) {
    return k < c->n_params && c->params[k] ? &c->params[k]->shape : NULL;
}

bool hloc_si_check_reducer(hloc_si *s, const hloc_computation *c, const char *role,
                           const hloc_type *init, const hloc_type *in, uint32_t n, hloc_type *acc) {
    if (!in) in = init;
    if (n == 0 || n > 64) return hloc_si_fail(s, "unsupported number of reduced values %u", n);
    if (c->n_params != 2 * n) {
        hloc_si_fail(s, "%s computation '%s' takes %u parameters, expected %u", role, c->name,
                     c->n_params, 2 * n);
        return callee_note(s, c->loc, "computation", c->name);
    }
    for (uint32_t k = 0; k < 2 * n; k++) {
        const hloc_shape *p = param_shape(c, k);
        hloc_type want = k < n ? init[k] : in[k - n];
        if (!p) return hloc_si_fail(s, "%s computation '%s' has no parameter %u", role, c->name, k);
        if (!hloc_shape_is_scalar(p) || !fp_compatible(p->type, want)) {
            hloc_si_fail(s, "%s computation '%s' parameter %u has shape %s, expected %s[]", role,
                         c->name, k, hloc_si_str(s, p), hloc_type_name(want));
            return callee_note(s, c->params[k]->loc, "parameter", c->params[k]->name);
        }
        if (k < n) acc[k] = p->type;
    }
    if (!c->root) return hloc_si_fail(s, "%s computation '%s' has no root", role, c->name);
    const hloc_shape *r = &c->root->shape;
    /* As XLA's VerifyReducerShape: one accumulator may also come back as a 1-tuple. */
    bool ok = n == 1 && hloc_shape_is_scalar(r) ? r->type == acc[0]
                                                : hloc_shape_is_tuple(r) && r->n_elems == n;
    for (uint32_t k = 0; ok && hloc_shape_is_tuple(r) && k < n; k++)
        ok = hloc_shape_is_scalar(&r->elems[k]) && r->elems[k].type == acc[k];
    if (ok) return true;
    hloc_shape want[64];
    for (uint32_t k = 0; k < n; k++)
        want[k] = hloc_shape_scalar(acc[k]);
    hloc_shape w = want[0];
    if (n > 1 && !hloc_si_tuple(s, want, n, &w)) return false;
    hloc_si_fail(s, "%s computation '%s' returns %s, expected %s (its accumulator parameters)",
                 role, c->name, hloc_si_str(s, r), hloc_si_str(s, &w));
    return callee_note(s, c->root->loc, "root", c->root->name);
}

static bool (*family(hloc_opcode op))(hloc_si *, hloc_shape *) {
    switch (op) {
    case HLOC_OP_BROADCAST:
    case HLOC_OP_RESHAPE:
    case HLOC_OP_DYNAMIC_RESHAPE:
    case HLOC_OP_TRANSPOSE:
    case HLOC_OP_SLICE:
    case HLOC_OP_DYNAMIC_SLICE:
    case HLOC_OP_DYNAMIC_UPDATE_SLICE:
    case HLOC_OP_CONCATENATE:
    case HLOC_OP_PAD:
    case HLOC_OP_REVERSE:
    case HLOC_OP_IOTA:
    case HLOC_OP_BITCAST:
    case HLOC_OP_TUPLE:
    case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_GET_DIMENSION_SIZE:
    case HLOC_OP_SET_DIMENSION_SIZE:
        return hloc_infer_shape_op;
    case HLOC_OP_DOT:
    case HLOC_OP_CONVOLUTION:
    case HLOC_OP_RAGGED_DOT:
    case HLOC_OP_SCALED_DOT:
        return hloc_infer_dot_conv;
    case HLOC_OP_REDUCE:
    case HLOC_OP_REDUCE_WINDOW:
    case HLOC_OP_SELECT_AND_SCATTER:
    case HLOC_OP_SORT:
    case HLOC_OP_TOPK:
    case HLOC_OP_MAP:
    case HLOC_OP_SCAN:
        return hloc_infer_reduce_op;
    case HLOC_OP_GATHER:
    case HLOC_OP_SCATTER:
        return hloc_infer_gather_scatter;
    case HLOC_OP_WHILE:
    case HLOC_OP_CONDITIONAL:
    case HLOC_OP_CALL:
    case HLOC_OP_FUSION:
    case HLOC_OP_ASYNC_START:
    case HLOC_OP_ASYNC_UPDATE:
    case HLOC_OP_ASYNC_DONE:
    case HLOC_OP_CUSTOM_CALL:
        return hloc_infer_control;
    default:
        break;
    }
    if (hloc_opcode_flags(op) & OPF_EW) return hloc_infer_elementwise;
    return hloc_infer_misc;
}

bool hloc_infer_shape(const hloc_instr *i, hloc_arena *a, hloc_shape *out, hloc_diag *d) {
    hloc_si s;
    s.i = i;
    s.a = a;
    s.d = d;
    s.next_str = 0;
    *out = i->shape;
    if ((unsigned)i->op >= HLOC_OP_COUNT) return hloc_si_fail(&s, "invalid opcode %d", (int)i->op);
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (!i->operands[k]) return hloc_si_fail(&s, "operand %u is missing", k);
    int arity = hloc_opcode_arity(i->op);
    if (arity >= 0 && i->n_operands != (uint32_t)arity)
        return hloc_si_fail(&s, "%s takes %d operand%s, found %u", hloc_opcode_name(i->op), arity,
                            arity == 1 ? "" : "s", i->n_operands);
    hloc_shape r;
    memset(&r, 0, sizeof r);
    if (!family(i->op)(&s, &r)) return false;
    *out = r;
    return true;
}
