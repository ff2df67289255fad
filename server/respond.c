/*
 * respond.c — how handlers answer: resources and OperationOutcomes in the
 * negotiated format, the HTTP headers FHIR asks for (ETag, Last-Modified,
 * Location), and the request headers they read (Prefer, If-Match,
 * If-None-Match). Every error a handler gives goes through srv_fail*, so
 * every error is an OperationOutcome.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define SRV__BODY_LIMIT (64u * 1024 * 1024) /* the largest response we serialise */

enum MHD_Result srv_queue(srv_request *r, unsigned status, struct MHD_Response *resp)
{
    if (!resp) {
        /* out of memory making the answer: a bare 500, nothing left to build it with */
        static const char oom[] = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
                                  "\"fatal\",\"code\":\"exception\",\"diagnostics\":\"out of "
                                  "memory\"}]}";
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, srv_format_mime(SRV_FMT_JSON));
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    r->status = status;
    if (r->deferred) { /* the committer's: held until the group is durable (http.c sends) */
        if (r->held)
            MHD_destroy_response(r->held);
        r->held = resp;
        return MHD_YES;
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct MHD_Response *srv_bytes_response(const char *bytes, size_t len, srv_format f)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)bytes, MHD_RESPMEM_MUST_COPY);
    if (resp &&
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, srv_format_mime(f)) != MHD_YES) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

/* Serialises a tree in the request's format into a response. */
static struct MHD_Response *tree_response(srv_request *r, const fhir_node *res)
{
    if (r->fmt == SRV_FMT_HTML) /* only documents have a page; anything else goes as JSON */
        r->fmt = SRV_FMT_JSON;
    fhir_buf b;
    fhir_buf_init(&b, SRV__BODY_LIMIT);
    if (fhir_write(res, srv_format_fhir(r->fmt), &b, 0) != 0) {
        fhir_buf_free(&b);
        return NULL;
    }
    struct MHD_Response *resp = srv_bytes_response(b.data, b.len, r->fmt);
    fhir_buf_free(&b);
    return resp;
}

void srv_http_date(const char *instant, char out[32])
{
    struct tm tm = {0};
    out[0] = '\0';
    if (!instant || sscanf(instant, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                           &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm); /* the store writes UTC ("…Z") */
    struct tm g;
    if (!gmtime_r(&t, &g))
        return;
    strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &g);
}

static int add_headers(struct MHD_Response *resp, const char *etag, const char *last_modified,
                       const char *location)
{
    char date[32];
    if (etag && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES)
        return -1;
    if (last_modified) {
        srv_http_date(last_modified, date);
        if (date[0] && MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date) != MHD_YES)
            return -1;
    }
    if (location && MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location) != MHD_YES)
        return -1;
    return 0;
}

enum MHD_Result srv_send_resource(srv_request *r, unsigned status, const fhir_node *res,
                                  const char *etag, const char *last_modified,
                                  const char *location)
{
    struct MHD_Response *resp = tree_response(r, res);
    if (resp && add_headers(resp, etag, last_modified, location) != 0) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return srv_queue(r, status, resp);
}

enum MHD_Result srv_send_version(srv_request *r, unsigned status, const srv_version *v,
                                 const char *location)
{
    struct MHD_Response *resp;
    if (r->fmt == SRV_FMT_JSON) {
        resp = srv_bytes_response(v->json, v->json_len, SRV_FMT_JSON); /* stored as sent out */
    } else {
        fhir_outcome o;
        fhir_outcome_init(&o, r->a);
        fhir_node *res = fhir_read_json(r->a, v->json, v->json_len, NULL, &o);
        if (!res) {
            srv_log("error", "stored-resource-unreadable", "type=%s", v->type);
            return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception",
                            "a stored resource could not be read",
                            "een opgeslagen resource kon niet worden gelezen");
        }
        resp = tree_response(r, res);
    }
    if (resp && add_headers(resp, v->etag, v->last_modified, location) != 0) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return srv_queue(r, status, resp);
}

enum MHD_Result srv_fail_outcome(srv_request *r, unsigned status, const fhir_outcome *o)
{
    fhir_node *oo = fhir_outcome_to_resource(o, r->a);
    if (!oo)
        return srv_queue(r, status, NULL);
    return srv_send_resource(r, status, oo, NULL, NULL, NULL);
}

