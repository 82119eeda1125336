/* conformance: runs the corpus cases (tests/data/cases/NAME: model.hlo, xla_opt.hlo, in*.npy,
 * out*.npy, case.json) on a target and compares the outputs with XLA's (compare.h). Prints one
 * line per failing case with its worst element, then "N passed, N failed"; exits 1 on any
 * failure, 2 on bad usage. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "case.h"
#include "compare.h"
#include "hloc/hloc.h"
#include "npy_literal.h"
#include "pass.h"
#include "run_target.h"

typedef struct options {
    const hloc_run_target *target;
    const char *hlo;    /* file name inside each case folder */
    const char *filter; /* substring of case names; NULL = all */
    const char *dir;
    const char *passes; /* pipeline run before the target: "default" or a pass list; NULL = none */
    int threads;        /* cpu targets: threads of the pool (0: HLOC_FLAGS's or one per CPU) */
    bool verbose;
} options;

static void help(FILE *out) {
    fprintf(out,
            "usage: conformance --target TARGET [--hlo model.hlo|xla_opt.hlo] [--filter TEXT]\n"
            "                   [--threads N] [--verbose] [DIR]\n"
            "\n"
            "Runs every case folder of DIR (default: $HLOC_TEST_DATA/cases) on TARGET and compares\n"
            "the outputs with the expected ones: integers and pred exactly; floats by\n"
            "max |got - want| / max(1, max |want|) <= the case's tolerance (bf16 at least 8e-3,\n"
            "f16 at least 1e-3), with NaN and Inf at the same positions. A case folder holds\n"
            "case.json, the HLO files, in0.npy... and out0.npy...; DIR may also be one case folder.\n"
            "\n"
            "options:\n"
            "  --target TARGET  where to run (required):\n");
    for (const hloc_run_target *const *t = hloc_run_targets; *t; t++)
        fprintf(out, "                     %-8s %s\n", (*t)->name, (*t)->summary);
    fprintf(out,
            "  --hlo FILE       the module file of each case: model.hlo (JAX's output, default)\n"
            "                   or xla_opt.hlo (after XLA's optimizations)\n"
            "  --filter TEXT    run only cases whose name contains TEXT\n"
            "  --passes LIST    optimize each module first: 'default' (hloc's pipeline) or a\n"
            "                   comma-separated pass list; every pass is verified\n"
            "  --threads N      run the cpu targets on a pool of N threads (it is passed on as\n"
            "                   HLOC_FLAGS --threads=N, as the JIT C API reads it; the default\n"
            "                   is HLOC_FLAGS's, else one thread per CPU)\n"
            "  --verbose        also print passing cases with their error and time\n"
            "  --help           show this help\n"
            "\n"
            "Exit status: 0 if every case passes, 1 if any fails, 2 on bad usage.\n");
}

static void take_message(hloc_status *st, char *msg, size_t cap) {
    snprintf(msg, cap, "%s", hloc_status_message(st));
    hloc_status_free(st);
}

/* Runs the pass pipeline |passes| ("default" or a pass list) with verification after each pass. */
static hloc_status *optimize(hloc_module *m, const char *passes) {
    hloc_pipeline *p = NULL;
    if (!strcmp(passes, "default")) {
        if (!(p = hloc_pipeline_default())) return hloc_status_oom();
    } else {
        HLOC_RETURN_IF_ERROR(hloc_pipeline_parse("conformance", passes, &p));
    }
    hloc_pass_options po = hloc_pass_options_default();
    po.verify_each = true;
    hloc_status *st = hloc_pipeline_run(p, m, &po, NULL);
    hloc_pipeline_destroy(p);
    return st;
}

/* Runs one case; returns true if it passed. On failure |msg| says why (one line, though a parse
 * error message may carry its source line and caret). On success |msg| has the worst error. */
