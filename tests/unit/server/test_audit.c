/*
 * test_audit.c — server/audit.c: the hash-chained access log. Records are
 * written as a request would (no connection), read back, and the chain
 * check must name the first altered, removed, inserted or torn record, and
 * records cut from the end (the head file names the last one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"

typedef struct fx {
    char path[64];
    fhir_arena *a;
    srv_peer peer;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/test_audit_XXXXXX");
    int fd = mkstemp(f->path);
    close(fd);
    f->a = fhir_arena_new(0);
    f->peer.checked = 1;
    snprintf(f->peer.id.ura, sizeof f->peer.id.ura, "90000003");
    f->peer.role = SRV_ROLE_READER;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    unlink(f->path);
    char head[80];
    snprintf(head, sizeof head, "%s.head", f->path);
    unlink(head);
    fhir_arena_free(f->a);
    free(f);
    return 0;
}

/* Writes n handover reads of patient p1, the i-th with version i+1. */
static void write_records(fx *f, int n)
{
    srv_audit *log = NULL;
    char err[256];
    assert_int_equal(srv_audit_open(f->path, "https://test/fhir", &log, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        srv_request r = {0};
        r.a = f->a;
        r.peer = &f->peer;
        r.route = "handover";
        r.status = 200;
        r.audit.patient = "p1";
        r.audit.bsn = "999932482";
        r.audit.entity = fhir_arena_printf(f->a, "Bundle/p1/_history/%d", i + 1);
        srv_audit_request(log, &r);
    }
    srv_audit_close(log);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 16);
    *n = fread(buf, 1, (1 << 16) - 1, fp);
    fclose(fp);
    return buf;
}

static void spit(const char *path, const char *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, n, fp), n);
    fclose(fp);
}

/* The byte offset where line `no` (1-based) starts. */
static size_t line_start(const char *buf, int no)
{
    size_t at = 0;
    for (int i = 1; i < no; i++)
        at = (size_t)(strchr(buf + at, '\n') - buf) + 1;
    return at;
}

static void expect_broken_at(fx *f, unsigned long line)
{
    unsigned long records, bad;
    char err[256];
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 1);
    assert_int_equal(bad, line);
    assert_int_equal(records, line - 1);
}

static void test_audit__chain_is_intact_and_continues_after_reopen(void **state)
{
    fx *f = *state;
    write_records(f, 3);
    write_records(f, 2); /* a restart: the chain goes on from the last record */
    unsigned long records, bad;
    char err[256];
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 0);
    assert_int_equal(records, 5);
    size_t n;
    char *buf = slurp(f->path, &n);
    char *last = buf + line_start(buf, 5);
    srv_audit_record rec;
    assert_int_equal(srv_audit_parse(last, &rec), 0);
    assert_int_equal(rec.seq, 5);
    assert_string_equal(rec.interaction, "handover");
    assert_string_equal(rec.action, "R");
    assert_string_equal(rec.org, "90000003");
    assert_string_equal(rec.role, "reader");
    assert_string_equal(rec.patient, "p1");
    assert_string_equal(rec.bsn, "999932482");
    assert_string_equal(rec.entity, "Bundle/p1/_history/2");
    assert_int_equal(rec.status, 200);
    free(buf);
}

static void test_audit__an_altered_byte_is_named(void **state)
{
    fx *f = *state;
    write_records(f, 4);
    size_t n;
    char *buf = slurp(f->path, &n);
    char *p = strstr(buf + line_start(buf, 3), "\"status\":200");
    p[10] = '4'; /* 200 → 400 in record 3 */
    spit(f->path, buf, n);
    expect_broken_at(f, 3);
    free(buf);
}

static void test_audit__a_removed_or_swapped_record_is_named(void **state)
{
    fx *f = *state;
    write_records(f, 4);
    size_t n;
    char *buf = slurp(f->path, &n);
    size_t s2 = line_start(buf, 2), s3 = line_start(buf, 3);
    char *cut = malloc(n);
    memcpy(cut, buf, s2);
    memcpy(cut + s2, buf + s3, n - s3); /* record 2 removed */
    spit(f->path, cut, n - (s3 - s2));
    expect_broken_at(f, 2);
    /* records 2 and 3 swapped */
    size_t s4 = line_start(buf, 4);
    memcpy(cut, buf, s2);
    memcpy(cut + s2, buf + s3, s4 - s3);
    memcpy(cut + s2 + (s4 - s3), buf + s2, s3 - s2);
    memcpy(cut + s4, buf + s4, n - s4);
    spit(f->path, cut, n);
    expect_broken_at(f, 2);
    free(cut);
    free(buf);
}

