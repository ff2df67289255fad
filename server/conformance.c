/*
 * conformance.c — what the server says about itself: the CapabilityStatement
 * at /fhir/metadata and the published handover profile (CodeSystems,
 * ValueSets, StructureDefinitions from the profile directory).
 *
 * All of them are read and checked once at start-up and rendered to XML and
 * JSON as persistent MHD responses; a request only queues one. The
 * CapabilityStatement is written out below and lists exactly what the
 * router and the handlers do; a test reads it back against the routes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "handover.h"

/* The resource types a publisher writes: the handover's records. */
const char *const srv_record_types[] = {
    "Patient", "Organization", "Practitioner", "PractitionerRole", "RelatedPerson", "CareTeam",
    "Consent", "Flag", "Observation", "Medication", "MedicationStatement", "AllergyIntolerance",
    "Condition", NULL,
};

int srv_is_record_type(const char *type)
{
    for (size_t i = 0; type && srv_record_types[i]; i++)
        if (strcmp(srv_record_types[i], type) == 0)
            return 1;
    return 0;
}

typedef struct published {
    char *type, *id;
    struct MHD_Response *resp[SRV_FMT_COUNT];
} published;

struct srv_conformance {
    published *items;
    size_t count, cap;
};

#define REC_INTERACTIONS                                                                     \
    "\"interaction\":[{\"code\":\"read\"},{\"code\":\"vread\"},{\"code\":\"update\"},"        \
    "{\"code\":\"create\"},{\"code\":\"history-instance\"}],"                                  \
    "\"versioning\":\"versioned-update\",\"readHistory\":true,\"updateCreate\":true,"          \
    "\"conditionalCreate\":true,\"conditionalUpdate\":true,\"conditionalDelete\":\"not-supported\""

#define RECORD(type) "{\"type\":\"" type "\"," REC_INTERACTIONS "}"

#define PROFILE_READ(type) \
    "{\"type\":\"" type "\",\"interaction\":[{\"code\":\"read\"}]}"

