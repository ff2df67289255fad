/*
 * server.h — what the parts of handoverd share: the configuration, the
 * server's long-lived state, one request, and the helpers that answer it.
 *
 * The request lifecycle (http.c), one transition a function:
 *
 *   first MHD call ──request_start──▶ HEADERS ──(body chunk)──▶ BODY
 *        │                                  │                     │
 *        └────────── final MHD call ────────┴──request_dispatch───┘
 *                         │ (the route's handler queues exactly one response)
 *                         ▼
 *                      HANDLED ──MHD_OPTION_NOTIFY_COMPLETED──▶ request_end
 *                                   (log line, arena freed)
 *
 * Everything a request allocates lives in its arena `r->a`; handlers never
 * free. The server state (srv_server) is built by main before the daemon
 * starts and only read afterwards, except the document cache and the
 * per-thread store handles, which guard themselves.
 */
#ifndef SRV_SERVER_H
#define SRV_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

#include "fhir.h"
#include "identity.h"
#include "store.h"

/* ---- configuration (config.c) ------------------------------------------- */

typedef struct srv_config {
    char pki_dir[512];       /* ca.pem, server.pem, server.key, access.conf */
    char trust_file[512];    /* CA bundle for client certificates (default pki/ca.pem) */
    char cert_file[512];     /* server certificate chain (default pki/server.pem) */
    char key_file[512];      /* server key (default pki/server.key) */
    char access_file[512];   /* URA → role (default pki/access.conf) */
    char audit_file[512];    /* the access log (default data/audit.log) */
    char sign_key[512];      /* the key documents are signed with (default pki/server.key) */
    char sign_cert[512];     /* its certificate, carried in the signature (default pki/server.pem) */
    char data_dir[512];      /* the store: data/handover.db */
    char profile_dir[512];   /* the published profile resources (formats/profile) */
    char demo_dir[512];      /* the demo patients (fixtures/handover/valid) */
    char base_url[256];      /* absolute base for Location and fullUrl; default https://localhost:PORT/fhir */
    char bind[64];           /* listen address, default 127.0.0.1 */
    unsigned port;           /* default 8443 */
    unsigned threads;        /* worker threads, default 2 */
    unsigned max_connections;
    unsigned per_ip_connections;
    unsigned timeout_s;      /* idle/request time limit per connection */
    size_t max_body;         /* request bodies larger than this get 413 */
    unsigned review_days;    /* mgz-9 */
    unsigned cache_entries;  /* pre-rendered documents kept in memory, at most */
    unsigned cache_mb;       /* and at most this many MB of their bytes */
    int demo;                /* load the demo patients into an empty store */
} srv_config;

