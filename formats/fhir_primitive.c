/*
 * fhir_primitive.c — lexical checks for the FHIR R4 primitive types.
 *
 * One small checker per type; fhir_primitive_valid() picks one. Each reads
 * s[0..len) once, front to back, with a byte-class table instead of a regex
 * engine; nothing is allocated and there is no mutable state.
 *
 * Sources of the rules, for each kind (R4 4.0.1):
 *   - the regex on "<type>.value" in profiles-types.json (quoted below each
 *     checker; "\s" there is XML Schema's [ \t\n\r]);
 *   - the XSD simple type "<type>-primitive" in fhir-base.xsd, where it is
 *     stricter than the regex (calendar dates, no leap second, base64
 *     padding bits, anyURI syntax as libxml2 checks it);
 *   - the FHIR rules neither states: no empty values, 1 MB strings, 32-bit
 *     integers, only characters XML 1.0 allows.
 * The unit tests (tests/unit/formats/test_fhir_primitive.c) hold each
 * checker to its regex on a table of samples.
 *
 * Limits: UTF-8 is not validated (the readers do that); "characters" in the
 * 1 MB limit are counted as UTF-8 lead bytes. xhtml is always accepted here.
 */
#include "fhir_primitive.h"

#include <stdint.h>
#include <string.h>

/* ---- byte classes ------------------------------------------------------ */

#define K_DIGIT  0x0001u /* 0-9 */
#define K_HEX    0x0002u /* 0-9 A-F a-f */
#define K_LHEX   0x0004u /* 0-9 a-f (uuid) */
#define K_ALPHA  0x0008u /* A-Z a-z */
#define K_ID     0x0010u /* A-Z a-z 0-9 - . */
#define K_B64    0x0020u /* A-Z a-z 0-9 + / (not '=') */
#define K_WS     0x0040u /* XML Schema \s: space \t \n \r */
#define K_CTL    0x0080u /* text needs a closer look: C0 control, or 0xEF */
#define K_PCHAR  0x0100u /* URI byte with no meaning of its own (see uri_tail) */
#define K_SCHEME 0x0200u /* A-Z a-z 0-9 + - . */

/* One macro per group of bytes that share classes. */
#define CT K_CTL                                   /* C0 but \t \n \r */
#define SP K_WS                                    /* \t \n \r space */
#define DG (K_DIGIT | K_HEX | K_LHEX | K_ID | K_B64 | K_PCHAR | K_SCHEME)
#define UX (K_ALPHA | K_HEX | K_ID | K_B64 | K_PCHAR | K_SCHEME)          /* A-F */
#define UA (K_ALPHA | K_ID | K_B64 | K_PCHAR | K_SCHEME)                  /* G-Z */
#define LX (K_ALPHA | K_HEX | K_LHEX | K_ID | K_B64 | K_PCHAR | K_SCHEME) /* a-f */
#define LA (K_ALPHA | K_ID | K_B64 | K_PCHAR | K_SCHEME)                  /* g-z */
#define PU K_PCHAR                                 /* other printable ASCII */
#define PL (K_PCHAR | K_B64 | K_SCHEME)            /* + */
#define DD (K_PCHAR | K_ID | K_SCHEME)             /* - . */
#define SL K_B64                                   /* / */
#define NO 0u                                      /* # % : ? [ ] */
#define HI K_PCHAR                                 /* 0x80-0xFF but 0xEF */
#define EF K_CTL                                   /* 0xEF: may start U+FFFE/U+FFFF */

