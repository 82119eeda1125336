/* The evaluator's driver: walks a computation's instructions in order, keeps one value per
 * instruction, and hands each opcode to its kernel (eval_*.c). Values are immutable once made, so
 * tuples, get-tuple-element, parameters and copies share their operands' data. Also the fast path
 * for the scalar computations (reducers, comparators) that kernels call once per element. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

/* XLA:CPU runs every computation with denormals flushed (ScopedFlushDenormal: FTZ and DAZ), so a
 * subnormal f32/f64 input or result is zero there; the oracle does the same. f16/bf16 subnormals
 * are normal in the f32 they compute in, and are unaffected. */
static unsigned flush_denormals_begin(void) {
#if defined(__SSE2__)
    unsigned old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
#else
    return 0;
#endif
}

static void flush_denormals_end(unsigned old) {
#if defined(__SSE2__)
    _mm_setcsr(old);
#else
    (void)old;
#endif
}

hloc_status *hloc_eval_fail(const hloc_instr *i, hloc_status_code code, const char *fmt, ...) {
    hloc_strbuf b = {0};
    const hloc_module *m = i->parent ? i->parent->parent : NULL;
    if (i->loc.line)
        hloc_strbuf_printf(&b, "%s:%u:%u: ", m && m->file ? m->file : "<input>", i->loc.line,
                           i->loc.col);
    hloc_strbuf_printf(&b, "%s (%s): ", i->name, hloc_opcode_name(i->op));
    va_list ap;
    va_start(ap, fmt);
    hloc_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = hloc_strbuf_take(&b);
    if (!msg) return hloc_status_oom();
    hloc_status *st = hloc_status_new(code, "%s", msg);
    free(msg);
    return st;
}

static size_t shape_str(const hloc_shape *s, char *buf, size_t n, size_t at) {
#define PUT(...) (at += (size_t)snprintf(buf + (at < n ? at : n), at < n ? n - at : 0, __VA_ARGS__))
    if (s->type == HLOC_TYPE_TUPLE) {
        PUT("(");
        for (uint32_t k = 0; k < s->n_elems; k++) {
            if (k) PUT(", ");
            at = shape_str(&s->elems[k], buf, n, at);
        }
        PUT(")");
        return at;
    }
    PUT("%s", hloc_type_name(s->type));
    if (!hloc_type_is_array(s->type)) return at;
    PUT("[");
    for (uint32_t k = 0; k < s->rank; k++) PUT("%s%lld", k ? "," : "", (long long)s->dims[k]);
    PUT("]");
    return at;
#undef PUT
}

const char *hloc_eval_shape_str(const hloc_shape *s, char *buf, size_t n) {
    if (n) buf[0] = 0;
    shape_str(s, buf, n, 0);
    return buf;
}

bool hloc_eval_init(hloc_eval *ev, const hloc_module *m, const hloc_eval_options *opts,
                    hloc_arena *arena) {
    memset(ev, 0, sizeof *ev);
    ev->module = m;
    ev->opts = opts;
    ev->arena = arena;
    uint32_t bound = hloc_module_id_bound(m);
    ev->slot = calloc(bound ? bound : 1, sizeof *ev->slot);
    if (!ev->slot) return false;
    ev->n_slots = bound;
    for (uint32_t c = 0; c < m->n_comps; c++) {
        const hloc_computation *comp = m->comps[c];
        for (uint32_t k = 0; k < comp->n_instrs; k++)
            if (comp->instrs[k]->id < bound) ev->slot[comp->instrs[k]->id] = k;
    }
    return true;
}

void hloc_eval_fini(hloc_eval *ev) {
    free(ev->slot);
    ev->slot = NULL;
    hloc_arena_destroy(ev->scalar_arena);
    ev->scalar_arena = NULL;
}

static bool arg_matches(const hloc_shape *want, const hloc_shape *got);

