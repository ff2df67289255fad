/*
 * test_fhir_write.c — unit tests for formats/fhir_json_write.c and
 * formats/fhir_xml_write.c.
 *
 * The round-trip tests read a compact JSON document, write it as XML, read
 * that back and write JSON again: the result must be byte-identical to the
 * input. So each input below is written in the writer's own form: compact,
 * resourceType first, properties in definition order (for Extension that is
 * extension, url, value[x]). JSON documents are written with single quotes,
 * which json() turns into double quotes.
 *
 * The other tests check exact output for trees read from strings or built
 * with fhir_node_new/fhir_node_add_named, escaping in both formats, and the
 * output buffer limit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir_model_gen.h"
#include "test_support.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
#define XML_PATIENT(body) XML_DECL "<Patient xmlns=\"http://hl7.org/fhir\">" body "</Patient>"

/* ---- fixtures and helpers ------------------------------------------------ */

/* fx (with the output buffers f->xml, f->json and f->more), fx_setup/
 * fx_teardown, expect_no_issues, json() and read_q() come from
 * test_support.h. */

static fhir_node *read_json_q(fx *f, const char *quoted)
{
    fhir_node *root = read_q(f, quoted);
    expect_no_issues(&f->o);
    assert_non_null(root);
    return root;
}

static fhir_node *read_xml(fx *f, const char *s, size_t len)
{
    fhir_node *root = fhir_read_xml(f->a, s, len, NULL, &f->o);
    expect_no_issues(&f->o);
    assert_non_null(root);
    return root;
}

/* Writes `root` into `b` (emptied first) and returns the text. */
static const char *write_to(fhir_buf *b, const fhir_node *root, fhir_format fmt, unsigned flags)
{
    fhir_buf_free(b);
    assert_int_equal(fhir_write(root, fmt, b, flags), 0);
    assert_non_null(b->data);
    return b->data;
}

/* JSON -> tree -> XML -> tree -> JSON must give the input back, and so must
 * JSON -> tree -> JSON. Returns the XML written in between. */
static const char *round_trip(fx *f, const char *quoted)
{
    char *in = json(f, quoted);
    fhir_node *t1 = fhir_read_json(f->a, in, strlen(in), NULL, &f->o);
    expect_no_issues(&f->o);
    assert_non_null(t1);
    assert_string_equal(write_to(&f->json, t1, FHIR_FORMAT_JSON, 0), in);
    const char *xml = write_to(&f->xml, t1, FHIR_FORMAT_XML, 0);
    fhir_node *t2 = read_xml(f, xml, f->xml.len);
    assert_string_equal(write_to(&f->json, t2, FHIR_FORMAT_JSON, 0), in);
    return xml;
}

/* ---- round trips ------------------------------------------------------------ */

static void test_fhir_write__round_trips_primitives_with_extensions(void **state)
{
    fx *f = *state;
    const char *xml = round_trip(
        f, "{'resourceType':'Patient','id':'p1',"
           "'extension':[{'url':'http://example.org/a','valueBoolean':true}],'active':true,"
           "'gender':'female','_gender':{'id':'g'},"
           "'birthDate':'1970-01-01','_birthDate':{'id':'b1','extension':[{'url':"
           "'http://hl7.org/fhir/StructureDefinition/patient-birthTime',"
           "'valueDateTime':'1970-01-01T10:00:00+01:00'}]},"
           "'deceasedBoolean':false,'multipleBirthInteger':2}");
    assert_non_null(strstr(xml, "<birthDate id=\"b1\" value=\"1970-01-01\"><extension url=\""
                                "http://hl7.org/fhir/StructureDefinition/patient-birthTime\">"
                                "<valueDateTime value=\"1970-01-01T10:00:00+01:00\"/></extension>"
                                "</birthDate>"));
}

static void test_fhir_write__round_trips_extension_without_value(void **state)
{
    fx *f = *state;
    const char *xml = round_trip(
        f, "{'resourceType':'Patient','_birthDate':{'extension':[{'url':"
           "'http://hl7.org/fhir/StructureDefinition/data-absent-reason','valueCode':'unknown'}]}}");
    assert_non_null(strstr(xml, "<birthDate><extension"));
}

