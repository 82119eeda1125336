/* Shapes and layouts: `f32[2,<=3,?]{1,0:T(8,128)(2,1)E(4)S(1)}`, tuples `(s32[], (pred[]))`. */
#include <string.h>

#include "parse.h"

static hloc_type word_type(const hloc_token *t) {
    if (t->kind != TK_WORD || t->pct) return HLOC_TYPE_INVALID;
    hloc_type ty = hloc_type_from_name(t->s, t->n);
    return ty == HLOC_TYPE_TUPLE ? HLOC_TYPE_INVALID : ty;
}

bool parse_at_shape(hloc_parser *p) {
    if (p->tok.kind == TK_LPAREN) return true;
    if (word_type(&p->tok) == HLOC_TYPE_INVALID) return false;
    return parse_peek(p).kind == TK_LBRACKET;
}

/* Text between a just-consumed '(' and its matching ')', which is consumed too. */
static const char *raw_parens(hloc_parser *p, const hloc_token *open) {
    size_t from = p->tok.off;
    int depth = 1;
    for (;;) {
        if (p->tok.kind == TK_EOF) parse_fail(p, open, "unterminated '(' in layout");
        if (p->tok.kind == TK_LPAREN) depth++;
        if (p->tok.kind == TK_RPAREN && --depth == 0) break;
        parse_advance(p);
    }
    const char *r = parse_strndup(p, p->lx.src + from, p->tok.off - from);
    parse_advance(p);
    return r;
}

static int64_t paren_int(hloc_parser *p) {
    parse_expect(p, TK_LPAREN, "'('");
    int64_t v = parse_int(p);
    parse_expect(p, TK_RPAREN, "')'");
    return v;
}

static hloc_type paren_type(hloc_parser *p) {
    parse_expect(p, TK_LPAREN, "'('");
    hloc_type t = word_type(&p->tok);
    if (t == HLOC_TYPE_INVALID || !hloc_type_is_array(t)) parse_expected(p, "a primitive type");
    parse_advance(p);
    parse_expect(p, TK_RPAREN, "')'");
    return t;
}

static void parse_tiles(hloc_parser *p, hloc_layout_ext *e) {
    uint32_t cap = 0;
    if (p->tok.kind != TK_LPAREN) parse_expected(p, "'(' after T");
    while (p->tok.kind == TK_LPAREN) {
        hloc_token open = p->tok;
        parse_advance(p);
        hloc_tile tile;
        memset(&tile, 0, sizeof tile);
        if (p->tok.kind != TK_RPAREN) {
            do {
                if (tile.n_dims == HLOC_MAX_RANK)
                    parse_fail(p, &open, "tile has too many dimensions");
                if (parse_accept(p, TK_STAR))
                    tile.dims[tile.n_dims++] = -1;
                else {
                    hloc_token at = p->tok;
                    int64_t d = parse_int(p);
                    if (d < 0) parse_fail(p, &at, "tile dimension must be positive");
                    tile.dims[tile.n_dims++] = d;
                }
            } while (parse_accept(p, TK_COMMA));
        }
        parse_expect(p, TK_RPAREN, "',' or ')' in tile");
        if (!hloc_arena_grow(p->a, (void **)&e->tiles, &cap, e->n_tiles + 1, sizeof *e->tiles))
            parse_fail_oom(p);
        e->tiles[e->n_tiles++] = tile;
    }
}

/* Layout extras after ':' until '}'. */
static const hloc_layout_ext *parse_layout_ext(hloc_parser *p) {
    hloc_layout_ext *e = parse_alloc(p, p->a, sizeof *e);
    bool any = false;
    while (p->tok.kind != TK_RBRACE) {
        hloc_token at = p->tok;
        any = true;
        if (parse_accept(p, TK_HASH)) {
            e->index_type = paren_type(p);
        } else if (parse_accept(p, TK_STAR)) {
            e->pointer_type = paren_type(p);
        } else if (parse_accept_word(p, "T")) {
            parse_tiles(p, e);
        } else if (parse_accept_word(p, "L")) {
            e->tail_padding_alignment = paren_int(p);
        } else if (parse_accept_word(p, "E")) {
            e->element_size_bits = paren_int(p);
        } else if (parse_accept_word(p, "S")) {
            e->memory_space = paren_int(p);
        } else if (parse_accept_word(p, "M")) {
            e->dynamic_metadata_bytes = paren_int(p);
        } else if (parse_accept_word(p, "D")) {
            hloc_token open = p->tok;
            parse_expect(p, TK_LPAREN, "'(' after D");
            e->dim_level_types = raw_parens(p, &open);
        } else if (parse_accept_word(p, "SC")) {
            hloc_token open = p->tok;
            parse_expect(p, TK_LPAREN, "'(' after SC");
            e->split_configs = raw_parens(p, &open);
        } else if (hloc_token_is(&p->tok, "P")) {
            parse_fail(p, &at, "physical shapes in layouts (P(...)) are not supported");
        } else {
            parse_expected(p, "a layout attribute (T, L, E, S, M, D, SC, #, *) or '}'");
        }
    }
    return any ? e : NULL;
}

