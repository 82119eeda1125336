/* A shared object that is not an hloc module: it has no hloc_module_info symbol. */
__attribute__((visibility("default"))) int fixture_plain_answer(void);
int fixture_plain_answer(void) {
    return 42;
}
