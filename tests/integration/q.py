#!/usr/bin/env python3
"""q.py - JSON helpers for test_server.sh (Python 3 standard library only).

  q.py get FILE PATH                  the value at a dotted PATH (list indexes as numbers);
                                      strings as is, other values as JSON, nothing if missing
  q.py expr BODY HEADERS EXPR [ARG]...  exit 0 when the Python expression EXPR is true, with
                                      d (the body as JSON, None if it is not JSON), h (the
                                      last response's headers, lower-case names), a (the ARGs),
                                      g(PATH), issues(), rules(), codes() (see below)
  q.py edit IN OUT STMT [ARG]...      runs the statement STMT on r (IN as JSON), writes r to OUT
  q.py mutations BASE INVALID TXRESP OUTDIR
                                      for an invalid handover fixture that changes or adds
                                      exactly one resource written as PUT Type/id: that
                                      resource with its references pointed at the stored ids
                                      (from TXRESP, the answer to a transaction of BASE), as
                                      OUTDIR/Type-id.json; prints "Type id FILE"
  q.py shared DOC...                  an Organization present in two or more handover
                                      documents: prints "ORG-ID PATIENT-ID..."
  q.py docref DOC TYPE ID             prints the meta.versionId of TYPE/ID in the document
"""

import copy
import json
import re
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def headers(path):
    h = {}
    try:
        with open(path, encoding="latin-1") as f:
            lines = f.read().split("\n")
    except OSError:
        return h
    for line in lines:
        line = line.rstrip("\r")
        if line.startswith("HTTP/"):
            h = {}  # a later block (after 100 Continue) replaces the earlier one
        elif ":" in line:
            k, v = line.split(":", 1)
            h[k.strip().lower()] = v.strip()
    return h


def get(d, path):
    for p in path.split(".") if path else []:
        if isinstance(d, list):
            try:
                d = d[int(p)]
            except (ValueError, IndexError):
                return None
        elif isinstance(d, dict):
            d = d.get(p)
        else:
            return None
    return d


def issues_of(d, severities=("error", "fatal")):
    if not isinstance(d, dict) or d.get("resourceType") != "OperationOutcome":
        return []
    return [i for i in d.get("issue", []) if i.get("severity") in severities]


def rules_of(d, severities=("error", "fatal")):
    return [c.get("code") for i in issues_of(d, severities)
            for c in i.get("details", {}).get("coding", [])]


def references(v, fn):
    """Applies fn to every "reference" string in v, in place."""
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "reference" and isinstance(x, str):
                v[k] = fn(x)
            else:
                references(x, fn)
    elif isinstance(v, list):
        for x in v:
            references(x, fn)


def mutations(base_path, invalid_path, txresp_path, outdir):
    base, bad, resp = load(base_path), load(invalid_path), load(txresp_path)
    # the stored Type/id of every entry of the base, from the transaction-response (same order)
    stored = {}
    for e, r in zip(base["entry"], resp["entry"]):
        m = re.search(r"/([A-Za-z]+/[A-Za-z0-9.\-]+)$", r["fullUrl"])
        stored[e["fullUrl"]] = m.group(1)
    old = {e["fullUrl"]: e for e in base["entry"]}
    changed = [e for e in bad["entry"] if old.get(e["fullUrl"]) != e]
    if len(changed) != 1:
        return 0
    e = changed[0]
    url = e["request"]["url"]
    if e["request"]["method"] != "PUT" or not re.fullmatch(r"[A-Za-z]+/[A-Za-z0-9.\-]+", url):
        return 0
    for x in bad["entry"]:  # the new one's own fullUrl, and any other new ones
        if x["fullUrl"] not in stored and re.fullmatch(r"[A-Za-z]+/[A-Za-z0-9.\-]+",
                                                       x["request"].get("url", "")):
            stored[x["fullUrl"]] = x["request"]["url"]
    res = copy.deepcopy(e["resource"])
    references(res, lambda ref: stored.get(ref, ref))
    typ, rid = url.split("/")
    res["id"] = rid
    out = "%s/%s-%s.json" % (outdir, typ, rid)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(res, f, ensure_ascii=False)
    print(typ, rid, out)
    return 0


def shared(paths):
    where = {}
    for p in paths:
        d = load(p)
        if not d:
            continue
        for e in d.get("entry", []):
            r = e.get("resource", {})
            if r.get("resourceType") == "Organization" and r.get("id"):
                where.setdefault(r["id"], []).append(d["id"])
    best = max(where.items(), key=lambda kv: len(set(kv[1])), default=None)
    if best and len(set(best[1])) >= 2:
        print(best[0], " ".join(sorted(set(best[1]))))
    return 0


def docref(path, typ, rid):
    d = load(path) or {}
    for e in d.get("entry", []):
        r = e.get("resource", {})
        if r.get("resourceType") == typ and r.get("id") == rid:
            print(r.get("meta", {}).get("versionId", ""))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "get":
        v = get(load(argv[2]), argv[3])
        if v is not None:
            print(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        return 0
    if cmd == "expr":
        d = load(argv[2])
        env = {
            "d": d, "h": headers(argv[3]), "a": argv[5:], "json": json, "re": re,
            "g": lambda p: get(d, p),
            "issues": lambda sev=("error", "fatal"): issues_of(d, sev),
            "rules": lambda sev=("error", "fatal"): rules_of(d, sev),
            "codes": lambda sev=("error", "fatal"): [i.get("code") for i in issues_of(d, sev)],
        }
        try:
            ok = eval(argv[4], env)  # noqa: S307 - test expressions written in the script
        except Exception as e:  # a missing key is a failed check, not a crash
            print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
            return 1
        return 0 if ok else 1
    if cmd == "edit":
        r = load(argv[2])
        exec(argv[4], {"r": r, "a": argv[5:], "copy": copy, "json": json})  # noqa: S102
        with open(argv[3], "w", encoding="utf-8") as f:
            json.dump(r, f, ensure_ascii=False)
        return 0
    if cmd == "mutations":
        return mutations(*argv[2:6])
    if cmd == "shared":
        return shared(argv[2:])
    if cmd == "docref":
        return docref(*argv[2:5])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