static void parse_layout(hloc_parser *p, hloc_shape *s) {
    hloc_token open = p->tok;
    parse_expect(p, TK_LBRACE, "'{'");
    uint32_t n = 0;
    bool seen[HLOC_MAX_RANK] = {0};
    if (p->tok.kind != TK_COLON && p->tok.kind != TK_RBRACE) {
        do {
            hloc_token at = p->tok;
            int64_t d = parse_int(p);
            if (d < 0 || d >= s->rank)
                parse_fail(p, &at, "layout dimension %lld out of range for rank %u", (long long)d,
                           s->rank);
            if (seen[d]) parse_fail(p, &at, "layout dimension %lld repeated", (long long)d);
            seen[d] = true;
            s->minor_to_major[n++] = (uint8_t)d;
        } while (parse_accept(p, TK_COMMA));
    }
    if (n != s->rank && !(n == 0 && p->tok.kind == TK_COLON && s->rank == 0))
        parse_fail(p, &open, "layout has %u dimensions but the shape has rank %u", n, s->rank);
    if (parse_accept(p, TK_COLON)) s->layout_ext = parse_layout_ext(p);
    parse_expect(p, TK_RBRACE, "',' or '}' in layout");
    s->has_layout = true;
}

/* Tuples nest; a bound keeps hostile input from exhausting the stack. */
enum { MAX_TUPLE_DEPTH = 256 };

void parse_shape(hloc_parser *p, hloc_shape *s) {
    memset(s, 0, sizeof *s);
    if (p->tok.kind == TK_LPAREN) {
        hloc_token open = p->tok;
        if (++p->depth > MAX_TUPLE_DEPTH)
            parse_fail(p, &open, "tuple shapes nest deeper than %d", MAX_TUPLE_DEPTH);
        parse_advance(p);
        s->type = HLOC_TYPE_TUPLE;
        uint32_t cap = 0;
        if (p->tok.kind != TK_RPAREN) {
            do {
                hloc_shape e;
                parse_shape(p, &e);
                if (!hloc_arena_grow(p->a, (void **)&s->elems, &cap, s->n_elems + 1, sizeof e))
                    parse_fail_oom(p);
                s->elems[s->n_elems++] = e;
            } while (parse_accept(p, TK_COMMA));
        }
        if (p->tok.kind != TK_RPAREN) {
            char buf[64];
            hloc_diag_report(&p->diag, HLOC_SEV_ERROR, parse_loc(&p->tok),
                             "expected ',' or ')' in tuple shape, found %s",
                             hloc_token_describe(&p->tok, buf, sizeof buf));
            hloc_diag_report(&p->diag, HLOC_SEV_NOTE, parse_loc(&open), "to close '(' opened here");
            longjmp(p->jmp, 1);
        }
        parse_advance(p);
        p->depth--;
        return;
    }
    hloc_type t = word_type(&p->tok);
    if (t == HLOC_TYPE_INVALID) parse_expected(p, "a shape");
    s->type = t;
    parse_advance(p);
    parse_expect(p, TK_LBRACKET, "'[' after the element type");
    if (p->tok.kind != TK_RBRACKET) {
        do {
            if (s->rank == HLOC_MAX_RANK)
                parse_fail(p, &p->tok, "shape has more than %d dimensions", HLOC_MAX_RANK);
            uint32_t k = s->rank++;
            if (parse_accept(p, TK_QUESTION)) {
                s->dims[k] = -1;
                s->dim_kind[k] = HLOC_DIM_UNBOUNDED;
                continue;
            }
            if (parse_accept(p, TK_LE)) s->dim_kind[k] = HLOC_DIM_BOUNDED;
            hloc_token at = p->tok;
            s->dims[k] = parse_int(p);
            if (s->dims[k] < 0) parse_fail(p, &at, "dimension size must not be negative");
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACKET, "',' or ']' in shape");
    if (!hloc_type_is_array(t) && s->rank)
        parse_fail(p, &p->prev, "%s shapes have no dimensions", hloc_type_name(t));
    for (uint32_t i = 0; i < s->rank; i++)
        s->minor_to_major[i] = (uint8_t)(s->rank - 1 - i);
    s->has_layout = s->rank == 0 && hloc_type_is_array(t);
    if (p->tok.kind == TK_LBRACE) {
        hloc_token nx = parse_peek(p);
        bool is_int = nx.kind == TK_WORD && !nx.pct && nx.n && nx.s[0] >= '0' && nx.s[0] <= '9';
        if (is_int || nx.kind == TK_COLON || (nx.kind == TK_RBRACE && s->rank == 0))
            parse_layout(p, s);
    }
}
