#include "gateway/daemon.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/calendar.hpp"
#include "gateway/engine_stage.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/password.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/published.hpp"
#include "ledger/error.hpp"
#include "ledger/settlement.hpp"

namespace crix::gateway {

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether `host` (its first IPv4 address, as fix::Acceptor takes it) is a loopback address. A host
// that does not resolve counts as one here: the Acceptor refuses it, saying what to use instead.
bool loopback_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (host.empty() || ::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) return true;
  const std::uint32_t address = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  ::freeaddrinfo(found);
  return (address >> 24) == 127;
}

// Plain FIX carries passwords and orders in clear: only on loopback, unless the market says otherwise.
void check_transport(const DaemonOptions& options) {
  if (!options.tls_certificate.empty() || options.plain_on_network || loopback_host(options.host)) return;
  throw std::runtime_error("plain FIX is served only on a loopback address, not " + options.host +
                           ": set [exchange] fix_tls_certificate and fix_tls_key (PEM files) in the market file for "
                           "FIX over TLS, or [exchange] fix_plain_on_network = true to send FIX (passwords "
                           "included) in clear over the network, or take logons on 127.0.0.1 (crixd --host)");
}

}  // namespace

std::size_t connection_limit(std::uint64_t descriptors) {
  // The console may hold 256 connections; the ledger, its FIX store, logs and the process's own
  // descriptors take a few dozen more.
  const std::uint64_t reserve = std::min<std::uint64_t>(256 + 64, descriptors / 2);
  const std::uint64_t left = descriptors > reserve ? descriptors - reserve : 0;
  if (left < 8) {
    throw std::runtime_error("the descriptor limit (ulimit -n) is " + std::to_string(descriptors) +
                             ": too low to serve FIX connections; raise it to 1024 or more");
  }
  return static_cast<std::size_t>(std::min<std::uint64_t>(left, 1 << 20));
}

