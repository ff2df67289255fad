/*
 * audit_report.c — `handoverd --audit-report PATIENT`: for one patient, who
 * saw or changed what and when, in Dutch plain text fit to hand to that
 * patient (NEN 7513: the patient may ask to see the log). PATIENT is the
 * BSN or the Patient id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static const char *what_nl(const char *interaction)
{
    static const char *const map[][2] = {
        {"handover", "overdracht ingezien"},
        {"read", "gegevens ingezien"},
        {"vread", "eerdere versie ingezien"},
        {"history", "versiegeschiedenis ingezien"},
        {"search", "naar de patiënt gezocht"},
        {"transaction", "overdracht gepubliceerd"},
        {"update", "gegevens gewijzigd"},
        {"create", "gegevens toegevoegd"},
        {"validate", "gegevens gecontroleerd (niet opgeslagen)"},
        {"audit", "toegangslog ingezien"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], interaction) == 0)
            return map[i][1];
    return interaction;
}

static const char *role_nl(const char *role)
{
    if (strcmp(role, "publisher") == 0)
        return "zorgaanbieder";
    if (strcmp(role, "reader") == 0)
        return "huisartsenpost";
    if (strcmp(role, "privacy-officer") == 0)
        return "functionaris gegevensbescherming";
    return "onbekend";
}

/* The table's columns: widths in characters (the Dutch text is UTF-8). */
static const int widths[] = {24, 10, 32, 16, 42, 0};

/* One row: each cell padded to its column's width in characters. */
static void row(FILE *out, const char *const cells[6])
{
    for (int i = 0; i < 6; i++) {
        int chars = 0;
        for (const char *c = cells[i]; *c; c++)
            chars += ((unsigned char)*c & 0xC0) != 0x80; /* not a continuation byte */
        fputs(cells[i], out);
        if (widths[i])
            fprintf(out, "%*s", (chars < widths[i] ? widths[i] - chars : 0) + 2, "");
    }
    fputc('\n', out);
}

int srv_audit_report(FILE *out, const char *log_path, srv_store *st, const char *patient)
{
    const char *ids[8];
    char *found[8];
    size_t nids = 0, nfound = 0;
    int is_bsn = strspn(patient, "0123456789") == strlen(patient) && strlen(patient) == 9;
    if (is_bsn && st)
        srv_store_find(st, "Patient", SRV_BSN_SYSTEM, patient, found, 8, &nfound);
    for (size_t i = 0; i < nfound; i++)
        ids[nids++] = found[i];
    if (!is_bsn)
        ids[nids++] = patient;
    FILE *f = fopen(log_path, "r");
    if (!f) {
        fprintf(stderr, "handoverd: %s: cannot read the access log\n", log_path);
        for (size_t i = 0; i < nfound; i++)
            free(found[i]);
        return 1;
    }
    fprintf(out, "Inzage in het toegangslog van de MGZ-overdrachtsdienst\n");
    if (is_bsn)
        fprintf(out, "Patiënt: BSN ******%s\n", patient + 6);
    else
        fprintf(out, "Patiënt: %s\n", patient);
    fputc('\n', out);
    row(out, (const char *const[6]){"Datum en tijd (UTC)", "URA", "Rol", "Persoon", "Wat",
                                    "Resultaat"});
    char line[8192];
    unsigned long shown = 0;
    while (fgets(line, sizeof line, f)) {
        srv_audit_record rec;
        if (srv_audit_parse(line, &rec) != 0)
            continue;
        int match = is_bsn && strcmp(rec.bsn, patient) == 0;
        for (size_t i = 0; i < nids && !match; i++)
            match = strcmp(rec.patient, ids[i]) == 0;
        if (!match)
            continue;
        char result[32];
        if (rec.status < 400)
            snprintf(result, sizeof result, "toegestaan");
        else if (rec.status == 401 || rec.status == 403)
            snprintf(result, sizeof result, "geweigerd");
        else
            snprintf(result, sizeof result, "mislukt (%u)", rec.status);
        row(out, (const char *const[6]){rec.time, rec.org[0] ? rec.org : "-", role_nl(rec.role),
                                        rec.user[0] ? rec.user : "-", what_nl(rec.interaction),
                                        result});
        shown++;
    }
    fclose(f);
    fprintf(out, "\n%lu toegang%s.\n", shown, shown == 1 ? "" : "en");
    for (size_t i = 0; i < nfound; i++)
        free(found[i]);
    return 0;
}
