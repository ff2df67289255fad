/*
 * test_fhir_primitive.c — unit tests for formats/fhir_primitive.c.
 *
 * The heart is one table of samples: kind, text, expected result, and — for
 * an invalid sample the FHIR regex would still match — why it is refused:
 * CAL (calendar or number range), XSD (a rule of the XSD type the regex
 * lacks: base64 padding bits, anyURI syntax) or FHIR (empty, too long, a
 * character XML cannot carry). Every other sample is decided by the regex
 * alone, and test_fhir_primitive__regex_agrees_on_samples holds the checker
 * to the R4 regexes (compiled with POSIX <regex.h>) on all of them; it also
 * checks that each marked sample really does match its regex.
 *
 * Besides the table: named edge cases, a calendar oracle for dates, a
 * mutation test (the checker never accepts what the regex refuses), and
 * bounds tests (no byte past len is read; run under ASan to see it).
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fhir_primitive.h"

/* ---- the sample table ---------------------------------------------------- */

enum why { RX = 0, CAL, XSD, FHIR };

typedef struct sample {
    fhir_prim kind;
    const char *s;
    size_t len;     /* from sizeof, so a sample may hold NUL */
    int valid;
    enum why why;   /* for invalid samples: RX when the regex refuses it too */
} sample;

#define OK(k, lit)       { FHIR_PRIM_##k, lit, sizeof(lit) - 1, 1, RX }
#define BAD(k, lit)      { FHIR_PRIM_##k, lit, sizeof(lit) - 1, 0, RX }
#define BAD_CAL(k, lit)  { FHIR_PRIM_##k, lit, sizeof(lit) - 1, 0, CAL }
#define BAD_XSD(k, lit)  { FHIR_PRIM_##k, lit, sizeof(lit) - 1, 0, XSD }
#define BAD_FHIR(k, lit) { FHIR_PRIM_##k, lit, sizeof(lit) - 1, 0, FHIR }

#define ID64 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."
#define UUID_TAIL "c757873d-ec9a-4326-a141-556f43239520"

