/* Control flow: while loops and conditionals as real branches. A while keeps its state in its own
 * buffers; the body computes the elements it can in place (carries updated by a
 * dynamic-update-slice, values whose old contents nobody reads afterwards), and the rest of its
 * result is copied back each iteration, through temporaries where the body passes state elements
 * through to other positions (so that no copy reads an overwritten one). */
#include "cg.h"

enum { MAX_LEAVES = 256 };

static void leaves(cg_value *v, cg_value **out, uint32_t *n) {
    if (v->kind == CGV_TUPLE) {
        for (uint32_t k = 0; k < v->n_elems; k++) leaves(&v->elems[k], out, n);
        return;
    }
    if (*n < MAX_LEAVES) out[(*n)++] = v;
}

static LLVMValueRef pred_of(cg *c, cg_value *v, const hloc_instr *at) {
    if (!v || v->kind != CGV_BUFFER || v->shape->type != HLOC_TYPE_PRED) {
        cg_unsupported(c, at, "a condition that is not a pred scalar");
        return LLVMConstInt(c->t_i1, 0, 0);
    }
    return cg_load(c, HLOC_TYPE_PRED, v->ptr, cg_const_i64(c, 0));
}

/* Can element k of |body|'s root, a dynamic-update-slice of state element k, write straight into
 * that element (a while carry updated in place)? Only if nothing else in the body reads the
 * element: its one get-tuple-element feeds only the update's operand 0, the parameter is used
 * only through get-tuple-elements, and the update's result goes only to the root. */
static bool carry_in_place(const hloc_computation *body, uint32_t k) {
    const hloc_instr *root = body->root, *param = body->n_params == 1 ? body->params[0] : NULL;
    if (!param || root->op != HLOC_OP_TUPLE || k >= root->n_operands) return false;
    const hloc_instr *r = root->operands[k];
    if (r->op != HLOC_OP_DYNAMIC_UPDATE_SLICE || r->n_users != 1) return false;
    const hloc_instr *g = r->operands[0];
    if (g->op != HLOC_OP_GET_TUPLE_ELEMENT || g->operands[0] != param || g->attrs->index != (int64_t)k ||
        g->n_users != 1)
        return false;
    for (uint32_t m = 1; m < r->n_operands; m++)
        if (r->operands[m] == g) return false;
    for (uint32_t u = 0; u < param->n_users; u++) {
        const hloc_instr *x = param->users[u];
        if (x->op != HLOC_OP_GET_TUPLE_ELEMENT) return false;
        if (x != g && x->attrs->index == (int64_t)k) return false;
    }
    for (uint32_t u = 0; u < root->n_operands; u++)
        if (u != k && root->operands[u] == r) return false;
    return true;
}

/* Does parameter |pn| of fused computation |f| reach its root only through elementwise operations
 * of the root's dimensions? Then element i of the result reads that parameter at i alone. */
static bool pointwise_param(const hloc_computation *f, uint32_t pn) {
    if (pn >= f->n_params || !f->root || !hloc_shape_is_array(&f->root->shape)) return false;
    const hloc_instr *stack[MAX_LEAVES];
    uint32_t n = 0, seen = 0;
    stack[n++] = f->params[pn];
    while (n) {
        const hloc_instr *x = stack[--n];
        if (!hloc_shape_is_array(&x->shape) || !hloc_shape_same_dims(&x->shape, &f->root->shape)) return false;
        if (x != f->params[pn] &&
            (!(hloc_opcode_flags(x->op) & OPF_EW) || x->op == HLOC_OP_STOCHASTIC_CONVERT))
            return false;
        for (uint32_t u = 0; u < x->n_users; u++) {
            if (x->users[u]->dead) continue;
            if (n == MAX_LEAVES || ++seen > 4 * MAX_LEAVES) return false; /* too big to check */
            stack[n++] = x->users[u];
        }
    }
    return true;
}

/* Does |x| read |g| only at the index of the element it computes? */
static bool reads_pointwise(const hloc_instr *x, const hloc_instr *g) {
    if (x->op == HLOC_OP_FUSION && x->n_called == 1) {
        for (uint32_t j = 0; j < x->n_operands; j++)
            if (x->operands[j] == g && !pointwise_param(x->called[0], j)) return false;
        return true;
    }
    return (hloc_opcode_flags(x->op) & OPF_EW) && x->op != HLOC_OP_STOCHASTIC_CONVERT &&
           hloc_shape_is_array(&x->shape) && hloc_shape_same_dims(&x->shape, &g->shape);
}

