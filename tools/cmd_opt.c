/* `hloc opt FILE`: runs a pass pipeline and prints the optimized module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hloc/hloc.h"
#include "pass_flags.h"
#include "print.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc opt [OPTIONS] FILE\n"
            "\n"
            "Parses and verifies FILE, runs hloc's optimization pipeline (or the passes given with\n"
            "--passes) and prints the resulting module as HLO text to stdout.\n"
            "\n"
            "options:\n"
            "  --no-metadata         leave metadata={...} out of the printed module\n"
            "  --help                show this help\n");
    hloc_pass_flags_help(out);
    fprintf(out, "\nExit status: 0 on success, 1 on an error in the input or a pass, 2 on bad usage.\n");
}

static int run(int argc, char **argv) {
    hloc_pass_flags flags;
    hloc_pass_flags_init(&flags);
    const char *path = NULL;
    bool metadata = true;
    for (int i = 1; i < argc; i++) {
        int r = hloc_pass_flags_parse(&flags, argc, argv, &i);
        if (r < 0) return 2;
        if (r > 0) continue;
        if (!strcmp(argv[i], "--no-metadata")) metadata = false;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "hloc opt: unknown option '%s' (see 'hloc opt --help')\n", argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "hloc opt: expected one FILE, got '%s' and '%s'\n", path, argv[i]);
            return 2;
        } else path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "hloc opt: missing FILE (see 'hloc opt --help')\n");
        return 2;
    }
    hloc_module *m = hloc_tool_load_module(path);
    if (!m) return 1;
    hloc_status *st = hloc_module_verify(m);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
        hloc_module_destroy(m);
        return 1;
    }
    if (!hloc_pass_flags_run(&flags, m)) {
        hloc_module_destroy(m);
        return 1;
    }
    hloc_print_options po = hloc_print_options_default();
    po.print_metadata = metadata;
    hloc_strbuf b = {0};
    hloc_print_module(&b, m, &po);
    hloc_module_destroy(m);
    char *text = hloc_strbuf_take(&b);
    if (!text) {
        fprintf(stderr, "hloc opt: out of memory\n");
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

const hloc_command hloc_cmd_opt = {"opt", "run the optimization pipeline and print the result", run, help};
