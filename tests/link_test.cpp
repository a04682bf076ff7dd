// crixd's side of the operators' console (gateway/http/link.hpp): a real Daemon with a real ledger,
// driven by real QuickFIX initiators over loopback and by operator commands through Daemon::link().
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"
#include "gateway/daemon.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/http/link.hpp"
#include "ledger/reader.hpp"
#include "tests/support/feed_rows.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using crix::http::ActionResult;
using nlohmann::json;

constexpr const char* kSeller = "HB-TANGSHAN-IRON";
constexpr const char* kSellerPassword = "demo-hb-tangshan-iron";
constexpr const char* kBuyer = "TJ-BOHAI-STEEL";
constexpr const char* kBuyerPassword = "demo-tj-bohai-steel";

crix::engine::Market load(const std::string& path) {
  auto loaded = crix::config::load_market(path);
  REQUIRE(loaded.errors.empty());
  return std::move(*loaded.market);
}

std::uint32_t index_of(const crix::engine::Market& m, const std::string& participant) {
  for (std::uint32_t i = 0; i < m.participants.size(); ++i) {
    if (m.participants[i].id == participant) return i;
  }
  FAIL("no participant " << participant);
  return 0;
}

std::uint32_t instrument_of(const crix::engine::Market& m, const std::string& code) {
  for (std::uint32_t i = 0; i < m.instruments.size(); ++i) {
    if (m.instruments[i].code == code) return i;
  }
  FAIL("no instrument " << code);
  return 0;
}

crix::gateway::DaemonOptions options_in(const crix::test::ScratchDir& dir, const std::string& market_file) {
  crix::gateway::DaemonOptions o;
  o.ledger_path = dir.file("crix.ledger");
  o.port = crix::test::free_port();
  o.durability = crix::engine::Durability::kOs;
  o.market_file = market_file;
  return o;
}

crix::fix::OrderRequest order(const std::string& cl, char side, std::int64_t price, std::int64_t qty = 3) {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = "STEEL-IRON";
  r.account = side == '2' ? "HB-BF-450" : "TJ-NEW-BF-2500";
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = qty;
  r.price = price;
  return r;
}

// Submits an operator command and waits for its answer; `on_done` runs inside done() (the ledger
// stage, after the commit).
ActionResult act(crix::http::Link& link, const crix::engine::Command& c, const std::string& who,
                 const std::string& reason = "", std::function<void(const ActionResult&)> on_done = {}) {
  std::promise<ActionResult> answer;
  link.submit(c, who, reason, [&](const ActionResult& r) {
    if (on_done) on_done(r);
    answer.set_value(r);
  });
  auto f = answer.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

crix::engine::Command halt(std::uint32_t instrument, bool on) {
  crix::engine::Command c;
  c.type = on ? crix::engine::CommandType::kHalt : crix::engine::CommandType::kResume;
  c.instrument = crix::engine::InstrumentId(instrument);
  return c;
}

crix::engine::Command suspend(std::uint32_t participant, bool on) {
  crix::engine::Command c;
  c.type = on ? crix::engine::CommandType::kSuspend : crix::engine::CommandType::kReinstate;
  c.participant = crix::engine::ParticipantId(participant);
  return c;
}

// "s17": prefix and number (built so that GCC 12 sees no overlapping copy in "s" + std::to_string).
std::string id(char prefix, int i) {
  std::string s(1, prefix);
  s += std::to_string(i);
  return s;
}

template <class Done>
bool eventually(Done done, int ms = crix::test::kWaitMs) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The books and trades a feed client holds: a snapshot, then every update applied.
struct FeedModel {
  std::uint64_t seq = 0;
  std::map<std::string, std::map<std::int64_t, json>> bids, asks;  // symbol -> price -> level
  std::vector<json> trades;
  json trade_fields;  // the snapshot's: the names of a trade row's values

  explicit FeedModel(const std::string& snapshot) {
    const json s = json::parse(snapshot);
    REQUIRE(s.at("type") == "snapshot");
    seq = s.at("seq").get<std::uint64_t>();
    for (const auto& [symbol, book] : s.at("books").items()) {
      bids[symbol];
      asks[symbol];
      for (const json& l : book.at("bids")) bids[symbol][l.at("price").get<std::int64_t>()] = l;
      for (const json& l : book.at("asks")) asks[symbol][l.at("price").get<std::int64_t>()] = l;
    }
    trade_fields = s.at("trade_fields");
    for (const json& t : s.at("trades")) {
      json named = crix::test::feed_object(t, trade_fields);
      named.erase("type");
      trades.push_back(named);
    }
  }

  // An update as an object (a trade row named).
  json object(const std::string& text) const { return crix::test::feed_object(json::parse(text), trade_fields); }

  void apply(const json& e) {
    const std::string type = e.at("type");
    if (type == "book") {
      const std::string symbol = e.at("symbol");
      for (const auto& [side, book] : {std::pair{"bids", &bids}, std::pair{"asks", &asks}}) {
        for (const json& l : e.at(side)) {
          const std::int64_t price = l.at("price");
          if (l.at("qty").get<std::int64_t>() == 0) {
            (*book)[symbol].erase(price);
          } else {
            (*book)[symbol][price] = l;
          }
        }
      }
    } else if (type == "trade") {
      json t = e;
      t.erase("type");
      trades.push_back(t);
    }
  }
};

}  // namespace

