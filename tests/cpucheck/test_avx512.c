/* AVX-512 compile coverage: nothing here can run AVX-512 code, but the target machine may be a
 * Zen 4. Every perf workload and a spread of corpus cases compile to objects for znver4 and
 * x86-64-v4 through the path `hloc compile --cpu` takes (default pipeline, hloc_cpu_compile_object
 * for a shared object), and the GEMM micro-kernel really is the AVX-512 one: an 8 x 48 f32 tile
 * (8 x 24 for f64) of <16 x float> (<8 x double>) FMAs on zmm registers. */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot.h"
#include "cpu_features.h"
#include "hloc/runtime.h"
#include "metadata.h"
#include "util.h"

static const char *const cpus[] = {"znver4", "x86-64-v4"};

static const char *data_dir(void) {
    const char *d = getenv("HLOC_TEST_DATA");
    ck_assert_msg(d, "HLOC_TEST_DATA is not set");
    return d;
}

static void compile_ok(const char *path, const char *cpu, const char *dump_dir) {
    hloc_module *m = NULL;
    hloc_status *st = cc_load(NULL, path, &m);
    ck_assert_msg(!st, "%s: %s", path, st ? hloc_status_message(st) : "");
    void *obj = NULL;
    size_t len = 0;
    st = cc_object(m, cpu, "model", dump_dir, &obj, &len);
    ck_assert_msg(!st, "%s for %s: %s", path, cpu, st ? hloc_status_message(st) : "");
    ck_assert_msg(len > 64 && !memcmp(obj, "\177ELF", 4), "%s for %s: not an ELF object", path, cpu);
    free(obj);
    hloc_module_destroy(m);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in |dir| (sorted, malloc'd) that pass |keep|. */
static size_t list_dir(const char *dir, int (*keep)(const char *), char ***out) {
    DIR *d = opendir(dir);
    ck_assert_msg(d, "cannot open %s", dir);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !keep(e->d_name)) continue;
        names = realloc(names, (n + 1) * sizeof *names);
        ck_assert_ptr_nonnull(names);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *out = names;
    return n;
}

static int is_workload(const char *name) {
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".hlo") && !strstr(name, ".xla_opt.");
}

static int any(const char *name) {
    (void)name;
    return 1;
}

START_TEST(perf_workloads_compile) {
    CC_X86_ONLY();
    const char *cpu = cpus[_i];
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/perf", data_dir());
    char **names;
    size_t n = list_dir(dir, is_workload, &names);
    ck_assert_uint_ge(n, 10);
    for (size_t k = 0; k < n; k++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        compile_ok(path, cpu, NULL);
        free(names[k]);
    }
    free(names);
}
END_TEST

/* Every fourth corpus case (in name order): a spread of ops, types and shapes. */
START_TEST(corpus_cases_compile) {
    CC_X86_ONLY();
    const char *cpu = cpus[_i];
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/cases", data_dir());
    char **names;
    size_t n = list_dir(dir, any, &names), done = 0;
    for (size_t k = 0; k < n; k++) {
        if (k % 4 == 0) {
            char path[8192];
            snprintf(path, sizeof path, "%s/%s/model.hlo", dir, names[k]);
            compile_ok(path, cpu, NULL);
            done++;
        }
        free(names[k]);
    }
    free(names);
    ck_assert_uint_ge(done, 20);
}
END_TEST

/* The body of function |fn| in the dump |text|: from its definition (IR) or label (assembly) to
 * the next definition or function end. */
static char *function_text(char *text, const char *start, const char *end) {
    char *p = strstr(text, start);
    if (!p) return NULL;
    char *q = strstr(p + strlen(start), end);
    if (q) *q = 0;
    return p;
}

static void kernel_uses_zmm(const char *hlo_path, const char *kernel, const char *vec,
                            const char *suffix, const char *cpu) {
    char *dir = cc_tmpdir();
    compile_ok(hlo_path, cpu, dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/model.ir-with-opt.ll", dir);
    char *ir = cc_read(path);
    ck_assert_msg(ir, "no %s", path);
    char start[200];
    snprintf(start, sizeof start, "@%s(", kernel);
    char *body = function_text(ir, start, "\ndefine ");
    ck_assert_msg(body, "%s for %s: no function %s in the IR", hlo_path, cpu, kernel);
    char fmuladd[100], fma[100];
    snprintf(fmuladd, sizeof fmuladd, "@llvm.fmuladd.%s(", suffix);
    snprintf(fma, sizeof fma, "@llvm.fma.%s(", suffix);
    ck_assert_msg(strstr(body, vec) && (strstr(body, fmuladd) || strstr(body, fma)),
                  "%s for %s: %s has no %s multiply-adds", hlo_path, cpu, kernel, vec);
    free(ir);
    snprintf(path, sizeof path, "%s/model.s", dir);
    char *s = cc_read(path);
    ck_assert_msg(s, "no %s", path);
    snprintf(start, sizeof start, "\n%s:", kernel);
    body = function_text(s, start, ".Lfunc_end");
    ck_assert_msg(body, "%s for %s: no label %s in the assembly", hlo_path, cpu, kernel);
    /* the k loop's multiply-adds: vfmadd231ps %zmm.., or with a broadcast operand */
    char *f = strstr(body, "vfmadd");
    ck_assert_msg(f, "%s for %s: no FMA in %s", hlo_path, cpu, kernel);
    char *eol = strchr(f, '\n');
    if (eol) *eol = 0;
    ck_assert_msg(strstr(f, "%zmm"), "%s for %s: the FMA in %s is '%s', not on zmm", hlo_path, cpu,
                  kernel, f);
    free(s);
    cc_rmdir(dir);
}

/* A module of one product [m,k] x [k,n] of |type| at |path|. */
static void write_dot(const char *path, const char *type, int m, int k, int n) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "HloModule dot\nENTRY e {\n  a = %s[%d,%d] parameter(0)\n  b = %s[%d,%d] parameter(1)\n"
            "  ROOT d = %s[%d,%d] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n}\n",
            type, m, k, type, k, n, type, m, n);
    fclose(f);
}

