#!/bin/bash
# Hostile input against a running handoverd: XML entities and DTDs, deep nesting, bodies
# past the limit, broken encodings, wrong content types, SQL and path characters in ids and
# search values, header floods and slow clients. Each check wants the right 4xx with a FHIR
# OperationOutcome (JSON, severity error or fatal) and, afterwards, /health 200 and the
# stored data as it was (the 13 demo patients' ids and versions, their documents' ETags
# in both formats and history totals, and every record of one patient).
#
# usage: test_hostile.sh BUILD_DIR SOURCE_DIR
#
# TAP output as test_server.sh; exit 0 when every check passed. Needs curl, openssl (the
# dev PKI), xmllint and python3. IT_KEEP=1 keeps the temporary directory. With a sanitizer
# build (BUILD_DIR of -DHANDOVER_SANITIZE=ON) the last checks catch every sanitizer report
# in the server's stderr.
#
# Answers that libmicrohttpd gives itself (headers beyond its 64 KB memory pool,
# an unparseable Content-Length) are HTML, not FHIR; those checks want a 4xx only and say
# in a "# note:" what came.
# shellcheck disable=SC2016  # $handover and Python in single quotes
set -u

it_name=hostile
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" "$@"
mkdir -p "$tmp/b" "$tmp/raw"

maxbody=1048576
timeout_s=8 # a whole request must arrive within it, also on a loaded machine under ASan
maxconn=64
FXA=$fx/valid/gz-mpt-huisarts-emb.json # patient A: the target of hostile writes
FXAX=$fx/valid/gz-mpt-huisarts-emb.xml
A_BSN=$(bsn_of "$FXA")

echo "# handoverd hostile-input test: $daemon, temporary directory $tmp"
make_pki

# A canary HTTP server on loopback: a network entity, DTD, XInclude or schema location that
# the server fetched would show up in its log (and its answers carry CANARY-LEAK).
canary_port=$(free_port)
"$py" - "$canary_port" "$tmp/canary.log" > /dev/null 2>&1 <<'EOF' &
import http.server, sys
port, log = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.path + "\n")
        body = b'<!ENTITY x "CANARY-LEAK root:x:0:0">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
bg_pids=$!
canary=http://127.0.0.1:$canary_port
for _ in $(seq 50); do
  curl -s -o /dev/null "$canary/control" && break
  sleep 0.1
done
begin "the canary HTTP server on loopback logs what is fetched from it (control)"
LAST="GET $canary/control"; code=-; B=$tmp/canary.log; H=/dev/null
grep -q '^/control$' "$tmp/canary.log" 2>/dev/null || bad "the canary did not log the control request"
end
: > "$tmp/canary.log"

start_server --demo --max-body "$maxbody" --timeout "$timeout_s" --max-connections "$maxconn" ||
  bail "handoverd did not start (no event=start within 60 s)"
grep -q 'event=demo patients=13' "$LOG" || bail "the demo patients were not loaded: $(tail -5 "$LOG")"

# ---------------------------------------------------------------- the snapshot

