/*
 * doc_cache.c — pre-rendered handover documents in memory.
 *
 * Each entry holds, per form (doc_forms.h: JSON, XML, the two pages), one
 * MHD response made once (headers included); every read of that version
 * queues the same response, so the read path neither parses, builds nor
 * serialises, and does not copy the body. A writer puts the JSON it stored;
 * a reader puts the form it made on a miss. A hash table of chains finds
 * the patient; a list in least-recently-used order picks whom to drop when
 * full: past the number of entries or the bytes of their bodies (memory
 * must not grow with the number of patients in the store).
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

#define SLOTS SRV_FORM_COUNT

typedef struct entry {
    char *patient_id;
    uint64_t version;
    char etag[SLOTS][96];
    struct MHD_Response *resp[SLOTS];   /* the forms read so far; the others NULL */
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
    int slot = (int)srv_doc_form_of(r);
    if (!e->resp[slot]) { /* this form was not read yet */
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    if (srv_if_none_match(r, e->etag[slot])) {
        char etag[96];
        memcpy(etag, e->etag[slot], sizeof etag);
        pthread_mutex_unlock(&c->lock);
        *ret = srv_doc_not_modified(r, etag);
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

/* Puts one form of `doc` for the patient unless the generation moved on
 * (readers) or the cached version is newer. The response is made outside
 * the lock. */
static void put(srv_doc_cache *c, const char *patient_id, const srv_version *doc,
                srv_doc_form form, const char *bytes, size_t len, int writer, uint64_t generation)
{
    if (!c || c->max == 0)
        return;
    entry *e = calloc(1, sizeof *e);
    if (!e)
        goto failed;
    e->patient_id = strdup(patient_id);
    e->version = doc->version;
    e->resp[form] = srv_doc_form_response(doc, form, bytes, len);
    srv_doc_form_etag(doc, form, e->etag[form]);
    e->slot_bytes[form] = 512 + len;
    e->bytes = sizeof *e + e->slot_bytes[form];
    if (!e->patient_id || !e->resp[form]) {
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
        merge(c, old, e); /* a reader adds the form it made */
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
                            const srv_version *doc, srv_doc_form form, const char *bytes,
                            size_t len)
{
    put(c, patient_id, doc, form, bytes, len, 0, generation);
}

void srv_doc_cache_put_published(srv_doc_cache *c, const char *patient_id, const srv_version *doc)
{
    put(c, patient_id, doc, SRV_FORM_JSON, doc->json, doc->json_len, 1, 0);
}
