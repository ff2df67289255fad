/*
 * store_sqlite.c — the embedded storage backend: every version of every
 * resource, the identifier index and the built handover documents in one
 * SQLite 3 database file (store.h is the contract).
 *
 * Invariants (store.h, restated for this backend):
 *   1. Every version of every resource is kept. Versions per type/id start at
 *      1 and grow by one; `current` names the newest, `resource` keeps them
 *      all. Nothing is ever updated in `resource` or `document`, only added.
 *   2. A write transaction (BEGIN IMMEDIATE … COMMIT) is all or nothing: the
 *      resources, their identifier index and the patient's document become
 *      visible together at COMMIT. After any error inside a transaction the
 *      transaction is spoilt: later calls on it return that same error and
 *      srv_txn_commit rolls back and returns it, so a half-done publish can
 *      never be committed by mistake (also not after SQLite rolled the
 *      transaction back by itself, e.g. on SQLITE_FULL, when further
 *      statements would otherwise autocommit one by one).
 *   3. 2xx only after COMMIT: srv_txn_commit returns 0 only after SQLite's
 *      COMMIT returned, in WAL mode with synchronous=FULL, i.e. after the WAL
 *      was fsync'd. A crash or kill at any moment after that keeps the data.
 *   4. Reads see only committed data (WAL snapshots). The one exception is the
 *      handle that holds the open write transaction: its own reads see its own
 *      uncommitted writes, which is what a publish needs to rebuild a document.
 *
 * Threads: a srv_store is one SQLite connection (opened SQLITE_OPEN_NOMUTEX)
 * with its prepared statements and at most one open transaction; it may be
 * used by one thread at a time. Open one handle per thread: readers run in
 * parallel, writers are serialised by SQLite's write lock. A writer that
 * cannot get the lock within SRV__BUSY_MS gets SRV_E_BUSY.
 *
 * Layout (schema version 4, kept in PRAGMA user_version):
 *   resource(type, id, version, last_modified, deleted, json)  every version
 *   current(type, id, version)                                 the newest one
 *   identifier(type, id, system, value)                        + (type, system, value) index
 *   document(patient_id, version, document_id, last_modified, etag, xml, json, json_size)
 *   document_current(patient_id, version)
 *   member(patient_id, type, id)                               + (type, id) index
 * (schema 2 added `member`, schema 3 `document_page`, schema 4 `json_size`
 * and dropped `document_page`; older databases are upgraded when opened)
 * A document is kept once, as JSON deflated by zlib (json_size: its length
 * inflated): about a quarter of its bytes, so a million patients' documents
 * (8 GB) stay in the page cache. Its XML and pages are made from it when
 * read (the server). Rows written before schema 4 keep json as is (json_size 0)
 * and their XML, which is no longer read; newer rows store an empty xml.
 * Bodies are BLOBs (stored and returned byte for byte); keys are TEXT bound
 * with explicit lengths. last_modified is one UTC instant with milliseconds,
 * taken when the transaction got the write lock, for every row it writes.
 * The identifier index references `current` with a deferred foreign key:
 * identifiers for a type/id that has no resource make srv_txn_commit fail with
 * SRV_E_INVALID (and roll back).
 *
 * Semantics the header leaves open, as this backend has them:
 *   - expected version: 0 writes whatever is there, UINT64_MAX only when
 *     type/id has no version yet, any other value only when it is the current
 *     version; a mismatch, also a non-zero expected version for a type/id
 *     that does not exist, is SRV_E_CONFLICT and is found before anything is
 *     written.
 *   - keys (type, id, patient_id, document_id, etag) are 1..SRV__KEY_MAX
 *     bytes, identifier system and value 0..SRV__IDENT_MAX; bodies are never
 *     empty. srv_store_find without a match returns 0 with *count 0;
 *     history of an unknown type/id or patient is SRV_E_NOTFOUND; `max` must
 *     be at least 1.
 *   - a resource version carries etag W/"<version>" and xml NULL; a document
 *     carries type "Bundle", id = its document_id and the ETag stored with it.
 *   - `deleted` is always 0: store.h has no delete call yet.
 *
 * Ownership: everything handed out in a srv_version or in srv_store_find's
 * `ids` is malloc'd, NUL-terminated and the caller's (srv_version_free, free).
 *
 * Return codes: 0, or SRV_E_NOMEM, SRV_E_IO (disk, corruption, an unusable
 * file), SRV_E_NOTFOUND, SRV_E_CONFLICT, SRV_E_BUSY (the write lock was not
 * free within the busy timeout) or SRV_E_INVALID (bad arguments, a key or body
 * too long, a database of an unknown schema version).
 *
 * srv__store_sqlite_db (below, not in store.h) hands out the connection for
 * tests and diagnostics: reading PRAGMAs back, shortening the busy timeout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>
#include <zlib.h>

#include "store.h"

#define SRV__SCHEMA_VERSION 4
#define SRV__BUSY_MS 5000        /* how long a writer waits for the write lock */
#define SRV__KEY_MAX 256         /* type, id, patient_id, document_id, etag */
#define SRV__IDENT_MAX 4096      /* identifier system and value */
#define SRV__DOCUMENT_MAX (64 * 1024 * 1024) /* a document's JSON bytes */
#define SRV__DEFLATE_LEVEL 1     /* the fastest: a publish pays for it on the writer */
#define SRV__INSTANT_LEN 25      /* "2026-11-23T03:00:00.123Z" and its NUL */

static const char schema_sql[] =
    "CREATE TABLE resource("
    "  type TEXT NOT NULL, id TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  last_modified TEXT NOT NULL,"
    "  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),"
    "  json BLOB NOT NULL,"
    "  PRIMARY KEY (type, id, version)) STRICT;"
    "CREATE TABLE current("
    "  type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    "  PRIMARY KEY (type, id),"
    "  FOREIGN KEY (type, id, version) REFERENCES resource (type, id, version)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE TABLE identifier("
    "  type TEXT NOT NULL, id TEXT NOT NULL, system TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY (type, id, system, value),"
    "  FOREIGN KEY (type, id) REFERENCES current (type, id) DEFERRABLE INITIALLY DEFERRED"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX identifier_by_value ON identifier (type, system, value);"
    "CREATE TABLE document("
    "  patient_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  document_id TEXT NOT NULL, last_modified TEXT NOT NULL, etag TEXT NOT NULL,"
    "  xml BLOB NOT NULL, json BLOB NOT NULL,"
    "  PRIMARY KEY (patient_id, version)) STRICT;"
    "CREATE TABLE document_current("
    "  patient_id TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL,"
    "  FOREIGN KEY (patient_id, version) REFERENCES document (patient_id, version)"
    ") STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

