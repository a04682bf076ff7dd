#include "gateway/pipeline.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "gateway/engine_stage.hpp"
#include "gateway/fix_values.hpp"

namespace crix::gateway {

using engine::Event;

Pipeline::Pipeline(const engine::Market& market, const PipelineOptions& options, EngineStage& engine,
                   ledger::Writer& writer, fix::Acceptor& acceptor, Published& published,
                   std::function<std::int64_t()> clock, std::function<void(const std::string&)> on_failure)
    : market_(market),
      options_(options),
      engine_(engine),
      writer_(writer),
      acceptor_(acceptor),
      published_(published),
      clock_(std::move(clock)),
      on_failure_(std::move(on_failure)) {}

Pipeline::~Pipeline() { stop(); }

void Pipeline::start() {
  advance_clock();
  // Named for top, perf and gdb (at most 15 characters).
  engine_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "crix-engine");
    engine_loop();
  });
  ledger_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "crix-ledger");
    ledger_loop();
  });
}

void Pipeline::stop() {
  std::call_once(stopped_, [this] {
    stopping_ = true;
    inbound_.close();
    if (engine_thread_.joinable()) engine_thread_.join();
    if (ledger_thread_.joinable()) ledger_thread_.join();
  });
}

std::string Pipeline::failure() const {
  const std::lock_guard<std::mutex> lock(failure_mutex_);
  return failure_;
}

engine::SessionPhase Pipeline::phase() {
  const std::lock_guard<std::mutex> lock(engine_mutex_);
  return engine_.phase();
}

void Pipeline::take(const fix::OrderRequest& r) {
  if (!queue(r)) refuse(r.session, fixv::msg_type::kNewOrderSingle, r.cl_ord_id);
}

void Pipeline::take(const fix::MarketDataRequest& r, std::uint32_t logon) {
  if (!queue(MdRequest{r, logon})) refuse(r);
}

void Pipeline::take(const fix::SecurityListRequest& r) {
  if (!queue(r)) refuse(r.session, fixv::msg_type::kSecurityListRequest, r.security_req_id);
}

void Pipeline::take(const fix::TradeCaptureReport& r) {
  if (!queue(r)) refuse(r.session, fixv::msg_type::kTradeCaptureReport, r.trade_report_id);
}

void Pipeline::take(const fix::TradeCaptureReportRequest& r) {
  if (!queue(r)) refuse(r.session, fixv::msg_type::kTradeCaptureReportRequest, r.trade_request_id);
}

void Pipeline::take(const fix::TradingSessionStatusRequest& r) {
  if (!queue(r)) refuse(r.session, fixv::msg_type::kTradingSessionStatusRequest, r.request_id);
}

bool Pipeline::take(OperatorRequest o) {
  return inbound_.try_push(Queued{std::move(o), std::chrono::steady_clock::now()});
}

// A FIX request runs on the FIX thread that received it when few requests are in flight and nothing
// waits for the engine stage; otherwise it joins the inbound queue for the engine thread. false: the
// queue was full or closed, nothing queued (the caller refuses it).
//
// Inline, it is sequenced and settled under the engine lock, then committed and published under the
// ledger lock, exactly as the stage threads would, but without waking them: two thread wake-ups were
// most of an order's time inside crixd at one order in flight. The test is the number in flight (taken
// and not yet answered), fewer than kInlineInFlight: one order in flight per session for a few sessions
// runs inline; under load (window 100: hundreds in flight) the engine thread's batches stay whole,
// which FIX threads running their own would split.
// A request that runs inline waits for the engine lock when another holds it (a few microseconds of
// engine step): until 2026-12-06 it joined the queue instead, and at two sessions one order in 20 then
// woke the engine thread and kept it polling (DaemonOptions::hot) for a millisecond. Waiting cannot
// deadlock: a FIX thread here holds no other lock (QuickFIX calls fromApp without the session's), and
// no holder of the engine lock waits for a FIX thread.
// Order is kept because every take from a queue happens under its stage's lock: an empty queue seen
// under the lock means everything before has been handled, and the engine lock is held until the unit
// is in the batch queue.
template <class Request>
bool Pipeline::queue(Request request) {
  const auto arrived = std::chrono::steady_clock::now();
  if (in_flight_.fetch_add(1) < kInlineInFlight) {
    std::unique_lock<std::mutex> engine(engine_mutex_);
    // A full batch queue would make this thread wait for room while it holds the engine stage: it
    // reads one session, and whoever publishes may be sending to that session.
    if (inbound_.size() == 0 && batches_.size() < batches_.capacity()) {
      if (!inbound_.try_push(Queued{std::move(request), arrived}, BoundedQueue<Queued>::Wake::kQuiet)) {
        --in_flight_;
        return false;  // closed
      }
      run_inline_ += engine_step(false, BoundedQueue<Unit>::Wake::kQuiet);
      engine.unlock();
      publish_inline();
      return true;
    }
  }
  // The engine thread polls while requests keep coming to it (DaemonOptions::hot).
  last_arrival_.store(arrived.time_since_epoch().count(), std::memory_order_relaxed);
  if (inbound_.try_push(Queued{std::move(request), arrived})) return true;
  --in_flight_;
  return false;
}

