// crix::test FIX clients: Board (what one thread records and another waits for), RecordingClient (a
// crix::fix::ClientHandler that records every callback), FixClient (a participant's started session
// recording what it receives).
//
// Threads: QuickFIX's threads call the handler; the test's thread waits and reads. Every member of
// RecordingClient is guarded by its board: read it inside wait(), read() or board.update(), or through
// the locking accessors (get, reports_for, wait_for).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "gateway/fix/fix_api.hpp"

namespace crix::test {

inline constexpr int kWaitMs = 10'000;  // how long a wait on another thread's work lasts before it fails

// An OrderCancelRequest(F) with ClOrdID `cl` for the session's order whose ClOrdID is `orig`: a sell
// of STEEL-IRON (the sample market's) unless `side` says otherwise.
inline crix::fix::OrderRequest cancel_request(const std::string& cl, const std::string& orig, char side = '2') {
  crix::fix::OrderRequest r;
  r.kind = crix::fix::RequestKind::kCancel;
  r.cl_ord_id = cl;
  r.orig_cl_ord_id = orig;
  r.symbol = "STEEL-IRON";
  r.side = side;
  return r;
}

// A mutex, a condition variable, and wait() with a deadline.
class Board {
 public:
  template <class Change>
  void update(Change change) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      change();
    }
    changed_.notify_all();
  }
  template <class Read>
  auto read(Read r) -> decltype(r()) {
    std::lock_guard<std::mutex> lock(mutex_);
    return r();
  }
  // True once done() holds (checked under the lock at each change); false after `ms`.
  template <class Done>
  bool wait(Done done, int ms = kWaitMs) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(ms), done);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

class RecordingClient : public crix::fix::ClientHandler {
 public:
  void on_logon() override;
  void on_logout(const std::string& text) override;
  void on_exec_report(const crix::fix::ExecReport& report) override;
  void on_cancel_reject(const crix::fix::CancelReject& reject) override;
  void on_business_reject(const crix::fix::BusinessReject& reject) override;
  void on_session_reject(const crix::fix::SessionReject& reject) override;
  void on_market_data(const crix::fix::MarketDataSnapshot& snapshot) override;
  void on_market_data(const crix::fix::MarketDataIncremental& update) override;
  void on_market_data_reject(const crix::fix::MarketDataReject& reject) override;
  void on_security_list(const crix::fix::SecurityList& list) override;
  void on_mass_cancel_report(const crix::fix::MassCancelReport& report) override;
  void on_trade_capture_report(const crix::fix::TradeCaptureReport& report) override;
  void on_trade_capture_ack(const crix::fix::TradeCaptureReportAck& ack) override;
  void on_trade_capture_request_ack(const crix::fix::TradeCaptureReportRequestAck& ack) override;
  void on_trading_session_status(const crix::fix::TradingSessionStatus& status) override;

  // Waits until `done` holds over what was received: done() or done(*this), run under the lock, so it
  // reads the members directly or through has() and count(), never through the locking accessors.
  template <class Done>
  bool wait(Done done, int ms = kWaitMs) {
    if constexpr (std::is_invocable_v<Done&>) {
      return board.wait(done, ms);
    } else {
      return board.wait([&] { return done(*this); }, ms);
    }
  }
  template <class Read>
  auto read(Read r) -> decltype(r()) {
    return board.read(r);
  }

  // Under the lock only (inside wait() or read()).
  bool has(const std::string& cl_ord_id, char exec_type) const;     // a report with this ExecType came
  std::size_t count(const std::string& cl_ord_id) const;            // reports for the order
  std::size_t count(const std::string& cl_ord_id, char exec_type) const;

  // Locking: copies taken under the lock (the FIX threads keep appending).
  template <class T>
  std::vector<T> get(std::vector<T> RecordingClient::*member) {
    return board.read([&] { return this->*member; });
  }
  std::vector<crix::fix::ExecReport> reports_for(const std::string& cl_ord_id);
  // Waits up to `ms` for the nth report of `cl_ord_id` with `exec_type`; nullopt if it did not come.
  std::optional<crix::fix::ExecReport> wait_for(const std::string& cl_ord_id, char exec_type, std::size_t nth = 1,
                                                int ms = kWaitMs);

  Board board;
  int logons = 0;
  std::vector<std::string> logouts;  // each Logout's Text(58)
  std::vector<crix::fix::ExecReport> reports;
  // Positions in `reports` by ClOrdID: has() and count() run inside wait() at every message that comes,
  // and a scan of every report made a long test quadratic (a 15,000-pair test stalled its client's FIX
  // thread behind the lock for seconds under ThreadSanitizer).
  std::unordered_map<std::string, std::vector<std::size_t>> report_index;
  std::vector<crix::fix::CancelReject> cancel_rejects;
  std::vector<crix::fix::BusinessReject> business_rejects;
  std::vector<crix::fix::SessionReject> session_rejects;
  std::vector<crix::fix::MarketDataSnapshot> snapshots;
  std::vector<crix::fix::MarketDataIncremental> incrementals;
  std::vector<crix::fix::MarketDataReject> market_data_rejects;
  std::vector<crix::fix::SecurityList> security_lists;
  std::vector<crix::fix::MassCancelReport> mass_cancel_reports;
  std::vector<crix::fix::TradeCaptureReport> trade_reports;
  std::vector<crix::fix::TradeCaptureReportAck> trade_acks;
  std::vector<crix::fix::TradeCaptureReportRequestAck> trade_request_acks;
  std::vector<crix::fix::TradingSessionStatus> trading_session_statuses;  // the auctions'

 private:
  // The positions in `reports` of `cl_ord_id`'s reports (none: an empty list). Under the lock only.
  const std::vector<std::size_t>& positions(const std::string& cl_ord_id) const;
};

// Participant `who` (comp id and username) logging on to 127.0.0.1:port with `password`, started by the
// first fix() (it connects in the background: fix().wait_logged_on()), stopped at destruction.
class FixClient : public RecordingClient {
 public:
  // store_dir "": sequence numbers reset at every Logon; else kept there (InitiatorConfig::store_dir),
  // continued at Logon unless reset_on_logon.
  // FIX over TLS (InitiatorConfig::tls): the CA file the exchange's certificate is checked against, and
  // optionally a client certificate and key (mutual TLS).
  struct Tls {
    std::string ca;
    std::string certificate;
    std::string key;
  };
  FixClient(std::uint16_t port, const std::string& who, const std::string& password, int heartbeat_seconds = 30,
            const std::string& store_dir = "", bool reset_on_logon = true, const std::optional<Tls>& tls = std::nullopt);
  // Any session the Initiator can make (a stock dictionary, say).
  explicit FixClient(const crix::fix::InitiatorConfig& config);
  ~FixClient() override;
  FixClient(const FixClient&) = delete;
  FixClient& operator=(const FixClient&) = delete;
  // The session, started at the first call: not in the constructor, where a derived class (a test's
  // Client) is not built yet while QuickFIX's thread may already call its handler methods (TSan saw
  // the derived vptr written under a running onLogon). Call it from the test's thread.
  crix::fix::Initiator& fix();
  // Ends the session (idempotent). A class derived from FixClient calls it in its own destructor:
  // QuickFIX's thread may call the handler until then, and ~FixClient changes the vptr it calls through.
  void stop();

 private:
  std::unique_ptr<crix::fix::Initiator> initiator_;
  bool started_ = false;
};

}  // namespace crix::test