static bool run_case(const options *o, const char *case_dir, char *msg, size_t cap) {
    char path[4096];
    hloc_arena *arena = hloc_arena_create();
    hloc_module *m = NULL;
    hloc_npy_array npy = {0};
    bool ok = false;
    if (!arena) {
        snprintf(msg, cap, "out of memory");
        return false;
    }
    conf_case c;
    snprintf(path, sizeof path, "%s/case.json", case_dir);
    hloc_status *st = conf_case_load(arena, path, &c);
    if (st) goto failed;
    snprintf(path, sizeof path, "%s/%s", case_dir, o->hlo);
    st = hloc_module_parse_file(path, &m);
    if (!st && o->passes) st = optimize(m, o->passes);
    if (st) goto failed;
    const hloc_computation *entry = m->entry;
    if (c.n_inputs != entry->n_params) {
        snprintf(msg, cap, "case.json lists %u inputs but the entry computation has %u parameters",
                 c.n_inputs, entry->n_params);
        goto done;
    }
    const hloc_literal **args = HLOC_ARENA_ARRAY(arena, const hloc_literal *, c.n_inputs + 1);
    if (!args) {
        st = hloc_status_oom();
        goto failed;
    }
    for (uint32_t i = 0; i < c.n_inputs; i++) {
        snprintf(path, sizeof path, "%s/%s", case_dir, c.inputs[i].file);
        st = hloc_npy_read(path, &npy);
        if (st) goto failed;
        char what[300];
        snprintf(what, sizeof what, "%s (parameter %u '%s')", c.inputs[i].file, i,
                 entry->params[i]->name);
        hloc_literal *l;
        st = hloc_literal_from_npy(arena, &npy, &entry->params[i]->shape, what, &l);
        hloc_npy_free(&npy);
        if (st) goto failed;
        args[i] = l;
    }
    hloc_literal *result;
    st = o->target->run(m, args, c.n_inputs, arena, &result);
    if (st) goto failed;
    uint32_t n_leaves = hloc_literal_leaves(result, NULL, 0);
    if (n_leaves != c.n_outputs) {
        snprintf(msg, cap, "the result has %u array leaves, case.json lists %u outputs", n_leaves,
                 c.n_outputs);
        goto done;
    }
    const hloc_literal **leaves = HLOC_ARENA_ARRAY(arena, const hloc_literal *, n_leaves + 1);
    if (!leaves) {
        st = hloc_status_oom();
        goto failed;
    }
    hloc_literal_leaves(result, leaves, n_leaves);
    uint32_t n_bad = 0;
    double worst_err = 0;
    for (uint32_t i = 0; i < c.n_outputs; i++) {
        const conf_array_spec *spec = &c.outputs[i];
        snprintf(path, sizeof path, "%s/%s", case_dir, spec->file);
        st = hloc_npy_read(path, &npy);
        if (st) goto failed;
        hloc_literal *want;
        st = hloc_literal_from_npy(arena, &npy, &spec->shape, spec->file, &want);
        hloc_npy_free(&npy);
        if (st) goto failed;
        conf_compare r;
        if (conf_compare_arrays(leaves[i], want, c.tolerance, &r)) {
            if (r.err > worst_err && hloc_type_is_float(want->shape.type)) worst_err = r.err;
            continue;
        }
        if (n_bad++ == 0) {
            char desc[1024], shape[200];
            snprintf(msg, cap, "%s %s: %s", spec->file,
                     hloc_shape_describe(&want->shape, shape, sizeof shape),
                     conf_compare_describe(leaves[i], want, &r, desc, sizeof desc));
        }
    }
    if (n_bad > 1) {
        size_t len = strlen(msg);
        snprintf(msg + len, cap - len, " (and %u more output%s)", n_bad - 1, n_bad > 2 ? "s" : "");
    }
    ok = n_bad == 0;
    if (ok) snprintf(msg, cap, "max error %.2e", worst_err);
    goto done;
failed:
    take_message(st, msg, cap);
done:
    hloc_npy_free(&npy);
    hloc_module_destroy(m);
    hloc_arena_destroy(arena);
    return ok;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_case_json(const char *dir) {
    char path[4096];
    struct stat sb;
    if ((size_t)snprintf(path, sizeof path, "%s/case.json", dir) >= sizeof path) return false;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The case folders of |dir| in name order (|dir| itself if it is one); NULL-terminated, heap. */
static char **list_cases(const char *dir) {
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    if (!names) return NULL;
    if (has_case_json(dir)) {
        names[n++] = strdup(dir);
        names[n] = NULL;
        return names;
    }
    DIR *d = opendir(dir);
    if (!d) {
        free(names);
        return NULL;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            !has_case_json(path))
            continue;
        if (n + 2 > cap) {
            char **bigger = realloc(names, (cap *= 2) * sizeof *names);
            if (!bigger) break;
            names = bigger;
        }
        names[n++] = strdup(path);
    }
    closedir(d);
    names[n] = NULL;
    qsort(names, n, sizeof *names, compare_names);
    return names;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int parse_args(int argc, char **argv, options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            exit(0);
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = true;
        } else if (!strcmp(a, "--target") || !strcmp(a, "--hlo") || !strcmp(a, "--filter") ||
                   !strcmp(a, "--passes") || !strcmp(a, "--threads")) {
            if (!has_value) {
                fprintf(stderr, "conformance: %s needs a value\n", a);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--target")) {
                o->target = hloc_run_target_find(v);
                if (!o->target) {
                    fprintf(stderr, "conformance: unknown target '%s'; built in:", v);
                    for (const hloc_run_target *const *t = hloc_run_targets; *t; t++)
                        fprintf(stderr, " %s", (*t)->name);
                    fprintf(stderr, "\n");
                    return 2;
                }
            } else if (!strcmp(a, "--hlo")) {
                if (strcmp(v, "model.hlo") && strcmp(v, "xla_opt.hlo")) {
                    fprintf(stderr, "conformance: --hlo takes model.hlo or xla_opt.hlo, not '%s'\n",
                            v);
                    return 2;
                }
                o->hlo = v;
            } else if (!strcmp(a, "--passes")) {
                o->passes = v;
            } else if (!strcmp(a, "--threads")) {
                char *end;
                long n = strtol(v, &end, 10);
                if (end == v || *end || n < 1 || n > 1024) {
                    fprintf(stderr, "conformance: --threads takes a number from 1 to 1024, not '%s'\n", v);
                    return 2;
                }
                o->threads = (int)n;
            } else {
                o->filter = v;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "conformance: unknown option '%s' (see --help)\n", a);
            return 2;
        } else if (o->dir) {
            fprintf(stderr, "conformance: expected one DIR, got '%s' and '%s'\n", o->dir, a);
            return 2;
        } else {
            o->dir = a;
        }
    }
    if (!o->target) {
        fprintf(stderr, "conformance: missing --target (see --help)\n");
        return 2;
    }
    return 0;
}

