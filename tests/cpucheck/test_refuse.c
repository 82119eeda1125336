/* A module compiled for a CPU this host is not: AOT compiling it works (cross-compiling is
 * legitimate), loading it to run fails with a message naming the missing features, `hloc run`
 * exits 1 with that message instead of dying of SIGILL, and the JIT refuses that CPU up front.
 * The CPU is chosen here, at run time, so the test holds on any x86-64 host; a module compiled
 * for the host runs. */
#include <check.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu_features.h"
#include "hloc/jit.h"
#include "hloc/runtime.h"
#include "metadata.h"
#include "util.h"

extern char **environ;

/* Odd sizes: edge tiles and packing remainders on every vector width. */
static const char *const dot_hlo =
    "HloModule small_dot\n"
    "ENTRY e {\n"
    "  a = f32[13,37] parameter(0)\n"
    "  b = f32[37,29] parameter(1)\n"
    "  ROOT d = f32[13,29] dot(a, b), lhs_contracting_dims={1}, rhs_contracting_dims={0}\n"
    "}\n";

/* Recent CPUs with features few others have; the first this host cannot run is the test's. */
static const char *const candidates[] = {"znver4", "sapphirerapids", "graniterapids",
                                         "graniterapids-d", "clearwaterforest", NULL};

/* Chosen once in the parent (unchecked fixture), before check forks each test. */
static char *dir;
static const char *foreign_cpu;
static char foreign_so[4096], foreign_lacks[1024], foreign_features[2048];

static void choose_cpu(void) {
    dir = cc_tmpdir();
#if !defined(__x86_64__)
    printf("cpucheck: not an x86-64 host; the refusal cases are skipped\n");
    return;
#endif
    for (const char *const *c = candidates; *c && !foreign_cpu; c++) {
        snprintf(foreign_so, sizeof foreign_so, "%s/%s.so", dir, *c);
        hloc_status *st = cc_shared(dot_hlo, *c, foreign_so);
        ck_assert_msg(!st, "compiling for %s: %s", *c, st ? hloc_status_message(st) : "");
        hloc_executable *e = NULL;
        st = hloc_executable_load_metadata_only(foreign_so, &e);
        ck_assert_msg(!st, "%s", st ? hloc_status_message(st) : "");
        const char *f = hloc_rt_metadata_cpu_features(hloc_executable_metadata(e));
        snprintf(foreign_features, sizeof foreign_features, "%s", f);
        if (hloc_rt_cpu_lacks(f, foreign_lacks, sizeof foreign_lacks)) foreign_cpu = *c;
        hloc_executable_unload(e);
    }
    if (!foreign_cpu)
        printf("cpucheck: this CPU has every checked feature of %s ... %s; the refusal cases are "
               "skipped\n", candidates[0], "clearwaterforest");
}

static void remove_dir(void) {
    cc_rmdir(dir);
    dir = NULL;
}

/* Every lacking feature (", "-separated in foreign_lacks) appears in |msg|. */
static void names_every_lacking_feature(const char *msg) {
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", foreign_lacks);
    for (char *save = NULL, *f = strtok_r(copy, ", ", &save); f; f = strtok_r(NULL, ", ", &save))
        if (f[0] != '(') ck_assert_msg(strstr(msg, f), "'%s' does not name %s", msg, f);
    /* independently of the runtime's detection: the compiler's own */
    if (strstr(foreign_features, "avx512f,") && !__builtin_cpu_supports("avx512f"))
        ck_assert_msg(strstr(msg, "avx512f"), "'%s' does not name avx512f", msg);
}

START_TEST(load_names_the_missing_features) {
    if (!foreign_cpu) return;
    hloc_executable *e = NULL;
    hloc_status *st = hloc_executable_load(foreign_so, &e);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    const char *msg = hloc_status_message(st);
    char want[4200];
    snprintf(want, sizeof want, "%s was compiled for %s and needs ", foreign_so, foreign_cpu);
    ck_assert_msg(strstr(msg, want), "'%s' lacks '%s'", msg, want);
    ck_assert_msg(strstr(msg, "this CPU lacks"), "%s", msg);
    names_every_lacking_feature(msg);
    hloc_status_free(st);
    /* reading its metadata is fine anywhere */
    CC_OK(hloc_executable_load_metadata_only(foreign_so, &e));
    ck_assert_ptr_nonnull(strstr(hloc_executable_metadata(e)->target, foreign_cpu));
    hloc_executable_unload(e);
}
END_TEST

