/*
 * handover_build.c — builds the MGZ handover document from a patient's
 * records: a `document` Bundle whose first entry is the Composition with the
 * eight sections of formats/profile/README.md in fixed order, each with its
 * entries and Dutch narrative, followed by every record with a urn:uuid
 * fullUrl and its references rewritten to those fullUrls.
 *
 * The rules run first; an error blocks the build. Warnings (mgz-9) are
 * carried in the Composition's narrative. The records' resource nodes move
 * into the document (the records tree is used up). Deterministic: the same
 * records and `now` give the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "handover_internal.h"
#include "handover_narrative.h"

#define SYS_LOINC "http://loinc.org"

typedef struct builder {
    ho_records *r;
    fhir_arena *a;
    fhir_outcome *o;
    fhir_buf html;
    fhir_node *composition;
} builder;

static fhir_node *add(builder *b, fhir_node *parent, const char *name, const char *value)
{
    return parent ? fhir_node_add_named(b->a, parent, name, value) : NULL;
}

static void add_coding(builder *b, fhir_node *concept, const char *system, const char *code,
                       const char *display)
{
    fhir_node *c = add(b, concept, "coding", NULL);
    add(b, c, "system", system);
    add(b, c, "code", code);
    if (display)
        add(b, c, "display", display);
}

static void add_reference(builder *b, fhir_node *parent, const char *name, const ho_res *to,
                          const char *display)
{
    if (!to)
        return;
    fhir_node *ref = add(b, parent, name, NULL);
    add(b, ref, "reference", to->doc_url);
    if (display)
        add(b, ref, "display", display);
}

/* text { status generated, div } on a resource or section */
static void add_narrative(builder *b, fhir_node *parent, const char *div)
{
    fhir_node *text = add(b, parent, "text", NULL);
    add(b, text, "status", "generated");
    add(b, text, "div", div);
}

static int is_type(const ho_res *h, const char *type)
{
    return strcmp(h->type, type) == 0;
}

/* ---- what goes in which section ----------------------------------------- */

enum { SEC_DIRECTIVES, SEC_BEHAVIOUR, SEC_REGIE, SEC_REACH, SEC_MEDICATION, SEC_ALLERGY,
       SEC_PROBLEMS, SEC_CONTEXT, SEC_COUNT, SEC_NONE = SEC_COUNT };

static const struct {
    const char *code, *title;
} sections[SEC_COUNT] = {
    {"behandelwensen", "Behandelwensen en -grenzen"},
    {"bejegening", "Bejegeningsadvies en normaal gedrag"},
    {"regiebehandelaar", "Regiebehandelaar MGZ"},
    {"bereikbaarheid", "Wie te raadplegen wanneer"},
    {"medicatie", "Medicatieoverzicht"},
    {"allergieen", "Allergie\xC3\xABn"},
    {"problemen", "Problemen"},
    {"wlz-context", "Wlz-context"},
};

static int section_of(const ho_res *h)
{
    if (is_type(h, "Consent"))
        return SEC_DIRECTIVES;
    if (is_type(h, "Flag"))
        return SEC_BEHAVIOUR;
    if (is_type(h, "Observation") &&
        ho_has_code(fhir_node_child(h->node, "code"), SYS_PART, "normaal-gedrag"))
        return SEC_BEHAVIOUR;
    if (is_type(h, "CareTeam"))
        return SEC_REGIE;
    if (is_type(h, "PractitionerRole") || is_type(h, "RelatedPerson"))
        return SEC_REACH;
    if (is_type(h, "MedicationStatement"))
        return SEC_MEDICATION;
    if (is_type(h, "AllergyIntolerance"))
        return SEC_ALLERGY;
    if (is_type(h, "Condition"))
        return SEC_PROBLEMS;
    if (is_type(h, "Patient"))
        return SEC_CONTEXT;
    return SEC_NONE;
}

/* ---- the narrative of each section -------------------------------------- */

static int is_treatment(const ho_res *h)
{
    return is_type(h, "Consent") && ho_is_treatment_directive(h->node);
}

static void directive_rows(builder *b, int want_expired)
{
    ho_records *r = b->r;
    fhir_buf *h = &b->html;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (!is_treatment(x) || ho_directive_expired(r, x->node) != want_expired)
            continue;
        const fhir_node *d = x->node;
        const char *reviewed = fhir_node_child_value(d, "dateTime");
        const char *note = NULL;
        if (!want_expired && ho_directive_overdue(r, d))
            note = fhir_arena_printf(b->a, "Let op: langer dan %u dagen niet besproken",
                                     r->review_days);
        hn_open(h, "tr");
        hn_element(h, "td", ho_treatment_nl(ho_path(d, "provision.code")));
        hn_element(h, "td", hn_decision_nl(b->a, d));
        hn_element(h, "td", note);
        hn_element(h, "td", hn_date_nl(b->a, reviewed));
        hn_element(h, "td", hn_date_nl(b->a, ho_value(d, "provision.period.end")));
        hn_close(h, "tr");
    }
}

