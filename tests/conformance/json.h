/* A small JSON reader (RFC 8259) for the corpus's case.json files. Values live in an arena;
 * nesting deeper than 64 levels is refused. */
#ifndef HLOC_TESTS_CONFORMANCE_JSON_H
#define HLOC_TESTS_CONFORMANCE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "status.h"

typedef enum conf_json_kind {
    CONF_JSON_NULL,
    CONF_JSON_BOOL,
    CONF_JSON_NUMBER,
    CONF_JSON_STRING,
    CONF_JSON_ARRAY,
    CONF_JSON_OBJECT,
} conf_json_kind;

typedef struct conf_json {
    conf_json_kind kind;
    bool boolean;
    double number;
    const char *string;      /* NUL-terminated; embedded NULs are refused */
    struct conf_json *items; /* array elements, or object values */
    const char **keys;       /* object keys, parallel to items */
    uint32_t n;
} conf_json;

/* Parses |text| (|len| bytes); |name| prefixes error messages, which read
 * "name:line:col: error: ...". *out lives in |arena|. */
HLOC_MUST_USE hloc_status *conf_json_parse(hloc_arena *arena, const char *text, size_t len,
                                           const char *name, conf_json **out);
/* The value of |key| in object |obj|; NULL if |obj| is not an object or lacks the key. */
const conf_json *conf_json_get(const conf_json *obj, const char *key);

#endif
