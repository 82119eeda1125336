/* Running a JIT-compiled module on host literals: literals are logical row-major, buffers follow
 * the entry's layouts, so arrays in other layouts are permuted on the way in and out; the entry is
 * called through libffi (its arity is only known at run time). */
#include <ffi.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

enum { MAX_BUFFERS = 256 };

/* Copies between row-major |rm| and |buf| in the layout of |s| (to_layout: rm → buf, else back). */
static void relayout(const hloc_shape *s, void *buf, void *rm, int to_layout) {
    size_t eb = hloc_type_bytes(s->type);
    int64_t n = hloc_shape_elements(s), idx[HLOC_MAX_RANK], stride[HLOC_MAX_RANK];
    int64_t st = 1;
    for (uint32_t k = 0; k < s->rank; k++) {
        uint32_t d = s->minor_to_major[k];
        stride[d] = st;
        st *= s->dims[d];
    }
    for (int64_t lin = 0; lin < n; lin++) {
        int64_t r = lin, off = 0;
        for (int d = (int)s->rank - 1; d >= 0; d--) {
            idx[d] = s->dims[d] ? r % s->dims[d] : 0;
            r = s->dims[d] ? r / s->dims[d] : 0;
            off += idx[d] * stride[d];
        }
        if (to_layout) memcpy((char *)buf + off * eb, (const char *)rm + lin * eb, eb);
        else memcpy((char *)rm + lin * eb, (const char *)buf + off * eb, eb);
    }
}

static bool plain(const hloc_shape *s) { return !s->has_layout || hloc_shape_has_default_layout(s); }

/* Result leaves of |l| depth-first. */
static void leaves(hloc_literal *l, hloc_literal **out, uint32_t *n) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t k = 0; k < l->n_elems; k++) leaves(&l->elems[k], out, n);
        return;
    }
    if (*n < MAX_BUFFERS) out[(*n)++] = l;
}

hloc_status *hloc_cpu_run_literals(const hloc_module *m, const hloc_cpu_options *o,
                                   const hloc_literal *const *args, uint32_t n_args,
                                   hloc_arena *arena, hloc_literal **out) {
    return hloc_cpu_run_literals_opts(m, o, NULL, args, n_args, arena, out);
}

hloc_status *hloc_cpu_run_literals_opts(const hloc_module *m, const hloc_cpu_options *o,
                                        const hloc_run_options *ro, const hloc_literal *const *args,
                                        uint32_t n_args, hloc_arena *arena, hloc_literal **out) {
    *out = NULL;
    const hloc_computation *entry = m->entry;
    if (!entry || !entry->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' has no entry computation", m->name);
    if (n_args != entry->n_params)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module '%s' takes %u arguments, not %u",
                               m->name, entry->n_params, n_args);
    for (uint32_t k = 0; k < n_args; k++) {
        const hloc_shape *ps = &entry->params[k]->shape;
        if (!hloc_shape_is_array(ps) || args[k]->shape.type != ps->type ||
            !hloc_shape_same_dims(&args[k]->shape, ps))
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "argument %u does not match parameter '%s'", k, entry->params[k]->name);
    }
    hloc_literal *res = hloc_literal_create(arena, &entry->root->shape);
    if (!res) return hloc_status_oom();
    hloc_literal *res_leaves[MAX_BUFFERS];
    uint32_t n_res = 0;
    leaves(res, res_leaves, &n_res);
    if (n_args + n_res + 1 > MAX_BUFFERS)
        return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED, "more than %d buffers", MAX_BUFFERS);

    hloc_cpu_jit *j;
    HLOC_RETURN_IF_ERROR(hloc_cpu_jit_compile(m, o, &j));
    const hloc_module_metadata *md = hloc_cpu_jit_metadata(j);
    void *ptrs[MAX_BUFFERS], *owned[MAX_BUFFERS] = {0};
    hloc_status *st = NULL;
    for (uint32_t k = 0; k < n_args + n_res && !st; k++) {
        const hloc_shape *s = k < n_args ? &entry->params[k]->shape : &res_leaves[k - n_args]->shape;
        void *data = k < n_args ? args[k]->data : res_leaves[k - n_args]->data;
        ptrs[k] = data;
        if (plain(s)) continue;
        owned[k] = malloc(hloc_shape_bytes(s) ? hloc_shape_bytes(s) : 1);
        if (!owned[k]) st = hloc_status_oom();
        else if (k < n_args) relayout(s, owned[k], data, 1);
        ptrs[k] = owned[k];
    }
    if (!st) {
        uint32_t n = n_args + n_res + 1;
        ffi_type *types[MAX_BUFFERS + 1];
        void *vals[MAX_BUFFERS + 1];
        ptrs[n - 1] = (void *)ro;
        for (uint32_t k = 0; k < n; k++) {
            types[k] = &ffi_type_pointer;
            vals[k] = &ptrs[k];
        }
        ffi_cif cif;
        if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_void, types) != FFI_OK)
            st = hloc_status_new(HLOC_STATUS_INTERNAL, "libffi cannot describe the entry point");
        else
            ffi_call(&cif, md->entry, NULL, vals);
    }
    for (uint32_t k = 0; k < n_args + n_res; k++) {
        if (!owned[k]) continue;
        if (!st && k >= n_args) relayout(&res_leaves[k - n_args]->shape, owned[k], res_leaves[k - n_args]->data, 0);
        free(owned[k]);
    }
    hloc_cpu_jit_destroy(j);
    if (st) return st;
    *out = res;
    return NULL;
}
