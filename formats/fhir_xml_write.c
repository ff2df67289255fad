/*
 * fhir_xml_write.c — writes the element tree as FHIR R4 XML.
 *
 * Elements come out in definition order because the tree keeps its children
 * that way; Element.id and Extension.url become attributes, primitive values
 * the value attribute, and the narrative div is copied as the XHTML string
 * it was read or built as (readers have checked it is well-formed).
 */
#include <string.h>

#include "fhir_internal.h"

typedef struct writer {
    fhir_buf *out;
    int pretty;
} writer;

static void indent(writer *w, unsigned depth)
{
    if (!w->pretty)
        return;
    fhir_buf_addc(w->out, '\n');
    for (unsigned i = 0; i < depth; i++)
        fhir_buf_add(w->out, "  ", 2);
}

static void attr_escape(fhir_buf *b, const char *s, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\n': rep = "&#10;"; break;
        case '\r': rep = "&#13;"; break;
        case '\t': rep = "&#9;"; break;
        default: continue;
        }
        fhir_buf_add(b, s + run, i - run);
        fhir_buf_adds(b, rep);
        run = i + 1;
    }
    fhir_buf_add(b, s + run, len - run);
}

static void attribute(writer *w, const char *name, const char *value, size_t len)
{
    fhir_buf_addc(w->out, ' ');
    fhir_buf_adds(w->out, name);
    fhir_buf_add(w->out, "=\"", 2);
    attr_escape(w->out, value, len);
    fhir_buf_addc(w->out, '"');
}

static int is_attr(const fhir_node *n)
{
    return n->elem != FHIR_NONE && (fhir_elems[n->elem].flags & FHIR_ELEM_XMLATTR);
}

static void element(writer *w, const fhir_node *n, unsigned depth);

/* Writes the children of `n` that are elements (not attributes). */
static void children(writer *w, const fhir_node *n, unsigned depth)
{
    for (const fhir_node *c = n->first; c; c = c->next)
        if (!is_attr(c))
            element(w, c, depth);
}

static int has_element_children(const fhir_node *n)
{
    for (const fhir_node *c = n->first; c; c = c->next)
        if (!is_attr(c))
            return 1;
    return 0;
}

/* <Type> ... </Type> for a resource: the root or inside a holder. */
static void resource(writer *w, const fhir_node *n, unsigned depth, int root)
{
    const char *type = fhir_types[n->type].name;
    if (!root)
        indent(w, depth);
    fhir_buf_addc(w->out, '<');
    fhir_buf_adds(w->out, type);
    if (root)
        fhir_buf_adds(w->out, " xmlns=\"http://hl7.org/fhir\"");
    if (!has_element_children(n)) {
        fhir_buf_add(w->out, "/>", 2);
        return;
    }
    fhir_buf_addc(w->out, '>');
    children(w, n, depth + 1);
    indent(w, depth);
    fhir_buf_add(w->out, "</", 2);
    fhir_buf_adds(w->out, type);
    fhir_buf_addc(w->out, '>');
}

static void element(writer *w, const fhir_node *n, unsigned depth)
{
    indent(w, depth);
    if (fhir__prim_of(n->type) == FHIR_PRIM_XHTML) {
        if (n->value)
            fhir_buf_add(w->out, n->value, n->value_len);
        return;
    }
    fhir_buf_addc(w->out, '<');
    fhir_buf_adds(w->out, n->name);
    for (const fhir_node *c = n->first; c; c = c->next)
        if (is_attr(c) && c->value)
            attribute(w, c->name, c->value, c->value_len);
    if (n->value)
        attribute(w, "value", n->value, n->value_len);
    int holder = n->elem != FHIR_NONE && (fhir_elems[n->elem].flags & FHIR_ELEM_RESOURCE) &&
                 !fhir_types[n->type].abstract;
    if (!holder && !has_element_children(n)) {
        fhir_buf_add(w->out, "/>", 2);
        return;
    }
    fhir_buf_addc(w->out, '>');
    if (holder)
        resource(w, n, depth + 1, 0);
    else
        children(w, n, depth + 1);
    indent(w, depth);
    fhir_buf_add(w->out, "</", 2);
    fhir_buf_adds(w->out, n->name);
    fhir_buf_addc(w->out, '>');
}

int fhir_write_xml(const fhir_node *root, fhir_buf *out, unsigned flags)
{
    if (!root || root->type == FHIR_NONE || fhir_types[root->type].kind != FHIR_KIND_RESOURCE)
        return FHIR_E_INVALID;
    writer w = {.out = out, .pretty = (flags & FHIR_WRITE_PRETTY) != 0};
    fhir_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    if (w.pretty)
        fhir_buf_addc(out, '\n');
    resource(&w, root, 0, 1);
    if (w.pretty)
        fhir_buf_addc(out, '\n');
    return out->failed ? FHIR_E_NOMEM : 0;
}
