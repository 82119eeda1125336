/* Differential tests of dot-canonicalize and of the while-loop simplifier's trip counts, on
 * random cases:
 *   dots    random dot_general layouts (batch, contracting and free dims in any order, any number
 *           of each) evaluate to identical results before and after dot-canonicalize, which leaves
 *           only canonical dots and reaches a fixed point in one run;
 *   loops   random counted loops (s32/s64/u32, add or subtract, every direction, values near the
 *           type limits too): the trip count the analysis claims is the one a simulation with the
 *           type's wrap-around finds, it claims one whenever the loop ends without wrapping, and
 *           the loop's result is the same after the simplifier inlines, unrolls or annotates it. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "hloc/hloc.h"
#include "pass.h"
#include "print.h"
#include "while_simp.h"

__extension__ typedef __int128 wide;

enum { N_DOTS = 400, N_LOOPS = 3000, SIM_CAP = 5000 };

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static int pick(uint64_t *s, int n) { return (int)(lcg(s) % (uint64_t)n); }

static hloc_module *parse(const char *text) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "generated", &m);
    if (!st) st = hloc_module_verify(m);
    ck_assert_msg(!st, "generated module is invalid: %s\n%s", hloc_status_message(st), text);
    return m;
}

static void run_passes(hloc_module *m, const char *passes, bool *changed, const char *text) {
    hloc_pipeline *p = NULL;
    hloc_status *st = hloc_pipeline_parse("test", passes, &p);
    hloc_pass_options o = hloc_pass_options_default();
    o.verify_each = true;
    if (!st) st = hloc_pipeline_run(p, m, &o, changed);
    hloc_pipeline_destroy(p);
    ck_assert_msg(!st, "%s: %s\n%s", passes, st ? hloc_status_message(st) : "", text);
}

static char *module_text(const hloc_module *m) {
    char *s = NULL;
    hloc_status_free(hloc_module_print(m, &s));
    return s;
}

/* ---- dots ---- */

static void put_dims(char *buf, size_t n, const int64_t *d, int r) {
    size_t at = 0;
    at += (size_t)snprintf(buf + at, n - at, "[");
    for (int k = 0; k < r; k++)
        at += (size_t)snprintf(buf + at, n - at, "%s%" PRId64, k ? "," : "", d[k]);
    snprintf(buf + at, n - at, "]");
}

static void put_list(char *buf, size_t n, const char *name, const int *v, int c) {
    size_t at = strlen(buf);
    if (!c) return;
    at += (size_t)snprintf(buf + at, n - at, ", %s={", name);
    for (int k = 0; k < c; k++)
        at += (size_t)snprintf(buf + at, n - at, "%s%d", k ? "," : "", v[k]);
    snprintf(buf + at, n - at, "}");
}

