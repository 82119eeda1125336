/* case.json → conf_case. */
#include "case.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "npy_literal.h"

static hloc_status *read_text(const char *path, char **out, size_t *len) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hloc_status_new(errno == ENOENT ? HLOC_STATUS_NOT_FOUND : HLOC_STATUS_IO,
                               "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger) free(buf);
        buf = bigger;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf) return hloc_status_oom();
    if (err) {
        free(buf);
        return hloc_status_new(HLOC_STATUS_IO, "%s: read error", path);
    }
    *out = buf;
    *len = n;
    return NULL;
}

static hloc_status *bad(const char *path, const char *field, const char *what) {
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: %s: %s", path, field, what);
}

static hloc_status *load_specs(hloc_arena *a, const char *path, const conf_json *root,
                               const char *key, conf_array_spec **out, uint32_t *n_out) {
    const conf_json *list = conf_json_get(root, key);
    if (!list || list->kind != CONF_JSON_ARRAY) return bad(path, key, "missing or not an array");
    *n_out = list->n;
    *out = HLOC_ARENA_ARRAY(a, conf_array_spec, list->n ? list->n : 1);
    if (!*out) return hloc_status_oom();
    for (uint32_t i = 0; i < list->n; i++) {
        char field[64];
        snprintf(field, sizeof field, "%s[%u]", key, i);
        const conf_json *e = &list->items[i];
        const conf_json *file = conf_json_get(e, "file"), *dtype = conf_json_get(e, "dtype"),
                        *shape = conf_json_get(e, "shape");
        if (!file || file->kind != CONF_JSON_STRING) return bad(path, field, "'file' missing or not a string");
        if (!dtype || dtype->kind != CONF_JSON_STRING)
            return bad(path, field, "'dtype' missing or not a string");
        if (!shape || shape->kind != CONF_JSON_ARRAY) return bad(path, field, "'shape' missing or not an array");
        conf_array_spec *s = &(*out)[i];
        s->file = file->string;
        s->dtype = hloc_npy_dtype_from_name(dtype->string);
        hloc_type t = hloc_type_of_npy_dtype(s->dtype);
        if (t == HLOC_TYPE_INVALID)
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: %s: unknown dtype '%s'",
                                   path, field, dtype->string);
        if (shape->n > HLOC_MAX_RANK) return bad(path, field, "too many dimensions");
        int64_t dims[HLOC_MAX_RANK];
        for (uint32_t d = 0; d < shape->n; d++) {
            double v = shape->items[d].number;
            if (shape->items[d].kind != CONF_JSON_NUMBER || v < 0 || v != (double)(int64_t)v ||
                v > 9.0e15)
                return bad(path, field, "'shape' must hold non-negative integers");
            dims[d] = (int64_t)v;
        }
        s->shape = hloc_shape_array(t, shape->n, dims);
    }
    return NULL;
}

hloc_status *conf_case_load(hloc_arena *a, const char *path, conf_case *out) {
    memset(out, 0, sizeof *out);
    char *text;
    size_t len = 0;
    HLOC_RETURN_IF_ERROR(read_text(path, &text, &len));
    conf_json *root;
    hloc_status *st = conf_json_parse(a, text, len, path, &root);
    free(text);
    if (st) return st;
    if (root->kind != CONF_JSON_OBJECT) return bad(path, "top level", "not an object");
    const conf_json *name = conf_json_get(root, "name"), *tol = conf_json_get(root, "tolerance");
    if (!name || name->kind != CONF_JSON_STRING) return bad(path, "name", "missing or not a string");
    if (!tol || tol->kind != CONF_JSON_NUMBER || !(tol->number >= 0))
        return bad(path, "tolerance", "missing or not a non-negative number");
    out->name = name->string;
    out->tolerance = tol->number;
    HLOC_RETURN_IF_ERROR(load_specs(a, path, root, "inputs", &out->inputs, &out->n_inputs));
    HLOC_RETURN_IF_ERROR(load_specs(a, path, root, "outputs", &out->outputs, &out->n_outputs));
    return NULL;
}
