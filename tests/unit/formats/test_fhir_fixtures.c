/*
 * test_fhir_fixtures.c — runs every fixture under fixtures/fhir as a test
 * case; adding a fixture adds a case.
 *
 *   valid/NAME.xml, valid/NAME.json   no errors; XML→JSON→XML and
 *                                     JSON→XML→JSON give identical output;
 *                                     the XML output is the input up to
 *                                     whitespace and comments (C14N); the
 *                                     XML and JSON of one NAME are equal.
 *   invalid/NAME.{xml,json} + .expect  every "<severity> <code> <expression>"
 *                                     line of NAME.expect is reported.
 *
 * usage: test_fhir_fixtures FIXTURE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>

#include "test_support.h"
#include "fixture_cases.h"


/* Reads text and writes it in `f`; the caller frees the result. */
static char *convert(fhir_arena *a, const char *in, size_t len, fhir_format f, int *errors)
{
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = fhir_read(a, in, len, NULL, &o);
    if (root)
        fhir_validate(root, &o);
    if (fhir_outcome_has_errors(&o)) {
        dump_issues(&o);
        (*errors)++;
    }
    if (!root)
        return NULL;
    fhir_buf b;
    fhir_buf_init(&b, 0);
    if (fhir_write(root, f, &b, FHIR_WRITE_PRETTY) != 0) {
        fhir_buf_free(&b);
        return NULL;
    }
    return fhir_buf_take(&b, NULL);
}

/* Canonical XML without insignificant whitespace and comments. */
static char *canonical_xml(const char *xml, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NOBLANKS | XML_PARSE_NONET);
    if (!doc)
        return NULL;
    xmlChar *out = NULL;
    xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &out);
    xmlFreeDoc(doc);
    return (char *)out;
}


static void test_valid(void **state)
{
    const char *path = *state;
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    fhir_arena *a = fhir_arena_new(0);
    int errors = 0;
    char *xml1 = convert(a, in, len, FHIR_FORMAT_XML, &errors);
    char *json1 = convert(a, in, len, FHIR_FORMAT_JSON, &errors);
    assert_int_equal(errors, 0);
    assert_non_null(xml1);
    assert_non_null(json1);
    char *xml2 = convert(a, json1, strlen(json1), FHIR_FORMAT_XML, &errors);
    char *json2 = convert(a, xml1, strlen(xml1), FHIR_FORMAT_JSON, &errors);
    assert_int_equal(errors, 0);
    assert_string_equal(xml2, xml1);
    assert_string_equal(json2, json1);
    if (ends_with(path, ".xml")) {
        char *c_in = canonical_xml(in, len), *c_out = canonical_xml(xml1, strlen(xml1));
        assert_non_null(c_in);
        assert_non_null(c_out);
        assert_string_equal(c_out, c_in);
        free(c_in);
        free(c_out);
    } else {
        /* the same case in XML must read to the same resource */
        char twin[4096];
        snprintf(twin, sizeof twin, "%.*s.xml", (int)(strlen(path) - 5), path);
        size_t tlen;
        char *t = slurp(twin, &tlen);
        if (t) {
            char *xml_twin = convert(a, t, tlen, FHIR_FORMAT_XML, &errors);
            assert_non_null(xml_twin);
            assert_string_equal(xml1, xml_twin);
            free(xml_twin);
            free(t);
        }
    }
    free(xml1);
    free(json1);
    free(xml2);
    free(json2);
    free(in);
    fhir_arena_free(a);
}

static int issue_matches(const fhir_issue *i, const char *sev, const char *code, const char *expr)
{
    if (strcmp(fhir_severity_code(i->severity), sev) != 0 || strcmp(i->code, code) != 0)
        return 0;
    if (strcmp(expr, "-") == 0)
        return i->expression == NULL;
    return i->expression && strcmp(i->expression, expr) == 0;
}

static void test_invalid(void **state)
{
    const char *path = *state;
    size_t len, elen;
    char *in = slurp(path, &len);
    assert_non_null(in);
    char expect_path[4096];
    const char *dot = strrchr(path, '.');
    snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)(dot - path), path);
    char *expect = slurp(expect_path, &elen);
    if (!expect)
        fail_msg("%s has no .expect beside it", path);
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = fhir_read(a, in, len, NULL, &o);
    if (root)
        fhir_validate(root, &o);
    assert_true(fhir_outcome_has_errors(&o));
    int expected = 0, missing = 0;
    for (char *line = strtok(expect, "\n"); line; line = strtok(NULL, "\n")) {
        char sev[32], code[64], expr[1024];
        if (line[0] == '#' || sscanf(line, "%31s %63s %1023s", sev, code, expr) != 3)
            continue;
        expected++;
        int found = 0;
        for (const fhir_issue *i = o.first; i && !found; i = i->next)
            found = issue_matches(i, sev, code, expr);
        if (!found) {
            print_message("missing: %s %s %s\n", sev, code, expr);
            missing++;
        }
    }
    if (missing) {
        print_message("reported:\n");
        dump_issues(&o);
    }
    assert_true(expected > 0);
    assert_int_equal(missing, 0);
    free(expect);
    free(in);
    fhir_arena_free(a);
}

int main(int argc, char **argv)
{
    int failed = fixture_cases_run("fhir_fixtures", argc > 1 ? argv[1] : "fixtures/fhir",
                                   test_valid, test_invalid);
    xmlCleanupParser();
    return failed;
}
