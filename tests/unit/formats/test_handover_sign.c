/*
 * test_handover_sign.c — the signature on handover documents
 * (formats/handover_sign.c): documents built from the handover fixtures,
 * signed with keys made here (EC P-256 and RSA-2048, self-signed
 * certificates made in memory), verify; every alteration after signing is
 * found and named; the signed document stays valid FHIR, passes the profile
 * and verifies the same after an XML round trip; a JWS made here, outside
 * the library, is accepted; hostile signatures and allocation failure at
 * every allocation do not crash.
 *
 * usage: test_handover_sign [FIXTURE_DIR] (default fixtures/handover; run
 * from the source tree)
 */
#include <libxml/parser.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "test_support.h"
#include "../test_certs.h"
#include "handover_internal.h"
#include "handover_sign.h"

#define NOW "2026-11-23T12:00:00Z"
#define WHEN "2026-11-23T12:00:02Z"
#define PATIENT "oz-vmb-so-alzheimer"

static const handover_options options = {.now = NOW};
static const char *fixture_dir = "fixtures/handover";

/* ---- keys and certificates, made once ------------------------------------- */

typedef struct signer {
    EVP_PKEY *key;
    X509 *cert;
    char *pem;
} signer;

static signer ec, rsa, other, rsa_small, ec384;

static void make_signer(signer *s, EVP_PKEY *key, const char *org, const char *cn, long serial)
{
    assert_non_null(key);
    s->key = key;
    s->cert = self_signed(key, org, cn, serial);
    s->pem = to_pem(s->cert);
}

static int make_keys(void **state)
{
    (void)state;
    make_signer(&ec, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "MGZ overdracht dienst",
                "handover.test", 1);
    make_signer(&rsa, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), "Zorggroep Zuid",
                "rsa.handover.test", 2);
    make_signer(&other, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "Iemand anders",
                "other.test", 3);
    make_signer(&rsa_small, EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024), "Te klein",
                "small.test", 4);
    make_signer(&ec384, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"), "Andere curve",
                "p384.test", 5);
    return 0;
}

static int free_keys(void **state)
{
    (void)state;
    signer *all[] = {&ec, &rsa, &other, &rsa_small, &ec384};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        EVP_PKEY_free(all[i]->key);
        X509_free(all[i]->cert);
        free(all[i]->pem);
    }
    return 0;
}

/* ---- documents ------------------------------------------------------------- */

/* The handover document of a fixture patient, with what the server sets
 * after building: Bundle.id, meta.versionId and meta.lastUpdated. */
static fhir_node *build_doc(fhir_arena *a, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/valid/%s.json", fixture_dir, name);
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, in, len, NULL, &o);
    free(in);
    assert_non_null(records);
    fhir_node *doc = handover_build(a, records, &options, &o);
    if (!doc)
        dump_issues(&o);
    assert_non_null(doc);
    assert_non_null(fhir_node_add_named(a, doc, "id", "c0ffee00-0000-4000-8000-000000000001"));
    fhir_node *meta = fhir_node_child(doc, "meta");
    assert_non_null(fhir_node_add_named(a, meta, "versionId", "3"));
    assert_non_null(fhir_node_add_named(a, meta, "lastUpdated", "2026-11-23T12:00:01.250Z"));
    return doc;
}

static fhir_node *signed_doc(fhir_arena *a, const char *name, const signer *s)
{
    fhir_node *doc = build_doc(a, name);
    assert_int_equal(handover_sign(a, doc, s->key, s->pem, WHEN), 0);
    return doc;
}

/* handover_verify into a fresh outcome in `a`. */
static int verify(fhir_arena *a, const fhir_node *doc, X509 *cert, fhir_outcome *o)
{
    fhir_outcome_init(o, a);
    return handover_verify(a, doc, cert, o);
}

static unsigned error_count(const fhir_outcome *o)
{
    return o->count[FHIR_SEV_FATAL] + o->count[FHIR_SEV_ERROR];
}

/* The error at `expr` (NULL: any) whose message holds every one of the
 * texts (NULL-terminated); fails the test, printing every issue, when none. */
