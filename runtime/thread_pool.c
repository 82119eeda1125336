/* A pthread pool behind abi.h's parallel-for callback. One job at a time: the submitter publishes
 * (task, arg, n) under the mutex and bumps the generation; workers and the submitter take indices
 * from an atomic counter. The submitter returns only when every task is done AND every worker has
 * left the job, so a slow worker can never take an index of the next job for the old task. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "hloc/runtime.h"
#include "status.h"

struct hloc_thread_pool {
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    pthread_mutex_t submit_mu; /* one job at a time across submitting threads */
    pthread_t *workers;
    int n_workers;
    bool stop;
    uint64_t generation;
    /* the current job, written under mu before generation changes */
    hloc_task_fn task;
    void *arg;
    int64_t n_tasks;
    atomic_int_fast64_t next;
    int64_t n_done;  /* under mu */
    int n_active;    /* workers inside the current job, under mu */
};

/* Set while a thread runs tasks of some pool: a nested parallel-for then runs inline, since
 * waiting for the pool from inside one of its own tasks could wait forever. */
static _Thread_local bool in_task;

static int64_t run_tasks(hloc_thread_pool *p, hloc_task_fn task, void *arg, int64_t n) {
    int64_t done = 0;
    bool outer = in_task;
    in_task = true;
    for (;;) {
        int64_t i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (i >= n) break;
        task(arg, i);
        done++;
    }
    in_task = outer;
    return done;
}

static void *worker_main(void *vp) {
    hloc_thread_pool *p = vp;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        /* A worker that wakes after the job completed (its submitter may have returned) must not
         * join it: the next job would reset the counter under its feet. */
        if (p->n_done == p->n_tasks) continue;
        hloc_task_fn task = p->task;
        void *arg = p->arg;
        int64_t n = p->n_tasks;
        p->n_active++;
        pthread_mutex_unlock(&p->mu);
        int64_t done = run_tasks(p, task, arg, n);
        pthread_mutex_lock(&p->mu);
        p->n_done += done;
        p->n_active--;
        if (p->n_done == p->n_tasks && p->n_active == 0) pthread_cond_signal(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

HLOC_API hloc_status *hloc_thread_pool_create(int n_threads, hloc_thread_pool **out) {
    *out = NULL;
    if (n_threads <= 0) n_threads = online_cpus();
    if (n_threads > 4096)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "thread pool: %d threads is too many",
                               n_threads);
    hloc_thread_pool *p = calloc(1, sizeof *p);
    if (!p) return hloc_status_oom();
    p->workers = calloc((size_t)n_threads, sizeof *p->workers);
    if (!p->workers) {
        free(p);
        return hloc_status_oom();
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->submit_mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    atomic_init(&p->next, 0);
    for (int i = 0; i < n_threads - 1; i++) {
        int err = pthread_create(&p->workers[i], NULL, worker_main, p);
        if (err) {
            hloc_thread_pool_destroy(p);
            return hloc_status_new(HLOC_STATUS_INTERNAL,
                                   "thread pool: cannot start thread %d of %d (error %d)", i + 1,
                                   n_threads, err);
        }
        p->n_workers++;
    }
    *out = p;
    return NULL;
}

HLOC_API void hloc_thread_pool_destroy(hloc_thread_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_workers; i++) pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->submit_mu);
    free(p->workers);
    free(p);
}

HLOC_API int hloc_thread_pool_size(const hloc_thread_pool *p) {
    return p->n_workers + 1;
}

HLOC_API void hloc_thread_pool_parallel_for(void *ctx, int64_t n_tasks, hloc_task_fn task,
                                            void *arg) {
    hloc_thread_pool *p = ctx;
    if (n_tasks <= 0) return;
    if (!p || p->n_workers == 0 || n_tasks == 1 || in_task) {
        bool outer = in_task;
        in_task = true;
        for (int64_t i = 0; i < n_tasks; i++) task(arg, i);
        in_task = outer;
        return;
    }
    pthread_mutex_lock(&p->submit_mu);
    pthread_mutex_lock(&p->mu);
    p->task = task;
    p->arg = arg;
    p->n_tasks = n_tasks;
    p->n_done = 0;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->generation++;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);

    int64_t done = run_tasks(p, task, arg, n_tasks);

    pthread_mutex_lock(&p->mu);
    p->n_done += done;
    while (p->n_done != p->n_tasks || p->n_active != 0) pthread_cond_wait(&p->done_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->submit_mu);
}

HLOC_API void hloc_run_options_init(hloc_run_options *opts, hloc_thread_pool *pool) {
    *opts = (hloc_run_options){
        .version = HLOC_ABI_VERSION,
        .parallel_for = pool ? hloc_thread_pool_parallel_for : NULL,
        .parallel_ctx = pool,
        .n_threads = pool ? hloc_thread_pool_size(pool) : 1,
    };
}
