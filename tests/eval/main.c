/* Runs every suite of the evaluator's unit tests. */
#include <stdlib.h>

#include "tb.h"

int main(void) {
    SRunner *sr = srunner_create(eval_elementwise_suite());
    srunner_add_suite(sr, eval_core_suite());
    srunner_add_suite(sr, eval_shape_ops_suite());
    srunner_add_suite(sr, eval_corpus_suite());
    srunner_add_suite(sr, eval_types_suite());
    srunner_add_suite(sr, eval_robust_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
