/*
 * fhir_json_write.c — writes the element tree as FHIR R4 JSON.
 *
 * resourceType first, then properties in definition order; repeating
 * elements as arrays; a primitive's id and extensions in "_name" right after
 * "name" (arrays of them aligned with nulls); numbers and booleans unquoted
 * exactly as written, so decimals keep their precision ("1.50").
 */
#include <string.h>

#include "fhir_internal.h"
#include "fhir_primitive.h"

typedef struct writer {
    fhir_buf *out;
    int pretty;
} writer;

static void newline(writer *w, unsigned depth)
{
    if (!w->pretty)
        return;
    fhir_buf_addc(w->out, '\n');
    for (unsigned i = 0; i < depth; i++)
        fhir_buf_add(w->out, "  ", 2);
}

static void string(fhir_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    fhir_buf_addc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fhir_buf_add(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': fhir_buf_add(b, "\\\"", 2); break;
        case '\\': fhir_buf_add(b, "\\\\", 2); break;
        case '\n': fhir_buf_add(b, "\\n", 2); break;
        case '\r': fhir_buf_add(b, "\\r", 2); break;
        case '\t': fhir_buf_add(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            fhir_buf_add(b, u, 6);
        }
        }
    }
    fhir_buf_add(b, s + run, len - run);
    fhir_buf_addc(b, '"');
}

static void key(writer *w, unsigned depth, int *first, const char *prefix, const char *name)
{
    if (!*first)
        fhir_buf_addc(w->out, ',');
    *first = 0;
    newline(w, depth);
    fhir_buf_addc(w->out, '"');
    if (prefix)
        fhir_buf_adds(w->out, prefix);
    fhir_buf_adds(w->out, name);
    fhir_buf_add(w->out, w->pretty ? "\": " : "\":", w->pretty ? 3 : 2);
}

static void object(writer *w, const fhir_node *n, unsigned depth, int resource);

static void primitive_value(writer *w, const fhir_node *n)
{
    if (!n->value) {
        fhir_buf_add(w->out, "null", 4);
        return;
    }
    fhir_prim k = fhir__prim_of(n->type);
    /* a value that is not a valid literal stays a string, so the JSON stays JSON */
    if (fhir_prim_json_unquoted(k) && fhir_primitive_valid(k, n->value, n->value_len))
        fhir_buf_add(w->out, n->value, n->value_len);
    else
        string(w->out, n->value, n->value_len);
}

/* Writes one run of siblings with the same name. Returns the node after it. */
static const fhir_node *run(writer *w, const fhir_node *c, unsigned depth, int *first)
{
    const fhir_node *end = c->next;
    size_t count = 1;
    while (end && end->elem == c->elem && strcmp(end->name, c->name) == 0) {
        end = end->next;
        count++;
    }
    int array = count > 1 || (c->elem != FHIR_NONE && fhir_elems[c->elem].max > 1);
    if (!fhir_node_is_primitive(c)) {
        int resource = c->elem != FHIR_NONE && (fhir_elems[c->elem].flags & FHIR_ELEM_RESOURCE);
        key(w, depth, first, NULL, c->name);
        if (array)
            fhir_buf_addc(w->out, '[');
        for (const fhir_node *i = c; i != end; i = i->next) {
            if (i != c)
                fhir_buf_addc(w->out, ',');
            if (array)
                newline(w, depth + 1);
            object(w, i, depth + 1 + (array ? 1 : 0), resource);
        }
        if (array) {
            newline(w, depth);
            fhir_buf_addc(w->out, ']');
        }
        return end;
    }
    int values = 0, extras = 0;
    for (const fhir_node *i = c; i != end; i = i->next) {
        values += i->value != NULL;
        extras += i->first != NULL;
    }
    if (values) {
        key(w, depth, first, NULL, c->name);
        if (array)
            fhir_buf_addc(w->out, '[');
        for (const fhir_node *i = c; i != end; i = i->next) {
            if (i != c)
                fhir_buf_add(w->out, w->pretty ? ", " : ",", w->pretty ? 2 : 1);
            primitive_value(w, i);
        }
        if (array)
            fhir_buf_addc(w->out, ']');
    }
    if (extras) {
        key(w, depth, first, "_", c->name);
        if (array)
            fhir_buf_addc(w->out, '[');
        for (const fhir_node *i = c; i != end; i = i->next) {
            if (i != c)
                fhir_buf_addc(w->out, ',');
            if (i->first)
                object(w, i, depth + 1, 0);
            else
                fhir_buf_add(w->out, "null", 4);
        }
        if (array)
            fhir_buf_addc(w->out, ']');
    }
    return end;
}

static void object(writer *w, const fhir_node *n, unsigned depth, int resource)
{
    int first = 1;
    fhir_buf_addc(w->out, '{');
    if (resource && n->type != FHIR_NONE) {
        key(w, depth, &first, NULL, "resourceType");
        string(w->out, fhir_types[n->type].name, strlen(fhir_types[n->type].name));
    }
    const fhir_node *c = n->first;
    while (c)
        c = run(w, c, depth, &first);
    newline(w, depth - (depth > 0));
    fhir_buf_addc(w->out, '}');
}

int fhir_write_json(const fhir_node *root, fhir_buf *out, unsigned flags)
{
    if (!root || root->type == FHIR_NONE || fhir_types[root->type].kind != FHIR_KIND_RESOURCE)
        return FHIR_E_INVALID;
    writer w = {.out = out, .pretty = (flags & FHIR_WRITE_PRETTY) != 0};
    object(&w, root, 1, 1);
    if (w.pretty)
        fhir_buf_addc(out, '\n');
    return out->failed ? FHIR_E_NOMEM : 0;
}
