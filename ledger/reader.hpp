// crix::ledger::Reader: the regulator's queries on a ledger, live or copied, read-only (the `crix
// ledger` front end formats what these return).
//
// Each query runs in its own LMDB read transaction: it sees the ledger as of one commit, never part of a
// batch, and never blocks the writer (nor is blocked by it). Two queries may see different commits.
//
// Thread rules: a Reader may be used from several threads at once, and copies share one environment.
// A process that also writes must read through Writer::reader(), not Reader(path) (LMDB allows one
// environment per file per process). A reader holds no lock between queries.
//
// Lists of trades come in trade id order, which is also time order, a page at a time: pass the last id
// of one page as `after` to get the next. Indices: a trade is listed under both its participants (buyer
// and seller), under the facility's and the project's region, and its facility's industry; a time range
// starts from the first trade of its day (by_day) and a binary search on times. Revocations are listed
// like trades (kind tells them apart).
//
// Errors: Error(kCorrupt) when an index names a trade that is missing (run verify); a query never throws
// for an unknown entity, it returns nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/exchange.hpp"
#include "ledger/error.hpp"
#include "ledger/records.hpp"

namespace crix::ledger {

namespace detail {
class Env;
}
class Writer;
class Reader;
struct VerifyReport;
VerifyReport verify(const Reader& reader);

struct Page {
  engine::TradeId after{};  // list trades with a larger id
  std::size_t limit = 1000;
};

// Counts of one snapshot: a reader that checks invariants across tables reads them here.
struct Summary {
  Meta meta;
  std::uint64_t trades = 0;       // records in 'trades' (= meta.trade_count on a sound ledger)
  std::uint64_t journal = 0;      // commands journaled
  std::uint64_t elimination = 0;  // elimination entries, originals and status changes
};

struct FacilityHistory {
  FacilityState facility;
  std::vector<Trade> trades;              // its trades and revocations
  std::vector<EliminationEntry> entries;  // every revision of its trades' entries, by (trade, revision)
};

struct ProjectProgress {
  ProjectState project;
  engine::Qty remaining{};   // need - credited
  std::uint64_t trades = 0;  // trades and revocations that touched it
};

// One trade's elimination entry with its status now and the names a public notice shows.
struct EliminationItem {
  EliminationEntry entry;  // revision 0, as its trade wrote it
  EliminationStatus status = EliminationStatus::kPublicised;
  engine::Timestamp status_since{};  // when the latest revision was written
  std::string facility_id;
  std::string equipment;
  std::string inventory_ref;
  std::string owner_id;
  std::string owner_name;
  std::string region_name;
  std::string project_id;
  std::string project_approval_ref;  // the filing reference of the replacement plan
};

struct EliminationFilter {
  std::optional<FacilityIndex> facility;
  std::optional<EliminationStatus> status;
  std::optional<RegionIndex> region;  // the facility's region
};

struct RegionCapacity {
  RegionIndex region{};
  std::string name;
  std::uint32_t code = 0;
  engine::Industry industry = engine::Industry::kSteel;
  std::int64_t initial = 0;   // when the ledger was created
  std::int64_t capacity = 0;  // now
  std::optional<std::int64_t> cap;
  bool over_cap() const { return cap && capacity > *cap; }
};

class Reader {
 public:
  // Opens the ledger at `path` read-only. Throws Error: kNotFound (no file, or no writer has created
  // the ledger yet), kPermission (unreadable; LMDB also needs to write its lock file beside it),
  // kIncompatible (not a CRIX ledger, or another schema version).
  explicit Reader(const std::string& path);

  Meta meta() const;
  Summary summary() const;

  std::optional<Trade> trade(engine::TradeId id) const;
  std::vector<Trade> trades(const Page& page = {}) const;  // the whole chain
  std::vector<Trade> trades_by_participant(engine::ParticipantId participant, const Page& page = {}) const;
  std::vector<Trade> trades_by_facility(FacilityIndex facility, const Page& page = {}) const;
  std::vector<Trade> trades_by_project(ProjectIndex project, const Page& page = {}) const;
  std::vector<Trade> trades_by_region(RegionIndex region, const Page& page = {}) const;
  std::vector<Trade> trades_by_industry(engine::Industry industry, const Page& page = {}) const;
  std::vector<Trade> trades_between(engine::Timestamp from, engine::Timestamp to,
                                    const Page& page = {}) const;  // [from, to)

  // A facility's state and its history a page at a time (the default page: all of it): the trades
  // and revocations after `page.after`, and every revision of those trades' elimination entries.
  std::optional<FacilityHistory> facility_history(
      FacilityIndex facility, const Page& page = Page{engine::TradeId{}, std::numeric_limits<std::size_t>::max()}) const;
  std::optional<ProjectProgress> project_progress(ProjectIndex project) const;
  // In trade order, a page at a time (page.after is a trade id).
  std::vector<EliminationItem> elimination_list(const EliminationFilter& filter = {},
                                                const Page& page = {}) const;
  // Per region and industry with a cap or any capacity, in region order.
  std::vector<RegionCapacity> region_capacity() const;
  // Per day in [first, last] and instrument (or only `instrument`), in (day, instrument) order.
  std::vector<DailyStats> daily_stats(Day first, Day last,
                                      std::optional<engine::InstrumentId> instrument = {}) const;

  // The journal from `first` on, at most `limit` commands: what recovery replays through the engine.
  std::vector<engine::Command> journal(engine::Seq first, std::size_t limit) const;

  std::vector<ParticipantEntry> participants() const;
  std::vector<InstrumentEntry> instruments() const;
  std::vector<RegionState> regions() const;
  std::vector<FacilityState> facilities() const;
  std::vector<ProjectState> projects() const;
  // How many facilities and projects the ledger registered when it was created: what an Exchange
  // replaying the journal starts from (the journal's kRegister commands add the rest).
  engine::RegistryCounts registered_at_creation() const;

  const std::string& path() const;

 private:
  friend class Writer;
  friend VerifyReport verify(const Reader& reader);
  explicit Reader(std::shared_ptr<detail::Env> env);
  std::shared_ptr<detail::Env> env_;
};

}  // namespace crix::ledger
