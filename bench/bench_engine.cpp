// bench_engine: the matching engine alone on the standard generated stream (DESIGN.md, Performance).
//
// Method. The stream (default seed 42, 1,000,000 operations) is generated and converted to engine
// commands before any timing. Throughput: three fresh engines each apply the whole stream in one timed
// loop (steady_clock around the loop); the median run is reported. Latency: a fourth fresh engine
// applies the stream with steady_clock::now() read before and after every apply; the per-call timer
// cost (median of back-to-back reads) is printed so that a reader can subtract it, and is included
// in the figures. Operations are grouped by what they turned out to be: an add that rested without
// trading, an add that traded, a cancel that removed an order, a cancel that was rejected (the order
// had already filled). The last line is the machine-readable summary:
//   bench_engine ops=<n> ops_per_s=<n> p50_ns=<n> p99_ns=<n>
//
// With --rules [MARKET.toml] (default: the sample market) it measures what the market rules cost
// instead: a sensible MarketStream over the market's registry (seed, ops as above; one command per
// microsecond from 09:30 local on Tuesday 2026-12-01, so the whole stream is in continuous trading;
// generated once, against an Exchange, before any timing)
// goes five times through a bare Engine fed what the Exchange's own book was fed (rules off: the
// orders the rules let through, market orders with their band-edge protection price, no pair
// refusals), each run followed by one through an Exchange (rules on). Both rates are per command of
// the whole stream, so they compare the wall time of the same market day with and without the rules.
// The medians are reported, cost_percent the median of the five pairs' costs, then the latency of
// the rules-on runs:
//   bench_engine rules=off ops=<n> ops_per_s=<n>
//   bench_engine rules=on ops=<n> ops_per_s=<n> p50_ns=<n> p99_ns=<n> cost_percent=<n>
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "config/market_config.hpp"
#include "engine/engine.hpp"
#include "engine/exchange.hpp"
#include "tools/market_stream.hpp"
#include "tools/stream_gen.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using crix::engine::Command;
using crix::engine::EventType;

enum OpKind { kAddRested, kAddTraded, kCancelDone, kCancelRejected, kAll, kKinds };
constexpr std::array<std::string_view, kKinds> kKindNames = {"add (rests)", "add (trades)",
                                                             "cancel", "cancel (rejected)", "all"};

crix::engine::EngineSettings settings() {
  crix::engine::EngineSettings s;
  s.instruments = 1;
  s.stp = crix::engine::StpMode::kOff;  // the stream has no participants
  return s;
}

OpKind classify(const Command& c, const crix::engine::EventSink& sink) {
  if (c.type == crix::engine::CommandType::kCancel) {
    return sink.events().front().type == EventType::kRejected ? kCancelRejected : kCancelDone;
  }
  for (const auto& e : sink) {
    if (e.type == EventType::kFill) return kAddTraded;
  }
  return kAddRested;
}

