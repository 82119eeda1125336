/* Instructions:
 *   instruction ::= 'ROOT'? name '=' shape? opcode '(' operands ')' (',' attribute)*
 *   operand     ::= shape? name | shape? opcode '(' operands ')'
 * Operands may name instructions defined later in the computation (parse_comp.c wires them up);
 * called computations are recorded by name and resolved once the module is read. A left-out shape
 * is inferred; `<op>-start` sugar builds the wrapped computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "print.h"
#include "verify.h"

static void add_comp_ref(hloc_parser *p, hloc_instr *i, const hloc_token *name) {
    hloc_parse_mod_ctx *mc = p->mc;
    if (!hloc_instr_add_called(i, NULL)) parse_fail_oom(p);
    if (!hloc_arena_grow(p->tmp, (void **)&mc->refs, &mc->cap_refs, mc->n_refs + 1,
                         sizeof *mc->refs))
        parse_fail_oom(p);
    parse_comp_ref *r = &mc->refs[mc->n_refs++];
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

hloc_instr *parse_lookup(parse_comp_ctx *cc, const hloc_token *t) {
    return names_find(cc->instrs, t->s, t->n);
}

static hloc_instr *lookup_name(parse_comp_ctx *cc, const char *name) {
    return names_find(cc->instrs, name, strlen(name));
}

const char *parse_shape_text(hloc_parser *p, const hloc_shape *s) {
    const char *t = hloc_shape_str(p->tmp, s);
    return t ? t : "?";
}

void parse_check_operand_shape(hloc_parser *p, const hloc_token *at, const hloc_shape *written,
                               const hloc_instr *op) {
    if (written && !hloc_shape_equal_ignoring_layout(written, &op->shape))
        parse_fail(p, at, "operand '%s' is written as %s but defined as %s", op->name,
                   parse_shape_text(p, written), parse_shape_text(p, &op->shape));
}

static void parse_param_number(hloc_parser *p, parse_comp_ctx *cc, hloc_instr *i,
                               const hloc_token *at) {
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
static void infer_shape(hloc_parser *p, parse_comp_ctx *cc, hloc_instr *i, const hloc_token *op_tok,
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
        parse_comp_ref *r = &mc->refs[k];
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

static hloc_instr *parse_rhs(hloc_parser *p, parse_comp_ctx *cc, const char *name,
                             const hloc_token *name_tok, const hloc_shape *given, bool nested);

/* A nested instruction as an operand, `add(f32[] constant(1), x)`: named after its opcode. */
static hloc_instr *parse_nested(hloc_parser *p, parse_comp_ctx *cc, const hloc_shape *written) {
    hloc_token op_tok = p->tok;
    if (++p->depth > 256) parse_fail(p, &op_tok, "nested instructions nest deeper than 256");
    hloc_instr *i = parse_rhs(p, cc, NULL, &op_tok, written, true);
    p->depth--;
    return i;
}

/* The operands of a non-parameter, non-constant instruction; unresolved names go to |fwd|. */
typedef struct operand_list {
    hloc_instr **ops;
    hloc_token *names;
    hloc_shape **shapes;
    uint32_t n;
    bool forward;
} operand_list;

static void parse_operands(hloc_parser *p, parse_comp_ctx *cc, operand_list *l) {
    uint32_t cap = 0, cap_s = 0, cap_t = 0;
    do {
        hloc_shape *written = NULL;
        if (parse_at_shape(p)) {
            written = parse_alloc(p, p->tmp, sizeof *written);
            parse_shape(p, written);
        }
        hloc_token t = p->tok;
        if (t.kind != TK_WORD) parse_expected(p, "an operand name");
        hloc_opcode nop;
        hloc_instr *o;
        if (!t.pct && parse_peek(p).kind == TK_LPAREN && hloc_opcode_from_name(t.s, t.n, &nop)) {
            o = parse_nested(p, cc, written);
            written = NULL;
            t.s = o->name; /* refer to it by its generated name */
            t.n = (uint32_t)strlen(o->name);
        } else {
            parse_advance(p);
            o = parse_lookup(cc, &t);
            if (!o)
                l->forward = true;
            else
                parse_check_operand_shape(p, &t, written, o);
        }
        if (!hloc_arena_grow(p->tmp, (void **)&l->ops, &cap, l->n + 1, sizeof *l->ops) ||
            !hloc_arena_grow(p->tmp, (void **)&l->names, &cap_t, l->n + 1, sizeof *l->names) ||
            !hloc_arena_grow(p->tmp, (void **)&l->shapes, &cap_s, l->n + 1, sizeof *l->shapes))
            parse_fail_oom(p);
        l->ops[l->n] = o;
        l->names[l->n] = t;
        l->shapes[l->n++] = written;
    } while (parse_accept(p, TK_COMMA));
}

