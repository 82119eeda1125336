/* Output fusions through the GEMM (codegen/gemm_epilogue.c): a dot or convolution under its
 * elementwise consumers, written as a kOutput fusion, must give bit for bit what the same
 * instructions give unfused, on 1, 2, 3 and 12 threads (12 started at once: more tasks than a
 * large product's packing slices in scratch), and match the evaluator within a bound on the
 * summation error. Each case also says whether the consumers must ride on the GEMM kernel
 * (found in the LLVM IR) or must not (a residual laid out unlike the result), so that a silent
 * fallback cannot pass for the fast path. f32 and f64, odd sizes, K split in blocks, results
 * written over the residual. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "pool.h"
#include "util.h"

/* A parallel_for that starts all of a call's tasks at once, each on its own thread, none before
 * all have started: on a machine with the cores for it, the 12 tasks of a large product hold
 * their packing areas at the same time, more than the product has slices in scratch, and some
 * take theirs from the heap (on fewer cores the scheduler may still let them take turns). */
typedef struct gang {
    pthread_barrier_t all_in;
    hloc_task_fn task;
    void *arg;
} gang;

typedef struct gang_member {
    gang *g;
    int64_t i;
} gang_member;

static long gang_tasks;

static void *gang_run(void *p) {
    gang_member *m = p;
    pthread_barrier_wait(&m->g->all_in);
    m->g->task(m->g->arg, m->i);
    return NULL;
}

static void gang_parallel_for(void *ctx, int64_t n, hloc_task_fn task, void *arg) {
    (void)ctx;
    enum { MAX = 32 };
    if (n > MAX || n < 1) {
        for (int64_t i = 0; i < n; i++) task(arg, i);
        return;
    }
    gang g = {.task = task, .arg = arg};
    pthread_barrier_init(&g.all_in, NULL, (unsigned)n);
    pthread_t th[MAX];
    gang_member mb[MAX];
    for (int64_t i = 0; i < n; i++) {
        mb[i] = (gang_member){&g, i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, gang_run, &mb[i]), 0);
    }
    for (int64_t i = 0; i < n; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&g.all_in);
    __atomic_add_fetch(&gang_tasks, n, __ATOMIC_RELAXED);
}

typedef struct epi_case {
    const char *name;
    const char *result; /* the root's shape, T for the element type */
    const char *body;   /* the instructions (parameters first), T for the element type */
    int64_t k;          /* length of the sums, for the error bound */
    bool on_kernel;     /* the consumers must be applied by the GEMM kernel */
    const char *only;   /* NULL, or the one element type to run */
    /* NULL, or a parameter that the entry negates before the product's fusion reads it, whose
     * result the entry then negates: the buffer plan lets the fusion write over that temporary
     * (an in-place residual, C overlapping an array the consumers read). */
    const char *in_place;
} epi_case;

