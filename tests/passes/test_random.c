/* Differential test of the pass pipeline: random modules (tests/common/random_module.h) evaluate
 * to bit-identical results before and after hloc's default pipeline run exact (without the
 * rewrites that round differently), which must also keep every module valid after each pass. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "hloc/hloc.h"
#include "pass.h"
#include "random_module.h"

enum { N_MODULES = 300 };

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static hloc_literal **make_inputs(const hloc_module *m, hloc_arena *a, uint64_t seed) {
    const hloc_computation *e = m->entry;
    hloc_literal **in = hloc_arena_alloc(a, sizeof *in * (e->n_params + 1));
    uint64_t s = seed;
    for (uint32_t k = 0; in && k < e->n_params; k++) {
        in[k] = hloc_literal_create(a, &e->params[k]->shape);
        if (!in[k]) return NULL;
        int64_t n = hloc_shape_elements(&in[k]->shape);
        for (int64_t j = 0; j < n; j++) {
            if (hloc_type_is_int(in[k]->shape.type)) hloc_literal_set_i64(in[k], j, (int64_t)(lcg(&s) % 201) - 100);
            else hloc_literal_set_f64(in[k], j, ((double)(lcg(&s) % 8001) - 4000.0) / 1000.0);
        }
    }
    return in;
}

START_TEST(optimized_equals_original) {
    int n_ok = 0;
    for (uint64_t seed = 0; seed < N_MODULES; seed++) {
        char *text = random_module(seed, 8 + (int)(seed % 24));
        ck_assert(text);
        hloc_module *m = NULL;
        hloc_status *st = hloc_module_parse_text(text, strlen(text), "random", &m);
        if (!st) st = hloc_module_verify(m);
        ck_assert_msg(!st, "seed %llu: generated module is invalid: %s\n%s", (unsigned long long)seed,
                      hloc_status_message(st), text);
        hloc_arena *a = hloc_arena_create();
        hloc_literal **in = make_inputs(m, a, seed);
        ck_assert(in);
        hloc_literal *before = NULL, *after = NULL;
        st = hloc_evaluate(m, (const hloc_literal *const *)in, m->entry->n_params, NULL, a, &before);
        ck_assert_msg(!st, "seed %llu: %s", (unsigned long long)seed, hloc_status_message(st));
        hloc_pipeline *p = hloc_pipeline_default();
        hloc_pass_options o = hloc_pass_options_default();
        o.verify_each = true;
        o.exact = true;
        st = hloc_pipeline_run(p, m, &o, NULL);
        hloc_pipeline_destroy(p);
        ck_assert_msg(!st, "seed %llu: %s\n%s", (unsigned long long)seed, hloc_status_message(st), text);
        st = hloc_evaluate(m, (const hloc_literal *const *)in, m->entry->n_params, NULL, a, &after);
        ck_assert_msg(!st, "seed %llu: optimized: %s", (unsigned long long)seed, hloc_status_message(st));
        char *opt = NULL;
        if (!hloc_literal_equal(before, after)) {
            hloc_status_free(hloc_module_print(m, &opt));
            ck_abort_msg("seed %llu: results differ after optimization\n%s\n--- optimized ---\n%s",
                         (unsigned long long)seed, text, opt ? opt : "");
        }
        n_ok++;
        hloc_arena_destroy(a);
        hloc_module_destroy(m);
        free(text);
    }
    ck_assert_int_eq(n_ok, N_MODULES);
}
END_TEST

/* The default (not exact) pipeline turns x / broadcast(s) into x * broadcast(1 / s), as XLA does:
 * every element is then exactly the float product with the rounded reciprocal, specials included
 * (x / 0, 0 / 0, x / inf, NaN), and the exact pipeline keeps the quotient. */
START_TEST(divide_by_broadcast_multiplies_by_reciprocal) {
    static const char text[] = "HloModule d\n\nENTRY main {\n  x = f32[5,7] parameter(0)\n"
                               "  s = f32[5] parameter(1)\n  b = f32[5,7] broadcast(s), dimensions={0}\n"
                               "  ROOT q = f32[5,7] divide(x, b)\n}\n";
    static const float divisors[5] = {3.0f, -0.0f, INFINITY, 1e-3f, NAN};
    for (int exact = 0; exact < 2; exact++) {
        hloc_module *m = NULL;
        ck_assert(!hloc_module_parse_text(text, strlen(text), "divide", &m));
        hloc_arena *a = hloc_arena_create();
        hloc_literal *in[2] = {hloc_literal_create(a, &m->entry->params[0]->shape),
                               hloc_literal_create(a, &m->entry->params[1]->shape)};
        uint64_t seed = 7;
        for (int64_t k = 0; k < 35; k++)
            hloc_literal_set_f64(in[0], k, k % 7 == 0 ? 0.0 : ((double)(lcg(&seed) % 8001) - 4000.0) / 37.0);
        for (int r = 0; r < 5; r++) hloc_literal_set_f64(in[1], r, divisors[r]);
        hloc_pipeline *p = hloc_pipeline_default();
        hloc_pass_options o = hloc_pass_options_default();
        o.exact = exact;
        ck_assert(!hloc_pipeline_run(p, m, &o, NULL));
        hloc_pipeline_destroy(p);
        hloc_literal *out = NULL;
        ck_assert(!hloc_evaluate(m, (const hloc_literal *const *)in, 2, NULL, a, &out));
        for (int64_t k = 0; k < 35; k++) {
            float x = (float)hloc_literal_get_f64(in[0], k), d = divisors[k / 7];
            float want = exact ? x / d : x * (1.0f / d), got = (float)hloc_literal_get_f64(out, k);
            ck_assert_msg(memcmp(&want, &got, sizeof got) == 0 || (isnan(want) && isnan(got)),
                          "exact=%d element %lld: %a / %a gave %a, want %a", exact, (long long)k, (double)x,
                          (double)d, (double)got, (double)want);
        }
        hloc_arena_destroy(a);
        hloc_module_destroy(m);
    }
}
END_TEST

Suite *random_suite(void);
Suite *random_suite(void) {
    Suite *s = suite_create("random");
    TCase *t = tcase_create("differential");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, optimized_equals_original);
    tcase_add_test(t, divide_by_broadcast_multiplies_by_reciprocal);
    suite_add_tcase(s, t);
    return s;
}
