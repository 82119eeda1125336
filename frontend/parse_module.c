/* The module: `HloModule name (, attribute)*`, the stack-frame tables, then computations.
 *   HloModule m, is_scheduled=true, entry_computation_layout={(f32[2]{0})->f32[2]{0}}
 *   FileNames 1 "a.py"  FunctionNames 1 "f"  FileLocations 1 {file_name_id=1 ...}
 *   StackFrames 1 {file_location_id=1 parent_frame_id=0}
 * Without ENTRY the last computation is the entry; without a header the module is named after it.
 * Also the entry point hloc_parse_module(), which owns the setjmp that every failure lands on. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser.h"

static void entry_layout(hloc_parser *p) {
    hloc_module *m = p->m;
    p->mc->entry_layout_tok = p->tok;
    parse_expect(p, TK_LBRACE, "'{'");
    parse_expect(p, TK_LPAREN, "'(' to open the parameter layouts");
    uint32_t cap = 0;
    if (p->tok.kind != TK_RPAREN) {
        do {
            hloc_shape s;
            parse_shape(p, &s);
            if (!hloc_arena_grow(p->a, (void **)&m->entry_param_shapes, &cap, m->n_entry_params + 1,
                                 sizeof s))
                parse_fail_oom(p);
            m->entry_param_shapes[m->n_entry_params++] = s;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RPAREN, "',' or ')'");
    parse_expect(p, TK_ARROW, "'->'");
    parse_shape(p, &m->entry_result_shape);
    parse_expect(p, TK_RBRACE, "'}'");
    m->has_entry_layout = true;
}

/* entry_computation_layout must describe the entry's parameters and result (layouts aside). */
static void check_entry_layout(hloc_parser *p) {
    hloc_module *m = p->m;
    const hloc_computation *e = m->entry;
    const hloc_token *at = &p->mc->entry_layout_tok;
    if (m->n_entry_params != e->n_params)
        parse_fail(
            p, at,
            "entry_computation_layout has %u parameters but the entry computation '%s' has %u",
            m->n_entry_params, e->name, e->n_params);
    for (uint32_t k = 0; k < e->n_params; k++)
        if (!hloc_shape_equal_ignoring_layout(&m->entry_param_shapes[k], &e->params[k]->shape))
            parse_fail(p, at, "entry_computation_layout parameter %u is %s but '%s' is %s", k,
                       parse_shape_text(p, &m->entry_param_shapes[k]), e->params[k]->name,
                       parse_shape_text(p, &e->params[k]->shape));
    if (!hloc_shape_equal_ignoring_layout(&m->entry_result_shape, &e->root->shape))
        parse_fail(p, at, "entry_computation_layout result is %s but the root '%s' is %s",
                   parse_shape_text(p, &m->entry_result_shape), e->root->name,
                   parse_shape_text(p, &e->root->shape));
}

static void header_attribute(hloc_parser *p, uint32_t *cap_extra) {
    hloc_module *m = p->m;
    hloc_token name = p->tok;
    if (name.kind != TK_WORD || name.pct) parse_expected(p, "a module attribute");
    parse_advance(p);
    parse_expect(p, TK_EQUAL, "'=' after the attribute name");
    bool dup = false;
    if (hloc_token_is(&name, "is_scheduled")) {
        dup = m->is_scheduled >= 0;
        m->is_scheduled = parse_bool(p);
    } else if (hloc_token_is(&name, "entry_computation_layout")) {
        dup = m->has_entry_layout;
        entry_layout(p);
    } else if (hloc_token_is(&name, "input_output_alias")) {
        dup = m->input_output_alias != NULL;
        parse_io_alias(p);
    } else if (hloc_token_is(&name, "buffer_donor")) {
        dup = m->buffer_donor != NULL;
        m->buffer_donor = parse_raw_value(p);
    } else if (hloc_token_is(&name, "frontend_attributes")) {
        dup = m->frontend_attributes != NULL;
        m->frontend_attributes = parse_raw_value(p);
    } else if (hloc_token_is(&name, "replica_count")) {
        dup = m->replica_count >= 0;
        m->replica_count = parse_int(p);
    } else if (hloc_token_is(&name, "num_partitions")) {
        dup = m->num_partitions >= 0;
        m->num_partitions = parse_int(p);
    } else {
        for (uint32_t k = 0; k < m->n_extra; k++)
            if (strlen(m->extra[k].name) == name.n && !memcmp(m->extra[k].name, name.s, name.n))
                dup = true;
        if (!dup) {
            const char *nm = parse_strndup(p, name.s, name.n);
            const char *v = parse_raw_value(p);
            if (!hloc_arena_grow(p->a, (void **)&m->extra, cap_extra, m->n_extra + 1,
                                 sizeof *m->extra))
                parse_fail_oom(p);
            m->extra[m->n_extra].name = nm;
            m->extra[m->n_extra++].value = v;
        }
    }
    if (dup) parse_fail(p, &name, "module attribute '%.*s' is given twice", (int)name.n, name.s);
}

