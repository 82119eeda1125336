/* Codegen follows the buffer plan: the scratch arena in a compiled module's metadata is the
 * plan's (plus internal scratch only where codegen needs work space), values that the plan puts
 * in place of a dying operand compute the same results as the evaluator, and the plan refuses
 * in-place updates where the instruction reads the operand at another element. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "pass.h"

static hloc_module *parse(const char *text) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "test", &m);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    return m;
}

static hloc_module *load_data(const char *rel, bool optimize) {
    const char *dir = getenv("HLOC_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", rel);
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_file(path, &m);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    if (optimize) {
        hloc_pipeline *p = hloc_pipeline_default();
        ck_assert_ptr_nonnull(p);
        st = hloc_pipeline_run(p, m, NULL, NULL);
        ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
        hloc_pipeline_destroy(p);
    }
    return m;
}

static uint64_t align64(int64_t n) { return ((uint64_t)n + 63) & ~(uint64_t)63; }

/* The plan codegen follows for |m| (the same options as the CPU target's). */
static hloc_buffer_plan *plan_of(const hloc_module *m) {
    hloc_codegen_options co = {.name = "t"};
    hloc_buffer_plan *p = NULL;
    hloc_status *st = hloc_codegen_plan_buffers(m, &co, &p);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    return p;
}

/* Scratch bytes in the metadata of |m| compiled by the JIT. */
static uint64_t metadata_scratch(const hloc_module *m) {
    hloc_cpu_options o = {.opt_level = 0};
    hloc_cpu_jit *j = NULL;
    hloc_status *st = hloc_cpu_jit_compile(m, &o, &j);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    uint64_t n = hloc_cpu_jit_metadata(j)->scratch_bytes;
    hloc_cpu_jit_destroy(j);
    return n;
}

static const hloc_buffer *buffer_named(const hloc_buffer_plan *p, const char *name) {
    for (uint32_t k = 0; k < p->n_buffers; k++)
        if (!strcmp(p->buffers[k].instr->name, name)) return &p->buffers[k];
    ck_abort_msg("no buffer '%s'", name);
    return NULL;
}

static uint32_t leaves(const hloc_literal *l, const hloc_literal **out, uint32_t n) {
    if (l->shape.type != HLOC_TYPE_TUPLE) {
        out[n] = l;
        return n + 1;
    }
    for (uint32_t k = 0; k < l->n_elems && n < 8; k++) n = leaves(&l->elems[k], out, n);
    return n;
}

/* Runs |m| on deterministic inputs through the JIT and the evaluator; the leaves must agree to a
 * relative 1e-4 (dots sum in another order). */
static void check_against_evaluator_tol(const hloc_module *m, float tol) {
    hloc_arena *a = hloc_arena_create();
    const hloc_literal *args[32];
    uint32_t np = m->entry->n_params;
    ck_assert_uint_le(np, 32);
    for (uint32_t p = 0; p < np; p++) {
        hloc_literal *l = hloc_literal_create(a, &m->entry->params[p]->shape);
        ck_assert_ptr_nonnull(l);
        int64_t n = hloc_shape_elements(&l->shape);
        for (int64_t e = 0; e < n; e++) {
            void *x = hloc_literal_at(l, e);
            if (l->shape.type == HLOC_TYPE_F32) *(float *)x = (float)((e * 7 + p * 13) % 17 - 8) / 8.0f;
            else if (l->shape.type == HLOC_TYPE_S32) *(int32_t *)x = (int32_t)((e + p) % 5);
        }
        args[p] = l;
    }
    hloc_literal *want = NULL, *got = NULL;
    hloc_status *st = hloc_evaluate(m, args, np, NULL, a, &want);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    hloc_cpu_options o = {.opt_level = 2};
    st = hloc_cpu_run_literals(m, &o, args, np, a, &got);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    const hloc_literal *gl[8], *wl[8];
    uint32_t ng = leaves(got, gl, 0), nw = leaves(want, wl, 0);
    ck_assert_uint_eq(ng, nw);
    for (uint32_t k = 0; k < ng; k++) {
        ck_assert_int_eq(gl[k]->shape.type, HLOC_TYPE_F32);
        int64_t n = hloc_shape_elements(&gl[k]->shape);
        for (int64_t e = 0; e < n; e++) {
            float g = *(const float *)hloc_literal_at(gl[k], e), w = *(const float *)hloc_literal_at(wl[k], e);
            ck_assert_msg(fabsf(g - w) <= tol * (1 + fabsf(w)), "leaf %u element %lld: cpu %g, interp %g",
                          k, (long long)e, g, w);
        }
    }
    hloc_arena_destroy(a);
}

