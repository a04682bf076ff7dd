// LogonGuard and FailureLog (logon_guard.hpp).
#include "gateway/logon_guard.hpp"

#include <algorithm>
#include <iterator>

namespace crix::gateway {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Addresses remembered at most; beyond, those with nothing pending are forgotten (a peer with many
// addresses must not grow the map without bound).
constexpr std::size_t kMaxAddresses = 65536;

std::string seconds_left(std::int64_t until, std::int64_t now) {
  return std::to_string(std::max<std::int64_t>(1, (until - now + kNsPerSecond - 1) / kNsPerSecond));
}

}  // namespace

LogonGuard::LogonGuard(const LogonLimits& limits, std::size_t participants, std::string kind, std::string attempt)
    : limits_(limits), kind_(std::move(kind)), failures_("failed " + attempt + "s"), participants_(participants) {}

void LogonGuard::expire(Count& c, std::int64_t now) const {
  const std::int64_t lockout = std::chrono::nanoseconds(limits_.lockout).count();
  if ((c.locked && now >= c.wait_until) || (c.failures > 0 && now - c.last_failure >= lockout && now >= c.wait_until)) {
    c = Count{};
  }
}

void LogonGuard::fail(Count& c, std::int64_t now) const {
  expire(c, now);
  ++c.failures;
  c.last_failure = now;
  const std::int64_t lockout = std::chrono::nanoseconds(limits_.lockout).count();
  if (c.failures >= limits_.lockout_failures) {
    c.locked = true;
    c.wait_until = now + lockout;
  } else if (c.failures >= limits_.free_failures) {
    const std::uint32_t doublings = std::min<std::uint32_t>(c.failures - limits_.free_failures, 40);
    const std::int64_t wait = std::chrono::nanoseconds(limits_.backoff).count();
    c.wait_until = now + (doublings >= 40 || wait > (lockout >> doublings) ? lockout : wait << doublings);
  }
}

std::string LogonGuard::refusal(std::size_t participant, const std::string& id, const std::string& address,
                                std::int64_t now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::string why;
  Count* p = participant == kNoParticipant ? nullptr : &participants_.at(participant);
  if (p != nullptr) expire(*p, now);
  if (p != nullptr && now < p->wait_until) {
    why = p->locked ? kind_ + " " + id + " is locked out after " + std::to_string(p->failures) +
                          " " + failures_ + "; retry after " + seconds_left(p->wait_until, now) + " s"
                    : "too many " + failures_ + " for " + id + "; retry after " + seconds_left(p->wait_until, now) + " s";
  } else if (const auto a = addresses_.find(address); a != addresses_.end()) {
    expire(a->second, now);
    if (now < a->second.wait_until) {
      why = (a->second.locked ? "address " + address + " is locked out after " + std::to_string(a->second.failures) +
                                    " " + failures_ + "; retry after "
                              : "too many " + failures_ + " from " + address + "; retry after ") +
            seconds_left(a->second.wait_until, now) + " s";
    }
  }
  if (!why.empty()) ++throttled_;
  return why;
}

void LogonGuard::failed(std::size_t participant, const std::string& address, std::int64_t now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++failed_;
  if (participant != kNoParticipant) fail(participants_.at(participant), now);
  if (addresses_.size() >= kMaxAddresses && addresses_.find(address) == addresses_.end()) {
    for (auto it = addresses_.begin(); it != addresses_.end();) {
      expire(it->second, now);
      it = it->second.failures == 0 ? addresses_.erase(it) : std::next(it);
    }
    if (addresses_.size() >= kMaxAddresses) return;  // all of them waiting: this one goes uncounted
  }
  fail(addresses_[address], now);
}

void LogonGuard::succeeded(std::size_t participant) {
  const std::lock_guard<std::mutex> lock(mutex_);
  participants_.at(participant) = Count{};
}

std::uint32_t LogonGuard::failures(std::size_t participant) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return participants_.at(participant).failures;
}

std::int64_t LogonGuard::blocked_until(std::size_t participant, std::int64_t now) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const Count& c = participants_.at(participant);
  return now < c.wait_until ? c.wait_until : 0;
}

std::uint64_t LogonGuard::failed_total() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

std::uint64_t LogonGuard::throttled_total() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return throttled_;
}

bool FailureLog::note(const std::string& participant, const std::string& address, std::int64_t now,
                      std::string& summary) {
  summary.clear();
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::int64_t interval = std::chrono::nanoseconds(interval_).count();
  if (windows_.size() >= kMaxAddresses) {
    std::erase_if(windows_, [&](const auto& w) { return now - w.second.start >= interval && w.second.suppressed == 0; });
  }
  Window& w = windows_[participant + '\n' + address];
  if (now - w.start >= interval) {
    if (w.suppressed > 0) {
      summary = std::to_string(w.suppressed) + " more failed logons for " + participant + " from " + address +
                " in the last " + std::to_string(interval_.count()) + " s";
    }
    w = Window{now, 0, 0};
  }
  if (w.logged < burst_) {
    ++w.logged;
    return true;
  }
  ++w.suppressed;
  return false;
}

}  // namespace crix::gateway
