/*
 * tls_load.c — an HTTPS load generator for the benchmarks: mutual TLS with
 * OpenSSL, one thread per connection, HTTP/1.1 GET (or POST of generated
 * bodies), a latency histogram, and the server's CPU time per request read
 * from /proc.
 *
 * usage: tls_load --port N --ca FILE --cert FILE --key FILE [options] PATH...
 *
 *   --host ADDR          IPv4 address (default 127.0.0.1)
 *   --connections C      concurrent connections, one thread each (default 2)
 *   --seconds S          measured time (default 10); --warmup S before it (default 1)
 *   --requests N         stop the measurement after N requests instead
 *   --mode M             keepalive (default): one connection per thread, reused;
 *                        new: a new TCP + TLS connection per request, full handshake;
 *                        resume: a new connection per request, resuming the
 *                        previous connection's TLS session (ticket or session id)
 *   --tls V              1.2, 1.3 or any (default any: TLS 1.2 and 1.3 offered)
 *   --groups LIST        key-exchange groups the client offers, e.g. P-256:X25519
 *                        (default OpenSSL's, X25519 first)
 *   --header "K: V"      an extra request header (repeatable)
 *   --paths FILE         request paths, one a line; each request takes a random one
 *                        of these and the PATH arguments
 *   --method POST        POST instead of GET; --body FILE (repeatable) or
 *                        --bodies LISTFILE give body templates, taken in turn,
 *                        in which @@SEQ@@ becomes a 7-digit request number
 *                        (--seq-start, default 0) and @@BSN@@ a BSN derived
 *                        from it that passes the 11-check; --content-type T
 *   --expect-status N    the status every answer must have (default 200)
 *   --expect-length N    and its body length
 *   --server-pid PID     a server process (repeatable); its children count too:
 *                        CPU time per request and RSS are read from /proc
 *
 * Every response must carry Content-Length or be chunked; a status or length
 * that differs from the expected one counts as an error. Latency is from
 * sending the request (keepalive) or from connect() (new, resume) to the last
 * byte of the body. The last line is machine-readable:
 *   RESULT rps=… p50_us=… p90_us=… p99_us=… max_us=… requests=… errors=…
 *          resumed_pct=… server_cpu_us=… server_rss_kb=… client_cpu_us=…
 * Exit status 0 when no request failed, 1 when some did, 2 on usage or setup errors.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "synthetic_bsn.h"

#define MAX_HEADERS 16
#define MAX_PIDS 16
#define RBUF (256 * 1024)

/* ---- options ------------------------------------------------------------- */

static const char *host = "127.0.0.1";
static int port;
static const char *ca_file, *cert_file, *key_file;
static int connections = 2;
static double seconds = 10, warmup = 1;
static unsigned long max_requests;
static enum { KEEPALIVE, NEWCONN, RESUME } mode = KEEPALIVE;
static const char *mode_name = "keepalive";
static const char *tls_version = "any";
static const char *groups;
static const char *headers[MAX_HEADERS];
static int nheaders;
static const char *method = "GET";
static const char *content_type = "application/fhir+json";
static int expect_status = 200;
static long expect_length = -1;
static long server_pids[MAX_PIDS];
static int nserver_pids;
static unsigned long seq_start;

static char **paths;
static size_t npaths;

/* a body template cut at its tokens */
typedef struct piece {
    const char *text;
    size_t len;
    int token;                /* after the text: 0 none, 1 @@SEQ@@, 2 @@BSN@@ */
} piece;
typedef struct tmpl {
    piece *p;
    size_t n;
} tmpl;
static tmpl *bodies;
static size_t nbodies;

/* ---- shared state ---------------------------------------------------------- */

static SSL_CTX *ctx;
static _Atomic int phase;            /* 0 warm-up, 1 measuring, 2 stop */
static _Atomic unsigned long next_seq;
static _Atomic unsigned long measured; /* requests completed while measuring */

/* Latency histogram in microseconds: 64 linear sub-buckets per power of two
 * (under 1.6 % error), up to about 2^36 us. */
#define SUB 64
#define POW 37
typedef struct hist {
    uint64_t c[POW][SUB];
    uint64_t n, max;
} hist;