class Daemon::Impl final : public fix::Handler, public http::Link {
 public:
  Impl(const engine::Market& market, const DaemonOptions& options)
      : market_(market), options_(options), guard_(options.logon_limits, market.participants.size()) {
    check_transport(options);  // before the ledger is opened: a refusal changes nothing
    ledger::WriterOptions wo;
    wo.durability = options.durability.value_or(market.exchange.durability);
    if (!options.market_file.empty()) wo.market = ledger::market_source(options.market_file);
    if (options.ledger_reserve_bytes) wo.reserve_bytes = *options.ledger_reserve_bytes;
    ledger::OpenOptions oo;
    oo.now = engine::Timestamp(now());
    oo.progress_every = options.replay_progress;
    oo.progress = [&](const ledger::ReplayProgress& p) {
      if (p.total == 0) return;
      if (p.done == 0) {
        spdlog::info("ledger {}: replaying its journal of {} commands", options.ledger_path, p.total);
      } else {
        spdlog::info("ledger {}: replayed {} of {} commands ({}%)", options.ledger_path, p.done, p.total,
                     p.done * 100 / p.total);
      }
    };
    const auto t0 = std::chrono::steady_clock::now();
    ledger_ = ledger::open_ledger(options.ledger_path, market, wo, oo);
    spdlog::info("ledger {}: replayed {} commands and {} trades in {} ms; chain head {}", options.ledger_path,
                 ledger_.recovery.commands, ledger_.recovery.trades,
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
                 ledger::to_hex(ledger_.writer->meta().chain_head));
    for (const std::string& note : ledger_.notes) spdlog::info("ledger {}: {}", options.ledger_path, note);
    suspended_ = std::make_unique<std::atomic<bool>[]>(market.participants.size());
    logons_ = std::make_unique<std::atomic<std::uint32_t>[]>(market.participants.size());
    for (std::size_t i = 0; i < market.participants.size(); ++i) {
      suspended_[i] = ledger_.exchange->suspended(engine::ParticipantId(static_cast<std::uint32_t>(i)));
    }
    engine_.emplace(market_, ledger_, [this] { return now(); }, suspended_.get(), logons_.get());
    engine_->restore_orders();
    published_ = std::make_unique<Published>(market_, *ledger_.exchange, ledger_.writer->reader(),
                                             engine_->last_seq(), now());

    fix::AcceptorConfig ac;
    ac.host = options.host;
    ac.port = options.port != 0 ? options.port : market.exchange.fix_port;
    if (ac.port == 0) {
      throw std::runtime_error("no FIX port: set exchange.fix_port in the market file or pass --port N");
    }
    ac.log_dir = options.fix_log_dir;
    ac.dictionary_path = options.dictionary_path;
    // The FIX sessions' numbers and sent messages, beside the ledger (fix_api.hpp, Sessions).
    ac.store_path = options.ledger_path + ".fix";
    for (const engine::Participant& p : market.participants) {
      ac.client_comp_ids.push_back(p.sender_comp_id.empty() ? p.id : p.sender_comp_id);
    }
    ac.tls_certificate = options.tls_certificate;
    ac.tls_key = options.tls_key;
    ac.tls_client_ca = options.tls_client_ca;
    ac.client_tls_subjects = options.tls_subjects;
    if (ac.tls_certificate.empty()) {
      spdlog::info("FIX in plain TCP (no [exchange] fix_tls_certificate)");
    } else {
      spdlog::info("FIX over TLS only (TLS 1.2+), certificate {}{}", ac.tls_certificate,
                   ac.tls_client_ca.empty() ? std::string()
                                            : "; clients must present a certificate signed by " + ac.tls_client_ca);
    }
    ac.logon_timeout = options.logon_timeout;
    ac.max_connections_per_address = options.max_connections_per_address;
    ac.max_connections = options.max_connections;
    if (ac.max_connections == 0) {
      rlimit limit{};
      const std::uint64_t descriptors =
          ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY ? limit.rlim_cur : 1 << 20;
      ac.max_connections = connection_limit(descriptors);
    }
    spdlog::info("FIX connections: at most {} in all and {} per address; closed when not logged on within {} ms",
                 ac.max_connections, ac.max_connections_per_address, ac.logon_timeout.count());
    port_ = ac.port;
    acceptor_ = std::make_unique<fix::Acceptor>(ac, *this);
    PipelineOptions po;
    po.inbound_capacity = options.inbound_capacity;
    po.batch_capacity = options.batch_capacity;
    po.max_batch_commands = options.max_batch_commands;
    po.hot = options.hot;
    pipeline_.emplace(market_, po, *engine_, *ledger_.writer, *acceptor_, *published_, [this] { return now(); },
                      [this](const std::string& failure) { note_failure(failure); });
    if (!ledger_.writer->reserve_note().empty()) spdlog::warn("ledger: {}", ledger_.writer->reserve_note());
  }

  ~Impl() override { stop(); }

  void start() {
    started_ns_ = now();
    pipeline_->start();
    try {
      acceptor_->start();
    } catch (const std::runtime_error& e) {  // the listener: the port in use, or the address not this host's
      pipeline_->stop();
      throw std::runtime_error("FIX: cannot listen: " + std::string(e.what()) +
                               "; choose another port (crixd --port PORT or [exchange] fix_port) or host (--host)");
    } catch (...) {
      pipeline_->stop();
      throw;
    }
    started_ = true;
    spdlog::info("FIX acceptor on port {} for {} participants; logons taken on {}", port_,
                 market_.participants.size(),
                 options_.host == "0.0.0.0" ? "every address" : options_.host + " only");
  }

  void stop() {
    std::call_once(stopped_, [this] {
      // No new requests (they are refused as the exchange closing); what was taken is sequenced,
      // committed and published; then the sessions are logged out.
      pipeline_->stop();
      acceptor_->stop();
      const DaemonStats s = stats();
      spdlog::info("stopped: {} commands sequenced, {} trades, {} commits, {} busy refusals; last seq {}; {} requests "
                   "ran to completion on their FIX thread",
                   s.commands, s.trades, s.commits, s.busy, s.last_seq, s.run_inline);
      if (s.commits > 0) spdlog::info("{}", pipeline_->timing_summary());
      finish();
    });
  }

