#!/usr/bin/env bash
# crixd against QuickFIX's own example matching application "ordermatch" (issue 15, the FIX path), the
# same load client driving both: bench_fix, two sessions (seller and buyer) crossing orders of 3 t at
# one price, `window` orders in flight per session, orders/s and acknowledgement latency measured in
# the client from just before send() to the first execution report (bench/bench_fix.cpp).
#
# ordermatch is built here, at bench time, from the sources Debian's libquickfix-doc installs under
# /usr/share/doc/libquickfix-doc/examples/ordermatch (installed when absent, with apt-get, as root or
# through sudo), with g++ against the installed libquickfix (pkg-config quickfix), into WORKDIR, outside
# the repository's sources. Its main() is the example's with two changes made by sed: QuickFIX's
# MemoryStore instead of its FileStore, and no log (the example logs every message to the screen).
# Its configuration (written here, as the example's own bin/cfg/ordermatch.cfg but for these) is
# FIX.4.2 (the only version its application takes orders in) with sessions ORDERMATCH -> the two comp
# ids, every message checked against bench/FIX42-ordermatch.xml (Debian ships no spec/FIX42.xml), and
# SocketNodelay=Y as crixd's sessions have (without it Nagle's algorithm holds its acknowledgements).
# bench_fix speaks to it with --target quickfix (FIX.4.2, HandlInst, TimeInForce day, no password).
#
# crixd runs as bench_fix runs it: its own crixd, a fresh ledger, the sample market open all day, once
# with --sync os and once with --sync full. For each window (100, then 1) and each sync, ROUNDS rounds
# alternate the two servers (crixd, ordermatch, crixd, ordermatch, ...), each a fresh process, and one
# line gives the medians of bench_fix's own figures over the rounds:
#   bench_fix_vs_quickfix window=<w> sync=<os|full> crixd_orders_per_s=<n> quickfix_orders_per_s=<n>
#     ratio=<crixd/quickfix> crixd_p99_us=<n> quickfix_p99_us=<n> crixd_p50_us=<n> quickfix_p50_us=<n> rounds=<n>
# Every run's own line, and each server's processor time per order, go to stderr. Issue 15's targets:
# ratio >= 2 at window 100 with sync os, >= 1.5 with sync full, a lower p99 there; at window 1 more
# orders/s and a lower p50.
#
# Usage: bench/fix_vs_quickfix.sh [--rounds N] [--orders-100 N] [--orders-1 N] [--orders-1-full N]
#          [--windows "100 1"] [--syncs "os full"] [--bench-fix PATH] [--crixd PATH] [--workdir DIR]
# Orders are per session: --orders-100 at window 100 (default 100000), --orders-1 at window 1 (25000),
# --orders-1-full for crixd at window 1 with sync full (4000: each order then waits for its own disk
# flush, about 1 ms on our 2-core guest), so that each run takes 3 to 10 s there and the whole script
# about 5 minutes. Without --bench-fix, bench_fix and crixd are built in build/release first. WORKDIR
# defaults to build/quickfix-ordermatch.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
rounds=3
orders_100=100000
orders_1=25000
orders_1_full=4000
windows="100 1"
syncs="os full"
bench_fix=
crixd=
workdir=build/quickfix-ordermatch
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "fix_vs_quickfix: $1 needs a value" >&2; exit 2; }
  case $1 in
    --rounds) rounds=$2 ;;
    --orders-100) orders_100=$2 ;;
    --orders-1) orders_1=$2 ;;
    --orders-1-full) orders_1_full=$2 ;;
    --windows) windows=$2 ;;
    --syncs) syncs=$2 ;;
    --bench-fix) bench_fix=$2 ;;
    --crixd) crixd=$2 ;;
    --workdir) workdir=$2 ;;
    *) echo "fix_vs_quickfix: unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift 2