/* The value's shape and structure agree with |want|: types, dims, tuple arity all the way down. */
static bool value_matches(const hloc_shape *want, const hloc_literal *v) {
    if (!arg_matches(want, &v->shape)) return false;
    if (want->type == HLOC_TYPE_TUPLE) {
        if (v->n_elems != want->n_elems || (v->n_elems && !v->elems)) return false;
        for (uint32_t k = 0; k < v->n_elems; k++)
            if (!value_matches(&want->elems[k], &v->elems[k])) return false;
        return true;
    }
    return !hloc_type_is_array(want->type) || v->data;
}

typedef hloc_status *(*kernel_fn)(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                                  hloc_literal *out);

/* Opcodes whose result the caller allocates with the instruction's shape. Elementwise opcodes are
 * found by their flag; what is in neither place goes to hloc_eval_control. */
static const kernel_fn kernels[HLOC_OP_COUNT] = {
    [HLOC_OP_BITCAST_CONVERT] = hloc_eval_bitcast_convert,
    [HLOC_OP_BROADCAST] = hloc_eval_broadcast,
    [HLOC_OP_RESHAPE] = hloc_eval_reshape,
    [HLOC_OP_BITCAST] = hloc_eval_bitcast,
    [HLOC_OP_TRANSPOSE] = hloc_eval_transpose,
    [HLOC_OP_SLICE] = hloc_eval_slice,
    [HLOC_OP_DYNAMIC_SLICE] = hloc_eval_dynamic_slice,
    [HLOC_OP_DYNAMIC_UPDATE_SLICE] = hloc_eval_dynamic_update_slice,
    [HLOC_OP_CONCATENATE] = hloc_eval_concatenate,
    [HLOC_OP_PAD] = hloc_eval_pad,
    [HLOC_OP_REVERSE] = hloc_eval_reverse,
    [HLOC_OP_IOTA] = hloc_eval_iota,
    [HLOC_OP_REDUCE] = hloc_eval_reduce,
    [HLOC_OP_MAP] = hloc_eval_map,
    [HLOC_OP_DOT] = hloc_eval_dot,
    [HLOC_OP_REDUCE_WINDOW] = hloc_eval_reduce_window,
    [HLOC_OP_SELECT_AND_SCATTER] = hloc_eval_select_and_scatter,
    [HLOC_OP_CONVOLUTION] = hloc_eval_convolution,
    [HLOC_OP_GATHER] = hloc_eval_gather,
    [HLOC_OP_SCATTER] = hloc_eval_scatter,
    [HLOC_OP_SORT] = hloc_eval_sort,
    [HLOC_OP_TOPK] = hloc_eval_topk,
    [HLOC_OP_RNG_BIT_GENERATOR] = hloc_eval_rng_bit_generator,
    [HLOC_OP_RNG] = hloc_eval_rng,
    [HLOC_OP_CHOLESKY] = hloc_eval_cholesky,
    [HLOC_OP_TRIANGULAR_SOLVE] = hloc_eval_triangular_solve,
    [HLOC_OP_FFT] = hloc_eval_fft,
    [HLOC_OP_BATCH_NORM_TRAINING] = hloc_eval_batch_norm_training,
    [HLOC_OP_BATCH_NORM_INFERENCE] = hloc_eval_batch_norm_inference,
    [HLOC_OP_BATCH_NORM_GRAD] = hloc_eval_batch_norm_grad,
};

/* Kernels whose result may be a tuple (variadic forms, several outputs); the others fill one array. */
static bool result_may_be_tuple(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_REDUCE:
    case HLOC_OP_REDUCE_WINDOW:
    case HLOC_OP_SCATTER:
    case HLOC_OP_SORT:
    case HLOC_OP_TOPK:
    case HLOC_OP_RNG_BIT_GENERATOR:
    case HLOC_OP_BATCH_NORM_TRAINING:
    case HLOC_OP_BATCH_NORM_GRAD:
        return true;
    default: return false;
    }
}