static const epi_case cases[] = {
    /* Large enough for the thread pool and for packing areas in scratch (more tasks than slices
     * on 12 threads), K in three blocks. */
    {"dot_parallel_bias_relu", "T[400,300]{1,0}",
     "  a = T[400,600]{1,0} parameter(0)\n  b = T[600,300]{1,0} parameter(1)\n  bias = T[300]{0} parameter(2)\n"
     "  d = T[400,300]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  bb = T[400,300]{1,0} broadcast(bias), dimensions={1}\n  s = T[400,300]{1,0} add(d, bb)\n"
     "  z = T[] constant(0)\n  zb = T[400,300]{1,0} broadcast(z), dimensions={}\n"
     "  ROOT r = T[400,300]{1,0} maximum(s, zb)\n",
     600, true, NULL, NULL},
    /* gpt2's bias: a [N] vector reshaped to [1,N] and broadcast along the batch and the columns. */
    {"dot_bias_reshaped", "T[1,37,45]{2,1,0}",
     "  a = T[1,37,70]{2,1,0} parameter(0)\n  b = T[70,45]{1,0} parameter(1)\n  bias = T[45]{0} parameter(2)\n"
     "  d = T[1,37,45]{2,1,0} dot(a, b), lhs_contracting_dims={2}, rhs_contracting_dims={0}\n"
     "  r1 = T[1,45]{1,0} reshape(bias)\n  bb = T[1,37,45]{2,1,0} broadcast(r1), dimensions={0,2}\n"
     "  ROOT r = T[1,37,45]{2,1,0} add(d, bb)\n",
     70, true, NULL, NULL},
    /* mlp's gelu (tanh form): the biased product used four times; tanh vectorizes for f32 only. */
    {"dot_bias_gelu", "T[29,53]{1,0}",
     "  a = T[29,90]{1,0} parameter(0)\n  b = T[90,53]{1,0} parameter(1)\n  bias = T[53]{0} parameter(2)\n"
     "  d = T[29,53]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  bb = T[29,53]{1,0} broadcast(bias), dimensions={1}\n  x = T[29,53]{1,0} add(d, bb)\n"
     "  h = T[] constant(0.5)\n  hb = T[29,53]{1,0} broadcast(h), dimensions={}\n  xh = T[29,53]{1,0} multiply(x, hb)\n"
     "  x2 = T[29,53]{1,0} multiply(x, x)\n  x3 = T[29,53]{1,0} multiply(x2, x)\n"
     "  k = T[] constant(0.044715)\n  kb = T[29,53]{1,0} broadcast(k), dimensions={}\n"
     "  kx3 = T[29,53]{1,0} multiply(x3, kb)\n  in = T[29,53]{1,0} add(x, kx3)\n"
     "  s = T[] constant(0.7978845608)\n  sb = T[29,53]{1,0} broadcast(s), dimensions={}\n"
     "  t = T[29,53]{1,0} multiply(in, sb)\n  th = T[29,53]{1,0} tanh(t)\n"
     "  one = T[] constant(1)\n  ob = T[29,53]{1,0} broadcast(one), dimensions={}\n  p = T[29,53]{1,0} add(th, ob)\n"
     "  ROOT r = T[29,53]{1,0} multiply(xh, p)\n",
     90, true, "f32", NULL},
    {"dot_bias_relu", "T[67,45]{1,0}",
     "  a = T[67,131]{1,0} parameter(0)\n  b = T[131,45]{1,0} parameter(1)\n  bias = T[45]{0} parameter(2)\n"
     "  d = T[67,45]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  bb = T[67,45]{1,0} broadcast(bias), dimensions={1}\n  s = T[67,45]{1,0} add(d, bb)\n"
     "  z = T[] constant(0)\n  zb = T[67,45]{1,0} broadcast(z), dimensions={}\n"
     "  ROOT r = T[67,45]{1,0} maximum(s, zb)\n",
     131, true, NULL, NULL},
    {"dot_residual", "T[37,29]{1,0}",
     "  a = T[37,150]{1,0} parameter(0)\n  b = T[150,29]{1,0} parameter(1)\n  res = T[37,29]{1,0} parameter(2)\n"
     "  d = T[37,29]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  ROOT r = T[37,29]{1,0} add(res, d)\n",
     150, true, NULL, NULL},
    /* K split in blocks: the epilogue only on the last one (no residual, so allowed). */
    {"dot_splitk_scale_clamp", "T[50,40]{1,0}",
     "  a = T[50,700]{1,0} parameter(0)\n  b = T[700,40]{1,0} parameter(1)\n  sc = T[] parameter(2)\n"
     "  bias = T[40]{0} parameter(3)\n"
     "  d = T[50,40]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  sb = T[50,40]{1,0} broadcast(sc), dimensions={}\n  m = T[50,40]{1,0} multiply(d, sb)\n"
     "  bb = T[50,40]{1,0} broadcast(bias), dimensions={1}\n  s = T[50,40]{1,0} subtract(m, bb)\n"
     "  lo = T[] constant(-20)\n  hi = T[] constant(20)\n"
     "  lob = T[50,40]{1,0} broadcast(lo), dimensions={}\n  hib = T[50,40]{1,0} broadcast(hi), dimensions={}\n"
     "  ROOT r = T[50,40]{1,0} clamp(lob, s, hib)\n",
     700, true, NULL, NULL},
    /* A residual with K in several blocks: the consumers on the last block's store. */
    {"dot_splitk_residual", "T[30,33]{1,0}",
     "  a = T[30,700]{1,0} parameter(0)\n  b = T[700,33]{1,0} parameter(1)\n  res = T[30,33]{1,0} parameter(2)\n"
     "  d = T[30,33]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  ROOT r = T[30,33]{1,0} add(d, res)\n",
     700, true, NULL, NULL},
    /* The same with the result written over the residual: the partial sums of the first blocks
     * must not overwrite it before the last block reads it. */
    {"dot_splitk_residual_in_place", "T[30,33]{1,0}",
     "  a = T[30,700]{1,0} parameter(0)\n  b = T[700,33]{1,0} parameter(1)\n  res = T[30,33]{1,0} parameter(2)\n"
     "  d = T[30,33]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  ROOT r = T[30,33]{1,0} add(d, res)\n",
     700, true, NULL, "res"},
    /* gpt2's second MLP product: K = 3072 in twelve blocks, large enough for the thread pool,
     * bias and residual (in place), the residual's uses before the bias's. */
    {"dot_splitk_parallel_residual_bias", "T[1,96,200]{2,1,0}",
     "  a = T[1,96,1100]{2,1,0} parameter(0)\n  b = T[1100,200]{1,0} parameter(1)\n"
     "  res = T[1,96,200]{2,1,0} parameter(2)\n  bias = T[200]{0} parameter(3)\n"
     "  d = T[1,96,200]{2,1,0} dot(a, b), lhs_contracting_dims={2}, rhs_contracting_dims={0}\n"
     "  s = T[1,96,200]{2,1,0} add(res, d)\n  r1 = T[1,200]{1,0} reshape(bias)\n"
     "  bb = T[1,96,200]{2,1,0} broadcast(r1), dimensions={0,2}\n  ROOT r = T[1,96,200]{2,1,0} add(s, bb)\n",
     1100, true, NULL, "res"},
    /* The residual in another layout than the result: not read at C's offsets. */
    {"dot_residual_transposed", "T[40,24]{1,0}",
     "  a = T[40,64]{1,0} parameter(0)\n  b = T[64,24]{1,0} parameter(1)\n  res = T[40,24]{0,1} parameter(2)\n"
     "  d = T[40,24]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  ROOT r = T[40,24]{1,0} add(d, res)\n",
     64, false, NULL, NULL},
    {"dot_batch_chain", "T[3,21,34]{2,1,0}",
     "  a = T[3,21,50]{2,1,0} parameter(0)\n  b = T[3,50,34]{2,1,0} parameter(1)\n"
     "  res = T[3,21,34]{2,1,0} parameter(2)\n"
     "  d = T[3,21,34]{2,1,0} dot(a, b), lhs_batch_dims={0}, lhs_contracting_dims={2}, rhs_batch_dims={0}, "
     "rhs_contracting_dims={1}\n"
     "  n = T[3,21,34]{2,1,0} negate(d)\n  ab = T[3,21,34]{2,1,0} abs(res)\n  q = T[3,21,34]{2,1,0} divide(n, ab)\n"
     "  m = T[3,21,34]{2,1,0} minimum(q, res)\n  ROOT r = T[3,21,34]{2,1,0} subtract(m, ab)\n",
     50, true, NULL, NULL},
    /* gpt2's attention scores: the batched product seen with a leading 1, scaled, under a causal
     * mask (a compare of iotas along the rows and the columns, computed before the product). */
    {"dot_scores_causal_mask", "T[1,3,37,45]{3,2,1,0}",
     "  q = T[3,37,20]{2,1,0} parameter(0)\n  k = T[3,20,45]{2,1,0} parameter(1)\n"
     "  t = pred[] constant(true)\n  tb = pred[37,45]{1,0} broadcast(t), dimensions={}\n"
     "  d = T[3,37,45]{2,1,0} dot(q, k), lhs_batch_dims={0}, lhs_contracting_dims={2}, rhs_batch_dims={0}, "
     "rhs_contracting_dims={1}\n"
     "  r = T[1,3,37,45]{3,2,1,0} reshape(d)\n  big = T[] constant(-1e+09)\n"
     "  io = s32[37,45]{1,0} iota(), iota_dimension=0\n  jo = s32[37,45]{1,0} iota(), iota_dimension=1\n"
     "  ge = pred[37,45]{1,0} compare(io, jo), direction=GE\n  no = pred[] constant(false)\n"
     "  fb = pred[37,45]{1,0} broadcast(no), dimensions={}\n  sel = pred[37,45]{1,0} select(ge, tb, fb)\n"
     "  m = pred[1,3,37,45]{3,2,1,0} broadcast(sel), dimensions={2,3}\n"
     "  bigb = T[1,3,37,45]{3,2,1,0} broadcast(big), dimensions={}\n  s = T[] constant(0.125)\n"
     "  sb = T[1,3,37,45]{3,2,1,0} broadcast(s), dimensions={}\n  x = T[1,3,37,45]{3,2,1,0} multiply(r, sb)\n"
     "  ROOT o = T[1,3,37,45]{3,2,1,0} select(m, x, bigb)\n",
     20, true, NULL, NULL},
    /* A mask that is a parameter, selecting the product itself, and a scalar pred. */
    {"dot_mask_param", "T[40,33]{1,0}",
     "  a = T[40,30]{1,0} parameter(0)\n  b = T[30,33]{1,0} parameter(1)\n  mk = pred[40,33]{1,0} parameter(2)\n"
     "  on = pred[] parameter(3)\n  z = T[] constant(0)\n  zb = T[40,33]{1,0} broadcast(z), dimensions={}\n"
     "  d = T[40,33]{1,0} dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
     "  m = pred[40,33]{1,0} broadcast(mk), dimensions={0,1}\n  s1 = T[40,33]{1,0} select(m, d, zb)\n"
     "  ob = pred[40,33]{1,0} broadcast(on), dimensions={}\n  ROOT r = T[40,33]{1,0} select(ob, zb, s1)\n",
     30, true, NULL, NULL},
    {"conv_bias_relu", "T[2,9,11,19]{3,2,1,0}",
     "  x = T[2,9,11,5]{3,2,1,0} parameter(0)\n  w = T[3,3,5,19]{3,2,1,0} parameter(1)\n  bias = T[19]{0} parameter(2)\n"
     "  c = T[2,9,11,19]{3,2,1,0} convolution(x, w), window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f\n"
     "  bb = T[2,9,11,19]{3,2,1,0} broadcast(bias), dimensions={3}\n  s = T[2,9,11,19]{3,2,1,0} add(c, bb)\n"
     "  z = T[] constant(0)\n  zb = T[2,9,11,19]{3,2,1,0} broadcast(z), dimensions={}\n"
     "  ROOT r = T[2,9,11,19]{3,2,1,0} maximum(s, zb)\n",
     45, true, NULL, NULL},
    {"conv_residual_relu", "T[2,13,10,16]{3,2,1,0}",
     "  x = T[2,13,10,16]{3,2,1,0} parameter(0)\n  w = T[3,3,16,16]{3,2,1,0} parameter(1)\n"
     "  skip = T[2,13,10,16]{3,2,1,0} parameter(2)\n"
     "  c = T[2,13,10,16]{3,2,1,0} convolution(x, w), window={size=3x3 pad=1_1x1_1}, dim_labels=b01f_01io->b01f\n"
     "  s = T[2,13,10,16]{3,2,1,0} add(skip, c)\n"
     "  z = T[] constant(0)\n  zb = T[2,13,10,16]{3,2,1,0} broadcast(z), dimensions={}\n"
     "  ROOT r = T[2,13,10,16]{3,2,1,0} maximum(s, zb)\n",
     144, true, NULL, NULL},
    /* Strided, padded on one side, 2 groups (no per-column leaf then: a scalar one). */
    {"conv_grouped_stride_scale", "T[3,6,5,24]{3,2,1,0}",
     "  x = T[3,12,10,8]{3,2,1,0} parameter(0)\n  w = T[3,3,4,24]{3,2,1,0} parameter(1)\n  sc = T[] parameter(2)\n"
     "  c = T[3,6,5,24]{3,2,1,0} convolution(x, w), window={size=3x3 stride=2x2 pad=0_1x0_1}, "
     "dim_labels=b01f_01io->b01f, feature_group_count=2\n"
     "  sb = T[3,6,5,24]{3,2,1,0} broadcast(sc), dimensions={}\n"
     "  ROOT r = T[3,6,5,24]{3,2,1,0} multiply(sb, c)\n",
     36, true, NULL, NULL},
};

