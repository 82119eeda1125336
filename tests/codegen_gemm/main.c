/* GEMM and convolution in generated code against the evaluator: dot_general in every form (plain,
 * transposed operands, batch dims anywhere, several contracting or free dims, non-default layouts,
 * vectors, tiny and odd sizes across the cache blocks), element types (f32, f64, bf16/f16 inputs,
 * bf16 results, integers) and convolutions (NHWC/HWIO with strides, padding, dilation, 1x1,
 * grouped, depthwise, other layouts). Each module runs on the cpu without a thread pool and with
 * 2 and 3 threads: results must match the evaluator within a bound on the summation error, and be
 * bit-identical across thread counts. HLOC_GEMM_RANDOM=N sets the number of random dots. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "pool.h"
#include "util.h"

/* parallel_for calls made by the 2- and 3-thread runs, so that the suites can check that the
 * products were split at all. */
static long pool_calls;

/* Runs |text| through the evaluator and the cpu (1, 2, 3 threads); |k| is the length of the sums
 * in each result element (for the error bound). Returns false with |msg| on a failure. */
static bool check_module(const char *name, const char *text, int64_t k, char *msg, size_t cap) {
    hloc_arena *arena = hloc_arena_create();
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), name, &m);
    bool ok = false;
    msg[0] = 0;
    if (st) goto done;
    const hloc_literal *args[8];
    uint32_t np = m->entry->n_params;
    if ((st = tb_random_args(m, name, 0x243f6a8885a308d3ull, arena, args, 8))) goto done;
    hloc_literal *want = NULL, *got[3] = {NULL, NULL, NULL};
    if ((st = hloc_evaluate(m, args, np, NULL, arena, &want))) goto done;
    test_pool p2 = {.n_threads = 2}, p3 = {.n_threads = 3};
    hloc_run_options o2 = test_pool_options(&p2), o3 = test_pool_options(&p3);
    const hloc_run_options *ro[3] = {NULL, &o2, &o3};
    hloc_cpu_options co = {.opt_level = 2};
    for (int r = 0; r < 3; r++)
        if ((st = hloc_cpu_run_literals_opts(m, &co, ro[r], args, np, arena, &got[r]))) goto done;
    pool_calls += p2.calls + p3.calls;
    hloc_type t = want->shape.type;
    int64_t n = hloc_shape_elements(&want->shape);
    /* Inputs are uniform in [-2, 2): a sum of k products has sum |a*b| near k (and well under 3k),
     * so it is off by at most about k * eps * 3k, plus the rounding of the result. A dropped or
     * doubled term (about 1) stands out for the sizes here. */
    double eps = t == HLOC_TYPE_F64 ? 0x1p-52 : 0x1p-23;
    double round = t == HLOC_TYPE_BF16 ? 0x1p-8 : t == HLOC_TYPE_F16 ? 0x1p-11 : eps;
    bool is_float = hloc_type_is_float(t);
    for (int64_t e = 0; e < n; e++) {
        double w = is_float ? hloc_literal_get_f64(want, e) : (double)hloc_literal_get_i64(want, e);
        double g = is_float ? hloc_literal_get_f64(got[0], e) : (double)hloc_literal_get_i64(got[0], e);
        double bound = is_float ? 3.0 * (double)k * (double)k * eps + 2 * round * fabs(w) : 0;
        if (!(fabs(g - w) <= bound)) {
            snprintf(msg, cap, "element %lld: cpu %.9g, interp %.9g (bound %.3g)", (long long)e, g, w, bound);
            goto done;
        }
    }
    size_t bytes = hloc_shape_bytes(&want->shape);
    for (int r = 1; r < 3; r++)
        if (memcmp(got[0]->data, got[r]->data, bytes)) {
            snprintf(msg, cap, "%d threads give other bits than 1", r + 1);
            goto done;
        }
    ok = true;
done:
    if (st) {
        snprintf(msg, cap, "%s", hloc_status_message(st));
        hloc_status_free(st);
    }
    hloc_module_destroy(m);
    hloc_arena_destroy(arena);
    return ok;
}

