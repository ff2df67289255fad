/*
 * publish.c — the write path (publish.h): resources in, documents rebuilt,
 * one commit.
 *
 * Build at write: a patient's handover document is rebuilt from the current
 * versions of the patient's records, as this transaction sees them (its own
 * writes included), and stored as JSON with its ETag in the same
 * transaction (the XML and the pages are made from it when read). A covenant rule that the new state breaks rolls
 * everything back (422), so the stored document always follows the rules.
 * 2xx only after srv_txn_commit returned 0, i.e. after the data is durable.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "conformance.h"
#include "doc_cache.h"
#include "handover.h"
#include "handover_sign.h"
#include "publish.h"

#define SRV__MAX_RECORDS 2000      /* records one patient's document is built from */
#define SRV__MAX_SHARERS 1000      /* patients one shared record (an Organization) may rebuild */
#define SRV__DOC_LIMIT (64u * 1024 * 1024)

/* One writer at a time in this process, from srv_pub_begin to srv_pub_end:
 * the store serialises writers anyway (SQLite has one write lock), and
 * holding this across commit and cache update keeps the cache's order the
 * commit order — two writers of one patient cannot leave the older
 * document in the cache — and keeps waiting writers off the store's busy
 * timeout. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

/* The group the calling thread runs writes in (the committer's), or NULL. */
static _Thread_local srv_pub_group *current_group;

static int group_keep_docs(srv_pub *p);

/* A UUID version 7 (RFC 9562): the millisecond, then 74 random bits. Ids
 * made one after another sort one after another, so the store's indexes
 * keyed by id (resource, current, member, identifier) grow at their end
 * instead of at a random leaf each: at 100,000 patients random (version 4)
 * ids made every insert dirty its own page, and loading slowed from 537 to
 * 280 patients/s. The creation time it shows is already in meta.lastUpdated. */
const char *srv_new_id(fhir_arena *a)
{
    unsigned char b[16];
    struct timespec now;
    if (RAND_bytes(b + 6, sizeof b - 6) != 1 || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return NULL;
    uint64_t ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x70);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    return fhir_arena_printf(a, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                             b[11], b[12], b[13], b[14], b[15]);
}

