/* Opcodes whose value comes from called computations (while, conditional, call, fusion), from
 * outside (custom-call), or passes an operand through (barriers, tokens, domains, and collectives
 * over the single replica the evaluator models). */
#include <string.h>

#include "eval_internal.h"

static hloc_status *callee(const hloc_instr *i, uint32_t k, const hloc_computation **out) {
    if (k >= i->n_called || !i->called[k])
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "missing called computation %u", k);
    *out = i->called[k];
    return NULL;
}

/* Copies |v| (values only; shapes stay shared with the module) into |a|. */
static hloc_literal *clone_into(hloc_arena *a, const hloc_literal *v) {
    return hloc_literal_clone(a, v);
}

static hloc_status *pred_value(const hloc_instr *i, const hloc_literal *v, bool *out) {
    if (v->shape.type != HLOC_TYPE_PRED || v->shape.rank != 0 || !v->data)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "condition must produce pred[]");
    *out = *(const uint8_t *)v->data != 0;
    return NULL;
}

/* Each iteration's temporaries go to a fresh arena; only the loop state is carried over, so a long
 * loop uses memory for one iteration, not for all of them. */
static hloc_status *eval_while(hloc_eval *ev, const hloc_instr *i, const hloc_literal *init,
                               hloc_literal **out) {
    const hloc_computation *cond = NULL, *body = NULL;
    HLOC_RETURN_IF_ERROR(callee(i, 0, &cond));
    HLOC_RETURN_IF_ERROR(callee(i, 1, &body));
    hloc_arena *saved = ev->arena;
    hloc_arena *state_arena = hloc_arena_create();
    if (!state_arena) return hloc_status_oom();
    hloc_status *st = NULL;
    hloc_literal *state = clone_into(state_arena, init);
    if (!state) st = hloc_status_oom();
    while (!st) {
        hloc_arena *work = hloc_arena_create();
        if (!work) {
            st = hloc_status_oom();
            break;
        }
        ev->arena = work;
        const hloc_literal *arg = state;
        hloc_literal *c = NULL, *next = NULL;
        bool go = false;
        st = hloc_eval_computation(ev, cond, &arg, 1, &c);
        if (!st) st = pred_value(i, c, &go);
        if (!st && go) st = hloc_eval_computation(ev, body, &arg, 1, &next);
        hloc_arena *next_arena = NULL;
        if (!st && go) {
            next_arena = hloc_arena_create();
            hloc_literal *copy = next_arena ? clone_into(next_arena, next) : NULL;
            if (!copy) {
                hloc_arena_destroy(next_arena);
                st = hloc_status_oom();
            } else {
                hloc_arena_destroy(state_arena);
                state_arena = next_arena;
                state = copy;
            }
        }
        ev->arena = saved;
        hloc_arena_destroy(work);
        if (!go) break;
    }
    if (!st) {
        *out = clone_into(saved, state);
        if (!*out) st = hloc_status_oom();
    }
    hloc_arena_destroy(state_arena);
    return st;
}

static hloc_status *eval_conditional(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                     hloc_literal **out) {
    if (i->n_operands == 0)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "conditional needs a branch selector");
    const hloc_literal *sel = ops[0];
    if (sel->shape.rank != 0 || !sel->data)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "branch selector must be a scalar");
    uint32_t n_branches = i->n_called;
    if (n_branches == 0 || i->n_operands != n_branches + 1)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "%u branches need %u operands, got %u", n_branches, n_branches + 1,
                              i->n_operands);
    uint32_t b;
    if (sel->shape.type == HLOC_TYPE_PRED) {
        if (n_branches != 2)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "a pred conditional needs 2 branches, has %u", n_branches);
        b = *(const uint8_t *)sel->data ? 0 : 1;
    } else if (sel->shape.type == HLOC_TYPE_S32) {
        int32_t k;
        memcpy(&k, sel->data, sizeof k);
        b = k < 0 || (uint32_t)k >= n_branches ? n_branches - 1 : (uint32_t)k; /* XLA: last branch */
    } else {
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "branch selector must be pred or s32");
    }
    const hloc_computation *c = NULL;
    HLOC_RETURN_IF_ERROR(callee(i, b, &c));
    return hloc_eval_computation(ev, c, &ops[b + 1], 1, out);
}

