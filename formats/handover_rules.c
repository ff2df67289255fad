/*
 * handover_rules.c — the covenant rules of the MGZ handover (mgz-1 … mgz-11,
 * listed in formats/profile/README.md) and the clinical-safety checks on
 * treatment directives.
 *
 * Each broken rule is one OperationOutcome issue carrying the rule id (in
 * issue.details.coding), a Dutch and an English message that start with the
 * id, and the FHIRPath expression of the offending element in the records.
 * All rules run; none stops at the first problem.
 */
#include <stdio.h>
#include <string.h>

#include "handover_internal.h"

typedef struct ctx {
    ho_records *r;
    fhir_outcome *o;
    unsigned errors;
} ctx;

static void report(ctx *c, const fhir_node *at, fhir_severity sev, const char *code,
                   const char *rule, const char *nl, const char *en)
{
    if (sev <= FHIR_SEV_ERROR)
        c->errors++;
    char *m_nl = fhir_arena_printf(c->r->a, "%s: %s", rule, nl);
    char *m_en = fhir_arena_printf(c->r->a, "%s: %s", rule, en);
    if (m_nl && m_en)
        fhir_outcome_rule(c->o, at, sev, code, MGZ_RULE_SYSTEM, rule, m_nl, m_en);
}

#define FOR_EACH(var, parent, name) \
    for (const fhir_node *var = (parent) ? fhir_node_child(parent, name) : NULL; var; \
         var = fhir_node_next_same(var))

/* ---- mgz-11: one patient with a valid BSN ------------------------------- */

static int bsn_valid(const char *s)
{
    if (!s || strlen(s) != 9)
        return 0;
    long sum = 0;
    for (int i = 0; i < 9; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        sum += (i < 8 ? 9 - i : -1) * (s[i] - '0');
    }
    return sum % 11 == 0;
}

static void rule_patient(ctx *c)
{
    ho_records *r = c->r;
    if (r->patients != 1) {
        report(c, r->bundle, FHIR_SEV_ERROR, "business-rule", "mgz-11",
               r->patients ? "de gegevens bevatten meer dan één patiënt"
                           : "de gegevens bevatten geen patiënt",
               r->patients ? "the records hold more than one Patient"
                           : "the records hold no Patient");
        return;
    }
    const fhir_node *bsn = NULL;
    FOR_EACH(id, r->patient->node, "identifier")
    {
        const char *s = fhir_node_child_value(id, "system");
        if (s && strcmp(s, SYS_BSN) == 0)
            bsn = id;
    }
    if (!bsn)
        report(c, r->patient->node, FHIR_SEV_ERROR, "business-rule", "mgz-11",
               "de patiënt heeft geen BSN", "the Patient has no BSN identifier");
    else if (!bsn_valid(fhir_node_child_value(bsn, "value")))
        report(c, fhir_node_child(bsn, "value") ? fhir_node_child(bsn, "value") : bsn,
               FHIR_SEV_ERROR, "business-rule", "mgz-11",
               "het BSN voldoet niet aan de elfproef", "the BSN fails the 11-check");
}

/* ---- the regiebehandelaar (mgz-7), mgz-2 --------------------------------- */

static const fhir_node *current_regie(ctx *c, ho_res **member)
{
    const fhir_node *found = NULL;
    FOR_EACH(p, c->r->careteam->node, "participant")
    {
        if (ho_participant_has_role(p, "regiebehandelaar") && ho_participant_current(c->r, p)) {
            if (found)
                return NULL;
            found = p;
        }
    }
    if (found && member)
        *member = ho_ref(c->r, fhir_node_child(found, "member"));
    return found;
}

