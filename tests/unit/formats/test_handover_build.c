/*
 * test_handover_build.c — the document builder and the profile check
 * (formats/handover_build.c, handover_narrative.c, handover_profile.c) on the
 * handover fixtures: what the narrative must say, and that the profile check
 * catches a document that was altered after it was built.
 *
 * usage: test_handover_build FIXTURE_DIR (fixtures/handover)
 */
#include <libxml/parser.h>

#include "test_support.h"
#include "handover_internal.h"

#define NOW "2026-11-23T12:00:00Z"

static const handover_options options = {.now = NOW};
static const char *fixture_dir = "fixtures/handover";

typedef struct built {
    fhir_arena *a;
    fhir_outcome o;
    fhir_node *doc;
} built;

/* Replaces the one occurrence of `from` in `in` (which must hold it) by `to`,
 * which is not longer. */
static void edit(char *in, size_t *len, const char *from, const char *to)
{
    char *at = strstr(in, from);
    assert_non_null(at);
    size_t nf = strlen(from), nt = strlen(to);
    assert_true(nt <= nf);
    memcpy(at, to, nt);
    memmove(at + nt, at + nf, strlen(at + nf) + 1);
    *len -= nf - nt;
}

/* Builds the fixture's document, after replacing `from` by `to` when given. */
static void build_edited(built *b, const char *name, const char *from, const char *to)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/valid/%s.json", fixture_dir, name);
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    if (from)
        edit(in, &len, from, to);
    b->a = fhir_arena_new(0);
    fhir_outcome_init(&b->o, b->a);
    fhir_node *records = fhir_read(b->a, in, len, NULL, &b->o);
    free(in);
    assert_non_null(records);
    b->doc = handover_build(b->a, records, &options, &b->o);
    if (!b->doc)
        dump_issues(&b->o);
    assert_non_null(b->doc);
}

static void build(built *b, const char *name)
{
    build_edited(b, name, NULL, NULL);
}

static fhir_node *composition(const built *b)
{
    return fhir_node_child(fhir_node_child(b->doc, "entry"), "resource");
}

static const char *section_div(const built *b, unsigned index)
{
    fhir_node *s = fhir_node_child(composition(b), "section");
    while (s && index--)
        s = fhir_node_next_same(s);
    assert_non_null(s);
    return ho_value(s, "text.div");
}

/* The mgz-profile errors of the document; any other error fails the test. */
static unsigned profile_errors(built *b)
{
    fhir_outcome o;
    fhir_outcome_init(&o, b->a);
    handover_check_document(b->a, b->doc, &options, &o);
    unsigned n = 0;
    for (const fhir_issue *i = o.first; i; i = i->next) {
        if (i->severity > FHIR_SEV_ERROR)
            continue;
        if (!i->rule || strcmp(i->rule, "mgz-profile") != 0) {
            dump_issues(&o);
            fail_msg("an error other than mgz-profile");
        }
        n++;
    }
    return n;
}

/* Every active treatment limit appears in the narrative of section 1. */
static void test_handover_build__narrative_names_every_directive(void **state)
{
    (void)state;
    static const char *const patients[] = {"oz-vmb-so-alzheimer", "gz-vmb-avg-huisarts-in-team",
                                           "oz-vpt-huisarts-verlopen", "gz-mpt-huisarts-emb"};
    for (size_t p = 0; p < sizeof patients / sizeof *patients; p++) {
        built b;
        build(&b, patients[p]);
        const char *div = section_div(&b, 0);
        unsigned directives = 0;
        for (fhir_node *e = fhir_node_child(b.doc, "entry"); e; e = fhir_node_next_same(e)) {
            fhir_node *r = fhir_node_child(e, "resource");
            if (strcmp(fhir_node_resource_type(r), "Consent") != 0 ||
                !ho_has_code(fhir_node_child(r, "scope"),
                             "http://terminology.hl7.org/CodeSystem/consentscope", "treatment"))
                continue;
            const char *name = ho_treatment_nl(ho_path(r, "provision.code"));
            assert_non_null(name);
            if (!strstr(div, name))
                fail_msg("%s: '%s' is not in the narrative: %s", patients[p], name, div);
            directives++;
        }
        assert_true(directives > 0);
        fhir_arena_free(b.a);
    }
}