/* Next id of a table: 1, 2, 3, ... in order. */
static void table_id(hloc_parser *p, uint32_t n) {
    hloc_token at = p->tok;
    int64_t id = parse_int(p);
    if (id != (int64_t)n + 1)
        parse_fail(p, &at, "expected id %u in this table, found %lld", n + 1, (long long)id);
}

static bool at_int(const hloc_parser *p) {
    return p->tok.kind == TK_WORD && !p->tok.pct && p->tok.n && p->tok.s[0] >= '0' &&
           p->tok.s[0] <= '9';
}

/* {key=int key=int ...}: each key must be one of |keys|; values land in |out| by key. */
static void int_record(hloc_parser *p, const char *const *keys, int n_keys, int64_t *out) {
    parse_expect(p, TK_LBRACE, "'{'");
    while (p->tok.kind != TK_RBRACE) {
        hloc_token key = p->tok;
        int k = 0;
        while (k < n_keys && !hloc_token_is(&key, keys[k]))
            k++;
        if (k == n_keys) parse_expected(p, "a field of this table or '}'");
        parse_advance(p);
        parse_expect(p, TK_EQUAL, "'='");
        out[k] = parse_int(p);
        parse_accept(p, TK_COMMA);
    }
    parse_advance(p);
}

static void string_table(hloc_parser *p, const char ***v, uint32_t *n) {
    uint32_t cap = 0;
    while (at_int(p)) {
        table_id(p, *n);
        char *s = parse_string(p);
        if (!hloc_arena_grow(p->a, (void **)v, &cap, *n + 1, sizeof **v)) parse_fail_oom(p);
        (*v)[(*n)++] = s;
    }
}

static void stack_frame_tables(hloc_parser *p) {
    hloc_module *m = p->m;
    for (;;) {
        if (parse_accept_word(p, "FileNames")) {
            string_table(p, &m->file_names, &m->n_file_names);
        } else if (parse_accept_word(p, "FunctionNames")) {
            string_table(p, &m->function_names, &m->n_function_names);
        } else if (parse_accept_word(p, "FileLocations")) {
            static const char *const keys[] = {"file_name_id", "function_name_id", "line",
                                               "end_line",     "column",           "end_column"};
            uint32_t cap = 0;
            while (at_int(p)) {
                table_id(p, m->n_file_locations);
                int64_t v[6] = {0, 0, 0, 0, 0, 0};
                int_record(p, keys, 6, v);
                if (!hloc_arena_grow(p->a, (void **)&m->file_locations, &cap,
                                     m->n_file_locations + 1, sizeof *m->file_locations))
                    parse_fail_oom(p);
                hloc_file_location *l = &m->file_locations[m->n_file_locations++];
                l->file_name_id = v[0];
                l->function_name_id = v[1];
                l->line = v[2];
                l->end_line = v[3];
                l->column = v[4];
                l->end_column = v[5];
            }
        } else if (parse_accept_word(p, "StackFrames")) {
            static const char *const keys[] = {"file_location_id", "parent_frame_id"};
            uint32_t cap = 0;
            while (at_int(p)) {
                table_id(p, m->n_stack_frames);
                int64_t v[2] = {0, 0};
                int_record(p, keys, 2, v);
                if (!hloc_arena_grow(p->a, (void **)&m->stack_frames, &cap, m->n_stack_frames + 1,
                                     sizeof *m->stack_frames))
                    parse_fail_oom(p);
                m->stack_frames[m->n_stack_frames].file_location_id = v[0];
                m->stack_frames[m->n_stack_frames++].parent_frame_id = v[1];
            }
        } else {
            return;
        }
    }
}

