// `crix simulate`: one trading day of the exchange on a market's registry, driven by a sensible
// MarketStream with block trades mixed in, summarised for a person: trades, credited capacity, each
// project's progress, each
// facility's sales, each capped region against its cap, the day's closes, and the rejects by rule
// with one sentence each. It is how the README shows the market rules at work before the FIX
// gateway exists.
#pragma once

#include <cstdint>
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

#include "engine/market.hpp"

namespace crix::tools {

struct SimulateOptions {
  std::uint64_t seed = 42;
  std::uint64_t commands = 100'000;
  engine::Date day{2026, 12, 1};  // must be a trading day of the market's calendar
  // When set, every command is sequenced (seq 1, 2, ...) and the day is written to the ledger at this
  // path (created, or continued when it exists and its last seq is 0: a fresh ledger), in batches of
  // `batch` commands, with the market's durability mode.
  std::optional<std::string> ledger;
  std::size_t batch = 1024;
  // Block proposals and answers per thousand commands (MarketStreamSettings::block_permille).
  std::uint32_t blocks_permille = 30;
};

struct SimulateSummary {
  std::uint64_t commits = 0;  // ledger batches written
  std::uint64_t fills = 0;
  std::uint64_t block_trades = 0;  // of the fills
  std::int64_t traded = 0;    // capacity retired, summed over the instruments' units
  std::int64_t credited = 0;  // new capacity credited, likewise
  std::uint64_t rejects = 0;
  std::uint64_t state_hash = 0;
};

// Runs the day (commands spread evenly from 09:25 to 15:05 local time, so that the day opens and
// closes) and writes the report to `out`. Ledger failures throw crix::ledger::Error.
SimulateSummary simulate(const engine::Market& market, const SimulateOptions& options, std::ostream& out);

}  // namespace crix::tools