// After an inline engine step (its unit is in the batch queue, pushed without waking the ledger
// thread): the ledger stage runs here while its lock is free, on every waiting unit (one group commit,
// then publishing). A holder of the ledger lock looks at the batch queue again after unlocking (the
// look is under the queue's lock, so it sees a unit pushed before, or the pusher finds the lock free
// after): an inline request holding it commits what it finds, the ledger thread's wait returns at once.
void Pipeline::publish_inline() {
  for (;;) {
    std::unique_lock<std::mutex> ledger(ledger_mutex_, std::try_to_lock);
    if (!ledger.owns_lock()) return;
    ledger_step();
    ledger.unlock();
    if (!batches_.waiting()) return;
  }
}

// Under the engine lock: every waiting request (at most max_batch_commands), and the clock's tick when
// `tick`, run as one unit, which joins the batch queue for the ledger stage (waking the ledger thread
// or not: `wake`). Returns the requests run.
std::size_t Pipeline::engine_step(bool tick, BoundedQueue<Unit>::Wake wake) {
  std::vector<Queued>& items = engine_items_;
  items.clear();
  inbound_.take(items, options_.max_batch_commands);
  if (tick) items.push_back(Queued{Timer{}, {}});
  const std::size_t taken = items.size() - (tick ? 1 : 0);
  if (failed_ || ledger_full_) {  // nothing is sequenced: every request that would be is refused
    refuse_all(items);
  } else if (!items.empty()) {
    Unit unit;
    unit.taken = std::chrono::steady_clock::now();
    for (Queued& item : items) {
      engine_.handle(item.what, unit);
      if (!std::holds_alternative<Timer>(item.what) && !std::holds_alternative<OperatorRequest>(item.what)) {
        ++unit.requests;
        unit.console.arrivals.push_back(item.arrived);
        unit.asked.push_back(std::move(item.what));
      }
    }
    if (!unit.batch.empty() || !unit.out.empty()) {
      batches_.push(std::move(unit), wake);
    } else {
      in_flight_ -= unit.requests;
    }
  }
  return taken;
}

// Under the ledger lock: every waiting unit committed as one group, then published.
void Pipeline::ledger_step() {
  std::vector<Unit>& units = ledger_units_;
  units.clear();
  batches_.take(units, batches_.capacity());
  commit_and_publish(units);
}

std::string Pipeline::refusal() {
  if (stopping_) return "the exchange is closing: the request was not taken";
  ++busy_;
  return "the exchange is busy: the request was not taken; send it again";
}

void Pipeline::refuse(fix::SessionHandle session, const char* type, const std::string& id) {
  acceptor_.send(business_reject(session, type, id, fixv::business_reject::kOther, refusal()));
}

void Pipeline::refuse(const fix::MarketDataRequest& r) {
  acceptor_.send(market_data_reject(r.session, r.md_req_id, fixv::md_req_rej_reason::kNone, refusal()));
}

// At start, before any thread runs: the clock's command brings the exchange to now (the day the
// ledger last saw closed, the session phase of this minute), journaled like the minute timer's, so
// a fresh crixd is open during trading hours before any order arrives.
void Pipeline::advance_clock() {
  const std::lock_guard<std::mutex> lock(engine_mutex_);
  Unit unit;
  unit.taken = std::chrono::steady_clock::now();
  engine_.handle(Inbound{Timer{}}, unit);
  if (!batches_.try_push(std::move(unit))) throw std::logic_error("the batch queue is full before start");
}