BSNS=
for f in "$fx"/valid/*.json; do BSNS="$BSNS $(bsn_of "$f")"; done
# every record of patient A that has a fixed id (PUT Type/id in its transaction)
RES=$("$py" - "$FXA" <<'EOF'
import json, re, sys
for e in json.load(open(sys.argv[1]))["entry"]:
    u = e["request"]["url"]
    if e["request"]["method"] == "PUT" and re.fullmatch(r"[A-Za-z]+/[A-Za-z0-9.-]+", u):
        print("--res", u)
EOF
)
# shellcheck disable=SC2086  # word lists
snap() { hx snapshot "$port" "$pki" "$bsn_sys" $BSNS $RES > "$1" 2>&1; }
snap "$tmp/snap.0"
cp "$tmp/snap.0" "$tmp/snap.ref"
A_PID=$(sed -n "s/^patient $A_BSN id \([^ ]*\) .*/\1/p" "$tmp/snap.0")
[ -n "$A_PID" ] || bail "patient A ($A_BSN) not found: $(head -5 "$tmp/snap.0")"
begin "snapshot of the stored data: 13 patients with a document in JSON and XML, $(echo "$RES" | wc -l) records of patient A"
LAST="snapshot"; code=-; B=$tmp/snap.0; H=/dev/null
[ "$(grep -c ' id .* version ' "$tmp/snap.0")" = 13 ] || bad "not 13 patients found"
[ "$(grep -c 'document \(json\|xml\) status 200 etag "' "$tmp/snap.0")" = 26 ] || bad "not 26 documents"
grep -q 'status 200 version' "$tmp/snap.0" || bad "patient A's records not readable"
! grep -Eq 'status (404|4..|5..) version|history status' "$tmp/snap.0" || bad "a record is not readable"
end

# intact: /health is 200 and the stored data are as in the snapshot. A change is reported
# once (the check that made it fails) and becomes the new reference.
intact() {
  local hc
  hc=$(curl -s -o "$tmp/health.body" -w '%{http_code}' --max-time 30 --cacert "$pki/ca.pem" "$base/health")
  [ "$hc" = 200 ] || bad "/health answered $hc afterwards: $(head -c 200 "$tmp/health.body")"
  kill -0 "$srv_pid" 2>/dev/null || bail "the server is gone: $(tail -20 "$LOG")"
  snap "$tmp/snap.now"
  if ! cmp -s "$tmp/snap.ref" "$tmp/snap.now"; then
    bad "the stored data changed: $(diff "$tmp/snap.ref" "$tmp/snap.now" | grep '^[<>]' | head -6 | tr '\n' ';')"
    cp "$tmp/snap.now" "$tmp/snap.ref"
  fi
}
# endh: end of a hostile check (the server is up and nothing changed)
endh() { intact; end; }
# noleak: the body does not hold /etc/passwd or what the canary serves
noleak() {
  ! grep -aq 'root:' "$B" || bad "the answer contains 'root:' (a local file leaked)"
  ! grep -aq 'CANARY-LEAK' "$B" || bad "the answer contains what the canary server served"
}
canary_quiet() { [ ! -s "$tmp/canary.log" ] || bad "the server fetched from the network: $(tr '\n' ' ' < "$tmp/canary.log")"; }
# raw NAME CERT: sends $tmp/raw/NAME.req over TLS as it is; $code, $B, $H as for req
raw() {
  code=$(hx request "$port" "$pki" "$2" "$tmp/raw/$1.req" "$tmp/raw/$1" "${3:-20}" 2> "$tmp/raw/$1.err")
  B=$tmp/raw/$1.body
  H=$tmp/raw/$1.hdr
  LAST="raw $1 ($(head -c 60 "$tmp/raw/$1.req" | head -1 | tr -d '\r\000'))"
}
is4xx() { case $code in 4[0-9][0-9]) ;; *) bad "status $code, expected a 4xx" ;; esac; }
# mhd_note: how a 4xx that libmicrohttpd may have answered itself looked
mhd_note() {
  local ct
  ct=$(hget Content-Type)
  if ! q expr "$B" "$H" 'd["resourceType"] == "OperationOutcome"' 2>/dev/null; then
    echo "# note: $LAST -> $code, not a FHIR OperationOutcome (Content-Type '${ct:-none}'): $(head -c 120 "$B" | tr -d '\000\r' | tr '\n' ' ')"
  fi
}

# ---------------------------------------------------------------- hostile bodies

curl -s -g --cacert "$pki/ca.pem" --cert "$pki/institution.pem" --key "$pki/institution.key" \
  -o "$tmp/patient-a.json" "$base/fhir/Patient/$A_PID"
curl -s -g --cacert "$pki/ca.pem" --cert "$pki/institution.pem" --key "$pki/institution.key" \
  -o "$tmp/patient-a.xml" "$base/fhir/Patient/$A_PID?_format=xml"
