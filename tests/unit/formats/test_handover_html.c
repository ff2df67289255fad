/*
 * test_handover_html.c — the doctor's page (formats/handover_html.c) and the
 * contact-variant clock (formats/handover_clock.c).
 *
 * Pages are rendered from the documents handover_build makes of the patients
 * under fixtures/handover/valid (JSON, with a fixed "now"), and checked as
 * text: the order of the sections by urgency, every treatment directive in
 * its section, warnings in words, escaping, the masked BSN, nothing that
 * runs or fetches, and the contact order per variant. The clock is checked
 * at fixed instants: office hours, evenings, weekends, the summer-time
 * changes and the public holidays.
 *
 * Runs from the source tree (fixture paths are relative to it).
 */
#include <libxml/parser.h>

#include "test_support.h"
#include "handover_html.h"
#include "handover_internal.h"
#include "handover_narrative.h"

#define NOW "2026-11-23T12:00:00Z"

static const handover_options options = {.now = NOW};
static const char *fixture_dir = "fixtures/handover";

static const char *const patients[] = {
    "gz-mpt-huisarts-emb",          "gz-pgb-avg-thuis",
    "gz-vmb-avg-huisarts-in-team",  "gz-vmb-overdracht-huisarts-avg",
    "gz-vpt-twee-overdrachten",     "gz-vzb-huisarts-avg-consulent",
    "oz-mpt-huisarts-tolk",         "oz-pgb-overdracht-so",
    "oz-vmb-overdracht-huisarts-so", "oz-vmb-so-alzheimer",
    "oz-vmb-so-korsakov",           "oz-vpt-huisarts-verlopen",
    "oz-vzb-huisarts-herbeoordeling",
};
#define NPATIENTS (sizeof patients / sizeof *patients)

typedef struct built {
    fhir_arena *a;
    fhir_outcome o;
    fhir_node *doc;
} built;

static void build(built *b, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/valid/%s.json", fixture_dir, name);
    size_t len;
    char *in = slurp(path, &len);
    if (!in)
        fail_msg("cannot read %s", path);
    b->a = fhir_arena_new(0);
    fhir_outcome_init(&b->o, b->a);
    fhir_node *records = fhir_read(b->a, in, len, NULL, &b->o);
    free(in);
    assert_non_null(records);
    b->doc = handover_build(b->a, records, &options, &b->o);
    if (!b->doc)
        dump_issues(&b->o);
    assert_non_null(b->doc);
}

/* The page as a malloc'd string. */
static char *render(built *b, handover_html_variant v, const handover_options *opt)
{
    fhir_buf out;
    fhir_buf_init(&out, 0);
    int rc = handover_render_html(b->a, b->doc, v, opt, &out);
    if (rc != 0)
        fail_msg("handover_render_html: %d", rc);
    return fhir_buf_take(&out, NULL);
}

/* The n-th resource of a type in the document (NULL when there is none). */
static fhir_node *resource(const built *b, const char *type, int n)
{
    for (fhir_node *e = fhir_node_child(b->doc, "entry"); e; e = fhir_node_next_same(e)) {
        fhir_node *r = fhir_node_child(e, "resource");
        if (strcmp(fhir_node_resource_type(r), type) == 0 && n-- == 0)
            return r;
    }
    return NULL;
}

static void set_value(fhir_node *n, const char *value)
{
    assert_non_null(n);
    n->value = value;
    n->value_len = (uint32_t)strlen(value);
}

/* The text of <section id="ID" … </section>, in the arena; NULL when absent. */
static char *section(fhir_arena *a, const char *page, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "<section id=\"%s\"", id);
    const char *s = strstr(page, key);
    if (!s)
        return NULL;
    const char *e = strstr(s, "</section>");
    assert_non_null(e);
    return fhir_arena_strndup(a, s, (size_t)(e - s));
}

/* Position of a section in the page, or -1. */
static long section_at(const char *page, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "<section id=\"%s\"", id);
    const char *s = strstr(page, key);
    return s ? (long)(s - page) : -1;
}

/* How text from the document reads on the page (escaped as the page does). */
static char *escaped(fhir_arena *a, const char *s)
{
    fhir_buf b;
    fhir_buf_init(&b, 0);
    hn_text(&b, s);
    char *out = fhir_arena_strndup(a, b.data, b.len);
    fhir_buf_free(&b);
    return out;
}

static void expect_in(const char *hay, const char *needle, const char *what)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("%s: '%s' not found in: %.2000s", what, needle, hay ? hay : "(absent)");
}

static void expect_not_in(const char *hay, const char *needle, const char *what)
{
    const char *at = strstr(hay, needle);
    if (at)
        fail_msg("%s: '%s' found: …%.200s", what, needle, at > hay + 80 ? at - 80 : hay);
}