static const uint16_t byte_class[256] = {
    CT, CT, CT, CT, CT, CT, CT, CT, CT, SP, SP, CT, CT, SP, CT, CT, /* 00 */
    CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, CT, /* 10 */
    SP, PU, PU, NO, PU, NO, PU, PU, PU, PU, PU, PL, PU, DD, DD, SL, /* 20  !"#$%&'()*+,-./ */
    DG, DG, DG, DG, DG, DG, DG, DG, DG, DG, NO, PU, PU, PU, PU, NO, /* 30 0-9:;<=>? */
    PU, UX, UX, UX, UX, UX, UX, UA, UA, UA, UA, UA, UA, UA, UA, UA, /* 40 @A-O */
    UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, UA, NO, PU, NO, PU, PU, /* 50 P-Z[\]^_ */
    PU, LX, LX, LX, LX, LX, LX, LA, LA, LA, LA, LA, LA, LA, LA, LA, /* 60 `a-o */
    LA, LA, LA, LA, LA, LA, LA, LA, LA, LA, LA, PU, PU, PU, PU, PU, /* 70 p-z{|}~ DEL */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 80 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* 90 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* A0 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* B0 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* C0 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* D0 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, EF, /* E0 */
    HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, HI, /* F0 */
};

#undef CT
#undef SP
#undef DG
#undef UX
#undef UA
#undef LX
#undef LA
#undef PU
#undef PL
#undef DD
#undef SL
#undef NO
#undef HI
#undef EF

#define CLS(c) (byte_class[(unsigned char)(c)])
#define IS(c, k) ((CLS(c) & (k)) != 0)

/* ---- text: string, markdown, code -------------------------------------- */

/* s[i] is a K_CTL byte: 1 when it is still allowed, i.e. it is 0xEF and
 * does not start U+FFFE or U+FFFF (EF BF BE, EF BF BF). */
static int ctl_allowed(const char *s, size_t i, size_t len)
{
    if ((unsigned char)s[i] != 0xEFu)
        return 0;
    return !(i + 2 < len && (unsigned char)s[i + 1] == 0xBFu
             && ((unsigned char)s[i + 2] & 0xFEu) == 0xBEu);
}

/* 1 when a text value of len bytes is within FHIR_STRING_MAX_CHARS. Only
 * values longer than that in bytes are counted (a second pass, rarely). */
static int text_size_ok(const char *s, size_t len)
{
    size_t i, chars = 0;

    if (len <= FHIR_STRING_MAX_CHARS)
        return 1;
    if (len > 4u * FHIR_STRING_MAX_CHARS)
        return 0;
    for (i = 0; i < len; i++)
        chars += ((unsigned char)s[i] & 0xC0u) != 0x80u;
    return chars <= FHIR_STRING_MAX_CHARS;
}

/* string, markdown: [ \r\n\t\S]+ (anything non-empty); whitespace-only is
 * allowed. */
static int text_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 0; i < len; i++)
        if (IS(s[i], K_CTL) && !ctl_allowed(s, i, len))
            return 0;
    return text_size_ok(s, len);
}

/* code: [^\s]+(\s[^\s]+)* — no leading, trailing or doubled whitespace; a
 * single inner space, tab, CR or LF is allowed, as the regex says. */
static int code_valid(const char *s, size_t len)
{
    size_t i;
    int after_ws = 1; /* so a leading blank fails; an empty value too */

    for (i = 0; i < len; i++) {
        uint16_t k = CLS(s[i]);

        if (!(k & (K_WS | K_CTL))) {
            after_ws = 0;
        } else if (k & K_WS) {
            if (after_ws)
                return 0;
            after_ws = 1;
        } else if (ctl_allowed(s, i, len)) {
            after_ws = 0;
        } else {
            return 0;
        }
    }
    return !after_ws && text_size_ok(s, len);
}

/* id: [A-Za-z0-9\-\.]{1,64} */
static int id_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > 64)
        return 0;
    for (i = 0; i < len; i++)
        if (!IS(s[i], K_ID))
            return 0;
    return 1;
}

/* ---- numbers and boolean ----------------------------------------------- */

/* boolean: true|false */
static int boolean_valid(const char *s, size_t len)
{
    return (len == 4 && memcmp(s, "true", 4) == 0)
        || (len == 5 && memcmp(s, "false", 5) == 0);
}

/* integer: -?([0]|([1-9][0-9]*)); positiveInt: [1-9][0-9]*;
 * unsignedInt: [0]|([1-9][0-9]*). All within 32-bit signed range (xs:int;
 * FHIR for the other two). `signed_ok`: '-' allowed; `zero_ok`: 0 allowed. */