hx bodies "$tmp/b" "$FXA" "$FXAX" "$tmp/patient-a.json" "$tmp/patient-a.xml" "$canary" "$maxbody" ||
  bail "could not write the hostile bodies"
b=$tmp/b
VAL_B='/fhir/Bundle/$validate'
VAL_P='/fhir/Patient/$validate'

# ================================================================ XML entities and DTDs

echo "# XML external entities, DTDs, entity bombs"
for kind in file net dtd public param; do
  for target in /fhir "$VAL_B"; do
    req institution POST "$target" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/xxe-$kind.xml"
    begin "XML with a DOCTYPE ($kind entity/DTD) to POST $target: 400 OperationOutcome, code security, nothing read or fetched"
    st 400; ooerr; oo security; noleak; canary_quiet
    endh
  done
done
req institution PUT "/fhir/Patient/$A_PID" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/patient-xxe.xml"
begin "PUT /fhir/Patient/{id} in XML with a file entity: 400 security, no 'root:'"
st 400; ooerr; oo security; noleak
endh
req institution POST /fhir "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/lol.xml"
begin "a billion-laughs entity bomb: 400 security within 5 s (took ${SECS} s)"
st 400; ooerr; oo security
"$py" -c 'import sys; sys.exit(float(sys.argv[1]) >= 5)' "$SECS" || bad "took $SECS s"
endh
req institution POST "$VAL_B" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/lol.xml"
begin "the entity bomb to \$validate: 400 security within 5 s (took ${SECS} s)"
st 400; ooerr; oo security
"$py" -c 'import sys; sys.exit(float(sys.argv[1]) >= 5)' "$SECS" || bad "took $SECS s"
endh
req institution POST /fhir "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/undeclared-entity.xml"
begin "an undeclared entity reference (&x; without a DOCTYPE): 400"
st 400; ooerr; noleak
endh
req institution POST /fhir "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/xinclude.xml"
begin "xi:include of /etc/passwd and of a URL in a transaction: 400, nothing included or fetched"
st 400; ooerr; noleak; canary_quiet
endh
req institution POST "$VAL_B" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/xinclude.xml"
begin "xi:include to \$validate: 400, or 200 with an error issue; nothing included or fetched"
st_in 200 400; ooerr; noleak; canary_quiet
endh
req institution POST "$VAL_B" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/schemaloc.xml"
begin "xsi:schemaLocation pointing at a URL (\$validate): an OperationOutcome, the schema is not fetched"
st_in 200 400; pyt 'd["resourceType"] == "OperationOutcome"'; canary_quiet
endh

# ================================================================ deep nesting

echo "# deep nesting"
for f in deep-arrays.json deep-objects.json deep-million.json; do
  for target in "/fhir/Patient/$A_PID" "$VAL_P"; do
    case $target in "$VAL_P") m=POST ;; *) m=PUT ;; esac
    req institution "$m" "$target" "${json_ct[@]}" --data-binary "@$b/$f"
    begin "$f ($(wc -c < "$b/$f") bytes) to $m $target: 400 too-costly (too deep)"
    st 400; ooerr; oo too-costly
    endh
  done
done
for f in deep.xml deep-unknown.xml; do
  for target in "/fhir/Patient/$A_PID" "$VAL_P"; do
    case $target in "$VAL_P") m=POST ;; *) m=PUT ;; esac
    req institution "$m" "$target" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/$f"
    begin "$f (10,000 nested elements) to $m $target: 400 too-costly (too deep)"
    st 400; ooerr; oo too-costly
    endh
  done
done
req institution POST /fhir "${json_ct[@]}" --data-binary "@$b/deep-tx.json"
begin "a transaction whose Patient nests 10,000 extensions (JSON): 400 too-costly"
st 400; ooerr; oo too-costly
endh
req institution POST /fhir "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/deep-tx.xml"
begin "a transaction whose Patient nests 10,000 extensions (XML): 400 too-costly"
st 400; ooerr; oo too-costly
endh

# ================================================================ sizes

