/*
 * test_fhir_json_read.c — unit tests for formats/fhir_json_read.c.
 *
 * Each test reads one small FHIR JSON document written inline and checks
 * the tree or the issues it gives. To keep the documents readable they are
 * written with single quotes, which json() turns into double quotes (no
 * other byte changes, so lines and columns stay as written).
 *
 * What a problem must give, from fhir.h: a tree plus an error issue for
 * problems that leave a tree (unknown properties, duplicates, wrong JSON
 * types, nulls, empties); NULL plus a fatal issue when no tree can be made
 * (syntax, encoding, limits, no or unknown resourceType).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir_model_gen.h"
#include "test_support.h"

/* ---- fixtures and helpers ------------------------------------------------ */

/* fx, fx_setup/fx_teardown, the issue checks, json() and read_q() come from
 * test_support.h. */

/* Reads a document that must fail: NULL and a fatal issue with this code. */
static void expect_fatal(fx *f, const char *buf, size_t len, const char *code)
{
    expect_read_fatal(f, fhir_read_json, buf, len, code);
}

static void expect_fatal_q(fx *f, const char *quoted, const char *code)
{
    char *s = json(f, quoted);
    expect_fatal(f, s, strlen(s), code);
}

/* Reads a document that must give a tree and exactly one issue, an error
 * with this code at this expression. */
static fhir_node *expect_one_error_q(fx *f, const char *quoted, const char *code, const char *expr)
{
    fhir_node *root = read_q(f, quoted);
    if (!root)
        dump_issues(&f->o);
    assert_non_null(root);
    expect_issue(&f->o, FHIR_SEV_ERROR, code, expr);
    if (issue_total(&f->o) != 1) {
        dump_issues(&f->o);
        fail_msg("expected exactly one issue, got %u", issue_total(&f->o));
    }
    return root;
}

/* ---- well-formed documents ----------------------------------------------- */

static void test_fhir_json_read__reads_patient_with_name_and_given(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','id':'p1','active':true,"
                             "'name':[{'family':'Jansen','given':['Jan','Piet']},{'text':'J.'}],"
                             "'gender':'male','birthDate':'1970-01-01'}");
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_int_equal(p->type, FHIR_T_Patient);
    assert_string_equal(p->name, "Patient");
    assert_string_equal(fhir_node_resource_type(p), "Patient");
    assert_null(p->parent);
    assert_string_equal(fhir_node_child_value(p, "id"), "p1");
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
    assert_string_equal(fhir_node_child_value(p, "gender"), "male");
    assert_string_equal(fhir_node_child_value(p, "birthDate"), "1970-01-01");
    assert_int_equal(count_children(p, "name"), 2);
    fhir_node *name = fhir_node_child(p, "name");
    assert_int_equal(name->type, FHIR_T_HumanName);
    assert_ptr_equal(name->parent, p);
    assert_string_equal(fhir_node_child_value(name, "family"), "Jansen");
    fhir_node *g1 = fhir_node_child(name, "given");
    assert_non_null(g1);
    fhir_node *g2 = fhir_node_next_same(g1);
    assert_non_null(g2);
    assert_null(fhir_node_next_same(g2));
    assert_string_equal(g1->value, "Jan");
    assert_int_equal(g1->value_len, 3);
    assert_string_equal(g2->value, "Piet");
    assert_int_equal(g1->type, FHIR_T_string);
    fhir_node *name2 = fhir_node_next_same(name);
    assert_non_null(name2);
    assert_string_equal(fhir_node_child_value(name2, "text"), "J.");
}

static void test_fhir_json_read__keeps_decimal_as_written(void **state)
{
    fx *f = *state;
    static const char *const samples[] = {"1.50", "0.0", "-0.5e3", "100", "1E+2", "0.000010"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char doc[256];
        snprintf(doc, sizeof doc,
                 "{'resourceType':'Observation','status':'final','code':{'text':'w'},"
                 "'valueQuantity':{'value':%s,'unit':'kg'}}",
                 samples[i]);
        fhir_node *obs = read_q(f, doc);
        expect_no_issues(&f->o);
        assert_non_null(obs);
        fhir_node *q = fhir_node_child(obs, "valueQuantity");
        assert_non_null(q);
        assert_int_equal(q->type, FHIR_T_Quantity);
        fhir_node *v = fhir_node_child(q, "value");
        assert_non_null(v);
        assert_int_equal(v->type, FHIR_T_decimal);
        assert_string_equal(v->value, samples[i]);
        assert_int_equal(v->value_len, strlen(samples[i]));
    }
}

