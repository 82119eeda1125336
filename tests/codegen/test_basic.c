/* The end-to-end path on f32/s32: elementwise ops with broadcast, reduce, dot, tuple results,
 * XLA's integer and convert edge cases, metadata. Expected values are worked by hand. */
#include <complex.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "status.h"
#include "suites.h"
#include "util.h"

START_TEST(test_add_mul_broadcast) {
    /* (a + b) * broadcast(2) */
    tb b = tb_new("axpy");
    int64_t d[] = {4};
    hloc_instr *a = tb_param(&b, 0, HLOC_TYPE_F32, 1, d), *x = tb_param(&b, 1, HLOC_TYPE_F32, 1, d);
    hloc_instr *two = tb_const_f32(&b, 2.0f);
    hloc_shape s = tb_shape(HLOC_TYPE_F32, 1, d);
    hloc_instr *bc = tb_op(&b, HLOC_OP_BROADCAST, &s, 1, &two);
    hloc_instr *sum = tb_bin(&b, HLOC_OP_ADD, a, x);
    tb_finish(&b, tb_bin(&b, HLOC_OP_MULTIPLY, sum, bc));
    float pa[4] = {1, 2, 3, 4}, px[4] = {10, 20, 30, -4}, out[4] = {0};
    void *params[] = {pa, px}, *results[] = {out};
    tb_run(b.m, -1, params, results);
    ck_assert_float_eq(out[0], 22);
    ck_assert_float_eq(out[1], 44);
    ck_assert_float_eq(out[2], 66);
    ck_assert_float_eq(out[3], 0);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_reduce_rows_and_all) {
    /* f32[2,3] summed over dim 1 and over both dims, as a tuple result. */
    tb b = tb_new("reduce");
    int64_t d[] = {2, 3}, r1[] = {1}, r01[] = {0, 1}, od[] = {2};
    hloc_computation *add = tb_scalar_comp(&b, "add", HLOC_OP_ADD, HLOC_TYPE_F32);
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 2, d);
    hloc_instr *zero = tb_const_f32(&b, 0.0f);
    hloc_instr *ops[2] = {p, zero};
    hloc_shape s1 = tb_shape(HLOC_TYPE_F32, 1, od), s0 = tb_shape(HLOC_TYPE_F32, 0, NULL);
    hloc_instr *rows = tb_op(&b, HLOC_OP_REDUCE, &s1, 2, ops);
    rows->attrs->dims = tb_list(&b, 1, r1);
    ck_assert(hloc_instr_add_called(rows, add));
    hloc_instr *all = tb_op(&b, HLOC_OP_REDUCE, &s0, 2, ops);
    all->attrs->dims = tb_list(&b, 2, r01);
    ck_assert(hloc_instr_add_called(all, add));
    hloc_instr *t[2] = {rows, all};
    tb_finish(&b, tb_tuple(&b, 2, t));
    float in[6] = {1, 2, 3, 4, 5, 6}, o1[2] = {0}, o0 = 0;
    void *params[] = {in}, *results[] = {o1, &o0};
    tb_run(b.m, -1, params, results);
    ck_assert_float_eq(o1[0], 6);
    ck_assert_float_eq(o1[1], 15);
    ck_assert_float_eq(o0, 21);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_dot_matmul) {
    /* [2,3] x [3,2] -> [2,2], at -O0 and -O2 */
    for (int opt = 0; opt <= 2; opt += 2) {
        tb b = tb_new("matmul");
        int64_t ld[] = {2, 3}, rd[] = {3, 2}, od[] = {2, 2}, one[] = {1}, zero[] = {0};
        hloc_instr *l = tb_param(&b, 0, HLOC_TYPE_F32, 2, ld), *r = tb_param(&b, 1, HLOC_TYPE_F32, 2, rd);
        hloc_instr *ops[2] = {l, r};
        hloc_shape s = tb_shape(HLOC_TYPE_F32, 2, od);
        hloc_instr *dot = tb_op(&b, HLOC_OP_DOT, &s, 2, ops);
        dot->attrs->dot.lhs_contracting = tb_list(&b, 1, one);
        dot->attrs->dot.rhs_contracting = tb_list(&b, 1, zero);
        tb_finish(&b, dot);
        float lv[6] = {1, 2, 3, 4, 5, 6}, rv[6] = {7, 8, 9, 10, 11, 12}, out[4] = {0};
        void *params[] = {lv, rv}, *results[] = {out};
        tb_run(b.m, opt, params, results);
        ck_assert_float_eq(out[0], 58);
        ck_assert_float_eq(out[1], 64);
        ck_assert_float_eq(out[2], 139);
        ck_assert_float_eq(out[3], 154);
        hloc_module_destroy(b.m);
    }
}
END_TEST

