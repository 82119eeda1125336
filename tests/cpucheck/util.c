/* Compiling for a named CPU the way `hloc compile --cpu` does, for the cpucheck tests. */
#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "pass.h"

const char *fixture_v2_path, *hloc_exe_path;

hloc_status *cc_load(const char *text, const char *path, hloc_module **out) {
    *out = NULL;
    hloc_module *m = NULL;
    HLOC_RETURN_IF_ERROR(text ? hloc_module_parse_text(text, strlen(text), "test.hlo", &m)
                              : hloc_module_parse_file(path, &m));
    hloc_status *st = hloc_module_verify(m);
    hloc_pipeline *p = st ? NULL : hloc_pipeline_default();
    if (!st && !p) st = hloc_status_oom();
    hloc_pass_options po = hloc_pass_options_default();
    if (!st) st = hloc_pipeline_run(p, m, &po, NULL);
    hloc_pipeline_destroy(p);
    if (st) {
        hloc_module_destroy(m);
        return st;
    }
    *out = m;
    return NULL;
}

hloc_status *cc_object(const hloc_module *m, const char *cpu, const char *name, const char *dump_dir,
                       void **obj, size_t *len) {
    hloc_cpu_options o = {.name = name, .cpu = cpu, .opt_level = 2, .dump_dir = dump_dir};
    return hloc_cpu_compile_object(m, &o, 1, obj, len);
}

hloc_status *cc_shared(const char *text, const char *cpu, const char *so_path) {
    hloc_module *m;
    HLOC_RETURN_IF_ERROR(cc_load(text, NULL, &m));
    void *obj = NULL;
    size_t len = 0;
    hloc_status *st = cc_object(m, cpu, "model", NULL, &obj, &len);
    if (!st) st = hloc_aot_package(obj, len, so_path, NULL, NULL, NULL, 0);
    free(obj);
    hloc_module_destroy(m);
    return st;
}

char *cc_tmpdir(void) {
    char *d = strdup("/tmp/hloc_cpucheck_XXXXXX");
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

void cc_rmdir(char *dir) {
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
    free(dir);
}

char *cc_read(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *t = realloc(buf, cap);
            if (!t) break;
            buf = t;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (!k) break;
    }
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}
