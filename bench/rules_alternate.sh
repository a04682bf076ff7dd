#!/usr/bin/env bash
# The rules' cost of two builds, compared the only way this machine allows: `bench_engine --rules` of
# build A and of build B alternated in one loop (A B A B ...), ROUNDS times (default 16), so the
# machine's drift moves both alike. Each run's own figure is its cost_percent (the median of its five
# off/on pairs). Prints each pair, then one line:
#   rules_alternate rounds=<n> a_median=<cost %> b_median=<cost %> pair_difference_median=<B - A> b_lower=<pairs>
# Issue 15's target: at most 20% over the bare book. Usage:
#   bench/rules_alternate.sh A_BENCH_ENGINE B_BENCH_ENGINE [ROUNDS] [-- bench_engine arguments after --rules]
# e.g. build each commit's build/release/bench/bench_engine, copy them aside, and pass the two copies.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 A_BENCH_ENGINE B_BENCH_ENGINE [ROUNDS] [-- ARGS]  (ARGS go to both after --rules)" >&2
  exit 2
fi
a=$1
b=$2
shift 2
rounds=16
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
  rounds=$1
  shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
for bin in "$a" "$b"; do
  if [ ! -x "$bin" ]; then
    echo "rules_alternate: $bin is not an executable bench_engine" >&2
    exit 2
  fi
done
case $rounds in
  '' | *[!0-9]* | 0)
    echo "rules_alternate: ROUNDS must be a positive whole number, not '$rounds'" >&2
    exit 2
    ;;
esac
cost() {
  local line
  line=$("$1" --rules "${@:2}" | grep ' rules=on ') || {
    echo "rules_alternate: $1 --rules printed no 'rules=on' line" >&2
    exit 1
  }
  sed -n 's/.*cost_percent=\([-0-9.]*\).*/\1/p' <<<"$line"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
as=() bs=() diffs=()
lower=0
for ((i = 1; i <= rounds; ++i)); do
  ca=$(cost "$a" "$@")
  cb=$(cost "$b" "$@")
  d=$(awk -v x="$ca" -v y="$cb" 'BEGIN {printf "%.1f", y - x}')
  echo "round $i: a $ca b $cb (b - a $d)"
  as+=("$ca") bs+=("$cb") diffs+=("$d")
  if awk -v d="$d" 'BEGIN {exit !(d < 0)}'; then lower=$((lower + 1)); fi
done
echo "rules_alternate rounds=$rounds a_median=$(printf '%s\n' "${as[@]}" | median)" \
  "b_median=$(printf '%s\n' "${bs[@]}" | median)" \
  "pair_difference_median=$(printf '%s\n' "${diffs[@]}" | median) b_lower=$lower"
