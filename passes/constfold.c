/* constant-folding: evaluates instructions whose operands are all constants with the reference
 * evaluator and replaces them with a constant. Bounded: results over 64Ki elements stay, and so
 * do broadcast and iota (their constants would only cost memory), side effects, loops and
 * custom calls. */
#include "eval.h"
#include "passes_internal.h"

enum { MAX_FOLD_ELEMENTS = 1 << 16 };

static bool foldable(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_PARAMETER:
    case HLOC_OP_CONSTANT:
    case HLOC_OP_BROADCAST:
    case HLOC_OP_IOTA:
    case HLOC_OP_WHILE:
    case HLOC_OP_CUSTOM_CALL:
    case HLOC_OP_RNG:
    case HLOC_OP_RNG_BIT_GENERATOR:
    case HLOC_OP_TUPLE:
    case HLOC_OP_AFTER_ALL:
    case HLOC_OP_PARTITION_ID:
    case HLOC_OP_REPLICA_ID:
        return false;
    default:
        break;
    }
    if (!hloc_instr_is_removable(i) || !hloc_shape_is_array(&i->shape) || !hloc_type_is_array(i->shape.type))
        return false;
    if (!hloc_shape_is_static(&i->shape) || hloc_shape_elements(&i->shape) > MAX_FOLD_ELEMENTS) return false;
    if (i->n_operands == 0) return false;
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_instr *o = i->operands[k];
        if (o->op != HLOC_OP_CONSTANT || !o->attrs->literal || o->attrs->literal->elided) return false;
    }
    return true;
}

/* Evaluates |i| in a scratch module holding its constant operands; the callees it names are the
 * original module's (the evaluator follows pointers, never names). */
static hloc_status *fold(hloc_instr *i, bool *folded) {
    hloc_module *m = i->parent->parent;
    hloc_module *scratch = hloc_pass_scratch_module(m);
    if (!scratch) return hloc_status_oom();
    hloc_computation *c = hloc_computation_create(scratch, "fold");
    hloc_status *st = NULL;
    hloc_instr *ops[64];
    if (!c || i->n_operands > 64) goto done;
    scratch->entry = c;
    c->is_entry = true;
    for (uint32_t k = 0; k < i->n_operands; k++) {
        ops[k] = hloc_instr_clone_into(c, i->operands[k], NULL, i->operands[k]->name);
        if (!ops[k]) goto oom;
    }
    hloc_instr *x = hloc_instr_clone_into(c, i, ops, i->name);
    if (!x) goto oom;
    c->root = x;
    hloc_arena *out = hloc_arena_create();
    if (!out) goto oom;
    hloc_literal *value = NULL;
    hloc_status *es = hloc_evaluate(scratch, NULL, 0, NULL, out, &value);
    if (es) {
        hloc_status_free(es); /* not foldable here (e.g. unsupported); the backend handles it */
    } else {
        hloc_literal *lit = hloc_literal_clone(m->arena, value);
        hloc_instr *k = lit ? hloc_pass_new_instr(i->parent, HLOC_OP_CONSTANT, &i->shape, NULL, 0) : NULL;
        if (!k) {
            hloc_arena_destroy(out);
            goto oom;
        }
        lit->shape = k->shape; /* keep the instruction's layout; data stays row-major */
        k->attrs->literal = lit;
        k->loc = i->loc;
        k->attrs->metadata = i->attrs->metadata;
        hloc_pass_replace(i, k);
        *folded = true;
    }
    hloc_arena_destroy(out);
    goto done;
oom:
    st = hloc_status_oom();
done:
    hloc_module_destroy(scratch);
    return st;
}

static hloc_status *run(hloc_module *m, hloc_pass_ctx *ctx, bool *changed) {
    (void)ctx;
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_computation *c = m->comps[k];
        bool ch = false;
        uint32_t n = c->n_instrs; /* new constants are appended; they need no folding */
        for (uint32_t j = 0; j < n; j++) {
            hloc_instr *i = c->instrs[j];
            if (i->dead || !foldable(i)) continue;
            HLOC_RETURN_IF_ERROR(fold(i, &ch));
        }
        if (ch) hloc_computation_cleanup(c);
        *changed |= ch;
    }
    return NULL;
}

const hloc_pass hloc_pass_constfold = {"constant-folding", run};
