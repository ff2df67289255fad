/*
 * test_config.c — server/config.c: defaults, keys, limits, the file format,
 * and the paths derived from the PKI directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

static void test_config__defaults_and_derived_paths(void **state)
{
    (void)state;
    srv_config c;
    srv_config_defaults(&c, "/src");
    assert_int_equal(c.port, 8443);
    assert_string_equal(c.bind, "127.0.0.1");
    assert_int_equal(c.max_body, 8u * 1024 * 1024);
    assert_int_equal(c.cache_entries, 10000);
    assert_int_equal(c.cache_mb, 32);
    assert_string_equal(c.profile_dir, "/src/formats/profile");
    srv_config_finish(&c);
    assert_string_equal(c.trust_file, "/src/certs/dev/ca.pem");
    assert_string_equal(c.cert_file, "/src/certs/dev/server.pem");
    assert_string_equal(c.key_file, "/src/certs/dev/server.key");
    assert_string_equal(c.access_file, "/src/certs/dev/access.conf");
    assert_string_equal(c.base_url, "https://localhost:8443/fhir");
}

static void test_config__set_checks_every_limit(void **state)
{
    (void)state;
    srv_config c;
    char err[256];
    srv_config_defaults(&c, ".");
    assert_int_equal(srv_config_set(&c, "port", "18443", err, sizeof err), 0);
    assert_int_equal(c.port, 18443);
    assert_int_equal(srv_config_set(&c, "max-body", "1048576", err, sizeof err), 0);
    assert_int_equal(c.max_body, 1048576);
    assert_int_equal(srv_config_set(&c, "cache-mb", "8", err, sizeof err), 0);
    assert_int_equal(c.cache_mb, 8);
    assert_int_equal(srv_config_set(&c, "demo", "yes", err, sizeof err), 0);
    assert_int_equal(c.demo, 1);
    assert_int_equal(srv_config_set(&c, "pki", "/etc/pki", err, sizeof err), 0);
    srv_config_finish(&c);
    assert_string_equal(c.trust_file, "/etc/pki/ca.pem");
    assert_string_equal(c.base_url, "https://localhost:18443/fhir");
    const char *bad[][2] = {{"port", "0"},        {"port", "65536"},   {"port", "-1"},
                            {"port", "80x"},      {"port", ""},        {"threads", "0"},
                            {"max-body", "10"},   {"timeout", "99999"}, {"demo", "maybe"},
                            {"nonsense", "1"},    {"pki", ""},         {"cache-mb", "-1"},
                            {"cache-mb", "1000001"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(srv_config_set(&c, bad[i][0], bad[i][1], err, sizeof err), -1);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(c.port, 18443); /* refused values change nothing */
}

static void test_config__file_with_comments_and_errors(void **state)
{
    (void)state;
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# a comment\n\n  port = 9443   # trailing comment\nbind=0.0.0.0\r\n", f);
    fclose(f);
    srv_config c;
    char err[256];
    srv_config_defaults(&c, ".");
    assert_int_equal(srv_config_load(&c, path, err, sizeof err), 0);
    assert_int_equal(c.port, 9443);
    assert_string_equal(c.bind, "0.0.0.0");
    f = fopen(path, "w");
    fputs("port = 9443\nno equals sign here\n", f);
    fclose(f);
    assert_int_equal(srv_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2:"));
    f = fopen(path, "w");
    fputs("threads = 1000\n", f);
    fclose(f);
    assert_int_equal(srv_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: threads"));
    unlink(path);
    assert_int_equal(srv_config_load(&c, path, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config__defaults_and_derived_paths),
        cmocka_unit_test(test_config__set_checks_every_limit),
        cmocka_unit_test(test_config__file_with_comments_and_errors),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
