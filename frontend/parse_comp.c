/* Computations:
 *   computation ::= 'ENTRY'? name ('(' (name ':' shape),* ')' '->' shape)? '{' instruction+ '}'
 *                   (',' 'execution_thread=' string)?
 * At the closing '}' operands defined later are wired up, the computation is checked for cycles
 * and put in a valid order. Computations written in place of a name (`to_apply={...}`) are parsed
 * here too. Once the module is read, called computations are resolved and ordered callees first. */
#include <string.h>

#include "parse.h"

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

static void finish_computation(hloc_parser *p, parse_comp_ctx *cc, const hloc_token *close) {
    hloc_computation *c = cc->c;
    if (!c->n_instrs) parse_fail(p, close, "computation '%s' has no instructions", c->name);
    bool reorder = false;
    for (uint32_t k = 0; k < cc->n_fwd; k++) {
        parse_fwd_operands *f = &cc->fwd[k];
        for (uint32_t j = 0; j < f->n; j++) {
            hloc_instr *o = parse_lookup(cc, &f->names[j]);
            if (!o)
                parse_fail(p, &f->names[j], "operand '%.*s' is not defined in computation '%s'",
                           (int)f->names[j].n, f->names[j].s, c->name);
            parse_check_operand_shape(p, &f->names[j], f->shapes[j], o);
            if (!hloc_instr_add_operand(f->i, o)) parse_fail_oom(p);
        }
        reorder = true;
    }
    for (uint32_t k = 0; k < cc->n_preds; k++) {
        parse_ctl_preds *cp = &cc->preds[k];
        cp->i->control_preds = parse_alloc(p, p->a, cp->n * sizeof(hloc_instr *));
        for (uint32_t j = 0; j < cp->n; j++) {
            hloc_instr *o = parse_lookup(cc, &cp->names[j]);
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
                   parse_shape_text(p, &sig->result), c->root->name,
                   parse_shape_text(p, &c->root->shape));
}

/* '{' instruction+ '}': the instructions of |c|, then its operand wiring, order and root. */
static void parse_body(hloc_parser *p, hloc_computation *c) {
    parse_comp_ctx cc;
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
        parse_comp_ref *r = &mc->refs[k];
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
