/*
 * negotiate.c — which FHIR format a response takes (`_format`, then Accept)
 * and which format a request body has (Content-Type). FHIR R4 §3.1.0.1.7:
 * `_format` overrides Accept; both take the FHIR mime types, the plain
 * xml/json ones and the short forms `xml` and `json`.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

static const char *const mime[] = {
    [SRV_FMT_JSON] = "application/fhir+json; charset=utf-8",
    [SRV_FMT_XML] = "application/fhir+xml; charset=utf-8",
    [SRV_FMT_HTML] = "text/html; charset=utf-8",
};

const char *srv_format_mime(srv_format f)
{
    return mime[f];
}

fhir_format srv_format_fhir(srv_format f)
{
    return f == SRV_FMT_XML ? FHIR_FORMAT_XML : FHIR_FORMAT_JSON;
}

/* A media type (no parameters, already trimmed) as a format; -1 unknown,
 * -2 for a wildcard that takes anything. */
static int media_format(const char *s, size_t n)
{
    static const struct {
        const char *name;
        int fmt;
    } known[] = {
        {"application/fhir+json", SRV_FMT_JSON}, {"application/json", SRV_FMT_JSON},
        {"json", SRV_FMT_JSON},                  {"application/json+fhir", SRV_FMT_JSON},
        {"application/fhir+xml", SRV_FMT_XML},   {"application/xml", SRV_FMT_XML},
        {"text/xml", SRV_FMT_XML},               {"xml", SRV_FMT_XML},
        {"application/xml+fhir", SRV_FMT_XML},   {"text/html", SRV_FMT_HTML},
        {"html", SRV_FMT_HTML},                  {"*/*", -2},
        {"application/*", -2},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == n && strncasecmp(known[i].name, s, n) == 0)
            return known[i].fmt;
    return -1;
}

/* Trims blanks around s[0..*n). */
static const char *trim(const char *s, size_t *n)
{
    while (*n && (*s == ' ' || *s == '\t')) {
        s++;
        (*n)--;
    }
    while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
        (*n)--;
    return s;
}

/* The q value of an Accept element's parameters ("; q=0.5"), 1 without one. */
static double q_value(const char *params, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=' &&
            (i == 0 || params[i - 1] == ';' || params[i - 1] == ' '))
            return strtod(params + i + 2, NULL);
    }
    return 1.0;
}

/* The best format an Accept header allows: -1 none, -2 anything. */
static int accept_format(const char *accept, int html_ok)
{
    int best = -1;
    double best_q = 0;
    const char *p = accept;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *semi = memchr(p, ';', len);
        size_t type_len = semi ? (size_t)(semi - p) : len;
        const char *t = trim(p, &type_len);
        double q = semi ? q_value(semi, len - (size_t)(semi - p)) : 1.0;
        int f = media_format(t, type_len);
        if (f == SRV_FMT_HTML && !html_ok)
            f = -1;
        if (f != -1 && q > 0 && q > best_q) {
            best = f;
            best_q = q;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return best;
}

int srv_negotiate(struct MHD_Connection *c, srv_format fallback, int html_ok, srv_format *out)
{
    *out = fallback;
    const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "_format");
    if (f) {
        size_t n = strcspn(f, ";");
        const char *t = trim(f, &n);
        int fmt = media_format(t, n);
        if (fmt == -1 || (fmt == SRV_FMT_HTML && !html_ok))
            return -1;
        if (fmt >= 0)
            *out = (srv_format)fmt;
        return 0;
    }
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    if (!accept || !*accept)
        return 0;
    int fmt = accept_format(accept, html_ok);
    if (fmt == -1)
        return -1;
    if (fmt >= 0)
        *out = (srv_format)fmt;
    return 0;
}

int srv_body_format(const char *content_type, srv_format *out)
{
    if (!content_type)
        return -1;
    size_t len = strlen(content_type);
    const char *semi = strchr(content_type, ';');
    size_t n = semi ? (size_t)(semi - content_type) : len;
    const char *t = trim(content_type, &n);
    int fmt = media_format(t, n);
    if (fmt < 0 || fmt == SRV_FMT_HTML || n <= 4) /* not a wildcard, HTML or the short forms */
        return -1;
    if (semi) {
        /* only UTF-8: FHIR requires it, and the readers check it */
        const char *cs = NULL;
        for (const char *q = semi; *q && !cs; q++)
            if (strncasecmp(q, "charset=", 8) == 0)
                cs = q;
        if (cs) {
            cs += 8;
            if (*cs == '"')
                cs++;
            if (strncasecmp(cs, "utf-8", 5) != 0)
                return -1;
        }
    }
    *out = (srv_format)fmt;
    return 0;
}
