/* The runtime's view of the host CPU (runtime/cpu_features.c) and the loader's feature check on
 * metadata in memory: agreement with the compiler's __builtin_cpu_supports, list parsing, unknown
 * features never failing a module, and version-2 metadata (no feature list) still loading. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_features.h"
#include "cpu_internal.h"
#include "hloc/runtime.h"
#include "util.h"

/* Features the runtime checks, in an order that puts those a host most likely lacks first. */
static const char *const probe_order[] = {
    "avx512fp16", "avx512vp2intersect", "avx512bf16", "avxvnniint16", "avxneconvert", "avxvnniint8",
    "avxifma", "avx512vbmi2", "avx512bitalg", "avx512vnni", "avx512f", "fma4", "xop", "tbm",
    "sse4a", "gfni", "avxvnni", "avx2", "avx", NULL};

/* A feature this host lacks, or NULL if it has them all. */
static const char *lacking(void) {
    for (const char *const *f = probe_order; *f; f++)
        if (hloc_rt_cpu_checkable(*f) && !hloc_rt_cpu_has(*f)) return *f;
    return NULL;
}

START_TEST(host_has_the_x86_64_baseline) {
#if defined(__x86_64__)
    const char *base[] = {"64bit", "cmov", "cx8", "sse", "sse2"};
    for (size_t k = 0; k < sizeof base / sizeof base[0]; k++) {
        ck_assert_msg(hloc_rt_cpu_checkable(base[k]), "%s", base[k]);
        ck_assert_msg(hloc_rt_cpu_has(base[k]), "an x86-64 CPU without %s?", base[k]);
    }
    ck_assert(hloc_rt_cpu_checkable("avx512f"));
#endif
    /* AMX needs the kernel's permission per process, and LLVM never emits it unasked */
    ck_assert(!hloc_rt_cpu_checkable("amx-tile"));
    ck_assert(!hloc_rt_cpu_checkable("no-such-feature"));
    ck_assert(!hloc_rt_cpu_has("no-such-feature"));
}
END_TEST

/* GCC's and clang's __builtin_cpu_supports read cpuid and XCR0 too (libgcc, compiler-rt): an
 * independent oracle for the features both know. */
START_TEST(agrees_with_builtin_cpu_supports) {
#if defined(__x86_64__)
    __builtin_cpu_init();
#define SAME(name) \
    ck_assert_msg(hloc_rt_cpu_has(name) == !!__builtin_cpu_supports(name), "%s: runtime %d, builtin %d", \
                  name, hloc_rt_cpu_has(name), !!__builtin_cpu_supports(name))
    SAME("sse2");
    SAME("sse3");
    SAME("ssse3");
    SAME("sse4.1");
    SAME("sse4.2");
    SAME("popcnt");
    SAME("aes");
    SAME("pclmul");
    SAME("avx");
    SAME("avx2");
    SAME("fma");
    SAME("bmi");
    SAME("bmi2");
    SAME("avx512f");
    SAME("avx512bw");
    SAME("avx512dq");
    SAME("avx512vl");
    SAME("avx512cd");
    SAME("avx512vbmi");
    SAME("avx512vnni");
#undef SAME
#endif
}
END_TEST

