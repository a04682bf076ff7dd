#include "ledger/date_text.hpp"

namespace crix::ledger {

LocalSpanText local_span(std::string_view v, std::int32_t utc_offset_minutes) {
  LocalSpanText out;
  const auto bad = [&](std::string problem) {
    out.problem = std::move(problem);
    return out;
  };
  const std::string kForm = "is not a local time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM";
  const std::optional<engine::Date> date = date_argument(v.substr(0, 10));
  if (!date) return bad(kForm);
  int h = 0, mi = 0;
  if (v.size() > 10) {
    if (v.size() != 16 || (v[10] != 'T' && v[10] != ' ') || v[13] != ':') return bad(kForm);
    const auto hh = fixed_digits(v, 11, 2);
    const auto mm = fixed_digits(v, 14, 2);
    if (!hh || !mm || *hh > 23 || *mm > 59) return bad(kForm);
    h = *hh;
    mi = *mm;
  }
  if (!on_calendar(*date)) return bad("is not a date of the calendar");
  if (date->year < 1970 || date->year > 2261) return bad("is outside the years 1970 to 2261 that the ledger's times cover");
  const engine::Timestamp first = engine::local_time(*date, h, mi, utc_offset_minutes);
  constexpr std::int64_t kMinute = 60'000'000'000, kDay = 86'400'000'000'000;
  out.span = LocalSpan{first, engine::Timestamp(first.v + (v.size() > 10 ? kMinute : kDay))};
  return out;
}

}  // namespace crix::ledger
