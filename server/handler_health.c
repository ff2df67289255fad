/*
 * handler_health.c — GET /health: for load balancers and service monitors;
 * needs no client certificate and says nothing about patients. 200 when the
 * store answers, 503 when it does not.
 */
#include <stdlib.h>

#include "server.h"

enum MHD_Result srv_handle_health(srv_request *r)
{
    srv_store *st = srv_thread_store(r->srv);
    char *ids[1];
    size_t n = 0;
    int ok = st && srv_store_find(st, "Patient", "health", "check", ids, 1, &n) == 0;
    if (ok && n)
        free(ids[0]);
    if (!ok)
        return srv_fail(r, MHD_HTTP_SERVICE_UNAVAILABLE, "transient", "the store does not answer",
                        "de opslag antwoordt niet");
    static const char body[] = "{\"status\":\"ok\"}";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        "application/json") != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return srv_queue(r, MHD_HTTP_OK, resp);
}
