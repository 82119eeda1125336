/* The HLO printer: text as XLA prints it, which the parser reads back to an identical module
 * (print(parse(print(parse(x)))) == print(parse(x))). Used by `hloc fmt`, dumps and diagnostics. */
#ifndef HLOC_HLO_PRINT_H
#define HLOC_HLO_PRINT_H

#include <stdbool.h>

#include "ir.h"
#include "status.h"

typedef struct hloc_print_options {
    bool print_metadata;          /* metadata={...} (default true) */
    bool print_backend_config;    /* backend_config=... (default true) */
    bool elide_large_constants;   /* constants with > 10 elements print as {...} (default false) */
    bool print_percent;           /* '%' before names (default true, as XLA's dumps) */
} hloc_print_options;

hloc_print_options hloc_print_options_default(void);

/* `f32[2,3]{1,0}`, `(s32[], f32[4]{0})`, `bf16[<=8,?]`; with the layout when it has one. */
void hloc_print_shape(hloc_strbuf *b, const hloc_shape *s);
/* Shape without layout: `f32[2,3]`. */
void hloc_print_shape_no_layout(hloc_strbuf *b, const hloc_shape *s);
/* Literal values only, as inside constant(...): `{ {1, 2}, {3, 4} }`, `1.5`, `(1, {2, 3})`. */
void hloc_print_literal(hloc_strbuf *b, const hloc_literal *l);
/* One instruction line without indentation or newline: `%add.1 = f32[4]{0} add(%a, %b), ...`. */
void hloc_print_instr(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o);
void hloc_print_computation(hloc_strbuf *b, const hloc_computation *c, const hloc_print_options *o);
void hloc_print_module(hloc_strbuf *b, const hloc_module *m, const hloc_print_options *o);

/* Convenience for messages: the shape as a string in |a|. */
const char *hloc_shape_str(hloc_arena *a, const hloc_shape *s);

#endif
