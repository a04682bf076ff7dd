// The LMDB ledger (ledger/): record layouts, the writer's rules and errors, the hash chain and verify,
// every query against a naive filter over the whole chain, revocation and the elimination list,
// restore-and-compare, crashes (a writer process killed at random points), concurrent readers (a thread
// and a process), map growth, a second writer, unwritable and missing paths. Real LMDB files in a
// scratch directory; seeded random batches (tests/support/rng.hpp).
#include <catch2/catch.hpp>
#include <lmdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/reader.hpp"
#include "ledger/verify.hpp"
#include "ledger/writer.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace crix::ledger;
using crix::engine::Command;
using crix::engine::Industry;
using crix::engine::InstrumentId;
using crix::engine::Market;
using crix::engine::ParticipantId;
using crix::engine::Price;
using crix::engine::Qty;
using crix::engine::Seq;
using crix::engine::Timestamp;
using crix::engine::TradeId;

namespace {

// A scratch directory (unwritable in some tests: ScratchDir restores its permissions before removing
// it) and the ledger file in it.
class LedgerDir : public crix::test::ScratchDir {
 public:
  LedgerDir() : ScratchDir("crix-ledger-test") {}
  const fs::path& dir() const { return path(); }
  std::string ledger() const { return file("ledger.mdb"); }
};

// 3 regions (Tianjin with a steel cap), 2 sellers owning 4 facilities each (steel 0-3, cement 4-7), 2
// buyers owning 4 projects each (steel 0-3, cement 4-7). As in configuration, the market names regions
// by code; facility i is in region i % 3, project i in region (i + 1) % 3. Capacities are large, so
// random streams never run a facility dry; the writer's capacity rule has its own scenario.
constexpr std::int64_t kLarge = 1'000'000'000'000;

Market test_market() {
  Market m;
  m.exchange.name = "ledger test";
  m.exchange.utc_offset_minutes = 480;
  m.exchange.working_days = 0x1F;
  m.instruments = {{"STEEL-IRON", Industry::kSteel, "t", 1, 1, 100, 58000},
                   {"CEMENT-CLINKER", Industry::kCement, "t", 100, 1, 100, 30000}};
  const char* regions[] = {"Tianjin", "Tangshan, Hebei", "Chengdu, Sichuan"};
  const std::uint32_t codes[] = {120000, 130200, 510100};
  for (int i = 0; i < 3; ++i) {
    crix::engine::Region r;
    r.ref = {codes[i], crix::engine::province_of(codes[i]),
             i < 2 ? crix::engine::RegionClass::kKey : crix::engine::RegionClass::kOther};
    r.name = regions[i];
    r.capacity[0] = 20'000'000 * (i + 1);
    r.capacity[1] = 5'000'000 * (i + 1);
    m.regions.push_back(r);
  }
  m.regions[0].cap[0] = 20'000'000;
  for (int i = 0; i < 4; ++i) {
    crix::engine::Participant p;
    p.id = i < 2 ? "SELLER-" + std::to_string(i) : "BUYER-" + std::to_string(i - 2);
    p.region = codes[i % 3];
    m.participants.push_back(p);
  }
  for (int i = 0; i < 8; ++i) {
    crix::engine::Facility f;
    f.id = "FAC-" + std::to_string(i);
    f.owner = i % 2 == 0 ? "SELLER-0" : "SELLER-1";
    f.industry = i < 4 ? Industry::kSteel : Industry::kCement;
    f.region = codes[i % 3];
    f.capacity = kLarge;
    m.facilities.push_back(f);
    crix::engine::Project p;
    p.id = "PRJ-" + std::to_string(i);
    p.owner = i % 2 == 0 ? "BUYER-0" : "BUYER-1";
    p.industry = i < 4 ? Industry::kSteel : Industry::kCement;
    p.region = codes[(i + 1) % 3];
    p.new_capacity = kLarge;
    m.projects.push_back(p);
  }
  return m;
}

// 2026-11-27 00:00 Beijing time, a Friday; trade n is at kT0 + n x kStep (so about 200 trades a day).
constexpr std::int64_t kT0 = 1'795'708'800'000'000'000;
constexpr std::int64_t kStep = 7 * 60'000'000'000LL;

// Deterministic batches: the batch that follows a ledger state (next trade id, next seq) depends on
// that state and the seed only, so a test can regenerate what a killed writer was committing.
struct TradeGen {
  std::uint64_t seed = 1;
  std::uint64_t next_trade = 1;
  std::uint64_t next_seq = 1;

  static TradeGen after(std::uint64_t seed, const Meta& m) {
    return TradeGen{seed, m.trade_count + 1, m.last_seq.v + 1};
  }

  Batch next(std::size_t commands, std::size_t trades) {
    crix::test::Rng rng{seed * 1'000'003 + next_trade * 7 + next_seq};
    Batch b;
    const Timestamp now(kT0 + static_cast<std::int64_t>(next_trade) * kStep);
    for (std::size_t i = 0; i < commands; ++i) {
      Command c;
      c.seq = Seq(next_seq++);
      c.ts = now;
      c.id = crix::engine::OrderId(c.seq.v);
      c.side = rng.chance(50) ? crix::engine::Side::kBuy : crix::engine::Side::kSell;
      c.instrument = InstrumentId(static_cast<std::uint32_t>(rng.below(2)));
      c.participant = ParticipantId(static_cast<std::uint32_t>(rng.below(4)));
      c.account = crix::engine::AccountId(rng.below(8));
      c.price = Price(rng.range(50000, 60000));
      c.qty = Qty(rng.range(1, 5000));
      c.tif = crix::engine::TimeInForce::kGtd;
      c.expire_at = Timestamp(now.v + 1000);
      b.add(c);
    }
    for (std::size_t i = 0; i < trades; ++i) b.add(random_trade(rng, Seq(next_seq - 1)));
    return b;
  }

  Trade random_trade(crix::test::Rng& rng, Seq seq) {
    static constexpr std::uint32_t kRatios[] = {1000, 1250, 1500, 2000};
    Trade t;
    t.id = TradeId(next_trade);
    t.seq = seq;
    t.ts = Timestamp(kT0 + static_cast<std::int64_t>(next_trade) * kStep);
    ++next_trade;
    const auto f = static_cast<std::uint32_t>(rng.below(8));
    const auto p = (f < 4 ? 0u : 4u) + static_cast<std::uint32_t>(rng.below(4));
    t.facility = FacilityIndex(f);
    t.project = ProjectIndex(p);
    t.instrument = InstrumentId(f < 4 ? 0 : 1);
    t.seller = ParticipantId(f % 2);
    t.buyer = ParticipantId(2 + p % 2);
    t.buy_order = crix::engine::OrderId(rng.next());
    t.sell_order = crix::engine::OrderId(rng.next());
    t.price = Price(rng.range(500, 600) * 100);
    t.qty = Qty(rng.range(1, 5000));
    t.ratio_permille = kRatios[rng.below(4)];
    t.ratio_rule = static_cast<std::uint32_t>(rng.below(6));
    t.credited = Qty(crix::engine::credited_capacity(t.qty.v, t.ratio_permille));
    return t;
  }
};

// A stored trade is the input plus the writer's hashes.
bool same_as_input(const Trade& stored, Trade input) {
  input.prev_hash = stored.prev_hash;
  input.hash = stored.hash;
  return stored == input;
}

bool same_command(const Command& a, const Command& b) {
  const JournalRecord ra = encode(a), rb = encode(b);
  return std::memcmp(&ra, &rb, sizeof ra) == 0;
}

WriterOptions fast() {
  WriterOptions o;
  o.durability = crix::engine::Durability::kOs;
  return o;
}

std::vector<Trade> all_trades(const Reader& r) {
  std::vector<Trade> out;
  for (Page page{TradeId{}, 5000};;) {
    auto part = r.trades(page);
    if (part.empty()) return out;
    page.after = part.back().id;
    out.insert(out.end(), part.begin(), part.end());
  }
}

// Pages through a listing `limit` at a time.
template <class List>
std::vector<Trade> paged(List list, std::size_t limit) {
  std::vector<Trade> out;
  for (Page page{TradeId{}, limit};;) {
    auto part = list(page);
    if (part.empty()) return out;
    CHECK(part.size() <= limit);
    page.after = part.back().id;
    out.insert(out.end(), part.begin(), part.end());
  }
}

std::vector<std::uint64_t> ids(const std::vector<Trade>& trades) {
  std::vector<std::uint64_t> out;
  for (const Trade& t : trades) out.push_back(t.id.v);
  return out;
}

// One raw LMDB write transaction on table `db` (the ledger's own code is not involved): `edit(txn, dbi)`,
// then the commit.
template <class Edit>
void raw_write(const std::string& path, const char* db, Edit edit) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_maxdbs(env, 32) == 0);
  REQUIRE(mdb_env_open(env, path.c_str(), MDB_NOSUBDIR, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
  edit(txn, dbi);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

// Flips one byte of a stored value through a raw LMDB write.
void flip_byte(const std::string& path, const char* db, const void* key, std::size_t key_size,
               std::size_t offset) {
  raw_write(path, db, [&](MDB_txn* txn, MDB_dbi dbi) {
    MDB_val k{key_size, const_cast<void*>(key)}, v;
    REQUIRE(mdb_get(txn, dbi, &k, &v) == 0);
    REQUIRE(offset < v.mv_size);
    std::vector<unsigned char> bytes(static_cast<unsigned char*>(v.mv_data),
                                     static_cast<unsigned char*>(v.mv_data) + v.mv_size);
    bytes[offset] ^= 0x5A;
    MDB_val nv{bytes.size(), bytes.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &nv, 0) == 0);
  });
}

// Runs `body` in a child process; its exit code is 0 when body returns true.
template <class F>
pid_t spawn(F body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 1;
  try {
    code = body() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(getpid()), e.what());
    code = 2;
  }
  _exit(code);
}

