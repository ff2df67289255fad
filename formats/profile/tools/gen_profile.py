#!/usr/bin/env python3
"""Writes the MGZ handover profile (FHIR R4 XML) into formats/profile/.

Run from anywhere: python3 formats/profile/tools/gen_profile.py [OUT_DIR]
(default: the profile folder beside this script). Deterministic output.
"""
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BASE = "https://mgz-overdracht.nl/fhir"
VERSION = "0.1.0"
DATE = "2026-11-23"
PUBLISHER = "MGZ overdracht"

SYS_SECTION = BASE + "/CodeSystem/mgz-handover-section"
SYS_ROLE = BASE + "/CodeSystem/mgz-care-role"
SYS_PART = BASE + "/CodeSystem/mgz-handover-part"
SYS_SECTOR = BASE + "/CodeSystem/wlz-sector"
SYS_DELIVERY = BASE + "/CodeSystem/wlz-delivery-form"
EXT = lambda i: BASE + "/StructureDefinition/" + i
SYS_UZI = "http://fhir.nl/fhir/NamingSystem/uzi-rolcode"
SYS_BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
CORE = "http://hl7.org/fhir/StructureDefinition/"


# ---------------------------------------------------------------- XML writer
class X:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def open(self, name, attrs=""):
        self.lines.append("  " * self.depth + "<%s%s>" % (name, attrs))
        self.depth += 1

    def close(self, name):
        self.depth -= 1
        self.lines.append("  " * self.depth + "</%s>" % name)

    def v(self, name, value):
        if value is None:
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.lines.append("  " * self.depth + "<%s value=%s/>" % (name, quoteattr(str(value))))

    def raw(self, text):
        for line in text.split("\n"):
            self.lines.append("  " * self.depth + line)

    def text(self):
        return "\n".join(self.lines) + "\n"


def narrative(x, html):
    x.open("text")
    x.v("status", "generated")
    x.raw('<div xmlns="http://www.w3.org/1999/xhtml">' + html + "</div>")
    x.close("text")


def header(x, rtype, rid, name, title, description, html, purpose=None):
    x.lines.append('<?xml version="1.0" encoding="UTF-8"?>')
    x.open(rtype, ' xmlns="http://hl7.org/fhir"')
    x.v("id", rid)
    narrative(x, html)
    x.v("url", "%s/%s/%s" % (BASE, rtype, rid))
    x.v("version", VERSION)
    x.v("name", name)
    x.v("title", title)
    x.v("status", "draft")
    x.v("experimental", False)
    x.v("date", DATE)
    x.v("publisher", PUBLISHER)
    x.v("description", description)
    x.open("jurisdiction")
    x.open("coding")
    x.v("system", "urn:iso:std:iso:3166")
    x.v("code", "NL")
    x.v("display", "Netherlands")
    x.close("coding")
    x.close("jurisdiction")
    if purpose:
        x.v("purpose", purpose)


def write(filename, x):
    path = os.path.join(OUT, filename)
    with open(path, "w", encoding="utf-8") as f:
        f.write(x.text())
    print("wrote", path)


def h(s):
    return escape(s)


