/* Conversions between .npy arrays and literals; see npy_literal.h. */
#include "npy_literal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "element.h"

static const struct {
    hloc_type type;
    hloc_npy_dtype dtype;
} type_map[] = {
    {HLOC_TYPE_PRED, HLOC_NPY_BOOL}, {HLOC_TYPE_S8, HLOC_NPY_I8},     {HLOC_TYPE_S16, HLOC_NPY_I16},
    {HLOC_TYPE_S32, HLOC_NPY_I32},   {HLOC_TYPE_S64, HLOC_NPY_I64},   {HLOC_TYPE_U8, HLOC_NPY_U8},
    {HLOC_TYPE_U16, HLOC_NPY_U16},   {HLOC_TYPE_U32, HLOC_NPY_U32},   {HLOC_TYPE_U64, HLOC_NPY_U64},
    {HLOC_TYPE_F16, HLOC_NPY_F16},   {HLOC_TYPE_BF16, HLOC_NPY_BF16}, {HLOC_TYPE_F32, HLOC_NPY_F32},
    {HLOC_TYPE_F64, HLOC_NPY_F64},   {HLOC_TYPE_C64, HLOC_NPY_C64},   {HLOC_TYPE_C128, HLOC_NPY_C128},
};

hloc_npy_dtype hloc_npy_dtype_of_type(hloc_type t) {
    for (size_t i = 0; i < sizeof type_map / sizeof type_map[0]; i++)
        if (type_map[i].type == t) return type_map[i].dtype;
    return HLOC_NPY_INVALID;
}

hloc_type hloc_type_of_npy_dtype(hloc_npy_dtype d) {
    for (size_t i = 0; i < sizeof type_map / sizeof type_map[0]; i++)
        if (type_map[i].dtype == d) return type_map[i].type;
    return HLOC_TYPE_INVALID;
}

const char *hloc_shape_describe(const hloc_shape *s, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "%s", hloc_type_name(s->type));
    if (hloc_shape_is_array(s)) {
        for (uint32_t i = 0; i < s->rank && n < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "[", (long long)s->dims[i]);
        if (n < cap) snprintf(buf + n, cap - n, "%s", s->rank ? "]" : "[]");
    }
    return buf;
}

static void describe_npy(const hloc_npy_array *a, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "%s of shape (", hloc_npy_dtype_name(a->dtype));
    for (uint32_t i = 0; i < a->rank && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? ", " : "", (long long)a->dims[i]);
    if (n < cap) snprintf(buf + n, cap - n, "%s)", a->rank == 1 ? "," : "");
}

/* Types .npy has no dtype for travel in a wider one that holds each of their values exactly:
 * narrow floats (bf16, f8*, f4) as float32, narrow integers (s2, s4 / u2, u4) as int8 / uint8.
 * This is how ml_dtypes users save them portably and how the JAX corpus stores bf16. */
static hloc_npy_dtype carrier_of(hloc_type t) {
    if (hloc_type_is_float(t) && hloc_type_bits(t) <= 16 && t != HLOC_TYPE_F16) return HLOC_NPY_F32;
    if (hloc_type_is_int(t) && hloc_type_bits(t) < 8)
        return hloc_type_is_signed_int(t) ? HLOC_NPY_I8 : HLOC_NPY_U8;
    return HLOC_NPY_INVALID;
}

/* Narrows carrier data into l (whose type has no .npy dtype of its own). Floats round to nearest
 * even as XLA's convert does; an integer outside the type's range is an error, not a wrap. */
static hloc_status *narrow_into(hloc_literal *l, const hloc_npy_array *npy, const char *what) {
    hloc_type t = l->shape.type;
    size_t item = hloc_type_bytes(t), n = npy->nbytes / hloc_npy_dtype_size(npy->dtype);
    const unsigned char *src = npy->data;
    unsigned char *dst = l->data;
    int bits = hloc_type_bits(t);
    for (size_t i = 0; i < n; i++) {
        if (npy->dtype == HLOC_NPY_F32) {
            float v;
            memcpy(&v, src + 4 * i, 4);
            hloc_elem_store_f64(t, dst + item * i, v);
            continue;
        }
        int64_t v = npy->dtype == HLOC_NPY_I8 ? (int8_t)src[i] : (int64_t)src[i];
        int64_t lo = hloc_type_is_signed_int(t) ? -(INT64_C(1) << (bits - 1)) : 0;
        int64_t hi = hloc_type_is_signed_int(t) ? (INT64_C(1) << (bits - 1)) - 1 : (INT64_C(1) << bits) - 1;
        if (v < lo || v > hi)
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "%s: element %zu is %lld, outside the range of %s [%lld, %lld]",
                                   what, i, (long long)v, hloc_type_name(t), (long long)lo, (long long)hi);
        hloc_elem_store_i64(t, dst + item * i, v);
    }
    return NULL;
}

