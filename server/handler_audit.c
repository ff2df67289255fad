/*
 * handler_audit.c — GET /fhir/AuditEvent?patient=…[&date=…][&_count=N]: the
 * access log as FHIR AuditEvent resources, for the privacy officer role.
 *
 * `patient` is the BSN (`http://fhir.nl/fhir/NamingSystem/bsn|999…`), any
 * other Patient identifier, or the resource id (`Patient/x` or `x`); `date`
 * (repeatable) takes eq/ge/gt/le/lt and a date or instant prefix. The log is
 * read from the start (it is a file of lines; a search is a scan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bundle.h"
#include "publish.h"

#define MAX_DATES 4
#define MAX_IDS 8

typedef struct query {
    const char *bsn;
    const char *ids[MAX_IDS];
    size_t nids;
    struct {
        const char *op;
        const char *value;
    } dates[MAX_DATES];
    size_t ndates;
    size_t count;
    const char *unknown;
    int bad_date;
} query;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    query *q = cls;
    if (strcmp(key, "date") == 0) {
        if (!value || q->ndates == MAX_DATES) {
            q->bad_date = 1;
            return MHD_YES;
        }
        static const char *const ops[] = {"eq", "ge", "gt", "le", "lt"};
        const char *op = "eq";
        for (int i = 0; i < 5; i++)
            if (strncmp(value, ops[i], 2) == 0)
                op = ops[i], value += 2;
        if (strlen(value) < 4 || value[0] < '0' || value[0] > '9')
            q->bad_date = 1;
        q->dates[q->ndates].op = op;
        q->dates[q->ndates++].value = value;
    } else if (strcmp(key, "patient") != 0 && strcmp(key, "_count") != 0 &&
               strcmp(key, "_format") != 0 && !q->unknown) {
        q->unknown = key;
    }
    return MHD_YES;
}

static int date_matches(const query *q, const char *time)
{
    for (size_t i = 0; i < q->ndates; i++) {
        const char *v = q->dates[i].value, *op = q->dates[i].op;
        int c = strncmp(time, v, strlen(v));
        if ((op[0] == 'e' && c != 0) || (strcmp(op, "ge") == 0 && c < 0) ||
            (strcmp(op, "gt") == 0 && c <= 0) || (strcmp(op, "le") == 0 && c > 0) ||
            (strcmp(op, "lt") == 0 && c >= 0))
            return 0;
    }
    return 1;
}

static int patient_matches(const query *q, const srv_audit_record *rec)
{
    if (q->bsn && strcmp(rec->bsn, q->bsn) == 0)
        return 1;
    for (size_t i = 0; i < q->nids; i++)
        if (strcmp(rec->patient, q->ids[i]) == 0)
            return 1;
    return 0;
}

static const char *subtype(const char *interaction)
{
    static const char *const map[][2] = {
        {"read", "read"},           {"vread", "vread"},      {"history", "history-instance"},
        {"search", "search-type"},  {"transaction", "transaction"}, {"update", "update"},
        {"create", "create"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], interaction) == 0)
            return map[i][1];
    return "operation"; /* $handover, $validate */
}

static fhir_node *add(fhir_arena *a, fhir_node *n, const char *name, const char *value)
{
    return n ? fhir_node_add_named(a, n, name, value) : NULL;
}

static void coding(fhir_arena *a, fhir_node *c, const char *system, const char *code,
                   const char *display)
{
    add(a, c, "system", system);
    add(a, c, "code", code);
    if (display)
        add(a, c, "display", display);
}

/* One log record as an AuditEvent. */
static fhir_node *audit_event(srv_request *r, const srv_audit_record *rec)
{
    fhir_arena *a = r->a;
    fhir_node *e = fhir_node_new(a, "resource", FHIR_NONE, fhir_type_find("AuditEvent"));
    add(a, e, "id", fhir_arena_printf(a, "audit-%lu", rec->seq));
    coding(a, add(a, e, "type", NULL), "http://terminology.hl7.org/CodeSystem/audit-event-type",
           "rest", "RESTful Operation");
    coding(a, add(a, e, "subtype", NULL), "http://hl7.org/fhir/restful-interaction",
           subtype(rec->interaction), rec->interaction);
    add(a, e, "action", rec->action);
    add(a, e, "recorded", rec->time);
    add(a, e, "outcome", rec->status < 400 ? "0" : rec->status < 500 ? "4" : "8");
    add(a, e, "outcomeDesc", fhir_arena_printf(a, "HTTP %u", rec->status));
    int person = rec->user[0] != '\0';
    fhir_node *org = add(a, e, "agent", NULL);
    if (rec->role[0])
        add(a, add(a, org, "role", NULL), "text", rec->role);
    fhir_node *who = add(a, org, "who", NULL);
    fhir_node *ident = add(a, who, "identifier", NULL);
    add(a, ident, "system", "http://fhir.nl/fhir/NamingSystem/ura");
    add(a, ident, "value", rec->org[0] ? rec->org : "-");
    add(a, org, "requestor", person ? "false" : "true");
    fhir_node *net = add(a, org, "network", NULL);
    add(a, net, "address", rec->source);
    add(a, net, "type", "2");
    if (person) {
        fhir_node *p = add(a, e, "agent", NULL);
        if (rec->user_role[0])
            add(a, add(a, p, "role", NULL), "text", rec->user_role);
        add(a, add(a, add(a, p, "who", NULL), "identifier", NULL), "value", rec->user);
        add(a, p, "requestor", "true");
    }
    fhir_node *src = add(a, e, "source", NULL);
    add(a, add(a, src, "observer", NULL), "display", rec->service);
    coding(a, add(a, src, "type", NULL), "http://terminology.hl7.org/CodeSystem/security-source-type",
           "4", "Application Server");
    if (rec->patient[0] || rec->bsn[0]) {
        fhir_node *ent = add(a, e, "entity", NULL);
        fhir_node *what = add(a, ent, "what", NULL);
        if (rec->patient[0])
            add(a, what, "reference", fhir_arena_printf(a, "Patient/%s", rec->patient));
        if (rec->bsn[0]) {
            fhir_node *id = add(a, what, "identifier", NULL);
            add(a, id, "system", SRV_BSN_SYSTEM);
            add(a, id, "value", rec->bsn);
        }
        coding(a, add(a, ent, "type", NULL), "http://terminology.hl7.org/CodeSystem/audit-entity-type",
               "1", "Person");
        coding(a, add(a, ent, "role", NULL), "http://terminology.hl7.org/CodeSystem/object-role",
               "1", "Patient");
    }
    if (rec->entity[0]) {
        fhir_node *ent = add(a, e, "entity", NULL);
        add(a, add(a, ent, "what", NULL), "reference", rec->entity);
        coding(a, add(a, ent, "type", NULL), "http://terminology.hl7.org/CodeSystem/audit-entity-type",
               "2", "System Object");
    }
    return fhir_arena_failed(a) ? NULL : e;
}

