#!/usr/bin/env bash
# crix replay against naive_replay (bench/naive_replay.cpp, a std::map matcher read with scanf and
# written with printf) on the same `crix gen` stream, as whole processes (start-up, parsing and
# printing included). First checks that both print the same fills; then runs them alternately RUNS
# times (default 7) and prints the medians and one line:
#   replay_vs_naive ops=<n> crix_s=<median wall> naive_s=<median wall> speedup=<naive/crix> crix_peak_mib=<n> naive_peak_mib=<n>
# Issue 15's target: speedup >= 2. Usage: bench/replay_vs_naive.sh [RUNS] [OPS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
ops=${2:-1000000}
build=build/release
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRIX_TESTS=ON -DCRIX_BENCH=ON >/dev/null
fi
ninja -C "$build" crix naive_replay >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/tools/crix" gen --ops "$ops" >"$dir/stream.txt"
"$build/tools/crix" replay "$dir/stream.txt" >"$dir/crix.fills" 2>/dev/null
"$build/bench/naive_replay" <"$dir/stream.txt" >"$dir/naive.fills"
if ! cmp -s "$dir/crix.fills" "$dir/naive.fills"; then
  echo "replay_vs_naive: crix replay and naive_replay print different fills" >&2
  exit 1
fi
# One run: its wall seconds and peak resident MiB (GNU time's %e and %M), from /proc-free bash.
measure() {
  local out=$1
  shift
  local t0 t1 peak=0
  t0=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$dir/peak" "$@" >/dev/null 2>&1
    peak=$(($(cat "$dir/peak") / 1024))
  else
    "$@" >/dev/null 2>&1
  fi
  t1=$(date +%s%N)
  echo "$(((t1 - t0) / 1000)) $peak" >>"$out"
}
for ((i = 0; i < runs; i++)); do
  measure "$dir/crix.runs" "$build/tools/crix" replay "$dir/stream.txt"
  measure "$dir/naive.runs" sh -c "'$PWD/$build/bench/naive_replay' < '$dir/stream.txt'"
done
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
crix_us=$(cut -d' ' -f1 "$dir/crix.runs" | median)
naive_us=$(cut -d' ' -f1 "$dir/naive.runs" | median)
crix_peak=$(cut -d' ' -f2 "$dir/crix.runs" | median)
naive_peak=$(cut -d' ' -f2 "$dir/naive.runs" | median)
awk -v o="$ops" -v c="$crix_us" -v n="$naive_us" -v cp="$crix_peak" -v np="$naive_peak" 'BEGIN {
  printf "replay_vs_naive ops=%d crix_s=%.3f naive_s=%.3f speedup=%.2f crix_peak_mib=%d naive_peak_mib=%d\n",
         o, c / 1e6, n / 1e6, n / c, cp, np }'
