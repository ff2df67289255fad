#!/bin/sh
# The development PKI (certs/make-dev-pki.sh): runs it into a temporary directory and checks the
# result with the openssl CLI: exactly the files other checks rely on (ca.pem, server.pem/.key,
# NAME.pem/.key for the clients, access.conf, ...), the trust chain (untrusted and expired refused, each for its own
# reason), ECDSA P-256 keys of mode 0600, the server's localhost name and serverAuth, the UZI
# identity in each certificate (SAN otherName 2.5.5.5 and permanentIdentifier, read from the DER),
# access.conf, and that a second run changes nothing.
# usage: test_dev_pki.sh SOURCE_DIR
set -u
top=$1
script=$top/certs/make-dev-pki.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pki=$tmp/pki
fails=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1${2:+: $2}"; fails=$((fails + 1)); }
check() { # name expected-status actual-status
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "exit $3, expected $2"; fi
}
has() { # name file pattern (grep -E)
  if grep -Eq -- "$3" "$2"; then ok "$1"; else fail "$1" "no '$3' in $(basename "$2")"; fi
}

# name:organisation:URA:UZI-nr:role the access.conf must give it
clients="institution:Zorggroep De Linde:90000001:900000101:publisher
practice:Huisartsenpraktijk Het Plein:90000002:900000102:publisher
hap:Huisartsenpost Regio Zwolle:90000003:900000103:reader
privacy:Zorggroep De Linde:90000001:900000111:privacy-officer
expired:Thuiszorg De Vecht:90000004:900000104:reader
untrusted:Zorgcentrum Buitenaf:90000099:900000199:publisher"
trusted="server institution practice hap privacy"
all="server institution practice hap privacy untrusted expired"

# san_offset CERT: offset of the subjectAltName value (its OCTET STRING) in the DER;
# san_der CERT: that value parsed by openssl asn1parse; san_hex CERT: its bytes in hex.
san_offset() {
  openssl asn1parse -in "$1" | awk '/:X509v3 Subject Alternative Name/ { f = 1; next }
    f && /OCTET STRING/ { sub(/:.*/, "", $1); print $1; exit }'
}
san_der() { openssl asn1parse -in "$1" -strparse "$(san_offset "$1")"; }
san_hex() {
  openssl asn1parse -in "$1" | awk '/:X509v3 Subject Alternative Name/ { f = 1; next }
    f && /OCTET STRING/ { sub(/.*HEX DUMP\]:/, ""); print; exit }'
}

# uzi_names CERT: the UZI otherNames read from the DER, one line each:
#   uzi <IA5String of otherName 2.5.5.5>
#   pi <identifierValue> <assigner>        (otherName permanentIdentifier 1.3.6.1.5.5.7.8.3)
uzi_names() {
  san_der "$1" | awk '
    function val(  v) { v = $0; sub(/^[^:]*:[^:]*:[^:]*:/, "", v); return v }
    /d=1 .*cont \[ 0 \]/ { flush(); oid = "" }
    /d=2 .*prim: OBJECT/ { oid = val() }
    /d=3 .*prim: IA5STRING/ && oid == "2.5.5.5" { print "uzi", val() }
    /d=4 .*prim: UTF8STRING/ && (oid == "Permanent Identifier" || oid == "1.3.6.1.5.5.7.8.3") { iv = val(); pi = 1 }
    /d=4 .*prim: OBJECT/ && (oid == "Permanent Identifier" || oid == "1.3.6.1.5.5.7.8.3") { as = val(); pi = 1 }
    function flush() { if (pi) print "pi", iv, as; pi = 0; iv = ""; as = "" }
    END { flush() }'
}

# role_for UZI-NR URA: the role access.conf gives a certificate (a uzi: entry wins over the URA's).
role_for() {
  awk -v uzi="uzi:$1" -v ura="$2" '/^[ \t]*#/ || NF < 2 { next }
    $1 == uzi { u = $2 } $1 == ura { r = $2 } END { print (u != "" ? u : r) }' "$pki/access.conf"
}

