/*
 * handover_narrative.h — writing the handover's Dutch XHTML narrative
 * (handover_narrative.c); used by the document builder, and for its escaping
 * and wording by the doctor's page (handover_html.c).
 */
#ifndef HANDOVER_NARRATIVE_H
#define HANDOVER_NARRATIVE_H

#include <stdio.h>

#include "handover_internal.h"

void hn_begin(fhir_buf *b);                   /* <div xmlns=…> */
const char *hn_end(fhir_arena *a, fhir_buf *b); /* </div>, the string in the arena, b emptied */
void hn_open(fhir_buf *b, const char *tag);
void hn_close(fhir_buf *b, const char *tag);
void hn_text(fhir_buf *b, const char *s);     /* escaped; an en dash for NULL or "" */
void hn_element(fhir_buf *b, const char *tag, const char *text);

const char *hn_decision_nl(fhir_arena *a, const fhir_node *consent);
const char *hn_date_nl(fhir_arena *a, const char *date);
const char *hn_delivery_nl(const char *code);
const char *hn_who(const ho_records *r, const ho_res *h);
const char *hn_reach(const ho_records *r, const fhir_node *res, const char *window);

#endif
