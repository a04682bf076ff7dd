// The daemon's building blocks: the bounded queue between stages (many producers, one consumer,
// refusal when full, close) and the salted password check of FIX Logon; then the Daemon in this process
// with a one-place inbound queue, driven by two real QuickFIX sessions, to see busy refusals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "config/market_config.hpp"
#include "engine/exchange.hpp"
#include "gateway/daemon.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/orders.hpp"
#include "gateway/password.hpp"
#include "gateway/queue.hpp"
#include "gateway/reports.hpp"
#include "tests/support/fix_client.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

using crix::gateway::BoundedQueue;

TEST_CASE("a full queue refuses at once and takes again once drained", "[gateway]") {
  BoundedQueue<int> q(3);
  CHECK(q.wait(std::chrono::milliseconds(1)) == BoundedQueue<int>::State::kEmpty);
  CHECK(q.try_push(1));
  CHECK(q.try_push(2));
  CHECK(q.try_push(3));
  CHECK_FALSE(q.try_push(4));
  CHECK(q.size() == 3);
  std::vector<int> out;
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kReady);
  CHECK(q.take(out, 2) == 2);
  CHECK(out == std::vector<int>{1, 2});
  CHECK(q.try_push(4));
  out.clear();
  q.close();
  CHECK_FALSE(q.try_push(5));
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kReady);  // what was queued still comes out
  CHECK(q.take(out, 10) == 2);
  CHECK(out == std::vector<int>{3, 4});
  CHECK(q.wait(std::chrono::milliseconds(0)) == BoundedQueue<int>::State::kClosed);
  CHECK(q.take(out, 10) == 0);
}

TEST_CASE("many producers, one consumer: every accepted item arrives once, in each producer's order", "[gateway]") {
  BoundedQueue<std::pair<int, int>> q(64);
  constexpr int kProducers = 4;
  constexpr int kItems = 20000;
  std::atomic<int> refused{0};
  std::vector<std::thread> producers;
  std::vector<std::vector<int>> accepted(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) {
        if (q.try_push({p, i})) {
          accepted[p].push_back(i);
        } else {
          ++refused;
        }
      }
    });
  }
  std::vector<std::vector<int>> seen(kProducers);
  std::thread consumer([&] {
    std::vector<std::pair<int, int>> batch;
    while (q.wait(std::chrono::milliseconds(50)) != BoundedQueue<std::pair<int, int>>::State::kClosed) {
      batch.clear();
      q.take(batch, 16);
      for (const auto& [p, i] : batch) seen[p].push_back(i);
    }
  });
  for (auto& t : producers) t.join();
  q.close();
  consumer.join();
  std::size_t total = 0;
  for (int p = 0; p < kProducers; ++p) {
    CHECK(seen[p] == accepted[p]);
    total += seen[p].size();
  }
  CHECK(total + static_cast<std::size_t>(refused.load()) == std::size_t{kProducers} * kItems);
}

TEST_CASE("a password matches its scrypt hash and nothing else", "[gateway][password]") {
  using crix::gateway::password_matches;
  const std::string spec = crix::gateway::password_hash("demo-tj-rongcheng", crix::test::kTestScrypt);
  REQUIRE(spec.rfind("scrypt$ln=10,r=1,p=1$", 0) == 0);
  CHECK(crix::gateway::parse_password_hash(spec).has_value());
  CHECK(password_matches(spec, "demo-tj-rongcheng"));
  CHECK_FALSE(password_matches(spec, "demo-tj-rongchenG"));
  CHECK_FALSE(password_matches(spec, ""));
  // A fresh salt each time: the same password never gives the same line twice.
  CHECK(crix::gateway::password_hash("demo-tj-rongcheng", crix::test::kTestScrypt) != spec);

  // Tampered parameters, salt or key: still well-formed, never a match.
  const std::size_t salt_at = spec.find('$', 7) + 1;
  const std::size_t key_at = spec.find('$', salt_at) + 1;
  std::string t = spec;
  t.replace(7, 4, "ln=11");
  CHECK_FALSE(password_matches(t, "demo-tj-rongcheng"));
  t = spec;
  t[salt_at] = t[salt_at] == '0' ? '1' : '0';
  CHECK_FALSE(password_matches(t, "demo-tj-rongcheng"));
  t = spec;
  t[key_at + 10] = t[key_at + 10] == '0' ? '1' : '0';
  CHECK_FALSE(password_matches(t, "demo-tj-rongcheng"));

  // Malformed: no match, no crash, no KDF of absurd cost.
  for (const std::string& bad : {std::string(""), std::string("scrypt$"), spec.substr(0, key_at),
                                spec.substr(0, spec.size() - 1), spec + "0", spec.substr(0, key_at) + "zz",
                                std::string("scrypt$ln=10,r=1$00$") + std::string(64, '0'),
                                std::string("scrypt$ln=99,r=1,p=1$00$") + std::string(64, '0'),
                                std::string("scrypt$ln=-1,r=1,p=1$00$") + std::string(64, '0'),
                                std::string("scrypt$ln=10,r=1,p=1$$") + std::string(64, '0'),
                                std::string("scrypt$ln=10,r=1,p=1,x=2$00$") + std::string(64, '0'),
                                std::string("sha256:bc02f9e208621b3d:6c476ff1f972d41d45406db7ec118931e25aed67aae0a7aa26d67227223bded0"),
                                std::string("plain:demo-tj-rongcheng")}) {
    CAPTURE(bad);
    CHECK_FALSE(crix::gateway::parse_password_hash(bad).has_value());
    CHECK_FALSE(password_matches(bad, "demo-tj-rongcheng"));
  }
}

