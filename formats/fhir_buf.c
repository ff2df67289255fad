/*
 * fhir_buf.c — a growable output buffer with a limit set at creation
 * (after curl's dynbuf). Growing past the limit fails and the failure
 * sticks, so a writer checks once at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"

void fhir_buf_init(fhir_buf *b, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

void fhir_buf_free(fhir_buf *b)
{
    free(b->data);
    size_t limit = b->limit;
    fhir_buf_init(b, limit);
}

static int reserve(fhir_buf *b, size_t n)
{
    if (b->failed)
        return FHIR_E_NOMEM;
    if (n > SIZE_MAX - b->len - 1 || (b->limit && b->len + n > b->limit)) {
        b->failed = 1;
        return FHIR_E_NOMEM;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return FHIR_E_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int fhir_buf_add(fhir_buf *b, const void *p, size_t n)
{
    if (reserve(b, n) != 0)
        return FHIR_E_NOMEM;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int fhir_buf_adds(fhir_buf *b, const char *s)
{
    return fhir_buf_add(b, s, strlen(s));
}

int fhir_buf_addc(fhir_buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->failed && (!b->limit || b->len < b->limit)) { /* fast path */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return fhir_buf_add(b, &c, 1);
}

int fhir_buf_printf(fhir_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return FHIR_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *fhir_buf_take(fhir_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return p;
}
