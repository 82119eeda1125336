/* Fusion and memory report: for every model case of the corpus, hloc's optimized module against
 * XLA:CPU's (xla_opt.hlo): kernels (fusions plus unfused non-trivial instructions) and scratch
 * memory (hloc's arena against the sum of XLA's temporary buffers, i.e. every value of its entry
 * computation that is neither a parameter, an output, a constant nor an alias, plus the values of
 * the loop bodies, conditions and branches it runs, which XLA allocates as well). hloc's arena is
 * the one the generated code allocates (the scratch size in its metadata): the buffer plan's part
 * plus codegen's internal scratch, shown split.
 * usage: bench_fusion [CASES_DIR]   (default: $HLOC_TEST_DATA/cases or tests/data/cases) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer_assignment.h"
#include "codegen.h"
#include "hloc/hloc.h"
#include "pass.h"

static bool trivial(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_PARAMETER:
    case HLOC_OP_CONSTANT:
    case HLOC_OP_TUPLE:
    case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_BITCAST:
    case HLOC_OP_RESHAPE:
    case HLOC_OP_AFTER_ALL:
        return true;
    default:
        return false;
    }
}

/* Kernels of the computations that run as code: entry, loop bodies and conditions, branches. */
static int count_kernels(const hloc_computation *c) {
    int n = 0;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (i->op == HLOC_OP_WHILE || i->op == HLOC_OP_CONDITIONAL || i->op == HLOC_OP_CALL) {
            for (uint32_t k = 0; k < i->n_called; k++) n += count_kernels(i->called[k]);
            continue;
        }
        if (!trivial(i)) n++;
    }
    return n;
}

static bool no_storage(const hloc_instr *i) {
    switch (i->op) {
    case HLOC_OP_PARAMETER: case HLOC_OP_CONSTANT: case HLOC_OP_TUPLE: case HLOC_OP_GET_TUPLE_ELEMENT:
    case HLOC_OP_BITCAST: case HLOC_OP_AFTER_ALL:
        return true;
    default:
        return false;
    }
}

/* Temporaries of the computations that |c| runs as code (while bodies and conditions, branches,
 * calls), counted like the entry's: every value with storage, no reuse. */
static int64_t nested_temps(const hloc_computation *c, bool own) {
    int64_t n = 0;
    for (uint32_t j = 0; j < c->n_instrs; j++) {
        const hloc_instr *i = c->instrs[j];
        if (own && !i->dead && !no_storage(i)) n += hloc_buffer_value_size(&i->shape);
        if (i->op == HLOC_OP_WHILE || i->op == HLOC_OP_CONDITIONAL || i->op == HLOC_OP_CALL)
            for (uint32_t k = 0; k < i->n_called; k++) n += nested_temps(i->called[k], true);
    }
    return n;
}

/* The arena codegen lays out for |m| (no LLVM optimization needed: the layout is fixed by then). */
static hloc_status *emitted_arena(const hloc_module *m, hloc_codegen_arena *ar) {
    LLVMContextRef ctx = LLVMContextCreate();
    hloc_codegen_options co = {.name = "bench", .arena = ar};
    LLVMModuleRef mod = NULL;
    hloc_status *st = hloc_codegen_emit(m, ctx, &co, &mod);
    if (mod) LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    return st;
}

static hloc_module *load(const char *path) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_file(path, &m);
    if (!st) st = hloc_module_verify(m);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
        hloc_module_destroy(m);
        return NULL;
    }
    return m;
}

int main(int argc, char **argv) {
    char dir[4096];
    if (argc > 1) snprintf(dir, sizeof dir, "%s", argv[1]);
    else if (getenv("HLOC_TEST_DATA")) snprintf(dir, sizeof dir, "%s/cases", getenv("HLOC_TEST_DATA"));
    else snprintf(dir, sizeof dir, "tests/data/cases");
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_fusion: cannot open %s\n", dir);
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (!strncmp(e->d_name, "model_", 6)) names[n++] = strdup(e->d_name);
    closedir(d);
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (strcmp(names[a], names[b]) > 0) {
                char *t = names[a];
                names[a] = names[b];
                names[b] = t;
            }
    printf("%-24s %8s %8s %6s %14s %12s %12s %14s %6s\n", "model", "kernels", "xla", "ok", "arena bytes",
           "(plan", "+internal)", "xla temp", "ok");
    int bad = 0;
    for (int a = 0; a < n; a++) {
        char p1[8192], p2[8192];
        snprintf(p1, sizeof p1, "%s/%s/model.hlo", dir, names[a]);
        snprintf(p2, sizeof p2, "%s/%s/xla_opt.hlo", dir, names[a]);
        hloc_module *m = load(p1), *x = load(p2);
        hloc_pipeline *p = hloc_pipeline_default();
        hloc_buffer_plan *px = NULL;
        hloc_codegen_arena ar = {0};
        hloc_status *st = m && x && p ? NULL : hloc_status_new(HLOC_STATUS_INTERNAL, "load failed");
        if (!st) st = hloc_pipeline_run(p, m, NULL, NULL);
        if (!st) st = emitted_arena(m, &ar);
        if (!st) st = hloc_buffer_plan_create(x, &px);
        if (st) {
            printf("%-24s error: %s\n", names[a], hloc_status_message(st));
            hloc_status_free(st);
            bad++;
        } else {
            int km = count_kernels(m->entry), kx = count_kernels(x->entry);
            int64_t xla_temp = px->temp_total + nested_temps(x->entry, false);
            bool k_ok = km <= kx, m_ok = ar.total_bytes <= (uint64_t)xla_temp;
            bad += !k_ok + !m_ok;
            printf("%-24s %8d %8d %6s %14llu %12llu %12llu %14lld %6s\n", names[a], km, kx,
                   k_ok ? "yes" : "NO", (unsigned long long)ar.total_bytes,
                   (unsigned long long)ar.plan_bytes, (unsigned long long)ar.internal_bytes,
                   (long long)xla_temp, m_ok ? "yes" : "NO");
        }
        hloc_buffer_plan_destroy(px);
        hloc_pipeline_destroy(p);
        hloc_module_destroy(m);
        hloc_module_destroy(x);
        free(names[a]);
    }
    printf("%d comparisons not met\n", bad);
    return 0;
}
