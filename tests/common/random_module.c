/* Random HLO modules for differential tests (see random_module.h). */
#include "random_module.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_VALUES = 256, MAX_R = 4 };

typedef struct value {
    char name[16];
    bool is_int; /* s32, else f32 */
    int rank;
    int dims[MAX_R];
    bool used;
} value;

typedef struct gen {
    uint64_t s;
    char *buf;
    size_t len, cap;
    bool oom;
    value v[MAX_VALUES];
    int n;
} gen;

static uint64_t next(gen *g) {
    /* splitmix64: tiny, good enough, and identical on every machine */
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int pick(gen *g, int n) { return (int)(next(g) % (uint64_t)n); }

static void out(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(gen *g, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        if (k < 0) {
            g->oom = true;
            return;
        }
        if ((size_t)k < g->cap - g->len) {
            g->len += (size_t)k;
            return;
        }
        size_t cap = g->cap * 2 + (size_t)k + 64;
        char *n = realloc(g->buf, cap);
        if (!n) {
            g->oom = true;
            return;
        }
        g->buf = n;
        g->cap = cap;
    }
}

static void shape(gen *g, const value *v) {
    out(g, "%s[", v->is_int ? "s32" : "f32");
    for (int k = 0; k < v->rank; k++) out(g, "%s%d", k ? "," : "", v->dims[k]);
    out(g, "]");
}

static value *add_value(gen *g, bool is_int, int rank, const int *dims) {
    value *v = &g->v[g->n];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "v%d", g->n);
    v->is_int = is_int;
    v->rank = rank;
    for (int k = 0; k < rank; k++) v->dims[k] = dims[k];
    g->n++;
    return v;
}

/* Begins "  vN = SHAPE " for a new value and returns it. */
static value *def(gen *g, bool is_int, int rank, const int *dims) {
    value *v = add_value(g, is_int, rank, dims);
    out(g, "  %s = ", v->name);
    shape(g, v);
    out(g, " ");
    return v;
}

static value *any(gen *g) {
    value *v = &g->v[g->n - 1 - pick(g, g->n < 6 ? g->n : 6)];
    v->used = true;
    return v;
}

static value *find_same(gen *g, const value *a) {
    for (int t = 0; t < 8; t++) {
        value *b = &g->v[pick(g, g->n)];
        if (b->is_int == a->is_int && b->rank == a->rank && !memcmp(b->dims, a->dims, sizeof(int) * a->rank)) {
            b->used = true;
            return b;
        }
    }
    return NULL;
}

static void dims_list(gen *g, int n, const int *d) {
    out(g, "{");
    for (int k = 0; k < n; k++) out(g, "%s%d", k ? "," : "", d[k]);
    out(g, "}");
}

static void op_unary(gen *g) {
    value *a = any(g);
    static const char *const f_ops[] = {"negate", "abs", "exponential", "tanh", "floor", "sine", "logistic"};
    static const char *const i_ops[] = {"negate", "abs", "not", "popcnt"};
    const char *op = a->is_int ? i_ops[pick(g, 4)] : f_ops[pick(g, 7)];
    def(g, a->is_int, a->rank, a->dims);
    out(g, "%s(%s)\n", op, a->name);
}

static void op_binary(gen *g) {
    value *a = any(g);
    value *b = find_same(g, a);
    if (!b) b = a;
    static const char *const f_ops[] = {"add", "multiply", "subtract", "maximum", "minimum", "divide"};
    static const char *const i_ops[] = {"add", "multiply", "subtract", "maximum", "minimum", "divide",
                                        "remainder", "and", "xor", "shift-left"};
    const char *op = a->is_int ? i_ops[pick(g, 10)] : f_ops[pick(g, 6)];
    def(g, a->is_int, a->rank, a->dims);
    out(g, "%s(%s, %s)\n", op, a->name, b->name);
}

static void op_broadcast(gen *g) {
    value *a = any(g);
    if (a->rank >= MAX_R) return op_unary(g);
    int at = pick(g, a->rank + 1), dims[MAX_R], map[MAX_R], n = 0;
    for (int k = 0; k <= a->rank; k++) {
        if (k == at) dims[k] = 1 + pick(g, 4);
        else map[n] = k, dims[k] = a->dims[n], n++;
    }
    def(g, a->is_int, a->rank + 1, dims);
    out(g, "broadcast(%s), dimensions=", a->name);
    dims_list(g, a->rank, map);
    out(g, "\n");
}

