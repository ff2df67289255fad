/*
 * log.c — structured log lines on standard error, one event a line:
 *   ts=2026-11-23T03:00:00.123Z level=info event=request method=GET …
 * Callers put no patient data in them (no URLs, ids or identifiers): the
 * access log of issue NEN 7513 is a separate, protected record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "server.h"

void srv_log(const char *level, const char *event, const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char line[1024];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level, event);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    if (fmt && *fmt) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
        if (m < 0)
            return;
        n = (size_t)m >= sizeof line - (size_t)n ? (int)sizeof line - 1 : n + m;
    }
    line[n] = '\n';
    /* one write per line, so lines from several threads never interleave */
    fwrite(line, 1, (size_t)n + 1, stderr);
}
