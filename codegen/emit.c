/* The driver: walks computations in order and gives each instruction a value — a buffer it
 * materializes into, a tuple of values, or "inline" (generated inside each consumer's loop) — and
 * emits scalar computations (reducers, comparators) as internal functions. The entry computation
 * becomes an internal body function; entry.c wraps it in the ABI entry point. */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

enum { MAX_DEPTH = 64 };

/* Consumers that read each element of operand |p| at most once per own element and whose own
 * elements are each computed once: inlining |p| there costs nothing extra. */
static bool reads_once(const hloc_instr *u, const hloc_instr *p) {
    if (hloc_opcode_flags(u->op) & OPF_EW) return true;
    switch (u->op) {
    case HLOC_OP_RESHAPE: case HLOC_OP_TRANSPOSE: case HLOC_OP_SLICE: case HLOC_OP_REVERSE:
    case HLOC_OP_COPY: case HLOC_OP_BITCAST_CONVERT: case HLOC_OP_CONCATENATE:
        return true;
    case HLOC_OP_PAD: case HLOC_OP_DYNAMIC_SLICE:
        return u->operands[0] == p;
    case HLOC_OP_REDUCE:
        for (uint32_t k = u->n_operands / 2; k < u->n_operands; k++)
            if (u->operands[k] == p) return false;
        return true;
    default:
        return false;
    }
}

/* Ops that cost about a load per element: worth recomputing rather than storing. */
static bool cheap(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_BROADCAST: case HLOC_OP_IOTA: case HLOC_OP_RESHAPE: case HLOC_OP_TRANSPOSE:
    case HLOC_OP_SLICE: case HLOC_OP_REVERSE: case HLOC_OP_COPY: case HLOC_OP_BITCAST_CONVERT:
    case HLOC_OP_CONVERT: case HLOC_OP_CONSTANT:
        return true;
    default:
        return false;
    }
}

/* Decides, users before producers, which instructions are generated inside their consumers'
 * loops. An expensive producer is inlined only where each of its elements is computed once: one
 * user, which reads each element once, and no replicating consumer (broadcast, window ops, ...)
 * further down the inline chain. Cheap ones are inlined anywhere (with few users). */
static void plan_inlining(const hloc_computation *comp, const cg_value **hints, bool *inl) {
    bool *multi = calloc(hloc_module_id_bound(comp->parent) + 1, sizeof *multi);
    if (!multi) return; /* inl stays all false: everything materialized, still correct */
    for (uint32_t k = comp->n_instrs; k-- > 0;) {
        const hloc_instr *i = comp->instrs[k];
        if (i->dead || hints[i->id] || !cg_is_elemental(i) || i->parent->root == i || i->n_users == 0 ||
            !hloc_shape_is_array(&i->shape) || cg_conv_in_place_ok(i))
            continue;
        bool users_ok = true;
        for (uint32_t u = 0; u < i->n_users; u++)
            if (!cg_is_elemental(i->users[u])) users_ok = false; /* it reads through cg_operand */
        if (!users_ok) continue;
        const hloc_instr *u0 = i->users[0];
        if (cheap(i)) inl[i->id] = i->n_users <= 4;
        else inl[i->id] = i->n_users == 1 && reads_once(u0, i) && !multi[u0->id];
        if (!inl[i->id]) continue;
        /* Is one element of i computed more than once per element of what gets materialized? */
        bool m = i->n_users > 1;
        for (uint32_t u = 0; u < i->n_users; u++) {
            const hloc_instr *w = i->users[u];
            if (!reads_once(w, i) || (inl[w->id] && multi[w->id])) m = true;
        }
        multi[i->id] = m;
    }
    free(multi);
}

cg_value *cg_value_of(cg *c, cg_scope *s, const hloc_instr *i) {
    cg_value *v = s->vals[i->id];
    if (!v) {
        cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: '%s' used before it was emitted", i->name);
        return cg_alloc_value(c, &i->shape);
    }
    if (v->kind == CGV_INLINE) {
        /* A whole-value consumer of an inline value: materialize it here, once (cached, so in
         * the planned entry scope it must outlive this instruction's internal scratch). */
        cg_value *buf = s->planned ? cg_alloc_value_persistent(c, &i->shape) : cg_alloc_value(c, &i->shape);
        if (!buf) return v;
        cg_materialize_elemental(c, s, i, buf);
        s->vals[i->id] = buf;
        return buf;
    }
    return v;
}

