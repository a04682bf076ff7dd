#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang++-14 with ASan and UBSan) and runs each for SECONDS
# (default 60), as many at once as there are processors, starting from its seed corpus in
# fuzz/corpus/<target>/ (never changed: what the run finds goes to build/fuzz/corpus/<target>/). A finding stops that target with its input saved as
# build/fuzz/findings/<target>/crash-* and makes this script exit 1; add the input as a regression
# seed and fix the cause.
# FUZZ_TIMEOUT (default 10) is the seconds one input may take before it counts as a finding; raise it
# for a long campaign run at low priority beside other work, where a starved process can pass 10 s
# on an input that takes 0.2 s alone (2026-12-05: fuzz_fix_inbound's "timeout" input ran in 0.21 s).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_fix_inbound fuzz_fix_tls fuzz_market_config fuzz_replay fuzz_ledger_records fuzz_client_orders fuzz_http_request fuzz_verify)

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCRIX_FUZZ=ON -DCRIX_TESTS=OFF -DCRIX_BENCH=OFF >/dev/null
cmake --build build/fuzz -j "$(nproc)" --target "${targets[@]}"

# One target per processor at a time: each libFuzzer run is one process on one thread.
run_target() {
  local t=$1 seeds=fuzz/corpus/$1 work=build/fuzz/corpus/$1 findings=build/fuzz/findings/$1
  mkdir -p "$work" "$findings"
  if ! build/fuzz/fuzz/$t -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "$seeds" > "build/fuzz/$t.log" 2>&1; then
    echo "fuzz: $t found a problem; its input is in $findings/, the report in build/fuzz/$t.log:" >&2
    grep -m 20 -E "ERROR|SUMMARY|runtime error|Test unit written|deadly signal|uncaught" "build/fuzz/$t.log" >&2 || true
    return 1
  fi
}

failed=0
declare -A pid_of
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
  echo "== $t: ${seconds} s"
  run_target "$t" &
  pid_of[$t]=$!
done
for t in "${targets[@]}"; do
  wait "${pid_of[$t]}" || failed=1
  echo "$t: $(grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build/fuzz/$t.log" | tr '\n' ' ')"
done
exit $failed