/* Whether the IR that the JIT wrote to |dir| has an epilogue kernel; removes the files. */
static bool ir_has_epilogue(const char *dir) {
    bool found = false;
    DIR *d = opendir(dir);
    if (!d) return false;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strstr(e->d_name, "ir-no-opt.ll")) {
            FILE *f = fopen(path, "rb");
            if (f) {
                static char buf[1 << 22];
                size_t n = fread(buf, 1, sizeof buf - 1, f);
                buf[n] = 0;
                found = found || strstr(buf, "@hloc.gemm.kernel_ep") != NULL;
                fclose(f);
            }
        }
        remove(path);
    }
    closedir(d);
    return found;
}

static void subst(char *out, size_t cap, const char *in, const char *t) {
    size_t n = 0, tl = strlen(t);
    for (const char *p = in; *p && n + tl + 1 < cap; p++) {
        if (*p == 'T' && p[1] == '[' && (p == in || p[-1] == ' ')) {
            memcpy(out + n, t, tl);
            n += tl;
        } else out[n++] = *p;
    }
    out[n] = 0;
}

/* |line| (a parameter's, "  NAME = SHAPE parameter(N)\n") as a parameter NAME_in and NAME, its
 * negation, appended to |out|. */
static void negated_param(char *out, size_t cap, const char *line) {
    const char *nm = line + strspn(line, " ");
    int nl = (int)strcspn(nm, " =");
    const char *shape = strstr(nm, "= ") + 2;
    int sl = (int)strcspn(shape, " ");
    size_t n = strlen(out);
    snprintf(out + n, cap - n, "  %.*s_in = %s  %.*s = %.*s negate(%.*s_in)\n", nl, nm, nm + nl + 3, nl, nm, sl,
             shape, nl, nm);
}

