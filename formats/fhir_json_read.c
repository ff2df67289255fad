/*
 * fhir_json_read.c — reads FHIR R4 JSON into the element tree.
 *
 * A streaming reader of our own, driven by the generated definitions, rather
 * than json-c: FHIR JSON forbids duplicate properties, `null` outside the
 * placeholders of primitive arrays, and empty objects, arrays and strings,
 * and json-c can report none of the first and loses where a value was.
 * Reading straight into the tree also avoids building a second tree.
 *
 * Limits: input past lim->max_bytes and nesting past lim->max_depth are
 * refused (fatal, too-costly); invalid UTF-8 and syntax errors are fatal.
 * Numbers are kept as written ("1.50" stays "1.50"). Everything returned
 * lives in the caller's arena.
 *
 * Problems that still leave a usable tree (unknown properties, wrong JSON
 * types, duplicates, nulls, empties) are errors on the outcome; the reader
 * goes on so that one pass reports them all.
 */
#include <stdio.h>
#include <string.h>

#include "fhir_internal.h"
#include "fhir_xhtml.h"

typedef struct reader {
    const char *p, *end;
    const char *line_start;
    uint32_t line;
    unsigned depth, max_depth;
    fhir_arena *a;
    fhir_outcome *o;
    int fatal;
} reader;

/* The `_name` objects of one JSON object, applied once the object is read
 * because `_given` may come before `given`. */
typedef struct pending {
    const fhir_name_entry *entry;
    fhir_node **items;     /* NULL entries are JSON null placeholders */
    size_t count;
    uint32_t line, col;
    struct pending *next;
} pending;

static uint32_t col_of(const reader *r, const char *at)
{
    return (uint32_t)(at - r->line_start) + 1;
}

static int fatal(reader *r, const char *code, const char *fmt, const char *arg)
{
    if (!r->fatal)
        fhir_outcome_add(r->o, FHIR_SEV_FATAL, code, NULL, r->line, col_of(r, r->p), fmt, arg);
    r->fatal = 1;
    return -1;
}

/* An error about the element `name` of `parent` (which may not exist as a node). */
static void error_at(reader *r, fhir_node *parent, const char *name, uint16_t elem, uint16_t type,
                     const char *code, uint32_t line, uint32_t col, const char *fmt,
                     const char *arg)
{
    fhir_node probe = {.name = name, .elem = elem, .type = type, .parent = parent,
                       .line = line, .col = col};
    fhir_outcome_at(r->o, &probe, FHIR_SEV_ERROR, code, fmt, arg);
}

static void skip_ws(reader *r)
{
    const char *p = r->p;
    while (p < r->end) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            p++;
        } else if (c == '\n') {
            r->line++;
            r->line_start = ++p;
        } else {
            break;
        }
    }
    r->p = p;
}

static int expect(reader *r, char c)
{
    skip_ws(r);
    if (r->p >= r->end)
        return fatal(r, "structure", "JSON ends too early: '%s' expected", (char[]){c, 0});
    if (*r->p != c)
        return fatal(r, "structure", "JSON syntax: '%s' expected", (char[]){c, 0});
    r->p++;
    return 0;
}

/* Scans a string token at r->p (on the opening quote). Gives the raw bytes
 * between the quotes and whether they hold escapes or non-ASCII bytes. */
static int scan_string(reader *r, const char **s, size_t *len, int *escaped)
{
    const char *p = r->p + 1;
    int esc = 0, high = 0;
    for (;;) {
        if (p >= r->end)
            return fatal(r, "structure", "JSON ends inside a string%s", "");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20) {
            r->p = p;
            return fatal(r, "structure", "JSON syntax: control character in a string%s", "");
        }
        if (c == '\\') {
            esc = 1;
            p++;
            if (p >= r->end)
                return fatal(r, "structure", "JSON ends inside a string%s", "");
        } else if (c >= 0x80) {
            high = 1;
        }
        p++;
    }
    *s = r->p + 1;
    *len = (size_t)(p - *s);
    *escaped = esc;
    if (high && !fhir__utf8_valid((const unsigned char *)*s, *len))
        return fatal(r, "structure", "invalid UTF-8 in a JSON string%s", "");
    r->p = p + 1;
    return 0;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        unsigned d = (c >= '0' && c <= '9') ? (unsigned)(c - '0')
                   : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                   : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return -1;
        *v = *v * 16 + d;
    }
    return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* Copies a scanned string into the arena, resolving escapes. */