/* The cpu targets read their thread count where the JIT C API does, from HLOC_FLAGS; a later
 * --threads there overrides an earlier one. */
static bool set_threads(int n) {
    const char *old = getenv("HLOC_FLAGS");
    char flags[4096];
    if ((size_t)snprintf(flags, sizeof flags, "%s --threads=%d", old ? old : "", n) >= sizeof flags)
        return false;
    return setenv("HLOC_FLAGS", flags, 1) == 0;
}

int main(int argc, char **argv) {
    options o = {.hlo = "model.hlo"};
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc;
    if (o.threads && !set_threads(o.threads)) {
        fprintf(stderr, "conformance: cannot pass --threads on through HLOC_FLAGS\n");
        return 2;
    }
    char default_dir[4096];
    if (!o.dir) {
        const char *data = getenv("HLOC_TEST_DATA");
        if (!data || !*data) {
            fprintf(stderr, "conformance: no DIR given and HLOC_TEST_DATA is not set\n");
            return 2;
        }
        snprintf(default_dir, sizeof default_dir, "%s/cases", data);
        o.dir = default_dir;
    }
    char **cases = list_cases(o.dir);
    if (!cases) {
        fprintf(stderr, "conformance: cannot read the case folders of '%s'\n", o.dir);
        return 2;
    }
    int passed = 0, failed = 0;
    for (char **c = cases; *c; c++) {
        const char *name = base_name(*c);
        if (o.filter && !strstr(name, o.filter)) continue;
        char msg[4096];
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        bool ok = run_case(&o, *c, msg, sizeof msg);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        if (ok) {
            passed++;
            if (o.verbose) printf("ok   %s (%s): %s, %.2fs\n", name, o.hlo, msg, secs);
        } else {
            failed++;
            printf("FAIL %s (%s): %s\n", name, o.hlo, msg);
        }
        fflush(stdout);
    }
    for (char **c = cases; *c; c++) free(*c);
    free(cases);
    printf("%d passed, %d failed\n", passed, failed);
    if (passed + failed == 0) {
        fprintf(stderr, "conformance: no case matched in '%s'\n", o.dir);
        return 1;
    }
    return failed ? 1 : 0;
}
