/*
 * fuzz_xml_read.c — libFuzzer target: the XML reader on arbitrary bytes.
 * Whatever it accepts must also write back out as XML and JSON.
 */
#include <stddef.h>
#include <stdint.h>

#include "fhir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fhir_arena *a = fhir_arena_new(64u * 1024 * 1024);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = fhir_read_xml(a, (const char *)data, size, NULL, &o);
    if (root) {
        fhir_buf b;
        fhir_buf_init(&b, 0);
        fhir_write_xml(root, &b, 0);
        fhir_write_json(root, &b, 0);
        fhir_buf_free(&b);
    }
    fhir_arena_free(a);
    return 0;
}