int exit_code(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

TEST_CASE("records: fixed little-endian layouts, big-endian keys, round trips", "[ledger]") {
  Trade t;
  t.kind = TradeKind::kTrade;
  t.id = TradeId(0x0102030405060708);
  t.seq = Seq(9);
  t.ts = Timestamp(-2);
  t.instrument = InstrumentId(3);
  t.facility = FacilityIndex(7);
  t.price = Price(58000);
  t.qty = Qty(1500);
  t.ratio_permille = 1250;
  t.credited = Qty(1200);
  t.prev_hash[0] = 0xAB;
  t.hash[31] = 0xCD;
  const TradeRecord r = encode(t);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&r);
  CHECK(bytes[0] == TradeRecord::kVersion);  // version, little-endian u16
  CHECK(bytes[1] == 0);
  CHECK(bytes[7] == 0x08);  // trade id at offset 7, least significant byte first
  CHECK(bytes[14] == 0x01);
  CHECK(bytes[31] == 0xFE);  // ts = -2, two's complement
  CHECK(bytes[kTradeHashedBytes - 32] == 0xAB);
  CHECK(bytes[sizeof r - 1] == 0xCD);
  CHECK(decode(r) == t);

  const Be<std::uint64_t> key(0x0102030405060708);
  CHECK(key.bytes[0] == 0x01);
  CHECK(key.bytes[7] == 0x08);
  CHECK(Be<std::uint32_t>(day_key(Day(-1))).bytes < Be<std::uint32_t>(day_key(Day(0))).bytes);
  CHECK(day_from_key(day_key(Day(-5))) == Day(-5));

  Command c;
  c.type = crix::engine::CommandType::kReplace;
  c.side = crix::engine::Side::kSell;
  c.flags = crix::engine::kFlagAllOrNone;
  c.seq = Seq(77);
  c.price = Price(-1);
  c.qty = Qty(123456789);
  c.expire_at = Timestamp(42);
  const JournalRecord j = encode(c);
  const auto* jb = reinterpret_cast<const unsigned char*>(&j);
  CHECK(jb[2] == static_cast<unsigned char>(crix::engine::CommandType::kReplace));
  CHECK(jb[3] == 1);              // side
  CHECK(jb[15] == 77);            // seq at offset 15
  CHECK(jb[sizeof j - 8] == 42);  // expire_at last
  CHECK(same_command(decode(j), c));

  JournalRecord future = j;
  future.version.set(2);
  CHECK_THROWS_MATCHES(decode(future), Error, Catch::Matchers::Predicate<Error>([](const Error& e) {
                         return e.kind() == ErrorKind::kIncompatible;
                       }));

  // Local dates: 2026-11-27 00:00 in Beijing is 2026-11-26 16:00 UTC.
  CHECK(to_date(local_day(Timestamp(kT0), 480)) == crix::engine::Date{2026, 11, 27});
  CHECK(to_date(local_day(Timestamp(kT0 - 1), 480)) == crix::engine::Date{2026, 11, 26});
  CHECK(local_day(Timestamp(-1), 0) == Day(-1));
  CHECK(to_day(crix::engine::Date{1970, 1, 2}) == Day(1));
}

TEST_CASE("writer: random batches survive close and reopen, verify agrees, the journal replays", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  crix::test::Rng rng{20261129};
  TradeGen gen{11};
  std::vector<Trade> written;
  std::vector<Command> journaled;
  std::int64_t sold = 0, credited = 0;
  Meta before;
  {
    Writer w(scratch.ledger(), market, fast());
    for (int b = 0; b < 60; ++b) {
      const Batch batch = gen.next(rng.below(6) + 1, rng.below(40));
      w.commit(batch);
      written.insert(written.end(), batch.trades().begin(), batch.trades().end());
      journaled.insert(journaled.end(), batch.commands().begin(), batch.commands().end());
      for (const Trade& t : batch.trades()) {
        sold += t.qty.v;
        credited += t.credited.v;
      }
    }
    before = w.meta();
    CHECK(before.trade_count == written.size());
    CHECK(before.commits == 60);
  }
  Writer w(scratch.ledger(), market, fast());
  CHECK(w.meta().chain_head == before.chain_head);
  CHECK(w.meta().trade_count == before.trade_count);
  CHECK(w.meta().last_seq == before.last_seq);

  const Reader r = w.reader();
  const Summary s = r.summary();
  CHECK(s.trades == written.size());
  CHECK(s.journal == journaled.size());
  CHECK(s.elimination == written.size());
  const auto stored = all_trades(r);
  REQUIRE(stored.size() == written.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    INFO("trade " << i + 1);
    CHECK(same_as_input(stored[i], written[i]));
    CHECK(stored[i].prev_hash == (i == 0 ? Hash{} : stored[i - 1].hash));
  }
  CHECK(stored.back().hash == before.chain_head);

  std::int64_t stored_sold = 0, stored_credited = 0;
  for (const FacilityState& f : r.facilities()) stored_sold += f.sold.v;
  for (const ProjectState& p : r.projects()) stored_credited += p.credited.v;
  CHECK(stored_sold == sold);
  CHECK(stored_credited == credited);

  const auto replay = r.journal(Seq(1), journaled.size() + 10);
  REQUIRE(replay.size() == journaled.size());
  for (std::size_t i = 0; i < replay.size(); ++i) CHECK(same_command(replay[i], journaled[i]));
  CHECK(r.journal(Seq(journaled.size()), 10).size() == 1);

  const VerifyReport report = verify(r);
  INFO((report.problem ? report.problem->what : ""));
  CHECK(report.ok());
  CHECK(report.trades == written.size());
  CHECK(report.chain_head == before.chain_head);
}

