// crix::gateway pipeline: crixd's stages, their threads and locks, and what crosses them (gateway/daemon.hpp,
// DESIGN.md Data flow).
//
//   1. FIX threads and the console  -- Queued (Inbound) -->  inbound queue
//   2. engine stage (EngineStage): sequence, rules, book; builds a Unit per group of requests  -->  batch queue
//   3. ledger stage: group commit of every waiting Unit's batch, then its messages, the console's
//      state (Published) and the operators' answers
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/http/link.hpp"
#include "gateway/messages.hpp"
#include "gateway/published.hpp"
#include "gateway/queue.hpp"
#include "ledger/writer.hpp"

namespace crix::gateway {

// A request as it waits for the engine thread: a FIX request, the clock's tick (an AdvanceTime at
// start and as each minute turns), or an operator's command. A MarketDataRequest carries its
// session's logon count when it arrived (MarketData: a subscription ends with its logon).
struct Timer {};
struct MdRequest {
  fix::MarketDataRequest request;
  std::uint32_t logon = 0;
};
// An operator's command from the console (http::Link::submit): sequenced like a FIX request, journaled
// with the operator's name, answered through `done` once committed.
struct OperatorRequest {
  engine::Command command;
  std::string operator_name;
  std::string reason;
  std::function<void(const http::ActionResult&)> done;
};
using Inbound = std::variant<fix::OrderRequest, MdRequest, fix::SecurityListRequest, Timer, OperatorRequest,
                             fix::TradeCaptureReport, fix::TradeCaptureReportRequest, fix::TradingSessionStatusRequest>;
// As it waits in the inbound queue: with the time it arrived, for the acknowledgement latency.
struct Queued {
  Inbound what;
  std::chrono::steady_clock::time_point arrived;
};

// What the engine stage hands the ledger stage for the requests it took together: the ledger batch
// of their commands and what leaves once that batch is committed.
struct Unit {
  std::chrono::steady_clock::time_point taken;  // when the engine thread took its first request
  ledger::Batch batch;
  std::vector<Outbound> out;
  std::vector<std::pair<std::uint32_t, std::string>> logouts;  // participants suspended, the logout's text
  std::uint64_t trades = 0;
  std::int64_t requests = 0;  // FIX requests answered by this unit (Pipeline::in_flight_)
  std::vector<engine::Event> fills;  // this unit's trades, for the log once they are committed
  ConsoleBatch console;              // what the console shows of it (Published)
  // Operator commands' answers, given once the unit is committed.
  std::vector<std::pair<std::function<void(const http::ActionResult&)>, http::ActionResult>> answers;
  // The FIX requests it answers: should its commit fail, they go back to the inbound queue to be
  // refused with the failure (nothing of them is on the ledger), rather than left unanswered.
  std::vector<Inbound> asked;
};

class EngineStage;  // gateway/engine_stage.hpp

// A FIX request may run on its FIX thread while fewer than this many others are in flight (Pipeline).
inline constexpr std::int64_t kInlineInFlight = 4;
// The trade, refusal and operator lines of committed units reach the log in bursts at most this far
// apart (Pipeline::log_outcomes); the ledger thread wakes at least this often. A burst is at most
// kOutcomesMost lines: under load a 100 ms burst was a thousand lines, whose writing took a processor
// away from the console's viewers at once (bench_ops: trade p99 over 100 ms in 2 of 9 rounds).
inline constexpr std::chrono::milliseconds kOutcomesEvery{100};
inline constexpr std::size_t kOutcomesMost = 256;

// The text of a request refused while the ledger's disk is full.
inline constexpr const char* kLedgerFull =
    "ledger full: no space left on the ledger's disk; the request was not accepted, send it again later";

// Where a request's time goes between the engine thread taking it and its batch being on the ledger:
// logged at stop, so that an operator (and bench_fix) can see what bounds throughput and latency.
class CommitTiming {
 public:
  void add(std::chrono::nanoseconds engine_to_commit, std::chrono::nanoseconds commit, std::size_t commands);
  std::string summary();

 private:
  static constexpr std::size_t kKeep = 1 << 20;
  std::vector<std::int64_t> waits_, commits_;
  std::uint64_t commands_ = 0;
};

struct PipelineOptions {
  std::size_t inbound_capacity = 65536;   // DaemonOptions
  std::size_t batch_capacity = 64;
  std::size_t max_batch_commands = 4096;
  std::chrono::microseconds hot{1000};
};

// The two stage threads and their locks. The engine thread takes the inbound queue's items and hands
// each to the EngineStage, which fills a Unit; the ledger thread commits every waiting unit in one
// transaction and then sends its messages, updates the console (Published), answers the operators and
// logs the outcomes.
// Each stage is a lock as well as a thread. While few requests are in flight (kInlineInFlight), a
// request that finds nothing queued for the engine stage runs the stages itself, on the FIX thread
// that received it, in the same order and under the same locks, and commits with it whatever else
// waits for the ledger (queue and publish_inline in pipeline.cpp). Under load the queues and the
// threads take over.
//
// Ledger full (DESIGN.md, Disk full): once the writer cannot keep its reserve of disk space ahead
// (ledger::Writer::space() kLow after a commit), the engine stage refuses every request that would be
// journaled (orders, cancels, replaces, mass cancels, operator commands) before applying it, with
// kLedgerFull, and skips the minute timer; market data, security lists and order status still work.
// The units already applied commit into the reserve. The ledger thread retries the reserve every
// second and clears the state when it holds again: trading resumes without a restart.
// A ledger write failure (a commit that fails anyway: EIO, or ENOSPC past the reserve) leaves the
// engine ahead of the disk: trading stops for good (failed() from then on, `on_failure` called once
// with what failed), every request is refused with the failure, the sessions stay logged on; only a
// restart, which replays the ledger, brings the engine back. The process does not end.
//
// Thread rules: take() from any FIX or console thread; start() and stop() from one thread.
class Pipeline {
 public:
  Pipeline(const engine::Market& market, const PipelineOptions& options, EngineStage& engine, ledger::Writer& writer,
           fix::Acceptor& acceptor, Published& published, std::function<std::int64_t()> clock,
           std::function<void(const std::string&)> on_failure);
  ~Pipeline();  // stop()s

