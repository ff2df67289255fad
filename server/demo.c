/*
 * demo.c — `--demo`: loads the demo patients (the valid handover fixtures,
 * transaction Bundles in JSON) into an empty store through the same
 * transaction path a publisher's POST takes, as the demo institution.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "publish.h"

static int load_file(srv_server *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fhir_arena *a = fhir_arena_new(0);
    srv_request *r = a ? fhir_arena_zalloc(a, sizeof *r) : NULL;
    int rc = -1;
    if (!r)
        goto out;
    r->a = a;
    r->srv = s;
    r->route = "demo";
    fhir_buf b;
    fhir_buf_init(&b, s->cfg->max_body);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fhir_buf_add(&b, chunk, got);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *bundle = b.len ? fhir_read(a, b.data, b.len, NULL, &o) : NULL;
    fhir_node *resp;
    if (bundle && srv_transaction_run(r, bundle, 1, &o, &resp) == 0)
        rc = 0;
    else
        for (const fhir_issue *i = o.first; i; i = i->next)
            if (i->severity <= FHIR_SEV_ERROR)
                fprintf(stderr, "handoverd: demo %s: %s %s\n", path, i->rule ? i->rule : "",
                        i->message);
    fhir_buf_free(&b);
out:
    fhir_arena_free(a);
    fclose(f);
    return rc;
}

int srv_demo_load(srv_server *s, unsigned *loaded)
{
    *loaded = 0;
    srv_store *st = srv_thread_store(s);
    int empty = 0;
    /* only into an empty store: a restart with --demo changes nothing */
    if (!st || srv_store_is_empty(st, &empty) != 0)
        return -1;
    if (!empty)
        return 0;
    DIR *d = opendir(s->cfg->demo_dir);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    char path[1200];
    char *names[256];
    size_t count = 0;
    while ((e = readdir(d)) != NULL && count < 256) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
            names[count++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < count; i++) {
        if (names[i]) {
            snprintf(path, sizeof path, "%s/%s", s->cfg->demo_dir, names[i]);
            if (load_file(s, path) == 0)
                (*loaded)++;
            else
                rc = -1;
        }
        free(names[i]);
    }
    return rc;
}
