/* Elementwise opcodes for every element type, with XLA:CPU's answers where the specification
 * leaves room: integer x/0 = -1 and x%0 = x, shifts past the width, saturating float→int
 * converts, NaN-propagating min/max, total-order compares. Floats narrower than f64 compute in f32
 * and round once when stored, as XLA:CPU upcasts f16/bf16/f8; f64 computes in double. Work goes in
 * chunks through stack buffers, so the scalar calls of reducers allocate nothing. */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "eval_internal.h"

enum { CHUNK = 256 };

#define FT float
#define FM(fn) fn##f
#define FNAME(fn) fn##_f32
#include "eval_float.inc"
#undef FT
#undef FM
#undef FNAME
#define FT double
#define FM(fn) fn
#define FNAME(fn) fn##_f64
#include "eval_float.inc"
#undef FT
#undef FM
#undef FNAME

/* XLA:CPU computes with denormals flushed (see eval.c); libm's bit-level code ignores the flush
 * mode, so the float paths flush their inputs and results themselves. */
static inline float daz_f32(float x) { return fabsf(x) < FLT_MIN ? copysignf(0.0f, x) : x; }
static inline double daz_f64(double x) { return fabs(x) < DBL_MIN ? copysign(0.0, x) : x; }

static void flush_f32(float *v, int L) {
    for (int j = 0; j < L; j++) v[j] = daz_f32(v[j]);
}
static void flush_f64(double *v, int L) {
    for (int j = 0; j < L; j++) v[j] = daz_f64(v[j]);
}

/* A scalar operand of a non-scalar result (clamp bounds, select predicate) applies everywhere. */
static inline int64_t at(const hloc_literal *l, int64_t k) { return l->shape.rank == 0 ? 0 : k; }

static void ld_f32(const hloc_literal *l, int64_t s, int L, float *d) {
    hloc_type t = l->shape.type;
    if (t == HLOC_TYPE_F32 && l->shape.rank) {
        memcpy(d, (const float *)l->data + s, (size_t)L * sizeof *d);
        return;
    }
    for (int j = 0; j < L; j++) d[j] = (float)hloc_elem_load_f64(t, hloc_literal_at(l, at(l, s + j)));
}

static void ld_f64(const hloc_literal *l, int64_t s, int L, double *d) {
    for (int j = 0; j < L; j++) d[j] = hloc_elem_load_f64(l->shape.type, hloc_literal_at(l, at(l, s + j)));
}

/* Integers as 64-bit words: signed types sign-extended, unsigned zero-extended. */
static void ld_u64(const hloc_literal *l, int64_t s, int L, uint64_t *d) {
    hloc_type t = l->shape.type;
    if (t == HLOC_TYPE_S32 && l->shape.rank) {
        const int32_t *p = (const int32_t *)l->data + s;
        for (int j = 0; j < L; j++) d[j] = (uint64_t)(int64_t)p[j];
        return;
    }
    for (int j = 0; j < L; j++) d[j] = hloc_elem_load_u64(t, hloc_literal_at(l, at(l, s + j)));
}

static void ld_c(const hloc_literal *l, int64_t s, int L, double complex *d) {
    for (int j = 0; j < L; j++) {
        double re, im;
        hloc_elem_load_c128(l->shape.type, hloc_literal_at(l, at(l, s + j)), &re, &im);
        d[j] = CMPLX(re, im);
    }
}

static void st_f32(hloc_literal *l, int64_t s, int L, const float *r) {
    hloc_type t = l->shape.type;
    if (t == HLOC_TYPE_F32) {
        memcpy((float *)l->data + s, r, (size_t)L * sizeof *r);
        return;
    }
    for (int j = 0; j < L; j++) hloc_elem_store_f64(t, hloc_literal_at(l, s + j), r[j]);
}

static void st_f64(hloc_literal *l, int64_t s, int L, const double *r) {
    for (int j = 0; j < L; j++) hloc_elem_store_f64(l->shape.type, hloc_literal_at(l, s + j), r[j]);
}