static void directive_table(builder *b, const char *caption, int expired)
{
    fhir_buf *h = &b->html;
    hn_open(h, "table");
    hn_element(h, "caption", caption);
    hn_open(h, "thead");
    hn_open(h, "tr");
    hn_element(h, "th", "Behandeling");
    hn_element(h, "th", "Besluit");
    hn_element(h, "th", "Toelichting");
    hn_element(h, "th", "Laatst besproken");
    hn_element(h, "th", "Geldig tot");
    hn_close(h, "tr");
    hn_close(h, "thead");
    hn_open(h, "tbody");
    directive_rows(b, expired);
    hn_close(h, "tbody");
    hn_close(h, "table");
}

static void narrative_directives(builder *b)
{
    ho_records *r = b->r;
    unsigned active = 0, expired = 0, adr = 0;
    for (size_t i = 0; i < r->count; i++) {
        if (is_treatment(&r->res[i]))
            ho_directive_expired(r, r->res[i].node) ? expired++ : active++;
        else if (is_type(&r->res[i], "Consent"))
            adr++;
    }
    if (active)
        directive_table(b, "Geldende behandelaanwijzingen", 0);
    else
        hn_element(&b->html, "p", "Er zijn geen geldende behandelaanwijzingen vastgelegd.");
    if (expired)
        directive_table(b, "Verlopen behandelaanwijzingen (niet meer geldig)", 1);
    if (!adr)
        return;
    hn_open(&b->html, "ul");
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (!is_type(x, "Consent") || is_treatment(x))
            continue;
        const char *kind = ho_concept_text(ho_path(x->node, "provision.code"));
        const char *date = hn_date_nl(b->a, fhir_node_child_value(x->node, "dateTime"));
        hn_element(&b->html, "li",
                   fhir_arena_printf(b->a, "Wilsverklaring: %s%s%s", kind ? kind : "soort onbekend",
                                     date ? ", " : "", date ? date : ""));
    }
    hn_close(&b->html, "ul");
}

static void narrative_behaviour(builder *b)
{
    ho_records *r = b->r;
    int any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (section_of(x) != SEC_BEHAVIOUR)
            continue;
        if (!any++)
            hn_open(&b->html, "ul");
        int flag = is_type(x, "Flag");
        const char *text = flag ? ho_concept_text(fhir_node_child(x->node, "code"))
                                : fhir_node_child_value(x->node, "valueString");
        if (!text)
            text = ho_value(x->node, "note.text");
        const ho_res *by = ho_ref(r, fhir_node_child(x->node, flag ? "author" : "performer"));
        hn_open(&b->html, "li");
        hn_element(&b->html, "b", flag ? "Bejegeningsadvies" : "Normaal gedrag");
        hn_text(&b->html, fhir_arena_printf(b->a, ": %s (opgesteld door %s)", text ? text : "",
                                            hn_who(r, by)));
        hn_close(&b->html, "li");
    }
    if (any)
        hn_close(&b->html, "ul");
    else
        hn_element(&b->html, "p", "Er is geen bejegeningsadvies vastgelegd.");
}

static const char *ext_ref_who(builder *b, const fhir_node *x, const char *sub)
{
    return hn_who(b->r, ho_ref(b->r, ho_path(ho_ext(x, sub), "valueReference")));
}

