// The exchange and the ledger together, on real LMDB files: a simulated trading day of the sample
// market is recorded; recovery replays the journal through a fresh exchange and finds the same trades
// and the same state; `crix verify` and every `crix ledger` query work on the file, as a real `crix`
// process, and bad arguments are named.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "engine/money.hpp"
#include "ledger/reader.hpp"
#include "ledger/records.hpp"
#include "ledger/settlement.hpp"
#include "ledger/verify.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/scale.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tools/simulate.hpp"

namespace {

crix::engine::Market sample() {
  crix::config::LoadResult r = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(r.market.has_value());
  return *r.market;
}

// `crix ARGS`, or `binary ARGS` (the crix binary run another way, e.g. as another user), words
// separated by spaces, captured.
crix::test::RunResult run(const std::string& args, const std::string& binary = CRIX_BIN) {
  std::vector<std::string> argv;
  std::istringstream command(binary);
  for (std::string word; command >> word;) argv.push_back(word);
  std::istringstream words(args);
  for (std::string word; words >> word;) argv.push_back(word);
  return crix::test::run(argv);
}

}  // namespace

TEST_CASE("a recorded day replays to the same trades and the same exchange state", "[ledger][exchange]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const crix::engine::Market market = sample();
  crix::tools::SimulateOptions options;
  options.commands = 30'000;
  options.ledger = dir.file("day.ledger");
  options.batch = 500;
  std::ostringstream report;
  const crix::tools::SimulateSummary day = crix::tools::simulate(market, options, report);
  REQUIRE(day.fills > 100);
  CHECK(day.commits == (30'000 + 1 + 499) / 500);

  const crix::ledger::Reader reader(*options.ledger);
  CHECK(reader.meta().last_seq.v == 30'001);
  CHECK(reader.meta().trade_count == day.fills);
  CHECK(crix::ledger::verify(reader).ok());

  crix::engine::Exchange again(market);
  const crix::ledger::RecoveryReport recovered = crix::ledger::recover(reader, again);
  INFO(recovered.mismatch.value_or(""));
  REQUIRE(recovered.ok());
  CHECK(recovered.commands == 30'001);
  CHECK(recovered.trades == day.fills);
  CHECK(again.state_hash() == day.state_hash);

  // Every project's credited capacity on the ledger is the exchange's.
  for (std::uint32_t p = 0; p < market.projects.size(); ++p) {
    const auto progress = reader.project_progress(crix::ledger::ProjectIndex(p));
    REQUIRE(progress.has_value());
    CHECK(progress->project.credited.v == again.project_credited(p));
  }
}

TEST_CASE("recovery stops loudly when the replay does not match the ledger", "[ledger][exchange]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  crix::engine::Market market = sample();
  crix::tools::SimulateOptions options;
  options.commands = 20'000;
  options.ledger = dir.file("day.ledger");
  std::ostringstream report;
  crix::tools::simulate(market, options, report);
  // The same journal under other rules: a different ratio for Tibet's clinker projects.
  std::vector<crix::engine::RatioRule> rules = market.ratios.rules();
  for (auto& r : rules) {
    if (r.name.find("Tibet") != std::string::npos) r.ratio_permille = 1100;
  }
  market.ratios = crix::engine::RatioTable(std::move(rules));
  crix::engine::Exchange other(market);
  const crix::ledger::RecoveryReport recovered = crix::ledger::recover(crix::ledger::Reader(*options.ledger), other);
  REQUIRE_FALSE(recovered.ok());
  CHECK(recovered.mismatch->find("differs on replay") != std::string::npos);
}

TEST_CASE("crix verify and crix ledger answer on a recorded day, and name bad arguments", "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  auto r = run("simulate --commands 20000 --ledger " + ledger);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("ledger " + ledger + ": 20001 commands and ") != std::string::npos);

  r = run("verify " + ledger);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(": sound: ") != std::string::npos);

  r = run("ledger summary " + ledger + " --json");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"key\": \"journaled commands\", \"value\": 20001") != std::string::npos);

  r = run("ledger trades " + ledger + " --limit 2 --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("trade,kind,time,instrument,seller,facility,buyer,project,price_yuan,qty_t,ratio,credited_t,seq,hash\r\n",
                    0) == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);

  r = run("ledger trades " + ledger + " --facility XZ-CL-1000");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("XZ-CL-1000") != std::string::npos);

  r = run("ledger facility " + ledger + " XZ-CL-1000 --limit 2 --json");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"trades\": [") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '{') == 1 + 1 + 2 + 2);  // object, state, 2 trades, 2 entries
  r = run("ledger project " + ledger + " XZ-NEW-CL-2500");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("remaining_t") != std::string::npos);

  r = run("ledger elimination " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("region,province,enterprise,enterprise_id,facility,equipment,inventory_ref,capacity_retired_t,"
                    "trade,buyer_project,filing_ref,retired,publicity_end,dismantle_from,dismantle_by,status,"
                    "status_since,project_enterprise,project_site,project_equipment,project_capacity_t,"
                    "construction_start,production_start\r\n",
                    0) == 0);
  // The public fields come from the registry the ledger was seeded with.
  CHECK(r.out.find("\"Lhasa, Tibet\",Tibet,\"Lhasa Gaoyuan Cement Co., Ltd.\",XZ-LHASA-CEMENT,XZ-CL-1000,1000 t/d "
                   "clinker line,Tibet compliant clinker lines 2024 #2,") != std::string::npos);

  r = run("ledger regions " + ledger);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Tianjin") != std::string::npos);

  r = run("ledger daily " + ledger + " --instrument STEEL-IRON");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("2026-12-01  STEEL-IRON") != std::string::npos);

  // Bad arguments: named, with the valid ones listed, exit 2.
  r = run("ledger trades " + ledger + " --facility NO-SUCH-FURNACE");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("crix ledger trades: --facility: \"NO-SUCH-FURNACE\" is no facility of this ledger; valid: TJ-BF-410") ==
        0);
  CHECK(r.err.ends_with("; run 'crix ledger trades --help'\n"));
  r = run("ledger trades " + ledger + " --colour red");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "crix ledger trades: unknown option '--colour'; run 'crix ledger trades --help'\n");
  r = run("ledger frobnicate " + ledger);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("crix ledger: unknown command 'frobnicate'; valid: summary, trades, facility, project, elimination, "
                   "regions, daily") == 0);
  r = run("ledger daily " + ledger + " --from 2026-13-01");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from: \"2026-13-01\" is not a local time") != std::string::npos);
  r = run("ledger trades " + ledger + " --from 2026-02-31");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from: \"2026-02-31\" is not a date of the calendar") != std::string::npos);
  // Past April 2262 the nanoseconds would overflow (the console's fuzzer found the same in its dates).
  r = run("ledger trades " + ledger + " --from 2620-12-01");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from: \"2620-12-01\" is outside the years 1970 to 2261") != std::string::npos);
  r = run("ledger trades " + ledger + " --from 2026-12-01T-1:30");
  CHECK(r.exit_code == 2);
  // --to is inclusive: the whole simulated day is in [2026-12-01, 2026-12-01].
  r = run("ledger trades " + ledger + " --from 2026-12-01 --to 2026-12-01 --limit 1 --csv");
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
  // To the second, as the console's auction times are written: the same rows as to the minute.
  const auto rows = [&](const std::string& range) {
    const crix::test::RunResult t = run("ledger trades " + ledger + range + " --csv");
    CHECK(t.exit_code == 0);
    return t.out;
  };
  const std::string to_the_second = rows(" --from 2026-12-01T09:31:00 --to 2026-12-01T09:59:59");
  CHECK(to_the_second == rows(" --from 2026-12-01T09:31 --to 2026-12-01T09:59"));
  CHECK(std::count(to_the_second.begin(), to_the_second.end(), '\n') > 1);
  CHECK(to_the_second != rows(" --from 2026-12-01T09:31:00 --to 2026-12-01T09:31:00"));
  r = run("ledger trades " + ledger + " --from 2026-12-01T09:31:60");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from: \"2026-12-01T09:31:60\" is not a local time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
                   "YYYY-MM-DDTHH:MM:SS") != std::string::npos);
  r = run("ledger summary " + dir.file("missing.ledger"));
  CHECK(r.exit_code == 1);
  // A day cannot be simulated into a ledger that already holds one.
  r = run("simulate --commands 100 --ledger " + ledger);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("simulate a day into a new ledger") != std::string::npos);
}

