/* Loading emitted modules and calling them: dlopen a .so (or wrap JIT metadata), check the
 * caller's buffers against the metadata, then call the typed entry point through libffi with one
 * pointer per parameter and result plus the options pointer. The call interface is prepared once
 * at load time; a prepared ffi_cif is read-only afterwards, so runs may share it across threads. */
#include <dlfcn.h>
#include <errno.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu_features.h"
#include "hloc/runtime.h"
#include "metadata.h"
#include "status.h"

struct hloc_executable {
    const hloc_module_metadata *md;
    void *dl;              /* dlopen handle; NULL for wrapped metadata */
    ffi_cif cif;
    ffi_type **arg_types;  /* n_params + n_results + 1 pointers, referenced by cif */
    int metadata_only;     /* loaded with lazy binding: not to be run */
};

static hloc_status *prepare(const hloc_module_metadata *md, void *dl, hloc_executable **out) {
    hloc_executable *e = calloc(1, sizeof *e);
    size_t n_args = (size_t)md->n_params + md->n_results + 1;
    ffi_type **types = e ? malloc(n_args * sizeof *types) : NULL;
    if (!types) {
        free(e);
        return hloc_status_oom();
    }
    for (size_t i = 0; i < n_args; i++) types[i] = &ffi_type_pointer;
    ffi_status fs = ffi_prep_cif(&e->cif, FFI_DEFAULT_ABI, (unsigned)n_args, &ffi_type_void, types);
    if (fs != FFI_OK) {
        free(types);
        free(e);
        return hloc_status_new(HLOC_STATUS_INTERNAL, "ffi_prep_cif failed (%d) for %zu arguments",
                               (int)fs, n_args);
    }
    e->md = md;
    e->dl = dl;
    e->arg_types = types;
    *out = e;
    return NULL;
}

/* Code compiled for a CPU with features this one lacks dies of SIGILL somewhere inside the entry;
 * refuse it at load time instead, naming what is missing. */
static hloc_status *check_cpu(const hloc_module_metadata *md, const char *origin) {
    char lacks[1024], cpu[128];
    size_t n = hloc_rt_cpu_lacks(hloc_rt_metadata_cpu_features(md), lacks, sizeof lacks);
    if (!n) return NULL;
    hloc_rt_metadata_cpu(md, cpu, sizeof cpu);
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                           "%s was compiled for %s and needs %s this CPU lacks: %s; "
                           "compile it for this machine (hloc compile --cpu native, the default) "
                           "to run it here",
                           origin, cpu, n == 1 ? "a CPU feature" : "CPU features", lacks);
}

HLOC_API hloc_status *hloc_executable_wrap(const hloc_module_metadata *md, hloc_executable **out) {
    *out = NULL;
    const char *origin = md && md->name ? md->name : "metadata";
    HLOC_RETURN_IF_ERROR(hloc_rt_metadata_check(md, origin));
    HLOC_RETURN_IF_ERROR(check_cpu(md, origin));
    return prepare(md, NULL, out);
}

static hloc_status *load(const char *path, int metadata_only, hloc_executable **out) {
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return hloc_status_new(errno == ENOENT ? HLOC_STATUS_NOT_FOUND : HLOC_STATUS_IO, "%s: %s",
                               path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: not a regular file", path);
    /* Without a slash dlopen would search the library path instead of opening this file. */
    char *p = NULL;
    if (!strchr(path, '/')) {
        size_t n = strlen(path);
        p = malloc(n + 3);
        if (!p) return hloc_status_oom();
        memcpy(p, "./", 2);
        memcpy(p + 2, path, n + 1);
    }
    void *dl = dlopen(p ? p : path, (metadata_only ? RTLD_LAZY : RTLD_NOW) | RTLD_LOCAL);
    free(p);
    if (!dl) {
        const char *why = dlerror();
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: cannot load: %s", path,
                               why ? why : "unknown dlopen error");
    }
    /* POSIX lets a data pointer hold a function address from dlsym; the cast goes via uintptr_t
     * to keep -Wpedantic quiet. */
    void *sym = dlsym(dl, "hloc_module_info");
    if (!sym) {
        dlclose(dl);
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: not an hloc module (no hloc_module_info symbol)", path);
    }
    const hloc_module_metadata *(*info)(void) =
        (const hloc_module_metadata *(*)(void))(uintptr_t)sym;
    const hloc_module_metadata *md = info();
    hloc_status *s = hloc_rt_metadata_check(md, path);
    /* Reading the metadata (inspect, headers) is fine on any CPU; running is not. */
    if (!s && !metadata_only) s = check_cpu(md, path);
    if (!s) s = prepare(md, dl, out);
    if (s) dlclose(dl);
    else (*out)->metadata_only = metadata_only;
    return s;
}

HLOC_API hloc_status *hloc_executable_load(const char *path, hloc_executable **out) {
    return load(path, 0, out);
}

HLOC_API hloc_status *hloc_executable_load_metadata_only(const char *path, hloc_executable **out) {
    return load(path, 1, out);
}

