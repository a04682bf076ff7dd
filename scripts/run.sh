#!/usr/bin/env bash
# The README's run command: install what is needed, build, and run CRIX on the bundled sample.
# It validates the sample market, runs one simulated trading day of the exchange (market rules on) and
# records it in a ledger (build/sample-day.ledger), shows what a regulator sees there, replays a
# generated order stream through the bare book, and finally starts the exchange daemon crixd on the
# sample market (FIX 4.4 on 127.0.0.1:9878, the console on http://127.0.0.1:8080/, ledger
# build/crixd.ledger) until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRIX_TESTS=OFF >/dev/null
cmake --build build/release --target crix crixd
echo "== crix config check (the sample market in config/sample/)"
build/release/tools/crix config check
echo "== crix simulate --ledger build/sample-day.ledger (one trading day of the sample market, rules on)"
rm -f build/sample-day.ledger build/sample-day.ledger-lock build/sample-day.ledger-writer
build/release/tools/crix simulate --ledger build/sample-day.ledger
echo "== crix verify build/sample-day.ledger"
build/release/tools/crix verify build/sample-day.ledger
echo "== crix ledger regions build/sample-day.ledger"
build/release/tools/crix ledger regions build/sample-day.ledger
echo "== crix ledger elimination build/sample-day.ledger (first entries, all in build/sample-elimination.txt)"
build/release/tools/crix ledger elimination build/sample-day.ledger > build/sample-elimination.txt
head -n 6 build/sample-elimination.txt
echo "== crix gen --seed 42 --ops 1000000 | crix replay (fills to build/sample-fills.txt)"
build/release/tools/crix gen --seed 42 --ops 1000000 | build/release/tools/crix replay > build/sample-fills.txt
echo "== first fills (taker maker price qty):"
head -n 5 build/sample-fills.txt
echo "== crixd on the sample market: FIX 4.4 on 127.0.0.1:9878, the console on http://127.0.0.1:8080/ (ops / ops-sample, miit / miit-sample: sample only), ledger build/crixd.ledger; Ctrl-C stops it"
echo "   (SenderCompID and Username = a participant id of config/sample/market.toml, TargetCompID CRIX,"
echo "    Password demo-<participant id in lower case>; trading hours 09:30-11:30, 13:00-15:00 Beijing time)"
exec build/release/gateway/crixd --ledger build/crixd.ledger --log-dir build/crixd-logs
