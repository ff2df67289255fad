/*
 * bundle.h — searchset and history Bundles from stored versions.
 */
#ifndef SRV_BUNDLE_H
#define SRV_BUNDLE_H

#include "server.h"

/* A Bundle of `type` ("searchset", "history") with a fresh id. */
fhir_node *srv_bundle_new(srv_request *r, const char *type);
/* Adds an entry for a stored version: the resource when v->json is set,
 * search.mode when `mode`, request/response when `history`. 0 or -1. */
int srv_bundle_add(srv_request *r, fhir_node *bundle, const srv_version *v, const char *mode,
                   int history);
int srv_bundle_total(srv_request *r, fhir_node *bundle, size_t total);

#endif
