/*
 * http.c — libmicrohttpd glue: starting the HTTPS daemon, the request
 * lifecycle drawn in server.h, and a graceful stop.
 *
 * Keep-alive: MHD answers `Connection: close` when a response is queued on
 * the access handler's first call for a request, so the first call only
 * sets the request up and every answer is queued on a later call.
 * Bodies are collected into a buffer created with the 413 limit; a body
 * that passes it is dropped as it arrives and answered with 413 at the end.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define SRV__ARENA_LIMIT (256u * 1024 * 1024) /* one request's memory, body trees included */

static srv_method method_of(const char *m)
{
    static const struct {
        const char *name;
        srv_method m;
    } known[] = {{"GET", SRV_GET},       {"HEAD", SRV_HEAD},   {"POST", SRV_POST},
                 {"PUT", SRV_PUT},       {"DELETE", SRV_DELETE}, {"PATCH", SRV_PATCH}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].name, m) == 0)
            return known[i].m;
    return SRV_OTHER;
}

/* First call: the request, its arena and body buffer. NULL when out of memory. */
static srv_request *request_start(srv_server *s, struct MHD_Connection *c, const char *url,
                                  const char *method)
{
    fhir_arena *a = fhir_arena_new(SRV__ARENA_LIMIT);
    srv_request *r = a ? fhir_arena_zalloc(a, sizeof *r) : NULL;
    if (!r) {
        fhir_arena_free(a);
        return NULL;
    }
    r->a = a;
    r->srv = s;
    r->conn = c;
    r->method = method_of(method);
    r->url = fhir_arena_strdup(a, url);
    r->route = "unknown";
    fhir_buf_init(&r->body, s->cfg->max_body);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    atomic_fetch_add(&s->active, 1);
    return r;
}

/* A body chunk: kept while it fits under the limit. */
static void request_body(srv_request *r, const char *data, size_t n)
{
    if (r->body_too_large)
        return;
    if (fhir_buf_add(&r->body, data, n) != 0) {
        r->body_too_large = 1;
        fhir_buf_free(&r->body);
    }
}

/* Header lines and request targets past these get a FHIR 431/414 of ours; a
 * request that does not fit MHD's memory pool (SRV__CONN_POOL, about half of
 * it for the request) meets MHD's own answer. The pool is not larger because
 * MHD clears it for every request on a keep-alive connection: at 256 KB that
 * was 5 % of a handover read's CPU. */
#define SRV__MAX_HEADER_BYTES (16u * 1024)
#define SRV__MAX_HEADERS 100u
#define SRV__MAX_TARGET_BYTES (8u * 1024)
#define SRV__CONN_POOL ((size_t)64 * 1024)

typedef struct sizes {
    size_t bytes;
    unsigned count;
} sizes;

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    sizes *z = cls;
    z->bytes += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    z->count++;
    return MHD_YES;
}

/* 1 when the headers or the request target pass this server's limits; the
 * answer is then queued. */
static int refuse_oversized(srv_request *r)
{
    sizes h = {0, 0}, q = {strlen(r->url), 0};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, add_size, &h);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_size, &q);
    if (q.bytes > SRV__MAX_TARGET_BYTES) {
        srv_fail(r, MHD_HTTP_URI_TOO_LONG, "too-long",
                 "the request target (path and query) is longer than 8 KB",
                 "het adres van het verzoek (pad en query) is langer dan 8 KB");
        return 1;
    }
    if (h.bytes > SRV__MAX_HEADER_BYTES || h.count > SRV__MAX_HEADERS) {
        srv_fail(r, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "too-long",
                 "the request headers are larger than 16 KB or more than 100",
                 "de kopregels van het verzoek zijn groter dan 16 KB of meer dan 100");
        return 1;
    }
    return 0;
}

/* The final call: every error that needs no route first, then the router.
 * The request has arrived: its deadline clock stops. */
