/* Which of the CPU features a module was compiled for (LLVM's names, abi.h's cpu_features) the
 * running CPU lacks, found with cpuid and xgetbv: no LLVM in the runtime. */
#ifndef HLOC_RUNTIME_CPU_FEATURES_H
#define HLOC_RUNTIME_CPU_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the features of the comma-separated list |features| (LLVM names, "avx2,fma", a leading
 * '+' allowed, '-' entries skipped) that this CPU or its OS does not provide into |buf| as
 * "avx512f, avx512bw" (truncated to |cap|; may be NULL when |cap| is 0) and returns how many.
 * Only features this file can detect count: any other name is taken to be present, so a module
 * never fails for a feature nobody can check. NULL or "" lacks nothing. Thread-safe. */
size_t hloc_rt_cpu_lacks(const char *features, char *buf, size_t cap);

/* Whether this file can tell if the running CPU has |feature| (an LLVM name, no '+'), and if so
 * whether it does. For tests and `hloc inspect`. */
bool hloc_rt_cpu_checkable(const char *feature);
bool hloc_rt_cpu_has(const char *feature);

#endif