static void st_u64(hloc_literal *l, int64_t s, int L, const uint64_t *r) {
    hloc_type t = l->shape.type;
    if (t == HLOC_TYPE_S32) {
        int32_t *p = (int32_t *)l->data + s;
        for (int j = 0; j < L; j++) p[j] = (int32_t)(uint32_t)r[j];
        return;
    }
    for (int j = 0; j < L; j++) hloc_elem_store_u64(t, hloc_literal_at(l, s + j), r[j]);
}

static void st_c(hloc_literal *l, int64_t s, int L, const double complex *r) {
    for (int j = 0; j < L; j++)
        hloc_elem_store_c128(l->shape.type, hloc_literal_at(l, s + j), creal(r[j]), cimag(r[j]));
}

static inline uint64_t mask_of(int w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }

static inline int64_t sext(uint64_t v, int w) {
    if (w >= 64) return (int64_t)v;
    uint64_t m = 1ull << (w - 1);
    v &= mask_of(w);
    return (int64_t)((v ^ m) - m);
}

/* XLA's EmitIntegerPow: square-and-multiply over the low 6 bits of the exponent (more would
 * overflow any base but 0, ±1); a negative exponent gives 1 for base 1, else 0. */
static uint64_t ipow(uint64_t base, uint64_t e, bool sg) {
    uint64_t acc = 1, b = base, x = e;
    for (int k = 0; k < 6; k++) {
        if (x & 1) acc *= b;
        b *= b;
        x >>= 1;
    }
    if (sg && (int64_t)e < 0) return base == 1;
    return acc;
}

static uint64_t imax(uint64_t x, uint64_t y, bool sg) {
    return sg ? ((int64_t)x > (int64_t)y ? x : y) : (x > y ? x : y);
}
static uint64_t imin(uint64_t x, uint64_t y, bool sg) {
    return sg ? ((int64_t)x < (int64_t)y ? x : y) : (x < y ? x : y);
}

static uint64_t mulhi(uint64_t x, uint64_t y, int w, bool sg) {
    if (sg) {
        __int128 p = (__int128)(int64_t)x * (int64_t)y;
        return (uint64_t)(int64_t)(p >> w);
    }
    unsigned __int128 p = (unsigned __int128)x * y;
    return (uint64_t)(p >> w);
}

/* Integer arithmetic on |w|-bit values held in 64-bit words (see ld_u64); results are truncated to
 * the width when stored. */
