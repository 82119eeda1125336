/* Bump-pointer arena: every IR object of a module lives in one. Nothing is freed on its own; the
 * whole arena goes at once. Allocation failure is reported (NULL), never aborts. */
#ifndef HLOC_HLO_ARENA_H
#define HLOC_HLO_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hloc_arena hloc_arena;

hloc_arena *hloc_arena_create(void);             /* NULL on out-of-memory */
void hloc_arena_destroy(hloc_arena *a);          /* NULL is a no-op */
void hloc_arena_reset(hloc_arena *a);            /* frees all but the first block for reuse */
void *hloc_arena_alloc(hloc_arena *a, size_t n); /* zeroed, 16-byte aligned; NULL on OOM */
void *hloc_arena_dup(hloc_arena *a, const void *p, size_t n);
char *hloc_arena_strdup(hloc_arena *a, const char *s);
char *hloc_arena_strndup(hloc_arena *a, const char *s, size_t n);
char *hloc_arena_printf(hloc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grows *items (of *cap elements of size elem) to hold at least need; old contents are copied. */
int hloc_arena_grow(hloc_arena *a, void **items, uint32_t *cap, uint32_t need, size_t elem);
size_t hloc_arena_used(const hloc_arena *a);

#define HLOC_ARENA_NEW(a, T) ((T *)hloc_arena_alloc((a), sizeof(T)))
#define HLOC_ARENA_ARRAY(a, T, n) ((T *)hloc_arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
