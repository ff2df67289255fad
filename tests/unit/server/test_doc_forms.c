/*
 * test_doc_forms.c — server/doc_forms.c: the XML and the pages a reader gets
 * are made from the stored JSON, and must be byte for byte what writing and
 * rendering the built document itself gives (what the store used to keep):
 * for every handover fixture, both page variants, and a signed document.
 */
#include <dirent.h>

#include "../formats/test_support.h"
#include "../test_certs.h"
#include "doc_forms.h"
#include "handover_html.h"
#include "handover_sign.h"

#define NOW "2027-09-01T03:00:00.000Z" /* not today: a page made as of today would differ */

static fhir_node *build_fixture(fhir_arena *a, const char *path)
{
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, in, len, NULL, &o);
    free(in);
    assert_non_null(records);
    handover_options opt = {.now = NOW, .review_days = 365};
    fhir_node *doc = handover_build(a, records, &opt, &o);
    if (!doc)
        dump_issues(&o);
    assert_non_null(doc);
    return doc;
}

/* Each form made from the document's JSON equals the one made from the tree. */
static void expect_forms_equal_direct(fhir_arena *a, const fhir_node *doc)
{
    fhir_buf xml, json;
    fhir_buf_init(&xml, 0);
    fhir_buf_init(&json, 0);
    assert_int_equal(fhir_write_xml(doc, &xml, 0), 0);
    assert_int_equal(fhir_write_json(doc, &json, 0), 0);
    srv_version v = {.type = "Bundle", .id = "p1", .version = 1, .last_modified = NOW,
                     .json = json.data, .json_len = json.len, .etag = "1-abc"};
    const char *bytes;
    size_t len;
    assert_int_equal(srv_doc_form_make(a, &v, SRV_FORM_JSON, 365, &bytes, &len), 0);
    assert_ptr_equal(bytes, json.data);
    assert_int_equal(srv_doc_form_make(a, &v, SRV_FORM_XML, 365, &bytes, &len), 0);
    assert_int_equal(len, xml.len);
    assert_memory_equal(bytes, xml.data, len);
    handover_options opt = {.now = NOW, .review_days = 365};
    for (int variant = 0; variant < 2; variant++) {
        fhir_buf html;
        fhir_buf_init(&html, 0);
        assert_int_equal(handover_render_html(a, doc, variant ? HANDOVER_HTML_ANW
                                                              : HANDOVER_HTML_OFFICE,
                                              &opt, &html),
                         0);
        srv_doc_form form = variant ? SRV_FORM_PAGE_ANW : SRV_FORM_PAGE_OFFICE;
        assert_int_equal(srv_doc_form_make(a, &v, form, 365, &bytes, &len), 0);
        assert_int_equal(len, html.len);
        assert_memory_equal(bytes, html.data, len);
        fhir_buf_free(&html);
    }
    fhir_buf_free(&xml);
    fhir_buf_free(&json);
}

static void test_doc_forms__every_fixture_reads_as_it_was_built(void **state)
{
    (void)state;
    const char *dir = "fixtures/handover/valid";
    DIR *d = opendir(dir);
    assert_non_null(d);
    int seen = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fhir_arena *a = fhir_arena_new(0);
        expect_forms_equal_direct(a, build_fixture(a, path));
        fhir_arena_free(a);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 10);
}

static void test_doc_forms__a_signed_document_reads_as_it_was_signed(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = build_fixture(a, "fixtures/handover/valid/oz-vmb-so-korsakov.json");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(key);
    X509 *cert = self_signed(key, "MGZ overdracht dienst", "test", 1);
    char *cert_pem = to_pem(cert);
    assert_int_equal(handover_sign(a, doc, key, cert_pem, NOW), 0);
    assert_non_null(fhir_node_child(doc, "signature"));
    expect_forms_equal_direct(a, doc);
    X509_free(cert);
    EVP_PKEY_free(key);
    free(cert_pem);
    fhir_arena_free(a);
}

static void test_doc_forms__what_is_not_a_document_is_refused(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    srv_version v = {.last_modified = NOW, .etag = "1-x", .json = "{\"resourceType\":", .json_len = 16};
    const char *bytes = NULL;
    size_t len = 0;
    assert_int_equal(srv_doc_form_make(a, &v, SRV_FORM_XML, 0, &bytes, &len), FHIR_E_INVALID);
    static const char patient[] = "{\"resourceType\":\"Patient\",\"id\":\"p1\"}";
    v.json = (char *)patient;
    v.json_len = sizeof patient - 1;
    assert_int_equal(srv_doc_form_make(a, &v, SRV_FORM_PAGE_OFFICE, 0, &bytes, &len),
                     FHIR_E_INVALID);
    fhir_arena_free(a);
}

static void test_doc_forms__each_form_has_its_own_etag(void **state)
{
    (void)state;
    srv_version v = {.etag = "7-0123abcd"};
    char e[SRV_FORM_COUNT][96];
    for (int f = 0; f < SRV_FORM_COUNT; f++)
        srv_doc_form_etag(&v, (srv_doc_form)f, e[f]);
    assert_string_equal(e[SRV_FORM_JSON], "\"7-0123abcd-json\"");
    assert_string_equal(e[SRV_FORM_XML], "\"7-0123abcd-xml\"");
    assert_string_equal(e[SRV_FORM_PAGE_OFFICE], "\"7-0123abcd-html-office\"");
    assert_string_equal(e[SRV_FORM_PAGE_ANW], "\"7-0123abcd-html-anw\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_forms__every_fixture_reads_as_it_was_built),
        cmocka_unit_test(test_doc_forms__a_signed_document_reads_as_it_was_signed),
        cmocka_unit_test(test_doc_forms__what_is_not_a_document_is_refused),
        cmocka_unit_test(test_doc_forms__each_form_has_its_own_etag),
    };
    return cmocka_run_group_tests_name("doc_forms", tests, NULL, NULL);
}
