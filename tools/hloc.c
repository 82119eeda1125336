/* hloc: the command line. Dispatches `hloc COMMAND ...` to the table of tools/commands.h. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* Commands join this table as the libraries they need land (fmt/verify need the parser,
 * printer and verifier). */
static const hloc_command *const commands[] = {
    &hloc_cmd_fmt,
    &hloc_cmd_verify,
    &hloc_cmd_opt,
    &hloc_cmd_compile,
    &hloc_cmd_inspect,
    &hloc_cmd_run,
    NULL,
};

static void usage(FILE *out) {
    fprintf(out,
            "usage: hloc COMMAND [OPTIONS] ...\n"
            "\n"
            "hloc is an ahead-of-time compiler for XLA's HLO: it reads the HLO text that JAX and\n"
            "XLA print, checks it, evaluates it and compiles it to native code.\n"
            "\n"
            "commands:\n");
    for (const hloc_command *const *c = commands; *c; c++)
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    fprintf(out, "\nRun 'hloc COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hloc 0.1.0\n");
        return 0;
    }
    for (const hloc_command *const *c = commands; *c; c++) {
        if (strcmp((*c)->name, argv[1])) continue;
        for (int i = 2; i < argc; i++) {
            if (!strcmp(argv[i], "--")) break;
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                (*c)->help(stdout);
                return 0;
            }
        }
        return (*c)->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hloc: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
