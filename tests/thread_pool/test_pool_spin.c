/* The thread pool's low-latency paths (runtime/thread_pool.c): workers that spin for the next job
 * and sleep after a while, a submitter that spins for the last task and then sleeps. Every job
 * must run each index exactly once with its own task and argument, whichever path woke whom:
 * many tiny jobs back to back (spinning workers), jobs after idle gaps longer than the spin
 * (sleeping workers), slow tasks (a sleeping submitter), nested calls, several submitters, and
 * destroying the pool while its workers spin or sleep. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "hloc/runtime.h"

enum { MAX_N = 64 };

/* One job's record: which indices ran, and a tag that must be the job's own. */
typedef struct job {
    atomic_int hits[MAX_N];
    int64_t n;
    long tag;
    atomic_int bad; /* a task saw an index out of range or another job's tag */
    long sleep_us;  /* each task sleeps this long (0: none) */
} job;

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts)) {}
}

static void job_reset(job *j, int64_t n, long tag) {
    for (int i = 0; i < MAX_N; i++) atomic_init(&j->hits[i], 0);
    j->n = n;
    j->tag = tag;
    j->sleep_us = 0;
    atomic_init(&j->bad, 0);
}

static void hit(void *arg, int64_t i) {
    job *j = arg;
    if (i < 0 || i >= j->n) {
        atomic_fetch_add(&j->bad, 1);
        return;
    }
    long tag = j->tag;
    if (j->sleep_us) sleep_us(j->sleep_us);
    if (tag != j->tag) atomic_fetch_add(&j->bad, 1);
    atomic_fetch_add(&j->hits[i], 1);
}

/* Every index of |j| ran exactly once and no task misbehaved. */
static bool job_ok(job *j) {
    if (atomic_load(&j->bad)) return false;
    for (int64_t i = 0; i < j->n; i++)
        if (atomic_load(&j->hits[i]) != 1) return false;
    for (int64_t i = j->n; i < MAX_N; i++)
        if (atomic_load(&j->hits[i]) != 0) return false;
    return true;
}

static hloc_thread_pool *make_pool(int n) {
    hloc_thread_pool *p = NULL;
    hloc_status *s = hloc_thread_pool_create(n, &p);
    ck_assert_msg(!s, "%s", hloc_status_message(s));
    return p;
}

START_TEST(test_tiny_jobs_back_to_back) {
    /* Two jobs alternate between two records, so a task of job k that ran late into job k + 1
     * would hit the wrong record or see the wrong tag. */
    static const int threads[] = {2, 3, 5};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        hloc_thread_pool *p = make_pool(threads[t]);
        job *jobs = malloc(2 * sizeof *jobs);
        for (long k = 0; k < 40000; k++) {
            job *j = &jobs[k & 1];
            job_reset(j, 2 + k % 7, k);
            hloc_thread_pool_parallel_for(p, j->n, hit, j);
            ck_assert_msg(job_ok(j), "job %ld of %d threads", k, threads[t]);
        }
        free(jobs);
        hloc_thread_pool_destroy(p);
    }
}
END_TEST

START_TEST(test_jobs_after_idle) {
    /* Gaps well past the spin time: every job wakes workers that sleep on the condvar. */
    hloc_thread_pool *p = make_pool(3);
    job *j = malloc(sizeof *j);
    for (long k = 0; k < 12; k++) {
        sleep_us(k % 2 ? 2000 : 20000);
        job_reset(j, 2 + k % 5, k);
        hloc_thread_pool_parallel_for(p, j->n, hit, j);
        ck_assert_msg(job_ok(j), "job %ld", k);
    }
    free(j);
    hloc_thread_pool_destroy(p);
}
END_TEST

START_TEST(test_slow_tasks) {
    /* Tasks longer than the spin: the submitter sleeps until a worker finishes the last one. */
    hloc_thread_pool *p = make_pool(2);
    job *j = malloc(sizeof *j);
    for (long k = 0; k < 6; k++) {
        job_reset(j, 2 + k % 3, k);
        j->sleep_us = 3000;
        hloc_thread_pool_parallel_for(p, j->n, hit, j);
        ck_assert_msg(job_ok(j), "job %ld", k);
    }
    free(j);
    hloc_thread_pool_destroy(p);
}
END_TEST

typedef struct outer_arg {
    hloc_thread_pool *pool;
    job inner[8];
} outer_arg;

static void outer(void *arg, int64_t i) {
    outer_arg *o = arg;
    hloc_thread_pool_parallel_for(o->pool, o->inner[i].n, hit, &o->inner[i]);
}

START_TEST(test_nested_tiny) {
    hloc_thread_pool *p = make_pool(2);
    outer_arg *o = malloc(sizeof *o);
    o->pool = p;
    for (long k = 0; k < 3000; k++) {
        for (int i = 0; i < 8; i++) job_reset(&o->inner[i], 1 + (k + i) % 9, k);
        hloc_thread_pool_parallel_for(p, 8, outer, o);
        for (int i = 0; i < 8; i++) ck_assert_msg(job_ok(&o->inner[i]), "job %ld inner %d", k, i);
    }
    free(o);
    hloc_thread_pool_destroy(p);
}
END_TEST

typedef struct submitter {
    hloc_thread_pool *pool;
    job j;
    long fails;
} submitter;

static void *submit_many(void *arg) {
    submitter *s = arg;
    for (long k = 0; k < 5000; k++) {
        job_reset(&s->j, 2 + k % 5, k);
        hloc_thread_pool_parallel_for(s->pool, s->j.n, hit, &s->j);
        if (!job_ok(&s->j)) s->fails++;
    }
    return NULL;
}

START_TEST(test_concurrent_tiny) {
    hloc_thread_pool *p = make_pool(2);
    submitter *sub = calloc(3, sizeof *sub);
    pthread_t t[3];
    for (int k = 0; k < 3; k++) {
        sub[k].pool = p;
        ck_assert_int_eq(pthread_create(&t[k], NULL, submit_many, &sub[k]), 0);
    }
    for (int k = 0; k < 3; k++) {
        pthread_join(t[k], NULL);
        ck_assert_int_eq(sub[k].fails, 0);
    }
    free(sub);
    hloc_thread_pool_destroy(p);
}
END_TEST

START_TEST(test_destroy_idle) {
    job *j = malloc(sizeof *j);
    for (int rep = 0; rep < 20; rep++) {
        /* never used; used and still spinning; used and asleep */
        hloc_thread_pool_destroy(make_pool(3));
        hloc_thread_pool *p = make_pool(3);
        job_reset(j, 5, rep);
        hloc_thread_pool_parallel_for(p, j->n, hit, j);
        ck_assert(job_ok(j));
        hloc_thread_pool_destroy(p);
        if (rep % 5) continue;
        p = make_pool(2);
        job_reset(j, 5, rep);
        hloc_thread_pool_parallel_for(p, j->n, hit, j);
        ck_assert(job_ok(j));
        sleep_us(5000);
        hloc_thread_pool_destroy(p);
    }
    free(j);
}
END_TEST

int main(void) {
    Suite *s = suite_create("thread_pool_spin");
    TCase *tc = tcase_create("thread_pool_spin");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_tiny_jobs_back_to_back);
    tcase_add_test(tc, test_jobs_after_idle);
    tcase_add_test(tc, test_slow_tasks);
    tcase_add_test(tc, test_nested_tiny);
    tcase_add_test(tc, test_concurrent_tiny);
    tcase_add_test(tc, test_destroy_idle);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
