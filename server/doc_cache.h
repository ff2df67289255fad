/*
 * doc_cache.h — the read path: pre-rendered handover documents as ready
 * MHD responses, kept in memory and answered with a lookup and a send.
 */
#ifndef SRV_DOC_CACHE_H
#define SRV_DOC_CACHE_H

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

/* Readers: the generation before they read the store, and the put after;
 * the put is dropped when a publish happened in between (the bytes read may
 * be older than what the writer cached). */
uint64_t srv_doc_cache_generation(srv_doc_cache *c);
void srv_doc_cache_put_read(srv_doc_cache *c, uint64_t generation, const char *patient_id,
                            const srv_version *doc);
/* Writers, after the commit: the new current document replaces the old. */
void srv_doc_cache_put_published(srv_doc_cache *c, const char *patient_id, const srv_version *doc,
                                 const char *const html[2], const size_t html_len[2]);
/* Which page applies now: 0 office hours, 1 evening/night/weekend and
 * Dutch public holidays (handover_html_variant_at). */
int srv_page_variant_now(void);
/* Answers the page of the patient's document version (0: current) for now. */
enum MHD_Result srv_send_document_page(srv_request *r, srv_store *st, const char *patient_id,
                                       uint64_t version);

/* The response for a stored document version in format f (headers set). */
struct MHD_Response *srv_doc_response(const srv_version *doc, srv_format f);
/* The ETag a document version has in format f: "<stored>-json" / "<stored>-xml". */
void srv_doc_etag(const srv_version *doc, srv_format f, char out[96]);
/* Answers a stored document (200 or 304) without the cache. */
enum MHD_Result srv_send_document(srv_request *r, const srv_version *doc);

/* Answers the patient's current document: cache, else store (handler_handover.c). */
enum MHD_Result srv_answer_document(srv_request *r, const char *patient_id);

#endif
