// bench_ledger: the LMDB ledger's commit throughput and its regulator queries (DESIGN.md, Performance:
// >= 200,000 settled trades/s with sync = "full" group commit).
//
// Method. A synthetic market (100 participants, 30 regions, 4 instruments, 2,000 facilities, 2,000
// projects) and a seeded stream of valid trades, each with two journaled commands (the engine's
// standard stream makes about one fill per two commands). Batches are generated outside the timed
// part; steady_clock is read around each Writer::commit only.
//  - Commit throughput, one fresh ledger per configuration: sync=full at batch 1, 64 and 1024 trades,
//    sync=os at 1024, each for --seconds (default 3) of commits. trades_per_s = trades committed /
//    time inside commit(); commit_p50/p99_us = latency of one commit (one write transaction, fsync
//    included under full).
//  - Queries, on one ledger of --trades trades (default 200,000; built with sync=os, batch 1024, its
//    own rate printed): each query 2,000 times with random arguments (a page of at most 100 trades
//    after a random trade id, a random facility, a one-hour window, one day), latency p50/p99 per
//    query; then one verify() of the whole ledger.
// Files go to --dir (default /tmp) and are removed afterwards; put it on the disk under test (tmpfs
// makes fsync free). The 10-million-trade figures: bench_ledger --trades 10000000 (about 6 GB of disk).
// Output, one line per configuration:
//   bench_ledger sync=full batch=1024 trades=<n> trades_per_s=<n> commit_p50_us=<n> commit_p99_us=<n>
//   bench_ledger query=by_participant trades=<n> p50_us=<n> p99_us=<n>
//   bench_ledger verify trades=<n> seconds=<n>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/reader.hpp"
#include "ledger/verify.hpp"
#include "ledger/writer.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace crix::ledger;
using crix::engine::Command;
using crix::engine::Industry;

constexpr std::uint32_t kParticipants = 100;  // 0-49 sell, 50-99 buy
constexpr std::uint32_t kRegions = 30;
constexpr std::uint32_t kFacilities = 2000;
constexpr std::uint32_t kProjects = 2000;
constexpr std::int64_t kT0 = 1'795'708'800'000'000'000;  // 2026-11-27 00:00 Beijing time

crix::engine::Market market() {
  crix::engine::Market m;
  m.exchange.utc_offset_minutes = 480;
  const char* codes[] = {"STEEL-IRON", "CEMENT-CLINKER", "GLASS-FLAT", "ALU-ELEC"};
  for (int i = 0; i < 4; ++i) {
    m.instruments.push_back({codes[i], static_cast<Industry>(i), "t", 1, 1, 100, 58000});
  }
  for (std::uint32_t r = 0; r < kRegions; ++r) {
    crix::engine::Region g;
    g.ref.code = 110000 + r * 10000;
    g.ref.province = g.ref.code;
    g.name = "region-" + std::to_string(r);
    for (auto& c : g.capacity) c = 50'000'000;
    m.regions.push_back(g);
  }
  for (std::uint32_t p = 0; p < kParticipants; ++p) {
    crix::engine::Participant x;
    x.id = "ENTERPRISE-" + std::to_string(p);
    x.region = m.regions[p % kRegions].ref.code;
    m.participants.push_back(x);
  }
  for (std::uint32_t f = 0; f < kFacilities; ++f) {
    crix::engine::Facility x;
    x.id = "FAC-" + std::to_string(f);
    x.owner = m.participants[f / 4 % 50].id;
    x.industry = static_cast<Industry>(f % 4);
    x.region = m.regions[f % kRegions].ref.code;
    x.capacity = 1'000'000'000'000;
    m.facilities.push_back(x);
  }
  for (std::uint32_t p = 0; p < kProjects; ++p) {
    crix::engine::Project x;
    x.id = "PRJ-" + std::to_string(p);
    x.owner = m.participants[50 + p / 4 % 50].id;
    x.industry = static_cast<Industry>(p % 4);
    x.region = m.regions[p * 7 % kRegions].ref.code;
    x.new_capacity = 1'000'000'000'000;
    m.projects.push_back(x);
  }
  return m;
}

using Rng = crix::test::Rng;  // seeded splitmix64, as the tests use

// Valid trades, `step` ns apart, two commands each.
class Stream {
 public:
  explicit Stream(std::int64_t step) : step_(step) {}

