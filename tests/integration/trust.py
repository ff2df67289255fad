#!/usr/bin/env python3
"""trust.py - helpers for test_trust.sh (Python 3 standard library only).

  trust.py chain LOG                  recomputes the access log's hash chain on its own (not
                                      with the server's code): prints "ok N" when every line is
                                      a record with the fields in the documented order, seq
                                      1..N, prev = the hash before (64 zeros first) and hash =
                                      SHA-256 of the bytes from '{' up to and including prev's
                                      closing quote; else "broken K: why" (K the first bad
                                      line) and exit 1
  trust.py records LOG [FROM]         the records from line FROM (1-based, default 1) as a
                                      JSON list (the parsed lines)
  trust.py rec LOG K EXPR [ARG]...    exit 0 when the Python expression EXPR is true of record
                                      K (a line number, or "last"): r (the record as JSON), a
                                      (the ARGs); else prints the record and exits 1
  trust.py count LOG EXPR [ARG]...    prints how many records EXPR is true of
  trust.py tamper LOG OUT HOW K       a damaged copy: HOW is byte (one byte of record K's time
                                      changed), delete (record K removed), swap (records K and
                                      K+1 exchanged) or truncate (the last line cut short,
                                      without its newline)
  trust.py bsn START [NOT]...         the first BSN >= START that passes the elfproef and is
                                      none of NOT
  trust.py variant IN OUT BSN TAG PRACTICE-URA
                                      a handover fixture (transaction Bundle) made into a new
                                      patient that shares no record or identifier with any
                                      stored one: the BSN replaced by BSN, every id and
                                      identifier value given the TAG, every Organization a
                                      fresh URA except the care team's managing organisation
                                      with URA 90000001, which becomes PRACTICE-URA, and the
                                      voorwacht's PractitionerRole moved to an Organization of
                                      its own (URA printed as "voorwacht-ura U")
  trust.py naive IN OUT BSN TAG       the same fixture with only the BSN and the record ids
                                      changed: its Organizations, Practitioners and roles
                                      still name (by conditional references) the stored ones
                                      other patients share
  trust.py snapshot PORT PKI CERT PATIENT-ID...
                                      over one HTTPS connection with the client certificate
                                      CERT: "Bundle/ID VERSION" of every patient's document,
                                      then "Type/id VERSION" of every record in the first
                                      patient's document
  trust.py dangling DOC               prints the references of a document Bundle that resolve
                                      to no entry's fullUrl; exit 1 when there are any
  trust.py edit IN OUT STMT [ARG]...  runs STMT on r (IN as JSON) and writes r to OUT; also
                                      role(p) (a participant's first care role code)
"""

import copy
import hashlib
import json
import re
import sys

KEYS = ["seq", "time", "action", "interaction", "status", "org", "role", "user", "userRole",
        "patient", "bsn", "entity", "source", "service", "prev", "hash"]
BSN_SYS = "http://fhir.nl/fhir/NamingSystem/bsn"
URA_SYS = "http://fhir.nl/fhir/NamingSystem/ura"


def chain(path):
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        print("broken %d: the last line has no newline" % len(lines))
        return 1
    prev = "0" * 64
    for no, raw in enumerate(lines, 1):
        try:
            line = raw.decode("ascii")
            rec = json.loads(line)
        except ValueError as e:
            print("broken %d: not a JSON line (%s)" % (no, e))
            return 1
        if list(rec) != KEYS:
            print("broken %d: keys %s, expected %s" % (no, list(rec), KEYS))
            return 1
        cut = line.find(',"hash":"')
        if cut < 0 or not line.endswith('"}'):
            print("broken %d: no hash at the end" % no)
            return 1
        want = hashlib.sha256(raw[:cut]).hexdigest()
        if rec["hash"] != want:
            print("broken %d: hash %s, recomputed %s" % (no, rec["hash"], want))
            return 1
        if not line[:cut].endswith(',"prev":"%s"' % rec["prev"]):
            print("broken %d: prev is not the last field before hash" % no)
            return 1
        if rec["prev"] != prev:
            print("broken %d: prev %s, the record before has %s" % (no, rec["prev"], prev))
            return 1
        if rec["seq"] != no:
            print("broken %d: seq %s" % (no, rec["seq"]))
            return 1
        if not isinstance(rec["status"], int):
            print("broken %d: status is not a number" % no)
            return 1
        prev = rec["hash"]
    print("ok %d" % len(lines))
    return 0