TEST_CASE("link: a halt submitted by an operator rejects FIX orders on the instrument, a resume lets them trade",
          "[link]") {
  const crix::test::ScratchDir dir("link-halt");
  const std::string market_file = crix::test::all_day_market(dir);
  const crix::engine::Market market = load(market_file);
  const auto options = options_in(dir, market_file);
  crix::gateway::Daemon daemon(market, options);
  daemon.start();
  crix::http::Link& link = daemon.link();
  crix::test::FixClient seller(options.port, kSeller, kSellerPassword);
  crix::test::FixClient buyer(options.port, kBuyer, kBuyerPassword);
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));
  const std::uint32_t iron = instrument_of(market, "STEEL-IRON");

  // done() comes after the commit: the audit trail already holds the action when it runs.
  std::vector<crix::ledger::OperatorAction> seen_in_done;
  const ActionResult halted = act(link, halt(iron, true), "ops-alice", "price check", [&](const ActionResult& r) {
    seen_in_done = link.reader().operator_actions(crix::ledger::Page{crix::engine::TradeId(r.seq - 1), 1});
  });
  REQUIRE(halted.ok);
  CHECK(halted.seq > 0);
  REQUIRE(seen_in_done.size() == 1);
  CHECK(seen_in_done[0].seq.v == halted.seq);
  CHECK(link.instruments()[iron].halted);  // the console reads it as soon as the answer came

  REQUIRE(seller.fix().send(order("s-1", '2', 58000)));
  const auto refused = seller.wait_for("s-1", '8');
  REQUIRE(refused);
  CHECK_THAT(refused->text, Catch::Contains("halted"));

  // A command the exchange refuses answers with its code and reason.
  crix::engine::Command revoke;
  revoke.type = crix::engine::CommandType::kRevoke;
  revoke.id = crix::engine::OrderId(999);
  const ActionResult twice = act(link, revoke, "ops-alice");
  CHECK_FALSE(twice.ok);
  CHECK(twice.seq > halted.seq);  // sequenced and journaled all the same
  CHECK(twice.reject_code == "no such trade");
  CHECK_THAT(twice.reason, Catch::Contains("999"));
  const auto refused_action = link.reader().operator_actions(crix::ledger::Page{crix::engine::TradeId(halted.seq), 10});
  REQUIRE(refused_action.size() == 1);
  CHECK_THAT(refused_action[0].result, Catch::StartsWith("rejected: no such trade: "));

  const ActionResult resumed = act(link, halt(iron, false), "ops-alice");
  REQUIRE(resumed.ok);
  CHECK(resumed.seq > twice.seq);
  CHECK_FALSE(link.instruments()[iron].halted);
  REQUIRE(seller.fix().send(order("s-2", '2', 58000)));
  REQUIRE(seller.wait_for("s-2", '0'));
  REQUIRE(buyer.fix().send(order("b-1", '1', 58000)));
  CHECK(buyer.wait_for("b-1", 'F'));
  CHECK(seller.wait_for("s-2", 'F'));
  CHECK(eventually([&] { return !link.recent_trades(10).empty(); }));

  // Not an operator command: refused at once, nothing sequenced.
  crix::engine::Command order_command;
  order_command.type = crix::engine::CommandType::kNew;
  const ActionResult not_operator = act(link, order_command, "ops-alice");
  CHECK_FALSE(not_operator.ok);
  CHECK(not_operator.seq == 0);
  daemon.stop();
  CHECK(daemon.wait().empty());
  // Once stopped, a command is answered at once.
  const ActionResult stopped = act(link, halt(iron, true), "ops-alice");
  CHECK_FALSE(stopped.ok);
  CHECK(stopped.reason == "stopping");
}