static enum MHD_Result request_dispatch(srv_request *r)
{
    srv_peer *p = srv_conn_peer(r->conn);
    if (p)
        srv_deadline_stop_clock(&p->deadline);
    r->fmt = SRV_FMT_JSON;
    if (r->body_too_large)
        return srv_fail(r, MHD_HTTP_CONTENT_TOO_LARGE, "too-costly",
                        "the request body is larger than this server accepts",
                        "de inhoud van het verzoek is groter dan deze server aanneemt");
    return srv_route(r);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    (void)version;
    srv_server *s = cls;
    srv_request *r = *req_cls;
    if (!r) {
        r = request_start(s, c, url, method);
        if (!r)
            return MHD_NO; /* out of memory: MHD closes the connection */
        *req_cls = r;
        r->calls = 1;
        r->fmt = SRV_FMT_JSON;
        if (refuse_oversized(r))
            return MHD_YES; /* answered, and the connection closes after it */
        /* refuse an announced oversized body before it is sent */
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > s->cfg->max_body) {
            r->body_too_large = 1;
            const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_EXPECT);
            /* a client waiting for 100 Continue gets the 413 instead, before it sends; one
             * already sending is read to the end (dropped) and answered then, since a
             * close under its feet would lose the answer */
            if (expect && strstr(expect, "100-continue"))
                return request_dispatch(r);
        }
        return MHD_YES;
    }
    r->calls++;
    if (r->deferred) { /* resumed by the committer: its answer, now durable */
        struct MHD_Response *resp = r->held;
        r->held = NULL;
        r->deferred = 0;
        if (!resp)
            return MHD_NO;
        enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    if (*upload_data_size > 0) {
        request_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES; /* already answered */
    return request_dispatch(r);
}

/* MHD_OPTION_NOTIFY_COMPLETED: the log line, then the arena goes. */
static void request_end(void *cls, struct MHD_Connection *c, void **req_cls,
                        enum MHD_RequestTerminationCode toe)
{
    srv_server *s = cls;
    srv_peer *p = srv_conn_peer(c);
    if (p && s->deadlines)
        srv_deadline_restart_clock(s->deadlines, &p->deadline);
    srv_request *r = *req_cls;
    if (!r)
        return;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long us = (long)(t1.tv_sec - r->t0.tv_sec) * 1000000L + (t1.tv_nsec - r->t0.tv_nsec) / 1000;
    p = r->peer;
    srv_log(toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "info" : "warn", "request",
            "method=%s route=%s status=%u us=%ld org=%s role=%s tls=%s%s",
            r->method == SRV_GET ? "GET" : r->method == SRV_POST ? "POST"
            : r->method == SRV_PUT ? "PUT" : r->method == SRV_HEAD ? "HEAD" : "other",
            r->route, r->status, us, p && p->checked && p->id.ura[0] ? p->id.ura : "-",
            p && p->checked && !p->status ? srv_role_name(p->role) : "-",
            p && p->resumed ? "resumed" : "full",
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " outcome=aborted");
    fhir_buf_free(&r->body);
    if (r->held) /* closed before the held answer went out */
        MHD_destroy_response(r->held);
    atomic_fetch_sub(&s->active, 1);
    fhir_arena_free(r->a);
    *req_cls = NULL;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %XX decoding of the path and query, except %00: a NUL would cut an id or
 * a search value short, so it stays "%00" and fails the id and value checks. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *p = s; *p; p++) {
        int h1, h2;
        if (p[0] == '%' && (h1 = hex_value(p[1])) >= 0 && (h2 = hex_value(p[2])) >= 0) {
            int v = h1 * 16 + h2;
            if (v != 0) {
                *w++ = (char)v;
                p += 2;
                continue;
            }
        }
        *w++ = *p;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    /* MHD's own messages (handshake failures, limits): no request data in them */
    srv_log("warn", "http", "message=\"%s\"", msg);
}

int srv_http_start(srv_server *s, char *err, size_t errlen)
{
    const srv_config *c = s->cfg;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)c->port);
    if (inet_pton(AF_INET, c->bind, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "bind: not an IPv4 address: %s", c->bind);
        return -1;
    }
    /* poll, not epoll: MHD 0.9.75 busy-polls a TLS handshake in epoll mode
     * (epoll_wait with timeout 0 until the client's next flight arrives) */
    s->deadlines = srv_deadlines_start(c->timeout_s);
    if (!s->deadlines) {
        snprintf(err, errlen, "cannot start the request deadline watcher");
        return -1;
    }
    s->committer = srv_committer_start(s);
    if (!s->committer) {
        srv_deadlines_stop(s->deadlines);
        s->deadlines = NULL;
        snprintf(err, errlen, "cannot start the writer thread");
        return -1;
    }
    unsigned flags = MHD_USE_TLS | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, access_handler, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
        MHD_OPTION_HTTPS_MEM_TRUST, s->trust_pem,
        /* TLS 1.2 and 1.3 only; X25519 first, which clients offer in their first flight
         * (P-256 first costs every TLS 1.3 handshake a HelloRetryRequest round trip) */
        MHD_OPTION_HTTPS_PRIORITIES,
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:"
        "+GROUP-SECP384R1:%SERVER_PRECEDENCE",
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)c->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, SRV__CONN_POOL,
        MHD_OPTION_NOTIFY_CONNECTION, srv_tls_notify, s,
        MHD_OPTION_NOTIFY_COMPLETED, request_end, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_END);
    if (!s->daemon) {
        srv_committer_stop(s->committer);
        s->committer = NULL;
        srv_deadlines_stop(s->deadlines);
        s->deadlines = NULL;
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or the TLS files are not usable)",
                 c->bind, c->port);
        return -1;
    }
    return 0;
}

void srv_http_stop(srv_server *s, unsigned grace_s)
{
    if (!s->daemon)
        return;
    s->stopping = 1;
    MHD_quiesce_daemon(s->daemon); /* no new connections; open ones go on */
    for (unsigned i = 0; i < grace_s * 10; i++) {
        if (atomic_load(&s->active) == 0)
            break;
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    srv_committer_stop(s->committer); /* answers (resumes) every write handed over */
    s->committer = NULL;
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    srv_deadlines_stop(s->deadlines); /* every connection has been forgotten by now */
    s->deadlines = NULL;
}