static void hist_add(hist *h, uint64_t us)
{
    unsigned p = 0;
    uint64_t sub = us;
    if (us >= SUB) { /* bucket p >= 1 holds [SUB << (p-1), SUB << p) in steps of 1 << (p-1) */
        p = 1;
        while ((us >> (p - 1)) >= 2 * SUB && p < POW - 1)
            p++;
        sub = (us >> (p - 1)) - SUB;
        if (sub >= SUB)
            sub = SUB - 1;
    }
    h->c[p][sub]++;
    h->n++;
    if (us > h->max)
        h->max = us;
}

/* The lower edge of a bucket, in microseconds. */
static uint64_t hist_value(unsigned p, unsigned sub)
{
    if (p == 0)
        return sub;
    return ((uint64_t)SUB + sub) << (p - 1);
}

static uint64_t hist_quantile(const hist *h, double q)
{
    if (!h->n)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->n);
    if (want >= h->n)
        want = h->n - 1;
    uint64_t seen = 0;
    for (unsigned p = 0; p < POW; p++)
        for (unsigned s = 0; s < SUB; s++) {
            seen += h->c[p][s];
            if (seen > want) {
                /* the middle of the bucket, never past the largest value seen */
                uint64_t lo = hist_value(p, s);
                uint64_t width = p == 0 ? 1 : (uint64_t)1 << (p - 1);
                return lo + width / 2 < h->max ? lo + width / 2 : h->max;
            }
        }
    return h->max;
}

typedef struct worker {
    pthread_t thread;
    int index;
    hist h;
    unsigned long requests, errors, reconnects, handshakes, resumed;
    uint64_t rng;
    SSL_SESSION *session;     /* resume mode: the last session the server gave */
    char first_error[200];
    char protocol[16], cipher[64], group[32];
    int server_hellos;        /* of the first connection: 2 means HelloRetryRequest */
    int count_hellos;
    char *rbuf;
    char *body;
    size_t body_cap;
} worker;

static worker *workers;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail_note(worker *w, const char *fmt, const char *detail)
{
    if (!w->first_error[0])
        snprintf(w->first_error, sizeof w->first_error, fmt, detail ? detail : "");
}

static const char *memmem_portable(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* ---- /proc ----------------------------------------------------------------- */

/* utime+stime in clock ticks of pid; -1 when unreadable. *ppid set. */
static long long proc_cpu(long pid, long *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* fields from 3 on: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    char state;
    long pp;
    unsigned long long ut, st;
    if (sscanf(p + 2, "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &state, &pp, &ut,
               &st) != 4)
        return -1;
    if (ppid)
        *ppid = pp;
    return (long long)(ut + st);
}

static long proc_rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    fclose(f);
    return kb;
}

/* The given server processes and their children: CPU ticks and RSS. */
static void servers_sample(long long *ticks, long *rss_kb)
{
    *ticks = 0;
    *rss_kb = 0;
    if (!nserver_pids)
        return;
    for (int i = 0; i < nserver_pids; i++) {
        long long t = proc_cpu(server_pids[i], NULL);
        if (t > 0)
            *ticks += t;
        *rss_kb += proc_rss_kb(server_pids[i]);
    }
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        long ppid = 0;
        long long t = proc_cpu(pid, &ppid);
        for (int i = 0; i < nserver_pids; i++)
            if (t >= 0 && ppid == server_pids[i]) {
                *ticks += t;
                *rss_kb += proc_rss_kb(pid);
            }
    }
    if (d)
        closedir(d);
}

/* ---- TLS ------------------------------------------------------------------- */

static int new_session(SSL *ssl, SSL_SESSION *s)
{
    worker *w = SSL_get_app_data(ssl);
    if (!w || mode != RESUME)
        return 0;
    if (w->session)
        SSL_SESSION_free(w->session);
    w->session = s;
    return 1; /* we keep the reference */
}

static void msg_cb(int write_p, int version, int content_type_, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    (void)arg;
    worker *w = SSL_get_app_data(ssl);
    if (w && w->count_hellos && !write_p && content_type_ == SSL3_RT_HANDSHAKE && len > 0 &&
        ((const unsigned char *)buf)[0] == SSL3_MT_SERVER_HELLO)
        w->server_hellos++;
}

