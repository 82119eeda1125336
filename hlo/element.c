/* Element load/store for every array type, and the small-float codecs. */
#include "element.h"

#include <math.h>
#include <string.h>

#include "status.h"

/* How a small float format encodes specials. */
enum { SPEC_IEEE, SPEC_FN, SPEC_FNUZ, SPEC_NONE, SPEC_E8M0 };

typedef struct mini {
    int ebits, mbits, bias, spec;
} mini;

static mini mini_of(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_F16: return (mini){5, 10, 15, SPEC_IEEE};
    case HLOC_TYPE_BF16: return (mini){8, 7, 127, SPEC_IEEE};
    case HLOC_TYPE_F8E5M2: return (mini){5, 2, 15, SPEC_IEEE};
    case HLOC_TYPE_F8E4M3: return (mini){4, 3, 7, SPEC_IEEE};
    case HLOC_TYPE_F8E3M4: return (mini){3, 4, 3, SPEC_IEEE};
    case HLOC_TYPE_F8E4M3FN: return (mini){4, 3, 7, SPEC_FN};
    case HLOC_TYPE_F8E4M3B11FNUZ: return (mini){4, 3, 11, SPEC_FNUZ};
    case HLOC_TYPE_F8E5M2FNUZ: return (mini){5, 2, 16, SPEC_FNUZ};
    case HLOC_TYPE_F8E4M3FNUZ: return (mini){4, 3, 8, SPEC_FNUZ};
    case HLOC_TYPE_F8E8M0FNU: return (mini){8, 0, 127, SPEC_E8M0};
    case HLOC_TYPE_F4E2M1FN: return (mini){2, 1, 1, SPEC_NONE};
    default: HLOC_UNREACHABLE();
    }
}

double hloc_minifloat_decode(hloc_type t, uint32_t bits) {
    mini m = mini_of(t);
    uint32_t emax = (1u << m.ebits) - 1, mmask = (1u << m.mbits) - 1;
    if (m.spec == SPEC_E8M0) return bits == 0xff ? NAN : ldexp(1.0, (int)bits - m.bias);
    uint32_t sign = (bits >> (m.ebits + m.mbits)) & 1, e = (bits >> m.mbits) & emax, f = bits & mmask;
    if (m.spec == SPEC_FNUZ && sign && e == 0 && f == 0) return NAN;
    if (m.spec == SPEC_IEEE && e == emax) return f ? NAN : (sign ? -INFINITY : INFINITY);
    if (m.spec == SPEC_FN && e == emax && f == mmask) return sign ? -NAN : NAN;
    double v = e == 0 ? ldexp((double)f, 1 - m.bias - m.mbits)
                      : ldexp((double)(f | (1u << m.mbits)), (int)e - m.bias - m.mbits);
    return sign ? -v : v;
}

