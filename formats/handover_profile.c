/*
 * handover_profile.c — checks a handover document against the published
 * profile (formats/profile/): a document Bundle with identifier and
 * timestamp, the Composition first with status final, type LOINC 18761-7,
 * subject, author, and the eight sections in their fixed order, each with
 * narrative; every reference in the Composition resolves to an entry. Then
 * the covenant rules run on the document's resources.
 */
#include <string.h>

#include "handover_internal.h"

static const char *const section_codes[] = {
    "behandelwensen", "bejegening", "regiebehandelaar", "bereikbaarheid",
    "medicatie", "allergieen", "problemen", "wlz-context",
};

static void profile_issue(fhir_arena *a, fhir_outcome *o, const fhir_node *at, unsigned *errors,
                          const char *nl, const char *en)
{
    (*errors)++;
    fhir_outcome_rule(o, at, FHIR_SEV_ERROR, "structure", MGZ_RULE_SYSTEM, "mgz-profile",
                      fhir_arena_printf(a, "mgz-profile: %s", nl),
                      fhir_arena_printf(a, "mgz-profile: %s", en));
}

static void check_reference(const ho_records *r, fhir_outcome *o, const fhir_node *ref,
                            unsigned *errors)
{
    if (ref && !ho_ref(r, ref))
        profile_issue(r->a, o, ref, errors, "de verwijzing wijst niet naar een entry van het document",
                      "the reference does not resolve to an entry of the document");
}

unsigned handover_check_document(fhir_arena *a, const fhir_node *doc, const handover_options *opt,
                                 fhir_outcome *o)
{
    unsigned errors = 0;
    ho_records r;
    if (ho_load(&r, a, doc, opt) != 0) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return 1;
    }
    const char *type = fhir_node_child_value(doc, "type");
    if (!type || strcmp(type, "document") != 0 || !fhir_node_child(doc, "identifier") ||
        !fhir_node_child(doc, "timestamp"))
        profile_issue(a, o, doc, &errors,
                      "een overdracht is een document-Bundle met identifier en timestamp",
                      "a handover is a document Bundle with identifier and timestamp");
    const ho_res *first = r.count ? &r.res[0] : NULL;
    if (!first || strcmp(first->type, "Composition") != 0) {
        profile_issue(a, o, doc, &errors, "de eerste entry is de Composition",
                      "the first entry must be the Composition");
        return errors + handover__check_loaded(&r, o);
    }
    const fhir_node *c = first->node;
    const char *status = fhir_node_child_value(c, "status");
    if (!status || strcmp(status, "final") != 0 ||
        !ho_has_code(fhir_node_child(c, "type"), "http://loinc.org", "18761-7"))
        profile_issue(a, o, c, &errors,
                      "de Composition heeft status final en type LOINC 18761-7",
                      "the Composition must have status final and type LOINC 18761-7");
    const ho_res *subject = ho_ref(&r, fhir_node_child(c, "subject"));
    if (!subject || subject != r.patient)
        profile_issue(a, o, c, &errors, "de Composition verwijst naar de ene patiënt van het document",
                      "the Composition's subject must be the document's one Patient");
    if (!fhir_node_child(c, "author"))
        profile_issue(a, o, c, &errors, "de Composition heeft een auteur",
                      "the Composition must have an author");
    for (const fhir_node *au = fhir_node_child(c, "author"); au; au = fhir_node_next_same(au))
        check_reference(&r, o, au, &errors);
    const fhir_node *sec = fhir_node_child(c, "section");
    for (size_t i = 0; i < sizeof section_codes / sizeof *section_codes; i++) {
        if (!sec || !ho_has_code(fhir_node_child(sec, "code"), SYS_SECTION, section_codes[i])) {
            profile_issue(a, o, sec ? sec : c, &errors,
                          fhir_arena_printf(a, "sectie %zu moet '%s' zijn", i + 1, section_codes[i]),
                          fhir_arena_printf(a, "section %zu must be '%s'", i + 1, section_codes[i]));
            break;
        }
        if (!ho_path(sec, "text.div"))
            profile_issue(a, o, sec, &errors, "elke sectie heeft een tekst (narrative)",
                          "every section must have narrative text");
        for (const fhir_node *e = fhir_node_child(sec, "entry"); e; e = fhir_node_next_same(e))
            check_reference(&r, o, e, &errors);
        sec = fhir_node_next_same(sec);
    }
    if (sec)
        profile_issue(a, o, sec, &errors, "er zijn precies acht secties",
                      "there must be exactly eight sections");
    return errors + handover__check_loaded(&r, o);
}
