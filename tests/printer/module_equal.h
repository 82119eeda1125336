/* Structural module equality for the printer's round-trip tests. */
#ifndef HLOC_TESTS_PRINTER_MODULE_EQUAL_H
#define HLOC_TESTS_PRINTER_MODULE_EQUAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ir.h"

/* True if |x| and |y| describe the same module: header, stack-frame tables, computations,
 * instructions with names, shapes and layouts, operands, callees, control predecessors, every
 * typed attribute, literal bits, raw attributes (by name) and metadata. Otherwise false, with the
 * first difference described in |why| (|n| bytes). */
bool hloc_test_module_equal(const hloc_module *x, const hloc_module *y, char *why, size_t n);

#endif
