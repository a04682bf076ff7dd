// crixd: the CRIX exchange daemon. Loads and validates the market, opens the ledger (replaying its
// journal), runs the engine and ledger threads and the FIX acceptor until SIGINT or SIGTERM, then stops
// gracefully: no new requests, queues drained, the last batch committed, a summary logged.
//
//   crixd [--market FILE] [--ledger PATH] [--host ADDR] [--port N] [--sync full|os] [--log-dir DIR]
//         [--fix-log] [--replay-progress-ms N]
//
// At start the ledger's journal is replayed (a line before, and progress every --replay-progress-ms,
// default 1000; 0 logs every 4,096 commands); the market file's participant statuses that differ from
// the replayed ones are journaled as suspensions or reinstatements; any other difference from what the
// ledger registered is refused, naming the entry, the field and the market file the ledger was made
// with.
//
// --host (default 127.0.0.1) is the address logons are taken on: an IPv4 address of this machine, or
// 0.0.0.0 for all. QuickFIX listens on every address whatever it says; a logon that arrives on
// another is refused with a Logout saying where to connect. Close the port to others with a firewall.
// With [exchange] fix_tls_certificate and fix_tls_key FIX is TLS only (gateway/fix/tls.hpp); without
// them crixd refuses to start on a host that is not a loopback address unless the market file sets
// fix_plain_on_network = true.
// The log (stderr and DIR/crixd.log) is written by a background thread (spdlog's async logger) so
// that the trade and reject lines cost the exchange's threads no write; its times are in the
// market's time zone with the offset ("2026-12-04 11:40:12.038+08:00"), UTC ("+00:00") until the
// market file is read.
// Exit codes: 0 stopped on a signal, or --help; 1 could not start (the message says what to do) or
// trading stopped on a ledger failure; 2 bad arguments (tools/cli.hpp: one line on stderr).
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"
#include "gateway/daemon.hpp"
#include "gateway/http/server.hpp"
#include "gateway/password.hpp"
#include "ledger/error.hpp"
#include "ledger/escape.hpp"
#include "tools/cli.hpp"

namespace {

// The %* flag: a log line's time in a zone `offset_minutes` east of UTC, with that offset, whatever
// the machine's TZ says: "2026-12-04 11:40:12.038+08:00".
class ZonedTime final : public spdlog::custom_flag_formatter {
 public:
  explicit ZonedTime(std::int32_t offset_minutes) : offset_minutes_(offset_minutes) {}
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() +
        std::int64_t{offset_minutes_} * 60'000;
    constexpr std::int64_t kMsPerDay = 86'400'000;
    const std::int64_t day = ms >= 0 ? ms / kMsPerDay : (ms - kMsPerDay + 1) / kMsPerDay;
    const std::int64_t in_day = ms - day * kMsPerDay;
    const crix::engine::Date d = crix::engine::civil_from_days(static_cast<std::int32_t>(day));
    const std::int32_t off = offset_minutes_ < 0 ? -offset_minutes_ : offset_minutes_;
    fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}{}{:02}:{:02}", d.year,
                   d.month, d.day, in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000,
                   offset_minutes_ < 0 ? '-' : '+', off / 60, off % 60);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<ZonedTime>(offset_minutes_); }

 private:
  std::int32_t offset_minutes_;
};

// The & flag: the message as %v writes it, with control characters as \n, \r, \t or \xHH. A log
// line is one line whatever a client or an operator put in the values it quotes (a ClOrdID, a symbol,
// a reason): a newline there would forge a line of crixd's log.
class OneLine final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    crix::ledger::append_one_line(dest, std::string_view(msg.payload.data(), msg.payload.size()));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<OneLine>(); }
};

void log_in_zone(std::int32_t offset_minutes) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<ZonedTime>('*', offset_minutes).add_flag<OneLine>('&').set_pattern("%* %^%l%$ %&");
  spdlog::default_logger()->set_formatter(std::move(formatter));
}

// Lines wait in a queue of kLogQueue for the logging thread; a full queue makes the thread that logs
// wait (block), never drops a line: an operator's record is worth more than a burst's microseconds.
constexpr std::size_t kLogQueue = 1 << 15;

