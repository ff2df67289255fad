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
else
  echo "FAIL no handover fixtures"; fails=$((fails + 1))
fi
printf 'not fhir at all' | "$tool" validate - > /dev/null 2>&1; check validate_garbage 1 $?
[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
