/* `hloc compile MODEL -o MODEL.so [--header H] [--object O] [--name NAME] [--cpu CPU] [-ON]`:
 * ahead-of-time compilation of an HLO module to a shared object with a typed C entry point
 * (include/hloc/abi.h). Parse, verify, optimize (the pass pipeline, with the pass and dump flags
 * shared with `hloc opt`), generate code for the CPU (targets/cpu), then package: link, check
 * NEEDED, write the header from the .so's own metadata (tools/package.c). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/ErrorHandling.h>

#include "aot.h"
#include "commands.h"
#include "cpu.h"
#include "hloc/hloc.h"
#include "ir.h"
#include "pass_flags.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc compile MODEL -o MODEL.so [--header MODEL.h] [--object MODEL.o]\n"
            "                    [--name NAME] [--cpu CPU] [-O0|-O1|-O2|-O3] [pass options]\n"
            "\n"
            "Compiles the HLO module MODEL ahead of time into a shared object that needs only\n"
            "libc and libm. It exports the entry point\n"
            "  void NAME(const T *param..., T *result..., const hloc_run_options *opts)\n"
            "(opts may be NULL), its metadata NAME_metadata, and hloc_module_info() for loaders\n"
            "such as 'hloc run' and 'hloc inspect'.\n"
            "\n"
            "options:\n"
            "  -o FILE            the shared object to write (required)\n"
            "  --header FILE      also write a C header declaring NAME and NAME_metadata, with the\n"
            "                     shapes in comments and a NAME_PARAMi_BYTES / NAME_RESULTi_BYTES\n"
            "                     macro per buffer\n"
            "  --object FILE      also keep the relocatable object file\n"
            "  --name NAME        the entry point's C name (default: the module name, with every\n"
            "                     character that is not a letter, digit or '_' made '_')\n"
            "  --cpu CPU          native (default: this machine), x86-64-v3, znver4, or another\n"
            "                     CPU name that LLVM knows\n"
            "  -O0 ... -O3        LLVM optimization level (default -O2)\n"
            "  --help             show this help\n"
            "\n");
    hloc_pass_flags_help(out);
    fprintf(out,
            "\n"
            "Exit status: 0 on success, 1 on an error (parse or verify errors, an unsupported\n"
            "instruction, a failed link), 2 on bad usage.\n");
}

/* The default entry name: the module name made a C identifier ("jit_f.1" → "jit_f_1"). */
static char *default_name(const hloc_module *m) {
    const char *src = m->name && *m->name ? m->name : "model";
    size_t n = strlen(src);
    char *s = malloc(n + 2);
    if (!s) return NULL;
    char *p = s;
    if (isdigit((unsigned char)src[0])) *p++ = '_';
    for (size_t i = 0; i < n; i++) *p++ = isalnum((unsigned char)src[i]) ? src[i] : '_';
    *p = 0;
    if (!hloc_is_c_identifier(s)) { /* a keyword such as "main" */
        memmove(s + 1, s, strlen(s) + 1);
        s[0] = '_';
    }
    return s;
}

typedef struct compile_args {
    const char *model, *so, *header, *object, *name, *cpu;
    int opt_level;
    hloc_pass_flags passes; /* also holds --dump-dir */
} compile_args;

/* Returns 0, or 2 after printing what is wrong with the command line. */
static int parse_args(int argc, char **argv, compile_args *a) {
    *a = (compile_args){.cpu = "native", .opt_level = 2};
    hloc_pass_flags_init(&a->passes);
    for (int i = 1; i < argc; i++) {
        int pf = hloc_pass_flags_parse(&a->passes, argc, argv, &i);
        if (pf < 0) return 2;
        if (pf > 0) continue;
        const char *arg = argv[i];
        const char **slot = !strcmp(arg, "-o")          ? &a->so
                            : !strcmp(arg, "--header")   ? &a->header
                            : !strcmp(arg, "--object")   ? &a->object
                            : !strcmp(arg, "--name")     ? &a->name
                            : !strcmp(arg, "--cpu")      ? &a->cpu
                                                         : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "hloc compile: %s needs a value\n", arg);
                return 2;
            }
            *slot = argv[++i];
        } else if (arg[0] == '-' && arg[1] == 'O' && arg[2] >= '0' && arg[2] <= '3' && !arg[3]) {
            a->opt_level = arg[2] - '0';
        } else if (arg[0] == '-' && arg[1]) {
            fprintf(stderr, "hloc compile: unknown option '%s' (see 'hloc compile --help')\n", arg);
            return 2;
        } else if (a->model) {
            fprintf(stderr, "hloc compile: more than one MODEL ('%s' and '%s')\n", a->model, arg);
            return 2;
        } else {
            a->model = arg;
        }
    }
    if (!a->model || !a->so) {
        fprintf(stderr, "hloc compile: %s (see 'hloc compile --help')\n",
                !a->model ? "missing MODEL" : "missing -o FILE.so");
        return 2;
    }
    if (a->name && !hloc_is_c_identifier(a->name)) {
        fprintf(stderr, "hloc compile: --name '%s' is not a C identifier\n", a->name);
        return 2;
    }
    return 0;
}

