/* `hloc inspect MODEL.so...`: prints what a compiled module declares about itself (its metadata,
 * read through the runtime's loader with all of its checks) and the shared libraries it needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot.h"
#include "commands.h"
#include "cpu_features.h"
#include "hloc/runtime.h"
#include "metadata.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc inspect MODEL.so...\n"
            "\n"
            "Loads each shared object that 'hloc compile' produced and prints its metadata: module\n"
            "name, target, the CPU features its code may use (and which of them this CPU lacks),\n"
            "parameters and results (element type, shape, layout, bytes), the scratch it needs,\n"
            "and its NEEDED libraries (only libc/libm for an hloc module).\n"
            "\n"
            "Exit status: 0 if every file is an hloc module, 1 otherwise, 2 on bad usage.\n");
}

static void print_buffers(const char *title, const hloc_buffer_desc *d, uint32_t n) {
    printf("  %s: %u\n", title, n);
    char shape[256];
    for (uint32_t i = 0; i < n; i++)
        printf("    %-3u %-24s %-24s %llu bytes\n", i, d[i].name ? d[i].name : "",
               hloc_buffer_desc_format(&d[i], shape, sizeof shape),
               (unsigned long long)d[i].bytes);
}

/* What the code may use, and whether this machine has it: `hloc run` refuses the module here if
 * not, and a program that calls the entry itself would fault. */
static void print_cpu(const hloc_module_metadata *md) {
    if (md->version < 3) {
        printf("  cpu features: not recorded (ABI version %u; loaders run it unchecked)\n",
               md->version);
        return;
    }
    const char *f = hloc_rt_metadata_cpu_features(md);
    printf("  cpu features: %s\n", *f ? f : "(none recorded)");
    if (!*f) return;
    char lacks[1024];
    size_t n = hloc_rt_cpu_lacks(f, lacks, sizeof lacks);
    if (n) printf("  this CPU: lacks %s (cannot run it)\n", lacks);
    else printf("  this CPU: has every feature of these that the runtime checks\n");
}

static int inspect(const char *path) {
    hloc_executable *e = NULL;
    hloc_status *st = hloc_executable_load_metadata_only(path, &e);
    if (st) {
        fprintf(stderr, "hloc inspect: %s\n", hloc_status_message(st));
        hloc_status_free(st);
        return 1;
    }
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    printf("%s: hloc module '%s' (ABI version %u)\n", path, md->name ? md->name : "",
           md->version);
    printf("  target: %s\n", md->target ? md->target : "(unknown)");
    print_cpu(md);
    printf("  entry: %s(%u parameters, %u results, options)\n", md->name ? md->name : "",
           md->n_params, md->n_results);
    print_buffers("parameters", md->params, md->n_params);
    print_buffers("results", md->results, md->n_results);
    for (uint32_t k = 0; k < md->n_aliases; k++) {
        const hloc_alias_desc *a = &md->aliases[k];
        printf("  alias: result %u (%s) may take the buffer of parameter %u (%s)%s\n", a->result,
               md->results[a->result].name ? md->results[a->result].name : "", a->param,
               md->params[a->param].name ? md->params[a->param].name : "",
               a->must_alias ? ", must-alias" : "");
    }
    printf("  scratch: %llu bytes\n", (unsigned long long)md->scratch_bytes);
    hloc_executable_unload(e);

    char **needed;
    size_t n;
    st = hloc_elf_needed(path, &needed, &n);
    if (st) {
        fprintf(stderr, "hloc inspect: %s\n", hloc_status_message(st));
        hloc_status_free(st);
        return 1;
    }
    printf("  needs:");
    for (size_t i = 0; i < n; i++) printf("%s %s", i ? "," : "", needed[i]);
    printf("%s\n", n ? "" : " nothing");
    free(needed);
    return 0;
}

static int run(int argc, char **argv) {
    int n_files = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            fprintf(stderr, "hloc inspect: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    for (int i = 1; i < argc; i++) {
        n_files++;
        failed |= inspect(argv[i]);
    }
    if (!n_files) {
        fprintf(stderr, "hloc inspect: missing MODEL.so (see 'hloc inspect --help')\n");
        return 2;
    }
    return failed;
}

const hloc_command hloc_cmd_inspect = {"inspect", "print a compiled module's metadata", run, help};
