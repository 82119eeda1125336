/* Computations and instructions:
 *   computation ::= 'ENTRY'? name ('(' (name ':' shape),* ')' '->' shape)? '{' instruction+ '}'
 *                   (',' 'execution_thread=' string)?
 *   instruction ::= 'ROOT'? name '=' shape opcode '(' operands ')' (',' attribute)*
 * Operands may name instructions defined later in the computation; those are wired up at the
 * closing '}', then the computation is checked for cycles and put in a valid order. Called
 * computations are resolved once the whole module is read (parse_resolve_module). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "print.h"
#include "verify.h"

typedef struct fwd_operands {
    hloc_instr *i;
    hloc_token *names;   /* every operand, in order */
    hloc_shape **shapes; /* the shape written before each operand, or NULL */
    uint32_t n;
} fwd_operands;

typedef struct ctl_preds {
    hloc_instr *i;
    hloc_token *names;
    uint32_t n;
} ctl_preds;

typedef struct hloc_parse_comp_ctx {
    hloc_computation *c;
    hloc_name_table *instrs;
    fwd_operands *fwd;
    uint32_t n_fwd, cap_fwd;
    ctl_preds *preds;
    uint32_t n_preds, cap_preds;
    hloc_token *params; /* defining token per parameter number, for duplicates */
    uint32_t cap_params;
} comp_ctx;

typedef struct hloc_comp_ref {
    hloc_instr *i;
    uint32_t slot;
    hloc_token name;
} comp_ref;

static void add_comp_ref(hloc_parser *p, hloc_instr *i, const hloc_token *name) {
    hloc_parse_mod_ctx *mc = p->mc;
    if (!hloc_instr_add_called(i, NULL)) parse_fail_oom(p);
    if (!hloc_arena_grow(p->tmp, (void **)&mc->refs, &mc->cap_refs, mc->n_refs + 1,
                         sizeof *mc->refs))
        parse_fail_oom(p);
    comp_ref *r = &mc->refs[mc->n_refs++];
    r->i = i;
    r->slot = i->n_called - 1;
    r->name = *name;
}

/* ir.h's order of called computations. */
static void add_called(hloc_parser *p, hloc_instr *i, const hloc_called_refs *r) {
    const hloc_token *single[] = {&r->condition, &r->body, &r->true_comp, &r->false_comp};
    for (int k = 0; k < 4; k++)
        if (single[k]->kind == TK_WORD) add_comp_ref(p, i, single[k]);
    for (uint32_t k = 0; k < r->n_branches; k++)
        add_comp_ref(p, i, &r->branches[k]);
    const hloc_token *rest[] = {&r->select, &r->scatter, &r->calls, &r->to_apply};
    for (int k = 0; k < 4; k++)
        if (rest[k]->kind == TK_WORD) add_comp_ref(p, i, rest[k]);
    for (uint32_t k = 0; k < r->n_called; k++)
        add_comp_ref(p, i, &r->called[k]);
}

static hloc_instr *lookup(comp_ctx *cc, const hloc_token *t) {
    return names_find(cc->instrs, t->s, t->n);
}

static const char *shape_text(hloc_parser *p, const hloc_shape *s) {
    const char *t = hloc_shape_str(p->tmp, s);
    return t ? t : "?";
}

static void check_operand_shape(hloc_parser *p, const hloc_token *at, const hloc_shape *written,
                                const hloc_instr *op) {
    if (written && !hloc_shape_equal_ignoring_layout(written, &op->shape))
        parse_fail(p, at, "operand '%s' is written as %s but defined as %s", op->name,
                   shape_text(p, written), shape_text(p, &op->shape));
}

static void parse_param_number(hloc_parser *p, comp_ctx *cc, hloc_instr *i, const hloc_token *at) {
    int64_t n = i->attrs->index;
    if (n < 0 || n >= (1 << 20))
        parse_fail(p, at, "parameter number %lld is out of range", (long long)n);
    hloc_computation *c = cc->c;
    if ((uint64_t)n < c->n_params && c->params[n]) {
        hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(at),
                         "parameter number %lld is used twice", (long long)n);
        hloc_diag_report(&p->diag, HLOC_SEV_NOTE, c->params[n]->loc, "previously used by '%s'",
                         c->params[n]->name);
        longjmp(p->jmp, 1);
    }
    if (!hloc_computation_set_param(c, i)) parse_fail_oom(p);
}

/* Opcodes whose result shape may be left out (XLA's CanInferShape; broadcast aside, whose result
 * dimensions the attributes do not give). */