/* One dot: a, b (shapes with layouts) and the result. */
static bool check_dot(const char *name, const char *a, const char *b, const char *out, const char *dnums, int64_t k,
                      char *msg, size_t cap) {
    char text[2048];
    snprintf(text, sizeof text,
             "HloModule %s\n\nENTRY e {\n  a = %s parameter(0)\n  b = %s parameter(1)\n"
             "  ROOT d = %s dot(a, b), %s\n}\n",
             name, a, b, out, dnums);
    return check_module(name, text, k, msg, cap);
}

typedef struct dot_case {
    const char *name, *a, *b, *out, *dnums;
    int64_t k;
} dot_case;

#define MK "lhs_contracting_dims={1}, rhs_contracting_dims={0}"
static const dot_case dot_cases[] = {
    {"odd", "f32[67,131]{1,0}", "f32[131,45]{1,0}", "f32[67,45]{1,0}", MK, 131},
    {"row_vector", "f32[1,1000]{1,0}", "f32[1000,513]{1,0}", "f32[1,513]{1,0}", MK, 1000},
    {"blocks", "f32[200,600]{1,0}", "f32[600,530]{1,0}", "f32[200,530]{1,0}", MK, 600},
    {"tiny", "f32[3,5]{1,0}", "f32[5,2]{1,0}", "f32[3,2]{1,0}", MK, 5},
    {"edge_mn", "f32[13,40]{1,0}", "f32[40,49]{1,0}", "f32[13,49]{1,0}", MK, 40},
    {"k1", "f32[64,1]{1,0}", "f32[1,64]{1,0}", "f32[64,64]{1,0}", MK, 1},
    {"trans_a", "f32[70,50]{1,0}", "f32[70,90]{1,0}", "f32[50,90]{1,0}",
     "lhs_contracting_dims={0}, rhs_contracting_dims={0}", 70},
    {"trans_b", "f32[50,70]{1,0}", "f32[90,70]{1,0}", "f32[50,90]{1,0}",
     "lhs_contracting_dims={1}, rhs_contracting_dims={1}", 70},
    {"trans_ab", "f32[70,50]{1,0}", "f32[90,70]{1,0}", "f32[50,90]{1,0}",
     "lhs_contracting_dims={0}, rhs_contracting_dims={1}", 70},
    {"col_major", "f32[50,70]{0,1}", "f32[70,90]{0,1}", "f32[50,90]{0,1}", MK, 70},
    {"out_col_major", "f32[50,70]{1,0}", "f32[70,90]{1,0}", "f32[50,90]{0,1}", MK, 70},
    {"batch", "f32[3,40,60]{2,1,0}", "f32[3,60,33]{2,1,0}", "f32[3,40,33]{2,1,0}",
     "lhs_batch_dims={0}, lhs_contracting_dims={2}, rhs_batch_dims={0}, rhs_contracting_dims={1}", 60},
    {"batch_mid", "f32[40,3,60]{2,1,0}", "f32[60,33,3]{2,1,0}", "f32[3,40,33]{2,1,0}",
     "lhs_batch_dims={1}, lhs_contracting_dims={2}, rhs_batch_dims={2}, rhs_contracting_dims={0}", 60},
    {"two_batch", "f32[2,3,20,30]{3,2,1,0}", "f32[2,3,30,40]{3,2,1,0}", "f32[2,3,20,40]{3,2,1,0}",
     "lhs_batch_dims={0,1}, lhs_contracting_dims={3}, rhs_batch_dims={0,1}, rhs_contracting_dims={2}", 30},
    {"two_contract", "f32[40,6,10]{2,1,0}", "f32[6,10,50]{2,1,0}", "f32[40,50]{1,0}",
     "lhs_contracting_dims={1,2}, rhs_contracting_dims={0,1}", 60},
    {"two_contract_swapped", "f32[40,6,10]{2,1,0}", "f32[6,10,50]{2,1,0}", "f32[40,50]{1,0}",
     "lhs_contracting_dims={2,1}, rhs_contracting_dims={1,0}", 60},
    {"two_free", "f32[4,30,64]{2,1,0}", "f32[64,20,5]{2,1,0}", "f32[4,30,20,5]{3,2,1,0}",
     "lhs_contracting_dims={2}, rhs_contracting_dims={0}", 64},
    {"two_free_k_major", "f32[64,4,30]{2,1,0}", "f32[64,40]{1,0}", "f32[4,30,40]{2,1,0}",
     "lhs_contracting_dims={0}, rhs_contracting_dims={0}", 64},
    {"matvec", "f32[100,300]{1,0}", "f32[300]{0}", "f32[100]{0}", MK, 300},
    {"vecmat", "f32[300]{0}", "f32[300,100]{1,0}", "f32[100]{0}",
     "lhs_contracting_dims={0}, rhs_contracting_dims={0}", 300},
    {"outer", "f32[40]{0}", "f32[50]{0}", "f32[40,50]{1,0}", "lhs_contracting_dims={}, rhs_contracting_dims={}", 1},
    {"f64", "f64[67,131]{1,0}", "f64[131,45]{1,0}", "f64[67,45]{1,0}", MK, 131},
    {"f64_blocks", "f64[150,300]{1,0}", "f64[300,130]{1,0}", "f64[150,130]{1,0}", MK, 300},
    {"bf16_in", "bf16[60,80]{1,0}", "bf16[80,70]{1,0}", "f32[60,70]{1,0}", MK, 80},
    {"f16_f32_in", "f16[60,80]{1,0}", "f32[80,70]{1,0}", "f32[60,70]{1,0}", MK, 80},
    {"f32_in_f64_out", "f32[60,80]{1,0}", "f32[80,70]{1,0}", "f64[60,70]{1,0}", MK, 80},
    {"bf16_out", "bf16[60,80]{1,0}", "bf16[80,70]{1,0}", "bf16[60,70]{1,0}", MK, 80},
    {"s32", "s32[30,40]{1,0}", "s32[40,50]{1,0}", "s32[30,50]{1,0}", MK, 40},
    {"big_batch", "f32[12,64,64]{2,1,0}", "f32[12,64,64]{2,1,0}", "f32[12,64,64]{2,1,0}",
     "lhs_batch_dims={0}, lhs_contracting_dims={2}, rhs_batch_dims={0}, rhs_contracting_dims={1}", 64},
    {"short_wide", "f32[16,256]{1,0}", "f32[256,1024]{1,0}", "f32[16,1024]{1,0}", MK, 256},
    /* widths that take AVX-512's 6x64 and 12x32 tiles (products of 0.15 GFLOP and more), with
     * short row tiles and K split */
    {"n64_split_k", "f32[1699,700]{1,0}", "f32[700,64]{1,0}", "f32[1699,64]{1,0}", MK, 700},
    {"n32_split_k", "f32[3359,700]{1,0}", "f32[700,32]{1,0}", "f32[3359,32]{1,0}", MK, 700},
};