static int setup_tls(void)
{
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return -1;
    int minv = TLS1_2_VERSION, maxv = TLS1_3_VERSION;
    if (strcmp(tls_version, "1.2") == 0)
        maxv = TLS1_2_VERSION;
    else if (strcmp(tls_version, "1.3") == 0)
        minv = TLS1_3_VERSION;
    else if (strcmp(tls_version, "any") != 0) {
        fprintf(stderr, "tls_load: --tls takes 1.2, 1.3 or any\n");
        return -1;
    }
    SSL_CTX_set_min_proto_version(ctx, minv);
    SSL_CTX_set_max_proto_version(ctx, maxv);
    if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_print_errors_fp(stderr);
        return -1;
    }
    if (groups && SSL_CTX_set1_groups_list(ctx, groups) != 1) {
        fprintf(stderr, "tls_load: unknown groups: %s\n", groups);
        return -1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (mode == RESUME) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    }
    SSL_CTX_set_msg_callback(ctx, msg_cb);
    return 0;
}

typedef struct conn {
    int fd;
    SSL *ssl;
    unsigned long served;     /* requests answered on it */
} conn;

static void conn_close(conn *c, int polite)
{
    if (c->ssl) {
        if (polite)
            SSL_shutdown(c->ssl); /* close_notify; we do not wait for the server's */
        SSL_free(c->ssl);
    }
    if (c->fd >= 0)
        close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
    c->served = 0;
}

static int conn_open(worker *w, conn *c)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &a.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) {
        fail_note(w, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fail_note(w, "connect: %s", strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->ssl = SSL_new(ctx);
    if (!c->ssl) {
        conn_close(c, 0);
        return -1;
    }
    SSL_set_app_data(c->ssl, w);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    SSL_set1_host(c->ssl, "localhost");
    if (mode == RESUME && w->session)
        SSL_set_session(c->ssl, w->session);
    w->count_hellos = !w->protocol[0];
    if (SSL_connect(c->ssl) != 1) {
        unsigned long e = ERR_get_error();
        char msg[160];
        ERR_error_string_n(e, msg, sizeof msg);
        fail_note(w, "handshake: %s", msg);
        ERR_clear_error();
        conn_close(c, 0);
        return -1;
    }
    w->handshakes++;
    if (SSL_session_reused(c->ssl))
        w->resumed++;
    if (!w->protocol[0]) {
        snprintf(w->protocol, sizeof w->protocol, "%s", SSL_get_version(c->ssl));
        snprintf(w->cipher, sizeof w->cipher, "%s", SSL_get_cipher_name(c->ssl));
        int nid = SSL_get_negotiated_group(c->ssl);
        const char *g = nid ? OBJ_nid2sn(nid) : NULL;
        snprintf(w->group, sizeof w->group, "%s", g ? g : "-");
        w->count_hellos = 0;
    }
    c->served = 0;
    return 0;
}

/* ---- HTTP ------------------------------------------------------------------ */

static int write_all(conn *c, const char *p, size_t n)
{
    while (n > 0) {
        int w = SSL_write(c->ssl, p, n > (1u << 30) ? 1 << 30 : (int)n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "tls_load: out of memory\n");
        exit(2);
    }
    return q;
}

/* The request body for this request (POST), in w->body. */
static size_t make_body(worker *w, unsigned long seq)
{
    const tmpl *t = &bodies[seq % nbodies];
    char s7[16], bsn[10];
    snprintf(s7, sizeof s7, "%07lu", seq % 10000000UL);
    srv_synthetic_bsn(seq, bsn);
    size_t len = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t need = len + t->p[i].len + 16;
        if (need > w->body_cap) {
            w->body_cap = need * 2;
            w->body = xrealloc(w->body, w->body_cap);
        }
        memcpy(w->body + len, t->p[i].text, t->p[i].len);
        len += t->p[i].len;
        const char *tok = t->p[i].token == 1 ? s7 : t->p[i].token == 2 ? bsn : "";
        memcpy(w->body + len, tok, strlen(tok));
        len += strlen(tok);
    }
    return len;
}

static uint64_t next_rand(worker *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return w->rng = x;
}

static const char *pick_path(worker *w)
{
    if (npaths == 1)
        return paths[0];
    if (paths && npaths > 0 && w)
        return paths[next_rand(w) % npaths];
    return paths[0];
}

/* The bytes of one response as they arrive: buf[pos, have) not yet consumed. */
typedef struct reader {
    conn *c;
    char *buf;
    size_t pos, have;
} reader;

/* Reads more bytes (moving what is left to the front when the buffer is
 * full); bytes read, 0 on EOF, -1 on error. */
static int fill(reader *r)
{
    if (r->have >= RBUF - 1) {
        if (r->pos == 0)
            return -1;
        memmove(r->buf, r->buf + r->pos, r->have - r->pos);
        r->have -= r->pos;
        r->pos = 0;
    }
    int n = SSL_read(r->c->ssl, r->buf + r->have, (int)(RBUF - 1 - r->have));
    if (n <= 0) {
        int e = SSL_get_error(r->c->ssl, n);
        ERR_clear_error();
        return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }
    r->have += (size_t)n;
    return n;
}

/* Consumes n bytes. */
static int skip(reader *r, size_t n)
{
    while (n > 0) {
        if (r->pos == r->have) {
            r->pos = r->have = 0;
            if (fill(r) <= 0)
                return -1;
        }
        size_t take = r->have - r->pos < n ? r->have - r->pos : n;
        r->pos += take;
        n -= take;
    }
    return 0;
}

/* Consumes one CRLF-terminated line into out (truncated, NUL-terminated). */
static int read_line(reader *r, char *out, size_t cap)
{
    const char *eol;
    while (!(eol = memmem_portable(r->buf + r->pos, r->have - r->pos, "\r\n", 2)))
        if (fill(r) <= 0)
            return -1;
    size_t n = (size_t)(eol - (r->buf + r->pos));
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), r->buf + r->pos);
    r->pos += n + 2;
    return 0;
}

