/*
 * handler_read.c — GET /fhir/{type}/{id} (read) and
 * GET /fhir/{type}/{id}/_history/{vid} (vread): one worker for both.
 *
 * Three kinds of things are read: the published profile (from memory),
 * handover documents (Bundle/{patient id}: the read path of
 * handler_handover.c) and stored records (JSON as stored; XML rendered).
 * A stored version answers If-None-Match with 304.
 */
#include <string.h>

#include "audit.h"
#include "conformance.h"
#include "doc_cache.h"

static enum MHD_Result read_worker(srv_request *r, uint64_t vid)
{
    const char *type = r->path.type, *id = r->path.id;
    struct MHD_Response *published = srv_conformance_get(r->srv->conformance, type, id, r->fmt);
    if (published) {
        if (vid > 1)
            return srv_fail_store(r, SRV_E_NOTFOUND);
        r->status = MHD_HTTP_OK;
        return MHD_queue_response(r->conn, MHD_HTTP_OK, published);
    }
    srv_store *st = srv_thread_store(r->srv);
    if (!st)
        return srv_fail_store(r, SRV_E_IO);
    srv_audit_note(r, st, type, id, vid);
    srv_version v;
    int rc;
    if (strcmp(type, "Bundle") == 0) {
        if (vid == 0)
            return srv_answer_document(r, id);
        rc = srv_store_document(st, id, vid, &v);
        if (rc)
            return srv_fail_store(r, rc);
        enum MHD_Result ret = srv_send_document(r, &v, NULL, 0);
        srv_version_free(&v);
        return ret;
    }
    if (!srv_is_record_type(type))
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found",
                        "this server keeps no resources of this type",
                        "deze server bewaart geen resources van dit type");
    rc = srv_store_read(st, type, id, vid, &v);
    if (rc)
        return srv_fail_store(r, rc);
    srv_audit_note(r, st, type, id, v.version); /* the version actually served */
    enum MHD_Result ret;
    if (srv_if_none_match(r, v.etag)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, v.etag) != MHD_YES) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
        ret = srv_queue(r, MHD_HTTP_NOT_MODIFIED, resp);
    } else {
        ret = srv_send_version(r, MHD_HTTP_OK, &v, NULL);
    }
    srv_version_free(&v);
    return ret;
}

enum MHD_Result srv_handle_read(srv_request *r)
{
    return read_worker(r, 0);
}

enum MHD_Result srv_handle_vread(srv_request *r)
{
    return read_worker(r, r->path.vid);
}