uint32_t hloc_minifloat_encode(hloc_type t, double v) {
    mini m = mini_of(t);
    uint32_t emax = (1u << m.ebits) - 1, mmask = (1u << m.mbits) - 1;
    uint32_t sbit = 1u << (m.ebits + m.mbits);
    if (m.spec == SPEC_E8M0) {
        if (isnan(v) || v <= 0 || isinf(v)) return 0xff; /* no infinity: +inf is NaN too */
        int e;
        frexp(v, &e); /* v = f·2^e, f in [0.5,1): nearest power of two by rounding log2 */
        double lo = ldexp(1.0, e - 1), hi = ldexp(1.0, e);
        int pe = (v - lo < hi - v) ? e - 1 : e;
        int field = pe + m.bias;
        if (field < 0) field = 0;
        if (field > 254) return 0xff;
        return (uint32_t)field;
    }
    uint32_t nan_bits = m.spec == SPEC_IEEE ? (emax << m.mbits) | (1u << (m.mbits - 1))
                      : m.spec == SPEC_FN   ? (emax << m.mbits) | mmask
                      : m.spec == SPEC_FNUZ ? sbit
                                            : 0;
    if (isnan(v)) return m.spec == SPEC_IEEE && signbit(v) ? nan_bits | sbit : nan_bits;
    uint32_t sign = signbit(v) ? sbit : 0;
    double a = fabs(v);
    /* Largest finite: IEEE stops one exponent below all-ones; FN loses the all-ones mantissa at
     * the top exponent; FNUZ and NONE use every code. */
    int top_e = (int)(m.spec == SPEC_IEEE ? emax - 1 : emax);
    uint32_t top_f = m.spec == SPEC_FN ? mmask - 1 : mmask;
    double maxf = ldexp((double)(top_f | (1u << m.mbits)), top_e - m.bias - m.mbits);
    if (isinf(a)) goto overflow;
    {
        int e;
        frexp(a, &e);
        int E = e - 1; /* a in [2^E, 2^(E+1)) */
        int qexp = (E < 1 - m.bias ? 1 - m.bias : E) - m.mbits;
        double r = nearbyint(ldexp(a, -qexp)); /* rounds to nearest even in the default mode */
        r = ldexp(r, qexp);
        if (r > maxf) goto overflow;
        if (r == 0) return m.spec == SPEC_FNUZ ? 0 : sign;
        uint32_t bits;
        if (r < ldexp(1.0, 1 - m.bias)) {
            bits = (uint32_t)ldexp(r, m.bias - 1 + m.mbits);
        } else {
            frexp(r, &e);
            E = e - 1;
            bits = ((uint32_t)(E + m.bias) << m.mbits) | ((uint32_t)ldexp(r, m.mbits - E) & mmask);
        }
        return bits | sign;
    }
overflow:
    if (m.spec == SPEC_IEEE) return sign | (emax << m.mbits);
    if (m.spec == SPEC_NONE) return sign | ((uint32_t)top_e << m.mbits) | top_f;
    return m.spec == SPEC_FN ? nan_bits | sign : nan_bits;
}

uint16_t hloc_f32_to_bf16(float f) { return (uint16_t)hloc_minifloat_encode(HLOC_TYPE_BF16, f); }
float hloc_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
uint16_t hloc_f64_to_f16(double d) { return (uint16_t)hloc_minifloat_encode(HLOC_TYPE_F16, d); }
double hloc_f16_to_f64(uint16_t h) { return hloc_minifloat_decode(HLOC_TYPE_F16, h); }

#define LD(T) ({ T x_; memcpy(&x_, p, sizeof x_); x_; })

static int64_t sext(uint64_t v, int bits) {
    if (bits >= 64) return (int64_t)v;
    uint64_t m = 1ull << (bits - 1);
    v &= (1ull << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

static uint64_t raw_bits(hloc_type t, const void *p) {
    switch (hloc_type_bytes(t)) {
    case 1: return LD(uint8_t);
    case 2: return LD(uint16_t);
    case 4: return LD(uint32_t);
    case 8: return LD(uint64_t);
    default: return 0;
    }
}

static void store_bits(hloc_type t, void *p, uint64_t v) {
    switch (hloc_type_bytes(t)) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    case 8: memcpy(p, &v, 8); break;
    default: break;
    }
}

void hloc_elem_load_c128(hloc_type t, const void *p, double *re, double *im) {
    if (t == HLOC_TYPE_C64) {
        float f[2];
        memcpy(f, p, 8);
        *re = f[0];
        *im = f[1];
    } else if (t == HLOC_TYPE_C128) {
        double d[2];
        memcpy(d, p, 16);
        *re = d[0];
        *im = d[1];
    } else {
        *re = hloc_elem_load_f64(t, p);
        *im = 0;
    }
}

double hloc_elem_load_f64(hloc_type t, const void *p) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: return LD(uint8_t) ? 1.0 : 0.0;
    case HLOC_KIND_I: return (double)sext(raw_bits(t, p), hloc_type_bits(t));
    case HLOC_KIND_U: return (double)raw_bits(t, p);
    case HLOC_KIND_C: { double re, im; hloc_elem_load_c128(t, p, &re, &im); return re; }
    case HLOC_KIND_F:
        if (t == HLOC_TYPE_F32) return LD(float);
        if (t == HLOC_TYPE_F64) return LD(double);
        if (t == HLOC_TYPE_BF16) return hloc_bf16_to_f32(LD(uint16_t));
        return hloc_minifloat_decode(t, (uint32_t)raw_bits(t, p));
    default: return 0;
    }
}

