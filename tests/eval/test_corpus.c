/* A quick corpus check: a few tests/data/cases evaluated from model.hlo and xla_opt.hlo and
 * compared with XLA's outputs (out*.npy) — integers exactly, floats within the case's tolerance
 * relative to max(1, max |want|), NaN/Inf at the same places. The full runner is
 * tests/conformance; this keeps the evaluator's own suite honest about real modules. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "npy.h"
#include "npy_literal.h"
#include "tb.h"

static const char *const cases[] = {
    "bf16_ops", "bitcast_convert", "compare_select", "concatenate", "cond", "convert_sat",
    "dot_general_odd", "dot_int", "dynamic_update_slice", "int_arith", "int_shift_oob",
    "model_mlp", "nan_inf", "pad", "reduce_int_bool", "reduce_max_min", "switch", "top_k",
    "transpose", "tuple_outputs", "while_dynamic", "argmax",
};

static double case_tolerance(const char *dir) {
    char path[1100];
    snprintf(path, sizeof path, "%s/case.json", dir);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char buf[512] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *t = strstr(buf, "\"tolerance\":");
    return t ? strtod(t + 12, NULL) : 1e-5;
}

static hloc_literal *load_npy(hloc_arena *a, const char *dir, const char *name, int k,
                              const hloc_shape *shape) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s%d.npy", dir, name, k);
    hloc_npy_array npy;
    hloc_status *st = hloc_npy_read(path, &npy);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    hloc_literal *l = NULL;
    st = hloc_literal_from_npy(a, &npy, shape, path, &l);
    hloc_npy_free(&npy);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    return l;
}

static void compare(const char *what, const hloc_literal *got, const hloc_literal *want, double tol) {
    int64_t n = hloc_shape_elements(&want->shape);
    hloc_type t = want->shape.type;
    if (!hloc_type_is_float(t) && !hloc_type_is_complex(t)) {
        ck_assert_msg(memcmp(got->data, want->data, hloc_shape_bytes(&want->shape)) == 0,
                      "%s: integers differ", what);
        return;
    }
    if (t == HLOC_TYPE_BF16 && tol < 8e-3) tol = 8e-3; /* bf16 rounding alone */
    if (t == HLOC_TYPE_F16 && tol < 1e-3) tol = 1e-3;
    double scale = 1;
    for (int64_t k = 0; k < n; k++) {
        double w = hloc_literal_get_f64(want, k);
        if (isfinite(w) && fabs(w) > scale) scale = fabs(w);
    }
    for (int64_t k = 0; k < n; k++) {
        double g = hloc_literal_get_f64(got, k), w = hloc_literal_get_f64(want, k);
        if (!isfinite(w) || !isfinite(g)) {
            ck_assert_msg((isnan(g) && isnan(w)) || g == w, "%s[%lld]: got %g, want %g", what,
                          (long long)k, g, w);
            continue;
        }
        ck_assert_msg(fabs(g - w) / scale <= tol, "%s[%lld]: got %.9g, want %.9g (tolerance %g)",
                      what, (long long)k, g, w, tol);
    }
}

static void run_case(const char *name, const char *file) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/cases/%s", data, name);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_file(path, &m);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    hloc_arena *a = hloc_arena_create();
    uint32_t n = m->entry->n_params;
    const hloc_literal **args = calloc(n ? n : 1, sizeof *args);
    ck_assert_ptr_nonnull(args);
    for (uint32_t k = 0; k < n; k++) args[k] = load_npy(a, dir, "in", (int)k, &m->entry->params[k]->shape);
    hloc_literal *r = NULL;
    st = hloc_evaluate(m, args, n, NULL, a, &r);
    ck_assert_msg(st == NULL, "%s: %s", path, hloc_status_message(st));
    const hloc_literal *leaves[64];
    uint32_t nl = hloc_literal_leaves(r, leaves, 64);
    ck_assert_uint_le(nl, 64);
    double tol = case_tolerance(dir);
    for (uint32_t k = 0; k < nl; k++) {
        hloc_literal *want = load_npy(a, dir, "out", (int)k, &leaves[k]->shape);
        char what[1200];
        snprintf(what, sizeof what, "%s out%u", path, k);
        compare(what, leaves[k], want, tol);
    }
    free(args);
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
}

START_TEST(test_case_model) { run_case(cases[_i], "model.hlo"); }
END_TEST

START_TEST(test_case_xla_opt) { run_case(cases[_i], "xla_opt.hlo"); }
END_TEST

Suite *eval_corpus_suite(void) {
    Suite *s = suite_create("eval_corpus");
    TCase *tc = tcase_create("cases");
    int n = (int)(sizeof cases / sizeof cases[0]);
    tcase_add_loop_test(tc, test_case_model, 0, n);
    tcase_add_loop_test(tc, test_case_xla_opt, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