/* The patient parameter as a BSN and/or resource ids. 0, or -1 when malformed. */
static int patient_query(srv_request *r, query *q)
{
    const char *p = srv_arg(r, "patient");
    if (!p || !*p)
        return -1;
    const char *sys, *val;
    if (srv_split_token(r->a, p, &sys, &val) == 0) {
        if (strcmp(sys, SRV_BSN_SYSTEM) == 0)
            q->bsn = r->audit.bsn = val; /* reading a patient's log is logged for that patient */
        srv_store *st = srv_thread_store(r->srv);
        char *ids[MAX_IDS];
        size_t n = 0;
        if (st && srv_store_find(st, "Patient", sys, val, ids, MAX_IDS, &n) == 0) {
            for (size_t i = 0; i < n; i++) {
                q->ids[q->nids++] = fhir_arena_strdup(r->a, ids[i]);
                free(ids[i]);
            }
            if (n)
                r->audit.patient = q->ids[0];
        }
        return 0;
    }
    if (strncmp(p, "Patient/", 8) == 0)
        p += 8;
    if (!*p || strchr(p, '/') || strchr(p, '|'))
        return -1;
    q->ids[q->nids++] = r->audit.patient = p;
    return 0;
}

enum MHD_Result srv_handle_audit(srv_request *r)
{
    query q = {.count = 100};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
    if (q.unknown || q.bad_date)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "not-supported",
                        "AuditEvent is searched by patient, date (eq/ge/gt/le/lt) and _count",
                        "AuditEvent zoekt u op patient, date (eq/ge/gt/le/lt) en _count");
    if (patient_query(r, &q) != 0)
        return srv_fail(r, MHD_HTTP_BAD_REQUEST, "required",
                        "patient is required: system|value (e.g. the BSN) or a Patient id",
                        "patient is verplicht: system|value (bijvoorbeeld het BSN) of een Patient-id");
    const char *count = srv_arg(r, "_count");
    if (count) {
        char *end;
        unsigned long n = strtoul(count, &end, 10);
        if (*end || n < 1 || n > 1000)
            return srv_fail(r, MHD_HTTP_BAD_REQUEST, "value", "_count must be 1 to 1000",
                            "_count moet 1 tot 1000 zijn");
        q.count = n;
    }
    FILE *f = fopen(r->srv->audit_path, "r");
    if (!f)
        return srv_fail(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception",
                        "the access log cannot be read", "het toegangslog kan niet worden gelezen");
    fhir_node *b = srv_bundle_new(r, "searchset");
    fhir_node **found = fhir_arena_alloc(r->a, q.count * sizeof *found);
    size_t n = 0, total = 0;
    char line[8192];
    while (b && found && fgets(line, sizeof line, f)) {
        srv_audit_record rec;
        if (srv_audit_parse(line, &rec) != 0 || !patient_matches(&q, &rec) ||
            !date_matches(&q, rec.time))
            continue;
        total++;
        if (n < q.count && !(found[n++] = audit_event(r, &rec)))
            b = NULL;
    }
    fclose(f);
    if (b && srv_bundle_total(r, b, total) != 0)
        b = NULL;
    for (size_t i = 0; b && i < n; i++) {
        fhir_node *e = fhir_node_add_named(r->a, b, "entry", NULL);
        const fhir_name_entry *ne = e ? fhir_name_find(e->type, "resource", 8) : NULL;
        if (!ne || !fhir_node_add_named(r->a, e, "fullUrl",
                                        fhir_arena_printf(r->a, "%s/AuditEvent/%s",
                                                          r->srv->cfg->base_url,
                                                          fhir_node_child_value(found[i], "id")))) {
            b = NULL;
            break;
        }
        found[i]->elem = ne->elem;
        fhir_node_add(e, found[i]);
        fhir_node *s = fhir_node_add_named(r->a, e, "search", NULL);
        fhir_node_add_named(r->a, s, "mode", "match");
    }
    if (!b)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    return srv_send_resource(r, MHD_HTTP_OK, b, NULL, NULL, NULL);
}
