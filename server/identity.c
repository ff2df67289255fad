/*
 * identity.c — reads the caller's UZI identity from the DER bytes of its
 * client certificate (identity.h is the contract; access.c maps it to a role).
 *
 * What counts, all from the subjectAltName (NL-STANDARDS §4):
 *   1. exactly one otherName 2.5.5.5, an IA5String of exactly 7 fields on '-':
 *      <OID CA>-<versie>-<UZI-nr>-<pastype>-<URA>-<rol>-<AGB>, every byte
 *      printable ASCII without spaces, at most SRV__UZI_SAN_MAX bytes;
 *      UZI-nr and URA 1..15 digits, pastype one of S Z N M, rol 0..15
 *      characters, AGB 0..15 digits. OID CA and versie are not checked.
 *   2. every otherName permanentIdentifier (1.3.6.1.5.5.7.8.3, RFC 4043:
 *      SEQUENCE { identifierValue UTF8String OPTIONAL, assigner OID OPTIONAL })
 *      must parse; one whose assigner is the URA register 2.16.528.1.1007.3.3
 *      must carry the URA of (1). Other assigners are ignored. Without (1) a
 *      permanentIdentifier is not enough: the UZI-nr is needed for access.conf.
 * The subject O is copied for log lines only: printable ASCII kept, every
 * other character one '?', cut to fit; "" when absent or unreadable.
 *
 * Hostile input: the DER must be exactly one certificate (no trailing
 * bytes); OpenSSL's decoders bound every read, and every string here is
 * handled by its length, never as C string. Nothing is kept: the X509 and
 * the GENERAL_NAMES are freed at `out:` on every path, and *out is written
 * only on success (on failure it is zeroed). Reentrant.
 */
#include "identity.h"

#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Longer than any real UZI SAN (about 60 bytes); bounds the field scan. */
#define SRV__UZI_SAN_MAX 256
#define SRV__UZI_FIELDS 7

/* OID contents (DER without tag and length), compared byte for byte so the
 * check needs no allocation and no OID table lookup. */
static const unsigned char OID_UZI[] = {0x55, 0x05, 0x05}; /* 2.5.5.5 */
static const unsigned char OID_PERMANENT_ID[] = {          /* 1.3.6.1.5.5.7.8.3 */
    0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x03};
static const unsigned char OID_URA_REGISTER[] = {          /* 2.16.528.1.1007.3.3 */
    0x60, 0x84, 0x10, 0x01, 0x87, 0x6f, 0x03, 0x03};

static int oid_is(const ASN1_OBJECT *o, const unsigned char *der, size_t len)
{
    return o != NULL && OBJ_length(o) == len && memcmp(OBJ_get0_data(o), der, len) == 0;
}

/* The otherName value when gn is an otherName of type oid, else NULL. */
static const ASN1_TYPE *othername(const GENERAL_NAME *gn, const unsigned char *oid, size_t len)
{
    if (gn == NULL || gn->type != GEN_OTHERNAME || gn->d.otherName == NULL)
        return NULL;
    if (!oid_is(gn->d.otherName->type_id, oid, len))
        return NULL;
    return gn->d.otherName->value;
}

/* ---- otherName 2.5.5.5 ------------------------------------------------------ */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Copies field s[0..n) into dst (cap bytes with the NUL) when it has
 * min..cap-1 bytes and, if digits, only digits. 0 or -1. */
static int take(char *dst, size_t cap, const char *s, size_t n, size_t min, int digits)
{
    if (n < min || n >= cap || (digits && !all_digits(s, n)))
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* Splits s[0..n) on '-' into exactly SRV__UZI_FIELDS fields. 0 or -1. */
static int split_fields(const char *s, size_t n, const char **f, size_t *flen)
{
    size_t k = 0, start = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '-')
            continue;
        if (k == SRV__UZI_FIELDS)
            return -1;
        f[k] = s + start;
        flen[k] = i - start;
        k++;
        start = i + 1;
    }
    return k == SRV__UZI_FIELDS ? 0 : -1;
}

/* Fills UZI-nr, pastype, URA, rol and AGB of id from the IA5String value. */
static int parse_uzi_value(const ASN1_TYPE *v, srv_identity *id)
{
    const char *f[SRV__UZI_FIELDS];
    size_t flen[SRV__UZI_FIELDS];
    const char *s;
    size_t n;

    if (v == NULL || v->type != V_ASN1_IA5STRING || v->value.ia5string == NULL)
        return -1;
    s = (const char *)ASN1_STRING_get0_data(v->value.ia5string);
    n = (size_t)ASN1_STRING_length(v->value.ia5string);
    if (n > SRV__UZI_SAN_MAX)
        return -1;
    for (size_t i = 0; i < n; i++)   /* no NUL, controls or spaces to reach logs */
        if (s[i] <= ' ' || s[i] > '~')
            return -1;
    if (split_fields(s, n, f, flen) != 0)
        return -1;
    /* f[0] OID CA, f[1] versie: not used */
    if (take(id->uzi, sizeof id->uzi, f[2], flen[2], 1, 1) != 0 ||
        flen[3] != 1 || strchr("SZNM", f[3][0]) == NULL ||
        take(id->ura, sizeof id->ura, f[4], flen[4], 1, 1) != 0 ||
        take(id->role, sizeof id->role, f[5], flen[5], 0, 0) != 0 ||
        take(id->agb, sizeof id->agb, f[6], flen[6], 0, 1) != 0)
        return -1;
    id->card_type = f[3][0];
    return 0;
}