static bool inferable(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_CONVERT:
    case HLOC_OP_BITCAST_CONVERT:
    case HLOC_OP_REDUCE_PRECISION:
    case HLOC_OP_STOCHASTIC_CONVERT:
        return false;
    case HLOC_OP_TUPLE:
    case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_CONCATENATE:
    case HLOC_OP_TRANSPOSE:
    case HLOC_OP_REVERSE:
    case HLOC_OP_PAD:
    case HLOC_OP_DOT:
    case HLOC_OP_RAGGED_DOT:
    case HLOC_OP_CONVOLUTION:
    case HLOC_OP_REDUCE:
    case HLOC_OP_REDUCE_WINDOW:
    case HLOC_OP_SELECT_AND_SCATTER:
    case HLOC_OP_SORT:
    case HLOC_OP_MAP:
    case HLOC_OP_CALL:
    case HLOC_OP_WHILE:
    case HLOC_OP_CONDITIONAL:
    case HLOC_OP_GATHER:
    case HLOC_OP_SCATTER:
    case HLOC_OP_AFTER_ALL:
    case HLOC_OP_ADD_DEPENDENCY:
    case HLOC_OP_OPTIMIZATION_BARRIER:
    case HLOC_OP_TOPK:
    case HLOC_OP_CHOLESKY:
    case HLOC_OP_TRIANGULAR_SOLVE:
    case HLOC_OP_FFT:
    case HLOC_OP_BATCH_NORM_TRAINING:
    case HLOC_OP_BATCH_NORM_INFERENCE:
    case HLOC_OP_BATCH_NORM_GRAD:
    case HLOC_OP_GET_DIMENSION_SIZE:
    case HLOC_OP_SET_DIMENSION_SIZE:
    case HLOC_OP_PARTITION_ID:
    case HLOC_OP_REPLICA_ID:
    case HLOC_OP_DOMAIN:
        return true;
    default:
        return (hloc_opcode_flags(op) & OPF_EW) != 0;
    }
}

/* Sets the shape of an instruction written without one, as XLA's parser does: needs its operands
 * and called computations to be defined already. */
static void infer_shape(hloc_parser *p, comp_ctx *cc, hloc_instr *i, const hloc_token *op_tok,
                        bool forward) {
    (void)cc;
    if (forward)
        parse_fail(p, op_tok,
                   "cannot infer the shape of '%s': an operand is defined later; write the shape",
                   i->name);
    if (!inferable(i->op))
        parse_fail(p, op_tok, "the shape of '%s' must be written: it cannot be inferred for '%s'",
                   i->name, hloc_opcode_name(i->op));
    hloc_parse_mod_ctx *mc = p->mc;
    for (uint32_t k = mc->n_refs - i->n_called; k < mc->n_refs; k++) {
        comp_ref *r = &mc->refs[k];
        hloc_computation *c = names_find(mc->comps, r->name.s, r->name.n);
        if (!c)
            parse_fail(p, &r->name,
                       "cannot infer the shape of '%s': computation '%.*s' is not defined yet",
                       i->name, (int)r->name.n, r->name.s);
        i->called[r->slot] = c;
    }
    hloc_shape out;
    hloc_diag d;
    hloc_diag_init(&d, "", NULL, 0);
    if (!hloc_infer_shape(i, p->a, &out, &d)) {
        /* Shape inference speaks of declared shapes; say instead why the shape cannot be left out.
         */
        char why[256] = "";
        const char *m = d.out.data ? strstr(d.out.data, "error: ") : NULL;
        if (m) {
            m += 7;
            size_t nl = strlen(i->name);
            if (m[0] == '\'' && !strncmp(m + 1, i->name, nl) && !strncmp(m + 1 + nl, "': ", 3))
                m += nl + 4;
            size_t n = strcspn(m, "\n");
            snprintf(why, sizeof why, "%.*s", (int)(n < sizeof why - 1 ? n : sizeof why - 1), m);
        }
        hloc_diag_free(&d); /* before parse_fail: no heap block may outlive the longjmp */
        parse_fail(p, op_tok, "cannot infer the shape of '%s' (write it): %s", i->name, why);
    }
    hloc_diag_free(&d);
    if (out.type == HLOC_TYPE_INVALID)
        parse_fail(p, op_tok, "the shape of '%s' must be written: it cannot be inferred for '%s'",
                   i->name, hloc_opcode_name(i->op));
    i->shape = out;
}

