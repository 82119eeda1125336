/* The public parse API (include/hloc/hloc.h) over the parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

HLOC_API hloc_status *hloc_module_parse_text(const char *text, size_t len, const char *name,
                                             hloc_module **out_module) {
    if (!out_module) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "out_module is NULL");
    *out_module = NULL;
    if (!text && len) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "text is NULL");
    return hloc_parse_module(text, len, name ? name : "<input>", out_module);
}

HLOC_API hloc_status *hloc_module_parse_file(const char *path, hloc_module **out_module) {
    if (!out_module) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "out_module is NULL");
    *out_module = NULL;
    if (!path) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return hloc_status_new(e == ENOENT ? HLOC_STATUS_NOT_FOUND : HLOC_STATUS_IO,
                               "%s: cannot open: %s", path, strerror(e));
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return hloc_status_oom();
    }
    for (;;) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return hloc_status_oom();
            }
            buf = nb;
            cap *= 2;
        }
        errno = 0;
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int e = errno;
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return hloc_status_new(HLOC_STATUS_IO, "%s: cannot read: %s", path,
                               e ? strerror(e) : "read error");
    }
    hloc_status *st = hloc_parse_module(buf, len, path, out_module);
    free(buf);
    return st;
}
