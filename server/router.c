/*
 * router.c — from method and path to a handler, as a table.
 *
 * The router parses the path once into srv_path (type, id, operation,
 * history version), checks the caller's certificate and role for the route,
 * negotiates the response format, and calls the route's handler. What it
 * answers itself: 404 for paths no route has, 405 (with Allow) for a path
 * whose route has no such method, 400 for malformed ids, 401/403 for the
 * caller, 406 for an unacceptable format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "server.h"

/* The shapes of paths under /fhir. */
typedef enum shape {
    SH_HEALTH,        /* /health */
    SH_BASE,          /* /fhir */
    SH_METADATA,      /* /fhir/metadata */
    SH_TYPE,          /* /fhir/{type} */
    SH_TYPE_OP,       /* /fhir/{type}/{$op} */
    SH_INSTANCE,      /* /fhir/{type}/{id} */
    SH_INSTANCE_OP,   /* /fhir/{type}/{id}/{$op} */
    SH_HISTORY,       /* /fhir/{type}/{id}/_history */
    SH_VREAD,         /* /fhir/{type}/{id}/_history/{vid} */
    SH_NONE
} shape;

/* Who may call a route. */
typedef enum access_level {
    AC_OPEN,          /* no certificate needed (health) */
    AC_ANY,           /* a trusted certificate with any role */
    AC_READ,          /* patient data: publishers and readers */
    AC_PUBLISH,       /* writes: publishers */
    AC_PRIVACY        /* the access log: privacy officers */
} access_level;

typedef struct route {
    unsigned methods;        /* srv_method bits */
    shape shape;
    const char *type;        /* only this resource type, or NULL */
    const char *op;          /* the operation, for *_OP shapes */
    access_level access;
    const char *name;        /* for the log */
    srv_handler handler;
} route;

static const route routes[] = {
    {SRV_GET | SRV_HEAD, SH_HEALTH, NULL, NULL, AC_OPEN, "health", srv_handle_health},
    {SRV_GET | SRV_HEAD, SH_METADATA, NULL, NULL, AC_ANY, "metadata", srv_handle_metadata},
    {SRV_POST, SH_BASE, NULL, NULL, AC_PUBLISH, "transaction", srv_handle_transaction},
    {SRV_GET | SRV_HEAD, SH_TYPE, "Patient", NULL, AC_READ, "search", srv_handle_search},
    {SRV_GET | SRV_HEAD, SH_TYPE, "AuditEvent", NULL, AC_PRIVACY, "audit", srv_handle_audit},
    {SRV_POST, SH_TYPE, NULL, NULL, AC_PUBLISH, "create", srv_handle_create},
    {SRV_GET | SRV_HEAD, SH_TYPE_OP, "Patient", "$handover", AC_READ, "handover",
     srv_handle_handover},
    {SRV_POST, SH_TYPE_OP, NULL, "$validate", AC_ANY, "validate", srv_handle_validate},
    {SRV_GET | SRV_HEAD, SH_INSTANCE, NULL, NULL, AC_READ, "read", srv_handle_read},
    {SRV_PUT, SH_INSTANCE, NULL, NULL, AC_PUBLISH, "update", srv_handle_update},
    {SRV_GET | SRV_HEAD, SH_INSTANCE_OP, "Patient", "$handover", AC_READ, "handover",
     srv_handle_handover},
    {SRV_GET | SRV_HEAD, SH_HISTORY, NULL, NULL, AC_READ, "history", srv_handle_history},
    {SRV_GET | SRV_HEAD, SH_VREAD, NULL, NULL, AC_READ, "vread", srv_handle_vread},
};

/* The published profile is no patient data: anyone with a role reads it. */
static int is_conformance_type(const char *type)
{
    return type && (strcmp(type, "StructureDefinition") == 0 || strcmp(type, "ValueSet") == 0 ||
                    strcmp(type, "CodeSystem") == 0 || strcmp(type, "CapabilityStatement") == 0);
}

