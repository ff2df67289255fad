/*
 * test_fhir_arena.c — unit tests for formats/fhir_arena.c and formats/fhir_buf.c.
 *
 * The arena: allocation, 8-byte alignment, strndup/strdup/printf, the size
 * limit, sticky failure and the fail-at-allocation-N test hook. The output
 * buffer: appending, its limit, sticky failure and handing the bytes over
 * with fhir_buf_take. Run under ASan/UBSan: several tests only mean something
 * when an out-of-bounds write would be caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

/* ---- fixtures: fx, fx_setup and fx_teardown come from test_support.h ------- */

/* Replaces the fixture's arena with one capped at `limit` bytes. */
static fhir_arena *capped(fx *f, size_t limit)
{
    fhir_arena_free(f->a);
    f->a = fhir_arena_new(limit);
    assert_non_null(f->a);
    fhir_outcome_init(&f->o, f->a); /* the outcome must not point at the old arena */
    return f->a;
}

/* ---- arena: allocation ---------------------------------------------------- */

static void test_fhir_arena_alloc__returns_distinct_writable_blocks(void **state)
{
    fx *f = *state;
    enum { N = 64 };
    unsigned char *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = fhir_arena_alloc(f->a, 100 + (size_t)i);
        assert_non_null(p[i]);
        memset(p[i], i, 100 + (size_t)i);
    }
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < 100 + (size_t)i; k++)
            assert_int_equal(p[i][k], i);
    assert_int_equal(fhir_arena_failed(f->a), 0);
}

static void test_fhir_arena_alloc__is_8_byte_aligned(void **state)
{
    fx *f = *state;
    static const size_t sizes[] = {1, 2, 3, 5, 7, 8, 9, 13, 15, 16, 17, 31, 33, 1001, 16383, 1, 3};
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            void *p = fhir_arena_alloc(f->a, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 8, 0);
        }
    }
}

static void test_fhir_arena_alloc__keeps_blocks_across_chunks(void **state)
{
    fx *f = *state;
    /* far more than the first chunk, so several chunks are chained */
    enum { N = 3000, SIZE = 1000 };
    unsigned char **p = calloc(N, sizeof *p);
    assert_non_null(p);
    for (int i = 0; i < N; i++) {
        p[i] = fhir_arena_alloc(f->a, SIZE);
        if (!p[i])
            break;
        memset(p[i], (unsigned char)(i * 7), SIZE);
    }
    int ok = 1;
    for (int i = 0; i < N && ok; i++) {
        ok = p[i] != NULL;
        for (int k = 0; ok && k < SIZE; k++)
            ok = p[i][k] == (unsigned char)(i * 7);
    }
    free(p);
    assert_true(ok);
    assert_true(fhir_arena_used(f->a) >= (size_t)N * SIZE);
}

static void test_fhir_arena_alloc__serves_block_larger_than_any_chunk(void **state)
{
    fx *f = *state;
    size_t n = 5u * 1024 * 1024;
    unsigned char *p = fhir_arena_alloc(f->a, n);
    assert_non_null(p);
    p[0] = 1;
    p[n - 1] = 2; /* ASan catches a short block */
    assert_int_equal(p[0] + p[n - 1], 3);
    assert_non_null(fhir_arena_alloc(f->a, 16));
}

static void test_fhir_arena_alloc__huge_size_fails_without_wrapping(void **state)
{
    fx *f = *state;
    assert_null(fhir_arena_alloc(f->a, SIZE_MAX));
    assert_int_equal(fhir_arena_failed(f->a), 1);
    capped(f, 1024 * 1024);
    assert_null(fhir_arena_alloc(f->a, SIZE_MAX - 3)); /* + 7 would wrap to a tiny size */
    assert_int_equal(fhir_arena_failed(f->a), 1);
}