/* |body| with parameter |p| negated on entry and the root negated (c->in_place). */
static void negate_ends(char *out, size_t cap, const char *body, const char *p, const char *result) {
    out[0] = 0;
    for (const char *line = body; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line), n = strlen(out);
        const char *nm = line + strspn(line, " ");
        if (strstr(line, "parameter(") && strstr(line, "parameter(") < line + len &&
            strcspn(nm, " =") == strlen(p) && !strncmp(nm, p, strlen(p))) {
            char one[512];
            snprintf(one, sizeof one, "%.*s", (int)len, line);
            negated_param(out, cap, one);
        } else if (!strncmp(nm, "ROOT ", 5)) {
            const char *rn = nm + 5;
            int rl = (int)strcspn(rn, " =");
            snprintf(out + n, cap - n, "  %.*s  ROOT out = %s negate(%.*s)\n", (int)(len - (size_t)(rn - line)), rn,
                     result, rl, rn);
        } else {
            snprintf(out + n, cap - n, "%.*s", (int)len, line);
        }
        line += len;
    }
}

/* The fused and the unfused module of |c| for element type |t|. */
static void modules(const epi_case *c, const char *t, char *fused, char *plain, size_t cap) {
    char body[4096], result[128], params[2048] = "", operands[256] = "", ends[4096];
    subst(body, sizeof body, c->body, t);
    subst(result, sizeof result, c->result, t);
    if (c->in_place) negate_ends(ends, sizeof ends, body, c->in_place, result);
    snprintf(plain, cap, "HloModule %s\n\nENTRY main {\n%s}\n", c->name, c->in_place ? ends : body);
    /* The entry passes the parameter lines of the body through, in order. */
    int np = 0;
    for (const char *line = body; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        char one_line[512];
        snprintf(one_line, sizeof one_line, "%.*s", (int)len, line);
        if (strstr(one_line, "parameter(")) {
            /* Named e_NAME: names are unique across a module's computations. */
            const char *nm = one_line + strspn(one_line, " ");
            size_t nl = strcspn(nm, " =");
            if (c->in_place && nl == strlen(c->in_place) && !strncmp(nm, c->in_place, nl)) {
                char e_line[512];
                snprintf(e_line, sizeof e_line, "  e_%s", nm);
                negated_param(params, sizeof params, e_line);
            } else {
                strcat(params, "  e_");
                strcat(params, nm);
            }
            char one[64];
            snprintf(one, sizeof one, "%se_%.*s", np++ ? ", " : "", (int)nl, nm);
            strcat(operands, one);
        }
        line += len;
    }
    if (c->in_place)
        snprintf(fused, cap,
                 "HloModule %s\n\nfused {\n%s}\n\nENTRY main {\n%s  f = %s fusion(%s), kind=kOutput, calls=fused\n"
                 "  ROOT out = %s negate(f)\n}\n",
                 c->name, body, params, result, operands, result);
    else
        snprintf(fused, cap,
                 "HloModule %s\n\nfused {\n%s}\n\nENTRY main {\n%s  ROOT f = %s fusion(%s), kind=kOutput, calls=fused\n}\n",
                 c->name, body, params, result, operands);
}

