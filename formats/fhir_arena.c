/*
 * fhir_arena.c — bump allocation for one request or one document.
 *
 * Memory comes in chunks that are only ever freed together. An arena can be
 * capped: past its limit, and after any failed malloc, every later call fails
 * too (sticky, like SQLite's mallocFailed), so callers check once at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"

#define CHUNK_MIN (16 * 1024)

typedef struct chunk {
    struct chunk *prev;
    size_t size;    /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
} chunk;

struct fhir_arena {
    chunk *head;
    size_t total;          /* bytes of chunks held */
    size_t limit;          /* 0: no limit */
    int failed;
    unsigned long fail_at; /* test hook: allocations left before a forced failure */
};

fhir_arena *fhir_arena_new(size_t limit)
{
    fhir_arena *a = calloc(1, sizeof *a);
    if (a)
        a->limit = limit;
    return a;
}

void fhir_arena_free(fhir_arena *a)
{
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    free(a);
}

static int grow(fhir_arena *a, size_t n)
{
    size_t size = a->head ? a->head->size * 2 : CHUNK_MIN;
    if (size > 1024 * 1024)
        size = 1024 * 1024;
    if (size < n)
        size = n;
    if (a->limit && (a->total + size > a->limit)) {
        if (a->total + n > a->limit)
            return -1;
        size = a->limit - a->total; /* the last chunk fills the budget exactly */
    }
    chunk *c = malloc(sizeof *c + size);
    if (!c)
        return -1;
    c->prev = a->head;
    c->size = size;
    c->used = 0;
    a->head = c;
    a->total += size;
    return 0;
}

void *fhir_arena_alloc(fhir_arena *a, size_t n)
{
    if (a->failed)
        return NULL;
    if (a->fail_at && --a->fail_at == 0) {
        a->failed = 1;
        return NULL;
    }
    if (n > SIZE_MAX / 2) {
        a->failed = 1;
        return NULL;
    }
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->head->size - a->head->used < n) {
        if (grow(a, n) != 0) {
            a->failed = 1;
            return NULL;
        }
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

void *fhir_arena_zalloc(fhir_arena *a, size_t n)
{
    void *p = fhir_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *fhir_arena_strndup(fhir_arena *a, const char *s, size_t n)
{
    char *p = fhir_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *fhir_arena_strdup(fhir_arena *a, const char *s)
{
    return fhir_arena_strndup(a, s, strlen(s));
}

char *fhir_arena_printf(fhir_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = fhir_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int fhir_arena_failed(const fhir_arena *a)
{
    return a->failed;
}

size_t fhir_arena_used(const fhir_arena *a)
{
    return a->total;
}

void fhir_arena_fail_after(fhir_arena *a, unsigned long n)
{
    a->fail_at = n;
}
