/*
 * handler_validate.c — POST /fhir/{type}/$validate: checks a resource and
 * stores nothing. The body is the resource itself or a Parameters resource
 * with it in parameter "resource" (FHIR Resource-validate).
 *
 * What is checked: the R4 definitions always; for a Bundle also the MGZ
 * handover — a document Bundle against the handover profile and the
 * covenant rules, a transaction or collection Bundle as one patient's
 * records (the rules). The answer is 200 with an OperationOutcome that
 * lists every issue; 400 only when the body cannot be read at all.
 */
#include <string.h>

#include "handover.h"
#include "server.h"

/* The resource inside Parameters.parameter[name=resource], or NULL. */
static fhir_node *parameter_resource(fhir_node *params)
{
    for (fhir_node *p = fhir_node_child(params, "parameter"); p; p = fhir_node_next_same(p)) {
        const char *name = fhir_node_child_value(p, "name");
        if (name && strcmp(name, "resource") == 0)
            return fhir_node_child(p, "resource");
    }
    return NULL;
}

/* Validating a patient's records or a Patient is an access to patient data:
 * the access log gets it, with the BSN when the content carries one. */
static void note_patient(srv_request *r, const fhir_node *res)
{
    const char *type = fhir_node_resource_type(res);
    if (strcmp(type, "Bundle") == 0) {
        for (const fhir_node *e = fhir_node_child(res, "entry"); e; e = fhir_node_next_same(e)) {
            const fhir_node *inner = fhir_node_child(e, "resource");
            if (inner && strcmp(fhir_node_resource_type(inner), "Patient") == 0) {
                note_patient(r, inner);
                return;
            }
        }
        return;
    }
    if (strcmp(type, "Patient") != 0)
        return;
    r->audit.patient_data = 1;
    for (const fhir_node *i = fhir_node_child(res, "identifier"); i; i = fhir_node_next_same(i)) {
        const char *sys = fhir_node_child_value(i, "system");
        if (sys && strcmp(sys, SRV_BSN_SYSTEM) == 0)
            r->audit.bsn = fhir_node_child_value(i, "value");
    }
}

enum MHD_Result srv_handle_validate(srv_request *r)
{
    fhir_outcome o;
    fhir_outcome_init(&o, r->a);
    enum MHD_Result ret;
    fhir_node *res = srv_read_body(r, &o, &ret);
    if (!res)
        return ret;
    fhir_validate(res, &o);
    if (strcmp(fhir_node_resource_type(res), "Parameters") == 0 &&
        strcmp(r->path.type, "Parameters") != 0) {
        fhir_node *inner = parameter_resource(res);
        if (!inner)
            return srv_fail(r, MHD_HTTP_BAD_REQUEST, "required",
                            "Parameters without a parameter named resource",
                            "Parameters zonder parameter met de naam resource");
        res = inner;
    }
    const char *type = fhir_node_resource_type(res);
    if (strcmp(type, r->path.type) != 0)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "invalid",
                        "the resource type differs from the URL's",
                        "het resourcetype verschilt van dat in de URL");
    note_patient(r, res);
    if (strcmp(type, "Bundle") == 0 && !fhir_outcome_has_errors(&o)) {
        handover_options opt = {.review_days = r->srv->cfg->review_days};
        const char *btype = fhir_node_child_value(res, "type");
        if (btype && strcmp(btype, "document") == 0)
            handover_check_document(r->a, res, &opt, &o);
        else if (btype && (strcmp(btype, "transaction") == 0 || strcmp(btype, "collection") == 0))
            handover_check(r->a, res, &opt, &o);
    }
    return srv_fail_outcome(r, MHD_HTTP_OK, &o);
}
