// gen_ledger: a large real ledger for bench_query (issue 12, "Query latency over HTTP on a 10 M-trade
// ledger"), written as crixd would write it, so that crixd opens it (its replay must reproduce every
// trade).
//
//   gen_ledger --market FILE --ledger PATH --trades N [--seed S] [--batch N] [--max-lots N]
//
// One trading day (2026-12-01, 09:25 to 15:05 local time, like `crix simulate`) of the sensible
// MarketStream (tools/market_stream.hpp: orders of 1 to --max-lots lots, default 20, so that the
// capacity lasts for many trades; some refused by the rules), each
// command sequenced through ledger::Sequencer (the engine, then settle into the batch) and committed
// with the real Writer in batches of --batch commands (default 65,536) under the market's durability
// (use a market with durability = "os" to build). It stops after the first command that brings the
// trades to N, then closes the day. The market must hold enough capacity for N trades: the sample's
// sells out near a million; bench/RESULTS.md says how the 10 M market was made (capacities x 1000).
// Prints one line: `gen_ledger trades=<n> commands=<n> seconds=<s> bytes=<file size>`.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "ledger/sequencer.hpp"
#include "ledger/writer.hpp"
#include "tools/market_stream.hpp"

namespace {

int usage(const std::string& what) {
  std::fprintf(stderr,
               "gen_ledger: %s\nusage: gen_ledger --market FILE --ledger PATH --trades N [--seed S] [--batch N] [--max-lots N]\n",
               what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string market_file, ledger_path;
  std::uint64_t trades = 0, seed = 42;
  std::size_t batch_commands = 65'536;
  std::int64_t max_lots = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return usage(std::string(a) + " needs a value");
    const std::string v = argv[++i];
    if (a == "--market") {
      market_file = v;
    } else if (a == "--ledger") {
      ledger_path = v;
    } else if (a == "--trades") {
      trades = std::stoull(v);
    } else if (a == "--seed") {
      seed = std::stoull(v);
    } else if (a == "--max-lots") {
      max_lots = std::stoll(v);
    } else if (a == "--batch") {
      batch_commands = std::stoul(v);
    } else {
      return usage("bad argument " + std::string(a) + " " + v);
    }
  }
  if (market_file.empty() || ledger_path.empty() || trades == 0) return usage("--market, --ledger and --trades are needed");
  crix::config::LoadResult loaded = crix::config::load_market(market_file);
  if (!loaded.market) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", crix::config::format(e).c_str());
    return 1;
  }
  const crix::engine::Market& market = *loaded.market;
  const auto t0 = std::chrono::steady_clock::now();
  crix::engine::Exchange exchange(market);
  crix::ledger::WriterOptions wo;
  wo.durability = market.exchange.durability;
  wo.market = crix::ledger::market_source(market_file);
  crix::ledger::Writer writer(ledger_path, market, wo);
  if (writer.meta().last_seq.v != 0) return usage("ledger " + ledger_path + " is not new: give a new path");
  const crix::engine::Date day{2026, 12, 1};
  const auto at = [&](int hour, int minute) {
    return crix::engine::local_time(day, hour, minute, market.exchange.utc_offset_minutes);
  };
  crix::tools::MarketStreamSettings ms;
  ms.seed = seed;
  ms.sensible = true;
  ms.max_lots = max_lots;
  ms.start = at(9, 25);
  // Spread the commands over the day, allowing 40 a trade (about 5 on the 10 M market at 20 lots).
  ms.step_ns = (at(15, 0).v - ms.start.v) / static_cast<std::int64_t>(trades * 40);
  crix::tools::MarketStream stream(market, ms);
  crix::ledger::Sequencer sequencer(exchange, crix::engine::Seq{}, crix::engine::Timestamp{});
  crix::ledger::Batch batch;
  crix::engine::EventSink sink;
  std::uint64_t made = 0, commands = 0;
  const auto commit = [&](bool always) {
    if (batch.commands().size() >= batch_commands || (always && !batch.empty())) {
      writer.commit(batch);
      batch.clear();
    }
  };
  while (made < trades) {
    const crix::engine::Command c = stream.next();
    if (c.ts.v >= at(15, 0).v) return usage("the day ended at " + std::to_string(made) + " trades: lower --trades");
    sequencer.sequence(c, c.ts, sink, &batch);
    ++commands;
    for (const crix::engine::Event& e : sink) {
      stream.observe(e);
      if (e.type == crix::engine::EventType::kFill) ++made;
    }
    commit(false);
  }
  crix::engine::Command tick;  // the close, as crix simulate ends its day
  tick.type = crix::engine::CommandType::kAdvanceTime;
  sequencer.sequence(tick, at(15, 5), sink, &batch);
  commit(true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  struct stat st {};
  ::stat(ledger_path.c_str(), &st);
  std::printf("gen_ledger trades=%llu commands=%llu seconds=%.0f bytes=%lld\n", static_cast<unsigned long long>(made),
              static_cast<unsigned long long>(commands + 1), seconds, static_cast<long long>(st.st_blocks) * 512);
  return 0;
}