static cg_value *new_value(cg *c, cg_kind kind) {
    cg_value *v = HLOC_ARENA_NEW(c->arena, cg_value);
    if (!v) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        static cg_value dummy;
        return &dummy;
    }
    v->kind = kind;
    return v;
}

/* Global holding a constant's literal (logical row-major, so its value reads with a row-major
 * shape). Cached per instruction. */
static cg_value *constant_value(cg *c, const hloc_instr *i) {
    const hloc_literal *l = i->attrs->literal;
    if (!l || !hloc_shape_is_array(&i->shape) || !cg_type_supported(i->shape.type)) {
        cg_unsupported(c, i, "this constant");
        return new_value(c, CGV_TUPLE);
    }
    size_t n = hloc_shape_bytes(&l->shape);
    LLVMValueRef init = LLVMConstStringInContext(c->ctx, l->data ? (const char *)l->data : "",
                                                 l->data ? (unsigned)n : 0, 1);
    LLVMValueRef g = LLVMAddGlobal(c->mod, LLVMTypeOf(init), "const");
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    LLVMSetAlignment(g, 64);
    hloc_shape *rm = HLOC_ARENA_NEW(c->arena, hloc_shape);
    if (!rm) return new_value(c, CGV_TUPLE);
    *rm = i->shape;
    hloc_shape_set_default_layout(rm);
    return cg_buffer_value(c, g, rm);
}

static cg_value *tuple_value(cg *c, cg_scope *s, const hloc_instr *i) {
    cg_value *v = new_value(c, CGV_TUPLE);
    v->n_elems = i->n_operands;
    v->elems = i->n_operands ? HLOC_ARENA_ARRAY(c->arena, cg_value, i->n_operands) : NULL;
    if (i->n_operands && !v->elems) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        v->n_elems = 0;
        return v;
    }
    for (uint32_t k = 0; k < i->n_operands; k++) v->elems[k] = *cg_value_of(c, s, i->operands[k]);
    return v;
}

static bool dest_fits(const cg_value *d, const hloc_shape *shape) {
    if (!d) return false;
    if (d->kind == CGV_BUFFER) {
        return hloc_shape_is_array(shape) && d->shape->type == shape->type &&
               hloc_shape_same_dims(d->shape, shape);
    }
    return false;
}