static int int_valid(const char *s, size_t len, int signed_ok, int zero_ok)
{
    size_t i = 0;
    uint64_t v = 0, max = 2147483647u;

    if (signed_ok && len > 0 && s[0] == '-') {
        max = 2147483648u;
        i = 1;
    }
    if (i >= len)
        return 0;
    if (s[i] == '0')
        return i + 1 == len && zero_ok;
    if (len - i > 10)
        return 0;
    for (; i < len; i++) {
        if (!IS(s[i], K_DIGIT))
            return 0;
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    return v <= max; /* and v >= 1: it starts with 1-9 */
}

/* Skips [0-9]* from s[*i]; 1 when at least one digit was there. */
static int skip_digits(const char *s, size_t len, size_t *i)
{
    size_t from = *i;

    while (*i < len && IS(s[*i], K_DIGIT))
        (*i)++;
    return *i > from;
}

/* decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (the JSON number
 * grammar; the XSD's union of xs:decimal and xs:double accepts all of it). */
static int decimal_valid(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 0 && s[0] == '-')
        i = 1;
    if (i >= len || !IS(s[i], K_DIGIT))
        return 0;
    if (s[i] == '0')
        i++;
    else
        skip_digits(s, len, &i);
    if (i < len && s[i] == '.') {
        i++;
        if (!skip_digits(s, len, &i))
            return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!skip_digits(s, len, &i))
            return 0;
    }
    return i == len;
}

/* ---- dates and times ----------------------------------------------------- */

/* Two digits at s as a number, or -1. */
static int two_digits(const char *s)
{
    if (!IS(s[0], K_DIGIT) || !IS(s[1], K_DIGIT))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int days_in_month(int year, int month)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return days[month - 1] + (month == 2 && leap);
}

/*
 * The date part of date, dateTime and instant at the start of s:
 *   ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)   (4 digits, not 0000)
 *   (-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?
 * and a real day of that month (xs:date). Returns how many bytes it took
 * (4, 7 or 10; it stops where the next piece does not start) or 0.
 */
static size_t date_prefix(const char *s, size_t len)
{
    int hi, lo, month, day;

    if (len < 4 || (hi = two_digits(s)) < 0 || (lo = two_digits(s + 2)) < 0
        || hi + lo == 0)
        return 0;
    if (len == 4 || s[4] != '-')
        return 4;
    if (len < 7 || (month = two_digits(s + 5)) < 1 || month > 12)
        return 0;
    if (len == 7 || s[7] != '-')
        return 7;
    if (len < 10 || (day = two_digits(s + 8)) < 1
        || day > days_in_month(hi * 100 + lo, month))
        return 0;
    return 10;
}

/* ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)? at the start of
 * s, without second 60 (xs:time and xs:dateTime have no leap second).
 * Returns the bytes it took, or 0. */
static size_t time_prefix(const char *s, size_t len)
{
    size_t i = 8;
    int h, m, sec;

    if (len < 8 || (h = two_digits(s)) < 0 || h > 23 || s[2] != ':'
        || (m = two_digits(s + 3)) < 0 || m > 59 || s[5] != ':'
        || (sec = two_digits(s + 6)) < 0 || sec > 59)
        return 0;
    if (i < len && s[i] == '.') {
        i++;
        if (!skip_digits(s, len, &i))
            return 0;
    }
    return i;
}

/* A time then a zone that ends the value:
 * (Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)) */
static int time_zone_valid(const char *s, size_t len)
{
    size_t n = time_prefix(s, len);
    int h, m;

    if (n == 0)
        return 0;
    s += n;
    len -= n;
    if (len == 1)
        return s[0] == 'Z';
    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':'
        || (h = two_digits(s + 1)) < 0 || (m = two_digits(s + 4)) < 0)
        return 0;
    return (h <= 13 && m <= 59) || (h == 14 && m == 0);
}

/* date: YYYY, YYYY-MM or YYYY-MM-DD */
static int date_valid(const char *s, size_t len)
{
    size_t n = date_prefix(s, len);

    return n != 0 && n == len;
}