static void test_fhir_write__round_trips_arrays_with_null_alignment(void **state)
{
    fx *f = *state;
    const char *xml = round_trip(
        f, "{'resourceType':'Patient','name':[{'family':'Jansen','given':['Jan',null,'Piet'],"
           "'_given':[null,{'extension':[{'url':'http://example.org/x','valueString':'y'}]},"
           "{'id':'g3'}]},{'given':['A','B'],'_given':[{'id':'a'},null]}]}");
    assert_non_null(strstr(xml, "<given value=\"Jan\"/><given><extension url=\"http://example.org/x\">"
                                "<valueString value=\"y\"/></extension></given>"
                                "<given id=\"g3\" value=\"Piet\"/>"));
}

static void test_fhir_write__round_trips_choice_types(void **state)
{
    fx *f = *state;
    round_trip(f, "{'resourceType':'Observation','status':'final',"
                  "'code':{'coding':[{'system':'http://loinc.org','code':'29463-7'}]},"
                  "'effectiveDateTime':'2024-01-02T10:00:00Z',"
                  "'valueQuantity':{'value':72.5,'unit':'kg','system':'http://unitsofmeasure.org',"
                  "'code':'kg'},"
                  "'component':[{'code':{'text':'a'},'valueInteger':0},"
                  "{'code':{'text':'b'},'valueString':'x'},"
                  "{'code':{'text':'c'},'valueBoolean':false},"
                  "{'code':{'text':'d'},'valuePeriod':{'start':'2024-01-01'}}]}");
}

static void test_fhir_write__round_trips_contained_resources(void **state)
{
    fx *f = *state;
    const char *xml = round_trip(
        f, "{'resourceType':'Patient',"
           "'text':{'status':'generated','div':'<div xmlns=\\'http://www.w3.org/1999/xhtml\\'>"
           "<p>Jan <b>J.</b></p></div>'},"
           "'contained':[{'resourceType':'Practitioner','id':'pr1','name':[{'family':'Arts'}]},"
           "{'resourceType':'Organization','id':'o1','name':'MGZ'}],"
           "'generalPractitioner':[{'reference':'#pr1'}],'managingOrganization':{'reference':'#o1'}}");
    assert_non_null(strstr(xml, "<contained><Practitioner><id value=\"pr1\"/>"));
    assert_non_null(strstr(xml, "<contained><Organization><id value=\"o1\"/>"));
}

static void test_fhir_write__round_trips_bundle(void **state)
{
    fx *f = *state;
    round_trip(f, "{'resourceType':'Bundle','type':'collection','entry':["
                  "{'fullUrl':'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0',"
                  "'resource':{'resourceType':'Patient','active':true}},"
                  "{'resource':{'resourceType':'Observation','status':'final','code':{'text':'x'},"
                  "'valueQuantity':{'value':1.50}}}]}");
}

static void test_fhir_write__keeps_decimal_precision_in_both_formats(void **state)
{
    fx *f = *state;
    static const char *const samples[] = {"1.50", "0.0", "-0.5e3", "100.000", "1E+2"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char doc[256];
        snprintf(doc, sizeof doc,
                 "{'resourceType':'Observation','status':'final','code':{'text':'w'},"
                 "'valueQuantity':{'value':%s}}", samples[i]);
        const char *xml = round_trip(f, doc);
        char want_xml[64], want_json[64];
        snprintf(want_xml, sizeof want_xml, "<value value=\"%s\"/>", samples[i]);
        snprintf(want_json, sizeof want_json, "\"value\":%s}", samples[i]);
        assert_non_null(strstr(xml, want_xml));
        assert_non_null(strstr(f->json.data, want_json)); /* unquoted */
    }
}

static void test_fhir_write_json__writes_numbers_and_booleans_unquoted(void **state)
{
    fx *f = *state;
    fhir_node *p = read_xml(f, XML_PATIENT("<active value=\"true\"/><multipleBirthInteger value=\"3\"/>"),
                            strlen(XML_PATIENT("<active value=\"true\"/><multipleBirthInteger value=\"3\"/>")));
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        "{\"resourceType\":\"Patient\",\"active\":true,\"multipleBirthInteger\":3}");
}

/* ---- order ---------------------------------------------------------------------- */

