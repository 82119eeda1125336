/* Hand-built modules for the verifier tests (see tb.h). */
#include "tb.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shape_inference_internal.h"

void tb_init(tb *t) {
    memset(t, 0, sizeof *t);
    t->m = hloc_module_create("t");
    ck_assert_ptr_nonnull(t->m);
    t->c = hloc_computation_create(t->m, "main");
    ck_assert_ptr_nonnull(t->c);
    t->c->is_entry = true;
    t->m->entry = t->c;
    hloc_diag_init(&t->d, "t.hlo", NULL, 0);
}

void tb_free(tb *t) {
    hloc_diag_free(&t->d);
    hloc_module_destroy(t->m);
}

hloc_computation *tb_comp(tb *t, const char *name) {
    hloc_computation *c = hloc_computation_create(t->m, name);
    ck_assert_ptr_nonnull(c);
    /* The entry stays last, as the parser orders callees before callers. */
    hloc_computation **comps = t->m->comps;
    uint32_t n = t->m->n_comps;
    for (uint32_t k = 0; k + 1 < n; k++)
        if (comps[k] == t->m->entry) {
            memmove(&comps[k], &comps[k + 1], (n - k - 1) * sizeof *comps);
            comps[n - 1] = t->m->entry;
            break;
        }
    t->c = c;
    return c;
}

void tb_enter(tb *t, hloc_computation *c) { t->c = c; }

static hloc_shape parse_shape(tb *t, const char **p) {
    while (**p == ' ')
        (*p)++;
    if (**p == '(') {
        (*p)++;
        hloc_shape elems[16];
        uint32_t n = 0;
        while (**p != ')') {
            ck_assert_uint_lt(n, 16);
            elems[n++] = parse_shape(t, p);
            while (**p == ' ' || **p == ',')
                (*p)++;
        }
        (*p)++;
        hloc_shape s = hloc_shape_scalar(HLOC_TYPE_TUPLE);
        s.n_elems = n;
        s.elems = n ? HLOC_ARENA_ARRAY(t->m->arena, hloc_shape, n) : NULL;
        for (uint32_t k = 0; k < n; k++)
            s.elems[k] = elems[k];
        return s;
    }
    const char *b = *p;
    while ((**p >= 'a' && **p <= 'z') || (**p >= '0' && **p <= '9'))
        (*p)++;
    hloc_type ty = hloc_type_from_name(b, (size_t)(*p - b));
    ck_assert_msg(ty != HLOC_TYPE_INVALID, "bad type in '%s'", b);
    if (ty == HLOC_TYPE_TOKEN) {
        if (**p == '[') *p += 2;
        return hloc_shape_scalar(ty);
    }
    ck_assert_msg(**p == '[', "expected '[' in '%s'", b);
    (*p)++;
    int64_t dims[HLOC_MAX_RANK];
    uint32_t r = 0;
    while (**p != ']') {
        char *e;
        dims[r++] = strtoll(*p, &e, 10);
        *p = e;
        if (**p == ',') (*p)++;
    }
    (*p)++;
    return hloc_shape_array(ty, r, dims);
}

hloc_shape tb_shape(tb *t, const char *text) { return parse_shape(t, &text); }

hloc_instr *tb_param(tb *t, const char *shape) {
    hloc_shape s = tb_shape(t, shape);
    hloc_instr *p = hloc_instr_create(t->c, HLOC_OP_PARAMETER, &s, NULL, 0, NULL);
    ck_assert_ptr_nonnull(p);
    p->attrs->index = t->c->n_params;
    ck_assert(hloc_computation_set_param(t->c, p));
    t->c->root = p;
    return p;
}

hloc_instr *tb_op(tb *t, hloc_opcode op, const char *shape, uint32_t n, ...) {
    hloc_instr *ops[32];
    va_list ap;
    va_start(ap, n);
    for (uint32_t k = 0; k < n && k < 32; k++)
        ops[k] = va_arg(ap, hloc_instr *);
    va_end(ap);
    hloc_shape s = tb_shape(t, shape);
    hloc_instr *i = hloc_instr_create(t->c, op, &s, ops, n, NULL);
    ck_assert_ptr_nonnull(i);
    t->c->root = i;
    return i;
}

hloc_i64_list tb_list(tb *t, const int64_t *v, uint32_t n) {
    hloc_i64_list l = {NULL, n};
    if (n) {
        l.v = HLOC_ARENA_ARRAY(t->m->arena, int64_t, n);
        memcpy(l.v, v, n * sizeof *v);
    }
    return l;
}

static void grab(tb *t) {
    snprintf(t->last, sizeof t->last, "%s", t->d.out.data ? t->d.out.data : "");
    hloc_diag_free(&t->d);
}

bool tb_infers(tb *t, hloc_instr *i, const char *want) {
    hloc_shape out;
    bool ok = hloc_infer_shape(i, t->m->arena, &out, &t->d);
    if (!ok) {
        grab(t);
        fprintf(stderr, "%s: unexpected error: %s", i->name, t->last);
        return false;
    }
    hloc_si_format_shape(t->last, sizeof t->last, &out);
    if (strcmp(t->last, want) != 0) {
        fprintf(stderr, "%s: inferred %s, expected %s\n", i->name, t->last, want);
        return false;
    }
    return true;
}

bool tb_fails(tb *t, hloc_instr *i, const char *substr) {
    hloc_shape out;
    bool ok = hloc_infer_shape(i, t->m->arena, &out, &t->d);
    grab(t);
    if (ok) {
        hloc_si_format_shape(t->last, sizeof t->last, &out);
        fprintf(stderr, "%s: expected an error with '%s', inferred %s\n", i->name, substr, t->last);
        return false;
    }
    if (!strstr(t->last, substr)) {
        fprintf(stderr, "%s: expected an error with '%s', got: %s", i->name, substr, t->last);
        return false;
    }
    return true;
}

bool tb_verify(tb *t, const char *want) {
    bool ok = hloc_verify_module(t->m, &t->d);
    grab(t);
    if (!want) {
        if (!ok) fprintf(stderr, "unexpected verifier errors:\n%s", t->last);
        return ok;
    }
    if (ok || !strstr(t->last, want)) {
        fprintf(stderr, "expected a verifier error with '%s', got: %s\n", want,
                ok ? "none" : t->last);
        return false;
    }
    return true;
}
