/* .npy reader and writer. Format: "\x93NUMPY", major, minor, a little-endian header length (2 bytes
 * in 1.0, 4 in 2.0/3.0), then a Python dict literal {'descr': ..., 'fortran_order': ...,
 * 'shape': (...)} padded with spaces to a 64-byte boundary and ended by '\n', then the raw data.
 * Touches only libc and the status object. */
#include "npy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;  /* NumPy's dtype name */
    char kind;         /* descr type character */
    unsigned size;     /* bytes per element */
} dtypes[HLOC_NPY_DTYPE_COUNT] = {
    [HLOC_NPY_BOOL] = {"bool", 'b', 1},        [HLOC_NPY_I8] = {"int8", 'i', 1},
    [HLOC_NPY_I16] = {"int16", 'i', 2},        [HLOC_NPY_I32] = {"int32", 'i', 4},
    [HLOC_NPY_I64] = {"int64", 'i', 8},        [HLOC_NPY_U8] = {"uint8", 'u', 1},
    [HLOC_NPY_U16] = {"uint16", 'u', 2},       [HLOC_NPY_U32] = {"uint32", 'u', 4},
    [HLOC_NPY_U64] = {"uint64", 'u', 8},       [HLOC_NPY_F16] = {"float16", 'f', 2},
    [HLOC_NPY_BF16] = {"bfloat16", 0, 2},      [HLOC_NPY_F32] = {"float32", 'f', 4},
    [HLOC_NPY_F64] = {"float64", 'f', 8},      [HLOC_NPY_C64] = {"complex64", 'c', 8},
    [HLOC_NPY_C128] = {"complex128", 'c', 16},
};

size_t hloc_npy_dtype_size(hloc_npy_dtype t) {
    return t > HLOC_NPY_INVALID && t < HLOC_NPY_DTYPE_COUNT ? dtypes[t].size : 0;
}

const char *hloc_npy_dtype_name(hloc_npy_dtype t) {
    return t > HLOC_NPY_INVALID && t < HLOC_NPY_DTYPE_COUNT ? dtypes[t].name : "invalid";
}

hloc_npy_dtype hloc_npy_dtype_from_name(const char *name) {
    for (int t = 1; t < HLOC_NPY_DTYPE_COUNT; t++)
        if (!strcmp(dtypes[t].name, name)) return (hloc_npy_dtype)t;
    return HLOC_NPY_INVALID;
}

int64_t hloc_npy_elements(const hloc_npy_array *a) {
    int64_t n = 1;
    for (uint32_t i = 0; i < a->rank; i++) {
        if (a->dims[i] < 0) return -1;
        if (a->dims[i] && n > INT64_MAX / a->dims[i]) return -1;
        n *= a->dims[i];
    }
    return n;
}

void hloc_npy_free(hloc_npy_array *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

uint16_t hloc_npy_f32_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float hloc_npy_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- header parsing ------------------------------------------------------------------------ */

typedef struct header {
    const char *path;
    const char *s, *end; /* the dict text */
    char descr[64];
    bool has_descr, has_order, has_shape, fortran;
    uint32_t rank;
    int64_t dims[HLOC_NPY_MAX_RANK];
} header;

static hloc_status *bad_header(const header *h, const char *what) {
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: malformed .npy header: %s", h->path,
                           what);
}

static void skip_ws(header *h) {
    while (h->s < h->end && (*h->s == ' ' || *h->s == '\t' || *h->s == '\n' || *h->s == '\r'))
        h->s++;
}

static bool eat(header *h, char c) {
    skip_ws(h);
    if (h->s < h->end && *h->s == c) {
        h->s++;
        return true;
    }
    return false;
}

/* A Python string literal in ' or " without escapes (NumPy never writes any), into buf. */
static hloc_status *parse_string(header *h, char *buf, size_t cap) {
    skip_ws(h);
    if (h->s >= h->end || (*h->s != '\'' && *h->s != '"')) return bad_header(h, "expected a string");
    char q = *h->s++;
    size_t n = 0;
    while (h->s < h->end && *h->s != q) {
        if (*h->s == '\\' || n + 1 >= cap) return bad_header(h, "unsupported string literal");
        buf[n++] = *h->s++;
    }
    if (h->s >= h->end) return bad_header(h, "unterminated string");
    h->s++;
    buf[n] = 0;
    return NULL;
}