static void op_reduce(gen *g) {
    value *a = any(g);
    if (a->rank == 0) return op_broadcast(g);
    int d = pick(g, a->rank), dims[MAX_R], n = 0;
    for (int k = 0; k < a->rank; k++)
        if (k != d) dims[n++] = a->dims[k];
    bool max = pick(g, 2);
    const char *t = a->is_int ? "s32" : "f32";
    value *init = def(g, a->is_int, 0, dims);
    if (max) out(g, "constant(%s)\n", a->is_int ? "-2147483648" : "-inf");
    else out(g, "constant(0)\n");
    init->used = true;
    def(g, a->is_int, n, dims);
    out(g, "reduce(%s, %s), dimensions={%d}, to_apply=%s_%s\n", a->name, init->name, d, max ? "max" : "add", t);
}

static void op_transpose(gen *g) {
    value *a = any(g);
    if (a->rank < 2) return op_broadcast(g);
    int perm[MAX_R], dims[MAX_R];
    for (int k = 0; k < a->rank; k++) perm[k] = k;
    for (int k = a->rank - 1; k > 0; k--) {
        int j = pick(g, k + 1), t = perm[k];
        perm[k] = perm[j];
        perm[j] = t;
    }
    for (int k = 0; k < a->rank; k++) dims[k] = a->dims[perm[k]];
    def(g, a->is_int, a->rank, dims);
    out(g, "transpose(%s), dimensions=", a->name);
    dims_list(g, a->rank, perm);
    out(g, "\n");
}

static void op_reshape(gen *g) {
    value *a = any(g);
    int total = 1;
    for (int k = 0; k < a->rank; k++) total *= a->dims[k];
    int dims[MAX_R], rank;
    if (a->rank >= 2 || pick(g, 2)) {
        dims[0] = total;
        rank = 1;
    } else {
        int f = 1;
        for (int c = 2; c <= total; c++)
            if (total % c == 0) {
                f = c;
                break;
            }
        dims[0] = f;
        dims[1] = total / f;
        rank = 2;
    }
    def(g, a->is_int, rank, dims);
    out(g, "reshape(%s)\n", a->name);
}

static void op_slice(gen *g) {
    value *a = any(g);
    if (a->rank == 0) return op_broadcast(g);
    int dims[MAX_R], lo[MAX_R], hi[MAX_R], st[MAX_R];
    for (int k = 0; k < a->rank; k++) {
        lo[k] = pick(g, a->dims[k]);
        hi[k] = lo[k] + 1 + pick(g, a->dims[k] - lo[k]);
        st[k] = 1 + pick(g, 2);
        dims[k] = (hi[k] - lo[k] + st[k] - 1) / st[k];
    }
    def(g, a->is_int, a->rank, dims);
    out(g, "slice(%s), slice={", a->name);
    for (int k = 0; k < a->rank; k++) out(g, "%s[%d:%d:%d]", k ? ", " : "", lo[k], hi[k], st[k]);
    out(g, "}\n");
}

static void op_concat(gen *g) {
    value *a = any(g);
    if (a->rank == 0) return op_broadcast(g);
    value *b = find_same(g, a);
    if (!b) b = a;
    int d = pick(g, a->rank), dims[MAX_R];
    memcpy(dims, a->dims, sizeof dims);
    dims[d] *= 2;
    def(g, a->is_int, a->rank, dims);
    out(g, "concatenate(%s, %s), dimensions={%d}\n", a->name, b->name, d);
}

static void op_dot(gen *g) {
    value *a = any(g);
    if (a->rank != 2 || a->is_int) return op_transpose(g);
    int n = 1 + pick(g, 5);
    value *w = add_value(g, false, 2, (int[]){a->dims[1], n});
    out(g, "  %s = f32[%d,%d] parameter(%d)\n", w->name, a->dims[1], n, -1); /* patched below */
    w->used = true;
    def(g, false, 2, (int[]){a->dims[0], n});
    out(g, "dot(%s, %s), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n", a->name, w->name);
}

