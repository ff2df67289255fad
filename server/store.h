/*
 * store.h — durable, versioned storage of resources and built handover
 * documents, behind one interface that both the embedded SQLite backend
 * (store_sqlite.c) and a PostgreSQL backend fit: no backend types appear
 * here, every call is a plain C value in and out.
 *
 * Invariants every backend keeps:
 *   1. Every version of every resource is kept; a version number only grows
 *      (1, 2, 3, … per type/id), never reused, also after a delete.
 *   2. A write transaction is all or nothing: the resources a publish writes,
 *      their identifier index and the patient's rebuilt document (its JSON
 *      bytes and ETag) become visible together at commit, or not at all.
 *   3. srv_txn_commit returns 0 only when the data is durable (SQLite: WAL,
 *      synchronous=FULL); a 2xx may be sent only after that.
 *   4. Reads see only committed data, except on the handle that holds the
 *      open write transaction: it sees its own writes (a publish rebuilds the
 *      patient's document from what it just wrote).
 *
 * Conventions: 0 on success, a negative SRV_E* on failure. Strings handed
 * out in a srv_blob/srv_version are malloc'd and owned by the caller
 * (srv_version_free). A store handle may be used by one thread at a time;
 * open one per thread (readers run in parallel, writers are serialised by
 * the backend).
 */
#ifndef SRV_STORE_H
#define SRV_STORE_H

#include <stddef.h>
#include <stdint.h>

#define SRV_E_NOMEM    (-1)
#define SRV_E_IO       (-2)  /* the backend failed (disk, corruption, lost connection) */
#define SRV_E_NOTFOUND (-3)
#define SRV_E_CONFLICT (-4)  /* If-Match / expected version does not match: 412 */
#define SRV_E_BUSY     (-5)  /* could not get the write lock in time: retry or 503 */
#define SRV_E_INVALID  (-6)  /* a caller passed something unusable */

typedef struct srv_store srv_store;
typedef struct srv_txn srv_txn;

/* One stored version of a resource or of a handover document. */
typedef struct srv_version {
    char *type;           /* "Patient", or "Bundle" for a document */
    char *id;
    uint64_t version;     /* 1, 2, … */
    char *last_modified;  /* FHIR instant, UTC, e.g. "2026-11-23T03:00:00.123Z" */
    int deleted;
    char *json;           /* the resource or document as FHIR JSON */
    size_t json_len;
    char *etag;           /* documents: the strong ETag stored with them; else W/"<version>" */
} srv_version;

void srv_version_free(srv_version *v);

/* Opens (creating if needed) the SQLite store at `path`. */
int srv_store_open_sqlite(const char *path, srv_store **out);
void srv_store_close(srv_store *s);

/* ---- writing --------------------------------------------------------- */

int srv_store_begin(srv_store *s, srv_txn **out);
/* Writes the next version of type/id. `expected` is the version the caller
 * based it on (If-Match), 0 for "any" and UINT64_MAX for "must not exist"
 * (create). Sets *version to the new version. */
int srv_txn_put(srv_txn *t, const char *type, const char *id, uint64_t expected,
                const char *json, size_t json_len, uint64_t *version);
/* Replaces the identifier index of type/id (used for conditional references
 * and search): `pairs` holds count system/value pairs. */
int srv_txn_set_identifiers(srv_txn *t, const char *type, const char *id,
                            const char *const *systems, const char *const *values, size_t count);
/* Stores the next version of the patient's handover document: its JSON, the
 * one form kept (the server makes the XML and the readable pages from it). */
int srv_txn_put_document(srv_txn *t, const char *patient_id, const char *document_id,
                         const char *json, size_t json_len, const char *etag, uint64_t *version);
/* The patient's records: the resources their handover document is built
 * from. Replaces the list; every type/id must exist by commit. */
int srv_txn_set_members(srv_txn *t, const char *patient_id, const char *const *types,
                        const char *const *ids, size_t count);
/* The current version of type/id as this transaction sees it (0: none). */
int srv_txn_version(srv_txn *t, const char *type, const char *id, uint64_t *version);
/* The current version of the patient's document as this transaction sees it (0: none). */
int srv_txn_document_version(srv_txn *t, const char *patient_id, uint64_t *version);
/* The instant (UTC, milliseconds) recorded as last_modified of everything
 * this transaction writes, e.g. "2026-11-23T03:00:00.123Z"; NULL when not open. */
const char *srv_txn_time(const srv_txn *t);
/* Parts: one transaction can carry several writes that succeed or fail
 * each on its own, made durable together by one commit (group commit). A
 * part starts (with a new last_modified instant), then either ends (its
 * writes stay in the transaction) or is undone (they go, and so does the
 * error that spoilt the transaction inside it, when the transaction is
 * still open). One part at a time. */
int srv_txn_part_begin(srv_txn *t);
int srv_txn_part_end(srv_txn *t);
int srv_txn_part_undo(srv_txn *t);
/* Makes everything durable, then frees the transaction. */
int srv_txn_commit(srv_txn *t);
/* Undoes everything and frees the transaction. */
void srv_txn_rollback(srv_txn *t);

/* ---- reading ---------------------------------------------------------- */

/* Version `version` of type/id (0: the current one). */
int srv_store_read(srv_store *s, const char *type, const char *id, uint64_t version,
                   srv_version *out);
/* The ids of the resources of `type` with this identifier (at most `max`). */
int srv_store_find(srv_store *s, const char *type, const char *system, const char *value,
                   char **ids, size_t max, size_t *count);
/* Every version of type/id, newest first, at most `max`. */
int srv_store_history(srv_store *s, const char *type, const char *id, srv_version *out,
                      size_t max, size_t *count);
/* The patient's handover document, version 0 = the current one. */
int srv_store_document(srv_store *s, const char *patient_id, uint64_t version, srv_version *out);
/* Every version of the patient's document, newest first (bytes not loaded). */
int srv_store_document_history(srv_store *s, const char *patient_id, srv_version *out,
                               size_t max, size_t *count);

/* ---- upkeep ------------------------------------------------------------ */

/* From now on this handle's commits leave the store's upkeep (for SQLite:
 * copying the write-ahead log into the database, the checkpoint) to
 * srv_store_upkeep on another handle, so a writer does not pay for it. */
int srv_store_defer_upkeep(srv_store *s);
/* Does the upkeep that is due, without waiting for readers or writers. */
int srv_store_upkeep(srv_store *s);

/* *empty = 1 when the store holds no resource at all. */
int srv_store_is_empty(srv_store *s, int *empty);
/* The patient's records (srv_txn_set_members), sorted by type and id, at
 * most `max`; malloc'd strings. No records: 0 with *count 0. */
int srv_store_members(srv_store *s, const char *patient_id, char **types, char **ids, size_t max,
                      size_t *count);
/* The patients whose records include type/id, at most `max`; malloc'd. */
int srv_store_patients_of(srv_store *s, const char *type, const char *id, char **patient_ids,
                          size_t max, size_t *count);

#endif
