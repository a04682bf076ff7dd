// The exchange and the ledger together, on real LMDB files: a simulated trading day of the sample
// market is recorded; recovery replays the journal through a fresh exchange and finds the same trades
// and the same state; `crix verify` and every `crix ledger` query work on the file, as a real `crix`
// process, and bad arguments are named.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "ledger/reader.hpp"
#include "ledger/settlement.hpp"
#include "ledger/verify.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tools/simulate.hpp"

namespace {

crix::engine::Market sample() {
  crix::config::LoadResult r = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(r.market.has_value());
  return *r.market;
}

// `crix <args>` (words separated by single spaces), captured.
crix::test::RunResult run(const std::string& args) {
  std::vector<std::string> argv = {CRIX_BIN};
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
  CHECK(r.out.rfind("province,enterprise,enterprise_id,facility,equipment,inventory_ref,capacity_retired_t,trade,"
                    "buyer_project,filing_ref,retired,publicity_end,dismantle_by,status,status_since\r\n",
                    0) == 0);
  // The public fields come from the registry the ledger was seeded with.
  CHECK(r.out.find("\"Lhasa, Tibet\",\"Lhasa Gaoyuan Cement Co., Ltd.\",XZ-LHASA-CEMENT,XZ-CL-1000,1000 t/d clinker "
                   "line,Tibet compliant clinker lines 2024 #2,") != std::string::npos);

  r = run("ledger regions " + ledger);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Tianjin") != std::string::npos);

  r = run("ledger daily " + ledger + " --instrument STEEL-IRON");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("2026-12-01  STEEL-IRON") != std::string::npos);

  // Bad arguments: named, with the valid ones listed, exit 2.
  r = run("ledger trades " + ledger + " --facility NO-SUCH-FURNACE");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--facility 'NO-SUCH-FURNACE' is no facility of this ledger; valid: TJ-BF-410") != std::string::npos);
  r = run("ledger trades " + ledger + " --colour red");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown option '--colour'; valid: --json, --csv, --participant") != std::string::npos);
  r = run("ledger frobnicate " + ledger);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown query 'frobnicate'; valid: summary, trades, facility, project, elimination, regions, daily") !=
        std::string::npos);
  r = run("ledger daily " + ledger + " --from 2026-13-01");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from '2026-13-01' is not a local time") != std::string::npos);
  r = run("ledger trades " + ledger + " --from 2026-02-31");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--from '2026-02-31' is not a date of the calendar") != std::string::npos);
  r = run("ledger trades " + ledger + " --from 2026-12-01T-1:30");
  CHECK(r.exit_code == 2);
  // --to is inclusive: the whole simulated day is in [2026-12-01, 2026-12-01].
  r = run("ledger trades " + ledger + " --from 2026-12-01 --to 2026-12-01 --limit 1 --csv");
  CHECK(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
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
  CHECK(bad.err == "crix operator: idle_years 'x' is not a whole number from 0 to 1000\n");
  const auto status = run("operator " + *options.ledger + " status 2 revoked");
  CHECK(status.exit_code == 2);
  CHECK_THAT(status.err, Catch::Matchers::Contains("is none of confirmed, shut, dismantled"));
  CHECK(run("verify " + *options.ledger).exit_code == 0);
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