static void check_against_evaluator(const hloc_module *m) { check_against_evaluator_tol(m, 1e-4f); }

/* d dies at a (an elementwise op with two whole-value users, so materialized): a takes over d's
 * bytes. a2 reads d also transposed (through an inlined transpose): it must not. */
static const char *const inplace_ew =
    "HloModule inplace_ew\n"
    "ENTRY e {\n"
    "  p0 = f32[64,64] parameter(0)\n"
    "  p1 = f32[64,64] parameter(1)\n"
    "  d = f32[64,64] dot(p0, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  a = f32[64,64] add(d, p0)\n"
    "  x = f32[64,64] dot(a, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  y = f32[64,64] dot(a, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  t = f32[64,64] transpose(y), dimensions={1,0}\n"
    "  a2 = f32[64,64] add(y, t)\n"
    "  z = f32[64,64] dot(a2, x), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  w = f32[64,64] dot(a2, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  ROOT r = f32[64,64] add(z, w)\n"
    "}\n";

/* u (a dynamic-update-slice) writes into d, which dies there; u2's update is the operand it
 * would overwrite, so it gets its own buffer. */
static const char *const inplace_dus =
    "HloModule inplace_dus\n"
    "ENTRY e {\n"
    "  p0 = f32[32,32] parameter(0)\n"
    "  p1 = f32[32,32] parameter(1)\n"
    "  i = s32[] parameter(2)\n"
    "  d = f32[32,32] dot(p0, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  upd = f32[4,32] slice(p1), slice={[3:7], [0:32]}\n"
    "  u = f32[32,32] dynamic-update-slice(d, upd, i, i)\n"
    "  x = f32[32,32] dot(u, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  u2 = f32[32,32] dynamic-update-slice(x, x, i, i)\n"
    "  ROOT y = f32[32,32] dot(u2, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "}\n";

/* f1 reads d only elementwise: it takes over d's bytes; f2 reads y transposed: it must not. */
static const char *const inplace_fusion =
    "HloModule inplace_fusion\n"
    "f_ew {\n"
    "  fa = f32[32,32] parameter(0)\n"
    "  fb = f32[32,32] parameter(1)\n"
    "  e = f32[32,32] negate(fa)\n"
    "  ROOT fr = f32[32,32] add(e, fb)\n"
    "}\n"
    "f_tr {\n"
    "  ta = f32[32,32] parameter(0)\n"
    "  t = f32[32,32] transpose(ta), dimensions={1,0}\n"
    "  ROOT tr = f32[32,32] subtract(ta, t)\n"
    "}\n"
    "ENTRY e {\n"
    "  p0 = f32[32,32] parameter(0)\n"
    "  p1 = f32[32,32] parameter(1)\n"
    "  d = f32[32,32] dot(p0, p1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  f1 = f32[32,32] fusion(d, p1), kind=kLoop, calls=f_ew\n"
    "  y = f32[32,32] dot(f1, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  f2 = f32[32,32] fusion(y), kind=kLoop, calls=f_tr\n"
    "  ROOT z = f32[32,32] dot(f2, f1), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "}\n";

START_TEST(fusion_in_place) {
    hloc_module *m = parse(inplace_fusion);
    hloc_buffer_plan *p = plan_of(m);
    const hloc_buffer *f1 = buffer_named(p, "f1"), *d = buffer_named(p, "d"), *f2 = buffer_named(p, "f2");
    ck_assert_int_eq(f1->in_place_of, (int32_t)(d - p->buffers));
    ck_assert_int_eq(f2->in_place_of, -1);
    ck_assert_uint_eq(metadata_scratch(m), align64(p->arena_size));
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

/* Four dots in a chain: at most two of them are alive at once, so the arena holds two. */
static const char *const chain =
    "HloModule chain\n"
    "ENTRY e {\n"
    "  p0 = f32[128,128] parameter(0)\n"
    "  d1 = f32[128,128] dot(p0, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  d2 = f32[128,128] dot(d1, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  d3 = f32[128,128] dot(d2, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  d4 = f32[128,128] dot(d3, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  ROOT d5 = f32[128,128] dot(d4, p0), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "}\n";