/* Defaults; paths relative to `source_dir` where the project keeps them. */
void srv_config_defaults(srv_config *c, const char *source_dir);
/* Reads `key = value` lines over the defaults. 0, or -1 with "FILE:LINE: why" in err. */
int srv_config_load(srv_config *c, const char *path, char *err, size_t errlen);
/* Sets one key (also used for command-line options). 0, or -1 with a reason. */
int srv_config_set(srv_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Fills the paths derived from pki_dir/port that were not set. */
void srv_config_finish(srv_config *c);

/* ---- formats (negotiate.c) ---------------------------------------------- */

/* The formats a response can take. */
typedef enum srv_format { SRV_FMT_JSON = 0, SRV_FMT_XML = 1, SRV_FMT_HTML = 2 } srv_format;
#define SRV_FMT_COUNT 2   /* the FHIR formats; HTML is only the handover's readable page */

const char *srv_format_mime(srv_format f);
fhir_format srv_format_fhir(srv_format f);
/* The response format from `_format` or Accept; `fallback` when neither
 * says; HTML only when `html_ok` (the handover documents). -1 when the
 * client accepts none we make (406). */
int srv_negotiate(struct MHD_Connection *c, srv_format fallback, int html_ok, srv_format *out);
/* The format of a request body from its Content-Type: 0, or -1 when it is
 * missing or not a FHIR format we read (415). */
int srv_body_format(const char *content_type, srv_format *out);

/* ---- the server ----------------------------------------------------------- */

/* The person acting, when the calling system says (NEN 7513: the user and
 * the role on whose behalf the organisation acts). Recorded, not trusted. */
#define SRV_BSN_SYSTEM "http://fhir.nl/fhir/NamingSystem/bsn"
#define SRV_HEADER_USER "X-User-Id"
#define SRV_HEADER_USER_ROLE "X-User-Role"

typedef struct srv_doc_cache srv_doc_cache;
typedef struct srv_audit srv_audit;
typedef struct srv_conformance srv_conformance;

/* ---- the server's own threads (worker.c) ------------------------------------ */

typedef struct srv_worker {
    pthread_mutex_t lock;   /* what the thread shares with the rest of the server */
    pthread_cond_t wake;    /* signalled for work and for the stop */
    pthread_t thread;
    int stop;               /* under lock */
} srv_worker;

/* Starts `run(arg)`; 0, or -1 when no thread could be made. */
int srv_worker_start(srv_worker *w, void *(*run)(void *), void *arg);
/* Sets stop, wakes the thread and waits for it to return. */
void srv_worker_stop(srv_worker *w);
/* With the lock held: waits for a signal, or at most `ms` milliseconds (> 0). */
void srv_worker_wait(srv_worker *w, long ms);

/* ---- request deadlines (deadline.c) --------------------------------------- */

/* A request must arrive in full within the configured timeout of its
 * connection opening or of the previous answer; a watcher thread shuts down
 * connections that are late (a client trickling bytes is never idle). */
typedef struct srv_deadlines srv_deadlines;
typedef struct srv_deadline {  /* one per connection, inside its srv_peer */
    struct srv_deadline *prev, *next;
    int fd;
    int watched;
    _Atomic long due_ms;       /* CLOCK_MONOTONIC ms; 0: the clock is stopped */
} srv_deadline;

srv_deadlines *srv_deadlines_start(unsigned timeout_s);
void srv_deadlines_stop(srv_deadlines *d);
/* A new connection: its clock starts. */
void srv_deadline_watch(srv_deadlines *d, srv_deadline *k, int fd);
/* Before the connection's socket is closed. */
void srv_deadline_forget(srv_deadlines *d, srv_deadline *k);
/* The request has arrived: it is handled and answered off the clock. */
void srv_deadline_stop_clock(srv_deadline *k);
/* The answer is done: the next request's clock starts. */
void srv_deadline_restart_clock(const srv_deadlines *d, srv_deadline *k);

/* ---- the writer thread (committer.c) ---------------------------------------- */

typedef struct srv_committer srv_committer;

typedef struct srv_server {
    const srv_config *cfg;
    srv_access *access;
    srv_doc_cache *docs;
    srv_conformance *conformance;
    srv_audit *audit;
    char audit_path[600];
    char *trust_pem, *cert_pem, *key_pem;  /* loaded once, handed to MHD */
    void *sign_key;                        /* EVP_PKEY *: signs every built document */
    char *sign_cert_pem;
    void *ticket_key;                      /* gnutls_datum_t *, session resumption */
    struct MHD_Daemon *daemon;
    srv_deadlines *deadlines;
    srv_committer *committer;              /* runs every write (committer.c) */
    _Atomic int stopping;
    _Atomic unsigned long active;          /* requests in flight */
} srv_server;

/* A store handle for the calling thread, opened on first use (store_pool.c). */
srv_store *srv_thread_store(const srv_server *s);
int srv_store_pool_open(const srv_config *c);
void srv_store_pool_close(void);

/* ---- the caller: one per TLS connection (tls.c) --------------------------- */

typedef struct srv_peer {
    int checked;
    unsigned status;         /* 0 trusted; 401/403 when not */
    const char *why;         /* English reason when status != 0 */
    const char *why_nl;
    srv_identity id;
    srv_role role;
    int resumed;             /* TLS session resumed */
    srv_deadline deadline;
} srv_peer;

/* The connection's peer as it is, without checking the certificate. */
srv_peer *srv_conn_peer(struct MHD_Connection *c);

int srv_tls_init(srv_server *s, char *err, size_t errlen);
void srv_tls_free(srv_server *s);
/* MHD_OPTION_NOTIFY_CONNECTION: allocates/free the peer, enables tickets. */
void srv_tls_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                    enum MHD_ConnectionNotificationCode code);
/* Verifies the client certificate once per connection and reads its identity. */
srv_peer *srv_tls_peer(const srv_server *s, struct MHD_Connection *c);

/* ---- one request ---------------------------------------------------------- */

typedef enum srv_method {
    SRV_GET = 1, SRV_HEAD = 2, SRV_POST = 4, SRV_PUT = 8, SRV_DELETE = 16, SRV_PATCH = 32,
    SRV_OTHER = 64
} srv_method;

/* The parts of a /fhir path the router found. */
typedef struct srv_path {
    const char *type;        /* "Patient" or NULL */
    const char *id;
    const char *op;          /* "$validate" */
    uint64_t vid;            /* _history/{vid} */
} srv_path;

typedef struct srv_request srv_request;
typedef enum MHD_Result (*srv_handler)(srv_request *r);

struct srv_request {
    const srv_server *srv;
    struct MHD_Connection *conn;
    srv_peer *peer;
    fhir_arena *a;
    srv_method method;
    const char *url;
    fhir_buf body;
    int body_too_large;
    int calls;               /* access-handler calls so far (keep-alive trap) */
    srv_path path;
    struct {                 /* what the request touched, for the access log (audit.c) */
        int patient_data;    /* the route reads or writes patient data: always logged */
        const char *patient; /* patient id */
        const char *bsn;
        const char *entity;  /* "Bundle/{id}/_history/3", "Consent/{id}/_history/2" */
    } audit;
    srv_format fmt;          /* the response format */
    const char *route;       /* route name for the log: no ids, no patient data */
    unsigned status;
    size_t bytes;
    struct timespec t0;
    int deferred;                  /* run by the committer: answers are held ... */
    struct MHD_Response *held;     /* ... here, until the write is durable */
};