static void test_fhir_json_read__merges_primitive_extension_onto_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','birthDate':'1970-01-01',"
                             "'_birthDate':{'id':'b1','extension':[{'url':'http://example.org/t',"
                             "'valueTime':'10:00:00'}]}}");
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_int_equal(count_children(p, "birthDate"), 1);
    fhir_node *bd = fhir_node_child(p, "birthDate");
    assert_string_equal(bd->value, "1970-01-01");
    assert_string_equal(fhir_node_child_value(bd, "id"), "b1");
    fhir_node *ext = fhir_node_child(bd, "extension");
    assert_non_null(ext);
    assert_ptr_equal(ext->parent, bd);
    assert_int_equal(ext->type, FHIR_T_Extension);
    assert_string_equal(fhir_node_child_value(ext, "url"), "http://example.org/t");
    assert_string_equal(fhir_node_child_value(ext, "valueTime"), "10:00:00");
    /* id before extension: definition order */
    assert_string_equal(bd->first->name, "id");
}

static void test_fhir_json_read__reads_extension_without_value(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','_birthDate':{'extension':[{'url':"
                             "'http://hl7.org/fhir/StructureDefinition/data-absent-reason',"
                             "'valueCode':'unknown'}]}}");
    expect_no_issues(&f->o);
    fhir_node *bd = fhir_node_child(p, "birthDate");
    assert_non_null(bd);
    assert_null(bd->value);
    assert_non_null(fhir_node_child(bd, "extension"));
}

static void test_fhir_json_read__aligns_null_placeholders_with_extensions(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'given':['Jan',null],"
                             "'_given':[null,{'extension':[{'url':'http://example.org/x',"
                             "'valueString':'y'}]}]}]}");
    expect_no_issues(&f->o);
    fhir_node *name = fhir_node_child(p, "name");
    assert_int_equal(count_children(name, "given"), 2);
    fhir_node *g1 = fhir_node_child(name, "given");
    fhir_node *g2 = fhir_node_next_same(g1);
    assert_string_equal(g1->value, "Jan");
    assert_null(g1->first);
    assert_null(g2->value);
    fhir_node *ext = fhir_node_child(g2, "extension");
    assert_non_null(ext);
    assert_string_equal(fhir_node_child_value(ext, "valueString"), "y");
}

static void test_fhir_json_read__accepts_underscore_array_before_values(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{"
                             "'_given':[{'id':'g1'},null,{'id':'g3'}],"
                             "'given':['A','B','C']}]}");
    expect_no_issues(&f->o);
    fhir_node *name = fhir_node_child(p, "name");
    assert_int_equal(count_children(name, "given"), 3);
    fhir_node *g1 = fhir_node_child(name, "given");
    fhir_node *g2 = fhir_node_next_same(g1);
    fhir_node *g3 = fhir_node_next_same(g2);
    assert_string_equal(g1->value, "A");
    assert_string_equal(fhir_node_child_value(g1, "id"), "g1");
    assert_string_equal(g2->value, "B");
    assert_null(g2->first);
    assert_string_equal(g3->value, "C");
    assert_string_equal(fhir_node_child_value(g3, "id"), "g3");
}

static void test_fhir_json_read__decodes_unicode_escape(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'family':'Ren\\u00e9e \\u20ac'}]}");
    expect_no_issues(&f->o);
    const char *v = fhir_node_child_value(fhir_node_child(p, "name"), "family");
    assert_string_equal(v, "Ren\xC3\xA9" "e \xE2\x82\xAC");
}

static void test_fhir_json_read__decodes_surrogate_pair(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'family':'a\\ud83d\\ude00b'}]}");
    expect_no_issues(&f->o);
    fhir_node *fam = fhir_node_child(fhir_node_child(p, "name"), "family");
    assert_string_equal(fam->value, "a\xF0\x9F\x98\x80" "b");
    assert_int_equal(fam->value_len, 6);
}

static void test_fhir_json_read__decodes_simple_escapes(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'family':"
                             "'q\\'\\\\\\/\\b\\f\\n\\r\\t.'}]}");
    /* json() turned \' into \" : the JSON is "q\"\\\/\b\f\n\r\t." */
    expect_no_issues(&f->o);
    const char *v = fhir_node_child_value(fhir_node_child(p, "name"), "family");
    assert_string_equal(v, "q\"\\/\b\f\n\r\t.");
}

static void test_fhir_json_read__accepts_byte_order_mark(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "\xEF\xBB\xBF{'resourceType':'Patient','active':false}");
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_string_equal(fhir_node_child_value(p, "active"), "false");
}

