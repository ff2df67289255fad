#!/bin/sh
# Builds and runs every test: the normal build, the same tests under
# ASan/UBSan, and each libFuzzer target for FUZZ_SECONDS (default 60) seeded
# from the fixtures. Run from the repository root; exits non-zero on failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}

echo "== build and test"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== the same tests under AddressSanitizer and UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHANDOVER_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target"
  CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DHANDOVER_SANITIZE=ON \
    -DHANDOVER_FUZZ=ON >/dev/null
  targets="fuzz_xml_read fuzz_json_read fuzz_validate fuzz_handover fuzz_request"
  cmake --build build-fuzz -j"$jobs" --target $targets
  for target in $targets; do
    corpus=build-fuzz/corpus-$target
    mkdir -p "$corpus"
    case $target in
      fuzz_xml_read) seeds=$(ls fixtures/fhir/*/*.xml) ;;
      fuzz_json_read) seeds=$(ls fixtures/fhir/*/*.json) ;;
      fuzz_handover) seeds=$(ls fixtures/handover/*/*.xml fixtures/handover/*/*.json) ;;
      fuzz_request) seeds=$(ls tests/fuzz/request/*) ;;
      *) seeds=$(ls fixtures/fhir/*/*.xml fixtures/fhir/*/*.json) ;;
    esac
    cp $seeds "$corpus"/
    # a crash fails the run: the fuzzer's status, not the tail's
    if ! build-fuzz/$target -max_total_time="$fuzz_seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 "$corpus" \
      -dict=tests/fuzz/fhir.dict > build-fuzz/$target.log 2>&1; then
      tail -40 build-fuzz/$target.log
      echo "== $target found a problem (build-fuzz/$target.log)"
      exit 1
    fi
    tail -5 build-fuzz/$target.log
  done
fi
echo "== all tests passed"
