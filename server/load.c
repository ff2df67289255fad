/*
 * load.c — handoverd-load: fills a store with synthetic patients for the
 * scale benchmarks, through the same path a publish takes (parse, validate,
 * srv_transaction_run: records stored, the handover document built and
 * stored with its XML and JSON bytes).
 *
 * usage: handoverd-load --data DIR --patients N [--batch K] [--first SEQ]
 *                       [--fixtures DIR] [--paths FILE] [--quiet]
 *        handoverd-load --templates DIR [--fixtures DIR]
 *
 * Each synthetic patient is one of the demo patients (the valid handover
 * fixtures, in turn) made into a new person: patient number SEQ gets a BSN
 * of its own that passes the 11-check, another given and family name, and
 * its own ids and identifiers for everything that is the patient's (the
 * fixtures name those "cl<last 5 BSN digits>-…": CareTeam, Consent, Flag,
 * Observation, Medication(Statement), AllergyIntolerance, Condition,
 * RelatedPerson). What is shared between patients in real life stays shared:
 * the Organizations, Practitioners and PractitionerRoles of a fixture are
 * created by its first synthetic patient and referenced by the later ones
 * (their conditional PUTs become POSTs with ifNoneExist, so that a new
 * patient does not rewrite the records of every patient sharing them).
 *
 * --batch K commits every K patients in one store transaction instead of
 * one per patient (one fsync per K; a failure loses that batch). The
 * CMake target links the store's begin/commit/rollback through the wrappers
 * below for that (GNU ld --wrap); K = 1, the default, is a publish's commit.
 * --paths FILE writes "/fhir/Patient/{id}/$handover" for every patient
 * loaded, for the read benchmark. --templates DIR writes the synthetic
 * transaction Bundles as templates for tests/bench/tls_load (@@BSN@@ and
 * @@SEQ@@ where a patient differs) and stores nothing.
 *
 * Progress goes to stderr, in place; the summary (rate, store size per
 * patient) to stdout. Exit status 0 done, 1 a patient failed, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "doc_cache.h"
#include "publish.h"
#include "synthetic_bsn.h"

#ifndef HANDOVERD_SOURCE_DIR
#define HANDOVERD_SOURCE_DIR "."
#endif

#define MAX_TEMPLATES 256

static const char usage[] =
    "usage: handoverd-load --data DIR --patients N [--batch K] [--first SEQ]\n"
    "                      [--fixtures DIR] [--paths FILE] [--quiet]\n"
    "       handoverd-load --templates DIR [--fixtures DIR]\n"
    "\n"
    "Stores N synthetic patients, each with a complete handover, in DIR/handover.db\n"
    "through the publish path (records validated and stored, document built).\n"
    "\n"
    "  --patients N      how many (patient numbers SEQ .. SEQ+N-1)\n"
    "  --first SEQ       the first patient number (default 0); numbers make BSNs and ids\n"
    "  --batch K         patients per store commit (default 1: every patient durable)\n"
    "  --fixtures DIR    the patients to vary (default fixtures/handover/valid)\n"
    "  --paths FILE      write the $handover path of every patient loaded\n"
    "  --templates DIR   write the synthetic Bundles as tls_load templates instead\n"
    "  --quiet           no progress bar\n";

/* ---- batching: the store's transaction kept open across K publishes ----- */

int __real_srv_store_begin(srv_store *s, srv_txn **out);
int __real_srv_txn_commit(srv_txn *t);
void __real_srv_txn_rollback(srv_txn *t);

static unsigned batch = 1;
static srv_txn *held;         /* the open batch transaction */
static unsigned in_batch;     /* publishes in it so far */
static int batch_lost;        /* a rollback threw a batch away */

int __wrap_srv_store_begin(srv_store *s, srv_txn **out)
{
    if (held) {
        *out = held;
        return 0;
    }
    int rc = __real_srv_store_begin(s, out);
    if (rc == 0)
        held = *out;
    return rc;
}