static hloc_status *eval_instr(hloc_eval *ev, const hloc_instr *i, const hloc_literal *const *ops,
                               const hloc_literal *const *args, uint32_t n_args, hloc_literal **out) {
    int arity = hloc_opcode_arity(i->op);
    if (arity >= 0 && i->n_operands != (uint32_t)arity)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "takes %d operands, has %u", arity,
                              i->n_operands);
    switch (i->op) {
    case HLOC_OP_PARAMETER:
        if (i->attrs->index < 0 || (uint64_t)i->attrs->index >= n_args)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "parameter number %lld but the computation got %u arguments",
                                  (long long)i->attrs->index, n_args);
        /* Called computations get their caller's values: in an unverified module those may not
         * have the parameter's shape, and every kernel trusts its operands' shapes. */
        if (!arg_matches(&i->shape, &args[i->attrs->index]->shape)) {
            char want[256], got[256];
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "parameter is %s but got a %s value",
                                  hloc_eval_shape_str(&i->shape, want, sizeof want),
                                  hloc_eval_shape_str(&args[i->attrs->index]->shape, got, sizeof got));
        }
        *out = (hloc_literal *)args[i->attrs->index];
        return NULL;
    case HLOC_OP_CONSTANT: {
        hloc_literal *l = i->attrs->literal;
        if (!l) return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "constant has no value");
        if (l->elided)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "constant's values were elided ({...}); they cannot be evaluated");
        if (!hloc_shape_same_dims(&l->shape, &i->shape)) {
            char a[128], b[128];
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "constant literal has shape %s, instruction has %s",
                                  hloc_eval_shape_str(&l->shape, a, sizeof a),
                                  hloc_eval_shape_str(&i->shape, b, sizeof b));
        }
        *out = l;
        return NULL;
    }
    case HLOC_OP_TUPLE: {
        hloc_literal *t = HLOC_ARENA_NEW(ev->arena, hloc_literal);
        if (!t) return hloc_status_oom();
        t->shape = i->shape;
        t->n_elems = i->n_operands;
        if (i->n_operands) {
            t->elems = HLOC_ARENA_ARRAY(ev->arena, hloc_literal, i->n_operands);
            if (!t->elems) return hloc_status_oom();
            for (uint32_t k = 0; k < i->n_operands; k++) t->elems[k] = *ops[k];
        }
        *out = t;
        return NULL;
    }
    case HLOC_OP_GET_TUPLE_ELEMENT: {
        const hloc_literal *t = ops[0];
        if (t->shape.type != HLOC_TYPE_TUPLE || i->attrs->index < 0 ||
            (uint64_t)i->attrs->index >= t->n_elems)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "index %lld is out of range for an operand with %u elements",
                                  (long long)i->attrs->index, t->n_elems);
        *out = &t->elems[i->attrs->index];
        return NULL;
    }
    case HLOC_OP_COPY:
        /* Values are logical (row-major whatever the layout), so a layout-changing copy is the
         * identity. */
        *out = (hloc_literal *)ops[0];
        return NULL;
    default: break;
    }
    kernel_fn k = kernels[i->op];
    if (!k && (hloc_opcode_flags(i->op) & OPF_EW)) k = hloc_eval_elementwise;
    if (!k) return hloc_eval_control(ev, i, ops, out);
    for (uint32_t o = 0; o < i->n_operands; o++)
        if (!hloc_type_is_array(ops[o]->shape.type) || !ops[o]->data)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "operand %u must be an array, not %s",
                                  o, hloc_type_name(ops[o]->shape.type));
    if (!result_may_be_tuple(i->op) && !hloc_shape_is_array(&i->shape)) {
        char s[128];
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "result must be an array, not %s",
                              hloc_eval_shape_str(&i->shape, s, sizeof s));
    }
    if (!hloc_shape_is_static(&i->shape))
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "dynamic shapes are not supported");
    hloc_literal *r = hloc_literal_create(ev->arena, &i->shape);
    if (!r) return hloc_status_oom();
    HLOC_RETURN_IF_ERROR(k(ev, i, ops, r));
    *out = r;
    return NULL;
}