/* Places |nb| batch, |nc| contracting and |nf| free dims at random positions of one operand. */
static void place(uint64_t *s, int nb, int nc, int nf, int *batch, int *contracting,
                  int *free_pos) {
    int r = nb + nc + nf, order[8];
    for (int k = 0; k < r; k++)
        order[k] = k;
    for (int k = r - 1; k > 0; k--) {
        int j = pick(s, k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < nb; k++)
        batch[k] = order[k];
    for (int k = 0; k < nc; k++)
        contracting[k] = order[nb + k];
    for (int k = 0; k < nf; k++)
        free_pos[k] = order[nb + nc + k];
    /* Free dims keep their relative order in the result whatever their positions; sort them. */
    for (int a = 0; a < nf; a++)
        for (int b = a + 1; b < nf; b++)
            if (free_pos[b] < free_pos[a]) {
                int t = free_pos[a];
                free_pos[a] = free_pos[b];
                free_pos[b] = t;
            }
}

/* A random dot; with |unit_k| every contracting dim has size 1 (or there is none). */
static char *random_dot(uint64_t seed, const char **type, bool unit_k) {
    uint64_t s = seed * 2654435761u + 17;
    static const char *const types[][2] = {{"s32", "s32"}, {"f32", "f32"}, {"bf16", "f32"}};
    int t = pick(&s, 3);
    *type = types[t][0];
    int nb = pick(&s, 3), nc = pick(&s, 3), lf = pick(&s, 3), rf = pick(&s, 3);
    int64_t bs[2], cs[2], lfs[2], rfs[2];
    for (int k = 0; k < 2; k++)
        bs[k] = 1 + pick(&s, 3), cs[k] = unit_k ? 1 : 1 + pick(&s, 4), lfs[k] = 1 + pick(&s, 4),
        rfs[k] = 1 + pick(&s, 4);
    int lb[2], lc[2], lfp[2], rb[2], rc[2], rfp[2];
    place(&s, nb, nc, lf, lb, lc, lfp);
    place(&s, nb, nc, rf, rb, rc, rfp);
    int64_t ld[8], rd[8], od[8];
    for (int k = 0; k < nb; k++)
        ld[lb[k]] = bs[k], rd[rb[k]] = bs[k], od[k] = bs[k];
    for (int k = 0; k < nc; k++)
        ld[lc[k]] = cs[k], rd[rc[k]] = cs[k];
    for (int k = 0; k < lf; k++)
        ld[lfp[k]] = lfs[k], od[nb + k] = lfs[k];
    for (int k = 0; k < rf; k++)
        rd[rfp[k]] = rfs[k], od[nb + lf + k] = rfs[k];
    char l[64], r[64], o[64], attrs[256] = "";
    put_dims(l, sizeof l, ld, nb + nc + lf);
    put_dims(r, sizeof r, rd, nb + nc + rf);
    put_dims(o, sizeof o, od, nb + lf + rf);
    put_list(attrs, sizeof attrs, "lhs_batch_dims", lb, nb);
    put_list(attrs, sizeof attrs, "lhs_contracting_dims", lc, nc);
    put_list(attrs, sizeof attrs, "rhs_batch_dims", rb, nb);
    put_list(attrs, sizeof attrs, "rhs_contracting_dims", rc, nc);
    char *text = malloc(1024);
    ck_assert(text);
    snprintf(text, 1024,
             "HloModule dot_%" PRIu64
             "\n\nENTRY main {\n  a = %s%s parameter(0)\n  b = %s%s parameter(1)\n"
             "  ROOT d = %s%s dot(a, b)%s\n}\n",
             seed, types[t][0], l, types[t][0], r, types[t][1], o, attrs);
    return text;
}

/* Small integers: every sum is exact in each type, so any summation order gives the same bits. */
static hloc_literal **dot_inputs(const hloc_module *m, hloc_arena *a, uint64_t seed) {
    hloc_literal **in = hloc_arena_alloc(a, sizeof *in * 2);
    uint64_t s = seed;
    for (uint32_t k = 0; in && k < 2; k++) {
        in[k] = hloc_literal_create(a, &m->entry->params[k]->shape);
        ck_assert(in[k]);
        int64_t n = hloc_shape_elements(&in[k]->shape);
        for (int64_t j = 0; j < n; j++)
            hloc_literal_set_f64(in[k], j, (double)pick(&s, 9) - 4.0);
    }
    return in;
}

static bool dot_is_canonical(const hloc_instr *i) {
    const hloc_dot_dnums *d = &i->attrs->dot;
    const hloc_i64_list *bs[2] = {&d->lhs_batch, &d->rhs_batch},
                        *cs[2] = {&d->lhs_contracting, &d->rhs_contracting};
    for (int side = 0; side < 2; side++) {
        const hloc_shape *s = &i->operands[side]->shape;
        if (cs[side]->n != 1) return false;
        for (uint32_t k = 0; k < bs[side]->n; k++)
            if (bs[side]->v[k] != (int64_t)k) return false;
        int64_t c = cs[side]->v[0];
        /* Canonical, or free dims only next to each other (left alone on purpose). */
        if (bs[side]->n + 2 < s->rank && c != (int64_t)bs[side]->n && c != (int64_t)s->rank - 1)
            return false;
    }
    return true;
}

/* Runs |passes| on the dot module |text|: the results on dot_inputs(seed) must stay bit-identical,
 * and |check| (given the module and its printed form after the passes) must hold. Returns whether
 * the passes changed the module. */
static bool rewrite_keeps_results(const char *text, uint64_t seed, const char *passes,
                                  void (*check)(hloc_module *m, const char *text, const char *opt)) {
    hloc_module *m = parse(text);
    hloc_arena *a = hloc_arena_create();
    hloc_literal **in = dot_inputs(m, a, seed);
    hloc_literal *before = NULL, *after = NULL;
    hloc_status *st = hloc_evaluate(m, (const hloc_literal *const *)in, 2, NULL, a, &before);
    ck_assert_msg(!st, "%s\n%s", hloc_status_message(st), text);
    bool changed = false;
    run_passes(m, passes, &changed, text);
    char *opt = module_text(m);
    check(m, text, opt);
    st = hloc_evaluate(m, (const hloc_literal *const *)in, 2, NULL, a, &after);
    ck_assert_msg(!st, "%s\n%s", hloc_status_message(st), opt);
    ck_assert_msg(hloc_literal_equal(before, after), "results differ:\n%s\n%s", text, opt);
    free(opt);
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
    return changed;
}

/* One run reaches the fixed point, and every dot left is canonical. */
static void canonical_fixed_point(hloc_module *m, const char *text, const char *opt) {
    bool again = false;
    run_passes(m, "dot-canonicalize", &again, text);
    ck_assert_msg(!again, "no fixed point after one run:\n%s\n%s", text, opt);
    for (uint32_t j = 0; j < m->entry->n_instrs; j++) {
        const hloc_instr *i = m->entry->instrs[j];
        if (!i->dead && i->op == HLOC_OP_DOT)
            ck_assert_msg(dot_is_canonical(i), "dot not canonical:\n%s\n%s", text, opt);
    }
}

START_TEST(dot_canonicalize_keeps_results) {
    int n_rewritten = 0;
    for (uint64_t seed = 0; seed < N_DOTS; seed++) {
        const char *type;
        char *text = random_dot(seed, &type, false);
        n_rewritten += rewrite_keeps_results(text, seed, "dot-canonicalize", canonical_fixed_point);
        free(text);
    }
    printf("dots: %d of %d rewritten\n", n_rewritten, N_DOTS);
    /* The generator must reach the rewrite, not only the canonical cases. */
    ck_assert_int_gt(n_rewritten, N_DOTS / 2);
}
END_TEST

static void no_dot_left(hloc_module *m, const char *text, const char *opt) {
    (void)m;
    ck_assert_msg(!strstr(opt, " dot("), "dot left:\n%s\n%s", text, opt);
}

/* algsimp turns every dot of a size-1 (or empty) contraction into broadcasts and a multiply with
 * bit-identical results: the inputs include zeros of both signs' products (-4 * 0 = -0). */
START_TEST(algsimp_unit_contraction_keeps_results) {
    for (uint64_t seed = 0; seed < N_DOTS; seed++) {
        const char *type;
        char *text = random_dot(seed, &type, true);
        ck_assert(rewrite_keeps_results(text, seed, "algsimp,dce", no_dot_left));
        free(text);
    }
}
END_TEST

/* ---- loops ---- */

typedef struct loop_case {
    const char *type; /* s32 s64 u32 */
    int64_t init, c, bound;
    bool subtract, bound_left;
    const char *dir; /* LT LE GT GE NE EQ, as written (before any flip for bound_left) */
} loop_case;

static void type_range(const char *t, wide *lo, wide *hi) {
    if (!strcmp(t, "s32"))
        *lo = INT32_MIN, *hi = INT32_MAX;
    else if (!strcmp(t, "u32"))
        *lo = 0, *hi = UINT32_MAX;
    else
        *lo = INT64_MIN, *hi = INT64_MAX;
}

static bool holds(const char *dir, wide x, wide y) {
    if (!strcmp(dir, "LT")) return x < y;
    if (!strcmp(dir, "LE")) return x <= y;
    if (!strcmp(dir, "GT")) return x > y;
    if (!strcmp(dir, "GE")) return x >= y;
    if (!strcmp(dir, "NE")) return x != y;
    return x == y;
}

/* Runs the loop on exact integers: the trip count, or -1 if it does not end within SIM_CAP
 * trips; *wrapped says whether the induction variable left the type's range on the way. */
static int64_t simulate(const loop_case *lc, bool *wrapped) {
    wide lo, hi, i = lc->init, step = lc->subtract ? -(wide)lc->c : lc->c;
    type_range(lc->type, &lo, &hi);
    wide span = hi - lo + 1;
    *wrapped = false;
    for (int64_t n = 0; n <= SIM_CAP; n++) {
        bool go = lc->bound_left ? holds(lc->dir, lc->bound, i) : holds(lc->dir, i, lc->bound);
        if (!go) return n;
        i += step;
        if (i < lo || i > hi) {
            *wrapped = true;
            i = i < lo ? i + span : i - span;
        }
    }
    return -1;
}

static int64_t near(uint64_t *s, const char *t) {
    wide lo, hi;
    type_range(t, &lo, &hi);
    switch (pick(s, 6)) {
    case 0:
        return (int64_t)(hi - pick(s, 4));
    case 1:
        return (int64_t)(lo + pick(s, 4));
    default:
        return !strcmp(t, "u32") ? pick(s, 40) : pick(s, 61) - 30;
    }
}

static loop_case random_loop(uint64_t seed) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 5;
    static const char *const types[] = {"s32", "s64", "u32"}, *const dirs[] = {"LT", "LE", "GT",
                                                                               "GE", "NE", "EQ"};
    loop_case lc = {.type = types[pick(&s, 3)], .dir = dirs[pick(&s, 6)]};
    lc.init = near(&s, lc.type);
    lc.bound = near(&s, lc.type);
    lc.subtract = pick(&s, 2);
    lc.bound_left = pick(&s, 4) == 0;
    lc.c = !strcmp(lc.type, "u32") ? pick(&s, 5) : pick(&s, 9) - 4;
    if (pick(&s, 10) == 0) lc.c = !strcmp(lc.type, "u32") ? (int64_t)UINT32_MAX : -1 - pick(&s, 2);
    return lc;
}