static const fhir_issue *expect_finding(const fhir_outcome *o, const char *expr, ...)
{
    for (const fhir_issue *i = o->first; i; i = i->next) {
        if (i->severity > FHIR_SEV_ERROR || (expr && (!i->expression ||
                                                      strcmp(i->expression, expr) != 0)))
            continue;
        va_list ap;
        va_start(ap, expr);
        int all = 1;
        for (const char *t; (t = va_arg(ap, const char *));)
            all &= strstr(i->message, t) != NULL;
        va_end(ap);
        if (all) {
            assert_non_null(i->message_nl); /* every finding is in Dutch too */
            return i;
        }
    }
    dump_issues(o);
    fail_msg("no finding at %s with the expected words", expr ? expr : "(any)");
    return NULL;
}

static fhir_node *entry_at(const fhir_node *doc, unsigned index)
{
    fhir_node *e = fhir_node_child(doc, "entry");
    while (e && index--)
        e = fhir_node_next_same(e);
    assert_non_null(e);
    return e;
}

/* The first entry whose resource has this type (and `path` = `value` when
 * path is not NULL); its index in *index. */
static fhir_node *find_entry(const fhir_node *doc, const char *type, const char *path,
                             const char *value, unsigned *index)
{
    unsigned i = 0;
    for (fhir_node *e = fhir_node_child(doc, "entry"); e; e = fhir_node_next_same(e), i++) {
        fhir_node *r = fhir_node_child(e, "resource");
        const char *v = path ? ho_value(r, path) : NULL;
        if (strcmp(fhir_node_resource_type(r), type) == 0 && (!path || (v && !strcmp(v, value)))) {
            *index = i;
            return e;
        }
    }
    fail_msg("no %s entry", type);
    return NULL;
}

static void set_value(fhir_node *n, const char *value)
{
    assert_non_null(n);
    n->value = value;
    n->value_len = (uint32_t)strlen(value);
}

static void unlink_node(fhir_node *parent, fhir_node *child)
{
    fhir_node **link = &parent->first, *prev = NULL;
    while (*link != child) {
        prev = *link;
        link = &(*link)->next;
    }
    *link = child->next;
    if (parent->last == child)
        parent->last = prev;
    child->next = NULL;
}

/* "Bundle.entry[3]" */
static const char *entry_expr(fhir_arena *a, unsigned index)
{
    return fhir_arena_printf(a, "Bundle.entry[%u]", index);
}

/* ---- a JWS made here, outside the library ------------------------------- */

static char *b64(const unsigned char *p, size_t n, int url)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    assert_non_null(out);
    int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    if (url) {
        int w = 0;
        for (int i = 0; i < len; i++)
            if (out[i] != '=')
                out[w++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
        out[w] = '\0';
    }
    return out;
}

static unsigned char *unb64(const char *s, size_t *n)
{
    size_t len = strlen(s);
    unsigned char *out = malloc(len);
    assert_non_null(out);
    int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
    assert_true(got >= 0);
    *n = (size_t)got - (len && s[len - 1] == '=') - (len > 1 && s[len - 2] == '=');
    return out;
}

/* Signature.data for a JWS with this header and payload, ES256 with `key`. */
static char *make_jws_data(EVP_PKEY *key, const char *header, const char *payload, size_t plen)
{
    char *h = b64((const unsigned char *)header, strlen(header), 1);
    char *p = b64((const unsigned char *)payload, plen, 1);
    size_t inlen = strlen(h) + 1 + strlen(p);
    char *in = malloc(inlen + 200);
    assert_non_null(in);
    sprintf(in, "%s.%s", h, p);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80], raw[64];
    size_t derlen = sizeof der;
    assert_true(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1);
    assert_true(EVP_DigestSign(ctx, der, &derlen, (unsigned char *)in, inlen) == 1);
    const unsigned char *q = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)derlen);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, raw, 32);
    BN_bn2binpad(s, raw + 32, 32);
    char *sig = b64(raw, sizeof raw, 1);
    strcat(in, ".");
    strcat(in, sig);
    char *data = b64((const unsigned char *)in, strlen(in), 0);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    free(h);
    free(p);
    free(sig);
    free(in);
    return data;
}

