/* AOT packaging: link a module object (the fixture, compiled as the code generator would hand it
 * over) into a .so whose NEEDED is only libc/libm, load and run it through the runtime, and
 * generate its C header, which must compile on its own. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aot.h"
#include "hloc/runtime.h"
#include "suites.h"

static char tmpdir[64];

static void make_tmpdir(void) {
    strcpy(tmpdir, "/tmp/hloc_aot_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void ok(hloc_status *s) {
    ck_assert_msg(!s, "%s", hloc_status_message(s));
}

START_TEST(test_link_needed_run) {
    make_tmpdir();
    char so[128];
    snprintf(so, sizeof so, "%s/fixture.so", tmpdir);
    ok(hloc_link_shared(fixture_object_path, so, NULL, 0));

    char **needed;
    size_t n;
    ok(hloc_elf_needed(so, &needed, &n));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(!strcmp(needed[i], "libc.so.6") || !strcmp(needed[i], "libm.so.6"),
                      "unexpected NEEDED %s", needed[i]);
    ck_assert_uint_ge(n, 1); /* the fixture mallocs */
    free(needed);

    hloc_executable *e = NULL;
    ok(hloc_executable_load(so, &e));
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {6, 5, 4, 3, 2, 1}, sum[6];
    int32_t greater[2];
    hloc_buffer p[2] = {{a, sizeof a, 18}, {b, sizeof b, 18}};
    hloc_buffer r[2] = {{sum, sizeof sum, 18}, {greater, sizeof greater, 7}};
    ok(hloc_executable_run(e, p, 2, r, 2, NULL));
    for (int i = 0; i < 6; i++) ck_assert_float_eq(sum[i], 7);
    ck_assert_int_eq(greater[0], 0);
    ck_assert_int_eq(greater[1], 3);
    hloc_executable_unload(e);
    remove_tmpdir();
}
END_TEST

START_TEST(test_link_errors) {
    make_tmpdir();
    char so[128], obj[128];
    snprintf(so, sizeof so, "%s/x.so", tmpdir);
    snprintf(obj, sizeof obj, "%s/missing.o", tmpdir);
    hloc_status *s = hloc_link_shared(obj, so, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "link failed") &&
                      strstr(hloc_status_message(s), "missing.o"),
                  "%s", hloc_status_message(s));
    hloc_status_free(s);
    /* an object with an undefined symbol must not link into a .so that fails at dlopen */
    snprintf(obj, sizeof obj, "%s/undef.c", tmpdir);
    static const char undef_c[] =
        "extern void nowhere(void);\nvoid f(void);\nvoid f(void) { nowhere(); }\n";
    ok(hloc_write_file(obj, undef_c, strlen(undef_c)));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cc -c -fPIC -o %s/undef.o %s", tmpdir, obj);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(obj, sizeof obj, "%s/undef.o", tmpdir);
    s = hloc_link_shared(obj, so, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "nowhere"), "%s", hloc_status_message(s));
    hloc_status_free(s);
    /* NEEDED of a file that is not ELF */
    char **needed;
    size_t n;
    s = hloc_elf_needed(obj, &needed, &n); /* a relocatable object has no .dynamic */
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "no valid .dynamic section"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    snprintf(obj, sizeof obj, "%s/undef.c", tmpdir);
    s = hloc_elf_needed(obj, &needed, &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "not a 64-bit little-endian ELF"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    remove_tmpdir();
}
END_TEST

