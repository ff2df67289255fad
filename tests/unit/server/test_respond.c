/*
 * test_respond.c — server/respond.c: the request headers it reads
 * (If-Match) and the HTTP date it writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"

static void test_respond__if_match_versions(void **state)
{
    (void)state;
    uint64_t v = 99;
    assert_int_equal(srv_if_match_version(NULL, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(srv_if_match_version("W/\"3\"", &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(srv_if_match_version("\"12\"", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(srv_if_match_version(" W/\"7\" ", &v), 0);
    assert_int_equal(v, 7);
    const char *bad[] = {"3", "W/3", "\"\"", "\"0\"", "\"3", "\"3\"x", "W/\"-1\"",
                         "\"99999999999999999999\"", "*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(srv_if_match_version(bad[i], &v), -1);
}

static void test_respond__http_dates(void **state)
{
    (void)state;
    char d[32];
    srv_http_date("2026-11-23T03:00:00.123Z", d);
    assert_string_equal(d, "Mon, 23 Nov 2026 03:00:00 GMT");
    srv_http_date("2024-02-29T23:59:59Z", d);
    assert_string_equal(d, "Thu, 29 Feb 2024 23:59:59 GMT");
    srv_http_date("not a date", d);
    assert_string_equal(d, "");
    srv_http_date(NULL, d);
    assert_string_equal(d, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_respond__if_match_versions),
        cmocka_unit_test(test_respond__http_dates),
    };
    return cmocka_run_group_tests_name("respond", tests, NULL, NULL);
}
