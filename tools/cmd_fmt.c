/* `hloc fmt FILE`: prints the module as canonical HLO text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hloc/hloc.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc fmt [--verify] FILE\n"
            "\n"
            "Parses FILE (HLO text as XLA prints it; '-' reads stdin) and prints it in canonical\n"
            "form to stdout. The output parses back to an identical module.\n"
            "\n"
            "options:\n"
            "  --verify   also verify the module and fail on errors\n"
            "  --help     show this help\n"
            "\n"
            "Exit status: 0 on success, 1 on a parse or verification error (message on stderr,\n"
            "as file:line:col: error: ...), 2 on bad usage.\n");
}

static int run(int argc, char **argv) {
    const char *path = NULL;
    int verify = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--verify")) verify = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hloc fmt: unknown option '%s'\n", argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "hloc fmt: expected one FILE, got '%s' and '%s'\n", path, argv[i]);
            return 2;
        } else path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "hloc fmt: missing FILE (see 'hloc fmt --help')\n");
        return 2;
    }
    hloc_module *m = hloc_tool_load_module(path);
    if (!m) return 1;
    hloc_status *st = verify ? hloc_module_verify(m) : NULL;
    char *text = NULL;
    if (!st) st = hloc_module_print(m, &text);
    hloc_module_destroy(m);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

const hloc_command hloc_cmd_fmt = {"fmt", "print a module as canonical HLO text", run, help};
