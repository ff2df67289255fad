#!/usr/bin/env python3
"""hostile.py - raw TLS clients for test_hostile.sh and test_crash.sh (Python 3 standard
library only). CERT is a client certificate of the development PKI (PKI/CERT.pem and
PKI/CERT.key) or "none".

  hostile.py request PORT PKI CERT REQFILE OUT [TIMEOUT]
        sends the bytes of REQFILE (a whole HTTP/1.1 request, normally with
        Connection: close) over TLS and reads until the server closes or TIMEOUT (20 s);
        writes the final response's header block to OUT.hdr, its body to OUT.body and
        everything received to OUT.raw; prints the final status code, or "none" when no
        (final) response came
  hostile.py snapshot PORT PKI BSN-SYSTEM BSN... [--res TYPE/ID]...
        the stored state as clients see it, one line per fact, for comparing: per BSN the
        Patient id and version, the handover document's JSON and XML ETags and its history
        total, the Patient's history total; per TYPE/ID the version, ETag and history total
  hostile.py bodies OUT FXA.json FXA.xml PATIENT.json PATIENT.xml CANARY MAX-BODY
        writes the hostile request bodies test_hostile.sh sends into the directory OUT:
        from a valid transaction of one patient (FXA, both formats), that patient's stored
        Patient (both formats), the canary URL (http://127.0.0.1:PORT) for network entities
        and the body limit
  hostile.py slow PORT PKI STALLED IDLE TIMEOUT BOUND
        STALLED TLS connections (client certificate institution) send half a request and
        stall, IDLE plain TCP connections never start the TLS handshake, one connection
        sends a partial ClientHello, and two trickle a request one byte per second (one in
        its headers, one in its body); while
        they hang, normal requests (new connections) must be answered; prints JSON: how
        many normal requests succeeded, and per kind how many connections the server
        closed and after how many seconds (each waited for at most BOUND seconds)
  hostile.py flood PORT PKI N BOUND
        opens N plain TCP connections (more than --max-connections) and leaves them idle;
        prints JSON: whether a request on a new connection was answered meanwhile, how many
        were closed by the server within BOUND seconds, and whether a request after that is
        answered
"""

import http.client
import json
import socket
import ssl
import sys
import threading
import time


def context(pki, cert):
    ctx = ssl.create_default_context(cafile=pki + "/ca.pem")
    if cert != "none":
        ctx.load_cert_chain("%s/%s.pem" % (pki, cert), "%s/%s.key" % (pki, cert))
    return ctx


def tls_socket(port, pki, cert, timeout=20):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return context(pki, cert).wrap_socket(raw, server_hostname="localhost")


def split_response(data):
    """The final (non-1xx) response in data: (status, header bytes, body bytes)."""
    while True:
        end = data.find(b"\r\n\r\n")
        if not data.startswith(b"HTTP/") or end < 0:
            return None, data, b""
        head, rest = data[:end + 4], data[end + 4:]
        try:
            status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return None, head, rest
        if 100 <= status < 200:
            data = rest
            continue
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                k, v = line.split(b":", 1)
                fields[k.strip().lower()] = v.strip()
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            body, pos = b"", 0
            while True:
                eol = rest.find(b"\r\n", pos)
                if eol < 0:
                    break
                try:
                    size = int(rest[pos:eol].split(b";")[0], 16)
                except ValueError:
                    break
                if size == 0:
                    break
                body += rest[eol + 2:eol + 2 + size]
                pos = eol + 2 + size + 2
            rest = body
        elif b"content-length" in fields:
            try:
                rest = rest[:int(fields[b"content-length"])]
            except ValueError:
                pass
        return status, head, rest


def cmd_request(port, pki, cert, reqfile, out, timeout="20"):
    data = open(reqfile, "rb").read()
    got = b""
    try:
        s = tls_socket(int(port), pki, cert, float(timeout))
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (OSError, ssl.SSLError) as e:
        print("# %s: %s" % (type(e).__name__, e), file=sys.stderr)
    status, head, body = split_response(got)
    with open(out + ".raw", "wb") as f:
        f.write(got)
    with open(out + ".hdr", "wb") as f:
        f.write(head if status else b"")
    with open(out + ".body", "wb") as f:
        f.write(body if status else got)
    print(status if status else "none")
    return 0


