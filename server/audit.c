/*
 * audit.c — the hash-chained access log (audit.h).
 *
 * Line format, keys always in this order, values printable ASCII without
 * quotes or backslashes (anything else becomes '?', so no escaping exists):
 *   {"seq":1,"time":"…","action":"R","interaction":"handover","status":200,
 *    "org":"…","role":"…","user":"…","userRole":"…","patient":"…","bsn":"…",
 *    "entity":"…","source":"…","service":"…","prev":"<64 hex>","hash":"<64 hex>"}
 * hash = SHA-256 of the line's bytes from '{' up to and including the
 * closing quote of prev; prev = the previous record's hash (64 zeros for the
 * first). One mutex orders the records, so the chain is one line.
 *
 * Durability: every record is written with one write(2) before the response
 * leaves, so a killed process loses none; records of writes (C, U) are also
 * fdatasync'd, like the data they describe (a group of writes: once, after
 * the last of their records). Reads are not synced one by
 * one: a power loss can cost the last second of read records.
 *
 * The head: the chain cannot show records cut from its end, so beside the
 * log (LOG.head) a flusher thread keeps, once a second, the sequence number
 * and hash of the last record it has made durable: fdatasync of the log
 * first, then the head, so the head never names a record the disk may lose.
 * A log that ends before its head has lost records; the server refuses to
 * append to it and the chain check names the first missing one.
 */
#define _DEFAULT_SOURCE /* fdatasync */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"

#define HASH_HEX 64
#define AUDIT_LINE_MAX 4096

struct srv_audit {
    srv_worker w;              /* the flusher; its lock orders the records */
    int fd;
    unsigned long seq;
    char prev[HASH_HEX + 1];
    char service[256];
    int head_fd;
    unsigned long head_seq;    /* what the head file names (flusher's own) */
};

/* The head file's one line, fixed length so that it is rewritten in place. */
#define HEAD_FMT "{\"seq\":%020lu,\"hash\":\"%s\"}\n"
#define HEAD_LEN (sizeof "{\"seq\":,\"hash\":\"\"}\n" - 1 + 20 + HASH_HEX)

typedef struct head {
    unsigned long seq;
    char hash[HASH_HEX + 1];
} head;

static void hex(const unsigned char *md, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const char *p, size_t n, char out[HASH_HEX + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32) {
        memset(out, '0', HASH_HEX); /* cannot happen with a working libcrypto */
        out[HASH_HEX] = '\0';
        return;
    }
    hex(md, 32, out);
}

/* Appends `s` cleaned: printable ASCII except '"' and '\\', at most `max`. */
static size_t put_clean(char *dst, size_t room, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && *s && n < max && n + 1 < room; s++) {
        unsigned char c = (unsigned char)*s;
        dst[n++] = (c < 0x20 || c > 0x7e || c == '"' || c == '\\') ? '?' : (char)c;
    }
    dst[n] = '\0';
    return n;
}

/* The record line up to and including prev; its length. */
static size_t record_prefix(char *buf, size_t room, unsigned long seq, const char *time,
                            const char *const v[], unsigned status, const char *prev)
{
    static const char *const keys[] = {"action", "interaction", NULL, "org", "role", "user",
                                       "userRole", "patient", "bsn", "entity", "source",
                                       "service"};
    size_t n = (size_t)snprintf(buf, room, "{\"seq\":%lu,\"time\":\"%s\"", seq, time);
    for (int i = 0; i < 12 && n < room; i++) {
        if (!keys[i]) {
            n += (size_t)snprintf(buf + n, room - n, ",\"status\":%u", status);
            continue;
        }
        n += (size_t)snprintf(buf + n, room - n, ",\"%s\":\"", keys[i]);
        if (n >= room)
            break;
        n += put_clean(buf + n, room - n, v[i], 256);
        if (n + 1 < room)
            buf[n++] = '"';
    }
    if (n < room)
        n += (size_t)snprintf(buf + n, room - n, ",\"prev\":\"%s\"", prev);
    return n < room ? n : room - 1;
}

/* Finds the last complete line of the file into buf; 0 with *len 0 when empty. */
static int last_line(int fd, char *buf, size_t room, size_t *len)
{
    struct stat st;
    *len = 0;
    if (fstat(fd, &st) != 0)
        return -1;
    if (st.st_size == 0)
        return 0;
    off_t start = st.st_size > (off_t)room ? st.st_size - (off_t)room : 0;
    ssize_t got = pread(fd, buf, (size_t)(st.st_size - start), start);
    if (got <= 0 || buf[got - 1] != '\n')
        return -1; /* a torn last record: the chain's end is not known */
    ssize_t end = got - 1, begin = end;
    while (begin > 0 && buf[begin - 1] != '\n')
        begin--;
    memmove(buf, buf + begin, (size_t)(end - begin));
    *len = (size_t)(end - begin);
    buf[*len] = '\0';
    return 0;
}

