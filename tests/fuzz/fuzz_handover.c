/*
 * fuzz_handover.c — libFuzzer target: a patient's records (either format)
 * through the rules and the document builder. Whatever builds must write
 * as XML and JSON, pass the handover profile check, and render as the
 * doctor's page with every text escaped. A document Bundle given as input is
 * rendered as it is (a page, or FHIR_E_INVALID; never a crash).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "handover.h"
#include "handover_html.h"

/* 1 when a tag of the page (text escapes every '<' of the input, so each '<'
 * starts one of the page's own tags) holds a script, a src, an event handler
 * or a link other than tel:. */
static int unsafe_markup(const char *page)
{
    for (const char *lt = strchr(page, '<'); lt; lt = strchr(lt + 1, '<')) {
        const char *gt = strchr(lt, '>');
        if (!gt)
            return 1;
        size_t n = (size_t)(gt - lt);
        if (n >= 7 && strncmp(lt, "<script", 7) == 0)
            return 1;
        for (const char *c = lt; c + 5 < gt; c++)
            if (strncmp(c, " src=", 5) == 0 || strncmp(c, " on", 3) == 0 ||
                (strncmp(c, " href=", 6) == 0 && strncmp(c + 6, "\"tel:", 5) != 0))
                return 1;
    }
    return 0;
}

/* Renders both variants; the page may not carry markup from the input. */
static void render(fhir_arena *a, const fhir_node *doc, const handover_options *opt)
{
    for (int v = 0; v < 2; v++) {
        fhir_buf page;
        fhir_buf_init(&page, 0);
        int rc = handover_render_html(a, doc, (handover_html_variant)v, opt, &page);
        if (rc == 0 && (!page.data || unsafe_markup(page.data)))
            abort();
        fhir_buf_free(&page);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const handover_options opt = {.now = "2026-11-23T12:00:00Z"};
    fhir_arena *a = fhir_arena_new(64u * 1024 * 1024);
    fhir_outcome o;
    fhir_outcome_init(&o, a);
    fhir_node *records = fhir_read(a, (const char *)data, size, NULL, &o);
    const char *type = records ? fhir_node_resource_type(records) : NULL;
    if (type && strcmp(type, "Bundle") == 0 && fhir_validate(records, &o) == 0) {
        const char *kind = fhir_node_child_value(records, "type");
        if (kind && strcmp(kind, "document") == 0)
            render(a, records, &opt); /* before the build uses the tree up */
        fhir_node *doc = handover_build(a, records, &opt, &o);
        if (doc) {
            fhir_buf b;
            fhir_buf_init(&b, 0);
            if (fhir_write_xml(doc, &b, 0) != 0 || fhir_write_json(doc, &b, 0) != 0)
                abort();
            fhir_buf_free(&b);
            fhir_outcome check;
            fhir_outcome_init(&check, a);
            if (handover_check_document(a, doc, &opt, &check) != 0)
                abort(); /* a built document must pass its own profile */
            render(a, doc, &opt);
        }
    }
    fhir_arena_free(a);
    return 0;
}
