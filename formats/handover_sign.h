/*
 * handover_sign.h — the service's signature on a handover document
 * (Bundle.signature) and its offline verification.
 *
 * The signature is a JWS (RFC 7515, compact serialisation, ES256 or RS256)
 * whose payload is a manifest: a SHA-256 digest of every Bundle-level
 * element and of every entry, each over the canonical JSON of a Bundle that
 * holds only that part. A verifier that finds a digest changed names the
 * entry (fullUrl, resource type/id) or the element. The exact form is at the
 * top of handover_sign.c and in formats/profile/README.md ("Signature").
 *
 * Both functions work on the tree, so an XML and a JSON form of one document
 * give the same result. Nothing here keeps state; both are thread-safe.
 */
#ifndef HANDOVER_SIGN_H
#define HANDOVER_SIGN_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fhir.h"

/* handover_verify results (and FHIR_E_INVALID) */
#define HANDOVER_SIG_INTACT   0    /* every signed part is as signed, the signature verifies */
#define HANDOVER_SIG_ALTERED  1    /* something signed changed, or the signature does not verify */
#define HANDOVER_SIG_UNSIGNED (-1) /* no Bundle.signature (or one without data) */

/* Signs a Bundle in place: adds Bundle.signature, replacing one that is
 * there. Sign last: after everything else is set (Bundle.id, meta.versionId,
 * meta.lastUpdated included), since every element but Signature.data is
 * signed.
 *   key       the private key (e.g. PEM_read_bio_PrivateKey): EC P-256 (ES256)
 *             or RSA of at least 2048 bits (RS256)
 *   cert_pem  the signer's certificate, PEM (the first, if there are more);
 *             its public key must be `key`'s.
 *             Its DER goes into the signature (JWS header x5c) and its
 *             subject O and CN into Signature.who.display
 *   when      Signature.when, a FHIR instant ("2026-11-23T03:00:00Z"); NULL:
 *             the current time
 * Returns 0; FHIR_E_NOMEM (out of memory: the document is as it was);
 * FHIR_E_INVALID (not a Bundle, key of another kind or too small, a
 * certificate that cannot be read or is not the key's, `when` not an
 * instant, or OpenSSL refused to sign). */
int handover_sign(fhir_arena *a, fhir_node *document, EVP_PKEY *key, const char *cert_pem,
                  const char *when);

/* Verifies the signature of a Bundle and compares every signed part.
 *   cert  NULL: the signature is checked with the certificate inside it, and
 *         a warning says the signer was not checked against a trusted
 *         certificate; else it must verify with cert's public key.
 * Issues go to `o`: one error per finding (which entry — fullUrl and
 * resource type/id — or which Bundle-level element was changed, added,
 * removed or moved; or that the signature itself does not verify or cannot
 * be read), and an information issue naming the signer when intact.
 * Returns HANDOVER_SIG_INTACT (0), HANDOVER_SIG_ALTERED (1),
 * HANDOVER_SIG_UNSIGNED (-1), or FHIR_E_INVALID (-2: NULL arguments, not a
 * Bundle). Out of memory gives 1 (only 0 ever says intact) and a fatal
 * too-costly issue when there is room for one; fhir_arena_failed(a) or of
 * o->arena tells it apart. */
int handover_verify(fhir_arena *a, const fhir_node *document, X509 *cert, fhir_outcome *o);

#endif
