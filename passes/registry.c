/* The registered passes and hloc's default pipeline. */
#include <stdlib.h>
#include <string.h>

#include "pass.h"
#include "passes_internal.h"

extern const hloc_pass hloc_pass_algsimp, hloc_pass_constfold, hloc_pass_cse, hloc_pass_dce,
    hloc_pass_fusion, hloc_pass_inline, hloc_pass_layout_assignment, hloc_pass_multi_output_fusion,
    hloc_pass_tuple_simp, hloc_pass_while_simp;
extern const hloc_pass hloc_pass_dot_canonicalize;

static const hloc_pass *const passes[] = {
    &hloc_pass_inline, &hloc_pass_algsimp, &hloc_pass_tuple_simp, &hloc_pass_constfold,
    &hloc_pass_cse,    &hloc_pass_dce,     &hloc_pass_fusion, &hloc_pass_layout_assignment,
    &hloc_pass_multi_output_fusion, &hloc_pass_while_simp,
    &hloc_pass_dot_canonicalize,
    NULL,
};

const hloc_pass *const *hloc_pass_list(void) { return passes; }

const hloc_pass *hloc_pass_find(const char *name) {
    for (const hloc_pass *const *p = passes; *p; p++)
        if (!strcmp((*p)->name, name)) return *p;
    return NULL;
}

hloc_status *hloc_pipeline_parse(const char *name, const char *list, hloc_pipeline **out) {
    *out = NULL;
    hloc_pipeline *p = hloc_pipeline_create(name);
    if (!p) return hloc_status_oom();
    const char *s = list;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char pass[128];
        if (n == 0 || n >= sizeof pass) {
            hloc_pipeline_destroy(p);
            return hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT, "--passes: empty or overlong pass name in '%s'",
                                   list);
        }
        memcpy(pass, s, n);
        pass[n] = 0;
        const hloc_pass *found = hloc_pass_find(pass);
        if (!found) {
            hloc_strbuf known = {0};
            for (const hloc_pass *const *q = passes; *q; q++)
                hloc_strbuf_printf(&known, "%s%s", q == passes ? "" : ", ", (*q)->name);
            hloc_status *st = hloc_status_new(HLOC_STATUS_INVALID_ARGUMENT,
                                              "--passes: unknown pass '%s' (known: %s)", pass,
                                              known.data ? known.data : "");
            hloc_strbuf_free(&known);
            hloc_pipeline_destroy(p);
            return st;
        }
        if (!hloc_pipeline_add_pass(p, found)) {
            hloc_pipeline_destroy(p);
            return hloc_status_oom();
        }
        s += n;
        if (*s == ',') s++;
    }
    *out = p;
    return NULL;
}

/* Inline calls first so that the simplifier sees one graph, then simplify to a fixed point (as
 * XLA's "simplification" pipeline does; 16 rounds is far more than any corpus model needs), then
 * fuse. */
hloc_pipeline *hloc_pipeline_default(void) {
    hloc_pipeline *p = hloc_pipeline_create("optimization");
    hloc_pipeline *simp = hloc_pipeline_create("simplification");
    bool ok = p && simp && hloc_pipeline_add_pass(p, &hloc_pass_inline);
    /* Before simplification, as XLA runs DotDecomposer: the simplifier folds the transposes and
     * reshapes it adds into their neighbours. */
    ok = ok && hloc_pipeline_add_pass(p, &hloc_pass_dot_canonicalize);
    const hloc_pass *const rounds[] = {&hloc_pass_algsimp, &hloc_pass_tuple_simp, &hloc_pass_while_simp,
                                       &hloc_pass_constfold, &hloc_pass_cse, &hloc_pass_dce};
    for (size_t k = 0; ok && k < sizeof rounds / sizeof *rounds; k++) ok = hloc_pipeline_add_pass(simp, rounds[k]);
    ok = ok && hloc_pipeline_add_fixed_point(p, simp, 16);
    if (!ok) {
        hloc_pipeline_destroy(simp);
        hloc_pipeline_destroy(p);
        return NULL;
    }
    /* Fusion last: it sees the simplified graph, and nothing after it needs unfused code. */
    ok = hloc_pipeline_add_pass(p, &hloc_pass_dce) && hloc_pipeline_add_pass(p, &hloc_pass_layout_assignment) &&
         hloc_pipeline_add_pass(p, &hloc_pass_fusion) && hloc_pipeline_add_pass(p, &hloc_pass_multi_output_fusion);
    return ok ? p : (hloc_pipeline_destroy(p), NULL);
}