static void test_fhir_json_read__finds_resource_type_after_other_properties(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'id':'p1','name':[{'family':'X','given':['a']}],'gender':'male',"
                             "'resourceType':'Patient'}");
    expect_no_issues(&f->o);
    assert_non_null(p);
    assert_int_equal(p->type, FHIR_T_Patient);
    assert_string_equal(fhir_node_child_value(p, "id"), "p1");
    assert_string_equal(fhir_node_child_value(p, "gender"), "male");
    assert_string_equal(fhir_node_child_value(fhir_node_child(p, "name"), "family"), "X");
}

static void test_fhir_json_read__orders_children_by_definition(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','gender':'male','name':[{'family':'X'}],"
                             "'active':true,'id':'p1'}");
    expect_no_issues(&f->o);
    const char *want[] = {"id", "active", "name", "gender"};
    const fhir_node *c = p->first;
    for (size_t i = 0; i < 4; i++, c = c->next) {
        assert_non_null(c);
        assert_string_equal(c->name, want[i]);
    }
    assert_null(c);
}

static void test_fhir_json_read__types_contained_resource(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','contained':[{'resourceType':'Practitioner',"
                             "'id':'pr1','name':[{'family':'Arts'}]}],"
                             "'generalPractitioner':[{'reference':'#pr1'}]}");
    expect_no_issues(&f->o);
    fhir_node *c = fhir_node_child(p, "contained");
    assert_non_null(c);
    assert_int_equal(c->type, FHIR_T_Practitioner);
    assert_string_equal(fhir_node_resource_type(c), "Practitioner");
    assert_string_equal(fhir_node_child_value(c, "id"), "pr1");
    assert_string_equal(fhir_node_child_value(fhir_node_child(c, "name"), "family"), "Arts");
}

static void test_fhir_json_read__types_bundle_entry_resource(void **state)
{
    fx *f = *state;
    fhir_node *b = read_q(f, "{'resourceType':'Bundle','type':'collection','entry':["
                             "{'fullUrl':'urn:uuid:1','resource':{'resourceType':'Practitioner','active':true}},"
                             "{'resource':{'id':'o1','resourceType':'Organization','name':'MGZ'}}]}");
    expect_no_issues(&f->o);
    assert_int_equal(b->type, FHIR_T_Bundle);
    fhir_node *e1 = fhir_node_child(b, "entry");
    fhir_node *e2 = fhir_node_next_same(e1);
    fhir_node *r1 = fhir_node_child(e1, "resource");
    fhir_node *r2 = fhir_node_child(e2, "resource");
    assert_non_null(r1);
    assert_non_null(r2);
    assert_int_equal(r1->type, FHIR_T_Practitioner);
    assert_int_equal(r2->type, FHIR_T_Organization);
    assert_string_equal(fhir_node_child_value(r1, "active"), "true");
    assert_string_equal(fhir_node_child_value(r2, "name"), "MGZ");
}

static void test_fhir_json_read__accepts_nesting_within_limit(void **state)
{
    fx *f = *state;
    char doc[4096] = "{'resourceType':'Patient','extension':[";
    for (int i = 0; i < 20; i++)
        strcat(doc, "{'url':'http://e','extension':[");
    strcat(doc, "{'url':'http://e','valueString':'x'}");
    for (int i = 0; i < 20; i++)
        strcat(doc, "]}");
    strcat(doc, "]}");
    fhir_node *p = read_q(f, doc);
    expect_no_issues(&f->o);
    int depth = 0;
    for (const fhir_node *n = fhir_node_child(p, "extension"); n; n = fhir_node_child(n, "extension"))
        depth++;
    assert_int_equal(depth, 21);
}

static void test_fhir_json_read__accepts_input_at_max_bytes(void **state)
{
    fx *f = *state;
    char *s = json(f, "{'resourceType':'Patient','active':true}");
    fhir_limits lim = {.max_bytes = strlen(s), .max_depth = 100};
    assert_non_null(fhir_read_json(f->a, s, strlen(s), &lim, &f->o));
    expect_no_issues(&f->o);
}

/* ---- errors that leave a tree --------------------------------------------- */

static void test_fhir_json_read__rejects_null_without_extension_partner(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'given':['Jan',null]}]}");
    assert_non_null(p);
    const fhir_issue *i = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
    assert_non_null(i->expression);
    assert_non_null(strstr(i->expression, "given"));
}

static void test_fhir_json_read__rejects_underscore_array_of_other_length(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':[{'given':['A','B'],"
                             "'_given':[null,{'id':'x'},{'id':'y'}]}]}");
    assert_non_null(p);
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
}

