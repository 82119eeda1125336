/* Runs the codegen_ops suites: opcodes and element types of the CPU backend checked against the
 * reference evaluator. */
#include <stdlib.h>

#include "ops.h"

int main(void) {
    SRunner *sr = srunner_create(codegen_ops_rng_suite());
    srunner_add_suite(sr, codegen_ops_linalg_suite());
    srunner_add_suite(sr, codegen_ops_fft_suite());
    srunner_add_suite(sr, codegen_ops_fp8_suite());
    srunner_add_suite(sr, codegen_ops_conv_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
