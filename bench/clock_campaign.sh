#!/usr/bin/env bash
# Runs the Release tests (browser tests excluded) as if the wall clock read other times of the week, to
# find tests that pass only at some hours: the sample market trades 09:30-11:30 and 13:00-15:00 Beijing
# time on working days, and a test that assumes "now" is inside or outside a session fails at the
# others (the clean-clone CI of 2026-12-08 01:21 UTC failed so, at 09:45 Beijing time).
#
# Each time is a Beijing (+08:00) wall-clock time; the clock is shifted by libfaketime (Debian's
# `faketime` package) by a fixed offset, so every process a test starts (crixd, crix) agrees on the
# time and it keeps running: a run that starts at 11:25 crosses the 11:30 close. Monotonic clocks and
# file times are not shifted. Needs a Release build tree with the tests (build/release by default,
# or BUILD). -R REGEX runs only the tests ctest -R selects (CI runs the crix order tests at 23:58). The
# browser test is left out: Chromium does not run under libfaketime.
#   bench/clock_campaign.sh [-R REGEX] ["YYYY-MM-DD HH:MM" ...]
# With no times: a Saturday morning, a working day's lunch break, after the close, before the open and
# ten minutes before Beijing's midnight. Prints one line per time and exits 1 if any run failed; each
# run's ctest output is in build/clock/<time>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build/release}
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
[ -r "$lib" ] || { echo "clock_campaign: $lib is missing: apt-get install faketime" >&2; exit 1; }
[ -x "$build/gateway/crixd" ] || { echo "clock_campaign: no crixd in $build: build it with -DCRIX_TESTS=ON first" >&2; exit 1; }

select=()
if [ "${1:-}" = "-R" ]; then
  [ $# -ge 2 ] || { echo "clock_campaign: -R needs a regular expression" >&2; exit 2; }
  select=(-R "$2")
  shift 2
fi
times=("$@")
if [ ${#times[@]} -eq 0 ]; then
  # The next Saturday and the next Tuesday (a working day unless it is a listed holiday).
  sat=$(date -d "next saturday" +%F)
  tue=$(date -d "next tuesday" +%F)
  times=("$sat 10:00" "$tue 12:00" "$tue 16:30" "$tue 08:50" "$tue 23:50")
fi

mkdir -p build/clock
failed=0
for t in "${times[@]}"; do
  target=$(date -d "$t +08:00" +%s)
  offset=$((target - $(date +%s)))
  log="build/clock/${t// /_}.log"
  start=$(date +%s)
  sign=+
  [ "$offset" -lt 0 ] && sign=
  if env LD_PRELOAD="$lib" FAKETIME="$sign$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1 \
      ctest --test-dir "$build" -j"$(nproc)" --label-exclude browser --output-on-failure --no-tests=error "${select[@]}" \
      > "$log" 2>&1; then
    result=passed
  else
    result=FAILED
    failed=1
  fi
  summary=$(grep -E "tests passed|tests failed" "$log" | tail -1)
  echo "clock_campaign beijing=\"$t\" result=$result seconds=$(( $(date +%s) - start )) ($summary)"
  [ "$result" = passed ] || grep -E "^\s+[0-9]+ - .*\(Failed|Timeout|SEGFAULT|Subprocess aborted\)" "$log" | sed 's/^/  /' || true
done
exit $failed