std::int64_t percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::int64_t timer_overhead_ns() {
  std::vector<std::int64_t> d(100'000);
  for (auto& x : d) {
    const auto a = Clock::now();
    const auto b = Clock::now();
    x = std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
  }
  return percentile(d, 0.5);
}

bool parse_flag(int argc, char** argv, int& i, std::uint64_t& value) {
  if (i + 1 >= argc) return false;
  const std::string_view text = argv[++i];
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

template <std::size_t N>
double median(std::array<double, N> values) {
  std::sort(values.begin(), values.end());
  return values[N / 2];
}

int bench_rules(const std::string& market_file, std::uint64_t seed, std::uint64_t ops) {
  crix::config::LoadResult loaded = crix::config::load_market(market_file);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", crix::config::format(e).c_str());
    return 2;
  }
  const crix::engine::Market& market = *loaded.market;
  crix::tools::MarketStreamSettings ms;
  ms.seed = seed;
  const crix::engine::Date day{2026, 12, 1};
  ms.start = crix::engine::local_time(day, 9, 30, market.exchange.utc_offset_minutes);
  ms.step_ns = 1000;
  ms.sensible = true;
  crix::tools::MarketStream stream(market, ms);
  std::vector<Command> commands;
  commands.reserve(ops);
  crix::engine::EventSink sink(1 << 16);
  // The stream is generated against a live Exchange (sensible traders see their fills), and at the
  // same time the book's share of the work is recorded: the commands as the Exchange handed them to
  // its book. Orders the rules refused at entry never reach it; a market order gets the band's edge
  // as its protection.
  std::vector<Command> book_commands;
  book_commands.reserve(ops);
  {
    crix::engine::Exchange exchange(market);
    for (std::uint64_t i = 0; i < ops; ++i) {
      const Command c = stream.next();
      commands.push_back(c);
      sink.clear();
      exchange.apply(c, sink);
      for (const auto& e : sink) stream.observe(e);
      Command b = c;
      bool refused = false;
      for (const auto& e : sink) {
        if (e.type == EventType::kRejected && static_cast<int>(e.code) >= 200) refused = true;
        if (e.type == EventType::kAccepted) b.price = e.price;
      }
      if (!refused) book_commands.push_back(b);
    }
  }
  crix::engine::EngineSettings bare;
  bare.instruments = static_cast<std::uint32_t>(market.instruments.size());
  bare.max_orders = market.exchange.max_orders;
  bare.max_levels = market.exchange.max_levels;
  auto rate_off = [&] {
    crix::engine::Engine engine(bare);
    const auto t0 = Clock::now();
    for (const Command& c : book_commands) {
      sink.clear();
      engine.apply(c, sink);
    }
    // Per command of the whole stream, as the rules-on figure: the same wall time buys the same stream.
    return static_cast<double>(commands.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto rate_on = [&] {
    crix::engine::Exchange exchange(market);
    const auto t0 = Clock::now();
    for (const Command& c : commands) {
      sink.clear();
      exchange.apply(c, sink);
    }
    return static_cast<double>(commands.size()) / std::chrono::duration<double>(Clock::now() - t0).count();
  };
  // Off and on alternate, and the cost is taken pair by pair: a machine whose speed drifts moves both
  // halves of a pair alike.
  constexpr std::size_t kPairs = 5;
  std::array<double, kPairs> offs{}, ons{}, costs{};
  for (std::size_t i = 0; i < kPairs; ++i) {
    offs[i] = rate_off();
    ons[i] = rate_on();
    costs[i] = 100.0 * (1.0 - ons[i] / offs[i]);
  }
  const double off = median(offs);
  const double on = median(ons);
  const double cost = median(costs);

  std::vector<std::int64_t> lat;
  lat.reserve(ops);
  std::uint64_t fills = 0;
  std::uint64_t rejects = 0;
  std::int64_t credited = 0;
  crix::engine::Exchange exchange(market);
  for (const Command& c : commands) {
    sink.clear();
    const auto t0 = Clock::now();
    exchange.apply(c, sink);
    lat.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    for (const auto& e : sink) {
      fills += e.type == EventType::kFill ? 1 : 0;
      rejects += e.type == EventType::kRejected ? 1 : 0;
      credited += e.type == EventType::kFill ? e.arg1 : 0;
    }
  }
  const std::int64_t p50 = percentile(lat, 0.50);
  const std::int64_t p99 = percentile(lat, 0.99);
  std::printf("bench_engine --rules: %s, seed %llu, %llu commands: %llu fills crediting %lld t, %llu rejects\n",
              market_file.c_str(), static_cast<unsigned long long>(seed), static_cast<unsigned long long>(ops),
              static_cast<unsigned long long>(fills), static_cast<long long>(credited),
              static_cast<unsigned long long>(rejects));
  std::printf("bench_engine --rules: cost per pair");
  for (const double c : costs) std::printf(" %.1f%%", c);
  std::printf("\n");
  std::printf("bench_engine rules=off ops=%llu ops_per_s=%.0f\n", static_cast<unsigned long long>(ops), off);
  std::printf("bench_engine rules=on ops=%llu ops_per_s=%.0f p50_ns=%lld p99_ns=%lld cost_percent=%.1f\n",
              static_cast<unsigned long long>(ops), on, static_cast<long long>(p50), static_cast<long long>(p99), cost);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 42;
  std::uint64_t ops = 1'000'000;
  bool rules = false;
  std::string market_file = crix::config::sample_market_path().string();
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--rules") {
      rules = true;
      if (i + 1 < argc && argv[i + 1][0] != '-') market_file = argv[++i];
      continue;
    }
    const bool ok = (a == "--seed" && parse_flag(argc, argv, i, seed)) ||
                    (a == "--ops" && parse_flag(argc, argv, i, ops));
    if (!ok) {
      std::fprintf(stderr, "usage: bench_engine [--seed N] [--ops N] [--rules [MARKET.toml]]  (bad argument '%s')\n",
                   argv[i]);
      return 2;
    }
  }
  if (rules) return bench_rules(market_file, seed, ops);

  std::vector<Command> commands;
  commands.reserve(ops);
  crix::tools::StreamGen gen(seed);
  for (std::uint64_t i = 0; i < ops; ++i) commands.push_back(crix::tools::to_command(gen.next()));

  crix::engine::EventSink sink(1 << 16);
  std::array<double, 3> rates{};
  std::size_t peak_resting = 0;
  for (double& rate : rates) {
    crix::engine::Engine engine(settings());
    const auto t0 = Clock::now();
    for (const Command& c : commands) {
      sink.clear();
      engine.apply(c, sink);
    }
    const auto t1 = Clock::now();
    rate = static_cast<double>(ops) / std::chrono::duration<double>(t1 - t0).count();
  }
  std::sort(rates.begin(), rates.end());
  const auto ops_per_s = static_cast<std::int64_t>(rates[1]);

  std::array<std::vector<std::int64_t>, kKinds> lat;
  for (auto& v : lat) v.reserve(ops);
  std::uint64_t fills = 0;
  {
    crix::engine::Engine engine(settings());
    for (const Command& c : commands) {
      sink.clear();
      const auto t0 = Clock::now();
      engine.apply(c, sink);
      const auto t1 = Clock::now();
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
      lat[classify(c, sink)].push_back(ns);
      lat[kAll].push_back(ns);
      for (const auto& e : sink) fills += e.type == EventType::kFill ? 1 : 0;
      peak_resting = std::max(peak_resting, engine.orders_in_use());
    }
  }

  std::printf("bench_engine: seed %llu, %llu operations, %llu fills, peak resting orders %zu\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(ops),
              static_cast<unsigned long long>(fills), peak_resting);
  std::printf("throughput (median of 3 runs): %lld ops/s  [runs: %.0f %.0f %.0f]\n",
              static_cast<long long>(ops_per_s), rates[0], rates[1], rates[2]);
  std::printf("latency per operation in ns (timer cost %lld ns per reading pair, included):\n",
              static_cast<long long>(timer_overhead_ns()));
  std::printf("  %-18s %9s %7s %7s %7s %9s\n", "operation", "count", "p50", "p99", "p99.9", "max");
  std::array<std::int64_t, 2> overall{};
  for (int k = 0; k < kKinds; ++k) {
    auto& v = lat[static_cast<std::size_t>(k)];
    const auto p50 = percentile(v, 0.50);
    const auto p99 = percentile(v, 0.99);
    const auto p999 = percentile(v, 0.999);
    const auto mx = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    std::printf("  %-18s %9zu %7lld %7lld %7lld %9lld\n", kKindNames[static_cast<std::size_t>(k)].data(),
                v.size(), static_cast<long long>(p50), static_cast<long long>(p99),
                static_cast<long long>(p999), static_cast<long long>(mx));
    if (k == kAll) overall = {p50, p99};
  }
  std::printf("bench_engine ops=%llu ops_per_s=%lld p50_ns=%lld p99_ns=%lld\n",
              static_cast<unsigned long long>(ops), static_cast<long long>(ops_per_s),
              static_cast<long long>(overall[0]), static_cast<long long>(overall[1]));
  return 0;
}
