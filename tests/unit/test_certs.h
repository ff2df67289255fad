/*
 * test_certs.h — a self-signed certificate for a key made in the test, and
 * its PEM, for tests that sign documents: no key file is needed (the
 * development PKI under certs/dev/ is made by a script and not committed).
 * Include after cmocka.h.
 */
#ifndef TEST_CERTS_H
#define TEST_CERTS_H

#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static inline X509 *self_signed(EVP_PKEY *key, const char *org, const char *cn, long serial)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

/* The certificate as PEM (malloc'd). */
static inline char *to_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_true(PEM_write_bio_X509(b, x) == 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(b);
    assert_non_null(out);
    return out;
}

#endif /* TEST_CERTS_H */
