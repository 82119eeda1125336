/* The elemental emitter: the IR for one element of an instruction at a logical multi-index. A
 * materialized operand is a load; an inline one is generated right here, so chains of elementwise
 * and index-mapping ops become one loop. In scalar mode (scalar computations) results are
 * memoized, since every index is the empty one. */
#include "cg.h"

bool cg_is_elemental(const hloc_instr *i) {
    if (hloc_opcode_flags(i->op) & OPF_EW) {
        switch (i->op) {
        case HLOC_OP_STOCHASTIC_CONVERT:
            return false;
        default:
            return true;
        }
    }
    switch (i->op) {
    case HLOC_OP_BROADCAST: case HLOC_OP_RESHAPE: case HLOC_OP_TRANSPOSE: case HLOC_OP_SLICE:
    case HLOC_OP_PAD: case HLOC_OP_CONCATENATE: case HLOC_OP_REVERSE: case HLOC_OP_IOTA:
    case HLOC_OP_DYNAMIC_SLICE: case HLOC_OP_BITCAST_CONVERT: case HLOC_OP_GATHER:
    case HLOC_OP_CONVOLUTION: case HLOC_OP_MAP: case HLOC_OP_PARTITION_ID: case HLOC_OP_REPLICA_ID:
    case HLOC_OP_BATCH_NORM_INFERENCE:
        return true;
    case HLOC_OP_REDUCE: case HLOC_OP_REDUCE_WINDOW:
        return !hloc_shape_is_tuple(&i->shape);
    default:
        return false;
    }
}

LLVMValueRef cg_generate(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    if (c->err) return LLVMGetUndef(cg_ctype(c, hloc_type_is_array(i->shape.type) ? i->shape.type
                                                                                  : HLOC_TYPE_F32));
    if (hloc_opcode_flags(i->op) & OPF_EW) return cg_elementwise(c, s, i, idx);
    switch (i->op) {
    case HLOC_OP_REDUCE: return cg_reduce_elem(c, s, i, idx);
    case HLOC_OP_REDUCE_WINDOW: return cg_reduce_window_elem(c, s, i, idx);
    case HLOC_OP_GATHER: return cg_gather_elem(c, s, i, idx);
    case HLOC_OP_CONVOLUTION: return cg_conv_elem(c, s, i, idx);
    case HLOC_OP_BATCH_NORM_INFERENCE: return cg_batch_norm_inference_elem(c, s, i, idx);
    case HLOC_OP_MAP: {
        LLVMValueRef args[64], r;
        if (i->n_called != 1 || i->n_operands > 64) {
            cg_unsupported(c, i, "this form of map");
            return LLVMGetUndef(cg_ctype(c, i->shape.type));
        }
        for (uint32_t k = 0; k < i->n_operands; k++) args[k] = cg_operand(c, s, i, k, idx);
        cg_call_scalar(c, i->called[0], args, i->n_operands, &r);
        return r;
    }
    case HLOC_OP_PARTITION_ID: case HLOC_OP_REPLICA_ID:
        return cg_zero(c, i->shape.type); /* one device */
    default: return cg_shape_op(c, s, i, idx);
    }
}

static LLVMValueRef scalar_mode_elem(cg *c, cg_scope *s, const hloc_instr *i) {
    /* Scalar computations: tuples and get-tuple-element resolve at compile time. */
    if (i->op == HLOC_OP_GET_TUPLE_ELEMENT && i->operands[0]->op == HLOC_OP_TUPLE &&
        i->attrs->index >= 0 && (uint64_t)i->attrs->index < i->operands[0]->n_operands)
        return cg_elem(c, s, i->operands[0]->operands[i->attrs->index], NULL);
    if (i->op == HLOC_OP_CONSTANT) {
        const hloc_literal *l = i->attrs->literal;
        if (!l || !l->data || !hloc_shape_is_scalar(&i->shape)) {
            cg_unsupported(c, i, "this constant in a scalar computation");
            return LLVMGetUndef(c->t_f32);
        }
        hloc_type t = i->shape.type;
        if (hloc_type_is_complex(t)) {
            double re, im;
            hloc_elem_load_c128(t, l->data, &re, &im);
            LLVMTypeRef et = t == HLOC_TYPE_C64 ? c->t_f32 : c->t_f64;
            LLVMValueRef parts[2] = {LLVMConstReal(et, re), LLVMConstReal(et, im)};
            return LLVMConstVector(parts, 2);
        }
        if (hloc_type_is_float(t)) return cg_const_f(c, t, hloc_literal_get_f64(l, 0));
        if (t == HLOC_TYPE_PRED) return LLVMConstInt(c->t_i1, hloc_literal_get_i64(l, 0) != 0, 0);
        if (hloc_type_is_unsigned_int(t))
            return LLVMConstInt(cg_ctype(c, t), (unsigned long long)hloc_elem_load_u64(t, l->data), 0);
        return cg_const_int(c, t, hloc_literal_get_i64(l, 0));
    }
    if (!cg_is_elemental(i) && i->op != HLOC_OP_BITCAST) {
        cg_unsupported(c, i, "this opcode in a scalar computation");
        return LLVMGetUndef(c->t_f32);
    }
    LLVMValueRef zeros[HLOC_MAX_RANK];
    for (uint32_t d = 0; d < HLOC_MAX_RANK; d++) zeros[d] = cg_const_i64(c, 0);
    return cg_generate(c, s, i, zeros);
}