TEST_CASE("reader: every query equals a naive filter over the whole chain", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  Writer w(scratch.ledger(), market, fast());
  TradeGen gen{5};
  for (int b = 0; b < 40; ++b) w.commit(gen.next(2, 25));
  const Reader r = w.reader();
  const auto chain = all_trades(r);
  REQUIRE(chain.size() == 1000);
  const auto facilities = r.facilities();
  const auto projects = r.projects();

  const auto naive = [&](auto keep) {
    std::vector<std::uint64_t> out;
    for (const Trade& t : chain) {
      if (keep(t)) out.push_back(t.id.v);
    }
    return out;
  };
  for (std::uint32_t i = 0; i < 4; ++i) {
    const ParticipantId p(i);
    CHECK(ids(paged([&](const Page& pg) { return r.trades_by_participant(p, pg); }, 17)) ==
          naive([&](const Trade& t) { return t.buyer == p || t.seller == p; }));
  }
  for (std::uint32_t i = 0; i < 8; ++i) {
    CHECK(ids(paged([&](const Page& pg) { return r.trades_by_facility(FacilityIndex(i), pg); }, 9)) ==
          naive([&](const Trade& t) { return t.facility.v == i; }));
    CHECK(ids(paged([&](const Page& pg) { return r.trades_by_project(ProjectIndex(i), pg); }, 50)) ==
          naive([&](const Trade& t) { return t.project.v == i; }));
  }
  for (std::uint32_t g = 0; g < 3; ++g) {
    CHECK(ids(paged([&](const Page& pg) { return r.trades_by_region(RegionIndex(g), pg); }, 33)) ==
          naive([&](const Trade& t) {
            return facilities[t.facility.v].region.v == g || projects[t.project.v].region.v == g;
          }));
  }
  CHECK(ids(paged([&](const Page& pg) { return r.trades_by_industry(Industry::kCement, pg); }, 100)) ==
        naive([&](const Trade& t) { return t.facility.v >= 4; }));
  CHECK(r.trades_by_industry(Industry::kGlass).empty());

  // Time ranges across day boundaries, empty and inverted ones included.
  crix::test::Rng rng{3};
  for (int i = 0; i < 20; ++i) {
    const Timestamp from(kT0 + rng.range(-kStep, 1100 * kStep));
    const Timestamp to(from.v + rng.range(-kStep, 400 * kStep));
    CHECK(ids(paged([&](const Page& pg) { return r.trades_between(from, to, pg); }, 31)) ==
          naive([&](const Trade& t) { return t.ts >= from && t.ts < to; }));
  }

  const auto history = r.facility_history(FacilityIndex(3));
  REQUIRE(history);
  CHECK(history->facility.id == "FAC-3");
  CHECK(ids(history->trades) == naive([](const Trade& t) { return t.facility.v == 3; }));
  REQUIRE(history->entries.size() == history->trades.size());
  std::int64_t sold = 0;
  for (std::size_t i = 0; i < history->entries.size(); ++i) {
    const EliminationEntry& e = history->entries[i];
    CHECK(e.revision == 0);
    CHECK(e.by == history->trades[i].id);
    CHECK(e.trade == history->trades[i].id);
    CHECK(e.qty == history->trades[i].qty);
    CHECK(e.status == EliminationStatus::kPublicised);
    CHECK(e.retired == local_day(history->trades[i].ts, 480));
    CHECK(e.dismantle_by.v == e.retired.v + 365);
    sold += e.qty.v;
  }
  CHECK(history->facility.sold.v == sold);
  EliminationFilter of_facility;
  of_facility.facility = FacilityIndex(3);
  const auto listed = r.elimination_list(of_facility);
  REQUIRE(listed.size() == history->trades.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    CHECK(listed[i].entry.trade == history->trades[i].id);
    CHECK(listed[i].facility_id == "FAC-3");
    CHECK(listed[i].owner_id == "SELLER-1");
    CHECK(listed[i].region_name == market.regions[0].name);
  }
  // The whole list, page by page, is every trade's entry in trade order.
  std::vector<std::uint64_t> all_entries;
  for (Page page{TradeId{}, 64};;) {
    const auto part = r.elimination_list({}, page);
    if (part.empty()) break;
    for (const EliminationItem& item : part) all_entries.push_back(item.entry.trade.v);
    page.after = part.back().entry.trade;
  }
  CHECK(all_entries == ids(chain));
  // By the seller's facility's industry, page by page, and counted: the naive filter's trades.
  for (std::size_t k = 0; k < crix::engine::kIndustries; ++k) {
    EliminationFilter of_industry;
    of_industry.industry = static_cast<Industry>(k);
    std::vector<std::uint64_t> expected;
    for (const Trade& t : chain) {
      if (market.facilities[t.facility.v].industry == *of_industry.industry) expected.push_back(t.id.v);
    }
    std::vector<std::uint64_t> got;
    for (Page page{TradeId{}, 16};;) {
      const auto part = r.elimination_list(of_industry, page);
      if (part.empty()) break;
      for (const EliminationItem& item : part) got.push_back(item.entry.trade.v);
      page.after = part.back().entry.trade;
    }
    INFO("industry " << k);
    CHECK(got == expected);
    CHECK(r.count_elimination(of_industry, TradeId{}) == expected.size());
  }
  CHECK_FALSE(r.facility_history(FacilityIndex(8)));

  std::int64_t credited = 0;
  for (const Trade& t : chain) credited += t.project.v == 5 ? t.credited.v : 0;
  const auto progress = r.project_progress(ProjectIndex(5));
  REQUIRE(progress);
  CHECK(progress->project.credited.v == credited);
  CHECK(progress->project.need.v == kLarge);
  CHECK(progress->remaining.v == kLarge - credited);
  CHECK(progress->trades == naive([](const Trade& t) { return t.project.v == 5; }).size());
  CHECK_FALSE(r.project_progress(ProjectIndex(99)));

  // Region totals: configured, + credited into the project's region, - retired from the facility's.
  std::int64_t delta[3][4] = {};
  for (const Trade& t : chain) {
    const auto ind = static_cast<std::size_t>(facilities[t.facility.v].industry);
    delta[projects[t.project.v].region.v][ind] += t.credited.v;
    delta[facilities[t.facility.v].region.v][ind] -= t.qty.v;
  }
  const auto capacity = r.region_capacity();
  CHECK(capacity.size() == 6);  // 3 regions x (steel, cement)
  for (const RegionCapacity& c : capacity) {
    const auto ind = static_cast<std::size_t>(c.industry);
    CHECK(c.initial == market.regions[c.region.v].capacity[ind]);
    CHECK(c.capacity == c.initial + delta[c.region.v][ind]);
    CHECK(c.cap == market.regions[c.region.v].cap[ind]);
    CHECK(c.over_cap() == (c.cap && c.capacity > *c.cap));
  }

  // Daily statistics against the trades of each day.
  const Day first = local_day(chain.front().ts, 480), last = local_day(chain.back().ts, 480);
  const auto stats = r.daily_stats(first, last);
  std::map<std::pair<std::int32_t, std::uint32_t>, std::vector<Trade>> by_day;
  for (const Trade& t : chain) by_day[{local_day(t.ts, 480).v, t.instrument.v}].push_back(t);
  REQUIRE(stats.size() == by_day.size());
  for (const DailyStats& d : stats) {
    const auto& trades = by_day.at({d.day.v, d.instrument.v});
    std::int64_t volume = 0, high = 0, low = INT64_MAX;
    Int128 value = 0;
    for (const Trade& t : trades) {
      volume += t.qty.v;
      value += Int128{t.price.v} * t.qty.v;
      high = std::max(high, t.price.v);
      low = std::min(low, t.price.v);
    }
    CHECK(d.trades == trades.size());
    CHECK(d.volume.v == volume);
    CHECK(d.value == value);
    CHECK(d.open == trades.front().price);
    CHECK(d.last == trades.back().price);
    CHECK(d.high.v == high);
    CHECK(d.low.v == low);
    const std::int64_t tick = market.instruments[d.instrument.v].tick;
    const auto vwap = static_cast<std::int64_t>((value * 2 + volume) / (Int128{volume} * 2));
    CHECK(d.close.v == (vwap + tick / 2) / tick * tick);
    CHECK(d.close.v % tick == 0);
  }
  CHECK(r.daily_stats(first, first, InstrumentId(1)).size() == 1);
  CHECK(r.daily_stats(Day(last.v + 1), Day(last.v + 9)).empty());

  CHECK(r.participants().size() == 4);
  CHECK(r.instruments()[1].code == "CEMENT-CLINKER");
  CHECK(r.regions()[0].cap[0] == 20'000'000);
  CHECK_FALSE(r.trade(TradeId(1001)));
  CHECK(r.trade(TradeId(500))->id == TradeId(500));
}

