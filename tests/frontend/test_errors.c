/* Malformed inputs under tests/frontend/errors/: each file's first line reads
 * "// ERROR: L:C: text" and the parser must report exactly that location and a message holding the
 * text, in the form "path:L:C: error: ...", followed by the quoted source line and a caret. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

static void check_file(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *text = test_read_file(path, &len);
    ck_assert_ptr_nonnull(text);
    unsigned line, col;
    int off = 0;
    ck_assert_msg(sscanf(text, "// ERROR: %u:%u: %n", &line, &col, &off) == 2 && off > 0,
                  "%s: first line must be // ERROR: L:C: text", name);
    const char *want = text + off;
    const char *eol = strchr(want, '\n');
    ck_assert_ptr_nonnull(eol);
    char substr[512];
    snprintf(substr, sizeof substr, "%.*s", (int)(eol - want), want);

    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, len, name, &m);
    ck_assert_msg(st != NULL, "%s: parsed without error", name);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    const char *msg = hloc_status_message(st);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:%u:%u: error: ", name, line, col);
    ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
                  "%s: expected location %u:%u, got:\n%s", name, line, col, msg);
    ck_assert_msg(strstr(msg, substr) != NULL, "%s: message lacks '%s':\n%s", name, substr, msg);
    ck_assert_msg(strstr(msg, "\n  ") && strchr(msg, '^'), "%s: no quoted line and caret:\n%s",
                  name, msg);
    hloc_status_free(st);
    free(text);
}

START_TEST(test_error_files) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/../frontend/errors", test_data_dir());
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".hlo")) continue;
        check_file(dir, e->d_name);
        n++;
    }
    closedir(d);
    ck_assert_int_ge(n, 10);
}
END_TEST

START_TEST(test_missing_file) {
    hloc_module *m = (hloc_module *)1;
    hloc_status *st = hloc_module_parse_file("/nonexistent/dir/model.hlo", &m);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(hloc_status_message(st), "/nonexistent/dir/model.hlo"));
    hloc_status_free(st);
}
END_TEST

START_TEST(test_notes) {
    char *msg =
        test_parse_error("ENTRY e {\n  a = f32[] parameter(0)\n  ROOT b = f32[] add(a\n}\n");
    ck_assert_msg(
        strstr(msg, "test.hlo:4:1: error: expected ',' or ')' in operand list, found '}'"), "%s",
        msg);
    ck_assert_msg(strstr(msg, "test.hlo:3:21: note: to close '(' opened here"), "%s", msg);
    free(msg);
    msg = test_parse_error("ENTRY e {\n  a = f32[] parameter(0)\n  a = f32[] parameter(1)\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:2:3: note: previously defined here"), "%s", msg);
    free(msg);
    msg = test_parse_error(
        "ENTRY e {\n  p = f32[4]{0} parameter(0)\n  z = f32[] constant(0)\n"
        "  ROOT r = f32[2]{0} reduce-window(p, z), window={size=2 size=2}, to_apply=e\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:4:58: error: window attribute 'size=' is given twice"),
                  "%s", msg);
    free(msg);
    msg = test_parse_error("ENTRY e {\n  p = f32[] parameter(0) `\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:2:26: error: unexpected character '`'"), "%s", msg);
    free(msg);
    msg = test_parse_error("ENTRY e {\n  p = f32[] parameter(0) \x01\n}\n");
    ck_assert_msg(strstr(msg, "test.hlo:2:26: error: unexpected byte 0x01"), "%s", msg);
    free(msg);
    msg = test_parse_error("");
    ck_assert_msg(strstr(msg, "expected a computation, found end of input"), "%s", msg);
    free(msg);
}
END_TEST

START_TEST(test_api_edges) {
    hloc_module *m = (hloc_module *)1;
    hloc_status *st = hloc_module_parse_text(NULL, 0, NULL, &m);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    ck_assert_msg(strstr(hloc_status_message(st), "<input>:1:1: error: expected a computation"),
                  "%s", hloc_status_message(st));
    hloc_status_free(st);
    st = hloc_module_parse_text(NULL, 5, "x", &m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    st = hloc_module_parse_text("ENTRY e {}", 10, "x", NULL);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    st = hloc_module_parse_file(NULL, &m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_INVALID_ARGUMENT);
    hloc_status_free(st);
    /* A directory opens but does not read as a file. */
    st = hloc_module_parse_file(test_data_dir(), &m);
    ck_assert_int_eq(hloc_status_code_of(st), HLOC_STATUS_IO);
    ck_assert_msg(strstr(hloc_status_message(st), "cannot read: Is a directory"), "%s",
                  hloc_status_message(st));
    ck_assert_ptr_null(m);
    hloc_status_free(st);
}
END_TEST

Suite *errors_suite(void) {
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, test_error_files);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_notes);
    tcase_add_test(tc, test_api_edges);
    suite_add_tcase(s, tc);
    return s;
}
