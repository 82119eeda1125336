/* Output fusions through the GEMM. A fusion whose computation is one dot or convolution (the
 * product) under elementwise consumers (bias add, activation, residual add, scaling) is emitted as
 * the product alone, with a micro-kernel of its own that applies the consumers to each C vector
 * while it is still in registers, instead of storing C and making a second pass over it.
 *
 * The consumers' leaves are the product (or a reshape of it that only adds or drops 1s), arrays
 * of the result's shape and layout (the residual: read at C's own offset), broadcasts of a scalar
 * (a splat), broadcasts of a vector along the product's one column dim (a bias: read at the
 * column) and broadcasts of a rows x columns matrix along a dot's one row dim and its column dim
 * (attention's causal mask, a pred that a select reads; computed into scratch first when it is an
 * expression such as a compare of iotas). Every op is the one the unfused emitter would apply
 * (cg_ew_apply), in the same order, on the same f32/f64 values, so the result is bit-identical;
 * the edge routine applies the same ops one element at a time.
 *
 * A dot's operands may be views of the fusion's parameters (slices, reshapes, transposes), read
 * in place with strides; a fusion whose root is only reshapes and transposes of a dot has the
 * GEMM store straight into the result through strides, with no epilogue (gemm_view.c). */
#include <string.h>

#include "gemm.h"

enum { EP_MAX_NODES = 48, EP_MAX_LEAVES = 8 };

typedef enum ep_kind { EP_OP, EP_PRODUCT, EP_FULL, EP_COLUMN, EP_SCALAR, EP_MATRIX } ep_kind;

typedef struct ep_node {
    const hloc_instr *i;
    ep_kind kind;
    hloc_type t;     /* the element type (the product's, or pred for a select's mask) */
    int leaf;        /* EP_FULL, EP_COLUMN, EP_SCALAR, EP_MATRIX: index into the leaf pointers */
    int ops[3];      /* EP_OP: node numbers of the operands */
    int64_t ld;      /* EP_MATRIX: elements per row */
} ep_node;

struct gemm_epilogue {
    hloc_type t;
    uint32_t n_nodes, n_leaves;
    int row_dim, col_dim;                  /* the result's dims that are the GEMM's rows, columns; or -1 */
    const hloc_shape *rs;                  /* the result's shape */
    ep_node nodes[EP_MAX_NODES];           /* operands before users; the root last */
    const hloc_instr *leaf[EP_MAX_LEAVES]; /* the instruction each leaf pointer holds the value of */
    bool leaf_full[EP_MAX_LEAVES];         /* read at C's offsets */
    bool leaf_matrix[EP_MAX_LEAVES];       /* read at row * ld + column */
    LLVMValueRef leaf_ptr[EP_MAX_LEAVES];  /* in the body, once bound */
    bool has_full;
};

/* Ops whose cg_ew_apply takes vectors of f32 and of f64 alike. */
static bool plain_float_op(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_ADD: case HLOC_OP_SUBTRACT: case HLOC_OP_MULTIPLY: case HLOC_OP_DIVIDE:
    case HLOC_OP_MAXIMUM: case HLOC_OP_MINIMUM: case HLOC_OP_CLAMP: case HLOC_OP_NEGATE:
    case HLOC_OP_ABS: case HLOC_OP_COPY:
        return true;
    default:
        return false;
    }
}

static bool op_ok(const hloc_instr *i, hloc_type t) {
    if (!(hloc_opcode_flags(i->op) & OPF_EW) || i->shape.type != t || i->n_operands > 3 || i->n_operands < 1)
        return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (i->operands[k]->shape.type != t) return false;
    return plain_float_op(i->op) || (t == HLOC_TYPE_F32 && cg_ew_vectorizable(i));
}

static int add_leaf(gemm_epilogue *e, const hloc_instr *src) {
    for (uint32_t l = 0; l < e->n_leaves; l++)
        if (e->leaf[l] == src) return (int)l;
    if (e->n_leaves == EP_MAX_LEAVES) return -1;
    e->leaf[e->n_leaves] = src;
    return (int)e->n_leaves++;
}