static void test_handover_build__expired_directive_is_marked_expired(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vpt-huisarts-verlopen");
    assert_non_null(strstr(section_div(&b, 0), "Verlopen behandelaanwijzingen"));
    assert_non_null(find_rule_issue(&b.o, FHIR_SEV_INFORMATION, "informational", "mgz-10", NULL));
    fhir_arena_free(b.a);
}

/* A limit whose treatment has neither a known code nor a text is still shown
 * as a limit (a fuzzer found the builder stumbling over it). */
static void test_handover_build__unnamed_treatment_limit_is_shown(void **state)
{
    (void)state;
    built b;
    build_edited(&b, "oz-vmb-so-alzheimer",
                 "\"http://snomed.info/sct\",\n         \"code\": \"89666000\",\n"
                 "         \"display\": \"cardiopulmonale resuscitatie\"\n        }\n       ],\n"
                 "       \"text\": \"Reanimatie\"",
                 "\"http://snomed.info/sct\"}]");
    const char *div = section_div(&b, 0);
    assert_non_null(strstr(div, "behandeling niet benoemd"));
    assert_null(strstr(div, "Reanimatie"));
    assert_non_null(strstr(ho_value(composition(&b), "text.div"), "Niet uitvoeren:"));
    fhir_arena_free(b.a);
}

static void test_handover_build__review_warning_is_in_the_narrative(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vzb-huisarts-herbeoordeling");
    assert_non_null(find_rule_issue(&b.o, FHIR_SEV_WARNING, "business-rule", "mgz-9", NULL));
    const char *div = ho_value(composition(&b), "text.div");
    assert_non_null(strstr(div, "Let op: mgz-9"));
    assert_non_null(strstr(section_div(&b, 0), "langer dan 365 dagen niet besproken"));
    fhir_arena_free(b.a);
}

static void test_handover_build__sections_in_fixed_order(void **state)
{
    (void)state;
    static const char *const codes[] = {"behandelwensen", "bejegening", "regiebehandelaar",
                                        "bereikbaarheid", "medicatie", "allergieen",
                                        "problemen", "wlz-context"};
    built b;
    build(&b, "gz-pgb-avg-thuis");
    unsigned i = 0;
    for (fhir_node *s = fhir_node_child(composition(&b), "section"); s; s = fhir_node_next_same(s))
        assert_true(ho_has_code(fhir_node_child(s, "code"), SYS_SECTION, codes[i++]));
    assert_int_equal(i, 8);
    assert_int_equal(profile_errors(&b), 0);
    fhir_arena_free(b.a);
}

static void test_handover_build__transfer_is_in_the_narrative(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-overdracht-huisarts-so");
    const char *div = section_div(&b, 2);
    assert_non_null(strstr(div, "Overdracht van het regiebehandelaarschap op"));
    assert_non_null(strstr(div, "besproken met"));
    fhir_arena_free(b.a);
}

static void test_handover_build__every_reference_is_a_document_entry(void **state)
{
    (void)state;
    built b;
    build(&b, "gz-vpt-twee-overdrachten");
    ho_records r;
    assert_int_equal(ho_load(&r, b.a, b.doc, &options), 0);
    unsigned checked = 0;
    for (size_t i = 0; i < r.count; i++)
        assert_non_null(strstr(r.res[i].doc_url, "urn:uuid:"));
    for (fhir_node *s = fhir_node_child(composition(&b), "section"); s; s = fhir_node_next_same(s))
        for (fhir_node *e = fhir_node_child(s, "entry"); e; e = fhir_node_next_same(e), checked++)
            assert_non_null(ho_ref(&r, e));
    assert_true(checked > 5);
    fhir_arena_free(b.a);
}

/* ---- the profile check catches altered documents ------------------------ */

