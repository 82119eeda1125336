/* Array comparison with the corpus's tolerance rules; see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "npy_literal.h"

double conf_tolerance_for(hloc_type t, double tol) {
    if (t == HLOC_TYPE_BF16) return tol > 8e-3 ? tol : 8e-3;
    if (t == HLOC_TYPE_F16) return tol > 1e-3 ? tol : 1e-3;
    return tol;
}

/* The k-th real component of element i: complex elements have two. */
static double component(const hloc_literal *l, int64_t i, int k) {
    if (!hloc_type_is_complex(l->shape.type)) return hloc_literal_get_f64(l, i);
    double re, im;
    hloc_elem_load_c128(l->shape.type, hloc_literal_at(l, i), &re, &im);
    return k ? im : re;
}

static bool same_nonfinite(double g, double w) {
    if (isnan(w)) return isnan(g);
    if (isinf(w)) return g == w;
    return isfinite(g);
}

bool conf_compare_arrays(const hloc_literal *got, const hloc_literal *want, double tolerance,
                         conf_compare *r) {
    memset(r, 0, sizeof *r);
    r->worst = -1;
    hloc_type t = want->shape.type;
    r->tolerance = conf_tolerance_for(t, tolerance);
    bool dims_ok = got->shape.type == t && got->shape.rank == want->shape.rank &&
                   hloc_shape_is_array(&got->shape) && hloc_shape_is_array(&want->shape);
    for (uint32_t d = 0; dims_ok && d < want->shape.rank; d++)
        dims_ok = got->shape.dims[d] == want->shape.dims[d];
    if (!dims_ok) {
        r->shape_mismatch = true;
        return r->ok = false;
    }
    int64_t n = hloc_shape_elements(&want->shape);
    if (!hloc_type_is_float(t) && !hloc_type_is_complex(t)) {
        size_t sz = hloc_type_bytes(t);
        for (int64_t i = 0; i < n; i++) {
            if (!memcmp(hloc_literal_at(got, i), hloc_literal_at(want, i), sz)) continue;
            if (r->worst < 0) r->worst = i;
            r->err += 1;
        }
        return r->ok = r->worst < 0;
    }
    int parts = hloc_type_is_complex(t) ? 2 : 1;
    double scale = 1;
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < parts; k++) {
            double w = fabs(component(want, i, k));
            if (isfinite(w) && w > scale) scale = w;
        }
    double worst_abs = -1;
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < parts; k++) {
            double g = component(got, i, k), w = component(want, i, k);
            if (!isfinite(w) || !isfinite(g)) {
                if (!same_nonfinite(g, w) && !r->worst_nonfinite) {
                    r->worst_nonfinite = true;
                    r->worst = i;
                }
                continue;
            }
            double d = fabs(g - w);
            if (d / scale > r->err) r->err = d / scale;
            if (!r->worst_nonfinite && d > worst_abs && d > 0) {
                worst_abs = d;
                r->worst = i;
            }
        }
    return r->ok = !r->worst_nonfinite && r->err <= r->tolerance;
}

static void format_value(const hloc_literal *l, int64_t i, char *buf, size_t cap) {
    hloc_type t = l->shape.type;
    const void *p = hloc_literal_at(l, i);
    if (hloc_type_is_complex(t)) {
        double re, im;
        hloc_elem_load_c128(t, p, &re, &im);
        snprintf(buf, cap, "(%.9g%+.9gj)", re, im);
    } else if (hloc_type_is_float(t)) {
        snprintf(buf, cap, "%.9g", hloc_elem_load_f64(t, p));
    } else if (t == HLOC_TYPE_PRED) {
        snprintf(buf, cap, "%s", hloc_elem_load_i64(t, p) ? "true" : "false");
    } else if (hloc_type_is_unsigned_int(t)) {
        snprintf(buf, cap, "%llu", (unsigned long long)hloc_elem_load_u64(t, p));
    } else {
        snprintf(buf, cap, "%lld", (long long)hloc_elem_load_i64(t, p));
    }
}

const char *conf_compare_describe(const hloc_literal *got, const hloc_literal *want,
                                  const conf_compare *r, char *buf, size_t cap) {
    char gs[200], ws[200];
    if (r->shape_mismatch) {
        snprintf(buf, cap, "got %s, want %s", hloc_shape_describe(&got->shape, gs, sizeof gs),
                 hloc_shape_describe(&want->shape, ws, sizeof ws));
        return buf;
    }
    if (r->ok || r->worst < 0) {
        snprintf(buf, cap, "max error %.2e <= %.1e", r->err, r->tolerance);
        return buf;
    }
    int64_t idx[HLOC_MAX_RANK];
    hloc_multi_index(&want->shape, r->worst, idx);
    char at[HLOC_MAX_RANK * 21 + 3];
    size_t n = (size_t)snprintf(at, sizeof at, "[");
    for (uint32_t d = 0; d < want->shape.rank; d++)
        n += (size_t)snprintf(at + n, sizeof at - n, "%s%lld", d ? "," : "", (long long)idx[d]);
    snprintf(at + n, sizeof at - n, "]");
    format_value(got, r->worst, gs, sizeof gs);
    format_value(want, r->worst, ws, sizeof ws);
    hloc_type t = want->shape.type;
    if (!hloc_type_is_float(t) && !hloc_type_is_complex(t))
        snprintf(buf, cap, "%.0f of %lld elements differ; first at %s: got %s, want %s", r->err,
                 (long long)hloc_shape_elements(&want->shape), at, gs, ws);
    else if (r->worst_nonfinite)
        snprintf(buf, cap, "NaN/Inf at different positions; first at %s: got %s, want %s", at, gs,
                 ws);
    else
        snprintf(buf, cap, "max error %.2e > %.1e; worst at %s: got %s, want %s", r->err,
                 r->tolerance, at, gs, ws);
    return buf;
}
