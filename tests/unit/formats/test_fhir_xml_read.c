/*
 * test_fhir_xml_read.c — unit tests for formats/fhir_xml_read.c.
 *
 * Each test reads one small FHIR XML document written inline (attribute
 * values in single quotes, which XML allows, to keep the C readable) and
 * checks the tree or the issues. The security tests feed the classic
 * hostile inputs (internal and external entities, parameter entities,
 * external DTDs, entity bombs, deep nesting) and require a fatal issue, no
 * tree, and no time spent expanding anything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir_model_gen.h"
#include "test_support.h"

#define NS "xmlns='http://hl7.org/fhir'"
#define XHTML "xmlns='http://www.w3.org/1999/xhtml'"
#define PATIENT(body) "<Patient " NS ">" body "</Patient>"

/* ---- fixtures and helpers ------------------------------------------------ */

/* fx, fx_setup/fx_teardown and the issue checks come from test_support.h. */

static fhir_node *read_xml(fx *f, const char *s)
{
    return fhir_read_xml(f->a, s, strlen(s), NULL, &f->o);
}

/* Reads a document that must fail: NULL and a fatal issue with this code. */
static void expect_fatal_n(fx *f, const char *s, size_t len, const char *code)
{
    expect_read_fatal(f, fhir_read_xml, s, len, code);
}

static void expect_fatal(fx *f, const char *s, const char *code)
{
    expect_fatal_n(f, s, strlen(s), code);
}

/* Reads a document that must give a tree and an error with this code at
 * this expression (NULL: any). */
static fhir_node *expect_error(fx *f, const char *s, const char *code, const char *expr)
{
    fhir_node *root = read_xml(f, s);
    if (!root)
        dump_issues(&f->o);
    assert_non_null(root);
    expect_issue(&f->o, FHIR_SEV_ERROR, code, expr);
    return root;
}

static const char *family_of(const fhir_node *patient)
{
    return fhir_node_child_value(fhir_node_child(patient, "name"), "family");
}

/* ---- well-formed documents ------------------------------------------------- */

static void test_fhir_xml_read__reads_patient(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, "<?xml version='1.0' encoding='UTF-8'?>\n"
                               PATIENT("<id value='p1'/><active value='true'/>"
                                       "<name><family value='Jansen'/><given value='Jan'/>"
                                       "<given value='Piet'/></name>"
                                       "<gender value='male'/><birthDate value='1970-01-01'/>"));
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_int_equal(p->type, FHIR_T_Patient);
    assert_string_equal(p->name, "Patient");
    assert_string_equal(fhir_node_resource_type(p), "Patient");
    assert_string_equal(fhir_node_child_value(p, "id"), "p1");
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
    assert_string_equal(fhir_node_child_value(p, "gender"), "male");
    assert_string_equal(fhir_node_child_value(p, "birthDate"), "1970-01-01");
    fhir_node *name = fhir_node_child(p, "name");
    assert_int_equal(name->type, FHIR_T_HumanName);
    assert_string_equal(fhir_node_child_value(name, "family"), "Jansen");
    fhir_node *g = fhir_node_child(name, "given");
    assert_string_equal(g->value, "Jan");
    assert_string_equal(fhir_node_next_same(g)->value, "Piet");
    assert_int_equal(count_children(name, "given"), 2);
    assert_int_equal(p->line, 2);
    assert_true(g->line > 0);
}

static void test_fhir_xml_read__reads_primitive_id_and_extension(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<birthDate id='b1' value='1970-01-01'>"
                                       "<extension url='http://example.org/t'>"
                                       "<valueTime value='10:00:00'/></extension></birthDate>"));
    expect_no_issues(&f->o);
    fhir_node *bd = fhir_node_child(p, "birthDate");
    assert_non_null(bd);
    assert_string_equal(bd->value, "1970-01-01");
    assert_string_equal(fhir_node_child_value(bd, "id"), "b1");
    fhir_node *ext = fhir_node_child(bd, "extension");
    assert_non_null(ext);
    assert_int_equal(ext->type, FHIR_T_Extension);
    assert_string_equal(fhir_node_child_value(ext, "url"), "http://example.org/t");
    assert_string_equal(fhir_node_child_value(ext, "valueTime"), "10:00:00");
}