static void rule_regiebehandelaar(ctx *c)
{
    ho_records *r = c->r;
    if (!r->careteam) {
        report(c, r->bundle, FHIR_SEV_ERROR, "business-rule", "mgz-7",
               "er moet precies één zorgteam (CareTeam) zijn met de regiebehandelaar MGZ",
               "the records must hold exactly one CareTeam naming the regiebehandelaar MGZ");
        return;
    }
    unsigned n = 0;
    FOR_EACH(p, r->careteam->node, "participant")
    n += ho_participant_has_role(p, "regiebehandelaar") && ho_participant_current(r, p);
    if (n != 1) {
        report(c, r->careteam->node, FHIR_SEV_ERROR, "business-rule", "mgz-7",
               n ? "er is meer dan één huidige regiebehandelaar MGZ"
                 : "er is geen huidige regiebehandelaar MGZ",
               n ? "there is more than one current regiebehandelaar MGZ"
                 : "there is no current regiebehandelaar MGZ");
        return;
    }
    ho_res *m = NULL;
    const fhir_node *p = current_regie(c, &m);
    ho_role role = ho_role_of(m);
    if (role != HO_ROLE_HUISARTS && role != HO_ROLE_SO && role != HO_ROLE_AVG)
        report(c, fhir_node_child(p, "member") ? fhir_node_child(p, "member") : p,
               FHIR_SEV_ERROR, "business-rule", "mgz-7",
               "de regiebehandelaar MGZ moet een huisarts, specialist ouderengeneeskunde of AVG "
               "zijn (PractitionerRole met UZI-rolcode 01.015, 01.047 of 01.056)",
               "the regiebehandelaar MGZ must be a huisarts, SO or AVG (a PractitionerRole with "
               "UZI role 01.015, 01.047 or 01.056)");
    if (r->sector && r->delivery && strcmp(r->sector, "ouderenzorg") == 0 &&
        strcmp(r->delivery, "vmb") == 0 && role != HO_ROLE_SO && m)
        report(c, fhir_node_child(p, "member"), FHIR_SEV_ERROR, "business-rule", "mgz-2",
               "bij verblijf met behandeling in de ouderenzorg is de specialist "
               "ouderengeneeskunde de regiebehandelaar MGZ",
               "with verblijf met behandeling in ouderenzorg the regiebehandelaar MGZ is the SO");
}

static void rule_no_gp_registration(ctx *c)
{
    ho_records *r = c->r;
    if (!r->patient || !r->sector || !r->delivery || strcmp(r->sector, "ouderenzorg") != 0 ||
        strcmp(r->delivery, "vmb") != 0)
        return;
    FOR_EACH(gp, r->patient->node, "generalPractitioner")
    {
        if (ho_role_of(ho_ref(r, gp)) == HO_ROLE_HUISARTS)
            report(c, gp, FHIR_SEV_ERROR, "business-rule", "mgz-2",
                   "bij verblijf met behandeling in de ouderenzorg is de patiënt niet op naam "
                   "ingeschreven bij een huisarts",
                   "with verblijf met behandeling in ouderenzorg the patient is not registered "
                   "with a huisarts");
    }
}

/* ---- mgz-1: an AVG is never the only physician -------------------------- */

static void rule_avg_with_huisarts(ctx *c)
{
    ho_records *r = c->r;
    if (!r->careteam)
        return;
    const fhir_node *avg = NULL;
    int huisarts = 0;
    FOR_EACH(p, r->careteam->node, "participant")
    {
        if (!ho_participant_current(r, p))
            continue;
        ho_role role = ho_role_of(ho_ref(r, fhir_node_child(p, "member")));
        if (role == HO_ROLE_AVG && !avg)
            avg = p;
        huisarts |= role == HO_ROLE_HUISARTS;
    }
    if (r->patient)
        FOR_EACH(gp, r->patient->node, "generalPractitioner")
    huisarts |= ho_role_of(ho_ref(r, gp)) == HO_ROLE_HUISARTS;
    if (avg && !huisarts)
        report(c, avg, FHIR_SEV_ERROR, "business-rule", "mgz-1",
               "een AVG is nooit de enige arts: de patiënt heeft ook een huisarts nodig "
               "(in het zorgteam of als huisarts van inschrijving)",
               "an AVG is never the only physician: the patient also needs a huisarts (in the "
               "care team or as generalPractitioner)");
}

/* ---- mgz-3: who may author directives and behaviour advice -------------- */

/* `date` is when the record was drawn up (may be NULL). */
static int may_author(ctx *c, ho_res *author, const char *date)
{
    if (!author || !c->r->careteam)
        return 0;
    FOR_EACH(p, c->r->careteam->node, "participant")
    {
        if (ho_ref(c->r, fhir_node_child(p, "member")) != author)
            continue;
        if (ho_participant_has_role(p, "regiebehandelaar")) {
            /* a former one only for what was drawn up while in the role: a transfer does
               not void what was agreed, but after it the new one decides */
            const char *end = ho_value(p, "period.end");
            if (ho_participant_current(c->r, p) || (date && end && strncmp(date, end, 10) <= 0))
                return 1;
        }
        if (ho_participant_current(c->r, p) &&
            (ho_participant_has_role(p, "gedragskundige") ||
             ho_role_of(author) == HO_ROLE_GEDRAGSKUNDIGE))
            return 1;
    }
    return 0;
}

