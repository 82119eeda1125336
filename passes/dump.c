/* Dump files: XLA's naming (module_NNNN.<module>.NNNN.<what>.<ext>) in the dump directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dump_formats.h"
#include "pass.h"
#include "print.h"

static hloc_status *make_dirs(const char *dir) {
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "bad dump directory '%s'", dir);
    memcpy(path, dir, n + 1);
    for (size_t k = 1; k <= n; k++) {
        if (path[k] != '/' && path[k] != 0) continue;
        char c = path[k];
        path[k] = 0;
        if (mkdir(path, 0777) && errno != EEXIST)
            return hloc_status_new(HLOC_STATUS_IO, "cannot create dump directory '%s': %s", path,
                                   strerror(errno));
        path[k] = c;
    }
    return NULL;
}

/* Keeps file names portable: the module name may hold anything. */
static void sanitize(char *s) {
    for (; *s; s++)
        if (*s == '/' || *s == ' ' || *s == '\\') *s = '_';
}

static hloc_status *write_file(const hloc_module *m, const hloc_pass_options *o, int seq,
                               const char *what, const char *ext, const char *text) {
    HLOC_RETURN_IF_ERROR(make_dirs(o->dump_dir));
    char name[1024];
    snprintf(name, sizeof name, "module_%04d.%s.%04d.%s.%s", o->module_id,
             m->name ? m->name : "module", seq, what, ext);
    sanitize(name);
    char path[4096 + 1024];
    snprintf(path, sizeof path, "%s/%s", o->dump_dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return hloc_status_new(HLOC_STATUS_IO, "cannot write '%s': %s", path, strerror(errno));
    size_t len = strlen(text);
    bool ok = fwrite(text, 1, len, f) == len;
    ok &= fclose(f) == 0;
    if (!ok) return hloc_status_new(HLOC_STATUS_IO, "cannot write '%s'", path);
    return NULL;
}

hloc_status *hloc_dump_text(const hloc_module *m, const hloc_pass_options *o, int *dump_seq,
                            const char *what, const char *ext, const char *text) {
    if (!o || !o->dump_dir) return NULL;
    int seq = dump_seq ? (*dump_seq)++ : 0;
    return write_file(m, o, seq, what, ext, text);
}

hloc_status *hloc_dump_module(const hloc_module *m, const hloc_pass_options *o, int *dump_seq,
                              const char *what) {
    if (!o || !o->dump_dir) return NULL;
    int seq = dump_seq ? (*dump_seq)++ : 0;
    unsigned formats = o->dump_formats ? o->dump_formats : HLOC_DUMP_TEXT;
    static const struct {
        unsigned bit;
        const char *ext;
    } kinds[] = {{HLOC_DUMP_TEXT, "txt"}, {HLOC_DUMP_DOT, "dot"}, {HLOC_DUMP_HTML, "html"}};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        if (!(formats & kinds[k].bit)) continue;
        hloc_strbuf b = {0};
        if (kinds[k].bit == HLOC_DUMP_TEXT) {
            hloc_print_options po = hloc_print_options_default();
            hloc_print_module(&b, m, &po);
        } else if (kinds[k].bit == HLOC_DUMP_DOT) {
            hloc_dump_dot(&b, m);
        } else {
            hloc_dump_html(&b, m);
        }
        char *text = hloc_strbuf_take(&b);
        if (!text) return hloc_status_oom();
        hloc_status *st = write_file(m, o, seq, what, kinds[k].ext, text);
        free(text);
        HLOC_RETURN_IF_ERROR(st);
    }
    return NULL;
}