/* Position of |i| in |c|->instrs; UINT32_MAX if absent. The slot table covers the evaluated
 * module only: constant folding evaluates a scratch module whose instructions call the original
 * module's computations, whose ids may lie beyond the table or collide with the scratch ids. */
static uint32_t position(const hloc_eval *ev, const hloc_computation *c, const hloc_instr *i) {
    if (i->id < ev->n_slots) {
        uint32_t s = ev->slot[i->id];
        if (s < c->n_instrs && c->instrs[s] == i) return s;
    }
    for (uint32_t k = 0; k < c->n_instrs; k++)
        if (c->instrs[k] == i) return k;
    return UINT32_MAX;
}

hloc_status *hloc_eval_computation(hloc_eval *ev, const hloc_computation *c,
                                   const hloc_literal *const *args, uint32_t n, hloc_literal **out) {
    *out = NULL;
    if (n != c->n_params)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "computation %s takes %u arguments, got %u", c->name, c->n_params, n);
    if (!c->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "computation %s has no root", c->name);
    if (ev->depth >= HLOC_EVAL_MAX_DEPTH)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "computation %s: calls nest deeper than %d", c->name,
                               HLOC_EVAL_MAX_DEPTH);
    hloc_literal **vals = HLOC_ARENA_ARRAY(ev->arena, hloc_literal *, c->n_instrs ? c->n_instrs : 1);
    if (!vals) return hloc_status_oom();
    const hloc_literal *small[8];
    hloc_status *st = NULL;
    ev->depth++;
    for (uint32_t k = 0; k < c->n_instrs && !st; k++) {
        const hloc_instr *i = c->instrs[k];
        if (i->dead) continue;
        const hloc_literal **ops = small;
        if (i->n_operands > 8) {
            ops = HLOC_ARENA_ARRAY(ev->arena, const hloc_literal *, i->n_operands);
            if (!ops) {
                st = hloc_status_oom();
                break;
            }
        }
        for (uint32_t o = 0; o < i->n_operands && !st; o++) {
            const hloc_instr *op = i->operands[o];
            uint32_t s = op->parent == c ? position(ev, c, op) : UINT32_MAX;
            if (s >= k || !vals[s])
                st = hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                    "operand %u (%s) is not computed before its use", o, op->name);
            else
                ops[o] = vals[s];
        }
        if (!st) st = eval_instr(ev, i, ops, args, n, &vals[k]);
        /* Kernels trust their operands' shapes; values passed through (copy, tuple, calls) must
         * therefore have the shape their instruction declares, which an unverified module may
         * contradict. */
        if (!st && !value_matches(&i->shape, vals[k])) {
            char want[256], got[256];
            st = hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "computes a %s value but is declared %s",
                                hloc_eval_shape_str(&vals[k]->shape, got, sizeof got),
                                hloc_eval_shape_str(&i->shape, want, sizeof want));
        }
    }
    ev->depth--;
    if (st) return st;
    uint32_t r = position(ev, c, c->root);
    if (r == UINT32_MAX || !vals[r])
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "computation %s: root %s not evaluated",
                               c->name, c->root->name);
    *out = vals[r];
    return NULL;
}

/* A computation whose root is one elementwise instruction applied directly to parameters — the
 * usual reducer or comparator — runs as a single elementwise kernel call on the caller's scalars
 * without allocating anything. */
static bool is_single_op(const hloc_computation *c) {
    const hloc_instr *r = c->root;
    if (!(hloc_opcode_flags(r->op) & OPF_EW) || r->n_operands == 0 || r->n_operands > 3) return false;
    if (hloc_shape_is_tuple(&r->shape) || r->op == HLOC_OP_COPY) return false;
    for (uint32_t k = 0; k < r->n_operands; k++)
        if (r->operands[k]->op != HLOC_OP_PARAMETER || r->operands[k]->parent != c) return false;
    return true;
}

/* The commonest reducers, `ROOT op(p0, p1)` on f32, f64 or s32 scalars, run inline. */
enum { FAST_UNKNOWN = 0, FAST_NONE, FAST_ADD, FAST_MUL, FAST_MAX, FAST_MIN };
enum { FAST_F32 = 0 << 4, FAST_F64 = 1 << 4, FAST_S32 = 2 << 4 };