static hloc_status *parse_shape(header *h) {
    if (!eat(h, '(')) return bad_header(h, "'shape' must be a tuple");
    h->rank = 0;
    for (;;) {
        if (eat(h, ')')) break;
        skip_ws(h);
        if (h->s >= h->end || *h->s < '0' || *h->s > '9')
            return bad_header(h, "'shape' must hold non-negative integers");
        int64_t v = 0;
        while (h->s < h->end && *h->s >= '0' && *h->s <= '9') {
            if (v > (INT64_MAX - 9) / 10) return bad_header(h, "dimension too large");
            v = v * 10 + (*h->s++ - '0');
        }
        if (h->s < h->end && *h->s == 'L') h->s++; /* Python 2 long suffix */
        if (h->rank == HLOC_NPY_MAX_RANK) return bad_header(h, "more than 32 dimensions");
        h->dims[h->rank++] = v;
        if (eat(h, ',')) continue;
        if (eat(h, ')')) break;
        return bad_header(h, "expected ',' or ')' in 'shape'");
    }
    h->has_shape = true;
    return NULL;
}

static hloc_status *parse_dict(header *h) {
    if (!eat(h, '{')) return bad_header(h, "expected '{'");
    for (;;) {
        if (eat(h, '}')) break;
        char key[32];
        HLOC_RETURN_IF_ERROR(parse_string(h, key, sizeof key));
        if (!eat(h, ':')) return bad_header(h, "expected ':' after a key");
        if (!strcmp(key, "descr")) {
            skip_ws(h);
            if (h->s < h->end && *h->s == '[')
                return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                       "%s: unsupported .npy dtype: structured arrays", h->path);
            HLOC_RETURN_IF_ERROR(parse_string(h, h->descr, sizeof h->descr));
            h->has_descr = true;
        } else if (!strcmp(key, "fortran_order")) {
            skip_ws(h);
            if ((size_t)(h->end - h->s) >= 4 && !memcmp(h->s, "True", 4)) {
                h->fortran = true;
                h->s += 4;
            } else if ((size_t)(h->end - h->s) >= 5 && !memcmp(h->s, "False", 5)) {
                h->fortran = false;
                h->s += 5;
            } else {
                return bad_header(h, "'fortran_order' must be True or False");
            }
            h->has_order = true;
        } else if (!strcmp(key, "shape")) {
            HLOC_RETURN_IF_ERROR(parse_shape(h));
        } else {
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "%s: malformed .npy header: unexpected key '%s'", h->path, key);
        }
        if (eat(h, ',')) continue;
        if (eat(h, '}')) break;
        return bad_header(h, "expected ',' or '}'");
    }
    skip_ws(h);
    if (h->s != h->end) return bad_header(h, "text after the closing '}'");
    if (!h->has_descr) return bad_header(h, "missing 'descr'");
    if (!h->has_order) return bad_header(h, "missing 'fortran_order'");
    if (!h->has_shape) return bad_header(h, "missing 'shape'");
    return NULL;
}

/* Maps a descr such as '<f4' to a dtype; *swap is set for big-endian data. */
static hloc_status *parse_descr(const header *h, hloc_npy_dtype *out, bool *swap) {
    const char *d = h->descr;
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=') order = 0;
    else d++;
    char kind = d[0];
    char *end;
    long size = kind ? strtol(d + 1, &end, 10) : 0;
    if (kind && d[1] >= '0' && d[1] <= '9' && !*end) {
        for (int t = 1; t < HLOC_NPY_DTYPE_COUNT; t++) {
            if (dtypes[t].kind != kind || dtypes[t].size != (unsigned)size) continue;
            *out = (hloc_npy_dtype)t;
            *swap = order == '>' && size > 1;
            return NULL;
        }
    }
    return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                           "%s: unsupported .npy dtype '%s' (supported: b1, i1, i2, i4, i8, u1, "
                           "u2, u4, u8, f2, f4, f8, c8, c16)",
                           h->path, h->descr);
}

