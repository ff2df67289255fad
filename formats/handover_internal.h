/*
 * handover_internal.h — the patient's records as the rules and the builder
 * see them: every resource of the Bundle indexed, references resolved, and
 * small readers of the tree. Shared by the handover_*.c files only.
 */
#ifndef HANDOVER_INTERNAL_H
#define HANDOVER_INTERNAL_H

#include <time.h>

#include "handover.h"

#define SYS_UZI_ROLE "http://fhir.nl/fhir/NamingSystem/uzi-rolcode"
#define SYS_BSN "http://fhir.nl/fhir/NamingSystem/bsn"
#define SYS_URA "http://fhir.nl/fhir/NamingSystem/ura"
#define SYS_CARE_ROLE MGZ_BASE "/CodeSystem/mgz-care-role"
#define SYS_PART MGZ_BASE "/CodeSystem/mgz-handover-part"
#define SYS_SECTION MGZ_BASE "/CodeSystem/mgz-handover-section"
#define EXT_SECTOR MGZ_BASE "/StructureDefinition/ext-wlz-sector"
#define EXT_DELIVERY MGZ_BASE "/StructureDefinition/ext-wlz-delivery-form"
#define EXT_PROVIDER MGZ_BASE "/StructureDefinition/ext-wlz-provider"
#define EXT_REACH MGZ_BASE "/StructureDefinition/ext-reachability"
#define EXT_TRANSFER MGZ_BASE "/StructureDefinition/ext-regiebehandelaar-transfer"
#define EXT_AUTHOR MGZ_BASE "/StructureDefinition/ext-author"
#define EXT_SPEC_OTHER "http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther"

typedef enum ho_role {
    HO_ROLE_OTHER = 0, HO_ROLE_HUISARTS, HO_ROLE_SO, HO_ROLE_AVG, HO_ROLE_GEDRAGSKUNDIGE,
    HO_ROLE_NURSE
} ho_role;

typedef struct ho_res {
    fhir_node *node;       /* the resource (Bundle.entry.resource) */
    fhir_node *entry;
    const char *type;      /* "Patient" */
    const char *id;        /* or NULL */
    const char *full_url;  /* as sent, or NULL */
    const char *doc_url;   /* "urn:uuid:…" in the document */
} ho_res;

typedef struct ho_records {
    fhir_arena *a;
    const fhir_node *bundle;
    ho_res *res;
    size_t count;
    ho_res *patient;       /* the one Patient (NULL when not exactly one) */
    ho_res *careteam;      /* the one CareTeam (NULL when not exactly one) */
    size_t patients, careteams;
    const char *sector;    /* "ouderenzorg", "gehandicaptenzorg" or NULL */
    const char *delivery;  /* "vmb", "vzb", "vpt", "mpt", "pgb" or NULL */
    const char *now;       /* dateTime */
    char today[11];        /* YYYY-MM-DD of now */
    unsigned review_days;
} ho_records;

/* Indexes the records; FHIR_E_NOMEM when out of memory. */
int ho_load(ho_records *r, fhir_arena *a, const fhir_node *bundle, const handover_options *opt);
/* "urn:uuid:…" from SHA-256 of a name: the same name, the same uuid. */
const char *ho_uuid(fhir_arena *a, const char *name);
/* The record a reference string names: fullUrl, Type/id (also absolute
 * …/Type/id), or Type?identifier=system|value. NULL when not in the records. */
ho_res *ho_resolve(const ho_records *r, const char *reference);
/* The record a Reference element points at. */
ho_res *ho_ref(const ho_records *r, const fhir_node *reference);
/* What kind of professional a PractitionerRole record is. */
ho_role ho_role_of(const ho_res *practitioner_role);
const char *ho_role_name_nl(ho_role role);

/* First child reached by a dotted path of element names, or NULL. */
const fhir_node *ho_path(const fhir_node *n, const char *path);
const char *ho_value(const fhir_node *n, const char *path);
/* First extension (or modifierExtension) of n with this url. */
const fhir_node *ho_ext(const fhir_node *n, const char *url);
/* 1 when a CodeableConcept (or Coding) has the system and code. */
int ho_has_code(const fhir_node *concept, const char *system, const char *code);
/* The code of the first coding with this system in a CodeableConcept or Coding. */
const char *ho_code(const fhir_node *concept, const char *system);
/* text, else the first display, else the first code. */
const char *ho_concept_text(const fhir_node *concept);
/* A person's or role's name for people: "E. Bakker" from HumanName. */
const char *ho_name(fhir_arena *a, const fhir_node *resource);
/* Days since 1970-01-01 of a proleptic Gregorian date (negative before). */
long ho_days_from_civil(long year, long month, long day);
/* Europe/Amsterdam civil time of a UTC instant (handover_clock.c). */
typedef struct ho_local_time {
    long year;
    int month, day, hour, minute;
    int weekday; /* 0 Sunday … 6 Saturday */
    int summer;  /* 1 in CEST (UTC+2), 0 in CET (UTC+1) */
} ho_local_time;
void ho_local(time_t t, ho_local_time *out);
/* Days between two dates (YYYY-MM-DD prefixes); b - a. */
long ho_days_between(const char *a, const char *b);
/* 1 when the date (prefix) is before today. */
int ho_before_today(const ho_records *r, const char *date);

/* Runs every rule on loaded records (handover_rules.c); returns the errors. */
unsigned handover__check_loaded(ho_records *r, fhir_outcome *o);
/* The Dutch name of a treatment (zib BehandelingCodelijst), else the concept's
 * text, else "behandeling niet benoemd": never NULL. */
const char *ho_treatment_nl(const fhir_node *code);

/* Treatment directives (Consent with scope treatment), as the rules read them
 * (handover_rules.c); the page and the narrative use the same readings. */
int ho_is_treatment_directive(const fhir_node *consent);
/* mgz-10: no longer applies: status inactive, or provision.period.end before today. */
int ho_directive_expired(const ho_records *r, const fhir_node *consent);
/* mgz-9: the days since the most recent review (Consent.dateTime) when that is
 * longer ago than the review period; 0 when within it or when there is no date. */
long ho_directive_overdue(const ho_records *r, const fhir_node *consent);

/* CareTeam participants */
int ho_participant_has_role(const fhir_node *participant, const char *care_role);
int ho_participant_current(const ho_records *r, const fhir_node *participant);

#endif