static int fast_kind_of(const hloc_computation *c) {
    const hloc_instr *r = c->root;
    if (c->n_params != 2 || r->n_operands != 2 || !hloc_shape_is_scalar(&r->shape)) return FAST_NONE;
    const hloc_instr *a = r->operands[0], *b = r->operands[1];
    if (a->op != HLOC_OP_PARAMETER || b->op != HLOC_OP_PARAMETER || a == b || a->parent != c ||
        b->parent != c || a->shape.type != r->shape.type || b->shape.type != r->shape.type)
        return FAST_NONE;
    int t = r->shape.type == HLOC_TYPE_F32 ? FAST_F32 : r->shape.type == HLOC_TYPE_F64 ? FAST_F64
          : r->shape.type == HLOC_TYPE_S32 ? FAST_S32 : -1;
    if (t < 0) return FAST_NONE;
    switch (r->op) {
    case HLOC_OP_ADD: return t | FAST_ADD;
    case HLOC_OP_MULTIPLY: return t | FAST_MUL;
    case HLOC_OP_MAXIMUM: return t | FAST_MAX;
    case HLOC_OP_MINIMUM: return t | FAST_MIN;
    default: return FAST_NONE;
    }
}

/* NaN-propagating max/min with -0 < +0, as the elementwise kernel's. */
#define FAST_MAXMIN(T, x, y, is_max)                                                        \
    ((x) != (x) ? (x) : (y) != (y) ? (y) : (x) == (y) ? ((signbit(x) != 0) == (is_max) ? (y) : (x)) \
     : (((x) > (y)) == (is_max) ? (x) : (y)))

#define FAST_CASE(T, tag)                                                                   \
    case tag | FAST_ADD: *(T *)res = *(const T *)x + *(const T *)y; break;                 \
    case tag | FAST_MUL: *(T *)res = *(const T *)x * *(const T *)y; break;                 \
    case tag | FAST_MAX: { T u = *(const T *)x, v = *(const T *)y; *(T *)res = FAST_MAXMIN(T, u, v, true); break; } \
    case tag | FAST_MIN: { T u = *(const T *)x, v = *(const T *)y; *(T *)res = FAST_MAXMIN(T, u, v, false); break; }

/* The arguments go in as aligned copies: kernels may pass pointers into packed literals. */
static void fast_apply(int kind, const void *xp, const void *yp, void *rp) {
    _Alignas(8) unsigned char xb[8], yb[8], rb[8];
    memcpy(xb, xp, 8 - 4 * ((kind & 0xf0) != FAST_F64));
    memcpy(yb, yp, 8 - 4 * ((kind & 0xf0) != FAST_F64));
    const void *x = xb, *y = yb;
    void *res = rb;
    switch (kind) {
        FAST_CASE(float, FAST_F32)
        FAST_CASE(double, FAST_F64)
    case FAST_S32 | FAST_ADD: *(int32_t *)res = (int32_t)((uint32_t)*(const int32_t *)x + (uint32_t)*(const int32_t *)y); break;
    case FAST_S32 | FAST_MUL: *(int32_t *)res = (int32_t)((uint32_t)*(const int32_t *)x * (uint32_t)*(const int32_t *)y); break;
    case FAST_S32 | FAST_MAX: *(int32_t *)res = *(const int32_t *)x > *(const int32_t *)y ? *(const int32_t *)x : *(const int32_t *)y; break;
    case FAST_S32 | FAST_MIN: *(int32_t *)res = *(const int32_t *)x < *(const int32_t *)y ? *(const int32_t *)x : *(const int32_t *)y; break;
    default: HLOC_UNREACHABLE();
    }
    memcpy(rp, rb, 8 - 4 * ((kind & 0xf0) != FAST_F64));
}