/* Schema 2 adds the patients' record lists (srv_txn_set_members). */
static const char schema_v2_sql[] =
    "CREATE TABLE member("
    "  patient_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,"
    "  PRIMARY KEY (patient_id, type, id),"
    "  FOREIGN KEY (type, id) REFERENCES current (type, id) DEFERRABLE INITIALLY DEFERRED"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX member_by_resource ON member (type, id);"
    "PRAGMA user_version = 2;";

/* Schema 3 adds the readable pages of each document version. */
static const char schema_v3_sql[] =
    "CREATE TABLE document_page("
    "  patient_id TEXT NOT NULL, version INTEGER NOT NULL, variant INTEGER NOT NULL,"
    "  html BLOB NOT NULL,"
    "  PRIMARY KEY (patient_id, version, variant),"
    "  FOREIGN KEY (patient_id, version) REFERENCES document (patient_id, version)"
    ") STRICT, WITHOUT ROWID;"
    "PRAGMA user_version = 3;";

/* Schema 4 keeps documents as deflated JSON only (json_size > 0) and their
 * pages no longer: the server makes XML and pages from the JSON. */
static const char schema_v4_sql[] =
    "ALTER TABLE document ADD COLUMN json_size INTEGER NOT NULL DEFAULT 0 CHECK (json_size >= 0);"
    "DROP TABLE document_page;"
    "PRAGMA user_version = 4;"; /* SRV__SCHEMA_VERSION */

/* The prepared statements every handle keeps, prepared once at open. */
enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_CURRENT_VERSION,
    ST_INSERT_RESOURCE,
    ST_SET_CURRENT,
    ST_DELETE_IDENTIFIERS,
    ST_INSERT_IDENTIFIER,
    ST_DOCUMENT_VERSION,
    ST_INSERT_DOCUMENT,
    ST_SET_DOCUMENT_CURRENT,
    ST_READ_CURRENT,
    ST_READ_VERSION,
    ST_FIND,
    ST_HISTORY,
    ST_DOCUMENT_CURRENT,
    ST_DOCUMENT_BY_VERSION,
    ST_DOCUMENT_HISTORY,
    ST_DELETE_MEMBERS,
    ST_INSERT_MEMBER,
    ST_MEMBERS,
    ST_PATIENTS_OF,
    ST_ANY_RESOURCE,
    ST__COUNT
};

static const char *const statement_sql[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT part",
    [ST_RELEASE] = "RELEASE part",
    [ST_ROLLBACK_TO] = "ROLLBACK TO part",
    [ST_CURRENT_VERSION] = "SELECT version FROM current WHERE type = ?1 AND id = ?2",
    [ST_INSERT_RESOURCE] =
        "INSERT INTO resource (type, id, version, last_modified, deleted, json)"
        " VALUES (?1, ?2, ?3, ?4, 0, ?5)",
    [ST_SET_CURRENT] =
        "INSERT INTO current (type, id, version) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (type, id) DO UPDATE SET version = excluded.version",
    [ST_DELETE_IDENTIFIERS] = "DELETE FROM identifier WHERE type = ?1 AND id = ?2",
    [ST_INSERT_IDENTIFIER] =
        "INSERT OR IGNORE INTO identifier (type, id, system, value) VALUES (?1, ?2, ?3, ?4)",
    [ST_DOCUMENT_VERSION] = "SELECT version FROM document_current WHERE patient_id = ?1",
    [ST_INSERT_DOCUMENT] =
        "INSERT INTO document (patient_id, version, document_id, last_modified, etag, xml, json,"
        " json_size) VALUES (?1, ?2, ?3, ?4, ?5, X'', ?6, ?7)",
    [ST_SET_DOCUMENT_CURRENT] =
        "INSERT INTO document_current (patient_id, version) VALUES (?1, ?2)"
        " ON CONFLICT (patient_id) DO UPDATE SET version = excluded.version",
    [ST_READ_CURRENT] =
        "SELECT r.version, r.last_modified, r.deleted, r.json"
        " FROM current AS c JOIN resource AS r"
        "   ON r.type = c.type AND r.id = c.id AND r.version = c.version"
        " WHERE c.type = ?1 AND c.id = ?2",
    [ST_READ_VERSION] =
        "SELECT version, last_modified, deleted, json FROM resource"
        " WHERE type = ?1 AND id = ?2 AND version = ?3",
    [ST_FIND] =
        "SELECT id FROM identifier WHERE type = ?1 AND system = ?2 AND value = ?3"
        " ORDER BY id LIMIT ?4",
    [ST_HISTORY] =
        "SELECT version, last_modified, deleted, json FROM resource"
        " WHERE type = ?1 AND id = ?2 ORDER BY version DESC LIMIT ?3",
    [ST_DOCUMENT_CURRENT] =
        "SELECT d.version, d.document_id, d.last_modified, d.etag, d.json, d.json_size"
        " FROM document_current AS c JOIN document AS d"
        "   ON d.patient_id = c.patient_id AND d.version = c.version"
        " WHERE c.patient_id = ?1",
    [ST_DOCUMENT_BY_VERSION] =
        "SELECT version, document_id, last_modified, etag, json, json_size FROM document"
        " WHERE patient_id = ?1 AND version = ?2",
    [ST_DOCUMENT_HISTORY] =
        "SELECT version, document_id, last_modified, etag FROM document"
        " WHERE patient_id = ?1 ORDER BY version DESC LIMIT ?2",
    [ST_DELETE_MEMBERS] = "DELETE FROM member WHERE patient_id = ?1",
    [ST_INSERT_MEMBER] = "INSERT OR IGNORE INTO member (patient_id, type, id) VALUES (?1, ?2, ?3)",
    [ST_MEMBERS] = "SELECT type, id FROM member WHERE patient_id = ?1 ORDER BY type, id LIMIT ?2",
    [ST_PATIENTS_OF] =
        "SELECT patient_id FROM member WHERE type = ?1 AND id = ?2 ORDER BY patient_id LIMIT ?3",
    [ST_ANY_RESOURCE] = "SELECT EXISTS (SELECT 1 FROM current)",
};

