/* Row reductions (codegen/vector.c) and row-blocked groups (codegen/rows.c) on rows built to hit
 * their rare paths: NaN anywhere in a row (first, in the strided loops, in the leftover vectors,
 * in the scalar tail), NaNs with different payloads and signs, +inf meeting -inf, sums that
 * overflow, all -inf, and -0/+0 ties.
 *
 * 1. A maximum or minimum row reduction must give exactly, bit for bit, what XLA's maximum
 *    (NaN-keeping first operand, ties to the second) gives in the order the row reduction defines
 *    in vector.c: lane l of accumulator a takes the elements j ≡ a·VW + l (mod ROW_ACCS·VW), the
 *    leftover full vectors go to accumulator 0, the last elements to a scalar that starts at the
 *    init value; then the accumulators fold pairwise, the lanes by halves, the scalar last. The
 *    order is emulated here with VW = 16 and ROW_ACCS = 4 (change both together).
 * 2. Softmax and layer norm, fused into row groups, must agree bit for bit with the same module
 *    emitted without fusion (every instruction its own loop nest), on 1 and 2 threads; except
 *    that a NaN is any NaN: which payload an arithmetic op passes on when both operands are NaN
 *    is the machine's (and LLVM may swap the operands of a commutative op). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "eval.h"
#include "hloc/hloc.h"
#include "hloc/runtime.h"
#include "npy_literal.h"
#include "pass.h"

enum { VW = 16, ROW_ACCS = 4 };

static float bits_f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint32_t f_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* XLA's maximum/minimum on f32 (hloc's evaluator and codegen/ew.c): a NaN first operand wins,
 * else the strictly greater (smaller) one, else the second. */
static float xmax(float a, float b) { return isnan(a) ? a : a > b ? a : b; }
static float xmin(float a, float b) { return isnan(a) ? a : a < b ? a : b; }

static float xadd(float a, float b) { return a + b; }

/* The order codegen's row reductions define (vector.c row_reduce), for the reducer |f| with
 * identity |ident|. */
static float row_fold_ref(const float *x, int64_t n, float init, float (*f)(float, float), float ident) {
    float acc[ROW_ACCS][VW];
    for (int a = 0; a < ROW_ACCS; a++)
        for (int l = 0; l < VW; l++) acc[a][l] = ident;
    int64_t j = 0;
    for (; j + ROW_ACCS * VW <= n; j += ROW_ACCS * VW)
        for (int a = 0; a < ROW_ACCS; a++)
            for (int l = 0; l < VW; l++) acc[a][l] = f(acc[a][l], x[j + a * VW + l]);
    for (; j + VW <= n; j += VW)
        for (int l = 0; l < VW; l++) acc[0][l] = f(acc[0][l], x[j + l]);
    float s = init;
    for (; j < n; j++) s = f(s, x[j]);
    for (int w = ROW_ACCS; w > 1; w /= 2)
        for (int a = 0; a < w / 2; a++)
            for (int l = 0; l < VW; l++) acc[a][l] = f(acc[a][l], acc[a + w / 2][l]);
    for (int w = VW; w > 1; w /= 2)
        for (int l = 0; l < w / 2; l++) acc[0][l] = f(acc[0][l], acc[0][l + w / 2]);
    return f(s, acc[0][0]);
}

static float row_reduce_ref(const float *x, int64_t n, float init, bool is_max) {
    return row_fold_ref(x, n, init, is_max ? xmax : xmin, is_max ? -INFINITY : INFINITY);
}

