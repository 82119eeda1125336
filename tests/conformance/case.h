/* One conformance case folder (tests/data/cases/NAME): its case.json as a struct. */
#ifndef HLOC_TESTS_CONFORMANCE_CASE_H
#define HLOC_TESTS_CONFORMANCE_CASE_H

#include <stdint.h>

#include "arena.h"
#include "npy.h"
#include "shape.h"
#include "status.h"

typedef struct conf_array_spec {
    const char *file;     /* relative to the case folder, e.g. "in0.npy" */
    hloc_npy_dtype dtype; /* the real dtype (bfloat16 even though the file holds float32) */
    hloc_shape shape;     /* array shape with that element type, default layout */
} conf_array_spec;

typedef struct conf_case {
    const char *name;
    double tolerance;
    conf_array_spec *inputs, *outputs;
    uint32_t n_inputs, n_outputs;
} conf_case;

/* Reads |path| (a case.json) into *out, strings and arrays in |arena|. Errors name the file and the
 * faulty field: missing keys, wrong JSON types, unknown dtypes, negative or too many dims. */
HLOC_MUST_USE hloc_status *conf_case_load(hloc_arena *arena, const char *path, conf_case *out);

#endif
