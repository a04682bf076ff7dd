#include "ledger/market_text.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>

#include "engine/calendar.hpp"
#include "engine/key_values.hpp"

namespace crix::ledger {

namespace {

using Fields = engine::KeyValues;

std::string date_text(const engine::Date& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, unsigned{d.month}, unsigned{d.day});
  return buf;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find(';', at), text.size());
    out.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

std::string key_of(const std::string& field) { return field.substr(0, field.find('=')); }

}  // namespace

std::string participant_text(const engine::Participant& p) {
  std::string instruments;
  for (const std::string& i : p.instruments) {
    if (!instruments.empty()) instruments += ',';
    instruments += i;
  }
  Fields t;
  t.add("id", p.id).add("region", p.region).add("group", p.group).add("may_sell", p.may_sell ? 1 : 0);
  t.add("may_buy", p.may_buy ? 1 : 0).add("instruments", instruments);
  t.add("status", p.status == engine::ParticipantStatus::kSuspended ? "suspended" : "active");
  return t.take();
}

std::string instrument_text(const engine::Instrument& i) {
  Fields t;
  t.add("code", i.code).add("industry", engine::to_string(i.industry)).add("tick", i.tick).add("lot", i.lot);
  t.add("band_permille", i.band_permille).add("reference_price", i.reference_price);
  // Only when set, so that a ledger registered before the key existed still matches its market file.
  if (i.listed_max_qty != 0) t.add("listed_max_qty", i.listed_max_qty);
  if (i.block_min_qty != 0) t.add("block_min_qty", i.block_min_qty);
  if (i.block_band_permille != 300) t.add("block_band_permille", i.block_band_permille);
  return t.take();
}

std::string region_text(const engine::Region& r) {
  Fields t;
  t.add("code", r.ref.code).add("province", r.ref.province);
  t.add("class", r.ref.region_class == engine::RegionClass::kKey ? "key" : "other");
  for (std::size_t i = 0; i < engine::kIndustries; ++i) {
    const std::string industry(engine::to_string(static_cast<engine::Industry>(i)));
    t.add("cap " + industry, r.cap[i]).add("capacity " + industry, r.capacity[i]);
  }
  t.add("province_over_target", r.province_over_target ? 1 : 0);
  return t.take();
}

std::string calendar_text(const engine::Market& m) {
  const engine::ExchangeSettings& s = m.exchange;
  std::string sessions;
  for (const engine::TradingSession& ts : s.sessions) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%02u:%02u-%02u:%02u", sessions.empty() ? "" : ",", ts.open.minutes / 60u,
                  ts.open.minutes % 60u, ts.close.minutes / 60u, ts.close.minutes % 60u);
    sessions += buf;
  }
  Fields t;
  t.add("utc_offset_minutes", s.utc_offset_minutes).add("sessions", sessions).add("working_days", s.working_days);
  t.add("max_orders", s.max_orders).add("max_levels", s.max_levels);
  t.add("publicity_working_days", s.publicity_working_days).add("dismantle_days", s.dismantle_days);
  t.add("idle_years_limit", m.idle_years_limit);
  return t.take();
}

std::string rules_text(const engine::Market& m) {
  const auto region_class = [](const std::optional<engine::RegionClass>& c) -> std::string {
    if (!c) return "-";
    return *c == engine::RegionClass::kKey ? "key" : "other";
  };
  const auto& ratios = m.ratios.rules();
  const auto& transfers = m.transfers.rules();
  Fields t;
  t.add("ratio rules", static_cast<std::int64_t>(ratios.size()));
  t.add("transfer rules", static_cast<std::int64_t>(transfers.size()));
  for (std::size_t i = 0; i < ratios.size(); ++i) {
    const engine::RatioRule& r = ratios[i];
    const std::string p = "ratio " + std::to_string(i + 1) + " ";
    t.add(p + "name", r.name).add(p + "industry", engine::to_string(r.industry));
    t.add(p + "buyer_class", region_class(r.buyer_class)).add(p + "buyer_region", r.buyer_region);
    t.add(p + "cross_province", r.cross_province).add(p + "same_group", r.same_group);
    t.add(p + "merger_capacity", r.merger_capacity).add(p + "ratio_permille", r.ratio_permille);
  }
  for (std::size_t i = 0; i < transfers.size(); ++i) {
    const engine::TransferRule& r = transfers[i];
    const std::string p = "transfer " + std::to_string(i + 1) + " ";
    t.add(p + "name", r.name).add(p + "industry", r.industry ? std::string(engine::to_string(*r.industry)) : "-");
    t.add(p + "seller_class", region_class(r.seller_class)).add(p + "buyer_class", region_class(r.buyer_class));
    t.add(p + "seller_province", r.seller_province).add(p + "buyer_province", r.buyer_province);
    t.add(p + "cross_province", r.cross_province).add(p + "buyer_province_over_target", r.buyer_province_over_target);
    t.add(p + "effect", r.effect == engine::FlowEffect::kAllow ? "allow" : "deny");
  }
  return t.take();
}

std::string holidays_text(const std::vector<engine::Date>& holidays, std::int32_t after_day) {
  std::vector<engine::Date> sorted = holidays;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const engine::Date& d : sorted) {
    if (engine::days_from_civil(d) > after_day) break;
    if (!out.empty()) out += ',';
    out += date_text(d);
  }
  return out;
}

std::string first_difference(const std::string& registered, const std::string& configured, const std::string& skip) {
  const std::vector<std::string> a = split(registered);
  const std::vector<std::string> b = split(configured);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "";
    const std::string y = i < b.size() ? b[i] : "";
    if (x == y || (!skip.empty() && key_of(x) == skip && key_of(y) == skip)) continue;
    return "registered " + (x.empty() ? "nothing" : x) + ", configured " + (y.empty() ? "nothing" : y);
  }
  return "";
}

std::string field_of(const std::string& text, const std::string& key) {
  for (const std::string& f : split(text)) {
    if (key_of(f) == key) return f.size() > key.size() ? f.substr(key.size() + 1) : "";
  }
  return "";
}

}  // namespace crix::ledger
