/*
 * fhir_xml_read.c — reads FHIR R4 XML into the element tree.
 *
 * libxml2's SAX2 interface drives the generated definitions directly, so no
 * DOM is built. Untrusted input is read hardened: any DOCTYPE (and with it
 * every DTD, entity declaration, XXE and entity bomb) stops the parse as a
 * security issue, no network is used (XML_PARSE_NONET), entities are never
 * substituted, and nesting past lim->max_depth or input past lim->max_bytes is
 * refused. The narrative <div> is kept as an XHTML string, re-serialised
 * from the SAX events.
 *
 * Everything returned lives in the caller's arena. Problems that still
 * leave a tree (unknown or misplaced elements, stray text) are errors on the
 * outcome; the first well-formedness or security problem is fatal.
 */
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "fhir_internal.h"
#include "fhir_xhtml.h"

#define FHIR_NS "http://hl7.org/fhir"
#define XHTML_NS "http://www.w3.org/1999/xhtml"

typedef enum frame_kind {
    FRAME_ELEMENT,  /* an element of the definitions */
    FRAME_HOLDER,   /* <contained>, <resource>: waits for the resource element */
    FRAME_RESOURCE, /* the resource element inside a holder */
    FRAME_SKIP,     /* an unknown element: its subtree is skipped */
    FRAME_XHTML     /* inside the narrative div */
} frame_kind;

typedef struct frame {
    fhir_node *node;
    uint8_t kind;
    uint8_t text_reported;
    uint16_t last_elem;  /* definition index of the last child element (attributes aside) */
} frame;

typedef struct reader {
    xmlParserCtxtPtr ctxt;
    fhir_arena *a;
    fhir_outcome *o;
    fhir_node *root;
    frame *stack;
    unsigned depth, max_depth;
    int fatal;
    size_t max_bytes;
    fhir__xhtml div;     /* the narrative being captured */
    fhir_node *div_node;
} reader;

static uint32_t line_of(reader *r)
{
    return (uint32_t)xmlSAX2GetLineNumber(r->ctxt);
}

static uint32_t col_of(reader *r)
{
    return (uint32_t)xmlSAX2GetColumnNumber(r->ctxt);
}

static void fatal(reader *r, const char *code, const char *msg)
{
    if (!r->fatal)
        fhir_outcome_add(r->o, FHIR_SEV_FATAL, code, NULL, line_of(r), col_of(r), "%s", msg);
    r->fatal = 1;
    xmlStopParser(r->ctxt);
}

static void push(reader *r, fhir_node *n, frame_kind kind)
{
    frame *f = &r->stack[r->depth++];
    f->node = n;
    f->kind = (uint8_t)kind;
    f->text_reported = 0;
    f->last_elem = 0;
}

/* ---- the narrative ------------------------------------------------------ */

static void div_end(reader *r, const xmlChar *local, const xmlChar *prefix)
{
    if (!fhir__xhtml_end(&r->div, local, prefix))
        return;
    fhir_node *n = r->div_node;
    const char *why = fhir__xhtml_finish(&r->div);
    if (r->div.buf.failed) {
        fatal(r, "too-costly", "out of memory reading the narrative");
        return;
    }
    n->value = fhir_arena_strndup(r->a, r->div.buf.data ? r->div.buf.data : "", r->div.buf.len);
    n->value_len = (uint32_t)r->div.buf.len;
    if (!n->value) {
        fatal(r, "too-costly", "out of memory reading XML");
        return;
    }
    if (why)
        fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "value", "narrative: %s", why);
    r->div_node = NULL;
}

/* ---- SAX callbacks ------------------------------------------------------ */

/* Applies the attributes of a FHIR element: value, id, url. */
static void take_attributes(reader *r, fhir_node *n, int nattr, const xmlChar **attrs)
{
    for (int i = 0; i < nattr; i++) {
        const xmlChar **at = attrs + 5 * i;
        const char *name = (const char *)at[0];
        size_t len = (size_t)(at[4] - at[3]);
        if (at[2] == NULL && strcmp(name, "value") == 0 && fhir_node_is_primitive(n) &&
            fhir__prim_of(n->type) != FHIR_PRIM_XHTML) {
            n->value = fhir__xml_attr_value(r->a, at[3], at[4], &len);
            n->value_len = (uint32_t)len;
            if (len == 0)
                fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "value", "%s",
                                "empty value: leave the element out instead");
            continue;
        }
        const fhir_name_entry *e = at[2] ? NULL : fhir_name_find(n->type, name, strlen(name));
        if (e && (fhir_elems[e->elem].flags & FHIR_ELEM_XMLATTR)) {
            fhir_node *c = fhir__node_alloc(r->a, e->name, e->elem, e->type);
            if (!c)
                return;
            c->value = fhir__xml_attr_value(r->a, at[3], at[4], &len);
            c->value_len = (uint32_t)len;
            c->line = n->line;
            c->col = n->col;
            fhir_node_add(n, c);
            if (len == 0)
                fhir_outcome_at(r->o, c, FHIR_SEV_ERROR, "value", "%s",
                                "empty value: leave the attribute out instead");
            continue;
        }
        fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "structure", "unknown attribute '%s'", name);
    }
}

