/*
 * config.c — handoverd's one configuration file and its defaults.
 *
 * The file has `key = value` lines; '#' starts a comment. The same keys
 * are the long command-line options (`--port 8443` sets `port`), which win
 * over the file. Every key is in srv_config_set's table, with its limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

void srv_config_defaults(srv_config *c, const char *source_dir)
{
    memset(c, 0, sizeof *c);
    snprintf(c->pki_dir, sizeof c->pki_dir, "%s/certs/dev", source_dir);
    snprintf(c->data_dir, sizeof c->data_dir, "data");
    snprintf(c->profile_dir, sizeof c->profile_dir, "%s/formats/profile", source_dir);
    snprintf(c->demo_dir, sizeof c->demo_dir, "%s/fixtures/handover/valid", source_dir);
    copy(c->bind, sizeof c->bind, "127.0.0.1");
    c->port = 8443;
    c->threads = 2;
    c->max_connections = 1000;
    c->per_ip_connections = 0; /* no limit: a HAP system may open many */
    c->timeout_s = 30;
    c->max_body = 8u * 1024 * 1024;
    c->review_days = 365;
    c->cache_entries = 10000;
    c->cache_mb = 32;
}

/* An unsigned number in [lo, hi]; -1 when not. */
static int number(const char *v, unsigned long long lo, unsigned long long hi,
                  unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!*v || *v == '-')
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

int srv_config_set(srv_config *c, const char *key, const char *v, char *err, size_t errlen)
{
    struct {
        const char *key;
        char *str;
        size_t size;
    } paths[] = {
        {"pki", c->pki_dir, sizeof c->pki_dir},
        {"trust", c->trust_file, sizeof c->trust_file},
        {"cert", c->cert_file, sizeof c->cert_file},
        {"key", c->key_file, sizeof c->key_file},
        {"access", c->access_file, sizeof c->access_file},
        {"audit", c->audit_file, sizeof c->audit_file},
        {"sign-key", c->sign_key, sizeof c->sign_key},
        {"sign-cert", c->sign_cert, sizeof c->sign_cert},
        {"data", c->data_dir, sizeof c->data_dir},
        {"profiles", c->profile_dir, sizeof c->profile_dir},
        {"demo-dir", c->demo_dir, sizeof c->demo_dir},
        {"base-url", c->base_url, sizeof c->base_url},
        {"bind", c->bind, sizeof c->bind},
    };
    struct {
        const char *key;
        unsigned long long lo, hi;
        int size_t_field;
        void *field;
    } nums[] = {
        {"port", 1, 65535, 0, &c->port},
        {"threads", 1, 64, 0, &c->threads},
        {"max-connections", 1, 100000, 0, &c->max_connections},
        {"per-ip-connections", 0, 100000, 0, &c->per_ip_connections},
        {"timeout", 1, 3600, 0, &c->timeout_s},
        {"max-body", 1024, 256ull * 1024 * 1024, 1, &c->max_body},
        {"review-days", 1, 36500, 0, &c->review_days},
        {"cache-entries", 0, 10000000, 0, &c->cache_entries},
        {"cache-mb", 0, 1000000, 0, &c->cache_mb},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (strcmp(key, paths[i].key) != 0)
            continue;
        if (!*v || strlen(v) >= paths[i].size) {
            snprintf(err, errlen, "%s: empty or too long", key);
            return -1;
        }
        copy(paths[i].str, paths[i].size, v);
        return 0;
    }
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        unsigned long long n;
        if (strcmp(key, nums[i].key) != 0)
            continue;
        if (number(v, nums[i].lo, nums[i].hi, &n) != 0) {
            snprintf(err, errlen, "%s: not a number from %llu to %llu", key, nums[i].lo,
                     nums[i].hi);
            return -1;
        }
        if (nums[i].size_t_field)
            *(size_t *)nums[i].field = (size_t)n;
        else
            *(unsigned *)nums[i].field = (unsigned)n;
        return 0;
    }
    if (strcmp(key, "demo") == 0) {
        if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            c->demo = 1;
        else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
            c->demo = 0;
        else {
            snprintf(err, errlen, "demo: yes or no");
            return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "unknown setting '%s'", key);
    return -1;
}

static char *strip(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int srv_config_load(srv_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], why[256];
    unsigned no = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line too long", path, no);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = strip(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected key = value", path, no);
            rc = -1;
            break;
        }
        *eq = '\0';
        if (srv_config_set(c, strip(s), strip(eq + 1), why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%u: %s", path, no, why);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

void srv_config_finish(srv_config *c)
{
    if (!c->trust_file[0])
        snprintf(c->trust_file, sizeof c->trust_file, "%.490s/ca.pem", c->pki_dir);
    if (!c->cert_file[0])
        snprintf(c->cert_file, sizeof c->cert_file, "%.490s/server.pem", c->pki_dir);
    if (!c->key_file[0])
        snprintf(c->key_file, sizeof c->key_file, "%.490s/server.key", c->pki_dir);
    if (!c->access_file[0])
        snprintf(c->access_file, sizeof c->access_file, "%.490s/access.conf", c->pki_dir);
    if (!c->sign_key[0])
        snprintf(c->sign_key, sizeof c->sign_key, "%.490s/server.key", c->pki_dir);
    if (!c->sign_cert[0])
        snprintf(c->sign_cert, sizeof c->sign_cert, "%.490s/server.pem", c->pki_dir);
    if (!c->audit_file[0])
        snprintf(c->audit_file, sizeof c->audit_file, "%.490s/audit.log", c->data_dir);
    if (!c->base_url[0])
        snprintf(c->base_url, sizeof c->base_url, "https://localhost:%u/fhir", c->port);
}
