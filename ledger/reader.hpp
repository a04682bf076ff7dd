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
//
// A copy of a ledger on read-only media, or one that this user may read but not write (LMDB keeps its
// lock file `path`-lock beside the data file and needs to write it), opens without a lock file
// (MDB_NOLOCK) when no writer can be present: no process holds the writer's lock (`path`-writer), or,
// where no writer ever made that file (a copy), no process holds an LMDB lock on `path`-lock. The
// reader then holds the writer's lock shared until it is destroyed, so no crixd can start writing
// under it. backup() makes such a copy of a live ledger.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/registry.hpp"
#include "ledger/error.hpp"
#include "ledger/records.hpp"

namespace crix::ledger {

namespace detail {
class Env;
}
class Writer;
class Reader;
struct VerifyReport;
struct VerifyOptions;
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
  std::string region_name;    // the facility's region, e.g. "Tangshan, Hebei"
  std::string province_name;  // its province, e.g. "Hebei"
  std::string project_id;
  std::string project_approval_ref;  // the filing reference of the replacement plan
  // The new project as a notice lists it (ProjectState): its enterprise, site, equipment, capacity and
  // planned dates.
  std::string project_owner_id;
  std::string project_owner_name;
  std::string project_site;
  std::string project_equipment;
  engine::Qty project_capacity{};
  std::optional<Day> construction_start;
  std::optional<Day> production_start;
};

struct EliminationFilter {
  std::optional<FacilityIndex> facility;
  std::optional<EliminationStatus> status;
  std::optional<RegionIndex> region;  // the facility's region
  std::optional<engine::Industry> industry;  // the facility's industry
};

// Regions are configured at prefecture or province level and named by administrative division code;
// caps and targets are provincial (DOMAIN.md). A region's province is its code's first two digits:
// 130200 (Tangshan, Hebei) -> 130000.
constexpr std::uint32_t province_code(std::uint32_t region_code) { return region_code / 10000 * 10000; }
// The province's name: that of the region whose code is the province's, else what follows the last
// ", " in `region_name` ("Tangshan, Hebei" -> "Hebei"), else the region name itself.
std::string province_name(const std::vector<RegionState>& regions, std::uint32_t region_code,
                          const std::string& region_name);

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

// One province's capacity of one industry, summed over its regions. The cap is the one configured on
// the province's own region entry (code = the province code), where there is one: prefecture caps do
// not add up to a provincial one.
struct ProvinceCapacity {
  std::uint32_t code = 0;  // province-level division code, e.g. 130000
  std::string name;
  engine::Industry industry = engine::Industry::kSteel;
  std::uint32_t regions = 0;  // how many configured regions it sums
  std::int64_t initial = 0;
  std::int64_t capacity = 0;
  std::optional<std::int64_t> cap;
};

// Which index a listing of trades reads (Reader::count_listed).
enum class TradeIndex : std::uint8_t { kParticipant, kFacility, kProject, kRegion, kIndustry };

class Reader {
 public:
  // Opens the ledger at `path` read-only. Throws Error: kNotFound (no file, or no writer has created
  // the ledger yet), kPermission (unreadable; or this user may not write LMDB's lock file while a
  // writer, or another process, has the ledger open: the message names it), kIncompatible (not a CRIX
  // ledger, or another schema version).
  explicit Reader(const std::string& path);

  Meta meta() const;
  Summary summary() const;
  // The market file the ledger was made with or last started with (meta "market-file"); none on a
  // ledger from before that was recorded.
  std::optional<MarketSource> market_file() const;
  // The seq from which GTD orders expire at the command (meta "expiry-at-command", records.hpp);
  // without the record, the seq after the last journaled command.
  engine::Seq expiry_at_command_from() const;

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
  // Per province and industry with a cap or any capacity, in province code order.
  std::vector<ProvinceCapacity> province_capacity() const;

  // How many entries a listing holds after `after`: what a cut page leaves out. Reads ids and keys,
  // not the trades (count_trades and count_between in O(log n); the others walk the rest, so they
  // stop at `limit`: a count of `limit` means at least that many).
  static constexpr std::uint64_t kCountAll = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t count_trades(engine::TradeId after) const;
  std::uint64_t count_listed(TradeIndex index, std::uint32_t key, engine::TradeId after,
                             std::uint64_t limit = kCountAll) const;
  std::uint64_t count_between(engine::Timestamp from, engine::Timestamp to, engine::TradeId after) const;
  std::uint64_t count_elimination(const EliminationFilter& filter, engine::TradeId after,
                                  std::uint64_t limit = kCountAll) const;

  // Writes a consistent, compacted copy of the ledger (one read transaction, free pages left out:
  // MDB_CP_COMPACT) to `dest`, a new file, while the writer goes on; the copy is synced before this
  // returns. Throws Error: kStorage when `dest` exists (nothing is overwritten) or the copy fails (the
  // partial file is removed), kNotFound / kPermission for its directory.
  void backup(const std::string& dest) const;
  // Per day in [first, last] and instrument (or only `instrument`), in (day, instrument) order.
  std::vector<DailyStats> daily_stats(Day first, Day last,
                                      std::optional<engine::InstrumentId> instrument = {}) const;

  // The audit trail (schema 5): operator commands with who gave them and what came of them, in seq
  // order, a page at a time (page.after is a seq here: actions of larger seqs).
  std::vector<OperatorAction> operator_actions(const Page& page = {}) const;
  std::uint64_t count_operator_actions(engine::Seq after) const;  // how many a page after `after` holds

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
  friend VerifyReport verify(const Reader& reader, const VerifyOptions& options);
  explicit Reader(std::shared_ptr<detail::Env> env);
  std::shared_ptr<detail::Env> env_;
  std::shared_ptr<int> writer_lock_;  // the shared hold on `path`-writer of a lock-free open (fd)
};

}  // namespace crix::ledger