TEST_CASE("operator commands are journaled: registration, revocation and amendments replay to the same state",
          "[ledger][exchange]") {
  using crix::engine::Command;
  using crix::engine::CommandType;
  using crix::engine::EventType;
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const crix::engine::Market full = sample();
  crix::engine::Market created = full;  // the ledger is created before the last facility is configured
  created.facilities.pop_back();
  crix::tools::SimulateOptions options;
  options.commands = 20'000;
  options.ledger = dir.file("day.ledger");
  std::ostringstream report;
  const crix::tools::SimulateSummary day = crix::tools::simulate(created, options, report);
  REQUIRE(day.fills > 10);

  const auto has = [](const std::vector<crix::engine::Event>& ev, EventType type) {
    return std::any_of(ev.begin(), ev.end(), [&](const crix::engine::Event& e) { return e.type == type; });
  };
  std::uint64_t hash = 0;
  const crix::engine::Timestamp later = crix::engine::local_time({2026, 12, 2}, 10, 0, 480);
  const std::uint32_t last = static_cast<std::uint32_t>(full.facilities.size() - 1);
  {
    crix::ledger::OpenLedger ledger = crix::ledger::open_ledger(*options.ledger, full);
    CHECK(ledger.recovery.trades == day.fills);
    CHECK(ledger.exchange->registered_facilities() == full.facilities.size() - 1);
    CHECK(ledger.writer->registered_facilities() == full.facilities.size() - 1);

    Command reg;
    reg.type = CommandType::kRegister;
    reg.side = crix::engine::Side::kSell;
    reg.account = crix::engine::AccountId(last);
    CHECK(has(crix::ledger::apply_and_commit(ledger, reg, later), EventType::kRegistered));
    CHECK(ledger.writer->registered_facilities() == full.facilities.size());

    const crix::ledger::Trade first = *ledger.writer->reader().trade(crix::engine::TradeId(1));
    const std::int64_t sold_before = ledger.exchange->facility_sold(first.facility.v);
    Command revoke;
    revoke.type = CommandType::kRevoke;
    revoke.id = crix::engine::OrderId(1);
    CHECK(has(crix::ledger::apply_and_commit(ledger, revoke, later), EventType::kRevoked));
    CHECK(ledger.exchange->facility_sold(first.facility.v) == sold_before - first.qty.v);

    Command seize;
    seize.type = CommandType::kAmendFacility;
    seize.side = crix::engine::Side::kSell;
    seize.account = crix::engine::AccountId(first.facility.v);
    seize.id = crix::engine::OrderId(static_cast<std::uint64_t>(crix::engine::FacilityField::kCourtSeized));
    seize.qty = crix::engine::Qty(1);
    CHECK(has(crix::ledger::apply_and_commit(ledger, seize, later), EventType::kRegistryChanged));
    Command need;
    need.type = CommandType::kAmendProject;
    need.account = crix::engine::AccountId(first.project.v);
    need.id = crix::engine::OrderId(static_cast<std::uint64_t>(crix::engine::ProjectField::kNeed));
    need.qty = crix::engine::Qty(full.projects[first.project.v].new_capacity + 1000);
    CHECK(has(crix::ledger::apply_and_commit(ledger, need, later), EventType::kRegistryChanged));
    hash = ledger.exchange->state_hash();

    const crix::ledger::Reader reader = ledger.writer->reader();
    CHECK(reader.meta().revocations == 1);
    CHECK(reader.project_progress(first.project)->project.need.v == need.qty.v);
    CHECK(reader.facilities().size() == full.facilities.size());
    CHECK(crix::ledger::verify(reader).ok());
  }
  // A restart replays all of it: same state, same trades, the revocation included.
  {
    crix::ledger::OpenLedger again = crix::ledger::open_ledger(*options.ledger, full);
    CHECK(again.recovery.trades == day.fills + 1);
    CHECK(again.exchange->state_hash() == hash);
    CHECK(again.exchange->registered_facilities() == full.facilities.size());
  }
  // The configuration may not change a registered entry behind the ledger's back.
  crix::engine::Market edited = full;
  edited.facilities[0].facts.court_seized = !edited.facilities[0].facts.court_seized;
  try {
    crix::ledger::open_ledger(*options.ledger, edited);
    FAIL("opened with an edited registry");
  } catch (const crix::ledger::Error& e) {
    CHECK(e.kind() == crix::ledger::ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("facility " + full.facilities[0].id +
                                                   " differs from its registration (registered court_seized=0, "
                                                   "configured court_seized=1)"));
  }

  // The same commands as a person gives them, through `crix operator`.
  const auto twice = run("operator " + *options.ledger + " revoke 1");
  CHECK(twice.exit_code == 1);
  CHECK(twice.err == "crix operator: refused: trade 1 may not be revoked: it is already revoked\n");
  const auto amend = run("operator " + *options.ledger + " amend facility " + full.facilities[0].id + " idle_years 1");
  CHECK(amend.exit_code == 0);
  CHECK_THAT(amend.out, Catch::Matchers::Contains(": idle_years " +
                                                  std::to_string(full.facilities[0].facts.idle_years) + " -> 1"));
  const auto bad = run("operator " + *options.ledger + " amend facility " + full.facilities[0].id + " idle_years x");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "crix operator amend: idle_years: \"x\" is not a whole number from 0 to 1000; "
                   "run 'crix operator amend --help'\n");
  const auto status = run("operator " + *options.ledger + " status 2 revoked");
  CHECK(status.exit_code == 2);
  CHECK_THAT(status.err, Catch::Matchers::Contains("is none of confirmed, shut, dismantled"));
  CHECK(run("verify " + *options.ledger).exit_code == 0);
}

namespace {

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
std::size_t occurrences(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// A recorded day of more than 1,000 trades (the text page), simulated by the real crix (the book only:
// block trades take capacity in lots of 100,000 t and leave fewer, larger trades).
std::string long_day(const crix::test::ScratchDir& dir, std::uint64_t& trades) {
  const std::string ledger = dir.file("day.ledger");
  const crix::test::RunResult r = run("simulate --seed 1 --commands 60000 --blocks 0 --ledger " + ledger);
  REQUIRE(r.exit_code == 0);
  trades = crix::ledger::Reader(ledger).meta().trade_count;
  REQUIRE(trades > 1000);
  return ledger;
}

}  // namespace

TEST_CASE("crix ledger exports whole lists and says on stderr when a page is cut", "[ledger][process]") {
  const crix::test::ScratchDir dir;
  std::uint64_t n = 0;
  const std::string ledger = long_day(dir, n);
  const std::string more = std::to_string(n - 1000) + " more: add --after 1000 for the next page";

  // Text: one page of 1,000, and the rest named.
  crix::test::RunResult r = run("ledger trades " + ledger);
  CHECK(r.exit_code == 0);
  CHECK(lines(r.out) == 1 + 1000);
  CHECK(r.err == "crix ledger trades: showing 1000 rows; " + more + ", or --csv or --json without --limit for all\n");
  // CSV and JSON: everything, streamed a page at a time, nothing on stderr.
  r = run("ledger trades " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(lines(r.out) == 1 + n);
  CHECK(r.err.empty());
  r = run("ledger trades " + ledger + " --json");
  CHECK(r.exit_code == 0);
  CHECK(occurrences(r.out, "{\"trade\": ") == n);
  CHECK(r.out.find("\"trade\": " + std::to_string(n) + ",") != std::string::npos);
  CHECK(r.out.substr(r.out.size() - 3) == "\n]\n");
  CHECK(r.err.empty());
  // An explicit page is cut there, in any format, and says so.
  r = run("ledger trades " + ledger + " --after 1000 --limit 10 --csv");
  CHECK(lines(r.out) == 1 + std::min<std::uint64_t>(10, n - 1000));
  CHECK(r.out.find("\r\n1001,") != std::string::npos);
  if (n > 1010) CHECK(r.err.find(std::to_string(n - 1010) + " more: add --after 1010") != std::string::npos);
  // A cut listing by index counts what the index holds after the page.
  r = run("ledger trades " + ledger + " --industry steel --csv");
  const std::size_t steel = lines(r.out) - 1;
  REQUIRE(steel > 5);
  r = run("ledger trades " + ledger + " --industry steel --limit 5");
  CHECK(lines(r.out) == 1 + 5);
  CHECK(r.err.find("showing 5 rows; " + std::to_string(steel - 5) + " more") != std::string::npos);
  r = run("ledger trades " + ledger + " --from 2026-12-01 --to 2026-12-01 --limit 7");
  CHECK(r.err.find("showing 7 rows; " + std::to_string(n - 7) + " more: add --after 7") != std::string::npos);

  // The elimination list: the same paging, and --after/--limit.
  r = run("ledger elimination " + ledger);
  CHECK(r.exit_code == 0);
  CHECK(lines(r.out) == 1 + 1000);
  CHECK(r.err.find("crix ledger elimination: showing 1000 rows; " + more) == 0);
  r = run("ledger elimination " + ledger + " --csv");
  CHECK(lines(r.out) == 1 + n);
  CHECK(r.err.empty());
  r = run("ledger elimination " + ledger + " --after 5 --limit 2 --json");
  CHECK(r.exit_code == 0);
  CHECK(occurrences(r.out, "\"trade\": 6,") == 1);
  CHECK(occurrences(r.out, "\"trade\": 7,") == 1);
  CHECK(occurrences(r.out, "\"region\": ") == 2);
  CHECK(r.err.find("showing 2 rows; " + std::to_string(n - 7) + " more: add --after 7") != std::string::npos);
}

TEST_CASE("crix ledger prints times with their zone, JSON without a value as null, and provinces rolled up",
          "[ledger][process]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 5000 --ledger " + ledger).exit_code == 0);
  // Times are the exchange's local time and say so.
  crix::test::RunResult r = run("ledger trades " + ledger + " --limit 1 --csv");
  CHECK(r.out.find(",2026-12-01 09:") != std::string::npos);
  CHECK(r.out.find("+08:00,") != std::string::npos);
  r = run("ledger elimination " + ledger + " --limit 1 --csv");
  CHECK(r.out.find(",publicised,2026-12-01 09:") != std::string::npos);
  CHECK(r.out.find("+08:00,") != std::string::npos);

