/* Parser plumbing: token stream, failure, numbers, strings, raw attribute values, name tables. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

hloc_loc parse_loc(const hloc_token *t) {
    hloc_loc l = {t->line, t->col};
    return l;
}

_Noreturn void parse_fail(hloc_parser *p, const hloc_token *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    hloc_diag_vreport(&p->diag, HLOC_SEV_ERROR, parse_loc(at), fmt, ap);
    va_end(ap);
    longjmp(p->jmp, 1);
}

_Noreturn void parse_fail_oom(hloc_parser *p) {
    p->oom = true;
    longjmp(p->jmp, 1);
}

void parse_advance(hloc_parser *p) {
    p->prev = p->tok;
    p->tok = hloc_lexer_next(&p->lx);
    if (p->tok.kind != TK_ERROR) return;
    const hloc_token *t = &p->tok;
    if (!strcmp(p->lx.err, "unexpected character") && t->off < p->lx.len) {
        unsigned char c = (unsigned char)p->lx.src[t->off];
        if (c >= 0x20 && c < 0x7f) parse_fail(p, t, "unexpected character '%c'", c);
        parse_fail(p, t, "unexpected byte 0x%02x", c);
    }
    parse_fail(p, t, "%s", p->lx.err);
}

hloc_token parse_peek(hloc_parser *p) {
    hloc_lexer save = p->lx;
    hloc_token t = hloc_lexer_next(&p->lx);
    p->lx = save;
    return t;
}

_Noreturn void parse_expected(hloc_parser *p, const char *what) {
    char buf[64];
    parse_fail(p, &p->tok, "expected %s, found %s", what,
               hloc_token_describe(&p->tok, buf, sizeof buf));
}

void parse_expect(hloc_parser *p, hloc_tok_kind k, const char *what) {
    if (p->tok.kind != k) parse_expected(p, what);
    parse_advance(p);
}

bool parse_accept(hloc_parser *p, hloc_tok_kind k) {
    if (p->tok.kind != k) return false;
    parse_advance(p);
    return true;
}

bool parse_accept_word(hloc_parser *p, const char *w) {
    if (!hloc_token_is(&p->tok, w)) return false;
    parse_advance(p);
    return true;
}

void *parse_alloc(hloc_parser *p, hloc_arena *a, size_t n) {
    void *r = hloc_arena_alloc(a, n ? n : 1);
    if (!r) parse_fail_oom(p);
    return r;
}

char *parse_strndup(hloc_parser *p, const char *s, size_t n) {
    char *r = hloc_arena_strndup(p->a, s, n);
    if (!r) parse_fail_oom(p);
    return r;
}

/* Parses an optionally negative decimal integer filling the whole word; false on overflow or junk.
 */
static bool word_to_i64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n && s[0] == '-') neg = true, i = 1;
    if (i == n) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

int64_t parse_int_token(hloc_parser *p, const hloc_token *t) {
    int64_t v;
    char buf[64];
    if (t->kind != TK_WORD || t->pct || !word_to_i64(t->s, t->n, &v))
        parse_fail(p, t, "expected an integer, found %s", hloc_token_describe(t, buf, sizeof buf));
    return v;
}

int64_t parse_int(hloc_parser *p) {
    int64_t v = parse_int_token(p, &p->tok);
    parse_advance(p);
    return v;
}

bool parse_bool(hloc_parser *p) {
    if (parse_accept_word(p, "true")) return true;
    if (parse_accept_word(p, "false")) return false;
    parse_expected(p, "'true' or 'false'");
}

/* Characters a decimal number may hold; anything else (hex, "infinity") is rejected before strtod
 * could accept it. */
