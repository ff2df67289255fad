#!/bin/sh
# The demo run: validates every demo fixture, converts each between XML and
# JSON, and builds the MGZ handover document of every demo patient.
# usage: demo.sh HANDOVER_BINARY SOURCE_DIR OUT_DIR
set -eu
tool=$1
top=$2
out=$3
echo "Validating the FHIR demo fixtures (fixtures/fhir/valid):"
"$tool" validate --summary "$top"/fixtures/fhir/valid/* | grep -v ' warning ' || true
for f in "$top"/fixtures/fhir/valid/*.xml; do
  "$tool" convert --to json "$f" > "$out/$(basename "$f" .xml).json"
done
for f in "$top"/fixtures/fhir/valid/*.json; do
  "$tool" convert --to xml "$f" > "$out/$(basename "$f" .json).xml"
done
echo
echo "Building the handover document of every demo patient (fixtures/handover/valid):"
for f in "$top"/fixtures/handover/valid/*.json; do
  name=$(basename "$f" .json)
  "$tool" build "$f" > "$out/handover-$name.xml"
  "$tool" build --format json "$f" > "$out/handover-$name.json"
  echo "  $name -> $out/handover-$name.xml (.json)"
done
echo
echo "Try: $tool validate --summary --profile handover $top/fixtures/handover/invalid/*.json"
