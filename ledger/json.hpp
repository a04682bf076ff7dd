// crix::ledger rows for machines: the regulator's queries (reader.hpp) as named columns of cells, and
// their JSON and CSV text. One serializer for every front end: `crix ledger ... --json / --csv` and
// the console's /api/v1/ledger/... endpoints (gateway/http/) print the same field names and values.
//
// Values follow `crix ledger`: prices in yuan with two decimals ("price_yuan": 580.00, a JSON number
// written as the text it is, never through a double), quantities in tonnes, times as the exchange's
// local time with its offset ("2026-12-04 11:40:12.038+08:00"), dates YYYY-MM-DD; a value that does
// not apply is JSON null and an empty CSV field. JSON rows are objects in column order; CSV is RFC 4180
// with CRLF line ends and a header row.
//
// Thread rules: none. Names reads the registry once (several read transactions); its methods are const
// and may be used from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/reader.hpp"

namespace crix::ledger {

struct Cell {
  std::string text;
  bool number = false;  // JSON writes it bare
  bool null = false;    // no value: JSON null, empty in CSV
};
using Row = std::vector<Cell>;

Cell text_cell(std::string s);
Cell number_cell(long long v);
Cell number_cell(unsigned long long v);
Cell null_cell();

struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  void add(Row row) { rows.push_back(std::move(row)); }
};
// Several named tables (a facility's state, its trades, its entries).
using Sections = std::vector<std::pair<std::string, Table>>;

std::string date_text(Day day);  // "2026-12-04"
// "2026-12-04 11:40:12.038+08:00": `ts` in the exchange's local time, which it names.
std::string time_text(engine::Timestamp ts, std::int32_t utc_offset_minutes);

// The ids and names of one ledger's registry, read once.
class Names {
 public:
  explicit Names(const Reader& reader);

  std::string time_text(engine::Timestamp ts) const;
  std::string participant_id(engine::ParticipantId p) const;
  std::string facility_id(FacilityIndex f) const;
  std::string project_id(ProjectIndex p) const;
  std::string instrument_code(engine::InstrumentId i) const;
  std::string region_name(RegionIndex r) const;

  // Index of an id (region: its code as text); nullopt when the ledger has none such.
  std::optional<std::uint32_t> participant(std::string_view id) const;
  std::optional<std::uint32_t> facility(std::string_view id) const;
  std::optional<std::uint32_t> project(std::string_view id) const;
  std::optional<std::uint32_t> instrument(std::string_view code) const;
  std::optional<std::uint32_t> region(std::string_view code) const;

  const Meta& meta() const { return meta_; }
  const std::vector<ParticipantEntry>& participants() const { return participants_; }
  const std::vector<InstrumentEntry>& instruments() const { return instruments_; }
  const std::vector<RegionState>& regions() const { return regions_; }
  const std::vector<FacilityState>& facilities() const { return facilities_; }
  const std::vector<ProjectState>& projects() const { return projects_; }

 private:
  Meta meta_;
  std::vector<ParticipantEntry> participants_;
  std::vector<InstrumentEntry> instruments_;
  std::vector<RegionState> regions_;
  std::vector<FacilityState> facilities_;
  std::vector<ProjectState> projects_;
};

// `crix ledger trades`: one row per trade or revocation.
const std::vector<std::string>& trade_columns();
Row trade_row(const Names& names, const Trade& trade);
Table trade_table(const Names& names, const std::vector<Trade>& trades);

// `crix ledger elimination`: one row per entry, with the public notice's fields.
const std::vector<std::string>& elimination_columns();
Row elimination_row(const Names& names, const EliminationItem& item);

// `crix ledger facility ID`: "facility", "trades", "elimination entries".
Sections facility_sections(const Names& names, const FacilityHistory& history);
// `crix ledger project ID`: "project", "trades" (`trades` = its trades and revocations).
Sections project_sections(const Names& names, const ProjectProgress& progress, const std::vector<Trade>& trades);
// `crix ledger regions`: "regions", "provinces".
Sections regions_sections(const Reader& reader);
// `crix ledger daily`: one row per day and instrument.
Table daily_table(const Names& names, const std::vector<DailyStats>& days);
// `crix ledger report DAY`: per instrument, then "total"; `all` is every day's statistics.
Table report_table(const Names& names, const std::vector<DailyStats>& all, Day day);

// JSON: a string literal; one row as an object; a table as an array of objects (one row a line, as
// `crix ledger --json`); sections as an object of arrays. Each ends with "\n" when `crix ledger`'s does.
std::string json_string(std::string_view s);
std::string json_object(const std::vector<std::string>& columns, const Row& row);
std::string json_table(const Table& table);        // "[\n  {...},\n  {...}\n]\n" ("[]\n" when empty)
std::string json_sections(const Sections& sections);  // "{\n\"name\": [...],\n...\n}\n"
// A page of sections (a facility's history, a project's progress): the sections, then the page's
// "next_after" (the trade id to pass as `after` for the next page, or null) and "more" (rows after it).
std::string json_sections(const Sections& sections, std::optional<std::uint64_t> next_after, std::uint64_t more);

// CSV lines, each ending CRLF.
std::string csv_header(const std::vector<std::string>& columns);
std::string csv_row(const Row& row, std::size_t columns);
std::string csv_table(const Table& table);
std::string csv_sections(const Sections& sections);  // title line, table, blank line between tables

}  // namespace crix::ledger
