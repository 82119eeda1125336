/* Golden tests of the passes: every .hlo file in tests/passes/golden starts with
 *   // RUN: pass-a,pass-b      (or "// RUN: default" for the default pipeline)
 * and holds `// CHECK` lines (filecheck.h) about the module printed after the passes ran with
 * verification after each. The printed result must also parse and verify again. A RUN line that
 * ends in " +buffers" appends the buffer-assignment report of the result (the plan's defaults:
 * nothing generated inside its consumers), so buffer assignment has golden tests too. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer_assignment.h"
#include "filecheck.h"
#include "hloc/hloc.h"
#include "pass.h"
#include "print.h"

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

static const char *golden_dir(void) {
    const char *d = getenv("HLOC_GOLDEN_DIR");
    return d ? d : "tests/passes/golden";
}

/* Runs one golden file; returns NULL or a malloc'd failure message. */
static char *run_golden(const char *path) {
    char *text = read_all(path);
    char msg[2048];
    if (!text) return strdup("cannot read file");
    char passes[512] = "";
    if (sscanf(text, "// RUN: %511s", passes) != 1) {
        free(text);
        return strdup("first line must be '// RUN: passes'");
    }
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), path, &m);
    if (!st) st = hloc_module_verify(m);
    const char *eol = strchr(text, '\n');
    const char *tag = strstr(text, " +buffers");
    bool buffers = tag && eol && tag < eol;
    hloc_pipeline *p = NULL;
    if (!st) {
        if (!strcmp(passes, "default")) p = hloc_pipeline_default();
        else st = hloc_pipeline_parse("golden", passes, &p);
    }
    hloc_pass_options o = hloc_pass_options_default();
    o.verify_each = true;
    if (!st) st = hloc_pipeline_run(p, m, &o, NULL);
    hloc_pipeline_destroy(p);
    char *out = NULL;
    size_t module_len = 0;
    if (!st) {
        hloc_print_options po = hloc_print_options_default();
        po.print_metadata = false;
        po.print_percent = false;
        hloc_strbuf b = {0};
        hloc_print_module(&b, m, &po);
        module_len = b.len;
        if (buffers) {
            hloc_buffer_plan *plan = NULL;
            st = hloc_buffer_plan_create(m, &plan);
            if (!st) hloc_buffer_plan_report(plan, &b);
            hloc_buffer_plan_destroy(plan);
        }
        out = hloc_strbuf_take(&b);
    }
    hloc_module_destroy(m);
    if (st) {
        snprintf(msg, sizeof msg, "%s", hloc_status_message(st));
        hloc_status_free(st);
        free(out);
        free(text);
        return strdup(msg);
    }
    int n_checks = 0;
    bool ok = filecheck(text, out, msg, sizeof msg, &n_checks);
    if (ok && n_checks == 0) {
        ok = false;
        snprintf(msg, sizeof msg, "no CHECK lines");
    }
    hloc_module *again = NULL;
    if (ok) {
        st = hloc_module_parse_text(out, module_len, "printed", &again);
        if (!st) st = hloc_module_verify(again);
        if (st) {
            ok = false;
            snprintf(msg, sizeof msg, "printed result does not parse/verify: %s", hloc_status_message(st));
            hloc_status_free(st);
        }
        hloc_module_destroy(again);
    }
    char *res = NULL;
    if (!ok) {
        size_t n = strlen(msg) + strlen(out) + 64;
        res = malloc(n);
        if (res) snprintf(res, n, "%s\n--- output ---\n%s", msg, out);
    }
    free(out);
    free(text);
    return res;
}

START_TEST(golden_files) {
    DIR *d = opendir(golden_dir());
    ck_assert_msg(d, "cannot open %s", golden_dir());
    int n = 0, failed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".hlo")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", golden_dir(), e->d_name);
        char *err = run_golden(path);
        n++;
        if (err) {
            failed++;
            fprintf(stderr, "FAIL %s: %s\n", e->d_name, err);
            free(err);
        }
    }
    closedir(d);
    ck_assert_int_ge(n, 15);
    ck_assert_msg(failed == 0, "%d of %d golden files failed", failed, n);
}
END_TEST

static bool fc(const char *checks, const char *out) {
    char err[256];
    int n;
    return filecheck(checks, out, err, sizeof err, &n);
}

START_TEST(matcher) {
    const char *out = "a = add(x, y)\nb = mul(a,  a)\nROOT c = neg(b)\n";
    ck_assert(fc("// CHECK: add(x, y)\n// CHECK-NEXT: mul(a, a)", out));
    ck_assert(!fc("// CHECK: mul\n// CHECK-NEXT: add", out));
    ck_assert(fc("// CHECK: b =\n// CHECK-SAME: mul", out));
    ck_assert(!fc("// CHECK: b =\n// CHECK-SAME: neg", out));
    ck_assert(fc("// CHECK: add\n// CHECK-NOT: sub\n// CHECK: neg", out));
    ck_assert(!fc("// CHECK: add\n// CHECK-NOT: mul\n// CHECK: neg", out));
    ck_assert(!fc("// CHECK-NOT: neg", out));
    ck_assert(fc("// CHECK-COUNT-2: = ", out));
    ck_assert(!fc("// CHECK-COUNT-4: = ", out));
    ck_assert(!fc("// CHECK: zzz", out));
}
END_TEST

Suite *dumps_suite(void);
Suite *random_suite(void);

int main(void) {
    Suite *s = suite_create("passes");
    TCase *t = tcase_create("golden");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, matcher);
    tcase_add_test(t, golden_files);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_add_suite(sr, dumps_suite());
    srunner_add_suite(sr, random_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
