/*
 * handler_transaction.c — POST /fhir with a transaction Bundle: one
 * patient's handover records published in one atomic step.
 *
 * Steps: read and validate the Bundle (400), check it is one patient's
 * records (422), then inside the write transaction: give every entry its id
 * (PUT Type/id, conditional PUT Type?identifier=…, POST with or without
 * ifNoneExist), point every reference at the ids (fullUrl, or a
 * conditional reference Type?identifier=system|value), write, make the
 * entries the patient's record list, rebuild the document, commit
 * (publish.c). Answer: a transaction-response Bundle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "handover.h"
#include "publish.h"

typedef struct tx_entry {
    fhir_node *entry, *res;
    const char *type;
    const char *full_url;
    const char *id;
    const char *method;
    uint64_t expected;
    int skip;                 /* ifNoneExist matched: nothing written */
    uint64_t version;
    int created;
} tx_entry;

typedef struct tx {
    srv_request *r;
    srv_pub pub;
    tx_entry *e;
    size_t n;
    size_t patient;           /* index of the Patient entry */
} tx;

static int fail(tx *t, unsigned status, const char *code, const fhir_node *at, const char *en,
                const char *nl)
{
    fhir_outcome_rule(&t->pub.o, at, FHIR_SEV_ERROR, code, NULL, NULL, nl, en);
    return (int)status;
}

/* "identifier=system|value" → system and value in the arena; -1 otherwise. */
static int identifier_query(fhir_arena *a, const char *q, const char **sys, const char **val)
{
    if (strncmp(q, "identifier=", 11) != 0 || strchr(q, '&'))
        return -1;
    return srv_split_token(a, q + 11, sys, val);
}

static int has_identifier(const fhir_node *res, const char *sys, const char *val)
{
    for (const fhir_node *i = fhir_node_child(res, "identifier"); i; i = fhir_node_next_same(i)) {
        const char *s = fhir_node_child_value(i, "system");
        const char *v = fhir_node_child_value(i, "value");
        if (s && v && strcmp(s, sys) == 0 && strcmp(v, val) == 0)
            return 1;
    }
    return 0;
}

/* The one stored type/id with this identifier: 0 found, 404 none, 412 several. */
static int find_one(tx *t, const char *type, const char *sys, const char *val, const char **id,
                    const fhir_node *at)
{
    char *ids[2];
    size_t n = 0;
    int rc = srv_store_find(t->pub.st, type, sys, val, ids, 2, &n);
    if (rc)
        return fail(t, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception", at, "the store failed",
                    "de opslag faalde");
    *id = n == 1 ? fhir_arena_strdup(t->r->a, ids[0]) : NULL;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    if (n > 1)
        return fail(t, MHD_HTTP_PRECONDITION_FAILED, "multiple-matches", at,
                    "the identifier matches more than one stored resource",
                    "de identificatie past bij meer dan één opgeslagen resource");
    return n == 1 ? 0 : MHD_HTTP_NOT_FOUND;
}

