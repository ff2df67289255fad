/*
 * bench_handover.c — handover documents built per second, one core: for each
 * patient's records, read + validate + check the rules + build + write the
 * document as XML and as JSON (what the service does on every publish).
 *
 * usage: bench_handover [--seconds S] FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "fhir.h"
#include "handover.h"

/* One publish's work; returns the bytes of XML + JSON written, 0 on failure. */
static size_t build_once(const char *in, size_t len, fhir_buf *out)
{
    static const handover_options opt = {.now = "2026-11-23T12:00:00Z"};
    fhir_arena *a = fhir_arena_new(0);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, in, len, NULL, &o);
    size_t bytes = 0;
    if (records && fhir_validate(records, &o) == 0) {
        fhir_node *doc = handover_build(a, records, &opt, &o);
        if (doc) {
            out->len = 0;
            fhir_write_xml(doc, out, 0);
            bytes = out->len;
            out->len = 0;
            fhir_write_json(doc, out, 0);
            bytes += out->len;
        }
    }
    fhir_arena_free(a);
    return bytes;
}

int main(int argc, char **argv)
{
    double seconds = 1;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
        seconds = atof(argv[2]);
        first = 3;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: bench_handover [--seconds S] FILE...\n");
        return 2;
    }
    fhir_buf out;
    fhir_buf_init(&out, 0);
    double total_docs = 0, total_time = 0;
    printf("| records | input | document XML+JSON | built/s |\n|---|---|---|---|\n");
    for (int i = first; i < argc; i++) {
        size_t len;
        char *in = slurp(argv[i], &len);
        size_t bytes = in ? build_once(in, len, &out) : 0;
        if (!bytes) {
            fprintf(stderr, "%s: does not build\n", argv[i]);
            return 1;
        }
        unsigned long n = 0;
        double t0 = now(), t;
        do {
            for (int k = 0; k < 20; k++, n++)
                build_once(in, len, &out);
            t = now() - t0;
        } while (t < seconds);
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
        printf("| %s | %.1f KB | %.1f KB | %.0f |\n", name, len / 1024.0, bytes / 1024.0, n / t);
        total_docs += n;
        total_time += t;
        free(in);
    }
    printf("\nall records together: %.0f documents built per second on one core\n",
           total_docs / total_time);
    fhir_buf_free(&out);
    return 0;
}