/* Leaf buffers of a value, depth first, for the custom-call ABI. */
static uint32_t leaves(const hloc_literal *v, void **out, uint32_t n, uint32_t cap) {
    if (v->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < v->n_elems; k++) n = leaves(&v->elems[k], out, n, cap);
        return n;
    }
    if (n < cap) out[n] = v->data;
    return n + 1;
}

/* XLA:CPU's TopkDecomposer/TopkRewriter leave `custom-call(x), custom_call_target="TopK"` with a
 * greater-than comparator: the largest k along the last dimension, k from the result, as topk. */
static hloc_status *builtin_topk(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                 hloc_literal **out) {
    const hloc_shape *s = &i->shape;
    if (i->n_operands != 1 || s->type != HLOC_TYPE_TUPLE || s->n_elems != 2 || s->elems[0].rank == 0)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "TopK takes one operand and returns (values, indices)");
    hloc_attrs a = *i->attrs;
    a.k = s->elems[0].dims[s->elems[0].rank - 1];
    a.largest = true;
    hloc_instr t = *i;
    t.op = HLOC_OP_TOPK;
    t.attrs = &a;
    hloc_literal *r = hloc_literal_create(ev->arena, s);
    if (!r) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(hloc_eval_topk(ev, &t, ops, r));
    *out = r;
    return NULL;
}

static hloc_status *eval_custom_call(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                     hloc_literal **out) {
    const char *target = i->attrs->custom_call_target ? i->attrs->custom_call_target : "";
    hloc_custom_call_fn fn = NULL;
    if (ev->opts)
        for (uint32_t k = 0; k < ev->opts->n_custom_calls && !fn; k++)
            if (ev->opts->custom_calls[k].target && strcmp(ev->opts->custom_calls[k].target, target) == 0)
                fn = ev->opts->custom_calls[k].fn;
    if (!fn && strcmp(target, "TopK") == 0) return builtin_topk(ev, i, ops, out);
    if (!fn)
        return hloc_eval_fail(i, HLOC_STATUS_NOT_FOUND, "unknown custom-call target \"%s\"", target);
    /* Registered functions have the legacy signature void(out, in); other API versions pass more
     * arguments (status, opaque data, FFI frames) that such a function would not expect. */
    const char *api = i->attrs->api_version;
    if (api && strcmp(api, "API_VERSION_ORIGINAL") != 0)
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED,
                              "custom-call \"%s\" uses %s; registered targets take the original "
                              "void(out, in) form", target, api);
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (ops[k]->shape.type == HLOC_TYPE_TUPLE)
            return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED,
                                  "custom-call operand %u is a tuple; only arrays are passed", k);
    hloc_literal *r = hloc_literal_create(ev->arena, &i->shape);
    const void **in = HLOC_ARENA_ARRAY(ev->arena, const void *, i->n_operands ? i->n_operands : 1);
    if (!r || !in) return hloc_status_oom();
    for (uint32_t k = 0; k < i->n_operands; k++) in[k] = ops[k]->data;
    void *dst = r->data;
    if (r->shape.type == HLOC_TYPE_TUPLE) {
        uint32_t n = leaves(r, NULL, 0, 0);
        void **ptrs = HLOC_ARENA_ARRAY(ev->arena, void *, n ? n : 1);
        if (!ptrs) return hloc_status_oom();
        leaves(r, ptrs, 0, n);
        dst = ptrs;
    }
    fn(dst, in);
    *out = r;
    return NULL;
}

/* Collectives over one replica and one partition: every group holds only this device. */
static hloc_status *one_replica(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                hloc_literal **out) {
    if (i->n_operands == 1) {
        *out = (hloc_literal *)ops[0];
        return NULL;
    }
    hloc_literal *t = HLOC_ARENA_NEW(ev->arena, hloc_literal);
    if (!t) return hloc_status_oom();
    t->shape = i->shape;
    t->n_elems = i->n_operands;
    t->elems = HLOC_ARENA_ARRAY(ev->arena, hloc_literal, i->n_operands ? i->n_operands : 1);
    if (!t->elems) return hloc_status_oom();
    for (uint32_t k = 0; k < i->n_operands; k++) t->elems[k] = *ops[k];
    *out = t;
    return NULL;
}

