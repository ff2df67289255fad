/*
 * handover_html.c — the doctor's page (handover_html.h): one handover
 * document rendered as a self-contained HTML5 page in Dutch, for the doctor
 * on call who opens it at night, on a laptop or a phone, or prints it on A4.
 *
 * The page reads the document with the same readers as the rules and the
 * builder (ho_load, ho_ref, ho_path; expiry and review through
 * ho_directive_expired / ho_directive_overdue, as mgz-10 and mgz-9 decide
 * them) and shows, in order of urgency:
 *
 *   header   name, birth date, masked BSN, document date, version, author,
 *            which contact variant the page is for
 *   1. treatment limits: NIET uitvoeren (Consent provision deny)
 *   2. wishes: WEL uitvoeren (permit)
 *   3. ANDERS with its specification (no type; SpecificationOther)
 *      — then advance directives, and expired directives (VERLOPEN) —
 *      each directive with its review date and, in words, a warning when it
 *      expired or was not reviewed within the review period
 *   4. behaviour advice (Flag), normal behaviour (Observation)
 *   5. who to call now: for the variant, everyone with a phone reachable now
 *      first (ext-reachability office / anw / always), the others after
 *   6. the regiebehandelaar MGZ since when, and the transfers
 *   7. medication
 *   8. background: allergies, problems, Wlz context
 *
 * Safety. Every text from the document goes through hn_text (escapes & < >)
 * and only into element content; attribute values are constants of this file,
 * except a tel: link, which carries only digits and one leading '+'. No
 * narrative div is copied. The page has no script and fetches nothing (a
 * Content-Security-Policy meta element says so to the browser too). Meaning is
 * never carried by colour alone: NIET, WEL, ANDERS, VERLOPEN and "Let op" are
 * words on the page.
 *
 * Output is appended to the caller's buffer; strings made on the way live in
 * the caller's arena.
 */
#include <stdlib.h>
#include <string.h>

#include "handover_html.h"
#include "handover_internal.h"
#include "handover_narrative.h"

#define EXT_COMMENT "http://nictiz.nl/fhir/StructureDefinition/ext-Comment"

typedef struct page {
    ho_records r;
    fhir_arena *a;
    fhir_buf *b;
    handover_html_variant variant;
    const fhir_node *doc, *comp;
} page;

/* ---- writing ------------------------------------------------------------ */

static void raw(page *p, const char *s)
{
    fhir_buf_adds(p->b, s);
}

/* `<spec>`: spec is a tag name and constant attributes of this file. */
static void open_tag(page *p, const char *spec)
{
    fhir_buf_addc(p->b, '<');
    fhir_buf_adds(p->b, spec);
    fhir_buf_addc(p->b, '>');
}

/* `</name>` for the same spec. */
static void close_tag(page *p, const char *spec)
{
    fhir_buf_add(p->b, "</", 2);
    fhir_buf_add(p->b, spec, strcspn(spec, " "));
    fhir_buf_addc(p->b, '>');
}

/* Escaped text; an en dash for NULL or "". */
static void text(page *p, const char *s)
{
    hn_text(p->b, s);
}

static void el(page *p, const char *spec, const char *s)
{
    open_tag(p, spec);
    text(p, s);
    close_tag(p, spec);
}

/* <span class="k">label</span> value */
static void labelled(page *p, const char *label, const char *value)
{
    el(p, "span class=\"k\"", label);
    raw(p, " ");
    text(p, value);
}

/* A phone number as a tel: link when it is digits (with spaces, dashes, dots
 * or brackets between) and an optional leading '+'; as text otherwise. */
static void phone(page *p, const char *number)
{
    char href[40];
    size_t n = 0;
    int ok = number && *number;
    for (const char *c = number; ok && *c; c++) {
        if (*c >= '0' && *c <= '9' && n < 32)
            href[n++] = *c;
        else if (*c == '+' && n == 0)
            href[n++] = '+';
        else if (!strchr(" -.()", *c))
            ok = 0;
    }
    if (!ok || n < 3) {
        text(p, number);
        return;
    }
    raw(p, "<a class=\"tel\" href=\"tel:");
    fhir_buf_add(p->b, href, n);
    raw(p, "\">");
    text(p, number);
    raw(p, "</a>");
}

/* A CSS string: letters, digits, spaces and UTF-8 beyond ASCII as they are,
 * every other byte as a hex escape ("<" becomes "\3c "), so no quote,
 * backslash or "</style" can come out of it. */
static void css_string(page *p, const char *s)
{
    fhir_buf_addc(p->b, '"');
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == ' ' || *c >= 0x80)
            fhir_buf_addc(p->b, (char)*c);
        else
            fhir_buf_printf(p->b, "\\%x ", *c);
    }
    fhir_buf_addc(p->b, '"');
}

static const char *printf_a(page *p, const char *fmt, const char *s)
{
    return fhir_arena_printf(p->a, fmt, s ? s : "");
}

/* ---- reading ------------------------------------------------------------ */

static int is_type(const ho_res *h, const char *type)
{
    return strcmp(h->type, type) == 0;
}

static int str_is(const char *s, const char *value)
{
    return s && strcmp(s, value) == 0;
}

/* "23 november 2026, 13:00" (Amsterdam time) from a dateTime with a time;
 * the date alone when it has none. */
static const char *moment_nl(page *p, const char *datetime)
{
    time_t t;
    if (handover_time_parse(datetime, &t) != 0)
        return hn_date_nl(p->a, datetime);
    ho_local_time l;
    ho_local(t, &l);
    char date[16];
    snprintf(date, sizeof date, "%04ld-%02d-%02d", l.year, l.month, l.day);
    const char *d = hn_date_nl(p->a, date);
    return d ? fhir_arena_printf(p->a, "%s, %02d:%02d", d, l.hour, l.minute) : NULL;
}

/* "******482": the last three digits only. */
static const char *masked_bsn(page *p)
{
    const char *bsn = NULL;
    for (const fhir_node *i = fhir_node_child(p->r.patient->node, "identifier"); i;
         i = fhir_node_next_same(i))
        if (str_is(ho_value(i, "system"), SYS_BSN))
            bsn = ho_value(i, "value");
    size_t n = bsn ? strlen(bsn) : 0;
    if (n < 4)
        return n ? "***" : NULL;
    return fhir_arena_printf(p->a, "******%s", bsn + n - 3);
}

