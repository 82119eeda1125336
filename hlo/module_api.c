/* The public printing entry point of include/hloc/hloc.h. */
#include <stdlib.h>

#include "print.h"

HLOC_API hloc_status *hloc_module_print(const hloc_module *module, char **out_text) {
    if (out_text) *out_text = NULL;
    if (!module || !out_text)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "hloc_module_print: %s is NULL",
                               module ? "out_text" : "module");
    hloc_print_options o = hloc_print_options_default();
    hloc_strbuf b = {0};
    hloc_print_module(&b, module, &o);
    char *s = hloc_strbuf_take(&b);
    if (!s) return hloc_status_oom();
    *out_text = s;
    return NULL;
}
