/*
 * fhir_xhtml.c — checks a narrative <div> given as a string (FHIR JSON
 * carries it that way): well-formed XML, root <div> in the XHTML namespace,
 * only the elements and attributes FHIR allows (txt-1), some content (txt-2).
 *
 * The string comes from untrusted input, so it is parsed with a SAX handler
 * that refuses any DOCTYPE (no DTD, no entities, no network).
 */
#include <string.h>

#include <libxml/parser.h>

#include "fhir_internal.h"
#include "fhir_xhtml.h"

#define XHTML_NS "http://www.w3.org/1999/xhtml"

static const char *const allowed_elements[] = {
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var",
};

int fhir__xhtml_element_ok(const char *name)
{
    size_t lo = 0, hi = sizeof allowed_elements / sizeof *allowed_elements;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(allowed_elements[mid], name);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int fhir__xhtml_attr_ok(const char *name)
{
    /* event handlers (onclick, ...) can run script in a reader's browser */
    return !((name[0] == 'o' || name[0] == 'O') && (name[1] == 'n' || name[1] == 'N'));
}

typedef struct check {
    const char *why;
    unsigned depth;
    int content;
    xmlParserCtxtPtr ctxt;
} check;

static void stop(check *c, const char *why)
{
    if (!c->why)
        c->why = why;
    xmlStopParser(c->ctxt);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)prefix; (void)nns; (void)ns; (void)ndef;
    check *c = ctx;
    if (c->depth == 0 && strcmp((const char *)local, "div") != 0)
        return stop(c, "the narrative must be a <div> element");
    if (!uri || strcmp((const char *)uri, XHTML_NS) != 0)
        return stop(c, "narrative elements must be in the XHTML namespace");
    if (!fhir__xhtml_element_ok((const char *)local))
        return stop(c, "the narrative has an element FHIR does not allow (txt-1)");
    for (int i = 0; i < nattr; i++)
        if (!fhir__xhtml_attr_ok((const char *)attrs[i * 5]))
            return stop(c, "the narrative has an event attribute (txt-1)");
    if (strcmp((const char *)local, "img") == 0)
        c->content = 1;
    c->depth++;
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)local; (void)prefix; (void)uri;
    ((check *)ctx)->depth--;
}

static void on_text(void *ctx, const xmlChar *s, int len)
{
    check *c = ctx;
    for (int i = 0; i < len && !c->content; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            c->content = 1;
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name; (void)ext; (void)sys;
    stop(ctx, "a DOCTYPE is not allowed in a narrative");
}

static void on_error(void *ctx, const xmlError *e)
{
    (void)e;
    check *c = ctx;
    if (!c->why)
        c->why = "the narrative is not well-formed XML";
}

static xmlEntityPtr on_entity(void *ctx, const xmlChar *name)
{
    (void)name;
    stop(ctx, "entity references are not allowed in a narrative");
    return NULL;
}

const char *fhir__xhtml_check(const char *s, size_t len)
{
    if (len > INT32_MAX)
        return "the narrative is too large";
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.internalSubset = on_doctype;
    sax.getEntity = on_entity;
    sax.serror = (xmlStructuredErrorFunc)on_error;
    check c = {0};
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, &c, NULL, 0, NULL);
    if (!ctxt)
        return "out of memory checking the narrative";
    c.ctxt = ctxt;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseChunk(ctxt, s, (int)len, 1);
    if (!c.why && !ctxt->wellFormed)
        c.why = "the narrative is not well-formed XML";
    if (!c.why && !c.content)
        c.why = "the narrative has no content (txt-2)";
    xmlFreeParserCtxt(ctxt);
    return c.why;
}