static void test_fhir_json_read__rejects_duplicate_property(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_one_error_q(f, "{'resourceType':'Patient','gender':'male','gender':'female'}",
                                      "structure", "Patient.gender");
    assert_int_equal(count_children(p, "gender"), 1);
}

static void test_fhir_json_read__rejects_duplicate_underscore_property(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','birthDate':'1970-01-01',"
                          "'_birthDate':{'id':'a'},'_birthDate':{'id':'b'}}",
                       "structure", "Patient.birthDate");
}

static void test_fhir_json_read__rejects_duplicate_resource_type(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','active':true,'resourceType':'Observation'}");
    if (p)
        expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
    else
        expect_issue(&f->o, FHIR_SEV_FATAL, "structure", NULL);
}

static void test_fhir_json_read__rejects_null_for_single_property(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_one_error_q(f, "{'resourceType':'Patient','gender':null,'active':true}",
                                      "structure", "Patient.gender");
    assert_null(fhir_node_child(p, "gender"));
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
}

static void test_fhir_json_read__rejects_null_for_complex_array_item(void **state)
{
    fx *f = *state;
    read_q(f, "{'resourceType':'Patient','name':[null]}");
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
}

static void test_fhir_json_read__rejects_empty_object(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','maritalStatus':{}}", "structure",
                       "Patient.maritalStatus");
}

static void test_fhir_json_read__rejects_empty_array(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_one_error_q(f, "{'resourceType':'Patient','name':[],'active':true}",
                                      "structure", NULL);
    assert_null(fhir_node_child(p, "name"));
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
}

static void test_fhir_json_read__rejects_empty_string(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','gender':''}", "value", "Patient.gender");
}

static void test_fhir_json_read__rejects_unknown_property(void **state)
{
    fx *f = *state;
    fhir_node *p = expect_one_error_q(f, "{'resourceType':'Patient','foo':{'a':[1,{'b':null}],'c':'}'},"
                                         "'gender':'male'}",
                                      "structure", "Patient.foo");
    assert_null(fhir_node_child(p, "foo"));
    assert_string_equal(fhir_node_child_value(p, "gender"), "male"); /* reading went on */
}

static void test_fhir_json_read__rejects_unknown_nested_property(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','name':[{'family':'X'},{'surname':'Y'}]}",
                       "structure", "Patient.name[1].surname");
}

static void test_fhir_json_read__rejects_underscore_for_complex_element(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','_name':[{'id':'x'}]}", "structure", NULL);
}

static void test_fhir_json_read__rejects_array_for_single_element(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','gender':['male']}", "structure",
                       "Patient.gender");
}

static void test_fhir_json_read__rejects_non_array_for_repeating_element(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','name':{'family':'X'}}");
    assert_non_null(p);
    const fhir_issue *i = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
    assert_non_null(i->expression);
    assert_non_null(strstr(i->expression, "Patient.name"));
    assert_int_equal(issue_total(&f->o), 1);
}

static void test_fhir_json_read__rejects_string_for_boolean(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','active':'true'}", "structure",
                       "Patient.active");
}

static void test_fhir_json_read__rejects_number_for_string(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','name':[{'family':42}]}", "structure",
                       "Patient.name[0].family");
}

static void test_fhir_json_read__rejects_boolean_for_code(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','gender':true}", "structure",
                       "Patient.gender");
}

static void test_fhir_json_read__rejects_string_for_decimal(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Observation','status':'final','code':{'text':'w'},"
                          "'valueQuantity':{'value':'1.5'}}",
                       "structure", NULL);
}

static void test_fhir_json_read__rejects_object_for_primitive(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','gender':{'value':'male'},'active':true}");
    assert_non_null(p);
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", "Patient.gender");
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
}

static void test_fhir_json_read__rejects_string_for_complex_element(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','maritalStatus':'M'}", "structure",
                       "Patient.maritalStatus");
}

static void test_fhir_json_read__rejects_underscore_array_for_single_element(void **state)
{
    fx *f = *state;
    read_q(f, "{'resourceType':'Patient','birthDate':'1970-01-01','_birthDate':[{'id':'b1'}]}");
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
}

static void test_fhir_json_read__rejects_underscore_object_for_repeating_element(void **state)
{
    fx *f = *state;
    read_q(f, "{'resourceType':'Patient','name':[{'given':['Jan'],'_given':{'id':'g1'}}]}");
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
}