static void test_fhir_arena_zalloc__zeroes_the_block(void **state)
{
    fx *f = *state;
    /* ASan fills fresh malloc memory with 0xbe, so a missing memset shows */
    unsigned char *p = fhir_arena_zalloc(f->a, 3000);
    assert_non_null(p);
    for (size_t i = 0; i < 3000; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal((uintptr_t)p % 8, 0);
}

static void test_fhir_arena_strndup__copies_n_bytes_and_terminates(void **state)
{
    fx *f = *state;
    const char *src = "hello world";
    char *p = fhir_arena_strndup(f->a, src, 5);
    assert_non_null(p);
    assert_ptr_not_equal(p, src);
    assert_string_equal(p, "hello");
    assert_string_equal(src, "hello world");
    char *e = fhir_arena_strndup(f->a, src, 0);
    assert_non_null(e);
    assert_string_equal(e, "");
}

static void test_fhir_arena_strdup__copies_whole_string(void **state)
{
    fx *f = *state;
    char src[] = "Jan Jansen \xC3\xA9";
    char *p = fhir_arena_strdup(f->a, src);
    assert_non_null(p);
    src[0] = 'X'; /* a copy, not the same bytes */
    assert_string_equal(p, "Jan Jansen \xC3\xA9");
}

static void test_fhir_arena_printf__formats_into_arena(void **state)
{
    fx *f = *state;
    char *p = fhir_arena_printf(f->a, "%s[%d].%s=%05.2f", "entry", 12, "value", 3.14159);
    assert_non_null(p);
    assert_string_equal(p, "entry[12].value=03.14");
}

static void test_fhir_arena_printf__formats_long_output(void **state)
{
    fx *f = *state;
    char *p = fhir_arena_printf(f->a, "<%0*d>", 5000, 7);
    assert_non_null(p);
    assert_int_equal(strlen(p), 5002);
    assert_int_equal(p[0], '<');
    assert_int_equal(p[5000], '7');
    assert_int_equal(p[5001], '>');
}

/* ---- arena: limit and sticky failure ---------------------------------- */

static void test_fhir_arena_limit__refuses_growth_past_limit(void **state)
{
    fx *f = *state;
    size_t limit = 50000;
    fhir_arena *a = capped(f, limit);
    size_t got = 0;
    while (fhir_arena_alloc(a, 1000))
        got += 1000;
    assert_int_equal(fhir_arena_failed(a), 1);
    assert_true(got <= limit);
    assert_true(got >= limit / 10 * 9); /* most of the budget is usable */
    assert_true(fhir_arena_used(a) <= limit);
}

static void test_fhir_arena_limit__refuses_single_block_larger_than_limit(void **state)
{
    fx *f = *state;
    fhir_arena *a = capped(f, 1000);
    assert_null(fhir_arena_alloc(a, 2000));
    assert_int_equal(fhir_arena_failed(a), 1);
}

static void test_fhir_arena_limit__allows_block_within_small_limit(void **state)
{
    fx *f = *state;
    fhir_arena *a = capped(f, 1000); /* smaller than a chunk */
    unsigned char *p = fhir_arena_alloc(a, 900);
    assert_non_null(p);
    memset(p, 1, 900);
    assert_int_equal(fhir_arena_failed(a), 0);
    assert_true(fhir_arena_used(a) <= 1000);
}

static void test_fhir_arena_limit__failure_is_sticky(void **state)
{
    fx *f = *state;
    fhir_arena *a = capped(f, 20000);
    assert_non_null(fhir_arena_alloc(a, 100));  /* first chunk, lots of room left */
    assert_null(fhir_arena_alloc(a, 30000));    /* past the limit */
    /* these would fit in the current chunk, but the arena has failed */
    assert_null(fhir_arena_alloc(a, 8));
    assert_null(fhir_arena_zalloc(a, 8));
    assert_null(fhir_arena_strdup(a, "x"));
    assert_null(fhir_arena_strndup(a, "xyz", 2));
    assert_null(fhir_arena_printf(a, "%d", 1));
    assert_int_equal(fhir_arena_failed(a), 1);
}

static void test_fhir_arena_limit__zero_means_no_limit(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 40; i++)
        assert_non_null(fhir_arena_alloc(f->a, 100000));
    assert_int_equal(fhir_arena_failed(f->a), 0);
}

static void test_fhir_arena_failed__is_zero_on_new_arena(void **state)
{
    fx *f = *state;
    assert_int_equal(fhir_arena_failed(f->a), 0);
    assert_int_equal(fhir_arena_used(f->a), 0);
    assert_non_null(fhir_arena_alloc(f->a, 10));
    assert_int_equal(fhir_arena_failed(f->a), 0);
    assert_true(fhir_arena_used(f->a) >= 10);
}

static void test_fhir_arena_free__accepts_null(void **state)
{
    (void)state;
    fhir_arena_free(NULL);
    fhir_arena *a = fhir_arena_new(0);
    assert_non_null(a);
    fhir_arena_free(a); /* empty arena: no chunk to free */
}

/* ---- arena: fail_after test hook -------------------------------------- */

static void test_fhir_arena_fail_after__fails_nth_allocation(void **state)
{
    fx *f = *state;
    fhir_arena_fail_after(f->a, 3);
    assert_non_null(fhir_arena_alloc(f->a, 8));
    assert_non_null(fhir_arena_alloc(f->a, 8));
    assert_int_equal(fhir_arena_failed(f->a), 0);
    assert_null(fhir_arena_alloc(f->a, 8));
    assert_int_equal(fhir_arena_failed(f->a), 1);
}

