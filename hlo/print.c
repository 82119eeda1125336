/* The HLO printer: options, shapes and layouts, instructions, computations, modules, in the text
 * form XLA's HloModule::ToString prints (attributes in print_attrs.c, literals in
 * print_literal.c). Reads the IR only; writes into a string buffer. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "print.h"
#include "print_internal.h"

hloc_print_options hloc_print_options_default(void) {
    return (hloc_print_options){
        .print_metadata = true,
        .print_backend_config = true,
        .elide_large_constants = false,
        .print_percent = true,
    };
}

/* ---- shapes ------------------------------------------------------------------------------- */

static void print_tile(hloc_strbuf *b, const hloc_tile *t) {
    hloc_strbuf_putc(b, '(');
    for (uint32_t i = 0; i < t->n_dims; i++) {
        if (i) hloc_strbuf_putc(b, ',');
        if (t->dims[i] < 0)
            hloc_strbuf_putc(b, '*');
        else
            hloc_strbuf_printf(b, "%" PRId64, t->dims[i]);
    }
    hloc_strbuf_putc(b, ')');
}

/* One layout extra after the ':' that the first of them opens. */
static void ext_item(hloc_strbuf *b, bool *colon, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ext_item(hloc_strbuf *b, bool *colon, const char *fmt, ...) {
    if (!*colon) hloc_strbuf_putc(b, ':');
    *colon = true;
    va_list ap;
    va_start(ap, fmt);
    hloc_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* XLA's Layout::Print: `{1,0}`, then after ':' the extras in the order D T L # * E S SC M. */
static void print_layout(hloc_strbuf *b, const hloc_shape *s) {
    const hloc_layout_ext *e = s->layout_ext;
    hloc_strbuf_putc(b, '{');
    for (uint32_t i = 0; i < s->rank; i++) {
        if (i) hloc_strbuf_putc(b, ',');
        hloc_strbuf_printf(b, "%u", (unsigned)s->minor_to_major[i]);
    }
    if (e) {
        bool colon = false;
        if (e->dim_level_types) ext_item(b, &colon, "D(%s)", e->dim_level_types);
        if (e->n_tiles) {
            ext_item(b, &colon, "T");
            for (uint32_t i = 0; i < e->n_tiles; i++)
                print_tile(b, &e->tiles[i]);
        }
        if (e->tail_padding_alignment)
            ext_item(b, &colon, "L(%" PRId64 ")", e->tail_padding_alignment);
        if (e->index_type) ext_item(b, &colon, "#(%s)", hloc_type_name(e->index_type));
        if (e->pointer_type) ext_item(b, &colon, "*(%s)", hloc_type_name(e->pointer_type));
        if (e->element_size_bits) ext_item(b, &colon, "E(%" PRId64 ")", e->element_size_bits);
        if (e->memory_space) ext_item(b, &colon, "S(%" PRId64 ")", e->memory_space);
        if (e->split_configs) ext_item(b, &colon, "SC(%s)", e->split_configs);
        if (e->dynamic_metadata_bytes)
            ext_item(b, &colon, "M(%" PRId64 ")", e->dynamic_metadata_bytes);
    }
    hloc_strbuf_putc(b, '}');
}

static bool layout_ext_empty(const hloc_layout_ext *e) {
    return !e || (!e->dim_level_types && !e->n_tiles && !e->tail_padding_alignment &&
                  !e->index_type && !e->pointer_type && !e->element_size_bits && !e->memory_space &&
                  !e->split_configs && !e->dynamic_metadata_bytes);
}

static void print_shape(hloc_strbuf *b, const hloc_shape *s, bool layout) {
    if (s->type == HLOC_TYPE_TUPLE) {
        hloc_strbuf_putc(b, '(');
        for (uint32_t i = 0; i < s->n_elems; i++) {
            if (i) {
                hloc_strbuf_puts(b, ", ");
                if (i % 5 == 0) hloc_strbuf_printf(b, "/*index=%u*/", i);
            }
            print_shape(b, &s->elems[i], layout);
        }
        hloc_strbuf_putc(b, ')');
        return;
    }
    hloc_strbuf_puts(b, hloc_type_name(s->type));
    hloc_strbuf_putc(b, '[');
    if (hloc_shape_is_array(s)) {
        for (uint32_t i = 0; i < s->rank; i++) {
            if (i) hloc_strbuf_putc(b, ',');
            if (s->dim_kind[i] == HLOC_DIM_UNBOUNDED)
                hloc_strbuf_putc(b, '?');
            else if (s->dim_kind[i] == HLOC_DIM_BOUNDED)
                hloc_strbuf_printf(b, "<=%" PRId64, s->dims[i]);
            else
                hloc_strbuf_printf(b, "%" PRId64, s->dims[i]);
        }
    }
    hloc_strbuf_putc(b, ']');
    /* A scalar's layout is always {} and XLA leaves it out unless it carries extras. */
    if (layout && s->has_layout && hloc_shape_is_array(s) &&
        (s->rank || !layout_ext_empty(s->layout_ext)))
        print_layout(b, s);
}

void hloc_print_shape(hloc_strbuf *b, const hloc_shape *s) { print_shape(b, s, true); }
void hloc_print_shape_no_layout(hloc_strbuf *b, const hloc_shape *s) { print_shape(b, s, false); }

const char *hloc_shape_str(hloc_arena *a, const hloc_shape *s) {
    hloc_strbuf b = {0};
    hloc_print_shape(&b, s);
    const char *r = b.oom || !b.data ? NULL : hloc_arena_strdup(a, b.data);
    hloc_strbuf_free(&b);
    return r ? r : "<shape>";
}

/* ---- names and strings -------------------------------------------------------------------- */

void hloc_print_name(hloc_strbuf *b, const char *name, const hloc_print_options *o) {
    if (o->print_percent) hloc_strbuf_putc(b, '%');
    hloc_strbuf_puts(b, name);
}

/* absl::CEscape, which XLA applies to every string it prints. */
void hloc_print_quoted(hloc_strbuf *b, const char *s) {
    hloc_strbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\n':
            hloc_strbuf_puts(b, "\\n");
            break;
        case '\r':
            hloc_strbuf_puts(b, "\\r");
            break;
        case '\t':
            hloc_strbuf_puts(b, "\\t");
            break;
        case '"':
            hloc_strbuf_puts(b, "\\\"");
            break;
        case '\'':
            hloc_strbuf_puts(b, "\\'");
            break;
        case '\\':
            hloc_strbuf_puts(b, "\\\\");
            break;
        default:
            if (*p < 0x20 || *p >= 0x7f)
                hloc_strbuf_printf(b, "\\%03o", *p);
            else
                hloc_strbuf_putc(b, (char)*p);
        }
    }
    hloc_strbuf_putc(b, '"');
}