/* One request and its response. 0 ok; -1 transport error before any byte
 * of the response (a reused connection the server closed: retry); -2
 * transport error later; 1 HTTP answer not as expected. *close_after set
 * when the server said Connection: close. */
static int exchange(worker *w, conn *c, int *close_after, char *why, size_t whylen)
{
    char head[2048];
    const char *path = pick_path(w);
    size_t blen = 0;
    if (strcmp(method, "POST") == 0)
        blen = make_body(w, atomic_fetch_add(&next_seq, 1));
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
    for (int i = 0; i < nheaders && n < (int)sizeof head; i++)
        n += snprintf(head + n, sizeof head - (size_t)n, "%s\r\n", headers[i]);
    if (blen && n < (int)sizeof head)
        n += snprintf(head + n, sizeof head - (size_t)n,
                      "Content-Type: %s\r\nContent-Length: %zu\r\n", content_type, blen);
    if (mode != KEEPALIVE && n < (int)sizeof head)
        n += snprintf(head + n, sizeof head - (size_t)n, "Connection: close\r\n");
    if (n >= (int)sizeof head - 3) {
        snprintf(why, whylen, "request head too long");
        return -2;
    }
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    if (write_all(c, head, (size_t)n) != 0 || (blen && write_all(c, w->body, blen) != 0)) {
        snprintf(why, whylen, "write failed");
        return c->served ? -1 : -2;
    }
    reader rd = {c, w->rbuf, 0, 0};
    const char *end = NULL;
    while (!(end = memmem_portable(rd.buf, rd.have, "\r\n\r\n", 4))) {
        int r = fill(&rd);
        if (r <= 0) {
            snprintf(why, whylen, r == 0 ? "connection closed" : "read failed");
            return rd.have == 0 && c->served ? -1 : -2;
        }
    }
    rd.buf[rd.have] = '\0';
    int status = 0;
    if (sscanf(rd.buf, "HTTP/1.%*d %d", &status) != 1) {
        snprintf(why, whylen, "not an HTTP response");
        return -2;
    }
    long clen = -1;
    int chunked = 0;
    *close_after = 0;
    for (const char *line = strstr(rd.buf, "\r\n"); line && line < end;
         line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2, *eol = strstr(h, "\r\n");
        if (strncasecmp(h, "Content-Length:", 15) == 0)
            clen = atol(h + 15);
        else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0 && strstr(h, "chunked") &&
                 strstr(h, "chunked") < eol)
            chunked = 1;
        else if (strncasecmp(h, "Connection:", 11) == 0) {
            const char *v = h + 11;
            while (*v == ' ')
                v++;
            if (strncasecmp(v, "close", 5) == 0)
                *close_after = 1;
        }
    }
    rd.pos = (size_t)(end - rd.buf) + 4;
    long body = 0;
    if (chunked) {
        for (;;) {
            char line[64];
            if (read_line(&rd, line, sizeof line) != 0) {
                snprintf(why, whylen, "chunked body cut short");
                return -2;
            }
            long size = strtol(line, NULL, 16);
            if (size < 0 || skip(&rd, (size_t)size) != 0 || read_line(&rd, line, sizeof line) != 0) {
                snprintf(why, whylen, "chunked body cut short");
                return -2;
            }
            body += size;
            if (size == 0)
                break; /* no trailers expected: the empty line was read */
        }
    } else if (clen >= 0) {
        if (skip(&rd, (size_t)clen) != 0) {
            snprintf(why, whylen, "body cut short");
            return -2;
        }
        body = clen;
        if (rd.have > rd.pos) {
            snprintf(why, whylen, "more bytes than Content-Length");
            return -2;
        }
    } else {
        snprintf(why, whylen, "neither Content-Length nor chunked");
        return -2;
    }
    c->served++;
    if (status != expect_status) {
        snprintf(why, whylen, "status %d", status);
        return 1;
    }
    if (expect_length >= 0 && body != expect_length) {
        snprintf(why, whylen, "body of %ld bytes", body);
        return 1;
    }
    return 0;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    conn c = {.fd = -1};
    char why[160];
    w->rbuf = xrealloc(NULL, RBUF);
    while (atomic_load(&phase) < 2) {
        double t_conn = now_s();
        if (c.fd < 0 && conn_open(w, &c) != 0) {
            if (atomic_load(&phase) == 1)
                w->errors++;
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
            continue;
        }
        double t0 = mode == KEEPALIVE ? now_s() : t_conn;
        int close_after = 0;
        int rc = exchange(w, &c, &close_after, why, sizeof why);
        if (rc == -1) { /* the server closed an idle or used-up keep-alive connection */
            conn_close(&c, 0);
            w->reconnects++;
            continue;
        }
        double t1 = now_s();
        int measuring = atomic_load(&phase) == 1;
        if (measuring) {
            if (rc == 0) {
                w->requests++;
                hist_add(&w->h, (uint64_t)((t1 - t0) * 1e6));
                unsigned long m = atomic_fetch_add(&measured, 1) + 1;
                if (max_requests && m >= max_requests)
                    atomic_store(&phase, 2);
            } else {
                w->errors++;
                fail_note(w, "%s", why);
            }
        }
        if (rc < 0 || close_after || mode != KEEPALIVE)
            conn_close(&c, rc >= 0);
    }
    conn_close(&c, 1);
    free(w->rbuf);
    return NULL;
}

