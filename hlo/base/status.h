/* Internal side of hloc_status (include/hloc/hloc.h), the broken-invariant abort, and a growable
 * string buffer used by every printer. */
#ifndef HLOC_HLO_STATUS_H
#define HLOC_HLO_STATUS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "hloc/hloc.h"

struct hloc_status {
    hloc_status_code code;
    char *message;
};

/* A new status with a formatted message; the static out-of-memory status if allocation fails. */
hloc_status *hloc_status_new(hloc_status_code code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
hloc_status *hloc_status_newv(hloc_status_code code, const char *fmt, va_list ap);
hloc_status *hloc_status_oom(void);

#define HLOC_RETURN_IF_ERROR(expr)                  \
    do {                                            \
        hloc_status *hloc_st_ = (expr);             \
        if (hloc_st_) return hloc_st_;              \
    } while (0)

/* Our bugs, never user input. */
_Noreturn void hloc_abort(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define HLOC_ASSERT(c) \
    do { if (!(c)) hloc_abort(__FILE__, __LINE__, "assertion failed: %s", #c); } while (0)
#define HLOC_UNREACHABLE() hloc_abort(__FILE__, __LINE__, "unreachable")

/* Growable NUL-terminated string on the heap. On allocation failure it sets oom and keeps going as
 * a no-op, so printers check once at the end. */
typedef struct hloc_strbuf {
    char *data;
    size_t len, cap;
    bool oom;
} hloc_strbuf;

void hloc_strbuf_puts(hloc_strbuf *b, const char *s);
void hloc_strbuf_putn(hloc_strbuf *b, const char *s, size_t n);
void hloc_strbuf_putc(hloc_strbuf *b, char c);
void hloc_strbuf_printf(hloc_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hloc_strbuf_vprintf(hloc_strbuf *b, const char *fmt, va_list ap);
/* Hands the string to the caller (free()) and resets the buffer; NULL if an allocation failed. */
char *hloc_strbuf_take(hloc_strbuf *b);
void hloc_strbuf_free(hloc_strbuf *b);

#endif