// stderr when it is not a terminal (a pipe to the journal, a file): the logging thread's lines are
// gathered and written with one write(2) once its queue is empty (or kBurst bytes wait), not one each
// as spdlog's console sinks do. A burst of trade lines (flush_outcomes) is then one write, and a quiet
// line still goes out at once: the line after it would wait in the queue.
class BurstStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit BurstStderrSink(spdlog::details::thread_pool& pool) : pool_(pool) {}
  ~BurstStderrSink() override { flush_(); }  // lines the pool's last messages (its ends) left waiting

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    buffer_.append(line.data(), line.size());
    if (buffer_.size() >= kBurst || pool_.queue_size() == 0) flush_();
  }
  // A stderr that takes nothing for kStuckMs, or fails (closed), loses the rest: logging never stops
  // the exchange. A non-blocking one that is full is waited for.
  void flush_() override {
    std::size_t at = 0;
    while (at < buffer_.size()) {
      const ssize_t n = ::write(STDERR_FILENO, buffer_.data() + at, buffer_.size() - at);
      if (n > 0) {
        at += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      pollfd p{STDERR_FILENO, POLLOUT, 0};
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && ::poll(&p, 1, kStuckMs) == 1) continue;
      break;
    }
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kBurst = 64 << 10;
  static constexpr int kStuckMs = 1000;
  // Not owned: the sink is only written on the pool's own thread, which the pool outlives (it joins it).
  // Owning it would be wrong: the logging thread may drop the last reference to the logger, and so to
  // this sink, and would then destroy the pool on its own thread, which cannot join itself
  // (std::terminate: 4 of 40 refused starts aborted so).
  spdlog::details::thread_pool& pool_;
  std::string buffer_;
};

// false, having said why on stderr, when the log cannot be written in `dir`.
bool setup_logging(const std::string& dir) {
  spdlog::init_thread_pool(kLogQueue, 1);
  std::vector<spdlog::sink_ptr> sinks;
  if (isatty(STDERR_FILENO)) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  } else {
    sinks.push_back(std::make_shared<BurstStderrSink>(*spdlog::thread_pool()));
  }
  if (!dir.empty()) {
    try {
      std::filesystem::create_directories(dir);
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(dir + "/crixd.log", 16 << 20, 5));
    } catch (const std::exception& e) {  // std::filesystem::filesystem_error, spdlog::spdlog_ex
      std::cerr << "crixd: cannot write the log in " << dir << " (" << e.what()
                << "): give a directory this user may write with --log-dir DIR\n";
      return false;
    }
  }
  auto logger = std::make_shared<spdlog::async_logger>("crixd", sinks.begin(), sinks.end(), spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  spdlog::set_default_logger(logger);
  log_in_zone(0);
  // A terminal's stderr is written line by line whatever this says (spdlog's console sinks flush each
  // line), any other in bursts (BurstStderrSink); the file is written in blocks, at once for a warning
  // or worse and at least once a second otherwise. A flush per line cost a write(2) per trade on the
  // logging thread: with the stderr line, 12% of the processor time of bench_fix and crixd together.
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
  return true;
}

