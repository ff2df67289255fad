/*
 * handover_html.h — the doctor's page: a handover document (the output of
 * handover_build) rendered as one self-contained, readable HTML5 page in
 * Dutch (handover_html.c), and which contact variant applies at a moment
 * (handover_clock.c).
 *
 * The page has no scripts and fetches nothing: inline CSS only, no src, no
 * external href (telephone numbers are tel: links). Every text taken from the
 * document is escaped; no narrative div is copied. What it shows, in order:
 * the patient's identification and the document's date, version and author
 * (header); the treatment limits (NIET), the wishes (WEL), "anders" with its
 * specification, advance directives and expired directives, each with its
 * review date and warnings in words; behaviour advice and normal behaviour;
 * who to call now for the variant; the regiebehandelaar MGZ and transfers;
 * medication; allergies, problems and the Wlz context.
 */
#ifndef HANDOVER_HTML_H
#define HANDOVER_HTML_H

#include <time.h>

#include "handover.h"

typedef enum handover_html_variant {
    HANDOVER_HTML_OFFICE = 0, /* kantooruren: Monday–Friday 08:00–17:00 */
    HANDOVER_HTML_ANW = 1     /* avond, nacht en weekend, and public holidays */
} handover_html_variant;

/* Renders the page for the given contact variant and appends it to `out`.
 * `opt->now` is "today" for expiry and review warnings (NULL: the current
 * time) and `opt->review_days` the review period (0: 365); `opt` may be NULL.
 * Strings made while rendering live in `a`.
 * Returns 0; FHIR_E_INVALID when `document` is not a handover document (a
 * document Bundle with the Composition first and exactly one Patient) or the
 * variant is unknown, with nothing appended; FHIR_E_NOMEM when the arena or
 * the buffer ran out (what was appended is then incomplete: discard it). */
int handover_render_html(fhir_arena *a, const fhir_node *document, handover_html_variant variant,
                         const handover_options *opt, fhir_buf *out);

/* Which variant applies at a moment (UTC): office hours are Monday–Friday
 * 08:00–17:00 local time in Europe/Amsterdam (CET, CEST from the last Sunday
 * of March 01:00 UTC to the last Sunday of October 01:00 UTC, computed here
 * without the TZ database), except on the Dutch public holidays, which count
 * as weekend (ANW). */
handover_html_variant handover_html_variant_at(time_t t);

/* Parses a FHIR instant-like dateTime with a time and a zone,
 * "2026-11-23T03:00:00Z", "2026-11-23T04:00+01:00" (seconds and fractions
 * optional), into *t. 0, or FHIR_E_INVALID when it is not one. */
int handover_time_parse(const char *datetime, time_t *t);

/* The Dutch public holiday that counts as weekend on a date, or NULL:
 * "Nieuwjaarsdag", "Eerste Paasdag", … (handover_clock.c). */
const char *handover_holiday_nl(int year, int month, int day);

#endif