/* Reads the entries; no store needed yet. */
static int read_entries(tx *t, fhir_node *bundle)
{
    fhir_arena *a = t->r->a;
    size_t n = 0, patients = 0;
    for (fhir_node *e = fhir_node_child(bundle, "entry"); e; e = fhir_node_next_same(e))
        n++;
    if (n == 0)
        return fail(t, MHD_HTTP_UNPROCESSABLE_CONTENT, "required", bundle,
                    "the transaction has no entries", "de transactie heeft geen entries");
    t->e = fhir_arena_zalloc(a, n * sizeof *t->e);
    if (!t->e)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    for (fhir_node *e = fhir_node_child(bundle, "entry"); e; e = fhir_node_next_same(e)) {
        tx_entry *x = &t->e[t->n++];
        x->entry = e;
        x->res = fhir_node_child(e, "resource");
        x->full_url = fhir_node_child_value(e, "fullUrl");
        const fhir_node *req = fhir_node_child(e, "request");
        x->method = req ? fhir_node_child_value(req, "method") : NULL;
        if (!x->res || !req)
            return fail(t, MHD_HTTP_BAD_REQUEST, "required", e,
                        "every entry needs a resource and a request",
                        "elke entry heeft een resource en een request nodig");
        x->type = fhir_node_resource_type(x->res);
        if (!x->method || (strcmp(x->method, "PUT") != 0 && strcmp(x->method, "POST") != 0))
            return fail(t, MHD_HTTP_BAD_REQUEST, "not-supported", req,
                        "only POST and PUT entries can publish records",
                        "alleen POST- en PUT-entries kunnen gegevens publiceren");
        if (!srv_is_record_type(x->type))
            return fail(t, MHD_HTTP_UNPROCESSABLE_CONTENT, "not-supported", x->res,
                        "this resource type is not part of an MGZ handover",
                        "dit resourcetype hoort niet bij een MGZ-overdracht");
        if (strcmp(x->type, "Patient") == 0) {
            t->patient = t->n - 1;
            patients++;
            for (const fhir_node *i = fhir_node_child(x->res, "identifier"); i;
                 i = fhir_node_next_same(i)) {
                const char *sys = fhir_node_child_value(i, "system");
                if (sys && strcmp(sys, SRV_BSN_SYSTEM) == 0)
                    t->r->audit.bsn = fhir_node_child_value(i, "value");
            }
        }
        const char *if_match = fhir_node_child_value(req, "ifMatch");
        if (srv_if_match_version(if_match, &x->expected) != 0)
            return fail(t, MHD_HTTP_BAD_REQUEST, "value", req,
                        "ifMatch is not an ETag like W/\"3\"", "ifMatch is geen ETag zoals W/\"3\"");
    }
    if (patients != 1) {
        /* the covenant rules say what is wrong (mgz-11); the general reason if they do not */
        handover_options opt = {.review_days = t->r->srv->cfg->review_days};
        if (handover_check(a, bundle, &opt, &t->pub.o) == 0)
            fail(t, MHD_HTTP_UNPROCESSABLE_CONTENT, "business-rule", bundle,
                 "a publish carries the records of exactly one patient (one Patient entry)",
                 "een publicatie bevat de gegevens van precies één patiënt (één Patient-entry)");
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    }
    return 0;
}

/* Gives entry x its id from request.url (and the store for conditional ones). */
static int assign_id(tx *t, tx_entry *x)
{
    fhir_arena *a = t->r->a;
    const fhir_node *req = fhir_node_child(x->entry, "request");
    const char *url = fhir_node_child_value(req, "url");
    size_t tl = strlen(x->type);
    if (!url || strncmp(url, x->type, tl) != 0 || (url[tl] && url[tl] != '/' && url[tl] != '?'))
        return fail(t, MHD_HTTP_BAD_REQUEST, "value", req,
                    "request.url must name the entry's resource type",
                    "request.url moet het resourcetype van de entry noemen");
    const char *rest = url + tl;
    const char *sys, *val;
    int rc;
    if (strcmp(x->method, "PUT") == 0 && rest[0] == '/') {
        x->id = rest + 1;
        const char *own = fhir_node_child_value(x->res, "id");
        if (!*x->id || strchr(x->id, '/') || strlen(x->id) > 64 || (own && strcmp(own, x->id) != 0))
            return fail(t, MHD_HTTP_BAD_REQUEST, "value", req,
                        "request.url Type/id must match the resource's id",
                        "request.url Type/id moet overeenkomen met de id van de resource");
        return 0;
    }
    if (strcmp(x->method, "PUT") == 0 && rest[0] == '?') {
        if (identifier_query(a, rest + 1, &sys, &val) != 0)
            return fail(t, MHD_HTTP_BAD_REQUEST, "not-supported", req,
                        "conditional update takes identifier=system|value",
                        "voorwaardelijk bijwerken gaat met identifier=system|value");
        rc = find_one(t, x->type, sys, val, &x->id, req);
        if (rc == MHD_HTTP_NOT_FOUND) {
            x->id = srv_new_id(a);
            rc = 0;
        }
        return rc;
    }
    if (strcmp(x->method, "POST") == 0 && rest[0] == '\0') {
        const char *cond = fhir_node_child_value(req, "ifNoneExist");
        if (cond) {
            if (identifier_query(a, cond, &sys, &val) != 0)
                return fail(t, MHD_HTTP_BAD_REQUEST, "not-supported", req,
                            "ifNoneExist takes identifier=system|value",
                            "ifNoneExist gaat met identifier=system|value");
            rc = find_one(t, x->type, sys, val, &x->id, req);
            if (rc == 0)
                x->skip = 1; /* it exists: reference it, write nothing */
            if (rc != MHD_HTTP_NOT_FOUND)
                return rc;
        }
        x->id = srv_new_id(a);
        x->expected = UINT64_MAX;
        return 0;
    }
    return fail(t, MHD_HTTP_BAD_REQUEST, "value", req,
                "request.url must be Type, Type/id or Type?identifier=system|value",
                "request.url moet Type, Type/id of Type?identifier=system|value zijn");
}

