/*
 * handler_metadata.c — GET /fhir/metadata: the CapabilityStatement, made
 * once at start-up (conformance.c).
 */
#include "conformance.h"

enum MHD_Result srv_handle_metadata(srv_request *r)
{
    struct MHD_Response *resp =
        srv_conformance_get(r->srv->conformance, "CapabilityStatement", "handoverd", r->fmt);
    if (!resp)
        return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception",
                        "no CapabilityStatement loaded", "geen CapabilityStatement geladen");
    r->status = MHD_HTTP_OK;
    return MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
}