static uint32_t non_unit_dims(const hloc_shape *s) {
    uint32_t n = 0;
    for (uint32_t d = 0; d < s->rank; d++) n += s->dims[d] != 1;
    return n;
}

/* Whether every dim of broadcast |b|'s operand that is not 1 maps to output dim |d| (and is
 * that dim's size): its elements then follow the column index. */
static bool varies_along(const hloc_instr *b, int d) {
    const hloc_shape *os = &b->operands[0]->shape;
    if (b->attrs->dims.n != os->rank) return false;
    for (uint32_t j = 0; j < os->rank; j++)
        if (os->dims[j] != 1 && (b->attrs->dims.v[j] != d || os->dims[j] != b->shape.dims[d])) return false;
    return true;
}

static bool leaf_source(const hloc_instr *o) { return o->op == HLOC_OP_PARAMETER || o->op == HLOC_OP_CONSTANT; }

/* The sizes of |s|'s dims that are not 1, in logical order (*n of them), and whether they are
 * also in |s|'s physical order, major to minor. */
static bool non_unit_row_major(const hloc_shape *s, int64_t *sizes, uint32_t *n) {
    *n = 0;
    for (uint32_t d = 0; d < s->rank; d++)
        if (s->dims[d] != 1) sizes[(*n)++] = s->dims[d];
    int64_t prev = -1;
    for (uint32_t j = s->rank; j-- > 0;) {
        int64_t d = s->has_layout ? s->minor_to_major[j] : s->rank - 1 - j;
        if (s->dims[d] == 1) continue;
        if (d < prev) return false;
        prev = d;
    }
    return true;
}

/* Whether |a| and |b| hold the same elements at the same offsets and differ only in dims of 1:
 * a reshape between them reads each element where it is. */
static bool unit_reshape(const hloc_shape *a, const hloc_shape *b) {
    int64_t sa[HLOC_MAX_RANK], sb[HLOC_MAX_RANK];
    uint32_t na, nb;
    if (a->type != b->type || !non_unit_row_major(a, sa, &na) || !non_unit_row_major(b, sb, &nb) || na != nb)
        return false;
    for (uint32_t q = 0; q < na; q++)
        if (sa[q] != sb[q]) return false;
    return true;
}

/* The dim of |to| that dim |d| of |from| is under unit_reshape(from, to), or -1 (a dim of 1). */
static int map_dim(const hloc_shape *from, const hloc_shape *to, int d) {
    if (d < 0 || from->dims[d] == 1) return -1;
    uint32_t q = 0;
    for (int j = 0; j < d; j++) q += from->dims[j] != 1;
    for (uint32_t j = 0; j < to->rank; j++)
        if (to->dims[j] != 1 && q-- == 0) return (int)j;
    return -1;
}

/* Whether broadcast |b|'s operand is a rows x columns matrix along result dims |rd| and |cd|. */
static bool matrix_along(const hloc_instr *b, int rd, int cd) {
    const hloc_shape *os = &b->operands[0]->shape;
    return rd >= 0 && cd >= 0 && os->rank == 2 && b->attrs->dims.n == 2 && b->attrs->dims.v[0] == rd &&
           b->attrs->dims.v[1] == cd && os->dims[0] == b->shape.dims[rd] && os->dims[1] == b->shape.dims[cd];
}

/* Whether |i| is computed without |prod| (so before the product, as a leaf). */
static bool independent(const hloc_instr *i, const hloc_instr *prod, uint32_t depth) {
    if (i == prod || depth > 64) return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (!independent(i->operands[k], prod, depth + 1)) return false;
    return true;
}

/* The node number of |i| (added with its operands first), or -1 if |i| cannot be part of an
 * epilogue. A pred node is allowed only where |pred_ok| (a select's first operand). */
