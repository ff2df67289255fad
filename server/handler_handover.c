/*
 * handler_handover.c — the read the service exists for: the patient's
 * current handover document, GET /fhir/Patient/{id}/$handover or
 * GET /fhir/Patient/$handover?identifier=system|value (e.g. the BSN).
 *
 * A lookup and a send: the document was built when it was published; here
 * it is answered from the in-memory cache of ready responses, or read from
 * the store once (its JSON; XML or a page made from it, doc_forms.h) and
 * put in the cache.
 */
#include <stdlib.h>
#include <string.h>

#include "doc_cache.h"

enum MHD_Result srv_answer_document(srv_request *r, const char *patient_id)
{
    enum MHD_Result ret;
    srv_doc_cache *cache = r->srv->docs;
    r->audit.patient = patient_id;
    if (srv_doc_cache_answer(cache, r, patient_id, &ret))
        return ret;
    uint64_t generation = srv_doc_cache_generation(cache);
    srv_store *st = srv_thread_store(r->srv);
    srv_version doc;
    int rc = st ? srv_store_document(st, patient_id, 0, &doc) : SRV_E_IO;
    if (rc == SRV_E_NOTFOUND || rc == SRV_E_INVALID)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found",
                        "there is no handover for this patient",
                        "voor deze patiënt is geen overdracht");
    if (rc)
        return srv_fail_store(r, rc);
    srv_doc_form form = srv_doc_form_of(r);
    const char *bytes = NULL;
    size_t len = 0;
    if (srv_doc_form_make(r->a, &doc, form, r->srv->cfg->review_days, &bytes, &len) == 0)
        srv_doc_cache_put_read(cache, generation, patient_id, &doc, form, bytes, len);
    else
        bytes = NULL; /* srv_send_document makes it again and says what failed */
    /* the response just cached (or a newer one), else the form made here */
    if (!srv_doc_cache_answer(cache, r, patient_id, &ret)) {
        r->audit.entity = fhir_arena_printf(r->a, "Bundle/%s/_history/%llu", patient_id,
                                            (unsigned long long)doc.version);
        ret = srv_send_document(r, &doc, bytes, len);
    }
    srv_version_free(&doc);
    return ret;
}

enum MHD_Result srv_handle_handover(srv_request *r)
{
    if (r->path.id)
        return srv_answer_document(r, r->path.id);
    const char *sys, *val;
    int by_token = srv_split_token(r->a, srv_arg(r, "identifier"), &sys, &val) == 0;
    if (by_token && strcmp(sys, SRV_BSN_SYSTEM) == 0)
        r->audit.bsn = val;
    if (!by_token)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "required",
                        "Patient/$handover needs identifier=system|value",
                        "Patient/$handover heeft identifier=system|value nodig");
    srv_store *st = srv_thread_store(r->srv);
    if (!st)
        return srv_fail_store(r, SRV_E_IO);
    char *ids[2];
    size_t n = 0;
    int rc = srv_store_find(st, "Patient", sys, val, ids, 2, &n);
    if (rc)
        return srv_fail_store(r, rc);
    const char *id = n == 1 ? fhir_arena_strdup(r->a, ids[0]) : NULL;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    if (n == 0)
        return srv_fail(r, MHD_HTTP_NOT_FOUND, "not-found", "no patient has this identifier",
                        "geen patiënt heeft deze identificatie");
    if (n > 1)
        return srv_fail(r, MHD_HTTP_CONFLICT, "multiple-matches",
                        "more than one patient has this identifier",
                        "meer dan één patiënt heeft deze identificatie");
    if (!id)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    return srv_answer_document(r, id);
}