static const char capability_json[] =
    "{\"resourceType\":\"CapabilityStatement\",\"id\":\"handoverd\","
    "\"url\":\"" MGZ_BASE "/CapabilityStatement/handoverd\","
    "\"name\":\"MgzHandoverServer\",\"title\":\"MGZ patient handover service\","
    "\"status\":\"active\",\"date\":\"2026-11-23\",\"publisher\":\"MGZ handover project\","
    "\"description\":\"Stores the records of the MGZ patient handover (Wlz, medisch-generalistische "
    "zorg), builds the handover document (a FHIR document Bundle, Composition first) at every "
    "accepted write and serves it. Every call needs mutual TLS with a UZI server certificate; "
    "access.conf maps the organisation (URA) to a role: publisher (writes and reads), reader "
    "(huisartsenpost: reads) or privacy-officer.\","
    "\"kind\":\"instance\","
    "\"software\":{\"name\":\"handoverd\",\"version\":\"0.4\"},"
    "\"implementation\":{\"description\":\"MGZ handover service\"},"
    "\"fhirVersion\":\"4.0.1\","
    "\"format\":[\"application/fhir+json\",\"application/fhir+xml\",\"json\",\"xml\"],"
    "\"rest\":[{\"mode\":\"server\","
    "\"documentation\":\"Transactions publish one patient's handover records atomically "
    "(conditional references and conditional create/update by identifier); each accepted write "
    "rebuilds the patient's handover document in the same database transaction, and a 2xx is "
    "sent only after it is durable. Errors are OperationOutcomes with Dutch and English text.\","
    "\"security\":{\"cors\":false,\"service\":[{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/restful-security-service\",\"code\":"
    "\"Certificates\"}]}],\"description\":\"Mutual TLS (TLS 1.2 or 1.3) with a client "
    "certificate from a trusted authority (UZI-register); the organisation is the URA in the "
    "subjectAltName (otherName 2.5.5.5 and permanentIdentifier). A publisher writes a "
    "patient's records only when its organisation is in the patient's care team (or for a first "
    "handover) and cannot drop another organisation from the team. Every access to patient data, "
    "also a refused one, is recorded in a hash-chained access log (NEN 7513) before the answer "
    "is sent; the calling system names the person acting in the request headers X-User-Id (e.g. "
    "the UZI number) and X-User-Role (the UZI role code), which are recorded.\"},"
    "\"resource\":["
    "{\"type\":\"Patient\"," REC_INTERACTIONS ","
    "\"searchParam\":[{\"name\":\"identifier\",\"definition\":"
    "\"http://hl7.org/fhir/SearchParameter/Patient-identifier\",\"type\":\"token\","
    "\"documentation\":\"system|value, e.g. http://fhir.nl/fhir/NamingSystem/bsn|999911120\"}],"
    "\"operation\":[{\"name\":\"handover\",\"definition\":\"" MGZ_BASE
    "/OperationDefinition/handover\",\"documentation\":\"The patient's current handover "
    "document: Patient/{id}/$handover or Patient/$handover?identifier=system|value\"},"
    "{\"name\":\"validate\",\"definition\":\"http://hl7.org/fhir/OperationDefinition/"
    "Resource-validate\"}]},"
    RECORD("Organization") "," RECORD("Practitioner") "," RECORD("PractitionerRole") ","
    RECORD("RelatedPerson") "," RECORD("CareTeam") "," RECORD("Consent") "," RECORD("Flag") ","
    RECORD("Observation") "," RECORD("Medication") "," RECORD("MedicationStatement") ","
    RECORD("AllergyIntolerance") "," RECORD("Condition") ","
    "{\"type\":\"Bundle\",\"supportedProfile\":[\"" MGZ_BASE
    "/StructureDefinition/mgz-handover-bundle\"],"
    "\"documentation\":\"Handover documents: Bundle/{id} is the current document of "
    "Patient/{id}; _history lists its versions. Built by the server, never written by clients.\","
    "\"interaction\":[{\"code\":\"read\"},{\"code\":\"vread\"},{\"code\":\"history-instance\"}],"
    "\"versioning\":\"versioned\",\"readHistory\":true,"
    "\"operation\":[{\"name\":\"validate\",\"definition\":\"http://hl7.org/fhir/"
    "OperationDefinition/Resource-validate\",\"documentation\":\"A document Bundle is checked "
    "against the handover profile and the covenant rules mgz-1..mgz-11; a transaction or "
    "collection Bundle as a patient's records. Nothing is stored.\"}]},"
    "{\"type\":\"AuditEvent\",\"documentation\":\"The access log, for the privacy-officer "
    "role only.\",\"interaction\":[{\"code\":\"search-type\"}],"
    "\"searchParam\":[{\"name\":\"patient\",\"definition\":"
    "\"http://hl7.org/fhir/SearchParameter/AuditEvent-patient\",\"type\":\"reference\","
    "\"documentation\":\"required: the BSN as system|value, or the Patient id\"},"
    "{\"name\":\"date\",\"definition\":\"http://hl7.org/fhir/SearchParameter/clinical-date\","
    "\"type\":\"date\",\"documentation\":\"eq, ge, gt, le, lt\"}]},"
    PROFILE_READ("StructureDefinition") "," PROFILE_READ("ValueSet") ","
    PROFILE_READ("CodeSystem") "],"
    "\"interaction\":[{\"code\":\"transaction\",\"documentation\":\"POST /fhir with a transaction "
    "Bundle holding one patient's handover records (entries POST or PUT, also conditional); the "
    "records replace the patient's earlier record list\"}],"
    "\"operation\":[{\"name\":\"validate\",\"definition\":\"http://hl7.org/fhir/"
    "OperationDefinition/Resource-validate\",\"documentation\":\"POST /fhir/{type}/$validate "
    "with the resource or a Parameters resource holding it; answers an OperationOutcome\"}]}]}";

