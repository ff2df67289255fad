/*
 * audit.h — the access log (NEN 7513): one record for every access to
 * patient data, successful or refused, written before the response leaves.
 *
 * The log is an append-only file of JSON lines, hash-chained: each record
 * carries the SHA-256 of the previous one (`prev`) and its own (`hash`, over
 * its line up to and including `prev`), so altering, removing or inserting
 * a record breaks the chain from there on; srv_audit_verify names the first
 * broken record. LOG.head names the last record made durable, so records cut
 * from the end are found too. Lines hold no names or clinical content: who (URA, role,
 * the person acting when the caller says), when, what (interaction,
 * resource and version), which patient (id and, when the request named it,
 * the BSN), the outcome, the source address and this service.
 */
#ifndef SRV_AUDIT_H
#define SRV_AUDIT_H

#include <stdio.h>

#include "server.h"

typedef struct srv_audit srv_audit;

/* Opens (creating) the log at path and reads where its chain ends. -1 with
 * a reason when the file is unreadable or its last record is damaged. */
int srv_audit_open(const char *path, const char *service, srv_audit **out, char *err,
                   size_t errlen);
void srv_audit_close(srv_audit *a);

/* Writes the record of a finished request (r->audit says what it touched);
 * a write's record is fdatasync'd before this returns. */
void srv_audit_request(srv_audit *a, const srv_request *r);
/* The same without the fdatasync, for a group of writes that ends with one
 * srv_audit_sync before any of them is answered. */
void srv_audit_request_unsynced(srv_audit *a, const srv_request *r);
void srv_audit_sync(srv_audit *a);

/* Notes in r->audit the record type/id (version 0: all versions) and the
 * patient whose records hold it (a Bundle's id is its patient's id). */
void srv_audit_note(srv_request *r, srv_store *st, const char *type, const char *id,
                    uint64_t version);

/* Checks the whole chain and that it reaches the record its head names. 0 and
 * *records when intact; else 1 with the first broken or missing record's line
 * number in *bad_line and the reason in err. -1 when
 * the file cannot be read. */
int srv_audit_verify(const char *path, unsigned long *records, unsigned long *bad_line, char *err,
                     size_t errlen);

/* Checks the chain and writes LOG.head for its end as it is: for a log whose
 * head went missing, after someone looked at why. 0, 1 when the chain is
 * broken (err says where), -1 on an I/O error. */
int srv_audit_seal(const char *path, char *err, size_t errlen);

/* Prints the patient's accesses (BSN or Patient id) in Dutch; 0, or 1 when
 * the log cannot be read. `st` resolves a BSN to Patient ids (may be NULL). */
int srv_audit_report(FILE *out, const char *log_path, srv_store *st, const char *patient);

/* One record as read back. Strings point into the caller's line buffer. */
typedef struct srv_audit_record {
    unsigned long seq;
    const char *time, *action, *interaction, *org, *role, *user, *user_role, *patient, *bsn,
        *entity, *source, *service;
    unsigned status;
} srv_audit_record;

/* Parses one log line in place (it is modified). 0, or -1 when it is not a record. */
int srv_audit_parse(char *line, srv_audit_record *rec);

#endif