static int build(gemm_epilogue *e, const hloc_instr *i, const hloc_instr *prod, bool pred_ok, uint32_t depth) {
    for (uint32_t q = 0; q < e->n_nodes; q++)
        if (e->nodes[q].i == i) return (int)q;
    if (depth > EP_MAX_NODES) return -1;
    ep_node n = {.i = i, .kind = EP_OP, .t = e->t, .leaf = -1, .ops = {-1, -1, -1}};
    const hloc_shape *rs = e->rs;
    int col_dim = e->col_dim;
    if (i == prod ||
        ((i->op == HLOC_OP_RESHAPE || i->op == HLOC_OP_BITCAST) && i->operands[0] == prod &&
         unit_reshape(&prod->shape, &i->shape) && hloc_shape_same_dims(&i->shape, rs))) {
        n.kind = EP_PRODUCT;
    } else if (i->op == HLOC_OP_PARAMETER) {
        if (i->shape.type != e->t || !hloc_shape_same_dims(&i->shape, rs)) return -1;
        n.kind = EP_FULL;
        e->has_full = true;
    } else if (i->op == HLOC_OP_BROADCAST) {
        const hloc_instr *o = i->operands[0];
        /* A reshape that only adds or drops 1s keeps the elements in order (a bias [768] seen as
         * [1,768]): read its source instead. */
        if ((o->op == HLOC_OP_RESHAPE || o->op == HLOC_OP_BITCAST) && leaf_source(o->operands[0]) &&
            hloc_shape_elements(&o->shape) == hloc_shape_elements(&o->operands[0]->shape) &&
            non_unit_dims(&o->shape) <= 1 && non_unit_dims(&o->operands[0]->shape) <= 1)
            o = o->operands[0];
        n.t = o->shape.type;
        if (!hloc_shape_is_array(&o->shape) || !hloc_shape_same_dims(&i->shape, rs) ||
            (n.t != e->t && !(n.t == HLOC_TYPE_PRED && pred_ok)))
            return -1;
        if (leaf_source(o) && hloc_shape_elements(&o->shape) == 1)
            n.kind = EP_SCALAR;
        else if (leaf_source(o) && n.t == e->t && col_dim >= 0 && varies_along(i, col_dim) && non_unit_dims(&o->shape) <= 1)
            n.kind = EP_COLUMN;
        else if (matrix_along(i, e->row_dim, col_dim) && independent(o, prod, 0))
            n.kind = EP_MATRIX, n.ld = o->shape.dims[1];
        else return -1;
        i = o;
    } else if (i->op == HLOC_OP_SELECT && i->shape.type == e->t && i->operands[1]->shape.type == e->t &&
               i->operands[2]->shape.type == e->t && hloc_shape_same_dims(&i->shape, rs)) {
        for (uint32_t k = 0; k < 3; k++)
            if ((n.ops[k] = build(e, i->operands[k], prod, k == 0, depth + 1)) < 0) return -1;
        if (e->nodes[n.ops[0]].t != HLOC_TYPE_PRED) return -1;
    } else if (op_ok(i, e->t)) {
        if (!hloc_shape_same_dims(&i->shape, rs)) return -1;
        for (uint32_t k = 0; k < i->n_operands; k++)
            if ((n.ops[k] = build(e, i->operands[k], prod, false, depth + 1)) < 0) return -1;
    } else {
        return -1;
    }
    if (n.kind != EP_OP && n.kind != EP_PRODUCT) {
        if ((n.leaf = add_leaf(e, i)) < 0) return -1;
        e->leaf_full[n.leaf] = e->leaf_full[n.leaf] || n.kind == EP_FULL;
        e->leaf_matrix[n.leaf] = e->leaf_matrix[n.leaf] || n.kind == EP_MATRIX;
    }
    if (e->n_nodes == EP_MAX_NODES) return -1;
    e->nodes[e->n_nodes] = n;
    return (int)e->n_nodes++;
}

/* The product's dim that is the GEMM's only column dim, or -1. */
static int column_dim(const hloc_instr *p) {
    if (p->op == HLOC_OP_CONVOLUTION)
        return p->attrs->feature_group_count == 1 ? (int)p->attrs->conv.out_feature : -1;
    const hloc_dot_dnums *dn = &p->attrs->dot;
    int64_t rfree = (int64_t)p->operands[1]->shape.rank - dn->rhs_batch.n - dn->rhs_contracting.n;
    return rfree == 1 ? (int)p->shape.rank - 1 : -1;
}

