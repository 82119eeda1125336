/* Windowed kernels of the reference evaluator: reduce-window (variadic, padding, base and window
 * dilation, strides) and select-and-scatter. Padding positions and the holes of base dilation
 * contribute nothing: the accumulator starts at the init value and skips them, as XLA's evaluator
 * does. Windows are walked in row-major order. */
#include <stdlib.h>
#include <string.h>

#include "eval_kutil.h"

typedef struct win {
    uint32_t rank;
    int64_t size[HLOC_MAX_RANK], stride[HLOC_MAX_RANK], pad_lo[HLOC_MAX_RANK],
        pad_hi[HLOC_MAX_RANK], base_dil[HLOC_MAX_RANK], win_dil[HLOC_MAX_RANK];
    bool empty; /* some window dimension has size 0: every window is empty */
} win;

/* Reads the window attribute for a base of rank |rank|; an absent window means size 1 stride 1. */
static hloc_status *win_get(const hloc_instr *i, uint32_t rank, win *w) {
    const hloc_window *a = &i->attrs->window;
    if (a->n_dims && a->n_dims != rank)
        return hloc_kernel_error(i, "window has %u dimensions, operand rank is %u", a->n_dims,
                                 rank);
    w->rank = rank;
    w->empty = false;
    for (uint32_t d = 0; d < rank; d++) {
        const hloc_window_dim *wd = a->n_dims ? &a->dims[d] : NULL;
        w->size[d] = wd ? wd->size : 1;
        w->stride[d] = wd ? wd->stride : 1;
        w->pad_lo[d] = wd ? wd->pad_lo : 0;
        w->pad_hi[d] = wd ? wd->pad_hi : 0;
        w->base_dil[d] = wd ? wd->lhs_dilate : 1;
        w->win_dil[d] = wd ? wd->rhs_dilate : 1;
        if (w->size[d] < 0 || w->stride[d] < 1 || w->base_dil[d] < 1 || w->win_dil[d] < 1)
            return hloc_kernel_error(i, "invalid window in dimension %u", d);
        if (!w->size[d]) w->empty = true;
    }
    return NULL;
}

static int64_t win_out_dim(const win *w, uint32_t d, int64_t n) {
    return hloc_kernel_window_bound(n, w->size[d], w->stride[d], w->pad_lo[d], w->pad_hi[d],
                                    w->base_dil[d], w->win_dil[d]);
}

static hloc_status *win_check_out(const hloc_instr *i, const win *w, const hloc_shape *base,
                                  const hloc_shape *out) {
    if (out->rank != w->rank) return hloc_kernel_error(i, "result rank does not match the operand");
    for (uint32_t d = 0; d < w->rank; d++)
        if (out->dims[d] != win_out_dim(w, d, base->dims[d]))
            return hloc_kernel_error(i, "dimension %u of the windowed shape is %lld, expected %lld",
                                     d, (long long)out->dims[d],
                                     (long long)win_out_dim(w, d, base->dims[d]));
    return NULL;
}

/* Linear offset in the base of window position |widx| of output |oidx|; -1 for padding or a
 * base-dilation hole. */
static int64_t win_base_offset(const win *w, const int64_t *base_dims, const int64_t *oidx,
                               const int64_t *widx) {
    int64_t off = 0;
    for (uint32_t d = 0; d < w->rank; d++) {
        int64_t p = oidx[d] * w->stride[d] + widx[d] * w->win_dil[d] - w->pad_lo[d];
        if (p < 0) return -1;
        if (w->base_dil[d] > 1) {
            if (p % w->base_dil[d]) return -1;
            p /= w->base_dil[d];
        }
        if (p >= base_dims[d]) return -1;
        off = off * base_dims[d] + p;
    }
    return off;
}

/* The f32 add/max/min reducer without calling the computation: CNN pooling lives here. */
static void reduce_window_f32(const win *w, const hloc_literal *in, float init, hloc_opcode op,
                              hloc_literal *out) {
    const float *x = in->data;
    float *y = out->data;
    int64_t n_out = hloc_shape_elements(&out->shape);
    int64_t oidx[HLOC_MAX_RANK] = {0}, widx[HLOC_MAX_RANK];
    for (int64_t lin = 0; lin < n_out; lin++, hloc_index_next(oidx, out->shape.dims, w->rank)) {
        float acc = init;
        if (!w->empty) {
            memset(widx, 0, sizeof widx);
            do {
                int64_t off = win_base_offset(w, in->shape.dims, oidx, widx);
                if (off < 0) continue;
                float v = x[off];
                if (op == HLOC_OP_ADD)
                    acc += v;
                else if (op == HLOC_OP_MAXIMUM)
                    acc = (float)hloc_kernel_fmax(acc, v);
                else
                    acc = (float)hloc_kernel_fmin(acc, v);
            } while (hloc_index_next(widx, w->size, w->rank));
        }
        y[lin] = acc;
    }
}