static void test_fhir_write__follows_definition_order_not_input_order(void **state)
{
    fx *f = *state;
    fhir_node *p = read_json_q(f, "{'gender':'male','name':[{'given':['A'],'family':'B'}],"
                                  "'_gender':{'id':'g'},'resourceType':'Patient','active':true,"
                                  "'id':'p1'}");
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        json(f, "{'resourceType':'Patient','id':'p1','active':true,"
                                "'name':[{'family':'B','given':['A']}],'gender':'male',"
                                "'_gender':{'id':'g'}}"));
    assert_string_equal(write_to(&f->xml, p, FHIR_FORMAT_XML, 0),
                        XML_PATIENT("<id value=\"p1\"/><active value=\"true\"/><name>"
                                    "<family value=\"B\"/><given value=\"A\"/></name>"
                                    "<gender id=\"g\" value=\"male\"/>"));
}

static void test_fhir_write_json__puts_resource_type_first(void **state)
{
    fx *f = *state;
    fhir_node *b = read_json_q(f, "{'type':'collection','entry':[{'resource':{'active':true,"
                                  "'resourceType':'Patient','id':'x'}}],'resourceType':'Bundle',"
                                  "'id':'b'}");
    assert_string_equal(write_to(&f->json, b, FHIR_FORMAT_JSON, 0),
                        json(f, "{'resourceType':'Bundle','id':'b','type':'collection','entry':"
                                "[{'resource':{'resourceType':'Patient','id':'x','active':true}}]}"));
}

/* ---- escaping -------------------------------------------------------------------- */

/* A Patient built in memory with one name.family value. */
static fhir_node *patient_with_family(fx *f, const char *family)
{
    fhir_node *p = fhir_node_new(f->a, "Patient", FHIR_NONE, FHIR_T_Patient);
    assert_non_null(p);
    fhir_node *name = fhir_node_add_named(f->a, p, "name", NULL);
    assert_non_null(name);
    assert_non_null(fhir_node_add_named(f->a, name, "family", family));
    return p;
}

static void test_fhir_write_xml__escapes_attribute_values(void **state)
{
    fx *f = *state;
    fhir_node *p = patient_with_family(f, "a<b&c\"d\ne\tf>g\r'h");
    assert_string_equal(write_to(&f->xml, p, FHIR_FORMAT_XML, 0),
                        XML_PATIENT("<name><family value=\"a&lt;b&amp;c&quot;d&#10;e&#9;f&gt;g&#13;'h\"/>"
                                    "</name>"));
}

static void test_fhir_write_xml__escaped_values_read_back_unchanged(void **state)
{
    fx *f = *state;
    const char *value = "a<b&c\"d\ne\tf>g\r'h &amp;";
    fhir_node *p = patient_with_family(f, value);
    const char *xml = write_to(&f->xml, p, FHIR_FORMAT_XML, 0);
    fhir_node *back = read_xml(f, xml, f->xml.len);
    assert_string_equal(fhir_node_child_value(fhir_node_child(back, "name"), "family"), value);
}

static void test_fhir_write_json__escapes_quotes_backslashes_and_controls(void **state)
{
    fx *f = *state;
    fhir_node *p = patient_with_family(f, "q\"b\\c\x01\x1f\n\r\t\b\f/\x7f\xC3\xA9");
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":"
                        "\"q\\\"b\\\\c\\u0001\\u001f\\n\\r\\t\\u0008\\u000c/\x7f\xC3\xA9\"}]}");
}

static void test_fhir_write_json__escaped_values_read_back_unchanged(void **state)
{
    fx *f = *state;
    const char *value = "q\"b\\c\x01\x1f\n\r\t\b\f/\x7f\xC3\xA9";
    fhir_node *p = patient_with_family(f, value);
    const char *out = write_to(&f->json, p, FHIR_FORMAT_JSON, 0);
    fhir_node *back = fhir_read_json(f->a, out, f->json.len, NULL, &f->o);
    expect_no_issues(&f->o);
    assert_non_null(back);
    assert_string_equal(fhir_node_child_value(fhir_node_child(back, "name"), "family"), value);
}

static void test_fhir_write_json__quotes_value_that_is_not_a_valid_number(void **state)
{
    fx *f = *state;
    fhir_node *p = fhir_node_new(f->a, "Patient", FHIR_NONE, FHIR_T_Patient);
    assert_non_null(fhir_node_add_named(f->a, p, "active", "yes"));
    assert_non_null(fhir_node_add_named(f->a, p, "multipleBirthInteger", "1,5"));
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        "{\"resourceType\":\"Patient\",\"active\":\"yes\","
                        "\"multipleBirthInteger\":\"1,5\"}");
}

