/* .npy reader and writer: round trips of every dtype, the corpus files, format versions, byte
 * order, and malformed files (each must fail with a message naming the file and the fault). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"

static char tmpdir[256];

static const char *tmp_path(const char *name) {
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* A .npy file with the given version and header dict (padded and newline-terminated here), then
 * |n| data bytes. */
static const char *make_npy(const char *name, int major, const char *dict, const void *data,
                            size_t n) {
    const char *path = tmp_path(name);
    size_t prefix = major == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1;
    hlen += (64 - (prefix + hlen) % 64) % 64;
    unsigned char *buf = calloc(1, prefix + hlen + n);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memset(buf + prefix, ' ', hlen);
    memcpy(buf + prefix, dict, strlen(dict));
    buf[prefix + hlen - 1] = '\n';
    if (n) memcpy(buf + prefix + hlen, data, n);
    write_bytes(path, buf, prefix + hlen + n);
    free(buf);
    return path;
}

/* Expects reading |path| to fail with a message containing the path and |what|. */
static void expect_read_error(const char *path, const char *what) {
    hloc_npy_array a;
    hloc_status *st = hloc_npy_read(path, &a);
    ck_assert_msg(st != NULL, "reading %s should fail with '%s'", path, what);
    const char *msg = hloc_status_message(st);
    ck_assert_msg(strstr(msg, path) != NULL, "message '%s' does not name the file", msg);
    ck_assert_msg(strstr(msg, what) != NULL, "message '%s' lacks '%s'", msg, what);
    ck_assert_ptr_null(a.data);
    ck_assert_uint_eq(a.nbytes, 0);
    hloc_status_free(st);
}

static const hloc_npy_dtype all_dtypes[] = {
    HLOC_NPY_BOOL, HLOC_NPY_I8,  HLOC_NPY_I16, HLOC_NPY_I32, HLOC_NPY_I64,
    HLOC_NPY_U8,   HLOC_NPY_U16, HLOC_NPY_U32, HLOC_NPY_U64, HLOC_NPY_F16,
    HLOC_NPY_F32,  HLOC_NPY_F64, HLOC_NPY_C64, HLOC_NPY_C128,
};

START_TEST(test_round_trip_every_dtype) {
    hloc_npy_dtype t = all_dtypes[_i];
    size_t item = hloc_npy_dtype_size(t);
    hloc_npy_array a = {.dtype = t, .rank = 2, .dims = {3, 5}};
    a.nbytes = 15 * item;
    a.data = malloc(a.nbytes);
    unsigned char *p = a.data;
    for (size_t i = 0; i < a.nbytes; i++) p[i] = (unsigned char)(t == HLOC_NPY_BOOL ? i & 1 : i * 7 + 3);
    const char *path = tmp_path("rt.npy");
    hloc_status *st = hloc_npy_write(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));

    /* NumPy's layout: the data starts on a 64-byte boundary right after a '\n'. */
    FILE *f = fopen(path, "rb");
    unsigned char head[128];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    ck_assert_uint_ge(got, 64);
    size_t hlen = head[8] | head[9] << 8;
    ck_assert_uint_eq((10 + hlen) % 64, 0);
    ck_assert_int_eq(head[10 + hlen - 1], '\n');

    hloc_npy_array b;
    st = hloc_npy_read(path, &b);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(b.dtype, t);
    ck_assert_uint_eq(b.rank, 2);
    ck_assert_int_eq(b.dims[0], 3);
    ck_assert_int_eq(b.dims[1], 5);
    ck_assert_uint_eq(b.nbytes, a.nbytes);
    ck_assert_mem_eq(b.data, a.data, a.nbytes);
    hloc_npy_free(&a);
    hloc_npy_free(&b);
}
END_TEST