/* The JWS in a signed document, split: header and payload JSON (malloc'd). */
static void split_jws(const fhir_node *doc, char **header, char **payload)
{
    size_t n;
    char *jws = (char *)unb64(ho_value(doc, "signature.data"), &n);
    jws[n] = '\0';
    char *d1 = strchr(jws, '.'), *d2 = strchr(d1 + 1, '.');
    *d1 = *d2 = '\0';
    char *parts[2] = {jws, d1 + 1};
    char **out[2] = {header, payload};
    for (int i = 0; i < 2; i++) { /* base64url -> base64 with padding */
        size_t l = strlen(parts[i]), pad = (4 - l % 4) % 4, len;
        char *s = malloc(l + 4);
        assert_non_null(s);
        for (size_t k = 0; k < l; k++)
            s[k] = parts[i][k] == '-' ? '+' : parts[i][k] == '_' ? '/' : parts[i][k];
        memset(s + l, '=', pad);
        s[l + pad] = '\0';
        *out[i] = (char *)unb64(s, &len);
        (*out[i])[len] = '\0';
        free(s);
    }
    free(jws);
}

/* ---- signing and verifying ------------------------------------------------------ */

static void signs_and_verifies(const signer *s)
{
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, s);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    assert_int_equal(fhir_validate(doc, &o), 0);
    assert_int_equal(handover_check_document(a, doc, &options, &o), 0);
    assert_int_equal(error_count(&o), 0);
    const fhir_node *sig = fhir_node_child(doc, "signature");
    assert_string_equal(ho_value(sig, "type.system"), "urn:iso-astm:E1762-95:2013");
    assert_string_equal(ho_value(sig, "type.code"), "1.2.840.10065.1.12.1.5");
    assert_string_equal(ho_value(sig, "when"), WHEN);
    assert_string_equal(ho_value(sig, "sigFormat"), "application/jose");
    assert_string_equal(ho_value(sig, "targetFormat"), "application/fhir+json");
    assert_non_null(strstr(ho_value(sig, "who.display"), s == &ec ? "MGZ overdracht dienst"
                                                                   : "Zorggroep Zuid"));
    /* with the certificate inside: intact, and a warning that the signer was not checked */
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_INTACT);
    assert_int_equal(error_count(&o), 0);
    const fhir_issue *w = expect_rule_issue(&o, FHIR_SEV_WARNING, "security", NULL,
                                            "Bundle.signature");
    assert_non_null(strstr(w->message, "not checked against a trusted certificate"));
    /* with the trusted certificate: intact, no warning */
    assert_int_equal(verify(a, doc, s->cert, &o), HANDOVER_SIG_INTACT);
    assert_int_equal(o.count[FHIR_SEV_WARNING] + error_count(&o), 0);
    expect_rule_issue(&o, FHIR_SEV_INFORMATION, "security", "the signature is intact", NULL);
    fhir_arena_free(a);
}

static void test_handover_sign__ec_p256_document_verifies(void **state)
{
    (void)state;
    signs_and_verifies(&ec);
}

static void test_handover_sign__rsa_2048_document_verifies(void **state)
{
    (void)state;
    signs_and_verifies(&rsa);
}

static void test_handover_sign__signing_again_replaces_the_signature(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    assert_int_equal(handover_sign(a, doc, rsa.key, rsa.pem, NULL), 0);
    assert_int_equal(count_children(doc, "signature"), 1);
    fhir_outcome o;
    assert_int_equal(verify(a, doc, rsa.cert, &o), HANDOVER_SIG_INTACT);
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    fhir_arena_free(a);
}

static void test_handover_sign__unsigned_document_is_reported(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = build_doc(a, PATIENT);
    fhir_outcome o;
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_UNSIGNED);
    expect_finding(&o, "Bundle", "not signed", NULL);
    /* a signature without data is no signature either */
    assert_int_equal(handover_sign(a, doc, ec.key, ec.pem, WHEN), 0);
    fhir_node *sig = fhir_node_child(doc, "signature");
    unlink_node(sig, fhir_node_child(sig, "data"));
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_UNSIGNED);
    fhir_arena_free(a);
}

static void test_handover_sign__refuses_unusable_keys_and_arguments(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = build_doc(a, PATIENT);
    assert_int_equal(handover_sign(a, doc, rsa_small.key, rsa_small.pem, WHEN), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, ec384.key, ec384.pem, WHEN), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, ec.key, other.pem, WHEN), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, ec.key, "not a certificate", WHEN), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, ec.key, ec.pem, "2026-11-23"), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, ec.key, ec.pem, "2026-11-23T12:00:00"), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, fhir_node_child(entry_at(doc, 0), "resource"), ec.key,
                                   ec.pem, WHEN), FHIR_E_INVALID);
    assert_int_equal(handover_sign(a, doc, NULL, ec.pem, WHEN), FHIR_E_INVALID);
    assert_null(fhir_node_child(doc, "signature")); /* untouched */
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    assert_int_equal(handover_verify(a, fhir_node_child(entry_at(doc, 0), "resource"), NULL, &o),
                     FHIR_E_INVALID);
    assert_int_equal(handover_verify(a, NULL, NULL, &o), FHIR_E_INVALID);
    fhir_arena_free(a);
}