# ---------------------------------------------------------------- CodeSystems
# each concept: (code, display nl, definition nl, definition en, display en)
CODESYSTEMS = [
    dict(
        id="wlz-sector", name="WlzSector", title="Wlz-sector",
        nl="De sector binnen de Wet langdurige zorg (Wlz) waarin de patiënt zorg ontvangt.",
        en="The Wlz (Long-term Care Act) sector in which the patient receives care.",
        use="Gebruikt in / used in: extensie `ext-wlz-sector` op Patient.",
        concepts=[
            ("ouderenzorg", "Ouderenzorg",
             "Wlz-zorg voor ouderen (verpleging en verzorging, somatisch of psychogeriatrisch); de SO is de medisch generalist van de instelling.",
             "Wlz care for older people (nursing and care, somatic or psychogeriatric); the elderly care physician (SO) is the institution's medical generalist.",
             "Elderly care"),
            ("gehandicaptenzorg", "Gehandicaptenzorg",
             "Wlz-zorg voor mensen met een (verstandelijke) beperking; de AVG is de medisch generalist van de instelling.",
             "Wlz care for people with an (intellectual) disability; the physician for people with intellectual disabilities (AVG) is the institution's medical generalist.",
             "Disability care"),
        ]),
    dict(
        id="wlz-delivery-form", name="WlzDeliveryForm", title="Wlz-leveringsvorm",
        nl="De leveringsvorm van de Wlz-zorg: verblijf in een instelling (met of zonder behandeling) of zorg thuis (vpt, mpt, pgb).",
        en="How Wlz care is delivered: residential care in an institution (with or without treatment) or care at home (full package, modular package, personal budget).",
        use="Gebruikt in / used in: extensie `ext-wlz-delivery-form` op Patient.",
        concepts=[
            ("vmb", "Verblijf met behandeling",
             "De patiënt verblijft in een Wlz-instelling die ook de (medische) behandeling levert; de instelling levert de medisch generalist (SO of AVG).",
             "The patient lives in a Wlz institution that also provides (medical) treatment; the institution provides the medical generalist (SO or AVG).",
             "Residential care with treatment"),
            ("vzb", "Verblijf zonder behandeling",
             "De patiënt verblijft in een Wlz-instelling zonder behandeling; de huisarts is de medisch generalist.",
             "The patient lives in a Wlz institution without treatment; the general practitioner is the medical generalist.",
             "Residential care without treatment"),
            ("vpt", "Volledig pakket thuis",
             "De patiënt ontvangt het volledige Wlz-pakket thuis, door één zorgaanbieder.",
             "The patient receives the full Wlz care package at home, from one care provider.",
             "Full package at home"),
            ("mpt", "Modulair pakket thuis",
             "De patiënt ontvangt delen (modules) van het Wlz-pakket thuis.",
             "The patient receives parts (modules) of the Wlz care package at home.",
             "Modular package at home"),
            ("pgb", "Persoonsgebonden budget",
             "De patiënt koopt de Wlz-zorg zelf in met een persoonsgebonden budget.",
             "The patient purchases Wlz care with a personal budget.",
             "Personal budget"),
        ]),
    dict(
        id="reachability-window", name="ReachabilityWindow", title="Bereikbaarheidsvenster",
        nl="Wanneer een contactgegeven (ContactPoint) bereikbaar is: tijdens kantooruren, in de avond, nacht en het weekend (ANW), of altijd.",
        en="When a contact point is reachable: during office hours, in the evening, night and weekend (ANW), or always.",
        use="Gebruikt in / used in: extensie `ext-reachability` op ContactPoint (PractitionerRole.telecom, Organization.telecom, RelatedPerson.telecom).",
        concepts=[
            ("office", "Kantooruren",
             "Bereikbaar tijdens kantooruren: werkdagen 08:00–17:00. Kantoortijden mogen ook in PractitionerRole.availableTime staan.",
             "Reachable during office hours: weekdays 08:00–17:00. Office hours may also be stated in PractitionerRole.availableTime.",
             "Office hours"),
            ("anw", "Avond/nacht/weekend",
             "Bereikbaar in de avond, de nacht en het weekend (en op feestdagen): buiten kantooruren.",
             "Reachable in the evening, at night and at the weekend (and on public holidays): outside office hours.",
             "Evening/night/weekend"),
            ("always", "Altijd (24/7)",
             "Altijd bereikbaar, 24 uur per dag, 7 dagen per week; geldt zowel voor kantooruren als voor ANW.",
             "Always reachable, 24 hours a day, 7 days a week; counts for both office hours and ANW.",
             "Always (24/7)"),
        ]),
    dict(
        id="mgz-care-role", name="MgzCareRole", title="Rol in het MGZ-zorgteam",
        nl="De rol van een deelnemer in het zorgteam rond de patiënt voor de medisch-generalistische zorg (MGZ).",
        en="The role of a participant in the patient's care team for medical generalist care (MGZ).",
        use="Gebruikt in / used in: CareTeam.participant.role (naast de codes van nl-core-CareTeam, zoals v3-ParticipationType RESP en CON).",
        concepts=[
            ("regiebehandelaar", "Regiebehandelaar MGZ",
             "De arts (huisarts, SO of AVG) die de regie heeft over de medisch-generalistische zorg; samen met v3-ParticipationType RESP. Een vorige regiebehandelaar blijft in het team met period.end.",
             "The physician (GP, elderly care physician or AVG) who coordinates the medical generalist care; together with v3-ParticipationType RESP. A former regiebehandelaar stays in the team with period.end set.",
             "Lead physician for medical generalist care"),
            ("eerste-aanspreekpunt", "Eerste aanspreekpunt",
             "De deelnemer die het eerste aanspreekpunt is voor een zorgvraag over de patiënt.",
             "The participant who is the first point of contact for a care question about the patient.",
             "First point of contact"),
            ("consulent", "Consulent",
             "Een zorgverlener die op verzoek meedenkt of adviseert (samen met v3-ParticipationType CON).",
             "A professional who is consulted or advises on request (together with v3-ParticipationType CON).",
             "Consultant"),
            ("gedragskundige", "Gedragskundige",
             "Een gedragsdeskundige (GZ-psycholoog, orthopedagoog-generalist, klinisch (neuro)psycholoog) die bejegeningsadvies geeft.",
             "A behavioural expert (health care psychologist, remedial educationalist, clinical (neuro)psychologist) who gives behaviour advice.",
             "Behavioural expert"),
            ("voorwacht", "Voorwacht",
             "De verpleegkundige of gedragsmatige voorwacht: wordt als eerste gebeld (bijvoorbeeld in de ANW) en schakelt zo nodig de arts in.",
             "The nursing or behavioural first call: called first (for example in ANW) and calls in the physician when needed.",
             "First call (nurse)"),
            ("coordinator", "Coördinerend professional",
             "De professional die de zorg rond de patiënt coördineert.",
             "The professional who coordinates the care around the patient.",
             "Coordinating professional"),
            ("naaste", "Naaste",
             "Een familielid of begeleider die de patiënt goed kent.",
             "A relative or companion who knows the patient well.",
             "Relative or companion"),
        ]),
    dict(
        id="mgz-handover-part", name="MgzHandoverPart", title="Onderdeel van de MGZ-overdracht",
        nl="Codes voor onderdelen van de overdracht waarvoor geen nationale code bestaat: het bejegeningsadvies en het normale gedrag van de patiënt.",
        en="Codes for parts of the handover that have no national code: the behaviour advice and the patient's normal behaviour.",
        use="Gebruikt in / used in: Flag.category (bejegeningsadvies, naast LOINC 74018-3) en Observation.code (normaal-gedrag).",
        concepts=[
            ("bejegeningsadvies", "Bejegeningsadvies",
             "Advies over hoe de patiënt te benaderen en te bejegenen (bijvoorbeeld bij onrust of angst), vastgelegd door de regiebehandelaar of een gedragskundige.",
             "Advice on how to approach and treat the patient (for example in agitation or anxiety), written by the regiebehandelaar or a behavioural expert.",
             "Behaviour advice"),
            ("normaal-gedrag", "Normaal gedrag",
             "Het gebruikelijke gedrag en functioneren van de patiënt (de uitgangssituatie), zodat een waarnemer een verandering herkent.",
             "The patient's usual behaviour and functioning (the baseline), so that a locum recognises a change.",
             "Normal behaviour"),
        ]),
]

SECTIONS = [
    ("behandelwensen", "Behandelwensen en -grenzen", "Treatment wishes and limits",
     "Behandelaanwijzingen (Consent, nl-core-TreatmentDirective2) en wilsverklaringen (Consent, nl-core-AdvanceDirective).",
     "Treatment directives (Consent, nl-core-TreatmentDirective2) and advance directives (Consent, nl-core-AdvanceDirective).",
     ["Consent"]),
    ("bejegening", "Bejegeningsadvies en normaal gedrag", "Behaviour advice and normal behaviour",
     "Bejegeningsadviezen (Flag, nl-core-Alert) en het normale gedrag (Observation, nl-core-FunctionalOrMentalStatus).",
     "Behaviour advice (Flag, nl-core-Alert) and normal behaviour (Observation, nl-core-FunctionalOrMentalStatus).",
     ["Flag", "Observation"]),
    ("regiebehandelaar", "Regiebehandelaar MGZ", "Lead physician for medical generalist care",
     "Het zorgteam (CareTeam): de huidige regiebehandelaar MGZ, sinds wanneer, en de overdrachten van die rol.",
     "The care team (CareTeam): the current regiebehandelaar MGZ, since when, and the transfers of that role.",
     ["CareTeam"]),
    ("bereikbaarheid", "Wie te raadplegen wanneer", "Who to consult when",
     "Zorgverleners (PractitionerRole), contactpersonen (RelatedPerson) en organisaties (Organization) met hun bereikbaarheid tijdens kantooruren en in de ANW.",
     "Professionals (PractitionerRole), contact persons (RelatedPerson) and organisations (Organization) with their reachability during office hours and in ANW.",
     ["PractitionerRole", "RelatedPerson", "Organization"]),
    ("medicatie", "Medicatieoverzicht", "Medication overview",
     "Het medicatieoverzicht (MedicationStatement, mp-MedicationUse2).",
     "The medication overview (MedicationStatement, mp-MedicationUse2).",
     ["MedicationStatement"]),
    ("allergieen", "Allergieën", "Allergies",
     "Allergieën en intoleranties (AllergyIntolerance), wanneer beschikbaar.",
     "Allergies and intolerances (AllergyIntolerance), when available.",
     ["AllergyIntolerance"]),
    ("problemen", "Problemen", "Problems",
     "Problemen en diagnoses (Condition), wanneer beschikbaar.",
     "Problems and diagnoses (Condition), when available.",
     ["Condition"]),
    ("wlz-context", "Wlz-context", "Wlz context",
     "De patiënt (Patient) met de Wlz-sector, de leveringsvorm, de woonplek en de verantwoordelijke Wlz-zorgaanbieder (die Organization mag ook als entry staan).",
     "The patient (Patient) with the Wlz sector, delivery form, residence and responsible Wlz care provider (that Organization may be an entry too).",
     ["Patient", "Organization"]),
]

