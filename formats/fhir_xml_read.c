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
} frame;

typedef struct reader {
    xmlParserCtxtPtr ctxt;
    fhir_arena *a;
    fhir_outcome *o;
    fhir_node *root;
    frame *stack;
    unsigned depth, max_depth;
    int fatal;
    /* the narrative being captured */
    fhir_buf div;
    fhir_node *div_node;
    unsigned div_depth;
    int div_tag_open;  /* "<tag attrs" written, '>' not yet */
    int div_content;
    const char *div_problem;
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
}

/* ---- narrative capture -------------------------------------------------- */

static void div_escape(reader *r, const xmlChar *s, size_t len, int attr)
{
    fhir_buf *b = &r->div;
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

static void div_close_tag(reader *r)
{
    if (r->div_tag_open) {
        fhir_buf_addc(&r->div, '>');
        r->div_tag_open = 0;
    }
}

static void div_problem(reader *r, const char *why)
{
    if (!r->div_problem)
        r->div_problem = why;
}

static void div_start(reader *r, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                      int nns, const xmlChar **ns, int nattr, const xmlChar **attrs)
{
    div_close_tag(r);
    fhir_buf *b = &r->div;
    fhir_buf_addc(b, '<');
    if (prefix) {
        fhir_buf_adds(b, (const char *)prefix);
        fhir_buf_addc(b, ':');
    }
    fhir_buf_adds(b, (const char *)local);
    int declared = 0;
    for (int i = 0; i < nns; i++) {
        const xmlChar *p = ns[2 * i], *u = ns[2 * i + 1];
        fhir_buf_adds(b, p ? " xmlns:" : " xmlns");
        if (p)
            fhir_buf_adds(b, (const char *)p);
        fhir_buf_adds(b, "=\"");
        div_escape(r, u, strlen((const char *)u), 1);
        fhir_buf_addc(b, '"');
        if ((p == prefix || (p && prefix && strcmp((const char *)p, (const char *)prefix) == 0)))
            declared = 1;
    }
    if (r->div_depth == 0 && !declared && uri) {
        /* the div's namespace was declared on an ancestor: make the string stand alone */
        fhir_buf_adds(b, prefix ? " xmlns:" : " xmlns");
        if (prefix)
            fhir_buf_adds(b, (const char *)prefix);
        fhir_buf_adds(b, "=\"");
        div_escape(r, uri, strlen((const char *)uri), 1);
        fhir_buf_addc(b, '"');
    }
    for (int i = 0; i < nattr; i++) {
        const xmlChar **at = attrs + 5 * i;
        fhir_buf_addc(b, ' ');
        if (at[1]) {
            fhir_buf_adds(b, (const char *)at[1]);
            fhir_buf_addc(b, ':');
        }
        fhir_buf_adds(b, (const char *)at[0]);
        fhir_buf_adds(b, "=\"");
        div_escape(r, at[3], (size_t)(at[4] - at[3]), 1);
        fhir_buf_addc(b, '"');
        if (!fhir__xhtml_attr_ok((const char *)at[0]))
            div_problem(r, "the narrative has an event attribute (txt-1)");
    }
    r->div_tag_open = 1;
    if (!uri || strcmp((const char *)uri, XHTML_NS) != 0)
        div_problem(r, "narrative elements must be in the XHTML namespace");
    else if (!fhir__xhtml_element_ok((const char *)local))
        div_problem(r, "the narrative has an element FHIR does not allow (txt-1)");
    if (strcmp((const char *)local, "img") == 0)
        r->div_content = 1;
    r->div_depth++;
}

static void div_end(reader *r, const xmlChar *local, const xmlChar *prefix)
{
    r->div_depth--;
    if (r->div_tag_open) {
        fhir_buf_adds(&r->div, "/>");
        r->div_tag_open = 0;
    } else {
        fhir_buf_adds(&r->div, "</");
        if (prefix) {
            fhir_buf_adds(&r->div, (const char *)prefix);
            fhir_buf_addc(&r->div, ':');
        }
        fhir_buf_adds(&r->div, (const char *)local);
        fhir_buf_addc(&r->div, '>');
    }
    if (r->div_depth > 0)
        return;
    fhir_node *n = r->div_node;
    if (r->div.failed) {
        fatal(r, "too-costly", "out of memory reading the narrative");
        return;
    }
    n->value = fhir_arena_strndup(r->a, r->div.data ? r->div.data : "", r->div.len);
    n->value_len = (uint32_t)r->div.len;
    if (!n->value) {
        fatal(r, "too-costly", "out of memory reading XML");
        return;
    }
    if (!r->div_problem && !r->div_content)
        r->div_problem = "the narrative has no content (txt-2)";
    if (r->div_problem)
        fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "value", "narrative: %s", r->div_problem);
    r->div.len = 0;
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
            n->value = fhir_arena_strndup(r->a, (const char *)at[3], len);
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
            c->value = fhir_arena_strndup(r->a, (const char *)at[3], len);
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
        div_start(r, local, prefix, uri, nns, ns, nattr, attrs);
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
    int out_of_order = parent->last && parent->last->elem > e->elem;
    fhir_node_add(parent, n);
    if (out_of_order)
        fhir_outcome_at(r->o, n, FHIR_SEV_ERROR, "structure",
                        "element '%s' is out of order (see the definition of %s)", name,
                        fhir_types[parent->type].name);
    if (fhir__prim_of(e->type) == FHIR_PRIM_XHTML) {
        r->div_node = n;
        r->div_depth = 0;
        r->div_content = 0;
        r->div_problem = NULL;
        if (strcmp(name, "div") != 0)
            div_problem(r, "the narrative must be a <div> element");
        div_start(r, local, prefix, uri, nns, ns, nattr, attrs);
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
        div_close_tag(r);
        div_escape(r, s, (size_t)len, 0);
        for (int i = 0; i < len && !r->div_content; i++)
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                r->div_content = 1;
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
    reader r = {.a = a, .o = o, .max_depth = lim->max_depth};
    r.stack = fhir_arena_alloc(a, (size_t)(lim->max_depth + 1) * sizeof *r.stack);
    if (!r.stack) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return NULL;
    }
    fhir_buf_init(&r.div, lim->max_bytes);
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_text;
    sax.cdataBlock = on_text;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.getEntity = on_entity;
    sax.getParameterEntity = on_entity;
    sax.serror = (xmlStructuredErrorFunc)on_error;
    r.ctxt = xmlCreatePushParserCtxt(&sax, &r, NULL, 0, NULL);
    if (!r.ctxt) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        fhir_buf_free(&r.div);
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
    fhir_buf_free(&r.div);
    if (ok && fhir_arena_failed(a)) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory reading XML");
        ok = 0;
    }
    return ok ? r.root : NULL;
}