/* ---- every alteration is found and named ------------------------------------------- */

static void test_handover_sign__changed_directive_is_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    unsigned i = 0;
    fhir_node *e = find_entry(doc, "Consent", "provision.type", "deny", &i);
    const char *url = fhir_node_child_value(e, "fullUrl");
    const char *id = ho_value(e, "resource.id");
    set_value((fhir_node *)ho_path(e, "resource.provision.type"), "permit");
    fhir_outcome o;
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, entry_expr(a, i), url, fhir_arena_printf(a, "Consent/%s", id),
                   "was changed after signing", NULL);
    assert_int_equal(error_count(&o), 1);
    fhir_arena_free(a);
}

static void test_handover_sign__changed_patient_name_is_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &rsa);
    unsigned i = 0;
    fhir_node *e = find_entry(doc, "Patient", NULL, NULL, &i);
    set_value((fhir_node *)ho_path(e, "resource.name.family"), "Pietersen");
    fhir_outcome o;
    assert_int_equal(verify(a, doc, rsa.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, entry_expr(a, i), fhir_node_child_value(e, "fullUrl"), "(Patient",
                   "was changed after signing", NULL);
    assert_int_equal(error_count(&o), 1);
    fhir_arena_free(a);
}

static void test_handover_sign__removed_entry_is_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    fhir_node *e = entry_at(doc, 5);
    const char *url = fhir_node_child_value(e, "fullUrl");
    unlink_node(doc, e);
    fhir_outcome o;
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.entry", url, "signed as entry[5]", "was removed after signing",
                   NULL);
    assert_int_equal(error_count(&o), 1); /* the entries after it did not "move" */
    fhir_arena_free(a);
}

static void test_handover_sign__added_entry_is_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    static const char flag[] = "{\"resourceType\":\"Flag\",\"id\":\"extra\",\"status\":\"active\","
                               "\"code\":{\"text\":\"Niet reanimeren\"},"
                               "\"subject\":{\"display\":\"W. Jansen\"}}";
    fhir_node *r = fhir_read_json(a, flag, strlen(flag), NULL, &o);
    assert_non_null(r);
    fhir_node *e = fhir_node_add_named(a, doc, "entry", NULL);
    fhir_node_add_named(a, e, "fullUrl", "urn:uuid:0badf1a9-0000-4000-8000-000000000000");
    const fhir_name_entry *ne = fhir_name_find(e->type, "resource", 8);
    r->elem = ne->elem;
    r->name = ne->name;
    fhir_node_add(e, r);
    unsigned last = (unsigned)count_children(doc, "entry") - 1;
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, entry_expr(a, last), "urn:uuid:0badf1a9-", "(Flag/extra)",
                   "was added after signing", NULL);
    assert_int_equal(error_count(&o), 1);
    fhir_arena_free(a);
}

static void test_handover_sign__reordered_entries_are_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    /* move entry[2] to after entry[6] */
    fhir_node *moved = entry_at(doc, 2), *after = entry_at(doc, 6);
    const char *url = fhir_node_child_value(moved, "fullUrl");
    unlink_node(doc, moved);
    moved->next = after->next;
    after->next = moved;
    fhir_outcome o;
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.entry[6]", url, "was moved: signed as entry[2], now entry[6]",
                   NULL);
    assert_int_equal(error_count(&o), 1);
    fhir_arena_free(a);
}