CODESYSTEMS.append(dict(
    id="mgz-handover-section", name="MgzHandoverSection", title="Sectie van de MGZ-overdracht",
    nl="De acht secties van het MGZ-overdrachtsdocument, in vaste volgorde en altijd aanwezig (een lege sectie zegt dat in emptyReason en in de narrative).",
    en="The eight sections of the MGZ handover document, always present and in this order (an empty section says so in emptyReason and in its narrative).",
    use="Gebruikt in / used in: Composition.section.code van profiel `mgz-handover-composition`.",
    concepts=[(c, t, "Sectie %d. %s" % (i + 1, dnl), "Section %d. %s" % (i + 1, den), ten)
              for i, (c, t, ten, dnl, den, _) in enumerate(SECTIONS)]))

RULES = [
    ("mgz-1", "error", "AVG nooit de enige arts", "AVG never the only physician",
     "Een AVG is nooit de enige arts: een patiënt met een AVG in het zorgteam heeft ook een huisarts (in het zorgteam of als generalPractitioner).",
     "An AVG never is the only physician: a patient with an AVG in the care team also has a huisarts (in the care team or as generalPractitioner)."),
    ("mgz-2", "error", "Verblijf met behandeling in de ouderenzorg: SO is regiebehandelaar",
     "Residential care with treatment in elderly care: the SO leads",
     "Verblijf met behandeling in de ouderenzorg: de regiebehandelaar MGZ is de SO, en de patiënt heeft geen inschrijving bij een huisarts (geen generalPractitioner met specialisme 01.015).",
     "Verblijf met behandeling in ouderenzorg: the regiebehandelaar MGZ is the SO, and the patient has no huisarts registration (no generalPractitioner with specialty 01.015)."),
    ("mgz-3", "error", "Auteur van aanwijzingen en adviezen", "Author of directives and advice",
     "Behandelaanwijzingen, bejegeningsadvies en normaal gedrag zijn vastgelegd door de huidige regiebehandelaar MGZ of door een gedragskundige uit het zorgteam.",
     "Treatment directives, behaviour advice and normal behaviour are authored by the current regiebehandelaar MGZ or by a gedragskundige of the care team."),
    ("mgz-4", "error", "Expliciete overdracht van het regiebehandelaarschap", "Explicit transfer of the regiebehandelaar role",
     "Een overdracht van de rol van regiebehandelaar is expliciet: elke vorige regiebehandelaar (period.end) heeft een overdrachtsextensie van hem of haar naar de volgende, met een datum en ten minste één discussedWith.",
     "A transfer of the regiebehandelaar role is explicit: every former regiebehandelaar (period.end) has a transfer extension from them to the next, with a date and at least one `discussedWith`."),
    ("mgz-5", "error", "Bereikbaarheid kantooruren en ANW", "Reachability in office hours and ANW",
     "Bereikbaarheid: elke zorgverlener in het zorgteam vermeldt de bereikbaarheid tijdens kantooruren en in de ANW (een ContactPoint met venster office/always en een met anw/always); in de ouderenzorg heeft de SO, in de gehandicaptenzorg de AVG, een telefoonnummer dat in de ANW bereikbaar is.",
     "Reachability: every professional in the care team states office hours and ANW reachability (a ContactPoint with window `office`/`always` and one with `anw`/`always`); in ouderenzorg the SO, in gehandicaptenzorg the AVG, has a phone reachable in ANW."),
    ("mgz-6", "error", "Precies één eerste aanspreekpunt", "Exactly one first point of contact",
     "Precies één deelnemer van het zorgteam is het eerste aanspreekpunt (eerste-aanspreekpunt).",
     "Exactly one care team participant is the first point of contact (`eerste-aanspreekpunt`)."),
    ("mgz-7", "error", "Precies één huidige regiebehandelaar MGZ", "Exactly one current regiebehandelaar MGZ",
     "Precies één huidige regiebehandelaar MGZ (rol regiebehandelaar, zonder period.end): een huisarts, SO of AVG.",
     "Exactly one current regiebehandelaar MGZ (role `regiebehandelaar`, no period.end), a huisarts, SO or AVG."),
    ("mgz-8", "error", "Geen tegenstrijdige behandelaanwijzingen", "No contradictory treatment directives",
     "Geen tegenstrijdige actieve behandelaanwijzingen: twee actieve behandelaanwijzingen voor dezelfde behandeling met verschillende besluiten.",
     "No contradictory active directives: two active treatment directives for the same treatment with different decisions."),
    ("mgz-9", "warning", "Evaluatie van een behandelaanwijzing verouderd", "Treatment directive review overdue",
     "De laatste evaluatie van een behandelaanwijzing (Consent.dateTime) is ouder dan de evaluatietermijn (standaard 365 dagen).",
     "A treatment directive's most recent review (`Consent.dateTime`) is older than the review period (default 365 days)."),
    ("mgz-10", "information", "Verlopen behandelaanwijzing", "Expired treatment directive",
     "Een verlopen behandelaanwijzing (provision.period.end in het verleden, of status inactive) wordt als verlopen getoond.",
     "An expired directive (`provision.period.end` in the past, or status inactive) is shown as expired."),
    ("mgz-11", "error", "Precies één patiënt met geldig BSN", "Exactly one patient with a valid BSN",
     "De gegevens bevatten precies één Patient, met een geldig BSN.",
     "The records hold exactly one Patient, with a valid BSN."),
    ("mgz-profile", "error", "Document volgens het profiel", "Document conforms to the profile",
     "Een overdrachtsdocument is een document-Bundle met identifier en timestamp, de Composition als eerste entry (status final, type LOINC 18761-7, de patiënt als subject, een auteur) en de acht secties in vaste volgorde met narrative; elke verwijzing wijst naar een entry.",
     "A handover document is a document Bundle with identifier and timestamp, the Composition as first entry (status final, type LOINC 18761-7, the patient as subject, an author) and the eight sections in fixed order with narrative; every reference resolves to an entry."),
]

CODESYSTEMS.append(dict(
    id="mgz-rule", name="MgzRule", title="Regels van het MGZ-convenant",
    nl="De regels van het convenant medisch-generalistische zorg (MGZ) die de overdrachtsservice controleert. Elke overtreding is een OperationOutcome-issue met deze code in issue.details.coding en een Nederlandse en Engelse melding die met de code begint. Fouten (error) blokkeren het opbouwen van het document; waarschuwingen staan in de narrative van het document. De eigenschap `severity` geeft de ernst.",
    en="The rules of the medical generalist care (MGZ) covenant that the handover service checks. Each violation is an OperationOutcome issue with this code in issue.details.coding and a Dutch and an English message starting with the code. Errors block building the document; warnings are carried in the document's narrative. The property `severity` gives the issue severity.",
    use="Gebruikt in / used in: OperationOutcome.issue.details.coding; de sleutels (constraint.key) van profiel `mgz-handover-composition`.",
    concepts=[(c, dnl, tnl, ten, den) for (c, sev, dnl, den, tnl, ten) in RULES],
    severities={c: sev for (c, sev, *_rest) in RULES}))