static int oom(srv_pub *p)
{
    fhir_outcome_add(&p->o, FHIR_SEV_FATAL, "exception", NULL, 0, 0, "out of memory");
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* A store error as a status, with an issue that says it. */
static int store_status(srv_pub *p, int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case SRV_E_CONFLICT:
        fhir_outcome_rule(&p->o, NULL, FHIR_SEV_ERROR, "conflict", NULL, NULL,
                          "de resource is gewijzigd sinds de versie in If-Match",
                          "the resource was changed since the version named in If-Match");
        return MHD_HTTP_PRECONDITION_FAILED;
    case SRV_E_BUSY:
        fhir_outcome_rule(&p->o, NULL, FHIR_SEV_ERROR, "transient", NULL, NULL,
                          "de opslag is bezet; probeer opnieuw", "the store is busy; try again");
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    case SRV_E_NOMEM:
        return oom(p);
    case SRV_E_INVALID:
        fhir_outcome_rule(&p->o, NULL, FHIR_SEV_ERROR, "invalid", NULL, NULL,
                          "een sleutel of verwijzing is onbruikbaar (te lang of naar iets dat "
                          "niet bestaat)",
                          "a key or reference is unusable (too long, or to something that does "
                          "not exist)");
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    default:
        srv_log("error", "store-failed", "rc=%d", rc);
        fhir_outcome_rule(&p->o, NULL, FHIR_SEV_FATAL, "exception", NULL, NULL,
                          "de opslag faalde", "the store failed");
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

int srv_pub_begin(srv_pub *p, srv_request *r)
{
    fhir_outcome o = p->o; /* issues gathered before the transaction stay */
    memset(p, 0, sizeof *p);
    p->r = r;
    p->o = o.arena ? o : p->o;
    if (!p->o.arena)
        fhir_outcome_init(&p->o, r->a);
    srv_pub_group *g = current_group;
    p->st = g ? g->st : srv_thread_store(r->srv);
    if (!p->st)
        return store_status(p, SRV_E_IO);
    int rc;
    if (g) { /* a part of the group's transaction; the group holds the lock */
        p->group = g;
        p->t = g->t;
        rc = store_status(p, srv_txn_part_begin(p->t));
        if (rc) {
            p->t = NULL; /* nothing to undo */
            return rc;
        }
    } else {
        pthread_mutex_lock(&writer);
        p->locked = 1;
        rc = store_status(p, srv_store_begin(p->st, &p->t));
        if (rc)
            return rc;
    }
    p->now = fhir_arena_strdup(r->a, srv_txn_time(p->t));
    if (r->peer && r->peer->checked && !r->peer->status && r->peer->id.ura[0])
        p->caller_ura = r->peer->id.ura;
    return p->now ? 0 : oom(p);
}

static int mark_patient(srv_pub *p, const char *patient_id)
{
    for (size_t i = 0; i < p->npatients; i++)
        if (strcmp(p->patients[i], patient_id) == 0)
            return 0;
    if (p->npatients == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        const char **n = fhir_arena_alloc(p->r->a, cap * sizeof *n);
        if (!n)
            return oom(p);
        if (p->npatients)
            memcpy(n, p->patients, p->npatients * sizeof *n);
        p->patients = n;
        p->cap = cap;
    }
    p->patients[p->npatients] = fhir_arena_strdup(p->r->a, patient_id);
    return p->patients[p->npatients++] ? 0 : oom(p);
}

/* Sets (or adds) a primitive child's value. */
static int set_child(fhir_arena *a, fhir_node *n, const char *name, const char *value)
{
    fhir_node *c = fhir_node_child(n, name);
    if (!c)
        return fhir_node_add_named(a, n, name, value) ? 0 : -1;
    c->value = fhir_arena_strdup(a, value);
    c->value_len = c->value ? (uint32_t)strlen(value) : 0;
    return c->value ? 0 : -1;
}

/* id, meta.versionId and meta.lastUpdated as the server assigns them. */
static int stamp(fhir_arena *a, fhir_node *res, const char *id, uint64_t version, const char *now)
{
    fhir_node *meta = fhir_node_child(res, "meta");
    if (!meta)
        meta = fhir_node_add_named(a, res, "meta", NULL);
    char v[24];
    snprintf(v, sizeof v, "%llu", (unsigned long long)version);
    if (!meta || set_child(a, res, "id", id) || set_child(a, meta, "versionId", v) ||
        set_child(a, meta, "lastUpdated", now))
        return -1;
    return 0;
}

/* The resource's identifiers (system and value both present) for the index. */
static int index_identifiers(srv_pub *p, const fhir_node *res, const char *type, const char *id)
{
    const char *sys[64], *val[64];
    size_t n = 0;
    for (const fhir_node *i = fhir_node_child(res, "identifier"); i && n < 64;
         i = fhir_node_next_same(i)) {
        const char *s = fhir_node_child_value(i, "system");
        const char *v = fhir_node_child_value(i, "value");
        if (s && v) {
            sys[n] = s;
            val[n++] = v;
        }
    }
    return store_status(p, srv_txn_set_identifiers(p->t, type, id, sys, val, n));
}

/* Runs `each` for every patient whose records include type/id; stops at
 * the first status it returns. */
static int for_each_sharer(srv_pub *p, const char *type, const char *id,
                           int (*each)(srv_pub *p, const char *patient_id))
{
    char **pids = malloc(SRV__MAX_SHARERS * sizeof *pids);
    size_t n = 0;
    if (!pids)
        return oom(p);
    int rc = store_status(p, srv_store_patients_of(p->st, type, id, pids, SRV__MAX_SHARERS, &n));
    for (size_t i = 0; i < n; i++) {
        if (!rc)
            rc = each(p, pids[i]);
        free(pids[i]);
    }
    free(pids);
    return rc;
}

/* ---- care relation ---------------------------------------------------- */

static int gather(srv_pub *p, const char *patient_id, fhir_node **out);

static int refuse(srv_pub *p, const char *en, const char *nl)
{
    fhir_outcome_rule(&p->o, NULL, FHIR_SEV_ERROR, "forbidden", NULL, NULL, nl, en);
    return MHD_HTTP_FORBIDDEN;
}

static struct srv_pub_team *team_of(srv_pub *p, const char *patient_id)
{
    for (size_t i = 0; i < p->nteams; i++)
        if (strcmp(p->teams[i].patient, patient_id) == 0)
            return &p->teams[i];
    return NULL;
}

static int has_ura(const char *const *uras, size_t n, const char *ura)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(uras[i], ura) == 0)
            return 1;
    return 0;
}

/* Checks, once per patient and before anything of theirs is written, that
 * the caller is in the patient's care team; keeps the team for the check
 * after the write. */