static void test_fhir_json_read__rejects_narrative_script(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','text':{'status':'generated','div':"
                          "'<div xmlns=\\'http://www.w3.org/1999/xhtml\\'>x<script>alert(1)</script></div>'}}",
                       "value", "Patient.text.div");
}

static void test_fhir_json_read__rejects_narrative_outside_xhtml_namespace(void **state)
{
    fx *f = *state;
    expect_one_error_q(f, "{'resourceType':'Patient','text':{'status':'generated','div':'<div>x</div>'}}",
                       "value", "Patient.text.div");
}

static void test_fhir_json_read__accepts_narrative(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','text':{'status':'generated','div':"
                             "'<div xmlns=\\'http://www.w3.org/1999/xhtml\\'><p>x &amp; y</p></div>'}}");
    expect_no_issues(&f->o);
    fhir_node *div = fhir_node_child(fhir_node_child(p, "text"), "div");
    assert_non_null(div);
    assert_string_equal(div->value, "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x &amp; y</p></div>");
}

static void test_fhir_json_read__reports_unknown_contained_resource_type(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, "{'resourceType':'Patient','contained':[{'resourceType':'Nope','id':'x'}],"
                             "'active':true}");
    assert_non_null(p);
    expect_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL);
    assert_string_equal(fhir_node_child_value(p, "active"), "true");
}

static void test_fhir_json_read__reports_line_and_column_of_property(void **state)
{
    fx *f = *state;
    read_q(f, "{\n"
              "  'resourceType': 'Patient',\n"
              "  'gender': 'male',\n"
              "    'foo': 1,\n"
              "  'gender': 'female'\n"
              "}");
    const fhir_issue *unknown = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", "Patient.foo");
    assert_int_equal(unknown->line, 4);
    assert_int_equal(unknown->col, 5);
    const fhir_issue *dup = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", "Patient.gender");
    assert_int_equal(dup->line, 5);
    assert_int_equal(dup->col, 3);
}

static void test_fhir_json_read__reports_line_of_wrong_type(void **state)
{
    fx *f = *state;
    read_q(f, "{\n"
              "  'resourceType': 'Patient',\n"
              "  'active': 'yes'\n"
              "}");
    const fhir_issue *i = expect_issue(&f->o, FHIR_SEV_ERROR, "structure", "Patient.active");
    assert_int_equal(i->line, 3);
    assert_true(i->col >= 3 && i->col <= 13);
}

static void test_fhir_json_read__reports_line_of_syntax_error(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "{\n'resourceType': 'Patient',\n\n  'active' true\n}", "structure");
    const fhir_issue *i = find_issue(&f->o, FHIR_SEV_FATAL, "structure", NULL);
    assert_int_equal(i->line, 4);
    assert_int_equal(i->col, 12);
}

/* ---- fatal: no tree --------------------------------------------------------- */

static void test_fhir_json_read__rejects_unknown_resource_type(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "{'resourceType':'Patientx','active':true}", "structure");
}

static void test_fhir_json_read__rejects_abstract_resource_type(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "{'resourceType':'DomainResource'}", "structure");
}

static void test_fhir_json_read__rejects_missing_resource_type(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "{'id':'p1','active':true}", "structure");
}

static void test_fhir_json_read__rejects_empty_root_object(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "{}", "structure");
}

static void test_fhir_json_read__rejects_array_root(void **state)
{
    fx *f = *state;
    expect_fatal_q(f, "[]", "structure");
}

static void test_fhir_json_read__rejects_empty_input(void **state)
{
    fx *f = *state;
    expect_fatal(f, "", 0, "structure");
}

static void test_fhir_json_read__rejects_invalid_utf8(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "\xC3\x28",         /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xED\xA0\x80",     /* UTF-8 encoded surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xFF",
        "abc\xE2\x82",      /* truncated sequence at the end of the string */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        char doc[128];
        int n = snprintf(doc, sizeof doc, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"%s\"}]}",
                         bad[i]);
        expect_fatal(f, doc, (size_t)n, "structure");
    }
}

static void test_fhir_json_read__rejects_invalid_utf8_in_property_name(void **state)
{
    fx *f = *state;
    static const char doc[] = "{\"resourceType\":\"Patient\",\"\xC3\x28\":1}";
    expect_fatal(f, doc, sizeof doc - 1, "structure");
}

static void test_fhir_json_read__rejects_lone_surrogate(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "\\ud83d",       /* high surrogate at the end */
        "\\ud83dx",      /* high surrogate, then a letter */
        "\\ude00",       /* low surrogate alone */
        "\\ud83d\\u0041", /* high surrogate, then not a low one */
        "\\ud83d\\ud83d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        char doc[128];
        int n = snprintf(doc, sizeof doc, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"%s\"}]}",
                         bad[i]);
        expect_fatal(f, doc, (size_t)n, "structure");
    }
}

