/* The steps of `hloc compile` after code generation: object file, link, NEEDED check, header.
 * The header comes from the linked .so's own metadata, read back through the runtime, so the
 * header and the library cannot disagree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "hloc/runtime.h"

/* What an emitted module may depend on (DESIGN.md: nothing beyond libc/libm). */
static int allowed_needed(const char *lib) {
    return !strcmp(lib, "libc.so.6") || !strcmp(lib, "libm.so.6");
}

static hloc_status *check_needed(const char *so_path) {
    char **needed;
    size_t n;
    HLOC_RETURN_IF_ERROR(hloc_elf_needed(so_path, &needed, &n));
    hloc_status *st = NULL;
    for (size_t i = 0; i < n && !st; i++)
        if (!allowed_needed(needed[i]))
            st = hloc_status_new(HLOC_STATUS_INTERNAL,
                                 "%s: needs %s, but an hloc module may need only libc and libm",
                                 so_path, needed[i]);
    free(needed);
    return st;
}

static hloc_status *write_header(const char *so_path, const char *header_path) {
    hloc_executable *e = NULL;
    HLOC_RETURN_IF_ERROR(hloc_executable_load_metadata_only(so_path, &e));
    const char *base = strrchr(so_path, '/');
    char *text = NULL;
    hloc_status *st = hloc_header_generate(hloc_executable_metadata(e), base ? base + 1 : so_path,
                                           &text);
    hloc_executable_unload(e);
    if (!st) st = hloc_write_file(header_path, text, strlen(text));
    free(text);
    return st;
}

hloc_status *hloc_aot_package(const void *obj, size_t len, const char *so_path,
                              const char *header_path, const char *object_path,
                              const char *const *externs, size_t n_externs) {
    char tmp[4096];
    const char *obj_path = object_path;
    if (!obj_path) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/hloc-XXXXXX.o", dir && *dir ? dir : "/tmp");
        int fd = mkstemps(tmp, 2);
        if (fd < 0)
            return hloc_status_new(HLOC_STATUS_IO, "%s: cannot create: %s", tmp, strerror(errno));
        close(fd);
        obj_path = tmp;
    }
    hloc_status *st = hloc_write_file(obj_path, obj, len);
    if (!st) st = hloc_link_shared(obj_path, so_path, externs, n_externs);
    if (!object_path) unlink(tmp);
    if (!st) st = check_needed(so_path);
    if (!st && header_path) st = write_header(so_path, header_path);
    return st;
}
