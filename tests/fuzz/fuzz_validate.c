/*
 * fuzz_validate.c — libFuzzer target: read (either format) and validate, then
 * check the round trip: a tree that read without errors must come back
 * identical through the other format (XML→JSON→XML gives the same bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"

static char *write_as(const fhir_node *root, fhir_format f, size_t *len)
{
    fhir_buf b;
    fhir_buf_init(&b, 0);
    if (fhir_write(root, f, &b, 0) != 0) {
        fhir_buf_free(&b);
        return NULL;
    }
    return fhir_buf_take(&b, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fhir_arena *a = fhir_arena_new(64u * 1024 * 1024);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = fhir_read(a, (const char *)data, size, NULL, &o);
    if (root)
        fhir_validate(root, &o);
    if (root && !fhir_outcome_has_errors(&o)) {
        size_t xlen, jlen, x2len;
        char *xml = write_as(root, FHIR_FORMAT_XML, &xlen);
        char *json = write_as(root, FHIR_FORMAT_JSON, &jlen);
        fhir_outcome o2;
        fhir_outcome_init(&o2, a);
        fhir_node *back = json ? fhir_read_json(a, json, jlen, NULL, &o2) : NULL;
        char *xml2 = back ? write_as(back, FHIR_FORMAT_XML, &x2len) : NULL;
        if (!xml || !json || !back || !xml2 || xlen != x2len || memcmp(xml, xml2, xlen) != 0)
            abort(); /* a valid resource did not survive XML -> JSON -> XML */
        free(xml);
        free(json);
        free(xml2);
    }
    fhir_arena_free(a);
    return 0;
}