  void fill(Batch& b, std::size_t trades) {
    b.clear();
    for (std::size_t i = 0; i < trades; ++i) {
      const crix::engine::Timestamp ts(kT0 + static_cast<std::int64_t>(next_trade_) * step_);
      for (int c = 0; c < 2; ++c) {
        Command cmd;
        cmd.seq = crix::engine::Seq(next_seq_++);
        cmd.ts = ts;
        cmd.id = crix::engine::OrderId(cmd.seq.v);
        cmd.side = c == 0 ? crix::engine::Side::kSell : crix::engine::Side::kBuy;
        cmd.price = crix::engine::Price(58000);
        cmd.qty = crix::engine::Qty(1000);
        b.add(cmd);
      }
      const auto f = static_cast<std::uint32_t>(rng_.below(kFacilities));
      const auto p = static_cast<std::uint32_t>(rng_.below(kProjects / 4) * 4 + f % 4);
      Trade t;
      t.id = crix::engine::TradeId(next_trade_++);
      t.seq = crix::engine::Seq(next_seq_ - 1);
      t.ts = ts;
      t.instrument = crix::engine::InstrumentId(f % 4);
      t.buy_order = crix::engine::OrderId(next_seq_ - 1);
      t.sell_order = crix::engine::OrderId(next_seq_ - 2);
      t.seller = crix::engine::ParticipantId(f / 4 % 50);
      t.buyer = crix::engine::ParticipantId(50 + p / 4 % 50);
      t.facility = FacilityIndex(f);
      t.project = ProjectIndex(p);
      t.price = crix::engine::Price(55000 + static_cast<std::int64_t>(rng_.below(6000)));
      t.qty = crix::engine::Qty(1 + static_cast<std::int64_t>(rng_.below(20000)));
      t.ratio_permille = 1250;
      t.credited = crix::engine::Qty(crix::engine::credited_capacity(t.qty.v, t.ratio_permille));
      b.add(t);
    }
  }

 private:
  std::int64_t step_;
  Rng rng_{42};
  std::uint64_t next_trade_ = 1;
  std::uint64_t next_seq_ = 1;
};

