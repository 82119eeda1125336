/* HLO text helpers of text.h. */
#include "text.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/hloc.h"

hloc_literal *text_eval(hloc_arena *a, const char *text, hloc_status **st) {
    char *src = NULL;
    if (strncmp(text, "HloModule", 9) == 0) {
        src = strdup(text);
    } else {
        size_t n = strlen(text) + 64;
        src = malloc(n);
        if (src) snprintf(src, n, "HloModule t\n\nENTRY e {\n%s\n}\n", text);
    }
    ck_assert_ptr_nonnull(src);
    hloc_module *m = NULL;
    hloc_status *ps = hloc_module_parse_text(src, strlen(src), "test.hlo", &m);
    ck_assert_msg(ps == NULL, "parse failed: %s", hloc_status_message(ps));
    free(src);
    hloc_literal *r = NULL;
    hloc_status *es = hloc_evaluate(m, NULL, 0, NULL, a, &r);
    hloc_module_destroy(m);
    if (st) *st = es;
    else ck_assert_msg(es == NULL, "evaluation failed: %s", hloc_status_message(es));
    return r;
}

void text_check_i(const hloc_literal *l, const int64_t *want, int64_t n) {
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(hloc_shape_elements(&l->shape), n);
    for (int64_t k = 0; k < n; k++)
        ck_assert_msg(hloc_literal_get_i64(l, k) == want[k], "element %lld: got %lld, want %lld",
                      (long long)k, (long long)hloc_literal_get_i64(l, k), (long long)want[k]);
}

void text_check_f(const hloc_literal *l, const double *want, int64_t n) {
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(hloc_shape_elements(&l->shape), n);
    for (int64_t k = 0; k < n; k++) {
        double g = hloc_literal_get_f64(l, k);
        ck_assert_msg((isnan(g) && isnan(want[k])) || g == want[k], "element %lld: got %.17g, want %.17g",
                      (long long)k, g, want[k]);
    }
}