static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
    (void)ndef;
    reader *r = ctx;
    if (r->fatal)
        return;
    if (r->depth >= r->max_depth) {
        fatal(r, "too-costly", "XML nested deeper than the limit");
        return;
    }
    const char *name = (const char *)local;
    int fhir_ns = uri && strcmp((const char *)uri, FHIR_NS) == 0;
    if (r->depth == 0) {
        uint16_t t = fhir_ns ? fhir_resource_find(name, strlen(name)) : FHIR_NONE;
        if (t == FHIR_NONE) {
            fatal(r, "structure", "the root element is not a FHIR resource in the FHIR namespace");
            return;
        }
        r->root = fhir__node_alloc(r->a, fhir_types[t].name, FHIR_NONE, t);
        if (!r->root)
            return fatal(r, "too-costly", "out of memory reading XML");
        r->root->line = line_of(r);
        r->root->col = col_of(r);
        take_attributes(r, r->root, nattr, attrs);
        push(r, r->root, FRAME_ELEMENT);
        return;
    }
    frame *top = &r->stack[r->depth - 1];
    switch (top->kind) {
    case FRAME_SKIP:
        push(r, NULL, FRAME_SKIP);
        return;
    case FRAME_XHTML:
        fhir__xhtml_start(&r->div, local, prefix, uri, nns, ns, nattr, attrs);
        push(r, NULL, FRAME_XHTML);
        return;
    case FRAME_HOLDER: {
        fhir_node *h = top->node;
        uint16_t t = fhir_ns ? fhir_resource_find(name, strlen(name)) : FHIR_NONE;
        if (t == FHIR_NONE || !fhir_types[h->type].abstract) {
            fhir_outcome_add(r->o, FHIR_SEV_ERROR, "structure", fhir_node_path(r->a, h),
                             line_of(r), col_of(r),
                             t == FHIR_NONE ? "'%s' is not a FHIR resource"
                                            : "'%s': a holder takes one resource only", name);
            push(r, NULL, FRAME_SKIP);
            return;
        }
        h->type = t;
        take_attributes(r, h, nattr, attrs);
        push(r, h, FRAME_RESOURCE);
        return;
    }
    default:
        break;
    }
    fhir_node *parent = top->node;
    const fhir_name_entry *e = uri ? fhir_name_find(parent->type, name, strlen(name)) : NULL;
    if (e && (fhir_elems[e->elem].flags & FHIR_ELEM_XMLATTR))
        e = NULL; /* id/url are attributes, never elements */
    if (e) {
        /* the narrative div is the one element in the XHTML namespace */
        int xhtml = fhir__prim_of(e->type) == FHIR_PRIM_XHTML;
        if (xhtml ? strcmp((const char *)uri, XHTML_NS) != 0 : !fhir_ns)
            e = NULL, fhir_ns = 0;
    }
    if (!e) {
        fhir_node probe = {.name = name, .elem = FHIR_NONE, .type = FHIR_NONE, .parent = parent};
        char *path = fhir_node_path(r->a, &probe);
        fhir_outcome_add(r->o, FHIR_SEV_ERROR, "structure", path, line_of(r), col_of(r),
                         fhir_ns ? "unknown element '%s'" : "element '%s' is not in the FHIR namespace",
                         name);
        push(r, NULL, FRAME_SKIP);
        return;
    }
    fhir_node *n = fhir__node_alloc(r->a, e->name, e->elem, e->type);
    if (!n)
        return fatal(r, "too-costly", "out of memory reading XML");
    n->line = line_of(r);
    n->col = col_of(r);
    int out_of_order = top->last_elem > e->elem;
    top->last_elem = e->elem;
    fhir_node_add(parent, n);
    if (out_of_order)
        fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "structure",
                        "element '%s' is out of order (see the definition of %s)", name,
                        fhir_types[parent->type].name);
    if (fhir__prim_of(e->type) == FHIR_PRIM_XHTML) {
        fhir__xhtml_free(&r->div);
        fhir__xhtml_begin(&r->div, r->max_bytes);
        r->div_node = n;
        fhir__xhtml_start(&r->div, local, prefix, uri, nns, ns, nattr, attrs);
        push(r, n, FRAME_XHTML);
        return;
    }
    take_attributes(r, n, nattr, attrs);
    push(r, n, (fhir_elems[e->elem].flags & FHIR_ELEM_RESOURCE) ? FRAME_HOLDER : FRAME_ELEMENT);
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    (void)uri;
    reader *r = ctx;
    if (r->fatal || r->depth == 0)
        return;
    frame *top = &r->stack[--r->depth];
    if (top->kind == FRAME_XHTML)
        div_end(r, local, prefix);
    else if (top->kind == FRAME_HOLDER && top->node && fhir_types[top->node->type].abstract)
        fhir_outcome_at(r->o, top->node, FHIR_SEV_ERROR, "required", "%s",
                        "a resource holder must contain a resource");
}

