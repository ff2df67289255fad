/*
 * test_store_sqlite.c — unit tests for server/store_sqlite.c, the SQLite
 * backend of server/store.h.
 *
 * Each test gets a fresh directory (mkdtemp, under $TMPDIR or /tmp) with an
 * open store in it, and removes both afterwards. Covered: versions, reads and
 * history; If-Match and create-only conflicts; rollback and atomic commit of
 * resources, identifiers and documents; the identifier index; documents byte
 * for byte (1 MB bodies); reopening; two handles on one file (no dirty reads,
 * a second writer waits or gets SRV_E_BUSY); the durability settings; foreign
 * files; and a child process that commits and then exits without closing the
 * store, or is killed inside a transaction.
 *
 * The store waits SRV__BUSY_MS (5 s) for the write lock. The busy test
 * shortens that for one handle through srv__store_sqlite_db, the connection
 * hook store_sqlite.c exports for tests and diagnostics (not part of
 * store.h), which is also how the PRAGMAs are read back. Tests that fork
 * close every store first and open new ones on both sides afterwards: an
 * SQLite connection must not cross a fork.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

/* The hook from store_sqlite.c (srv__ tier: cross-file, not in store.h). */
sqlite3 *srv__store_sqlite_db(srv_store *s);

#define BSN "http://fhir.nl/fhir/NamingSystem/bsn"

/* ---- fixture: a temporary directory with an open store ---------------------- */

typedef struct fx {
    char dir[256];
    char path[300];
    srv_store *s;
} fx;