/* The product's dim that is the GEMM's only row dim (a dot's one free lhs dim), or -1. */
static int row_dim(const hloc_instr *p) {
    if (p->op != HLOC_OP_DOT) return -1;
    const hloc_dot_dnums *dn = &p->attrs->dot;
    int64_t lfree = (int64_t)p->operands[0]->shape.rank - dn->lhs_batch.n - dn->lhs_contracting.n;
    return lfree == 1 ? (int)dn->lhs_batch.n : -1;
}

LLVMValueRef gemm_epilogue_emit(cg *c, const gemm_epilogue *e, LLVMValueRef ep, LLVMValueRef v, LLVMValueRef off,
                                LLVMValueRef row, LLVMValueRef col, unsigned n) {
    LLVMBuilderRef b = c->b;
    LLVMTypeRef t = cg_ctype(c, e->t), vt = n > 1 ? LLVMVectorType(t, n) : t;
    unsigned esize = (unsigned)hloc_type_bytes(e->t);
    LLVMValueRef val[EP_MAX_NODES];
    for (uint32_t q = 0; q < e->n_nodes; q++) {
        const ep_node *x = &e->nodes[q];
        LLVMValueRef base = NULL;
        if (x->leaf >= 0) {
            LLVMValueRef li = cg_const_i64(c, x->leaf);
            base = LLVMBuildLoad2(b, c->t_ptr, LLVMBuildGEP2(b, c->t_ptr, ep, &li, 1, ""), "leaf");
        }
        switch (x->kind) {
        case EP_PRODUCT:
            val[q] = v;
            break;
        case EP_FULL: case EP_COLUMN: {
            LLVMValueRef at = x->kind == EP_FULL ? off : col;
            LLVMValueRef l = LLVMBuildLoad2(b, vt, LLVMBuildGEP2(b, t, base, &at, 1, ""), "");
            LLVMSetAlignment(l, esize);
            val[q] = l;
            break;
        }
        case EP_MATRIX: {
            /* A pred is a byte in memory, an i1 in registers (cg_load). */
            LLVMTypeRef st = x->t == HLOC_TYPE_PRED ? c->t_i8 : t, svt = n > 1 ? LLVMVectorType(st, n) : st;
            LLVMValueRef at = LLVMBuildAdd(b, LLVMBuildMul(b, row, cg_const_i64(c, x->ld), ""), col, "");
            LLVMValueRef l = LLVMBuildLoad2(b, svt, LLVMBuildGEP2(b, st, base, &at, 1, ""), "");
            LLVMSetAlignment(l, x->t == HLOC_TYPE_PRED ? 1 : esize);
            val[q] = x->t == HLOC_TYPE_PRED ? LLVMBuildICmp(b, LLVMIntNE, l, LLVMConstNull(svt), "") : l;
            break;
        }
        case EP_SCALAR: {
            LLVMTypeRef st = x->t == HLOC_TYPE_PRED ? c->t_i8 : t;
            LLVMValueRef s = LLVMBuildLoad2(b, st, base, "");
            LLVMSetAlignment(s, x->t == HLOC_TYPE_PRED ? 1 : esize);
            if (x->t == HLOC_TYPE_PRED) s = LLVMBuildICmp(b, LLVMIntNE, s, LLVMConstNull(st), "");
            if (n > 1) {
                LLVMValueRef z = LLVMConstInt(c->t_i32, 0, 0);
                LLVMTypeRef pvt = LLVMVectorType(LLVMTypeOf(s), n);
                s = LLVMBuildInsertElement(b, LLVMGetUndef(pvt), s, z, "");
                s = LLVMBuildShuffleVector(b, s, LLVMGetUndef(pvt), LLVMConstNull(LLVMVectorType(c->t_i32, n)), "");
            }
            val[q] = s;
            break;
        }
        case EP_OP: {
            LLVMValueRef a[3];
            for (uint32_t k = 0; k < x->i->n_operands; k++) a[k] = val[x->ops[k]];
            val[q] = cg_ew_apply(c, x->i, a);
            break;
        }
        }
    }
    return val[e->n_nodes - 1];
}

