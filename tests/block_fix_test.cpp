// Block trades over FIX end to end (DESIGN.md, FIX dialect, "Block trades"): a real crixd on the sample
// market open all day, with a scratch ledger, driven by real QuickFIX initiators over loopback, the
// ledger read afterwards with `crix ledger trades`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/fix/fix_api.hpp"
#include "tests/support/sample_crixd.hpp"

namespace {

using crix::fix::TradeCaptureReport;
using crix::fix::TradeCaptureReportAck;
using Received = crix::test::RecordingClient;

const std::string kSeller = "HB-TANGSHAN-IRON";  // facility HB-BF-450, Hebei
const std::string kBuyer = "TJ-BOHAI-STEEL";     // project TJ-NEW-BF-2500, Tianjin (key region: 1.5:1)

using Client = crix::test::SampleClient;

// Sends `r` on `c` and waits for its TradeCaptureReportAck.
TradeCaptureReportAck ask(Client& c, const TradeCaptureReport& r) {
  const auto find_ack = [](const Received& got, const std::string& id) -> const TradeCaptureReportAck* {
    for (const TradeCaptureReportAck& a : got.trade_acks) {
      if (a.trade_report_id == id) return &a;
    }
    return nullptr;
  };
  REQUIRE(c.fix().send(r));
  const std::string id = r.trade_report_id;
  const bool answered = c.wait([&](const Received& got) { return find_ack(got, id) != nullptr; });
  // What the session was told instead, should the Ack not come.
  for (const auto& j : c.get(&Received::business_rejects)) UNSCOPED_INFO("BusinessMessageReject: " << j.text);
  for (const auto& j : c.get(&Received::session_rejects)) UNSCOPED_INFO("Reject: " << j.text << ", tag " << j.ref_tag_id);
  REQUIRE(answered);
  return c.read([&] { return *find_ack(c, id); });
}

// Waits for the first TradeCaptureReport to `c` about block `block` with ExecType `exec_type`.
TradeCaptureReport report(Client& c, const std::string& block, char exec_type) {
  const auto matches = [&](const TradeCaptureReport& t) { return t.block_id == block && t.exec_type == exec_type; };
  REQUIRE(c.wait([&](const Received& got) {
    return std::any_of(got.trade_reports.begin(), got.trade_reports.end(), matches);
  }));
  return c.read([&] { return *std::find_if(c.trade_reports.begin(), c.trade_reports.end(), matches); });
}

TradeCaptureReport propose(const std::string& id, char side, const std::string& account, std::int64_t qty,
                           std::int64_t price, const std::string& to, const std::string& symbol = "STEEL-IRON") {
  TradeCaptureReport r;
  r.trade_report_id = id;
  r.trans_type = 0;
  r.report_type = 0;
  r.symbol = symbol;
  r.last_qty = qty;
  r.last_px = price;
  r.side = side;
  r.account = account;
  r.counterparty = to;
  return r;
}

// Accept (2) or decline (3) block `block`; the acceptor names its account.
TradeCaptureReport answer(const std::string& id, int report_type, const std::string& block,
                          const std::string& account = "", char side = '1') {
  TradeCaptureReport r;
  r.trade_report_id = id;
  r.trans_type = 0;
  r.report_type = report_type;
  r.block_id = block;
  if (!account.empty()) {
    r.side = side;
    r.account = account;
  }
  return r;
}

TradeCaptureReport withdraw(const std::string& id, const std::string& block) {
  TradeCaptureReport r;
  r.trade_report_id = id;
  r.trans_type = 1;
  r.block_id = block;
  return r;
}

// A crixd on the all-day sample and a fresh ledger.
struct Running : crix::test::SampleCrixd {
  Running() : SampleCrixd(CRIXD_BIN, CRIX_BIN, "block-fix") { start(); }
};

}  // namespace

