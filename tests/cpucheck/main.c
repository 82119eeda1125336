/* The cpucheck tests: the runtime's CPU feature checks, refusing modules built for a CPU this host
 * is not, and AVX-512 compile coverage. argv: FIXTURE_V2.so HLOC. CK_RUN_SUITE picks a suite. */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FIXTURE_V2.so HLOC\n", argv[0]);
        return EXIT_FAILURE;
    }
    fixture_v2_path = argv[1];
    hloc_exe_path = argv[2];
    SRunner *sr = srunner_create(cpu_features_suite());
    srunner_add_suite(sr, refuse_suite());
    srunner_add_suite(sr, avx512_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
