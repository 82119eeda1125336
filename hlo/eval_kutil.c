/* Helpers shared by the evaluator's kernel files; see eval_kutil.h. */
#include "eval_kutil.h"

#include <stdarg.h>
#include <stdio.h>

/* The evaluator's error format (hloc_eval_fail), so kernel and core errors read alike. */
hloc_status *hloc_kernel_error(const hloc_instr *i, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "%s", msg);
}

static bool is_param(const hloc_instr *x, int64_t k) {
    return x->op == HLOC_OP_PARAMETER && x->attrs->index == k;
}

hloc_opcode hloc_kernel_binop(const hloc_computation *c, bool *swapped) {
    *swapped = false;
    if (!c || c->n_params != 2 || !c->root || c->root->n_operands != 2) return HLOC_OP_COUNT;
    const hloc_shape *s0 = &c->params[0]->shape, *s1 = &c->params[1]->shape;
    if (!hloc_shape_is_array(s0) || s0->rank || s0->type != s1->type || s1->rank)
        return HLOC_OP_COUNT;
    const hloc_instr *r = c->root;
    if (is_param(r->operands[0], 0) && is_param(r->operands[1], 1)) return r->op;
    if (is_param(r->operands[0], 1) && is_param(r->operands[1], 0)) {
        *swapped = true;
        return r->op;
    }
    return HLOC_OP_COUNT;
}

int64_t hloc_kernel_window_bound(int64_t n, int64_t size, int64_t stride, int64_t pad_lo,
                                 int64_t pad_hi, int64_t base_dil, int64_t win_dil) {
    int64_t base = (n ? (n - 1) * base_dil + 1 : 0) + pad_lo + pad_hi;
    int64_t span = size ? (size - 1) * win_dil + 1 : 0;
    if (base < span || stride < 1) return 0;
    return (base - span) / stride + 1;
}

void hloc_kernel_convert(hloc_type st, const void *s, hloc_type dt, void *d) {
    if (hloc_type_is_complex(st)) {
        double re, im;
        hloc_elem_load_c128(st, s, &re, &im);
        if (hloc_type_is_complex(dt))
            hloc_elem_store_c128(dt, d, re, im);
        else
            hloc_elem_store_f64(dt, d, re);
    } else if (hloc_type_is_float(st)) {
        hloc_elem_store_f64(dt, d, hloc_elem_load_f64(st, s));
    } else if (hloc_type_is_unsigned_int(st)) {
        hloc_elem_store_u64(dt, d, hloc_elem_load_u64(st, s));
    } else {
        hloc_elem_store_i64(dt, d, hloc_elem_load_i64(st, s));
    }
}
