/* A pthread pool behind abi.h's parallel-for callback, built for small jobs: a GEMM of a few
 * hundred µs split in two must not pay a condvar wake-up (tens of µs, more on a loaded machine)
 * each time. So idle workers first spin on the job word for a bounded time (SPIN_NS, with a pause
 * instruction, yielding after the first PAUSE_NS) and only then sleep on the condvar; the submitter
 * likewise spins a bounded time for the last task to finish before it sleeps. Nothing spins
 * without bound.
 *
 * One job at a time (submit_mu). The job word packs (generation << 32 | next index): a thread
 * takes index i of job g only by a compare-and-swap from (g, i) to (g, i + 1), so it never takes an
 * index of a later job for the task of an older one. The submitter announces a job by first
 * storing (g, BUSY), then the job's fields, then (g, 0): a thread that read fields of a newer job
 * fails its swap (fences below), and one that sees BUSY waits for the fields. The submitter returns
 * when |done| reaches the job's size, that is when every task has finished; a worker still inside
 * the old job can only fail swaps then, and touches no field of the job that follows.
 *
 * Sleeping and waking pair a seq_cst store with a seq_cst load on each side (the job word and
 * |sleepers|; |done| and |waiting|), so at least one side sees the other: a sleeper is always
 * woken, and the submitter takes the mutex only when someone sleeps. */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hloc/runtime.h"
#include "status.h"

enum {
    SPIN_NS = 150 * 1000,  /* idle worker, and submitter waiting for the last task */
    PAUSE_NS = 10 * 1000,  /* the first part of it with pause only, then yielding too */
    SPIN_CHECK = 32,       /* pauses between clock reads */
};

#define BUSY UINT64_C(0xffffffff)         /* index part of the job word while fields change */
#define MAX_JOB_TASKS (INT64_C(1) << 30)  /* larger parallel-fors run as several jobs */

struct hloc_thread_pool {
    alignas(64) _Atomic uint64_t job; /* generation << 32 | next index */
    alignas(64) atomic_int_fast64_t done;
    /* the current job's fields: written between (g, BUSY) and (g, 0) */
    _Atomic(hloc_task_fn) task;
    _Atomic(void *) arg;
    atomic_int_fast64_t n_tasks, base;
    alignas(64) atomic_int sleepers; /* workers in (or entering) the condvar wait */
    atomic_int waiting;              /* the submitter is in (or entering) its condvar wait */
    atomic_bool stop;
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    pthread_mutex_t submit_mu; /* one job at a time across submitting threads */
    pthread_t *workers;
    int n_workers;
};

/* Set while a thread runs tasks of some pool: a nested parallel-for then runs inline, since
 * waiting for the pool from inside one of its own tasks could wait forever. */
static _Thread_local bool in_task;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t gen_of(uint64_t w) { return (uint32_t)(w >> 32); }

/* Called between rounds of SPIN_CHECK polls: false once the spin is over. After PAUSE_NS it also
 * yields, so that on a machine with more runnable threads than cores a spinning thread hands its
 * core to the thread whose work it waits for (on an idle core sched_yield returns at once). */
static bool keep_spinning(uint64_t start) {
    uint64_t t = now_ns() - start;
    if (t > SPIN_NS) return false;
    if (t > PAUSE_NS) sched_yield();
    return true;
}

/* A job other than |seen| is announced and its fields are readable. */
static bool job_ready(uint64_t w, uint32_t seen) {
    return gen_of(w) != seen && (w & BUSY) != BUSY;
}

