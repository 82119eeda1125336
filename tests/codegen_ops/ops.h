/* Helpers of the codegen_ops tests: an HLO text module on deterministic random inputs, run by the
 * reference evaluator and by the CPU JIT (as written at -O0, and after hloc's default pipeline at
 * -O2), compared leaf by leaf with the conformance rules. */
#ifndef HLOC_TESTS_CODEGEN_OPS_OPS_H
#define HLOC_TESTS_CODEGEN_OPS_OPS_H

#include <check.h>

/* How parameters are filled: floats (and both parts of complex numbers) uniform in [-2, 2),
 * integers as tests/codegen's tb_fill_random, then each OPS_* bit applied. */
enum {
    OPS_DIAG = 1, /* trailing square matrices get 2·n + 4 added to their diagonal */
    OPS_SPD = 2,  /* trailing square matrices become x·x^H + n·I (positive definite) */
    OPS_NAN = 4,  /* element 1 of parameter 0 is NaN */
};

typedef struct ops_case {
    const char *name;
    const char *hlo;
    double tol; /* relative, as conformance compares (bf16/f16 floors apply) */
    unsigned fill;
} ops_case;

/* Runs |c| through both and fails the test on any disagreement or error. */
void ops_check(const ops_case *c);
/* Same for a table; reports every failing case before failing. */
void ops_check_all(const ops_case *cases, unsigned n);
/* Compiles |hlo| for cpu; returns the error message (static buffer) or NULL if it compiled. */
const char *ops_compile_error(const char *hlo);

Suite *codegen_ops_rng_suite(void);
Suite *codegen_ops_linalg_suite(void);
Suite *codegen_ops_fft_suite(void);
Suite *codegen_ops_fp8_suite(void);
Suite *codegen_ops_conv_suite(void);

#endif
