#include "tools/ledger_cli.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/exchange.hpp"
#include "ledger/error.hpp"
#include "config/market_config.hpp"
#include "ledger/date_text.hpp"
#include "ledger/reader.hpp"
#include "ledger/settlement.hpp"
#include "ledger/verify.hpp"
#include "tools/cli.hpp"
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

// The ledger's registry (ledger::Names, which names the rows' ids), with the checks of the command's
// arguments against it.
class Registry {
 public:
  explicit Registry(const Reader& r) : names_(r) {}

  const ledger::Names& names() const { return names_; }
  const ledger::Meta& meta() const { return names_.meta(); }

  // "2026-12-01" or "2026-12-01T10:30" -> the day or minute it names, in UTC ns (ledger::local_span, as
  // the console reads its from/to).
  ledger::LocalSpan parse_span(std::string_view flag, std::string_view v) const {
    const ledger::LocalSpanText t = ledger::local_span(v, meta().utc_offset_minutes);
    if (!t.span) throw CLI::ValidationError(std::string(flag), "\"" + std::string(v) + "\" " + t.problem);
    return *t.span;
  }
  engine::Timestamp parse_time(std::string_view flag, std::string_view v) const { return parse_span(flag, v).first; }

  std::uint32_t participant(std::string_view flag, std::string_view id) const {
    return index(names_.participant(id), names_.participants(), [](const auto& p) { return p.id; }, flag, id,
                 "participant");
  }
  std::uint32_t facility(std::string_view flag, std::string_view id) const {
    return index(names_.facility(id), names_.facilities(), [](const auto& f) { return f.id; }, flag, id, "facility");
  }
  std::uint32_t project(std::string_view flag, std::string_view id) const {
    return index(names_.project(id), names_.projects(), [](const auto& p) { return p.id; }, flag, id, "project");
  }
  std::uint32_t instrument(std::string_view flag, std::string_view code) const {
    return index(names_.instrument(code), names_.instruments(), [](const auto& i) { return i.code; }, flag, code,
                 "instrument");
  }
  std::uint32_t region(std::string_view flag, std::string_view code) const {
    return index(names_.region(code), names_.regions(), [](const auto& r) { return std::to_string(r.code); }, flag,
                 code, "region code");
  }

 private:
  // `found`, or a usage error that lists the valid ids.
  template <class List, class Id>
  static std::uint32_t index(std::optional<std::uint32_t> found, const List& list, Id id_of, std::string_view flag,
                             std::string_view id, const char* what) {
    if (found) return *found;
    std::vector<std::string> valid;
    for (const auto& item : list) valid.push_back(id_of(item));
    throw CLI::ValidationError(std::string(flag),
                               "\"" + std::string(id) + "\" is no " + what + " of this ledger; valid: " + join(valid));
  }

  ledger::Names names_;
};

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
      err << "crix ledger " << query << ": showing " << shown << (shown == 1 ? " row; " : " rows; ") << more
          << " more: add --after " << after.v << " for the next page, or --csv or --json without --limit for all\n";
    }
  }
  return 0;
}

int query_summary(const Reader& r, const Options& o, std::ostream& out) {
  const ledger::Summary s = r.summary();
  ledger::Table t;
  t.columns = {"key", "value"};
  t.add({ledger::text_cell("schema"), ledger::number_cell(static_cast<unsigned long long>(s.meta.schema))});
  t.add({ledger::text_cell("trades"), ledger::number_cell(static_cast<unsigned long long>(s.meta.trade_count))});
  t.add({ledger::text_cell("revocations"), ledger::number_cell(static_cast<unsigned long long>(s.meta.revocations))});
  t.add({ledger::text_cell("journaled commands"), ledger::number_cell(static_cast<unsigned long long>(s.journal))});
  t.add({ledger::text_cell("last seq"), ledger::number_cell(static_cast<unsigned long long>(s.meta.last_seq.v))});
  t.add({ledger::text_cell("commits"), ledger::number_cell(static_cast<unsigned long long>(s.meta.commits))});
  t.add({ledger::text_cell("elimination entries"), ledger::number_cell(static_cast<unsigned long long>(s.elimination))});
  t.add({ledger::text_cell("chain head"), ledger::text_cell(ledger::to_hex(s.meta.chain_head))});
  render(t, o.format, out);
  return 0;
}

