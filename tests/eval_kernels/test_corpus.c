/* The kernels against XLA:CPU itself: corpus cases whose entry root is one kernel applied to
 * parameters and constants (or a tuple of its get-tuple-elements) run that kernel alone on the
 * case's inputs, and each output must match the case's within 1e-4 of max(1, max |want|); cases
 * built around a kernel run whole through the evaluator; every kernel instruction of the corpus
 * must be accepted; errors carry the instruction's position. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval.h"
#include "kb.h"
#include "npy.h"
#include "npy_literal.h"
#include "suites.h"
#include "verify.h"

typedef hloc_status *(*kernel_fn)(hloc_eval *, const hloc_instr *, const hloc_literal *const *,
                                  hloc_literal *);

static kernel_fn kernel_of(hloc_opcode op) {
    switch (op) {
    case HLOC_OP_CONVOLUTION:
        return hloc_eval_convolution;
    case HLOC_OP_REDUCE_WINDOW:
        return hloc_eval_reduce_window;
    case HLOC_OP_TOPK:
        return hloc_eval_topk;
    default:
        return NULL;
    }
}

static const char *const cases[] = {"conv_1d",        "conv_depthwise", "conv_dilated",
                                    "conv_nchw",      "conv_same",      "conv_stride_valid",
                                    "conv_transpose", "maxpool",        "reduce_window_dilated",
                                    "top_k"};

static void check_ok(hloc_status *st) { ck_assert_msg(!st, "%s", hloc_status_message(st)); }

START_TEST(test_corpus_case) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/cases/%s/model.hlo", data, cases[_i]);
    hloc_module *m;
    check_ok(hloc_module_parse_file(path, &m));
    const hloc_instr *root = m->entry->root, *tuple = NULL;
    if (root->op == HLOC_OP_TUPLE) {
        tuple = root;
        root = tuple->operands[0]->operands[0];
    }
    kernel_fn fn = kernel_of(root->op);
    ck_assert_msg(fn != NULL, "%s: root is %s", cases[_i], hloc_opcode_name(root->op));
    hloc_eval ev = {0};
    ck_assert(hloc_eval_init(&ev, m, NULL, m->arena));
    hloc_literal *ops[8];
    hloc_npy_array arr;
    ck_assert_uint_le(root->n_operands, 8);
    for (uint32_t k = 0; k < root->n_operands; k++) {
        const hloc_instr *x = root->operands[k];
        if (x->op == HLOC_OP_CONSTANT) {
            ops[k] = x->attrs->literal;
            continue;
        }
        ck_assert_int_eq(x->op, HLOC_OP_PARAMETER);
        snprintf(path, sizeof path, "%s/cases/%s/in%lld.npy", data, cases[_i],
                 (long long)x->attrs->index);
        check_ok(hloc_npy_read(path, &arr));
        check_ok(hloc_literal_from_npy(m->arena, &arr, &x->shape, x->name, &ops[k]));
        hloc_npy_free(&arr);
    }
    hloc_literal *out = hloc_literal_create(m->arena, &root->shape);
    check_ok(fn(&ev, root, (const hloc_literal *const *)ops, out));
    uint32_t n_out = tuple ? tuple->n_operands : 1;
    for (uint32_t k = 0; k < n_out; k++) {
        const hloc_literal *got = out;
        if (tuple) {
            const hloc_instr *g = tuple->operands[k];
            ck_assert(g->op == HLOC_OP_GET_TUPLE_ELEMENT && g->operands[0] == root);
            got = &out->elems[g->attrs->index];
        }
        snprintf(path, sizeof path, "%s/cases/%s/out%u.npy", data, cases[_i], k);
        hloc_literal *want;
        check_ok(hloc_npy_read(path, &arr));
        check_ok(hloc_literal_from_npy(m->arena, &arr, &got->shape, "output", &want));
        hloc_npy_free(&arr);
        int64_t n = hloc_shape_elements(&got->shape);
        double err = 0, scale = 1;
        for (int64_t e = 0; e < n; e++) {
            double w = hloc_literal_get_f64(want, e), v = hloc_literal_get_f64(got, e);
            if (fabs(w) > scale) scale = fabs(w);
            if (fabs(v - w) > err) err = fabs(v - w);
        }
        ck_assert_msg(err / scale <= 1e-4, "%s output %u: relative error %g", cases[_i], k,
                      err / scale);
    }
    hloc_eval_fini(&ev);
    hloc_module_destroy(m);
}
END_TEST

/* Small pseudo-random values: indices stray out of bounds on both sides, floats in [-1, 1]. */
static void fill_random(hloc_literal *l, uint64_t *seed) {
    int64_t n = hloc_shape_elements(&l->shape);
    hloc_type t = l->shape.type;
    for (int64_t e = 0; e < n; e++) {
        *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t r = (uint32_t)(*seed >> 33);
        void *p = hloc_literal_at(l, e);
        if (t == HLOC_TYPE_PRED)
            hloc_elem_store_i64(t, p, r & 1);
        else if (hloc_type_is_int(t))
            hloc_elem_store_i64(t, p, (int64_t)(r % 9) - 2);
        else
            hloc_elem_store_c128(t, p, r / 2147483648.0 - 1, (r % 1000) / 500.0 - 1);
    }
}