static void parse_instruction(hloc_parser *p, comp_ctx *cc) {
    bool is_root = false;
    hloc_token root_tok = p->tok;
    if (parse_accept_word(p, "ROOT")) is_root = true;
    hloc_token name_tok = p->tok;
    if (p->tok.kind != TK_WORD) parse_expected(p, "an instruction name");
    char *name = parse_strndup(p, p->tok.s, p->tok.n);
    parse_advance(p);
    hloc_instr *prev = lookup(cc, &name_tok);
    if (prev) {
        hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&name_tok),
                         "instruction '%s' is already defined in computation '%s'", name,
                         cc->c->name);
        hloc_diag_report(&p->diag, HLOC_SEV_NOTE, prev->loc, "previously defined here");
        longjmp(p->jmp, 1);
    }
    parse_expect(p, TK_EQUAL, "'=' after the instruction name");
    hloc_shape shape;
    bool infer = false;
    if (parse_at_shape(p)) {
        parse_shape(p, &shape);
    } else if (p->tok.kind == TK_WORD && !p->tok.pct && parse_peek(p).kind == TK_LPAREN) {
        /* `x = add(a, b)`: the shape is inferred once the operands and attributes are known. */
        infer = true;
        memset(&shape, 0, sizeof shape);
    } else {
        parse_expected(p, "a shape");
    }
    hloc_token op_tok = p->tok;
    if (op_tok.kind != TK_WORD || op_tok.pct) parse_expected(p, "an opcode");
    hloc_opcode op;
    if (!hloc_opcode_from_name(op_tok.s, op_tok.n, &op))
        parse_fail(p, &op_tok, "unknown opcode '%.*s'", (int)op_tok.n, op_tok.s);
    parse_advance(p);
    hloc_token open = p->tok;
    parse_expect(p, TK_LPAREN, "'(' after the opcode");

    hloc_instr *i;
    int64_t param_no = 0;
    hloc_literal *lit = NULL;
    bool forward = false;
    uint32_t n_ops = 0, cap = 0, cap_s = 0, cap_t = 0;
    hloc_instr **ops = NULL;
    hloc_token *op_names = NULL;
    hloc_shape **op_shapes = NULL;
    if (op == HLOC_OP_PARAMETER) {
        param_no = parse_int(p);
    } else if (op == HLOC_OP_CONSTANT) {
        lit = parse_literal(p, &shape);
    } else if (p->tok.kind != TK_RPAREN) {
        do {
            hloc_shape *written = NULL;
            if (parse_at_shape(p)) {
                written = parse_alloc(p, p->tmp, sizeof *written);
                parse_shape(p, written);
            }
            hloc_token t = p->tok;
            if (t.kind != TK_WORD) parse_expected(p, "an operand name");
            parse_advance(p);
            if (p->tok.kind == TK_LPAREN)
                parse_fail(p, &t, "nested instructions as operands are not supported");
            hloc_instr *o = lookup(cc, &t);
            if (!o)
                forward = true;
            else
                check_operand_shape(p, &t, written, o);
            if (!hloc_arena_grow(p->tmp, (void **)&ops, &cap, n_ops + 1, sizeof *ops) ||
                !hloc_arena_grow(p->tmp, (void **)&op_names, &cap_t, n_ops + 1, sizeof *op_names) ||
                !hloc_arena_grow(p->tmp, (void **)&op_shapes, &cap_s, n_ops + 1, sizeof *op_shapes))
                parse_fail_oom(p);
            ops[n_ops] = o;
            op_names[n_ops] = t;
            op_shapes[n_ops++] = written;
        } while (parse_accept(p, TK_COMMA));
    }
    if (p->tok.kind != TK_RPAREN) {
        char buf[64];
        hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&p->tok),
                         "expected ',' or ')' in operand list, found %s",
                         hloc_token_describe(&p->tok, buf, sizeof buf));
        hloc_diag_report(&p->diag, HLOC_SEV_NOTE, parse_loc(&open), "to close '(' opened here");
        longjmp(p->jmp, 1);
    }
    parse_advance(p);
    int arity = hloc_opcode_arity(op);
    if (arity >= 0 && op != HLOC_OP_PARAMETER && op != HLOC_OP_CONSTANT && (uint32_t)arity != n_ops)
        parse_fail(p, &op_tok, "'%s' takes %d operand%s, found %u", hloc_opcode_name(op), arity,
                   arity == 1 ? "" : "s", n_ops);

    i = hloc_instr_create(cc->c, op, &shape, forward ? NULL : ops, forward ? 0 : n_ops, name);
    if (!i) parse_fail_oom(p);
    i->loc = parse_loc(&name_tok);
    names_put(p, cc->instrs, i->name, i);
    if (forward) {
        if (!hloc_arena_grow(p->tmp, (void **)&cc->fwd, &cc->cap_fwd, cc->n_fwd + 1,
                             sizeof *cc->fwd))
            parse_fail_oom(p);
        fwd_operands *f = &cc->fwd[cc->n_fwd++];
        f->i = i;
        f->names = op_names;
        f->shapes = op_shapes;
        f->n = n_ops;
    }
    if (op == HLOC_OP_PARAMETER) {
        i->attrs->index = param_no;
        parse_param_number(p, cc, i, &name_tok);
    }
    if (lit) i->attrs->literal = lit;

    hloc_called_refs refs;
    memset(&refs, 0, sizeof refs);
    while (parse_accept(p, TK_COMMA))
        parse_attribute(p, i, &refs);
    parse_check_required(p, i, &refs, &op_tok);
    if (op == HLOC_OP_PARAMETER)
        i->attrs->index = param_no; /* an `index=` attribute must not move it */
    add_called(p, i, &refs);
    if (infer) infer_shape(p, cc, i, &op_tok, forward);
    if (refs.n_preds) {
        if (!hloc_arena_grow(p->tmp, (void **)&cc->preds, &cc->cap_preds, cc->n_preds + 1,
                             sizeof *cc->preds))
            parse_fail_oom(p);
        ctl_preds *cp = &cc->preds[cc->n_preds++];
        cp->i = i;
        cp->names = refs.preds;
        cp->n = refs.n_preds;
    }
    if (is_root) {
        if (cc->c->root) {
            hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&root_tok),
                             "computation '%s' has more than one ROOT", cc->c->name);
            hloc_diag_report(&p->diag, HLOC_SEV_NOTE, cc->c->root->loc, "first ROOT is here");
            longjmp(p->jmp, 1);
        }
        cc->c->root = i;
    }
}

