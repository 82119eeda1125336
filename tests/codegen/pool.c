/* The tests' parallel_for (pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct job {
    atomic_llong next;
    int64_t n;
    hloc_task_fn task;
    void *arg;
} job;

static void *worker(void *p) {
    job *j = p;
    for (int64_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) j->task(j->arg, i);
    return NULL;
}

void test_parallel_for(void *ctx, int64_t n_tasks, hloc_task_fn task, void *arg) {
    test_pool *pool = ctx;
    job j = {.n = n_tasks, .task = task, .arg = arg};
    atomic_init(&j.next, 0);
    pthread_t th[16];
    int n = pool->n_threads - 1 < 16 ? pool->n_threads - 1 : 16, started = 0;
    for (int k = 0; k < n; k++)
        if (pthread_create(&th[k], NULL, worker, &j) == 0) started++;
    worker(&j);
    for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
    __atomic_add_fetch(&pool->calls, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&pool->tasks, n_tasks, __ATOMIC_RELAXED);
}

hloc_run_options test_pool_options(test_pool *pool) {
    hloc_run_options o = {.version = HLOC_ABI_VERSION, .parallel_for = test_parallel_for,
                          .parallel_ctx = pool, .n_threads = pool->n_threads};
    return o;
}