echo "# bodies at and past --max-body ($maxbody)"
req institution POST /fhir "${json_ct[@]}" --data-binary "@$b/big.json"
begin "a body past --max-body with Content-Length: 413 too-costly"
st 413; ooerr; oo too-costly
endh
req institution POST /fhir "${json_ct[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$b/big.json"
begin "a chunked body past --max-body (no Content-Length): 413 too-costly"
st 413; ooerr; oo too-costly
endh
req institution PUT "/fhir/Patient/$A_PID" "${json_ct[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$b/plus1.json"
begin "PUT with a chunked body one byte past the limit: 413"
st 413; ooerr
endh
req institution POST "$VAL_P" "${json_ct[@]}" --data-binary "@$b/exact.json"
begin "\$validate of a valid Patient padded to exactly --max-body bytes: 200, no error"
st 200; pyt 'd["resourceType"] == "OperationOutcome" and not issues()'
endh
req institution POST "$VAL_P" "${json_ct[@]}" --data-binary "@$b/plus1.json"
begin "the same padded to --max-body + 1 bytes: 413"
st 413; ooerr
endh
# the client waits for the answer as the protocol says (curl's own default gives up after 1 s)
req institution POST /fhir "${json_ct[@]}" -H 'Expect: 100-continue' --expect100-timeout 30 --data-binary "@$b/big.json"
begin "a body past the limit sent after Expect: 100-continue: 413"
st 413; ooerr
endh
printf 'POST /fhir HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\nContent-Length: 2147483648\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n' > "$tmp/raw/announced.req"
raw announced institution 10
begin "Content-Length: 2 GiB announced with Expect: 100-continue, no body sent: 413 at once (not 100 Continue and a wait)"
st 413; ooerr
that "the server asked for the body (100 Continue)" not grep -aq '^HTTP/1.1 100' "$tmp/raw/announced.raw"
endh
for v in -1 99999999999999999999999 '12, 13' abc; do
  printf 'POST /fhir/Patient/$validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n{}' "$v" > "$tmp/raw/cl.req"
  raw cl institution
  begin "Content-Length: $v: a 4xx"
  is4xx
  endh
  mhd_note
done
printf 'POST /fhir/Patient/$validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n' > "$tmp/raw/chunk.req"
raw chunk institution
begin "a chunk size of 2^80: a 4xx"
is4xx
endh
mhd_note

# ================================================================ encodings

echo "# invalid UTF-8, UTF-16, NUL"
for f in ff overlong surrogate truncated above-10ffff nul esc-surrogate; do
  for target in "/fhir/Patient/$A_PID" "$VAL_P"; do
    case $target in "$VAL_P") m=POST ;; *) m=PUT ;; esac
    req institution "$m" "$target" "${json_ct[@]}" --data-binary "@$b/utf8-$f.json"
    begin "JSON with $f in a string to $m $target: 400"
    st 400; ooerr
    endh
  done
done
req institution PUT "/fhir/Patient/$A_PID" "${json_ct[@]}" --data-binary "@$b/utf8-esc-nul.json"
begin "PUT of a Patient with \\u0000 in a string: 400"
st 400; ooerr
endh
req institution POST "$VAL_P" "${json_ct[@]}" --data-binary "@$b/utf8-esc-nul.json"
begin "\$validate of a Patient with \\u0000 in a string: an error issue (200 or 400)"
st_in 200 400; ooerr
endh
for f in nul-after.json utf16.json; do
  req institution PUT "/fhir/Patient/$A_PID" "${json_ct[@]}" --data-binary "@$b/$f"
  begin "PUT of $f: 400"
  st 400; ooerr
  endh
done
for f in ff surrogate nul charref-nul charref-surrogate; do
  for target in "/fhir/Patient/$A_PID" "$VAL_P"; do
    case $target in "$VAL_P") m=POST ;; *) m=PUT ;; esac
    req institution "$m" "$target" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/utf8-$f.xml"
    begin "XML with $f in a value to $m $target: 400"
    st 400; ooerr
    endh
  done
