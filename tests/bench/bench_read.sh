#!/bin/sh
# bench_read.sh — the handover read, handoverd against nginx serving the same bytes.
#
# usage: tests/bench/bench_read.sh [--seconds S] [--connections C] [--build DIR] [--work DIR]
#                                  [--logs DIR]
#
# handoverd starts with --demo on a fresh store; the handover of one demo patient
# (GET /fhir/Patient/{id}/$handover) is fetched as XML and as JSON and written to files that
# nginx (Debian's, installed by tests/bench/deps.sh when missing) serves as static files with
# the same TLS setup: the same ECDSA P-256 key and certificate, client certificates required
# and verified against the same CA, TLS 1.2 and 1.3, session tickets (and nginx's session
# cache), keep-alive, one access-log line per request (handoverd writes its request log and
# its access log). Both may use every core: handoverd --threads <cores>, nginx
# worker_processes <cores>.
#
# tls_load measures each case for S seconds (after 1 s of warm-up) with C connections (default
# 2 on 2 cores: the load generator shares the cores, which is why the server's CPU time per
# request is the steady figure) — keep-alive, a new connection per request with a full
# handshake, and with a resumed session — and reads the server's CPU time (utime + stime of
# handoverd; of nginx's master and workers) from /proc before and after. Prints a Markdown table
# with ours/nginx for each figure. Raw outputs: LOGS/read-*.txt.
set -eu
prog=bench_read.sh
. "$(dirname "$0")/lib.sh"
connections=2
while [ $# -gt 0 ]; do
  if bench_common_option "$@"; then shift 2; continue; fi
  case $1 in
    --connections) connections=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_die "unknown option: $1" ;;
  esac
done

command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || sh "$top/tests/bench/deps.sh" >&2
nginx=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
bench_setup handoverd tls_load

# ---- handoverd with the demo patients -------------------------------------------------------
rm -rf "$work/read-data"
hd_port=$(bench_free_port)
bench_start_handoverd "$work/read-data" "$hd_port" --demo
ours=$hd_pid
curl_pki="--cacert $pki/ca.pem --cert $pki/hap.pem --key $pki/hap.key"
# shellcheck disable=SC2086
id=$(curl -s $curl_pki "https://127.0.0.1:$hd_port/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999932482" \
  | grep -o '/Patient/[0-9a-f-]*' | head -1 | cut -d/ -f3)
[ -n "$id" ] || bench_die "the demo patient 999932482 was not found"
path="/fhir/Patient/$id/\$handover"

# ---- the same bytes for nginx ---------------------------------------------------------------
ngx=$work/nginx
mkdir -p "$ngx/docs" "$ngx/tmp"
for f in json xml; do
  # shellcheck disable=SC2086
  curl -s -f $curl_pki -H "Accept: application/fhir+$f" -o "$ngx/docs/handover.$f" \
    "https://127.0.0.1:$hd_port$path" || bench_die "cannot fetch the $f handover"
done
chmod 755 "$ngx" "$ngx/docs"
chmod 644 "$ngx/docs/"*
len_json=$(wc -c <"$ngx/docs/handover.json")
len_xml=$(wc -c <"$ngx/docs/handover.xml")

ngx_port=$(bench_free_port)
while [ "$ngx_port" = "$hd_port" ]; do ngx_port=$(bench_free_port); done
user_line=
[ "$(id -u)" -ne 0 ] || user_line="user nobody nogroup;"
cat >"$ngx/nginx.conf" <<EOF
# the reference server of tests/bench/bench_read.sh (generated)
worker_processes $cores;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
$user_line
events { worker_connections 1024; }
http {
  access_log $ngx/access.log;
  client_body_temp_path $ngx/tmp/body;
  proxy_temp_path $ngx/tmp/proxy;
  fastcgi_temp_path $ngx/tmp/fastcgi;
  uwsgi_temp_path $ngx/tmp/uwsgi;
  scgi_temp_path $ngx/tmp/scgi;
  server_tokens off;
  keepalive_requests 100000000;  # handoverd has no per-connection request limit
  keepalive_timeout 30s;         # handoverd: timeout = 30
  server {
    listen 127.0.0.1:$ngx_port ssl;
    ssl_certificate $pki/server.pem;
    ssl_certificate_key $pki/server.key;
    ssl_client_certificate $pki/ca.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:TLS:10m;
    ssl_session_tickets on;
    root $ngx/docs;
    location = /handover.json {
      default_type "application/fhir+json; charset=utf-8";
      add_header Cache-Control "private, no-cache";
    }
    location = /handover.xml {
      default_type "application/fhir+xml; charset=utf-8";
      add_header Cache-Control "private, no-cache";
    }
  }
}
EOF
"$nginx" -p "$ngx" -e "$ngx/error.log" -c "$ngx/nginx.conf" &
theirs=$!
started_pids="$started_pids $theirs"
i=0
# shellcheck disable=SC2086
until curl -s -f -o /dev/null --max-time 2 $curl_pki "https://127.0.0.1:$ngx_port/handover.json"; do
  kill -0 "$theirs" 2>/dev/null || { cat "$ngx/error.log" >&2; bench_die "nginx did not start"; }
  i=$((i + 1)); [ $i -lt 100 ] || bench_die "nginx did not answer"; sleep 0.1
