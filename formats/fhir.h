/*
 * fhir.h — the public interface of the FHIR R4 library in formats/.
 *
 * One generic element tree holds any FHIR R4 resource. It is read from XML or
 * JSON, checked against the official definitions (fhir_model.h), and written
 * back to XML or JSON without loss. The library has no network and no
 * storage; the server and the `handover` tool use it.
 *
 * Conventions
 *   - Functions returning int give 0 on success and a negative FHIR_E* code
 *     on failure.
 *   - Everything a parse returns lives in the caller's arena and is freed with
 *     it; nothing in a tree is freed on its own.
 *   - Problems found in input are not return codes: they are issues added to
 *     the caller's fhir_outcome (the OperationOutcome being built). A parse
 *     that cannot produce a tree returns NULL and has added a fatal issue.
 */
#ifndef FHIR_H
#define FHIR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir_model.h"

#define FHIR_E_NOMEM   (-1)  /* allocation failed, or the arena/buffer limit was hit */
#define FHIR_E_INVALID (-2)  /* a caller passed something unusable */

/* ---- arena: every allocation of one request or one document ---------- */

typedef struct fhir_arena fhir_arena;

/* An arena that refuses to grow past `limit` bytes in total (0: no limit). */
fhir_arena *fhir_arena_new(size_t limit);
void fhir_arena_free(fhir_arena *a);
/* 8-byte aligned, uninitialised; NULL and sticky failure once out of memory. */
void *fhir_arena_alloc(fhir_arena *a, size_t n);
void *fhir_arena_zalloc(fhir_arena *a, size_t n);
char *fhir_arena_strndup(fhir_arena *a, const char *s, size_t n);
char *fhir_arena_strdup(fhir_arena *a, const char *s);
char *fhir_arena_printf(fhir_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 1 once any allocation failed. */
int fhir_arena_failed(const fhir_arena *a);
size_t fhir_arena_used(const fhir_arena *a);
/* Test hook: make the n-th allocation from now fail (0: never). */
void fhir_arena_fail_after(fhir_arena *a, unsigned long n);

/* ---- growable byte buffer with a size limit (for output) ------------- */

typedef struct fhir_buf {
    char *data;     /* NUL-terminated while len > 0 */
    size_t len;
    size_t cap;
    size_t limit;   /* never grows past this (0: no limit) */
    int failed;     /* sticky: set once an append did not fit */
} fhir_buf;

void fhir_buf_init(fhir_buf *b, size_t limit);
void fhir_buf_free(fhir_buf *b);
int fhir_buf_add(fhir_buf *b, const void *p, size_t n);
int fhir_buf_adds(fhir_buf *b, const char *s);
int fhir_buf_addc(fhir_buf *b, char c);
int fhir_buf_printf(fhir_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (free() them) and resets the buffer. */
char *fhir_buf_take(fhir_buf *b, size_t *len);

/* ---- the element tree ------------------------------------------------- */

/*
 * A node is one element of an instance. Its definition is `elem` (FHIR_NONE
 * for a root resource or an element the definitions do not know) and its
 * type is `type` (for a node holding a resource — a root, contained[n],
 * Bundle.entry.resource — the concrete resource type).
 * Primitive nodes keep their value as written ("1.50" stays "1.50"); their
 * id and extensions are child nodes. An xhtml node (Narrative.div) keeps the
 * whole <div> element as an XHTML string.
 * Children are kept in the order of the definitions; repeats are siblings.
 */
typedef struct fhir_node fhir_node;
struct fhir_node {
    const char *name;   /* as in the instance: "valueString", "Patient" for a root */
    const char *value;  /* primitive value, NUL-terminated, or NULL */
    uint32_t value_len;
    uint16_t elem;      /* fhir_elems index or FHIR_NONE */
    uint16_t type;      /* fhir_types index or FHIR_NONE */
    uint32_t line;      /* position in the input, 1-based; 0 when built in memory */
    uint32_t col;
    fhir_node *parent;
    fhir_node *first;   /* first child */
    fhir_node *last;    /* last child */
    fhir_node *next;    /* next sibling */
};

/* A new node with no parent. `name` is copied. NULL when out of memory. */
fhir_node *fhir_node_new(fhir_arena *a, const char *name, uint16_t elem, uint16_t type);
/* Appends `child` to `parent` at its place in definition order (after any
 * siblings of the same or an earlier element). */
void fhir_node_add(fhir_node *parent, fhir_node *child);
/* Adds a child by instance name, looking its definition up in the parent's
 * type; value may be NULL. NULL if out of memory or the name is unknown. */
fhir_node *fhir_node_add_named(fhir_arena *a, fhir_node *parent, const char *name,
                               const char *value);
/* First child with this instance name, or NULL. */
fhir_node *fhir_node_child(const fhir_node *n, const char *name);
/* Next sibling with the same name, or NULL. */
fhir_node *fhir_node_next_same(const fhir_node *n);
/* Value of the named primitive child, or NULL. */
const char *fhir_node_child_value(const fhir_node *n, const char *name);
/* The resource type name of a resource-holding node ("Patient"), or NULL. */
const char *fhir_node_resource_type(const fhir_node *n);
/* 1 when the node is primitive (has or may have a value) */
int fhir_node_is_primitive(const fhir_node *n);
/* The FHIRPath expression of a node, e.g. "Bundle.entry[2].resource.ofType(Patient).gender". */
char *fhir_node_path(fhir_arena *a, const fhir_node *n);

/* ---- outcome: issues collected while reading and validating ---------- */

typedef enum fhir_severity {
    FHIR_SEV_FATAL = 0, FHIR_SEV_ERROR, FHIR_SEV_WARNING, FHIR_SEV_INFORMATION
} fhir_severity;

typedef struct fhir_issue {
    fhir_severity severity;
    const char *code;        /* issue-type: "structure", "required", "value", ... */
    const char *message;     /* English, readable */
    const char *message_nl;  /* Dutch, or NULL */
    const char *expression;  /* FHIRPath, or NULL */
    const char *rule_system; /* code system of `rule`, or NULL */
    const char *rule;        /* the identifier of the rule broken ("mgz-2"), or NULL */
    uint32_t line, col;      /* 0 when not known */
    struct fhir_issue *next;
} fhir_issue;

typedef struct fhir_outcome {
    fhir_arena *arena;       /* issues live here */
    fhir_issue *first, *last;
    unsigned count[4];       /* per severity */
    unsigned max_issues;     /* stop recording after this many (0: 1000) */
    unsigned dropped;
} fhir_outcome;

/* "fatal", "error", "warning", "information" */
const char *fhir_severity_code(fhir_severity sev);
void fhir_outcome_init(fhir_outcome *o, fhir_arena *a);
/* Records an issue; `expression` is copied. Never fails (drops on OOM). */
void fhir_outcome_add(fhir_outcome *o, fhir_severity sev, const char *code,
                      const char *expression, uint32_t line, uint32_t col,
                      const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Same, pointing at a node: expression, line and column come from it. */
void fhir_outcome_at(fhir_outcome *o, const fhir_node *n, fhir_severity sev,
                     const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* An issue of a named rule (expression, line and column from the node, which
 * may be NULL), worded in Dutch and English; the strings are copied. */
void fhir_outcome_rule(fhir_outcome *o, const fhir_node *n, fhir_severity sev, const char *code,
                       const char *rule_system, const char *rule, const char *message_nl,
                       const char *message_en);
/* 1 when there is a fatal or error issue. */
int fhir_outcome_has_errors(const fhir_outcome *o);
/* The OperationOutcome resource for these issues (an "information" issue
 * saying all is well when there are none). */
fhir_node *fhir_outcome_to_resource(const fhir_outcome *o, fhir_arena *a);

/* ---- reading ------------------------------------------------------------ */

typedef struct fhir_limits {
    size_t max_bytes;        /* input larger than this is refused (too-costly) */
    unsigned max_depth;      /* element nesting deeper than this is refused */
} fhir_limits;

/* 8 MiB, depth 100 */
extern const fhir_limits fhir_default_limits;

typedef enum fhir_format { FHIR_FORMAT_UNKNOWN = 0, FHIR_FORMAT_XML, FHIR_FORMAT_JSON } fhir_format;

/* Guesses from the first non-blank byte: '<' XML, '{' JSON. */
fhir_format fhir_detect_format(const char *buf, size_t len);

/* Each returns the root resource node, or NULL after adding a fatal issue.
 * Structure problems that still leave a tree (unknown elements, JSON
 * duplicates, wrong JSON types) are added as errors and the tree returned. */
fhir_node *fhir_read_xml(fhir_arena *a, const char *buf, size_t len,
                         const fhir_limits *lim, fhir_outcome *o);
fhir_node *fhir_read_json(fhir_arena *a, const char *buf, size_t len,
                          const fhir_limits *lim, fhir_outcome *o);
fhir_node *fhir_read(fhir_arena *a, const char *buf, size_t len,
                     const fhir_limits *lim, fhir_outcome *o);

/* ---- writing ----------------------------------------------------------- */

#define FHIR_WRITE_PRETTY 0x1u

/* Append the resource to `out` in definition order. FHIR_E_NOMEM when the
 * buffer limit was hit. */
int fhir_write_xml(const fhir_node *root, fhir_buf *out, unsigned flags);
int fhir_write_json(const fhir_node *root, fhir_buf *out, unsigned flags);
int fhir_write(const fhir_node *root, fhir_format f, fhir_buf *out, unsigned flags);

/* ---- validation ------------------------------------------------------- */

/* Checks the tree against the definitions (cardinality, types, primitive
 * formats, required bindings, empty elements) and the invariants every
 * document needs (ele-1, ext-1, dom-2..6, bdl-7, bdl-9..11). Adds every
 * issue found. Returns the number of errors added. */
unsigned fhir_validate(const fhir_node *root, fhir_outcome *o);

#endif
