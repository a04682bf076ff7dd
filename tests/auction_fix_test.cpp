// Auctions over FIX end to end (DESIGN.md, FIX dialect, "Auctions"): the sample's AU-HB-450 announced with
// `crix operator auction-announce` on the stopped ledger, then a real crixd on the all-day sample market,
// real QuickFIX initiators over loopback bidding with NewOrderSingle + TradingSessionID, the window ended
// by crixd's clock, the ledger read afterwards with `crix ledger trades`; and the same auction with
// crixd killed and stopped while it is open.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gateway/fix/fix_api.hpp"
#include "tests/support/sample_crixd.hpp"

namespace {

using crix::fix::ExecReport;
using crix::fix::TradingSessionStatus;

const std::string kAuction = "AU-HB-450";          // 500,000 t of HB-BF-450, reserve 550.00, increment 5.00, uniform
const std::string kSeller = "HB-TANGSHAN-IRON";
const std::string kTianjin = "TJ-BOHAI-STEEL";     // project TJ-NEW-BF-2500
const std::string kSichuan = "SC-PANZHIHUA-STEEL";  // project SC-PZH-BF-1750

using Client = crix::test::SampleClient;
using Received = crix::test::RecordingClient;

// A bid in AU-HB-450: a NewOrderSingle with its TradingSessionID.
crix::fix::OrderRequest bid_request(const std::string& cl_ord_id, const std::string& project, std::int64_t qty,
                                    std::int64_t price) {
  crix::fix::OrderRequest r;
  r.cl_ord_id = cl_ord_id;
  r.symbol = "STEEL-IRON";
  r.account = project;
  r.side = '1';
  r.ord_type = '2';
  r.price = price;
  r.qty = qty;
  r.trading_session_id = kAuction;
  return r;
}

// Sends bid `r` on `c` and waits for its first ExecutionReport.
ExecReport first_report(Client& c, const crix::fix::OrderRequest& r) {
  REQUIRE(c.fix().send(r));
  REQUIRE(c.wait([&](const Received& got) { return got.count(r.cl_ord_id) > 0; }));
  return c.reports_for(r.cl_ord_id).front();
}

// Sends a bid on `c` and waits for its first ExecutionReport.
ExecReport bid(Client& c, const std::string& cl_ord_id, const std::string& project, std::int64_t qty,
               std::int64_t price) {
  return first_report(c, bid_request(cl_ord_id, project, qty, price));
}

// Waits for a TradingSessionStatus to `c` of the auction with TradSesStatus `status` (and TradSesReqID
// `request`).
TradingSessionStatus status(Client& c, int status, const std::string& request = "", int ms = 40'000) {
  const auto matches = [&](const TradingSessionStatus& s) {
    return s.trading_session_id == kAuction && s.status == status && s.request_id == request;
  };
  const auto& statuses = c.trading_session_statuses;  // read under the board's lock only
  const bool came = c.wait([&] { return std::any_of(statuses.begin(), statuses.end(), matches); }, ms);
  for (const TradingSessionStatus& s : c.get(&Received::trading_session_statuses)) {
    UNSCOPED_INFO("TradingSessionStatus " << s.trading_session_id << " " << s.status << " '" << s.request_id << "': " << s.text);
  }
  for (const auto& j : c.get(&Received::session_rejects)) UNSCOPED_INFO("Reject: " << j.text << ", tag " << j.ref_tag_id);
  REQUIRE(came);
  return c.read([&] { return *std::find_if(statuses.begin(), statuses.end(), matches); });
}

// The auction's status now, asked on `c` with a TradingSessionStatusRequest (all auctions).
TradingSessionStatus ask_status(Client& c, const std::string& request) {
  crix::fix::TradingSessionStatusRequest g;
  g.request_id = request;
  REQUIRE(c.fix().send(g));
  const auto& statuses = c.trading_session_statuses;  // read under the board's lock only
  const auto answers = [&](const TradingSessionStatus& s) { return s.request_id == request; };
  REQUIRE(c.wait([&] { return std::any_of(statuses.begin(), statuses.end(), answers); }));
  return c.read([&] { return *std::find_if(statuses.begin(), statuses.end(), answers); });
}

// The ranking `c` is sent: (price, quantity) of each bid, best first.
std::vector<std::pair<std::int64_t, std::int64_t>> ranking(Client& c, const std::string& request) {
  crix::fix::MarketDataRequest v;
  v.md_req_id = request;
  v.subscription = '0';
  v.bids = true;
  v.offers = v.trades = false;
  v.symbols = {"STEEL-IRON"};
  v.trading_session_id = kAuction;
  REQUIRE(c.fix().send(v));
  REQUIRE(c.wait([&](const Received& got) {
    return std::any_of(got.snapshots.begin(), got.snapshots.end(), [&](const auto& w) { return w.md_req_id == request; });
  }));
  std::vector<std::pair<std::int64_t, std::int64_t>> bids;
  for (const auto& w : c.get(&Received::snapshots)) {
    if (w.md_req_id != request) continue;
    for (const auto& e : w.entries) {
      CHECK(e.type == '0');
      CHECK(e.trading_session_id == kAuction);
      bids.emplace_back(e.price, e.size);
    }
  }
  return bids;
}

// The sample and a fresh ledger with AU-HB-450 announced from now for `seconds`; crixd started on it.
struct Running : crix::test::SampleCrixd {
  explicit Running(int seconds) : SampleCrixd(CRIXD_BIN, CRIX_BIN, "auction-fix") {
    const crix::test::RunResult r = crix::test::run(
        {crix_bin, "operator", ledger, "--create", "--market", market, "auction-announce", kAuction, "now",
         "+" + std::to_string(seconds)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Matchers::Contains("auction AU-HB-450 (STEEL-IRON): announced"));
    start();
  }
};

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

// The bids of both scenarios: Tianjin 300,000 t at 600.00 raised to 605.00, Sichuan 400,000 t at 570.00.
void place_bids(Client& tj, Client& sc) {
  // Below the reserve: refused with the exchange's sentence, nothing reserved.
  const ExecReport low = bid(sc, "S0", "SC-PZH-BF-1750", 400000, 54500);
  CHECK(low.exec_type == '8');
  CHECK(low.trading_session_id == kAuction);
  CHECK_THAT(low.text, Catch::Matchers::Contains("550.00"));
  const ExecReport b1 = bid(tj, "B1", "TJ-NEW-BF-2500", 300000, 60000);
  REQUIRE(b1.exec_type == '0');
  CHECK(b1.ord_status == '0');
  CHECK(b1.trading_session_id == kAuction);
  CHECK(b1.leaves_qty == 300000);
  REQUIRE(bid(sc, "S1", "SC-PZH-BF-1750", 400000, 57000).exec_type == '0');
  // A raise: the raised bid replaced by the new one.
  const ExecReport b2 = bid(tj, "B2", "TJ-NEW-BF-2500", 300000, 60500);
  REQUIRE(b2.exec_type == '5');
  CHECK(b2.orig_cl_ord_id == "B1");
  CHECK(b2.order_id != b1.order_id);
  CHECK(b2.price == 60500);
  // Lowering it is refused.
  const ExecReport lower_bid = bid(tj, "B3", "TJ-NEW-BF-2500", 300000, 60000);
  CHECK(lower_bid.exec_type == '8');
  CHECK_FALSE(lower_bid.text.empty());
}

// The result, whichever way the window ended: Tianjin wins its 300,000 t, Sichuan the other 200,000 t,
// both at the lowest winning price 570.00; each bidder its Trade report(s), the seller one
// TradeCaptureReport per allocation, every session the closed status; two auction trades on the ledger.
void check_result(Running& x, Client& seller, Client& tj, Client& sc) {
  for (Client* c : {&seller, &tj, &sc}) {
    const TradingSessionStatus closed = status(*c, 3);
    CHECK(closed.unsolicited);
    CHECK(closed.total_volume == 500000);
    CHECK(closed.clearing_px == 57000);
    CHECK_THAT(closed.text, Catch::Matchers::Contains("sold 500000 t of 500000 t to 2 bids"));
  }
  const auto tj_fill = tj.wait_for("B2", 'F');
  REQUIRE(tj_fill);
  CHECK(tj_fill->last_qty == 300000);
  CHECK(tj_fill->last_px == 57000);
  CHECK(tj_fill->ord_status == '2');
  CHECK(tj_fill->trading_session_id == kAuction);
  CHECK_FALSE(tj_fill->trade_id.empty());
  const auto sc_fill = sc.wait_for("S1", 'F');
  REQUIRE(sc_fill);
  CHECK(sc_fill->last_qty == 200000);
  CHECK(sc_fill->last_px == 57000);
  CHECK(sc_fill->ord_status == '1');
  const auto sc_rest = sc.wait_for("S1", 'C');
  REQUIRE(sc_rest);
  CHECK(sc_rest->cum_qty == 200000);
  CHECK(sc_rest->leaves_qty == 0);
  CHECK_FALSE(sc_rest->text.empty());
  REQUIRE(seller.wait([](const crix::test::RecordingClient& c) { return c.trade_reports.size() >= 2; }, 10'000));
  std::vector<std::string> seller_trades;
  std::int64_t sold = 0;
  for (const auto& t : seller.get(&crix::test::RecordingClient::trade_reports)) {
    CHECK(t.exec_type == 'F');
    CHECK(t.trd_type == 0);
    CHECK(t.side == '2');
    CHECK(t.account == "HB-BF-450");
    CHECK(t.trading_session_id == kAuction);
    CHECK(t.last_px == 57000);
    sold += t.last_qty;
    seller_trades.push_back(t.trade_id);
  }
  CHECK(sold == 500000);
  CHECK(std::find(seller_trades.begin(), seller_trades.end(), tj_fill->trade_id) != seller_trades.end());
  CHECK(std::find(seller_trades.begin(), seller_trades.end(), sc_fill->trade_id) != seller_trades.end());
  // Nothing left to rank; the auction no longer in the security list.
  const std::string trades = x.trades();
  INFO(trades);
  CHECK(occurrences(trades, "auction") == 2);
}

}  // namespace

TEST_CASE("auction over FIX: announced, listed, bids refused, placed and raised, ranked, ended by the clock, "
          "reported to the bidders and the seller, on the ledger as auction trades",
          "[crixd][auction]") {
  Running x(15);
  Client seller(x.port, kSeller);
  Client tj(x.port, kTianjin);
  Client sc(x.port, kSichuan);
  // Announced before these sessions began: they ask.
  const TradingSessionStatus open = ask_status(tj, "G1");
  CHECK(open.status == 2);
  CHECK_FALSE(open.unsolicited);
  CHECK(open.symbol == "STEEL-IRON");
  CHECK(open.qty == 500000);
  CHECK(open.reserve == 55000);
  CHECK(open.increment == 500);
  CHECK(open.pricing == 2);
  CHECK(open.end_time > open.start_time);
  // The security list names it beside the instruments.
  crix::fix::SecurityListRequest list;
  list.security_req_id = "L1";
  REQUIRE(sc.fix().send(list));
  REQUIRE(sc.wait([](const crix::test::RecordingClient& c) { return !c.security_lists.empty(); }));
  const auto listed = sc.get(&crix::test::RecordingClient::security_lists).front().securities;
  const auto auction = std::find_if(listed.begin(), listed.end(), [](const auto& s) { return s.trading_session_id == kAuction; });
  REQUIRE(auction != listed.end());
  CHECK(auction->symbol == "STEEL-IRON");
  CHECK(auction->low == 55000);
  CHECK(auction->tick == 500);
  // Not an auction, not its instrument, not a buy: refused by the gateway, each naming the field.
  crix::fix::OrderRequest bad;
  bad.cl_ord_id = "X1";
  bad.symbol = "STEEL-IRON";
  bad.account = "TJ-NEW-BF-2500";
  bad.price = 60000;
  bad.qty = 100000;
  bad.trading_session_id = "AU-NOPE";
  REQUIRE(tj.fix().send(bad));
  const auto unknown = tj.wait_for("X1", '8');
  REQUIRE(unknown);
  CHECK_THAT(unknown->text, Catch::Matchers::Contains("TradingSessionID(336) 'AU-NOPE' is no auction"));
  place_bids(tj, sc);
  CHECK(ranking(tj, "R1") == std::vector<std::pair<std::int64_t, std::int64_t>>{{60500, 300000}, {57000, 400000}});
  check_result(x, seller, tj, sc);
  x.stop(SIGTERM);
}

TEST_CASE("auction over FIX: crixd killed and stopped while the auction is open, the bids survive, the result is "
          "the same as without the restarts",
          "[crixd][auction]") {
  Running x(30);
  {
    Client tj(x.port, kTianjin);
    Client sc(x.port, kSichuan);
    place_bids(tj, sc);
  }
  x.stop(SIGKILL);
  x.start();
  {
    Client tj(x.port, kTianjin);
    const TradingSessionStatus open = ask_status(tj, "G2");
    CHECK(open.status == 2);
    CHECK_THAT(open.text, Catch::Matchers::Contains("2 bids"));
    CHECK(ranking(tj, "R2") == std::vector<std::pair<std::int64_t, std::int64_t>>{{60500, 300000}, {57000, 400000}});
    // The raised bid's ClOrdID was restored with it: a new bid may not take it again.
    const ExecReport again = bid(tj, "B2", "TJ-NEW-BF-2500", 300000, 61000);
    CHECK(again.exec_type == '8');
    CHECK(again.ord_rej_reason == 6);
  }
  x.stop(SIGTERM);
  x.start();
  Client seller(x.port, kSeller);
  Client tj(x.port, kTianjin);
  Client sc(x.port, kSichuan);
  check_result(x, seller, tj, sc);
  x.stop(SIGTERM);
}

TEST_CASE("auction over FIX: a refused bid carries FIX 4.4's OrdRejReason: 11 what a bid does not take (Side "
          "OrdType TimeInForce ExecInst ExpireTime) 15 an unknown or another's project 13 an incorrect quantity "
          "3 more than the lot and 99 only where FIX 4.4 has none",
          "[crixd][auction][reject]") {
  Running x(600);
  Client tj(x.port, kTianjin);
  const auto refused = [&](const crix::fix::OrderRequest& r, int reason, const std::string& text) {
    const ExecReport e = first_report(tj, r);
    INFO(r.cl_ord_id << ": " << e.text);
    CHECK(e.exec_type == '8');
    CHECK(e.trading_session_id == kAuction);
    CHECK(e.ord_rej_reason == reason);
    CHECK_THAT(e.text, Catch::Matchers::StartsWith(text));
  };
  crix::fix::OrderRequest r = bid_request("R1", "TJ-NEW-BF-2500", 300000, 60000);
  r.side = '2';
  refused(r, 11, "Side(54) must be 1 (buy): the bids of an auction buy its lot");
  r = bid_request("R2", "TJ-NEW-BF-2500", 300000, 60000);
  r.ord_type = '1';
  refused(r, 11, "OrdType(40) must be 2 (limit): a bid names its price");
  r = bid_request("R3", "TJ-NEW-BF-2500", 300000, 60000);
  r.time_in_force = '3';
  refused(r, 11, "TimeInForce(59) '3' is not for a bid");
  r = bid_request("R4", "TJ-NEW-BF-2500", 300000, 60000);
  r.all_or_none = true;
  refused(r, 11, "ExecInst(18) G (all-or-none) is not for a bid");
  r = bid_request("R5", "TJ-NEW-BF-2500", 300000, 60000);
  r.exec_inst = "Z";
  refused(r, 11, "ExecInst(18) 'Z' is not supported, and a bid takes none: leave it out");
  r = bid_request("R6", "TJ-NEW-BF-2500", 300000, 60000);
  r.expire_time = 4'102'444'800'000'000'000;  // 2100-01-01: a bid's window is the auction's
  refused(r, 11, "ExpireTime(126) is not for a bid: a bid lasts until the auction's window ends; leave it out");
  refused(bid_request("R7", "NO-SUCH-PROJECT", 300000, 60000), 15,
          "Account(1) 'NO-SUCH-PROJECT' is no registered project");
  refused(bid_request("R8", "SC-PZH-BF-1750", 300000, 60000), 15, "");  // Sichuan's project, not Tianjin's
  refused(bid_request("R9", "TJ-NEW-BF-2500", 10'000'000'001, 60000), 13, "");  // above the largest quantity
  refused(bid_request("R10", "TJ-NEW-BF-2500", 500001, 60000), 3, "");          // above the lot's 500000 t
  // No FIX 4.4 value: the price (below the reserve, off the increment; FIX 5.0's 16 and 18), a missing one.
  refused(bid_request("R11", "TJ-NEW-BF-2500", 300000, 54500), 99, "");
  refused(bid_request("R12", "TJ-NEW-BF-2500", 300000, 60100), 99, "");
  refused(bid_request("R13", "TJ-NEW-BF-2500", 300000, 0), 99, "Price(44) is missing: a bid's price in yuan per tonne");
  // The same project's bid, taken: nothing above was.
  REQUIRE(bid(tj, "R14", "TJ-NEW-BF-2500", 300000, 60000).exec_type == '0');
  x.stop(SIGTERM);
}

TEST_CASE("crix order: buy --auction bids (refused, placed, raised) and book --auction shows the ranking without "
          "bidders",
          "[auction][fix][order]") {
  Running x(600);
  const auto order = [&](const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> argv = {CRIX_BIN, "order", "--as", who, "--port", std::to_string(x.port), "--fresh"};
    argv.insert(argv.end(), args.begin(), args.end());
    crix::test::RunOptions options;
    options.env = {"CRIX_PASSWORD=" + crix::test::demo_password(who)};
    const crix::test::RunResult r = crix::test::run(argv, options);
    UNSCOPED_INFO("crix order " << who << " ... -> " << r.exit_code << "\nstdout:\n" << r.out << "stderr:\n" << r.err);
    return r;
  };
  const crix::test::RunResult low =
      order("SC-PANZHIHUA-STEEL", {"buy", "STEEL-IRON", "SC-PZH-BF-1750", "400000", "545.00", "--auction", kAuction});
  CHECK(low.exit_code == 1);
  CHECK_THAT(low.out + low.err, Catch::Matchers::Contains("below the auction's reserve price 550.00"));
  const crix::test::RunResult bid = order(
      "TJ-BOHAI-STEEL", {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "600.00", "--auction", kAuction, "--id", "B1"});
  CHECK(bid.exit_code == 0);
  CHECK_THAT(bid.out, Catch::Matchers::Contains("(B1) new: buy 300000 t STEEL-IRON at 600.00 for TJ-NEW-BF-2500 in "
                                                 "auction AU-HB-450"));
  const crix::test::RunResult raise = order(
      "TJ-BOHAI-STEEL", {"buy", "STEEL-IRON", "TJ-NEW-BF-2500", "300000", "605.00", "--auction", kAuction, "--id", "B2"});
  CHECK(raise.exit_code == 0);
  CHECK_THAT(raise.out, Catch::Matchers::Contains("(B2) replaced: buy 300000 t STEEL-IRON at 605.00"));
  REQUIRE(order("SC-PANZHIHUA-STEEL", {"buy", "STEEL-IRON", "SC-PZH-BF-1750", "400000", "570.00", "--auction", kAuction})
              .exit_code == 0);
  const crix::test::RunResult rank = order("SD-JINAN-STEEL", {"book", "STEEL-IRON", "--auction", kAuction});
  CHECK(rank.exit_code == 0);
  CHECK_THAT(rank.out, Catch::Matchers::Contains("auction AU-HB-450 (STEEL-IRON), bids best first:\n  1. 605.00  300000 t\n"
                                                  "  2. 570.00  400000 t"));
  CHECK(rank.out.find("600.00") == std::string::npos);  // the raised bid is gone
  CHECK(rank.out.find("TJ-") == std::string::npos);
  CHECK(rank.out.find("SC-") == std::string::npos);
  x.stop(SIGTERM);
}
