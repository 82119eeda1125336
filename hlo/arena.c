/* Bump-pointer arena with a chain of blocks; large requests get a block of their own. */
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} block;

struct hloc_arena {
    block *head;
    size_t total;
};

enum { BLOCK_SIZE = 64 * 1024 };

hloc_arena *hloc_arena_create(void) {
    return calloc(1, sizeof(hloc_arena));
}

void hloc_arena_destroy(hloc_arena *a) {
    if (!a) return;
    for (block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

void hloc_arena_reset(hloc_arena *a) {
    if (!a || !a->head) return;
    block *b = a->head;
    while (b->next) {
        block *n = b->next;
        b->next = n->next;
        free(n);
    }
    b->used = 0;
    a->total = 0;
}

void *hloc_arena_alloc(hloc_arena *a, size_t n) {
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n) return NULL;
    block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t size = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE;
        block *nb = malloc(sizeof(block) + size);
        if (!nb) return NULL;
        nb->size = size;
        nb->used = 0;
        /* A dedicated big block goes behind the head so the head keeps serving small requests. */
        if (b && size != BLOCK_SIZE) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

void *hloc_arena_dup(hloc_arena *a, const void *p, size_t n) {
    void *q = hloc_arena_alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

char *hloc_arena_strndup(hloc_arena *a, const char *s, size_t n) {
    char *q = hloc_arena_alloc(a, n + 1);
    if (q) {
        memcpy(q, s, n);
        q[n] = 0;
    }
    return q;
}

char *hloc_arena_strdup(hloc_arena *a, const char *s) {
    return hloc_arena_strndup(a, s, strlen(s));
}

char *hloc_arena_printf(hloc_arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *q = hloc_arena_alloc(a, (size_t)n + 1);
    if (!q) return NULL;
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}

int hloc_arena_grow(hloc_arena *a, void **items, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return 1;
    uint32_t nc = *cap ? *cap * 2 : 4;
    while (nc < need) nc *= 2;
    void *n = hloc_arena_alloc(a, (size_t)nc * elem);
    if (!n) return 0;
    if (*cap) memcpy(n, *items, (size_t)*cap * elem);
    *items = n;
    *cap = nc;
    return 1;
}

size_t hloc_arena_used(const hloc_arena *a) {
    return a->total;
}
