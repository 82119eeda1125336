/* The JIT C API (include/hloc/jit.h): parse → verify → pass pipeline → targets/cpu JIT → runtime
 * executable. It sits above the targets because it drives the whole compiler; the run side is the
 * runtime's (hloc_executable_run), the same path a loaded .so takes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "hloc/jit.h"
#include "hloc/runtime.h"
#include "pass.h"

struct hloc_jit_module {
    hloc_cpu_jit *jit;
    hloc_executable *exe;
    hloc_thread_pool *pool;
};

/* HLOC_FLAGS is read once per process; its strings live in |env_copy| until the process ends. */
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static char env_copy[8192];
static hloc_jit_options env_opts;
static char env_error[512];

static void defaults(hloc_jit_options *o) {
    memset(o, 0, sizeof *o);
    o->cpu = "native";
    o->opt_level = 2;
}

/* Applies one flag; returns false if it is unknown or malformed. */
static bool apply_flag(hloc_jit_options *o, char *f) {
    char *eq = strchr(f, '=');
    const char *v = eq ? eq + 1 : NULL;
    if (eq) *eq = 0;
    if (!strcmp(f, "--time-passes") && !v) return o->time_passes = 1, true;
    if (!strcmp(f, "--verify-each") && !v) return o->verify_each = 1, true;
    if (!strcmp(f, "--exact") && !v) return o->exact = 1, true;
    if (f[0] == '-' && f[1] == 'O' && f[2] >= '0' && f[2] <= '3' && !f[3] && !v) return o->opt_level = f[2] - '0', true;
    if (!v || !*v) return false;
    if (!strcmp(f, "--cpu")) o->cpu = v;
    else if (!strcmp(f, "--threads")) o->threads = atoi(v);
    else if (!strcmp(f, "--passes")) o->passes = v;
    else if (!strcmp(f, "--dump-dir")) o->dump_dir = v;
    else if (!strcmp(f, "--dump-passes")) o->dump_passes = v;
    else if (!strcmp(f, "--dump-format")) o->dump_format = v;
    else return false;
    return true;
}

static void parse_env(void) {
    defaults(&env_opts);
    const char *env = getenv("HLOC_FLAGS");
    if (!env) return;
    snprintf(env_copy, sizeof env_copy, "%s", env);
    for (char *save = NULL, *f = strtok_r(env_copy, " \t\n", &save); f; f = strtok_r(NULL, " \t\n", &save)) {
        char flag[128];
        snprintf(flag, sizeof flag, "%s", f);
        if (!apply_flag(&env_opts, f)) {
            snprintf(env_error, sizeof env_error,
                     "HLOC_FLAGS: unknown or malformed flag '%s' (known: --cpu=NAME -O0..-O3 --threads=N "
                     "--passes=LIST --dump-dir=DIR --dump-passes=REGEX --dump-format=LIST --time-passes "
                     "--verify-each --exact)",
                     flag);
            return;
        }
    }
}

hloc_status *hloc_jit_options_init(hloc_jit_options *o) {
    pthread_once(&env_once, parse_env);
    *o = env_opts;
    return env_error[0] ? hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s", env_error) : NULL;
}

static unsigned formats(const char *list) {
    unsigned bits = 0;
    if (!list) return HLOC_DUMP_TEXT;
    if (strstr(list, "text")) bits |= HLOC_DUMP_TEXT;
    if (strstr(list, "dot")) bits |= HLOC_DUMP_DOT;
    if (strstr(list, "html")) bits |= HLOC_DUMP_HTML;
    return bits ? bits : HLOC_DUMP_TEXT;
}

static hloc_status *optimize(hloc_module *m, const hloc_jit_options *o) {
    hloc_pipeline *p = NULL;
    if (o->passes) HLOC_RETURN_IF_ERROR(hloc_pipeline_parse("custom", o->passes, &p));
    else if (!(p = hloc_pipeline_default())) return hloc_status_oom();
    int seq = 0;
    hloc_pass_options po = hloc_pass_options_default();
    po.dump_dir = o->dump_dir;
    po.dump_passes = o->dump_passes;
    po.dump_formats = formats(o->dump_format);
    po.time_passes = o->time_passes;
    po.verify_each = o->verify_each;
    po.exact = o->exact;
    po.dump_seq = &seq;
    hloc_status *st = hloc_dump_module(m, &po, &seq, "before_optimizations");
    if (!st) st = hloc_pipeline_run(p, m, &po, NULL);
    if (!st) st = hloc_dump_module(m, &po, &seq, "after_optimizations");
    hloc_pipeline_destroy(p);
    return st;
}

static hloc_status *compile_module(hloc_module *m, const hloc_jit_options *o, hloc_jit_module **out) {
    hloc_jit_options def;
    if (!o) {
        hloc_status *env = hloc_jit_options_init(&def);
        if (env) return env;
        o = &def;
    }
    HLOC_RETURN_IF_ERROR(hloc_module_verify(m));
    HLOC_RETURN_IF_ERROR(optimize(m, o));
    hloc_jit_module *j = calloc(1, sizeof *j);
    if (!j) return hloc_status_oom();
    hloc_cpu_options co = {.cpu = o->cpu, .opt_level = o->opt_level, .dump_dir = o->dump_dir};
    hloc_status *st = hloc_cpu_jit_compile(m, &co, &j->jit);
    if (!st) st = hloc_executable_wrap(hloc_cpu_jit_metadata(j->jit), &j->exe);
    if (!st) st = hloc_thread_pool_create(o->threads, &j->pool);
    if (st) {
        hloc_jit_destroy(j);
        return st;
    }
    *out = j;
    return NULL;
}

hloc_status *hloc_jit_compile_text(const char *text, size_t len, const char *name, const hloc_jit_options *o,
                                   hloc_jit_module **out) {
    *out = NULL;
    hloc_module *m = NULL;
    HLOC_RETURN_IF_ERROR(hloc_module_parse_text(text, len, name, &m));
    hloc_status *st = compile_module(m, o, out);
    hloc_module_destroy(m);
    return st;
}

hloc_status *hloc_jit_compile_file(const char *path, const hloc_jit_options *o, hloc_jit_module **out) {
    *out = NULL;
    hloc_module *m = NULL;
    HLOC_RETURN_IF_ERROR(hloc_module_parse_file(path, &m));
    hloc_status *st = compile_module(m, o, out);
    hloc_module_destroy(m);
    return st;
}

const hloc_executable *hloc_jit_executable(const hloc_jit_module *m) { return m->exe; }

hloc_status *hloc_jit_run(const hloc_jit_module *m, const hloc_buffer *params, size_t n_params,
                          const hloc_buffer *results, size_t n_results) {
    hloc_run_options o;
    hloc_run_options_init(&o, hloc_thread_pool_size(m->pool) > 1 ? m->pool : NULL);
    return hloc_executable_run(m->exe, params, n_params, results, n_results, &o);
}

void hloc_jit_destroy(hloc_jit_module *m) {
    if (!m) return;
    hloc_thread_pool_destroy(m->pool);
    hloc_executable_unload(m->exe);
    hloc_cpu_jit_destroy(m->jit);
    free(m);
}