static void scalar_view(hloc_literal *l, const hloc_shape *s, const void *data) {
    memset(l, 0, sizeof *l);
    l->shape = *s;
    l->data = (void *)data;
}

hloc_status *hloc_eval_call_scalar(hloc_eval *ev, const hloc_computation *c, const void *const *args,
                                   void *const *results) {
    if (!c->root)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "computation %s has no root", c->name);
    for (uint32_t k = 0; k < c->n_params; k++)
        if (!c->params[k] || !hloc_shape_is_scalar(&c->params[k]->shape))
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "computation %s: parameter %u is not a scalar", c->name, k);
    if (ev->fast_c != c) {
        ev->fast_c = c;
        ev->fast_kind = fast_kind_of(c);
    }
    if (ev->fast_kind != FAST_NONE) {
        const hloc_instr *r = c->root;
        fast_apply(ev->fast_kind, args[r->operands[0]->attrs->index], args[r->operands[1]->attrs->index],
                   results[0]);
        return NULL;
    }
    if (is_single_op(c)) {
        const hloc_instr *r = c->root;
        hloc_literal in[3], res;
        const hloc_literal *ops[3];
        for (uint32_t k = 0; k < r->n_operands; k++) {
            const hloc_instr *p = r->operands[k];
            scalar_view(&in[k], &p->shape, args[p->attrs->index]);
            ops[k] = &in[k];
        }
        scalar_view(&res, &r->shape, results[0]);
        return hloc_eval_elementwise(ev, r, ops, &res);
    }
    /* A nested call (a scalar computation that calls another) gets an arena of its own, so that
     * the reset below never frees values the enclosing call still uses. */
    bool own = ev->scalar_busy;
    if (!own && !ev->scalar_arena && !(ev->scalar_arena = hloc_arena_create()))
        return hloc_status_oom();
    hloc_arena *a = own ? hloc_arena_create() : ev->scalar_arena;
    if (!a) return hloc_status_oom();
    bool was_busy = ev->scalar_busy;
    ev->scalar_busy = true;
    hloc_arena *saved = ev->arena;
    ev->arena = a;
    hloc_status *st = NULL;
    hloc_literal *in = HLOC_ARENA_ARRAY(a, hloc_literal, c->n_params ? c->n_params : 1);
    const hloc_literal **argv = HLOC_ARENA_ARRAY(a, const hloc_literal *, c->n_params ? c->n_params : 1);
    if (!in || !argv) st = hloc_status_oom();
    for (uint32_t k = 0; !st && k < c->n_params; k++) {
        scalar_view(&in[k], &c->params[k]->shape, args[k]);
        argv[k] = &in[k];
    }
    hloc_literal *r = NULL;
    if (!st) st = hloc_eval_computation(ev, c, argv, c->n_params, &r);
    if (!st) {
        if (r->shape.type == HLOC_TYPE_TUPLE) {
            for (uint32_t k = 0; k < r->n_elems; k++)
                memcpy(results[k], r->elems[k].data, hloc_type_bytes(r->elems[k].shape.type));
        } else {
            memcpy(results[0], r->data, hloc_type_bytes(r->shape.type));
        }
    }
    ev->arena = saved;
    ev->scalar_busy = was_busy;
    if (own) hloc_arena_destroy(a);
    else hloc_arena_reset(a);
    return st;
}

hloc_status *hloc_eval_check_scalar_call(const hloc_instr *i, const hloc_computation *c,
                                         const hloc_type *params, uint32_t n_params,
                                         const hloc_type *results, uint32_t n_results) {
    if (c->n_params != n_params)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "computation %s takes %u parameters, needs %u",
                              c->name, c->n_params, n_params);
    for (uint32_t k = 0; k < n_params; k++) {
        const hloc_instr *p = c->params[k];
        if (!p || !hloc_shape_is_scalar(&p->shape) || p->shape.type != params[k])
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "parameter %u of computation %s must be %s[]", k, c->name,
                                  hloc_type_name(params[k]));
    }
    const hloc_shape *r = c->root ? &c->root->shape : NULL;
    bool ok = r != NULL;
    if (ok && n_results == 1 && r->type != HLOC_TYPE_TUPLE) {
        ok = hloc_shape_is_scalar(r) && r->type == results[0];
    } else if (ok) {
        ok = r->type == HLOC_TYPE_TUPLE && r->n_elems == n_results;
        for (uint32_t k = 0; ok && k < n_results; k++)
            ok = hloc_shape_is_scalar(&r->elems[k]) && r->elems[k].type == results[k];
    }
    if (!ok)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "computation %s must return %u scalar(s) of the result's element type",
                              c->name, n_results);
    return NULL;
}