static void test_handover_sign__changed_bundle_elements_are_named(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    /* timestamp */
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    set_value(fhir_node_child(doc, "timestamp"), "2026-11-24T12:00:00Z");
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.timestamp", "Bundle.timestamp was changed after signing", NULL);
    assert_int_equal(error_count(&o), 1);
    /* meta.versionId, which the server sets before signing */
    doc = signed_doc(a, PATIENT, &ec);
    set_value((fhir_node *)ho_path(doc, "meta.versionId"), "4");
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.meta", "Bundle.meta was changed after signing", NULL);
    /* Bundle.id removed */
    doc = signed_doc(a, PATIENT, &ec);
    unlink_node(doc, fhir_node_child(doc, "id"));
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.id", "Bundle.id was removed after signing", NULL);
    /* Bundle.total added */
    doc = signed_doc(a, PATIENT, &ec);
    fhir_node_add_named(a, doc, "total", "7");
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.total", "Bundle.total was added after signing", NULL);
    /* the signature's own time and signer */
    doc = signed_doc(a, PATIENT, &ec);
    set_value((fhir_node *)ho_path(doc, "signature.when"), "2025-01-01T00:00:00Z");
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature", "Bundle.signature (type, when, who or formats) was "
                   "changed after signing", NULL);
    doc = signed_doc(a, PATIENT, &ec);
    set_value((fhir_node *)ho_path(doc, "signature.who.display"), "Iemand anders");
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature", "was changed after signing", NULL);
    fhir_arena_free(a);
}

/* Flips one character of the JWS's segment `seg` (0 header, 1 payload, 2 signature). */
static void alter_jws(fhir_arena *a, fhir_node *doc, int seg)
{
    fhir_node *data = (fhir_node *)ho_path(doc, "signature.data");
    size_t n;
    char *jws = (char *)unb64(data->value, &n);
    char *p = jws;
    for (int i = 0; i < seg; i++)
        p = memchr(p, '.', n - (size_t)(p - jws)) + 1;
    p[10] = p[10] == 'A' ? 'B' : 'A';
    char *enc = b64((unsigned char *)jws, n, 0);
    set_value(data, fhir_arena_strdup(a, enc));
    free(enc);
    free(jws);
}

static void test_handover_sign__altered_signature_does_not_verify(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    for (int seg = 0; seg < 3; seg++) {
        fhir_node *doc = signed_doc(a, PATIENT, &ec);
        alter_jws(a, doc, seg);
        assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
        /* a changed header may no longer parse; otherwise the signature fails */
        if (!find_rule_issue(&o, FHIR_SEV_ERROR, "security", "the signature (Bundle.signature.data)"
                             " cannot be read", "Bundle.signature.data"))
            expect_finding(&o, "Bundle.signature.data",
                           "does not verify with the certificate in it", NULL);
        assert_int_equal(error_count(&o), 1);
    }
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    set_value((fhir_node *)ho_path(doc, "signature.data"), "bm90IGEgandz");
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature.data", "cannot be read", "not a JWS", NULL);
    fhir_arena_free(a);
}

static void test_handover_sign__another_certificate_does_not_verify(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    assert_int_equal(verify(a, doc, other.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature.data", "does not verify with the given certificate",
                   "CN=other.test", "CN=handover.test", NULL);
    assert_int_equal(verify(a, doc, rsa.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature.data", "does not verify with the given certificate", NULL);
    /* a signature made with another key but naming the right certificate in x5c */
    char *header, *payload;
    split_jws(doc, &header, &payload);
    char *forged = make_jws_data(other.key, header, payload, strlen(payload));
    set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, forged));
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature.data", "does not verify with the certificate in it", NULL);
    free(forged);
    free(header);
    free(payload);
    fhir_arena_free(a);
}

/* The form is what the header comment says: a JWS made here from the same
 * header and payload, with OpenSSL directly, verifies. */
static void test_handover_sign__jws_made_elsewhere_verifies(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    char *header, *payload;
    split_jws(doc, &header, &payload);
    assert_int_equal(strncmp(header, "{\"alg\":\"ES256\",\"typ\":\"JOSE\",\"x5c\":[\"", 36), 0);
    assert_int_equal(strncmp(payload, "{\"manifest\":\"mgz-handover-1\",\"bundle\":[{\"element\":"
                                      "\"id\",\"sha256\":\"", 62), 0);
    assert_non_null(strstr(payload, "{\"element\":\"signature\",\"sha256\":\""));
    assert_non_null(strstr(payload, "],\"entry\":[{\"fullUrl\":\"urn:uuid:"));
    char *data = make_jws_data(ec.key, header, payload, strlen(payload));
    set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, data));
    fhir_outcome o;
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_INTACT);
    free(data);
    free(header);
    free(payload);
    fhir_arena_free(a);
}

/* Hostile signatures, validly signed with a key of their own (no trusted
 * certificate given): malformed headers and manifests are refused. */