START_TEST(test_s32_division_edges) {
    tb b = tb_new("idiv");
    int64_t d[] = {5};
    hloc_instr *x = tb_param(&b, 0, HLOC_TYPE_S32, 1, d), *y = tb_param(&b, 1, HLOC_TYPE_S32, 1, d);
    hloc_instr *t[2] = {tb_bin(&b, HLOC_OP_DIVIDE, x, y), tb_bin(&b, HLOC_OP_REMAINDER, x, y)};
    tb_finish(&b, tb_tuple(&b, 2, t));
    int32_t xv[5] = {7, -7, INT_MIN, 5, -5}, yv[5] = {2, 2, -1, 0, 0}, q[5], r[5];
    void *params[] = {xv, yv}, *results[] = {q, r};
    tb_run(b.m, -1, params, results);
    int32_t eq[5] = {3, -3, INT_MIN, -1, -1}, er[5] = {1, -1, 0, 5, -5};
    for (int k = 0; k < 5; k++) {
        ck_assert_int_eq(q[k], eq[k]);
        ck_assert_int_eq(r[k], er[k]);
    }
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_shifts_and_convert) {
    tb b = tb_new("bits");
    int64_t d[] = {4};
    hloc_instr *x = tb_param(&b, 0, HLOC_TYPE_S32, 1, d), *n = tb_param(&b, 1, HLOC_TYPE_S32, 1, d);
    hloc_instr *f = tb_param(&b, 2, HLOC_TYPE_F32, 1, d);
    hloc_shape si = tb_shape(HLOC_TYPE_S32, 1, d);
    hloc_instr *t[4] = {tb_bin(&b, HLOC_OP_SHIFT_LEFT, x, n), tb_bin(&b, HLOC_OP_SHIFT_RIGHT_ARITHMETIC, x, n),
                        tb_bin(&b, HLOC_OP_SHIFT_RIGHT_LOGICAL, x, n), tb_op(&b, HLOC_OP_CONVERT, &si, 1, &f)};
    tb_finish(&b, tb_tuple(&b, 4, t));
    int32_t xv[4] = {1, -8, -8, 3}, nv[4] = {3, 1, 32, -1}, shl[4], sra[4], srl[4], cv[4];
    float fv[4] = {NAN, 1e10f, -1e10f, -2.7f};
    void *params[] = {xv, nv, fv}, *results[] = {shl, sra, srl, cv};
    tb_run(b.m, -1, params, results);
    ck_assert_int_eq(shl[0], 8);
    ck_assert_int_eq(sra[1], -4);
    ck_assert_int_eq(srl[1], (int32_t)(0xfffffff8u >> 1));
    ck_assert_int_eq(shl[2], 0);  /* shift by >= 32 */
    ck_assert_int_eq(sra[2], -1);
    ck_assert_int_eq(srl[2], 0);
    ck_assert_int_eq(shl[3], 0);  /* -1 is a huge unsigned shift */
    ck_assert_int_eq(cv[0], 0);   /* NaN -> 0 */
    ck_assert_int_eq(cv[1], INT_MAX);
    ck_assert_int_eq(cv[2], INT_MIN);
    ck_assert_int_eq(cv[3], -2);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_metadata) {
    tb b = tb_new("meta.data");
    int64_t d[] = {2, 3};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 2, d);
    tb_finish(&b, tb_un(&b, HLOC_OP_NEGATE, p));
    hloc_cpu_jit *j = NULL;
    hloc_status *st = tb_compile(b.m, &j);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    const hloc_module_metadata *md = hloc_cpu_jit_metadata(j);
    ck_assert_uint_eq(md->version, HLOC_ABI_VERSION);
    ck_assert_str_eq(md->name, "meta_data");
    ck_assert_uint_eq(md->n_params, 1);
    ck_assert_uint_eq(md->n_results, 1);
    ck_assert_uint_eq(md->params[0].type, HLOC_TYPE_F32);
    ck_assert_uint_eq(md->params[0].rank, 2);
    ck_assert_int_eq(md->params[0].dims[1], 3);
    ck_assert_int_eq(md->params[0].minor_to_major[0], 1);
    ck_assert_uint_eq(md->results[0].bytes, 24);
    float in[6] = {1, -2, 3, -4, 5, -6}, out[6];
    void *params[] = {in}, *results[] = {out};
    tb_call(md, params, results);
    ck_assert_float_eq(out[5], 6);
    hloc_cpu_jit_destroy(j);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_unsupported_is_an_error) {
    tb b = tb_new("rng_state");
    int64_t d[] = {2};
    hloc_shape s = tb_shape(HLOC_TYPE_U64, 1, d);
    tb_finish(&b, tb_op(&b, HLOC_OP_RNG_GET_AND_UPDATE_STATE, &s, 0, NULL));
    hloc_cpu_jit *j = NULL;
    hloc_status *st = tb_compile(b.m, &j);
    ck_assert_ptr_null(j);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_UNIMPLEMENTED);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "rng-get-and-update-state"));
    hloc_status_free(st);
    hloc_module_destroy(b.m);
}
END_TEST

