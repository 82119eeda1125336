/* The subcommands of the hloc command line; each lives in its own tools/cmd_*.c file. */
#ifndef HLOC_TOOLS_COMMANDS_H
#define HLOC_TOOLS_COMMANDS_H

#include <stdio.h>

typedef struct hloc_command {
    const char *name, *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name; returns the exit status */
    void (*help)(FILE *out);
} hloc_command;

extern const hloc_command hloc_cmd_fmt;
extern const hloc_command hloc_cmd_verify;
extern const hloc_command hloc_cmd_opt;
extern const hloc_command hloc_cmd_inspect;
extern const hloc_command hloc_cmd_run;
extern const hloc_command hloc_cmd_compile;

/* Reads and parses |path| ("-" = stdin); prints the error to stderr and returns NULL on failure. */
struct hloc_module *hloc_tool_load_module(const char *path);

#endif