static bool run(const char *name, const char *text, const hloc_cpu_options *co, const hloc_run_options *ro,
                const hloc_literal **args, hloc_arena *arena, hloc_literal **out, char *msg, size_t cap) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), name, &m);
    if (!st) st = hloc_module_verify(m);
    if (!st) st = hloc_cpu_run_literals_opts(m, co, ro, args, m->entry->n_params, arena, out);
    hloc_module_destroy(m);
    if (!st) return true;
    snprintf(msg, cap, "%s", hloc_status_message(st));
    hloc_status_free(st);
    return false;
}

/* The module |fused| against |plain| (the same computation unfused) and the evaluator, with sums
 * of length |k|; whether the epilogue kernel must be in |fused|'s IR. */
static bool check_modules(const char *name, const char *fused, const char *plain, const char *t, int64_t k,
                          bool want_kernel, char *msg, size_t cap) {
    const epi_case one = {.name = name, .k = k, .on_kernel = want_kernel}, *c = &one;
    hloc_arena *arena = hloc_arena_create();
    hloc_module *m = NULL;
    bool ok = false;
    hloc_status *st = hloc_module_parse_text(plain, strlen(plain), c->name, &m);
    const hloc_literal *args[8];
    hloc_literal *want = NULL, *ref = NULL, *got[4] = {NULL};
    if (!st) st = tb_random_args(m, c->name, 0x9e3779b97f4a7c15ull, arena, args, 8);
    if (!st) st = hloc_evaluate(m, args, m->entry->n_params, NULL, arena, &want);
    if (st) {
        snprintf(msg, cap, "%s", hloc_status_message(st));
        hloc_status_free(st);
        goto done;
    }
    char dir[] = "/tmp/hloc_epilogue_XXXXXX";
    if (!mkdtemp(dir)) {
        snprintf(msg, cap, "mkdtemp failed");
        goto done;
    }
    hloc_cpu_options co = {.opt_level = 2}, dump = {.opt_level = 2, .dump_dir = dir};
    test_pool p2 = {.n_threads = 2}, p3 = {.n_threads = 3};
    hloc_run_options o2 = test_pool_options(&p2), o3 = test_pool_options(&p3);
    hloc_run_options o12 = {.version = HLOC_ABI_VERSION, .parallel_for = gang_parallel_for, .n_threads = 12};
    const hloc_run_options *ro[4] = {NULL, &o2, &o3, &o12};
    if (!run(c->name, plain, &co, NULL, args, arena, &ref, msg, cap)) goto rm;
    for (int r = 0; r < 4; r++)
        if (!run(c->name, fused, r ? &co : &dump, ro[r], args, arena, &got[r], msg, cap)) goto rm;
    bool on_kernel = ir_has_epilogue(dir);
    if (on_kernel != c->on_kernel) {
        snprintf(msg, cap, "the consumers %s applied by the GEMM kernel", on_kernel ? "were" : "were not");
        goto rm;
    }
    double eps = !strcmp(t, "f64") ? 0x1p-52 : 0x1p-23;
    int64_t n = hloc_shape_elements(&want->shape);
    for (int64_t e = 0; e < n; e++) {
        double w = hloc_literal_get_f64(want, e), g = hloc_literal_get_f64(got[0], e);
        /* Inputs in [-2, 2): as codegen_gemm's bound, scaled by the consumers' growth (x4). */
        double bound = 12.0 * (double)c->k * (double)c->k * eps + 8 * eps * fabs(w);
        if (!(fabs(g - w) <= bound)) {
            snprintf(msg, cap, "element %lld: cpu %.9g, interp %.9g (bound %.3g)", (long long)e, g, w, bound);
            goto rm;
        }
    }
    size_t bytes = hloc_shape_bytes(&want->shape);
    if (memcmp(got[0]->data, ref->data, bytes)) {
        snprintf(msg, cap, "fused and unfused give other bits");
        goto rm;
    }
    for (int r = 1; r < 4; r++)
        if (memcmp(got[0]->data, got[r]->data, bytes)) {
            snprintf(msg, cap, "%d threads give other bits than 1", r == 3 ? 12 : r + 1);
            goto rm;
        }
    ok = true;
rm:
    ir_has_epilogue(dir);
    rmdir(dir);
done:
    hloc_module_destroy(m);
    hloc_arena_destroy(arena);
    return ok;
}

