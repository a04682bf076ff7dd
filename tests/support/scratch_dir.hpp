// crix::test::ScratchDir: a fresh directory for one test or benchmark run, removed with everything in it.
// all_day_market(): the sample market copied into one, open all day on every day, so that a run against
// a real crixd does not depend on the hour; all_day_zone() and all_day_time(): its zone and its times.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "gateway/password.hpp"

namespace crix::test {

class ScratchDir {
 public:
  // `parent`/`prefix`-XXXXXX (mkdtemp); throws std::runtime_error when it cannot be made.
  explicit ScratchDir(const std::string& prefix = "crix", const std::filesystem::path& parent = "/tmp");
  // Removes the directory and its contents, restoring the owner's permissions on it first (a test may
  // have made it unwritable); errors are ignored.
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The all-day market's time zone. The sample's, Asia/Shanghai, unless a test started now could reach
// midnight there, where the one session ends (23:59) and a new trading day begins: from 21:00 to 01:00
// Beijing time it is UTC, where it is then 13:00-17:00. A test may so run, or set an auction's close,
// two hours ahead and stay inside one trading day. Chosen once per process, so that a test's market
// file and its expectations agree.
struct MarketZone {
  std::string name;         // the market file's time_zone
  int offset_minutes;       // east of UTC
  std::string offset_text;  // as crixd and crix print it: "+08:00"
};
const MarketZone& all_day_zone();

// `at` in the all-day market's zone by strftime's `format`: "YYYY-MM-DDTHH:MM:SS" by default,
// "%Y-%m-%dT%H:%M" to the minute (the form `crix admin auction announce --closes` and the console take).
std::string all_day_time(std::chrono::system_clock::time_point at, const char* format = "%Y-%m-%dT%H:%M:%S");

// Copies the sample market into `dir` with one session 00:00-23:59 on all seven days, no holidays and
// all_day_zone()'s zone, its passwords (the same ones) hashed with kTestScrypt; returns the market
// file's path.
std::string all_day_market(const ScratchDir& dir);

// The cheap scrypt parameters of test market files: at the floor (ln=10) with r=p=1, about a millisecond a
// check, so the suite's many logons keep CI fast. Never for a real market.
inline constexpr gateway::ScryptParams kTestScrypt{10, 1, 1};

}  // namespace crix::test