static void test_fhir_xml_read__accepts_comments_and_whitespace(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, "<!-- before -->\n<Patient " NS ">\n  <!-- inside -->\n"
                               "  <active value='true'/>\n  <?pi data?>\n</Patient>\n");
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
}

static void test_fhir_xml_read__decodes_entities_in_attribute_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<name><family value='a &amp; b &#233;'/></name>"));
    expect_no_issues(&f->o);
    assert_string_equal(family_of(p), "a & b \xC3\xA9");
}

static void test_fhir_xml_read__decodes_lt_gt_quot_apos_in_attribute_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<name><family value='&lt;&gt;&quot;&apos;'/></name>"));
    expect_no_issues(&f->o);
    assert_string_equal(family_of(p), "<>\"'");
}

static void test_fhir_xml_read__decodes_character_references_in_attribute_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<name><family value='&#233;&#x41;&#x1F600;&#60;'/></name>"));
    expect_no_issues(&f->o);
    assert_string_equal(family_of(p), "\xC3\xA9" "A\xF0\x9F\x98\x80<");
}

static void test_fhir_xml_read__decodes_ampersand_character_reference_in_attribute_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<name><family value='x&#38;y&#x26;z'/></name>"));
    expect_no_issues(&f->o);
    assert_string_equal(family_of(p), "x&y&z");
}

static void test_fhir_xml_read__keeps_newline_reference_in_attribute_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<name><family value='one&#10;two&#9;three&#13;'/></name>"));
    expect_no_issues(&f->o);
    fhir_node *fam = fhir_node_child(fhir_node_child(p, "name"), "family");
    assert_string_equal(fam->value, "one\ntwo\tthree\r");
    assert_int_equal(fam->value_len, 14);
}

static void test_fhir_xml_read__normalizes_literal_newline_in_attribute_value(void **state)
{
    fx *f = *state;
    /* XML attribute-value normalisation: a literal newline or tab is a space */
    fhir_node *p = read_xml(f, PATIENT("<name><family value='one\ntwo\tthree'/></name>"));
    expect_no_issues(&f->o);
    assert_string_equal(family_of(p), "one two three");
}

static void test_fhir_xml_read__keeps_narrative_div_as_xhtml_string(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<text><status value='generated'/>"
                                       "<div " XHTML ">a &amp; b &lt; c &gt; d<br/>e<br></br>"
                                       "<p class='x'>f &#233;</p></div></text>"));
    expect_no_issues(&f->o);
    fhir_node *div = fhir_node_child(fhir_node_child(p, "text"), "div");
    assert_non_null(div);
    assert_int_equal(div->type, FHIR_T_xhtml);
    assert_string_equal(div->value, "<div xmlns=\"http://www.w3.org/1999/xhtml\">a &amp; b &lt; c "
                                    "&gt; d<br/>e<br/><p class=\"x\">f \xC3\xA9</p></div>");
    assert_int_equal(div->value_len, strlen(div->value));
}

static void test_fhir_xml_read__declares_namespace_of_div_declared_on_ancestor(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, "<Patient " NS " xmlns:h='http://www.w3.org/1999/xhtml'>"
                               "<text><status value='generated'/><h:div><h:p>x</h:p></h:div>"
                               "</text></Patient>");
    expect_no_issues(&f->o);
    fhir_node *div = fhir_node_child(fhir_node_child(p, "text"), "div");
    assert_non_null(div);
    assert_string_equal(div->value,
                        "<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:p>x</h:p></h:div>");
}