static void byteswap(void *data, size_t nbytes, size_t unit) {
    unsigned char *p = data;
    for (size_t i = 0; i + unit <= nbytes; i += unit)
        for (size_t a = 0, b = unit - 1; a < b; a++, b--) {
            unsigned char t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

/* ---- reading ------------------------------------------------------------------------------- */

static hloc_status *read_exact(FILE *f, const char *path, void *buf, size_t n, const char *what) {
    size_t got = fread(buf, 1, n, f);
    if (got == n) return NULL;
    if (ferror(f))
        return hloc_status_new(HLOC_STATUS_IO, "%s: read error: %s", path, strerror(errno));
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                           "%s: truncated .npy file: %s has %zu of %zu bytes", path, what, got, n);
}

static hloc_status *read_file(FILE *f, const char *path, hloc_npy_array *out, char **hbuf) {
    unsigned char pre[12];
    size_t got = fread(pre, 1, 8, f);
    if (got < 6 || memcmp(pre, "\x93NUMPY", 6))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: not a .npy file (bad magic)",
                               path);
    if (got < 8)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: truncated .npy file: no version bytes", path);
    unsigned major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                               "%s: unsupported .npy format version %u.%u (supported: 1.0, 2.0, "
                               "3.0)",
                               path, major, minor);
    size_t len_bytes = major == 1 ? 2 : 4;
    HLOC_RETURN_IF_ERROR(read_exact(f, path, pre + 8, len_bytes, "the header length"));
    size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    if (major > 1) hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    /* NumPy refuses headers over 10 000 bytes unless told otherwise; a 1 MiB cap still catches
     * garbage lengths before allocating. */
    if (hlen > (1u << 20))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: malformed .npy header: length %zu is implausible", path, hlen);
    *hbuf = malloc(hlen + 1);
    if (!*hbuf) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(read_exact(f, path, *hbuf, hlen, "the header"));
    (*hbuf)[hlen] = 0;
    if (!hlen || (*hbuf)[hlen - 1] != '\n')
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: malformed .npy header: not terminated by a newline", path);
    if (memchr(*hbuf, 0, hlen))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: malformed .npy header: NUL byte in the header", path);

    header h = {.path = path, .s = *hbuf, .end = *hbuf + hlen};
    HLOC_RETURN_IF_ERROR(parse_dict(&h));
    bool swap = false;
    HLOC_RETURN_IF_ERROR(parse_descr(&h, &out->dtype, &swap));
    if (h.fortran) {
        bool trivial = h.rank <= 1;
        if (!trivial)
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "%s: Fortran-order .npy arrays are not supported; save a "
                                   "C-order array (numpy.ascontiguousarray)",
                                   path);
    }
    out->rank = h.rank;
    memcpy(out->dims, h.dims, sizeof h.dims);
    int64_t n = hloc_npy_elements(out);
    size_t item = hloc_npy_dtype_size(out->dtype);
    if (n < 0 || (uint64_t)n > SIZE_MAX / item)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: .npy shape is too large", path);
    out->nbytes = (size_t)n * item;
    out->data = malloc(out->nbytes ? out->nbytes : 1);
    if (!out->data) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(read_exact(f, path, out->data, out->nbytes, "the data"));
    if (fgetc(f) != EOF)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: .npy file has bytes after the %zu bytes of data its header "
                               "announces",
                               path, out->nbytes);
    if (swap) byteswap(out->data, out->nbytes, out->dtype >= HLOC_NPY_C64 ? item / 2 : item);
    if (out->dtype == HLOC_NPY_BOOL) {
        unsigned char *b = out->data;
        for (size_t i = 0; i < out->nbytes; i++) b[i] = b[i] != 0;
    }
    return NULL;
}

hloc_status *hloc_npy_read(const char *path, hloc_npy_array *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return hloc_status_new(errno == ENOENT ? HLOC_STATUS_NOT_FOUND : HLOC_STATUS_IO,
                               "%s: cannot open: %s", path, strerror(errno));
    char *hbuf = NULL;
    hloc_status *st = read_file(f, path, out, &hbuf);
    free(hbuf);
    fclose(f);
    if (st) hloc_npy_free(out);
    return st;
}

/* ---- writing ------------------------------------------------------------------------------- */

static hloc_status *write_error(const char *path) {
    return hloc_status_new(HLOC_STATUS_IO, "%s: write error: %s", path, strerror(errno));
}