/* ---- set-up ------------------------------------------------------------- */

static char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = xrealloc(NULL, cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0)
            b = xrealloc(b, cap *= 2);
    }
    fclose(f);
    b[n] = '\0';
    *len = n;
    return b;
}

static int add_body(const char *path)
{
    size_t len;
    char *text = slurp_file(path, &len);
    if (!text) {
        fprintf(stderr, "tls_load: cannot read %s\n", path);
        return -1;
    }
    tmpl t = {0};
    size_t cap = 8;
    t.p = xrealloc(NULL, cap * sizeof *t.p);
    const char *p = text, *stop = text + len;
    for (;;) {
        const char *seq = memmem_portable(p, (size_t)(stop - p), "@@SEQ@@", 7);
        const char *bsn = memmem_portable(p, (size_t)(stop - p), "@@BSN@@", 7);
        const char *tok = seq && (!bsn || seq < bsn) ? seq : bsn;
        if (t.n + 1 >= cap)
            t.p = xrealloc(t.p, (cap *= 2) * sizeof *t.p);
        if (!tok) {
            t.p[t.n++] = (piece){p, (size_t)(stop - p), 0};
            break;
        }
        t.p[t.n++] = (piece){p, (size_t)(tok - p), tok == seq ? 1 : 2};
        p = tok + 7;
    }
    bodies = xrealloc(bodies, (nbodies + 1) * sizeof *bodies);
    bodies[nbodies++] = t;
    return 0;
}

