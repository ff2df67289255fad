/*
 * access.c — the access configuration (access.conf): which URA or UZI
 * number gets which role (identity.h is the contract; the format is in
 * certs/README.md).
 *
 * File format, one entry a line, fields separated by spaces or tabs:
 *   KEY ROLE [anything: the organisation's name, for people]
 * KEY is a URA (1..15 digits) or `uzi:` and a UZI number (1..15 digits),
 * the same bounds identity.c puts on the certificate's fields; ROLE is
 * publisher, reader or privacy-officer. Blank lines and lines whose first
 * non-blank character is '#' are comments. A line holds at most
 * SRV__ACCESS_LINE_MAX bytes besides its newline ("\r\n" is accepted); a NUL
 * byte is an error. The first error stops loading: "FILE:LINE: what", or
 * "FILE: what" for the file as a whole. Syntax errors are found in file
 * order; a key repeated on a later line is reported at that line.
 *
 * The loaded table is sorted by key, so a lookup is a binary search; it is
 * never changed after srv_access_load and may be read by many threads.
 * srv_access_free releases it; nothing else keeps a pointer into it.
 */
#include "identity.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV__ACCESS_LINE_MAX 1024
#define SRV__ACCESS_DIGITS_MAX 15          /* as srv_identity's ura and uzi */
#define SRV__ACCESS_UZI_PREFIX "uzi:"

typedef struct access_entry {
    char key[sizeof SRV__ACCESS_UZI_PREFIX + SRV__ACCESS_DIGITS_MAX]; /* "uzi:" + 15 + NUL */
    srv_role role;
    unsigned line;                         /* where it was, for the duplicate message */
} access_entry;

struct srv_access {
    access_entry *e;
    size_t n, cap;
};

const char *srv_role_name(srv_role role)
{
    switch (role) {
    case SRV_ROLE_PUBLISHER: return "publisher";
    case SRV_ROLE_READER:    return "reader";
    case SRV_ROLE_PRIVACY:   return "privacy-officer";
    case SRV_ROLE_NONE:      break;
    }
    return "none";
}

/* ---- diagnostics ------------------------------------------------------------ */

/* "path:line: what" (line 0: "path: what") into err, when there is one. */
static int fail(char *err, size_t errlen, const char *path, unsigned line, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    if (err == NULL || errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(err, errlen, "%s:%u: %s", path, line, what);
    else
        snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

/* A token as it may be shown in a message: at most 40 bytes, printable ASCII. */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t k = 0;

    for (; *s != '\0' && k + 1 < cap; s++)
        buf[k++] = (*s >= ' ' && *s <= '~') ? *s : '?';
    buf[k] = '\0';
    return buf;
}

/* ---- one line --------------------------------------------------------------- */

/* Reads one line into buf without its "\n" (or "\r\n"). 1 a line, 0 end of
 * file, -1 longer than SRV__ACCESS_LINE_MAX, -2 a NUL byte, -3 read error. */
static int read_line(FILE *f, char buf[SRV__ACCESS_LINE_MAX + 1])
{
    size_t n = 0;
    int c;

    while ((c = getc(f)) != EOF && c != '\n') {
        if (c == '\0')
            return -2;
        if (n == SRV__ACCESS_LINE_MAX)
            return -1;
        buf[n++] = (char)c;
    }
    if (c == EOF && ferror(f))
        return -3;
    if (c == EOF && n == 0)
        return 0;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return 1;
}

static int digits_ok(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n >= 1 && n <= SRV__ACCESS_DIGITS_MAX && s[n] == '\0';
}

/* A URA, or "uzi:" and a UZI number. */
static int key_ok(const char *key)
{
    size_t p = strlen(SRV__ACCESS_UZI_PREFIX);

    if (strncmp(key, SRV__ACCESS_UZI_PREFIX, p) == 0)
        return digits_ok(key + p);
    return digits_ok(key);
}

static int role_from_word(const char *w, srv_role *role)
{
    static const srv_role roles[] = {SRV_ROLE_PUBLISHER, SRV_ROLE_READER, SRV_ROLE_PRIVACY};

    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(w, srv_role_name(roles[i])) == 0) {
            *role = roles[i];
            return 0;
        }
    return -1;
}

/* Appends one entry; the key was checked, so it fits. 0 or -1 (memory). */
static int add_entry(srv_access *a, const char *key, srv_role role, unsigned line)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        access_entry *e;

        if (cap > SIZE_MAX / sizeof *e)
            return -1;
        e = realloc(a->e, cap * sizeof *e);
        if (e == NULL)
            return -1;
        a->e = e;
        a->cap = cap;
    }
    snprintf(a->e[a->n].key, sizeof a->e[a->n].key, "%s", key);
    a->e[a->n].role = role;
    a->e[a->n].line = line;
    a->n++;
    return 0;
}