hloc_status *hloc_literal_from_npy(hloc_arena *arena, const hloc_npy_array *npy,
                                   const hloc_shape *want, const char *what, hloc_literal **out) {
    *out = NULL;
    char wbuf[200], gbuf[200];
    hloc_npy_dtype own = hloc_npy_dtype_of_type(want->type);
    hloc_npy_dtype carrier = carrier_of(want->type);
    hloc_npy_dtype want_dtype = own != HLOC_NPY_INVALID ? own : carrier;
    if (!hloc_shape_is_array(want) || want_dtype == HLOC_NPY_INVALID)
        return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED, "%s: %s cannot be read from a .npy file",
                               what, hloc_shape_describe(want, wbuf, sizeof wbuf));
    bool dtype_ok = npy->dtype == want_dtype || (carrier != HLOC_NPY_INVALID && npy->dtype == carrier);
    bool dims_ok = npy->rank == want->rank;
    for (uint32_t i = 0; dims_ok && i < want->rank; i++) dims_ok = npy->dims[i] == want->dims[i];
    if (!dtype_ok || !dims_ok) {
        describe_npy(npy, gbuf, sizeof gbuf);
        hloc_npy_array shown = {.dtype = want_dtype, .rank = want->rank};
        memcpy(shown.dims, want->dims, sizeof(int64_t) * want->rank);
        char ebuf[200];
        describe_npy(&shown, ebuf, sizeof ebuf);
        bool also = own != HLOC_NPY_INVALID && carrier != HLOC_NPY_INVALID;
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "%s: expected %s (a %s%s%s array), got %s",
                               what, hloc_shape_describe(want, wbuf, sizeof wbuf), ebuf,
                               also ? " or " : "", also ? hloc_npy_dtype_name(carrier) : "", gbuf);
    }
    hloc_shape s = *want;
    hloc_literal *l = hloc_literal_create(arena, &s);
    if (!l) return hloc_status_oom();
    if (npy->dtype == own) {
        if (npy->nbytes) memcpy(l->data, npy->data, npy->nbytes);
    } else {
        HLOC_RETURN_IF_ERROR(narrow_into(l, npy, what));
    }
    *out = l;
    return NULL;
}

hloc_status *hloc_literal_to_npy(const hloc_literal *l, hloc_npy_array *out) {
    memset(out, 0, sizeof *out);
    char buf[200];
    hloc_type t = l->shape.type;
    hloc_npy_dtype d = hloc_npy_dtype_of_type(t);
    bool widen = d == HLOC_NPY_INVALID;
    if (widen) d = carrier_of(t);
    if (!hloc_shape_is_array(&l->shape) || d == HLOC_NPY_INVALID)
        return hloc_status_new(HLOC_STATUS_UNIMPLEMENTED, "%s has no .npy dtype",
                               hloc_shape_describe(&l->shape, buf, sizeof buf));
    int64_t n = hloc_shape_elements(&l->shape);
    out->dtype = d;
    out->rank = l->shape.rank;
    memcpy(out->dims, l->shape.dims, sizeof(int64_t) * l->shape.rank);
    out->nbytes = widen ? (size_t)n * hloc_npy_dtype_size(d) : hloc_shape_bytes(&l->shape);
    out->data = malloc(out->nbytes ? out->nbytes : 1);
    if (!out->data) {
        memset(out, 0, sizeof *out);
        return hloc_status_oom();
    }
    if (!widen) {
        if (out->nbytes) memcpy(out->data, l->data, out->nbytes);
        return NULL;
    }
    size_t item = hloc_type_bytes(t);
    unsigned char *dst = out->data;
    for (int64_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)l->data + item * (size_t)i;
        if (d == HLOC_NPY_F32) {
            float v = (float)hloc_elem_load_f64(t, p); /* exact: every narrow float fits f32 */
            memcpy(dst + 4 * i, &v, 4);
        } else {
            dst[i] = (unsigned char)(int8_t)hloc_elem_load_i64(t, p);
        }
    }
    return NULL;
}

static void collect(const hloc_literal *l, const hloc_literal **leaves, uint32_t cap, uint32_t *n) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        for (uint32_t i = 0; i < l->n_elems; i++) collect(&l->elems[i], leaves, cap, n);
    } else if (hloc_shape_is_array(&l->shape)) {
        if (*n < cap) leaves[*n] = l;
        (*n)++;
    }
}

uint32_t hloc_literal_leaves(const hloc_literal *l, const hloc_literal **leaves, uint32_t cap) {
    uint32_t n = 0;
    collect(l, leaves, cap, &n);
    return n;
}
