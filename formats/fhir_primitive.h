/*
 * fhir_primitive.h — is this text a valid value of that FHIR R4 primitive type?
 *
 * Hand-written checkers for the lexical form of every R4 primitive (boolean,
 * integer, ... time). They take the value as written ("1.50" stays "1.50")
 * and decide in one pass, without a regex engine and without allocating.
 *
 * What "valid" means: the value matches the type's regex in the R4
 * definitions, AND passes the type in the official XSD (fhir-base.xsd), AND
 * keeps the FHIR rules the regex leaves out:
 *   - never empty (FHIR has no empty values);
 *   - string, markdown, code: at most 1 MiB (1,048,576 characters);
 *   - integer, positiveInt, unsignedInt: within 32-bit signed range;
 *   - dates and times are real calendar values, with no leap second (the XSD
 *     date/time types refuse 2023-02-29 and 23:59:60);
 *   - base64Binary padding bits must be zero (the XSD refuses "QR==");
 *   - uri, url, canonical: the XSD's anyURI syntax (a valid "%XX" after every
 *     '%', one '#', brackets only around a host, a numeric port, ...);
 *   - every text kind refuses characters XML cannot carry: C0 controls other
 *     than tab, CR and LF, and U+FFFE / U+FFFF.
 * So anything accepted here can be written to XML and pass the schema.
 *
 * Limits: the input is taken as UTF-8 that the reader has already checked;
 * these functions do not validate UTF-8. xhtml is not checked here (the XHTML
 * checker does that): it is always reported valid.
 *
 * All functions are pure and thread-safe; nothing is retained.
 */
#ifndef FHIR_PRIMITIVE_H
#define FHIR_PRIMITIVE_H

#include <stddef.h>

#include "fhir_model.h"

/* Longest string, markdown or code value, in characters (FHIR: 1 MB). */
#define FHIR_STRING_MAX_CHARS 1048576u

/* 1 when s[0..len) is a valid lexical value of the primitive kind, 0 if not.
 * s need not be NUL-terminated; no byte past s[len - 1] is read.
 * FHIR_PRIM_NONE and unknown kinds give 0; FHIR_PRIM_XHTML gives 1. */
int fhir_primitive_valid(fhir_prim kind, const char *s, size_t len);

/* "boolean", "dateTime", ... for messages; "?" for an unknown kind
 * (FHIR_PRIM_NONE included). A static string. */
const char *fhir_prim_name(fhir_prim kind);

/* 1 when the value is written as a JSON number or boolean (integer, decimal,
 * positiveInt, unsignedInt, boolean), 0 when it is a JSON string. */
int fhir_prim_json_unquoted(fhir_prim kind);

#endif
