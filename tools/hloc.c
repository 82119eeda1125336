/* hloc: the command line. Dispatches `hloc COMMAND ...` to the command table below. */
#include <stdio.h>
#include <string.h>

#include "hloc/hloc.h"

typedef struct command {
    const char *name, *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(FILE *out);
} command;

static const command commands[] = {
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *out) {
    fprintf(out,
            "usage: hloc COMMAND [OPTIONS] ...\n"
            "\n"
            "hloc is an ahead-of-time compiler for XLA's HLO.\n"
            "\n"
            "commands:\n");
    for (const command *c = commands; c->name; c++) fprintf(out, "  %-10s %s\n", c->name, c->summary);
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
    for (const command *c = commands; c->name; c++) {
        if (strcmp(c->name, argv[1])) continue;
        for (int i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
                c->help(stdout);
                return 0;
            }
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "hloc: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
