/*
 * test_fhir_validate.c — unit tests for formats/fhir_validate.c and the
 * OperationOutcome built by formats/fhir_outcome.c.
 *
 * Each test reads a small document (JSON with single quotes, which json()
 * turns into double quotes, or XML where JSON cannot say it: two <gender>,
 * an empty <gender/>), validates it and looks for one issue: its severity,
 * its code, the rule id its message starts with ("dom-3: ...") and its
 * FHIRPath expression. The last tests make allocation N fail for every N
 * while reading and validating.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir_model_gen.h"
#include "test_support.h"

#define NS "xmlns='http://hl7.org/fhir'"
#define DIV "<div xmlns=\\'http://www.w3.org/1999/xhtml\\'>x</div>"
#define TEXT "'text':{'status':'generated','div':'" DIV "'}"

/* ---- fixtures and helpers ------------------------------------------------ */

/* fx (with f->errors, what fhir_validate returned), fx_setup/fx_teardown,
 * the issue checks (expect_rule_issue: the message starts with the rule id)
 * and json() come from test_support.h. */

static void expect_no_errors(const fx *f)
{
    if (fhir_outcome_has_errors(&f->o) || f->errors != 0) {
        dump_issues(&f->o);
        fail_msg("expected no errors, validate returned %u", f->errors);
    }
}

/* Validates a tree the reader gave without any issue; checks that the
 * count returned is the number of errors added. */
static fhir_node *validate(fx *f, fhir_node *root)
{
    if (!root || f->o.first) {
        dump_issues(&f->o);
        fail_msg("the document must read without issues");
    }
    unsigned before = f->o.count[FHIR_SEV_ERROR] + f->o.count[FHIR_SEV_FATAL];
    f->errors = fhir_validate(root, &f->o);
    assert_int_equal(f->errors, f->o.count[FHIR_SEV_ERROR] + f->o.count[FHIR_SEV_FATAL] - before);
    return root;
}

static fhir_node *check_json(fx *f, const char *quoted)
{
    return validate(f, read_q(f, quoted));
}

static fhir_node *check_xml(fx *f, const char *s)
{
    return validate(f, fhir_read_xml(f->a, s, strlen(s), NULL, &f->o));
}

/* ---- cardinality ----------------------------------------------------------- */

static void test_fhir_validate__reports_missing_required_element(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle','id':'b1'}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "required", NULL, "Bundle");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_missing_required_element_of_empty_resource(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle'}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "required", NULL, "Bundle");
}

static void test_fhir_validate__reports_missing_required_element_in_datatype(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'extension':[{'valueString':'x'}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "required", NULL, "Patient.extension[0]");
}

static void test_fhir_validate__reports_too_many_of_single_element(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><gender value='male'/><gender value='female'/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL, "Patient.gender");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_two_values_of_one_choice(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><deceasedBoolean value='true'/>"
                 "<deceasedDateTime value='2020-01-01'/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "structure", NULL, NULL);
}

static void test_fhir_validate__accepts_repeats_of_repeating_element(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><name><given value='a'/><given value='b'/><given value='c'/>"
                 "</name><name><family value='x'/></name></Patient>");
    expect_no_errors(f);
}

/* ---- primitive values and bindings ---------------------------------------- */

static void test_fhir_validate__reports_bad_date(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient','birthDate':'1970-13-01'}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "value", NULL, "Patient.birthDate");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_bad_date_read_from_xml(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><birthDate value='2023-02-29'/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "value", NULL, "Patient.birthDate");
}

static void test_fhir_validate__reports_bad_boolean_read_from_xml(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><active value='yes'/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "value", NULL, "Patient.active");
}

static void test_fhir_validate__reports_code_outside_required_binding(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient','gender':'mal'}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "code-invalid", NULL, "Patient.gender");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__accepts_code_in_required_binding(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient','gender':'unknown'}");
    expect_no_errors(f);
}

#define CONDITION(coding)                                                                    \
    "{'resourceType':'Condition'," TEXT ",'clinicalStatus':{'coding':[" coding "]},"         \
    "'code':{'text':'x'},'subject':{'reference':'Patient/1'}}"