static void test_fhir_xml_read__keeps_ampersand_in_narrative_attribute(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<text><status value='generated'/><div " XHTML ">"
                                       "<a href='x?a=1&amp;b=2'>link</a></div></text>"));
    expect_no_issues(&f->o);
    fhir_node *div = fhir_node_child(fhir_node_child(p, "text"), "div");
    assert_string_equal(div->value, "<div xmlns=\"http://www.w3.org/1999/xhtml\">"
                                    "<a href=\"x?a=1&amp;b=2\">link</a></div>");
}

static void test_fhir_xml_read__types_contained_resource(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<contained><Practitioner " NS "><id value='pr1'/>"
                                       "<name><family value='Arts'/></name></Practitioner></contained>"
                                       "<generalPractitioner><reference value='#pr1'/>"
                                       "</generalPractitioner>"));
    expect_no_issues(&f->o);
    fhir_node *c = fhir_node_child(p, "contained");
    assert_non_null(c);
    assert_int_equal(c->type, FHIR_T_Practitioner);
    assert_string_equal(fhir_node_resource_type(c), "Practitioner");
    assert_string_equal(fhir_node_child_value(c, "id"), "pr1");
    assert_string_equal(fhir_node_child_value(fhir_node_child(c, "name"), "family"), "Arts");
}

static void test_fhir_xml_read__types_bundle_entry_resource(void **state)
{
    fx *f = *state;
    fhir_node *b = read_xml(f, "<Bundle " NS "><type value='collection'/>"
                               "<entry><fullUrl value='urn:uuid:1'/><resource>"
                               "<Practitioner><active value='true'/></Practitioner></resource></entry>"
                               "<entry><resource><Organization><name value='MGZ'/></Organization>"
                               "</resource></entry></Bundle>");
    expect_no_issues(&f->o);
    fhir_node *e1 = fhir_node_child(b, "entry");
    fhir_node *r1 = fhir_node_child(e1, "resource");
    fhir_node *r2 = fhir_node_child(fhir_node_next_same(e1), "resource");
    assert_int_equal(r1->type, FHIR_T_Practitioner);
    assert_int_equal(r2->type, FHIR_T_Organization);
    assert_string_equal(fhir_node_child_value(r1, "active"), "true");
    assert_string_equal(fhir_node_child_value(r2, "name"), "MGZ");
}

/* ---- security: fatal, no tree -------------------------------------------- */

static void test_fhir_xml_read__rejects_doctype_with_internal_entity(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<!DOCTYPE Patient [<!ENTITY x 'boom'>]>"
                    PATIENT("<name><family value='&x;'/></name>"), "security");
}

static void test_fhir_xml_read__rejects_plain_doctype(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<!DOCTYPE Patient>" PATIENT("<active value='true'/>"), "security");
}

static void test_fhir_xml_read__rejects_external_file_entity(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<?xml version='1.0'?>\n"
                    "<!DOCTYPE Patient [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>\n"
                    PATIENT("<text><status value='generated'/><div " XHTML ">&xxe;</div></text>"),
                 "security");
    for (const fhir_issue *i = f->o.first; i; i = i->next)
        assert_null(strstr(i->message, "root:"));
}

static void test_fhir_xml_read__rejects_parameter_entity(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<!DOCTYPE Patient [<!ENTITY % pe SYSTEM 'file:///etc/passwd'> %pe;]>"
                    PATIENT("<active value='true'/>"), "security");
}

static void test_fhir_xml_read__rejects_external_dtd(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<!DOCTYPE Patient SYSTEM 'http://127.0.0.1:9/evil.dtd'>"
                    PATIENT("<active value='true'/>"), "security");
}

static void test_fhir_xml_read__rejects_billion_laughs_quickly(void **state)
{
    fx *f = *state;
    static const char doc[] =
        "<?xml version='1.0'?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol 'lol'>\n"
        " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
        " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
        " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
        " <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
        " <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
        " <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
        " <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
        " <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
        " <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
        "]>\n" PATIENT("<name><family value='&lol9;'/></name>");
    clock_t t0 = clock();
    expect_fatal(f, doc, "security");
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 1.0);
    assert_true(fhir_arena_used(f->a) < 1024 * 1024);
}