/* The writer thread: started before the daemon, stopped after the last
 * request (it answers every write handed over first). */
srv_committer *srv_committer_start(srv_server *s);
void srv_committer_stop(srv_committer *c);
/* Suspends the request's connection and hands the write to the thread,
 * which runs `handler`, commits, logs the access and resumes the connection
 * with the held answer. */
enum MHD_Result srv_committer_submit(srv_committer *c, srv_request *r, srv_handler handler);

/* ---- answering (respond.c) ------------------------------------------------- */

/* Queues `resp` with `status` and releases the caller's reference. */
enum MHD_Result srv_queue(srv_request *r, unsigned status, struct MHD_Response *resp);
/* An OperationOutcome with one issue, English and Dutch. */
enum MHD_Result srv_fail(srv_request *r, unsigned status, const char *code, const char *en,
                         const char *nl);
/* The response srv_fail queues, for callers that add headers first. */
struct MHD_Response *srv_outcome_response(srv_request *r, unsigned status, const char *code,
                                          const char *en, const char *nl);
/* The outcome's issues as an OperationOutcome. */
enum MHD_Result srv_fail_outcome(srv_request *r, unsigned status, const fhir_outcome *o);
/* A resource tree in the request's format. `etag`, `last_modified` (FHIR
 * instant) and `location` may be NULL. */
enum MHD_Result srv_send_resource(srv_request *r, unsigned status, const fhir_node *res,
                                  const char *etag, const char *last_modified,
                                  const char *location);
/* A stored resource version (JSON bytes) in the request's format. */
enum MHD_Result srv_send_version(srv_request *r, unsigned status, const srv_version *v,
                                 const char *location);
/* A response for `status` whose body is `bytes` of format `f` (copied). */
struct MHD_Response *srv_bytes_response(const char *bytes, size_t len, srv_format f);
/* "Sun, 22 Nov 2026 03:00:00 GMT" from a FHIR instant; "" when not one. */
void srv_http_date(const char *instant, char out[32]);
/* Maps a store error to a status and answers it. */
enum MHD_Result srv_fail_store(srv_request *r, int store_rc);
/* Reads the request body as one resource in the format of its
 * Content-Type; NULL after answering 415, or 400 when it cannot be read at
 * all. Issues go to `o`; the caller validates. */
fhir_node *srv_read_body(srv_request *r, fhir_outcome *o, enum MHD_Result *ret);
/* A token "system|value" split into the arena; -1 unless both are non-empty. */
int srv_split_token(fhir_arena *a, const char *token, const char **system, const char **value);
/* A query parameter, or NULL. */
const char *srv_arg(srv_request *r, const char *name);
/* A request header, or NULL. */
const char *srv_header(srv_request *r, const char *name);
/* Prefer: return=… → 0 representation (default), 1 minimal, 2 OperationOutcome. */
int srv_prefer_return(srv_request *r);
/* 1 when an If-None-Match header names `etag` (or is *). */
int srv_if_none_match(srv_request *r, const char *etag);
/* `"3"` or `W/"3"` → 3; 0 when absent; -1 when malformed. */
int srv_if_match_version(const char *header, uint64_t *version);

/* ---- request log (log.c) ------------------------------------------------------ */

/* One line on stderr: ts=… level=… event=… then `fmt` (key=value pairs). */
void srv_log(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the router (router.c) and the handlers --------------------------------- */

/* Finds the route for the request, checks the caller's role and runs it. */
enum MHD_Result srv_route(srv_request *r);

enum MHD_Result srv_handle_health(srv_request *r);
enum MHD_Result srv_handle_metadata(srv_request *r);
enum MHD_Result srv_handle_transaction(srv_request *r);
enum MHD_Result srv_handle_update(srv_request *r);
enum MHD_Result srv_handle_create(srv_request *r);
enum MHD_Result srv_handle_read(srv_request *r);
enum MHD_Result srv_handle_vread(srv_request *r);
enum MHD_Result srv_handle_history(srv_request *r);
enum MHD_Result srv_handle_search(srv_request *r);
enum MHD_Result srv_handle_handover(srv_request *r);
enum MHD_Result srv_handle_validate(srv_request *r);
enum MHD_Result srv_handle_audit(srv_request *r);

/* ---- MHD glue (http.c) --------------------------------------------------------- */

int srv_http_start(srv_server *s, char *err, size_t errlen);
/* Stops accepting, lets requests in flight finish (up to `grace_s`), stops. */
void srv_http_stop(srv_server *s, unsigned grace_s);

#endif