static char *loop_text(const loop_case *lc) {
    const char *t = lc->type;
    char *text = malloc(2048);
    ck_assert(text);
    snprintf(text, 2048,
             "HloModule loop\n\n"
             "cond {\n  cp = (%s[], s32[], f32[3]) parameter(0)\n  ci = %s[] "
             "get-tuple-element(cp), index=0\n"
             "  lim = %s[] constant(%" PRId64
             ")\n  ROOT go = pred[] compare(%s, %s), direction=%s\n}\n\n"
             "body {\n  bp = (%s[], s32[], f32[3]) parameter(0)\n  i = %s[] get-tuple-element(bp), "
             "index=0\n"
             "  c = %s[] constant(%" PRId64 ")\n  next = %s[] %s(i, c)\n"
             "  n = s32[] get-tuple-element(bp), index=1\n  one = s32[] constant(1)\n  n1 = s32[] "
             "add(n, one)\n"
             "  x = f32[3] get-tuple-element(bp), index=2\n  h = f32[] constant(1.5)\n"
             "  hb = f32[3] broadcast(h), dimensions={}\n  y = f32[3] multiply(x, hb)\n"
             "  ROOT t = (%s[], s32[], f32[3]) tuple(next, n1, y)\n}\n\n"
             "ENTRY main {\n  p = f32[3] parameter(0)\n  i0 = %s[] constant(%" PRId64
             ")\n  z = s32[] constant(0)\n"
             "  init = (%s[], s32[], f32[3]) tuple(i0, z, p)\n"
             "  ROOT w = (%s[], s32[], f32[3]) while(init), condition=cond, body=body\n}\n",
             t, t, t, lc->bound, lc->bound_left ? "lim" : "ci", lc->bound_left ? "ci" : "lim",
             lc->dir, t, t, t, lc->c, t, lc->subtract ? "subtract" : "add", t, t, lc->init, t, t);
    return text;
}

