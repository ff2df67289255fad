#!/bin/sh
# bench_publish.sh — publishes per second with durable commits, at 1, 8 and 32 concurrent
# publishers.
#
# usage: tests/bench/bench_publish.sh [--seconds S] [--levels "1 8 32"] [--build DIR]
#                                     [--work DIR] [--logs DIR]
#
# Every request is POST /fhir with a transaction Bundle of realistic size (one of the 13 demo
# patients, 20–26 entries, about 26 KB of compact JSON) made into a NEW patient: handoverd-load
# --templates writes the Bundles with @@BSN@@/@@SEQ@@ where a patient differs, and tls_load
# fills in a fresh BSN (11-check) and fresh ids per request. The Organizations, Practitioners
# and PractitionerRoles are shared, as in real life: the first publish of each demo patient's
# network creates them, later ones reference them (ifNoneExist). The publisher is the
# development certificate institution.pem (URA 90000001), Prefer: return=minimal, keep-alive.
# Each publish is durable before its 200 (SQLite WAL, synchronous=FULL, and the access log
# record fdatasync'd; handoverd's writer thread commits the writes waiting together, one fsync
# per group). Against a fresh store (with the demo patients) on a handoverd with
# --threads <cores>.
#
# Then the read of one demo patient's handover (JSON, 2 keep-alive connections) alone and
# while 32 publishers publish: what a publish burst does to the huisartsenpost's reads.
#
# Also prints what the same publishes cost without HTTP, TLS and the access log, one at a time
# in one process (handoverd-load): with one commit per publish, and with 32 publishes per
# commit — the write path's own bound. Raw outputs: LOGS/publish-*.txt.
set -eu
prog=bench_publish.sh
. "$(dirname "$0")/lib.sh"
levels="1 8 32"
while [ $# -gt 0 ]; do
  if bench_common_option "$@"; then shift 2; continue; fi
  case $1 in
    --levels) levels=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_die "unknown option: $1" ;;
  esac
done
bench_setup handoverd tls_load handoverd-load

"$build/handoverd-load" --templates "$work/templates" >/dev/null
size=$(cat "$work/templates/"*.json | wc -c)
n=$(wc -l <"$work/templates/list.txt")
rm -rf "$work/publish-data"
port=$(bench_free_port)
bench_start_handoverd "$work/publish-data" "$port" --demo
# shellcheck disable=SC2086
id=$(curl -s --cacert "$pki/ca.pem" --cert "$pki/hap.pem" --key "$pki/hap.key" \
  "https://127.0.0.1:$port/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999932482" \
  | grep -o '/Patient/[0-9a-f-]*' | head -1 | cut -d/ -f3)
[ -n "$id" ] || bench_die "the demo patient 999932482 was not found"

warm=1
[ "$(awk -v s="$seconds" 'BEGIN { print (s < 3) }')" = 1 ] && warm=0.5
rows=
notes=
met=
k=0
for c in $levels; do
  r=$(bench_load institution "publish-c$c" --port "$port" --server-pid "$hd_pid" --method POST \
    --bodies "$work/templates/list.txt" --content-type application/fhir+json \
    --header Prefer:return=minimal --connections "$c" --seconds "$seconds" --warmup "$warm" \
    --seq-start $((k * 1000000)) --expect-status 200 /fhir)
  k=$((k + 1))
  rps=$(bench_field "$r" rps)
  cpu=$(bench_field "$r" server_cpu_us)
  rows="$rows| $c | $(printf '%.0f' "$rps") | $(bench_ms "$(bench_field "$r" p50_us)") | $(bench_ms "$(bench_field "$r" p99_us)") | $(bench_ms "$cpu") | $(bench_field "$r" errors) |
"
  if [ "$c" = 32 ]; then
    met=$(awk -v r="$rps" 'BEGIN { print (r >= 1000 ? "met" : "not met") }')
    met="target 1,000 publishes/s at 32 publishers: **$met** ($(printf '%.0f' "$rps")/s)"
  fi
  e=$(bench_field "$r" errors)
  [ "${e:-1}" = 0 ] || notes="$notes- $c publishers: $e errors, first: $(sed -n 's/^first error: //p' "$logs/publish-c$c.txt")
"
done

# Reads alone, then while 32 publishers publish.
read_opts="--port $port --header Accept:application/fhir+json --connections 2 --seconds $seconds --warmup $warm /fhir/Patient/$id/\$handover"
# shellcheck disable=SC2086
r_alone=$(bench_load hap publish-read-alone $read_opts)
"$build/tls_load" --ca "$pki/ca.pem" --cert "$pki/institution.pem" --key "$pki/institution.key" \
  --port "$port" --method POST --bodies "$work/templates/list.txt" \
  --content-type application/fhir+json --header Prefer:return=minimal --connections 32 \
  --seconds "$(awk -v s="$seconds" -v w="$warm" 'BEGIN { print s + 2 * w + 1 }')" --warmup 0 \
  --seq-start $((k * 1000000)) /fhir >"$logs/publish-during-reads.txt" 2>&1 &
bg=$!
sleep 1
# shellcheck disable=SC2086
r_mixed=$(bench_load hap publish-read-during $read_opts)
wait "$bg" || true
bench_stop "$hd_pid"
read_row() { # label RESULT
  echo "| $1 | $(printf '%.0f' "$(bench_field "$2" rps)") | $(bench_ms "$(bench_field "$2" p50_us)") | $(bench_ms "$(bench_field "$2" p99_us)") | $(bench_ms "$(bench_field "$2" max_us)") | $(bench_field "$2" errors) |"
}

# The same publishes in one process, without HTTP and TLS: the ceiling of one writer.
count=$(awk -v s="$seconds" 'BEGIN { n = int(s * 60); print (n < 100 ? 100 : n) }')
loader_rows=
for b in 1 32; do
  rm -rf "$work/load-data"
  "$build/handoverd-load" --data "$work/load-data" --patients "$count" --batch "$b" --quiet \
    >"$logs/publish-loader-batch$b.txt" 2>&1 || true
  l=$(grep '^RESULT' "$logs/publish-loader-batch$b.txt" || echo "RESULT rate=0")
  loader_rows="$loader_rows| $b | $(printf '%.0f' "$(bench_field "$l" rate)") |
"
done
rm -rf "$work/load-data"

echo "### Publishes per second, durable commits"
echo
echo "$(bench_machine); ${seconds} s per level; new patients from the $n demo patients (transaction Bundles of $(awk -v b="$size" -v n="$n" 'BEGIN { printf "%.1f", b / n / 1024 }') KB JSON on average); handoverd --threads $cores"
echo
echo "| concurrent publishers | publishes/s | p50 ms | p99 ms | server CPU ms/publish | errors |"
echo "|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
[ -z "$met" ] || echo "$met"
echo
echo "Reads of one handover (JSON, 2 keep-alive connections) alone and during 32 publishers ($(sed -n 's/^requests \([0-9]*\) (\([0-9]*\)\/s).*/\2 publishes\/s/p' "$logs/publish-during-reads.txt")):"
echo
echo "| reads | reads/s | p50 ms | p99 ms | max ms | errors |"
echo "|---|---|---|---|---|---|"
read_row alone "$r_alone"
read_row "during 32 publishers" "$r_mixed"
echo
echo "The same publishes in one process (handoverd-load: parse, validate, transaction, build, store; no HTTP, TLS or access log), $count patients:"
echo
echo "| publishes per commit | publishes/s |"
echo "|---|---|"
printf '%s' "$loader_rows"
echo
printf '%s' "$notes"
echo "- raw: $logs/publish-*.txt"