  std::string wait() {
    std::unique_lock<std::mutex> lock(done_mutex_);
    done_cv_.wait(lock, [&] { return done_; });
    return failure_;
  }

  DaemonStats stats() const {
    DaemonStats s;
    s.commands = engine_->commands();
    s.clock_commands = engine_->clock_commands();
    s.trades = pipeline_->trades();
    s.commits = pipeline_->commits();
    s.busy = pipeline_->busy();
    s.last_seq = pipeline_->last_seq();
    s.run_inline = pipeline_->run_inline_count();
    return s;
  }

  std::uint16_t port() const { return port_; }
  engine::SessionPhase phase() { return pipeline_->phase(); }
  std::uint64_t recovered_commands() const { return ledger_.recovery.commands; }
  std::uint64_t recovered_trades() const { return ledger_.recovery.trades; }

  // ---- fix::Handler: QuickFIX threads ------------------------------------------------------------

  std::string on_logon(fix::SessionHandle session, const std::string& username, const std::string& password,
                       const std::string& address) override {
    if (session >= market_.participants.size()) return "unknown session";
    std::string refusal = logon_refusal(session, username, password, address.empty() ? "an unknown address" : address);
    if (refusal.empty()) {
      published_->logged_on(session, now());
    } else {
      published_->refused(session);
    }
    return refusal;
  }

  // The throttle (logon_guard.hpp) comes before the password check: an attempt that must wait costs
  // no password hash, and a right password is refused as a wrong one would be.
  std::string logon_refusal(fix::SessionHandle session, const std::string& username, const std::string& password,
                            const std::string& address) {
    const engine::Participant& p = market_.participants[session];
    const std::int64_t t = now();
    if (std::string throttled = guard_.refusal(session, p.id, address, t); !throttled.empty()) {
      log_failure(p.id, address, t, throttled);
      return throttled;
    }
    if (username != p.id) {
      guard_.failed(LogonGuard::kNoParticipant, address, t);
      log_failure(p.id, address, t, "Username(553) is not the session's participant id");
      return "Username(553) must be the participant id " + p.id + " of this session";
    }
    if (!password_matches(p.password_hash, password)) {
      guard_.failed(session, address, t);
      log_failure(p.id, address, t, "wrong password");
      return "wrong password for " + p.id;
    }
    guard_.succeeded(session);
    if (suspended_[session]) return "participant " + p.id + " is suspended by the exchange; contact the operator";
    if (pipeline_->failed()) return "the exchange has stopped trading";
    spdlog::info("logon: {} ({})", p.id, p.name);
    return "";
  }

  void on_logout(fix::SessionHandle session) override {
    if (session >= market_.participants.size()) return;
    spdlog::info("logout: {}", market_.participants[session].id);
    published_->logged_out(session);
    // Its subscriptions end with it (the engine stage drops them as stale): a new session subscribes
    // afresh. Nothing here waits: QuickFIX holds the session's lock, which publishing may need.
    ++logons_[session];
  }

  void on_stalled(fix::SessionHandle session) override {
    if (session < market_.participants.size()) published_->stalled(session);
    spdlog::warn("{}: a message waited for room in its connection and the connection was dropped: the client "
                 "stopped reading its messages; it may log on again and ask for its orders' status",
                 market_.participants[session].id);
  }

  void on_refused(fix::SessionHandle session, const std::string& reason) override {
    if (session < market_.participants.size()) published_->refused(session);
    spdlog::warn("logon refused: {}: {}", market_.participants[session].id, reason);
  }

  void on_dropped(fix::SessionHandle session, const std::string& peer, const std::string& reason) override {
    ++dropped_;
    std::string summary;
    const bool log = dropped_log_.note("connections", peer.substr(0, peer.rfind(':')), now(), summary);
    if (!summary.empty()) spdlog::warn("{} (dropped)", summary);
    if (!log) return;
    spdlog::warn("connection from {}{} dropped: {}", peer,
                 session < market_.participants.size() ? " (" + market_.participants[session].id + ")" : "", reason);
  }