static int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 200)
        tmp = "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/test_store_sqlite.XXXXXX", tmp);
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/store.db", f->dir);
    if (srv_store_open_sqlite(f->path, &f->s) != 0) {
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void remove_file(const fx *f, const char *suffix)
{
    char p[320];
    snprintf(p, sizeof p, "%s%s", f->path, suffix);
    unlink(p);
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    srv_store_close(f->s);
    remove_file(f, "");
    remove_file(f, "-wal");
    remove_file(f, "-shm");
    remove_file(f, "-journal");
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

/* Closes the fixture's store (before a fork, before reopening). */
static void close_store(fx *f)
{
    srv_store_close(f->s);
    f->s = NULL;
}

static srv_store *open_store(const fx *f)
{
    srv_store *s = NULL;
    assert_int_equal(srv_store_open_sqlite(f->path, &s), 0);
    assert_non_null(s);
    return s;
}

/* ---- helpers ---------------------------------------------------------------- */

/* Puts one resource in its own transaction; returns the new version. */
static uint64_t put1(srv_store *s, const char *type, const char *id, uint64_t expected,
                     const char *json)
{
    srv_txn *t = NULL;
    uint64_t v = 0;
    assert_int_equal(srv_store_begin(s, &t), 0);
    assert_int_equal(srv_txn_put(t, type, id, expected, json, strlen(json), &v), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    return v;
}

/* Asserts that type/id at `version` (0: current) holds `json`. */
static void expect_resource(srv_store *s, const char *type, const char *id, uint64_t version,
                            uint64_t want_version, const char *json)
{
    srv_version v;
    assert_int_equal(srv_store_read(s, type, id, version, &v), 0);
    assert_string_equal(v.type, type);
    assert_string_equal(v.id, id);
    assert_int_equal(v.version, want_version);
    assert_int_equal(v.deleted, 0);
    assert_int_equal(v.json_len, strlen(json));
    assert_memory_equal(v.json, json, v.json_len);
    assert_int_equal(v.json[v.json_len], '\0');
    char etag[32];
    snprintf(etag, sizeof etag, "W/\"%llu\"", (unsigned long long)want_version);
    assert_string_equal(v.etag, etag);
    assert_non_null(v.last_modified);
    srv_version_free(&v);
}

static void expect_no_resource(srv_store *s, const char *type, const char *id)
{
    srv_version v;
    assert_int_equal(srv_store_read(s, type, id, 0, &v), SRV_E_NOTFOUND);
    assert_null(v.json);
}

/* The number of ids that srv_store_find returns for the pair (at most 8),
 * all freed; the first one is copied to `first` when it is not NULL. */
static size_t find_count(srv_store *s, const char *type, const char *system, const char *value,
                         char *first, size_t first_size)
{
    char *ids[8];
    size_t n = 99;
    assert_int_equal(srv_store_find(s, type, system, value, ids, 8, &n), 0);
    if (first && n > 0)
        snprintf(first, first_size, "%s", ids[0]);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    return n;
}

/* A FHIR instant with milliseconds: "2026-11-23T03:00:00.123Z". */
static void expect_instant(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    assert_int_equal(strlen(s), strlen(shape));
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(s[i] >= '0' && s[i] <= '9');
        else
            assert_int_equal(s[i], shape[i]);
    }
}

/* About `size` bytes of UTF-8 text with multi-byte characters, markup and
 * quotes, no NUL; *len is the exact length. */
static char *utf8_body(size_t size, size_t *len)
{
    static const char unit[] = "<text>Bejegening: rustig benaderen — “niet aanraken” é ü ß € "
                               "\xF0\x9F\x99\x82 \\\"quoted\\\" &amp; ÅØ 中文</text>\n";
    size_t ulen = sizeof unit - 1, n = 0;
    char *b = malloc(size + ulen + 1);
    assert_non_null(b);
    while (n + ulen <= size) {
        memcpy(b + n, unit, ulen);
        n += ulen;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Waits for child `pid`; returns its exit status, or 128 + the signal. */
static int wait_child(pid_t pid)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    assert_int_equal(r, pid);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    assert_true(WIFSIGNALED(status));
    return 128 + WTERMSIG(status);
}

/* ---- put and read ------------------------------------------------------------ */

static void test_store_sqlite__put_creates_version_1(void **state)
{
    fx *f = *state;
    assert_int_equal(put1(f->s, "Patient", "p1", UINT64_MAX, "{\"resourceType\":\"Patient\"}"), 1);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{\"resourceType\":\"Patient\"}");
    expect_resource(f->s, "Patient", "p1", 1, 1, "{\"resourceType\":\"Patient\"}");
}

static void test_store_sqlite__put_increments_version(void **state)
{
    fx *f = *state;
    assert_int_equal(put1(f->s, "Patient", "p1", 0, "{\"v\":1}"), 1);
    assert_int_equal(put1(f->s, "Patient", "p1", 0, "{\"v\":2}"), 2);
    assert_int_equal(put1(f->s, "Patient", "p1", 2, "{\"v\":3}"), 3);
    /* versions are per type/id */
    assert_int_equal(put1(f->s, "Patient", "p2", 0, "{\"other\":1}"), 1);
    assert_int_equal(put1(f->s, "Flag", "p1", 0, "{\"flag\":1}"), 1);
    expect_resource(f->s, "Patient", "p1", 0, 3, "{\"v\":3}");
    expect_resource(f->s, "Patient", "p2", 0, 1, "{\"other\":1}");
    expect_resource(f->s, "Flag", "p1", 0, 1, "{\"flag\":1}");
}

static void test_store_sqlite__read_by_version_returns_that_version(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{\"v\":1}");
    put1(f->s, "Patient", "p1", 0, "{\"v\":2}");
    put1(f->s, "Patient", "p1", 0, "{\"v\":3}");
    expect_resource(f->s, "Patient", "p1", 1, 1, "{\"v\":1}");
    expect_resource(f->s, "Patient", "p1", 2, 2, "{\"v\":2}");
    expect_resource(f->s, "Patient", "p1", 3, 3, "{\"v\":3}");
}

static void test_store_sqlite__read_notfound(void **state)
{
    fx *f = *state;
    srv_version v;
    put1(f->s, "Patient", "p1", 0, "{}");
    assert_int_equal(srv_store_read(f->s, "Patient", "nope", 0, &v), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_read(f->s, "Patient", "nope", 1, &v), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_read(f->s, "Patient", "p1", 2, &v), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_read(f->s, "Patient", "p1", UINT64_MAX, &v), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_read(f->s, "Observation", "p1", 0, &v), SRV_E_NOTFOUND);
    assert_null(v.type);
    assert_null(v.json);
}

static void test_store_sqlite__put_keeps_large_body_byte_for_byte(void **state)
{
    fx *f = *state;
    size_t len;
    char *body = utf8_body(1 << 20, &len);
    srv_txn *t;
    uint64_t ver;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "big", 0, body, len, &ver), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    srv_version v;
    assert_int_equal(srv_store_read(f->s, "Patient", "big", 0, &v), 0);
    assert_int_equal(v.json_len, len);
    assert_memory_equal(v.json, body, len);
    srv_version_free(&v);
    free(body);
}

static void test_store_sqlite__last_modified_is_one_instant_per_transaction(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{}", 2, &v), 0);
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(srv_txn_put(t, "Flag", "f1", 0, "{}", 2, &v), 0);
    assert_int_equal(srv_txn_put_document(t, "p1", "d1", "{}", 2, "\"e1\"", &v), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    srv_version a, b, d;
    assert_int_equal(srv_store_read(f->s, "Patient", "p1", 0, &a), 0);
    assert_int_equal(srv_store_read(f->s, "Flag", "f1", 0, &b), 0);
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), 0);
    expect_instant(a.last_modified);
    assert_string_equal(a.last_modified, b.last_modified);
    assert_string_equal(a.last_modified, d.last_modified);
    srv_version_free(&a);
    srv_version_free(&b);
    srv_version_free(&d);
}

/* Parts of one transaction: an undone part leaves nothing (not even its
 * error); the others commit together. */
static void test_store_sqlite__parts_commit_together_and_undo_alone(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_part_begin(t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{\"a\":1}", 7, &v), 0);
    assert_int_equal(srv_txn_part_end(t), 0);
    assert_int_equal(srv_txn_part_begin(t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p2", 0, "{\"b\":1}", 7, &v), 0);
    assert_int_not_equal(srv_txn_put(t, "Patient", "p1", 5, "{\"a\":2}", 7, &v), 0); /* stale */
    assert_int_equal(srv_txn_part_undo(t), 0);
    assert_int_equal(srv_txn_part_begin(t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p3", 0, "{\"c\":1}", 7, &v), 0);
    assert_int_equal(srv_txn_part_end(t), 0);
    /* a record list naming nothing fails its part at its end, not the commit */
    const char *types[] = {"Flag"}, *ids[] = {"nope"};
    assert_int_equal(srv_txn_part_begin(t), 0);
    assert_int_equal(srv_txn_set_members(t, "p1", types, ids, 1), 0);
    assert_int_equal(srv_txn_part_end(t), SRV_E_INVALID);
    assert_int_equal(srv_txn_part_undo(t), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{\"a\":1}");
    expect_resource(f->s, "Patient", "p3", 0, 1, "{\"c\":1}");
    srv_version x;
    assert_int_equal(srv_store_read(f->s, "Patient", "p2", 0, &x), SRV_E_NOTFOUND);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A writer that leaves the upkeep (checkpoints) to another handle: past
 * SQLite's own threshold (1000 pages) its writes stay in the log until that
 * handle copies them into the database, and nothing is lost. */
static void test_store_sqlite__upkeep_on_another_handle(void **state)
{
    fx *f = *state;
    srv_store *keeper;
    assert_int_equal(srv_store_open_sqlite(f->path, &keeper), 0);
    assert_int_equal(srv_store_defer_upkeep(f->s), 0);
    size_t n = 220 * 1024;
    char *json = malloc(n + 1), id[16];
    assert_non_null(json);
    memset(json, ' ', n);
    memcpy(json, "{\"x\":1", 6);
    json[n - 1] = '}';
    json[n] = '\0';
    long before = file_size(f->path);
    for (int i = 0; i < 24; i++) { /* about 1,300 pages */
        snprintf(id, sizeof id, "p%d", i);
        srv_txn *t;
        uint64_t v;
        assert_int_equal(srv_store_begin(f->s, &t), 0);
        assert_int_equal(srv_txn_put(t, "Patient", id, 0, json, n, &v), 0);
        assert_int_equal(srv_txn_commit(t), 0);
    }
    assert_true(file_size(f->path) < before + (long)n); /* all still in the log */
    assert_int_equal(srv_store_upkeep(keeper), 0);
    assert_true(file_size(f->path) > before + 20 * (long)n); /* copied into the database */
    srv_store_close(keeper);
    srv_version v;
    assert_int_equal(srv_store_read(f->s, "Patient", "p23", 0, &v), 0);
    assert_int_equal(v.json_len, n);
    srv_version_free(&v);
    free(json);
}

static void test_store_sqlite__transaction_reads_its_own_writes(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{\"a\":1}", 7, &v), 0);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{\"a\":1}");
    srv_txn_rollback(t);
    expect_no_resource(f->s, "Patient", "p1");
}

/* ---- history -------------------------------------------------------------------- */

static void test_store_sqlite__history_is_newest_first(void **state)
{
    fx *f = *state;
    static const char *const bodies[] = {"{\"v\":1}", "{\"v\":2}", "{\"v\":3}", "{\"v\":4}"};
    for (int i = 0; i < 4; i++)
        put1(f->s, "Patient", "p1", 0, bodies[i]);
    put1(f->s, "Patient", "other", 0, "{}");
    srv_version h[8];
    size_t n = 0;
    assert_int_equal(srv_store_history(f->s, "Patient", "p1", h, 8, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].version, 4 - i);
        assert_string_equal(h[i].json, bodies[3 - i]);
        assert_string_equal(h[i].type, "Patient");
        assert_string_equal(h[i].id, "p1");
        expect_instant(h[i].last_modified);
        srv_version_free(&h[i]);
    }
    /* at most max, still the newest */
    assert_int_equal(srv_store_history(f->s, "Patient", "p1", h, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].version, 4);
    assert_int_equal(h[1].version, 3);
    srv_version_free(&h[0]);
    srv_version_free(&h[1]);
}

static void test_store_sqlite__history_notfound(void **state)
{
    fx *f = *state;
    srv_version h[2];
    size_t n = 99;
    assert_int_equal(srv_store_history(f->s, "Patient", "nope", h, 2, &n), SRV_E_NOTFOUND);
    assert_int_equal(n, 0);
}

/* ---- expected versions ------------------------------------------------------------ */

static void test_store_sqlite__if_match_conflict_writes_nothing(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{\"v\":1}");
    put1(f->s, "Patient", "p1", 0, "{\"v\":2}");
    srv_txn *t;
    uint64_t v = 77;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{\"stale\":1}", 11, &v), SRV_E_CONFLICT);
    assert_int_equal(v, 77);
    assert_int_equal(srv_txn_commit(t), SRV_E_CONFLICT);
    expect_resource(f->s, "Patient", "p1", 0, 2, "{\"v\":2}");
    srv_version h[4];
    size_t n;
    assert_int_equal(srv_store_history(f->s, "Patient", "p1", h, 4, &n), 0);
    assert_int_equal(n, 2);
    srv_version_free(&h[0]);
    srv_version_free(&h[1]);
    /* the right version still goes through */
    assert_int_equal(put1(f->s, "Patient", "p1", 2, "{\"v\":3}"), 3);
}

static void test_store_sqlite__if_match_on_missing_resource_conflicts(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{}", 2, &v), SRV_E_CONFLICT);
    srv_txn_rollback(t);
    expect_no_resource(f->s, "Patient", "p1");
}

static void test_store_sqlite__create_only_on_existing_id_conflicts(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", UINT64_MAX, "{\"first\":1}");
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", UINT64_MAX, "{\"second\":1}", 12, &v),
                     SRV_E_CONFLICT);
    srv_txn_rollback(t);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{\"first\":1}");
}

static void test_store_sqlite__error_spoils_the_transaction(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{}");
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Flag", "f1", 0, "{}", 2, &v), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 5, "{}", 2, &v), SRV_E_CONFLICT);
    /* every later call, and the commit, repeat the first error */
    assert_int_equal(srv_txn_put(t, "Flag", "f2", 0, "{}", 2, &v), SRV_E_CONFLICT);
    const char *sys[] = {BSN}, *val[] = {"1"};
    assert_int_equal(srv_txn_set_identifiers(t, "Flag", "f1", sys, val, 1), SRV_E_CONFLICT);
    assert_int_equal(srv_txn_commit(t), SRV_E_CONFLICT);
    expect_no_resource(f->s, "Flag", "f1");
    expect_no_resource(f->s, "Flag", "f2");
    /* the handle takes a new transaction */
    assert_int_equal(put1(f->s, "Flag", "f1", 0, "{}"), 1);
}

/* ---- transactions -------------------------------------------------------------------- */

static void test_store_sqlite__rollback_leaves_nothing(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    const char *sys[] = {BSN}, *val[] = {"999911120"};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", UINT64_MAX, "{}", 2, &v), 0);
    assert_int_equal(srv_txn_set_identifiers(t, "Patient", "p1", sys, val, 1), 0);
    assert_int_equal(srv_txn_put_document(t, "p1", "d1", "{}", 2, "\"e\"", &v), 0);
    srv_txn_rollback(t);
    expect_no_resource(f->s, "Patient", "p1");
    assert_int_equal(find_count(f->s, "Patient", BSN, "999911120", NULL, 0), 0);
    srv_version d;
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), SRV_E_NOTFOUND);
    /* the rolled-back version was never there: the next write is version 1 */
    assert_int_equal(put1(f->s, "Patient", "p1", UINT64_MAX, "{}"), 1);
    /* and a rollback of an existing resource's update keeps the old state */
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{\"new\":1}", 9, &v), 0);
    assert_int_equal(v, 2);
    srv_txn_rollback(t);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{}");
}