START_TEST(lists_are_parsed_and_unknown_names_pass) {
    char buf[256];
    ck_assert_uint_eq(hloc_rt_cpu_lacks(NULL, buf, sizeof buf), 0);
    ck_assert_uint_eq(hloc_rt_cpu_lacks("", buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq(hloc_rt_cpu_lacks(",,+,-,amx-tile,no-such-feature,avx10.1-512", buf, sizeof buf), 0);
    const char *l = lacking();
    if (!l) {
        printf("cpucheck: this CPU has every feature the runtime checks; the lacking-feature "
               "cases are skipped\n");
        return;
    }
    char list[256];
    /* '-' entries are features the code does not use */
    snprintf(list, sizeof list, "-%s", l);
    ck_assert_uint_eq(hloc_rt_cpu_lacks(list, buf, sizeof buf), 0);
    snprintf(list, sizeof list, "64bit,no-such-feature,+%s,%s", l, l);
    ck_assert_uint_eq(hloc_rt_cpu_lacks(list, buf, sizeof buf), 2);
    ck_assert_msg(!strncmp(buf, l, strlen(l)), "'%s' does not start with %s", buf, l);
    /* a short buffer truncates, still terminated, and the count stays right */
    char tiny[4] = "xyz";
    ck_assert_uint_eq(hloc_rt_cpu_lacks(list, tiny, sizeof tiny), 2);
    ck_assert_uint_eq(strlen(tiny), 3);
    ck_assert_uint_eq(hloc_rt_cpu_lacks(list, NULL, 0), 2);
}
END_TEST

static void copy2(const float *in, float *out, const hloc_run_options *o) {
    (void)o;
    out[0] = in[0], out[1] = in[1];
}

static const int64_t dims2[] = {2}, m2m[] = {0};
static const hloc_buffer_desc in_desc = {"in", 18, 1, dims2, m2m, 8}; /* f32[2] */
static const hloc_buffer_desc out_desc = {"out", 18, 1, dims2, m2m, 8};

static hloc_module_metadata md_with(uint32_t version, const char *features) {
    return (hloc_module_metadata){HLOC_ABI_MAGIC, version, "copy2", "x86_64-pc-linux-gnu testcpu",
                                  1, 1, &in_desc, &out_desc, 0, (void (*)(void))copy2, 0, NULL,
                                  features};
}

static void run_copy2(const hloc_module_metadata *md) {
    hloc_executable *e = NULL;
    CC_OK(hloc_executable_wrap(md, &e));
    float in[2] = {1.5f, -2}, out[2] = {0};
    hloc_buffer p = {in, sizeof in, 18}, r = {out, sizeof out, 18};
    CC_OK(hloc_executable_run(e, &p, 1, &r, 1, NULL));
    ck_assert(out[0] == 1.5f && out[1] == -2);
    hloc_executable_unload(e);
}

START_TEST(wrap_checks_the_features) {
    hloc_module_metadata md = md_with(HLOC_ABI_VERSION, "64bit,sse2");
    run_copy2(&md);
    md = md_with(HLOC_ABI_VERSION, "amx-tile,no-such-feature");
    run_copy2(&md);
    md = md_with(HLOC_ABI_VERSION, NULL);
    run_copy2(&md);
    const char *l = lacking();
    if (!l) return;
    char list[128];
    snprintf(list, sizeof list, "sse2,%s", l);
    md = md_with(HLOC_ABI_VERSION, list);
    hloc_executable *e = NULL;
    hloc_status *st = hloc_executable_wrap(&md, &e);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    const char *msg = hloc_status_message(st);
    ck_assert_msg(strstr(msg, "copy2 was compiled for testcpu and needs a CPU feature this CPU lacks: "),
                  "%s", msg);
    ck_assert_msg(strstr(msg, l), "'%s' does not name %s", msg, l);
    ck_assert_msg(!strstr(msg, "sse2"), "'%s' names a feature the CPU has", msg);
    hloc_status_free(st);
    /* Version 2 had no feature list: whatever sits there is not read */
    md = md_with(2, list);
    run_copy2(&md);
}
END_TEST

START_TEST(version_2_module_loads_and_runs) {
    hloc_executable *e = NULL;
    CC_OK(hloc_executable_load(fixture_v2_path, &e));
    const hloc_module_metadata *md = hloc_executable_metadata(e);
    ck_assert_uint_eq(md->version, 2);
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {6, 5, 4, 3, 2, 1}, sum[6];
    int32_t greater[2];
    hloc_buffer p[2] = {{a, sizeof a, 18}, {b, sizeof b, 18}};
    hloc_buffer r[2] = {{sum, sizeof sum, 18}, {greater, sizeof greater, 7}};
    CC_OK(hloc_executable_run(e, p, 2, r, 2, NULL));
    for (int k = 0; k < 6; k++) ck_assert(sum[k] == 7);
    ck_assert_int_eq(greater[0], 0);
    ck_assert_int_eq(greater[1], 3);
    hloc_executable_unload(e);
}
END_TEST

/* What the compiler records for a named CPU (targets/cpu/features.c's inline-compatibility probe)
 * against what LLVM's X86.td gives those CPUs. */
static const struct {
    const char *cpu, *has, *lacks;
} named[] = {
    {"x86-64", "64bit cmov cx8 fxsr mmx sse sse2", "sse3 avx cx16 sahf popcnt"},
    {"x86-64-v2", "sse3 ssse3 sse4.1 sse4.2 popcnt crc32", "avx avx2 fma"},
    {"x86-64-v3", "avx avx2 fma bmi bmi2 f16c movbe lzcnt", "avx512f"},
    {"x86-64-v4", "avx512f avx512bw avx512cd avx512dq avx512vl avx2", "avx512fp16 avx512vnni"},
    {"znver4", "avx512f avx512bf16 avx512vnni gfni sse4a vaes", "avx512fp16 amx-tile"},
    {"sapphirerapids", "avx512fp16 avx512bf16 amx-tile avxvnni", "sse4a fma4"},
    {"k8", "sse2 prfchw", "sse3 cx16 sahf"},
};

static bool listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if (p > list && p[-1] == '+' && (p[n] == ',' || !p[n])) return true;
    return false;
}

START_TEST(named_cpu_features) {
    CC_X86_ONLY();
    hloc_cpu_options o = {.cpu = named[_i].cpu};
    LLVMTargetMachineRef tm;
    CC_OK(hloc_cpu_target_machine(&o, &tm));
    char *f = NULL;
    CC_OK(hloc_cpu_features(tm, &f));
    LLVMDisposeTargetMachine(tm);
    char words[256];
    snprintf(words, sizeof words, "%s", named[_i].has);
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
        ck_assert_msg(listed(f, w), "%s: '%s' lacks %s", named[_i].cpu, f, w);
    snprintf(words, sizeof words, "%s", named[_i].lacks);
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save))
        ck_assert_msg(!listed(f, w), "%s: '%s' has %s", named[_i].cpu, f, w);
    free(f);
}
END_TEST