# check_uzi NAME ORGANISATION URA UZI-NR: the UZI identity of NAME.pem.
check_uzi() {
  cert=$pki/$1.pem
  uzi_names "$cert" > "$tmp/names"
  value=$(awk '$1 == "uzi" { print $2 }' "$tmp/names")
  fields=$(echo "$value" | awk -F- '{ print NF }')
  f5=$(echo "$value" | cut -d- -f5)
  want="2.16.528.1.1007.99.2110-1-$4-S-$3-00.000-"
  case $value in
    "$want"[0-9]*) if [ "$fields" = 7 ] && [ "$f5" = "$3" ]; then ok "uzi_san_$1"
                   else fail "uzi_san_$1" "$value: $fields fields, 5th $f5"; fi ;;
    *) fail "uzi_san_$1" "otherName 2.5.5.5 is '$value', expected $want<AGB>" ;;
  esac
  if grep -qx "pi $3 2.16.528.1.1007.3.3" "$tmp/names"; then ok "permanent_identifier_$1"
  else fail "permanent_identifier_$1" "$(grep '^pi' "$tmp/names" || echo none)"; fi
  # the otherName OIDs as encoded: 2.5.5.5 and 1.3.6.1.5.5.7.8.3, each followed by its [0] value
  hex=$(san_hex "$cert")
  case $hex in
    *0603550505A0*06082B06010505070803A0*) ok "san_oids_der_$1" ;;
    *) fail "san_oids_der_$1" "$hex" ;;
  esac
  subject=$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253)
  case $subject in
    "subject=serialNumber=$4,CN="*",O=$2,C=NL") ok "subject_$1" ;;
    *) fail "subject_$1" "$subject" ;;
  esac
}

# 1. Make a set.
sh "$script" "$pki" > "$tmp/out" 2>&1; check make 0 $?
missing=
for f in ca.pem ca.key trust.pem access.conf; do [ -s "$pki/$f" ] || missing="$missing $f"; done
for n in $all; do for e in pem key; do [ -s "$pki/$n.$e" ] || missing="$missing $n.$e"; done; done
if [ -z "$missing" ]; then ok files_present; else fail files_present "missing$missing"; fi
# the names are an interface other checks rely on: exactly these files, nothing else
want_files=$({ printf '%s\n' access.conf ca.key ca.pem trust.pem untrusted-ca.pem
  for n in $all; do printf '%s\n' "$n.key" "$n.pem"; done; } | sort | tr '\n' ' ')
got_files=$(cd "$pki" && printf '%s\n' * | sort | tr '\n' ' ')
if [ "$got_files" = "$want_files" ]; then ok files_exactly_the_interface
else fail files_exactly_the_interface "$got_files"; fi
set -- "$pki"/.new.*
if [ -e "$1" ]; then fail no_work_dir_left "$1"; else ok no_work_dir_left; fi

# 2. The trust chain.
if [ "$(grep -c 'BEGIN CERTIFICATE' "$pki/trust.pem")" = 1 ] && cmp -s "$pki/trust.pem" "$pki/ca.pem"
then ok trust_pem_is_dev_ca_only; else fail trust_pem_is_dev_ca_only; fi
openssl x509 -in "$pki/ca.pem" -noout -subject -ext basicConstraints > "$tmp/o" 2>&1
has ca_name "$tmp/o" 'CN = MGZ Dev UZI CA'
has ca_is_ca "$tmp/o" 'CA:TRUE'
openssl verify -CAfile "$pki/ca.pem" "$pki/ca.pem" > /dev/null 2>&1; check ca_self_signed 0 $?
for n in $trusted; do
  purpose=sslclient; [ "$n" = server ] && purpose=sslserver
  openssl verify -CAfile "$pki/trust.pem" -purpose "$purpose" "$pki/$n.pem" > "$tmp/o" 2>&1
  check "verify_$n" 0 $?
