#!/bin/bash
# Crash safety of handoverd: publishers write continuously while the server is killed with
# SIGKILL at random moments, then restarted on the same data directory. Afterwards every
# version the server acknowledged with a 2xx must be there with the acknowledged content,
# versions have no gaps, and every patient's current handover document is the newest in
# its history, valid in both formats and built from the current records.
#
# usage: test_crash.sh BUILD_DIR SOURCE_DIR
#
# Each round: start handoverd (--demo: the first round loads the 13 demo patients), run 3
# publisher loops (tests/integration/crash.py publish: PUTs of patient A's Consents;
# patient B's transaction; patient C's transaction and Consents with return=minimal), kill
# -KILL the server after a random 0.2-1.5 s (in even rounds counted from the round's first
# acknowledged write, so that every other round has writes to lose), wait the loops out.
# CRASH_ROUNDS (12) and CRASH_SEED (random) repeat a run. No timing assertions.
#
# TAP output as test_server.sh; exit 0 when every check passed. Needs curl, openssl,
# xmllint and python3. IT_KEEP=1 keeps the temporary directory (logs, what each loop got
# acknowledged in acks-*.jsonl).
# shellcheck disable=SC2016  # Python in single quotes
set -u

it_name=crash
# shellcheck source=tests/integration/lib.sh
. "$(cd "$(dirname "$0")" && pwd)/lib.sh" "$@"
export HANDOVER_BIN="$build/handover"   # crash.py verifies the documents' signatures with it
cx() { "$py" "$here/crash.py" "$@"; }

rounds=${CRASH_ROUNDS:-12}
seed=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$seed
FXA=$fx/valid/gz-mpt-huisarts-emb.json # loop 1: PUT its Consents
FXB=$fx/valid/oz-vmb-so-alzheimer.json # loop 2: its transaction
FXC=$fx/valid/gz-pgb-avg-thuis.json    # loop 3: its transaction and Consents, return=minimal
opts=(--max-body 1048576 --timeout 10)

echo "# handoverd crash test: $daemon, $rounds rounds, CRASH_SEED=$seed, temporary directory $tmp"
make_pki

# ---------------------------------------------------------------- rounds

start_server --demo "${opts[@]}" || bail "handoverd did not start (no event=start within 60 s)"
grep -q 'event=demo patients=13' "$LOG" || bail "the demo patients were not loaded: $(tail -5 "$LOG")"
cx plan "$port" "$pki" "$tmp" "$FXA" "$FXB" "$FXC" > "$tmp/plan.out" 2>&1 || bail "crash.py plan: $(cat "$tmp/plan.out")"
logs=$LOG
started_ok=1
start_fail=
for round in $(seq "$rounds"); do
  if [ "$round" -gt 1 ]; then
    if ! start_server --demo "${opts[@]}"; then
      started_ok=0
      start_fail="round $round: $(tail -5 "$LOG" | tr '\n' ' ')"
      logs="$logs $LOG"
      break
    fi
    logs="$logs $LOG"
  fi
  stop=$tmp/stop-$round
  nacks=$(cat "$tmp"/acks-*.jsonl 2>/dev/null | wc -l)
  pids=
  for loop in 1 2 3; do
    cx publish "$port" "$pki" "$tmp/plan-$loop.json" "$round" "$loop" "$tmp/acks-$loop.jsonl" "$stop" \
      > "$tmp/publish-$round-$loop.out" 2>&1 &
    pids="$pids $!"
  done
  bg_pids=$pids
  # even rounds: the random wait starts with the first acknowledged write of the round
  if [ $((round % 2)) = 0 ]; then
    for _ in $(seq 600); do
      [ "$(cat "$tmp"/acks-*.jsonl 2>/dev/null | wc -l)" -gt "$nacks" ] && break
      sleep 0.05
    done
  fi
  # 0.2 .. 1.5 s
  ms=$((200 + RANDOM % 1301))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -KILL "$srv_pid" 2>/dev/null
  wait "$srv_pid" 2>/dev/null
  srv_pid=
  : > "$stop"
  # shellcheck disable=SC2086  # the pid list
  wait $pids
  bg_pids=
  echo "# round $round: killed $ms ms after $([ $((round % 2)) = 0 ] && echo 'the first acknowledged write' || echo 'the start'); $(for l in 1 2 3; do printf 'loop %s %s ' "$l" "$(head -c 200 "$tmp/publish-$round-$l.out")"; done)"
