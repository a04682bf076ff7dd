#pragma once
// A time as the sample market's operators write it: in its zone (UTC+08:00, Asia/Shanghai), the form
// `crix admin auction announce --closes` and the console's actions take.

#include <chrono>
#include <ctime>
#include <string>

namespace crix::test {

// `at` in UTC+08:00 by strftime's `format`: "YYYY-MM-DDTHH:MM:SS" by default, "%Y-%m-%dT%H:%M" to the minute.
inline std::string shanghai_time(std::chrono::system_clock::time_point at, const char* format = "%Y-%m-%dT%H:%M:%S") {
  const std::time_t local = std::chrono::system_clock::to_time_t(at + std::chrono::hours(8));
  std::tm tm{};
  gmtime_r(&local, &tm);
  char text[32];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

}  // namespace crix::test