/* FHIR id: [A-Za-z0-9\-\.]{1,64} */
static int valid_id(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

typedef enum parse_result { P_OK, P_NOT_FOUND, P_BAD_ID, P_UNKNOWN_TYPE } parse_result;

/* Splits the path; fills r->path. */
static parse_result parse_path(srv_request *r, shape *out)
{
    const char *u = r->url;
    *out = SH_NONE;
    if (strcmp(u, "/health") == 0) {
        *out = SH_HEALTH;
        return P_OK;
    }
    if (strncmp(u, "/fhir", 5) != 0 || (u[5] != '\0' && u[5] != '/'))
        return P_NOT_FOUND;
    const char *seg[5];
    size_t len[5], n = 0;
    const char *p = u + 5;
    while (*p == '/' && p[1] != '\0') {
        if (n == 5)
            return P_NOT_FOUND;
        p++;
        const char *end = strchr(p, '/');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        seg[n] = p;
        len[n++] = l;
        p += l;
    }
    if (*p == '/' && p[1] == '\0' && n > 0)
        return P_NOT_FOUND; /* a trailing slash names nothing */
    if (n == 0) {
        *out = SH_BASE;
        return P_OK;
    }
    if (n == 1 && len[0] == 8 && memcmp(seg[0], "metadata", 8) == 0) {
        *out = SH_METADATA;
        return P_OK;
    }
    if (!fhir_resource_find(seg[0], len[0]))
        return P_UNKNOWN_TYPE;
    r->path.type = fhir_arena_strndup(r->a, seg[0], len[0]);
    if (n == 1) {
        *out = SH_TYPE;
        return P_OK;
    }
    if (seg[1][0] == '$') {
        if (n != 2)
            return P_NOT_FOUND;
        r->path.op = fhir_arena_strndup(r->a, seg[1], len[1]);
        *out = SH_TYPE_OP;
        return P_OK;
    }
    if (!valid_id(seg[1], len[1]))
        return P_BAD_ID;
    r->path.id = fhir_arena_strndup(r->a, seg[1], len[1]);
    if (n == 2) {
        *out = SH_INSTANCE;
        return P_OK;
    }
    if (seg[2][0] == '$' && n == 3) {
        r->path.op = fhir_arena_strndup(r->a, seg[2], len[2]);
        *out = SH_INSTANCE_OP;
        return P_OK;
    }
    if (len[2] != 8 || memcmp(seg[2], "_history", 8) != 0)
        return P_NOT_FOUND;
    if (n == 3) {
        *out = SH_HISTORY;
        return P_OK;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len[3]; i++) {
        if (seg[3][i] < '0' || seg[3][i] > '9' || i >= 18)
            return P_BAD_ID;
        v = v * 10 + (uint64_t)(seg[3][i] - '0');
    }
    if (v == 0)
        return P_BAD_ID;
    r->path.vid = v;
    *out = SH_VREAD;
    return P_OK;
}

static int route_matches_path(const route *rt, shape sh, const srv_path *p)
{
    if (rt->shape != sh)
        return 0;
    if (rt->type && (!p->type || strcmp(rt->type, p->type) != 0))
        return 0;
    if (rt->op && (!p->op || strcmp(rt->op, p->op) != 0))
        return 0;
    return 1;
}

static const char *method_names(unsigned m, char *buf, size_t n)
{
    static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
    buf[0] = '\0';
    for (unsigned i = 0; i < 6; i++) {
        if (m & (1u << i)) {
            if (buf[0])
                strncat(buf, ", ", n - strlen(buf) - 1);
            strncat(buf, names[i], n - strlen(buf) - 1);
        }
    }
    return buf;
}

/* 401/403 for a caller the route does not admit; 0 when admitted. */
static enum MHD_Result check_caller(srv_request *r, const route *rt, int *refused)
{
    *refused = 0;
    if (rt->access == AC_OPEN)
        return MHD_YES;
    srv_peer *p = r->peer = srv_tls_peer(r->srv, r->conn);
    *refused = 1;
    if (!p)
        return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception", "out of memory",
                        "onvoldoende geheugen");
    if (p->status)
        return srv_fail(r, p->status, p->status == 401 ? "login" : "forbidden", p->why,
                        p->why_nl);
    access_level need = rt->access;
    if (need == AC_READ && is_conformance_type(r->path.type))
        need = AC_ANY;
    if (p->role == SRV_ROLE_NONE)
        return srv_fail(r, MHD_HTTP_FORBIDDEN, "forbidden",
                        "this organisation has no role at this service",
                        "deze organisatie heeft geen rol bij deze dienst");
    if (need == AC_READ && p->role != SRV_ROLE_PUBLISHER && p->role != SRV_ROLE_READER)
        return srv_fail(r, MHD_HTTP_FORBIDDEN, "forbidden",
                        "this role may not read patient handovers",
                        "deze rol mag geen patiëntoverdrachten lezen");
    if (need == AC_PRIVACY && p->role != SRV_ROLE_PRIVACY)
        return srv_fail(r, MHD_HTTP_FORBIDDEN, "forbidden",
                        "only the privacy officer role reads the access log",
                        "alleen de rol functionaris gegevensbescherming leest het toegangslog");
    if (need == AC_PUBLISH && p->role != SRV_ROLE_PUBLISHER)
        return srv_fail(r, MHD_HTTP_FORBIDDEN, "forbidden",
                        "only publishers may write; this certificate's role may not",
                        "alleen publicerende organisaties mogen schrijven; deze rol niet");
    *refused = 0;
    return MHD_YES;
}

