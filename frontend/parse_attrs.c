/* Instruction attributes: `name=value` after the operands. Each attribute with a typed field in
 * attrs.h is parsed into it; the same name may mean different things per opcode (index, lower,
 * algorithm, kind, type, scatter, padding), so those look at the opcode. Every other attribute
 * (sharding, frontend_attributes, replica_groups, ...) is kept in attrs->extra as the raw text
 * written, so that the printer can echo it. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

typedef void (*attr_fn)(hloc_parser *p, hloc_instr *i, hloc_called_refs *r);

static void add_extra(hloc_parser *p, hloc_instr *i, hloc_called_refs *r, const hloc_token *name) {
    hloc_attrs *a = i->attrs;
    for (uint32_t k = 0; k < a->n_extra; k++)
        if (strlen(a->extra[k].name) == name->n && !memcmp(a->extra[k].name, name->s, name->n))
            parse_fail(p, name, "attribute '%.*s' is given twice", (int)name->n, name->s);
    const char *nm = parse_strndup(p, name->s, name->n);
    const char *val = parse_raw_value(p);
    if (!hloc_arena_grow(p->a, (void **)&a->extra, &r->cap_extra, a->n_extra + 1, sizeof *a->extra))
        parse_fail_oom(p);
    a->extra[a->n_extra].name = nm;
    a->extra[a->n_extra].value = val;
    a->n_extra++;
}

/* Splits a word like 3x3 or 0_1x2_3 into |out| parts of |sep|; returns the count. */
static uint32_t split(const char *s, size_t n, char sep, const char **parts, size_t *lens,
                      uint32_t cap) {
    uint32_t k = 0;
    size_t from = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == sep) {
            if (k == cap) return cap + 1;
            parts[k] = s + from;
            lens[k++] = i - from;
            from = i + 1;
        }
    }
    return k;
}