static cg_value *emit_instr(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *hint, bool inl) {
    cg_value *dst;
    switch (i->op) {
    case HLOC_OP_CONSTANT:
        return constant_value(c, i);
    case HLOC_OP_TUPLE:
        return tuple_value(c, s, i);
    case HLOC_OP_GET_TUPLE_ELEMENT: {
        cg_value *t = cg_value_of(c, s, i->operands[0]);
        if (t->kind != CGV_TUPLE || i->attrs->index < 0 || (uint64_t)i->attrs->index >= t->n_elems) {
            cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: bad get-tuple-element '%s'", i->name);
            return new_value(c, CGV_TUPLE);
        }
        return &t->elems[i->attrs->index];
    }
    case HLOC_OP_BITCAST: {
        cg_value *o = cg_value_of(c, s, i->operands[0]);
        if (o->kind != CGV_BUFFER || hloc_shape_bytes(&i->shape) != hloc_shape_bytes(o->shape)) {
            cg_unsupported(c, i, "this bitcast");
            return o;
        }
        return cg_buffer_value(c, o->ptr, &i->shape);
    }
    case HLOC_OP_OPTIMIZATION_BARRIER: case HLOC_OP_ADD_DEPENDENCY: case HLOC_OP_DOMAIN:
        return cg_value_of(c, s, i->operands[0]);
    case HLOC_OP_AFTER_ALL:
        return new_value(c, CGV_TUPLE);
    case HLOC_OP_CALL: case HLOC_OP_FUSION: {
        if (i->n_called != 1) {
            cg_unsupported(c, i, "a call without exactly one computation");
            return new_value(c, CGV_TUPLE);
        }
        cg_value **args = i->n_operands ? HLOC_ARENA_ARRAY(c->arena, cg_value *, i->n_operands) : NULL;
        if (i->n_operands && !args) return new_value(c, CGV_TUPLE);
        for (uint32_t k = 0; k < i->n_operands; k++) args[k] = cg_value_of(c, s, i->operands[k]);
        /* A fusion (or call) whose result goes to a known buffer computes its root straight into
         * it: no scratch copy of the whole result, no extra pass over memory. */
        const cg_value *into = dest_fits(hint, &i->shape) ? hint : cg_take_home(c, &i->shape);
        /* Outside the entry's plan (a while body) an output fusion gets the scratch its root would
         * get, up front: a product with an epilogue then computes straight into it. */
        if (!into && !s->planned && i->op == HLOC_OP_FUSION && i->attrs->fusion_kind == HLOC_FUSION_OUTPUT &&
            hloc_shape_is_array(&i->shape))
            into = cg_alloc_value(c, &i->shape);
        if (into && cg_gemm_fusion(c, i, args, into)) return (cg_value *)into;
        cg_value *r = into ? cg_emit_computation_into(c, i->called[0], args, into)
                           : cg_emit_computation(c, i->called[0], args);
        return r ? r : new_value(c, CGV_TUPLE);
    }
    case HLOC_OP_WHILE:
        return cg_emit_while(c, s, i);
    case HLOC_OP_CONDITIONAL:
        return cg_emit_conditional(c, s, i);
    default:
        break;
    }
    dst = dest_fits(hint, &i->shape) ? (cg_value *)hint : NULL;
    switch (i->op) {
    case HLOC_OP_DOT:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_dot(c, s, i, dst);
        return dst;
    case HLOC_OP_CONVOLUTION:
        if (!cg_conv_in_place_ok(i)) break;
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_conv(c, s, i, dst);
        return dst;
    case HLOC_OP_REDUCE:
        if (hloc_shape_is_tuple(&i->shape)) {
            dst = cg_alloc_value(c, &i->shape);
            if (dst) cg_emit_reduce(c, s, i, dst);
            return dst;
        }
        break;
    case HLOC_OP_REDUCE_WINDOW:
        if (hloc_shape_is_tuple(&i->shape)) {
            dst = cg_alloc_value(c, &i->shape);
            if (dst) cg_emit_reduce_window(c, s, i, dst);
            return dst;
        }
        break;
    case HLOC_OP_SELECT_AND_SCATTER:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_select_and_scatter(c, s, i, dst);
        return dst;
    case HLOC_OP_TOPK:
        dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_topk(c, s, i, dst, NULL, i->attrs->k, i->attrs->largest);
        return dst;
    case HLOC_OP_ALL_REDUCE: case HLOC_OP_ALL_GATHER: case HLOC_OP_ALL_TO_ALL:
    case HLOC_OP_COLLECTIVE_BROADCAST:
        /* One device: each sees only its own data (as the evaluator models it). A result shape
         * other than the operands' means several devices. */
        if (i->n_operands == 1 && hloc_shape_equal_ignoring_layout(&i->shape, &i->operands[0]->shape))
            return cg_value_of(c, s, i->operands[0]);
        if (i->n_operands > 1 && hloc_shape_is_tuple(&i->shape) && i->shape.n_elems == i->n_operands) {
            bool same = true;
            for (uint32_t k = 0; k < i->n_operands; k++)
                same = same && hloc_shape_equal_ignoring_layout(&i->shape.elems[k], &i->operands[k]->shape);
            if (same) return tuple_value(c, s, i);
        }
        cg_unsupported(c, i, "a collective across several devices");
        return new_value(c, CGV_TUPLE);
    case HLOC_OP_COLLECTIVE_PERMUTE: {
        const char *pairs = hloc_attrs_extra(i->attrs, "source_target_pairs");
        if (i->n_operands != 1 || !hloc_shape_equal_ignoring_layout(&i->shape, &i->operands[0]->shape)) break;
        if (pairs && strstr(pairs, "{0,0}")) return cg_value_of(c, s, i->operands[0]);
        dst = cg_alloc_value(c, &i->shape); /* no source sends here: zeros */
        if (dst && dst->kind == CGV_BUFFER && hloc_shape_bytes(&i->shape))
            LLVMBuildMemSet(c->b, dst->ptr, LLVMConstInt(c->t_i8, 0, 0),
                            cg_const_i64(c, (int64_t)hloc_shape_bytes(&i->shape)), 1);
        return dst;
    }
    case HLOC_OP_CUSTOM_CALL:
        if (i->attrs->custom_call_target && !strcmp(i->attrs->custom_call_target, "TopK") &&
            i->n_called == 1 && hloc_shape_is_tuple(&i->shape) && i->shape.n_elems == 2 &&
            i->shape.elems[0].rank >= 1) {
            dst = cg_alloc_value(c, &i->shape);
            const hloc_shape *vs = &i->shape.elems[0];
            if (dst) cg_emit_topk(c, s, i, dst, i->called[0], vs->dims[vs->rank - 1], true);
            return dst;
        }
        dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_custom_call(c, s, i, dst);
        return dst;
    case HLOC_OP_RNG_BIT_GENERATOR:
        dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_rng_bit_generator(c, s, i, dst);
        return dst;
    case HLOC_OP_RNG:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_rng(c, s, i, dst);
        return dst;
    case HLOC_OP_CHOLESKY:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_cholesky(c, s, i, dst);
        return dst;
    case HLOC_OP_TRIANGULAR_SOLVE:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_triangular_solve(c, s, i, dst);
        return dst;
    case HLOC_OP_FFT:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_fft(c, s, i, dst);
        return dst;
    case HLOC_OP_SORT:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_sort(c, s, i, dst);
        return dst;
    case HLOC_OP_BATCH_NORM_TRAINING:
        dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_batch_norm_training(c, s, i, dst);
        return dst;
    case HLOC_OP_BATCH_NORM_GRAD:
        dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_batch_norm_grad(c, s, i, dst);
        return dst;
    case HLOC_OP_SCATTER:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_scatter(c, s, i, dst);
        return dst;
    case HLOC_OP_DYNAMIC_UPDATE_SLICE:
        if (!dst) dst = cg_alloc_value(c, &i->shape);
        if (dst) cg_emit_dus(c, s, i, dst);
        return dst;
    default:
        break;
    }
    if (!cg_is_elemental(i)) {
        cg_unsupported(c, i, "this opcode");
        return new_value(c, CGV_TUPLE);
    }
    if (!dst && inl) return new_value(c, CGV_INLINE);
    if (!dst) dst = cg_alloc_value(c, &i->shape);
    if (dst) cg_materialize_elemental(c, s, i, dst);
    return dst;
}