/* A write transaction. Each store has one, embedded: srv_store_begin hands
 * out &s->txn, commit and rollback end it (open == 0). */
struct srv_txn {
    srv_store *s;
    int open;
    int failed;                  /* the first error inside the transaction; sticky */
    char now[SRV__INSTANT_LEN];  /* last_modified of every row it writes */
};

struct srv_store {
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    srv_txn txn;
};

sqlite3 *srv__store_sqlite_db(srv_store *s);

/* ---- small helpers ------------------------------------------------------ */

/* An SQLite result code as a store error (0 for OK, ROW and DONE). */
static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_NOMEM:
        return SRV_E_NOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SRV_E_BUSY;
    case SQLITE_TOOBIG:
    case SQLITE_CONSTRAINT:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return SRV_E_INVALID;
    default:
        return SRV_E_IO;
    }
}

/* Ends a statement's use: resets it (which ends an autocommit read
 * transaction) and drops its bindings, which point at the caller's bytes.
 * sqlite3_reset repeats the error of the last step, which the caller has
 * already handled, so its result is not looked at here. */
static void stmt_done(sqlite3_stmt *st)
{
    (void)sqlite3_reset(st);
    (void)sqlite3_clear_bindings(st);
}

/* The length of key `k`, or SRV_E_INVALID when it is NULL, empty (unless
 * `empty_ok`) or longer than `max`. */
static int key_len(const char *k, size_t max, int empty_ok, size_t *len)
{
    if (!k)
        return SRV_E_INVALID;
    *len = strnlen(k, max + 1);
    if (*len > max || (*len == 0 && !empty_ok))
        return SRV_E_INVALID;
    return 0;
}

static int bind_text(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    return map_rc(sqlite3_bind_text64(st, i, p, (sqlite3_uint64)n, SQLITE_STATIC, SQLITE_UTF8));
}

/* Bodies are never empty (the callers check), so p is never NULL here. */
static int bind_blob(sqlite3_stmt *st, int i, const char *p, size_t n)
{
    return map_rc(sqlite3_bind_blob64(st, i, p, (sqlite3_uint64)n, SQLITE_STATIC));
}

static int bind_version(sqlite3_stmt *st, int i, uint64_t v)
{
    if (v > INT64_MAX)
        return SRV_E_INVALID;
    return map_rc(sqlite3_bind_int64(st, i, (sqlite3_int64)v));
}

/* Steps a statement that returns no row; 0 when it ran to the end. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc == SQLITE_ROW ? SRV_E_IO : map_rc(rc);
}

/* Steps a statement that returns at most one row: 1 with a row, 0 without,
 * or an error. */
static int step_row(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int err = map_rc(rc);
    return err ? err : SRV_E_IO;
}

/* A malloc'd, NUL-terminated copy of `n` bytes. */
static char *dup_bytes(const void *p, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    if (n)
        memcpy(c, p, n);
    c[n] = '\0';
    return c;
}

/* Copies column `i` of the current row (TEXT or BLOB) into *out, with its
 * length in *len when len is not NULL. */
static int column_dup(sqlite3 *db, sqlite3_stmt *st, int i, char **out, size_t *len)
{
    const void *p = sqlite3_column_type(st, i) == SQLITE_BLOB ? sqlite3_column_blob(st, i)
                                                              : (const void *)sqlite3_column_text(st, i);
    if (!p && sqlite3_errcode(db) == SQLITE_NOMEM)
        return SRV_E_NOMEM;
    int n = sqlite3_column_bytes(st, i);
    if (n < 0 || (!p && n > 0))
        return SRV_E_IO;
    *out = dup_bytes(p, (size_t)n);
    if (!*out)
        return SRV_E_NOMEM;
    if (len)
        *len = (size_t)n;
    return 0;
}

/* `n` bytes deflated (zlib format) into a new malloc'd buffer. */
static int deflate_bytes(const char *p, size_t n, unsigned char **out, size_t *out_len)
{
    uLongf cap = compressBound((uLong)n);
    *out = malloc(cap);
    if (!*out)
        return SRV_E_NOMEM;
    int z = compress2(*out, &cap, (const Bytef *)p, (uLong)n, SRV__DEFLATE_LEVEL);
    if (z != Z_OK) {
        free(*out);
        *out = NULL;
        return z == Z_MEM_ERROR ? SRV_E_NOMEM : SRV_E_INVALID;
    }
    *out_len = cap;
    return 0;
}

/* Deflated bytes back into exactly `size` bytes (and a NUL), malloc'd;
 * anything else is a damaged row. */
static int inflate_bytes(const void *p, size_t n, char **out, size_t size)
{
    *out = malloc(size + 1);
    if (!*out)
        return SRV_E_NOMEM;
    uLongf got = (uLongf)size;
    int z = uncompress((Bytef *)*out, &got, p, (uLong)n);
    if (z != Z_OK || got != size) {
        free(*out);
        *out = NULL;
        return z == Z_MEM_ERROR ? SRV_E_NOMEM : SRV_E_IO;
    }
    (*out)[size] = '\0';
    return 0;
}

static int column_version(sqlite3_stmt *st, int i, uint64_t *v)
{
    sqlite3_int64 x = sqlite3_column_int64(st, i);
    if (x < 1)
        return SRV_E_IO; /* the schema's CHECK makes this corruption */
    *v = (uint64_t)x;
    return 0;
}

/* W/"<version>", the weak ETag of a resource version. */
static char *weak_etag(uint64_t version)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "W/\"%llu\"", (unsigned long long)version);
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return dup_bytes(buf, (size_t)n);
}

/* The current UTC time as a FHIR instant with milliseconds. */
static int now_instant(char out[SRV__INSTANT_LEN])
{
    struct timespec ts;
    struct tm tm;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm))
        return SRV_E_IO;
    int n = snprintf(out, SRV__INSTANT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(ts.tv_nsec / 1000000));
    return n == SRV__INSTANT_LEN - 1 ? 0 : SRV_E_IO;
}

/* ---- opening and closing ------------------------------------------------ */

