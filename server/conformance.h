/*
 * conformance.h — the CapabilityStatement, the published profile resources
 * and the resource types clients may write.
 */
#ifndef SRV_CONFORMANCE_H
#define SRV_CONFORMANCE_H

#include "server.h"

/* NULL-terminated: the record types of a handover (what publishers write). */
extern const char *const srv_record_types[];
int srv_is_record_type(const char *type);

/* Reads the profile directory and renders everything; -1 with a reason. */
int srv_conformance_load(srv_conformance **out, const srv_config *cfg, char *err, size_t errlen);
void srv_conformance_free(srv_conformance *c);
/* The ready response for type/id in format f (owned by c), or NULL. */
struct MHD_Response *srv_conformance_get(const srv_conformance *c, const char *type,
                                         const char *id, srv_format f);

#endif