done

begin "the server restarted after each SIGKILL ($rounds rounds)"
LAST="start_server"; code=-; B=/dev/null; H=/dev/null
[ "$started_ok" = 1 ] || bad "it did not start: $start_fail"
end
[ "$started_ok" = 1 ] || bail "cannot go on without a server"

start_server "${opts[@]}" || bail "handoverd did not start after the last kill: $(tail -5 "$LOG")"
logs="$logs $LOG"
begin "after the last kill the server starts on the same data and answers /health 200"
req none GET /health
st 200; jeq status ok
end

# what the loops saw: acknowledgements, and no answer but 2xx
"$py" - "$tmp" > "$tmp/summary" <<'EOF'
import glob, json, sys
sent = acks = 0
status, errors = {}, {}
for f in sorted(glob.glob(sys.argv[1] + "/publish-*.out")):
    try:
        d = json.loads(open(f).read().strip().splitlines()[-1])
    except (ValueError, IndexError):
        print("unreadable", f)
        continue
    sent += d["sent"]; acks += d["acks"]
    for k, v in d["status"].items():
        status[k] = status.get(k, 0) + v
    for k, v in d["errors"].items():
        errors[k] = errors.get(k, 0) + v
print("sent", sent, "acks", acks, "status", json.dumps(status, sort_keys=True),
      "errors", json.dumps(errors, sort_keys=True))
EOF
echo "# publishers: $(cat "$tmp/summary")"
begin "the publishers got writes acknowledged (at least one per even round, $((rounds / 2))) and no answer but a 2xx"
LAST="publishers"; code=-; B=$tmp/summary; H=/dev/null
acked=$(awk '{print $4}' "$tmp/summary")
[ "${acked:-0}" -ge $((rounds / 2)) ] 2>/dev/null || bad "only ${acked:-0} acknowledged writes"
! grep -q unreadable "$tmp/summary" || bad "a publisher's summary is missing"
"$py" -c 'import json, sys; s = json.loads(sys.argv[1]); sys.exit(any(not k.startswith("2") for k in s))' \
  "$(sed 's/.* status \({[^}]*}\).*/\1/' "$tmp/summary")" || bad "statuses other than 2xx: $(cat "$tmp/summary")"
end

# ---------------------------------------------------------------- verification

BSNS=
for f in "$fx"/valid/*.json; do BSNS="$BSNS $(bsn_of "$f")"; done
# shellcheck disable=SC2086  # word lists
cx verify "$port" "$pki" "$bsn_sys" "$tmp"/acks-*.jsonl -- $BSNS > "$tmp/verify.out" 2> "$tmp/verify.err"
vrc=$?
begin "crash.py verify ran to the end"
LAST="crash.py verify"; code=$vrc; B=$tmp/verify.err; H=/dev/null
[ "$vrc" = 0 ] || bad "exit status $vrc: $(tail -5 "$tmp/verify.err")"
end
while IFS=$'\t' read -r result what details; do
  case $result in
    PASS | FAIL)
      begin "$what"
      LAST="crash.py verify"; code=-; B=/dev/null; H=/dev/null
      [ "$result" = PASS ] || bad "$details"
      end
      ;;
    SKIP)
      T=$((T + 1))
      echo "ok $T - $what # SKIP $details"
      ;;
  esac
done < "$tmp/verify.out"

stop_server
begin "SIGTERM stops the restarted server with exit status 0"
LAST="kill -TERM"; code=$STOP_RC; B=/dev/null; H=/dev/null
[ "$STOP_RC" = 0 ] || bad "exit status $STOP_RC"
end
begin "no server log (all $((rounds + 1)) runs) has a sanitizer report or an error event"
LAST="server logs"; code=-; B=/dev/null; H=/dev/null
# shellcheck disable=SC2086  # the log list
log_clean $logs || bad "$(log_findings $logs)"
end

echo "1..$T"
if [ "$FAILS" -ne 0 ]; then
  echo "# $FAILS of $T checks failed (CRASH_SEED=$seed)"
  exit 1
fi
echo "# all $T checks passed"
exit 0
