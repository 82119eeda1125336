/* Validation and formatting of module metadata. A .so could have been built by another hloc
 * version or be corrupt, so every count, type, rank, dimension and size is checked before the
 * loader relies on it (sizes with overflow checks). */
#include "metadata.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hloc/runtime.h"

uint64_t hloc_rt_desc_elements(const hloc_buffer_desc *d) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < d->rank; i++) n *= (uint64_t)d->dims[i];
    return n;
}

static hloc_status *bad(const hloc_buffer_desc *d, const char *origin, const char *kind,
                        uint32_t index, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static hloc_status *bad(const hloc_buffer_desc *d, const char *origin, const char *kind,
                        uint32_t index, const char *fmt, ...) {
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: corrupt metadata: %s %u (%s): %s",
                           origin, kind, index, d->name ? d->name : "", what);
}

static hloc_status *check_desc(const hloc_buffer_desc *d, const char *origin, const char *kind,
                               uint32_t index) {
#define BAD(...) bad(d, origin, kind, index, __VA_ARGS__)
    if (!d->type || !strcmp(hloc_runtime_type_name(d->type), "invalid"))
        return BAD("unknown element type code %u", d->type);
    if (d->rank > HLOC_RT_MAX_RANK) return BAD("rank %u", d->rank);
    if (d->rank && !d->dims) return BAD("no dimensions for rank %u", d->rank);
    uint64_t elems = 1;
    for (uint32_t i = 0; i < d->rank; i++) {
        if (d->dims[i] < 0) return BAD("dimension %u is %lld", i, (long long)d->dims[i]);
        if (__builtin_mul_overflow(elems, (uint64_t)d->dims[i], &elems))
            return BAD("element count overflows");
    }
    if (d->minor_to_major) {
        uint64_t seen = 0;
        for (uint32_t i = 0; i < d->rank; i++) {
            int64_t m = d->minor_to_major[i];
            if (m < 0 || m >= (int64_t)d->rank || (seen >> m & 1))
                return BAD("layout is not a permutation of the dimensions");
            seen |= 1ull << m;
        }
    }
    uint64_t bytes;
    if (__builtin_mul_overflow(elems, (uint64_t)hloc_runtime_type_bytes(d->type), &bytes))
        return BAD("byte size overflows");
    if (bytes != d->bytes)
        return BAD("%llu bytes recorded, %llu by its shape", (unsigned long long)d->bytes,
                   (unsigned long long)bytes);
#undef BAD
    return NULL;
}

hloc_status *hloc_rt_metadata_check(const hloc_module_metadata *md, const char *origin) {
    if (!md) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: no metadata", origin);
    if (md->magic != HLOC_ABI_MAGIC)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: not an hloc module (bad metadata magic 0x%08x)", origin,
                               md->magic);
    if (md->version < HLOC_RT_MIN_ABI_VERSION || md->version > HLOC_ABI_VERSION)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: built for hloc ABI version %u, this runtime reads versions "
                               "%u to %u",
                               origin, md->version, HLOC_RT_MIN_ABI_VERSION, HLOC_ABI_VERSION);
    if (!md->entry)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: corrupt metadata: no entry point",
                               origin);
    if (md->n_params > HLOC_RT_MAX_BUFFERS || md->n_results > HLOC_RT_MAX_BUFFERS ||
        (md->n_params && !md->params) || (md->n_results && !md->results))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "%s: corrupt metadata: %u parameters, %u results", origin,
                               md->n_params, md->n_results);
    for (uint32_t i = 0; i < md->n_params; i++)
        HLOC_RETURN_IF_ERROR(check_desc(&md->params[i], origin, "parameter", i));
    for (uint32_t i = 0; i < md->n_results; i++)
        HLOC_RETURN_IF_ERROR(check_desc(&md->results[i], origin, "result", i));
    if (md->n_aliases > md->n_results || (md->n_aliases && !md->aliases))
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: corrupt metadata: %u aliases",
                               origin, md->n_aliases);
    for (uint32_t i = 0; i < md->n_aliases; i++) {
        const hloc_alias_desc *a = &md->aliases[i];
        if (a->result >= md->n_results || a->param >= md->n_params ||
            md->results[a->result].bytes != md->params[a->param].bytes)
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "%s: corrupt metadata: alias %u pairs result %u with parameter %u",
                                   origin, i, a->result, a->param);
    }
    return NULL;
}

const char *hloc_rt_metadata_cpu_features(const hloc_module_metadata *md) {
    return md->version >= 3 && md->cpu_features ? md->cpu_features : "";
}

void hloc_rt_metadata_cpu(const hloc_module_metadata *md, char *buf, size_t cap) {
    const char *t = md->target ? strchr(md->target, ' ') : NULL;
    snprintf(buf, cap, "%s", t && t[1] ? t + 1 : "another CPU");
    buf[strcspn(buf, " ")] = 0;
}

HLOC_API char *hloc_buffer_desc_format(const hloc_buffer_desc *d, char *buf, size_t cap) {
    if (!cap) return buf;
    size_t n = 0;
#define PUT(...)                                                                    \
    do {                                                                            \
        if (n < cap) {                                                              \
            int k_ = snprintf(buf + n, cap - n, __VA_ARGS__);                       \
            n = k_ < 0 ? cap : n + (size_t)k_;                                      \
        }                                                                           \
    } while (0)
    buf[0] = 0;
    PUT("%s[", hloc_runtime_type_name(d->type));
    for (uint32_t i = 0; i < d->rank && d->dims; i++) PUT("%s%lld", i ? "," : "", (long long)d->dims[i]);
    PUT("]");
    bool row_major = true;
    for (uint32_t i = 0; i < d->rank && d->minor_to_major; i++)
        if (d->minor_to_major[i] != (int64_t)(d->rank - 1 - i)) row_major = false;
    if (!row_major) {
        PUT("{");
        for (uint32_t i = 0; i < d->rank; i++)
            PUT("%s%lld", i ? "," : "", (long long)d->minor_to_major[i]);
        PUT("}");
    }
#undef PUT
    return buf;
}
