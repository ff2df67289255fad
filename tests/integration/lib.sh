# lib.sh - what the integration tests share (sourced, bash): the temporary
# directory, TAP checks, curl requests with the development client certificates, and
# starting and stopping handoverd. test_server.sh, test_hostile.sh, test_crash.sh and test_trust.sh use them.
#
# The sourcing script sets it_name (a short name for the temporary directory,
# handoverd-NAME.XXXXXX) and sources this with its own arguments, BUILD_DIR SOURCE_DIR
# (`. lib.sh "$@"`); it gets:
#   build top        those two
#   tmp pki data     the temporary directory, the fresh PKI, the data directory
#   q ARGS           tests/integration/q.py; hx ARGS: tests/integration/hostile.py
#   begin/bad/end    one TAP check; st, pyt, jeq, hget, hre, that, not, oo as in test_server.sh
#   req CERT METHOD PATH [CURL-ARG]...  the last response is $code, $B, $H
#   start_server [OPTION]... / stop_server / log_clean / bail
# shellcheck shell=bash disable=SC2034,SC2154,SC2317  # variables for the sourcing script; trap handler

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$1
top=$2
daemon=$build/handoverd
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
q() { "$py" "$here/q.py" "$@"; }
hx() { "$py" "$here/hostile.py" "$@"; }

for tool in curl openssl xmllint "$py"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "Bail out! $tool is missing"; exit 1; }
done
[ -x "$daemon" ] || { echo "Bail out! no $daemon (build the handoverd target)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/handoverd-$it_name.XXXXXX")
pki=$tmp/pki
data=$tmp/data
srv_pid=
bg_pids=
cleanup() {
  for p in $bg_pids; do kill "$p" 2>/dev/null; done
  if [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; then
    kill -TERM "$srv_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$srv_pid" 2>/dev/null
  fi
  if [ "${IT_KEEP:-0}" = 1 ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$tmp/r" "$tmp/aux"

fx=$top/fixtures/handover
bsn_sys=http://fhir.nl/fhir/NamingSystem/bsn

# ---------------------------------------------------------------- TAP and checks

T=0
FAILS=0
desc=
why=
LAST=
code=
B=/dev/null
H=/dev/null
begin() { desc=$1; why=; }
bad() { why="$why#   $*
"; }
end() {
  T=$((T + 1))
  if [ -z "$why" ]; then
    echo "ok $T - $desc"
  else
    FAILS=$((FAILS + 1))
    echo "not ok $T - $desc"
    printf '%s' "$why"
    show
  fi
}
show() {
  echo "#   last request: $LAST -> $code"
  [ -s "$H" ] && tr -d '\r' < "$H" | grep -av '^$' | sed 's/^/#   < /' | head -15
  [ -s "$B" ] && { head -c 1500 "$B" | tr -d '\000' | sed 's/^/#   /'; echo; }
}
# st CODE: the last response's status
st() { [ "$code" = "$1" ] || bad "status $code, expected $1"; }
# st_in CODE...: the last response's status is one of these
st_in() {
  local c
  for c in "$@"; do [ "$code" = "$c" ] && return; done
  bad "status $code, expected one of $*"
}
# pyt EXPR [ARG]...: a Python expression on the last response (see q.py expr)
pyt() {
  local err
  err=$(q expr "$B" "$H" "$@" 2>&1) || bad "not true: $1 ${2:+[$*]} $err"
}
jeq() {
  local v
  v=$(q get "$B" "$1")
  [ "$v" = "$2" ] || bad "$1 is '$v', expected '$2'"
}
hget() {
  tr -d '\r' < "$H" | awk -v n="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" '
    /^HTTP\// { v = ""; next }
    { i = index($0, ":"); if (i > 0 && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v) } }
    END { print v }'
}
hre() {
  local v
  v=$(hget "$1")
  printf '%s' "$v" | grep -Eq -- "$2" || bad "header $1 is '$v', expected /$2/"
}
that() {
  local msg=$1
  shift
  "$@" || bad "$msg"
}
not() { ! "$@"; }
# ooerr: the body is a JSON OperationOutcome with an issue of severity error or fatal
ooerr() { pyt 'd["resourceType"] == "OperationOutcome" and issues()'; }
# oo CODE: ... and one of those issues has this code
oo() { pyt 'd["resourceType"] == "OperationOutcome" and a[0] in codes()' "$1"; }

# ---------------------------------------------------------------- HTTP

n=0
# call PREFIX CERT METHOD PATH [CURL-ARG]...: PREFIX.body, .hdr, .code, .time
call() {
  local p=$1 c=$2 m=$3 u=$4
  shift 4
  set -- -s -S -g --max-time 60 --cacert "$pki/ca.pem" -o "$p.body" -D "$p.hdr" \
    -w '%{http_code} %{time_total}' "$@"
  [ "$c" = none ] || set -- --cert "$pki/$c.pem" --key "$pki/$c.key" "$@"
  case $m in
    GET) ;;
    HEAD) set -- -I "$@" ;;
    *) set -- -X "$m" -H 'Expect:' "$@" ;;
  esac
  : > "$p.body"
  : > "$p.hdr"
  curl "$@" "$base$u" > "$p.out" 2> "$p.err" || true
  cut -d' ' -f1 "$p.out" > "$p.code"
  cut -d' ' -f2 "$p.out" > "$p.time"
}
# req CERT METHOD PATH [CURL-ARG]...: the last response is $code, $B, $H ($SECS: its time)
req() {
  n=$((n + 1))
  call "$tmp/r/$n" "$@"
  B=$tmp/r/$n.body
  H=$tmp/r/$n.hdr
  code=$(cat "$tmp/r/$n.code")
  SECS=$(cat "$tmp/r/$n.time")
  LAST="$1 $2 $3"
}
json_ct=(-H 'Content-Type: application/fhir+json')
xml_ct=(-H 'Content-Type: application/fhir+xml')
as_json=(-H 'Accept: application/fhir+json')

