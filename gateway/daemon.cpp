#include "gateway/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "engine/exchange.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/engine_stage.hpp"
#include "gateway/fix_values.hpp"
#include "gateway/messages.hpp"
#include "gateway/password.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/published.hpp"
#include "gateway/queue.hpp"
#include "ledger/error.hpp"
#include "ledger/settlement.hpp"

namespace crix::gateway {

namespace {

using engine::Event;


std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class Daemon::Impl final : public fix::Handler, public http::Link {
 public:
  Impl(const engine::Market& market, const DaemonOptions& options) : market_(market), options_(options) {
    ledger::WriterOptions wo;
    wo.durability = options.durability.value_or(market.exchange.durability);
    if (!options.market_file.empty()) wo.market = ledger::market_source(options.market_file);
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
    port_ = ac.port;
    acceptor_ = std::make_unique<fix::Acceptor>(ac, *this);
  }

  ~Impl() override { stop(); }

  void start() {
    started_ns_ = now();
    advance_clock();
    engine_thread_ = std::thread([this] { engine_loop(); });
    ledger_thread_ = std::thread([this] { ledger_loop(); });
    try {
      acceptor_->start();
    } catch (...) {
      inbound_.close();
      engine_thread_.join();
      ledger_thread_.join();
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
      stopping_ = true;
      inbound_.close();
      if (engine_thread_.joinable()) engine_thread_.join();
      if (ledger_thread_.joinable()) ledger_thread_.join();
      if (acceptor_) acceptor_->stop();
      const DaemonStats s = stats();
      spdlog::info("stopped: {} commands sequenced, {} trades, {} commits, {} busy refusals; last seq {}; {} requests "
                   "ran to completion on their FIX thread",
                   s.commands, s.trades, s.commits, s.busy, s.last_seq, s.run_inline);
      if (s.commits > 0) spdlog::info("{}", timing_.summary());
      finish("");
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
    s.trades = trades_.load();
    s.commits = commits_.load();
    s.busy = busy_.load();
    s.last_seq = last_seq_.load();
    s.run_inline = run_inline_.load();
    return s;
  }

  std::uint16_t port() const { return port_; }
  engine::SessionPhase phase() {
    const std::lock_guard<std::mutex> lock(engine_mutex_);
    return ledger_.exchange->phase();
  }
  std::uint64_t recovered_commands() const { return ledger_.recovery.commands; }
  std::uint64_t recovered_trades() const { return ledger_.recovery.trades; }

  // ---- fix::Handler: QuickFIX threads ------------------------------------------------------------

  std::string on_logon(fix::SessionHandle session, const std::string& username, const std::string& password) override {
    if (session >= market_.participants.size()) return "unknown session";
    std::string refusal = logon_refusal(session, username, password);
    if (refusal.empty()) {
      published_->logged_on(session, now());
    } else {
      published_->refused(session);
    }
    return refusal;
  }

  std::string logon_refusal(fix::SessionHandle session, const std::string& username, const std::string& password) {
    const engine::Participant& p = market_.participants[session];
    if (username != p.id) {
      return "Username(553) must be the participant id " + p.id + " of this session";
    }
    if (!password_matches(p.password_hash, password)) {
      spdlog::warn("logon refused for {}: wrong password", p.id);
      return "wrong password for " + p.id;
    }
    if (suspended_[session]) return "participant " + p.id + " is suspended by the exchange; contact the operator";
    if (failed_) return "the exchange has stopped trading";
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
    spdlog::warn("connection from {}{} dropped: {}", peer,
                 session < market_.participants.size() ? " (" + market_.participants[session].id + ")" : "", reason);
  }

  void on_order(const fix::OrderRequest& r) override {
    published_->received(r.session, now(), r.kind == fix::RequestKind::kNew);
    if (!run_inline([&](Unit& unit) { engine_->on_request(r, unit); }) && !queue(r)) busy(r.session, "D", r.cl_ord_id);
  }
  void on_market_data_request(const fix::MarketDataRequest& r) override {
    published_->received(r.session, now(), false);
    const std::uint32_t logon = logons_[r.session].load();
    if (!run_inline([&](Unit& unit) { engine_->on_md_request(r, logon, unit); }) && !queue(MdRequest{r, logon})) {
      busy(r.session, "V", r.md_req_id);
    }
  }
  void on_security_list_request(const fix::SecurityListRequest& r) override {
    published_->received(r.session, now(), false);
    if (!run_inline([&](Unit& unit) { engine_->on_security_list(r, unit); }) && !queue(r)) {
      busy(r.session, "x", r.security_req_id);
    }
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
    s.inbound_depth = inbound_.size();
    s.batch_depth = batches_.size();
    s.started = started_ns_.load();
    s.now = now();
    s.accepting = started_ && !failed_ && !stopping_;
    const std::lock_guard<std::mutex> lock(done_mutex_);
    s.last_error = failure_;
    return s;
  }
  http::MetricsView metrics() const override { return published_->metrics(); }
  std::vector<http::InstrumentView> instruments() const override { return published_->instruments(); }
  std::optional<http::BookView> book(std::string_view symbol, std::size_t depth, bool with_orders) const override {
    return published_->book(symbol, depth, with_orders);
  }
  std::vector<http::TradeView> recent_trades(std::size_t limit) const override {
    return published_->recent_trades(limit);
  }
  std::vector<http::SessionView> sessions() const override { return published_->sessions(); }
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
    if (stopping_) return refuse("stopping");
    if (failed_) return refuse("the exchange has stopped trading: " + failure());
    OperatorRequest o{command, operator_name, reason, done};
    if (!inbound_.try_push(Queued{std::move(o), std::chrono::steady_clock::now()})) {
      return refuse(stopping_ ? "stopping" : "exchange busy");
    }
  }

 private:
  std::string failure() const {
    const std::lock_guard<std::mutex> lock(done_mutex_);
    return failure_;
  }

  // A request that finds both stages idle (nothing queued, neither lock held) runs to completion on
  // the FIX thread that received it: sequenced and settled under the engine lock, committed and
  // published under the ledger lock, exactly as the two stage threads would, but without waking
  // them: two thread wake-ups were most of a lone order's time inside crixd. Otherwise it joins the
  // inbound queue. Order is kept because every take from a queue happens under its stage's lock: an
  // empty queue seen under the lock means everything before has been handled, and the engine lock is
  // held until the ledger lock is (or the unit is queued), so later units commit after this one.
  // Only a request that finds no other in flight (taken and not yet answered), after one that found
  // the same, tries: under load, requests running on the FIX threads would split the engine thread's
  // batches and cost throughput (about 10% at window 100). false: nothing ran; the caller queues it.
  template <class Handle>
  bool run_inline(Handle handle) {
    last_arrival_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    const bool alone = in_flight_.fetch_add(1) == 0;
    if (!quiet_.exchange(alone) || !alone) return false;  // the one before came alone too
    std::unique_lock<std::mutex> engine(engine_mutex_, std::try_to_lock);
    if (!engine.owns_lock() || inbound_.size() != 0 || failed_ || stopping_) return false;
    ++run_inline_;
    std::vector<Unit> units(1);
    units[0].taken = std::chrono::steady_clock::now();
    units[0].requests = 1;
    units[0].console.arrivals.push_back(units[0].taken);
    handle(units[0]);
    if (units[0].batch.empty() && units[0].out.empty()) {
      --in_flight_;
      return true;
    }
    std::unique_lock<std::mutex> ledger(ledger_mutex_, std::try_to_lock);
    if (ledger.owns_lock() && batches_.size() == 0) {
      engine.unlock();
      commit_and_publish(units);
    } else {
      if (ledger.owns_lock()) ledger.unlock();
      batches_.push(std::move(units[0]));
    }
    return true;
  }

  // After run_inline() said no (the request counts in in_flight_ from there): false when refused.
  template <class Request>
  bool queue(Request request) {
    if (inbound_.try_push(Queued{std::move(request), std::chrono::steady_clock::now()})) return true;
    --in_flight_;
    return false;
  }

  void busy(fix::SessionHandle session, const char* type, const std::string& id) {
    if (stopping_) {
      acceptor_->send(business_reject(session, type, id, fixv::business_reject::kOther, "the exchange is closing: the request was not taken"));
      return;
    }
    ++busy_;
    acceptor_->send(business_reject(session, type, id, fixv::business_reject::kOther, "the exchange is busy: the request was not taken; send it again"));
  }

  void finish(const std::string& failure) {
    {
      const std::lock_guard<std::mutex> lock(done_mutex_);
      if (done_) return;
      done_ = true;
      failure_ = failure;
    }
    done_cv_.notify_all();
  }

  // ---- engine thread ------------------------------------------------------------------------------

  // At start, before any thread runs: the clock's command brings the exchange to now (the day the
  // ledger last saw closed, the session phase of this minute), journaled like the minute timer's, so
  // a fresh crixd is open during trading hours before any order arrives.
  void advance_clock() {
    const std::lock_guard<std::mutex> lock(engine_mutex_);
    Unit unit;
    unit.taken = std::chrono::steady_clock::now();
    engine_->handle(Inbound{Timer{}}, unit);
    if (!batches_.try_push(std::move(unit))) throw std::logic_error("the batch queue is full before start");
  }

  void engine_loop() {
    std::vector<Queued> items;
    std::int64_t last_minute = now() / 60'000'000'000;
    for (;;) {
      // While requests keep arriving the thread polls instead of sleeping (DaemonOptions::hot).
      const bool hot = std::chrono::steady_clock::now().time_since_epoch() -
                           std::chrono::steady_clock::duration(last_arrival_.load(std::memory_order_relaxed)) <
                       options_.hot;
      const auto state = hot ? inbound_.wait(std::chrono::milliseconds(0), options_.hot)
                             : inbound_.wait(std::chrono::milliseconds(200));
      {
        const std::lock_guard<std::mutex> lock(engine_mutex_);
        items.clear();
        inbound_.take(items, options_.max_batch_commands);
        const std::int64_t minute = now() / 60'000'000'000;
        if (minute != last_minute) {
          // The clock moves the exchange once a minute, within the wait above (200 ms) of the minute
          // turning: GTD expiry, and every session boundary and close (they fall on whole minutes),
          // so the phase, the security list's status and the log change with the clock, not with
          // the next order.
          last_minute = minute;
          items.push_back(Queued{Timer{}, {}});
        }
        if (failed_) {  // once trading stopped, nothing more is sequenced
          for (const Queued& item : items) {
            if (const auto* o = std::get_if<OperatorRequest>(&item.what)) {
              http::ActionResult r;
              r.reason = "the exchange has stopped trading: " + failure();
              o->done(r);
            }
          }
        } else if (!items.empty()) {
          Unit unit;
          unit.taken = std::chrono::steady_clock::now();
          for (const Queued& item : items) {
            if (std::holds_alternative<fix::OrderRequest>(item.what) || std::holds_alternative<MdRequest>(item.what) ||
                std::holds_alternative<fix::SecurityListRequest>(item.what)) {
              ++unit.requests;
              unit.console.arrivals.push_back(item.arrived);
            }
            engine_->handle(item.what, unit);
          }
          if (!unit.batch.empty() || !unit.out.empty()) {
            batches_.push(std::move(unit));
          } else {
            in_flight_ -= unit.requests;
          }
        }
      }
      if (state == BoundedQueue<Queued>::State::kClosed) break;
    }
    batches_.close();
  }

  std::int64_t now() const { return options_.clock ? options_.clock() : now_ns(); }

  // ---- ledger thread ------------------------------------------------------------------------------

  void ledger_loop() {
    std::vector<Unit> units;
    for (;;) {
      const auto state = batches_.wait(std::chrono::milliseconds(200));
      {
        const std::lock_guard<std::mutex> lock(ledger_mutex_);
        units.clear();
        batches_.take(units, batches_.capacity());
        commit_and_publish(units);
        if (units.empty()) published_->flush();  // session changes while nothing was committed
      }
      if (state == BoundedQueue<Unit>::State::kClosed) break;
    }
  }

  // Under the ledger lock. Group commit: the units go into ONE transaction (one fsync under sync =
  // full), then their messages are published in order.
  void commit_and_publish(const std::vector<Unit>& units) {
    if (units.empty() || failed_) return;
    group_.clear();
    std::uint64_t trades = 0;
    for (const Unit& u : units) {
      group_.append(u.batch);
      trades += u.trades;
    }
    std::int64_t commit_us = -1;
    if (!group_.empty()) {
      try {
        const auto t0 = std::chrono::steady_clock::now();
        ledger_.writer->commit(group_);
        const auto t1 = std::chrono::steady_clock::now();
        timing_.add(t0 - units.front().taken, t1 - t0, group_.commands().size());
        commit_us = std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
      } catch (const std::exception& ex) {
        failed_ = true;
        spdlog::critical("ledger write failed, trading stops and nothing more is acknowledged: {}", ex.what());
        finish(ex.what());
        published_->alert("critical", std::string("ledger write failed, trading stopped: ") + ex.what());
        for (const Unit& u : units) {
          for (const auto& [done, result] : u.answers) {
            http::ActionResult r;
            r.reason = std::string("the exchange has stopped trading: ") + ex.what();
            done(r);
          }
        }
        return;
      }
      ++commits_;
    }
    trades_ += trades;
    last_seq_ = ledger_.writer->meta().last_seq.v;
    {
      const fix::Acceptor::Held held(*acceptor_);  // a group's reports leave a session together
      for (const Unit& u : units) {
        publish(u);
        in_flight_ -= u.requests;
      }
    }
    // The console sees the commit, then the operators' commands in it are answered: an answer comes
    // when what it did can be read.
    Published::Commit commit;
    commit.seq = last_seq_;
    commit.chain_head = ledger::to_hex(ledger_.writer->meta().chain_head);
    commit.commit_us = commit_us;
    commit.sent = std::chrono::steady_clock::now();
    console_batches_.clear();
    for (const Unit& u : units) console_batches_.push_back(&u.console);
    published_->publish(console_batches_, commit);
    for (const Unit& u : units) {
      for (const auto& [done, result] : u.answers) done(result);
    }
    for (const Unit& u : units) log_outcomes(u);
  }

  // One line per trade and per refused request of a committed unit, after its reports have left:
  // key=value fields an operator can grep, the same for every line of a kind. The logger is
  // asynchronous (crixd_main.cpp), so this costs the formatting, not the write.
  void log_outcomes(const Unit& u) const {
    for (const ledger::OperatorAction& a : u.batch.actions()) {
      spdlog::info("operator seq={} operator=\"{}\" command={} {} result=\"{}\"", a.seq.v, a.operator_name, a.command,
                   a.arguments, a.result);
    }
    for (const Event& e : u.fills) {
      const bool buy = e.side == engine::Side::kBuy;
      const engine::OrderId buy_order = buy ? e.order_id : e.maker_id;
      const engine::OrderId sell_order = buy ? e.maker_id : e.order_id;
      const engine::ParticipantId buyer = buy ? e.participant : e.maker_participant;
      const engine::ParticipantId seller = buy ? e.maker_participant : e.participant;
      const engine::AccountId project = buy ? e.account : e.maker_account;
      const engine::AccountId facility = buy ? e.maker_account : e.account;
      spdlog::info("trade id={} symbol={} qty={} price={} buy_order={} buyer={} project={} sell_order={} seller={} "
                   "facility={} credited={} ratio={} aggressor={}",
                   e.trade_id.v, market_.instruments[e.instrument.v].code, e.qty.v, fix::format_price(e.price.v),
                   buy_order.v, market_.participants[buyer.v].id, market_.projects[project.v].id, sell_order.v,
                   market_.participants[seller.v].id, market_.facilities[facility.v].id, e.arg1,
                   engine::ratio_text(static_cast<std::uint32_t>(e.arg2)), buy ? "buy" : "sell");
    }
    for (const Outbound& o : u.out) {
      if (const auto* r = std::get_if<fix::ExecReport>(&o); r != nullptr && r->exec_type == fixv::exec_type::kRejected) {
        spdlog::info("reject request=new participant={} cl_ord_id={} symbol={} side={} account={} qty={} price={} "
                     "reason=\"{}\"",
                     participant_id(r->session), r->cl_ord_id, r->symbol, r->side == fixv::side::kSell ? "sell" : "buy", r->account,
                     r->order_qty, fix::format_price(r->price), r->text);
      } else if (const auto* c = std::get_if<fix::CancelReject>(&o)) {
        spdlog::info("reject request={} participant={} cl_ord_id={} order_id={} orig_cl_ord_id={} reason=\"{}\"",
                     c->response_to == fixv::cxl_rej_response_to::kReplace ? "replace" : "cancel", participant_id(c->session), c->cl_ord_id,
                     c->order_id, c->orig_cl_ord_id, c->text);
      } else if (const auto* m = std::get_if<fix::MassCancelReport>(&o); m != nullptr && m->response == fixv::mass_cancel::kRejected) {
        spdlog::info("reject request=mass_cancel participant={} cl_ord_id={} reason=\"{}\"", participant_id(m->session),
                     m->cl_ord_id, m->text);
      } else if (const auto* b = std::get_if<fix::BusinessReject>(&o)) {
        spdlog::info("reject request={} participant={} ref_id={} reason=\"{}\"", b->ref_msg_type,
                     participant_id(b->session), b->ref_id, b->text);
      }
    }
  }

  const std::string& participant_id(fix::SessionHandle session) const { return market_.participants[session].id; }

  void publish(const Unit& u) {
    for (const Outbound& o : u.out) {
      // A message FIX cannot carry (an empty required field, a char that is not printable) is a bug of
      // ours: the gateway refuses such input, so this is logged rather than ending the exchange.
      try {
        std::visit(
            [&](const auto& message) {
              if (acceptor_->send(message)) published_->sent(message.session);
            },
            o);
      } catch (const std::invalid_argument& e) {
        const fix::SessionHandle to = std::visit([](const auto& message) { return message.session; }, o);
        spdlog::error("a message to {} was not sent: {}",
                      to < market_.participants.size() ? market_.participants[to].id : "?", e.what());
      }
    }
    for (const auto& [p, text] : u.logouts) acceptor_->logout(p, text);
  }

  // Where a request's time goes between the engine thread taking it and its batch being on the ledger:
  // logged at stop, so that an operator (and bench_fix) can see what bounds throughput and latency.
  class Timing {
   public:
    void add(std::chrono::nanoseconds engine_to_commit, std::chrono::nanoseconds commit, std::size_t commands) {
      if (waits_.size() >= kKeep) return;
      waits_.push_back(engine_to_commit.count() / 1000);
      commits_.push_back(commit.count() / 1000);
      commands_ += commands;
    }
    std::string summary() {
      if (commits_.empty()) return "no commits timed";
      return "ledger: " + std::to_string(commits_.size()) + " group commits of " +
             std::to_string(commands_ / commits_.size()) + " commands on average; commit p50 " + pct(commits_, 50) +
             " us, p99 " + pct(commits_, 99) + " us; engine take to commit start p50 " + pct(waits_, 50) +
             " us, p99 " + pct(waits_, 99) + " us";
    }

   private:
    static std::string pct(std::vector<std::int64_t>& v, int p) {
      const std::size_t k = (v.size() - 1) * static_cast<std::size_t>(p) / 100;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
      return std::to_string(v[k]);
    }
    static constexpr std::size_t kKeep = 1 << 20;
    std::vector<std::int64_t> waits_, commits_;
    std::uint64_t commands_ = 0;
  };

  const engine::Market market_;
  const DaemonOptions options_;
  Timing timing_;  // under ledger_mutex_; read at stop after the ledger thread joined
  ledger::OpenLedger ledger_;
  std::unique_ptr<fix::Acceptor> acceptor_;
  std::uint16_t port_ = 0;

  BoundedQueue<Queued> inbound_{options_.inbound_capacity};
  BoundedQueue<Unit> batches_{options_.batch_capacity};
  std::thread engine_thread_;
  std::thread ledger_thread_;
  std::once_flag stopped_;

  // Shared with the FIX threads.
  std::unique_ptr<std::atomic<bool>[]> suspended_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> logons_;  // per participant: sessions ended
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::chrono::steady_clock::rep> last_arrival_{0};
  std::atomic<std::int64_t> in_flight_{0};  // FIX requests taken and not yet answered
  std::atomic<bool> quiet_{false};           // the last request found none in flight  // steady_clock ticks of the last request
  std::atomic<std::uint64_t> trades_{0}, commits_{0}, busy_{0}, last_seq_{0}, run_inline_{0};

  // The ledger stage: the writer, the group being committed, publishing. Taken by the ledger thread
  // and by a request that runs inline (arrive()); every take from batches_ happens under it.
  std::mutex ledger_mutex_;
  ledger::Batch group_;

  // The engine stage: the exchange and everything below. Taken by the engine thread and by a request
  // that runs inline; every take from inbound_ happens under it.
  std::mutex engine_mutex_;
  std::optional<EngineStage> engine_;  // sequence, rules, book; the orders; the reports

  // What the console reads (http::Link), kept by the ledger stage; its own lock.
  std::unique_ptr<Published> published_;
  std::vector<const ConsoleBatch*> console_batches_;  // under ledger_mutex_: the group being published
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
