/* `hloc run`: runs corpus cases through the command and compares the .npy it writes with XLA's
 * outputs; checks the errors for a wrong input count, dtype and shape, --random's determinism,
 * and usage errors. argv[1] is the hloc executable. */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"
#include "npy_literal.h"

static const char *hloc_path;
static char tmpdir[256];
static char data[1024];

/* Runs `hloc run ARGS` with stdout and stderr captured; returns the exit status and fills |err|. */
static int hloc_run(const char *args, char *err, size_t cap) {
    char cmd[8192], errfile[512];
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "'%s' run %s >'%s/stdout.txt' 2>'%s'", hloc_path, args, tmpdir,
             errfile);
    int status = system(cmd);
    ck_assert_int_ne(status, -1);
    FILE *f = fopen(errfile, "r");
    size_t n = f ? fread(err, 1, cap - 1, f) : 0;
    err[n] = 0;
    if (f) fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static hloc_literal *load(hloc_arena *a, const char *path, const hloc_shape *shape) {
    hloc_npy_array n;
    hloc_status *st = hloc_npy_read(path, &n);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    hloc_literal *l;
    st = hloc_literal_from_npy(a, &n, shape, path, &l);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    hloc_npy_free(&n);
    return l;
}

/* The output |k| of the last run equals the case's out<k>.npy of |shape|, within |tol|. */
static void expect_output(const char *c, int k, const hloc_shape *shape, double tol) {
    hloc_arena *a = hloc_arena_create();
    char got_path[512], want_path[1200];
    snprintf(got_path, sizeof got_path, "%s/out/out%d.npy", tmpdir, k);
    snprintf(want_path, sizeof want_path, "%s/cases/%s/out%d.npy", data, c, k);
    conf_compare r;
    hloc_literal *got = load(a, got_path, shape), *want = load(a, want_path, shape);
    char buf[512];
    ck_assert_msg(conf_compare_arrays(got, want, tol, &r), "%s out%d: %s", c, k,
                  conf_compare_describe(got, want, &r, buf, sizeof buf));
    hloc_arena_destroy(a);
}

START_TEST(test_runs_a_case) {
    char args[4096], err[4096];
    const char *c = "broadcast";
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo --target interp --input %s/cases/%s/in0.npy "
             "-i %s/cases/%s/in1.npy --output-dir %s/out", data, c, data, c, data, c, tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    int64_t d0[2] = {8, 16}, d1[3] = {3, 8, 16};
    hloc_shape s0 = hloc_shape_array(HLOC_TYPE_F32, 2, d0), s1 = hloc_shape_array(HLOC_TYPE_F32, 3, d1);
    expect_output(c, 0, &s0, 1e-5);
    expect_output(c, 1, &s1, 1e-5);
    char path[512];
    snprintf(path, sizeof path, "%s/out/out2.npy", tmpdir);
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* The same case on the cpu target (JIT and packaged .so) gives the same outputs. */
START_TEST(test_cpu_targets) {
    char args[4096], err[4096];
    const char *c = "broadcast", *targets[] = {"cpu", "cpu-aot"};
    int64_t d0[2] = {8, 16}, d1[3] = {3, 8, 16};
    hloc_shape s0 = hloc_shape_array(HLOC_TYPE_F32, 2, d0), s1 = hloc_shape_array(HLOC_TYPE_F32, 3, d1);
    for (int t = 0; t < 2; t++) {
        snprintf(args, sizeof args, "%s/cases/%s/model.hlo --target %s -i %s/cases/%s/in0.npy "
                 "-i %s/cases/%s/in1.npy -o %s/out", data, c, targets[t], data, c, data, c, tmpdir);
        ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s: %s", targets[t], err);
        expect_output(c, 0, &s0, 1e-5);
        expect_output(c, 1, &s1, 1e-5);
    }
}
END_TEST

START_TEST(test_input_errors) {
    char args[4096], err[4096];
    const char *c = "broadcast";
    /* One input too few. */
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo -i %s/cases/%s/in0.npy -o %s/out", data, c,
             data, c, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "takes 2 input arrays (a.1: f32[8,1], b.1: f32[16]), got 1 --input "
                              "file"), "%s", err);
    /* Shape: in1 (16,) given for parameter 0. */
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo -i %s/cases/%s/in1.npy -i %s/cases/%s/in1.npy "
             "-o %s/out", data, c, data, c, data, c, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "in1.npy (parameter 0 'a.1'): expected f32[8,1]"), "%s", err);
    ck_assert_msg(strstr(err, "got float32 of shape (16,)"), "%s", err);
    /* Dtype: an int32 array of the right shape. */
    int32_t ints[16] = {0};
    hloc_npy_array n = {.dtype = HLOC_NPY_I32, .rank = 1, .dims = {16}, .data = ints,
                        .nbytes = sizeof ints};
    char ipath[512];
    snprintf(ipath, sizeof ipath, "%s/ints.npy", tmpdir);
    hloc_status *st = hloc_npy_write(ipath, &n);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo -i %s/cases/%s/in0.npy -i %s -o %s/out",
             data, c, data, c, ipath, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "(parameter 1 'b.1'): expected f32[16] (a float32 of shape (16,) "
                              "array), got int32 of shape (16,)"), "%s", err);
    /* A file that is not .npy. */
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo -i %s/cases/%s/case.json -i %s -o %s/out",
             data, c, data, c, ipath, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "case.json: not a .npy file"), "%s", err);
}
END_TEST

