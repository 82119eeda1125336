/* Runs every suite of the runtime's unit tests. argv: the fixture shared objects (meson passes
 * their build paths): fixture_model.so fixture_bad_magic.so fixture_plain.so fixture_model.o fixture_custom.o fixture_absent.o */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: %s FIXTURE.so BAD_MAGIC.so PLAIN.so MODEL.o CUSTOM.o ABSENT.o\n", argv[0]);
        return EXIT_FAILURE;
    }
    fixture_path = argv[1];
    fixture_bad_magic_path = argv[2];
    fixture_plain_path = argv[3];
    fixture_object_path = argv[4];
    fixture_custom_path = argv[5];
    fixture_absent_path = argv[6];
    SRunner *sr = srunner_create(loader_suite());
    srunner_add_suite(sr, thread_pool_suite());
    srunner_add_suite(sr, aot_suite());
    srunner_add_suite(sr, run_exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
