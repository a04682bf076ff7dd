#include "engine/calendar.hpp"

#include <algorithm>

namespace crix::engine {

std::string_view to_string(SessionPhase phase) {
  switch (phase) {
    case SessionPhase::kClosed: return "closed";
    case SessionPhase::kPreOpen: return "pre-open";
    case SessionPhase::kContinuous: return "continuous trading";
    case SessionPhase::kBreak: return "break between sessions";
  }
  return "?";
}

// Howard Hinnant's days_from_civil / civil_from_days (public-domain algorithms, written out here).
std::int32_t days_from_civil(const Date& d) {
  const std::int32_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int32_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int32_t yoe = y - era * 400;
  const std::int32_t m = d.month;
  const std::int32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d.day - 1;
  const std::int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

UtcTime utc_time(std::int64_t ns) {
  constexpr std::int64_t kNsPerSecond = 1'000'000'000, kSecondsPerDay = 86'400;
  const std::int64_t seconds = ns >= 0 ? ns / kNsPerSecond : -((-ns + kNsPerSecond - 1) / kNsPerSecond);
  const std::int64_t days = seconds >= 0 ? seconds / kSecondsPerDay : -((-seconds + kSecondsPerDay - 1) / kSecondsPerDay);
  const std::int64_t of_day = seconds - days * kSecondsPerDay;
  UtcTime t;
  t.date = civil_from_days(static_cast<std::int32_t>(days));
  t.hour = static_cast<int>(of_day / 3600);
  t.minute = static_cast<int>(of_day / 60 % 60);
  t.second = static_cast<int>(of_day % 60);
  t.millis = static_cast<int>((ns - seconds * kNsPerSecond) / 1'000'000);
  return t;
}

Date civil_from_days(std::int32_t z) {
  z += 719468;
  const std::int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int32_t doe = z - era * 146097;
  const std::int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int32_t mp = (5 * doy + 2) / 153;
  const std::int32_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int32_t month = mp < 10 ? mp + 3 : mp - 9;
  return Date{yoe + era * 400 + (month <= 2 ? 1 : 0), static_cast<std::uint8_t>(month),
              static_cast<std::uint8_t>(day)};
}

Timestamp local_time(const Date& day, int hour, int minute, std::int32_t utc_offset_minutes) {
  const std::int64_t local_s = std::int64_t{days_from_civil(day)} * 86400 + hour * 3600 + minute * 60;
  return Timestamp((local_s - std::int64_t{utc_offset_minutes} * 60) * 1'000'000'000);
}

bool working_day(const ExchangeSettings& s, std::int32_t day) {
  const std::int32_t weekday = ((day % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
  if ((s.working_days & (1u << weekday)) == 0) return false;
  return std::find(s.holidays.begin(), s.holidays.end(), civil_from_days(day)) == s.holidays.end();
}

std::int32_t add_working_days(const ExchangeSettings& s, std::int32_t day, std::uint32_t n) {
  if ((s.working_days & 0x7F) == 0) return day + static_cast<std::int32_t>(n);
  for (std::uint32_t left = n; left > 0;) {
    ++day;
    if (working_day(s, day)) --left;
  }
  return day;
}

}  // namespace crix::engine