static void add_one(void *out, const void **in) {
    const float *x = in[0];
    float *y = out;
    for (int k = 0; k < 4; k++) y[k] = x[k] + 1;
}

static void sum_and_max(void *out, const void **in) {
    const float *x = in[0], *z = in[1];
    float **o = out;
    o[0][0] = 0;
    o[1][0] = -INFINITY;
    for (int k = 0; k < 4; k++) {
        o[0][0] += x[k] * z[0];
        o[1][0] = fmaxf(o[1][0], x[k]);
    }
}

START_TEST(test_custom_call) {
    /* A registered target with an array result, one with a tuple result, and an unknown one. */
    tb b = tb_new("cc");
    int64_t d[] = {4};
    hloc_instr *p = tb_param(&b, 0, HLOC_TYPE_F32, 1, d), *two = tb_const_f32(&b, 2.0f);
    hloc_instr *neg = tb_un(&b, HLOC_OP_NEGATE, p);
    hloc_instr *a = tb_op(&b, HLOC_OP_CUSTOM_CALL, &p->shape, 1, &neg);
    a->attrs->custom_call_target = "add_one";
    hloc_shape sc = hloc_shape_scalar(HLOC_TYPE_F32);
    hloc_instr *pair[2] = {tb_op(&b, HLOC_OP_ABS, &sc, 1, &two), tb_op(&b, HLOC_OP_ABS, &sc, 1, &two)};
    hloc_instr *tshape = tb_tuple(&b, 2, pair);
    hloc_instr *ops[2] = {a, two};
    hloc_instr *t = tb_op(&b, HLOC_OP_CUSTOM_CALL, &tshape->shape, 2, ops);
    t->attrs->custom_call_target = "sum_and_max";
    tb_finish(&b, t);
    hloc_custom_call calls[2] = {{"add_one", add_one}, {"sum_and_max", sum_and_max}};
    hloc_cpu_options o = {.opt_level = 2, .custom_calls = calls, .n_custom_calls = 2};
    hloc_cpu_jit *j = NULL;
    hloc_status *st = hloc_cpu_jit_compile(b.m, &o, &j);
    ck_assert_msg(st == NULL, "%s", hloc_status_message(st));
    float in[4] = {1, 2, 3, -4}, sum = 0, max = 0;
    void *params[] = {in}, *results[] = {&sum, &max};
    tb_call(hloc_cpu_jit_metadata(j), params, results);
    ck_assert_float_eq(sum, 2 * (0 - 1 - 2 + 5)); /* -x + 1 = {0, -1, -2, 5}, times 2 */
    ck_assert_float_eq(max, 5);
    hloc_cpu_jit_destroy(j);
    o.n_custom_calls = 1; /* sum_and_max is now unknown */
    st = hloc_cpu_jit_compile(b.m, &o, &j);
    ck_assert_ptr_null(j);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "sum_and_max"));
    hloc_status_free(st);
    hloc_module_destroy(b.m);
}
END_TEST

