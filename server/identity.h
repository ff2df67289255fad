/*
 * identity.h — who is calling: the organisation named in a client's UZI
 * server certificate, and the role the access configuration gives it.
 *
 * The certificate is read with OpenSSL from its DER bytes (the TLS layer
 * hands them over after it verified the chain). The organisation is taken
 * from the subjectAltName only, never from the subject DN
 * (NL-STANDARDS §4): otherName 2.5.5.5 carries
 * `<OID CA>-<versie>-<UZI-nr>-<pastype>-<URA>-<rol>-<AGB>`, and otherName
 * permanentIdentifier (1.3.6.1.5.5.7.8.3) with assigner 2.16.528.1.1007.3.3
 * carries the URA again. When both are present they must agree.
 */
#ifndef SRV_IDENTITY_H
#define SRV_IDENTITY_H

#include <stddef.h>

typedef struct srv_identity {
    char ura[16];        /* the organisation's URA (digits) */
    char uzi[16];        /* the UZI number of the certificate (digits) */
    char agb[16];        /* AGB code, may be "" */
    char card_type;      /* 'S' server certificate, 'Z', 'N', 'M' */
    char role[16];       /* UZI role code, e.g. "00.000" */
    char org[128];       /* subject O, for log lines only; never used for decisions */
} srv_identity;

/* Reads the UZI identity from a DER-encoded certificate. 0 on success; -1
 * when the certificate cannot be parsed (or len holds more than one
 * certificate), carries no UZI otherName or two, has a malformed one (not 7
 * fields, URA or UZI-nr not 1..15 digits, AGB not 0..15 digits, pastype not
 * one of S Z N M, role over 15 characters, a byte that is not printable
 * ASCII or a space), or a permanentIdentifier with
 * assigner 2.16.528.1.1007.3.3 whose URA differs from the 2.5.5.5 URA. A
 * permanentIdentifier alone is not enough (no UZI-nr). On -1 *out is all
 * zero. Reentrant; keeps nothing. */
int srv_identity_from_der(const unsigned char *der, size_t len, srv_identity *out);

typedef enum srv_role {
    SRV_ROLE_NONE = 0,   /* trusted certificate, but no role here */
    SRV_ROLE_PUBLISHER,  /* institutions and practices: publish and read handovers */
    SRV_ROLE_READER,     /* huisartsenposts: read handovers */
    SRV_ROLE_PRIVACY     /* privacy officer: reads the access log */
} srv_role;

/* "publisher", "reader", "privacy-officer", "none" (also for any value
 * outside the enum). The words are those of access.conf. */
const char *srv_role_name(srv_role role);

/* The access configuration (access.conf): one line per key,
 *   KEY ROLE [free text naming the organisation]
 * KEY is a URA (digits) or `uzi:<UZI-nr>` for one certificate; ROLE is
 * publisher, reader or privacy-officer; a line whose first non-blank
 * character is '#' is a comment; blank lines are ignored. A `uzi:` line wins over the URA line of the same
 * certificate (a privacy officer's certificate carries the institution's
 * URA). */
typedef struct srv_access srv_access;

/* 0 with a new table in *out (free with srv_access_free), or -1 with *out
 * NULL and a message "FILE:LINE: what" in err ("FILE: what" when the file
 * cannot be read): an unknown role, a malformed key (URA and UZI-nr are 1..15
 * digits), a key on two lines, a line over 1024 bytes or with a NUL byte.
 * err may be NULL; the message is cut to errlen. */
int srv_access_load(const char *path, srv_access **out, char *err, size_t errlen);
void srv_access_free(srv_access *a);
/* The role for id: the `uzi:<id->uzi>` entry, else the `<id->ura>` entry,
 * else SRV_ROLE_NONE (also when a or id is NULL). The table is read only:
 * many threads may look up at once. */
srv_role srv_access_role(const srv_access *a, const srv_identity *id);

#endif