static void narrative_regie(builder *b)
{
    ho_records *r = b->r;
    const fhir_node *team = r->careteam->node;
    for (const fhir_node *p = fhir_node_child(team, "participant"); p; p = fhir_node_next_same(p)) {
        if (!ho_participant_current(r, p))
            continue;
        const ho_res *m = ho_ref(r, fhir_node_child(p, "member"));
        const char *since = hn_date_nl(b->a, ho_value(p, "period.start"));
        if (ho_participant_has_role(p, "regiebehandelaar"))
            hn_element(&b->html, "p",
                       fhir_arena_printf(b->a, "Regiebehandelaar MGZ: %s%s%s.", hn_who(r, m),
                                         since ? ", sinds " : "", since ? since : ""));
        if (ho_participant_has_role(p, "eerste-aanspreekpunt"))
            hn_element(&b->html, "p",
                       fhir_arena_printf(b->a, "Eerste aanspreekpunt voor zorgvragen: %s.",
                                         hn_who(r, m)));
    }
    for (const fhir_node *x = fhir_node_child(team, "extension"); x; x = fhir_node_next_same(x)) {
        const char *url = fhir_node_child_value(x, "url");
        if (!url || strcmp(url, EXT_TRANSFER) != 0)
            continue;
        fhir_buf with;
        fhir_buf_init(&with, 4096);
        for (const fhir_node *s = fhir_node_child(x, "extension"); s; s = fhir_node_next_same(s)) {
            const char *u = fhir_node_child_value(s, "url");
            if (!u || strcmp(u, "discussedWith") != 0)
                continue;
            if (with.len)
                fhir_buf_adds(&with, ", ");
            fhir_buf_adds(&with, hn_who(r, ho_ref(r, fhir_node_child(s, "valueReference"))));
        }
        const char *date = hn_date_nl(b->a, ho_value(ho_ext(x, "date"), "valueDateTime"));
        hn_element(&b->html, "p",
                   fhir_arena_printf(b->a, "Overdracht van het regiebehandelaarschap op %s van "
                                     "%s aan %s; besproken met %s.",
                                     date ? date : "onbekende datum", ext_ref_who(b, x, "from"),
                                     ext_ref_who(b, x, "to"), with.len ? with.data : "niemand"));
        fhir_buf_free(&with);
    }
}

static void narrative_reach(builder *b)
{
    ho_records *r = b->r;
    fhir_buf *h = &b->html;
    hn_open(h, "table");
    hn_open(h, "thead");
    hn_open(h, "tr");
    hn_element(h, "th", "Wie");
    hn_element(h, "th", "Kantooruren");
    hn_element(h, "th", "Avond, nacht en weekend");
    hn_close(h, "tr");
    hn_close(h, "thead");
    hn_open(h, "tbody");
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (section_of(x) != SEC_REACH)
            continue;
        hn_open(h, "tr");
        hn_element(h, "td", hn_who(r, x));
        hn_element(h, "td", hn_reach(r, x->node, "office"));
        hn_element(h, "td", hn_reach(r, x->node, "anw"));
        hn_close(h, "tr");
    }
    hn_close(h, "tbody");
    hn_close(h, "table");
}

static void narrative_list(builder *b, int section, const char *empty)
{
    ho_records *r = b->r;
    int any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (section_of(x) != section)
            continue;
        if (!any++)
            hn_open(&b->html, "ul");
        const char *what;
        if (section == SEC_MEDICATION) {
            const ho_res *med = ho_ref(r, fhir_node_child(x->node, "medicationReference"));
            what = med ? ho_concept_text(fhir_node_child(med->node, "code"))
                       : ho_concept_text(fhir_node_child(x->node, "medicationCodeableConcept"));
            const char *dose = ho_value(x->node, "dosage.text");
            if (dose)
                what = fhir_arena_printf(b->a, "%s \xE2\x80\x94 %s", what ? what : "", dose);
        } else {
            what = ho_concept_text(fhir_node_child(x->node, "code"));
        }
        hn_element(&b->html, "li", what);
    }
    if (any)
        hn_close(&b->html, "ul");
    else
        hn_element(&b->html, "p", empty);
}

static void narrative_context(builder *b)
{
    ho_records *r = b->r;
    const fhir_node *p = r->patient->node;
    const fhir_node *addr = fhir_node_child(p, "address");
    const char *where = addr ? fhir_node_child_value(addr, "text") : NULL;
    if (!where && addr) {
        const char *line = fhir_node_child_value(addr, "line");
        const char *city = fhir_node_child_value(addr, "city");
        where = fhir_arena_printf(b->a, "%s%s%s", line ? line : "", line && city ? ", " : "",
                                  city ? city : "");
    }
    const ho_res *provider = ho_ref(r, ho_path(ho_ext(p, EXT_PROVIDER), "valueReference"));
    hn_open(&b->html, "ul");
    hn_element(&b->html, "li", fhir_arena_printf(b->a, "Sector: %s", r->sector ? r->sector
                                                                              : "onbekend"));
    hn_element(&b->html, "li",
               fhir_arena_printf(b->a, "Leveringsvorm: %s",
                                 r->delivery ? hn_delivery_nl(r->delivery) : "onbekend"));
    hn_element(&b->html, "li",
               fhir_arena_printf(b->a, "Woont: %s", where && *where ? where : "onbekend"));
    hn_element(&b->html, "li",
               fhir_arena_printf(b->a, "Verantwoordelijke zorgaanbieder: %s",
                                 provider ? hn_who(r, provider) : "onbekend"));
    hn_close(&b->html, "ul");
}

