// The dialect's numbers and times as text (numbers.hpp, fix_api.hpp): exact decimal parsing, never
// through double.
#include "gateway/fix/numbers.hpp"

#include <cstddef>

#include "gateway/fix/fix_api.hpp"

namespace crix {
namespace fix {
namespace detail {
namespace {

constexpr std::int64_t kNsPerSecond = 1000000000;
constexpr std::int64_t kNsPerMilli = 1000000;
constexpr std::int64_t kSecondsPerDay = 86400;
// 15 integer digits: 10^15 yuan is 10^17 fen, far below INT64_MAX (9.2 * 10^18), so no overflow check
// is needed past this one.
constexpr std::size_t kMaxIntegerDigits = 15;
constexpr std::size_t kMaxNumberText = 40;
// int64 nanoseconds reach from 1677 to 2262; times outside these years are refused, not wrapped.
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2261;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int digit(char c) { return c - '0'; }

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days since 1970-01-01 of a date of the proleptic Gregorian calendar, and back (the era arithmetic of
// 400-year cycles of 146097 days; March-based years put the leap day last).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  if (m <= 2) --y;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads `count` digits at text[pos]; false if any is not a digit.
bool read_digits(const std::string& text, std::size_t pos, std::size_t count, std::int64_t& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + digit(text[i]);
  }
  return true;
}

void put_digits(std::string& out, std::int64_t value, int width) {
  char buf[20];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 || n < width);
  while (n > 0) out.push_back(buf[--n]);
}

// "YYYYMMDD" at text[0..8) -> days since the epoch.
const char* date_problem(const std::string& text, std::int64_t& days) {
  std::int64_t y = 0, m = 0, d = 0;
  if (!read_digits(text, 0, 4, y) || !read_digits(text, 4, 2, m) || !read_digits(text, 6, 2, d)) {
    return "is not a UTC date (YYYYMMDD)";
  }
  if (y < kMinYear || y > kMaxYear) return "is outside the years 1970 to 2261";
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(m))) {
    return "is not a calendar date";
  }
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return nullptr;
}

// "HH:MM:SS" with an optional fraction of 1 to 9 digits at text[pos..end) -> ns since midnight.
const char* time_of_day_problem(const std::string& text, std::size_t pos, std::int64_t& ns) {
  static const char* const kBad = "is not a UTC time (HH:MM:SS.sss)";
  std::int64_t h = 0, mi = 0, s = 0;
  if (!read_digits(text, pos, 2, h) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !read_digits(text, pos + 3, 2, mi) || pos + 5 >= text.size() || text[pos + 5] != ':' ||
      !read_digits(text, pos + 6, 2, s)) {
    return kBad;
  }
  // Second 60 is a leap second (FIX allows it); it counts as the first second of the next minute.
  if (h > 23 || mi > 59 || s > 60) return kBad;
  std::int64_t fraction = 0;
  std::size_t i = pos + 8;
  if (i < text.size()) {
    if (text[i] != '.') return kBad;
    const std::size_t first = ++i;
    std::int64_t scale = kNsPerSecond;
    for (; i < text.size(); ++i) {
      if (!is_digit(text[i]) || i - first >= 9) return kBad;
      scale /= 10;
      fraction += digit(text[i]) * scale;
    }
    if (i == first) return kBad;
  }
  ns = ((h * 60 + mi) * 60 + s) * kNsPerSecond + fraction;
  return nullptr;
}

}  // namespace

const char* price_problem(const std::string& text, std::int64_t& fen) {
  static const char* const kNotPrice = "is not a price in yuan (digits, optionally '.' and two decimals)";
  if (text.empty()) return "is empty";
  if (text.size() > kMaxNumberText) return "is too long for a price";
  if (text[0] == '-') return "is negative";
  std::size_t i = 0;
  std::int64_t yuan = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (i == kMaxIntegerDigits) return "is too large for a price";
    yuan = yuan * 10 + digit(text[i]);
  }
  if (i == 0) return kNotPrice;
  std::int64_t cents = 0;
  if (i < text.size()) {
    if (text[i] != '.') return kNotPrice;
    const std::size_t first = ++i;
    if (i == text.size()) return kNotPrice;
    for (; i < text.size(); ++i) {
      if (!is_digit(text[i])) return kNotPrice;
      const std::size_t place = i - first;
      if (place == 0) {
        cents += 10 * digit(text[i]);
      } else if (place == 1) {
        cents += digit(text[i]);
      } else if (text[i] != '0') {
        return "has more than two decimals (prices are yuan to the fen)";
      }
    }
  }
  fen = yuan * 100 + cents;
  return nullptr;
}