static void test_handover_sign__hostile_signatures_are_refused(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *doc = signed_doc(a, PATIENT, &ec);
    char *header, *payload;
    split_jws(doc, &header, &payload);
    char *x5c = strstr(header, "\"x5c\"");
    static const char *const headers[] = {
        "{\"alg\":\"none\",%s", "{\"alg\":\"HS256\",%s", "{\"alg\":\"ES256\"}",
        "{\"alg\":\"ES256\",\"x5c\":\"MII\"}", "{\"alg\":\"ES256\",\"x5c\":[\"!!!!\"]}",
        "{\"alg\":\"ES256\",\"x5c\":[\"QUJD\"]}", "{\"alg\":\"ES256\",\"crit\":[\"b64\"],%s",
        "{\"alg\":\"ES256\",\"alg\":\"ES256\",%s", "{\"alg\":\"ES256\",%s trailing",
        "[\"alg\",\"ES256\"]", "", "{\"alg\":\"RS256\",%s",
        "{\"alg\":\"ES256\",\"n\":01,%s", "{\"alg\":\"ES256\",\"n\":-,%s",
        "{\"alg\":\"ES256\",\"n\":1.,%s", "{\"alg\":\"ES256\",\"n\":tru,%s",
        "{\"alg\":\"ES256\",\"n\":\"\\x\",%s", "{\"alg\":\"ES256\",\"n\":\"\t\",%s",
    };
    fhir_outcome o;
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++) {
        char h[8192];
        snprintf(h, sizeof h, headers[i], x5c);
        char *data = make_jws_data(ec.key, h, payload, strlen(payload));
        set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, data));
        free(data);
        int rc = verify(a, doc, NULL, &o);
        if (rc != HANDOVER_SIG_ALTERED)
            fail_msg("header %zu accepted", i);
        expect_finding(&o, "Bundle.signature.data", NULL);
    }
    /* header parameters it does not know are ignored (RFC 7515 §4), but not
     * more than 64 members */
    char h[16384];
    snprintf(h, sizeof h, "{\"alg\":\"ES256\",\"kid\":\"k1\",\"n\":-0.5E+3,\"b\":[true,false,null,"
             "{}],%s", x5c);
    char *ok = make_jws_data(ec.key, h, payload, strlen(payload));
    set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, ok));
    free(ok);
    if (verify(a, doc, ec.cert, &o) != HANDOVER_SIG_INTACT) {
        dump_issues(&o);
        fail_msg("header parameters it does not know were not ignored");
    }
    strcpy(h, "{\"alg\":\"ES256\",");
    for (int i = 0; i < 63; i++)
        sprintf(h + strlen(h), "\"p%d\":%d,", i, i);
    strcat(h, x5c);
    char *many = make_jws_data(ec.key, h, payload, strlen(payload));
    set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, many));
    free(many);
    assert_int_equal(verify(a, doc, ec.cert, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.signature.data", "cannot be read", NULL);
    static const char *const manifests[] = {
        "", "{", "[]", "{}", "null", "{\"manifest\":\"x\",\"bundle\":[],\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":{},\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[{\"fullUrl\":\"u\"}]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[{\"sha256\":\"AAAA\"}]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[{\"fullUrl\":7,"
        "\"sha256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[{\"element\":\"entry\","
        "\"sha256\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}],\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],"
        "\"entry\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}",
        "{\"manifest\":\"mgz-handover-1\\u0000\",\"bundle\":[],\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\\ud800\",\"bundle\":[],\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\\u00\",\"bundle\":[],\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[]} x",
        "{\"manifest\":\"mgz-handover-1\",\"manifest\":\"mgz-handover-1\",\"bundle\":[],"
        "\"entry\":[]}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[],}",
        "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[]",
        "{\"manifest\":\"mgz\xff\",\"bundle\":[],\"entry\":[]}",
    };
    for (size_t i = 0; i < sizeof manifests / sizeof *manifests; i++) {
        char *data = make_jws_data(ec.key, header, manifests[i], strlen(manifests[i]));
        set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, data));
        free(data);
        if (verify(a, doc, NULL, &o) != HANDOVER_SIG_ALTERED)
            fail_msg("manifest %zu accepted", i);
        expect_finding(&o, "Bundle.signature.data", "manifest", "cannot be read", NULL);
    }
    /* an empty but well-formed manifest: everything was "added" */
    static const char empty[] = "{\"manifest\":\"mgz-handover-1\",\"bundle\":[],\"entry\":[]}";
    char *data = make_jws_data(ec.key, header, empty, strlen(empty));
    set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strdup(a, data));
    free(data);
    assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
    expect_finding(&o, "Bundle.entry[0]", "was added after signing", NULL);
    expect_finding(&o, "Bundle.timestamp", "was added after signing", NULL);
    /* every prefix of a valid signature's data */
    data = make_jws_data(ec.key, header, payload, strlen(payload));
    size_t len = strlen(data);
    for (size_t n = 1; n < len; n += 1 + n / 64) {
        set_value((fhir_node *)ho_path(doc, "signature.data"), fhir_arena_strndup(a, data, n));
        assert_int_equal(verify(a, doc, NULL, &o), HANDOVER_SIG_ALTERED);
    }
    free(data);
    free(header);
    free(payload);
    fhir_arena_free(a);
}