/* Whole years from a birth date (YYYY-MM-DD) to today; -1 when unknown. */
static long age_years(const page *p, const char *birth)
{
    int by, bm, bd, ty, tm, td;
    if (!birth || sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
        sscanf(p->r.today, "%4d-%2d-%2d", &ty, &tm, &td) != 3)
        return -1;
    long age = ty - by - (tm < bm || (tm == bm && td < bd));
    return age >= 0 && age < 150 ? age : -1;
}

/* The first given name of a name with use "usual" (the roepnaam). */
static const char *roepnaam(const fhir_node *patient)
{
    for (const fhir_node *n = fhir_node_child(patient, "name"); n; n = fhir_node_next_same(n))
        if (str_is(fhir_node_child_value(n, "use"), "usual"))
            return fhir_node_child_value(n, "given");
    return NULL;
}

/* The patient's languages, "Arabisch (voorkeur), Nederlands"; *foreign set
 * when one is not Dutch. NULL when none is recorded. */
static const char *languages(page *p, int *foreign)
{
    fhir_buf s;
    fhir_buf_init(&s, 4096);
    *foreign = 0;
    for (const fhir_node *c = fhir_node_child(p->r.patient->node, "communication"); c;
         c = fhir_node_next_same(c)) {
        const fhir_node *lang = fhir_node_child(c, "language");
        const char *code = ho_code(lang, "urn:ietf:bcp:47");
        const char *name = ho_concept_text(lang);
        if (!name)
            continue;
        *foreign |= !code || strncmp(code, "nl", 2) != 0;
        if (s.len)
            fhir_buf_adds(&s, ", ");
        fhir_buf_adds(&s, name);
        if (str_is(fhir_node_child_value(c, "preferred"), "true"))
            fhir_buf_adds(&s, " (voorkeur)");
    }
    const char *out = s.len && !s.failed ? fhir_arena_strndup(p->a, s.data, s.len) : NULL;
    fhir_buf_free(&s);
    return out;
}

static const char *address(page *p)
{
    const fhir_node *addr = fhir_node_child(p->r.patient->node, "address");
    if (!addr)
        return NULL;
    const char *t = fhir_node_child_value(addr, "text");
    if (t)
        return t;
    fhir_buf s;
    fhir_buf_init(&s, 4096);
    for (const fhir_node *l = fhir_node_child(addr, "line"); l; l = fhir_node_next_same(l))
        if (l->value) {
            if (s.len)
                fhir_buf_adds(&s, ", ");
            fhir_buf_adds(&s, l->value);
        }
    const char *city = fhir_node_child_value(addr, "city");
    if (city) {
        if (s.len)
            fhir_buf_adds(&s, ", ");
        fhir_buf_adds(&s, city);
    }
    const char *out = s.len && !s.failed ? fhir_arena_strndup(p->a, s.data, s.len) : NULL;
    fhir_buf_free(&s);
    return out;
}

/* ---- the header ----------------------------------------------------------- */

static const char *allergy_summary(page *p)
{
    fhir_buf s;
    fhir_buf_init(&s, 8192);
    for (size_t i = 0; i < p->r.count; i++) {
        const ho_res *x = &p->r.res[i];
        if (!is_type(x, "AllergyIntolerance"))
            continue;
        const char *what = ho_concept_text(fhir_node_child(x->node, "code"));
        if (s.len)
            fhir_buf_adds(&s, "; ");
        fhir_buf_adds(&s, what ? what : "onbekende stof");
        if (str_is(fhir_node_child_value(x->node, "criticality"), "high"))
            fhir_buf_adds(&s, " (hoog risico)");
    }
    const char *out = s.len && !s.failed ? fhir_arena_strndup(p->a, s.data, s.len)
                                         : "geen vastgelegd";
    fhir_buf_free(&s);
    return out;
}

static void id_item(page *p, const char *label, const char *value)
{
    open_tag(p, "div");
    el(p, "dt", label);
    el(p, "dd", value);
    close_tag(p, "div");
}

static void header(page *p, const char *name)
{
    const fhir_node *pat = p->r.patient->node;
    open_tag(p, "header class=\"top\"");
    el(p, "p class=\"kind\"", "Overdracht MGZ \xE2\x80\x94 voor de dienstdoende arts");
    open_tag(p, "h1");
    text(p, name);
    const char *roep = roepnaam(pat);
    if (roep) {
        raw(p, " ");
        el(p, "span class=\"roep\"", printf_a(p, "(roepnaam %s)", roep));
    }
    close_tag(p, "h1");
    open_tag(p, "dl class=\"id\"");
    const char *birth = fhir_node_child_value(pat, "birthDate");
    const char *born = hn_date_nl(p->a, birth);
    long age = age_years(p, birth);
    id_item(p, "Geboren", age >= 0 && born ? fhir_arena_printf(p->a, "%s (%ld jaar)", born, age)
                                           : born ? born : "onbekend");
    const char *bsn = masked_bsn(p);
    id_item(p, "BSN", bsn ? bsn : "onbekend");
    const char *date = fhir_node_child_value(p->comp, "date");
    if (!date)
        date = fhir_node_child_value(p->doc, "timestamp");
    const char *when = moment_nl(p, date);
    id_item(p, "Document van", when ? when : "onbekend");
    const char *version = ho_value(p->doc, "meta.versionId");
    if (version)
        id_item(p, "Versie", version);
    const fhir_node *author = fhir_node_child(p->comp, "author");
    const ho_res *by = ho_ref(&p->r, author);
    const char *who = by ? hn_who(&p->r, by) : ho_value(author, "display");
    id_item(p, "Opgesteld door", who ? who : "onbekend");
    int foreign = 0;
    const char *langs = languages(p, &foreign);
    if (langs && foreign)
        id_item(p, "Taal", langs);
    id_item(p, "Allergie\xC3\xABn", allergy_summary(p));
    const char *today = hn_date_nl(p->a, p->r.today);
    id_item(p, "Stand per", today ? today : "onbekend");
    close_tag(p, "dl");
    open_tag(p, "p class=\"variant\"");
    el(p, "strong", p->variant == HANDOVER_HTML_ANW
                        ? "Weergave voor avond, nacht en weekend (ANW)."
                        : "Weergave voor kantooruren (maandag tot en met vrijdag 08:00\xE2\x80\x93"
                          "17:00).");
    text(p, " Wie nu telefonisch bereikbaar is, staat bij \xE2\x80\x9CWie nu bellen\xE2\x80\x9D "
            "bovenaan.");
    close_tag(p, "p");
    close_tag(p, "header");
}

