/*
 * handler_search.c — GET /fhir/Patient?identifier=system|value: find the
 * patient, e.g. by BSN. Only this search exists (the CapabilityStatement
 * says so); listing patients without an identifier is refused, as is any
 * parameter this server does not know (400, rather than silently
 * answering a different question).
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"

typedef struct arg_check {
    const char *unknown;
} arg_check;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)value;
    arg_check *c = cls;
    if (strcmp(key, "identifier") != 0 && strcmp(key, "_format") != 0 && !c->unknown)
        c->unknown = key;
    return MHD_YES;
}

enum MHD_Result srv_handle_search(srv_request *r)
{
    arg_check c = {0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
    if (c.unknown)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "not-supported",
                        "unknown search parameter; Patient is searched by identifier=system|value",
                        "onbekende zoekparameter; Patient zoekt u met identifier=system|value");
    const char *sys, *val;
    int by_token = srv_split_token(r->a, srv_arg(r, "identifier"), &sys, &val) == 0;
    if (by_token && strcmp(sys, SRV_BSN_SYSTEM) == 0)
        r->audit.bsn = val;
    if (!by_token)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "required",
                        "search Patient with identifier=system|value",
                        "zoek Patient met identifier=system|value");
    srv_store *st = srv_thread_store(r->srv);
    if (!st)
        return srv_fail_store(r, SRV_E_IO);
    enum { MAX = 20 };
    char *ids[MAX];
    size_t n = 0;
    int rc = srv_store_find(st, "Patient", sys, val, ids, MAX, &n);
    if (rc)
        return srv_fail_store(r, rc);
    if (n > 0)
        r->audit.patient = fhir_arena_strdup(r->a, ids[0]);
    fhir_node *b = srv_bundle_new(r, "searchset");
    if (b && srv_bundle_total(r, b, n) != 0)
        b = NULL;
    for (size_t i = 0; i < n; i++) {
        srv_version v;
        if (b && srv_store_read(st, "Patient", ids[i], 0, &v) == 0) {
            if (srv_bundle_add(r, b, &v, "match", 0) != 0)
                b = NULL;
            srv_version_free(&v);
        }
        free(ids[i]);
    }
    if (!b)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    return srv_send_resource(r, MHD_HTTP_OK, b, NULL, NULL, NULL);
}
