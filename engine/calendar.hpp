// crix::engine calendar: dates as day numbers, local times, the exchange's working days and the
// session phases a trading day passes through (DESIGN.md, "Calendar"). Plain functions; standard
// library only.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/market.hpp"
#include "engine/types.hpp"

namespace crix::engine {

enum class SessionPhase : std::uint8_t { kClosed = 0, kPreOpen = 1, kContinuous = 2, kBreak = 3 };
std::string_view to_string(SessionPhase phase);

// Days since 1970-01-01 of a calendar date, and back (proleptic Gregorian).
std::int32_t days_from_civil(const Date& d);
Date civil_from_days(std::int32_t days);

// A time (ns since the epoch) as UTC's date and time of day, to the millisecond (floored, also
// before 1970), for the texts that show one: the engine's reject sentences, FIX's UTCTimestamp.
struct UtcTime {
  Date date;
  int hour = 0, minute = 0, second = 0, millis = 0;
};
UtcTime utc_time(std::int64_t ns);

// The UTC time (ns since the epoch, as commands carry it) of a local date and time in a zone
// `utc_offset_minutes` east of UTC.
Timestamp local_time(const Date& day, int hour, int minute, std::int32_t utc_offset_minutes);

// Working days of the exchange (ExchangeSettings::working_days, minus holidays), by local day number.
bool working_day(const ExchangeSettings& s, std::int32_t day);
// The day `n` working days after `day` (calendar days when no weekday is a working day).
std::int32_t add_working_days(const ExchangeSettings& s, std::int32_t day, std::uint32_t n);

}  // namespace crix::engine