done
for f in utf16-decl utf16-bom utf16be-bom latin1-decl; do
  for target in "/fhir/Patient/$A_PID" "$VAL_P"; do
    case $target in "$VAL_P") m=POST ;; *) m=PUT ;; esac
    req institution "$m" "$target" "${xml_ct[@]}" "${as_json[@]}" --data-binary "@$b/$f.xml"
    begin "XML not in UTF-8 ($f) to $m $target: 400 or 415 (FHIR XML is UTF-8 only)"
    st_in 400 415; ooerr
    endh
  done
done

# ================================================================ content types

echo "# content types"
for ct in 'text/plain' 'application/x-www-form-urlencoded' 'multipart/form-data; boundary=x' \
          'application/fhir+json; charset=iso-8859-1' 'application/fhir+json; charset=utf-16' \
          'application/octet-stream' 'application/fhir+json, application/fhir+xml' '*/*'; do
  req institution POST /fhir -H "Content-Type: $ct" --data-binary "@$FXA"
  begin "a valid transaction with Content-Type '$ct': 415 OperationOutcome"
  st 415; ooerr
  endh
done
req institution POST /fhir -H 'Content-Type:' --data-binary "@$FXA"
begin "a valid transaction without Content-Type: 415"
st 415; ooerr
endh
req institution POST /fhir --data-urlencode "resource@$FXA"
begin "a transaction sent as a form (curl --data-urlencode): 415"
st 415; ooerr
endh
req institution POST /fhir -F "resource=@$FXA;type=application/fhir+json"
begin "a transaction sent as multipart/form-data (a part typed application/fhir+json): 415"
st 415; ooerr
endh
for ct in 'text/plain' 'application/fhir+json; charset=iso-8859-1' ''; do
  req institution PUT "/fhir/Patient/$A_PID" -H "Content-Type: $ct" --data-binary "@$b/patient.json"
  begin "PUT /fhir/Patient/{id} with Content-Type '$ct': 415"
  st 415; ooerr
  endh
  req institution POST "$VAL_P" -H "Content-Type: $ct" --data-binary "@$b/patient.json"
  begin "\$validate with Content-Type '$ct': 415"
  st 415; ooerr
  endh
done

# ================================================================ ids and search values

echo "# ids and search values with SQL and path characters"
req institution GET "/fhir/Patient/1'%20OR%20'1'='1"
begin "GET /fhir/Patient/1' OR '1'='1: 400"
st 400; ooerr
endh
req institution GET "/fhir/Patient/$A_PID'%20OR%20'1'='1"
begin "GET /fhir/Patient/{A}' OR '1'='1: 400 (not patient A)"
st 400; ooerr
endh
for u in '/fhir/Patient/..%2F..%2Fetc%2Fpasswd' '/fhir/Patient/../../../../etc/passwd' \
         '/fhir/Patient/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/fhir/StructureDefinition/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd' \
         '/fhir/StructureDefinition/../../../../../../etc/passwd' '/fhir/CodeSystem/..%2F..%2F..%2FREADME.md' \
         '/fhir/Patient/%C0%AE%C0%AE%2F%C0%AE%C0%AE%2Fetc%2Fpasswd' '/fhir/Bundle/..%2FPatient'; do
  req institution GET "$u" --path-as-is
  begin "GET $u: 400 or 404, no file content"
  st_in 400 404; ooerr; noleak
  ! grep -aq '^# MGZ' "$B" || bad "the answer holds README.md"
  endh