  void on_order(const fix::OrderRequest& r) override {
    published_->received(r.session, now(), r.kind == fix::RequestKind::kNew);
    pipeline_->take(r);
  }
  void on_market_data_request(const fix::MarketDataRequest& r) override {
    published_->received(r.session, now(), false);
    pipeline_->take(r, logons_[r.session].load());
  }
  void on_security_list_request(const fix::SecurityListRequest& r) override {
    published_->received(r.session, now(), false);
    pipeline_->take(r);
  }
  void on_trade_capture_report(const fix::TradeCaptureReport& r) override {
    published_->received(r.session, now(), false);
    pipeline_->take(r);
  }
  void on_trade_capture_request(const fix::TradeCaptureReportRequest& r) override {
    published_->received(r.session, now(), false);
    pipeline_->take(r);
  }
  void on_trading_session_status_request(const fix::TradingSessionStatusRequest& r) override {
    published_->received(r.session, now(), false);
    pipeline_->take(r);
  }

  // ---- http::Link: console threads ----------------------------------------------------------------

  http::StatusView status() const override {
    http::StatusView s;
    const DaemonStats d = stats();
    s.seq = d.last_seq;
    s.commands = d.commands;
    s.trades = d.trades;
    s.commits = d.commits;
    s.busy = d.busy;
    s.clock_commands = d.clock_commands;
    const Published::Ledger l = published_->ledger();
    s.chain_head = l.chain_head;
    s.last_commit_us = l.last_commit_us;
    s.phase = l.phase;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(options_.ledger_path, ec);
    s.ledger_bytes = ec ? 0 : static_cast<std::uint64_t>(bytes);
    s.inbound_depth = pipeline_->inbound_depth();
    s.batch_depth = pipeline_->batch_depth();
    s.started = started_ns_.load();
    s.now = now();
    s.ledger_full = pipeline_->ledger_full();
    s.accepting = started_ && !pipeline_->failed() && !s.ledger_full && !pipeline_->stopping();
    const std::lock_guard<std::mutex> lock(done_mutex_);
    s.last_error = failure_;
    if (!started_) {
      s.not_ready = "starting";
    } else if (pipeline_->stopping()) {
      s.not_ready = "stopping";
    } else if (pipeline_->failed()) {
      s.not_ready = "trading stopped: ledger write failed: " + failure_ + "; restart crixd once the cause is fixed";
    } else if (s.ledger_full) {
      s.not_ready = "ledger full: no space left on the ledger's disk; orders are refused until there is room again";
    }
    return s;
  }
  http::MetricsView metrics() const override {
    http::MetricsView m = published_->metrics();
    m.failed_logons = guard_.failed_total();
    m.throttled_logons = guard_.throttled_total();
    m.dropped_connections = dropped_.load();
    m.ledger_full = pipeline_->ledger_full();
    m.refused_for_space = pipeline_->refused_for_space();
    return m;
  }
  std::vector<http::InstrumentView> instruments() const override { return published_->instruments(); }
  std::optional<http::BookView> book(std::string_view symbol, std::size_t depth, bool with_orders) const override {
    return published_->book(symbol, depth, with_orders);
  }
  std::vector<http::TradeView> recent_trades(std::size_t limit) const override {
    return published_->recent_trades(limit);
  }
  std::vector<http::BlockView> blocks() const override { return published_->blocks(); }
  std::vector<http::AuctionView> auctions() const override { return published_->auctions(); }
  std::vector<http::SessionView> sessions() const override {
    std::vector<http::SessionView> views = published_->sessions();
    const std::int64_t t = now();
    for (std::size_t i = 0; i < views.size() && i < market_.participants.size(); ++i) {
      views[i].failed_logons = guard_.failures(i);
      views[i].blocked_until = guard_.blocked_until(i, t);
    }
    return views;
  }
  std::vector<http::ParticipantView> participants() const override { return published_->participants(); }
  ledger::Reader reader() const override { return ledger_.writer->reader(); }
  std::uint64_t subscribe(FeedHandler on_events, std::string& snapshot) override {
    return published_->subscribe(std::move(on_events), snapshot);
  }
  void unsubscribe(std::uint64_t handle) override { published_->unsubscribe(handle); }

