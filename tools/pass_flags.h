/* The pass and dump options every compiling command shares (opt, compile, run):
 * --passes, --dump-dir, --dump-passes, --dump-format, --time-passes, --verify-each. */
#ifndef HLOC_TOOLS_PASS_FLAGS_H
#define HLOC_TOOLS_PASS_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"
#include "pass.h"

typedef struct hloc_pass_flags {
    hloc_pass_options opts;
    const char *passes; /* NULL: the default pipeline */
    bool dump_llvm;     /* also dump LLVM IR before/after optimization and assembly (compilers) */
    int dump_seq;
} hloc_pass_flags;

void hloc_pass_flags_init(hloc_pass_flags *f);
/* If argv[*i] is one of the flags (taking its value from "--x=v" or the next argument), applies
 * it, advances *i past it and returns 1; returns 0 if it is not a pass flag, -1 after printing an
 * error to stderr. */
int hloc_pass_flags_parse(hloc_pass_flags *f, int argc, char **argv, int *i);
void hloc_pass_flags_help(FILE *out);
/* Runs the pipeline on |m| with before_optimizations/after_optimizations dumps; prints errors. */
bool hloc_pass_flags_run(hloc_pass_flags *f, hloc_module *m);

#endif
