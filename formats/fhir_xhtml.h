/*
 * fhir_xhtml.h — the narrative rules shared by the XML and JSON readers.
 */
#ifndef FHIR_XHTML_H
#define FHIR_XHTML_H

/* 1 when FHIR allows this XHTML element in a narrative (txt-1). */
int fhir__xhtml_element_ok(const char *name);
/* 1 when FHIR allows this attribute (no event handlers). */
int fhir__xhtml_attr_ok(const char *name);

#endif