/* ---- order by urgency --------------------------------------------------- */

static void test_handover_html__sections_in_order_of_urgency(void **state)
{
    (void)state;
    static const char *const order[] = {"niet", "wel", "anders", "bejegening", "normaal-gedrag",
                                        "contact", "regiebehandelaar", "medicatie", "context"};
    for (size_t i = 0; i < NPATIENTS; i++)
        for (int v = 0; v < 2; v++) {
            built b;
            build(&b, patients[i]);
            char *page = render(&b, (handover_html_variant)v, &options);
            long header = strstr(page, "<header") ? (long)(strstr(page, "<header") - page) : -1;
            assert_true(header >= 0);
            long prev = header;
            for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
                long at = section_at(page, order[k]);
                if (at <= prev)
                    fail_msg("%s: section '%s' at %ld, not after the one before (%ld)",
                             patients[i], order[k], at, prev);
                prev = at;
            }
            /* advance and expired directives, when present, come after "anders" and
               before the behaviour advice */
            const char *extra[] = {"wilsverklaring", "verlopen"};
            for (size_t k = 0; k < 2; k++) {
                long at = section_at(page, extra[k]);
                assert_true(at == -1 || (at > section_at(page, "anders") &&
                                         at < section_at(page, "bejegening")));
            }
            /* the first heading after the header is the treatment limits' */
            const char *h2 = strstr(page, "<h2");
            assert_non_null(h2);
            assert_true(h2 > page + section_at(page, "niet"));
            assert_non_null(strstr(h2, "NIET uitvoeren"));
            assert_true(strstr(h2, "NIET uitvoeren") < strstr(h2 + 3, "<h2"));
            free(page);
            fhir_arena_free(b.a);
        }
}

/* Every treatment directive of the document appears, by its treatment name,
 * in the section of its decision (or under "verlopen" when expired). */
static void test_handover_html__every_directive_in_its_section(void **state)
{
    (void)state;
    unsigned seen[4] = {0};
    for (size_t i = 0; i < NPATIENTS; i++) {
        built b;
        build(&b, patients[i]);
        char *page = render(&b, HANDOVER_HTML_ANW, &options);
        ho_records r;
        assert_int_equal(ho_load(&r, b.a, b.doc, &options), 0);
        unsigned n = 0;
        for (size_t k = 0; k < r.count; k++) {
            const fhir_node *d = r.res[k].node;
            if (strcmp(r.res[k].type, "Consent") != 0 || !ho_is_treatment_directive(d))
                continue;
            const char *type = ho_value(d, "provision.type");
            int kind = ho_directive_expired(&r, d) ? 3
                     : type && strcmp(type, "deny") == 0 ? 0
                     : type && strcmp(type, "permit") == 0 ? 1 : 2;
            static const char *const ids[] = {"niet", "wel", "anders", "verlopen"};
            static const char *const words[] = {"NIET", "WEL", "ANDERS", "was "};
            const char *name = ho_treatment_nl(ho_path(d, "provision.code"));
            assert_non_null(name);
            char *sec = section(b.a, page, ids[kind]);
            expect_in(sec, escaped(b.a, name), patients[i]);
            expect_in(sec, words[kind], patients[i]);
            seen[kind]++;
            n++;
        }
        assert_true(n > 0);
        free(page);
        fhir_arena_free(b.a);
    }
    /* the fixtures have every kind */
    for (int k = 0; k < 4; k++)
        assert_true(seen[k] > 0);
}

static void test_handover_html__anders_shows_its_specification(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    char *page = render(&b, HANDOVER_HTML_OFFICE, &options);
    char *sec = section(b.a, page, "anders");
    expect_in(sec, "Ziekenhuisopname", "anders");
    expect_in(sec, "Voorwaarde:", "anders");
    expect_in(sec, "Alleen bij een heupfractuur", "anders");
    free(page);
    fhir_arena_free(b.a);
}

/* ---- warnings in words ---------------------------------------------------- */

static void test_handover_html__expired_directive_says_so(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vpt-huisarts-verlopen");
    char *page = render(&b, HANDOVER_HTML_ANW, &options);
    char *sec = section(b.a, page, "verlopen");
    expect_in(sec, "Ziekenhuisopname", "verlopen");
    expect_in(sec, "VERLOPEN:", "verlopen");
    expect_in(sec, "geldt niet meer", "verlopen");
    expect_in(sec, "was WEL", "verlopen");
    /* the expired permit is not among what is wanted */
    expect_not_in(section(b.a, page, "wel"), "Ziekenhuisopname", "wel");
    free(page);
    fhir_arena_free(b.a);
}