/* dateTime: a date, or YYYY-MM-DDThh:mm:ss(.s+)? with a zone */
static int datetime_valid(const char *s, size_t len)
{
    size_t n = date_prefix(s, len);

    if (n == 0)
        return 0;
    if (n == len)
        return 1;
    return n == 10 && s[10] == 'T' && time_zone_valid(s + 11, len - 11);
}

/* instant: YYYY-MM-DDThh:mm:ss(.s+)? with a zone, nothing shorter */
static int instant_valid(const char *s, size_t len)
{
    return date_prefix(s, len) == 10 && len > 11 && s[10] == 'T'
        && time_zone_valid(s + 11, len - 11);
}

/* time: hh:mm:ss(.s+)?, no zone */
static int time_valid(const char *s, size_t len)
{
    size_t n = time_prefix(s, len);

    return n != 0 && n == len;
}

/* ---- uri, url, canonical --------------------------------------------------- */

/* s[i] is '%': 1 when two hex digits follow. */
static int pct_valid(const char *s, size_t i, size_t len)
{
    return i + 2 < len && IS(s[i + 1], K_HEX) && IS(s[i + 2], K_HEX);
}

/* Length of "scheme:" at the start of s — ALPHA *( ALPHA / DIGIT / "+" /
 * "-" / "." ) ":" — or 0 when there is none. */
static size_t scheme_len(const char *s, size_t len)
{
    size_t i = 1;

    if (!IS(s[0], K_ALPHA))
        return 0;
    while (i < len && IS(s[i], K_SCHEME))
        i++;
    return i < len && s[i] == ':' ? i + 1 : 0;
}

/* Checks a[from..to) against URI text bytes: K_PCHAR, "%XX", 0xEF when it
 * does not start U+FFFE/U+FFFF, and ':' when `colon_ok`; '@' is refused
 * when `at_ok` is 0. */
static int uri_run_valid(const char *a, size_t from, size_t to, int colon_ok, int at_ok)
{
    size_t i;

    for (i = from; i < to; i++) {
        char c = a[i];

        if (IS(c, K_PCHAR) && (c != '@' || at_ok))
            continue;
        if (c == ':' && colon_ok)
            continue;
        if ((unsigned char)c == 0xEFu && ctl_allowed(a, i, to))
            continue;
        if (c != '%' || !pct_valid(a, i, to))
            return 0;
        i += 2;
    }
    return 1;
}

/* port = 1*DIGIT up to 2147483647 (libxml2 refuses an empty or larger
 * port; leading zeros are fine). */
static int port_valid(const char *p, size_t n)
{
    size_t i;
    uint64_t v = 0;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (!IS(p[i], K_DIGIT))
            return 0;
        v = v * 10u + (uint64_t)(p[i] - '0');
        if (v > 2147483647u)
            return 0;
    }
    return 1;
}

/* authority = [ userinfo "@" ] host [ ":" port ], a[0..n): userinfo takes
 * ':'; host is "[...]" (anything URI-ish inside) or a reg-name. */
static int authority_valid(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);
    size_t h = 0, i;

    if (at != NULL) {
        h = (size_t)(at - a);
        if (!uri_run_valid(a, 0, h, 1, 0))
            return 0;
        h++;
    }
    if (h < n && a[h] == '[') {
        const char *close = memchr(a + h, ']', n - h);

        if (close == NULL || !uri_run_valid(a, h + 1, (size_t)(close - a), 1, 0))
            return 0;
        i = (size_t)(close - a) + 1;
    } else {
        for (i = h; i < n && a[i] != ':'; i++)
            ;
        if (!uri_run_valid(a, h, i, 0, 0))
            return 0;
    }
    if (i == n)
        return 1;
    return a[i] == ':' && port_valid(a + i + 1, n - i - 1);
}

/*
 * Path, then "?" query, then "#" fragment, from s[i]. Path and query bytes
 * are pchar / "/" / "?"; the fragment also takes "[" and "]" (as libxml2
 * does); a second "#" is refused. `noscheme`: a relative reference whose
 * first segment may not hold ':' (it would read as a scheme).
 */