TEST_CASE("link: a suspension logs the participant's FIX session out with the reason and refuses its logons",
          "[link]") {
  const crix::test::ScratchDir dir("link-suspend");
  const std::string market_file = crix::test::all_day_market(dir);
  const crix::engine::Market market = load(market_file);
  const auto options = options_in(dir, market_file);
  crix::gateway::Daemon daemon(market, options);
  daemon.start();
  crix::http::Link& link = daemon.link();
  const std::uint32_t seller_index = index_of(market, kSeller);
  {
    crix::test::FixClient seller(options.port, kSeller, kSellerPassword);
    REQUIRE(seller.fix().wait_logged_on(5000));
    REQUIRE(seller.fix().send(order("s-1", '2', 60000)));
    REQUIRE(seller.wait_for("s-1", '0'));
    CHECK(eventually([&] { return link.participants()[seller_index].open_orders == 1; }));
    CHECK(link.sessions()[seller_index].logged_on);

    const ActionResult r = act(link, suspend(seller_index, true), "ops-bob", "unpaid fees");
    REQUIRE(r.ok);
    CHECK(seller.wait_for("s-1", '4'));  // its order canceled
    CHECK(seller.wait([&] { return !seller.logouts.empty(); }));
    const auto logouts = seller.get(&crix::test::FixClient::logouts);
    REQUIRE_FALSE(logouts.empty());
    CHECK_THAT(logouts.back(), Catch::Contains("suspended") && Catch::Contains("unpaid fees"));
    CHECK(link.participants()[seller_index].status == "suspended");
    CHECK(link.participants()[seller_index].open_orders == 0);
    CHECK(eventually([&] { return !link.sessions()[seller_index].logged_on; }));
    seller.stop();
  }
  {
    crix::test::FixClient again(options.port, kSeller, kSellerPassword);
    CHECK_FALSE(again.fix().wait_logged_on(5000));
    CHECK_THAT(again.fix().logout_text(), Catch::Contains("suspended"));
    CHECK(eventually([&] { return link.sessions()[seller_index].refused >= 1; }));
    again.stop();
  }
  REQUIRE(act(link, suspend(seller_index, false), "ops-bob").ok);
  CHECK(link.participants()[seller_index].status == "active");
  crix::test::FixClient back(options.port, kSeller, kSellerPassword);
  CHECK(back.fix().wait_logged_on(5000));
  daemon.stop();
  CHECK(daemon.wait().empty());
}

