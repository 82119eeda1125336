/* The workloads benchmark (tests/data/perf/WORKLOADS.md): for every workload, hloc's median time
 * over repeated runs on 1 and 2 threads, its GFLOP/s or GB/s, and the ratio to references measured
 * in the same process: OpenBLAS sgemm over the same matrix products, and a copy of the same bytes
 * for the memory-bound workloads. Also hloc without fusion, to show what fusion buys.
 *   usage: bench_workloads [--json] [--runs N] [--only NAME] [PERF_DIR]                          */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "pass.h"

void openblas_set_num_threads(int);

typedef struct gemm {
    int m, n, k, count;
} gemm;

/* What each workload is made of: its matrix products (for the OpenBLAS reference) and the bytes
 * a memory-bound workload must move at least (input + output). */
typedef struct workload {
    const char *id;
    double flops;
    double bytes;
    gemm gemms[8];
    const char *text; /* the module itself, for workloads without a file in the perf folder */
    bool f64;         /* the reference is dgemm */
    bool gemm_eq;     /* also time hloc's own square f32 GEMM of the same FLOPs (issue 6) */
} workload;

/* One product M x K times K x N as a module of its own (odd shapes, f64). */
#define GEMM_HLO(T, M, K, N)                                                                              \
    "HloModule gemm_" #M "x" #K "x" #N "\n\nENTRY main {\n  a = " T "[" #M "," #K "]{1,0} parameter(0)\n" \
    "  b = " T "[" #K "," #N "]{1,0} parameter(1)\n  ROOT d = " T "[" #M "," #N "]{1,0} dot(a, b), "        \
    "lhs_contracting_dims={1}, rhs_contracting_dims={0}\n}\n"