static char *decode_string(reader *r, const char *s, size_t len, int escaped, size_t *outlen)
{
    char *out = fhir_arena_alloc(r->a, len + 1);
    if (!out) {
        fatal(r, "too-costly", "out of memory reading JSON%s", "");
        return NULL;
    }
    if (!escaped) {
        memcpy(out, s, len);
        out[len] = '\0';
        *outlen = len;
        return out;
    }
    char *w = out;
    const char *end = s + len;
    while (s < end) {
        if (*s != '\\') {
            *w++ = *s++;
            continue;
        }
        s++;
        char c = *s++;
        switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (end - s < 4 || hex4(s, &cp) != 0) {
                fatal(r, "structure", "JSON syntax: bad \\u escape%s", "");
                return NULL;
            }
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    fatal(r, "structure", "JSON string has an unpaired surrogate%s", "");
                    return NULL;
                }
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fatal(r, "structure", "JSON string has an unpaired surrogate%s", "");
                return NULL;
            }
            w = put_utf8(w, cp); /* never longer than the 6-byte escape */
            break;
        }
        default:
            fatal(r, "structure", "JSON syntax: bad escape in a string%s", "");
            return NULL;
        }
    }
    *w = '\0';
    *outlen = (size_t)(w - out);
    return out;
}

static int scan_number(reader *r, const char **s, size_t *len)
{
    const char *p = r->p, *start = p;
    if (p < r->end && *p == '-')
        p++;
    if (p < r->end && *p == '0') {
        p++;
    } else if (p < r->end && *p >= '1' && *p <= '9') {
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return fatal(r, "structure", "JSON syntax: bad number%s", "");
    }
    if (p < r->end && *p == '.') {
        p++;
        if (p >= r->end || *p < '0' || *p > '9')
            return fatal(r, "structure", "JSON syntax: bad number%s", "");
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= r->end || *p < '0' || *p > '9')
            return fatal(r, "structure", "JSON syntax: bad number%s", "");
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    *s = start;
    *len = (size_t)(p - start);
    r->p = p;
    return 0;
}

static int literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return fatal(r, "structure", "JSON syntax: unexpected '%.1s'", r->p < r->end ? r->p : "");
    r->p += n;
    return 0;
}

static int enter(reader *r)
{
    if (++r->depth > r->max_depth)
        return fatal(r, "too-costly", "JSON nested deeper than the limit%s", "");
    return 0;
}

/* Skips any JSON value (for properties we do not know). */
static int skip_value(reader *r)
{
    skip_ws(r);
    if (r->p >= r->end)
        return fatal(r, "structure", "JSON ends too early%s", "");
    const char *s;
    size_t len;
    int esc;
    switch (*r->p) {
    case '"':
        return scan_string(r, &s, &len, &esc);
    case '{':
    case '[': {
        char close = *r->p == '{' ? '}' : ']';
        int obj = close == '}';
        if (enter(r) != 0)
            return -1;
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            r->depth--;
            return 0;
        }
        for (;;) {
            if (obj) {
                skip_ws(r);
                if (r->p >= r->end || *r->p != '"')
                    return fatal(r, "structure", "JSON syntax: property name expected%s", "");
                if (scan_string(r, &s, &len, &esc) != 0 || expect(r, ':') != 0)
                    return -1;
            }
            if (skip_value(r) != 0)
                return -1;
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (expect(r, close) != 0)
                return -1;
            r->depth--;
            return 0;
        }
    }
    case 't':
        return literal(r, "true");
    case 'f':
        return literal(r, "false");
    case 'n':
        return literal(r, "null");
    default:
        return scan_number(r, &s, &len);
    }
}

