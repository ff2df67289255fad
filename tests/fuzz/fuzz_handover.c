/*
 * fuzz_handover.c — libFuzzer target: a patient's records (either format)
 * through the rules and the document builder. Whatever builds must write
 * as XML and JSON and pass the handover profile check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "handover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const handover_options opt = {.now = "2026-11-23T12:00:00Z"};
    fhir_arena *a = fhir_arena_new(64u * 1024 * 1024);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, (const char *)data, size, NULL, &o);
    const char *type = records ? fhir_node_resource_type(records) : NULL;
    if (type && strcmp(type, "Bundle") == 0 && fhir_validate(records, &o) == 0) {
        fhir_node *doc = handover_build(a, records, &opt, &o);
        if (doc) {
            fhir_buf b;
            fhir_buf_init(&b, 0);
            if (fhir_write_xml(doc, &b, 0) != 0 || fhir_write_json(doc, &b, 0) != 0)
                abort();
            fhir_buf_free(&b);
            fhir_outcome check;
            fhir_outcome_init(&check, a);
            if (handover_check_document(a, doc, &opt, &check) != 0)
                abort(); /* a built document must pass its own profile */
        }
    }
    fhir_arena_free(a);
    return 0;
}