done
openssl verify -CAfile "$pki/trust.pem" "$pki/untrusted.pem" > "$tmp/o" 2>&1
check untrusted_refused 2 $?
has untrusted_refused_for_issuer "$tmp/o" 'unable to get local issuer certificate'
openssl verify -CAfile "$pki/untrusted-ca.pem" -purpose sslclient "$pki/untrusted.pem" > /dev/null 2>&1
check untrusted_verifies_against_its_own_ca 0 $?
openssl verify -CAfile "$pki/trust.pem" "$pki/expired.pem" > "$tmp/o" 2>&1
check expired_refused 2 $?
has expired_refused_for_expiry "$tmp/o" 'certificate has expired'
openssl verify -no_check_time -CAfile "$pki/trust.pem" -purpose sslclient "$pki/expired.pem" > /dev/null 2>&1
check expired_fine_but_for_its_dates 0 $?
openssl x509 -in "$pki/expired.pem" -noout -checkend 0 > /dev/null 2>&1
check expired_is_expired_now 1 $?

# 3. Keys: ECDSA P-256, mode 0600, matching their certificates.
for n in ca $all; do
  if openssl pkey -in "$pki/$n.key" -noout -text 2>/dev/null | grep -q 'ASN1 OID: prime256v1'
  then ok "key_p256_$n"; else fail "key_p256_$n"; fi
  mode=$(ls -l "$pki/$n.key" | cut -c1-10)
  if [ "$mode" = "-rw-------" ]; then ok "key_mode_0600_$n"; else fail "key_mode_0600_$n" "$mode"; fi
  if [ "$(openssl pkey -in "$pki/$n.key" -pubout 2>/dev/null)" = \
       "$(openssl x509 -in "$pki/$n.pem" -noout -pubkey 2>/dev/null)" ]
  then ok "key_matches_cert_$n"; else fail "key_matches_cert_$n"; fi
done

# 4. The server certificate.
openssl x509 -in "$pki/server.pem" -noout -ext subjectAltName,extendedKeyUsage > "$tmp/o" 2>&1
has server_dns_localhost "$tmp/o" 'DNS:localhost'
has server_ip_127_0_0_1 "$tmp/o" 'IP Address:127\.0\.0\.1'
has server_eku_serverauth "$tmp/o" 'TLS Web Server Authentication'
openssl verify -CAfile "$pki/trust.pem" -verify_hostname localhost -verify_ip 127.0.0.1 \
  "$pki/server.pem" > /dev/null 2>&1
check server_verifies_for_localhost 0 $?
check_uzi server "MGZ Handover Service (development only)" 90000000 900000100

# 5. The clients: clientAuth, the UZI identity, and the role access.conf gives them.
echo "$clients" | while IFS=: read -r n org ura uzi role; do
  openssl x509 -in "$pki/$n.pem" -noout -ext extendedKeyUsage > "$tmp/o" 2>&1
  has "client_eku_clientauth_$n" "$tmp/o" 'TLS Web Client Authentication'
  check_uzi "$n" "$org" "$ura" "$uzi"
  got=$(role_for "$uzi" "$ura")
  if [ "$got" = "$role" ]; then ok "access_role_$n"; else fail "access_role_$n" "'$got', expected $role"; fi
  # the role comes from the certificate: the URA read from its SAN
  san_ura=$(uzi_names "$pki/$n.pem" | awk '$1 == "uzi" { split($2, f, "-"); print f[5] }')
  [ "$san_ura" = "$ura" ] || echo "FAIL san_ura_$n: $san_ura"
done > "$tmp/clients.out"
cat "$tmp/clients.out"
fails=$((fails + $(grep -c '^FAIL' "$tmp/clients.out")))

# 6. access.conf: exactly these entries, each key once.
grep -Ev '^[[:space:]]*(#|$)' "$pki/access.conf" | awk '{ print $1, $2 }' > "$tmp/entries"
printf '%s\n' "90000001 publisher" "90000002 publisher" "90000003 reader" \
  "uzi:900000111 privacy-officer" "90000004 reader" "90000099 publisher" > "$tmp/want"
