/* See ops.h. */
#include "ops.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "npy_literal.h"
#include "pass.h"

static uint64_t next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double uniform(uint64_t *s) { return (double)(next(s) >> 11) * 0x1p-53 * 4.0 - 2.0; }

static void get_c(const hloc_literal *l, int64_t e, double *re, double *im) {
    hloc_elem_load_c128(l->shape.type, hloc_literal_at(l, e), re, im);
}

static void set_c(hloc_literal *l, int64_t e, double re, double im) {
    hloc_elem_store_c128(l->shape.type, hloc_literal_at(l, e), re, im);
}

/* Applies OPS_DIAG / OPS_SPD to every trailing n x n matrix of |l|. */
static void shape_matrices(hloc_literal *l, unsigned fill) {
    const hloc_shape *s = &l->shape;
    if (s->rank < 2 || s->dims[s->rank - 1] != s->dims[s->rank - 2]) return;
    int64_t n = s->dims[s->rank - 1], nn = n * n;
    if (!nn) return;
    int64_t batches = hloc_shape_elements(s) / nn;
    for (int64_t bt = 0; bt < batches; bt++) {
        int64_t base = bt * nn;
        if (fill & OPS_SPD) {
            double xr[64 * 64], xi[64 * 64];
            ck_assert_int_le(nn, 64 * 64);
            for (int64_t e = 0; e < nn; e++)
                get_c(l, base + e, &xr[e], &xi[e]);
            for (int64_t p = 0; p < n; p++)
                for (int64_t q = 0; q < n; q++) {
                    double re = p == q ? (double)n : 0, im = 0; /* sum_k x[p][k] conj(x[q][k]) */
                    for (int64_t k = 0; k < n; k++) {
                        double ar = xr[p * n + k], ai = xi[p * n + k], br = xr[q * n + k],
                               bi = -xi[q * n + k];
                        re += ar * br - ai * bi;
                        im += ar * bi + ai * br;
                    }
                    set_c(l, base + p * n + q, re, im);
                }
        }
        if (fill & OPS_DIAG)
            for (int64_t p = 0; p < n; p++) {
                double re, im;
                get_c(l, base + p * n + p, &re, &im);
                set_c(l, base + p * n + p, re + (double)(2 * n + 4), im);
            }
    }
}

static hloc_literal *make_param(hloc_arena *a, const hloc_shape *ps, unsigned fill,
                                uint64_t *seed) {
    hloc_shape s = *ps;
    hloc_shape_set_default_layout(&s);
    hloc_literal *l = hloc_literal_create(a, &s);
    ck_assert_ptr_nonnull(l);
    int64_t n = hloc_shape_elements(&s);
    hloc_type t = s.type;
    for (int64_t e = 0; e < n; e++) {
        uint64_t r = next(seed);
        if (hloc_type_is_complex(t))
            set_c(l, e, uniform(seed), uniform(seed));
        else if (hloc_type_is_float(t))
            hloc_literal_set_f64(l, e, uniform(seed));
        else if (t == HLOC_TYPE_PRED)
            hloc_literal_set_i64(l, e, (int64_t)(r & 1));
        else if (hloc_type_is_signed_int(t))
            hloc_literal_set_i64(l, e, (int64_t)(r % 13) - 3);
        else
            hloc_literal_set_i64(l, e, (int64_t)(r % 10));
    }
    if (fill & (OPS_DIAG | OPS_SPD)) shape_matrices(l, fill);
    return l;
}