/* ---- treatment directives ----------------------------------------------- */

enum { KIND_DENY, KIND_PERMIT, KIND_OTHER };

static int decision_kind(const fhir_node *consent)
{
    const char *type = ho_value(consent, "provision.type");
    return str_is(type, "deny") ? KIND_DENY : str_is(type, "permit") ? KIND_PERMIT : KIND_OTHER;
}

static const char *const kind_word[] = {"NIET", "WEL", "ANDERS"};

static int is_directive(const ho_res *x)
{
    return is_type(x, "Consent") && ho_is_treatment_directive(x->node);
}

static void warning(page *p, const char *lead, const char *s)
{
    open_tag(p, "p class=\"warn\"");
    el(p, "strong", lead);
    raw(p, " ");
    text(p, s);
    close_tag(p, "p");
}

static void directive_item(page *p, const fhir_node *d, int expired)
{
    ho_records *r = &p->r;
    int kind = decision_kind(d);
    open_tag(p, "li");
    open_tag(p, "p class=\"what\"");
    el(p, "span class=\"tag\"", expired ? printf_a(p, "was %s", kind_word[kind]) : kind_word[kind]);
    raw(p, " ");
    el(p, "span class=\"treatment\"", ho_treatment_nl(ho_path(d, "provision.code")));
    close_tag(p, "p");
    if (kind == KIND_OTHER) {
        const char *other = ho_value(ho_ext(d, EXT_SPEC_OTHER), "valueString");
        open_tag(p, "p class=\"spec\"");
        el(p, "span class=\"k\"", "Voorwaarde:");
        raw(p, " ");
        el(p, "span class=\"pre\"", other ? other : "niet gespecificeerd; overleg met de "
                                                   "regiebehandelaar MGZ");
        close_tag(p, "p");
    }
    const char *comment = ho_value(ho_ext(d, EXT_COMMENT), "valueString");
    if (comment) {
        open_tag(p, "p class=\"pre\"");
        labelled(p, "Toelichting:", comment);
        close_tag(p, "p");
    }
    const char *reviewed = fhir_node_child_value(d, "dateTime");
    const char *end = ho_value(d, "provision.period.end");
    open_tag(p, "p class=\"meta\"");
    labelled(p, "Laatst besproken:", reviewed ? hn_date_nl(p->a, reviewed) : "niet vastgelegd");
    raw(p, " &middot; ");
    labelled(p, "Geldig tot:", end ? hn_date_nl(p->a, end) : "geen einddatum");
    const ho_res *author = ho_ref(r, ho_path(ho_ext(d, EXT_AUTHOR), "valueReference"));
    if (author) {
        raw(p, " &middot; ");
        labelled(p, "Vastgelegd door:", hn_who(r, author));
    }
    const ho_res *source = ho_ref(r, fhir_node_child(d, "sourceReference"));
    if (source && is_type(source, "Consent")) {
        const char *kind_ad = ho_concept_text(ho_path(source->node, "provision.code"));
        const char *ad_date = hn_date_nl(p->a, fhir_node_child_value(source->node, "dateTime"));
        raw(p, " &middot; ");
        labelled(p, "Wilsverklaring:",
                 fhir_arena_printf(p->a, "%s%s%s", kind_ad ? kind_ad : "ja",
                                   ad_date ? ", " : "", ad_date ? ad_date : ""));
    }
    close_tag(p, "p");
    const char *status = fhir_node_child_value(d, "status");
    if (expired) {
        const char *until = ho_before_today(r, end) ? hn_date_nl(p->a, end) : NULL;
        warning(p, "VERLOPEN:",
                until ? printf_a(p, "gold tot %s; deze afspraak geldt niet meer.", until)
                      : "status inactief; deze afspraak geldt niet meer.");
    } else {
        long days = ho_directive_overdue(r, d);
        const char *last = hn_date_nl(p->a, reviewed);
        if (days)
            warning(p, "Let op:",
                    fhir_arena_printf(p->a, "langer dan %u dagen niet besproken (laatst op %s, "
                                      "%ld dagen geleden). Ga na of dit nog geldt.",
                                      r->review_days, last ? last : "onbekende datum", days));
        else if (!reviewed)
            warning(p, "Let op:", "niet vastgelegd wanneer dit voor het laatst besproken is. "
                                  "Ga na of dit nog geldt.");
        if (status && !str_is(status, "active"))
            warning(p, "Let op:", printf_a(p, "de status is \xE2\x80\x98%s\xE2\x80\x99, niet "
                                              "\xE2\x80\x98" "active\xE2\x80\x99.", status));
    }
    close_tag(p, "li");
}

static void section_open(page *p, const char *id, const char *cls, const char *title)
{
    raw(p, "<section id=\"");
    raw(p, id);
    raw(p, "\" class=\"");
    raw(p, cls);
    raw(p, "\" aria-labelledby=\"h-");
    raw(p, id);
    raw(p, "\"><h2 id=\"h-");
    raw(p, id);
    raw(p, "\">");
    text(p, title);
    raw(p, "</h2>");
}

static void section_close(page *p)
{
    raw(p, "</section>");
}

/* One of the three decision sections; always present, saying so when empty. */
static void directive_section(page *p, int kind, const char *id, const char *title,
                              const char *empty)
{
    static const char *const cls[] = {"dir deny", "dir permit", "dir other"};
    section_open(p, id, cls[kind], title);
    int any = 0;
    for (size_t i = 0; i < p->r.count; i++) {
        const ho_res *x = &p->r.res[i];
        if (!is_directive(x) || ho_directive_expired(&p->r, x->node) ||
            decision_kind(x->node) != kind)
            continue;
        if (!any++)
            open_tag(p, "ul class=\"dirs\"");
        directive_item(p, x->node, 0);
    }
    if (any)
        close_tag(p, "ul");
    else
        el(p, "p class=\"none\"", empty);
    section_close(p);
}

static void advance_directives(page *p)
{
    int any = 0;
    for (size_t i = 0; i < p->r.count; i++) {
        const ho_res *x = &p->r.res[i];
        if (!is_type(x, "Consent") || ho_is_treatment_directive(x->node))
            continue;
        if (!any++) {
            section_open(p, "wilsverklaring", "plain", "Wilsverklaringen");
            open_tag(p, "ul");
        }
        const char *kind = ho_concept_text(ho_path(x->node, "provision.code"));
        const char *date = hn_date_nl(p->a, fhir_node_child_value(x->node, "dateTime"));
        const char *title = ho_value(x->node, "sourceAttachment.title");
        open_tag(p, "li");
        text(p, kind ? kind : "soort onbekend");
        if (date)
            text(p, printf_a(p, ", %s", date));
        if (title)
            text(p, printf_a(p, " (%s)", title));
        close_tag(p, "li");
    }
    if (any) {
        close_tag(p, "ul");
        section_close(p);
    }
}