static void test_fhir_xml_read__rejects_undefined_entity(void **state)
{
    fx *f = *state;
    fhir_node *root = read_xml(f, PATIENT("<name><family value='&foo;'/></name>"));
    assert_null(root);
    assert_true(f->o.count[FHIR_SEV_FATAL] >= 1);
}

static void test_fhir_xml_read__rejects_undefined_entity_in_text(void **state)
{
    fx *f = *state;
    fhir_node *root = read_xml(f, PATIENT("<text><status value='generated'/><div " XHTML ">&nbsp;x"
                                          "</div></text>"));
    assert_null(root);
    assert_true(f->o.count[FHIR_SEV_FATAL] >= 1);
}

/* ---- structure ---------------------------------------------------------------- */

static void test_fhir_xml_read__rejects_non_fhir_root_element(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<Foo " NS "><active value='true'/></Foo>", "structure");
}

static void test_fhir_xml_read__rejects_datatype_as_root_element(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<HumanName " NS "><family value='x'/></HumanName>", "structure");
}

static void test_fhir_xml_read__rejects_root_without_namespace(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<Patient><active value='true'/></Patient>", "structure");
}

static void test_fhir_xml_read__rejects_root_in_wrong_namespace(void **state)
{
    fx *f = *state;
    expect_fatal(f, "<Patient xmlns='http://hl7.org/fhir/'><active value='true'/></Patient>",
                 "structure");
}

static void test_fhir_xml_read__rejects_unknown_element(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_error(f, PATIENT("<active value='true'/><foo value='x'><bar/></foo>"
                                           "<gender value='male'/>"),
                                "structure", "Patient.foo");
    assert_null(fhir_node_child(p, "foo"));
    assert_string_equal(fhir_node_child_value(p, "gender"), "male"); /* reading went on */
    assert_int_equal(issue_total(&f->o), 1);                           /* <bar/> is skipped */
}

static void test_fhir_xml_read__rejects_unknown_nested_element(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<name><family value='x'/></name><name><surname value='y'/></name>"),
                 "structure", "Patient.name[1].surname");
}

static void test_fhir_xml_read__rejects_element_in_other_namespace(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_error(f, PATIENT("<gender xmlns='http://example.org' value='male'/>"),
                                "structure", NULL);
    assert_null(fhir_node_child(p, "gender"));
}

static void test_fhir_xml_read__rejects_id_as_element_of_primitive(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<birthDate value='1970-01-01'><id value='x'/></birthDate>"),
                 "structure", NULL);
}

static void test_fhir_xml_read__rejects_unknown_attribute(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<gender value='male' foo='x'/>"), "structure", "Patient.gender");
}

static void test_fhir_xml_read__rejects_value_attribute_on_complex_element(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<name value='x'><family value='y'/></name>"), "structure", NULL);
}

static void test_fhir_xml_read__rejects_empty_value_attribute(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<gender value=''/>"), "value", "Patient.gender");
}

static void test_fhir_xml_read__rejects_element_out_of_order(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_error(f, PATIENT("<gender value='male'/><name><family value='x'/></name>"),
                                "structure", NULL);
    /* the tree is still in definition order */
    assert_string_equal(p->first->name, "name");
    assert_string_equal(p->first->next->name, "gender");
}

static void test_fhir_xml_read__rejects_text_content(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<gender value='male'>male</gender>"), "structure", "Patient.gender");
    assert_int_equal(issue_total(&f->o), 1);
}

static void test_fhir_xml_read__rejects_cdata_content(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<name><![CDATA[Jansen]]></name>"), "structure", "Patient.name[0]");
}