if cmp -s "$tmp/entries" "$tmp/want"; then ok access_conf_entries
else fail access_conf_entries "$(tr '\n' ';' < "$tmp/entries")"; fi
if [ -z "$(awk '{ print $1 }' "$tmp/entries" | sort | uniq -d)" ]; then ok access_conf_keys_unique
else fail access_conf_keys_unique; fi
has access_conf_documents_format "$pki/access.conf" '^# .*uzi:<UZI-nr>'

# 7. A second run without --force changes nothing.
(cd "$pki" && cksum -- * | sort) > "$tmp/sums1"
touch "$tmp/marker"
sh "$script" "$pki" > "$tmp/out" 2>&1; check second_run 0 $?
has second_run_says_nothing_to_do "$tmp/out" 'nothing to do'
(cd "$pki" && cksum -- * | sort) > "$tmp/sums2"
if cmp -s "$tmp/sums1" "$tmp/sums2"; then ok second_run_same_files; else fail second_run_same_files; fi
if [ -z "$(find "$pki" -newer "$tmp/marker")" ]; then ok second_run_touches_nothing
else fail second_run_touches_nothing "$(find "$pki" -newer "$tmp/marker" | tr '\n' ' ')"; fi

# 8. One more client from the same CA.
sh "$script" --add-client test-clinic 90000005 900000105 99000005 "Kliniek Test" "$pki" > "$tmp/out" 2>&1
check add_client 0 $?
openssl verify -CAfile "$pki/trust.pem" -purpose sslclient "$pki/test-clinic.pem" > /dev/null 2>&1
check add_client_verifies 0 $?
check_uzi test-clinic "Kliniek Test" 90000005 900000105
if [ "$(ls -l "$pki/test-clinic.key" | cut -c1-10)" = "-rw-------" ]; then ok add_client_key_mode_0600
else fail add_client_key_mode_0600; fi
has add_client_prints_access_line "$tmp/out" '^90000005 +reader +Kliniek Test'
sh "$script" --add-client test-clinic 90000005 900000105 99000005 "Kliniek Test" "$pki" > /dev/null 2>&1
check add_client_refuses_existing 1 $?
sh "$script" --add-client bad 9000 900000106 99000006 "Bad" "$pki" > /dev/null 2>&1
check add_client_refuses_bad_ura 2 $?
(cd "$pki" && cksum -- * | grep -v ' test-clinic\.' | sort) > "$tmp/sums3"
if cmp -s "$tmp/sums1" "$tmp/sums3"; then ok add_client_leaves_set_alone; else fail add_client_leaves_set_alone; fi

# 9. An incomplete set is made anew; --force makes a new CA.
rm "$pki/hap.key"
sh "$script" "$pki" > "$tmp/out" 2>&1; check incomplete_set_remade 0 $?
if [ -s "$pki/hap.key" ] && openssl verify -CAfile "$pki/trust.pem" \
     "$pki/hap.pem" "$pki/institution.pem" > /dev/null 2>&1
then ok incomplete_set_remade_verifies; else fail incomplete_set_remade_verifies; fi
cp "$pki/ca.pem" "$tmp/ca.before"
: > "$pki/gp-practice.crt"   # left behind by a set made before the files were renamed
sh "$script" --force "$pki" > "$tmp/out" 2>&1; check force 0 $?
if cmp -s "$pki/ca.pem" "$tmp/ca.before"; then fail force_makes_new_ca; else ok force_makes_new_ca; fi
openssl verify -CAfile "$pki/trust.pem" "$pki/server.pem" "$pki/privacy.pem" > /dev/null 2>&1
check force_set_verifies 0 $?
has force_notes_stale_client "$tmp/out" 'test-clinic.pem is from an earlier CA'
has force_notes_old_layout "$tmp/out" 'gp-practice.crt and gp-practice.key are from an older layout'
if grep -Eq '/(ca|trust|untrusted-ca)\.pem is from an earlier CA' "$tmp/out"
then fail force_notes_only_strangers; else ok force_notes_only_strangers; fi
sh "$script" --bogus > /dev/null 2>&1; check bad_option 2 $?

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all dev PKI checks passed"