TEST_CASE("elimination list: publicity period, status changes, revocation as a new record", "[ledger]") {
  LedgerDir scratch;
  Market market = test_market();
  market.exchange.holidays = {{2026, 12, 1}};
  Writer w(scratch.ledger(), market, fast());
  TradeGen gen{9};
  Batch b = gen.next(1, 3);  // trades 1-3 on Friday 2026-11-27 (Beijing)
  w.commit(b);
  const Reader r = w.reader();

  // Ten working days after Friday 27 November, skipping two weekends and the holiday on 1 December.
  const auto list = r.elimination_list();
  REQUIRE(list.size() == 3);
  CHECK(to_date(list[0].entry.retired) == crix::engine::Date{2026, 11, 27});
  CHECK(to_date(list[0].entry.publicity_end) == crix::engine::Date{2026, 12, 14});
  CHECK(list[0].facility_id == "FAC-" + std::to_string(b.trades()[0].facility.v));

  const Trade first = *r.trade(TradeId(1));
  const Trade second = *r.trade(TradeId(2));
  const auto facility_before = r.facility_history(first.facility)->facility;
  const auto project_before = r.project_progress(first.project)->project;
  const auto regions_before = r.regions();

  b.clear();
  Command c;
  c.seq = Seq(w.meta().last_seq.v + 1);
  c.ts = Timestamp(kT0 + 10 * kStep);
  b.add(c);
  b.revoke(TradeId(4), TradeId(1), c.seq, c.ts);
  b.update(StatusUpdate{TradeId(2), EliminationStatus::kConfirmed, c.seq, c.ts});
  w.commit(b);

  const Trade revocation = *r.trade(TradeId(4));
  CHECK(revocation.kind == TradeKind::kRevocation);
  CHECK(revocation.revokes == TradeId(1));
  CHECK(revocation.facility == first.facility);
  CHECK(revocation.qty == first.qty);
  CHECK(r.facility_history(first.facility)->facility.sold == facility_before.sold - first.qty);
  CHECK(r.project_progress(first.project)->project.credited == project_before.credited - first.credited);
  const auto industry = static_cast<std::size_t>(facility_before.industry);
  const auto regions_after = r.regions();
  const auto fr = facility_before.region.v, pr = project_before.region.v;
  if (fr != pr) {
    CHECK(regions_after[fr].capacity[industry] == regions_before[fr].capacity[industry] + first.qty.v);
    CHECK(regions_after[pr].capacity[industry] == regions_before[pr].capacity[industry] - first.credited.v);
  }
  CHECK(r.trade(TradeId(1))->hash == first.hash);  // nothing rewritten

  const auto in_status = [](EliminationStatus status) {
    EliminationFilter f;
    f.status = status;
    return f;
  };
  const auto revoked = r.elimination_list(in_status(EliminationStatus::kRevoked));
  REQUIRE(revoked.size() == 1);
  CHECK(revoked[0].entry.trade == TradeId(1));
  CHECK(revoked[0].status_since == c.ts);
  const auto confirmed = r.elimination_list(in_status(EliminationStatus::kConfirmed));
  REQUIRE(confirmed.size() == 1);
  CHECK(confirmed[0].entry.trade == TradeId(2));
  CHECK(r.elimination_list().size() == 3);  // originals only; updates change their status
  CHECK(r.summary().elimination == 5);
  // Counts: one per trade's entry, however many revisions it has, with and without a filter.
  CHECK(r.count_elimination({}, TradeId{}) == 3);
  CHECK(r.count_elimination({}, TradeId(1)) == 2);
  CHECK(r.count_elimination({}, TradeId{}, 2) == 2);
  CHECK(r.count_elimination({}, TradeId(3)) == 0);
  CHECK(r.count_elimination(in_status(EliminationStatus::kRevoked), TradeId{}) == 1);
  EliminationFilter of_facility;
  of_facility.facility = first.facility;
  CHECK(r.count_elimination(of_facility, TradeId{}) ==
        static_cast<std::uint64_t>(std::count_if(list.begin(), list.end(), [&](const EliminationItem& e) {
          return e.entry.facility == first.facility;
        })));
  std::uint64_t printed = 0;
  for (const DailyStats& d : r.daily_stats(list[0].entry.retired, list[0].entry.retired)) printed += d.trades;
  CHECK(printed == 3);  // a revocation unprints nothing

  const auto refused = [&](const Batch& bad, const std::string& words) {
    const Meta m = w.meta();
    try {
      w.commit(bad);
      FAIL("the batch was accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidBatch);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(words));
    }
    CHECK(w.meta().commits == m.commits);
  };
  Batch again;
  again.revoke(TradeId(5), TradeId(1), c.seq, c.ts);
  refused(again, "already revoked");
  Batch confirmed_trade;
  confirmed_trade.revoke(TradeId(5), TradeId(2), c.seq, c.ts);
  refused(confirmed_trade, "already confirmed");
  Batch of_revocation;
  of_revocation.revoke(TradeId(5), TradeId(4), c.seq, c.ts);
  refused(of_revocation, "itself a revocation");
  Batch unknown;
  unknown.update(StatusUpdate{TradeId(99), EliminationStatus::kConfirmed, c.seq, c.ts});
  refused(unknown, "no elimination entry");
  Batch of_revocation_entry;
  of_revocation_entry.update(StatusUpdate{TradeId(4), EliminationStatus::kConfirmed, c.seq, c.ts});
  refused(of_revocation_entry, "no elimination entry");
  Batch backwards;
  backwards.update(StatusUpdate{TradeId(2), EliminationStatus::kPublicised, c.seq, c.ts});
  refused(backwards, "only move forward");
  Batch revoke_by_update;
  revoke_by_update.update(StatusUpdate{TradeId(2), EliminationStatus::kRevoked, c.seq, c.ts});
  refused(revoke_by_update, "only a revocation revokes");

  Batch dismantle;
  dismantle.update(StatusUpdate{TradeId(2), EliminationStatus::kDismantled, c.seq, c.ts});
  w.commit(dismantle);
  CHECK(r.facility_history(second.facility)->facility.status == FacilityStatus::kDismantled);

  // A facility's history a trade at a time: a trade's entry comes whole with its trade, the revision
  // its later revocation wrote included, and the pages together are the whole history.
  for (const FacilityIndex f : {first.facility, second.facility}) {
    const FacilityHistory whole = *r.facility_history(f);
    std::vector<Trade> trades;
    std::vector<EliminationEntry> entries;
    for (Page page{TradeId{}, 1};;) {
      const FacilityHistory part = *r.facility_history(f, page);
      if (part.trades.empty()) break;
      REQUIRE(part.trades.size() == 1);
      for (const EliminationEntry& e : part.entries) CHECK(e.trade == part.trades.front().id);
      if (part.trades.front().id == TradeId(1)) {
        REQUIRE(part.entries.size() == 2);
        CHECK(part.entries.back().by == TradeId(4));  // the revocation, on a later page
        CHECK(part.entries.back().status == EliminationStatus::kRevoked);
      }
      trades.insert(trades.end(), part.trades.begin(), part.trades.end());
      entries.insert(entries.end(), part.entries.begin(), part.entries.end());
      page.after = part.trades.back().id;
    }
    CHECK(ids(trades) == ids(whole.trades));
    REQUIRE(entries.size() == whole.entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      CHECK(entries[i].trade == whole.entries[i].trade);
      CHECK(entries[i].revision == whole.entries[i].revision);
      CHECK(entries[i].status == whole.entries[i].status);
    }
  }

  const VerifyReport report = verify(r);
  INFO((report.problem ? report.problem->what : ""));
  CHECK(report.ok());
}

TEST_CASE("writer: a batch that breaks a ledger rule is refused whole and the writer carries on",
          "[ledger]") {
  LedgerDir scratch;
  // Facility 8 and project 8 (steel, SELLER-0 and BUYER-0) are small; the random stream never uses them.
  Market market = test_market();
  market.facilities.push_back(market.facilities[0]);
  market.facilities.back().id = "FAC-SMALL";
  market.facilities.back().capacity = 1000;
  market.projects.push_back(market.projects[0]);
  market.projects.back().id = "PRJ-SMALL";
  market.projects.back().new_capacity = 800;
  Writer w(scratch.ledger(), market, fast());
  TradeGen gen{3};
  w.commit(gen.next(2, 10));
  const Meta m = w.meta();

  const auto refused = [&](Batch bad, const std::string& words) {
    try {
      w.commit(bad);
      FAIL("the batch was accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidBatch);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(words));
    }
    CHECK(w.meta().commits == m.commits);
    CHECK(w.reader().summary().trades == m.trade_count);
  };
  TradeGen probe = TradeGen::after(3, m);
  Batch good = probe.next(1, 2);
  const Trade model = good.trades()[0];
  const auto with = [&](auto change) {
    Batch b;
    b.add(good.commands()[0]);
    Trade t = model;
    change(t);
    b.add(t);
    return b;
  };

  Batch seq_gap;
  Command c = good.commands()[0];
  c.seq = Seq(c.seq.v + 1);
  seq_gap.add(c);
  refused(seq_gap, "does not follow the last journaled seq");
  refused(with([](Trade& t) { t.id = TradeId(t.id.v + 1); }), "does not follow the last trade id");
  refused(with([](Trade& t) { t.credited = Qty(t.credited.v + 1); }), "floor(qty * 1000 / ratio)");
  refused(with([](Trade& t) { t.seller = ParticipantId(1 - t.seller.v); }), "not to the seller");
  refused(with([](Trade& t) { t.buyer = ParticipantId(t.buyer.v == 2 ? 3 : 2); }), "not to the buyer");
  refused(with([](Trade& t) { t.instrument = InstrumentId(1 - t.instrument.v); }), "not all of one industry");
  refused(with([](Trade& t) { t.facility = FacilityIndex(9); }), "not registered");
  refused(with([](Trade& t) { t.seq = Seq(t.seq.v + 1); }), "not journaled");
  refused(with([&](Trade& t) { t.ts = Timestamp(kT0); }), "clock must not go back");
  refused(with([](Trade& t) {
            t.qty = Qty(0);
            t.credited = Qty(0);
          }),
          "must be positive");
  refused(with([](Trade& t) {
            t.facility = FacilityIndex(8);
            t.seller = ParticipantId(0);
            t.instrument = InstrumentId(0);
            t.project = ProjectIndex(0);
            t.buyer = ParticipantId(2);
            t.qty = Qty(1001);
            t.ratio_permille = 2000;
            t.credited = Qty(500);
          }),
          "which has 1000 t unsold");
  refused(with([](Trade& t) {
            t.project = ProjectIndex(8);
            t.buyer = ParticipantId(2);
            t.facility = FacilityIndex(0);
            t.seller = ParticipantId(0);
            t.instrument = InstrumentId(0);
            t.qty = Qty(801);
            t.ratio_permille = 1000;
            t.credited = Qty(801);
          }),
          "which needs only 800 t more");
  // A later bad trade refuses the earlier good ones of the same batch.
  Trade late = good.trades()[1];
  late.ratio_permille = 0;
  Batch mixed;
  mixed.add(good.commands()[0]);
  mixed.add(good.trades()[0]);
  mixed.add(late);
  refused(mixed, "ratio 0");

  w.commit(good);
  CHECK(w.meta().trade_count == m.trade_count + 2);
  CHECK(verify(w.reader()).ok());
}

TEST_CASE("verify names the trade whose stored bytes were changed, and conservation breaks", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  {
    Writer w(scratch.ledger(), market, fast());
    TradeGen gen{21};
    for (int b = 0; b < 10; ++b) w.commit(gen.next(1, 30));
  }
  REQUIRE(verify(scratch.ledger()).ok());

  crix::test::Rng rng{77};
  for (int round = 0; round < 12; ++round) {
    const std::uint64_t id = 1 + rng.below(300);
    const std::size_t offset = rng.below(sizeof(TradeRecord));
    const Be<std::uint64_t> key(id);
    flip_byte(scratch.ledger(), "trades", &key, sizeof key, offset);
    const VerifyReport bad = verify(scratch.ledger());
    INFO("trade " << id << " byte " << offset);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.problem->trade == TradeId(id));
    CHECK_THAT(bad.problem->what, Catch::Matchers::Contains("trade " + std::to_string(id)) ||
                                      Catch::Matchers::Contains("revocation " + std::to_string(id)));
    CHECK(bad.trades == id - 1);  // every link before it checked out
    flip_byte(scratch.ledger(), "trades", &key, sizeof key, offset);
    CHECK(verify(scratch.ledger()).ok());
  }

  // A running total edited to match no trade: the chain is sound, conservation is not.
  const Be<std::uint32_t> facility(5);
  flip_byte(scratch.ledger(), "facilities", &facility, sizeof facility, offsetof(FacilityRecord, sold));
  VerifyReport bad = verify(scratch.ledger());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.problem->trade == TradeId{});
  CHECK_THAT(bad.problem->what, Catch::Matchers::Contains("facility FAC-5"));
  flip_byte(scratch.ledger(), "facilities", &facility, sizeof facility, offsetof(FacilityRecord, sold));

  const EliminationKey entry{Be<std::uint64_t>(17), Be<std::uint32_t>(0)};
  flip_byte(scratch.ledger(), "elimination", &entry, sizeof entry, offsetof(EliminationRecord, qty));
  bad = verify(scratch.ledger());
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.problem->what, Catch::Matchers::Contains("does not match trade"));
  flip_byte(scratch.ledger(), "elimination", &entry, sizeof entry, offsetof(EliminationRecord, qty));
  CHECK(verify(scratch.ledger()).ok());
}

