/*
 * doc_cache.h — the read path: pre-rendered handover documents as ready
 * MHD responses, kept in memory and answered with a lookup and a send.
 */
#ifndef SRV_DOC_CACHE_H
#define SRV_DOC_CACHE_H

#include "doc_forms.h"
#include "server.h"

/* At most `max` patients' current documents and `max_bytes` of their bodies
 * (either 0: no caching). */
srv_doc_cache *srv_doc_cache_new(unsigned max, size_t max_bytes);
void srv_doc_cache_free(srv_doc_cache *c);

/* Answers the patient's current document from memory (200, or 304 when
 * If-None-Match names it): 1 with *ret set, 0 when it is not cached. */
int srv_doc_cache_answer(srv_doc_cache *c, srv_request *r, const char *patient_id,
                         enum MHD_Result *ret);

/* How many documents are cached and the bytes they hold. */
void srv_doc_cache_stats(srv_doc_cache *c, size_t *entries, size_t *bytes);

/* Readers: the generation before they read the store, and the put of the
 * form they made after; the put is dropped when a publish happened in
 * between (the bytes read may be older than what the writer cached). */
uint64_t srv_doc_cache_generation(srv_doc_cache *c);
void srv_doc_cache_put_read(srv_doc_cache *c, uint64_t generation, const char *patient_id,
                            const srv_version *doc, srv_doc_form form, const char *bytes,
                            size_t len);
/* Writers, after the commit: the new current document (its JSON) replaces
 * the old. */
void srv_doc_cache_put_published(srv_doc_cache *c, const char *patient_id, const srv_version *doc);

/* Answers the patient's current document: cache, else store (handler_handover.c). */
enum MHD_Result srv_answer_document(srv_request *r, const char *patient_id);

#endif
