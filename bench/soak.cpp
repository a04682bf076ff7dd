// soak: crixd's private memory over a long steady load (issue 14, "Soak").
//
//   soak [--minutes N] [--rate R] [--sample-seconds S] [--viewers V] [--seed S] [--crixd PATH]
//        [--max-b-per-order B]
//
// Starts the crixd built beside it (sync = os) on the sample market open all day with a fresh ledger,
// and for N minutes (default 30) drives it at R FIX order requests a second (default 300) from four
// sessions (bench/parties.hpp: two sellers, two buyers on two instruments), each at R/4 with its own
// seeded mix: resting orders away from the reference price, crossing orders at it (GTC, and some IOC
// that may expire), cancels and replaces of its resting orders, and status requests (OrderStatusRequest)
// for orders that ended earlier, whose answer must carry the order's final OrdStatus, its Account and
// its Symbol. Market data goes out meanwhile to a fifth FIX session subscribed to both instruments'
// books and trades and to V WebSocket viewers of the console's live feed (bench/console_load.hpp,
// default 3).
//
// Every S seconds (default 60) it reads crixd's private memory: RssAnon (/proc/PID/status) and
// Private_Dirty (/proc/PID/smaps_rollup); the ledger's mapping is a shared file mapping and in neither.
// One line per sample, and at the end:
//   soak minutes=<n> orders=<n> rss_anon_start_mb=<n> rss_anon_end_mb=<n> slope_kb_per_min=<n>
//        slope_b_per_order=<n> (then trades, unanswered, status checks, viewers)
// The slopes are least squares of RssAnon over the samples after the first interval (the first one
// holds the warm-up): against time, and against the order requests sent.
//
// Exit 1 when crixd dies, an order request (new, cancel, replace, status) goes unanswered, a status
// answer is wrong, or (with --max-b-per-order, for CI) slope_b_per_order is above B.
#include <CLI/CLI.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "bench/console_load.hpp"
#include "bench/parties.hpp"
#include "gateway/fix/fix_api.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/rng.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using crix::bench::Party;

// The sample market's operator token (config/sample/market.toml, [[console.tokens]]): for the sample only.
constexpr const char* kSampleToken = "crix-sample-operator-token";
constexpr std::size_t kMostResting = 150;  // a session's resting orders, kept within its facility or project

struct Tally {
  std::uint64_t sent = 0;  // new, cancel and replace requests
  std::uint64_t fills = 0;
  std::uint64_t rejects = 0;         // ExecutionReport 150=8
  std::uint64_t cancel_rejects = 0;  // a cancel or replace of an order that ended meanwhile, mostly
  std::uint64_t busy = 0;
  std::uint64_t status_sent = 0;
  std::uint64_t status_wrong = 0;
};

// One trading session: sends its mix at its rate and checks that every request is answered.
class Trader : public crix::fix::ClientHandler {
 public:
  Trader(std::uint16_t port, const Party& party, std::uint64_t seed) : party_(party), rng_{seed} {
    crix::fix::InitiatorConfig c;
    c.port = port;
    c.comp_id = party.participant;
    c.username = party.participant;
    c.password = party.password;
    c.heartbeat_seconds = 30;
    initiator_ = std::make_unique<crix::fix::Initiator>(c, *this);
    initiator_->start();
  }
  ~Trader() override { initiator_->stop(); }
  Trader(const Trader&) = delete;
  Trader& operator=(const Trader&) = delete;
  bool logged_on() { return initiator_->wait_logged_on(10000); }