typedef struct arg_keys {
    const char *keys[32];
    size_t n;
    const char *repeated;
} arg_keys;

/* Notes a query key; a key given twice (other than date) is answered 400:
 * FHIR would AND repeated parameters, which no search here supports. */
static enum MHD_Result note_key(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    (void)value;
    arg_keys *k = cls;
    if (strcmp(key, "date") == 0)
        return MHD_YES;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->keys[i], key) == 0) {
            k->repeated = key;
            return MHD_NO;
        }
    if (k->n == 32) {
        k->repeated = key;
        return MHD_NO;
    }
    k->keys[k->n++] = key;
    return MHD_YES;
}

enum MHD_Result srv_route(srv_request *r)
{
    shape sh;
    parse_result pr = parse_path(r, &sh);
    /* errors before a route is known use the client's format when it gave one */
    srv_format fmt;
    if (srv_negotiate(r->conn, SRV_FMT_JSON, 0, &fmt) == 0)
        r->fmt = fmt;
    arg_keys keys = {.n = 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, note_key, &keys);
    if (keys.repeated)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "not-supported",
                        "a query parameter is given more than once (or there are more than 32)",
                        "een queryparameter komt meer dan eens voor (of er zijn er meer dan 32)");
    if (pr == P_NOT_FOUND)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found", "no such path on this server",
                        "dit pad bestaat niet op deze server");
    if (pr == P_UNKNOWN_TYPE)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-supported", "unknown resource type",
                        "onbekend resourcetype");
    if (pr == P_BAD_ID)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "value",
                        "not a valid id (1 to 64 of A-Z a-z 0-9 - .) or version",
                        "geen geldige id (1 tot 64 van A-Z a-z 0-9 - .) of versie");
    const route *found = NULL;
    unsigned allowed = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_matches_path(&routes[i], sh, &r->path))
            continue;
        allowed |= routes[i].methods;
        if (routes[i].methods & r->method) {
            found = &routes[i];
            break;
        }
    }
    if (!found && !allowed)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-supported",
                        "this server has no such operation", "deze server kent deze bewerking niet");
    if (!found) {
        char buf[64];
        struct MHD_Response *resp =
            srv_outcome_response(r, MHD_HTTP_METHOD_NOT_ALLOWED, "not-supported",
                                 "method not allowed here", "methode hier niet toegestaan");
        if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                            method_names(allowed, buf, sizeof buf)) != MHD_YES) {
            MHD_destroy_response(resp);
            resp = NULL;
        }
        return srv_queue(r, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
    }
    r->route = found->name;
    /* patient data: everything but the conformance resources, validation and the log itself */
    r->audit.patient_data = (found->access == AC_READ || found->access == AC_PUBLISH ||
                             found->access == AC_PRIVACY) &&
                            !is_conformance_type(r->path.type);
    if (r->audit.patient_data && r->path.type && strcmp(r->path.type, "Patient") == 0)
        r->audit.patient = r->path.id;
    const char *sys, *val; /* a BSN in the query names the patient also of a refused attempt */
    if (r->audit.patient_data && srv_split_token(r->a, srv_arg(r, "identifier"), &sys, &val) == 0 &&
        strcmp(sys, SRV_BSN_SYSTEM) == 0)
        r->audit.bsn = val;
    int refused;
    enum MHD_Result ret = check_caller(r, found, &refused);
    if (refused) {
        if (r->audit.patient_data)
            srv_audit_request(r->srv->audit, r); /* a refused attempt is logged too */
        return ret;
    }
    srv_format fallback = SRV_FMT_JSON;
    srv_format body_fmt;
    if (r->body.len && srv_body_format(srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE), &body_fmt) == 0)
        fallback = body_fmt;
    /* the readable page exists for handover documents only */
    int html_ok = strcmp(found->name, "handover") == 0 ||
                  ((strcmp(found->name, "read") == 0 || strcmp(found->name, "vread") == 0) &&
                   strcmp(r->path.type, "Bundle") == 0);
    if (srv_negotiate(r->conn, fallback, html_ok, &r->fmt) != 0)
        ret = srv_fail(r, MHD_HTTP_NOT_ACCEPTABLE, "not-supported",
                       "none of the formats in _format or Accept is served here "
                       "(application/fhir+json, application/fhir+xml)",
                       "geen van de formaten in _format of Accept wordt hier geleverd");
    else if (found->access == AC_PUBLISH && r->srv->committer)
        /* the writer thread answers and logs; r is its own from here on */
        return srv_committer_submit(r->srv->committer, r, found->handler);
    else
        ret = found->handler(r);
    /* queued, not yet sent: MHD sends after this call returns */
    if (r->audit.patient_data)
        srv_audit_request(r->srv->audit, r);
    return ret;
}