START_TEST(test_dot_forms) {
    int failed = 0;
    pool_calls = 0;
    for (size_t q = 0; q < sizeof dot_cases / sizeof *dot_cases; q++) {
        const dot_case *d = &dot_cases[q];
        char msg[1024];
        if (!check_dot(d->name, d->a, d->b, d->out, d->dnums, d->k, msg, sizeof msg)) {
            printf("FAIL dot %s: %s\n", d->name, msg);
            fflush(stdout);
            failed++;
        }
    }
    ck_assert_int_eq(failed, 0);
    ck_assert_msg(pool_calls > 0, "no product ran on the thread pool");
}
END_TEST

static uint64_t rnd(uint64_t *s) {
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

/* Random sizes, operand orientations, batch and types. */
START_TEST(test_dot_random) {
    const char *env = getenv("HLOC_GEMM_RANDOM");
    int n = env ? atoi(env) : 24, failed = 0;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    static const char *const types[][3] = {{"f32", "f32", "f32"}, {"f32", "f32", "f32"}, {"f64", "f64", "f64"},
                                           {"bf16", "bf16", "f32"}, {"f16", "f32", "f32"}};
    for (int q = 0; q < n; q++) {
        int64_t m = 1 + (int64_t)(rnd(&s) % 150), nn = 1 + (int64_t)(rnd(&s) % 150), k = 1 + (int64_t)(rnd(&s) % 300);
        int64_t batch = rnd(&s) % 3 ? 0 : 1 + (int64_t)(rnd(&s) % 3);
        bool ta = rnd(&s) & 1, tbt = rnd(&s) & 1;
        const char *const *ty = types[rnd(&s) % 5];
        char a[128], b[128], out[128], dn[256], name[64], bp[32] = "";
        if (batch) snprintf(bp, sizeof bp, "%lld,", (long long)batch);
        const char *lay3 = "{2,1,0}", *lay2 = "{1,0}";
        const char *lay = batch ? lay3 : lay2;
        snprintf(a, sizeof a, "%s[%s%lld,%lld]%s", ty[0], bp, (long long)(ta ? k : m), (long long)(ta ? m : k), lay);
        snprintf(b, sizeof b, "%s[%s%lld,%lld]%s", ty[1], bp, (long long)(tbt ? nn : k), (long long)(tbt ? k : nn), lay);
        snprintf(out, sizeof out, "%s[%s%lld,%lld]%s", ty[2], bp, (long long)m, (long long)nn, lay);
        int o = batch ? 1 : 0;
        snprintf(dn, sizeof dn, "%slhs_contracting_dims={%d}, %srhs_contracting_dims={%d}",
                 batch ? "lhs_batch_dims={0}, " : "", o + (ta ? 0 : 1), batch ? "rhs_batch_dims={0}, " : "",
                 o + (tbt ? 1 : 0));
        snprintf(name, sizeof name, "random%d", q);
        char msg[1024];
        if (!check_dot(name, a, b, out, dn, k, msg, sizeof msg)) {
            printf("FAIL %s: %s x %s -> %s, %s: %s\n", name, a, b, out, dn, msg);
            fflush(stdout);
            failed++;
        }
    }
    ck_assert_int_eq(failed, 0);
}
END_TEST

typedef struct conv_case {
    const char *name, *in, *kernel, *out, *attrs;
    int64_t k;
} conv_case;

static const conv_case conv_cases[] = {
    {"nhwc_3x3_same", "f32[2,12,12,16]{3,2,1,0}", "f32[3,3,16,24]{3,2,1,0}", "f32[2,12,12,24]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f", 144},
    {"nhwc_1x1", "f32[2,10,10,32]{3,2,1,0}", "f32[1,1,32,40]{3,2,1,0}", "f32[2,10,10,40]{3,2,1,0}",
     "window={size=1x1}, dim_labels=b01f_01io->b01f", 32},
    {"nhwc_stride2", "f32[1,15,17,8]{3,2,1,0}", "f32[3,3,8,20]{3,2,1,0}", "f32[1,7,8,20]{3,2,1,0}",
     "window={size=3x3 stride=2x2}, dim_labels=b01f_01io->b01f", 72},
    {"nhwc_dilated_pad", "f32[1,14,14,8]{3,2,1,0}", "f32[3,3,8,16]{3,2,1,0}", "f32[1,14,14,16]{3,2,1,0}",
     "window={size=3x3 pad=2_2x2_2 rhs_dilate=2x2}, dim_labels=b01f_01io->b01f", 72},
    {"nhwc_asym_pad", "f32[2,9,11,6]{3,2,1,0}", "f32[2,4,6,10]{3,2,1,0}", "f32[2,10,10,10]{3,2,1,0}",
     "window={size=2x4 pad=1_1x0_2}, dim_labels=b01f_01io->b01f", 48},
    {"grouped", "f32[1,8,8,16]{3,2,1,0}", "f32[3,3,4,32]{3,2,1,0}", "f32[1,8,8,32]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f, feature_group_count=4", 36},
    {"depthwise", "f32[2,10,10,24]{3,2,1,0}", "f32[3,3,1,24]{3,2,1,0}", "f32[2,10,10,24]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f, feature_group_count=24", 9},
    {"depthwise_mult2", "f32[1,9,9,8]{3,2,1,0}", "f32[3,3,1,16]{3,2,1,0}", "f32[1,5,5,16]{3,2,1,0}",
     "window={size=3x3 stride=2x2 pad=1_1x1_1}, dim_labels=b01f_01io->b01f, feature_group_count=8", 9},
    {"nchw", "f32[2,8,10,10]{3,2,1,0}", "f32[16,8,3,3]{3,2,1,0}", "f32[2,16,8,8]{3,2,1,0}",
     "window={size=3x3}, dim_labels=bf01_oi01->bf01", 72},
    {"conv1d", "f32[3,50,12]{2,1,0}", "f32[5,12,20]{2,1,0}", "f32[3,46,20]{2,1,0}",
     "window={size=5}, dim_labels=b0f_0io->b0f", 60},
    {"lhs_dilate", "f32[1,6,6,4]{3,2,1,0}", "f32[3,3,4,8]{3,2,1,0}", "f32[1,11,11,8]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1 lhs_dilate=2x2}, dim_labels=b01f_01io->b01f", 36},
    {"f64_nhwc", "f64[1,10,10,8]{3,2,1,0}", "f64[3,3,8,12]{3,2,1,0}", "f64[1,8,8,12]{3,2,1,0}",
     "window={size=3x3}, dim_labels=b01f_01io->b01f", 72},
    {"bf16_nhwc", "bf16[1,10,10,8]{3,2,1,0}", "bf16[3,3,8,12]{3,2,1,0}", "bf16[1,8,8,12]{3,2,1,0}",
     "window={size=3x3}, dim_labels=b01f_01io->b01f", 72},
    {"big_nhwc", "f32[1,30,30,32]{3,2,1,0}", "f32[3,3,32,64]{3,2,1,0}", "f32[1,30,30,64]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f", 288},
    /* Packed rows converted from bf16; K in several blocks (rows packed tap run by tap run). */
    {"bf16_in_f32_out", "bf16[2,9,9,8]{3,2,1,0}", "bf16[3,3,8,20]{3,2,1,0}", "f32[2,9,9,20]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f", 72},
    {"nhwc_split_k", "f32[2,11,12,72]{3,2,1,0}", "f32[3,3,72,24]{3,2,1,0}", "f32[2,11,12,24]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f", 648},
    {"nhwc_rgb_stem", "f32[2,16,16,3]{3,2,1,0}", "f32[3,3,3,32]{3,2,1,0}", "f32[2,16,16,32]{3,2,1,0}",
     "window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f", 27},
};

START_TEST(test_conv_forms) {
    int failed = 0;
    pool_calls = 0;
    for (size_t q = 0; q < sizeof conv_cases / sizeof *conv_cases; q++) {
        const conv_case *d = &conv_cases[q];
        char text[2048], msg[1024];
        snprintf(text, sizeof text,
                 "HloModule %s\n\nENTRY e {\n  x = %s parameter(0)\n  w = %s parameter(1)\n"
                 "  ROOT c = %s convolution(x, w), %s\n}\n",
                 d->name, d->in, d->kernel, d->out, d->attrs);
        if (!check_module(d->name, text, d->k, msg, sizeof msg)) {
            printf("FAIL conv %s: %s\n", d->name, msg);
            fflush(stdout);
            failed++;
        }
    }
    ck_assert_int_eq(failed, 0);
    ck_assert_msg(pool_calls > 0, "no convolution ran on the thread pool");
}
END_TEST

int main(void) {
    Suite *s = suite_create("codegen_gemm");
    TCase *tc = tcase_create("gemm");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_dot_forms);
    tcase_add_test(tc, test_dot_random);
    tcase_add_test(tc, test_conv_forms);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
