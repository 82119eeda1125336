/* Lexer: token kinds, positions, comments, words that XLA lexes with special patterns. */
#include <stdio.h>
#include <string.h>

#include "lexer.h"
#include "suites.h"

static hloc_tok_kind kinds[64];
static char texts[64][32];

static int lex_all(const char *s, size_t len) {
    hloc_lexer lx;
    hloc_lexer_init(&lx, s, len);
    int n = 0;
    for (;;) {
        hloc_token t = hloc_lexer_next(&lx);
        ck_assert_int_lt(n, 64);
        kinds[n] = t.kind;
        snprintf(texts[n], sizeof texts[n], "%.*s", (int)t.n, t.s);
        n++;
        if (t.kind == TK_EOF || t.kind == TK_ERROR) return n;
    }
}

START_TEST(test_words_and_punct) {
    const char *s =
        "ROOT %add.3 = f32[4,<=2,?]{1,0:T(8,128)} add(p0, p1), window={size=3x3 pad=0_1x-1_0} "
        "dim_labels=b01f_01io->b01f /*index=5*/ x // tail\n y=1e+05";
    int n = lex_all(s, strlen(s));
    const char *want[] = {
        "ROOT", "add.3",      "=", "f32",       "[",    "4",    ",",   "<=",  "2",  ",",
        "?",    "]",          "{", "1",         ",",    "0",    ":",   "T",   "(",  "8",
        ",",    "128",        ")", "}",         "add",  "(",    "p0",  ",",   "p1", ")",
        ",",    "window",     "=", "{",         "size", "=",    "3x3", "pad", "=",  "0_1x-1_0",
        "}",    "dim_labels", "=", "b01f_01io", "->",   "b01f", "x",   "y",   "=",  "1e+05",
        ""};
    ck_assert_int_eq(n, (int)(sizeof want / sizeof *want));
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(texts[i], want[i]);
    ck_assert_int_eq(kinds[1], TK_WORD);
    ck_assert_int_eq(kinds[7], TK_LE);
    ck_assert_int_eq(kinds[10], TK_QUESTION);
    ck_assert_int_eq(kinds[44], TK_ARROW);
    ck_assert_int_eq(kinds[n - 1], TK_EOF);
}
END_TEST

START_TEST(test_positions_and_pct) {
    const char *s = "a\n  %b.1 \"s\\\"q\"";
    hloc_lexer lx;
    hloc_lexer_init(&lx, s, strlen(s));
    hloc_token t = hloc_lexer_next(&lx);
    ck_assert_uint_eq(t.line, 1);
    ck_assert_uint_eq(t.col, 1);
    t = hloc_lexer_next(&lx);
    ck_assert(t.pct);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_uint_eq(t.line, 2);
    ck_assert_uint_eq(t.col, 3);
    t = hloc_lexer_next(&lx);
    ck_assert_int_eq(t.kind, TK_STRING);
    ck_assert_uint_eq(t.n, 6);
    ck_assert_uint_eq(t.col, 8);
}
END_TEST

START_TEST(test_errors) {
    int n = lex_all("x \"abc", 6);
    ck_assert_int_eq(kinds[n - 1], TK_ERROR);
    n = lex_all("x /* abc", 8);
    ck_assert_int_eq(kinds[n - 1], TK_ERROR);
    n = lex_all("x ` y", 5);
    ck_assert_int_eq(kinds[n - 1], TK_ERROR);
}
END_TEST

/* The length bounds the input: bytes past it are never read, even if they would continue a token.
 */
START_TEST(test_respects_length) {
    int n = lex_all("abc.def", 3);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(texts[0], "abc");
    n = lex_all("\"ab\"", 3);
    ck_assert_int_eq(kinds[n - 1], TK_ERROR);
    n = lex_all("-> ", 1);
    ck_assert_str_eq(texts[0], "-");
    n = lex_all("/* */", 4);
    ck_assert_int_eq(kinds[n - 1], TK_ERROR);
}
END_TEST

START_TEST(test_bom) {
    int n = lex_all("\xEF\xBB\xBFHloModule", 12);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(texts[0], "HloModule");
}
END_TEST

Suite *lexer_suite(void) {
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("lexer");
    tcase_add_test(tc, test_words_and_punct);
    tcase_add_test(tc, test_positions_and_pct);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_respects_length);
    tcase_add_test(tc, test_bom);
    suite_add_tcase(s, tc);
    return s;
}