void Pipeline::engine_loop() {
  std::int64_t last_minute = now() / 60'000'000'000;
  for (;;) {
    // While requests keep coming to this thread it polls instead of sleeping (DaemonOptions::hot).
    const bool hot = std::chrono::steady_clock::now().time_since_epoch() -
                         std::chrono::steady_clock::duration(last_arrival_.load(std::memory_order_relaxed)) <
                     options_.hot;
    const auto state = hot ? inbound_.wait(std::chrono::milliseconds(0), options_.hot)
                           : inbound_.wait(std::chrono::milliseconds(200));
    {
      const std::lock_guard<std::mutex> lock(engine_mutex_);
      const std::int64_t minute = now() / 60'000'000'000;
      // The clock moves the exchange once a minute, within the wait above (200 ms) of the minute
      // turning: GTD expiry, and every session boundary and close (they fall on whole minutes), so
      // the phase, the security list's status and the log change with the clock, not with the next
      // order. An auction's window ends at any time: its end too; and a GTD order's ExpireTime, so
      // that its 150=C leaves at that time (the engine also expires it before any later command).
      const std::int64_t at = now();
      const bool tick = minute != last_minute || engine_.auction_due(at) || engine_.expiry_due(at);
      if (tick) last_minute = minute;
      engine_step(tick, BoundedQueue<Unit>::Wake::kConsumer);
    }
    if (state == BoundedQueue<Queued>::State::kClosed) break;
  }
  batches_.close();
}

// Under the engine lock, while the ledger is full or failed: what would be journaled is refused,
// the rest (while only full) handled as usual, in one unit. The refusals carry no batch, so they
// leave once the units before them are published.
void Pipeline::refuse_all(const std::vector<Queued>& items) {
  const bool all = failed_;
  std::string text = kLedgerFull;
  if (all) {
    // The failure as logged, without the ledger's path (the operators' business, not the clients').
    std::string why = failure();
    const std::string named = "ledger " + writer_.path();
    for (std::size_t at = why.find(named); at != std::string::npos; at = why.find(named, at)) {
      why.replace(at, named.size(), "the ledger");
    }
    text = "the exchange has stopped trading: ledger write failed: " + why + "; the request was not accepted";
  }
  const std::string_view why = all ? "ledger_failed" : "ledger_full";
  Unit unit;
  unit.taken = std::chrono::steady_clock::now();
  for (const Queued& item : items) {
    const bool request = !std::holds_alternative<Timer>(item.what) && !std::holds_alternative<OperatorRequest>(item.what);
    if (request) {
      ++unit.requests;
      unit.console.arrivals.push_back(item.arrived);
    }
    if (engine_.refuse(item.what, text, why, all, unit)) {
      if (request && !all) ++refused_full_;
    } else {
      engine_.handle(item.what, unit);
    }
  }
  if (!unit.out.empty() || !unit.answers.empty()) {
    batches_.push(std::move(unit));
  } else {
    in_flight_ -= unit.requests;
  }
}


// The ledger thread: the engine thread's units and what inline requests left (publish_inline), the
// console's session changes while nothing commits, and the ledger-full retries.
void Pipeline::ledger_loop() {
  for (;;) {
    // While the console's feed has viewers, at least every kHold: what the feed holds goes out (flush)
    // even when the last commits were published inline and nothing follows them.
    const auto state = batches_.wait(published_.watched() ? Published::kHold : kOutcomesEvery);
    {
      const std::lock_guard<std::mutex> lock(ledger_mutex_);
      ledger_step();
      flush_due_outcomes(state == BoundedQueue<Unit>::State::kClosed);
      if (ledger_units_.empty()) published_.flush();  // session changes and held updates while nothing commits
      if (ledger_full_ && !failed_ && std::chrono::steady_clock::now() - space_tried_ >= std::chrono::seconds(1)) {
        space_tried_ = std::chrono::steady_clock::now();
        if (writer_.reserve_space() == ledger::Space::kOk) {
          ledger_full_ = false;
          spdlog::warn("ledger full no more: the ledger's disk has room again; orders are accepted again ({} "
                       "requests were refused for space)",
                       refused_full_.load());
          published_.alert("warning", "ledger full no more: orders are accepted again");
        }
      }
    }
    if (state == BoundedQueue<Unit>::State::kClosed) break;
  }
}