/* The host's machine records exactly the host's enabled features, all of which it has. */
START_TEST(native_features_are_the_hosts) {
    hloc_cpu_options o = {.cpu = "native"};
    LLVMTargetMachineRef tm;
    CC_OK(hloc_cpu_target_machine(&o, &tm));
    char *f = NULL;
    CC_OK(hloc_cpu_features(tm, &f));
    LLVMDisposeTargetMachine(tm);
    char lacks[512];
    ck_assert_msg(hloc_rt_cpu_lacks(f, lacks, sizeof lacks) == 0, "the host lacks %s", lacks);
    char *host = LLVMGetHostCPUFeatures();
    size_t n_host = 0, n_f = 1;
    for (const char *p = host; *p; p++) n_host += *p == '+';
    for (const char *p = f; *p; p++) n_f += *p == ',';
    ck_assert_uint_eq(n_f, n_host);
    LLVMDisposeMessage(host);
    free(f);
}
END_TEST

Suite *cpu_features_suite(void) {
    Suite *s = suite_create("cpu_features");
    TCase *t = tcase_create("host");
    tcase_add_test(t, host_has_the_x86_64_baseline);
    tcase_add_test(t, agrees_with_builtin_cpu_supports);
    tcase_add_test(t, lists_are_parsed_and_unknown_names_pass);
    tcase_add_test(t, wrap_checks_the_features);
    tcase_add_test(t, version_2_module_loads_and_runs);
    tcase_add_loop_test(t, named_cpu_features, 0, sizeof named / sizeof named[0]);
    tcase_add_test(t, native_features_are_the_hosts);
    suite_add_tcase(s, t);
    return s;
}