def codesystem(cs):
    x = X()
    rows = "".join("<tr><td><code>%s</code></td><td>%s</td><td>%s</td></tr>" % (h(c), h(d), h(den))
                   for (c, d, _dnl, _den, den) in cs["concepts"])
    sevcol = ""
    html = ("<p>CodeSystem <b>%s</b> (<code>%s/CodeSystem/%s</code>), versie %s. %s</p>"
            "<p>%s</p><table><tr><th>code</th><th>weergave (nl)</th><th>display (en)</th></tr>%s</table>") % (
        h(cs["title"]), BASE, cs["id"], VERSION, h(cs["nl"]), h(cs["en"]), rows)
    desc = "%s\n\n%s\n\n%s" % (cs["nl"], cs["en"], cs["use"])
    header(x, "CodeSystem", cs["id"], cs["name"], cs["title"], desc, html)
    x.v("caseSensitive", True)
    x.v("valueSet", BASE + "/ValueSet/" + cs["id"])
    x.v("content", "complete")
    x.v("count", len(cs["concepts"]))
    sev = cs.get("severities")
    if sev:
        x.open("property")
        x.v("code", "severity")
        x.v("description", "De ernst van het OperationOutcome-issue bij overtreding (error, warning, information). / The severity of the OperationOutcome issue for a violation.")
        x.v("type", "code")
        x.close("property")
    for (code, disp, dnl, den, disp_en) in cs["concepts"]:
        x.open("concept")
        x.v("code", code)
        x.v("display", disp)
        x.v("definition", "%s — %s" % (dnl, den))
        x.open("designation")
        x.v("language", "en")
        x.v("value", disp_en)
        x.close("designation")
        if sev:
            x.open("property")
            x.v("code", "severity")
            x.v("valueCode", sev[code])
            x.close("property")
        x.close("concept")
    x.close("CodeSystem")
    write("CodeSystem-%s.xml" % cs["id"], x)


def valueset(cs):
    x = X()
    html = ("<p>ValueSet <b>%s</b> (<code>%s/ValueSet/%s</code>), versie %s: alle codes van CodeSystem "
            "<code>%s/CodeSystem/%s</code> / all codes of that code system.</p><ul>%s</ul>") % (
        h(cs["title"]), BASE, cs["id"], VERSION, BASE, cs["id"],
        "".join("<li><code>%s</code> %s</li>" % (h(c), h(d)) for (c, d, *_r) in cs["concepts"]))
    desc = "Alle codes van CodeSystem %s. / All codes of code system %s.\n\n%s\n\n%s" % (
        cs["title"], cs["title"], cs["nl"], cs["en"])
    header(x, "ValueSet", cs["id"], cs["name"], cs["title"], desc, html)
    x.v("immutable", False)
    x.open("compose")
    x.open("include")
    x.v("system", BASE + "/CodeSystem/" + cs["id"])
    x.close("include")
    x.close("compose")
    x.close("ValueSet")
    write("ValueSet-%s.xml" % cs["id"], x)


# ---------------------------------------------------------------- ElementDefinitions
def element(x, eid, path=None, slice_name=None, slicing=None, short=None, definition=None,
            comment=None, min=None, max=None, types=None, fixed=None, pattern=None,
            constraints=None, binding=None):
    """types: list of (code, [profile], [targetProfile]); fixed/pattern: (type, xml-or-value)."""
    x.open("element", " id=%s" % quoteattr(eid))
    x.v("path", path or strip_slices(eid))
    if slice_name:
        x.v("sliceName", slice_name)
    if slicing:
        x.open("slicing")
        for (dtype, dpath) in slicing["discriminator"]:
            x.open("discriminator")
            x.v("type", dtype)
            x.v("path", dpath)
            x.close("discriminator")
        x.v("description", slicing.get("description"))
        x.v("ordered", slicing.get("ordered"))
        x.v("rules", slicing["rules"])
        x.close("slicing")
    x.v("short", short)
    x.v("definition", definition)
    x.v("comment", comment)
    x.v("min", min)
    x.v("max", max)
    for (code, profiles, targets) in types or []:
        x.open("type")
        x.v("code", code)
        for p in profiles:
            x.v("profile", p)
        for t in targets:
            x.v("targetProfile", t)
        x.close("type")
    for what, val in (("fixed", fixed), ("pattern", pattern)):
        if val is None:
            continue
        ftype, fval = val
        name = what + ftype[0].upper() + ftype[1:]
        if isinstance(fval, str):
            x.v(name, fval)
        else:
            x.open(name)
            fval(x)
            x.close(name)
    for c in constraints or []:
        x.open("constraint")
        x.v("key", c["key"])
        x.v("severity", c["severity"])
        x.v("human", c["human"])
        x.v("expression", c.get("expression"))
        x.v("source", c.get("source"))
        x.close("constraint")
    if binding:
        x.open("binding")
        x.v("strength", binding[0])
        x.v("description", binding[1])
        x.v("valueSet", binding[2])
        x.close("binding")
    x.close("element")


def strip_slices(eid):
    return ".".join(p.split(":")[0] for p in eid.split("."))


def cc(system, code, display=None):
    def f(x):
        x.open("coding")
        x.v("system", system)
        x.v("code", code)
        x.v("display", display)
        x.close("coding")
    return f


def sd_header(x, rid, name, title, desc, html, kind, type_, base, contexts=None, purpose=None):
    header(x, "StructureDefinition", rid, name, title, desc, html, purpose=purpose)
    x.v("fhirVersion", "4.0.1")
    x.v("kind", kind)
    x.v("abstract", False)
    for c in contexts or []:
        x.open("context")
        x.v("type", "element")
        x.v("expression", c)
        x.close("context")
    x.v("type", type_)
    x.v("baseDefinition", base)
    x.v("derivation", "constraint")
    x.open("differential")


def sd_footer(x):
    x.close("differential")
    x.close("StructureDefinition")


USED_PATHS = []  # (profile type, path, [type codes]) for the R4 check


def el(x, eid, **kw):
    path = strip_slices(eid)
    USED_PATHS.append((path, [t[0] for t in kw.get("types") or []],
                       kw.get("fixed"), kw.get("pattern"), kw.get("binding") is not None,
                       [p for t in kw.get("types") or [] for p in t[2]]))
    element(x, eid, path=path, **kw)


