#!/usr/bin/env python3
"""check_page.py DOM DOCUMENT office|anw TODAY

Checks one doctor's page as the browser built it (Chromium's --dump-dom, the
DOM after parsing) against the handover document it was rendered from (the
document Bundle as JSON). A reading of its own, in Python's standard library
only, not of the C code:

  - the page is Dutch, runs nothing and fetches nothing (no script, no src,
    no link but tel:);
  - the header comes first, and the first h2 after it heads the treatment
    limits (section#niet); the sections follow in order of urgency;
  - every treatment directive of the document is on the page in the section
    of its decision (NIET / WEL / ANDERS, or "verlopen" when expired);
  - "who to call now" is chosen for the variant: the tel: numbers in
    table#bereikbaar-nu are exactly the phones reachable in that window
    (ext-reachability office / anw / always) of the people and organisations
    still involved;
  - the BSN is masked.

Prints one line per failed check and exits 1 when there is one.
"""
import json
import sys
from html.parser import HTMLParser

REACH = "https://mgz-overdracht.nl/fhir/StructureDefinition/ext-reachability"
SPEC_OTHER = "http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther"
BSN = "http://fhir.nl/fhir/NamingSystem/bsn"
SCT = "http://snomed.info/sct"
# the zib BehandelingCodelijst in Dutch (as formats/profile/README.md lists it)
TREATMENT_NL = {"89666000": "Reanimatie", "40617009": "Beademing",
                "305351004": "Opname op intensive care", "32485007": "Ziekenhuisopname",
                "281789004": "Antibiotica", "116762002": "Toediening van bloedproducten"}
ORDER = ["niet", "wel", "anders", "bejegening", "normaal-gedrag", "contact",
         "regiebehandelaar", "medicatie", "context"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find(self, tag=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k) == v for k, v in attrs.items())]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def ext(res, url):
    for e in res.get("extension", []) + res.get("modifierExtension", []):
        if e.get("url") == url:
            return e
    return None


def concept_text(c):
    if not c:
        return None
    if c.get("text"):
        return c["text"]
    for k in c.get("coding", []):
        return k.get("display") or k.get("code")
    return None


def treatment_name(consent):
    codes = consent.get("provision", {}).get("code", [])
    code = codes[0] if codes else {}
    for k in code.get("coding", []):
        if k.get("system") == SCT and k.get("code") in TREATMENT_NL:
            return TREATMENT_NL[k["code"]]
    return concept_text(code)