static int uri_tail_valid(const char *s, size_t i, size_t len, int noscheme)
{
    enum { PATH, QUERY, FRAGMENT } part = PATH;

    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (IS(c, K_PCHAR))
            continue;
        switch (c) {
        case '/':
            noscheme = 0;
            break;
        case ':':
            if (noscheme)
                return 0;
            break;
        case '?':
            noscheme = 0;
            if (part == PATH)
                part = QUERY;
            break;
        case '#':
            if (part == FRAGMENT)
                return 0;
            noscheme = 0;
            part = FRAGMENT;
            break;
        case '[':
        case ']':
            if (part != FRAGMENT)
                return 0;
            break;
        case '%':
            if (!pct_valid(s, i, len))
                return 0;
            i += 2;
            break;
        case 0xEF:
            if (!ctl_allowed(s, i, len))
                return 0;
            break;
        default: /* whitespace, control */
            return 0;
        }
    }
    return 1;
}

/* uri, url, canonical: \S*, not empty, and an RFC 3986 URI reference as
 * xs:anyURI takes it (bytes RFC 3986 lacks, like '|' or non-ASCII, are
 * escaped by the schema first and so are fine). */
static int uri_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    i = scheme_len(s, len);
    if (i + 1 < len && s[i] == '/' && s[i + 1] == '/') {
        size_t end = i + 2;

        while (end < len && s[end] != '/' && s[end] != '?' && s[end] != '#')
            end++;
        if (!authority_valid(s + i + 2, end - i - 2))
            return 0;
        return uri_tail_valid(s, end, len, 0);
    }
    return uri_tail_valid(s, i, len, i == 0);
}

/* oid: urn:oid:[0-2](\.(0|[1-9][0-9]*))+ */
static int oid_valid(const char *s, size_t len)
{
    size_t i = 9;

    if (len < 11 || memcmp(s, "urn:oid:", 8) != 0 || s[8] < '0' || s[8] > '2')
        return 0;
    while (i < len) {
        if (s[i] != '.' || i + 1 == len)
            return 0;
        i++;
        if (s[i] == '0')
            i++; /* a '.' or the end must follow: the loop checks */
        else if (!skip_digits(s, len, &i))
            return 0;
    }
    return 1;
}

/* uuid: urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} */
static int uuid_valid(const char *s, size_t len)
{
    size_t i;

    if (len != 45 || memcmp(s, "urn:uuid:", 9) != 0)
        return 0;
    for (i = 9; i < 45; i++) {
        if (i == 17 || i == 22 || i == 27 || i == 32) {
            if (s[i] != '-')
                return 0;
        } else if (!IS(s[i], K_LHEX)) {
            return 0;
        }
    }
    return 1;
}

/* ---- base64Binary ---------------------------------------------------------- */

/* The 6-bit value of a K_B64 byte. */
static unsigned b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (unsigned)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (unsigned)(c - 'a') + 26u;
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0') + 52u;
    return c == '+' ? 62u : 63u;
}

/*
 * (\s*([0-9a-zA-Z\+/=]){4}\s*)+ — whitespace only between groups of four —
 * and xs:base64Binary: '=' only as "xx==" or "xxx=" in the last group, and
 * the bits the padding drops must be zero: the char before "==" is one of
 * AQgw, the char before a lone "=" one of AEIMQUYcgkosw048 (as libxml2).
 */
static int base64_valid(const char *s, size_t len)
{
    size_t i = 0;
    int groups = 0;

    for (;;) {
        while (i < len && IS(s[i], K_WS))
            i++;
        if (i == len)
            return groups > 0;
        if (len - i < 4 || !IS(s[i], K_B64) || !IS(s[i + 1], K_B64))
            return 0;
        groups++;
        if (IS(s[i + 2], K_B64) && IS(s[i + 3], K_B64)) {
            i += 4;
            continue;
        }
        /* a padded group: it must be the last one */
        if (s[i + 3] != '=')
            return 0;
        if (s[i + 2] == '=') {
            if (b64_value(s[i + 1]) & 0x0F)
                return 0;
        } else if (!IS(s[i + 2], K_B64) || (b64_value(s[i + 2]) & 0x03)) {
            return 0;
        }
        for (i += 4; i < len; i++)
            if (!IS(s[i], K_WS))
                return 0;
        return 1;
    }
}

