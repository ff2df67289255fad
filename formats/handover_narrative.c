/*
 * handover_narrative.c — the Dutch XHTML narrative of each handover section.
 *
 * The narrative states the content completely, so a receiver that shows only
 * narrative still shows every treatment limit, expired ones marked as such,
 * and the warnings of the rules. Output is in the canonical form the readers
 * produce (fhir_xhtml.h), so documents round-trip byte for byte: text escapes
 * & < >, no attributes, no empty elements.
 */
#include <string.h>

#include "handover_internal.h"
#include "handover_narrative.h"

/* ---- writing XHTML ------------------------------------------------------ */

void hn_open(fhir_buf *b, const char *tag)
{
    fhir_buf_addc(b, '<');
    fhir_buf_adds(b, tag);
    fhir_buf_addc(b, '>');
}

void hn_close(fhir_buf *b, const char *tag)
{
    fhir_buf_add(b, "</", 2);
    fhir_buf_adds(b, tag);
    fhir_buf_addc(b, '>');
}

void hn_text(fhir_buf *b, const char *s)
{
    if (!s || !*s) {
        fhir_buf_adds(b, "\xE2\x80\x93"); /* an en dash: never an empty element */
        return;
    }
    size_t run = 0, i = 0;
    for (; s[i]; i++) {
        const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                        : s[i] == '\r' ? "&#13;" : NULL;
        if (rep) {
            fhir_buf_add(b, s + run, i - run);
            fhir_buf_adds(b, rep);
            run = i + 1;
        }
    }
    fhir_buf_add(b, s + run, i - run);
}

void hn_element(fhir_buf *b, const char *tag, const char *text)
{
    hn_open(b, tag);
    hn_text(b, text);
    hn_close(b, tag);
}

void hn_begin(fhir_buf *b)
{
    fhir_buf_adds(b, "<div xmlns=\"http://www.w3.org/1999/xhtml\">");
}

const char *hn_end(fhir_arena *a, fhir_buf *b)
{
    fhir_buf_adds(b, "</div>");
    const char *s = b->failed ? NULL : fhir_arena_strndup(a, b->data, b->len);
    b->len = 0;
    b->failed = 0;
    return s;
}

/* ---- wording ------------------------------------------------------------ */

static const struct {
    const char *code, *nl;
} treatments[] = {
    {"89666000", "Reanimatie"},
    {"40617009", "Beademing"},
    {"305351004", "Opname op intensive care"},
    {"32485007", "Ziekenhuisopname"},
    {"281789004", "Antibiotica"},
    {"116762002", "Toediening van bloedproducten"},
};

const char *ho_treatment_nl(const fhir_node *code)
{
    const char *sct = ho_code(code, "http://snomed.info/sct");
    for (size_t i = 0; sct && i < sizeof treatments / sizeof *treatments; i++)
        if (strcmp(treatments[i].code, sct) == 0)
            return treatments[i].nl;
    const char *text = ho_concept_text(code);
    return text ? text : "behandeling niet benoemd";
}

const char *hn_decision_nl(fhir_arena *a, const fhir_node *consent)
{
    const char *type = ho_value(consent, "provision.type");
    if (type && strcmp(type, "permit") == 0)
        return "Wel uitvoeren";
    if (type && strcmp(type, "deny") == 0)
        return "NIET uitvoeren";
    const char *other = ho_value(ho_ext(consent, EXT_SPEC_OTHER), "valueString");
    return fhir_arena_printf(a, "Anders: %s", other ? other : "zie toelichting");
}

/* The Wlz delivery form in words ("verblijf met behandeling"); an unknown code as is. */
const char *hn_delivery_nl(const char *code)
{
    static const char *const map[][2] = {
        {"vmb", "verblijf met behandeling"}, {"vzb", "verblijf zonder behandeling"},
        {"vpt", "volledig pakket thuis"},    {"mpt", "modulair pakket thuis"},
        {"pgb", "persoonsgebonden budget"},
    };
    for (size_t i = 0; code && i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], code) == 0)
            return map[i][1];
    return code;
}

/* "3 februari 2025" from a date or dateTime */
const char *hn_date_nl(fhir_arena *a, const char *date)
{
    static const char *const months[] = {"januari", "februari", "maart", "april", "mei", "juni",
                                         "juli", "augustus", "september", "oktober",
                                         "november", "december"};
    int y = 0, m = 0, d = 0;
    if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) < 1)
        return NULL;
    if (m < 1 || m > 12)
        return fhir_arena_printf(a, "%d", y);
    if (d < 1)
        return fhir_arena_printf(a, "%s %d", months[m - 1], y);
    return fhir_arena_printf(a, "%d %s %d", d, months[m - 1], y);
}

/* Name and role of a PractitionerRole (or any person-like record); never
 * NULL, also when the arena is out of memory. */
static const char *who(const ho_records *r, const ho_res *h)
{
    fhir_arena *a = r->a;
    if (strcmp(h->type, "PractitionerRole") == 0) {
        const ho_res *person = ho_ref(r, fhir_node_child(h->node, "practitioner"));
        const char *name = person ? ho_name(a, person->node) : NULL;
        if (!name)
            name = ho_value(h->node, "practitioner.display");
        return fhir_arena_printf(a, "%s (%s)", name ? name : "naam onbekend",
                                 ho_role_name_nl(ho_role_of(h)));
    }
    const char *name = ho_name(a, h->node);
    if (strcmp(h->type, "RelatedPerson") == 0) {
        const char *rel = ho_concept_text(fhir_node_child(h->node, "relationship"));
        return rel ? fhir_arena_printf(a, "%s (%s)", name ? name : "naam onbekend", rel)
                   : (name ? name : "naam onbekend");
    }
    return name ? name : h->type;
}

const char *hn_who(const ho_records *r, const ho_res *h)
{
    const char *s = h ? who(r, h) : NULL;
    return s ? s : "onbekend";
}

/* Phone numbers (or other contact points) of a record for a window. */
const char *hn_reach(const ho_records *r, const fhir_node *res, const char *window)
{
    fhir_buf b;
    fhir_buf_init(&b, 4096);
    for (const fhir_node *t = fhir_node_child(res, "telecom"); t; t = fhir_node_next_same(t)) {
        const char *w = ho_value(ho_ext(t, EXT_REACH), "valueCode");
        const char *v = fhir_node_child_value(t, "value");
        if (!v || (w && strcmp(w, "always") != 0 && strcmp(w, window) != 0) ||
            (!w && strcmp(window, "office") != 0))
            continue;
        if (b.len)
            fhir_buf_adds(&b, "; ");
        fhir_buf_adds(&b, v);
        if (w && strcmp(w, "always") == 0)
            fhir_buf_adds(&b, " (24/7)");
    }
    const char *s = b.len && !b.failed ? fhir_arena_strndup(r->a, b.data, b.len) : NULL;
    fhir_buf_free(&b);
    return s;
}
