#!/usr/bin/env bash
# The exchange end to end (README, "Demo"): starts crixd on the sample market with a fresh ledger, logs
# on a seller and a buyer with `crix order`, trades Tangshan's blast furnace HB-BF-450 capacity for
# Tianjin's new furnace project TJ-NEW-BF-2500 (key region, 1.5:1), and prints the trade and the new
# line of the elimination list from the ledger while crixd still runs, then stops crixd.
# The demo market is the sample with trading all day on every day (build/demo-market/), so that the
# demo trades whatever the hour; the sample itself trades 09:30-11:30 and 13:00-15:00 on working days.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target crix crixd >/dev/null
crix=build/release/tools/crix
port=${CRIX_DEMO_PORT:-9879}
http_port=${CRIX_DEMO_HTTP_PORT:-8089}

rm -rf build/demo-market build/demo.ledger build/demo.ledger-lock build/demo.ledger-writer
mkdir -p build/demo-market
cp config/sample/*.toml build/demo-market/
sed -i -e 's/^sessions = .*/sessions = [[00:00:00, 23:59:00]]/' \
       -e 's/^working_days = .*/working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]/' \
       -e '/^holidays = /,/\]$/c\holidays = []' build/demo-market/market.toml

build/release/gateway/crixd --market build/demo-market/market.toml --ledger build/demo.ledger --port "$port" \
  --http "127.0.0.1:$http_port" --log-dir build/demo-logs 2> build/demo-logs.txt &
crixd=$!
trap 'kill $crixd 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

echo "== the console: http://127.0.0.1:$http_port/ (ops / ops-sample, miit / miit-sample; sample only)"
echo "== Tangshan Hengfeng Iron offers 300000 t of HB-BF-450 at 580.00 yuan/t"
$crix order --port "$port" --as HB-TANGSHAN-IRON --password demo-hb-tangshan-iron \
  sell STEEL-IRON HB-BF-450 300000 580.00 --tif gtc
echo "== Tianjin Bohai Steel bids for its project TJ-NEW-BF-2500"
$crix order --port "$port" --as TJ-BOHAI-STEEL --password demo-tj-bohai-steel \
  buy STEEL-IRON TJ-NEW-BF-2500 300000 580.00
echo "== the trade, from the ledger (read-only, while crixd runs)"
$crix ledger trades build/demo.ledger
echo "== the new line of the elimination list"
$crix ledger elimination build/demo.ledger
echo "== the same trade through the console's API (crix admin, the sample's regulator view)"
$crix admin --url "http://127.0.0.1:$http_port" --token crix-sample-operator-token trades
kill -TERM $crixd
wait $crixd
trap - EXIT
echo "== crixd stopped; its log:"
cat build/demo-logs.txt