static bool int_op(hloc_opcode op, int w, bool sg, int L, uint64_t *r, const uint64_t *a,
                   const uint64_t *b, const uint64_t *c) {
    const uint64_t m = mask_of(w);
    const int64_t smin = w >= 64 ? INT64_MIN : -(int64_t)(1ull << (w - 1));
#define EACH(expr)                                  \
    do {                                            \
        for (int j = 0; j < L; j++) r[j] = (expr);  \
        return true;                                \
    } while (0)
    switch (op) {
    case HLOC_OP_ADD: EACH(a[j] + b[j]);
    case HLOC_OP_SUBTRACT: EACH(a[j] - b[j]);
    case HLOC_OP_MULTIPLY: EACH(a[j] * b[j]);
    case HLOC_OP_DIVIDE:
        if (sg)
            EACH(b[j] == 0                                        ? ~0ull
                 : ((int64_t)a[j] == smin && (int64_t)b[j] == -1) ? a[j]
                                                                  : (uint64_t)((int64_t)a[j] / (int64_t)b[j]));
        EACH(b[j] == 0 ? m : a[j] / b[j]);
    case HLOC_OP_REMAINDER:
        if (sg)
            EACH(b[j] == 0                ? a[j]
                 : (int64_t)b[j] == -1    ? 0
                                          : (uint64_t)((int64_t)a[j] % (int64_t)b[j]));
        EACH(b[j] == 0 ? a[j] : a[j] % b[j]);
    case HLOC_OP_MAXIMUM: EACH(imax(a[j], b[j], sg));
    case HLOC_OP_MINIMUM: EACH(imin(a[j], b[j], sg));
    case HLOC_OP_CLAMP: EACH(imin(imax(b[j], a[j], sg), c[j], sg));
    case HLOC_OP_AND: EACH(a[j] & b[j]);
    case HLOC_OP_OR: EACH(a[j] | b[j]);
    case HLOC_OP_XOR: EACH(a[j] ^ b[j]);
    case HLOC_OP_NOT: EACH(~a[j]);
    /* The shift amount is compared unsigned against the width, so negative amounts are "too big". */
    case HLOC_OP_SHIFT_LEFT: EACH((b[j] & m) >= (uint64_t)w ? 0 : a[j] << (b[j] & m));
    case HLOC_OP_SHIFT_RIGHT_LOGICAL: EACH((b[j] & m) >= (uint64_t)w ? 0 : (a[j] & m) >> (b[j] & m));
    case HLOC_OP_SHIFT_RIGHT_ARITHMETIC:
        EACH((b[j] & m) >= (uint64_t)w ? (sext(a[j], w) < 0 ? ~0ull : 0)
                                       : (uint64_t)(sext(a[j], w) >> (b[j] & m)));
    case HLOC_OP_ABS: EACH(sg && (int64_t)a[j] < 0 ? 0 - a[j] : a[j]);
    case HLOC_OP_NEGATE: EACH(0 - a[j]);
    case HLOC_OP_SIGN:
        if (sg) EACH((int64_t)a[j] > 0 ? 1 : (int64_t)a[j] < 0 ? ~0ull : 0);
        EACH(a[j] != 0);
    case HLOC_OP_POPCNT: EACH((uint64_t)__builtin_popcountll(a[j] & m));
    case HLOC_OP_COUNT_LEADING_ZEROS:
        EACH((a[j] & m) == 0 ? (uint64_t)w : (uint64_t)(__builtin_clzll(a[j] & m) - (64 - w)));
    case HLOC_OP_POWER: EACH(ipow(a[j], b[j], sg));
    case HLOC_OP_MULHI: EACH(mulhi(a[j], b[j], w, sg));
    default: return false;
    }
#undef EACH
}

/* pred: add/maximum/or are "or", multiply/minimum/and are "and" (XLA's emitter). */
static bool pred_op(hloc_opcode op, int L, uint64_t *r, const uint64_t *a, const uint64_t *b,
                    const uint64_t *c) {
#define EACH(expr)                                       \
    do {                                                 \
        for (int j = 0; j < L; j++) r[j] = (expr) != 0;  \
        return true;                                     \
    } while (0)
    switch (op) {
    case HLOC_OP_ADD:
    case HLOC_OP_MAXIMUM:
    case HLOC_OP_OR: EACH(a[j] | b[j]);
    case HLOC_OP_MULTIPLY:
    case HLOC_OP_MINIMUM:
    case HLOC_OP_AND: EACH(a[j] & b[j]);
    case HLOC_OP_XOR: EACH(a[j] ^ b[j]);
    case HLOC_OP_NOT: EACH(!a[j]);
    case HLOC_OP_CLAMP: EACH((b[j] | a[j]) & c[j]);
    default: return false;
    }
#undef EACH
}

static double complex csign(double complex z) {
    double a = cabs(z);
    return a == 0 ? z : z / a;
}

static bool complex_op(hloc_opcode op, int L, double complex *r, const double complex *a,
                       const double complex *b) {
#define EACH(expr)                                  \
    do {                                            \
        for (int j = 0; j < L; j++) r[j] = (expr);  \
        return true;                                \
    } while (0)
    switch (op) {
    case HLOC_OP_ADD: EACH(a[j] + b[j]);
    case HLOC_OP_SUBTRACT: EACH(a[j] - b[j]);
    case HLOC_OP_MULTIPLY: EACH(a[j] * b[j]);
    case HLOC_OP_DIVIDE: EACH(a[j] / b[j]);
    case HLOC_OP_NEGATE: EACH(-a[j]);
    case HLOC_OP_POWER: EACH(cpow(a[j], b[j]));
    case HLOC_OP_EXPONENTIAL: EACH(cexp(a[j]));
    case HLOC_OP_EXPONENTIAL_MINUS_ONE: EACH(cexp(a[j]) - 1);
    case HLOC_OP_LOG: EACH(clog(a[j]));
    case HLOC_OP_LOG_PLUS_ONE: EACH(clog(a[j] + 1));
    case HLOC_OP_SQRT: EACH(csqrt(a[j]));
    case HLOC_OP_RSQRT: EACH(1 / csqrt(a[j]));
    case HLOC_OP_SINE: EACH(csin(a[j]));
    case HLOC_OP_COSINE: EACH(ccos(a[j]));
    case HLOC_OP_TAN: EACH(ctan(a[j]));
    case HLOC_OP_TANH: EACH(ctanh(a[j]));
    case HLOC_OP_SIGN: EACH(csign(a[j]));
    case HLOC_OP_LOGISTIC: EACH(1 / (1 + cexp(-a[j])));
    default: return false;
    }
#undef EACH
}