/* ---- instructions ------------------------------------------------------------------------- */

static void print_operands(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o) {
    hloc_strbuf_putc(b, '(');
    if (i->op == HLOC_OP_PARAMETER) {
        hloc_strbuf_printf(b, "%" PRId64, i->attrs->index);
    } else if (i->op == HLOC_OP_CONSTANT) {
        const hloc_literal *l = i->attrs->literal;
        bool large = l && hloc_shape_is_array(&l->shape) && hloc_shape_elements(&l->shape) > 10;
        if (!l || (o->elide_large_constants && large))
            hloc_strbuf_puts(b, "{...}");
        else
            hloc_print_literal(b, l);
    }
    for (uint32_t k = 0; k < i->n_operands; k++) {
        if (k) {
            hloc_strbuf_puts(b, ", ");
            if (k % 5 == 0) hloc_strbuf_printf(b, "/*index=%u*/", k);
        }
        hloc_print_name(b, i->operands[k] ? i->operands[k]->name : "<null>", o);
    }
    hloc_strbuf_putc(b, ')');
}

void hloc_print_instr(hloc_strbuf *b, const hloc_instr *i, const hloc_print_options *o) {
    if (i->parent && i->parent->root == i) hloc_strbuf_puts(b, "ROOT ");
    hloc_print_name(b, i->name, o);
    hloc_strbuf_puts(b, " = ");
    hloc_print_shape(b, &i->shape);
    hloc_strbuf_putc(b, ' ');
    hloc_strbuf_puts(b, hloc_opcode_name(i->op));
    print_operands(b, i, o);
    hloc_print_attrs(b, i, o);
}

/* ---- computations and modules ------------------------------------------------------------- */

void hloc_print_computation(hloc_strbuf *b, const hloc_computation *c,
                            const hloc_print_options *o) {
    if (c->is_entry || (c->parent && c->parent->entry == c)) hloc_strbuf_puts(b, "ENTRY ");
    hloc_print_name(b, c->name, o);
    /* XLA always prints the program shape: parameter names and shapes without layouts. */
    hloc_strbuf_puts(b, " (");
    bool first = true;
    for (uint32_t k = 0; k < c->n_params; k++) {
        const hloc_instr *p = c->params[k];
        if (!p) continue;
        if (!first) hloc_strbuf_puts(b, ", ");
        first = false;
        hloc_strbuf_printf(b, "%s: ", p->name);
        hloc_print_shape_no_layout(b, &p->shape);
    }
    hloc_strbuf_puts(b, ") -> ");
    if (c->root)
        hloc_print_shape_no_layout(b, &c->root->shape);
    else
        hloc_strbuf_puts(b, "()");
    hloc_strbuf_puts(b, " {\n");
    for (uint32_t k = 0; k < c->n_instrs; k++) {
        if (c->instrs[k]->dead) continue;
        hloc_strbuf_puts(b, "  ");
        hloc_print_instr(b, c->instrs[k], o);
        hloc_strbuf_putc(b, '\n');
    }
    hloc_strbuf_putc(b, '}');
    if (c->execution_thread) {
        hloc_strbuf_puts(b, ", execution_thread=");
        hloc_print_quoted(b, c->execution_thread);
    }
}