static void on_text(void *ctx, const xmlChar *s, int len)
{
    reader *r = ctx;
    if (r->fatal || r->depth == 0)
        return;
    frame *top = &r->stack[r->depth - 1];
    if (top->kind == FRAME_XHTML) {
        fhir__xhtml_text(&r->div, s, (size_t)len);
        return;
    }
    if (top->kind == FRAME_SKIP || top->text_reported)
        return;
    for (int i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            fhir_outcome_at(r->o, top->node, FHIR_SEV_ERROR, "structure", "%s",
                            "text content is not allowed here: FHIR values go in value=\"\"");
            top->text_reported = 1;
            return;
        }
    }
}

static void on_comment(void *ctx, const xmlChar *s)
{
    reader *r = ctx;
    if (!r->fatal && r->depth > 0 && r->stack[r->depth - 1].kind == FRAME_XHTML)
        fhir__xhtml_comment(&r->div, s); /* comments elsewhere are not part of FHIR data */
}

static void on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)data;
    reader *r = ctx;
    if (!r->fatal && r->depth > 0 && r->stack[r->depth - 1].kind == FRAME_XHTML)
        fhir_outcome_at(r->o, r->div_node, FHIR_SEV_ERROR, "value",
                        "narrative: processing instruction '%s' is not allowed", (const char *)target);
}

/* FHIR XML is always UTF-8: a declaration of another encoding is refused. */
static void on_document(void *ctx)
{
    reader *r = ctx;
    const char *enc = (const char *)r->ctxt->encoding;
    if (enc && strcasecmp(enc, "UTF-8") != 0)
        fatal(r, "structure", "FHIR XML must be UTF-8");
}

static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name; (void)ext; (void)sys;
    fatal(ctx, "security", "a DOCTYPE is not allowed: no DTDs or entity declarations are read");
}

static xmlEntityPtr on_entity(void *ctx, const xmlChar *name)
{
    (void)name;
    fatal(ctx, "security", "entity references other than the XML built-ins are not allowed");
    return NULL;
}

static void on_error(void *ctx, const xmlError *e)
{
    reader *r = ctx;
    if (e->level < XML_ERR_ERROR || r->fatal)
        return;
    char msg[300];
    const char *m = e->message ? e->message : "malformed XML";
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    snprintf(msg, sizeof msg, "XML is not well-formed: %.*s", (int)(n < 250 ? n : 250), m);
    fhir_outcome_add(r->o, FHIR_SEV_FATAL, "structure", NULL, (uint32_t)e->line,
                     (uint32_t)e->int2, "%s", msg);
    r->fatal = 1;
}

fhir_node *fhir_read_xml(fhir_arena *a, const char *buf, size_t len, const fhir_limits *lim,
                         fhir_outcome *o)
{
    if (!lim)
        lim = &fhir_default_limits;
    if (len > lim->max_bytes || len > INT32_MAX) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0,
                         "input of %zu bytes is larger than the limit of %zu", len, lim->max_bytes);
        return NULL;
    }
    /* libxml2 would switch to UTF-16 on a byte-order mark or NUL bytes
     * without any declaration saying so; FHIR XML is UTF-8 only */
    const unsigned char *u = (const unsigned char *)buf;
    if (len >= 2 && ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0xFF && u[1] == 0xFE) ||
                     u[0] == 0 || u[1] == 0)) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "structure", NULL, 0, 0,
                         "FHIR XML must be UTF-8 (this looks like UTF-16 or UTF-32)");
        return NULL;
    }
    reader r = {.a = a, .o = o, .max_depth = lim->max_depth};
    r.stack = fhir_arena_alloc(a, (size_t)(lim->max_depth + 1) * sizeof *r.stack);
    if (!r.stack) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return NULL;
    }
    r.max_bytes = lim->max_bytes;
    fhir__xhtml_begin(&r.div, lim->max_bytes);
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    sax.comment = on_comment;
    sax.processingInstruction = on_pi;
    sax.startDocument = on_document;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.getEntity = on_entity;
    sax.getParameterEntity = on_entity;
    sax.serror = (xmlStructuredErrorFunc)on_error;
    r.ctxt = xmlCreatePushParserCtxt(&sax, &r, NULL, 0, NULL);
    if (!r.ctxt) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        fhir__xhtml_free(&r.div);
        return NULL;
    }
    /* NONET: never fetch; no NOENT/DTDLOAD/DTDATTR: nothing from a DTD is used */
    xmlCtxtUseOptions(r.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA);
    xmlParseChunk(r.ctxt, buf, (int)len, 1);
    if (!r.fatal && !r.ctxt->wellFormed)
        fhir_outcome_add(o, FHIR_SEV_FATAL, "structure", NULL, 0, 0, "XML is not well-formed");
    int ok = !r.fatal && r.ctxt->wellFormed && r.root;
    if (!r.fatal && r.ctxt->wellFormed && !r.root)
        fhir_outcome_add(o, FHIR_SEV_FATAL, "structure", NULL, 0, 0, "no resource in the XML");
    xmlFreeParserCtxt(r.ctxt);
    fhir__xhtml_free(&r.div);
    if (ok && fhir_arena_failed(a)) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory reading XML");
        ok = 0;
    }
    return ok ? r.root : NULL;
}
