/*
 * worker.c — the one shape of the server's own threads (the access log's
 * flusher, the request deadline watcher, the writer): a loop that waits on
 * a condition for work, a period or the stop, with the lock the thread
 * shares with the rest of the server.
 */
#include <time.h>

#include "server.h"

int srv_worker_start(srv_worker *w, void *(*run)(void *), void *arg)
{
    w->stop = 0;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, run, arg) == 0)
        return 0;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    return -1;
}

void srv_worker_stop(srv_worker *w)
{
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
}

void srv_worker_wait(srv_worker *w, long ms)
{
    if (ms <= 0) {
        pthread_cond_wait(&w->wake, &w->lock);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&w->wake, &w->lock, &until);
}
