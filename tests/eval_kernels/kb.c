/* Test helpers for the kernel tests; see kb.h. */
#include "kb.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kb_init(kb *b) {
    memset(b, 0, sizeof *b);
    b->m = hloc_module_create("kernels");
    ck_assert_ptr_nonnull(b->m);
    b->entry = hloc_computation_create(b->m, "entry");
    ck_assert_ptr_nonnull(b->entry);
}

hloc_eval *kb_ev(kb *b) {
    hloc_eval_fini(&b->ev);
    memset(&b->ev, 0, sizeof b->ev);
    ck_assert(hloc_eval_init(&b->ev, b->m, NULL, b->m->arena));
    return &b->ev;
}

void kb_free(kb *b) {
    hloc_eval_fini(&b->ev);
    hloc_arena_destroy(b->m->arena);
}

hloc_literal *kb_lit(kb *b, hloc_type t, uint32_t rank, const int64_t *dims, const double *vals) {
    hloc_shape s = hloc_shape_array(t, rank, dims);
    hloc_literal *l = hloc_literal_create(b->m->arena, &s);
    ck_assert_ptr_nonnull(l);
    if (vals)
        for (int64_t e = 0; e < hloc_shape_elements(&s); e++) {
            if (hloc_type_is_complex(t))
                hloc_elem_store_c128(t, hloc_literal_at(l, e), vals[2 * e], vals[2 * e + 1]);
            else
                hloc_literal_set_f64(l, e, vals[e]);
        }
    return l;
}

hloc_literal *kb_scalar(kb *b, hloc_type t, double v) { return kb_lit(b, t, 0, NULL, &v); }

hloc_literal *kb_tuple_out(kb *b, uint32_t n, const hloc_shape *elems) {
    hloc_shape t = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    t.elems = (hloc_shape *)elems;
    t.n_elems = n;
    hloc_shape c = hloc_shape_clone(b->m->arena, &t);
    hloc_literal *l = hloc_literal_create(b->m->arena, &c);
    ck_assert_ptr_nonnull(l);
    return l;
}

hloc_instr *kb_instr(kb *b, hloc_opcode op, const hloc_shape *shape, hloc_literal *const *ops,
                     uint32_t n) {
    hloc_instr *params[16];
    ck_assert_uint_le(n, 16);
    for (uint32_t k = 0; k < n; k++) {
        params[k] = hloc_instr_create(b->entry, HLOC_OP_PARAMETER, &ops[k]->shape, NULL, 0, NULL);
        ck_assert_ptr_nonnull(params[k]);
        params[k]->attrs->index = b->entry->n_params;
        ck_assert(hloc_computation_set_param(b->entry, params[k]));
    }
    hloc_instr *i = hloc_instr_create(b->entry, op, shape, params, n, NULL);
    ck_assert_ptr_nonnull(i);
    return i;
}

static uint32_t split_ints(const char *s, size_t len, char sep, int64_t *out) {
    uint32_t n = 0;
    const char *end = s + len;
    while (s < end) {
        char *e;
        out[n++] = strtoll(s, &e, 10);
        s = e;
        if (s < end && *s == sep) s++;
    }
    return n;
}

void kb_window(kb *b, hloc_instr *i, const char *text) {
    hloc_window *w = &i->attrs->window;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        ck_assert_ptr_nonnull(eq);
        const char *end = eq + 1 + strcspn(eq + 1, " ");
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
        int64_t v[HLOC_MAX_RANK * 2];
        uint32_t n;
        if (!strcmp(key, "pad")) {
            const char *q = eq + 1; /* lo_hi pairs */
            n = 0;
            while (q < end) {
                char *e;
                v[2 * n] = strtoll(q, &e, 10);
                v[2 * n + 1] = strtoll(e + 1, &e, 10);
                n++;
                q = e + (e < end);
            }
        } else {
            n = split_ints(eq + 1, (size_t)(end - eq - 1), 'x', v);
        }
        if (!w->dims) {
            w->n_dims = n;
            w->dims = HLOC_ARENA_ARRAY(b->m->arena, hloc_window_dim, n);
            for (uint32_t d = 0; d < n; d++)
                w->dims[d] = (hloc_window_dim){1, 1, 0, 0, 1, 1, false};
        }
        ck_assert_uint_eq(n, w->n_dims);
        for (uint32_t d = 0; d < n; d++) {
            hloc_window_dim *wd = &w->dims[d];
            if (!strcmp(key, "size"))
                wd->size = v[d];
            else if (!strcmp(key, "stride"))
                wd->stride = v[d];
            else if (!strcmp(key, "pad"))
                wd->pad_lo = v[2 * d], wd->pad_hi = v[2 * d + 1];
            else if (!strcmp(key, "lhs_dilate"))
                wd->lhs_dilate = v[d];
            else if (!strcmp(key, "rhs_dilate"))
                wd->rhs_dilate = v[d];
            else if (!strcmp(key, "rhs_reversal"))
                wd->reversal = v[d] != 0;
            else
                ck_abort_msg("unknown window key %s", key);
        }
        p = end;
    }
}

