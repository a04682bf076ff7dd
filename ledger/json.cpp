#include "ledger/json.hpp"

#include <cstdio>
#include <limits>

#include "engine/money.hpp"

namespace crix::ledger {

Cell text_cell(std::string s) { return Cell{std::move(s), false}; }
Cell number_cell(long long v) { return Cell{std::to_string(v), true}; }
Cell number_cell(unsigned long long v) { return Cell{std::to_string(v), true}; }
Cell null_cell() { return Cell{"", false, true}; }

namespace {

std::string two(int v) {
  std::string s = std::to_string(v);
  if (v < 10) s.insert(s.begin(), '0');
  return s;
}

Cell num(std::int64_t v) { return number_cell(static_cast<long long>(v)); }
Cell unum(std::uint64_t v) { return number_cell(static_cast<unsigned long long>(v)); }

Cell money(std::int64_t fen) {
  std::string s = engine::yuan(fen);
  s.resize(s.size() - 5);  // " yuan": the column says the unit
  return Cell{s, true};
}

// A day's traded value: a sum of price x qty that can pass int64 (10^12 fen x 10^10 t per trade).
Cell money128(Int128 fen) {
  const bool negative = fen < 0;
  if (negative) fen = -fen;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(fen % 10)));
    fen /= 10;
  } while (fen != 0);
  if (digits.size() < 3) digits.insert(digits.begin(), 3 - digits.size(), '0');
  digits.insert(digits.end() - 2, '.');
  if (negative) digits.insert(digits.begin(), '-');
  return Cell{digits, true};
}

