/* Diagnostics about user input: located messages in GCC's format, each followed by the source line
 * and a caret when the source text is known:
 *   model.hlo:12:31: error: expected ',' or ')' in operand list, found 'f32'
 *     ROOT add.3 = f32[4]{0} add(p0 f32[4] p1)
 *                                   ^                                                          */
#ifndef HLOC_HLO_DIAG_H
#define HLOC_HLO_DIAG_H

#include <stdarg.h>
#include <stdint.h>

#include "status.h"

/* A position in HLO text; line 0 means "unknown" (instructions built by passes). */
typedef struct hloc_loc {
    uint32_t line, col;
} hloc_loc;

typedef enum hloc_severity { HLOC_SEV_ERROR, HLOC_SEV_WARNING, HLOC_SEV_NOTE } hloc_severity;

typedef struct hloc_diag {
    const char *file;   /* name used in messages; not owned */
    const char *source; /* the text, for quoting lines; may be NULL; not owned */
    size_t source_len;
    hloc_strbuf out;    /* all messages so far */
    uint32_t n_errors, n_warnings;
} hloc_diag;

void hloc_diag_init(hloc_diag *d, const char *file, const char *source, size_t source_len);
void hloc_diag_report(hloc_diag *d, hloc_severity sev, hloc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void hloc_diag_vreport(hloc_diag *d, hloc_severity sev, hloc_loc loc, const char *fmt, va_list ap);
/* NULL when there were no errors; else a status (code) holding every message; resets the sink. */
hloc_status *hloc_diag_to_status(hloc_diag *d, hloc_status_code code);
void hloc_diag_free(hloc_diag *d);

#endif
