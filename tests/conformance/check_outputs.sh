#!/bin/sh
# Every XML and JSON the handover tool writes must pass the official FHIR R4 XSD
# (tests/r4/xsd) and JSON schema (tests/r4/fhir.schema.json): the conversions of
# every valid fixture, and the OperationOutcomes for every invalid one.
# usage: check_outputs.sh HANDOVER_BINARY SOURCE_DIR
set -eu
tool=$1
top=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
for f in "$top"/fixtures/fhir/valid/*.xml "$top"/fixtures/fhir/valid/*.json; do
  base=$(basename "$f")
  "$tool" convert --to xml "$f" > "$out/$base.out.xml" || { echo "convert failed: $f"; exit 1; }
  "$tool" convert --to json "$f" > "$out/$base.out.json" || { echo "convert failed: $f"; exit 1; }
  n=$((n + 1))
done
for f in "$top"/fixtures/fhir/invalid/*.xml "$top"/fixtures/fhir/invalid/*.json; do
  base=$(basename "$f")
  "$tool" validate --format xml "$f" > "$out/$base.oo.xml" || [ $? -eq 1 ]
  "$tool" validate --format json "$f" > "$out/$base.oo.json" || [ $? -eq 1 ]
  n=$((n + 1))
done
# handover documents built from every valid patient, and the OperationOutcomes of the invalid ones
for f in "$top"/fixtures/handover/valid/*.xml "$top"/fixtures/handover/valid/*.json; do
  [ -e "$f" ] || continue
  base=$(basename "$f")
  "$tool" build --now 2026-11-23T12:00:00Z --format xml "$f" > "$out/$base.doc.xml" || { echo "build failed: $f"; exit 1; }
  "$tool" build --now 2026-11-23T12:00:00Z --format json "$f" > "$out/$base.doc.json" || { echo "build failed: $f"; exit 1; }
  n=$((n + 1))
done
# the built documents signed (Bundle.signature), with a key made here
openssl ecparam -name prime256v1 -genkey -noout -out "$out/sign.key" 2>/dev/null &&
  openssl req -new -x509 -key "$out/sign.key" -subj "/O=MGZ overdracht/CN=handover.test" -days 2 \
    -out "$out/sign.pem" 2>/dev/null || { echo "openssl cannot make a signing key"; exit 1; }
for f in "$out"/*.doc.xml "$out"/*.doc.json; do
  [ -e "$f" ] || continue
  signed=$(echo "$f" | sed 's/\.doc\.\(xml\|json\)$/.signed.\1/')
  "$tool" sign --key "$out/sign.key" --cert "$out/sign.pem" "$f" > "$signed" || { echo "sign failed: $f"; exit 1; }
  "$tool" verify --cert "$out/sign.pem" "$signed" > /dev/null || { echo "verify failed: $signed"; exit 1; }
  n=$((n + 1))
done
for f in "$top"/fixtures/handover/invalid/*.xml "$top"/fixtures/handover/invalid/*.json; do
  [ -e "$f" ] || continue
  base=$(basename "$f")
  "$tool" validate --profile handover --now 2026-11-23T12:00:00Z --format xml "$f" > "$out/$base.oo.xml" || [ $? -eq 1 ]
  "$tool" validate --profile handover --now 2026-11-23T12:00:00Z --format json "$f" > "$out/$base.oo.json" || [ $? -eq 1 ]
  n=$((n + 1))
done
# the published profile itself
for f in "$top"/formats/profile/*.xml; do
  [ -e "$f" ] && cp "$f" "$out/profile-$(basename "$f")"
done
echo "$n inputs converted"
xmllint --nonet --noout --schema "$top/tests/r4/xsd/fhir-all.xsd" "$out"/*.xml 2>&1 \
  | grep -v ' validates$' && { echo "XSD validation failed"; exit 1; }
echo "all XML outputs pass the R4 XSD"
py=
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
  echo "python3 with jsonschema is missing (apt-get install python3-jsonschema)"
  exit 1
fi
# the fixtures' checker bridges the schema's one gap (null placeholders in primitive arrays)
"$py" "$top/fixtures/fhir/tools/check_json.py" "$top/tests/r4/fhir.schema.json" "$out"/*.json
