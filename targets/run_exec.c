/* Literals ↔ entry-point buffers (run_exec.h). Buffers are 64-byte aligned, as emitted code may
 * assume of its arguments; a literal is copied into (or out of) a buffer through the layout of
 * the metadata's description, which for row-major shapes is a plain memcpy. */
#include "run_exec.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

bool hloc_shape_from_desc(const hloc_buffer_desc *d, hloc_shape *out) {
    if (d->rank > HLOC_MAX_RANK || !hloc_type_is_array((hloc_type)d->type)) return false;
    *out = hloc_shape_array((hloc_type)d->type, d->rank, d->dims);
    if (d->minor_to_major)
        for (uint32_t i = 0; i < d->rank; i++) out->minor_to_major[i] = (uint8_t)d->minor_to_major[i];
    return true;
}

/* Copies between logical row-major |lit| and physical |buf| laid out as |d| says. */
static void copy_layout(const hloc_buffer_desc *d, void *lit, void *buf, bool to_buffer) {
    size_t eb = hloc_runtime_type_bytes(d->type);
    uint64_t n = 1;
    for (uint32_t i = 0; i < d->rank; i++) n *= (uint64_t)d->dims[i];
    bool row_major = true;
    for (uint32_t i = 0; i < d->rank && d->minor_to_major; i++)
        if (d->minor_to_major[i] != (int64_t)(d->rank - 1 - i)) row_major = false;
    if (row_major) {
        if (to_buffer) memcpy(buf, lit, n * eb);
        else memcpy(lit, buf, n * eb);
        return;
    }
    int64_t stride[HLOC_MAX_RANK], idx[HLOC_MAX_RANK] = {0};
    int64_t s = 1;
    for (uint32_t k = 0; k < d->rank; k++) {
        stride[d->minor_to_major[k]] = s;
        s *= d->dims[d->minor_to_major[k]];
    }
    for (uint64_t i = 0; i < n; i++) {
        int64_t off = 0;
        for (uint32_t k = 0; k < d->rank; k++) off += idx[k] * stride[k];
        char *l = (char *)lit + i * eb, *b = (char *)buf + (size_t)off * eb;
        if (to_buffer) memcpy(b, l, eb);
        else memcpy(l, b, eb);
        for (int k = (int)d->rank - 1; k >= 0 && ++idx[k] == d->dims[k]; k--) idx[k] = 0;
    }
}

static void *alloc_buffer(uint64_t bytes) {
    return aligned_alloc(64, bytes ? (bytes + 63) / 64 * 64 : 64);
}

/* Appends the array leaves of |l| to |leaves| (capacity |cap|); returns the new count, or cap + 1
 * if they do not fit (the count check then reports it). */
static uint32_t collect(const hloc_literal *l, const hloc_literal **leaves, uint32_t n,
                        uint32_t cap) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < l->n_elems && n <= cap; i++) n = collect(&l->elems[i], leaves, n, cap);
        return n;
    }
    if (n < cap) leaves[n] = l;
    return n + 1;
}

/* Fills the array leaves of |l| (shaped like the module's root) from the results, in order. */
static void scatter(hloc_literal *l, const hloc_module_metadata *md, void **bufs, uint32_t *next) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < l->n_elems; i++) scatter(&l->elems[i], md, bufs, next);
        return;
    }
    uint32_t r = (*next)++;
    if (r < md->n_results && l->data) copy_layout(&md->results[r], l->data, bufs[r], false);
}

static uint32_t count_leaves(const hloc_shape *s) {
    if (s->type != HLOC_TYPE_TUPLE) return 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->n_elems; i++) n += count_leaves(&s->elems[i]);
    return n;
}

/* The root's leaves must be what the metadata describes, or scatter() would copy past them. */
static hloc_status *check_leaves(const hloc_module_metadata *md, const hloc_shape *s,
                                 uint32_t *next) {
    if (s->type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < s->n_elems; i++) HLOC_RETURN_IF_ERROR(check_leaves(md, &s->elems[i], next));
        return NULL;
    }
    uint32_t r = (*next)++;
    const hloc_buffer_desc *d = &md->results[r];
    if ((uint32_t)s->type != d->type || hloc_shape_bytes(s) != d->bytes) {
        char want[256];
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "result %u (%s) is %s, the module's root has a %s leaf there", r,
                               d->name ? d->name : "", hloc_buffer_desc_format(d, want, sizeof want),
                               hloc_type_name(s->type));
    }
    return NULL;
}

/* The result literal, before any data is in it. */
static hloc_status *make_result(const hloc_module_metadata *md, const hloc_shape *result_shape,
                                hloc_arena *arena, hloc_literal **out) {
    if (result_shape) {
        if (count_leaves(result_shape) != md->n_results)
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "%s has %u results, the module's root has %u leaves",
                                   md->name ? md->name : "module", md->n_results,
                                   count_leaves(result_shape));
        uint32_t next = 0;
        HLOC_RETURN_IF_ERROR(check_leaves(md, result_shape, &next));
        *out = hloc_literal_create(arena, result_shape);
        return *out ? NULL : hloc_status_oom();
    }
    hloc_shape *shapes = HLOC_ARENA_ARRAY(arena, hloc_shape, md->n_results ? md->n_results : 1);
    if (!shapes) return hloc_status_oom();
    for (uint32_t i = 0; i < md->n_results; i++)
        if (!hloc_shape_from_desc(&md->results[i], &shapes[i]))
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "result %u (%s): not an array hloc run can hold", i,
                                   md->results[i].name ? md->results[i].name : "");
    if (md->n_results == 1) {
        *out = hloc_literal_create(arena, &shapes[0]);
    } else {
        hloc_shape t = {.type = HLOC_TYPE_TUPLE, .elems = shapes, .n_elems = md->n_results};
        *out = hloc_literal_create(arena, &t);
    }
    return *out ? NULL : hloc_status_oom();
}

