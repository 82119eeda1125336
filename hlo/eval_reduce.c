/* reduce (variadic, any computation, any dimensions) and map. Both call their computation once per
 * element through hloc_eval_call_scalar, whose fast path covers the usual add/max reducers; reduce
 * visits the reduced elements of each output in row-major order, as XLA's evaluator does. */
#include <string.h>

#include "eval_internal.h"

enum { MAX_VARIADIC = 32, SLOT = 16 }; /* SLOT: bytes of the widest element (c128) */

/* The array leaf |k| of a reduce result (the result itself when not a tuple). */
static hloc_literal *leaf(hloc_literal *out, uint32_t k) {
    return out->shape.type == HLOC_TYPE_TUPLE ? &out->elems[k] : out;
}

EVAL_KERNEL(reduce) {
    uint32_t n = i->n_operands / 2;
    if (i->n_operands == 0 || i->n_operands % 2 || n > MAX_VARIADIC || i->n_called < 1)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "reduce takes N inputs, N init values and a computation");
    const hloc_computation *f = i->called[0];
    if (f->n_params != 2 * n)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "to_apply %s takes %u parameters, reduce of %u inputs needs %u", f->name,
                              f->n_params, n, 2 * n);
    if ((n > 1) != (out->shape.type == HLOC_TYPE_TUPLE) || (n > 1 && out->n_elems != n))
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "a reduce of %u inputs must produce %s", n, n > 1 ? "a tuple" : "an array");
    const hloc_shape *in = &ops[0]->shape;
    const hloc_i64_list *dims = &i->attrs->dims;
    bool reduced[HLOC_MAX_RANK] = {false};
    int64_t kept[HLOC_MAX_RANK];
    uint32_t n_kept = 0;
    for (uint32_t k = 0; k < dims->n; k++) {
        if (dims->v[k] < 0 || dims->v[k] >= in->rank || reduced[dims->v[k]])
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "bad reduce dimension %lld",
                                  (long long)dims->v[k]);
        reduced[dims->v[k]] = true;
    }
    for (uint32_t d = 0; d < in->rank; d++)
        if (!reduced[d]) kept[n_kept++] = d;
    for (uint32_t k = 0; k < n; k++) {
        const hloc_literal *x = ops[k], *init = ops[n + k];
        hloc_literal *o = leaf(out, k);
        if (x->shape.rank != in->rank || memcmp(x->shape.dims, in->dims, in->rank * sizeof(int64_t)))
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "inputs of a reduce differ in shape");
        if (init->shape.rank != 0 || init->shape.type != o->shape.type || o->shape.rank != n_kept)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "init value %u must be a scalar of the result's element type", k);
        for (uint32_t d = 0; d < n_kept; d++)
            if (o->shape.dims[d] != in->dims[kept[d]])
                return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                      "result dimensions do not match the kept input dimensions");
    }
    hloc_type pt[2 * MAX_VARIADIC], rt[MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        pt[k] = rt[k] = leaf(out, k)->shape.type;
        pt[n + k] = ops[k]->shape.type;
    }
    HLOC_RETURN_IF_ERROR(hloc_eval_check_scalar_call(i, f, pt, 2 * n, rt, n));
    int64_t n_out, n_red;
    int64_t *out_off = hloc_eval_offsets(ev->arena, in, kept, n_kept, &n_out);
    int64_t *red_off = hloc_eval_offsets(ev->arena, in, dims->v, dims->n, &n_red);
    if (!out_off || !red_off) return hloc_status_oom();
    _Alignas(16) unsigned char acc[MAX_VARIADIC][SLOT];
    const void *args[2 * MAX_VARIADIC];
    void *res[MAX_VARIADIC];
    for (uint32_t k = 0; k < n; k++) {
        args[k] = acc[k];
        res[k] = acc[k];
    }
    for (int64_t o = 0; o < n_out; o++) {
        for (uint32_t k = 0; k < n; k++) memcpy(acc[k], ops[n + k]->data, hloc_type_bytes(ops[n + k]->shape.type));
        for (int64_t r = 0; r < n_red; r++) {
            int64_t at = out_off[o] + red_off[r];
            for (uint32_t k = 0; k < n; k++) args[n + k] = hloc_literal_at(ops[k], at);
            HLOC_RETURN_IF_ERROR(hloc_eval_call_scalar(ev, f, args, res));
        }
        for (uint32_t k = 0; k < n; k++) {
            hloc_literal *l = leaf(out, k);
            memcpy(hloc_literal_at(l, o), acc[k], hloc_type_bytes(l->shape.type));
        }
    }
    return NULL;
}

EVAL_KERNEL(map) {
    if (i->n_called < 1 || i->n_operands > 2 * MAX_VARIADIC)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "map needs a computation");
    const hloc_computation *f = i->called[0];
    if (f->n_params != i->n_operands)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "to_apply %s takes %u parameters, map has %u operands", f->name,
                              f->n_params, i->n_operands);
    int64_t n = hloc_shape_elements(&out->shape);
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (hloc_shape_elements(&ops[k]->shape) != n)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "operand %u has a different number of elements", k);
    hloc_type pt[2 * MAX_VARIADIC];
    for (uint32_t k = 0; k < i->n_operands; k++) pt[k] = ops[k]->shape.type;
    HLOC_RETURN_IF_ERROR(hloc_eval_check_scalar_call(i, f, pt, i->n_operands, &out->shape.type, 1));
    const void *args[2 * MAX_VARIADIC];
    for (int64_t e = 0; e < n; e++) {
        for (uint32_t k = 0; k < i->n_operands; k++) args[k] = hloc_literal_at(ops[k], e);
        void *r = hloc_literal_at(out, e);
        HLOC_RETURN_IF_ERROR(hloc_eval_call_scalar(ev, f, args, &r));
    }
    return NULL;
}