static uint64_t next(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static float uniform(uint64_t *s) { return (float)((double)next(s) / 2147483648.0 * 4.0 - 2.0); }

enum { N_KINDS = 14 };

/* Row |kind| of length n (see the header comment for what each kind aims at). */
static void fill_row(float *x, int64_t n, int kind, uint64_t *seed) {
    for (int64_t j = 0; j < n; j++) x[j] = uniform(seed);
    int64_t strided = n / (ROW_ACCS * VW) * (ROW_ACCS * VW), tail = strided + (n - strided) / VW * VW;
    float qnan = bits_f(0x7fc00000u), pnan = bits_f(0x7fc12345u), nnan = bits_f(0xffc00001u);
    switch (kind) {
    case 0: break;                                  /* finite */
    case 1: x[0] = qnan; break;                     /* NaN first */
    case 2: x[n / 2] = pnan; break;                 /* NaN in the middle */
    case 3: x[n - 1] = nnan; break;                 /* NaN last (the scalar tail when n % VW) */
    case 4:                                         /* NaN in the leftover vectors, else middle */
        x[tail > strided ? strided + 3 : n / 3] = pnan;
        break;
    case 5:                                         /* NaNs of three payloads in several lanes */
        x[n / 5] = qnan, x[n / 3] = nnan, x[(2 * n) / 3] = pnan;
        break;
    case 6: x[n / 4] = INFINITY, x[n / 2] = -INFINITY; break; /* sum NaN, no NaN element */
    case 7:
        for (int64_t j = 0; j < n; j++) x[j] = -INFINITY;
        break;
    case 8: /* ties at zero: the maximum is a zero, which one depends on the order */
        for (int64_t j = 0; j < n; j++) x[j] = next(seed) % 3 == 0 ? -fabsf(x[j]) : (next(seed) & 1 ? 0.0f : -0.0f);
        break;
    case 9: /* and at the minimum */
        for (int64_t j = 0; j < n; j++) x[j] = next(seed) % 3 == 0 ? fabsf(x[j]) : (next(seed) & 1 ? 0.0f : -0.0f);
        break;
    case 10: /* overflowing sums meeting -inf */
        for (int64_t j = 0; j < n; j++) x[j] = j % 2 ? FLT_MAX : -FLT_MAX / 2;
        x[n - 1 - n / 7] = -INFINITY;
        break;
    case 11:
        for (int64_t j = 0; j < n; j++) x[j] = j % 3 ? nnan : qnan;
        break;
    case 12: x[n / 3] = INFINITY, x[n / 2] = qnan; break;
    default: /* masked: -inf in most places */
        for (int64_t j = 0; j < n; j++)
            if (next(seed) % 4) x[j] = -INFINITY;
        break;
    }
}

static hloc_module *compile_text(const char *text) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "module", &m);
    ck_assert_msg(!st, "parse: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline *p = hloc_pipeline_default();
    ck_assert_ptr_nonnull(p);
    st = hloc_pipeline_run(p, m, NULL, NULL);
    ck_assert_msg(!st, "passes: %s", st ? hloc_status_message(st) : "");
    hloc_pipeline_destroy(p);
    return m;
}

static hloc_literal *run(const hloc_module *m, const hloc_literal *const *args, uint32_t n, int threads,
                         bool no_fusion, hloc_arena *arena) {
    hloc_thread_pool *pool = NULL;
    ck_assert_ptr_null(hloc_thread_pool_create(threads, &pool));
    hloc_run_options ro;
    hloc_run_options_init(&ro, threads > 1 ? pool : NULL);
    hloc_cpu_options o = {.opt_level = 2, .no_fusion = no_fusion};
    hloc_literal *out = NULL;
    hloc_status *st = hloc_cpu_run_literals_opts(m, &o, &ro, args, n, arena, &out);
    ck_assert_msg(!st, "cpu: %s", st ? hloc_status_message(st) : "");
    hloc_thread_pool_destroy(pool);
    return out;
}

static const int64_t lengths[] = {1030, 80, 64, 37, 16, 200};
enum { N_LENGTHS = sizeof lengths / sizeof lengths[0] };

static const char *const inits[] = {"-inf", "inf", "nan", "0"};