static hloc_status *bad_type(const hloc_instr *i, hloc_type t) {
    return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "%s is not defined for element type %s",
                          hloc_opcode_name(i->op), hloc_type_name(t));
}

/* Arithmetic whose result type is its operands' type. */
static hloc_status *arith(const hloc_instr *i, const hloc_literal *const *ops, uint32_t n_ops,
                          hloc_literal *out) {
    hloc_type t = out->shape.type;
    int64_t n = hloc_shape_elements(&out->shape);
    const hloc_literal *x = ops[0], *y = n_ops > 1 ? ops[1] : ops[0], *z = n_ops > 2 ? ops[2] : ops[0];
    if (hloc_type_is_float(t) && t != HLOC_TYPE_F64) {
        float a[CHUNK], b[CHUNK], c[CHUNK], r[CHUNK];
        for (int64_t s = 0; s < n; s += CHUNK) {
            int L = (int)(n - s < CHUNK ? n - s : CHUNK);
            ld_f32(x, s, L, a);
            flush_f32(a, L);
            if (n_ops > 1) ld_f32(y, s, L, b), flush_f32(b, L);
            if (n_ops > 2) ld_f32(z, s, L, c), flush_f32(c, L);
            if (!float_op_f32(i->op, L, r, a, b, c)) return bad_type(i, t);
            if (t == HLOC_TYPE_F32) flush_f32(r, L);
            st_f32(out, s, L, r);
        }
    } else if (t == HLOC_TYPE_F64) {
        double a[CHUNK], b[CHUNK], c[CHUNK], r[CHUNK];
        for (int64_t s = 0; s < n; s += CHUNK) {
            int L = (int)(n - s < CHUNK ? n - s : CHUNK);
            ld_f64(x, s, L, a);
            flush_f64(a, L);
            if (n_ops > 1) ld_f64(y, s, L, b), flush_f64(b, L);
            if (n_ops > 2) ld_f64(z, s, L, c), flush_f64(c, L);
            if (!float_op_f64(i->op, L, r, a, b, c)) return bad_type(i, t);
            flush_f64(r, L);
            st_f64(out, s, L, r);
        }
    } else if (hloc_type_is_int(t) || t == HLOC_TYPE_PRED) {
        uint64_t a[CHUNK], b[CHUNK], c[CHUNK], r[CHUNK];
        int w = hloc_type_bits(t);
        bool sg = hloc_type_is_signed_int(t);
        for (int64_t s = 0; s < n; s += CHUNK) {
            int L = (int)(n - s < CHUNK ? n - s : CHUNK);
            ld_u64(x, s, L, a);
            if (n_ops > 1) ld_u64(y, s, L, b);
            if (n_ops > 2) ld_u64(z, s, L, c);
            bool ok = t == HLOC_TYPE_PRED ? pred_op(i->op, L, r, a, b, c)
                                          : int_op(i->op, w, sg, L, r, a, b, c);
            if (!ok) return bad_type(i, t);
            st_u64(out, s, L, r);
        }
    } else if (hloc_type_is_complex(t)) {
        double complex a[CHUNK], b[CHUNK], r[CHUNK];
        for (int64_t s = 0; s < n; s += CHUNK) {
            int L = (int)(n - s < CHUNK ? n - s : CHUNK);
            ld_c(x, s, L, a);
            if (n_ops > 1) ld_c(y, s, L, b);
            if (!complex_op(i->op, L, r, a, b)) return bad_type(i, t);
            st_c(out, s, L, r);
        }
    } else {
        return bad_type(i, t);
    }
    return NULL;
}

