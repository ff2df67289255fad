/*
 * handover_records.c — a patient's records indexed for the rules and the
 * builder: every Bundle entry's resource with its type, id, fullUrl and the
 * urn:uuid it gets in the document; reference resolution (by fullUrl, by
 * Type/id, conditional by identifier); small readers of the tree.
 *
 * Everything lives in the caller's arena. Nothing here reports issues: the
 * rules decide what a missing piece means.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "handover_internal.h"

/* ---- tree readers ------------------------------------------------------- */

const fhir_node *ho_path(const fhir_node *n, const char *path)
{
    char step[64];
    while (n && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof step)
            return NULL;
        memcpy(step, path, len);
        step[len] = '\0';
        n = fhir_node_child(n, step);
        path += len + (dot != NULL);
    }
    return n;
}

const char *ho_value(const fhir_node *n, const char *path)
{
    const fhir_node *c = ho_path(n, path);
    return c ? c->value : NULL;
}

const fhir_node *ho_ext(const fhir_node *n, const char *url)
{
    if (!n)
        return NULL;
    for (const fhir_node *c = n->first; c; c = c->next)
        if ((strcmp(c->name, "extension") == 0 || strcmp(c->name, "modifierExtension") == 0) &&
            c->first) {
            const char *u = fhir_node_child_value(c, "url");
            if (u && strcmp(u, url) == 0)
                return c;
        }
    return NULL;
}

static int coding_is(const fhir_node *coding, const char *system, const char *code)
{
    const char *s = fhir_node_child_value(coding, "system");
    const char *c = fhir_node_child_value(coding, "code");
    return s && c && strcmp(s, system) == 0 && (!code || strcmp(c, code) == 0);
}

int ho_has_code(const fhir_node *concept, const char *system, const char *code)
{
    if (!concept)
        return 0;
    if (fhir_node_child(concept, "system"))
        return coding_is(concept, system, code);
    for (const fhir_node *c = fhir_node_child(concept, "coding"); c; c = fhir_node_next_same(c))
        if (coding_is(c, system, code))
            return 1;
    return 0;
}

const char *ho_code(const fhir_node *concept, const char *system)
{
    if (!concept)
        return NULL;
    if (fhir_node_child(concept, "system"))
        return coding_is(concept, system, NULL) ? fhir_node_child_value(concept, "code") : NULL;
    for (const fhir_node *c = fhir_node_child(concept, "coding"); c; c = fhir_node_next_same(c))
        if (coding_is(c, system, NULL))
            return fhir_node_child_value(c, "code");
    return NULL;
}

const char *ho_concept_text(const fhir_node *concept)
{
    if (!concept)
        return NULL;
    const char *t = fhir_node_child_value(concept, "text");
    if (t)
        return t;
    const fhir_node *coding = fhir_node_child(concept, "coding");
    if (!coding)
        coding = concept;
    t = fhir_node_child_value(coding, "display");
    return t ? t : fhir_node_child_value(coding, "code");
}

const char *ho_name(fhir_arena *a, const fhir_node *resource)
{
    const fhir_node *name = resource ? fhir_node_child(resource, "name") : NULL;
    if (!name)
        return NULL;
    if (name->value) /* Organization.name, CareTeam.name */
        return name->value;
    const char *text = fhir_node_child_value(name, "text");
    if (text)
        return text;
    const char *family = fhir_node_child_value(name, "family");
    const char *given = fhir_node_child_value(name, "given");
    if (family && given)
        return fhir_arena_printf(a, "%s %s", given, family);
    return family ? family : given;
}

long ho_days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long day_number(const char *s)
{
    int y = 0, m = 1, d = 1;
    if (!s || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) < 1)
        return 0;
    return ho_days_from_civil(y, m, d);
}

long ho_days_between(const char *a, const char *b)
{
    return day_number(b) - day_number(a);
}

int ho_before_today(const ho_records *r, const char *date)
{
    return date && strncmp(date, r->today, 10) < 0;
}

/* ---- professionals and the care team ------------------------------------- */

ho_role ho_role_of(const ho_res *pr)
{
    if (!pr || strcmp(pr->type, "PractitionerRole") != 0)
        return HO_ROLE_OTHER;
    for (const fhir_node *s = fhir_node_child(pr->node, "specialty"); s; s = fhir_node_next_same(s)) {
        const char *code = ho_code(s, SYS_UZI_ROLE);
        if (!code)
            continue;
        if (strcmp(code, "01.015") == 0 || strcmp(code, "01.004") == 0)
            return HO_ROLE_HUISARTS;
        if (strcmp(code, "01.047") == 0)
            return HO_ROLE_SO;
        if (strcmp(code, "01.056") == 0)
            return HO_ROLE_AVG;
        if (strcmp(code, "25.000") == 0 || strcmp(code, "25.061") == 0 ||
            strcmp(code, "25.063") == 0 || strcmp(code, "31.000") == 0)
            return HO_ROLE_GEDRAGSKUNDIGE;
        if (strncmp(code, "30.", 3) == 0)
            return HO_ROLE_NURSE;
    }
    return HO_ROLE_OTHER;
}