enum { SLOT = 16 }; /* bytes of one scalar of any type (c128 is the widest) */

EVAL_KERNEL(reduce_window) {
    if (i->n_operands < 2 || i->n_operands % 2 || i->n_called < 1)
        return hloc_kernel_error(i, "reduce-window needs N inputs, N init values and to_apply");
    uint32_t n = i->n_operands / 2;
    const hloc_computation *f = i->called[0];
    const hloc_literal *in0 = ops[0];
    if ((n > 1) != (out->shape.type == HLOC_TYPE_TUPLE) || (n > 1 && out->n_elems != n))
        return hloc_kernel_error(i, "result must have one array per input");
    if (f->n_params != 2 * n) return hloc_kernel_error(i, "to_apply must take %u scalars", 2 * n);
    const hloc_shape *root = &f->root->shape;
    if ((n > 1) != (root->type == HLOC_TYPE_TUPLE) || (n > 1 && root->n_elems != n))
        return hloc_kernel_error(i, "to_apply must return %u scalars", n);
    for (uint32_t k = 0; k < n; k++) {
        const hloc_literal *x = ops[k], *init = ops[n + k];
        const hloc_literal *y = hloc_kernel_leaf(out, k);
        if (!hloc_shape_same_dims(&x->shape, &in0->shape) || !hloc_shape_is_array(&init->shape) ||
            init->shape.rank || init->shape.type != x->shape.type ||
            y->shape.type != x->shape.type || f->params[k]->shape.type != x->shape.type ||
            f->params[n + k]->shape.type != x->shape.type ||
            (n > 1 ? root->elems[k].type : root->type) != x->shape.type)
            return hloc_kernel_error(
                i, "input %u, its init value, result and to_apply types differ", k);
    }
    win w;
    HLOC_RETURN_IF_ERROR(win_get(i, in0->shape.rank, &w));
    for (uint32_t k = 0; k < n; k++)
        HLOC_RETURN_IF_ERROR(win_check_out(i, &w, &in0->shape, &hloc_kernel_leaf(out, k)->shape));

    bool swapped;
    hloc_opcode op = hloc_kernel_binop(f, &swapped);
    if (n == 1 && in0->shape.type == HLOC_TYPE_F32 &&
        (op == HLOC_OP_ADD || op == HLOC_OP_MAXIMUM || op == HLOC_OP_MINIMUM)) {
        reduce_window_f32(&w, in0, *(const float *)ops[1]->data, op, out);
        return NULL;
    }

    /* acc[k] and res[k] hold the running value of input k; the computation reads acc and writes
     * res, so an implementation that writes results early cannot clobber its own arguments. */
    unsigned char(*acc)[SLOT] = calloc(n, SLOT), (*res)[SLOT] = calloc(n, SLOT);
    const void **args = calloc(2 * (size_t)n, sizeof *args);
    void **results = calloc(n, sizeof *results);
    size_t *bytes = calloc(n, sizeof *bytes);
    hloc_status *st = NULL;
    if (!acc || !res || !args || !results || !bytes) {
        st = hloc_status_oom();
        goto done;
    }
    for (uint32_t k = 0; k < n; k++) {
        bytes[k] = hloc_type_bytes(ops[k]->shape.type);
        args[k] = acc[k];
        results[k] = res[k];
    }
    const hloc_shape *oshape = &hloc_kernel_leaf(out, 0)->shape;
    int64_t n_out = hloc_shape_elements(oshape);
    int64_t oidx[HLOC_MAX_RANK] = {0}, widx[HLOC_MAX_RANK];
    for (int64_t lin = 0; lin < n_out; lin++, hloc_index_next(oidx, oshape->dims, w.rank)) {
        for (uint32_t k = 0; k < n; k++)
            memcpy(acc[k], ops[n + k]->data, bytes[k]);
        if (!w.empty) {
            memset(widx, 0, sizeof widx);
            do {
                int64_t off = win_base_offset(&w, in0->shape.dims, oidx, widx);
                if (off < 0) continue;
                for (uint32_t k = 0; k < n; k++)
                    args[n + k] = hloc_literal_at(ops[k], off);
                if ((st = hloc_eval_call_scalar(ev, f, args, results))) goto done;
                for (uint32_t k = 0; k < n; k++)
                    memcpy(acc[k], res[k], bytes[k]);
            } while (hloc_index_next(widx, w.size, w.rank));
        }
        for (uint32_t k = 0; k < n; k++)
            memcpy(hloc_literal_at(hloc_kernel_leaf(out, k), lin), acc[k], bytes[k]);
    }
done:
    free(acc);
    free(res);
    free(args);
    free(results);
    free(bytes);
    return st;
}

