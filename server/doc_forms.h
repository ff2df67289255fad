/*
 * doc_forms.h — the forms a stored handover document is answered in: its
 * JSON as stored, XML written from it, and the doctor's page for office
 * hours or for evening/night/weekend, rendered from it. The store keeps the
 * JSON only; the other forms are made when first read (doc_cache.h keeps
 * them), byte for byte the same every time.
 */
#ifndef SRV_DOC_FORMS_H
#define SRV_DOC_FORMS_H

#include "server.h"

typedef enum srv_doc_form {
    SRV_FORM_JSON = 0,
    SRV_FORM_XML = 1,
    SRV_FORM_PAGE_OFFICE = 2,
    SRV_FORM_PAGE_ANW = 3,
    SRV_FORM_COUNT
} srv_doc_form;

/* The form the request asks for: its format, and for a page the variant
 * that applies now (srv_page_variant_now). */
srv_doc_form srv_doc_form_of(const srv_request *r);
/* Which page applies now: 0 office hours, 1 evening/night/weekend and
 * Dutch public holidays (handover_html_variant_at). */
int srv_page_variant_now(void);

/* The body of `form` made from the document's JSON, in `a` (the JSON itself
 * for SRV_FORM_JSON). A page is rendered as of the document's date, so that
 * it does not change while the document does not. 0; FHIR_E_NOMEM; or
 * FHIR_E_INVALID when the stored JSON is not a handover document. */
int srv_doc_form_make(fhir_arena *a, const srv_version *doc, srv_doc_form form,
                      unsigned review_days, const char **bytes, size_t *len);

/* The ETag of a form: "<stored>-json", "<stored>-xml", "<stored>-html-office"
 * or "<stored>-html-anw". */
void srv_doc_form_etag(const srv_version *doc, srv_doc_form form, char out[96]);
/* A ready response of a form's body, its headers set (the copy is MHD's). */
struct MHD_Response *srv_doc_form_response(const srv_version *doc, srv_doc_form form,
                                           const char *bytes, size_t len);
/* 304 with the ETag. */
enum MHD_Result srv_doc_not_modified(srv_request *r, const char *etag);

/* Answers a stored document version in the request's form (200, or 304
 * for If-None-Match), without the cache: with `made` (len bytes) when the
 * caller already made that form, else making it here (NULL). */
enum MHD_Result srv_send_document(srv_request *r, const srv_version *doc, const char *made,
                                  size_t len);

#endif
