/*
 * fhir_outcome.c — collecting issues into an OperationOutcome.
 *
 * Parsers and the validator add every problem they find to one fhir_outcome
 * passed down to them (like SQLite's Parse.zErrMsg); the edge — the HTTP
 * handler or the `handover` tool — decides what the issues mean for the
 * answer. Adding never fails the caller: on out-of-memory the issue is
 * counted as dropped.
 */
#include <stdio.h>
#include <string.h>

#include "fhir.h"

static const char *const severity_code[] = {"fatal", "error", "warning", "information"};

const char *fhir_severity_code(fhir_severity sev)
{
    return (unsigned)sev < 4 ? severity_code[sev] : "?";
}

void fhir_outcome_init(fhir_outcome *o, fhir_arena *a)
{
    memset(o, 0, sizeof *o);
    o->arena = a;
}

static void add_issue(fhir_outcome *o, fhir_severity sev, const char *code, char *expression,
                      uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
    o->count[sev]++;
    unsigned max = o->max_issues ? o->max_issues : 1000;
    unsigned total = o->count[0] + o->count[1] + o->count[2] + o->count[3];
    fhir_issue *i = total <= max ? fhir_arena_zalloc(o->arena, sizeof *i) : NULL;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (i) {
        i->message = fhir_arena_strdup(o->arena, msg);
        i->expression = expression;
    }
    if (!i || !i->message) {
        o->dropped++;
        return;
    }
    i->severity = sev;
    i->code = code;
    i->line = line;
    i->col = col;
    if (o->last)
        o->last->next = i;
    else
        o->first = i;
    o->last = i;
}

void fhir_outcome_add(fhir_outcome *o, fhir_severity sev, const char *code,
                      const char *expression, uint32_t line, uint32_t col, const char *fmt, ...)
{
    char *expr = expression ? fhir_arena_strdup(o->arena, expression) : NULL;
    va_list ap;
    va_start(ap, fmt);
    add_issue(o, sev, code, expr, line, col, fmt, ap);
    va_end(ap);
}

void fhir_outcome_at(fhir_outcome *o, const fhir_node *n, fhir_severity sev, const char *code,
                     const char *fmt, ...)
{
    char *expr = fhir_node_path(o->arena, n);
    va_list ap;
    va_start(ap, fmt);
    add_issue(o, sev, code, expr, n->line, n->col, fmt, ap);
    va_end(ap);
}

void fhir_outcome_rule(fhir_outcome *o, const fhir_node *n, fhir_severity sev, const char *code,
                       const char *rule_system, const char *rule, const char *message_nl,
                       const char *message_en)
{
    if (n)
        fhir_outcome_at(o, n, sev, code, "%s", message_en);
    else
        fhir_outcome_add(o, sev, code, NULL, 0, 0, "%s", message_en);
    fhir_issue *i = o->last;
    if (!i || strcmp(i->message, message_en) != 0)
        return; /* dropped */
    /* rule and Dutch text are optional: a plain issue with two languages */
    i->rule_system = rule_system ? fhir_arena_strdup(o->arena, rule_system) : NULL;
    i->rule = rule ? fhir_arena_strdup(o->arena, rule) : NULL;
    i->message_nl = message_nl ? fhir_arena_strdup(o->arena, message_nl) : NULL;
}

int fhir_outcome_has_errors(const fhir_outcome *o)
{
    return o->count[FHIR_SEV_FATAL] + o->count[FHIR_SEV_ERROR] > 0;
}

/* extension { url, valueInteger } as used by the HL7 validator for positions */
static void add_position(fhir_arena *a, fhir_node *issue, const char *url, uint32_t v)
{
    char num[16];
    snprintf(num, sizeof num, "%u", v);
    fhir_node *ext = fhir_node_add_named(a, issue, "extension", NULL);
    if (!ext)
        return;
    fhir_node_add_named(a, ext, "url", url);
    fhir_node_add_named(a, ext, "valueInteger", num);
}

static void add_issue_node(fhir_arena *a, fhir_node *root, fhir_severity sev, const char *code,
                           const char *rule_system, const char *rule, const char *message,
                           const char *message_nl, const char *expression, uint32_t line,
                           uint32_t col)
{
    fhir_node *issue = fhir_node_add_named(a, root, "issue", NULL);
    if (!issue)
        return;
    if (line) {
        add_position(a, issue, "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line", line);
        add_position(a, issue, "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col", col);
    }
    fhir_node_add_named(a, issue, "severity", severity_code[sev]);
    fhir_node_add_named(a, issue, "code", code);
    fhir_node *details = fhir_node_add_named(a, issue, "details", NULL);
    if (details && rule) {
        fhir_node *coding = fhir_node_add_named(a, details, "coding", NULL);
        if (coding) {
            fhir_node_add_named(a, coding, "system", rule_system);
            fhir_node_add_named(a, coding, "code", rule);
        }
    }
    fhir_node *text = details ? fhir_node_add_named(a, details, "text", message) : NULL;
    if (text && message_nl) {
        /* the Dutch wording rides on the standard translation extension */
        fhir_node *ext = fhir_node_add_named(a, text, "extension", NULL);
        if (ext) {
            fhir_node_add_named(a, ext, "url", "http://hl7.org/fhir/StructureDefinition/translation");
            fhir_node *lang = fhir_node_add_named(a, ext, "extension", NULL);
            if (lang) {
                fhir_node_add_named(a, lang, "url", "lang");
                fhir_node_add_named(a, lang, "valueCode", "nl");
            }
            fhir_node *content = fhir_node_add_named(a, ext, "extension", NULL);
            if (content) {
                fhir_node_add_named(a, content, "url", "content");
                fhir_node_add_named(a, content, "valueString", message_nl);
            }
        }
    }
    if (expression)
        fhir_node_add_named(a, issue, "expression", expression);
}

fhir_node *fhir_outcome_to_resource(const fhir_outcome *o, fhir_arena *a)
{
    uint16_t t = fhir_type_find("OperationOutcome");
    fhir_node *root = fhir_node_new(a, "OperationOutcome", FHIR_NONE, t);
    if (!root)
        return NULL;
    for (const fhir_issue *i = o->first; i; i = i->next)
        add_issue_node(a, root, i->severity, i->code, i->rule_system, i->rule, i->message,
                       i->message_nl, i->expression, i->line, i->col);
    if (o->dropped)
        add_issue_node(a, root, FHIR_SEV_WARNING, "too-costly", NULL, NULL, "further issues were not listed",
                       "verdere meldingen zijn weggelaten", NULL, 0, 0);
    if (!o->first && !o->dropped)
        add_issue_node(a, root, FHIR_SEV_INFORMATION, "informational", NULL, NULL, "No issues detected",
                       "Geen problemen gevonden", NULL, 0, 0);
    return fhir_arena_failed(a) ? NULL : root;
}