class Client:
    """A keep-alive HTTPS client that reconnects when the server closed the connection."""

    def __init__(self, port, pki, cert, timeout=30):
        self.port, self.ctx, self.timeout = port, context(pki, cert), timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx,
                                                        timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.close()
                return r.status, hdrs, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def cmd_snapshot(port, pki, bsn_system, *rest):
    bsns, res = [], []
    it = iter(rest)
    for a in it:
        if a == "--res":
            res.append(next(it))
        else:
            bsns.append(a)
    c = Client(int(port), pki, "institution")
    lines = []

    def get(path, what):
        st, h, body = c.request("GET", path)
        if st != 200:
            return st, h, None
        try:
            return st, h, json.loads(body) if what == "json" else body
        except ValueError:
            return st, h, None

    def history_total(path):
        st, _, d = get(path + "/_history?_count=1", "json")
        return d.get("total") if d else "status %d" % st

    for bsn in bsns:
        st, _, d = get("/fhir/Patient?identifier=%s|%s" % (bsn_system, bsn), "json")
        if not d or d.get("total") != 1:
            lines.append("patient %s: search status %s total %s" % (bsn, st, d and d.get("total")))
            continue
        p = d["entry"][0]["resource"]
        pid = p["id"]
        lines.append("patient %s id %s version %s" % (bsn, pid, p["meta"]["versionId"]))
        for fmt in ("json", "xml"):
            st, h, _ = get("/fhir/Patient/%s/$handover?_format=%s" % (pid, fmt), "raw")
            lines.append("patient %s document %s status %s etag %s" % (bsn, fmt, st, h.get("etag")))
        lines.append("patient %s document history %s" % (bsn, history_total("/fhir/Bundle/" + pid)))
        lines.append("patient %s Patient history %s" % (bsn, history_total("/fhir/Patient/" + pid)))
    for r in res:
        st, h, d = get("/fhir/" + r, "json")
        lines.append("%s status %s version %s etag %s history %s" % (
            r, st, d and d.get("meta", {}).get("versionId"), h.get("etag"),
            history_total("/fhir/" + r)))
    c.close()
    print("\n".join(lines))
    return 0


def normal_request(port, pki):
    """GET /fhir/metadata on a new connection: True when answered 200."""
    try:
        c = Client(port, pki, "institution", timeout=10)
        st, _, _ = c.request("GET", "/fhir/metadata", headers={"Connection": "close"})
        c.close()
        return st == 200
    except (OSError, ssl.SSLError, http.client.HTTPException):
        return False


def wait_closed(sock, t0, bound, out, key):
    """Records in out[key] the seconds after t0 when the server closed sock (None: not
    within bound)."""
    sock.settimeout(0.2)
    while time.time() - t0 < bound:
        try:
            if sock.recv(4096) == b"":
                out[key] = round(time.time() - t0, 1)
                return
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (OSError, ssl.SSLError):
            out[key] = round(time.time() - t0, 1)
            return
    out[key] = None


def cmd_slow(port, pki, stalled, idle, timeout, bound):
    port, stalled, idle, bound = int(port), int(stalled), int(idle), float(bound)
    halves = [
        b"GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nAcc",
        b"POST /fhir HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
        b"Content-Length: 1000\r\n\r\n{\"resourceType\":\"Bundle\",",
        b"GET /fhir/Pat",
        b"PUT /fhir/Consent/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n10\r\n{\"resourceT",
    ]
    socks = {}
    t0 = time.time()
    for i in range(stalled):
        s = tls_socket(port, pki, "institution")
        s.sendall(halves[i % len(halves)])
        socks["stalled-%d" % i] = s
    for i in range(idle):
        socks["tcp-idle-%d" % i] = socket.create_connection(("127.0.0.1", port), timeout=20)
    hello = socket.create_connection(("127.0.0.1", port), timeout=20)
    hello.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello
    socks["partial-hello"] = hello
    closed = {}
    threads = [threading.Thread(target=wait_closed, args=(s, t0, bound, closed, k))
               for k, s in socks.items()]
    for t in threads:
        t.start()
    # clients trickling a request one byte per second (never idle for --timeout): one
    # in its headers, one in its body after complete headers
    trickle = {}
    trickles = {
        "headers": b"GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nX-Trickle: " + b"a" * 1000,
        "body": b"POST /fhir/$validate HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n"
                + b" " * 1000,
    }

    def trickler(name):
        try:
            s = tls_socket(port, pki, "institution")
        except (OSError, ssl.SSLError):
            trickle[name] = {"closed": 0.0}
            return
        t1 = time.time()
        s.settimeout(0.05)
        for b in trickles[name]:
            if time.time() - t1 > bound:
                break
            try:
                s.sendall(bytes([b]))
                if s.recv(4096) == b"":
                    trickle[name] = {"closed": round(time.time() - t1, 1)}
                    return
                trickle[name] = {"answered": round(time.time() - t1, 1)}
                return
            except (socket.timeout, ssl.SSLWantReadError):
                pass
            except (OSError, ssl.SSLError):
                trickle[name] = {"closed": round(time.time() - t1, 1)}
                return
            time.sleep(1)
        trickle[name] = {"closed": None}

    tts = [threading.Thread(target=trickler, args=(name,)) for name in trickles]
    for tt in tts:
        tt.start()
    normal = [normal_request(port, pki) for _ in range(5)]
    for t in threads:
        t.join()
    for tt in tts:
        tt.join()
    after = [normal_request(port, pki) for _ in range(3)]
    for s in socks.values():
        s.close()

    def kind(prefix):
        v = [closed[k] for k in closed if k.startswith(prefix)]
        return {"n": len(v), "closed": sum(1 for x in v if x is not None),
                "max_s": max((x for x in v if x is not None), default=None)}

    print(json.dumps({
        "normal_ok": sum(normal), "normal_n": len(normal),
        "after_ok": sum(after), "after_n": len(after),
        "stalled": kind("stalled-"), "tcp_idle": kind("tcp-idle-"),
        "partial_hello": kind("partial-hello"),
        "trickle": trickle, "timeout": int(timeout), "bound": bound,
    }, sort_keys=True))
    return 0