static void test_fhir_json_read__rejects_bad_escape(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {"\\x41", "\\u00g1", "\\u12", "\\'"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        char doc[128];
        int n = snprintf(doc, sizeof doc, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"%s\"}]}",
                         bad[i]);
        expect_fatal(f, doc, (size_t)n, "structure");
    }
}

static void test_fhir_json_read__rejects_control_character_in_string(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {"a\x01z", "a\nz", "a\tz", "\x1f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        char doc[128];
        int n = snprintf(doc, sizeof doc, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"%s\"}]}",
                         bad[i]);
        expect_fatal(f, doc, (size_t)n, "structure");
    }
}

static void test_fhir_json_read__rejects_nul_byte_in_string(void **state)
{
    fx *f = *state;
    static const char doc[] = "{\"resourceType\":\"Patient\",\"gender\":\"ma\0le\"}";
    expect_fatal(f, doc, sizeof doc - 1, "structure");
}

static void test_fhir_json_read__rejects_trailing_garbage(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "{'resourceType':'Patient'} x",
        "{'resourceType':'Patient'}{}",
        "{'resourceType':'Patient'},",
        "{'resourceType':'Patient'}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        expect_fatal_q(f, bad[i], "structure");
    }
}

static void test_fhir_json_read__rejects_syntax_errors(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "{'resourceType':'Patient',}",                /* trailing comma */
        "{'resourceType':'Patient' 'active':true}",   /* missing comma */
        "{'resourceType':'Patient','active':tru}",
        "{'resourceType':'Patient','active':True}",
        "{'resourceType':'Patient',active:true}",     /* unquoted name */
        "{'resourceType':'Patient','multipleBirthInteger':01}",
        "{'resourceType':'Patient','multipleBirthInteger':+1}",
        "{'resourceType':'Patient','multipleBirthInteger':1.}",
        "{'resourceType':'Patient','name':[{'family':'x'},]}",
        "{'resourceType':'Patient','foo':[1,,2]}",    /* inside a skipped value */
        "{'resourceType':'Patient','foo':{'a' 1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fhir_outcome_init(&f->o, f->a);
        expect_fatal_q(f, bad[i], "structure");
    }
}

/* A document using most of the syntax: every strict prefix must fail. */
static const char truncation_doc[] =
    "{'resourceType':'Patient','id':'p1',\n"
    " 'meta':{'lastUpdated':'2024-01-01T00:00:00Z'},\n"
    " 'contained':[{'resourceType':'Practitioner','id':'pr1','name':[{'family':'Arts'}]}],\n"
    " 'extension':[{'url':'http://example.org/w','valueDecimal':-1.50e-3}],\n"
    " 'active':true,\n"
    " 'name':[{'family':'Jans\\u00e9n \\'x\\' \\ud83d\\ude00','given':['Jan',null],\n"
    "   '_given':[null,{'extension':[{'url':'http://example.org/x','valueInteger':-12}]}]}],\n"
    " 'gender':'male','birthDate':'1970-01-01','_birthDate':{'id':'b1'},\n"
    " 'deceasedBoolean':false,'multipleBirthInteger':2,\n"
    " 'generalPractitioner':[{'reference':'#pr1'}]}";

static void test_fhir_json_read__truncation_document_is_valid(void **state)
{
    fx *f = *state;
    fhir_node *p = read_q(f, truncation_doc);
    expect_no_issues(&f->o);
    assert_non_null(p);
}

static void test_fhir_json_read__rejects_every_truncation(void **state)
{
    fx *f = *state;
    char *doc = json(f, truncation_doc);
    size_t len = strlen(doc);
    for (size_t cut = 0; cut < len; cut++) {
        /* an exact-size heap copy, so ASan sees any read past the end */
        char *buf = malloc(cut ? cut : 1);
        assert_non_null(buf);
        memcpy(buf, doc, cut);
        fhir_arena *a = fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, a);
        fhir_node *root = fhir_read_json(a, buf, cut, NULL, &o);
        int fatal = o.count[FHIR_SEV_FATAL] > 0;
        fhir_arena_free(a);
        free(buf);
        if (root || !fatal)
            fail_msg("prefix of %zu bytes: root=%p, fatal issues=%d", cut, (void *)root, fatal);
    }
}