static void expired_directives(page *p)
{
    int any = 0;
    for (size_t i = 0; i < p->r.count; i++) {
        const ho_res *x = &p->r.res[i];
        if (!is_directive(x) || !ho_directive_expired(&p->r, x->node))
            continue;
        if (!any++) {
            section_open(p, "verlopen", "dir expired", "Verlopen: gelden NIET meer");
            open_tag(p, "ul class=\"dirs\"");
        }
        directive_item(p, x->node, 1);
    }
    if (any) {
        close_tag(p, "ul");
        section_close(p);
    }
}

/* ---- behaviour ---------------------------------------------------------- */

static int is_normal_behaviour(const ho_res *x)
{
    return is_type(x, "Observation") &&
           ho_has_code(fhir_node_child(x->node, "code"), SYS_PART, "normaal-gedrag");
}

static void behaviour_section(page *p, int flags)
{
    ho_records *r = &p->r;
    section_open(p, flags ? "bejegening" : "normaal-gedrag", "plain",
                 flags ? "Bejegeningsadvies" : "Normaal gedrag");
    int any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (flags ? !is_type(x, "Flag") : !is_normal_behaviour(x))
            continue;
        if (!any++)
            open_tag(p, "ul class=\"cards\"");
        const char *txt = flags ? ho_concept_text(fhir_node_child(x->node, "code"))
                                : fhir_node_child_value(x->node, "valueString");
        if (!txt)
            txt = ho_value(x->node, "note.text");
        const ho_res *by = ho_ref(r, fhir_node_child(x->node, flags ? "author" : "performer"));
        const char *date = flags ? ho_value(x->node, "period.start")
                                 : fhir_node_child_value(x->node, "effectiveDateTime");
        open_tag(p, "li");
        el(p, "p class=\"pre\"", txt);
        open_tag(p, "p class=\"meta\"");
        labelled(p, "Opgesteld door:", hn_who(r, by));
        if (date) {
            raw(p, " &middot; ");
            labelled(p, "Sinds:", hn_date_nl(p->a, date));
        }
        close_tag(p, "p");
        if (flags && str_is(fhir_node_child_value(x->node, "status"), "inactive"))
            warning(p, "Let op:", "dit advies is niet meer actief.");
        close_tag(p, "li");
    }
    if (any)
        close_tag(p, "ul");
    else
        el(p, "p class=\"none\"", flags ? "Er is geen bejegeningsadvies vastgelegd."
                                        : "Er is geen beschrijving van normaal gedrag vastgelegd.");
    section_close(p);
}

/* ---- who to call now ---------------------------------------------------- */

enum {
    R_FIRST = 1 << 0, R_VOORWACHT = 1 << 1, R_REGIE = 1 << 2, R_CONSULENT = 1 << 3,
    R_GEDRAG = 1 << 4, R_COORD = 1 << 5, R_NAASTE = 1 << 6, R_GP = 1 << 7,
    R_PROVIDER = 1 << 8, R_FORMER = 1 << 9, R_TEAM = 1 << 10
};

static const struct {
    unsigned bit;
    const char *code, *nl;
} care_roles[] = {
    {R_FIRST, "eerste-aanspreekpunt", "eerste aanspreekpunt"},
    {R_VOORWACHT, "voorwacht", "voorwacht"},
    {R_REGIE, "regiebehandelaar", "regiebehandelaar MGZ"},
    {R_CONSULENT, "consulent", "consulent"},
    {R_GEDRAG, "gedragskundige", "gedragskundige"},
    {R_COORD, "coordinator", "co\xC3\xB6rdinerend professional"},
    {R_NAASTE, "naaste", "naaste"},
};

typedef struct contact {
    const ho_res *res;
    unsigned roles;
    const char *former_until; /* end of a former regiebehandelaar's period */
    int now;                  /* a phone reachable in the page's variant */
    int rank;
    size_t index;
} contact;

/* The window of a ContactPoint; no extension counts as office hours (as the
 * narrative reads it). */
static const char *window_of(const fhir_node *t)
{
    const char *w = ho_value(ho_ext(t, EXT_REACH), "valueCode");
    return w ? w : "office";
}

static int in_variant(const char *w, handover_html_variant v)
{
    return str_is(w, "always") || (v == HANDOVER_HTML_OFFICE && str_is(w, "office")) ||
           (v == HANDOVER_HTML_ANW && str_is(w, "anw"));
}

static const char *window_nl(const char *w)
{
    return str_is(w, "always") ? "24/7" : str_is(w, "anw") ? "ANW" : str_is(w, "office")
                                                                   ? "kantooruren" : w;
}

static int is_phone(const fhir_node *t)
{
    const char *sys = fhir_node_child_value(t, "system");
    return str_is(sys, "phone") && fhir_node_child_value(t, "value");
}

static int reachable_now(const page *p, const ho_res *x)
{
    for (const fhir_node *t = fhir_node_child(x->node, "telecom"); t; t = fhir_node_next_same(t))
        if (is_phone(t) && in_variant(window_of(t), p->variant))
            return 1;
    return 0;
}

static int contact_rank(const contact *c)
{
    unsigned r = c->roles;
    if (r & R_FIRST)
        return 0;
    if (r & R_VOORWACHT)
        return 1;
    if (r & R_REGIE)
        return 2;
    if (r & (R_CONSULENT | R_GEDRAG | R_COORD))
        return 3;
    if (is_type(c->res, "PractitionerRole") && (r & (R_TEAM | R_GP)))
        return 4;
    if (is_type(c->res, "RelatedPerson"))
        return 5;
    if (is_type(c->res, "Organization"))
        return r & R_PROVIDER ? 6 : 7;
    return 8; /* no longer involved, or not in the care team at all */
}