static const sample samples[] = {
    /* boolean: true|false */
    OK(BOOLEAN, "true"), OK(BOOLEAN, "false"),
    BAD(BOOLEAN, ""), BAD(BOOLEAN, "True"), BAD(BOOLEAN, "TRUE"), BAD(BOOLEAN, "1"),
    BAD(BOOLEAN, "0"), BAD(BOOLEAN, " true"), BAD(BOOLEAN, "true "), BAD(BOOLEAN, "yes"),
    BAD(BOOLEAN, "tru"), BAD(BOOLEAN, "falsee"), BAD(BOOLEAN, "truefalse"),

    /* integer: -?([0]|([1-9][0-9]*)), 32-bit */
    OK(INTEGER, "0"), OK(INTEGER, "-0"), OK(INTEGER, "1"), OK(INTEGER, "-1"),
    OK(INTEGER, "42"), OK(INTEGER, "1000000000"), OK(INTEGER, "2147483647"),
    OK(INTEGER, "-2147483648"), OK(INTEGER, "999999999"),
    BAD_CAL(INTEGER, "2147483648"), BAD_CAL(INTEGER, "-2147483649"),
    BAD_CAL(INTEGER, "4294967296"), BAD_CAL(INTEGER, "9999999999"),
    BAD_CAL(INTEGER, "10000000000"), BAD_CAL(INTEGER, "-99999999999999999999"),
    BAD(INTEGER, ""), BAD(INTEGER, "-"), BAD(INTEGER, "+1"), BAD(INTEGER, "+0"),
    BAD(INTEGER, "01"), BAD(INTEGER, "-01"), BAD(INTEGER, "00"), BAD(INTEGER, "1.0"),
    BAD(INTEGER, "1e3"), BAD(INTEGER, " 1"), BAD(INTEGER, "1 "), BAD(INTEGER, "0x10"),
    BAD(INTEGER, "--1"), BAD(INTEGER, "1-"), BAD(INTEGER, "12a"),
    BAD(INTEGER, "\xd9\xa1"), /* ARABIC-INDIC DIGIT ONE */

    /* decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    OK(DECIMAL, "0"), OK(DECIMAL, "-0"), OK(DECIMAL, "0.0"), OK(DECIMAL, "-0.0"),
    OK(DECIMAL, "1.50"), OK(DECIMAL, "10"), OK(DECIMAL, "1e10"), OK(DECIMAL, "1E10"),
    OK(DECIMAL, "1e+10"), OK(DECIMAL, "1e-10"), OK(DECIMAL, "-1.5e-3"), OK(DECIMAL, "0e0"),
    OK(DECIMAL, "0.000001"), OK(DECIMAL, "1e400"), OK(DECIMAL, "1.7976931348623157e308"),
    OK(DECIMAL, "123456789012345678901234567890.123456789"),
    BAD(DECIMAL, ""), BAD(DECIMAL, "-"), BAD(DECIMAL, "+1"), BAD(DECIMAL, "01"),
    BAD(DECIMAL, "-01"), BAD(DECIMAL, "00.1"), BAD(DECIMAL, ".5"), BAD(DECIMAL, "-.5"),
    BAD(DECIMAL, "1."), BAD(DECIMAL, "1e"), BAD(DECIMAL, "1e+"), BAD(DECIMAL, "e5"),
    BAD(DECIMAL, "1.5.5"), BAD(DECIMAL, "1e1.5"), BAD(DECIMAL, "NaN"), BAD(DECIMAL, "INF"),
    BAD(DECIMAL, "1,5"), BAD(DECIMAL, " 1"), BAD(DECIMAL, "1 "), BAD(DECIMAL, "0x1"),
    BAD(DECIMAL, "--1"), BAD(DECIMAL, "1.0f"),

    /* positiveInt: [1-9][0-9]*, up to 2147483647 */
    OK(POSITIVEINT, "1"), OK(POSITIVEINT, "9"), OK(POSITIVEINT, "10"),
    OK(POSITIVEINT, "2147483647"),
    BAD_CAL(POSITIVEINT, "2147483648"), BAD_CAL(POSITIVEINT, "99999999999"),
    BAD(POSITIVEINT, ""), BAD(POSITIVEINT, "0"), BAD(POSITIVEINT, "-1"), BAD(POSITIVEINT, "-0"),
    BAD(POSITIVEINT, "+1"), BAD(POSITIVEINT, "01"), BAD(POSITIVEINT, "1.0"),

    /* unsignedInt: [0]|([1-9][0-9]*), up to 2147483647 */
    OK(UNSIGNEDINT, "0"), OK(UNSIGNEDINT, "1"), OK(UNSIGNEDINT, "2147483647"),
    BAD_CAL(UNSIGNEDINT, "2147483648"), BAD_CAL(UNSIGNEDINT, "4294967295"),
    BAD(UNSIGNEDINT, ""), BAD(UNSIGNEDINT, "-0"), BAD(UNSIGNEDINT, "-1"), BAD(UNSIGNEDINT, "00"),
    BAD(UNSIGNEDINT, "01"), BAD(UNSIGNEDINT, "+0"), BAD(UNSIGNEDINT, "0 "),

    /* string: [ \r\n\t\S]+ (anything but empty), XML characters only */
    OK(STRING, "a"), OK(STRING, " "), OK(STRING, "\t"), OK(STRING, "\r\n"),
    OK(STRING, "  leading and trailing  "), OK(STRING, "line1\nline2\r\n\tindent"),
    OK(STRING, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), /* é € 😀 */
    OK(STRING, "\x7f"), OK(STRING, "\xc2\x85"),        /* DEL, NEL: XML allows them */
    OK(STRING, "\xef\xbf\xbd"), OK(STRING, "\xef\xbb\xbf"), /* U+FFFD, U+FEFF */
    OK(STRING, "\xef\xbf\xbdx"),
    BAD(STRING, ""),
    BAD_FHIR(STRING, "a\x01" "b"), BAD_FHIR(STRING, "\x1f"), BAD_FHIR(STRING, "\x0b"),
    BAD_FHIR(STRING, "\x0c"), BAD_FHIR(STRING, "\x1b[0m"), BAD_FHIR(STRING, "a\0b"),
    BAD_FHIR(STRING, "\xef\xbf\xbe"), BAD_FHIR(STRING, "\xef\xbf\xbf"),
    BAD_FHIR(STRING, "x\xef\xbf\xbfy"),

    /* markdown: as string */
    OK(MARKDOWN, "# Title\n\n* item **bold**"), OK(MARKDOWN, " "), OK(MARKDOWN, "a"),
    BAD(MARKDOWN, ""), BAD_FHIR(MARKDOWN, "\x02"), BAD_FHIR(MARKDOWN, "a\xef\xbf\xbe"),

    /* code: [^\s]+(\s[^\s]+)* */
    OK(CODE, "a"), OK(CODE, "final"), OK(CODE, "a b"), OK(CODE, "a b c"),
    OK(CODE, "a\tb"), OK(CODE, "a\nb"), OK(CODE, "urn:ietf:bcp:47"), OK(CODE, "a-b_c.d/e"),
    OK(CODE, "\xc3\xa9"), OK(CODE, "x\xef\xbf\xbd"), OK(CODE, "\x7f"),
    BAD(CODE, ""), BAD(CODE, " "), BAD(CODE, "a "), BAD(CODE, " a"), BAD(CODE, "a  b"),
    BAD(CODE, "a\n"), BAD(CODE, "\ta"), BAD(CODE, "a \tb"), BAD(CODE, "final\r\n"),
    BAD_FHIR(CODE, "a\x01" "b"), BAD_FHIR(CODE, "\x1f"), BAD_FHIR(CODE, "\xef\xbf\xbe"),

    /* id: [A-Za-z0-9\-\.]{1,64} */
    OK(ID, "a"), OK(ID, "123"), OK(ID, "a-b.c"), OK(ID, "-"), OK(ID, "."), OK(ID, ID64),
    OK(ID, "example-1.2"),
    BAD(ID, ""), BAD(ID, ID64 "x"), BAD(ID, "a_b"), BAD(ID, "a b"), BAD(ID, "a/b"),
    BAD(ID, "\xc3\xa9"), BAD(ID, "a:b"), BAD(ID, "#a"), BAD(ID, "a\\b"), BAD(ID, "a "),

    /* uri: \S*, not empty, and xs:anyURI syntax */
    OK(URI, "http://example.org/fhir/Patient/1"), OK(URI, "urn:uuid:" UUID_TAIL),
    OK(URI, "urn:oid:1.2.3"), OK(URI, "Patient/123"), OK(URI, "#p1"), OK(URI, "?a=b"),
    OK(URI, "http://a/b?c=d&e=f#g"), OK(URI, "mailto:a@b.c"), OK(URI, "http://[::1]:8080/x"),
    OK(URI, "http://[v1.x]/"), OK(URI, "http://u:p@h:1/"), OK(URI, "a:b:c"),
    OK(URI, "http://a/%20b%2F"), OK(URI, "http://x/y|1.0"), OK(URI, "\xc3\xbc"),
    OK(URI, "http://a/b#c[1]"), OK(URI, "./a:b"), OK(URI, "/a:b"), OK(URI, "http://a:080/"),
    OK(URI, "http://a:2147483647/"), OK(URI, "file:///tmp/x"), OK(URI, "http:"),
    OK(URI, "//"), OK(URI, "ab+c.d-e:x"), OK(URI, "x:%41"), OK(URI, "a?b?c"),
    OK(URI, "http://a/{x}<y>\"z\"^`"), OK(URI, "http://@/"), OK(URI, "http://:80/"),
    OK(URI, "http://\xef\xbc\xa1.example/"), OK(URI, "http://u\xef\xbf\xbd@h/"), /* U+FF21, U+FFFD */
    OK(URI, "http://[::1]"), OK(URI, "http://a/\xef\xbf\xbd?\xef\xbf\xbd#\xef\xbf\xbd"),
    BAD(URI, "a b"), BAD(URI, " a"), BAD(URI, "a\t"), BAD(URI, "http://a/\n"),
    BAD_FHIR(URI, ""), BAD_FHIR(URI, "a\x01" "b"), BAD_FHIR(URI, "a\xef\xbf\xbf"),
    BAD_FHIR(URI, "http://h\xef\xbf\xbe/"), BAD_FHIR(URI, "http://u\xef\xbf\xbf@h/"),
    BAD_XSD(URI, "%zz"), BAD_XSD(URI, "a%2"), BAD_XSD(URI, "%"), BAD_XSD(URI, "x:%"),
    BAD_XSD(URI, "http://a/%41%"), BAD_XSD(URI, "#a#b"), BAD_XSD(URI, "http://a/b#c#"),
    BAD_XSD(URI, "http://[::1"), BAD_XSD(URI, "::"), BAD_XSD(URI, ":"),
    BAD_XSD(URI, "1abc:x"), BAD_XSD(URI, "a_b:c"), BAD_XSD(URI, "+a:x"),
    BAD_XSD(URI, "http://a:bad/"), BAD_XSD(URI, "http://a:/"),
    BAD_XSD(URI, "http://a:2147483648/"), BAD_XSD(URI, "http://a:4294967300/"),
    BAD_XSD(URI, "http://a:99999999999999999999/"), BAD_XSD(URI, "a[b]"), BAD_XSD(URI, "?a[1]"),
    BAD_XSD(URI, "http://a@b@c/"), BAD_XSD(URI, "http://h]/"), BAD_XSD(URI, "http://[::1]x/"),
    BAD_XSD(URI, "http://a::80/"), BAD_XSD(URI, "http://u[@h/"),

    /* url, canonical: as uri */
    OK(URL, "http://example.org"), OK(URL, "https://a.b/c?d#e"),
    BAD(URL, "http://a b"), BAD_FHIR(URL, ""), BAD_XSD(URL, "http://a/%g0"),
    OK(CANONICAL, "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1"),
    OK(CANONICAL, "http://hl7.org/fhir/StructureDefinition/Patient"),
    BAD(CANONICAL, "http://a |1"), BAD_FHIR(CANONICAL, ""), BAD_XSD(CANONICAL, "http://a/%%"),

    /* oid: urn:oid:[0-2](\.(0|[1-9][0-9]*))+ */
    OK(OID, "urn:oid:1.2.3"), OK(OID, "urn:oid:2.16.840.1.113883"), OK(OID, "urn:oid:0.0"),
    OK(OID, "urn:oid:1.0.0"), OK(OID, "urn:oid:2.999999999999999999999"),
    BAD(OID, ""), BAD(OID, "urn:oid:"), BAD(OID, "urn:oid:1"), BAD(OID, "urn:oid:3.1"),
    BAD(OID, "urn:oid:1.02"), BAD(OID, "urn:oid:1..2"), BAD(OID, "urn:oid:1.2."),
    BAD(OID, "urn:oid:.1"), BAD(OID, "1.2.3"), BAD(OID, "URN:OID:1.2"),
    BAD(OID, "urn:oid:01.2"), BAD(OID, "urn:oid:1.2 "), BAD(OID, "urn:oid:1.-2"),
    BAD(OID, "urn:oid:1.2a"),

    /* uuid: urn:uuid: + lowercase 8-4-4-4-12 */
    OK(UUID, "urn:uuid:" UUID_TAIL), OK(UUID, "urn:uuid:00000000-0000-0000-0000-000000000000"),
    BAD(UUID, ""), BAD(UUID, "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"),
    BAD(UUID, "urn:uuid:c757873d-ec9a-4326-a141-556F43239520"), BAD(UUID, UUID_TAIL),
    BAD(UUID, "URN:UUID:" UUID_TAIL), BAD(UUID, "urn:uuid:c757873d-ec9a-4326-a141-556f4323952"),
    BAD(UUID, "urn:uuid:" UUID_TAIL "0"), BAD(UUID, "urn:uuid:c757873dec9a-4326-a141-556f43239520-"),
    BAD(UUID, "urn:uuid:{" UUID_TAIL "}"), BAD(UUID, "urn:uuid:g757873d-ec9a-4326-a141-556f43239520"),
    BAD(UUID, "urn:uuid:" UUID_TAIL " "),

    /* base64Binary: (\s*([0-9a-zA-Z\+/=]){4}\s*)+ and xs:base64Binary */
    OK(BASE64BINARY, "QUJD"), OK(BASE64BINARY, "QUI="), OK(BASE64BINARY, "QQ=="),
    OK(BASE64BINARY, "QUJDREVG"), OK(BASE64BINARY, "QUJD REVG"), OK(BASE64BINARY, " QUJD "),
    OK(BASE64BINARY, "QUJD\nREVG\n"), OK(BASE64BINARY, "\tQUJD\r\n"), OK(BASE64BINARY, "++//"),
    OK(BASE64BINARY, "QUJDQUI="), OK(BASE64BINARY, "QUJD QUI="), OK(BASE64BINARY, "QUI= "),
    OK(BASE64BINARY, "AAAA"), OK(BASE64BINARY, "Zw=="), OK(BASE64BINARY, "MDg="),
    BAD(BASE64BINARY, ""), BAD(BASE64BINARY, " "), BAD(BASE64BINARY, "QUJ"),
    BAD(BASE64BINARY, "QUJDR"), BAD(BASE64BINARY, "QU JD"), BAD(BASE64BINARY, "QUJ!"),
    BAD(BASE64BINARY, "QUJD="), BAD(BASE64BINARY, "QUJ-"), BAD(BASE64BINARY, "QUJ_"),
    BAD_XSD(BASE64BINARY, "QR=="), BAD_XSD(BASE64BINARY, "QUJ="), BAD_XSD(BASE64BINARY, "Q==="),
    BAD_XSD(BASE64BINARY, "===="), BAD_XSD(BASE64BINARY, "QQ==QUJD"),
    BAD_XSD(BASE64BINARY, "QQ== QUJD"), BAD_XSD(BASE64BINARY, "QUJD===="),
    BAD_XSD(BASE64BINARY, "QU=D"), BAD_XSD(BASE64BINARY, "=QUJ"), BAD_XSD(BASE64BINARY, "QUI=QUJD"),

    /* instant */
    OK(INSTANT, "2015-02-07T13:28:17.239+02:00"), OK(INSTANT, "2017-01-01T00:00:00Z"),
    OK(INSTANT, "2024-02-29T23:59:59.999999999-14:00"), OK(INSTANT, "0001-01-01T00:00:00+14:00"),
    OK(INSTANT, "9999-12-31T23:59:59Z"), OK(INSTANT, "2017-01-01T00:00:00-00:00"),
    OK(INSTANT, "2017-01-01T00:00:00+13:59"),
    BAD(INSTANT, ""), BAD(INSTANT, "2017"), BAD(INSTANT, "2017-01-01"),
    BAD(INSTANT, "2017-01-01T00:00:00"), BAD(INSTANT, "2017-01-01T00:00Z"),
    BAD(INSTANT, "2017-01-01T24:00:00Z"), BAD(INSTANT, "2017-01-01T00:00:00+14:01"),
    BAD(INSTANT, "2017-01-01T00:00:00+15:00"), BAD(INSTANT, "2017-01-01T00:00:00.Z"),
    BAD(INSTANT, "2017-01-01 00:00:00Z"), BAD(INSTANT, "2017-01-01t00:00:00Z"),
    BAD(INSTANT, "2017-01-01T00:00:00z"), BAD(INSTANT, "2017-01-01T00:00:00+0100"),
    BAD(INSTANT, "2017-01-01T00:00:00+01"), BAD(INSTANT, "0000-01-01T00:00:00Z"),
    BAD(INSTANT, "2017-13-01T00:00:00Z"), BAD(INSTANT, "2017-01-32T00:00:00Z"),
    BAD(INSTANT, "2017-01-01T00:60:00Z"), BAD(INSTANT, "2017-01-01T00:00:61Z"),
    BAD(INSTANT, "2017-01-01T00:00:00ZZ"),
    BAD_CAL(INSTANT, "2016-12-31T23:59:60Z"), BAD_CAL(INSTANT, "2017-02-29T00:00:00Z"),
    BAD_CAL(INSTANT, "1900-02-29T00:00:00Z"), BAD_CAL(INSTANT, "2017-04-31T00:00:00Z"),

    /* date */
    OK(DATE, "2024"), OK(DATE, "2024-02"), OK(DATE, "2024-02-29"), OK(DATE, "2000-02-29"),
    OK(DATE, "0001"), OK(DATE, "0001-01-01"), OK(DATE, "9999-12-31"), OK(DATE, "1000"),
    OK(DATE, "0010"), OK(DATE, "0100"), OK(DATE, "2023-04-30"), OK(DATE, "2023-01-31"),
    OK(DATE, "2023-02-28"), OK(DATE, "1600-02-29"),
    BAD(DATE, ""), BAD(DATE, "0000"), BAD(DATE, "24"), BAD(DATE, "202"), BAD(DATE, "20240"),
    BAD(DATE, "2024-"), BAD(DATE, "2024-1"), BAD(DATE, "2024-13"), BAD(DATE, "2024-00"),
    BAD(DATE, "2024-01-"), BAD(DATE, "2024-01-1"), BAD(DATE, "2024-01-00"),
    BAD(DATE, "2024-01-32"), BAD(DATE, "2024-01-01T00:00:00Z"), BAD(DATE, "2024/01/01"),
    BAD(DATE, "-2024"), BAD(DATE, "+2024"), BAD(DATE, "12024"), BAD(DATE, "2024-01-01 "),
    BAD(DATE, " 2024"), BAD(DATE, "2024-1-01"), BAD(DATE, "20240101"), BAD(DATE, "2024-01-01Z"),
    BAD_CAL(DATE, "2023-02-29"), BAD_CAL(DATE, "1900-02-29"), BAD_CAL(DATE, "2100-02-29"),
    BAD_CAL(DATE, "2024-02-30"), BAD_CAL(DATE, "2024-02-31"), BAD_CAL(DATE, "2023-04-31"),
    BAD_CAL(DATE, "2023-06-31"), BAD_CAL(DATE, "2023-09-31"), BAD_CAL(DATE, "2023-11-31"),

    /* dateTime */
    OK(DATETIME, "2024"), OK(DATETIME, "2024-02"), OK(DATETIME, "2024-02-29"),
    OK(DATETIME, "2015-02-07T13:28:17-05:00"), OK(DATETIME, "2017-01-01T00:00:00.000Z"),
    OK(DATETIME, "2017-01-01T00:00:00+14:00"), OK(DATETIME, "2000-02-29T12:00:00Z"),
    OK(DATETIME, "2017-01-01T23:59:59.5-00:30"),
    BAD(DATETIME, ""), BAD(DATETIME, "0000"), BAD(DATETIME, "2017-01-01T00:00:00"),
    BAD(DATETIME, "2017-01-01T00:00Z"), BAD(DATETIME, "2017-01-01T"),
    BAD(DATETIME, "2017-01T00:00:00Z"), BAD(DATETIME, "2017T00:00:00Z"),
    BAD(DATETIME, "2017-01-01T00:00:00ZZ"), BAD(DATETIME, "2017-01-01T00:00:00+14:30"),
    BAD(DATETIME, "2017-01-01T00:00:00-1:00"), BAD(DATETIME, "2017-01-01T00:00:00.+01:00"),
    BAD(DATETIME, "2017-01-01T25:00:00Z"), BAD(DATETIME, "2017-01-01Z"), BAD(DATETIME, "2017-01Z"),
    BAD_CAL(DATETIME, "2016-12-31T23:59:60Z"), BAD_CAL(DATETIME, "2023-02-29"),
    BAD_CAL(DATETIME, "2023-02-29T00:00:00Z"), BAD_CAL(DATETIME, "1900-02-29"),
    BAD_CAL(DATETIME, "2024-06-31"),

    /* time: ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)? */
    OK(TIME, "00:00:00"), OK(TIME, "23:59:59"), OK(TIME, "12:30:00.5"),
    OK(TIME, "23:59:59.999999999999"), OK(TIME, "09:05:07"),
    BAD(TIME, ""), BAD(TIME, "24:00:00"), BAD(TIME, "10:00"), BAD(TIME, "1:00:00"),
    BAD(TIME, "10:00:00Z"), BAD(TIME, "10:00:00+01:00"), BAD(TIME, "10:60:00"),
    BAD(TIME, "10:00:61"), BAD(TIME, "10:00:00."), BAD(TIME, "T10:00:00"),
    BAD(TIME, "10-00-00"), BAD(TIME, "10:00:0"), BAD(TIME, "10:00:00 "),
    BAD_CAL(TIME, "23:59:60"), BAD_CAL(TIME, "00:00:60.5"),

    /* xhtml: not checked here */
    OK(XHTML, "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"), OK(XHTML, "not even xml"),
};