static void head_path(const char *log, char *out, size_t room)
{
    snprintf(out, room, "%s.head", log);
}

/* Reads the head file: 0, 1 when there is none, -1 when it is damaged. */
static int head_read(const char *log, head *h)
{
    char path[4200], buf[HEAD_LEN + 1];
    head_path(log, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    ssize_t n = read(fd, buf, HEAD_LEN);
    close(fd);
    if (n == 0)
        return 1;
    if (n != (ssize_t)HEAD_LEN)
        return -1;
    buf[n] = '\0';
    char fmt_check[HEAD_LEN + 1];
    if (sscanf(buf, "{\"seq\":%20lu,\"hash\":\"%64[0-9a-f]\"}", &h->seq, h->hash) != 2)
        return -1;
    snprintf(fmt_check, sizeof fmt_check, HEAD_FMT, h->seq, h->hash);
    return strcmp(fmt_check, buf) == 0 ? 0 : -1;
}

/* Makes the log durable up to its current end and names that end in the head. */
static void head_flush(srv_audit *a)
{
    head h;
    pthread_mutex_lock(&a->w.lock);
    h.seq = a->seq;
    memcpy(h.hash, a->prev, sizeof h.hash);
    pthread_mutex_unlock(&a->w.lock);
    if (h.seq == a->head_seq)
        return;
    char line[HEAD_LEN + 1];
    snprintf(line, sizeof line, HEAD_FMT, h.seq, h.hash);
    if (fdatasync(a->fd) != 0 || pwrite(a->head_fd, line, HEAD_LEN, 0) != (ssize_t)HEAD_LEN ||
        fdatasync(a->head_fd) != 0) {
        srv_log("error", "audit-head-write-failed", "errno=%d", errno);
        return;
    }
    a->head_seq = h.seq;
}

static void *flush_every_second(void *arg)
{
    srv_audit *a = arg;
    pthread_mutex_lock(&a->w.lock);
    while (!a->w.stop) {
        srv_worker_wait(&a->w, 1000);
        pthread_mutex_unlock(&a->w.lock);
        head_flush(a);
        pthread_mutex_lock(&a->w.lock);
    }
    pthread_mutex_unlock(&a->w.lock);
    return NULL;
}

/* Writes the head for the log's current end (new logs, --seal-audit). */
static int head_create(const char *log, unsigned long seq, const char *hash, int *fd_out,
                       char *err, size_t errlen)
{
    char path[4200], line[HEAD_LEN + 1];
    head_path(log, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    snprintf(line, sizeof line, HEAD_FMT, seq, hash);
    if (fd < 0 || pwrite(fd, line, HEAD_LEN, 0) != (ssize_t)HEAD_LEN || fdatasync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (fd_out)
        *fd_out = fd;
    else
        close(fd);
    return 0;
}

int srv_audit_open(const char *path, const char *service, srv_audit **out, char *err,
                   size_t errlen)
{
    srv_audit *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    char line[AUDIT_LINE_MAX + 1];
    size_t len;
    srv_audit_record rec;
    if (a->fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    memset(a->prev, '0', HASH_HEX);
    if (last_line(a->fd, line, AUDIT_LINE_MAX, &len) != 0) {
        snprintf(err, errlen, "%s: the last record is incomplete (run --verify-audit)", path);
        goto fail;
    }
    if (len) {
        const char *h = strstr(line, ",\"hash\":\"");
        if (srv_audit_parse(line, &rec) != 0 || !h) {
            snprintf(err, errlen, "%s: the last record is damaged (run --verify-audit)", path);
            goto fail;
        }
        memcpy(a->prev, h + 9, HASH_HEX);
        a->seq = rec.seq;
    }
    a->prev[HASH_HEX] = '\0';
    head hd;
    int got = head_read(path, &hd);
    if (got < 0 || (got == 1 && a->seq > 0)) {
        snprintf(err, errlen, "%s.head: %s (run --verify-audit)", path,
                 got < 0 ? "damaged" : "missing, so records cut from the log's end cannot be "
                                       "found");
        goto fail;
    }
    if (got == 0 && (hd.seq > a->seq || (hd.seq == a->seq && strcmp(hd.hash, a->prev) != 0))) {
        snprintf(err, errlen, "%s: the log ends at record %lu but its head names record %lu: "
                 "records were removed (run --verify-audit)", path, a->seq, hd.seq);
        goto fail;
    }
    if (got == 1 && head_create(path, 0, a->prev, NULL, err, errlen) != 0)
        goto fail;
    char hp[4200];
    head_path(path, hp, sizeof hp);
    a->head_fd = open(hp, O_RDWR | O_CLOEXEC);
    if (a->head_fd < 0) {
        snprintf(err, errlen, "%s: %s", hp, strerror(errno));
        goto fail;
    }
    a->head_seq = got == 0 ? hd.seq : 0;
    put_clean(a->service, sizeof a->service, service, sizeof a->service - 1);
    if (srv_worker_start(&a->w, flush_every_second, a) != 0) {
        snprintf(err, errlen, "cannot start the access log's flusher");
        close(a->head_fd);
        goto fail;
    }
    *out = a;
    return 0;
fail:
    if (a->fd >= 0)
        close(a->fd);
    free(a);
    return -1;
}

void srv_audit_close(srv_audit *a)
{
    if (!a)
        return;
    srv_worker_stop(&a->w);
    head_flush(a); /* the head names the very last record */
    close(a->head_fd);
    close(a->fd);
    free(a);
}

static void audit_write(srv_audit *a, const srv_request *r, int sync);

static const char *interaction_action(const char *route)
{
    if (strcmp(route, "transaction") == 0 || strcmp(route, "create") == 0)
        return "C";
    if (strcmp(route, "update") == 0)
        return "U";
    if (strcmp(route, "search") == 0 || strcmp(route, "validate") == 0 ||
        strcmp(route, "audit") == 0)
        return "E";
    return "R";
}

void srv_audit_request(srv_audit *a, const srv_request *r)
{
    audit_write(a, r, 1);
}

void srv_audit_request_unsynced(srv_audit *a, const srv_request *r)
{
    audit_write(a, r, 0);
}

void srv_audit_sync(srv_audit *a)
{
    if (a)
        fdatasync(a->fd);
}

/* Writes the record; `sync`: fdatasync a write's record before returning. */
static void audit_write(srv_audit *a, const srv_request *r, int sync)
{
    if (!a)
        return;
    struct timespec ts;
    struct tm tm;
    char time[80], source[64] = "-";
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    const union MHD_ConnectionInfo *ci =
        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, source,
                  sizeof source);
    else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, source,
                  sizeof source);
    const srv_peer *p = r->peer;
    int known = p && p->checked && p->id.ura[0];
    const char *action = interaction_action(r->route);
    const char *v[12] = {
        action,
        r->route,
        NULL,
        known ? p->id.ura : "-",
        known && !p->status ? srv_role_name(p->role) : "-",
        r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, SRV_HEADER_USER) : NULL,
        r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, SRV_HEADER_USER_ROLE)
                : NULL,
        r->audit.patient,
        r->audit.bsn,
        r->audit.entity,
        source,
        a->service,
    };
    char line[AUDIT_LINE_MAX + 96], hash[HASH_HEX + 1];
    pthread_mutex_lock(&a->w.lock);
    size_t n = record_prefix(line, AUDIT_LINE_MAX, a->seq + 1, time, v, r->status, a->prev);
    sha256_hex(line, n, hash);
    n += (size_t)snprintf(line + n, sizeof line - n, ",\"hash\":\"%s\"}\n", hash);
    ssize_t w = write(a->fd, line, n);
    if (w == (ssize_t)n) {
        a->seq++;
        memcpy(a->prev, hash, sizeof hash);
        if (sync && (action[0] == 'C' || action[0] == 'U'))
            fdatasync(a->fd);
    } else {
        srv_log("error", "audit-write-failed", "errno=%d", errno);
    }
    pthread_mutex_unlock(&a->w.lock);
}

