/*
 * handler_update.c — writing one resource: PUT /fhir/{type}/{id} (update,
 * or create with the client's id; If-Match → 412 when stale) and
 * POST /fhir/{type} (create with a new id; If-None-Exist for a conditional
 * create). One worker, two thin entry points.
 *
 * The write goes through publish.c: every patient whose records include the
 * resource gets its document rebuilt in the same transaction; a new resource
 * that refers to a patient with a handover joins that patient's records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "publish.h"

/* Reads and validates the body as one resource of the path's type. */
static fhir_node *read_body(srv_request *r, enum MHD_Result *ret)
{
    fhir_outcome o;
    fhir_outcome_init(&o, r->a);
    fhir_node *res = srv_read_body(r, &o, ret);
    if (!res)
        return NULL;
    if (fhir_validate(res, &o) != 0 || fhir_outcome_has_errors(&o)) {
        *ret = srv_fail_outcome(r, MHD_HTTP_BAD_REQUEST, &o);
        return NULL;
    }
    if (strcmp(fhir_node_resource_type(res), r->path.type) != 0) {
        *ret = srv_fail(r, MHD_HTTP_BAD_REQUEST, "invalid",
                        "the body's resource type differs from the URL's",
                        "het resourcetype in de inhoud verschilt van dat in de URL");
        return NULL;
    }
    return res;
}

/* The answer Prefer asks for after a successful write. */
static enum MHD_Result answer(srv_request *r, unsigned status, fhir_node *res, const char *id,
                              uint64_t version, const char *now)
{
    fhir_arena *a = r->a;
    const char *etag = fhir_arena_printf(a, "W/\"%llu\"", (unsigned long long)version);
    const char *location = fhir_arena_printf(a, "%s/%s/%s/_history/%llu", r->srv->cfg->base_url,
                                             r->path.type, id, (unsigned long long)version);
    int prefer = srv_prefer_return(r);
    if (prefer == 1) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        char date[32];
        srv_http_date(now, date);
        if (resp && (MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES ||
                     MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES ||
                     MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date) != MHD_YES)) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
        return srv_queue(r, status, resp);
    }
    if (prefer == 2) {
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        fhir_outcome_rule(&o, NULL, FHIR_SEV_INFORMATION, "informational", NULL, NULL,
                          fhir_arena_printf(a, "opgeslagen als versie %llu",
                                            (unsigned long long)version),
                          fhir_arena_printf(a, "stored as version %llu",
                                            (unsigned long long)version));
        fhir_node *oo = fhir_outcome_to_resource(&o, a);
        if (!oo)
            return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
        return srv_send_resource(r, status, oo, etag, now, location);
    }
    return srv_send_resource(r, status, res, etag, now, location);
}

/* The worker: `id` NULL for a create with a new id. */
static enum MHD_Result write_one(srv_request *r, const char *id, uint64_t expected)
{
    if (!srv_is_record_type(r->path.type))
        return srv_fail(r, MHD_HTTP_METHOD_NOT_ALLOWED, "not-supported",
                        "this server does not store this resource type (handover documents are "
                        "built by the server)",
                        "deze server slaat dit resourcetype niet op (overdrachtsdocumenten "
                        "maakt de server zelf)");
    enum MHD_Result ret;
    fhir_node *res = read_body(r, &ret);
    if (!res)
        return ret;
    const char *own = fhir_node_child_value(res, "id");
    if (id && (!own || strcmp(own, id) != 0))
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "invalid",
                        "the resource's id must equal the id in the URL",
                        "de id van de resource moet gelijk zijn aan de id in de URL");
    srv_pub p = {0};
    int rc = srv_pub_begin(&p, r);
    const char *cond = id ? NULL : srv_header(r, "If-None-Exist");
    if (!rc && cond) {
        /* conditional create: identifier=system|value that already exists → 200, nothing written */
        const char *sys, *val;
        if (strncmp(cond, "identifier=", 11) != 0 ||
            srv_split_token(r->a, cond + 11, &sys, &val) != 0) {
            srv_pub_end(&p);
            return srv_fail(r, MHD_HTTP_BAD_REQUEST, "not-supported",
                            "If-None-Exist takes identifier=system|value",
                            "If-None-Exist gaat met identifier=system|value");
        }
        char *ids[2];
        size_t n = 0;
        rc = srv_store_find(p.st, r->path.type, sys, val, ids, 2, &n);
        const char *found = n == 1 ? fhir_arena_strdup(r->a, ids[0]) : NULL;
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        srv_pub_end(&p);
        if (rc)
            return srv_fail_store(r, rc);
        if (n > 1)
            return srv_fail(r, MHD_HTTP_PRECONDITION_FAILED, "multiple-matches",
                            "If-None-Exist matches more than one resource",
                            "If-None-Exist past bij meer dan één resource");
        if (found) {
            srv_version v;
            srv_store *st = srv_thread_store(r->srv);
            rc = st ? srv_store_read(st, r->path.type, found, 0, &v) : SRV_E_IO;
            if (rc)
                return srv_fail_store(r, rc);
            const char *loc = fhir_arena_printf(r->a, "%s/%s/%s/_history/%llu",
                                                r->srv->cfg->base_url, r->path.type, found,
                                                (unsigned long long)v.version);
            ret = srv_send_version(r, MHD_HTTP_OK, &v, loc);
            srv_version_free(&v);
            return ret;
        }
        rc = srv_pub_begin(&p, r);
    }
    const char *new_id = id ? id : srv_new_id(r->a);
    uint64_t version = 0;
    if (!rc)
        rc = srv_pub_put(&p, res, new_id, id ? expected : UINT64_MAX, &version);
    if (!rc)
        rc = srv_pub_link(&p, res, r->path.type, new_id);
    if (!rc)
        rc = srv_pub_commit(&p);
    const char *now = p.now;
    srv_pub_end(&p);
    if (rc)
        return srv_fail_outcome(r, (unsigned)rc, &p.o);
    return answer(r, version == 1 ? MHD_HTTP_CREATED : MHD_HTTP_OK, res, new_id, version, now);
}

enum MHD_Result srv_handle_update(srv_request *r)
{
    uint64_t expected;
    if (srv_if_match_version(srv_header(r, MHD_HTTP_HEADER_IF_MATCH), &expected) != 0)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "value", "If-Match is not an ETag like W/\"3\"",
                        "If-Match is geen ETag zoals W/\"3\"");
    return write_one(r, r->path.id, expected);
}

enum MHD_Result srv_handle_create(srv_request *r)
{
    return write_one(r, NULL, UINT64_MAX);
}