static int run_all_kernels(const char *path, double *seconds) {
    hloc_module *m;
    hloc_status *st = hloc_module_parse_file(path, &m);
    if (st) { /* some XLA test files hold non-HLO text; the parser's tests cover them */
        hloc_status_free(st);
        return 0;
    }
    int n_run = 0;
    uint64_t seed = 42;
    hloc_eval ev = {0};
    ck_assert(hloc_eval_init(&ev, m, NULL, m->arena));
    for (uint32_t c = 0; c < m->n_comps; c++)
        for (uint32_t k = 0; k < m->comps[c]->n_instrs; k++) {
            const hloc_instr *i = m->comps[c]->instrs[k];
            kernel_fn fn = kernel_of(i->op);
            if (!fn || i->n_operands > 16) continue;
            hloc_literal *ops[16];
            bool arrays = true;
            for (uint32_t j = 0; j < i->n_operands && arrays; j++) {
                const hloc_shape *s = &i->operands[j]->shape;
                arrays = hloc_shape_is_array(s) && hloc_shape_is_static(s);
                if (!arrays) break;
                ops[j] = hloc_literal_create(m->arena, s);
                ck_assert_ptr_nonnull(ops[j]);
                fill_random(ops[j], &seed);
            }
            if (!arrays || !hloc_shape_is_static(&i->shape)) continue;
            /* XLA's own lit tests include shapes its verifier would reject (import.hlo's 3x3
             * window over a 2x2 kernel); the evaluator only ever sees verified modules */
            hloc_diag diag;
            hloc_diag_init(&diag, path, NULL, 0);
            hloc_shape inferred;
            bool valid = hloc_infer_shape(i, m->arena, &inferred, &diag) &&
                         hloc_shape_equal_ignoring_layout(&inferred, &i->shape);
            hloc_diag_free(&diag);
            if (!valid) continue;
            hloc_literal *out = hloc_literal_create(m->arena, &i->shape);
            ck_assert_ptr_nonnull(out);
            clock_t t0 = clock();
            st = fn(&ev, i, (const hloc_literal *const *)ops, out);
            *seconds += (double)(clock() - t0) / CLOCKS_PER_SEC;
            ck_assert_msg(!st, "%s: %s", path, hloc_status_message(st));
            n_run++;
        }
    hloc_eval_fini(&ev);
    hloc_module_destroy(m);
    return n_run;
}

/* Every kernel instruction in the corpus (JAX cases before and after XLA's pipeline, the perf
 * workloads, XLA's own test files) is accepted by its kernel on arbitrary inputs: the kernels'
 * checks must not reject anything XLA produces. */
START_TEST(test_corpus_all_kernels) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    static const char *const dirs[] = {"cases", "perf", "xla-hlo"};
    int n_run = 0;
    double seconds = 0;
    char path[2048];
    for (int d = 0; d < 3; d++) {
        snprintf(path, sizeof path, "%s/%s", data, dirs[d]);
        DIR *dir = opendir(path);
        ck_assert_ptr_nonnull(dir);
        struct dirent *de;
        while ((de = readdir(dir))) {
            if (de->d_name[0] == '.') continue;
            if (d == 0) {
                static const char *const files[] = {"model.hlo", "xla_opt.hlo"};
                for (int f = 0; f < 2; f++) {
                    snprintf(path, sizeof path, "%s/cases/%s/%s", data, de->d_name, files[f]);
                    n_run += run_all_kernels(path, &seconds);
                }
            } else if (strstr(de->d_name, ".hlo")) {
                snprintf(path, sizeof path, "%s/%s/%s", data, dirs[d], de->d_name);
                n_run += run_all_kernels(path, &seconds);
            }
        }
        closedir(dir);
    }
    fprintf(stderr, "corpus: %d kernel instructions in %.2fs of kernel time\n", n_run, seconds);
    ck_assert_int_gt(n_run, 80);
}
END_TEST

/* Whole cases through the evaluator whose interesting part is one of these kernels (pooling
 * gradients, scatters with negative and out-of-range indices, gathers, sorts with JAX's NaN-aware
 * comparators, cumulative reduce-windows, training convolutions), before and after XLA's
 * pipeline, against XLA:CPU's outputs with the case's tolerance. */
static const char *const module_cases[] = {
    "maxpool_grad", "scatter_add",  "scatter_set", "scatter_max_2d", "gather_2d",
    "gather_oob",   "gather_take",  "sort",        "argsort",        "sort_multi",
    "cumsum",       "avgpool_same", "conv_grad",   "model_cnn",      "model_gpt_tiny"};