done
req institution GET '/fhir/Patient/a%00b'
begin "GET /fhir/Patient/a%00b (a NUL in the id): 400"
st 400; ooerr
endh
req institution GET '/fhir/Consent/cl32482-td-beademing%00junk'
begin "GET /fhir/Consent/{an existing id}%00junk: 400 (the id is not cut at the NUL)"
st 400; ooerr
endh
printf '{"resourceType":"Practitioner","id":"hostile-nul","name":[{"family":"Nul"}]}' > "$b/prac-nul.json"
req institution PUT '/fhir/Practitioner/hostile-nul%00x' "${json_ct[@]}" --data-binary "@$b/prac-nul.json"
begin "PUT /fhir/Practitioner/hostile-nul%00x with body id hostile-nul: 400 (ids differ), nothing stored"
st 400; ooerr
req institution GET /fhir/Practitioner/hostile-nul
[ "$code" = 404 ] || bad "Practitioner/hostile-nul exists afterwards (status $code)"
endh
req institution GET '/fhir/Patient/a%0d%0aSet-Cookie:%20hostile=1'
begin "CR LF in an id: 400, no header injected"
st 400; ooerr
that "a Set-Cookie header came back" not grep -aqi '^set-cookie' "$H"
endh
req institution GET "/fhir/Patient/$A_PID/_history/1'%20OR%201=1"
begin "vread with SQL in the version: 400"
st 400; ooerr
endh
req institution GET "/fhir/Patient/$A_PID/_history/99999999999999999999999"
begin "vread of version 10^23: 400 or 404"
st_in 400 404; ooerr
endh
for c in 99999999999999999999 -5 abc "1'"; do
  req institution GET "/fhir/Patient/$A_PID/_history?_count=$c"
  begin "history with _count=$c: 400"
  st 400; ooerr
  endh
done

search_none() { # search_none VALUE DESCRIPTION: search by identifier=VALUE finds nothing
  req institution GET "/fhir/Patient?identifier=$1"
  begin "search identifier=$1 ($2): 200 searchset, total 0"
  st 200; jeq resourceType Bundle; jeq total 0; pyt 'not d.get("entry")'
  endh
}
search_none "x|1'%20OR%20'1'='1" "SQL in the value"
search_none "x'%20OR%20'1'='1|1" "SQL in the system"
search_none "$bsn_sys|$A_BSN'--" "a comment after a valid BSN"
search_none "$bsn_sys|$A_BSN'%20OR%20'1'='1" "a valid BSN OR true"
search_none "$bsn_sys|%25" "the LIKE wildcard %"
search_none "$bsn_sys|_________" "nine LIKE wildcards _ (as long as a BSN)"
search_none "$bsn_sys|${A_BSN%????}%25" "a BSN prefix and %"
search_none "%25|%25" "% as system and value"
search_none "${bsn_sys%/*}%25|$A_BSN" "% in the system"
search_none "$bsn_sys|$A_BSN%5C" "a backslash after a BSN"
req institution GET "/fhir/Patient?identifier=$bsn_sys|$A_BSN%00"
begin "search with a NUL after a valid BSN: 400 or total 0 (the value is not cut at the NUL)"
st_in 200 400
if [ "$code" = 200 ]; then jeq total 0; else ooerr; fi
endh
B_BSN=$(bsn_of "$fx/valid/oz-vmb-so-alzheimer.json")
req institution GET "/fhir/Patient?identifier=$bsn_sys|$A_BSN&identifier=$bsn_sys|$B_BSN"
begin "search with identifier twice (two patients' BSNs, AND): 400 or total 0, not one of them"
st_in 200 400
if [ "$code" = 200 ]; then jeq total 0; else ooerr; fi
endh
for v in "$bsn_sys|%25" "$bsn_sys|_________"; do
  req institution GET "/fhir/Patient/\$handover?identifier=$v"
  begin "\$handover?identifier=$v: 404 (wildcards match nothing)"
  st 404; ooerr
  endh
