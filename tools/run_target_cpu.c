/* The cpu targets of `hloc run` and the conformance runner (run_target.h), both through the
 * runtime's one call path (hloc_executable_run via targets/run_exec.c):
 *   cpu      JIT: targets/cpu compiles in-process, the runtime wraps its metadata;
 *   cpu-aot  AOT: the object is packaged into a .so exactly as `hloc compile` does, then dlopened.
 * The CPU, optimization level and threads come from the HLOC_FLAGS environment variable as the JIT
 * C API reads it (--cpu=NAME -O0..-O3 --threads=N; default native, -O2, one thread per CPU), so
 * the conformance runner covers -O0 and -O2 with one target each. Both run on a thread pool, so
 * the parallel-for path of emitted code is what gets tested. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "cpu.h"
#include "hloc/jit.h"
#include "run_exec.h"
#include "run_target.h"

/* The target's options from HLOC_FLAGS; a malformed HLOC_FLAGS is an error, not ignored. */
static hloc_status *flags(hloc_cpu_options *co, int *threads) {
    hloc_jit_options jo;
    HLOC_RETURN_IF_ERROR(hloc_jit_options_init(&jo));
    *co = (hloc_cpu_options){.name = "hloc_run_entry", .cpu = jo.cpu, .opt_level = jo.opt_level};
    *threads = jo.threads;
    return NULL;
}

static hloc_status *run_on_pool(const hloc_executable *e, const hloc_module *m,
                                const hloc_literal *const *args, uint32_t n_args, int threads,
                                uint32_t repeat, double *seconds, hloc_arena *arena,
                                hloc_literal **out) {
    hloc_thread_pool *pool = NULL;
    HLOC_RETURN_IF_ERROR(hloc_thread_pool_create(threads, &pool));
    hloc_run_options o;
    hloc_run_options_init(&o, pool);
    hloc_status *st = hloc_run_executable_timed(e, args, n_args, &m->entry->root->shape, &o, repeat,
                                                seconds, arena, out);
    hloc_thread_pool_destroy(pool);
    return st;
}

static hloc_status *timed_cpu_jit(const hloc_module *m, const hloc_literal *const *args,
                                  uint32_t n_args, uint32_t repeat, double *seconds,
                                  hloc_arena *arena, hloc_literal **out) {
    *out = NULL;
    hloc_cpu_options co;
    int threads;
    HLOC_RETURN_IF_ERROR(flags(&co, &threads));
    hloc_cpu_jit *j = NULL;
    HLOC_RETURN_IF_ERROR(hloc_cpu_jit_compile(m, &co, &j));
    hloc_executable *e = NULL;
    hloc_status *st = hloc_executable_wrap(hloc_cpu_jit_metadata(j), &e);
    if (!st) st = run_on_pool(e, m, args, n_args, threads, repeat, seconds, arena, out);
    hloc_executable_unload(e);
    hloc_cpu_jit_destroy(j);
    return st;
}

static hloc_status *run_cpu_jit(const hloc_module *m, const hloc_literal *const *args,
                                uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    return timed_cpu_jit(m, args, n_args, 1, NULL, arena, out);
}

static hloc_status *timed_cpu_aot(const hloc_module *m, const hloc_literal *const *args,
                                  uint32_t n_args, uint32_t repeat, double *seconds,
                                  hloc_arena *arena, hloc_literal **out) {
    *out = NULL;
    hloc_cpu_options co;
    int threads;
    HLOC_RETURN_IF_ERROR(flags(&co, &threads));
    void *obj = NULL;
    size_t len = 0;
    HLOC_RETURN_IF_ERROR(hloc_cpu_compile_object(m, &co, 1, &obj, &len));
    const char *tmp = getenv("TMPDIR");
    char dir[4096], so[4200];
    snprintf(dir, sizeof dir, "%s/hloc-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(obj);
        return hloc_status_new(HLOC_STATUS_IO, "%s: cannot create: %s", dir, strerror(errno));
    }
    snprintf(so, sizeof so, "%s/module.so", dir);
    const char **externs = NULL;
    size_t n_externs = 0;
    hloc_status *st = hloc_module_custom_call_targets(m, &externs, &n_externs);
    if (!st) st = hloc_aot_package(obj, len, so, NULL, NULL, externs, n_externs);
    free(externs);
    free(obj);
    hloc_executable *e = NULL;
    if (!st) st = hloc_executable_load(so, &e);
    /* dlopen keeps the mapping; the file can go now */
    unlink(so);
    rmdir(dir);
    if (!st) st = run_on_pool(e, m, args, n_args, threads, repeat, seconds, arena, out);
    hloc_executable_unload(e);
    return st;
}

static hloc_status *run_cpu_aot(const hloc_module *m, const hloc_literal *const *args,
                                uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    return timed_cpu_aot(m, args, n_args, 1, NULL, arena, out);
}

const hloc_run_target hloc_run_target_cpu = {
    "cpu", "native code through LLVM, compiled in-process (JIT)", run_cpu_jit, timed_cpu_jit};
const hloc_run_target hloc_run_target_cpu_aot = {
    "cpu-aot", "native code through LLVM, as a shared object (hloc compile), dlopened", run_cpu_aot,
    timed_cpu_aot};