int ho_is_treatment_directive(const fhir_node *consent)
{
    return ho_has_code(fhir_node_child(consent, "scope"),
                       "http://terminology.hl7.org/CodeSystem/consentscope", "treatment");
}

static int is_behaviour_flag(const fhir_node *flag)
{
    FOR_EACH(cat, flag, "category")
    if (ho_has_code(cat, SYS_PART, "bejegeningsadvies"))
        return 1;
    return 0;
}

static int is_normal_behaviour(const fhir_node *obs)
{
    return ho_has_code(fhir_node_child(obs, "code"), SYS_PART, "normaal-gedrag");
}

static void rule_authors(ctx *c)
{
    ho_records *r = c->r;
    for (size_t i = 0; i < r->count; i++) {
        const fhir_node *res = r->res[i].node, *author = NULL;
        const char *what_nl, *what_en, *date;
        if (strcmp(r->res[i].type, "Consent") == 0 && ho_is_treatment_directive(res)) {
            author = ho_path(ho_ext(res, EXT_AUTHOR), "valueReference");
            date = fhir_node_child_value(res, "dateTime");
            what_nl = "een behandelwens of -grens";
            what_en = "a treatment directive";
        } else if (strcmp(r->res[i].type, "Flag") == 0 && is_behaviour_flag(res)) {
            author = fhir_node_child(res, "author");
            date = ho_value(res, "period.start");
            what_nl = "een bejegeningsadvies";
            what_en = "behaviour advice";
        } else if (strcmp(r->res[i].type, "Observation") == 0 && is_normal_behaviour(res)) {
            author = fhir_node_child(res, "performer");
            date = fhir_node_child_value(res, "effectiveDateTime");
            if (!date)
                date = ho_value(res, "effectivePeriod.start");
            what_nl = "een beschrijving van normaal gedrag";
            what_en = "a normal-behaviour description";
        } else {
            continue;
        }
        if (may_author(c, ho_ref(r, author), date))
            continue;
        char nl[300], en[300];
        snprintf(nl, sizeof nl,
                 "%s wordt opgesteld door de regiebehandelaar MGZ of de gedragskundige van de "
                 "patiënt", what_nl);
        snprintf(en, sizeof en,
                 "%s must be authored by the regiebehandelaar MGZ or the patient's gedragskundige",
                 what_en);
        nl[0] = (char)(nl[0] == 'e' ? 'E' : nl[0]);
        en[0] = (char)(en[0] == 'a' ? 'A' : en[0]);
        report(c, author ? author : res, FHIR_SEV_ERROR, "business-rule", "mgz-3", nl, en);
    }
}

/* ---- mgz-4: explicit transfers ------------------------------------------- */

static void rule_transfers(ctx *c)
{
    ho_records *r = c->r;
    if (!r->careteam)
        return;
    const fhir_node *team = r->careteam->node;
    FOR_EACH(x, team, "extension")
    {
        const char *url = fhir_node_child_value(x, "url");
        if (!url || strcmp(url, EXT_TRANSFER) != 0)
            continue;
        int discussed = 0;
        FOR_EACH(sub, x, "extension")
        {
            const char *u = fhir_node_child_value(sub, "url");
            discussed += u && strcmp(u, "discussedWith") == 0 &&
                         ho_ref(r, fhir_node_child(sub, "valueReference"));
        }
        if (!ho_ref(r, ho_path(ho_ext(x, "from"), "valueReference")) ||
            !ho_ref(r, ho_path(ho_ext(x, "to"), "valueReference")) ||
            !ho_value(ho_ext(x, "date"), "valueDateTime") || !discussed)
            report(c, x, FHIR_SEV_ERROR, "business-rule", "mgz-4",
                   "een overdracht van het regiebehandelaarschap noemt van wie, aan wie, wanneer, "
                   "en met wie (patiënt of naaste) het besproken is",
                   "a transfer of the regiebehandelaar role names from whom, to whom, when, and "
                   "with whom (patient or relative) it was discussed");
    }
    FOR_EACH(p, team, "participant")
    {
        if (!ho_participant_has_role(p, "regiebehandelaar") || ho_participant_current(r, p))
            continue;
        ho_res *former = ho_ref(r, fhir_node_child(p, "member"));
        int recorded = 0;
        FOR_EACH(x, team, "extension")
        {
            const char *url = fhir_node_child_value(x, "url");
            if (url && strcmp(url, EXT_TRANSFER) == 0 && former &&
                ho_ref(r, ho_path(ho_ext(x, "from"), "valueReference")) == former)
                recorded = 1;
        }
        if (!recorded)
            report(c, p, FHIR_SEV_ERROR, "business-rule", "mgz-4",
                   "de vorige regiebehandelaar MGZ is niet expliciet overgedragen: de "
                   "overdracht ontbreekt",
                   "the former regiebehandelaar MGZ has no recorded, explicit transfer");
    }
}