done
req institution GET "/fhir/Patient?identifier=$bsn_sys|$A_BSN&_format=junk"
begin "_format=junk: 406"
st 406; ooerr
endh
req institution GET '/fhir/metadata?_format=xml%00json'
begin "_format=xml%00json: 406 (not read as xml)"
st 406; ooerr
endh
req institution GET "/fhir/Patient/$A_PID" -H 'Accept: junk/junk;q=x, ;;;'
begin "Accept with junk only: 406"
st 406; ooerr
endh
req institution GET "/fhir/Patient/$A_PID" -H 'Prefer: return=junk;;;,handling=%00, =, return'
begin "GET with a junk Prefer: treated as absent (200, the Patient)"
st 200; jeq resourceType Patient; jeq id "$A_PID"
endh
printf '{"resourceType":"Practitioner","id":"hostile-prefer","name":[{"family":"Prefer"}]}' > "$b/prac-prefer.json"
req institution PUT /fhir/Practitioner/hostile-prefer "${json_ct[@]}" -H 'Prefer: return=junk;;;, return=, x' --data-binary "@$b/prac-prefer.json"
begin "PUT of a new Practitioner (outside the snapshot) with a junk Prefer: 201 with the resource (the default)"
st 201; jeq resourceType Practitioner; jeq id hostile-prefer
endh

# ================================================================ header floods

echo "# header floods"
"$py" - "$tmp/raw" <<'EOF'
import sys
d = sys.argv[1]
h = "GET /fhir/metadata HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
open(d + "/h500.req", "w").write(h + "".join("X-Flood-%d: %s\r\n" % (i, "v" * 200) for i in range(500)) + "\r\n")
open(d + "/h500small.req", "w").write(h + "".join("X-F%d: v\r\n" % i for i in range(500)) + "\r\n")
open(d + "/h24k.req", "w").write(h + "".join("X-Flood-%d: %s\r\n" % (i, "v" * 800) for i in range(30)) + "\r\n")
open(d + "/h100k.req", "w").write(h + "X-Big: " + "a" * 100000 + "\r\n\r\n")
open(d + "/h1m.req", "w").write(h + "X-Big: " + "a" * 1000000 + "\r\n\r\n")
open(d + "/url12k.req", "w").write("GET /fhir/Patient/" + "a" * 12000 + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
open(d + "/query12k.req", "w").write("GET /fhir/Patient?identifier=x|" + "a" * 12000 + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
open(d + "/url100k.req", "w").write("GET /fhir/Patient/" + "a" * 100000 + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
open(d + "/query100k.req", "w").write("GET /fhir/Patient?identifier=x|" + "a" * 100000 + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
open(d + "/garbage.req", "wb").write(b"\x00\x01\x02 GARBAGE \xff\xfe\r\n\r\n")
open(d + "/http09.req", "w").write("GET /health\r\n\r\n")
EOF
for r in h500small:431:"500 headers of a few bytes (more than 100)" h24k:431:"30 headers of 800 bytes (24 KB)" \
         url12k:414:"a 12 KB URL path" query12k:414:"a 12 KB query"; do
  name=${r%%:*}; rest=${r#*:}
  raw "$name" institution
  begin "${rest#*:}: ${rest%%:*} with an OperationOutcome, the server stays up"
  st "${rest%%:*}"; ooerr
  endh
done
# beyond what the connection's memory pool holds libmicrohttpd answers 431/414 itself
# (HTML) and closes; when the close overtakes the answer while the client is still
# sending, the client sees a reset instead: both are a refusal
for r in h500:"500 headers of 200 bytes (100 KB)" h100k:"one 100 KB header" h1m:"one 1 MB header" \
         url100k:"a 100 KB URL path" query100k:"a 100 KB query"; do
  raw "${r%%:*}" institution
  begin "${r#*:}: refused (a 4xx, or the connection closed), the server stays up"
  case $code in 4[0-9][0-9] | none) ;; *) bad "status $code" ;; esac
  endh
  mhd_note
done
raw garbage institution 15
begin "binary garbage as the request line: a 4xx or the connection closed, the server stays up"
case $code in 4[0-9][0-9] | none) ;; *) bad "status $code" ;; esac
endh
raw http09 institution 15
begin "an HTTP/0.9 request line: a 4xx or the connection closed"
case $code in 4[0-9][0-9] | none) ;; *) bad "status $code" ;; esac
endh

# ================================================================ slow clients