void gemm_epilogue_prefetch(cg *c, const gemm_epilogue *e, LLVMValueRef ep, LLVMValueRef off) {
    LLVMTypeRef t = cg_ctype(c, e->t);
    for (uint32_t l = 0; l < e->n_leaves; l++) {
        if (!e->leaf_full[l]) continue;
        LLVMValueRef li = cg_const_i64(c, l);
        LLVMValueRef base = LLVMBuildLoad2(c->b, c->t_ptr, LLVMBuildGEP2(c->b, c->t_ptr, ep, &li, 1, ""), "leaf");
        gemm_prefetch(c, LLVMBuildGEP2(c->b, t, base, &off, 1, ""), false);
    }
}

/* Same dims, and the same element order in memory (so the same offsets). */
static bool same_layout(const hloc_shape *a, const hloc_shape *b) {
    if (!hloc_shape_same_dims(a, b) || a->rank != b->rank) return false;
    for (uint32_t j = 0; j < a->rank; j++) {
        uint32_t da = a->has_layout ? a->minor_to_major[j] : a->rank - 1 - j;
        uint32_t db = b->has_layout ? b->minor_to_major[j] : b->rank - 1 - j;
        if (da != db && a->dims[da] != 1) return false;
    }
    return true;
}

/* Marks what |i| is computed from in |s|: constants as their globals, other instructions (but
 * parameters, already bound) as generated inline by their consumers. */
static bool mark_inline(cg *c, cg_scope *s, const hloc_instr *i, cg_value *inl, uint32_t depth) {
    if (s->vals[i->id]) return true;
    if (depth > 64) return false;
    if (i->op == HLOC_OP_CONSTANT) {
        s->vals[i->id] = cg_emit_instr(c, s, i, NULL);
        return s->vals[i->id] != NULL;
    }
    if (!cg_is_elemental(i)) return false;
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (!mark_inline(c, s, i->operands[k], inl, depth + 1)) return false;
    s->vals[i->id] = inl;
    return true;
}

/* Leaf |x|'s value in |s|: a parameter's argument, a constant's global, else the expression
 * computed into scratch (NULL where there is none: in task functions). */
static cg_value *leaf_value(cg *c, cg_scope *s, const hloc_instr *x) {
    if (x->op == HLOC_OP_PARAMETER) return s->vals[x->id];
    if (x->op == HLOC_OP_CONSTANT) return cg_emit_instr(c, s, x, NULL);
    cg_value *inl = HLOC_ARENA_NEW(c->arena, cg_value);
    if (!inl || c->task_arg || !cg_is_elemental(x)) return NULL;
    memset(inl, 0, sizeof *inl);
    inl->kind = CGV_INLINE;
    for (uint32_t k = 0; k < x->n_operands; k++)
        if (!mark_inline(c, s, x->operands[k], inl, 0)) return NULL;
    return cg_emit_instr(c, s, x, NULL);
}

/* Operand |k| of the dot |prod|: a parameter (its buffer, *v left NULL), or views of one read in
 * place (*v set), or else computed into scratch first; false: none of these. */
static bool operand_view(cg *c, cg_scope *s, const hloc_instr *prod, uint32_t k, gemm_strided *out,
                         const gemm_strided **v) {
    const hloc_instr *o = prod->operands[k], *src = o;
    *v = NULL;
    if (o->op == HLOC_OP_PARAMETER) return true;
    if (prod->op != HLOC_OP_DOT) return false;
    while (gemm_view_op(src)) src = src->operands[0];
    if (src->op != HLOC_OP_PARAMETER) return false;
    const cg_value *b = s->vals[src->id];
    if (!b || b->kind != CGV_BUFFER || !hloc_shape_same_dims(b->shape, &src->shape)) return false;
    int64_t sst[HLOC_MAX_RANK], off = 0;
    gemm_dense_strides(b->shape, sst);
    if (gemm_view_down(o, src, sst, out->st, &off, 0)) {
        LLVMValueRef at = cg_const_i64(c, off);
        out->ptr = LLVMBuildGEP2(c->b, cg_ctype(c, o->shape.type), cg_base(c, b->ptr), &at, 1, "view");
        *v = out;
        return true;
    }
    cg_value *m = leaf_value(c, s, o);
    if (!m || m->kind != CGV_BUFFER) return false;
    s->vals[o->id] = m;
    return true;
}