START_TEST(chain_reuses_and_metadata_is_the_plan) {
    hloc_module *m = parse(chain);
    hloc_buffer_plan *p = plan_of(m);
    ck_assert_int_eq(p->temp_total, 4 * 128 * 128 * 4);
    ck_assert_int_eq(p->arena_size, 2 * 128 * 128 * 4);
    ck_assert_uint_eq(metadata_scratch(m), align64(p->arena_size));
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

START_TEST(elementwise_in_place) {
    hloc_module *m = parse(inplace_ew);
    hloc_buffer_plan *p = plan_of(m);
    const hloc_buffer *a = buffer_named(p, "a"), *d = buffer_named(p, "d"), *a2 = buffer_named(p, "a2");
    ck_assert_int_eq(a->kind, HLOC_BUFFER_TEMP);
    ck_assert_int_eq(a->in_place_of, (int32_t)(d - p->buffers));
    ck_assert_int_eq(a->offset, d->offset);
    ck_assert_int_eq(buffer_named(p, "t")->kind, HLOC_BUFFER_INLINE);
    ck_assert_int_eq(a2->kind, HLOC_BUFFER_TEMP);
    ck_assert_int_eq(a2->in_place_of, -1);
    ck_assert_uint_eq(metadata_scratch(m), align64(p->arena_size));
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

START_TEST(dynamic_update_slice_in_place) {
    hloc_module *m = parse(inplace_dus);
    hloc_buffer_plan *p = plan_of(m);
    const hloc_buffer *u = buffer_named(p, "u"), *d = buffer_named(p, "d"), *u2 = buffer_named(p, "u2");
    ck_assert_int_eq(u->in_place_of, (int32_t)(d - p->buffers));
    ck_assert_int_eq(u2->in_place_of, -1);
    ck_assert_uint_eq(metadata_scratch(m), align64(p->arena_size));
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

static uint64_t emitted_arena(const hloc_module *m, hloc_codegen_arena *ar);

/* A loop whose body passes w through and updates acc in place: w stays in its parameter buffer,
 * so the while's slice holds only the counter and acc. */
static const char *const loop =
    "HloModule loop\n"
    "cond {\n"
    "  p = (s32[], f32[16,16], f32[8,16,16]) parameter(0)\n"
    "  i = s32[] get-tuple-element(p), index=0\n"
    "  n = s32[] constant(8)\n"
    "  ROOT lt = pred[] compare(i, n), direction=LT\n"
    "}\n"
    "body {\n"
    "  p = (s32[], f32[16,16], f32[8,16,16]) parameter(0)\n"
    "  i = s32[] get-tuple-element(p), index=0\n"
    "  w = f32[16,16] get-tuple-element(p), index=1\n"
    "  acc = f32[8,16,16] get-tuple-element(p), index=2\n"
    "  one = s32[] constant(1)\n"
    "  i1 = s32[] add(i, one)\n"
    "  fi = f32[] convert(i)\n"
    "  b = f32[16,16] broadcast(fi), dimensions={}\n"
    "  x = f32[16,16] multiply(w, b)\n"
    "  r = f32[1,16,16] reshape(x)\n"
    "  z = s32[] constant(0)\n"
    "  acc1 = f32[8,16,16] dynamic-update-slice(acc, r, i, z, z)\n"
    "  ROOT t = (s32[], f32[16,16], f32[8,16,16]) tuple(i1, w, acc1)\n"
    "}\n"
    "ENTRY e {\n"
    "  w = f32[16,16] parameter(0)\n"
    "  z = s32[] constant(0)\n"
    "  f0 = f32[] constant(0)\n"
    "  a0 = f32[8,16,16] broadcast(f0), dimensions={}\n"
    "  init = (s32[], f32[16,16], f32[8,16,16]) tuple(z, w, a0)\n"
    "  l = (s32[], f32[16,16], f32[8,16,16]) while(init), condition=cond, body=body\n"
    "  ROOT acc = f32[8,16,16] get-tuple-element(l), index=2\n"
    "}\n";

START_TEST(while_carries) {
    hloc_module *m = parse(loop);
    hloc_buffer_plan *p = plan_of(m);
    const hloc_instr *l = buffer_named(p, "l")->instr;
    ck_assert(!hloc_buffer_while_passthrough(l, 0));
    ck_assert(hloc_buffer_while_passthrough(l, 1));
    ck_assert(!hloc_buffer_while_passthrough(l, 2));
    ck_assert_int_eq(buffer_named(p, "l")->size, 64 + 8 * 16 * 16 * 4);
    ck_assert_int_eq(buffer_named(p, "w")->live_end, p->n_buffers);
    hloc_codegen_arena ar;
    (void)emitted_arena(m, &ar);
    /* The body's update goes into the carry: its internal scratch is the scalars' slots, not
     * another copy of acc. */
    ck_assert_uint_lt(ar.internal_bytes, 8 * 16 * 16 * 4);
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

/* Softmax, then a residual add, after hloc's pipeline: the fusions and reduces of a row run in
 * row-blocked groups (codegen/rows.c), all members interleaved block by block; the plan keeps
 * every member and operand of such a run alive for the whole run. */
static const char *const softmax =
    "HloModule softmax\n"
    "rmax {\n  a = f32[] parameter(0)\n  b = f32[] parameter(1)\n  ROOT m = f32[] maximum(a, b)\n}\n"
    "rsum {\n  c = f32[] parameter(0)\n  d = f32[] parameter(1)\n  ROOT s = f32[] add(c, d)\n}\n"
    "ENTRY e {\n"
    "  x = f32[256,128] parameter(0)\n"
    "  y = f32[128,128] parameter(1)\n"
    "  xy = f32[256,128] dot(x, y), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "  z = f32[256,128] slice(xy), slice={[0:256], [0:128]}\n"
    "  ninf = f32[] constant(-inf)\n"
    "  mx = f32[256] reduce(z, ninf), dimensions={1}, to_apply=rmax\n"
    "  mb = f32[256,128] broadcast(mx), dimensions={0}\n"
    "  sub = f32[256,128] subtract(z, mb)\n"
    "  ex = f32[256,128] exponential(sub)\n"
    "  zero = f32[] constant(0)\n"
    "  sm = f32[256] reduce(ex, zero), dimensions={1}, to_apply=rsum\n"
    "  sb = f32[256,128] broadcast(sm), dimensions={0}\n"
    "  dv = f32[256,128] divide(ex, sb)\n"
    "  ROOT r = f32[256,128] add(dv, x)\n"
    "}\n";

START_TEST(row_groups_against_evaluator) {
    hloc_module *m = parse(softmax);
    hloc_pipeline *pl = hloc_pipeline_default();
    hloc_status *st = hloc_pipeline_run(pl, m, NULL, NULL);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    hloc_pipeline_destroy(pl);
    check_against_evaluator_tol(m, 2e-4f);
    hloc_module_destroy(m);
}
END_TEST

/* Corpus modules after hloc's pipeline: the metadata's arena is the plan's plus the internal
 * scratch codegen reports (the dot inside an output fusion, for one), and reuse keeps it below
 * the sum of the temporaries. */
static uint64_t emitted_arena(const hloc_module *m, hloc_codegen_arena *ar) {
    LLVMContextRef ctx = LLVMContextCreate();
    hloc_codegen_options co = {.name = "t", .arena = ar};
    LLVMModuleRef mod = NULL;
    hloc_status *st = hloc_codegen_emit(m, ctx, &co, &mod);
    ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    return ar->total_bytes;
}

START_TEST(corpus_metadata_is_plan_plus_internal) {
    static const char *const files[] = {"cases/model_mlp/model.hlo", "perf/mlp.hlo",
                                        "cases/model_gpt_block/model.hlo", "perf/gpt2_block.hlo"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        hloc_module *m = load_data(files[k], true);
        hloc_buffer_plan *p = plan_of(m);
        hloc_codegen_arena ar;
        uint64_t total = emitted_arena(m, &ar);
        ck_assert_uint_eq(ar.plan_bytes, align64(p->arena_size));
        ck_assert_uint_eq(total, ar.plan_bytes + ar.internal_bytes);
        ck_assert_uint_le(ar.plan_bytes, align64(p->temp_total));
        if (strstr(files[k], "gpt")) ck_assert_uint_lt(ar.plan_bytes, (uint64_t)p->temp_total);
        ck_assert_uint_eq(metadata_scratch(m), total);
        hloc_buffer_plan_destroy(p);
        hloc_module_destroy(m);
    }
}
END_TEST

START_TEST(gpt_block_arena_below_sum_of_temporaries) {
    hloc_module *m = load_data("cases/model_gpt_block/model.hlo", true);
    hloc_buffer_plan *p = plan_of(m);
    uint64_t md = metadata_scratch(m);
    ck_assert_msg(md < (uint64_t)p->temp_total, "arena %llu, temporaries %lld", (unsigned long long)md,
                  (long long)p->temp_total);
    check_against_evaluator(m);
    hloc_buffer_plan_destroy(p);
    hloc_module_destroy(m);
}
END_TEST

int main(void) {
    Suite *s = suite_create("codegen_buffers");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, chain_reuses_and_metadata_is_the_plan);
    tcase_add_test(tc, elementwise_in_place);
    tcase_add_test(tc, dynamic_update_slice_in_place);
    tcase_add_test(tc, fusion_in_place);
    tcase_add_test(tc, while_carries);
    tcase_add_test(tc, row_groups_against_evaluator);
    tcase_add_test(tc, corpus_metadata_is_plan_plus_internal);
    tcase_add_test(tc, gpt_block_arena_below_sum_of_temporaries);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