bsn_of() { # bsn_of FIXTURE.json
  "$py" - "$1" "$bsn_sys" <<'EOF'
import json, sys
for e in json.load(open(sys.argv[1]))["entry"]:
    r = e["resource"]
    if r["resourceType"] == "Patient":
        for i in r.get("identifier", []):
            if i.get("system") == sys.argv[2]:
                print(i["value"])
EOF
}

# ---------------------------------------------------------------- the server

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
base=https://localhost:$port
runs=0
LOG=/dev/null
# start_server [OPTION]...: starts handoverd, waits (bounded) until it logs event=start
start_server() {
  runs=$((runs + 1))
  LOG=$tmp/server-$runs.log
  local i
  for _ in 1 2 3 4 5; do
    : > "$LOG"
    "$daemon" --pki "$pki" --data "$data" --port "$port" "$@" 2> "$LOG" &
    srv_pid=$!
    for i in $(seq 600); do
      grep -q 'event=start ' "$LOG" && return 0
      kill -0 "$srv_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$srv_pid" 2>/dev/null; then
      kill -KILL "$srv_pid"
      wait "$srv_pid" 2>/dev/null
      srv_pid=
      return 1
    fi
    wait "$srv_pid" 2>/dev/null
    srv_pid=
    grep -q 'cannot listen' "$LOG" || return 1
    port=$(free_port) # someone took the port: another one
    base=https://localhost:$port
  done
  return 1
}
# stop_server: SIGTERM, a bounded wait; STOP_RC is the exit status ("timeout" if it hung)
stop_server() {
  STOP_RC=none
  [ -n "$srv_pid" ] || return
  kill -TERM "$srv_pid" 2>/dev/null
  local i
  for i in $(seq 600); do
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$srv_pid" 2>/dev/null; then
    kill -KILL "$srv_pid" 2>/dev/null
    wait "$srv_pid" 2>/dev/null
    STOP_RC=timeout
  else
    wait "$srv_pid"
    STOP_RC=$?
  fi
  srv_pid=
}
SAN_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|level=error'
# log_clean [LOG]...: no sanitizer report, no error event in these logs (default: the current)
log_clean() {
  [ $# -gt 0 ] || set -- "$LOG"
  ! grep -Eq "$SAN_RE" "$@"
}
log_findings() { # log_findings [LOG]...: the lines that make log_clean fail
  [ $# -gt 0 ] || set -- "$LOG"
  grep -E "$SAN_RE|^ *#[0-9]+ " "$@" | head -60
}
bail() {
  echo "Bail out! $*"
  [ -f "$LOG" ] && sed 's/^/# /' "$LOG" | tail -30
  exit 1
}
make_pki() {
  sh "$top/certs/make-dev-pki.sh" "$pki" > "$tmp/pki.out" 2>&1 || bail "make-dev-pki.sh failed: $(cat "$tmp/pki.out")"
}