/* Keys that order doubles as XLA's TOTALORDER: -NaN < -inf < ... < -0 < +0 < ... < inf < NaN. */
static inline int64_t total_key(double v) {
    int64_t k;
    memcpy(&k, &v, sizeof k);
    return k < 0 ? k ^ INT64_MAX : k;
}

static inline bool cmp_holds(hloc_cmp_dir d, int c) {
    switch (d) {
    case HLOC_CMP_EQ: return c == 0;
    case HLOC_CMP_NE: return c != 0;
    case HLOC_CMP_LT: return c < 0;
    case HLOC_CMP_LE: return c <= 0;
    case HLOC_CMP_GT: return c > 0;
    case HLOC_CMP_GE: return c >= 0;
    default: return false;
    }
}

static hloc_status *compare(const hloc_instr *i, const hloc_literal *const *ops, hloc_literal *out) {
    const hloc_literal *x = ops[0], *y = ops[1];
    hloc_type t = x->shape.type;
    hloc_cmp_dir d = i->attrs->cmp_dir;
    hloc_cmp_type ct = i->attrs->cmp_type;
    if (d == HLOC_CMP_NONE)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "compare has no direction");
    int64_t n = hloc_shape_elements(&out->shape);
    uint8_t *r = out->data;
    if (hloc_type_is_complex(t)) {
        if (d != HLOC_CMP_EQ && d != HLOC_CMP_NE)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "complex numbers compare only for EQ and NE");
        for (int64_t k = 0; k < n; k++) {
            double ar, ai, br, bi;
            hloc_elem_load_c128(t, hloc_literal_at(x, at(x, k)), &ar, &ai);
            hloc_elem_load_c128(t, hloc_literal_at(y, at(y, k)), &br, &bi);
            bool eq = ar == br && ai == bi;
            r[k] = d == HLOC_CMP_EQ ? eq : !eq;
        }
        return NULL;
    }
    if (hloc_type_is_float(t)) {
        double a[CHUNK], b[CHUNK];
        for (int64_t s = 0; s < n; s += CHUNK) {
            int L = (int)(n - s < CHUNK ? n - s : CHUNK);
            ld_f64(x, s, L, a);
            ld_f64(y, s, L, b);
            for (int j = 0; j < L; j++) {
                if (ct == HLOC_CMPT_TOTALORDER) {
                    int64_t ka = total_key(a[j]), kb = total_key(b[j]);
                    r[s + j] = cmp_holds(d, (ka > kb) - (ka < kb));
                } else if (a[j] != a[j] || b[j] != b[j]) {
                    r[s + j] = d == HLOC_CMP_NE; /* only NE is unordered */
                } else {
                    r[s + j] = cmp_holds(d, (a[j] > b[j]) - (a[j] < b[j]));
                }
            }
        }
        return NULL;
    }
    if (!hloc_type_is_int(t) && t != HLOC_TYPE_PRED) return bad_type(i, t);
    int w = hloc_type_bits(t);
    bool sg = ct == HLOC_CMPT_SIGNED || (ct != HLOC_CMPT_UNSIGNED && hloc_type_is_signed_int(t));
    uint64_t a[CHUNK], b[CHUNK];
    for (int64_t s = 0; s < n; s += CHUNK) {
        int L = (int)(n - s < CHUNK ? n - s : CHUNK);
        ld_u64(x, s, L, a);
        ld_u64(y, s, L, b);
        for (int j = 0; j < L; j++) {
            int c;
            if (sg) {
                int64_t p = sext(a[j], w), q = sext(b[j], w);
                c = (p > q) - (p < q);
            } else {
                uint64_t p = a[j] & mask_of(w), q = b[j] & mask_of(w);
                c = (p > q) - (p < q);
            }
            r[s + j] = cmp_holds(d, c);
        }
    }
    return NULL;
}

