/* Pass and dump flags shared by the compiling commands. */
#include <stdlib.h>
#include <string.h>

#include "buffer_assignment.h"
#include "codegen.h"
#include "pass_flags.h"

void hloc_pass_flags_init(hloc_pass_flags *f) {
    memset(f, 0, sizeof *f);
    f->opts = hloc_pass_options_default();
    f->opts.dump_seq = &f->dump_seq;
}

void hloc_pass_flags_help(FILE *out) {
    fprintf(out,
            "pass options:\n"
            "  --passes=a,b,c        run these passes in order instead of the default pipeline\n"
            "                        (");
    for (const hloc_pass *const *p = hloc_pass_list(); *p; p++)
        fprintf(out, "%s%s", p == hloc_pass_list() ? "" : ", ", (*p)->name);
    fprintf(out,
            ")\n"
            "  --dump-dir=DIR        write the module before and after optimization and after\n"
            "                        every pass that changed it, named as XLA names its dumps:\n"
            "                        module_NNNN.<module>.NNNN.<pipeline>.after_<p>.before_<q>.txt\n"
            "  --dump-passes=REGEX   dump only after passes whose name matches REGEX (POSIX ERE)\n"
            "  --dump-format=LIST    any of text,dot,html (default text): HLO text that hloc\n"
            "                        parses back, a Graphviz graph with fusions as clusters, a\n"
            "                        self-contained HTML page with a clickable graph\n"
            "  --dump-llvm           with --dump-dir, also write the LLVM IR before and after LLVM's\n"
            "                        optimization and the assembly (NAME.ir-no-opt.ll,\n"
            "                        NAME.ir-with-opt.ll, NAME.s) when compiling\n"
            "  --time-passes         print how long each pass took, to stderr\n"
            "  --verify-each         verify the module after every pass that changed it\n"
            "  --exact               keep results bit for bit those of the module as written: skip\n"
            "                        the rewrites XLA makes that round differently (division by a\n"
            "                        broadcast or a constant becomes multiplication by its reciprocal)\n");
}

/* "--name=value" or "--name value". */
static const char *value_of(const char *flag, int argc, char **argv, int *i, bool *matched) {
    size_t n = strlen(flag);
    const char *a = argv[*i];
    *matched = false;
    if (strncmp(a, flag, n)) return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != 0) return NULL;
    *matched = true;
    if (*i + 1 >= argc) return NULL;
    return argv[++*i];
}

static int parse_formats(hloc_pass_flags *f, const char *v) {
    unsigned bits = 0;
    while (*v) {
        size_t n = strcspn(v, ",");
        if (n == 4 && !strncmp(v, "text", 4)) bits |= HLOC_DUMP_TEXT;
        else if (n == 3 && !strncmp(v, "dot", 3)) bits |= HLOC_DUMP_DOT;
        else if (n == 4 && !strncmp(v, "html", 4)) bits |= HLOC_DUMP_HTML;
        else {
            fprintf(stderr, "--dump-format: unknown format '%.*s' (expected text, dot or html)\n", (int)n, v);
            return -1;
        }
        v += n;
        if (*v == ',') v++;
    }
    f->opts.dump_formats = bits;
    return 1;
}

int hloc_pass_flags_parse(hloc_pass_flags *f, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (!strcmp(a, "--time-passes")) {
        f->opts.time_passes = true;
        return 1;
    }
    if (!strcmp(a, "--dump-llvm")) {
        f->dump_llvm = true;
        return 1;
    }
    if (!strcmp(a, "--verify-each")) {
        f->opts.verify_each = true;
        return 1;
    }
    if (!strcmp(a, "--exact")) {
        f->opts.exact = true;
        return 1;
    }
    static const char *const with_value[] = {"--passes", "--dump-dir", "--dump-passes", "--dump-format"};
    for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++) {
        bool matched;
        const char *v = value_of(with_value[k], argc, argv, i, &matched);
        if (!matched) continue;
        if (!v) {
            fprintf(stderr, "%s needs a value\n", with_value[k]);
            return -1;
        }
        switch (k) {
        case 0: f->passes = v; return 1;
        case 1: f->opts.dump_dir = v; return 1;
        case 2: f->opts.dump_passes = v; return 1;
        default: return parse_formats(f, v);
        }
    }
    return 0;
}

bool hloc_pass_flags_run(hloc_pass_flags *f, hloc_module *m) {
    hloc_pipeline *p = NULL;
    hloc_status *st = NULL;
    if (f->passes) st = hloc_pipeline_parse("custom", f->passes, &p);
    else if (!(p = hloc_pipeline_default())) st = hloc_status_oom();
    if (!st) st = hloc_dump_module(m, &f->opts, &f->dump_seq, "before_optimizations");
    if (!st) st = hloc_pipeline_run(p, m, &f->opts, NULL);
    if (!st) st = hloc_dump_module(m, &f->opts, &f->dump_seq, "after_optimizations");
    if (!st && f->opts.dump_dir) {
        /* The plan codegen follows (its inlining and result-buffer choices included). */
        hloc_buffer_plan *plan = NULL;
        hloc_codegen_options co = {.name = "dump"};
        st = hloc_codegen_plan_buffers(m, &co, &plan);
        if (!st) {
            hloc_strbuf b = {0};
            hloc_buffer_plan_report(plan, &b);
            char *text = hloc_strbuf_take(&b);
            st = text ? hloc_dump_text(m, &f->opts, &f->dump_seq, "buffer-assignment", "txt", text)
                      : hloc_status_oom();
            free(text);
        }
        hloc_buffer_plan_destroy(plan);
    }
    hloc_pipeline_destroy(p);
    if (!st) return true;
    fprintf(stderr, "%s\n", hloc_status_message(st));
    hloc_status_free(st);
    return false;
}