  // No cap: null, not ""; numbers bare.
  r = run("ledger regions " + ledger + " --json");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"\"") == std::string::npos);
  CHECK(r.out.find("{\"region\": \"Tangshan, Hebei\", \"code\": 130200, \"province_code\": 130000, \"industry\": "
                   "\"steel\", \"configured_t\": 130000000, ") != std::string::npos);
  CHECK(r.out.find("\"cap_t\": null, \"room_t\": null}") != std::string::npos);
  // Caps and targets are provincial: the roll-up sums a province's regions, with the cap of its own entry.
  CHECK(r.out.find("\"provinces\": [") != std::string::npos);
  CHECK(r.out.find("{\"province\": \"Hebei\", \"code\": 130000, \"industry\": \"steel\", \"regions\": 1, "
                   "\"configured_t\": 130000000, ") != std::string::npos);
  CHECK(r.out.find("{\"province\": \"Tianjin\", \"code\": 120000, \"industry\": \"steel\", \"regions\": 1, "
                   "\"configured_t\": 19200000, ") != std::string::npos);
  CHECK(r.out.find("\"cap_t\": 20000000, \"room_t\": ") != std::string::npos);
  r = run("ledger regions " + ledger);
  CHECK(r.out.find("\nprovinces:\nprovince  code ") != std::string::npos);

  // A second prefecture of Sichuan with clinker: the province's clinker is both regions' sum.
  crix::engine::Market market = sample();
  crix::engine::Region luzhou;
  luzhou.ref.code = 510500;
  luzhou.name = "Luzhou, Sichuan";
  luzhou.capacity[static_cast<std::size_t>(crix::engine::Industry::kCement)] = 3'000'000;
  market.regions.push_back(luzhou);
  { const crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market); }
  std::int64_t chengdu = 0;
  for (const auto& c : crix::ledger::Reader(ledger).region_capacity()) {
    if (c.code == 510100 && c.industry == crix::engine::Industry::kCement) chengdu = c.capacity;
  }
  REQUIRE(chengdu > 0);
  r = run("ledger regions " + ledger + " --csv");
  CHECK(r.out.find("\r\nSichuan,510000,cement clinker,2,15000000," + std::to_string(chengdu + 3'000'000) + ",,\r\n") !=
        std::string::npos);
}

TEST_CASE("crix ledger report gives each instrument's day against its previous close, and totals",
          "[ledger][process]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 5000 --blocks 0 --ledger " + ledger).exit_code == 0);  // the listed day
  const crix::engine::Market market = sample();
  // A second day: one trade of the first day's last pair, at the first day's close (the reference).
  const crix::ledger::Trade last = *crix::ledger::Reader(ledger).trade(
      crix::engine::TradeId(crix::ledger::Reader(ledger).meta().trade_count));
  std::vector<crix::ledger::DailyStats> first_day =
      crix::ledger::Reader(ledger).daily_stats(crix::ledger::Day(0), crix::ledger::Day(100'000), last.instrument);
  std::erase_if(first_day, [](const crix::ledger::DailyStats& d) { return d.kind != crix::ledger::TradeKind::kTrade; });
  REQUIRE(first_day.size() == 1);  // the book's statistics: its close is the reference
  const crix::engine::Price close1 = first_day[0].close;
  {
    crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market);
    const crix::engine::Timestamp day2 = crix::engine::local_time({2026, 12, 2}, 10, 0, 480);
    crix::engine::Command sell;
    sell.type = crix::engine::CommandType::kNew;
    sell.side = crix::engine::Side::kSell;
    sell.instrument = last.instrument;
    sell.participant = last.seller;
    sell.account = crix::engine::AccountId(last.facility.v);
    sell.id = crix::engine::OrderId(90'000'001);
    sell.price = crix::engine::Price(close1.v + 100);
    sell.qty = crix::engine::Qty(10);
    crix::ledger::apply_and_commit(opened, sell, day2);
    crix::engine::Command buy = sell;
    buy.side = crix::engine::Side::kBuy;
    buy.participant = last.buyer;
    buy.account = crix::engine::AccountId(last.project.v);
    buy.id = crix::engine::OrderId(90'000'002);
    const auto events = crix::ledger::apply_and_commit(opened, buy, day2);
    REQUIRE(std::any_of(events.begin(), events.end(),
                        [](const crix::engine::Event& e) { return e.type == crix::engine::EventType::kFill; }));
  }
  const std::string code = market.instruments[last.instrument.v].code;
  const auto yuan = [](std::int64_t fen) {
    std::string s = crix::engine::yuan(fen);
    return s.substr(0, s.size() - 5);
  };
  // The last day with trades by default: 10 t at close + 1.00, against the first day's close.
  crix::test::RunResult r = run("ledger report " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("day,instrument,open,high,low,close,prev_close,change,change_pct,trades,volume_t,value_yuan,"
                    "block_trades,block_volume_t,block_value_yuan,auction_trades,auction_volume_t,auction_value_yuan,cum_trades,"
                    "cum_volume_t,cum_value_yuan\r\n",
                    0) == 0);
  const std::string p = yuan(close1.v + 100);
  CHECK(r.out.find("\r\n2026-12-02," + code + "," + p + "," + p + "," + p + "," + p + "," + yuan(close1.v) +
                   ",1.00,") != std::string::npos);
  CHECK(r.out.find(",1,10," + yuan((close1.v + 100) * 10) + ",0,0,0.00,0,0,0.00," + std::to_string(first_day[0].trades + 1) + "," +
                   std::to_string(first_day[0].volume.v + 10) + ",") != std::string::npos);
  CHECK(r.out.find("\r\n2026-12-02,total,,,,,,,,1,10," + yuan((close1.v + 100) * 10) + ",0,0,0.00,") !=
        std::string::npos);
  // The first day has no previous close on the ledger: null in JSON.
  r = run("ledger report " + ledger + " 2026-12-01 --json");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("{\"day\": \"2026-12-01\", \"instrument\": \"" + code + "\", \"open\": ") != std::string::npos);
  CHECK(r.out.find("\"close\": " + yuan(close1.v) + ", \"prev_close\": null, \"change\": null, \"change_pct\": null, "
                   "\"trades\": " + std::to_string(first_day[0].trades) + ", ") != std::string::npos);
  r = run("ledger report " + ledger + " 2026-12-02");
  CHECK(r.out.rfind("market report of 2026-12-02 (", 0) == 0);
  r = run("ledger report " + ledger + " 2026-02-30");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "crix ledger report: DAY: \"2026-02-30\" is not a date: use YYYY-MM-DD; run 'crix ledger report --help'\n");
}