TEST_CASE("crash: a writer killed at random points leaves whole batches only", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  constexpr std::size_t kTrades = 40, kCommands = 3;
  constexpr std::uint64_t kSeed = 4242;
  crix::test::Rng rng{1129};
  std::uint64_t last_count = 0;
  int progressed = 0;
  for (int round = 0; round < 24; ++round) {
    const bool full = round % 3 == 0;
    // Odd rounds are killed at any moment from the start (opening, growing the map, committing);
    // even rounds only after the writer has committed its first batch, so that the ledger grows
    // however slowly this machine runs (a sanitizer build on a loaded machine may not commit
    // anything within a fixed delay).
    const bool after_first_commit = round % 2 == 0;
    int committed[2];
    REQUIRE(pipe(committed) == 0);
    const pid_t child = spawn([&] {
      close(committed[0]);
      WriterOptions o;
      o.durability = full ? crix::engine::Durability::kFull : crix::engine::Durability::kOs;
      o.initial_map_bytes = std::size_t{1} << 20;  // grows under way, in some rounds while it is killed
      Writer w(scratch.ledger(), market, o);
      for (bool told = false;; told = true) {
        TradeGen gen = TradeGen::after(kSeed, w.meta());
        w.commit(gen.next(kCommands, kTrades));
        if (!told && write(committed[1], "c", 1) != 1) return false;
      }
      return true;
    });
    close(committed[1]);
    if (after_first_commit) {
      pollfd ready{committed[0], POLLIN, 0};
      REQUIRE(poll(&ready, 1, 120'000) == 1);
      std::this_thread::sleep_for(std::chrono::microseconds(rng.range(0, 30'000)));
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(rng.range(3'000, 60'000)));
    }
    REQUIRE(kill(child, SIGKILL) == 0);
    close(committed[0]);  // after the kill: a child writing to a closed pipe would die of SIGPIPE
    CHECK(exit_code(child) == -SIGKILL);

    const Reader r(scratch.ledger());
    const Summary s = r.summary();
    INFO("round " << round << ": " << s.trades << " trades, " << s.journal << " commands");
    CHECK(s.trades % kTrades == 0);
    CHECK(s.journal == s.trades / kTrades * kCommands);
    CHECK(s.meta.trade_count == s.trades);
    CHECK(s.trades >= last_count);
    if (after_first_commit) CHECK(s.trades > last_count);
    progressed += s.trades > last_count ? 1 : 0;
    last_count = s.trades;
    const VerifyReport report = verify(r);
    INFO((report.problem ? report.problem->what : ""));
    CHECK(report.ok());
  }
  CHECK(progressed >= 12);

  // What is there is exactly what the writer was given, batch after batch.
  const Reader r(scratch.ledger());
  const auto stored = all_trades(r);
  TradeGen gen{kSeed};
  for (std::size_t b = 0; b < stored.size() / kTrades; ++b) {
    const Batch expected = gen.next(kCommands, kTrades);
    for (std::size_t i = 0; i < kTrades; ++i)
      REQUIRE(same_as_input(stored[b * kTrades + i], expected.trades()[i]));
  }
}

TEST_CASE("concurrency: readers never see part of a batch, in a thread and in another process", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  constexpr std::size_t kTrades = 16, kCommands = 2, kBatches = 300;

  const auto whole = [](const Summary& s) {
    return s.trades % kTrades == 0 && s.journal == s.trades / kTrades * kCommands &&
           s.elimination == s.trades && s.meta.trade_count == s.trades;
  };
  // Forked before this process opens the ledger (one LMDB environment per file per process).
  const pid_t reader_process = spawn([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::optional<Reader> r;
    while (!r) {
      try {
        r.emplace(scratch.ledger());
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kNotFound || std::chrono::steady_clock::now() > deadline) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    for (;;) {
      const Summary s = r->summary();
      if (!whole(s)) {
        std::fprintf(stderr, "reader process saw %llu trades, %llu commands\n",
                     static_cast<unsigned long long>(s.trades), static_cast<unsigned long long>(s.journal));
        return false;
      }
      if (s.trades == kTrades * kBatches) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      // A query that crosses tables in one snapshot, while the map grows under it.
      const auto last = r->trades(Page{TradeId(s.trades > 5 ? s.trades - 5 : 0), 10});
      if (s.trades != 0 && (last.empty() || last.back().id.v < s.trades)) return false;
    }
  });

  WriterOptions o = fast();
  o.initial_map_bytes = 256 * 1024;  // the map grows while both readers read
  Writer w(scratch.ledger(), market, o);
  std::atomic<bool> done{false};
  std::atomic<int> checks{0}, broken{0};
  std::thread reader_thread([&, r = w.reader()] {
    while (!done.load()) {
      if (!whole(r.summary())) ++broken;
      ++checks;
    }
  });
  TradeGen gen{8};
  for (std::size_t b = 0; b < kBatches; ++b) w.commit(gen.next(kCommands, kTrades));
  done = true;
  reader_thread.join();
  CHECK(broken.load() == 0);
  CHECK(checks.load() > 10);
  CHECK(w.map_bytes() > o.initial_map_bytes);
  CHECK(exit_code(reader_process) == 0);
}

TEST_CASE("concurrency: a reader opened while another process grows the map adopts the map's new size",
          "[ledger]") {
  // `crix ledger` beside a running crixd: between opening the file and its first read transaction, the
  // writer may grow the map past the size the reader read (MDB_MAP_RESIZED). A child process opens
  // readers one after the other while this one grows a fresh ledger's map from 32 KiB, round after round.
  const Market market = test_market();
  constexpr std::size_t kTrades = 16, kCommands = 2, kBatches = 60;
  constexpr int kRounds = 12;
  std::size_t grown = 0;
  for (int round = 0; round < kRounds; ++round) {
    LedgerDir scratch;
    // Forked before this process opens the ledger (one LMDB environment per file per process).
    const pid_t opener = spawn([&] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (;;) {
        std::optional<Reader> r;
        try {
          r.emplace(scratch.ledger());
        } catch (const Error& e) {
          if (e.kind() != ErrorKind::kNotFound || std::chrono::steady_clock::now() > deadline) throw;
          continue;
        }
        if (r->summary().trades == kTrades * kBatches) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
      }
    });
    WriterOptions o = fast();
    o.initial_map_bytes = 32 * 1024;
    Writer w(scratch.ledger(), market, o);
    TradeGen gen{static_cast<std::uint64_t>(round) + 1};
    for (std::size_t b = 0; b < kBatches; ++b) w.commit(gen.next(kCommands, kTrades));
    grown += w.map_bytes() > o.initial_map_bytes;
    REQUIRE(exit_code(opener) == 0);
  }
  CHECK(grown == kRounds);
}

TEST_CASE("map full: a tiny map grows and nothing is lost, past the maximum the writer stops", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  WriterOptions o = fast();
  o.initial_map_bytes = 32 * 1024;
  TradeGen gen{31};
  std::size_t written = 0;
  {
    Writer w(scratch.ledger(), market, o);
    for (int b = 0; b < 100; ++b) {
      w.commit(gen.next(3, 50));
      written += 50;
    }
    CHECK(w.map_bytes() >= 1024 * 1024);
  }
  {
    const Reader r(scratch.ledger());
    CHECK(r.summary().trades == written);
    CHECK(verify(r).ok());
  }

  o.max_map_bytes = 16 * 1024 * 1024;
  Writer w(scratch.ledger(), market, o);
  const Meta before = w.meta();
  std::optional<Error> failure;
  for (int b = 0; b < 1000 && !failure; ++b) {
    try {
      w.commit(gen.next(3, 200));
    } catch (const Error& e) {
      failure = e;
    }
  }
  REQUIRE(failure);
  CHECK(failure->kind() == ErrorKind::kStorage);
  CHECK_THAT(failure->what(), Catch::Matchers::Contains("max_map_bytes"));
  CHECK(w.meta().trade_count > before.trade_count);
  try {
    w.commit(gen.next(1, 1));
    FAIL("a stopped writer committed");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kStopped);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("earlier failure"));
  }
  const Reader r = w.reader();
  CHECK(r.summary().trades == w.meta().trade_count);
  CHECK(verify(r).ok());
}

TEST_CASE("space: the file's blocks are allocated ahead of the pages in use, and kept so as it grows", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  WriterOptions o;  // kFull: the file's size is what LMDB wrote, not the map's
  o.reserve_bytes = 2 * 1024 * 1024;
  TradeGen gen{32};
  Writer w(scratch.ledger(), market, o);
  REQUIRE(w.reserve_note().empty());  // this filesystem allocates ahead
  const auto allocated = [&] {
    struct stat st {};
    REQUIRE(::stat(scratch.ledger().c_str(), &st) == 0);
    return std::pair<std::uint64_t, std::uint64_t>(static_cast<std::uint64_t>(st.st_blocks) * 512,
                                                   static_cast<std::uint64_t>(st.st_size));
  };
  CHECK(allocated().first >= o.reserve_bytes);
  for (int b = 0; b < 60; ++b) w.commit(gen.next(3, 200));
  const auto [blocks, size] = allocated();
  CHECK(size > 2 * o.reserve_bytes);  // grown past the first reserve
  CHECK(blocks >= size + o.reserve_bytes / 2);
  CHECK(w.space() == Space::kOk);
  CHECK(w.reserve_space() == Space::kOk);
}

TEST_CASE("one writer per ledger, in this process or another", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  const auto locked = [&](const std::string& holder) {
    try {
      Writer second(scratch.ledger(), market, fast());
      FAIL("a second writer opened the ledger");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kLocked);
      CHECK_THAT(e.what(), Catch::Matchers::Contains("already open for writing by process " + holder));
      CHECK_THAT(e.what(), Catch::Matchers::Contains(scratch.ledger() + "-writer"));
    }
  };
  {
    Writer first(scratch.ledger(), market, fast());
    locked(std::to_string(getpid()));
  }

  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t holder = spawn([&] {
    Writer w(scratch.ledger(), market, fast());
    const char go = 1;
    if (write(ready[1], &go, 1) != 1) return false;
    pause();
    return true;
  });
  char go = 0;
  REQUIRE(read(ready[0], &go, 1) == 1);
  locked(std::to_string(holder));
  kill(holder, SIGKILL);
  CHECK(exit_code(holder) == -SIGKILL);
  close(ready[0]);
  close(ready[1]);
  Writer after(scratch.ledger(), market, fast());  // the kernel released the dead holder's lock
  CHECK(after.meta().trade_count == 0);
}

TEST_CASE("paths: missing directory, unwritable directory, no ledger, not a ledger", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  const auto fails = [](auto open, ErrorKind kind, const std::string& words) {
    try {
      open();
      FAIL("opened");
    } catch (const Error& e) {
      CHECK(e.kind() == kind);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(words));
    }
  };
  const std::string missing = (scratch.dir() / "no-such-dir" / "ledger.mdb").string();
  fails([&] { Writer w(missing, market); }, ErrorKind::kNotFound, "does not exist");
  fails([&] { Reader r(scratch.ledger()); }, ErrorKind::kNotFound, scratch.ledger());
  std::ofstream(scratch.dir() / "notes.txt") << std::string(8192, 'x');
  fails([&] { Reader r((scratch.dir() / "notes.txt").string()); }, ErrorKind::kIncompatible, "not an LMDB");

  const fs::path locked_dir = scratch.dir() / "read-only";
  fs::create_directory(locked_dir);
  fs::permissions(locked_dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(scratch.dir(), fs::perms::owner_all | fs::perms::others_exec);
  const std::string path = (locked_dir / "ledger.mdb").string();
  const auto try_unwritable = [&] {
    try {
      Writer w(path, market);
    } catch (const Error& e) {
      return e.kind() == ErrorKind::kPermission &&
             std::string(e.what()).find("may not access it") != std::string::npos &&
             std::string(e.what()).find(path) != std::string::npos;
    }
    return false;
  };
  if (geteuid() != 0) {
    CHECK(try_unwritable());
  } else {
    // Root writes anywhere: try it as nobody, in a child process.
    const pid_t child = spawn([&] { return setgid(65534) == 0 && setuid(65534) == 0 && try_unwritable(); });
    CHECK(exit_code(child) == 0);
  }
}

TEST_CASE("reopen: the registry must match its registration, entries the market added wait for a registration", "[ledger]") {
  LedgerDir scratch;
  Market market = test_market();
  { Writer w(scratch.ledger(), market, fast()); }

  Market renamed = market;
  renamed.facilities[3].id = "FAC-RENAMED";
  try {
    Writer w(scratch.ledger(), renamed, fast());
    FAIL("opened with a renamed facility");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("facility 3 is 'FAC-3' in the ledger but 'FAC-RENAMED'"));
  }
  Market elsewhere = market;
  elsewhere.facilities.push_back(market.facilities[0]);
  elsewhere.facilities.back().id = "FAC-ELSEWHERE";
  elsewhere.facilities.back().region = 999999;
  try {
    Writer w(scratch.ledger(), elsewhere, fast());
    FAIL("opened with a facility in an unknown region");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("facility FAC-ELSEWHERE is in region 999999"));
  }
  Market shorter = market;
  shorter.projects.pop_back();
  CHECK_THROWS_AS(Writer(scratch.ledger(), shorter, fast()), Error);
  Market long_id = market;
  long_id.facilities.push_back(long_id.facilities[0]);
  long_id.facilities.back().id = std::string(kIdBytes + 1, 'F');
  try {
    Writer w(scratch.ledger(), long_id, fast());
    FAIL("opened with an id too long to store");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("longer than 48 bytes"));
  }

  // The ledger is the registry's truth: a changed field of a registered entry is refused, by name.
  Market amended = market;
  amended.facilities[2].capacity += 1;
  try {
    Writer w(scratch.ledger(), amended, fast());
    FAIL("opened with a facility whose capacity changed in the configuration");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("facility FAC-2 differs from its registration (registered capacity=" +
                                                   std::to_string(market.facilities[2].capacity) +
                                                   ", configured capacity=" +
                                                   std::to_string(market.facilities[2].capacity + 1) + ")"));
  }
  Market seized = market;
  seized.projects[1].status = crix::engine::ProjectStatus::kCanceled;
  CHECK_THROWS_WITH(Writer(scratch.ledger(), seized, fast()),
                    Catch::Matchers::Contains("registered status=0, configured status=3"));

  Market grown = market;
  grown.facilities.push_back(market.facilities[0]);
  grown.facilities.back().id = "FAC-NEW";
  Writer w(scratch.ledger(), grown, fast());
  CHECK(w.registered_facilities() == 8);  // waits for its registration command
  CHECK(w.reader().facilities().size() == 8);
  Command reg;
  reg.type = crix::engine::CommandType::kRegister;
  reg.side = crix::engine::Side::kSell;
  reg.seq = Seq(w.meta().last_seq.v + 1);
  reg.account = crix::engine::AccountId(8);
  Batch wrong;
  wrong.add(reg);
  wrong.register_entry(Registration{true, 9, reg.seq});
  CHECK_THROWS_WITH(w.commit(wrong), Catch::Matchers::Contains("the next to register is #8 of 9 configured"));
  Batch batch;
  batch.add(reg);
  batch.register_entry(Registration{true, 8, reg.seq});
  w.commit(batch);
  const auto facilities = w.reader().facilities();
  REQUIRE(facilities.size() == 9);
  CHECK(facilities[8].id == "FAC-NEW");
  CHECK(facilities[8].capacity.v == kLarge);
  CHECK(w.reader().registered_at_creation().facilities == 8u);
  CHECK(verify(w.reader()).ok());
}

