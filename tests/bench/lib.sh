# lib.sh — what the service benchmarks share (sourced by bench_read.sh, bench_publish.sh,
# bench_scale.sh): options, building, a work directory, the development PKI, free ports,
# starting and stopping handoverd, running tls_load and reading its RESULT line.
#
# Every script takes: --build DIR (default build-bench), --seconds S (per measurement,
# default 10), --work DIR (scratch space, default a new directory under ${TMPDIR:-/tmp},
# removed at the end), --logs DIR (raw outputs, default BUILD/bench-logs).
# Everything listens on 127.0.0.1 only; every server started is stopped by its pid at exit.

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-bench
seconds=10
work=
logs=
cores=$(nproc)
started_pids=
own_work=0

bench_die() { echo "$prog: $*" >&2; exit 1; }

# Parses the common options; the rest are left in $rest (one word per element of "$@" of the caller).
bench_common_option() {
  case $1 in
    --build) build=$2; return 0 ;;
    --seconds) seconds=$2; return 0 ;;
    --work) work=$2; return 0 ;;
    --logs) logs=$2; return 0 ;;
  esac
  return 1
}

bench_cleanup() {
  for p in $started_pids; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in $started_pids; do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$p" 2>/dev/null || true
  done
  started_pids=
  if [ "$own_work" = 1 ] && [ -n "$work" ]; then rm -rf "$work"; fi
}

# Builds the targets named, makes the work, log and PKI directories.
bench_setup() {
  case $build in /*) ;; *) build=$top/$build ;; esac
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" -j"$cores" --target "$@" >/dev/null
  if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/handover-bench.XXXXXX")
    own_work=1
  else
    mkdir -p "$work"
  fi
  chmod 755 "$work"
  logs=${logs:-$build/bench-logs}
  mkdir -p "$logs"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  [ -f "$work/pki/ca.pem" ] || sh "$top/certs/make-dev-pki.sh" "$work/pki" >/dev/null
  pki=$work/pki
}

# A TCP port on 127.0.0.1 nobody listens on (handoverd binds with SO_REUSEPORT, so a port
# in use by another handoverd would not fail: it would share the connections).
bench_free_port() {
  while :; do
    port=$(( $(od -An -N2 -tu2 /dev/urandom) % 30000 + 20000 ))
    hex=$(printf '%04X' "$port")
    if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }'; then
      echo "$port"
      return
    fi
  done
}

# Starts handoverd: bench_start_handoverd DATA PORT [options]; sets hd_pid; waits for /health.
bench_start_handoverd() {
  data=$1 hd_port=$2
  shift 2
  "$build/handoverd" --pki "$pki" --data "$data" --port "$hd_port" --threads "$cores" "$@" \
    2>>"$work/handoverd-$hd_port.log" &
  hd_pid=$!
  started_pids="$started_pids $hd_pid"
  i=0
  until curl -s -o /dev/null --max-time 2 --cacert "$pki/ca.pem" "https://127.0.0.1:$hd_port/health"; do
    kill -0 "$hd_pid" 2>/dev/null || { tail -5 "$work/handoverd-$hd_port.log" >&2; bench_die "handoverd did not start"; }
    i=$((i + 1))
    [ $i -lt 600 ] || bench_die "handoverd did not answer /health within 60 s"
    sleep 0.1
  done
}

# Stops a server we started: bench_stop PID.
bench_stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  started_pids=$(echo "$started_pids" | tr ' ' '\n' | grep -v "^$1\$" | tr '\n' ' ')
}

# Runs tls_load with the client certificate NAME: bench_load NAME LOGNAME [tls_load options];
# prints the RESULT line (the whole output goes to LOGS/LOGNAME.txt).
bench_load() {
  who=$1 name=$2
  shift 2
  "$build/tls_load" --ca "$pki/ca.pem" --cert "$pki/$who.pem" --key "$pki/$who.key" "$@" \
    >"$logs/$name.txt" 2>&1 || true
  grep '^RESULT' "$logs/$name.txt" || { sed 's/^/  /' "$logs/$name.txt" >&2; echo "RESULT rps=0 errors=1"; }
}

# A key's value in a RESULT line: bench_field LINE KEY.
bench_field() {
  echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# ours/theirs with two decimals; "-" when either is missing or theirs is 0.
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

# microseconds as milliseconds with two decimals
bench_ms() {
  awk -v u="$1" 'BEGIN { if (u == "") print "-"; else printf "%.2f", u / 1000 }'
}

bench_machine() {
  echo "$cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
}
