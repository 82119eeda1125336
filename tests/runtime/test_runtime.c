/* Runtime tests against hand-written fixture modules (fixture_model.c): loading and metadata,
 * buffer validation errors, the libffi call with and without options, the thread pool.
 * (main.c sets the fixture paths from argv) */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hloc/runtime.h"
#include "suites.h"

const char *fixture_path, *fixture_bad_magic_path, *fixture_plain_path, *fixture_object_path;
const char *fixture_custom_path, *fixture_absent_path;



#define TYPE_S32 7
#define TYPE_F32 18

static hloc_executable *load_fixture(void) {
    hloc_executable *e = NULL;
    hloc_status *s = hloc_executable_load(fixture_path, &e);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    ck_assert_ptr_nonnull(e);
    return e;
}

/* Asserts |s| is an INVALID_ARGUMENT whose message contains |want|, and frees it. */
static void expect_error(hloc_status *s, hloc_status_code code, const char *want) {
    ck_assert_msg(s != NULL, "expected an error containing '%s'", want);
    ck_assert_int_eq(hloc_status_code_of(s), code);
    ck_assert_msg(strstr(hloc_status_message(s), want), "message '%s' lacks '%s'",
                  hloc_status_message(s), want);
    hloc_status_free(s);
}

typedef struct io {
    float a[6], b[6], sum[6];
    int32_t greater[2];
    hloc_buffer params[2], results[2];
} io;

static void io_init(io *t) {
    static const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0.5f, 3, 2, 4, -1, 7};
    memcpy(t->a, a, sizeof a);
    memcpy(t->b, b, sizeof b);
    for (int i = 0; i < 6; i++) t->sum[i] = -99;
    t->greater[0] = t->greater[1] = -99;
    t->params[0] = (hloc_buffer){t->a, sizeof t->a, TYPE_F32};
    t->params[1] = (hloc_buffer){t->b, sizeof t->b, TYPE_F32};
    t->results[0] = (hloc_buffer){t->sum, sizeof t->sum, TYPE_F32};
    t->results[1] = (hloc_buffer){t->greater, sizeof t->greater, TYPE_S32};
}

static void io_check(const io *t) {
    for (int i = 0; i < 6; i++) ck_assert_float_eq(t->sum[i], t->a[i] + t->b[i]);
    ck_assert_int_eq(t->greater[0], 2); /* 1>0.5, 3>2 */
    ck_assert_int_eq(t->greater[1], 1); /* 5>-1 */
}

static void io_check_untouched(const io *t) {
    for (int i = 0; i < 6; i++) ck_assert_float_eq(t->sum[i], -99);
    ck_assert_int_eq(t->greater[0], -99);
}

START_TEST(test_metadata) {
    hloc_executable *e = load_fixture();
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    ck_assert_str_eq(md->name, "fixture");
    ck_assert_str_eq(md->target, "x86_64-unknown-linux-gnu generic");
    ck_assert_uint_eq(md->n_params, 2);
    ck_assert_uint_eq(md->n_results, 2);
    ck_assert_uint_eq(md->scratch_bytes, 32);
    char buf[64];
    ck_assert_str_eq(hloc_buffer_desc_format(&md->params[0], buf, sizeof buf), "f32[2,3]");
    ck_assert_str_eq(hloc_buffer_desc_format(&md->results[1], buf, sizeof buf), "s32[2]");
    ck_assert_str_eq(md->results[1].name, "greater");
    ck_assert_uint_eq(md->results[1].bytes, 8);
    /* truncation keeps a terminated prefix */
    ck_assert_str_eq(hloc_buffer_desc_format(&md->params[0], buf, 5), "f32[");
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_run_null_options) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    hloc_status *s = hloc_executable_run(e, t.params, 2, t.results, 2, NULL);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    io_check(&t);
    hloc_executable_unload(e);
}
END_TEST

static atomic_int pf_calls;
static void counting_parallel_for(void *ctx, int64_t n, hloc_task_fn task, void *arg) {
    atomic_fetch_add(&pf_calls, 1);
    hloc_thread_pool_parallel_for(ctx, n, task, arg);
}