START_TEST(test_complex) {
    /* z = complex(re, im); (z * w, z / w, |z|, real(z*w), z == w, dot(z, w)) on c64 */
    tb b = tb_new("cplx");
    int64_t d[] = {3};
    hloc_instr *re = tb_param(&b, 0, HLOC_TYPE_F32, 1, d), *im = tb_param(&b, 1, HLOC_TYPE_F32, 1, d);
    hloc_instr *w = tb_param(&b, 2, HLOC_TYPE_C64, 1, d);
    hloc_shape sc = tb_shape(HLOC_TYPE_C64, 1, d), sf = tb_shape(HLOC_TYPE_F32, 1, d);
    hloc_instr *zo[2] = {re, im};
    hloc_instr *z = tb_op(&b, HLOC_OP_COMPLEX, &sc, 2, zo);
    hloc_instr *mul = tb_bin(&b, HLOC_OP_MULTIPLY, z, w), *div = tb_bin(&b, HLOC_OP_DIVIDE, z, w);
    hloc_instr *abs = tb_op(&b, HLOC_OP_ABS, &sf, 1, &z);
    hloc_instr *real = tb_op(&b, HLOC_OP_REAL, &sf, 1, &mul);
    hloc_instr *eq = tb_bin(&b, HLOC_OP_COMPARE, z, w);
    eq->attrs->cmp_dir = HLOC_CMP_EQ;
    hloc_instr *dops[2] = {z, w};
    hloc_shape s0 = hloc_shape_scalar(HLOC_TYPE_C64);
    hloc_instr *dot = tb_op(&b, HLOC_OP_DOT, &s0, 2, dops);
    int64_t zero[] = {0};
    dot->attrs->dot.lhs_contracting = tb_list(&b, 1, zero);
    dot->attrs->dot.rhs_contracting = tb_list(&b, 1, zero);
    hloc_instr *t[6] = {mul, div, abs, real, eq, dot};
    tb_finish(&b, tb_tuple(&b, 6, t));
    float rv[3] = {1, -2, 3}, iv[3] = {2, 0.5f, -1};
    float complex wv[3] = {1 + 1 * I, -2 + 0.5f * I, 0.5f - 4 * I}, om[3], od[3], dv;
    float oa[3], orr[3];
    uint8_t oe[3];
    void *params[] = {rv, iv, wv}, *results[] = {om, od, oa, orr, oe, &dv};
    tb_run(b.m, -1, params, results);
    float complex acc = 0;
    for (int k = 0; k < 3; k++) {
        float complex zk = rv[k] + iv[k] * I;
        ck_assert(cabsf(om[k] - zk * wv[k]) < 1e-5f);
        ck_assert(cabsf(od[k] - zk / wv[k]) < 1e-5f);
        ck_assert(fabsf(oa[k] - cabsf(zk)) < 1e-5f);
        ck_assert(fabsf(orr[k] - crealf(zk * wv[k])) < 1e-5f);
        ck_assert_int_eq(oe[k], zk == wv[k]);
        acc += zk * wv[k];
    }
    ck_assert_int_eq(oe[1], 1);
    ck_assert(cabsf(dv - acc) < 1e-4f);
    hloc_module_destroy(b.m);
}
END_TEST

Suite *codegen_basic_suite(void) {
    Suite *s = suite_create("codegen_basic");
    TCase *tc = tcase_create("basic");
    tcase_set_timeout(tc, 850);
    tcase_add_test(tc, test_add_mul_broadcast);
    tcase_add_test(tc, test_reduce_rows_and_all);
    tcase_add_test(tc, test_dot_matmul);
    tcase_add_test(tc, test_s32_division_edges);
    tcase_add_test(tc, test_shifts_and_convert);
    tcase_add_test(tc, test_metadata);
    tcase_add_test(tc, test_unsupported_is_an_error);
    tcase_add_test(tc, test_custom_call);
    tcase_add_test(tc, test_complex);
    suite_add_tcase(s, tc);
    return s;
}