  void on_exec_report(const crix::fix::ExecReport& r) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (r.exec_type == 'I') {
      const auto it = status_pending_.find(r.cl_ord_id);
      if (it == status_pending_.end()) return;
      if (r.ord_status != it->second || r.account != party_.account || r.symbol != party_.symbol) {
        ++tally_.status_wrong;
        if (first_wrong_.empty()) {
          first_wrong_ = "status of " + r.cl_ord_id + ": OrdStatus " + r.ord_status + " Account " + r.account +
                         " Symbol " + r.symbol + ", expected " + it->second + " " + party_.account + " " +
                         party_.symbol + " (" + r.text + ")";
        }
      }
      status_pending_.erase(it);
      return;
    }
    pending_.erase(r.cl_ord_id);
    switch (r.exec_type) {
      case '0': resting_.push_back({r.order_id, r.cl_ord_id, r.price}); break;
      case '8': ++tally_.rejects; break;
      case 'F':
        ++tally_.fills;
        if (r.leaves_qty == 0) ended(r.order_id, r.cl_ord_id, '2');
        break;
      case '4':
      case 'C': ended(r.order_id, r.cl_ord_id, r.ord_status); break;
      case '5': {
        const auto it = replacing_.find(r.cl_ord_id);
        if (it != replacing_.end()) {
          resting_.push_back({r.order_id, r.cl_ord_id, r.price});
          replacing_.erase(it);
        }
        break;
      }
      default: break;
    }
  }

  void on_cancel_reject(const crix::fix::CancelReject& c) override {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.erase(c.cl_ord_id);
    // The order ended before the cancel or replace reached it (a fill), or never was ours to track.
    replacing_.erase(c.cl_ord_id);
    ++tally_.cancel_rejects;
  }

  void on_business_reject(const crix::fix::BusinessReject& b) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_.erase(b.ref_id) > 0) ++tally_.busy;
    if (status_pending_.erase(b.ref_id) > 0) ++tally_.busy;
  }

  // The next request of the mix, sent outside the lock (QuickFIX's thread takes it to record answers).
  void send_one() {
    const crix::fix::OrderRequest r = next_request();
    initiator_->send(r);  // when not logged on it is not sent, and so stays unanswered: a failure
  }

  // Requests not answered yet (status requests included).
  std::size_t unanswered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_.size() + status_pending_.size();
  }
  Tally tally() {
    std::lock_guard<std::mutex> lock(mutex_);
    return tally_;
  }
  std::string first_wrong() {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_wrong_;
  }

 private:
  struct Resting {
    std::string order_id;
    std::string cl_ord_id;
    std::int64_t price = 0;
  };
  struct Ended {
    std::string cl_ord_id;  // its last: a cancel's, if one ended it
    char status = '4';
  };

  crix::fix::OrderRequest next_request() {
    crix::fix::OrderRequest r;
    r.symbol = party_.symbol;
    r.side = party_.side;
    r.cl_ord_id = next_cl_ord_id();
    const std::uint64_t dice = rng_.below(100);
    std::lock_guard<std::mutex> lock(mutex_);
    if (dice < 3 && !ended_.empty() && status_pending_.size() < 50) {
      // A status request for an order that ended: one of the first of the run (the day's tables have
      // grown many times since) or one of the latest.
      const std::size_t n = std::min<std::size_t>(ended_.size(), 1000);
      const std::size_t i = rng_.chance(30) ? rng_.below(n) : ended_.size() - 1 - rng_.below(n);
      const Ended& e = ended_[i];
      if (status_pending_.emplace(e.cl_ord_id, e.status).second) {
        r.kind = crix::fix::RequestKind::kStatus;
        r.cl_ord_id = e.cl_ord_id;
        ++tally_.status_sent;
        return r;
      }
    }
    pending_.insert(r.cl_ord_id);
    ++tally_.sent;
    const bool must_cancel = resting_.size() >= kMostResting;
    if (!resting_.empty() && (must_cancel || dice < 40)) {
      const std::size_t i = static_cast<std::size_t>(rng_.below(resting_.size()));
      const Resting o = resting_[i];
      resting_[i] = resting_.back();
      resting_.pop_back();
      r.order_id = o.order_id;
      r.orig_cl_ord_id = o.cl_ord_id;
      if (must_cancel || dice < 25) {
        r.kind = crix::fix::RequestKind::kCancel;
        return r;
      }
      r.kind = crix::fix::RequestKind::kReplace;
      r.account = party_.account;
      r.ord_type = '2';
      r.time_in_force = '1';
      r.qty = 2;
      r.price = resting_price();
      replacing_.emplace(r.cl_ord_id, o);
      return r;
    }
    r.kind = crix::fix::RequestKind::kNew;
    r.account = party_.account;
    r.ord_type = '2';
    r.qty = 2;
    if (dice < 65) {  // crossing: at the reference, where the other side also crosses
      r.price = party_.reference;
      r.time_in_force = rng_.chance(15) ? '3' : '1';
    } else {
      r.price = resting_price();
      r.time_in_force = '1';
    }
    return r;
  }

  std::string next_cl_ord_id() {
    std::string id = party_.participant;
    id += '-';
    id += std::to_string(++sequence_);
    return id;
  }
  std::int64_t resting_price() {
    const std::int64_t away = rng_.range(100, 2000);
    return party_.side == '1' ? party_.reference - away : party_.reference + away;
  }
  // Under the lock. Keeps the first thousand ended orders and the latest ones (a ring of 1000).
  void ended(const std::string& order_id, const std::string& cl_ord_id, char status) {
    const auto it = std::find_if(resting_.begin(), resting_.end(), [&](const Resting& o) { return o.order_id == order_id; });
    if (it != resting_.end()) {
      *it = resting_.back();
      resting_.pop_back();
    }
    if (ended_.size() < 2000) {
      ended_.push_back({cl_ord_id, status});
    } else {
      ended_[1000 + ended_ring_++ % 1000] = {cl_ord_id, status};
    }
  }
  const Party& party_;
  crix::test::Rng rng_;
  std::unique_ptr<crix::fix::Initiator> initiator_;
  std::uint64_t sequence_ = 0;
  std::mutex mutex_;
  Tally tally_;
  std::unordered_set<std::string> pending_;                     // ClOrdIDs sent, not yet answered
  std::unordered_map<std::string, char> status_pending_;        // by ClOrdID: the OrdStatus expected
  std::unordered_map<std::string, Resting> replacing_;          // by the replace's ClOrdID
  std::vector<Resting> resting_;
  std::vector<Ended> ended_;
  std::uint64_t ended_ring_ = 0;
  std::string first_wrong_;
};