int __wrap_srv_txn_commit(srv_txn *t)
{
    if (t == held && ++in_batch < batch)
        return 0; /* committed with the batch */
    held = NULL;
    in_batch = 0;
    return __real_srv_txn_commit(t);
}

void __wrap_srv_txn_rollback(srv_txn *t)
{
    if (t == held) {
        held = NULL;
        batch_lost = in_batch > 0;
        in_batch = 0;
    }
    __real_srv_txn_rollback(t);
}

/* Commits what the last batch holds. */
static int flush_batch(void)
{
    if (!held)
        return 0;
    srv_txn *t = held;
    held = NULL;
    in_batch = 0;
    return __real_srv_txn_commit(t);
}

/* ---- synthetic patients ------------------------------------------------- */

static const char *const given_names[] = {
    "Anna", "Bram", "Cor", "Daan", "Eva", "Fenna", "Gerrit", "Hanna", "Iris", "Jan", "Kees", "Lotte",
    "Maria", "Nina", "Otto", "Pieter", "Roos", "Sara", "Tom", "Ursula", "Vera", "Willem", "Yara",
    "Zeynep", "Ahmed", "Bea", "Carla", "Dirk", "Els", "Frits", "Greet", "Henk", "Ilse", "Joost",
    "Karin", "Luuk", "Mila", "Noud", "Olga", "Piet", "Rik", "Saskia", "Teun", "Wim", "Youssef"};
static const char *const family_names[] = {
    "Aalders", "Bakker", "Claessen", "Dekker", "Evers", "Franssen", "Gerritsen", "Hoekstra",
    "Ismail", "Jonker", "Koster", "Lammers", "Meijer", "Nijhuis", "Oosting", "Postma", "Ruiter",
    "Schipper", "Terpstra", "Uijl", "Verbruggen", "Westra", "Yildiz", "Zwart", "Brouwer", "Dijkema",
    "Kramer", "Mulder", "Sanders", "Veenstra", "Wijnands", "Haan", "Groot", "Boer", "Visser"};
#define NGIVEN (sizeof given_names / sizeof given_names[0])
#define NFAMILY (sizeof family_names / sizeof family_names[0])

/* A fixture as a template: compact JSON with @@BSN@@, @@SEQ@@, @@GIVEN@@
 * and @@FAMILY@@ where a synthetic patient differs. */
typedef struct tmpl {
    char name[256];
    char *text;
    size_t len;
    char given[64], family[64]; /* the fixture's own, for --templates */
} tmpl;

/* Replaces every occurrence of `from` in *s (whole words when `word`). */
static int replace_all(char **s, size_t *len, const char *from, const char *to, int word)
{
    size_t fl = strlen(from), tl = strlen(to);
    if (!fl)
        return 0;
    fhir_buf out;
    fhir_buf_init(&out, 0);
    const char *p = *s, *end = *s + *len;
    int n = 0;
    while (p < end) {
        const char *hit = NULL;
        for (const char *q = p; q + fl <= end; q++) {
            if (*q != from[0] || memcmp(q, from, fl) != 0)
                continue;
            if (word) {
                /* ASCII letters on either side make it part of another word */
                char b = q > *s ? q[-1] : ' ', a = q + fl < end ? q[fl] : ' ';
                int lb = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (unsigned char)b >= 0x80;
                int la = (a >= 'a' && a <= 'z') || (a >= 'A' && a <= 'Z') || (unsigned char)a >= 0x80;
                if (lb || la)
                    continue;
            }
            hit = q;
            break;
        }
        if (!hit) {
            fhir_buf_add(&out, p, (size_t)(end - p));
            break;
        }
        fhir_buf_add(&out, p, (size_t)(hit - p));
        fhir_buf_add(&out, to, tl);
        p = hit + fl;
        n++;
    }
    free(*s);
    *s = fhir_buf_take(&out, len);
    return *s ? n : -1;
}

