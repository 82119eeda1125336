/* Located diagnostics with the quoted source line and a caret. */
#include "diag.h"

#include <stdlib.h>
#include <string.h>

void hloc_diag_init(hloc_diag *d, const char *file, const char *source, size_t source_len) {
    memset(d, 0, sizeof *d);
    d->file = file ? file : "<input>";
    d->source = source;
    d->source_len = source_len;
}

static void quote_line(hloc_diag *d, hloc_loc loc) {
    if (!d->source || loc.line == 0) return;
    const char *p = d->source, *end = d->source + d->source_len;
    for (uint32_t l = 1; l < loc.line && p < end; p++)
        if (*p == '\n') l++;
    const char *e = p;
    while (e < end && *e != '\n') e++;
    hloc_strbuf_puts(&d->out, "  ");
    /* Very long lines (big constants) are cut around the column. */
    size_t len = (size_t)(e - p), from = 0, col = loc.col ? loc.col - 1 : 0;
    if (len > 200 && col > 100) from = col - 100;
    if (len - from > 200) len = from + 200;
    for (size_t i = from; i < len; i++) hloc_strbuf_putc(&d->out, p[i] == '\t' ? ' ' : p[i]);
    hloc_strbuf_puts(&d->out, "\n  ");
    for (size_t i = from; i < col && i < len + 1; i++) hloc_strbuf_putc(&d->out, ' ');
    hloc_strbuf_puts(&d->out, "^\n");
}

void hloc_diag_vreport(hloc_diag *d, hloc_severity sev, hloc_loc loc, const char *fmt, va_list ap) {
    static const char *names[] = {"error", "warning", "note"};
    if (loc.line) hloc_strbuf_printf(&d->out, "%s:%u:%u: %s: ", d->file, loc.line, loc.col, names[sev]);
    else hloc_strbuf_printf(&d->out, "%s: %s: ", d->file, names[sev]);
    hloc_strbuf_vprintf(&d->out, fmt, ap);
    hloc_strbuf_putc(&d->out, '\n');
    quote_line(d, loc);
    if (sev == HLOC_SEV_ERROR) d->n_errors++;
    if (sev == HLOC_SEV_WARNING) d->n_warnings++;
}

void hloc_diag_report(hloc_diag *d, hloc_severity sev, hloc_loc loc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    hloc_diag_vreport(d, sev, loc, fmt, ap);
    va_end(ap);
}

hloc_status *hloc_diag_to_status(hloc_diag *d, hloc_status_code code) {
    if (!d->n_errors) return NULL;
    if (d->out.oom) {
        hloc_diag_free(d);
        return hloc_status_oom();
    }
    /* Drop the final newline so the message prints cleanly with a trailing "\n". */
    if (d->out.len && d->out.data[d->out.len - 1] == '\n') d->out.data[--d->out.len] = 0;
    hloc_status *s = hloc_status_new(code, "%s", d->out.data ? d->out.data : "error");
    hloc_diag_free(d);
    return s;
}

void hloc_diag_free(hloc_diag *d) {
    hloc_strbuf_free(&d->out);
    d->n_errors = d->n_warnings = 0;
}
