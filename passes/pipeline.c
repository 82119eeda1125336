/* Pipelines: ordered passes and fixed-point sub-pipelines, with verification, timing and dumps
 * after every pass that changed the module (XLA dumps only on change, too). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pass.h"
#include "verify.h"

typedef struct step {
    const hloc_pass *pass;     /* or */
    hloc_pipeline *sub;
    int max_iterations;
} step;

struct hloc_pipeline {
    char *name;
    step *steps;
    size_t n_steps, cap_steps;
};

typedef struct timing {
    const char *pass;
    double seconds;
    int runs, changes;
} timing;

/* State of one hloc_pipeline_run. */
typedef struct run_state {
    const hloc_pass_options *o;
    hloc_pass_ctx ctx;
    regex_t dump_re;
    bool has_re;
    int own_seq, *dump_seq;
    char pending[256];        /* "<pipeline>.after_<pass>" of a dump waiting for the next pass */
    timing *timings;
    size_t n_timings, cap_timings;
} run_state;

hloc_pass_options hloc_pass_options_default(void) {
    return (hloc_pass_options){.dump_formats = HLOC_DUMP_TEXT, .module_id = 0};
}

hloc_pipeline *hloc_pipeline_create(const char *name) {
    hloc_pipeline *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->name = strdup(name ? name : "pipeline");
    if (!p->name) {
        free(p);
        return NULL;
    }
    return p;
}

void hloc_pipeline_destroy(hloc_pipeline *p) {
    if (!p) return;
    for (size_t k = 0; k < p->n_steps; k++) hloc_pipeline_destroy(p->steps[k].sub);
    free(p->steps);
    free(p->name);
    free(p);
}

static bool add_step(hloc_pipeline *p, step s) {
    if (p->n_steps == p->cap_steps) {
        size_t cap = p->cap_steps ? 2 * p->cap_steps : 8;
        step *n = realloc(p->steps, cap * sizeof *n);
        if (!n) return false;
        p->steps = n;
        p->cap_steps = cap;
    }
    p->steps[p->n_steps++] = s;
    return true;
}

bool hloc_pipeline_add_pass(hloc_pipeline *p, const hloc_pass *pass) {
    return add_step(p, (step){.pass = pass});
}