/* ---- the Composition ------------------------------------------------------ */

static void add_section(builder *b, int s)
{
    ho_records *r = b->r;
    fhir_node *sec = add(b, b->composition, "section", NULL);
    add(b, sec, "title", sections[s].title);
    add_coding(b, add(b, sec, "code", NULL), SYS_SECTION, sections[s].code, sections[s].title);
    hn_begin(&b->html);
    hn_element(&b->html, "h2", sections[s].title);
    switch (s) {
    case SEC_DIRECTIVES: narrative_directives(b); break;
    case SEC_BEHAVIOUR: narrative_behaviour(b); break;
    case SEC_REGIE: narrative_regie(b); break;
    case SEC_REACH: narrative_reach(b); break;
    case SEC_MEDICATION: narrative_list(b, s, "Er is geen medicatie vastgelegd."); break;
    case SEC_ALLERGY: narrative_list(b, s, "Er zijn geen allergie\xC3\xABn vastgelegd."); break;
    case SEC_PROBLEMS: narrative_list(b, s, "Er zijn geen problemen vastgelegd."); break;
    default: narrative_context(b); break;
    }
    add_narrative(b, sec, hn_end(b->a, &b->html));
    int entries = 0;
    for (size_t i = 0; i < r->count; i++)
        if (section_of(&r->res[i]) == s) {
            add_reference(b, sec, "entry", &r->res[i], NULL);
            entries++;
        }
    if (!entries)
        add_coding(b, add(b, sec, "emptyReason", NULL),
                   "http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown",
                   "Nil Known");
}

static void composition_narrative(builder *b, const char *name)
{
    ho_records *r = b->r;
    const fhir_node *p = r->patient->node;
    hn_begin(&b->html);
    hn_element(&b->html, "h1", fhir_arena_printf(b->a, "Overdracht MGZ \xE2\x80\x94 %s", name));
    const char *born = hn_date_nl(b->a, fhir_node_child_value(p, "birthDate"));
    const char *bsn = NULL;
    for (const fhir_node *i = fhir_node_child(p, "identifier"); i; i = fhir_node_next_same(i))
        if (ho_value(i, "system") && strcmp(ho_value(i, "system"), SYS_BSN) == 0)
            bsn = ho_value(i, "value");
    hn_element(&b->html, "p",
               fhir_arena_printf(b->a, "Geboren %s, BSN %s.", born ? born : "onbekend",
                                 bsn ? bsn : "onbekend"));
    /* the limits first: what must not be done */
    fhir_buf deny;
    fhir_buf_init(&deny, 8192);
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        const char *type = ho_value(x->node, "provision.type");
        if (!is_treatment(x) || ho_directive_expired(r, x->node) || !type ||
            strcmp(type, "deny") != 0)
            continue;
        if (deny.len)
            fhir_buf_adds(&deny, ", ");
        fhir_buf_adds(&deny, ho_treatment_nl(ho_path(x->node, "provision.code")));
    }
    if (deny.len) {
        hn_open(&b->html, "p");
        hn_element(&b->html, "b", "Niet uitvoeren:");
        hn_text(&b->html, fhir_arena_printf(b->a, " %s.", deny.data));
        hn_close(&b->html, "p");
    }
    fhir_buf_free(&deny);
    int warned = 0;
    for (const fhir_issue *i = b->o->first; i; i = i->next) {
        if (i->severity != FHIR_SEV_WARNING || !i->rule || !i->message_nl)
            continue;
        if (!warned++)
            hn_open(&b->html, "ul");
        hn_element(&b->html, "li", fhir_arena_printf(b->a, "Let op: %s", i->message_nl));
    }
    if (warned)
        hn_close(&b->html, "ul");
    add_narrative(b, b->composition, hn_end(b->a, &b->html));
}