static int read_object(reader *r, fhir_node *node, int is_resource);

/* Reads the value of one primitive item into `n`. */
static int read_primitive(reader *r, fhir_node *parent, fhir_node *n)
{
    fhir_prim prim = fhir__prim_of(n->type);
    int unquoted = prim == FHIR_PRIM_BOOLEAN || prim == FHIR_PRIM_INTEGER ||
                   prim == FHIR_PRIM_DECIMAL || prim == FHIR_PRIM_POSITIVEINT ||
                   prim == FHIR_PRIM_UNSIGNEDINT;
    const char *s;
    size_t len;
    char c = *r->p;
    if (c == '"') {
        int esc;
        if (scan_string(r, &s, &len, &esc) != 0)
            return -1;
        size_t outlen;
        char *v = decode_string(r, s, len, esc, &outlen);
        if (!v)
            return -1;
        n->value = v;
        n->value_len = (uint32_t)outlen;
        if (unquoted)
            error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col,
                     "%s must be a JSON number or boolean, not a string", fhir_types[n->type].name);
        else if (outlen == 0)
            error_at(r, parent, n->name, n->elem, n->type, "value", n->line, n->col,
                     "%s", "empty string: leave the element out instead");
        return 0;
    }
    if (c == 't' || c == 'f') {
        if (literal(r, c == 't' ? "true" : "false") != 0)
            return -1;
        n->value = c == 't' ? "true" : "false";
        n->value_len = c == 't' ? 4 : 5;
        if (prim != FHIR_PRIM_BOOLEAN)
            error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col,
                     "%s must not be a JSON boolean", fhir_types[n->type].name);
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (scan_number(r, &s, &len) != 0)
            return -1;
        n->value = fhir_arena_strndup(r->a, s, len);
        if (!n->value)
            return fatal(r, "too-costly", "out of memory reading JSON%s", "");
        n->value_len = (uint32_t)len;
        if (!unquoted || prim == FHIR_PRIM_BOOLEAN)
            error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col,
                     "%s must not be a JSON number", fhir_types[n->type].name);
        return 0;
    }
    error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col,
             "%s must be a JSON string, number or boolean", fhir_types[n->type].name);
    return skip_value(r);
}

/* Reads one item of the element `e` (not an array) and adds it to parent.
 * `*placeholder` is set when the item was a null inside an array. */
static int read_item(reader *r, fhir_node *parent, const fhir_name_entry *e, int in_array)
{
    skip_ws(r);
    if (r->p >= r->end)
        return fatal(r, "structure", "JSON ends too early%s", "");
    fhir_node *n = fhir__node_alloc(r->a, e->name, e->elem, e->type);
    if (!n)
        return fatal(r, "too-costly", "out of memory reading JSON%s", "");
    n->line = r->line;
    n->col = col_of(r, r->p);
    const fhir_type_def *t = &fhir_types[e->type];
    char c = *r->p;
    if (c == 'n') {
        if (literal(r, "null") != 0)
            return -1;
        if (!in_array || t->kind != FHIR_KIND_PRIMITIVE) {
            error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col, "%s",
                     "null is only allowed as a placeholder in an array of primitives");
            return 0;
        }
        fhir_node_add(parent, n); /* placeholder, filled from `_name` */
        return 0;
    }
    if (t->kind == FHIR_KIND_PRIMITIVE) {
        if (read_primitive(r, parent, n) != 0)
            return -1;
        if (t->prim == FHIR_PRIM_XHTML && n->value) {
            const char *canon;
            size_t canon_len;
            const char *why = fhir__xhtml_normalize(r->a, n->value, n->value_len, &canon, &canon_len);
            n->value = canon;
            n->value_len = (uint32_t)canon_len;
            if (why)
                error_at(r, parent, n->name, n->elem, n->type, "value", n->line, n->col,
                         "narrative: %s", why);
        }
        fhir_node_add(parent, n);
        return 0;
    }
    if (c != '{') {
        error_at(r, parent, n->name, n->elem, n->type, "structure", n->line, n->col,
                 "%s must be a JSON object", t->name);
        return skip_value(r);
    }
    fhir_node_add(parent, n);
    return read_object(r, n, (fhir_elems[e->elem].flags & FHIR_ELEM_RESOURCE) != 0);
}

