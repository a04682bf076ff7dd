#include "tools/ledger_cli.hpp"

#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/exchange.hpp"
#include "ledger/error.hpp"
#include "ledger/reader.hpp"
#include "ledger/verify.hpp"
#include "tools/cli_args.hpp"
#include "tools/table.hpp"

namespace crix::tools {

namespace {

using ledger::Reader;
using ledger::Trade;

constexpr int kUsage = kUsageExit;

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

  std::string time_text(engine::Timestamp ts) const {
    const std::int64_t local = ts.v + std::int64_t{meta_.utc_offset_minutes} * 60'000'000'000;
    const ledger::Day day = ledger::local_day(ts, meta_.utc_offset_minutes);
    const std::int64_t in_day = local - std::int64_t{day.v} * 86'400'000'000'000;
    const std::int64_t s = in_day / 1'000'000'000;
    const std::int64_t ms = in_day / 1'000'000 % 1000;
    std::string msec = std::to_string(ms);
    msec.insert(0, 3 - msec.size(), '0');
    return date_text(day) + " " + two(static_cast<int>(s / 3600)) + ":" + two(static_cast<int>(s / 60 % 60)) +
           ":" + two(static_cast<int>(s % 60)) + "." + msec;
  }

  // "2026-12-01" (start of that local day) or "2026-12-01T10:30" -> UTC ns.
  engine::Timestamp parse_time(std::string_view flag, std::string_view v) const {
    const auto bad = [&] {
      return BadArgument{std::string(flag) + " '" + std::string(v) +
                         "' is not a local time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"};
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
      throw BadArgument{std::string(flag) + " '" + std::string(v) + "' is not a date of the calendar"};
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
    throw BadArgument{std::string(flag) + " '" + std::string(id) + "' is no " + what + " of this ledger; valid: " +
                      join(valid)};
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

Table trade_table(const Registry& reg, const std::vector<Trade>& trades) {
  Table t;
  t.columns = {"trade", "kind", "time", "instrument", "seller", "facility", "buyer", "project", "price_yuan",
               "qty_t", "ratio", "credited_t", "seq", "hash"};
  for (const Trade& x : trades) {
    t.add({number(static_cast<unsigned long long>(x.id.v)),
           text(x.kind == ledger::TradeKind::kTrade ? "trade" : "revokes " + std::to_string(x.revokes.v)),
           text(reg.time_text(x.ts)), text(reg.instrument_code(x.instrument)), text(reg.participant_id(x.seller)),
           text(reg.facility_id(x.facility)), text(reg.participant_id(x.buyer)), text(reg.project_id(x.project)),
           money(x.price.v), number(static_cast<long long>(x.qty.v)), ratio(x.ratio_permille),
           number(static_cast<long long>(x.credited.v)), number(static_cast<unsigned long long>(x.seq.v)),
           text(ledger::to_hex(x.hash).substr(0, 16))});
  }
  return t;
}

struct Options {
  TableFormat format = TableFormat::kText;
  std::map<std::string, std::string, std::less<>> flags;  // --name value
  std::vector<std::string> positional;
};

// Splits the arguments; `allowed` lists the --flags (with a value) this query takes.
Options parse(std::span<char*> args, std::string_view query, const std::vector<std::string>& allowed) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--json") {
      o.format = TableFormat::kJson;
    } else if (a == "--csv") {
      o.format = TableFormat::kCsv;
    } else if (a.starts_with("--")) {
      if (std::find(allowed.begin(), allowed.end(), a) == allowed.end()) {
        std::string valid = "--json, --csv";
        for (const std::string& f : allowed) valid += ", " + f;
        throw BadArgument{"ledger " + std::string(query) + ": unknown option '" + std::string(a) + "'; valid: " + valid};
      }
      if (i + 1 >= args.size()) throw BadArgument{std::string(a) + " needs a value"};
      o.flags[std::string(a)] = args[++i];
    } else {
      o.positional.emplace_back(a);
    }
  }
  return o;
}

std::uint64_t parse_count(std::string_view flag, const std::string& v) {
  std::uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n == 0) {
    throw BadArgument{std::string(flag) + " '" + v + "' is not a whole number above 0"};
  }
  return n;
}