static fhir_node *composition(builder *b)
{
    ho_records *r = b->r;
    uint16_t t = fhir_type_find("Composition");
    fhir_node *c = fhir_node_new(b->a, "resource", FHIR_NONE, t);
    b->composition = c;
    if (!c)
        return NULL;
    const char *name = ho_name(b->a, r->patient->node);
    if (!name)
        name = "naam onbekend";
    fhir_node *meta = add(b, c, "meta", NULL);
    add(b, meta, "profile", MGZ_BASE "/StructureDefinition/mgz-handover-composition");
    composition_narrative(b, name);
    add(b, c, "status", "final");
    add_coding(b, add(b, c, "type", NULL), SYS_LOINC, "18761-7", "Transfer summary note");
    add_reference(b, c, "subject", r->patient, name);
    add(b, c, "date", r->now);
    ho_res *regie = NULL;
    for (const fhir_node *p = fhir_node_child(r->careteam->node, "participant"); p;
         p = fhir_node_next_same(p))
        if (ho_participant_has_role(p, "regiebehandelaar") && ho_participant_current(r, p))
            regie = ho_ref(r, fhir_node_child(p, "member"));
    add_reference(b, c, "author", regie, hn_who(r, regie));
    add(b, c, "title", fhir_arena_printf(b->a, "Overdracht MGZ \xE2\x80\x94 %s", name));
    const ho_res *custodian = ho_ref(r, ho_path(ho_ext(r->patient->node, EXT_PROVIDER),
                                                "valueReference"));
    if (!custodian && regie)
        custodian = ho_ref(r, fhir_node_child(regie->node, "organization"));
    add_reference(b, c, "custodian", custodian, custodian ? ho_name(b->a, custodian->node) : NULL);
    for (int s = 0; s < SEC_COUNT; s++)
        add_section(b, s);
    return c;
}

/* ---- moving the records into the document ------------------------------- */

/* Rewrites every Reference.reference that names a record to its urn:uuid. */
static void rewrite_references(builder *b, fhir_node *n)
{
    for (fhir_node *c = n->first; c; c = c->next) {
        if (c->value && strcmp(c->name, "reference") == 0 && n->type != FHIR_NONE &&
            strcmp(fhir_types[n->type].name, "Reference") == 0) {
            const ho_res *to = ho_resolve(b->r, c->value);
            if (to) {
                c->value = to->doc_url;
                c->value_len = (uint32_t)strlen(to->doc_url);
            }
        }
        if (c->first)
            rewrite_references(b, c);
    }
}

static int entry_rank(const ho_res *h)
{
    return is_type(h, "Patient") ? -1 : section_of(h);
}

typedef struct ranked {
    int rank;
    size_t index;
} ranked;

static int by_rank(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void add_entry(builder *b, fhir_node *bundle, const char *full_url, fhir_node *resource)
{
    fhir_node *entry = add(b, bundle, "entry", NULL);
    if (!entry)
        return;
    add(b, entry, "fullUrl", full_url);
    const fhir_name_entry *e = fhir_name_find(entry->type, "resource", 8);
    resource->elem = e->elem;
    resource->name = e->name;
    fhir_node_add(entry, resource);
}

fhir_node *handover_build(fhir_arena *a, fhir_node *records, const handover_options *opt,
                          fhir_outcome *o)
{
    ho_records r;
    if (ho_load(&r, a, records, opt) != 0) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return NULL;
    }
    if (handover__check_loaded(&r, o) != 0 || !r.patient || !r.careteam)
        return NULL;
    builder b = {.r = &r, .a = a, .o = o};
    fhir_buf_init(&b.html, 4u * 1024 * 1024);
    fhir_node *doc = fhir_node_new(a, "Bundle", FHIR_NONE, fhir_type_find("Bundle"));
    fhir_node *comp = composition(&b);
    fhir_buf_free(&b.html);
    if (!doc || !comp)
        goto oom;
    add(&b, add(&b, doc, "meta", NULL), "profile",
        MGZ_BASE "/StructureDefinition/mgz-handover-bundle");
    fhir_node *ident = add(&b, doc, "identifier", NULL);
    add(&b, ident, "system", "urn:ietf:rfc:3986");
    /* one identifier per patient and build time: a rebuild at the same moment is the same */
    add(&b, ident, "value", ho_uuid(a, fhir_arena_printf(a, "handover|%s|%s", r.patient->doc_url,
                                                          r.now)));
    add(&b, doc, "type", "document");
    add(&b, doc, "timestamp", r.now);
    add_entry(&b, doc, ho_uuid(a, fhir_arena_printf(a, "composition|%s", r.patient->doc_url)),
              comp);
    ranked *order = malloc((r.count ? r.count : 1) * sizeof *order);
    if (!order)
        goto oom;
    for (size_t i = 0; i < r.count; i++)
        order[i] = (ranked){entry_rank(&r.res[i]), i};
    qsort(order, r.count, sizeof *order, by_rank);
    for (size_t i = 0; i < r.count; i++)
        rewrite_references(&b, r.res[order[i].index].node);
    for (size_t i = 0; i < r.count; i++) {
        ho_res *h = &r.res[order[i].index];
        add_entry(&b, doc, h->doc_url, h->node);
    }
    free(order);
    if (fhir_arena_failed(a))
        goto oom;
    return doc;
oom:
    fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory building the "
                     "handover document");
    return NULL;
}
