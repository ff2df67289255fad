/*
 * fhir_validate.c — structural validation of a tree against the R4
 * definitions, plus the invariants every exchanged resource needs.
 *
 * Checked: cardinality of every element (min and max), primitive formats,
 * codes of required bindings (code elements, and Coding/CodeableConcept
 * codings whose system belongs to the bound value set), ele-1 (no empty
 * elements), ext-1 (value or nested extensions, not both), ref-1 (local
 * references resolve), dom-2..dom-6 (contained resources), and the Bundle
 * rules bdl-1..bdl-5 and bdl-7..bdl-12. Unknown elements and wrong JSON
 * shapes are found by the readers, which see them first.
 *
 * Every problem is added to the outcome with a FHIRPath expression; the walk
 * does not stop at the first one. Nothing is allocated except issue text.
 */
#include <stdio.h>
#include <string.h>

#include "fhir_internal.h"
#include "fhir_model_gen.h"
#include "fhir_primitive.h"

typedef struct validator {
    fhir_outcome *o;
    unsigned errors;
} validator;

static void issue(validator *v, const fhir_node *n, fhir_severity sev, const char *code,
                  const char *fmt, const char *a1, const char *a2)
{
    if (sev <= FHIR_SEV_ERROR)
        v->errors++;
    fhir_outcome_at(v->o, n, sev, code, fmt, a1, a2);
}

static int is_resource_node(const fhir_node *n)
{
    return !n->parent || (n->elem != FHIR_NONE && (fhir_elems[n->elem].flags & FHIR_ELEM_RESOURCE));
}

static int is_contained(const fhir_node *n)
{
    return n->parent && n->elem != FHIR_NONE && strcmp(fhir_elems[n->elem].name, "contained") == 0 &&
           fhir_types[n->parent->type].kind == FHIR_KIND_RESOURCE;
}

static const fhir_node *child(const fhir_node *n, const char *name)
{
    return n ? fhir_node_child(n, name) : NULL;
}

static const char *child_value(const fhir_node *n, const char *name)
{
    const fhir_node *c = child(n, name);
    return c ? c->value : NULL;
}

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ---- primitives and bindings ------------------------------------------ */

