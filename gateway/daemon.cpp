#include "gateway/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "engine/exchange.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/fix_values.hpp"
#include "gateway/market_data.hpp"
#include "gateway/messages.hpp"
#include "gateway/orders.hpp"
#include "gateway/password.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/published.hpp"
#include "gateway/queue.hpp"
#include "ledger/error.hpp"
#include "ledger/sequencer.hpp"
#include "ledger/settlement.hpp"

namespace crix::gateway {

namespace {

using engine::Command;
using engine::CommandType;
using engine::Event;
using engine::EventType;


std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}


// OrdRejReason(103) for an exchange reject code.
int rej_reason(engine::RejectCode code) {
  using engine::RejectCode;
  switch (code) {
    case RejectCode::kUnknownInstrument: return fixv::ord_rej_reason::kUnknownSymbol;
    case RejectCode::kSessionClosed:
    case RejectCode::kInstrumentHalted: return fixv::ord_rej_reason::kExchangeClosed;
    case RejectCode::kFacilityCapacity:
    case RejectCode::kProjectNeed:
    case RejectCode::kInvalidQuantity: return fixv::ord_rej_reason::kOrderExceedsLimit;
    case RejectCode::kDuplicateOrderId: return fixv::ord_rej_reason::kDuplicateOrder;
    case RejectCode::kUnknownOrder: return fixv::ord_rej_reason::kUnknownOrder;
    default: return fixv::ord_rej_reason::kOther;
  }
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
    sequencer_.emplace(*ledger_.exchange, ledger_.writer->meta().last_seq, ledger_.last_ts);
    suspended_ = std::make_unique<std::atomic<bool>[]>(market.participants.size());
    logons_ = std::make_unique<std::atomic<std::uint32_t>[]>(market.participants.size());
    for (std::size_t i = 0; i < market.participants.size(); ++i) {
      suspended_[i] = ledger_.exchange->suspended(engine::ParticipantId(static_cast<std::uint32_t>(i)));
    }
    cl_ord_ids_.resize(market.participants.size());
    restore_orders();
    market_data_.emplace(market_, *ledger_.exchange, logons_.get());
    published_ = std::make_unique<Published>(market_, *ledger_.exchange, ledger_.writer->reader(),
                                             sequencer_->last_seq().v, now());

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

  // The live orders' ClOrdIDs and fills from before a restart (ledger client_orders). A record whose
  // order no longer rests is forgotten.
  void restore_orders() {
    ledger::Batch stale;
    std::size_t restored = 0;
    for (const ledger::ClientOrder& k : ledger_.writer->client_orders()) {
      const engine::Order* live = ledger_.exchange->book().peek(engine::OrderId(k.order));
      OrderInfo o;
      if (live == nullptr || !restore_state(k.state, o) || o.session != live->participant.v) {
        stale.keep({k.order, ""});
        continue;
      }
      o.instrument = live->instrument.v;
      set_account(o, live->side, live->account);
      o.tif = tif_char(live->tif);
      o.price = live->price.v;
      live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = k.order;
      cl_ord_ids_[o.session].insert(o.cl_ord_id);
      orders_[k.order] = std::move(o);
      ++restored;
    }
    if (!stale.empty()) ledger_.writer->commit(stale);
    if (restored + stale.client_orders().size() > 0) {
      spdlog::info("restored the ClOrdIDs of {} resting orders; forgot {} records of orders no longer resting",
                   restored, stale.client_orders().size());
    }
  }

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
    s.commands = commands_.load();
    s.clock_commands = clock_commands_.load();
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
    if (!run_inline([&](Unit& unit) { on_request(r, unit); }) && !queue(r)) busy(r.session, "D", r.cl_ord_id);
  }
  void on_market_data_request(const fix::MarketDataRequest& r) override {
    published_->received(r.session, now(), false);
    const std::uint32_t logon = logons_[r.session].load();
    if (!run_inline([&](Unit& unit) { market_data_->on_md_request(r, logon, unit.out); }) && !queue(MdRequest{r, logon})) {
      busy(r.session, "V", r.md_req_id);
    }
  }
  void on_security_list_request(const fix::SecurityListRequest& r) override {
    published_->received(r.session, now(), false);
    if (!run_inline([&](Unit& unit) { on_security_list(r, unit); }) && !queue(r)) {
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
    handle(Inbound{Timer{}}, unit);
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
            handle(item.what, unit);
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

  void handle(const Inbound& item, Unit& unit) {
    if (const auto* r = std::get_if<fix::OrderRequest>(&item)) return on_request(*r, unit);
    if (const auto* m = std::get_if<MdRequest>(&item)) return market_data_->on_md_request(m->request, m->logon, unit.out);
    if (const auto* s = std::get_if<fix::SecurityListRequest>(&item)) return on_security_list(*s, unit);
    if (const auto* o = std::get_if<OperatorRequest>(&item)) return on_operator(*o, unit);
    Command c;
    c.type = CommandType::kAdvanceTime;
    ++clock_commands_;
    sequence(c, nullptr, unit);
  }

  // An operator's command from the console: sequenced as any, journaled with the operator's name in
  // the same batch, answered once that batch is committed.
  void on_operator(const OperatorRequest& o, Unit& unit) {
    operator_reason_ = &o.reason;
    const Command c = sequence(o.command, nullptr, unit);
    operator_reason_ = nullptr;
    http::ActionResult r;
    r.ok = true;
    r.seq = c.seq.v;
    for (const Event& e : sink_) {
      if (e.type != EventType::kRejected) continue;
      r.ok = false;
      r.reject_code = std::string(engine::to_string(e.code));
      r.reason = ledger_.exchange->describe(e);
      unit.console.rejects.push_back(engine::to_string(e.code));
      break;
    }
    unit.batch.act(ledger::operator_action(*ledger_.exchange, c, sink_.events(), o.operator_name, o.reason));
    unit.answers.emplace_back(o.done, std::move(r));
  }

  // Sequences one command through the exchange, settles it into the batch and turns its events into
  // messages. `request` is the FIX request behind it (nullptr for the clock and the operator).
  // Returns the command as sequenced (seq, time, order id).
  Command sequence(Command c, const fix::OrderRequest* request, Unit& unit) {
    c = sequencer_->sequence(c, engine::Timestamp(now()), sink_, &unit.batch);
    ++commands_;
    bool day_closed = false;
    for (const Event& e : sink_) {
      report(c, request, e, unit);
      day_closed = day_closed || e.type == EventType::kDayClosed;
    }
    if (day_closed) new_cl_ord_id_day(request);
    store_touched(unit);
    market_data_->publish_depth(last_ts(), unit.out);
    console_changes(c, unit);
    return c;
  }

  // What the console shows of the command just applied (Published): the events that move the books,
  // the tape, the participants; and the instruments' state after one that may have changed it.
  void console_changes(const Command& c, Unit& unit) const {
    bool instruments = false;
    for (const Event& e : sink_) {
      switch (e.type) {
        case EventType::kLevel:
        case EventType::kAccepted:
        case EventType::kFill:
        case EventType::kCanceled:
        case EventType::kExpired:
        case EventType::kReplaced:
        case EventType::kParticipantState:
        case EventType::kDayClosed:
          unit.console.changes.push_back(ConsoleBatch::Change{c.seq.v, c.ts.v, e});
          instruments = instruments || e.type == EventType::kDayClosed;
          break;
        case EventType::kSessionPhase:
        case EventType::kInstrumentState:
          instruments = true;
          break;
        default:
          break;
      }
    }
    if (!instruments) return;
    const engine::Exchange& x = *ledger_.exchange;
    for (std::uint32_t i = 0; i < market_.instruments.size(); ++i) {
      const engine::InstrumentId id(i);
      unit.console.instruments.emplace_back(
          c.seq.v, InstrumentState{i, x.phase(), x.halted(id), x.reference_price(id).v, x.band_low(id).v,
                                   x.band_high(id).v});
    }
  }

  std::int64_t now() const { return options_.clock ? options_.clock() : now_ns(); }

  // At the close a ClOrdID may be used again, except by a live order: the sets keep one trading day,
  // not the process's life. A request that closed the day (the first after the close) counts in the
  // new one.
  void new_cl_ord_id_day(const fix::OrderRequest* request) {
    ended_.clear();
    ended_by_cl_ord_id_.clear();
    for (auto& used : cl_ord_ids_) used.clear();
    for (const auto& [id, o] : orders_) cl_ord_ids_[o.session].insert(o.cl_ord_id);
    if (request != nullptr &&
        (request->kind == fix::RequestKind::kNew || request->kind == fix::RequestKind::kReplace)) {
      cl_ord_ids_[request->session].insert(request->cl_ord_id);
    }
  }

  std::uint32_t instrument_of(const std::string& symbol) const {
    const auto i = ledger_.exchange->instrument_index(symbol);
    return i ? *i : UINT32_MAX;
  }

  // ExecID(17) and SecurityResponseID(322): the command's seq and a running count, unique in a process.
  std::string next_id() const {
    return std::to_string(sequencer_->last_seq().v) + "-" + std::to_string(++exec_seq_);
  }
  // The time of the command being sequenced: TransactTime(60) and MDEntryTime of what it sends.
  std::int64_t last_ts() const { return sequencer_->last_ts().v; }

  fix::ExecReport base_report(const OrderInfo& o, std::uint64_t order_id) const {
    fix::ExecReport r;
    r.session = o.session;
    r.order_id = std::to_string(order_id);
    r.exec_id = next_id();
    r.cl_ord_id = o.cl_ord_id;
    r.symbol = market_.instruments[o.instrument].code;
    r.account = o.account;
    r.side = o.side;
    r.ord_type = o.ord_type;
    r.time_in_force = o.tif;
    r.price = o.price;
    r.order_qty = o.qty;
    r.cum_qty = o.cum_qty;
    r.leaves_qty = o.qty - o.cum_qty;
    r.avg_px = o.cum_qty > 0 ? static_cast<std::int64_t>((o.cum_value + o.cum_qty / 2) / o.cum_qty) : 0;
    r.transact_time = last_ts();
    return r;
  }

  // Why a request was refused, for the metrics: the exchange's reject code (the callers pass it), else
  // the gateway's check, from the FIX reason it gave.
  static std::string_view new_reject_key(int ord_rej_reason) {
    switch (ord_rej_reason) {
      case fixv::ord_rej_reason::kUnknownSymbol: return "unknown symbol";
      case fixv::ord_rej_reason::kDuplicateOrder: return "duplicate ClOrdID";
      default: return "invalid request";
    }
  }
  static std::string_view cancel_reject_key(int cxl_rej_reason) {
    switch (cxl_rej_reason) {
      case fixv::cxl_rej_reason::kUnknownOrder: return "unknown order";
      case fixv::cxl_rej_reason::kDuplicateClOrdId: return "duplicate ClOrdID";
      default: return "invalid request";
    }
  }

  void reject_new(const fix::OrderRequest& r, int reason, const std::string& text, Unit& unit,
                  std::string_view why = {}) {
    unit.console.rejects.push_back(why.empty() ? new_reject_key(reason) : why);
    fix::ExecReport e;
    e.session = r.session;
    e.order_id = "NONE";
    e.exec_id = next_id();
    e.cl_ord_id = r.cl_ord_id;
    e.exec_type = fixv::exec_type::kRejected;
    e.ord_status = fixv::ord_status::kRejected;
    e.symbol = r.symbol;
    e.account = r.account;
    e.side = r.side;
    e.ord_type = r.ord_type;
    e.time_in_force = r.time_in_force;
    e.price = r.price;
    e.order_qty = r.qty;
    e.ord_rej_reason = reason;
    e.text = text;
    e.transact_time = last_ts();
    unit.out.emplace_back(std::move(e));
  }

  void cancel_reject(const fix::OrderRequest& r, const std::string& order_id, int reason, const std::string& text,
                     Unit& unit, std::string_view why = {}) {
    unit.console.rejects.push_back(why.empty() ? cancel_reject_key(reason) : why);
    fix::CancelReject c;
    c.session = r.session;
    c.order_id = order_id;
    c.cl_ord_id = r.cl_ord_id;
    c.orig_cl_ord_id = r.orig_cl_ord_id;
    c.response_to = r.kind == fix::RequestKind::kReplace ? fixv::cxl_rej_response_to::kReplace
                                                         : fixv::cxl_rej_response_to::kCancel;
    c.reason = reason;
    c.text = text;
    unit.out.emplace_back(std::move(c));
  }

  // The live order a cancel, replace or status request names: by OrderID(37), else by OrigClOrdID(41)
  // (ClOrdID(11) for a status request). Only the session's own orders are found.
  std::optional<std::uint64_t> find_order(const fix::OrderRequest& r) {
    if (!r.order_id.empty()) {
      std::uint64_t id = 0;
      const auto [end, ec] = std::from_chars(r.order_id.data(), r.order_id.data() + r.order_id.size(), id);
      if (ec != std::errc{} || end != r.order_id.data() + r.order_id.size()) return std::nullopt;
      const auto it = orders_.find(id);
      if (it != orders_.end()) return it->second.session == r.session ? std::optional<std::uint64_t>(id) : std::nullopt;
      // Resting since before a restart: adopted from the book.
      const engine::Order* live = ledger_.exchange->book().peek(engine::OrderId(id));
      if (live == nullptr || live->participant.v != r.session) return std::nullopt;
      Event e;
      e.instrument = live->instrument;
      OrderInfo& o = info_of(id, live->participant, live->account, live->side, e, live->qty.v);
      o.price = live->price.v;
      return id;
    }
    const std::string& key = r.kind == fix::RequestKind::kStatus && r.orig_cl_ord_id.empty() ? r.cl_ord_id
                                                                                              : r.orig_cl_ord_id;
    const auto it = live_by_cl_ord_id_.find(clid_key(r.session, key));
    if (it == live_by_cl_ord_id_.end()) return std::nullopt;
    return it->second;
  }

  // An order of the session that ended today, named as find_order() names a live one.
  std::optional<std::uint64_t> find_ended(const fix::OrderRequest& r) const {
    if (!r.order_id.empty()) {
      std::uint64_t id = 0;
      const auto [end, ec] = std::from_chars(r.order_id.data(), r.order_id.data() + r.order_id.size(), id);
      if (ec != std::errc{} || end != r.order_id.data() + r.order_id.size()) return std::nullopt;
      const auto it = ended_.find(id);
      if (it == ended_.end() || it->second.info.session != r.session) return std::nullopt;
      return id;
    }
    const std::string& key = r.orig_cl_ord_id.empty() ? r.cl_ord_id : r.orig_cl_ord_id;
    const auto it = ended_by_cl_ord_id_.find(clid_key(r.session, key));
    if (it == ended_by_cl_ord_id_.end()) return std::nullopt;
    return it->second;
  }

  static std::string clid_key(std::uint32_t session, const std::string& cl_ord_id) {
    return std::to_string(session) + "\x1f" + cl_ord_id;
  }

  void on_request(const fix::OrderRequest& r, Unit& unit) {
    switch (r.kind) {
      case fix::RequestKind::kNew: return on_new(r, unit);
      case fix::RequestKind::kCancel:
      case fix::RequestKind::kReplace: return on_cancel_replace(r, unit);
      case fix::RequestKind::kStatus: return on_status(r, unit);
      case fix::RequestKind::kMassCancel: return on_mass_cancel(r, unit);
      case fix::RequestKind::kMassStatus: return on_mass_status(r, unit);
    }
  }

  // OrderMassCancelRequest(q): the session's live orders (of one symbol with type 1) are canceled,
  // each with its ExecutionReport, and an OrderMassCancelReport(r) says how many, also when none.
  void on_mass_cancel(const fix::OrderRequest& r, Unit& unit) {
    fix::MassCancelReport m;
    m.session = r.session;
    m.cl_ord_id = r.cl_ord_id;
    m.order_id = next_id();
    m.request_type = r.mass_cancel_type;
    m.response = r.mass_cancel_type;
    Command c;
    c.type = CommandType::kMassCancel;
    c.participant = engine::ParticipantId(r.session);
    if (r.mass_cancel_type == fixv::mass_cancel::kSymbol) {
      const std::uint32_t i = instrument_of(r.symbol);
      if (i == UINT32_MAX) {
        m.response = fixv::mass_cancel::kRejected;
        m.reject_reason = fixv::mass_cancel::kUnknownSecurity;
        m.text = "unknown Symbol(55) '" + r.symbol + "'";
        unit.out.emplace_back(std::move(m));
        return;
      }
      c.instrument = engine::InstrumentId(i);
    } else if (r.mass_cancel_type == fixv::mass_cancel::kAll) {
      c.instrument = engine::kAllInstruments;
    } else {
      m.response = fixv::mass_cancel::kRejected;
      m.reject_reason = fixv::mass_cancel::kNotSupported;  // (of this type)
      m.text = std::string("MassCancelRequestType(530) '") + r.mass_cancel_type +
               "' is not supported: 1 (one symbol) or 7 (all orders)";
      unit.out.emplace_back(std::move(m));
      return;
    }
    sequence(c, &r, unit);
    for (const Event& e : sink_) {
      if (e.type == EventType::kCanceled && e.participant.v == r.session) ++m.affected;
      if (e.type == EventType::kRejected) {
        m.response = fixv::mass_cancel::kRejected;
        m.reject_reason = fixv::mass_cancel::kOther;
        m.text = ledger_.exchange->describe(e);
      }
    }
    unit.out.emplace_back(std::move(m));
  }

  // A status ExecutionReport(150=I) of an order that ended today.
  fix::ExecReport ended_report(const Ended& ended, std::uint64_t id) const {
    fix::ExecReport e = base_report(ended.info, id);
    e.exec_type = fixv::exec_type::kOrderStatus;
    e.ord_status = ended.status;
    e.leaves_qty = 0;
    return e;
  }

  // OrderMassStatusRequest(AF): one status report per order of the session today (live, then ended, by
  // order id), the last with LastRptRequested; one "no orders" report when there is none.
  void on_mass_status(const fix::OrderRequest& r, Unit& unit) {
    std::uint32_t only = UINT32_MAX;
    if (r.mass_status_type == fixv::mass_status::kSymbol) {
      only = instrument_of(r.symbol);
      if (only == UINT32_MAX) {
        unit.out.emplace_back(business_reject(r.session, "AF", r.cl_ord_id, fixv::business_reject::kUnknownSecurity, "unknown Symbol(55) '" + r.symbol + "'"));
        return;
      }
    } else if (r.mass_status_type != fixv::mass_status::kAll) {
      unit.out.emplace_back(business_reject(r.session, "AF", r.cl_ord_id, fixv::business_reject::kOther,
                                            std::string("MassStatusReqType(585) '") + r.mass_status_type +
                                                "' is not supported: 1 (one symbol) or 7 (all orders)"));
      return;
    }
    std::vector<fix::ExecReport> reports;
    std::vector<std::uint64_t> ids;
    for (const auto& [id, o] : orders_) {
      if (o.session == r.session && (only == UINT32_MAX || o.instrument == only)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    for (const std::uint64_t id : ids) {
      const OrderInfo& o = orders_.at(id);
      fix::ExecReport e = base_report(o, id);
      e.exec_type = fixv::exec_type::kOrderStatus;
      e.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
      reports.push_back(std::move(e));
    }
    ids.clear();
    for (const auto& [id, ended] : ended_) {
      if (ended.info.session == r.session && (only == UINT32_MAX || ended.info.instrument == only)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    for (const std::uint64_t id : ids) reports.push_back(ended_report(ended_.at(id), id));
    if (reports.empty()) {
      fix::ExecReport e;
      e.session = r.session;
      e.order_id = "NONE";
      e.exec_id = next_id();
      e.cl_ord_id = r.cl_ord_id;
      e.exec_type = fixv::exec_type::kOrderStatus;
      e.ord_status = fixv::ord_status::kRejected;
      e.symbol = r.symbol.empty() ? "NONE" : r.symbol;
      e.text = "no orders";
      reports.push_back(std::move(e));
    }
    for (std::size_t i = 0; i < reports.size(); ++i) {
      reports[i].mass_status_req_id = r.cl_ord_id;
      reports[i].tot_num_reports = reports[0].order_id == "NONE" ? 0 : static_cast<int>(reports.size());
      reports[i].last_rpt_requested = i + 1 == reports.size();
      unit.out.emplace_back(std::move(reports[i]));
    }
  }

  void on_new(const fix::OrderRequest& r, Unit& unit) {
    if (r.cl_ord_id.empty()) return reject_new(r, fixv::ord_rej_reason::kOther, "ClOrdID(11) is required", unit);
    if (!cl_ord_ids_[r.session].insert(r.cl_ord_id).second) {
      return reject_new(r, fixv::ord_rej_reason::kDuplicateOrder, "ClOrdID(11) '" + r.cl_ord_id + "' was used before in this session: every order "
                        "needs a new one", unit);
    }
    const std::uint32_t instrument = instrument_of(r.symbol);
    if (instrument == UINT32_MAX) {
      std::string list;
      for (const auto& i : market_.instruments) list += (list.empty() ? "" : ", ") + i.code;
      return reject_new(r, fixv::ord_rej_reason::kUnknownSymbol, "unknown Symbol(55) '" + r.symbol + "' (instruments: " + list + ")", unit);
    }
    if (r.side != fixv::side::kBuy && r.side != fixv::side::kSell) {
      return reject_new(r, fixv::ord_rej_reason::kOther, "Side(54) must be 1 (buy) or 2 (sell)", unit);
    }
    const bool sell = r.side == fixv::side::kSell;
    const auto account = sell ? ledger_.exchange->facility_index(r.account) : ledger_.exchange->project_index(r.account);
    if (!account) {
      return reject_new(r, fixv::ord_rej_reason::kOther,
                        std::string("Account(1) '") + r.account + "' is no registered " +
                            (sell ? "facility: a sell names the facility whose capacity it sells"
                                  : "project: a buy names the project it buys capacity for"),
                        unit);
    }
    Command c;
    c.type = CommandType::kNew;
    c.instrument = engine::InstrumentId(instrument);
    c.participant = engine::ParticipantId(r.session);
    c.account = engine::AccountId(*account);
    c.side = sell ? engine::Side::kSell : engine::Side::kBuy;
    if (r.ord_type == fixv::ord_type::kMarket) {
      c.ord_type = engine::OrderType::kMarket;
    } else if (r.ord_type != fixv::ord_type::kLimit) {
      return reject_new(r, fixv::ord_rej_reason::kOther, std::string("OrdType(40) '") + r.ord_type + "' is not supported: 1 market or 2 limit",
                        unit);
    }
    switch (r.time_in_force) {
      case fixv::tif::kDay: c.tif = engine::TimeInForce::kDay; break;
      case fixv::tif::kGtc: c.tif = engine::TimeInForce::kGtc; break;
      case fixv::tif::kIoc: c.tif = engine::TimeInForce::kIoc; break;
      case fixv::tif::kFok: c.tif = engine::TimeInForce::kFok; break;
      case fixv::tif::kGtd:
        c.tif = engine::TimeInForce::kGtd;
        if (r.expire_time == 0) {
          return reject_new(r, fixv::ord_rej_reason::kOther, "a GTD order needs ExpireTime(126)", unit);
        }
        c.expire_at = engine::Timestamp(r.expire_time);
        break;
      default:
        return reject_new(r, fixv::ord_rej_reason::kOther,
                          std::string("TimeInForce(59) '") + r.time_in_force +
                              "' is not supported: 0 day, 1 GTC, 3 IOC, 4 FOK or 6 GTD",
                          unit);
    }
    if (r.all_or_none) c.flags = engine::kFlagAllOrNone;
    c.price = engine::Price(r.price);
    c.qty = engine::Qty(r.qty);
    OrderInfo info;
    info.session = r.session;
    info.instrument = instrument;
    info.cl_ord_id = r.cl_ord_id;
    info.account = r.account;
    info.side = r.side;
    info.ord_type = r.ord_type;
    info.tif = r.time_in_force;
    info.price = r.price;
    info.qty = r.qty;
    pending_ = std::move(info);
    sequence(c, &r, unit);
    pending_.reset();
  }

  void on_cancel_replace(const fix::OrderRequest& r, Unit& unit) {
    const bool replace = r.kind == fix::RequestKind::kReplace;
    const auto id = find_order(r);
    if (!id) {
      return cancel_reject(r, r.order_id, fixv::cxl_rej_reason::kUnknownOrder,
                           "no live order " + (r.order_id.empty() ? "with OrigClOrdID(41) '" + r.orig_cl_ord_id + "'"
                                                                  : "with OrderID(37) " + r.order_id) +
                               " of this session: it was filled, canceled or never accepted",
                           unit);
    }
    const OrderInfo& o = orders_.at(*id);
    if (replace && !cl_ord_ids_[r.session].insert(r.cl_ord_id).second) {
      return cancel_reject(r, std::to_string(*id), fixv::cxl_rej_reason::kDuplicateClOrdId,
                           "ClOrdID(11) '" + r.cl_ord_id + "' was used before in this session", unit);
    }
    Command c;
    c.type = replace ? CommandType::kReplace : CommandType::kCancel;
    c.instrument = engine::InstrumentId(o.instrument);
    c.participant = engine::ParticipantId(r.session);
    c.id = engine::OrderId(*id);
    if (replace) {
      c.price = engine::Price(r.price != 0 ? r.price : o.price);
      c.qty = engine::Qty(r.qty);
    }
    sequence(c, &r, unit);
  }

  void on_status(const fix::OrderRequest& r, Unit& unit) {
    const auto id = find_order(r);
    if (!id) {
      if (const auto ended = find_ended(r)) {
        unit.out.emplace_back(ended_report(ended_.at(*ended), *ended));
        return;
      }
      fix::ExecReport e;
      e.session = r.session;
      e.order_id = r.order_id.empty() ? "NONE" : r.order_id;
      e.exec_id = next_id();
      e.cl_ord_id = r.cl_ord_id;
      e.exec_type = fixv::exec_type::kOrderStatus;
      e.ord_status = fixv::ord_status::kRejected;
      e.symbol = r.symbol;
      e.side = r.side;
      e.text = "no order of this session by that id today: it was never accepted, or ended on an earlier trading day";
      unit.out.emplace_back(std::move(e));
      return;
    }
    const OrderInfo& o = orders_.at(*id);
    fix::ExecReport e = base_report(o, *id);
    e.exec_type = fixv::exec_type::kOrderStatus;
    e.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
    unit.out.emplace_back(std::move(e));
  }

  // One event of a sequenced command: the reports it owes, the books it moves.
  void report(const Command& c, const fix::OrderRequest* request, const Event& e, Unit& unit) {
    switch (e.type) {
      case EventType::kAccepted: {
        if (!pending_) break;
        OrderInfo& o = orders_[e.order_id.v] = *pending_;
        o.price = e.price.v;  // a market order's protection price
        live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = e.order_id.v;
        touched_.push_back(e.order_id.v);
        fix::ExecReport r = base_report(o, e.order_id.v);
        r.exec_type = fixv::exec_type::kNew;
        r.ord_status = fixv::ord_status::kNew;
        unit.out.emplace_back(std::move(r));
        break;
      }
      case EventType::kRejected: {
        const std::string text = ledger_.exchange->describe(e);
        if (request == nullptr) {
          spdlog::warn("seq {}: {} refused: {}", c.seq.v, engine::to_string(c.type), text);
        } else if (c.type == CommandType::kNew) {
          reject_new(*request, rej_reason(e.code), text, unit, engine::to_string(e.code));
        } else if (c.type == CommandType::kCancel || c.type == CommandType::kReplace) {
          cancel_reject(*request, std::to_string(c.id.v), e.code == engine::RejectCode::kUnknownOrder ? fixv::cxl_rej_reason::kUnknownOrder : fixv::cxl_rej_reason::kOther,
                        text,
                        unit, engine::to_string(e.code));
        } else {
          unit.console.rejects.push_back(engine::to_string(e.code));
        }
        break;
      }
      case EventType::kFill: {
        ++unit.trades;
        unit.fills.push_back(e);
        fill_report(e.order_id.v, e, true, unit);
        fill_report(e.maker_id.v, e, false, unit);
        market_data_->publish_trade(e, last_ts(), unit.out);
        break;
      }
      case EventType::kCanceled:
      case EventType::kExpired: {
        OrderInfo& o = info_of(e.order_id.v, e.participant, e.account, e.side, e, e.qty.v);
        fix::ExecReport r = base_report(o, e.order_id.v);
        r.exec_type = e.type == EventType::kExpired ? fixv::exec_type::kExpired : fixv::exec_type::kCanceled;
        r.ord_status = r.exec_type;
        r.leaves_qty = 0;
        if (e.type == EventType::kCanceled) {
          if (e.reason == engine::CancelReason::kRequested && request != nullptr &&
              request->kind == fix::RequestKind::kCancel) {
            r.orig_cl_ord_id = o.cl_ord_id;
            r.cl_ord_id = request->cl_ord_id;
          }
          r.text = std::string(engine::to_string(e.reason));
        }
        const char status = r.ord_status;
        const std::string last_cl_ord_id = r.cl_ord_id;
        const bool renamed = last_cl_ord_id != o.cl_ord_id;
        const std::uint32_t session = o.session;
        unit.out.emplace_back(std::move(r));
        forget(e.order_id.v, status, unit);  // `o` is gone
        if (renamed) {
          // Canceled by a request: a status request may name the cancel's ClOrdID, the order's last.
          ended_by_cl_ord_id_[clid_key(session, last_cl_ord_id)] = e.order_id.v;
          ended_.at(e.order_id.v).info.cl_ord_id = last_cl_ord_id;
        }
        break;
      }
      case EventType::kReplaced: {
        OrderInfo& o = info_of(e.order_id.v, e.participant, e.account, e.side, e, e.qty.v);
        const std::string old = o.cl_ord_id;
        if (request != nullptr && request->kind == fix::RequestKind::kReplace) {
          live_by_cl_ord_id_.erase(clid_key(o.session, o.cl_ord_id));
          o.cl_ord_id = request->cl_ord_id;
          live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = e.order_id.v;
        }
        o.price = e.price.v;
        o.qty = e.qty.v;
        touched_.push_back(e.order_id.v);
        fix::ExecReport r = base_report(o, e.order_id.v);
        r.exec_type = fixv::exec_type::kReplaced;
        r.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
        r.orig_cl_ord_id = old;
        unit.out.emplace_back(std::move(r));
        break;
      }
      case EventType::kLevel:
        market_data_->publish_level(e, last_ts(), unit.out);
        break;
      case EventType::kParticipantState:
        suspended_[e.participant.v] = e.arg1 == 1;
        if (e.arg1 == 1) {
          std::string text = "participant " + market_.participants[e.participant.v].id + " is suspended by the exchange";
          if (operator_reason_ != nullptr && !operator_reason_->empty()) text += ": " + *operator_reason_;
          unit.logouts.emplace_back(e.participant.v, std::move(text));
        }
        spdlog::info("participant {} {}", market_.participants[e.participant.v].id,
                     e.arg1 == 1 ? "suspended" : "reinstated");
        break;
      case EventType::kSessionPhase:
        spdlog::info("session phase: {}", engine::to_string(static_cast<engine::SessionPhase>(e.arg1)));
        break;
      case EventType::kDayClosed:
      case EventType::kInstrumentState:
      case EventType::kRevoked:
      case EventType::kEliminationStatus:
      case EventType::kRegistryChanged:
      case EventType::kRegistered:
        spdlog::info("{}", ledger_.exchange->describe(e));
        break;
    }
  }

  // The gateway's record of order `id`. An order resting since before a restart has one restored from
  // the ledger (restore_orders); one without (a ledger written before client_orders existed) is
  // adopted from the event, its ClOrdID taken to be its order id and its earlier fills unknown.
  // Side(54) and Account(1): a sell names its facility, a buy its project.
  void set_account(OrderInfo& o, engine::Side side, engine::AccountId account) const {
    o.side = side == engine::Side::kSell ? fixv::side::kSell : fixv::side::kBuy;
    o.account = side == engine::Side::kSell ? market_.facilities.at(account.v).id : market_.projects.at(account.v).id;
  }

  OrderInfo& info_of(std::uint64_t id, engine::ParticipantId participant, engine::AccountId account,
                     engine::Side side, const Event& e, std::int64_t open) {
    const auto it = orders_.find(id);
    if (it != orders_.end()) return it->second;
    OrderInfo o;
    o.session = participant.v;
    o.instrument = e.instrument.v;
    o.cl_ord_id = std::to_string(id);
    set_account(o, side, account);
    o.tif = fixv::tif::kGtc;
    if (const engine::Order* live = ledger_.exchange->book().peek(engine::OrderId(id))) {
      o.price = live->price.v;
      o.tif = tif_char(live->tif);
    }
    o.qty = open;
    live_by_cl_ord_id_[clid_key(o.session, o.cl_ord_id)] = id;
    return orders_[id] = std::move(o);
  }

  void fill_report(std::uint64_t id, const Event& e, bool taker, Unit& unit) {
    const std::int64_t leaves = taker ? e.leaves.v : e.maker_leaves.v;
    OrderInfo& o = info_of(id, taker ? e.participant : e.maker_participant, taker ? e.account : e.maker_account,
                           taker ? e.side : engine::opposite(e.side), e, leaves + e.qty.v);
    if (o.price == 0) o.price = e.price.v;
    o.cum_qty += e.qty.v;
    o.cum_value += Int128{e.price.v} * e.qty.v;
    fix::ExecReport r = base_report(o, id);
    r.leaves_qty = leaves;
    r.exec_type = fixv::exec_type::kTrade;
    r.ord_status = leaves == 0 ? fixv::ord_status::kFilled : fixv::ord_status::kPartiallyFilled;
    r.last_px = e.price.v;
    r.last_qty = e.qty.v;
    r.trade_id = std::to_string(e.trade_id.v);
    r.credited = e.arg1;
    r.ratio_permille = e.arg2;
    unit.out.emplace_back(std::move(r));
    if (leaves == 0) {
      forget(id, fixv::ord_status::kFilled, unit);
    } else {
      touched_.push_back(id);
    }
  }

  // Order `id` ended with OrdStatus `status` (filled, canceled or expired): no longer live,
  // kept until the close for OrderStatusRequest and OrderMassStatusRequest.
  void forget(std::uint64_t id, char status, Unit& unit) {
    const auto it = orders_.find(id);
    if (it == orders_.end()) return;
    if (it->second.stored) unit.batch.keep({id, ""});
    const std::string key = clid_key(it->second.session, it->second.cl_ord_id);
    live_by_cl_ord_id_.erase(key);
    ended_by_cl_ord_id_[key] = id;
    ended_[id] = Ended{std::move(it->second), status};
    orders_.erase(it);
  }

  // The live orders the last command changed go to the ledger with it (an order that came and went
  // within the command is never written).
  void store_touched(Unit& unit) {
    for (const std::uint64_t id : touched_) {
      const auto it = orders_.find(id);
      if (it == orders_.end()) continue;
      it->second.stored = true;
      unit.batch.keep({id, stored_state(it->second)});
    }
    touched_.clear();
  }

  void on_security_list(const fix::SecurityListRequest& r, Unit& unit) {
    unit.out.push_back(security_list(market_, *ledger_.exchange, r, [&] { return next_id(); }));
  }

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
  std::atomic<std::uint64_t> commands_{0}, trades_{0}, commits_{0}, busy_{0}, last_seq_{0}, run_inline_{0};
  std::atomic<std::uint64_t> clock_commands_{0};

  // The ledger stage: the writer, the group being committed, publishing. Taken by the ledger thread
  // and by a request that runs inline (arrive()); every take from batches_ happens under it.
  std::mutex ledger_mutex_;
  ledger::Batch group_;

  // The engine stage: the exchange and everything below. Taken by the engine thread and by a request
  // that runs inline; every take from inbound_ happens under it.
  std::mutex engine_mutex_;
  std::optional<ledger::Sequencer> sequencer_;  // next seq, a time that never goes back, apply, settle
  mutable std::uint64_t exec_seq_ = 0;
  engine::EventSink sink_;
  std::optional<OrderInfo> pending_;  // the order being entered
  std::unordered_map<std::uint64_t, OrderInfo> orders_;
  // The orders of the current trading day that ended (filled, canceled, expired), by order id and by
  // session and ClOrdID (clid_key): OrderStatusRequest and OrderMassStatusRequest answer with their
  // final state. Forgotten at the close, as the ClOrdID sets are.
  std::unordered_map<std::uint64_t, Ended> ended_;
  std::unordered_map<std::string, std::uint64_t> ended_by_cl_ord_id_;
  std::vector<std::uint64_t> touched_;  // live orders changed by the command being sequenced
  std::unordered_map<std::string, std::uint64_t> live_by_cl_ord_id_;
  std::vector<std::unordered_set<std::string>> cl_ord_ids_;  // per session: the ClOrdIDs used today
  std::optional<MarketData> market_data_;  // FIX market data subscriptions

  // What the console reads (http::Link), kept by the ledger stage; its own lock.
  std::unique_ptr<Published> published_;
  std::vector<const ConsoleBatch*> console_batches_;  // under ledger_mutex_: the group being published
  const std::string* operator_reason_ = nullptr;      // under engine_mutex_: of the operator command sequenced
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