START_TEST(test_header) {
    hloc_executable *e = NULL;
    ok(hloc_executable_load(fixture_path, &e));
    char *h = NULL;
    ok(hloc_header_generate(hloc_executable_metadata(e), "fixture.so", &h));
    static const char *const want[] = {
        "#define FIXTURE_PARAM1_BYTES 24ull /* b: f32[2,3] */",
        "#define FIXTURE_RESULT1_BYTES 8ull /* greater: s32[2] */",
        "#define FIXTURE_RESULT1_ELEMENTS 2ull",
        "#define FIXTURE_SCRATCH_BYTES 32ull",
        "void fixture(const float *in_a /* f32[2,3] */,",
        "int32_t *out_greater /* s32[2] */,",
        "const hloc_run_options *opts);",
        "extern const hloc_module_metadata fixture_metadata;",
        "typedef struct hloc_run_options {",
        " *     1   greater                  s32[2]                   out_greater (8 bytes)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(h, want[i]), "header lacks '%s':\n%s", want[i], h);

    /* it compiles on its own */
    make_tmpdir();
    char path[128], cmd[512];
    snprintf(path, sizeof path, "%s/fixture.h", tmpdir);
    ok(hloc_write_file(path, h, strlen(h)));
    snprintf(cmd, sizeof cmd,
             "cc -std=c17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c %s", path);
    ck_assert_int_eq(system(cmd), 0);
    /* and as C++, where a C++ compiler is installed (bootstrap.sh installs only gcc) */
    if (system("command -v c++ >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof cmd,
                 "c++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ %s", path);
        ck_assert_int_eq(system(cmd), 0);
    }
    remove_tmpdir();
    free(h);

    /* a name that is no C identifier cannot become an entry point */
    hloc_module_metadata md = *hloc_executable_metadata(e);
    md.name = "bad-name";
    hloc_status *s = hloc_header_generate(&md, "x.so", &h);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_null(h);
    hloc_status_free(s);
    hloc_executable_unload(e);
}
END_TEST

static void *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *d = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

START_TEST(test_package) {
    make_tmpdir();
    size_t len;
    void *obj = read_file(fixture_object_path, &len);
    char so[128], h[128], o[128];
    snprintf(so, sizeof so, "%s/m.so", tmpdir);
    snprintf(h, sizeof h, "%s/m.h", tmpdir);
    snprintf(o, sizeof o, "%s/m.o", tmpdir);
    ok(hloc_aot_package(obj, len, so, h, o, NULL, 0));
    ck_assert_int_eq(access(so, R_OK), 0);
    ck_assert_int_eq(access(o, R_OK), 0);
    size_t hlen;
    char *text = read_file(h, &hlen);
    text[hlen] = 0;
    ck_assert_ptr_nonnull(strstr(text, "The interface of m.so"));
    ck_assert_ptr_nonnull(strstr(text, "#define FIXTURE_RESULT0_BYTES 24ull"));
    free(text);
    /* without --object and --header: only the .so, and no temporary left behind */
    unlink(so);
    ok(hloc_aot_package(obj, len, so, NULL, NULL, NULL, 0));
    ck_assert_int_eq(access(so, R_OK), 0);
    /* bytes that are no object file: the link step's error */
    hloc_status *s = hloc_aot_package("not an object", 13, so, NULL, NULL, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "link failed"), "%s", hloc_status_message(s));
    hloc_status_free(s);
    /* an unwritable header path */
    s = hloc_aot_package(obj, len, so, "/nonexistent/dir/m.h", NULL, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "/nonexistent/dir/m.h: cannot write"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    free(obj);
    remove_tmpdir();
}
END_TEST

/* The custom-call target of fixture_custom.o, bound by the dynamic loader from this program
 * (linked with export_dynamic). It adds, as the plain fixture does, plus one hundred. */
__attribute__((visibility("default"))) void fixture_custom_add(void *out, const void **in);
void fixture_custom_add(void *out, const void **in) {
    *(float *)out = *(const float *)in[0] + *(const float *)in[1] + 100;
}

START_TEST(test_custom_call_symbols) {
    make_tmpdir();
    char so[128];
    snprintf(so, sizeof so, "%s/cc.so", tmpdir);
    /* the target must be declared to the link step, else it is an undefined symbol */
    hloc_status *s = hloc_link_shared(fixture_custom_path, so, NULL, 0);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "fixture_custom_add"), "%s", hloc_status_message(s));
    hloc_status_free(s);
    static const char *const other[] = {"some_other_target"};
    s = hloc_link_shared(fixture_custom_path, so, other, 1);
    ck_assert_ptr_nonnull(s);
    hloc_status_free(s);

    static const char *const externs[] = {"fixture_custom_add"};
    size_t len;
    void *obj = read_file(fixture_custom_path, &len);
    char h[128];
    snprintf(h, sizeof h, "%s/cc.h", tmpdir);
    ok(hloc_aot_package(obj, len, so, h, NULL, externs, 1));
    free(obj);
    char **needed;
    size_t n;
    ok(hloc_elf_needed(so, &needed, &n));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(!strcmp(needed[i], "libc.so.6") || !strcmp(needed[i], "libm.so.6"), "%s",
                      needed[i]);
    free(needed);

    /* bound to this program's fixture_custom_add at load */
    hloc_executable *e = NULL;
    ok(hloc_executable_load(so, &e));
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {6, 5, 4, 3, 2, 1}, sum[6];
    int32_t greater[2];
    hloc_buffer p[2] = {{a, sizeof a, 18}, {b, sizeof b, 18}};
    hloc_buffer r[2] = {{sum, sizeof sum, 18}, {greater, sizeof greater, 7}};
    ok(hloc_executable_run(e, p, 2, r, 2, NULL));
    for (int i = 0; i < 6; i++) ck_assert_float_eq(sum[i], 107);
    hloc_executable_unload(e);

    /* a target nothing defines: the metadata can be read, the module cannot be run */
    obj = read_file(fixture_absent_path, &len);
    static const char *const absent[] = {"fixture_custom_absent"};
    ok(hloc_aot_package(obj, len, so, h, NULL, absent, 1));
    free(obj);
    s = hloc_executable_load(so, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "undefined symbol: fixture_custom_absent"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    ok(hloc_executable_load_metadata_only(so, &e));
    ck_assert_str_eq(hloc_executable_metadata(e)->name, "fixture");
    s = hloc_executable_run(e, p, 2, r, 2, NULL);
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(hloc_status_message(s), "loaded for its metadata only"), "%s",
                  hloc_status_message(s));
    hloc_status_free(s);
    hloc_executable_unload(e);
    remove_tmpdir();
}
END_TEST

START_TEST(test_identifiers) {
    ck_assert(hloc_is_c_identifier("mlp"));
    ck_assert(hloc_is_c_identifier("_m1"));
    ck_assert(!hloc_is_c_identifier("1m"));
    ck_assert(!hloc_is_c_identifier("a.b"));
    ck_assert(!hloc_is_c_identifier(""));
    ck_assert(!hloc_is_c_identifier("int"));
    ck_assert(!hloc_is_c_identifier("main"));
}
END_TEST

Suite *aot_suite(void) {
    Suite *s = suite_create("aot");
    TCase *tc = tcase_create("aot");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_link_needed_run);
    tcase_add_test(tc, test_link_errors);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_package);
    tcase_add_test(tc, test_custom_call_symbols);
    tcase_add_test(tc, test_identifiers);
    suite_add_tcase(s, tc);
    return s;
}