/* Conditional PUTs of records patients share become POST + ifNoneExist. */
static int share_instead_of_rewrite(fhir_arena *a, fhir_node *bundle)
{
    for (fhir_node *e = fhir_node_child(bundle, "entry"); e; e = fhir_node_next_same(e)) {
        fhir_node *res = fhir_node_child(e, "resource");
        fhir_node *req = fhir_node_child(e, "request");
        const char *type = res ? fhir_node_resource_type(res) : NULL;
        if (!type || !req || (strcmp(type, "Organization") != 0 &&
                              strcmp(type, "Practitioner") != 0 &&
                              strcmp(type, "PractitionerRole") != 0))
            continue;
        fhir_node *method = fhir_node_child(req, "method");
        fhir_node *url = fhir_node_child(req, "url");
        const char *q = url && url->value ? strchr(url->value, '?') : NULL;
        if (!method || !method->value || strcmp(method->value, "PUT") != 0 || !q)
            continue;
        const char *cond = fhir_arena_strdup(a, q + 1);
        method->value = "POST";
        method->value_len = 4;
        url->value = fhir_arena_strdup(a, type);
        url->value_len = (uint32_t)strlen(type);
        if (!cond || !url->value || !fhir_node_add_named(a, req, "ifNoneExist", cond))
            return -1;
    }
    return 0;
}

/* Reads one fixture and makes its template; 0 or -1 with a message. */
static int make_template(const char *path, tmpl *t)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "handoverd-load: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fhir_buf in;
    fhir_buf_init(&in, 0);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fhir_buf_add(&in, chunk, got);
    fclose(f);
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *b = in.len ? fhir_read(a, in.data, in.len, NULL, &o) : NULL;
    fhir_buf_free(&in);
    const char *bsn = NULL, *given = NULL, *family = NULL;
    for (fhir_node *e = b ? fhir_node_child(b, "entry") : NULL; e; e = fhir_node_next_same(e)) {
        fhir_node *res = fhir_node_child(e, "resource");
        if (!res || strcmp(fhir_node_resource_type(res), "Patient") != 0)
            continue;
        for (fhir_node *i = fhir_node_child(res, "identifier"); i; i = fhir_node_next_same(i)) {
            const char *sys = fhir_node_child_value(i, "system");
            if (sys && strcmp(sys, SRV_BSN_SYSTEM) == 0)
                bsn = fhir_node_child_value(i, "value");
        }
        fhir_node *name = fhir_node_child(res, "name");
        given = name ? fhir_node_child_value(name, "given") : NULL;
        family = name ? fhir_node_child_value(name, "family") : NULL;
    }
    int rc = -1;
    if (!bsn || strlen(bsn) != 9 || !given || !family) {
        fprintf(stderr, "handoverd-load: %s: no Patient with a BSN, given and family name\n", path);
        goto out;
    }
    /* the family name without its prefixes ("van Dijk" → "Dijk") */
    const char *own = strrchr(family, ' ') ? strrchr(family, ' ') + 1 : family;
    snprintf(t->given, sizeof t->given, "%s", given);
    snprintf(t->family, sizeof t->family, "%s", own);
    char bsn_copy[10], prefix[16];
    snprintf(bsn_copy, sizeof bsn_copy, "%s", bsn);
    snprintf(prefix, sizeof prefix, "cl%s", bsn + 4);
    if (share_instead_of_rewrite(a, b) != 0)
        goto out;
    fhir_buf json;
    fhir_buf_init(&json, 0);
    if (fhir_write_json(b, &json, 0) != 0) {
        fhir_buf_free(&json);
        goto out;
    }
    t->text = fhir_buf_take(&json, &t->len);
    if (!t->text || replace_all(&t->text, &t->len, bsn_copy, "@@BSN@@", 0) < 1 ||
        replace_all(&t->text, &t->len, prefix, "cl@@SEQ@@", 0) < 1 ||
        replace_all(&t->text, &t->len, t->given, "@@GIVEN@@", 1) < 1 ||
        replace_all(&t->text, &t->len, t->family, "@@FAMILY@@", 1) < 1) {
        fprintf(stderr, "handoverd-load: %s: cannot make a template of it\n", path);
        goto out;
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(t->name, sizeof t->name, "%.200s", base);
    rc = 0;
out:
    fhir_arena_free(a);
    return rc;
}