TEST_CASE("link: the operator's name is journaled in the audit trail and survives a restart", "[link]") {
  const crix::test::ScratchDir dir("link-audit");
  const std::string market_file = crix::test::all_day_market(dir);
  const crix::engine::Market market = load(market_file);
  auto options = options_in(dir, market_file);
  const std::uint32_t iron = instrument_of(market, "STEEL-IRON");
  std::uint64_t halt_seq = 0;
  {
    crix::gateway::Daemon daemon(market, options);
    daemon.start();
    // A reason with a quote, a newline and a control byte stays one key=value of one line.
    const ActionResult r = act(daemon.link(), halt(iron, true), "ops-carol", "a \"quoted\" reason\nsecond line\x01");
    REQUIRE(r.ok);
    halt_seq = r.seq;
    daemon.stop();
    REQUIRE(daemon.wait().empty());
  }
  {
    options.port = crix::test::free_port();
    crix::gateway::Daemon daemon(market, options);  // replays the journal: the halt with it
    daemon.start();
    CHECK(daemon.link().instruments()[iron].halted);
    const auto actions = daemon.link().reader().operator_actions();
    REQUIRE(actions.size() == 1);
    CHECK(actions[0].seq.v == halt_seq);
    CHECK(actions[0].operator_name == "ops-carol");
    CHECK(actions[0].command == "halt");
    CHECK(actions[0].arguments == "symbol=STEEL-IRON reason=\"a \\\"quoted\\\" reason\\nsecond line\\x01\"");
    CHECK(actions[0].result == "ok");
    CHECK(actions[0].ts.v > 0);
    CHECK(daemon.link().reader().count_operator_actions(crix::engine::Seq(0)) == 1);
    daemon.stop();
    REQUIRE(daemon.wait().empty());
  }
  // A mistyped ledger path is refused: no new ledger journals the command.
  const std::string typo = options.ledger_path + "x";
  const auto missing = crix::test::run({CRIX_BIN, "operator", typo, "--market", market_file, "revoke", "1"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "crix operator: no ledger at " + typo +
                           ": give the path of an existing ledger, or --create to make it (e.g. to announce an "
                           "auction before crixd's first start)\n");
  CHECK_FALSE(std::filesystem::exists(typo));
  // `crix operator` (offline) journals the OS user's name.
  const auto run = crix::test::run({CRIX_BIN, "operator", options.ledger_path, "--market", market_file, "amend",
                                    "facility", "HB-BF-450", "court_seized", "false"},
                                   crix::test::RunOptions{std::nullopt, {"USER=dave"}});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const crix::ledger::Reader reader(options.ledger_path);
  const auto actions = reader.operator_actions();
  REQUIRE(actions.size() == 2);
  CHECK(actions[1].operator_name == "dave");
  CHECK(actions[1].command == "amend-facility");
  CHECK_THAT(actions[1].arguments, Catch::StartsWith("facility=HB-BF-450 field=court_seized"));
  CHECK(actions[1].result == "ok");
  CHECK(reader.operator_actions(crix::ledger::Page{crix::engine::TradeId(halt_seq), 10}).size() == 1);
  const auto verify = crix::test::run({CRIX_BIN, "verify", options.ledger_path});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("link: after a burst of FIX orders the feed's snapshot plus its updates equals a fresh snapshot",
          "[link]") {
  const crix::test::ScratchDir dir("link-feed");
  const std::string market_file = crix::test::all_day_market(dir);
  const crix::engine::Market market = load(market_file);
  const auto options = options_in(dir, market_file);
  crix::gateway::Daemon daemon(market, options);
  daemon.start();
  crix::http::Link& link = daemon.link();
  crix::test::FixClient seller(options.port, kSeller, kSellerPassword);
  crix::test::FixClient buyer(options.port, kBuyer, kBuyerPassword);
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));

  std::mutex mutex;
  std::vector<std::shared_ptr<const crix::http::FeedBatch>> batches;
  std::string first;
  const std::uint64_t handle = link.subscribe(
      [&](const std::shared_ptr<const crix::http::FeedBatch>& batch) {
        const std::lock_guard<std::mutex> lock(mutex);
        batches.push_back(batch);
      },
      first);
  FeedModel model(first);

  // Prices around 580.00 on both sides: some cross and trade, partly or wholly, some rest; a few are
  // canceled.
  constexpr int kOrders = 150;
  std::thread a([&] {
    for (int i = 0; i < kOrders; ++i) {
      seller.fix().send(order(id('s', i), '2', 57500 + (i * 37 % 11) * 100, 3 + i % 4 * 3));
    }
  });
  std::thread b([&] {
    for (int i = 0; i < kOrders; ++i) {
      buyer.fix().send(order(id('b', i), '1', 57500 + (i * 53 % 11) * 100, 3 + i % 3 * 3));
    }
  });
  a.join();
  b.join();
  const auto answered = [](crix::test::FixClient& c, char prefix) {
    return c.wait([&] {
      for (int i = 0; i < kOrders; ++i) {
        const std::string name = id(prefix, i);
        if (!c.has(name, '0') && !c.has(name, '8')) return false;
      }
      return true;
    });
  };
  REQUIRE(answered(seller, 's'));
  REQUIRE(answered(buyer, 'b'));
  for (int i = 0; i < kOrders; i += 10) {
    const crix::fix::OrderRequest cancel = crix::test::cancel_request(id('c', i), id('s', i));
    seller.fix().send(cancel);
  }
  CHECK(seller.wait([&] {
    for (int i = 0; i < kOrders; i += 10) {
      const std::string name = id('c', i);
      const bool rejected = std::any_of(seller.cancel_rejects.begin(), seller.cancel_rejects.end(),
                                        [&](const crix::fix::CancelReject& r) { return r.cl_ord_id == name; });
      if (!rejected && !seller.has(name, '4')) return false;
    }
    return true;
  }));

  // Everything committed before a fresh snapshot reached the first subscriber before it (one lock).
  std::string fresh_text;
  const std::uint64_t second =
      link.subscribe([](const std::shared_ptr<const crix::http::FeedBatch>&) {}, fresh_text);
  link.unsubscribe(second);
  link.unsubscribe(handle);
  const FeedModel fresh(fresh_text);
  std::uint64_t last = model.seq;
  std::size_t books = 0, trades = 0;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    std::vector<crix::http::FeedEvent> events;
    for (const auto& batch : batches) {
      // The shared text the feed sends is the batch's events, in order.
      REQUIRE_FALSE(batch->events.empty());
      const json texts = json::parse("[" + batch->text + "]");
      REQUIRE(texts.size() == batch->events.size());
      for (std::size_t i = 0; i < texts.size(); ++i) CHECK(texts[i] == json::parse(batch->events[i].json));
      events.insert(events.end(), batch->events.begin(), batch->events.end());
    }
    for (const crix::http::FeedEvent& e : events) {
      CHECK(e.seq >= last);  // never decreasing
      last = e.seq;
      const json j = model.object(e.json);
      CHECK(j.at("type") == e.type);
      CHECK(j.at("seq").get<std::uint64_t>() == e.seq);
      if (e.seq > fresh.seq) continue;  // after the fresh snapshot
      if (e.type == "book" || e.type == "trade") CHECK(e.seq > model.seq);
      books += e.type == "book";
      trades += e.type == "trade";
      model.apply(j);
    }
  }
  CHECK(books > 0);
  CHECK(trades > 0);
  CHECK(fresh.seq > model.seq);
  CHECK(model.bids == fresh.bids);
  CHECK(model.asks == fresh.asks);
  REQUIRE(model.trades.size() == fresh.trades.size());
  CHECK(model.trades == fresh.trades);

  // The console's reads agree with the feed, and L3 orders add up to the levels.
  const auto book = link.book("STEEL-IRON", 0, true);
  REQUIRE(book);
  std::uint32_t level_orders = 0;
  for (const auto& l : book->bids) level_orders += l.orders;
  for (const auto& l : book->asks) level_orders += l.orders;
  CHECK(book->orders.size() == level_orders);
  CHECK(book->bids.size() == fresh.bids.at("STEEL-IRON").size());
  CHECK(book->asks.size() == fresh.asks.at("STEEL-IRON").size());
  const auto recent = link.recent_trades(1000);
  CHECK(recent.size() == fresh.trades.size());
  CHECK_FALSE(link.book("NO-SUCH", 0, false));

  // Sessions count what they received and were sent.
  const auto sessions = link.sessions();
  const auto& s = sessions[index_of(market, kSeller)];
  CHECK(s.logged_on);
  CHECK(s.messages_in >= static_cast<std::uint64_t>(kOrders + kOrders / 10));
  CHECK(s.messages_out >= static_cast<std::uint64_t>(kOrders));
  CHECK(s.last_seen > 0);
  CHECK(s.since > 0);
  const auto metrics = link.metrics();
  CHECK(metrics.orders == 2 * static_cast<std::uint64_t>(kOrders));
  CHECK(metrics.trades == recent.size());
  CHECK(metrics.ack_counts.back() >= 2 * static_cast<std::uint64_t>(kOrders));
  CHECK(metrics.commit_counts.back() > 0);
  const auto status = link.status();
  CHECK(status.accepting);
  CHECK(status.seq >= fresh.seq);
  CHECK(status.chain_head.size() == 64);
  CHECK(status.ledger_bytes > 0);
  CHECK(status.started > 0);
  daemon.stop();
  CHECK(daemon.wait().empty());
  CHECK_FALSE(link.status().accepting);
}