/* Deep copy whose shapes, too, live in |a|, so the result outlives the module. */
static bool clone_out(hloc_arena *a, hloc_literal *dst, const hloc_literal *src) {
    hloc_shape s = hloc_shape_clone(a, &src->shape);
    if (!hloc_literal_init(a, dst, &s)) return false;
    if (src->data) memcpy(dst->data, src->data, hloc_shape_bytes(&src->shape));
    for (uint32_t k = 0; k < src->n_elems; k++)
        if (!clone_out(a, &dst->elems[k], &src->elems[k])) return false;
    return true;
}

static bool arg_matches(const hloc_shape *want, const hloc_shape *got) {
    if (want->type != got->type) return false;
    if (want->type == HLOC_TYPE_TUPLE) {
        if (want->n_elems != got->n_elems) return false;
        for (uint32_t k = 0; k < want->n_elems; k++)
            if (!arg_matches(&want->elems[k], &got->elems[k])) return false;
        return true;
    }
    if (want->rank != got->rank) return false;
    for (uint32_t k = 0; k < want->rank; k++)
        if (want->dims[k] != got->dims[k]) return false;
    return true;
}

static bool has_data(const hloc_literal *l) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        if (l->n_elems != l->shape.n_elems || (l->n_elems && !l->elems)) return false;
        for (uint32_t k = 0; k < l->n_elems; k++)
            if (!has_data(&l->elems[k])) return false;
        return true;
    }
    return !hloc_type_is_array(l->shape.type) || l->data;
}

hloc_status *hloc_evaluate(const hloc_module *m, const hloc_literal *const *args, uint32_t n_args,
                           const hloc_eval_options *opts, hloc_arena *out_arena,
                           hloc_literal **out_result) {
    *out_result = NULL;
    const hloc_computation *e = m->entry;
    if (!e) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "module %s has no entry computation", m->name);
    if (n_args != e->n_params)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                               "entry computation %s takes %u arguments, got %u", e->name, e->n_params,
                               n_args);
    for (uint32_t k = 0; k < n_args; k++) {
        const hloc_instr *p = e->params[k];
        if (!p) return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "parameter %u is missing", k);
        if (!args[k] || !arg_matches(&p->shape, &args[k]->shape) || !has_data(args[k])) {
            char want[256], got[256];
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                   "argument %u (parameter %s): expected %s, got %s", k, p->name,
                                   hloc_eval_shape_str(&p->shape, want, sizeof want),
                                   args[k] ? hloc_eval_shape_str(&args[k]->shape, got, sizeof got)
                                           : "NULL");
        }
    }
    hloc_arena *work = hloc_arena_create();
    if (!work) return hloc_status_oom();
    hloc_eval ev;
    if (!hloc_eval_init(&ev, m, opts, work)) {
        hloc_arena_destroy(work);
        return hloc_status_oom();
    }
    hloc_literal *r = NULL;
    unsigned csr = flush_denormals_begin();
    hloc_status *st = hloc_eval_computation(&ev, e, args, n_args, &r);
    flush_denormals_end(csr);
    if (!st) {
        hloc_literal *res = HLOC_ARENA_NEW(out_arena, hloc_literal);
        if (!res || !clone_out(out_arena, res, r)) st = hloc_status_oom();
        else *out_result = res;
    }
    hloc_eval_fini(&ev);
    hloc_arena_destroy(work);
    return st;
}
