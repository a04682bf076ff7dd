#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang++-14 with ASan and UBSan) and runs each for SECONDS
# (default 60), starting from its seed corpus in fuzz/corpus/<target>/ (never changed: what the run
# finds goes to build/fuzz/corpus/<target>/). A finding stops that target with its input saved as
# build/fuzz/findings/<target>/crash-* and makes this script exit 1; add the input as a regression
# seed and fix the cause.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_fix_inbound fuzz_market_config fuzz_replay fuzz_ledger_records fuzz_http_request)

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCRIX_FUZZ=ON -DCRIX_TESTS=OFF -DCRIX_BENCH=OFF >/dev/null
cmake --build build/fuzz -j "$(nproc)" --target "${targets[@]}"

failed=0
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/$t
  work=build/fuzz/corpus/$t
  findings=build/fuzz/findings/$t
  mkdir -p "$work" "$findings"
  echo "== $t: ${seconds} s"
  if ! build/fuzz/fuzz/$t -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "$seeds" > "build/fuzz/$t.log" 2>&1; then
    echo "fuzz: $t found a problem; its input is in $findings/, the report in build/fuzz/$t.log:" >&2
    grep -m 20 -E "ERROR|SUMMARY|runtime error|Test unit written|deadly signal|uncaught" "build/fuzz/$t.log" >&2 || true
    failed=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build/fuzz/$t.log" | tr '\n' ' '
  echo
done
exit $failed