TEST_CASE("a read-only copy of a ledger reads without a lock file, and a live one is refused by name",
          "[ledger][process]") {
  crix::test::ScratchDir dir;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 3000 --ledger " + ledger).exit_code == 0);
  const std::uint64_t trades = crix::ledger::Reader(ledger).meta().trade_count;
  // Another user, who may read the files but write nothing beside them. As root, permission checks are
  // bypassed: run the reader as nobody (setpriv), from a copy of crix that user may execute.
  REQUIRE(::chmod(dir.file("").c_str(), 0755) == 0);
  std::filesystem::copy_file(CRIX_BIN, dir.file("crix"));
  const std::string other =
      ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " + dir.file("crix") : dir.file("crix");

  // A supported copy of the live ledger, on a directory nobody may write.
  const std::string media = dir.file("media");
  std::filesystem::create_directory(media);
  crix::test::RunResult r = run("ledger backup " + ledger + " " + media + "/copy.ledger");
  CHECK(r.exit_code == 0);
  CHECK(r.out == ledger + " copied to " + media + "/copy.ledger; check it with crix verify " + media + "/copy.ledger\n");
  r = run("ledger backup " + ledger + " " + media + "/copy.ledger");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(media + "/copy.ledger exists: give the path of a new file") != std::string::npos);
  REQUIRE(::chmod(media.c_str(), 0555) == 0);
  r = run("ledger summary " + media + "/copy.ledger --csv", other);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\r\ntrades," + std::to_string(trades) + "\r\n") != std::string::npos);
  CHECK(run("ledger trades " + media + "/copy.ledger --csv", other).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(media + "/copy.ledger-lock"));

  // The original, whose lock file that user may not write: read lock-free while no writer is there ...
  r = run("ledger summary " + ledger, other);
  CHECK(r.exit_code == 0);
  // ... and refused, naming the writer, while one is.
  {
    const crix::ledger::OpenLedger live = crix::ledger::open_ledger(ledger, sample());
    r = run("ledger summary " + ledger, other);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("ledger " + ledger + " is open for writing by process " + std::to_string(::getpid()) +
                     ": this user may not write LMDB's lock file") != std::string::npos);
    CHECK(r.err.find("crix ledger backup") != std::string::npos);
  }
  REQUIRE(::chmod(media.c_str(), 0755) == 0);  // so that the scratch directory can be removed
}

TEST_CASE("crix ledger facility shows eligibility facts, as configured and as amended through the journal",
          "[ledger][process]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 2000 --ledger " + ledger).exit_code == 0);
  // Configured court-seized: not merely "operating".
  crix::test::RunResult r = run("ledger facility " + ledger + " HB-BF-420-SEIZED --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("facility,owner,region,industry,status,capacity_t,sold_t,unsold_t,facts,idle_years,expires\r\n"
                   "HB-BF-420-SEIZED,HB-TANGSHAN-IRON,\"Tangshan, Hebei\",steel,operating,500000,0,500000,court_seized,0,"
                   "\r\n") != std::string::npos);
  r = run("ledger facility " + ledger + " XZ-CL-1000 --json --limit 1");
  CHECK(r.out.find("\"facts\": \"none\", \"idle_years\": 0, \"expires\": null}") != std::string::npos);
  // Amended through the journal by the operator: the ledger's record follows.
  REQUIRE(run("operator " + ledger + " amend facility XZ-CL-1000 subsidised 1").exit_code == 0);
  REQUIRE(run("operator " + ledger + " amend facility XZ-CL-1000 idle_years 3").exit_code == 0);
  r = run("ledger facility " + ledger + " XZ-CL-1000 --json --limit 1");
  CHECK(r.out.find("\"facts\": \"subsidised\", \"idle_years\": 3, \"expires\": null}") != std::string::npos);
  CHECK(run("verify " + ledger).exit_code == 0);
}

TEST_CASE("the elimination list carries the notice's fields: dismantling from the new plant's start, the new project",
          "[ledger][process]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 20000 --ledger " + ledger).exit_code == 0);
  // XZ-NEW-CL-2500 starts production 2027-06-30: the clinker it replaces is dismantled from then, within
  // 365 days. TJ-NEW-CV-150 started before the trade: from the trade's date.
  crix::test::RunResult r = run("ledger elimination " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(",XZ-NEW-CL-2500,Tibet MIIT replacement plan 2026-003,2026-12-01,2026-12-15,2027-06-30,2028-06-29,"
                   "publicised,2026-12-01 ") != std::string::npos);
  CHECK(r.out.find("+08:00,\"Lhasa Gaoyuan Cement Co., Ltd.\",\"Qushui County, Lhasa\",2500 t/d new dry-process "
                   "clinker line,300000,2027-03-01,2027-06-30\r\n") != std::string::npos);
  CHECK(r.out.find(",TJ-NEW-CV-150,Tianjin DRC filing 2026-032,2026-12-01,2026-12-15,2026-12-01,2027-12-01,") !=
        std::string::npos);
  r = run("ledger project " + ledger + " XZ-NEW-CL-2500 --json");
  CHECK(r.out.find("\"site\": \"Qushui County, Lhasa\", \"equipment\": \"2500 t/d new dry-process clinker line\", "
                   "\"construction_start\": \"2027-03-01\", \"production_start\": \"2027-06-30\"}") != std::string::npos);
  // A project without planned dates: null.
  r = run("ledger project " + ledger + " SD-NEW-EAF-100 --json");
  CHECK(r.out.find("\"construction_start\": null, \"production_start\": null}") != std::string::npos);
  // Nor a site or equipment: null as well, never "" (API.md: absent values are null).
  CHECK(r.out.find("\"site\": null, \"equipment\": null, ") != std::string::npos);
  CHECK(r.out.find("\"\"") == std::string::npos);
}

TEST_CASE("crix operator auction-announce takes the market's local time as crix admin does, or UTC with a Z, and "
          "a bad time leaves no ledger behind",
          "[ledger][process]") {
  const crix::test::ScratchDir dir;
  const std::string market = crix::config::sample_market_path().string();
  const auto announce = [&](const std::string& ledger, const std::string& opens, const std::string& closes) {
    return run("operator " + dir.file(ledger) + " --create --market " + market + " auction-announce AU-HB-450 " + opens +
               " " + closes);
  };
  // The window as journaled: opens in the command's price, closes in expire_at (engine::auction_opens).
  const auto window = [&](const std::string& ledger) {
    const std::vector<crix::engine::Command> journal =
        crix::ledger::Reader(dir.file(ledger)).journal(crix::engine::Seq(1), 10);
    REQUIRE(journal.size() == 1);
    return std::make_pair(journal[0].price.v, journal[0].expire_at.v);
  };
  // 09:00 in Shanghai is 01:00 UTC: the two forms announce the same window.
  REQUIRE(announce("local.ledger", "2030-01-02T09:00", "2030-01-02T11:00:30").exit_code == 0);
  REQUIRE(announce("utc.ledger", "2030-01-02T01:00:00Z", "2030-01-02T03:00:30Z").exit_code == 0);
  constexpr std::int64_t kOpens = 1'893'546'000'000'000'000;  // 2030-01-02T01:00:00Z
  CHECK(window("local.ledger") == std::make_pair(kOpens, kOpens + std::int64_t{2 * 3600 + 30} * 1'000'000'000));
  CHECK(window("utc.ledger") == window("local.ledger"));
  const crix::test::RunResult bad = announce("bad.ledger", "now", "2030-01-02T25:00");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "crix operator auction-announce: CLOSES: \"2030-01-02T25:00\" is not a time: use +SECONDS, "
                   "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS in the market's time (UTC+08:00), or YYYY-MM-DDTHH:MM:SSZ "
                   "in UTC; run 'crix operator auction-announce --help'\n");
  CHECK_FALSE(std::filesystem::exists(dir.file("bad.ledger")));
  CHECK(announce("now.ledger", "now", "now").exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.file("now.ledger")));
}