static bool number_char(char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

double parse_float(hloc_parser *p) {
    const hloc_token *t = &p->tok;
    char buf[72];
    if (t->kind != TK_WORD || t->pct || t->n == 0 || t->n >= sizeof buf)
        parse_expected(p, "a number");
    const char *s = t->s;
    uint32_t n = t->n, neg = s[0] == '-';
    double v;
    if (n - neg == 3 && !memcmp(s + neg, "inf", 3)) {
        v = neg ? -INFINITY : INFINITY;
    } else if (n - neg == 3 && !memcmp(s + neg, "nan", 3)) {
        v = neg ? -NAN : NAN;
    } else {
        /* Small integers are exact; everything else goes through strtod (correctly rounded). */
        uint32_t k = neg;
        int64_t iv = 0;
        while (k < n && k < neg + 15u && s[k] >= '0' && s[k] <= '9') iv = iv * 10 + (s[k++] - '0');
        if (k == n && n > neg) {
            v = neg ? -(double)iv : (double)iv;
        } else {
            for (uint32_t c = 0; c < n; c++)
                if (!number_char(s[c])) parse_expected(p, "a number");
            memcpy(buf, s, n);
            buf[n] = 0;
            char *end;
            v = strtod(buf, &end);
            if (end != buf + n || end == buf) parse_expected(p, "a number");
            if (isinf(v)) parse_fail(p, t, "number '%s' is out of range", buf);
        }
    }
    parse_advance(p);
    return v;
}

void parse_i64_list(hloc_parser *p, hloc_i64_list *out) {
    parse_expect(p, TK_LBRACE, "'{'");
    uint32_t n = 0, cap = 0;
    int64_t *v = NULL;
    if (p->tok.kind != TK_RBRACE) {
        do {
            int64_t x = parse_int(p);
            if (n == cap && !hloc_arena_grow(p->a, (void **)&v, &cap, n + 1, sizeof *v))
                parse_fail_oom(p);
            v[n++] = x;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACE, "',' or '}'");
    out->v = v;
    out->n = n;
}

char *parse_string(hloc_parser *p) {
    if (p->tok.kind != TK_STRING) parse_expected(p, "a string");
    const char *s = p->tok.s + 1;
    size_t n = p->tok.n - 2;
    char *r = parse_alloc(p, p->a, n + 1), *o = r;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            c = s[++i];
            switch (c) {
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 'r':
                c = '\r';
                break;
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7': {
                int v = 0, k = 0;
                while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7')
                    v = v * 8 + (s[i++] - '0'), k++;
                i--;
                c = (char)v;
                break;
            }
            default:
                break; /* \" \' \\ and anything else stand for themselves */
            }
        }
        *o++ = c;
    }
    *o = 0;
    parse_advance(p);
    return r;
}

const char *parse_name(hloc_parser *p, hloc_token *out_tok) {
    if (p->tok.kind != TK_WORD) parse_expected(p, "a name");
    if (out_tok) *out_tok = p->tok;
    const char *r = parse_strndup(p, p->tok.s, p->tok.n);
    parse_advance(p);
    return r;
}

const char *parse_raw_value(hloc_parser *p) {
    hloc_token first = p->tok;
    int depth = 0;
    bool any = false;
    hloc_token opener = first;
    for (;;) {
        hloc_tok_kind k = p->tok.kind;
        if (k == TK_EOF) {
            if (depth) parse_fail(p, &opener, "unterminated bracket in attribute value");
            break;
        }
        if (depth == 0 && any && (k == TK_COMMA || p->tok.line != p->prev.end_line)) break;
        if (k == TK_LPAREN || k == TK_LBRACE || k == TK_LBRACKET) {
            if (depth++ == 0) opener = p->tok;
        } else if (k == TK_RPAREN || k == TK_RBRACE || k == TK_RBRACKET) {
            if (depth == 0) break;
            depth--;
        }
        any = true;
        parse_advance(p);
    }
    if (!any) parse_expected(p, "an attribute value");
    return parse_strndup(p, p->lx.src + first.off, p->prev.end - first.off);
}

/* Open addressing, keys are (pointer, length) into stable memory; grows in the scratch arena. */
struct hloc_name_table {
    const char **keys;
    uint32_t *lens;
    void **vals;
    uint32_t cap, n;
};

static uint32_t hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

hloc_name_table *names_create(hloc_parser *p) {
    hloc_name_table *t = parse_alloc(p, p->tmp, sizeof *t);
    t->cap = 64;
    t->keys = parse_alloc(p, p->tmp, t->cap * sizeof *t->keys);
    t->lens = parse_alloc(p, p->tmp, t->cap * sizeof *t->lens);
    t->vals = parse_alloc(p, p->tmp, t->cap * sizeof *t->vals);
    return t;
}

void *names_find(const hloc_name_table *t, const char *s, size_t n) {
    uint32_t m = t->cap - 1;
    for (uint32_t i = hash(s, n) & m;; i = (i + 1) & m) {
        if (!t->keys[i]) return NULL;
        if (t->lens[i] == n && memcmp(t->keys[i], s, n) == 0) return t->vals[i];
    }
}

static void put(hloc_name_table *t, const char *key, uint32_t len, void *value) {
    uint32_t m = t->cap - 1;
    uint32_t i = hash(key, len) & m;
    while (t->keys[i])
        i = (i + 1) & m;
    t->keys[i] = key;
    t->lens[i] = len;
    t->vals[i] = value;
    t->n++;
}

void names_put(hloc_parser *p, hloc_name_table *t, const char *key, void *value) {
    if ((t->n + 1) * 2 > t->cap) {
        hloc_name_table old = *t;
        t->cap *= 2;
        t->n = 0;
        t->keys = parse_alloc(p, p->tmp, t->cap * sizeof *t->keys);
        t->lens = parse_alloc(p, p->tmp, t->cap * sizeof *t->lens);
        t->vals = parse_alloc(p, p->tmp, t->cap * sizeof *t->vals);
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.keys[i]) put(t, old.keys[i], old.lens[i], old.vals[i]);
    }
    put(t, key, (uint32_t)strlen(key), value);
}