static bool check_case(const epi_case *c, const char *t, char *msg, size_t cap) {
    static char fused[8192], plain[8192];
    modules(c, t, fused, plain, sizeof fused);
    return check_modules(c->name, fused, plain, t, c->k, c->on_kernel, msg, cap);
}

/* lstm's step: in a while body (no buffer plan there), the input product with the recurrent
 * one's result as a residual and a bias, as an output fusion. %s: the fused computation (or
 * nothing), the body's instructions that compute o. */
static const char lstm_template[] =
    "HloModule lstm_step\n\n%s"
    "body {\n  p = (s32[], T[16,70]{1,0}, T[16,96]{1,0}, T[70,96]{1,0}, T[96,96]{1,0}, T[96]{0}) parameter(0)\n"
    "  i = s32[] get-tuple-element(p), index=0\n  x = T[16,70]{1,0} get-tuple-element(p), index=1\n"
    "  h = T[16,96]{1,0} get-tuple-element(p), index=2\n  w = T[70,96]{1,0} get-tuple-element(p), index=3\n"
    "  u = T[96,96]{1,0} get-tuple-element(p), index=4\n  bias = T[96]{0} get-tuple-element(p), index=5\n"
    "  one = s32[] constant(1)\n  i1 = s32[] add(i, one)\n"
    "  hu = T[16,96]{1,0} dot(h, u), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "%s"
    "  th = T[16,96]{1,0} tanh(o)\n"
    "  ROOT t = (s32[], T[16,70]{1,0}, T[16,96]{1,0}, T[70,96]{1,0}, T[96,96]{1,0}, T[96]{0}) tuple(i1, x, th, w, u, bias)\n}\n\n"
    "cond {\n  c_p = (s32[], T[16,70]{1,0}, T[16,96]{1,0}, T[70,96]{1,0}, T[96,96]{1,0}, T[96]{0}) parameter(0)\n"
    "  c_i = s32[] get-tuple-element(c_p), index=0\n  c_n = s32[] constant(4)\n"
    "  ROOT c_lt = pred[] compare(c_i, c_n), direction=LT\n}\n\n"
    "ENTRY main {\n  e_x = T[16,70]{1,0} parameter(0)\n  e_w = T[70,96]{1,0} parameter(1)\n  e_u = T[96,96]{1,0} parameter(2)\n"
    "  e_bias = T[96]{0} parameter(3)\n  e_h0 = T[16,96]{1,0} parameter(4)\n  e_z = s32[] constant(0)\n"
    "  e_init = (s32[], T[16,70]{1,0}, T[16,96]{1,0}, T[70,96]{1,0}, T[96,96]{1,0}, T[96]{0}) tuple(e_z, e_x, e_h0, e_w, e_u, e_bias)\n"
    "  e_wl = (s32[], T[16,70]{1,0}, T[16,96]{1,0}, T[70,96]{1,0}, T[96,96]{1,0}, T[96]{0}) while(e_init), condition=cond, body=body\n"
    "  ROOT e_hn = T[16,96]{1,0} get-tuple-element(e_wl), index=2\n}\n";

