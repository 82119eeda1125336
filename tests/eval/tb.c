/* The test builder of tb.h. */
#include "tb.h"

#include <string.h>

#include "eval_internal.h"

void tb_init(tb *t) {
    memset(t, 0, sizeof *t);
    t->m = hloc_module_create("test");
    ck_assert_ptr_nonnull(t->m);
    t->entry = t->c = hloc_computation_create(t->m, "main");
    ck_assert_ptr_nonnull(t->c);
    t->entry->is_entry = true;
    t->m->entry = t->entry;
    t->a = hloc_arena_create();
    ck_assert_ptr_nonnull(t->a);
}

void tb_fini(tb *t) {
    hloc_module_destroy(t->m);
    hloc_arena_destroy(t->a);
}

hloc_shape tb_shape(hloc_type ty, int64_t n) {
    return n < 0 ? hloc_shape_scalar(ty) : hloc_shape_array(ty, 1, &n);
}

static hloc_instr *new_param(tb *t, hloc_type ty, int64_t n, hloc_literal **arg) {
    ck_assert_uint_lt(t->n_args, TB_MAX_PARAMS);
    hloc_shape s = tb_shape(ty, n);
    hloc_instr *p = hloc_instr_create(t->entry, HLOC_OP_PARAMETER, &s, NULL, 0, NULL);
    ck_assert_ptr_nonnull(p);
    p->attrs->index = t->n_args;
    ck_assert(hloc_computation_set_param(t->entry, p));
    *arg = t->args[t->n_args++] = hloc_literal_create(t->a, &s);
    ck_assert_ptr_nonnull(*arg);
    return p;
}

hloc_instr *tb_param_f(tb *t, hloc_type ty, int64_t n, const double *vals) {
    hloc_literal *l;
    hloc_instr *p = new_param(t, ty, n, &l);
    for (int64_t k = 0; k < (n < 0 ? 1 : n); k++) hloc_literal_set_f64(l, k, vals[k]);
    return p;
}

hloc_instr *tb_param_i(tb *t, hloc_type ty, int64_t n, const int64_t *vals) {
    hloc_literal *l;
    hloc_instr *p = new_param(t, ty, n, &l);
    for (int64_t k = 0; k < (n < 0 ? 1 : n); k++) hloc_literal_set_i64(l, k, vals[k]);
    return p;
}

hloc_instr *tb_param_u(tb *t, hloc_type ty, int64_t n, const uint64_t *vals) {
    hloc_literal *l;
    hloc_instr *p = new_param(t, ty, n, &l);
    for (int64_t k = 0; k < (n < 0 ? 1 : n); k++)
        hloc_elem_store_u64(ty, hloc_literal_at(l, k), vals[k]);
    return p;
}

hloc_instr *tb_sub_param(tb *t, int64_t index, const hloc_shape *s) {
    hloc_instr *p = hloc_instr_create(t->c, HLOC_OP_PARAMETER, s, NULL, 0, NULL);
    ck_assert_ptr_nonnull(p);
    p->attrs->index = index;
    ck_assert(hloc_computation_set_param(t->c, p));
    return p;
}

hloc_instr *tb_opn(tb *t, hloc_opcode op, const hloc_shape *s, hloc_instr *const *ops, uint32_t n) {
    hloc_instr *i = hloc_instr_create(t->c, op, s, ops, n, NULL);
    ck_assert_ptr_nonnull(i);
    return i;
}

hloc_instr *tb_op(tb *t, hloc_opcode op, const hloc_shape *s, hloc_instr *x, hloc_instr *y, hloc_instr *z) {
    hloc_instr *ops[3] = {x, y, z};
    uint32_t n = z ? 3 : y ? 2 : x ? 1 : 0;
    return tb_opn(t, op, s, ops, n);
}

static hloc_instr *new_const(tb *t, hloc_type ty, int64_t n, hloc_literal **l) {
    hloc_shape s = tb_shape(ty, n);
    hloc_instr *i = tb_opn(t, HLOC_OP_CONSTANT, &s, NULL, 0);
    *l = i->attrs->literal = hloc_literal_create(t->m->arena, &i->shape);
    ck_assert_ptr_nonnull(*l);
    return i;
}

hloc_instr *tb_const_f(tb *t, hloc_type ty, int64_t n, const double *vals) {
    hloc_literal *l;
    hloc_instr *i = new_const(t, ty, n, &l);
    for (int64_t k = 0; k < (n < 0 ? 1 : n); k++) hloc_literal_set_f64(l, k, vals[k]);
    return i;
}

hloc_instr *tb_const_i(tb *t, hloc_type ty, int64_t n, const int64_t *vals) {
    hloc_literal *l;
    hloc_instr *i = new_const(t, ty, n, &l);
    for (int64_t k = 0; k < (n < 0 ? 1 : n); k++) hloc_literal_set_i64(l, k, vals[k]);
    return i;
}

hloc_status *tb_try(tb *t, hloc_instr *root, hloc_literal **out) {
    t->entry->root = root;
    return hloc_evaluate(t->m, (const hloc_literal *const *)t->args, t->n_args, NULL, t->a, out);
}

hloc_literal *tb_run(tb *t, hloc_instr *root) {
    hloc_literal *r = NULL;
    hloc_status *st = tb_try(t, root, &r);
    ck_assert_msg(st == NULL, "evaluation failed: %s", hloc_status_message(st));
    ck_assert_ptr_nonnull(r);
    return r;
}
