/*
 * fhir_xhtml.c — canonical serialisation of the narrative <div> and the
 * FHIR narrative rules: root <div> in the XHTML namespace, only the basic
 * XHTML elements and no event attributes (txt-1), some content (txt-2), no
 * processing instructions. See fhir_xhtml.h for the canonical form.
 *
 * Strings from JSON are untrusted: they are parsed by a SAX handler that
 * stops at any DOCTYPE or entity reference, with no network.
 */
#include <string.h>

#include "fhir_internal.h"
#include "fhir_xhtml.h"

#define XHTML_NS "http://www.w3.org/1999/xhtml"

static const char *const allowed_elements[] = {
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "caption", "cite", "code", "col",
    "colgroup", "dd", "dfn", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var",
};

static int element_ok(const char *name)
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

static int attr_ok(const char *name)
{
    /* event handlers (onclick, ...) can run script in a reader's browser */
    return !((name[0] == 'o' || name[0] == 'O') && (name[1] == 'n' || name[1] == 'N'));
}

char *fhir__xml_attr_value(fhir_arena *a, const xmlChar *start, const xmlChar *end, size_t *len)
{
    size_t n = (size_t)(end - start);
    char *out = fhir_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        out[w++] = (char)start[i];
        if (start[i] == '&' && n - i >= 5 && memcmp(start + i, "&#38;", 5) == 0)
            i += 4;
    }
    out[w] = '\0';
    *len = w;
    return out;
}

static void problem(fhir__xhtml *x, const char *why)
{
    if (!x->problem)
        x->problem = why;
}

static void escape(fhir__xhtml *x, const char *s, size_t len, int attr)
{
    fhir_buf *b = &x->buf;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = attr ? NULL : "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\n': rep = attr ? "&#10;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        case '\t': rep = attr ? "&#9;" : NULL; break;
        }
        if (rep) {
            fhir_buf_add(b, s + run, i - run);
            fhir_buf_adds(b, rep);
            run = i + 1;
        }
    }
    fhir_buf_add(b, s + run, len - run);
}

static void close_tag(fhir__xhtml *x)
{
    if (x->tag_open) {
        fhir_buf_addc(&x->buf, '>');
        x->tag_open = 0;
    }
}

static void qname(fhir__xhtml *x, const xmlChar *prefix, const xmlChar *local)
{
    if (prefix) {
        fhir_buf_adds(&x->buf, (const char *)prefix);
        fhir_buf_addc(&x->buf, ':');
    }
    fhir_buf_adds(&x->buf, (const char *)local);
}

static void ns_decl(fhir__xhtml *x, const xmlChar *prefix, const xmlChar *uri)
{
    fhir_buf_adds(&x->buf, prefix ? " xmlns:" : " xmlns");
    if (prefix)
        fhir_buf_adds(&x->buf, (const char *)prefix);
    fhir_buf_adds(&x->buf, "=\"");
    escape(x, (const char *)uri, strlen((const char *)uri), 1);
    fhir_buf_addc(&x->buf, '"');
}

void fhir__xhtml_begin(fhir__xhtml *x, size_t limit)
{
    memset(x, 0, sizeof *x);
    fhir_buf_init(&x->buf, limit);
}

void fhir__xhtml_free(fhir__xhtml *x)
{
    fhir_buf_free(&x->buf);
}

void fhir__xhtml_start(fhir__xhtml *x, const xmlChar *local, const xmlChar *prefix,
                       const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
                       const xmlChar **attrs)
{
    if (x->depth == 0 && strcmp((const char *)local, "div") != 0)
        problem(x, "the narrative must be a <div> element");
    close_tag(x);
    fhir_buf_addc(&x->buf, '<');
    qname(x, prefix, local);
    int declared = 0;
    for (int i = 0; i < nns; i++) {
        const xmlChar *p = ns[2 * i];
        ns_decl(x, p, ns[2 * i + 1]);
        if (p == prefix || (p && prefix && strcmp((const char *)p, (const char *)prefix) == 0))
            declared = 1;
    }
    if (x->depth == 0 && !declared && uri)
        ns_decl(x, prefix, uri); /* declared on an ancestor: the string must stand alone */
    for (int i = 0; i < nattr; i++) {
        const xmlChar **at = attrs + 5 * i;
        fhir_buf_addc(&x->buf, ' ');
        qname(x, at[1], at[0]);
        fhir_buf_adds(&x->buf, "=\"");
        size_t n = (size_t)(at[4] - at[3]);
        for (size_t k = 0; k < n;) { /* undo libxml2's "&#38;" for '&' while escaping */
            size_t run = k;
            while (k < n && !(at[3][k] == '&' && n - k >= 5 && memcmp(at[3] + k, "&#38;", 5) == 0))
                k++;
            escape(x, (const char *)at[3] + run, k - run, 1);
            if (k < n) {
                fhir_buf_adds(&x->buf, "&amp;");
                k += 5;
            }
        }
        fhir_buf_addc(&x->buf, '"');
        if (!attr_ok((const char *)at[0]))
            problem(x, "the narrative has an event attribute (txt-1)");
    }
    x->tag_open = 1;
    if (!uri || strcmp((const char *)uri, XHTML_NS) != 0)
        problem(x, "narrative elements must be in the XHTML namespace");
    else if (!element_ok((const char *)local))
        problem(x, "the narrative has an element FHIR does not allow (txt-1)");
    if (strcmp((const char *)local, "img") == 0)
        x->content = 1;
    x->depth++;
}