void srv_audit_note(srv_request *r, srv_store *st, const char *type, const char *id,
                    uint64_t version)
{
    r->audit.entity = version ? fhir_arena_printf(r->a, "%s/%s/_history/%llu", type, id,
                                                  (unsigned long long)version)
                              : fhir_arena_printf(r->a, "%s/%s", type, id);
    if (strcmp(type, "Bundle") == 0 || strcmp(type, "Patient") == 0) {
        r->audit.patient = id;
        return;
    }
    char *pid[1];
    size_t n = 0;
    if (st && srv_store_patients_of(st, type, id, pid, 1, &n) == 0 && n == 1) {
        r->audit.patient = fhir_arena_strdup(r->a, pid[0]);
        free(pid[0]);
    }
}

/* The value of "key": in a record line, NUL-terminated in place; NULL when absent. */
static char *field(char *line, const char *key, char **resume)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    char *p = strstr(*resume, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    char *end;
    if (*p == '"') {
        p++;
        end = strchr(p, '"');
    } else {
        end = p + strspn(p, "0123456789");
    }
    if (!end)
        return NULL;
    *resume = end + 1;
    *end = '\0';
    (void)line;
    return p;
}

int srv_audit_parse(char *line, srv_audit_record *rec)
{
    memset(rec, 0, sizeof *rec);
    if (line[0] != '{')
        return -1;
    char *at = line, *seq = field(line, "seq", &at);
    if (!seq || !*seq)
        return -1;
    rec->seq = strtoul(seq, NULL, 10);
    const char **dst[] = {&rec->time, &rec->action, &rec->interaction};
    const char *names[] = {"time", "action", "interaction"};
    for (int i = 0; i < 3; i++)
        if (!(*dst[i] = field(line, names[i], &at)))
            return -1;
    char *status = field(line, "status", &at);
    if (!status)
        return -1;
    rec->status = (unsigned)strtoul(status, NULL, 10);
    const char **rest[] = {&rec->org, &rec->role, &rec->user, &rec->user_role, &rec->patient,
                           &rec->bsn, &rec->entity, &rec->source, &rec->service};
    const char *rest_names[] = {"org", "role", "user", "userRole", "patient", "bsn", "entity",
                                "source", "service"};
    for (int i = 0; i < 9; i++)
        if (!(*rest[i] = field(line, rest_names[i], &at)))
            return -1;
    return 0;
}