/* Runs SQL that returns no rows we need. */
static int exec_sql(sqlite3 *db, const char *sql)
{
    return map_rc(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* WAL mode (SQLite answers with the mode it is in), synchronous=FULL,
 * foreign keys, the busy timeout, defensive mode. */
static int configure(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int rc = map_rc(sqlite3_busy_timeout(db, SRV__BUSY_MS));
    if (rc)
        goto out;
    rc = map_rc(sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL));
    if (rc)
        goto out;
    rc = map_rc(sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL));
    if (rc)
        goto out;
    rc = step_row(st);
    if (rc < 0)
        goto out;
    const unsigned char *mode = rc == 1 ? sqlite3_column_text(st, 0) : NULL;
    if (!mode || strcmp((const char *)mode, "wal") != 0) {
        rc = SRV_E_IO; /* e.g. a file system without shared memory for the WAL index */
        goto out;
    }
    rc = exec_sql(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
out:
    if (st)
        (void)sqlite3_finalize(st); /* its error is the step's, handled above */
    return rc;
}

/* Reads the schema version (PRAGMA user_version) and how many schema objects
 * the database holds. */
static int schema_state(sqlite3 *db, sqlite3_int64 *version, sqlite3_int64 *objects)
{
    sqlite3_stmt *st = NULL;
    int rc = map_rc(sqlite3_prepare_v2(db,
                                       "SELECT (SELECT user_version FROM pragma_user_version),"
                                       " (SELECT count(*) FROM sqlite_schema)",
                                       -1, &st, NULL));
    if (rc)
        goto out;
    rc = step_row(st);
    if (rc == 0)
        rc = SRV_E_IO;
    if (rc < 0)
        goto out;
    *version = sqlite3_column_int64(st, 0);
    *objects = sqlite3_column_int64(st, 1);
    rc = 0;
out:
    if (st)
        (void)sqlite3_finalize(st); /* its error is the step's, handled above */
    return rc;
}

/* Checks the schema version of an existing database, or creates the schema
 * in a new (empty) one: SRV_E_INVALID for another schema version or a
 * database that is not ours. An existing store is only read, so opening does
 * not wait for a writer; creating takes the write lock and looks again, so
 * two processes opening a new file at once create the schema once. */
static int ensure_schema(sqlite3 *db)
{
    sqlite3_int64 version, objects;
    int rc = schema_state(db, &version, &objects);
    if (rc || version == SRV__SCHEMA_VERSION)
        return rc;
    if ((version < 1 || version > 3) && (version != 0 || objects != 0))
        return SRV_E_INVALID;
    rc = exec_sql(db, "BEGIN IMMEDIATE");
    if (rc)
        return rc;
    rc = schema_state(db, &version, &objects);
    if (rc)
        goto out;
    if (version == 0 && objects == 0) {
        rc = exec_sql(db, schema_sql);
        version = 1;
    }
    if (rc == 0 && version == 1) {
        rc = exec_sql(db, schema_v2_sql); /* upgrade in place: nothing to convert */
        version = 2;
    }
    if (rc == 0 && version == 2) {
        rc = exec_sql(db, schema_v3_sql);
        version = 3;
    }
    if (rc == 0 && version == 3)
        rc = exec_sql(db, schema_v4_sql);
    else if (rc == 0)
        rc = SRV_E_INVALID;
    if (rc)
        goto out;
    rc = exec_sql(db, "COMMIT");
out:
    if (!sqlite3_get_autocommit(db))
        (void)exec_sql(db, "ROLLBACK"); /* only after a failure; its own error adds nothing */
    return rc;
}

int srv_store_open_sqlite(const char *path, srv_store **out)
{
    srv_store *s = NULL;
    int rc;
    if (!out)
        return SRV_E_INVALID;
    *out = NULL;
    if (!path || !*path)
        return SRV_E_INVALID;
    s = calloc(1, sizeof *s);
    if (!s)
        return SRV_E_NOMEM;
    s->txn.s = s;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = s->db ? map_rc(rc) : SRV_E_NOMEM;
        if (rc == 0)
            rc = SRV_E_IO;
        goto out;
    }
    rc = map_rc(sqlite3_extended_result_codes(s->db, 1));
    if (rc)
        goto out;
    rc = configure(s->db);
    if (rc)
        goto out;
    rc = ensure_schema(s->db);
    if (rc)
        goto out;
    for (int i = 0; i < ST__COUNT; i++) {
        rc = map_rc(sqlite3_prepare_v3(s->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                       &s->st[i], NULL));
        if (rc)
            goto out;
    }
    *out = s;
    s = NULL;
out:
    srv_store_close(s);
    return rc;
}

void srv_store_close(srv_store *s)
{
    if (!s)
        return;
    if (s->txn.open)
        srv_txn_rollback(&s->txn);
    for (int i = 0; i < ST__COUNT; i++)
        (void)sqlite3_finalize(s->st[i]); /* NULL is a no-op; errors were the steps' */
    /* Every statement is finalized, so close cannot fail with SQLITE_BUSY; a
     * failing last checkpoint leaves a WAL that the next open recovers. */
    (void)sqlite3_close(s->db);
    free(s);
}

sqlite3 *srv__store_sqlite_db(srv_store *s)
{
    return s ? s->db : NULL;
}

/* ---- writing ------------------------------------------------------------ */

int srv_store_begin(srv_store *s, srv_txn **out)
{
    int rc;
    if (!out)
        return SRV_E_INVALID;
    *out = NULL;
    if (!s || s->txn.open)
        return SRV_E_INVALID; /* one transaction per handle at a time */
    sqlite3_stmt *st = s->st[ST_BEGIN];
    rc = step_done(st); /* waits up to the busy timeout for the write lock */
    if (rc)
        goto out;
    rc = now_instant(s->txn.now);
    if (rc) {
        (void)step_done(s->st[ST_ROLLBACK]); /* nothing written yet */
        stmt_done(s->st[ST_ROLLBACK]);
        goto out;
    }
    s->txn.open = 1;
    s->txn.failed = 0;
    *out = &s->txn;
out:
    stmt_done(st);
    return rc;
}

/* Records the first error of a transaction and returns it. */
static int txn_fail(srv_txn *t, int rc)
{
    if (rc && !t->failed)
        t->failed = rc;
    return rc;
}

/* 0 when `t` is an open transaction that has not failed. */
static int txn_usable(const srv_txn *t)
{
    if (!t || !t->open)
        return SRV_E_INVALID;
    return t->failed;
}

/* The version named by a current-version statement (`st`, key already
 * bound), 0 when there is none. */
