/* A small FileCheck: matches `// CHECK` lines written in a test file against an output text.
 *   CHECK: s        a later line contains s
 *   CHECK-NEXT: s   the line right after the previous match contains s
 *   CHECK-SAME: s   the previous match's line contains s after the previous match
 *   CHECK-NOT: s    no line between the previous match and the next one contains s
 *   CHECK-COUNT-N: s   the next N matching lines (as CHECK) contain s
 * Patterns are literal substrings; runs of blanks in a pattern match any run of blanks. */
#ifndef HLOC_TESTS_FILECHECK_H
#define HLOC_TESTS_FILECHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Returns true if |output| satisfies every check in |checks| (the whole test file; lines without
 * a CHECK directive are ignored). On failure writes a message into err. |n_checks| receives the
 * number of directives found. */
bool filecheck(const char *checks, const char *output, char *err, size_t err_len, int *n_checks);

#endif