# ---------------------------------------------------------------- Extensions
SIMPLE_EXTENSIONS = [
    dict(id="ext-wlz-sector", name="ExtWlzSector", title="Wlz-sector", context="Patient",
         short="Wlz-sector van de patiënt / Wlz sector",
         nl="De sector binnen de Wlz waarin de patiënt zorg ontvangt: ouderenzorg of gehandicaptenzorg.",
         en="The Wlz sector in which the patient receives care: elderly care or disability care.",
         vtype="Coding", vs="wlz-sector"),
    dict(id="ext-wlz-delivery-form", name="ExtWlzDeliveryForm", title="Wlz-leveringsvorm", context="Patient",
         short="Wlz-leveringsvorm / Wlz delivery form",
         nl="Hoe de Wlz-zorg geleverd wordt: verblijf met of zonder behandeling, volledig of modulair pakket thuis, of persoonsgebonden budget.",
         en="How the Wlz care is delivered: residential care with or without treatment, full or modular package at home, or personal budget.",
         vtype="Coding", vs="wlz-delivery-form"),
    dict(id="ext-wlz-provider", name="ExtWlzProvider", title="Verantwoordelijke Wlz-zorgaanbieder", context="Patient",
         short="Verantwoordelijke Wlz-zorgaanbieder / responsible Wlz care provider",
         nl="De zorgaanbieder (Organization) die verantwoordelijk is voor de Wlz-zorg van de patiënt; in het overdrachtsdocument de custodian van de Composition.",
         en="The care provider (Organization) responsible for the patient's Wlz care; in the handover document the Composition's custodian.",
         vtype="Reference", targets=["Organization"]),
    dict(id="ext-reachability", name="ExtReachability", title="Bereikbaarheidsvenster", context="ContactPoint",
         short="Wanneer bereikbaar / when reachable",
         nl="Wanneer dit contactgegeven bereikbaar is: tijdens kantooruren (office), in de avond, nacht en het weekend (anw), of altijd (always). Elk ContactPoint van PractitionerRole, Organization en RelatedPerson in de overdracht draagt deze extensie.",
         en="When this contact point is reachable: during office hours (office), in the evening, night and weekend (anw), or always (always). Every ContactPoint of a PractitionerRole, Organization and RelatedPerson in the handover carries this extension.",
         vtype="code", vs="reachability-window"),
    dict(id="ext-author", name="ExtAuthor", title="Auteur van de behandelaanwijzing", context="Consent",
         short="Auteur / author (PractitionerRole)",
         nl="De zorgverlener (PractitionerRole) die de behandelaanwijzing heeft vastgelegd: de regiebehandelaar MGZ of een gedragskundige uit het zorgteam (regel mgz-3).",
         en="The professional (PractitionerRole) who recorded the treatment directive: the regiebehandelaar MGZ or a behavioural expert of the care team (rule mgz-3).",
         vtype="Reference", targets=["PractitionerRole"]),
]


def simple_extension(e):
    x = X()
    url = EXT(e["id"])
    if e["vtype"] == "Reference":
        vdesc = "valueReference → %s" % " | ".join(e["targets"])
    else:
        vdesc = "value%s%s uit ValueSet <code>%s/ValueSet/%s</code> (required)" % (
            e["vtype"][0].upper(), e["vtype"][1:], BASE, e["vs"])
    html = ("<p>Extensie <b>%s</b> (<code>%s</code>) op <code>%s</code>: %s</p><p>%s</p><p>%s</p>") % (
        h(e["title"]), url, e["context"], vdesc, h(e["nl"]), h(e["en"]))
    desc = "%s\n\n%s" % (e["nl"], e["en"])
    sd_header(x, e["id"], e["name"], e["title"], desc, html, "complex-type", "Extension",
              CORE + "Extension", contexts=[e["context"]])
    el(x, "Extension", short=e["short"], definition=desc, max="1")
    el(x, "Extension.extension", max="0")
    el(x, "Extension.url", fixed=("uri", url))
    if e["vtype"] == "Reference":
        el(x, "Extension.value[x]", min=1,
           types=[("Reference", [], [CORE + t for t in e["targets"]])])
    else:
        el(x, "Extension.value[x]", min=1, types=[(e["vtype"], [], [])],
           binding=("required", e["title"], BASE + "/ValueSet/" + e["vs"]))
    sd_footer(x)
    write("StructureDefinition-%s.xml" % e["id"], x)


def transfer_extension():
    rid = "ext-regiebehandelaar-transfer"
    url = EXT(rid)
    nl = ("De overdracht van de rol van regiebehandelaar MGZ van de ene zorgverlener naar de andere: van wie (from), "
          "naar wie (to), wanneer (date), met wie het besproken is (discussedWith: de patiënt of een naaste/vertegenwoordiger) "
          "en een toelichting (note). Elke vorige regiebehandelaar in het zorgteam heeft zo'n overdracht (regel mgz-4).")
    en = ("The transfer of the regiebehandelaar MGZ role from one professional to another: from whom (from), to whom (to), "
          "when (date), with whom it was discussed (discussedWith: the patient or a relative/representative) and a note. "
          "Every former regiebehandelaar in the care team has such a transfer (rule mgz-4).")
    subs = [
        ("from", "1", "1", "Vorige regiebehandelaar / former regiebehandelaar",
         "De zorgverlener die de rol overdraagt. / The professional handing over the role.",
         ("Reference", [CORE + "PractitionerRole"])),
        ("to", "1", "1", "Nieuwe regiebehandelaar / new regiebehandelaar",
         "De zorgverlener die de rol overneemt. / The professional taking over the role.",
         ("Reference", [CORE + "PractitionerRole"])),
        ("date", "1", "1", "Datum van de overdracht / date of the transfer",
         "Wanneer de rol is overgedragen. / When the role was transferred.",
         ("dateTime", [])),
        ("discussedWith", "1", "*", "Besproken met / discussed with",
         "Met wie de overdracht is besproken: de patiënt of een naaste of vertegenwoordiger. / With whom the transfer was discussed: the patient or a relative or representative.",
         ("Reference", [CORE + "Patient", CORE + "RelatedPerson"])),
        ("note", "0", "1", "Toelichting / note",
         "Toelichting bij de overdracht. / A note on the transfer.",
         ("string", [])),
    ]
    rows = "".join("<tr><td><code>%s</code></td><td>%s..%s</td><td>%s</td><td>%s</td></tr>" % (
        n, mn, mx, h(t[0] + ("(" + " | ".join(p.rsplit("/", 1)[1] for p in t[1]) + ")" if t[1] else "")), h(s))
        for (n, mn, mx, s, _d, t) in subs)
    html = ("<p>Complexe extensie <b>Overdracht regiebehandelaarschap</b> (<code>%s</code>) op <code>CareTeam</code>.</p>"
            "<p>%s</p><table><tr><th>extensie</th><th>aantal</th><th>type</th><th>betekenis</th></tr>%s</table>") % (
        url, h(nl), rows)
    desc = "%s\n\n%s" % (nl, en)
    x = X()
    sd_header(x, rid, "ExtRegiebehandelaarTransfer", "Overdracht regiebehandelaarschap", desc, html,
              "complex-type", "Extension", CORE + "Extension", contexts=["CareTeam"])
    el(x, "Extension", short="Overdracht van de rol van regiebehandelaar MGZ / transfer of the regiebehandelaar role",
       definition=desc)
    el(x, "Extension.extension", min=4,
       slicing=dict(discriminator=[("value", "url")], description="Op url van de sub-extensie / by the sub-extension's url",
                    ordered=False, rules="open"))
    for (n, mn, mx, s, d, t) in subs:
        sid = "Extension.extension:%s" % n
        el(x, sid, slice_name=n, short=s, definition=d, min=int(mn), max=mx)
        el(x, sid + ".extension", max="0")
        el(x, sid + ".url", fixed=("uri", n))
        if t[0] == "Reference":
            el(x, sid + ".value[x]", min=1, types=[("Reference", [], t[1])])
        else:
            el(x, sid + ".value[x]", min=1, types=[(t[0], [], [])])
    el(x, "Extension.url", fixed=("uri", url))
    el(x, "Extension.value[x]", max="0")
    sd_footer(x)
    write("StructureDefinition-%s.xml" % rid, x)