static hloc_status *write_file(FILE *f, const char *path, const hloc_npy_array *a) {
    /* bf16 goes to disk as f32, the convention of the JAX corpus. */
    hloc_npy_dtype disk = a->dtype == HLOC_NPY_BF16 ? HLOC_NPY_F32 : a->dtype;
    char dict[64 + HLOC_NPY_MAX_RANK * 22];
    int n = snprintf(dict, sizeof dict, "{'descr': '%c%c%u', 'fortran_order': False, 'shape': (",
                     dtypes[disk].size == 1 ? '|' : '<', dtypes[disk].kind, dtypes[disk].size);
    for (uint32_t i = 0; i < a->rank; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%lld", i ? ", " : "",
                      (long long)a->dims[i]);
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", a->rank == 1 ? "," : "");
    /* Pad with spaces so that the data starts on a 64-byte boundary, as NumPy does. */
    size_t prefix = 10, total = prefix + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - prefix;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre || fwrite(dict, 1, (size_t)n, f) != (size_t)n)
        return write_error(path);
    for (size_t i = (size_t)n; i + 1 < hlen; i++)
        if (fputc(' ', f) == EOF) return write_error(path);
    if (fputc('\n', f) == EOF) return write_error(path);

    if (a->dtype != HLOC_NPY_BF16) {
        if (a->nbytes && fwrite(a->data, 1, a->nbytes, f) != a->nbytes) return write_error(path);
        return NULL;
    }
    const uint16_t *src = a->data;
    float chunk[1024];
    size_t count = a->nbytes / 2;
    for (size_t i = 0; i < count;) {
        size_t m = count - i < 1024 ? count - i : 1024;
        for (size_t j = 0; j < m; j++) chunk[j] = hloc_npy_bf16_to_f32(src[i + j]);
        if (fwrite(chunk, sizeof(float), m, f) != m) return write_error(path);
        i += m;
    }
    return NULL;
}

hloc_status *hloc_npy_write(const char *path, const hloc_npy_array *a) {
    size_t item = hloc_npy_dtype_size(a->dtype);
    if (!item)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: cannot write dtype %d to .npy",
                               path, (int)a->dtype);
    int64_t n = a->rank <= HLOC_NPY_MAX_RANK ? hloc_npy_elements(a) : -1;
    if (n < 0 || (uint64_t)n > SIZE_MAX / item || (size_t)n * item != a->nbytes ||
        (a->nbytes && !a->data))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: array to write has inconsistent rank, dims or byte size", path);
    FILE *f = fopen(path, "wb");
    if (!f) return hloc_status_new(HLOC_STATUS_IO, "%s: cannot create: %s", path, strerror(errno));
    hloc_status *st = write_file(f, path, a);
    if (fclose(f) && !st) st = write_error(path);
    if (st) remove(path);
    return st;
}

/* ---- conversion ---------------------------------------------------------------------------- */

hloc_status *hloc_npy_convert(hloc_npy_array *a, hloc_npy_dtype to) {
    if (a->dtype == to) return NULL;
    size_t count = a->nbytes / hloc_npy_dtype_size(a->dtype);
    if (a->dtype == HLOC_NPY_F32 && to == HLOC_NPY_BF16) {
        /* In place, front to back: the 2-byte write at i never overtakes the 4-byte read at i. */
        unsigned char *p = a->data;
        for (size_t i = 0; i < count; i++) {
            float v;
            memcpy(&v, p + 4 * i, sizeof v);
            uint16_t h = hloc_npy_f32_to_bf16(v);
            memcpy(p + 2 * i, &h, sizeof h);
        }
        a->nbytes = count * 2;
        a->dtype = to;
        return NULL;
    }
    if (a->dtype == HLOC_NPY_BF16 && to == HLOC_NPY_F32) {
        float *wide = malloc(count ? count * sizeof(float) : 1);
        if (!wide) return hloc_status_oom();
        const uint16_t *src = a->data;
        for (size_t i = 0; i < count; i++) wide[i] = hloc_npy_bf16_to_f32(src[i]);
        free(a->data);
        a->data = wide;
        a->nbytes = count * sizeof(float);
        a->dtype = to;
        return NULL;
    }
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "cannot convert %s array to %s",
                           hloc_npy_dtype_name(a->dtype), hloc_npy_dtype_name(to));
}