TEST_CASE("crix operator without --market names the market file the ledger was made with", "[ledger][process]") {
  const crix::test::ScratchDir dir;
  // The sample with one longer session: a day simulated on it replays differently under the sample.
  const std::filesystem::path sample = crix::config::sample_market_path().parent_path();
  for (const auto& entry : std::filesystem::directory_iterator(sample)) {
    std::filesystem::copy_file(entry.path(), dir.file(entry.path().filename().string()));
  }
  const std::string market = dir.file("market.toml");
  std::string text;
  {
    std::ifstream in(market);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string sessions = "sessions = [[09:30:00, 11:30:00], [13:00:00, 15:00:00]]";
  const std::size_t at = text.find(sessions);
  REQUIRE(at != std::string::npos);
  text.replace(at, sessions.size(), "sessions = [[09:00:00, 15:30:00]]");
  std::ofstream(market) << text;
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate " + market + " --commands 2000 --ledger " + ledger).exit_code == 0);
  const crix::test::RunResult made = run("operator " + ledger + " --market " + market + " register");
  REQUIRE(made.exit_code == 0);

  const crix::test::RunResult r = run("operator " + ledger + " register");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Matchers::Contains("the [exchange] table (calendar and limits) differs from its registration "
                                              "(registered sessions=09:00-15:30, configured "
                                              "sessions=09:30-11:30,13:00-15:00)"));
  CHECK_THAT(r.err, Catch::Matchers::Contains("this ledger last started with market file " + market + ", sha256 "));
  CHECK_THAT(r.err, Catch::Matchers::Contains("this run reads " + crix::config::sample_market_path().string()));
  CHECK_THAT(r.err, Catch::Matchers::Contains("start with --market " + market));
  CHECK_THAT(r.err, !Catch::Matchers::Contains("replaying its journal"));
  // With the file, the ledger opens as before.
  CHECK(run("operator " + ledger + " --market " + market + " register").exit_code == 0);
  CHECK(run("verify " + ledger).exit_code == 0);
}

TEST_CASE("a ledger registered without a listed maximum opens only with none: setting one is a change the "
          "journal would replay differently", "[ledger][exchange]") {
  const crix::test::ScratchDir dir;
  const std::string path = dir.file("listed.ledger");
  const crix::engine::Market market = sample();
  { crix::ledger::OpenLedger ledger = crix::ledger::open_ledger(path, market); }
  crix::engine::Market limited = market;
  limited.instruments[0].listed_max_qty = 300000;
  try {
    crix::ledger::open_ledger(path, limited);
    FAIL("opened with a listed maximum the ledger was not registered with");
  } catch (const crix::ledger::Error& e) {
    CHECK(e.kind() == crix::ledger::ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("STEEL-IRON"));
    CHECK_THAT(e.what(), Catch::Matchers::Contains("configured listed_max_qty=300000"));
  }
  CHECK_NOTHROW(crix::ledger::open_ledger(path, market));
  // Registered with one, the ledger keeps it.
  const std::string with = dir.file("with.ledger");
  { crix::ledger::OpenLedger ledger = crix::ledger::open_ledger(with, limited); }
  CHECK_NOTHROW(crix::ledger::open_ledger(with, limited));
  CHECK_THROWS_AS(crix::ledger::open_ledger(with, market), crix::ledger::Error);
}

TEST_CASE("holidays the journal has not reached may change, earlier ones may not", "[ledger][exchange]") {
  const crix::test::ScratchDir dir;
  const std::string path = dir.file("holidays.ledger");
  const crix::engine::Market market = sample();
  {
    crix::ledger::OpenLedger ledger = crix::ledger::open_ledger(path, market);
    crix::engine::Command tick;
    tick.type = crix::engine::CommandType::kAdvanceTime;
    (void)crix::ledger::apply_and_commit(ledger, tick, crix::engine::local_time({2026, 12, 2}, 10, 0, 480));
  }
  crix::engine::Market later = market;
  later.exchange.holidays.push_back({2026, 12, 25});
  CHECK_NOTHROW(crix::ledger::open_ledger(path, later));
  crix::engine::Market earlier = later;
  earlier.exchange.holidays.push_back({2026, 12, 1});
  try {
    crix::ledger::open_ledger(path, earlier);
    FAIL("opened with a holiday the journal ran through");
  } catch (const crix::ledger::Error& e) {
    CHECK(e.kind() == crix::ledger::ErrorKind::kIncompatible);
    CHECK_THAT(e.what(), Catch::Matchers::Contains("the holidays up to 2026-12-02, the day of the last journaled "
                                                   "command, differ from those registered"));
    CHECK_THAT(e.what(), Catch::Matchers::Contains("configured 2026-01-01,"));
    CHECK_THAT(e.what(), Catch::Matchers::Contains("2026-12-01)"));
  }
  // The accepted holidays are the new registration: the ledger opens with 2026-12-25 and without it.
  CHECK_NOTHROW(crix::ledger::open_ledger(path, later));
  CHECK_NOTHROW(crix::ledger::open_ledger(path, market));
}

TEST_CASE("crix ledger daily closes a day at the exchange's own close, on a tick above 1 fen", "[ledger][process]") {
  // Tick 1 yuan on STEEL-IRON: 101 t at 580.00 and 99 t at 581.00 average 580.495 yuan, which the
  // exchange closes at 580.00 (rounded once to the tick); rounding to the fen first (580.50) and then
  // to the tick would print 581.00.
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  crix::engine::Market market = sample();
  market.instruments[0].tick = 100;
  const std::string ledger = dir.file("day.ledger");
  using crix::engine::Command;
  using crix::engine::CommandType;
  using crix::engine::Side;
  const auto at = [](int hour, int minute) {
    return crix::engine::local_time(crix::engine::Date{2026, 12, 1}, hour, minute, 480);
  };
  crix::engine::Price day_closed{};
  {
    crix::ledger::OpenLedger open = crix::ledger::open_ledger(ledger, market);
    const crix::engine::Exchange& x = *open.exchange;
    std::uint64_t id = 1;
    const auto order = [&](const std::string& who, Side side, const std::string& account, std::int64_t qty,
                           std::int64_t price) {
      Command c;
      c.type = CommandType::kNew;
      c.id = crix::engine::OrderId(id++);
      c.participant = crix::engine::ParticipantId(*x.participant_index(who));
      c.instrument = crix::engine::InstrumentId(*x.instrument_index("STEEL-IRON"));
      c.side = side;
      c.account = crix::engine::AccountId(side == Side::kSell ? *x.facility_index(account) : *x.project_index(account));
      c.qty = crix::engine::Qty(qty);
      c.price = crix::engine::Price(price);
      return c;
    };
    crix::ledger::apply_and_commit(open, order("HB-TANGSHAN-IRON", Side::kSell, "HB-BF-450", 101, 58000), at(10, 0));
    crix::ledger::apply_and_commit(open, order("HB-TANGSHAN-IRON", Side::kSell, "HB-BF-450", 99, 58100), at(10, 1));
    const std::vector<crix::engine::Event> fills =
        crix::ledger::apply_and_commit(open, order("TJ-BOHAI-STEEL", Side::kBuy, "TJ-NEW-BF-2500", 200, 58100), at(10, 2));
    REQUIRE(std::count_if(fills.begin(), fills.end(),
                          [](const auto& e) { return e.type == crix::engine::EventType::kFill; }) == 2);
    Command close;
    close.type = CommandType::kAdvanceTime;
    for (const crix::engine::Event& e : crix::ledger::apply_and_commit(open, close, at(15, 1))) {
      if (e.type == crix::engine::EventType::kDayClosed && e.instrument.v == 0) day_closed = e.price;
    }
  }
  REQUIRE(day_closed.v == 58000);
  const crix::test::RunResult r = run("ledger daily " + ledger + " --instrument STEEL-IRON --csv");
  REQUIRE(r.exit_code == 0);
  INFO(r.out << r.err);
  // The row ends with the close: the exchange's DayClosed price, the next day's reference.
  const std::string row = r.out.substr(r.out.find("2026-12-01"));
  const std::string close_text = row.substr(row.rfind(',') + 1);
  CHECK(close_text.substr(0, close_text.find_first_of("\r\n")) == "580.00");
}