bool cg_gemm_fusion(cg *c, const hloc_instr *f, cg_value *const *args, const cg_value *into) {
    if (f->n_called != 1 || !into || into->kind != CGV_BUFFER || c->err) return false;
    const hloc_computation *comp = f->called[0];
    const hloc_instr *root = comp->root, *prod = NULL;
    for (uint32_t k = 0; k < comp->n_instrs; k++) {
        const hloc_instr *i = comp->instrs[k];
        if (i->dead || (i->op != HLOC_OP_DOT && i->op != HLOC_OP_CONVOLUTION)) continue;
        if (prod) return false;
        prod = i;
    }
    if (!prod || !root || root == prod || prod->n_users != 1 || !hloc_shape_is_array(&root->shape)) return false;
    hloc_type t = prod->shape.type;
    if ((t != HLOC_TYPE_F32 && t != HLOC_TYPE_F64) || into->shape->type != t ||
        !hloc_shape_same_dims(into->shape, &root->shape))
        return false;
    for (uint32_t k = 0; k < prod->n_operands; k++) {
        const hloc_instr *o = prod->operands[k];
        while (gemm_view_op(o) && prod->op == HLOC_OP_DOT) o = o->operands[0];
        if (o->op != HLOC_OP_PARAMETER) return false;
    }
    /* A scope where the product's operands and the leaves are the fusion's arguments. */
    uint32_t n_ids = hloc_module_id_bound(c->m);
    cg_scope s = {.comp = comp};
    s.vals = HLOC_ARENA_ARRAY(c->arena, cg_value *, n_ids ? n_ids : 1);
    if (!s.vals) return false;
    for (uint32_t k = 0; k < comp->n_params; k++) {
        const hloc_instr *p = comp->params[k];
        int64_t n = p->attrs->index;
        if (n < 0 || (uint64_t)n >= f->n_operands) return false;
        s.vals[p->id] = args[n];
    }
    /* The result a view of the product alone (attention's heads put back side by side): the
     * product stores straight into it. */
    if (gemm_view_op(root) && prod->op == HLOC_OP_DOT) {
        int64_t rst[HLOC_MAX_RANK];
        gemm_strided out, va, vb;
        const gemm_strided *pa, *pb;
        const cg_value *dst;
        gemm_dense_strides(into->shape, rst);
        if (!gemm_view_up(root, prod, rst, out.st, 0)) return false;
        out.ptr = into->ptr;
        if (!(dst = cg_buffer_value(c, into->ptr, &prod->shape))) return false;
        if (!operand_view(c, &s, prod, 0, &va, &pa) || !operand_view(c, &s, prod, 1, &vb, &pb)) return false;
        return cg_dot_gemm_strided(c, &s, prod, dst, pa, pb, &out, NULL);
    }
    /* The product is stored into the result's buffer: with the result's dims, or with dims of 1
     * more or fewer and the elements where the result has them (attention's [12,256,256] scores
     * seen as [1,12,256,256]). */
    bool same = hloc_shape_same_dims(into->shape, &prod->shape);
    if (!same && !unit_reshape(&prod->shape, into->shape)) return false;
    gemm_epilogue *e = HLOC_ARENA_NEW(c->arena, gemm_epilogue);
    if (!e) return false;
    memset(e, 0, sizeof *e);
    e->t = t;
    e->rs = &root->shape;
    e->col_dim = same ? column_dim(prod) : map_dim(&prod->shape, e->rs, column_dim(prod));
    e->row_dim = same ? row_dim(prod) : map_dim(&prod->shape, e->rs, row_dim(prod));
    if (build(e, root, prod, false, 0) < 0 || e->nodes[e->n_nodes - 1].i != root) return false;
    gemm_strided va, vb;
    const gemm_strided *pa = NULL, *pb = NULL;
    if (prod->op == HLOC_OP_DOT && (!operand_view(c, &s, prod, 0, &va, &pa) || !operand_view(c, &s, prod, 1, &vb, &pb)))
        return false;
    for (uint32_t l = 0; l < e->n_leaves; l++) {
        const hloc_instr *x = e->leaf[l];
        cg_value *v = leaf_value(c, &s, x);
        if (!v || v->kind != CGV_BUFFER || v->shape->type != x->shape.type) return false;
        /* A full leaf is read at C's offsets: it must be laid out as C is; a matrix row by row. */
        if (e->leaf_full[l] && !same_layout(v->shape, into->shape)) return false;
        if (e->leaf_matrix[l] && v->shape->has_layout && !hloc_shape_has_default_layout(v->shape)) return false;
        e->leaf_ptr[l] = v->ptr;
    }
    const cg_value *dst = into;
    if (!same && !(dst = cg_buffer_value(c, into->ptr, &prod->shape))) return false;
    if (prod->op == HLOC_OP_CONVOLUTION) return cg_conv_gemm_epi(c, &s, prod, dst, e);
    return cg_dot_gemm_strided(c, &s, prod, dst, pa, pb, NULL, e);
}