static int authorize(srv_pub *p, const char *patient_id)
{
    if (!p->caller_ura || team_of(p, patient_id))
        return 0;
    fhir_arena *a = p->r->a;
    fhir_node *records = NULL;
    int rc = gather(p, patient_id, &records);
    if (rc)
        return rc;
    const char **uras = NULL;
    size_t n = 0;
    if (handover_team_organisations(a, records, &uras, &n) != 0)
        return oom(p);
    int first = !fhir_node_child(records, "entry"); /* no records yet: a first handover */
    if (!first && !has_ura(uras, n, p->caller_ura)) {
        p->r->audit.patient = fhir_arena_strdup(a, patient_id); /* the log names whom */
        return refuse(p, "your organisation is not in this patient's care team, so it may not "
                         "change the patient's handover",
                      "uw organisatie hoort niet bij het zorgteam van deze patiënt en mag de "
                      "overdracht daarom niet wijzigen");
    }
    if (p->nteams == p->teams_cap) {
        size_t cap = p->teams_cap ? p->teams_cap * 2 : 4;
        struct srv_pub_team *t = fhir_arena_alloc(a, cap * sizeof *t);
        if (!t)
            return oom(p);
        if (p->nteams)
            memcpy(t, p->teams, p->nteams * sizeof *t);
        p->teams = t;
        p->teams_cap = cap;
    }
    p->teams[p->nteams++] = (struct srv_pub_team){fhir_arena_strdup(a, patient_id), uras, n};
    return 0;
}

/* After the write: no organisation of the team before may be gone. */
static int team_kept(srv_pub *p, const char *patient_id, const fhir_node *records)
{
    const struct srv_pub_team *before = team_of(p, patient_id);
    if (!before || before->n == 0)
        return 0;
    const char **uras = NULL;
    size_t n = 0;
    if (handover_team_organisations(p->r->a, records, &uras, &n) != 0)
        return oom(p);
    for (size_t i = 0; i < before->n; i++)
        if (!has_ura(uras, n, before->uras[i]))
            return refuse(p, fhir_arena_printf(p->r->a, "the write removes organisation URA %s "
                                               "from the care team; end its participation "
                                               "(period.end) or record a transfer instead",
                                               before->uras[i]),
                          fhir_arena_printf(p->r->a, "deze wijziging haalt organisatie URA %s "
                                            "uit het zorgteam; beëindig de deelname "
                                            "(period.end) of leg een overdracht vast",
                                            before->uras[i]));
    return 0;
}

/* One BSN, one Patient: a Patient written under another id with a BSN that
 * a stored Patient has would make that patient's handover ambiguous. */
static int bsn_unique(srv_pub *p, const fhir_node *res, const char *id)
{
    for (const fhir_node *i = fhir_node_child(res, "identifier"); i; i = fhir_node_next_same(i)) {
        const char *sys = fhir_node_child_value(i, "system");
        const char *val = fhir_node_child_value(i, "value");
        if (!sys || !val || strcmp(sys, SRV_BSN_SYSTEM) != 0)
            continue;
        char *ids[2];
        size_t n = 0;
        int rc = store_status(p, srv_store_find(p->st, "Patient", sys, val, ids, 2, &n));
        int other = 0;
        for (size_t k = 0; k < n; k++) {
            other |= strcmp(ids[k], id) != 0;
            free(ids[k]);
        }
        if (rc)
            return rc;
        if (other) {
            fhir_outcome_rule(&p->o, i, FHIR_SEV_ERROR, "duplicate", NULL, NULL,
                              "een andere patiënt heeft dit BSN al; werk die patiënt bij "
                              "(PUT Patient?identifier=…) in plaats van een nieuwe te maken",
                              "another patient already has this BSN; update that patient "
                              "(PUT Patient?identifier=…) instead of making a new one");
            return MHD_HTTP_CONFLICT;
        }
    }
    return 0;
}