static void test_fhir_xml_read__rejects_div_outside_xhtml_namespace(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_error(f, PATIENT("<text><status value='generated'/><div>x</div></text>"),
                                "structure", NULL);
    assert_null(fhir_node_child(fhir_node_child(p, "text"), "div"));
}

static void test_fhir_xml_read__rejects_narrative_script(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<text><status value='generated'/><div " XHTML ">x"
                            "<script>alert(1)</script></div></text>"),
                 "value", "Patient.text.div");
}

static void test_fhir_xml_read__rejects_narrative_event_attribute(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<text><status value='generated'/><div " XHTML ">"
                            "<p onclick='alert(1)'>x</p></div></text>"),
                 "value", "Patient.text.div");
}

static void test_fhir_xml_read__rejects_empty_narrative(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<text><status value='generated'/><div " XHTML "> </div></text>"),
                 "value", "Patient.text.div");
}

static void test_fhir_xml_read__rejects_two_resources_in_one_holder(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, PATIENT("<contained><Practitioner><id value='a'/></Practitioner>"
                                       "<Organization><id value='b'/></Organization></contained>"));
    assert_non_null(p);
    const fhir_issue *i = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
    assert_non_null(i->expression);
    assert_non_null(strstr(i->expression, "contained"));
    fhir_node *c = fhir_node_child(p, "contained");
    assert_int_equal(c->type, FHIR_T_Practitioner); /* the first one is kept */
    assert_string_equal(fhir_node_child_value(c, "id"), "a");
}

static void test_fhir_xml_read__rejects_empty_holder(void **state)
{
    fx *f = *state;
    expect_error(f, "<Bundle " NS "><type value='collection'/><entry><resource/></entry></Bundle>",
                 "required", NULL);
}

static void test_fhir_xml_read__rejects_non_resource_in_holder(void **state)
{
    fx *f = *state;
    expect_error(f, PATIENT("<contained><HumanName><family value='x'/></HumanName></contained>"),
                 "structure", NULL);
}

/* ---- limits, encoding, truncation ------------------------------------------- */

static char *nested(const char *open, const char *close, size_t levels, size_t *len)
{
    size_t lo = strlen(open), lc = strlen(close);
    static const char head[] = "<Patient xmlns='http://hl7.org/fhir'>";
    static const char tail[] = "</Patient>";
    char *s = malloc(sizeof head + sizeof tail + levels * (lo + lc)), *w = s;
    assert_non_null(s);
    memcpy(w, head, sizeof head - 1);
    w += sizeof head - 1;
    for (size_t i = 0; i < levels; i++, w += lo)
        memcpy(w, open, lo);
    for (size_t i = 0; i < levels; i++, w += lc)
        memcpy(w, close, lc);
    memcpy(w, tail, sizeof tail - 1);
    w += sizeof tail - 1;
    *len = (size_t)(w - s);
    return s;
}

static void test_fhir_xml_read__refuses_deep_nesting(void **state)
{
    fx *f = *state;
    size_t len;
    char *doc = nested("<extension url='http://e'>", "</extension>", 10000, &len);
    expect_fatal_n(f, doc, len, "too-costly");
    free(doc);
}

static void test_fhir_xml_read__refuses_deep_nesting_in_unknown_element(void **state)
{
    fx *f = *state;
    size_t len;
    char *doc = nested("<foo>", "</foo>", 10000, &len);
    expect_fatal_n(f, doc, len, "too-costly");
    free(doc);
}

static void test_fhir_xml_read__accepts_nesting_within_limit(void **state)
{
    fx *f = *state;
    size_t len;
    char *doc = nested("<extension url='http://e'>", "</extension>", 40, &len);
    fhir_node *p = fhir_read_xml(f->a, doc, len, NULL, &f->o);
    free(doc);
    assert_non_null(p);
    int depth = 0;
    for (const fhir_node *n = fhir_node_child(p, "extension"); n; n = fhir_node_child(n, "extension"))
        depth++;
    assert_int_equal(depth, 40);
}

