/* rng-bit-generator against the Random123 known-answer vectors (Threefry-2x32-20,
 * Philox-4x32-10), XLA's element order, narrow and 64-bit outputs and new states; rng's
 * distributions by their ranges and moments, and its determinism. */
#include <math.h>

#include "kb.h"
#include "suites.h"

static hloc_literal *rbg(kb *b, hloc_rng_algorithm alg, const uint64_t *state, int64_t n_state,
                         hloc_type bt, uint32_t rank, const int64_t *dims) {
    hloc_literal *s = kb_lit(b, HLOC_TYPE_U64, 1, &n_state, NULL);
    for (int64_t k = 0; k < n_state; k++)
        ((uint64_t *)s->data)[k] = state[k];
    hloc_shape outs[2] = {s->shape, hloc_shape_array(bt, rank, dims)};
    hloc_literal *out = kb_tuple_out(b, 2, outs);
    hloc_literal *ops[1] = {s};
    hloc_instr *i = kb_instr(b, HLOC_OP_RNG_BIT_GENERATOR, &out->shape, ops, 1);
    i->attrs->rng_algorithm = alg;
    hloc_status *st =
        hloc_eval_rng_bit_generator(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

static uint32_t u32_at(const hloc_literal *l, int64_t e) { return ((const uint32_t *)l->data)[e]; }

/* Threefry's (key, counter) words are (state[0], state[1]) split low/high; a u32[2] output is
 * one block, in order. */
START_TEST(test_threefry_kat) {
    kb b;
    kb_init(&b);
    static const uint64_t states[3][2] = {
        {0, 0}, {~0ull, ~0ull}, {0x0370734413198a2eull, 0x85a308d3243f6a88ull}};
    static const uint32_t want[3][2] = {
        {0x6b200159, 0x99ba4efe}, {0x1cb996fc, 0xbb002be7}, {0xc4923a9c, 0x483df7a0}};
    int64_t d2 = 2;
    for (int k = 0; k < 3; k++) {
        hloc_literal *out = rbg(&b, HLOC_RNG_THREE_FRY, states[k], 2, HLOC_TYPE_U32, 1, &d2);
        ck_assert_uint_eq(u32_at(&out->elems[1], 0), want[k][0]);
        ck_assert_uint_eq(u32_at(&out->elems[1], 1), want[k][1]);
        const uint64_t *ns = out->elems[0].data;
        ck_assert_uint_eq(ns[0], states[k][0]);
        ck_assert_uint_eq(ns[1], states[k][1] + 1);
    }
    kb_free(&b);
}
END_TEST

/* u32[3,2] splits dim 1: row r is block r (counter r), as XLA:CPU prints for state {0, 0}:
 * [[1.7973e9 2.5791e9] [1.3515e9 3.2358e9] [1.6886e9 4.2293e9]], new state {0, 3}. u32[3]
 * splits dim 0 into 2 blocks: block 0, then the first word of block 1. */
START_TEST(test_threefry_order) {
    kb b;
    kb_init(&b);
    uint64_t st[2] = {0, 0};
    hloc_literal *out = rbg(&b, HLOC_RNG_THREE_FRY, st, 2, HLOC_TYPE_U32, 2, (int64_t[]){3, 2});
    double approx[6] = {1.7973e9, 2.5791e9, 1.3515e9, 3.2358e9, 1.6886e9, 4.2293e9};
    for (int e = 0; e < 6; e++)
        ck_assert_msg(fabs(u32_at(&out->elems[1], e) - approx[e]) < 1e5, "element %d", e);
    ck_assert_uint_eq(((uint64_t *)out->elems[0].data)[1], 3);
    hloc_literal *odd = rbg(&b, HLOC_RNG_THREE_FRY, st, 2, HLOC_TYPE_U32, 1, (int64_t[]){3});
    ck_assert_uint_eq(u32_at(&odd->elems[1], 0), 0x6b200159);
    ck_assert_uint_eq(u32_at(&odd->elems[1], 1), 0x99ba4efe);
    ck_assert_uint_eq(u32_at(&odd->elems[1], 2), u32_at(&out->elems[1], 2));
    ck_assert_uint_eq(((uint64_t *)odd->elems[0].data)[1], 2);
    /* 64-bit: one block per element, low word first; u16 keeps the low half of 32 bits */
    hloc_literal *wide = rbg(&b, HLOC_RNG_THREE_FRY, st, 2, HLOC_TYPE_U64, 1, (int64_t[]){1});
    ck_assert_uint_eq(((uint64_t *)wide->elems[1].data)[0], 0x99ba4efe6b200159ull);
    hloc_literal *narrow = rbg(&b, HLOC_RNG_THREE_FRY, st, 2, HLOC_TYPE_U16, 1, (int64_t[]){2});
    ck_assert_uint_eq(((uint16_t *)narrow->elems[1].data)[0], 0x0159);
    ck_assert_uint_eq(((uint16_t *)narrow->elems[1].data)[1], 0x4efe);
    kb_free(&b);
}
END_TEST

/* A u64[3] state is (key, counter low, counter high); u32[4] is one block. */
START_TEST(test_philox_kat) {
    kb b;
    kb_init(&b);
    static const uint64_t states[3][3] = {
        {0, 0, 0},
        {~0ull, ~0ull, ~0ull},
        {0x299f31d0a4093822ull, 0x85a308d3243f6a88ull, 0x0370734413198a2eull}};
    static const uint32_t want[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                                        {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                                        {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    int64_t d4 = 4;
    for (int k = 0; k < 3; k++) {
        hloc_literal *out = rbg(&b, HLOC_RNG_PHILOX, states[k], 3, HLOC_TYPE_U32, 1, &d4);
        for (int j = 0; j < 4; j++)
            ck_assert_uint_eq(u32_at(&out->elems[1], j), want[k][j]);
    }
    /* the counter carries into its high word */
    hloc_literal *out = rbg(&b, HLOC_RNG_PHILOX, states[1], 3, HLOC_TYPE_U32, 1, &d4);
    const uint64_t *ns = out->elems[0].data;
    ck_assert(ns[0] == ~0ull && ns[1] == 0 && ns[2] == 0);
    /* u64 output: two elements per block; the default algorithm is Philox */
    uint64_t zero[3] = {0, 0, 0};
    hloc_literal *wide = rbg(&b, HLOC_RNG_DEFAULT, zero, 3, HLOC_TYPE_U64, 1, (int64_t[]){3});
    const uint64_t *w = wide->elems[1].data;
    ck_assert_uint_eq(w[0], 0xe169c58d6627e8d5ull);
    ck_assert_uint_eq(w[1], 0x9b00dbd8bc57ac4cull);
    ck_assert_uint_eq(((uint64_t *)wide->elems[0].data)[1], 2);
    /* u64[2] state: counter (state[1], state[0]), only the low word comes back */
    uint64_t two[2] = {0, 5};
    hloc_literal *o2 = rbg(&b, HLOC_RNG_PHILOX, two, 2, HLOC_TYPE_U32, 1, (int64_t[]){9});
    ck_assert_uint_eq(((uint64_t *)o2->elems[0].data)[0], 0);
    ck_assert_uint_eq(((uint64_t *)o2->elems[0].data)[1], 8);
    kb_free(&b);
}
END_TEST

static hloc_literal *rng(kb *b, hloc_rng_distribution dist, hloc_type t, double a, double c,
                         int64_t n) {
    hloc_literal *ops[2] = {kb_scalar(b, t, a), kb_scalar(b, t, c)};
    hloc_shape os = hloc_shape_array(t, 1, &n);
    hloc_instr *i = kb_instr(b, HLOC_OP_RNG, &os, ops, 2);
    i->attrs->rng_distribution = dist;
    hloc_literal *out = hloc_literal_create(b->m->arena, &os);
    hloc_status *st = hloc_eval_rng(kb_ev(b), i, (const hloc_literal *const *)ops, out);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    return out;
}

START_TEST(test_rng_distributions) {
    kb b;
    kb_init(&b);
    static const hloc_type fts[] = {HLOC_TYPE_F32, HLOC_TYPE_F64, HLOC_TYPE_BF16};
    hloc_type t = fts[_i];
    int64_t n = 4001;
    hloc_literal *u = rng(&b, HLOC_RNG_DIST_UNIFORM, t, 2, 3, n);
    double sum = 0;
    for (int64_t e = 0; e < n; e++) {
        double v = hloc_literal_get_f64(u, e);
        ck_assert(v >= 2 && v <= 3);
        sum += v;
    }
    ck_assert(fabs(sum / n - 2.5) < 0.02);
    hloc_literal *z = rng(&b, HLOC_RNG_DIST_NORMAL, t, 1, 2, n);
    double s1 = 0, s2 = 0;
    for (int64_t e = 0; e < n; e++) {
        double v = hloc_literal_get_f64(z, e);
        s1 += v;
        s2 += v * v;
    }
    double mean = s1 / n, var = s2 / n - mean * mean;
    ck_assert_msg(fabs(mean - 1) < 0.1 && fabs(var - 4) < 0.3, "mean %g var %g", mean, var);
    kb_free(&b);
}
END_TEST

START_TEST(test_rng_ints_deterministic) {
    kb b;
    kb_init(&b);
    hloc_literal *x = rng(&b, HLOC_RNG_DIST_UNIFORM, HLOC_TYPE_S32, -3, 4, 500);
    int seen[7] = {0};
    for (int64_t e = 0; e < 500; e++) {
        int64_t v = hloc_literal_get_i64(x, e);
        ck_assert(v >= -3 && v < 4);
        seen[v + 3] = 1;
    }
    for (int k = 0; k < 7; k++)
        ck_assert(seen[k]);
    /* the same instruction gives the same numbers on every evaluation */
    hloc_literal *ops[2] = {kb_scalar(&b, HLOC_TYPE_F32, 0), kb_scalar(&b, HLOC_TYPE_F32, 1)};
    int64_t n = 16;
    hloc_shape os = hloc_shape_array(HLOC_TYPE_F32, 1, &n);
    hloc_instr *i = kb_instr(&b, HLOC_OP_RNG, &os, ops, 2);
    i->attrs->rng_distribution = HLOC_RNG_DIST_NORMAL;
    hloc_literal *y1 = hloc_literal_create(b.m->arena, &os),
                 *y2 = hloc_literal_create(b.m->arena, &os);
    ck_assert_ptr_null(hloc_eval_rng(kb_ev(&b), i, (const hloc_literal *const *)ops, y1));
    ck_assert_ptr_null(hloc_eval_rng(kb_ev(&b), i, (const hloc_literal *const *)ops, y2));
    ck_assert(hloc_literal_equal(y1, y2));
    kb_free(&b);
}
END_TEST

Suite *rng_suite(void) {
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, test_threefry_kat);
    tcase_add_test(tc, test_threefry_order);
    tcase_add_test(tc, test_philox_kat);
    tcase_add_loop_test(tc, test_rng_distributions, 0, 3);
    tcase_add_test(tc, test_rng_ints_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