static void test_store_sqlite__transaction_commits_atomically(void **state)
{
    fx *f = *state;
    srv_store *reader = open_store(f);
    srv_txn *t;
    uint64_t v;
    const char *sys[] = {BSN}, *val[] = {"999911120"};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", UINT64_MAX, "{\"p\":1}", 7, &v), 0);
    assert_int_equal(srv_txn_put(t, "Consent", "c1", UINT64_MAX, "{\"c\":1}", 7, &v), 0);
    assert_int_equal(srv_txn_put(t, "Flag", "f1", UINT64_MAX, "{\"f\":1}", 7, &v), 0);
    assert_int_equal(srv_txn_set_identifiers(t, "Patient", "p1", sys, val, 1), 0);
    assert_int_equal(srv_txn_put_document(t, "p1", "d1", "{}", 2, "\"e1\"", &v),
                     0);
    /* nothing is visible to another handle before the commit */
    expect_no_resource(reader, "Patient", "p1");
    expect_no_resource(reader, "Consent", "c1");
    expect_no_resource(reader, "Flag", "f1");
    assert_int_equal(find_count(reader, "Patient", BSN, "999911120", NULL, 0), 0);
    srv_version d;
    assert_int_equal(srv_store_document(reader, "p1", 0, &d), SRV_E_NOTFOUND);
    assert_int_equal(srv_txn_commit(t), 0);
    /* everything is, after it */
    expect_resource(reader, "Patient", "p1", 0, 1, "{\"p\":1}");
    expect_resource(reader, "Consent", "c1", 0, 1, "{\"c\":1}");
    expect_resource(reader, "Flag", "f1", 0, 1, "{\"f\":1}");
    char id[16];
    assert_int_equal(find_count(reader, "Patient", BSN, "999911120", id, sizeof id), 1);
    assert_string_equal(id, "p1");
    assert_int_equal(srv_store_document(reader, "p1", 0, &d), 0);
    assert_string_equal(d.etag, "\"e1\"");
    srv_version_free(&d);
    srv_store_close(reader);
}

