/*
 * handler_history.c — GET /fhir/{type}/{id}/_history: every version of a
 * record, or of a patient's handover document (Bundle/{patient id}), newest
 * first, as a history Bundle. `_count` (1..100, default 50) bounds it.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bundle.h"
#include "conformance.h"

enum MHD_Result srv_handle_history(srv_request *r)
{
    const char *type = r->path.type, *id = r->path.id;
    int document = strcmp(type, "Bundle") == 0;
    if (!document && !srv_is_record_type(type))
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found",
                        "this server keeps no history of this type",
                        "deze server houdt geen geschiedenis van dit type bij");
    size_t max = 50;
    const char *count = srv_arg(r, "_count");
    if (count) {
        char *end;
        unsigned long n = strtoul(count, &end, 10);
        if (*end || n < 1 || n > 100)
            return srv_fail(r, MHD_HTTP_BAD_REQUEST, "value", "_count must be 1 to 100",
                            "_count moet 1 tot 100 zijn");
        max = n;
    }
    srv_store *st = srv_thread_store(r->srv);
    srv_audit_note(r, st, type, id, 0);
    srv_version *v = calloc(max, sizeof *v);
    size_t n = 0;
    int rc = !st ? SRV_E_IO : !v ? SRV_E_NOMEM
             : document       ? srv_store_document_history(st, id, v, max, &n)
                              : srv_store_history(st, type, id, v, max, &n);
    fhir_node *b = rc ? NULL : srv_bundle_new(r, "history");
    for (size_t i = 0; i < n && b; i++)
        if (srv_bundle_add(r, b, &v[i], NULL, 1) != 0)
            b = NULL;
    /* versions run 1..newest without gaps: the newest is how many there are */
    if (b && srv_bundle_total(r, b, n ? (size_t)v[0].version : 0) != 0)
        b = NULL;
    for (size_t i = 0; i < n; i++)
        srv_version_free(&v[i]);
    free(v);
    if (rc)
        return srv_fail_store(r, rc);
    if (!b)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    return srv_send_resource(r, MHD_HTTP_OK, b, NULL, NULL, NULL);
}
