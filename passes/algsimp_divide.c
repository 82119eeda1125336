/* algsimp's divide rules, which XLA's CPU pipeline applies and whose results XLA's outputs carry:
 *   - A / Const  => A * (1 / Const), for float and complex types (AlgebraicSimplifier's HandleDivide,
 *     also through a broadcast of the constant). Constant folding then computes 1 / Const once.
 *   - A / broadcast(B) => A * broadcast(1 / B), for real float types. Every softmax of the corpus
 *     reaches XLA's optimized HLO this way (divide(1, reduce_sum) broadcast into a multiply), so
 *     XLA's outputs hold the product with the rounded reciprocal, not the quotient.
 * Both change results by up to an ulp against the plain quotient, as XLA's do; they replace one
 * division per element with one per divisor value. A constant dividend is left to constant folding.
 * Integer divisions are exact operations and never rewritten. */
#include "passes_internal.h"

static bool is_constant(const hloc_instr *i) {
    while (i->op == HLOC_OP_BROADCAST || i->op == HLOC_OP_RESHAPE) i = i->operands[0];
    return i->op == HLOC_OP_CONSTANT;
}

/* 1 / |d|, in |d|'s shape: divide(broadcast(1), d), or divide(ones, d) for a constant |d| so that
 * constant folding computes it. */
static hloc_instr *reciprocal(hloc_computation *c, hloc_instr *d, const hloc_instr *at) {
    bool fold = d->op == HLOC_OP_CONSTANT;
    hloc_shape ss = fold ? d->shape : hloc_shape_scalar(d->shape.type);
    ss.has_layout = d->shape.has_layout;
    hloc_instr *one = hloc_pass_new_instr(c, HLOC_OP_CONSTANT, &ss, NULL, 0);
    if (!one || !(one->attrs->literal = hloc_literal_create(c->parent->arena, &ss))) return NULL;
    for (int64_t k = 0, n = hloc_shape_elements(&ss); k < n; k++) hloc_literal_set_f64(one->attrs->literal, k, 1.0);
    if (!fold && d->shape.rank) {
        hloc_shape bs = d->shape;
        if (!(one = hloc_pass_new_instr(c, HLOC_OP_BROADCAST, &bs, &one, 1))) return NULL;
        one->attrs->dims = (hloc_i64_list){NULL, 0};
        one->attrs->has_dims = true;
    }
    hloc_instr *ops[2] = {one, d};
    hloc_instr *r = hloc_pass_new_instr(c, HLOC_OP_DIVIDE, &d->shape, ops, 2);
    if (r) r->attrs->metadata = at->attrs->metadata;
    return r;
}

hloc_instr *hloc_algsimp_divide(hloc_instr *i) {
    if (i->n_operands != 2 || !hloc_shape_is_array(&i->shape)) return NULL;
    hloc_type t = i->shape.type;
    hloc_instr *a = i->operands[0], *b = i->operands[1];
    if (is_constant(a)) return NULL;
    bool constant = is_constant(b);
    if (!(hloc_type_is_float(t) || (constant && hloc_type_is_complex(t)))) return NULL;
    if (!constant && b->op != HLOC_OP_BROADCAST) return NULL;
    hloc_computation *c = i->parent;
    hloc_instr *inv;
    if (b->op == HLOC_OP_BROADCAST) {
        hloc_instr *r = reciprocal(c, b->operands[0], i);
        if (!r || !(inv = hloc_pass_new_instr(c, HLOC_OP_BROADCAST, &b->shape, &r, 1))) return NULL;
        inv->attrs->dims = b->attrs->dims;
        inv->attrs->has_dims = true;
        inv->attrs->metadata = i->attrs->metadata;
    } else if (!(inv = reciprocal(c, b, i))) {
        return NULL;
    }
    hloc_instr *ops[2] = {a, inv};
    hloc_instr *m = hloc_pass_new_instr(c, HLOC_OP_MULTIPLY, &i->shape, ops, 2);
    if (m) m->attrs->metadata = i->attrs->metadata;
    return m;
}