static void test_audit__a_torn_last_record_stops_the_server_from_appending(void **state)
{
    fx *f = *state;
    write_records(f, 2);
    size_t n;
    char *buf = slurp(f->path, &n);
    spit(f->path, buf, n - 20);
    expect_broken_at(f, 2);
    srv_audit *log = NULL;
    char err[256];
    assert_int_equal(srv_audit_open(f->path, "x", &log, err, sizeof err), -1);
    assert_non_null(strstr(err, "incomplete"));
    free(buf);
}

/* The head's sequence number, or -1 when it cannot be read. */
static long head_seq(const fx *f)
{
    char path[80], buf[200] = "";
    snprintf(path, sizeof path, "%s.head", f->path);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    long seq = -1;
    return sscanf(buf, "{\"seq\":%ld,", &seq) == 1 ? seq : -1;
}

static void test_audit__records_cut_from_the_end_are_named(void **state)
{
    fx *f = *state;
    write_records(f, 5);
    assert_int_equal(head_seq(f), 5);
    size_t n;
    char *buf = slurp(f->path, &n);
    spit(f->path, buf, line_start(buf, 4)); /* records 4 and 5 cut off whole */
    unsigned long records, bad;
    char err[256];
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 1);
    assert_int_equal(bad, 4);
    assert_int_equal(records, 3);
    assert_non_null(strstr(err, "cut from the end"));
    srv_audit *log = NULL;
    assert_int_equal(srv_audit_open(f->path, "x", &log, err, sizeof err), -1);
    assert_non_null(strstr(err, "records were removed"));
    free(buf);
}

static void test_audit__a_missing_head_is_refused_until_sealed(void **state)
{
    fx *f = *state;
    write_records(f, 3);
    char head[80], err[256];
    snprintf(head, sizeof head, "%s.head", f->path);
    assert_int_equal(unlink(head), 0);
    unsigned long records, bad;
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 1);
    assert_int_equal(bad, 4);
    assert_non_null(strstr(err, "missing"));
    srv_audit *log = NULL;
    assert_int_equal(srv_audit_open(f->path, "x", &log, err, sizeof err), -1);
    assert_int_equal(srv_audit_seal(f->path, err, sizeof err), 0);
    assert_int_equal(head_seq(f), 3);
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 0);
    write_records(f, 1);
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 0);
    assert_int_equal(records, 4);
}

/* While the log is open the head follows it (once a second), without a close. */
static void test_audit__the_head_follows_an_open_log(void **state)
{
    fx *f = *state;
    srv_audit *log = NULL;
    char err[256];
    assert_int_equal(srv_audit_open(f->path, "x", &log, err, sizeof err), 0);
    assert_int_equal(head_seq(f), 0);
    srv_request r = {0};
    r.a = f->a;
    r.peer = &f->peer;
    r.route = "read";
    r.status = 200;
    srv_audit_request(log, &r);
    srv_audit_request(log, &r);
    for (int i = 0; i < 200 && head_seq(f) != 2; i++)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL); /* up to 10 s if loaded */
    assert_int_equal(head_seq(f), 2);
    srv_audit_close(log);
}

static void test_audit__values_cannot_break_the_line(void **state)
{
    fx *f = *state;
    srv_audit *log = NULL;
    char err[256];
    assert_int_equal(srv_audit_open(f->path, "svc", &log, err, sizeof err), 0);
    srv_request r = {0};
    r.a = f->a;
    r.peer = &f->peer;
    r.route = "read";
    r.status = 404;
    r.audit.patient = "a\"b\\c\nd";
    srv_audit_request(log, &r);
    srv_audit_close(log);
    unsigned long records, bad;
    assert_int_equal(srv_audit_verify(f->path, &records, &bad, err, sizeof err), 0);
    assert_int_equal(records, 1);
    size_t n;
    char *buf = slurp(f->path, &n);
    srv_audit_record rec;
    assert_int_equal(srv_audit_parse(buf, &rec), 0);
    assert_string_equal(rec.patient, "a?b?c?d");
    assert_int_equal(rec.status, 404);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit__chain_is_intact_and_continues_after_reopen,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__an_altered_byte_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__a_removed_or_swapped_record_is_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_audit__a_torn_last_record_stops_the_server_from_appending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__records_cut_from_the_end_are_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit__a_missing_head_is_refused_until_sealed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit__the_head_follows_an_open_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit__values_cannot_break_the_line, setup, teardown),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