static int add(srv_conformance *c, const fhir_node *res, fhir_arena *a, char *err, size_t errlen)
{
    const char *type = fhir_node_resource_type(res);
    const char *id = fhir_node_child_value(res, "id");
    if (!type || !id) {
        snprintf(err, errlen, "a profile resource has no id");
        return -1;
    }
    (void)a;
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        published *p = realloc(c->items, cap * sizeof *p);
        if (!p)
            return -1;
        c->items = p;
        c->cap = cap;
    }
    published *p = &c->items[c->count];
    memset(p, 0, sizeof *p);
    p->type = strdup(type);
    p->id = strdup(id);
    c->count++;
    for (int f = 0; f < SRV_FMT_COUNT; f++) {
        fhir_buf b;
        fhir_buf_init(&b, 16u * 1024 * 1024);
        if (fhir_write(res, srv_format_fhir((srv_format)f), &b, 0) == 0)
            p->resp[f] = srv_bytes_response(b.data, b.len, (srv_format)f);
        fhir_buf_free(&b);
        if (!p->resp[f]) {
            snprintf(err, errlen, "out of memory rendering %s/%s", type, id);
            return -1;
        }
    }
    return p->type && p->id ? 0 : -1;
}

/* Reads and checks one resource; NULL with a message when it has errors. */
static fhir_node *load(fhir_arena *a, const char *name, const char *bytes, size_t len, char *err,
                       size_t errlen)
{
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *res = fhir_read(a, bytes, len, NULL, &o);
    if (res)
        fhir_validate(res, &o);
    if (!res || fhir_outcome_has_errors(&o)) {
        const fhir_issue *i = o.first;
        while (i && i->severity > FHIR_SEV_ERROR)
            i = i->next;
        snprintf(err, errlen, "%s: %s", name, i ? i->message : "unreadable");
        return NULL;
    }
    return res;
}

static int load_dir(srv_conformance *c, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open the profile directory", dir);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0)
            continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        fhir_buf b;
        fhir_buf_init(&b, 16u * 1024 * 1024);
        char chunk[8192];
        size_t got;
        while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
            fhir_buf_add(&b, chunk, got);
        if (f)
            fclose(f);
        fhir_arena *a = fhir_arena_new(0);
        fhir_node *res = a && b.len ? load(a, path, b.data, b.len, err, errlen) : NULL;
        if (!res) {
            if (!a || !b.len)
                snprintf(err, errlen, "%s: cannot read", path);
            rc = -1;
        } else {
            rc = add(c, res, a, err, errlen);
        }
        fhir_arena_free(a);
        fhir_buf_free(&b);
    }
    closedir(d);
    return rc;
}

int srv_conformance_load(srv_conformance **out, const srv_config *cfg, char *err, size_t errlen)
{
    srv_conformance *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    fhir_arena *a = fhir_arena_new(0);
    fhir_node *cs = a ? load(a, "CapabilityStatement", capability_json, sizeof capability_json - 1,
                             err, errlen)
                      : NULL;
    int rc = cs ? add(c, cs, a, err, errlen) : -1;
    fhir_arena_free(a);
    if (rc == 0)
        rc = load_dir(c, cfg->profile_dir, err, errlen);
    if (rc != 0) {
        srv_conformance_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void srv_conformance_free(srv_conformance *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        for (int f = 0; f < SRV_FMT_COUNT; f++)
            if (c->items[i].resp[f])
                MHD_destroy_response(c->items[i].resp[f]);
        free(c->items[i].type);
        free(c->items[i].id);
    }
    free(c->items);
    free(c);
}

struct MHD_Response *srv_conformance_get(const srv_conformance *c, const char *type,
                                         const char *id, srv_format f)
{
    for (size_t i = 0; c && i < c->count; i++)
        if (strcmp(c->items[i].type, type) == 0 && strcmp(c->items[i].id, id) == 0)
            return c->items[i].resp[f];
    return NULL;
}