static void test_handover_html__overdue_review_says_so(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vzb-huisarts-herbeoordeling");
    char *page = render(&b, HANDOVER_HTML_OFFICE, &options);
    char *sec = section(b.a, page, "niet");
    expect_in(sec, "Reanimatie", "niet");
    expect_in(sec, "Let op:", "niet");
    expect_in(sec, "langer dan 365 dagen niet besproken (laatst op 16 september 2024", "niet");
    free(page);
    /* a longer review period: no warning; a shorter one: every directive warns */
    handover_options lenient = {.now = NOW, .review_days = 5000};
    page = render(&b, HANDOVER_HTML_OFFICE, &lenient);
    expect_not_in(strstr(page, "<main>"), "Let op:", "review_days 5000");
    free(page);
    handover_options strict = {.now = NOW, .review_days = 30};
    page = render(&b, HANDOVER_HTML_OFFICE, &strict);
    expect_in(page, "langer dan 30 dagen niet besproken", "review_days 30");
    free(page);
    fhir_arena_free(b.a);
}

/* "Today" is the moment of viewing, not of building: a directive that expires
 * after the build is shown expired. */
static void test_handover_html__expiry_is_judged_at_viewing(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *cpr = NULL;
    for (int i = 0; (cpr = resource(&b, "Consent", i)) != NULL; i++)
        if (strcmp(ho_treatment_nl(ho_path(cpr, "provision.code")), "Reanimatie") == 0)
            break;
    assert_non_null(cpr);
    fhir_node *prov = fhir_node_child(cpr, "provision");
    fhir_node *period = fhir_node_add_named(b.a, prov, "period", NULL);
    fhir_node_add_named(b.a, period, "end", "2026-12-31");
    char *page = render(&b, HANDOVER_HTML_ANW, &options);
    expect_in(section(b.a, page, "niet"), "Reanimatie", "before the end");
    expect_in(section(b.a, page, "niet"), "31 december 2026", "valid until");
    free(page);
    handover_options later = {.now = "2027-01-02T03:00:00Z"};
    page = render(&b, HANDOVER_HTML_ANW, &later);
    expect_not_in(section(b.a, page, "niet"), "Reanimatie", "after the end");
    expect_in(section(b.a, page, "verlopen"), "Reanimatie", "after the end");
    expect_in(section(b.a, page, "verlopen"), "gold tot 31 december 2026", "after the end");
    free(page);
    fhir_arena_free(b.a);
}

/* ---- safety --------------------------------------------------------------- */

static void test_handover_html__escapes_every_text(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    fhir_node *pat = resource(&b, "Patient", 0);
    set_value(fhir_node_child(fhir_node_child(pat, "name"), "text"),
              "<script>alert('x')</script> & \"Zn\" </style><b>");
    fhir_node *rp = resource(&b, "RelatedPerson", 0);
    set_value(fhir_node_child(fhir_node_child(rp, "name"), "text"), "Marian <img src=x> & Co");
    fhir_node *flag = resource(&b, "Flag", 0);
    set_value(fhir_node_child(fhir_node_child(flag, "code"), "text"),
              "<a href=\"https://evil.example/\">klik</a>");
    set_value(fhir_node_child(fhir_node_child(rp, "telecom"), "value"), "+31\"><script>");
    for (int v = 0; v < 2; v++) {
        char *page = render(&b, (handover_html_variant)v, &options);
        expect_not_in(page, "<script", "script");
        expect_not_in(page, "<img", "img");
        expect_not_in(page, "<b>", "b");
        expect_not_in(page, "<a href=\"https", "link");
        expect_in(page, "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"Zn\"", "escaped name");
        expect_in(page, "Marian &lt;img src=x&gt; &amp; Co", "escaped relative");
        expect_in(page, "&lt;a href=\"https://evil.example/\"&gt;klik&lt;/a&gt;", "escaped flag");
        expect_in(page, "+31\"&gt;&lt;script&gt;", "escaped phone (no link)");
        /* the name in the print footer's CSS string cannot close the style element */
        const char *style_end = strstr(page, "</style>");
        assert_non_null(style_end);
        expect_not_in(style_end + 1, "</style>", "one style element");
        expect_in(page, "\\3c script\\3e ", "CSS-escaped name");
        free(page);
    }
    fhir_arena_free(b.a);
}

static void test_handover_html__bsn_is_masked(void **state)
{
    (void)state;
    for (size_t i = 0; i < NPATIENTS; i++) {
        built b;
        build(&b, patients[i]);
        const char *bsn = NULL;
        fhir_node *pat = resource(&b, "Patient", 0);
        for (fhir_node *id = fhir_node_child(pat, "identifier"); id; id = fhir_node_next_same(id))
            if (strcmp(ho_value(id, "system"), SYS_BSN) == 0)
                bsn = ho_value(id, "value");
        assert_non_null(bsn);
        char *page = render(&b, HANDOVER_HTML_ANW, &options);
        expect_not_in(page, bsn, patients[i]);
        expect_in(page, fhir_arena_printf(b.a, "<dd>******%s</dd>", bsn + 6), patients[i]);
        free(page);
        fhir_arena_free(b.a);
    }
}