/* XLA's float → int convert: saturating, NaN → 0. */
static int64_t f64_to_i64_sat(double v, int bits) {
    if (isnan(v)) return 0;
    double lo = -ldexp(1.0, bits - 1), hi = ldexp(1.0, bits - 1);
    if (v <= lo) return bits >= 64 ? INT64_MIN : -(1ll << (bits - 1));
    if (v >= hi) return bits >= 64 ? INT64_MAX : (1ll << (bits - 1)) - 1;
    return (int64_t)v;
}

static uint64_t f64_to_u64_sat(double v, int bits) {
    if (isnan(v) || v <= 0) return 0;
    if (v >= ldexp(1.0, bits)) return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
    return (uint64_t)v;
}

int64_t hloc_elem_load_i64(hloc_type t, const void *p) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: return LD(uint8_t) != 0;
    case HLOC_KIND_I: return sext(raw_bits(t, p), hloc_type_bits(t));
    case HLOC_KIND_U: return (int64_t)raw_bits(t, p);
    case HLOC_KIND_F:
    case HLOC_KIND_C: return f64_to_i64_sat(hloc_elem_load_f64(t, p), 64);
    default: return 0;
    }
}

uint64_t hloc_elem_load_u64(hloc_type t, const void *p) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: return LD(uint8_t) != 0;
    case HLOC_KIND_I: return (uint64_t)sext(raw_bits(t, p), hloc_type_bits(t));
    case HLOC_KIND_U: return raw_bits(t, p);
    case HLOC_KIND_F:
    case HLOC_KIND_C: return f64_to_u64_sat(hloc_elem_load_f64(t, p), 64);
    default: return 0;
    }
}

static void store_float(hloc_type t, void *p, double v) {
    if (t == HLOC_TYPE_F32) {
        float f = (float)v;
        memcpy(p, &f, 4);
    } else if (t == HLOC_TYPE_F64) {
        memcpy(p, &v, 8);
    } else if (t == HLOC_TYPE_BF16) {
        /* Round through f32 first only when exact; a direct double → bf16 rounding is correct. */
        store_bits(t, p, hloc_minifloat_encode(t, v));
    } else {
        store_bits(t, p, hloc_minifloat_encode(t, v));
    }
}

/* Integer stores keep the low bits; sub-byte signed types are kept sign-extended in their byte. */
static void store_int_bits(hloc_type t, void *p, uint64_t v) {
    int bits = hloc_type_bits(t);
    if (hloc_type_is_signed_int(t)) v = (uint64_t)sext(v, bits);
    else if (bits < 64) v &= (1ull << bits) - 1;
    store_bits(t, p, v);
}

void hloc_elem_store_f64(hloc_type t, void *p, double v) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: { uint8_t b = v != 0; memcpy(p, &b, 1); break; } /* NaN → true */
    case HLOC_KIND_I: store_int_bits(t, p, (uint64_t)f64_to_i64_sat(v, hloc_type_bits(t))); break;
    case HLOC_KIND_U: store_int_bits(t, p, f64_to_u64_sat(v, hloc_type_bits(t))); break;
    case HLOC_KIND_F: store_float(t, p, v); break;
    case HLOC_KIND_C: hloc_elem_store_c128(t, p, v, 0); break;
    default: break;
    }
}

void hloc_elem_store_i64(hloc_type t, void *p, int64_t v) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: { uint8_t b = v != 0; memcpy(p, &b, 1); break; }
    case HLOC_KIND_I:
    case HLOC_KIND_U: store_int_bits(t, p, (uint64_t)v); break;
    default: hloc_elem_store_f64(t, p, (double)v); break;
    }
}

void hloc_elem_store_u64(hloc_type t, void *p, uint64_t v) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: { uint8_t b = v != 0; memcpy(p, &b, 1); break; }
    case HLOC_KIND_I:
    case HLOC_KIND_U: store_int_bits(t, p, v); break;
    default: hloc_elem_store_f64(t, p, (double)v); break;
    }
}

void hloc_elem_store_c128(hloc_type t, void *p, double re, double im) {
    if (t == HLOC_TYPE_C64) {
        float f[2] = {(float)re, (float)im};
        memcpy(p, f, 8);
    } else if (t == HLOC_TYPE_C128) {
        double d[2] = {re, im};
        memcpy(p, d, 16);
    } else {
        hloc_elem_store_f64(t, p, re);
    }
}
