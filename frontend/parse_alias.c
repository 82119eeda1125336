/* The module attribute input_output_alias={ {0}: (0, {}, may-alias), {1}: (1, {}) }: which result
 * leaves may share their buffer with which parameters. Parsed into hloc_io_alias entries (the raw
 * text is kept for printing) and checked against the entry once it is known: each output index
 * names an array leaf of the root, each parameter (and index) exists with the same shape, and no
 * output or parameter buffer is named twice. */
#include <stdio.h>
#include <string.h>

#include "parse.h"

void parse_io_alias(hloc_parser *p) {
    hloc_module *m = p->m;
    hloc_token first = p->tok;
    uint32_t cap = 0, cap_tok = 0;
    parse_expect(p, TK_LBRACE, "'{' to open input_output_alias");
    while (p->tok.kind != TK_RBRACE) {
        hloc_io_alias a = {0};
        hloc_token at = p->tok;
        parse_i64_list(p, &a.output_index);
        parse_expect(p, TK_COLON, "':' after the output index");
        parse_expect(p, TK_LPAREN, "'(' to open (parameter, index, kind)");
        a.param_number = parse_int(p);
        parse_expect(p, TK_COMMA, "',' after the parameter number");
        parse_i64_list(p, &a.param_index);
        if (parse_accept(p, TK_COMMA)) {
            if (parse_accept_word(p, "must-alias")) a.must_alias = true;
            else if (!parse_accept_word(p, "may-alias")) parse_expected(p, "may-alias or must-alias");
        }
        parse_expect(p, TK_RPAREN, "')'");
        if (!hloc_arena_grow(p->a, (void **)&m->io_aliases, &cap, m->n_io_aliases + 1, sizeof a) ||
            !hloc_arena_grow(p->tmp, (void **)&p->mc->alias_toks, &cap_tok, m->n_io_aliases + 1, sizeof at))
            parse_fail_oom(p);
        p->mc->alias_toks[m->n_io_aliases] = at;
        m->io_aliases[m->n_io_aliases++] = a;
        if (!parse_accept(p, TK_COMMA)) break;
    }
    parse_expect(p, TK_RBRACE, "',' or '}' in input_output_alias");
    m->input_output_alias = parse_strndup(p, p->lx.src + first.off, p->prev.end - first.off);
}

static bool same_index(const hloc_i64_list *x, const hloc_i64_list *y) {
    return x->n == y->n && (!x->n || !memcmp(x->v, y->v, sizeof *x->v * x->n));
}

static const char *index_text(hloc_parser *p, const hloc_i64_list *l) {
    char buf[16 * HLOC_MAX_RANK + 4];
    size_t n = 0;
    buf[n++] = '{';
    for (uint32_t k = 0; k < l->n && n + 24 < sizeof buf; k++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", k ? "," : "", (long long)l->v[k]);
    snprintf(buf + n, sizeof buf - n, "}");
    return parse_strndup(p, buf, strlen(buf));
}

void parse_check_io_alias(hloc_parser *p) {
    const hloc_module *m = p->m;
    const hloc_computation *e = m->entry;
    for (uint32_t k = 0; k < m->n_io_aliases; k++) {
        const hloc_io_alias *a = &m->io_aliases[k];
        const hloc_token *at = &p->mc->alias_toks[k];
        const hloc_shape *out = hloc_shape_subshape(&e->root->shape, a->output_index.v, a->output_index.n);
        if (!out || !hloc_shape_is_array(out))
            parse_fail(p, at, "input_output_alias: output index %s is not an array in the result %s",
                       index_text(p, &a->output_index), parse_shape_text(p, &e->root->shape));
        if (a->param_number < 0 || a->param_number >= e->n_params)
            parse_fail(p, at, "input_output_alias: parameter %lld does not exist (the entry has %u)",
                       (long long)a->param_number, e->n_params);
        const hloc_shape *ps = &e->params[a->param_number]->shape;
        const hloc_shape *in = hloc_shape_subshape(ps, a->param_index.v, a->param_index.n);
        if (!in || !hloc_shape_is_array(in))
            parse_fail(p, at, "input_output_alias: index %s is not an array in parameter %lld (%s)",
                       index_text(p, &a->param_index), (long long)a->param_number, parse_shape_text(p, ps));
        if (!hloc_shape_equal_ignoring_layout(in, out)) {
            const char *os = parse_shape_text(p, out);
            parse_fail(p, at, "input_output_alias: output %s is %s but parameter %lld %s is %s",
                       index_text(p, &a->output_index), os, (long long)a->param_number,
                       index_text(p, &a->param_index), parse_shape_text(p, in));
        }
        for (uint32_t j = 0; j < k; j++) {
            const hloc_io_alias *b = &m->io_aliases[j];
            if (same_index(&a->output_index, &b->output_index))
                parse_fail(p, at, "input_output_alias: output %s is aliased twice",
                           index_text(p, &a->output_index));
            if (a->param_number == b->param_number && same_index(&a->param_index, &b->param_index))
                parse_fail(p, at, "input_output_alias: parameter %lld %s is aliased to two outputs",
                           (long long)a->param_number, index_text(p, &a->param_index));
        }
    }
}
