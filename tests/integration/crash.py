#!/usr/bin/env python3
"""crash.py - the publishers and the final verification of test_crash.sh (Python 3 standard
library and xmllint). Every write carries a marker (meta.source urn:crash:R:L:SEQ) so that
what a 2xx acknowledged can be recognised after the server was killed and restarted.

  crash.py plan PORT PKI OUTDIR FIXTURE-A FIXTURE-B FIXTURE-C
        writes OUTDIR/plan-1.json (PUT every Consent of patient A, the stored Consents as
        templates), plan-2.json (POST patient B's transaction, return=representation) and
        plan-3.json (alternately patient C's transaction and a PUT of one of its Consents,
        both with Prefer: return=minimal)
  crash.py publish PORT PKI PLAN ROUND LOOP ACKS STOPFILE
        runs the plan round and round until STOPFILE exists; every 2xx goes to ACKS as one
        JSON line per acknowledged version (type, id, version, ETag, the marker, what was
        sent and what came back); prints a JSON summary (statuses, errors, acks)
  crash.py verify PORT PKI BSN-SYSTEM ACKS-FILES... -- BSN...
        reads everything back from the restarted server; prints one line per check:
        PASS<TAB>what, FAIL<TAB>what<TAB>details, or SKIP<TAB>what<TAB>why
"""

import copy
import json
import os
import re
import subprocess
import tempfile
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import Client  # noqa: E402

import http.client  # noqa: E402
import ssl  # noqa: E402

FHIR_NS = "{http://hl7.org/fhir}"
LOCATION = re.compile(r"(?:^|/)([A-Za-z]+)/([A-Za-z0-9.\-]{1,64})/_history/([0-9]+)$")