static void test_fhir_xml_read__refuses_input_over_max_bytes(void **state)
{
    fx *f = *state;
    const char *s = PATIENT("<active value='true'/>");
    fhir_limits lim = {.max_bytes = strlen(s) - 1, .max_depth = 100};
    assert_null(fhir_read_xml(f->a, s, strlen(s), &lim, &f->o));
    expect_issue(&f->o, FHIR_SEV_FATAL, "too-costly", NULL);
    fhir_outcome_init(&f->o, f->a);
    lim.max_bytes = strlen(s);
    assert_non_null(fhir_read_xml(f->a, s, strlen(s), &lim, &f->o));
}

static void test_fhir_xml_read__rejects_invalid_utf8(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        PATIENT("<name><family value='\xC3\x28'/></name>"),
        PATIENT("<name><family value='\xED\xA0\x80'/></name>"),   /* encoded surrogate */
        PATIENT("<name><family value='\xC0\xAF'/></name>"),       /* overlong */
        PATIENT("<text><status value='generated'/><div " XHTML ">\xFF</div></text>"),
        PATIENT("<n\xE9me/>"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        fhir_node *root = read_xml(f, bad[i]);
        if (root || f->o.count[FHIR_SEV_FATAL] == 0) {
            dump_issues(&f->o);
            fail_msg("sample %zu was accepted", i);
        }
    }
}

static void test_fhir_xml_read__rejects_non_utf8_encoding_declaration(void **state)
{
    fx *f = *state;
    /* FHIR XML SHALL be UTF-8; \xE9 is Latin-1 e-acute, not UTF-8 */
    fhir_node *root = read_xml(f, "<?xml version='1.0' encoding='ISO-8859-1'?>"
                                  PATIENT("<name><family value='Ren\xE9" "e'/></name>"));
    if (root || f->o.count[FHIR_SEV_FATAL] == 0) {
        dump_issues(&f->o);
        fail_msg("a document declared ISO-8859-1 was read (root=%p)", (void *)root);
    }
}

static void test_fhir_xml_read__rejects_malformed_xml(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "<Patient " NS "><name></Patient>",
        "<Patient " NS "><active value='true'></Patient>",
        "<Patient " NS "><active value=true/></Patient>",
        "<Patient " NS "><active value='true' value='false'/></Patient>",
        "<Patient " NS "/><Patient " NS "/>",
        "<Patient " NS "/>trailing",
        "hello",
        "",
        "  \n ",
        "<?xml version='1.0'?>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        fhir_node *root = read_xml(f, bad[i]);
        if (root || !find_issue(&f->o, FHIR_SEV_FATAL, "structure", NULL)) {
            dump_issues(&f->o);
            fail_msg("sample %zu: expected NULL and a fatal structure issue", i);
        }
    }
}

static const char truncation_doc[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<Patient xmlns='http://hl7.org/fhir'>\n"
    "  <id value='p1'/>\n"
    "  <!-- a comment -->\n"
    "  <text><status value='generated'/><div xmlns='http://www.w3.org/1999/xhtml'>"
    "<p>Jan &amp; <b>Piet</b></p><br/></div></text>\n"
    "  <contained><Practitioner><id value='pr1'/><name><family value='Arts'/></name>"
    "</Practitioner></contained>\n"
    "  <extension url='http://example.org/w'><valueDecimal value='1.50'/></extension>\n"
    "  <active value='true'/>\n"
    "  <name><family value='Jans&#233;n &lt;x&gt;'/><given value='Jan'/>"
    "<given><extension url='http://example.org/x'><valueInteger value='-12'/></extension></given>"
    "</name>\n"
    "  <gender value='male'/>\n"
    "  <birthDate id='b1' value='1970-01-01'/>\n"
    "  <generalPractitioner><reference value='#pr1'/></generalPractitioner>\n"
    "</Patient>";

static void test_fhir_xml_read__truncation_document_is_valid(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, truncation_doc);
    expect_no_issues(&f->o);
    assert_non_null(p);
}

