// The daemon's building blocks: the bounded queue between stages (many producers, one consumer,
// refusal when full, close) and the salted password check of FIX Logon; then the Daemon in this process
// with a one-place inbound queue, driven by two real QuickFIX sessions, to see busy refusals.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "config/market_config.hpp"
#include "gateway/daemon.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/password.hpp"
#include "gateway/queue.hpp"
#include "tools/harness.hpp"

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

TEST_CASE("a password matches its salted hash and nothing else", "[gateway]") {
  // The sample market's spec for TJ-RONGCHENG (config/sample/market.toml).
  const std::string spec = "sha256:bc02f9e208621b3d:6c476ff1f972d41d45406db7ec118931e25aed67aae0a7aa26d67227223bded0";
  CHECK(crix::gateway::password_matches(spec, "demo-tj-rongcheng"));
  CHECK_FALSE(crix::gateway::password_matches(spec, "demo-tj-rongchenG"));
  CHECK_FALSE(crix::gateway::password_matches(spec, ""));
  CHECK_FALSE(crix::gateway::password_matches("sha256:bc02f9e208621b3d", "demo-tj-rongcheng"));
  CHECK_FALSE(crix::gateway::password_matches("plain:demo-tj-rongcheng", "demo-tj-rongcheng"));
  CHECK(crix::gateway::password_spec("bc02f9e208621b3d", "demo-tj-rongcheng") == spec);
}

namespace {

// One participant's session: counts each order's answers (execution reports by ClOrdID, and busy
// BusinessMessageRejects by BusinessRejectRefID).
class Counter : public crix::fix::ClientHandler {
 public:
  Counter(std::uint16_t port, const std::string& who, const std::string& password) {
    crix::fix::InitiatorConfig c;
    c.port = port;
    c.comp_id = who;
    c.username = who;
    c.password = password;
    initiator_ = std::make_unique<crix::fix::Initiator>(c, *this);
    initiator_->start();
  }
  ~Counter() override { initiator_->stop(); }
  crix::fix::Initiator& fix() { return *initiator_; }

  void on_exec_report(const crix::fix::ExecReport& r) override {
    if (r.exec_type != '0' && r.exec_type != '8') return;  // the order's first answer: new or rejected
    add(r.cl_ord_id, false);
  }
  void on_business_reject(const crix::fix::BusinessReject& r) override {
    if (r.ref_msg_type == "D" && r.text.find("the exchange is busy") != std::string::npos) add(r.ref_id, true);
  }
  // Waits (up to 30 s) for `n` distinct orders answered; then what was seen.
  bool wait_answered(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return answers_.size() >= n; });
  }
  std::size_t busy() {
    std::lock_guard<std::mutex> lock(mutex_);
    return busy_;
  }
  std::size_t twice() {
    std::lock_guard<std::mutex> lock(mutex_);
    return twice_;
  }

 private:
  void add(const std::string& cl_ord_id, bool busy) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!answers_.insert(cl_ord_id).second) ++twice_;
      if (busy) ++busy_;
    }
    cv_.notify_all();
  }
  std::unique_ptr<crix::fix::Initiator> initiator_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::unordered_set<std::string> answers_;
  std::size_t busy_ = 0, twice_ = 0;
};

// "s12" (built by appending: g++ 12 warns falsely about "s" + std::string at -O3).
std::string order_id(char prefix, int i) {
  std::string id(1, prefix);
  id += std::to_string(i);
  return id;
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

}  // namespace

TEST_CASE("daemon: a full inbound queue answers busy at once and every order gets exactly one answer",
          "[gateway]") {
  const crix::tools::ScratchDir dir("daemon-busy");
  const auto loaded = crix::config::load_market(crix::tools::all_day_market(dir));
  REQUIRE(loaded.errors.empty());
  crix::gateway::DaemonOptions options;
  options.ledger_path = dir.file("crix.ledger");
  options.port = crix::tools::free_port();
  options.durability = crix::engine::Durability::kOs;
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
  CHECK(daemon.stats().commands == 2 * kOrders - busy);
}
