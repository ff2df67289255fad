"""Validates JSON files against the official FHIR R4 JSON schema (draft-06).

usage: json_schema_check.py SCHEMA FILE...   exit 0 when all are valid
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator = jsonschema.Draft6Validator(schema)
bad = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if err is not None:
        bad += 1
        print("%s: INVALID: %s at %s" % (path, err.message[:200], list(err.absolute_path)))
print("%d JSON files checked, %d invalid" % (len(sys.argv) - 2, bad))
sys.exit(1 if bad else 0)