/* Every kind of row at every length, reduced by maximum and by minimum from every init. */
START_TEST(test_minmax_rows) {
    int64_t n = lengths[_i], rows = N_KINDS * 3;
    for (uint32_t k = 0; k < sizeof inits / sizeof inits[0]; k++) {
        char text[2048];
        snprintf(text, sizeof text,
                 "HloModule mm\n"
                 "max { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] maximum(a, b) }\n"
                 "min { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] minimum(a, b) }\n"
                 "ENTRY e {\n x = f32[%lld,%lld] parameter(0)\n c = f32[] constant(%s)\n"
                 " m = f32[%lld] reduce(x, c), dimensions={1}, to_apply=max\n"
                 " n = f32[%lld] reduce(x, c), dimensions={1}, to_apply=min\n"
                 " ROOT t = (f32[%lld], f32[%lld]) tuple(m, n)\n}\n",
                 (long long)rows, (long long)n, inits[k], (long long)rows, (long long)rows, (long long)rows,
                 (long long)rows);
        hloc_module *m = compile_text(text);
        hloc_arena *arena = hloc_arena_create();
        hloc_shape s = m->entry->params[0]->shape;
        hloc_shape_set_default_layout(&s);
        hloc_literal *x = hloc_literal_create(arena, &s);
        float *xv = x->data;
        uint64_t seed = 0x70ad + (uint64_t)n;
        for (int64_t r = 0; r < rows; r++) fill_row(xv + r * n, n, (int)(r % N_KINDS), &seed);
        float init = k == 0 ? -INFINITY : k == 1 ? INFINITY : k == 2 ? NAN : 0.0f;
        const hloc_literal *args[1] = {x};
        for (int threads = 1; threads <= 2; threads++) {
            hloc_literal *got = run(m, args, 1, threads, false, arena);
            const hloc_literal *leaves[2];
            ck_assert_uint_eq(hloc_literal_leaves(got, leaves, 2), 2);
            for (int64_t r = 0; r < rows; r++)
                for (int mx = 0; mx < 2; mx++) {
                    float want = row_reduce_ref(xv + r * n, n, init, mx == 0);
                    float have = ((const float *)leaves[mx]->data)[r];
                    ck_assert_msg(f_bits(want) == f_bits(have),
                                  "%s over %lld, init %s, row kind %d, %d threads: want %a (0x%08x), got %a "
                                  "(0x%08x)", mx ? "min" : "max", (long long)n, inits[k], (int)(r % N_KINDS),
                                  threads, (double)want, f_bits(want), (double)have, f_bits(have));
                }
        }
        hloc_arena_destroy(arena);
        hloc_module_destroy(m);
    }
}
END_TEST

/* Reductions over the contiguous dimension and others (the row loops nest inside loops over the
 * other reduced dimensions, and a NaN re-scan redoes the whole nest): with one NaN payload and no
 * zeros the result does not depend on the order, so the evaluator's sequential one gives it bit
 * for bit. A NaN in a few of the outputs' inputs, at different depths. */
