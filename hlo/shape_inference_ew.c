/* Shape inference for elementwise opcodes (OPF_EW in opcodes.def): unary math, binary arithmetic
 * and logic, compare, select, clamp, convert, copy, reduce-precision, stochastic-convert.
 * HLO has no implicit broadcasting: operands have the result's dimensions, except a scalar pred of
 * select and scalar bounds of clamp. */
#include "shape_inference_internal.h"

typedef enum {
    T_ANY,
    T_NUM,
    T_NUM_NO_PRED,
    T_INT,
    T_INT_PRED,
    T_FLOAT,
    T_FLOAT_COMPLEX,
    T_SIGNED
} tclass;

static bool in_class(hloc_type t, tclass c) {
    switch (c) {
    case T_ANY:
        return hloc_type_is_array(t);
    case T_NUM:
        return hloc_type_is_array(t);
    case T_NUM_NO_PRED:
        return hloc_type_is_array(t) && t != HLOC_TYPE_PRED;
    case T_INT:
        return hloc_type_is_int(t);
    case T_INT_PRED:
        return hloc_type_is_int(t) || t == HLOC_TYPE_PRED;
    case T_FLOAT:
        return hloc_type_is_float(t);
    case T_FLOAT_COMPLEX:
        return hloc_type_is_float(t) || hloc_type_is_complex(t);
    case T_SIGNED:
        return hloc_type_is_signed_int(t) || hloc_type_is_float(t) || hloc_type_is_complex(t);
    }
    return false;
}

static const char *class_name(tclass c) {
    switch (c) {
    case T_ANY:
    case T_NUM:
        return "an array type";
    case T_NUM_NO_PRED:
        return "a numeric type (not pred)";
    case T_INT:
        return "an integer type";
    case T_INT_PRED:
        return "pred or an integer type";
    case T_FLOAT:
        return "a floating-point type";
    case T_FLOAT_COMPLEX:
        return "a floating-point or complex type";
    case T_SIGNED:
        return "a signed integer, floating-point or complex type";
    }
    return "?";
}

static bool need_class(hloc_si *s, uint32_t k, tclass c) {
    if (!hloc_si_need_array(s, k)) return false;
    hloc_type t = hloc_si_op(s, k)->type;
    if (in_class(t, c)) return true;
    return hloc_si_fail(s, "%s does not accept element type %s (operand %u): expected %s",
                        hloc_opcode_name(s->i->op), hloc_type_name(t), k, class_name(c));
}

static tclass unary_class(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_CEIL:
    case HLOC_OP_FLOOR:
    case HLOC_OP_ROUND_NEAREST_AFZ:
    case HLOC_OP_ROUND_NEAREST_EVEN:
    case HLOC_OP_IS_FINITE:
    case HLOC_OP_CBRT:
    case HLOC_OP_ERF:
    case HLOC_OP_REDUCE_PRECISION:
        return T_FLOAT;
    case HLOC_OP_ABS:
    case HLOC_OP_SIGN:
        return T_SIGNED;
    case HLOC_OP_NEGATE:
        return T_NUM_NO_PRED;
    case HLOC_OP_NOT:
        return T_INT_PRED;
    case HLOC_OP_POPCNT:
    case HLOC_OP_COUNT_LEADING_ZEROS:
        return T_INT;
    case HLOC_OP_COPY:
        return T_ANY;
    default:
        return T_FLOAT_COMPLEX; /* transcendental math, real, imag */
    }
}

static hloc_type complex_part(hloc_type t) {
    if (t == HLOC_TYPE_C64) return HLOC_TYPE_F32;
    if (t == HLOC_TYPE_C128) return HLOC_TYPE_F64;
    return t;
}

static bool unary(hloc_si *s, hloc_shape *out) {
    hloc_opcode op = s->i->op;
    const hloc_shape *x = hloc_si_op(s, 0);
    /* copy is the identity on any shape, tuples included. */
    if (op == HLOC_OP_COPY && !hloc_shape_is_array(x)) {
        *out = hloc_si_strip_layout(s, x);
        return true;
    }
    if (!need_class(s, 0, unary_class(op))) return false;
    *out = hloc_si_strip_layout(s, x);
    switch (op) {
    case HLOC_OP_ABS:
    case HLOC_OP_REAL:
    case HLOC_OP_IMAG:
        out->type = complex_part(x->type);
        break;
    case HLOC_OP_IS_FINITE:
        out->type = HLOC_TYPE_PRED;
        break;
    case HLOC_OP_REDUCE_PRECISION:
        if (s->i->attrs->exponent_bits < 1)
            return hloc_si_fail(s, "exponent_bits must be at least 1, found %lld",
                                (long long)s->i->attrs->exponent_bits);
        if (s->i->attrs->mantissa_bits < 0)
            return hloc_si_fail(s, "mantissa_bits must not be negative, found %lld",
                                (long long)s->i->attrs->mantissa_bits);
        break;
    default:
        break;
    }
    return true;
}

static tclass binary_class(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_ADD:
    case HLOC_OP_MULTIPLY:
    case HLOC_OP_MAXIMUM:
    case HLOC_OP_MINIMUM:
    case HLOC_OP_COMPARE:
        return T_NUM;
    case HLOC_OP_SUBTRACT:
    case HLOC_OP_DIVIDE:
    case HLOC_OP_REMAINDER:
    case HLOC_OP_POWER:
        return T_NUM_NO_PRED;
    case HLOC_OP_AND:
    case HLOC_OP_OR:
    case HLOC_OP_XOR:
        return T_INT_PRED;
    case HLOC_OP_SHIFT_LEFT:
    case HLOC_OP_SHIFT_RIGHT_ARITHMETIC:
    case HLOC_OP_SHIFT_RIGHT_LOGICAL:
    case HLOC_OP_MULHI:
        return T_INT;
    case HLOC_OP_ATAN2:
        return T_FLOAT_COMPLEX;
    case HLOC_OP_COMPLEX:
        return T_FLOAT;
    default:
        return T_NUM;
    }
}

