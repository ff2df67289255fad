/*
 * test_handover_fixtures.c — every patient under fixtures/handover is a case.
 *
 *   valid/NAME      the records pass every rule and build a document that has
 *                   no structural errors, passes the handover profile, reads
 *                   back identically from XML and JSON, and is the same bytes
 *                   when built twice.
 *   invalid/NAME    + NAME.expect whose first line is a rule id: checking the
 *                   records reports that rule and no other rule as an error;
 *                   an error rule also blocks the build.
 *
 * "Today" is fixed at NOW so the cases do not age.
 * usage: test_handover_fixtures FIXTURE_DIR
 */
#include <libxml/parser.h>

#include "test_support.h"
#include "fixture_cases.h"
#include "handover.h"

#define NOW "2026-11-23T12:00:00Z"

static const handover_options options = {.now = NOW};

static fhir_node *read_records(fhir_arena *a, const char *path, fhir_outcome *o)
{
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    fhir_node *root = fhir_read(a, in, len, NULL, o);
    free(in);
    if (root)
        fhir_validate(root, o);
    if (!root || fhir_outcome_has_errors(o)) {
        dump_issues(o);
        fail_msg("%s does not read as valid FHIR", path);
    }
    return root;
}

static char *write_as(const fhir_node *root, fhir_format f)
{
    fhir_buf b;
    fhir_buf_init(&b, 0);
    assert_int_equal(fhir_write(root, f, &b, FHIR_WRITE_PRETTY), 0);
    return fhir_buf_take(&b, NULL);
}

/* Builds the document of a fixture and gives it as XML. */
static char *build_xml(const char *path)
{
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = read_records(a, path, &o);
    fhir_node *doc = handover_build(a, records, &options, &o);
    if (!doc) {
        dump_issues(&o);
        fail_msg("%s does not build", path);
    }
    char *xml = write_as(doc, FHIR_FORMAT_XML);
    fhir_arena_free(a);
    return xml;
}

/* Reads a written document back: no structural errors, profile and rules pass. */
static char *reread(fhir_arena *a, const char *text, fhir_format to)
{
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *doc = fhir_read(a, text, strlen(text), NULL, &o);
    assert_non_null(doc);
    fhir_validate(doc, &o);
    handover_check_document(a, doc, &options, &o);
    if (fhir_outcome_has_errors(&o)) {
        dump_issues(&o);
        fail_msg("the built document has errors");
    }
    return write_as(doc, to);
}

static void test_valid(void **state)
{
    const char *path = *state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = read_records(a, path, &o);
    if (handover_check(a, records, &options, &o) != 0) {
        dump_issues(&o);
        fail_msg("a valid patient breaks a rule");
    }
    char *xml = build_xml(path);
    char *again = build_xml(path);
    assert_string_equal(again, xml); /* deterministic */
    char *json = reread(a, xml, FHIR_FORMAT_JSON);
    char *xml2 = reread(a, json, FHIR_FORMAT_XML);
    assert_string_equal(xml2, xml);
    assert_non_null(strstr(xml, "<code value=\"18761-7\"/>"));
    free(xml);
    free(again);
    free(json);
    free(xml2);
    fhir_arena_free(a);
}

static void test_invalid(void **state)
{
    const char *path = *state;
    char expect_path[4096], rule[64] = "";
    snprintf(expect_path, sizeof expect_path, "%.*s.expect",
             (int)(strrchr(path, '.') - path), path);
    size_t elen;
    char *expect = slurp(expect_path, &elen);
    if (!expect)
        fail_msg("%s has no .expect beside it", path);
    sscanf(expect, "%63s", rule);
    free(expect);
    assert_true(strncmp(rule, "mgz-", 4) == 0);

    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = read_records(a, path, &o);
    unsigned errors = handover_check(a, records, &options, &o);
    int found = 0, others = 0;
    for (const fhir_issue *i = o.first; i; i = i->next) {
        if (!i->rule)
            continue;
        assert_non_null(i->message_nl);
        assert_non_null(i->expression);
        if (strcmp(i->rule, rule) == 0)
            found = 1;
        else if (i->severity <= FHIR_SEV_ERROR)
            others++; /* warnings of the base patient (an old review) may stay */
    }
    if (!found || others) {
        dump_issues(&o);
        fail_msg("expected only rule %s", rule);
    }
    if (errors) { /* an error blocks the build */
        fhir_outcome o2;
        fhir_outcome_init(&o2, a);
        assert_null(handover_build(a, records, &options, &o2));
    }
    fhir_arena_free(a);
}

int main(int argc, char **argv)
{
    int failed = fixture_cases_run("handover_fixtures", argc > 1 ? argv[1] : "fixtures/handover",
                                   test_valid, test_invalid);
    xmlCleanupParser();
    return failed;
}
