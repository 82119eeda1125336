/* Literals of constant(...) and custom-call literal=: nested braces per dimension, scalars bare,
 * tuples in parentheses, complex `(re, im)`, `inf`/`-inf`/`nan`, `true`/`false`, and elided
 * `{...}`. Values are stored in logical row-major order whatever the layout; each is range-checked.
 */
#include <math.h>
#include <string.h>

#include "parse.h"

/* Elements and bytes a constant may hold: a mistyped dimension must not exhaust memory. */
enum { MAX_LITERAL_BYTES = 1 << 30 };

static void parse_int_value(hloc_parser *p, hloc_literal *l, int64_t idx) {
    hloc_type t = l->shape.type;
    hloc_token at = p->tok;
    char buf[64];
    int bits = hloc_type_bits(t);
    if (hloc_type_is_unsigned_int(t) && bits == 64 && at.kind == TK_WORD && at.n &&
        at.s[0] != '-') {
        uint64_t v = 0;
        for (uint32_t i = 0; i < at.n; i++) {
            unsigned d = (unsigned)(at.s[i] - '0');
            if (d > 9 || v > (UINT64_MAX - d) / 10)
                parse_fail(p, &at, "expected a u64 value, found %s",
                           hloc_token_describe(&at, buf, sizeof buf));
            v = v * 10 + d;
        }
        parse_advance(p);
        hloc_elem_store_u64(t, hloc_literal_at(l, idx), v);
        return;
    }
    int64_t v = parse_int_token(p, &at);
    int64_t lo, hi;
    if (hloc_type_is_signed_int(t)) {
        lo = bits >= 64 ? INT64_MIN : -(INT64_C(1) << (bits - 1));
        hi = bits >= 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1;
    } else {
        lo = 0;
        hi = bits >= 64 ? INT64_MAX : (INT64_C(1) << bits) - 1;
    }
    if (v < lo || v > hi)
        parse_fail(p, &at, "value %lld is out of range for %s", (long long)v, hloc_type_name(t));
    parse_advance(p);
    hloc_elem_store_i64(t, hloc_literal_at(l, idx), v);
}

static double float_value(hloc_parser *p, hloc_type t) {
    hloc_token at = p->tok;
    bool is_nan = at.kind == TK_WORD && at.n >= 3 && at.s[at.n - 1] == 'n' &&
                  (hloc_token_is(&at, "nan") || hloc_token_is(&at, "-nan"));
    double v = parse_float(p);
    if (is_nan && p->tok.kind == TK_LPAREN) {
        /* nan(0x...) payload: kept as a quiet NaN of the same sign. */
        parse_advance(p);
        if (p->tok.kind != TK_WORD) parse_expected(p, "a NaN payload");
        parse_advance(p);
        parse_expect(p, TK_RPAREN, "')'");
    }
    if (t == HLOC_TYPE_F32 || t == HLOC_TYPE_C64) {
        /* The store rounds to nearest even like the cast. */
        if (isfinite(v) && isinf((float)v))
            parse_fail(p, &at, "value is out of range for %s", hloc_type_name(t));
    } else if (isfinite(v) && t != HLOC_TYPE_F64 && t != HLOC_TYPE_C128) {
        unsigned char tmp[16];
        hloc_type st = t == HLOC_TYPE_C64 ? HLOC_TYPE_F32 : t;
        hloc_elem_store_f64(st, tmp, v);
        double back = hloc_elem_load_f64(st, tmp);
        if (!isfinite(back)) parse_fail(p, &at, "value is out of range for %s", hloc_type_name(t));
    }
    return v;
}

static void parse_value(hloc_parser *p, hloc_literal *l, int64_t idx) {
    hloc_type t = l->shape.type;
    if (t == HLOC_TYPE_PRED) {
        hloc_token at = p->tok;
        int64_t v;
        if (parse_accept_word(p, "true"))
            v = 1;
        else if (parse_accept_word(p, "false"))
            v = 0;
        else {
            v = parse_int_token(p, &at);
            if (v != 0 && v != 1) parse_fail(p, &at, "expected a pred value (true, false, 0 or 1)");
            parse_advance(p);
        }
        hloc_elem_store_i64(t, hloc_literal_at(l, idx), v);
    } else if (hloc_type_is_int(t)) {
        parse_int_value(p, l, idx);
    } else if (hloc_type_is_complex(t)) {
        hloc_token open = p->tok;
        parse_expect(p, TK_LPAREN, "'(' to open a complex value");
        double re = float_value(p, t);
        parse_expect(p, TK_COMMA, "',' in complex value");
        double im = float_value(p, t);
        if (p->tok.kind != TK_RPAREN) {
            (void)open;
            parse_expected(p, "')' to close a complex value");
        }
        parse_advance(p);
        hloc_elem_store_c128(t, hloc_literal_at(l, idx), re, im);
    } else {
        hloc_elem_store_f64(t, hloc_literal_at(l, idx), float_value(p, t));
    }
}