static void lstm_modules(const char *t, char *fused, char *plain, size_t cap) {
    static char text[8192];
    snprintf(text, sizeof text, lstm_template,
             "fused {\n  f_x = T[16,70]{1,0} parameter(0)\n  f_w = T[70,96]{1,0} parameter(1)\n"
             "  f_r = T[16,96]{1,0} parameter(2)\n  f_bias = T[96]{0} parameter(3)\n"
             "  f_d = T[16,96]{1,0} dot(f_x, f_w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
             "  f_s = T[16,96]{1,0} add(f_d, f_r)\n  f_bb = T[16,96]{1,0} broadcast(f_bias), dimensions={1}\n"
             "  ROOT f_o = T[16,96]{1,0} add(f_s, f_bb)\n}\n\n",
             "  o = T[16,96]{1,0} fusion(x, w, hu, bias), kind=kOutput, calls=fused\n");
    subst(fused, cap, text, t);
    snprintf(text, sizeof text, lstm_template, "",
             "  d = T[16,96]{1,0} dot(x, w), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
             "  s = T[16,96]{1,0} add(d, hu)\n  bb = T[16,96]{1,0} broadcast(bias), dimensions={1}\n"
             "  o = T[16,96]{1,0} add(s, bb)\n");
    subst(plain, cap, text, t);
}

