/*
 * doc_cache.c — pre-rendered handover documents in memory.
 *
 * Each entry holds, per format, one MHD response made once from the stored
 * bytes (headers included); every read of that version queues the same
 * response, so the read path neither parses, builds nor serialises, and
 * does not copy the body. A hash table of chains finds the patient; a list
 * in least-recently-used order picks whom to drop when full: past the number
 * of entries or the bytes of their bodies (memory must not grow with the
 * number of patients in the store).
 *
 * Responses are queued while the lock is held: queueing takes MHD's own
 * reference, so an entry dropped right after cannot free a response that a
 * connection still sends.
 *
 * Staleness: a writer puts the version it committed; a reader that missed
 * puts what it read only when no publish happened since it started reading
 * (the generation), so an older version can never replace a newer one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_cache.h"
#include "handover_html.h"

/* Responses per entry: JSON, XML, then the page for office hours and for ANW. */
#define SLOTS 4
#define PAGE_SLOT(variant) (2 + (variant))

typedef struct entry {
    char *patient_id;
    uint64_t version;
    char etag[SLOTS][96];
    struct MHD_Response *resp[SLOTS];   /* the pages may be missing (NULL) */
    size_t slot_bytes[SLOTS];     /* each body and what MHD keeps beside it */
    size_t bytes;                 /* the entry's share of the cache's bytes */
    struct entry *chain;          /* next in the hash bucket */
    struct entry *newer, *older;  /* use order */
} entry;

struct srv_doc_cache {
    pthread_mutex_t lock;
    entry **buckets;
    size_t nbuckets;              /* a power of two */
    size_t count, max;
    size_t bytes, max_bytes;
    entry *newest, *oldest;
    uint64_t generation;
};