START_TEST(test_minmax_nested) {
    static const char text[] =
        "HloModule nested\n"
        "max { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] maximum(a, b) }\n"
        "min { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] minimum(a, b) }\n"
        "ENTRY e {\n x = f32[6,5,71] parameter(0)\n ninf = f32[] constant(-inf)\n inf = f32[] constant(inf)\n"
        " a = f32[6] reduce(x, ninf), dimensions={1,2}, to_apply=max\n"
        " b = f32[5] reduce(x, inf), dimensions={0,2}, to_apply=min\n"
        " c = f32[] reduce(x, ninf), dimensions={0,1,2}, to_apply=max\n"
        " ROOT t = (f32[6], f32[5], f32[]) tuple(a, b, c)\n}\n";
    hloc_module *m = compile_text(text);
    hloc_arena *arena = hloc_arena_create();
    hloc_shape s = m->entry->params[0]->shape;
    hloc_shape_set_default_layout(&s);
    for (int variant = 0; variant < 3; variant++) {
        hloc_literal *x = hloc_literal_create(arena, &s);
        float *xv = x->data;
        uint64_t seed = 0x3e57 + (uint64_t)variant;
        for (int64_t k = 0; k < 6 * 5 * 71; k++) {
            float u = uniform(&seed);
            xv[k] = u == 0.0f ? 1.0f : u;
        }
        if (variant >= 1) xv[(2 * 5 + 3) * 71 + 40] = NAN; /* x[2,3,40]: in the strided loop */
        if (variant >= 2) xv[(5 * 5 + 0) * 71 + 69] = -INFINITY, xv[(1 * 5 + 4) * 71 + 3] = INFINITY;
        if (variant == 2) xv[(4 * 5 + 1) * 71 + 70] = NAN; /* x[4,1,70]: the scalar tail */
        const hloc_literal *args[1] = {x};
        hloc_literal *want = NULL;
        hloc_status *st = hloc_evaluate(m, args, 1, NULL, arena, &want);
        ck_assert_msg(!st, "eval: %s", st ? hloc_status_message(st) : "");
        const hloc_literal *w[3], *g[3];
        ck_assert_uint_eq(hloc_literal_leaves(want, w, 3), 3);
        for (int threads = 1; threads <= 2; threads++) {
            hloc_literal *got = run(m, args, 1, threads, false, arena);
            ck_assert_uint_eq(hloc_literal_leaves(got, g, 3), 3);
            for (int k = 0; k < 3; k++)
                for (int64_t e = 0; e < (int64_t)hloc_shape_elements(&w[k]->shape); e++) {
                    uint32_t wb = f_bits(((const float *)w[k]->data)[e]), gb = f_bits(((const float *)g[k]->data)[e]);
                    ck_assert_msg(wb == gb, "variant %d, result %d element %lld, %d threads: 0x%08x, evaluator 0x%08x",
                                  variant, k, (long long)e, threads, gb, wb);
                }
        }
    }
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
END_TEST

/* Softmax as JAX writes it (perf/softmax.hlo); the pipeline turns the divide into a multiply by
 * the reciprocal. */
#define SOFTMAX(R, C) \
    "HloModule softmax\n" \
    "max { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] maximum(a, b) }\n" \
    "add { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] add(a, b) }\n" \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n ninf = f32[] constant(-inf)\n" \
    " m = f32[" #R "] reduce(x, ninf), dimensions={1}, to_apply=max\n" \
    " mb = f32[" #R "," #C "] broadcast(m), dimensions={0}\n" \
    " s = f32[" #R "," #C "] subtract(x, mb)\n e = f32[" #R "," #C "] exponential(s)\n" \
    " zero = f32[] constant(0)\n sum = f32[" #R "] reduce(e, zero), dimensions={1}, to_apply=add\n" \
    " sb = f32[" #R "," #C "] broadcast(sum), dimensions={0}\n" \
    " ROOT d = f32[" #R "," #C "] divide(e, sb)\n}\n"

/* Softmax whose output takes two more transcendentals: its loop would not stream on its own. */
#define TANH_SOFTMAX(R, C) \
    "HloModule tsoftmax\n" \
    "max { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] maximum(a, b) }\n" \
    "add { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] add(a, b) }\n" \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n ninf = f32[] constant(-inf)\n" \
    " m = f32[" #R "] reduce(x, ninf), dimensions={1}, to_apply=max\n" \
    " mb = f32[" #R "," #C "] broadcast(m), dimensions={0}\n" \
    " s = f32[" #R "," #C "] subtract(x, mb)\n e = f32[" #R "," #C "] exponential(s)\n" \
    " zero = f32[] constant(0)\n sum = f32[" #R "] reduce(e, zero), dimensions={1}, to_apply=add\n" \
    " sb = f32[" #R "," #C "] broadcast(sum), dimensions={0}\n d = f32[" #R "," #C "] divide(e, sb)\n" \
    " t = f32[" #R "," #C "] tanh(d)\n ROOT u = f32[" #R "," #C "] tanh(t)\n}\n"