START_TEST(test_run_pool_and_scratch) {
    hloc_executable *e = load_fixture();
    hloc_thread_pool *pool = NULL;
    hloc_status *s = hloc_thread_pool_create(3, &pool);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    ck_assert_int_eq(hloc_thread_pool_size(pool), 3);
    hloc_run_options o;
    hloc_run_options_init(&o, pool);
    ck_assert_int_eq(o.n_threads, 3);
    o.parallel_for = counting_parallel_for;
    float *scratch = aligned_alloc(64, 64);
    memset(scratch, 0, 64);
    o.scratch = scratch;
    o.scratch_bytes = 64;
    for (int rep = 0; rep < 20; rep++) {
        io t;
        io_init(&t);
        s = hloc_executable_run(e, t.params, 2, t.results, 2, &o);
        ck_assert_msg(!s, "%s", hloc_status_message(s));
        io_check(&t);
    }
    ck_assert_int_eq(atomic_load(&pf_calls), 20);
    /* the entry staged its rows in our scratch, not its own */
    ck_assert_float_eq(scratch[3], 1);
    ck_assert_float_eq(scratch[7], 2);
    ck_assert_float_eq(scratch[0], 1.5f);
    free(scratch);
    hloc_thread_pool_destroy(pool);
    hloc_executable_unload(e);
}
END_TEST

/* One executable, one pool, four threads running it at once, each with its own buffers. */
typedef struct runner {
    hloc_executable *e;
    const hloc_run_options *opts;
    int failures;
} runner;

static void *run_many(void *vp) {
    runner *r = vp;
    for (int rep = 0; rep < 200; rep++) {
        io t;
        io_init(&t);
        t.a[rep % 6] = (float)rep;
        hloc_status *s = hloc_executable_run(r->e, t.params, 2, t.results, 2, r->opts);
        if (s) {
            hloc_status_free(s);
            r->failures++;
            continue;
        }
        for (int i = 0; i < 6; i++)
            if (t.sum[i] != t.a[i] + t.b[i]) r->failures++;
    }
    return NULL;
}