constexpr ledger::EliminationStatus kEliminationStatuses[] = {
    ledger::EliminationStatus::kPublicised, ledger::EliminationStatus::kConfirmed, ledger::EliminationStatus::kShut,
    ledger::EliminationStatus::kDismantled, ledger::EliminationStatus::kRevoked};

// The market file's keys, then the names the queries print (crix ledger regions: "cement clinker"):
// --industry takes either, as the console's industry= does (engine::industry_named).
std::vector<std::string> industry_names() {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < engine::kIndustries; ++k) names.emplace_back(engine::industry_key(static_cast<engine::Industry>(k)));
  for (std::size_t k = 0; k < engine::kIndustries; ++k) {
    const std::string printed(engine::to_string(static_cast<engine::Industry>(k)));
    if (std::find(names.begin(), names.end(), printed) == names.end()) names.push_back(printed);
  }
  return names;
}

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
    // A name industry_named takes: checked when it was parsed.
    listed = {ledger::TradeIndex::kIndustry, static_cast<std::uint32_t>(*engine::industry_named(*i))};
  }
  const engine::Timestamp from = flag(o, "--from") ? reg.parse_time("--from", *flag(o, "--from")) : engine::Timestamp(0);
  // --to is inclusive like daily's: a date takes in that whole day, a minute that whole minute.
  engine::Timestamp to(std::numeric_limits<std::int64_t>::max());
  if (const auto until = flag(o, "--to")) to = reg.parse_span("--to", *until).end;
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
      "trades", o, ledger::trade_columns(), fetch, [&](const Trade& t) { return ledger::trade_row(reg.names(), t); },
      [](const Trade& t) { return t.id; }, left, out, err);
}

// A facility's history and a project's progress: all its trades by default (scripts read them whole),
// or a page of them with --after and --limit; a cut page says on stderr how many trades are left and
// how to get them, as the lists do.
void say_more(const Reader& r, std::string_view query, ledger::TradeIndex index, std::uint32_t key,
              const std::vector<Trade>& trades, const ledger::Page& page, std::ostream& err) {
  if (trades.empty() || trades.size() < page.limit) return;
  const engine::TradeId last = trades.back().id;
  if (const std::uint64_t more = r.count_listed(index, key, last); more > 0) {
    err << "crix ledger " << query << ": showing " << trades.size() << (trades.size() == 1 ? " trade; " : " trades; ") << more
        << " more: add --after " << last.v << " for the next page, or leave out --limit for all\n";
  }
}

ledger::Page trades_page(const Options& o) {
  ledger::Page page{engine::TradeId{}, std::numeric_limits<std::size_t>::max()};  // all of it, by default
  if (const auto v = count_flag(o, "--limit")) page.limit = static_cast<std::size_t>(*v);
  if (const auto v = count_flag(o, "--after")) page.after = engine::TradeId(*v);
  return page;
}

int query_facility(const Reader& r, const Registry& reg, const Options& o, std::ostream& out, std::ostream& err) {
  const std::uint32_t f = reg.facility("ID", o.positional[1]);
  const ledger::Page page = trades_page(o);
  const std::optional<ledger::FacilityHistory> h = r.facility_history(ledger::FacilityIndex(f), page);
  if (!h) throw CLI::ValidationError("ID", "\"" + o.positional[1] + "\" has no history in this ledger");
  render(ledger::facility_sections(reg.names(), *h), o.format, out);
  say_more(r, "facility", ledger::TradeIndex::kFacility, f, h->trades, page, err);
  return 0;
}

int query_project(const Reader& r, const Registry& reg, const Options& o, std::ostream& out, std::ostream& err) {
  const std::uint32_t p = reg.project("ID", o.positional[1]);
  const std::optional<ledger::ProjectProgress> g = r.project_progress(ledger::ProjectIndex(p));
  if (!g) throw CLI::ValidationError("ID", "\"" + o.positional[1] + "\" has no record in this ledger");
  const ledger::Page page = trades_page(o);
  const std::vector<Trade> trades = r.trades_by_project(ledger::ProjectIndex(p), page);
  render(ledger::project_sections(reg.names(), *g, trades), o.format, out);
  say_more(r, "project", ledger::TradeIndex::kProject, p, trades, page, err);
  return 0;
}

