/* See vs_eval.h. */
#include "vs_eval.h"

#include <check.h>
#include <string.h>

#include "compare.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "npy_literal.h"
#include "pass.h"
#include "util.h"

static hloc_literal *run_cpu(const hloc_module *m, const hloc_literal *const *args, uint32_t n,
                             int threads, hloc_arena *arena) {
    hloc_thread_pool *pool = NULL;
    ck_assert_ptr_null(hloc_thread_pool_create(threads, &pool));
    hloc_run_options ro;
    hloc_run_options_init(&ro, pool);
    hloc_cpu_options o = {.opt_level = 2};
    hloc_literal *out = NULL;
    hloc_status *st = hloc_cpu_run_literals_opts(m, &o, &ro, args, n, arena, &out);
    ck_assert_msg(!st, "cpu: %s", st ? hloc_status_message(st) : "");
    hloc_thread_pool_destroy(pool);
    return out;
}

void tb_check_vs_eval(const char *text, int id, uint64_t seed, double tol) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "module", &m);
    ck_assert_msg(!st, "parse: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline *p = hloc_pipeline_default();
    ck_assert_ptr_nonnull(p);
    hloc_pass_options po = hloc_pass_options_default();
    po.verify_each = true;
    st = hloc_pipeline_run(p, m, &po, NULL);
    ck_assert_msg(!st, "passes: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline_destroy(p);
    hloc_arena *arena = hloc_arena_create();
    const hloc_literal *args[8];
    ck_assert_uint_le(m->entry->n_params, 8);
    for (uint32_t k = 0; k < m->entry->n_params; k++) {
        hloc_shape s = m->entry->params[k]->shape;
        hloc_shape_set_default_layout(&s);
        hloc_literal *l = hloc_literal_create(arena, &s);
        tb_fill_random(l, &seed);
        args[k] = l;
    }
    hloc_literal *want = NULL;
    st = hloc_evaluate(m, args, m->entry->n_params, NULL, arena, &want);
    ck_assert_msg(!st, "eval: %s", st ? hloc_status_message(st) : "");
    hloc_literal *one = run_cpu(m, args, m->entry->n_params, 1, arena);
    hloc_literal *two = run_cpu(m, args, m->entry->n_params, 2, arena);
    const hloc_literal *w[8], *g1[8], *g2[8];
    uint32_t nw = hloc_literal_leaves(want, w, 8);
    ck_assert_uint_eq(hloc_literal_leaves(one, g1, 8), nw);
    ck_assert_uint_eq(hloc_literal_leaves(two, g2, 8), nw);
    for (uint32_t k = 0; k < nw; k++) {
        conf_compare r;
        char desc[1024];
        ck_assert_msg(conf_compare_arrays(g1[k], w[k], tol, &r), "module %d result %u: %s", id, k,
                      conf_compare_describe(g1[k], w[k], &r, desc, sizeof desc));
        size_t bytes = hloc_shape_bytes(&g1[k]->shape);
        ck_assert_msg(bytes == hloc_shape_bytes(&g2[k]->shape) && !memcmp(g1[k]->data, g2[k]->data, bytes),
                      "module %d result %u: 1 and 2 threads differ", id, k);
    }
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
