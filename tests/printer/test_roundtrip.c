/* Round trips over the corpus: print(parse(print(parse(x)))) == print(parse(x)) for every
 * model.hlo and xla_opt.hlo of tests/data/cases and every .hlo of tests/data/perf, and printing a
 * parsed xla_opt.hlo (XLA's own output) gives back the original text. */
#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module_equal.h"
#include "parser.h"
#include "print_internal.h"
#include "suites.h"

typedef struct file_list {
    char **paths;
    size_t n, cap;
} file_list;

static void add_path(file_list *l, const char *path) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->paths = realloc(l->paths, l->cap * sizeof *l->paths);
        ck_assert_ptr_nonnull(l->paths);
    }
    l->paths[l->n] = strdup(path);
    ck_assert_ptr_nonnull(l->paths[l->n]);
    l->n++;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static const char *data_dir(void) {
    const char *d = getenv("HLOC_TEST_DATA");
    ck_assert_msg(d != NULL, "HLOC_TEST_DATA is not set");
    return d;
}

/* cases/<name>/{model,xla_opt}.hlo (|which| picks the file names) and perf/<name>.hlo. */
static file_list corpus(bool models, bool xla_opt, bool perf) {
    file_list l = {0};
    char path[4096];
    snprintf(path, sizeof path, "%s/cases", data_dir());
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "cannot open %s", path);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (models) {
            snprintf(path, sizeof path, "%s/cases/%s/model.hlo", data_dir(), e->d_name);
            add_path(&l, path);
        }
        if (xla_opt) {
            snprintf(path, sizeof path, "%s/cases/%s/xla_opt.hlo", data_dir(), e->d_name);
            add_path(&l, path);
        }
    }
    closedir(d);
    snprintf(path, sizeof path, "%s/perf", data_dir());
    d = opendir(path);
    ck_assert_msg(d != NULL, "cannot open %s", path);
    for (struct dirent *e; (e = readdir(d));) {
        if (!ends_with(e->d_name, ".hlo")) continue;
        bool is_opt = ends_with(e->d_name, ".xla_opt.hlo");
        if ((is_opt && xla_opt) || (!is_opt && perf)) {
            snprintf(path, sizeof path, "%s/perf/%s", data_dir(), e->d_name);
            add_path(&l, path);
        }
    }
    closedir(d);
    qsort(l.paths, l.n, sizeof *l.paths, cmp_str);
    return l;
}

static void free_list(file_list *l) {
    for (size_t k = 0; k < l->n; k++)
        free(l->paths[k]);
    free(l->paths);
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(s);
    *n = fread(s, 1, (size_t)len, f);
    s[*n] = 0;
    fclose(f);
    return s;
}

/* The first line where |a| and |b| differ, for messages. */
static int first_diff_line(const char *a, const char *b) {
    int line = 1;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n') line++;
    return line;
}

/* Parses |text| and prints it; NULL (and the message in *err) if it does not parse. */
static char *parse_print(const char *text, size_t n, const char *name, char **err) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_parse_module(text, n, name, &m);
    if (st) {
        *err = strdup(hloc_status_message(st));
        hloc_status_free(st);
        return NULL;
    }
    char *out = NULL;
    st = hloc_module_print(m, &out);
    ck_assert_msg(st == NULL, "%s: print failed", name);
    hloc_module_destroy(m);
    return out;
}

/* The round-trip contract for one input: m = parse(text); the printed m parses back to a module
 * equal to m, and printing that gives the same text (the fixed point). Returns false only when
 * |text| itself does not parse and |may_not_parse|; otherwise a failure names |name|. */