int query_elimination(const Reader& r, const Registry& reg, const Options& o, std::ostream& out,
                      std::ostream& err) {
  ledger::EliminationFilter filter;
  if (const auto f = flag(o, "--facility")) filter.facility = ledger::FacilityIndex(reg.facility("--facility", *f));
  if (const auto g = flag(o, "--region")) filter.region = ledger::RegionIndex(reg.region("--region", *g));
  // A name industry_named takes: checked when it was parsed.
  if (const auto i = flag(o, "--industry")) filter.industry = *engine::industry_named(*i);
  if (const auto s = flag(o, "--status")) {
    // One of elimination_statuses(): checked when it was parsed.
    for (const auto st : kEliminationStatuses) {
      if (*s == engine::to_string(st)) filter.status = st;
    }
  }
  return list_paged(
      "elimination", o, ledger::elimination_columns(),
      [&](const ledger::Page& page) { return r.elimination_list(filter, page); },
      [&](const ledger::EliminationItem& e) { return ledger::elimination_row(reg.names(), e); },
      [](const ledger::EliminationItem& e) { return e.entry.trade; },
      [&](engine::TradeId after) { return r.count_elimination(filter, after); }, out, err);
}

int query_regions(const Reader& r, const Options& o, std::ostream& out) {
  render(ledger::regions_sections(r), o.format, out);
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
  render(ledger::daily_table(reg.names(), r.daily_stats(first, last, instrument)), o.format, out);
  return 0;
}

// The daily market report of one day (ledger::report_table): DAY, or the last day with trades.
int query_report(const Reader& r, const Registry& reg, const Options& o, std::ostream& out, std::ostream& err) {
  const std::vector<ledger::DailyStats> all =
      r.daily_stats(ledger::Day(std::numeric_limits<std::int32_t>::min() / 2),
                    ledger::Day(std::numeric_limits<std::int32_t>::max() / 2));
  ledger::Day day{};
  if (o.positional.size() == 2) {
    const std::optional<engine::Date> date = ledger::date_argument(o.positional[1]);
    if (!date || !ledger::on_calendar(*date)) {
      throw CLI::ValidationError("DAY", "\"" + o.positional[1] + "\" is not a date: use YYYY-MM-DD");
    }
    day = ledger::to_day(*date);
  } else if (!all.empty()) {
    day = all.back().day;  // the last day with trades
  } else {
    err << "crix ledger report: " << o.positional[0] << " holds no trades yet: give the DAY to report\n";
    return 1;
  }
  if (o.format == TableFormat::kText) {
    out << "market report of " << ledger::date_text(day) << " (close: the day's volume-weighted average price, rounded "
        << "to the tick; change against the previous close; cum_: since the ledger began)\n";
  }
  render(ledger::report_table(reg.names(), all, day), o.format, out);
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
  bool formats = true;  // prints a table: --json and --csv
};

const std::vector<Query>& queries() {
  const Flag after{"--after", "TRADE", "list after this trade id: the next page"};
  const Flag limit{"--limit", "N", "at most N rows (text: 1000 by default; CSV and JSON: all)"};
  const Flag trades_limit{"--limit", "N", "at most N of its trades (default: all)"};
  const Flag facility{"--facility", "ID", "one facility's"};
  const Flag region{"--region", "CODE", "one region's (its code)"};
  const Flag industry{"--industry", "NAME", "one industry's: " + comma_list(industry_names())};
  const Flag from{"--from", "TIME", "from this local time: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS"};
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
        industry,
        from,
        to,
        after,
        limit}},
      {"facility", "one facility's state, trades and elimination entries", {{"ID", "the facility"}}, {after, trades_limit}},
      {"project", "one project's need, credited capacity, remaining need and trades", {{"ID", "the project"}}, {after, trades_limit}},
      {"elimination",
       "the elimination list (淘汰名单), every field (the console's public view leaves out enterprise_id, inventory_ref and status_since)",
       {},
       {{"--status", "S", "only entries in this status: " + comma_list(elimination_status_names())}, region, facility,
        industry, after, limit}},
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
      {"backup", "a consistent, compacted copy of a live ledger", {{"DEST", "the copy: a new file"}}, {}, false},
  };
  return kQueries;
}

int run_query(const Query& q, const Options& o, std::ostream& out, std::ostream& err) {
  if (q.name == "backup") return command_backup(o, out);
  const Reader reader(o.positional[0]);
  const Registry reg(reader);
  if (q.name == "summary") return query_summary(reader, o, out);
  if (q.name == "trades") return query_trades(reader, reg, o, out, err);
  if (q.name == "facility") return query_facility(reader, reg, o, out, err);
  if (q.name == "project") return query_project(reader, reg, o, out, err);
  if (q.name == "elimination") return query_elimination(reader, reg, o, out, err);
  if (q.name == "regions") return query_regions(reader, o, out);
  if (q.name == "report") return query_report(reader, reg, o, out, err);
  return query_daily(reader, reg, o, out);
}