/* Runs hloc with |args|; returns the wait status, stdout and stderr in files under dir. */
static int run_hloc(const char *const *args, char **out, char **err) {
    char out_path[4200], err_path[4200];
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    const char *argv[16] = {hloc_exe_path};
    int n = 1;
    while (args[n - 1] && n < 15) argv[n] = args[n - 1], n++;
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, hloc_exe_path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_msg(rc == 0, "cannot run %s", hloc_exe_path);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    *out = cc_read(out_path);
    *err = cc_read(err_path);
    ck_assert(*out && *err);
    return status;
}

START_TEST(hloc_run_exits_1_with_the_message) {
    if (!foreign_cpu) return;
    char outdir[4200];
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    const char *args[] = {"run", foreign_so, "--random", "--output-dir", outdir, NULL};
    char *out, *err;
    int status = run_hloc(args, &out, &err);
    ck_assert_msg(WIFEXITED(status), "hloc run died of signal %d: %s", WTERMSIG(status), err);
    ck_assert_int_eq(WEXITSTATUS(status), 1);
    char want[200];
    snprintf(want, sizeof want, "was compiled for %s and needs", foreign_cpu);
    ck_assert_msg(strstr(err, want), "%s", err);
    names_every_lacking_feature(err);
    free(out), free(err);
    /* inspect shows what it needs and what this CPU lacks, and succeeds */
    const char *iargs[] = {"inspect", foreign_so, NULL};
    status = run_hloc(iargs, &out, &err);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", err);
    ck_assert_msg(strstr(out, "  cpu features: 64bit,"), "%s", out);
    ck_assert_msg(strstr(out, "  this CPU: lacks "), "%s", out);
    names_every_lacking_feature(out);
    free(out), free(err);
}
END_TEST

START_TEST(jit_refuses_the_cpu) {
    if (!foreign_cpu) return;
    hloc_jit_options o;
    CC_OK(hloc_jit_options_init(&o));
    o.cpu = foreign_cpu;
    hloc_jit_module *m = NULL;
    hloc_status *st = hloc_jit_compile_text(dot_hlo, strlen(dot_hlo), "dot.hlo", &o, &m);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    const char *msg = hloc_status_message(st);
    char want[200];
    snprintf(want, sizeof want, "cannot JIT for cpu '%s': the code would run on this CPU, which lacks ",
             foreign_cpu);
    ck_assert_msg(strstr(msg, want), "%s", msg);
    names_every_lacking_feature(msg);
    hloc_status_free(st);
}
END_TEST

/* An unknown name used to abort the process inside LLVM ("64-bit code requested on a subtarget
 * that doesn't support it"); now it is an error, for the JIT as for AOT. */
START_TEST(unknown_cpu_is_an_error) {
    CC_X86_ONLY();
    hloc_jit_options o;
    CC_OK(hloc_jit_options_init(&o));
    o.cpu = "no-such-cpu";
    hloc_jit_module *m = NULL;
    hloc_status *st = hloc_jit_compile_text(dot_hlo, strlen(dot_hlo), "dot.hlo", &o, &m);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "unknown cpu 'no-such-cpu'"), "%s",
                  hloc_status_message(st));
    hloc_status_free(st);
    char so[4200];
    snprintf(so, sizeof so, "%s/unknown.so", dir);
    st = cc_shared(dot_hlo, "no-such-cpu", so);
    ck_assert_ptr_nonnull(st);
    ck_assert_msg(strstr(hloc_status_message(st), "unknown cpu 'no-such-cpu'"), "%s",
                  hloc_status_message(st));
    hloc_status_free(st);
}
END_TEST

/* A 32-bit CPU LLVM knows (i686, pentium_4) made LLVM abort the JIT's process the same way; it is
 * an error naming it as one, for the JIT as for AOT. */
START_TEST(cpu_without_64bit_mode_is_an_error) {
    CC_X86_ONLY();
    static const char *const cpus[] = {"i686", "pentium_4", "athlon-xp"};
    for (size_t k = 0; k < sizeof cpus / sizeof cpus[0]; k++) {
        char want[100];
        snprintf(want, sizeof want, "cpu '%s' has no 64-bit mode", cpus[k]);
        hloc_jit_options o;
        CC_OK(hloc_jit_options_init(&o));
        o.cpu = cpus[k];
        hloc_jit_module *m = NULL;
        hloc_status *st = hloc_jit_compile_text(dot_hlo, strlen(dot_hlo), "dot.hlo", &o, &m);
        ck_assert_ptr_nonnull(st);
        ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
        ck_assert_msg(strstr(hloc_status_message(st), want), "%s", hloc_status_message(st));
        hloc_status_free(st);
        char so[4200];
        snprintf(so, sizeof so, "%s/old.so", dir);
        st = cc_shared(dot_hlo, cpus[k], so);
        ck_assert_ptr_nonnull(st);
        ck_assert_msg(strstr(hloc_status_message(st), want), "%s", hloc_status_message(st));
        hloc_status_free(st);
    }
}
END_TEST

