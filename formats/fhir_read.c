/*
 * fhir_read.c — reading a resource whose format is not known in advance,
 * and writing one in a chosen format.
 */
#include "fhir.h"

const fhir_limits fhir_default_limits = {.max_bytes = 8u * 1024 * 1024, .max_depth = 100};

fhir_format fhir_detect_format(const char *buf, size_t len)
{
    size_t i = 0;
    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF)
        i = 3;
    for (; i < len; i++) {
        char c = buf[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '<' ? FHIR_FORMAT_XML : c == '{' ? FHIR_FORMAT_JSON : FHIR_FORMAT_UNKNOWN;
    }
    return FHIR_FORMAT_UNKNOWN;
}

fhir_node *fhir_read(fhir_arena *a, const char *buf, size_t len, const fhir_limits *lim,
                     fhir_outcome *o)
{
    switch (fhir_detect_format(buf, len)) {
    case FHIR_FORMAT_XML:
        return fhir_read_xml(a, buf, len, lim, o);
    case FHIR_FORMAT_JSON:
        return fhir_read_json(a, buf, len, lim, o);
    default:
        fhir_outcome_add(o, FHIR_SEV_FATAL, "structure", NULL, 0, 0, "%s",
                         "input is neither FHIR XML nor FHIR JSON");
        return NULL;
    }
}

int fhir_write(const fhir_node *root, fhir_format f, fhir_buf *out, unsigned flags)
{
    switch (f) {
    case FHIR_FORMAT_XML:
        return fhir_write_xml(root, out, flags);
    case FHIR_FORMAT_JSON:
        return fhir_write_json(root, out, flags);
    default:
        return FHIR_E_INVALID;
    }
}
