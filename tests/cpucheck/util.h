/* Shared by the cpucheck tests: compiling HLO as `hloc compile` does (verify, default pipeline,
 * object for a CPU, packaged .so), and the paths meson passes in. */
#ifndef HLOC_TESTS_CPUCHECK_UTIL_H
#define HLOC_TESTS_CPUCHECK_UTIL_H

#include <check.h>
#include <stddef.h>

#include "cpu.h"
#include "hloc/hloc.h"

extern const char *fixture_v2_path; /* fixture_model.c built with -DFIXTURE_ABI_V2 */
extern const char *hloc_exe_path;   /* the hloc command */

Suite *cpu_features_suite(void);
Suite *refuse_suite(void);
Suite *avx512_suite(void);

/* Parses |text| (or the file |path| when text is NULL), verifies it and runs the default pass
 * pipeline: the module `hloc compile` hands to the CPU target. NULL status: *out is the module. */
hloc_status *cc_load(const char *text, const char *path, hloc_module **out);

/* The object `hloc compile --cpu CPU` emits for |m| (shared: it defines hloc_module_info), with
 * LLVM's IR and assembly in |dump_dir| when not NULL. */
hloc_status *cc_object(const hloc_module *m, const char *cpu, const char *name, const char *dump_dir,
                       void **obj, size_t *len);

/* cc_load + cc_object + packaging into |so_path|, as `hloc compile --cpu CPU -o SO`. */
hloc_status *cc_shared(const char *text, const char *cpu, const char *so_path);

/* A new directory under /tmp; the caller removes it (cc_rmdir). */
char *cc_tmpdir(void);
void cc_rmdir(char *dir);

/* The whole file |path| (NUL-terminated, malloc'd), or NULL. */
char *cc_read(const char *path);

/* The CPU names these tests use are x86's: elsewhere a test returns at once. */
#if defined(__x86_64__)
#define CC_X86_ONLY() ((void)0)
#else
#define CC_X86_ONLY() return
#endif

#define CC_OK(expr)                                                                 \
    do {                                                                            \
        hloc_status *s_ = (expr);                                                   \
        ck_assert_msg(!s_, "%s: %s", #expr, s_ ? hloc_status_message(s_) : "");    \
    } while (0)

#endif