static void test_store_sqlite__identifiers_without_resource_fail_at_commit(void **state)
{
    fx *f = *state;
    srv_txn *t;
    uint64_t v;
    const char *sys[] = {BSN}, *val[] = {"999911120"};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Flag", "f1", 0, "{}", 2, &v), 0);
    assert_int_equal(srv_txn_set_identifiers(t, "Patient", "ghost", sys, val, 1), 0);
    assert_int_equal(srv_txn_commit(t), SRV_E_INVALID);
    expect_no_resource(f->s, "Flag", "f1");
    assert_int_equal(find_count(f->s, "Patient", BSN, "999911120", NULL, 0), 0);
    /* order inside a transaction does not matter: identifiers first is fine */
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_identifiers(t, "Patient", "p1", sys, val, 1), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{}", 2, &v), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    assert_int_equal(find_count(f->s, "Patient", BSN, "999911120", NULL, 0), 1);
}

static void test_store_sqlite__invalid_arguments(void **state)
{
    fx *f = *state;
    srv_txn *t = NULL, *t2 = NULL;
    uint64_t v;
    srv_version out;
    char *ids[2];
    size_t n;
    char long_id[300];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    srv_store *none = NULL;
    assert_int_equal(srv_store_open_sqlite(NULL, &none), SRV_E_INVALID);
    assert_int_equal(srv_store_open_sqlite("", &none), SRV_E_INVALID);
    assert_null(none);
    assert_int_equal(srv_store_begin(NULL, &t), SRV_E_INVALID);
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_store_begin(f->s, &t2), SRV_E_INVALID); /* one per handle */
    assert_int_equal(srv_txn_put(t, "Patient", long_id, 0, "{}", 2, &v), SRV_E_INVALID);
    srv_txn_rollback(t);
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "", 0, &v), SRV_E_INVALID);
    srv_txn_rollback(t);
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "", "p1", 0, "{}", 2, &v), SRV_E_INVALID);
    srv_txn_rollback(t);
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_identifiers(t, "Patient", "p1", NULL, NULL, 1), SRV_E_INVALID);
    srv_txn_rollback(t);
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put_document(t, "p1", "d1", "{}", 2, NULL, &v),
                     SRV_E_INVALID);
    srv_txn_rollback(t);
    assert_int_equal(srv_txn_commit(NULL), SRV_E_INVALID);
    srv_txn_rollback(NULL);
    assert_int_equal(srv_store_read(f->s, NULL, "p1", 0, &out), SRV_E_INVALID);
    assert_int_equal(srv_store_find(f->s, "Patient", BSN, "1", ids, 0, &n), SRV_E_INVALID);
    assert_int_equal(srv_store_history(f->s, "Patient", "p1", NULL, 2, &n), SRV_E_INVALID);
    assert_int_equal(srv_store_document(f->s, "", 0, &out), SRV_E_INVALID);
    srv_store_close(NULL);
    srv_version_free(NULL);
    expect_no_resource(f->s, "Patient", "p1");
}

/* ---- identifiers ------------------------------------------------------------------------ */

static void set_identifiers1(srv_store *s, const char *type, const char *id,
                             const char *const *sys, const char *const *val, size_t count)
{
    srv_txn *t;
    assert_int_equal(srv_store_begin(s, &t), 0);
    assert_int_equal(srv_txn_set_identifiers(t, type, id, sys, val, count), 0);
    assert_int_equal(srv_txn_commit(t), 0);
}

static void test_store_sqlite__find_returns_every_id(void **state)
{
    fx *f = *state;
    const char *sys[] = {BSN, "urn:oid:2.16.840.1.113883.2.4.6.1"};
    const char *val[] = {"999911120", "12345"};
    put1(f->s, "Patient", "p2", 0, "{}");
    put1(f->s, "Patient", "p1", 0, "{}");
    put1(f->s, "Patient", "p3", 0, "{}");
    put1(f->s, "Practitioner", "r1", 0, "{}");
    set_identifiers1(f->s, "Patient", "p1", sys, val, 2);
    set_identifiers1(f->s, "Patient", "p2", sys, val, 1);
    set_identifiers1(f->s, "Practitioner", "r1", sys, val, 1);
    const char *other[] = {"111222333"};
    set_identifiers1(f->s, "Patient", "p3", sys, other, 1);

    char *ids[4];
    size_t n = 0;
    assert_int_equal(srv_store_find(f->s, "Patient", BSN, "999911120", ids, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], "p1");
    assert_string_equal(ids[1], "p2");
    free(ids[0]);
    free(ids[1]);
    /* at most max */
    assert_int_equal(srv_store_find(f->s, "Patient", BSN, "999911120", ids, 1, &n), 0);
    assert_int_equal(n, 1);
    free(ids[0]);
    /* system, value and type all count */
    char id[16];
    assert_int_equal(find_count(f->s, "Patient", sys[1], "12345", id, sizeof id), 1);
    assert_string_equal(id, "p1");
    assert_int_equal(find_count(f->s, "Patient", sys[1], "999911120", NULL, 0), 0);
    assert_int_equal(find_count(f->s, "Practitioner", BSN, "999911120", id, sizeof id), 1);
    assert_string_equal(id, "r1");
    assert_int_equal(find_count(f->s, "Patient", BSN, "111222333", id, sizeof id), 1);
    assert_string_equal(id, "p3");
    assert_int_equal(find_count(f->s, "Patient", BSN, "000000000", NULL, 0), 0);
}

static void test_store_sqlite__set_identifiers_replaces_them(void **state)
{
    fx *f = *state;
    const char *sys[] = {BSN, BSN}, *old[] = {"111", "222"}, *new[] = {"333"};
    put1(f->s, "Patient", "p1", 0, "{}");
    set_identifiers1(f->s, "Patient", "p1", sys, old, 2);
    assert_int_equal(find_count(f->s, "Patient", BSN, "111", NULL, 0), 1);
    assert_int_equal(find_count(f->s, "Patient", BSN, "222", NULL, 0), 1);
    set_identifiers1(f->s, "Patient", "p1", sys, new, 1);
    assert_int_equal(find_count(f->s, "Patient", BSN, "111", NULL, 0), 0);
    assert_int_equal(find_count(f->s, "Patient", BSN, "222", NULL, 0), 0);
    assert_int_equal(find_count(f->s, "Patient", BSN, "333", NULL, 0), 1);
    /* a new version of the resource keeps them until they are set again */
    put1(f->s, "Patient", "p1", 0, "{\"v\":2}");
    assert_int_equal(find_count(f->s, "Patient", BSN, "333", NULL, 0), 1);
    /* duplicates are stored once; count 0 clears */
    const char *dup[] = {"444", "444"};
    set_identifiers1(f->s, "Patient", "p1", sys, dup, 2);
    assert_int_equal(find_count(f->s, "Patient", BSN, "444", NULL, 0), 1);
    set_identifiers1(f->s, "Patient", "p1", NULL, NULL, 0);
    assert_int_equal(find_count(f->s, "Patient", BSN, "444", NULL, 0), 0);
}