static void check_dot(const float *a, const float *b, const float *d) {
    for (int i = 0; i < 13; i++)
        for (int j = 0; j < 29; j++) {
            float s = 0;
            for (int k = 0; k < 37; k++) s += a[i * 37 + k] * b[k * 29 + j];
            ck_assert_msg(d[i * 29 + j] == s, "d[%d][%d] = %g, want %g", i, j, d[i * 29 + j], s);
        }
}

static void run_dot(const hloc_executable *e) {
    static float a[13 * 37], b[37 * 29], d[13 * 29];
    /* small integers: every sum is exact, in any order */
    for (int k = 0; k < 13 * 37; k++) a[k] = (float)(k % 7 - 3);
    for (int k = 0; k < 37 * 29; k++) b[k] = (float)(k % 5 - 2);
    hloc_buffer p[2] = {{a, sizeof a, 18}, {b, sizeof b, 18}}, r = {d, sizeof d, 18};
    CC_OK(hloc_executable_run(e, p, 2, &r, 1, NULL));
    check_dot(a, b, d);
}

START_TEST(module_for_the_host_runs) {
    char so[4200];
    snprintf(so, sizeof so, "%s/native.so", dir);
    CC_OK(cc_shared(dot_hlo, "native", so));
    hloc_executable *e = NULL;
    CC_OK(hloc_executable_load(so, &e));
    const char *f = hloc_rt_metadata_cpu_features(hloc_executable_metadata(e));
#if defined(__x86_64__)
    ck_assert_msg(strstr(f, "sse2"), "host module's features: '%s'", f);
#endif
    ck_assert_uint_eq(hloc_rt_cpu_lacks(f, NULL, 0), 0);
    run_dot(e);
    hloc_executable_unload(e);
    /* and the JIT for the host */
    hloc_jit_options o;
    CC_OK(hloc_jit_options_init(&o));
    o.cpu = "native";
    hloc_jit_module *m = NULL;
    CC_OK(hloc_jit_compile_text(dot_hlo, strlen(dot_hlo), "dot.hlo", &o, &m));
    run_dot(hloc_jit_executable(m));
    hloc_jit_destroy(m);
}
END_TEST

/* A CPU the host can run, named: its module loads and runs (the check is not "native or nothing"). */
START_TEST(module_for_a_named_baseline_cpu_runs) {
    CC_X86_ONLY();
    char so[4200];
    snprintf(so, sizeof so, "%s/x86-64.so", dir);
    CC_OK(cc_shared(dot_hlo, "x86-64", so));
    hloc_executable *e = NULL;
    CC_OK(hloc_executable_load(so, &e));
    const char *f = hloc_rt_metadata_cpu_features(hloc_executable_metadata(e));
    ck_assert_msg(!strncmp(f, "64bit,", 6) && strstr(f, ",sse2") && !strstr(f, "avx"), "%s", f);
    run_dot(e);
    hloc_executable_unload(e);
}
END_TEST

START_TEST(inspect_reads_a_version_2_module) {
    const char *args[] = {"inspect", fixture_v2_path, NULL};
    char *out, *err;
    int status = run_hloc(args, &out, &err);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", err);
    ck_assert_msg(strstr(out, "(ABI version 2)"), "%s", out);
    ck_assert_msg(strstr(out, "cpu features: not recorded (ABI version 2"), "%s", out);
    free(out), free(err);
}
END_TEST

Suite *refuse_suite(void) {
    Suite *s = suite_create("refuse");
    TCase *t = tcase_create("foreign_cpu");
    tcase_add_unchecked_fixture(t, choose_cpu, remove_dir);
    tcase_add_test(t, load_names_the_missing_features);
    tcase_add_test(t, hloc_run_exits_1_with_the_message);
    tcase_add_test(t, jit_refuses_the_cpu);
    tcase_add_test(t, unknown_cpu_is_an_error);
    tcase_add_test(t, cpu_without_64bit_mode_is_an_error);
    tcase_add_test(t, module_for_the_host_runs);
    tcase_add_test(t, module_for_a_named_baseline_cpu_runs);
    tcase_add_test(t, inspect_reads_a_version_2_module);
    suite_add_tcase(s, t);
    return s;
}