/* A narrative the JSON reader accepts must come out as XML that reads back:
 * the div string is copied into the XML as it is. */
static void test_fhir_write_xml__narrative_with_xml_declaration_reads_back(void **state)
{
    fx *f = *state;
    char *in = json(f, "{'resourceType':'Patient','text':{'status':'generated','div':"
                       "'<?xml version=\\'1.0\\'?><div xmlns=\\'http://www.w3.org/1999/xhtml\\'>x</div>'}}");
    fhir_node *t = fhir_read_json(f->a, in, strlen(in), NULL, &f->o);
    assert_non_null(t);
    if (fhir_outcome_has_errors(&f->o))
        return; /* refused on reading: fine too */
    const char *xml = write_to(&f->xml, t, FHIR_FORMAT_XML, 0);
    fhir_node *back = fhir_read_xml(f->a, xml, f->xml.len, NULL, &f->o);
    if (!back)
        fail_msg("the XML written does not read back: %s", xml);
}

/* ---- trees built in memory ------------------------------------------------------ */

static fhir_node *built_patient(fx *f)
{
    fhir_arena *a = f->a;
    fhir_node *p = fhir_node_new(a, "Patient", FHIR_NONE, FHIR_T_Patient);
    assert_non_null(p);
    /* added out of definition order on purpose */
    assert_non_null(fhir_node_add_named(a, p, "multipleBirthInteger", "2"));
    assert_non_null(fhir_node_add_named(a, p, "gender", "female"));
    fhir_node *name = fhir_node_add_named(a, p, "name", NULL);
    assert_non_null(name);
    assert_non_null(fhir_node_add_named(a, name, "given", "Anna"));
    assert_non_null(fhir_node_add_named(a, name, "family", "Bakker"));
    assert_non_null(fhir_node_add_named(a, name, "given", "Maria"));
    assert_non_null(fhir_node_add_named(a, p, "active", "true"));
    fhir_node *bd = fhir_node_add_named(a, p, "birthDate", "1980-02-29");
    assert_non_null(bd);
    fhir_node *ext = fhir_node_add_named(a, bd, "extension", NULL);
    assert_non_null(ext);
    assert_non_null(fhir_node_add_named(a, ext, "valueInteger", "5"));
    assert_non_null(fhir_node_add_named(a, ext, "url", "http://example.org/x"));
    return p;
}

static void test_fhir_write_json__writes_tree_built_in_memory(void **state)
{
    fx *f = *state;
    fhir_node *p = built_patient(f);
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        json(f, "{'resourceType':'Patient','active':true,"
                                "'name':[{'family':'Bakker','given':['Anna','Maria']}],"
                                "'gender':'female','birthDate':'1980-02-29',"
                                "'_birthDate':{'extension':[{'url':'http://example.org/x',"
                                "'valueInteger':5}]},'multipleBirthInteger':2}"));
}

static void test_fhir_write_xml__writes_tree_built_in_memory(void **state)
{
    fx *f = *state;
    fhir_node *p = built_patient(f);
    assert_string_equal(write_to(&f->xml, p, FHIR_FORMAT_XML, 0),
                        XML_PATIENT("<active value=\"true\"/><name><family value=\"Bakker\"/>"
                                    "<given value=\"Anna\"/><given value=\"Maria\"/></name>"
                                    "<gender value=\"female\"/><birthDate value=\"1980-02-29\">"
                                    "<extension url=\"http://example.org/x\">"
                                    "<valueInteger value=\"5\"/></extension></birthDate>"
                                    "<multipleBirthInteger value=\"2\"/>"));
}

