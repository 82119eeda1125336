/* Runs every suite of the frontend's unit tests. */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(lexer_suite());
    srunner_add_suite(sr, shape_parse_suite());
    srunner_add_suite(sr, literal_suite());
    srunner_add_suite(sr, attrs_suite());
    srunner_add_suite(sr, module_suite());
    srunner_add_suite(sr, corpus_suite());
    srunner_add_suite(sr, errors_suite());
    srunner_add_suite(sr, robust_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