/* ---- mgz-5: reachability in office hours and ANW ------------------------- */

static void windows(const fhir_node *res, int *office, int *anw, int *anw_phone)
{
    FOR_EACH(t, res, "telecom")
    {
        const char *w = ho_value(ho_ext(t, EXT_REACH), "valueCode");
        if (!w)
            continue;
        int always = strcmp(w, "always") == 0;
        *office |= always || strcmp(w, "office") == 0;
        int in_anw = always || strcmp(w, "anw") == 0;
        *anw |= in_anw;
        const char *sys = fhir_node_child_value(t, "system");
        *anw_phone |= in_anw && sys && strcmp(sys, "phone") == 0;
    }
}

static void rule_reachability(ctx *c)
{
    ho_records *r = c->r;
    if (!r->careteam)
        return;
    FOR_EACH(p, r->careteam->node, "participant")
    {
        const fhir_node *member = fhir_node_child(p, "member");
        ho_res *m = ho_ref(r, member);
        if (!ho_participant_current(r, p) || !m || strcmp(m->type, "PractitionerRole") != 0)
            continue;
        int office = 0, anw = 0, phone = 0;
        windows(m->node, &office, &anw, &phone);
        if (!office || !anw) {
            report(c, member, FHIR_SEV_ERROR, "business-rule", "mgz-5",
                   !office ? "de bereikbaarheid tijdens kantooruren ontbreekt"
                           : "de bereikbaarheid in avond, nacht en weekend (ANW) ontbreekt",
                   !office ? "reachability in office hours is not stated"
                           : "reachability in evening, night and weekend (ANW) hours is not "
                             "stated");
            continue;
        }
        ho_role role = ho_role_of(m);
        int so = role == HO_ROLE_SO && r->sector && strcmp(r->sector, "ouderenzorg") == 0;
        int avg = role == HO_ROLE_AVG && r->sector && strcmp(r->sector, "gehandicaptenzorg") == 0;
        if ((so || avg) && !phone)
            report(c, member, FHIR_SEV_ERROR, "business-rule", "mgz-5",
                   so ? "de specialist ouderengeneeskunde is in de ouderenzorg in ANW-uren "
                        "telefonisch bereikbaar: dat telefoonnummer ontbreekt"
                      : "de AVG is in de gehandicaptenzorg in ANW-uren telefonisch bereikbaar: "
                        "dat telefoonnummer ontbreekt",
                   so ? "in ouderenzorg the SO must have a phone reachable in ANW hours"
                      : "in gehandicaptenzorg the AVG must have a phone reachable in ANW hours");
    }
}

/* ---- mgz-6: one first point of contact ---------------------------------- */

static void rule_first_contact(ctx *c)
{
    if (!c->r->careteam)
        return;
    unsigned n = 0;
    FOR_EACH(p, c->r->careteam->node, "participant")
    n += ho_participant_has_role(p, "eerste-aanspreekpunt") && ho_participant_current(c->r, p);
    if (n != 1)
        report(c, c->r->careteam->node, FHIR_SEV_ERROR, "business-rule", "mgz-6",
               n ? "er is meer dan één eerste aanspreekpunt"
                 : "het eerste aanspreekpunt voor zorgvragen ontbreekt",
               n ? "there is more than one first point of contact"
                 : "the first point of contact for care questions is missing");
}

/* ---- mgz-8, mgz-9, mgz-10: treatment directives -------------------------- */

/* The decision in one word: permit, deny, or the "anders" text. */
static const char *decision(const fhir_node *consent)
{
    const char *type = ho_value(consent, "provision.type");
    if (type)
        return type;
    const char *other = ho_value(ho_ext(consent, EXT_SPEC_OTHER), "valueString");
    return other ? other : "";
}

/* mgz-10 */
int ho_directive_expired(const ho_records *r, const fhir_node *consent)
{
    const char *status = fhir_node_child_value(consent, "status");
    return (status && strcmp(status, "inactive") == 0) ||
           ho_before_today(r, ho_value(consent, "provision.period.end"));
}