std::optional<std::string> flag(const Options& o, std::string_view name) {
  const auto it = o.flags.find(name);
  if (it == o.flags.end()) return std::nullopt;
  return it->second;
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

int query_trades(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  ledger::Page page;
  if (const auto v = flag(o, "--limit")) page.limit = parse_count("--limit", *v);
  if (const auto v = flag(o, "--after")) page.after = engine::TradeId(parse_count("--after", *v));
  const std::vector<std::string> selectors = {"--participant", "--facility", "--project", "--region", "--industry"};
  int chosen = 0;
  for (const std::string& s : selectors) chosen += flag(o, s) ? 1 : 0;
  const bool range = flag(o, "--from") || flag(o, "--to");
  if (chosen + (range ? 1 : 0) > 1) {
    throw BadArgument{"ledger trades: choose one of --participant, --facility, --project, --region, --industry, "
                      "or a time range --from/--to"};
  }
  std::vector<Trade> trades;
  if (const auto v = flag(o, "--participant")) {
    trades = r.trades_by_participant(engine::ParticipantId(reg.participant("--participant", *v)), page);
  } else if (const auto f = flag(o, "--facility")) {
    trades = r.trades_by_facility(ledger::FacilityIndex(reg.facility("--facility", *f)), page);
  } else if (const auto p = flag(o, "--project")) {
    trades = r.trades_by_project(ledger::ProjectIndex(reg.project("--project", *p)), page);
  } else if (const auto g = flag(o, "--region")) {
    trades = r.trades_by_region(ledger::RegionIndex(reg.region("--region", *g)), page);
  } else if (const auto i = flag(o, "--industry")) {
    static constexpr engine::Industry kAll[] = {engine::Industry::kSteel, engine::Industry::kCement,
                                                engine::Industry::kGlass, engine::Industry::kAluminium};
    static constexpr std::string_view kNames[] = {"steel", "cement", "glass", "aluminium"};
    std::optional<engine::Industry> industry;
    for (std::size_t k = 0; k < 4; ++k) {
      if (*i == kNames[k]) industry = kAll[k];
    }
    if (!industry) throw BadArgument{"--industry '" + *i + "' is not an industry; valid: steel, cement, glass, aluminium"};
    trades = r.trades_by_industry(*industry, page);
  } else if (range) {
    const engine::Timestamp from = flag(o, "--from") ? reg.parse_time("--from", *flag(o, "--from")) : engine::Timestamp(0);
    // --to is inclusive like daily's: a date alone takes in that whole day.
    engine::Timestamp to(std::numeric_limits<std::int64_t>::max());
    if (const auto until = flag(o, "--to")) {
      to = reg.parse_time("--to", *until);
      if (until->size() == 10) to = engine::Timestamp(to.v + 86'400'000'000'000);
    }
    trades = r.trades_between(from, to, page);
  } else {
    trades = r.trades(page);
  }
  render(trade_table(reg, trades), o.format, out);
  return 0;
}

int query_facility(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  if (o.positional.size() != 2) throw BadArgument{"ledger facility: expected LEDGER ID"};
  const std::uint32_t f = reg.facility("facility", o.positional[1]);
  ledger::Page page{engine::TradeId{}, std::numeric_limits<std::size_t>::max()};  // all of it, by default
  if (const auto v = flag(o, "--limit")) page.limit = parse_count("--limit", *v);
  if (const auto v = flag(o, "--after")) page.after = engine::TradeId(parse_count("--after", *v));
  const std::optional<ledger::FacilityHistory> h = r.facility_history(ledger::FacilityIndex(f), page);
  if (!h) throw BadArgument{"facility " + o.positional[1] + " has no history in this ledger"};
  Table state;
  state.columns = {"facility", "owner", "region", "industry", "status", "capacity_t", "sold_t", "unsold_t"};
  state.add({text(h->facility.id), text(reg.participant_id(h->facility.owner)), text(reg.region_name(h->facility.region)),
             text(std::string(engine::to_string(h->facility.industry))), text(std::string(ledger::to_string(h->facility.status))),
             number(static_cast<long long>(h->facility.capacity.v)), number(static_cast<long long>(h->facility.sold.v)),
             number(static_cast<long long>(h->facility.unsold().v))});
  Table entries;
  entries.columns = {"trade", "revision", "status", "written_by", "project", "qty_t", "retired", "publicity_end",
                     "dismantle_by", "time"};
  for (const ledger::EliminationEntry& e : h->entries) {
    entries.add({number(static_cast<unsigned long long>(e.trade.v)), number(static_cast<unsigned long long>(e.revision)),
                 text(std::string(engine::to_string(e.status))), number(static_cast<unsigned long long>(e.by.v)),
                 text(reg.project_id(e.project)), number(static_cast<long long>(e.qty.v)), text(date_text(e.retired)),
                 text(date_text(e.publicity_end)), text(date_text(e.dismantle_by)), text(reg.time_text(e.ts))});
  }
  render({{"facility", state}, {"trades", trade_table(reg, h->trades)}, {"elimination entries", entries}}, o.format, out);
  return 0;
}

int query_project(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  if (o.positional.size() != 2) throw BadArgument{"ledger project: expected LEDGER ID"};
  const std::uint32_t p = reg.project("project", o.positional[1]);
  const std::optional<ledger::ProjectProgress> g = r.project_progress(ledger::ProjectIndex(p));
  if (!g) throw BadArgument{"project " + o.positional[1] + " has no record in this ledger"};
  Table state;
  state.columns = {"project", "owner", "region", "industry", "need_t", "credited_t", "remaining_t", "trades"};
  state.add({text(g->project.id), text(reg.participant_id(g->project.owner)), text(reg.region_name(g->project.region)),
             text(std::string(engine::to_string(g->project.industry))), number(static_cast<long long>(g->project.need.v)),
             number(static_cast<long long>(g->project.credited.v)), number(static_cast<long long>(g->remaining.v)),
             number(static_cast<unsigned long long>(g->trades))});
  ledger::Page page;
  page.limit = 1'000'000;
  render({{"project", state}, {"trades", trade_table(reg, r.trades_by_project(ledger::ProjectIndex(p), page))}},
         o.format, out);
  return 0;
}

int query_elimination(const Reader& r, const Registry& reg, const Options& o, std::ostream& out) {
  ledger::EliminationFilter filter;
  if (const auto f = flag(o, "--facility")) filter.facility = ledger::FacilityIndex(reg.facility("--facility", *f));
  if (const auto g = flag(o, "--region")) filter.region = ledger::RegionIndex(reg.region("--region", *g));
  if (const auto s = flag(o, "--status")) {
    static constexpr ledger::EliminationStatus kAll[] = {
        ledger::EliminationStatus::kPublicised, ledger::EliminationStatus::kConfirmed, ledger::EliminationStatus::kShut,
        ledger::EliminationStatus::kDismantled, ledger::EliminationStatus::kRevoked};
    std::vector<std::string> valid;
    for (const auto st : kAll) {
      valid.emplace_back(engine::to_string(st));
      if (*s == engine::to_string(st)) filter.status = st;
    }
    if (!filter.status) throw BadArgument{"--status '" + *s + "' is not a status; valid: " + join(valid)};
  }
  Table t;
  t.columns = {"province",     "enterprise",      "enterprise_id", "facility",     "equipment",
               "inventory_ref", "capacity_retired_t", "trade",       "buyer_project", "filing_ref",
               "retired",      "publicity_end",   "dismantle_by",  "status",       "status_since"};
  for (const ledger::EliminationItem& e : r.elimination_list(filter)) {
    t.add({text(e.region_name), text(e.owner_name), text(e.owner_id), text(e.facility_id), text(e.equipment),
           text(e.inventory_ref), number(static_cast<long long>(e.entry.qty.v)),
           number(static_cast<unsigned long long>(e.entry.trade.v)), text(e.project_id), text(e.project_approval_ref),
           text(date_text(e.entry.retired)), text(date_text(e.entry.publicity_end)), text(date_text(e.entry.dismantle_by)),
           text(std::string(engine::to_string(e.status))), text(reg.time_text(e.status_since))});
  }
  render(t, o.format, out);
  return 0;
}

int query_regions(const Reader& r, const Options& o, std::ostream& out) {
  Table t;
  t.columns = {"region", "code", "industry", "configured_t", "capacity_t", "cap_t", "room_t"};
  for (const ledger::RegionCapacity& c : r.region_capacity()) {
    t.add({text(c.name), number(static_cast<unsigned long long>(c.code)), text(std::string(engine::to_string(c.industry))),
           number(static_cast<long long>(c.initial)), number(static_cast<long long>(c.capacity)),
           c.cap ? number(static_cast<long long>(*c.cap)) : text(""),
           c.cap ? number(static_cast<long long>(*c.cap - c.capacity)) : text("")});
  }
  render(t, o.format, out);
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

struct Query {
  std::string_view name;
  std::vector<std::string> flags;
  std::string_view help;
};

const std::vector<Query>& queries() {
  static const std::vector<Query> kQueries = {
      {"summary", {}, "counts, last seq and chain head"},
      {"trades", {"--participant", "--facility", "--project", "--region", "--industry", "--from", "--to", "--after", "--limit"},
       "trades (and revocations) in id order, all or by one index or a time range"},
      {"facility", {"--after", "--limit"}, "ID: one facility's state, trades and elimination entries"},
      {"project", {}, "ID: one project's need, credited capacity, remaining need and trades"},
      {"elimination", {"--status", "--region", "--facility"}, "the elimination list (淘汰名单) with its public fields"},
      {"regions", {}, "each region's capacity per industry against its cap"},
      {"daily", {"--from", "--to", "--instrument"}, "daily statistics per instrument (close = VWAP)"},
  };
  return kQueries;
}

}  // namespace

int run_ledger_command(std::span<char*> args, std::ostream& out, std::ostream& err) {
  std::string valid;
  for (const Query& q : queries()) valid += (valid.empty() ? "" : ", ") + std::string(q.name);
  if (args.empty()) {
    err << "crix ledger: expected a query (" << valid << ") and the ledger's path\n";
    return kUsage;
  }
  const std::string_view name = args[0];
  const auto q = std::find_if(queries().begin(), queries().end(), [&](const Query& x) { return x.name == name; });
  if (q == queries().end()) {
    err << "crix ledger: unknown query '" << name << "'; valid: " << valid << "\n";
    for (const Query& x : queries()) err << "  " << x.name << ": " << x.help << "\n";
    return kUsage;
  }
  try {
    const Options o = parse(args.subspan(1), name, q->flags);
    if (o.positional.empty()) throw BadArgument{"ledger " + std::string(name) + ": expected the ledger's path"};
    const Reader reader(o.positional[0]);
    const Registry reg(reader);
    if (name != "facility" && name != "project" && o.positional.size() > 1) {
      throw BadArgument{"ledger " + std::string(name) + ": unexpected argument '" + o.positional[1] + "'"};
    }
    if (name == "summary") return query_summary(reader, o, out);
    if (name == "trades") return query_trades(reader, reg, o, out);
    if (name == "facility") return query_facility(reader, reg, o, out);
    if (name == "project") return query_project(reader, reg, o, out);
    if (name == "elimination") return query_elimination(reader, reg, o, out);
    if (name == "regions") return query_regions(reader, o, out);
    return query_daily(reader, reg, o, out);
  } catch (const BadArgument& e) {
    err << "crix ledger: " << e.what << "\n";
    return kUsage;
  } catch (const ledger::Error& e) {
    err << "crix ledger: " << e.what() << "\n";
    return 1;
  }
}

int run_verify_command(std::span<char*> args, std::ostream& out, std::ostream& err) {
  if (args.size() != 1) {
    err << "crix verify: expected the ledger's path (crix verify LEDGER)\n";
    return kUsage;
  }
  try {
    const ledger::VerifyReport report = ledger::verify(std::string(args[0]));
    if (!report.ok()) {
      err << "crix verify: " << args[0] << ": " << report.problem->what << "\n";
      if (report.problem->trade.v != 0) err << "first bad record: trade " << report.problem->trade.v << "\n";
      return 1;
    }
    out << args[0] << ": sound: " << report.trades << " trades chained, head " << ledger::to_hex(report.chain_head)
        << "; " << report.journal << " commands journaled; " << report.elimination << " elimination entries\n";
    return 0;
  } catch (const ledger::Error& e) {
    err << "crix verify: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace crix::tools