Cell ratio(std::uint32_t permille) {
  std::string s = std::to_string(permille / 1000) + ".";
  std::string frac = std::to_string(permille % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return Cell{s + frac, true};
}

// "-1.23": `change` against `base` in percent, two decimals, half away from zero.
Cell percent(std::int64_t change, std::int64_t base) {
  const Int128 scaled = Int128{change} * 20'000 / base;  // hundredths of a percent, x 2
  const Int128 hundredths = (scaled + (scaled < 0 ? -1 : 1)) / 2;
  const Int128 a = hundredths < 0 ? -hundredths : hundredths;
  const auto whole = static_cast<long long>(a / 100);
  const auto frac = static_cast<int>(a % 100);
  return Cell{std::string(hundredths < 0 ? "-" : "") + std::to_string(whole) + "." + two(frac), true};
}

Cell day_or_null(const std::optional<Day>& d) { return d ? text_cell(date_text(*d)) : null_cell(); }
// A text the market file may leave out (a facility's inventory_ref, a project's site and equipment):
// absent is null, as API.md promises, never "".
Cell text_or_null(const std::string& s) { return s.empty() ? null_cell() : text_cell(s); }

// The eligibility facts that stand against a sale (DOMAIN.md), by their configuration keys, or "none".
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

template <class List, class Field>
std::string name_of(const List& list, std::uint32_t i, Field field) {
  if (i < list.size()) return list[i].*field;
  std::string s = std::to_string(i);
  s.insert(s.begin(), '#');
  return s;
}

template <class List, class IdOf>
std::optional<std::uint32_t> find(const List& list, IdOf id_of, std::string_view id) {
  for (std::uint32_t i = 0; i < list.size(); ++i) {
    if (id_of(list[i]) == id) return i;
  }
  return std::nullopt;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string date_text(Day day) {
  const engine::Date d = to_date(day);
  return std::to_string(d.year) + "-" + two(d.month) + "-" + two(d.day);
}

std::string time_text(engine::Timestamp ts, std::int32_t utc_offset_minutes) {
  const std::int64_t local = ts.v + std::int64_t{utc_offset_minutes} * 60'000'000'000;
  const Day day = local_day(ts, utc_offset_minutes);
  const std::int64_t in_day = local - std::int64_t{day.v} * 86'400'000'000'000;
  const std::int64_t s = in_day / 1'000'000'000;
  const std::int64_t ms = in_day / 1'000'000 % 1000;
  std::string msec = std::to_string(ms);
  msec.insert(0, 3 - msec.size(), '0');
  const std::int32_t a = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  return date_text(day) + " " + two(static_cast<int>(s / 3600)) + ":" + two(static_cast<int>(s / 60 % 60)) + ":" +
         two(static_cast<int>(s % 60)) + "." + msec + (utc_offset_minutes < 0 ? "-" : "+") + two(a / 60) + ":" +
         two(a % 60);
}

Names::Names(const Reader& r)
    : meta_(r.meta()),
      participants_(r.participants()),
      instruments_(r.instruments()),
      regions_(r.regions()),
      facilities_(r.facilities()),
      projects_(r.projects()) {}

std::string Names::time_text(engine::Timestamp ts) const { return ledger::time_text(ts, meta_.utc_offset_minutes); }
std::string Names::participant_id(engine::ParticipantId p) const { return name_of(participants_, p.v, &ParticipantEntry::id); }
std::string Names::facility_id(FacilityIndex f) const { return name_of(facilities_, f.v, &FacilityState::id); }
std::string Names::project_id(ProjectIndex p) const { return name_of(projects_, p.v, &ProjectState::id); }
std::string Names::instrument_code(engine::InstrumentId i) const { return name_of(instruments_, i.v, &InstrumentEntry::code); }
std::string Names::region_name(RegionIndex r) const { return name_of(regions_, r.v, &RegionState::name); }

std::optional<std::uint32_t> Names::participant(std::string_view id) const {
  return find(participants_, [](const ParticipantEntry& p) { return p.id; }, id);
}
std::optional<std::uint32_t> Names::facility(std::string_view id) const {
  return find(facilities_, [](const FacilityState& f) { return f.id; }, id);
}
std::optional<std::uint32_t> Names::project(std::string_view id) const {
  return find(projects_, [](const ProjectState& p) { return p.id; }, id);
}
std::optional<std::uint32_t> Names::instrument(std::string_view code) const {
  return find(instruments_, [](const InstrumentEntry& i) { return i.code; }, code);
}
std::optional<std::uint32_t> Names::region(std::string_view code) const {
  return find(regions_, [](const RegionState& r) { return std::to_string(r.code); }, code);
}

const std::vector<std::string>& trade_columns() {
  static const std::vector<std::string> kColumns = {"trade",  "kind",       "time",       "instrument", "seller",
                                                    "facility", "buyer",    "project",    "price_yuan", "qty_t",
                                                    "ratio",  "credited_t", "seq",        "hash"};
  return kColumns;
}

Row trade_row(const Names& n, const Trade& x) {
  return {unum(x.id.v),
          text_cell(x.kind == TradeKind::kRevocation ? "revokes " + std::to_string(x.revokes.v)
                                                     : std::string(to_string(x.kind))),
          text_cell(n.time_text(x.ts)), text_cell(n.instrument_code(x.instrument)), text_cell(n.participant_id(x.seller)),
          text_cell(n.facility_id(x.facility)), text_cell(n.participant_id(x.buyer)), text_cell(n.project_id(x.project)),
          money(x.price.v), num(x.qty.v), ratio(x.ratio_permille), num(x.credited.v), unum(x.seq.v),
          text_cell(to_hex(x.hash).substr(0, 16))};
}

Table trade_table(const Names& names, const std::vector<Trade>& trades) {
  Table t;
  t.columns = trade_columns();
  for (const Trade& x : trades) t.add(trade_row(names, x));
  return t;
}

const std::vector<std::string>& elimination_columns() {
  static const std::vector<std::string> kColumns = {
      "region",          "province",           "enterprise",        "enterprise_id",    "facility",
      "equipment",       "inventory_ref",      "capacity_retired_t", "trade",           "buyer_project",
      "filing_ref",      "retired",            "publicity_end",     "dismantle_from",   "dismantle_by",
      "status",          "status_since",       "project_enterprise", "project_site",    "project_equipment",
      "project_capacity_t", "construction_start", "production_start"};
  return kColumns;
}

Row elimination_row(const Names& n, const EliminationItem& e) {
  return {text_cell(e.region_name), text_cell(e.province_name), text_cell(e.owner_name), text_cell(e.owner_id),
          text_cell(e.facility_id), text_cell(e.equipment), text_or_null(e.inventory_ref), num(e.entry.qty.v),
          unum(e.entry.trade.v), text_cell(e.project_id), text_cell(e.project_approval_ref),
          text_cell(date_text(e.entry.retired)), text_cell(date_text(e.entry.publicity_end)),
          text_cell(date_text(e.entry.dismantle_from)), text_cell(date_text(e.entry.dismantle_by)),
          text_cell(std::string(engine::to_string(e.status))), text_cell(n.time_text(e.status_since)),
          text_cell(e.project_owner_name), text_or_null(e.project_site), text_or_null(e.project_equipment),
          num(e.project_capacity.v), day_or_null(e.construction_start), day_or_null(e.production_start)};
}

Sections facility_sections(const Names& n, const FacilityHistory& h) {
  Table state;
  state.columns = {"facility", "owner",    "region",   "industry", "status",     "capacity_t",
                   "sold_t",   "unsold_t", "facts",    "idle_years", "expires"};
  const engine::EligibilityFacts& facts = h.facility.facts;
  state.add({text_cell(h.facility.id), text_cell(n.participant_id(h.facility.owner)),
             text_cell(n.region_name(h.facility.region)), text_cell(std::string(engine::to_string(h.facility.industry))),
             text_cell(std::string(to_string(h.facility.status))), num(h.facility.capacity.v), num(h.facility.sold.v),
             num(h.facility.unsold().v), text_cell(facts_text(facts)), unum(facts.idle_years),
             facts.expires ? text_cell(date_text(to_day(*facts.expires))) : null_cell()});
  Table entries;
  entries.columns = {"trade", "revision", "status", "written_by", "project", "qty_t", "retired", "publicity_end",
                     "dismantle_from", "dismantle_by", "time"};
  for (const EliminationEntry& e : h.entries) {
    entries.add({unum(e.trade.v), unum(e.revision), text_cell(std::string(engine::to_string(e.status))), unum(e.by.v),
                 text_cell(n.project_id(e.project)), num(e.qty.v), text_cell(date_text(e.retired)),
                 text_cell(date_text(e.publicity_end)), text_cell(date_text(e.dismantle_from)),
                 text_cell(date_text(e.dismantle_by)), text_cell(n.time_text(e.ts))});
  }
  return {{"facility", state}, {"trades", trade_table(n, h.trades)}, {"elimination entries", entries}};
}

Sections project_sections(const Names& n, const ProjectProgress& g, const std::vector<Trade>& trades) {
  Table state;
  state.columns = {"project", "owner",  "region", "industry",  "need_t", "credited_t", "remaining_t", "trades",
                   "site",    "equipment", "construction_start", "production_start"};
  state.add({text_cell(g.project.id), text_cell(n.participant_id(g.project.owner)), text_cell(n.region_name(g.project.region)),
             text_cell(std::string(engine::to_string(g.project.industry))), num(g.project.need.v),
             num(g.project.credited.v), num(g.remaining.v), unum(g.trades), text_or_null(g.project.site),
             text_or_null(g.project.equipment), day_or_null(g.project.construction_start),
             day_or_null(g.project.production_start)});
  return {{"project", state}, {"trades", trade_table(n, trades)}};
}

Sections regions_sections(const Reader& r) {
  const auto optional_number = [](const std::optional<std::int64_t>& v) { return v ? num(*v) : null_cell(); };
  const auto room = [](const std::optional<std::int64_t>& cap, std::int64_t capacity) {
    return cap ? std::optional<std::int64_t>(*cap - capacity) : std::nullopt;
  };
  Table regions;
  regions.columns = {"region", "code", "province_code", "industry", "configured_t", "capacity_t", "cap_t", "room_t"};
  for (const RegionCapacity& c : r.region_capacity()) {
    regions.add({text_cell(c.name), unum(c.code), unum(province_code(c.code)),
                 text_cell(std::string(engine::to_string(c.industry))), num(c.initial), num(c.capacity),
                 optional_number(c.cap), optional_number(room(c.cap, c.capacity))});
  }
  Table provinces;
  provinces.columns = {"province", "code", "industry", "regions", "configured_t", "capacity_t", "cap_t", "room_t"};
  for (const ProvinceCapacity& p : r.province_capacity()) {
    provinces.add({text_cell(p.name), unum(p.code), text_cell(std::string(engine::to_string(p.industry))),
                   unum(p.regions), num(p.initial), num(p.capacity), optional_number(p.cap),
                   optional_number(room(p.cap, p.capacity))});
  }
  return {{"regions", regions}, {"provinces", provinces}};
}

Table daily_table(const Names& n, const std::vector<DailyStats>& days) {
  Table t;
  t.columns = {"day", "instrument", "mode", "trades", "volume_t", "value_yuan", "open", "high", "low", "close_vwap"};
  for (const DailyStats& d : days) {
    t.add({text_cell(date_text(d.day)), text_cell(n.instrument_code(d.instrument)),
           text_cell(std::string(to_string(d.kind))), unum(d.trades), num(d.volume.v),
           money128(d.value), money(d.open.v), money(d.high.v), money(d.low.v), money(d.close.v)});
  }
  return t;
}

// As a carbon market's daily report: per instrument the day's listed prices (open, high, low and close
// of the book's trades only: block and auction trades do not make the market price), the change
// against the previous close (the close of the instrument's last earlier day with book trades), the
// day's book trades, volume and value, then its block trades and its auction trades apart, and the
// totals of every mode since the ledger began; then the market's totals.
Table report_table(const Names& n, const std::vector<DailyStats>& all, Day day) {
  Table t;
  t.columns = {"day",        "instrument",       "open",          "high",          "low",
               "close",      "prev_close",       "change",        "change_pct",    "trades",
               "volume_t",   "value_yuan",       "block_trades",  "block_volume_t", "block_value_yuan",
               "auction_trades", "auction_volume_t", "auction_value_yuan",
               "cum_trades", "cum_volume_t",     "cum_value_yuan"};
  struct Sum {
    std::uint64_t trades = 0;
    std::int64_t volume = 0;
    Int128 value = 0;
    void add(const DailyStats& d) {
      trades += d.trades;
      volume += d.volume.v;
      value += d.value;
    }
    void add(const Sum& o) {
      trades += o.trades;
      volume += o.volume;
      value += o.value;
    }
    void put(Row& row) const {
      row.push_back(unum(trades));
      row.push_back(num(volume));
      row.push_back(money128(value));
    }
  };
  Sum day_book_total, day_block_total, day_auction_total, cum_total;
  for (std::uint32_t i = 0; i < n.instruments().size(); ++i) {
    std::optional<DailyStats> today;
    std::optional<engine::Price> previous;
    Sum book, block, auction, cum;
    for (const DailyStats& d : all) {
      if (d.instrument.v != i || d.day > day) continue;
      cum.add(d);
      if (d.kind != TradeKind::kTrade) {
        if (d.day == day) (d.kind == TradeKind::kAuction ? auction : block).add(d);
        continue;
      }
      if (d.day == day) {
        today = d;
        book.add(d);
      }
      if (d.day < day) previous = d.close;
    }
    Row row = {text_cell(date_text(day)), text_cell(n.instruments()[i].code)};
    if (today) {
      for (const engine::Price p : {today->open, today->high, today->low, today->close}) row.push_back(money(p.v));
    } else {
      row.insert(row.end(), 4, null_cell());
    }
    row.push_back(previous ? money(previous->v) : null_cell());
    if (today && previous) {
      row.push_back(money(today->close.v - previous->v));
      row.push_back(percent(today->close.v - previous->v, previous->v));
    } else {
      row.insert(row.end(), 2, null_cell());
    }
    book.put(row);
    block.put(row);
    auction.put(row);
    cum.put(row);
    t.add(std::move(row));
    day_book_total.add(book);
    day_block_total.add(block);
    day_auction_total.add(auction);
    cum_total.add(cum);
  }
  Row total = {text_cell(date_text(day)), text_cell("total")};
  total.insert(total.end(), 7, null_cell());
  day_book_total.put(total);
  day_block_total.put(total);
  day_auction_total.put(total);
  cum_total.put(total);
  t.add(std::move(total));
  return t;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;  // UTF-8 passes through
        }
    }
  }
  return out + "\"";
}

