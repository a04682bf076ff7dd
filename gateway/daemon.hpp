// crix::gateway::Daemon: the exchange end to end (DESIGN.md, Data flow), what `crixd` runs.
//
//   FIX sessions (QuickFIX threads, fix::Acceptor) --> inbound queue (bounded, many producers)
//        --> engine thread: sequence (seq, time) -> exchange (rules, book) -> events; builds the
//            ledger batch and the outbound messages of every command it takes from the queue
//        --> batch queue (bounded) --> ledger thread: ONE write transaction per batch, then publishes
//            that batch's execution reports and market data to the sessions.
// So no execution report leaves before the batch holding its command is committed; a full inbound
// queue is answered at once with a BusinessMessageReject saying the exchange is busy.
// Each stage is a lock as well as a thread. A request that finds both stages idle runs them itself,
// on the FIX thread that received it, in the same order and under the same locks: a lone order then
// costs no thread wake-up (bench_fix --window 1). Under load the queues and the threads take over.
//
// Sessions belong to participants: SessionHandle = participant index, the session's comp id the
// participant's sender_comp_id. Logon checks Username(553) = the participant id and Password(554)
// against its salted hash; a suspended participant is refused. Orders name their facility (sell) or
// project (buy) by id in Account(1); the exchange's order id is the sequence number of the order's
// NewOrderSingle. A ClOrdID must be new in its session for the trading day: at the close (and at a
// restart) only the live orders' ClOrdIDs stay taken. A resting order's ClOrdID, quantity and fills
// are kept in the ledger (client_orders) with the command that changed them, so reports after a
// restart carry them, and its ClOrdID stays taken.
//
// The clock drives the exchange: start() sequences a clock command (AdvanceTime) before taking any
// request, and the engine thread another within 200 ms of each minute turning, so session phases,
// the close and GTD expiry follow the clock without waiting for an order. Each is journaled.
//
// The log (spdlog's default logger) gets one key=value line per trade ("trade id=... symbol=...") and
// per refused request ("reject request=... participant=... reason=\"...\""), written after the batch
// holding them is committed and its reports have left.
//
// Errors: the constructor throws ledger::Error (ledger locked, newer schema, replay mismatch) and
// std::runtime_error (port in use) with what to do. A ledger write failure stops trading: nothing more
// is acknowledged, the failure is logged and wait() returns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/market.hpp"
#include "gateway/logon_guard.hpp"
#include "ledger/writer.hpp"

namespace crix::engine {
enum class SessionPhase : std::uint8_t;  // engine/exchange.hpp
}  // namespace crix::engine

namespace crix::http {
class Link;  // gateway/http/link.hpp
}  // namespace crix::http

namespace crix::gateway {

struct DaemonOptions {
  std::string ledger_path;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                       // 0: the market's exchange.fix_port
  std::optional<engine::Durability> durability;  // default: the market's
  std::string fix_log_dir;                      // "" = no FIX message log
  std::string dictionary_path;                  // "" = the FIX layer's default
  std::size_t inbound_capacity = 65536;         // FIX requests waiting for the engine
  std::size_t batch_capacity = 64;              // batches waiting for the ledger
  std::size_t max_batch_commands = 4096;        // commands per ledger batch at most
  // For this long after a request was queued for it (one that did not run inline), the engine thread
  // polls its queue (yielding the processor) instead of sleeping. It keeps one processor awake while
  // trading goes on, so a FIX thread woken by the next request does not wait for an idle processor to
  // wake (tens of microseconds on a virtual machine: bench_fix --window 1 --sessions 1 went from about
  // 88 to 35 us p50). Costs one processor polling during activity, at yield priority; 0 turns it off.
  std::chrono::microseconds hot{1000};
  // The exchange's clock, nanoseconds since the Unix epoch (UTC), read from any thread; empty: the
  // system clock. Tests move it to reach the close, expiry and the next trading day.
  std::function<std::int64_t()> clock;
  // The market file the market was loaded from: the ledger records it and names it when a later
  // market does not match (ledger::WriterOptions::market). "" = not recorded.
  std::string market_file;
  // How often the journal's replay at start logs its progress (0: every 4,096 commands).
  std::chrono::milliseconds replay_progress{1000};
  // Failed FIX logons: back-off and lockout per participant and per source address (logon_guard.hpp);
  // the market file's [exchange] logon_* keys (config/README.md).
  LogonLimits logon_limits;
  // FIX connections (fix::AcceptorConfig): closed when not logged on within logon_timeout; at most
  // max_connections_per_address per address and max_connections in all (0: from the descriptor limit,
  // leaving room for the ledger, the console and the logs: connection_limit()).
  std::chrono::milliseconds logon_timeout{10000};
  std::size_t max_connections_per_address = 16;
  std::size_t max_connections = 0;
  // FIX over TLS (fix::AcceptorConfig::tls_*; the market file's [exchange] fix_tls_* keys): "" = plain
  // TCP, which the constructor refuses on a host that is not a loopback address unless
  // plain_on_network (fix_plain_on_network = true).
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_client_ca;
  bool plain_on_network = false;
  // Per participant (market order): the subject CN its client certificate must carry, "" = any
  // (fix::AcceptorConfig::client_tls_subjects; the market's [[participant]] tls_subject).
  std::vector<std::string> tls_subjects;
  // Disk space the ledger keeps allocated ahead of its use (ledger::WriterOptions::reserve_bytes);
  // nullopt: the writer's default. Tests lower it to fill a small filesystem quickly.
  std::optional<std::size_t> ledger_reserve_bytes;
};

// The FIX connections crixd serves at most with `descriptors` (RLIMIT_NOFILE) descriptors: what is
// left after the ledger, the FIX store, the console (up to 256 connections) and the logs, at most
// half of them. Throws std::runtime_error when that leaves fewer than 8.
std::size_t connection_limit(std::uint64_t descriptors);

struct DaemonStats {
  std::uint64_t commands = 0;  // sequenced and journaled
  std::uint64_t clock_commands = 0;  // of those, the clock's (AdvanceTime at start and each minute)
  std::uint64_t trades = 0;
  std::uint64_t commits = 0;
  std::uint64_t busy = 0;      // requests refused because the inbound queue was full
  std::uint64_t last_seq = 0;
  std::uint64_t run_inline = 0;  // requests that found the stages idle and ran on their FIX thread
};

class Daemon {
 public:
  Daemon(const engine::Market& market, const DaemonOptions& options);
  ~Daemon();  // stop()s
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Accepts sessions; the engine and ledger threads run.
  void start();
  // Graceful stop: no new requests, the queues drained, the last batch committed and published, the
  // sessions logged out. Idempotent; safe from any thread but a FIX handler.
  void stop();
  // Blocks until stop() finished; returns "" or the ledger failure that stopped trading before (a
  // failure does not end the daemon: pipeline.hpp).
  std::string wait();

  DaemonStats stats() const;
  std::uint16_t port() const;
  // The session phase the exchange is in as of its last command; start() has brought it to the clock.
  engine::SessionPhase phase() const;
  // What recovery replayed at start.
  std::uint64_t recovered_commands() const;
  std::uint64_t recovered_trades() const;

  // What the operators' and regulators' console reads and sends (gateway/http/link.hpp): the state the
  // ledger stage publishes after each commit (gateway/published.hpp), operator commands into the
  // inbound queue, journaled with the operator's name. Valid while the Daemon lives.
  http::Link& link();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crix::gateway
