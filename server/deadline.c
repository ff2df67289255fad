/*
 * deadline.c — a request must arrive in full within `timeout` seconds of its
 * connection opening or of the previous answer on it.
 *
 * libmicrohttpd 0.9.75 times out idle connections only: a client that sends
 * one byte a second is never idle and would hold its connection (and a
 * thread's attention) forever. A watcher thread looks at the open
 * connections twice a second and shuts down the socket of one whose request
 * is late; libmicrohttpd then sees the end of the stream and closes the
 * connection the usual way. The clock stops while a request is handled and
 * answered (the idle timeout covers a client that does not read).
 *
 * The watcher holds the list's lock while it shuts a socket down, and a
 * connection leaves the list (srv_deadline_forget, on MHD's "closed"
 * notification) before MHD closes its socket, so the descriptor cannot
 * belong to another connection by then.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "server.h"

struct srv_deadlines {
    srv_worker w;       /* its lock guards the list */
    long timeout_ms;
    srv_deadline *head; /* the connections being watched */
};

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Shuts down every late connection; returns how many. Caller holds the lock. */
static unsigned cut_late(srv_deadlines *d, long now)
{
    unsigned n = 0;
    for (srv_deadline *k = d->head; k; k = k->next) {
        long due = atomic_load(&k->due_ms);
        if (due == 0 || now < due)
            continue;
        atomic_store(&k->due_ms, 0); /* once */
        shutdown(k->fd, SHUT_RDWR);
        n++;
    }
    return n;
}

static void *watch(void *arg)
{
    srv_deadlines *d = arg;
    pthread_mutex_lock(&d->w.lock);
    while (!d->w.stop) {
        unsigned n = cut_late(d, now_ms());
        if (n) {
            pthread_mutex_unlock(&d->w.lock);
            srv_log("warn", "deadline", "closed=%u reason=\"request not complete within %ld s\"",
                    n, d->timeout_ms / 1000);
            pthread_mutex_lock(&d->w.lock);
        }
        srv_worker_wait(&d->w, 500);
    }
    pthread_mutex_unlock(&d->w.lock);
    return NULL;
}

srv_deadlines *srv_deadlines_start(unsigned timeout_s)
{
    srv_deadlines *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->timeout_ms = (long)timeout_s * 1000L;
    if (srv_worker_start(&d->w, watch, d) != 0) {
        free(d);
        return NULL;
    }
    return d;
}

void srv_deadlines_stop(srv_deadlines *d)
{
    if (!d)
        return;
    srv_worker_stop(&d->w);
    free(d);
}

void srv_deadline_watch(srv_deadlines *d, srv_deadline *k, int fd)
{
    k->fd = fd;
    k->prev = NULL;
    atomic_store(&k->due_ms, now_ms() + d->timeout_ms);
    pthread_mutex_lock(&d->w.lock);
    k->next = d->head;
    if (d->head)
        d->head->prev = k;
    d->head = k;
    pthread_mutex_unlock(&d->w.lock);
    k->watched = 1;
}

void srv_deadline_forget(srv_deadlines *d, srv_deadline *k)
{
    if (!k->watched)
        return;
    pthread_mutex_lock(&d->w.lock);
    if (k->prev)
        k->prev->next = k->next;
    else
        d->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    pthread_mutex_unlock(&d->w.lock);
    k->watched = 0;
}

void srv_deadline_stop_clock(srv_deadline *k)
{
    atomic_store(&k->due_ms, 0);
}

void srv_deadline_restart_clock(const srv_deadlines *d, srv_deadline *k)
{
    if (k->watched)
        atomic_store(&k->due_ms, now_ms() + d->timeout_ms);
}