START_TEST(test_while_body) {
    int failed = 0;
    const char *types[2] = {"f32", "f64"};
    static char fused[8192], plain[8192];
    for (int t = 0; t < 2; t++) {
        char msg[1024];
        lstm_modules(types[t], fused, plain, sizeof fused);
        /* Four steps through tanh: the bound for one product, loosely. */
        if (!check_modules("lstm_step", fused, plain, types[t], 4 * 166, true, msg, sizeof msg)) {
            printf("FAIL lstm_step %s: %s\n", types[t], msg);
            fflush(stdout);
            failed++;
        }
    }
    ck_assert_int_eq(failed, 0);
}
END_TEST

START_TEST(test_epilogues) {
    int failed = 0;
    const char *types[2] = {"f32", "f64"};
    for (size_t q = 0; q < sizeof cases / sizeof *cases; q++)
        for (int t = 0; t < 2; t++) {
            if (cases[q].only && strcmp(cases[q].only, types[t])) continue;
            char msg[1024];
            if (!check_case(&cases[q], types[t], msg, sizeof msg)) {
                printf("FAIL %s %s: %s\n", cases[q].name, types[t], msg);
                fflush(stdout);
                failed++;
            }
        }
    ck_assert_int_eq(failed, 0);
    ck_assert_msg(gang_tasks >= 12, "no product ran as 12 tasks at once");
}
END_TEST

int main(void) {
    Suite *s = suite_create("codegen_epilogue");
    TCase *tc = tcase_create("epilogue");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_epilogues);
    tcase_add_test(tc, test_while_body);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