// Under the ledger lock, after a commit: the writer could not keep its reserve ahead (the disk is
// full): new work is refused from the next request on (engine_loop), and the ledger loop retries.
void Pipeline::check_space() {
  if (ledger_full_ || writer_.space() == ledger::Space::kOk) return;
  ledger_full_ = true;
  space_tried_ = std::chrono::steady_clock::now();
  spdlog::critical("ledger full: {}; orders, cancels and operator commands are refused until there is room "
                   "again (retried every second); what was acknowledged is on the ledger",
                   writer_.reserve_note());
  published_.alert("critical", "ledger full: no space left on the ledger's disk; orders are refused until there "
                               "is room again");
}

// Under the ledger lock: a commit failed, the engine has applied what is not on disk. Trading stops
// for good. Nothing of the failed group is sent (none of it is on the ledger): its FIX requests go
// back to the inbound queue, where the engine stage refuses them with the failure, and its operators
// are told.
void Pipeline::fail(const std::string& what, const std::vector<Unit>& units) {
  {
    const std::lock_guard<std::mutex> lock(failure_mutex_);
    failure_ = what;
  }
  failed_ = true;
  flush_outcomes();  // what was committed before, then the failure
  spdlog::critical("ledger write failed, trading stops and nothing more is acknowledged; every request is "
                   "refused until crixd is restarted (the restart replays the ledger): {}",
                   what);
  on_failure_(what);
  published_.alert("critical", "ledger write failed, trading stopped; restart crixd once the cause is fixed: " + what);
  requeue(units, what);
}

// The failed units' FIX requests back to the inbound queue (refused there, once failed_ is set) and
// their operators' answers. A request the full queue cannot take gets a "busy" refusal at once.
void Pipeline::requeue(const std::vector<Unit>& units, const std::string& what) {
  for (const Unit& u : units) {
    for (const Inbound& request : u.asked) {
      if (inbound_.try_push(Queued{request, std::chrono::steady_clock::now()})) continue;
      if (const auto* r = std::get_if<fix::OrderRequest>(&request)) {
        refuse(r->session, fixv::msg_type::kNewOrderSingle, r->cl_ord_id);
      } else if (const auto* m = std::get_if<MdRequest>(&request)) {
        refuse(m->request);
      } else if (const auto* l = std::get_if<fix::SecurityListRequest>(&request)) {
        refuse(l->session, fixv::msg_type::kSecurityListRequest, l->security_req_id);
      } else if (const auto* t = std::get_if<fix::TradeCaptureReport>(&request)) {
        refuse(t->session, fixv::msg_type::kTradeCaptureReport, t->trade_report_id);
      } else if (const auto* q = std::get_if<fix::TradeCaptureReportRequest>(&request)) {
        refuse(q->session, fixv::msg_type::kTradeCaptureReportRequest, q->trade_request_id);
      } else if (const auto* g = std::get_if<fix::TradingSessionStatusRequest>(&request)) {
        refuse(g->session, fixv::msg_type::kTradingSessionStatusRequest, g->request_id);
      }
    }
    for (const auto& [done, result] : u.answers) {
      http::ActionResult r;
      r.reason = "the exchange has stopped trading: " + what;
      done(r);
    }
  }
}

