// crix bench console load: what operators' consoles put on a running crixd while it trades (issue 12,
// "Measured"): WebSocket viewers of the live feed and a Prometheus-style scrape of /metrics.
//
// Each viewer is a Boost.Beast WebSocket client of ws://127.0.0.1:<port>/api/v1/feed with a bearer
// token. It reads every message; for each "trade" it records the delay from the trade's exchange time
// (its "time", ns since the epoch, which crixd takes from the system clock, CLOCK_REALTIME, when it
// sequences the command) to the moment the message was read here (the same clock), and counts it. A
// viewer that crixd closes (1008 "fell behind: ...") keeps that reason, so a drop is reported, not
// hidden. The scraper GETs /metrics over one keep-alive connection `scrape_hz` times a second.
//
// Niceness: real consoles run on other machines. Here the viewers' own reading shares the two processors
// with crixd and the FIX load, and what it costs is not crixd's; bench_fix --viewer-nice N runs them at
// a lower priority so that they take the processor time crixd and the load leave (their delays still
// count in the trade delays: a starved viewer shows as a late trade).
//
// Thread rules: the viewers run on two threads of their own and the scraper on a third; the public
// methods are for one controlling thread (the bench's main). wait_trades() runs while they do; the
// results (viewers(), trade_delays_ns(), the scrapes) are read after stop(), which joins them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crix::bench {

struct ViewerResult {
  std::uint64_t trades = 0;   // trade messages read after the snapshot
  std::uint64_t messages = 0; // every message read after the snapshot (book, trade, instrument, ...)
  std::uint64_t bytes = 0;    // their payload bytes
  bool closed = false;        // the connection ended before stop()
  std::string close_reason;   // crixd's close reason or the error, when closed
};

class ConsoleLoad {
 public:
  // Connects `viewers` feed clients (each has read its snapshot on return) and starts the scraper when
  // scrape_hz > 0; their threads run at niceness `nice` (0: as the caller). Throws std::runtime_error
  // naming what failed (connect, upgrade refused, ...).
  ConsoleLoad(std::uint16_t http_port, const std::string& token, std::size_t viewers, double scrape_hz, int nice = 0);
  ~ConsoleLoad();  // stop()
  ConsoleLoad(const ConsoleLoad&) = delete;
  ConsoleLoad& operator=(const ConsoleLoad&) = delete;

  // Waits until every viewer has read `trades` trades or was closed, up to `timeout`; true when all read them.
  bool wait_trades(std::uint64_t trades, std::chrono::milliseconds timeout);
  void stop();  // closes the viewers and the scraper and joins their threads; idempotent

  // After stop():
  std::vector<ViewerResult> viewers() const;
  std::vector<std::int64_t> trade_delays_ns() const;  // every viewer's, merged (copy)
  std::size_t scrapes() const;          // /metrics answered 200
  std::size_t scrape_failures() const;  // anything else
  std::int64_t scrape_p99_us() const;   // request to whole answer

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One GET of /metrics (bearer `token`): the value of the unlabelled sample `name` (e.g.
// "crix_trades_total"). Throws std::runtime_error when it cannot, saying why.
std::uint64_t read_metric(std::uint16_t http_port, const std::string& token, const std::string& name);

}  // namespace crix::bench
