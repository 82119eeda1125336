/* Views for the GEMM: a dot that reads its operands through slices, reshapes and transposes, or
 * writes its result through reshapes and transposes, reads or writes the underlying buffer in
 * place with the element strides those ops amount to, instead of through a copy. Strides follow
 * the ops' logical semantics (a reshape keeps the row-major order of the elements), so they hold
 * whatever the layouts of the ops in between. */
#include "gemm.h"

bool gemm_view_op(const hloc_instr *i) {
    return i->n_operands == 1 && hloc_shape_is_array(&i->shape) &&
           (i->op == HLOC_OP_RESHAPE || i->op == HLOC_OP_TRANSPOSE || i->op == HLOC_OP_SLICE);
}

/* Strides |tst| of dims |to| over the same elements, in the same row-major order, as dims |from|
 * with strides |fst|; false where dims a reshape merges are not evenly strided. Dims of 1 take
 * stride 0. */
static bool reshape_strides(const int64_t *from, const int64_t *fst, uint32_t nf, const int64_t *to, uint32_t nt,
                            int64_t *tst) {
    int64_t fd[HLOC_MAX_RANK], fs[HLOC_MAX_RANK];
    uint32_t tk[HLOC_MAX_RANK], n = 0, m = 0;
    for (uint32_t q = 0; q < nf; q++) {
        if (from[q] == 0) return false;
        if (from[q] != 1) fd[n] = from[q], fs[n++] = fst[q];
    }
    for (uint32_t q = 0; q < nt; q++) {
        tst[q] = 0;
        if (to[q] == 0) return false;
        if (to[q] != 1) tk[m++] = q;
    }
    uint32_t i = 0, j = 0;
    while (i < n && j < m) {
        uint32_t i0 = i, j0 = j;
        int64_t pf = fd[i], pt = to[tk[j]];
        while (pf != pt) {
            if (pf < pt) {
                if (++i == n) return false;
                pf *= fd[i];
            } else {
                if (++j == m) return false;
                pt *= to[tk[j]];
            }
        }
        /* from[i0..i] are one run of memory; to[j0..j] split it. */
        for (uint32_t q = i0; q < i; q++)
            if (fs[q] != fs[q + 1] * fd[q + 1]) return false;
        tst[tk[j]] = fs[i];
        for (uint32_t q = j; q-- > j0;) tst[tk[q]] = tst[tk[q + 1]] * to[tk[q + 1]];
        i++, j++;
    }
    return i == n && j == m;
}

bool gemm_view_down(const hloc_instr *i, const hloc_instr *src, const int64_t *src_st, int64_t *st, int64_t *off,
                    uint32_t depth) {
    if (i == src) {
        for (uint32_t d = 0; d < i->shape.rank; d++) st[d] = src_st[d];
        *off = 0;
        return true;
    }
    if (!gemm_view_op(i) || depth > 32) return false;
    const hloc_instr *o = i->operands[0];
    int64_t ost[HLOC_MAX_RANK];
    if (!gemm_view_down(o, src, src_st, ost, off, depth + 1)) return false;
    const hloc_attrs *a = i->attrs;
    switch (i->op) {
    case HLOC_OP_SLICE:
        if (a->slice_start.n != o->shape.rank) return false;
        for (uint32_t d = 0; d < o->shape.rank; d++) {
            int64_t stride = a->slice_stride.n == o->shape.rank ? a->slice_stride.v[d] : 1;
            *off += a->slice_start.v[d] * ost[d];
            st[d] = ost[d] * stride;
        }
        return true;
    case HLOC_OP_TRANSPOSE:
        if (a->dims.n != i->shape.rank) return false;
        for (uint32_t d = 0; d < i->shape.rank; d++) st[d] = ost[a->dims.v[d]];
        return true;
    default:
        return reshape_strides(o->shape.dims, ost, o->shape.rank, i->shape.dims, i->shape.rank, st);
    }
}

bool gemm_view_up(const hloc_instr *root, const hloc_instr *prod, const int64_t *root_st, int64_t *st,
                  uint32_t depth) {
    if (root == prod) {
        for (uint32_t d = 0; d < root->shape.rank; d++) st[d] = root_st[d];
        return true;
    }
    /* A slice of the result leaves elements of it unwritten: not a view of the whole product. */
    if (!gemm_view_op(root) || root->op == HLOC_OP_SLICE || depth > 32) return false;
    const hloc_instr *o = root->operands[0];
    int64_t ost[HLOC_MAX_RANK];
    if (root->op == HLOC_OP_TRANSPOSE) {
        if (root->attrs->dims.n != root->shape.rank) return false;
        for (uint32_t d = 0; d < root->shape.rank; d++) ost[root->attrs->dims.v[d]] = root_st[d];
    } else if (!reshape_strides(root->shape.dims, root_st, root->shape.rank, o->shape.dims, o->shape.rank, ost)) {
        return false;
    }
    return gemm_view_up(o, prod, ost, st, depth + 1);
}

void gemm_dense_strides(const hloc_shape *s, int64_t *st) {
    int64_t k = 1;
    for (uint32_t j = 0; j < s->rank; j++) {
        uint32_t d = s->has_layout ? s->minor_to_major[j] : s->rank - 1 - j;
        st[d] = k;
        k *= s->dims[d];
    }
}