/* No script, no fetch: no src, no external href, no url(), no @import, no
 * link/iframe/object/embed elements; the only links are tel: links; no
 * narrative div copied. */
static void test_handover_html__runs_and_fetches_nothing(void **state)
{
    (void)state;
    static const char *const never[] = {"<script", "src=", "<link", "<iframe", "<object",
                                        "<embed", "<img", "<form", "url(", "@import", "http://",
                                        "https://", "xmlns=", "javascript:", "on" "load="};
    for (size_t i = 0; i < NPATIENTS; i++)
        for (int v = 0; v < 2; v++) {
            built b;
            build(&b, patients[i]);
            char *page = render(&b, (handover_html_variant)v, &options);
            for (size_t k = 0; k < sizeof never / sizeof *never; k++)
                expect_not_in(page, never[k], patients[i]);
            unsigned links = 0;
            for (const char *h = strstr(page, "href="); h; h = strstr(h + 1, "href=")) {
                if (strncmp(h, "href=\"tel:", 10) != 0)
                    fail_msg("%s: a link that is not tel: %.60s", patients[i], h);
                for (const char *c = h + 10; *c != '"'; c++)
                    assert_true((*c >= '0' && *c <= '9') || *c == '+');
                links++;
            }
            assert_true(links > 0);
            assert_true(strncmp(page, "<!DOCTYPE html>\n<html lang=\"nl\">", 32) == 0);
            expect_in(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                            "'none'", patients[i]);
            free(page);
            fhir_arena_free(b.a);
        }
}

/* Tables have header cells with a scope; headings are h1 then h2/h3. */
static void test_handover_html__semantic_structure(void **state)
{
    (void)state;
    built b;
    build(&b, "gz-vpt-twee-overdrachten");
    char *page = render(&b, HANDOVER_HTML_OFFICE, &options);
    for (const char *th = strstr(page, "<th"); th; th = strstr(th + 1, "<th")) {
        if (th[3] != ' ' && th[3] != '>')
            continue; /* <thead> */
        if (strncmp(th, "<th scope=\"col\">", 16) != 0 &&
            strncmp(th, "<th scope=\"row\">", 16) != 0)
            fail_msg("a header cell without scope: %.40s", th);
    }
    const char *h1 = strstr(page, "<h1");
    assert_non_null(h1);
    expect_not_in(h1 + 1, "<h1", "one h1");
    assert_true(h1 < strstr(page, "<h2"));
    expect_in(page, "<caption>", "table caption");
    free(page);
    fhir_arena_free(b.a);
}

static void test_handover_html__header_identifies_patient_and_document(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    /* a stored document carries its version */
    fhir_node *meta = fhir_node_child(b.doc, "meta");
    fhir_node_add_named(b.a, meta, "versionId", "7");
    char *page = render(&b, HANDOVER_HTML_ANW, &options);
    const char *end = strstr(page, "</header>");
    assert_non_null(end);
    char *head = fhir_arena_strndup(b.a, page, (size_t)(end - page));
    expect_in(head, "<h1>Geertje Bos-Wolters", "name");
    expect_in(head, "(roepnaam G\xC3\xA9)", "roepnaam");
    expect_in(head, "<dt>Geboren</dt><dd>17 april 1933 (93 jaar)</dd>", "birth date");
    expect_in(head, "<dt>BSN</dt><dd>******005</dd>", "bsn");
    /* 12:00 UTC is 13:00 in Amsterdam in November */
    expect_in(head, "<dt>Document van</dt><dd>23 november 2026, 13:00</dd>", "date");
    expect_in(head, "<dt>Versie</dt><dd>7</dd>", "version");
    expect_in(head, "<dt>Opgesteld door</dt><dd>Anouk Veldman (specialist "
                    "ouderengeneeskunde)</dd>", "author");
    expect_in(head, "avond, nacht en weekend (ANW)", "variant");
    free(page);
    fhir_arena_free(b.a);
}

/* ---- who to call now -------------------------------------------------------- */

/* The table of who is reachable now, and of the others. */
static char *table(fhir_arena *a, const char *page, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "<table id=\"%s\"", id);
    const char *s = strstr(page, key);
    if (!s)
        return fhir_arena_strdup(a, "");
    const char *e = strstr(s, "</table>");
    assert_non_null(e);
    return fhir_arena_strndup(a, s, (size_t)(e - s));
}