static hloc_status *zero_of_shape(hloc_eval *ev, const hloc_instr *i, hloc_literal **out) {
    *out = hloc_literal_create(ev->arena, &i->shape);
    return *out ? NULL : hloc_status_oom();
}

/* A tuple of |i|'s shape whose leading elements are |elems| and the rest zeros (contexts). */
static hloc_status *tuple_of(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *elems,
                             uint32_t n, hloc_literal **out) {
    if (i->shape.type != HLOC_TYPE_TUPLE || i->shape.n_elems < n)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "result must be a tuple of at least %u elements", n);
    hloc_literal *t = hloc_literal_create(ev->arena, &i->shape);
    if (!t) return hloc_status_oom();
    for (uint32_t k = 0; k < n; k++) t->elems[k] = *elems[k];
    *out = t;
    return NULL;
}

/* Element |k| of the tuple operand (the result half of an async pair). */
static hloc_status *element_of(const hloc_instr *i, const hloc_literal *t, uint32_t k, hloc_literal **out) {
    if (i->n_operands != 1 || t->shape.type != HLOC_TYPE_TUPLE || t->n_elems <= k)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "operand must be the tuple of its start");
    *out = &t->elems[k];
    return NULL;
}

/* async-start runs the wrapped computation at once: its result is ((operands), result, context). */
static hloc_status *eval_async_start(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                     hloc_literal **out) {
    const hloc_computation *c = NULL;
    HLOC_RETURN_IF_ERROR(callee(i, 0, &c));
    hloc_literal *r = NULL;
    HLOC_RETURN_IF_ERROR(hloc_eval_computation(ev, c, ops, i->n_operands, &r));
    if (i->shape.type != HLOC_TYPE_TUPLE || i->shape.n_elems < 2)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "result must be ((operands), result, context)");
    hloc_literal *args = hloc_literal_create(ev->arena, &i->shape.elems[0]);
    if (!args) return hloc_status_oom();
    if (args->shape.type != HLOC_TYPE_TUPLE || args->n_elems != i->n_operands)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "first result element must hold the operands");
    for (uint32_t k = 0; k < i->n_operands; k++) args->elems[k] = *ops[k];
    const hloc_literal *parts[2] = {args, r};
    return tuple_of(ev, i, parts, 2, out);
}