static int by_urgency(const void *x, const void *y)
{
    const contact *a = x, *b = y;
    if (a->now != b->now)
        return a->now ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static contact *find_contact(contact *c, size_t n, const ho_res *x)
{
    for (size_t i = 0; x && i < n; i++)
        if (c[i].res == x)
            return &c[i];
    return NULL;
}

/* Everyone who can be called: PractitionerRoles, RelatedPersons, and
 * Organizations with a telecom; their roles, in order of urgency. */
static contact *gather_contacts(page *p, size_t *count)
{
    ho_records *r = &p->r;
    contact *c = fhir_arena_zalloc(p->a, (r->count ? r->count : 1) * sizeof *c);
    size_t n = 0;
    if (!c)
        return NULL;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (is_type(x, "PractitionerRole") || is_type(x, "RelatedPerson") ||
            (is_type(x, "Organization") && fhir_node_child(x->node, "telecom")))
            c[n++] = (contact){.res = x, .index = i};
    }
    if (r->careteam)
        for (const fhir_node *pt = fhir_node_child(r->careteam->node, "participant"); pt;
             pt = fhir_node_next_same(pt)) {
            contact *k = find_contact(c, n, ho_ref(r, fhir_node_child(pt, "member")));
            if (!k)
                continue;
            if (!ho_participant_current(r, pt)) {
                if (ho_participant_has_role(pt, "regiebehandelaar")) {
                    k->roles |= R_FORMER;
                    k->former_until = ho_value(pt, "period.end");
                }
                continue;
            }
            k->roles |= R_TEAM;
            for (size_t j = 0; j < sizeof care_roles / sizeof *care_roles; j++)
                if (ho_participant_has_role(pt, care_roles[j].code))
                    k->roles |= care_roles[j].bit;
        }
    const fhir_node *pat = r->patient->node;
    for (const fhir_node *gp = fhir_node_child(pat, "generalPractitioner"); gp;
         gp = fhir_node_next_same(gp)) {
        contact *k = find_contact(c, n, ho_ref(r, gp));
        if (k)
            k->roles |= R_GP;
    }
    contact *prov = find_contact(c, n, ho_ref(r, ho_path(ho_ext(pat, EXT_PROVIDER),
                                                          "valueReference")));
    if (prov)
        prov->roles |= R_PROVIDER;
    for (size_t i = 0; i < n; i++) {
        int former_only = (c[i].roles & R_FORMER) && !(c[i].roles & (R_TEAM | R_GP));
        c[i].now = !former_only && reachable_now(p, c[i].res);
        c[i].rank = former_only ? 9 : contact_rank(&c[i]);
    }
    qsort(c, n, sizeof *c, by_urgency);
    *count = n;
    return c;
}

static void roles_cell(page *p, const contact *c)
{
    fhir_buf s;
    fhir_buf_init(&s, 4096);
    for (size_t j = 0; j < sizeof care_roles / sizeof *care_roles; j++)
        if (c->roles & care_roles[j].bit) {
            if (s.len)
                fhir_buf_adds(&s, ", ");
            fhir_buf_adds(&s, care_roles[j].nl);
        }
    if (c->roles & R_GP) {
        if (s.len)
            fhir_buf_adds(&s, ", ");
        fhir_buf_adds(&s, "huisarts van inschrijving");
    }
    if (c->roles & R_PROVIDER) {
        if (s.len)
            fhir_buf_adds(&s, ", ");
        fhir_buf_adds(&s, "verantwoordelijke Wlz-zorgaanbieder");
    }
    if (is_type(c->res, "Organization")) {
        const char *kind = ho_concept_text(fhir_node_child(c->res->node, "type"));
        if (kind) {
            if (s.len)
                fhir_buf_adds(&s, ", ");
            fhir_buf_adds(&s, kind);
        }
    }
    if (c->roles & R_FORMER) {
        const char *until = hn_date_nl(p->a, c->former_until);
        if (s.len)
            fhir_buf_adds(&s, ", ");
        fhir_buf_adds(&s, "vorige regiebehandelaar MGZ");
        if (until) {
            fhir_buf_adds(&s, " (tot ");
            fhir_buf_adds(&s, until);
            fhir_buf_adds(&s, ")");
        }
    }
    el(p, "td data-label=\"Rol\"", s.len && !s.failed ? s.data : NULL);
    fhir_buf_free(&s);
}

/* The phones reachable now (now = 1), or every contact point with its window. */
static void telecom_cell(page *p, const ho_res *x, int now)
{
    open_tag(p, now ? "td data-label=\"Bel nu\"" : "td data-label=\"Bereikbaar\"");
    int any = 0;
    for (const fhir_node *t = fhir_node_child(x->node, "telecom"); t; t = fhir_node_next_same(t)) {
        const char *w = window_of(t), *v = fhir_node_child_value(t, "value");
        if (!v || (now && (!is_phone(t) || !in_variant(w, p->variant))))
            continue;
        if (any++)
            raw(p, "<br>");
        if (is_phone(t)) {
            phone(p, v);
        } else {
            const char *sys = fhir_node_child_value(t, "system");
            if (sys) {
                text(p, str_is(sys, "email") ? "e-mail" : sys);
                raw(p, " ");
            }
            text(p, v);
        }
        if (!now || str_is(w, "always"))
            text(p, printf_a(p, " (%s)", window_nl(w)));
    }
    if (!any)
        text(p, now ? NULL : "geen contactgegevens");
    close_tag(p, "td");
}

static void contact_table(page *p, const contact *c, size_t n, int now)
{
    raw(p, now ? "<table id=\"bereikbaar-nu\">" : "<table id=\"overige-contacten\">");
    el(p, "caption", now ? (p->variant == HANDOVER_HTML_ANW
                                ? "Nu telefonisch bereikbaar (avond, nacht en weekend)"
                                : "Nu telefonisch bereikbaar (kantooruren)")
                         : "Overige contacten (nu niet telefonisch bereikbaar of niet meer "
                           "betrokken)");
    open_tag(p, "thead");
    open_tag(p, "tr");
    el(p, "th scope=\"col\"", "Wie");
    el(p, "th scope=\"col\"", now ? "Bel nu" : "Bereikbaar");
    el(p, "th scope=\"col\"", "Rol");
    el(p, "th scope=\"col\"", "Bijzonderheden");
    close_tag(p, "tr");
    close_tag(p, "thead");
    open_tag(p, "tbody");
    for (size_t i = 0; i < n; i++) {
        if (c[i].now != now)
            continue;
        open_tag(p, "tr");
        el(p, "th scope=\"row\"", hn_who(&p->r, c[i].res));
        telecom_cell(p, c[i].res, now);
        roles_cell(p, &c[i]);
        el(p, "td class=\"pre\" data-label=\"Bijzonderheden\"",
           fhir_node_child_value(c[i].res->node, "availabilityExceptions"));
        close_tag(p, "tr");
    }
    close_tag(p, "tbody");
    close_tag(p, "table");
}

