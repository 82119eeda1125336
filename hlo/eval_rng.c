/* Random numbers in the reference evaluator.
 *
 * rng-bit-generator computes exactly what XLA's RngBitGeneratorExpander builds from
 * xla/hlo/builder/lib/prng.cc: key = state[0]; Threefry-2x32 (20 rounds) over the counters
 * state[1] + i, or Philox-4x32 (10 rounds) over the 128-bit counter (state[1], state[2]) — for a
 * u64[2] state, (state[1], state[0]) — both with the output element order, narrow-type truncation
 * and new-state arithmetic of that file. rng_default means Philox, as XLA:CPU's compiler passes
 * RNG_PHILOX to the expander.
 *
 * rng (distribution=uniform/normal) follows XLA's RngExpander (Philox bits, uniform by mantissa
 * bits, normal by Box-Muller) but deterministically: XLA seeds it from a process-wide random value
 * and a running counter, so its numbers are not reproducible anyway. Here the key is the
 * instruction's id and the counter starts at 0 on every evaluation: the same module and inputs
 * always give the same numbers. Box-Muller runs in f64 and rounds once. */
#include <math.h>
#include <string.h>

#include "eval_kutil.h"

static inline uint32_t rotl32(uint32_t v, int d) { return (v << d) | (v >> (32 - d)); }

/* Threefry-2x32 with 20 rounds (Salmon et al., SC 2011), as XLA and JAX compute it. */
static void threefry2x32(const uint32_t key[2], const uint32_t in[2], uint32_t out[2]) {
    static const int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    uint32_t ks[3] = {key[0], key[1], 0x1BD11BDAu ^ key[0] ^ key[1]};
    uint32_t x0 = in[0] + ks[0], x1 = in[1] + ks[1];
    for (int group = 0; group < 5; group++) {
        for (int r = 0; r < 4; r++) {
            x0 += x1;
            x1 = rotl32(x1, rot[(group % 2) * 4 + r]);
            x1 ^= x0;
        }
        x0 += ks[(group + 1) % 3];
        x1 += ks[(group + 2) % 3] + (uint32_t)(group + 1);
    }
    out[0] = x0;
    out[1] = x1;
}

/* Philox-4x32 with 10 rounds, as XLA computes it. */
static void philox4x32(const uint32_t key_in[2], const uint32_t in[4], uint32_t out[4]) {
    uint32_t k0 = key_in[0], k1 = key_in[1];
    uint32_t x[4] = {in[0], in[1], in[2], in[3]};
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)x[0] * 0xD2511F53u, p1 = (uint64_t)x[2] * 0xCD9E8D57u;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ x[1] ^ k0, n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ x[3] ^ k1, n3 = (uint32_t)p0;
        x[0] = n0, x[1] = n1, x[2] = n2, x[3] = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    memcpy(out, x, sizeof x);
}

/* Writes |bits| into element |e| of |l|: integers keep the low bits, 16/32/64-bit floats take
 * them as their encoding. */
static void put_bits(hloc_literal *l, int64_t e, uint64_t bits) {
    hloc_type t = l->shape.type;
    if (hloc_type_is_float(t))
        memcpy(hloc_literal_at(l, e), &bits, hloc_type_bytes(t));
    else
        hloc_elem_store_u64(t, hloc_literal_at(l, e), bits);
}

/* XLA's SplitShapeIntoHalves: the first even dimension (else the largest) is cut in half; the
 * output's element at index j along it comes from half index j/2 of generator output j%2. */
typedef struct halves {
    int64_t split;                    /* -1 for a scalar */
    int64_t half_dims[HLOC_MAX_RANK]; /* the shape with dims[split] = ceil(dims[split] / 2) */
    int64_t n_half;
} halves;

static void split_halves(const hloc_shape *s, halves *h) {
    h->split = -1;
    h->n_half = 1;
    if (!s->rank) return;
    for (uint32_t d = 0; d < s->rank && h->split < 0; d++)
        if (s->dims[d] % 2 == 0) h->split = d;
    if (h->split < 0)
        for (uint32_t d = 0; d < s->rank; d++)
            if (h->split < 0 || s->dims[d] > s->dims[h->split]) h->split = d;
    for (uint32_t d = 0; d < s->rank; d++) {
        h->half_dims[d] = d == (uint32_t)h->split ? (s->dims[d] + 1) / 2 : s->dims[d];
        h->n_half *= h->half_dims[d];
    }
}

/* The output element that takes generator output c of half element |hl|: split index 2h + c,
 * or -1 when that falls past an odd dimension's end. */
static int64_t half_target(const hloc_shape *s, const halves *h, int64_t hl, int c) {
    if (h->split < 0) return c == 0 ? 0 : -1;
    int64_t idx[HLOC_MAX_RANK];
    for (uint32_t d = s->rank; d-- > 0;) {
        idx[d] = hl % h->half_dims[d];
        hl /= h->half_dims[d];
    }
    idx[h->split] = 2 * idx[h->split] + c;
    if (idx[h->split] >= s->dims[h->split]) return -1;
    return hloc_linear_index(s, idx);
}

