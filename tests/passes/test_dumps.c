/* Every corpus model goes through the default pipeline with text dumps after every pass; every
 * dump must parse and verify again (dumps are HLO that hloc reads back), and the dump names must
 * follow XLA's scheme. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hloc/hloc.h"
#include "pass.h"

static const char *data_dir(void) {
    const char *d = getenv("HLOC_TEST_DATA");
    return d ? d : "tests/data";
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[8448];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Parses and verifies every .txt in |dir|; returns how many, or -1 after a failure message. */
static int check_dumps(const char *dir, const char *model, bool *saw_before, bool *saw_after,
                       bool *saw_pass) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".txt")) continue;
        ck_assert_msg(!strncmp(e->d_name, "module_0000.", 12), "bad dump name %s", e->d_name);
        if (strstr(e->d_name, ".before_optimizations.")) *saw_before = true;
        if (strstr(e->d_name, ".after_optimizations.")) *saw_after = true;
        if (strstr(e->d_name, ".after_") && strstr(e->d_name, ".before_")) *saw_pass = true;
        char p[8448];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        hloc_module *m = NULL;
        hloc_status *st = hloc_module_parse_file(p, &m);
        if (!st) st = hloc_module_verify(m);
        hloc_module_destroy(m);
        if (st) {
            fprintf(stderr, "%s: dump %s: %s\n", model, e->d_name, hloc_status_message(st));
            hloc_status_free(st);
            closedir(d);
            return -1;
        }
        n++;
    }
    closedir(d);
    return n;
}

START_TEST(every_dump_parses) {
    char cases[4096];
    snprintf(cases, sizeof cases, "%s/cases", data_dir());
    DIR *d = opendir(cases);
    ck_assert_msg(d, "cannot open %s", cases);
    char tmpl[] = "/tmp/hloc_dumps_XXXXXX";
    ck_assert(mkdtemp(tmpl));
    int n_models = 0, n_dumps = 0, failed = 0;
    bool before = false, after = false, pass = false;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4608], dump[4608];
        snprintf(path, sizeof path, "%s/%s/model.hlo", cases, e->d_name);
        snprintf(dump, sizeof dump, "%s/%s", tmpl, e->d_name);
        hloc_module *m = NULL;
        hloc_status *st = hloc_module_parse_file(path, &m);
        if (st) {
            hloc_status_free(st);
            continue;
        }
        hloc_pass_options o = hloc_pass_options_default();
        o.dump_dir = dump;
        o.verify_each = true;
        int seq = 0;
        o.dump_seq = &seq;
        hloc_pipeline *p = hloc_pipeline_default();
        st = hloc_dump_module(m, &o, &seq, "before_optimizations");
        if (!st) st = hloc_pipeline_run(p, m, &o, NULL);
        if (!st) st = hloc_dump_module(m, &o, &seq, "after_optimizations");
        hloc_pipeline_destroy(p);
        hloc_module_destroy(m);
        if (st) {
            fprintf(stderr, "%s: %s\n", e->d_name, hloc_status_message(st));
            hloc_status_free(st);
            failed++;
        } else {
            int k = check_dumps(dump, e->d_name, &before, &after, &pass);
            if (k < 0) failed++;
            else n_dumps += k;
        }
        remove_tree(dump);
        n_models++;
    }
    closedir(d);
    rmdir(tmpl);
    fprintf(stderr, "dumps: %d modules, %d dumps, %d failed\n", n_models, n_dumps, failed);
    ck_assert_int_ge(n_models, 100);
    ck_assert(before && after && pass);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *dumps_suite(void);
Suite *dumps_suite(void) {
    Suite *s = suite_create("dumps");
    TCase *t = tcase_create("corpus");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, every_dump_parses);
    suite_add_tcase(s, t);
    return s;
}