/* Marks, in |hints|, the root leaves of |i| that can be computed straight into |dst|. */
static void hint_root(const hloc_instr *i, const cg_value *dst, const cg_value **hints) {
    if (!dst) return;
    if (i->op == HLOC_OP_TUPLE && dst->kind == CGV_TUPLE && dst->n_elems == i->n_operands) {
        for (uint32_t k = 0; k < i->n_operands; k++) hint_root(i->operands[k], &dst->elems[k], hints);
        return;
    }
    if (dst->kind != CGV_BUFFER || hints[i->id]) return;
    switch (i->op) {
    case HLOC_OP_PARAMETER: case HLOC_OP_CONSTANT: case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_BITCAST: case HLOC_OP_WHILE:
    case HLOC_OP_CONDITIONAL: case HLOC_OP_OPTIMIZATION_BARRIER: case HLOC_OP_ADD_DEPENDENCY:
        return;
    default:
        hints[i->id] = dst;
    }
}

void cg_scope_choices(cg *c, const hloc_computation *comp, const cg_value *root_dst,
                      const cg_value **hints, bool *inl) {
    if (root_dst && comp->root) hint_root(comp->root, root_dst, hints);
    if (!c->opts->no_inlining) plan_inlining(comp, hints, inl);
}

static cg_value *emit_comp(cg *c, const hloc_computation *comp, cg_value *const *params,
                           const cg_value *root_dst, bool partial) {
    if (++c->depth > MAX_DEPTH) {
        cg_fail(c, HLOC_STATUS_UNIMPLEMENTED, "computation '%s': calls nested too deeply", comp->name);
        c->depth--;
        return NULL;
    }
    uint32_t n_ids = hloc_module_id_bound(c->m);
    cg_scope s = {0};
    s.comp = comp;
    s.vals = HLOC_ARENA_ARRAY(c->arena, cg_value *, n_ids ? n_ids : 1);
    const cg_value **hints = HLOC_ARENA_ARRAY(c->arena, const cg_value *, n_ids ? n_ids : 1);
    bool *inl = HLOC_ARENA_ARRAY(c->arena, bool, n_ids ? n_ids : 1);
    if (!s.vals || !hints || !inl) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
        c->depth--;
        return NULL;
    }
    cg_scope_choices(c, comp, root_dst, hints, inl);
    /* The entry computation (emitted once, at depth 1) follows the buffer plan made from the
     * same choices (entry.c). */
    s.planned = c->plan && comp == c->plan->comp && c->depth == 1;
    if (s.planned) c->plan_scope = &s;
    for (uint32_t k = 0; k < comp->n_instrs && !c->err; k++) {
        const hloc_instr *i = comp->instrs[k];
        if (i->dead) continue;
        if (i->op == HLOC_OP_PARAMETER) {
            int64_t n = i->attrs->index;
            if (n < 0 || (uint64_t)n >= comp->n_params) {
                cg_fail(c, HLOC_STATUS_INTERNAL, "codegen: bad parameter number in '%s'", i->name);
                break;
            }
            s.vals[i->id] = params[n];
            continue;
        }
        if (!s.planned) {
            s.vals[i->id] = emit_instr(c, &s, i, hints[i->id], inl[i->id]);
            continue;
        }
        uint64_t mark;
        const cg_value *home = cg_plan_begin(c, &s, i, hints[i->id], &mark);
        if (!c->opts->no_inlining) {
            /* A row-blocked group emits several entry instructions at once; each finds its slot
             * when it allocates its value (the plan keeps the whole group alive together). */
            uint32_t end = cg_rows_emit(c, &s, comp, k, params, hints);
            if (end > k) {
                cg_plan_end(c, &s, NULL, NULL, mark);
                k = end - 1;
                continue;
            }
        }
        cg_value *v = emit_instr(c, &s, i, hints[i->id], inl[i->id]);
        s.vals[i->id] = cg_plan_end(c, &s, v, home, mark);
    }
    if (s.planned) c->plan_scope = NULL;
    c->depth--;
    if (c->err || !comp->root) return NULL;
    cg_value *r = cg_value_of(c, &s, comp->root);
    if (root_dst && r != root_dst && !partial) {
        cg_copy_value(c, &s, r, root_dst);
        return (cg_value *)root_dst;
    }
    return r;
}

