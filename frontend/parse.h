/* Internals shared by the parser's files (parse_*.c). The parser stops at the first error:
 * parse_fail() reports through the diagnostics sink and longjmps to the one setjmp in
 * hloc_parse_module(), which frees the module arena and the scratch arena. Hence no heap block and
 * no FILE* may be live across a call that can fail: everything goes into `a` (IR) or `tmp`
 * (scratch). */
#ifndef HLOC_FRONTEND_PARSE_H
#define HLOC_FRONTEND_PARSE_H

#include <setjmp.h>

#include "diag.h"
#include "ir.h"
#include "lexer.h"

typedef struct hloc_parser {
    hloc_lexer lx;
    hloc_token tok;  /* current token */
    hloc_token prev; /* the one before it: raw values end at prev.end */
    hloc_diag diag;
    jmp_buf jmp;
    bool oom;
    int depth;        /* tuple shape nesting, bounded */
    int inline_depth; /* inline computation nesting, bounded */
    hloc_arena *a;    /* IR allocations (the module's arena) */
    hloc_arena *tmp;  /* scratch: name tables, pending references */
    hloc_module *m;   /* NULL when parsing a lone shape */
    struct hloc_parse_mod_ctx *mc;
} hloc_parser;

/* Lexing. */
void parse_advance(hloc_parser *p);
hloc_token parse_peek(hloc_parser *p); /* the token after the current one */
_Noreturn void parse_fail(hloc_parser *p, const hloc_token *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void parse_fail_oom(hloc_parser *p);
/* "expected WHAT, found TOKEN" at the current token. */
_Noreturn void parse_expected(hloc_parser *p, const char *what);
void parse_expect(hloc_parser *p, hloc_tok_kind k, const char *what);
bool parse_accept(hloc_parser *p, hloc_tok_kind k);
bool parse_accept_word(hloc_parser *p, const char *w);
void *parse_alloc(hloc_parser *p, hloc_arena *a, size_t n);   /* zeroed, fails on OOM */
char *parse_strndup(hloc_parser *p, const char *s, size_t n); /* in p->a */
hloc_loc parse_loc(const hloc_token *t);

/* Numbers and small values. */
int64_t parse_int_token(hloc_parser *p, const hloc_token *t); /* whole word must be an int64 */
int64_t parse_int(hloc_parser *p);                            /* consumes one word */
bool parse_bool(hloc_parser *p);                              /* true / false */
double parse_float(hloc_parser *p);                           /* consumes one word */
void parse_i64_list(hloc_parser *p, hloc_i64_list *out);      /* {1,2,3} */
char *parse_string(hloc_parser *p);                           /* unescaped, in p->a */
const char *parse_name(hloc_parser *p, hloc_token *out_tok);  /* word, '%' optional */
/* Raw text of one attribute value as written (balanced brackets; up to ',' or a new line). */
const char *parse_raw_value(hloc_parser *p);

/* Shapes and layouts (parse_shape.c). */
bool parse_at_shape(hloc_parser *p); /* the current token starts a shape */
void parse_shape(hloc_parser *p, hloc_shape *out);

/* Literals (parse_literal.c): the value of |shape| in constant(...) / literal=. */
hloc_literal *parse_literal(hloc_parser *p, const hloc_shape *shape);
/* A literal that carries its shapes: `s32[] 1`, `(f32[] 1, s32[2]{0} {1, 2})` (custom-call
 * literal=). */
hloc_literal *parse_shaped_literal(hloc_parser *p);

/* Attributes (parse_attrs.c): one `name=value` after an instruction's operands. */
/* Called computations named by an instruction's attributes, by role; a zeroed token (TK_EOF) is
 * absent. parse_instr.c turns them into hloc_instr.called in ir.h's order. */
typedef struct hloc_called_refs {
    hloc_token condition, body, true_comp, false_comp, select, scatter, calls, to_apply;
    hloc_token *branches, *called;
    uint32_t n_branches, n_called;
    hloc_token *preds; /* control-predecessors */
    uint32_t n_preds;
    uint32_t cap_extra; /* capacity of attrs->extra */
    uint8_t seen[128];  /* typed attributes already given (by table index) */
} hloc_called_refs;
void parse_attribute(hloc_parser *p, hloc_instr *i, hloc_called_refs *refs);
void parse_metadata(hloc_parser *p, hloc_metadata *md);
/* Fails at |op| (the opcode token) if an attribute XLA requires for the opcode was not given. */
void parse_check_required(hloc_parser *p, const hloc_instr *i, const hloc_called_refs *r,
                          const hloc_token *op);

/* Computations (parse_comp.c). */
void parse_computation(hloc_parser *p, bool is_entry, const hloc_token *entry_tok);
void parse_resolve_module(hloc_parser *p);
/* `{ instructions }` as an attribute value: a new computation named after |caller| and |role|;
 * returns a word token naming it (for the called-computation references). */
hloc_token parse_inline_computation(hloc_parser *p, const hloc_instr *caller, const char *role);

/* Name tables (parse_util.c): keys are stable strings; grown in p->tmp. */
typedef struct hloc_name_table hloc_name_table;
hloc_name_table *names_create(hloc_parser *p);
void *names_find(const hloc_name_table *t, const char *s, size_t n);
void names_put(hloc_parser *p, hloc_name_table *t, const char *key, void *value);

/* Module-wide parsing state. */
typedef struct hloc_parse_mod_ctx {
    hloc_name_table *comps;     /* name -> hloc_computation */
    struct hloc_comp_ref *refs; /* computation references, resolved at the end */
    uint32_t n_refs, cap_refs;
    bool saw_entry;
    hloc_token entry_layout_tok; /* where entry_computation_layout's value starts */
    hloc_token *alias_toks;      /* where each input_output_alias entry starts (in p->tmp) */
} hloc_parse_mod_ctx;

/* input_output_alias (parse_alias.c): parses the value into m->io_aliases, and checks it against
 * the entry computation once that is known. */
void parse_io_alias(hloc_parser *p);
void parse_check_io_alias(hloc_parser *p);

/* Per-computation parsing state (parse_instr.c, parse_comp.c). */
typedef struct parse_fwd_operands {
    hloc_instr *i;
    hloc_token *names;   /* every operand, in order */
    hloc_shape **shapes; /* the shape written before each operand, or NULL */
    uint32_t n;
} parse_fwd_operands;

typedef struct parse_ctl_preds {
    hloc_instr *i;
    hloc_token *names;
    uint32_t n;
} parse_ctl_preds;

typedef struct hloc_parse_comp_ctx {
    hloc_computation *c;
    hloc_name_table *instrs;
    parse_fwd_operands *fwd;
    uint32_t n_fwd, cap_fwd;
    parse_ctl_preds *preds;
    uint32_t n_preds, cap_preds;
} parse_comp_ctx;

typedef struct hloc_comp_ref {
    hloc_instr *i;
    uint32_t slot;
    hloc_token name;
} parse_comp_ref;

void parse_instruction(hloc_parser *p, parse_comp_ctx *cc);
hloc_instr *parse_lookup(parse_comp_ctx *cc, const hloc_token *t);
const char *parse_shape_text(hloc_parser *p, const hloc_shape *s); /* in p->tmp */
/* Fails at |at| if |written| (the shape before an operand name, or NULL) differs from |op|'s. */
void parse_check_operand_shape(hloc_parser *p, const hloc_token *at, const hloc_shape *written,
                               const hloc_instr *op);

#endif
