/* `hloc run MODEL --target T --input a.npy ... --output-dir DIR`: runs a module's entry computation
 * (HLO text, or a .so from `hloc compile`) on .npy inputs (or random ones) and writes each leaf of
 * the result as DIR/outN.npy. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "hloc/hloc.h"
#include "ir.h"
#include "npy_literal.h"
#include "pass.h"
#include "hloc/jit.h"
#include "hloc/runtime.h"
#include "run_exec.h"
#include "run_target.h"

static void help(FILE *out) {
    fprintf(out,
            "usage: hloc run MODEL [--target TARGET] (--input FILE... | --random [--seed N])\n"
            "                --output-dir DIR [--repeat N]\n"
            "\n"
            "Runs the entry computation of MODEL and writes the leaves of its result, flattened\n"
            "depth-first (nested tuples included), as DIR/out0.npy, DIR/out1.npy, ...\n"
            "Every output is written as .npy in C order. Types .npy has no dtype for are\n"
            "written exactly in a wider one, as the JAX corpus stores bf16: bf16, f8* and f4\n"
            "as float32, s2/s4 as int8, u2/u4 as uint8. MODEL is HLO text, or a MODEL.so that\n"
            "'hloc compile' wrote: that runs through the runtime on a thread pool (HLOC_FLAGS\n"
            "--threads=N; default one per CPU), and --target does not apply.\n"
            "\n"
            "options:\n"
            "  --target TARGET    where to run; built in:\n");
    for (const hloc_run_target *const *t = hloc_run_targets; *t; t++)
        fprintf(out, "                       %-8s %s%s\n", (*t)->name, (*t)->summary,
                t == hloc_run_targets ? " (default)" : "");
    fprintf(out,
            "  --input FILE, -i FILE\n"
            "                     a .npy file for the next parameter, in parameter order; a\n"
            "                     tuple-shaped parameter takes one file per leaf. The dtype and\n"
            "                     shape must be the parameter's; bf16, f8* and f4 parameters\n"
            "                     also take float32 files (rounded to nearest even, as XLA's\n"
            "                     convert), s2/s4 int8 and u2/u4 uint8 files (range-checked)\n"
            "  --random           make the inputs instead: floats and complex parts standard\n"
            "                     normal, signed integers uniform in [-8, 8], unsigned in\n"
            "                     [0, 16], pred 0/1; they are written as DIR/in0.npy, ... so the\n"
            "                     run can be repeated with --input\n"
            "  --seed N           seed of --random (default 0); the same seed gives the same inputs\n"
            "  --output-dir DIR, -o DIR\n"
            "                     where to write the outputs (created if missing)\n"
            "  --no-passes        run MODEL as written; by default a cpu target first runs the\n"
            "                     default pass pipeline, as 'hloc compile' and the JIT API do\n"
            "                     (interp always runs it as written: it is the reference)\n"
            "  --repeat N         run N times (compiled once) on the same inputs and print each\n"
            "                     run's time ('run K: T ms') and a summary line\n"
            "                     ('time: N runs, min A ms, median B ms, max C ms'); for cpu\n"
            "                     targets and .so files a run is the entry call alone, for\n"
            "                     interp the whole evaluation. The outputs are the last run's\n"
            "  --help             show this help\n"
            "\n"
            "Exit status: 0 on success, 1 on an error (a parse error, a wrong input count, dtype or\n"
            "shape, a failure of the target, an I/O error), 2 on bad usage.\n");
}

typedef struct run_args {
    const char *model, *out_dir;
    const hloc_run_target *target;
    const char **inputs;
    uint32_t n_inputs;
    bool random;
    uint64_t seed;
    uint32_t repeat;   /* runs; 1 unless --repeat */
    bool no_passes;
    bool timed;        /* --repeat given: print the times */
} run_args;

/* ---- random inputs -------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *state) { /* in (0, 1] so that log() is finite */
    return ((double)(splitmix64(state) >> 11) + 1.0) * 0x1.0p-53;
}

static double normal(uint64_t *state) { /* Box-Muller */
    double u = uniform01(state), v = uniform01(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static void fill_random(hloc_literal *l, uint64_t *state) {
    hloc_type t = l->shape.type;
    int64_t n = hloc_shape_elements(&l->shape);
    for (int64_t i = 0; i < n; i++) {
        void *p = hloc_literal_at(l, i);
        if (hloc_type_is_complex(t)) {
            double re = normal(state);
            hloc_elem_store_c128(t, p, re, normal(state));
        } else if (hloc_type_is_float(t)) {
            hloc_elem_store_f64(t, p, normal(state));
        } else if (t == HLOC_TYPE_PRED) {
            hloc_elem_store_i64(t, p, (int64_t)(splitmix64(state) & 1));
        } else if (hloc_type_is_signed_int(t)) {
            hloc_elem_store_i64(t, p, (int64_t)(splitmix64(state) % 17) - 8);
        } else {
            hloc_elem_store_i64(t, p, (int64_t)(splitmix64(state) % 17));
        }
    }
}

/* ---- inputs --------------------------------------------------------------------------------- */

typedef struct input_ctx {
    const run_args *args;
    hloc_arena *arena;
    uint32_t next;   /* next --input file, or next in%u.npy to write */
    uint64_t rng;
    const char *param_name;
    uint32_t param;
} input_ctx;

static uint32_t count_leaves(const hloc_shape *s) {
    if (s->type == HLOC_TYPE_TUPLE) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < s->n_elems; i++) n += count_leaves(&s->elems[i]);
        return n;
    }
    return hloc_shape_is_array(s) ? 1 : 0;
}