/* Operand k has the dims of |want| (and its element type when |type|). */
static bool need_like(hloc_si *s, uint32_t k, const hloc_shape *want, bool type) {
    const hloc_shape *o = hloc_si_op(s, k);
    if (!hloc_si_need_array(s, k)) return false;
    if (type && o->type != want->type)
        return hloc_si_fail(s, "operand %u has type %s, expected %s", k, hloc_type_name(o->type),
                            hloc_type_name(want->type));
    if (!hloc_si_same_dims(o, want))
        return hloc_si_fail(s,
                            "operand %u has shape %s, expected %s (HLO has no implicit broadcast)",
                            k, hloc_si_str(s, o), hloc_si_str(s, want));
    return true;
}

static bool check_compare(hloc_si *s) {
    const hloc_attrs *at = s->i->attrs;
    hloc_type t = hloc_si_op(s, 0)->type;
    if (at->cmp_dir == HLOC_CMP_NONE) return hloc_si_fail(s, "compare needs direction=");
    switch (at->cmp_type) {
    case HLOC_CMPT_NONE:
        return true;
    case HLOC_CMPT_FLOAT:
    case HLOC_CMPT_TOTALORDER:
        if (hloc_type_is_float(t) || hloc_type_is_complex(t)) return true;
        break;
    case HLOC_CMPT_SIGNED:
        if (hloc_type_is_signed_int(t)) return true;
        break;
    case HLOC_CMPT_UNSIGNED:
        if (hloc_type_is_unsigned_int(t) || t == HLOC_TYPE_PRED) return true;
        break;
    }
    static const char *names[] = {"", "FLOAT", "TOTALORDER", "SIGNED", "UNSIGNED"};
    return hloc_si_fail(s, "comparison type=%s does not fit element type %s", names[at->cmp_type],
                        hloc_type_name(t));
}

static bool binary(hloc_si *s, hloc_shape *out) {
    hloc_opcode op = s->i->op;
    if (!need_class(s, 0, binary_class(op))) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    if (!need_like(s, 1, x, true)) return false;
    *out = hloc_si_strip_layout(s, x);
    if (op == HLOC_OP_COMPARE) {
        if (!check_compare(s)) return false;
        out->type = HLOC_TYPE_PRED;
    } else if (op == HLOC_OP_COMPLEX) {
        if (x->type != HLOC_TYPE_F32 && x->type != HLOC_TYPE_F64)
            return hloc_si_fail(s, "complex takes f32 or f64 parts, found %s",
                                hloc_type_name(x->type));
        out->type = x->type == HLOC_TYPE_F32 ? HLOC_TYPE_C64 : HLOC_TYPE_C128;
    }
    return true;
}

static bool select_op(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0) || !hloc_si_need_type(s, 0, HLOC_TYPE_PRED)) return false;
    if (!hloc_si_need_array(s, 1)) return false;
    const hloc_shape *t = hloc_si_op(s, 1);
    if (!need_like(s, 2, t, true)) return false;
    if (hloc_si_op(s, 0)->rank != 0 && !need_like(s, 0, t, false)) return false;
    *out = hloc_si_strip_layout(s, t);
    return true;
}

static bool clamp(hloc_si *s, hloc_shape *out) {
    if (!need_class(s, 1, T_NUM_NO_PRED)) return false;
    const hloc_shape *x = hloc_si_op(s, 1);
    for (uint32_t k = 0; k < 3; k += 2) {
        if (!hloc_si_need_array(s, k) || !hloc_si_need_type(s, k, x->type)) return false;
        if (hloc_si_op(s, k)->rank != 0 && !need_like(s, k, x, true)) return false;
    }
    *out = hloc_si_strip_layout(s, x);
    return true;
}

/* The declared element type is the one thing convert does not infer. */
static bool convert(hloc_si *s, hloc_shape *out) {
    if (!hloc_si_need_array(s, 0)) return false;
    const hloc_shape *x = hloc_si_op(s, 0);
    hloc_type to = s->i->shape.type;
    if (!hloc_type_is_array(to))
        return hloc_si_fail(s, "convert result must be an array, declared %s",
                            hloc_si_str(s, &s->i->shape));
    if (hloc_type_is_complex(x->type) && !hloc_type_is_complex(to))
        return hloc_si_fail(s, "convert from complex %s to real %s is not allowed (use real)",
                            hloc_type_name(x->type), hloc_type_name(to));
    if (s->i->op == HLOC_OP_STOCHASTIC_CONVERT) {
        if (!need_class(s, 0, T_FLOAT) || !need_like(s, 1, x, false)) return false;
        hloc_type r = hloc_si_op(s, 1)->type;
        if (!hloc_type_is_unsigned_int(r) || hloc_type_bits(r) != hloc_type_bits(x->type))
            return hloc_si_fail(s, "random bits must be u%d, found %s", hloc_type_bits(x->type),
                                hloc_type_name(r));
    }
    *out = hloc_si_strip_layout(s, x);
    out->type = to;
    return true;
}

bool hloc_infer_elementwise(hloc_si *s, hloc_shape *out) {
    switch (s->i->op) {
    case HLOC_OP_SELECT:
        return select_op(s, out);
    case HLOC_OP_CLAMP:
        return clamp(s, out);
    case HLOC_OP_CONVERT:
    case HLOC_OP_STOCHASTIC_CONVERT:
        return convert(s, out);
    default:
        break;
    }
    return s->i->n_operands == 1 ? unary(s, out) : binary(s, out);
}