static void test_fhir_xml_read__rejects_every_truncation(void **state)
{
    (void)state;
    size_t len = strlen(truncation_doc);
    for (size_t cut = 0; cut < len; cut++) {
        char *buf = malloc(cut ? cut : 1); /* exact size: ASan sees reads past the end */
        assert_non_null(buf);
        memcpy(buf, truncation_doc, cut);
        fhir_arena *a = fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        fhir_node *root = fhir_read_xml(a, buf, cut, NULL, &o);
        int fatal = o.count[FHIR_SEV_FATAL] > 0;
        fhir_arena_free(a);
        free(buf);
        if (root || !fatal)
            fail_msg("prefix of %zu bytes: root=%p, fatal issues=%d", cut, (void *)root, fatal);
    }
}

static void test_fhir_xml_read__gives_every_issue_a_line(void **state)
{
    (void)state;
    static const char *const docs[] = {
        PATIENT("<foo/>"),
        PATIENT("<gender value='male'/><active value='true'/>"),
        PATIENT("<gender value='male'>x</gender>"),
        PATIENT("<gender value='male' foo='x'/>"),
        PATIENT("<gender value=''/>"),
        PATIENT("<gender xmlns='http://example.org'/>"),
        PATIENT("<text><status value='generated'/><div " XHTML "><script/>x</div></text>"),
        PATIENT("<text><status value='generated'/><div " XHTML "><p onclick='x'>y</p></div></text>"),
        PATIENT("<contained/>"),
        PATIENT("<contained><Basic/><Basic/></contained>"),
        PATIENT("<contained><HumanName/></contained>"),
        "<!DOCTYPE Patient [<!ENTITY x 'y'>]>" PATIENT("<active value='&x;'/>"),
        PATIENT("<active value='&x;'/>"),
        "<Patient " NS "><name></Patient>",
        PATIENT("<name><family value='\xC3\x28'/></name>"),
        "<Foo " NS "/>",
        "<Patient/>",
        "<Patient " NS "><name><family value='x'/>",
        "",
        "   ",
        "hello",
        "<?xml version='1.0'?>",
    };
    for (size_t k = 0; k < sizeof docs / sizeof *docs; k++) {
        fhir_arena *a = fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        fhir_read_xml(a, docs[k], strlen(docs[k]), NULL, &o);
        int bad = issue_total(&o) == 0;
        for (const fhir_issue *i = o.first; i; i = i->next)
            bad |= i->line == 0;
        if (bad)
            dump_issues(&o);
        fhir_arena_free(a);
        if (bad)
            fail_msg("document %zu: no issue, or an issue without a line", k);
    }
}

/* ---- out of memory ------------------------------------------------------------ */

/* Reads `doc` with the document arena failing at allocation n = 1, 2, ...:
 * see expect_read_survives_failing_allocations. */
static void read_failing_at_every_allocation(const char *doc)
{
    expect_read_survives_failing_allocations(fhir_read_xml, doc, strlen(doc));
}

static void test_fhir_xml_read__survives_allocation_failure_in_valid_document(void **state)
{
    (void)state;
    read_failing_at_every_allocation(truncation_doc);
}