std::string json_object(const std::vector<std::string>& columns, const Row& row) {
  std::string out = "{";
  for (std::size_t c = 0; c < columns.size() && c < row.size(); ++c) {
    const Cell& cell = row[c];
    out += (c == 0 ? "" : ", ") + json_string(columns[c]) + ": " +
           (cell.null ? "null" : cell.number ? cell.text : json_string(cell.text));
  }
  return out + "}";
}

std::string json_table(const Table& table) {
  std::string out = "[";
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out += (r == 0 ? "\n  " : ",\n  ") + json_object(table.columns, table.rows[r]);
  }
  return out + (table.rows.empty() ? "]\n" : "\n]\n");
}

namespace {

std::string sections_body(const Sections& sections) {
  std::string out = "{";
  for (std::size_t i = 0; i < sections.size(); ++i) {
    std::string array = json_table(sections[i].second);
    array.pop_back();  // the table's final newline
    out += (i == 0 ? "\n" : ",\n") + json_string(sections[i].first) + ": " + array;
  }
  return out;
}

}  // namespace

std::string json_sections(const Sections& sections) { return sections_body(sections) + "\n}\n"; }

std::string json_sections(const Sections& sections, std::optional<std::uint64_t> next_after, std::uint64_t more) {
  return sections_body(sections) + ",\n\"next_after\": " +
         (next_after ? std::to_string(*next_after) : std::string("null")) + ",\n\"more\": " + std::to_string(more) +
         "\n}\n";
}

std::string csv_header(const std::vector<std::string>& columns) {
  std::string out;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (c != 0) out += ',';
    out += csv_field(columns[c]);
  }
  return out + "\r\n";
}

std::string csv_row(const Row& row, std::size_t columns) {
  std::string out;
  for (std::size_t c = 0; c < columns && c < row.size(); ++c) {
    if (c != 0) out += ',';
    out += csv_field(row[c].text);
  }
  return out + "\r\n";
}

std::string csv_table(const Table& table) {
  std::string out = csv_header(table.columns);
  for (const Row& row : table.rows) out += csv_row(row, table.columns.size());
  return out;
}

std::string csv_sections(const Sections& sections) {
  std::string out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i != 0) out += "\r\n";
    out += sections[i].first + "\r\n" + csv_table(sections[i].second);
  }
  return out;
}

}  // namespace crix::ledger