/* Has |u| read all it needs of its operands, into a buffer of its own, once it is emitted? */
static bool reads_up_front(const hloc_instr *u) {
    if (u->op == HLOC_OP_DOT) return true;
    if (u->op != HLOC_OP_FUSION || u->n_called != 1 || !hloc_shape_is_array(&u->shape)) return false;
    const hloc_instr *r = u->called[0]->root;
    return r && r->op != HLOC_OP_PARAMETER && r->op != HLOC_OP_GET_TUPLE_ELEMENT && r->op != HLOC_OP_BITCAST &&
           r->op != HLOC_OP_TUPLE;
}

/* Can element k of |body|'s root, computed by some x, go straight into state element k (no copy
 * at the end of the iteration)? Only if the old value is read by x alone at the element x writes
 * (an LSTM's c = f * c + i * g), or earlier, by instructions that are done with it when x runs
 * (h feeding a dot at the top of the step). */
static bool root_in_place(const hloc_computation *body, uint32_t k) {
    const hloc_instr *root = body->root, *param = body->n_params == 1 ? body->params[0] : NULL;
    if (!param || root->op != HLOC_OP_TUPLE || k >= root->n_operands) return false;
    const hloc_instr *x = root->operands[k];
    if (x->op == HLOC_OP_PARAMETER || x->op == HLOC_OP_GET_TUPLE_ELEMENT || x->op == HLOC_OP_BITCAST ||
        x->op == HLOC_OP_TUPLE || !hloc_shape_is_array(&x->shape))
        return false;
    for (uint32_t u = 0; u < root->n_operands; u++)
        if (u != k && root->operands[u] == x) return false;
    uint32_t at = UINT32_MAX;
    for (uint32_t j = 0; j < body->n_instrs; j++)
        if (body->instrs[j] == x) at = j;
    if (at == UINT32_MAX) return false;
    for (uint32_t u = 0; u < param->n_users; u++) {
        const hloc_instr *g = param->users[u];
        if (g->dead) continue;
        if (g->op != HLOC_OP_GET_TUPLE_ELEMENT) return false;
        if (g->attrs->index != (int64_t)k) continue;
        for (uint32_t v = 0; v < g->n_users; v++) {
            const hloc_instr *y = g->users[v];
            if (y->dead) continue;
            if (y == x) {
                if (!reads_pointwise(x, g)) return false;
                continue;
            }
            if (!reads_up_front(y)) return false;
            bool before = false;
            for (uint32_t j = 0; j < at && !before; j++) before = body->instrs[j] == y;
            if (!before) return false;
        }
    }
    return true;
}

/* Where the body computes its root: in place for the carries carry_in_place or root_in_place
 * allow, nowhere (CGV_NONE) for the rest; NULL when no element qualifies. */
static cg_value *body_dst(cg *c, const hloc_computation *body, const cg_value *state) {
    if (state->kind != CGV_TUPLE) return NULL;
    cg_value *d = NULL;
    for (uint32_t k = 0; k < state->n_elems; k++) {
        if (state->elems[k].kind != CGV_BUFFER || !(carry_in_place(body, k) || root_in_place(body, k))) continue;
        if (!d) {
            d = HLOC_ARENA_NEW(c->arena, cg_value);
            cg_value *e = HLOC_ARENA_ARRAY(c->arena, cg_value, state->n_elems);
            if (!d || !e) return NULL;
            d->kind = CGV_TUPLE;
            d->elems = e; /* zeroed: CGV_NONE */
            d->n_elems = state->n_elems;
        }
        d->elems[k] = state->elems[k];
    }
    return d;
}