static void test_fhir_validate__reports_coding_with_bound_system_and_unknown_code(void **state)
{
    fx *f = *state;
    check_json(f, CONDITION("{'system':'http://terminology.hl7.org/CodeSystem/condition-clinical',"
                            "'code':'bogus'}"));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "code-invalid", NULL,
                 "Condition.clinicalStatus.coding[0].code");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__accepts_coding_with_bound_system_and_known_code(void **state)
{
    fx *f = *state;
    check_json(f, CONDITION("{'system':'http://terminology.hl7.org/CodeSystem/condition-clinical',"
                            "'code':'active'}"));
    expect_no_errors(f);
}

static void test_fhir_validate__ignores_coding_with_other_system(void **state)
{
    fx *f = *state;
    check_json(f, CONDITION("{'system':'http://snomed.info/sct','code':'bogus'},"
                            "{'code':'bogus'}"));
    expect_no_issue(&f->o, FHIR_SEV_ERROR, "code-invalid", NULL);
}

static void test_fhir_validate__checks_second_coding_with_bound_system(void **state)
{
    fx *f = *state;
    check_json(f, CONDITION("{'system':'http://snomed.info/sct','code':'55561003'},"
                            "{'system':'http://terminology.hl7.org/CodeSystem/condition-clinical',"
                            "'code':'bogus'}"));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "code-invalid", NULL,
                 "Condition.clinicalStatus.coding[1].code");
}

/* ---- element invariants ------------------------------------------------------ */

static void test_fhir_validate__reports_empty_primitive_ele_1(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><gender/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ele-1", "Patient.gender");
}

static void test_fhir_validate__reports_empty_complex_element_ele_1(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS "><maritalStatus/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ele-1", "Patient.maritalStatus");
}

static void test_fhir_validate__reports_element_with_only_id_ele_1(void **state)
{
    fx *f = *state;
    /* ele-1: hasValue() or (children().count() > id.count()) */
    check_xml(f, "<Patient " NS "><gender id='g1'/></Patient>");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ele-1", "Patient.gender");
}

