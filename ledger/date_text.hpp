// Dates and local times as people type them: `crix ledger --from/--to`, `crix operator amend ... expires`
// and the console's from/to parameters (gateway/http) read them here, so that the two agree on every
// form. "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" and "YYYY-MM-DDTHH:MM:SS" (or a space for the T), digits only,
// in the market's zone. An auction's window (crix operator, crix admin, the console) takes the forms
// with a time of day from here too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/calendar.hpp"

namespace crix::ledger {

// The number written with exactly `len` decimal digits at `at` in `text` (no sign); nullopt otherwise.
inline std::optional<int> fixed_digits(std::string_view text, std::size_t at, std::size_t len) {
  if (text.size() < at + len) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// "YYYY-MM-DD" with digits only, month 1..12 and day 1..31; nullopt for any other text. Whether that
// day exists (not 2026-02-30) is on_calendar()'s question.
inline std::optional<engine::Date> date_argument(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = fixed_digits(text, 0, 4);
  const auto m = fixed_digits(text, 5, 2);
  const auto d = fixed_digits(text, 8, 2);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
  return engine::Date{*y, static_cast<std::uint8_t>(*m), static_cast<std::uint8_t>(*d)};
}

inline bool on_calendar(const engine::Date& d) {
  return engine::civil_from_days(engine::days_from_civil(d)) == d;
}

// The stretch of time a local day, minute or second names, [first, end): a `from` starts at `first`;
// a `to` is inclusive, so it reads up to `end` (the whole day, minute or second it names).
struct LocalSpan {
  engine::Timestamp first;
  engine::Timestamp end;
};

// A local time's span, or why the text is none: `problem` follows the text in a message
// ("is not a local time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS", "is not a date of
// the calendar", "is outside the years 1970 to 2261 that the ledger's times cover": nanoseconds since
// 1970 in 64 bits end in April 2262).
struct LocalSpanText {
  std::optional<LocalSpan> span;  // nullopt: see problem
  std::string problem;
  bool misshapen = false;  // the problem is the text's form (not the calendar or the years)
};
[[nodiscard]] LocalSpanText local_span(std::string_view text, std::int32_t utc_offset_minutes);

// A moment: a local time with a time of day (a minute or a second; a date alone names a day, not a
// moment), as an auction's window edge. The span's `first`, or the problem ("... use
// YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS").
[[nodiscard]] LocalSpanText local_moment(std::string_view text, std::int32_t utc_offset_minutes);

// An auction window's edge as operators give it: "now" (where `now_too`), "+SECONDS" after `now`
// (at most a year), or a local moment (local_moment). nullopt with the problem otherwise ("is not a
// time: use now, +SECONDS, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS", "is not a date of the calendar").
struct MomentText {
  std::optional<engine::Timestamp> at;  // nullopt: see problem
  std::string problem;
};
[[nodiscard]] MomentText window_edge(std::string_view text, engine::Timestamp now, std::int32_t utc_offset_minutes,
                                     bool now_too);

// "UTC+08:00": the zone of a UTC offset, as messages name the market's time.
[[nodiscard]] std::string zone_text(std::int32_t utc_offset_minutes);

}  // namespace crix::ledger