/* One part of dim_labels: position of each letter, digits into spatial[]. */
static uint32_t labels(const char *s, size_t n, char a, char b, int64_t *pa, int64_t *pb,
                       int64_t *spatial) {
    uint32_t ns = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] == a)
            *pa = (int64_t)k;
        else if (s[k] == b)
            *pb = (int64_t)k;
        else {
            spatial[s[k] - '0'] = (int64_t)k;
            ns++;
        }
    }
    return ns;
}

void kb_dim_labels(hloc_instr *i, const char *text) {
    hloc_conv_dnums *d = &i->attrs->conv;
    const char *u = strchr(text, '_'), *arrow = strstr(text, "->");
    d->present = true;
    d->n_spatial =
        labels(text, (size_t)(u - text), 'b', 'f', &d->in_batch, &d->in_feature, d->in_spatial);
    labels(u + 1, (size_t)(arrow - u - 1), 'i', 'o', &d->k_in_feature, &d->k_out_feature,
           d->k_spatial);
    labels(arrow + 2, strlen(arrow + 2), 'b', 'f', &d->out_batch, &d->out_feature, d->out_spatial);
}

hloc_computation *kb_binop(kb *b, hloc_opcode op, hloc_type t, hloc_cmp_dir dir) {
    static int count;
    char name[32];
    snprintf(name, sizeof name, "f%d", count++);
    hloc_computation *c = hloc_computation_create(b->m, name);
    hloc_shape s = hloc_shape_scalar(t);
    hloc_instr *p[2];
    for (int k = 0; k < 2; k++) {
        p[k] = hloc_instr_create(c, HLOC_OP_PARAMETER, &s, NULL, 0, NULL);
        p[k]->attrs->index = k;
        ck_assert(hloc_computation_set_param(c, p[k]));
    }
    hloc_shape rs = op == HLOC_OP_COMPARE ? hloc_shape_scalar(HLOC_TYPE_PRED) : s;
    hloc_instr *r = hloc_instr_create(c, op, &rs, p, 2, NULL);
    r->attrs->cmp_dir = dir;
    c->root = r;
    return c;
}

void kb_expect(const hloc_literal *l, const double *want, int64_t n, double tol) {
    ck_assert_int_eq(hloc_shape_elements(&l->shape), n);
    for (int64_t e = 0; e < n; e++) {
        double got = hloc_literal_get_f64(l, e);
        if (isnan(want[e]))
            ck_assert_msg(isnan(got), "element %lld: got %g, want nan", (long long)e, got);
        else
            ck_assert_msg(got == want[e] || fabs(got - want[e]) <= tol,
                          "element %lld: got %.9g, want %.9g", (long long)e, got, want[e]);
    }
}

hloc_i64_list kb_list(kb *b, uint32_t n, const int64_t *v) {
    hloc_i64_list l = {HLOC_ARENA_ARRAY(b->m->arena, int64_t, n ? n : 1), n};
    memcpy(l.v, v, n * sizeof *v);
    return l;
}

hloc_computation *kb_comp(kb *b, uint32_t n_params, const hloc_type *types, hloc_instr **params) {
    static int count;
    char name[32];
    snprintf(name, sizeof name, "c%d", count++);
    hloc_computation *c = hloc_computation_create(b->m, name);
    for (uint32_t k = 0; k < n_params; k++) {
        hloc_shape s = hloc_shape_scalar(types[k]);
        params[k] = hloc_instr_create(c, HLOC_OP_PARAMETER, &s, NULL, 0, NULL);
        params[k]->attrs->index = k;
        ck_assert(hloc_computation_set_param(c, params[k]));
    }
    return c;
}