static void test_fhir_write__writes_contained_resource_built_in_memory(void **state)
{
    fx *f = *state;
    fhir_node *p = fhir_node_new(f->a, "Patient", FHIR_NONE, FHIR_T_Patient);
    fhir_node *c = fhir_node_add_named(f->a, p, "contained", NULL);
    assert_non_null(c);
    c->type = FHIR_T_Practitioner; /* a holder carries its resource's type */
    assert_non_null(fhir_node_add_named(f->a, c, "id", "pr1"));
    fhir_node *gp = fhir_node_add_named(f->a, p, "generalPractitioner", NULL);
    assert_non_null(fhir_node_add_named(f->a, gp, "reference", "#pr1"));
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0),
                        json(f, "{'resourceType':'Patient','contained':[{'resourceType':'Practitioner',"
                                "'id':'pr1'}],'generalPractitioner':[{'reference':'#pr1'}]}"));
    assert_string_equal(write_to(&f->xml, p, FHIR_FORMAT_XML, 0),
                        XML_PATIENT("<contained><Practitioner><id value=\"pr1\"/></Practitioner>"
                                    "</contained><generalPractitioner><reference value=\"#pr1\"/>"
                                    "</generalPractitioner>"));
}

static void test_fhir_write__writes_empty_resource(void **state)
{
    fx *f = *state;
    fhir_node *p = fhir_node_new(f->a, "Basic", FHIR_NONE, FHIR_T_Basic);
    assert_string_equal(write_to(&f->json, p, FHIR_FORMAT_JSON, 0), "{\"resourceType\":\"Basic\"}");
    assert_string_equal(write_to(&f->xml, p, FHIR_FORMAT_XML, 0),
                        XML_DECL "<Basic xmlns=\"http://hl7.org/fhir\"/>");
}

static void test_fhir_node_add_named__refuses_unknown_name(void **state)
{
    fx *f = *state;
    fhir_node *p = fhir_node_new(f->a, "Patient", FHIR_NONE, FHIR_T_Patient);
    assert_null(fhir_node_add_named(f->a, p, "foo", "x"));
    assert_null(fhir_node_add_named(f->a, p, "valueString", "x"));
    assert_null(p->first);
}

static void test_fhir_write__pretty_output_reads_back_to_the_same_tree(void **state)
{
    fx *f = *state;
    const char *in = json(f, "{'resourceType':'Patient','id':'p1',"
                             "'contained':[{'resourceType':'Practitioner','id':'pr1'}],"
                             "'active':true,'name':[{'family':'J','given':['A',null],"
                             "'_given':[null,{'id':'x'}]}],'birthDate':'1970-01-01',"
                             "'_birthDate':{'id':'b'},'generalPractitioner':[{'reference':'#pr1'}]}");
    fhir_node *t = fhir_read_json(f->a, in, strlen(in), NULL, &f->o);
    assert_non_null(t);
    write_to(&f->more, t, FHIR_FORMAT_JSON, FHIR_WRITE_PRETTY);
    assert_non_null(strchr(f->more.data, '\n'));
    fhir_node *t2 = fhir_read_json(f->a, f->more.data, f->more.len, NULL, &f->o);
    expect_no_issues(&f->o);
    assert_string_equal(write_to(&f->json, t2, FHIR_FORMAT_JSON, 0), in);
    write_to(&f->more, t, FHIR_FORMAT_XML, FHIR_WRITE_PRETTY);
    fhir_node *t3 = read_xml(f, f->more.data, f->more.len);
    assert_string_equal(write_to(&f->json, t3, FHIR_FORMAT_JSON, 0), in);
}

/* ---- errors ------------------------------------------------------------------- */

static void test_fhir_write__refuses_unknown_format_and_non_resource(void **state)
{
    fx *f = *state;
    fhir_node *p = fhir_node_new(f->a, "Patient", FHIR_NONE, FHIR_T_Patient);
    assert_int_equal(fhir_write(p, FHIR_FORMAT_UNKNOWN, &f->json, 0), FHIR_E_INVALID);
    fhir_node *hn = fhir_node_new(f->a, "HumanName", FHIR_NONE, FHIR_T_HumanName);
    assert_int_equal(fhir_write_json(hn, &f->json, 0), FHIR_E_INVALID);
    assert_int_equal(fhir_write_xml(hn, &f->xml, 0), FHIR_E_INVALID);
    assert_int_equal(fhir_write_json(NULL, &f->json, 0), FHIR_E_INVALID);
    assert_int_equal(f->json.len, 0);
}

static void test_fhir_write__returns_nomem_when_buffer_limit_is_hit(void **state)
{
    fx *f = *state;
    fhir_node *p = built_patient(f);
    fhir_buf_init(&f->json, 10);
    assert_int_equal(fhir_write_json(p, &f->json, 0), FHIR_E_NOMEM);
    assert_true(f->json.len <= 10);
    fhir_buf_init(&f->xml, 10);
    assert_int_equal(fhir_write_xml(p, &f->xml, 0), FHIR_E_NOMEM);
    assert_true(f->xml.len <= 10);
}

