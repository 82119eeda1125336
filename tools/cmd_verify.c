/* `hloc verify FILE...`: parses and verifies modules; prints a one-line summary of each. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hloc/hloc.h"
#include "ir.h"
#include "print.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc verify [--quiet] FILE...\n"
            "\n"
            "Parses and verifies each FILE: shapes against shape inference, operand types and\n"
            "counts, called computation signatures, unique names. Prints every error as\n"
            "file:line:col: error: ... (with the source line), or, for a valid module, a summary:\n"
            "its name, computations, instructions and entry signature.\n"
            "\n"
            "options:\n"
            "  --quiet    print nothing for valid modules\n"
            "  --help     show this help\n"
            "\n"
            "Exit status: 0 if every module is valid, 1 otherwise, 2 on bad usage.\n");
}

static void summary(const char *path, const hloc_module *m) {
    uint32_t n_instrs = 0;
    for (uint32_t c = 0; c < m->n_comps; c++) n_instrs += m->comps[c]->n_instrs;
    hloc_strbuf b = {0};
    const hloc_computation *e = m->entry;
    hloc_strbuf_putc(&b, '(');
    for (uint32_t p = 0; p < e->n_params; p++) {
        if (p) hloc_strbuf_puts(&b, ", ");
        if (e->params[p]) hloc_print_shape_no_layout(&b, &e->params[p]->shape);
    }
    hloc_strbuf_puts(&b, ") -> ");
    if (e->root) hloc_print_shape_no_layout(&b, &e->root->shape);
    printf("%s: ok: module %s, %u computations, %u instructions, entry %s %s\n", path, m->name,
           m->n_comps, n_instrs, e->name, b.data ? b.data : "");
    hloc_strbuf_free(&b);
}

static int run(int argc, char **argv) {
    int quiet = 0, n_files = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quiet")) quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hloc verify: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) continue;
        n_files++;
        hloc_module *m = hloc_tool_load_module(argv[i]);
        if (!m) {
            failed = 1;
            continue;
        }
        hloc_status *st = hloc_module_verify(m);
        if (st) {
            fprintf(stderr, "%s\n", hloc_status_message(st));
            hloc_status_free(st);
            failed = 1;
        } else if (!quiet) {
            summary(argv[i], m);
        }
        hloc_module_destroy(m);
    }
    if (!n_files) {
        fprintf(stderr, "hloc verify: missing FILE (see 'hloc verify --help')\n");
        return 2;
    }
    return failed;
}

const hloc_command hloc_cmd_verify = {"verify", "parse and verify modules", run, help};