#define LAYERNORM(R, C) \
    "HloModule layernorm\n" \
    "add { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] add(a, b) }\n" \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n zero = f32[] constant(0)\n n = f32[] constant(" #C ")\n" \
    " s = f32[" #R "] reduce(x, zero), dimensions={1}, to_apply=add\n nb = f32[" #R "] broadcast(n), dimensions={}\n" \
    " mean = f32[" #R "] divide(s, nb)\n mb = f32[" #R "," #C "] broadcast(mean), dimensions={0}\n" \
    " xc = f32[" #R "," #C "] subtract(x, mb)\n sq = f32[" #R "," #C "] multiply(xc, xc)\n" \
    " v = f32[" #R "] reduce(sq, zero), dimensions={1}, to_apply=add\n var = f32[" #R "] divide(v, nb)\n" \
    " eps = f32[] constant(1e-05)\n epsb = f32[" #R "] broadcast(eps), dimensions={}\n" \
    " ve = f32[" #R "] add(var, epsb)\n r = f32[" #R "] rsqrt(ve)\n" \
    " rb = f32[" #R "," #C "] broadcast(r), dimensions={0}\n ROOT y = f32[" #R "," #C "] multiply(xc, rb)\n}\n"

/* A maximum over an inline exponential: the re-scan generates the input (and exp's own rare
 * path) a second time. */
#define MAX_OF_EXP(R, C) \
    "HloModule maxexp\n" \
    "max { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] maximum(a, b) }\n" \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n ninf = f32[] constant(-inf)\n" \
    " e = f32[" #R "," #C "] exponential(x)\n" \
    " ROOT m = f32[" #R "] reduce(e, ninf), dimensions={1}, to_apply=max\n}\n"

/* A literal for |m|'s first parameter, a row-major [rows, n] matrix. */
static hloc_literal *matrix_param(const hloc_module *m, hloc_arena *arena, int64_t *rows, int64_t *n) {
    hloc_shape s = m->entry->params[0]->shape;
    hloc_shape_set_default_layout(&s);
    *rows = s.dims[0];
    *n = s.dims[1];
    return hloc_literal_create(arena, &s);
}

/* Equal bits, or two NaNs (which payload an op passes on is the machine's). */
static bool same_or_both_nan(uint32_t a, uint32_t b) { return a == b || (isnan(bits_f(a)) && isnan(bits_f(b))); }

/* matrix_param with every kind of row in turn (fill_row). */
static hloc_literal *kinds_param(const hloc_module *m, hloc_arena *arena, uint64_t seed, int64_t *rows, int64_t *n) {
    hloc_literal *x = matrix_param(m, arena, rows, n);
    for (int64_t r = 0; r < *rows; r++) fill_row((float *)x->data + r * *n, *n, (int)(r % N_KINDS), &seed);
    return x;
}

static const char *const grouped[] = {
    SOFTMAX(42, 1030), SOFTMAX(28, 80), SOFTMAX(56, 37), SOFTMAX(1000, 64), LAYERNORM(42, 1030), LAYERNORM(28, 77),
    MAX_OF_EXP(42, 1030),
};
enum { N_GROUPED = sizeof grouped / sizeof grouped[0] };