// A FIX market-data subscriber of both instruments' books and trades: counts what arrives.
class Watcher : public crix::fix::ClientHandler {
 public:
  explicit Watcher(std::uint16_t port) {
    crix::fix::InitiatorConfig c;
    c.port = port;
    c.comp_id = "TJ-RONGCHENG";
    c.username = "TJ-RONGCHENG";
    c.password = "demo-tj-rongcheng";
    initiator_ = std::make_unique<crix::fix::Initiator>(c, *this);
    initiator_->start();
  }
  ~Watcher() override { initiator_->stop(); }
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;
  bool subscribe() {
    if (!initiator_->wait_logged_on(10000)) return false;
    crix::fix::MarketDataRequest r;
    r.md_req_id = "soak-md";
    r.symbols = {"STEEL-IRON", "STEEL-CRUDE"};
    return initiator_->send(r);
  }
  void on_market_data(const crix::fix::MarketDataSnapshot&) override { ++snapshots_; }
  void on_market_data(const crix::fix::MarketDataIncremental&) override { ++updates_; }
  void on_business_reject(const crix::fix::BusinessReject&) override { ++refused_; }
  std::uint64_t snapshots() const { return snapshots_; }
  std::uint64_t updates() const { return updates_; }
  std::uint64_t refused() const { return refused_; }

 private:
  std::unique_ptr<crix::fix::Initiator> initiator_;
  std::atomic<std::uint64_t> snapshots_{0}, updates_{0}, refused_{0};
};

struct Sample {
  double minutes = 0;
  double orders = 0;
  double rss_anon_kb = 0;
};

// Least squares slope of y over x.
double slope(const std::vector<Sample>& s, double Sample::*x, double Sample::*y) {
  if (s.size() < 2) return 0;
  double mx = 0, my = 0;
  for (const Sample& p : s) {
    mx += p.*x;
    my += p.*y;
  }
  mx /= static_cast<double>(s.size());
  my /= static_cast<double>(s.size());
  double sxy = 0, sxx = 0;
  for (const Sample& p : s) {
    sxy += (p.*x - mx) * (p.*y - my);
    sxx += (p.*x - mx) * (p.*x - mx);
  }
  return sxx == 0 ? 0 : sxy / sxx;
}

}  // namespace