// Under the ledger lock. Group commit: the units go into ONE transaction (one fsync under sync =
// full), then their messages are published in order. Once trading stopped (failed_), only units
// without a batch (refusals) are published; the others were applied after the failure's group and
// go the way it went: nothing of them sent, their requests refused (requeue).
void Pipeline::commit_and_publish(const std::vector<Unit>& units) {
  if (units.empty()) return;
  if (failed_) {
    const fix::Acceptor::Held held(acceptor_);
    for (const Unit& u : units) {
      if (!u.batch.empty()) continue;
      publish(u);
      in_flight_ -= u.requests;
      for (const auto& [done, result] : u.answers) done(result);
    }
    std::vector<Unit> applied;  // after the failed group, before the engine stage saw the failure
    for (const Unit& u : units) {
      if (!u.batch.empty()) applied.push_back(u);
    }
    requeue(applied, failure());
    return;
  }
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
      writer_.commit(group_);
      const auto t1 = std::chrono::steady_clock::now();
      timing_.add(t0 - units.front().taken, t1 - t0, group_.commands().size());
      commit_us = std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
    } catch (const std::exception& ex) {
      fail(ex.what(), units);
      return;
    }
    ++commits_;
    check_space();
  }
  trades_ += trades;
  last_seq_ = writer_.meta().last_seq.v;
  {
    const fix::Acceptor::Held held(acceptor_);  // a group's reports leave a session together
    for (const Unit& u : units) {
      publish(u);
      in_flight_ -= u.requests;
    }
  }
  // The console sees the commit, then the operators' commands in it are answered: an answer comes
  // when what it did can be read.
  Published::Commit commit;
  commit.seq = last_seq_;
  commit.chain_head = ledger::to_hex(writer_.meta().chain_head);
  commit.commit_us = commit_us;
  commit.sent = std::chrono::steady_clock::now();
  console_batches_.clear();
  for (const Unit& u : units) console_batches_.push_back(&u.console);
  published_.publish(console_batches_, commit);
  for (const Unit& u : units) {
    for (const auto& [done, result] : u.answers) done(result);
  }
  for (const Unit& u : units) log_outcomes(u);
  flush_due_outcomes(false);
}

// One line per trade and per refused request of a committed unit, after its reports have left:
// key=value fields an operator can grep, the same for every line of a kind. They are formatted here
// and handed to the log together, at most kOutcomesEvery after the oldest or kOutcomesMost at a time
// (flush_outcomes).
void Pipeline::log_outcomes(const Unit& u) {
  if (outcomes_.empty()) outcomes_since_ = std::chrono::steady_clock::now();
  for (const ledger::OperatorAction& a : u.batch.actions()) {
    outcomes_.push_back(fmt::format("operator seq={} operator=\"{}\" command={} {} result=\"{}\"", a.seq.v,
                                    a.operator_name, a.command, a.arguments, a.result));
  }
  for (const Event& e : u.fills) {
    const bool buy = e.side == engine::Side::kBuy;
    const engine::OrderId buy_order = buy ? e.order_id : e.maker_id;
    const engine::OrderId sell_order = buy ? e.maker_id : e.order_id;
    const engine::ParticipantId buyer = buy ? e.participant : e.maker_participant;
    const engine::ParticipantId seller = buy ? e.maker_participant : e.participant;
    const engine::AccountId project = buy ? e.account : e.maker_account;
    const engine::AccountId facility = buy ? e.maker_account : e.account;
    outcomes_.push_back(fmt::format(
        "trade id={} symbol={} qty={} price={} buy_order={} buyer={} project={} sell_order={} seller={} facility={} "
        "credited={} ratio={} aggressor={}",
        e.trade_id.v, market_.instruments[e.instrument.v].code, e.qty.v, fix::format_price(e.price.v), buy_order.v,
        market_.participants[buyer.v].id, market_.projects[project.v].id, sell_order.v,
        market_.participants[seller.v].id, market_.facilities[facility.v].id, e.arg1,
        engine::ratio_text(static_cast<std::uint32_t>(e.arg2)), buy ? "buy" : "sell"));
  }
  for (const Outbound& o : u.out) {
    if (const auto* r = std::get_if<fix::ExecReport>(&o); r != nullptr && r->exec_type == fixv::exec_type::kRejected) {
      outcomes_.push_back(fmt::format(
          "reject request=new participant={} cl_ord_id={} symbol={} side={} account={} qty={} price={} reason=\"{}\"",
          participant_id(r->session), r->cl_ord_id, r->symbol, r->side == fixv::side::kSell ? "sell" : "buy",
          r->account, r->order_qty, fix::format_price(r->price), r->text));
    } else if (const auto* c = std::get_if<fix::CancelReject>(&o)) {
      outcomes_.push_back(fmt::format(
          "reject request={} participant={} cl_ord_id={} order_id={} orig_cl_ord_id={} reason=\"{}\"",
          c->response_to == fixv::cxl_rej_response_to::kReplace ? "replace" : "cancel", participant_id(c->session),
          c->cl_ord_id, c->order_id, c->orig_cl_ord_id, c->text));
    } else if (const auto* m = std::get_if<fix::MassCancelReport>(&o);
               m != nullptr && m->response == fixv::mass_cancel::kRejected) {
      outcomes_.push_back(fmt::format("reject request=mass_cancel participant={} cl_ord_id={} reason=\"{}\"",
                                      participant_id(m->session), m->cl_ord_id, m->text));
    } else if (const auto* a = std::get_if<fix::TradeCaptureReportAck>(&o);
               a != nullptr && a->status == fixv::trade_report::kRejected) {
      outcomes_.push_back(
          fmt::format("reject request=block participant={} trade_report_id={} block_id={} reason=\"{}\"",
                      participant_id(a->session), a->trade_report_id, a->block_id, a->text));
    } else if (const auto* b = std::get_if<fix::BusinessReject>(&o)) {
      outcomes_.push_back(fmt::format("reject request={} participant={} ref_id={} reason=\"{}\"", b->ref_msg_type,
                                      participant_id(b->session), b->ref_id, b->text));
    } else if (const auto* y = std::get_if<fix::MarketDataReject>(&o)) {
      outcomes_.push_back(fmt::format("reject request={} participant={} ref_id={} reason=\"{}\"",
                                      fixv::msg_type::kMarketDataRequest, participant_id(y->session), y->md_req_id,
                                      y->text));
    }
  }
}