/* mkdir -p: the dump directory is created as XLA's --xla_dump_to does. */
static hloc_status *make_dirs(const char *path) {
    char *p = strdup(path);
    if (!p) return hloc_status_oom();
    hloc_status *st = NULL;
    for (char *q = p + 1;; q++) {
        if (*q && *q != '/') continue;
        char c = *q;
        *q = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            st = hloc_status_new(HLOC_STATUS_IO, "cannot create %s: %s", p, strerror(errno));
        *q = c;
        if (!c || st) break;
    }
    free(p);
    return st;
}

/* LLVM reports some bad input, an unknown --cpu above all, as a fatal error and then aborts.
 * The command turns that into an error exit that says what was asked for. The CPU name is kept
 * here because the handler gets only LLVM's reason. */
static const char *llvm_fatal_cpu;

static void on_llvm_fatal(const char *reason) {
    fprintf(stderr, "hloc compile: LLVM failed: %s (with --cpu %s; is it a CPU that LLVM knows?)\n",
            reason, llvm_fatal_cpu ? llvm_fatal_cpu : "native");
    fflush(stderr);
    _exit(1);
}

static int fail(hloc_status *st) {
    fprintf(stderr, "hloc compile: %s\n", hloc_status_message(st));
    hloc_status_free(st);
    return 1;
}

/* The phases of the whole command after the pass table, so that a slow compile shows where its
 * time goes (HLO passes vs LLVM vs the link). */
typedef struct phase_times {
    hloc_phase_time load, passes, package, total;
    hloc_cpu_timings cpu;
} phase_times;

static void print_phases(const phase_times *t) {
    const struct { const char *name; hloc_phase_time s; } rows[] = {
        {"parse+verify", t->load},       {"hlo passes", t->passes},
        {"codegen (IR)", t->cpu.codegen}, {"llvm verify", t->cpu.verify},
        {"llvm optimize", t->cpu.optimize}, {"llvm object emission", t->cpu.emit},
        {"link+package", t->package},
    };
    fprintf(stderr, "compile phases (total %.3f ms wall, %.3f ms cpu)\n  %-24s %10s %10s %7s\n",
            1e3 * t->total.wall, 1e3 * t->total.cpu, "phase", "wall ms", "cpu ms", "cpu %");
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
        fprintf(stderr, "  %-24s %10.3f %10.3f %6.1f%%\n", rows[k].name, 1e3 * rows[k].s.wall,
                1e3 * rows[k].s.cpu, t->total.cpu > 0 ? 100 * rows[k].s.cpu / t->total.cpu : 0);
}

static int run(int argc, char **argv) {
    phase_times times = {0};
    hloc_phase_time t_start = hloc_phase_clock(), t0;
    compile_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc;
    const char *dump_dir = a.passes.opts.dump_dir;
    if (dump_dir) {
        hloc_status *st = make_dirs(dump_dir);
        if (st) return fail(st);
    }
    hloc_module *m = hloc_tool_load_module(a.model);
    if (!m) return 1;
    hloc_status *st = hloc_module_verify(m);
    hloc_phase_add(&times.load, t_start);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
        hloc_module_destroy(m);
        return 1;
    }
    t0 = hloc_phase_clock();
    if (!hloc_pass_flags_run(&a.passes, m)) {
        hloc_module_destroy(m);
        return 1;
    }
    hloc_phase_add(&times.passes, t0);
    char *name = a.name ? NULL : default_name(m);
    hloc_cpu_options o = {
        .name = a.name ? a.name : name,
        .cpu = a.cpu,
        .opt_level = a.opt_level,
        .dump_dir = a.passes.dump_llvm ? dump_dir : NULL,
        .timings = &times.cpu,
    };
    void *obj = NULL;
    size_t len = 0;
    llvm_fatal_cpu = a.cpu;
    LLVMInstallFatalErrorHandler(on_llvm_fatal);
    st = o.name ? hloc_cpu_compile_object(m, &o, 1, &obj, &len) : hloc_status_oom();
    LLVMResetFatalErrorHandler();
    const char **externs = NULL;
    size_t n_externs = 0;
    if (!st) st = hloc_module_custom_call_targets(m, &externs, &n_externs);
    t0 = hloc_phase_clock();
    if (!st) st = hloc_aot_package(obj, len, a.so, a.header, a.object, externs, n_externs);
    hloc_phase_add(&times.package, t0);
    free(externs);
    hloc_module_destroy(m);
    hloc_phase_add(&times.total, t_start);
    if (!st && a.passes.opts.time_passes) print_phases(&times);
    free(name);
    free(obj);
    return st ? fail(st) : 0;
}

const hloc_command hloc_cmd_compile = {"compile", "compile a module to a shared object and C header",
                                       run, help};
