/*
 * test_identity.c — unit tests for server/identity.c (the UZI identity in a
 * client certificate) and server/access.c (access.conf), both of identity.h.
 *
 * usage: test_identity PKI-DIR, where PKI-DIR was made by
 * `sh certs/make-dev-pki.sh PKI-DIR` (ctest makes it first). From that set:
 * every NAME.pem (read as PEM, handed over as DER, as the TLS layer does)
 * gives exactly the URA, UZI-nr, AGB, pastype, role and O the script puts
 * in, and the set's access.conf gives each its role. The rest is built here
 * in memory with OpenSSL, each case named for what it breaks: the 2.5.5.5
 * field rules (a table, boundaries included), permanentIdentifier agreeing,
 * disagreeing and malformed, the subject O cleaned for logs, and hostile
 * DER (garbage, trailing bytes, every prefix and every byte flipped of a
 * real certificate). access.conf cases are files written to a temporary
 * directory: a table of errors with the line each must name, and the
 * lookup rules. Run under ASan/UBSan and valgrind: several cases only mean
 * something when an overread or a leak would be caught.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "identity.h"

#define OID_UZI "2.5.5.5"
#define OID_PERMANENT_ID "1.3.6.1.5.5.7.8.3"
#define OID_URA_REGISTER "2.16.528.1.1007.3.3"
#define UZI_VALID "2.16.528.1.1007.99.2110-1-900000101-S-90000001-00.000-99000001"

static const char *pki_dir;     /* argv[1] */
static EVP_PKEY *key;           /* signs the certificates built here */
static char tmp_dir[256];       /* access.conf cases */

/* ---- helpers: DER from the PKI, certificates built in memory ---------------- */

typedef struct der {
    unsigned char *p;           /* OPENSSL_malloc'd */
    size_t len;
} der;

static der der_of(X509 *x)
{
    der d = {NULL, 0};
    int n = i2d_X509(x, &d.p);

    assert_true(n > 0);
    d.len = (size_t)n;
    return d;
}

/* PKI-DIR/NAME.pem as DER. */
static der pki_der(const char *name)
{
    char path[512];
    FILE *f;
    X509 *x;
    der d;

    snprintf(path, sizeof path, "%s/%s.pem", pki_dir, name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x == NULL)
        fail_msg("%s is not a PEM certificate", path);
    d = der_of(x);
    X509_free(x);
    return d;
}

static GENERAL_NAME *gn_other(const char *oid, ASN1_TYPE *value)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);

    assert_non_null(g);
    assert_non_null(o);
    assert_int_equal(GENERAL_NAME_set0_othername(g, o, value), 1);
    return g;
}

/* otherName oid with a string value of ASN.1 type `type` (V_ASN1_IA5STRING, ...). */
static GENERAL_NAME *gn_string(const char *oid, int type, const char *s, size_t n)
{
    ASN1_STRING *v = ASN1_STRING_type_new(type);
    ASN1_TYPE *t = ASN1_TYPE_new();

    assert_int_equal(ASN1_STRING_set(v, s, (int)n), 1);
    ASN1_TYPE_set(t, type, v);
    return gn_other(oid, t);
}

static GENERAL_NAME *gn_uzi(const char *value)
{
    return gn_string(OID_UZI, V_ASN1_IA5STRING, value, strlen(value));
}

/* otherName oid whose value is the DER d[0..n) (any type). */
static GENERAL_NAME *gn_der(const char *oid, const unsigned char *d, size_t n)
{
    ASN1_TYPE *t = d2i_ASN1_TYPE(NULL, &d, (long)n);

    assert_non_null(t);
    return gn_other(oid, t);
}

/* A permanentIdentifier: SEQUENCE { UTF8String value, OID assigner }, each
 * left out when NULL. */
static GENERAL_NAME *gn_pi(const char *value, const char *assigner)
{
    ASN1_SEQUENCE_ANY *seq = sk_ASN1_TYPE_new_null();
    unsigned char *d = NULL;
    GENERAL_NAME *g;
    int n;

    if (value != NULL) {
        ASN1_UTF8STRING *s = ASN1_UTF8STRING_new();
        ASN1_TYPE *t = ASN1_TYPE_new();
        ASN1_STRING_set(s, value, -1);
        ASN1_TYPE_set(t, V_ASN1_UTF8STRING, s);
        sk_ASN1_TYPE_push(seq, t);
    }
    if (assigner != NULL) {
        ASN1_TYPE *t = ASN1_TYPE_new();
        ASN1_TYPE_set(t, V_ASN1_OBJECT, OBJ_txt2obj(assigner, 1));
        sk_ASN1_TYPE_push(seq, t);
    }
    n = i2d_ASN1_SEQUENCE_ANY(seq, &d);
    assert_true(n > 0);
    g = gn_der(OID_PERMANENT_ID, d, (size_t)n);
    OPENSSL_free(d);
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    return g;
}

static GENERAL_NAME *gn_dns(const char *name)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();

    ASN1_STRING_set(s, name, -1);
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    return g;
}

