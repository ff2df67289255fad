/*
 * test_doc_cache.c — server/doc_cache.c: the document cache stays within its
 * number of entries and its bytes whatever is put in it, keeps the most
 * recently put, and never lets an older version replace a newer one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "doc_cache.h"

#define KB 1024u

static char bytes[128 * KB];

/* A document version of `kb` KB of JSON. */
static srv_version doc(uint64_t version, size_t kb)
{
    memset(bytes, 'x', sizeof bytes);
    srv_version v = {0};
    v.type = "Bundle";
    v.version = version;
    v.last_modified = "2026-11-23T03:00:00.000Z";
    v.etag = version == 1 ? "v1" : "v2";
    v.json = bytes;
    v.json_len = kb * KB;
    return v;
}

/* A writer's put: the JSON it stored. */
static void put(srv_doc_cache *c, const char *id, uint64_t version, size_t kb)
{
    srv_version v = doc(version, kb);
    srv_doc_cache_put_published(c, id, &v);
}

static void test_doc_cache__stays_within_its_bytes(void **state)
{
    (void)state;
    srv_doc_cache *c = srv_doc_cache_new(1000, 1024 * KB); /* 1 MB */
    char id[32];
    for (int i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "p%d", i);
        put(c, id, 1, 96);
        size_t n, bytes;
        srv_doc_cache_stats(c, &n, &bytes);
        assert_true(bytes <= 1024 * KB);
    }
    size_t n, bytes;
    srv_doc_cache_stats(c, &n, &bytes);
    assert_int_equal(n, 10); /* 10 x (96 KB + the entry's own) fit, 11 do not */
    assert_true(bytes > 960 * KB);
    srv_doc_cache_free(c);
}

static void test_doc_cache__stays_within_its_entries(void **state)
{
    (void)state;
    srv_doc_cache *c = srv_doc_cache_new(5, 1024 * 1024 * KB);
    char id[32];
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "p%d", i);
        put(c, id, 1, 1);
    }
    size_t n, bytes;
    srv_doc_cache_stats(c, &n, &bytes);
    assert_int_equal(n, 5);
    srv_doc_cache_free(c);
}

static void test_doc_cache__a_document_larger_than_the_cache_is_not_kept(void **state)
{
    (void)state;
    srv_doc_cache *c = srv_doc_cache_new(10, 64 * KB);
    put(c, "small", 1, 8);
    put(c, "huge", 1, 120);
    size_t n, bytes;
    srv_doc_cache_stats(c, &n, &bytes);
    assert_int_equal(n, 1); /* the small one stays; the huge one is served from the store */
    assert_true(bytes < 64 * KB);
    srv_doc_cache_free(c);
}

static void test_doc_cache__a_newer_version_replaces_and_is_not_replaced(void **state)
{
    (void)state;
    srv_doc_cache *c = srv_doc_cache_new(10, 1024 * KB);
    put(c, "p", 2, 4);
    uint64_t g = srv_doc_cache_generation(c);
    srv_version old = doc(1, 4);
    srv_doc_cache_put_read(c, g, "p", &old, SRV_FORM_XML, bytes, 8 * KB); /* read version 1 */
    size_t n, bytes_before, bytes_after;
    srv_doc_cache_stats(c, &n, &bytes_before);
    assert_int_equal(n, 1);
    put(c, "p", 1, 8); /* a writer with an older version */
    srv_doc_cache_stats(c, &n, &bytes_after);
    assert_int_equal(n, 1);
    assert_int_equal(bytes_after, bytes_before); /* still version 2's 4 KB of JSON */
    /* a reader that started before a publish does not put what it read */
    g = srv_doc_cache_generation(c);
    put(c, "p", 3, 2);
    srv_version v3 = doc(3, 2);
    srv_doc_cache_put_read(c, g, "p", &v3, SRV_FORM_XML, bytes, 16 * KB);
    srv_doc_cache_stats(c, &n, &bytes_after);
    assert_true(bytes_after < bytes_before); /* version 3's 2 KB only */
    srv_doc_cache_free(c);
}

/* Readers of one form each: the next form joins the same entry. */
static void test_doc_cache__a_reader_adds_its_form_to_the_entry(void **state)
{
    (void)state;
    srv_doc_cache *c = srv_doc_cache_new(10, 1024 * KB);
    srv_version json = doc(1, 20);
    srv_doc_cache_put_read(c, srv_doc_cache_generation(c), "p", &json, SRV_FORM_JSON, json.json,
                           json.json_len);
    size_t n, one, both;
    srv_doc_cache_stats(c, &n, &one);
    assert_int_equal(n, 1);
    assert_true(one >= 20 * KB && one < 30 * KB);
    srv_doc_cache_put_read(c, srv_doc_cache_generation(c), "p", &json, SRV_FORM_XML, bytes,
                           30 * KB);
    srv_doc_cache_stats(c, &n, &both);
    assert_int_equal(n, 1);
    assert_true(both >= one + 30 * KB && both < one + 31 * KB);
    srv_doc_cache_put_read(c, srv_doc_cache_generation(c), "p", &json, SRV_FORM_PAGE_ANW, bytes,
                           8 * KB);
    size_t three;
    srv_doc_cache_stats(c, &n, &three);
    assert_true(three >= both + 8 * KB && three < both + 9 * KB);
    srv_doc_cache_put_read(c, srv_doc_cache_generation(c), "p", &json, SRV_FORM_XML, bytes,
                           30 * KB); /* already there */
    srv_doc_cache_stats(c, &n, &one);
    assert_int_equal(one, three);
    srv_doc_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_cache__stays_within_its_bytes),
        cmocka_unit_test(test_doc_cache__stays_within_its_entries),
        cmocka_unit_test(test_doc_cache__a_document_larger_than_the_cache_is_not_kept),
        cmocka_unit_test(test_doc_cache__a_newer_version_replaces_and_is_not_replaced),
        cmocka_unit_test(test_doc_cache__a_reader_adds_its_form_to_the_entry),
    };
    return cmocka_run_group_tests_name("doc_cache", tests, NULL, NULL);
}