START_TEST(test_descr_spelling) {
    struct {
        hloc_npy_dtype t;
        const char *descr;
    } cases[] = {{HLOC_NPY_BOOL, "'|b1'"}, {HLOC_NPY_I8, "'|i1'"}, {HLOC_NPY_U16, "'<u2'"},
                 {HLOC_NPY_F16, "'<f2'"}, {HLOC_NPY_C128, "'<c16'"}, {HLOC_NPY_BF16, "'<f4'"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        hloc_npy_array a = {.dtype = cases[c].t, .rank = 1, .dims = {1}};
        a.nbytes = hloc_npy_dtype_size(a.dtype);
        a.data = calloc(1, a.nbytes);
        const char *path = tmp_path("descr.npy");
        hloc_status *st = hloc_npy_write(path, &a);
        ck_assert_msg(!st, "%s", hloc_status_message(st));
        char head[129] = {0};
        FILE *f = fopen(path, "rb");
        ck_assert_uint_ge(fread(head, 1, 128, f), 64);
        fclose(f);
        ck_assert_msg(strstr(head + 10, cases[c].descr), "%s lacks %s", head + 10, cases[c].descr);
        ck_assert_ptr_nonnull(strstr(head + 10, "'shape': (1,)"));
        hloc_npy_free(&a);
    }
}
END_TEST

START_TEST(test_scalar_and_empty) {
    const char *path = tmp_path("scalar.npy");
    double v = 2.5;
    hloc_npy_array a = {.dtype = HLOC_NPY_F64, .rank = 0, .data = &v, .nbytes = 8};
    hloc_status *st = hloc_npy_write(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    hloc_npy_array b;
    st = hloc_npy_read(path, &b);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_uint_eq(b.rank, 0);
    ck_assert_double_eq(*(double *)b.data, 2.5);
    hloc_npy_free(&b);

    hloc_npy_array e = {.dtype = HLOC_NPY_I32, .rank = 2, .dims = {0, 4}};
    st = hloc_npy_write(path, &e);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    st = hloc_npy_read(path, &b);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_uint_eq(b.rank, 2);
    ck_assert_int_eq(b.dims[0], 0);
    ck_assert_uint_eq(b.nbytes, 0);
    hloc_npy_free(&b);
}
END_TEST

START_TEST(test_versions_and_byte_order) {
    int32_t le[3] = {1, -2, 0x01020304};
    for (int major = 1; major <= 3; major++) {
        const char *path = make_npy("v.npy", major,
                                    "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                                    le, sizeof le);
        hloc_npy_array a;
        hloc_status *st = hloc_npy_read(path, &a);
        ck_assert_msg(!st, "v%d: %s", major, hloc_status_message(st));
        ck_assert_mem_eq(a.data, le, sizeof le);
        hloc_npy_free(&a);
    }
    /* Big-endian, double quotes, no trailing comma, keys in another order. */
    unsigned char be[8] = {0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
    const char *path = make_npy("be.npy", 1,
                                "{\"shape\": (1,), \"descr\": \">f8\", \"fortran_order\": False}",
                                be, sizeof be);
    hloc_npy_array a;
    hloc_status *st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_double_eq(*(double *)a.data, 1.0);
    hloc_npy_free(&a);
    /* Big-endian complex swaps each part on its own. */
    unsigned char bec[8] = {0x3f, 0x80, 0, 0, 0x40, 0, 0, 0};
    path = make_npy("bec.npy", 1, "{'descr': '>c8', 'fortran_order': False, 'shape': ()}", bec, 8);
    st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_float_eq(((float *)a.data)[0], 1.0f);
    ck_assert_float_eq(((float *)a.data)[1], 2.0f);
    hloc_npy_free(&a);
    /* Fortran order is harmless for rank 1. */
    path = make_npy("f1.npy", 1, "{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", le,
                    sizeof le);
    st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    hloc_npy_free(&a);
    /* Bools other than 0/1 read as true. */
    unsigned char bools[3] = {0, 1, 7};
    path = make_npy("b.npy", 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", bools, 3);
    st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(((unsigned char *)a.data)[2], 1);
    hloc_npy_free(&a);
}
END_TEST

START_TEST(test_malformed) {
    int32_t d[4] = {0};
    const char *ok = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }";
    expect_read_error(tmp_path("missing.npy"), "cannot open");

    write_bytes(tmp_path("magic.npy"), "\x93NUMPX\x01\x00", 8);
    expect_read_error(tmp_path("magic.npy"), "bad magic");
    write_bytes(tmp_path("short.npy"), "\x93NU", 3);
    expect_read_error(tmp_path("short.npy"), "bad magic");
    write_bytes(tmp_path("nover.npy"), "\x93NUMPY", 6);
    expect_read_error(tmp_path("nover.npy"), "truncated");
    write_bytes(tmp_path("ver.npy"), "\x93NUMPY\x04\x00\x10\x00", 10);
    expect_read_error(tmp_path("ver.npy"), "version 4.0");
    write_bytes(tmp_path("hlen.npy"), "\x93NUMPY\x01\x00\x40", 9);
    expect_read_error(tmp_path("hlen.npy"), "truncated");
    write_bytes(tmp_path("header.npy"), "\x93NUMPY\x01\x00\x40\x00{'descr'", 17);
    expect_read_error(tmp_path("header.npy"), "truncated .npy file: the header");

    const char *p = make_npy("data.npy", 1, ok, d, 15);
    expect_read_error(p, "truncated .npy file: the data has 15 of 16 bytes");
    p = make_npy("trail.npy", 1, ok, d, 16);
    FILE *f = fopen(p, "ab");
    fputc(0, f);
    fclose(f);
    expect_read_error(p, "bytes after");

    p = make_npy("fortran.npy", 1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }", d, 16);
    expect_read_error(p, "Fortran-order");
    p = make_npy("u.npy", 1, "{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", d, 16);
    expect_read_error(p, "unsupported .npy dtype '<U4'");
    p = make_npy("o.npy", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", d, 8);
    expect_read_error(p, "unsupported .npy dtype '|O'");
    p = make_npy("f3.npy", 1, "{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }", d, 3);
    expect_read_error(p, "unsupported .npy dtype");
    p = make_npy("s.npy", 1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", d, 4);
    expect_read_error(p, "structured");
    p = make_npy("nokey.npy", 1, "{'descr': '<i4', 'shape': (2, 2), }", d, 16);
    expect_read_error(p, "missing 'fortran_order'");
    p = make_npy("extra.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': 1}", d, 4);
    expect_read_error(p, "unexpected key 'x'");
    p = make_npy("neg.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }", d, 4);
    expect_read_error(p, "non-negative");
    p = make_npy("brace.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,) ", d, 4);
    expect_read_error(p, "expected ',' or '}'");
    p = make_npy("huge.npy", 1,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", d, 4);
    expect_read_error(p, "too large");
    /* A header that does not end in a newline. */
    write_bytes(tmp_path("nonl.npy"), "\x93NUMPY\x01\x00\x02\x00{}", 12);
    expect_read_error(tmp_path("nonl.npy"), "newline");
}
END_TEST

START_TEST(test_write_errors) {
    hloc_npy_array a = {.dtype = HLOC_NPY_F32, .rank = 1, .dims = {4}, .nbytes = 8};
    float v[2] = {0};
    a.data = v;
    hloc_status *st = hloc_npy_write(tmp_path("bad.npy"), &a);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "bad.npy"));
    hloc_status_free(st);
    a.nbytes = 16;
    a.dims[0] = 4;
    float w[4] = {0};
    a.data = w;
    st = hloc_npy_write("/nonexistent-dir/x.npy", &a);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "/nonexistent-dir/x.npy"));
    hloc_status_free(st);
}
END_TEST

START_TEST(test_bf16) {
    ck_assert_uint_eq(hloc_npy_f32_to_bf16(1.0f), 0x3f80);
    ck_assert_uint_eq(hloc_npy_f32_to_bf16(1.00390625f), 0x3f80); /* tie → even */
    ck_assert_uint_eq(hloc_npy_f32_to_bf16(1.01171875f), 0x3f82); /* tie → even, up */
    ck_assert_float_eq(hloc_npy_bf16_to_f32(0xc040), -3.0f);
    float nan = hloc_npy_bf16_to_f32(hloc_npy_f32_to_bf16(__builtin_nanf("")));
    ck_assert(nan != nan);

    float v[3] = {1.5f, -0.0078125f, 3.0e38f};
    hloc_npy_array a = {.dtype = HLOC_NPY_F32, .rank = 1, .dims = {3}, .nbytes = sizeof v};
    a.data = malloc(sizeof v);
    memcpy(a.data, v, sizeof v);
    hloc_status *st = hloc_npy_convert(&a, HLOC_NPY_BF16);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_uint_eq(a.nbytes, 6);
    const char *path = tmp_path("bf16.npy");
    st = hloc_npy_write(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    hloc_npy_free(&a);
    st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(a.dtype, HLOC_NPY_F32);
    ck_assert_float_eq(((float *)a.data)[0], 1.5f);
    ck_assert_float_eq(((float *)a.data)[1], -0.0078125f);
    ck_assert_float_eq(((float *)a.data)[2], hloc_npy_bf16_to_f32(hloc_npy_f32_to_bf16(3.0e38f)));
    st = hloc_npy_convert(&a, HLOC_NPY_I32);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "float32"));
    hloc_status_free(st);
    hloc_npy_free(&a);
}
END_TEST

START_TEST(test_dtype_names) {
    ck_assert_int_eq(hloc_npy_dtype_from_name("bfloat16"), HLOC_NPY_BF16);
    ck_assert_int_eq(hloc_npy_dtype_from_name("bool"), HLOC_NPY_BOOL);
    ck_assert_int_eq(hloc_npy_dtype_from_name("complex64"), HLOC_NPY_C64);
    ck_assert_int_eq(hloc_npy_dtype_from_name("float128"), HLOC_NPY_INVALID);
    ck_assert_str_eq(hloc_npy_dtype_name(HLOC_NPY_U32), "uint32");
    ck_assert_uint_eq(hloc_npy_dtype_size(HLOC_NPY_C128), 16);
}
END_TEST

/* Every .npy file of the corpus reads, with the dtype and shape case.json gives for argmax. */
START_TEST(test_corpus_file) {
    const char *root = getenv("HLOC_TEST_DATA");
    ck_assert_msg(root != NULL, "HLOC_TEST_DATA is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/cases/argmax/in0.npy", root);
    hloc_npy_array a;
    hloc_status *st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(a.dtype, HLOC_NPY_F32);
    ck_assert_uint_eq(a.rank, 3);
    ck_assert_int_eq(a.dims[0], 4);
    ck_assert_int_eq(a.dims[1], 8);
    ck_assert_int_eq(a.dims[2], 16);
    hloc_npy_free(&a);
    snprintf(path, sizeof path, "%s/cases/argmax/out1.npy", root);
    st = hloc_npy_read(path, &a);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(a.dtype, HLOC_NPY_I32);
    ck_assert_uint_eq(a.rank, 2);
    hloc_npy_free(&a);
}
END_TEST

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/hloc-npy-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("npy");
    tcase_add_loop_test(tc, test_round_trip_every_dtype, 0,
                        (int)(sizeof all_dtypes / sizeof all_dtypes[0]));
    tcase_add_test(tc, test_descr_spelling);
    tcase_add_test(tc, test_scalar_and_empty);
    tcase_add_test(tc, test_versions_and_byte_order);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_write_errors);
    tcase_add_test(tc, test_bf16);
    tcase_add_test(tc, test_dtype_names);
    tcase_add_test(tc, test_corpus_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