// MarketFeed (gateway/market_feed.hpp) derives the market's changes once for two subscribers: FIX
// market data and the console. After a burst of orders, cancels and a mass cancel (one command
// moving many levels), a full-book FIX subscription and the console's feed show the same book and
// the same trades, and the console's book updates list bids best first, then asks best first.
TEST_CASE("link: FIX full-book market data and the console's feed show the same book and trades",
          "[link]") {
  const crix::test::ScratchDir dir("link-md");
  const std::string market_file = crix::test::all_day_market(dir);
  const crix::engine::Market market = load(market_file);
  const auto options = options_in(dir, market_file);
  crix::gateway::Daemon daemon(market, options);
  daemon.start();
  crix::http::Link& link = daemon.link();
  crix::test::FixClient seller(options.port, kSeller, kSellerPassword);
  crix::test::FixClient buyer(options.port, kBuyer, kBuyerPassword);
  crix::test::FixClient watcher(options.port, "TJ-RONGCHENG", "demo-tj-rongcheng");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));
  REQUIRE(watcher.fix().wait_logged_on(5000));

  crix::fix::MarketDataRequest md;
  md.md_req_id = "all";
  md.symbols = {"STEEL-IRON"};
  md.entry_types = "012";
  REQUIRE(watcher.fix().send(md));
  REQUIRE(watcher.wait([](const crix::test::RecordingClient& c) { return c.snapshots.size() == 1; }));
  std::mutex mutex;
  std::vector<crix::http::FeedEvent> events;
  std::string first;
  const std::uint64_t handle = link.subscribe(
      [&](const std::shared_ptr<const crix::http::FeedBatch>& batch) {
        const std::lock_guard<std::mutex> lock(mutex);
        events.insert(events.end(), batch->events.begin(), batch->events.end());
      },
      first);
  FeedModel console(first);

  constexpr int kOrders = 120;
  for (int i = 0; i < kOrders; ++i) {
    seller.fix().send(order(id('s', i), '2', 57500 + (i * 37 % 11) * 100, 3 + i % 4 * 3));
    buyer.fix().send(order(id('b', i), '1', 57000 + (i * 53 % 11) * 100, 3 + i % 3 * 3));
  }
  REQUIRE(seller.wait([&](const crix::test::RecordingClient& c) {
    for (int i = 0; i < kOrders; ++i) {
      if (!c.has(id('s', i), '0') && !c.has(id('s', i), '8')) return false;
    }
    return true;
  }));
  crix::fix::OrderRequest all;
  all.kind = crix::fix::RequestKind::kMassCancel;
  all.cl_ord_id = "mass";
  all.mass_cancel_type = '7';
  REQUIRE(buyer.fix().send(all));
  REQUIRE(buyer.wait([](const crix::test::RecordingClient& c) { return !c.mass_cancel_reports.empty(); }));
  // A last order, acknowledged: every change before it was sequenced and committed.
  REQUIRE(seller.fix().send(order("last", '2', 63000)));
  REQUIRE(seller.wait([](const crix::test::RecordingClient& c) { return c.has("last", '0'); }));
  REQUIRE(watcher.wait([](const crix::test::RecordingClient& c) {
    for (const auto& x : c.incrementals) {
      for (const auto& e : x.entries) {
        if (e.type == '1' && e.price == 63000) return true;
      }
    }
    return false;
  }));
  REQUIRE(eventually([&] {
    const std::lock_guard<std::mutex> lock(mutex);
    return std::any_of(events.begin(), events.end(), [](const crix::http::FeedEvent& e) {
      return e.type == "book" && e.json.find("\"price\":63000") != std::string::npos;
    });
  }));
  link.unsubscribe(handle);

  // FIX: the snapshot and every incremental applied: (type, price) -> (size, orders); trades in order.
  std::map<std::pair<char, std::int64_t>, std::pair<std::int64_t, int>> fix_book;
  std::vector<json> fix_trades;
  const auto snapshots = watcher.get(&crix::test::RecordingClient::snapshots);
  for (const auto& e : snapshots[0].entries) fix_book[{e.type, e.price}] = {e.size, e.orders};
  for (const auto& x : watcher.get(&crix::test::RecordingClient::incrementals)) {
    for (const auto& e : x.entries) {
      if (e.type == '2') {
        fix_trades.push_back(json{{"id", std::stoull(e.trade_id)}, {"price", e.price}, {"qty", e.size}});
      } else if (e.action == '2') {
        fix_book.erase({e.type, e.price});
      } else {
        fix_book[{e.type, e.price}] = {e.size, e.orders};
      }
    }
  }
  // The console: its snapshot and every update applied; each book update's levels in book order.
  std::vector<json> console_trades;
  std::size_t unordered = 0, books = 0;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const crix::http::FeedEvent& e : events) {
      const json j = console.object(e.json);
      console.apply(j);
      if (e.type == "trade") {
        console_trades.push_back(json{{"id", j.at("id")}, {"price", j.at("price")}, {"qty", j.at("qty")}});
      }
      if (e.type != "book") continue;
      ++books;
      for (const auto& [side, better] : {std::pair{"bids", 1}, std::pair{"asks", -1}}) {
        const json& levels = j.at(side);
        for (std::size_t i = 1; i < levels.size(); ++i) {
          const std::int64_t a = levels[i - 1].at("price"), b = levels[i].at("price");
          unordered += (a - b) * better > 0 ? 0 : 1;
        }
      }
    }
  }
  std::map<std::pair<char, std::int64_t>, std::pair<std::int64_t, int>> console_book;
  for (const auto& [side, type] : {std::pair{&console.bids, '0'}, std::pair{&console.asks, '1'}}) {
    for (const auto& [price, l] : (*side)["STEEL-IRON"]) {
      console_book[{type, price}] = {l.at("qty").get<std::int64_t>(), l.at("orders").get<int>()};
    }
  }
  CHECK(books > 0);
  CHECK(unordered == 0);
  CHECK_FALSE(fix_trades.empty());
  CHECK(fix_trades == console_trades);
  CHECK(fix_book.count({'1', 63000}) == 1);
  CHECK(fix_book == console_book);
  // And the console's read of the book, after the feed.
  const auto read = link.book("STEEL-IRON", 0, false);
  REQUIRE(read);
  std::map<std::pair<char, std::int64_t>, std::pair<std::int64_t, int>> read_book;
  for (const auto& l : read->bids) read_book[{'0', l.price}] = {l.qty, static_cast<int>(l.orders)};
  for (const auto& l : read->asks) read_book[{'1', l.price}] = {l.qty, static_cast<int>(l.orders)};
  CHECK(read_book == fix_book);
  daemon.stop();
}
