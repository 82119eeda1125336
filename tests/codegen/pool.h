/* A minimal parallel_for for the tests (abi.h's hloc_parallel_for_fn): n_threads pthreads take
 * task numbers from an atomic counter; the calling thread works too. */
#ifndef HLOC_TESTS_CODEGEN_POOL_H
#define HLOC_TESTS_CODEGEN_POOL_H

#include "hloc/abi.h"

typedef struct test_pool {
    int n_threads;
    long calls, tasks; /* totals, for tests to check that regions ran in parallel */
} test_pool;

void test_parallel_for(void *ctx, int64_t n_tasks, hloc_task_fn task, void *arg);
/* Run options using test_parallel_for with |pool| as its context. */
hloc_run_options test_pool_options(test_pool *pool);

#endif