static void threefry_bits(uint64_t key, uint64_t *ctr, hloc_literal *bits) {
    const uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    int64_t n = hloc_shape_elements(&bits->shape);
    if (hloc_type_bits(bits->shape.type) == 64) {
        for (int64_t e = 0; e < n; e++) {
            uint64_t c = *ctr + (uint64_t)e;
            uint32_t in[2] = {(uint32_t)c, (uint32_t)(c >> 32)}, out[2];
            threefry2x32(k, in, out);
            put_bits(bits, e, (uint64_t)out[0] | (uint64_t)out[1] << 32);
        }
        *ctr += (uint64_t)n;
        return;
    }
    halves h;
    split_halves(&bits->shape, &h);
    for (int64_t e = 0; e < h.n_half; e++) {
        uint64_t c = *ctr + (uint64_t)e;
        uint32_t in[2] = {(uint32_t)c, (uint32_t)(c >> 32)}, out[2];
        threefry2x32(k, in, out);
        for (int j = 0; j < 2; j++) {
            int64_t t = half_target(&bits->shape, &h, e, j);
            if (t >= 0) put_bits(bits, t, out[j]);
        }
    }
    *ctr += (uint64_t)h.n_half;
}

/* 32-bit Philox words number i of the stream at 128-bit counter (lo, hi). */
static void philox_block(uint64_t key, uint64_t lo, uint64_t hi, uint64_t i, uint32_t out[4]) {
    const uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    uint64_t l = lo + i, h = hi + (l < lo);
    uint32_t in[4] = {(uint32_t)l, (uint32_t)(l >> 32), (uint32_t)h, (uint32_t)(h >> 32)};
    philox4x32(k, in, out);
}

/* Philox bits into every element of |bits| (u32 words four per block, u64 two per block); the
 * counter (lo, hi) advances by the number of blocks. */
static void philox_bits(uint64_t key, uint64_t *lo, uint64_t *hi, hloc_literal *bits, bool wide) {
    int64_t n = hloc_shape_elements(&bits->shape);
    int64_t per = wide ? 2 : 4, blocks = (n + per - 1) / per;
    uint32_t w[4];
    for (int64_t b = 0; b < blocks; b++) {
        philox_block(key, *lo, *hi, (uint64_t)b, w);
        for (int64_t j = 0; j < per && b * per + j < n; j++) {
            uint64_t v = wide ? ((uint64_t)w[2 * j] | (uint64_t)w[2 * j + 1] << 32) : w[j];
            put_bits(bits, b * per + j, v);
        }
    }
    uint64_t l = *lo + (uint64_t)blocks;
    *hi += l < *lo;
    *lo = l;
}

EVAL_KERNEL(rng_bit_generator) {
    (void)ev;
    const hloc_literal *state = ops[0];
    if (i->n_operands != 1 || state->shape.type != HLOC_TYPE_U64 || state->shape.rank != 1 ||
        state->shape.dims[0] < 2)
        return hloc_kernel_error(i, "rng-bit-generator takes a u64[n] state, n >= 2");
    if (out->shape.type != HLOC_TYPE_TUPLE || out->n_elems != 2 ||
        !hloc_shape_same_dims(&out->elems[0].shape, &state->shape) ||
        out->elems[0].shape.type != HLOC_TYPE_U64)
        return hloc_kernel_error(i, "rng-bit-generator returns (state, bits)");
    hloc_literal *ns = &out->elems[0], *bits = &out->elems[1];
    hloc_type bt = bits->shape.type;
    int w = hloc_type_bits(bt);
    if (!(hloc_type_is_int(bt) && w >= 8) &&
        !(hloc_type_is_float(bt) && (w == 16 || w == 32 || w == 64)))
        return hloc_kernel_error(i, "rng-bit-generator cannot produce %s", hloc_type_name(bt));
    const uint64_t *s = state->data;
    uint64_t *o = ns->data;
    int64_t n_state = state->shape.dims[0];
    memcpy(o, s, (size_t)n_state * sizeof *o);
    if (i->attrs->rng_algorithm == HLOC_RNG_THREE_FRY) {
        if (n_state != 2) return hloc_kernel_error(i, "rng_three_fry needs a u64[2] state");
        uint64_t ctr = s[1];
        threefry_bits(s[0], &ctr, bits);
        o[1] = ctr;
        return NULL;
    }
    /* Philox: a u64[2] state holds the counter as (low = state[1], high = state[0]) and only
     * the low word comes back; a longer one holds (state[1], state[2]). */
    uint64_t lo = s[1], hi = n_state >= 3 ? s[2] : s[0];
    philox_bits(s[0], &lo, &hi, bits, w == 64);
    o[1] = lo;
    if (n_state >= 3) o[2] = hi;
    return NULL;
}