def records(path, first=1):
    out = []
    with open(path, encoding="ascii") as f:
        for no, line in enumerate(f, 1):
            if no >= first:
                out.append(json.loads(line))
    print(json.dumps(out))
    return 0


def lines_of(path):
    with open(path, encoding="ascii") as f:
        return f.read().splitlines()


def rec(path, k, expr, args):
    lines = lines_of(path)
    try:
        line = lines[-1] if k == "last" else lines[int(k) - 1]
        r = json.loads(line)
        ok = eval(expr, {"r": r, "a": args, "re": re})  # noqa: S307 - the test's own expressions
    except Exception as e:  # a missing record or key is a failed check
        print("record %s: %s: %s" % (k, type(e).__name__, e))
        return 1
    if not ok:
        print("record %s is %s" % (k, line))
        return 1
    return 0


def count(path, expr, args):
    print(sum(1 for line in lines_of(path)
              if eval(expr, {"r": json.loads(line), "a": args, "re": re})))  # noqa: S307
    return 0


def tamper(path, out, how, k):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    k -= 1
    if how == "byte":
        line = bytearray(lines[k])
        i = line.index(b'"time":"') + len(b'"time":"') + 3  # the last digit of the year
        line[i] = ord("7") if line[i] != ord("7") else ord("8")
        lines[k] = bytes(line)
    elif how == "delete":
        del lines[k]
    elif how == "swap":
        lines[k], lines[k + 1] = lines[k + 1], lines[k]
    elif how == "truncate":
        with open(out, "wb") as f:
            f.write(b"\n".join(lines[:-1] + [lines[-1][: len(lines[-1]) // 2]]))
        return 0
    with open(out, "wb") as f:
        f.write(b"".join(x + b"\n" for x in lines))
    return 0


def elfproef(b):
    return len(b) == 9 and b.isdigit() and \
        (sum(int(c) * w for c, w in zip(b[:8], range(9, 1, -1))) - int(b[8])) % 11 == 0


def bsn(start, avoid):
    v = int(start)
    while not elfproef("%09d" % v) or "%09d" % v in avoid:
        v += 1
    print("%09d" % v)
    return 0


def old_bsn(bundle):
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Patient":
            for i in r.get("identifier", []):
                if i.get("system") == BSN_SYS:
                    return i["value"]
    raise SystemExit("no BSN in the fixture")


def renamed(bundle, new_bsn, tag):
    """The BSN and every id tag (the 'clNNNNN' prefix of the record ids) replaced, as text."""
    text = json.dumps(bundle, ensure_ascii=False)
    ids = set(re.findall(r'"url": "[A-Za-z]+/(cl\d+)-', text))
    text = text.replace(old_bsn(bundle), new_bsn)
    for old in ids:
        text = text.replace(old + "-", tag + "-")
    return json.loads(text)


def variant(src, out, new_bsn, tag, practice_ura):
    b = renamed(json.load(open(src, encoding="utf-8")), new_bsn, tag)
    by_url = {e["fullUrl"]: e for e in b["entry"]}
    team = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "CareTeam")
    managing = {m["reference"] for m in team.get("managingOrganization", [])}
    counter = [0]
    swaps = {}  # "system|old" -> "system|new", for the request urls and ifNoneExist

    def fresh(value):
        counter[0] += 1
        if value.isdigit():
            return ("7" + "%0*d" % (len(value) - 1, int(tag.strip("cl") or 0) * 100 + counter[0]))[
                : len(value)]
        return "%s-%s" % (tag, value)

    for e in b["entry"]:
        r = e["resource"]
        for i in r.get("identifier", []):
            sys_, val = i.get("system"), i.get("value")
            if sys_ == BSN_SYS or val is None:
                continue
            if r["resourceType"] == "Organization" and sys_ == URA_SYS and val == "90000001" \
                    and e["fullUrl"] in managing:
                new = practice_ura
            elif val.startswith(tag + "-"):
                continue  # already made unique by the id tag
            else:
                new = fresh(val)
            swaps["%s|%s" % (sys_, val)] = "%s|%s" % (sys_, new)
            i["value"] = new
    for e in b["entry"]:
        req = e["request"]
        for k in ("url", "ifNoneExist"):
            for old, new in swaps.items():
                if req.get(k, "").endswith(old):
                    req[k] = req[k][: -len(old)] + new
    # the voorwacht gets an Organization of its own, so that removing it removes a URA
    voorwacht_ura = None
    for p in team.get("participant", []):
        codes = [c.get("code") for ro in p.get("role", []) for c in ro.get("coding", [])]
        member = by_url.get(p.get("member", {}).get("reference"))
        if "voorwacht" in codes and member and member["resource"]["resourceType"] == \
                "PractitionerRole":
            voorwacht_ura = fresh("90000000")
            org_url = "urn:uuid:00000000-0000-4000-8000-%012d" % int(new_bsn)
            b["entry"].insert(1, {
                "fullUrl": org_url,
                "resource": {
                    "resourceType": "Organization",
                    "identifier": [{"system": URA_SYS, "value": voorwacht_ura}],
                    "name": "Thuiszorg Voorwacht %s" % tag,
                },
                "request": {"method": "POST", "url": "Organization",
                            "ifNoneExist": "identifier=%s|%s" % (URA_SYS, voorwacht_ura)},
            })
            member["resource"]["organization"] = {"reference": org_url}
            break
    with open(out, "w", encoding="utf-8") as f:
        json.dump(b, f, ensure_ascii=False)
    print("voorwacht-ura", voorwacht_ura or "")
    return 0


def naive(src, out, new_bsn, tag):
    b = renamed(json.load(open(src, encoding="utf-8")), new_bsn, tag)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(b, f, ensure_ascii=False)
    return 0


def snapshot(port, pki, cert, pids):
    import http.client
    import ssl
    ctx = ssl.create_default_context(cafile=pki + "/ca.pem")
    ctx.load_cert_chain(pki + "/%s.pem" % cert, pki + "/%s.key" % cert)
    conn = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=60)

    def get(path):
        conn.request("GET", "/fhir/" + path, headers={"Accept": "application/fhir+json"})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (json.loads(body) if resp.status == 200 else None)

    first = None
    for pid in pids:
        status, doc = get("Bundle/" + pid)
        print("Bundle/%s %s" % (pid, doc["meta"]["versionId"] if doc else "none(%d)" % status))
        if first is None:
            first = doc
    for e in (first or {}).get("entry", [])[1:]:
        t, i = e["resource"]["resourceType"], e["resource"]["id"]
        status, r = get("%s/%s" % (t, i))
        print("%s/%s %s" % (t, i, r["meta"]["versionId"] if r else "none(%d)" % status))
    conn.close()
    return 0


def dangling(path):
    d = json.load(open(path, encoding="utf-8"))
    urls = {e.get("fullUrl") for e in d.get("entry", [])}
    refs = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "reference" and isinstance(x, str):
                    refs.append(x)
                else:
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(d)
    bad = [r for r in refs if not r.startswith("#") and r not in urls]
    if bad:
        print(" ".join(sorted(set(bad))))
        return 1
    return 0


def role(p):
    for ro in p.get("role", []):
        for c in ro.get("coding", []):
            return c.get("code")
    return None


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "chain":
        return chain(argv[2])
    if cmd == "records":
        return records(argv[2], int(argv[3]) if len(argv) > 3 else 1)
    if cmd == "rec":
        return rec(argv[2], argv[3], argv[4], argv[5:])
    if cmd == "count":
        return count(argv[2], argv[3], argv[4:])
    if cmd == "tamper":
        return tamper(argv[2], argv[3], argv[4], int(argv[5]))
    if cmd == "bsn":
        return bsn(argv[2], set(argv[3:]))
    if cmd == "variant":
        return variant(*argv[2:7])
    if cmd == "naive":
        return naive(*argv[2:6])
    if cmd == "snapshot":
        return snapshot(argv[2], argv[3], argv[4], argv[5:])
    if cmd == "dangling":
        return dangling(argv[2])
    if cmd == "edit":
        r = json.load(open(argv[2], encoding="utf-8"))
        exec(argv[4], {"r": r, "a": argv[5:], "copy": copy, "json": json,  # noqa: S102
                       "role": role})
        with open(argv[3], "w", encoding="utf-8") as f:
            json.dump(r, f, ensure_ascii=False)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