/* XLA's async syntax sugar: `<op>-start`, `<op>-update`, `<op>-done` for an opcode without async
 * forms of its own stand for async-start / -update / -done around a computation wrapping <op>. */
static bool async_sugar(const hloc_token *t, hloc_opcode *op, hloc_opcode *wrapped) {
    static const struct {
        const char *suffix;
        hloc_opcode op;
    } forms[] = {{"-start", HLOC_OP_ASYNC_START},
                 {"-update", HLOC_OP_ASYNC_UPDATE},
                 {"-done", HLOC_OP_ASYNC_DONE}};
    for (size_t k = 0; k < sizeof forms / sizeof *forms; k++) {
        size_t sl = strlen(forms[k].suffix);
        if (t->n <= sl || memcmp(t->s + t->n - sl, forms[k].suffix, sl)) continue;
        hloc_opcode w;
        if (!hloc_opcode_from_name(t->s, t->n - sl, &w)) return false;
        *op = forms[k].op;
        if (forms[k].op == HLOC_OP_ASYNC_START) *wrapped = w;
        return true;
    }
    return false;
}

/* For `x = ((operands), result, context) <op>-start(operands)`: builds the computation
 * `{ param_i = parameter(i) ...; ROOT <op>(params) }` that |start| calls; returns the <op>. */
static hloc_instr *async_wrap(hloc_parser *p, hloc_instr *start, hloc_opcode wrapped,
                              const hloc_token *op_tok, const operand_list *ol) {
    if (ol->forward)
        parse_fail(p, op_tok, "the operands of '%s' must be defined before it", start->name);
    const hloc_shape *s = &start->shape;
    if (s->type != HLOC_TYPE_TUPLE || s->n_elems < 2)
        parse_fail(p, op_tok, "'%s' must have a tuple shape ((operands), result, ...)",
                   start->name);
    char *name = hloc_arena_printf(p->a, "%s.wrapped", start->name);
    for (int k = 1; name && names_find(p->mc->comps, name, strlen(name)); k++)
        name = hloc_arena_printf(p->a, "%s.wrapped.%d", start->name, k);
    if (!name) parse_fail_oom(p);
    hloc_computation *w = hloc_computation_create(p->m, name);
    if (!w) parse_fail_oom(p);
    w->loc = parse_loc(op_tok);
    names_put(p, p->mc->comps, w->name, w);
    hloc_instr **params = parse_alloc(p, p->tmp, (ol->n ? ol->n : 1) * sizeof *params);
    for (uint32_t k = 0; k < ol->n; k++) {
        char pname[32];
        snprintf(pname, sizeof pname, "param_%u", k);
        params[k] = hloc_instr_create(w, HLOC_OP_PARAMETER, &ol->ops[k]->shape, NULL, 0, pname);
        if (!params[k]) parse_fail_oom(p);
        params[k]->loc = parse_loc(op_tok);
        params[k]->attrs->index = k;
        if (!hloc_computation_set_param(w, params[k])) parse_fail_oom(p);
    }
    hloc_instr *inner = hloc_instr_create(w, wrapped, &s->elems[1], params, ol->n, NULL);
    if (!inner) parse_fail_oom(p);
    inner->loc = parse_loc(op_tok);
    w->root = inner;
    if (!hloc_instr_add_called(start, w)) parse_fail_oom(p);
    return inner;
}

/* Moves the raw attribute |name| from |from| to |to| (which has no raw attributes yet). */
static void move_extra(hloc_parser *p, hloc_instr *from, hloc_instr *to, const char *name) {
    hloc_attrs *a = from->attrs;
    for (uint32_t k = 0; k < a->n_extra; k++) {
        if (strcmp(a->extra[k].name, name)) continue;
        to->attrs->extra = parse_alloc(p, p->a, sizeof *to->attrs->extra);
        to->attrs->extra[0] = a->extra[k];
        to->attrs->n_extra = 1;
        memmove(&a->extra[k], &a->extra[k + 1], (a->n_extra - k - 1) * sizeof *a->extra);
        a->n_extra--;
        return;
    }
}

/* shape? opcode '(' operands ')' attributes: creates the instruction. Nested instructions
 * (|nested|) take no attributes and get a generated name; |given| is a shape already read. */
