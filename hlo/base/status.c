/* hloc_status, hloc_abort and hloc_strbuf. */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hloc_status oom_status = {HLOC_STATUS_OUT_OF_MEMORY, (char *)"out of memory"};

hloc_status *hloc_status_oom(void) {
    return &oom_status;
}

hloc_status *hloc_status_newv(hloc_status_code code, const char *fmt, va_list ap) {
    hloc_status *s = malloc(sizeof *s);
    if (!s) return &oom_status;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    s->code = code;
    s->message = malloc(n < 0 ? 1 : (size_t)n + 1);
    if (!s->message) {
        free(s);
        return &oom_status;
    }
    if (n < 0) s->message[0] = 0;
    else vsnprintf(s->message, (size_t)n + 1, fmt, ap);
    return s;
}

hloc_status *hloc_status_new(hloc_status_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    hloc_status *s = hloc_status_newv(code, fmt, ap);
    va_end(ap);
    return s;
}

HLOC_API hloc_status_code hloc_status_code_of(const hloc_status *status) {
    return status ? status->code : HLOC_STATUS_OK;
}

HLOC_API const char *hloc_status_message(const hloc_status *status) {
    return status ? status->message : "";
}

HLOC_API void hloc_status_free(hloc_status *status) {
    if (!status || status == &oom_status) return;
    free(status->message);
    free(status);
}

_Noreturn void hloc_abort(const char *file, int line, const char *fmt, ...) {
    fprintf(stderr, "hloc: internal error at %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static bool reserve(hloc_strbuf *b, size_t extra) {
    if (b->oom) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->len + extra + 1) nc *= 2;
    char *n = realloc(b->data, nc);
    if (!n) {
        b->oom = true;
        return false;
    }
    b->data = n;
    b->cap = nc;
    return true;
}

void hloc_strbuf_putn(hloc_strbuf *b, const char *s, size_t n) {
    if (!reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void hloc_strbuf_puts(hloc_strbuf *b, const char *s) {
    hloc_strbuf_putn(b, s, strlen(s));
}

void hloc_strbuf_putc(hloc_strbuf *b, char c) {
    hloc_strbuf_putn(b, &c, 1);
}

void hloc_strbuf_vprintf(hloc_strbuf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !reserve(b, (size_t)n)) return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void hloc_strbuf_printf(hloc_strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    hloc_strbuf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *hloc_strbuf_take(hloc_strbuf *b) {
    if (b->oom) {
        hloc_strbuf_free(b);
        return NULL;
    }
    char *s = b->data ? b->data : calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void hloc_strbuf_free(hloc_strbuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
