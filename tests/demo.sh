#!/bin/sh
# The demo run: validates every demo fixture and converts each between XML and JSON.
# usage: demo.sh HANDOVER_BINARY SOURCE_DIR OUT_DIR
set -eu
tool=$1
top=$2
out=$3
echo "Validating the demo fixtures (fixtures/fhir/valid):"
"$tool" validate --summary "$top"/fixtures/fhir/valid/* | grep -v ' warning ' || true
for f in "$top"/fixtures/fhir/valid/*.xml; do
  "$tool" convert --to json "$f" > "$out/$(basename "$f" .xml).json"
done
for f in "$top"/fixtures/fhir/valid/*.json; do
  "$tool" convert --to xml "$f" > "$out/$(basename "$f" .json).xml"
done
echo "Converted copies are in $out"
echo "Try: $tool validate --summary $top/fixtures/fhir/invalid/*"
