/*
 * test_support.h — helpers shared by the cmocka unit tests under
 * tests/unit/formats/, so that each test file holds its tests and only the
 * helpers particular to it.
 *
 *   fx, fx_setup, fx_teardown   the per-test fixture: a fresh arena, an
 *                               outcome recording into it, empty output
 *                               buffers
 *   dump_issues, issue_total,   looking for issues in an outcome, and
 *   find_issue, expect_issue,   failing with every issue printed when the
 *   expect_no_issues, ...       expected one is not there
 *   json, dequote_json, read_q  JSON written with single quotes in C
 *   count_children              counting a node's children of one name
 *   expect_read_fatal,          reader checks run for both formats
 *   expect_read_survives_failing_allocations
 *   slurp                       a whole file into memory
 *
 * Everything is `static inline`: a test file that does not use a helper gets
 * no warning for it under -Wall -Wextra -Werror. The header includes what
 * cmocka.h needs before it, cmocka.h itself and fhir.h.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fhir.h"

/* ---- the fixture ----------------------------------------------------------- */

/* What every test gets through cmocka's state. Each test file uses the
 * fields it needs; the buffers stay empty (and cost nothing) otherwise. */
typedef struct fx {
    fhir_arena *a;                  /* fresh, no size limit */
    fhir_outcome o;                 /* issues are recorded in `a` */
    fhir_buf b, out;                /* output buffers, no limit */
    fhir_buf xml, json, more;       /* output buffers, no limit */
    unsigned errors;                /* what the last fhir_validate returned */
} fx;

static inline int fx_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->a = fhir_arena_new(0);
    if (!f->a) {
        free(f);
        return -1;
    }
    fhir_outcome_init(&f->o, f->a);
    fhir_buf_init(&f->b, 0);
    fhir_buf_init(&f->out, 0);
    fhir_buf_init(&f->xml, 0);
    fhir_buf_init(&f->json, 0);
    fhir_buf_init(&f->more, 0);
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx *f = *state;
    fhir_buf_free(&f->b);
    fhir_buf_free(&f->out);
    fhir_buf_free(&f->xml);
    fhir_buf_free(&f->json);
    fhir_buf_free(&f->more);
    fhir_arena_free(f->a);
    free(f);
    return 0;
}

/* ---- issues ---------------------------------------------------------------- */

/* Prints every issue (cmocka's print_message), to show why a test failed. */
static inline void dump_issues(const fhir_outcome *o)
{
    for (const fhir_issue *i = o->first; i; i = i->next)
        print_message("    issue: %s %s at %s (%u:%u): %s\n", fhir_severity_code(i->severity),
                      i->code, i->expression ? i->expression : "-", i->line, i->col, i->message);
}

static inline unsigned issue_total(const fhir_outcome *o)
{
    return o->count[FHIR_SEV_FATAL] + o->count[FHIR_SEV_ERROR] + o->count[FHIR_SEV_WARNING] +
           o->count[FHIR_SEV_INFORMATION];
}

/* The first issue with this severity and code whose message starts with
 * `rule` ("dom-3", NULL: any) and whose expression is `expr` (NULL: any). */
static inline const fhir_issue *find_rule_issue(const fhir_outcome *o, fhir_severity sev,
                                                const char *code, const char *rule,
                                                const char *expr)
{
    for (const fhir_issue *i = o->first; i; i = i->next)
        if (i->severity == sev && strcmp(i->code, code) == 0 &&
            (!rule || strncmp(i->message, rule, strlen(rule)) == 0) &&
            (!expr || (i->expression && strcmp(i->expression, expr) == 0)))
            return i;
    return NULL;
}

/* The first issue with this severity and code (and expression, unless NULL). */
static inline const fhir_issue *find_issue(const fhir_outcome *o, fhir_severity sev,
                                           const char *code, const char *expr)
{
    return find_rule_issue(o, sev, code, NULL, expr);
}

/* find_rule_issue, failing the test (with every issue printed) when there is none. */
static inline const fhir_issue *expect_rule_issue(const fhir_outcome *o, fhir_severity sev,
                                                  const char *code, const char *rule,
                                                  const char *expr)
{
    const fhir_issue *i = find_rule_issue(o, sev, code, rule, expr);
    if (!i) {
        dump_issues(o);
        fail_msg("expected an issue: %s '%s'%s%s at %s", fhir_severity_code(sev), code,
                 rule ? " " : "", rule ? rule : "", expr ? expr : "(any)");
    }
    return i;
}