/* rng: see the file comment. Operands are the scalars (a, b) or (mean, sigma). */
EVAL_KERNEL(rng) {
    if (i->n_operands != 2 || ops[0]->shape.rank || ops[1]->shape.rank ||
        ops[0]->shape.type != out->shape.type || ops[1]->shape.type != out->shape.type)
        return hloc_kernel_error(i, "rng takes two scalars of the result type");
    hloc_type t = out->shape.type;
    int w = hloc_type_bits(t);
    uint64_t key = i->id, lo = 0, hi = 0;
    int64_t n = hloc_shape_elements(&out->shape);
    bool is_f = hloc_type_is_float(t);
    /* Narrow floats are generated as f32 and rounded, as RngExpander converts them. */
    int bw = is_f && w < 32 ? 32 : w;
    if (bw != 32 && bw != 64)
        return hloc_kernel_error(i, "rng of %s is not supported (32 or 64 bits)",
                                 hloc_type_name(t));
    if (i->attrs->rng_distribution == HLOC_RNG_DIST_UNIFORM) {
        hloc_shape us = out->shape;
        us.type = bw == 64 ? HLOC_TYPE_U64 : HLOC_TYPE_U32;
        hloc_literal *u = hloc_literal_create(ev->arena, &us);
        if (!u) return hloc_status_oom();
        philox_bits(key, &lo, &hi, u, bw == 64);
        if (is_f) {
            double a = hloc_literal_get_f64(ops[0], 0), b = hloc_literal_get_f64(ops[1], 0);
            for (int64_t e = 0; e < n; e++) {
                uint64_t bits = hloc_literal_get_i64(u, e);
                double v;
                if (bw == 32) {
                    float f = (float)((uint32_t)bits >> 9) * 0x1p-23f;
                    v = f * ((float)b - (float)a) + (float)a;
                } else {
                    v = (double)(bits >> 12) * 0x1p-52 * (b - a) + a;
                }
                hloc_literal_set_f64(out, e, v);
            }
        } else if (hloc_type_is_int(t)) {
            uint64_t mask = bw == 64 ? ~0ull : 0xffffffffull;
            uint64_t a = (uint64_t)hloc_literal_get_i64(ops[0], 0) & mask;
            uint64_t b = (uint64_t)hloc_literal_get_i64(ops[1], 0) & mask;
            uint64_t range = (b - a) & mask;
            for (int64_t e = 0; e < n; e++) {
                uint64_t bits = (uint64_t)hloc_literal_get_i64(u, e) & mask;
                uint64_t dist = range ? bits % range : bits, half = dist >> 1;
                hloc_elem_store_u64(t, hloc_literal_at(out, e), (a + half + (dist - half)) & mask);
            }
        } else {
            return hloc_kernel_error(i, "rng uniform needs an integer or float result");
        }
        return NULL;
    }
    if (i->attrs->rng_distribution != HLOC_RNG_DIST_NORMAL || !is_f)
        return hloc_kernel_error(i, "rng needs distribution=uniform, or normal on floats");
    /* Box-Muller over uniform pairs laid out as XLA's concat shape: [.., ceil(d/2), 2, ..]. */
    halves h;
    split_halves(&out->shape, &h);
    int64_t cdims[HLOC_MAX_RANK];
    memcpy(cdims, h.half_dims, sizeof cdims);
    hloc_shape us = out->shape;
    us.type = bw == 64 ? HLOC_TYPE_U64 : HLOC_TYPE_U32;
    us.rank = 1;
    us.dims[0] = 2 * h.n_half;
    hloc_literal *u = hloc_literal_create(ev->arena, &us);
    if (!u) return hloc_status_oom();
    philox_bits(key, &lo, &hi, u, bw == 64);
    double mean = hloc_literal_get_f64(ops[0], 0), sigma = hloc_literal_get_f64(ops[1], 0);
    int64_t inner = 1; /* elements after the split dim in the half shape */
    for (uint32_t d = (uint32_t)(h.split + 1); h.split >= 0 && d < out->shape.rank; d++)
        inner *= cdims[d];
    for (int64_t e = 0; e < h.n_half; e++) {
        /* concat index of (half element e, c): the inserted size-2 dim sits after split */
        int64_t outer = e / inner, in = e % inner;
        double x[2];
        for (int c = 0; c < 2; c++) {
            uint64_t bits = (uint64_t)hloc_literal_get_i64(u, (outer * 2 + c) * inner + in);
            x[c] =
                bw == 32 ? (double)((uint32_t)bits >> 9) * 0x1p-23 : (double)(bits >> 12) * 0x1p-52;
        }
        double u1 = x[0] > 1.0e-7 ? x[0] : 1.0e-7, v1 = 2.0 * M_PI * x[1];
        double r = sqrt(-2.0 * log(u1));
        double z[2] = {sin(v1) * r, cos(v1) * r};
        for (int c = 0; c < 2; c++) {
            int64_t tgt = half_target(&out->shape, &h, e, c);
            if (tgt >= 0) hloc_literal_set_f64(out, tgt, mean + sigma * z[c]);
        }
    }
    return NULL;
}