int srv_pub_put(srv_pub *p, fhir_node *res, const char *id, uint64_t expected,
                uint64_t *version)
{
    const char *type = fhir_node_resource_type(res);
    uint64_t cur;
    /* every patient the write touches is checked before anything is written */
    int rc = p->caller_ura ? for_each_sharer(p, type, id, authorize) : 0;
    if (!rc && strcmp(type, "Patient") == 0)
        rc = bsn_unique(p, res, id);
    if (!rc)
        rc = store_status(p, srv_txn_version(p->t, type, id, &cur));
    if (rc)
        return rc;
    if (stamp(p->r->a, res, id, cur + 1, p->now) != 0)
        return oom(p);
    fhir_buf json;
    fhir_buf_init(&json, SRV__DOC_LIMIT);
    if (fhir_write_json(res, &json, 0) != 0) {
        fhir_buf_free(&json);
        return oom(p);
    }
    rc = store_status(p, srv_txn_put(p->t, type, id, expected, json.data, json.len, version));
    fhir_buf_free(&json);
    if (!rc)
        rc = index_identifiers(p, res, type, id);
    if (!rc)
        rc = for_each_sharer(p, type, id, mark_patient);
    return rc;
}

int srv_pub_set_records(srv_pub *p, const char *patient_id, const char *const *types,
                        const char *const *ids, size_t n)
{
    int rc = authorize(p, patient_id);
    if (!rc)
        rc = store_status(p, srv_txn_set_members(p->t, patient_id, types, ids, n));
    return rc ? rc : mark_patient(p, patient_id);
}

/* The patient id of the first "Patient/{id}" reference in the tree. */
static const char *patient_reference(const fhir_node *n)
{
    for (const fhir_node *c = n->first; c; c = c->next) {
        if (c->value && strcmp(c->name, "reference") == 0 && strncmp(c->value, "Patient/", 8) == 0 &&
            !strchr(c->value + 8, '/'))
            return c->value + 8;
        const char *found = c->first ? patient_reference(c) : NULL;
        if (found)
            return found;
    }
    return NULL;
}

int srv_pub_link(srv_pub *p, const fhir_node *res, const char *type, const char *id)
{
    char *pid[1];
    size_t n = 0;
    int rc = store_status(p, srv_store_patients_of(p->st, type, id, pid, 1, &n));
    if (rc || n) {
        if (n)
            free(pid[0]);
        return rc;
    }
    const char *patient = patient_reference(res);
    if (!patient)
        return 0;
    char **types = malloc((SRV__MAX_RECORDS + 1) * sizeof *types);
    char **ids = malloc((SRV__MAX_RECORDS + 1) * sizeof *ids);
    if (!types || !ids) {
        free(types);
        free(ids);
        return oom(p);
    }
    rc = store_status(p, srv_store_members(p->st, patient, types, ids, SRV__MAX_RECORDS, &n));
    if (!rc && n > 0) { /* only a patient with a handover gets records added */
        types[n] = (char *)type;
        ids[n] = (char *)id;
        rc = srv_pub_set_records(p, patient, (const char *const *)types,
                                 (const char *const *)ids, n + 1);
    }
    for (size_t i = 0; i < n; i++) {
        free(types[i]);
        free(ids[i]);
    }
    free(types);
    free(ids);
    return rc;
}

/* The patient's records as a collection Bundle, read through the transaction. */
/* The list of records being gathered. */
typedef struct record_list {
    const char **types, **ids;
    size_t n, members;        /* members: how many came from the stored record list */
} record_list;