/* find_issue, failing the test (with every issue printed) when there is none. */
static inline const fhir_issue *expect_issue(const fhir_outcome *o, fhir_severity sev,
                                             const char *code, const char *expr)
{
    return expect_rule_issue(o, sev, code, NULL, expr);
}

/* Fails the test when there is an issue with this severity and code whose
 * message starts with `rule` (NULL: any), at any expression. */
static inline void expect_no_issue(const fhir_outcome *o, fhir_severity sev, const char *code,
                                   const char *rule)
{
    if (find_rule_issue(o, sev, code, rule, NULL)) {
        dump_issues(o);
        fail_msg("unexpected issue: %s '%s' %s", fhir_severity_code(sev), code, rule ? rule : "");
    }
}

/* Fails the test when there is any issue at all, of any severity. */
static inline void expect_no_issues(const fhir_outcome *o)
{
    if (issue_total(o) != 0) {
        dump_issues(o);
        fail_msg("expected no issues, got %u", issue_total(o));
    }
}

/* ---- JSON written with single quotes ----------------------------------------- */

/* A copy of `s` in `a` with every single quote turned into a double quote
 * and no other byte changed, so lines and columns stay as written. */
static inline char *dequote_json(fhir_arena *a, const char *s)
{
    char *p = fhir_arena_strdup(a, s);
    assert_non_null(p);
    for (char *c = p; *c; c++)
        if (*c == '\'')
            *c = '"';
    return p;
}

/* dequote_json in the fixture's arena. */
static inline char *json(fx *f, const char *s)
{
    return dequote_json(f->a, s);
}

/* Reads single-quoted JSON (see json()); issues go to f->o. */
static inline fhir_node *read_q(fx *f, const char *quoted)
{
    char *s = json(f, quoted);
    return fhir_read_json(f->a, s, strlen(s), NULL, &f->o);
}

/* ---- trees ------------------------------------------------------------------- */

/* The number of children of `n` named `name`. */
static inline int count_children(const fhir_node *n, const char *name)
{
    int k = 0;
    for (const fhir_node *c = n->first; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            k++;
    return k;
}

/* ---- reader checks for both formats ------------------------------------------- */

/* fhir_read_xml or fhir_read_json. */
typedef fhir_node *test_reader(fhir_arena *a, const char *buf, size_t len,
                               const fhir_limits *lim, fhir_outcome *o);

/* Reads a document that must fail: NULL and a fatal issue with this code. */
static inline void expect_read_fatal(fx *f, test_reader *read, const char *buf, size_t len,
                                     const char *code)
{
    fhir_node *root = read(f->a, buf, len, NULL, &f->o);
    if (root || !find_issue(&f->o, FHIR_SEV_FATAL, code, NULL)) {
        dump_issues(&f->o);
        print_message("    document: %.*s\n", (int)len, buf);
        fail_msg("expected NULL and a fatal '%s' issue, got root=%p", code, (void *)root);
    }
}

/* Reads `doc` with the document arena failing at allocation n = 1, 2, ...
 * (issues go to their own arena so the too-costly issue can be seen). Each
 * run must end in a tree with no allocation failure, or in NULL with a fatal
 * too-costly issue; the loop ends at the first run that does not fail. */
static inline void expect_read_survives_failing_allocations(test_reader *read, const char *doc,
                                                            size_t len)
{
    for (unsigned long n = 1;; n++) {
        fhir_arena *a = fhir_arena_new(0), *oa = fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, oa);
        fhir_arena_fail_after(a, n);
        fhir_node *root = read(a, doc, len, NULL, &o);
        int failed = fhir_arena_failed(a);
        int too_costly = find_issue(&o, FHIR_SEV_FATAL, "too-costly", NULL) != NULL;
        fhir_arena_free(a);
        fhir_arena_free(oa);
        if (failed && (root || !too_costly))
            fail_msg("allocation %lu failed: root=%p, fatal too-costly issue=%d", n, (void *)root,
                     too_costly);
        if (!failed) {
            assert_non_null(root);
            assert_true(n > 5);
            return;
        }
        assert_true(n < 100000);
    }
}

/* ---- files ------------------------------------------------------------------- */

/* The whole file, NUL-terminated, in memory the caller frees; its length
 * (without the NUL) in *len. NULL when it cannot be read. */
static inline char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

#endif /* TEST_SUPPORT_H */
