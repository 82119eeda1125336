/* TEST-ONLY stand-in for hloc_eval_call_scalar (defined for real in hlo/eval.c by the evaluator
 * core). It interprets the small scalar computations these tests build: parameter, constant,
 * add, multiply, maximum, minimum, and, or, compare, select, tuple. Remove this file (and its line
 * in tests/meson.build) once hlo/eval.c lands on main. */
#include <math.h>
#include <string.h>

#include "eval_internal.h"

typedef struct val {
    double f;
    int64_t i;
} val;

static bool is_f(hloc_type t) { return hloc_type_is_float(t); }

static val get(hloc_type t, const void *p) {
    val v = {0, 0};
    if (is_f(t))
        v.f = hloc_elem_load_f64(t, p);
    else
        v.i = hloc_elem_load_i64(t, p);
    return v;
}

static bool cmp(hloc_cmp_dir d, hloc_type t, val a, val b) {
    if (is_f(t)) {
        switch (d) {
        case HLOC_CMP_EQ:
            return a.f == b.f;
        case HLOC_CMP_NE:
            return a.f != b.f;
        case HLOC_CMP_LT:
            return a.f < b.f;
        case HLOC_CMP_LE:
            return a.f <= b.f;
        case HLOC_CMP_GT:
            return a.f > b.f;
        case HLOC_CMP_GE:
            return a.f >= b.f;
        default:
            return false;
        }
    }
    bool u = hloc_type_is_unsigned_int(t);
    uint64_t x = (uint64_t)a.i, y = (uint64_t)b.i;
    switch (d) {
    case HLOC_CMP_EQ:
        return a.i == b.i;
    case HLOC_CMP_NE:
        return a.i != b.i;
    case HLOC_CMP_LT:
        return u ? x < y : a.i < b.i;
    case HLOC_CMP_LE:
        return u ? x <= y : a.i <= b.i;
    case HLOC_CMP_GT:
        return u ? x > y : a.i > b.i;
    case HLOC_CMP_GE:
        return u ? x >= y : a.i >= b.i;
    default:
        return false;
    }
}

static val eval(const hloc_instr *x, const void *const *args) {
    hloc_type t = x->shape.type;
    if (x->op == HLOC_OP_PARAMETER) return get(t, args[x->attrs->index]);
    if (x->op == HLOC_OP_CONSTANT && x->attrs->literal && x->attrs->literal->data)
        return get(t, x->attrs->literal->data);
    if (!x->n_operands) return (val){0, 0};
    val a = eval(x->operands[0], args), b = {0, 0}, r = {0, 0};
    if (x->n_operands > 1) b = eval(x->operands[1], args);
    hloc_type ot = x->operands[0]->shape.type;
    switch (x->op) {
    case HLOC_OP_ADD:
        r.f = a.f + b.f, r.i = (int64_t)((uint64_t)a.i + (uint64_t)b.i);
        break;
    case HLOC_OP_MULTIPLY:
        r.f = a.f * b.f, r.i = (int64_t)((uint64_t)a.i * (uint64_t)b.i);
        break;
    case HLOC_OP_MAXIMUM:
        r.f = isnan(a.f) || a.f >= b.f ? a.f : b.f, r.i = a.i > b.i ? a.i : b.i;
        break;
    case HLOC_OP_MINIMUM:
        r.f = isnan(a.f) || a.f <= b.f ? a.f : b.f, r.i = a.i < b.i ? a.i : b.i;
        break;
    case HLOC_OP_AND:
        r.i = a.i & b.i;
        break;
    case HLOC_OP_OR:
        r.i = a.i | b.i;
        break;
    case HLOC_OP_COMPARE:
        r.i = cmp(x->attrs->cmp_dir, ot, a, b);
        break;
    case HLOC_OP_SELECT: {
        val c = eval(x->operands[2], args);
        r = a.i ? b : c;
        break;
    }
    default:
        break;
    }
    return r;
}

static void put(hloc_type t, void *p, val v) {
    if (is_f(t))
        hloc_elem_store_f64(t, p, v.f);
    else
        hloc_elem_store_i64(t, p, v.i);
}

hloc_status *hloc_eval_call_scalar(hloc_eval *ev, const hloc_computation *c,
                                   const void *const *args, void *const *results) {
    (void)ev;
    const hloc_instr *r = c->root;
    if (r->op != HLOC_OP_TUPLE) {
        put(r->shape.type, results[0], eval(r, args));
        return NULL;
    }
    val v[8];
    for (uint32_t k = 0; k < r->n_operands; k++)
        v[k] = eval(r->operands[k], args);
    for (uint32_t k = 0; k < r->n_operands; k++)
        put(r->operands[k]->shape.type, results[k], v[k]);
    return NULL;
}