static void test_handover_profile__rejects_sections_out_of_order(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *comp = composition(&b);
    fhir_node *first = fhir_node_child(comp, "section");
    fhir_node *second = fhir_node_next_same(first);
    /* swap the codes of sections 1 and 2 */
    fhir_node *c1 = fhir_node_child(first, "code"), *c2 = fhir_node_child(second, "code");
    fhir_node *k1 = c1->first, *k2 = c2->first;
    c1->first = c1->last = k2;
    c2->first = c2->last = k1;
    assert_true(profile_errors(&b) > 0);
    fhir_arena_free(b.a);
}

static void test_handover_profile__rejects_wrong_composition_type(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *code = (fhir_node *)ho_path(composition(&b), "type.coding.code");
    code->value = "34133-9";
    assert_true(profile_errors(&b) > 0);
    fhir_arena_free(b.a);
}

static void test_handover_profile__rejects_dangling_section_entry(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *ref = (fhir_node *)ho_path(composition(&b), "section.entry.reference");
    assert_non_null(ref);
    ref->value = "urn:uuid:00000000-0000-4000-8000-000000000000";
    assert_true(profile_errors(&b) > 0);
    fhir_arena_free(b.a);
}

static void test_handover_profile__rejects_document_without_identifier(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *ident = fhir_node_child(b.doc, "identifier");
    ident->name = "identifierGone"; /* hidden from lookups by name */
    assert_true(profile_errors(&b) > 0);
    fhir_arena_free(b.a);
}

static void test_handover_profile__rejects_records_instead_of_document(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *type = fhir_node_child(b.doc, "type");
    type->value = "collection";
    assert_true(profile_errors(&b) > 0);
    fhir_arena_free(b.a);
}

/* Out of memory at every allocation in turn, while reading and building a
 * patient: no crash, no leak (under ASan), and a run either builds the same
 * document as an undisturbed one or gives no document. */
static void test_handover_build__survives_allocation_failure_everywhere(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/valid/oz-vmb-overdracht-huisarts-so.json", fixture_dir);
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    char *expected = NULL;
    for (unsigned long n = 0;; n++) {
        fhir_arena *a = fhir_arena_new(0);
        fhir_arena *issues = fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, issues);
        if (n)
            fhir_arena_fail_after(a, n);
        fhir_node *records = fhir_read(a, in, len, NULL, &o);
        fhir_node *doc = records ? handover_build(a, records, &options, &o) : NULL;
        char *xml = NULL;
        if (doc && !fhir_arena_failed(a)) {
            fhir_buf b;
            fhir_buf_init(&b, 0);
            assert_int_equal(fhir_write_xml(doc, &b, 0), 0);
            xml = fhir_buf_take(&b, NULL);
        } else {
            assert_true(fhir_outcome_has_errors(&o)); /* a failure is always reported */
        }
        fhir_arena_free(a);
        fhir_arena_free(issues);
        if (n == 0) {
            assert_non_null(xml);
            expected = xml;
            continue;
        }
        if (xml) {
            assert_string_equal(xml, expected);
            free(xml);
            break; /* past the last allocation */
        }
    }
    free(expected);
    free(in);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixture_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handover_build__narrative_names_every_directive),
        cmocka_unit_test(test_handover_build__expired_directive_is_marked_expired),
        cmocka_unit_test(test_handover_build__review_warning_is_in_the_narrative),
        cmocka_unit_test(test_handover_build__unnamed_treatment_limit_is_shown),
        cmocka_unit_test(test_handover_build__sections_in_fixed_order),
        cmocka_unit_test(test_handover_build__transfer_is_in_the_narrative),
        cmocka_unit_test(test_handover_build__every_reference_is_a_document_entry),
        cmocka_unit_test(test_handover_profile__rejects_sections_out_of_order),
        cmocka_unit_test(test_handover_profile__rejects_wrong_composition_type),
        cmocka_unit_test(test_handover_profile__rejects_dangling_section_entry),
        cmocka_unit_test(test_handover_profile__rejects_document_without_identifier),
        cmocka_unit_test(test_handover_profile__rejects_records_instead_of_document),
        cmocka_unit_test(test_handover_build__survives_allocation_failure_everywhere),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
