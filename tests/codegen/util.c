/* Test helpers: module building and JIT calls (see util.h). */
#include "util.h"

#include <dirent.h>
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

tb tb_new(const char *name) {
    tb b;
    b.m = hloc_module_create(name);
    ck_assert_ptr_nonnull(b.m);
    b.c = hloc_computation_create(b.m, "main");
    ck_assert_ptr_nonnull(b.c);
    return b;
}

hloc_shape tb_shape(hloc_type t, uint32_t rank, const int64_t *dims) {
    return hloc_shape_array(t, rank, dims);
}

hloc_instr *tb_param(tb *b, int64_t n, hloc_type t, uint32_t rank, const int64_t *dims) {
    hloc_shape s = tb_shape(t, rank, dims);
    hloc_instr *p = hloc_instr_create(b->c, HLOC_OP_PARAMETER, &s, NULL, 0, NULL);
    ck_assert_ptr_nonnull(p);
    p->attrs->index = n;
    ck_assert(hloc_computation_set_param(b->c, p));
    return p;
}

hloc_instr *tb_op(tb *b, hloc_opcode op, const hloc_shape *s, uint32_t n, hloc_instr *const *ops) {
    hloc_instr *i = hloc_instr_create(b->c, op, s, ops, n, NULL);
    ck_assert_ptr_nonnull(i);
    return i;
}

hloc_instr *tb_bin(tb *b, hloc_opcode op, hloc_instr *x, hloc_instr *y) {
    hloc_instr *ops[2] = {x, y};
    hloc_shape s = x->shape;
    if (op == HLOC_OP_COMPARE) s.type = HLOC_TYPE_PRED;
    return tb_op(b, op, &s, 2, ops);
}

hloc_instr *tb_un(tb *b, hloc_opcode op, hloc_instr *x) { return tb_op(b, op, &x->shape, 1, &x); }

static hloc_instr *scalar_const(tb *b, hloc_type t, const void *bytes) {
    hloc_shape s = hloc_shape_scalar(t);
    hloc_instr *i = tb_op(b, HLOC_OP_CONSTANT, &s, 0, NULL);
    i->attrs->literal = hloc_literal_create(b->m->arena, &s);
    ck_assert_ptr_nonnull(i->attrs->literal);
    memcpy(i->attrs->literal->data, bytes, hloc_type_bytes(t));
    return i;
}

hloc_instr *tb_const_f32(tb *b, float v) { return scalar_const(b, HLOC_TYPE_F32, &v); }
hloc_instr *tb_const_s32(tb *b, int32_t v) { return scalar_const(b, HLOC_TYPE_S32, &v); }

hloc_instr *tb_tuple(tb *b, uint32_t n, hloc_instr *const *ops) {
    hloc_shape s = hloc_shape_scalar(HLOC_TYPE_TUPLE);
    s.has_layout = false;
    s.elems = HLOC_ARENA_ARRAY(b->m->arena, hloc_shape, n);
    s.n_elems = n;
    for (uint32_t k = 0; k < n; k++) s.elems[k] = ops[k]->shape;
    return tb_op(b, HLOC_OP_TUPLE, &s, n, ops);
}

hloc_computation *tb_scalar_comp(tb *b, const char *name, hloc_opcode op, hloc_type t) {
    hloc_computation *saved = b->c;
    b->c = hloc_computation_create(b->m, name);
    hloc_instr *x = tb_param(b, 0, t, 0, NULL), *y = tb_param(b, 1, t, 0, NULL);
    hloc_instr *r = tb_bin(b, op, x, y);
    b->c->root = r;
    hloc_computation *c = b->c;
    b->c = saved;
    return c;
}

hloc_i64_list tb_list(tb *b, uint32_t n, const int64_t *v) {
    hloc_i64_list l = {HLOC_ARENA_ARRAY(b->m->arena, int64_t, n ? n : 1), n};
    memcpy(l.v, v, n * sizeof *v);
    return l;
}

void tb_finish(tb *b, hloc_instr *root) {
    b->c->root = root;
    b->c->is_entry = true;
    b->m->entry = b->c;
}

hloc_status *tb_compile(const hloc_module *m, hloc_cpu_jit **out) {
    hloc_cpu_options o = {.opt_level = 2};
    return hloc_cpu_jit_compile(m, &o, out);
}

void tb_call(const hloc_module_metadata *md, void *const *params, void *const *results) {
    uint32_t n = md->n_params + md->n_results + 1;
    ffi_type *types[64];
    void *vals[64], *ptrs[64];
    ck_assert_uint_le(n, 64);
    for (uint32_t k = 0; k < n; k++) {
        types[k] = &ffi_type_pointer;
        ptrs[k] = k < md->n_params ? params[k] : k < n - 1 ? results[k - md->n_params] : NULL;
        vals[k] = &ptrs[k];
    }
    ffi_cif cif;
    ck_assert_int_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_void, types), FFI_OK);
    ffi_call(&cif, md->entry, NULL, vals);
}

void tb_run(const hloc_module *m, int opt, void *const *params, void *const *results) {
    /* HLOC_TEST_CPU: another target than this machine (its other code paths, which it can run) */
    hloc_cpu_options o = {.opt_level = opt >= 0 ? opt : 2, .cpu = getenv("HLOC_TEST_CPU")};
    hloc_cpu_jit *j = NULL;
    hloc_status *st = hloc_cpu_jit_compile(m, &o, &j);
    if (st) ck_abort_msg("compile failed: %s", hloc_status_message(st));
    const hloc_module_metadata *md = hloc_cpu_jit_metadata(j);
    ck_assert_uint_eq(md->magic, HLOC_ABI_MAGIC);
    tb_call(md, params, results);
    hloc_cpu_jit_destroy(j);
}

static uint64_t next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

hloc_status *tb_random_args(const hloc_module *m, const char *name, uint64_t seed, hloc_arena *a,
                            const hloc_literal **args, uint32_t cap) {
    for (const char *p = name; *p; p++) seed = (seed ^ (uint8_t)*p) * 0x100000001b3ull;
    for (uint32_t i = 0; i < m->entry->n_params && i < cap; i++) {
        hloc_shape s = m->entry->params[i]->shape;
        hloc_shape_set_default_layout(&s);
        hloc_literal *l = hloc_literal_create(a, &s);
        if (!l) return hloc_status_oom();
        tb_fill_random(l, &seed);
        args[i] = l;
    }
    return NULL;
}

void tb_fill_random(hloc_literal *l, uint64_t *seed) {
    hloc_type t = l->shape.type;
    int64_t n = hloc_shape_elements(&l->shape);
    if (*seed == 0) *seed = 1;
    for (int64_t k = 0; k < n; k++) {
        uint64_t r = next(seed);
        if (hloc_type_is_float(t)) hloc_literal_set_f64(l, k, (double)(r >> 11) * 0x1p-53 * 4.0 - 2.0);
        else if (t == HLOC_TYPE_PRED) hloc_literal_set_i64(l, k, (int64_t)(r & 1));
        else if (hloc_type_is_signed_int(t)) hloc_literal_set_i64(l, k, (int64_t)(r % 13) - 3);
        else hloc_literal_set_i64(l, k, (int64_t)(r % 10));
    }
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

uint32_t tb_case_names(char **names, uint32_t cap, char *dir, size_t dir_cap) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    snprintf(dir, dir_cap, "%s/cases", data);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    uint32_t n = 0;
    struct dirent *e;
    const char *only = getenv("HLOC_CODEGEN_CASES");
    while ((e = readdir(d)) && n < cap)
        if (e->d_name[0] != '.' && (!only || strstr(e->d_name, only))) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    return n;
}