/* What a reference string in the Bundle should become: "Type/id", NULL to keep it. */
static const char *resolve_reference(tx *t, const char *ref, const fhir_node *at, int *rc)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].full_url && strcmp(t->e[i].full_url, ref) == 0)
            return fhir_arena_printf(t->r->a, "%s/%s", t->e[i].type, t->e[i].id);
    const char *q = strchr(ref, '?');
    if (!q)
        return NULL;
    const char *type = fhir_arena_strndup(t->r->a, ref, (size_t)(q - ref));
    const char *sys, *val, *id;
    if (!type || identifier_query(t->r->a, q + 1, &sys, &val) != 0) {
        *rc = fail(t, MHD_HTTP_BAD_REQUEST, "not-supported", at,
                   "a conditional reference takes Type?identifier=system|value",
                   "een voorwaardelijke verwijzing gaat met Type?identifier=system|value");
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].type, type) == 0 && has_identifier(t->e[i].res, sys, val))
            return fhir_arena_printf(t->r->a, "%s/%s", type, t->e[i].id);
    *rc = find_one(t, type, sys, val, &id, at);
    if (*rc == MHD_HTTP_NOT_FOUND)
        fail(t, MHD_HTTP_NOT_FOUND, "not-found", at,
             "a conditional reference matches no resource",
             "een voorwaardelijke verwijzing past bij geen enkele resource");
    return *rc ? NULL : fhir_arena_printf(t->r->a, "%s/%s", type, id);
}

