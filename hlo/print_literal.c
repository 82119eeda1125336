/* Literal printing as XLA's Literal::ToStringWithoutShapeOneline: nested braces, floats in XLA's
 * round-trip form (RoundTripFpToString), pred arrays as 0/1, complex as (re, im).
 * Reads literals only; writes into a string buffer. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "print_internal.h"

/* max_digits10 of each small float type, as Eigen and ml_dtypes define it: the digits that
 * always round-trip. */
static int max_digits10(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_F16:
        return 5;
    case HLOC_TYPE_BF16:
        return 4;
    case HLOC_TYPE_F8E4M3:
    case HLOC_TYPE_F8E4M3FN:
    case HLOC_TYPE_F8E4M3FNUZ:
    case HLOC_TYPE_F8E4M3B11FNUZ:
    case HLOC_TYPE_F8E3M4:
        return 3;
    default:
        return 2; /* f8e5m2, f8e5m2fnuz, f8e8m0fnu, f4e2m1fn */
    }
}

static uint64_t raw_bits(hloc_type t, const void *p) {
    switch (hloc_type_bytes(t)) {
    case 1: {
        uint8_t x;
        memcpy(&x, p, 1);
        return x;
    }
    case 2: {
        uint16_t x;
        memcpy(&x, p, 2);
        return x;
    }
    case 4: {
        uint32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    default: {
        uint64_t x;
        memcpy(&x, p, 8);
        return x;
    }
    }
}

/* Mantissa width of the IEEE-like types whose NaNs carry a sign and a payload; 0 for the rest
 * (fn/fnuz types have a single NaN encoding per sign, e8m0 has no sign). */
static int ieee_mantissa_bits(hloc_type t) {
    switch (t) {
    case HLOC_TYPE_F64:
        return 52;
    case HLOC_TYPE_F32:
        return 23;
    case HLOC_TYPE_F16:
        return 10;
    case HLOC_TYPE_BF16:
        return 7;
    case HLOC_TYPE_F8E5M2:
        return 2;
    case HLOC_TYPE_F8E4M3:
        return 3;
    case HLOC_TYPE_F8E3M4:
        return 4;
    default:
        return 0;
    }
}

/* XLA's NanWithSignAndPayloadToString: "nan", "-nan", "nan(0x1)" when the payload is not the
 * plain quiet bit. */
static void put_nan(hloc_strbuf *b, hloc_type t, const void *p) {
    int mb = ieee_mantissa_bits(t);
    if (t == HLOC_TYPE_F8E4M3FN) {
        hloc_strbuf_puts(b, (raw_bits(t, p) & 0x80) ? "-nan" : "nan");
        return;
    }
    if (!mb) {
        hloc_strbuf_puts(b, "nan");
        return;
    }
    uint64_t bits = raw_bits(t, p);
    int total = hloc_type_bits(t);
    bool neg = (bits >> (total - 1)) & 1;
    uint64_t payload = bits & ((1ull << mb) - 1);
    hloc_strbuf_puts(b, neg ? "-nan" : "nan");
    if (payload != 1ull << (mb - 1)) hloc_strbuf_printf(b, "(0x%" PRIx64 ")", payload);
}

void hloc_print_f64(hloc_strbuf *b, double v) {
    if (isnan(v)) {
        uint64_t bits;
        memcpy(&bits, &v, 8);
        hloc_strbuf_puts(b, bits >> 63 ? "-nan" : "nan");
        uint64_t payload = bits & ((1ull << 52) - 1);
        if (payload != 1ull << 51) hloc_strbuf_printf(b, "(0x%" PRIx64 ")", payload);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    hloc_strbuf_puts(b, buf);
}

static void put_f32(hloc_strbuf *b, float v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", (double)v);
    if (strtof(buf, NULL) != v) snprintf(buf, sizeof buf, "%.9g", (double)v);
    hloc_strbuf_puts(b, buf);
}

/* One element of any array type at |p|; |in_array| selects XLA's dense 0/1 for pred. */
void hloc_print_element(hloc_strbuf *b, hloc_type t, const void *p, bool in_array) {
    switch (hloc_type_kind_of(t)) {
    case HLOC_KIND_P: {
        uint8_t x;
        memcpy(&x, p, 1);
        hloc_strbuf_puts(b, in_array ? (x ? "1" : "0") : (x ? "true" : "false"));
        return;
    }
    case HLOC_KIND_I:
        hloc_strbuf_printf(b, "%" PRId64, hloc_elem_load_i64(t, p));
        return;
    case HLOC_KIND_U:
        hloc_strbuf_printf(b, "%" PRIu64, hloc_elem_load_u64(t, p));
        return;
    case HLOC_KIND_C: {
        hloc_strbuf_putc(b, '(');
        if (t == HLOC_TYPE_C64) {
            float f[2];
            memcpy(f, p, 8);
            hloc_print_element(b, HLOC_TYPE_F32, &f[0], false);
            hloc_strbuf_puts(b, ", ");
            hloc_print_element(b, HLOC_TYPE_F32, &f[1], false);
        } else {
            double d[2];
            memcpy(d, p, 16);
            hloc_print_f64(b, d[0]);
            hloc_strbuf_puts(b, ", ");
            hloc_print_f64(b, d[1]);
        }
        hloc_strbuf_putc(b, ')');
        return;
    }
    case HLOC_KIND_F: {
        double v = hloc_elem_load_f64(t, p);
        if (isnan(v)) {
            put_nan(b, t, p);
        } else if (t == HLOC_TYPE_F32) {
            float f;
            memcpy(&f, p, 4);
            put_f32(b, f);
        } else if (t == HLOC_TYPE_F64) {
            hloc_print_f64(b, v);
        } else {
            hloc_strbuf_printf(b, "%.*g", max_digits10(t), v);
        }
        return;
    }
    default:
        hloc_strbuf_puts(b, "?");
        return;
    }
}

/* XLA's oneline brace layout: `{1, 2}` for rank 1; `{ { 1, 2 }, { 3, 4 } }` for rank 2; an
 * inner row of one element is `{1}`; above rank 3 each inner block carries an index comment
 * (`i0=1` in a block comment) as XLA writes it. */
static void print_dense(hloc_strbuf *b, const hloc_literal *l, uint32_t level, int64_t *idx,
                        int64_t *linear) {
    const hloc_shape *s = &l->shape;
    uint32_t rank = s->rank;
    if (level == rank) {
        hloc_print_element(b, s->type, hloc_literal_at(l, *linear), rank > 0);
        (*linear)++;
        return;
    }
    int64_t n = s->dims[level] > 0 ? s->dims[level] : 0;
    uint32_t left = rank - level; /* dimensions still to expand, this one included */
    if (rank == 1) {
        hloc_strbuf_putc(b, '{');
    } else if (left == 1) {
        hloc_strbuf_puts(b, n <= 1 ? "{" : "{ ");
    } else if (rank > 3 && level > 0) {
        hloc_strbuf_printf(b, "{ /*i%u=%" PRId64 "*/%s", level - 1, idx[level - 1],
                           n > 0 ? " " : "");
    } else {
        hloc_strbuf_puts(b, "{ ");
    }
    for (int64_t i = 0; i < n; i++) {
        idx[level] = i;
        print_dense(b, l, level + 1, idx, linear);
        if (i < n - 1) hloc_strbuf_puts(b, ", ");
    }
    if (rank == 1)
        hloc_strbuf_putc(b, '}');
    else if (left == 1)
        hloc_strbuf_puts(b, n <= 1 ? "}" : " }");
    else
        hloc_strbuf_puts(b, " }");
}

void hloc_print_literal_ex(hloc_strbuf *b, const hloc_literal *l, bool with_shapes) {
    if (l->shape.type == HLOC_TYPE_TUPLE) {
        hloc_strbuf_putc(b, '(');
        for (uint32_t i = 0; i < l->n_elems; i++) {
            if (i) hloc_strbuf_puts(b, ", ");
            hloc_print_literal_ex(b, &l->elems[i], with_shapes);
        }
        hloc_strbuf_putc(b, ')');
        return;
    }
    if (with_shapes) {
        hloc_print_shape(b, &l->shape);
        hloc_strbuf_putc(b, ' ');
    }
    if (!hloc_shape_is_array(&l->shape)) return; /* token: nothing to show */
    if (l->elided || !l->data) {
        hloc_strbuf_puts(b, "{...}");
        return;
    }
    int64_t idx[HLOC_MAX_RANK] = {0};
    int64_t linear = 0;
    print_dense(b, l, 0, idx, &linear);
}

void hloc_print_literal(hloc_strbuf *b, const hloc_literal *l) {
    hloc_print_literal_ex(b, l, false);
}
