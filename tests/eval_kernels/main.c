/* Runs the evaluator kernel tests (reduce-window, convolution, gather/scatter, sort, rng, linalg)
 * against hand-worked expected values. */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(window_suite());
    srunner_add_suite(sr, conv_suite());
    srunner_add_suite(sr, gather_suite());
    srunner_add_suite(sr, sort_suite());
    srunner_add_suite(sr, rng_suite());
    srunner_add_suite(sr, linalg_suite());
    srunner_add_suite(sr, corpus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