START_TEST(test_groups_vs_unfused) {
    hloc_module *m = compile_text(grouped[_i]);
    hloc_arena *arena = hloc_arena_create();
    int64_t rows, n;
    hloc_literal *x = kinds_param(m, arena, 0x9e0 + (uint64_t)_i, &rows, &n);
    const hloc_literal *args[1] = {x};
    hloc_literal *want = run(m, args, 1, 1, true, arena);
    size_t bytes = hloc_shape_bytes(&want->shape), per_row = bytes / 4 / (size_t)rows;
    for (int threads = 1; threads <= 2; threads++)
        for (int nf = 0; nf < 2; nf++) {
            hloc_literal *got = run(m, args, 1, threads, nf, arena);
            ck_assert_uint_eq(hloc_shape_bytes(&got->shape), bytes);
            const uint32_t *g = got->data, *w = want->data;
            for (size_t e = 0; e < bytes / 4; e++)
                ck_assert_msg(same_or_both_nan(g[e], w[e]),
                              "module %d, %d threads%s: row %zu element %zu (row kind %d) is 0x%08x, "
                              "unfused on 1 thread 0x%08x", _i, threads, nf ? " unfused" : "", e / per_row,
                              e % per_row, (int)(e / per_row % N_KINDS), g[e], w[e]);
        }
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
END_TEST

/* Does |dir| hold an unoptimized IR dump with a line matching |regex|? */
static bool ir_has(const char *dir, const char *regex) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grep -q '%s' %s/*.ir-no-opt.ll", regex, dir);
    return system(cmd) == 0;
}

/* The last member trailing a block behind (rows.c, cg_trail): softmax and layer norm (whose
 * variance, an input fusion, its centring loop sums on the way) with outputs large enough to
 * stream, on 1 and 2 threads, with the output on a 64-byte line (the trailing loops) and 4 bytes
 * off it (plain blocks), bit for bit the unfused module's; 1031 rows (a prime) trail by blocks
 * of one row; 1040 columns leave a vector past the loop of four. Rows that are not whole
 * vectors (1030 columns) do not trail; an output that would not stream (two tanh) trails but
 * is stored by a loop of its own. */
static const char *const trailing[] = {SOFTMAX(1024, 1024), SOFTMAX(1031, 1024), SOFTMAX(1024, 1030),
                                       LAYERNORM(1366, 768), SOFTMAX(1024, 1040), TANH_SOFTMAX(1024, 1024)};
static const bool trails[] = {true, true, false, true, true, true};
static const bool stored_on_the_way[] = {true, true, false, true, true, false};
enum { N_TRAILING = sizeof trailing / sizeof trailing[0] };

START_TEST(test_trailing) {
    hloc_module *m = compile_text(trailing[_i]);
    hloc_arena *arena = hloc_arena_create();
    int64_t rows, n;
    hloc_literal *x = kinds_param(m, arena, 0x7a1 + (uint64_t)_i, &rows, &n);
    const hloc_literal *args[1] = {x};
    hloc_literal *want = run(m, args, 1, 1, true, arena);
    size_t bytes = hloc_shape_bytes(&want->shape);

    char dir[] = "/tmp/hloc-trail-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    hloc_cpu_options o = {.opt_level = 2, .dump_dir = dir};
    hloc_cpu_jit *j = NULL;
    hloc_status *st = hloc_cpu_jit_compile(m, &o, &j);
    ck_assert_msg(!st, "compile: %s", st ? hloc_status_message(st) : "");
    ck_assert_msg(ir_has(dir, "^trailing[0-9]*:") == trails[_i], "module %d: trailing loops %s", _i,
                  trails[_i] ? "missing" : "where none belong");
    /* and the trail's stores are made from the summed loop (its row r - lag), not on their own */
    ck_assert_msg(ir_has(dir, "%trow[0-9]* = sub") == stored_on_the_way[_i], "module %d: stores of the trail %s", _i,
                  stored_on_the_way[_i] ? "not in the summed loop" : "where none belong");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* the group's own values (exp and its sums; the centred rows) live in blocks on the stack:
     * the buffer plan gives them no scratch */
    const hloc_module_metadata *md = hloc_cpu_jit_metadata(j);
    ck_assert_msg(md->scratch_bytes < bytes / 16, "module %d: %llu bytes of scratch for a %zu-byte result", _i,
                  (unsigned long long)md->scratch_bytes, bytes);
    hloc_executable *exe = NULL;
    ck_assert_ptr_null(hloc_executable_wrap(md, &exe));
    uint8_t *mem = aligned_alloc(64, bytes + 64);
    ck_assert_ptr_nonnull(mem);
    uint32_t f32 = hloc_runtime_type_code("f32");
    for (int threads = 1; threads <= 2; threads++)
        for (size_t off = 0; off <= 4; off += 4) {
            hloc_thread_pool *pool = NULL;
            ck_assert_ptr_null(hloc_thread_pool_create(threads, &pool));
            hloc_run_options ro;
            hloc_run_options_init(&ro, threads > 1 ? pool : NULL);
            memset(mem, 0x55, bytes + 64);
            hloc_buffer in = {x->data, hloc_shape_bytes(&x->shape), f32}, out = {mem + off, bytes, f32};
            st = hloc_executable_run(exe, &in, 1, &out, 1, &ro);
            ck_assert_msg(!st, "run: %s", st ? hloc_status_message(st) : "");
            hloc_thread_pool_destroy(pool);
            const uint32_t *w = want->data;
            for (size_t e = 0; e < bytes / 4; e++) {
                uint32_t g;
                memcpy(&g, mem + off + 4 * e, 4);
                ck_assert_msg(same_or_both_nan(g, w[e]),
                              "module %d, %d threads, output %zu bytes off a line: row %lld element %lld is "
                              "0x%08x, unfused 0x%08x", _i, threads, off, (long long)(e / (size_t)n),
                              (long long)(e % (size_t)n), g, w[e]);
            }
            for (size_t e = bytes; e < bytes + 64 - off; e++) ck_assert_uint_eq(mem[off + e], 0x55);
        }
    free(mem);
    hloc_executable_unload(exe);
    hloc_cpu_jit_destroy(j);
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
END_TEST

/* Softmax's exp stored and summed in one loop (vector.c materialize_summed): each row's sum is
 * the defined order's over the stored values, at every width (tails, leftover vectors), init
 * value included, on 1 and 2 threads. */
#define SUM_OF_EXP(R, C) \
    "HloModule sumexp\n" \
    "add { a = f32[] parameter(0)\n b = f32[] parameter(1)\n ROOT r = f32[] add(a, b) }\n" \
    "ENTRY e {\n x = f32[" #R "," #C "] parameter(0)\n z = f32[] constant(0.25)\n" \
    " h = f32[] constant(0.5)\n hb = f32[" #R "," #C "] broadcast(h), dimensions={}\n" \
    " xh = f32[" #R "," #C "] multiply(x, hb)\n e = f32[" #R "," #C "] exponential(xh)\n" \
    " s = f32[" #R "] reduce(e, z), dimensions={1}, to_apply=add\n" \
    " sb = f32[" #R "," #C "] broadcast(s), dimensions={0}\n d = f32[" #R "," #C "] divide(e, sb)\n" \
    " ROOT t = (f32[" #R "," #C "], f32[" #R "," #C "], f32[" #R "]) tuple(d, e, s)\n}\n"

static const char *const summed[] = {SUM_OF_EXP(42, 1030), SUM_OF_EXP(28, 80), SUM_OF_EXP(56, 37),
                                     SUM_OF_EXP(30, 16), SUM_OF_EXP(9, 113)};
enum { N_SUMMED = sizeof summed / sizeof summed[0] };

START_TEST(test_sum_on_the_way) {
    hloc_module *m = compile_text(summed[_i]);
    hloc_arena *arena = hloc_arena_create();
    int64_t rows, n;
    hloc_literal *x = matrix_param(m, arena, &rows, &n);
    uint64_t seed = 0x5e0 + (uint64_t)_i;
    for (int64_t k = 0; k < rows * n; k++) ((float *)x->data)[k] = uniform(&seed) * 3.0f;
    const hloc_literal *args[1] = {x};
    for (int threads = 1; threads <= 2; threads++) {
        hloc_literal *got = run(m, args, 1, threads, false, arena);
        const hloc_literal *leaves[3];
        ck_assert_uint_eq(hloc_literal_leaves(got, leaves, 3), 3);
        const float *e = leaves[1]->data, *sum = leaves[2]->data;
        for (int64_t r = 0; r < rows; r++) {
            float want = row_fold_ref(e + r * n, n, 0.25f, xadd, 0.0f);
            ck_assert_msg(f_bits(want) == f_bits(sum[r]), "%lldx%lld, %d threads, row %lld: sum %a, want %a",
                          (long long)rows, (long long)n, threads, (long long)r, sum[r], want);
        }
    }
    hloc_arena_destroy(arena);
    hloc_module_destroy(m);
}
END_TEST

int main(void) {
    Suite *s = suite_create("rowreduce");
    TCase *tc = tcase_create("rowreduce");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_minmax_rows, 0, N_LENGTHS);
    tcase_add_test(tc, test_minmax_nested);
    tcase_add_loop_test(tc, test_groups_vs_unfused, 0, N_GROUPED);
    tcase_add_loop_test(tc, test_sum_on_the_way, 0, N_SUMMED);
    tcase_add_loop_test(tc, test_trailing, 0, N_TRAILING);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