static hloc_status *convert(const hloc_literal *x, hloc_literal *out) {
    hloc_type st = x->shape.type, dt = out->shape.type;
    int64_t n = hloc_shape_elements(&out->shape);
    hloc_type_kind sk = hloc_type_kind_of(st);
    for (int64_t k = 0; k < n; k++) {
        const void *p = hloc_literal_at(x, k);
        void *q = hloc_literal_at(out, k);
        if (hloc_type_is_complex(dt)) {
            double re, im;
            hloc_elem_load_c128(st, p, &re, &im);
            hloc_elem_store_c128(dt, q, re, im);
        } else if (sk == HLOC_KIND_F || sk == HLOC_KIND_C) {
            /* Exact for every float type; the store rounds once or saturates (NaN → 0). */
            hloc_elem_store_f64(dt, q, hloc_elem_load_f64(st, p));
        } else if (sk == HLOC_KIND_I) {
            int64_t v = hloc_elem_load_i64(st, p);
            if (dt == HLOC_TYPE_F32) {
                float f = (float)v; /* one rounding, not int → double → float */
                memcpy(q, &f, sizeof f);
            } else {
                hloc_elem_store_i64(dt, q, v);
            }
        } else {
            uint64_t v = hloc_elem_load_u64(st, p);
            if (dt == HLOC_TYPE_F32) {
                float f = (float)v;
                memcpy(q, &f, sizeof f);
            } else {
                hloc_elem_store_u64(dt, q, v);
            }
        }
    }
    return NULL;
}

static hloc_status *select_op(const hloc_instr *i, const hloc_literal *const *ops, hloc_literal *out) {
    const hloc_literal *p = ops[0], *a = ops[1], *b = ops[2];
    if (p->shape.type != HLOC_TYPE_PRED) return bad_type(i, p->shape.type);
    if (out->shape.type != a->shape.type || out->shape.type != b->shape.type)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "select's branches must have the result's element type");
    int64_t n = hloc_shape_elements(&out->shape);
    size_t es = hloc_type_bytes(out->shape.type);
    const uint8_t *pd = p->data;
    for (int64_t k = 0; k < n; k++) {
        const hloc_literal *src = pd[at(p, k)] ? a : b;
        memcpy((char *)out->data + (size_t)k * es, (const char *)src->data + (size_t)at(src, k) * es, es);
    }
    return NULL;
}

/* XLA's EmitReducePrecisionIR on the raw bits of a float with |sm| mantissa and |se| exponent
 * bits: round the mantissa to nearest even, then flush what the smaller exponent cannot hold
 * (overflow → ±inf, underflow → ±0). NaNs are kept as they are. */
static uint64_t reduce_precision_bits(uint64_t x, int se, int sm, int e, int m) {
    int nbits = 1 + se + sm;
    if (m < sm) {
        uint64_t last = 1ull << (sm - m);
        uint64_t base_bias = (last >> 1) - 1;
        uint64_t bias = ((x & last) >> (sm - m)) + base_bias;
        x = (x + bias) & ~(last - 1);
        if (nbits < 64) x &= (1ull << nbits) - 1;
    }
    if (e < se) {
        uint64_t sign = 1ull << (nbits - 1);
        uint64_t emask = ((1ull << se) - 1) << sm;
        uint64_t ebias = (1ull << (se - 1)) - 1;
        uint64_t rbias = e > 0 ? (1ull << (e - 1)) - 1 : 0;
        uint64_t xe = x & emask;
        if (xe > ((ebias + rbias) << sm)) x = (x & sign) | emask;
        else if (xe <= ((ebias - rbias) << sm)) x = x & sign;
    }
    return x;
}

