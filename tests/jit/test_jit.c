/* The JIT C API (include/hloc/jit.h): compile and run, errors as statuses, HLOC_FLAGS, and
 * several threads compiling and running at once. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/jit.h"

static const char *const add_mul =
    "HloModule add_mul\n"
    "ENTRY main {\n"
    "  a = f32[2,3] parameter(0)\n"
    "  b = f32[2,3] parameter(1)\n"
    "  s = f32[2,3] add(a, b)\n"
    "  one = f32[] constant(1)\n"
    "  ob = f32[2,3] broadcast(one), dimensions={}\n"
    "  m = f32[2,3] multiply(s, ob)\n"
    "  r = f32[3] reduce(m, one), dimensions={0}, to_apply=sum\n"
    "  ROOT t = (f32[2,3], f32[3]) tuple(m, r)\n"
    "}\n"
    "sum {\n"
    "  x = f32[] parameter(0)\n"
    "  y = f32[] parameter(1)\n"
    "  ROOT z = f32[] add(x, y)\n"
    "}\n";

static void run_add_mul(hloc_jit_module *m, float offset) {
    float a[6], b[6], out[6], red[3];
    for (int k = 0; k < 6; k++) a[k] = (float)k + offset, b[k] = 10.0f * (float)k;
    uint32_t f32 = hloc_runtime_type_code("f32");
    hloc_buffer params[2] = {{a, sizeof a, f32}, {b, sizeof b, f32}};
    hloc_buffer results[2] = {{out, sizeof out, f32}, {red, sizeof red, f32}};
    hloc_status *st = hloc_jit_run(m, params, 2, results, 2);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    for (int k = 0; k < 6; k++) ck_assert_float_eq(out[k], 11.0f * (float)k + offset);
    for (int c = 0; c < 3; c++) ck_assert_float_eq(red[c], 1.0f + out[c] + out[c + 3]);
}

START_TEST(compile_and_run) {
    hloc_jit_options o;
    ck_assert(!hloc_jit_options_init(&o));
    hloc_jit_module *m = NULL;
    hloc_status *st = hloc_jit_compile_text(add_mul, strlen(add_mul), "add_mul.hlo", &o, &m);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    const hloc_module_metadata *md = hloc_executable_metadata(hloc_jit_executable(m));
    ck_assert_uint_eq(md->n_params, 2);
    ck_assert_uint_eq(md->n_results, 2);
    run_add_mul(m, 0.5f);
    hloc_jit_destroy(m);
    /* NULL options: the defaults */
    st = hloc_jit_compile_text(add_mul, strlen(add_mul), NULL, NULL, &m);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    run_add_mul(m, -2.0f);
    hloc_jit_destroy(m);
}
END_TEST

START_TEST(errors_are_statuses) {
    hloc_jit_module *m = (hloc_jit_module *)1;
    const char *bad = "HloModule x\nENTRY e {\n  p = f32[2] parameter(0)\n  ROOT a = f32[2] add(p, q)\n}\n";
    hloc_status *st = hloc_jit_compile_text(bad, strlen(bad), "bad.hlo", NULL, &m);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "bad.hlo:4:"), "%s", hloc_status_message(st));
    hloc_status_free(st);
    st = hloc_jit_compile_file("/nonexistent/model.hlo", NULL, &m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_NOT_FOUND);
    ck_assert(strstr(hloc_status_message(st), "/nonexistent/model.hlo"));
    hloc_status_free(st);
    /* ill-typed: verified before compiling */
    const char *ill = "HloModule x\nENTRY e {\n  p = f32[2] parameter(0)\n  q = s32[2] parameter(1)\n"
                      "  ROOT a = f32[2] add(p, q)\n}\n";
    st = hloc_jit_compile_text(ill, strlen(ill), "ill.hlo", NULL, &m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    /* wrong buffer size: named, nothing run */
    st = hloc_jit_compile_text(add_mul, strlen(add_mul), NULL, NULL, &m);
    ck_assert(!st);
    float a[6] = {0}, b[5] = {0}, out[6], red[3];
    uint32_t f32 = hloc_runtime_type_code("f32");
    hloc_buffer params[2] = {{a, sizeof a, f32}, {b, sizeof b, f32}};
    hloc_buffer results[2] = {{out, sizeof out, f32}, {red, sizeof red, f32}};
    st = hloc_jit_run(m, params, 2, results, 2);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "parameter 1"), "%s", hloc_status_message(st));
    hloc_status_free(st);
    st = hloc_jit_run(m, params, 1, results, 2);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    hloc_jit_destroy(m);
}
END_TEST

/* check forks a process per test, so each test sees HLOC_FLAGS read afresh. */
START_TEST(flags_from_environment) {
    setenv("HLOC_FLAGS", "--threads=2 -O1 --cpu=x86-64-v3 --passes=dce,cse --verify-each", 1);
    hloc_jit_options o;
    ck_assert(!hloc_jit_options_init(&o));
    ck_assert_int_eq(o.threads, 2);
    ck_assert_int_eq(o.opt_level, 1);
    ck_assert_str_eq(o.cpu, "x86-64-v3");
    ck_assert_str_eq(o.passes, "dce,cse");
    ck_assert_int_eq(o.verify_each, 1);
    hloc_jit_module *m = NULL;
    hloc_status *st = hloc_jit_compile_text(add_mul, strlen(add_mul), NULL, &o, &m);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    run_add_mul(m, 1.0f);
    hloc_jit_destroy(m);
}
END_TEST

START_TEST(bad_flag_in_environment) {
    setenv("HLOC_FLAGS", "-O2 --frobnicate", 1);
    hloc_jit_options o;
    hloc_status *st = hloc_jit_options_init(&o);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert(strstr(hloc_status_message(st), "--frobnicate"));
    hloc_status_free(st);
    ck_assert_int_eq(o.opt_level, 2);
}
END_TEST

static void *worker(void *arg) {
    float offset = (float)(intptr_t)arg;
    for (int rep = 0; rep < 3; rep++) {
        hloc_jit_module *m = NULL;
        hloc_status *st = hloc_jit_compile_text(add_mul, strlen(add_mul), NULL, NULL, &m);
        if (st) return st;
        run_add_mul(m, offset);
        hloc_jit_destroy(m);
    }
    return NULL;
}

START_TEST(threads_compile_and_run_at_once) {
    pthread_t t[4];
    for (intptr_t k = 0; k < 4; k++) ck_assert_int_eq(pthread_create(&t[k], NULL, worker, (void *)k), 0);
    for (int k = 0; k < 4; k++) {
        void *r = NULL;
        pthread_join(t[k], &r);
        ck_assert_msg(!r, "%s", hloc_status_message(r));
    }
}
END_TEST

int main(void) {
    unsetenv("HLOC_FLAGS");
    Suite *s = suite_create("jit");
    TCase *t = tcase_create("api");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, compile_and_run);
    tcase_add_test(t, errors_are_statuses);
    tcase_add_test(t, flags_from_environment);
    tcase_add_test(t, bad_flag_in_environment);
    tcase_add_test(t, threads_compile_and_run_at_once);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