static int listed(const record_list *l, const char *type, size_t tl, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->types[i]) == tl && strncmp(l->types[i], type, tl) == 0 &&
            strcmp(l->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Appends every "Type/id" a record refers to that is not listed yet. */
static void add_references(fhir_arena *a, record_list *l, const fhir_node *n)
{
    for (const fhir_node *c = n->first; c; c = c->next) {
        const char *v = c->value, *slash;
        if (v && strcmp(c->name, "reference") == 0 && (slash = strchr(v, '/')) &&
            !strchr(slash + 1, '/') && l->n < SRV__MAX_RECORDS) {
            char *type = fhir_arena_strndup(a, v, (size_t)(slash - v));
            if (type && srv_is_record_type(type) && strcmp(type, "Patient") != 0 &&
                !listed(l, v, (size_t)(slash - v), slash + 1)) {
                l->types[l->n] = type;
                l->ids[l->n++] = slash + 1;
            }
        }
        if (c->first)
            add_references(a, l, c);
    }
}

/* The patient's records as a collection Bundle, read through the transaction.
 * With `close`, also every stored record they refer to (an Organization a
 * CareTeam names), which then joins the patient's record list, so that the
 * document holds everything it refers to. */
static int gather_records(srv_pub *p, const char *patient_id, int close, fhir_node **out)
{
    fhir_arena *a = p->r->a;
    record_list l = {fhir_arena_alloc(a, SRV__MAX_RECORDS * sizeof *l.types),
                     fhir_arena_alloc(a, SRV__MAX_RECORDS * sizeof *l.ids), 0, 0};
    char **types = malloc(SRV__MAX_RECORDS * sizeof *types);
    char **ids = malloc(SRV__MAX_RECORDS * sizeof *ids);
    size_t n = 0;
    int rc = types && ids && l.types && l.ids ? 0 : oom(p);
    if (!rc)
        rc = store_status(p, srv_store_members(p->st, patient_id, types, ids, SRV__MAX_RECORDS, &n));
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            l.types[l.n] = fhir_arena_strdup(a, types[i]);
            l.ids[l.n++] = fhir_arena_strdup(a, ids[i]);
        }
        free(types[i]);
        free(ids[i]);
    }
    free(types);
    free(ids);
    l.members = l.n;
    fhir_node *bundle = rc ? NULL : fhir_node_new(a, "Bundle", FHIR_NONE, fhir_type_find("Bundle"));
    if (!rc && (!bundle || !fhir_node_add_named(a, bundle, "type", "collection")))
        rc = oom(p);
    for (size_t i = 0; i < l.n && !rc; i++) {
        srv_version v;
        int got = srv_store_read(p->st, l.types[i], l.ids[i], 0, &v);
        if (got == SRV_E_NOTFOUND && i >= l.members) { /* a dangling reference: not a record */
            l.types[i] = l.types[l.n - 1];
            l.ids[i--] = l.ids[--l.n];
            continue;
        }
        if ((rc = store_status(p, got)))
            break;
        fhir_outcome scratch;
        fhir_outcome_init(&scratch, a);
        fhir_node *res = fhir_read_json(a, v.json, v.json_len, NULL, &scratch);
        srv_version_free(&v);
        fhir_node *entry = fhir_node_add_named(a, bundle, "entry", NULL);
        const fhir_name_entry *ne = entry ? fhir_name_find(entry->type, "resource", 8) : NULL;
        if (!res || !entry || !ne ||
            !fhir_node_add_named(a, entry, "fullUrl",
                                 fhir_arena_printf(a, "%s/%s/%s", p->r->srv->cfg->base_url,
                                                   l.types[i], l.ids[i]))) {
            rc = oom(p);
            break;
        }
        res->name = ne->name;
        res->elem = ne->elem;
        fhir_node_add(entry, res);
        if (close)
            add_references(a, &l, res);
    }
    if (!rc && close && l.n > l.members)
        rc = store_status(p, srv_txn_set_members(p->t, patient_id, l.types, l.ids, l.n));
    *out = bundle;
    return rc;
}

static int gather(srv_pub *p, const char *patient_id, fhir_node **out)
{
    return gather_records(p, patient_id, 0, out);
}

