#include "tools/ledger_cli.hpp"

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/exchange.hpp"
#include "ledger/error.hpp"
#include "ledger/reader.hpp"
#include "ledger/verify.hpp"
#include "tools/cli.hpp"
#include "tools/date_text.hpp"
#include "tools/table.hpp"

namespace crix::tools {

namespace {

using ledger::Reader;
using ledger::Trade;

std::string join(const std::vector<std::string>& items, std::size_t most = 20) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < most; ++i) s += (i == 0 ? "" : ", ") + items[i];
  if (items.size() > most) s += ", ... (" + std::to_string(items.size()) + " in all)";
  return s.empty() ? "(none registered)" : s;
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

std::string date_text(ledger::Day day) {
  const engine::Date d = ledger::to_date(day);
  return std::to_string(d.year) + "-" + two(d.month) + "-" + two(d.day);
}

// Names and formats of one ledger's registry, read once per command.
class Registry {
 public:
  explicit Registry(const Reader& r)
      : meta_(r.meta()),
        participants_(r.participants()),
        instruments_(r.instruments()),
        regions_(r.regions()),
        facilities_(r.facilities()),
        projects_(r.projects()) {}

  // "2026-12-04 11:40:12.038+08:00": ledger times are the exchange's local time, and say so.
  std::string time_text(engine::Timestamp ts) const {
    const std::int64_t local = ts.v + std::int64_t{meta_.utc_offset_minutes} * 60'000'000'000;
    const ledger::Day day = ledger::local_day(ts, meta_.utc_offset_minutes);
    const std::int64_t in_day = local - std::int64_t{day.v} * 86'400'000'000'000;
    const std::int64_t s = in_day / 1'000'000'000;
    const std::int64_t ms = in_day / 1'000'000 % 1000;
    std::string msec = std::to_string(ms);
    msec.insert(0, 3 - msec.size(), '0');
    return date_text(day) + " " + two(static_cast<int>(s / 3600)) + ":" + two(static_cast<int>(s / 60 % 60)) +
           ":" + two(static_cast<int>(s % 60)) + "." + msec + zone_text();
  }

  // The exchange's UTC offset, "+08:00".
  std::string zone_text() const {
    const std::int32_t m = meta_.utc_offset_minutes;
    const std::int32_t a = m < 0 ? -m : m;
    return std::string(m < 0 ? "-" : "+") + two(a / 60) + ":" + two(a % 60);
  }

  // "2026-12-01" (start of that local day) or "2026-12-01T10:30" -> UTC ns.
  engine::Timestamp parse_time(std::string_view flag, std::string_view v) const {
    const auto bad = [&] {
      return CLI::ValidationError(std::string(flag), "\"" + std::string(v) +
                                  "\" is not a local time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM");
    };
    const std::optional<engine::Date> date = date_argument(v.substr(0, 10));
    if (!date) throw bad();
    int h = 0, mi = 0;
    if (v.size() > 10) {
      if (v.size() != 16 || (v[10] != 'T' && v[10] != ' ') || v[13] != ':') throw bad();
      const auto hh = fixed_digits(v, 11, 2);
      const auto mm = fixed_digits(v, 14, 2);
      if (!hh || !mm || *hh > 23 || *mm > 59) throw bad();
      h = *hh;
      mi = *mm;
    }
    if (!on_calendar(*date)) {
      throw CLI::ValidationError(std::string(flag), "\"" + std::string(v) + "\" is not a date of the calendar");
    }
    return engine::local_time(*date, h, mi, meta_.utc_offset_minutes);
  }

  template <class List, class Id>
  static std::optional<std::uint32_t> find(const List& list, Id id_of, std::string_view id) {
    for (std::uint32_t i = 0; i < list.size(); ++i) {
      if (id_of(list[i]) == id) return i;
    }
    return std::nullopt;
  }

  template <class List, class Id>
  static std::uint32_t index(const List& list, Id id_of, std::string_view flag, std::string_view id,
                             const char* what) {
    if (const auto i = find(list, id_of, id)) return *i;
    std::vector<std::string> valid;
    for (const auto& item : list) valid.push_back(id_of(item));
    throw CLI::ValidationError(std::string(flag),
                               "\"" + std::string(id) + "\" is no " + what + " of this ledger; valid: " + join(valid));
  }

  std::uint32_t participant(std::string_view flag, std::string_view id) const {
    return index(participants_, [](const ledger::ParticipantEntry& p) { return p.id; }, flag, id, "participant");
  }
  std::uint32_t facility(std::string_view flag, std::string_view id) const {
    return index(facilities_, [](const ledger::FacilityState& f) { return f.id; }, flag, id, "facility");
  }
  std::uint32_t project(std::string_view flag, std::string_view id) const {
    return index(projects_, [](const ledger::ProjectState& p) { return p.id; }, flag, id, "project");
  }
  std::uint32_t instrument(std::string_view flag, std::string_view code) const {
    return index(instruments_, [](const ledger::InstrumentEntry& i) { return i.code; }, flag, code, "instrument");
  }
  std::uint32_t region(std::string_view flag, std::string_view code) const {
    return index(regions_, [](const ledger::RegionState& r) { return std::to_string(r.code); }, flag, code,
                 "region code");
  }

