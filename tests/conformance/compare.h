/* Comparing a computed array with the expected one, as tests/data's README defines it: integers and
 * pred exactly; floats by max |got - want| / max(1, max |want|) <= tolerance over finite values,
 * with NaN and ±Inf at exactly the same positions. Complex numbers compare re and im that way. */
#ifndef HLOC_TESTS_CONFORMANCE_COMPARE_H
#define HLOC_TESTS_CONFORMANCE_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "literal.h"

typedef struct conf_compare {
    bool ok;
    bool shape_mismatch;  /* types or dims differ: nothing else is filled */
    double err;           /* floats: max relative error over finite pairs; ints: mismatches */
    double tolerance;     /* the tolerance applied (after the bf16/f16 floors) */
    int64_t worst;        /* linear index of the worst element; -1 if every element matches */
    bool worst_nonfinite; /* the worst element is a NaN/Inf position mismatch */
} conf_compare;

/* The tolerance for outputs of type |t| in a case with tolerance |tol|: bf16 at least 8e-3, f16 at
 * least 1e-3 (their rounding alone exceeds most cases' tolerance). */
double conf_tolerance_for(hloc_type t, double tol);

/* Compares arrays |got| and |want| (want's type is the expected one). Returns r->ok. */
bool conf_compare_arrays(const hloc_literal *got, const hloc_literal *want, double tolerance,
                         conf_compare *r);

/* A one-line explanation of a failed comparison, e.g. "max error 3.1e-02 > 1.0e-05 at [2,5]: got
 * 1.25, want 1.5", into buf. */
const char *conf_compare_describe(const hloc_literal *got, const hloc_literal *want,
                                  const conf_compare *r, char *buf, size_t cap);

#endif
