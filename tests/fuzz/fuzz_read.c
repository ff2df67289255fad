/*
 * fuzz_read.c — libFuzzer target: one reader on arbitrary bytes. Whatever it
 * accepts must also write back out, in its own format and in the other.
 *
 * Compiled twice (CMakeLists.txt, HANDOVER_FUZZ): with -DFUZZ_READ_XML as
 * fuzz_xml_read, with -DFUZZ_READ_JSON as fuzz_json_read.
 */
#include <stddef.h>
#include <stdint.h>

#include "fhir.h"

#if defined(FUZZ_READ_XML) == defined(FUZZ_READ_JSON)
#error "compile with exactly one of -DFUZZ_READ_XML and -DFUZZ_READ_JSON"
#endif

#ifdef FUZZ_READ_XML
#define READ fhir_read_xml
#define WRITE_SAME fhir_write_xml
#define WRITE_OTHER fhir_write_json
#else
#define READ fhir_read_json
#define WRITE_SAME fhir_write_json
#define WRITE_OTHER fhir_write_xml
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fhir_arena *a = fhir_arena_new(64u * 1024 * 1024);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = READ(a, (const char *)data, size, NULL, &o);
    if (root) {
        fhir_buf b;
        fhir_buf_init(&b, 0);
        WRITE_SAME(root, &b, 0);
        WRITE_OTHER(root, &b, 0);
        fhir_buf_free(&b);
    }
    fhir_arena_free(a);
    return 0;
}