static void test_fhir_arena_fail_after__failure_is_sticky(void **state)
{
    fx *f = *state;
    fhir_arena_fail_after(f->a, 1);
    assert_null(fhir_arena_alloc(f->a, 8));
    for (int i = 0; i < 10; i++)
        assert_null(fhir_arena_alloc(f->a, 8));
    assert_null(fhir_arena_strdup(f->a, "a"));
    assert_int_equal(fhir_arena_failed(f->a), 1);
}

static void test_fhir_arena_fail_after__counts_every_kind_of_allocation(void **state)
{
    fx *f = *state;
    fhir_arena_fail_after(f->a, 5);
    assert_non_null(fhir_arena_zalloc(f->a, 8));
    assert_non_null(fhir_arena_strdup(f->a, "a"));
    assert_non_null(fhir_arena_strndup(f->a, "abc", 2));
    assert_non_null(fhir_arena_printf(f->a, "%d", 5));
    assert_null(fhir_arena_alloc(f->a, 8));
}

static void test_fhir_arena_fail_after__counts_from_the_call(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 5; i++)
        assert_non_null(fhir_arena_alloc(f->a, 8));
    fhir_arena_fail_after(f->a, 2); /* "from now", not from the arena's birth */
    assert_non_null(fhir_arena_alloc(f->a, 8));
    assert_null(fhir_arena_alloc(f->a, 8));
}

static void test_fhir_arena_fail_after__zero_disarms(void **state)
{
    fx *f = *state;
    fhir_arena_fail_after(f->a, 2);
    fhir_arena_fail_after(f->a, 0);
    for (int i = 0; i < 100; i++)
        assert_non_null(fhir_arena_alloc(f->a, 8));
    assert_int_equal(fhir_arena_failed(f->a), 0);
}

/* ---- fhir_buf ------------------------------------------------------------ */

static void test_fhir_buf_add__appends_and_terminates(void **state)
{
    fx *f = *state;
    assert_int_equal(fhir_buf_add(&f->b, "abcXYZ", 3), 0);
    assert_int_equal(fhir_buf_adds(&f->b, "def"), 0);
    assert_int_equal(fhir_buf_addc(&f->b, '!'), 0);
    assert_int_equal(fhir_buf_printf(&f->b, "<%d:%s>", 42, "x"), 0);
    assert_int_equal(f->b.len, 13);
    assert_string_equal(f->b.data, "abcdef!<42:x>");
    assert_int_equal(f->b.failed, 0);
}

static void test_fhir_buf_add__grows_past_first_capacity(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 100000; i++)
        assert_int_equal(fhir_buf_addc(&f->b, (char)('a' + i % 26)), 0);
    assert_int_equal(f->b.len, 100000);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(f->b.data[i], 'a' + i % 26);
    assert_int_equal(f->b.data[100000], '\0');
    assert_true(f->b.cap > f->b.len);
}

static void test_fhir_buf_add__keeps_embedded_nul(void **state)
{
    fx *f = *state;
    assert_int_equal(fhir_buf_add(&f->b, "a\0b", 3), 0);
    assert_int_equal(f->b.len, 3);
    assert_memory_equal(f->b.data, "a\0b", 4);
}

static void test_fhir_buf_limit__allows_exact_fit(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 10);
    assert_int_equal(fhir_buf_add(&f->b, "0123456789", 10), 0);
    assert_int_equal(f->b.len, 10);
    assert_int_equal(f->b.failed, 0);
}

static void test_fhir_buf_limit__refuses_add_past_limit(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 10);
    assert_int_equal(fhir_buf_adds(&f->b, "01234567"), 0);
    assert_int_equal(fhir_buf_adds(&f->b, "89A"), FHIR_E_NOMEM);
    assert_int_equal(f->b.failed, 1);
    assert_int_equal(f->b.len, 8);
    assert_string_equal(f->b.data, "01234567");
}

static void test_fhir_buf_limit__refuses_addc_past_limit(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 10);
    assert_int_equal(fhir_buf_add(&f->b, "0123456789", 10), 0);
    /* the buffer has spare capacity (cap > limit), but the limit is full */
    assert_int_equal(fhir_buf_addc(&f->b, 'X'), FHIR_E_NOMEM);
    assert_int_equal(f->b.len, 10);
    assert_int_equal(f->b.failed, 1);
}

static void test_fhir_buf_limit__refuses_printf_past_limit(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 5);
    assert_int_equal(fhir_buf_printf(&f->b, "%d", 123456), FHIR_E_NOMEM);
    assert_int_equal(f->b.len, 0);
    assert_int_equal(f->b.failed, 1);
}

