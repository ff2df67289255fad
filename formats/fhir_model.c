/*
 * fhir_model.c — lookups in the generated R4 tables (fhir_model_gen.c).
 * All are binary searches over sorted runs; nothing is allocated.
 */
#include <string.h>

#include "fhir_model.h"

/* strcmp order between a NUL-terminated `a` and the counted `b`. */
static int cmp_counted(const char *a, const char *b, size_t blen)
{
    size_t alen = strlen(a);
    int r = memcmp(a, b, alen < blen ? alen : blen);
    if (r != 0)
        return r;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static uint16_t type_find_counted(const char *name, size_t len)
{
    size_t lo = 0, hi = fhir_type_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint16_t t = fhir_type_by_name[mid];
        int r = cmp_counted(fhir_types[t].name, name, len);
        if (r == 0)
            return t;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return FHIR_NONE;
}

uint16_t fhir_type_find(const char *name)
{
    return type_find_counted(name, strlen(name));
}

uint16_t fhir_resource_find(const char *name, size_t len)
{
    uint16_t t = type_find_counted(name, len);
    if (t == FHIR_NONE || fhir_types[t].kind != FHIR_KIND_RESOURCE || fhir_types[t].abstract)
        return FHIR_NONE;
    return t;
}

const fhir_name_entry *fhir_name_find(uint16_t type, const char *name, size_t len)
{
    if (type >= fhir_type_count)
        return NULL;
    const fhir_name_entry *run = fhir_names + fhir_types[type].name_first;
    size_t lo = 0, hi = fhir_types[type].name_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = cmp_counted(run[mid].name, name, len);
        if (r == 0)
            return &run[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int fhir_binding_has_code(uint16_t binding, const char *code)
{
    if (binding >= fhir_binding_count)
        return 0;
    const fhir_binding_def *b = &fhir_bindings[binding];
    size_t lo = 0, hi = b->code_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(fhir_codes[b->code_first + mid], code);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int fhir_type_is_a(uint16_t type, uint16_t ancestor)
{
    while (type != FHIR_NONE && type < fhir_type_count) {
        if (type == ancestor)
            return 1;
        type = fhir_types[type].base;
    }
    return 0;
}