def main():
    dom_path, doc_path, variant, today = sys.argv[1:5]
    tree = Tree()
    with open(dom_path, encoding="utf-8") as f:
        tree.feed(f.read())
    with open(doc_path, encoding="utf-8") as f:
        doc = json.load(f)
    root = tree.root
    fails = []

    def check(ok, what):
        if not ok:
            fails.append(what)

    # ---- nothing runs, nothing is fetched
    html = root.find("html")
    check(html and html[0].attrs.get("lang") == "nl", "html lang is not nl")
    check(not root.find("script"), "a script element")
    for n in root.walk():
        check("src" not in n.attrs, f"a src attribute on <{n.tag}>")
        href = n.attrs.get("href")
        check(href is None or href.startswith("tel:"), f"a link that is not tel: {href}")
        check(n.tag not in ("iframe", "object", "embed", "link", "img", "form"),
              f"a <{n.tag}> element")

    # ---- order: header, then the limits, then the rest by urgency
    order = [n for n in root.walk() if n.tag in ("header", "h2", "section")]
    check(order and order[0].tag == "header", "the page does not start with the header")
    h2s = [n for n in order if n.tag == "h2"]
    first_h2 = h2s[0] if h2s else None
    check(first_h2 is not None and first_h2.parent.attrs.get("id") == "niet",
          "the first h2 after the header is not the treatment limits' (section#niet)")
    check(first_h2 is not None and "NIET" in first_h2.text(), "the first h2 does not say NIET")
    ids = [n.attrs.get("id") for n in order if n.tag == "section"]
    seen = [i for i in ids if i in ORDER]
    check(seen == ORDER, f"sections out of order: {ids}")
    for extra in ("wilsverklaring", "verlopen"):
        if extra in ids:
            check(ids.index("anders") < ids.index(extra) < ids.index("bejegening"),
                  f"section {extra} is not between 'anders' and the behaviour advice")

    def section_text(sid):
        s = root.find("section", id=sid)
        return " ".join(s[0].text().split()) if s else ""

    # ---- every treatment directive in the section of its decision
    resources = {e["fullUrl"]: e["resource"] for e in doc["entry"]}
    limits = 0
    for r in resources.values():
        if r["resourceType"] != "Consent":
            continue
        if not any(k.get("code") == "treatment" for k in r.get("scope", {}).get("coding", [])):
            continue
        name = treatment_name(r)
        end = r.get("provision", {}).get("period", {}).get("end")
        expired = r.get("status") == "inactive" or (end is not None and end[:10] < today)
        kind = r.get("provision", {}).get("type")
        sid = "verlopen" if expired else {"deny": "niet", "permit": "wel"}.get(kind, "anders")
        text = section_text(sid)
        check(name and " ".join(name.split()) in text,
              f"directive '{name}' ({kind or 'anders'}{', verlopen' if expired else ''}) "
              f"is not in section#{sid}")
        if sid == "anders":
            other = (ext(r, SPEC_OTHER) or {}).get("valueString")
            if other:
                check(" ".join(other.split()) in text, f"the specification of '{name}' is missing")
        if sid == "verlopen":
            check("VERLOPEN" in text, f"expired directive '{name}' is not marked VERLOPEN")
        limits += sid == "niet"
    if limits == 0:
        check("geen geldende behandelgrenzen" in section_text("niet"),
              "no treatment limits, and the page does not say so")

    # ---- who to call now, for the variant
    contact_h2 = root.find("h2", id="h-contact")
    words = "avond, nacht en weekend" if variant == "anw" else "kantooruren"
    check(contact_h2 and words in contact_h2[0].text(), f"the contacts are not for '{words}'")
    team = next((r for r in resources.values() if r["resourceType"] == "CareTeam"), None)
    patient = next(r for r in resources.values() if r["resourceType"] == "Patient")
    involved, former = set(), set()
    for p in (team or {}).get("participant", []):
        ref = p.get("member", {}).get("reference")
        end = p.get("period", {}).get("end")
        (former if end is not None and end[:10] < today else involved).add(ref)
    involved |= {g.get("reference") for g in patient.get("generalPractitioner", [])}
    expected = set()
    for url, r in resources.items():
        if r["resourceType"] not in ("PractitionerRole", "RelatedPerson", "Organization"):
            continue
        if url in former and url not in involved:
            continue  # a former regiebehandelaar, no longer involved
        for t in r.get("telecom", []):
            w = (ext(t, REACH) or {}).get("valueCode", "office")
            if t.get("system") == "phone" and t.get("value") and w in ("always", variant):
                expected.add("".join(c for c in t["value"] if c.isdigit() or c == "+"))
    now_table = root.find("table", id="bereikbaar-nu")
    shown = set()
    if now_table:
        shown = {a.attrs["href"][4:] for a in now_table[0].find("a") if "href" in a.attrs}
    check(shown == expected, f"reachable now: shown {sorted(shown)}, expected {sorted(expected)}")

    # ---- identification
    bsn = next((i["value"] for i in patient.get("identifier", []) if i.get("system") == BSN), "")
    page_text = root.text()
    check(bsn and bsn not in page_text and f"******{bsn[-3:]}" in page_text,
          "the BSN is not masked")
    header = root.find("header")
    name = concept_text({"text": patient["name"][0].get("text")}) if patient.get("name") else ""
    check(header and name and name in header[0].text(), "the header does not name the patient")

    for f in fails:
        print(f"FAIL {dom_path}: {f}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
