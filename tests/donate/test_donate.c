/* Donated buffers computed in place: for each module, at -O0 as parsed and at -O2 after the default
 * pipeline, the buffer plan's decision per input_output_alias pair is the expected one, the
 * scratch in the metadata is the scratch of the module without aliases plus exactly the stand-ins
 * of the pairs that keep one, and running with every aliased result handed its parameter's buffer
 * (through a .so with NULL options and on a pool, and through the JIT) gives the evaluator's
 * results, as does running with distinct buffers. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "ir.h"
#include "literal.h"
#include "pass.h"
#include "plan.h"

typedef struct donate_case {
    const char *name;
    const char *hlo;
    /* per pair, 'I' in place, 'S' stand-in or '?' either; at -O0 and at -O2 */
    const char *expect[2];
} donate_case;

static const donate_case cases[] = {
    /* An optimizer step: momentum and parameter updated elementwise, the parameter's norm read
     * before, a donated buffer passed through unchanged. */
    {"step",
     "HloModule step, input_output_alias={ {1}: (0, {}, may-alias), {2}: (3, {}, may-alias), "
     "{3}: (4, {}, may-alias) }\n\n"
     "sum {\n  a = f32[] parameter(0)\n  b = f32[] parameter(1)\n  ROOT s = f32[] add(a, b)\n}\n\n"
     "ENTRY main {\n"
     "  p = f32[256,96] parameter(0)\n"
     "  g = f32[256,96] parameter(1)\n"
     "  lr = f32[] parameter(2)\n"
     "  m = f32[256,96] parameter(3)\n"
     "  count = s32[7] parameter(4)\n"
     "  pp = f32[256,96] multiply(p, p)\n"
     "  z = f32[] constant(0)\n"
     "  norm = f32[] reduce(pp, z), dimensions={0,1}, to_apply=sum\n"
     "  beta = f32[] constant(0.9)\n"
     "  bb = f32[256,96] broadcast(beta), dimensions={}\n"
     "  mm = f32[256,96] multiply(bb, m)\n"
     "  nm = f32[256,96] add(mm, g)\n"
     "  lrb = f32[256,96] broadcast(lr), dimensions={}\n"
     "  step = f32[256,96] multiply(lrb, nm)\n"
     "  np = f32[256,96] subtract(p, step)\n"
     "  ROOT out = (f32[], f32[256,96], f32[256,96], s32[7]) tuple(norm, np, nm, count)\n"
     "}\n",
     {"III", "III"}},
    /* Reads the donated parameters where the result's write would be seen: transposed by the
     * writer, by a reduce after the result is written, reversed, and as another result. */
    {"unsafe",
     "HloModule unsafe, input_output_alias={ {0}: (0, {}, may-alias), {1}: (1, {}, may-alias), "
     "{2}: (2, {}, may-alias), {3}: (3, {}, may-alias) }\n\n"
     "sum {\n  a = f32[] parameter(0)\n  b = f32[] parameter(1)\n  ROOT s = f32[] add(a, b)\n}\n\n"
     "ENTRY main {\n"
     "  p = f32[64,64] parameter(0)\n"
     "  q = f32[128,32] parameter(1)\n"
     "  r = s32[300] parameter(2)\n"
     "  w = f32[40] parameter(3)\n"
     "  t = f32[64,64] transpose(p), dimensions={1,0}\n"
     "  pt = f32[64,64] subtract(p, t)\n"
     "  two = f32[] constant(2)\n"
     "  tb = f32[128,32] broadcast(two), dimensions={}\n"
     "  nq = f32[128,32] multiply(q, tb)\n"
     "  z = f32[] constant(0)\n"
     "  qq = f32[128,32] multiply(q, nq)\n"
     "  sq = f32[128] reduce(qq, z), dimensions={1}, to_apply=sum\n"
     "  rv = s32[300] reverse(r), dimensions={0}\n"
     "  rr = s32[300] subtract(rv, r)\n"
     "  nw = f32[40] negate(w)\n"
     "  ROOT out = (f32[64,64], f32[128,32], s32[300], f32[40], f32[128], f32[40]) "
     "tuple(pt, nq, rr, nw, sq, w)\n"
     "}\n",
     {"SSSS", "SSSS"}},
    /* A cache row written with dynamic-update-slice after the cache was summed. */
    {"cache",
     "HloModule cache, input_output_alias={ {1}: (0, {}, may-alias) }\n\n"
     "sum {\n  a = f32[] parameter(0)\n  b = f32[] parameter(1)\n  ROOT s = f32[] add(a, b)\n}\n\n"
     "ENTRY main {\n"
     "  c = f32[32,64] parameter(0)\n"
     "  row = f32[1,64] parameter(1)\n"
     "  i = s32[] parameter(2)\n"
     "  z = f32[] constant(0)\n"
     "  cs = f32[64] reduce(c, z), dimensions={0}, to_apply=sum\n"
     "  zero = s32[] constant(0)\n"
     "  u = f32[32,64] dynamic-update-slice(c, row, i, zero)\n"
     "  ROOT out = (f32[64], f32[32,64]) tuple(cs, u)\n"
     "}\n",
     {"I", NULL}},
    /* A residual added to a matrix product, the residual donated: codegen may accumulate the
     * product into the result buffer before it adds the residual, so the stand-in stays. */
    {"residual",
     "HloModule residual, input_output_alias={ {0}: (0, {}, may-alias) }\n\n"
     "ENTRY main {\n"
     "  p = f32[64,256] parameter(0)\n"
     "  a = f32[64,8192] parameter(1)\n"
     "  b = f32[8192,256] parameter(2)\n"
     "  d = f32[64,256] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  r = f32[64,256] add(d, p)\n"
     "  ROOT out = (f32[64,256]) tuple(r)\n"
     "}\n",
     {"?", "S"}},
    /* A matrix product into the donated buffer, the parameter read (summed) before: however many
     * passes write the product, none is seen. */
    {"product_after_read",
     "HloModule product_after_read, input_output_alias={ {0}: (0, {}, may-alias) }\n\n"
     "sum {\n  a = f32[] parameter(0)\n  b = f32[] parameter(1)\n  ROOT s = f32[] add(a, b)\n}\n\n"
     "ENTRY main {\n"
     "  p = f32[64,256] parameter(0)\n"
     "  x = f32[64,700] parameter(1)\n"
     "  y = f32[700,256] parameter(2)\n"
     "  z = f32[] constant(0)\n"
     "  n = f32[] reduce(p, z), dimensions={0,1}, to_apply=sum\n"
     "  d = f32[64,256] dot(x, y), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  nb = f32[64,256] broadcast(n), dimensions={}\n"
     "  r = f32[64,256] add(d, nb)\n"
     "  ROOT out = (f32[64,256]) tuple(r)\n"
     "}\n",
     {"?", "I"}},
    /* A loop over the donated state: the result is the loop's, copied out at the end, after the
     * parameter's last read (a result computed from it after the loop). At -O2 the loop is
     * unrolled into a fusion written before that read: the stand-in stays. */
    {"loop",
     "HloModule loop, input_output_alias={ {0}: (0, {}, may-alias) }\n\n"
     "cond {\n  s = (s32[], f32[64,32]) parameter(0)\n  i = s32[] get-tuple-element(s), index=0\n"
     "  n = s32[] constant(5)\n  ROOT lt = pred[] compare(i, n), direction=LT\n}\n\n"
     "body {\n  bs = (s32[], f32[64,32]) parameter(0)\n  bi = s32[] get-tuple-element(bs), index=0\n"
     "  bx = f32[64,32] get-tuple-element(bs), index=1\n  one = s32[] constant(1)\n"
     "  i1 = s32[] add(bi, one)\n  h = f32[] constant(0.5)\n  hb = f32[64,32] broadcast(h), dimensions={}\n"
     "  xh = f32[64,32] multiply(bx, hb)\n  x1 = f32[64,32] add(xh, hb)\n"
     "  ROOT t = (s32[], f32[64,32]) tuple(i1, x1)\n}\n\n"
     "ENTRY main {\n"
     "  p = f32[64,32] parameter(0)\n"
     "  zero = s32[] constant(0)\n"
     "  init = (s32[], f32[64,32]) tuple(zero, p)\n"
     "  w = (s32[], f32[64,32]) while(init), condition=cond, body=body\n"
     "  y = f32[64,32] get-tuple-element(w), index=1\n"
     "  d = f32[64,32] subtract(y, p)\n"
     "  ROOT out = (f32[64,32], f32[64,32]) tuple(y, d)\n"
     "}\n",
     {"I", "S"}},
};
enum { N_CASES = sizeof cases / sizeof cases[0] };