static void op_select(gen *g) {
    value *a = any(g);
    value *b = find_same(g, a);
    if (!b) b = a;
    /* The predicate is not a value others may pick: they expect f32 or s32. */
    out(g, "  pred%d = pred[", g->n);
    for (int k = 0; k < a->rank; k++) out(g, "%s%d", k ? "," : "", a->dims[k]);
    static const char *const dirs[] = {"LT", "GT", "EQ", "NE", "GE", "LE"};
    out(g, "] compare(%s, %s), direction=%s\n", a->name, b->name, dirs[pick(g, 6)]);
    int pn = g->n;
    def(g, a->is_int, a->rank, a->dims);
    out(g, "select(pred%d, %s, %s)\n", pn, b->name, a->name);
}

static void op_convert(gen *g) {
    value *a = any(g);
    def(g, !a->is_int, a->rank, a->dims);
    out(g, "convert(%s)\n", a->name);
}

/* parameter(-1) placeholders (weights added mid-body) get their numbers here. */
static void number_parameters(char *text) {
    int next_param = 0;
    char *entry = strstr(text, "ENTRY");
    for (char *p = entry ? entry : text; (p = strstr(p, "parameter(")); p += 10) {
        char *q = p + 10;
        if (!strncmp(q, "-1)", 3)) {
            char num[8];
            int k = snprintf(num, sizeof num, "%d", next_param++);
            /* "-1" is two characters: one-digit numbers get a leading blank, which HLO allows. */
            if (k == 1) {
                q[0] = ' ';
                q[1] = num[0];
            } else {
                q[0] = num[0];
                q[1] = num[1];
            }
        } else {
            next_param = atoi(q) + 1;
        }
    }
}

char *random_module(uint64_t seed, int n_ops) {
    gen g = {.s = seed * 0x2545f4914f6cdd1dull + 1};
    if (n_ops > MAX_VALUES / 4) n_ops = MAX_VALUES / 4;
    out(&g, "HloModule random_%llu\n\n", (unsigned long long)seed);
    static const char *const types[] = {"f32", "s32"};
    for (int t = 0; t < 2; t++) {
        const char *ty = types[t];
        out(&g, "add_%s {\n  add_%s.a = %s[] parameter(0)\n  add_%s.b = %s[] parameter(1)\n"
                "  ROOT add_%s.r = %s[] add(add_%s.a, add_%s.b)\n}\n\n",
            ty, ty, ty, ty, ty, ty, ty, ty, ty);
        out(&g, "max_%s {\n  max_%s.a = %s[] parameter(0)\n  max_%s.b = %s[] parameter(1)\n"
                "  ROOT max_%s.r = %s[] maximum(max_%s.a, max_%s.b)\n}\n\n",
            ty, ty, ty, ty, ty, ty, ty, ty, ty);
    }
    out(&g, "ENTRY main {\n");
    int n_params = 1 + pick(&g, 3);
    for (int k = 0; k < n_params; k++) {
        int rank = pick(&g, 4), dims[MAX_R];
        for (int d = 0; d < rank; d++) dims[d] = 1 + pick(&g, 6);
        value *v = def(&g, pick(&g, 4) == 0, rank, dims);
        out(&g, "parameter(-1)\n");
        (void)v;
    }
    void (*const ops[])(gen *) = {op_unary,   op_binary, op_binary, op_broadcast, op_reduce, op_transpose,
                                  op_reshape, op_slice,  op_concat, op_dot,       op_select, op_convert};
    for (int k = 0; k < n_ops && g.n < MAX_VALUES - 8; k++) ops[pick(&g, (int)(sizeof ops / sizeof *ops))](&g);
    int roots[8], n_roots = 0;
    for (int k = g.n - 1; k >= 0 && n_roots < 8; k--)
        if (!g.v[k].used) roots[n_roots++] = k;
    out(&g, "  ROOT root = (");
    for (int k = 0; k < n_roots; k++) {
        if (k) out(&g, ", ");
        shape(&g, &g.v[roots[k]]);
    }
    out(&g, ") tuple(");
    for (int k = 0; k < n_roots; k++) out(&g, "%s%s", k ? ", " : "", g.v[roots[k]].name);
    out(&g, ")\n}\n");
    if (g.oom) {
        free(g.buf);
        return NULL;
    }
    number_parameters(g.buf);
    return g.buf;
}