/* ---- documents ------------------------------------------------------------------------------ */

static void put_document1(srv_store *s, const char *patient, const char *doc_id, const char *json,
                          size_t json_len, const char *etag, uint64_t want_version)
{
    srv_txn *t;
    uint64_t v = 0;
    assert_int_equal(srv_store_begin(s, &t), 0);
    assert_int_equal(
        srv_txn_put_document(t, patient, doc_id, json, json_len, etag, &v), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    assert_int_equal(v, want_version);
}

static void expect_document(srv_store *s, const char *patient, uint64_t version,
                            uint64_t want_version, const char *doc_id, const char *json,
                            size_t json_len, const char *etag)
{
    srv_version d;
    assert_int_equal(srv_store_document(s, patient, version, &d), 0);
    assert_string_equal(d.type, "Bundle");
    assert_string_equal(d.id, doc_id);
    assert_int_equal(d.version, want_version);
    assert_string_equal(d.etag, etag);
    expect_instant(d.last_modified);
    assert_int_equal(d.json_len, json_len);
    assert_memory_equal(d.json, json, json_len);
    assert_int_equal(d.json[json_len], '\0');
    srv_version_free(&d);
}

static void test_store_sqlite__document_put_and_read(void **state)
{
    fx *f = *state;
    static const char j1[] = "{\"resourceType\":\"Bundle\",\"id\":\"d1\"}";
    static const char j2[] = "{\"resourceType\":\"Bundle\",\"id\":\"d1\",\"x\":\"é\"}";
    put_document1(f->s, "p1", "d1", j1, strlen(j1), "\"sha256-aaa\"", 1);
    put_document1(f->s, "p1", "d1", j2, strlen(j2), "\"sha256-bbb\"", 2);
    put_document1(f->s, "p2", "d9", j1, strlen(j1), "\"sha256-ccc\"", 1);
    expect_document(f->s, "p1", 0, 2, "d1", j2, strlen(j2), "\"sha256-bbb\"");
    expect_document(f->s, "p1", 2, 2, "d1", j2, strlen(j2), "\"sha256-bbb\"");
    expect_document(f->s, "p1", 1, 1, "d1", j1, strlen(j1), "\"sha256-aaa\"");
    expect_document(f->s, "p2", 0, 1, "d9", j1, strlen(j1), "\"sha256-ccc\"");
}

static void test_store_sqlite__document_large_bodies_byte_for_byte(void **state)
{
    fx *f = *state;
    size_t json_len;
    char *json = utf8_body((1 << 20) + 4096, &json_len);
    json[0] = '{'; /* the two bodies differ */
    assert_true(json_len > 1000000);
    put_document1(f->s, "p1", "d1", json, json_len, "\"big\"", 1);
    expect_document(f->s, "p1", 0, 1, "d1", json, json_len, "\"big\"");
    /* also after a reopen, from disk */
    close_store(f);
    f->s = open_store(f);
    expect_document(f->s, "p1", 1, 1, "d1", json, json_len, "\"big\"");
    free(json);
}

static void test_store_sqlite__document_keeps_any_bytes(void **state)
{
    fx *f = *state;
    char bytes[512];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)(i * 7 % 256); /* every byte value, NUL included */
    put_document1(f->s, "p1", "d1", bytes, sizeof bytes, "\"e\"", 1);
    expect_document(f->s, "p1", 0, 1, "d1", bytes, sizeof bytes, "\"e\"");
}

static sqlite3_int64 pragma_int(sqlite3 *db, const char *sql);

/* A document is stored deflated (a fraction of its bytes) and read back
 * byte for byte; a damaged row reads as an I/O error, never as other bytes. */
static void test_store_sqlite__document_is_stored_deflated(void **state)
{
    fx *f = *state;
    size_t len = 0;
    char *json = malloc(200000);
    assert_non_null(json);
    while (len + 80 < 200000) /* FHIR-like: much repeated, a little varying */
        len += (size_t)sprintf(json + len, "{\"system\":\"http://snomed.info/sct\",\"code\":\"%zu\"},",
                               len * 7919 % 100000);
    put_document1(f->s, "p1", "d1", json, len, "\"e1\"", 1);
    sqlite3 *db = srv__store_sqlite_db(f->s);
    assert_true(pragma_int(db, "SELECT length(json) FROM document") * 4 < (long long)len);
    assert_int_equal(pragma_int(db, "SELECT json_size FROM document"), (long long)len);
    expect_document(f->s, "p1", 0, 1, "d1", json, len, "\"e1\"");
    srv_version d;
    assert_int_equal(sqlite3_exec(db, "UPDATE document SET json = substr(json, 1, length(json) - 9)",
                                  NULL, NULL, NULL), SQLITE_OK); /* cut short */
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), SRV_E_IO);
    assert_null(d.json);
    assert_int_equal(sqlite3_exec(db, "UPDATE document SET json = X'789c4b4c4a0600024d0127'",
                                  NULL, NULL, NULL), SQLITE_OK); /* "abc": not json_size bytes */
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), SRV_E_IO);
    assert_int_equal(sqlite3_exec(db, "UPDATE document SET json = X'00112233'", NULL, NULL, NULL),
                     SQLITE_OK); /* not deflate at all */
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), SRV_E_IO);
    free(json);
}


static void test_store_sqlite__document_history_is_newest_first_without_bytes(void **state)
{
    fx *f = *state;
    static const char *const etags[] = {"\"e1\"", "\"e2\"", "\"e3\""};
    for (int i = 0; i < 3; i++)
        put_document1(f->s, "p1", "d1", "{}", 2, etags[i], (uint64_t)i + 1);
    put_document1(f->s, "p2", "d2", "{}", 2, "\"x\"", 1);
    srv_version h[8];
    size_t n = 0;
    assert_int_equal(srv_store_document_history(f->s, "p1", h, 8, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].version, 3 - i);
        assert_string_equal(h[i].etag, etags[2 - i]);
        assert_string_equal(h[i].type, "Bundle");
        assert_string_equal(h[i].id, "d1");
        expect_instant(h[i].last_modified);
        assert_null(h[i].json);
        srv_version_free(&h[i]);
    }
    assert_int_equal(srv_store_document_history(f->s, "p1", h, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].version, 3);
    srv_version_free(&h[0]);
}

static void test_store_sqlite__document_notfound(void **state)
{
    fx *f = *state;
    srv_version d, h[2];
    size_t n = 99;
    assert_int_equal(srv_store_document(f->s, "p1", 0, &d), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_document_history(f->s, "p1", h, 2, &n), SRV_E_NOTFOUND);
    assert_int_equal(n, 0);
    put_document1(f->s, "p1", "d1", "{}", 2, "\"e\"", 1);
    assert_int_equal(srv_store_document(f->s, "p1", 2, &d), SRV_E_NOTFOUND);
    assert_int_equal(srv_store_document(f->s, "p2", 0, &d), SRV_E_NOTFOUND);
    assert_null(d.json);
}