START_TEST(test_bf16_case) {
    char args[4096], err[4096];
    const char *c = "bf16_ops";
    snprintf(args, sizeof args, "%s/cases/%s/model.hlo -i %s/cases/%s/in0.npy -i %s/cases/%s/in1.npy "
             "-o %s/out", data, c, data, c, data, c, tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    /* bf16 results are written as float32, as the corpus stores them. */
    char path[512];
    snprintf(path, sizeof path, "%s/out/out0.npy", tmpdir);
    hloc_npy_array n;
    hloc_status *st = hloc_npy_read(path, &n);
    ck_assert_msg(!st, "%s", hloc_status_message(st));
    ck_assert_int_eq(n.dtype, HLOC_NPY_F32);
    hloc_shape s = hloc_shape_array(HLOC_TYPE_BF16, n.rank, n.dims);
    hloc_npy_free(&n);
    expect_output(c, 0, &s, 8e-3);
}
END_TEST

/* f8 and s4 have no .npy dtype: they are read from float32 / int8 files (f8 rounded as XLA's
 * convert rounds, s4 range-checked) and written back exactly in the same carriers, on every target. */
START_TEST(test_narrow_types) {
    char args[4096], err[4096], model[512], in0[512], in1[512], bad[512];
    snprintf(model, sizeof model, "%s/narrow.hlo", tmpdir);
    FILE *f = fopen(model, "w");
    ck_assert_ptr_nonnull(f);
    fputs("HloModule narrow\n\nENTRY main {\n  p0 = f8e4m3fn[4] parameter(0)\n"
          "  p1 = s4[4] parameter(1)\n  c = f32[4] convert(p0)\n  d = f32[4] convert(p1)\n"
          "  a = f32[4] add(c, d)\n  ROOT t = (f8e4m3fn[4], f32[4], s4[4]) tuple(p0, a, p1)\n}\n", f);
    fclose(f);
    float xs[4] = {1.0f, 0.3f, -448.0f, 0.0137f};
    int8_t ks[4] = {1, -8, 7, 0}, kbad[4] = {1, -9, 7, 0};
    hloc_npy_array x = {.dtype = HLOC_NPY_F32, .rank = 1, .dims = {4}, .data = xs, .nbytes = sizeof xs};
    hloc_npy_array k = {.dtype = HLOC_NPY_I8, .rank = 1, .dims = {4}, .data = ks, .nbytes = sizeof ks};
    hloc_npy_array kb = {.dtype = HLOC_NPY_I8, .rank = 1, .dims = {4}, .data = kbad, .nbytes = sizeof kbad};
    snprintf(in0, sizeof in0, "%s/x.npy", tmpdir);
    snprintf(in1, sizeof in1, "%s/k.npy", tmpdir);
    snprintf(bad, sizeof bad, "%s/kbad.npy", tmpdir);
    ck_assert_ptr_null(hloc_npy_write(in0, &x));
    ck_assert_ptr_null(hloc_npy_write(in1, &k));
    ck_assert_ptr_null(hloc_npy_write(bad, &kb));
    /* 0.3 rounds to 0.3125 (e4m3 keeps 3 mantissa bits), 0.0137 to the subnormal 7/512. */
    const float want_f8[4] = {1.0f, 0.3125f, -448.0f, 7.0f / 512}, want_sum[4] = {2.0f, -7.6875f, -441.0f, 7.0f / 512};
    const char *targets[] = {"interp", "cpu", "cpu-aot"};
    for (int t = 0; t < 3; t++) {
        snprintf(args, sizeof args, "%s --target %s -i %s -i %s -o %s/out", model, targets[t], in0, in1, tmpdir);
        ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s: %s", targets[t], err);
        hloc_npy_array o[3];
        for (int j = 0; j < 3; j++) {
            char path[512];
            snprintf(path, sizeof path, "%s/out/out%d.npy", tmpdir, j);
            hloc_status *st = hloc_npy_read(path, &o[j]);
            ck_assert_msg(!st, "%s", hloc_status_message(st));
        }
        ck_assert_int_eq(o[0].dtype, HLOC_NPY_F32);
        ck_assert_int_eq(o[1].dtype, HLOC_NPY_F32);
        ck_assert_int_eq(o[2].dtype, HLOC_NPY_I8);
        ck_assert_mem_eq(o[0].data, want_f8, sizeof want_f8);
        ck_assert_mem_eq(o[1].data, want_sum, sizeof want_sum);
        ck_assert_mem_eq(o[2].data, ks, sizeof ks);
        for (int j = 0; j < 3; j++) hloc_npy_free(&o[j]);
    }
    snprintf(args, sizeof args, "%s -i %s -i %s -o %s/out", model, in0, bad, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "kbad.npy (parameter 1 'p1'): element 1 is -9, outside the range of s4 "
                              "[-8, 7]"), "%s", err);
    snprintf(args, sizeof args, "%s -i %s -i %s -o %s/out", model, in1, in1, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "(parameter 0 'p0'): expected f8e4m3fn[4] (a float32 of shape (4,) array), "
                              "got int8 of shape (4,)"), "%s", err);
}
END_TEST