bool hloc_pipeline_add_fixed_point(hloc_pipeline *p, hloc_pipeline *sub, int max_iterations) {
    return add_step(p, (step){.sub = sub, .max_iterations = max_iterations > 0 ? max_iterations : 1});
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static timing *timing_for(run_state *s, const char *pass) {
    for (size_t k = 0; k < s->n_timings; k++)
        if (!strcmp(s->timings[k].pass, pass)) return &s->timings[k];
    if (s->n_timings == s->cap_timings) {
        size_t cap = s->cap_timings ? 2 * s->cap_timings : 16;
        timing *n = realloc(s->timings, cap * sizeof *n);
        if (!n) return NULL;
        s->timings = n;
        s->cap_timings = cap;
    }
    s->timings[s->n_timings] = (timing){.pass = pass};
    return &s->timings[s->n_timings++];
}

static bool wants_dump(const run_state *s, const char *pass) {
    if (!s->o->dump_dir) return false;
    return !s->has_re || regexec(&s->dump_re, pass, 0, NULL, 0) == 0;
}

static hloc_status *verify_after(hloc_module *m, const char *pipeline, const char *pass) {
    hloc_diag d;
    hloc_diag_init(&d, m->file, NULL, 0);
    hloc_verify_module(m, &d);
    hloc_status *st = hloc_diag_to_status(&d, HLOC_STATUS_INTERNAL);
    hloc_diag_free(&d);
    if (!st) return NULL;
    hloc_status *wrapped = hloc_status_new(HLOC_STATUS_INTERNAL,
                                           "module no longer verifies after pass '%s' of pipeline "
                                           "'%s':\n%s",
                                           pass, pipeline, hloc_status_message(st));
    hloc_status_free(st);
    return wrapped;
}

static hloc_status *flush_dump(run_state *s, const hloc_module *m, const char *next) {
    if (!s->pending[0]) return NULL;
    char what[600];
    snprintf(what, sizeof what, "%s.before_%s", s->pending, next);
    s->pending[0] = 0;
    return hloc_dump_module(m, s->o, s->dump_seq, what);
}

static hloc_status *run_pass(run_state *s, const hloc_pipeline *p, const hloc_pass *pass,
                             hloc_module *m, bool *changed) {
    HLOC_RETURN_IF_ERROR(flush_dump(s, m, pass->name));
    double t0 = now();
    bool ch = false;
    hloc_status *st = pass->run(m, &s->ctx, &ch);
    double dt = now() - t0;
    timing *t = timing_for(s, pass->name);
    if (t) {
        t->seconds += dt;
        t->runs++;
        t->changes += ch;
    }
    if (st) return st;
    if (!ch) return NULL;
    *changed = true;
    if (s->o->verify_each) HLOC_RETURN_IF_ERROR(verify_after(m, p->name, pass->name));
    if (wants_dump(s, pass->name)) {
        /* XLA names a dump after the pass that changed the module and the pass that runs next;
         * the next is known only when it starts, so the dump waits for it (the module does not
         * change in between). */
        snprintf(s->pending, sizeof s->pending, "%s.after_%s", p->name, pass->name);
    }
    return NULL;
}

static hloc_status *run_pipeline(run_state *s, const hloc_pipeline *p, hloc_module *m,
                                 bool *changed) {
    for (size_t k = 0; k < p->n_steps; k++) {
        const step *st = &p->steps[k];
        if (st->pass) {
            HLOC_RETURN_IF_ERROR(run_pass(s, p, st->pass, m, changed));
            continue;
        }
        for (int it = 0; it < st->max_iterations; it++) {
            bool ch = false;
            HLOC_RETURN_IF_ERROR(run_pipeline(s, st->sub, m, &ch));
            if (!ch) break;
            *changed = true;
        }
    }
    return NULL;
}

static int by_time(const void *a, const void *b) {
    double x = ((const timing *)a)->seconds, y = ((const timing *)b)->seconds;
    return (x < y) - (x > y);
}

static void print_timings(run_state *s, const char *pipeline) {
    FILE *out = s->o->timing_out ? s->o->timing_out : stderr;
    double total = 0;
    for (size_t k = 0; k < s->n_timings; k++) total += s->timings[k].seconds;
    qsort(s->timings, s->n_timings, sizeof *s->timings, by_time);
    fprintf(out, "pass timings for pipeline '%s' (total %.3f ms)\n", pipeline, total * 1e3);
    fprintf(out, "  %-28s %10s %6s %6s %7s\n", "pass", "ms", "runs", "chg", "share");
    for (size_t k = 0; k < s->n_timings; k++) {
        const timing *t = &s->timings[k];
        fprintf(out, "  %-28s %10.3f %6d %6d %6.1f%%\n", t->pass, t->seconds * 1e3, t->runs,
                t->changes, total > 0 ? 100.0 * t->seconds / total : 0.0);
    }
}

hloc_status *hloc_pipeline_run(const hloc_pipeline *p, hloc_module *m, const hloc_pass_options *o,
                               bool *changed) {
    hloc_pass_options def = hloc_pass_options_default();
    run_state s = {.o = o ? o : &def};
    s.ctx.opts = s.o;
    s.dump_seq = s.o->dump_seq ? s.o->dump_seq : &s.own_seq;
    if (s.o->dump_dir && s.o->dump_passes) {
        int rc = regcomp(&s.dump_re, s.o->dump_passes, REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char msg[256];
            regerror(rc, &s.dump_re, msg, sizeof msg);
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "--dump-passes: bad regex '%s': %s",
                                   s.o->dump_passes, msg);
        }
        s.has_re = true;
    }
    bool ch = false;
    hloc_status *st = run_pipeline(&s, p, m, &ch);
    if (!st) st = flush_dump(&s, m, "pipeline-end");
    if (!st && s.o->time_passes) print_timings(&s, p->name);
    if (s.has_re) regfree(&s.dump_re);
    free(s.timings);
    if (changed) *changed = ch;
    return st;
}
