/* Runs every suite of the verifier's unit tests. */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(ew_suite());
    srunner_add_suite(sr, shape_ops_suite());
    srunner_add_suite(sr, module_suite());
    srunner_add_suite(sr, dot_conv_suite());
    srunner_add_suite(sr, calls_suite());
    srunner_add_suite(sr, misc_suite());
    srunner_add_suite(sr, corpus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