/* Reads the value of a `_name` property: an object, or for repeating
 * elements an array of objects and nulls. */
static int read_pending(reader *r, fhir_node *parent, const fhir_name_entry *e, pending **list)
{
    pending *pd = fhir_arena_zalloc(r->a, sizeof *pd);
    if (!pd)
        return fatal(r, "too-costly", "out of memory reading JSON%s", "");
    pd->entry = e;
    pd->line = r->line;
    pd->col = col_of(r, r->p);
    int array = *r->p == '[';
    size_t cap = 0;
    if (array != (fhir_elems[e->elem].max > 1))
        error_at(r, parent, e->name, FHIR_NONE, FHIR_NONE, "structure", pd->line, pd->col,
                 array ? "_%s must be an object: the element does not repeat"
                       : "_%s must be an array: the element repeats", e->name);
    if (array) {
        if (enter(r) != 0)
            return -1;
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            r->depth--;
            error_at(r, parent, e->name, FHIR_NONE, FHIR_NONE, "structure", pd->line, pd->col, "%s",
                     "empty array");
            return 0;
        }
    }
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end)
            return fatal(r, "structure", "JSON ends too early%s", "");
        fhir_node *n = NULL;
        if (*r->p == 'n' && array) {
            if (literal(r, "null") != 0)
                return -1;
        } else if (*r->p == '{') {
            n = fhir__node_alloc(r->a, e->name, e->elem, e->type);
            if (!n)
                return fatal(r, "too-costly", "out of memory reading JSON%s", "");
            n->parent = parent;
            n->line = r->line;
            n->col = col_of(r, r->p);
            if (read_object(r, n, 0) != 0)
                return -1;
        } else {
            error_at(r, parent, e->name, e->elem, e->type, "structure", r->line, col_of(r, r->p),
                     "_%s must hold objects with id and extension", e->name);
            if (skip_value(r) != 0)
                return -1;
        }
        if (pd->count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            fhir_node **items = fhir_arena_alloc(r->a, ncap * sizeof *items);
            if (!items)
                return fatal(r, "too-costly", "out of memory reading JSON%s", "");
            if (pd->count)
                memcpy(items, pd->items, pd->count * sizeof *items);
            pd->items = items;
            cap = ncap;
        }
        pd->items[pd->count++] = n;
        if (!array)
            break;
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (expect(r, ']') != 0)
            return -1;
        r->depth--;
        break;
    }
    pd->next = *list;
    *list = pd;
    return 0;
}

/* Joins `_name` objects with the values of `name`, by position. */
static void apply_pending(reader *r, fhir_node *node, pending *list)
{
    for (pending *pd = list; pd; pd = pd->next) {
        const fhir_name_entry *e = pd->entry;
        size_t have = 0;
        for (fhir_node *c = node->first; c; c = c->next)
            if (c->elem == e->elem && c->name == e->name)
                have++;
        if (have == 0) {
            for (size_t i = 0; i < pd->count; i++)
                if (pd->items[i])
                    fhir_node_add(node, pd->items[i]);
            continue;
        }
        if (have != pd->count) {
            error_at(r, node, e->name, e->elem, e->type, "structure", pd->line, pd->col,
                     "_%s must have as many items as the array it extends", e->name);
            continue;
        }
        size_t i = 0;
        for (fhir_node *c = node->first; c; c = c->next) {
            if (c->elem != e->elem || c->name != e->name)
                continue;
            fhir_node *ext = pd->items[i++];
            if (!ext)
                continue;
            fhir_node *k = ext->first;
            while (k) {
                fhir_node *next = k->next;
                fhir_node_add(c, k);
                k = next;
            }
        }
    }
    for (fhir_node *c = node->first; c; c = c->next)
        if (fhir_node_is_primitive(c) && !c->value && !c->first)
            fhir_outcome_at(r->o, c, FHIR_SEV_ERROR, "structure",
                            "null in %s has no matching _%s object", c->name, c->name);
}

