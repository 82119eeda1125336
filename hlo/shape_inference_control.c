/* Shape inference for opcodes whose result comes from a called computation: while, conditional,
 * call, fusion, async-start/update/done, custom-call (whose declared shape is trusted, as XLA
 * does). Signatures of the callees are checked against the operands. */
#include "shape_inference_internal.h"

enum { MAXP = 256 };

/* Callee |c| takes exactly the operands' shapes; returns its root shape. */
static bool takes_operands(hloc_si *s, const hloc_computation *c, const char *role) {
    uint32_t n = s->i->n_operands;
    if (n > MAXP) return hloc_si_fail(s, "more than %d operands", MAXP);
    const hloc_shape *params[MAXP];
    for (uint32_t k = 0; k < n; k++)
        params[k] = hloc_si_op(s, k);
    return hloc_si_check_signature(s, c, role, params, n, NULL);
}

static bool while_op(hloc_si *s, hloc_shape *out) {
    const hloc_shape *x = hloc_si_op(s, 0);
    const hloc_computation *cond = hloc_si_callee(s, 0, "condition");
    const hloc_computation *body = hloc_si_callee(s, 1, "body");
    if (!cond || !body) return false;
    hloc_shape pred = hloc_shape_scalar(HLOC_TYPE_PRED);
    if (!hloc_si_check_signature(s, cond, "condition", &x, 1, &pred) ||
        !hloc_si_check_signature(s, body, "body", &x, 1, x))
        return false;
    *out = hloc_si_strip_layout(s, x);
    return true;
}

static bool conditional(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_operands(s, 1, UINT32_MAX) || !hloc_si_need_scalar(s, 0)) return false;
    hloc_type t = hloc_si_op(s, 0)->type;
    uint32_t nb = s->i->n_called;
    if (t == HLOC_TYPE_PRED) {
        if (nb != 2) return hloc_si_fail(s, "a pred conditional needs 2 branches, found %u", nb);
    } else if (t == HLOC_TYPE_S32) {
        if (nb < 1) return hloc_si_fail(s, "an indexed conditional needs at least one branch");
    } else {
        return hloc_si_fail(s, "branch selector must be pred[] or s32[], found %s",
                            hloc_type_name(t));
    }
    if (s->i->n_operands != nb + 1)
        return hloc_si_fail(s, "%u branches need %u operands, found %u", nb, nb + 1,
                            s->i->n_operands);
    const hloc_shape *result = NULL;
    for (uint32_t k = 0; k < nb; k++) {
        const hloc_computation *b = hloc_si_callee(s, k, "branch");
        if (!b) return false;
        const hloc_shape *arg = hloc_si_op(s, k + 1);
        if (!hloc_si_check_signature(s, b, "branch", &arg, 1, result)) return false;
        if (!result) result = &b->root->shape;
    }
    *out = hloc_si_strip_layout(s, result);
    return true;
}

static bool call(hloc_si *s, hloc_shape *out) {
    const char *role = s->i->op == HLOC_OP_FUSION ? "fused" : "to_apply";
    if (s->i->op == HLOC_OP_FUSION && s->i->attrs->fusion_kind == HLOC_FUSION_NONE)
        return hloc_si_fail(s, "fusion needs kind=");
    const hloc_computation *c = hloc_si_callee(s, 0, role);
    if (!c || !takes_operands(s, c, role)) return false;
    *out = hloc_si_strip_layout(s, &c->root->shape);
    return true;
}

/* async-start's result is ((operands...), result, context...): check the first two. */
static bool async_start(hloc_si *s, hloc_shape *out) {
    const hloc_computation *c = hloc_si_callee(s, 0, "async");
    if (!c || !takes_operands(s, c, "async")) return false;
    const hloc_shape *r = &s->i->shape;
    if (!hloc_shape_is_tuple(r) || r->n_elems < 2)
        return hloc_si_fail(
            s, "async-start result must be a tuple (operands, result, ...), declared %s",
            hloc_si_str(s, r));
    if (!hloc_si_same(&r->elems[1], &c->root->shape))
        return hloc_si_fail(s, "async-start result element 1 is %s, the computation returns %s",
                            hloc_si_str(s, &r->elems[1]), hloc_si_str(s, &c->root->shape));
    *out = *r;
    return true;
}

static bool async_next(hloc_si *s, hloc_shape *out) {
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!hloc_shape_is_tuple(x) || x->n_elems < 2)
        return hloc_si_fail(s, "operand must be an async context tuple, found %s",
                            hloc_si_str(s, x));
    *out = hloc_si_strip_layout(s, s->i->op == HLOC_OP_ASYNC_DONE ? &x->elems[1] : x);
    return true;
}

/* The target decides the result, so the declared shape stands; operand_layout_constraints, when
 * written, give one shape per operand that the operand must have (layouts aside). */
static bool custom_call(hloc_si *s, hloc_shape *out) {
    const hloc_attrs *a = s->i->attrs;
    if (!a->custom_call_target) return hloc_si_fail(s, "custom-call needs custom_call_target=");
    if (a->has_operand_layout_constraints) {
        if (a->n_operand_layout_constraints != s->i->n_operands)
            return hloc_si_fail(s, "operand_layout_constraints has %u shapes for %u operands",
                                a->n_operand_layout_constraints, s->i->n_operands);
        for (uint32_t k = 0; k < s->i->n_operands; k++)
            if (!hloc_si_same(&a->operand_layout_constraints[k], hloc_si_op(s, k)))
                return hloc_si_fail(s,
                                    "operand %u has shape %s, operand_layout_constraints says %s",
                                    k, hloc_si_str(s, hloc_si_op(s, k)),
                                    hloc_si_str(s, &a->operand_layout_constraints[k]));
    }
    *out = s->i->shape;
    return true;
}

bool hloc_infer_control(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_WHILE:
        return while_op(s, out);
    case HLOC_OP_CONDITIONAL:
        return conditional(s, out);
    case HLOC_OP_CALL:
    case HLOC_OP_FUSION:
        return call(s, out);
    case HLOC_OP_ASYNC_START:
        return async_start(s, out);
    case HLOC_OP_ASYNC_UPDATE:
    case HLOC_OP_ASYNC_DONE:
        return async_next(s, out);
    case HLOC_OP_CUSTOM_CALL:
        return custom_call(s, out);
    default:
        break;
    }
    return hloc_si_fail(s, "no shape rule for %s", hloc_opcode_name(s->i->op));
}
