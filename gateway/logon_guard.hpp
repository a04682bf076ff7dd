// crix::gateway::LogonGuard: failed FIX logons counted per participant and per source address, with
// an exponential back-off and then a lockout; and FailureLog, the rate limit on their log lines.
//
// After `free_failures` failures in a row, each further attempt must wait `backoff`, doubling with
// every failure; after `lockout_failures` the participant (or address) is locked out for `lockout`.
// An attempt while it waits is refused at once with the time left, before its password is checked
// (with a slow password hash that is what keeps a brute force from costing the exchange processor
// time), so a correct password is refused too. A logon that succeeds clears its participant's count
// (not its address's: one valid account must not reset an address that tries others); a count with no
// failure for `lockout` starts afresh, as does one whose lockout has passed.
//
// Thread rules: every member may be called from any thread (one lock; no call waits for anything
// else). Times are nanoseconds since the epoch, the daemon's clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace crix::gateway {

struct LogonLimits {
  std::uint32_t free_failures = 3;         // failures before attempts must wait
  std::chrono::milliseconds backoff{1000}; // the first wait; doubles with each further failure
  std::uint32_t lockout_failures = 10;     // failures that lock out (>= free_failures)
  std::chrono::seconds lockout{900};       // how long a lockout lasts
};

class LogonGuard {
 public:
  // `kind` names what is counted in the refusals: "participant" (FIX), "console user"; `attempt` what it
  // tries: "logon" (FIX's word), "login" (the console's).
  LogonGuard(const LogonLimits& limits, std::size_t participants, std::string kind = "participant",
             std::string attempt = "logon");

  // "" when `participant` (named `id`; kNoParticipant: an unknown name, the address alone) may try a
  // password from `address` now; else the refusal, saying why and when to retry. Counts the refusal
  // (throttled()).
  std::string refusal(std::size_t participant, const std::string& id, const std::string& address, std::int64_t now);
  // A wrong password (participant) or a wrong username (kNoParticipant: the address only).
  void failed(std::size_t participant, const std::string& address, std::int64_t now);
  void succeeded(std::size_t participant);

  static constexpr std::size_t kNoParticipant = static_cast<std::size_t>(-1);

  // For the console: a participant's failures in a row, and the end of its current wait (0: none).
  std::uint32_t failures(std::size_t participant) const;
  std::int64_t blocked_until(std::size_t participant, std::int64_t now) const;
  std::uint64_t failed_total() const;     // failed logons since start
  std::uint64_t throttled_total() const;  // attempts refused while waiting or locked out

 private:
  struct Count {
    std::uint32_t failures = 0;
    std::int64_t last_failure = 0;
    std::int64_t wait_until = 0;  // attempts before this are refused
    bool locked = false;          // the wait is a lockout
  };
  void fail(Count& c, std::int64_t now) const;
  void expire(Count& c, std::int64_t now) const;

  const LogonLimits limits_;
  const std::string kind_;
  const std::string failures_;  // "failed logons", "failed logins"
  mutable std::mutex mutex_;
  std::vector<Count> participants_;
  std::unordered_map<std::string, Count> addresses_;
  std::uint64_t failed_ = 0, throttled_ = 0;
};

// The first `burst` failed logons per (participant, address) in each `interval` are logged; the rest
// are counted and summed up in one line when the next interval's first failure comes
// ("N more failed logons for X from Y in the last 10 s"). Any thread.
class FailureLog {
 public:
  explicit FailureLog(std::uint32_t burst = 3, std::chrono::seconds interval = std::chrono::seconds(10))
      : burst_(burst), interval_(interval) {}
  // Whether to log this failure; `summary` is set to a line to log first ("" when none).
  bool note(const std::string& participant, const std::string& address, std::int64_t now, std::string& summary);

 private:
  struct Window {
    std::int64_t start = 0;
    std::uint32_t logged = 0;
    std::uint64_t suppressed = 0;
  };
  const std::uint32_t burst_;
  const std::chrono::seconds interval_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace crix::gateway
