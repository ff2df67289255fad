/*
 * publish.h — the write path every writing handler shares (transaction,
 * update, create): one store transaction that writes resources, keeps the
 * patients' record lists, rebuilds every affected patient's handover
 * document and commits, all or nothing.
 *
 * Calls return 0 or the HTTP status to answer, with the issues on p->o.
 *
 * Care relation (NEN 7510/7512): a publisher writes a patient's records only
 * when its organisation (URA) is in that patient's care team as it was
 * before the write — or the patient has no records yet (a first handover) —
 * and a write may not drop another organisation from the team: it ends a
 * participation (period.end) or records a transfer instead. Refusals: 403.
 * Use: srv_pub_begin, srv_pub_put / srv_pub_set_records …, srv_pub_commit,
 * and always srv_pub_end.
 */
#ifndef SRV_PUBLISH_H
#define SRV_PUBLISH_H

#include "server.h"

typedef struct srv_pub_group srv_pub_group;

typedef struct srv_pub {
    srv_request *r;
    srv_pub_group *group;     /* a part of this group's transaction, or NULL */
    srv_store *st;
    srv_txn *t;
    fhir_outcome o;
    const char *now;          /* the transaction's instant: meta.lastUpdated, document date */
    const char **patients;    /* whose documents to rebuild (arena) */
    size_t npatients, cap;
    srv_version *docs;        /* rebuilt documents, for the cache after commit */
    size_t ndocs;
    int locked;               /* holds the process's writer lock */
    const char *caller_ura;   /* the publishing organisation; NULL for the service itself (demo) */
    struct srv_pub_team {     /* care teams as they were before this write, per patient */
        const char *patient;
        const char **uras;
        size_t n;
    } *teams;
    size_t nteams, teams_cap;
} srv_pub;

/* Takes the write lock (p->o may be initialised before; its issues stay). 503 when the store is busy, 500 when it fails. */
int srv_pub_begin(srv_pub *p, srv_request *r);

/* Writes the next version of `res` as type/id: sets its id and
 * meta.versionId/lastUpdated, stores its JSON and identifiers, and marks the
 * patients whose records include it. `expected`: 0 any, UINT64_MAX create
 * only, else the If-Match version (412 on mismatch). */
int srv_pub_put(srv_pub *p, fhir_node *res, const char *id, uint64_t expected,
                uint64_t *version);

/* Replaces the patient's record list and marks the patient. */
int srv_pub_set_records(srv_pub *p, const char *patient_id, const char *const *types,
                        const char *const *ids, size_t n);

/* Adds type/id to the record list of the patient it refers to (subject,
 * patient, …: the first `Patient/{id}` reference whose patient has records),
 * when it is in no list yet. */
int srv_pub_link(srv_pub *p, const fhir_node *res, const char *type, const char *id);

/* Rebuilds the marked patients' documents (422 when a covenant rule breaks),
 * commits, then refreshes the document cache. */
int srv_pub_commit(srv_pub *p);

/* Rolls back whatever is still open and frees what the publish held. */
void srv_pub_end(srv_pub *p);

/* Group commit (the committer thread, committer.c): writes run as parts of
 * one store transaction that one commit (one fsync) makes durable. Between
 * srv_pub_group_begin and srv_pub_group_commit, every srv_pub_begin on the
 * calling thread starts a part; srv_pub_commit ends it (its answer must wait
 * for the group's commit) and srv_pub_end undoes an unfinished one. The
 * group holds the writer lock throughout. */
struct srv_pub_group {
    srv_store *st;
    srv_txn *t;
    srv_version *docs;        /* rebuilt documents, for the cache after the commit */
    size_t ndocs, cap;
};
/* Takes the writer lock and opens the transaction: 0 or a store error. */
int srv_pub_group_begin(srv_pub_group *g, srv_store *st);
/* Commits (0 once durable, else the store error: nothing of the group is
 * stored), then puts the documents in the cache, releases the lock. */
int srv_pub_group_commit(srv_pub_group *g, srv_doc_cache *cache);

/* Runs a transaction Bundle (handler_transaction.c; also the demo loader):
 * 0 with the transaction-response Bundle, or a status with issues on o.
 * `prefer` as srv_prefer_return. */
int srv_transaction_run(srv_request *r, fhir_node *bundle, int prefer, fhir_outcome *o,
                        fhir_node **response);

/* A new id in the arena: a UUID version 7, time-ordered (publish.c says why). */
const char *srv_new_id(fhir_arena *a);

#endif
