/* The graph formats of a module dump (the text format is the printer's). */
#ifndef HLOC_PASSES_DUMP_FORMATS_H
#define HLOC_PASSES_DUMP_FORMATS_H

#include "ir.h"
#include "status.h"

/* Graphviz: one graph per module, a cluster per computation, fusions drawn as clusters holding
 * their fused computation. */
void hloc_dump_dot(hloc_strbuf *b, const hloc_module *m);
/* One self-contained HTML page: the graph laid out by an embedded script; clicking an instruction
 * shows its shape, attributes and source metadata. */
void hloc_dump_html(hloc_strbuf *b, const hloc_module *m);

#endif
