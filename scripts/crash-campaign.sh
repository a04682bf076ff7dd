#!/usr/bin/env bash
# scripts/crash-campaign.sh N [--seed S] [--sync os|full|alternate]: N cycles of the Release crixd under
# FIX load, killed with SIGKILL at a random (seeded, printed) moment, restarted on the same ledger and
# checked: crix verify sound, every fill a client saw on the ledger, every acknowledged order journaled,
# nothing acted on twice when the clients resend what crixd did not record (bench/crash_campaign.cpp).
# Builds build/release (with CRIX_BENCH) if needed. Exit 1 on any loss.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/crash-campaign.sh N [--seed S] [--sync os|full|alternate]" >&2
  exit 2
fi
build=build/release
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRIX_TESTS=ON -DCRIX_BENCH=ON >/dev/null
fi
ninja -C "$build" crash_campaign crixd crix >/dev/null
# The campaign restarts crixd and runs crix hundreds of times: it runs copies, so that a build in
# build/release meanwhile cannot swap a binary under a cycle (a void run on 2026-12-05).
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cp "$build/bench/crash_campaign" "$build/gateway/crixd" "$build/tools/crix" "$bin/"
"$bin/crash_campaign" "$@" --crixd "$bin/crixd" --crix "$bin/crix"
