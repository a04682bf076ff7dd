#include "ledger/date_text.hpp"

namespace crix::ledger {

LocalSpanText local_span(std::string_view v, std::int32_t utc_offset_minutes) {
  LocalSpanText out;
  const auto bad = [&](std::string problem) {
    out.problem = std::move(problem);
    return out;
  };
  const auto misshapen = [&] {
    out.misshapen = true;
    return bad("is not a local time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS");
  };
  const std::optional<engine::Date> date = date_argument(v.substr(0, 10));
  if (!date) return misshapen();
  int h = 0, mi = 0, se = 0;
  if (v.size() > 10) {
    if ((v.size() != 16 && v.size() != 19) || (v[10] != 'T' && v[10] != ' ') || v[13] != ':' ||
        (v.size() == 19 && v[16] != ':')) {
      return misshapen();
    }
    const auto hh = fixed_digits(v, 11, 2);
    const auto mm = fixed_digits(v, 14, 2);
    const auto ss = v.size() == 19 ? fixed_digits(v, 17, 2) : std::optional<int>(0);
    if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 59) return misshapen();
    h = *hh;
    mi = *mm;
    se = *ss;
  }
  if (!on_calendar(*date)) return bad("is not a date of the calendar");
  if (date->year < 1970 || date->year > 2261) return bad("is outside the years 1970 to 2261 that the ledger's times cover");
  constexpr std::int64_t kSecond = 1'000'000'000, kMinute = 60 * kSecond, kDay = 86'400 * kSecond;
  const engine::Timestamp first(engine::local_time(*date, h, mi, utc_offset_minutes).v + se * kSecond);
  const std::int64_t length = v.size() == 10 ? kDay : v.size() == 16 ? kMinute : kSecond;
  out.span = LocalSpan{first, engine::Timestamp(first.v + length)};
  return out;
}

LocalSpanText local_moment(std::string_view v, std::int32_t utc_offset_minutes) {
  if (v.size() <= 10) return LocalSpanText{std::nullopt, "is not a local time: use YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS", true};
  LocalSpanText out = local_span(v, utc_offset_minutes);
  if (out.misshapen) {
    out.problem = "is not a local time: use YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS";
  }
  return out;
}

MomentText window_edge(std::string_view v, engine::Timestamp now, std::int32_t utc_offset_minutes, bool now_too) {
  const std::string kForm = std::string("is not a time: use ") + (now_too ? "now, " : "") +
                            "+SECONDS, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS";
  if (v == "now") return now_too ? MomentText{now, ""} : MomentText{std::nullopt, kForm};
  if (!v.empty() && v[0] == '+') {
    constexpr std::int64_t kYear = 366 * 86'400;
    std::int64_t seconds = 0;
    if (v.size() < 2 || v.size() > 13) return MomentText{std::nullopt, kForm};  // 12 digits: no overflow
    for (const char c : v.substr(1)) {
      if (c < '0' || c > '9') return MomentText{std::nullopt, kForm};
      seconds = seconds * 10 + (c - '0');
    }
    if (seconds > kYear) return MomentText{std::nullopt, "is more than a year (" + std::to_string(kYear) + " s) ahead"};
    return MomentText{engine::Timestamp(now.v + seconds * 1'000'000'000), ""};
  }
  const LocalSpanText local = local_moment(v, utc_offset_minutes);
  if (!local.span) return MomentText{std::nullopt, local.misshapen ? kForm : local.problem};
  return MomentText{local.span->first, ""};
}

std::string zone_text(std::int32_t offset) {
  const std::int32_t a = offset < 0 ? -offset : offset;
  return std::string("UTC") + (offset < 0 ? "-" : "+") + (a / 60 < 10 ? "0" : "") + std::to_string(a / 60) + ":" +
         (a % 60 < 10 ? "0" : "") + std::to_string(a % 60);
}

}  // namespace crix::ledger