/* ---- files, handles and processes -------------------------------------------------------------- */

static void test_store_sqlite__reopen_keeps_everything_committed(void **state)
{
    fx *f = *state;
    const char *sys[] = {BSN}, *val[] = {"999911120"};
    put1(f->s, "Patient", "p1", 0, "{\"v\":1}");
    put1(f->s, "Patient", "p1", 0, "{\"v\":2}");
    set_identifiers1(f->s, "Patient", "p1", sys, val, 1);
    put_document1(f->s, "p1", "d1", "{\"a\":1}", 7, "\"e1\"", 1);
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{\"uncommitted\":1}", 17, &v), 0);
    close_store(f); /* with the transaction open: it is rolled back */
    f->s = open_store(f);
    expect_resource(f->s, "Patient", "p1", 0, 2, "{\"v\":2}");
    expect_resource(f->s, "Patient", "p1", 1, 1, "{\"v\":1}");
    assert_int_equal(find_count(f->s, "Patient", BSN, "999911120", NULL, 0), 1);
    expect_document(f->s, "p1", 0, 1, "d1", "{\"a\":1}", 7, "\"e1\"");
    /* versions go on where they were */
    assert_int_equal(put1(f->s, "Patient", "p1", 2, "{\"v\":3}"), 3);
}

static void test_store_sqlite__reader_sees_only_committed_data(void **state)
{
    fx *f = *state;
    srv_store *reader = open_store(f);
    put1(f->s, "Patient", "p1", 0, "{\"v\":1}");
    expect_resource(reader, "Patient", "p1", 0, 1, "{\"v\":1}");
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{\"v\":2}", 7, &v), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p2", 0, "{}", 2, &v), 0);
    /* the writer holds the lock; the reader is not blocked and sees version 1 */
    expect_resource(reader, "Patient", "p1", 0, 1, "{\"v\":1}");
    srv_version h[4];
    size_t n;
    assert_int_equal(srv_store_history(reader, "Patient", "p1", h, 4, &n), 0);
    assert_int_equal(n, 1);
    srv_version_free(&h[0]);
    expect_no_resource(reader, "Patient", "p2");
    assert_int_equal(srv_txn_commit(t), 0);
    expect_resource(reader, "Patient", "p1", 0, 2, "{\"v\":2}");
    expect_resource(reader, "Patient", "p2", 0, 1, "{}");
    srv_store_close(reader);
}

static void test_store_sqlite__second_writer_gets_busy(void **state)
{
    fx *f = *state;
    srv_store *other = open_store(f);
    /* 5 s is the store's wait; 200 ms keeps the test short */
    assert_int_equal(sqlite3_busy_timeout(srv__store_sqlite_db(other), 200), SQLITE_OK);
    srv_txn *t, *t2 = NULL;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{}", 2, &v), 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(srv_store_begin(other, &t2), SRV_E_BUSY);
    assert_null(t2);
    double waited = seconds_since(&t0);
    assert_true(waited >= 0.15);
    assert_true(waited < 3.0);
    assert_int_equal(srv_txn_commit(t), 0);
    /* once the lock is free the other handle writes */
    assert_int_equal(put1(other, "Patient", "p1", 1, "{\"v\":2}"), 2);
    expect_resource(f->s, "Patient", "p1", 0, 2, "{\"v\":2}");
    srv_store_close(other);
}

static void test_store_sqlite__second_writer_waits_for_the_first(void **state)
{
    fx *f = *state;
    close_store(f); /* no connection crosses the fork */
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the first writer: takes the lock, holds it a second, commits */
        srv_store *s = NULL;
        srv_txn *t;
        uint64_t v;
        close(ready[0]);
        if (srv_store_open_sqlite(f->path, &s) || srv_store_begin(s, &t) ||
            srv_txn_put(t, "Patient", "p1", 0, "{\"child\":1}", 11, &v))
            _exit(10);
        if (write(ready[1], "x", 1) != 1)
            _exit(11);
        struct timespec hold = {1, 0};
        nanosleep(&hold, NULL);
        if (srv_txn_commit(t))
            _exit(12);
        srv_store_close(s);
        _exit(0);
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    f->s = open_store(f); /* opening does not wait for the writer */
    assert_true(seconds_since(&t0) < 0.8);
    srv_version cur;
    assert_int_equal(srv_store_read(f->s, "Patient", "p1", 0, &cur), SRV_E_NOTFOUND);
    srv_txn *t;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0); /* waits for the child's commit */
    assert_true(seconds_since(&t0) >= 0.8);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{\"parent\":1}", 12, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(srv_txn_commit(t), 0);
    assert_int_equal(wait_child(pid), 0);
    expect_resource(f->s, "Patient", "p1", 1, 1, "{\"child\":1}");
    expect_resource(f->s, "Patient", "p1", 0, 2, "{\"parent\":1}");
}

static sqlite3_int64 pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_int64 x = sqlite3_column_int64(st, 0);
    assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
    return x;
}

static void expect_pragma_text(sqlite3 *db, const char *sql, const char *want)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
    assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