TEST_CASE("crixd refuses a ledger whose meta pages lost the main database, and leaves the file as it was",
          "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 2000 --ledger " + ledger).exit_code == 0);

  // Both LMDB meta pages (pages 0 and 1, page size = the system's) lose their main database: root
  // P_INVALID, depth and counts 0, as a damaged root looks to LMDB. The offsets are those of LMDB
  // 0.9's MDB_meta after the 16-byte page header: mm_dbs[1] (MAIN_DBI) at 72, in it md_depth at +6,
  // md_branch/leaf/overflow_pages at +8, +16, +24, md_entries at +32 and md_root at +40.
  const long page = sysconf(_SC_PAGESIZE);
  std::string bytes;
  {
    std::ifstream in(ledger, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  REQUIRE(bytes.size() > static_cast<std::size_t>(2 * page));
  for (long meta = 0; meta < 2; ++meta) {
    const std::size_t at = static_cast<std::size_t>(meta * page) + 16;
    std::uint32_t magic = 0;
    std::memcpy(&magic, bytes.data() + at, sizeof magic);
    REQUIRE(magic == 0xBEEFC0DEu);
    const std::size_t main_db = at + 72;
    std::memset(bytes.data() + main_db + 6, 0, 2);
    std::memset(bytes.data() + main_db + 8, 0, 32);
    std::memset(bytes.data() + main_db + 40, 0xff, 8);
  }
  {
    std::ofstream out(ledger, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  const std::uint16_t port = crix::test::free_port();
  // sync = full: an os-mode open maps the file writable and first grows it to the map's size.
  crix::test::CrixdProcess crixd(CRIXD_BIN, dir, crix::config::sample_market_path(), ledger, port, "full");
  CHECK_FALSE(crixd.listening(port));
  CHECK(crixd.stop(0) != 0);
  INFO(crixd.errors());
  CHECK(crixd.errors().find("committed transactions but no meta record: it is damaged or not a CRIX ledger") !=
        std::string::npos);
  CHECK(crixd.errors().find("crix verify " + ledger) != std::string::npos);

  std::ifstream in(ledger, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool unchanged = after == bytes;  // not CHECK(after == bytes): Catch would print both files
  CHECK(unchanged);
  CHECK(run("verify " + ledger).exit_code != 0);
}

TEST_CASE("the market loader's text limits are the ledger's fields", "[ledger][config]") {
  // The loader refuses what the ledger could not store; config does not link the ledger to ask it.
  STATIC_REQUIRE(crix::config::kIdBytes == crix::ledger::kIdBytes);
  STATIC_REQUIRE(crix::config::kTextBytes == crix::ledger::kTextBytes);
}

TEST_CASE("crix verify gives a verdict on a ledger with a page zeroed, never a crash", "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 2000 --ledger " + ledger).exit_code == 0);
  std::string bytes;
  {
    std::ifstream in(ledger, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t pages = std::min<std::size_t>(bytes.size() / page, 160);
  REQUIRE(pages > 20);
  const std::string damaged = dir.file("damaged.ledger");
  std::size_t stopped_lmdb = 0;  // pages whose loss made LMDB abort the process (SIGABRT before)
  std::size_t refused = 0;
  // Every second page from 2 (0 and 1 are LMDB's meta pages), every fourth under the sanitizers (34 s
  // for every second under ASan): both the pages LMDB aborted on and those it reports run through the
  // whole file.
  for (std::size_t p = 2; p < pages; p += crix::test::scaled<std::size_t>(2, 4)) {
    std::string copy = bytes;
    std::fill_n(copy.begin() + static_cast<std::ptrdiff_t>(p * page), page, '\0');
    std::ofstream(damaged, std::ios::binary | std::ios::trunc).write(copy.data(), static_cast<std::streamsize>(copy.size()));
    const crix::test::RunResult r = run("verify " + damaged);
    INFO("page " << p << ": " << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    if (r.exit_code == 1) ++refused;
    if (r.err.find("the file is damaged: reading it stopped LMDB") != std::string::npos) ++stopped_lmdb;
  }
  CHECK(stopped_lmdb > 0);
  CHECK(refused > stopped_lmdb);
}

TEST_CASE("crix verify --head catches a ledger rolled back to an older commit", "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 3000 --ledger " + ledger).exit_code == 0);
  const auto head_of = [](const crix::test::RunResult& r) {
    const std::size_t at = r.out.find(" head ");
    return at == std::string::npos ? std::string() : r.out.substr(at + 6, 64);
  };
  const crix::test::RunResult before = run("verify " + ledger);
  REQUIRE(before.exit_code == 0);
  const std::string head = head_of(before);
  REQUIRE(head.size() == 64);
  const crix::test::RunResult anchored = run("verify " + ledger + " --head " + head);
  CHECK(anchored.exit_code == 0);
  CHECK(anchored.out.find("the anchor " + head + " is trade ") != std::string::npos);
  CHECK(anchored.out.find("(the head)") != std::string::npos);

  // The newest of LMDB's two meta pages loses its transaction id (LMDB 0.9's MDB_meta: mm_txnid at 128
  // after the 16-byte page header): LMDB opens the commit before it, and the chain alone looks sound.
  const long page = sysconf(_SC_PAGESIZE);
  std::fstream file(ledger, std::ios::in | std::ios::out | std::ios::binary);
  std::uint64_t txnid[2] = {0, 0};
  for (int m = 0; m < 2; ++m) {
    file.seekg(m * page + 16 + 128);
    file.read(reinterpret_cast<char*>(&txnid[m]), sizeof txnid[m]);
  }
  REQUIRE(txnid[0] != txnid[1]);
  const std::uint64_t zero = 0;
  file.seekp((txnid[1] > txnid[0] ? 1 : 0) * page + 16 + 128);
  file.write(reinterpret_cast<const char*>(&zero), sizeof zero);
  file.close();

  const crix::test::RunResult rolled = run("verify " + ledger);
  INFO(rolled.out << rolled.err);
  REQUIRE(rolled.exit_code == 0);
  REQUIRE(head_of(rolled) != head);  // the last commit's trades are gone
  const crix::test::RunResult caught = run("verify " + ledger + " --head " + head);
  CHECK(caught.exit_code == 1);
  CHECK(caught.err.find("no trade of its chain has the anchor's hash " + head) != std::string::npos);
  CHECK(caught.err.find("the ledger lost commits after the anchor") != std::string::npos);
  // An older anchor, a trade the rolled-back chain still has, passes.
  const crix::test::RunResult older = run("verify " + ledger + " --head " + head_of(rolled));
  CHECK(older.exit_code == 0);
  CHECK(run("verify " + ledger + " --head 12ab").exit_code == 2);
}

namespace {

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Where `record`'s bytes sit in `bytes`: LMDB copies a page on write, so older copies of a record may
// remain in free pages beside the live one; a test damages them all.
template <typename Record>
std::vector<std::size_t> places(const std::string& bytes, const Record& record) {
  const std::string_view wanted(reinterpret_cast<const char*>(&record), sizeof record);
  std::vector<std::size_t> found;
  for (std::size_t at = bytes.find(wanted); at != std::string::npos; at = bytes.find(wanted, at + 1)) found.push_back(at);
  return found;
}

}  // namespace

TEST_CASE("a damaged journal record: crix verify --market names it, crixd refuses the ledger as damaged",
          "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 3000 --ledger " + ledger).exit_code == 0);

  // A trade its command made alone, filling the whole order: one tonne less in that command changes
  // the trade at that command, so the replay stops exactly there.
  std::uint64_t seq = 0;
  crix::ledger::JournalRecord record{};
  {
    const crix::ledger::Reader reader(ledger);
    const std::uint64_t trades = reader.meta().trade_count;
    for (std::uint64_t id = 2; id < trades && seq == 0; ++id) {
      const auto before = reader.trade(crix::engine::TradeId(id - 1));
      const auto t = reader.trade(crix::engine::TradeId(id));
      const auto after = reader.trade(crix::engine::TradeId(id + 1));
      REQUIRE((before && t && after));
      if (t->kind != crix::ledger::TradeKind::kTrade || before->seq == t->seq || after->seq == t->seq) continue;
      const std::vector<crix::engine::Command> c = reader.journal(t->seq, 1);
      REQUIRE(c.size() == 1);
      if (c[0].type != crix::engine::CommandType::kNew || c[0].qty != t->qty || c[0].qty.v % 256 < 2) continue;
      seq = t->seq.v;
      record = crix::ledger::encode(c[0]);
    }
  }
  REQUIRE(seq != 0);
  std::string bytes = file_bytes(ledger);
  const std::vector<std::size_t> at = places(bytes, record);
  REQUIRE_FALSE(at.empty());
  for (const std::size_t p : at) --bytes[p + offsetof(crix::ledger::JournalRecord, qty)];  // low byte: a tonne less
  write_bytes(ledger, bytes);

  const std::string market = crix::config::sample_market_path();
  const crix::test::RunResult verdict = run("verify " + ledger + " --market " + market);
  INFO(verdict.out << verdict.err);
  CHECK(verdict.exit_code == 1);
  CHECK(verdict.err.find("first bad record: journal seq " + std::to_string(seq) + " ") != std::string::npos);
  CHECK(verdict.out.find("sound") == std::string::npos);

  const std::uint16_t port = crix::test::free_port();
  crix::test::CrixdProcess crixd(CRIXD_BIN, dir, market, ledger, port, "full");
  CHECK_FALSE(crixd.listening(port));
  CHECK(crixd.stop(0) != 0);
  INFO(crixd.errors());
  CHECK(crixd.errors().find("its journal is damaged") != std::string::npos);
  CHECK(crixd.errors().find("crix verify " + ledger + " --market ") != std::string::npos);
}

TEST_CASE("crixd refuses to start on a ledger whose trade has a damaged stored hash, and says to run crix verify",
          "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 3000 --ledger " + ledger).exit_code == 0);
  crix::ledger::TradeRecord record{};
  std::uint64_t id = 0;
  {
    const crix::ledger::Reader reader(ledger);
    id = reader.meta().trade_count / 2;
    REQUIRE(id > 1);
    const auto t = reader.trade(crix::engine::TradeId(id));
    REQUIRE(t);
    record = crix::ledger::encode(*t);
  }
  std::string bytes = file_bytes(ledger);
  const std::vector<std::size_t> at = places(bytes, record);
  REQUIRE_FALSE(at.empty());
  for (const std::size_t p : at) bytes[p + offsetof(crix::ledger::TradeRecord, hash)] ^= 0x40;
  write_bytes(ledger, bytes);
  const std::string message = "trade " + std::to_string(id) + ": stored hash ";
  const crix::test::RunResult verdict = run("verify " + ledger);
  CHECK(verdict.exit_code == 1);
  CHECK(verdict.err.find(message) != std::string::npos);

  const std::uint16_t port = crix::test::free_port();
  crix::test::CrixdProcess crixd(CRIXD_BIN, dir, crix::config::sample_market_path(), ledger, port, "full");
  CHECK_FALSE(crixd.listening(port));
  CHECK(crixd.stop(0) != 0);
  INFO(crixd.errors());
  CHECK(crixd.errors().find("ledger " + ledger + " is damaged: " + message) != std::string::npos);
  CHECK(crixd.errors().find("run crix verify " + ledger) != std::string::npos);
  CHECK(crixd.errors().find("the configuration") == std::string::npos);
}