std::int64_t percentile(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return 0;
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

std::int64_t micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

void throughput(const crix::engine::Market& m, const fs::path& dir, crix::engine::Durability sync,
                std::size_t batch, double seconds) {
  const std::string path = (dir / ("throughput-" + std::to_string(batch) + ".mdb")).string();
  WriterOptions o;
  o.durability = sync;
  std::uint64_t trades = 0;
  Clock::duration busy{};
  std::vector<std::int64_t> latency;
  {
    Writer w(path, m, o);
    Stream stream(1'000'000);
    Batch b;
    while (std::chrono::duration<double>(busy).count() < seconds) {
      stream.fill(b, batch);
      const auto start = Clock::now();
      w.commit(b);
      const auto took = Clock::now() - start;
      busy += took;
      latency.push_back(micros(took));
      trades += batch;
    }
  }
  fs::remove(path);
  fs::remove(path + "-lock");
  fs::remove(path + "-writer");
  std::printf(
      "bench_ledger sync=%s batch=%zu trades=%llu trades_per_s=%.0f commit_p50_us=%lld commit_p99_us=%lld\n",
      sync == crix::engine::Durability::kFull ? "full" : "os", batch, static_cast<unsigned long long>(trades),
      static_cast<double>(trades) / std::chrono::duration<double>(busy).count(),
      static_cast<long long>(percentile(latency, 0.50)), static_cast<long long>(percentile(latency, 0.99)));
  std::fflush(stdout);
}

void query(const char* name, std::uint64_t trades, const std::function<void(Rng&)>& run) {
  constexpr int kSamples = 2000;
  Rng rng{7};
  std::vector<std::int64_t> ns;
  ns.reserve(kSamples);
  for (int i = 0; i < kSamples; ++i) {
    const auto start = Clock::now();
    run(rng);
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  }
  std::printf("bench_ledger query=%s trades=%llu p50_us=%.1f p99_us=%.1f\n", name,
              static_cast<unsigned long long>(trades), static_cast<double>(percentile(ns, 0.50)) / 1000.0,
              static_cast<double>(percentile(ns, 0.99)) / 1000.0);
  std::fflush(stdout);
}

void queries(const crix::engine::Market& m, const fs::path& dir, std::uint64_t n) {
  const std::string path = (dir / "queries.mdb").string();
  // Spread the trades over 250 days, whatever their number.
  const std::int64_t step =
      std::max<std::int64_t>(1, 250LL * 86'400'000'000'000 / static_cast<std::int64_t>(n));
  {
    WriterOptions o;
    o.durability = crix::engine::Durability::kOs;
    Writer w(path, m, o);
    Stream stream(step);
    Batch b;
    const auto start = Clock::now();
    for (std::uint64_t done = 0; done < n; done += 1024) {
      stream.fill(b, static_cast<std::size_t>(std::min<std::uint64_t>(1024, n - done)));
      w.commit(b);
    }
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("bench_ledger build sync=os batch=1024 trades=%llu trades_per_s=%.0f bytes=%llu\n",
                static_cast<unsigned long long>(n), static_cast<double>(n) / s,
                static_cast<unsigned long long>(fs::file_size(path)));
    std::fflush(stdout);
  }
  const Reader r(path);
  const auto after = [&](Rng& rng) { return Page{crix::engine::TradeId(rng.below(n)), 100}; };
  const auto at = [&](Rng& rng) {
    return crix::engine::Timestamp(kT0 + static_cast<std::int64_t>(rng.below(n)) * step);
  };
  std::size_t sink = 0;
  query("trade", n, [&](Rng& rng) { sink += r.trade(crix::engine::TradeId(1 + rng.below(n))) ? 1 : 0; });
  query("by_participant", n, [&](Rng& rng) {
    sink +=
        r.trades_by_participant(
             crix::engine::ParticipantId(static_cast<std::uint32_t>(rng.below(kParticipants))), after(rng))
            .size();
  });
  query("by_facility", n, [&](Rng& rng) {
    sink +=
        r.trades_by_facility(FacilityIndex(static_cast<std::uint32_t>(rng.below(kFacilities))), after(rng))
            .size();
  });
  query("by_project", n, [&](Rng& rng) {
    sink += r.trades_by_project(ProjectIndex(static_cast<std::uint32_t>(rng.below(kProjects))), after(rng))
                .size();
  });
  query("by_region", n, [&](Rng& rng) {
    sink +=
        r.trades_by_region(RegionIndex(static_cast<std::uint32_t>(rng.below(kRegions))), after(rng)).size();
  });
  query("by_industry", n, [&](Rng& rng) {
    sink += r.trades_by_industry(static_cast<Industry>(rng.below(4)), after(rng)).size();
  });
  query("time_range_1h", n, [&](Rng& rng) {
    const auto from = at(rng);
    sink += r.trades_between(from, crix::engine::Timestamp(from.v + 3'600'000'000'000), Page{{}, 100}).size();
  });
  query("facility_history", n, [&](Rng& rng) {  // a page of 100 trades with their elimination entries
    sink += r.facility_history(FacilityIndex(static_cast<std::uint32_t>(rng.below(kFacilities))), after(rng))
                ->trades.size();
  });
  query("project_progress", n, [&](Rng& rng) {
    sink += r.project_progress(ProjectIndex(static_cast<std::uint32_t>(rng.below(kProjects))))->trades;
  });
  query("elimination_list_facility", n, [&](Rng& rng) {
    EliminationFilter f;
    f.facility = FacilityIndex(static_cast<std::uint32_t>(rng.below(kFacilities)));
    sink += r.elimination_list(f, after(rng)).size();  // a page of 100, like the other lists
  });
  query("daily_stats_day", n, [&](Rng& rng) {
    const Day d = local_day(at(rng), 480);
    sink += r.daily_stats(d, d).size();
  });
  query("region_capacity", n, [&](Rng&) { sink += r.region_capacity().size(); });
  query("summary", n, [&](Rng&) { sink += r.summary().trades; });

  const auto start = Clock::now();
  const VerifyReport report = verify(r);
  std::printf("bench_ledger verify trades=%llu ok=%d seconds=%.1f\n",
              static_cast<unsigned long long>(report.trades), report.ok() ? 1 : 0,
              std::chrono::duration<double>(Clock::now() - start).count());
  if (sink == 0) std::printf("bench_ledger: the queries returned nothing\n");
  fs::remove(path);
  fs::remove(path + "-lock");
  fs::remove(path + "-writer");
}

bool number(std::string_view s, auto& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t trades = 200'000;
  double seconds = 3;
  fs::path dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--trades" && has_value && number(argv[i + 1], trades) && trades > 0) {
      ++i;
    } else if (a == "--seconds" && has_value && number(argv[i + 1], seconds) && seconds > 0) {
      ++i;
    } else if (a == "--dir" && has_value) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_ledger [--trades N] [--seconds S] [--dir DIR]\n");
      return 2;
    }
  }
  try {
    const crix::test::ScratchDir scratch("bench-ledger", dir);
    const std::string scratch_name = scratch.path().string();
    const crix::engine::Market m = market();
    throughput(m, scratch_name, crix::engine::Durability::kFull, 1, seconds);
    throughput(m, scratch_name, crix::engine::Durability::kFull, 64, seconds);
    throughput(m, scratch_name, crix::engine::Durability::kFull, 1024, seconds);
    throughput(m, scratch_name, crix::engine::Durability::kOs, 1024, seconds);
    queries(m, scratch_name, trades);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ledger: %s\n", e.what());
    return 1;
  }
  return 0;
}