# ---------------------------------------------------------------- rule expressions (FHIRPath)
def has(system, code):
    return "coding.exists(system = '%s' and code = '%s')" % (system, code)


def sec(code):
    return "%%resource.section.where(code.%s)" % has(SYS_SECTION, code)


TEAM = sec("regiebehandelaar") + ".entry.resolve().ofType(CareTeam)"
PAT = "%resource.subject.resolve().ofType(Patient)"
ALLRES = "%resource.section.entry.resolve()"
REGIE = "role.%s" % has(SYS_ROLE, "regiebehandelaar")
CUR_REGIE = TEAM + ".participant.where(%s and period.end.empty())" % REGIE
CUR = TEAM + ".participant.where(period.end.empty())"
ROLES = CUR + ".member.resolve().ofType(PractitionerRole)"


def spec(*codes):
    return "specialty.coding.exists(system = '%s' and (%s))" % (
        SYS_UZI, " or ".join("code = '%s'" % c for c in codes))


HA, SO, AVG = spec("01.015"), spec("01.047"), spec("01.056")
GEDRAG = spec("25.000", "25.061", "25.063", "31.000")


def win(*codes):
    return "extension('%s').exists(%s)" % (
        EXT("ext-reachability"), " or ".join("value.ofType(code) = '%s'" % c for c in codes))


def ext_coding(url, system, code):
    return "extension('%s').value.ofType(Coding).exists(system = '%s' and code = '%s')" % (url, system, code)


SECTOR = lambda c: PAT + "." + ext_coding(EXT("ext-wlz-sector"), SYS_SECTOR, c)
TREATMENT = "scope.%s" % has("http://terminology.hl7.org/CodeSystem/consentscope", "treatment")
DIRECTIVES = ALLRES + ".ofType(Consent).where(%s)" % TREATMENT
NOT_EXPIRED = ("status = 'active' and (provision.period.end.empty() or "
               "provision.period.end.toString().substring(0, 10) >= today().toString())")
ALLOWED = (CUR + ".where(%s or role.%s or member.resolve().ofType(PractitionerRole).%s).member.reference"
           % (REGIE, has(SYS_ROLE, "gedragskundige"), GEDRAG))
