/* A hand-written module in the exact form hloc emits (include/hloc/abi.h), so the runtime can be
 * tested without the code generator: fixture(a: f32[2,3], b: f32[2,3]) -> (sum: f32[2,3],
 * greater: s32[2]) where sum = a + b and greater[r] counts the columns of row r with a > b.
 * It runs one task per row through parallel_for when the options give one, and stages each row in
 * scratch (the caller's, or its own malloc) so tests can see which scratch it used.
 * -DFIXTURE_BAD_MAGIC builds a copy whose metadata a loader must refuse. -DFIXTURE_CUSTOM_CALL=f
 * builds one whose sum comes from the external custom-call target f (XLA's legacy CPU ABI, f(out,
 * in)), left for the dynamic loader to bind, as emitted code with a custom-call does.
 * -DFIXTURE_ABI_V2 builds one with version-2 metadata (no cpu_features), as hloc emitted before. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hloc/abi.h"

#define EXPORT __attribute__((visibility("default")))
#define TYPE_S32 7  /* hlo/types.def row numbers, PRED = 1 */
#define TYPE_F32 18

EXPORT void fixture(const void *a, const void *b, void *sum, void *greater,
                    const hloc_run_options *opts);
EXPORT const hloc_module_metadata *hloc_module_info(void);

typedef struct job {
    const float *a, *b;
    float *sum;
    int32_t *greater;
    float *scratch; /* 2 rows × 4 floats */
} job;

#ifdef FIXTURE_CUSTOM_CALL
void FIXTURE_CUSTOM_CALL(void *out, const void **in);
#endif

static void row(void *vp, int64_t r) {
    job *j = vp;
    float *stage = j->scratch + 4 * r;
    int32_t g = 0;
    for (int c = 0; c < 3; c++) {
#ifdef FIXTURE_CUSTOM_CALL
        const void *in[2] = {&j->a[3 * r + c], &j->b[3 * r + c]};
        FIXTURE_CUSTOM_CALL(&stage[c], in);
#else
        stage[c] = j->a[3 * r + c] + j->b[3 * r + c];
#endif
        g += j->a[3 * r + c] > j->b[3 * r + c];
    }
    stage[3] = (float)(r + 1); /* a mark the tests look for in a caller's scratch */
    memcpy(j->sum + 3 * r, stage, 3 * sizeof(float));
    j->greater[r] = g;
}

EXPORT void fixture(const void *a, const void *b, void *sum, void *greater,
                    const hloc_run_options *opts) {
    float own[8];
    job j = {a, b, sum, greater, own};
    int use_caller = opts && opts->scratch;
    float *heap = NULL;
    if (use_caller) j.scratch = opts->scratch;
    else j.scratch = heap = malloc(8 * sizeof(float));
    if (!j.scratch) j.scratch = own;
    if (opts && opts->parallel_for) opts->parallel_for(opts->parallel_ctx, 2, row, &j);
    else for (int64_t r = 0; r < 2; r++) row(&j, r);
    free(heap);
}

static const int64_t dims23[] = {2, 3}, m2m23[] = {1, 0}, dims2[] = {2}, m2m2[] = {0};
static const hloc_buffer_desc params[] = {
    {"a", TYPE_F32, 2, dims23, m2m23, 24},
    {"b", TYPE_F32, 2, dims23, m2m23, 24},
};
static const hloc_buffer_desc results[] = {
    {"sum", TYPE_F32, 2, dims23, m2m23, 24},
    {"greater", TYPE_S32, 1, dims2, m2m2, 8},
};

#ifdef FIXTURE_BAD_MAGIC
#define MAGIC 0x12345678u
#else
#define MAGIC HLOC_ABI_MAGIC
#endif

#ifdef FIXTURE_ABI_V2
/* A module built before ABI version 3: its metadata ends before cpu_features, so a loader that
 * read that field would read past the object (ASan reports it). */
typedef struct metadata_v2 {
    uint32_t magic, version;
    const char *name, *target;
    uint32_t n_params, n_results;
    const hloc_buffer_desc *params, *results;
    uint64_t scratch_bytes;
    void (*entry)(void);
    uint32_t n_aliases;
    const hloc_alias_desc *aliases;
} metadata_v2;
#define METADATA_TYPE metadata_v2
#define VERSION 2
#else
#define METADATA_TYPE hloc_module_metadata
#define VERSION HLOC_ABI_VERSION
#endif

EXPORT const METADATA_TYPE fixture_metadata = {
    .magic = MAGIC,
    .version = VERSION,
    .name = "fixture",
    .target = "x86_64-unknown-linux-gnu generic",
    .n_params = 2,
    .n_results = 2,
    .params = params,
    .results = results,
    .scratch_bytes = 32,
    .entry = (void (*)(void))fixture,
#ifndef FIXTURE_ABI_V2
    .cpu_features = "64bit,cx8,sse,sse2", /* every x86-64 CPU's; unchecked elsewhere */
#endif
};

EXPORT const hloc_module_metadata *hloc_module_info(void) {
    return (const hloc_module_metadata *)&fixture_metadata;
}
