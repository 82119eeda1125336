/* Runs every suite of the printer's unit tests. */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(print_shape_suite());
    srunner_add_suite(sr, print_literal_suite());
    srunner_add_suite(sr, print_module_suite());
    srunner_add_suite(sr, print_roundtrip_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