static void contacts_section(page *p)
{
    size_t n = 0, now = 0;
    contact *c = gather_contacts(p, &n);
    section_open(p, "contact", "plain",
                 p->variant == HANDOVER_HTML_ANW ? "Wie nu bellen: avond, nacht en weekend (ANW)"
                                                 : "Wie nu bellen: kantooruren");
    for (size_t i = 0; c && i < n; i++)
        now += c[i].now;
    if (now)
        contact_table(p, c, n, 1);
    else
        warning(p, "Let op:", "niemand in deze overdracht heeft een telefoonnummer voor deze "
                              "tijd vastgelegd.");
    if (c && now < n)
        contact_table(p, c, n, 0);
    section_close(p);
}

/* ---- the regiebehandelaar MGZ ------------------------------------------- */

static const char *ext_who(page *p, const fhir_node *x, const char *sub)
{
    return hn_who(&p->r, ho_ref(&p->r, ho_path(ho_ext(x, sub), "valueReference")));
}

static void regie_section(page *p)
{
    ho_records *r = &p->r;
    section_open(p, "regiebehandelaar", "plain", "Regiebehandelaar MGZ");
    int current = 0;
    const fhir_node *team = r->careteam ? r->careteam->node : NULL;
    for (const fhir_node *pt = team ? fhir_node_child(team, "participant") : NULL; pt;
         pt = fhir_node_next_same(pt)) {
        if (!ho_participant_has_role(pt, "regiebehandelaar") || !ho_participant_current(r, pt))
            continue;
        current++;
        const char *since = hn_date_nl(p->a, ho_value(pt, "period.start"));
        open_tag(p, "p");
        el(p, "strong", hn_who(r, ho_ref(r, fhir_node_child(pt, "member"))));
        text(p, since ? printf_a(p, ", regiebehandelaar MGZ sinds %s.", since)
                      : ", regiebehandelaar MGZ (sinds wanneer is niet vastgelegd).");
        close_tag(p, "p");
    }
    if (!current)
        warning(p, "Let op:", "er is geen huidige regiebehandelaar MGZ vastgelegd.");
    int transfers = 0;
    for (const fhir_node *x = team ? fhir_node_child(team, "extension") : NULL; x;
         x = fhir_node_next_same(x)) {
        if (!str_is(fhir_node_child_value(x, "url"), EXT_TRANSFER))
            continue;
        if (!transfers++) {
            el(p, "h3", "Overdrachten van het regiebehandelaarschap");
            open_tag(p, "ul");
        }
        fhir_buf with;
        fhir_buf_init(&with, 4096);
        for (const fhir_node *s = fhir_node_child(x, "extension"); s; s = fhir_node_next_same(s)) {
            if (!str_is(fhir_node_child_value(s, "url"), "discussedWith"))
                continue;
            if (with.len)
                fhir_buf_adds(&with, ", ");
            fhir_buf_adds(&with, hn_who(r, ho_ref(r, fhir_node_child(s, "valueReference"))));
        }
        const char *date = hn_date_nl(p->a, ho_value(ho_ext(x, "date"), "valueDateTime"));
        const char *note = ho_value(ho_ext(x, "note"), "valueString");
        open_tag(p, "li");
        text(p, fhir_arena_printf(p->a, "%s: van %s aan %s; besproken met %s.",
                                  date ? date : "datum onbekend", ext_who(p, x, "from"),
                                  ext_who(p, x, "to"),
                                  with.len && !with.failed ? with.data : "niemand vastgelegd"));
        if (note) {
            raw(p, " ");
            text(p, note);
        }
        close_tag(p, "li");
        fhir_buf_free(&with);
    }
    if (transfers)
        close_tag(p, "ul");
    section_close(p);
}

/* ---- medication and background --------------------------------------- */

static const char *med_status_nl(const char *s)
{
    return str_is(s, "completed") ? "afgerond" : str_is(s, "stopped") ? "gestopt"
         : str_is(s, "on-hold") ? "tijdelijk gestopt" : str_is(s, "not-taken") ? "niet ingenomen"
         : str_is(s, "entered-in-error") ? "ten onrechte vastgelegd"
         : str_is(s, "intended") ? "voorgenomen" : s;
}

static void medication_section(page *p)
{
    ho_records *r = &p->r;
    section_open(p, "medicatie", "plain", "Medicatie");
    int any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (!is_type(x, "MedicationStatement"))
            continue;
        if (!any++)
            open_tag(p, "ul class=\"meds\"");
        const ho_res *med = ho_ref(r, fhir_node_child(x->node, "medicationReference"));
        const char *what = med ? ho_concept_text(fhir_node_child(med->node, "code"))
                               : ho_concept_text(fhir_node_child(x->node,
                                                                 "medicationCodeableConcept"));
        const char *dose = ho_value(x->node, "dosage.text");
        const char *reason = ho_concept_text(fhir_node_child(x->node, "reasonCode"));
        const char *status = fhir_node_child_value(x->node, "status");
        open_tag(p, "li");
        el(p, "strong", what ? what : "geneesmiddel onbekend");
        if (dose)
            text(p, printf_a(p, " \xE2\x80\x94 %s", dose));
        if (str_is(ho_value(x->node, "dosage.asNeededBoolean"), "true"))
            text(p, " (zo nodig)");
        if (reason)
            text(p, printf_a(p, "; voor %s", reason));
        if (status && !str_is(status, "active"))
            text(p, printf_a(p, " (%s)", med_status_nl(status)));
        close_tag(p, "li");
    }
    if (any)
        close_tag(p, "ul");
    else
        el(p, "p class=\"none\"", "Er is geen medicatie vastgelegd.");
    section_close(p);
}

