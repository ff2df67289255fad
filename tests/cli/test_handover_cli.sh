#!/bin/sh
# The handover tool: exit codes (0 fine, 1 errors in input, 2 usage or I/O),
# output formats, stdin, format detection.
# usage: test_handover_cli.sh HANDOVER_BINARY SOURCE_DIR
set -u
tool=$1
top=$2
fails=0
valid_xml=$(ls "$top"/fixtures/fhir/valid/*.xml | head -1)
valid_json=$(ls "$top"/fixtures/fhir/valid/*.json | head -1)
invalid=$(ls "$top"/fixtures/fhir/invalid/*.json | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name expected-status actual-status
  if [ "$2" != "$3" ]; then echo "FAIL $1: exit $3, expected $2"; fails=$((fails + 1)); else echo "ok   $1"; fi
}
has() { # name file pattern
  if grep -q -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: no '$3' in output"; fails=$((fails + 1)); fi
}

"$tool" validate "$valid_xml" > "$tmp/o" 2>&1; check validate_valid_xml 0 $?
has validate_prints_operationoutcome "$tmp/o" '"resourceType": "OperationOutcome"'
"$tool" validate "$valid_json" > /dev/null 2>&1; check validate_valid_json 0 $?
"$tool" validate "$invalid" > "$tmp/o" 2>&1; check validate_invalid 1 $?
has validate_invalid_reports_error "$tmp/o" '"severity": "error"'
"$tool" validate "$valid_xml" "$invalid" > /dev/null 2>&1; check validate_mixed_is_1 1 $?
"$tool" validate --summary "$invalid" > "$tmp/o" 2>&1; check validate_summary 1 $?
has summary_one_line_per_issue "$tmp/o" ':[0-9]*:[0-9]*: error '
"$tool" validate --format xml "$valid_xml" > "$tmp/o" 2>&1; check validate_format_xml 0 $?
has validate_xml_outcome "$tmp/o" '<OperationOutcome xmlns="http://hl7.org/fhir">'
"$tool" validate - < "$valid_json" > /dev/null 2>&1; check validate_stdin 0 $?
"$tool" validate "$tmp/does-not-exist.xml" > /dev/null 2>&1; check validate_missing_file 2 $?
"$tool" validate > /dev/null 2>&1; check validate_no_file 2 $?
"$tool" validate --bogus "$valid_xml" > /dev/null 2>&1; check validate_bad_option 2 $?
"$tool" validate --format yaml "$valid_xml" > /dev/null 2>&1; check validate_bad_format 2 $?
"$tool" validate --help > "$tmp/o" 2>&1; check validate_help 0 $?
has validate_help_text "$tmp/o" 'usage: handover validate'
"$tool" > /dev/null 2>&1; check no_command 2 $?
"$tool" frobnicate > /dev/null 2>&1; check unknown_command 2 $?
"$tool" --help > /dev/null 2>&1; check main_help 0 $?
"$tool" convert --help > "$tmp/o" 2>&1; check convert_help 0 $?
"$tool" convert --to xml "$valid_json" > "$tmp/o.xml" 2>/dev/null; check convert_json_to_xml 0 $?
has convert_writes_xml "$tmp/o.xml" '^<?xml version="1.0" encoding="UTF-8"?>'
"$tool" convert --to json "$tmp/o.xml" > "$tmp/o.json" 2>/dev/null; check convert_back_to_json 0 $?
"$tool" convert --to json "$valid_json" > "$tmp/o2.json" 2>/dev/null
if cmp -s "$tmp/o.json" "$tmp/o2.json"; then echo "ok   convert_round_trip_identical"; else echo "FAIL convert_round_trip_identical"; fails=$((fails + 1)); fi
"$tool" convert --to json - < "$valid_xml" > /dev/null 2>&1; check convert_stdin 0 $?
"$tool" convert "$valid_xml" > /dev/null 2>&1; check convert_needs_to 2 $?
"$tool" convert --to xml "$invalid" > /dev/null 2> "$tmp/err"; check convert_invalid_is_1 1 $?
has convert_issues_on_stderr "$tmp/err" 'error'
"$tool" validate --summary --max-depth 3 "$valid_xml" > "$tmp/o" 2>&1; check max_depth_refuses 1 $?
has max_depth_is_too_costly "$tmp/o" 'fatal too-costly'
"$tool" validate --summary --max-bytes 16 "$valid_json" > "$tmp/o" 2>&1; check max_bytes_refuses 1 $?
has max_bytes_is_too_costly "$tmp/o" 'fatal too-costly'
"$tool" validate --max-depth 200 "$valid_xml" > /dev/null 2>&1; check max_depth_raised 0 $?
"$tool" validate --max-depth abc "$valid_xml" > /dev/null 2>&1; check max_depth_malformed 2 $?
"$tool" convert --to json --max-bytes 0 "$valid_xml" > /dev/null 2>&1; check max_bytes_zero 2 $?
records=$(ls "$top"/fixtures/handover/valid/*.json 2>/dev/null | head -1)
broken=$(ls "$top"/fixtures/handover/invalid/*.json "$top"/fixtures/handover/invalid/*.xml 2>/dev/null | head -1)
if [ -n "$records" ] && [ -n "$broken" ]; then
  "$tool" build --now 2026-11-23T12:00:00Z "$records" > "$tmp/doc.xml" 2>"$tmp/err"; check build_xml 0 $?
  has build_writes_document "$tmp/doc.xml" '<type value="document"/>'
  "$tool" build --now 2026-11-23T12:00:00Z --format json "$records" > "$tmp/doc.json" 2>/dev/null; check build_json 0 $?
  has build_json_document "$tmp/doc.json" '"resourceType": "Bundle"'
  "$tool" build --now 2026-11-23T12:00:00Z "$records" | cmp -s - "$tmp/doc.xml"; check build_is_deterministic 0 $?
  "$tool" validate --profile handover --now 2026-11-23T12:00:00Z "$tmp/doc.xml" > /dev/null 2>&1; check built_document_passes_profile 0 $?
  "$tool" build --now 2026-11-23T12:00:00Z "$broken" > "$tmp/o" 2> "$tmp/err"; check build_refuses_broken_rule 1 $?
  [ -s "$tmp/o" ] && { echo "FAIL build_writes_nothing_on_error"; fails=$((fails + 1)); } || echo "ok   build_writes_nothing_on_error"
  has build_error_names_rule "$tmp/err" 'mgz-'
  "$tool" validate --profile handover --now 2026-11-23T12:00:00Z "$broken" > /dev/null 2>&1; check validate_profile_refuses 1 $?
  "$tool" build > /dev/null 2>&1; check build_needs_file 2 $?
  "$tool" build --format yaml "$records" > /dev/null 2>&1; check build_bad_format 2 $?
  "$tool" build --help > "$tmp/o" 2>&1; check build_help 0 $?
  "$tool" build "$valid_json" > /dev/null 2>&1; check build_refuses_non_bundle 1 $?
  # render: the doctor's page, from records or from a built document
  now=2026-11-23T12:00:00Z
  "$tool" render --now $now --variant anw "$records" > "$tmp/anw.html" 2>"$tmp/err"; check render_records_anw 0 $?
  has render_is_html5 "$tmp/anw.html" '^<!DOCTYPE html>'
  has render_is_dutch "$tmp/anw.html" '<html lang="nl">'
  has render_anw_variant "$tmp/anw.html" 'Wie nu bellen: avond, nacht en weekend'
  "$tool" render --now $now --at 2026-11-24T10:00:00+01:00 "$records" > "$tmp/office.html" 2>/dev/null; check render_at_office_hours 0 $?
  has render_office_variant "$tmp/office.html" 'Wie nu bellen: kantooruren'
  "$tool" render --now $now --at 2026-12-25T10:00:00+01:00 "$records" > "$tmp/o" 2>/dev/null; check render_at_christmas 0 $?
  has render_christmas_is_anw "$tmp/o" 'Wie nu bellen: avond, nacht en weekend'
  "$tool" render --now 2026-11-24T09:00:00Z "$records" > "$tmp/o" 2>/dev/null; check render_now_picks_variant 0 $?
  has render_now_office "$tmp/o" 'Wie nu bellen: kantooruren'
  "$tool" render --now $now --variant anw "$tmp/doc.xml" > "$tmp/from-doc.html" 2>/dev/null; check render_document 0 $?
  cmp -s "$tmp/anw.html" "$tmp/from-doc.html"; check render_document_same_as_records 0 $?
  "$tool" render --now $now --variant anw - < "$tmp/doc.json" | cmp -s - "$tmp/anw.html"; check render_stdin_json_document 0 $?
  "$tool" render --now $now --variant anw --review-days 30 "$records" > "$tmp/o" 2>/dev/null; check render_review_days 0 $?
  has render_review_days_warns "$tmp/o" 'langer dan 30 dagen niet besproken'
  if grep -q -e '<script' -e 'src=' -e 'https\?://' "$tmp/anw.html"; then echo "FAIL render_no_script_no_fetch"; fails=$((fails + 1)); else echo "ok   render_no_script_no_fetch"; fi
  "$tool" render --variant anw --at 2026-11-24T10:00:00Z "$records" > /dev/null 2>&1; check render_variant_and_at 2 $?
  "$tool" render --variant night "$records" > /dev/null 2>&1; check render_bad_variant 2 $?
  "$tool" render --at 2026-11-24T10:00 "$records" > /dev/null 2>&1; check render_at_without_zone 2 $?
  "$tool" render --review-days 0 "$records" > /dev/null 2>&1; check render_bad_review_days 2 $?
  "$tool" render > /dev/null 2>&1; check render_needs_file 2 $?
  "$tool" render --help > "$tmp/o" 2>&1; check render_help 0 $?
  has render_help_text "$tmp/o" 'usage: handover render'
  "$tool" render --now $now "$broken" > "$tmp/o" 2> "$tmp/err"; check render_refuses_broken_rule 1 $?
  [ -s "$tmp/o" ] && { echo "FAIL render_writes_nothing_on_error"; fails=$((fails + 1)); } || echo "ok   render_writes_nothing_on_error"
  has render_error_names_rule "$tmp/err" 'mgz-'
  "$tool" render "$valid_json" > /dev/null 2>&1; check render_refuses_non_bundle 1 $?
  "$tool" render "$tmp/does-not-exist.json" > /dev/null 2>&1; check render_missing_file 2 $?
else
  echo "FAIL no handover fixtures"; fails=$((fails + 1))
fi
# sign and verify: keys made here with openssl; alterations made with sed
if [ -n "$records" ] && command -v openssl > /dev/null 2>&1; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/sig.key" 2>/dev/null
  openssl req -new -x509 -key "$tmp/sig.key" -subj "/O=MGZ overdracht test/CN=handover.test" -days 2 -out "$tmp/sig.pem" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/other.key" 2>/dev/null
  openssl req -new -x509 -key "$tmp/other.key" -subj "/O=Iemand anders/CN=other.test" -days 2 -out "$tmp/other.pem" 2>/dev/null
  openssl genrsa -out "$tmp/rsa.key" 2048 2>/dev/null
  openssl req -new -x509 -key "$tmp/rsa.key" -subj "/O=MGZ overdracht test/CN=rsa.test" -days 2 -out "$tmp/rsa.pem" 2>/dev/null
  "$tool" build --now 2026-11-23T12:00:00Z --format json "$records" > "$tmp/unsigned.json" 2>/dev/null
  "$tool" sign --key "$tmp/sig.key" --cert "$tmp/sig.pem" --when 2026-11-23T12:00:05Z "$tmp/unsigned.json" > "$tmp/signed.json"; check sign_json 0 $?
  has sign_keeps_the_input_format "$tmp/signed.json" '"resourceType": "Bundle"'
  has sign_adds_a_jws_signature "$tmp/signed.json" '"sigFormat": "application/jose"'
  "$tool" validate --profile handover --now 2026-11-23T12:00:00Z "$tmp/signed.json" > /dev/null 2>&1; check signed_passes_profile 0 $?
  "$tool" verify "$tmp/signed.json" > "$tmp/o" 2>&1; check verify_intact 0 $?
  has verify_warns_signer_unchecked "$tmp/o" 'not checked against a trusted certificate'
  "$tool" verify --cert "$tmp/sig.pem" "$tmp/signed.json" > "$tmp/o" 2>&1; check verify_with_cert 0 $?
  has verify_says_intact "$tmp/o" 'the signature is intact'
  "$tool" verify --cert "$tmp/other.pem" "$tmp/signed.json" > "$tmp/o" 2>/dev/null; check verify_other_cert_is_1 1 $?
  has verify_other_cert_named "$tmp/o" 'does not verify with the given certificate'
  sed '0,/"type": "deny"/s//"type": "permit"/' "$tmp/signed.json" > "$tmp/altered.json"
  cmp -s "$tmp/signed.json" "$tmp/altered.json" && { echo "FAIL no deny to alter"; fails=$((fails + 1)); }
  "$tool" verify --cert "$tmp/sig.pem" "$tmp/altered.json" > "$tmp/o" 2>/dev/null; check verify_altered_directive_is_1 1 $?
  has verify_names_altered_entry "$tmp/o" 'error security Bundle.entry\[[0-9]*\]: entry urn:uuid:[0-9a-f-]* (Consent/[^)]*) was changed after signing'
  [ "$(grep -c ' error ' "$tmp/o")" = 1 ] && echo "ok   verify_one_line_per_finding" || { echo "FAIL verify_one_line_per_finding"; fails=$((fails + 1)); }
  sed 's/"timestamp": "2026-11-23T12:00:00Z"/"timestamp": "2026-11-23T13:00:00Z"/' "$tmp/signed.json" > "$tmp/altered.json"
  "$tool" verify "$tmp/altered.json" > "$tmp/o" 2>/dev/null; check verify_altered_timestamp_is_1 1 $?
  has verify_names_timestamp "$tmp/o" 'Bundle.timestamp: Bundle.timestamp was changed after signing'
  "$tool" verify "$tmp/unsigned.json" > /dev/null 2> "$tmp/err"; check verify_unsigned_is_2 2 $?
  has verify_unsigned_says_so "$tmp/err" 'not signed'
  "$tool" sign --key "$tmp/rsa.key" --cert "$tmp/rsa.pem" --format xml "$tmp/unsigned.json" > "$tmp/signed.xml"; check sign_rsa_xml 0 $?
  has sign_writes_xml "$tmp/signed.xml" '<sigFormat value="application/jose"/>'
  "$tool" verify --cert "$tmp/rsa.pem" "$tmp/signed.xml" > /dev/null 2>&1; check verify_xml 0 $?
  "$tool" convert --to json "$tmp/signed.xml" > "$tmp/converted.json" 2>/dev/null
  "$tool" verify --cert "$tmp/rsa.pem" "$tmp/converted.json" > /dev/null 2>&1; check verify_after_conversion 0 $?
  "$tool" sign --key "$tmp/sig.key" --cert "$tmp/sig.pem" "$tmp/signed.xml" > "$tmp/resigned.xml"; check sign_again 0 $?
  [ "$(grep -c '<signature>' "$tmp/resigned.xml")" = 1 ] && echo "ok   sign_replaces_signature" || { echo "FAIL sign_replaces_signature"; fails=$((fails + 1)); }
  "$tool" sign --key "$tmp/sig.key" --cert "$tmp/other.pem" "$tmp/unsigned.json" > /dev/null 2>&1; check sign_cert_of_other_key 2 $?
  "$tool" sign --key "$tmp/missing.key" --cert "$tmp/sig.pem" "$tmp/unsigned.json" > /dev/null 2>&1; check sign_missing_key 2 $?
  "$tool" sign --key "$tmp/sig.key" "$tmp/unsigned.json" > /dev/null 2>&1; check sign_needs_cert 2 $?
  "$tool" sign --key "$tmp/sig.key" --cert "$tmp/sig.pem" --when yesterday "$tmp/unsigned.json" > /dev/null 2>&1; check sign_bad_when 2 $?
  not_bundle=$(grep -L '"Bundle"' "$top"/fixtures/fhir/valid/*.json | head -1)
  "$tool" sign --key "$tmp/sig.key" --cert "$tmp/sig.pem" "$not_bundle" > /dev/null 2>&1; check sign_refuses_non_bundle 1 $?
  "$tool" verify --cert "$tmp/missing.pem" "$tmp/signed.json" > /dev/null 2>&1; check verify_missing_cert 2 $?
  "$tool" verify > /dev/null 2>&1; check verify_needs_file 2 $?
  "$tool" sign --help > "$tmp/o" 2>&1; check sign_help 0 $?
  has sign_help_text "$tmp/o" 'usage: handover sign'
  "$tool" verify --help > "$tmp/o" 2>&1; check verify_help 0 $?
  has verify_help_text "$tmp/o" 'usage: handover verify'
  # the documented form, read independently (needs python3-cryptography; skipped without)
  "$tool" convert --to json --compact "$tmp/signed.json" > "$tmp/compact.json" 2>/dev/null
  py=
  for p in /usr/bin/python3 python3; do
    if command -v "$p" > /dev/null 2>&1 && "$p" -c 'import cryptography' 2>/dev/null; then py=$p; break; fi
  done
  if [ -n "$py" ]; then
    "$py" "$top/tests/cli/verify_signature.py" "$tmp/compact.json" > "$tmp/o" 2>&1; check independent_verifier 0 $?
    "$tool" convert --to json --compact "$tmp/signed.xml" > "$tmp/compact.json" 2>/dev/null
    "$py" "$top/tests/cli/verify_signature.py" "$tmp/compact.json" > "$tmp/o" 2>&1; check independent_verifier_rsa 0 $?
  else
    echo "skip independent_verifier (no python3-cryptography)"
  fi
else
  echo "FAIL sign/verify: no handover fixtures or no openssl"; fails=$((fails + 1))
fi
printf 'not fhir at all' | "$tool" validate - > /dev/null 2>&1; check validate_garbage 1 $?
[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
