/*
 * tls.c — mutual TLS: the PEM files MHD serves with, the client certificate
 * check once per connection, and TLS session resumption.
 *
 * MHD only *asks* for a client certificate (MHD_OPTION_HTTPS_MEM_TRUST); a
 * client without one, or with an untrusted or expired one, still completes
 * the handshake. So every connection's peer is checked here, once, on its
 * first request: GnuTLS verifies the chain against the trust bundle, the
 * validity period and the clientAuth key purpose; OpenSSL (identity.c)
 * reads the UZI identity from the DER; access.conf gives the role. The
 * result lives in the connection's socket context (srv_peer) until it
 * closes.
 *
 * The key that signs handover documents (sign-key, sign-cert) is loaded
 * here too, with the other key material.
 *
 * Resumption: a session-ticket key made at start-up lets a client that
 * reconnects skip the full handshake; the peer certificate stays available
 * to the check on resumed sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "server.h"

/* A whole file in a malloc'd, NUL-terminated buffer (PEM for MHD); NULL on error. */
static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1L << 20) ||
        fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)n + 1)) ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errlen, "%s: cannot read", path);
        free(buf);
        buf = NULL;
    } else {
        buf[n] = '\0';
    }
    if (f)
        fclose(f);
    return buf;
}

int srv_tls_init(srv_server *s, char *err, size_t errlen)
{
    const srv_config *c = s->cfg;
    if (!(s->trust_pem = read_file(c->trust_file, err, errlen)) ||
        !(s->cert_pem = read_file(c->cert_file, err, errlen)) ||
        !(s->key_pem = read_file(c->key_file, err, errlen)))
        return -1;
    if (srv_access_load(c->access_file, &s->access, err, errlen) != 0)
        return -1;
    /* the document signing key: loaded and tried once, shared read-only by all threads */
    FILE *kf = fopen(c->sign_key, "r");
    EVP_PKEY *sk = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf)
        fclose(kf);
    if (!sk || !(s->sign_cert_pem = read_file(c->sign_cert, err, errlen))) {
        if (!sk)
            snprintf(err, errlen, "%s: not a readable private key", c->sign_key);
        EVP_PKEY_free(sk);
        return -1;
    }
    s->sign_key = sk;
    gnutls_datum_t *key = calloc(1, sizeof *key);
    if (!key || gnutls_session_ticket_key_generate(key) != GNUTLS_E_SUCCESS) {
        free(key);
        snprintf(err, errlen, "cannot make a session ticket key");
        return -1;
    }
    s->ticket_key = key;
    return 0;
}

void srv_tls_free(srv_server *s)
{
    gnutls_datum_t *key = s->ticket_key;
    if (key) {
        gnutls_memset(key->data, 0, key->size);
        gnutls_free(key->data);
        free(key);
    }
    if (s->key_pem) {
        gnutls_memset(s->key_pem, 0, strlen(s->key_pem));
        free(s->key_pem);
    }
    free(s->cert_pem);
    free(s->trust_pem);
    EVP_PKEY_free(s->sign_key);
    free(s->sign_cert_pem);
    s->sign_key = NULL;
    s->sign_cert_pem = NULL;
    srv_access_free(s->access);
    s->ticket_key = NULL;
    s->key_pem = s->cert_pem = s->trust_pem = NULL;
    s->access = NULL;
}

static gnutls_session_t session_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

void srv_tls_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                    enum MHD_ConnectionNotificationCode code)
{
    const srv_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        srv_peer *p = calloc(1, sizeof(srv_peer)); /* NULL: the request answers 500 */
        *socket_context = p;
        gnutls_session_t tls = session_of(c);
        if (tls && s->ticket_key)
            gnutls_session_ticket_enable_server(tls, s->ticket_key);
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (p && fd && s->deadlines)
            srv_deadline_watch(s->deadlines, &p->deadline, fd->connect_fd);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        srv_peer *p = *socket_context;
        if (p && s->deadlines)
            srv_deadline_forget(s->deadlines, &p->deadline);
        free(p);
        *socket_context = NULL;
    }
}

srv_peer *srv_conn_peer(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void refuse(srv_peer *p, unsigned status, const char *en, const char *nl)
{
    p->status = status;
    p->why = en;
    p->why_nl = nl;
}

/* Verifies the chain, the dates and the clientAuth purpose; reads the identity. */
static void check_peer(const srv_server *s, gnutls_session_t tls, srv_peer *p)
{
    unsigned n = 0, status = 0;
    const gnutls_datum_t *certs = tls ? gnutls_certificate_get_peers(tls, &n) : NULL;
    if (!certs || n == 0) {
        refuse(p, MHD_HTTP_UNAUTHORIZED, "a client certificate is required",
               "een clientcertificaat is vereist");
        return;
    }
    p->resumed = gnutls_session_is_resumed(tls) != 0;
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
    if (gnutls_certificate_verify_peers(tls, &purpose, 1, &status) != GNUTLS_E_SUCCESS ||
        status != 0) {
        if (status & GNUTLS_CERT_EXPIRED)
            refuse(p, MHD_HTTP_UNAUTHORIZED, "the client certificate has expired",
                   "het clientcertificaat is verlopen");
        else if (status & GNUTLS_CERT_NOT_ACTIVATED)
            refuse(p, MHD_HTTP_UNAUTHORIZED, "the client certificate is not yet valid",
                   "het clientcertificaat is nog niet geldig");
        else if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
            refuse(p, MHD_HTTP_UNAUTHORIZED,
                   "the client certificate is not issued by a trusted authority",
                   "het clientcertificaat is niet uitgegeven door een vertrouwde instantie");
        else if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
            refuse(p, MHD_HTTP_UNAUTHORIZED, "the certificate is not for TLS clients",
                   "het certificaat is niet bedoeld voor TLS-clients");
        else
            refuse(p, MHD_HTTP_UNAUTHORIZED, "the client certificate is not valid",
                   "het clientcertificaat is niet geldig");
        return;
    }
    if (srv_identity_from_der(certs[0].data, certs[0].size, &p->id) != 0) {
        refuse(p, MHD_HTTP_FORBIDDEN, "the client certificate carries no UZI organisation (URA)",
               "het clientcertificaat bevat geen UZI-organisatie (URA)");
        return;
    }
    p->role = srv_access_role(s->access, &p->id);
    p->status = 0;
}

srv_peer *srv_tls_peer(const srv_server *s, struct MHD_Connection *c)
{
    srv_peer *p = srv_conn_peer(c);
    if (p && !p->checked) {
        check_peer(s, session_of(c), p);
        p->checked = 1;
    }
    return p;
}