srv_doc_cache *srv_doc_cache_new(unsigned max, size_t max_bytes)
{
    srv_doc_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max = max_bytes ? max : 0;
    c->max_bytes = max_bytes;
    c->nbuckets = 16;
    while (c->nbuckets < (size_t)max)
        c->nbuckets <<= 1;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void entry_free(entry *e)
{
    for (int f = 0; f < SLOTS; f++)
        if (e->resp[f])
            MHD_destroy_response(e->resp[f]);
    free(e->patient_id);
    free(e);
}

void srv_doc_cache_free(srv_doc_cache *c)
{
    if (!c)
        return;
    for (entry *e = c->newest, *next; e; e = next) {
        next = e->older;
        entry_free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

static entry **slot(srv_doc_cache *c, const char *patient_id)
{
    entry **p = &c->buckets[hash(patient_id) & (c->nbuckets - 1)];
    while (*p && strcmp((*p)->patient_id, patient_id) != 0)
        p = &(*p)->chain;
    return p;
}

static void unlink_use(srv_doc_cache *c, entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void link_newest(srv_doc_cache *c, entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static void drop(srv_doc_cache *c, entry *e)
{
    entry **p = slot(c, e->patient_id);
    *p = e->chain;
    unlink_use(c, e);
    c->count--;
    c->bytes -= e->bytes;
    entry_free(e);
}

void srv_doc_etag(const srv_version *doc, srv_format f, char out[96])
{
    snprintf(out, 96, "\"%.80s-%s\"", doc->etag, f == SRV_FMT_XML ? "xml" : "json");
}

static void page_etag(const srv_version *doc, int variant, char out[96])
{
    snprintf(out, 96, "\"%.80s-html-%s\"", doc->etag, variant ? "anw" : "office");
}

static enum MHD_Result not_modified(srv_request *r, const char *etag);

/* A page's response: the page's own Content-Security-Policy (nothing runs,
 * nothing is fetched) and no caching anywhere, as it shows patient data. */
static struct MHD_Response *page_response(const srv_version *doc, int variant, const char *html,
                                          size_t len)
{
    char etag[96], date[32];
    struct MHD_Response *resp = srv_bytes_response(html, len, SRV_FMT_HTML);
    if (!resp)
        return NULL;
    page_etag(doc, variant, etag);
    srv_http_date(doc->last_modified, date);
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES ||
        (date[0] && MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date) != MHD_YES) ||
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                "form-action 'none'") != MHD_YES ||
        MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

int srv_page_variant_now(void)
{
    return handover_html_variant_at(time(NULL)) == HANDOVER_HTML_ANW;
}

enum MHD_Result srv_send_document_page(srv_request *r, srv_store *st, const char *patient_id,
                                       uint64_t version)
{
    int variant = srv_page_variant_now();
    srv_version page;
    int rc = st ? srv_store_document_page(st, patient_id, version, variant, &page) : SRV_E_IO;
    if (rc == SRV_E_NOTFOUND || rc == SRV_E_INVALID)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found",
                        "there is no readable page of this handover version",
                        "van deze versie van de overdracht is geen leesbare pagina");
    if (rc)
        return srv_fail_store(r, rc);
    char etag[96];
    page_etag(&page, variant, etag);
    enum MHD_Result ret = srv_if_none_match(r, etag)
                              ? not_modified(r, etag)
                              : srv_queue(r, MHD_HTTP_OK,
                                          page_response(&page, variant, page.html, page.html_len));
    srv_version_free(&page);
    return ret;
}

struct MHD_Response *srv_doc_response(const srv_version *doc, srv_format f)
{
    char etag[96], date[32];
    const char *bytes = f == SRV_FMT_XML ? doc->xml : doc->json;
    size_t len = f == SRV_FMT_XML ? doc->xml_len : doc->json_len;
    struct MHD_Response *resp = srv_bytes_response(bytes, len, f);
    if (!resp)
        return NULL;
    srv_doc_etag(doc, f, etag);
    srv_http_date(doc->last_modified, date);
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES ||
        (date[0] && MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date) != MHD_YES) ||
        /* patient data: a client may keep it only to revalidate with If-None-Match */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache") != MHD_YES) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

static enum MHD_Result not_modified(srv_request *r, const char *etag)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return srv_queue(r, MHD_HTTP_NOT_MODIFIED, resp);
}

enum MHD_Result srv_send_document(srv_request *r, const srv_version *doc)
{
    char etag[96];
    srv_doc_etag(doc, r->fmt, etag);
    if (srv_if_none_match(r, etag))
        return not_modified(r, etag);
    return srv_queue(r, MHD_HTTP_OK, srv_doc_response(doc, r->fmt));
}

int srv_doc_cache_answer(srv_doc_cache *c, srv_request *r, const char *patient_id,
                         enum MHD_Result *ret)
{
    if (!c || c->max == 0)
        return 0;
    pthread_mutex_lock(&c->lock);
    entry *e = *slot(c, patient_id);
    if (!e) {
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    if (c->newest != e) {
        unlink_use(c, e);
        link_newest(c, e);
    }
    r->audit.entity = fhir_arena_printf(r->a, "Bundle/%s/_history/%llu", patient_id,
                                        (unsigned long long)e->version);
    int slot = r->fmt == SRV_FMT_HTML ? PAGE_SLOT(srv_page_variant_now()) : (int)r->fmt;
    if (!e->resp[slot]) { /* cached without its pages: the store has them */
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    if (srv_if_none_match(r, e->etag[slot])) {
        char etag[96];
        memcpy(etag, e->etag[slot], sizeof etag);
        pthread_mutex_unlock(&c->lock);
        *ret = not_modified(r, etag);
        return 1;
    }
    r->status = MHD_HTTP_OK;
    *ret = MHD_queue_response(r->conn, MHD_HTTP_OK, e->resp[slot]);
    pthread_mutex_unlock(&c->lock);
    return 1;
}

void srv_doc_cache_stats(srv_doc_cache *c, size_t *entries, size_t *bytes)
{
    *entries = *bytes = 0;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    *entries = c->count;
    *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}

uint64_t srv_doc_cache_generation(srv_doc_cache *c)
{
    if (!c)
        return 0;
    pthread_mutex_lock(&c->lock);
    uint64_t g = c->generation;
    pthread_mutex_unlock(&c->lock);
    return g;
}

/* Moves the responses `from` has and `into` lacks into `into` (the same
 * version), making room for them. Caller holds the lock. */
static void merge(srv_doc_cache *c, entry *into, entry *from)
{
    for (int f = 0; f < SLOTS; f++) {
        if (into->resp[f] || !from->resp[f])
            continue;
        size_t n = from->slot_bytes[f];
        while (c->bytes + n > c->max_bytes && c->oldest && c->oldest != into)
            drop(c, c->oldest);
        if (c->bytes + n > c->max_bytes)
            return;
        into->resp[f] = from->resp[f];
        from->resp[f] = NULL;
        memcpy(into->etag[f], from->etag[f], sizeof into->etag[f]);
        into->slot_bytes[f] = n;
        into->bytes += n;
        c->bytes += n;
    }
}

/* Puts `doc` for the patient unless the generation moved on (readers) or
 * the cached version is newer. The responses are made outside the lock. */
static void put(srv_doc_cache *c, const char *patient_id, const srv_version *doc,
                const char *const html[2], const size_t html_len[2], int writer,
                uint64_t generation)
{
    if (!c || c->max == 0)
        return;
    entry *e = calloc(1, sizeof *e); /* only the formats `doc` holds bytes of */
    if (!e)
        goto failed;
    e->patient_id = strdup(patient_id);
    e->version = doc->version;
    int formats = 0;
    for (int f = 0; f < SRV_FMT_COUNT; f++) {
        srv_doc_etag(doc, (srv_format)f, e->etag[f]);
        const char *bytes = f == SRV_FMT_XML ? doc->xml : doc->json;
        if (bytes && (e->resp[f] = srv_doc_response(doc, (srv_format)f)) != NULL) {
            e->slot_bytes[f] = 512 + (f == SRV_FMT_XML ? doc->xml_len : doc->json_len);
            formats++;
        }
    }
    for (int v = 0; html && v < 2; v++) {
        page_etag(doc, v, e->etag[PAGE_SLOT(v)]);
        if (html[v] && !(e->resp[PAGE_SLOT(v)] = page_response(doc, v, html[v], html_len[v])))
            e->patient_id[0] = '\0'; /* marks the failure below */
        e->slot_bytes[PAGE_SLOT(v)] = html[v] ? 512 + html_len[v] : 0;
    }
    e->bytes = sizeof *e;
    for (int f = 0; f < SLOTS; f++)
        e->bytes += e->slot_bytes[f];
    if (!e->patient_id || !e->patient_id[0] || formats != (doc->xml != NULL) + (doc->json != NULL) ||
        !formats) {
        entry_free(e);
        goto failed;
    }
    pthread_mutex_lock(&c->lock);
    if (writer)
        c->generation++;
    else if (generation != c->generation)
        goto skip;
    entry *old = *slot(c, patient_id);
    if (old && !writer && old->version == e->version) {
        merge(c, old, e); /* a reader adds the format it read */
        goto skip;
    }
    if (old && (writer ? old->version > e->version : old->version >= e->version))
        goto skip; /* never replace a newer version */
    if (old)
        drop(c, old);
    if (e->bytes > c->max_bytes)
        goto skip; /* larger than the whole cache: served from the store */
    while ((c->count >= c->max || c->bytes + e->bytes > c->max_bytes) && c->oldest)
        drop(c, c->oldest);
    *slot(c, patient_id) = e;
    link_newest(c, e);
    c->count++;
    c->bytes += e->bytes;
    pthread_mutex_unlock(&c->lock);
    return;
skip:
    pthread_mutex_unlock(&c->lock);
    entry_free(e);
    return;
failed:
    if (writer) { /* out of memory: at least no older version may stay */
        pthread_mutex_lock(&c->lock);
        c->generation++;
        entry *stale = *slot(c, patient_id);
        if (stale)
            drop(c, stale);
        pthread_mutex_unlock(&c->lock);
    }
}

void srv_doc_cache_put_read(srv_doc_cache *c, uint64_t generation, const char *patient_id,
                            const srv_version *doc)
{
    put(c, patient_id, doc, NULL, NULL, 0, generation);
}

void srv_doc_cache_put_published(srv_doc_cache *c, const char *patient_id, const srv_version *doc,
                                 const char *const html[2], const size_t html_len[2])
{
    put(c, patient_id, doc, html, html_len, 1, 0);
}