static int current_version(sqlite3_stmt *st, uint64_t *v)
{
    *v = 0;
    int rc = step_row(st);
    if (rc == 1)
        rc = column_version(st, 0, v);
    return rc;
}

int srv_txn_put(srv_txn *t, const char *type, const char *id, uint64_t expected,
                const char *json, size_t json_len, uint64_t *version)
{
    sqlite3_stmt *find = NULL, *insert = NULL, *set = NULL;
    size_t type_len, id_len;
    uint64_t cur, next;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (key_len(type, SRV__KEY_MAX, 0, &type_len) || key_len(id, SRV__KEY_MAX, 0, &id_len) ||
        !json || json_len == 0 || !version) {
        rc = SRV_E_INVALID;
        goto out;
    }
    srv_store *s = t->s;
    find = s->st[ST_CURRENT_VERSION];
    if ((rc = bind_text(find, 1, type, type_len)) || (rc = bind_text(find, 2, id, id_len)))
        goto out;
    rc = current_version(find, &cur);
    if (rc)
        goto out;
    if ((expected == UINT64_MAX && cur != 0) ||
        (expected != 0 && expected != UINT64_MAX && expected != cur)) {
        rc = SRV_E_CONFLICT; /* checked before anything is written */
        goto out;
    }
    if (cur >= INT64_MAX) {
        rc = SRV_E_INVALID;
        goto out;
    }
    next = cur + 1;
    insert = s->st[ST_INSERT_RESOURCE];
    if ((rc = bind_text(insert, 1, type, type_len)) || (rc = bind_text(insert, 2, id, id_len)) ||
        (rc = bind_version(insert, 3, next)) ||
        (rc = bind_text(insert, 4, t->now, strlen(t->now))) ||
        (rc = bind_blob(insert, 5, json, json_len)) || (rc = step_done(insert)))
        goto out;
    set = s->st[ST_SET_CURRENT];
    if ((rc = bind_text(set, 1, type, type_len)) || (rc = bind_text(set, 2, id, id_len)) ||
        (rc = bind_version(set, 3, next)) || (rc = step_done(set)))
        goto out;
    *version = next;
out:
    if (find)
        stmt_done(find);
    if (insert)
        stmt_done(insert);
    if (set)
        stmt_done(set);
    return txn_fail(t, rc);
}

int srv_txn_set_identifiers(srv_txn *t, const char *type, const char *id,
                            const char *const *systems, const char *const *values, size_t count)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    size_t type_len, id_len, sys_len, val_len;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (key_len(type, SRV__KEY_MAX, 0, &type_len) || key_len(id, SRV__KEY_MAX, 0, &id_len) ||
        (count > 0 && (!systems || !values))) {
        rc = SRV_E_INVALID;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (key_len(systems[i], SRV__IDENT_MAX, 1, &sys_len) ||
            key_len(values[i], SRV__IDENT_MAX, 1, &val_len)) {
            rc = SRV_E_INVALID; /* checked before anything is written */
            goto out;
        }
    }
    srv_store *s = t->s;
    del = s->st[ST_DELETE_IDENTIFIERS];
    if ((rc = bind_text(del, 1, type, type_len)) || (rc = bind_text(del, 2, id, id_len)) ||
        (rc = step_done(del)))
        goto out;
    ins = s->st[ST_INSERT_IDENTIFIER];
    for (size_t i = 0; i < count; i++) {
        sys_len = strlen(systems[i]);
        val_len = strlen(values[i]);
        if ((rc = bind_text(ins, 1, type, type_len)) || (rc = bind_text(ins, 2, id, id_len)) ||
            (rc = bind_text(ins, 3, systems[i], sys_len)) ||
            (rc = bind_text(ins, 4, values[i], val_len)) || (rc = step_done(ins)))
            goto out;
        stmt_done(ins);
    }
out:
    if (del)
        stmt_done(del);
    if (ins)
        stmt_done(ins);
    return txn_fail(t, rc);
}

int srv_txn_put_document(srv_txn *t, const char *patient_id, const char *document_id,
                         const char *json, size_t json_len, const char *etag, uint64_t *version)
{
    sqlite3_stmt *find = NULL, *insert = NULL, *set = NULL;
    size_t pid_len, did_len, etag_len;
    uint64_t cur, next;
    unsigned char *packed = NULL;
    size_t packed_len = 0;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (key_len(patient_id, SRV__KEY_MAX, 0, &pid_len) ||
        key_len(document_id, SRV__KEY_MAX, 0, &did_len) ||
        key_len(etag, SRV__KEY_MAX, 0, &etag_len) || !json || json_len == 0 ||
        json_len > SRV__DOCUMENT_MAX || !version) {
        rc = SRV_E_INVALID;
        goto out;
    }
    if ((rc = deflate_bytes(json, json_len, &packed, &packed_len)))
        goto out;
    srv_store *s = t->s;
    find = s->st[ST_DOCUMENT_VERSION];
    if ((rc = bind_text(find, 1, patient_id, pid_len)) || (rc = current_version(find, &cur)))
        goto out;
    if (cur >= INT64_MAX) {
        rc = SRV_E_INVALID;
        goto out;
    }
    next = cur + 1;
    insert = s->st[ST_INSERT_DOCUMENT];
    if ((rc = bind_text(insert, 1, patient_id, pid_len)) || (rc = bind_version(insert, 2, next)) ||
        (rc = bind_text(insert, 3, document_id, did_len)) ||
        (rc = bind_text(insert, 4, t->now, strlen(t->now))) ||
        (rc = bind_text(insert, 5, etag, etag_len)) ||
        (rc = bind_blob(insert, 6, (const char *)packed, packed_len)) ||
        (rc = map_rc(sqlite3_bind_int64(insert, 7, (sqlite3_int64)json_len))) ||
        (rc = step_done(insert)))
        goto out;
    set = s->st[ST_SET_DOCUMENT_CURRENT];
    if ((rc = bind_text(set, 1, patient_id, pid_len)) || (rc = bind_version(set, 2, next)) ||
        (rc = step_done(set)))
        goto out;
    *version = next;
out:
    free(packed);
    if (find)
        stmt_done(find);
    if (insert)
        stmt_done(insert);
    if (set)
        stmt_done(set);
    return txn_fail(t, rc);
}

const char *srv_txn_time(const srv_txn *t)
{
    return t && t->open ? t->now : NULL;
}