static const workload workloads[] = {
    {"gemm256", 2.0 * 256 * 256 * 256, 0, {{256, 256, 256, 1}}, NULL, false, false},
    {"gemm1024", 2.0 * 1024 * 1024 * 1024, 0, {{1024, 1024, 1024, 1}}, NULL, false, false},
    {"gemm2048", 2.0 * 2048 * 2048 * 2048, 0, {{2048, 2048, 2048, 1}}, NULL, false, false},
    {"eltwise", 10.0 * 16777216, 2.0 * 4 * 16777216, {{0}}, NULL, false, false},
    {"softmax", 5.0 * 4096 * 1024, 2.0 * 4 * 4096 * 1024, {{0}}, NULL, false, false},
    {"layernorm", 8.0 * 8192 * 768, 2.0 * 4 * 8192 * 768, {{0}}, NULL, false, false},
    {"mlp", 2.0 * 256 * 1024 * 4096 * 2, 0, {{256, 4096, 1024, 1}, {256, 1024, 4096, 1}}, NULL, false, false},
    {"gpt2_block", 3.8e9, 0,
     {{256, 2304, 768, 1}, {256, 256, 64, 12}, {256, 64, 256, 12}, {256, 768, 768, 1}, {256, 3072, 768, 1},
      {256, 768, 3072, 1}},
     NULL, false, false},
    {"conv3x3", 2.0 * 56 * 56 * 64 * 9 * 64, 0, {{56 * 56, 64, 9 * 64, 1}}, NULL, false, true},
    /* 2 * output elements * taps * input features per convolution (WORKLOADS.md rounds to 1.6 G,
     * which undercounts): 3->32 at 64x64, four 32->32 at 64x64, 32->64 stride 2 at 32x32, the
     * dense layer; the pooling and elementwise ops add under 0.1%. */
    {"cnn",
     2.0 * 8 * 64 * 64 * 32 * 27 + 4 * 2.0 * 8 * 64 * 64 * 32 * 288 + 2.0 * 8 * 32 * 32 * 64 * 288 + 2.0 * 8 * 64 * 10,
     0, {{0}}, NULL, false, true},
    {"lstm", 1.1e9, 0, {{16, 1024, 256, 128}}, NULL, false, false},
    {"gemm67x131x45", 2.0 * 67 * 131 * 45, 0, {{67, 45, 131, 1}}, GEMM_HLO("f32", 67, 131, 45), false, false},
    {"gemm1x1000x513", 2.0 * 1 * 1000 * 513, 0, {{1, 513, 1000, 1}}, GEMM_HLO("f32", 1, 1000, 513), false, false},
    {"dgemm1024", 2.0 * 1024 * 1024 * 1024, 0, {{1024, 1024, 1024, 1}}, GEMM_HLO("f64", 1024, 1024, 1024), true, false},
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t rng_state = 88172645463325252ull;
static double normal(void) {
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    double u1 = ((double)(rng_state >> 11) + 1.0) / 9007199254740993.0;
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    double u2 = (double)(rng_state >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Median seconds of OpenBLAS sgemm (dgemm for f64 workloads) over the workload's products. */
static double time_gemms(const workload *w, int threads, int runs) {
    if (!w->gemms[0].m) return 0;
    openblas_set_num_threads(threads);
    double *t = malloc(sizeof *t * (size_t)runs);
    size_t biggest = 0;
    for (int g = 0; g < 8 && w->gemms[g].m; g++) {
        size_t s = (size_t)w->gemms[g].m * w->gemms[g].k + (size_t)w->gemms[g].k * w->gemms[g].n +
                   (size_t)w->gemms[g].m * w->gemms[g].n;
        if (s > biggest) biggest = s;
    }
    double *dbuf = w->f64 ? malloc(sizeof *dbuf * biggest) : NULL;
    float *buf = w->f64 ? NULL : malloc(sizeof *buf * biggest);
    for (size_t i = 0; i < biggest; i++) {
        if (dbuf) dbuf[i] = normal();
        else buf[i] = (float)normal();
    }
    for (int r = 0; r < runs + 1; r++) {
        double t0 = now();
        for (int g = 0; g < 8 && w->gemms[g].m; g++) {
            const gemm *x = &w->gemms[g];
            if (dbuf) {
                double *a = dbuf, *b = dbuf + (size_t)x->m * x->k, *c = b + (size_t)x->k * x->n;
                for (int rep = 0; rep < x->count; rep++)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, x->m, x->n, x->k, 1.0, a, x->k, b, x->n,
                                0.0, c, x->n);
                continue;
            }
            float *a = buf, *b = buf + (size_t)x->m * x->k, *c = b + (size_t)x->k * x->n;
            for (int rep = 0; rep < x->count; rep++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, x->m, x->n, x->k, 1.0f, a, x->k, b, x->n,
                            0.0f, c, x->n);
        }
        if (r) t[r - 1] = now() - t0; /* the first run warms up */
    }
    double m = median(t, runs);
    free(t);
    free(buf);
    free(dbuf);
    return m;
}

static double time_copy(double bytes, int runs) {
    if (bytes <= 0) return 0;
    size_t n = (size_t)(bytes / 2);
    char *a = malloc(n), *b = malloc(n);
    memset(a, 1, n);
    memset(b, 2, n);
    double *t = malloc(sizeof *t * (size_t)runs);
    for (int r = 0; r < runs + 1; r++) {
        double t0 = now();
        memcpy(b, a, n);
        if (r) t[r - 1] = now() - t0;
    }
    double m = median(t, runs);
    free(a), free(b), free(t);
    return m;
}

typedef struct compiled {
    hloc_cpu_jit *jit;
    hloc_executable *exe;
    hloc_buffer *params, *results;
    uint32_t n_params, n_results;
    double compile_s;
} compiled;

static void release(compiled *c) {
    for (uint32_t k = 0; k < c->n_params; k++) free(c->params[k].data);
    for (uint32_t k = 0; k < c->n_results; k++) free(c->results[k].data);
    free(c->params), free(c->results);
    hloc_executable_unload(c->exe);
    hloc_cpu_jit_destroy(c->jit);
    memset(c, 0, sizeof *c);
}

static hloc_status *compile(const char *path, const char *text, bool fuse, compiled *c) {
    memset(c, 0, sizeof *c);
    hloc_module *m = NULL;
    double t0 = now();
    HLOC_RETURN_IF_ERROR(text ? hloc_module_parse_text(text, strlen(text), path, &m) : hloc_module_parse_file(path, &m));
    /* What users get (the default pipeline), or the same without fusion. */
    hloc_pipeline *p = NULL;
    hloc_status *st = NULL;
    if (fuse) {
        if (!(p = hloc_pipeline_default())) st = hloc_status_oom();
    } else {
        st = hloc_pipeline_parse("bench",
                                 "call-inliner,dot-canonicalize,algsimp,tuple-simplifier,while-loop-simplifier,"
                                 "constant-folding,cse,dce,layout-assignment",
                                 &p);
    }
    if (!st) st = hloc_pipeline_run(p, m, NULL, NULL);
    hloc_pipeline_destroy(p);
    hloc_cpu_options o = {.opt_level = 2, .cpu = "native", .no_fusion = !fuse};
    if (!st) st = hloc_cpu_jit_compile(m, &o, &c->jit);
    hloc_module_destroy(m);
    if (!st) st = hloc_executable_wrap(hloc_cpu_jit_metadata(c->jit), &c->exe);
    c->compile_s = now() - t0;
    if (st) return st;
    const hloc_module_metadata *md = hloc_executable_metadata(c->exe);
    c->n_params = md->n_params;
    c->n_results = md->n_results;
    c->params = calloc(md->n_params + 1, sizeof *c->params);
    c->results = calloc(md->n_results + 1, sizeof *c->results);
    for (uint32_t k = 0; k < md->n_params; k++) {
        const hloc_buffer_desc *d = &md->params[k];
        c->params[k] = (hloc_buffer){aligned_alloc(64, (d->bytes + 63) / 64 * 64), d->bytes, d->type};
        float *f = c->params[k].data;
        /* Weights (rank-2 and more, but not the first parameter) get 0.1 scale as WORKLOADS.md says. */
        double scale = k > 0 && d->rank >= 2 ? 0.1 : 1.0;
        if (d->type == hloc_runtime_type_code("f32"))
            for (uint64_t i = 0; i < d->bytes / 4; i++) f[i] = (float)(normal() * scale);
        else if (d->type == hloc_runtime_type_code("f64"))
            for (uint64_t i = 0; i < d->bytes / 8; i++) ((double *)c->params[k].data)[i] = normal() * scale;
        else memset(c->params[k].data, 0, d->bytes);
    }
    for (uint32_t k = 0; k < md->n_results; k++) {
        const hloc_buffer_desc *d = &md->results[k];
        c->results[k] = (hloc_buffer){aligned_alloc(64, (d->bytes + 63) / 64 * 64), d->bytes, d->type};
    }
    return NULL;
}

static hloc_status *time_run(compiled *c, int threads, int runs, double *out) {
    hloc_thread_pool *pool = NULL;
    HLOC_RETURN_IF_ERROR(hloc_thread_pool_create(threads, &pool));
    hloc_run_options o;
    hloc_run_options_init(&o, threads > 1 ? pool : NULL);
    /* Scratch allocated once, as a serving loop (or XLA's preallocated temps) would: otherwise
     * every run pays fresh pages for it, which times the kernel's page clearing, not the code. */
    const hloc_module_metadata *md = hloc_executable_metadata(c->exe);
    void *scratch = md->scratch_bytes ? aligned_alloc(64, (md->scratch_bytes + 63) / 64 * 64) : NULL;
    if (scratch) {
        memset(scratch, 0, md->scratch_bytes);
        o.scratch = scratch;
        o.scratch_bytes = md->scratch_bytes;
    }
    double *t = malloc(sizeof *t * (size_t)runs);
    hloc_status *st = NULL;
    for (int r = 0; r < runs + 1 && !st; r++) {
        double t0 = now();
        st = hloc_executable_run(c->exe, c->params, c->n_params, c->results, c->n_results, &o);
        if (r) t[r - 1] = now() - t0;
    }
    if (!st) *out = median(t, runs);
    free(t);
    free(scratch);
    hloc_thread_pool_destroy(pool);
    return st;
}

/* hloc's square f32 GEMM of about |flops| on |threads|: the reference of issue 6's acceptance
 * point for convolutions (conv GFLOP/s at least 70% of this GEMM's). n = cbrt(flops / 2) rounded
 * to a multiple of 48 (whole 6x16 and 8x48 micro-tiles): an odd n would time the GEMM's edge
 * tiles and flatter the ratio; GFLOP/s, not time, is compared. */
static hloc_status *time_gemm_eq(double flops, int threads, int runs, int *out_n, double *out_s) {
    int n = (int)lround(cbrt(flops / 2) / 48) * 48;
    if (n < 48) n = 48;
    char text[512];
    snprintf(text, sizeof text,
             "HloModule gemm_eq\n\nENTRY main {\n  a = f32[%d,%d]{1,0} parameter(0)\n"
             "  b = f32[%d,%d]{1,0} parameter(1)\n  ROOT d = f32[%d,%d]{1,0} dot(a, b), "
             "lhs_contracting_dims={1}, rhs_contracting_dims={0}\n}\n",
             n, n, n, n, n, n);
    compiled g;
    HLOC_RETURN_IF_ERROR(compile("gemm_eq", text, true, &g));
    hloc_status *st = time_run(&g, threads, runs, out_s);
    release(&g);
    *out_n = n;
    return st;
}

int main(int argc, char **argv) {
    const char *dir = getenv("HLOC_TEST_DATA") ? NULL : "tests/data/perf", *only = NULL;
    char dbuf[4096];
    if (!dir) {
        snprintf(dbuf, sizeof dbuf, "%s/perf", getenv("HLOC_TEST_DATA"));
        dir = dbuf;
    }
    bool json = false;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: bench_workloads [--json] [--runs N] [--only NAME] [PERF_DIR]\n"
                   "Times every workload of PERF_DIR (default tests/data/perf) on 1 and 2 threads\n"
                   "against OpenBLAS or a copy of the same bytes, measured in the same run.\n");
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "bench_workloads: unknown option '%s' (see --help)\n", argv[i]);
            return 2;
        } else dir = argv[i];
    }
    if (runs < 1) runs = 1;
    if (json) printf("[\n");
    else
        printf("%-11s %3s %10s %10s %10s %8s %10s %8s %10s\n", "workload", "thr", "hloc ms", "GFLOP/s", "ref ms",
               "ratio", "unfused ms", "fusion", "compile s");
    bool first = true;
    for (size_t w = 0; w < sizeof workloads / sizeof *workloads; w++) {
        const workload *x = &workloads[w];
        if (only && strcmp(only, x->id)) continue;
        char path[4352];
        snprintf(path, sizeof path, "%s/%s.hlo", dir, x->id);
        compiled fused, plain;
        hloc_status *st = compile(path, x->text, true, &fused);
        if (!st) st = compile(path, x->text, false, &plain);
        for (int threads = 1; threads <= 2 && !st; threads++) {
            double t = 0, tu = 0;
            st = time_run(&fused, threads, runs, &t);
            if (!st) st = time_run(&plain, threads, runs, &tu);
            if (st) break;
            /* The GEMM of equal FLOPs before OpenBLAS: OpenBLAS's threads spin on for a while after
             * a call and would take the second core from it. */
            int eq_n = 0;
            double eq_t = 0;
            if (x->gemm_eq && (st = time_gemm_eq(x->flops, threads, runs, &eq_n, &eq_t))) break;
            double ref = x->bytes > 0 ? time_copy(x->bytes, runs) : time_gemms(x, threads, runs);
            const char *ref_kind = x->bytes > 0 ? "copy" : x->gemms[0].m ? (x->f64 ? "dgemm" : "sgemm") : "none";
            /* ratio > 1: hloc is slower than the reference by that factor */
            double ratio = ref > 0 ? t / ref : 0;
            double gf = x->flops / t * 1e-9, eq_gf = eq_n ? 2.0 * eq_n * eq_n * eq_n / eq_t * 1e-9 : 0;
            if (json) {
                printf("%s  {\"workload\": \"%s\", \"threads\": %d, \"hloc_ms\": %.4f, \"gflops\": %.2f, "
                       "\"reference\": \"%s\", \"reference_ms\": %.4f, \"time_over_reference\": %.3f, "
                       "\"unfused_ms\": %.4f, \"compile_s\": %.3f",
                       first ? "" : ",\n", x->id, threads, t * 1e3, gf, ref_kind, ref * 1e3, ratio,
                       tu * 1e3, fused.compile_s);
                if (eq_n)
                    printf(", \"gemm_eq\": {\"reference\": \"gemm-eq\", \"n\": %d, \"ms\": %.4f, \"gflops\": %.2f, "
                           "\"gflops_over_gemm_eq\": %.3f}",
                           eq_n, eq_t * 1e3, eq_gf, gf / eq_gf);
                printf("}");
                first = false;
            } else {
                printf("%-11s %3d %10.3f %10.2f %10.3f %7.2fx %10.3f %7.2fx %10.3f   (ref: %s)\n", x->id, threads,
                       t * 1e3, gf, ref * 1e3, ratio, tu * 1e3, tu / t, fused.compile_s, ref_kind);
                /* The GFLOP/s ratio (not time): above 1, the workload beats the GEMM. */
                if (eq_n)
                    printf("%-11s %3d %10.3f %10.2f   (ref: gemm-eq, hloc f32 GEMM %dx%dx%d; %s at %.2f of its "
                           "GFLOP/s)\n",
                           "  gemm-eq", threads, eq_t * 1e3, eq_gf, eq_n, eq_n, eq_n, x->id, gf / eq_gf);
            }
            fflush(stdout);
        }
        if (st) {
            fprintf(stderr, "%s: %s\n", x->id, hloc_status_message(st));
            hloc_status_free(st);
        }
        release(&fused);
        release(&plain);
    }
    if (json) printf("\n]\n");
    return 0;
}
