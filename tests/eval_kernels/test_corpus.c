/* The kernels against XLA:CPU itself: corpus cases whose entry root is one kernel applied to
 * parameters and constants (or a tuple of its get-tuple-elements) run that kernel alone on the
 * case's inputs, and each output must match the case's within 1e-4 of max(1, max |want|). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kb.h"
#include "npy.h"
#include "npy_literal.h"
#include "suites.h"

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
    hloc_eval ev = {.module = m, .arena = m->arena};
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
    hloc_module_destroy(m);
}
END_TEST

Suite *corpus_suite(void) {
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("xla_outputs");
    tcase_add_loop_test(tc, test_corpus_case, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