struct MHD_Response *srv_outcome_response(srv_request *r, unsigned status, const char *code,
                                          const char *en, const char *nl)
{
    fhir_outcome o;
    fhir_outcome_init(&o, r->a);
    fhir_outcome_rule(&o, NULL, status >= 500 ? FHIR_SEV_FATAL : FHIR_SEV_ERROR, code, NULL, NULL,
                      nl, en);
    fhir_node *oo = fhir_outcome_to_resource(&o, r->a);
    return oo ? tree_response(r, oo) : NULL;
}

enum MHD_Result srv_fail(srv_request *r, unsigned status, const char *code, const char *en,
                         const char *nl)
{
    return srv_queue(r, status, srv_outcome_response(r, status, code, en, nl));
}

enum MHD_Result srv_fail_store(srv_request *r, int rc)
{
    switch (rc) {
    case SRV_E_NOTFOUND:
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found", "not found", "niet gevonden");
    case SRV_E_CONFLICT:
        return srv_fail(r, MHD_HTTP_PRECONDITION_FAILED, "conflict",
                        "the resource was changed since the version named in If-Match",
                        "de resource is gewijzigd sinds de versie in If-Match");
    case SRV_E_BUSY:
        return srv_fail(r, MHD_HTTP_SERVICE_UNAVAILABLE, "transient",
                        "the store is busy; try again", "de opslag is bezet; probeer opnieuw");
    case SRV_E_INVALID:
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "invalid", "the request names something unusable",
                        "het verzoek noemt iets onbruikbaars");
    default:
        srv_log("error", "store-failed", "rc=%d", rc);
        return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception", "the store failed",
                        "de opslag faalde");
    }
}

const char *srv_arg(srv_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(srv_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int srv_prefer_return(srv_request *r)
{
    const char *p = srv_header(r, "Prefer");
    if (!p)
        return 0;
    if (strstr(p, "return=minimal"))
        return 1;
    if (strstr(p, "return=OperationOutcome"))
        return 2;
    return 0;
}

int srv_if_none_match(srv_request *r, const char *etag)
{
    const char *h = srv_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (!h || !etag)
        return 0;
    size_t n = strlen(etag);
    for (const char *p = h; (p = strstr(p, etag)) != NULL; p += n) {
        char after = p[n];
        if (after == '\0' || after == ',' || after == ' ')
            return 1;
    }
    while (*h == ' ')
        h++;
    return strcmp(h, "*") == 0;
}

int srv_if_match_version(const char *h, uint64_t *version)
{
    *version = 0;
    if (!h)
        return 0;
    while (*h == ' ')
        h++;
    if (h[0] == 'W' && h[1] == '/')
        h += 2;
    if (*h != '"')
        return -1;
    h++;
    uint64_t v = 0;
    int digits = 0;
    while (*h >= '0' && *h <= '9' && digits < 19) {
        v = v * 10 + (uint64_t)(*h++ - '0');
        digits++;
    }
    if (!digits || v == 0 || *h != '"')
        return -1;
    h++;
    while (*h == ' ')
        h++;
    if (*h)
        return -1;
    *version = v;
    return 0;
}

fhir_node *srv_read_body(srv_request *r, fhir_outcome *o, enum MHD_Result *ret)
{
    srv_format in;
    if (srv_body_format(srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE), &in) != 0) {
        *ret = srv_fail(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "not-supported",
                        "Content-Type must be application/fhir+json or application/fhir+xml",
                        "Content-Type moet application/fhir+json of application/fhir+xml zijn");
        return NULL;
    }
    fhir_limits lim = {r->srv->cfg->max_body, fhir_default_limits.max_depth};
    fhir_node *res = in == SRV_FMT_XML ? fhir_read_xml(r->a, r->body.data, r->body.len, &lim, o)
                                       : fhir_read_json(r->a, r->body.data, r->body.len, &lim, o);
    if (!res)
        *ret = srv_fail_outcome(r, MHD_HTTP_BAD_REQUEST, o);
    return res;
}

int srv_split_token(fhir_arena *a, const char *token, const char **system, const char **value)
{
    const char *bar = token ? strchr(token, '|') : NULL;
    if (!bar || bar == token || !bar[1])
        return -1;
    *system = fhir_arena_strndup(a, token, (size_t)(bar - token));
    *value = fhir_arena_strdup(a, bar + 1);
    return *system && *value ? 0 : -1;
}
