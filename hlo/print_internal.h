/* Pieces shared by the printer's files (print.c, print_attrs.c, print_literal.c); not for users. */
#ifndef HLOC_HLO_PRINT_INTERNAL_H
#define HLOC_HLO_PRINT_INTERNAL_H

#include <stdbool.h>

#include "print.h"

/* One element of type |t| stored at |p|; |in_array| prints pred as 0/1 (XLA's dense form). */
void hloc_print_element(hloc_strbuf *b, hloc_type t, const void *p, bool in_array);
/* A double in XLA's round-trip form: %.15g, or %.17g when that does not read back exactly. */
void hloc_print_f64(hloc_strbuf *b, double v);
/* A literal; with |with_shapes| every array is preceded by its shape (custom-call literal=). */
void hloc_print_literal_ex(hloc_strbuf *b, const hloc_literal *l, bool with_shapes);
/* `, attr=value` for every attribute of |i| after its operand list, in XLA's order. */
void hloc_print_attrs(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o);
/* `%name` or `name`. */
void hloc_print_name(hloc_strbuf *b, const char *name, const hloc_print_options *o);
/* A string in double quotes with XLA's C escapes. */
void hloc_print_quoted(hloc_strbuf *b, const char *s);

#endif
