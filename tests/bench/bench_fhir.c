/*
 * bench_fhir.c — throughput of the FHIR library on one document: read +
 * validate and write, in XML and in JSON, on one core.
 *
 * usage: bench_fhir [--seconds S] FILE
 *
 * For each format it converts FILE to that format once, then repeats for
 * about S seconds (default 2) each: read+validate (fresh arena per document,
 * as the server does per request), write. Prints MB/s and documents/s, the
 * arena bytes one document needs, and the process's peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "fhir.h"

typedef struct result {
    double read_mbs, read_docs, write_mbs, write_docs;
    size_t arena_bytes, doc_bytes;
} result;

static int bench_format(const char *in, size_t in_len, fhir_format f, double seconds, result *r)
{
    /* the document in this format */
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *root = fhir_read(a, in, in_len, NULL, &o);
    if (!root)
        return -1;
    fhir_buf doc;
    fhir_buf_init(&doc, 0);
    fhir_write(root, f, &doc, 0);
    fhir_arena_free(a);
    r->doc_bytes = doc.len;

    unsigned long n = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < 50; k++) {
            fhir_arena *pa = fhir_arena_new(0);
            fhir_outcome po;
            fhir_outcome_init(&po, pa);
            fhir_node *pr = f == FHIR_FORMAT_XML ? fhir_read_xml(pa, doc.data, doc.len, NULL, &po)
                                                 : fhir_read_json(pa, doc.data, doc.len, NULL, &po);
            if (!pr || fhir_validate(pr, &po) != 0) {
                fprintf(stderr, "the benchmark document has errors\n");
                return -1;
            }
            r->arena_bytes = fhir_arena_used(pa);
            fhir_arena_free(pa);
            n++;
        }
        t = now() - t0;
    } while (t < seconds);
    r->read_docs = (double)n / t;
    r->read_mbs = r->read_docs * (double)doc.len / 1e6;

    a = fhir_arena_new(0);
    fhir_outcome_init(&o, a);
    root = fhir_read(a, doc.data, doc.len, NULL, &o);
    fhir_buf out;
    fhir_buf_init(&out, 0);
    n = 0;
    t0 = now();
    do {
        for (int k = 0; k < 50; k++) {
            out.len = 0;
            fhir_write(root, f, &out, 0);
            n++;
        }
        t = now() - t0;
    } while (t < seconds);
    r->write_docs = (double)n / t;
    r->write_mbs = r->write_docs * (double)out.len / 1e6;
    fhir_buf_free(&out);
    fhir_buf_free(&doc);
    fhir_arena_free(a);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 2;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: bench_fhir [--seconds S] FILE\n");
        return 2;
    }
    size_t len;
    char *in = slurp(path, &len);
    if (!in) {
        perror(path);
        return 2;
    }
    printf("| format | document | read+validate MB/s | docs/s | write MB/s | docs/s | arena per doc |\n");
    printf("|---|---|---|---|---|---|---|\n");
    const fhir_format formats[] = {FHIR_FORMAT_XML, FHIR_FORMAT_JSON};
    for (int i = 0; i < 2; i++) {
        result r = {0};
        if (bench_format(in, len, formats[i], seconds, &r) != 0)
            return 1;
        printf("| %s | %.1f KB | %.0f | %.0f | %.0f | %.0f | %.0f KB |\n",
               formats[i] == FHIR_FORMAT_XML ? "XML" : "JSON", r.doc_bytes / 1024.0, r.read_mbs,
               r.read_docs, r.write_mbs, r.write_docs, r.arena_bytes / 1024.0);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("\npeak RSS of the whole run: %.1f MB\n", ru.ru_maxrss / 1024.0);
    free(in);
    return 0;
}
