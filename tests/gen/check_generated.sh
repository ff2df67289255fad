#!/bin/sh
# Regenerates formats/fhir_model_gen.{c,h} from the official FHIR R4 definitions and
# fails when the committed files differ. Skips (77) without the definitions: a
# clone on its own has no ../shared; set FHIR_R4_DEFINITIONS to point elsewhere.
set -eu
top=$1
defs=${FHIR_R4_DEFINITIONS:-$top/../shared/fhir-r4/definitions}
if [ ! -f "$defs/profiles-resources.json.gz" ]; then
  echo "skipped: no FHIR R4 definitions at $defs"
  exit 77
fi
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$py" "$top/formats/gen/fhir_gen.py" --definitions "$defs" --out "$out"
status=0
for f in fhir_model_gen.c fhir_model_gen.h; do
  if ! cmp -s "$out/$f" "$top/formats/$f"; then
    echo "formats/$f is stale: rerun formats/gen/fhir_gen.py"
    diff "$out/$f" "$top/formats/$f" | head -20
    status=1
  fi
done
[ $status -eq 0 ] && echo "generated tables are up to date"
exit $status
