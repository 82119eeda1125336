/* `hloc verify FILE...`: parses and verifies modules; prints a one-line summary of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hloc/hloc.h"
#include "ir.h"
#include "print.h"
#include "verify.h"

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

/* The file's text, so that errors quote their source line under a caret; NULL if unreadable
 * (the messages then come without it). */
static char *read_text(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    if (!f) return NULL;
    char *text = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1))) {
            *len = fread(text, 1, (size_t)n, f);
            text[*len] = 0;
        }
    }
    fclose(f);
    return text;
}

/* Verifies |m| with diagnostics that quote |path|'s lines; NULL if it is valid. */
static hloc_status *verify_with_source(const hloc_module *m, const char *path) {
    size_t len = 0;
    char *text = read_text(path, &len);
    hloc_diag d;
    hloc_diag_init(&d, path, text, len);
    hloc_verify_module(m, &d);
    hloc_status *st = hloc_diag_to_status(&d, HLOC_STATUS_INVALID_ARGUMENT);
    hloc_diag_free(&d);
    free(text);
    return st;
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
        hloc_status *st = verify_with_source(m, argv[i]);
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