int main(int argc, char** argv) {
  double minutes = 30;
  double rate = 300;
  double sample_seconds = 60;
  std::size_t viewers = 3;
  std::uint64_t seed = 14;
  double max_b_per_order = 0;
  std::string crixd_path =
      (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "gateway" / "crixd").string();
  CLI::App app("soak: crixd's private memory over a long steady FIX load with market-data subscribers");
  app.add_option("--minutes", minutes, "how long to run (default 30)")->check(CLI::PositiveNumber);
  app.add_option("--rate", rate, "order requests a second, all sessions together (default 300)")
      ->check(CLI::Range(4.0, 20000.0));
  app.add_option("--sample-seconds", sample_seconds, "seconds between memory samples (default 60)")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--viewers", viewers, "WebSocket viewers of the live feed (default 3)")->check(CLI::Range(0, 50));
  app.add_option("--seed", seed, "the sessions' random mix (default 14)");
  app.add_option("--crixd", crixd_path, "the crixd to start (default: the one built beside this)");
  app.add_option("--max-b-per-order", max_b_per_order,
                 "fail when slope_b_per_order is above this (default: no limit; CI sets one)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (sample_seconds * 2 > minutes * 60) {
    std::fprintf(stderr, "soak: --sample-seconds %.0f leaves fewer than two samples in %.1f minutes\n", sample_seconds,
                 minutes);
    return 2;
  }

  crix::test::ScratchDir dir("soak");
  const std::string market = crix::test::all_day_market(dir);
  const std::uint16_t port = crix::test::free_port();
  const std::uint16_t http_port = crix::test::free_port();
  crix::test::CrixdProcess crixd(crixd_path, dir, market, dir.file("soak.ledger"), port, "os",
                                 {"--http", "127.0.0.1:" + std::to_string(http_port)});
  if (!crixd.listening(port)) {
    std::fprintf(stderr, "soak: crixd did not start: %s\n", crixd.errors().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<Trader>> traders;
  crix::test::Rng seeds{seed};
  for (const Party& p : crix::bench::kParties) traders.push_back(std::make_unique<Trader>(port, p, seeds.next()));
  Watcher watcher(port);
  for (auto& t : traders) {
    if (!t->logged_on()) {
      std::fprintf(stderr, "soak: a trading session did not log on\n");
      return 1;
    }
  }
  if (!watcher.subscribe()) {
    std::fprintf(stderr, "soak: the market-data session did not log on\n");
    return 1;
  }
  std::optional<crix::bench::ConsoleLoad> load;
  if (viewers > 0) load.emplace(http_port, kSampleToken, viewers, 0.0);

  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(minutes * 60));
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(traders.size()) / rate));
  for (auto& t : traders) {
    senders.emplace_back([&, trader = t.get()] {
      for (auto next = Clock::now(); !stop.load(std::memory_order_relaxed); next += interval) {
        std::this_thread::sleep_until(next);
        trader->send_one();
      }
    });
  }

  const auto orders_sent = [&] {
    std::uint64_t n = 0;
    for (auto& t : traders) n += t->tally().sent;
    return n;
  };
  std::vector<Sample> samples;
  const auto sample = [&](double at_minutes) {
    Sample s;
    s.minutes = at_minutes;
    s.orders = static_cast<double>(orders_sent());
    s.rss_anon_kb = static_cast<double>(crixd.memory_kb("RssAnon"));
    const long long dirty = crixd.memory_rollup_kb("Private_Dirty");
    if (s.rss_anon_kb < 0 || dirty < 0) return false;
    std::uint64_t fills = 0, unanswered = 0;
    for (auto& t : traders) {
      fills += t->tally().fills;
      unanswered += t->unanswered();
    }
    std::printf("soak minute=%.2f orders=%.0f fills=%llu rss_anon_mb=%.1f private_dirty_mb=%.1f rss_file_mb=%.1f "
                "in_flight=%llu md_updates=%llu\n",
                at_minutes, s.orders, static_cast<unsigned long long>(fills), s.rss_anon_kb / 1024.0,
                static_cast<double>(dirty) / 1024.0, static_cast<double>(crixd.memory_kb("RssFile")) / 1024.0,
                static_cast<unsigned long long>(unanswered), static_cast<unsigned long long>(watcher.updates()));
    std::fflush(stdout);
    samples.push_back(s);
    return true;
  };
  bool alive = sample(0);
  for (int k = 1; alive; ++k) {
    const auto at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k * sample_seconds));
    if (at > end + std::chrono::milliseconds(1)) break;
    std::this_thread::sleep_until(at);
    alive = sample(static_cast<double>(k) * sample_seconds / 60.0);
  }
  stop = true;
  for (auto& s : senders) s.join();
  // What was sent is answered within a few seconds at this rate; wait up to 30 s.
  std::size_t unanswered = 0;
  for (int i = 0; i < 300; ++i) {
    unanswered = 0;
    for (auto& t : traders) unanswered += t->unanswered();
    if (unanswered == 0 || !alive) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::size_t viewers_complete = 0;
  std::uint64_t trades = 0;
  if (alive && load) {
    trades = crix::bench::read_metric(http_port, kSampleToken, "crix_trades_total");
    load->wait_trades(trades, std::chrono::seconds(30));
    load->stop();
    for (const crix::bench::ViewerResult& v : load->viewers()) {
      if (v.trades == trades) ++viewers_complete;
      if (v.closed) std::fprintf(stderr, "soak: a viewer was closed: %s\n", v.close_reason.c_str());
    }
  }
  Tally all;
  std::string wrong;
  for (auto& t : traders) {
    const Tally x = t->tally();
    all.sent += x.sent;
    all.fills += x.fills;
    all.rejects += x.rejects;
    all.cancel_rejects += x.cancel_rejects;
    all.busy += x.busy;
    all.status_sent += x.status_sent;
    all.status_wrong += x.status_wrong;
    if (wrong.empty()) wrong = t->first_wrong();
  }
  if (!alive) std::fprintf(stderr, "soak: crixd died: %s\n", crixd.errors().c_str());
  if (samples.empty()) return 1;
  if (!wrong.empty()) std::fprintf(stderr, "soak: a wrong status answer: %s\n", wrong.c_str());

  // The fit leaves out the first interval, which holds the warm-up.
  const std::vector<Sample> fitted(samples.size() > 2 ? samples.begin() + 1 : samples.begin(), samples.end());
  const double kb_per_min = slope(fitted, &Sample::minutes, &Sample::rss_anon_kb);
  const double b_per_order = slope(fitted, &Sample::orders, &Sample::rss_anon_kb) * 1024.0;
  std::printf("soak minutes=%.0f orders=%llu rss_anon_start_mb=%.0f rss_anon_end_mb=%.0f slope_kb_per_min=%.0f "
              "slope_b_per_order=%.0f fills=%llu rejects=%llu cancel_rejects=%llu busy=%llu status_checked=%llu "
              "status_wrong=%llu unanswered=%zu md_updates=%llu viewers=%zu viewers_complete=%zu crixd_trades=%llu\n",
              minutes, static_cast<unsigned long long>(all.sent), samples.front().rss_anon_kb / 1024.0,
              samples.back().rss_anon_kb / 1024.0, kb_per_min, b_per_order, static_cast<unsigned long long>(all.fills),
              static_cast<unsigned long long>(all.rejects), static_cast<unsigned long long>(all.cancel_rejects),
              static_cast<unsigned long long>(all.busy), static_cast<unsigned long long>(all.status_sent),
              static_cast<unsigned long long>(all.status_wrong), unanswered,
              static_cast<unsigned long long>(watcher.updates()), viewers, viewers_complete,
              static_cast<unsigned long long>(trades));
  const bool slope_ok = max_b_per_order == 0 || b_per_order <= max_b_per_order;
  if (!slope_ok) {
    std::fprintf(stderr, "soak: crixd's private memory grew %.0f B per order request, above the limit %.0f\n",
                 b_per_order, max_b_per_order);
  }
  if (alive) crixd.stop(SIGTERM);
  return alive && unanswered == 0 && all.status_wrong == 0 && slope_ok ? 0 : 1;
}