static const size_t sample_count = sizeof samples / sizeof samples[0];

/* ---- helpers ------------------------------------------------------------- */

/* s[0..len) as a C literal, for messages. */
static const char *show(const char *s, size_t len, char *out, size_t cap)
{
    size_t i, o = 0;

    for (i = 0; i < len && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (i < len && o + 4 < cap)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
    return out;
}

/* 1 when the checker gives the expected answer; says which sample if not. */
static int sample_ok(const sample *t)
{
    char buf[256];
    int got = fhir_primitive_valid(t->kind, t->s, t->len);

    if (got == t->valid)
        return 1;
    print_error("%s \"%s\": expected %s, got %s\n", fhir_prim_name(t->kind),
                show(t->s, t->len, buf, sizeof buf), t->valid ? "valid" : "invalid",
                got ? "valid" : "invalid");
    return 0;
}

static void run_kind(fhir_prim kind)
{
    size_t i;
    unsigned good = 0, bad = 0, wrong = 0;

    for (i = 0; i < sample_count; i++) {
        if (samples[i].kind != kind)
            continue;
        if (samples[i].valid)
            good++;
        else
            bad++;
        wrong += !sample_ok(&samples[i]);
    }
    assert_int_equal(wrong, 0);
    assert_true(good > 0);
    if (kind != FHIR_PRIM_XHTML)
        assert_true(bad > 0);
}

#define VALID(k, lit) fhir_primitive_valid(FHIR_PRIM_##k, lit, sizeof(lit) - 1)

/* ---- the table, one test per kind -------------------------------------- */

#define KIND_TEST(name, KIND) \
    static void test_fhir_primitive__##name##_samples(void **state) \
    { \
        (void)state; \
        run_kind(FHIR_PRIM_##KIND); \
    }

KIND_TEST(boolean, BOOLEAN)
KIND_TEST(integer, INTEGER)
KIND_TEST(decimal, DECIMAL)
KIND_TEST(positiveint, POSITIVEINT)
KIND_TEST(unsignedint, UNSIGNEDINT)
KIND_TEST(string, STRING)
KIND_TEST(code, CODE)
KIND_TEST(id, ID)
KIND_TEST(markdown, MARKDOWN)
KIND_TEST(uri, URI)
KIND_TEST(url, URL)
KIND_TEST(canonical, CANONICAL)
KIND_TEST(oid, OID)
KIND_TEST(uuid, UUID)
KIND_TEST(base64binary, BASE64BINARY)
KIND_TEST(instant, INSTANT)
KIND_TEST(date, DATE)
KIND_TEST(datetime, DATETIME)
KIND_TEST(time, TIME)
KIND_TEST(xhtml, XHTML)

/* ---- named edge cases ---------------------------------------------------- */

static void test_fhir_primitive__integer_accepts_int32_limits(void **state)
{
    (void)state;
    assert_true(VALID(INTEGER, "2147483647"));
    assert_true(VALID(INTEGER, "-2147483648"));
    assert_true(VALID(POSITIVEINT, "2147483647"));
    assert_true(VALID(UNSIGNEDINT, "2147483647"));
}

static void test_fhir_primitive__integer_rejects_past_int32(void **state)
{
    (void)state;
    assert_false(VALID(INTEGER, "2147483648"));
    assert_false(VALID(INTEGER, "-2147483649"));
    assert_false(VALID(INTEGER, "21474836470"));
    assert_false(VALID(POSITIVEINT, "2147483648"));
    assert_false(VALID(UNSIGNEDINT, "2147483648"));
    assert_false(VALID(UNSIGNEDINT, "18446744073709551616"));
}

static void test_fhir_primitive__integer_accepts_minus_zero(void **state)
{
    (void)state;
    assert_true(VALID(INTEGER, "-0"));
    assert_true(VALID(DECIMAL, "-0"));
}

static void test_fhir_primitive__integer_rejects_plus_sign(void **state)
{
    (void)state;
    assert_false(VALID(INTEGER, "+1"));
    assert_false(VALID(POSITIVEINT, "+1"));
    assert_false(VALID(UNSIGNEDINT, "+0"));
    assert_false(VALID(DECIMAL, "+1.0"));
}

static void test_fhir_primitive__integer_rejects_leading_zero(void **state)
{
    (void)state;
    assert_false(VALID(INTEGER, "01"));
    assert_false(VALID(INTEGER, "-01"));
    assert_false(VALID(INTEGER, "00"));
    assert_false(VALID(POSITIVEINT, "01"));
    assert_false(VALID(UNSIGNEDINT, "00"));
}

static void test_fhir_primitive__positiveint_rejects_zero(void **state)
{
    (void)state;
    assert_false(VALID(POSITIVEINT, "0"));
    assert_false(VALID(POSITIVEINT, "-0"));
    assert_true(VALID(POSITIVEINT, "1"));
}

static void test_fhir_primitive__unsignedint_rejects_minus_zero(void **state)
{
    (void)state;
    assert_false(VALID(UNSIGNEDINT, "-0"));
    assert_true(VALID(UNSIGNEDINT, "0"));
}

static void test_fhir_primitive__decimal_accepts_exponent(void **state)
{
    (void)state;
    assert_true(VALID(DECIMAL, "1e10"));
    assert_true(VALID(DECIMAL, "1E-10"));
    assert_true(VALID(DECIMAL, "-2.5e+3"));
    assert_false(VALID(DECIMAL, "1e"));
    assert_false(VALID(DECIMAL, "e1"));
}

static void test_fhir_primitive__decimal_accepts_1_50(void **state)
{
    (void)state;
    assert_true(VALID(DECIMAL, "1.50"));
    assert_true(VALID(DECIMAL, "0.00"));
}

static void test_fhir_primitive__decimal_rejects_plus_and_leading_zero(void **state)
{
    (void)state;
    assert_false(VALID(DECIMAL, "+1"));
    assert_false(VALID(DECIMAL, "01"));
    assert_false(VALID(DECIMAL, "01.5"));
    assert_false(VALID(DECIMAL, ".5"));
    assert_false(VALID(DECIMAL, ""));
}

static void test_fhir_primitive__date_leap_years(void **state)
{
    (void)state;
    assert_true(VALID(DATE, "2000-02-29"));  /* divisible by 400 */
    assert_false(VALID(DATE, "1900-02-29")); /* by 100, not 400 */
    assert_true(VALID(DATE, "2024-02-29"));  /* by 4 */
    assert_false(VALID(DATE, "2023-02-29"));
    assert_true(VALID(DATETIME, "2000-02-29T00:00:00Z"));
    assert_false(VALID(DATETIME, "1900-02-29T00:00:00Z"));
    assert_true(VALID(INSTANT, "2024-02-29T00:00:00Z"));
    assert_false(VALID(INSTANT, "2023-02-29T00:00:00Z"));
}

static void test_fhir_primitive__date_rejects_feb_30(void **state)
{
    (void)state;
    assert_false(VALID(DATE, "2024-02-30"));
    assert_false(VALID(DATETIME, "2024-02-30"));
    assert_false(VALID(INSTANT, "2024-02-30T00:00:00Z"));
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): an oracle independent of the checker's month table. */
static long days_from_civil(long y, long m, long d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void put2(char *p, long v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

static void test_fhir_primitive__date_matches_calendar_oracle(void **state)
{
    char d[21];
    long y, m, day;
    unsigned wrong = 0;

    (void)state;
    memcpy(d, "YYYY-MM-DDT12:00:00Z", 21);
    for (y = 1; y <= 9999; y++) {
        put2(d, y / 100);
        put2(d + 2, y % 100);
        for (m = 0; m <= 13; m++) {
            long dim = 0;

            if (m >= 1 && m <= 12)
                dim = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1)
                    - days_from_civil(y, m, 1);
            put2(d + 5, m);
            wrong += fhir_primitive_valid(FHIR_PRIM_DATE, d, 7) != (dim > 0);
            for (day = 0; day <= 32; day++) {
                int want = day >= 1 && day <= dim;

                put2(d + 8, day);
                wrong += fhir_primitive_valid(FHIR_PRIM_DATE, d, 10) != want;
                wrong += fhir_primitive_valid(FHIR_PRIM_DATETIME, d, 10) != want;
                wrong += fhir_primitive_valid(FHIR_PRIM_DATETIME, d, 20) != want;
                wrong += fhir_primitive_valid(FHIR_PRIM_INSTANT, d, 20) != want;
                if (wrong > 0) {
                    print_error("calendar disagrees at \"%.20s\"\n", d);
                    fail();
                }
            }
        }
    }
    assert_int_equal(wrong, 0);
}

static void test_fhir_primitive__datetime_requires_zone_with_time(void **state)
{
    (void)state;
    assert_false(VALID(DATETIME, "2017-01-01T00:00:00"));
    assert_false(VALID(DATETIME, "2017-01-01T00:00:00.123"));
    assert_true(VALID(DATETIME, "2017-01-01T00:00:00Z"));
    assert_true(VALID(DATETIME, "2017-01-01T00:00:00+01:00"));
    assert_true(VALID(DATETIME, "2017-01-01")); /* no time, no zone */
}

static void test_fhir_primitive__datetime_rejects_leap_second(void **state)
{
    (void)state;
    /* the regex allows :60, xs:dateTime and xs:time do not */
    assert_false(VALID(DATETIME, "2016-12-31T23:59:60Z"));
    assert_false(VALID(INSTANT, "2016-12-31T23:59:60Z"));
    assert_false(VALID(TIME, "23:59:60"));
    assert_true(VALID(TIME, "23:59:59.999"));
}

static void test_fhir_primitive__datetime_zone_limits(void **state)
{
    (void)state;
    assert_true(VALID(DATETIME, "2017-01-01T00:00:00+14:00"));
    assert_true(VALID(DATETIME, "2017-01-01T00:00:00-14:00"));
    assert_true(VALID(DATETIME, "2017-01-01T00:00:00+13:59"));
    assert_false(VALID(DATETIME, "2017-01-01T00:00:00+14:01"));
    assert_false(VALID(DATETIME, "2017-01-01T00:00:00+13:60"));
    assert_false(VALID(DATETIME, "2017-01-01T00:00:00+15:00"));
}

static void test_fhir_primitive__instant_requires_seconds_and_zone(void **state)
{
    (void)state;
    assert_false(VALID(INSTANT, "2017-01-01"));
    assert_false(VALID(INSTANT, "2017-01-01T10:00Z"));
    assert_false(VALID(INSTANT, "2017-01-01T10:00:00"));
    assert_true(VALID(INSTANT, "2017-01-01T10:00:00Z"));
}

static void test_fhir_primitive__time_rejects_24_and_zone(void **state)
{
    (void)state;
    assert_false(VALID(TIME, "24:00:00"));
    assert_false(VALID(TIME, "12:00:00Z"));
    assert_true(VALID(TIME, "00:00:00"));
}

static void test_fhir_primitive__every_kind_rejects_empty(void **state)
{
    int k;

    (void)state;
    for (k = FHIR_PRIM_NONE; k < FHIR_PRIM_COUNT; k++) {
        if (k == FHIR_PRIM_XHTML)
            continue;
        if (fhir_primitive_valid((fhir_prim)k, "", 0)) {
            print_error("%s accepts \"\"\n", fhir_prim_name((fhir_prim)k));
            fail();
        }
        if (fhir_primitive_valid((fhir_prim)k, NULL, 0)) {
            print_error("%s accepts (NULL, 0)\n", fhir_prim_name((fhir_prim)k));
            fail();
        }
    }
}

static void test_fhir_primitive__code_rejects_trailing_space(void **state)
{
    (void)state;
    assert_false(VALID(CODE, "final "));
    assert_false(VALID(CODE, "final\n"));
    assert_false(VALID(CODE, " final"));
    assert_true(VALID(CODE, "final"));
}

static void test_fhir_primitive__code_rejects_double_space(void **state)
{
    (void)state;
    assert_false(VALID(CODE, "a  b"));
    assert_false(VALID(CODE, "a \tb"));
    assert_true(VALID(CODE, "a b"));
}

static void test_fhir_primitive__uuid_rejects_uppercase(void **state)
{
    (void)state;
    assert_false(VALID(UUID, "urn:uuid:C757873D-EC9A-4326-A141-556F43239520"));
    assert_false(VALID(UUID, "urn:uuid:c757873d-ec9a-4326-a141-556f4323952A"));
    assert_true(VALID(UUID, "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"));
}

static void test_fhir_primitive__base64_rejects_bad_padding(void **state)
{
    (void)state;
    assert_false(VALID(BASE64BINARY, "QUJD="));     /* not a group of 4 */
    assert_false(VALID(BASE64BINARY, "Q==="));      /* three '=' */
    assert_false(VALID(BASE64BINARY, "QQ==QUJD"));  /* padding before the end */
    assert_false(VALID(BASE64BINARY, "QU=D"));      /* '=' inside a group */
    assert_false(VALID(BASE64BINARY, "QR=="));      /* dropped bits not zero */
    assert_false(VALID(BASE64BINARY, "QUJ="));
    assert_true(VALID(BASE64BINARY, "QQ=="));
    assert_true(VALID(BASE64BINARY, "QUI="));
}

static void test_fhir_primitive__string_limit_is_1mib_chars(void **state)
{
    size_t n = FHIR_STRING_MAX_CHARS;
    char *buf = malloc(2 * n + 2);
    size_t i;

    (void)state;
    assert_non_null(buf);
    memset(buf, 'a', n + 1);
    assert_true(fhir_primitive_valid(FHIR_PRIM_STRING, buf, n));
    assert_false(fhir_primitive_valid(FHIR_PRIM_STRING, buf, n + 1));
    assert_true(fhir_primitive_valid(FHIR_PRIM_MARKDOWN, buf, n));
    assert_false(fhir_primitive_valid(FHIR_PRIM_MARKDOWN, buf, n + 1));
    assert_true(fhir_primitive_valid(FHIR_PRIM_CODE, buf, n));
    assert_false(fhir_primitive_valid(FHIR_PRIM_CODE, buf, n + 1));
    /* characters, not bytes: 1 MiB of two-byte "é" is fine, one more is not */
    for (i = 0; i < n + 1; i++) {
        buf[2 * i] = (char)0xc3;
        buf[2 * i + 1] = (char)0xa9;
    }
    assert_true(fhir_primitive_valid(FHIR_PRIM_STRING, buf, 2 * n));
    assert_false(fhir_primitive_valid(FHIR_PRIM_STRING, buf, 2 * n + 2));
    free(buf);
}

static void test_fhir_primitive__text_rejects_chars_xml_forbids(void **state)
{
    int c;
    char s[3] = { 'a', 0, 'b' };

    (void)state;
    for (c = 0; c < 0x20; c++) {
        int ok = c == '\t' || c == '\n' || c == '\r';

        s[1] = (char)c;
        assert_int_equal(fhir_primitive_valid(FHIR_PRIM_STRING, s, 3), ok);
        assert_int_equal(fhir_primitive_valid(FHIR_PRIM_MARKDOWN, s, 3), ok);
        assert_int_equal(fhir_primitive_valid(FHIR_PRIM_CODE, s, 3), ok);
        assert_false(fhir_primitive_valid(FHIR_PRIM_URI, s, 3));
    }
    assert_false(VALID(STRING, "\xef\xbf\xbe"));
    assert_false(VALID(STRING, "\xef\xbf\xbf"));
    assert_true(VALID(STRING, "\xef\xbf\xbd"));
    assert_true(VALID(STRING, "\xef\xbf")); /* truncated: UTF-8 is the reader's job */
}

static void test_fhir_primitive__uri_rejects_whitespace_and_bad_escapes(void **state)
{
    (void)state;
    assert_false(VALID(URI, "http://a/b c"));
    assert_false(VALID(URI, "http://a/b\t"));
    assert_false(VALID(URI, "http://a/%zz"));
    assert_false(VALID(URI, "http://a/%4"));
    assert_false(VALID(URI, "http://a/#x#y"));
    assert_true(VALID(URI, "http://a/%4a%4A"));
    assert_true(VALID(CANONICAL, "http://hl7.org/fhir/ValueSet/x|4.0.1"));
}

static void test_fhir_primitive__id_max_64(void **state)
{
    (void)state;
    assert_true(VALID(ID, ID64));
    assert_false(VALID(ID, ID64 "a"));
}

/* The checkers read s[0..len) only: a value followed by more bytes is
 * judged on its first len bytes. */
static void test_fhir_primitive__reads_only_len_bytes(void **state)
{
    static const char truex[5] = { 't', 'r', 'u', 'e', 'x' }; /* no NUL */

    (void)state;
    assert_true(fhir_primitive_valid(FHIR_PRIM_BOOLEAN, truex, 4));
    assert_false(fhir_primitive_valid(FHIR_PRIM_BOOLEAN, truex, 5));
    assert_true(fhir_primitive_valid(FHIR_PRIM_DATE, "2024-01-01", 7));
    assert_true(fhir_primitive_valid(FHIR_PRIM_DATE, "2024-01-01", 4));
    assert_false(fhir_primitive_valid(FHIR_PRIM_DATE, "2024-01-01", 9));
    assert_true(fhir_primitive_valid(FHIR_PRIM_INTEGER, "123abc", 3));
    assert_true(fhir_primitive_valid(FHIR_PRIM_CODE, "ab ", 2));
    assert_false(fhir_primitive_valid(FHIR_PRIM_URI, "http://a/%41", 10)); /* "%" cut off */
    assert_false(fhir_primitive_valid(FHIR_PRIM_URI, "http://a/%41", 11));
    assert_true(fhir_primitive_valid(FHIR_PRIM_URI, "http://a/%41", 12));
    assert_true(fhir_primitive_valid(FHIR_PRIM_STRING, "x\xef\xbf\xbf", 3));
    assert_true(fhir_primitive_valid(FHIR_PRIM_BASE64BINARY, "QUJD=", 4));
    assert_true(fhir_primitive_valid(FHIR_PRIM_TIME, "10:00:00.5Z", 10));
}

/* Every kind on every prefix of every sample, each copied to a buffer of
 * exactly that size (ASan reports a read past it), and the same bytes with
 * junk after them must give the same answer. */
static void test_fhir_primitive__never_reads_past_len(void **state)
{
    size_t i, n;
    int k;

    (void)state;
    for (i = 0; i < sample_count; i++) {
        const sample *t = &samples[i];

        for (n = 0; n <= t->len; n++) {
            char *exact = malloc(n ? n : 1);
            char *junk = malloc(n + 8);

            assert_non_null(exact);
            assert_non_null(junk);
            memcpy(exact, t->s, n);
            memcpy(junk, t->s, n);
            memcpy(junk + n, "=0:-.\xbf\xbf ", 8);
            for (k = FHIR_PRIM_NONE; k < FHIR_PRIM_COUNT; k++) {
                int a = fhir_primitive_valid((fhir_prim)k, n ? exact : exact + 1, n);
                int b = fhir_primitive_valid((fhir_prim)k, junk, n);

                if (a != b) {
                    char buf[256];

                    print_error("%s \"%s\": answer depends on bytes past len\n",
                                fhir_prim_name((fhir_prim)k), show(t->s, n, buf, sizeof buf));
                    fail();
                }
            }
            free(exact);
            free(junk);
        }
    }
}

/* ---- agreement with the FHIR regexes ------------------------------------- */

/*
 * The R4 regexes ("<type>.value", profiles-types.json), as POSIX EREs. The
 * only changes: XML Schema's \s is written [ \t\r\n] and \S [^ \t\r\n];
 * a backslash inside brackets is dropped (it is literal in POSIX);
 * [ \r\n\t\S]+ (string, markdown) is "anything non-empty". Each is anchored
 * as ^( )$ when compiled.
 */
static const char *const fhir_regex[FHIR_PRIM_COUNT] = {
    [FHIR_PRIM_BOOLEAN] = "true|false",
    [FHIR_PRIM_INTEGER] = "-?([0]|([1-9][0-9]*))",
    [FHIR_PRIM_DECIMAL] = "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?",
    [FHIR_PRIM_POSITIVEINT] = "[1-9][0-9]*",
    [FHIR_PRIM_UNSIGNEDINT] = "[0]|([1-9][0-9]*)",
    /* [ \r\n\t\S]+ */
    [FHIR_PRIM_STRING] = "(.|\n)+",
    [FHIR_PRIM_MARKDOWN] = "(.|\n)+",
    /* [^\s]+(\s[^\s]+)* */
    [FHIR_PRIM_CODE] = "[^ \t\r\n]+([ \t\r\n][^ \t\r\n]+)*",
    /* [A-Za-z0-9\-\.]{1,64} */
    [FHIR_PRIM_ID] = "[A-Za-z0-9.-]{1,64}",
    /* \S* */
    [FHIR_PRIM_URI] = "[^ \t\r\n]*",
    [FHIR_PRIM_URL] = "[^ \t\r\n]*",
    [FHIR_PRIM_CANONICAL] = "[^ \t\r\n]*",
    [FHIR_PRIM_OID] = "urn:oid:[0-2](\\.(0|[1-9][0-9]*))+",
    [FHIR_PRIM_UUID] = "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    /* (\s*([0-9a-zA-Z\+/=]){4}\s*)+ */
    [FHIR_PRIM_BASE64BINARY] = "([ \t\r\n]*([0-9a-zA-Z+/=]){4}[ \t\r\n]*)+",
    [FHIR_PRIM_INSTANT] =
        "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
        "T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
        "(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    [FHIR_PRIM_DATE] =
        "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
        "(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?",
    [FHIR_PRIM_DATETIME] =
        "([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
        "(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
        "(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
        "(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?",
    [FHIR_PRIM_TIME] = "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?",
};

static void compile_regex(regex_t *re, fhir_prim kind)
{
    char pat[1024];
    int rc;

    snprintf(pat, sizeof pat, "^(%s)$", fhir_regex[kind]);
    rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        print_error("%s: regex does not compile: %s\n", fhir_prim_name(kind), pat);
        fail();
    }
}

static void test_fhir_primitive__regex_agrees_on_samples(void **state)
{
    int k;
    size_t i;
    unsigned wrong = 0, checked = 0, marked = 0;

    (void)state;
    for (k = FHIR_PRIM_NONE + 1; k < FHIR_PRIM_COUNT; k++) {
        regex_t re;

        if (fhir_regex[k] == NULL)
            continue;
        compile_regex(&re, (fhir_prim)k);
        for (i = 0; i < sample_count; i++) {
            const sample *t = &samples[i];
            char buf[256];
            int match;

            if ((int)t->kind != k || strlen(t->s) != t->len) /* regexec stops at NUL */
                continue;
            match = regexec(&re, t->s, 0, NULL, 0) == 0;
            if (t->why == RX) {
                checked++;
                if (match == t->valid)
                    continue;
                print_error("%s \"%s\": regex says %s, table says %s\n", fhir_prim_name(t->kind),
                            show(t->s, t->len, buf, sizeof buf), match ? "valid" : "invalid",
                            t->valid ? "valid" : "invalid");
            } else {
                marked++;
                if (match && !t->valid)
                    continue;
                print_error("%s \"%s\": marked as refused beyond the regex, but the regex %s it\n",
                            fhir_prim_name(t->kind), show(t->s, t->len, buf, sizeof buf),
                            match ? "matches" : "refuses");
            }
            wrong++;
        }
        regfree(&re);
    }
    assert_int_equal(wrong, 0);
    assert_true(checked > 300);
    assert_true(marked > 50);
}

/* xorshift32: a fixed sequence, so a failure repeats. */
static uint32_t next_rand(uint32_t *x)
{
    *x ^= (uint32_t)((uint64_t)*x << 13);
    *x ^= *x >> 17;
    *x ^= (uint32_t)((uint64_t)*x << 5);
    return *x;
}

/*
 * Mutates every sample of the kinds with a regex and checks that the
 * checker never accepts what the regex refuses (the extra rules only take
 * away). For kinds with no extra rule in reach of the mutations, the two
 * must agree exactly (seeds the regex alone decides; the alphabet has no
 * control character and no 0xEF).
 */
static void test_fhir_primitive__never_accepts_what_regex_rejects(void **state)
{
    static const char alphabet[] = "0123456789-+.:TZ eE=/aAfFgz\t\n%#?[]@_QUJD";
    uint32_t rnd = 0x2545F491u;
    unsigned wrong = 0, runs = 0;
    int k;
    size_t i;

    (void)state;
    for (k = FHIR_PRIM_NONE + 1; k < FHIR_PRIM_COUNT; k++) {
        regex_t re;
        int exact = k == FHIR_PRIM_BOOLEAN || k == FHIR_PRIM_DECIMAL || k == FHIR_PRIM_ID
                 || k == FHIR_PRIM_OID || k == FHIR_PRIM_UUID || k == FHIR_PRIM_CODE;

        if (fhir_regex[k] == NULL)
            continue;
        compile_regex(&re, (fhir_prim)k);
        for (i = 0; i < sample_count; i++) {
            const sample *t = &samples[i];
            int round;

            if ((int)t->kind != k || strlen(t->s) != t->len || t->len > 100)
                continue;
            for (round = 0; round < 400; round++) {
                char s[128];
                size_t n = t->len;
                int edits = 1 + (int)(next_rand(&rnd) % 3), e;
                int mine, theirs;

                memcpy(s, t->s, n);
                for (e = 0; e < edits; e++) {
                    size_t at = n ? next_rand(&rnd) % (n + 1) : 0;
                    char c = alphabet[next_rand(&rnd) % (sizeof alphabet - 1)];

                    switch (next_rand(&rnd) % 3) {
                    case 0: /* replace */
                        if (at < n)
                            s[at] = c;
                        break;
                    case 1: /* insert */
                        if (n < sizeof s - 1) {
                            memmove(s + at + 1, s + at, n - at);
                            s[at] = c;
                            n++;
                        }
                        break;
                    default: /* delete */
                        if (at < n) {
                            memmove(s + at, s + at + 1, n - at - 1);
                            n--;
                        }
                        break;
                    }
                }
                s[n] = '\0';
                mine = fhir_primitive_valid((fhir_prim)k, s, n);
                theirs = regexec(&re, s, 0, NULL, 0) == 0;
                runs++;
                if ((mine && !theirs) || (exact && t->why == RX && mine != theirs)) {
                    char buf[256];

                    print_error("%s \"%s\": checker %s, regex %s\n", fhir_prim_name((fhir_prim)k),
                                show(s, n, buf, sizeof buf), mine ? "accepts" : "refuses",
                                theirs ? "matches" : "refuses");
                    wrong++;
                }
            }
        }
        regfree(&re);
    }
    assert_int_equal(wrong, 0);
    assert_true(runs > 100000);
}

/* ---- names and JSON shape ---------------------------------------------- */

static void test_fhir_primitive__names(void **state)
{
    static const char *const want[FHIR_PRIM_COUNT] = {
        "?", "boolean", "integer", "decimal", "positiveInt", "unsignedInt", "string",
        "code", "id", "markdown", "uri", "url", "canonical", "oid", "uuid",
        "base64Binary", "instant", "date", "dateTime", "time", "xhtml",
    };
    int k;

    (void)state;
    for (k = 0; k < FHIR_PRIM_COUNT; k++)
        assert_string_equal(fhir_prim_name((fhir_prim)k), want[k]);
    assert_string_equal(fhir_prim_name(FHIR_PRIM_COUNT), "?");
    assert_string_equal(fhir_prim_name((fhir_prim)200), "?");
    assert_string_equal(fhir_prim_name((fhir_prim)-1), "?");
}

static void test_fhir_primitive__json_unquoted(void **state)
{
    int k;

    (void)state;
    for (k = 0; k < FHIR_PRIM_COUNT; k++) {
        int want = k == FHIR_PRIM_BOOLEAN || k == FHIR_PRIM_INTEGER || k == FHIR_PRIM_DECIMAL
                || k == FHIR_PRIM_POSITIVEINT || k == FHIR_PRIM_UNSIGNEDINT;

        assert_int_equal(fhir_prim_json_unquoted((fhir_prim)k), want);
    }
    assert_int_equal(fhir_prim_json_unquoted(FHIR_PRIM_COUNT), 0);
}

static void test_fhir_primitive__unknown_kind_is_invalid(void **state)
{
    (void)state;
    assert_false(fhir_primitive_valid(FHIR_PRIM_NONE, "true", 4));
    assert_false(fhir_primitive_valid(FHIR_PRIM_COUNT, "true", 4));
    assert_false(fhir_primitive_valid((fhir_prim)99, "true", 4));
    assert_true(fhir_primitive_valid(FHIR_PRIM_XHTML, "", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fhir_primitive__boolean_samples),
        cmocka_unit_test(test_fhir_primitive__integer_samples),
        cmocka_unit_test(test_fhir_primitive__decimal_samples),
        cmocka_unit_test(test_fhir_primitive__positiveint_samples),
        cmocka_unit_test(test_fhir_primitive__unsignedint_samples),
        cmocka_unit_test(test_fhir_primitive__string_samples),
        cmocka_unit_test(test_fhir_primitive__code_samples),
        cmocka_unit_test(test_fhir_primitive__id_samples),
        cmocka_unit_test(test_fhir_primitive__markdown_samples),
        cmocka_unit_test(test_fhir_primitive__uri_samples),
        cmocka_unit_test(test_fhir_primitive__url_samples),
        cmocka_unit_test(test_fhir_primitive__canonical_samples),
        cmocka_unit_test(test_fhir_primitive__oid_samples),
        cmocka_unit_test(test_fhir_primitive__uuid_samples),
        cmocka_unit_test(test_fhir_primitive__base64binary_samples),
        cmocka_unit_test(test_fhir_primitive__instant_samples),
        cmocka_unit_test(test_fhir_primitive__date_samples),
        cmocka_unit_test(test_fhir_primitive__datetime_samples),
        cmocka_unit_test(test_fhir_primitive__time_samples),
        cmocka_unit_test(test_fhir_primitive__xhtml_samples),
        cmocka_unit_test(test_fhir_primitive__integer_accepts_int32_limits),
        cmocka_unit_test(test_fhir_primitive__integer_rejects_past_int32),
        cmocka_unit_test(test_fhir_primitive__integer_accepts_minus_zero),
        cmocka_unit_test(test_fhir_primitive__integer_rejects_plus_sign),
        cmocka_unit_test(test_fhir_primitive__integer_rejects_leading_zero),
        cmocka_unit_test(test_fhir_primitive__positiveint_rejects_zero),
        cmocka_unit_test(test_fhir_primitive__unsignedint_rejects_minus_zero),
        cmocka_unit_test(test_fhir_primitive__decimal_accepts_exponent),
        cmocka_unit_test(test_fhir_primitive__decimal_accepts_1_50),
        cmocka_unit_test(test_fhir_primitive__decimal_rejects_plus_and_leading_zero),
        cmocka_unit_test(test_fhir_primitive__date_leap_years),
        cmocka_unit_test(test_fhir_primitive__date_rejects_feb_30),
        cmocka_unit_test(test_fhir_primitive__date_matches_calendar_oracle),
        cmocka_unit_test(test_fhir_primitive__datetime_requires_zone_with_time),
        cmocka_unit_test(test_fhir_primitive__datetime_rejects_leap_second),
        cmocka_unit_test(test_fhir_primitive__datetime_zone_limits),
        cmocka_unit_test(test_fhir_primitive__instant_requires_seconds_and_zone),
        cmocka_unit_test(test_fhir_primitive__time_rejects_24_and_zone),
        cmocka_unit_test(test_fhir_primitive__every_kind_rejects_empty),
        cmocka_unit_test(test_fhir_primitive__code_rejects_trailing_space),
        cmocka_unit_test(test_fhir_primitive__code_rejects_double_space),
        cmocka_unit_test(test_fhir_primitive__uuid_rejects_uppercase),
        cmocka_unit_test(test_fhir_primitive__base64_rejects_bad_padding),
        cmocka_unit_test(test_fhir_primitive__string_limit_is_1mib_chars),
        cmocka_unit_test(test_fhir_primitive__text_rejects_chars_xml_forbids),
        cmocka_unit_test(test_fhir_primitive__uri_rejects_whitespace_and_bad_escapes),
        cmocka_unit_test(test_fhir_primitive__id_max_64),
        cmocka_unit_test(test_fhir_primitive__reads_only_len_bytes),
        cmocka_unit_test(test_fhir_primitive__never_reads_past_len),
        cmocka_unit_test(test_fhir_primitive__regex_agrees_on_samples),
        cmocka_unit_test(test_fhir_primitive__never_accepts_what_regex_rejects),
        cmocka_unit_test(test_fhir_primitive__names),
        cmocka_unit_test(test_fhir_primitive__json_unquoted),
        cmocka_unit_test(test_fhir_primitive__unknown_kind_is_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