static hloc_instr *parse_rhs(hloc_parser *p, parse_comp_ctx *cc, const char *name,
                             const hloc_token *name_tok, const hloc_shape *given, bool nested) {
    hloc_shape shape;
    bool infer = false;
    if (given) {
        shape = *given;
    } else if (!nested && parse_at_shape(p)) {
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
    hloc_opcode op, wrapped = HLOC_OP_COUNT;
    if (!hloc_opcode_from_name(op_tok.s, op_tok.n, &op) && !async_sugar(&op_tok, &op, &wrapped))
        parse_fail(p, &op_tok, "unknown opcode '%.*s'", (int)op_tok.n, op_tok.s);
    if (wrapped != HLOC_OP_COUNT && infer)
        parse_fail(p, &op_tok, "'%.*s' needs its shape written", (int)op_tok.n, op_tok.s);
    parse_advance(p);
    hloc_token open = p->tok;
    parse_expect(p, TK_LPAREN, "'(' after the opcode");

    int64_t param_no = 0;
    hloc_literal *lit = NULL;
    operand_list ol;
    memset(&ol, 0, sizeof ol);
    if (op == HLOC_OP_PARAMETER) {
        param_no = parse_int(p);
    } else if (op == HLOC_OP_CONSTANT) {
        if (infer) parse_fail(p, &op_tok, "a constant needs its shape written");
        lit = parse_literal(p, &shape);
    } else if (p->tok.kind != TK_RPAREN) {
        parse_operands(p, cc, &ol);
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
    if (arity >= 0 && op != HLOC_OP_PARAMETER && op != HLOC_OP_CONSTANT && (uint32_t)arity != ol.n)
        parse_fail(p, &op_tok, "'%s' takes %d operand%s, found %u", hloc_opcode_name(op), arity,
                   arity == 1 ? "" : "s", ol.n);

    hloc_instr *i = hloc_instr_create(cc->c, op, &shape, ol.forward ? NULL : ol.ops,
                                      ol.forward ? 0 : ol.n, name);
    if (!i) parse_fail_oom(p);
    i->loc = parse_loc(name_tok);
    if (!name) {
        /* Generated names must not take a name the text uses (XLA's name uniquer). */
        const char *base = i->name;
        for (int k = 1; lookup_name(cc, i->name); k++) {
            i->name = hloc_arena_printf(p->a, "%s.%d", base, k);
            if (!i->name) parse_fail_oom(p);
        }
    }
    names_put(p, cc->instrs, i->name, i);
    if (ol.forward) {
        if (!hloc_arena_grow(p->tmp, (void **)&cc->fwd, &cc->cap_fwd, cc->n_fwd + 1,
                             sizeof *cc->fwd))
            parse_fail_oom(p);
        parse_fwd_operands *f = &cc->fwd[cc->n_fwd++];
        f->i = i;
        f->names = ol.names;
        f->shapes = ol.shapes;
        f->n = ol.n;
    }
    if (op == HLOC_OP_PARAMETER) {
        i->attrs->index = param_no;
        parse_param_number(p, cc, i, name_tok);
    }
    if (lit) i->attrs->literal = lit;

    /* The attributes of `<op>-start` are the wrapped instruction's. */
    hloc_instr *attr_to = wrapped != HLOC_OP_COUNT ? async_wrap(p, i, wrapped, &op_tok, &ol) : i;
    hloc_called_refs refs;
    memset(&refs, 0, sizeof refs);
    if (!nested)
        while (parse_accept(p, TK_COMMA))
            parse_attribute(p, attr_to, &refs);
    parse_check_required(p, attr_to, &refs, &op_tok);
    if (op == HLOC_OP_PARAMETER) i->attrs->index = param_no; /* `index=` must not move it */
    add_called(p, attr_to, &refs);
    if (attr_to != i) move_extra(p, attr_to, i, "async_execution_thread");
    if (infer) infer_shape(p, cc, i, &op_tok, ol.forward);
    if (refs.n_preds) {
        if (!hloc_arena_grow(p->tmp, (void **)&cc->preds, &cc->cap_preds, cc->n_preds + 1,
                             sizeof *cc->preds))
            parse_fail_oom(p);
        parse_ctl_preds *cp = &cc->preds[cc->n_preds++];
        cp->i = i;
        cp->names = refs.preds;
        cp->n = refs.n_preds;
    }
    return i;
}

void parse_instruction(hloc_parser *p, parse_comp_ctx *cc) {
    bool is_root = false;
    hloc_token root_tok = p->tok;
    if (parse_accept_word(p, "ROOT")) is_root = true;
    hloc_token name_tok = p->tok;
    if (p->tok.kind != TK_WORD) parse_expected(p, "an instruction name");
    char *name = parse_strndup(p, p->tok.s, p->tok.n);
    parse_advance(p);
    hloc_instr *prev = parse_lookup(cc, &name_tok);
    if (prev) {
        hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&name_tok),
                         "instruction '%s' is already defined in computation '%s'", name,
                         cc->c->name);
        hloc_diag_report(&p->diag, HLOC_SEV_NOTE, prev->loc, "previously defined here");
        longjmp(p->jmp, 1);
    }
    parse_expect(p, TK_EQUAL, "'=' after the instruction name");
    hloc_instr *i = parse_rhs(p, cc, name, &name_tok, NULL, false);
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