TRANSFER = TEAM + ".extension('%s')" % EXT("ext-regiebehandelaar-transfer")
KEY = ("iif(provision.code.%s, 'OTH|' & provision.code.text, provision.code.coding.first().system & '|' & provision.code.coding.first().code)"
       % has("http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "OTH"))
DECISION = "iif(provision.type.exists(), provision.type.toString(), 'anders')"
BSN = "value"
W = [9, 8, 7, 6, 5, 4, 3, 2, -1]
ELFPROEF = " + ".join("%s.substring(%d, 1).toInteger() * %d" % (BSN, i, w) for i, w in enumerate(W[:8])) \
    + " - %s.substring(8, 1).toInteger()" % BSN

EXPR = {
    "mgz-1": "%s.where(%s).exists() implies (%s.where(%s).exists() or %s.generalPractitioner.resolve().ofType(PractitionerRole).where(%s).exists())"
             % (ROLES, AVG, ROLES, HA, PAT, HA),
    "mgz-2": "(%s and %s) implies (%s.exists() and %s.all(member.resolve().ofType(PractitionerRole).%s) and %s.generalPractitioner.resolve().ofType(PractitionerRole).where(%s).empty())"
             % (SECTOR("ouderenzorg"), PAT + "." + ext_coding(EXT("ext-wlz-delivery-form"), SYS_DELIVERY, "vmb"),
                CUR_REGIE, CUR_REGIE, SO, PAT, HA),
    "mgz-3": ("%s.all(extension('%s').exists() and extension('%s').value.ofType(Reference).reference.all($this in %s))"
              " and %s.ofType(Flag).where(category.%s).all(author.reference.exists() and author.reference.all($this in %s))"
              " and %s.ofType(Observation).where(code.%s).all(performer.reference.exists() and performer.reference.all($this in %s))")
             % (DIRECTIVES, EXT("ext-author"), EXT("ext-author"), ALLOWED,
                ALLRES, has(SYS_PART, "bejegeningsadvies"), ALLOWED,
                ALLRES, has(SYS_PART, "normaal-gedrag"), ALLOWED),
    "mgz-4": ("%s.participant.where(%s and period.end.exists()).member.reference.all($this in %s.extension('from').value.ofType(Reference).reference)"
              " and %s.all(extension('from').exists() and extension('to').exists() and extension('date').exists() and extension('discussedWith').exists())"
              " and %s.extension('to').value.ofType(Reference).reference.all($this in %s.participant.where(%s).member.reference)")
             % (TEAM, REGIE, TRANSFER, TRANSFER, TRANSFER, TEAM, REGIE),
    "mgz-5": ("%s.all((telecom.where(%s).exists() or availableTime.exists()) and telecom.where(%s).exists())"
              " and (%s implies %s.where(%s).all(telecom.where(system = 'phone' and %s).exists()))"
              " and (%s implies %s.where(%s).all(telecom.where(system = 'phone' and %s).exists()))")
             % (ROLES, win("office", "always"), win("anw", "always"),
                SECTOR("ouderenzorg"), ROLES, SO, win("anw", "always"),
                SECTOR("gehandicaptenzorg"), ROLES, AVG, win("anw", "always")),
    "mgz-6": "%s.where(role.%s).count() = 1" % (CUR, has(SYS_ROLE, "eerste-aanspreekpunt")),
    "mgz-7": "%s.count() = 1 and %s.all(member.resolve().ofType(PractitionerRole).where(%s or %s or %s).exists())"
             % (CUR_REGIE, CUR_REGIE, HA, SO, AVG),
    "mgz-8": "%s.where(%s).select(%s & '#' & %s).distinct().count() = %s.where(%s).select(%s).distinct().count()"
             % (DIRECTIVES, NOT_EXPIRED, KEY, DECISION, DIRECTIVES, NOT_EXPIRED, KEY),
    "mgz-9": "%s.all(dateTime.exists() and dateTime.toString().substring(0, 10) >= (today() - 365 days).toString())" % DIRECTIVES,
    "mgz-11": "%s.exists() and %s.identifier.where(system = '%s').count() = 1 and %s.identifier.where(system = '%s').all(value.matches('^[0-9]{9}$') and ((%s) mod 11) = 0)"
              % (PAT, PAT, SYS_BSN, PAT, SYS_BSN, ELFPROEF),
}

# invariant text where the rule text names the violation rather than what must hold
HUMAN = {
    "mgz-8": ("Geen tegenstrijdige actieve behandelaanwijzingen: geen twee actieve behandelaanwijzingen voor dezelfde behandeling met verschillende besluiten.",
              "No contradictory active directives: no two active treatment directives for the same treatment with different decisions."),
    "mgz-9": ("De laatste evaluatie van elke behandelaanwijzing (Consent.dateTime) ligt binnen de evaluatietermijn (standaard 365 dagen).",
              "Every treatment directive's most recent review (`Consent.dateTime`) is within the review period (default 365 days)."),
}

# what the FHIRPath expression checks where it is narrower or wider than the rule text
EXPR_NOTE = {
    "mgz-1": "Care team means its current participants (no period.end), as in mgz-7; a former participant (period.end set) does not count.",
    "mgz-5": "Care team means its current participants (no period.end), as in mgz-7. Office hours may also be stated in PractitionerRole.availableTime.",
    "mgz-6": "Care team means its current participants (no period.end), as in mgz-7.",
    "mgz-3": "Current regiebehandelaar and gedragskundige: current participants (no period.end). The expression compares references as written in the document (all rewritten to the entries' fullUrls). A gedragskundige is a participant with role `gedragskundige` or with UZI specialty 25.000, 25.061, 25.063 or 31.000.",
    "mgz-4": "The expression checks that every former regiebehandelaar is the `from` of a transfer, that every transfer has from, to, date and discussedWith, and that every `to` is a regiebehandelaar of the team; that `to` is the *next* one in time is checked by the service only.",
    "mgz-8": "Same treatment: the same coding (system and code) of `provision.code`, or OTH with the same `provision.code.text`. Decision: `provision.type`, or `anders` when absent (SpecificationOther).",
    "mgz-9": "The expression uses the default review period of 365 days; the service may be configured with another period.",
    "mgz-11": "The expression checks the Composition's subject: one BSN identifier of 9 digits passing the 11-proef. That the records hold exactly one Patient is checked by the service on the input Bundle.",
}


def composition_profile():
    rid = "mgz-handover-composition"
    nl = ("De Composition van het MGZ-overdrachtsdocument (patiëntenoverdracht medisch-generalistische zorg voor mensen met een Wlz-indicatie): "
          "status final, type LOINC 18761-7, subject de patiënt, auteur de PractitionerRole van de regiebehandelaar MGZ, custodian de "
          "verantwoordelijke Wlz-zorgaanbieder, titel \"Overdracht MGZ — <naam>\", een Nederlandse narrative, en altijd de acht secties "
          "in vaste volgorde. Een lege sectie zegt dat in emptyReason en in haar narrative. De narrative geeft de inhoud volledig weer: "
          "een ontvanger die alleen de narrative toont, toont toch elke behandelgrens, met \"verlopen\" bij verlopen aanwijzingen en de evaluatiedatum.")
    en = ("The Composition of the MGZ handover document (patient handover for medical generalist care for people with a Wlz indication): "
          "status final, type LOINC 18761-7, subject the patient, author the regiebehandelaar MGZ's PractitionerRole, custodian the responsible "
          "Wlz care provider, title \"Overdracht MGZ — <name>\", a Dutch narrative, and always the eight sections in this order. An empty section "
          "says so in emptyReason and in its narrative. The narrative states the content completely: a receiver that shows only narrative still "
          "shows every treatment limit, with \"verlopen\" for expired ones and the review date.")
    rules = []
    for (code, sev, _dnl, _den, tnl, ten) in RULES:
        if code in EXPR:
            how = "invariant on Composition, %s" % sev
        else:
            how = "%s; no invariant, checked and reported by the service only" % sev
        note = (" " + EXPR_NOTE[code]) if code in EXPR_NOTE else ""
        rules.append("* **%s** (%s): %s / %s%s" % (code, how, tnl, ten, note))
    desc = ("%s\n\n%s\n\n**Regels / rules** (CodeSystem `%s/CodeSystem/mgz-rule`). The rules that FHIRPath can express are "
            "invariants on the root element, evaluated on the Composition inside its document Bundle (references resolve to the "
            "Bundle's entries); mgz-10 has severity information, which an invariant cannot carry, so it is stated here only. The "
            "service reports every rule as an OperationOutcome issue with the rule code in issue.details.coding.\n\n%s") % (
        nl, en, BASE, "\n".join(rules))
    secrows = "".join("<tr><td>%d</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>" % (
        i + 1, c, h(t), h(", ".join(tt))) for i, (c, t, _e, _dn, _de, tt) in enumerate(SECTIONS))
    html = ("<p>Profiel <b>MGZ-overdracht: Composition</b> (<code>%s/StructureDefinition/%s</code>) op Composition.</p><p>%s</p>"
            "<table><tr><th>#</th><th>code</th><th>titel</th><th>entries</th></tr>%s</table>"
            "<p>Invarianten: %s. mgz-10 (information) alleen in de beschrijving.</p>") % (
        BASE, rid, h(nl), secrows, ", ".join(k for k in EXPR))
    x = X()
    sd_header(x, rid, "MgzHandoverComposition", "MGZ-overdracht: Composition", desc, html, "resource",
              "Composition", CORE + "Composition",
              purpose="Het overdrachtsdocument dat de huisartsenpost, huisartspraktijken en zorginstellingen nodig hebben voor patiënten met een Wlz-indicatie (convenant MGZ). / The handover document that out-of-hours GP services, GP practices and care institutions need for patients with a Wlz indication (MGZ covenant).")
    constraints = []
    for (code, sev, _dnl, _den, tnl, ten) in RULES:
        if code in EXPR:
            hnl, hen = HUMAN.get(code, (tnl, ten))
            constraints.append(dict(key=code, severity=sev, human="%s: %s / %s" % (code, hnl, hen),
                                    expression=EXPR[code],
                                    source=BASE + "/StructureDefinition/" + rid))
    el(x, "Composition", short="MGZ-overdracht / MGZ handover", definition=nl + "\n\n" + en, constraints=constraints)
    el(x, "Composition.text", short="Nederlandse narrative van het hele document / Dutch narrative of the whole document", min=1)
    el(x, "Composition.status", short="final", fixed=("code", "final"))
    el(x, "Composition.type", short="LOINC 18761-7 Transfer summary note",
       pattern=("CodeableConcept", cc("http://loinc.org", "18761-7")))
    el(x, "Composition.subject", short="De patiënt / the patient", min=1, max="1",
       types=[("Reference", [], [CORE + "Patient"])])
    el(x, "Composition.date", short="Moment van opbouwen / when the document was built")
    el(x, "Composition.author", short="De regiebehandelaar MGZ (PractitionerRole) / the regiebehandelaar MGZ", min=1,
       types=[("Reference", [], [CORE + "PractitionerRole"])])
    el(x, "Composition.title", short="\"Overdracht MGZ — <naam>\" / \"Overdracht MGZ — <name>\"")
    el(x, "Composition.custodian", short="De verantwoordelijke Wlz-zorgaanbieder / the responsible Wlz care provider", min=1,
       types=[("Reference", [], [CORE + "Organization"])])
    el(x, "Composition.section", short="De acht secties, in vaste volgorde / the eight sections, in order",
       definition="Altijd de acht secties van CodeSystem mgz-handover-section, in de volgorde van de slices; een lege sectie heeft emptyReason en zegt dat in haar narrative. / Always the eight sections of code system mgz-handover-section, in the order of the slices; an empty section has emptyReason and says so in its narrative.",
       min=8, max="8",
       slicing=dict(discriminator=[("pattern", "code")],
                    description="Op sectiecode, in vaste volgorde / by section code, in fixed order",
                    ordered=True, rules="closed"))
    for i, (code, title, ten, dnl, den, targets) in enumerate(SECTIONS):
        sid = "Composition.section:" + code
        el(x, sid, slice_name=code, short="%d. %s / %s" % (i + 1, title, ten),
           definition="%s / %s" % (dnl, den), min=1, max="1")
        el(x, sid + ".title", min=1, pattern=("string", title))
        el(x, sid + ".code", min=1, pattern=("CodeableConcept", cc(SYS_SECTION, code)))
        el(x, sid + ".text", short="Narrative van de sectie / the section's narrative", min=1)
        el(x, sid + ".entry", types=[("Reference", [], [CORE + t for t in targets])])
    sd_footer(x)
    write("StructureDefinition-%s.xml" % rid, x)


def bundle_profile():
    rid = "mgz-handover-bundle"
    comp = BASE + "/StructureDefinition/mgz-handover-composition"
    nl = ("Het MGZ-overdrachtsdocument: een Bundle van type document met identifier (systeem urn:ietf:rfc:3986, een urn:uuid afgeleid "
          "van de inhoud), timestamp, als eerste entry de Composition (profiel mgz-handover-composition), daarna elke resource waarnaar "
          "de secties verwijzen, elk met een urn:uuid-fullUrl afgeleid van type en id; alle verwijzingen zijn herschreven naar die fullUrls.")
    en = ("The MGZ handover document: a Bundle of type document with an identifier (system urn:ietf:rfc:3986, a urn:uuid derived from the "
          "content), a timestamp, the Composition first (profile mgz-handover-composition), then every resource the sections refer to, each "
          "with a urn:uuid fullUrl derived from its type and id; all references rewritten to those fullUrls.")
    html = ("<p>Profiel <b>MGZ-overdracht: document-Bundle</b> (<code>%s/StructureDefinition/%s</code>) op Bundle.</p><p>%s</p>"
            "<p>%s</p>") % (BASE, rid, h(nl), h(en))
    x = X()
    sd_header(x, rid, "MgzHandoverBundle", "MGZ-overdracht: document-Bundle", nl + "\n\n" + en, html, "resource",
              "Bundle", CORE + "Bundle")
    el(x, "Bundle", short="MGZ-overdrachtsdocument / MGZ handover document", definition=nl + "\n\n" + en,
       constraints=[dict(key="mgz-doc-1", severity="error",
                         human="De eerste entry is de Composition volgens profiel mgz-handover-composition. / The first entry is the Composition conforming to profile mgz-handover-composition.",
                         expression="entry.first().resource.is(Composition) and entry.first().resource.conformsTo('%s')" % comp,
                         source=BASE + "/StructureDefinition/" + rid)])
    el(x, "Bundle.identifier", short="urn:uuid afgeleid van de inhoud / urn:uuid derived from the content", min=1,
       constraints=[dict(key="mgz-doc-2", severity="error",
                         human="De identifier is een urn:uuid. / The identifier is a urn:uuid.",
                         expression="value.startsWith('urn:uuid:')",
                         source=BASE + "/StructureDefinition/" + rid)])
    el(x, "Bundle.identifier.system", min=1, fixed=("uri", "urn:ietf:rfc:3986"))
    el(x, "Bundle.identifier.value", min=1)
    el(x, "Bundle.type", fixed=("code", "document"))
    el(x, "Bundle.timestamp", short="Moment van opbouwen / when the document was built", min=1)
    el(x, "Bundle.entry", short="De Composition, dan de resources waarnaar zij verwijst / the Composition, then what it refers to",
       min=1, slicing=dict(discriminator=[("type", "resource")],
                           description="De eerste entry is de Composition / the first entry is the Composition",
                           ordered=True, rules="openAtEnd"),
       constraints=[dict(key="mgz-doc-3", severity="error",
                         human="Elke entry heeft een urn:uuid-fullUrl. / Every entry has a urn:uuid fullUrl.",
                         expression="fullUrl.startsWith('urn:uuid:')",
                         source=BASE + "/StructureDefinition/" + rid)])
    el(x, "Bundle.entry.fullUrl", short="urn:uuid afgeleid van type en id / urn:uuid derived from type and id", min=1)
    el(x, "Bundle.entry.resource", min=1)
    el(x, "Bundle.entry:composition", slice_name="composition",
       short="De Composition (eerste entry) / the Composition (first entry)", min=1, max="1")
    el(x, "Bundle.entry:composition.resource", min=1, types=[("Composition", [comp], [])])
    # the service's signature (formats/handover_sign.c; README "Signature")
    sig_nl = ("De handtekening van de dienst, gezet na het opbouwen en na Bundle.id en meta: een JWS (compact, ES256 of RS256, het "
              "certificaat van de dienst in x5c) over een manifest met de SHA-256 van elk Bundle-element en van elke entry, elk over "
              "de canonieke JSON van een Bundle met alleen dat deel. Alles behalve signature.data is ondertekend; een ontvanger kan "
              "zo benoemen welke entry of welk element na ondertekening is gewijzigd. Optioneel: 'handover build' ondertekent niet.")
    sig_en = ("The service's signature, set after building and after Bundle.id and meta: a JWS (compact, ES256 or RS256, the "
              "service's certificate in x5c) over a manifest of the SHA-256 of every Bundle element and of every entry, each over the "
              "canonical JSON of a Bundle holding only that part. Everything but signature.data is signed, so a receiver can name "
              "which entry or element was changed after signing. Optional: 'handover build' does not sign.")

    def verification_signature(x):
        x.v("system", "urn:iso-astm:E1762-95:2013")
        x.v("code", "1.2.840.10065.1.12.1.5")
        x.v("display", "Verification Signature")
    el(x, "Bundle.signature", short="Handtekening van de dienst / the service's signature", definition=sig_nl + "\n\n" + sig_en)
    el(x, "Bundle.signature.type", short="Verificatiehandtekening / verification signature", max="1",
       pattern=("Coding", verification_signature))
    el(x, "Bundle.signature.who", short="De dienst: O (CN) uit zijn certificaat / the service: O (CN) of its certificate")
    el(x, "Bundle.signature.targetFormat", short="Ondertekend: de canonieke JSON van elk deel / signed: the canonical JSON of each part",
       min=1, fixed=("code", "application/fhir+json"))
    el(x, "Bundle.signature.sigFormat", short="JWS", min=1, fixed=("code", "application/jose"))
    el(x, "Bundle.signature.data", short="base64 van de JWS (header.manifest.handtekening) / base64 of the JWS (header.manifest.signature)",
       min=1)
    sd_footer(x)
    write("StructureDefinition-%s.xml" % rid, x)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for cs in CODESYSTEMS:
        codesystem(cs)
        valueset(cs)
    for e in SIMPLE_EXTENSIONS:
        simple_extension(e)
    transfer_extension()
    composition_profile()
    bundle_profile()
    with open("/tmp/gen/expressions.json", "w") as f:
        json.dump(EXPR, f, indent=1)
    with open("/tmp/gen/paths.json", "w") as f:
        json.dump(USED_PATHS, f, indent=1, default=lambda o: None)
