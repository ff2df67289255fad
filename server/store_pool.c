/*
 * store_pool.c — one store handle per thread. A srv_store may be used by one
 * thread at a time (store.h), and MHD runs requests on its pool threads, so
 * each thread opens its own handle on first use and keeps it. The handles
 * are listed so that srv_store_pool_close can close them after the daemon
 * stopped.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "server.h"

#define SRV__MAX_HANDLES 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char path[600];
static srv_store *handles[SRV__MAX_HANDLES];
static size_t count;
static _Thread_local srv_store *mine;

int srv_store_pool_open(const srv_config *c)
{
    snprintf(path, sizeof path, "%.500s/handover.db", c->data_dir);
    srv_store *s = NULL;
    int rc = srv_store_open_sqlite(path, &s); /* creates the schema before any thread runs */
    if (rc == 0) {
        pthread_mutex_lock(&lock);
        handles[count++] = mine = s;
        pthread_mutex_unlock(&lock);
    }
    return rc;
}

srv_store *srv_thread_store(const srv_server *srv)
{
    (void)srv;
    if (mine)
        return mine;
    srv_store *s = NULL;
    if (srv_store_open_sqlite(path, &s) != 0)
        return NULL;
    pthread_mutex_lock(&lock);
    if (count == SRV__MAX_HANDLES) {
        pthread_mutex_unlock(&lock);
        srv_store_close(s);
        return NULL;
    }
    handles[count++] = s;
    pthread_mutex_unlock(&lock);
    return mine = s;
}

void srv_store_pool_close(void)
{
    pthread_mutex_lock(&lock);
    while (count > 0)
        srv_store_close(handles[--count]);
    mine = NULL;
    pthread_mutex_unlock(&lock);
}