// What `crix verify` checks beyond ledger::verify: with a market file, the journal replayed as crixd's
// start replays it (ledger::recover), so that a damaged command is caught before crixd refuses it.
struct VerifyRequest {
  ledger::VerifyOptions options;
  std::string market;  // a market file, "" = no replay
};

int verify_here(const std::string& path, const VerifyRequest& request, std::ostream& out, std::ostream& err) {
  const ledger::VerifyOptions& options = request.options;
  try {
    const ledger::VerifyReport report = ledger::verify(path, options);
    if (!report.ok()) {
      err << "crix verify: " << path << ": " << report.problem->what << "\n";
      if (report.problem->trade.v != 0) err << "first bad record: trade " << report.problem->trade.v << "\n";
      return 1;
    }
    std::string replayed = "journal not replayed: give --market FILE (the market file crixd runs this ledger with) to "
                           "replay it as crixd's start does";
    if (!request.market.empty()) {
      const config::LoadResult loaded = config::load_market(request.market);
      if (!loaded.market) {
        for (const auto& e : loaded.errors) err << config::format(e) << "\n";
        err << "crix verify: --market: " << config::why_not_loaded(loaded, request.market) << "\n";
        return 1;
      }
      const Reader reader(path);
      const std::unique_ptr<engine::Exchange> exchange = ledger::exchange_for(reader, *loaded.market);
      const ledger::RecoveryReport replay = ledger::recover(reader, *exchange);
      if (!replay.ok()) {
        if (replay.damage) {
          err << "crix verify: " << path << ": " << *replay.damage << "\n";
        } else {
          err << "crix verify: " << path << ": replaying its journal with " << request.market
              << " does not reproduce its trades: " << *replay.mismatch << "\n";
          // The likely cause first: another market file than the one the ledger runs with.
          const std::optional<ledger::MarketSource> recorded = reader.market_file();
          if (recorded && recorded->sha256 != ledger::market_source(request.market).sha256) {
            err << "the ledger was last started with market file " << recorded->path << " (sha256 "
                << recorded->sha256.substr(0, 12) << "...), and " << request.market
                << " holds other content: if that is not the file crixd runs this ledger with, give --market "
                << recorded->path << "\n";
          }
          if (replay.at.v != 0) {
            err << "first bad record: journal seq " << replay.at.v << " (or a command before it that changed no "
                << "trade; or " << request.market << " is not the market this ledger was made with)\n";
          }
        }
        return 1;
      }
      replayed = "journal replayed with " + request.market + ": " + std::to_string(replay.commands) +
                 " commands reproduce the " + std::to_string(replay.trades) + " trades";
    }
    out << path << ": sound: " << report.trades << " trades chained, head " << ledger::to_hex(report.chain_head)
        << "; " << report.journal << " commands journaled; " << report.elimination << " elimination entries\n";
    if (report.anchor_trade) {
      out << "the anchor " << ledger::to_hex(*options.anchor) << " is trade " << *report.anchor_trade << "'s hash"
          << (*report.anchor_trade == report.trades ? " (the head)" : "") << "\n";
    }
    out << replayed << "\n";
    return 0;
  } catch (const ledger::Error& e) {
    err << "crix verify: " << e.what() << "\n";
    return 1;
  }
}

// Runs `work` in a child process and returns its exit code, with what it printed copied to out and err.
// On some damaged pages LMDB stops the process itself (an assertion in mdb.c aborts: a zeroed branch
// page gave SIGABRT, a damaged pointer SIGSEGV), and a damaged file must get a verdict, not a crash:
// `verb` ("crix verify", "crix ledger") then says the file is damaged, exit 1. A usage error the action
// throws (CLI::ValidationError) is thrown again here. The child sends its exit
// code and what it printed through a pipe: "<code> <out bytes>\n", then stdout's text, then stderr's.
// The child's code for a usage error its action threw (CLI::ValidationError): no exit code a verb returns.
constexpr int kUsageError = -2;