/* The huisartsenpost is reachable in ANW only, the publisher's office in
 * office hours only: the variant moves them between the two tables. */
static void test_handover_html__variant_changes_who_comes_first(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vpt-huisarts-verlopen");
    char *anw = render(&b, HANDOVER_HTML_ANW, &options);
    char *office = render(&b, HANDOVER_HTML_OFFICE, &options);
    expect_in(table(b.a, anw, "bereikbaar-nu"), "Huisartsenpost IJsseldelta", "anw now");
    expect_in(table(b.a, anw, "overige-contacten"), "Zorggroep De Linde", "anw others");
    expect_in(table(b.a, office, "bereikbaar-nu"), "Zorggroep De Linde", "office now");
    expect_in(table(b.a, office, "overige-contacten"), "Huisartsenpost IJsseldelta",
              "office others");
    expect_in(section(b.a, anw, "contact"), "avond, nacht en weekend", "anw heading");
    expect_in(section(b.a, office, "contact"), "kantooruren", "office heading");
    free(anw);
    free(office);
    fhir_arena_free(b.a);
}

/* A professional whose ANW contact is e-mail only is called first in office
 * hours and comes after everyone with a phone in ANW; the regiebehandelaar's
 * number changes with the variant. */
static void test_handover_html__variant_orders_professionals(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-so-alzheimer");
    /* Jolien Kuipers (gedragskundige): her ANW phone becomes an e-mail address */
    fhir_node *kuipers = NULL;
    for (int i = 0; (kuipers = resource(&b, "PractitionerRole", i)) != NULL; i++)
        for (fhir_node *t = fhir_node_child(kuipers, "telecom"); t; t = fhir_node_next_same(t))
            if (strcmp(ho_value(t, "value"), "+31380001099") == 0) {
                set_value(fhir_node_child(t, "system"), "email");
                set_value(fhir_node_child(t, "value"), "dienst@hetbaken.example");
                goto found;
            }
    fail_msg("no ANW phone of the gedragskundige");
found:;
    char *anw = render(&b, HANDOVER_HTML_ANW, &options);
    char *office = render(&b, HANDOVER_HTML_OFFICE, &options);
    char *anw_now = table(b.a, anw, "bereikbaar-nu");
    char *office_now = table(b.a, office, "bereikbaar-nu");
    expect_not_in(anw_now, "Jolien Kuipers", "anw now");
    expect_in(table(b.a, anw, "overige-contacten"), "Jolien Kuipers", "anw others");
    expect_in(table(b.a, anw, "overige-contacten"), "e-mail dienst@hetbaken.example (ANW)",
              "anw others");
    expect_in(office_now, "Jolien Kuipers", "office now");
    /* the regiebehandelaar: office number in office hours, ANW mobile at night */
    expect_in(office_now, "tel:+31380001010", "office number");
    expect_not_in(office_now, "+31600001019", "no ANW number in office hours");
    expect_in(anw_now, "tel:+31600001019", "ANW number");
    expect_not_in(anw_now, "+31380001010", "no office number at night");
    /* the first point of contact heads the list in both */
    const char *first_anw = strstr(anw_now, "<tbody><tr><th scope=\"row\">");
    const char *first_office = strstr(office_now, "<tbody><tr><th scope=\"row\">");
    assert_non_null(first_anw);
    assert_non_null(first_office);
    assert_true(strncmp(first_anw + 27, "Sibel Y", 7) == 0);
    assert_true(strncmp(first_office + 27, "Sibel Y", 7) == 0);
    free(anw);
    free(office);
    fhir_arena_free(b.a);
}

/* ---- the interface -------------------------------------------------------- */

static void test_handover_html__refuses_what_is_not_a_handover(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/valid/oz-vmb-so-alzheimer.json", fixture_dir);
    size_t len;
    char *in = slurp(path, &len);
    assert_non_null(in);
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, in, len, NULL, &o);
    free(in);
    assert_non_null(records);
    fhir_buf out;
    fhir_buf_init(&out, 0);
    /* the records themselves (a transaction), NULL, an unknown variant */
    assert_int_equal(handover_render_html(a, records, HANDOVER_HTML_ANW, &options, &out),
                     FHIR_E_INVALID);
    assert_int_equal(handover_render_html(a, NULL, HANDOVER_HTML_ANW, &options, &out),
                     FHIR_E_INVALID);
    fhir_node *doc = handover_build(a, records, &options, &o);
    assert_non_null(doc);
    assert_int_equal(handover_render_html(a, doc, (handover_html_variant)7, &options, &out),
                     FHIR_E_INVALID);
    assert_int_equal(out.len, 0);
    /* a document whose first entry is not the Composition (here: a second Patient) */
    fhir_node *comp = fhir_node_child(fhir_node_child(doc, "entry"), "resource");
    uint16_t type = comp->type;
    comp->type = fhir_type_find("Patient");
    assert_int_equal(handover_render_html(a, doc, HANDOVER_HTML_ANW, &options, &out),
                     FHIR_E_INVALID);
    comp->type = type;
    assert_int_equal(out.len, 0);
    /* a buffer too small for the page */
    fhir_buf small;
    fhir_buf_init(&small, 1000);
    assert_int_equal(handover_render_html(a, doc, HANDOVER_HTML_ANW, &options, &small),
                     FHIR_E_NOMEM);
    fhir_buf_free(&small);
    assert_int_equal(handover_render_html(a, doc, HANDOVER_HTML_ANW, NULL, &out), 0);
    assert_true(out.len > 1000);
    fhir_buf_free(&out);
    fhir_arena_free(a);
}