static void parse_nested(hloc_parser *p, hloc_literal *l, uint32_t level, int64_t *idx) {
    const hloc_shape *s = &l->shape;
    hloc_token open = p->tok;
    parse_expect(p, TK_LBRACE, "'{'");
    int64_t want = s->dims[level], got = 0;
    if (p->tok.kind != TK_RBRACE) {
        do {
            if (got == want)
                parse_fail(p, &p->tok,
                           "too many elements in dimension %u of the constant (expected %lld)",
                           level, (long long)want);
            if (level + 1 == s->rank)
                parse_value(p, l, (*idx)++);
            else
                parse_nested(p, l, level + 1, idx);
            got++;
        } while (parse_accept(p, TK_COMMA));
    }
    if (p->tok.kind != TK_RBRACE) {
        char buf[64];
        if (p->tok.kind == TK_EOF)
            parse_fail(p, &open, "unterminated constant: '{' is never closed");
        parse_fail(p, &p->tok, "expected ',' or '}' in constant, found %s",
                   hloc_token_describe(&p->tok, buf, sizeof buf));
    }
    if (got != want)
        parse_fail(p, &p->tok,
                   "too few elements in dimension %u of the constant: %lld, expected %lld", level,
                   (long long)got, (long long)want);
    parse_advance(p);
}

static void parse_into(hloc_parser *p, hloc_literal *l) {
    const hloc_shape *s = &l->shape;
    if (s->type == HLOC_TYPE_TUPLE) {
        parse_expect(p, TK_LPAREN, "'(' to open a tuple constant");
        for (uint32_t i = 0; i < l->n_elems; i++) {
            if (i) parse_expect(p, TK_COMMA, "',' in tuple constant");
            parse_into(p, &l->elems[i]);
        }
        parse_expect(p, TK_RPAREN, "')' to close a tuple constant");
        return;
    }
    if (!hloc_type_is_array(s->type))
        parse_fail(p, &p->tok, "a %s value cannot be a constant", hloc_type_name(s->type));
    if (!hloc_shape_is_static(s))
        parse_fail(p, &p->tok, "constants of dynamic shape are not supported");
    if (s->rank == 0) {
        parse_value(p, l, 0);
        return;
    }
    if (p->tok.kind == TK_LBRACE) {
        hloc_token nx = parse_peek(p);
        if (nx.kind == TK_WORD && !nx.pct && nx.n == 3 && memcmp(nx.s, "...", 3) == 0) {
            parse_advance(p);
            parse_advance(p);
            parse_expect(p, TK_RBRACE, "'}' after '...'");
            l->elided = true;
            return;
        }
    }
    int64_t idx = 0;
    parse_nested(p, l, 0, &idx);
}

/* Checks the size before allocating: a tuple's leaves each, arrays by bytes. */
static void check_size(hloc_parser *p, const hloc_shape *s, const hloc_token *at, double *total) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < s->n_elems; i++)
            check_size(p, &s->elems[i], at, total);
        return;
    }
    double b = (double)hloc_type_bytes(s->type);
    for (uint32_t i = 0; i < s->rank; i++)
        b *= (double)(s->dims[i] < 0 ? 0 : s->dims[i]);
    *total += b;
    if (*total > MAX_LITERAL_BYTES)
        parse_fail(p, at, "constant is too large (more than %d bytes)", MAX_LITERAL_BYTES);
}

hloc_literal *parse_literal(hloc_parser *p, const hloc_shape *shape) {
    double total = 0;
    hloc_token at = p->tok;
    if (!hloc_shape_is_static(shape))
        parse_fail(p, &at, "constants of dynamic shape are not supported");
    check_size(p, shape, &at, &total);
    hloc_literal *l = hloc_literal_create(p->a, shape);
    if (!l) parse_fail_oom(p);
    parse_into(p, l);
    return l;
}

/* custom-call literal=: each array written with its shape, tuples as `(s32[] 1, f32[2]{0} {1, 2})`.
 */
static void parse_shaped_into(hloc_parser *p, hloc_literal *out, int depth) {
    if (depth > 64) parse_fail(p, &p->tok, "literal nests too deeply");
    memset(out, 0, sizeof *out);
    if (p->tok.kind == TK_LPAREN) {
        parse_advance(p);
        uint32_t cap = 0;
        out->shape.type = HLOC_TYPE_TUPLE;
        if (p->tok.kind != TK_RPAREN) {
            do {
                if (!hloc_arena_grow(p->a, (void **)&out->elems, &cap, out->n_elems + 1,
                                     sizeof *out->elems))
                    parse_fail_oom(p);
                parse_shaped_into(p, &out->elems[out->n_elems], depth + 1);
                out->n_elems++;
            } while (parse_accept(p, TK_COMMA));
        }
        parse_expect(p, TK_RPAREN, "',' or ')' in tuple literal");
        hloc_shape *es = parse_alloc(p, p->a, (out->n_elems ? out->n_elems : 1) * sizeof *es);
        for (uint32_t k = 0; k < out->n_elems; k++)
            es[k] = out->elems[k].shape;
        out->shape.elems = es;
        out->shape.n_elems = out->n_elems;
        return;
    }
    hloc_shape s;
    parse_shape(p, &s);
    if (s.type == HLOC_TYPE_TUPLE) parse_fail(p, &p->prev, "expected an array shape in a literal");
    if (!hloc_type_is_array(s.type)) {
        if (!hloc_literal_init(p->a, out, &s)) parse_fail_oom(p);
        return;
    }
    *out = *parse_literal(p, &s);
}

hloc_literal *parse_shaped_literal(hloc_parser *p) {
    hloc_literal *l = parse_alloc(p, p->a, sizeof *l);
    parse_shaped_into(p, l, 0);
    return l;
}
