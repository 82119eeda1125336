/* hloc public C API: status objects, HLO modules (parse, print, verify), evaluation.
 * This is the only header users include. Every function is thread-compatible: distinct objects may
 * be used from distinct threads at once; one object must not be used from two threads at once. */
#ifndef HLOC_HLOC_H
#define HLOC_HLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HLOC_API __attribute__((visibility("default")))
#define HLOC_MUST_USE __attribute__((warn_unused_result))
#else
#define HLOC_API
#define HLOC_MUST_USE
#endif

/* ---- status ------------------------------------------------------------------------------- */

typedef enum hloc_status_code {
    HLOC_STATUS_OK = 0,
    HLOC_STATUS_INVALID_ARGUMENT,  /* bad input: malformed HLO, wrong buffer, bad option */
    HLOC_STATUS_NOT_FOUND,         /* missing file, unknown symbol or custom-call target */
    HLOC_STATUS_UNIMPLEMENTED,     /* valid input that this target or version does not handle */
    HLOC_STATUS_OUT_OF_MEMORY,
    HLOC_STATUS_IO,                /* read or write failed */
    HLOC_STATUS_INTERNAL,          /* a bug in hloc */
} hloc_status_code;

/* A failure: a code and a message. Functions return NULL for success. The caller owns a returned
 * status and frees it with hloc_status_free(); the out-of-memory status is static, and freeing it is
 * a no-op. */
typedef struct hloc_status hloc_status;

HLOC_API hloc_status_code hloc_status_code_of(const hloc_status *status); /* NULL → HLOC_STATUS_OK */
HLOC_API const char *hloc_status_message(const hloc_status *status);      /* NULL → "" ; valid until free */
HLOC_API void hloc_status_free(hloc_status *status);                      /* NULL is a no-op */

/* ---- modules ------------------------------------------------------------------------------ */

typedef struct hloc_module hloc_module;

/* Parses HLO text (as XLA prints it and JAX emits it). |name| is used in diagnostics as the file
 * name and may be NULL ("<input>"). On success *out_module is owned by the caller (free with
 * hloc_module_destroy()); on failure it is NULL and the message reads
 * "name:line:col: error: ..." followed by the source line and a caret. */
HLOC_API HLOC_MUST_USE hloc_status *hloc_module_parse_text(const char *text, size_t len,
                                                           const char *name,
                                                           hloc_module **out_module);
/* Reads and parses the file at |path|; as hloc_module_parse_text(). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_module_parse_file(const char *path,
                                                           hloc_module **out_module);
HLOC_API void hloc_module_destroy(hloc_module *module); /* NULL is a no-op */

/* Checks every instruction's shape against shape inference, operand types and counts, called
 * computation signatures and name uniqueness. Returns NULL or a status listing every error, each as
 * "file:line:col: error: ...". */
HLOC_API HLOC_MUST_USE hloc_status *hloc_module_verify(const hloc_module *module);

/* Prints |module| as canonical HLO text that hloc_module_parse_text() reads back to an identical
 * module. *out_text is a NUL-terminated string owned by the caller (release with free()). */
HLOC_API HLOC_MUST_USE hloc_status *hloc_module_print(const hloc_module *module, char **out_text);

#ifdef __cplusplus
}
#endif
#endif /* HLOC_HLOC_H */