LLVMValueRef cg_elem(cg *c, cg_scope *s, const hloc_instr *i, LLVMValueRef const *idx) {
    cg_value *v = s->vals[i->id];
    LLVMValueRef zeros[HLOC_MAX_RANK];
    if (!idx) { /* scalars: any index reads element 0 */
        for (uint32_t d = 0; d < HLOC_MAX_RANK; d++) zeros[d] = cg_const_i64(c, 0);
        idx = zeros;
    }
    if (s->scalar_mode && !v) {
        LLVMValueRef r = scalar_mode_elem(c, s, i);
        cg_value *m = HLOC_ARENA_NEW(c->arena, cg_value);
        if (m) {
            m->kind = CGV_SCALAR;
            m->scalar = r;
            s->vals[i->id] = m;
        }
        return r;
    }
    if (!v) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: '%s' used before it was emitted", i->name);
        return LLVMGetUndef(c->t_f32);
    }
    switch (v->kind) {
    case CGV_SCALAR:
        return v->scalar;
    case CGV_BUFFER:
        return cg_load(c, v->shape->type, v->ptr, cg_offset(c, v->shape, idx));
    case CGV_INLINE:
        return cg_generate(c, s, i, idx);
    default:
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: '%s' is not an array", i->name);
        return LLVMGetUndef(c->t_f32);
    }
}

LLVMValueRef cg_operand(cg *c, cg_scope *s, const hloc_instr *i, uint32_t k, LLVMValueRef const *idx) {
    return cg_elem(c, s, i->operands[k], idx);
}

static void materialize_range(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst,
                              LLVMValueRef lo, LLVMValueRef hi, void *arg) {
    (void)arg;
    cg_trail *t = c->trail;
    if (t && t->capture && i == t->want) { /* rows.c emits it later, or from another loop */
        t->capture = false;
        t->scope = *s;
        t->i = i;
        t->dst = dst;
        return;
    }
    int split = cg_split_dim(dst->shape);
    if (cg_vector_materialize(c, s, i, dst, split, lo, hi)) return;
    LLVMValueRef idx[HLOC_MAX_RANK];
    cg_nest nest;
    cg_nest_begin_split(c, &nest, dst->shape, idx, split, lo, hi);
    LLVMValueRef v = cg_generate(c, s, i, idx);
    cg_store(c, dst->shape->type, dst->ptr, cg_offset(c, dst->shape, idx), v);
    cg_nest_end(c, &nest);
}

void cg_materialize_captured(cg *c, cg_trail *t, LLVMValueRef lo, LLVMValueRef hi) {
    cg_trail *saved = c->trail;
    c->trail = NULL;
    materialize_range(c, &t->scope, t->i, t->dst, lo, hi, NULL);
    c->trail = saved;
}

void cg_materialize_elemental(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *dst) {
    if (dst->kind != CGV_BUFFER) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: materializing '%s' into a tuple", i->name);
        return;
    }
    int d = cg_split_dim(dst->shape);
    if (d < 0) {
        materialize_range(c, s, i, dst, NULL, NULL, NULL);
        return;
    }
    if (c->row_lo) { /* in a row-blocked group: this block's rows, or all of an invariant value */
        if (c->row_dim[i->id] == d) materialize_range(c, s, i, dst, c->row_lo, c->row_hi, NULL);
        else materialize_range(c, s, i, dst, cg_const_i64(c, 0), cg_const_i64(c, dst->shape->dims[d]), NULL);
        return;
    }
    /* Work: output elements times what one costs, or the operands' elements when the op reads
     * more than that (convolution, gather). */
    double work = (double)hloc_shape_elements(dst->shape) * cg_elem_cost(s, i);
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (hloc_shape_is_array(&i->operands[k]->shape) && hloc_shape_elements(&i->operands[k]->shape) > work)
            work = (double)hloc_shape_elements(&i->operands[k]->shape);
    cg_parallel(c, s, i, dst, dst->shape->dims[d], work, materialize_range, NULL);
}