/* One run on cpu; returns an error message in |msg| or "" when the results agree. */
static void run_cpu(const ops_case *c, bool pipeline, int opt, const hloc_literal *const *args,
                    uint32_t np, const hloc_literal *want, char *msg, size_t cap) {
    hloc_module *m = NULL;
    hloc_arena *a = hloc_arena_create();
    hloc_status *st = hloc_module_parse_text(c->hlo, strlen(c->hlo), c->name, &m);
    msg[0] = 0;
    if (!st && pipeline) {
        hloc_pipeline *p = hloc_pipeline_default();
        hloc_pass_options po = hloc_pass_options_default();
        po.verify_each = true;
        st = hloc_pipeline_run(p, m, &po, NULL);
        hloc_pipeline_destroy(p);
    }
    hloc_literal *got = NULL;
    hloc_cpu_options o = {.opt_level = opt};
    if (!st) st = hloc_cpu_run_literals(m, &o, args, np, a, &got);
    const char *how = pipeline ? "pipeline -O2" : "-O0";
    if (st) {
        snprintf(msg, cap, "%s: cpu (%s): %s", c->name, how, hloc_status_message(st));
        hloc_status_free(st);
    } else {
        const hloc_literal *gl[64], *wl[64];
        uint32_t ng = hloc_literal_leaves(got, gl, 64), nw = hloc_literal_leaves(want, wl, 64);
        if (ng != nw)
            snprintf(msg, cap, "%s (%s): cpu gives %u results, interp %u", c->name, how, ng, nw);
        for (uint32_t k = 0; k < ng && k < nw && !msg[0]; k++) {
            conf_compare r;
            char desc[512];
            if (!conf_compare_arrays(gl[k], wl[k], c->tol, &r))
                snprintf(msg, cap, "%s (%s): result %u: %s", c->name, how, k,
                         conf_compare_describe(gl[k], wl[k], &r, desc, sizeof desc));
        }
    }
    hloc_module_destroy(m);
    hloc_arena_destroy(a);
}

static bool check_one(const ops_case *c, char *msg, size_t cap) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(c->hlo, strlen(c->hlo), c->name, &m);
    if (!st) st = hloc_module_verify(m);
    if (st) {
        snprintf(msg, cap, "%s: %s", c->name, hloc_status_message(st));
        hloc_status_free(st);
        hloc_module_destroy(m);
        return false;
    }
    hloc_arena *a = hloc_arena_create();
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (const char *p = c->name; *p; p++)
        seed = (seed ^ (uint8_t)*p) * 0x100000001b3ull;
    uint32_t np = m->entry->n_params;
    ck_assert_uint_le(np, 16);
    const hloc_literal *args[16];
    for (uint32_t k = 0; k < np; k++) {
        hloc_literal *l = make_param(a, &m->entry->params[k]->shape, c->fill, &seed);
        if (k == 0 && (c->fill & OPS_NAN) && hloc_shape_elements(&l->shape) > 1) {
            if (hloc_type_is_complex(l->shape.type))
                set_c(l, 1, NAN, 0);
            else
                hloc_literal_set_f64(l, 1, NAN);
        }
        args[k] = l;
    }
    hloc_literal *want = NULL;
    st = hloc_evaluate(m, args, np, NULL, a, &want);
    msg[0] = 0;
    if (st) {
        snprintf(msg, cap, "%s: interp: %s", c->name, hloc_status_message(st));
        hloc_status_free(st);
    }
    if (!msg[0]) run_cpu(c, false, 0, args, np, want, msg, cap);
    if (!msg[0]) run_cpu(c, true, 2, args, np, want, msg, cap);
    hloc_module_destroy(m);
    hloc_arena_destroy(a);
    return !msg[0];
}

void ops_check(const ops_case *c) { ops_check_all(c, 1); }

void ops_check_all(const ops_case *cases, unsigned n) {
    unsigned failed = 0;
    for (unsigned k = 0; k < n; k++) {
        char msg[4096];
        if (!check_one(&cases[k], msg, sizeof msg)) {
            printf("FAIL %s\n", msg);
            fflush(stdout);
            failed++;
        }
    }
    ck_assert_msg(failed == 0, "%u of %u modules differ between cpu and interp", failed, n);
}

const char *ops_compile_error(const char *hlo) {
    static _Thread_local char msg[1024];
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(hlo, strlen(hlo), "unsupported.hlo", &m);
    ck_assert_msg(st == NULL, "%s", st ? hloc_status_message(st) : "");
    hloc_cpu_jit *j = NULL;
    hloc_cpu_options o = {.opt_level = 0};
    st = hloc_cpu_jit_compile(m, &o, &j);
    hloc_cpu_jit_destroy(j);
    hloc_module_destroy(m);
    if (!st) return NULL;
    snprintf(msg, sizeof msg, "%s", hloc_status_message(st));
    hloc_status_free(st);
    return msg;
}