static double case_tolerance(const char *data, const char *name) {
    char path[2048], buf[4096];
    snprintf(path, sizeof path, "%s/cases/%s/case.json", data, name);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *t = strstr(buf, "\"tolerance\":");
    ck_assert_ptr_nonnull(t);
    return strtod(t + strlen("\"tolerance\":"), NULL);
}

START_TEST(test_corpus_module) {
    const char *data = getenv("HLOC_TEST_DATA");
    ck_assert_msg(data != NULL, "HLOC_TEST_DATA is not set");
    const char *name = module_cases[_i / 2], *file = _i % 2 ? "xla_opt.hlo" : "model.hlo";
    double tol = case_tolerance(data, name);
    char path[2048];
    snprintf(path, sizeof path, "%s/cases/%s/%s", data, name, file);
    hloc_module *m;
    check_ok(hloc_module_parse_file(path, &m));
    hloc_arena *a = hloc_arena_create();
    const hloc_literal *args[64];
    hloc_npy_array arr;
    ck_assert_uint_le(m->entry->n_params, 64);
    for (uint32_t k = 0; k < m->entry->n_params; k++) {
        hloc_literal *l;
        snprintf(path, sizeof path, "%s/cases/%s/in%u.npy", data, name, k);
        check_ok(hloc_npy_read(path, &arr));
        check_ok(hloc_literal_from_npy(a, &arr, &m->entry->params[k]->shape, "input", &l));
        hloc_npy_free(&arr);
        args[k] = l;
    }
    hloc_literal *res;
    check_ok(hloc_evaluate(m, args, m->entry->n_params, NULL, a, &res));
    const hloc_literal *leaves[64];
    uint32_t n_leaves = hloc_literal_leaves(res, leaves, 64);
    for (uint32_t k = 0; k < n_leaves; k++) {
        hloc_literal *want;
        snprintf(path, sizeof path, "%s/cases/%s/out%u.npy", data, name, k);
        check_ok(hloc_npy_read(path, &arr));
        check_ok(hloc_literal_from_npy(a, &arr, &leaves[k]->shape, "output", &want));
        hloc_npy_free(&arr);
        double err = 0, scale = 1;
        for (int64_t e = 0; e < hloc_shape_elements(&want->shape); e++) {
            double w = hloc_literal_get_f64(want, e), g = hloc_literal_get_f64(leaves[k], e);
            if (!isfinite(w)) {
                ck_assert_msg(isnan(w) ? isnan(g) : g == w, "%s %s out%u[%lld]: %g, want %g", name,
                              file, k, (long long)e, g, w);
                continue;
            }
            ck_assert_msg(isfinite(g), "%s %s out%u[%lld]: %g", name, file, k, (long long)e, g);
            if (fabs(w) > scale) scale = fabs(w);
            if (fabs(g - w) > err) err = fabs(g - w);
        }
        ck_assert_msg(err / scale <= tol, "%s %s out%u: relative error %g > %g", name, file, k,
                      err / scale, tol);
    }
    hloc_arena_destroy(a);
    hloc_module_destroy(m);
}
END_TEST

/* A kernel's error names the file, line and column of the instruction and its name. */
START_TEST(test_error_position) {
    static const char text[] = "HloModule m\n"
                               "ENTRY e {\n"
                               "  x = f32[1,5,1] parameter(0)\n"
                               "  w = f32[2,1,1] parameter(1)\n"
                               "  ROOT c = f32[1,3,1] convolution(x, w), window={size=3}, "
                               "dim_labels=b0f_0io->b0f\n"
                               "}\n";
    hloc_module *m;
    check_ok(hloc_module_parse_text(text, sizeof text - 1, "bad.hlo", &m));
    hloc_eval ev = {0};
    ck_assert(hloc_eval_init(&ev, m, NULL, m->arena));
    const hloc_instr *root = m->entry->root;
    hloc_literal *ops[2];
    for (int k = 0; k < 2; k++)
        ops[k] = hloc_literal_create(m->arena, &root->operands[k]->shape);
    hloc_literal *out = hloc_literal_create(m->arena, &root->shape);
    hloc_status *st = hloc_eval_convolution(&ev, root, (const hloc_literal *const *)ops, out);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(strstr(hloc_status_message(st), "bad.hlo:5:8: c (convolution): window") != NULL,
                  "%s", hloc_status_message(st));
    hloc_status_free(st);
    hloc_eval_fini(&ev);
    hloc_module_destroy(m);
}
END_TEST

Suite *corpus_suite(void) {
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("xla_outputs");
    tcase_add_loop_test(tc, test_corpus_case, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_corpus_all_kernels);
    tcase_add_test(tc, test_error_position);
    tcase_add_loop_test(tc, test_corpus_module, 0,
                        2 * (int)(sizeof module_cases / sizeof module_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