/* The names up to NULL, as one SAN. */
static GENERAL_NAMES *san(GENERAL_NAME *g, ...)
{
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    va_list ap;

    va_start(ap, g);
    for (; g != NULL; g = va_arg(ap, GENERAL_NAME *))
        sk_GENERAL_NAME_push(names, g);
    va_end(ap);
    return names;
}

/* A signed certificate: subject O = org[0..org_len) as ASN.1 type org_type
 * (none when org is NULL), CN = test, and each SAN of sans[0..nsans) as its
 * own subjectAltName extension (taken). */
static der make_cert_n(int org_type, const char *org, size_t org_len,
                       GENERAL_NAMES **sans, size_t nsans)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_get_subject_name(x);
    der d;

    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    if (org != NULL)
        assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_organizationName, org_type,
                                                    (const unsigned char *)org, (int)org_len,
                                                    -1, 0), 1);
    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
                               (const unsigned char *)"test", -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    for (size_t i = 0; i < nsans; i++) {
        assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, sans[i], 0,
                                           X509V3_ADD_APPEND), 1);
        GENERAL_NAMES_free(sans[i]);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    d = der_of(x);
    X509_free(x);
    return d;
}

/* The usual case: O "Zorggroep De Linde" and one SAN (none when NULL). */
static der make_cert(GENERAL_NAMES *names)
{
    static const char org[] = "Zorggroep De Linde";
    return make_cert_n(V_ASN1_UTF8STRING, org, strlen(org), &names, names != NULL);
}

static int is_zero(const srv_identity *id)
{
    static const srv_identity zero;
    return memcmp(id, &zero, sizeof zero) == 0;
}

/* srv_identity_from_der on d (freed); -1 must leave *id all zero. */
static int parse(der d, srv_identity *id)
{
    int rc;

    memset(id, 0x5a, sizeof *id);
    rc = srv_identity_from_der(d.p, d.len, id);
    OPENSSL_free(d.p);
    if (rc != 0)
        assert_true(is_zero(id));
    return rc;
}

static void assert_rejected(GENERAL_NAMES *names)
{
    srv_identity id;
    assert_int_equal(parse(make_cert(names), &id), -1);
}

static void assert_accepted(GENERAL_NAMES *names)
{
    srv_identity id;
    assert_int_equal(parse(make_cert(names), &id), 0);
    assert_string_equal(id.ura, "90000001");
}

/* ---- the development PKI ---------------------------------------------------- */

/* What certs/make-dev-pki.sh puts in each certificate and access.conf gives it. */
typedef struct pki_case {
    const char *name, *ura, *uzi, *agb, *org;
    srv_role role;
} pki_case;

static pki_case pki_cases[] = {
    {"server", "90000000", "900000100", "99000000", "MGZ Handover Service (development only)",
     SRV_ROLE_NONE},
    {"institution", "90000001", "900000101", "99000001", "Zorggroep De Linde",
     SRV_ROLE_PUBLISHER},
    {"practice", "90000002", "900000102", "99000002", "Huisartsenpraktijk Het Plein",
     SRV_ROLE_PUBLISHER},
    {"hap", "90000003", "900000103", "99000003", "Huisartsenpost Regio Zwolle", SRV_ROLE_READER},
    /* the institution's URA (publisher) and a uzi: line of its own, which wins */
    {"privacy", "90000001", "900000111", "99000001", "Zorggroep De Linde", SRV_ROLE_PRIVACY},
    {"expired", "90000004", "900000104", "99000004", "Thuiszorg De Vecht", SRV_ROLE_READER},
    /* in access.conf as publisher on purpose: only the trust chain refuses it */
    {"untrusted", "90000099", "900000199", "99000099", "Zorgcentrum Buitenaf",
     SRV_ROLE_PUBLISHER},
};

static void test_srv_identity_from_der__reads_pki_certificate(void **state)
{
    const pki_case *c = *state;
    srv_identity id;

    assert_int_equal(parse(pki_der(c->name), &id), 0);
    assert_string_equal(id.ura, c->ura);
    assert_string_equal(id.uzi, c->uzi);
    assert_string_equal(id.agb, c->agb);
    assert_int_equal(id.card_type, 'S');
    assert_string_equal(id.role, "00.000");
    assert_string_equal(id.org, c->org);
}

static void test_srv_access_role__gives_pki_client_its_role(void **state)
{
    const pki_case *c = *state;
    char path[512], err[512];
    srv_access *a = NULL;
    srv_identity id;

    snprintf(path, sizeof path, "%s/access.conf", pki_dir);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), 0);
    assert_int_equal(parse(pki_der(c->name), &id), 0);
    assert_string_equal(srv_role_name(srv_access_role(a, &id)), srv_role_name(c->role));
    srv_access_free(a);
}

/* ---- otherName 2.5.5.5: the field rules ------------------------------------- */

/* rc 0 rows also give the fields expected back. */
typedef struct uzi_case {
    const char *name, *value;
    int rc;
    const char *uzi;
    char card;
    const char *ura, *role, *agb;
} uzi_case;