TEST_CASE("writer: client orders commit with their batch, the last state wins, and survive reopen", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  {
    Writer w(scratch.ledger(), market, fast());
    Batch first;
    first.keep({7, "seven"});
    first.keep({3, "three"});
    first.keep({7, "seven, replaced"});
    Batch second;
    second.keep({3, ""});  // forgotten
    second.keep({9, "nine"});
    second.keep({11, ""});  // forgetting an order never kept is no error
    Batch group;
    group.append(first);
    group.append(second);
    CHECK_FALSE(group.empty());
    w.commit(group);
    const auto kept = w.client_orders();
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].order == 7);
    CHECK(kept[0].state == "seven, replaced");
    CHECK(kept[1].order == 9);
  }
  Writer again(scratch.ledger(), market, fast());
  const auto kept = again.client_orders();
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].state == "nine");
}

namespace {

// Writes (or, with value nullopt, deletes) meta's `key` through a raw LMDB write.
void set_meta_text(const std::string& path, std::string_view key, std::optional<std::string_view> value) {
  raw_write(path, "meta", [&](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    if (value) {
      MDB_val v{value->size(), const_cast<char*>(value->data())};
      REQUIRE(mdb_put(txn, meta, &k, &v, 0) == 0);
    } else {
      REQUIRE(mdb_del(txn, meta, &k, nullptr) == 0);
    }
  });
}

}  // namespace

