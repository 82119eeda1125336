/* Runs every suite of the codegen tests (JIT-compiled modules against hand-worked values). */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(codegen_basic_suite());
    srunner_add_suite(sr, codegen_math_suite());
    srunner_add_suite(sr, codegen_cases_suite());
    srunner_add_suite(sr, codegen_diff_suite());
    srunner_add_suite(sr, codegen_random_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
