/* Evaluating HLO text in tests: modules whose inputs are constants, checked against values
 * worked out by hand. */
#ifndef HLOC_TESTS_EVAL_TEXT_H
#define HLOC_TESTS_EVAL_TEXT_H

#include "eval.h"

/* Parses |text| (the body of an ENTRY computation, or a whole module when it starts with
 * "HloModule") and evaluates it without arguments; the result lives in |a|. Fails the test on a
 * parse error. On an evaluation error returns NULL and, if |st| is not NULL, stores the status. */
hloc_literal *text_eval(hloc_arena *a, const char *text, hloc_status **st);
/* Checks every element of |l| (integers, exactly) against |want[0..n)|. */
void text_check_i(const hloc_literal *l, const int64_t *want, int64_t n);
/* Checks every element of |l| (floats, exactly; NaN matches NaN) against |want[0..n)|. */
void text_check_f(const hloc_literal *l, const double *want, int64_t n);

#endif