static int add_lines(const char *listfile, int as_bodies)
{
    FILE *f = fopen(listfile, "r");
    if (!f) {
        fprintf(stderr, "tls_load: cannot read %s\n", listfile);
        return -1;
    }
    char line[4096];
    size_t cap = npaths ? npaths : 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (as_bodies) {
            if (add_body(line) != 0) {
                fclose(f);
                return -1;
            }
            continue;
        }
        if (npaths == cap)
            paths = xrealloc(paths, (cap = cap ? cap * 2 : 1024) * sizeof *paths);
        paths[npaths++] = strdup(line);
    }
    fclose(f);
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: tls_load --port N --ca FILE --cert FILE --key FILE [--host ADDR]\n"
            "                [--connections C] [--seconds S] [--warmup S] [--requests N]\n"
            "                [--mode keepalive|new|resume] [--tls 1.2|1.3|any] [--groups LIST]\n"
            "                [--header 'K: V']... [--paths FILE] [--method GET|POST]\n"
            "                [--body FILE]... [--bodies LISTFILE] [--seq-start N] [--content-type T]\n"
            "                [--expect-status N] [--expect-length N] [--server-pid PID]... [PATH...]\n");
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && ++i)
        if (OPT("--host"))
            host = v;
        else if (OPT("--port"))
            port = atoi(v);
        else if (OPT("--ca"))
            ca_file = v;
        else if (OPT("--cert"))
            cert_file = v;
        else if (OPT("--key"))
            key_file = v;
        else if (OPT("--connections"))
            connections = atoi(v);
        else if (OPT("--seconds"))
            seconds = atof(v);
        else if (OPT("--warmup"))
            warmup = atof(v);
        else if (OPT("--requests"))
            max_requests = strtoul(v, NULL, 10);
        else if (OPT("--mode")) {
            mode_name = v;
            if (strcmp(v, "keepalive") == 0)
                mode = KEEPALIVE;
            else if (strcmp(v, "new") == 0)
                mode = NEWCONN;
            else if (strcmp(v, "resume") == 0)
                mode = RESUME;
            else {
                usage();
                return 2;
            }
        } else if (OPT("--tls"))
            tls_version = v;
        else if (OPT("--groups"))
            groups = v;
        else if (OPT("--header")) {
            if (nheaders < MAX_HEADERS)
                headers[nheaders++] = v;
        } else if (OPT("--paths")) {
            if (add_lines(v, 0) != 0)
                return 2;
        } else if (OPT("--method"))
            method = v;
        else if (OPT("--body")) {
            if (add_body(v) != 0)
                return 2;
        } else if (OPT("--bodies")) {
            if (add_lines(v, 1) != 0)
                return 2;
        } else if (OPT("--seq-start"))
            seq_start = strtoul(v, NULL, 10);
        else if (OPT("--content-type"))
            content_type = v;
        else if (OPT("--expect-status"))
            expect_status = atoi(v);
        else if (OPT("--expect-length"))
            expect_length = atol(v);
        else if (OPT("--server-pid")) {
            if (nserver_pids < MAX_PIDS)
                server_pids[nserver_pids++] = atol(v);
        } else if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        } else if (a[0] == '/') {
            paths = xrealloc(paths, (npaths + 1) * sizeof *paths);
            paths[npaths++] = strdup(a);
        } else {
            fprintf(stderr, "tls_load: unexpected '%s'\n", a);
            usage();
            return 2;
        }