/* Builds {"resourceType":"Patient","extension":[ N nested extensions ]}. */
static char *nested_extensions(size_t levels, size_t *len)
{
    static const char open[] = "{\"url\":\"http://e\",\"extension\":[";
    static const char head[] = "{\"resourceType\":\"Patient\",\"extension\":[";
    static const char leaf[] = "{\"url\":\"http://e\",\"valueString\":\"x\"}";
    size_t cap = sizeof head + levels * (sizeof open + 2) + sizeof leaf + 8;
    char *s = malloc(cap), *w = s;
    assert_non_null(s);
    w += sprintf(w, "%s", head);
    for (size_t i = 0; i < levels; i++)
        w += sprintf(w, "%s", open);
    w += sprintf(w, "%s", leaf);
    for (size_t i = 0; i < levels; i++)
        w += sprintf(w, "]}");
    w += sprintf(w, "]}");
    *len = (size_t)(w - s);
    return s;
}

static void test_fhir_json_read__refuses_deep_nesting(void **state)
{
    fx *f = *state;
    size_t len;
    char *doc = nested_extensions(10000, &len);
    fhir_node *root = fhir_read_json(f->a, doc, len, NULL, &f->o);
    free(doc);
    assert_null(root);
    expect_issue(&f->o, FHIR_SEV_FATAL, "too-costly", NULL);
}

static void test_fhir_json_read__refuses_deep_nesting_in_unknown_property(void **state)
{
    fx *f = *state;
    size_t n = 10000, len = 0;
    char *doc = malloc(64 + 2 * n);
    assert_non_null(doc);
    len += (size_t)sprintf(doc, "{\"resourceType\":\"Patient\",\"foo\":");
    for (size_t i = 0; i < n; i++)
        doc[len++] = '[';
    for (size_t i = 0; i < n; i++)
        doc[len++] = ']';
    doc[len++] = '}';
    fhir_node *root = fhir_read_json(f->a, doc, len, NULL, &f->o);
    free(doc);
    assert_null(root);
    expect_issue(&f->o, FHIR_SEV_FATAL, "too-costly", NULL);
}

static void test_fhir_json_read__refuses_deep_nesting_before_resource_type(void **state)
{
    fx *f = *state;
    size_t n = 10000, len = 0;
    char *doc = malloc(64 + 2 * n);
    assert_non_null(doc);
    doc[len++] = '{';
    len += (size_t)sprintf(doc + len, "\"foo\":");
    for (size_t i = 0; i < n; i++)
        doc[len++] = '[';
    for (size_t i = 0; i < n; i++)
        doc[len++] = ']';
    len += (size_t)sprintf(doc + len, ",\"resourceType\":\"Patient\"}");
    fhir_node *root = fhir_read_json(f->a, doc, len, NULL, &f->o);
    free(doc);
    assert_null(root);
    expect_issue(&f->o, FHIR_SEV_FATAL, "too-costly", NULL);
}

static void test_fhir_json_read__refuses_input_over_max_bytes(void **state)
{
    fx *f = *state;
    char *s = json(f, "{'resourceType':'Patient','active':true}");
    fhir_limits lim = {.max_bytes = strlen(s) - 1, .max_depth = 100};
    assert_null(fhir_read_json(f->a, s, strlen(s), &lim, &f->o));
    expect_issue(&f->o, FHIR_SEV_FATAL, "too-costly", NULL);
}


/* ---- out of memory ------------------------------------------------------------ */

/* Reads `quoted` (as JSON, see json()) with the document arena failing at
 * allocation n = 1, 2, ...: see expect_read_survives_failing_allocations. */
static void read_failing_at_every_allocation(const char *quoted)
{
    fhir_arena *scratch = fhir_arena_new(0);
    assert_non_null(scratch);
    char *doc = dequote_json(scratch, quoted);
    expect_read_survives_failing_allocations(fhir_read_json, doc, strlen(doc));
    fhir_arena_free(scratch);
}

static void test_fhir_json_read__survives_allocation_failure_in_valid_document(void **state)
{
    (void)state;
    read_failing_at_every_allocation(truncation_doc);
}