static hloc_status *reduce_precision(const hloc_instr *i, const hloc_literal *x, hloc_literal *out) {
    hloc_type t = x->shape.type;
    if (!hloc_type_is_float(t)) return bad_type(i, t);
    int e = (int)i->attrs->exponent_bits, m = (int)i->attrs->mantissa_bits;
    if (e < 1 || m < 0)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "exponent_bits must be >= 1 and mantissa_bits >= 0");
    int64_t n = hloc_shape_elements(&out->shape);
    for (int64_t k = 0; k < n; k++) {
        double v = hloc_elem_load_f64(t, hloc_literal_at(x, k));
        double r = v;
        if (v == v) {
            if (t == HLOC_TYPE_F64) {
                uint64_t b;
                memcpy(&b, &v, 8);
                b = reduce_precision_bits(b, 11, 52, e < 11 ? e : 11, m < 52 ? m : 52);
                memcpy(&r, &b, 8);
            } else {
                /* Narrower floats are exact in f32, and reducing there then storing is exact. */
                float f = (float)v;
                uint32_t b;
                memcpy(&b, &f, 4);
                b = (uint32_t)reduce_precision_bits(b, 8, 23, e < 8 ? e : 8, m < 23 ? m : 23);
                memcpy(&f, &b, 4);
                r = f;
            }
        }
        hloc_elem_store_f64(out->shape.type, hloc_literal_at(out, k), r);
    }
    return NULL;
}

/* Unary ops whose result type differs from the operand's: is-finite, real, imag, complex abs. */
static hloc_status *parts(const hloc_instr *i, const hloc_literal *const *ops, hloc_literal *out) {
    const hloc_literal *x = ops[0];
    hloc_type t = x->shape.type, dt = out->shape.type;
    int64_t n = hloc_shape_elements(&out->shape);
    for (int64_t k = 0; k < n; k++) {
        double re, im;
        hloc_elem_load_c128(t, hloc_literal_at(x, at(x, k)), &re, &im);
        void *q = hloc_literal_at(out, k);
        switch (i->op) {
        case HLOC_OP_IS_FINITE:
            if (!hloc_type_is_float(t)) return bad_type(i, t);
            *(uint8_t *)q = isfinite(re) != 0;
            break;
        case HLOC_OP_REAL: hloc_elem_store_f64(dt, q, re); break;
        case HLOC_OP_IMAG: hloc_elem_store_f64(dt, q, im); break;
        case HLOC_OP_ABS: hloc_elem_store_f64(dt, q, hypot(re, im)); break;
        case HLOC_OP_COMPLEX: {
            const hloc_literal *y = ops[1];
            double b = hloc_elem_load_f64(y->shape.type, hloc_literal_at(y, at(y, k)));
            hloc_elem_store_c128(dt, q, re, b);
            break;
        }
        default: HLOC_UNREACHABLE();
        }
    }
    return NULL;
}

EVAL_KERNEL(elementwise) {
    (void)ev;
    int arity = hloc_opcode_arity(i->op);
    if (arity < 1 || i->n_operands != (uint32_t)arity)
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT, "expected %d operands, got %u", arity,
                              i->n_operands);
    int64_t n = hloc_shape_elements(&out->shape);
    for (uint32_t k = 0; k < i->n_operands; k++) {
        const hloc_literal *o = ops[k];
        if (!hloc_type_is_array(o->shape.type) || !o->data ||
            (o->shape.rank != 0 && hloc_shape_elements(&o->shape) != n)) {
            char a[128], b[128];
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "operand %u has shape %s, incompatible with the result %s", k,
                                  hloc_eval_shape_str(&o->shape, a, sizeof a),
                                  hloc_eval_shape_str(&out->shape, b, sizeof b));
        }
    }
    switch (i->op) {
    case HLOC_OP_COMPARE: return compare(i, ops, out);
    case HLOC_OP_CONVERT: return convert(ops[0], out);
    case HLOC_OP_SELECT: return select_op(i, ops, out);
    case HLOC_OP_REDUCE_PRECISION: return reduce_precision(i, ops[0], out);
    case HLOC_OP_COPY:
        memcpy(out->data, ops[0]->data, hloc_shape_bytes(&out->shape));
        return NULL;
    case HLOC_OP_IS_FINITE:
    case HLOC_OP_REAL:
    case HLOC_OP_IMAG:
    case HLOC_OP_COMPLEX: return parts(i, ops, out);
    case HLOC_OP_ABS:
        if (hloc_type_is_complex(ops[0]->shape.type)) return parts(i, ops, out);
        break;
    case HLOC_OP_STOCHASTIC_CONVERT:
        return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "stochastic-convert is not supported");
    default: break;
    }
    for (uint32_t k = 0; k < i->n_operands; k++)
        if (ops[k]->shape.type != out->shape.type)
            return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                                  "operand %u has element type %s, the result %s", k,
                                  hloc_type_name(ops[k]->shape.type), hloc_type_name(out->shape.type));
    return arith(i, ops, i->n_operands, out);
}