START_TEST(test_concurrent_runs) {
    hloc_executable *e = load_fixture();
    hloc_thread_pool *pool = NULL;
    hloc_status *s = hloc_thread_pool_create(2, &pool);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    hloc_run_options o;
    hloc_run_options_init(&o, pool);
    runner r[4];
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        r[k] = (runner){e, k % 2 ? &o : NULL, 0};
        ck_assert_int_eq(pthread_create(&th[k], NULL, run_many, &r[k]), 0);
    }
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        ck_assert_int_eq(r[k].failures, 0);
    }
    hloc_thread_pool_destroy(pool);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_wrong_count) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    expect_error(hloc_executable_run(e, t.params, 1, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT,
                 "fixture takes 2 parameters and 2 results, got 1 and 2");
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 3, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "got 2 and 3");
    io_check_untouched(&t);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_wrong_size) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    t.params[1].bytes = 20;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT,
                 "parameter 1 (b): expected f32[2,3] (24 bytes), got 20 bytes");
    t.params[1].bytes = 24;
    t.results[1].bytes = 16;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT,
                 "result 1 (greater): expected s32[2] (8 bytes), got 16 bytes");
    io_check_untouched(&t);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_wrong_type) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    t.results[1].type = TYPE_F32;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "result 1 (greater): expected s32[2], got f32 elements");
    t.results[1].type = TYPE_S32;
    t.params[0].type = 999;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "parameter 0 (a): expected f32[2,3], got invalid");
    io_check_untouched(&t);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_null_and_overlap) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    t.params[0].data = NULL;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "parameter 0 (a): NULL data");
    t.params[0].data = t.a;
    t.results[0].data = t.b; /* in place on a parameter: not allowed by this ABI version */
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "result 0 (sum) overlaps parameter 1 (b)");
    float big[8];
    t.results[0].data = big;
    t.results[1].data = big + 4;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, NULL),
                 HLOC_STATUS_INVALID_ARGUMENT, "result 1 (greater) overlaps result 0 (sum)");
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_bad_options) {
    hloc_executable *e = load_fixture();
    io t;
    io_init(&t);
    hloc_run_options o;
    memset(&o, 0, sizeof o);
    char expected_version[64];
    snprintf(expected_version, sizeof expected_version, "run options: version 0, expected %u",
             HLOC_ABI_VERSION);
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, &o),
                 HLOC_STATUS_INVALID_ARGUMENT, expected_version);
    hloc_run_options_init(&o, NULL);
    float *scratch = aligned_alloc(64, 64);
    o.scratch = scratch;
    o.scratch_bytes = 16;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, &o),
                 HLOC_STATUS_INVALID_ARGUMENT, "scratch of 16 bytes, the module needs 32");
    o.scratch = (char *)scratch + 4;
    o.scratch_bytes = 32;
    expect_error(hloc_executable_run(e, t.params, 2, t.results, 2, &o),
                 HLOC_STATUS_INVALID_ARGUMENT, "not 64-byte aligned");
    /* options without a pool or scratch: the calling thread and the entry's own scratch */
    o.scratch = NULL;
    o.scratch_bytes = 0;
    hloc_status *s = hloc_executable_run(e, t.params, 2, t.results, 2, &o);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    io_check(&t);
    free(scratch);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_load_errors) {
    hloc_executable *e = (hloc_executable *)&e;
    expect_error(hloc_executable_load("/nonexistent/model.so", &e), HLOC_STATUS_NOT_FOUND,
                 "/nonexistent/model.so: No such file");
    ck_assert_ptr_null(e);
    expect_error(hloc_executable_load(fixture_plain_path, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "not an hloc module (no hloc_module_info symbol)");
    expect_error(hloc_executable_load(fixture_bad_magic_path, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "not an hloc module (bad metadata magic 0x12345678)");
    char path[] = "/tmp/hloc_rt_textXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "HloModule m\n", 12), 12);
    close(fd);
    expect_error(hloc_executable_load(path, &e), HLOC_STATUS_INVALID_ARGUMENT, "cannot load");
    unlink(path);
    expect_error(hloc_executable_load("/tmp", &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "not a regular file");
    ck_assert_ptr_null(e);
}
END_TEST

/* An in-process module with many buffers, to check the order of libffi's arguments. */
static void many(const int32_t *p0, const int32_t *p1, const int32_t *p2, const int32_t *p3,
                 const int32_t *p4, int32_t *r0, int32_t *r1, int32_t *r2,
                 const hloc_run_options *o) {
    *r0 = *p0 * 10000 + *p1 * 1000 + *p2 * 100 + *p3 * 10 + *p4;
    *r1 = o ? (int32_t)o->n_threads : -1;
    *r2 = *p4 - *p0;
}

static const int64_t no_dims[1] = {0};
static hloc_buffer_desc many_params[5], many_results[3];
static hloc_module_metadata many_md;

static void many_init(void) {
    const char *pn[] = {"p0", "p1", "p2", "p3", "p4"}, *rn[] = {"r0", "r1", "r2"};
    for (int i = 0; i < 5; i++) many_params[i] = (hloc_buffer_desc){pn[i], TYPE_S32, 0, no_dims, NULL, 4};
    for (int i = 0; i < 3; i++) many_results[i] = (hloc_buffer_desc){rn[i], TYPE_S32, 0, no_dims, NULL, 4};
    many_md = (hloc_module_metadata){HLOC_ABI_MAGIC, HLOC_ABI_VERSION, "many", "host", 5, 3,
                                     many_params, many_results, 0, (void (*)(void))many, 0, NULL, NULL};
}

START_TEST(test_wrap_argument_order) {
    many_init();
    hloc_executable *e = NULL;
    hloc_status *s = hloc_executable_wrap(&many_md, &e);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    int32_t in[5] = {1, 2, 3, 4, 5}, out[3] = {0, 0, 0};
    hloc_buffer p[5], r[3];
    for (int i = 0; i < 5; i++) p[i] = (hloc_buffer){&in[i], 4, TYPE_S32};
    for (int i = 0; i < 3; i++) r[i] = (hloc_buffer){&out[i], 4, TYPE_S32};
    s = hloc_executable_run(e, p, 5, r, 3, NULL);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    ck_assert_int_eq(out[0], 12345);
    ck_assert_int_eq(out[1], -1);
    ck_assert_int_eq(out[2], 4);
    hloc_run_options o;
    hloc_run_options_init(&o, NULL);
    o.n_threads = 7;
    s = hloc_executable_run(e, p, 5, r, 3, &o);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    ck_assert_int_eq(out[1], 7);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_wrap_corrupt) {
    many_init();
    hloc_executable *e = NULL;
    many_params[2].bytes = 8;
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "many: corrupt metadata: parameter 2 (p2): 8 bytes recorded, 4 by its shape");
    many_init();
    many_results[1].type = 0;
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "result 1 (r1): unknown element type code 0");
    many_init();
    int64_t dims[2] = {2, 2}, bad_layout[2] = {1, 1};
    many_params[0] = (hloc_buffer_desc){"m", TYPE_S32, 2, dims, bad_layout, 16};
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "layout is not a permutation");
    many_init();
    int64_t huge[3] = {1ll << 40, 1ll << 40, 1ll << 40};
    many_params[0] = (hloc_buffer_desc){"h", TYPE_S32, 3, huge, NULL, 0};
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT, "overflows");
    many_init();
    static const hloc_alias_desc bad_alias = {7, 0, 0};
    many_md.n_aliases = 1;
    many_md.aliases = &bad_alias;
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT,
                 "corrupt metadata: alias 0 pairs result 7 with parameter 0");
    many_init();
    many_md.version = HLOC_ABI_VERSION + 1;
    char built[64];
    snprintf(built, sizeof built, "built for hloc ABI version %u", HLOC_ABI_VERSION + 1);
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT, built);
    many_init();
    many_md.entry = NULL;
    expect_error(hloc_executable_wrap(&many_md, &e), HLOC_STATUS_INVALID_ARGUMENT, "no entry point");
    expect_error(hloc_executable_wrap(NULL, &e), HLOC_STATUS_INVALID_ARGUMENT, "no metadata");
    ck_assert_ptr_null(e);
    /* a column-major layout is legal and printed */
    many_init();
    int64_t cm[2] = {0, 1};
    many_params[0] = (hloc_buffer_desc){"m", TYPE_S32, 2, dims, cm, 16};
    hloc_status *s = hloc_executable_wrap(&many_md, &e);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    char buf[64];
    ck_assert_str_eq(hloc_buffer_desc_format(&many_params[0], buf, sizeof buf), "s32[2,2]{0,1}");
    hloc_executable_unload(e);
}
END_TEST