echo "# slow clients (--timeout $timeout_s)"
bound=20
hx slow "$port" "$pki" 20 5 "$timeout_s" "$bound" > "$tmp/slow.json" 2> "$tmp/slow.err"
echo "# slow: $(cat "$tmp/slow.json") $(head -c 300 "$tmp/slow.err")"
sj() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$tmp/slow.json" "$1" 2>/dev/null; }
LAST="hostile.py slow"; code=-; B=$tmp/slow.json; H=/dev/null
begin "20 TLS connections stalled half-way through a request, 5 idle TCP connections and a partial ClientHello: 5 of 5 normal requests answered meanwhile"
[ "$(sj 'd["normal_ok"]')" = 5 ] || bad "answered: $(sj 'd["normal_ok"]') of 5"
endh
begin "the 20 stalled TLS connections are closed by the server within ${bound} s (--timeout $timeout_s)"
[ "$(sj 'd["stalled"]["closed"]')" = 20 ] || bad "closed: $(sj 'd["stalled"]')"
endh
begin "the 5 TCP connections that never start TLS and the partial ClientHello are closed within ${bound} s"
[ "$(sj 'd["tcp_idle"]["closed"]')" = 5 ] || bad "closed: $(sj 'd["tcp_idle"]')"
[ "$(sj 'd["partial_hello"]["closed"]')" = 1 ] || bad "partial ClientHello: $(sj 'd["partial_hello"]')"
endh
# libmicrohttpd times out idle connections only; the server's own deadline (a request must
# arrive in full within --timeout) cuts off a client that keeps trickling bytes
for part in headers body; do
  begin "a client trickling its request ${part} one byte a second is cut off within --timeout + 5 s"
  "$py" -c 'import json, sys; d = json.load(open(sys.argv[1]))["trickle"][sys.argv[2]]; sys.exit(not (d.get("closed") is not None and d["closed"] <= float(sys.argv[3])))' \
    "$tmp/slow.json" "$part" "$((timeout_s + 5))" || bad "$(sj 'd["trickle"]')"
  endh
done
begin "after the slow clients, new requests are answered (3 of 3)"
[ "$(sj 'd["after_ok"]')" = 3 ] || bad "answered: $(sj 'd["after_ok"]') of 3"
endh
hx flood "$port" "$pki" $((maxconn + 16)) "$bound" > "$tmp/flood.json" 2> "$tmp/flood.err"
echo "# flood: $(cat "$tmp/flood.json")"
LAST="hostile.py flood"; code=-; B=$tmp/flood.json; H=/dev/null
begin "$((maxconn + 16)) idle TCP connections (--max-connections $maxconn): closed by the server within ${bound} s, then requests are answered"
"$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (d["answered_after"] and d["closed"] == d["opened"]))' "$tmp/flood.json" ||
  bad "$(cat "$tmp/flood.json")"
endh

# ================================================================ at the end

begin "no hostile write reached the store: Practitioner/hostile-nul is absent, the snapshot of the start holds"
LAST="reads"; code=-; B=/dev/null; H=/dev/null
req institution GET /fhir/Practitioner/hostile-nul
[ "$code" = 404 ] || bad "Practitioner/hostile-nul: $code"
snap "$tmp/snap.end"
cmp -s "$tmp/snap.0" "$tmp/snap.end" || bad "changed since the start: $(diff "$tmp/snap.0" "$tmp/snap.end" | grep '^[<>]' | head -8 | tr '\n' ';')"
end
begin "no request from the server reached the canary (no network access while parsing)"
LAST="canary log"; code=-; B=$tmp/canary.log; H=/dev/null
canary_quiet
end
stop_server
begin "SIGTERM stops the server with exit status 0"
LAST="kill -TERM"; code=$STOP_RC; B=/dev/null; H=/dev/null
[ "$STOP_RC" = 0 ] || bad "exit status $STOP_RC"
end
begin "the server log has no sanitizer report and no error event"
LAST="server log"; code=-; B=/dev/null; H=/dev/null
log_clean || bad "$(log_findings)"
end

echo "1..$T"
if [ "$FAILS" -ne 0 ]; then
  echo "# $FAILS of $T checks failed"
  exit 1
fi
echo "# all $T checks passed"
exit 0