// Under the ledger lock: the outcome lines waiting, to the log. The logger's thread then wakes once
// for the lot rather than once per trade: that wake-up and its pass cost about 7% of crixd's processor
// time at one order in flight (2026-12-06).
void Pipeline::flush_outcomes() {
  for (const std::string& line : outcomes_) spdlog::info("{}", line);
  outcomes_.clear();
}

// Under the ledger lock: flush_outcomes() once kOutcomesMost lines wait or the oldest has waited
// kOutcomesEvery; `all`: whatever waits (the ledger thread's last pass).
void Pipeline::flush_due_outcomes(bool all) {
  if (outcomes_.empty()) return;
  if (all || outcomes_.size() >= kOutcomesMost ||
      std::chrono::steady_clock::now() - outcomes_since_ >= kOutcomesEvery) {
    flush_outcomes();
  }
}


void Pipeline::publish(const Unit& u) {
  for (const Outbound& o : u.out) {
    // A message FIX cannot carry (an empty required field, a char that is not printable) is a bug of
    // ours: the gateway refuses such input, so this is logged rather than ending the exchange.
    try {
      std::visit(
          [&](const auto& message) {
            if (acceptor_.send(message)) published_.sent(message.session);
          },
          o);
    } catch (const std::invalid_argument& e) {
      const fix::SessionHandle to = std::visit([](const auto& message) { return message.session; }, o);
      spdlog::error("a message to {} was not sent: {}",
                    to < market_.participants.size() ? market_.participants[to].id : "?", e.what());
    }
  }
  for (const auto& [p, text] : u.logouts) acceptor_.logout(p, text);
}

void CommitTiming::add(std::chrono::nanoseconds engine_to_commit, std::chrono::nanoseconds commit,
                       std::size_t commands) {
  if (waits_.size() >= kKeep) return;
  waits_.push_back(engine_to_commit.count() / 1000);
  commits_.push_back(commit.count() / 1000);
  commands_ += commands;
}

namespace {

std::string pct(std::vector<std::int64_t>& v, int p) {
  const std::size_t k = (v.size() - 1) * static_cast<std::size_t>(p) / 100;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return std::to_string(v[k]);
}

}  // namespace

std::string CommitTiming::summary() {
  if (commits_.empty()) return "no commits timed";
  return "ledger: " + std::to_string(commits_.size()) + " group commits of " +
         std::to_string(commands_ / commits_.size()) + " commands on average; commit p50 " + pct(commits_, 50) +
         " us, p99 " + pct(commits_, 99) + " us; engine take to commit start p50 " + pct(waits_, 50) +
         " us, p99 " + pct(waits_, 99) + " us";
}

}  // namespace crix::gateway