cg_value *cg_emit_instr(cg *c, cg_scope *s, const hloc_instr *i, const cg_value *hint) {
    return emit_instr(c, s, i, hint, false);
}

cg_value *cg_emit_computation(cg *c, const hloc_computation *comp, cg_value *const *params) {
    return emit_comp(c, comp, params, NULL, false);
}

cg_value *cg_emit_computation_into(cg *c, const hloc_computation *comp, cg_value *const *params,
                                   const cg_value *dst) {
    return emit_comp(c, comp, params, dst, false);
}

cg_value *cg_emit_computation_hinted(cg *c, const hloc_computation *comp, cg_value *const *params,
                                     const cg_value *dst) {
    return emit_comp(c, comp, params, dst, true);
}

/* ---- scalar computations ---- */

static LLVMTypeRef scalar_ret_type(cg *c, const hloc_computation *comp) {
    const hloc_shape *rs = &comp->root->shape;
    if (rs->type != HLOC_TYPE_TUPLE) return cg_ctype(c, rs->type);
    LLVMTypeRef el[64];
    if (rs->n_elems > 64) {
        cg_fail(c, HLOC_STATUS_UNIMPLEMENTED, "computation '%s': too many results", comp->name);
        return c->t_f32;
    }
    for (uint32_t k = 0; k < rs->n_elems; k++) el[k] = cg_ctype(c, rs->elems[k].type);
    return LLVMStructTypeInContext(c->ctx, el, rs->n_elems, 0);
}

static bool is_scalar_comp(const hloc_computation *comp) {
    for (uint32_t k = 0; k < comp->n_params; k++)
        if (!hloc_shape_is_scalar(&comp->params[k]->shape)) return false;
    const hloc_shape *rs = &comp->root->shape;
    if (rs->type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < rs->n_elems; k++)
            if (!hloc_shape_is_scalar(&rs->elems[k])) return false;
        return true;
    }
    return hloc_shape_is_scalar(rs);
}