/* Bits of element |k| as the type's logical width, for width-changing bitcast-convert. */
static uint64_t raw_get(const hloc_literal *l, int64_t k) {
    hloc_type t = l->shape.type;
    const void *p = hloc_literal_at(l, k);
    uint64_t v = 0;
    memcpy(&v, p, hloc_type_bytes(t) < 8 ? hloc_type_bytes(t) : 8);
    return v & mask_of(hloc_type_bits(t));
}

static void raw_put(hloc_literal *l, int64_t k, uint64_t v) {
    hloc_type t = l->shape.type;
    void *p = hloc_literal_at(l, k);
    if (hloc_type_is_int(t)) hloc_elem_store_u64(t, p, v); /* keeps s2/s4 sign-extended */
    else memcpy(p, &v, hloc_type_bytes(t) < 8 ? hloc_type_bytes(t) : 8);
}

static bool byte_sized(hloc_type t) {
    return t == HLOC_TYPE_PRED || (size_t)hloc_type_bits(t) == 8 * hloc_type_bytes(t);
}

/* Reinterprets the bits. Elements are little-endian and row-major, so a change of width is a
 * stream of bits: a wide element splits into the new trailing dimension low part first. */
EVAL_KERNEL(bitcast_convert) {
    (void)ev;
    const hloc_literal *x = ops[0];
    hloc_type st = x->shape.type, dt = out->shape.type;
    int ws = st == HLOC_TYPE_PRED ? 8 : hloc_type_bits(st), wd = dt == HLOC_TYPE_PRED ? 8 : hloc_type_bits(dt);
    int64_t ns = hloc_shape_elements(&x->shape), nd = hloc_shape_elements(&out->shape);
    if (!hloc_type_is_array(st) || (uint64_t)ns * (uint64_t)ws != (uint64_t)nd * (uint64_t)wd) {
        char a[128], b[128];
        return hloc_eval_fail(i, HLOC_STATUS_INVALID_ARGUMENT,
                              "operand %s and result %s do not have the same number of bits",
                              hloc_eval_shape_str(&x->shape, a, sizeof a),
                              hloc_eval_shape_str(&out->shape, b, sizeof b));
    }
    if (byte_sized(st) && byte_sized(dt) && ws <= 64 && wd <= 64 && !hloc_type_is_complex(st) &&
        !hloc_type_is_complex(dt)) {
        memcpy(out->data, x->data, hloc_shape_bytes(&out->shape));
        if (dt == HLOC_TYPE_PRED)
            for (int64_t k = 0; k < nd; k++) ((uint8_t *)out->data)[k] = ((uint8_t *)out->data)[k] != 0;
        return NULL;
    }
    if (hloc_type_is_complex(st) || hloc_type_is_complex(dt)) {
        if (hloc_type_bytes(st) * (size_t)ns != hloc_type_bytes(dt) * (size_t)nd)
            return hloc_eval_fail(i, HLOC_STATUS_UNIMPLEMENTED, "bitcast-convert of complex to %s",
                                  hloc_type_name(dt));
        memcpy(out->data, x->data, hloc_shape_bytes(&out->shape));
        return NULL;
    }
    uint64_t acc = 0;
    int nacc = 0;
    int64_t d = 0;
    for (int64_t k = 0; k < ns; k++) {
        acc |= raw_get(x, k) << nacc;
        nacc += ws;
        while (nacc >= wd && d < nd) {
            raw_put(out, d++, acc & mask_of(wd));
            acc = wd >= 64 ? 0 : acc >> wd;
            nacc -= wd;
        }
    }
    return NULL;
}