static void test_fhir_buf_limit__failure_is_sticky(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 10);
    assert_int_equal(fhir_buf_adds(&f->b, "0123"), 0);
    assert_int_equal(fhir_buf_adds(&f->b, "too long for it"), FHIR_E_NOMEM);
    /* each of these would fit in the 6 bytes left */
    assert_int_equal(fhir_buf_adds(&f->b, "a"), FHIR_E_NOMEM);
    assert_int_equal(fhir_buf_add(&f->b, "b", 1), FHIR_E_NOMEM);
    assert_int_equal(fhir_buf_addc(&f->b, 'c'), FHIR_E_NOMEM);
    assert_int_equal(fhir_buf_printf(&f->b, "%d", 1), FHIR_E_NOMEM);
    assert_int_equal(f->b.len, 4);
    assert_string_equal(f->b.data, "0123");
}

static void test_fhir_buf_take__hands_over_bytes_and_resets(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 1000);
    assert_int_equal(fhir_buf_adds(&f->b, "payload"), 0);
    size_t len = 0;
    char *p = fhir_buf_take(&f->b, &len);
    assert_non_null(p);
    assert_int_equal(len, 7);
    assert_string_equal(p, "payload");
    assert_null(f->b.data);
    assert_int_equal(f->b.len, 0);
    free(p); /* the caller owns it; ASan reports a double free if the buffer kept it */
    /* still usable, and still capped */
    assert_int_equal(fhir_buf_adds(&f->b, "again"), 0);
    assert_string_equal(f->b.data, "again");
    assert_int_equal(f->b.limit, 1000);
}

static void test_fhir_buf_take__gives_empty_string_for_empty_buffer(void **state)
{
    fx *f = *state;
    size_t len = 99;
    char *p = fhir_buf_take(&f->b, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    free(p);
}

static void test_fhir_buf_take__accepts_null_length(void **state)
{
    fx *f = *state;
    assert_int_equal(fhir_buf_adds(&f->b, "x"), 0);
    char *p = fhir_buf_take(&f->b, NULL);
    assert_non_null(p);
    assert_string_equal(p, "x");
    free(p);
}

static void test_fhir_buf_free__allows_reuse_with_same_limit(void **state)
{
    fx *f = *state;
    fhir_buf_init(&f->b, 4);
    assert_int_equal(fhir_buf_adds(&f->b, "abcdef"), FHIR_E_NOMEM);
    fhir_buf_free(&f->b);
    assert_int_equal(f->b.len, 0);
    assert_int_equal(f->b.limit, 4);
    assert_int_equal(fhir_buf_adds(&f->b, "abcd"), 0);
    assert_string_equal(f->b.data, "abcd");
    assert_int_equal(fhir_buf_adds(&f->b, "e"), FHIR_E_NOMEM);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fhir_arena_alloc__returns_distinct_writable_blocks),
        T(test_fhir_arena_alloc__is_8_byte_aligned),
        T(test_fhir_arena_alloc__keeps_blocks_across_chunks),
        T(test_fhir_arena_alloc__serves_block_larger_than_any_chunk),
        T(test_fhir_arena_alloc__huge_size_fails_without_wrapping),
        T(test_fhir_arena_zalloc__zeroes_the_block),
        T(test_fhir_arena_strndup__copies_n_bytes_and_terminates),
        T(test_fhir_arena_strdup__copies_whole_string),
        T(test_fhir_arena_printf__formats_into_arena),
        T(test_fhir_arena_printf__formats_long_output),
        T(test_fhir_arena_limit__refuses_growth_past_limit),
        T(test_fhir_arena_limit__refuses_single_block_larger_than_limit),
        T(test_fhir_arena_limit__allows_block_within_small_limit),
        T(test_fhir_arena_limit__failure_is_sticky),
        T(test_fhir_arena_limit__zero_means_no_limit),
        T(test_fhir_arena_failed__is_zero_on_new_arena),
        T(test_fhir_arena_free__accepts_null),
        T(test_fhir_arena_fail_after__fails_nth_allocation),
        T(test_fhir_arena_fail_after__failure_is_sticky),
        T(test_fhir_arena_fail_after__counts_every_kind_of_allocation),
        T(test_fhir_arena_fail_after__counts_from_the_call),
        T(test_fhir_arena_fail_after__zero_disarms),
        T(test_fhir_buf_add__appends_and_terminates),
        T(test_fhir_buf_add__grows_past_first_capacity),
        T(test_fhir_buf_add__keeps_embedded_nul),
        T(test_fhir_buf_limit__allows_exact_fit),
        T(test_fhir_buf_limit__refuses_add_past_limit),
        T(test_fhir_buf_limit__refuses_addc_past_limit),
        T(test_fhir_buf_limit__refuses_printf_past_limit),
        T(test_fhir_buf_limit__failure_is_sticky),
        T(test_fhir_buf_take__hands_over_bytes_and_resets),
        T(test_fhir_buf_take__gives_empty_string_for_empty_buffer),
        T(test_fhir_buf_take__accepts_null_length),
        T(test_fhir_buf_free__allows_reuse_with_same_limit),
    };
    return cmocka_run_group_tests_name("fhir_arena", tests, NULL, NULL);
}