static void ok(hloc_status *s) { ck_assert_msg(!s, "%s", hloc_status_message(s)); }

static uint64_t rng_state;
static double next_unit(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void fill(hloc_literal *l) {
    int64_t n = hloc_shape_elements(&l->shape);
    for (int64_t i = 0; i < n; i++) {
        if (hloc_type_is_float(l->shape.type)) hloc_literal_set_f64(l, i, 2 * next_unit() - 1);
        else hloc_literal_set_i64(l, i, (int64_t)(next_unit() * 40) - 8);
    }
}

static uint32_t leaves(const hloc_literal *l, const hloc_literal **out, uint32_t n) {
    if (l->shape.type != HLOC_TYPE_TUPLE) {
        out[n] = l;
        return n + 1;
    }
    for (uint32_t k = 0; k < l->n_elems && n < 16; k++) n = leaves(&l->elems[k], out, n);
    return n;
}

static void compare(const void *got, const hloc_literal *want, const char *what, uint32_t leaf) {
    int64_t n = hloc_shape_elements(&want->shape);
    for (int64_t i = 0; i < n; i++) {
        if (want->shape.type == HLOC_TYPE_F32) {
            double g = ((const float *)got)[i], w = hloc_literal_get_f64(want, i);
            ck_assert_msg(fabs(g - w) <= 1e-4 * (1 + fabs(w)), "%s: result %u element %lld: %.9g, want %.9g",
                          what, leaf, (long long)i, g, w);
        } else {
            ck_assert_int_eq(want->shape.type, HLOC_TYPE_S32);
            ck_assert_msg(((const int32_t *)got)[i] == hloc_literal_get_i64(want, i),
                          "%s: result %u element %lld: %d, want %lld", what, leaf, (long long)i,
                          ((const int32_t *)got)[i], (long long)hloc_literal_get_i64(want, i));
        }
    }
}

/* Runs |e| once with every aliased result in its parameter's buffer (|donate|) or with distinct
 * buffers, and compares every result with the evaluator's. */
static void run(hloc_executable *e, const hloc_module *m, hloc_literal *const *args, const hloc_literal *want,
                const hloc_run_options *o, bool donate, const char *what) {
    const hloc_computation *c = m->entry;
    const hloc_literal *w[16];
    uint32_t n_res = leaves(want, w, 0);
    hloc_buffer params[16], results[16];
    void *own[32];
    uint32_t n_own = 0;
    for (uint32_t k = 0; k < c->n_params; k++) {
        size_t b = hloc_shape_bytes(&args[k]->shape);
        void *x = malloc(b ? b : 1);
        ck_assert_ptr_nonnull(x);
        memcpy(x, args[k]->data, b);
        own[n_own++] = x;
        params[k] = (hloc_buffer){x, b, args[k]->shape.type};
    }
    for (uint32_t r = 0; r < n_res; r++) {
        size_t b = hloc_shape_bytes(&w[r]->shape);
        void *x = NULL;
        for (uint32_t a = 0; donate && a < m->n_io_aliases; a++)
            if (hloc_shape_leaf_number(&c->root->shape, m->io_aliases[a].output_index.v,
                                       m->io_aliases[a].output_index.n) == r)
                x = params[m->io_aliases[a].param_number].data;
        if (!x) {
            x = calloc(1, b ? b : 1);
            ck_assert_ptr_nonnull(x);
            own[n_own++] = x;
        }
        results[r] = (hloc_buffer){x, b, w[r]->shape.type};
    }
    ok(hloc_executable_run(e, params, c->n_params, results, n_res, o));
    for (uint32_t r = 0; r < n_res; r++) compare(results[r].data, w[r], what, r);
    for (uint32_t k = 0; k < n_own; k++) free(own[k]);
}

static uint64_t jit_scratch(const hloc_module *m, int opt) {
    hloc_cpu_options co = {.name = "donate", .cpu = "native", .opt_level = opt};
    hloc_cpu_jit *jit = NULL;
    ok(hloc_cpu_jit_compile(m, &co, &jit));
    uint64_t n = hloc_cpu_jit_metadata(jit)->scratch_bytes;
    hloc_cpu_jit_destroy(jit);
    return n;
}

START_TEST(test_donate) {
    const donate_case *dc = &cases[_i / 2];
    int opt = _i % 2 ? 2 : 0;
    char what[128];
    hloc_module *m = NULL;
    ok(hloc_module_parse_text(dc->hlo, strlen(dc->hlo), dc->name, &m));
    ok(hloc_module_verify(m));
    hloc_arena *a = hloc_arena_create();
    hloc_literal *args[16];
    rng_state = 0x5eed + (uint64_t)_i;
    ck_assert_uint_le(m->entry->n_params, 16);
    for (uint32_t p = 0; p < m->entry->n_params; p++) {
        args[p] = hloc_literal_create(a, &m->entry->params[p]->shape);
        fill(args[p]);
    }
    hloc_literal *want = NULL;
    ok(hloc_evaluate(m, (const hloc_literal *const *)args, m->entry->n_params, NULL, a, &want));
    if (opt == 2) {
        hloc_pipeline *pl = hloc_pipeline_default();
        ck_assert_ptr_nonnull(pl);
        ok(hloc_pipeline_run(pl, m, NULL, NULL));
        hloc_pipeline_destroy(pl);
    }

    /* the decisions, and the stand-ins they leave */
    bool in_place[16];
    const char *why[16];
    int n_pairs = donation_decisions(m, in_place, why, 16);
    ck_assert_msg(n_pairs == (int)m->n_io_aliases, "%s", n_pairs < 0 ? why[0] : "pairs");
    uint64_t stand_ins = 0;
    const char *expect = dc->expect[opt == 2];
    for (int k = 0; k < n_pairs; k++) {
        if (expect && expect[k] != '?')
            ck_assert_msg(in_place[k] == (expect[k] == 'I'), "%s -O%d pair %d: %s (%s), want %s", dc->name,
                          opt, k, in_place[k] ? "in place" : "stand-in", why[k],
                          expect[k] == 'I' ? "in place" : "stand-in");
        const hloc_shape *s = hloc_shape_subshape(&m->entry->root->shape, m->io_aliases[k].output_index.v,
                                                  m->io_aliases[k].output_index.n);
        if (!in_place[k]) stand_ins += (hloc_shape_bytes(s) + 63) & ~(uint64_t)63;
    }
    uint32_t n_aliases = m->n_io_aliases;
    m->n_io_aliases = 0;
    uint64_t base = jit_scratch(m, opt);
    m->n_io_aliases = n_aliases;
    uint64_t scratch = jit_scratch(m, opt);
    ck_assert_msg(scratch == base + stand_ins, "%s -O%d: scratch %llu bytes, want %llu + %llu of stand-ins",
                  dc->name, opt, (unsigned long long)scratch, (unsigned long long)base,
                  (unsigned long long)stand_ins);
    fprintf(stderr, "%s -O%d: scratch %llu bytes (%llu without aliases, %llu of stand-ins)\n", dc->name, opt,
            (unsigned long long)scratch, (unsigned long long)base, (unsigned long long)stand_ins);

    /* .so with NULL options and on a pool, then the JIT; donated and with distinct buffers */
    hloc_cpu_options co = {.name = "donate", .cpu = "native", .opt_level = opt};
    void *obj = NULL;
    size_t len = 0;
    ok(hloc_cpu_compile_object(m, &co, 1, &obj, &len));
    char dir[32] = "/tmp/hloc_donate_XXXXXX", so[64], h[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(so, sizeof so, "%s/m.so", dir);
    snprintf(h, sizeof h, "%s/m.h", dir);
    ok(hloc_aot_package(obj, len, so, h, NULL, NULL, 0));
    free(obj);
    hloc_executable *e = NULL;
    ok(hloc_executable_load(so, &e));
    ck_assert_uint_eq(hloc_executable_metadata(e)->scratch_bytes, scratch);
    hloc_thread_pool *pool = NULL;
    ok(hloc_thread_pool_create(2, &pool));
    hloc_run_options o;
    hloc_run_options_init(&o, pool);
    for (int donate = 1; donate >= 0; donate--) {
        snprintf(what, sizeof what, "%s -O%d .so%s", dc->name, opt, donate ? " donated" : "");
        run(e, m, args, want, NULL, donate, what);
        snprintf(what, sizeof what, "%s -O%d .so on a pool%s", dc->name, opt, donate ? " donated" : "");
        run(e, m, args, want, &o, donate, what);
    }
    hloc_executable_unload(e);
    unlink(so);
    unlink(h);
    rmdir(dir);
    hloc_cpu_jit *jit = NULL;
    ok(hloc_cpu_jit_compile(m, &co, &jit));
    ok(hloc_executable_wrap(hloc_cpu_jit_metadata(jit), &e));
    for (int donate = 1; donate >= 0; donate--) {
        snprintf(what, sizeof what, "%s -O%d JIT%s", dc->name, opt, donate ? " donated" : "");
        run(e, m, args, want, &o, donate, what);
    }
    hloc_executable_unload(e);
    hloc_cpu_jit_destroy(jit);
    hloc_thread_pool_destroy(pool);
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
}
END_TEST

int main(void) {
    Suite *s = suite_create("donate");
    TCase *tc = tcase_create("donate");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_donate, 0, 2 * N_CASES);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