done

# ---- measurements ---------------------------------------------------------------------------
warm=1
[ "$(awk -v s="$seconds" 'BEGIN { print (s < 3) }')" = 1 ] && warm=0.5
rows=
notes=
handshake() { # what a RESULT line says of the first handshake
  h="$(bench_field "$1" protocol) $(bench_field "$1" cipher) group $(bench_field "$1" group)"
  if [ "$(bench_field "$1" hrr)" = 1 ]; then h="$h after a HelloRetryRequest"; fi
  echo "$h"
}
measure() { # label mode tls format [client groups]
  label=$1 mode=$2 tls=$3 fmt=$4 groups=${5:-}
  eval "len=\$len_$fmt"
  tag=$(echo "$mode-tls$tls-$fmt${groups:+-$groups}" | tr -d .:)
  common="--seconds $seconds --warmup $warm --connections $connections --mode $mode --tls $tls --expect-length $len --header Accept:application/fhir+$fmt${groups:+ --groups $groups}"
  # shellcheck disable=SC2086
  a=$(bench_load hap "read-ours-$tag" --port "$hd_port" --server-pid "$ours" $common "$path")
  # shellcheck disable=SC2086
  b=$(bench_load hap "read-nginx-$tag" --port "$ngx_port" --server-pid "$theirs" $common "/handover.$fmt")
  ar=$(bench_field "$a" rps) br=$(bench_field "$b" rps)
  a50=$(bench_field "$a" p50_us) b50=$(bench_field "$b" p50_us)
  a99=$(bench_field "$a" p99_us) b99=$(bench_field "$b" p99_us)
  ac=$(bench_field "$a" server_cpu_us) bc=$(bench_field "$b" server_cpu_us)
  rows="$rows| $label | $(printf '%.0f' "$ar") | $(printf '%.0f' "$br") | $(bench_ratio "$ar" "$br") | $(bench_ms "$a50") | $(bench_ms "$b50") | $(bench_ratio "$a50" "$b50") | $(bench_ms "$a99") | $(bench_ms "$b99") | $(bench_ratio "$a99" "$b99") | $ac | $bc | $(bench_ratio "$ac" "$bc") |
"
  ae=$(bench_field "$a" errors) be=$(bench_field "$b" errors)
  if [ "${ae:-1}" != 0 ] || [ "${be:-1}" != 0 ]; then
    notes="$notes- $label: errors ours $ae, nginx $be (see $logs/read-*-$tag.txt)
"
  fi
  if [ "$mode" = new ] && [ "$fmt" = json ] && [ -z "$groups" ]; then
    notes="$notes- TLS $tls handshake: ours $(handshake "$a"), nginx $(handshake "$b")
"
  fi
  if [ "$mode" = resume ]; then
    notes="$notes- $label: resumed handshakes ours $(bench_field "$a" resumed_pct) %, nginx $(bench_field "$b" resumed_pct) %
"
  fi
}
measure "JSON, keep-alive" keepalive 1.3 json
measure "XML, keep-alive" keepalive 1.3 xml
measure "JSON, new connection, full handshake (TLS 1.3)" new 1.3 json
measure "XML, new connection, full handshake (TLS 1.3)" new 1.3 xml
measure "JSON, new connection, resumed (TLS 1.3 ticket)" resume 1.3 json
measure "XML, new connection, resumed (TLS 1.3 ticket)" resume 1.3 xml
# what a client whose first key share is P-256 (the group handoverd prefers) gets: no HelloRetryRequest
measure "JSON, new connection, full handshake (TLS 1.3), client offers P-256 first" new 1.3 json P-256:X25519
measure "JSON, new connection, resumed (TLS 1.3 ticket), client offers P-256 first" resume 1.3 json P-256:X25519
measure "JSON, new connection, full handshake (TLS 1.2)" new 1.2 json
measure "JSON, new connection, resumed (TLS 1.2 ticket)" resume 1.2 json

echo "### Handover read: handoverd against nginx serving the same bytes"
echo
echo "$(bench_machine); $connections connections, ${seconds} s per measurement; document $(awk -v b="$len_json" 'BEGIN { printf "%.1f", b / 1024 }') KB JSON, $(awk -v b="$len_xml" 'BEGIN { printf "%.1f", b / 1024 }') KB XML; handoverd --threads $cores, nginx $("$nginx" -v 2>&1 | sed 's|.*/||') worker_processes $cores; × = ours/nginx"
echo
echo "| case | req/s ours | nginx | × | p50 ms ours | nginx | × | p99 ms ours | nginx | × | server CPU µs/req ours | nginx | × |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
printf '%s' "$notes"
echo "- raw: $logs/read-*.txt"