static void test_handover_html__same_document_same_page(void **state)
{
    (void)state;
    built b1, b2;
    build(&b1, "gz-vpt-twee-overdrachten");
    build(&b2, "gz-vpt-twee-overdrachten");
    char *p1 = render(&b1, HANDOVER_HTML_ANW, &options);
    char *p2 = render(&b2, HANDOVER_HTML_ANW, &options);
    assert_string_equal(p1, p2);
    free(p1);
    free(p2);
    fhir_arena_free(b1.a);
    fhir_arena_free(b2.a);
}

/* Out of memory at every allocation of the page's arena in turn: no crash,
 * no leak (under ASan), FHIR_E_NOMEM or the same page as undisturbed. */
static void test_handover_html__survives_allocation_failure_everywhere(void **state)
{
    (void)state;
    built b;
    build(&b, "oz-vmb-overdracht-huisarts-so");
    char *expected = render(&b, HANDOVER_HTML_ANW, &options);
    for (unsigned long n = 1;; n++) {
        fhir_arena *a = fhir_arena_new(0);
        fhir_arena_fail_after(a, n);
        fhir_buf out;
        fhir_buf_init(&out, 0);
        int rc = handover_render_html(a, b.doc, HANDOVER_HTML_ANW, &options, &out);
        int failed = fhir_arena_failed(a);
        fhir_arena_free(a);
        if (failed) {
            assert_int_equal(rc, FHIR_E_NOMEM);
            fhir_buf_free(&out);
            assert_true(n < 100000);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_string_equal(out.data, expected);
        fhir_buf_free(&out);
        assert_true(n > 10);
        break;
    }
    free(expected);
    fhir_arena_free(b.a);
}

/* ---- the clock ------------------------------------------------------------ */

static time_t at(const char *datetime)
{
    time_t t;
    if (handover_time_parse(datetime, &t) != 0)
        fail_msg("cannot parse %s", datetime);
    return t;
}

static void expect_variant(const char *datetime, handover_html_variant want)
{
    handover_html_variant got = handover_html_variant_at(at(datetime));
    if (got != want)
        fail_msg("%s: %s, expected %s", datetime, got == HANDOVER_HTML_ANW ? "ANW" : "office",
                 want == HANDOVER_HTML_ANW ? "ANW" : "office");
}

static void test_handover_clock__office_hours_and_anw(void **state)
{
    (void)state;
    /* Tuesday 24 November 2026, CET (UTC+1) */
    expect_variant("2026-11-24T09:00:00Z", HANDOVER_HTML_OFFICE);    /* 10:00 */
    expect_variant("2026-11-24T17:30:00Z", HANDOVER_HTML_ANW);       /* 18:30 */
    expect_variant("2026-11-24T18:30:00+01:00", HANDOVER_HTML_ANW);  /* the same, local */
    expect_variant("2026-11-24T07:00:00Z", HANDOVER_HTML_OFFICE);    /* 08:00 begins */
    expect_variant("2026-11-24T06:59:59Z", HANDOVER_HTML_ANW);       /* 07:59:59 */
    expect_variant("2026-11-24T15:59:59Z", HANDOVER_HTML_OFFICE);    /* 16:59:59 */
    expect_variant("2026-11-24T16:00:00Z", HANDOVER_HTML_ANW);       /* 17:00 ends */
    expect_variant("2026-11-24T02:00:00Z", HANDOVER_HTML_ANW);       /* 03:00 */
    /* the weekend */
    expect_variant("2026-11-28T10:00:00Z", HANDOVER_HTML_ANW);       /* Saturday */
    expect_variant("2026-11-29T10:00:00Z", HANDOVER_HTML_ANW);       /* Sunday */
    expect_variant("2026-11-27T15:00:00Z", HANDOVER_HTML_OFFICE);    /* Friday 16:00 */
    expect_variant("2026-11-29T23:30:00Z", HANDOVER_HTML_ANW);       /* Monday 00:30 */
    /* Sunday 23:30 UTC is already Monday in Amsterdam: the local date decides */
    expect_variant("2026-11-30T07:30:00Z", HANDOVER_HTML_OFFICE);    /* Monday 08:30 */
}

static void test_handover_clock__summer_time(void **state)
{
    (void)state;
    /* CEST from Sunday 29 March 2026 01:00 UTC to Sunday 25 October 2026 01:00 UTC */
    ho_local_time l;
    ho_local(at("2026-03-29T00:59:59Z"), &l);
    assert_int_equal(l.summer, 0);
    assert_int_equal(l.hour, 1);
    ho_local(at("2026-03-29T01:00:00Z"), &l);
    assert_int_equal(l.summer, 1);
    assert_int_equal(l.hour, 3);
    ho_local(at("2026-10-25T00:59:59Z"), &l);
    assert_int_equal(l.summer, 1);
    assert_int_equal(l.hour, 2);
    ho_local(at("2026-10-25T01:00:00Z"), &l);
    assert_int_equal(l.summer, 0);
    assert_int_equal(l.hour, 2);
    /* 06:30 UTC: 07:30 CET on the Friday before, 08:30 CEST on the Monday after */
    expect_variant("2026-03-27T06:30:00Z", HANDOVER_HTML_ANW);
    expect_variant("2026-03-30T06:30:00Z", HANDOVER_HTML_OFFICE);
    /* 15:30 UTC: 17:30 CEST on Friday 23 October, 16:30 CET on Monday 26 October */
    expect_variant("2026-10-23T15:30:00Z", HANDOVER_HTML_ANW);
    expect_variant("2026-10-26T15:30:00Z", HANDOVER_HTML_OFFICE);
    /* another year: 2025 changed on 30 March and 26 October */
    ho_local(at("2025-03-30T01:00:00Z"), &l);
    assert_int_equal(l.summer, 1);
    ho_local(at("2025-10-26T00:30:00Z"), &l);
    assert_int_equal(l.summer, 1);
    ho_local(at("2025-10-26T01:30:00Z"), &l);
    assert_int_equal(l.summer, 0);
    /* local dates across the year and day boundary */
    ho_local(at("2026-12-31T23:30:00Z"), &l);
    assert_true(l.year == 2027 && l.month == 1 && l.day == 1 && l.hour == 0 && l.minute == 30);
    assert_int_equal(l.weekday, 5); /* Friday */
}

static void test_handover_clock__public_holidays_are_anw(void **state)
{
    (void)state;
    expect_variant("2026-04-06T08:00:00Z", HANDOVER_HTML_ANW);    /* Tweede Paasdag, Monday */
    expect_variant("2025-04-26T08:00:00Z", HANDOVER_HTML_ANW);    /* Koningsdag 2025 */
    expect_variant("2026-04-27T08:00:00Z", HANDOVER_HTML_ANW);    /* Koningsdag 2026, Monday */
    expect_variant("2026-12-25T09:00:00Z", HANDOVER_HTML_ANW);    /* Eerste Kerstdag, Friday */
    expect_variant("2025-12-26T09:00:00Z", HANDOVER_HTML_ANW);    /* Tweede Kerstdag, Friday */
    expect_variant("2026-05-14T08:00:00Z", HANDOVER_HTML_ANW);    /* Hemelvaartsdag */
    expect_variant("2026-05-25T08:00:00Z", HANDOVER_HTML_ANW);    /* Tweede Pinksterdag */
    expect_variant("2027-01-01T09:00:00Z", HANDOVER_HTML_ANW);    /* Nieuwjaarsdag, Friday */
    expect_variant("2025-05-05T08:00:00Z", HANDOVER_HTML_ANW);    /* Bevrijdingsdag, lustrum */
    /* working days */
    expect_variant("2026-05-05T08:00:00Z", HANDOVER_HTML_OFFICE); /* Bevrijdingsdag 2026 */
    expect_variant("2026-04-03T08:00:00Z", HANDOVER_HTML_OFFICE); /* Goede Vrijdag */
    expect_variant("2025-04-28T08:00:00Z", HANDOVER_HTML_OFFICE); /* Monday after Koningsdag */
    expect_variant("2026-04-07T08:00:00Z", HANDOVER_HTML_OFFICE); /* Tuesday after Easter */
    expect_variant("2026-12-24T09:00:00Z", HANDOVER_HTML_OFFICE); /* Christmas Eve */
}

static void test_handover_clock__holiday_names_and_easter(void **state)
{
    (void)state;
    assert_string_equal(handover_holiday_nl(2025, 4, 26), "Koningsdag"); /* the 27th: Sunday */
    assert_null(handover_holiday_nl(2025, 4, 27));
    assert_string_equal(handover_holiday_nl(2026, 4, 27), "Koningsdag");
    assert_null(handover_holiday_nl(2026, 4, 26));
    assert_string_equal(handover_holiday_nl(2026, 4, 6), "Tweede Paasdag");
    assert_string_equal(handover_holiday_nl(2026, 5, 14), "Hemelvaartsdag");
    assert_string_equal(handover_holiday_nl(2026, 5, 24), "Eerste Pinksterdag");
    assert_string_equal(handover_holiday_nl(2030, 5, 5), "Bevrijdingsdag");
    assert_null(handover_holiday_nl(2029, 5, 5));
    assert_null(handover_holiday_nl(2026, 4, 3)); /* Goede Vrijdag */
    assert_null(handover_holiday_nl(2026, 2, 30));
    assert_null(handover_holiday_nl(2026, 13, 1));
    /* Easter Sundays (anonymous Gregorian algorithm) */
    static const int easter[][3] = {{1818, 3, 22}, {1943, 4, 25}, {2000, 4, 23},
                                    {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},
                                    {2027, 3, 28}, {2038, 4, 25}, {2285, 3, 22}};
    for (size_t i = 0; i < sizeof easter / sizeof *easter; i++) {
        const char *h = handover_holiday_nl(easter[i][0], easter[i][1], easter[i][2]);
        if (!h || strcmp(h, "Eerste Paasdag") != 0)
            fail_msg("Easter %d-%02d-%02d: %s", easter[i][0], easter[i][1], easter[i][2],
                     h ? h : "(none)");
    }
}

static void test_handover_clock__parses_moments(void **state)
{
    (void)state;
    assert_int_equal((long)at("1970-01-01T00:00:00Z"), 0);
    assert_int_equal((long)at("2026-11-23T12:00:00Z"), 1795435200L);
    assert_int_equal((long)at("2026-11-23T13:00:00+01:00"), 1795435200L);
    assert_int_equal((long)at("2026-11-23T12:00Z"), 1795435200L);
    assert_int_equal((long)at("2026-11-23T12:00:00.123Z"), 1795435200L);
    assert_int_equal((long)at("2000-02-29T23:59:59Z"), 951868799L);
    assert_int_equal((long)at("1970-01-01T00:00:00+01:00"), -3600L);
    static const char *const bad[] = {"", "2026-11-23", "2026-11-23T12:00:00", "2026-11-23 12:00Z",
                                      "2026-02-29T12:00Z", "2026-11-23T24:00Z",
                                      "2026-11-23T12:60Z", "2026-11-23T12:00:00+1:00",
                                      "2026-11-23T12:00:00Zx", "2026-11-23T12:00:00.Z",
                                      "2026-1-23T12:00Z", "0000-01-01T00:00Z",
                                      "2026-11-23T12:00:00+15:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        time_t t;
        if (handover_time_parse(bad[i], &t) == 0)
            fail_msg("'%s' parsed", bad[i]);
    }
    time_t t;
    assert_int_equal(handover_time_parse(NULL, &t), FHIR_E_INVALID);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixture_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handover_html__sections_in_order_of_urgency),
        cmocka_unit_test(test_handover_html__every_directive_in_its_section),
        cmocka_unit_test(test_handover_html__anders_shows_its_specification),
        cmocka_unit_test(test_handover_html__expired_directive_says_so),
        cmocka_unit_test(test_handover_html__overdue_review_says_so),
        cmocka_unit_test(test_handover_html__expiry_is_judged_at_viewing),
        cmocka_unit_test(test_handover_html__escapes_every_text),
        cmocka_unit_test(test_handover_html__bsn_is_masked),
        cmocka_unit_test(test_handover_html__runs_and_fetches_nothing),
        cmocka_unit_test(test_handover_html__semantic_structure),
        cmocka_unit_test(test_handover_html__header_identifies_patient_and_document),
        cmocka_unit_test(test_handover_html__variant_changes_who_comes_first),
        cmocka_unit_test(test_handover_html__variant_orders_professionals),
        cmocka_unit_test(test_handover_html__refuses_what_is_not_a_handover),
        cmocka_unit_test(test_handover_html__same_document_same_page),
        cmocka_unit_test(test_handover_html__survives_allocation_failure_everywhere),
        cmocka_unit_test(test_handover_clock__office_hours_and_anw),
        cmocka_unit_test(test_handover_clock__summer_time),
        cmocka_unit_test(test_handover_clock__public_holidays_are_anw),
        cmocka_unit_test(test_handover_clock__holiday_names_and_easter),
        cmocka_unit_test(test_handover_clock__parses_moments),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return failed;
}