const char *ho_role_name_nl(ho_role role)
{
    switch (role) {
    case HO_ROLE_HUISARTS: return "huisarts";
    case HO_ROLE_SO: return "specialist ouderengeneeskunde";
    case HO_ROLE_AVG: return "arts verstandelijk gehandicapten";
    case HO_ROLE_GEDRAGSKUNDIGE: return "gedragskundige";
    case HO_ROLE_NURSE: return "verpleegkundige";
    default: return "zorgverlener";
    }
}

int ho_participant_has_role(const fhir_node *participant, const char *care_role)
{
    for (const fhir_node *r = fhir_node_child(participant, "role"); r; r = fhir_node_next_same(r))
        if (ho_has_code(r, SYS_CARE_ROLE, care_role))
            return 1;
    return 0;
}

int ho_participant_current(const ho_records *r, const fhir_node *participant)
{
    const char *end = ho_value(participant, "period.end");
    return !end || !ho_before_today(r, end);
}

/* ---- the index ---------------------------------------------------------- */

/* urn:uuid:… from SHA-256 of a name: stable for the same name, RFC 4122
 * layout with version 8 (name-based, custom hash). */
const char *ho_uuid(fhir_arena *a, const char *name)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!name) /* the name could not be made: out of memory */
        return NULL;
    if (!EVP_Digest(name, strlen(name), md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x80);
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
    return fhir_arena_printf(a,
                             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                             "%02x%02x%02x%02x%02x%02x",
                             md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9],
                             md[10], md[11], md[12], md[13], md[14], md[15]);
}

int ho_load(ho_records *r, fhir_arena *a, const fhir_node *bundle, const handover_options *opt)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    r->bundle = bundle;
    r->review_days = opt && opt->review_days ? opt->review_days : 365;
    if (opt && opt->now) {
        r->now = opt->now;
    } else {
        char buf[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        r->now = fhir_arena_strdup(a, buf);
    }
    if (!r->now)
        return FHIR_E_NOMEM;
    snprintf(r->today, sizeof r->today, "%.10s", r->now);

    size_t n = 0;
    for (const fhir_node *e = fhir_node_child(bundle, "entry"); e; e = fhir_node_next_same(e))
        n++;
    r->res = fhir_arena_zalloc(a, (n ? n : 1) * sizeof *r->res);
    if (!r->res)
        return FHIR_E_NOMEM;
    for (fhir_node *e = fhir_node_child(bundle, "entry"); e; e = fhir_node_next_same(e)) {
        fhir_node *res = fhir_node_child(e, "resource");
        const char *type = res ? fhir_node_resource_type(res) : NULL;
        if (!type)
            continue;
        ho_res *h = &r->res[r->count++];
        h->node = res;
        h->entry = e;
        h->type = type;
        h->id = fhir_node_child_value(res, "id");
        h->full_url = fhir_node_child_value(e, "fullUrl");
        if (h->full_url && strncmp(h->full_url, "urn:uuid:", 9) == 0)
            h->doc_url = h->full_url;
        else
            h->doc_url = ho_uuid(a, h->id ? fhir_arena_printf(a, "%s/%s", type, h->id)
                                          : h->full_url ? h->full_url
                                                        : fhir_arena_printf(a, "entry-%zu", r->count));
        if (!h->doc_url)
            return FHIR_E_NOMEM;
        if (strcmp(type, "Patient") == 0) {
            r->patients++;
            r->patient = r->patients == 1 ? h : NULL;
        } else if (strcmp(type, "CareTeam") == 0) {
            r->careteams++;
            r->careteam = r->careteams == 1 ? h : NULL;
        }
    }
    if (r->patients != 1)
        r->patient = NULL;
    if (r->careteams != 1)
        r->careteam = NULL;
    if (r->patient) {
        r->sector = ho_code(ho_path(ho_ext(r->patient->node, EXT_SECTOR), "valueCoding"),
                            MGZ_BASE "/CodeSystem/wlz-sector");
        r->delivery = ho_code(ho_path(ho_ext(r->patient->node, EXT_DELIVERY), "valueCoding"),
                              MGZ_BASE "/CodeSystem/wlz-delivery-form");
    }
    return fhir_arena_failed(a) ? FHIR_E_NOMEM : 0;
}