static hloc_status *write_leaf(const hloc_literal *l, const char *dir, const char *prefix,
                               uint32_t k) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%u.npy", dir, prefix, k);
    hloc_npy_array a;
    hloc_status *st = hloc_literal_to_npy(l, &a);
    if (st) {
        hloc_status *named = hloc_status_new(hloc_status_code_of(st), "%s: %s", path,
                                             hloc_status_message(st));
        hloc_status_free(st);
        return named;
    }
    st = hloc_npy_write(path, &a);
    hloc_npy_free(&a);
    return st;
}

/* Fills literal |l| (already shaped like the parameter or one of its tuple elements) from the
 * next input files, or randomly. */
static hloc_status *fill_input(input_ctx *c, hloc_literal *l) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < l->n_elems; i++) HLOC_RETURN_IF_ERROR(fill_input(c, &l->elems[i]));
        return NULL;
    }
    if (!hloc_shape_is_array(&l->shape)) return NULL; /* tokens carry no data */
    if (c->args->random) {
        fill_random(l, &c->rng);
        return write_leaf(l, c->args->out_dir, "in", c->next++);
    }
    const char *file = c->args->inputs[c->next++];
    hloc_npy_array a;
    HLOC_RETURN_IF_ERROR(hloc_npy_read(file, &a));
    char what[4200];
    snprintf(what, sizeof what, "--input %s (parameter %u '%s')", file, c->param, c->param_name);
    hloc_literal *from;
    hloc_status *st = hloc_literal_from_npy(c->arena, &a, &l->shape, what, &from);
    hloc_npy_free(&a);
    if (st) return st;
    *l = *from;
    return NULL;
}

/* What inputs a run needs: an HLO entry computation's parameters, or a compiled .so's. */
typedef struct signature {
    const char *name;
    uint32_t n;
    const hloc_shape *const *shapes;
    const char *const *names;
} signature;

static hloc_status *make_inputs(const run_args *args, const signature *sig, hloc_arena *arena,
                                const hloc_literal ***out) {
    uint32_t need = 0;
    for (uint32_t p = 0; p < sig->n; p++) need += count_leaves(sig->shapes[p]);
    if (!args->random && need != args->n_inputs) {
        hloc_strbuf b = {0};
        for (uint32_t p = 0; p < sig->n; p++) {
            char shape[256];
            hloc_strbuf_printf(&b, "%s%s: %s", p ? ", " : "", sig->names[p],
                               hloc_shape_describe(sig->shapes[p], shape, sizeof shape));
        }
        hloc_status *st = hloc_status_new(
            HLOC_STATUS_INVALID_ARGUMENT,
            "%s: the entry computation '%s' takes %u input array%s (%s), got %u --input file%s",
            args->model, sig->name, need, need == 1 ? "" : "s", b.data ? b.data : "",
            args->n_inputs, args->n_inputs == 1 ? "" : "s");
        hloc_strbuf_free(&b);
        return st;
    }
    const hloc_literal **lits = HLOC_ARENA_ARRAY(arena, const hloc_literal *, sig->n + 1);
    if (!lits) return hloc_status_oom();
    input_ctx c = {.args = args, .arena = arena, .rng = args->seed};
    for (uint32_t p = 0; p < sig->n; p++) {
        hloc_literal *l = hloc_literal_create(arena, sig->shapes[p]);
        if (!l) return hloc_status_oom();
        c.param = p;
        c.param_name = sig->names[p];
        HLOC_RETURN_IF_ERROR(fill_input(&c, l));
        lits[p] = l;
    }
    *out = lits;
    return NULL;
}

static hloc_status *entry_signature(const hloc_computation *entry, hloc_arena *arena,
                                    signature *sig) {
    const hloc_shape **shapes = HLOC_ARENA_ARRAY(arena, const hloc_shape *, entry->n_params + 1);
    const char **names = HLOC_ARENA_ARRAY(arena, const char *, entry->n_params + 1);
    if (!shapes || !names) return hloc_status_oom();
    for (uint32_t p = 0; p < entry->n_params; p++) {
        shapes[p] = &entry->params[p]->shape;
        names[p] = entry->params[p]->name;
    }
    *sig = (signature){entry->name, entry->n_params, shapes, names};
    return NULL;
}