TEST_CASE("block over FIX: proposed, alleged to the buyer, accepted, reported to both, on the ledger as a block",
          "[crixd][block]") {
  Running x;
  Client seller(x.port, kSeller);
  Client buyer(x.port, kBuyer);

  // 700 yuan: outside the book's band, inside the block band.
  const TradeCaptureReportAck proposed = ask(seller, propose("p1", '2', "HB-BF-450", 300000, 70000, kBuyer));
  INFO(proposed.text);
  REQUIRE(proposed.status == 0);
  CHECK(proposed.exec_type == '0');
  const std::string block = proposed.block_id;
  REQUIRE_FALSE(block.empty());

  const TradeCaptureReport alleged = report(buyer, block, '0');
  CHECK(alleged.report_type == 1);
  CHECK(alleged.trd_type == 1);
  CHECK(alleged.side == '1');  // the buyer's side
  CHECK(alleged.counterparty == kSeller);
  CHECK(alleged.symbol == "STEEL-IRON");
  CHECK(alleged.last_qty == 300000);
  CHECK(alleged.last_px == 70000);
  CHECK(alleged.order_id == block);

  // The buyer may list it too (TradeCaptureReportRequest), as may the seller.
  crix::fix::TradeCaptureReportRequest list;
  list.trade_request_id = "l1";
  REQUIRE(buyer.fix().send(list));
  REQUIRE(buyer.wait([](const Received& c) { return !c.trade_request_acks.empty(); }));
  CHECK(buyer.get(&Received::trade_request_acks)[0].tot_num_trade_reports == 1);
  CHECK(buyer.get(&Received::trade_request_acks)[0].status == 1);

  const TradeCaptureReportAck accepted = ask(buyer, answer("a1", 2, block, "TJ-NEW-BF-2500"));
  INFO(accepted.text);
  REQUIRE(accepted.status == 0);
  CHECK(accepted.exec_type == 'F');
  CHECK(accepted.block_id == block);

  const TradeCaptureReport bought = report(buyer, block, 'F');
  const TradeCaptureReport sold = report(seller, block, 'F');
  CHECK(bought.trade_id == "1");
  CHECK(sold.trade_id == "1");
  CHECK(bought.side == '1');
  CHECK(sold.side == '2');
  CHECK(bought.account == "TJ-NEW-BF-2500");
  CHECK(sold.account == "HB-BF-450");
  CHECK(bought.counterparty == kSeller);
  CHECK(sold.counterparty == kBuyer);
  CHECK(bought.last_qty == 300000);
  CHECK(bought.last_px == 70000);
  CHECK(bought.credited == 200000);
  CHECK(bought.ratio_permille == 1500);

  // Settled once: the block is no longer pending, an answer finds nothing.
  const TradeCaptureReportAck again = ask(buyer, answer("a2", 2, block, "TJ-NEW-BF-2500"));
  CHECK(again.status == 1);
  CHECK_THAT(again.text, Catch::Matchers::Contains("no pending block proposal " + block));

  seller.stop();
  buyer.stop();
  x.stop();
  // One trade, of kind block, between the two accounts.
  const std::string trades = x.trades();
  INFO(trades);
  std::vector<std::string> rows;
  for (std::size_t at = 0, end; at < trades.size(); at = end + 1) {
    end = trades.find('\n', at);
    if (end == std::string::npos) end = trades.size();
    const std::string line = trades.substr(at, end - at);
    if (line.find("HB-BF-450") != std::string::npos) rows.push_back(line);
  }
  REQUIRE(rows.size() == 1);
  CHECK_THAT(rows[0], Catch::Matchers::Contains(" block "));
  CHECK_THAT(rows[0], Catch::Matchers::Contains("TJ-NEW-BF-2500"));
}

TEST_CASE("block over FIX: declined by the counterparty, withdrawn by the proposer, both told", "[crixd][block]") {
  Running x;
  Client seller(x.port, kSeller);
  Client buyer(x.port, kBuyer);

  const TradeCaptureReportAck first = ask(seller, propose("p1", '2', "HB-BF-450", 100000, 60000, kBuyer));
  REQUIRE(first.status == 0);
  report(buyer, first.block_id, '0');
  // Only the proposer withdraws.
  const TradeCaptureReportAck stolen = ask(buyer, withdraw("w0", first.block_id));
  CHECK(stolen.status == 1);
  CHECK(stolen.exec_type == '8');
  const TradeCaptureReportAck declined = ask(buyer, answer("d1", 3, first.block_id));
  REQUIRE(declined.status == 0);
  CHECK(declined.exec_type == '4');
  const TradeCaptureReport told = report(seller, first.block_id, '4');
  CHECK(told.trans_type == 1);
  CHECK(told.report_type == 3);
  CHECK_THAT(told.text, Catch::Matchers::Contains("declined"));
  report(buyer, first.block_id, '4');

  const TradeCaptureReportAck second = ask(seller, propose("p2", '2', "HB-BF-450", 100000, 60000, kBuyer));
  REQUIRE(second.status == 0);
  CHECK(second.block_id != first.block_id);
  const TradeCaptureReportAck withdrawn = ask(seller, withdraw("w1", second.block_id));
  REQUIRE(withdrawn.status == 0);
  CHECK_THAT(report(buyer, second.block_id, '4').text, Catch::Matchers::Contains("withdrawn by " + kSeller));
  CHECK(report(seller, second.block_id, '4').trans_type == 1);
}