TEST_CASE("crix ledger on a ledger with a page zeroed ends with a clear error or an answer, never a signal",
          "[ledger][process]") {
  const crix::test::ScratchDir dir("crix-ledger-exchange");
  const std::string ledger = dir.file("day.ledger");
  REQUIRE(run("simulate --commands 2000 --ledger " + ledger).exit_code == 0);
  const std::string bytes = file_bytes(ledger);
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t pages = std::min<std::size_t>(bytes.size() / page, 120);
  REQUIRE(pages > 20);
  const std::string damaged = dir.file("damaged.ledger");
  std::size_t stopped_lmdb = 0;  // pages whose loss made LMDB stop the process (SIGABRT, SIGSEGV before)
  // 0 and 1 are LMDB's meta pages; every second one (3 s), every fourth under the sanitizers.
  for (std::size_t p = 2; p < pages; p += crix::test::scaled<std::size_t>(2, 4)) {
    std::string copy = bytes;
    std::fill_n(copy.begin() + static_cast<std::ptrdiff_t>(p * page), page, '\0');
    write_bytes(damaged, copy);
    const crix::test::RunResult r = run("ledger trades " + damaged + " --csv");
    INFO("page " << p << ": exit " << r.exit_code << ": " << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    if (r.exit_code == 1) CHECK(r.err.find("crix ledger: ") != std::string::npos);
    // LMDB's own assertion line may come first: the child's stderr is the terminal's.
    if (r.err.find("crix ledger: " + damaged + ": the file is damaged: reading it stopped LMDB") != std::string::npos)
      ++stopped_lmdb;
  }
  CHECK(stopped_lmdb > 0);
}

TEST_CASE("a block trade is on the ledger as kind block with statistics of its own, and a pending proposal "
          "survives a restart",
          "[ledger][exchange][block]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("block.ledger");
  const crix::engine::Market market = sample();
  using crix::engine::Command;
  using crix::engine::CommandType;
  const crix::engine::Timestamp day = crix::engine::local_time({2026, 12, 1}, 10, 0, 480);
  std::uint64_t seq_of_proposal = 0;
  crix::engine::Price listed_close{};
  {
    crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market);
    const crix::engine::Exchange& x = *opened.exchange;
    // One book trade of 1,000 t at 570 yuan, then a proposal of 300,000 t at 700 yuan.
    Command sell;
    sell.type = CommandType::kNew;
    sell.side = crix::engine::Side::kSell;
    sell.tif = crix::engine::TimeInForce::kGtc;
    sell.instrument = crix::engine::InstrumentId(*x.instrument_index("STEEL-IRON"));
    sell.participant = crix::engine::ParticipantId(*x.participant_index("HB-TANGSHAN-IRON"));
    sell.account = crix::engine::AccountId(*x.facility_index("HB-BF-450"));
    sell.id = crix::engine::OrderId(opened.next_seq().v);
    sell.price = crix::engine::Price(57000);
    sell.qty = crix::engine::Qty(1000);
    crix::ledger::apply_and_commit(opened, sell, day);
    Command buy = sell;
    buy.side = crix::engine::Side::kBuy;
    buy.participant = crix::engine::ParticipantId(*x.participant_index("TJ-BOHAI-STEEL"));
    buy.account = crix::engine::AccountId(*x.project_index("TJ-NEW-BF-2500"));
    buy.id = crix::engine::OrderId(opened.next_seq().v);
    crix::ledger::apply_and_commit(opened, buy, day);
    Command propose = sell;
    propose.type = CommandType::kBlockPropose;
    propose.id = crix::engine::OrderId(opened.next_seq().v);
    propose.price = crix::engine::Price(70000);
    propose.qty = crix::engine::Qty(300000);
    propose.expire_at = crix::engine::Timestamp(*x.participant_index("TJ-BOHAI-STEEL"));
    seq_of_proposal = propose.id.v;
    const auto events = crix::ledger::apply_and_commit(opened, propose, day);
    REQUIRE(std::any_of(events.begin(), events.end(), [](const crix::engine::Event& e) {
      return e.type == crix::engine::EventType::kBlockProposed;
    }));
    listed_close = crix::engine::Price(57000);
  }
  // Reopened: the journal's replay brings the proposal back, reservation and all.
  crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market);
  REQUIRE(opened.recovery.ok());
  const crix::engine::Exchange& x = *opened.exchange;
  REQUIRE(x.blocks().size() == 1);
  CHECK(x.blocks()[0].id.v == seq_of_proposal);
  CHECK(x.facility_reserved(*x.facility_index("HB-BF-450")) == 300000);
  Command accept;
  accept.type = CommandType::kBlockAccept;
  accept.id = crix::engine::OrderId(seq_of_proposal);
  accept.participant = crix::engine::ParticipantId(*x.participant_index("TJ-BOHAI-STEEL"));
  accept.account = crix::engine::AccountId(*x.project_index("TJ-NEW-BF-2500"));
  const auto events = crix::ledger::apply_and_commit(opened, accept, day);
  REQUIRE(std::count_if(events.begin(), events.end(), [](const crix::engine::Event& e) {
            return e.type == crix::engine::EventType::kFill && e.mode == crix::engine::TradeMode::kBlock;
          }) == 1);
  opened.writer.reset();

  const crix::ledger::Reader reader(ledger);
  REQUIRE(reader.meta().trade_count == 2);
  CHECK(reader.meta().schema == crix::ledger::kSchemaVersion);
  const crix::ledger::Trade block = *reader.trade(crix::engine::TradeId(2));
  CHECK(block.kind == crix::ledger::TradeKind::kBlock);
  CHECK(block.qty.v == 300000);
  CHECK(block.credited.v == 200000);
  CHECK(reader.trade(crix::engine::TradeId(1))->kind == crix::ledger::TradeKind::kTrade);
  const crix::ledger::VerifyReport verdict = crix::ledger::verify(reader);
  INFO((verdict.problem ? verdict.problem->what : std::string()));
  CHECK(verdict.ok());
  // The day's statistics per mode: the book's 1,000 t make the close, the block's 300,000 t apart.
  const auto stats = reader.daily_stats(crix::ledger::Day(0), crix::ledger::Day(100'000));
  REQUIRE(stats.size() == 2);
  CHECK(stats[0].kind == crix::ledger::TradeKind::kTrade);
  CHECK(stats[0].volume.v == 1000);
  CHECK(stats[0].close == listed_close);
  CHECK(stats[1].kind == crix::ledger::TradeKind::kBlock);
  CHECK(stats[1].volume.v == 300000);
  CHECK(stats[1].close.v == 70000);
  // As a regulator reads it.
  crix::test::RunResult r = run("ledger trades " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\r\n1,book,") != std::string::npos);
  CHECK(r.out.find("\r\n2,block,") != std::string::npos);
  r = run("ledger daily " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(",STEEL-IRON,book,1,1000,") != std::string::npos);
  CHECK(r.out.find(",STEEL-IRON,block,1,300000,") != std::string::npos);
  r = run("ledger report " + ledger + " 2026-12-01 --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\r\n2026-12-01,STEEL-IRON,570.00,570.00,570.00,570.00,,,,1,1000,570000.00,1,300000,"
                   "210000000.00,0,0,0.00,2,301000,210570000.00\r\n") != std::string::npos);
  r = run("verify " + ledger);
  CHECK(r.exit_code == 0);
}

TEST_CASE("an open auction survives a restart with the same result, and its trades are on the ledger as kind "
          "auction",
          "[ledger][exchange][auction]") {
  const crix::test::ScratchDir dir;
  const std::string ledger = dir.file("auction.ledger");
  const crix::engine::Market market = sample();  // its auction 0: AU-HB-450, 500,000 t, uniform
  REQUIRE(market.auctions.size() == 1);
  using crix::engine::Command;
  using crix::engine::CommandType;
  const crix::engine::Timestamp at_930 = crix::engine::local_time({2026, 12, 1}, 9, 30, 480);
  const crix::engine::Timestamp at_1000 = crix::engine::local_time({2026, 12, 1}, 10, 0, 480);
  const crix::engine::Timestamp at_1100 = crix::engine::local_time({2026, 12, 1}, 11, 0, 480);
  crix::engine::Exchange alone(market);  // the same commands without a restart
  const auto run_both = [&](crix::ledger::OpenLedger& opened, Command c, crix::engine::Timestamp now) {
    const auto events = crix::ledger::apply_and_commit(opened, c, now);
    crix::engine::EventSink sink;
    c.seq = crix::engine::Seq(opened.writer->meta().last_seq);
    c.ts = opened.last_ts;
    alone.apply(c, sink);
    CHECK(sink.events() == events);
    return events;
  };
  const auto bid = [&](crix::ledger::OpenLedger& opened, const char* who, const char* project, std::int64_t qty,
                       std::int64_t price) {
    const crix::engine::Exchange& x = *opened.exchange;
    Command c;
    c.type = CommandType::kAuctionBid;
    c.participant = crix::engine::ParticipantId(*x.participant_index(who));
    c.account = crix::engine::AccountId(*x.project_index(project));
    c.id = crix::engine::OrderId(opened.next_seq().v);
    c.qty = crix::engine::Qty(qty);
    c.price = crix::engine::Price(price);
    c.expire_at = crix::engine::Timestamp(0);
    return run_both(opened, c, at_1000);
  };
  {
    crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market);
    Command announce;
    announce.type = CommandType::kAuctionAnnounce;
    announce.id = crix::engine::OrderId(0);
    announce.price = crix::engine::Price(at_1000.v);
    announce.expire_at = at_1100;
    const auto events = run_both(opened, announce, at_930);
    REQUIRE(std::any_of(events.begin(), events.end(), [](const crix::engine::Event& e) {
      return e.type == crix::engine::EventType::kAuctionAnnounced;
    }));
    bid(opened, "TJ-BOHAI-STEEL", "TJ-NEW-BF-2500", 300000, 60000);
    bid(opened, "SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 300000, 58000);
  }
  // Reopened: the journal's replay brings the auction back, its lot and bids reserved.
  crix::ledger::OpenLedger opened = crix::ledger::open_ledger(ledger, market);
  REQUIRE(opened.recovery.ok());
  const crix::engine::Exchange& x = *opened.exchange;
  REQUIRE(x.auctions()[0].state == crix::engine::AuctionState::kAnnounced);
  REQUIRE(x.auctions()[0].bids.size() == 2);
  CHECK(x.facility_reserved(*x.facility_index("HB-BF-450")) == 500000);
  CHECK(x.state_hash() == alone.state_hash());
  // A raise after the restart, then the window's end (a clock tick).
  bid(opened, "SC-PANZHIHUA-STEEL", "SC-PZH-BF-1750", 300000, 59000);
  Command tick;
  tick.type = CommandType::kAdvanceTime;
  const auto events = run_both(opened, tick, at_1100);
  CHECK(std::count_if(events.begin(), events.end(), [](const crix::engine::Event& e) {
          return e.type == crix::engine::EventType::kFill && e.mode == crix::engine::TradeMode::kAuction;
        }) == 2);
  CHECK(x.state_hash() == alone.state_hash());
  opened.writer.reset();

  const crix::ledger::Reader reader(ledger);
  REQUIRE(reader.meta().trade_count == 2);
  const crix::ledger::Trade first = *reader.trade(crix::engine::TradeId(1));
  CHECK(first.kind == crix::ledger::TradeKind::kAuction);
  CHECK(first.qty.v == 300000);
  CHECK(first.price.v == 59000);  // uniform: the lowest winning bid
  CHECK(reader.trade(crix::engine::TradeId(2))->qty.v == 200000);
  const crix::ledger::VerifyReport verdict = crix::ledger::verify(reader);
  INFO((verdict.problem ? verdict.problem->what : std::string()));
  CHECK(verdict.ok());
  const auto stats = reader.daily_stats(crix::ledger::Day(0), crix::ledger::Day(100'000));
  REQUIRE(stats.size() == 1);
  CHECK(stats[0].kind == crix::ledger::TradeKind::kAuction);
  CHECK(stats[0].volume.v == 500000);
  crix::test::RunResult r = run("ledger trades " + ledger + " --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\r\n1,auction,") != std::string::npos);
  r = run("ledger daily " + ledger + " --csv");
  CHECK(r.out.find(",STEEL-IRON,auction,2,500000,") != std::string::npos);
  r = run("ledger report " + ledger + " 2026-12-01 --csv");
  CHECK(r.out.find("\r\n2026-12-01,STEEL-IRON,,,,,,,,0,0,0.00,0,0,0.00,2,500000,295000000.00,2,500000,"
                   "295000000.00\r\n") != std::string::npos);
  r = run("verify " + ledger);
  CHECK(r.exit_code == 0);
}