static bool to_i64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n && s[0] == '-') neg = true, i = 1;
    if (i == n || n - i > 18) return false;
    int64_t v = 0;
    for (; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* A word of |sep|-separated integers such as 3x3 or 0_1_0: each part checked. */
static uint32_t word_ints(hloc_parser *p, const hloc_token *t, char sep, int64_t *out, uint32_t cap,
                          const char *what) {
    const char *parts[HLOC_MAX_RANK + 1];
    size_t lens[HLOC_MAX_RANK + 1];
    if (t->kind != TK_WORD || t->pct) parse_fail(p, t, "expected %s", what);
    uint32_t n = split(t->s, t->n, sep, parts, lens, cap);
    if (n > cap) parse_fail(p, t, "too many parts in %s", what);
    for (uint32_t k = 0; k < n; k++)
        if (!to_i64(parts[k], lens[k], &out[k]))
            parse_fail(p, t, "expected %s, found '%.*s'", what, (int)t->n, t->s);
    return n;
}

/* ---- plain fields ------------------------------------------------------------------------ */

/* Attributes that are one number or boolean stored in one field. */
#define SCALAR_ATTR(fn, field, parse)                                                              \
    static void fn(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {                           \
        (void)r;                                                                                   \
        i->attrs->field = parse(p);                                                                \
    }
SCALAR_ATTR(a_index, index, parse_int)
SCALAR_ATTR(a_iota_dimension, iota_dimension, parse_int)
SCALAR_ATTR(a_feature_group_count, feature_group_count, parse_int)
SCALAR_ATTR(a_batch_group_count, batch_group_count, parse_int)
SCALAR_ATTR(a_is_stable, is_stable, parse_bool)
SCALAR_ATTR(a_k, k, parse_int)
SCALAR_ATTR(a_largest, largest, parse_bool)
SCALAR_ATTR(a_exponent_bits, exponent_bits, parse_int)
SCALAR_ATTR(a_mantissa_bits, mantissa_bits, parse_int)
SCALAR_ATTR(a_epsilon, epsilon, parse_float)
SCALAR_ATTR(a_feature_index, feature_index, parse_int)
SCALAR_ATTR(a_delta, delta, parse_int)
SCALAR_ATTR(a_inferred_dimension, inferred_dimension, parse_int)
SCALAR_ATTR(a_left_side, triangular_solve.left_side, parse_bool)
SCALAR_ATTR(a_unit_diagonal, triangular_solve.unit_diagonal, parse_bool)
SCALAR_ATTR(a_custom_call_has_side_effect, custom_call_has_side_effect, parse_bool)
SCALAR_ATTR(a_unique_indices, scatter.unique_indices, parse_bool)

static void a_dimensions(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    parse_i64_list(p, &i->attrs->dims);
    i->attrs->has_dims = true;
}
static void a_dynamic_slice_sizes(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    parse_i64_list(p, &i->attrs->dynamic_slice_sizes);
}
static void a_fft_length(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    parse_i64_list(p, &i->attrs->fft_length);
}
static void a_lower(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    bool v = parse_bool(p);
    if (i->op == HLOC_OP_CHOLESKY)
        i->attrs->cholesky_lower = v;
    else
        i->attrs->triangular_solve.lower = v;
}
static void a_custom_call_target(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    i->attrs->custom_call_target = parse_string(p);
}
static void a_api_version(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    i->attrs->api_version = parse_name(p, NULL);
}
static void a_backend_config(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    i->attrs->backend_config = parse_raw_value(p);
}
static void a_metadata(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    parse_metadata(p, &i->attrs->metadata);
}

/* ---- enums --------------------------------------------------------------------------------- */

/* Index of the current word in |names| (case-insensitive), consumed; fails listing |what|. */
static int enum_word(hloc_parser *p, const char *const *names, int n, const char *what) {
    if (p->tok.kind == TK_WORD && !p->tok.pct)
        for (int k = 0; k < n; k++)
            if (strlen(names[k]) == p->tok.n && !strncasecmp(names[k], p->tok.s, p->tok.n)) {
                parse_advance(p);
                return k;
            }
    parse_expected(p, what);
}

static void a_direction(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
    i->attrs->cmp_dir =
        (hloc_cmp_dir)(HLOC_CMP_EQ +
                       enum_word(p, n, 6, "a comparison direction (EQ, NE, LT, LE, GT, GE)"));
}
static void a_type(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"FLOAT", "TOTALORDER", "SIGNED", "UNSIGNED"};
    i->attrs->cmp_type =
        (hloc_cmp_type)(HLOC_CMPT_FLOAT +
                        enum_word(p, n, 4,
                                  "a comparison type (FLOAT, TOTALORDER, SIGNED, UNSIGNED)"));
}
static void a_kind(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"kLoop", "kInput", "kOutput", "kCustom"};
    i->attrs->fusion_kind =
        (hloc_fusion_kind)(HLOC_FUSION_LOOP +
                           enum_word(p, n, 4, "a fusion kind (kLoop, kInput, kOutput, kCustom)"));
}
static void a_distribution(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"rng_uniform", "rng_normal"};
    i->attrs->rng_distribution =
        (hloc_rng_distribution)(HLOC_RNG_DIST_UNIFORM +
                                enum_word(p, n, 2, "rng_uniform or rng_normal"));
}
static void a_algorithm(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    if (i->op == HLOC_OP_RNG_BIT_GENERATOR) {
        static const char *const n[] = {"rng_default", "rng_three_fry", "rng_philox"};
        i->attrs->rng_algorithm = (hloc_rng_algorithm)enum_word(
            p, n, 3, "an rng algorithm (rng_default, rng_three_fry, rng_philox)");
    } else {
        i->attrs->algorithm = parse_raw_value(p);
    }
}
static void a_fft_type(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"FFT", "IFFT", "RFFT", "IRFFT"};
    i->attrs->fft_type =
        (hloc_fft_type)(HLOC_FFT_FFT + enum_word(p, n, 4, "an FFT type (FFT, IFFT, RFFT, IRFFT)"));
}
static void a_transpose_a(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"NO_TRANSPOSE", "TRANSPOSE", "ADJOINT"};
    i->attrs->triangular_solve.transpose_a =
        (hloc_transpose_a)(HLOC_TRANSPOSE_NO +
                           enum_word(p, n, 3, "NO_TRANSPOSE, TRANSPOSE or ADJOINT"));
}
static void a_operand_precision(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    static const char *const n[] = {"default", "high", "highest", "packed_nibble"};
    uint32_t cap = 0;
    hloc_attrs *a = i->attrs;
    parse_expect(p, TK_LBRACE, "'{'");
    if (p->tok.kind != TK_RBRACE) {
        do {
            hloc_precision v =
                (hloc_precision)enum_word(p, n, 4, "a precision (default, high, highest)");
            if (!hloc_arena_grow(p->a, (void **)&a->precision, &cap, a->n_precision + 1,
                                 sizeof *a->precision))
                parse_fail_oom(p);
            a->precision[a->n_precision++] = v;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACE, "',' or '}'");
}

/* ---- structured values ------------------------------------------------------------------- */

static void a_slice(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    hloc_attrs *a = i->attrs;
    uint32_t cap0 = 0, cap1 = 0, cap2 = 0;
    parse_expect(p, TK_LBRACE, "'{'");
    a->slice_start.n = a->slice_limit.n = a->slice_stride.n = 0;
    if (p->tok.kind != TK_RBRACE) {
        do {
            parse_expect(p, TK_LBRACKET, "'[' to open a slice range");
            int64_t lo = parse_int(p);
            parse_expect(p, TK_COLON, "':' in slice range");
            int64_t hi = parse_int(p), st = 1;
            if (parse_accept(p, TK_COLON)) st = parse_int(p);
            parse_expect(p, TK_RBRACKET, "']' to close a slice range");
            uint32_t n = a->slice_start.n;
            if (!hloc_arena_grow(p->a, (void **)&a->slice_start.v, &cap0, n + 1, sizeof(int64_t)) ||
                !hloc_arena_grow(p->a, (void **)&a->slice_limit.v, &cap1, n + 1, sizeof(int64_t)) ||
                !hloc_arena_grow(p->a, (void **)&a->slice_stride.v, &cap2, n + 1, sizeof(int64_t)))
                parse_fail_oom(p);
            a->slice_start.v[n] = lo;
            a->slice_limit.v[n] = hi;
            a->slice_stride.v[n] = st;
            a->slice_start.n = a->slice_limit.n = a->slice_stride.n = n + 1;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACE, "',' or '}' in slice");
}

static void a_padding(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    hloc_token t = p->tok;
    const char *parts[HLOC_MAX_RANK + 1];
    size_t lens[HLOC_MAX_RANK + 1];
    if (t.kind != TK_WORD || t.pct) parse_expected(p, "padding such as 0_0x1_2_1");
    uint32_t n = split(t.s, t.n, 'x', parts, lens, HLOC_MAX_RANK);
    if (n > HLOC_MAX_RANK) parse_fail(p, &t, "padding has more than %d dimensions", HLOC_MAX_RANK);
    hloc_padding_dim *pd = parse_alloc(p, p->a, n * sizeof *pd);
    for (uint32_t k = 0; k < n; k++) {
        const char *q[4];
        size_t ql[4];
        int64_t v[3] = {0, 0, 0};
        uint32_t m = split(parts[k], lens[k], '_', q, ql, 3);
        if (m < 2 || m > 3)
            parse_fail(p, &t,
                       "expected padding lo_hi or lo_hi_interior per dimension, found '%.*s'",
                       (int)t.n, t.s);
        for (uint32_t j = 0; j < m; j++)
            if (!to_i64(q[j], ql[j], &v[j]))
                parse_fail(p, &t, "bad number in padding '%.*s'", (int)t.n, t.s);
        pd[k].lo = v[0];
        pd[k].hi = v[1];
        pd[k].interior = v[2];
    }
    i->attrs->padding = pd;
    i->attrs->n_padding = n;
    parse_advance(p);
}

static void a_window(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    enum { SIZE, STRIDE, LHS, RHS, REV, PAD, N_SUB };
    static const char *const names[N_SUB] = {"size",       "stride",       "lhs_dilate",
                                             "rhs_dilate", "rhs_reversal", "pad"};
    static const char *const what[N_SUB] = {
        "window sizes such as 3x3", "window strides such as 2x2", "dilations such as 1x1",
        "dilations such as 1x1",    "reversals such as 0x1",      "window padding such as 0_1x0_1"};
    int64_t v[N_SUB][HLOC_MAX_RANK], hi[HLOC_MAX_RANK];
    int32_t n[N_SUB] = {-1, -1, -1, -1, -1, -1};
    hloc_token open = p->tok;
    parse_expect(p, TK_LBRACE, "'{'");
    while (p->tok.kind != TK_RBRACE) {
        hloc_token key = p->tok;
        int k = 0;
        while (k < N_SUB && !hloc_token_is(&key, names[k]))
            k++;
        if (k == N_SUB)
            parse_expected(p, "a window attribute (size, stride, pad, lhs_dilate, rhs_dilate, "
                              "rhs_reversal) or '}'");
        if (n[k] >= 0) parse_fail(p, &key, "window attribute '%s=' is given twice", names[k]);
        parse_advance(p);
        parse_expect(p, TK_EQUAL, "'='");
        hloc_token t = p->tok;
        if (k != PAD) {
            n[k] = (int32_t)word_ints(p, &t, 'x', v[k], HLOC_MAX_RANK, what[k]);
        } else {
            const char *parts[HLOC_MAX_RANK + 1];
            size_t lens[HLOC_MAX_RANK + 1];
            if (t.kind != TK_WORD || t.pct) parse_expected(p, what[PAD]);
            uint32_t m = split(t.s, t.n, 'x', parts, lens, HLOC_MAX_RANK);
            if (m > HLOC_MAX_RANK) parse_fail(p, &t, "too many window dimensions");
            for (uint32_t d = 0; d < m; d++) {
                const char *q[3];
                size_t ql[3];
                if (split(parts[d], lens[d], '_', q, ql, 2) != 2 ||
                    !to_i64(q[0], ql[0], &v[PAD][d]) || !to_i64(q[1], ql[1], &hi[d]))
                    parse_fail(p, &t, "expected window padding lo_hi per dimension, found '%.*s'",
                               (int)t.n, t.s);
            }
            n[PAD] = (int32_t)m;
        }
        parse_advance(p);
        parse_accept(p, TK_COMMA);
    }
    parse_advance(p);
    int32_t dims = n[SIZE];
    if (dims < 0) {
        for (int k = 0; k < N_SUB; k++)
            if (n[k] >= 0) parse_fail(p, &open, "window has no size=");
        dims = 0;
    }
    for (int k = 0; k < N_SUB; k++)
        if (n[k] >= 0 && n[k] != dims)
            parse_fail(p, &open, "window attributes have %d dimensions but size= has %d", n[k],
                       dims);
    hloc_window_dim *w = parse_alloc(p, p->a, (size_t)(dims ? dims : 1) * sizeof *w);
    for (int32_t d = 0; d < dims; d++) {
        w[d].size = v[SIZE][d];
        w[d].stride = n[STRIDE] >= 0 ? v[STRIDE][d] : 1;
        w[d].pad_lo = n[PAD] >= 0 ? v[PAD][d] : 0;
        w[d].pad_hi = n[PAD] >= 0 ? hi[d] : 0;
        w[d].lhs_dilate = n[LHS] >= 0 ? v[LHS][d] : 1;
        w[d].rhs_dilate = n[RHS] >= 0 ? v[RHS][d] : 1;
        w[d].reversal = n[REV] >= 0 && v[REV][d] != 0;
    }
    i->attrs->window.dims = w;
    i->attrs->window.n_dims = (uint32_t)dims;
}

/* dim_labels=b01f_01io->b01f. */
static void a_dim_labels(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    hloc_token at = p->tok;
    const char *s = parse_raw_value(p);
    const char *us = strchr(s, '_'), *ar = strstr(s, "->");
    if (!us || !ar || ar < us) parse_fail(p, &at, "expected dim_labels such as b01f_01io->b01f");
    const char *part[3] = {s, us + 1, ar + 2};
    size_t len[3] = {(size_t)(us - s), (size_t)(ar - us - 1), strlen(ar + 2)};
    const char *letters[3] = {"bf", "io", "bf"};
    int64_t major[3][2], spatial[3][HLOC_MAX_RANK];
    uint32_t n_spatial[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        major[k][0] = major[k][1] = -1;
        for (uint32_t d = 0; d < HLOC_MAX_RANK; d++)
            spatial[k][d] = -1;
        for (size_t c = 0; c < len[k]; c++) {
            char ch = part[k][c];
            if (ch == letters[k][0] || ch == letters[k][1]) {
                int which = ch == letters[k][1];
                if (major[k][which] >= 0) parse_fail(p, &at, "dim_labels repeat '%c'", ch);
                major[k][which] = (int64_t)c;
            } else if (ch >= '0' && ch <= '9') {
                int d = ch - '0';
                if (spatial[k][d] >= 0) parse_fail(p, &at, "dim_labels repeat '%c'", ch);
                spatial[k][d] = (int64_t)c;
                n_spatial[k]++;
            } else if (ch != '?') {
                parse_fail(p, &at, "unexpected '%c' in dim_labels '%s'", ch, s);
            }
        }
        if (major[k][0] < 0 || major[k][1] < 0)
            parse_fail(p, &at, "dim_labels '%s' lack '%c' or '%c'", s, letters[k][0],
                       letters[k][1]);
    }
    if (n_spatial[0] != n_spatial[1] || n_spatial[0] != n_spatial[2])
        parse_fail(p, &at, "dim_labels '%s' have different numbers of spatial dimensions", s);
    for (int k = 0; k < 3; k++)
        for (uint32_t d = 0; d < n_spatial[0]; d++)
            if (spatial[k][d] < 0)
                parse_fail(p, &at, "dim_labels '%s' skip spatial dimension %u", s, d);
    hloc_conv_dnums *c = &i->attrs->conv;
    c->present = true;
    c->in_batch = major[0][0];
    c->in_feature = major[0][1];
    c->k_in_feature = major[1][0];
    c->k_out_feature = major[1][1];
    c->out_batch = major[2][0];
    c->out_feature = major[2][1];
    c->n_spatial = n_spatial[0];
    for (uint32_t d = 0; d < n_spatial[0]; d++) {
        c->in_spatial[d] = spatial[0][d];
        c->k_spatial[d] = spatial[1][d];
        c->out_spatial[d] = spatial[2][d];
    }
}

static void a_operand_layout_constraints(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    hloc_attrs *a = i->attrs;
    uint32_t cap = 0;
    parse_expect(p, TK_LBRACE, "'{'");
    if (p->tok.kind != TK_RBRACE) {
        do {
            hloc_shape s;
            parse_shape(p, &s);
            if (!hloc_arena_grow(p->a, (void **)&a->operand_layout_constraints, &cap,
                                 a->n_operand_layout_constraints + 1, sizeof s))
                parse_fail_oom(p);
            a->operand_layout_constraints[a->n_operand_layout_constraints++] = s;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACE, "',' or '}'");
    a->has_operand_layout_constraints = true;
}

static void a_literal(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    i->attrs->literal = parse_shaped_literal(p);
}

/* ---- dot, gather, scatter ---------------------------------------------------------------- */

#define LIST_ATTR(fn, field)                                                                       \
    static void fn(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {                           \
        (void)r;                                                                                   \
        parse_i64_list(p, &i->attrs->field);                                                       \
    }
LIST_ATTR(a_lhs_batch_dims, dot.lhs_batch)
LIST_ATTR(a_rhs_batch_dims, dot.rhs_batch)
LIST_ATTR(a_lhs_contracting_dims, dot.lhs_contracting)
LIST_ATTR(a_rhs_contracting_dims, dot.rhs_contracting)
LIST_ATTR(a_lhs_ragged_dims, dot.lhs_ragged)
LIST_ATTR(a_rhs_group_dims, dot.rhs_group)
LIST_ATTR(a_offset_dims, gather.offset_dims)
LIST_ATTR(a_collapsed_slice_dims, gather.collapsed_slice_dims)
LIST_ATTR(a_start_index_map, gather.start_index_map)
LIST_ATTR(a_operand_batching_dims, gather.operand_batching_dims)
LIST_ATTR(a_start_indices_batching_dims, gather.start_indices_batching_dims)
LIST_ATTR(a_slice_sizes, gather.slice_sizes)
LIST_ATTR(a_update_window_dims, scatter.update_window_dims)
LIST_ATTR(a_inserted_window_dims, scatter.inserted_window_dims)
LIST_ATTR(a_scatter_dims_to_operand_dims, scatter.scatter_dims_to_operand_dims)
LIST_ATTR(a_input_batching_dims, scatter.input_batching_dims)
LIST_ATTR(a_scatter_indices_batching_dims, scatter.scatter_indices_batching_dims)

static void a_index_vector_dim(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    int64_t v = parse_int(p);
    if (i->op == HLOC_OP_SCATTER)
        i->attrs->scatter.index_vector_dim = v;
    else
        i->attrs->gather.index_vector_dim = v;
}
static void a_indices_are_sorted(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)r;
    bool v = parse_bool(p);
    if (i->op == HLOC_OP_SCATTER)
        i->attrs->scatter.indices_are_sorted = v;
    else
        i->attrs->gather.indices_are_sorted = v;
}

/* ---- called computations and control predecessors ---------------------------------------- */

/* A computation: its name, or `{ ... }` written in place (XLA's nested computation). */
static void comp_ref(hloc_parser *p, const hloc_instr *i, const char *role, hloc_token *out) {
    if (p->tok.kind == TK_LBRACE)
        *out = parse_inline_computation(p, i, role);
    else
        parse_name(p, out);
}

#define COMP_ATTR(fn, field, role)                                                                 \
    static void fn(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {                           \
        comp_ref(p, i, role, &r->field);                                                           \
    }
COMP_ATTR(a_to_apply, to_apply, "to_apply")
COMP_ATTR(a_calls, calls, "calls")
COMP_ATTR(a_condition, condition, "condition")
COMP_ATTR(a_body, body, "body")
COMP_ATTR(a_true_computation, true_comp, "true_computation")
COMP_ATTR(a_false_computation, false_comp, "false_computation")
COMP_ATTR(a_select, select, "select")
COMP_ATTR(a_scatter, scatter, "scatter")

/* {a, b, c} of names into a scratch array. */
/* With |i| set the items are computations, which may be written in place. */
static void name_list(hloc_parser *p, const hloc_instr *i, const char *role, hloc_token **out,
                      uint32_t *n) {
    uint32_t cap = 0;
    parse_expect(p, TK_LBRACE, "'{'");
    if (p->tok.kind != TK_RBRACE) {
        do {
            hloc_token t;
            if (i)
                comp_ref(p, i, role, &t);
            else
                parse_name(p, &t);
            if (!hloc_arena_grow(p->tmp, (void **)out, &cap, *n + 1, sizeof t)) parse_fail_oom(p);
            (*out)[(*n)++] = t;
        } while (parse_accept(p, TK_COMMA));
    }
    parse_expect(p, TK_RBRACE, "',' or '}'");
}
static void a_branch_computations(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    name_list(p, i, "branch_computations", &r->branches, &r->n_branches);
}
static void a_called_computations(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    name_list(p, i, "called_computations", &r->called, &r->n_called);
}
static void a_control_predecessors(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    (void)i;
    name_list(p, NULL, NULL, &r->preds, &r->n_preds);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

enum { ANY = -1 };
static const struct {
    const char *name;
    int op; /* ANY or the only opcode for which the name is typed; otherwise it is kept raw */
    attr_fn fn;
} table[] = {
    {"dimensions", ANY, a_dimensions},
    {"index", HLOC_OP_GET_TUPLE_ELEMENT, a_index},
    {"iota_dimension", HLOC_OP_IOTA, a_iota_dimension},
    {"slice", HLOC_OP_SLICE, a_slice},
    {"dynamic_slice_sizes", HLOC_OP_DYNAMIC_SLICE, a_dynamic_slice_sizes},
    {"padding", HLOC_OP_PAD, a_padding},
    {"window", ANY, a_window},
    {"dim_labels", ANY, a_dim_labels},
    {"feature_group_count", ANY, a_feature_group_count},
    {"batch_group_count", ANY, a_batch_group_count},
    {"lhs_batch_dims", ANY, a_lhs_batch_dims},
    {"rhs_batch_dims", ANY, a_rhs_batch_dims},
    {"lhs_contracting_dims", ANY, a_lhs_contracting_dims},
    {"rhs_contracting_dims", ANY, a_rhs_contracting_dims},
    {"lhs_ragged_dims", ANY, a_lhs_ragged_dims},
    {"rhs_group_dims", ANY, a_rhs_group_dims},
    {"operand_precision", ANY, a_operand_precision},
    {"algorithm", ANY, a_algorithm},
    {"direction", HLOC_OP_COMPARE, a_direction},
    {"type", HLOC_OP_COMPARE, a_type},
    {"offset_dims", ANY, a_offset_dims},
    {"collapsed_slice_dims", ANY, a_collapsed_slice_dims},
    {"start_index_map", ANY, a_start_index_map},
    {"operand_batching_dims", ANY, a_operand_batching_dims},
    {"start_indices_batching_dims", ANY, a_start_indices_batching_dims},
    {"index_vector_dim", ANY, a_index_vector_dim},
    {"slice_sizes", ANY, a_slice_sizes},
    {"indices_are_sorted", ANY, a_indices_are_sorted},
    {"update_window_dims", ANY, a_update_window_dims},
    {"inserted_window_dims", ANY, a_inserted_window_dims},
    {"scatter_dims_to_operand_dims", ANY, a_scatter_dims_to_operand_dims},
    {"input_batching_dims", ANY, a_input_batching_dims},
    {"scatter_indices_batching_dims", ANY, a_scatter_indices_batching_dims},
    {"unique_indices", HLOC_OP_SCATTER, a_unique_indices},
    {"is_stable", HLOC_OP_SORT, a_is_stable},
    {"k", HLOC_OP_TOPK, a_k},
    {"largest", HLOC_OP_TOPK, a_largest},
    {"exponent_bits", HLOC_OP_REDUCE_PRECISION, a_exponent_bits},
    {"mantissa_bits", HLOC_OP_REDUCE_PRECISION, a_mantissa_bits},
    {"epsilon", ANY, a_epsilon},
    {"feature_index", ANY, a_feature_index},
    {"kind", HLOC_OP_FUSION, a_kind},
    {"custom_call_target", HLOC_OP_CUSTOM_CALL, a_custom_call_target},
    {"custom_call_has_side_effect", HLOC_OP_CUSTOM_CALL, a_custom_call_has_side_effect},
    {"api_version", HLOC_OP_CUSTOM_CALL, a_api_version},
    {"backend_config", ANY, a_backend_config},
    {"operand_layout_constraints", HLOC_OP_CUSTOM_CALL, a_operand_layout_constraints},
    {"distribution", HLOC_OP_RNG, a_distribution},
    {"delta", HLOC_OP_RNG_GET_AND_UPDATE_STATE, a_delta},
    {"fft_type", HLOC_OP_FFT, a_fft_type},
    {"fft_length", HLOC_OP_FFT, a_fft_length},
    {"left_side", HLOC_OP_TRIANGULAR_SOLVE, a_left_side},
    {"lower", ANY, a_lower},
    {"unit_diagonal", HLOC_OP_TRIANGULAR_SOLVE, a_unit_diagonal},
    {"transpose_a", HLOC_OP_TRIANGULAR_SOLVE, a_transpose_a},
    {"literal", HLOC_OP_CUSTOM_CALL, a_literal},
    {"inferred_dimension", HLOC_OP_RESHAPE, a_inferred_dimension},
    {"metadata", ANY, a_metadata},
    {"to_apply", ANY, a_to_apply},
    {"calls", ANY, a_calls},
    {"condition", HLOC_OP_WHILE, a_condition},
    {"body", HLOC_OP_WHILE, a_body},
    {"true_computation", HLOC_OP_CONDITIONAL, a_true_computation},
    {"false_computation", HLOC_OP_CONDITIONAL, a_false_computation},
    {"branch_computations", HLOC_OP_CONDITIONAL, a_branch_computations},
    {"select", HLOC_OP_SELECT_AND_SCATTER, a_select},
    {"scatter", HLOC_OP_SELECT_AND_SCATTER, a_scatter},
    {"called_computations", ANY, a_called_computations},
    {"control-predecessors", ANY, a_control_predecessors},
};
_Static_assert(sizeof table / sizeof table[0] <= sizeof(((hloc_called_refs *)0)->seen),
               "seen[] too small");

void parse_attribute(hloc_parser *p, hloc_instr *i, hloc_called_refs *r) {
    hloc_token name = p->tok;
    if (name.kind != TK_WORD || name.pct) parse_expected(p, "an attribute name");
    parse_advance(p);
    parse_expect(p, TK_EQUAL, "'=' after the attribute name");
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        if (strlen(table[k].name) != name.n || memcmp(table[k].name, name.s, name.n)) continue;
        if (table[k].op != ANY && table[k].op != (int)i->op) break;
        if (r->seen[k]) parse_fail(p, &name, "attribute '%s' is given twice", table[k].name);
        r->seen[k] = 1;
        table[k].fn(p, i, r);
        return;
    }
    add_extra(p, i, r, &name);
}

/* Attributes XLA's parser requires per opcode ("attribute X is expected but not seen"). */
static const struct {
    hloc_opcode op;
    const char *names; /* space-separated */
} required[] = {
    {HLOC_OP_COMPARE, "direction"},
    {HLOC_OP_IOTA, "iota_dimension"},
    {HLOC_OP_GET_TUPLE_ELEMENT, "index"},
    {HLOC_OP_TRANSPOSE, "dimensions"},
    {HLOC_OP_REVERSE, "dimensions"},
    {HLOC_OP_CONCATENATE, "dimensions"},
    {HLOC_OP_SLICE, "slice"},
    {HLOC_OP_DYNAMIC_SLICE, "dynamic_slice_sizes"},
    {HLOC_OP_PAD, "padding"},
    {HLOC_OP_REDUCE, "dimensions to_apply"},
    {HLOC_OP_REDUCE_WINDOW, "to_apply"},
    {HLOC_OP_SELECT_AND_SCATTER, "select scatter"},
    {HLOC_OP_CONVOLUTION, "dim_labels"},
    {HLOC_OP_GATHER,
     "offset_dims collapsed_slice_dims start_index_map index_vector_dim slice_sizes"},
    {HLOC_OP_SCATTER, "update_window_dims inserted_window_dims scatter_dims_to_operand_dims "
                      "index_vector_dim to_apply"},
    {HLOC_OP_SORT, "dimensions to_apply"},
    {HLOC_OP_TOPK, "k"},
    {HLOC_OP_WHILE, "condition body"},
    {HLOC_OP_CALL, "to_apply"},
    {HLOC_OP_MAP, "to_apply"},
    {HLOC_OP_FUSION, "kind calls"},
    {HLOC_OP_CUSTOM_CALL, "custom_call_target"},
    {HLOC_OP_RNG, "distribution"},
    {HLOC_OP_RNG_BIT_GENERATOR, "algorithm"},
    {HLOC_OP_RNG_GET_AND_UPDATE_STATE, "delta"},
    {HLOC_OP_REDUCE_PRECISION, "exponent_bits mantissa_bits"},
    {HLOC_OP_BATCH_NORM_TRAINING, "epsilon feature_index"},
    {HLOC_OP_BATCH_NORM_INFERENCE, "epsilon feature_index"},
    {HLOC_OP_BATCH_NORM_GRAD, "epsilon feature_index"},
    {HLOC_OP_FFT, "fft_type fft_length"},
    {HLOC_OP_ALL_REDUCE, "to_apply"},
    {HLOC_OP_REDUCE_SCATTER, "to_apply dimensions"},
    {HLOC_OP_GET_DIMENSION_SIZE, "dimensions"},
    {HLOC_OP_SET_DIMENSION_SIZE, "dimensions"},
};

static bool seen(const hloc_called_refs *r, const char *name, size_t n) {
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (strlen(table[k].name) == n && !memcmp(table[k].name, name, n)) return r->seen[k] != 0;
    return false;
}

void parse_check_required(hloc_parser *p, const hloc_instr *i, const hloc_called_refs *r,
                          const hloc_token *op) {
    if (i->op == HLOC_OP_CONDITIONAL) {
        bool tf = seen(r, "true_computation", 16) && seen(r, "false_computation", 17);
        bool br = seen(r, "branch_computations", 19);
        if (tf == br ||
            (!tf && (seen(r, "true_computation", 16) || seen(r, "false_computation", 17))))
            parse_fail(p, op,
                       "conditional '%s' needs either true_computation and false_computation or "
                       "branch_computations",
                       i->name);
        return;
    }
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
        if (required[k].op != i->op) continue;
        for (const char *s = required[k].names; *s;) {
            size_t n = strcspn(s, " ");
            if (!seen(r, s, n))
                parse_fail(p, op, "attribute '%.*s' is expected but not seen for '%s'", (int)n, s,
                           hloc_opcode_name(i->op));
            s += n;
            while (*s == ' ')
                s++;
        }
    }
}

/* ---- metadata -------------------------------------------------------------------------------- */

void parse_metadata(hloc_parser *p, hloc_metadata *md) {
    parse_expect(p, TK_LBRACE, "'{' to open metadata");
    md->present = true;
    while (p->tok.kind != TK_RBRACE) {
        hloc_token key = p->tok;
        if (key.kind != TK_WORD) parse_expected(p, "a metadata field or '}'");
        parse_advance(p);
        parse_expect(p, TK_EQUAL, "'='");
        if (hloc_token_is(&key, "op_type"))
            md->op_type = parse_string(p);
        else if (hloc_token_is(&key, "op_name"))
            md->op_name = parse_string(p);
        else if (hloc_token_is(&key, "source_file"))
            md->source_file = parse_string(p);
        else if (hloc_token_is(&key, "deduplicated_name"))
            md->deduplicated_name = parse_string(p);
        else if (hloc_token_is(&key, "scheduling_name"))
            md->scheduling_name = parse_string(p);
        else if (hloc_token_is(&key, "source_line"))
            md->source_line = parse_int(p);
        else if (hloc_token_is(&key, "source_end_line"))
            md->source_end_line = parse_int(p);
        else if (hloc_token_is(&key, "source_column"))
            md->source_column = parse_int(p);
        else if (hloc_token_is(&key, "source_end_column"))
            md->source_end_column = parse_int(p);
        else if (hloc_token_is(&key, "stack_frame_id"))
            md->stack_frame_id = parse_int(p);
        else if (hloc_token_is(&key, "profile_type")) {
            hloc_token open = p->tok;
            parse_expect(p, TK_LBRACE, "'{'");
            size_t from = p->tok.off;
            int depth = 1;
            for (;;) {
                if (p->tok.kind == TK_EOF) parse_fail(p, &open, "unterminated profile_type");
                if (p->tok.kind == TK_LBRACE) depth++;
                if (p->tok.kind == TK_RBRACE && --depth == 0) break;
                parse_advance(p);
            }
            md->profile_type = parse_strndup(p, p->lx.src + from, p->tok.off - from);
            parse_advance(p);
        } else {
            /* Fields newer than hloc_metadata are skipped: one token or one bracketed group. */
            hloc_token open = p->tok;
            int depth = 0;
            do {
                if (p->tok.kind == TK_EOF) parse_fail(p, &open, "unterminated metadata value");
                if (p->tok.kind == TK_LBRACE || p->tok.kind == TK_LPAREN ||
                    p->tok.kind == TK_LBRACKET)
                    depth++;
                if (p->tok.kind == TK_RBRACE || p->tok.kind == TK_RPAREN ||
                    p->tok.kind == TK_RBRACKET) {
                    if (depth == 0) parse_expected(p, "a metadata value");
                    depth--;
                }
                parse_advance(p);
            } while (depth > 0);
        }
        parse_accept(p, TK_COMMA);
    }
    parse_advance(p);
}
