/*
 * doc_forms.c — a stored handover document in the form a reader asks for
 * (doc_forms.h): JSON as stored, XML and the pages made from it.
 *
 * Why made here and not stored: the XML and the two pages are three times
 * the JSON's bytes and each is a pure function of it (the serialiser's
 * element order, the renderer's date being the document's), so storing them
 * cost the writer and the disk for what a read of a cold patient makes in
 * well under a millisecond, once, before the cache keeps it.
 */
#include <stdio.h>
#include <time.h>

#include "doc_forms.h"
#include "handover_html.h"

#define SRV__FORM_LIMIT (64u * 1024 * 1024)

int srv_page_variant_now(void)
{
    return handover_html_variant_at(time(NULL)) == HANDOVER_HTML_ANW;
}

srv_doc_form srv_doc_form_of(const srv_request *r)
{
    if (r->fmt == SRV_FMT_HTML)
        return srv_page_variant_now() ? SRV_FORM_PAGE_ANW : SRV_FORM_PAGE_OFFICE;
    return r->fmt == SRV_FMT_XML ? SRV_FORM_XML : SRV_FORM_JSON;
}

int srv_doc_form_make(fhir_arena *a, const srv_version *doc, srv_doc_form form,
                      unsigned review_days, const char **bytes, size_t *len)
{
    if (form == SRV_FORM_JSON) {
        *bytes = doc->json;
        *len = doc->json_len;
        return 0;
    }
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *tree = fhir_read_json(a, doc->json, doc->json_len, NULL, &o);
    if (!tree)
        return fhir_arena_failed(a) ? FHIR_E_NOMEM : FHIR_E_INVALID;
    fhir_buf out;
    fhir_buf_init(&out, SRV__FORM_LIMIT);
    int rc;
    if (form == SRV_FORM_XML) {
        rc = fhir_write_xml(tree, &out, 0);
    } else {
        handover_options opt = {.now = doc->last_modified, .review_days = review_days};
        rc = handover_render_html(a, tree,
                                  form == SRV_FORM_PAGE_ANW ? HANDOVER_HTML_ANW : HANDOVER_HTML_OFFICE,
                                  &opt, &out);
    }
    char *copy = rc == 0 ? fhir_arena_strndup(a, out.data, out.len) : NULL;
    *len = out.len;
    fhir_buf_free(&out);
    if (rc)
        return rc;
    if (!copy)
        return FHIR_E_NOMEM;
    *bytes = copy;
    return 0;
}

void srv_doc_form_etag(const srv_version *doc, srv_doc_form form, char out[96])
{
    static const char *const suffix[SRV_FORM_COUNT] = {"json", "xml", "html-office", "html-anw"};
    snprintf(out, 96, "\"%.80s-%s\"", doc->etag, suffix[form]);
}

struct MHD_Response *srv_doc_form_response(const srv_version *doc, srv_doc_form form,
                                           const char *bytes, size_t len)
{
    char etag[96], date[32];
    int page = form == SRV_FORM_PAGE_OFFICE || form == SRV_FORM_PAGE_ANW;
    struct MHD_Response *resp = srv_bytes_response(
        bytes, len, page ? SRV_FMT_HTML : form == SRV_FORM_XML ? SRV_FMT_XML : SRV_FMT_JSON);
    if (!resp)
        return NULL;
    srv_doc_form_etag(doc, form, etag);
    srv_http_date(doc->last_modified, date);
    int ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) == MHD_YES &&
             (!date[0] ||
              MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date) == MHD_YES);
    if (ok && page) /* patient data on a screen: kept nowhere; nothing runs, nothing is fetched */
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
             MHD_add_response_header(resp, "Content-Security-Policy",
                                     "default-src 'none'; style-src 'unsafe-inline'; "
                                     "base-uri 'none'; form-action 'none'") == MHD_YES &&
             MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES;
    else if (ok) /* a client may keep it only to revalidate with If-None-Match */
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache") ==
             MHD_YES;
    if (!ok) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

enum MHD_Result srv_doc_not_modified(srv_request *r, const char *etag)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return srv_queue(r, MHD_HTTP_NOT_MODIFIED, resp);
}

enum MHD_Result srv_send_document(srv_request *r, const srv_version *doc, const char *made,
                                  size_t len)
{
    srv_doc_form form = srv_doc_form_of(r);
    char etag[96];
    srv_doc_form_etag(doc, form, etag);
    if (srv_if_none_match(r, etag))
        return srv_doc_not_modified(r, etag);
    const char *bytes = made;
    int rc = made ? 0 : srv_doc_form_make(r->a, doc, form, r->srv->cfg->review_days, &bytes, &len);
    if (rc == FHIR_E_NOMEM)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    if (rc) {
        srv_log("error", "document-unreadable", "etag=%s rc=%d", doc->etag, rc);
        return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception",
                        "the stored handover document could not be read",
                        "het opgeslagen overdrachtsdocument kon niet worden gelezen");
    }
    return srv_queue(r, MHD_HTTP_OK, srv_doc_form_response(doc, form, bytes, len));
}