int srv_txn_version(srv_txn *t, const char *type, const char *id, uint64_t *version)
{
    size_t type_len, id_len;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (!version || key_len(type, SRV__KEY_MAX, 0, &type_len) ||
        key_len(id, SRV__KEY_MAX, 0, &id_len))
        return SRV_E_INVALID; /* a question, not a write: the transaction stays usable */
    sqlite3_stmt *st = t->s->st[ST_CURRENT_VERSION];
    if (!(rc = bind_text(st, 1, type, type_len)) && !(rc = bind_text(st, 2, id, id_len)))
        rc = current_version(st, version);
    stmt_done(st);
    return txn_fail(t, rc);
}

int srv_txn_document_version(srv_txn *t, const char *patient_id, uint64_t *version)
{
    size_t pid_len;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (!version || key_len(patient_id, SRV__KEY_MAX, 0, &pid_len))
        return SRV_E_INVALID;
    sqlite3_stmt *st = t->s->st[ST_DOCUMENT_VERSION];
    if (!(rc = bind_text(st, 1, patient_id, pid_len)))
        rc = current_version(st, version);
    stmt_done(st);
    return txn_fail(t, rc);
}

int srv_txn_set_members(srv_txn *t, const char *patient_id, const char *const *types,
                        const char *const *ids, size_t count)
{
    sqlite3_stmt *del = NULL, *ins = NULL;
    size_t pid_len, type_len, id_len;
    int rc = txn_usable(t);
    if (rc)
        return rc;
    if (key_len(patient_id, SRV__KEY_MAX, 0, &pid_len) || (count > 0 && (!types || !ids))) {
        rc = SRV_E_INVALID;
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        if (key_len(types[i], SRV__KEY_MAX, 0, &type_len) ||
            key_len(ids[i], SRV__KEY_MAX, 0, &id_len)) {
            rc = SRV_E_INVALID; /* checked before anything is written */
            goto out;
        }
    }
    del = t->s->st[ST_DELETE_MEMBERS];
    if ((rc = bind_text(del, 1, patient_id, pid_len)) || (rc = step_done(del)))
        goto out;
    ins = t->s->st[ST_INSERT_MEMBER];
    for (size_t i = 0; i < count; i++) {
        if ((rc = bind_text(ins, 1, patient_id, pid_len)) ||
            (rc = bind_text(ins, 2, types[i], strlen(types[i]))) ||
            (rc = bind_text(ins, 3, ids[i], strlen(ids[i]))) || (rc = step_done(ins)))
            goto out;
        stmt_done(ins);
    }
out:
    if (del)
        stmt_done(del);
    if (ins)
        stmt_done(ins);
    return txn_fail(t, rc);
}

/* Ends the transaction, rolling back whatever is still open. */
static void txn_end(srv_txn *t)
{
    srv_store *s = t->s;
    if (!sqlite3_get_autocommit(s->db)) {
        /* ROLLBACK fails only with statements still running, and every
         * statement is reset after use; the database undoes an interrupted
         * transaction on the next open in any case. */
        (void)step_done(s->st[ST_ROLLBACK]);
        stmt_done(s->st[ST_ROLLBACK]);
    }
    t->open = 0;
    t->failed = 0;
}

int srv_txn_commit(srv_txn *t)
{
    if (!t || !t->open)
        return SRV_E_INVALID;
    sqlite3_stmt *st = t->s->st[ST_COMMIT];
    int rc = t->failed;
    if (rc)
        goto out;
    /* Returns once the WAL holding the transaction is fsync'd
     * (synchronous=FULL). A deferred foreign key (identifiers without a
     * resource) fails here with SQLITE_CONSTRAINT, i.e. SRV_E_INVALID. */
    rc = step_done(st);
out:
    stmt_done(st);
    txn_end(t); /* after a failed COMMIT the transaction may still be open */
    return rc;
}

int srv_txn_part_begin(srv_txn *t)
{
    int rc = txn_usable(t);
    if (rc)
        return rc;
    rc = now_instant(t->now);
    if (!rc)
        rc = step_done(t->s->st[ST_SAVEPOINT]);
    stmt_done(t->s->st[ST_SAVEPOINT]);
    return txn_fail(t, rc);
}

int srv_txn_part_end(srv_txn *t)
{
    int rc = txn_usable(t);
    if (rc)
        return rc;
    /* what COMMIT would find: a deferred foreign key still broken (a record
     * list naming a resource that does not exist) fails this part, not the
     * whole transaction at its commit */
    int now = 0, high = 0;
    if (sqlite3_db_status(t->s->db, SQLITE_DBSTATUS_DEFERRED_FKS, &now, &high, 0) == SQLITE_OK &&
        now > 0)
        return txn_fail(t, SRV_E_INVALID);
    rc = step_done(t->s->st[ST_RELEASE]);
    stmt_done(t->s->st[ST_RELEASE]);
    return txn_fail(t, rc);
}

int srv_txn_part_undo(srv_txn *t)
{
    if (!t || !t->open)
        return SRV_E_INVALID;
    srv_store *s = t->s;
    if (sqlite3_get_autocommit(s->db)) /* SQLite ended the transaction itself (e.g. FULL) */
        return txn_fail(t, t->failed ? t->failed : SRV_E_IO);
    int rc = step_done(s->st[ST_ROLLBACK_TO]);
    stmt_done(s->st[ST_ROLLBACK_TO]);
    if (!rc)
        rc = step_done(s->st[ST_RELEASE]);
    stmt_done(s->st[ST_RELEASE]);
    if (rc)
        return txn_fail(t, rc);
    t->failed = 0; /* the part's error went with the part */
    return 0;
}

void srv_txn_rollback(srv_txn *t)
{
    if (!t || !t->open)
        return;
    txn_end(t);
}

/* ---- reading ------------------------------------------------------------ */

/* Fills `out` from a row of (version, last_modified, deleted, json). */
static int resource_row(srv_store *s, sqlite3_stmt *st, const char *type, size_t type_len,
                        const char *id, size_t id_len, srv_version *out)
{
    int rc = column_version(st, 0, &out->version);
    if (rc)
        return rc;
    out->deleted = sqlite3_column_int(st, 2) != 0;
    out->type = dup_bytes(type, type_len);
    out->id = dup_bytes(id, id_len);
    out->etag = weak_etag(out->version);
    if (!out->type || !out->id || !out->etag)
        return SRV_E_NOMEM;
    if ((rc = column_dup(s->db, st, 1, &out->last_modified, NULL)))
        return rc;
    return column_dup(s->db, st, 3, &out->json, &out->json_len);
}