#define CA "2.16.528.1.1007.99.2110-1-"
static uzi_case uzi_cases[] = {
    {"accepts_valid", UZI_VALID, 0, "900000101", 'S', "90000001", "00.000", "99000001"},
    {"rejects_six_fields", CA "900000101-S-90000001-00.000", -1, 0, 0, 0, 0, 0},
    {"rejects_eight_fields", UZI_VALID "-1", -1, 0, 0, 0, 0, 0},
    {"rejects_empty_value", "", -1, 0, 0, 0, 0, 0},
    {"rejects_only_dashes", "------", -1, 0, 0, 0, 0, 0},
    {"rejects_ura_not_digits", CA "900000101-S-9000000A-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_ura_empty", CA "900000101-S--00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_ura_signed", CA "900000101-S-+9000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"accepts_ura_15_digits", CA "900000101-S-123456789012345-00.000-99000001", 0,
     "900000101", 'S', "123456789012345", "00.000", "99000001"},
    {"rejects_ura_16_digits", CA "900000101-S-1234567890123456-00.000-99000001", -1,
     0, 0, 0, 0, 0},
    {"rejects_uzi_nr_not_digits", CA "90000010x-S-90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_uzi_nr_empty", CA "-S-90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"accepts_uzi_nr_15_digits", CA "123456789012345-S-90000001-00.000-99000001", 0,
     "123456789012345", 'S', "90000001", "00.000", "99000001"},
    {"rejects_uzi_nr_16_digits", CA "1234567890123456-S-90000001-00.000-99000001", -1,
     0, 0, 0, 0, 0},
    {"accepts_agb_empty", CA "900000101-S-90000001-00.000-", 0,
     "900000101", 'S', "90000001", "00.000", ""},
    {"rejects_agb_not_digits", CA "900000101-S-90000001-00.000-9900000X", -1, 0, 0, 0, 0, 0},
    {"accepts_agb_15_digits", CA "900000101-S-90000001-00.000-123456789012345", 0,
     "900000101", 'S', "90000001", "00.000", "123456789012345"},
    {"rejects_agb_16_digits", CA "900000101-S-90000001-00.000-1234567890123456", -1,
     0, 0, 0, 0, 0},
    {"accepts_role_15_chars", CA "900000101-S-90000001-01.015.01.015.0-99000001", 0,
     "900000101", 'S', "90000001", "01.015.01.015.0", "99000001"},
    {"rejects_role_16_chars", CA "900000101-S-90000001-01.015.01.015.01-99000001", -1,
     0, 0, 0, 0, 0},
    {"accepts_role_empty", CA "900000101-S-90000001--99000001", 0,
     "900000101", 'S', "90000001", "", "99000001"},
    {"accepts_card_z", CA "900000101-Z-90000001-01.015-99000001", 0,
     "900000101", 'Z', "90000001", "01.015", "99000001"},
    {"accepts_card_n", CA "900000101-N-90000001-01.015-99000001", 0,
     "900000101", 'N', "90000001", "01.015", "99000001"},
    {"accepts_card_m", CA "900000101-M-90000001-01.015-99000001", 0,
     "900000101", 'M', "90000001", "01.015", "99000001"},
    {"rejects_card_unknown", CA "900000101-X-90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_card_lower_case", CA "900000101-s-90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_card_two_letters", CA "900000101-SZ-90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_card_empty", CA "900000101--90000001-00.000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_control_char", CA "900000101-S-90000001-00.\x01" "00-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_space", CA "900000101-S-90000001-00 000-99000001", -1, 0, 0, 0, 0, 0},
    {"rejects_high_byte", CA "900000101-S-90000001-00.\xc3\xa9-99000001", -1, 0, 0, 0, 0, 0},
};
#undef CA

static void test_srv_identity_from_der__uzi_field(void **state)
{
    const uzi_case *c = *state;
    srv_identity id;

    assert_int_equal(parse(make_cert(san(gn_uzi(c->value), NULL)), &id), c->rc);
    if (c->rc != 0)
        return;
    assert_string_equal(id.uzi, c->uzi);
    assert_int_equal(id.card_type, c->card);
    assert_string_equal(id.ura, c->ura);
    assert_string_equal(id.role, c->role);
    assert_string_equal(id.agb, c->agb);
}

static void test_srv_identity_from_der__rejects_nul_inside_value(void **state)
{
    static const char v[] = UZI_VALID "\0-1";
    (void)state;
    assert_rejected(san(gn_string(OID_UZI, V_ASN1_IA5STRING, v, sizeof v - 1), NULL));
}

static void test_srv_identity_from_der__rejects_overlong_value(void **state)
{
    char v[400];
    (void)state;
    memset(v, '1', sizeof v);
    memcpy(v + sizeof v - strlen(UZI_VALID) - 1, UZI_VALID, strlen(UZI_VALID) + 1);
    assert_rejected(san(gn_uzi(v), NULL));
}

static void test_srv_identity_from_der__rejects_uzi_value_not_ia5string(void **state)
{
    (void)state;
    assert_rejected(san(gn_string(OID_UZI, V_ASN1_UTF8STRING, UZI_VALID, strlen(UZI_VALID)),
                        NULL));
}

static void test_srv_identity_from_der__rejects_two_uzi_othernames(void **state)
{
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_uzi(UZI_VALID), NULL));
}

/* ---- the SAN as a whole ----------------------------------------------------- */

