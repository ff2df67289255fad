/*
 * fhir_tree.c — building and walking the generic element tree.
 *
 * Invariant: the children of a node are in definition order (ascending
 * `elem`, unknown elements last), repeats of one element adjacent and in
 * instance order. Writers and the validator rely on it; fhir_node_add keeps it.
 */
#include <stdio.h>
#include <string.h>

#include "fhir.h"

fhir_node *fhir_node_new(fhir_arena *a, const char *name, uint16_t elem, uint16_t type)
{
    fhir_node *n = fhir_arena_zalloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->name = fhir_arena_strdup(a, name);
    if (!n->name)
        return NULL;
    n->elem = elem;
    n->type = type;
    return n;
}

void fhir_node_add(fhir_node *parent, fhir_node *child)
{
    child->parent = parent;
    child->next = NULL;
    if (!parent->last) {
        parent->first = parent->last = child;
        return;
    }
    if (parent->last->elem <= child->elem) {
        parent->last->next = child;
        parent->last = child;
        return;
    }
    fhir_node **link = &parent->first;
    while (*link && (*link)->elem <= child->elem)
        link = &(*link)->next;
    child->next = *link;
    *link = child;
}

fhir_node *fhir_node_add_named(fhir_arena *a, fhir_node *parent, const char *name,
                               const char *value)
{
    const fhir_name_entry *e = fhir_name_find(parent->type, name, strlen(name));
    if (!e)
        return NULL;
    fhir_node *n = fhir_node_new(a, name, e->elem, e->type);
    if (!n)
        return NULL;
    if (value) {
        n->value = fhir_arena_strdup(a, value);
        if (!n->value)
            return NULL;
        n->value_len = (uint32_t)strlen(value);
    }
    fhir_node_add(parent, n);
    return n;
}

fhir_node *fhir_node_child(const fhir_node *n, const char *name)
{
    for (fhir_node *c = n->first; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

fhir_node *fhir_node_next_same(const fhir_node *n)
{
    for (fhir_node *c = n->next; c; c = c->next)
        if (strcmp(c->name, n->name) == 0)
            return c;
    return NULL;
}

const char *fhir_node_child_value(const fhir_node *n, const char *name)
{
    fhir_node *c = fhir_node_child(n, name);
    return c ? c->value : NULL;
}

const char *fhir_node_resource_type(const fhir_node *n)
{
    if (n->type == FHIR_NONE || fhir_types[n->type].kind != FHIR_KIND_RESOURCE)
        return NULL;
    return fhir_types[n->type].name;
}

int fhir_node_is_primitive(const fhir_node *n)
{
    return n->type != FHIR_NONE && fhir_types[n->type].kind == FHIR_KIND_PRIMITIVE;
}

/* One FHIRPath step for `n`: "name", "name[2]", "value.ofType(string)",
 * "resource.ofType(Patient)". */
static char *path_step(fhir_arena *a, const fhir_node *n, int last)
{
    if (!n->parent)
        return fhir_arena_strdup(a, n->name);
    if (n->elem == FHIR_NONE)
        return fhir_arena_strdup(a, n->name);
    const fhir_elem_def *d = &fhir_elems[n->elem];
    char index[24] = "";
    if (d->max > 1) {
        unsigned i = 0;
        for (const fhir_node *s = n->parent->first; s && s != n; s = s->next)
            if (s->elem == n->elem)
                i++;
        snprintf(index, sizeof index, "[%u]", i);
    }
    const char *tname = n->type != FHIR_NONE ? fhir_types[n->type].name : "?";
    if (d->flags & FHIR_ELEM_CHOICE)
        return fhir_arena_printf(a, "%s%s.ofType(%s)", d->name, index, tname);
    if (d->flags & FHIR_ELEM_RESOURCE && !last && n->type != FHIR_NONE &&
        !fhir_types[n->type].abstract)
        return fhir_arena_printf(a, "%s%s.ofType(%s)", d->name, index, tname);
    return fhir_arena_printf(a, "%s%s", d->name, index);
}

char *fhir_node_path(fhir_arena *a, const fhir_node *n)
{
    enum { MAX_STEPS = 256 };
    char *steps[MAX_STEPS];
    size_t count = 0, len = 0;
    for (const fhir_node *p = n; p && count < MAX_STEPS; p = p->parent) {
        steps[count] = path_step(a, p, p == n);
        if (!steps[count])
            return NULL;
        len += strlen(steps[count]) + 1;
        count++;
    }
    char *out = fhir_arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    char *w = out;
    for (size_t i = count; i-- > 0;) {
        size_t l = strlen(steps[i]);
        memcpy(w, steps[i], l);
        w += l;
        if (i)
            *w++ = '.';
    }
    *w = '\0';
    return out;
}