/* ---- formats ------------------------------------------------------------------------ */

static char *write_doc(const fhir_node *doc, fhir_format f)
{
    fhir_buf b;
    fhir_buf_init(&b, 0);
    assert_int_equal(fhir_write(doc, f, &b, 0), 0);
    return fhir_buf_take(&b, NULL);
}

/* The findings of a verify as one string, expression and message per line. */
static char *findings_text(fhir_arena *a, const fhir_node *doc)
{
    fhir_outcome o;
    verify(a, doc, ec.cert, &o);
    fhir_buf b;
    fhir_buf_init(&b, 0);
    for (const fhir_issue *i = o.first; i; i = i->next)
        fhir_buf_printf(&b, "%s %s: %s\n", fhir_severity_code(i->severity),
                        i->expression ? i->expression : "-", i->message);
    return fhir_buf_take(&b, NULL);
}

/* The signature survives XML and JSON; verifying either gives the same. */
static void test_handover_sign__xml_and_json_forms_verify_alike(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    for (int altered = 0; altered < 2; altered++) {
        fhir_node *doc = signed_doc(a, "oz-pgb-overdracht-so", &ec);
        if (altered) {
            unsigned i;
            fhir_node *e = find_entry(doc, "Consent", "provision.type", "deny", &i);
            set_value((fhir_node *)ho_path(e, "resource.provision.type"), "permit");
            unlink_node(doc, entry_at(doc, 4));
        }
        char *json = write_doc(doc, FHIR_FORMAT_JSON), *xml = write_doc(doc, FHIR_FORMAT_XML);
        fhir_node *from_json = fhir_read_json(a, json, strlen(json), NULL, &o);
        fhir_node *from_xml = fhir_read_xml(a, xml, strlen(xml), NULL, &o);
        assert_non_null(from_json);
        assert_non_null(from_xml);
        assert_int_equal(fhir_validate(from_xml, &o), 0);
        assert_int_equal(error_count(&o), 0);
        char *again = write_doc(from_xml, FHIR_FORMAT_JSON);
        assert_string_equal(again, json); /* byte for byte */
        char *f_json = findings_text(a, from_json), *f_xml = findings_text(a, from_xml);
        assert_string_equal(f_json, f_xml);
        assert_non_null(strstr(f_json, altered ? "was changed after signing"
                                               : "the signature is intact"));
        fhir_outcome v;
        assert_int_equal(verify(a, from_xml, ec.cert, &v),
                         altered ? HANDOVER_SIG_ALTERED : HANDOVER_SIG_INTACT);
        free(json);
        free(xml);
        free(again);
        free(f_json);
        free(f_xml);
    }
    fhir_arena_free(a);
}

/* ---- out of memory --------------------------------------------------------------------- */

/* Signing with the n-th allocation failing, n = 1, 2, ...: FHIR_E_NOMEM and
 * the document exactly as it was (its old signature, or none), or signed.
 * The document lives in another arena, so a node of a failed run left in it
 * would be a use after free (ASan). */
