/*
 * store.c — what every storage backend shares: freeing the versions they
 * hand out (store.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

void srv_version_free(srv_version *v)
{
    if (!v)
        return;
    free(v->type);
    free(v->id);
    free(v->last_modified);
    free(v->json);
    free(v->etag);
    memset(v, 0, sizeof *v);
}