/* ---- the API ------------------------------------------------------------- */

int fhir_primitive_valid(fhir_prim kind, const char *s, size_t len)
{
    switch (kind) {
    case FHIR_PRIM_BOOLEAN:      return boolean_valid(s, len);
    case FHIR_PRIM_INTEGER:      return int_valid(s, len, 1, 1);
    case FHIR_PRIM_DECIMAL:      return decimal_valid(s, len);
    case FHIR_PRIM_POSITIVEINT:  return int_valid(s, len, 0, 0);
    case FHIR_PRIM_UNSIGNEDINT:  return int_valid(s, len, 0, 1);
    case FHIR_PRIM_STRING:       return text_valid(s, len);
    case FHIR_PRIM_CODE:         return code_valid(s, len);
    case FHIR_PRIM_ID:           return id_valid(s, len);
    case FHIR_PRIM_MARKDOWN:     return text_valid(s, len);
    case FHIR_PRIM_URI:          return uri_valid(s, len);
    case FHIR_PRIM_URL:          return uri_valid(s, len);
    case FHIR_PRIM_CANONICAL:    return uri_valid(s, len);
    case FHIR_PRIM_OID:          return oid_valid(s, len);
    case FHIR_PRIM_UUID:         return uuid_valid(s, len);
    case FHIR_PRIM_BASE64BINARY: return base64_valid(s, len);
    case FHIR_PRIM_INSTANT:      return instant_valid(s, len);
    case FHIR_PRIM_DATE:         return date_valid(s, len);
    case FHIR_PRIM_DATETIME:     return datetime_valid(s, len);
    case FHIR_PRIM_TIME:         return time_valid(s, len);
    case FHIR_PRIM_XHTML:        return 1;
    case FHIR_PRIM_NONE:
    case FHIR_PRIM_COUNT:
        break;
    }
    return 0;
}

const char *fhir_prim_name(fhir_prim kind)
{
    static const char *const names[FHIR_PRIM_COUNT] = {
        [FHIR_PRIM_NONE] = "?",
        [FHIR_PRIM_BOOLEAN] = "boolean",
        [FHIR_PRIM_INTEGER] = "integer",
        [FHIR_PRIM_DECIMAL] = "decimal",
        [FHIR_PRIM_POSITIVEINT] = "positiveInt",
        [FHIR_PRIM_UNSIGNEDINT] = "unsignedInt",
        [FHIR_PRIM_STRING] = "string",
        [FHIR_PRIM_CODE] = "code",
        [FHIR_PRIM_ID] = "id",
        [FHIR_PRIM_MARKDOWN] = "markdown",
        [FHIR_PRIM_URI] = "uri",
        [FHIR_PRIM_URL] = "url",
        [FHIR_PRIM_CANONICAL] = "canonical",
        [FHIR_PRIM_OID] = "oid",
        [FHIR_PRIM_UUID] = "uuid",
        [FHIR_PRIM_BASE64BINARY] = "base64Binary",
        [FHIR_PRIM_INSTANT] = "instant",
        [FHIR_PRIM_DATE] = "date",
        [FHIR_PRIM_DATETIME] = "dateTime",
        [FHIR_PRIM_TIME] = "time",
        [FHIR_PRIM_XHTML] = "xhtml",
    };

    if ((unsigned)kind >= FHIR_PRIM_COUNT)
        return "?";
    return names[kind];
}

int fhir_prim_json_unquoted(fhir_prim kind)
{
    switch (kind) {
    case FHIR_PRIM_BOOLEAN:
    case FHIR_PRIM_INTEGER:
    case FHIR_PRIM_DECIMAL:
    case FHIR_PRIM_POSITIVEINT:
    case FHIR_PRIM_UNSIGNEDINT:
        return 1;
    default:
        return 0;
    }
}