START_TEST(trip_counts_match_simulation) {
    int n_counted = 0, n_evaluated = 0;
    for (uint64_t seed = 0; seed < N_LOOPS; seed++) {
        loop_case lc = random_loop(seed);
        char *text = loop_text(&lc);
        hloc_module *m = parse(text);
        const hloc_instr *w = m->entry->root;
        bool wrapped;
        int64_t expect = simulate(&lc, &wrapped);
        hloc_trip_count tc;
        bool known = hloc_while_trip_count(w, &tc);
        if (known && expect < 0 && !wrapped) {
            /* Beyond the simulation: check the claim instead. The variable moves monotonically,
             * so it suffices that the value before the last step passes the condition, the last
             * one fails it, and it stays in range. */
            ck_assert_msg(tc.trips > SIM_CAP, "claimed %" PRId64 " trips\n%s", tc.trips, text);
            wide lo, hi, step = lc.subtract ? -(wide)lc.c : lc.c;
            type_range(lc.type, &lo, &hi);
            wide last = lc.init + (wide)tc.trips * step, prev = last - step;
            bool go_prev =
                lc.bound_left ? holds(lc.dir, lc.bound, prev) : holds(lc.dir, prev, lc.bound);
            bool go_last =
                lc.bound_left ? holds(lc.dir, lc.bound, last) : holds(lc.dir, last, lc.bound);
            ck_assert_msg(go_prev && !go_last && last >= lo && last <= hi,
                          "claimed %" PRId64 " trips\n%s", tc.trips, text);
            n_counted++;
        } else if (known) {
            ck_assert_msg(expect == tc.trips && !wrapped,
                          "claimed %" PRId64 " trips, simulation: %" PRId64 "%s\n%s", tc.trips,
                          expect, wrapped ? " (wraps)" : "", text);
            ck_assert_int_eq(tc.index, 0);
            n_counted++;
        } else {
            ck_assert_msg(expect < 0 || wrapped,
                          "no count claimed for a loop of %" PRId64 " trips\n%s", expect, text);
        }
        /* The simplifier's rewrite of the loop (inline, unroll, annotation) keeps its result. */
        if (expect >= 0 && expect <= 40) {
            hloc_arena *a = hloc_arena_create();
            hloc_literal *in = hloc_literal_create(a, &m->entry->params[0]->shape);
            ck_assert(in);
            for (int k = 0; k < 3; k++)
                hloc_literal_set_f64(in, k, 0.25 * (k + 1));
            const hloc_literal *args[1] = {in};
            hloc_literal *before = NULL, *after = NULL;
            hloc_status *st = hloc_evaluate(m, args, 1, NULL, a, &before);
            ck_assert_msg(!st, "%s\n%s", hloc_status_message(st), text);
            ck_assert_int_eq(hloc_literal_get_i64(&before->elems[1], 0), expect);
            run_passes(m, "while-loop-simplifier,tuple-simplifier,dce", NULL, text);
            st = hloc_evaluate(m, args, 1, NULL, a, &after);
            char *opt = module_text(m);
            ck_assert_msg(!st, "%s\n%s", hloc_status_message(st), opt);
            ck_assert_msg(hloc_literal_equal(before, after), "results differ:\n%s\n%s", text, opt);
            bool has_while = false;
            for (uint32_t j = 0; j < m->entry->n_instrs; j++)
                has_while |= m->entry->instrs[j]->op == HLOC_OP_WHILE;
            /* The loop body is 10 instructions: up to 8 trips it must be gone. */
            if (wrapped)
                ck_assert_msg(has_while, "a wrapping loop was rewritten:\n%s", opt);
            else if (expect <= 8)
                ck_assert_msg(!has_while, "loop of %" PRId64 " trips kept:\n%s", expect, opt);
            else
                ck_assert_msg(has_while && strstr(opt, "known_trip_count"), "no annotation:\n%s",
                              opt);
            free(opt);
            hloc_arena_destroy(a);
            n_evaluated++;
        }
        hloc_module_destroy(m);
        free(text);
    }
    printf("loops: %d of %d counted, %d evaluated before and after\n", n_counted, N_LOOPS,
           n_evaluated);
    /* The generator must reach both sides: counted loops and loops left alone. */
    ck_assert_int_gt(n_counted, N_LOOPS / 4);
    ck_assert_int_lt(n_counted, N_LOOPS);
    ck_assert_int_gt(n_evaluated, N_LOOPS / 10);
}
END_TEST

int main(void) {
    Suite *s = suite_create("dot-while");
    TCase *t = tcase_create("differential");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, dot_canonicalize_keeps_results);
    tcase_add_test(t, algsimp_unit_contraction_keeps_results);
    tcase_add_test(t, trip_counts_match_simulation);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
