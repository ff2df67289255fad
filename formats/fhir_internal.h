/*
 * fhir_internal.h — helpers shared between the files of formats/ (the
 * fhir__ tier); nothing outside formats/ includes this.
 */
#ifndef FHIR_INTERNAL_H
#define FHIR_INTERNAL_H

#include "fhir.h"

/* A node whose name is a string that outlives the arena (a table entry). */
static inline fhir_node *fhir__node_alloc(fhir_arena *a, const char *name, uint16_t elem,
                                          uint16_t type)
{
    fhir_node *n = (fhir_node *)fhir_arena_zalloc(a, sizeof *n);
    if (n) {
        n->name = name;
        n->elem = elem;
        n->type = type;
    }
    return n;
}

/* 1 when the bytes are valid UTF-8 (no overlongs, no surrogates). */
int fhir__utf8_valid(const unsigned char *s, size_t len);

/* Kind of the primitive type `type` (FHIR_PRIM_NONE when not primitive). */
static inline fhir_prim fhir__prim_of(uint16_t type)
{
    return type < fhir_type_count ? (fhir_prim)fhir_types[type].prim : FHIR_PRIM_NONE;
}

#endif