hloc_status *hloc_run_executable(const hloc_executable *e, const hloc_literal *const *args,
                                 uint32_t n_args, const hloc_shape *result_shape,
                                 const hloc_run_options *opts, hloc_arena *arena,
                                 hloc_literal **out) {
    return hloc_run_executable_timed(e, args, n_args, result_shape, opts, 1, NULL, arena, out);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs the entry |repeat| times, timing each call; scratch from |opts| or one block for all. */
static hloc_status *run_repeated(const hloc_executable *e, const hloc_buffer *params, uint32_t n,
                                 const hloc_buffer *results, uint32_t n_results,
                                 const hloc_run_options *opts, uint32_t repeat, double *seconds) {
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    hloc_run_options o;
    void *scratch = NULL;
    if (opts && !opts->scratch && md->scratch_bytes) {
        o = *opts;
        scratch = aligned_alloc(64, (md->scratch_bytes + 63) & ~(uint64_t)63);
        if (!scratch) return hloc_status_oom();
        o.scratch = scratch;
        o.scratch_bytes = md->scratch_bytes;
        opts = &o;
    }
    hloc_status *st = NULL;
    for (uint32_t k = 0; k < repeat && !st; k++) {
        double t0 = now();
        st = hloc_executable_run(e, params, n, results, n_results, opts);
        if (seconds) seconds[k] = now() - t0;
    }
    free(scratch);
    return st;
}

hloc_status *hloc_run_executable_timed(const hloc_executable *e, const hloc_literal *const *args,
                                       uint32_t n_args, const hloc_shape *result_shape,
                                       const hloc_run_options *opts, uint32_t repeat,
                                       double *seconds, hloc_arena *arena, hloc_literal **out) {
    *out = NULL;
    if (repeat < 1) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "repeat count must be at least 1");
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    uint32_t cap = md->n_params;
    const hloc_literal **leaves = calloc(cap + 1, sizeof *leaves);
    hloc_buffer *params = calloc(cap + 1, sizeof *params);
    hloc_buffer *results = calloc(md->n_results + 1, sizeof *results);
    void **rbufs = calloc(md->n_results + 1, sizeof *rbufs);
    hloc_status *st = NULL;
    uint32_t n = 0;
    if (!leaves || !params || !results || !rbufs) {
        st = hloc_status_oom();
        goto done;
    }
    for (uint32_t i = 0; i < n_args && n <= cap; i++) n = collect(args[i], leaves, n, cap);
    if (n != cap) {
        st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                             "%s takes %u parameters, got %s%u array arguments",
                             md->name ? md->name : "module", cap, n > cap ? "more than " : "",
                             n > cap ? cap : n);
        n = 0;
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        const hloc_literal *l = leaves[i];
        const hloc_buffer_desc *d = &md->params[i];
        uint64_t bytes = hloc_shape_bytes(&l->shape);
        params[i] = (hloc_buffer){alloc_buffer(bytes), bytes, (uint32_t)l->shape.type};
        if (!params[i].data) {
            st = hloc_status_oom();
            goto done;
        }
        /* a mismatch is the runtime's to report, before any layout copy relies on the dims */
        if (bytes == d->bytes && params[i].type == d->type) {
            bool same_dims = l->shape.rank == d->rank;
            for (uint32_t k = 0; same_dims && k < d->rank; k++) same_dims = l->shape.dims[k] == d->dims[k];
            if (same_dims) copy_layout(d, l->data, params[i].data, true);
            else memcpy(params[i].data, l->data, bytes);
        }
    }
    for (uint32_t i = 0; i < md->n_results; i++) {
        rbufs[i] = alloc_buffer(md->results[i].bytes);
        if (!rbufs[i]) {
            st = hloc_status_oom();
            goto done;
        }
        results[i] = (hloc_buffer){rbufs[i], md->results[i].bytes, md->results[i].type};
    }
    hloc_literal *res = NULL;
    st = make_result(md, result_shape, arena, &res);
    if (!st) st = run_repeated(e, params, n, results, md->n_results, opts, repeat, seconds);
    if (!st) {
        uint32_t next = 0;
        scatter(res, md, rbufs, &next);
        *out = res;
    }
done:
    for (uint32_t i = 0; params && i < n; i++) free(params[i].data);
    for (uint32_t i = 0; rbufs && i < md->n_results; i++) free(rbufs[i]);
    free(leaves);
    free(params);
    free(results);
    free(rbufs);
    return st;
}

hloc_status *hloc_executable_param_shapes(const hloc_executable *e, hloc_arena *arena,
                                          hloc_shape **out, uint32_t *out_n) {
    *out = NULL;
    *out_n = 0;
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    hloc_shape *shapes = HLOC_ARENA_ARRAY(arena, hloc_shape, md->n_params ? md->n_params : 1);
    if (!shapes) return hloc_status_oom();
    for (uint32_t i = 0; i < md->n_params; i++)
        if (!hloc_shape_from_desc(&md->params[i], &shapes[i]))
            return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED,
                                   "parameter %u (%s): not an array hloc run can hold", i,
                                   md->params[i].name ? md->params[i].name : "");
    *out = shapes;
    *out_n = md->n_params;
    return NULL;
}