#undef OPT
    }
    if (!port || !ca_file || !cert_file || !key_file || !npaths || connections < 1 ||
        connections > 256 || (strcmp(method, "POST") == 0 && !nbodies)) {
        usage();
        return 2;
    }
    if (setup_tls() != 0)
        return 2;
    atomic_store(&next_seq, seq_start);
    workers = calloc((size_t)connections, sizeof *workers);
    if (!workers)
        return 2;
    for (int i = 0; i < connections; i++) {
        workers[i].index = i;
        workers[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1) ^ (uint64_t)time(NULL);
        if (pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]) != 0) {
            fprintf(stderr, "tls_load: cannot start a thread\n");
            return 2;
        }
    }
    nanosleep(&(struct timespec){(time_t)warmup, (long)((warmup - (time_t)warmup) * 1e9)}, NULL);
    long long cpu0, cpu1;
    long rss0, rss1;
    struct rusage ru0, ru1;
    servers_sample(&cpu0, &rss0);
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now_s();
    atomic_store(&phase, 1);
    while (atomic_load(&phase) == 1 && now_s() - t0 < seconds)
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    double elapsed = now_s() - t0;
    servers_sample(&cpu1, &rss1);
    getrusage(RUSAGE_SELF, &ru1);
    atomic_store(&phase, 2);
    for (int i = 0; i < connections; i++)
        pthread_join(workers[i].thread, NULL);

    hist all;
    memset(&all, 0, sizeof all);
    unsigned long requests = 0, errors = 0, reconnects = 0, handshakes = 0, resumed = 0;
    const char *first_error = NULL;
    for (int i = 0; i < connections; i++) {
        worker *w = &workers[i];
        for (unsigned p = 0; p < POW; p++)
            for (unsigned s = 0; s < SUB; s++)
                all.c[p][s] += w->h.c[p][s];
        all.n += w->h.n;
        if (w->h.max > all.max)
            all.max = w->h.max;
        requests += w->requests;
        errors += w->errors;
        reconnects += w->reconnects;
        handshakes += w->handshakes;
        resumed += w->resumed;
        if (!first_error && w->first_error[0])
            first_error = w->first_error;
        if (w->session)
            SSL_SESSION_free(w->session);
    }
    double rps = requests / elapsed;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    double server_cpu_us = requests && nserver_pids ? (double)(cpu1 - cpu0) / ticks * 1e6 / requests : 0;
    double client_cpu_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                          (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                          (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
                          (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    double client_cpu_us = requests ? client_cpu_s * 1e6 / requests : 0;
    double resumed_pct = handshakes ? 100.0 * resumed / handshakes : 0;
    printf("%s %s, %d connection(s), %.1f s: %s %s, group %s%s\n", method, mode_name, connections,
           elapsed, workers[0].protocol[0] ? workers[0].protocol : "-", workers[0].cipher,
           workers[0].group, workers[0].server_hellos > 1 ? " (after a HelloRetryRequest)" : "");
    printf("requests %lu (%.0f/s), errors %lu, reconnects %lu, handshakes %lu (%.0f%% resumed)\n",
           requests, rps, errors, reconnects, handshakes, resumed_pct);
    printf("latency us: p50 %llu, p90 %llu, p99 %llu, max %llu\n",
           (unsigned long long)hist_quantile(&all, 0.50), (unsigned long long)hist_quantile(&all, 0.90),
           (unsigned long long)hist_quantile(&all, 0.99), (unsigned long long)all.max);
    if (nserver_pids)
        printf("server: %.1f us CPU per request, RSS %ld kB; load generator: %.1f us CPU per request\n",
               server_cpu_us, rss1, client_cpu_us);
    if (first_error)
        printf("first error: %s\n", first_error);
    printf("RESULT rps=%.1f p50_us=%llu p90_us=%llu p99_us=%llu max_us=%llu requests=%lu errors=%lu "
           "resumed_pct=%.0f server_cpu_us=%.1f server_rss_kb=%ld client_cpu_us=%.1f hrr=%d "
           "protocol=%s cipher=%s group=%s\n",
           rps, (unsigned long long)hist_quantile(&all, 0.50),
           (unsigned long long)hist_quantile(&all, 0.90), (unsigned long long)hist_quantile(&all, 0.99),
           (unsigned long long)all.max, requests, errors, resumed_pct, server_cpu_us, rss1,
           client_cpu_us, workers[0].server_hellos > 1, workers[0].protocol[0] ? workers[0].protocol : "-",
           workers[0].cipher[0] ? workers[0].cipher : "-", workers[0].group[0] ? workers[0].group : "-");
    SSL_CTX_free(ctx);
    return errors ? 1 : 0;
}