/* ---- the command ---------------------------------------------------------------------------- */

static hloc_status *make_dir(const char *dir) {
    if (mkdir(dir, 0777) == 0) return NULL;
    struct stat sb;
    if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) return NULL;
    return hloc_status_new(HLOC_STATUS_IO, "%s: cannot create the output directory: %s", dir,
                           strerror(errno == EEXIST ? ENOTDIR : errno));
}

static hloc_status *write_outputs(const run_args *args, const hloc_literal *result,
                                  hloc_arena *arena) {
    uint32_t n = hloc_literal_leaves(result, NULL, 0);
    const hloc_literal **leaves = HLOC_ARENA_ARRAY(arena, const hloc_literal *, n + 1);
    if (!leaves) return hloc_status_oom();
    hloc_literal_leaves(result, leaves, n);
    for (uint32_t k = 0; k < n; k++) {
        HLOC_RETURN_IF_ERROR(write_leaf(leaves[k], args->out_dir, "out", k));
        char shape[256];
        printf("%s/out%u.npy: %s\n", args->out_dir, k,
               hloc_shape_describe(&leaves[k]->shape, shape, sizeof shape));
    }
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One line per run, then min/median/max (the median of an even count is the mean of the middle
 * two). */
static void print_times(double *sec, uint32_t n) {
    for (uint32_t k = 0; k < n; k++) printf("run %u: %.3f ms\n", k + 1, 1e3 * sec[k]);
    qsort(sec, n, sizeof *sec, by_value);
    double med = n % 2 ? sec[n / 2] : 0.5 * (sec[n / 2 - 1] + sec[n / 2]);
    printf("time: %u run%s, min %.3f ms, median %.3f ms, max %.3f ms\n", n, n == 1 ? "" : "s",
           1e3 * sec[0], 1e3 * med, 1e3 * sec[n - 1]);
}

static hloc_status *execute(const run_args *args, hloc_module *m, hloc_arena *arena) {
    HLOC_RETURN_IF_ERROR(make_dir(args->out_dir));
    if (!args->no_passes && strcmp(args->target->name, "interp") != 0) {
        hloc_pipeline *p = hloc_pipeline_default();
        if (!p) return hloc_status_oom();
        hloc_status *st = hloc_pipeline_run(p, m, NULL, NULL);
        hloc_pipeline_destroy(p);
        HLOC_RETURN_IF_ERROR(st);
    }
    signature sig;
    HLOC_RETURN_IF_ERROR(entry_signature(m->entry, arena, &sig));
    const hloc_literal **inputs = NULL;
    HLOC_RETURN_IF_ERROR(make_inputs(args, &sig, arena, &inputs));
    hloc_literal *result = NULL;
    double *sec = HLOC_ARENA_ARRAY(arena, double, args->repeat);
    if (!sec) return hloc_status_oom();
    if (args->target->run_timed) {
        HLOC_RETURN_IF_ERROR(args->target->run_timed(m, inputs, m->entry->n_params, args->repeat, sec,
                                                     arena, &result));
    } else {
        for (uint32_t k = 0; k < args->repeat; k++) {
            double t0 = now();
            HLOC_RETURN_IF_ERROR(args->target->run(m, inputs, m->entry->n_params, arena, &result));
            sec[k] = now() - t0;
        }
    }
    HLOC_RETURN_IF_ERROR(write_outputs(args, result, arena));
    if (args->timed) print_times(sec, args->repeat);
    return NULL;
}

/* MODEL.so, as `hloc compile` writes it: its metadata gives the parameters; it runs through the
 * runtime on a thread pool (HLOC_FLAGS --threads=N, default one per CPU). */
static hloc_status *execute_so(const run_args *args, hloc_arena *arena) {
    HLOC_RETURN_IF_ERROR(make_dir(args->out_dir));
    hloc_executable *e = NULL;
    HLOC_RETURN_IF_ERROR(hloc_executable_load(args->model, &e));
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    hloc_shape *shapes = NULL;
    uint32_t n = 0;
    hloc_thread_pool *pool = NULL;
    hloc_jit_options jo;
    hloc_status *st = hloc_executable_param_shapes(e, arena, &shapes, &n);
    const hloc_shape **sp = HLOC_ARENA_ARRAY(arena, const hloc_shape *, n + 1);
    const char **names = HLOC_ARENA_ARRAY(arena, const char *, n + 1);
    if (!st && (!sp || !names)) st = hloc_status_oom();
    for (uint32_t p = 0; !st && p < n; p++) {
        sp[p] = &shapes[p];
        names[p] = md->params[p].name ? md->params[p].name : "";
    }
    signature sig = {md->name ? md->name : "", n, sp, names};
    const hloc_literal **inputs = NULL;
    if (!st) st = make_inputs(args, &sig, arena, &inputs);
    if (!st) st = hloc_jit_options_init(&jo);
    if (!st) st = hloc_thread_pool_create(jo.threads, &pool);
    hloc_literal *result = NULL;
    double *sec = HLOC_ARENA_ARRAY(arena, double, args->repeat);
    if (!st && !sec) st = hloc_status_oom();
    if (!st) {
        hloc_run_options o;
        hloc_run_options_init(&o, pool);
        st = hloc_run_executable_timed(e, inputs, n, NULL, &o, args->repeat, sec, arena, &result);
    }
    if (!st) st = write_outputs(args, result, arena);
    if (!st && args->timed) print_times(sec, args->repeat);
    hloc_thread_pool_destroy(pool);
    hloc_executable_unload(e);
    return st;
}

static bool is_shared_object(const char *path) {
    size_t n = strlen(path);
    return n > 3 && !strcmp(path + n - 3, ".so");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "hloc run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'hloc run --help')\n");
    return 2;
}

