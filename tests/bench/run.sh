#!/bin/sh
# The benchmark entry point: builds a Release tree and prints the tables the README's
# Performance section shows. Not a test: numbers depend on the machine (run it on a quiet one).
#
# usage: tests/bench/run.sh [--seconds S] [--sizes "1000 100000"] [--million] [--no-scale]
#                           [--build DIR] [--work DIR] [LIBRARY_SECONDS]
#
#   the FHIR library and the document builder, one core (bench_fhir, bench_handover;
#     LIBRARY_SECONDS per measurement, default 3)
#   the handover read against nginx (bench_read.sh), publishes per second (bench_publish.sh)
#     and reads with many patients in the store (bench_scale.sh): S seconds per measurement
#     (default 10); --sizes/--million/--no-scale choose the store sizes
#   --build DIR: the Release tree (default build-bench); --work DIR: scratch space for the
#     stores (default under ${TMPDIR:-/tmp}; the 100,000-patient store takes about 4 GB,
#     1,000,000 about 40 GB)
# Needs nginx for the read comparison: tests/bench/deps.sh installs it when missing.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
lib_seconds=3
seconds=10
build="build-bench"
work=
scale_opts=
scale=1
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --sizes) scale_opts="$scale_opts --sizes '$2'"; shift 2 ;;
    --million) scale_opts="$scale_opts --million"; shift ;;
    --no-scale) scale=0; shift ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) lib_seconds=$1; shift ;;
    *) echo "run.sh: unknown option: $1" >&2; exit 2 ;;
  esac
done
case $build in /*) ;; *) build=$top/$build ;; esac
common="--build $build --seconds $seconds${work:+ --work $work}"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_fhir bench_handover handoverd handoverd-load tls_load >/dev/null
echo "## Performance — $(date -u +%Y-%m-%d)"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(. /etc/os-release && echo "$PRETTY_NAME"), $(gcc -dumpfullversion 2>/dev/null | sed 's/^/gcc /'), $(pkg-config --modversion libxml-2.0 | sed 's/^/libxml2 /'), $(pkg-config --modversion libmicrohttpd | sed 's/^/libmicrohttpd /'), $(pkg-config --modversion gnutls | sed 's/^/GnuTLS /'), $(pkg-config --modversion sqlite3 | sed 's/^/SQLite /')"
echo
echo "### FHIR library, one core: the ~20 KB handover document Bundle"
echo
"$build/bench_fhir" --seconds "$lib_seconds" fixtures/fhir/valid/bundle-document-overdracht-ouderenzorg.xml
echo
echo "### Handover documents built per second, one core (read, validate, rules, build, write XML and JSON)"
echo
"$build/bench_handover" --seconds 1 fixtures/handover/valid/*.json
echo
# shellcheck disable=SC2086
sh tests/bench/bench_read.sh $common
echo
# shellcheck disable=SC2086
sh tests/bench/bench_publish.sh $common
if [ "$scale" = 1 ]; then
  echo
  # shellcheck disable=SC2086
  eval sh tests/bench/bench_scale.sh $common $scale_opts
fi