/* The template filled in for patient `seq` (malloc'd). With names == 0 the
 * fixture's own names stay. */
static char *instantiate(const tmpl *t, unsigned long seq, int names, size_t *len)
{
    char s7[16], bsn[10];
    snprintf(s7, sizeof s7, "%07lu", seq % 10000000UL);
    srv_synthetic_bsn(seq, bsn);
    const char *vals[4] = {bsn, s7, names ? given_names[seq % NGIVEN] : t->given,
                           names ? family_names[(seq / NGIVEN) % NFAMILY] : t->family};
    static const char *const toks[4] = {"@@BSN@@", "@@SEQ@@", "@@GIVEN@@", "@@FAMILY@@"};
    fhir_buf out;
    fhir_buf_init(&out, 0);
    const char *p = t->text, *end = t->text + t->len;
    while (p < end) {
        const char *at = memchr(p, '@', (size_t)(end - p));
        if (!at) {
            fhir_buf_add(&out, p, (size_t)(end - p));
            break;
        }
        fhir_buf_add(&out, p, (size_t)(at - p));
        int k;
        for (k = 0; k < 4; k++)
            if ((size_t)(end - at) >= strlen(toks[k]) && memcmp(at, toks[k], strlen(toks[k])) == 0)
                break;
        if (k < 4) {
            fhir_buf_adds(&out, vals[k]);
            p = at + strlen(toks[k]);
        } else {
            fhir_buf_addc(&out, '@');
            p = at + 1;
        }
    }
    return fhir_buf_take(&out, len);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The templates of every *.json fixture in dir, in name order. */
static int load_templates(const char *dir, tmpl *t, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "handoverd-load: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    char *names[MAX_TEMPLATES];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < MAX_TEMPLATES) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, by_name);
    int rc = count ? 0 : -1;
    *n = 0;
    for (size_t i = 0; i < count; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (rc == 0 && make_template(path, &t[*n]) == 0)
            (*n)++;
        else
            rc = -1;
        free(names[i]);
    }
    if (count == 0)
        fprintf(stderr, "handoverd-load: no *.json fixtures in %s\n", dir);
    return rc;
}

static int write_templates(const char *dir, const tmpl *t, size_t n)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "handoverd-load: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char path[1400];
    snprintf(path, sizeof path, "%.1000s/list.txt", dir);
    FILE *list = fopen(path, "w");
    for (size_t i = 0; list && i < n; i++) {
        /* the fixture's own names; @@BSN@@ and @@SEQ@@ stay for tls_load */
        size_t klen = t[i].len;
        char *k = malloc(klen + 1);
        if (!k) {
            fclose(list);
            return 1;
        }
        memcpy(k, t[i].text, klen);
        if (replace_all(&k, &klen, "@@GIVEN@@", t[i].given, 0) < 0 ||
            replace_all(&k, &klen, "@@FAMILY@@", t[i].family, 0) < 0) {
            fclose(list);
            return 1;
        }
        snprintf(path, sizeof path, "%.1000s/%.200s", dir, t[i].name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(k, 1, klen, f) != klen || fclose(f) != 0) {
            fprintf(stderr, "handoverd-load: %s: cannot write\n", path);
            free(k);
            fclose(list);
            return 1;
        }
        free(k);
        fprintf(list, "%s\n", path);
    }
    if (!list || fclose(list) != 0) {
        fprintf(stderr, "handoverd-load: %s/list.txt: cannot write\n", dir);
        return 1;
    }
    printf("%zu templates in %s (list.txt lists them)\n", n, dir);
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(unsigned long done, unsigned long total, double t0, int final)
{
    static double last;
    double t = now_s();
    int tty = isatty(2);
    if (!final && t - last < (tty ? 0.1 : 5.0))
        return;
    last = t;
    double rate = t > t0 ? done / (t - t0) : 0;
    unsigned width = 30, fill = total ? (unsigned)(width * done / total) : width;
    char bar[64];
    for (unsigned i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double eta = rate > 0 ? (total - done) / rate : 0;
    fprintf(stderr, "%s[%s] %lu/%lu %3.0f%% %6.0f patients/s  ETA %2.0fm%02.0fs  %s",
            tty ? "\r" : "", bar, done, total, total ? 100.0 * done / total : 100.0, rate,
            eta > 0 ? (double)(long)(eta / 60) : 0, eta > 0 ? (double)((long)eta % 60) : 0,
            tty && !final ? "" : "\n");
}

/* One patient through the publish path; its id in id_out (64 bytes). */
static int publish_one(srv_server *s, const tmpl *t, unsigned long seq, char *id_out)
{
    size_t len;
    char *text = instantiate(t, seq, 1, &len);
    fhir_arena *a = fhir_arena_new(0);
    srv_request *r = a ? fhir_arena_zalloc(a, sizeof *r) : NULL;
    int rc = -1;
    if (!text || !r)
        goto out;
    r->a = a;
    r->srv = s;
    r->route = "load";
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    /* what POST /fhir does with a body: read, validate, run the transaction */
    fhir_node *bundle = fhir_read(a, text, len, NULL, &o);
    fhir_node *resp = NULL;
    int status = -1;
    if (bundle && fhir_validate(bundle, &o) == 0 && !fhir_outcome_has_errors(&o))
        status = srv_transaction_run(r, bundle, 1, &o, &resp);
    if (status != 0) {
        fprintf(stderr, "\nhandoverd-load: patient %lu (from %s) failed (%d):\n", seq, t->name,
                status);
        for (const fhir_issue *i = o.first; i; i = i->next)
            if (i->severity <= FHIR_SEV_ERROR)
                fprintf(stderr, "  %s %s\n", i->rule ? i->rule : "", i->message);
        goto out;
    }
    for (fhir_node *e = fhir_node_child(resp, "entry"); e; e = fhir_node_next_same(e)) {
        const char *url = fhir_node_child_value(e, "fullUrl");
        const char *p = url ? strstr(url, "/Patient/") : NULL;
        if (p) {
            snprintf(id_out, 65, "%s", p + 9);
            rc = 0;
            break;
        }
    }
out:
    free(text);
    fhir_arena_free(a);
    return rc;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

int main(int argc, char **argv)
{
    static srv_config cfg;
    srv_config_defaults(&cfg, HANDOVERD_SOURCE_DIR);
    cfg.cache_entries = 0;
    const char *data = NULL, *paths_file = NULL, *templates_dir = NULL;
    char fixtures[600];
    snprintf(fixtures, sizeof fixtures, "%s/fixtures/handover/valid", HANDOVERD_SOURCE_DIR);
    unsigned long patients = 0, first = 0;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "handoverd-load: %s needs a value\n%s", a, usage);
            return 2;
        }
        i++;
        if (strcmp(a, "--data") == 0)
            data = v;
        else if (strcmp(a, "--patients") == 0)
            patients = strtoul(v, NULL, 10);
        else if (strcmp(a, "--first") == 0)
            first = strtoul(v, NULL, 10);
        else if (strcmp(a, "--batch") == 0)
            batch = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--fixtures") == 0)
            snprintf(fixtures, sizeof fixtures, "%s", v);
        else if (strcmp(a, "--paths") == 0)
            paths_file = v;
        else if (strcmp(a, "--templates") == 0)
            templates_dir = v;
        else {
            fprintf(stderr, "handoverd-load: unexpected '%s'\n%s", a, usage);
            return 2;
        }
    }
    static tmpl templates[MAX_TEMPLATES];
    size_t ntemplates = 0;
    if (!templates_dir && (!data || !patients || batch < 1 || first + patients > 9000000UL)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    if (load_templates(fixtures, templates, &ntemplates) != 0)
        return 1;
    if (templates_dir)
        return write_templates(templates_dir, templates, ntemplates);

    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "handoverd-load: %s: %s\n", data, strerror(errno));
        return 1;
    }
    char err[600];
    if (srv_config_set(&cfg, "data", data, err, sizeof err) != 0) {
        fprintf(stderr, "handoverd-load: %s\n", err);
        return 2;
    }
    srv_config_finish(&cfg);
    char db[700], wal[720];
    snprintf(db, sizeof db, "%s/handover.db", cfg.data_dir);
    snprintf(wal, sizeof wal, "%s-wal", db);
    long long size0 = file_size(db) + file_size(wal);
    int rc = srv_store_pool_open(&cfg);
    if (rc != 0) {
        fprintf(stderr, "handoverd-load: cannot open the store in %s (error %d)\n", data, rc);
        return 1;
    }
    srv_server s = {.cfg = &cfg};
    s.docs = srv_doc_cache_new(0, 0);
    FILE *paths = paths_file ? fopen(paths_file, "a") : NULL;
    if (paths_file && !paths) {
        fprintf(stderr, "handoverd-load: %s: %s\n", paths_file, strerror(errno));
        srv_store_pool_close();
        return 1;
    }
    int status = 0;
    unsigned long done = 0;  /* published; committed once the batch commits */
    char (*ids)[65] = calloc(batch, sizeof *ids); /* the open batch's patients */
    unsigned nids = 0;
    if (!ids) {
        fprintf(stderr, "handoverd-load: out of memory\n");
        srv_store_pool_close();
        return 1;
    }
    double t0 = now_s();
    for (unsigned long i = 0; i < patients; i++) {
        unsigned long seq = first + i;
        if (publish_one(&s, &templates[seq % ntemplates], seq, ids[nids]) != 0) {
            if (!held) { /* the open batch was rolled back with it */
                done -= nids;
                nids = 0;
            } /* else it failed before writing: the batch commits below */
            status = 1;
            break;
        }
        nids++;
        done++;
        if (!held) { /* committed: the batch's paths */
            for (unsigned k = 0; paths && k < nids; k++)
                fprintf(paths, "/fhir/Patient/%s/$handover\n", ids[k]);
            nids = 0;
        }
        if (!quiet)
            progress(done, patients, t0, 0);
    }
    if (flush_batch() != 0) {
        fprintf(stderr, "handoverd-load: the last batch did not commit\n");
        done -= nids;
        nids = 0;
        status = 1;
    }
    for (unsigned k = 0; paths && k < nids; k++)
        fprintf(paths, "/fhir/Patient/%s/$handover\n", ids[k]);
    free(ids);
    if (batch_lost)
        fprintf(stderr, "handoverd-load: the patients of the failed patient's batch were rolled "
                        "back with it\n");
    double secs = now_s() - t0;
    if (!quiet)
        progress(done, patients, t0, 1);
    if (paths)
        fclose(paths);
    srv_doc_cache_free(s.docs);
    srv_store_pool_close(); /* checkpoints the WAL into the database file */
    long long size1 = file_size(db) + file_size(wal);
    printf("loaded %lu patients in %.1f s: %.0f patients/s (batch %u); %s: %.1f MB, "
           "%.1f kB per patient\n",
           done, secs, secs > 0 ? done / secs : 0, batch, db, size1 / 1e6,
           done ? (size1 - size0) / 1e3 / done : 0);
    printf("RESULT patients=%lu seconds=%.2f rate=%.1f db_bytes=%lld bytes_per_patient=%.0f\n",
           done, secs, secs > 0 ? done / secs : 0, size1,
           done ? (double)(size1 - size0) / done : 0);
    return status;
}