/* For each source element: the window's selected operand element (the first one in row-major
 * order that select(selected, candidate) keeps over every later candidate) receives
 * scatter(output[selected], source). Windows with no valid position scatter nothing. */
EVAL_KERNEL(select_and_scatter) {
    if (i->n_operands != 3 || i->n_called != 2)
        return hloc_kernel_error(i, "select-and-scatter needs operand, source, init, select and "
                                    "scatter");
    const hloc_literal *x = ops[0], *src = ops[1], *init = ops[2];
    const hloc_computation *sel = i->called[0], *sca = i->called[1];
    hloc_type t = x->shape.type;
    if (!hloc_shape_same_dims(&out->shape, &x->shape) || out->shape.type != t ||
        src->shape.type != t || init->shape.type != t || init->shape.rank)
        return hloc_kernel_error(i, "operand, source, init value and result types differ");
    if (sel->n_params != 2 || sca->n_params != 2 || sel->params[0]->shape.type != t ||
        sel->params[1]->shape.type != t || sel->root->shape.type != HLOC_TYPE_PRED ||
        sca->params[0]->shape.type != t || sca->params[1]->shape.type != t)
        return hloc_kernel_error(i, "select must map two %s scalars to pred and scatter two to one",
                                 hloc_type_name(t));
    win w;
    HLOC_RETURN_IF_ERROR(win_get(i, x->shape.rank, &w));
    HLOC_RETURN_IF_ERROR(win_check_out(i, &w, &x->shape, &src->shape));

    size_t bytes = hloc_type_bytes(t);
    int64_t n_out = hloc_shape_elements(&out->shape);
    for (int64_t k = 0; k < n_out; k++)
        memcpy(hloc_literal_at(out, k), init->data, bytes);
    if (w.empty) return NULL;

    /* f32 max/min pooling gradients: select is compare(p0, p1) GE/GT/LE/LT, scatter is add */
    bool swapped_sel, swapped_sca;
    hloc_opcode sel_root = hloc_kernel_binop(sel, &swapped_sel);
    hloc_cmp_dir sel_op = sel_root == HLOC_OP_COMPARE ? sel->root->attrs->cmp_dir : HLOC_CMP_NONE;
    bool fast = t == HLOC_TYPE_F32 && !swapped_sel && sel_op >= HLOC_CMP_LT &&
                (sel->root->attrs->cmp_type == HLOC_CMPT_NONE ||
                 sel->root->attrs->cmp_type == HLOC_CMPT_FLOAT) &&
                hloc_kernel_binop(sca, &swapped_sca) == HLOC_OP_ADD;
    unsigned char keep[SLOT], acc[SLOT];
    int64_t n_src = hloc_shape_elements(&src->shape);
    int64_t sidx[HLOC_MAX_RANK] = {0}, widx[HLOC_MAX_RANK];
    for (int64_t lin = 0; lin < n_src; lin++, hloc_index_next(sidx, src->shape.dims, w.rank)) {
        int64_t best = -1;
        memset(widx, 0, sizeof widx);
        do {
            int64_t off = win_base_offset(&w, x->shape.dims, sidx, widx);
            if (off < 0) continue;
            if (best < 0) {
                best = off;
                continue;
            }
            if (fast) {
                float a = ((const float *)x->data)[best], b = ((const float *)x->data)[off];
                bool first = sel_op == HLOC_CMP_GE   ? a >= b
                             : sel_op == HLOC_CMP_GT ? a > b
                             : sel_op == HLOC_CMP_LE ? a <= b
                                                     : a < b;
                if (!first) best = off;
                continue;
            }
            const void *args[2] = {hloc_literal_at(x, best), hloc_literal_at(x, off)};
            void *res[1] = {keep};
            HLOC_RETURN_IF_ERROR(hloc_eval_call_scalar(ev, sel, args, res));
            if (!keep[0]) best = off;
        } while (hloc_index_next(widx, w.size, w.rank));
        if (best < 0) continue;
        if (fast) {
            ((float *)out->data)[best] += ((const float *)src->data)[lin];
            continue;
        }
        const void *args[2] = {hloc_literal_at(out, best), hloc_literal_at(src, lin)};
        void *res[1] = {acc};
        HLOC_RETURN_IF_ERROR(hloc_eval_call_scalar(ev, sca, args, res));
        memcpy(hloc_literal_at(out, best), acc, bytes);
    }
    return NULL;
}