done
if [ -z "$bench_fix" ]; then
  build=build/release
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRIX_TESTS=ON -DCRIX_BENCH=ON >/dev/null
  fi
  ninja -C "$build" bench_fix crixd >/dev/null
  bench_fix=$build/bench/bench_fix
  crixd=${crixd:-$build/gateway/crixd}
fi
bench_fix=$(realpath "$bench_fix")
crixd=$(realpath "${crixd:-$(dirname "$bench_fix")/../gateway/crixd}")
dictionary=$repo/bench/FIX42-ordermatch.xml

# ---- ordermatch, from the installed example ----------------------------------------------------------
examples=/usr/share/doc/libquickfix-doc/examples/ordermatch
pkg-config --exists quickfix || {
  echo "fix_vs_quickfix: libquickfix is not installed: run scripts/install-deps.sh" >&2
  exit 1
}
if [ ! -f "$examples/ordermatch.cpp" ]; then
  echo "fix_vs_quickfix: QuickFIX's example ordermatch is not installed; installing Debian's libquickfix-doc" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fix_vs_quickfix: not root and no sudo: apt-get install libquickfix-doc" >&2; exit 1; }
    sudo=(sudo)
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq libquickfix-doc >/dev/null
fi
mkdir -p "$workdir"
workdir=$(realpath "$workdir")
src=$workdir/src
rm -rf "$src"
mkdir -p "$src"
for f in Application.h Application.cpp IDGenerator.h Market.h Market.cpp Order.h OrderMatcher.h ordermatch.cpp; do
  if [ -f "$examples/$f" ]; then
    cp "$examples/$f" "$src/"
  elif [ -f "$examples/$f.gz" ]; then
    gzip -dc "$examples/$f.gz" >"$src/$f"
  else
    echo "fix_vs_quickfix: $examples has no $f" >&2
    exit 1
  fi
done
: >"$src/config.h"  # the example includes autoconf's config.h; nothing in it is used
sed -i -e 's|FIX::FileStoreFactory storeFactory( settings );|FIX::MemoryStoreFactory storeFactory;|' \
  -e 's|^ *FIX::ScreenLogFactory logFactory( settings );||' \
  -e 's|acceptor( application, storeFactory, settings, logFactory )|acceptor( application, storeFactory, settings )|' \
  -e 's|#include "quickfix/FileStore.h"|#include "quickfix/MessageStore.h"|' "$src/ordermatch.cpp"
if grep -q 'FileStoreFactory\|LogFactory' "$src/ordermatch.cpp" || ! grep -q 'MemoryStoreFactory storeFactory;' "$src/ordermatch.cpp"; then
  echo "fix_vs_quickfix: the example's main() is not the one this script edits (memory store, no log): see $src/ordermatch.cpp" >&2
  exit 1
fi
# C++14: the example's throw() specifications do not compile as C++17. -O2 as our Release builds.
# shellcheck disable=SC2046
g++ -std=c++14 -O2 -w -pthread -I"$src" $(pkg-config --cflags quickfix) -o "$workdir/ordermatch" \
  "$src/ordermatch.cpp" "$src/Application.cpp" "$src/Market.cpp" $(pkg-config --libs quickfix)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- one run of each ---------------------------------------------------------------------------------
log=$workdir/runs.log
: >"$log"
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

# run_crixd WINDOW ORDERS SYNC: bench_fix's line
run_crixd() {
  local line
  line=$("$bench_fix" --crixd "$crixd" --sync "$3" --window "$1" --orders "$2" 2>>"$log") || {
    echo "fix_vs_quickfix: bench_fix against crixd failed (see $log)" >&2
    exit 1
  }
  echo "$line"
}

