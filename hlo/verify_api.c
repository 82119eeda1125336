/* The public hloc_module_verify(): the verifier's diagnostics as one status. */
#include "hloc/hloc.h"
#include "verify.h"

HLOC_API hloc_status *hloc_module_verify(const hloc_module *module) {
    if (!module)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "hloc_module_verify: module is NULL");
    hloc_diag d;
    hloc_diag_init(&d, module->file, NULL, 0);
    if (hloc_verify_module(module, &d)) {
        hloc_diag_free(&d);
        return NULL;
    }
    return hloc_diag_to_status(&d, HLOC_STATUS_INVALID_ARGUMENT);
}
