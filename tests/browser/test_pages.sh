#!/bin/sh
# The doctor's page in a real browser: `handover render` pages for several
# patients, at a fixed moment in office hours and one in ANW, opened in
# headless Chromium (Debian's `chromium`). Checks the DOM Chromium built
# (check_page.py: limits first, every directive in its section, who to call
# for the clock, nothing runs or is fetched, BSN masked), that a typical
# patient prints on one A4 page, and saves the pages, DOMs, screenshots and
# PDFs as artefacts in BUILD_DIR/browser-artifacts/.
#
# usage: test_pages.sh BUILD_DIR SOURCE_DIR
# Without chromium this test fails (tests/deps.sh installs it).
set -u
build=$1
top=$2
tool=$build/handover
out=$build/browser-artifacts
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

if ! command -v chromium > /dev/null 2>&1; then
  echo "FAIL chromium is not installed (sh tests/deps.sh)"; exit 1
fi
command -v python3 > /dev/null 2>&1 || { echo "FAIL python3 is not installed"; exit 1; }
[ -x "$tool" ] || { echo "FAIL no $tool"; exit 1; }

rm -rf "$out"
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# Chromium as root needs --no-sandbox; its own profile keeps runs apart.
browse() { # what-to-do-flags... URL
  timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --disable-background-networking --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" "$@" 2>> "$out/chromium.log"
}

now=2026-11-23T12:00:00Z
office=2026-11-24T10:00:00+01:00  # Tuesday 10:00 CET
anw=2026-11-24T03:00:00+01:00     # Tuesday 03:00 CET
# typical patients (one A4 when printed), and one with an expired directive and
# the huisartsenpost (reachable in ANW only) among the contacts
patients="oz-vmb-so-alzheimer gz-mpt-huisarts-emb oz-vzb-huisarts-herbeoordeling
          oz-vpt-huisarts-verlopen gz-vzb-huisarts-avg-consulent"
one_page="oz-vmb-so-alzheimer gz-mpt-huisarts-emb gz-vzb-huisarts-avg-consulent"

chromium --version 2>/dev/null | head -1
for p in $patients; do
  records=$top/fixtures/handover/valid/$p.json
  doc=$out/$p.document.json
  if ! "$tool" build --format json --now $now "$records" > "$doc" 2> "$out/$p.err"; then
    fail "$p: build"; continue
  fi
  for v in office anw; do
    eval at=\$$v
    page=$out/$p-$v.html
    if ! "$tool" render --now $now --at "$at" "$doc" > "$page" 2>> "$out/$p.err"; then
      fail "$p $v: render"; continue
    fi
    browse --dump-dom "file://$page" > "$out/$p-$v.dom.html"
    if [ ! -s "$out/$p-$v.dom.html" ]; then fail "$p $v: chromium dumped no DOM"; continue; fi
    if python3 "$top/tests/browser/check_page.py" "$out/$p-$v.dom.html" "$doc" $v \
         2026-11-23; then
      ok "$p $v: DOM"
    else
      fail "$p $v: DOM"
    fi
    browse --screenshot="$out/$p-$v.png" --window-size=1280,1800 "file://$page" > /dev/null
    magic=$(head -c 8 "$out/$p-$v.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
    if [ "$magic" = 89504e470d0a1a0a ]; then
      ok "$p $v: screenshot"
    else
      fail "$p $v: no screenshot"
    fi
  done
done

# a phone-sized screenshot, and the page on a public holiday (Tweede Paasdag: ANW)
p=oz-vmb-so-alzheimer
browse --screenshot="$out/$p-anw-phone.png" --window-size=390,2400 "file://$out/$p-anw.html" \
  > /dev/null
[ -s "$out/$p-anw-phone.png" ] && ok "$p: phone screenshot" || fail "$p: no phone screenshot"
"$tool" render --now $now --at 2026-04-06T10:00:00+02:00 "$out/$p.document.json" \
  > "$out/$p-paasdag.html"
browse --dump-dom "file://$out/$p-paasdag.html" > "$out/$p-paasdag.dom.html"
if python3 "$top/tests/browser/check_page.py" "$out/$p-paasdag.dom.html" \
     "$out/$p.document.json" anw 2026-11-23; then
  ok "$p: Tweede Paasdag is ANW"
else
  fail "$p: Tweede Paasdag is ANW"
fi

# printed: a typical patient fits on one A4 page
for p in $one_page; do
  browse --no-pdf-header-footer --print-to-pdf="$out/$p-office.pdf" "file://$out/$p-office.html" \
    > /dev/null
  pages=$(grep -a -o '/Count [0-9]*' "$out/$p-office.pdf" 2>/dev/null | head -1 | cut -d' ' -f2)
  [ "${pages:-0}" = 1 ] && ok "$p: prints on one A4 page" || fail "$p: prints on ${pages:-no} pages"
done

[ $fails -eq 0 ] || { echo "$fails failed (artefacts in $out)"; exit 1; }
echo "all passed (artefacts in $out)"