/* Finds "resourceType" among the members of the object at r->p ('{')
 * without consuming anything. */
static uint16_t find_resource_type(reader *r, const char **name, size_t *name_len)
{
    reader save = *r;
    uint16_t type = FHIR_NONE;
    *name = NULL;
    r->p++;
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '"')
            break;
        const char *k, *v;
        size_t klen, vlen;
        int esc;
        if (scan_string(r, &k, &klen, &esc) != 0 || expect(r, ':') != 0)
            break;
        skip_ws(r);
        if (klen == 12 && memcmp(k, "resourceType", 12) == 0) {
            if (r->p < r->end && *r->p == '"' && scan_string(r, &v, &vlen, &esc) == 0) {
                *name = v;
                *name_len = vlen;
                type = fhir_resource_find(v, vlen);
            }
            break;
        }
        if (skip_value(r) != 0)
            break;
        skip_ws(r);
        if (r->p >= r->end || *r->p != ',')
            break;
        r->p++;
    }
    int was_fatal = r->fatal && !save.fatal;
    *r = save;
    if (was_fatal)
        r->fatal = 1; /* the syntax error will be met again and reported */
    return type;
}

/* Reads the members of the object at r->p into `node`, whose type is set;
 * for a resource the type is found from resourceType first. */
static int read_object(reader *r, fhir_node *node, int is_resource)
{
    if (enter(r) != 0)
        return -1;
    if (is_resource) {
        const char *rt;
        size_t rtlen = 0;
        uint16_t type = find_resource_type(r, &rt, &rtlen);
        if (r->fatal)
            return -1;
        if (type == FHIR_NONE) {
            char shown[80];
            snprintf(shown, sizeof shown, "%.*s", rt ? (int)(rtlen < 64 ? rtlen : 64) : 0,
                     rt ? rt : "");
            if (!node->parent) {
                r->depth--;
                return fatal(r, "structure",
                             rt ? "unknown resourceType '%s'" : "JSON has no resourceType%s",
                             shown);
            }
            fhir_outcome_at(r->o, node, FHIR_SEV_ERROR, "structure",
                            rt ? "unknown resourceType '%s'" : "resource has no resourceType%s",
                            shown);
            r->depth--;
            return skip_value(r);
        }
        node->type = type;
        if (!node->parent)
            node->name = fhir_types[type].name;
    }
    r->p++; /* '{' */
    const fhir_type_def *t = &fhir_types[node->type];
    uint8_t seen[512] = {0}, seen_ext[512] = {0};
    pending *pend = NULL;
    int seen_resource_type = 0;
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        r->depth--;
        fhir_outcome_at(r->o, node, FHIR_SEV_ERROR, "structure", "%s",
                        "empty object: leave the element out instead");
        return 0;
    }
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end)
            return fatal(r, "structure", "JSON ends too early%s", "");
        if (*r->p != '"')
            return fatal(r, "structure", "JSON syntax: property name expected%s", "");
        uint32_t kline = r->line, kcol = col_of(r, r->p);
        const char *k;
        size_t klen;
        int esc;
        if (scan_string(r, &k, &klen, &esc) != 0 || expect(r, ':') != 0)
            return -1;
        skip_ws(r);
        if (r->p >= r->end)
            return fatal(r, "structure", "JSON ends too early%s", "");
        int ext = klen > 1 && k[0] == '_';
        const fhir_name_entry *e = esc ? NULL : fhir_name_find(node->type, k + ext, klen - ext);
        if (is_resource && !ext && klen == 12 && memcmp(k, "resourceType", 12) == 0) {
            if (seen_resource_type++)
                error_at(r, node, "resourceType", FHIR_NONE, FHIR_NONE, "structure", kline, kcol,
                         "duplicate property '%s'", "resourceType");
            if (skip_value(r) != 0)
                return -1;
            goto next;
        }
        if (!e || (ext && fhir_types[e->type].kind != FHIR_KIND_PRIMITIVE)) {
            char shown[80];
            snprintf(shown, sizeof shown, "%.*s", (int)(klen < 64 ? klen : 64), k);
            error_at(r, node, shown, FHIR_NONE, FHIR_NONE, "structure", kline, kcol,
                     "unknown property '%s'", shown);
            if (skip_value(r) != 0)
                return -1;
            goto next;
        }
        size_t slot = (size_t)(e - (fhir_names + t->name_first));
        uint8_t *map = ext ? seen_ext : seen;
        if (slot < sizeof seen * 8) {
            if (map[slot / 8] & (1u << (slot % 8))) {
                error_at(r, node, e->name, e->elem, e->type, "structure", kline, kcol,
                         "duplicate property '%s'", e->name);
                if (skip_value(r) != 0)
                    return -1;
                goto next;
            }
            map[slot / 8] |= (uint8_t)(1u << (slot % 8));
        }
        if (ext) {
            if (read_pending(r, node, e, &pend) != 0)
                return -1;
            goto next;
        }
        int repeats = fhir_elems[e->elem].max > 1;
        if (*r->p == '[') {
            if (!repeats)
                error_at(r, node, e->name, e->elem, e->type, "structure", kline, kcol,
                         "%s does not repeat: no array allowed", e->name);
            if (enter(r) != 0)
                return -1;
            r->p++;
            skip_ws(r);
            if (r->p < r->end && *r->p == ']') {
                r->p++;
                error_at(r, node, e->name, FHIR_NONE, FHIR_NONE, "structure", kline, kcol, "%s",
                         "empty array: leave the property out instead");
            } else {
                for (;;) {
                    if (read_item(r, node, e, 1) != 0)
                        return -1;
                    skip_ws(r);
                    if (r->p < r->end && *r->p == ',') {
                        r->p++;
                        continue;
                    }
                    if (expect(r, ']') != 0)
                        return -1;
                    break;
                }
            }
            r->depth--;
        } else {
            if (repeats)
                error_at(r, node, e->name, e->elem, e->type, "structure", kline, kcol,
                         "%s repeats: its value must be an array", e->name);
            if (read_item(r, node, e, 0) != 0)
                return -1;
        }
    next:
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (expect(r, '}') != 0)
            return -1;
        break;
    }
    r->depth--;
    if (pend || node->first)
        apply_pending(r, node, pend);
    return 0;
}