/* mgz-9 */
long ho_directive_overdue(const ho_records *r, const fhir_node *consent)
{
    const char *reviewed = fhir_node_child_value(consent, "dateTime");
    long days = reviewed ? ho_days_between(reviewed, r->today) : 0;
    return days > (long)r->review_days ? days : 0;
}

/* Treatment identity: system|code, or the text for "anders" (OTH). */
static int same_treatment(const fhir_node *a, const fhir_node *b)
{
    const fhir_node *ca = ho_path(a, "provision.code"), *cb = ho_path(b, "provision.code");
    const fhir_node *ka = ho_path(ca, "coding"), *kb = ho_path(cb, "coding");
    const char *sa = ho_value(ka, "system"), *sb = ho_value(kb, "system");
    const char *xa = ho_value(ka, "code"), *xb = ho_value(kb, "code");
    if (!sa || !sb || !xa || !xb || strcmp(sa, sb) != 0 || strcmp(xa, xb) != 0)
        return 0;
    if (strcmp(xa, "OTH") == 0) {
        const char *ta = fhir_node_child_value(ca, "text"), *tb = fhir_node_child_value(cb, "text");
        return ta && tb && strcmp(ta, tb) == 0;
    }
    return 1;
}

static void rule_directives(ctx *c)
{
    ho_records *r = c->r;
    for (size_t i = 0; i < r->count; i++) {
        const fhir_node *d = r->res[i].node;
        if (strcmp(r->res[i].type, "Consent") != 0 || !ho_is_treatment_directive(d))
            continue;
        const char *what = ho_concept_text(ho_path(d, "provision.code"));
        if (!what)
            what = "?";
        if (ho_directive_expired(r, d)) {
            char nl[300], en[300];
            snprintf(nl, sizeof nl, "de behandelaanwijzing '%.200s' is verlopen en wordt als "
                     "verlopen getoond", what);
            snprintf(en, sizeof en, "the treatment directive '%.200s' has expired and is shown "
                     "as expired", what);
            report(c, d, FHIR_SEV_INFORMATION, "informational", "mgz-10", nl, en);
            continue;
        }
        const char *reviewed = fhir_node_child_value(d, "dateTime");
        if (ho_directive_overdue(r, d)) {
            char nl[300], en[300];
            snprintf(nl, sizeof nl, "de behandelaanwijzing '%.200s' is sinds %.10s niet meer "
                     "besproken (langer dan %u dagen)", what, reviewed, r->review_days);
            snprintf(en, sizeof en, "the treatment directive '%.200s' was last reviewed on "
                     "%.10s, more than %u days ago", what, reviewed, r->review_days);
            report(c, fhir_node_child(d, "dateTime"), FHIR_SEV_WARNING, "business-rule", "mgz-9",
                   nl, en);
        }
        for (size_t j = 0; j < i; j++) {
            const fhir_node *e = r->res[j].node;
            if (strcmp(r->res[j].type, "Consent") != 0 || !ho_is_treatment_directive(e) ||
                ho_directive_expired(r, e) || !same_treatment(d, e) ||
                strcmp(decision(d), decision(e)) == 0)
                continue;
            char nl[300], en[300];
            snprintf(nl, sizeof nl, "tegenstrijdige geldige behandelaanwijzingen voor '%.200s'",
                     what);
            snprintf(en, sizeof en, "contradictory active treatment directives for '%.200s'",
                     what);
            report(c, d, FHIR_SEV_ERROR, "business-rule", "mgz-8", nl, en);
            break;
        }
    }
}

unsigned handover__check_loaded(ho_records *r, fhir_outcome *o)
{
    ctx c = {.r = r, .o = o};
    rule_patient(&c);
    rule_regiebehandelaar(&c);
    if (r->careteam) {
        rule_avg_with_huisarts(&c);
        rule_authors(&c);
        rule_transfers(&c);
        rule_reachability(&c);
        rule_first_contact(&c);
    }
    rule_no_gp_registration(&c);
    rule_directives(&c);
    return c.errors;
}

unsigned handover_check(fhir_arena *a, const fhir_node *records, const handover_options *opt,
                        fhir_outcome *o)
{
    ho_records r;
    if (ho_load(&r, a, records, opt) != 0) {
        fhir_outcome_add(o, FHIR_SEV_FATAL, "too-costly", NULL, 0, 0, "out of memory");
        return 1;
    }
    return handover__check_loaded(&r, o);
}