/* Finds an instruction on a cycle of operand / control edges; NULL if there is none. */
static hloc_instr *find_cycle(hloc_parser *p, hloc_computation *c) {
    uint32_t bound = c->parent->next_instr_id;
    uint8_t *state = parse_alloc(p, p->tmp, bound);
    hloc_instr **stack = parse_alloc(p, p->tmp, (size_t)c->n_instrs * sizeof *stack);
    uint32_t *next = parse_alloc(p, p->tmp, (size_t)c->n_instrs * sizeof *next);
    for (uint32_t s = 0; s < c->n_instrs; s++) {
        if (state[c->instrs[s]->id]) continue;
        uint32_t sp = 0;
        stack[sp] = c->instrs[s];
        next[sp++] = 0;
        state[c->instrs[s]->id] = 1;
        while (sp) {
            hloc_instr *top = stack[sp - 1];
            uint32_t total = top->n_operands + top->n_control_preds;
            if (next[sp - 1] < total) {
                uint32_t k = next[sp - 1]++;
                hloc_instr *d = k < top->n_operands ? top->operands[k]
                                                    : top->control_preds[k - top->n_operands];
                if (state[d->id] == 1) return d;
                if (state[d->id] == 0) {
                    state[d->id] = 1;
                    stack[sp] = d;
                    next[sp++] = 0;
                }
            } else {
                state[top->id] = 2;
                sp--;
            }
        }
    }
    return NULL;
}