/* The micro-tile follows the product's width: 8 rows x 3 vectors where 3 vectors cut it well or
 * the product is a batch of small ones (under 0.15 GFLOP in all), else 6 x 4 for widths in 64s
 * (64 output channels, 256, 1024), 12 x 2 for 32 columns. */
START_TEST(gemm_kernel_is_avx512) {
    CC_X86_ONLY();
    const char *cpu = cpus[_i];
    char path[4096];
    snprintf(path, sizeof path, "%s/perf/gemm1024.hlo", data_dir());
    kernel_uses_zmm(path, "hloc.gemm.kernel.f32.6x64", "<16 x float>", "v16f32", cpu);
    snprintf(path, sizeof path, "%s/perf/gemm256.hlo", data_dir());
    kernel_uses_zmm(path, "hloc.gemm.kernel.f32.6x64", "<16 x float>", "v16f32", cpu);
    char *dir = cc_tmpdir();
    snprintf(path, sizeof path, "%s/heads.hlo", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("HloModule heads\nENTRY e {\n  q = f32[12,256,64] parameter(0)\n  k = f32[12,64,256] parameter(1)\n"
          "  ROOT s = f32[12,256,256] dot(q, k), lhs_batch_dims={0}, lhs_contracting_dims={2}, "
          "rhs_batch_dims={0}, rhs_contracting_dims={1}\n}\n",
          f);
    fclose(f);
    kernel_uses_zmm(path, "hloc.gemm.kernel.f32.8x48", "<16 x float>", "v16f32", cpu);
    snprintf(path, sizeof path, "%s/dot.hlo", dir);
    write_dot(path, "f32", 100, 70, 96);
    kernel_uses_zmm(path, "hloc.gemm.kernel.f32.8x48", "<16 x float>", "v16f32", cpu);
    write_dot(path, "f32", 4096, 600, 32);
    kernel_uses_zmm(path, "hloc.gemm.kernel.f32.12x32", "<16 x float>", "v16f32", cpu);
    /* f64: 8 doubles a vector, so 8 x 24 */
    write_dot(path, "f64", 70, 90, 48);
    kernel_uses_zmm(path, "hloc.gemm.kernel.f64.8x24", "<8 x double>", "v8f64", cpu);
    cc_rmdir(dir);
}
END_TEST

/* The packaged module says what it needs: the runtime would refuse it on a CPU without
 * AVX-512 and accept it on one with it. */
START_TEST(metadata_records_avx512) {
    CC_X86_ONLY();
    const char *cpu = cpus[_i];
    char *dir = cc_tmpdir(), so[4200], hlo[4200];
    snprintf(so, sizeof so, "%s/gemm.so", dir);
    snprintf(hlo, sizeof hlo, "%s/perf/gemm256.hlo", data_dir());
    char *text = cc_read(hlo);
    ck_assert_ptr_nonnull(text);
    CC_OK(cc_shared(text, cpu, so));
    free(text);
    hloc_executable *e = NULL;
    CC_OK(hloc_executable_load_metadata_only(so, &e));
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    ck_assert_uint_eq(md->version, HLOC_ABI_VERSION);
    ck_assert_msg(strstr(md->target, cpu), "target '%s'", md->target);
    const char *f = hloc_rt_metadata_cpu_features(md);
    const char *need[] = {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", "avx2", "fma"};
    char padded[4096], word[40];
    snprintf(padded, sizeof padded, ",%s,", f);
    for (size_t k = 0; k < sizeof need / sizeof need[0]; k++) {
        snprintf(word, sizeof word, ",%s,", need[k]);
        ck_assert_msg(strstr(padded, word), "%s: features '%s' lack %s", cpu, f, need[k]);
    }
    hloc_executable_unload(e);
    hloc_status *st = hloc_executable_load(so, &e);
    bool v4_host = hloc_rt_cpu_has("avx512f") && hloc_rt_cpu_has("avx512bw") &&
                   hloc_rt_cpu_has("avx512vl") && hloc_rt_cpu_has("avx512dq") &&
                   hloc_rt_cpu_has("avx512cd");
    if (v4_host && !strcmp(cpu, "x86-64-v4"))
        ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    if (!hloc_rt_cpu_has("avx512f")) {
        ck_assert_ptr_nonnull(st);
        ck_assert_msg(strstr(hloc_status_message(st), "avx512f"), "%s", hloc_status_message(st));
    }
    hloc_status_free(st);
    hloc_executable_unload(e);
    cc_rmdir(dir);
}
END_TEST

Suite *avx512_suite(void) {
    Suite *s = suite_create("avx512");
    TCase *t = tcase_create("compile");
    tcase_add_loop_test(t, gemm_kernel_is_avx512, 0, 2);
    tcase_add_loop_test(t, metadata_records_avx512, 0, 2);
    tcase_add_loop_test(t, perf_workloads_compile, 0, 2);
    tcase_add_loop_test(t, corpus_cases_compile, 0, 2);
    suite_add_tcase(s, t);
    return s;
}
