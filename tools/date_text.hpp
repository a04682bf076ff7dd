// Dates as people type them on the command line: "YYYY-MM-DD", digits only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/calendar.hpp"

namespace crix::tools {

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

}  // namespace crix::tools
