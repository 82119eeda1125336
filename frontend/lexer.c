/* HLO text lexer. Skips whitespace, `// ...` and block comments; every access is bounded by
 * the input length because callers hand in slices of larger buffers. */
#include "lexer.h"

#include <stdio.h>
#include <string.h>

void hloc_lexer_init(hloc_lexer *lx, const char *src, size_t len) {
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    /* A UTF-8 byte order mark is not text; columns still count from the line's first byte. */
    if (len >= 3 && (unsigned char)src[0] == 0xEF && (unsigned char)src[1] == 0xBB &&
        (unsigned char)src[2] == 0xBF)
        lx->pos = 3;
}

/* [A-Za-z0-9_.-] by table: the lexer's inner loop over big constants (GNU range designators). */
static const unsigned char word_table[256] = {
    ['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['_'] = 1, ['.'] = 1, ['-'] = 1,
};

static bool word_char(char c) { return word_table[(unsigned char)c]; }

static void newline(hloc_lexer *lx) {
    lx->line++;
    lx->line_start = lx->pos;
}

/* Skips blanks and comments; returns false (with err set) on an unterminated block comment. */
static bool skip_space(hloc_lexer *lx) {
    const char *s = lx->src;
    while (lx->pos < lx->len) {
        char c = s[lx->pos];
        if (c == '\n') {
            lx->pos++;
            newline(lx);
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->pos++;
        } else if (c == '/' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '/') {
            while (lx->pos < lx->len && s[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '*') {
            lx->pos += 2;
            for (;;) {
                if (lx->pos + 1 >= lx->len) {
                    lx->pos = lx->len;
                    lx->err = "unterminated comment";
                    return false;
                }
                if (s[lx->pos] == '*' && s[lx->pos + 1] == '/') {
                    lx->pos += 2;
                    break;
                }
                if (s[lx->pos++] == '\n') newline(lx);
            }
        } else {
            break;
        }
    }
    return true;
}

static hloc_token next(hloc_lexer *lx);

hloc_token hloc_lexer_next(hloc_lexer *lx) {
    hloc_token t = next(lx);
    t.end_line = lx->line;
    if (t.kind == TK_ERROR || t.kind == TK_EOF) t.end_line = t.line;
    return t;
}

static hloc_token next(hloc_lexer *lx) {
    hloc_token t;
    memset(&t, 0, sizeof t);
    uint32_t cline = lx->line;
    size_t cstart = lx->pos, cls = lx->line_start;
    bool ok = skip_space(lx);
    if (!ok) {
        /* Point at the comment's opening, which is what the user must fix. */
        t.kind = TK_ERROR;
        t.line = cline;
        t.off = t.end = cstart;
        while (t.off < lx->len && lx->src[t.off] != '/')
            t.off++;
        /* Recompute the line of the opening slash. */
        size_t p = cstart, ls = cls;
        uint32_t l = cline;
        for (; p < t.off; p++)
            if (lx->src[p] == '\n') l++, ls = p + 1;
        t.line = l;
        t.col = (uint32_t)(t.off - ls + 1);
        t.s = lx->src + t.off;
        t.n = 0;
        return t;
    }
    const char *s = lx->src;
    t.off = lx->pos;
    t.line = lx->line;
    t.col = (uint32_t)(lx->pos - lx->line_start + 1);
    t.s = s + lx->pos;
    if (lx->pos >= lx->len) {
        t.kind = TK_EOF;
        t.end = t.off;
        return t;
    }
    char c = s[lx->pos];
    size_t rem = lx->len - lx->pos;
    if (c == '-' && rem > 1 && s[lx->pos + 1] == '>') {
        lx->pos += 2;
        t.kind = TK_ARROW;
        t.n = 2;
        t.end = lx->pos;
        return t;
    }
    if (word_char(c) || (c == '%' && rem > 1 && word_char(s[lx->pos + 1]))) {
        if (c == '%') {
            t.pct = true;
            lx->pos++;
        }
        size_t b = lx->pos;
        while (lx->pos < lx->len) {
            char d = s[lx->pos];
            if (d == '-' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '>') break;
            if (word_char(d)) {
                lx->pos++;
            } else if (d == '+' && lx->pos > b &&
                       (s[lx->pos - 1] == 'e' || s[lx->pos - 1] == 'E') &&
                       (s[b] == '-' || s[b] == '.' || (s[b] >= '0' && s[b] <= '9'))) {
                lx->pos++; /* exponent sign: 1e+10 */
            } else {
                break;
            }
        }
        t.kind = TK_WORD;
        if (lx->pos == b) {
            t.kind = TK_ERROR;
            lx->err = "unexpected character";
        }
        t.s = s + b;
        t.n = (uint32_t)(lx->pos - b);
        t.end = lx->pos;
        return t;
    }
    if (c == '"' || c == '\'') {
        size_t p = lx->pos + 1;
        uint32_t l = lx->line;
        size_t ls = lx->line_start;
        for (;;) {
            if (p >= lx->len) {
                t.kind = TK_ERROR;
                lx->err = "unterminated string";
                lx->pos = lx->len;
                t.end = lx->len;
                return t;
            }
            if (s[p] == '\\') {
                p += 2;
                continue;
            }
            if (s[p] == c) break;
            if (s[p] == '\n') l++, ls = p + 1;
            p++;
        }
        lx->pos = p + 1;
        lx->line = l;
        lx->line_start = ls;
        t.kind = TK_STRING;
        t.n = (uint32_t)(lx->pos - t.off);
        t.end = lx->pos;
        return t;
    }
    lx->pos++;
    t.n = 1;
    if (c == '<') {
        t.kind = TK_LT;
        if (lx->pos < lx->len && s[lx->pos] == '=') {
            lx->pos++;
            t.n = 2;
            t.kind = TK_LE;
        }
    } else {
        static const char chars[] = "(){}[],=:*#+~?;@!|&^$\\/>";
        static const hloc_tok_kind kinds[] = {
            TK_LPAREN, TK_RPAREN,   TK_LBRACE, TK_RBRACE,    TK_LBRACKET, TK_RBRACKET,
            TK_COMMA,  TK_EQUAL,    TK_COLON,  TK_STAR,      TK_HASH,     TK_PLUS,
            TK_TILDE,  TK_QUESTION, TK_SEMI,   TK_AT,        TK_BANG,     TK_BAR,
            TK_AMP,    TK_CARET,    TK_DOLLAR, TK_BACKSLASH, TK_SLASH,    TK_GT};
        _Static_assert(sizeof chars - 1 == sizeof kinds / sizeof *kinds, "one kind per character");
        const char *k = c ? memchr(chars, c, sizeof chars - 1) : NULL;
        if (k) {
            t.kind = kinds[k - chars];
        } else {
            t.kind = TK_ERROR;
            lx->err = "unexpected character";
        }
    }
    t.end = lx->pos;
    return t;
}

bool hloc_token_is(const hloc_token *t, const char *s) {
    size_t n = strlen(s);
    return t->kind == TK_WORD && !t->pct && t->n == n && memcmp(t->s, s, n) == 0;
}

const char *hloc_token_describe(const hloc_token *t, char *buf, size_t cap) {
    switch (t->kind) {
    case TK_EOF:
        snprintf(buf, cap, "end of input");
        break;
    case TK_ERROR:
        snprintf(buf, cap, "invalid input");
        break;
    case TK_STRING:
        snprintf(buf, cap, "string %.*s", t->n > 40 ? 40 : (int)t->n, t->s);
        break;
    default: {
        int n = t->n > 40 ? 40 : (int)t->n;
        snprintf(buf, cap, "'%s%.*s%s'", t->pct ? "%" : "", n, t->s, t->n > 40 ? "..." : "");
        for (char *p = buf; *p; p++)
            if ((unsigned char)*p < 0x20) *p = ' ';
    }
    }
    return buf;
}
