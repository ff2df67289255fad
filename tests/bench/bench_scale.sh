#!/bin/sh
# bench_scale.sh — the handover read with many patients in the store.
#
# usage: tests/bench/bench_scale.sh [--sizes "1000 100000"] [--million] [--batch K]
#                                   [--connections C] [--cache-entries N] [--seconds S]
#                                   [--build DIR] [--work DIR] [--logs DIR]
#
# handoverd-load fills one store step by step up to each size (synthetic patients made from the
# demo patients, each with a complete handover, through the publish path; K patients per commit,
# default 100), reporting its rate and the store's size per patient. After each step handoverd
# starts on the store (its default cache of 10,000 documents and 32 MB unless --cache-entries)
# and tls_load reads JSON handovers over keep-alive connections, S seconds after S seconds of
# the same reads (the cache fills), twice: of a night's working set (1,000 patients spread over
# the store: the reads a huisartsenpost repeats, answered from memory) and of any patient
# (random across ALL loaded patients: nearly every read a store read once the store is past
# what the cache holds). Reads/s, latency, server CPU per read, and the server's resident
# memory (VmRSS) just after start and after both. --million adds 1,000,000 patients (about
# 40 GB of store and half an hour or more of loading; the free space is checked before every
# step). Use --work to put the store on a disk with room. Raw outputs: LOGS/scale-*.txt.
set -eu
prog=bench_scale.sh
. "$(dirname "$0")/lib.sh"
sizes="1000 100000"
batch=100
connections=2
cache=
while [ $# -gt 0 ]; do
  if bench_common_option "$@"; then shift 2; continue; fi
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --million) sizes="$sizes 1000000"; shift ;;
    --batch) batch=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --cache-entries) cache=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_die "unknown option: $1" ;;
  esac
done
bench_setup handoverd tls_load handoverd-load

data=$work/scale-data
paths=$work/scale-paths.txt
rm -rf "$data" "$paths"
mkdir -p "$data"
loaded=0
per_patient=45000    # bytes of store per patient, until measured
warm=$seconds   # reads before measuring, so that the document cache is past filling up
rows=
notes=
for n in $(echo "$sizes" | tr ' ' '\n' | sort -n | uniq); do
  [ "$n" -gt "$loaded" ] || continue
  add=$((n - loaded))
  need_kb=$(awk -v a="$add" -v p="$per_patient" 'BEGIN { printf "%.0f", a * p * 1.2 / 1024 }')
  free_kb=$(df -Pk "$data" | awk 'NR == 2 { print $4 }')
  if [ "$free_kb" -lt "$need_kb" ]; then
    rows="$rows| $n | skipped: needs about $((need_kb / 1048576 + 1)) GB more, $((free_kb / 1048576)) GB free | | | | | | | |
"
    break
  fi
  echo "loading patients $loaded..$((n - 1)) (batch $batch)" >&2
  "$build/handoverd-load" --data "$data" --patients "$add" --first "$loaded" --batch "$batch" \
    --paths "$paths" >"$logs/scale-load-$n.txt" || bench_die "loading failed: $logs/scale-load-$n.txt"
  l=$(grep '^RESULT' "$logs/scale-load-$n.txt")
  loaded=$n
  per_patient=$(bench_field "$l" bytes_per_patient)
  db=$(bench_field "$l" db_bytes)

  port=$(bench_free_port)
  bench_start_handoverd "$data" "$port" ${cache:+--cache-entries "$cache"}
  rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$hd_pid/status")
  awk -v k=$((n / 1000)) '(NR - 1) % k == 0' "$paths" | head -1000 >"$work/scale-hot.txt"
  cells=
  for kind in hot any; do
    p=$paths
    [ "$kind" = hot ] && p=$work/scale-hot.txt
    r=$(bench_load hap "scale-read-$kind-$n" --port "$port" --server-pid "$hd_pid" --paths "$p" \
      --header Accept:application/fhir+json --connections "$connections" --seconds "$seconds" \
      --warmup "$warm" --mode keepalive)
    cells="$cells $(printf '%.0f' "$(bench_field "$r" rps)") | $(bench_ms "$(bench_field "$r" p50_us)") | $(bench_ms "$(bench_field "$r" p99_us)") | $(bench_field "$r" server_cpu_us) |"
    e=$(bench_field "$r" errors)
    [ "${e:-1}" = 0 ] || notes="$notes- $n patients, $kind: $e read errors, first: $(sed -n 's/^first error: //p' "$logs/scale-read-$kind-$n.txt")
"
  done
  bench_stop "$hd_pid"
  rows="$rows| $n | $(printf '%.0f' "$(bench_field "$l" rate)") | $(awk -v b="$db" 'BEGIN { printf "%.2f", b / 1e9 }') | $(awk -v b="$per_patient" 'BEGIN { printf "%.1f", b / 1e3 }') |$cells $((rss0 / 1024)) → $(( $(bench_field "$r" server_rss_kb) / 1024 )) |
"
done

echo "### Reads with many patients in the store"
echo
echo "$(bench_machine); loading $batch patients per commit; reads: JSON handovers, $connections keep-alive connections, ${seconds} s after ${seconds} s of warm-up, of a working set of 1,000 patients spread over the store and of any patient (random out of all); handoverd --threads $cores, document cache ${cache:-10000 (default)} entries and 32 MB (default)"
echo
echo "| patients | loaded/s | store GB | store kB per patient | working set: reads/s | p50 ms | p99 ms | CPU µs/read | any patient: reads/s | p50 ms | p99 ms | CPU µs/read | server RSS MB (start → after reads) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
printf '%s' "$notes"
echo "- raw: $logs/scale-*.txt"
