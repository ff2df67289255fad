/*
 * fixture_cases.h — turns a fixture directory into cmocka cases: every
 * .xml/.json under DIR/valid runs the valid test, every one under
 * DIR/invalid the invalid test, each named "valid/FILE" or "invalid/FILE",
 * in name order. A new case is a new file, not C. Include after cmocka.h.
 */
#ifndef FIXTURE_CASES_H
#define FIXTURE_CASES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static inline int fixture_case_order(const void *x, const void *y)
{
    return strcmp(((const struct CMUnitTest *)x)->name, ((const struct CMUnitTest *)y)->name);
}

/* Adds a case for every .xml/.json in dir; the case's state is its path. */
static inline size_t fixture_cases_collect(const char *dir, const char *label,
                                           CMUnitTestFunction fn, struct CMUnitTest **tests,
                                           size_t n, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return n;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with(e->d_name, ".xml") && !ends_with(e->d_name, ".json"))
            continue;
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            struct CMUnitTest *grown = realloc(*tests, *cap * sizeof **tests);
            if (!grown)
                break;
            *tests = grown;
        }
        size_t plen = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(plen);
        char *name = malloc(plen + strlen(label));
        if (!path || !name) {
            free(path);
            free(name);
            break;
        }
        snprintf(path, plen, "%s/%s", dir, e->d_name);
        snprintf(name, plen + strlen(label), "%s/%s", label, e->d_name);
        (*tests)[n++] = (struct CMUnitTest){name, fn, NULL, NULL, path};
    }
    closedir(d);
    return n;
}

/* Runs the cases of DIR/valid and DIR/invalid; fails when either is empty. */
static inline int fixture_cases_run(const char *group, const char *dir_root,
                                    CMUnitTestFunction valid, CMUnitTestFunction invalid)
{
    struct CMUnitTest *tests = NULL;
    size_t n = 0, cap = 0;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/valid", dir_root);
    n = fixture_cases_collect(dir, "valid", valid, &tests, n, &cap);
    size_t nvalid = n;
    snprintf(dir, sizeof dir, "%s/invalid", dir_root);
    n = fixture_cases_collect(dir, "invalid", invalid, &tests, n, &cap);
    if (nvalid == 0 || n == nvalid) {
        fprintf(stderr, "no valid or no invalid fixtures under %s\n", dir_root);
        free(tests);
        return 1;
    }
    qsort(tests, n, sizeof *tests, fixture_case_order);
    int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        free((void *)tests[i].name);
        free(tests[i].initial_state);
    }
    free(tests);
    return failed;
}

#endif