static void finish_computation(hloc_parser *p, comp_ctx *cc, const hloc_token *close) {
    hloc_computation *c = cc->c;
    if (!c->n_instrs) parse_fail(p, close, "computation '%s' has no instructions", c->name);
    bool reorder = false;
    for (uint32_t k = 0; k < cc->n_fwd; k++) {
        fwd_operands *f = &cc->fwd[k];
        for (uint32_t j = 0; j < f->n; j++) {
            hloc_instr *o = lookup(cc, &f->names[j]);
            if (!o)
                parse_fail(p, &f->names[j], "operand '%.*s' is not defined in computation '%s'",
                           (int)f->names[j].n, f->names[j].s, c->name);
            check_operand_shape(p, &f->names[j], f->shapes[j], o);
            if (!hloc_instr_add_operand(f->i, o)) parse_fail_oom(p);
        }
        reorder = true;
    }
    for (uint32_t k = 0; k < cc->n_preds; k++) {
        ctl_preds *cp = &cc->preds[k];
        cp->i->control_preds = parse_alloc(p, p->a, cp->n * sizeof(hloc_instr *));
        for (uint32_t j = 0; j < cp->n; j++) {
            hloc_instr *o = lookup(cc, &cp->names[j]);
            if (!o)
                parse_fail(p, &cp->names[j],
                           "control predecessor '%.*s' is not defined in computation '%s'",
                           (int)cp->names[j].n, cp->names[j].s, c->name);
            cp->i->control_preds[j] = o;
        }
        cp->i->n_control_preds = cp->n;
        reorder = true;
    }
    if (reorder) {
        hloc_instr *cyc = find_cycle(p, c);
        if (cyc) {
            hloc_token at;
            memset(&at, 0, sizeof at);
            at.line = cyc->loc.line;
            at.col = cyc->loc.col;
            parse_fail(p, &at,
                       "instruction '%s' depends on itself (a cycle through operands or "
                       "control-predecessors)",
                       cyc->name);
        }
        if (!hloc_computation_cleanup(c))
            parse_fail_oom(p); /* no cycle: only allocation can fail */
    }
    for (uint32_t k = 0; k < c->n_params; k++)
        if (!c->params[k])
            parse_fail(p, close, "computation '%s' has no parameter number %u", c->name, k);
    if (!c->root) c->root = c->instrs[c->n_instrs - 1];
}

/* `(name: shape, ...) -> shape` before a computation body. */
typedef struct signature {
    hloc_shape result;
    hloc_token result_tok;
} signature;

static void parse_signature(hloc_parser *p, signature *sig) {
    parse_expect(p, TK_LPAREN, "'('");
    if (p->tok.kind != TK_RPAREN) {
        do {
            parse_name(p, NULL);
            parse_expect(p, TK_COLON, "':' after the parameter name");
            hloc_shape s;
            parse_shape(p, &s);
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RPAREN, "',' or ')' in the parameter list");
    parse_expect(p, TK_ARROW, "'->' after the parameter list");
    sig->result_tok = p->tok;
    parse_shape(p, &sig->result);
}

/* As XLA: only the result is checked; parameter lists in signatures are informative (XLA's own
 * tests write fewer parameters than the body has). */
static void check_signature(hloc_parser *p, const hloc_computation *c, const signature *sig) {
    if (!hloc_shape_equal_ignoring_layout(&sig->result, &c->root->shape))
        parse_fail(p, &sig->result_tok,
                   "computation '%s' declares result %s but its root '%s' is %s", c->name,
                   shape_text(p, &sig->result), c->root->name, shape_text(p, &c->root->shape));
}

/* '{' instruction+ '}': the instructions of |c|, then its operand wiring, order and root. */
static void parse_body(hloc_parser *p, hloc_computation *c) {
    comp_ctx cc;
    memset(&cc, 0, sizeof cc);
    cc.c = c;
    cc.instrs = names_create(p);
    hloc_token open = p->tok;
    parse_expect(p, TK_LBRACE, "'{' to open the computation body");
    while (p->tok.kind != TK_RBRACE) {
        if (p->tok.kind == TK_EOF) {
            hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&p->tok),
                             "expected an instruction or '}', found end of input");
            hloc_diag_report(&p->diag, HLOC_SEV_NOTE, parse_loc(&open), "to close '{' opened here");
            longjmp(p->jmp, 1);
        }
        parse_instruction(p, &cc);
    }
    hloc_token close = p->tok;
    parse_advance(p);
    finish_computation(p, &cc, &close);
}

/* Inline computations nest; the bound keeps hostile input from exhausting the stack. */
enum { MAX_INLINE_DEPTH = 32 };

hloc_token parse_inline_computation(hloc_parser *p, const hloc_instr *caller, const char *role) {
    hloc_token open = p->tok;
    if (++p->inline_depth > MAX_INLINE_DEPTH)
        parse_fail(p, &open, "inline computations nest deeper than %d", MAX_INLINE_DEPTH);
    /* Named after the caller and the attribute, made unique among the module's computations. */
    char *name = hloc_arena_printf(p->a, "%s.%s", caller->name, role);
    for (int k = 1; name && names_find(p->mc->comps, name, strlen(name)); k++)
        name = hloc_arena_printf(p->a, "%s.%s.%d", caller->name, role, k);
    if (!name) parse_fail_oom(p);
    hloc_computation *c = hloc_computation_create(p->m, name);
    if (!c) parse_fail_oom(p);
    c->loc = parse_loc(&open);
    names_put(p, p->mc->comps, c->name, c);
    parse_body(p, c);
    p->inline_depth--;
    hloc_token t = open;
    t.kind = TK_WORD;
    t.pct = false;
    t.s = c->name;
    t.n = (uint32_t)strlen(c->name);
    return t;
}