int fhir__xhtml_end(fhir__xhtml *x, const xmlChar *local, const xmlChar *prefix)
{
    x->depth--;
    if (x->tag_open) {
        fhir_buf_adds(&x->buf, "/>");
        x->tag_open = 0;
    } else {
        fhir_buf_adds(&x->buf, "</");
        qname(x, prefix, local);
        fhir_buf_addc(&x->buf, '>');
    }
    return x->depth == 0;
}

void fhir__xhtml_text(fhir__xhtml *x, const xmlChar *s, size_t len)
{
    close_tag(x);
    escape(x, (const char *)s, len, 0);
    for (size_t i = 0; i < len && !x->content; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            x->content = 1;
}

void fhir__xhtml_comment(fhir__xhtml *x, const xmlChar *s)
{
    close_tag(x);
    fhir_buf_adds(&x->buf, "<!--");
    fhir_buf_adds(&x->buf, (const char *)s);
    fhir_buf_adds(&x->buf, "-->");
}

const char *fhir__xhtml_finish(fhir__xhtml *x)
{
    if (x->buf.failed)
        problem(x, "the narrative is too large");
    if (!x->content)
        problem(x, "the narrative has no content (txt-2)");
    return x->problem;
}

/* ---- a narrative string on its own (FHIR JSON) ----------------------- */

typedef struct parse {
    fhir__xhtml x;
    xmlParserCtxtPtr ctxt;
    int done;           /* the root div has closed */
    const char *fatal;  /* could not be read at all */
} parse;

static void stop(parse *p, const char *why)
{
    if (!p->fatal)
        p->fatal = why;
    xmlStopParser(p->ctxt);
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)ndef;
    fhir__xhtml_start(&((parse *)ctx)->x, local, prefix, uri, nns, ns, nattr, attrs);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)uri;
    parse *p = ctx;
    if (fhir__xhtml_end(&p->x, local, prefix))
        p->done = 1;
}

static void on_text(void *ctx, const xmlChar *s, int len)
{
    parse *p = ctx;
    if (p->x.depth > 0)
        fhir__xhtml_text(&p->x, s, (size_t)len);
}

static void on_comment(void *ctx, const xmlChar *s)
{
    parse *p = ctx;
    if (p->x.depth == 0)
        stop(p, "the narrative string must hold only the <div> element");
    else
        fhir__xhtml_comment(&p->x, s);
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)target; (void)data;
    stop(ctx, "processing instructions are not allowed in a narrative");
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name; (void)ext; (void)sys;
    stop(ctx, "a DOCTYPE is not allowed in a narrative");
}

static xmlEntityPtr on_entity(void *ctx, const xmlChar *name)
{
    (void)name;
    stop(ctx, "entity references are not allowed in a narrative");
    return NULL;
}

static void on_error(void *ctx, const xmlError *e)
{
    parse *p = ctx;
    if (e->level >= XML_ERR_ERROR && !p->fatal)
        p->fatal = "the narrative is not well-formed XML";
}

const char *fhir__xhtml_normalize(fhir_arena *a, const char *s, size_t len, const char **out,
                                  size_t *out_len)
{
    *out = s;
    *out_len = len;
    if (len > INT32_MAX)
        return "the narrative is too large";
    if (len < 5 || s[0] != '<' || s[1] == '?' || s[1] == '!')
        return "the narrative string must start with its <div> element";
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    sax.comment = on_comment;
    sax.processingInstruction = on_pi;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.getEntity = on_entity;
    sax.getParameterEntity = on_entity;
    sax.serror = (xmlStructuredErrorFunc)on_error;
    parse p;
    memset(&p, 0, sizeof p);
    fhir__xhtml_begin(&p.x, len * 6 + 256);
    p.ctxt = xmlCreatePushParserCtxt(&sax, &p, NULL, 0, NULL);
    if (!p.ctxt) {
        fhir__xhtml_free(&p.x);
        return "out of memory checking the narrative";
    }
    xmlCtxtUseOptions(p.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA);
    xmlParseChunk(p.ctxt, s, (int)len, 1);
    if (!p.fatal && (!p.ctxt->wellFormed || !p.done))
        p.fatal = "the narrative is not well-formed XML";
    xmlFreeParserCtxt(p.ctxt);
    const char *why = p.fatal ? p.fatal : fhir__xhtml_finish(&p.x);
    if (!p.fatal) {
        char *canon = fhir_arena_strndup(a, p.x.buf.data ? p.x.buf.data : "", p.x.buf.len);
        if (canon) {
            *out = canon;
            *out_len = p.x.buf.len;
        }
    }
    fhir__xhtml_free(&p.x);
    return why;
}