/* Elements from C's first to its last, or 0 if a stride is negative. */
static int64_t c_extent(const gemm_call *x) {
    if (x->c_rs < 0 || x->c_cs < 0 || x->c_bs < 0) return 0;
    return (x->batch - 1) * x->c_bs + (x->m - 1) * x->c_rs + (x->n - 1) * x->c_cs + 1;
}

static bool split_k(const gemm_cfg *g, const gemm_call *x) { return x->k > gemm_k_single(g); }

bool gemm_epilogue_fits(const cg *c, const gemm_epilogue *e, const gemm_cfg *g, const gemm_call *x) {
    /* Partial sums of a split K then need a buffer of their own when an array the epilogue reads
     * at C's offsets overlaps C (an in-place residual): scratch, which task functions lack. */
    return !e->has_full || !split_k(g, x) || (!c->task_arg && c_extent(x) > 0);
}

void gemm_epilogue_attach(cg *c, const gemm_cfg *g, const gemm_epilogue *e, gemm_call *x) {
    LLVMBuilderRef b = c->b;
    x->epi_edge = gemm_edge_fn(c, g, e);
    x->epi_kernel = gemm_kernel_ep_fn(c, g, e, x->epi_edge);
    if (x->m % g->mr) {
        gemm_cfg gs = *g;
        gs.mr = (uint32_t)(x->m % g->mr);
        x->epi_kshort = gemm_kernel_ep_fn(c, &gs, e, x->epi_edge);
    }
    LLVMValueRef arr = cg_alloca(c, LLVMArrayType2(c->t_ptr, e->n_leaves ? e->n_leaves : 1), "gemm.leaves");
    for (uint32_t l = 0; l < e->n_leaves; l++) {
        LLVMValueRef li = cg_const_i64(c, l);
        LLVMBuildStore(b, cg_base(c, e->leaf_ptr[l]), LLVMBuildGEP2(b, c->t_ptr, arr, &li, 1, ""));
    }
    x->epi_leaves = arr;
    if (!e->has_full || !split_k(g, x)) return;
    /* Whether C overlaps an array read at its offsets is known once the buffers are: test it at
     * run time, and keep the partial sums apart only then (else C holds them, and the last block
     * reads back lines it wrote itself). */
    uint64_t bytes = (uint64_t)c_extent(x) * hloc_type_bytes(g->ct);
    LLVMValueRef scratch = cg_alloc(c, bytes);
    if (!scratch) return;
    LLVMValueRef n = cg_const_i64(c, (int64_t)bytes);
    LLVMValueRef c0 = LLVMBuildPtrToInt(b, cg_base(c, x->c), c->t_i64, ""), c1 = LLVMBuildAdd(b, c0, n, "");
    LLVMValueRef overlap = LLVMConstInt(c->t_i1, 0, 0);
    for (uint32_t l = 0; l < e->n_leaves; l++) {
        if (!e->leaf_full[l]) continue;
        LLVMValueRef l0 = LLVMBuildPtrToInt(b, cg_base(c, e->leaf_ptr[l]), c->t_i64, ""), l1 = LLVMBuildAdd(b, l0, n, "");
        LLVMValueRef o = LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntULT, l0, c1, ""), LLVMBuildICmp(b, LLVMIntULT, c0, l1, ""), "");
        overlap = LLVMBuildOr(b, overlap, o, "");
    }
    x->partial = LLVMBuildSelect(b, overlap, cg_base(c, scratch), LLVMConstNull(c->t_ptr), "gemm.partial");
}