cg_value *cg_emit_while(cg *c, cg_scope *s, const hloc_instr *i) {
    if (i->n_called != 2 || i->n_operands != 1) {
        cg_unsupported(c, i, "a while without a condition and a body");
        return cg_alloc_value(c, &i->shape);
    }
    const hloc_computation *cond = i->called[0], *body = i->called[1];
    cg_value *init = cg_value_of(c, s, i->operands[0]);
    cg_value *state = cg_alloc_value(c, &i->shape);
    if (!state || c->err) return state;
    cg_copy_value(c, s, init, state);

    LLVMBasicBlockRef header = cg_block(c, "while.cond"), bb = cg_block(c, "while.body"),
                      exit = cg_block(c, "while.exit");
    LLVMBuildBr(c->b, header);
    LLVMPositionBuilderAtEnd(c->b, header);
    cg_value *cv = cg_emit_computation(c, cond, &state);
    if (c->err) return state;
    LLVMBuildCondBr(c->b, pred_of(c, cv, i), bb, exit);
    LLVMPositionBuilderAtEnd(c->b, bb);
    cg_value *bd = body_dst(c, body, state);
    cg_value *r = bd ? cg_emit_computation_hinted(c, body, &state, bd) : cg_emit_computation(c, body, &state);
    if (c->err || !r) return state;

    cg_value *rl[MAX_LEAVES], *sl[MAX_LEAVES];
    uint32_t nr = 0, ns = 0;
    leaves(r, rl, &nr);
    leaves(state, sl, &ns);
    if (nr != ns || nr == MAX_LEAVES) {
        cg_unsupported(c, i, "a while body whose result does not match its state");
        return state;
    }
    const cg_value *src[MAX_LEAVES];
    for (uint32_t k = 0; k < nr; k++) {
        src[k] = rl[k];
        for (uint32_t j = 0; j < ns; j++) {
            if (j == k || rl[k]->ptr != sl[j]->ptr) continue;
            cg_value *tmp = cg_alloc_value(c, rl[k]->shape);
            if (!tmp) return state;
            cg_copy_value(c, s, rl[k], tmp);
            src[k] = tmp;
            break;
        }
    }
    for (uint32_t k = 0; k < nr; k++) cg_copy_value(c, s, src[k], sl[k]);
    LLVMBuildBr(c->b, header);
    LLVMMoveBasicBlockAfter(exit, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, exit);
    return state;
}

cg_value *cg_emit_conditional(cg *c, cg_scope *s, const hloc_instr *i) {
    uint32_t nb = i->n_called;
    if (nb == 0 || i->n_operands != nb + 1) {
        cg_unsupported(c, i, "a conditional without one operand per branch");
        return cg_alloc_value(c, &i->shape);
    }
    cg_value *out = cg_alloc_value(c, &i->shape);
    cg_value *args[256];
    if (!out || nb > 256) {
        if (nb > 256) cg_unsupported(c, i, "more than 256 branches");
        return out;
    }
    for (uint32_t k = 0; k < nb; k++) args[k] = cg_value_of(c, s, i->operands[k + 1]);
    const hloc_instr *sel = i->operands[0];
    LLVMValueRef v = cg_elem(c, s, sel, NULL);
    LLVMValueRef which;
    if (sel->shape.type == HLOC_TYPE_PRED) {
        /* true_computation is branch 0 */
        which = LLVMBuildSelect(c->b, v, LLVMConstInt(c->t_i32, 0, 0), LLVMConstInt(c->t_i32, 1, 0), "");
    } else {
        LLVMValueRef w = cg_convert(c, v, sel->shape.type, HLOC_TYPE_S64);
        LLVMValueRef bad = LLVMBuildOr(c->b, LLVMBuildICmp(c->b, LLVMIntSLT, w, cg_const_i64(c, 0), ""),
                                       LLVMBuildICmp(c->b, LLVMIntSGE, w, cg_const_i64(c, nb), ""), "");
        w = LLVMBuildSelect(c->b, bad, cg_const_i64(c, nb - 1), w, "");
        which = LLVMBuildTrunc(c->b, w, c->t_i32, "");
    }
    LLVMBasicBlockRef join = cg_block(c, "cond.join");
    LLVMBasicBlockRef blocks[256];
    for (uint32_t k = 0; k < nb; k++) blocks[k] = cg_block(c, "cond.branch");
    LLVMValueRef sw = LLVMBuildSwitch(c->b, which, blocks[nb - 1], nb);
    for (uint32_t k = 0; k + 1 < nb; k++) LLVMAddCase(sw, LLVMConstInt(c->t_i32, k, 0), blocks[k]);
    for (uint32_t k = 0; k < nb && !c->err; k++) {
        LLVMPositionBuilderAtEnd(c->b, blocks[k]);
            cg_emit_computation_into(c, i->called[k], &args[k], out);
            LLVMBuildBr(c->b, join);
    }
    LLVMMoveBasicBlockAfter(join, LLVMGetLastBasicBlock(c->fn));
    LLVMPositionBuilderAtEnd(c->b, join);
    return out;
}
