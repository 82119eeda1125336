/* Front-end benchmark: parse + verify time of corpus files, median of repeated runs, against the
 * time to read the same bytes (memcpy of the text) measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hloc/hloc.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) s[n] = 0;
    *len = (size_t)n;
    return s;
}

enum { RUNS = 15 };

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_parse FILE.hlo...\n");
        return 2;
    }
    int json = 0;
    printf("%-40s %10s %12s %12s %12s\n", "file", "bytes", "parse ms", "verify ms", "MB/s");
    for (int f = 1; f < argc; f++) {
        if (!strcmp(argv[f], "--json")) {
            json = 1;
            continue;
        }
        size_t len;
        char *text = slurp(argv[f], &len);
        if (!text) {
            fprintf(stderr, "bench_parse: cannot read %s\n", argv[f]);
            return 1;
        }
        double tp[RUNS], tv[RUNS];
        for (int r = 0; r < RUNS; r++) {
            hloc_module *m = NULL;
            double t0 = now();
            hloc_status *st = hloc_module_parse_text(text, len, argv[f], &m);
            double t1 = now();
            if (!st) st = hloc_module_verify(m);
            double t2 = now();
            if (st) {
                fprintf(stderr, "%s\n", hloc_status_message(st));
                return 1;
            }
            hloc_module_destroy(m);
            tp[r] = (t1 - t0) * 1e3;
            tv[r] = (t2 - t1) * 1e3;
        }
        qsort(tp, RUNS, sizeof(double), cmp);
        qsort(tv, RUNS, sizeof(double), cmp);
        const char *base = strrchr(argv[f], '/');
        base = base ? base + 1 : argv[f];
        if (json)
            printf("{\"file\": \"%s\", \"bytes\": %zu, \"parse_ms\": %.3f, \"verify_ms\": %.3f}\n",
                   argv[f], len, tp[RUNS / 2], tv[RUNS / 2]);
        else
            printf("%-40.40s %10zu %12.3f %12.3f %12.1f\n", base, len, tp[RUNS / 2], tv[RUNS / 2],
                   len / 1e6 / (tp[RUNS / 2] / 1e3));
        free(text);
    }
    return 0;
}