static void test_store_sqlite__durability_settings(void **state)
{
    fx *f = *state;
    sqlite3 *db = srv__store_sqlite_db(f->s);
    assert_non_null(db);
    expect_pragma_text(db, "PRAGMA journal_mode", "wal");
    assert_int_equal(pragma_int(db, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(pragma_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(pragma_int(db, "PRAGMA busy_timeout"), 5000);
    assert_int_equal(pragma_int(db, "PRAGMA user_version"), 4);
    /* WAL is a property of the file: a plain connection finds it too */
    put1(f->s, "Patient", "p1", 0, "{}");
    sqlite3 *plain = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &plain, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    expect_pragma_text(plain, "PRAGMA journal_mode", "wal");
    assert_int_equal(pragma_int(plain, "SELECT count(*) FROM resource"), 1);
    assert_int_equal(sqlite3_close(plain), SQLITE_OK);
}

static void test_store_sqlite__refuses_foreign_files(void **state)
{
    fx *f = *state;
    close_store(f);
    srv_store *s = NULL;
    /* our own file with a newer schema */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(srv_store_open_sqlite(f->path, &s), SRV_E_INVALID);
    assert_null(s);
    /* another program's database */
    char other[320];
    snprintf(other, sizeof other, "%s/other.db", f->dir);
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE x (a)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_int_equal(srv_store_open_sqlite(other, &s), SRV_E_INVALID);
    unlink(other);
    /* not a database at all */
    snprintf(other, sizeof other, "%s/junk.db", f->dir);
    FILE *fp = fopen(other, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 64; i++)
        fputs("this is not an SQLite database, just text. ", fp);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(srv_store_open_sqlite(other, &s), SRV_E_IO);
    assert_null(s);
    unlink(other);
    /* a directory that does not exist */
    snprintf(other, sizeof other, "%s/missing/store.db", f->dir);
    assert_int_equal(srv_store_open_sqlite(other, &s), SRV_E_IO);
    /* put the fixture's file back in order for the teardown */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 4", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    f->s = open_store(f);
}

/* ---- patients' record lists ------------------------------------------------- */

static void test_store_sqlite__members_replace_and_answer_both_ways(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{}");
    put1(f->s, "Patient", "p2", 0, "{}");
    put1(f->s, "Organization", "o1", 0, "{}");
    put1(f->s, "Consent", "c1", 0, "{}");
    srv_txn *t = NULL;
    const char *types[] = {"Patient", "Organization", "Consent"};
    const char *ids[] = {"p1", "o1", "c1"};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_members(t, "p1", types, ids, 3), 0);
    const char *types2[] = {"Patient", "Organization"};
    const char *ids2[] = {"p2", "o1"};
    assert_int_equal(srv_txn_set_members(t, "p2", types2, ids2, 2), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    char *mt[8], *mi[8], *pids[8];
    size_t n = 99;
    assert_int_equal(srv_store_members(f->s, "p1", mt, mi, 8, &n), 0);
    assert_int_equal(n, 3); /* sorted by type, id */
    assert_string_equal(mt[0], "Consent");
    assert_string_equal(mt[1], "Organization");
    assert_string_equal(mi[2], "p1");
    for (size_t i = 0; i < n; i++) {
        free(mt[i]);
        free(mi[i]);
    }
    assert_int_equal(srv_store_patients_of(f->s, "Organization", "o1", pids, 8, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(pids[0], "p1");
    assert_string_equal(pids[1], "p2");
    free(pids[0]);
    free(pids[1]);
    /* `max` bounds the answer */
    assert_int_equal(srv_store_patients_of(f->s, "Organization", "o1", pids, 1, &n), 0);
    assert_int_equal(n, 1);
    free(pids[0]);
    /* a new list replaces the old one */
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_members(t, "p1", types, ids, 1), 0);
    assert_int_equal(srv_txn_commit(t), 0);
    assert_int_equal(srv_store_patients_of(f->s, "Consent", "c1", pids, 8, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(srv_store_members(f->s, "nobody", mt, mi, 8, &n), 0);
    assert_int_equal(n, 0);
}

static void test_store_sqlite__members_must_exist_at_commit(void **state)
{
    fx *f = *state;
    srv_txn *t = NULL;
    const char *types[] = {"Consent"};
    const char *ids[] = {"missing"};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_members(t, "p1", types, ids, 1), 0);
    assert_int_equal(srv_txn_commit(t), SRV_E_INVALID);
    const char *bad[] = {""};
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_set_members(t, "p1", types, bad, 1), SRV_E_INVALID);
    assert_int_equal(srv_txn_commit(t), SRV_E_INVALID); /* spoilt */
}

static void test_store_sqlite__txn_sees_versions_and_time(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{}");
    srv_txn *t = NULL;
    uint64_t v = 99, nv;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    const char *now = srv_txn_time(t);
    assert_non_null(now);
    assert_int_equal(strlen(now), 24);
    assert_int_equal(srv_txn_version(t, "Patient", "p1", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(srv_txn_version(t, "Patient", "p2", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 1, "{\"a\":1}", 7, &nv), 0);
    assert_int_equal(srv_txn_version(t, "Patient", "p1", &v), 0);
    assert_int_equal(v, 2); /* its own write */
    assert_int_equal(srv_txn_document_version(t, "p1", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(srv_txn_put_document(t, "p1", "p1", "{}", 2, "\"e\"", &nv), 0);
    assert_int_equal(srv_txn_document_version(t, "p1", &v), 0);
    assert_int_equal(v, 1);
    srv_version r;
    assert_int_equal(srv_store_read(f->s, "Patient", "p1", 0, &r), 0);
    assert_string_equal(r.last_modified, now);
    srv_version_free(&r);
    assert_int_equal(srv_txn_commit(t), 0);
    assert_null(srv_txn_time(t));
}

static void test_store_sqlite__is_empty_until_the_first_commit(void **state)
{
    fx *f = *state;
    int empty = 0;
    assert_int_equal(srv_store_is_empty(f->s, &empty), 0);
    assert_int_equal(empty, 1);
    srv_txn *t = NULL;
    uint64_t v;
    assert_int_equal(srv_store_begin(f->s, &t), 0);
    assert_int_equal(srv_txn_put(t, "Patient", "p1", 0, "{}", 2, &v), 0);
    srv_txn_rollback(t);
    assert_int_equal(srv_store_is_empty(f->s, &empty), 0);
    assert_int_equal(empty, 1);
    put1(f->s, "Patient", "p1", 0, "{}");
    assert_int_equal(srv_store_is_empty(f->s, &empty), 0);
    assert_int_equal(empty, 0);
}

/* A store of schema 3 (documents with XML and plain JSON, pages) opens as
 * schema 4: its documents read as before, new ones are deflated. */
static void test_store_sqlite__schema_3_documents_still_read(void **state)
{
    fx *f = *state;
    close_store(f);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "ALTER TABLE document DROP COLUMN json_size;"
                     "CREATE TABLE document_page(patient_id TEXT NOT NULL, version INTEGER NOT NULL,"
                     " variant INTEGER NOT NULL, html BLOB NOT NULL,"
                     " PRIMARY KEY (patient_id, version, variant)) STRICT, WITHOUT ROWID;"
                     "INSERT INTO document VALUES ('p1', 1, 'p1', '2026-11-23T03:00:00.000Z', '1-a',"
                     " CAST('<Bundle/>' AS BLOB), CAST('{\"v\":1}' AS BLOB));"
                     "INSERT INTO document_current VALUES ('p1', 1);"
                     "INSERT INTO document_page VALUES ('p1', 1, 0, CAST('<p/>' AS BLOB));"
                     "PRAGMA user_version = 3",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    f->s = open_store(f);
    db = srv__store_sqlite_db(f->s);
    assert_int_equal(pragma_int(db, "PRAGMA user_version"), 4);
    assert_int_equal(pragma_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'document_page'"), 0);
    expect_document(f->s, "p1", 0, 1, "p1", "{\"v\":1}", 7, "1-a");
    put_document1(f->s, "p1", "p1", "{\"v\":2}", 7, "2-b", 2);
    expect_document(f->s, "p1", 0, 2, "p1", "{\"v\":2}", 7, "2-b");
    expect_document(f->s, "p1", 1, 1, "p1", "{\"v\":1}", 7, "1-a");
    assert_int_equal(pragma_int(db, "SELECT json_size FROM document WHERE version = 2"), 7);
}

static void test_store_sqlite__schema_1_is_upgraded(void **state)
{
    fx *f = *state;
    put1(f->s, "Patient", "p1", 0, "{}");
    close_store(f);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "ALTER TABLE document DROP COLUMN json_size; DROP TABLE member;"
                                  " PRAGMA user_version = 1", NULL, NULL,
                                  NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    f->s = open_store(f);
    assert_int_equal(pragma_int(srv__store_sqlite_db(f->s), "PRAGMA user_version"), 4);
    expect_resource(f->s, "Patient", "p1", 0, 1, "{}");
    char *pids[1];
    size_t n = 9;
    assert_int_equal(srv_store_patients_of(f->s, "Patient", "p1", pids, 1, &n), 0);
    assert_int_equal(n, 0);
}

enum { CRASH_N = 40 };

/* The child of the crash tests: commits CRASH_N transactions (a resource, its
 * identifier, a document), then, when `kill_mid_txn`, starts one more and
 * kills itself inside it; otherwise _exits without closing the store. */
static void crash_child(const char *path, int kill_mid_txn)
{
    srv_store *s = NULL;
    if (srv_store_open_sqlite(path, &s))
        _exit(10);
    for (int i = 0; i < CRASH_N; i++) {
        char id[16], json[64], value[16];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(json, sizeof json, "{\"resourceType\":\"Patient\",\"n\":%d}", i);
        snprintf(value, sizeof value, "%09d", i);
        const char *sys[] = {BSN}, *val[] = {value};
        srv_txn *t;
        uint64_t v;
        if (srv_store_begin(s, &t) || srv_txn_put(t, "Patient", id, UINT64_MAX, json, strlen(json), &v) ||
            srv_txn_set_identifiers(t, "Patient", id, sys, val, 1) ||
            srv_txn_put_document(t, id, id, json, strlen(json), "\"e\"", &v) ||
            srv_txn_commit(t))
            _exit(11);
    }
    if (kill_mid_txn) {
        srv_txn *t;
        uint64_t v;
        if (srv_store_begin(s, &t) || srv_txn_put(t, "Patient", "lost", 0, "{}", 2, &v) ||
            srv_txn_put(t, "Patient", "p0", 0, "{\"lost\":1}", 10, &v))
            _exit(12);
        raise(SIGKILL);
    }
    _exit(0); /* no srv_store_close: no checkpoint, the WAL stays */
}

static void expect_crash_survivors(fx *f)
{
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0); /* the child left its WAL behind */
    assert_true(sb.st_size > 0);
    f->s = open_store(f);
    for (int i = 0; i < CRASH_N; i++) {
        char id[16], json[64], value[16], found[16];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(json, sizeof json, "{\"resourceType\":\"Patient\",\"n\":%d}", i);
        snprintf(value, sizeof value, "%09d", i);
        expect_resource(f->s, "Patient", id, 0, 1, json);
        assert_int_equal(find_count(f->s, "Patient", BSN, value, found, sizeof found), 1);
        assert_string_equal(found, id);
        expect_document(f->s, id, 0, 1, id, json, strlen(json), "\"e\"");
    }
}

static void test_store_sqlite__commits_survive_exit_without_close(void **state)
{
    fx *f = *state;
    close_store(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        crash_child(f->path, 0);
    assert_int_equal(wait_child(pid), 0);
    expect_crash_survivors(f);
}

static void test_store_sqlite__kill_inside_transaction_loses_only_it(void **state)
{
    fx *f = *state;
    close_store(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        crash_child(f->path, 1);
    assert_int_equal(wait_child(pid), 128 + SIGKILL);
    expect_crash_survivors(f);
    expect_no_resource(f->s, "Patient", "lost");
    expect_resource(f->s, "Patient", "p0", 0, 1,
                    "{\"resourceType\":\"Patient\",\"n\":0}");
    /* and the store takes writes again */
    assert_int_equal(put1(f->s, "Patient", "p0", 1, "{}"), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_store_sqlite__put_creates_version_1),
        T(test_store_sqlite__put_increments_version),
        T(test_store_sqlite__read_by_version_returns_that_version),
        T(test_store_sqlite__read_notfound),
        T(test_store_sqlite__put_keeps_large_body_byte_for_byte),
        T(test_store_sqlite__last_modified_is_one_instant_per_transaction),
        T(test_store_sqlite__document_is_stored_deflated),
        T(test_store_sqlite__parts_commit_together_and_undo_alone),
        T(test_store_sqlite__upkeep_on_another_handle),
        T(test_store_sqlite__transaction_reads_its_own_writes),
        T(test_store_sqlite__history_is_newest_first),
        T(test_store_sqlite__history_notfound),
        T(test_store_sqlite__if_match_conflict_writes_nothing),
        T(test_store_sqlite__if_match_on_missing_resource_conflicts),
        T(test_store_sqlite__create_only_on_existing_id_conflicts),
        T(test_store_sqlite__error_spoils_the_transaction),
        T(test_store_sqlite__rollback_leaves_nothing),
        T(test_store_sqlite__transaction_commits_atomically),
        T(test_store_sqlite__identifiers_without_resource_fail_at_commit),
        T(test_store_sqlite__invalid_arguments),
        T(test_store_sqlite__find_returns_every_id),
        T(test_store_sqlite__set_identifiers_replaces_them),
        T(test_store_sqlite__document_put_and_read),
        T(test_store_sqlite__document_large_bodies_byte_for_byte),
        T(test_store_sqlite__document_keeps_any_bytes),
        T(test_store_sqlite__document_history_is_newest_first_without_bytes),
        T(test_store_sqlite__document_notfound),
        T(test_store_sqlite__reopen_keeps_everything_committed),
        T(test_store_sqlite__reader_sees_only_committed_data),
        T(test_store_sqlite__second_writer_gets_busy),
        T(test_store_sqlite__second_writer_waits_for_the_first),
        T(test_store_sqlite__durability_settings),
        T(test_store_sqlite__refuses_foreign_files),
        T(test_store_sqlite__members_replace_and_answer_both_ways),
        T(test_store_sqlite__members_must_exist_at_commit),
        T(test_store_sqlite__txn_sees_versions_and_time),
        T(test_store_sqlite__schema_1_is_upgraded),
        T(test_store_sqlite__schema_3_documents_still_read),
        T(test_store_sqlite__is_empty_until_the_first_commit),
        T(test_store_sqlite__commits_survive_exit_without_close),
        T(test_store_sqlite__kill_inside_transaction_loses_only_it),
    };
    return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
