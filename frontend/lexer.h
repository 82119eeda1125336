/* HLO text lexer: turns a byte range (not NUL-terminated) into tokens with line:col positions.
 * Words cover everything made of [A-Za-z0-9_.-] (names, opcodes, types, numbers, `3x3`, `0_1x1_0`,
 * `...`); the parser gives them meaning by context, as XLA's lexer does with its many patterns. */
#ifndef HLOC_FRONTEND_LEXER_H
#define HLOC_FRONTEND_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hloc_tok_kind {
    TK_EOF,
    TK_ERROR,  /* lexical error; the lexer's `err` says what */
    TK_WORD,   /* identifier, keyword, number; `%name` has pct set and s/n exclude the '%' */
    TK_STRING, /* "..." or '...'; s/n include the quotes */
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACE,
    TK_RBRACE,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_COMMA,
    TK_EQUAL,
    TK_COLON,
    TK_STAR,
    TK_HASH,
    TK_PLUS,
    TK_TILDE,
    TK_QUESTION,
    TK_ARROW, /* -> */
    TK_LE,    /* <= */
    TK_LT,
    TK_GT,
    TK_SLASH,
    TK_SEMI,
    TK_AT,
    TK_BANG,
    TK_BAR,
    TK_AMP,
    TK_CARET,
    TK_DOLLAR,
    TK_BACKSLASH,
} hloc_tok_kind;

typedef struct hloc_token {
    hloc_tok_kind kind;
    bool pct;      /* word written with a leading '%' */
    const char *s; /* points into the source */
    uint32_t n;
    uint32_t line, col;
    uint32_t end_line; /* line of the last character (strings may span lines) */
    size_t off;        /* byte offset of the first character (the '%' for pct words) */
    size_t end;        /* byte offset one past the last character */
} hloc_token;

typedef struct hloc_lexer {
    const char *src;
    size_t len, pos;
    uint32_t line;
    size_t line_start;
    const char *err; /* message of the last TK_ERROR */
} hloc_lexer;

void hloc_lexer_init(hloc_lexer *lx, const char *src, size_t len);
/* The next token; at the end of input TK_EOF forever. Never reads outside [src, src+len). */
hloc_token hloc_lexer_next(hloc_lexer *lx);
/* Short human description of a token for "found X" messages, written into buf. */
const char *hloc_token_describe(const hloc_token *t, char *buf, size_t cap);
/* True if the word token equals the NUL-terminated string s. */
bool hloc_token_is(const hloc_token *t, const char *s);

#endif
