/*
 * fuzz_request.c — the request parts the server reads before any handler:
 * the path (router.c parse_path), Accept and Content-Type (negotiate.c),
 * If-Match (respond.c) and the HTTP date. Input: newline-separated fields
 * url, Accept, Content-Type, If-Match, instant. Asserts what the router
 * promises: a parsed id is a valid FHIR id, a type is a resource type.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/negotiate.c"
#include "../../server/router.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next field up to '\n', NUL-terminated in the arena. */
static const char *field(fhir_arena *a, const uint8_t **p, const uint8_t *end)
{
    const uint8_t *s = *p;
    while (*p < end && **p != '\n')
        (*p)++;
    const char *f = fhir_arena_strndup(a, (const char *)s, (size_t)(*p - s));
    if (*p < end)
        (*p)++;
    return f ? f : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fhir_arena *a = fhir_arena_new(1u << 20);
    srv_request *r = fhir_arena_zalloc(a, sizeof *r);
    const uint8_t *p = data, *end = data + size;
    r->a = a;
    r->url = field(a, &p, end);
    const char *accept = field(a, &p, end);
    const char *ctype = field(a, &p, end);
    const char *if_match = field(a, &p, end);
    const char *instant = field(a, &p, end);
    shape sh;
    if (parse_path(r, &sh) == P_OK) {
        if (r->path.id)
            assert(valid_id(r->path.id, strlen(r->path.id)));
        if (r->path.type)
            assert(fhir_resource_find(r->path.type, strlen(r->path.type)));
        if (sh == SH_VREAD)
            assert(r->path.vid > 0);
    }
    int f = accept_format(accept, size & 1);
    assert(f >= -2 && f <= SRV_FMT_HTML);
    srv_format body;
    if (srv_body_format(ctype, &body) == 0)
        assert(body == SRV_FMT_JSON || body == SRV_FMT_XML);
    uint64_t v;
    if (srv_if_match_version(if_match, &v) == 0 && if_match[0])
        assert(v > 0);
    char date[32];
    srv_http_date(instant, date);
    assert(strlen(date) < sizeof date);
    fhir_arena_free(a);
    return 0;
}