/* Builds, renders and stores the patient's next document version. */
static int rebuild(srv_pub *p, const char *patient_id)
{
    fhir_arena *a = p->r->a;
    fhir_node *records = NULL;
    int rc = gather_records(p, patient_id, 1, &records);
    if (!rc)
        rc = team_kept(p, patient_id, records);
    if (rc)
        return rc;
    handover_options opt = {.now = p->now, .review_days = p->r->srv->cfg->review_days};
    fhir_node *doc = handover_build(a, records, &opt, &p->o);
    if (!doc)
        return fhir_arena_failed(a) ? oom(p) : MHD_HTTP_UNPROCESSABLE_CONTENT;
    uint64_t cur;
    if ((rc = store_status(p, srv_txn_document_version(p->t, patient_id, &cur))))
        return rc;
    if (stamp(a, doc, patient_id, cur + 1, p->now) != 0)
        return oom(p);
    /* signed last: id and meta are set, nothing changes the tree after this */
    if (p->r->srv->sign_key) {
        int sr = handover_sign(a, doc, p->r->srv->sign_key, p->r->srv->sign_cert_pem, p->now);
        if (sr == FHIR_E_NOMEM)
            return oom(p);
        if (sr != 0) {
            srv_log("error", "sign-failed", "rc=%d", sr);
            fhir_outcome_rule(&p->o, NULL, FHIR_SEV_FATAL, "exception", NULL, NULL,
                              "het document kon niet worden ondertekend",
                              "the document could not be signed");
            return MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    fhir_buf json;
    fhir_buf_init(&json, SRV__DOC_LIMIT);
    if (fhir_write_json(doc, &json, 0) != 0) {
        fhir_buf_free(&json);
        return oom(p);
    }
    /* strong ETag: the version and a digest of the bytes */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char etag[48];
    EVP_Digest(json.data, json.len, md, &mdlen, EVP_sha256(), NULL);
    snprintf(etag, sizeof etag, "%llu-%02x%02x%02x%02x%02x%02x%02x%02x", (unsigned long long)(cur + 1),
             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7]);
    srv_version d = {0};
    rc = store_status(p, srv_txn_put_document(p->t, patient_id, patient_id, json.data, json.len,
                                              etag, &d.version));
    srv_version *docs = rc ? NULL : realloc(p->docs, (p->ndocs + 1) * sizeof *docs);
    if (!rc && !docs)
        rc = oom(p);
    if (rc) {
        fhir_buf_free(&json);
        return rc;
    }
    p->docs = docs;
    d.type = strdup("Bundle");
    d.id = strdup(patient_id);
    d.last_modified = strdup(p->now);
    d.etag = strdup(etag);
    d.json = fhir_buf_take(&json, &d.json_len);
    p->docs[p->ndocs++] = d;
    if (!d.type || !d.id || !d.last_modified || !d.etag || !d.json)
        return oom(p);
    return 0;
}

int srv_pub_commit(srv_pub *p)
{
    int rc = 0;
    if (p->npatients && !p->r->audit.patient)
        p->r->audit.patient = p->patients[0];
    for (size_t i = 0; i < p->npatients && !rc; i++)
        rc = rebuild(p, p->patients[i]);
    if (rc)
        return rc;
    if (p->ndocs) /* the access log names the patient's new document version */
        p->r->audit.entity = fhir_arena_printf(p->r->a, "Bundle/%s/_history/%llu", p->docs[0].id,
                                               (unsigned long long)p->docs[0].version);
    if (p->group) { /* durable with the group's commit; the documents wait for it */
        rc = store_status(p, srv_txn_part_end(p->t));
        if (rc)
            return rc;
        p->t = NULL;
        return group_keep_docs(p);
    }
    rc = store_status(p, srv_txn_commit(p->t));
    p->t = NULL;
    if (rc)
        return rc;
    for (size_t i = 0; i < p->ndocs; i++)
        srv_doc_cache_put_published(p->r->srv->docs, p->docs[i].id, &p->docs[i]);
    return 0;
}

void srv_pub_end(srv_pub *p)
{
    if (p->t && p->group)
        (void)srv_txn_part_undo(p->t); /* a failure stays in the transaction: the group fails */
    else if (p->t)
        srv_txn_rollback(p->t);
    p->t = NULL;
    if (p->locked)
        pthread_mutex_unlock(&writer);
    p->locked = 0;
    for (size_t i = 0; i < p->ndocs; i++)
        srv_version_free(&p->docs[i]);
    free(p->docs);
    p->docs = NULL;
    p->ndocs = 0;
}

/* ---- group commit ----------------------------------------------------------- */

/* Hands the part's rebuilt documents to the group, for the cache after its
 * commit (in commit order). */
static int group_keep_docs(srv_pub *p)
{
    srv_pub_group *g = p->group;
    for (size_t i = 0; i < p->ndocs; i++) {
        if (g->ndocs == g->cap) {
            size_t cap = g->cap ? g->cap * 2 : 16;
            srv_version *n = realloc(g->docs, cap * sizeof *n);
            if (!n)
                return oom(p);
            g->docs = n;
            g->cap = cap;
        }
        g->docs[g->ndocs++] = p->docs[i];
        memset(&p->docs[i], 0, sizeof p->docs[i]); /* the group frees it now */
    }
    return 0;
}

int srv_pub_group_begin(srv_pub_group *g, srv_store *st)
{
    memset(g, 0, sizeof *g);
    g->st = st;
    if (!st)
        return SRV_E_IO;
    pthread_mutex_lock(&writer);
    int rc = srv_store_begin(st, &g->t);
    if (rc) {
        pthread_mutex_unlock(&writer);
        return rc;
    }
    current_group = g;
    return 0;
}

int srv_pub_group_commit(srv_pub_group *g, srv_doc_cache *cache)
{
    current_group = NULL;
    int rc = srv_txn_commit(g->t);
    g->t = NULL;
    for (size_t i = 0; i < g->ndocs; i++) {
        if (!rc)
            srv_doc_cache_put_published(cache, g->docs[i].id, &g->docs[i]);
        srv_version_free(&g->docs[i]);
    }
    pthread_mutex_unlock(&writer);
    free(g->docs);
    g->docs = NULL;
    g->ndocs = 0;
    return rc;
}