static void test_fhir_xml_read__survives_allocation_failure_in_document_with_errors(void **state)
{
    (void)state;
    read_failing_at_every_allocation(
        PATIENT("<foo/><gender value='male' bar='x'/><active value=''/><name>text</name>"
                "<contained><Basic/><Basic/></contained><contained/>"
                "<text><status value='generated'/><div " XHTML "><script/></div></text>"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fhir_xml_read__reads_patient),
        T(test_fhir_xml_read__reads_primitive_id_and_extension),
        T(test_fhir_xml_read__accepts_comments_and_whitespace),
        T(test_fhir_xml_read__decodes_entities_in_attribute_value),
        T(test_fhir_xml_read__decodes_lt_gt_quot_apos_in_attribute_value),
        T(test_fhir_xml_read__decodes_character_references_in_attribute_value),
        T(test_fhir_xml_read__decodes_ampersand_character_reference_in_attribute_value),
        T(test_fhir_xml_read__keeps_newline_reference_in_attribute_value),
        T(test_fhir_xml_read__normalizes_literal_newline_in_attribute_value),
        T(test_fhir_xml_read__keeps_narrative_div_as_xhtml_string),
        T(test_fhir_xml_read__declares_namespace_of_div_declared_on_ancestor),
        T(test_fhir_xml_read__keeps_ampersand_in_narrative_attribute),
        T(test_fhir_xml_read__types_contained_resource),
        T(test_fhir_xml_read__types_bundle_entry_resource),
        T(test_fhir_xml_read__rejects_doctype_with_internal_entity),
        T(test_fhir_xml_read__rejects_plain_doctype),
        T(test_fhir_xml_read__rejects_external_file_entity),
        T(test_fhir_xml_read__rejects_parameter_entity),
        T(test_fhir_xml_read__rejects_external_dtd),
        T(test_fhir_xml_read__rejects_billion_laughs_quickly),
        T(test_fhir_xml_read__rejects_undefined_entity),
        T(test_fhir_xml_read__rejects_undefined_entity_in_text),
        T(test_fhir_xml_read__rejects_non_fhir_root_element),
        T(test_fhir_xml_read__rejects_datatype_as_root_element),
        T(test_fhir_xml_read__rejects_root_without_namespace),
        T(test_fhir_xml_read__rejects_root_in_wrong_namespace),
        T(test_fhir_xml_read__rejects_unknown_element),
        T(test_fhir_xml_read__rejects_unknown_nested_element),
        T(test_fhir_xml_read__rejects_element_in_other_namespace),
        T(test_fhir_xml_read__rejects_id_as_element_of_primitive),
        T(test_fhir_xml_read__rejects_unknown_attribute),
        T(test_fhir_xml_read__rejects_value_attribute_on_complex_element),
        T(test_fhir_xml_read__rejects_empty_value_attribute),
        T(test_fhir_xml_read__rejects_element_out_of_order),
        T(test_fhir_xml_read__rejects_text_content),
        T(test_fhir_xml_read__rejects_cdata_content),
        T(test_fhir_xml_read__rejects_div_outside_xhtml_namespace),
        T(test_fhir_xml_read__rejects_narrative_script),
        T(test_fhir_xml_read__rejects_narrative_event_attribute),
        T(test_fhir_xml_read__rejects_empty_narrative),
        T(test_fhir_xml_read__rejects_two_resources_in_one_holder),
        T(test_fhir_xml_read__rejects_empty_holder),
        T(test_fhir_xml_read__rejects_non_resource_in_holder),
        T(test_fhir_xml_read__refuses_deep_nesting),
        T(test_fhir_xml_read__refuses_deep_nesting_in_unknown_element),
        T(test_fhir_xml_read__accepts_nesting_within_limit),
        T(test_fhir_xml_read__refuses_input_over_max_bytes),
        T(test_fhir_xml_read__rejects_invalid_utf8),
        T(test_fhir_xml_read__rejects_non_utf8_encoding_declaration),
        T(test_fhir_xml_read__rejects_malformed_xml),
        T(test_fhir_xml_read__truncation_document_is_valid),
        T(test_fhir_xml_read__rejects_every_truncation),
        T(test_fhir_xml_read__gives_every_issue_a_line),
        T(test_fhir_xml_read__survives_allocation_failure_in_valid_document),
        T(test_fhir_xml_read__survives_allocation_failure_in_document_with_errors),
    };
    return cmocka_run_group_tests_name("fhir_xml_read", tests, NULL, NULL);
}