static void test_fhir_json_read__survives_allocation_failure_in_document_with_errors(void **state)
{
    (void)state;
    read_failing_at_every_allocation(
        "{'resourceType':'Patient','foo':1,'gender':'male','gender':'female',"
        "'name':[{'given':['a',null],'family':''},{}],'active':'yes','_name':[1],"
        "'contained':[{'resourceType':'Nope'}],'maritalStatus':'M'}");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fhir_json_read__reads_patient_with_name_and_given),
        T(test_fhir_json_read__keeps_decimal_as_written),
        T(test_fhir_json_read__merges_primitive_extension_onto_value),
        T(test_fhir_json_read__reads_extension_without_value),
        T(test_fhir_json_read__aligns_null_placeholders_with_extensions),
        T(test_fhir_json_read__accepts_underscore_array_before_values),
        T(test_fhir_json_read__decodes_unicode_escape),
        T(test_fhir_json_read__decodes_surrogate_pair),
        T(test_fhir_json_read__decodes_simple_escapes),
        T(test_fhir_json_read__accepts_byte_order_mark),
        T(test_fhir_json_read__finds_resource_type_after_other_properties),
        T(test_fhir_json_read__orders_children_by_definition),
        T(test_fhir_json_read__types_contained_resource),
        T(test_fhir_json_read__types_bundle_entry_resource),
        T(test_fhir_json_read__accepts_nesting_within_limit),
        T(test_fhir_json_read__accepts_input_at_max_bytes),
        T(test_fhir_json_read__rejects_null_without_extension_partner),
        T(test_fhir_json_read__rejects_underscore_array_of_other_length),
        T(test_fhir_json_read__rejects_duplicate_property),
        T(test_fhir_json_read__rejects_duplicate_underscore_property),
        T(test_fhir_json_read__rejects_duplicate_resource_type),
        T(test_fhir_json_read__rejects_null_for_single_property),
        T(test_fhir_json_read__rejects_null_for_complex_array_item),
        T(test_fhir_json_read__rejects_empty_object),
        T(test_fhir_json_read__rejects_empty_array),
        T(test_fhir_json_read__rejects_empty_string),
        T(test_fhir_json_read__rejects_unknown_property),
        T(test_fhir_json_read__rejects_unknown_nested_property),
        T(test_fhir_json_read__rejects_underscore_for_complex_element),
        T(test_fhir_json_read__rejects_array_for_single_element),
        T(test_fhir_json_read__rejects_non_array_for_repeating_element),
        T(test_fhir_json_read__rejects_string_for_boolean),
        T(test_fhir_json_read__rejects_number_for_string),
        T(test_fhir_json_read__rejects_boolean_for_code),
        T(test_fhir_json_read__rejects_string_for_decimal),
        T(test_fhir_json_read__rejects_object_for_primitive),
        T(test_fhir_json_read__rejects_string_for_complex_element),
        T(test_fhir_json_read__rejects_underscore_array_for_single_element),
        T(test_fhir_json_read__rejects_underscore_object_for_repeating_element),
        T(test_fhir_json_read__rejects_narrative_script),
        T(test_fhir_json_read__rejects_narrative_outside_xhtml_namespace),
        T(test_fhir_json_read__accepts_narrative),
        T(test_fhir_json_read__reports_unknown_contained_resource_type),
        T(test_fhir_json_read__reports_line_and_column_of_property),
        T(test_fhir_json_read__reports_line_of_wrong_type),
        T(test_fhir_json_read__reports_line_of_syntax_error),
        T(test_fhir_json_read__rejects_unknown_resource_type),
        T(test_fhir_json_read__rejects_abstract_resource_type),
        T(test_fhir_json_read__rejects_missing_resource_type),
        T(test_fhir_json_read__rejects_empty_root_object),
        T(test_fhir_json_read__rejects_array_root),
        T(test_fhir_json_read__rejects_empty_input),
        T(test_fhir_json_read__rejects_invalid_utf8),
        T(test_fhir_json_read__rejects_invalid_utf8_in_property_name),
        T(test_fhir_json_read__rejects_lone_surrogate),
        T(test_fhir_json_read__rejects_bad_escape),
        T(test_fhir_json_read__rejects_control_character_in_string),
        T(test_fhir_json_read__rejects_nul_byte_in_string),
        T(test_fhir_json_read__rejects_trailing_garbage),
        T(test_fhir_json_read__rejects_syntax_errors),
        T(test_fhir_json_read__truncation_document_is_valid),
        T(test_fhir_json_read__rejects_every_truncation),
        T(test_fhir_json_read__refuses_deep_nesting),
        T(test_fhir_json_read__refuses_deep_nesting_in_unknown_property),
        T(test_fhir_json_read__refuses_deep_nesting_before_resource_type),
        T(test_fhir_json_read__refuses_input_over_max_bytes),
        T(test_fhir_json_read__survives_allocation_failure_in_valid_document),
        /* last: it crashes the program while the bug it shows is there */
        T(test_fhir_json_read__survives_allocation_failure_in_document_with_errors),
    };
    return cmocka_run_group_tests_name("fhir_json_read", tests, NULL, NULL);
}