static int rewrite_references(tx *t, fhir_node *n)
{
    for (fhir_node *c = n->first; c; c = c->next) {
        if (c->value && strcmp(c->name, "reference") == 0 && n->type != FHIR_NONE &&
            strcmp(fhir_types[n->type].name, "Reference") == 0) {
            int rc = 0;
            const char *to = resolve_reference(t, c->value, c, &rc);
            if (rc)
                return rc;
            if (to) {
                c->value = to;
                c->value_len = (uint32_t)strlen(to);
            }
        }
        if (c->first) {
            int rc = rewrite_references(t, c);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Everything inside the write transaction. */
static int publish(tx *t)
{
    int rc;
    for (size_t i = 0; i < t->n; i++)
        if ((rc = assign_id(t, &t->e[i])))
            return rc;
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->e[i].type, t->e[j].type) == 0 && strcmp(t->e[i].id, t->e[j].id) == 0)
                return fail(t, MHD_HTTP_BAD_REQUEST, "duplicate", t->e[i].entry,
                            "two entries write the same resource",
                            "twee entries schrijven dezelfde resource");
    for (size_t i = 0; i < t->n; i++)
        if (!t->e[i].skip && (rc = rewrite_references(t, t->e[i].res)))
            return rc;
    const char **types = fhir_arena_alloc(t->r->a, t->n * sizeof *types);
    const char **ids = fhir_arena_alloc(t->r->a, t->n * sizeof *ids);
    if (!types || !ids)
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    for (size_t i = 0; i < t->n; i++) {
        tx_entry *x = &t->e[i];
        types[i] = x->type;
        ids[i] = x->id;
        if (x->skip)
            continue;
        if ((rc = srv_pub_put(&t->pub, x->res, x->id, x->expected, &x->version)))
            return rc;
        x->created = x->version == 1;
    }
    t->r->audit.patient = t->e[t->patient].id;
    if ((rc = srv_pub_set_records(&t->pub, t->e[t->patient].id, types, ids, t->n)))
        return rc;
    return srv_pub_commit(&t->pub);
}

/* The transaction-response Bundle. */
static fhir_node *response_bundle(tx *t, int prefer)
{
    fhir_arena *a = t->r->a;
    fhir_node *b = fhir_node_new(a, "Bundle", FHIR_NONE, fhir_type_find("Bundle"));
    if (!b || !fhir_node_add_named(a, b, "id", srv_new_id(a)) ||
        !fhir_node_add_named(a, b, "type", "transaction-response"))
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        tx_entry *x = &t->e[i];
        fhir_node *e = fhir_node_add_named(a, b, "entry", NULL);
        if (!e || !fhir_node_add_named(a, e, "fullUrl", fhir_arena_printf(a, "%s/%s/%s",
                                       t->r->srv->cfg->base_url, x->type, x->id)))
            return NULL;
        if (prefer == 0 && !x->skip) {
            const fhir_name_entry *ne = fhir_name_find(e->type, "resource", 8);
            x->res->name = ne->name;
            x->res->elem = ne->elem;
            x->res->parent = NULL;
            x->res->next = NULL;
            fhir_node_add(e, x->res);
        }
        fhir_node *resp = fhir_node_add_named(a, e, "response", NULL);
        if (!resp)
            return NULL;
        fhir_node_add_named(a, resp, "status", x->skip ? "200 OK" : x->created ? "201 Created"
                                                                              : "200 OK");
        if (!x->skip) {
            fhir_node_add_named(a, resp, "location", fhir_arena_printf(a, "%s/%s/_history/%llu",
                                x->type, x->id, (unsigned long long)x->version));
            fhir_node_add_named(a, resp, "etag",
                                fhir_arena_printf(a, "W/\"%llu\"", (unsigned long long)x->version));
            fhir_node_add_named(a, resp, "lastModified", t->pub.now);
        }
    }
    return fhir_arena_failed(a) ? NULL : b;
}

int srv_transaction_run(srv_request *r, fhir_node *bundle, int prefer, fhir_outcome *o,
                        fhir_node **response)
{
    *response = NULL;
    const char *btype = fhir_node_child_value(bundle, "type");
    if (strcmp(fhir_node_resource_type(bundle), "Bundle") != 0 || !btype ||
        strcmp(btype, "transaction") != 0) {
        fhir_outcome_rule(o, NULL, FHIR_SEV_ERROR, "not-supported", NULL, NULL,
                          "POST /fhir neemt een Bundle van het type transaction",
                          "POST /fhir takes a transaction Bundle");
        return MHD_HTTP_BAD_REQUEST;
    }
    tx t = {.r = r};
    t.pub.o = *o;
    int rc = read_entries(&t, bundle);
    if (!rc)
        rc = srv_pub_begin(&t.pub, r);
    if (!rc)
        rc = publish(&t);
    srv_pub_end(&t.pub);
    *o = t.pub.o;
    if (rc)
        return rc;
    *response = response_bundle(&t, prefer);
    return *response ? 0 : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

enum MHD_Result srv_handle_transaction(srv_request *r)
{
    fhir_outcome o;
    fhir_outcome_init(&o, r->a);
    enum MHD_Result ret;
    fhir_node *bundle = srv_read_body(r, &o, &ret);
    if (!bundle)
        return ret;
    if (fhir_validate(bundle, &o) != 0 || fhir_outcome_has_errors(&o))
        return srv_fail_outcome(r, MHD_HTTP_BAD_REQUEST, &o);
    fhir_node *resp;
    int rc = srv_transaction_run(r, bundle, srv_prefer_return(r), &o, &resp);
    if (rc)
        return srv_fail_outcome(r, (unsigned)rc, &o);
    return srv_send_resource(r, MHD_HTTP_OK, resp, NULL, NULL, NULL);
}