static void background_section(page *p)
{
    ho_records *r = &p->r;
    section_open(p, "context", "plain", "Achtergrond");
    el(p, "h3", "Allergie\xC3\xABn");
    int any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (!is_type(x, "AllergyIntolerance"))
            continue;
        if (!any++)
            open_tag(p, "ul");
        const char *what = ho_concept_text(fhir_node_child(x->node, "code"));
        const char *reaction = ho_concept_text(ho_path(x->node, "reaction.manifestation"));
        open_tag(p, "li");
        el(p, "strong", what ? what : "onbekende stof");
        if (str_is(fhir_node_child_value(x->node, "criticality"), "high"))
            text(p, " (hoog risico)");
        if (reaction)
            text(p, printf_a(p, "; reactie: %s", reaction));
        close_tag(p, "li");
    }
    if (any)
        close_tag(p, "ul");
    else
        el(p, "p class=\"none\"", "Er zijn geen allergie\xC3\xABn vastgelegd.");
    el(p, "h3", "Problemen");
    any = 0;
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *x = &r->res[i];
        if (!is_type(x, "Condition"))
            continue;
        if (!any++)
            open_tag(p, "ul");
        const char *what = ho_concept_text(fhir_node_child(x->node, "code"));
        const char *since = hn_date_nl(p->a, fhir_node_child_value(x->node, "onsetDateTime"));
        const char *clinical = ho_code(fhir_node_child(x->node, "clinicalStatus"),
                                       "http://terminology.hl7.org/CodeSystem/condition-clinical");
        open_tag(p, "li");
        text(p, what ? what : "probleem zonder naam");
        if (since)
            text(p, printf_a(p, " (sinds %s)", since));
        if (clinical && !str_is(clinical, "active"))
            text(p, printf_a(p, " (status: %s)", clinical));
        close_tag(p, "li");
    }
    if (any)
        close_tag(p, "ul");
    else
        el(p, "p class=\"none\"", "Er zijn geen problemen vastgelegd.");
    el(p, "h3", "Wlz-zorg en woonsituatie");
    const fhir_node *pat = r->patient->node;
    const ho_res *provider = ho_ref(r, ho_path(ho_ext(pat, EXT_PROVIDER), "valueReference"));
    open_tag(p, "ul class=\"facts\"");
    open_tag(p, "li");
    labelled(p, "Sector:", r->sector ? r->sector : "onbekend");
    close_tag(p, "li");
    open_tag(p, "li");
    labelled(p, "Leveringsvorm:", r->delivery ? hn_delivery_nl(r->delivery) : "onbekend");
    close_tag(p, "li");
    open_tag(p, "li");
    labelled(p, "Verantwoordelijke zorgaanbieder:", provider ? hn_who(r, provider) : "onbekend");
    close_tag(p, "li");
    const char *where = address(p);
    open_tag(p, "li");
    labelled(p, "Woont:", where ? where : "onbekend");
    close_tag(p, "li");
    for (const fhir_node *gp = fhir_node_child(pat, "generalPractitioner"); gp;
         gp = fhir_node_next_same(gp)) {
        open_tag(p, "li");
        labelled(p, "Ingeschreven bij:", hn_who(r, ho_ref(r, gp)));
        close_tag(p, "li");
    }
    int foreign = 0;
    const char *langs = languages(p, &foreign);
    if (langs) {
        open_tag(p, "li");
        labelled(p, "Taal:", langs);
        close_tag(p, "li");
    }
    close_tag(p, "ul");
    section_close(p);
}

/* ---- the page ------------------------------------------------------------- */

/* Colours: every text/background pair has a contrast of at least 8:1 (WCAG
 * asks 4.5:1): body text #1a1a1a on white or a light tint (darkest #e3e9f0,
 * 14:1), the NIET/WEL/ANDERS/VERLOPEN labels on white (8.3:1 and up), grey
 * details #33404f on the tints (9:1), warnings #4d2d00 on #fff1c2 (11:1).
 * Screen: one column up to 62rem, smaller type on phones. Print: A4, 8 pt,
 * two columns except the contacts table, the header first, the patient named
 * in the bottom margin of every page. */