HLOC_API void hloc_executable_unload(hloc_executable *e) {
    if (!e) return;
    if (e->dl) dlclose(e->dl);
    free(e->arg_types);
    free(e);
}

HLOC_API const hloc_module_metadata *hloc_executable_metadata(const hloc_executable *e) {
    return e->md;
}

static hloc_status *check_buffer(const hloc_buffer_desc *d, const hloc_buffer *b, const char *kind,
                                 size_t i) {
    char want[256];
    const char *name = d->name ? d->name : "";
    if (b->type != d->type) {
        hloc_buffer_desc_format(d, want, sizeof want);
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s %zu (%s): expected %s, got %s elements", kind, i, name, want,
                               hloc_runtime_type_name(b->type));
    }
    if (b->bytes != d->bytes) {
        hloc_buffer_desc_format(d, want, sizeof want);
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s %zu (%s): expected %s (%llu bytes), got %llu bytes", kind, i,
                               name, want, (unsigned long long)d->bytes,
                               (unsigned long long)b->bytes);
    }
    if (!b->data && d->bytes)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s %zu (%s): NULL data", kind, i,
                               name);
    return NULL;
}

static int overlap(const hloc_buffer *a, const hloc_buffer *b) {
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a->bytes && b->bytes && a0 < b0 + b->bytes && b0 < a0 + a->bytes;
}

static bool aliased(const hloc_module_metadata *md, size_t result, size_t param) {
    for (uint32_t k = 0; k < md->n_aliases; k++)
        if (md->aliases[k].result == result && md->aliases[k].param == param) return true;
    return false;
}

static hloc_status *check_options(const hloc_module_metadata *md, const hloc_run_options *o) {
    if (!o) return NULL;
    if (o->version < HLOC_RT_MIN_ABI_VERSION || o->version > HLOC_ABI_VERSION)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "run options: version %u, expected %u (use hloc_run_options_init)",
                               o->version, HLOC_ABI_VERSION);
    if (o->scratch && o->scratch_bytes < md->scratch_bytes)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "run options: scratch of %llu bytes, the module needs %llu",
                               (unsigned long long)o->scratch_bytes,
                               (unsigned long long)md->scratch_bytes);
    if (o->scratch && (uintptr_t)o->scratch % 64)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "run options: scratch is not 64-byte aligned");
    if (o->parallel_for && o->n_threads < 1)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "run options: parallel_for with n_threads = %d", (int)o->n_threads);
    return NULL;
}

HLOC_API hloc_status *hloc_executable_run(const hloc_executable *e, const hloc_buffer *params,
                                          size_t n_params, const hloc_buffer *results,
                                          size_t n_results, const hloc_run_options *opts) {
    const hloc_module_metadata *md = e->md;
    const char *mname = md->name ? md->name : "module";
    if (e->metadata_only)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s was loaded for its metadata only; load it to run it", mname);
    if (n_params != md->n_params || n_results != md->n_results)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s takes %u parameters and %u results, got %zu and %zu", mname,
                               md->n_params, md->n_results, n_params, n_results);
    for (size_t i = 0; i < n_params; i++)
        HLOC_RETURN_IF_ERROR(check_buffer(&md->params[i], &params[i], "parameter", i));
    for (size_t i = 0; i < n_results; i++)
        HLOC_RETURN_IF_ERROR(check_buffer(&md->results[i], &results[i], "result", i));
    /* The entry writes results while reading everything else, so a result may share memory with
     * nothing, except exactly the buffer of a parameter that input_output_alias pairs it with. */
    for (size_t i = 0; i < n_results; i++) {
        for (size_t j = 0; j < n_params; j++)
            if (overlap(&results[i], &params[j]) &&
                !(results[i].data == params[j].data && aliased(md, i, j)))
                return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                       "result %zu (%s) overlaps parameter %zu (%s)", i,
                                       md->results[i].name ? md->results[i].name : "", j,
                                       md->params[j].name ? md->params[j].name : "");
        for (size_t j = 0; j < i; j++)
            if (overlap(&results[i], &results[j]))
                return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                       "result %zu (%s) overlaps result %zu (%s)", i,
                                       md->results[i].name ? md->results[i].name : "", j,
                                       md->results[j].name ? md->results[j].name : "");
    }
    HLOC_RETURN_IF_ERROR(check_options(md, opts));

    size_t n_args = n_params + n_results + 1;
    void **ptrs = malloc(n_args * sizeof *ptrs);
    void **values = malloc(n_args * sizeof *values);
    if (!ptrs || !values) {
        free(ptrs);
        free(values);
        return hloc_status_oom();
    }
    for (size_t i = 0; i < n_params; i++) ptrs[i] = params[i].data;
    for (size_t i = 0; i < n_results; i++) ptrs[n_params + i] = results[i].data;
    ptrs[n_args - 1] = (void *)(uintptr_t)opts;
    for (size_t i = 0; i < n_args; i++) values[i] = &ptrs[i];
    ffi_call((ffi_cif *)&e->cif, md->entry, NULL, values);
    free(ptrs);
    free(values);
    return NULL;
}