int srv_store_read(srv_store *s, const char *type, const char *id, uint64_t version,
                   srv_version *out)
{
    sqlite3_stmt *st = NULL;
    size_t type_len, id_len;
    int rc;
    if (!out)
        return SRV_E_INVALID;
    memset(out, 0, sizeof *out);
    if (!s || key_len(type, SRV__KEY_MAX, 0, &type_len) || key_len(id, SRV__KEY_MAX, 0, &id_len))
        return SRV_E_INVALID;
    if (version > INT64_MAX)
        return SRV_E_NOTFOUND;
    st = s->st[version == 0 ? ST_READ_CURRENT : ST_READ_VERSION];
    if ((rc = bind_text(st, 1, type, type_len)) || (rc = bind_text(st, 2, id, id_len)))
        goto out;
    if (version != 0 && (rc = bind_version(st, 3, version)))
        goto out;
    rc = step_row(st);
    if (rc == 0)
        rc = SRV_E_NOTFOUND;
    if (rc < 0)
        goto out;
    rc = resource_row(s, st, type, type_len, id, id_len, out);
out:
    stmt_done(st);
    if (rc)
        srv_version_free(out);
    return rc;
}

int srv_store_find(srv_store *s, const char *type, const char *system, const char *value,
                   char **ids, size_t max, size_t *count)
{
    sqlite3_stmt *st = NULL;
    size_t type_len, sys_len, val_len, n = 0;
    int rc;
    if (!count)
        return SRV_E_INVALID;
    *count = 0;
    if (!s || !ids || max == 0 || max > INT64_MAX || key_len(type, SRV__KEY_MAX, 0, &type_len) ||
        key_len(system, SRV__IDENT_MAX, 1, &sys_len) || key_len(value, SRV__IDENT_MAX, 1, &val_len))
        return SRV_E_INVALID;
    st = s->st[ST_FIND];
    if ((rc = bind_text(st, 1, type, type_len)) || (rc = bind_text(st, 2, system, sys_len)) ||
        (rc = bind_text(st, 3, value, val_len)) ||
        (rc = map_rc(sqlite3_bind_int64(st, 4, (sqlite3_int64)max))))
        goto out;
    while (n < max && (rc = step_row(st)) == 1) {
        rc = column_dup(s->db, st, 0, &ids[n], NULL);
        if (rc)
            goto out;
        n++;
    }
    if (rc == 1)
        rc = 0;
out:
    stmt_done(st);
    if (rc) {
        while (n > 0)
            free(ids[--n]);
    }
    *count = n;
    return rc;
}

/* Reads one row of a history query into a srv_version. */
typedef int (*row_reader)(srv_store *s, sqlite3_stmt *st, const void *ctx, srv_version *out);

/* Steps a bound history statement into out[0..max), newest first; resets the
 * statement. SRV_E_NOTFOUND when there is no row; on error nothing is handed
 * out (*count 0). */
static int collect_versions(srv_store *s, sqlite3_stmt *st, row_reader read, const void *ctx,
                            srv_version *out, size_t max, size_t *count)
{
    size_t n = 0;
    int rc = 0;
    while (n < max && (rc = step_row(st)) == 1) {
        memset(&out[n], 0, sizeof out[n]);
        n++; /* counted first, so the cleanup frees a half-filled entry too */
        rc = read(s, st, ctx, &out[n - 1]);
        if (rc)
            break;
    }
    if (rc == 1 || (rc == 0 && n > 0))
        rc = 0;
    else if (rc == 0)
        rc = SRV_E_NOTFOUND;
    stmt_done(st);
    if (rc) {
        while (n > 0)
            srv_version_free(&out[--n]);
    }
    *count = n;
    return rc;
}

typedef struct history_key {
    const char *type;
    size_t type_len;
    const char *id;
    size_t id_len;
} history_key;

static int history_row(srv_store *s, sqlite3_stmt *st, const void *ctx, srv_version *out)
{
    const history_key *k = ctx;
    return resource_row(s, st, k->type, k->type_len, k->id, k->id_len, out);
}

int srv_store_history(srv_store *s, const char *type, const char *id, srv_version *out,
                      size_t max, size_t *count)
{
    sqlite3_stmt *st = NULL;
    size_t type_len, id_len;
    int rc;
    if (!count)
        return SRV_E_INVALID;
    *count = 0;
    if (!s || !out || max == 0 || max > INT64_MAX || key_len(type, SRV__KEY_MAX, 0, &type_len) ||
        key_len(id, SRV__KEY_MAX, 0, &id_len))
        return SRV_E_INVALID;
    st = s->st[ST_HISTORY];
    if ((rc = bind_text(st, 1, type, type_len)) || (rc = bind_text(st, 2, id, id_len)) ||
        (rc = map_rc(sqlite3_bind_int64(st, 3, (sqlite3_int64)max))))
        goto out;
    history_key key = {type, type_len, id, id_len};
    return collect_versions(s, st, history_row, &key, out, max, count);
out:
    stmt_done(st);
    return rc;
}

/* Fills `out` from a row of (version, document_id, last_modified, etag[, json,
 * json_size]); the JSON only when `bytes`. */
static int document_row(srv_store *s, sqlite3_stmt *st, int bytes, srv_version *out)
{
    int rc = column_version(st, 0, &out->version);
    if (rc)
        return rc;
    out->type = dup_bytes("Bundle", strlen("Bundle"));
    if (!out->type)
        return SRV_E_NOMEM;
    if ((rc = column_dup(s->db, st, 1, &out->id, NULL)) ||
        (rc = column_dup(s->db, st, 2, &out->last_modified, NULL)) ||
        (rc = column_dup(s->db, st, 3, &out->etag, NULL)))
        return rc;
    if (!bytes)
        return 0;
    sqlite3_int64 size = sqlite3_column_int64(st, 5);
    if (size == 0) /* written before schema 4: as is */
        return column_dup(s->db, st, 4, &out->json, &out->json_len);
    const void *p = sqlite3_column_blob(st, 4);
    int n = sqlite3_column_bytes(st, 4);
    if (!p && sqlite3_errcode(s->db) == SQLITE_NOMEM)
        return SRV_E_NOMEM;
    if (!p || n <= 0 || size < 0 || size > SRV__DOCUMENT_MAX)
        return SRV_E_IO;
    out->json_len = (size_t)size;
    return inflate_bytes(p, (size_t)n, &out->json, out->json_len);
}