static bool check_round_trip(const char *text, size_t n, const char *name, bool may_not_parse) {
    hloc_module *m1 = NULL, *m2 = NULL;
    hloc_status *st = hloc_parse_module(text, n, name, &m1);
    if (st && may_not_parse) {
        hloc_status_free(st);
        return false;
    }
    ck_assert_msg(st == NULL, "%s does not parse: %s", name, hloc_status_message(st));
    char *p1 = NULL, *p2 = NULL;
    ck_assert_ptr_null(hloc_module_print(m1, &p1));
    st = hloc_parse_module(p1, strlen(p1), "printed", &m2);
    ck_assert_msg(st == NULL, "%s: printed text does not parse back: %s", name,
                  hloc_status_message(st));
    char why[512];
    ck_assert_msg(hloc_test_module_equal(m1, m2, why, sizeof why),
                  "%s: parse(print(m)) differs from m: %s", name, why);
    ck_assert_ptr_null(hloc_module_print(m2, &p2));
    /* Without '%' before names (as JAX writes HLO) the text must mean the same module. */
    hloc_print_options o = hloc_print_options_default();
    o.print_percent = false;
    hloc_strbuf plain = {0};
    hloc_print_module(&plain, m1, &o);
    ck_assert(!plain.oom);
    hloc_module *m3 = NULL;
    st = hloc_parse_module(plain.data, plain.len, "printed", &m3);
    ck_assert_msg(st == NULL, "%s: text printed without '%%' does not parse back: %s", name,
                  hloc_status_message(st));
    ck_assert_msg(hloc_test_module_equal(m1, m3, why, sizeof why),
                  "%s: parse(print(m)) without '%%' differs from m: %s", name, why);
    hloc_module_destroy(m3);
    hloc_strbuf_free(&plain);
    ck_assert_msg(!strcmp(p1, p2), "%s: printing is not a fixed point (line %d)", name,
                  first_diff_line(p1, p2));
    hloc_module_destroy(m1);
    hloc_module_destroy(m2);
    free(p1);
    free(p2);
    return true;
}

START_TEST(test_corpus_round_trip) {
    file_list l = corpus(true, true, true);
    ck_assert_msg(l.n > 200, "only %zu corpus files", l.n);
    size_t ok = 0;
    for (size_t k = 0; k < l.n; k++) {
        size_t n;
        char *text = slurp(l.paths[k], &n);
        ok += check_round_trip(text, n, l.paths[k], false);
        free(text);
    }
    ck_assert_uint_eq(ok, l.n);
    fprintf(stderr, "round trip exact for %zu corpus files\n", ok);
    free_list(&l);
}
END_TEST

/* Whitespace-insensitive equality: runs of blanks compare as one space, line ends as blanks. */
static bool same_modulo_space(const char *a, const char *b) {
    for (;;) {
        bool sa = false, sb = false;
        while (isspace((unsigned char)*a))
            a++, sa = true;
        while (isspace((unsigned char)*b))
            b++, sb = true;
        if (!*a || !*b) return !*a && !*b;
        if (sa != sb || *a != *b) return false;
        a++, b++;
    }
}

START_TEST(test_reproduces_xla) {
    file_list l = corpus(false, true, false);
    ck_assert_msg(l.n > 100, "only %zu xla_opt files", l.n);
    size_t exact = 0;
    for (size_t k = 0; k < l.n; k++) {
        size_t n;
        char *text = slurp(l.paths[k], &n), *err = NULL;
        char *p = parse_print(text, n, l.paths[k], &err);
        ck_assert_msg(p != NULL, "%s does not parse: %s", l.paths[k], err);
        ck_assert_msg(same_modulo_space(p, text), "%s: printed text differs from XLA's at line %d",
                      l.paths[k], first_diff_line(p, text));
        exact += !strcmp(p, text);
        free(text);
        free(p);
    }
    /* XLA's dumps are reproduced byte for byte, not only modulo white space. */
    ck_assert_uint_eq(exact, l.n);
    fprintf(stderr, "xla_opt files reproduced exactly: %zu of %zu\n", exact, l.n);
    free_list(&l);
}
END_TEST

/* XLA's own test files are hand-written in many styles; every one the parser accepts must reach
 * the fixed point too. */
START_TEST(test_xla_tests_fixed_point) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/xla-hlo", data_dir());
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    file_list l = {0};
    for (struct dirent *e; (e = readdir(d));) {
        if (!ends_with(e->d_name, ".hlo")) continue;
        char path[4096 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        add_path(&l, path);
    }
    closedir(d);
    size_t parsed = 0;
    for (size_t k = 0; k < l.n; k++) {
        size_t n;
        char *text = slurp(l.paths[k], &n);
        parsed +=
            check_round_trip(text, n, l.paths[k], true); /* not every file is one valid module */
        free(text);
    }
    ck_assert_msg(parsed >= 45, "only %zu of %zu XLA test files parse", parsed, l.n);
    fprintf(stderr, "round trip exact for %zu of %zu XLA test files (the others do not parse)\n",
            parsed, l.n);
    free_list(&l);
}
END_TEST