static int system_in(const char *systems, const char *system)
{
    size_t len = strlen(system);
    for (const char *p = systems; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        if (l == len && memcmp(p, system, len) == 0)
            return 1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

static void check_coding(validator *v, const fhir_node *coding, const fhir_binding_def *b,
                         uint16_t binding)
{
    const fhir_node *code = child(coding, "code");
    const char *system = child_value(coding, "system");
    if (!code || !code->value || !system || !system_in(b->systems, system))
        return;
    if (!fhir_binding_has_code(binding, code->value))
        issue(v, code, FHIR_SEV_ERROR, "code-invalid",
              "code '%s' is not in the required value set %s", code->value, b->valueset);
}

static void check_binding(validator *v, const fhir_node *n)
{
    uint16_t binding = fhir_elems[n->elem].binding;
    const fhir_binding_def *b = &fhir_bindings[binding];
    if (!b->complete)
        return;
    if (n->type == FHIR_T_code) {
        if (n->value && !fhir_binding_has_code(binding, n->value))
            issue(v, n, FHIR_SEV_ERROR, "code-invalid",
                  "code '%s' is not in the required value set %s", n->value, b->valueset);
    } else if (n->type == FHIR_T_Coding) {
        check_coding(v, n, b, binding);
    } else if (n->type == FHIR_T_CodeableConcept) {
        for (const fhir_node *c = n->first; c; c = c->next)
            if (c->type == FHIR_T_Coding)
                check_coding(v, c, b, binding);
    }
}

static void check_primitive(validator *v, const fhir_node *n)
{
    fhir_prim k = fhir__prim_of(n->type);
    if (k == FHIR_PRIM_XHTML || !n->value || n->value_len == 0)
        return; /* narratives and empty values were checked by the readers */
    if (!fhir_primitive_valid(k, n->value, n->value_len)) {
        char shown[72];
        snprintf(shown, sizeof shown, "%.*s%s", n->value_len > 60 ? 60 : (int)n->value_len,
                 n->value, n->value_len > 60 ? "..." : "");
        issue(v, n, FHIR_SEV_ERROR, "value", "'%s' is not a valid %s", shown, fhir_prim_name(k));
    }
}

/* ---- cardinality -------------------------------------------------------- */

static void check_cardinality(validator *v, const fhir_node *n)
{
    const fhir_type_def *t = &fhir_types[n->type];
    uint32_t small[256];
    uint32_t *count = small;
    if (t->elem_count > 256)
        count = fhir_arena_zalloc(v->o->arena, t->elem_count * sizeof *count);
    else
        memset(small, 0, t->elem_count * sizeof *small);
    if (!count)
        return;
    for (const fhir_node *c = n->first; c; c = c->next) {
        if (c->elem == FHIR_NONE || c->elem < t->elem_first ||
            c->elem >= t->elem_first + t->elem_count)
            continue;
        uint32_t i = c->elem - t->elem_first;
        const fhir_elem_def *d = &fhir_elems[c->elem];
        if (++count[i] == (uint32_t)d->max + 1 && d->max != FHIR_MANY)
            issue(v, c, FHIR_SEV_ERROR, "structure",
                  d->max == 1 ? "%s may occur only once%s" : "%s occurs too often%s", d->name, "");
    }
    for (uint16_t i = 0; i < t->elem_count; i++) {
        const fhir_elem_def *d = &fhir_elems[t->elem_first + i];
        if (count[i] < d->min)
            issue(v, n, FHIR_SEV_ERROR, "required", "missing required element '%s'%s", d->name,
                  "");
    }
}

/* ---- resource invariants ------------------------------------------------ */

/* 1 when `target` ("#id") is a reference value anywhere under n. */
static int refers_to(const fhir_node *n, const char *target, const fhir_node *skip)
{
    for (const fhir_node *c = n->first; c; c = c->next) {
        if (c == skip)
            continue;
        if (c->value && (c->type == FHIR_T_string || c->type == FHIR_T_uri ||
                         c->type == FHIR_T_canonical || c->type == FHIR_T_url) &&
            strcmp(c->value, target) == 0)
            return 1;
        if (c->first && refers_to(c, target, skip))
            return 1;
    }
    return 0;
}

static int refers_to_container(const fhir_node *n)
{
    for (const fhir_node *c = n->first; c; c = c->next) {
        if (c->value && strcmp(c->value, "#") == 0 && strcmp(c->name, "reference") == 0)
            return 1;
        if (c->first && refers_to_container(c))
            return 1;
    }
    return 0;
}

static void check_contained(validator *v, const fhir_node *res)
{
    for (const fhir_node *c = res->first; c; c = c->next) {
        if (!is_contained(c) || fhir_types[c->type].abstract)
            continue;
        if (child(c, "contained"))
            issue(v, c, FHIR_SEV_ERROR, "invariant",
                  "dom-2: a contained resource must not contain resources%s%s", "", "");
        const fhir_node *meta = child(c, "meta");
        if (child(meta, "versionId") || child(meta, "lastUpdated"))
            issue(v, c, FHIR_SEV_ERROR, "invariant",
                  "dom-4: a contained resource must not have meta.versionId or meta.lastUpdated%s%s",
                  "", "");
        if (child(meta, "security"))
            issue(v, c, FHIR_SEV_ERROR, "invariant",
                  "dom-5: a contained resource must not have security labels%s%s", "", "");
        const char *id = child_value(c, "id");
        char target[80];
        int referenced = 0;
        if (id && strlen(id) < sizeof target - 1) {
            target[0] = '#';
            strcpy(target + 1, id);
            referenced = refers_to(res, target, NULL);
        }
        if (!referenced && !refers_to_container(c))
            issue(v, c, FHIR_SEV_ERROR, "invariant",
                  "dom-3: contained resource '%s' is not referenced from the resource%s",
                  id ? id : "", "");
    }
}

/* ref-1: "#id" references must name a contained resource of the root resource. */
static void check_local_reference(validator *v, const fhir_node *ref)
{
    const fhir_node *r = ref->parent;
    while (r && !is_resource_node(r))
        r = r->parent;
    if (r && is_contained(r))
        r = r->parent;
    if (!r)
        return;
    for (const fhir_node *c = r->first; c; c = c->next)
        if (is_contained(c) && streq(child_value(c, "id"), ref->value + 1))
            return;
    issue(v, ref, FHIR_SEV_ERROR, "invariant",
          "ref-1: local reference '%s' has no contained resource with that id%s", ref->value, "");
}

static void check_bundle(validator *v, const fhir_node *b)
{
    const char *type = child_value(b, "type");
    if (!type)
        return;
    int document = strcmp(type, "document") == 0;
    int search = strcmp(type, "searchset") == 0, history = strcmp(type, "history") == 0;
    const fhir_node *identifier = child(b, "identifier");
    if (document && (!child(identifier, "system") || !child(identifier, "value")))
        issue(v, b, FHIR_SEV_ERROR, "invariant",
              "bdl-9: a document must have an identifier with a system and a value%s%s", "", "");
    if (document && !child(b, "timestamp"))
        issue(v, b, FHIR_SEV_ERROR, "invariant", "bdl-10: a document must have a timestamp%s%s",
              "", "");
    if (child(b, "total") && !search && !history)
        issue(v, b, FHIR_SEV_ERROR, "invariant",
              "bdl-1: total only when a search or history%s%s", "", "");
    const fhir_node *first = child(b, "entry");
    const fhir_node *first_res = child(first, "resource");
    if (document && (!first_res || first_res->type != FHIR_T_Composition))
        issue(v, b, FHIR_SEV_ERROR, "invariant",
              "bdl-11: the first resource of a document must be a Composition%s%s", "", "");
    if (strcmp(type, "message") == 0 && (!first_res || first_res->type != FHIR_T_MessageHeader))
        issue(v, b, FHIR_SEV_ERROR, "invariant",
              "bdl-12: the first resource of a message must be a MessageHeader%s%s", "", "");
    int need_request = strcmp(type, "batch") == 0 || strcmp(type, "transaction") == 0 || history;
    int need_response = strcmp(type, "batch-response") == 0 ||
                        strcmp(type, "transaction-response") == 0 || history;
    for (const fhir_node *e = first; e; e = fhir_node_next_same(e)) {
        const fhir_node *res = child(e, "resource"), *req = child(e, "request"),
                        *resp = child(e, "response");
        if (child(e, "search") && !search)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-2: entry.search only when a search%s%s", "", "");
        if (!need_request && req)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-3: entry.request only for batch, transaction or history%s%s", "", "");
        if (need_request && !req)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-3: entry.request is required in a %s%s", type, "");
        if (!need_response && resp)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-4: entry.response only for batch-response, transaction-response or history%s%s",
                  "", "");
        if (need_response && !resp)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-4: entry.response is required in a %s%s", type, "");
        if (!res && !req && !resp)
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-5: an entry must have a resource, a request or a response%s%s", "", "");
        const char *full = child_value(e, "fullUrl");
        if (!full)
            continue;
        if (strstr(full, "/_history/"))
            issue(v, e, FHIR_SEV_ERROR, "invariant",
                  "bdl-8: fullUrl '%s' must not be version specific%s", full, "");
        if (history)
            continue;
        const char *version = child_value(child(res, "meta"), "versionId");
        for (const fhir_node *p = first; p != e; p = fhir_node_next_same(p)) {
            const char *pv = child_value(child(child(p, "resource"), "meta"), "versionId");
            if (streq(child_value(p, "fullUrl"), full) &&
                (!version || !pv || strcmp(version, pv) == 0)) {
                issue(v, e, FHIR_SEV_ERROR, "invariant",
                      "bdl-7: fullUrl '%s' occurs more than once in the Bundle%s", full, "");
                break;
            }
        }
    }
}

static void check_resource(validator *v, const fhir_node *r)
{
    if (fhir_type_is_a(r->type, FHIR_T_DomainResource)) {
        check_contained(v, r);
        if (!is_contained(r) && !child(child(r, "text"), "div"))
            issue(v, r, FHIR_SEV_WARNING, "invariant",
                  "dom-6: a resource should have a narrative for robust management%s%s", "", "");
    }
    if (r->type == FHIR_T_Bundle)
        check_bundle(v, r);
}

/* ---- the walk ----------------------------------------------------------- */

/* ele-1 counts children other than id: an id alone is not content */
static int has_children_besides_id(const fhir_node *n)
{
    for (const fhir_node *c = n->first; c; c = c->next)
        if (c->elem == FHIR_NONE || strcmp(fhir_elems[c->elem].name, "id") != 0 ||
            !(fhir_elems[c->elem].flags & FHIR_ELEM_XMLATTR))
            return 1;
    return 0;
}

static void check_node(validator *v, const fhir_node *n)
{
    if (n->type == FHIR_NONE || n->type >= fhir_type_count)
        return;
    const fhir_type_def *t = &fhir_types[n->type];
    int resource = is_resource_node(n);
    if (resource && t->abstract)
        return; /* a holder whose resource could not be read: reported already */
    if (t->kind == FHIR_KIND_PRIMITIVE)
        check_primitive(v, n);
    if (n->elem != FHIR_NONE && fhir_elems[n->elem].binding != FHIR_NONE)
        check_binding(v, n);
    if (!resource && !n->value && !has_children_besides_id(n))
        issue(v, n, FHIR_SEV_ERROR, "invariant",
              "ele-1: %s has neither a value nor child elements%s", n->name, "");
    if (t->kind != FHIR_KIND_PRIMITIVE || n->first)
        check_cardinality(v, n);
    if (resource)
        check_resource(v, n);
    if (n->type == FHIR_T_Extension) {
        int nested = 0, value = 0;
        for (const fhir_node *c = n->first; c; c = c->next) {
            nested |= c->type == FHIR_T_Extension;
            value |= c->elem != FHIR_NONE && (fhir_elems[c->elem].flags & FHIR_ELEM_CHOICE);
        }
        if (nested == value)
            issue(v, n, FHIR_SEV_ERROR, "invariant",
                  "ext-1: an extension must have either a value or nested extensions, %s%s",
                  nested ? "not both" : "it has neither", "");
    }
    if (n->type == FHIR_T_string && n->value && n->value[0] == '#' && n->value[1] &&
        strcmp(n->name, "reference") == 0 && n->parent && n->parent->type == FHIR_T_Reference)
        check_local_reference(v, n);
    for (const fhir_node *c = n->first; c; c = c->next)
        check_node(v, c);
}

unsigned fhir_validate(const fhir_node *root, fhir_outcome *o)
{
    validator v = {.o = o};
    if (root)
        check_node(&v, root);
    return v.errors;
}