/* ComputationLayout::Print: `(p0, p1, ...)->result` with layouts; every fifth parameter gets an
 * index comment, as in tuple shapes. */
static void print_entry_layout(hloc_strbuf *b, const hloc_module *m) {
    hloc_strbuf_puts(b, ", entry_computation_layout={(");
    for (uint32_t k = 0; k < m->n_entry_params; k++) {
        if (k) {
            hloc_strbuf_puts(b, ", ");
            if (k % 5 == 0) hloc_strbuf_printf(b, "/*index=%u*/", k);
        }
        hloc_print_shape(b, &m->entry_param_shapes[k]);
    }
    hloc_strbuf_puts(b, ")->");
    hloc_print_shape(b, &m->entry_result_shape);
    hloc_strbuf_putc(b, '}');
}

static void print_header(hloc_strbuf *b, const hloc_module *m) {
    hloc_strbuf_printf(b, "HloModule %s", m->name);
    if (m->is_scheduled == 1) hloc_strbuf_puts(b, ", is_scheduled=true");
    if (m->input_output_alias)
        hloc_strbuf_printf(b, ", input_output_alias=%s", m->input_output_alias);
    if (m->buffer_donor) hloc_strbuf_printf(b, ", buffer_donor=%s", m->buffer_donor);
    for (uint32_t k = 0; k < m->n_extra; k++)
        if (!strcmp(m->extra[k].name, "alias_passthrough_params"))
            hloc_strbuf_printf(b, ", %s=%s", m->extra[k].name, m->extra[k].value);
    if (m->has_entry_layout) print_entry_layout(b, m);
    for (uint32_t k = 0; k < m->n_extra; k++)
        if (strcmp(m->extra[k].name, "alias_passthrough_params"))
            hloc_strbuf_printf(b, ", %s=%s", m->extra[k].name, m->extra[k].value);
    if (m->frontend_attributes)
        hloc_strbuf_printf(b, ", frontend_attributes=%s", m->frontend_attributes);
    if (m->replica_count >= 0) hloc_strbuf_printf(b, ", replica_count=%" PRId64, m->replica_count);
    if (m->num_partitions >= 0)
        hloc_strbuf_printf(b, ", num_partitions=%" PRId64, m->num_partitions);
    hloc_strbuf_puts(b, "\n\n");
}

/* The stack-frame index XLA prints between the header and the computations. */
static void print_stack_frames(hloc_strbuf *b, const hloc_module *m) {
    bool any = false;
    if (m->n_file_names) {
        hloc_strbuf_puts(b, "FileNames\n");
        for (uint32_t k = 0; k < m->n_file_names; k++) {
            hloc_strbuf_printf(b, "%u ", k + 1);
            hloc_print_quoted(b, m->file_names[k] ? m->file_names[k] : "");
            hloc_strbuf_putc(b, '\n');
        }
        hloc_strbuf_putc(b, '\n');
        any = true;
    }
    if (m->n_function_names) {
        hloc_strbuf_puts(b, "FunctionNames\n");
        for (uint32_t k = 0; k < m->n_function_names; k++) {
            hloc_strbuf_printf(b, "%u ", k + 1);
            hloc_print_quoted(b, m->function_names[k] ? m->function_names[k] : "");
            hloc_strbuf_putc(b, '\n');
        }
        hloc_strbuf_putc(b, '\n');
        any = true;
    }
    if (m->n_file_locations) {
        hloc_strbuf_puts(b, "FileLocations\n");
        for (uint32_t k = 0; k < m->n_file_locations; k++) {
            const hloc_file_location *l = &m->file_locations[k];
            hloc_strbuf_printf(b,
                               "%u {file_name_id=%" PRId64 " function_name_id=%" PRId64
                               " line=%" PRId64 " end_line=%" PRId64 " column=%" PRId64
                               " end_column=%" PRId64 "}\n",
                               k + 1, l->file_name_id, l->function_name_id, l->line, l->end_line,
                               l->column, l->end_column);
        }
        hloc_strbuf_putc(b, '\n');
        any = true;
    }
    if (m->n_stack_frames) {
        hloc_strbuf_puts(b, "StackFrames\n");
        for (uint32_t k = 0; k < m->n_stack_frames; k++)
            hloc_strbuf_printf(b, "%u {file_location_id=%" PRId64 " parent_frame_id=%" PRId64 "}\n",
                               k + 1, m->stack_frames[k].file_location_id,
                               m->stack_frames[k].parent_frame_id);
        hloc_strbuf_putc(b, '\n');
        any = true;
    }
    if (any) hloc_strbuf_putc(b, '\n');
}

void hloc_print_module(hloc_strbuf *b, const hloc_module *m, const hloc_print_options *o) {
    print_header(b, m);
    print_stack_frames(b, m);
    for (uint32_t k = 0; k < m->n_comps; k++) {
        hloc_print_computation(b, m->comps[k], o);
        hloc_strbuf_puts(b, "\n\n");
    }
}
