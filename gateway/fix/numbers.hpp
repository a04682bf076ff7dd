// crix::fix internals: the dialect's numbers and times as text, with the reason a text is refused, for
// the codec's Reject texts. The public wrappers (parse_price, ...) are in fix_api.hpp. No QuickFIX here;
// only gateway/fix/*.cpp include this file. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace crix {
namespace fix {
namespace detail {

// Each returns nullptr and sets the out value when `text` is good, else a phrase saying what is wrong,
// to follow the field and its value: "Price(44) '580.001' " + "has more than two decimals".
const char* price_problem(const std::string& text, std::int64_t& fen);
// Whole tonnes; `allow_zero` for report quantities (LeavesQty 0), not for OrderQty.
const char* qty_problem(const std::string& text, bool allow_zero, std::int64_t& tonnes);
const char* timestamp_problem(const std::string& text, std::int64_t& ns);
// MDEntryDate(272) "YYYYMMDD" and MDEntryTime(273) "HH:MM:SS[.fff]" together.
const char* date_time_problem(const std::string& date, const std::string& time, std::int64_t& ns);

std::string format_date(std::int64_t ns);  // "YYYYMMDD"
std::string format_time(std::int64_t ns);  // "HH:MM:SS.sss"

}  // namespace detail
}  // namespace fix
}  // namespace crix
