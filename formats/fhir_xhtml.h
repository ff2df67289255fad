/*
 * fhir_xhtml.h — the narrative <div>: one canonical serialisation and the
 * FHIR narrative rules, shared by the XML reader (which feeds it the SAX
 * events of the div inside a resource) and the JSON reader (which parses the
 * div string on its own). Both readers therefore store the same string for
 * the same XHTML, so XML and JSON round trips agree byte for byte.
 *
 * Canonical form: elements and attributes as written (prefixes kept), the
 * div's namespace declared on the div itself, empty elements as <x/>, text
 * and attribute values re-escaped (& < > in text; & < " TAB LF CR in
 * attributes), character references resolved to UTF-8, comments kept.
 */
#ifndef FHIR_XHTML_H
#define FHIR_XHTML_H

#include <libxml/parser.h>

#include "fhir.h"

typedef struct fhir__xhtml {
    fhir_buf buf;
    unsigned depth;
    int tag_open;        /* "<tag attrs" written, '>' not yet */
    int content;         /* non-blank text or an image seen (txt-2) */
    const char *problem; /* first rule broken, or NULL */
} fhir__xhtml;

void fhir__xhtml_begin(fhir__xhtml *x, size_t limit);
void fhir__xhtml_start(fhir__xhtml *x, const xmlChar *local, const xmlChar *prefix,
                       const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
                       const xmlChar **attrs);
/* Returns 1 when this closed the div. */
int fhir__xhtml_end(fhir__xhtml *x, const xmlChar *local, const xmlChar *prefix);
void fhir__xhtml_text(fhir__xhtml *x, const xmlChar *s, size_t len);
void fhir__xhtml_comment(fhir__xhtml *x, const xmlChar *s);
/* The rule broken (txt-2 is checked here), or NULL. */
const char *fhir__xhtml_finish(fhir__xhtml *x);
void fhir__xhtml_free(fhir__xhtml *x);

/* Parses a narrative given as a string (FHIR JSON) with a hardened SAX
 * parser (no DOCTYPE, no entities, no network) and gives its canonical form
 * in the arena. Returns the rule broken, or NULL; *out is set either way
 * (to the input when it could not be parsed). */
const char *fhir__xhtml_normalize(fhir_arena *a, const char *s, size_t len, const char **out,
                                  size_t *out_len);

/* Attribute values from libxml2 2.9 SAX2 without entity substitution carry
 * '&' as "&#38;"; this gives the value as written, in the arena. */
char *fhir__xml_attr_value(fhir_arena *a, const xmlChar *start, const xmlChar *end,
                           size_t *len);

#endif