# run_quickfix WINDOW ORDERS: a fresh ordermatch on a free port, bench_fix --target quickfix against it
run_quickfix() {
  local port dir pid line cpu ticks
  port=$(free_port)
  dir=$(mktemp -d)
  cat >"$dir/ordermatch.cfg" <<EOF
[DEFAULT]
ConnectionType=acceptor
SocketAcceptPort=$port
SocketNodelay=Y
StartTime=00:00:00
EndTime=00:00:00
UseDataDictionary=Y
DataDictionary=$dictionary

[SESSION]
BeginString=FIX.4.2
SenderCompID=ORDERMATCH
TargetCompID=HB-TANGSHAN-IRON

[SESSION]
BeginString=FIX.4.2
SenderCompID=ORDERMATCH
TargetCompID=TJ-BOHAI-STEEL
EOF
  # ordermatch reads commands from its standard input (and spins on end of file): a pipe held open
  # here, closed with its own "#quit".
  mkfifo "$dir/stdin"
  "$workdir/ordermatch" "$dir/ordermatch.cfg" <"$dir/stdin" >"$dir/out" 2>&1 &
  pid=$!
  exec 3>"$dir/stdin"
  for _ in $(seq 100); do
    ss -Hltn "sport = :$port" | grep -q . && break
    sleep 0.05
  done
  line=$("$bench_fix" --target quickfix --port "$port" --dictionary "$dictionary" --window "$1" --orders "$2" 2>>"$log") || {
    echo "fix_vs_quickfix: bench_fix against ordermatch failed (see $log and $dir/out)" >&2
    kill "$pid" 2>/dev/null
    exit 1
  }
  # Its processor time (user + system, in clock ticks), as bench_fix reports crixd's.
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  cpu=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v l="$line" 'BEGIN {
    split(l, f, " "); for (i in f) if (f[i] ~ /^acked=/) { sub("acked=", "", f[i]); n = f[i] }
    printf "%.2f s, %.1f us per order", t / hz, 1e6 * t / hz / n }')
  echo "ordermatch processor time: $cpu" >>"$log"
  echo '#quit' >&3
  exec 3>&-
  wait "$pid" || true
  rm -rf "$dir"
  echo "$line"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

for window in $windows; do
  orders=$orders_100
  [ "$window" = 1 ] && orders=$orders_1
  for sync in $syncs; do
    : >"$workdir/crixd.lines"
    : >"$workdir/quickfix.lines"
    crixd_orders=$orders
    [ "$window" = 1 ] && [ "$sync" = full ] && crixd_orders=$orders_1_full
    for ((round = 1; round <= rounds; round++)); do
      for server in crixd quickfix; do
        if [ $server = crixd ]; then
          line=$(run_crixd "$window" "$crixd_orders" "$sync")
        else
          line=$(run_quickfix "$window" "$orders")
        fi
        echo "$line" | tee -a "$log" >&2
        echo "$line" >>"$workdir/$server.lines"
        rejected=$(echo "$line" | field rejected)
        if [ "$rejected" != 0 ]; then
          echo "fix_vs_quickfix: $server rejected $rejected orders (see $log)" >&2
          exit 1
        fi
      done
    done
    c_ops=$(field orders_per_s <"$workdir/crixd.lines" | median)
    q_ops=$(field orders_per_s <"$workdir/quickfix.lines" | median)
    c_p50=$(field ack_p50_us <"$workdir/crixd.lines" | median)
    q_p50=$(field ack_p50_us <"$workdir/quickfix.lines" | median)
    c_p99=$(field ack_p99_us <"$workdir/crixd.lines" | median)
    q_p99=$(field ack_p99_us <"$workdir/quickfix.lines" | median)
    awk -v w="$window" -v s="$sync" -v co="$c_ops" -v qo="$q_ops" -v c50="$c_p50" -v q50="$q_p50" \
      -v c99="$c_p99" -v q99="$q_p99" -v r="$rounds" 'BEGIN {
      printf "bench_fix_vs_quickfix window=%s sync=%s crixd_orders_per_s=%d quickfix_orders_per_s=%d ratio=%.2f " \
             "crixd_p99_us=%d quickfix_p99_us=%d crixd_p50_us=%d quickfix_p50_us=%d rounds=%d\n",
             w, s, co, qo, co / qo, c99, q99, c50, q50, r }'
  done
done
