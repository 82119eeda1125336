/* cholesky and triangular-solve on cpu against the evaluator: every attribute combination, real
 * and complex types, batch dims, 1x1 and empty matrices, matrices that are not positive definite
 * (an all-NaN factor) and NaN inputs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
    char *s = malloc(2048);
    ck_assert_ptr_nonnull(s);
    va_list ap;
    va_start(ap, f);
    vsnprintf(s, 2048, f, ap);
    va_end(ap);
    return s;
}

static void free_cases(ops_case *cs, unsigned n) {
    for (unsigned k = 0; k < n; k++) {
        free((char *)cs[k].name);
        free((char *)cs[k].hlo);
    }
}

static double tol_of(const char *t) {
    return !strcmp(t, "f64") || !strcmp(t, "c128") ? 1e-10 : !strcmp(t, "f16") ? 4e-3 : 2e-5;
}

static void add_cholesky(ops_case *cs, unsigned *n, const char *t, const char *dims, bool lower,
                         unsigned fill) {
    const char *name = fmt("chol_%s_%s_%s_%u", t, dims, lower ? "lo" : "up", fill);
    cs[*n] = (ops_case){name,
                        fmt("HloModule m\nENTRY main {\n  a = %s[%s] parameter(0)\n"
                            "  ROOT c = %s[%s] cholesky(a), lower=%s\n}\n",
                            t, dims, t, dims, lower ? "true" : "false"),
                        tol_of(t) * 10, fill};
    (*n)++;
}

START_TEST(test_cholesky) {
    ops_case cs[128];
    unsigned n = 0;
    static const char *const types[] = {"f32", "f64", "c64", "c128", "f16"};
    static const char *const dims[] = {"1,1", "3,3", "6,6", "2,4,4", "2,1,5,5", "0,3,3"};
    for (int lo = 0; lo < 2; lo++)
        for (unsigned t = 0; t < 5; t++)
            for (unsigned d = 0; d < 6; d++)
                add_cholesky(cs, &n, types[t], dims[d], lo, OPS_SPD);
    /* random matrices are rarely positive definite: the factor is all NaN */
    add_cholesky(cs, &n, "f32", "3,4,4", true, 0);
    add_cholesky(cs, &n, "c64", "2,3,3", false, 0);
    add_cholesky(cs, &n, "f32", "4,4", true, OPS_SPD | OPS_NAN);
    /* operand and result in non-default layouts */
    cs[n++] = (ops_case){fmt("chol_layouts"),
                         fmt("HloModule m\nENTRY main {\n  a = f32[3,4,4]{1,2,0} parameter(0)\n"
                             "  ROOT c = f32[3,4,4]{0,1,2} cholesky(a), lower=true\n}\n"),
                         2e-4, OPS_SPD};
    cs[n++] = (ops_case){
        fmt("trsm_layouts"),
        fmt("HloModule m\nENTRY main {\n  a = f32[2,3,3]{0,1,2} parameter(0)\n"
            "  b = f32[2,3,5]{1,0,2} parameter(1)\n"
            "  ROOT x = f32[2,3,5]{0,2,1} triangular-solve(a, b), left_side=true, lower=false, "
            "unit_diagonal=false, transpose_a=TRANSPOSE\n}\n"),
        2e-4, OPS_DIAG};
    ops_check_all(cs, n);
    free_cases(cs, n);
}
END_TEST

static const char *const trans_names[] = {"NO_TRANSPOSE", "TRANSPOSE", "ADJOINT"};

static void add_trsm(ops_case *cs, unsigned *n, const char *t, const char *batch, int64_t m,
                     int64_t nn, bool left, bool lower, bool unit, int tr, unsigned fill) {
    int64_t k = left ? m : nn;
    const char *name = fmt("trsm_%s_b%s_%lldx%lld_%s_%s_%s_%s_%u", t, batch, (long long)m,
                           (long long)nn, left ? "left" : "right", lower ? "lo" : "up",
                           unit ? "unit" : "diag", trans_names[tr], fill);
    cs[*n] =
        (ops_case){name,
                   fmt("HloModule m\nENTRY main {\n  a = %s[%s%lld,%lld] parameter(0)\n"
                       "  b = %s[%s%lld,%lld] parameter(1)\n"
                       "  ROOT x = %s[%s%lld,%lld] triangular-solve(a, b), left_side=%s, lower=%s, "
                       "unit_diagonal=%s, transpose_a=%s\n}\n",
                       t, batch, (long long)k, (long long)k, t, batch, (long long)m, (long long)nn,
                       t, batch, (long long)m, (long long)nn, left ? "true" : "false",
                       lower ? "true" : "false", unit ? "true" : "false", trans_names[tr]),
                   tol_of(t) * 10, fill};
    (*n)++;
}

START_TEST(test_triangular_solve) {
    static ops_case cs[160];
    unsigned n = 0;
    static const char *const types[] = {"f32", "f64", "c64"};
    for (unsigned t = 0; t < 3; t++)
        for (int left = 0; left < 2; left++)
            for (int lower = 0; lower < 2; lower++)
                for (int unit = 0; unit < 2; unit++)
                    for (int tr = 0; tr < 3; tr++)
                        add_trsm(cs, &n, types[t], t == 2 ? "2," : "", 4, 3, left, lower, unit, tr,
                                 OPS_DIAG);
    add_trsm(cs, &n, "c128", "2,3,", 3, 5, true, false, false, 2, OPS_DIAG);
    add_trsm(cs, &n, "c128", "", 5, 2, false, true, false, 2, OPS_DIAG);
    add_trsm(cs, &n, "f16", "", 3, 3, true, true, false, 1, OPS_DIAG);
    add_trsm(cs, &n, "bf16", "2,", 2, 4, false, false, true, 0, OPS_DIAG);
    add_trsm(cs, &n, "f32", "", 1, 1, true, true, false, 0, OPS_DIAG);
    add_trsm(cs, &n, "f32", "3,", 1, 6, true, false, false, 1, OPS_DIAG);
    add_trsm(cs, &n, "f32", "", 6, 1, false, true, true, 0, OPS_DIAG);
    add_trsm(cs, &n, "f32", "", 0, 3, true, true, false, 0, OPS_DIAG);
    add_trsm(cs, &n, "f32", "", 4, 4, true, true, false, 0, OPS_DIAG | OPS_NAN);
    add_trsm(cs, &n, "f64", "", 4, 4, false, false, false, 2, OPS_DIAG | OPS_NAN);
    ops_check_all(cs, n);
    free_cases(cs, n);
}
END_TEST

Suite *codegen_ops_linalg_suite(void) {
    Suite *s = suite_create("codegen_ops_linalg");
    TCase *tc = tcase_create("linalg");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_cholesky);
    tcase_add_test(tc, test_triangular_solve);
    suite_add_tcase(s, tc);
    return s;
}