def cmd_flood(port, pki, n, bound):
    port, n, bound = int(port), int(n), float(bound)
    socks = []
    t0 = time.time()
    for _ in range(n):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            break
    time.sleep(0.5)
    during = normal_request(port, pki)
    closed = {}
    threads = [threading.Thread(target=wait_closed, args=(s, t0, bound, closed, i))
               for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = normal_request(port, pki)
    for s in socks:
        s.close()
    print(json.dumps({"opened": len(socks), "answered_during": during,
                      "closed": sum(1 for v in closed.values() if v is not None),
                      "max_s": max((v for v in closed.values() if v is not None), default=None),
                      "answered_after": after}, sort_keys=True))
    return 0


def cmd_bodies(out, fxa_json, fxa_xml, pat_json, pat_xml, canary, max_body):
    import re
    max_body = int(max_body)

    def w(name, data):
        with open("%s/%s" % (out, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))

    decl = '<?xml version="1.0" encoding="UTF-8"?>\n'
    tx = open(fxa_xml, encoding="utf-8").read()
    if tx.startswith("<?xml"):
        tx = tx[tx.index("?>") + 2:].lstrip()
    # an entity used in a value the answer could echo: the Patient's family name
    ent = re.sub(r'<family value="[^"]*"', '<family value="&x;"', tx, count=1)
    w("xxe-file.xml", decl + '<!DOCTYPE Bundle [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + ent)
    w("xxe-net.xml", decl + '<!DOCTYPE Bundle [<!ENTITY x SYSTEM "%s/entity">]>\n' % canary + ent)
    w("xxe-dtd.xml", decl + '<!DOCTYPE Bundle SYSTEM "%s/external.dtd">\n' % canary + tx)
    w("xxe-public.xml", decl + '<!DOCTYPE Bundle PUBLIC "-//X//Y" "%s/public.dtd">\n' % canary + tx)
    w("xxe-param.xml", decl + '<!DOCTYPE Bundle [<!ENTITY %% p SYSTEM "%s/param.dtd"> %%p;]>\n'
      % canary + ent)
    lol = "".join('<!ENTITY x%d "%s">' % (i, ("&x%d;" % (i - 1)) * 10) for i in range(1, 10))
    w("lol.xml", decl + '<!DOCTYPE Bundle [<!ENTITY x0 "lol">' + lol + ']>\n'
      + ent.replace("&x;", "&x9;"))
    w("undeclared-entity.xml", decl + ent)
    w("xinclude.xml", decl + tx.replace(
        "<Bundle xmlns=\"http://hl7.org/fhir\">",
        "<Bundle xmlns=\"http://hl7.org/fhir\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
        "<xi:include href=\"file:///etc/passwd\" parse=\"text\"/>"
        "<xi:include href=\"%s/xinclude\" parse=\"text\"/>" % canary, 1))
    w("schemaloc.xml", decl + tx.replace(
        "<Bundle xmlns=\"http://hl7.org/fhir\">",
        "<Bundle xmlns=\"http://hl7.org/fhir\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://hl7.org/fhir %s/fhir-all.xsd\">" % canary, 1))
    pi = open(pat_xml, encoding="utf-8").read()
    if pi.startswith("<?xml"):
        pi = pi[pi.index("?>") + 2:].lstrip()
    w("patient-xxe.xml", decl + '<!DOCTYPE Patient [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
      + re.sub(r'<family value="[^"]*"', '<family value="&x;"', pi, count=1))

    # nesting far past the limit (100), and 1,000,000 levels (just under a 1 MiB body)
    n = 10000
    pj = json.load(open(pat_json, encoding="utf-8"))
    head = json.dumps({"resourceType": "Patient", "id": pj["id"]})[:-1]
    w("deep-arrays.json", head + ', "extension": ' + "[" * n + "]" * n + "}")
    w("deep-objects.json", head + ', "extension": [' + '{"url": "urn:x", "extension": [' * n
      + '{"url": "urn:x", "valueString": "x"}' + "]}" * n + "]}")
    w("deep-million.json", head + ', "extension": ' + "[" * min(1000000, max_body - 200))
    w("deep.xml", '<Patient xmlns="http://hl7.org/fhir"><id value="%s"/>' % pj["id"]
      + '<extension url="urn:x">' * n + '<valueString value="x"/>' + "</extension>" * n
      + "</Patient>")
    w("deep-unknown.xml", '<Patient xmlns="http://hl7.org/fhir"><id value="%s"/>' % pj["id"]
      + "<a>" * n + "</a>" * n + "</Patient>")
    txj = json.load(open(fxa_json, encoding="utf-8"))
    deep_tx = json.dumps(txj)
    mark = '"resourceType": "Patient", '
    assert mark in deep_tx
    w("deep-tx.json", deep_tx.replace(mark, mark + '"extension": [' + '{"url": "urn:x", "extension": ['
                                      * n + '{"url": "urn:x", "valueString": "x"}' + "]}" * n
                                      + "], ", 1))
    w("deep-tx.xml", decl + tx.replace("<Patient>", "<Patient>" + '<extension url="urn:x">' * n
                                      + '<valueString value="x"/>' + "</extension>" * n, 1))

    # sizes: a valid Patient padded with spaces to exactly the limit, and one byte more
    pjs = json.dumps(pj, ensure_ascii=False).encode("utf-8")
    w("exact.json", pjs + b" " * (max_body - len(pjs)))
    w("plus1.json", pjs + b" " * (max_body + 1 - len(pjs)))
    w("big.json", pjs + b" " * (max_body + 100000))

    # encodings: the Patient with the family name replaced by hostile bytes
    fam = pj["name"][0]["family"]
    base = json.dumps(pj, ensure_ascii=False).encode("utf-8")
    famb = json.dumps(fam, ensure_ascii=False)[1:-1].encode("utf-8")
    assert famb in base
    for name, bad in (("ff", b"Ja\xffn"), ("overlong", b"Ja\xc0\xafn"),
                      ("surrogate", b"Ja\xed\xa0\x80n"), ("truncated", b"Ja\xe2\x82"),
                      ("above-10ffff", b"Ja\xf4\x90\x80\x80n"), ("nul", b"Ja\x00n"),
                      ("esc-surrogate", b"Ja\\ud800n"), ("esc-nul", b"Ja\\u0000n")):
        w("utf8-%s.json" % name, base.replace(famb, bad, 1))
    w("nul-after.json", base + b"\x00")
    w("utf16.json", base.decode("utf-8").encode("utf-16"))
    pxb = pi.encode("utf-8")
    famx = re.search(rb'<family value="([^"]*)"', pxb).group(1)
    for name, bad in (("ff", b"Ja\xffn"), ("surrogate", b"Ja\xed\xa0\x80n"), ("nul", b"Ja\x00n"),
                      ("charref-nul", b"Ja&#0;n"), ("charref-surrogate", b"Ja&#xD800;n")):
        w("utf8-%s.xml" % name, pxb.replace(b'<family value="' + famx + b'"',
                                            b'<family value="' + bad + b'"', 1))
    w("utf16-decl.xml", ('<?xml version="1.0" encoding="UTF-16"?>\n' + pi).encode("utf-16"))
    w("utf16-bom.xml", pi.encode("utf-16"))
    w("utf16be-bom.xml", b"\xfe\xff" + pi.encode("utf-16-be"))
    w("latin1-decl.xml", ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + pi).encode("latin-1",
                                                                                   "replace"))
    w("patient.json", base)
    w("patient.xml", decl + pi)
    return 0


def main(argv):
    cmds = {"request": cmd_request, "snapshot": cmd_snapshot, "slow": cmd_slow,
            "flood": cmd_flood, "bodies": cmd_bodies}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