/* Mutated corpus files: whenever the parser accepts one, its printed form must parse back and
 * print the same, so the printer agrees with the parser on odd input too (missing attributes,
 * unusual numbers, raw attributes). Deterministic: a fixed-seed generator. */
START_TEST(test_mutations_fixed_point) {
    static const char alphabet[] = "0123456789{}[](),:=-.e_x%\"' \nabfio?<*TSEL#";
    file_list l = corpus(false, true, false);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    size_t parsed = 0;
    for (size_t k = 0; k < l.n; k++) {
        size_t n;
        char *orig = slurp(l.paths[k], &n);
        for (int it = 0; it < 32 && n; it++) {
            char *text = malloc(n + 1);
            ck_assert_ptr_nonnull(text);
            memcpy(text, orig, n + 1);
            for (int m = 0; m <= it % 2; m++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                size_t at = (size_t)(seed >> 33) % n;
                text[at] = alphabet[(seed >> 17) % (sizeof alphabet - 1)];
            }
            char name[4200];
            snprintf(name, sizeof name, "mutation %d of %s", it, l.paths[k]);
            parsed += check_round_trip(text, n, name, true);
            free(text);
        }
        free(orig);
    }
    ck_assert_msg(parsed > 300, "only %zu mutated files parse", parsed);
    fprintf(stderr, "round trip exact for %zu mutated files that parse\n", parsed);
    free_list(&l);
}
END_TEST

/* Every element value prints as text the parser reads back to the same bits: all codes of the
 * 8- and 16-bit floats, pseudo-random bit patterns of f32, f64, c64 and the integer types. NaNs
 * need only stay NaN (XLA's parser keeps no payload). */
static bool is_nan_bits(hloc_type t, const void *p) {
    if (hloc_type_is_complex(t)) {
        double re, im;
        hloc_elem_load_c128(t, p, &re, &im);
        return re != re || im != im;
    }
    double v = hloc_elem_load_f64(t, p);
    return v != v;
}

static void check_values_round_trip(hloc_type t, uint64_t count, uint64_t (*pattern)(uint64_t)) {
    size_t bytes = hloc_type_bytes(t);
    const uint64_t chunk = 2048;
    for (uint64_t base = 0; base < count; base += chunk) {
        uint64_t n = count - base < chunk ? count - base : chunk;
        hloc_arena *a = hloc_arena_create();
        int64_t dims[1] = {(int64_t)n};
        hloc_shape s = hloc_shape_array(t, 1, dims);
        hloc_literal *l = hloc_literal_create(a, &s);
        ck_assert_ptr_nonnull(l);
        for (uint64_t k = 0; k < n; k++) {
            uint64_t bits = pattern(base + k);
            unsigned char *dst = hloc_literal_at(l, (int64_t)k);
            if (bytes == 16) {
                memcpy(dst, &bits, 8);
                uint64_t hi = pattern(~(base + k));
                memcpy(dst + 8, &hi, 8);
            } else {
                memcpy(dst, &bits, bytes); /* little-endian: the low bytes */
            }
            if (hloc_type_is_signed_int(t) &&
                hloc_type_bits(t) < 8 * (int)bytes) /* keep sub-byte ints canonical */
                hloc_elem_store_i64(t, dst, hloc_elem_load_i64(t, dst));
            else if (hloc_type_bits(t) < 8 * (int)bytes)
                hloc_elem_store_u64(t, dst,
                                    hloc_elem_load_u64(t, dst) & ((1ull << hloc_type_bits(t)) - 1));
            if (t == HLOC_TYPE_PRED) *dst &= 1;
        }
        hloc_strbuf b = {0};
        hloc_strbuf_printf(&b, "HloModule m\n\nENTRY e {\n  ROOT c = ");
        hloc_print_shape(&b, &s);
        hloc_strbuf_puts(&b, " constant(");
        hloc_print_literal(&b, l);
        hloc_strbuf_puts(&b, ")\n}\n");
        ck_assert(!b.oom);
        hloc_module *m = NULL;
        hloc_status *st = hloc_parse_module(b.data, b.len, "values", &m);
        ck_assert_msg(st == NULL, "%s values do not parse: %s", hloc_type_name(t),
                      hloc_status_message(st));
        const hloc_literal *got = m->entry->root->attrs->literal;
        ck_assert_ptr_nonnull(got);
        for (uint64_t k = 0; k < n; k++) {
            const void *x = hloc_literal_at(l, (int64_t)k), *y = hloc_literal_at(got, (int64_t)k);
            if (is_nan_bits(t, x)) {
                ck_assert_msg(is_nan_bits(t, y), "%s NaN did not read back as NaN",
                              hloc_type_name(t));
                continue;
            }
            if (memcmp(x, y, bytes)) {
                hloc_strbuf e = {0};
                hloc_print_element(&e, t, x, true);
                ck_abort_msg("%s value %s (element %llu) reads back with other bits",
                             hloc_type_name(t), e.data ? e.data : "",
                             (unsigned long long)(base + k));
            }
        }
        hloc_module_destroy(m);
        hloc_strbuf_free(&b);
        hloc_arena_destroy(a);
    }
}