static void read_file(const char *path, char **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc(*len + 1);
    ck_assert_uint_eq(fread(*out, 1, *len, f), *len);
    fclose(f);
}

START_TEST(test_random) {
    char args[4096], err[4096];
    char *a = NULL, *b = NULL;
    size_t la, lb;
    char p[600];
    snprintf(p, sizeof p, "%s/r1/out0.npy", tmpdir);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random --seed 7 -o %s/r1", data,
             tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    read_file(p, &a, &la);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random --seed 7 -o %s/r2", data,
             tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    snprintf(p, sizeof p, "%s/r2/out0.npy", tmpdir);
    read_file(p, &b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(a, b, la);
    free(b);
    /* The inputs it made are written, and replaying them gives the same outputs. */
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo -i %s/r1/in0.npy -i %s/r1/in1.npy "
             "-o %s/r3", data, tmpdir, tmpdir, tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    snprintf(p, sizeof p, "%s/r3/out0.npy", tmpdir);
    read_file(p, &b, &lb);
    ck_assert_mem_eq(a, b, la);
    free(b);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random --seed 8 -o %s/r4", data,
             tmpdir);
    ck_assert_msg(hloc_run(args, err, sizeof err) == 0, "%s", err);
    snprintf(p, sizeof p, "%s/r4/out0.npy", tmpdir);
    read_file(p, &b, &lb);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) != 0);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_usage) {
    char args[4096], err[4096];
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random", data);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "missing --output-dir"), "%s", err);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --target tpu9 -o x", data);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "unknown target 'tpu9'"), "%s", err);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random -i a.npy -o x", data);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 2);
    ck_assert_msg(strstr(err, "exclude each other"), "%s", err);
    snprintf(args, sizeof args, "%s/cases/broadcast/model.hlo --random --seed x -o x", data);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 2);
    ck_assert_int_eq(hloc_run("--output-dir", err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--output-dir needs a value"), "%s", err);
    snprintf(args, sizeof args, "%s/nonexistent.hlo --random -o %s/out", tmpdir, tmpdir);
    ck_assert_int_eq(hloc_run(args, err, sizeof err), 1);
    ck_assert_msg(strstr(err, "nonexistent.hlo"), "%s", err);
    ck_assert_int_eq(hloc_run("--help", err, sizeof err), 0);
    char path[600], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/stdout.txt", tmpdir);
    read_file(path, &text, &len);
    text[len] = 0;
    const char *opts[] = {"--target", "--input", "--random", "--seed", "--output-dir", "interp",
                          "cpu-aot"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        ck_assert_msg(strstr(text, opts[i]), "--help lacks %s", opts[i]);
    free(text);
}
END_TEST

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(int argc, char **argv) {
    const char *root = getenv("HLOC_TEST_DATA");
    if (argc < 2 || !root) {
        fprintf(stderr, "usage: HLOC_TEST_DATA=DIR test_run HLOC\n");
        return EXIT_FAILURE;
    }
    hloc_path = argv[1];
    snprintf(data, sizeof data, "%s", root);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/hloc-run-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_runs_a_case);
    tcase_add_test(tc, test_cpu_targets);
    tcase_add_test(tc, test_input_errors);
    tcase_add_test(tc, test_bf16_case);
    tcase_add_test(tc, test_narrow_types);
    tcase_add_test(tc, test_random);
    tcase_add_test(tc, test_usage);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