/* ---- otherName permanentIdentifier -------------------------------------------- */

/* 0 when the permanentIdentifier is well formed and either names another
 * assigner or carries exactly `ura`; -1 otherwise. */
static int check_permanent_id(const ASN1_TYPE *v, const char *ura)
{
    const ASN1_STRING *value = NULL;
    const ASN1_OBJECT *assigner = NULL;
    ASN1_SEQUENCE_ANY *seq = NULL;
    const unsigned char *p, *end;
    int n, i = 0, rc = -1;

    if (v == NULL || v->type != V_ASN1_SEQUENCE || v->value.sequence == NULL)
        return -1;
    /* an ANY of type SEQUENCE holds the whole encoding, tag and length too */
    p = ASN1_STRING_get0_data(v->value.sequence);
    end = p + ASN1_STRING_length(v->value.sequence);
    seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)(end - p));
    if (seq == NULL || p != end)
        goto out;
    n = sk_ASN1_TYPE_num(seq);
    if (i < n && sk_ASN1_TYPE_value(seq, i)->type == V_ASN1_UTF8STRING)
        value = sk_ASN1_TYPE_value(seq, i++)->value.utf8string;
    if (i < n && sk_ASN1_TYPE_value(seq, i)->type == V_ASN1_OBJECT)
        assigner = sk_ASN1_TYPE_value(seq, i++)->value.object;
    if (i != n)
        goto out;                     /* something else, or in the wrong order */
    if (!oid_is(assigner, OID_URA_REGISTER, sizeof OID_URA_REGISTER)) {
        rc = 0;                       /* not a URA: not ours to judge */
        goto out;
    }
    if (value != NULL && (size_t)ASN1_STRING_length(value) == strlen(ura) &&
        memcmp(ASN1_STRING_get0_data(value), ura, strlen(ura)) == 0)
        rc = 0;
out:
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
    return rc;
}

/* ---- the subjectAltName ----------------------------------------------------- */

/* Exactly one 2.5.5.5 into id, then every permanentIdentifier against it. */
static int read_san(const GENERAL_NAMES *san, srv_identity *id)
{
    const ASN1_TYPE *uzi = NULL, *v;
    int n = sk_GENERAL_NAME_num(san);

    for (int i = 0; i < n; i++) {
        v = othername(sk_GENERAL_NAME_value(san, i), OID_UZI, sizeof OID_UZI);
        if (v == NULL)
            continue;
        if (uzi != NULL)
            return -1;                /* two UZI identities: which one? */
        uzi = v;
    }
    if (uzi == NULL || parse_uzi_value(uzi, id) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        v = othername(sk_GENERAL_NAME_value(san, i), OID_PERMANENT_ID, sizeof OID_PERMANENT_ID);
        if (v != NULL && check_permanent_id(v, id->ura) != 0)
            return -1;
    }
    return 0;
}

/* ---- subject O, for logs ---------------------------------------------------- */

/* Copies UTF-8 u[0..n) into dst as printable ASCII: one '?' per other
 * character (UTF-8 continuation bytes dropped), cut to cap-1 bytes. */
static void copy_printable(char *dst, size_t cap, const unsigned char *u, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if ((u[i] & 0xc0) == 0x80)
            continue;
        dst[k++] = (u[i] >= 0x20 && u[i] < 0x7f) ? (char)u[i] : '?';
    }
    dst[k] = '\0';
}

static void read_org(X509 *x, char *dst, size_t cap)
{
    const X509_NAME *name = X509_get_subject_name(x);
    unsigned char *u = NULL;
    int i, n;

    dst[0] = '\0';
    i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
    if (i < 0)
        return;
    n = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n >= 0)
        copy_printable(dst, cap, u, (size_t)n);
    OPENSSL_free(u);
}

/* ---- entry point ------------------------------------------------------------ */

int srv_identity_from_der(const unsigned char *der, size_t len, srv_identity *out)
{
    srv_identity id;
    const unsigned char *p = der;
    X509 *x = NULL;
    GENERAL_NAMES *san = NULL;
    int crit = 0, rc = -1;

    if (out == NULL)
        return -1;
    memset(out, 0, sizeof *out);
    memset(&id, 0, sizeof id);
    if (der == NULL || len == 0 || len > LONG_MAX)
        return -1;
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL || p != der + len)
        goto out;
    /* NULL also when there are two SAN extensions (crit -2) */
    san = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    if (san == NULL || read_san(san, &id) != 0)
        goto out;
    read_org(x, id.org, sizeof id.org);
    *out = id;
    rc = 0;
out:
    GENERAL_NAMES_free(san);
    X509_free(x);
    return rc;
}
