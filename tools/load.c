/* Loading a module for a command: parse with a message on failure. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "hloc/hloc.h"

hloc_module *hloc_tool_load_module(const char *path) {
    hloc_module *m = NULL;
    hloc_status *st = hloc_module_parse_file(path, &m);
    if (st) {
        fprintf(stderr, "%s\n", hloc_status_message(st));
        hloc_status_free(st);
        return NULL;
    }
    return m;
}