static void test_handover_sign__survives_allocation_failure_when_signing(void **state)
{
    (void)state;
    for (int resign = 0; resign < 2; resign++) {
        fhir_arena *a = fhir_arena_new(0);
        fhir_node *doc = resign ? signed_doc(a, PATIENT, &rsa) : build_doc(a, PATIENT);
        fhir_node *old = fhir_node_child(doc, "signature");
        char *before = write_doc(doc, FHIR_FORMAT_JSON);
        for (unsigned long n = 1;; n++) {
            fhir_arena *b = fhir_arena_new(0);
            fhir_arena_fail_after(b, n);
            int rc = handover_sign(b, doc, ec.key, ec.pem, WHEN);
            if (fhir_arena_failed(b)) {
                assert_int_equal(rc, FHIR_E_NOMEM);
                assert_ptr_equal(fhir_node_child(doc, "signature"), old);
                assert_int_equal(count_children(doc, "signature"), old ? 1 : 0);
                fhir_arena_free(b);
                assert_true(n < 1000000);
                continue;
            }
            assert_int_equal(rc, 0);
            assert_true(n > 20);
            fhir_arena_fail_after(b, 0);
            fhir_outcome o;
            assert_int_equal(verify(b, doc, ec.cert, &o), HANDOVER_SIG_INTACT);
            /* back to the old signature before the new one's arena goes */
            unlink_node(doc, fhir_node_child(doc, "signature"));
            if (old)
                fhir_node_add(doc, old);
            fhir_arena_free(b);
            break;
        }
        /* the failed runs left nothing behind: the document is as printed before */
        char *after = write_doc(doc, FHIR_FORMAT_JSON);
        assert_string_equal(before, after);
        free(before);
        free(after);
        fhir_arena_free(a);
    }
}

/* Verifying with the n-th allocation failing (in the work arena, then in the
 * outcome's): never 0 then, always a result, no crash or leak. */
static void test_handover_sign__survives_allocation_failure_when_verifying(void **state)
{
    (void)state;
    fhir_arena *a = fhir_arena_new(0);
    for (int altered = 0; altered < 2; altered++) {
        fhir_node *doc = signed_doc(a, PATIENT, &ec);
        if (altered) {
            set_value(fhir_node_child(doc, "timestamp"), "2026-11-24T12:00:00Z");
            unlink_node(doc, entry_at(doc, 3));
        }
        int expected = altered ? HANDOVER_SIG_ALTERED : HANDOVER_SIG_INTACT;
        for (int in_outcome = 0; in_outcome < 2; in_outcome++) {
            for (unsigned long n = 1;; n++) {
                fhir_arena *work = fhir_arena_new(0), *issues = fhir_arena_new(0);
                fhir_arena_fail_after(in_outcome ? issues : work, n);
                fhir_outcome o;
                fhir_outcome_init(&o, issues);
                int rc = handover_verify(work, doc, in_outcome ? ec.cert : NULL, &o);
                int failed = fhir_arena_failed(work) || fhir_arena_failed(issues);
                fhir_arena_free(work);
                fhir_arena_free(issues);
                if (failed) {
                    assert_int_equal(rc, HANDOVER_SIG_ALTERED);
                    assert_true(n < 1000000);
                    continue;
                }
                assert_int_equal(rc, expected);
                break;
            }
        }
    }
    fhir_arena_free(a);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixture_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handover_sign__ec_p256_document_verifies),
        cmocka_unit_test(test_handover_sign__rsa_2048_document_verifies),
        cmocka_unit_test(test_handover_sign__signing_again_replaces_the_signature),
        cmocka_unit_test(test_handover_sign__unsigned_document_is_reported),
        cmocka_unit_test(test_handover_sign__refuses_unusable_keys_and_arguments),
        cmocka_unit_test(test_handover_sign__changed_directive_is_named),
        cmocka_unit_test(test_handover_sign__changed_patient_name_is_named),
        cmocka_unit_test(test_handover_sign__removed_entry_is_named),
        cmocka_unit_test(test_handover_sign__added_entry_is_named),
        cmocka_unit_test(test_handover_sign__reordered_entries_are_named),
        cmocka_unit_test(test_handover_sign__changed_bundle_elements_are_named),
        cmocka_unit_test(test_handover_sign__altered_signature_does_not_verify),
        cmocka_unit_test(test_handover_sign__another_certificate_does_not_verify),
        cmocka_unit_test(test_handover_sign__jws_made_elsewhere_verifies),
        cmocka_unit_test(test_handover_sign__hostile_signatures_are_refused),
        cmocka_unit_test(test_handover_sign__xml_and_json_forms_verify_alike),
        cmocka_unit_test(test_handover_sign__survives_allocation_failure_when_signing),
        cmocka_unit_test(test_handover_sign__survives_allocation_failure_when_verifying),
    };
    int failed = cmocka_run_group_tests(tests, make_keys, free_keys);
    xmlCleanupParser();
    return failed;
}
