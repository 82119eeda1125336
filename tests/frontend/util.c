/* Shared helpers of the frontend tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"
#include "suites.h"

char *test_read_file(const char *path, size_t *len) {
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
    fclose(f);
    if (s) s[n] = 0;
    if (len) *len = (size_t)n;
    return s;
}

const char *test_data_dir(void) {
    const char *d = getenv("HLOC_TEST_DATA");
    return d && *d ? d : "tests/data";
}

hloc_module *test_parse(const char *text) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "test.hlo", &m);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
    }
    ck_assert_msg(m != NULL, "parse failed");
    return m;
}

char *test_parse_error(const char *text) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_text(text, strlen(text), "test.hlo", &m);
    ck_assert_msg(st != NULL, "parse unexpectedly succeeded:\n%s", text);
    ck_assert_ptr_null(m);
    char *msg = strdup(hloc_status_message(st));
    hloc_status_free(st);
    return msg;
}

hloc_instr *test_find(hloc_module *m, const char *name) {
    for (uint32_t c = 0; c < m->n_comps; c++) {
        hloc_instr *i = hloc_computation_find_instr(m->comps[c], name);
        if (i) return i;
    }
    ck_abort_msg("no instruction %s", name);
    return NULL;
}