static void test_srv_identity_from_der__rejects_certificate_without_san(void **state)
{
    (void)state;
    assert_rejected(NULL);
}

static void test_srv_identity_from_der__rejects_san_without_uzi(void **state)
{
    (void)state;
    assert_rejected(san(gn_dns("localhost"), NULL));
}

static void test_srv_identity_from_der__rejects_two_san_extensions(void **state)
{
    GENERAL_NAMES *sans[2];
    srv_identity id;

    (void)state;
    sans[0] = san(gn_uzi(UZI_VALID), NULL);
    sans[1] = san(gn_dns("localhost"), NULL);
    assert_int_equal(parse(make_cert_n(V_ASN1_UTF8STRING, "O", 1, sans, 2), &id), -1);
}

static void test_srv_identity_from_der__finds_uzi_among_other_names(void **state)
{
    (void)state;
    assert_accepted(san(gn_dns("localhost"), gn_pi("90000001", OID_URA_REGISTER),
                        gn_uzi(UZI_VALID), NULL));
}

/* ---- otherName permanentIdentifier ------------------------------------------ */

static void test_srv_identity_from_der__accepts_uzi_without_permanent_id(void **state)
{
    (void)state;
    assert_accepted(san(gn_uzi(UZI_VALID), NULL));
}

static void test_srv_identity_from_der__accepts_permanent_id_agreeing(void **state)
{
    (void)state;
    assert_accepted(san(gn_uzi(UZI_VALID), gn_pi("90000001", OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__rejects_permanent_id_only(void **state)
{
    (void)state;
    assert_rejected(san(gn_pi("90000001", OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__rejects_permanent_id_disagreeing(void **state)
{
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_pi("90000002", OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__rejects_permanent_id_disagreeing_first(void **state)
{
    (void)state;
    assert_rejected(san(gn_pi("90000002", OID_URA_REGISTER), gn_uzi(UZI_VALID), NULL));
}

static void test_srv_identity_from_der__rejects_permanent_id_prefix_of_ura(void **state)
{
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_pi("9000000", OID_URA_REGISTER), NULL));
    assert_rejected(san(gn_uzi(UZI_VALID), gn_pi("900000011", OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__rejects_second_permanent_id_disagreeing(void **state)
{
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_pi("90000001", OID_URA_REGISTER),
                        gn_pi("90000003", OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__rejects_ura_permanent_id_without_value(void **state)
{
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_pi(NULL, OID_URA_REGISTER), NULL));
}

static void test_srv_identity_from_der__ignores_permanent_id_of_other_assigner(void **state)
{
    (void)state;
    assert_accepted(san(gn_uzi(UZI_VALID), gn_pi("12345", "2.16.528.1.1007.3.2"), NULL));
    assert_accepted(san(gn_uzi(UZI_VALID), gn_pi("12345", NULL), NULL));
    assert_accepted(san(gn_uzi(UZI_VALID), gn_pi(NULL, NULL), NULL));
}

static void test_srv_identity_from_der__rejects_malformed_permanent_id(void **state)
{
    /* UTF8String "90000001" instead of a SEQUENCE */
    static const unsigned char not_seq[] = {0x0c, 0x08, '9', '0', '0', '0', '0', '0', '0', '1'};
    /* assigner before value */
    static const unsigned char swapped[] = {
        0x30, 0x14, 0x06, 0x08, 0x60, 0x84, 0x10, 0x01, 0x87, 0x6f, 0x03, 0x03,
        0x0c, 0x08, '9', '0', '0', '0', '0', '0', '0', '1'};
    /* value as IA5String, not UTF8String */
    static const unsigned char ia5[] = {
        0x30, 0x14, 0x16, 0x08, '9', '0', '0', '0', '0', '0', '0', '1',
        0x06, 0x08, 0x60, 0x84, 0x10, 0x01, 0x87, 0x6f, 0x03, 0x03};
    /* a third element */
    static const unsigned char extra[] = {
        0x30, 0x16, 0x0c, 0x08, '9', '0', '0', '0', '0', '0', '0', '1',
        0x06, 0x08, 0x60, 0x84, 0x10, 0x01, 0x87, 0x6f, 0x03, 0x03, 0x05, 0x00};
    (void)state;
    assert_rejected(san(gn_uzi(UZI_VALID), gn_der(OID_PERMANENT_ID, not_seq, sizeof not_seq),
                        NULL));
    assert_rejected(san(gn_uzi(UZI_VALID), gn_der(OID_PERMANENT_ID, swapped, sizeof swapped),
                        NULL));
    assert_rejected(san(gn_uzi(UZI_VALID), gn_der(OID_PERMANENT_ID, ia5, sizeof ia5), NULL));
    assert_rejected(san(gn_uzi(UZI_VALID), gn_der(OID_PERMANENT_ID, extra, sizeof extra), NULL));
}

/* ---- subject O, for logs ---------------------------------------------------- */

static void assert_org(int type, const char *org, size_t len, const char *want)
{
    GENERAL_NAMES *names = san(gn_uzi(UZI_VALID), NULL);
    srv_identity id;

    assert_int_equal(parse(make_cert_n(type, org, len, &names, 1), &id), 0);
    assert_string_equal(id.org, want);
}

static void test_srv_identity_from_der__org_keeps_printable_ascii_only(void **state)
{
    static const char org[] = "Caf\xc3\xa9 \xe2\x80\x99t Hof\x01\x7f|";
    (void)state;
    assert_org(V_ASN1_UTF8STRING, org, sizeof org - 1, "Caf? ?t Hof??|");
}

static void test_srv_identity_from_der__org_from_bmpstring(void **state)
{
    static const char org[] = {0, 'Z', 0, 'o', 0x20, 0x19, 0, 's'};   /* Zo’s */
    (void)state;
    assert_org(V_ASN1_BMPSTRING, org, sizeof org, "Zo?s");
}

static void test_srv_identity_from_der__org_is_cut_to_fit(void **state)
{
    char org[300], want[sizeof ((srv_identity *)0)->org];
    (void)state;
    memset(org, 'a', sizeof org);
    memset(want, 'a', sizeof want - 1);
    want[sizeof want - 1] = '\0';
    assert_org(V_ASN1_UTF8STRING, org, sizeof org, want);
}

static void test_srv_identity_from_der__org_empty_when_absent(void **state)
{
    (void)state;
    assert_org(V_ASN1_UTF8STRING, NULL, 0, "");
}

/* ---- hostile DER ------------------------------------------------------------ */

static void test_srv_identity_from_der__rejects_null_and_empty(void **state)
{
    static const unsigned char one[] = {0x30};
    srv_identity id;
    der d = pki_der("institution");

    (void)state;
    assert_int_equal(srv_identity_from_der(NULL, 10, &id), -1);
    assert_int_equal(srv_identity_from_der(one, 0, &id), -1);
    assert_int_equal(srv_identity_from_der(d.p, d.len, NULL), -1);
    assert_int_equal(srv_identity_from_der(d.p, (size_t)LONG_MAX + 1, &id), -1);
    OPENSSL_free(d.p);
}

static void test_srv_identity_from_der__rejects_garbage(void **state)
{
    static const unsigned char huge_len[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00};
    static const unsigned char indefinite[] = {0x30, 0x80, 0x00, 0x00};
    static const unsigned char text[] = "-----BEGIN CERTIFICATE-----";
    unsigned char noise[2048];
    srv_identity id;

    (void)state;
    assert_int_equal(srv_identity_from_der(huge_len, sizeof huge_len, &id), -1);
    assert_int_equal(srv_identity_from_der(indefinite, sizeof indefinite, &id), -1);
    assert_int_equal(srv_identity_from_der(text, sizeof text - 1, &id), -1);
    memset(noise, 0, sizeof noise);
    assert_int_equal(srv_identity_from_der(noise, sizeof noise, &id), -1);
    srand(5555);
    for (int round = 0; round < 64; round++) {
        for (size_t i = 0; i < sizeof noise; i++)
            noise[i] = (unsigned char)rand();
        noise[0] = 0x30;   /* at least get past the first tag */
        assert_int_equal(srv_identity_from_der(noise, sizeof noise, &id), -1);
    }
}

static void test_srv_identity_from_der__rejects_trailing_bytes(void **state)
{
    der d = pki_der("institution");
    unsigned char *more = malloc(d.len + 1);
    srv_identity id;

    (void)state;
    assert_non_null(more);
    memcpy(more, d.p, d.len);
    more[d.len] = 0;
    assert_int_equal(srv_identity_from_der(more, d.len, &id), 0);
    assert_int_equal(srv_identity_from_der(more, d.len + 1, &id), -1);
    free(more);
    OPENSSL_free(d.p);
}

/* Each prefix in its own exact-size heap block, so ASan sees any overread. */
static void test_srv_identity_from_der__rejects_every_prefix(void **state)
{
    der d = pki_der("institution");
    srv_identity id;

    (void)state;
    for (size_t n = 1; n < d.len; n++) {
        unsigned char *p = malloc(n);
        assert_non_null(p);
        memcpy(p, d.p, n);
        if (srv_identity_from_der(p, n, &id) != -1)
            fail_msg("prefix of %zu of %zu bytes accepted", n, d.len);
        free(p);
    }
    OPENSSL_free(d.p);
}

/* Every byte flipped in turn: accepted or not, never a crash, and what is
 * accepted still keeps the field rules. */
static void test_srv_identity_from_der__survives_every_byte_flipped(void **state)
{
    der d = pki_der("privacy");
    srv_identity id;

    (void)state;
    for (size_t i = 0; i < d.len; i++) {
        d.p[i] ^= 0xff;
        if (srv_identity_from_der(d.p, d.len, &id) == 0) {
            assert_in_range(strlen(id.ura), 1, 15);
            assert_true(strspn(id.ura, "0123456789") == strlen(id.ura));
            assert_in_range(strlen(id.uzi), 1, 15);
            assert_non_null(strchr("SZNM", id.card_type));
            assert_true(strlen(id.org) < sizeof id.org);
        }
        d.p[i] ^= 0xff;
    }
    OPENSSL_free(d.p);
}

/* ---- access.conf ------------------------------------------------------------ */

/* tmp_dir/name holding text[0..len); its path in path. */
static void write_conf(const char *name, const char *text, size_t len, char *path, size_t cap)
{
    FILE *f;

    snprintf(path, cap, "%s/%s", tmp_dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static srv_access *load_text(const char *text)
{
    char path[512], err[512];
    srv_access *a = NULL;

    write_conf("ok.conf", text, strlen(text), path, sizeof path);
    if (srv_access_load(path, &a, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_non_null(a);
    return a;
}

static srv_role role_of(const srv_access *a, const char *ura, const char *uzi)
{
    srv_identity id;

    memset(&id, 0, sizeof id);
    snprintf(id.ura, sizeof id.ura, "%s", ura);
    snprintf(id.uzi, sizeof id.uzi, "%s", uzi);
    return srv_access_role(a, &id);
}

/* Each must fail with "PATH:LINE: ..." containing `what`. */
typedef struct conf_case {
    const char *name, *text;
    unsigned line;
    const char *what;
} conf_case;

static conf_case conf_cases[] = {
    {"reports_unknown_role", "90000001 publisher A\n90000002 owner B\n", 2, "unknown role 'owner'"},
    {"reports_role_in_wrong_case", "90000001 Publisher\n", 1, "unknown role 'Publisher'"},
    {"reports_role_none", "90000001 none\n", 1, "unknown role 'none'"},
    {"reports_missing_role", "# c\n\n90000001\n", 3, "90000001 has no role"},
    {"reports_ura_not_digits", "# c\n\n9000000A reader\n", 3, "bad key '9000000A'"},
    {"reports_ura_16_digits", "1234567890123456 reader\n", 1, "bad key '1234567890123456'"},
    {"reports_uzi_without_number", "uzi: reader\n", 1, "bad key 'uzi:'"},
    {"reports_uzi_not_digits", "uzi:90000011x reader\n", 1, "bad key 'uzi:90000011x'"},
    {"reports_uzi_upper_case", "UZI:900000111 reader\n", 1, "bad key 'UZI:900000111'"},
    {"reports_key_with_control_char", "9000\x01" "0001 reader\n", 1, "bad key '9000?0001'"},
    {"reports_duplicate_ura", "90000001 reader\n# c\n90000002 reader\n90000001 publisher\n", 4,
     "duplicate key 90000001 (first on line 1)"},
    {"reports_duplicate_uzi",
     "uzi:900000111 reader\n90000001 publisher\n\n90000002 reader\nuzi:900000111 reader\n", 5,
     "duplicate key uzi:900000111 (first on line 1)"},
    {"reports_first_repeated_line", "3 reader\n2 reader\n2 reader\n3 reader\n3 reader\n", 3,
     "duplicate key 2 (first on line 2)"},
};

static void test_srv_access_load__reports_error(void **state)
{
    static char sentinel;
    const conf_case *c = *state;
    char path[512], err[512], want[600];
    srv_access *a = (srv_access *)(void *)&sentinel;   /* must come back NULL */

    write_conf("bad.conf", c->text, strlen(c->text), path, sizeof path);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), -1);
    assert_null(a);
    snprintf(want, sizeof want, "%s:%u: ", path, c->line);
    if (strncmp(err, want, strlen(want)) != 0 || strstr(err, c->what) == NULL)
        fail_msg("got \"%s\", want \"%s...%s\"", err, want, c->what);
}

static void test_srv_access_load__reads_comments_blanks_tabs_crlf(void **state)
{
    srv_access *a;

    (void)state;
    a = load_text("# a comment\n"
                  "   # an indented one\n"
                  "\n"
                  " \t \n"
                  "\t90000001\tpublisher\tZorggroep De Linde # not a comment\n"
                  "90000003 reader\r\n"
                  "123456789012345 reader the longest URA\n"
                  "uzi:900000111   privacy-officer"); /* no newline at the end */
    assert_int_equal(role_of(a, "90000001", "900000101"), SRV_ROLE_PUBLISHER);
    assert_int_equal(role_of(a, "90000003", "900000103"), SRV_ROLE_READER);
    assert_int_equal(role_of(a, "123456789012345", "1"), SRV_ROLE_READER);
    assert_int_equal(role_of(a, "90000001", "900000111"), SRV_ROLE_PRIVACY);
    assert_int_equal(role_of(a, "90000002", "900000102"), SRV_ROLE_NONE);
    srv_access_free(a);
}

static void test_srv_access_load__reads_empty_file(void **state)
{
    srv_access *a;

    (void)state;
    a = load_text("");
    assert_int_equal(role_of(a, "90000001", "900000101"), SRV_ROLE_NONE);
    srv_access_free(a);
}

static void test_srv_access_load__line_limit_is_1024_bytes(void **state)
{
    char text[1100], path[512], err[512];
    srv_access *a = NULL;

    (void)state;
    /* line 2 is exactly 1024 bytes: fine */
    memcpy(text, "1 reader\n", 9);
    memset(text + 9, 'x', 1024);
    memcpy(text + 9, "2 reader ", 9);
    text[9 + 1024] = '\n';
    write_conf("limit.conf", text, 9 + 1024 + 1, path, sizeof path);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), 0);
    assert_int_equal(role_of(a, "2", ""), SRV_ROLE_READER);
    srv_access_free(a);
    /* one more byte: line 2 is too long */
    text[9 + 1024] = 'x';
    text[9 + 1025] = '\n';
    write_conf("limit.conf", text, 9 + 1024 + 2, path, sizeof path);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "limit.conf:2: line longer than 1024 bytes"));
}

static void test_srv_access_load__reports_nul_byte(void **state)
{
    static const char text[] = "1 reader\n2 reader\0 x\n";
    char path[512], err[512];
    srv_access *a = NULL;

    (void)state;
    write_conf("nul.conf", text, sizeof text - 1, path, sizeof path);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "nul.conf:2: NUL byte"));
}

static void test_srv_access_load__reports_missing_file(void **state)
{
    char path[512], err[512], want[600];
    srv_access *a = NULL;

    (void)state;
    snprintf(path, sizeof path, "%s/no-such.conf", tmp_dir);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), -1);
    assert_null(a);
    snprintf(want, sizeof want, "%s: cannot open: ", path);
    assert_memory_equal(err, want, strlen(want));
}

static void test_srv_access_load__works_without_err_buffer(void **state)
{
    char path[512];
    srv_access *a = NULL;

    (void)state;
    write_conf("bad.conf", "x reader\n", 9, path, sizeof path);
    assert_int_equal(srv_access_load(path, &a, NULL, 0), -1);
    assert_int_equal(srv_access_load(path, NULL, NULL, 0), -1);
    assert_int_equal(srv_access_load(NULL, &a, NULL, 0), -1);
    assert_null(a);
}

static void test_srv_access_load__cuts_message_to_err_buffer(void **state)
{
    char path[512], err[8];
    srv_access *a = NULL;

    (void)state;
    write_conf("bad.conf", "x reader\n", 9, path, sizeof path);
    memset(err, 'z', sizeof err);
    assert_int_equal(srv_access_load(path, &a, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
}

static void test_srv_access_role__uzi_entry_wins_in_either_order(void **state)
{
    srv_access *a;

    (void)state;
    a = load_text("uzi:900000111 privacy-officer\n90000001 publisher\n");
    assert_int_equal(role_of(a, "90000001", "900000111"), SRV_ROLE_PRIVACY);
    assert_int_equal(role_of(a, "90000001", "900000101"), SRV_ROLE_PUBLISHER);
    srv_access_free(a);
    a = load_text("90000001 publisher\nuzi:900000111 privacy-officer\n");
    assert_int_equal(role_of(a, "90000001", "900000111"), SRV_ROLE_PRIVACY);
    srv_access_free(a);
}

static void test_srv_access_role__uzi_entry_needs_no_ura_entry(void **state)
{
    srv_access *a;

    (void)state;
    a = load_text("uzi:900000105 reader\n");
    assert_int_equal(role_of(a, "90000005", "900000105"), SRV_ROLE_READER);
    /* a URA that looks like the UZI-nr is not a uzi: key */
    assert_int_equal(role_of(a, "900000105", "1"), SRV_ROLE_NONE);
    srv_access_free(a);
}

static void test_srv_access_role__none_without_table_or_identity(void **state)
{
    srv_identity id;
    srv_access *a;

    (void)state;
    memset(&id, 0, sizeof id);
    assert_int_equal(srv_access_role(NULL, &id), SRV_ROLE_NONE);
    a = load_text("90000001 publisher\n");
    assert_int_equal(srv_access_role(a, NULL), SRV_ROLE_NONE);
    assert_int_equal(srv_access_role(a, &id), SRV_ROLE_NONE);   /* empty fields */
    srv_access_free(a);
}

/* An srv_identity the caller filled badly: unterminated fields must not be
 * read past their end (ASan) and match nothing. */
static void test_srv_access_role__ignores_unterminated_fields(void **state)
{
    srv_identity id;
    srv_access *a;

    (void)state;
    memset(&id, '1', sizeof id);
    a = load_text("111111111111111 publisher\nuzi:111111111111111 reader\n");
    assert_int_equal(srv_access_role(a, &id), SRV_ROLE_NONE);
    srv_access_free(a);
}

static void test_srv_role_name__names_every_role(void **state)
{
    (void)state;
    assert_string_equal(srv_role_name(SRV_ROLE_NONE), "none");
    assert_string_equal(srv_role_name(SRV_ROLE_PUBLISHER), "publisher");
    assert_string_equal(srv_role_name(SRV_ROLE_READER), "reader");
    assert_string_equal(srv_role_name(SRV_ROLE_PRIVACY), "privacy-officer");
    assert_string_equal(srv_role_name((srv_role)42), "none");
}

/* ---- the runner ------------------------------------------------------------- */

static int group_setup(void **state)
{
    const char *base = getenv("TMPDIR");

    (void)state;
    key = EVP_EC_gen("P-256");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_identity.XXXXXX", base ? base : "/tmp");
    return key != NULL && mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    static const char *files[] = {"ok.conf", "bad.conf", "limit.conf", "nul.conf"};
    char path[512];

    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tmp_dir, files[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
    EVP_PKEY_free(key);
    return 0;
}

/* Appends one named case per table row; names live as long as the run. */
static size_t add_cases(struct CMUnitTest *t, size_t n, const char *prefix, const char *name,
                        CMUnitTestFunction fn, void *row)
{
    size_t len = strlen(prefix) + strlen(name) + 1;
    char *s = malloc(len);

    if (s == NULL)
        abort();
    snprintf(s, len, "%s%s", prefix, name);
    t[n] = (struct CMUnitTest){s, fn, NULL, NULL, row};
    return n + 1;
}

#define COUNT(a) (sizeof (a) / sizeof (a)[0])
#define T(fn) cmocka_unit_test(fn)

int main(int argc, char **argv)
{
    static const struct CMUnitTest fixed[] = {
        T(test_srv_identity_from_der__rejects_nul_inside_value),
        T(test_srv_identity_from_der__rejects_overlong_value),
        T(test_srv_identity_from_der__rejects_uzi_value_not_ia5string),
        T(test_srv_identity_from_der__rejects_two_uzi_othernames),
        T(test_srv_identity_from_der__rejects_certificate_without_san),
        T(test_srv_identity_from_der__rejects_san_without_uzi),
        T(test_srv_identity_from_der__rejects_two_san_extensions),
        T(test_srv_identity_from_der__finds_uzi_among_other_names),
        T(test_srv_identity_from_der__accepts_uzi_without_permanent_id),
        T(test_srv_identity_from_der__accepts_permanent_id_agreeing),
        T(test_srv_identity_from_der__rejects_permanent_id_only),
        T(test_srv_identity_from_der__rejects_permanent_id_disagreeing),
        T(test_srv_identity_from_der__rejects_permanent_id_disagreeing_first),
        T(test_srv_identity_from_der__rejects_permanent_id_prefix_of_ura),
        T(test_srv_identity_from_der__rejects_second_permanent_id_disagreeing),
        T(test_srv_identity_from_der__rejects_ura_permanent_id_without_value),
        T(test_srv_identity_from_der__ignores_permanent_id_of_other_assigner),
        T(test_srv_identity_from_der__rejects_malformed_permanent_id),
        T(test_srv_identity_from_der__org_keeps_printable_ascii_only),
        T(test_srv_identity_from_der__org_from_bmpstring),
        T(test_srv_identity_from_der__org_is_cut_to_fit),
        T(test_srv_identity_from_der__org_empty_when_absent),
        T(test_srv_identity_from_der__rejects_null_and_empty),
        T(test_srv_identity_from_der__rejects_garbage),
        T(test_srv_identity_from_der__rejects_trailing_bytes),
        T(test_srv_identity_from_der__rejects_every_prefix),
        T(test_srv_identity_from_der__survives_every_byte_flipped),
        T(test_srv_access_load__reads_comments_blanks_tabs_crlf),
        T(test_srv_access_load__reads_empty_file),
        T(test_srv_access_load__line_limit_is_1024_bytes),
        T(test_srv_access_load__reports_nul_byte),
        T(test_srv_access_load__reports_missing_file),
        T(test_srv_access_load__works_without_err_buffer),
        T(test_srv_access_load__cuts_message_to_err_buffer),
        T(test_srv_access_role__uzi_entry_wins_in_either_order),
        T(test_srv_access_role__uzi_entry_needs_no_ura_entry),
        T(test_srv_access_role__none_without_table_or_identity),
        T(test_srv_access_role__ignores_unterminated_fields),
        T(test_srv_role_name__names_every_role),
    };
    struct CMUnitTest t[COUNT(fixed) + 2 * COUNT(pki_cases) + COUNT(uzi_cases) + COUNT(conf_cases)];
    size_t n = 0;
    int failed;

    if (argc != 2) {
        fprintf(stderr, "usage: test_identity PKI-DIR (made by certs/make-dev-pki.sh)\n");
        return 2;
    }
    pki_dir = argv[1];
    memcpy(t, fixed, sizeof fixed);
    n = COUNT(fixed);
    for (size_t i = 0; i < COUNT(pki_cases); i++) {
        n = add_cases(t, n, "test_srv_identity_from_der__reads_pki_", pki_cases[i].name,
                      test_srv_identity_from_der__reads_pki_certificate, &pki_cases[i]);
        n = add_cases(t, n, "test_srv_access_role__pki_", pki_cases[i].name,
                      test_srv_access_role__gives_pki_client_its_role, &pki_cases[i]);
    }
    for (size_t i = 0; i < COUNT(uzi_cases); i++)
        n = add_cases(t, n, "test_srv_identity_from_der__uzi_", uzi_cases[i].name,
                      test_srv_identity_from_der__uzi_field, &uzi_cases[i]);
    for (size_t i = 0; i < COUNT(conf_cases); i++)
        n = add_cases(t, n, "test_srv_access_load__", conf_cases[i].name,
                      test_srv_access_load__reports_error, &conf_cases[i]);
    failed = _cmocka_run_group_tests("identity", t, n, group_setup, group_teardown);
    for (size_t i = COUNT(fixed); i < n; i++)
        free((char *)t[i].name);
    return failed;
}