void parse_computation(hloc_parser *p, bool is_entry, const hloc_token *entry_tok) {
    hloc_token name_tok = p->tok;
    if (p->tok.kind != TK_WORD)
        parse_expected(p, is_entry ? "a computation name after ENTRY" : "a computation name");
    char *name = parse_strndup(p, p->tok.s, p->tok.n);
    parse_advance(p);
    hloc_computation *dup = names_find(p->mc->comps, name_tok.s, name_tok.n);
    if (dup) {
        hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&name_tok),
                         "computation '%s' is already defined", name);
        hloc_diag_report(&p->diag, HLOC_SEV_NOTE, dup->loc, "previously defined here");
        longjmp(p->jmp, 1);
    }
    if (is_entry && p->mc->saw_entry)
        parse_fail(p, entry_tok, "a module has only one ENTRY computation");
    hloc_computation *c = hloc_computation_create(p->m, name);
    if (!c) parse_fail_oom(p);
    c->loc = parse_loc(&name_tok);
    c->is_entry = is_entry;
    if (is_entry) {
        p->mc->saw_entry = true;
        p->m->entry = c;
    }
    names_put(p, p->mc->comps, c->name, c);
    signature sig;
    memset(&sig, 0, sizeof sig);
    if (p->tok.kind == TK_LPAREN) {
        parse_signature(p, &sig);
        c->has_signature = true;
    }
    parse_body(p, c);
    if (c->has_signature) check_signature(p, c, &sig);
    if (p->tok.kind == TK_COMMA) {
        parse_advance(p);
        if (!parse_accept_word(p, "execution_thread")) parse_expected(p, "execution_thread");
        parse_expect(p, TK_EQUAL, "'='");
        c->execution_thread = parse_string(p);
    }
}

/* Resolves called computations, rejects recursion and orders callees before callers. */
void parse_resolve_module(hloc_parser *p) {
    hloc_parse_mod_ctx *mc = p->mc;
    hloc_module *m = p->m;
    for (uint32_t k = 0; k < mc->n_refs; k++) {
        comp_ref *r = &mc->refs[k];
        hloc_computation *c = names_find(mc->comps, r->name.s, r->name.n);
        if (!c) parse_fail(p, &r->name, "unknown computation '%.*s'", (int)r->name.n, r->name.s);
        r->i->called[r->slot] = c;
    }
    /* Depth-first post-order over the call graph, from each computation in definition order. */
    uint32_t n = m->n_comps;
    uint8_t *state = parse_alloc(p, p->tmp, n);
    hloc_computation **out = parse_alloc(p, p->tmp, n * sizeof *out);
    hloc_computation **stack = parse_alloc(p, p->tmp, n * sizeof *stack);
    uint32_t *ii = parse_alloc(p, p->tmp, n * sizeof *ii),
             *jj = parse_alloc(p, p->tmp, n * sizeof *jj);
    uint32_t n_out = 0;
    for (uint32_t s = 0; s < n; s++) {
        if (state[m->comps[s]->id]) continue;
        uint32_t sp = 0;
        stack[sp] = m->comps[s];
        ii[sp] = jj[sp] = 0;
        sp++;
        state[m->comps[s]->id] = 1;
        while (sp) {
            hloc_computation *top = stack[sp - 1];
            if (ii[sp - 1] >= top->n_instrs) {
                state[top->id] = 2;
                out[n_out++] = top;
                sp--;
                continue;
            }
            hloc_instr *in = top->instrs[ii[sp - 1]];
            if (jj[sp - 1] >= in->n_called) {
                ii[sp - 1]++;
                jj[sp - 1] = 0;
                continue;
            }
            hloc_computation *callee = in->called[jj[sp - 1]++];
            if (state[callee->id] == 1) {
                hloc_token at;
                memset(&at, 0, sizeof at);
                at.line = in->loc.line;
                at.col = in->loc.col;
                parse_fail(p, &at, "computation '%s' calls itself (through '%s')", callee->name,
                           in->name);
            }
            if (state[callee->id] == 0) {
                state[callee->id] = 1;
                stack[sp] = callee;
                ii[sp] = jj[sp] = 0;
                sp++;
            }
        }
    }
    memcpy(m->comps, out, n * sizeof *out);
}
