/* Random HLO modules for differential tests: a mix of elementwise, broadcast, reduce, dot,
 * reshape, transpose, slice, concatenate, compare/select and convert on random shapes, as HLO text
 * that hloc parses and verifies. Deterministic for a seed. */
#ifndef HLOC_TESTS_RANDOM_MODULE_H
#define HLOC_TESTS_RANDOM_MODULE_H

#include <stdint.h>

/* Returns a malloc'd module text (NULL on out-of-memory). |n_ops| instructions besides the
 * parameters; the root is a tuple of the last values nobody used. */
char *random_module(uint64_t seed, int n_ops);

#endif