  void submit(const engine::Command& command, const std::string& operator_name,
              std::function<void(const http::ActionResult&)> done) override {
    submit(command, operator_name, "", std::move(done));
  }

  void submit(const engine::Command& command, const std::string& operator_name, const std::string& reason,
              std::function<void(const http::ActionResult&)> done) override {
    const auto refuse = [&](std::string why) {
      http::ActionResult r;
      r.reason = std::move(why);
      done(r);
    };
    if (ledger::operator_verb(command.type).empty()) {
      return refuse("command " + std::string(engine::to_string(command.type)) + " is no operator command");
    }
    if (pipeline_->stopping()) return refuse("stopping");
    if (pipeline_->failed()) return refuse("the exchange has stopped trading: " + failure());
    OperatorRequest o{command, operator_name, reason, done};
    if (!pipeline_->take(std::move(o))) {
      return refuse(pipeline_->stopping() ? "stopping" : "exchange busy");
    }
  }

 private:
  std::int64_t now() const { return options_.clock ? options_.clock() : now_ns(); }

  // A failed logon's warning, at most a few per participant and address every 10 s (FailureLog); never
  // the password.
  void log_failure(const std::string& id, const std::string& address, std::int64_t t, const std::string& why) {
    std::string summary;
    const bool log = failure_log_.note(id, address, t, summary);
    if (!summary.empty()) spdlog::warn("{}", summary);
    if (log) spdlog::warn("logon refused for {} from {}: {}", id, address, why);
  }

  std::string failure() const {
    const std::lock_guard<std::mutex> lock(done_mutex_);
    return failure_;
  }

  // A ledger failure stopped trading: kept for the status and for wait(); the daemon runs on, every
  // request refused, until it is stopped.
  void note_failure(const std::string& failure) {
    const std::lock_guard<std::mutex> lock(done_mutex_);
    failure_ = failure;
  }

  void finish() {
    {
      const std::lock_guard<std::mutex> lock(done_mutex_);
      if (done_) return;
      done_ = true;
    }
    done_cv_.notify_all();
  }

  const engine::Market market_;
  const DaemonOptions options_;
  ledger::OpenLedger ledger_;
  std::uint16_t port_ = 0;
  std::once_flag stopped_;

  // Shared with the FIX threads.
  std::unique_ptr<std::atomic<bool>[]> suspended_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> logons_;  // per participant: sessions ended
  LogonGuard guard_;
  FailureLog failure_log_;
  FailureLog dropped_log_;
  std::atomic<std::uint64_t> dropped_{0};  // connections dropped or refused by the acceptor

  // The stages, in the order a request meets them; the pipeline, last, runs them.
  std::optional<EngineStage> engine_;         // sequence, rules, book; the orders; the reports
  std::unique_ptr<Published> published_;      // what the console reads (http::Link); its own lock
  std::unique_ptr<fix::Acceptor> acceptor_;   // the FIX sessions
  std::optional<Pipeline> pipeline_;          // the stage threads, queues and locks
  std::atomic<std::int64_t> started_ns_{0};
  std::atomic<bool> started_{false};

  mutable std::mutex done_mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::string failure_;
};

Daemon::Daemon(const engine::Market& market, const DaemonOptions& options)
    : impl_(std::make_unique<Impl>(market, options)) {}
Daemon::~Daemon() = default;
void Daemon::start() { impl_->start(); }
void Daemon::stop() { impl_->stop(); }
std::string Daemon::wait() { return impl_->wait(); }
DaemonStats Daemon::stats() const { return impl_->stats(); }
std::uint16_t Daemon::port() const { return impl_->port(); }
engine::SessionPhase Daemon::phase() const { return impl_->phase(); }
std::uint64_t Daemon::recovered_commands() const { return impl_->recovered_commands(); }
std::uint64_t Daemon::recovered_trades() const { return impl_->recovered_trades(); }
http::Link& Daemon::link() { return *impl_; }

}  // namespace crix::gateway
