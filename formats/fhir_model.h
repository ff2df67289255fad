/*
 * fhir_model.h — the shape of FHIR R4, as tables generated from the official
 * StructureDefinitions (formats/gen/fhir_gen.py writes fhir_model_gen.c/.h).
 *
 * Every datatype, resource and backbone element is a "type" (fhir_type_def).
 * Each type owns a contiguous, spec-ordered run of elements (fhir_elem_def);
 * the position of an element in that run is its order on output. A type also
 * owns a run of name entries (fhir_name_entry) sorted by name with strcmp,
 * one per concrete name an element can have in an instance: a choice element
 * value[x] gives one entry per type ("valueString", "valueQuantity", ...).
 *
 * Primitive types keep their value in the node itself, so the generated
 * "<primitive>.value" element is not in the element run; its kind and regex
 * are in the type definition.
 *
 * The tables are read-only and shared by all threads.
 */
#ifndef FHIR_MODEL_H
#define FHIR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define FHIR_NONE 0xFFFFu   /* no type / no element / no binding */
#define FHIR_MANY 0xFFFFu   /* max cardinality "*" */

typedef enum fhir_kind {
    FHIR_KIND_PRIMITIVE = 1, /* boolean, string, dateTime, ... xhtml */
    FHIR_KIND_COMPLEX,       /* HumanName, Coding, Extension, ... */
    FHIR_KIND_RESOURCE,      /* Patient, Bundle, ... (and abstract Resource, DomainResource) */
    FHIR_KIND_BACKBONE       /* Patient.contact, Bundle.entry, ... */
} fhir_kind;

typedef enum fhir_prim {
    FHIR_PRIM_NONE = 0,
    FHIR_PRIM_BOOLEAN, FHIR_PRIM_INTEGER, FHIR_PRIM_DECIMAL, FHIR_PRIM_POSITIVEINT,
    FHIR_PRIM_UNSIGNEDINT, FHIR_PRIM_STRING, FHIR_PRIM_CODE, FHIR_PRIM_ID,
    FHIR_PRIM_MARKDOWN, FHIR_PRIM_URI, FHIR_PRIM_URL, FHIR_PRIM_CANONICAL,
    FHIR_PRIM_OID, FHIR_PRIM_UUID, FHIR_PRIM_BASE64BINARY, FHIR_PRIM_INSTANT,
    FHIR_PRIM_DATE, FHIR_PRIM_DATETIME, FHIR_PRIM_TIME, FHIR_PRIM_XHTML,
    FHIR_PRIM_COUNT
} fhir_prim;

/* fhir_elem_def.flags */
#define FHIR_ELEM_CHOICE    0x01u /* value[x]: the instance name carries the type */
#define FHIR_ELEM_XMLATTR   0x02u /* written as an XML attribute (Element.id, Extension.url) */
#define FHIR_ELEM_RESOURCE  0x04u /* holds a whole resource (contained, Bundle.entry.resource) */
#define FHIR_ELEM_MODIFIER  0x08u /* isModifier */
#define FHIR_ELEM_SUMMARY   0x10u /* isSummary */

typedef struct fhir_type_def {
    const char *name;       /* "Patient", "HumanName", "string", "Patient.contact" */
    uint8_t kind;           /* fhir_kind */
    uint8_t prim;           /* fhir_prim for primitive types, else FHIR_PRIM_NONE */
    uint8_t abstract;       /* 1 for Element, BackboneElement, Resource, DomainResource */
    uint16_t base;          /* type this one specializes (Patient -> DomainResource), or FHIR_NONE */
    uint16_t elem_first;    /* first element in fhir_elems */
    uint16_t elem_count;
    uint16_t name_first;    /* first entry in fhir_names */
    uint16_t name_count;
    const char *regex;      /* primitive value regex from the definitions, or NULL */
} fhir_type_def;

typedef struct fhir_elem_def {
    const char *name;       /* "gender"; for a choice the stem: "value" */
    const char *path;       /* "Patient.gender", "Observation.value[x]" */
    uint16_t owner;         /* the type whose run this element is in */
    uint16_t type_first;    /* first of type_count entries in fhir_elem_types */
    uint8_t type_count;     /* > 1 only for choices */
    uint8_t flags;          /* FHIR_ELEM_* */
    uint8_t min;
    uint16_t max;           /* FHIR_MANY for "*" */
    uint16_t binding;       /* index in fhir_bindings (required bindings only), or FHIR_NONE */
} fhir_elem_def;

typedef struct fhir_name_entry {
    const char *name;       /* concrete name in an instance: "gender", "valueString" */
    uint16_t elem;          /* element index */
    uint16_t type;          /* the type this name selects */
} fhir_name_entry;

typedef struct fhir_binding_def {
    const char *valueset;   /* canonical URL, e.g. "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1" */
    uint16_t code_first;    /* first of code_count codes in fhir_codes, sorted with strcmp, unique */
    uint16_t code_count;
    uint8_t complete;       /* 1: the code list is the whole expansion; 0: could not expand (filters, external systems) */
    const char *systems;    /* the code systems of the expansion, separated by '\n' */
} fhir_binding_def;

extern const fhir_type_def fhir_types[];
extern const size_t fhir_type_count;
extern const uint16_t fhir_type_by_name[];   /* all type indexes, sorted by name with strcmp */
extern const fhir_elem_def fhir_elems[];
extern const size_t fhir_elem_count;
extern const uint16_t fhir_elem_types[];
extern const fhir_name_entry fhir_names[];
extern const size_t fhir_name_count;
extern const fhir_binding_def fhir_bindings[];
extern const size_t fhir_binding_count;
extern const char *const fhir_codes[];
extern const size_t fhir_code_count;

/* Lookups (fhir_model.c). Each returns FHIR_NONE when there is no match. */
uint16_t fhir_type_find(const char *name);                   /* "Patient", "HumanName", "Bundle.entry" */
uint16_t fhir_resource_find(const char *name, size_t len);   /* concrete resource types only */
const fhir_name_entry *fhir_name_find(uint16_t type, const char *name, size_t len);
int fhir_binding_has_code(uint16_t binding, const char *code);
int fhir_type_is_a(uint16_t type, uint16_t ancestor);

#endif