static void test_fhir_validate__reports_extension_with_value_and_extensions_ext_1(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'extension':[{'extension':[{'url':'a',"
                  "'valueString':'x'}],'url':'http://example.org/e','valueString':'y'}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ext-1", "Patient.extension[0]");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_extension_with_neither_value_nor_extensions_ext_1(void **state)
{
    fx *f = *state;
    /* ext-1: extension.exists() != value.exists() -- false for neither */
    check_json(f, "{'resourceType':'Patient'," TEXT ",'extension':[{'url':'http://example.org/e'}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ext-1", "Patient.extension[0]");
}

static void test_fhir_validate__accepts_nested_extensions(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'extension':[{'extension':[{'url':'a',"
                  "'valueString':'x'},{'url':'b','valueInteger':1}],'url':'http://example.org/e'}]}");
    expect_no_errors(f);
}

static void test_fhir_validate__reports_unresolved_local_reference_ref_1(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'generalPractitioner':[{'reference':'#missing'}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "ref-1",
                 "Patient.generalPractitioner[0].reference");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__accepts_resolved_local_reference(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'contained':[{'resourceType':'Practitioner',"
                  "'id':'pr1'}],'generalPractitioner':[{'reference':'#pr1'}]}");
    expect_no_errors(f);
}

static void test_fhir_validate__resolves_local_reference_from_contained_resource(void **state)
{
    fx *f = *state;
    /* a reference inside contained[1] to contained[0] resolves against the container */
    check_json(f, "{'resourceType':'Patient'," TEXT ",'contained':["
                  "{'resourceType':'Organization','id':'o1'},"
                  "{'resourceType':'Practitioner','id':'pr1','qualification':[{'code':{'text':'x'},"
                  "'issuer':{'reference':'#o1'}}]}],"
                  "'generalPractitioner':[{'reference':'#pr1'}]}");
    expect_no_errors(f);
}

/* ---- contained resources (dom-*) ------------------------------------------------ */

#define CONTAINING(contained)                                                                \
    "{'resourceType':'Patient'," TEXT ",'contained':[" contained "],"                        \
    "'generalPractitioner':[{'reference':'#pr1'}]}"

static void test_fhir_validate__reports_contained_with_contained_dom_2(void **state)
{
    fx *f = *state;
    check_json(f, CONTAINING("{'resourceType':'Practitioner','id':'pr1','contained':"
                             "[{'resourceType':'Organization','id':'o1'}]}"));
    const fhir_issue *i = expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "dom-2", NULL);
    assert_non_null(i->expression);
    assert_true(strncmp(i->expression, "Patient.contained[0]", 20) == 0);
}

static void test_fhir_validate__reports_unreferenced_contained_dom_3(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient'," TEXT ",'contained':[{'resourceType':'Practitioner',"
                  "'id':'pr1'}]}");
    const fhir_issue *i = expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "dom-3", NULL);
    assert_non_null(i->expression);
    assert_true(strncmp(i->expression, "Patient.contained[0]", 20) == 0);
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_contained_with_version_id_dom_4(void **state)
{
    fx *f = *state;
    check_json(f, CONTAINING("{'resourceType':'Practitioner','id':'pr1','meta':{'versionId':'2'}}"));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "dom-4", NULL);
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_contained_with_last_updated_dom_4(void **state)
{
    fx *f = *state;
    check_json(f, CONTAINING("{'resourceType':'Practitioner','id':'pr1',"
                             "'meta':{'lastUpdated':'2024-01-01T00:00:00Z'}}"));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "dom-4", NULL);
}

static void test_fhir_validate__reports_contained_with_security_label_dom_5(void **state)
{
    fx *f = *state;
    check_json(f, CONTAINING("{'resourceType':'Practitioner','id':'pr1','meta':{'security':"
                             "[{'system':'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',"
                             "'code':'R'}]}}"));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "dom-5", NULL);
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__warns_about_missing_narrative_dom_6(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient','active':true}");
    expect_rule_issue(&f->o, FHIR_SEV_WARNING, "invariant", "dom-6", "Patient");
    assert_int_equal(f->errors, 0); /* a warning is not an error */
    assert_false(fhir_outcome_has_errors(&f->o));
}

static void test_fhir_validate__does_not_ask_narrative_of_contained_resource(void **state)
{
    fx *f = *state;
    check_json(f, CONTAINING("{'resourceType':'Practitioner','id':'pr1'}"));
    expect_no_issue(&f->o, FHIR_SEV_WARNING, "invariant", "dom-6");
    expect_no_errors(f);
}

/* ---- Bundle (bdl-*) ------------------------------------------------------------------ */

#define UUID(n) "urn:uuid:" n n n n n n n n "-" n n n n "-4" n n n "-8" n n n "-" n n n n n n n n n n n n

#define COMPOSITION                                                                          \
    "{'resourceType':'Composition'," TEXT ",'status':'final',"                               \
    "'type':{'coding':[{'system':'http://loinc.org','code':'34133-9'}]},"                    \
    "'subject':{'reference':'" UUID("2") "'},'date':'2024-03-01T10:00:00+01:00',"            \
    "'author':[{'reference':'" UUID("3") "'}],'title':'Overdracht',"                         \
    "'section':[{'title':'Medicatie'," TEXT ",'entry':[{'reference':'" UUID("2") "'}]}]}"

#define PATIENT_RES                                                                          \
    "{'resourceType':'Patient'," TEXT ",'identifier':[{'system':'http://fhir.nl/fhir/NamingSystem/bsn'," \
    "'value':'999999990'}],'name':[{'family':'Jansen','given':['Jan']}],'gender':'male',"   \
    "'birthDate':'1940-05-06'}"

#define PRACTITIONER_RES                                                                     \
    "{'resourceType':'Practitioner'," TEXT ",'name':[{'family':'Arts'}]}"

#define DOCUMENT(head, entries)                                                              \
    "{'resourceType':'Bundle'" head ",'type':'document',"                                    \
    "'entry':[" entries "]}"

#define ENTRY(n, res) "{'fullUrl':'" UUID(n) "','resource':" res "}"

#define DOC_HEAD                                                                             \
    ",'identifier':{'system':'urn:ietf:rfc:3986','value':'" UUID("9") "'},"                  \
    "'timestamp':'2024-03-01T10:00:00+01:00'"

#define VALID_DOCUMENT                                                                       \
    DOCUMENT(DOC_HEAD, ENTRY("1", COMPOSITION) "," ENTRY("2", PATIENT_RES) ","             \
                       ENTRY("3", PRACTITIONER_RES))

static void test_fhir_validate__accepts_valid_document_bundle(void **state)
{
    fx *f = *state;
    fhir_node *b = check_json(f, VALID_DOCUMENT);
    assert_int_equal(b->type, FHIR_T_Bundle);
    expect_no_errors(f);
}

static void test_fhir_validate__reports_document_without_identifier_bdl_9(void **state)
{
    fx *f = *state;
    check_json(f, DOCUMENT(",'timestamp':'2024-03-01T10:00:00+01:00'",
                           ENTRY("1", COMPOSITION) "," ENTRY("2", PATIENT_RES) ","
                           ENTRY("3", PRACTITIONER_RES)));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-9", "Bundle");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_document_identifier_without_system_bdl_9(void **state)
{
    fx *f = *state;
    check_json(f, DOCUMENT(",'identifier':{'value':'x'},'timestamp':'2024-03-01T10:00:00+01:00'",
                           ENTRY("1", COMPOSITION) "," ENTRY("2", PATIENT_RES) ","
                           ENTRY("3", PRACTITIONER_RES)));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-9", "Bundle");
}

static void test_fhir_validate__reports_document_without_timestamp_bdl_10(void **state)
{
    fx *f = *state;
    check_json(f, DOCUMENT(",'identifier':{'system':'urn:ietf:rfc:3986','value':'" UUID("9") "'}",
                           ENTRY("1", COMPOSITION) "," ENTRY("2", PATIENT_RES) ","
                           ENTRY("3", PRACTITIONER_RES)));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-10", "Bundle");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_document_not_starting_with_composition_bdl_11(void **state)
{
    fx *f = *state;
    check_json(f, DOCUMENT(DOC_HEAD, ENTRY("2", PATIENT_RES) "," ENTRY("1", COMPOSITION) ","
                                     ENTRY("3", PRACTITIONER_RES)));
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-11", "Bundle");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_empty_document_bdl_11(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle'" DOC_HEAD ",'type':'document'}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-11", "Bundle");
}

static void test_fhir_validate__reports_duplicate_full_url_bdl_7(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle','type':'collection','entry':["
                  ENTRY("1", PRACTITIONER_RES) "," ENTRY("1", PATIENT_RES) "]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-7", "Bundle.entry[1]");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__accepts_same_full_url_with_other_version_id(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle','type':'collection','entry':["
                  "{'fullUrl':'http://example.org/fhir/Patient/1','resource':{'resourceType':'Patient',"
                  TEXT ",'meta':{'versionId':'1'}}},"
                  "{'fullUrl':'http://example.org/fhir/Patient/1','resource':{'resourceType':'Patient',"
                  TEXT ",'meta':{'versionId':'2'}}}]}");
    expect_no_errors(f);
}

static void test_fhir_validate__reports_transaction_entry_without_request_bdl_3(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle','type':'transaction','entry':["
                  ENTRY("2", PATIENT_RES) ","
                  "{'fullUrl':'" UUID("3") "','resource':" PRACTITIONER_RES ","
                  "'request':{'method':'POST','url':'Practitioner'}}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-3", "Bundle.entry[0]");
    assert_int_equal(f->errors, 1);
}

static void test_fhir_validate__reports_request_outside_batch_or_transaction_bdl_3(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Bundle','type':'collection','entry':["
                  "{'fullUrl':'" UUID("3") "','resource':" PRACTITIONER_RES ","
                  "'request':{'method':'POST','url':'Practitioner'}}]}");
    expect_rule_issue(&f->o, FHIR_SEV_ERROR, "invariant", "bdl-3", "Bundle.entry[0]");
}

/* ---- OperationOutcome --------------------------------------------------------------- */

static void test_fhir_outcome_to_resource__lists_the_issues(void **state)
{
    fx *f = *state;
    check_json(f, "{'resourceType':'Patient','gender':'mal'}");
    fhir_node *oo = fhir_outcome_to_resource(&f->o, f->a);
    assert_non_null(oo);
    assert_int_equal(oo->type, FHIR_T_OperationOutcome);
    assert_int_equal(fhir_write_json(oo, &f->out, 0), 0);
    const char *s = f->out.data;
    assert_true(strncmp(s, "{\"resourceType\":\"OperationOutcome\"", 34) == 0);
    assert_non_null(strstr(s, "\"severity\":\"error\""));
    assert_non_null(strstr(s, "\"code\":\"code-invalid\""));
    assert_non_null(strstr(s, "\"expression\":[\"Patient.gender\"]"));
    assert_non_null(strstr(s, "\"severity\":\"warning\"")); /* dom-6 */
}

static void test_fhir_outcome_to_resource__says_all_is_well_without_issues(void **state)
{
    fx *f = *state;
    fhir_node *oo = fhir_outcome_to_resource(&f->o, f->a);
    assert_non_null(oo);
    assert_int_equal(fhir_write_json(oo, &f->out, 0), 0);
    assert_non_null(strstr(f->out.data, "\"severity\":\"information\""));
    assert_non_null(strstr(f->out.data, "\"code\":\"informational\""));
    assert_null(strstr(f->out.data, "\"error\""));
}

static void test_fhir_outcome_to_resource__is_itself_valid(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS ">\n  <gender value='mal'/>\n  <birthDate value='1970-13-01'/>\n"
                 "</Patient>");
    fhir_node *oo = fhir_outcome_to_resource(&f->o, f->a);
    assert_non_null(oo);
    fhir_arena *a2 = fhir_arena_new(0);
    fhir_outcome o2;
    fhir_outcome_init(&o2, a2);
    unsigned errors = fhir_validate(oo, &o2);
    if (errors)
        dump_issues(&o2);
    fhir_arena_free(a2);
    assert_int_equal(errors, 0);
}

static void test_fhir_outcome_to_resource__carries_line_and_column(void **state)
{
    fx *f = *state;
    check_xml(f, "<Patient " NS ">\n  <gender value='mal'/>\n</Patient>");
    fhir_node *oo = fhir_outcome_to_resource(&f->o, f->a);
    assert_non_null(oo);
    assert_int_equal(fhir_write_json(oo, &f->out, 0), 0);
    assert_non_null(strstr(f->out.data, "operationoutcome-issue-line\",\"valueInteger\":2}"));
}

static void test_fhir_outcome_to_resource__notes_dropped_issues(void **state)
{
    fx *f = *state;
    f->o.max_issues = 2;
    for (int i = 0; i < 5; i++)
        fhir_outcome_add(&f->o, FHIR_SEV_ERROR, "value", "Patient.gender", 0, 0, "issue %d", i);
    assert_int_equal(f->o.count[FHIR_SEV_ERROR], 5);
    assert_int_equal(f->o.dropped, 3);
    fhir_node *oo = fhir_outcome_to_resource(&f->o, f->a);
    assert_non_null(oo);
    int issues = 0;
    for (fhir_node *i = fhir_node_child(oo, "issue"); i; i = fhir_node_next_same(i))
        issues++;
    assert_int_equal(issues, 3);
    assert_int_equal(fhir_write_json(oo, &f->out, 0), 0);
    assert_non_null(strstr(f->out.data, "\"code\":\"too-costly\""));
}

/* ---- out of memory ------------------------------------------------------------------- */

#define MID_SIZE_WITH_ISSUES                                                                 \
    DOCUMENT(DOC_HEAD, ENTRY("1", COMPOSITION) "," ENTRY("2", PATIENT_RES) ","             \
                       ENTRY("3", PRACTITIONER_RES) ","                                      \
                       ENTRY("3", "{'resourceType':'Patient','gender':'mal','birthDate':'1970-13-01'," \
                                  "'contained':[{'resourceType':'Organization','id':'o1'}]," \
                                  "'extension':[{'url':'http://e'}],"                        \
                                  "'generalPractitioner':[{'reference':'#nope'}]}"))

/* Baseline: the issues counts of an undisturbed run. */
static void baseline(const char *doc, size_t len, int xml, unsigned counts[4])
{
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = xml ? fhir_read_xml(a, doc, len, NULL, &o) : fhir_read_json(a, doc, len, NULL, &o);
    assert_non_null(root);
    fhir_validate(root, &o);
    memcpy(counts, o.count, sizeof o.count);
    fhir_arena_free(a);
}

/* Reads and validates `doc` with allocation n failing, for n = 1, 2, ...
 * until a run gets through. `shared`: issues live in the document's arena
 * (as in a request); else in an arena of their own. A run that hit the
 * failure must have returned NULL from the reader with a fatal issue
 * (too-costly, when it could be recorded) or, past reading, leave the
 * arena failed so that fhir_outcome_to_resource refuses; a run that did not
 * must give the baseline's issues. */
static void read_and_validate_failing_at_every_allocation(const char *doc, int xml, int shared)
{
    size_t len = strlen(doc);
    unsigned want[4];
    baseline(doc, len, xml, want);
    for (unsigned long n = 1;; n++) {
        fhir_arena *a = fhir_arena_new(0), *oa = shared ? a : fhir_arena_new(0);
        fhir_outcome o;
        fhir_outcome_init(&o, oa);
        fhir_arena_fail_after(a, n);
        fhir_node *root = xml ? fhir_read_xml(a, doc, len, NULL, &o)
                              : fhir_read_json(a, doc, len, NULL, &o);
        int read_failed = fhir_arena_failed(a);
        if (root)
            fhir_validate(root, &o);
        int failed = fhir_arena_failed(a);
        int too_costly = 0;
        for (const fhir_issue *i = o.first; i; i = i->next)
            too_costly |= i->severity == FHIR_SEV_FATAL && strcmp(i->code, "too-costly") == 0;
        fhir_node *oo = fhir_outcome_to_resource(&o, a);
        char why[160] = "";
        if (read_failed && root)
            snprintf(why, sizeof why, "the reader returned a tree from a failed arena");
        else if (read_failed && o.count[FHIR_SEV_FATAL] == 0)
            snprintf(why, sizeof why, "the reader failed without a fatal issue");
        else if (read_failed && !shared && !too_costly)
            snprintf(why, sizeof why, "no fatal too-costly issue");
        else if (failed && oo)
            snprintf(why, sizeof why, "an OperationOutcome from a failed arena");
        else if (!failed && (!root || memcmp(o.count, want, sizeof want) != 0))
            snprintf(why, sizeof why, "a run without failure differs from the baseline");
        if (!shared)
            fhir_arena_free(oa);
        fhir_arena_free(a);
        if (why[0])
            fail_msg("allocation %lu failed: %s", n, why);
        if (!failed) {
            assert_true(n > 10);
            return;
        }
        assert_true(n < 1000000);
    }
}

static void test_fhir_validate__survives_allocation_failure_reading_json(void **state)
{
    fx *f = *state;
    read_and_validate_failing_at_every_allocation(json(f, VALID_DOCUMENT), 0, 0);
}

static void test_fhir_validate__survives_allocation_failure_with_shared_arena(void **state)
{
    fx *f = *state;
    read_and_validate_failing_at_every_allocation(json(f, MID_SIZE_WITH_ISSUES), 0, 1);
}

static void test_fhir_validate__survives_allocation_failure_reading_xml(void **state)
{
    fx *f = *state;
    /* the same document as XML, written by the library */
    char *s = json(f, MID_SIZE_WITH_ISSUES);
    fhir_node *root = fhir_read_json(f->a, s, strlen(s), NULL, &f->o);
    assert_non_null(root);
    assert_int_equal(fhir_write_xml(root, &f->out, 0), 0);
    read_and_validate_failing_at_every_allocation(f->out.data, 1, 0);
    read_and_validate_failing_at_every_allocation(f->out.data, 1, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fhir_validate__reports_missing_required_element),
        T(test_fhir_validate__reports_missing_required_element_of_empty_resource),
        T(test_fhir_validate__reports_missing_required_element_in_datatype),
        T(test_fhir_validate__reports_too_many_of_single_element),
        T(test_fhir_validate__reports_two_values_of_one_choice),
        T(test_fhir_validate__accepts_repeats_of_repeating_element),
        T(test_fhir_validate__reports_bad_date),
        T(test_fhir_validate__reports_bad_date_read_from_xml),
        T(test_fhir_validate__reports_bad_boolean_read_from_xml),
        T(test_fhir_validate__reports_code_outside_required_binding),
        T(test_fhir_validate__accepts_code_in_required_binding),
        T(test_fhir_validate__reports_coding_with_bound_system_and_unknown_code),
        T(test_fhir_validate__accepts_coding_with_bound_system_and_known_code),
        T(test_fhir_validate__ignores_coding_with_other_system),
        T(test_fhir_validate__checks_second_coding_with_bound_system),
        T(test_fhir_validate__reports_empty_primitive_ele_1),
        T(test_fhir_validate__reports_empty_complex_element_ele_1),
        T(test_fhir_validate__reports_element_with_only_id_ele_1),
        T(test_fhir_validate__reports_extension_with_value_and_extensions_ext_1),
        T(test_fhir_validate__reports_extension_with_neither_value_nor_extensions_ext_1),
        T(test_fhir_validate__accepts_nested_extensions),
        T(test_fhir_validate__reports_unresolved_local_reference_ref_1),
        T(test_fhir_validate__accepts_resolved_local_reference),
        T(test_fhir_validate__resolves_local_reference_from_contained_resource),
        T(test_fhir_validate__reports_contained_with_contained_dom_2),
        T(test_fhir_validate__reports_unreferenced_contained_dom_3),
        T(test_fhir_validate__reports_contained_with_version_id_dom_4),
        T(test_fhir_validate__reports_contained_with_last_updated_dom_4),
        T(test_fhir_validate__reports_contained_with_security_label_dom_5),
        T(test_fhir_validate__warns_about_missing_narrative_dom_6),
        T(test_fhir_validate__does_not_ask_narrative_of_contained_resource),
        T(test_fhir_validate__accepts_valid_document_bundle),
        T(test_fhir_validate__reports_document_without_identifier_bdl_9),
        T(test_fhir_validate__reports_document_identifier_without_system_bdl_9),
        T(test_fhir_validate__reports_document_without_timestamp_bdl_10),
        T(test_fhir_validate__reports_document_not_starting_with_composition_bdl_11),
        T(test_fhir_validate__reports_empty_document_bdl_11),
        T(test_fhir_validate__reports_duplicate_full_url_bdl_7),
        T(test_fhir_validate__accepts_same_full_url_with_other_version_id),
        T(test_fhir_validate__reports_transaction_entry_without_request_bdl_3),
        T(test_fhir_validate__reports_request_outside_batch_or_transaction_bdl_3),
        T(test_fhir_outcome_to_resource__lists_the_issues),
        T(test_fhir_outcome_to_resource__says_all_is_well_without_issues),
        T(test_fhir_outcome_to_resource__is_itself_valid),
        T(test_fhir_outcome_to_resource__carries_line_and_column),
        T(test_fhir_outcome_to_resource__notes_dropped_issues),
        T(test_fhir_validate__survives_allocation_failure_reading_json),
        T(test_fhir_validate__survives_allocation_failure_with_shared_arena),
        T(test_fhir_validate__survives_allocation_failure_reading_xml),
    };
    return cmocka_run_group_tests_name("fhir_validate", tests, NULL, NULL);
}
