/* Graphviz dump: a cluster per computation; computations called by a fusion are drawn as a
 * filled cluster named after the fusion, and every call is a dashed edge to the callee's root. */
#include <string.h>

#include "dump_formats.h"
#include "print.h"

static void put_escaped(hloc_strbuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') hloc_strbuf_putc(b, '\\');
        if (*s == '\n') {
            hloc_strbuf_puts(b, "\\n");
            continue;
        }
        hloc_strbuf_putc(b, *s);
    }
}

static const char *node_color(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_PARAMETER: return "#fff3c4";
    case HLOC_OP_CONSTANT: return "#e8e8e8";
    case HLOC_OP_FUSION: return "#c8e6c9";
    case HLOC_OP_DOT:
    case HLOC_OP_CONVOLUTION: return "#ffcdd2";
    case HLOC_OP_REDUCE:
    case HLOC_OP_REDUCE_WINDOW: return "#bbdefb";
    case HLOC_OP_WHILE:
    case HLOC_OP_CONDITIONAL:
    case HLOC_OP_CALL: return "#e1bee7";
    default: return "#ffffff";
    }
}

/* The fusion that calls |c|, if any: its cluster is labelled with the fusion's name and kind. */
static const hloc_instr *fusion_of(const hloc_module *m, const hloc_computation *c) {
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *o = m->comps[k];
        for (uint32_t j = 0; j < o->n_instrs; j++) {
            const hloc_instr *i = o->instrs[j];
            if (i->op == HLOC_OP_FUSION && i->n_called && i->called[0] == c) return i;
        }
    }
    return NULL;
}

static const char *kind_name(hloc_fusion_kind k) {
    switch (k) {
    case HLOC_FUSION_LOOP: return "kLoop";
    case HLOC_FUSION_INPUT: return "kInput";
    case HLOC_FUSION_OUTPUT: return "kOutput";
    case HLOC_FUSION_CUSTOM: return "kCustom";
    default: return "";
    }
}

void hloc_dump_dot(hloc_strbuf *b, const hloc_module *m) {
    hloc_strbuf_puts(b, "digraph \"");
    put_escaped(b, m->name ? m->name : "module");
    hloc_strbuf_puts(b, "\" {\n  compound=true;\n  rankdir=TB;\n"
                        "  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", "
                        "fontsize=10];\n");
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *c = m->comps[k];
        const hloc_instr *f = fusion_of(m, c);
        hloc_strbuf_printf(b, "  subgraph cluster_c%u {\n    label=\"", c->id);
        if (f) {
            hloc_strbuf_puts(b, "fusion ");
            put_escaped(b, f->name);
            hloc_strbuf_printf(b, " (%s)", kind_name(f->attrs->fusion_kind));
            hloc_strbuf_puts(b, "\";\n    style=filled; fillcolor=\"#eef7ee\";\n");
        } else {
            put_escaped(b, c->is_entry ? "ENTRY " : "");
            put_escaped(b, c->name);
            hloc_strbuf_puts(b, "\";\n    style=rounded;\n");
        }
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            const hloc_instr *i = c->instrs[j];
            if (i->dead) continue;
            hloc_strbuf s = {0};
            hloc_print_shape_no_layout(&s, &i->shape);
            hloc_strbuf_printf(b, "    n%u [label=\"", i->id);
            put_escaped(b, i->name);
            hloc_strbuf_printf(b, "\\n%s\\n", hloc_opcode_name(i->op));
            if (s.data) put_escaped(b, s.data);
            hloc_strbuf_free(&s);
            hloc_strbuf_printf(b, "\", fillcolor=\"%s\"%s];\n", node_color(i),
                               i == c->root ? ", penwidth=2" : "");
        }
        hloc_strbuf_puts(b, "  }\n");
    }
    for (uint32_t k = 0; k < m->n_comps; k++) {
        const hloc_computation *c = m->comps[k];
        for (uint32_t j = 0; j < c->n_instrs; j++) {
            const hloc_instr *i = c->instrs[j];
            if (i->dead) continue;
            for (uint32_t o = 0; o < i->n_operands; o++)
                hloc_strbuf_printf(b, "  n%u -> n%u;\n", i->operands[o]->id, i->id);
            for (uint32_t o = 0; o < i->n_called; o++) {
                const hloc_computation *callee = i->called[o];
                if (!callee->root) continue;
                hloc_strbuf_printf(b, "  n%u -> n%u [style=dashed, lhead=cluster_c%u];\n",
                                   callee->root->id, i->id, callee->id);
            }
        }
    }
    hloc_strbuf_puts(b, "}\n");
}