const char* qty_problem(const std::string& text, bool allow_zero, std::int64_t& tonnes) {
  static const char* const kNotQty = "is not a whole number of tonnes";
  if (text.empty()) return "is empty";
  if (text.size() > kMaxNumberText) return "is too long for a quantity";
  if (text[0] == '-') return "is negative";
  std::size_t i = 0;
  std::int64_t value = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (i == kMaxIntegerDigits) return "is too large for a quantity";
    value = value * 10 + digit(text[i]);
  }
  if (i == 0) return kNotQty;
  if (i < text.size()) {
    if (text[i] != '.') return kNotQty;
    if (++i == text.size()) return kNotQty;
    bool fractional = false;
    for (; i < text.size(); ++i) {
      if (!is_digit(text[i])) return kNotQty;
      if (text[i] != '0') fractional = true;
    }
    if (fractional) return "has a fractional part (quantities are whole tonnes)";
  }
  if (value == 0 && !allow_zero) return "must be a positive number of tonnes";
  tonnes = value;
  return nullptr;
}

const char* timestamp_problem(const std::string& text, std::int64_t& ns) {
  static const char* const kBad = "is not a UTC timestamp (YYYYMMDD-HH:MM:SS.sss)";
  if (text.size() < 17 || text[8] != '-') return kBad;
  std::int64_t days = 0, time_ns = 0;
  if (const char* problem = date_problem(text, days)) return problem;
  if (time_of_day_problem(text, 9, time_ns) != nullptr) return kBad;
  ns = days * kSecondsPerDay * kNsPerSecond + time_ns;
  return nullptr;
}

const char* date_time_problem(const std::string& date, const std::string& time, std::int64_t& ns) {
  std::int64_t days = 0, time_ns = 0;
  if (date.size() != 8) return "is not a UTC date (YYYYMMDD)";
  if (const char* problem = date_problem(date, days)) return problem;
  if (const char* problem = time_of_day_problem(time, 0, time_ns)) return problem;
  ns = days * kSecondsPerDay * kNsPerSecond + time_ns;
  return nullptr;
}

std::string format_date(std::int64_t ns) {
  const std::int64_t days = floor_div(floor_div(ns, kNsPerSecond), kSecondsPerDay);
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  std::string out;
  out.reserve(8);
  put_digits(out, y, 4);
  put_digits(out, m, 2);
  put_digits(out, d, 2);
  return out;
}

std::string format_time(std::int64_t ns) {
  const std::int64_t seconds = floor_div(ns, kNsPerSecond);
  const std::int64_t sub = ns - seconds * kNsPerSecond;
  const std::int64_t of_day = seconds - floor_div(seconds, kSecondsPerDay) * kSecondsPerDay;
  std::string out;
  out.reserve(12);
  put_digits(out, of_day / 3600, 2);
  out.push_back(':');
  put_digits(out, of_day / 60 % 60, 2);
  out.push_back(':');
  put_digits(out, of_day % 60, 2);
  out.push_back('.');
  put_digits(out, sub / kNsPerMilli, 3);
  return out;
}

}  // namespace detail

bool parse_price(const std::string& text, std::int64_t& fen) {
  return detail::price_problem(text, fen) == nullptr;
}

std::string format_price(std::int64_t fen) {
  std::string out;
  // Negative fen never travel (prices are refused below zero) but format exactly all the same; the
  // magnitude is taken in unsigned arithmetic so that INT64_MIN is exact too.
  std::uint64_t magnitude = static_cast<std::uint64_t>(fen);
  if (fen < 0) {
    out.push_back('-');
    magnitude = ~magnitude + 1;
  }
  out += std::to_string(magnitude / 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + magnitude % 100 / 10));
  out.push_back(static_cast<char>('0' + magnitude % 10));
  return out;
}

bool parse_qty(const std::string& text, std::int64_t& tonnes) {
  return detail::qty_problem(text, false, tonnes) == nullptr;
}

std::string format_utc_timestamp(std::int64_t ns) {
  return detail::format_date(ns) + '-' + detail::format_time(ns);
}

bool parse_utc_timestamp(const std::string& text, std::int64_t& ns) {
  return detail::timestamp_problem(text, ns) == nullptr;
}

}  // namespace fix
}  // namespace crix