static int has_identifier(const fhir_node *res, const char *system, size_t slen,
                          const char *value)
{
    for (const fhir_node *i = fhir_node_child(res, "identifier"); i; i = fhir_node_next_same(i)) {
        const char *s = fhir_node_child_value(i, "system");
        const char *v = fhir_node_child_value(i, "value");
        if (s && v && strlen(s) == slen && strncmp(s, system, slen) == 0 && strcmp(v, value) == 0)
            return 1;
    }
    return 0;
}

ho_res *ho_resolve(const ho_records *r, const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    for (size_t i = 0; i < r->count; i++)
        if ((r->res[i].full_url && strcmp(r->res[i].full_url, ref) == 0) ||
            strcmp(r->res[i].doc_url, ref) == 0)
            return &r->res[i];
    const char *q = strchr(ref, '?');
    if (q) { /* Type?identifier=system|value (the '|' may be escaped as %7C) */
        size_t tlen = (size_t)(q - ref);
        const char *arg = q + 1;
        if (strncmp(arg, "identifier=", 11) != 0)
            return NULL;
        arg += 11;
        const char *bar = strchr(arg, '|');
        size_t skip = 1;
        if (!bar && (bar = strstr(arg, "%7C")) != NULL)
            skip = 3;
        if (!bar)
            return NULL;
        for (size_t i = 0; i < r->count; i++)
            if (strlen(r->res[i].type) == tlen && strncmp(r->res[i].type, ref, tlen) == 0 &&
                has_identifier(r->res[i].node, arg, (size_t)(bar - arg), bar + skip))
                return &r->res[i];
        return NULL;
    }
    /* Type/id, possibly at the end of an absolute URL */
    for (size_t i = 0; i < r->count; i++) {
        const ho_res *h = &r->res[i];
        if (!h->id)
            continue;
        size_t tl = strlen(h->type), il = strlen(h->id), rl = strlen(ref);
        if (rl < tl + il + 1)
            continue;
        const char *tail = ref + rl - (tl + il + 1);
        if (strncmp(tail, h->type, tl) == 0 && tail[tl] == '/' && strcmp(tail + tl + 1, h->id) == 0 &&
            (tail == ref || tail[-1] == '/'))
            return (ho_res *)h;
    }
    return NULL;
}

ho_res *ho_ref(const ho_records *r, const fhir_node *reference)
{
    return reference ? ho_resolve(r, fhir_node_child_value(reference, "reference")) : NULL;
}

/* The URA of an Organization record, or NULL. */
static const char *organisation_ura(const ho_res *org)
{
    if (!org || strcmp(org->type, "Organization") != 0)
        return NULL;
    for (const fhir_node *i = fhir_node_child(org->node, "identifier"); i;
         i = fhir_node_next_same(i)) {
        const char *sys = fhir_node_child_value(i, "system");
        if (sys && strcmp(sys, SYS_URA) == 0)
            return fhir_node_child_value(i, "value");
    }
    return NULL;
}

static int add_ura(fhir_arena *a, const char ***uras, size_t *n, size_t *cap, const char *ura)
{
    if (!ura)
        return 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*uras)[i], ura) == 0)
            return 0;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        const char **u = fhir_arena_alloc(a, c * sizeof *u);
        if (!u)
            return FHIR_E_NOMEM;
        if (*n)
            memcpy(u, *uras, *n * sizeof *u);
        *uras = u;
        *cap = c;
    }
    (*uras)[(*n)++] = ura;
    return 0;
}

int handover_team_organisations(fhir_arena *a, const fhir_node *records, const char ***uras,
                                size_t *count)
{
    ho_records r;
    size_t cap = 0;
    *uras = NULL;
    *count = 0;
    if (ho_load(&r, a, records, NULL) != 0)
        return FHIR_E_NOMEM;
    if (!r.careteam)
        return 0;
    const fhir_node *team = r.careteam->node;
    int rc = 0;
    for (const fhir_node *m = fhir_node_child(team, "managingOrganization"); m && !rc;
         m = fhir_node_next_same(m))
        rc = add_ura(a, uras, count, &cap, organisation_ura(ho_ref(&r, m)));
    for (const fhir_node *p = fhir_node_child(team, "participant"); p && !rc;
         p = fhir_node_next_same(p)) {
        ho_res *member = ho_ref(&r, fhir_node_child(p, "member"));
        if (member && strcmp(member->type, "PractitionerRole") == 0)
            member = ho_ref(&r, fhir_node_child(member->node, "organization"));
        rc = add_ura(a, uras, count, &cap, organisation_ura(member));
        if (!rc)
            rc = add_ura(a, uras, count, &cap,
                         organisation_ura(ho_ref(&r, fhir_node_child(p, "onBehalfOf"))));
    }
    return rc;
}