TEST_CASE("block over FIX: refused requests get a rejecting TradeCaptureReportAck naming what is wrong",
          "[crixd][block]") {
  Running x;
  Client seller(x.port, kSeller);
  Client buyer(x.port, kBuyer);
  const auto refused = [](Client& c, const TradeCaptureReport& r) {
    const TradeCaptureReportAck a = ask(c, r);
    CHECK(a.status == 1);
    CHECK(a.exec_type == '8');
    return a;
  };

  TradeCaptureReport regular = propose("m1", '2', "HB-BF-450", 100000, 60000, kBuyer);
  regular.trd_type = 0;
  const TradeCaptureReportAck trd_type = refused(seller, regular);
  CHECK(trd_type.reject_reason == 4);
  CHECK(trd_type.text ==
        "TrdType(828) 0 is not supported: a TradeCaptureReport to this exchange is a block trade, TrdType 1");

  const TradeCaptureReportAck no_counterparty = refused(seller, propose("m2", '2', "HB-BF-450", 100000, 60000, ""));
  CHECK(no_counterparty.reject_reason == 1);
  CHECK_THAT(no_counterparty.text, Catch::Matchers::StartsWith("no counterparty: name it in the side's NoPartyIDs(453)"));

  CHECK(refused(seller, propose("m3", '2', "HB-BF-450", 100000, 60000, "NOBODY")).text ==
        "PartyID(448) 'NOBODY' is no participant of this exchange");
  CHECK_THAT(refused(seller, propose("m4", '2', "HB-BF-450", 100000, 60000, kBuyer, "GOLD")).text,
             Catch::Matchers::StartsWith("unknown Symbol(55) 'GOLD' (instruments: STEEL-IRON"));
  CHECK(refused(seller, propose("m5", '2', "NO-SUCH-FACILITY", 100000, 60000, kBuyer)).text ==
        "Account(1) 'NO-SUCH-FACILITY' is no registered facility: the seller of a block names the facility whose "
        "capacity it sells");
  CHECK(refused(seller, propose("m6", '2', "HB-BF-450", 0, 60000, kBuyer)).text ==
        "LastQty(32) is missing: the block's quantity in tonnes");
  CHECK(refused(seller, answer("m7", 2, "")).text ==
        "TradeReportRefID(572) is missing: name the block by the id of the exchange's report");
  // The engine's own refusal: a price outside the block band, with the numbers.
  CHECK_THAT(refused(seller, propose("m8", '2', "HB-BF-450", 100000, 90000, kBuyer)).text,
             Catch::Matchers::Contains("block"));

  // A refused acceptance (an account the acceptor does not own) leaves the proposal pending.
  const TradeCaptureReportAck p = ask(seller, propose("p1", '2', "HB-BF-450", 100000, 60000, kBuyer));
  REQUIRE(p.status == 0);
  const TradeCaptureReportAck wrong = refused(buyer, answer("a1", 2, p.block_id, "NO-SUCH-PROJECT"));
  CHECK_THAT(wrong.text, Catch::Matchers::StartsWith("Account(1) 'NO-SUCH-PROJECT' is no registered project"));
  const TradeCaptureReportAck not_mine = refused(buyer, answer("a2", 2, p.block_id, "SC-PZH-BF-1750"));
  CHECK_THAT(not_mine.text, Catch::Matchers::Contains("SC-PZH-BF-1750"));
  CHECK(ask(buyer, answer("a3", 2, p.block_id, "TJ-NEW-BF-2500")).status == 0);
  CHECK(report(seller, p.block_id, 'F').trade_id == "1");
}

TEST_CASE("block over FIX: a proposal pending at a restart is still pending after it and can be accepted",
          "[crixd][block]") {
  Running x;
  std::string block;
  {
    Client seller(x.port, kSeller);
    const TradeCaptureReportAck p = ask(seller, propose("p1", '2', "HB-BF-450", 300000, 70000, kBuyer));
    REQUIRE(p.status == 0);
    block = p.block_id;
  }
  x.stop();
  x.start();
  Client buyer(x.port, kBuyer);
  crix::fix::TradeCaptureReportRequest list;
  list.trade_request_id = "after-restart";
  REQUIRE(buyer.fix().send(list));
  REQUIRE(buyer.wait([](const Received& c) { return !c.trade_request_acks.empty(); }));
  const std::vector<TradeCaptureReport> pending = buyer.get(&Received::trade_reports);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].block_id == block);
  CHECK(pending[0].report_type == 1);
  CHECK(pending[0].trade_request_id == "after-restart");
  CHECK(pending[0].last_rpt_requested);
  CHECK(ask(buyer, answer("a1", 2, block, "TJ-NEW-BF-2500")).status == 0);
  CHECK(report(buyer, block, 'F').trade_id == "1");
}