  // The clock's command brings the exchange to now before any request; then the two threads run.
  void start();
  // No new requests (refused as the exchange closing); what was taken is sequenced, committed and
  // published; the threads end. Idempotent.
  void stop();

  // A FIX request: run at once or queued; a full queue (or stopping) answers it with a "busy" (or
  // "closing") BusinessMessageReject (a MarketDataRequestReject for a MarketDataRequest). `logon`: the
  // session's logon count when it arrived (MdRequest).
  void take(const fix::OrderRequest& r);
  void take(const fix::MarketDataRequest& r, std::uint32_t logon);
  void take(const fix::SecurityListRequest& r);
  void take(const fix::TradeCaptureReport& r);
  void take(const fix::TradeCaptureReportRequest& r);
  void take(const fix::TradingSessionStatusRequest& r);
  // An operator's command: false when the inbound queue is full or closed (nothing queued).
  bool take(OperatorRequest o);

  // The session phase as of the last command (under the engine lock).
  engine::SessionPhase phase();

  bool failed() const { return failed_; }
  // While the ledger's disk is full (see above), and how many requests were refused for it.
  bool ledger_full() const { return ledger_full_; }
  std::uint64_t refused_for_space() const { return refused_full_.load(); }
  bool stopping() const { return stopping_; }
  std::string failure() const;
  std::uint64_t trades() const { return trades_.load(); }
  std::uint64_t commits() const { return commits_.load(); }
  std::uint64_t busy() const { return busy_.load(); }
  std::uint64_t last_seq() const { return last_seq_.load(); }
  std::uint64_t run_inline_count() const { return run_inline_.load(); }
  std::size_t inbound_depth() const { return inbound_.size(); }
  std::size_t batch_depth() const { return batches_.size(); }
  // After stop(): where the commits' time went.
  std::string timing_summary() { return timing_.summary(); }

 private:
  template <class Request>
  bool queue(Request request);
  void publish_inline();
  std::size_t engine_step(bool tick, BoundedQueue<Unit>::Wake wake);
  void ledger_step();
  // A FIX request the inbound queue did not take: "busy" (counted) or "closing" (refusal()), as a
  // BusinessMessageReject of message type `type`, or a MarketDataRequestReject.
  std::string refusal();
  void refuse(fix::SessionHandle session, const char* type, const std::string& id);
  void refuse(const fix::MarketDataRequest& r);
  void advance_clock();
  void engine_loop();
  void ledger_loop();
  void commit_and_publish(const std::vector<Unit>& units);
  void fail(const std::string& what, const std::vector<Unit>& units);
  void requeue(const std::vector<Unit>& units, const std::string& what);
  void check_space();
  void refuse_all(const std::vector<Queued>& items);
  void publish(const Unit& u);
  void log_outcomes(const Unit& u);
  void flush_outcomes();
  void flush_due_outcomes(bool all);
  const std::string& participant_id(fix::SessionHandle session) const { return market_.participants[session].id; }
  std::int64_t now() const { return clock_(); }

  const engine::Market& market_;
  const PipelineOptions options_;
  EngineStage& engine_;
  ledger::Writer& writer_;
  fix::Acceptor& acceptor_;
  Published& published_;
  const std::function<std::int64_t()> clock_;
  const std::function<void(const std::string&)> on_failure_;

  BoundedQueue<Queued> inbound_{options_.inbound_capacity};
  BoundedQueue<Unit> batches_{options_.batch_capacity};
  std::thread engine_thread_;
  std::thread ledger_thread_;
  std::once_flag stopped_;

  std::atomic<bool> failed_{false};
  std::atomic<bool> ledger_full_{false};  // set and cleared by the ledger stage, read by the engine stage
  std::atomic<std::uint64_t> refused_full_{0};
  std::chrono::steady_clock::time_point space_tried_{};  // the ledger stage's last try to reserve
  std::atomic<bool> stopping_{false};
  std::atomic<std::chrono::steady_clock::rep> last_arrival_{0};  // steady_clock ticks of the last request
  std::atomic<std::int64_t> in_flight_{0};  // FIX requests taken and not yet answered
  std::atomic<std::uint64_t> trades_{0}, commits_{0}, busy_{0}, last_seq_{0}, run_inline_{0};
  mutable std::mutex failure_mutex_;
  std::string failure_;

  // The ledger stage: the writer, the group being committed, publishing. Taken by the ledger thread
  // and by a request that runs inline; every take from batches_ happens under it.
  std::mutex ledger_mutex_;
  ledger::Batch group_;
  CommitTiming timing_;  // read at stop after the ledger thread joined
  std::vector<const ConsoleBatch*> console_batches_;  // the group being published
  std::vector<Unit> ledger_units_;                    // the units of the group being committed
  std::vector<std::string> outcomes_;                 // log lines not yet logged (log_outcomes)
  std::chrono::steady_clock::time_point outcomes_since_{};  // when the oldest of them was added

  // The engine stage: the exchange and everything below (EngineStage). Taken by the engine thread and
  // by a request that runs inline; every take from inbound_ happens under it.
  std::mutex engine_mutex_;
  std::vector<Queued> engine_items_;  // the requests being run
};

}  // namespace crix::gateway