hloc_status *hloc_eval_control(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                               hloc_literal **out) {
    const hloc_computation *c = NULL;
    switch (i->op) {
    case HLOC_OP_WHILE:
        if (i->n_operands != 1)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "while takes one operand");
        return eval_while(ev, i, ops[0], out);
    case HLOC_OP_CONDITIONAL: return eval_conditional(ev, i, ops, out);
    case HLOC_OP_CALL:
    case HLOC_OP_FUSION:
        HLOC_RETURN_IF_ERROR(callee(i, 0, &c));
        return hloc_eval_computation(ev, c, ops, i->n_operands, out);
    case HLOC_OP_CUSTOM_CALL: return eval_custom_call(ev, i, ops, out);
    case HLOC_OP_OPTIMIZATION_BARRIER:
    case HLOC_OP_DOMAIN:
    case HLOC_OP_ADD_DEPENDENCY:
        if (i->n_operands < 1)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "missing operand");
        *out = (hloc_literal *)ops[0];
        return NULL;
    case HLOC_OP_AFTER_ALL: return zero_of_shape(ev, i, out);
    case HLOC_OP_ASYNC_START: return eval_async_start(ev, i, ops, out);
    case HLOC_OP_ASYNC_UPDATE:
        *out = (hloc_literal *)ops[0];
        return NULL;
    case HLOC_OP_ASYNC_DONE: return element_of(i, ops[0], 1, out);
    /* copy-start gives (destination, source, context); values are logical, so both are the operand. */
    case HLOC_OP_COPY_START: {
        const hloc_literal *parts[2] = {ops[0], ops[0]};
        return tuple_of(ev, i, parts, 2, out);
    }
    case HLOC_OP_COPY_DONE: return element_of(i, ops[0], 0, out);
    case HLOC_OP_GET_DIMENSION_SIZE: {
        int64_t d = i->attrs->dims.n == 1 ? i->attrs->dims.v[0] : -1;
        if (d < 0 || d >= ops[0]->shape.rank || !hloc_shape_is_scalar(&i->shape) || !hloc_type_is_int(i->shape.type))
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "needs one dimension of the operand and an integer scalar result");
        HLOC_RETURN_IF_ERROR(zero_of_shape(ev, i, out));
        hloc_literal_set_i64(*out, 0, ops[0]->shape.dims[d]);
        return NULL;
    }
    /* Static shapes only: the size must be the dimension's own. */
    case HLOC_OP_SET_DIMENSION_SIZE: {
        int64_t d = i->attrs->dims.n == 1 ? i->attrs->dims.v[0] : -1;
        const hloc_literal *sz = ops[1];
        if (d < 0 || d >= ops[0]->shape.rank || !hloc_type_is_int(sz->shape.type) || sz->shape.rank)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "needs one dimension and an integer size");
        if (hloc_literal_get_i64(sz, 0) != ops[0]->shape.dims[d])
            return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "dynamic dimension sizes are not supported");
        *out = (hloc_literal *)ops[0];
        return NULL;
    }
    /* replica-id and partition-id are 0; all-reduce sums one contribution; all-gather, all-to-all
     * and collective-broadcast see only their own data; a permute to self keeps it. */
    case HLOC_OP_REPLICA_ID:
    case HLOC_OP_PARTITION_ID: return zero_of_shape(ev, i, out);
    case HLOC_OP_ALL_REDUCE:
    case HLOC_OP_ALL_REDUCE_START:
    case HLOC_OP_ALL_GATHER:
    case HLOC_OP_ALL_TO_ALL:
    case HLOC_OP_REDUCE_SCATTER:
    case HLOC_OP_COLLECTIVE_BROADCAST:
        return one_replica(ev, i, ops, out);
    case HLOC_OP_ALL_REDUCE_DONE:
        *out = (hloc_literal *)ops[0];
        return NULL;
    /* all-gather-start gives (input, output) when its shape is a tuple; done takes the output. */
    case HLOC_OP_ALL_GATHER_START:
        if (i->shape.type == HLOC_TYPE_TUPLE && i->n_operands == 1) {
            const hloc_literal *parts[2] = {ops[0], ops[0]};
            return tuple_of(ev, i, parts, 2, out);
        }
        return one_replica(ev, i, ops, out);
    case HLOC_OP_ALL_GATHER_DONE:
        if (ops[0]->shape.type == HLOC_TYPE_TUPLE) return element_of(i, ops[0], 1, out);
        *out = (hloc_literal *)ops[0];
        return NULL;
    case HLOC_OP_COLLECTIVE_PERMUTE_DONE: return element_of(i, ops[0], 1, out);
    case HLOC_OP_COLLECTIVE_PERMUTE:
    case HLOC_OP_COLLECTIVE_PERMUTE_START: {
        /* With one participant the only pair is (0,0) or none; without a source a device's result
         * is zeros. The start form gives (input, output, contexts...). */
        if (i->n_operands != 1)
            return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "%s with %u operands",
                                  hloc_opcode_name(i->op), i->n_operands);
        const char *pairs = hloc_attrs_extra(i->attrs, "source_target_pairs");
        bool self = pairs && strstr(pairs, "{0,0}");
        if (i->op == HLOC_OP_COLLECTIVE_PERMUTE) {
            if (self) {
                *out = (hloc_literal *)ops[0];
                return NULL;
            }
            return zero_of_shape(ev, i, out);
        }
        if (i->shape.type != HLOC_TYPE_TUPLE || i->shape.n_elems < 2)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "result must be (input, output, ...)");
        const hloc_literal *res = ops[0];
        if (!self && !(res = hloc_literal_create(ev->arena, &i->shape.elems[1]))) return hloc_status_oom();
        const hloc_literal *parts[2] = {ops[0], res};
        return tuple_of(ev, i, parts, 2, out);
    }
    default:
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED,
                              "the evaluator does not implement %s%s", hloc_opcode_name(i->op),
                              (hloc_opcode_flags(i->op) & OPF_COLL)
                                  ? " (it models one device; this collective needs several)"
                                  : "");
    }
}
