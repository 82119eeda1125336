/* Element type names and sizes for the runtime, which links nothing of the compiler: the one table
 * stays hlo/types.def, read here as data (the codes are its row numbers, PRED = 1, as abi.h says). */
#include <stdint.h>
#include <string.h>

#include "hloc/runtime.h"

static const struct {
    const char *name;
    uint8_t bytes;
} types[] = {
    {"invalid", 0},
#define TYPE(e, name, bytes, bits, kind) {name, bytes},
#include "../hlo/types.def"
#undef TYPE
};

#define N_TYPES (sizeof types / sizeof types[0])

HLOC_API const char *hloc_runtime_type_name(uint32_t type) {
    return type < N_TYPES ? types[type].name : "invalid";
}

HLOC_API uint32_t hloc_runtime_type_code(const char *name) {
    for (uint32_t t = 1; name && t < N_TYPES; t++)
        if (!strcmp(types[t].name, name)) return t;
    return 0;
}

HLOC_API size_t hloc_runtime_type_bytes(uint32_t type) {
    return type < N_TYPES ? types[type].bytes : 0;
}