// Every line logged is written before main returns. spdlog::shutdown() drops the registry's loggers
// before it ends the logging thread, so the async logger (its sinks and formatters) could be destroyed
// here while that thread still ran (TSan saw it): a reference held across the shutdown destroys it
// after the thread is joined.
struct DrainLog {
  ~DrainLog() {
    const std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
    logger->flush();
    spdlog::shutdown();
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path market_file = crix::config::sample_market_path();
  crix::gateway::DaemonOptions options;
  options.ledger_path = "crix.ledger";
  std::string log_dir = "crixd-logs";
  bool fix_log = false;
  CLI::App app("crixd: the CRIX exchange daemon. Loads the market, opens the ledger (replaying its journal), runs "
               "the exchange and the FIX 4.4 acceptor until SIGINT or SIGTERM, then stops gracefully.",
               "crixd");
  crix::tools::command_defaults(app);
  app.footer("Exit codes: 0 stopped on a signal, 1 could not start or trading stopped on a ledger failure, 2 bad "
             "arguments.");
  std::string market = market_file.string();
  app.add_option("--market", market, "the market file (default: the sample market)")->type_name("FILE");
  app.add_option("--ledger", options.ledger_path, "the ledger, created when absent (default crix.ledger)")
      ->type_name("PATH");
  app.add_option("--host", options.host,
                 "the address logons are taken on: an IPv4 address of this machine, or 0.0.0.0 for all (default "
                 "127.0.0.1). Plain FIX on loopback only: another address needs [exchange] fix_tls_certificate and "
                 "fix_tls_key in the market file (or fix_plain_on_network = true)")
      ->type_name("ADDR");
  app.add_option("--port", options.port, "the FIX port (default: the market's exchange.fix_port)")
      ->type_name("N")
      ->check(crix::tools::whole(1, 65535));
  std::string sync;
  app.add_option("--sync", sync, "commit durability: full (fsync) or os (default: the market's)")
      ->type_name("full|os")
      ->check(crix::tools::one_of({"full", "os"}));
  app.add_option("--log-dir", log_dir, "the log's directory (default crixd-logs)")->type_name("DIR");
  app.add_flag("--fix-log", fix_log, "log every FIX message in DIR/fix");
  std::string http_address;
  app.add_option("--http", http_address,
                 "the operator and regulator console (HTTP and WebSocket) on HOST:PORT (default 127.0.0.1 and the "
                 "market's exchange.http_port, 8080; PORT 0: any free port). Plain HTTP on loopback only: another "
                 "address needs [console] tls_cert and tls_key in the market file")
      ->type_name("HOST:PORT")
      ->check(CLI::Validator(
          [](std::string& s) {
            const auto colon = s.rfind(':');
            if (colon == std::string::npos || colon == 0 ||
                !crix::tools::whole_number(std::string_view(s).substr(colon + 1), 0, 65535)) {
              return "\"" + s + "\" is not HOST:PORT (e.g. 127.0.0.1:8080)";
            }
            return std::string();
          },
          ""));
  std::string web_root = CRIX_WEB_ROOT;
  app.add_option("--web-root", web_root, "the web console's files (default: web/console of the source tree)")
      ->type_name("DIR");
  std::uint32_t progress_ms = 1000;
  app.add_option("--replay-progress-ms", progress_ms,
                 "log the journal replay's progress this often (default 1000; 0: every 4,096 commands)")
      ->type_name("N")
      ->check(crix::tools::whole(0, 3'600'000));
  std::uint64_t reserve_kib = 0;
  app.add_option("--ledger-reserve-kib", reserve_kib,
                 "disk space the ledger keeps allocated ahead of its use, in KiB (default 65536); for tests")
      ->check(crix::tools::whole(1, 1 << 24))
      ->group("");  // hidden: tests fill a small filesystem with it
  if (const std::optional<int> done = crix::tools::parse(app, argc, argv, std::cout, std::cerr)) return *done;
  if (reserve_kib != 0) options.ledger_reserve_bytes = static_cast<std::size_t>(reserve_kib) * 1024;
  market_file = market;
  if (!sync.empty()) options.durability = sync == "full" ? crix::engine::Durability::kFull : crix::engine::Durability::kOs;
  options.replay_progress = std::chrono::milliseconds(progress_ms);
  // Signals are taken by sigwait below, never by a handler: block them before any thread starts (the
  // logging thread is the first), or a SIGTERM during start-up ends the process on that thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  if (!setup_logging(log_dir)) return 1;
  const DrainLog drain_log;
  if (fix_log) options.fix_log_dir = log_dir + "/fix";

  const crix::config::LoadResult loaded = crix::config::load_market(market_file);
  if (!loaded.market) {
    for (const auto& e : loaded.errors) std::cerr << crix::config::format(e) << '\n';
    const crix::config::ConfigError& first = loaded.errors.front();
    const bool market_unreadable = loaded.errors.size() == 1 && first.unreadable && first.file == market_file.string();
    spdlog::critical("{}{}", crix::config::why_not_loaded(loaded, market_file),
                     market_unreadable ? ": give it with --market FILE" : "");
    return 1;
  }
  log_in_zone(loaded.market->exchange.utc_offset_minutes);
  const auto warn_if_weak = [](const std::string& who, const std::string& spec) {
    const auto q = crix::gateway::parse_password_hash(spec);
    if (q && crix::gateway::weaker_than_default(*q)) {
      spdlog::warn("{}'s password hash has scrypt ln={},r={},p={}, cheaper than the default ln={},r={},p={}: "
                   "make a new one with 'crix passwd'", who, q->ln, q->r, q->p, crix::gateway::kDefaultScrypt.ln,
                   crix::gateway::kDefaultScrypt.r, crix::gateway::kDefaultScrypt.p);
    }
  };
  for (const auto& p : loaded.market->participants) warn_if_weak("participant " + p.id, p.password_hash);
  for (const auto& u : loaded.console.users) warn_if_weak("console user " + u.name, u.secret);

  options.market_file = market_file.string();
  const crix::config::FixGuard& guard = loaded.fix_guard;
  options.logon_limits.free_failures = guard.logon_free_failures;
  options.logon_limits.backoff = std::chrono::milliseconds(guard.logon_backoff_ms);
  options.logon_limits.lockout_failures = guard.logon_lockout_failures;
  options.logon_limits.lockout = std::chrono::seconds(guard.logon_lockout_seconds);
  options.logon_timeout = std::chrono::milliseconds(guard.logon_timeout_ms);
  options.max_connections_per_address = guard.max_connections_per_address;
  options.max_connections = guard.max_connections;
  options.tls_certificate = loaded.fix_tls.certificate.string();
  options.tls_key = loaded.fix_tls.key.string();
  options.tls_client_ca = loaded.fix_tls.client_ca.string();
  options.plain_on_network = loaded.fix_tls.plain_on_network;
  options.tls_subjects = loaded.fix_tls.subjects;

  crix::http::ServerOptions console;
  console.host = "127.0.0.1";
  console.port = loaded.console.http_port;
  if (!http_address.empty()) {
    const auto colon = http_address.rfind(':');
    console.host = http_address.substr(0, colon);
    console.port = static_cast<std::uint16_t>(*crix::tools::whole_number(std::string_view(http_address).substr(colon + 1), 0, 65535));
  }
  console.web_root = web_root;
  console.utc_offset_minutes = loaded.market->exchange.utc_offset_minutes;
  console.market = *loaded.market;

  std::unique_ptr<crix::gateway::Daemon> daemon;
  std::unique_ptr<crix::http::Server> server;
  // A start that fails after it made a fresh ledger (a port in use, a bad --host or --web-root) takes
  // the files it made with it: nothing was traded on them, and a mistyped --ledger would leave them.
  // Only once the Daemon opened the ledger: it then held the writer's lock, so no other crixd wrote it.
  std::error_code exists_ec;
  const bool fresh_ledger = !std::filesystem::exists(options.ledger_path, exists_ec) && !exists_ec;
  const auto remove_fresh = [&] {
    if (!fresh_ledger || daemon == nullptr) return;
    server.reset();  // first: it reads the daemon's Link
    daemon.reset();
    for (const char* suffix : {"", "-lock", "-writer", ".fix", ".fix-lock"}) {
      std::error_code ec;
      std::filesystem::remove(options.ledger_path + suffix, ec);
    }
  };
  try {
    daemon = std::make_unique<crix::gateway::Daemon>(*loaded.market, options);
    // The console binds before trading starts, so that a port in use or plain HTTP off loopback stops
    // the start with its reason rather than leaving an exchange nobody can supervise.
    server = std::make_unique<crix::http::Server>(daemon->link(), loaded.console, console);
    daemon->start();
    server->start();
  } catch (const crix::ledger::Error& e) {
    spdlog::critical("cannot open the ledger: {}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    remove_fresh();
    return 1;
  }
  spdlog::info("{} is up, session phase {}: FIX 4.4 on {}:{}, TargetCompID CRIX, SenderCompID = the "
               "participant's comp id, Username = participant id; ledger {}; stop with Ctrl-C",
               loaded.market->exchange.name, crix::engine::to_string(daemon->phase()), options.host, daemon->port(),
               options.ledger_path);
  spdlog::info("console: {}://{}:{}/ (operators and regulators log in; the API is under /api/v1, docs/API.md)",
               server->tls() ? "https" : "http", console.host, server->port());

  // A failure of the ledger stops trading but not the process (gateway/pipeline.hpp): the sessions
  // stay logged on and are told why their requests are refused, until an operator stops crixd and
  // restarts it. wait() returns once stopped, with the failure if there was one (exit status 1).
  std::string failure;
  std::thread watcher([&] {
    failure = daemon->wait();
  });
  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server->stop();  // first: it reads the daemon's Link
  daemon->stop();
  watcher.join();
  return failure.empty() ? 0 : 1;
}