static uint64_t identity_bits(uint64_t k) { return k; }
static uint64_t mixed_bits(uint64_t k) {
    uint64_t z = k * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull; /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    /* Mostly moderate exponents, some extremes, so that both ordinary and edge values show up. */
    return k % 4 == 0
               ? z
               : (z & 0x800fffffffffffffull) | ((uint64_t)(1023 - 40 + (z >> 52) % 80) << 52);
}
static uint64_t mixed_bits_f32(uint64_t k) {
    uint64_t z = mixed_bits(k);
    uint32_t f = (uint32_t)z;
    if (k % 4) f = (f & 0x807fffffu) | ((uint32_t)(127 - 30 + (z >> 40) % 60) << 23);
    return f;
}

START_TEST(test_element_values_round_trip) {
    static const hloc_type small[] = {
        HLOC_TYPE_F16,      HLOC_TYPE_BF16,          HLOC_TYPE_F8E5M2,     HLOC_TYPE_F8E4M3,
        HLOC_TYPE_F8E4M3FN, HLOC_TYPE_F8E4M3B11FNUZ, HLOC_TYPE_F8E5M2FNUZ, HLOC_TYPE_F8E4M3FNUZ,
        HLOC_TYPE_F8E3M4,   HLOC_TYPE_F8E8M0FNU};
    for (size_t k = 0; k < sizeof small / sizeof *small; k++)
        check_values_round_trip(small[k], 1ull << hloc_type_bits(small[k]), identity_bits);
    check_values_round_trip(HLOC_TYPE_F4E2M1FN, 16, identity_bits);
    check_values_round_trip(HLOC_TYPE_F32, 20000, mixed_bits_f32);
    check_values_round_trip(HLOC_TYPE_F64, 20000, mixed_bits);
    check_values_round_trip(HLOC_TYPE_C64, 4000, mixed_bits_f32);
    check_values_round_trip(HLOC_TYPE_C128, 4000, mixed_bits);
    static const hloc_type ints[] = {HLOC_TYPE_PRED, HLOC_TYPE_S2,  HLOC_TYPE_S4,  HLOC_TYPE_S8,
                                     HLOC_TYPE_S16,  HLOC_TYPE_S32, HLOC_TYPE_S64, HLOC_TYPE_U2,
                                     HLOC_TYPE_U4,   HLOC_TYPE_U8,  HLOC_TYPE_U16, HLOC_TYPE_U32,
                                     HLOC_TYPE_U64};
    for (size_t k = 0; k < sizeof ints / sizeof *ints; k++)
        check_values_round_trip(ints[k], 3000, mixed_bits);
}
END_TEST

Suite *print_roundtrip_suite(void) {
    Suite *s = suite_create("print_roundtrip");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_corpus_round_trip);
    tcase_add_test(tc, test_element_values_round_trip);
    tcase_add_test(tc, test_reproduces_xla);
    tcase_add_test(tc, test_xla_tests_fixed_point);
    tcase_add_test(tc, test_mutations_fixed_point);
    suite_add_tcase(s, tc);
    return s;
}
