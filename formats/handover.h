/*
 * handover.h — the MGZ patient handover on top of the FHIR library: the
 * covenant rules and the document builder. The content model is described
 * in formats/profile/README.md; canonical base MGZ_BASE.
 *
 * A patient's records are a Bundle (transaction or collection) read with
 * fhir_read. Building checks the rules, then turns that tree into a
 * `document` Bundle in the same arena: the records' resource nodes move into
 * the document, so the input tree is used up.
 */
#ifndef HANDOVER_H
#define HANDOVER_H

#include "fhir.h"

#define MGZ_BASE "https://mgz-overdracht.nl/fhir"
#define MGZ_RULE_SYSTEM MGZ_BASE "/CodeSystem/mgz-rule"

typedef struct handover_options {
    const char *now;      /* "2026-11-23T03:00:00Z": the document's date and "today" for the
                             rules; NULL means the current time */
    unsigned review_days; /* mgz-9: a directive reviewed longer ago warns (0: 365) */
} handover_options;

/* Checks the covenant rules mgz-1 … mgz-11 on a patient's records (a Bundle
 * of any type, a handover document included). Adds an issue per broken rule
 * and returns the number of errors. */
unsigned handover_check(fhir_arena *a, const fhir_node *records, const handover_options *opt,
                        fhir_outcome *o);

/* Builds the handover document from the records. Returns the document
 * Bundle, or NULL when a rule error (or out-of-memory) blocks the build; all
 * issues are on `o`. Deterministic: the same records and `now` give the same
 * document. */
fhir_node *handover_build(fhir_arena *a, fhir_node *records, const handover_options *opt,
                          fhir_outcome *o);

/* Checks a document against the handover profile (Composition first with
 * the profile's type, sections in order, entries resolvable) and the rules.
 * Returns the number of errors. */
unsigned handover_check_document(fhir_arena *a, const fhir_node *document,
                                 const handover_options *opt, fhir_outcome *o);

/* The organisations (URA) in the records' care team: its managing
 * organisations, Organization members, the organisations of PractitionerRole
 * members, and onBehalfOf — current and former participants alike. The
 * strings live in the records' tree or the arena. 0, or FHIR_E_NOMEM. */
int handover_team_organisations(fhir_arena *a, const fhir_node *records, const char ***uras,
                                size_t *count);

#endif