static int run(int argc, char **argv) {
    run_args args = {.target = hloc_run_targets[0], .repeat = 1};
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs) return 1;
    args.inputs = inputs;
    bool seed_given = false, target_given = false;
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        bool value = !strcmp(a, "--target") || !strcmp(a, "--input") || !strcmp(a, "-i") ||
                     !strcmp(a, "--output-dir") || !strcmp(a, "-o") || !strcmp(a, "--seed") ||
                     !strcmp(a, "--repeat");
        if (value && i + 1 >= argc) {
            rc = usage_error("%s needs a value", a);
            break;
        }
        if (!strcmp(a, "--target")) {
            target_given = true;
            args.target = hloc_run_target_find(argv[++i]);
            if (!args.target) rc = usage_error("unknown target '%s'", argv[i]);
        } else if (!strcmp(a, "--input") || !strcmp(a, "-i")) {
            inputs[args.n_inputs++] = argv[++i];
        } else if (!strcmp(a, "--output-dir") || !strcmp(a, "-o")) {
            args.out_dir = argv[++i];
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            args.seed = strtoull(argv[++i], &end, 0);
            if (errno || !*argv[i] || *end || argv[i][0] == '-')
                rc = usage_error("--seed takes a non-negative integer, not '%s'", argv[i]);
            seed_given = true;
        } else if (!strcmp(a, "--repeat")) {
            char *end;
            errno = 0;
            unsigned long long r = strtoull(argv[++i], &end, 10);
            if (errno || !*argv[i] || *end || argv[i][0] == '-' || r < 1 || r > 1000000)
                rc = usage_error("--repeat takes a count from 1 to 1000000, not '%s'", argv[i]);
            args.repeat = (uint32_t)r;
            args.timed = true;
        } else if (!strcmp(a, "--no-passes")) {
            args.no_passes = true;
        } else if (!strcmp(a, "--random")) {
            args.random = true;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown option '%s'", a);
        } else if (args.model) {
            rc = usage_error("expected one MODEL, got a second: '%s'", a);
        } else {
            args.model = a;
        }
    }
    if (!rc && !args.model) rc = usage_error("missing MODEL%s", "");
    if (!rc && !args.out_dir) rc = usage_error("missing --output-dir%s", "");
    if (!rc && args.random && args.n_inputs)
        rc = usage_error("--random and --input exclude each other%s", "");
    if (!rc && seed_given && !args.random) rc = usage_error("--seed needs --random%s", "");
    if (rc) {
        free(inputs);
        return rc;
    }

    if (is_shared_object(args.model)) {
        if (target_given) {
            free(inputs);
            return usage_error("--target does not apply to a compiled MODEL.so ('%s')", args.model);
        }
        hloc_arena *arena = hloc_arena_create();
        hloc_status *st = arena ? execute_so(&args, arena) : hloc_status_oom();
        if (st) fprintf(stderr, "hloc run: %s\n", hloc_status_message(st));
        rc = st ? 1 : 0;
        hloc_status_free(st);
        hloc_arena_destroy(arena);
        free(inputs);
        return rc;
    }
    hloc_module *m = hloc_tool_load_module(args.model);
    hloc_arena *arena = m ? hloc_arena_create() : NULL;
    hloc_status *st = !m ? NULL : arena ? execute(&args, m, arena) : hloc_status_oom();
    if (st) fprintf(stderr, "hloc run: %s\n", hloc_status_message(st));
    rc = !m || st ? 1 : 0;
    hloc_status_free(st);
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
    free(inputs);
    return rc;
}

const hloc_command hloc_cmd_run = {"run", "run a module on .npy inputs, write .npy outputs", run,
                                   help};