START_TEST(test_types) {
    ck_assert_str_eq(hloc_runtime_type_name(TYPE_F32), "f32");
    ck_assert_str_eq(hloc_runtime_type_name(1), "pred");
    ck_assert_str_eq(hloc_runtime_type_name(0), "invalid");
    ck_assert_str_eq(hloc_runtime_type_name(100000), "invalid");
    ck_assert_uint_eq(hloc_runtime_type_code("s32"), TYPE_S32);
    ck_assert_uint_eq(hloc_runtime_type_code("bf16"), 17);
    ck_assert_uint_eq(hloc_runtime_type_code("f33"), 0);
    ck_assert_uint_eq(hloc_runtime_type_bytes(hloc_runtime_type_code("c128")), 16);
    ck_assert_uint_eq(hloc_runtime_type_bytes(hloc_runtime_type_code("s4")), 1);
}
END_TEST

Suite *loader_suite(void) {
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_add_test(tc, test_metadata);
    tcase_add_test(tc, test_run_null_options);
    tcase_add_test(tc, test_run_pool_and_scratch);
    tcase_add_test(tc, test_concurrent_runs);
    tcase_add_test(tc, test_wrong_count);
    tcase_add_test(tc, test_wrong_size);
    tcase_add_test(tc, test_wrong_type);
    tcase_add_test(tc, test_null_and_overlap);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_wrap_argument_order);
    tcase_add_test(tc, test_wrap_corrupt);
    tcase_add_test(tc, test_types);
    suite_add_tcase(s, tc);
    return s;
}