/* The limit is exact: output of L bytes fits a limit of L, not of L - 1. */
static void check_exact_limit(fx *f, const fhir_node *root, fhir_format fmt)
{
    size_t need = strlen(write_to(&f->more, root, fmt, 0));
    fhir_buf b;
    fhir_buf_init(&b, need);
    int rc = fhir_write(root, fmt, &b, 0);
    int same = rc == 0 && b.len == need && memcmp(b.data, f->more.data, need) == 0;
    fhir_buf_free(&b);
    assert_true(same);
    fhir_buf_init(&b, need - 1);
    rc = fhir_write(root, fmt, &b, 0);
    size_t len = b.len;
    fhir_buf_free(&b);
    if (rc != FHIR_E_NOMEM || len > need - 1)
        fail_msg("limit %zu: rc=%d, %zu bytes written", need - 1, rc, len);
}

static void test_fhir_write_json__fails_when_output_exceeds_limit_by_one(void **state)
{
    fx *f = *state;
    check_exact_limit(f, built_patient(f), FHIR_FORMAT_JSON);
}

static void test_fhir_write_xml__fails_when_output_exceeds_limit_by_one(void **state)
{
    fx *f = *state;
    check_exact_limit(f, built_patient(f), FHIR_FORMAT_XML);
}

static void test_fhir_write__fails_at_every_smaller_limit(void **state)
{
    fx *f = *state;
    fhir_node *p = built_patient(f);
    for (int fmt = FHIR_FORMAT_XML; fmt <= FHIR_FORMAT_JSON; fmt++) {
        size_t need = strlen(write_to(&f->more, p, (fhir_format)fmt, 0));
        for (size_t limit = 1; limit < need; limit++) {
            fhir_buf b;
            fhir_buf_init(&b, limit);
            int rc = fhir_write(p, (fhir_format)fmt, &b, 0);
            size_t len = b.len;
            fhir_buf_free(&b);
            if (rc != FHIR_E_NOMEM || len > limit)
                fail_msg("format %d, limit %zu of %zu: rc=%d, %zu bytes", fmt, limit, need, rc, len);
        }
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fhir_write__round_trips_primitives_with_extensions),
        T(test_fhir_write__round_trips_extension_without_value),
        T(test_fhir_write__round_trips_arrays_with_null_alignment),
        T(test_fhir_write__round_trips_choice_types),
        T(test_fhir_write__round_trips_contained_resources),
        T(test_fhir_write__round_trips_bundle),
        T(test_fhir_write__keeps_decimal_precision_in_both_formats),
        T(test_fhir_write_json__writes_numbers_and_booleans_unquoted),
        T(test_fhir_write__follows_definition_order_not_input_order),
        T(test_fhir_write_json__puts_resource_type_first),
        T(test_fhir_write_xml__escapes_attribute_values),
        T(test_fhir_write_xml__escaped_values_read_back_unchanged),
        T(test_fhir_write_json__escapes_quotes_backslashes_and_controls),
        T(test_fhir_write_json__escaped_values_read_back_unchanged),
        T(test_fhir_write_json__quotes_value_that_is_not_a_valid_number),
        T(test_fhir_write_xml__narrative_with_xml_declaration_reads_back),
        T(test_fhir_write_json__writes_tree_built_in_memory),
        T(test_fhir_write_xml__writes_tree_built_in_memory),
        T(test_fhir_write__writes_contained_resource_built_in_memory),
        T(test_fhir_write__writes_empty_resource),
        T(test_fhir_node_add_named__refuses_unknown_name),
        T(test_fhir_write__pretty_output_reads_back_to_the_same_tree),
        T(test_fhir_write__refuses_unknown_format_and_non_resource),
        T(test_fhir_write__returns_nomem_when_buffer_limit_is_hit),
        T(test_fhir_write_json__fails_when_output_exceeds_limit_by_one),
        T(test_fhir_write_xml__fails_when_output_exceeds_limit_by_one),
        T(test_fhir_write__fails_at_every_smaller_limit),
    };
    return cmocka_run_group_tests_name("fhir_write", tests, NULL, NULL);
}