/* The chain alone, as srv_audit_verify; `last` gets the last record's hash
 * and `at_hash` (when not NULL) that of record `at`. */
static int chain_check(const char *path, unsigned long *records, unsigned long *bad_line,
                       unsigned long at, char *at_hash, char last[HASH_HEX + 1], char *err,
                       size_t errlen)
{
    FILE *f = fopen(path, "r");
    *records = 0;
    *bad_line = 0;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[AUDIT_LINE_MAX + 128], prev[HASH_HEX + 1], hash[HASH_HEX + 1];
    memset(prev, '0', HASH_HEX);
    prev[HASH_HEX] = '\0';
    unsigned long no = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        size_t len = strlen(line);
        char *h = strstr(line, ",\"hash\":\"");
        const char *why = NULL;
        if (len == 0 || line[len - 1] != '\n')
            why = "incomplete or overlong record";
        else if (!h || strlen(h) != 9 + HASH_HEX + 3 || strcmp(h + 9 + HASH_HEX, "\"}\n") != 0)
            why = "no hash";
        if (!why) {
            sha256_hex(line, (size_t)(h - line), hash);
            char *p = strstr(line, ",\"prev\":\"");
            char seqbuf[24];
            snprintf(seqbuf, sizeof seqbuf, "{\"seq\":%lu,", no);
            if (memcmp(hash, h + 9, HASH_HEX) != 0)
                why = "its hash does not match its content (the record was altered)";
            else if (!p || p + 9 + HASH_HEX + 1 != h || memcmp(p + 9, prev, HASH_HEX) != 0)
                why = "it does not follow the record before it (a record was removed, inserted "
                      "or reordered)";
            else if (strncmp(line, seqbuf, strlen(seqbuf)) != 0)
                why = "its sequence number is out of order";
        }
        if (why) {
            snprintf(err, errlen, "record %lu (line %lu): %s", no, no, why);
            *bad_line = no;
            rc = 1;
            break;
        }
        memcpy(prev, hash, sizeof prev);
        (*records)++;
        if (at_hash && no == at)
            memcpy(at_hash, hash, HASH_HEX + 1);
    }
    fclose(f);
    memcpy(last, prev, HASH_HEX + 1);
    return rc;
}

int srv_audit_verify(const char *path, unsigned long *records, unsigned long *bad_line, char *err,
                     size_t errlen)
{
    char last[HASH_HEX + 1], at_hash[HASH_HEX + 1] = "";
    head h;
    int got = head_read(path, &h);
    int rc = chain_check(path, records, bad_line, got == 0 ? h.seq : 0, at_hash, last, err,
                         errlen);
    if (rc != 0)
        return rc;
    if (got != 0) {
        snprintf(err, errlen, "%s.head: %s", path,
                 got < 0 ? "damaged" : "missing: records cut from the end cannot be found "
                                       "(--seal-audit writes it for the log as it is)");
        *bad_line = *records + 1;
        return 1;
    }
    if (h.seq > *records) {
        snprintf(err, errlen, "record %lu (line %lu): missing: the log ends at record %lu but "
                 "its head names record %lu (records were cut from the end)",
                 *records + 1, *records + 1, *records, h.seq);
        *bad_line = *records + 1;
        return 1;
    }
    if (h.seq > 0 && strcmp(at_hash, h.hash) != 0) {
        snprintf(err, errlen, "record %lu (line %lu): its hash is not the one the head names "
                 "(the log was rewritten from there)", h.seq, h.seq);
        *bad_line = h.seq;
        *records = h.seq - 1;
        return 1;
    }
    return 0;
}

int srv_audit_seal(const char *path, char *err, size_t errlen)
{
    unsigned long records, bad;
    char last[HASH_HEX + 1];
    int rc = chain_check(path, &records, &bad, 0, NULL, last, err, errlen);
    if (rc != 0)
        return rc;
    return head_create(path, records, last, NULL, err, errlen) == 0 ? 0 : -1;
}
