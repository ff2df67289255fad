/*
 * test_negotiate.c — server/negotiate.c: Accept, _format and Content-Type to
 * formats. Includes the source to reach the Accept parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../../server/negotiate.c"

static void test_negotiate__accept_picks_the_highest_q(void **state)
{
    (void)state;
    assert_int_equal(accept_format("application/fhir+xml", 0), SRV_FMT_XML);
    assert_int_equal(accept_format("application/fhir+json", 0), SRV_FMT_JSON);
    assert_int_equal(accept_format("text/html, application/fhir+xml;q=0.9, */*;q=0.1", 0), SRV_FMT_XML);
    assert_int_equal(accept_format("application/fhir+xml;q=0.2, application/fhir+json;q=0.8", 0),
                     SRV_FMT_JSON);
    assert_int_equal(accept_format("application/xml; charset=utf-8", 0), SRV_FMT_XML);
    assert_int_equal(accept_format(" application/json ", 0), SRV_FMT_JSON);
    assert_int_equal(accept_format("APPLICATION/FHIR+XML", 0), SRV_FMT_XML);
}

static void test_negotiate__html_only_where_allowed(void **state)
{
    (void)state;
    const char *browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    assert_int_equal(accept_format(browser, 1), SRV_FMT_HTML);
    assert_int_equal(accept_format(browser, 0), SRV_FMT_XML); /* application/xml q=0.9 */
    assert_int_equal(accept_format("text/html", 0), -1);
    assert_int_equal(accept_format("text/html, */*;q=0.1", 0), -2);
    srv_format f;
    assert_int_equal(srv_body_format("text/html", &f), -1);
}

static void test_negotiate__accept_wildcards_and_refusals(void **state)
{
    (void)state;
    assert_int_equal(accept_format("*/*", 0), -2);
    assert_int_equal(accept_format("application/*", 0), -2);
    assert_int_equal(accept_format("text/plain", 0), -1);
    assert_int_equal(accept_format("text/plain, image/png", 0), -1);
    assert_int_equal(accept_format("application/fhir+xml;q=0", 0), -1); /* q=0 means "not this" */
    assert_int_equal(accept_format("", 0), -1);
    assert_int_equal(accept_format(",,,", 0), -1);
}

static void test_negotiate__body_content_types(void **state)
{
    (void)state;
    srv_format f = SRV_FMT_JSON;
    assert_int_equal(srv_body_format("application/fhir+xml", &f), 0);
    assert_int_equal(f, SRV_FMT_XML);
    assert_int_equal(srv_body_format("application/fhir+json; charset=UTF-8", &f), 0);
    assert_int_equal(f, SRV_FMT_JSON);
    assert_int_equal(srv_body_format("application/json;charset=\"utf-8\"", &f), 0);
    assert_int_equal(srv_body_format("text/xml", &f), 0);
    assert_int_equal(f, SRV_FMT_XML);
    /* refused: missing, other types, other charsets, wildcards, the short _format words */
    assert_int_equal(srv_body_format(NULL, &f), -1);
    assert_int_equal(srv_body_format("text/plain", &f), -1);
    assert_int_equal(srv_body_format("application/fhir+xml; charset=iso-8859-1", &f), -1);
    assert_int_equal(srv_body_format("*/*", &f), -1);
    assert_int_equal(srv_body_format("json", &f), -1);
    assert_int_equal(srv_body_format("application/x-www-form-urlencoded", &f), -1);
}

static void test_negotiate__mime_names(void **state)
{
    (void)state;
    assert_string_equal(srv_format_mime(SRV_FMT_XML), "application/fhir+xml; charset=utf-8");
    assert_string_equal(srv_format_mime(SRV_FMT_JSON), "application/fhir+json; charset=utf-8");
    assert_int_equal(srv_format_fhir(SRV_FMT_XML), FHIR_FORMAT_XML);
    assert_int_equal(srv_format_fhir(SRV_FMT_JSON), FHIR_FORMAT_JSON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate__accept_picks_the_highest_q),
        cmocka_unit_test(test_negotiate__accept_wildcards_and_refusals),
        cmocka_unit_test(test_negotiate__html_only_where_allowed),
        cmocka_unit_test(test_negotiate__body_content_types),
        cmocka_unit_test(test_negotiate__mime_names),
    };
    return cmocka_run_group_tests_name("negotiate", tests, NULL, NULL);
}
