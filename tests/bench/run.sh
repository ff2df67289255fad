#!/bin/sh
# The benchmark entry point: builds a Release tree and prints the tables the
# README's Performance section shows. Not a test: numbers depend on the machine.
# usage: tests/bench/run.sh [SECONDS_PER_MEASUREMENT]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
seconds=${1:-3}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_fhir bench_handover >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "### FHIR library, one core: the ~20 KB handover document Bundle"
echo
build-bench/bench_fhir --seconds "$seconds" fixtures/fhir/valid/bundle-document-overdracht-ouderenzorg.xml
cmake --build build-bench -j"$(nproc)" --target bench_handover >/dev/null
echo
echo "### Handover documents built per second, one core (read, validate, rules, build, write XML and JSON)"
echo
build-bench/bench_handover --seconds 1 fixtures/handover/valid/*.json