  std::string participant_id(engine::ParticipantId p) const { return name(participants_, p.v, &ledger::ParticipantEntry::id); }
  std::string facility_id(ledger::FacilityIndex f) const { return name(facilities_, f.v, &ledger::FacilityState::id); }
  std::string project_id(ledger::ProjectIndex p) const { return name(projects_, p.v, &ledger::ProjectState::id); }
  std::string instrument_code(engine::InstrumentId i) const { return name(instruments_, i.v, &ledger::InstrumentEntry::code); }
  std::string region_name(ledger::RegionIndex r) const { return name(regions_, r.v, &ledger::RegionState::name); }

  const ledger::Meta& meta() const { return meta_; }
  const std::vector<ledger::FacilityState>& facilities() const { return facilities_; }
  const std::vector<ledger::InstrumentEntry>& instruments() const { return instruments_; }

 private:
  template <class List, class Field>
  static std::string name(const List& list, std::uint32_t i, Field field) {
    return i < list.size() ? list[i].*field : "#" + std::to_string(i);
  }

  ledger::Meta meta_;
  std::vector<ledger::ParticipantEntry> participants_;
  std::vector<ledger::InstrumentEntry> instruments_;
  std::vector<ledger::RegionState> regions_;
  std::vector<ledger::FacilityState> facilities_;
  std::vector<ledger::ProjectState> projects_;
};

Cell money(std::int64_t fen) {
  std::string s = engine::yuan(fen);
  s.resize(s.size() - 5);  // " yuan": the column says the unit
  return Cell{s, true};
}

// A day's traded value: a sum of price x qty that can pass int64 (10^12 fen x 10^10 t per trade).
Cell money128(ledger::Int128 fen) {
  const bool negative = fen < 0;
  if (negative) fen = -fen;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(fen % 10)));
    fen /= 10;
  } while (fen != 0);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  digits.insert(digits.size() - 2, ".");
  return Cell{(negative ? "-" : "") + digits, true};
}