/* Parses one line (comments already skipped) and adds its entry. */
static int parse_line(srv_access *a, char *line, const char *path, unsigned no,
                      char *err, size_t errlen)
{
    static const char blanks[] = " \t\r";
    char *save = NULL, *key, *word, tmp[41];
    srv_role role;

    key = strtok_r(line, blanks, &save);
    word = strtok_r(NULL, blanks, &save);
    if (!key_ok(key))
        return fail(err, errlen, path, no,
                    "bad key '%s': expected a URA (1 to %d digits) or uzi:<UZI-nr>",
                    shown(key, tmp, sizeof tmp), SRV__ACCESS_DIGITS_MAX);
    if (word == NULL)
        return fail(err, errlen, path, no, "%s has no role", key);
    if (role_from_word(word, &role) != 0)
        return fail(err, errlen, path, no,
                    "unknown role '%s': expected publisher, reader or privacy-officer",
                    shown(word, tmp, sizeof tmp));
    if (add_entry(a, key, role, no) != 0)
        return fail(err, errlen, path, no, "out of memory");
    return 0;
}

/* ---- the table -------------------------------------------------------------- */

static int by_key_then_line(const void *x, const void *y)
{
    const access_entry *a = x, *b = y;
    int c = strcmp(a->key, b->key);

    if (c != 0)
        return c;
    return (a->line > b->line) - (a->line < b->line);
}

/* Sorts the table; a key on two lines is an error at the first line that
 * repeats a key seen earlier. */
static int sort_and_check(srv_access *a, const char *path, char *err, size_t errlen)
{
    const access_entry *dup = NULL;

    if (a->n > 1)
        qsort(a->e, a->n, sizeof *a->e, by_key_then_line);
    for (size_t i = 1; i < a->n; i++) {
        /* in a run of one key, the second entry is its first repetition */
        int first_repeat = strcmp(a->e[i].key, a->e[i - 1].key) == 0 &&
                           (i == 1 || strcmp(a->e[i].key, a->e[i - 2].key) != 0);
        if (first_repeat && (dup == NULL || a->e[i].line < dup->line))
            dup = &a->e[i];
    }
    if (dup == NULL)
        return 0;
    return fail(err, errlen, path, dup->line, "duplicate key %s (first on line %u)",
                dup->key, (dup - 1)->line);
}

static int load_lines(srv_access *a, FILE *f, const char *path, char *err, size_t errlen)
{
    char line[SRV__ACCESS_LINE_MAX + 1];
    unsigned no = 0;
    int r;

    while ((r = read_line(f, line)) != 0) {
        no++;
        if (r == -1)
            return fail(err, errlen, path, no, "line longer than %d bytes", SRV__ACCESS_LINE_MAX);
        if (r == -2)
            return fail(err, errlen, path, no, "NUL byte in line");
        if (r == -3)
            return fail(err, errlen, path, 0, "read error: %s", strerror(errno));
        const char *s = line + strspn(line, " \t\r");
        if (*s == '\0' || *s == '#')
            continue;
        if (parse_line(a, line, path, no, err, errlen) != 0)
            return -1;
    }
    return sort_and_check(a, path, err, errlen);
}

int srv_access_load(const char *path, srv_access **out, char *err, size_t errlen)
{
    srv_access *a = NULL;
    FILE *f = NULL;
    int rc = -1;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (out == NULL)
        return -1;
    *out = NULL;
    if (path == NULL)
        return fail(err, errlen, "(null)", 0, "no access.conf path");
    f = fopen(path, "r");
    if (f == NULL) {
        fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        goto out;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL) {
        fail(err, errlen, path, 0, "out of memory");
        goto out;
    }
    if (load_lines(a, f, path, err, errlen) != 0)
        goto out;
    *out = a;
    a = NULL;
    rc = 0;
out:
    srv_access_free(a);
    if (f != NULL)
        fclose(f);
    return rc;
}

void srv_access_free(srv_access *a)
{
    if (a == NULL)
        return;
    free(a->e);
    free(a);
}

static int by_key_only(const void *key, const void *entry)
{
    return strcmp(key, ((const access_entry *)entry)->key);
}

static const access_entry *find(const srv_access *a, const char *key)
{
    if (a->n == 0)
        return NULL;
    return bsearch(key, a->e, a->n, sizeof *a->e, by_key_only);
}

/* Whether an srv_identity field is a NUL-terminated run of 1..15 digits;
 * the caller may have filled the struct itself. */
static int id_field_ok(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL && digits_ok(s);
}

srv_role srv_access_role(const srv_access *a, const srv_identity *id)
{
    char key[sizeof ((access_entry *)0)->key];
    const access_entry *e;

    if (a == NULL || id == NULL)
        return SRV_ROLE_NONE;
    /* the certificate's own entry first: it overrides its organisation's */
    if (id_field_ok(id->uzi, sizeof id->uzi)) {
        snprintf(key, sizeof key, "%s%s", SRV__ACCESS_UZI_PREFIX, id->uzi);
        if ((e = find(a, key)) != NULL)
            return e->role;
    }
    if (id_field_ok(id->ura, sizeof id->ura) && (e = find(a, id->ura)) != NULL)
        return e->role;
    return SRV_ROLE_NONE;
}