static int document_head_row(srv_store *s, sqlite3_stmt *st, const void *ctx, srv_version *out)
{
    (void)ctx;
    return document_row(s, st, 0, out);
}

/* The checks a document lookup starts with: `out` cleared, the patient key's
 * length in *pid_len. 0, or the error to return. */
static int document_lookup(const srv_store *s, const char *patient_id, uint64_t version,
                           srv_version *out, size_t *pid_len)
{
    if (!out)
        return SRV_E_INVALID;
    memset(out, 0, sizeof *out);
    if (!s || key_len(patient_id, SRV__KEY_MAX, 0, pid_len))
        return SRV_E_INVALID;
    return version > INT64_MAX ? SRV_E_NOTFOUND : 0;
}

int srv_store_document(srv_store *s, const char *patient_id, uint64_t version, srv_version *out)
{
    size_t pid_len;
    int rc = document_lookup(s, patient_id, version, out, &pid_len);
    if (rc)
        return rc;
    sqlite3_stmt *st = s->st[version == 0 ? ST_DOCUMENT_CURRENT : ST_DOCUMENT_BY_VERSION];
    if ((rc = bind_text(st, 1, patient_id, pid_len)))
        goto out;
    if (version != 0 && (rc = bind_version(st, 2, version)))
        goto out;
    rc = step_row(st);
    if (rc == 0)
        rc = SRV_E_NOTFOUND;
    if (rc < 0)
        goto out;
    rc = document_row(s, st, 1, out);
out:
    stmt_done(st);
    if (rc)
        srv_version_free(out);
    return rc;
}

int srv_store_document_history(srv_store *s, const char *patient_id, srv_version *out,
                               size_t max, size_t *count)
{
    sqlite3_stmt *st = NULL;
    size_t pid_len;
    int rc;
    if (!count)
        return SRV_E_INVALID;
    *count = 0;
    if (!s || !out || max == 0 || max > INT64_MAX ||
        key_len(patient_id, SRV__KEY_MAX, 0, &pid_len))
        return SRV_E_INVALID;
    st = s->st[ST_DOCUMENT_HISTORY];
    if ((rc = bind_text(st, 1, patient_id, pid_len)) ||
        (rc = map_rc(sqlite3_bind_int64(st, 2, (sqlite3_int64)max))))
        goto out;
    return collect_versions(s, st, document_head_row, NULL, out, max, count);
out:
    stmt_done(st);
    return rc;
}

/* Steps a bound statement whose rows are `cols` TEXT columns into the
 * string arrays outs[0..cols)[0..max); resets it. */
static int collect_strings(srv_store *s, sqlite3_stmt *st, int cols, char **outs[], size_t max,
                           size_t *count)
{
    size_t n = 0;
    int rc;
    while (n < max && (rc = step_row(st)) == 1) {
        for (int c = 0; c < cols; c++)
            outs[c][n] = NULL;
        n++; /* counted first, so the cleanup frees a half-filled row too */
        for (int c = 0; c < cols && rc == 1; c++)
            if (column_dup(s->db, st, c, &outs[c][n - 1], NULL))
                rc = SRV_E_NOMEM;
        if (rc != 1)
            break;
    }
    if (n == max || rc == 1)
        rc = 0;
    stmt_done(st);
    if (rc) {
        while (n > 0) {
            n--;
            for (int c = 0; c < cols; c++)
                free(outs[c][n]);
        }
    }
    *count = n;
    return rc;
}

int srv_store_members(srv_store *s, const char *patient_id, char **types, char **ids, size_t max,
                      size_t *count)
{
    size_t pid_len;
    int rc;
    if (!count)
        return SRV_E_INVALID;
    *count = 0;
    if (!s || !types || !ids || max == 0 || max > INT64_MAX ||
        key_len(patient_id, SRV__KEY_MAX, 0, &pid_len))
        return SRV_E_INVALID;
    sqlite3_stmt *st = s->st[ST_MEMBERS];
    if ((rc = bind_text(st, 1, patient_id, pid_len)) ||
        (rc = map_rc(sqlite3_bind_int64(st, 2, (sqlite3_int64)max)))) {
        stmt_done(st);
        return rc;
    }
    char **outs[2] = {types, ids};
    return collect_strings(s, st, 2, outs, max, count);
}

int srv_store_patients_of(srv_store *s, const char *type, const char *id, char **patient_ids,
                          size_t max, size_t *count)
{
    size_t type_len, id_len;
    int rc;
    if (!count)
        return SRV_E_INVALID;
    *count = 0;
    if (!s || !patient_ids || max == 0 || max > INT64_MAX ||
        key_len(type, SRV__KEY_MAX, 0, &type_len) || key_len(id, SRV__KEY_MAX, 0, &id_len))
        return SRV_E_INVALID;
    sqlite3_stmt *st = s->st[ST_PATIENTS_OF];
    if ((rc = bind_text(st, 1, type, type_len)) || (rc = bind_text(st, 2, id, id_len)) ||
        (rc = map_rc(sqlite3_bind_int64(st, 3, (sqlite3_int64)max)))) {
        stmt_done(st);
        return rc;
    }
    char **outs[1] = {patient_ids};
    return collect_strings(s, st, 1, outs, max, count);
}

int srv_store_defer_upkeep(srv_store *s)
{
    return s ? map_rc(sqlite3_wal_autocheckpoint(s->db, 0)) : SRV_E_INVALID;
}

int srv_store_upkeep(srv_store *s)
{
    if (!s)
        return SRV_E_INVALID;
    /* PASSIVE: copies what no reader still needs; the next writer restarts the
     * log once all of it is in the database */
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return rc == SQLITE_BUSY ? 0 : map_rc(rc);
}

int srv_store_is_empty(srv_store *s, int *empty)
{
    if (!s || !empty)
        return SRV_E_INVALID;
    sqlite3_stmt *st = s->st[ST_ANY_RESOURCE];
    int rc = step_row(st);
    if (rc == 1) {
        *empty = sqlite3_column_int(st, 0) == 0;
        rc = 0;
    } else if (rc == 0) {
        rc = SRV_E_IO;
    }
    stmt_done(st);
    return rc;
}
