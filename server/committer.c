/*
 * committer.c — the writer thread: group commit for every write request.
 *
 * A write (transaction, update, create) is handed here with its connection
 * suspended, so libmicrohttpd's threads never wait for the writer lock, a
 * build or an fsync and go on answering reads. The thread takes every write
 * waiting (at most SRV__GROUP_MAX), runs their handlers one after another
 * as parts of one store transaction (publish.h: a refused write is undone
 * alone), commits once — one fsync for the group — and only then answers
 * each: the group's access-log records first (one fdatasync), then the
 * response each prepared, or an error in place of a 2xx when the commit
 * failed. Writes wait for each other
 * only as long as one group takes; a lone write is a group of one.
 */
#include <stdlib.h>
#include <time.h>

#include "audit.h"
#include "publish.h"

#define SRV__GROUP_MAX 64

typedef struct job {
    srv_request *r;
    srv_handler handler;
    struct job *next;
} job;

struct srv_committer {
    srv_server *s;
    srv_worker w;       /* its lock guards the queue */
    job *head, **tail;
    int deferred;       /* the writer's store handle leaves upkeep to `upkeep` */
    srv_worker upkeep;  /* its lock guards `due` */
    int due;            /* groups committed since the last upkeep */
};

/* Answers every job of a group whose commit failed: no 2xx may go out. */
static void fail_group(job *jobs, int store_rc)
{
    for (job *j = jobs; j; j = j->next) {
        if (j->r->status >= 400)
            continue; /* its own refusal stands: it wrote nothing */
        if (store_rc == SRV_E_BUSY)
            srv_fail(j->r, MHD_HTTP_SERVICE_UNAVAILABLE, "transient",
                     "the store is busy; nothing was stored, try again",
                     "de opslag is bezet; er is niets opgeslagen, probeer opnieuw");
        else
            srv_fail(j->r, MHD_HTTP_INTERNAL_SERVER_ERROR, "exception",
                     "the store could not make the write durable; nothing was stored",
                     "de opslag kon de wijziging niet vastleggen; er is niets opgeslagen");
    }
}

static void run_group(srv_committer *c, job *jobs)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned n = 0;
    for (job *j = jobs; j; j = j->next)
        n++;
    srv_pub_group g;
    srv_store *st = srv_thread_store(c->s);
    if (st && !c->deferred)
        c->deferred = srv_store_defer_upkeep(st) == 0;
    int rc = srv_pub_group_begin(&g, st);
    if (rc == 0) {
        for (job *j = jobs; j; j = j->next)
            (void)j->handler(j->r); /* its answer is held until the commit */
        rc = srv_pub_group_commit(&g, c->s->docs);
    }
    if (rc)
        fail_group(jobs, rc);
    for (job *j = jobs; j; j = j->next)
        if (j->r->audit.patient_data)
            srv_audit_request_unsynced(c->s->audit, j->r);
    srv_audit_sync(c->s->audit); /* the group's records durable: one fdatasync */
    pthread_mutex_lock(&c->upkeep.lock);
    c->due++;
    pthread_cond_signal(&c->upkeep.wake);
    pthread_mutex_unlock(&c->upkeep.lock);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    srv_log(rc ? "error" : "info", "group-commit", "writes=%u us=%ld%s", n,
            (long)(t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000,
            rc ? " outcome=failed" : "");
    for (job *j = jobs, *next; j; j = next) {
        next = j->next; /* j lives in the request's arena */
        MHD_resume_connection(j->r->conn); /* MHD calls back and sends the held answer */
    }
}

static void *commit_loop(void *arg)
{
    srv_committer *c = arg;
    pthread_mutex_lock(&c->w.lock);
    for (;;) {
        while (!c->head && !c->w.stop)
            srv_worker_wait(&c->w, 0);
        if (!c->head)
            break; /* stopping, and nothing waits */
        job *group = c->head, *last = group;
        for (unsigned n = 1; n < SRV__GROUP_MAX && last->next; n++)
            last = last->next;
        c->head = last->next;
        if (!c->head)
            c->tail = &c->head;
        last->next = NULL;
        pthread_mutex_unlock(&c->w.lock);
        run_group(c, group);
        pthread_mutex_lock(&c->w.lock);
    }
    pthread_mutex_unlock(&c->w.lock);
    return NULL;
}

/* The upkeep thread: after groups, on its own store handle. */
static void *upkeep_loop(void *arg)
{
    srv_committer *c = arg;
    pthread_mutex_lock(&c->upkeep.lock);
    while (!c->upkeep.stop || c->due) {
        if (!c->due) {
            srv_worker_wait(&c->upkeep, 1000);
            continue;
        }
        c->due = 0;
        pthread_mutex_unlock(&c->upkeep.lock);
        srv_store *st = srv_thread_store(c->s);
        int rc = st ? srv_store_upkeep(st) : SRV_E_IO;
        if (rc)
            srv_log("warn", "store-upkeep", "rc=%d", rc);
        pthread_mutex_lock(&c->upkeep.lock);
    }
    pthread_mutex_unlock(&c->upkeep.lock);
    return NULL;
}

srv_committer *srv_committer_start(srv_server *s)
{
    srv_committer *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = s;
    c->tail = &c->head;
    if (srv_worker_start(&c->upkeep, upkeep_loop, c) != 0) {
        free(c);
        return NULL;
    }
    if (srv_worker_start(&c->w, commit_loop, c) != 0) {
        srv_worker_stop(&c->upkeep);
        free(c);
        return NULL;
    }
    return c;
}

void srv_committer_stop(srv_committer *c)
{
    if (!c)
        return;
    srv_worker_stop(&c->w); /* every write handed over is answered first */
    srv_worker_stop(&c->upkeep); /* and the upkeep they made due is done */
    free(c);
}

enum MHD_Result srv_committer_submit(srv_committer *c, srv_request *r, srv_handler handler)
{
    job *j = fhir_arena_zalloc(r->a, sizeof *j);
    if (!j)
        return srv_queue(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    j->r = r;
    j->handler = handler;
    r->deferred = 1; /* srv_queue holds the answer from now on */
    MHD_suspend_connection(r->conn);
    pthread_mutex_lock(&c->w.lock);
    *c->tail = j;
    c->tail = &j->next;
    pthread_cond_signal(&c->w.wake);
    pthread_mutex_unlock(&c->w.lock);
    return MHD_YES;
}