LLVMValueRef cg_scalar_fn(cg *c, const hloc_computation *comp) {
    if (c->scalar_fns[comp->id]) return c->scalar_fns[comp->id];
    if (!comp->root || !is_scalar_comp(comp) || comp->n_params > 64) {
        cg_fail(c, HLOC_STATUS_UNIMPLEMENTED,
                "computation '%s': cpu codegen needs scalar parameters and results here", comp->name);
        return NULL;
    }
    LLVMTypeRef pt[64];
    for (uint32_t k = 0; k < comp->n_params; k++) pt[k] = cg_ctype(c, comp->params[k]->shape.type);
    LLVMTypeRef ft = LLVMFunctionType(scalar_ret_type(c, comp), pt, comp->n_params, 0);
    LLVMValueRef fn = LLVMAddFunction(c->mod, comp->name, ft);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    cg_fn_attrs(c, fn);
    unsigned kind = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
    c->scalar_fns[comp->id] = fn;

    /* Save the caller's position, emit the callee, come back. */
    LLVMValueRef saved_fn = c->fn;
    LLVMBasicBlockRef saved_bb = LLVMGetInsertBlock(c->b);
    c->fn = fn;
    LLVMPositionBuilderAtEnd(c->b, cg_block(c, "entry"));
    uint32_t n_ids = hloc_module_id_bound(c->m);
    cg_scope s = {0};
    s.comp = comp;
    s.scalar_mode = true;
    s.vals = HLOC_ARENA_ARRAY(c->arena, cg_value *, n_ids ? n_ids : 1);
    if (!s.vals) {
        cg_fail(c, HLOC_STATUS_OUT_OF_MEMORY, "out of memory");
    } else {
        for (uint32_t k = 0; k < comp->n_params; k++) {
            cg_value *v = new_value(c, CGV_SCALAR);
            v->scalar = LLVMGetParam(fn, k);
            s.vals[comp->params[k]->id] = v;
        }
        const hloc_instr *root = comp->root;
        if (root->shape.type == HLOC_TYPE_TUPLE) {
            LLVMTypeRef rt = LLVMGetReturnType(ft);
            LLVMValueRef agg = LLVMGetUndef(rt);
            for (uint32_t k = 0; k < root->shape.n_elems; k++) {
                LLVMValueRef e;
                if (root->op == HLOC_OP_TUPLE) {
                    e = cg_elem(c, &s, root->operands[k], NULL);
                } else {
                    cg_fail(c, HLOC_STATUS_UNIMPLEMENTED,
                            "computation '%s': tuple result must be a tuple instruction", comp->name);
                    e = LLVMGetUndef(LLVMStructGetTypeAtIndex(rt, k));
                }
                agg = LLVMBuildInsertValue(c->b, agg, e, k, "");
            }
            LLVMBuildRet(c->b, agg);
        } else {
            LLVMBuildRet(c->b, cg_elem(c, &s, root, NULL));
        }
    }
    c->fn = saved_fn;
    if (saved_bb) LLVMPositionBuilderAtEnd(c->b, saved_bb);
    return fn;
}

void cg_call_scalar(cg *c, const hloc_computation *comp, LLVMValueRef const *args, uint32_t n_args,
                    LLVMValueRef *results) {
    LLVMValueRef fn = cg_scalar_fn(c, comp);
    const hloc_shape *rs = comp->root ? &comp->root->shape : NULL;
    uint32_t n_res = rs && rs->type == HLOC_TYPE_TUPLE ? rs->n_elems : 1;
    if (!fn || c->err || n_args != comp->n_params) {
        if (!c->err)
            cg_fail(c, HLOC_STATUS_INVALID_ARGUMENT, "computation '%s' takes %u parameters, not %u",
                    comp->name, comp->n_params, n_args);
        for (uint32_t k = 0; k < n_res; k++) results[k] = LLVMGetUndef(c->t_f32);
        return;
    }
    LLVMValueRef r = LLVMBuildCall2(c->b, LLVMGlobalGetValueType(fn), fn, (LLVMValueRef *)args,
                                    n_args, "");
    if (rs->type != HLOC_TYPE_TUPLE) {
        results[0] = r;
        return;
    }
    for (uint32_t k = 0; k < n_res; k++) results[k] = LLVMBuildExtractValue(c->b, r, k, "");
}