Cell ratio(std::uint32_t permille) {
  std::string s = std::to_string(permille / 1000) + ".";
  std::string frac = std::to_string(permille % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return Cell{s + frac, true};
}

const std::vector<std::string> kTradeColumns = {"trade", "kind",  "time",       "instrument", "seller",
                                                "facility", "buyer", "project", "price_yuan", "qty_t",
                                                "ratio",    "credited_t", "seq", "hash"};

std::vector<Cell> trade_row(const Registry& reg, const Trade& x) {
  return {number(static_cast<unsigned long long>(x.id.v)),
          text(x.kind == ledger::TradeKind::kTrade ? "trade" : "revokes " + std::to_string(x.revokes.v)),
          text(reg.time_text(x.ts)), text(reg.instrument_code(x.instrument)), text(reg.participant_id(x.seller)),
          text(reg.facility_id(x.facility)), text(reg.participant_id(x.buyer)), text(reg.project_id(x.project)),
          money(x.price.v), number(static_cast<long long>(x.qty.v)), ratio(x.ratio_permille),
          number(static_cast<long long>(x.credited.v)), number(static_cast<unsigned long long>(x.seq.v)),
          text(ledger::to_hex(x.hash).substr(0, 16))};
}

Table trade_table(const Registry& reg, const std::vector<Trade>& trades) {
  Table t;
  t.columns = kTradeColumns;
  for (const Trade& x : trades) t.add(trade_row(reg, x));
  return t;
}

// One query's arguments, as parsed: the positionals in order (LEDGER first) and the options with a value.
struct Options {
  TableFormat format = TableFormat::kText;
  std::map<std::string, std::string, std::less<>> flags;  // --name value
  std::vector<std::string> positional;
};

std::optional<std::string> flag(const Options& o, std::string_view name) {
  const auto it = o.flags.find(name);
  if (it == o.flags.end()) return std::nullopt;
  return it->second;
}

// --after and --limit: whole numbers of 1 or more, checked when they were parsed.
std::optional<std::uint64_t> count_flag(const Options& o, std::string_view name) {
  const auto v = flag(o, name);
  if (!v) return std::nullopt;
  return whole_value(std::string(name), *v, 1, std::numeric_limits<std::uint64_t>::max());
}

// Lists are cut into pages by trade id. Text shows one page (--limit, 1,000 rows by default): it aligns
// its columns over every row. CSV and JSON export the whole list unless --limit is given, streamed a
// page at a time, so that an export is never cut without a word. Whenever a page is cut, stderr says
// how many rows are left and how to get them.
constexpr std::uint64_t kTextPage = 1000;
constexpr std::size_t kStreamPage = 512;  // one read transaction each

// `fetch(page)` returns a page of items, `row(item)` its cells, `id_of(item)` its trade id, and
// `left(after)` how many items the list holds after trade `after`.
template <class Fetch, class Row, class IdOf, class Left>
int list_paged(std::string_view query, const Options& o, const std::vector<std::string>& columns, Fetch fetch,
               Row row, IdOf id_of, Left left, std::ostream& out, std::ostream& err) {
  engine::TradeId after{};
  if (const auto v = count_flag(o, "--after")) after = engine::TradeId(*v);
  std::optional<std::uint64_t> limit = count_flag(o, "--limit");
  if (!limit && o.format == TableFormat::kText) limit = kTextPage;
  TableStream table(columns, o.format, out);
  std::uint64_t shown = 0;
  bool cut = false;
  for (;;) {
    const std::uint64_t want = limit ? std::min<std::uint64_t>(kStreamPage, *limit - shown) : kStreamPage;
    if (want == 0) {
      cut = true;
      break;
    }
    ledger::Page page;
    page.after = after;
    page.limit = static_cast<std::size_t>(want);
    const auto items = fetch(page);
    for (const auto& item : items) {
      table.add(row(item));
      after = id_of(item);
    }
    shown += items.size();
    if (items.size() < want) break;
  }
  table.finish();
  if (cut) {
    if (const std::uint64_t more = left(after); more > 0) {
      err << "crix ledger " << query << ": showing " << shown << " rows; " << more
          << " more: add --after " << after.v << " for the next page, or --csv or --json without --limit for all\n";
    }
  }
  return 0;
}

int query_summary(const Reader& r, const Options& o, std::ostream& out) {
  const ledger::Summary s = r.summary();
  Table t;
  t.columns = {"key", "value"};
  t.add({text("schema"), number(static_cast<unsigned long long>(s.meta.schema))});
  t.add({text("trades"), number(static_cast<unsigned long long>(s.meta.trade_count))});
  t.add({text("revocations"), number(static_cast<unsigned long long>(s.meta.revocations))});
  t.add({text("journaled commands"), number(static_cast<unsigned long long>(s.journal))});
  t.add({text("last seq"), number(static_cast<unsigned long long>(s.meta.last_seq.v))});
  t.add({text("commits"), number(static_cast<unsigned long long>(s.meta.commits))});
  t.add({text("elimination entries"), number(static_cast<unsigned long long>(s.elimination))});
  t.add({text("chain head"), text(ledger::to_hex(s.meta.chain_head))});
  render(t, o.format, out);
  return 0;
}

constexpr std::string_view kIndustries[] = {"steel", "cement", "glass", "aluminium"};
constexpr engine::Industry kIndustryValues[] = {engine::Industry::kSteel, engine::Industry::kCement,
                                                engine::Industry::kGlass, engine::Industry::kAluminium};
constexpr ledger::EliminationStatus kEliminationStatuses[] = {
    ledger::EliminationStatus::kPublicised, ledger::EliminationStatus::kConfirmed, ledger::EliminationStatus::kShut,
    ledger::EliminationStatus::kDismantled, ledger::EliminationStatus::kRevoked};

std::vector<std::string> industry_names() { return {std::begin(kIndustries), std::end(kIndustries)}; }

std::vector<std::string> elimination_status_names() {
  std::vector<std::string> names;
  for (const auto st : kEliminationStatuses) names.emplace_back(engine::to_string(st));
  return names;
}

int query_trades(const Reader& r, const Registry& reg, const Options& o, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> selectors = {"--participant", "--facility", "--project", "--region", "--industry"};
  int chosen = 0;
  for (const std::string& s : selectors) chosen += flag(o, s) ? 1 : 0;
  const bool range = flag(o, "--from") || flag(o, "--to");
  if (chosen + (range ? 1 : 0) > 1) {
    throw CLI::ValidationError("choose one of --participant, --facility, --project, --region, --industry, "
                               "or a time range --from/--to");
  }
  // One index and its key, or the time range, or the whole chain.
  std::optional<std::pair<ledger::TradeIndex, std::uint32_t>> listed;
  if (const auto v = flag(o, "--participant")) {
    listed = {ledger::TradeIndex::kParticipant, reg.participant("--participant", *v)};
  } else if (const auto f = flag(o, "--facility")) {
    listed = {ledger::TradeIndex::kFacility, reg.facility("--facility", *f)};
  } else if (const auto p = flag(o, "--project")) {
    listed = {ledger::TradeIndex::kProject, reg.project("--project", *p)};
  } else if (const auto g = flag(o, "--region")) {
    listed = {ledger::TradeIndex::kRegion, reg.region("--region", *g)};
  } else if (const auto i = flag(o, "--industry")) {
    // One of kIndustries: checked when it was parsed.
    std::size_t k = 0;
    while (kIndustries[k] != *i) ++k;
    listed = {ledger::TradeIndex::kIndustry, static_cast<std::uint32_t>(kIndustryValues[k])};
  }
  const engine::Timestamp from = flag(o, "--from") ? reg.parse_time("--from", *flag(o, "--from")) : engine::Timestamp(0);
  // --to is inclusive like daily's: a date alone takes in that whole day.
  engine::Timestamp to(std::numeric_limits<std::int64_t>::max());
  if (const auto until = flag(o, "--to")) {
    to = reg.parse_time("--to", *until);
    if (until->size() == 10) to = engine::Timestamp(to.v + 86'400'000'000'000);
  }
  const auto fetch = [&](const ledger::Page& page) {
    if (!listed) return range ? r.trades_between(from, to, page) : r.trades(page);
    const std::uint32_t key = listed->second;
    switch (listed->first) {
      case ledger::TradeIndex::kParticipant: return r.trades_by_participant(engine::ParticipantId(key), page);
      case ledger::TradeIndex::kFacility: return r.trades_by_facility(ledger::FacilityIndex(key), page);
      case ledger::TradeIndex::kProject: return r.trades_by_project(ledger::ProjectIndex(key), page);
      case ledger::TradeIndex::kRegion: return r.trades_by_region(ledger::RegionIndex(key), page);
      case ledger::TradeIndex::kIndustry: return r.trades_by_industry(static_cast<engine::Industry>(key), page);
    }
    return std::vector<Trade>{};
  };
  const auto left = [&](engine::TradeId after) {
    if (listed) return r.count_listed(listed->first, listed->second, after);
    return range ? r.count_between(from, to, after) : r.count_trades(after);
  };
  return list_paged(
      "trades", o, kTradeColumns, fetch, [&](const Trade& t) { return trade_row(reg, t); },
      [](const Trade& t) { return t.id; }, left, out, err);
}

// The eligibility facts that stand against a sale (DOMAIN.md), by their configuration keys, or "none":
// as registered and as amended through the journal.
std::string facts_text(const engine::EligibilityFacts& f) {
  const std::pair<bool, const char*> adverse[] = {
      {f.mandated_cut, "mandated_cut"}, {f.subsidised, "subsidised"},     {f.backward, "backward"},
      {f.zombie_owner, "zombie_owner"}, {f.court_seized, "court_seized"}, {f.dismantled, "dismantled"},
      {f.used, "used"},                 {!f.on_inventory, "not on_inventory"}};
  std::string s;
  for (const auto& [set, name] : adverse) {
    if (set) s += (s.empty() ? "" : ", ") + std::string(name);
  }
  return s.empty() ? "none" : s;
}

int query_facility(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  const std::uint32_t f = reg.facility("ID", o.positional[1]);
  ledger::Page page{engine::TradeId{}, std::numeric_limits<std::size_t>::max()};  // all of it, by default
  if (const auto v = count_flag(o, "--limit")) page.limit = *v;
  if (const auto v = count_flag(o, "--after")) page.after = engine::TradeId(*v);
  const std::optional<ledger::FacilityHistory> h = r.facility_history(ledger::FacilityIndex(f), page);
  if (!h) throw CLI::ValidationError("ID", "\"" + o.positional[1] + "\" has no history in this ledger");
  Table state;
  state.columns = {"facility", "owner",    "region",   "industry", "status",     "capacity_t",
                   "sold_t",   "unsold_t", "facts",    "idle_years", "expires"};
  const engine::EligibilityFacts& facts = h->facility.facts;
  state.add({text(h->facility.id), text(reg.participant_id(h->facility.owner)), text(reg.region_name(h->facility.region)),
             text(std::string(engine::to_string(h->facility.industry))), text(std::string(ledger::to_string(h->facility.status))),
             number(static_cast<long long>(h->facility.capacity.v)), number(static_cast<long long>(h->facility.sold.v)),
             number(static_cast<long long>(h->facility.unsold().v)), text(facts_text(facts)),
             number(static_cast<unsigned long long>(facts.idle_years)),
             facts.expires ? text(date_text(ledger::to_day(*facts.expires))) : none()});
  Table entries;
  entries.columns = {"trade", "revision", "status", "written_by", "project", "qty_t", "retired", "publicity_end",
                     "dismantle_from", "dismantle_by", "time"};
  for (const ledger::EliminationEntry& e : h->entries) {
    entries.add({number(static_cast<unsigned long long>(e.trade.v)), number(static_cast<unsigned long long>(e.revision)),
                 text(std::string(engine::to_string(e.status))), number(static_cast<unsigned long long>(e.by.v)),
                 text(reg.project_id(e.project)), number(static_cast<long long>(e.qty.v)), text(date_text(e.retired)),
                 text(date_text(e.publicity_end)), text(date_text(e.dismantle_from)), text(date_text(e.dismantle_by)),
                 text(reg.time_text(e.ts))});
  }
  render({{"facility", state}, {"trades", trade_table(reg, h->trades)}, {"elimination entries", entries}}, o.format, out);
  return 0;
}

int query_project(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  const std::uint32_t p = reg.project("ID", o.positional[1]);
  const std::optional<ledger::ProjectProgress> g = r.project_progress(ledger::ProjectIndex(p));
  if (!g) throw CLI::ValidationError("ID", "\"" + o.positional[1] + "\" has no record in this ledger");
  Table state;
  state.columns = {"project", "owner",  "region", "industry",  "need_t", "credited_t", "remaining_t", "trades",
                   "site",    "equipment", "construction_start", "production_start"};
  const auto day_or_none = [](const std::optional<ledger::Day>& d) { return d ? text(date_text(*d)) : none(); };
  state.add({text(g->project.id), text(reg.participant_id(g->project.owner)), text(reg.region_name(g->project.region)),
             text(std::string(engine::to_string(g->project.industry))), number(static_cast<long long>(g->project.need.v)),
             number(static_cast<long long>(g->project.credited.v)), number(static_cast<long long>(g->remaining.v)),
             number(static_cast<unsigned long long>(g->trades)), text(g->project.site), text(g->project.equipment),
             day_or_none(g->project.construction_start), day_or_none(g->project.production_start)});
  ledger::Page page;
  page.limit = 1'000'000;
  render({{"project", state}, {"trades", trade_table(reg, r.trades_by_project(ledger::ProjectIndex(p), page))}},
         o.format, out);
  return 0;
}

int query_elimination(const Reader& r, const Registry& reg, const Options& o, std::ostream& out,
                      std::ostream& err) {
  ledger::EliminationFilter filter;
  if (const auto f = flag(o, "--facility")) filter.facility = ledger::FacilityIndex(reg.facility("--facility", *f));
  if (const auto g = flag(o, "--region")) filter.region = ledger::RegionIndex(reg.region("--region", *g));
  if (const auto s = flag(o, "--status")) {
    // One of elimination_statuses(): checked when it was parsed.
    for (const auto st : kEliminationStatuses) {
      if (*s == engine::to_string(st)) filter.status = st;
    }
  }
  const std::vector<std::string> columns = {
      "region",          "province",           "enterprise",        "enterprise_id",    "facility",
      "equipment",       "inventory_ref",      "capacity_retired_t", "trade",           "buyer_project",
      "filing_ref",      "retired",            "publicity_end",     "dismantle_from",   "dismantle_by",
      "status",          "status_since",       "project_enterprise", "project_site",    "project_equipment",
      "project_capacity_t", "construction_start", "production_start"};
  const auto day_or_none = [](const std::optional<ledger::Day>& d) { return d ? text(date_text(*d)) : none(); };
  const auto row = [&](const ledger::EliminationItem& e) -> std::vector<Cell> {
    return {text(e.region_name), text(e.province_name), text(e.owner_name), text(e.owner_id), text(e.facility_id),
            text(e.equipment), text(e.inventory_ref), number(static_cast<long long>(e.entry.qty.v)),
            number(static_cast<unsigned long long>(e.entry.trade.v)), text(e.project_id), text(e.project_approval_ref),
            text(date_text(e.entry.retired)), text(date_text(e.entry.publicity_end)),
            text(date_text(e.entry.dismantle_from)), text(date_text(e.entry.dismantle_by)),
            text(std::string(engine::to_string(e.status))), text(reg.time_text(e.status_since)),
            text(e.project_owner_name), text(e.project_site), text(e.project_equipment),
            number(static_cast<long long>(e.project_capacity.v)), day_or_none(e.construction_start),
            day_or_none(e.production_start)};
  };
  return list_paged(
      "elimination", o, columns, [&](const ledger::Page& page) { return r.elimination_list(filter, page); }, row,
      [](const ledger::EliminationItem& e) { return e.entry.trade; },
      [&](engine::TradeId after) { return r.count_elimination(filter, after); }, out, err);
}

int query_regions(const Reader& r, const Options& o, std::ostream& out) {
  const auto optional_number = [](const std::optional<std::int64_t>& v) {
    return v ? number(static_cast<long long>(*v)) : none();
  };
  const auto room = [](const std::optional<std::int64_t>& cap, std::int64_t capacity) {
    return cap ? std::optional<std::int64_t>(*cap - capacity) : std::nullopt;
  };
  Table regions;
  regions.columns = {"region", "code", "province_code", "industry", "configured_t", "capacity_t", "cap_t", "room_t"};
  for (const ledger::RegionCapacity& c : r.region_capacity()) {
    regions.add({text(c.name), number(static_cast<unsigned long long>(c.code)),
                 number(static_cast<unsigned long long>(ledger::province_code(c.code))),
                 text(std::string(engine::to_string(c.industry))), number(static_cast<long long>(c.initial)),
                 number(static_cast<long long>(c.capacity)), optional_number(c.cap),
                 optional_number(room(c.cap, c.capacity))});
  }
  Table provinces;
  provinces.columns = {"province", "code", "industry", "regions", "configured_t", "capacity_t", "cap_t", "room_t"};
  for (const ledger::ProvinceCapacity& p : r.province_capacity()) {
    provinces.add({text(p.name), number(static_cast<unsigned long long>(p.code)),
                   text(std::string(engine::to_string(p.industry))), number(static_cast<unsigned long long>(p.regions)),
                   number(static_cast<long long>(p.initial)), number(static_cast<long long>(p.capacity)),
                   optional_number(p.cap), optional_number(room(p.cap, p.capacity))});
  }
  render({{"regions", regions}, {"provinces", provinces}}, o.format, out);
  return 0;
}

int query_daily(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  const auto day_of = [&](std::string_view name, ledger::Day fallback) {
    const auto v = flag(o, name);
    if (!v) return fallback;
    return ledger::local_day(reg.parse_time(name, *v), reg.meta().utc_offset_minutes);
  };
  const ledger::Day first = day_of("--from", ledger::Day(std::numeric_limits<std::int32_t>::min() / 2));
  const ledger::Day last = day_of("--to", ledger::Day(std::numeric_limits<std::int32_t>::max() / 2));
  std::optional<engine::InstrumentId> instrument;
  if (const auto i = flag(o, "--instrument")) instrument = engine::InstrumentId(reg.instrument("--instrument", *i));
  Table t;
  t.columns = {"day", "instrument", "trades", "volume_t", "value_yuan", "open", "high", "low", "close_vwap"};
  for (const ledger::DailyStats& d : r.daily_stats(first, last, instrument)) {
    t.add({text(date_text(d.day)), text(reg.instrument_code(d.instrument)), number(static_cast<unsigned long long>(d.trades)),
           number(static_cast<long long>(d.volume.v)), money128(d.value), money(d.open.v),
           money(d.high.v), money(d.low.v), money(d.close.v)});
  }
  render(t, o.format, out);
  return 0;
}

// "-1.23": `change` against `base` in percent, two decimals, half away from zero.
Cell percent(std::int64_t change, std::int64_t base) {
  const ledger::Int128 scaled = ledger::Int128{change} * 20'000 / base;  // hundredths of a percent, x 2
  const ledger::Int128 hundredths = (scaled + (scaled < 0 ? -1 : 1)) / 2;
  const ledger::Int128 a = hundredths < 0 ? -hundredths : hundredths;
  const auto whole = static_cast<long long>(a / 100);
  const auto frac = static_cast<int>(a % 100);
  return Cell{std::string(hundredths < 0 ? "-" : "") + std::to_string(whole) + "." + two(frac), true};
}

// The daily market report of one day, as a carbon market's: per instrument the day's prices, the change
// against the previous close (the close of the instrument's last earlier day with trades), the day's
// trades, volume and value, and the totals since the ledger began; then the market's totals.
int query_report(const Reader& r, const Registry& reg, const Options& o, std::ostream& out, std::ostream& err) {
  const std::vector<ledger::DailyStats> all =
      r.daily_stats(ledger::Day(std::numeric_limits<std::int32_t>::min() / 2),
                    ledger::Day(std::numeric_limits<std::int32_t>::max() / 2));
  ledger::Day day{};
  if (o.positional.size() == 2) {
    const std::optional<engine::Date> date = date_argument(o.positional[1]);
    if (!date || !on_calendar(*date)) {
      throw CLI::ValidationError("DAY", "\"" + o.positional[1] + "\" is not a date: use YYYY-MM-DD");
    }
    day = ledger::to_day(*date);
  } else if (!all.empty()) {
    day = all.back().day;  // the last day with trades
  } else {
    err << "crix ledger report: " << o.positional[0] << " holds no trades yet: give the DAY to report\n";
    return 1;
  }
  Table t;
  t.columns = {"day",       "instrument", "open",         "high",     "low",       "close",
               "prev_close", "change",    "change_pct",   "trades",   "volume_t",  "value_yuan",
               "cum_trades", "cum_volume_t", "cum_value_yuan"};
  std::uint64_t day_trades = 0, cum_trades = 0;
  std::int64_t day_volume = 0, cum_volume = 0;
  ledger::Int128 day_value = 0, cum_value = 0;
  for (std::uint32_t i = 0; i < reg.instruments().size(); ++i) {
    std::optional<ledger::DailyStats> today;
    std::optional<engine::Price> previous;
    std::uint64_t trades = 0;
    std::int64_t volume = 0;
    ledger::Int128 value = 0;
    for (const ledger::DailyStats& d : all) {
      if (d.instrument.v != i || d.day > day) continue;
      if (d.day == day) today = d;
      if (d.day < day) previous = d.close;
      trades += d.trades;
      volume += d.volume.v;
      value += d.value;
    }
    std::vector<Cell> row = {text(date_text(day)), text(reg.instruments()[i].code)};
    if (today) {
      for (const engine::Price p : {today->open, today->high, today->low, today->close}) row.push_back(money(p.v));
    } else {
      row.insert(row.end(), 4, none());
    }
    row.push_back(previous ? money(previous->v) : none());
    if (today && previous) {
      row.push_back(money(today->close.v - previous->v));
      row.push_back(percent(today->close.v - previous->v, previous->v));
    } else {
      row.insert(row.end(), 2, none());
    }
    row.push_back(number(static_cast<unsigned long long>(today ? today->trades : 0)));
    row.push_back(number(static_cast<long long>(today ? today->volume.v : 0)));
    row.push_back(money128(today ? today->value : 0));
    row.push_back(number(static_cast<unsigned long long>(trades)));
    row.push_back(number(static_cast<long long>(volume)));
    row.push_back(money128(value));
    t.add(std::move(row));
    day_trades += today ? today->trades : 0;
    day_volume += today ? today->volume.v : 0;
    day_value += today ? today->value : 0;
    cum_trades += trades;
    cum_volume += volume;
    cum_value += value;
  }
  std::vector<Cell> total = {text(date_text(day)), text("total")};
  total.insert(total.end(), 7, none());
  total.insert(total.end(), {number(static_cast<unsigned long long>(day_trades)), number(static_cast<long long>(day_volume)),
                             money128(day_value), number(static_cast<unsigned long long>(cum_trades)),
                             number(static_cast<long long>(cum_volume)), money128(cum_value)});
  t.add(std::move(total));
  if (o.format == TableFormat::kText) {
    out << "market report of " << date_text(day) << " (close: the day's volume-weighted average price, rounded "
        << "to the tick; change against the previous close; cum_: since the ledger began)\n";
  }
  render(t, o.format, out);
  return 0;
}

// `crix ledger backup LEDGER DEST`: a consistent, compacted copy of a live ledger.
int command_backup(const Options& o, std::ostream& out) {
  const Reader reader(o.positional[0]);
  reader.backup(o.positional[1]);
  // Not opened here: a copy for read-only media is read without a lock file, and so stays without one.
  out << o.positional[0] << " copied to " << o.positional[1] << "; check it with crix verify " << o.positional[1]
      << "\n";
  return 0;
}

// An option of a query that takes a value.
struct Flag {
  std::string name;
  std::string type;  // what the help shows after the name
  std::string help;
};

// An argument of a query after LEDGER.
struct Positional {
  std::string name;
  std::string help;
  bool required = true;
};

struct Query {
  std::string name;
  std::string help;
  std::vector<Positional> positionals;
  std::vector<Flag> flags;
};

const std::vector<Query>& queries() {
  const Flag after{"--after", "TRADE", "list after this trade id: the next page"};
  const Flag limit{"--limit", "N", "at most N rows (text: 1000 by default; CSV and JSON: all)"};
  const Flag facility{"--facility", "ID", "one facility's"};
  const Flag region{"--region", "CODE", "one region's (its code)"};
  const Flag from{"--from", "TIME", "from this local time: YYYY-MM-DD or YYYY-MM-DDTHH:MM"};
  const Flag to{"--to", "TIME", "up to this local time, inclusive: a date alone takes in that whole day"};
  static const std::vector<Query> kQueries = {
      {"summary", "counts, last seq and chain head", {}, {}},
      {"trades",
       "trades (and revocations) in id order, all or by one index or a time range",
       {},
       {{"--participant", "ID", "one participant's (seller or buyer)"},
        facility,
        {"--project", "ID", "one project's"},
        region,
        {"--industry", "NAME", "one industry's: " + comma_list(industry_names())},
        from,
        to,
        after,
        limit}},
      {"facility", "one facility's state, trades and elimination entries", {{"ID", "the facility"}}, {after, limit}},
      {"project", "one project's need, credited capacity, remaining need and trades", {{"ID", "the project"}}, {}},
      {"elimination",
       "the elimination list (淘汰名单) with its public fields",
       {},
       {{"--status", "S", "only entries in this status: " + comma_list(elimination_status_names())}, region, facility,
        after, limit}},
      {"regions", "each region's and each province's capacity per industry against its cap", {}, {}},
      {"daily",
       "daily statistics per instrument (close = VWAP)",
       {},
       {{"--from", "DATE", "from this local day: YYYY-MM-DD"}, {"--to", "DATE", "up to this local day, inclusive"},
        {"--instrument", "CODE", "one instrument's"}}},
      {"report",
       "the daily market report",
       {{"DAY", "the day, YYYY-MM-DD (default: the last day with trades)", false}},
       {}},
      {"backup", "a consistent, compacted copy of a live ledger", {{"DEST", "the copy: a new file"}}, {}},
  };
  return kQueries;
}

int run_query(const Query& q, const Options& o, std::ostream& out, std::ostream& err) {
  if (q.name == "backup") return command_backup(o, out);
  const Reader reader(o.positional[0]);
  const Registry reg(reader);
  if (q.name == "summary") return query_summary(reader, o, out);
  if (q.name == "trades") return query_trades(reader, reg, o, out, err);
  if (q.name == "facility") return query_facility(reader, reg, o, out);
  if (q.name == "project") return query_project(reader, reg, o, out);
  if (q.name == "elimination") return query_elimination(reader, reg, o, out, err);
  if (q.name == "regions") return query_regions(reader, o, out);
  if (q.name == "report") return query_report(reader, reg, o, out, err);
  return query_daily(reader, reg, o, out);
}

int verify_ledger(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    const ledger::VerifyReport report = ledger::verify(path);
    if (!report.ok()) {
      err << "crix verify: " << path << ": " << report.problem->what << "\n";
      if (report.problem->trade.v != 0) err << "first bad record: trade " << report.problem->trade.v << "\n";
      return 1;
    }
    out << path << ": sound: " << report.trades << " trades chained, head " << ledger::to_hex(report.chain_head)
        << "; " << report.journal << " commands journaled; " << report.elimination << " elimination entries\n";
    return 0;
  } catch (const ledger::Error& e) {
    err << "crix verify: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

void add_ledger_commands(CLI::App& crix, std::ostream& out, std::ostream& err) {
  CLI::App& group = *crix.add_subcommand(
      "ledger", "regulator queries, read-only, on a live or copied ledger; and backup, a consistent copy of a live one");
  group.require_subcommand(1);
  group.footer("Times are the exchange's local time with its offset. Text shows one page of 1000 rows; CSV and JSON "
               "export the whole list. Exit codes: 0 done, 1 the ledger could not be read, 2 bad arguments.");
  for (const Query& q : queries()) {
    CLI::App& sub = *group.add_subcommand(q.name, q.help);
    // What was typed, by argument name; the action reads what was given.
    auto typed = std::make_shared<std::map<std::string, std::string>>();
    auto format = std::make_shared<TableFormat>(TableFormat::kText);
    sub.add_option("LEDGER", (*typed)["LEDGER"], "the ledger's path")->required()->type_name("");
    for (const Positional& p : q.positionals) sub.add_option(p.name, (*typed)[p.name], p.help)->required(p.required)->type_name("");
    for (const Flag& f : q.flags) {
      CLI::Option* option = sub.add_option(f.name, (*typed)[f.name], f.help)->type_name(f.type);
      if (f.name == "--after" || f.name == "--limit") option->check(whole(1));
      if (f.name == "--industry") option->check(one_of(industry_names()));
      if (f.name == "--status") option->check(one_of(elimination_status_names()));
    }
    CLI::Option* json = sub.add_flag_callback("--json", [format] { *format = TableFormat::kJson; }, "JSON for machines");
    sub.add_flag_callback("--csv", [format] { *format = TableFormat::kCsv; }, "CSV for machines")->excludes(json);
    on_run(sub, [&sub, &q, typed, format, &out, &err] {
      Options o;
      o.format = *format;
      o.positional.push_back((*typed)["LEDGER"]);
      for (const Positional& p : q.positionals) {
        if (sub.get_option(p.name)->count() > 0) o.positional.push_back((*typed)[p.name]);
      }
      for (const Flag& f : q.flags) {
        if (sub.get_option(f.name)->count() > 0) o.flags[f.name] = (*typed)[f.name];
      }
      try {
        return run_query(q, o, out, err);
      } catch (const ledger::Error& e) {
        err << "crix ledger: " << e.what() << "\n";
        return 1;
      }
    });
  }

  CLI::App& verify =
      *crix.add_subcommand("verify", "recompute the trade hash chain and the conservation totals; name the first bad record");
  verify.footer("Exit codes: 0 sound, 1 a problem found or the ledger could not be read, 2 bad arguments.");
  auto path = std::make_shared<std::string>();
  verify.add_option("LEDGER", *path, "the ledger's path")->required()->type_name("");
  on_run(verify, [path, &out, &err] { return verify_ledger(*path, out, err); });
}

}  // namespace crix::tools