def load_fixture(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def consent_ids(fixture):
    return [e["request"]["url"].split("/", 1)[1] for e in fixture["entry"]
            if e["request"]["method"] == "PUT" and e["request"]["url"].startswith("Consent/")]


def cmd_plan(port, pki, outdir, fxa, fxb, fxc):
    c = Client(int(port), pki, "institution")

    def consent_jobs(fixture, prefer):
        jobs = []
        for cid in consent_ids(fixture):
            st, _, body = c.request("GET", "/fhir/Consent/" + cid)
            if st != 200:
                raise SystemExit("GET Consent/%s: %d" % (cid, st))
            r = json.loads(body)
            r.get("meta", {}).pop("versionId", None)
            r.get("meta", {}).pop("lastUpdated", None)
            jobs.append({"kind": "put", "type": "Consent", "id": cid, "body": r, "prefer": prefer})
        return jobs

    a, b, cc = load_fixture(fxa), load_fixture(fxb), load_fixture(fxc)
    plans = {
        1: consent_jobs(a, None),
        2: [{"kind": "tx", "body": b, "prefer": None}],
        3: [],
    }
    for job in consent_jobs(cc, "return=minimal"):
        plans[3] += [{"kind": "tx", "body": cc, "prefer": "return=minimal"}, job]
    for k, v in plans.items():
        with open("%s/plan-%d.json" % (outdir, k), "w", encoding="utf-8") as f:
            json.dump(v, f, ensure_ascii=False)
    c.close()
    return 0


def strip_server_meta(r):
    r = copy.deepcopy(r)
    m = r.get("meta", {})
    m.pop("versionId", None)
    m.pop("lastUpdated", None)
    if not m:
        r.pop("meta", None)
    return r


def cmd_publish(port, pki, plan_file, round_no, loop_no, acks_file, stop_file):
    with open(plan_file, encoding="utf-8") as f:
        plan = json.load(f)
    c = Client(int(port), pki, "institution", timeout=30)
    summary = {"sent": 0, "status": {}, "errors": {}, "acks": 0, "partial": 0}
    acks = open(acks_file, "a", encoding="utf-8")
    seq = 0
    while not os.path.exists(stop_file):
        job = plan[seq % len(plan)]
        marker = "urn:crash:%s:%s:%d" % (round_no, loop_no, seq)
        seq += 1
        body = copy.deepcopy(job["body"])
        headers = {"Content-Type": "application/fhir+json"}
        if job["prefer"]:
            headers["Prefer"] = job["prefer"]
        if job["kind"] == "put":
            body.setdefault("meta", {})["source"] = marker
            method, path = "PUT", "/fhir/Consent/" + job["id"]
        else:
            for e in body["entry"]:
                e["resource"].setdefault("meta", {})["source"] = marker
            method, path = "POST", "/fhir"
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        summary["sent"] += 1
        try:
            if c.conn is None:
                c.conn = http.client.HTTPSConnection("localhost", c.port, context=c.ctx,
                                                     timeout=c.timeout)
            c.conn.request(method, path, body=data, headers=headers)
            r = c.conn.getresponse()
        except (OSError, ssl.SSLError, http.client.HTTPException) as e:
            c.close()
            k = type(e).__name__
            summary["errors"][k] = summary["errors"].get(k, 0) + 1
            time.sleep(0.05)  # the server is down or starting
            continue
        status = r.status
        summary["status"][str(status)] = summary["status"].get(str(status), 0) + 1
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        try:
            payload = r.read()
            complete = True
        except (OSError, ssl.SSLError, http.client.HTTPException):
            payload, complete = b"", False
            c.close()
        if hdrs.get("connection", "").lower() == "close":
            c.close()
        if not 200 <= status < 300:
            continue
        lines = []
        if job["kind"] == "put":
            m = LOCATION.search(hdrs.get("location", ""))
            etag = hdrs.get("etag", "")
            ev = re.fullmatch(r'W/"([0-9]+)"', etag)
            version = m.group(3) if m else (ev.group(1) if ev else None)
            returned = None
            if complete and payload:
                try:
                    returned = json.loads(payload)
                except ValueError:
                    returned = {"unparseable": payload[:200].decode("latin-1")}
            lines.append({"kind": "put", "type": "Consent", "id": job["id"], "version": version,
                          "etag": etag, "location": hdrs.get("location"), "marker": marker,
                          "check_marker": True, "sent": body, "returned": returned,
                          "status": status})
        else:
            try:
                resp = json.loads(payload) if complete else None
            except ValueError:
                resp = None
            if resp is None:
                summary["partial"] += 1
                lines.append({"kind": "tx-unread", "marker": marker, "status": status})
            else:
                for sent_e, e in zip(body["entry"], resp.get("entry", [])):
                    rsp = e.get("response", {})
                    m = LOCATION.search(rsp.get("location", ""))
                    # a conditional create that found the record did not write it
                    written = sent_e["request"]["method"] == "PUT" or \
                        rsp.get("status", "").startswith("201")
                    if not m and not written:
                        continue  # and may leave out its location
                    lines.append({
                        "kind": "tx", "type": m and m.group(1), "id": m and m.group(2),
                        "version": m and m.group(3), "etag": rsp.get("etag"),
                        "location": rsp.get("location"), "marker": marker,
                        "check_marker": written, "sent": None, "returned": e.get("resource"),
                        "status": status, "entry_status": rsp.get("status")})
        for line in lines:
            acks.write(json.dumps(line, ensure_ascii=False) + "\n")
        acks.flush()
        summary["acks"] += 1
    acks.close()
    c.close()
    print(json.dumps(summary, sort_keys=True))
    return 0


def cmd_verify(port, pki, bsn_system, *rest):
    sep = rest.index("--")
    ack_files, bsns = rest[:sep], rest[sep + 1:]
    c = Client(int(port), pki, "institution", timeout=60)
    out = []
    served = {}

    def result(ok, what, details=()):
        details = list(details)
        if ok:
            out.append("PASS\t%s" % what)
        else:
            more = " (and %d more)" % (len(details) - 12) if len(details) > 12 else ""
            out.append("FAIL\t%s\t%s%s" % (what, "; ".join(details[:12]), more))

    def get_json(path):
        st, h, body = c.request("GET", path)
        try:
            return st, h, json.loads(body) if body else None
        except ValueError:
            return st, h, None

    acks = []
    for f in ack_files:
        with open(f, encoding="utf-8") as fh:
            acks += [json.loads(line) for line in fh if line.strip()]
    versioned = [a for a in acks if a["kind"] in ("put", "tx")]
    unread = [a for a in acks if a["kind"] == "tx-unread"]

    # 1. every acknowledged version is there, with what was acknowledged
    bad = []
    for a in versioned:
        if not (a["type"] and a["id"] and a["version"]):
            bad.append("%s: no version in the acknowledgement (%s)" % (a["marker"], a.get("location")))
            continue
        path = "/fhir/%s/%s/_history/%s" % (a["type"], a["id"], a["version"])
        st, h, d = get_json(path)
        if st != 200 or not d:
            bad.append("%s: %s (acknowledged by %s)" % (path, st, a["marker"]))
            continue
        if d.get("meta", {}).get("versionId") != a["version"]:
            bad.append("%s: meta.versionId %s" % (path, d.get("meta", {}).get("versionId")))
        if h.get("etag") != 'W/"%s"' % a["version"] or (a["etag"] and a["etag"] != h.get("etag")):
            bad.append("%s: ETag %s, acknowledged %s" % (path, h.get("etag"), a["etag"]))
        if a["check_marker"] and d.get("meta", {}).get("source") != a["marker"]:
            bad.append("%s: meta.source %s, acknowledged %s" % (path, d.get("meta", {}).get("source"),
                                                                a["marker"]))
        if a["returned"] is not None and a["returned"] != d:
            bad.append("%s: differs from the representation in the 2xx" % path)
        if a["sent"] is not None and strip_server_meta(a["sent"]) != strip_server_meta(d):
            bad.append("%s: differs from the resource sent (%s)" % (path, a["marker"]))
    result(not bad, "every acknowledged version (%d, of %d 2xx answers) is read back by vread with "
           "the acknowledged content (meta.source marker, the 2xx representation, the PUT body)"
           % (len(versioned), len({a["marker"] for a in acks})), bad)

    # 2. no version number was acknowledged twice (a lost update)
    seen, bad = {}, []
    for a in versioned:
        if not a["check_marker"]:
            continue  # a conditional create that matched names the existing version
        k = (a["type"], a["id"], a["version"])
        if k in seen and seen[k] != a["marker"]:
            bad.append("%s/%s version %s acknowledged to %s and %s" % (k[0], k[1], k[2], seen[k],
                                                                       a["marker"]))
        seen[k] = a["marker"]
    result(not bad, "no version of a record was acknowledged to two different writes", bad)

    # 3. versions without gaps, the newest at least the newest acknowledged
    newest_acked = {}
    for a in versioned:
        if a["type"] and a["version"]:
            k = (a["type"], a["id"])
            newest_acked[k] = max(newest_acked.get(k, 0), int(a["version"]))
    pids = {}
    for bsn in bsns:
        st, _, d = get_json("/fhir/Patient?identifier=%s|%s" % (bsn_system, bsn))
        if st == 200 and d and d.get("total") == 1:
            pids[bsn] = d["entry"][0]["resource"]["id"]
    result(len(pids) == len(bsns), "all %d demo patients are found by BSN" % len(bsns),
           ["BSN %s not found" % b for b in bsns if b not in pids])
    keys = set(newest_acked) | {("Patient", p) for p in pids.values()} | \
        {("Bundle", p) for p in pids.values()}
    bad = []
    for typ, rid in sorted(keys):
        st, _, d = get_json("/fhir/%s/%s/_history?_count=100" % (typ, rid))
        if st != 200 or not d:
            bad.append("%s/%s/_history: %s" % (typ, rid, st))
            continue
        try:
            vs = [int(LOCATION.search(e["response"]["location"]).group(3))
                  for e in d.get("entry", [])]
        except (KeyError, AttributeError, TypeError):
            bad.append("%s/%s/_history: an entry without response.location" % (typ, rid))
            continue
        total = d.get("total")
        if not vs or total != vs[0] or vs != list(range(vs[0], vs[0] - len(vs), -1)) or \
                len(vs) != min(total, 100):
            bad.append("%s/%s: history total %s, versions %s" % (typ, rid, total, vs[:8]))
            continue
        if vs[0] < newest_acked.get((typ, rid), 0):
            bad.append("%s/%s: newest version %d, but %d was acknowledged" % (
                typ, rid, vs[0], newest_acked[(typ, rid)]))
    result(not bad, "%d records and documents: history total = newest version, versions "
           "contiguous, none older than an acknowledged one" % len(keys), bad)

    # 4. every patient's current document is the store's newest, in both formats
    docs, bad_etag, bad_valid, bad_current = {}, [], [], []
    for bsn, pid in sorted(pids.items()):
        st, _, hist = get_json("/fhir/Bundle/%s/_history?_count=1" % pid)
        if st != 200 or not hist or not hist.get("entry"):
            bad_etag.append("Bundle/%s/_history: %s" % (pid, st))
            continue
        m = LOCATION.search(hist["entry"][0].get("response", {}).get("location", ""))
        if not m:
            bad_etag.append("Bundle/%s/_history: no response.location" % pid)
            continue
        newest = m.group(3)
        got = {}
        for fmt in ("json", "xml"):
            st1, h1, body = c.request("GET", "/fhir/Patient/%s/$handover?_format=%s" % (pid, fmt))
            st2, h2, _ = c.request("GET", "/fhir/Bundle/%s/_history/%s?_format=%s" % (pid, newest, fmt))
            if st1 != 200 or st2 != 200 or not h1.get("etag") or h1.get("etag") != h2.get("etag"):
                bad_etag.append("patient %s %s: $handover %s ETag %s, Bundle/_history/%s %s ETag %s"
                                % (bsn, fmt, st1, h1.get("etag"), newest, st2, h2.get("etag")))
            elif not h1["etag"].startswith('"%s-' % newest):
                bad_etag.append("patient %s %s: ETag %s is not of version %s" % (
                    bsn, fmt, h1["etag"], newest))
            got[fmt] = body
        if set(got) != {"json", "xml"}:
            continue
        try:
            dj = json.loads(got["json"])
        except ValueError as e:
            bad_valid.append("patient %s: JSON does not parse: %s" % (bsn, e))
            continue
        lint = subprocess.run(["xmllint", "--nonet", "--noout", "-"], input=got["xml"],
                              capture_output=True)
        if lint.returncode != 0:
            bad_valid.append("patient %s: XML not well-formed: %s" % (
                bsn, lint.stderr.decode(errors="replace")[:200]))
            continue
        x = ET.fromstring(got["xml"])
        xid = x.find(FHIR_NS + "id")
        xver = x.find("%smeta/%sversionId" % (FHIR_NS, FHIR_NS))
        xid = xid.get("value") if xid is not None else None
        xver = xver.get("value") if xver is not None else None
        if x.tag != FHIR_NS + "Bundle" or dj.get("resourceType") != "Bundle" or \
                dj.get("type") != "document" or dj.get("id") != xid or dj.get("id") != pid or \
                dj.get("meta", {}).get("versionId") != xver or xver != newest:
            bad_valid.append("patient %s: JSON Bundle %s version %s, XML %s %s version %s, newest %s"
                             % (bsn, dj.get("id"), dj.get("meta", {}).get("versionId"), x.tag,
                                xid, xver, newest))
            continue
        docs[pid] = dj
        served[pid] = got
        # every record in the document is the record's current version
        for e in dj.get("entry", [])[1:]:
            r = e.get("resource", {})
            typ, rid, v = r.get("resourceType"), r.get("id"), r.get("meta", {}).get("versionId")
            st, _, cur = get_json("/fhir/%s/%s" % (typ, rid))
            cv = cur.get("meta", {}).get("versionId") if cur else None
            if st != 200 or cv != v:
                bad_current.append("patient %s: the document holds %s/%s version %s, the store %s"
                                   % (bsn, typ, rid, v, cv if st == 200 else st))
    result(not bad_etag, "every patient's current document ($handover, JSON and XML) has the "
           "ETag of the newest version in its history (Bundle/{id}/_history/{v})", bad_etag)
    result(not bad_valid, "every current document: JSON parses, XML is well-formed (xmllint), "
           "both say the same Bundle.id and meta.versionId (the newest)", bad_valid)
    result(not bad_current, "every current document holds the current version of each of its "
           "records (it was rebuilt in the same transaction as every acknowledged write)",
           bad_current)

    # 5. every current document's signature verifies against the service's certificate,
    #    in both formats, over the bytes as served
    bad_sig = []
    tool = os.environ.get("HANDOVER_BIN", "")
    for pid, forms in served.items():
        for fmt, body in forms.items():
            with tempfile.NamedTemporaryFile(suffix="." + fmt) as f:
                f.write(body)
                f.flush()
                v = subprocess.run([tool, "verify", "--cert", os.path.join(pki, "server.pem"),
                                    f.name], capture_output=True)
                if v.returncode != 0:
                    bad_sig.append("patient %s %s: handover verify exit %d: %s" % (
                        pid, fmt, v.returncode, v.stdout.decode(errors="replace")[:200]))
    result(bool(tool) and bool(served) and not bad_sig, "every current document's signature "
           "verifies (handover verify against the service's certificate, JSON and XML as served)",
           bad_sig or ([] if tool else ["HANDOVER_BIN is not set"]))

    result(True, "acknowledged transactions whose answer was cut off by the kill: %d "
           "(their versions could not be recorded)" % len(unread))
    c.close()
    print("\n".join(out))
    return 0


def main(argv):
    cmds = {"plan": cmd_plan, "publish": cmd_publish, "verify": cmd_verify}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
