#!/bin/sh
# The README's first command ends here: makes the development PKI (certs/dev,
# once), starts handoverd on https://localhost:PORT with the demo patients in
# a store under the build tree, and prints the curl command that fetches a
# handover as the demo huisartsenpost. Ctrl-C stops the server.
# usage: run-demo.sh HANDOVERD SOURCE_DIR DATA_DIR [PORT]
set -eu
daemon=$1
top=$2
data=$3
port=${4:-8443}
pki=$top/certs/dev
sh "$top/certs/make-dev-pki.sh" "$pki" >/dev/null
bsn='http://fhir.nl/fhir/NamingSystem/bsn|999932482'
cat <<MSG

handoverd: https://localhost:$port/fhir with the demo patients (data in $data).
Fetch a handover as the demo huisartsenpost (reader role):

  curl --cacert $pki/ca.pem --cert $pki/hap.pem --key $pki/hap.key \\
    'https://localhost:$port/fhir/Patient/\$handover?identifier=$bsn&_format=xml'

Find the patient, read the CapabilityStatement, publish as the demo institution:

  curl --cacert $pki/ca.pem --cert $pki/hap.pem --key $pki/hap.key \\
    'https://localhost:$port/fhir/Patient?identifier=$bsn'
  curl --cacert $pki/ca.pem --cert $pki/hap.pem --key $pki/hap.key https://localhost:$port/fhir/metadata
  curl --cacert $pki/ca.pem --cert $pki/institution.pem --key $pki/institution.key \\
    -H 'Content-Type: application/fhir+json' --data-binary @$top/fixtures/handover/valid/gz-mpt-huisarts-emb.json \\
    https://localhost:$port/fhir

Ctrl-C stops the server.

MSG
exec "$daemon" --pki "$pki" --data "$data" --port "$port" --demo