fhir_node *fhir_read_json(fhir_arena *a, const char *buf, size_t len, const fhir_limits *lim,
                          fhir_outcome *o)
{
    if (!lim)
        lim = &fhir_default_limits;
    reader r = {.p = buf, .end = buf + len, .line_start = buf, .line = 1,
                .max_depth = lim->max_depth, .a = a, .o = o};
    if (len > lim->max_bytes) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0,
                         "input of %zu bytes is larger than the limit of %zu", len, lim->max_bytes);
        return NULL;
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r.p += 3; /* a UTF-8 byte order mark is tolerated */
    skip_ws(&r);
    if (r.p >= r.end || *r.p != '{') {
        fatal(&r, "structure", "a FHIR JSON resource must be an object%s", "");
        return NULL;
    }
    fhir_node *root = fhir__node_alloc(a, "", FHIR_NONE, FHIR_NONE);
    if (!root) {
        fatal(&r, "too-costly", "out of memory reading JSON%s", "");
        return NULL;
    }
    root->line = r.line;
    root->col = col_of(&r, r.p);
    if (read_object(&r, root, 1) != 0)
        return NULL;
    skip_ws(&r);
    if (r.p != r.end) {
        fatal(&r, "structure", "JSON has content after the resource%s", "");
        return NULL;
    }
    if (fhir_arena_failed(a)) {
        fatal(&r, "too-costly", "out of memory reading JSON%s", "");
        return NULL;
    }
    return root;
}
