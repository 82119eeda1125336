/* The thread pool: every index runs exactly once, jobs back to back, nested and concurrent
 * submissions, degenerate sizes. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "hloc/runtime.h"
#include "suites.h"

#define N 10000

typedef struct counts {
    atomic_int hits[N];
    int64_t n;
} counts;

static void hit(void *arg, int64_t i) {
    counts *c = arg;
    ck_assert(i >= 0 && i < c->n);
    atomic_fetch_add(&c->hits[i], 1);
}

static void check_once(counts *c) {
    for (int64_t i = 0; i < c->n; i++) ck_assert_int_eq(atomic_load(&c->hits[i]), 1);
}

static hloc_thread_pool *make_pool(int n) {
    hloc_thread_pool *p = NULL;
    hloc_status *s = hloc_thread_pool_create(n, &p);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    return p;
}

START_TEST(test_each_index_once) {
    hloc_thread_pool *p = make_pool(4);
    counts *c = malloc(sizeof *c);
    /* sizes around the worker count and far above it, many jobs back to back */
    static const int64_t sizes[] = {0, 1, 2, 3, 4, 5, 17, 1000, N};
    for (int rep = 0; rep < 30; rep++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            for (int i = 0; i < N; i++) atomic_init(&c->hits[i], 0);
            c->n = sizes[k];
            hloc_thread_pool_parallel_for(p, c->n, hit, c);
            check_once(c);
        }
    }
    free(c);
    hloc_thread_pool_destroy(p);
}
END_TEST

typedef struct nested {
    hloc_thread_pool *pool;
    counts *inner; /* 8 outer tasks × 100 inner indices */
} nested;

static void inner_hit(void *arg, int64_t i) {
    atomic_fetch_add(&((counts *)arg)->hits[i], 1);
}

typedef struct slice {
    counts *c;
    int64_t base;
} slice;

static void slice_hit(void *arg, int64_t i) {
    slice *s = arg;
    inner_hit(s->c, s->base + i);
}

static void outer(void *arg, int64_t i) {
    nested *n = arg;
    slice s = {n->inner, i * 100};
    hloc_thread_pool_parallel_for(n->pool, 100, slice_hit, &s);
}

START_TEST(test_nested) {
    hloc_thread_pool *p = make_pool(3);
    counts *c = malloc(sizeof *c);
    for (int i = 0; i < N; i++) atomic_init(&c->hits[i], 0);
    c->n = 800;
    nested n = {p, c};
    hloc_thread_pool_parallel_for(p, 8, outer, &n);
    check_once(c);
    free(c);
    hloc_thread_pool_destroy(p);
}
END_TEST

typedef struct submitter {
    hloc_thread_pool *pool;
    counts *c;
} submitter;

static void *submit_many(void *arg) {
    submitter *s = arg;
    for (int rep = 0; rep < 50; rep++) {
        for (int i = 0; i < 500; i++) atomic_init(&s->c->hits[i], 0);
        hloc_thread_pool_parallel_for(s->pool, s->c->n, hit, s->c);
        for (int i = 0; i < 500; i++)
            if (atomic_load(&s->c->hits[i]) != 1) return (void *)1;
    }
    return NULL;
}

START_TEST(test_concurrent_submitters) {
    hloc_thread_pool *p = make_pool(3);
    counts *c[3];
    submitter sub[3];
    pthread_t t[3];
    for (int k = 0; k < 3; k++) {
        c[k] = malloc(sizeof *c[k]);
        c[k]->n = 500;
        sub[k] = (submitter){p, c[k]};
        ck_assert_int_eq(pthread_create(&t[k], NULL, submit_many, &sub[k]), 0);
    }
    for (int k = 0; k < 3; k++) {
        void *ret;
        pthread_join(t[k], &ret);
        ck_assert_ptr_null(ret);
        free(c[k]);
    }
    hloc_thread_pool_destroy(p);
}
END_TEST

START_TEST(test_sizes) {
    hloc_thread_pool *p = make_pool(1);
    ck_assert_int_eq(hloc_thread_pool_size(p), 1);
    counts *c = malloc(sizeof *c);
    for (int i = 0; i < N; i++) atomic_init(&c->hits[i], 0);
    c->n = 100;
    hloc_thread_pool_parallel_for(p, 100, hit, c);
    check_once(c);
    hloc_thread_pool_destroy(p);
    p = make_pool(0); /* one per CPU */
    ck_assert_int_ge(hloc_thread_pool_size(p), 1);
    hloc_thread_pool_destroy(p);
    /* a NULL pool runs inline */
    for (int i = 0; i < N; i++) atomic_init(&c->hits[i], 0);
    hloc_thread_pool_parallel_for(NULL, 100, hit, c);
    check_once(c);
    free(c);
    hloc_thread_pool_destroy(NULL);
    hloc_thread_pool *q = (hloc_thread_pool *)&q;
    hloc_status *s = hloc_thread_pool_create(100000, &q);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(q);
    hloc_status_free(s);
}
END_TEST

Suite *thread_pool_suite(void) {
    Suite *s = suite_create("thread_pool");
    TCase *tc = tcase_create("thread_pool");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_each_index_once);
    tcase_add_test(tc, test_nested);
    tcase_add_test(tc, test_concurrent_submitters);
    tcase_add_test(tc, test_sizes);
    suite_add_tcase(s, tc);
    return s;
}