static const char style[] =
    "*{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;font:1rem/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
    "color:#1a1a1a;background:#fff}"
    "header.top{background:#eef2f7;border-bottom:4px solid #1d3557;padding:.6rem 1rem .7rem}"
    "header.top>*{max-width:60rem;margin-left:auto;margin-right:auto}"
    ".kind{margin:0;font-size:.9rem;color:#33404f}"
    "h1{font-size:1.6rem;line-height:1.2;margin:.15rem auto .3rem}"
    ".roep{font-weight:400;font-size:1.1rem}"
    "dl.id{display:flex;flex-wrap:wrap;gap:.15rem 1.4rem;margin-top:.2rem;margin-bottom:.3rem}"
    "dl.id div{display:flex;gap:.35rem}"
    "dt{font-weight:700}dt::after{content:\":\"}dd{margin:0}"
    ".variant{margin-top:.3rem;margin-bottom:0}"
    "main{max-width:62rem;margin:0 auto;padding:0 1rem 1.5rem}"
    "h2{font-size:1.25rem;margin:1.2rem 0 .45rem;padding-bottom:.15rem;"
    "border-bottom:2px solid #1d3557}"
    "h3{font-size:1.05rem;margin:.8rem 0 .3rem}"
    "p{margin:.2rem 0}"
    "ul.dirs,ul.cards{list-style:none;padding:0;margin:.3rem 0}"
    ".dirs>li,.cards>li{border-left:6px solid #5c6b7a;padding:.35rem .6rem;margin:.45rem 0;"
    "background:#f4f6f8}"
    ".deny .dirs>li{border-color:#9b0000;background:#fdeeee}"
    ".permit .dirs>li{border-color:#145a24;background:#ecf6ee}"
    ".other .dirs>li{border-color:#4b2a86;background:#f3eefa}"
    ".expired .dirs>li{border-color:#3d3d3d;background:#eeeeee}"
    ".what{font-size:1.1rem}.treatment{font-weight:700}"
    ".tag{display:inline-block;min-width:4.2em;text-align:center;font-weight:700;"
    "padding:0 .35rem;border:2px solid currentColor;border-radius:3px;background:#fff}"
    ".deny .tag{color:#9b0000}.permit .tag{color:#145a24}.other .tag{color:#4b2a86}"
    ".expired .tag{color:#3d3d3d}"
    ".deny h2{color:#9b0000}"
    ".k{font-weight:700}"
    ".meta{font-size:.92rem;color:#33404f}"
    ".pre{white-space:pre-line}"
    ".warn{color:#4d2d00;background:#fff1c2;border:1px solid #8a5a00;padding:.15rem .4rem;"
    "margin:.3rem 0}"
    ".none{font-style:italic}"
    "table{border-collapse:collapse;width:100%;margin:.3rem 0 .6rem}"
    "caption{text-align:left;font-weight:700;padding:.2rem 0}"
    "th,td{border:1px solid #8795a4;padding:.3rem .45rem;text-align:left;vertical-align:top;"
    "overflow-wrap:break-word}"
    "thead th{background:#e3e9f0}"
    "tbody th{font-weight:700}"
    "#bereikbaar-nu tbody th,#bereikbaar-nu a{font-size:1.05rem}"
    "a{color:#0a4a85}.tel{white-space:nowrap}"
    "ul.facts{padding-left:1.2rem}"
    "footer{max-width:62rem;margin:0 auto;padding:.5rem 1rem 1rem;font-size:.85rem;"
    "color:#33404f;border-top:1px solid #8795a4}"
    /* phones: each contact a card, each cell with its column's name */
    "@media screen and (max-width:40rem){"
    "html{font-size:15px}h1{font-size:1.35rem}"
    "#contact table,#contact caption,#contact tbody,#contact tr,#contact th,#contact td"
    "{display:block}"
    "#contact thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0)}"
    "#contact tr{border:1px solid #8795a4;margin:.4rem 0}"
    "#contact th,#contact td{border:0;padding:.15rem .45rem}"
    "#contact tbody th{background:#e3e9f0}"
    "#contact td::before{content:attr(data-label) \": \";font-weight:700}"
    "}"
    "@page{size:A4;margin:9mm 10mm 13mm}"
    "@media print{"
    "html{font-size:8pt}"
    ".kind{display:none}table{font-size:.93em}"
    "body{line-height:1.25;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "header.top{padding:0 0 .2rem;background:none;border-bottom:2px solid #000}"
    "header.top>*{max-width:none}"
    "p{margin:.1rem 0}ul{margin:.1rem 0;padding-left:1.1rem}"
    "h1{font-size:1.5rem;margin:0}"
    "dl.id{margin:.1rem 0;gap:0 1rem}"
    "main,footer{max-width:none;padding-left:0;padding-right:0}"
    "main{columns:2;column-gap:6mm}#contact{column-span:all}"
    "#bejegening{break-before:column}"
    "h2{font-size:1.2rem;margin:.4rem 0 .15rem;break-after:avoid}"
    "h3{font-size:1.05rem;margin:.3rem 0 .1rem;break-after:avoid}"
    ".dirs>li,.cards>li{margin:.15rem 0;padding:.1rem .4rem}ul.dirs,ul.cards{padding:0}"
    ".warn{margin:.15rem 0;padding:0 .3rem}"
    "li,tr,.warn{break-inside:avoid}"
    "th,td{padding:.1rem .25rem}"
    "#bereikbaar-nu tbody th,#bereikbaar-nu a{font-size:inherit}"
    "table{margin:.1rem 0 .3rem}"
    "a{color:inherit;text-decoration:none}"
    "footer{display:none}"
    "}";

static int is_handover_document(const fhir_node *doc)
{
    return doc && str_is(fhir_node_resource_type(doc), "Bundle") &&
           str_is(fhir_node_child_value(doc, "type"), "document");
}

int handover_render_html(fhir_arena *a, const fhir_node *document, handover_html_variant variant,
                         const handover_options *opt, fhir_buf *out)
{
    if (!a || !out || !is_handover_document(document) ||
        (variant != HANDOVER_HTML_OFFICE && variant != HANDOVER_HTML_ANW))
        return FHIR_E_INVALID;
    page pg = {.a = a, .b = out, .variant = variant, .doc = document};
    page *p = &pg;
    if (ho_load(&p->r, a, document, opt) != 0)
        return FHIR_E_NOMEM;
    if (!p->r.count || !is_type(&p->r.res[0], "Composition") || !p->r.patient)
        return FHIR_E_INVALID;
    p->comp = p->r.res[0].node;
    const char *name = ho_name(a, p->r.patient->node);
    if (!name)
        name = "naam onbekend";
    const char *bsn = masked_bsn(p);
    const char *born = hn_date_nl(a, fhir_node_child_value(p->r.patient->node, "birthDate"));

    raw(p, "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
           "<meta name=\"referrer\" content=\"no-referrer\">"
           "<meta name=\"robots\" content=\"noindex, nofollow\">");
    open_tag(p, "title");
    text(p, printf_a(p, "Overdracht MGZ \xE2\x80\x94 %s", name));
    close_tag(p, "title");
    raw(p, "<style>");
    raw(p, style);
    /* every printed page names the patient, in the bottom margin */
    raw(p, "@page{@bottom-left{content:");
    css_string(p, fhir_arena_printf(a, "%s \xC2\xB7 geboren %s \xC2\xB7 BSN %s \xC2\xB7 "
                                    "Overdracht MGZ", name, born ? born : "onbekend",
                                    bsn ? bsn : "onbekend"));
    raw(p, ";font-size:7pt}@bottom-right{content:\"pagina \" counter(page) \" van \" "
           "counter(pages);font-size:7pt}}");
    raw(p, "</style></head>\n<body>\n");
    header(p, name);
    raw(p, "\n<main>\n");
    directive_section(p, KIND_DENY, "niet", "Behandelgrenzen: NIET uitvoeren",
                      "Er zijn geen geldende behandelgrenzen vastgelegd.");
    directive_section(p, KIND_PERMIT, "wel", "Behandelwensen: WEL uitvoeren",
                      "Er zijn geen geldende behandelwensen vastgelegd.");
    directive_section(p, KIND_OTHER, "anders", "ANDERS: alleen onder voorwaarden",
                      "Er zijn geen afspraken met voorwaarden vastgelegd.");
    advance_directives(p);
    expired_directives(p);
    raw(p, "\n");
    behaviour_section(p, 1);
    behaviour_section(p, 0);
    raw(p, "\n");
    contacts_section(p);
    raw(p, "\n");
    regie_section(p);
    medication_section(p);
    background_section(p);
    raw(p, "\n</main>\n<footer>");
    const char *today = hn_date_nl(a, p->r.today);
    el(p, "p", fhir_arena_printf(a, "Verlopen en verouderde afspraken zijn beoordeeld op %s; "
                                 "een afspraak die langer dan %u dagen niet besproken is, staat "
                                 "gemarkeerd met \xE2\x80\x9CLet op\xE2\x80\x9D.",
                                 today ? today : "onbekende datum", p->r.review_days));
    close_tag(p, "footer");
    raw(p, "\n</body></html>\n");
    return out->failed || fhir_arena_failed(a) ? FHIR_E_NOMEM : 0;
}
