/* A small FileCheck (see filecheck.h). */
#include "filecheck.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { D_CHECK, D_NEXT, D_SAME, D_NOT, D_COUNT } dkind;

typedef struct directive {
    dkind kind;
    int count;
    char pat[512];
    int line; /* in the check file */
} directive;

/* Finds |pat| in [s, end) with blank runs in pat matching blank runs in s; returns the match end. */
static const char *match_at(const char *s, const char *end, const char *pat) {
    while (*pat) {
        if (*pat == ' ' || *pat == '\t') {
            if (s >= end || (*s != ' ' && *s != '\t')) return NULL;
            while (*pat == ' ' || *pat == '\t') pat++;
            while (s < end && (*s == ' ' || *s == '\t')) s++;
            continue;
        }
        if (s >= end || *s != *pat) return NULL;
        s++;
        pat++;
    }
    return s;
}

static const char *find(const char *s, const char *end, const char *pat, const char **mend) {
    for (const char *p = s; p <= end; p++) {
        const char *e = match_at(p, end, pat);
        if (e) {
            *mend = e;
            return p;
        }
    }
    return NULL;
}

static int parse_directives(const char *checks, directive **out) {
    int n = 0, cap = 16, line = 0;
    directive *d = malloc(cap * sizeof *d);
    for (const char *s = checks; d && *s;) {
        const char *eol = strchr(s, '\n');
        if (!eol) eol = s + strlen(s);
        line++;
        const char *c = NULL;
        for (const char *p = s; p + 5 <= eol; p++)
            if (!strncmp(p, "CHECK", 5) && (p == s || !isalnum((unsigned char)p[-1]))) {
                c = p;
                break;
            }
        if (c) {
            directive x = {.kind = D_CHECK, .count = 1, .line = line};
            const char *p = c + 5;
            if (!strncmp(p, "-NEXT:", 6)) x.kind = D_NEXT, p += 6;
            else if (!strncmp(p, "-SAME:", 6)) x.kind = D_SAME, p += 6;
            else if (!strncmp(p, "-NOT:", 5)) x.kind = D_NOT, p += 5;
            else if (!strncmp(p, "-COUNT-", 7)) {
                x.kind = D_COUNT;
                x.count = atoi(p + 7);
                p = memchr(p, ':', (size_t)(eol - p));
                p = p ? p + 1 : eol;
            } else if (*p == ':') p += 1;
            else p = NULL;
            if (p) {
                while (p < eol && (*p == ' ' || *p == '\t')) p++;
                const char *e = eol;
                while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
                size_t len = (size_t)(e - p) < sizeof x.pat - 1 ? (size_t)(e - p) : sizeof x.pat - 1;
                memcpy(x.pat, p, len);
                x.pat[len] = 0;
                if (n == cap) {
                    cap *= 2;
                    directive *nd = realloc(d, cap * sizeof *d);
                    if (!nd) {
                        free(d);
                        return -1;
                    }
                    d = nd;
                }
                d[n++] = x;
            }
        }
        s = *eol ? eol + 1 : eol;
    }
    *out = d;
    return d ? n : -1;
}

static const char *line_end(const char *s) {
    const char *e = strchr(s, '\n');
    return e ? e : s + strlen(s);
}

bool filecheck(const char *checks, const char *output, char *err, size_t err_len, int *n_checks) {
    directive *d = NULL;
    int n = parse_directives(checks, &d);
    *n_checks = n;
    if (n < 0) {
        snprintf(err, err_len, "out of memory");
        return false;
    }
    const char *pos = output;        /* where the next CHECK may start */
    const char *line_start = output; /* line of the previous match */
    const char *not_from = NULL;     /* pending CHECK-NOTs apply from here to the next match */
    int not_first = -1, not_last = -1;
    bool ok = true;
    const char *out_end = output + strlen(output);
    for (int k = 0; k < n && ok; k++) {
        directive *x = &d[k];
        if (x->kind == D_NOT) {
            if (not_first < 0) {
                not_first = k;
                not_from = pos;
            }
            not_last = k;
            continue;
        }
        const char *ms = NULL, *me = NULL;
        for (int rep = 0; rep < x->count && ok; rep++) {
            if (x->kind == D_SAME) {
                ms = find(pos, line_end(line_start), x->pat, &me);
            } else if (x->kind == D_NEXT) {
                const char *next = *line_end(line_start) ? line_end(line_start) + 1 : out_end;
                ms = find(next, line_end(next), x->pat, &me);
            } else {
                ms = find(pos, out_end, x->pat, &me);
            }
            if (!ms) {
                snprintf(err, err_len, "line %d: CHECK%s: '%s' not found", x->line,
                         x->kind == D_NEXT ? "-NEXT" : x->kind == D_SAME ? "-SAME" : "", x->pat);
                ok = false;
                break;
            }
            const char *ls = ms;
            while (ls > output && ls[-1] != '\n') ls--;
            line_start = ls;
            pos = x->kind == D_COUNT ? line_end(ms) : me;
        }
        if (ok && not_first >= 0) {
            for (int j = not_first; j <= not_last && ok; j++) {
                const char *nm = NULL;
                const char *hit = find(not_from, ms, d[j].pat, &nm);
                if (hit && nm <= ms) {
                    snprintf(err, err_len, "line %d: CHECK-NOT: '%s' found", d[j].line, d[j].pat);
                    ok = false;
                }
            }
            not_first = not_last = -1;
        }
    }
    if (ok && not_first >= 0) {
        for (int j = not_first; j <= not_last && ok; j++) {
            const char *nm = NULL;
            if (find(not_from, out_end, d[j].pat, &nm)) {
                snprintf(err, err_len, "line %d: CHECK-NOT: '%s' found", d[j].line, d[j].pat);
                ok = false;
            }
        }
    }
    free(d);
    return ok;
}
