/*
 * bundle.c — the Bundles the server makes from stored versions: searchset
 * (search) and history (_history).
 */
#include <string.h>

#include "bundle.h"
#include "doc_forms.h"
#include "publish.h"

fhir_node *srv_bundle_new(srv_request *r, const char *type)
{
    fhir_node *b = fhir_node_new(r->a, "Bundle", FHIR_NONE, fhir_type_find("Bundle"));
    if (!b || !fhir_node_add_named(r->a, b, "id", srv_new_id(r->a)) ||
        !fhir_node_add_named(r->a, b, "type", type))
        return NULL;
    return b;
}

/* Records carry W/"n"; a document version the ETag its JSON is served with. */
static const char *document_etag(fhir_arena *a, const srv_version *v)
{
    if (strcmp(v->type, "Bundle") != 0)
        return v->etag;
    char etag[96];
    srv_doc_form_etag(v, SRV_FORM_JSON, etag);
    return fhir_arena_strdup(a, etag);
}

int srv_bundle_add(srv_request *r, fhir_node *bundle, const srv_version *v, const char *mode,
                   int history)
{
    fhir_arena *a = r->a;
    fhir_node *e = fhir_node_add_named(a, bundle, "entry", NULL);
    if (!e || !fhir_node_add_named(a, e, "fullUrl", fhir_arena_printf(a, "%s/%s/%s",
                                   r->srv->cfg->base_url, v->type, v->id)))
        return -1;
    if (v->json) {
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        fhir_node *res = fhir_read_json(a, v->json, v->json_len, NULL, &o);
        const fhir_name_entry *ne = fhir_name_find(e->type, "resource", 8);
        if (!res || !ne)
            return -1;
        res->name = ne->name;
        res->elem = ne->elem;
        fhir_node_add(e, res);
    }
    if (mode) {
        fhir_node *s = fhir_node_add_named(a, e, "search", NULL);
        if (!s || !fhir_node_add_named(a, s, "mode", mode))
            return -1;
    }
    if (history) {
        fhir_node *q = fhir_node_add_named(a, e, "request", NULL);
        fhir_node *p = fhir_node_add_named(a, e, "response", NULL);
        if (!q || !p || !fhir_node_add_named(a, q, "method", "PUT") ||
            !fhir_node_add_named(a, q, "url", fhir_arena_printf(a, "%s/%s", v->type, v->id)) ||
            !fhir_node_add_named(a, p, "status", v->version == 1 ? "201" : "200") ||
            !fhir_node_add_named(a, p, "location", fhir_arena_printf(a, "%s/%s/_history/%llu",
                                 v->type, v->id, (unsigned long long)v->version)) ||
            !fhir_node_add_named(a, p, "etag", document_etag(a, v)) ||
            !fhir_node_add_named(a, p, "lastModified", v->last_modified))
            return -1;
    }
    return fhir_arena_failed(a) ? -1 : 0;
}

int srv_bundle_total(srv_request *r, fhir_node *bundle, size_t total)
{
    return fhir_node_add_named(r->a, bundle, "total", fhir_arena_printf(r->a, "%zu", total)) ? 0
                                                                                             : -1;
}