/* Takes and runs tasks of generation |g| until none is left. */
static void run_job(hloc_thread_pool *p, uint32_t g) {
    hloc_task_fn task = atomic_load_explicit(&p->task, memory_order_relaxed);
    void *arg = atomic_load_explicit(&p->arg, memory_order_relaxed);
    int64_t n = atomic_load_explicit(&p->n_tasks, memory_order_relaxed);
    int64_t base = atomic_load_explicit(&p->base, memory_order_relaxed);
    /* Pairs with the submitter's release fence: if any field above came from a newer job, the
     * (g', BUSY) store before it is visible and every swap below fails. */
    atomic_thread_fence(memory_order_acquire);
    bool outer = in_task;
    in_task = true;
    uint64_t w = atomic_load_explicit(&p->job, memory_order_relaxed);
    for (;;) {
        if (gen_of(w) != g || (int64_t)(w & BUSY) >= n) break;
        if (!atomic_compare_exchange_weak_explicit(&p->job, &w, w + 1, memory_order_acquire,
                                                   memory_order_relaxed))
            continue;
        task(arg, base + (int64_t)(w & BUSY));
        if (atomic_fetch_add(&p->done, 1) + 1 == n && atomic_load(&p->waiting)) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done_cv);
            pthread_mutex_unlock(&p->mu);
        }
        w = atomic_load_explicit(&p->job, memory_order_relaxed);
    }
    in_task = outer;
}

/* Waits for a job newer than |seen| (or stop): spins SPIN_NS, then sleeps. */
static uint64_t await_job(hloc_thread_pool *p, uint32_t seen) {
    uint64_t start = now_ns();
    for (;;) {
        for (int k = 0; k < SPIN_CHECK; k++) {
            uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
            if (job_ready(w, seen) || atomic_load_explicit(&p->stop, memory_order_relaxed)) return w;
            cpu_relax();
        }
        if (!keep_spinning(start)) break;
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    uint64_t w;
    while (!job_ready(w = atomic_load(&p->job), seen) && !atomic_load(&p->stop))
        pthread_cond_wait(&p->work_cv, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return w;
}

static void *worker_main(void *vp) {
    hloc_thread_pool *p = vp;
    uint32_t seen = gen_of(atomic_load(&p->job));
    for (;;) {
        uint64_t w = await_job(p, seen);
        if (atomic_load(&p->stop)) break;
        seen = gen_of(w);
        run_job(p, seen);
    }
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
    hloc_thread_pool *p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
    if (!p) return hloc_status_oom();
    memset(p, 0, sizeof *p);
    p->workers = calloc((size_t)n_threads, sizeof *p->workers);
    if (!p->workers) {
        free(p);
        return hloc_status_oom();
    }
    atomic_init(&p->job, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->task, NULL);
    atomic_init(&p->arg, NULL);
    atomic_init(&p->n_tasks, 0);
    atomic_init(&p->base, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->waiting, 0);
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->submit_mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
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
    atomic_store(&p->stop, true);
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

/* One job of |n| <= MAX_JOB_TASKS tasks, task(arg, base + i); the caller holds submit_mu. */
static void submit(hloc_thread_pool *p, int64_t n, hloc_task_fn task, void *arg, int64_t base) {
    uint64_t g = (uint64_t)(gen_of(atomic_load_explicit(&p->job, memory_order_relaxed)) + 1u);
    atomic_store_explicit(&p->job, g << 32 | BUSY, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&p->task, task, memory_order_relaxed);
    atomic_store_explicit(&p->arg, arg, memory_order_relaxed);
    atomic_store_explicit(&p->n_tasks, n, memory_order_relaxed);
    atomic_store_explicit(&p->base, base, memory_order_relaxed);
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store(&p->job, g << 32); /* seq_cst: releases the fields; pairs with |sleepers| */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->work_cv);
        pthread_mutex_unlock(&p->mu);
    }

    run_job(p, (uint32_t)g);

    uint64_t start = now_ns();
    for (;;) {
        for (int k = 0; k < SPIN_CHECK; k++) {
            if (atomic_load_explicit(&p->done, memory_order_acquire) == n) return;
            cpu_relax();
        }
        if (!keep_spinning(start)) break;
    }
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->waiting, 1);
    while (atomic_load(&p->done) != n) pthread_cond_wait(&p->done_cv, &p->mu);
    atomic_store(&p->waiting, 0);
    pthread_mutex_unlock(&p->mu);
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
    for (int64_t base = 0; base < n_tasks; base += MAX_JOB_TASKS)
        submit(p, n_tasks - base < MAX_JOB_TASKS ? n_tasks - base : MAX_JOB_TASKS, task, arg, base);
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