static void parse_module(hloc_parser *p) {
    hloc_module *m = p->m;
    parse_advance(p);
    bool header = false;
    if (parse_accept_word(p, "HloModule")) {
        header = true;
        m->name = parse_name(p, NULL);
        uint32_t cap_extra = 0;
        while (parse_accept(p, TK_COMMA))
            header_attribute(p, &cap_extra);
    }
    stack_frame_tables(p);
    if (p->tok.kind == TK_EOF) parse_expected(p, "a computation");
    while (p->tok.kind != TK_EOF) {
        hloc_token entry_tok = p->tok;
        bool is_entry = parse_accept_word(p, "ENTRY");
        parse_computation(p, is_entry, &entry_tok);
    }
    if (!m->entry) {
        m->entry = m->comps[m->n_comps - 1];
        m->entry->is_entry = true;
    }
    if (m->has_entry_layout) check_entry_layout(p);
    parse_check_io_alias(p);
    if (!header) {
        m->name = hloc_arena_printf(p->a, "module_%s", m->entry->name);
        if (!m->name) parse_fail_oom(p);
    }
    parse_resolve_module(p);
}

static hloc_status *finish(hloc_parser *p) {
    hloc_arena_destroy(p->tmp);
    if (p->oom) {
        hloc_diag_free(&p->diag);
        return hloc_status_oom();
    }
    return hloc_diag_to_status(&p->diag, HLOC_STATUS_INVALID_ARGUMENT);
}

hloc_status *hloc_parse_module(const char *text, size_t len, const char *file, hloc_module **out) {
    *out = NULL;
    hloc_parser *p = calloc(1, sizeof *p);
    if (!p) return hloc_status_oom();
    p->tmp = hloc_arena_create();
    p->m = hloc_module_create("module");
    if (!p->tmp || !p->m) {
        hloc_arena_destroy(p->tmp);
        hloc_module_destroy(p->m);
        free(p);
        return hloc_status_oom();
    }
    p->a = p->m->arena;
    hloc_lexer_init(&p->lx, text ? text : "", text ? len : 0);
    hloc_diag_init(&p->diag, file, text, text ? len : 0);
    hloc_parse_mod_ctx mc;
    memset(&mc, 0, sizeof mc);
    p->mc = &mc;
    if (setjmp(p->jmp)) {
        hloc_module_destroy(p->m);
        hloc_status *st = finish(p);
        if (!st) st = hloc_status_new(HLOC_STATUS_INTERNAL, "parser failed without a message");
        free(p);
        return st;
    }
    mc.comps = names_create(p);
    p->m->file = file ? hloc_arena_strdup(p->a, file) : NULL;
    parse_module(p);
    hloc_module *m = p->m;
    hloc_status *st = finish(p);
    free(p);
    if (st) {
        hloc_module_destroy(m);
        return st;
    }
    *out = m;
    return NULL;
}

hloc_status *hloc_parse_shape(const char *text, hloc_arena *a, hloc_shape *out) {
    memset(out, 0, sizeof *out);
    size_t len = text ? strlen(text) : 0;
    hloc_parser *p = calloc(1, sizeof *p);
    if (!p) return hloc_status_oom();
    p->tmp = hloc_arena_create();
    if (!p->tmp) {
        free(p);
        return hloc_status_oom();
    }
    p->a = a;
    hloc_lexer_init(&p->lx, text ? text : "", len);
    hloc_diag_init(&p->diag, "<shape>", text, len);
    if (setjmp(p->jmp)) {
        hloc_status *st = finish(p);
        if (!st) st = hloc_status_new(HLOC_STATUS_INTERNAL, "parser failed without a message");
        free(p);
        return st;
    }
    parse_advance(p);
    hloc_shape s;
    parse_shape(p, &s);
    if (p->tok.kind != TK_EOF) parse_expected(p, "end of input after the shape");
    *out = s;
    hloc_status *st = finish(p);
    free(p);
    return st;
}
