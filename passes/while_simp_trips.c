/* Trip counts of counted while loops, matched by pattern as XLA's while-loop analysis does
 * (initial value, increment and bound all constants), then computed exactly in 128-bit
 * arithmetic, so that no count is claimed for a loop whose induction variable would wrap. */
#include "while_simp.h"

#include "passes_internal.h"

__extension__ typedef __int128 wide;

static bool scalar_int_constant(const hloc_instr *i, hloc_type t, int64_t *v) {
    if (i->op != HLOC_OP_CONSTANT || !hloc_shape_is_array(&i->shape) || i->shape.rank != 0 ||
        i->shape.type != t)
        return false;
    const hloc_literal *l = i->attrs->literal;
    if (!l || l->elided || !l->data) return false;
    *v = hloc_literal_get_i64(l, 0);
    return true;
}

/* get-tuple-element |index| of the computation's parameter, or -1. */
static int64_t param_element(const hloc_instr *i) {
    if (i->op != HLOC_OP_GET_TUPLE_ELEMENT || i->operands[0]->op != HLOC_OP_PARAMETER) return -1;
    return i->attrs->index;
}

static bool range_of(hloc_type t, wide *lo, wide *hi) {
    switch (t) {
    case HLOC_TYPE_S32:
        *lo = INT32_MIN, *hi = INT32_MAX;
        return true;
    case HLOC_TYPE_S64:
        *lo = INT64_MIN, *hi = INT64_MAX;
        return true;
    case HLOC_TYPE_U32:
        *lo = 0, *hi = UINT32_MAX;
        return true;
    default:
        return false;
    }
}

static hloc_cmp_dir flip(hloc_cmp_dir d) {
    switch (d) {
    case HLOC_CMP_LT:
        return HLOC_CMP_GT;
    case HLOC_CMP_LE:
        return HLOC_CMP_GE;
    case HLOC_CMP_GT:
        return HLOC_CMP_LT;
    case HLOC_CMP_GE:
        return HLOC_CMP_LE;
    default:
        return d;
    }
}

/* The condition reads element k and compares it with a constant: `k DIR bound`. */
static bool match_condition(const hloc_computation *cond, int64_t *k, hloc_cmp_dir *dir,
                            int64_t *bound, hloc_type *t) {
    if (cond->n_params != 1) return false;
    for (uint32_t j = 0; j < cond->n_instrs; j++)
        if (!cond->instrs[j]->dead && !hloc_instr_is_removable(cond->instrs[j]) &&
            cond->instrs[j]->op != HLOC_OP_PARAMETER)
            return false;
    const hloc_instr *r = cond->root;
    if (!r || r->op != HLOC_OP_COMPARE) return false;
    const hloc_instr *a = r->operands[0], *b = r->operands[1];
    *dir = r->attrs->cmp_dir;
    if (param_element(a) < 0) {
        const hloc_instr *x = a;
        a = b;
        b = x;
        *dir = flip(*dir);
    }
    *k = param_element(a);
    *t = a->shape.type;
    if (*k < 0 || !hloc_shape_is_array(&a->shape) || a->shape.rank != 0) return false;
    hloc_cmp_type ct = r->attrs->cmp_type;
    bool is_unsigned = *t == HLOC_TYPE_U32;
    if (ct != HLOC_CMPT_NONE && ct != (is_unsigned ? HLOC_CMPT_UNSIGNED : HLOC_CMPT_SIGNED))
        return false;
    return scalar_int_constant(b, *t, bound);
}

/* The body's root sets element k to element k plus (or minus) a constant. */
static bool match_increment(const hloc_computation *body, int64_t k, hloc_type t, int64_t *step) {
    const hloc_instr *r = body->root;
    if (body->n_params != 1 || !r || r->op != HLOC_OP_TUPLE || k >= (int64_t)r->n_operands)
        return false;
    const hloc_instr *u = r->operands[k];
    if (u->op != HLOC_OP_ADD && u->op != HLOC_OP_SUBTRACT) return false;
    const hloc_instr *x = u->operands[0], *c = u->operands[1];
    if (u->op == HLOC_OP_ADD && param_element(x) != k) {
        x = u->operands[1];
        c = u->operands[0];
    }
    int64_t v;
    if (param_element(x) != k || !scalar_int_constant(c, t, &v)) return false;
    *step = u->op == HLOC_OP_ADD ? v : -v;
    return true;
}

static bool initial_value(const hloc_instr *w, int64_t k, hloc_type t, int64_t *v) {
    const hloc_instr *init = w->operands[0];
    if (init->op == HLOC_OP_TUPLE)
        return k < (int64_t)init->n_operands && scalar_int_constant(init->operands[k], t, v);
    if (init->op != HLOC_OP_CONSTANT || !init->attrs->literal || init->attrs->literal->elided)
        return false;
    const hloc_literal *l = init->attrs->literal;
    if (k >= (int64_t)l->n_elems) return false;
    const hloc_literal *e = &l->elems[k];
    if (!hloc_shape_is_array(&e->shape) || e->shape.rank != 0 || e->shape.type != t || !e->data)
        return false;
    *v = hloc_literal_get_i64(e, 0);
    return true;
}

/* Iterations of `for (i = i0; i DIR b; i += s)`, or -1 when unknown (endless or wrapping). */
static wide count(wide i0, wide s, wide b, hloc_cmp_dir dir, wide lo, wide hi) {
    wide n;
    switch (dir) {
    case HLOC_CMP_LT:
        if (i0 >= b) return 0;
        if (s <= 0) return -1;
        n = (b - i0 + s - 1) / s;
        break;
    case HLOC_CMP_LE:
        if (i0 > b) return 0;
        if (s <= 0) return -1;
        n = (b - i0) / s + 1;
        break;
    case HLOC_CMP_GT:
        if (i0 <= b) return 0;
        if (s >= 0) return -1;
        n = (i0 - b - s - 1) / -s;
        break;
    case HLOC_CMP_GE:
        if (i0 < b) return 0;
        if (s >= 0) return -1;
        n = (i0 - b) / -s + 1;
        break;
    case HLOC_CMP_NE:
        if (i0 == b) return 0;
        if (s == 0 || (b - i0) % s != 0 || (b - i0) / s < 0) return -1;
        n = (b - i0) / s;
        break;
    case HLOC_CMP_EQ:
        if (i0 != b) return 0;
        if (s == 0) return -1;
        n = 1;
        break;
    default:
        return -1;
    }
    /* The values run monotonically from i0 to the last one, which fails the condition. */
    wide last = i0 + n * s;
    return last < lo || last > hi ? -1 : n;
}

bool hloc_while_trip_count(const hloc_instr *w, hloc_trip_count *out) {
    if (w->op != HLOC_OP_WHILE || w->n_called != 2 || w->n_operands != 1 ||
        !hloc_shape_is_tuple(&w->shape))
        return false;
    int64_t k, bound, step, i0;
    hloc_cmp_dir dir;
    hloc_type t;
    wide lo, hi;
    if (!match_condition(w->called[0], &k, &dir, &bound, &t) || !range_of(t, &lo, &hi))
        return false;
    if (!match_increment(w->called[1], k, t, &step) || !initial_value(w, k, t, &i0)) return false;
    /* u32 values load zero-extended; the step of a subtraction is the negated constant. */
    wide n = count(i0, step, bound, dir, lo, hi);
    if (n < 0 || n > INT64_MAX) return false;
    *out = (hloc_trip_count){.trips = (int64_t)n, .index = k, .init = i0, .step = step};
    return true;
}