TEST_CASE("writer: the first writer of this build records the seq from which GTD orders expire at the command",
          "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  TradeGen gen{3};
  {
    Writer w(scratch.ledger(), market, fast());
    w.commit(gen.next(5, 2));
  }
  // A ledger this build made: every command ran under the rule, and reopening moves nothing.
  CHECK(Reader(scratch.ledger()).expiry_at_command_from() == Seq(1));
  {
    Writer w(scratch.ledger(), market, fast());
    w.commit(gen.next(4, 1));
  }
  CHECK(Reader(scratch.ledger()).expiry_at_command_from() == Seq(1));

  // An older build's ledger has no record: its whole journal ran under the clock's expiry, and the
  // first writer of this build to open it records its next seq, which later writers keep.
  set_meta_text(scratch.ledger(), kExpiryAtCommandKey, std::nullopt);
  const std::uint64_t last = Reader(scratch.ledger()).meta().last_seq.v;
  REQUIRE(last == 9);
  CHECK(Reader(scratch.ledger()).expiry_at_command_from() == Seq(last + 1));
  {
    Writer w(scratch.ledger(), market, fast());
    w.commit(gen.next(3, 1));
  }
  {
    Writer w(scratch.ledger(), market, fast());
    w.commit(gen.next(2, 0));
  }
  const Reader r(scratch.ledger());
  CHECK(r.meta().last_seq.v == last + 5);
  CHECK(r.expiry_at_command_from() == Seq(last + 1));

  // A damaged record is named, not read as another seq.
  set_meta_text(scratch.ledger(), kExpiryAtCommandKey, "ten");
  try {
    (void)Reader(scratch.ledger()).expiry_at_command_from();
    FAIL("a damaged expiry-at-command record was read");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kCorrupt);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("meta 'expiry-at-command' holds 'ten', not a seq"));
  }
}

TEST_CASE("writer: operator actions commit with their command, once per journaled seq, and page by seq",
          "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  const auto action = [](std::uint64_t seq, const std::string& who) {
    OperatorAction a;
    a.seq = crix::engine::Seq(seq);
    a.ts = crix::engine::Timestamp(1'000 + static_cast<std::int64_t>(seq));
    a.operator_name = who;
    a.command = "halt";
    a.arguments = "symbol=X reason=\"one: two\n3\"";
    a.result = "ok";
    return a;
  };
  const auto command = [](std::uint64_t seq) {
    crix::engine::Command c;
    c.type = crix::engine::CommandType::kHalt;
    c.seq = crix::engine::Seq(seq);
    c.ts = crix::engine::Timestamp(1'000 + static_cast<std::int64_t>(seq));
    return c;
  };
  {
    Writer w(scratch.ledger(), market, fast());
    Batch b;
    b.add(command(1));
    b.add(command(2));
    b.act(action(1, "ops"));
    b.act(action(2, ""));
    w.commit(b);
    Batch ahead;  // seq 3 is not journaled
    ahead.act(action(3, "ops"));
    CHECK_THROWS_AS(w.commit(ahead), Error);
    Batch again;  // seq 1 has its action
    again.act(action(1, "someone else"));
    try {
      w.commit(again);
      FAIL("an operator action was recorded twice");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidBatch);
      CHECK_THAT(e.what(), Catch::Matchers::Contains("recorded already"));
    }
    CHECK(w.meta().last_seq.v == 2);
  }
  const Reader r(scratch.ledger());
  const auto all = r.operator_actions();
  REQUIRE(all.size() == 2);
  CHECK(all[0] == action(1, "ops"));
  CHECK(all[1] == action(2, ""));
  const auto page = r.operator_actions(Page{crix::engine::TradeId(1), 10});
  REQUIRE(page.size() == 1);
  CHECK(page[0].seq.v == 2);
  CHECK(r.operator_actions(Page{crix::engine::TradeId(0), 1}).size() == 1);
  CHECK(r.count_operator_actions(crix::engine::Seq(0)) == 2);
  CHECK(r.count_operator_actions(crix::engine::Seq(2)) == 0);
  CHECK(verify(r).ok());
}