TEST_CASE("an API token matches its fast salted SHA-256 hash, passwords do not", "[gateway][password]") {
  // The sample market's old spec for TJ-RONGCHENG's password: now a token's form only.
  const std::string spec = "sha256:bc02f9e208621b3d:6c476ff1f972d41d45406db7ec118931e25aed67aae0a7aa26d67227223bded0";
  CHECK(crix::gateway::token_matches(spec, "demo-tj-rongcheng"));
  CHECK_FALSE(crix::gateway::token_matches(spec, "demo-tj-rongchenG"));
  CHECK_FALSE(crix::gateway::token_matches("sha256:bc02f9e208621b3d", "demo-tj-rongcheng"));
  CHECK(crix::gateway::token_spec("bc02f9e208621b3d", "demo-tj-rongcheng") == spec);
  CHECK_FALSE(crix::gateway::password_matches(spec, "demo-tj-rongcheng"));
}

namespace {

// One participant's session: counts each order's first answer (a new or rejected execution report by
// ClOrdID, or a busy BusinessMessageReject by BusinessRejectRefID) from what it recorded.
class Counter : public crix::test::FixClient {
 public:
  using FixClient::FixClient;
  ~Counter() override { stop(); }
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Waits (up to 30 s) for `n` distinct orders answered; then what was seen. (The count first: it is
  // cheap, and there are no more distinct answers than answers.)
  bool wait_answered(std::size_t n) {
    return wait([&] { return answer_count() >= n && answered().size() >= n; }, 30'000);
  }
  std::size_t busy() {
    return read([&] {
      return static_cast<std::size_t>(std::count_if(business_rejects.begin(), business_rejects.end(), is_busy));
    });
  }
  std::size_t twice() {
    return read([&] { return answer_count() - answered().size(); });
  }

 private:
  static bool is_busy(const crix::fix::BusinessReject& r) {
    return r.ref_msg_type == "D" && r.text.find("the exchange is busy") != std::string::npos;
  }
  static bool is_first(const crix::fix::ExecReport& r) { return r.exec_type == '0' || r.exec_type == '8'; }
  // Under the lock: answers, and the distinct orders they answer.
  std::size_t answer_count() const {
    return static_cast<std::size_t>(std::count_if(reports.begin(), reports.end(), is_first) +
                                    std::count_if(business_rejects.begin(), business_rejects.end(), is_busy));
  }
  std::unordered_set<std::string> answered() const {
    std::unordered_set<std::string> ids;
    for (const auto& r : reports) {
      if (is_first(r)) ids.insert(r.cl_ord_id);
    }
    for (const auto& r : business_rejects) {
      if (is_busy(r)) ids.insert(r.ref_id);
    }
    return ids;
  }
};

// "s12" (built by appending: g++ 12 warns falsely about "s" + std::string at -O3).
std::string order_id(char prefix, int i) {
  std::string id(1, prefix);
  id += std::to_string(i);
  return id;
}

// One participant's session: every execution report, in arrival order.
using Reports = crix::test::FixClient;

// A Daemon's options for a test: a fresh ledger in `dir`, a free port, sync = os.
crix::gateway::DaemonOptions daemon_options(const crix::test::ScratchDir& dir) {
  crix::gateway::DaemonOptions options;
  options.ledger_path = dir.file("crix.ledger");
  options.port = crix::test::free_port();
  options.durability = crix::engine::Durability::kOs;
  return options;
}

// Asks for the security list and waits for it: TradingStatus(20007) per symbol (none when it did
// not come).
std::map<std::string, int> trading_status(Reports& client) {
  const std::size_t before = client.read([&] { return client.security_lists.size(); });
  crix::fix::SecurityListRequest request;
  request.security_req_id = "list-" + std::to_string(before + 1);
  std::map<std::string, int> status;
  if (!client.fix().send(request) || !client.wait([&] { return client.security_lists.size() > before; })) {
    return status;
  }
  const std::vector<crix::fix::SecurityList> lists = client.get(&Reports::security_lists);
  for (const auto& e : lists.back().securities) status[e.symbol] = e.trading_status;
  return status;
}

crix::fix::OrderRequest resting(const std::string& cl, char side, const std::string& account, std::int64_t price) {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kNew;
  r.cl_ord_id = cl;
  r.symbol = "STEEL-IRON";
  r.account = account;
  r.side = side;
  r.ord_type = '2';
  r.time_in_force = '1';
  r.qty = 3;
  r.price = price;
  return r;
}

// `r` sent again, marked PossDupFlag=Y.
crix::fix::OrderRequest resent(crix::fix::OrderRequest r) {
  r.poss_dup = true;
  return r;
}

// A daemon on `options`, started, and the seller logged on to it. The restart tests run one, finish()
// it, then run another on the same ledger.
struct SellerSession {
  SellerSession(const crix::engine::Market& market, const crix::gateway::DaemonOptions& options)
      : daemon(market, options), seller(start(daemon, options.port), "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron") {
    REQUIRE(seller.fix().wait_logged_on(5000));
  }
  void finish() {
    daemon.stop();
    CHECK(daemon.wait().empty());
  }
  static std::uint16_t start(crix::gateway::Daemon& d, std::uint16_t port) {
    d.start();
    return port;
  }
  crix::gateway::Daemon daemon;
  Reports seller;
};

// Closes Tuesday 1 December 2026 in `x` (a clock tick just after its 15:00 close, Beijing time).
void close_a_day(crix::engine::Exchange& x) {
  crix::engine::Command tick;
  tick.type = crix::engine::CommandType::kAdvanceTime;
  tick.ts = crix::engine::local_time(crix::engine::Date{2026, 12, 1}, 15, 1, 8 * 60);
  crix::engine::EventSink events;
  x.apply(tick, events);
}

}  // namespace

TEST_CASE("daemon: a full inbound queue answers busy at once and every order gets exactly one answer",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-busy");
  const auto loaded = crix::config::load_market(crix::test::all_day_market(dir));
  REQUIRE(loaded.errors.empty());
  crix::gateway::DaemonOptions options = daemon_options(dir);
  options.inbound_capacity = 1;  // a request that finds the engine busy and one request waiting is refused
  crix::gateway::Daemon daemon(*loaded.market, options);
  daemon.start();
  Counter seller(options.port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  Counter buyer(options.port, "TJ-BOHAI-STEEL", "demo-tj-bohai-steel");
  REQUIRE(seller.fix().wait_logged_on(5000));
  REQUIRE(buyer.fix().wait_logged_on(5000));
  constexpr int kOrders = 3000;  // per session, sent without waiting: they rest (600.00 over 560.00)
  std::thread a([&] {
    for (int i = 0; i < kOrders; ++i) seller.fix().send(resting(order_id('s', i), '2', "HB-BF-450", 60000));
  });
  std::thread b([&] {
    for (int i = 0; i < kOrders; ++i) buyer.fix().send(resting(order_id('b', i), '1', "TJ-NEW-BF-2500", 56000));
  });
  a.join();
  b.join();
  CHECK(seller.wait_answered(kOrders));
  CHECK(buyer.wait_answered(kOrders));
  CHECK(seller.twice() == 0);
  CHECK(buyer.twice() == 0);
  const std::size_t busy = seller.busy() + buyer.busy();
  CHECK(busy > 0);
  daemon.stop();
  CHECK(daemon.wait().empty());
  // What was refused was never sequenced; everything else was journaled.
  CHECK(daemon.stats().busy == busy);
  CHECK(daemon.stats().commands - daemon.stats().clock_commands == 2 * kOrders - busy);
}

TEST_CASE("daemon: at the close Day orders expire and their ClOrdIDs may be used again the next trading day",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-close");
  const auto loaded = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(loaded.errors.empty());
  // The sample market trades 09:30-11:30 and 13:00-15:00 Beijing time; 1 and 2 December 2026 are a
  // Tuesday and a Wednesday.
  auto beijing = [](std::uint8_t day, int hour, int minute) {
    return crix::engine::local_time(crix::engine::Date{2026, 12, day}, hour, minute, 8 * 60).v;
  };
  std::atomic<std::int64_t> clock{beijing(1, 10, 0)};
  crix::gateway::DaemonOptions options = daemon_options(dir);
  options.clock = [&clock] { return clock.load(); };
  crix::gateway::Daemon daemon(*loaded.market, options);
  daemon.start();
  Reports seller(options.port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));

  crix::fix::OrderRequest day = resting("day-1", '2', "HB-BF-450", 60000);
  day.time_in_force = '0';
  const crix::fix::OrderRequest gtc = resting("gtc-1", '2', "HB-BF-450", 60100);
  REQUIRE(seller.fix().send(day));
  REQUIRE(seller.fix().send(gtc));
  REQUIRE(seller.wait_for("day-1", '0'));
  REQUIRE(seller.wait_for("gtc-1", '0'));
  REQUIRE(seller.fix().send(day));  // the same day: taken
  const auto again = seller.wait_for("day-1", '8');
  REQUIRE(again);
  CHECK_THAT(again->text, Catch::Contains("'day-1' was used before in this session"));

  clock = beijing(1, 15, 1);  // the engine thread's minute timer closes the day
  const auto expired = seller.wait_for("day-1", 'C');
  REQUIRE(expired);
  CHECK(expired->ord_status == 'C');
  CHECK(expired->leaves_qty == 0);
  CHECK(seller.read([&] { return seller.count("gtc-1", 'C'); }) == 0);

  clock = beijing(2, 10, 0);
  REQUIRE(seller.fix().send(day));  // a new trading day: free again
  const auto reused = seller.wait_for("day-1", '0', 2);
  REQUIRE(reused);
  CHECK(reused->order_id != expired->order_id);
  REQUIRE(seller.fix().send(resting("gtc-1", '2', "HB-BF-450", 60200)));  // still a live order's
  const auto live = seller.wait_for("gtc-1", '8');
  REQUIRE(live);
  CHECK_THAT(live->text, Catch::Contains("'gtc-1' was used before in this session"));
  daemon.stop();
  CHECK(daemon.wait().empty());
}

// The ledger's client_orders records are the gateway's own, but a damaged file must not take crixd
// down: every record, mangled at random (cut, a byte changed or added), is restored whole or forgotten
// (added to `stale`), never half, and what is restored can be reported (its char fields printable, its
// session and instrument the market's).
TEST_CASE("orders: damaged client_orders records are restored whole or forgotten, never half", "[gateway][orders]") {
  const auto loaded = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(loaded.market.has_value());
  const crix::engine::Market& market = *loaded.market;
  const crix::engine::Exchange exchange(market);
  const auto seller = exchange.participant_index("HB-TANGSHAN-IRON");
  REQUIRE(seller);
  // Valid records of each form: ended (filled; canceled by a request), live, and a name alone.
  crix::ledger::Batch made;
  {
    crix::gateway::Orders orders(market, exchange);
    orders.keep_taken(4, *seller, "n4", made);
    for (std::uint64_t id = 1; id <= 3; ++id) {
      crix::gateway::OrderInfo o;
      o.session = *seller;
      o.side = '2';
      o.account = "HB-BF-450";
      o.cl_ord_id = "c" + std::to_string(id);
      o.price = 58000;
      o.qty = 10;
      o.cum_qty = id == 1 ? 10 : 4;
      o.cum_value = o.cum_qty * o.price;
      orders.accept(id, o);
      if (id == 3) {
        orders.store_touched(made);
      } else {
        orders.forget(id, id == 1 ? '2' : '4', made, id == 2 ? "x2" : "");
      }
    }
  }
  std::vector<std::string> valid;
  for (const crix::ledger::ClientOrder& k : made.client_orders()) {
    if (!k.state.empty()) valid.push_back(k.state);
  }
  REQUIRE(valid.size() == 4);
  crix::test::Rng rng{20261207};
  std::vector<crix::ledger::ClientOrder> kept;
  for (std::uint64_t id = 1; id <= 20'000; ++id) {
    std::string state = valid[rng.below(valid.size())];
    const auto at = [&] { return static_cast<std::size_t>(rng.below(state.size() + 1)); };
    const auto byte = [&] {
      const char picks[] = {'\x01', '\0', 'E', '1', '9', '-', ' ', '\x7f', '\xff'};
      return rng.chance(50) ? picks[rng.below(sizeof picks)] : static_cast<char>(rng.below(256));
    };
    switch (rng.below(4)) {
      case 0: state.resize(at()); break;
      case 1:
        if (!state.empty()) state[rng.below(state.size())] = byte();
        break;
      case 2: state.insert(at(), 1, byte()); break;
      default: break;  // unchanged
    }
    kept.push_back({id, state});
  }
  crix::gateway::Orders orders(market, exchange);
  crix::ledger::Batch stale;
  std::size_t live = 0;
  REQUIRE_NOTHROW(live = orders.restore(kept, stale));
  CHECK(live == 0);  // nothing rests in this exchange's book
  // Each record restored as an ended order or forgotten, once.
  std::unordered_set<std::uint64_t> forgotten;
  for (const auto& k : stale.client_orders()) forgotten.insert(k.order);
  CHECK(forgotten.size() == stale.client_orders().size());
  CHECK(orders.ended_today() + orders.names_kept() + forgotten.size() == kept.size());
  CHECK(orders.taken(*seller, "n4"));  // from the unchanged ones
  std::size_t unchanged = 0, bad = 0;
  std::vector<std::uint64_t> restored;
  for (std::uint32_t p = 0; p < market.participants.size(); ++p) {
    for (const std::uint64_t id : orders.ended_of(p, UINT32_MAX)) restored.push_back(id);
  }
  CHECK(restored.size() == orders.ended_today());
  const auto printable = [](char c) { return c > ' ' && c <= '~'; };
  for (const std::uint64_t id : restored) {
    if (forgotten.count(id) != 0) ++bad;
    const crix::gateway::Ended e = orders.ended(id);
    if (!printable(e.side) || !printable(e.ord_type) || !printable(e.tif) || !printable(e.status) ||
        e.instrument >= market.instruments.size() || e.cl_ord_id.empty()) {
      ++bad;
    }
    if (std::find(valid.begin(), valid.end(), kept[id - 1].state) != valid.end()) ++unchanged;
  }
  CHECK(bad == 0);
  CHECK(unchanged > 0);
  // An unchanged ended record always comes back.
  std::size_t lost = 0;
  for (const auto& k : kept) {
    const bool ended_form = k.state == valid[1] || k.state == valid[2];
    if (ended_form && forgotten.count(k.order) != 0) ++lost;
  }
  CHECK(lost == 0);
}

TEST_CASE("daemon: a request resent with PossDupFlag=Y whose ClOrdID was used is answered with its order's "
          "status, never acted on twice",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-possdup");
  const auto loaded = crix::config::load_market(crix::test::all_day_market(dir));
  REQUIRE(loaded.errors.empty());
  crix::gateway::DaemonOptions options = daemon_options(dir);
  crix::gateway::Daemon daemon(*loaded.market, options);
  daemon.start();
  Reports seller(options.port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(seller.fix().wait_logged_on(5000));

  // A new order, then the same sent again as a possible duplicate: its status, not a second order.
  const crix::fix::OrderRequest first = resting("pd-1", '2', "HB-BF-450", 60000);
  REQUIRE(seller.fix().send(first));
  const auto accepted = seller.wait_for("pd-1", '0');
  REQUIRE(accepted);
  REQUIRE(seller.fix().send(resent(first)));
  const auto status = seller.wait_for("pd-1", 'I');
  REQUIRE(status);
  CHECK(status->ord_status == '0');
  CHECK(status->order_id == accepted->order_id);
  CHECK(status->leaves_qty == 3);
  // Not marked as a possible duplicate, the same ClOrdID is refused as before.
  REQUIRE(seller.fix().send(first));
  const auto refused = seller.wait_for("pd-1", '8');
  REQUIRE(refused);
  CHECK_THAT(refused->text, Catch::Contains("was used before"));

  // A possible duplicate the exchange never saw is an order like any.
  REQUIRE(seller.fix().send(resent(resting("pd-2", '2', "HB-BF-450", 60100))));
  const auto fresh = seller.wait_for("pd-2", '0');
  REQUIRE(fresh);
  CHECK(fresh->order_id != accepted->order_id);

  // A replace sent again: the order's status under its new ClOrdID, not a second replace.
  crix::fix::OrderRequest replace = resting("pd-2r", '2', "HB-BF-450", 60200);
  replace.kind = crix::fix::RequestKind::kReplace;
  replace.orig_cl_ord_id = "pd-2";
  replace.qty = 2;
  REQUIRE(seller.fix().send(replace));
  REQUIRE(seller.wait_for("pd-2r", '5'));
  REQUIRE(seller.fix().send(resent(replace)));
  const auto replaced = seller.wait_for("pd-2r", 'I');
  REQUIRE(replaced);
  CHECK(replaced->ord_status == '0');
  CHECK(replaced->order_id == fresh->order_id);
  CHECK(replaced->price == 60200);
  CHECK(replaced->leaves_qty == 2);
  // The order's first ClOrdID names nothing now: said so, with the status of no order.
  REQUIRE(seller.fix().send(resent(resting("pd-2", '2', "HB-BF-450", 60100))));
  const auto gone = seller.wait_for("pd-2", 'I');
  REQUIRE(gone);
  CHECK(gone->ord_status == '8');
  CHECK_THAT(gone->text, Catch::Contains("names no order now"));

  // A cancel sent again: the canceled order's status, not a cancel reject.
  crix::fix::OrderRequest cancel = crix::test::cancel_request("pd-1x", "pd-1");
  REQUIRE(seller.fix().send(cancel));
  REQUIRE(seller.wait_for("pd-1x", '4'));
  REQUIRE(seller.fix().send(resent(cancel)));
  const auto canceled = seller.wait_for("pd-1x", 'I');
  REQUIRE(canceled);
  CHECK(canceled->ord_status == '4');
  CHECK(canceled->order_id == accepted->order_id);
  // The first order sent again now: its status under the ClOrdID sent, the cancel's (its last) in 41.
  REQUIRE(seller.fix().send(resent(first)));
  const auto first_again = seller.wait_for("pd-1", 'I', 2);
  REQUIRE(first_again);
  CHECK(first_again->ord_status == '4');
  CHECK(first_again->orig_cl_ord_id == "pd-1x");
  CHECK(first_again->order_id == accepted->order_id);

  // A marked cancel the exchange never received, naming the order by its own ClOrdID: acted on (the
  // name is taken by the order, but no cancel ended anything by it), then, sent again, its status.
  REQUIRE(seller.fix().send(resting("pd-3", '2', "HB-BF-450", 60300)));
  REQUIRE(seller.wait_for("pd-3", '0'));
  cancel.cl_ord_id = "pd-3";
  cancel.orig_cl_ord_id = "pd-3";
  REQUIRE(seller.fix().send(resent(cancel)));
  REQUIRE(seller.wait_for("pd-3", '4'));
  REQUIRE(seller.fix().send(resent(cancel)));
  const auto third = seller.wait_for("pd-3", 'I');
  REQUIRE(third);
  CHECK(third->ord_status == '4');
  CHECK(seller.read([&] { return seller.cancel_rejects.size(); }) == 0);
  // Nothing was acted on twice: three new orders, one replace, two cancels, one refusal.
  CHECK(seller.read([&] {
    return std::count_if(seller.reports.begin(), seller.reports.end(), [](const auto& r) { return r.exec_type != 'I'; });
  }) == 7);
  daemon.stop();
  CHECK(daemon.wait().empty());
}

TEST_CASE("orders: a ClOrdID that names no order, or a mass cancel's, is kept in the ledger until the close, also "
          "over a restart",
          "[gateway][orders]") {
  const auto loaded = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(loaded.market.has_value());
  const crix::engine::Market& market = *loaded.market;
  const crix::engine::Exchange exchange(market);
  const auto seller = exchange.participant_index("HB-TANGSHAN-IRON");
  const auto buyer = exchange.participant_index("TJ-BOHAI-STEEL");
  REQUIRE(seller);
  REQUIRE(buyer);
  crix::gateway::Orders orders(market, exchange);
  crix::ledger::Batch batch;
  REQUIRE(orders.use_cl_ord_id(*seller, "refused"));
  orders.keep_taken(7, *seller, "refused", batch);
  orders.keep_mass_cancel(8, *seller, "mass", batch);
  CHECK(orders.mass_canceled(*seller, "mass"));
  CHECK_FALSE(orders.taken(*seller, "mass"));  // a mass cancel's ClOrdID takes no order's
  REQUIRE(batch.client_orders().size() == 2);
  CHECK(batch.client_orders()[0].order == 7);
  CHECK(batch.client_orders()[1].order == 8);

  crix::gateway::Orders restored(market, exchange);
  crix::ledger::Batch stale;
  CHECK(restored.restore(batch.client_orders(), stale) == 0);
  CHECK(stale.client_orders().empty());
  CHECK(restored.names_kept() == 2);
  CHECK(restored.taken(*seller, "refused"));
  CHECK(restored.mass_canceled(*seller, "mass"));
  CHECK_FALSE(restored.mass_canceled(*buyer, "mass"));
  CHECK_FALSE(restored.mass_canceled(*seller, "refused"));
  CHECK_FALSE(restored.use_cl_ord_id(*seller, "refused"));
  CHECK(restored.use_cl_ord_id(*buyer, "refused"));  // each session's names are its own
  // The close deletes the record and frees the name.
  crix::ledger::Batch closing;
  restored.new_day(nullptr, closing);
  REQUIRE(closing.client_orders().size() == 2);
  CHECK(closing.client_orders()[0].order == 7);
  CHECK(closing.client_orders()[0].state.empty());
  CHECK(closing.client_orders()[1].order == 8);
  CHECK(closing.client_orders()[1].state.empty());
  CHECK(restored.names_kept() == 0);
  CHECK(restored.use_cl_ord_id(*seller, "refused"));
  CHECK_FALSE(restored.mass_canceled(*seller, "mass"));

  // An exchange that closed a day since the record was written forgets it.
  crix::engine::Exchange later(market);
  close_a_day(later);
  REQUIRE(later.last_closed_day() != exchange.last_closed_day());
  crix::gateway::Orders next_day(market, later);
  crix::ledger::Batch old;
  CHECK(next_day.restore(batch.client_orders(), old) == 0);
  REQUIRE(old.client_orders().size() == 2);
  CHECK(old.client_orders()[0].order == 7);
  CHECK(next_day.names_kept() == 0);
  CHECK(next_day.use_cl_ord_id(*seller, "refused"));
  CHECK_FALSE(next_day.mass_canceled(*seller, "mass"));
}

// The names the ledger keeps alone (Orders::keep_taken): a new order the exchange refused, the order's
// first ClOrdID after a replace, a refused replace's. Before, a restart freed them: an order sent with
// one was accepted, and a resend of one marked PossDupFlag=Y was acted on as new.
TEST_CASE("daemon: after a restart the ClOrdIDs that name no order (refused, or left behind by a replace) are "
          "still taken, and sent again as possible duplicates they are answered, not acted on",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-names");
  const auto loaded = crix::config::load_market(crix::test::all_day_market(dir));
  REQUIRE(loaded.errors.empty());
  crix::gateway::DaemonOptions options = daemon_options(dir);
  crix::fix::OrderRequest replace = resting("nm-1r", '2', "HB-BF-450", 60100);
  replace.kind = crix::fix::RequestKind::kReplace;
  replace.orig_cl_ord_id = "nm-1";
  crix::fix::OrderRequest bad_replace = replace;  // outside the band (52,200 to 63,800): refused
  bad_replace.cl_ord_id = "nm-1x";
  bad_replace.orig_cl_ord_id = "nm-1r";
  bad_replace.price = 70000;
  std::string order_id;
  {
    SellerSession before(*loaded.market, options);
    Reports& seller = before.seller;
    REQUIRE(seller.fix().send(resting("nm-1", '2', "HB-BF-450", 60000)));
    const auto accepted = seller.wait_for("nm-1", '0');
    REQUIRE(accepted);
    order_id = accepted->order_id;
    REQUIRE(seller.fix().send(replace));
    REQUIRE(seller.wait_for("nm-1r", '5'));
    REQUIRE(seller.fix().send(resting("nm-bad", '2', "HB-BF-450", 70000)));
    const auto refused = seller.wait_for("nm-bad", '8');
    REQUIRE(refused);
    CHECK_THAT(refused->text, Catch::Contains("band"));
    REQUIRE(seller.fix().send(bad_replace));
    REQUIRE(seller.wait([](const crix::test::RecordingClient& c) { return c.cancel_rejects.size() == 1; }));
    CHECK_THAT(seller.get(&crix::test::RecordingClient::cancel_rejects)[0].text, Catch::Contains("band"));
    before.finish();
  }

  options.port = crix::test::free_port();
  SellerSession after(*loaded.market, options);
  Reports& seller = after.seller;
  // Sent as new orders, each name is refused as used before; a replace may not take the refused one.
  for (const char* name : {"nm-1", "nm-bad", "nm-1r"}) {
    REQUIRE(seller.fix().send(resting(name, '2', "HB-BF-450", 60200)));
    const auto again = seller.wait_for(name, '8');
    REQUIRE(again);
    CHECK_THAT(again->text, Catch::Contains(std::string("'") + name + "' was used before"));
  }
  crix::fix::OrderRequest retake = bad_replace;
  retake.price = 60300;
  REQUIRE(seller.fix().send(retake));
  REQUIRE(seller.wait([](const crix::test::RecordingClient& c) { return c.cancel_rejects.size() == 1; }));
  CHECK_THAT(seller.get(&crix::test::RecordingClient::cancel_rejects)[0].text, Catch::Contains("'nm-1x' was used before"));
  // Marked as possible duplicates: answered with a status, the order untouched.
  for (const char* name : {"nm-1", "nm-bad"}) {
    REQUIRE(seller.fix().send(resent(resting(name, '2', "HB-BF-450", 60000))));
    const auto status = seller.wait_for(name, 'I');
    REQUIRE(status);
    CHECK(status->ord_status == '8');
    CHECK_THAT(status->text, Catch::Contains("names no order now"));
  }
  REQUIRE(seller.fix().send(resent(bad_replace)));
  const auto bad_status = seller.wait_for("nm-1x", 'I');
  REQUIRE(bad_status);
  CHECK(bad_status->ord_status == '8');
  REQUIRE(seller.fix().send(resent(replace)));
  const auto live = seller.wait_for("nm-1r", 'I');
  REQUIRE(live);
  CHECK(live->ord_status == '0');
  CHECK(live->order_id == order_id);
  CHECK(live->price == 60100);
  // Only refusals and statuses: no order was made or changed after the restart.
  CHECK(seller.read([&] {
    return std::count_if(seller.reports.begin(), seller.reports.end(),
                         [](const auto& r) { return r.exec_type != 'I' && r.exec_type != '8'; });
  }) == 0);
  after.finish();
}

// A mass cancel acted on, then resent as a possible duplicate (after a crash between acting on it and
// storing its number, say): acting again would cancel the orders placed since.
TEST_CASE("daemon: a mass cancel resent with PossDupFlag=Y is answered, not acted on again, also after a restart",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-mass-possdup");
  const auto loaded = crix::config::load_market(crix::test::all_day_market(dir));
  REQUIRE(loaded.errors.empty());
  crix::gateway::DaemonOptions options = daemon_options(dir);
  crix::fix::OrderRequest q;
  q.kind = crix::fix::RequestKind::kMassCancel;
  q.cl_ord_id = "mq-all";
  q.mass_cancel_type = '7';
  const auto reports = [](Reports& c) { return c.get(&crix::test::RecordingClient::mass_cancel_reports); };
  const auto count_reports = [](std::size_t n) {
    return [n](const crix::test::RecordingClient& c) { return c.mass_cancel_reports.size() == n; };
  };
  {
    SellerSession before(*loaded.market, options);
    Reports& seller = before.seller;
    REQUIRE(seller.fix().send(resting("mq-1", '2', "HB-BF-450", 60000)));
    REQUIRE(seller.wait_for("mq-1", '0'));
    REQUIRE(seller.fix().send(q));
    REQUIRE(seller.wait(count_reports(1)));
    CHECK(reports(seller)[0].affected == 1);
    REQUIRE(seller.wait_for("mq-1", '4'));
    // An order placed after it, then the mass cancel again as a possible duplicate.
    REQUIRE(seller.fix().send(resting("mq-2", '2', "HB-BF-450", 60100)));
    REQUIRE(seller.wait_for("mq-2", '0'));
    REQUIRE(seller.fix().send(resent(q)));
    REQUIRE(seller.wait(count_reports(2)));
    const crix::fix::MassCancelReport again = reports(seller)[1];
    CHECK(again.response == '7');
    CHECK(again.affected == 0);
    CHECK_THAT(again.text, Catch::Contains("was received before"));
    // Unmarked, the same ClOrdID is a new request, acted on: mq-2 is canceled.
    REQUIRE(seller.fix().send(q));
    REQUIRE(seller.wait(count_reports(3)));
    CHECK(reports(seller)[2].affected == 1);
    REQUIRE(seller.wait_for("mq-2", '4'));
    REQUIRE(seller.fix().send(resting("mq-3", '2', "HB-BF-450", 60200)));
    REQUIRE(seller.wait_for("mq-3", '0'));
    before.finish();
  }
  options.port = crix::test::free_port();
  SellerSession after(*loaded.market, options);
  Reports& seller = after.seller;
  REQUIRE(seller.fix().send(resent(q)));
  REQUIRE(seller.wait(count_reports(1)));
  CHECK(reports(seller)[0].affected == 0);
  CHECK_THAT(reports(seller)[0].text, Catch::Contains("was received before"));
  crix::fix::OrderRequest status;
  status.kind = crix::fix::RequestKind::kStatus;
  status.cl_ord_id = "mq-3";
  status.symbol = "STEEL-IRON";
  status.side = '2';
  REQUIRE(seller.fix().send(status));
  const auto live = seller.wait_for("mq-3", 'I');
  REQUIRE(live);
  CHECK(live->ord_status == '0');  // still resting
  after.finish();
}

TEST_CASE("daemon: the clock moves the session phase at start and at each boundary with no order sent",
          "[gateway]") {
  const crix::test::ScratchDir dir("daemon-phase");
  const auto loaded = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(loaded.errors.empty());
  // The sample market trades 09:30-11:30 and 13:00-15:00 Beijing time; 1 December 2026 is a Tuesday.
  auto beijing = [](int hour, int minute) {
    return crix::engine::local_time(crix::engine::Date{2026, 12, 1}, hour, minute, 8 * 60).v;
  };
  std::atomic<std::int64_t> clock{beijing(10, 0)};
  crix::gateway::DaemonOptions options = daemon_options(dir);
  options.clock = [&clock] { return clock.load(); };
  crix::gateway::Daemon daemon(*loaded.market, options);
  daemon.start();
  CHECK(daemon.phase() == crix::engine::SessionPhase::kContinuous);
  Reports trader(options.port, "HB-TANGSHAN-IRON", "demo-hb-tangshan-iron");
  REQUIRE(trader.fix().wait_logged_on(5000));
  constexpr int kTrading = 17, kClosed = 18;
  CHECK(trading_status(trader)["STEEL-IRON"] == kTrading);  // before any order

  const auto wait_phase = [&](crix::engine::SessionPhase phase) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (daemon.phase() != phase && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return daemon.phase() == phase;
  };
  clock = beijing(11, 30);  // the lunch break: the engine thread's minute timer
  CHECK(wait_phase(crix::engine::SessionPhase::kBreak));
  CHECK(trading_status(trader)["GLASS-FLAT"] == kClosed);
  clock = beijing(13, 0);
  CHECK(wait_phase(crix::engine::SessionPhase::kContinuous));
  CHECK(trading_status(trader)["GLASS-FLAT"] == kTrading);
  clock = beijing(15, 0);
  CHECK(wait_phase(crix::engine::SessionPhase::kClosed));
  daemon.stop();
  CHECK(daemon.wait().empty());
  CHECK(daemon.stats().clock_commands >= 4);  // each move of the clock was sequenced (and journaled)
}

// Orders keeps the day's ended orders compactly (an arena of ClOrdIDs, open-addressing tables): every
// one stays findable by its OrderID and by each of its names through the tables' growth, across
// arena blocks and for a ClOrdID longer than a block; a cancel's ClOrdID names the order but is not
// taken. Each ended order's record goes to the ledger: restored from them (a restart), the same holds;
// the close forgets them all and deletes the records.
TEST_CASE("orders: many ended orders are each found by id and by every name, also after a restart, and the "
          "close forgets them",
          "[gateway][orders]") {
  const auto loaded = crix::config::load_market(crix::config::sample_market_path());
  REQUIRE(loaded.market.has_value());
  const crix::engine::Market& market = *loaded.market;
  const crix::engine::Exchange exchange(market);
  crix::gateway::Orders orders(market, exchange);
  const auto seller = exchange.participant_index("HB-TANGSHAN-IRON");
  const auto buyer = exchange.participant_index("TJ-BOHAI-STEEL");
  REQUIRE(seller);
  REQUIRE(buyer);
  const std::string huge(3 << 20, 'h');  // 3 MiB: more than an arena block
  constexpr std::uint64_t kOrders = 150'000;
  crix::ledger::Batch batch;
  const auto cl = [](const char* prefix, std::uint64_t id) {
    std::string s = prefix;  // (not prefix + ...: g++ 12 -O3 warns falsely on that, -Wrestrict)
    s.append(std::to_string(id));
    return s;
  };
  for (std::uint64_t id = 1; id <= kOrders; ++id) {
    crix::gateway::OrderInfo o;
    o.session = id % 2 == 0 ? *seller : *buyer;
    o.side = id % 2 == 0 ? '2' : '1';
    o.account = id % 2 == 0 ? "HB-BF-450" : "TJ-NEW-BF-2500";
    o.cl_ord_id = id == 777 ? huge : cl("c", id);
    o.price = static_cast<std::int64_t>(58000 + id % 100);
    o.qty = 10;
    o.cum_qty = id % 3 == 0 ? 10 : 0;
    o.cum_value = o.cum_qty * o.price;
    REQUIRE(orders.use_cl_ord_id(o.session, o.cl_ord_id));
    orders.accept(id, o);
    // One in three canceled by a request with its own ClOrdID.
    orders.forget(id, id % 3 == 0 ? '2' : '4', batch, id % 3 == 1 ? cl("x", id) : std::string());
  }
  REQUIRE(batch.client_orders().size() == kOrders);
  crix::gateway::Orders restored(market, exchange);
  crix::ledger::Batch stale;
  CHECK(restored.restore(batch.client_orders(), stale) == 0);  // no live order
  CHECK(stale.client_orders().empty());
  CHECK(restored.ended_today() == kOrders);
  {
    // An exchange that has closed a day since (a command crixd did not run, say `crix operator` on a
    // stopped exchange, may close it): every record is of an earlier day, forgotten.
    crix::engine::Exchange later(market);
    close_a_day(later);
    REQUIRE(later.last_closed_day() != exchange.last_closed_day());
    crix::gateway::Orders next_day(market, later);
    crix::ledger::Batch old;
    CHECK(next_day.restore(batch.client_orders(), old) == 0);
    CHECK(next_day.ended_today() == 0);
    CHECK(old.client_orders().size() == kOrders);
    CHECK(next_day.use_cl_ord_id(*seller, "c2"));
  }
  const auto request = [](std::uint32_t session, const std::string& cl_ord_id, const std::string& order_id) {
    crix::fix::OrderRequest r;
    r.kind = crix::fix::RequestKind::kStatus;
    r.session = session;
    r.cl_ord_id = cl_ord_id;
    r.order_id = order_id;
    return r;
  };
  const auto wrong_in = [&](const crix::gateway::Orders& kept) {
    std::uint64_t wrong = 0;
    for (std::uint64_t id = 1; id <= kOrders; ++id) {
      const std::uint32_t session = id % 2 == 0 ? *seller : *buyer;
      const std::uint32_t other = id % 2 == 0 ? *buyer : *seller;
      const std::string first = id == 777 ? huge : cl("c", id);
      const std::string last = id % 3 == 1 ? cl("x", id) : first;
      const auto by_first = kept.find_ended(request(session, first, ""));
      const auto by_last = kept.find_ended(request(session, last, ""));
      const auto by_id = kept.find_ended(request(session, "", std::to_string(id)));
      if (by_first != id || by_last != id || by_id != id) {
        ++wrong;
        continue;
      }
      const crix::gateway::Ended e = kept.ended(id);
      const bool right = e.session == session && e.cl_ord_id == last && e.status == (id % 3 == 0 ? '2' : '4') &&
                         e.account == (id % 2 == 0 ? "HB-BF-450" : "TJ-NEW-BF-2500") &&
                         e.price == static_cast<std::int64_t>(58000 + id % 100) && e.qty == 10 &&
                         e.cum_qty == (id % 3 == 0 ? 10 : 0) && e.avg_px == (id % 3 == 0 ? e.price : 0) &&
                         !kept.find_ended(request(other, last, "")) &&
                         !kept.find_ended(request(other, "", std::to_string(id)));
      if (!right) ++wrong;
    }
    return wrong;
  };
  for (crix::gateway::Orders* o : {&orders, &restored}) {
    CHECK(wrong_in(*o) == 0);
    CHECK_FALSE(o->find_ended(request(*seller, "", std::to_string(kOrders + 1))));
    CHECK_FALSE(o->find_ended(request(*seller, "c-never", "")));
    // Every ClOrdID an order used is taken for the day; a cancel's only names the order.
    CHECK_FALSE(o->use_cl_ord_id(*seller, "c2"));
    CHECK_FALSE(o->use_cl_ord_id(*buyer, huge));
    CHECK(o->use_cl_ord_id(*buyer, "c2"));  // another session's
    CHECK(o->use_cl_ord_id(*seller, "x4"));
    const std::vector<std::uint64_t> sold = o->ended_of(*seller, UINT32_MAX);
    CHECK(sold.size() == kOrders / 2);
    CHECK(std::is_sorted(sold.begin(), sold.end()));
    CHECK(o->ended_of(*seller, 1).empty());  // all on instrument 0
  }

  crix::ledger::Batch closing;
  orders.new_day(nullptr, closing);
  CHECK(closing.client_orders().size() == kOrders);
  CHECK(std::all_of(closing.client_orders().begin(), closing.client_orders().end(),
                    [](const crix::ledger::ClientOrder& k) { return k.state.empty(); }));
  CHECK_FALSE(orders.find_ended(request(*seller, "c2", "")));
  CHECK_FALSE(orders.find_ended(request(*seller, "", "2")));
  CHECK(orders.ended_of(*seller, UINT32_MAX).empty());
  CHECK(orders.use_cl_ord_id(*seller, "c2"));
  CHECK(orders.use_cl_ord_id(*buyer, huge));
}

TEST_CASE("utc_timestamp_text writes FIX's UTCTimestamp, milliseconds only when not whole", "[gateway]") {
  using crix::gateway::utc_timestamp_text;
  CHECK(utc_timestamp_text(0) == "19700101-00:00:00");
  CHECK(utc_timestamp_text(1'767'225'600'500'000'000) == "20260101-00:00:00.500");
  CHECK(utc_timestamp_text(1'767'225'599'999'999'999) == "20251231-23:59:59.999");
  CHECK(utc_timestamp_text(-1) == "19691231-23:59:59.999");  // floored, before 1970 too
}