int in_child(const std::string& verb, const std::string& path,
             const std::function<int(std::ostream&, std::ostream&)>& work, std::ostream& out, std::ostream& err) {
  int fds[2];
  if (::pipe(fds) != 0) {
    err << verb << ": cannot create a pipe for the reading process: " << std::strerror(errno) << "\n";
    return 1;
  }
  out.flush();
  err.flush();
  const pid_t child = ::fork();
  if (child < 0) {
    err << verb << ": cannot start the reading process: " << std::strerror(errno) << "\n";
    ::close(fds[0]);
    ::close(fds[1]);
    return 1;
  }
  if (child == 0) {
    ::close(fds[0]);
    std::ostringstream o, e;
    int code = 1;
    try {
      code = work(o, e);
    } catch (const CLI::ValidationError& usage) {
      // An argument the action found wrong (a date, a code the ledger does not know): the parent
      // throws it again, so that it ends as every usage error does (exit 2, one line).
      o.str("");
      e.str(usage.what());
      code = kUsageError;
    } catch (const std::exception& failure) {
      e << verb << ": " << path << ": " << failure.what() << "\n";
      code = 1;
    }
    const std::string message = std::to_string(code) + " " + std::to_string(o.str().size()) + "\n" + o.str() + e.str();
    for (std::size_t done = 0; done < message.size();) {
      const ssize_t n = ::write(fds[1], message.data() + done, message.size() - done);
      if (n <= 0 && errno != EINTR) ::_exit(3);
      if (n > 0) done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n > 0) {
      message.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    err << verb << ": " << path << ": the file is damaged: reading it stopped LMDB (" << ::strsignal(WTERMSIG(status))
        << " in the reading process), so its pages do not link up as LMDB wrote them; restore the ledger from a "
           "copy (crix ledger backup makes one of a live ledger)\n";
    return 1;
  }
  std::istringstream head(message);
  int code = 1;
  std::size_t out_bytes = 0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !(head >> code >> out_bytes) || head.get() != '\n') {
    err << verb << ": " << path << ": the reading process failed without a verdict\n";
    return 1;
  }
  const std::size_t body = static_cast<std::size_t>(head.tellg());
  if (code == kUsageError) throw CLI::ValidationError(message.substr(std::min(message.size(), body + out_bytes)));
  out << message.substr(body, out_bytes);
  err << message.substr(std::min(message.size(), body + out_bytes));
  return code;
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
    if (q.formats) {
      CLI::Option* json = sub.add_flag_callback("--json", [format] { *format = TableFormat::kJson; }, "JSON for machines");
      sub.add_flag_callback("--csv", [format] { *format = TableFormat::kCsv; }, "CSV for machines")->excludes(json);
    }
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
      // In a child process: a damaged file must end in a clear error, never in LMDB's abort.
      return in_child("crix ledger", o.positional[0], [&q, &o](std::ostream& child_out, std::ostream& child_err) {
        try {
          return run_query(q, o, child_out, child_err);
        } catch (const ledger::Error& e) {
          child_err << "crix ledger: " << e.what() << "\n";
          return 1;
        }
      }, out, err);
    });
  }

  CLI::App& verify =
      *crix.add_subcommand("verify", "recompute the trade hash chain and the conservation totals; name the first bad record");
  verify.footer("Exit codes: 0 sound, 1 a problem found or the ledger could not be read, 2 bad arguments.");
  auto path = std::make_shared<std::string>();
  auto request = std::make_shared<VerifyRequest>();
  verify.add_option("LEDGER", *path, "the ledger's path")->required()->type_name("");
  verify
      .add_option_function<std::string>(
          "--head",
          [request](const std::string& text) {
            request->options.anchor = ledger::hash_from_hex(text);
            if (!request->options.anchor) throw CLI::ValidationError("--head", "\"" + text + "\" is not a chain head: 64 hex digits");
          },
          "a chain head kept elsewhere (crixd's start-up line, the console's status): sound only if a trade of "
          "the chain has it, which catches a ledger rolled back to an older commit")
      ->type_name("HASH");
  verify
      .add_option("--market", request->market,
                  "the market file crixd runs this ledger with: replay the journal as crixd's start does, so that a "
                  "damaged command is found here and not at the next start")
      ->type_name("FILE");
  on_run(verify, [path, request, &out, &err] {
    return in_child("crix verify", *path, [path, request](std::ostream& child_out, std::ostream& child_err) {
      return verify_here(*path, *request, child_out, child_err);
    }, out, err);
  });
}

}  // namespace crix::tools