TEST_CASE("ledger: a schema-4 ledger is refused by readers and upgraded by the writer with an empty audit trail",
          "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  { Writer w(scratch.ledger(), market, fast()); }
  // Make it what a schema-4 build left: no operator_actions table, schema 4 in the meta record.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 32) == 0);
    REQUIRE(mdb_env_open(env, scratch.ledger().c_str(), MDB_NOSUBDIR, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi actions, meta;
    REQUIRE(mdb_dbi_open(txn, "operator_actions", 0, &actions) == 0);
    REQUIRE(mdb_drop(txn, actions, 1) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    MDB_val k{4, const_cast<char*>("meta")}, v;
    REQUIRE(mdb_get(txn, meta, &k, &v) == 0);
    MetaRecord record;
    REQUIRE(v.mv_size == sizeof record);
    std::memcpy(&record, v.mv_data, sizeof record);
    record.schema.set(4);
    MDB_val nv{sizeof record, &record};
    REQUIRE(mdb_put(txn, meta, &k, &nv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  try {
    Reader r(scratch.ledger());
    FAIL("a reader opened a schema-4 ledger");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("open it for writing once"));
  }
  { Writer w(scratch.ledger(), market, fast()); }
  const Reader r(scratch.ledger());
  CHECK(r.meta().schema == kSchemaVersion);
  CHECK(r.operator_actions().empty());
  CHECK(verify(r).ok());
}

TEST_CASE("ledger: a schema-2 ledger is refused by readers and upgraded by the writer", "[ledger]") {
  LedgerDir scratch;
  const Market market = test_market();
  { Writer w(scratch.ledger(), market, fast()); }
  // Make it what a schema-2 build left: no client_orders table, schema 2 in the meta record.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 32) == 0);
    REQUIRE(mdb_env_open(env, scratch.ledger().c_str(), MDB_NOSUBDIR, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi orders, meta;
    REQUIRE(mdb_dbi_open(txn, "client_orders", 0, &orders) == 0);
    REQUIRE(mdb_drop(txn, orders, 1) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    MDB_val k{4, const_cast<char*>("meta")}, v;
    REQUIRE(mdb_get(txn, meta, &k, &v) == 0);
    MetaRecord record;
    REQUIRE(v.mv_size == sizeof record);
    std::memcpy(&record, v.mv_data, sizeof record);
    record.schema.set(2);
    MDB_val nv{sizeof record, &record};
    REQUIRE(mdb_put(txn, meta, &k, &nv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  try {
    Reader r(scratch.ledger());
    FAIL("a reader opened a schema-2 ledger");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("open it for writing once"));
  }
  {
    Writer w(scratch.ledger(), market, fast());
    CHECK(w.meta().schema == kSchemaVersion);
    CHECK(w.client_orders().empty());
  }
  Reader r(scratch.ledger());
  CHECK(r.meta().schema == kSchemaVersion);
}

TEST_CASE("ledger: a schema-3 ledger is upgraded to 4: facts as registered and amended, notice fields, dismantling",
          "[ledger]") {
  using crix::engine::FacilityField;
  LedgerDir scratch;
  Market market = test_market();
  market.facilities[1].facts.subsidised = true;
  market.projects[0].site = "Binhai New Area";
  market.projects[0].production_start = crix::engine::Date{2027, 6, 30};
  TradeGen gen{7};
  const auto amend = [&](Batch& b, std::uint32_t facility, FacilityField field, std::int64_t value, bool accepted) {
    Command c;
    c.type = crix::engine::CommandType::kAmendFacility;
    c.seq = Seq(gen.next_seq++);
    c.ts = Timestamp(kT0 + 100 * kStep);
    c.account = crix::engine::AccountId(facility);
    c.id = crix::engine::OrderId(static_cast<std::uint64_t>(field));
    c.qty = Qty(value);
    b.add(c);
    if (accepted) b.amend(Amendment{true, facility, static_cast<std::uint8_t>(field), value, c.seq});
  };
  {
    Writer w(scratch.ledger(), market, fast());
    w.commit(gen.next(3, 10));
    Batch b;
    amend(b, 2, FacilityField::kCourtSeized, 1, true);
    amend(b, 3, FacilityField::kCourtSeized, 5, false);  // not a bool: the exchange refused it
    amend(b, 2, FacilityField::kIdleYears, 4, true);
    w.commit(b);
  }
  // Schema 4 records the amendments as they are committed.
  const auto check_registry = [&](const Reader& r) {
    const auto f = r.facilities();
    CHECK(f[1].facts.subsidised);
    CHECK(f[2].facts.court_seized);
    CHECK(f[2].facts.idle_years == 4);
    CHECK_FALSE(f[3].facts.court_seized);
    CHECK(f[0].facts.on_inventory);
    const auto p = r.projects();
    CHECK(p[0].site == "Binhai New Area");
    CHECK(p[0].production_start == to_day({2027, 6, 30}));
    CHECK_FALSE(p[1].production_start.has_value());
  };
  std::vector<EliminationItem> before;
  {
    const Reader r(scratch.ledger());
    check_registry(r);
    before = r.elimination_list();
    REQUIRE(before.size() == 10);
    for (const EliminationItem& e : before) {
      const Day from = e.entry.project.v == 0 ? to_day({2027, 6, 30}) : e.entry.retired;
      CHECK(e.entry.dismantle_from == from);
      CHECK(e.entry.dismantle_by.v == from.v + 365);
    }
  }
  // Make it what a schema-3 build left: the older layouts (each a prefix of the new), schema 3.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 32) == 0);
    REQUIRE(mdb_env_open(env, scratch.ledger().c_str(), MDB_NOSUBDIR, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    const auto downgrade = [&](const char* name, std::size_t bytes, std::uint8_t version) {
      MDB_dbi dbi;
      REQUIRE(mdb_dbi_open(txn, name, 0, &dbi) == 0);
      MDB_cursor* cur = nullptr;
      REQUIRE(mdb_cursor_open(txn, dbi, &cur) == 0);
      std::vector<std::pair<std::string, std::string>> rows;
      MDB_val k, v;
      for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        std::string value(static_cast<const char*>(v.mv_data), bytes);
        value[0] = static_cast<char>(version);
        rows.emplace_back(std::string(static_cast<const char*>(k.mv_data), k.mv_size), value);
      }
      mdb_cursor_close(cur);
      for (auto& [key, value] : rows) {
        MDB_val kk{key.size(), key.data()}, vv{value.size(), value.data()};
        REQUIRE(mdb_put(txn, dbi, &kk, &vv, 0) == 0);
      }
    };
    downgrade("facilities", kFacilityRecordV2Bytes, 2);
    downgrade("projects", kProjectRecordV2Bytes, 2);
    downgrade("elimination", kEliminationRecordV1Bytes, 1);
    MDB_dbi meta;
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    MDB_val k{4, const_cast<char*>("meta")}, v;
    REQUIRE(mdb_get(txn, meta, &k, &v) == 0);
    MetaRecord record;
    std::memcpy(&record, v.mv_data, sizeof record);
    record.schema.set(3);
    MDB_val nv{sizeof record, &record};
    REQUIRE(mdb_put(txn, meta, &k, &nv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  try {
    Reader r(scratch.ledger());
    FAIL("a reader opened a schema-3 ledger");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("open it for writing once"));
  }
  { Writer w(scratch.ledger(), market, fast()); }
  const Reader r(scratch.ledger());
  CHECK(r.meta().schema == kSchemaVersion);
  // The facts come back from the configuration and the journal's accepted amendments.
  check_registry(r);
  // Published entries keep their dismantle_by; they were published under the trade's date.
  const auto after = r.elimination_list();
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].entry.dismantle_from == after[i].entry.retired);
    CHECK(after[i].entry.dismantle_by == before[i].entry.dismantle_by);
  }
  CHECK(verify(r).ok());
}
