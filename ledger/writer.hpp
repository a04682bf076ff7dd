// crix::ledger::Writer: the ledger's only writer. It owns one LMDB environment (one data file plus
// LMDB's lock file), creates it and seeds the registry from an engine::Market on first start, and commits
// each Batch in ONE write transaction: the journaled commands, the trades (hash-chained), the
// elimination entries the trades produce, the secondary indices, the running totals (facility sold,
// project credited, region capacity, daily statistics) and meta. A batch is on the ledger whole or not
// at all, whatever happens to the process.
//
// Thread rules: one thread at a time calls commit() (the ledger stage of DESIGN.md: its thread, or a
// FIX thread holding the stage's lock); not thread-safe. Readers,
// in this process (reader()) or in others (Reader(path)), may query at any time and never block it.
//
// Durability (DESIGN.md): kFull syncs the file at every commit, so a returned commit() survives a power
// cut; kOs leaves that to the operating system (MDB_NOSYNC): a commit survives a crash of the process,
// not of the machine. Under kOs the writer also maps the file writable (MDB_WRITEMAP): a commit writes
// its pages in place instead of one write() per page, 9 us instead of 25 us for an order that trades
// (bench_fix --window 1), but a power cut can then leave the file unreadable rather than only
// without its last commits. kOs is for tests and benchmarks (DESIGN.md, Durability modes).
//
// Ledger rules a batch must keep (else commit() throws Error(kInvalidBatch), writes nothing, and the
// writer stays usable):
//  - commands carry seq = last journaled seq + 1, + 2, ... (the sequencer numbers from 1);
//  - trades carry id = trade count + 1, + 2, ... (revocations take ids from the same sequence), a seq
//    already journaled (by this batch or an earlier one), and a time no earlier than the previous trade's;
//  - a trade names registered parties of one industry: the seller owns the facility, the buyer the
//    project, the instrument trades that industry; qty and price are positive, credited equals
//    floor(qty * 1000 / ratio_permille), the facility has qty unsold and the project credited of need;
//  - a revocation names an earlier trade (not a revocation) whose elimination entry is still publicised;
//  - a status update moves a trade's elimination entry forward (publicised -> confirmed -> shut ->
//    dismantled, steps may be skipped); kRevoked comes only with a revocation;
//  - a registration names the next configured facility or project; an amendment a registered one, a
//    known field and a value the field takes (the exchange checked the rest: engine/registry.hpp).
//
// The registry (DESIGN.md, Ledger): a new ledger registers every facility and project the market
// configures, and records each as registered (engine::registry_text). On every later start the
// configuration must still describe each registered entry exactly so (else Error(kIncompatible) names
// the entry and the field): the ledger is the registry's truth, and a change is an amendment command,
// journaled and replayed. Entries the configuration adds at the end wait for a registration command
// (registered_facilities() < the market's count); participants, instruments and regions added at the
// end are appended at open. The rest of the market the exchange reads is registered too
// (ledger/market_text.hpp: each participant, instrument and region, the calendar, the rules, the
// holidays) and checked the same way, except a participant's status (open_ledger journals the change
// as kSuspend / kReinstate) and holidays after the last journaled command's day (they decide nothing
// the journal replays). The market file's path and SHA-256 are recorded beside meta at creation and
// whenever a market is accepted; a refusal names that file when the market given comes from another.
//
// Other failures stop the writer: commit() throws Error (kStorage and friends, with the path and what to
// do) and every later commit() throws Error(kStopped). MDB_MAP_FULL is not a failure: the writer
// doubles the map (up to WriterOptions::max_map_bytes) and retries the whole batch.
//
// Space ahead (DESIGN.md, Disk full): the writer keeps the file's blocks allocated (fallocate) from
// its start to WriterOptions::reserve_bytes beyond the last page LMDB uses, and extends that reserve
// after a commit once less than half of it is left. A page LMDB writes inside the reserve cannot fail
// for want of space: not as SIGBUS through the writable map (kOs), not as ENOSPC from pwrite (kFull).
// When the filesystem cannot give the reserve (ENOSPC, EDQUOT, EFBIG), commits still succeed inside
// what is left of it, and space() says kLow: the caller refuses new work that would grow the ledger
// and calls reserve_space() from time to time until it says kOk again. On a filesystem without
// fallocate (EOPNOTSUPP) nothing is reserved, space() stays kOk and reserve_note() says so.
//
// Only one writer per ledger: the constructor takes an exclusive lock on `path`-writer (flock, released
// by the kernel when the process dies) and throws Error(kLocked) naming the holder's pid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/market.hpp"
#include "ledger/error.hpp"
#include "ledger/records.hpp"

namespace crix::ledger {

namespace detail {
class Env;
}
class Reader;

// Reads `path` and hashes it (the path made absolute); throws Error(kNotFound / kPermission) when it cannot be read.
MarketSource market_source(const std::string& path);

struct WriterOptions {
  engine::Durability durability = engine::Durability::kFull;
  // The market file the market came from: recorded at creation and on accept_market(), and named in
  // every refusal of a market that does not match the ledger. Empty path: not recorded.
  MarketSource market;
  // Address space reserved for the map: the file only grows as data arrives; MDB_MAP_FULL doubles it.
  std::size_t initial_map_bytes = std::size_t{1} << 30;
  std::size_t max_map_bytes = std::size_t{1} << 40;
  // Blocks kept allocated beyond the last page in use (see Space ahead above). Half of it, 32 MiB,
  // is what the commits after the disk filled can still use: a trade takes about 500 bytes with its
  // command, indices and totals (test_ledger's space case: 8,000 trades in 4 MB), so tens of
  // thousands of trades, far more than crixd's group commits carry while it stops taking orders.
  // It costs one fallocate per 32 MiB of growth. Tests lower it to fill a small filesystem
  // quickly. 0: reserve nothing.
  std::size_t reserve_bytes = std::size_t{64} << 20;
};

// Whether the writer could keep its reserve of allocated blocks ahead (Writer::space()).
enum class Space : std::uint8_t { kOk, kLow };
// The publicity period and the dismantling deadline of an elimination entry come from the market's
// ExchangeSettings, as the exchange's revocation window does.

// A status change of an elimination entry, decided by an operator command (journaled as such).
struct StatusUpdate {
  engine::TradeId trade{};  // whose entry
  EliminationStatus status = EliminationStatus::kConfirmed;
  engine::Seq seq{};
  engine::Timestamp ts{};
};

// A registry change decided by an operator's command (journaled as such): `field` of
// engine::FacilityField (facility) or engine::ProjectField set to `value`. The ledger records every
// facility field (capacity and the eligibility facts: FacilityState::facts) and a project's need and
// status; a value the field does not take is refused (kInvalidBatch).
struct Amendment {
  bool facility = true;
  std::uint32_t index = 0;
  std::uint8_t field = 0;
  std::int64_t value = 0;
  engine::Seq seq{};
};

// The registration of the next configured facility or project.
struct Registration {
  bool facility = true;
  std::uint32_t index = 0;
  engine::Seq seq{};
};

// What a front end (crixd's FIX gateway) keeps of a live order beyond the journal, such as the
// client's ClOrdID, so that it can report on the order after a restart: opaque to the ledger, written
// in the commit that journals the command that changed it. An empty state forgets the order.
struct ClientOrder {
  std::uint64_t order = 0;
  std::string state;
};

// What one commit writes, in order: commands, registrations, amendments, trades (revocations among
// them, in id order), status updates, client orders, then operator actions (each of a command journaled
// by this batch or an earlier one, and not recorded before: else kInvalidBatch). Reuse one Batch (clear()) to keep its
// buffers.
class Batch {
 public:
  void add(const engine::Command& command) { commands_.push_back(command); }
  void add(const Trade& trade) { trades_.push_back(trade); }  // prev_hash and hash are the writer's
  void revoke(engine::TradeId id, engine::TradeId original, engine::Seq seq, engine::Timestamp ts);
  void update(const StatusUpdate& update) { updates_.push_back(update); }
  void amend(const Amendment& amendment) { amendments_.push_back(amendment); }
  void register_entry(const Registration& registration) { registrations_.push_back(registration); }
  void keep(ClientOrder order) { client_orders_.push_back(std::move(order)); }  // later ones win
  void act(OperatorAction action) { actions_.push_back(std::move(action)); }
  void clear();
  // Appends everything `later` holds (a batch built after this one): group commit of several batches.
  void append(const Batch& later);
  bool empty() const {
    return commands_.empty() && trades_.empty() && updates_.empty() && amendments_.empty() &&
           registrations_.empty() && client_orders_.empty() && actions_.empty();
  }

  const std::vector<engine::Command>& commands() const { return commands_; }
  const std::vector<Trade>& trades() const { return trades_; }
  const std::vector<StatusUpdate>& updates() const { return updates_; }
  const std::vector<Amendment>& amendments() const { return amendments_; }
  const std::vector<Registration>& registrations() const { return registrations_; }
  const std::vector<ClientOrder>& client_orders() const { return client_orders_; }
  const std::vector<OperatorAction>& actions() const { return actions_; }

 private:
  std::vector<engine::Command> commands_;
  std::vector<Trade> trades_;
  std::vector<StatusUpdate> updates_;
  std::vector<Amendment> amendments_;
  std::vector<Registration> registrations_;
  std::vector<ClientOrder> client_orders_;
  std::vector<OperatorAction> actions_;
};

class Writer {
 public:
  // Opens (creating when absent) the ledger at `path`. On first start the registry (participants,
  // instruments, regions, facilities, projects) is seeded from `market`; later the ledger's registry
  // must be a prefix of the market's (entries the market added since are appended).
  // Throws Error: kLocked (another writer), kNotFound (no such directory), kPermission (unwritable or
  // read-only), kIncompatible (not a CRIX ledger, another schema, a registry that does not match).
  Writer(const std::string& path, const engine::Market& market, const WriterOptions& options = {});
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes the batch in one transaction and, under kFull, syncs it. See the header comment for errors.
  void commit(const Batch& batch);

  // kLow once the reserve ahead could not be extended (the filesystem is full): commits still fit in
  // what is left of it, but new work should be refused until reserve_space() gives kOk.
  Space space() const;
  // Tries to extend the reserve again (one fallocate); the state after it.
  Space reserve_space();
  // Why space() is kLow (the fallocate's error and the sizes), or that this filesystem reserves
  // nothing (no fallocate); "" otherwise.
  const std::string& reserve_note() const;

  const Meta& meta() const;  // as of the last commit
  const std::string& path() const;
  std::size_t map_bytes() const;  // current map size (grows on MDB_MAP_FULL)
  // Registered entries: a prefix of the market's facilities and projects (see the header comment).
  // Every client order kept (Batch::keep) and not forgotten, by order id.
  std::vector<ClientOrder> client_orders() const;
  std::size_t registered_facilities() const;
  std::size_t registered_projects() const;

  // The market beyond facilities and projects (ledger/market_text.hpp): participants, instruments,
  // regions, the calendar and the rules are registered as they were first configured. The constructor
  // refuses (kIncompatible, naming the entry and field) a market that differs from a registration in
  // anything but a participant's status and the holidays the journal has not reached. Each
  // participant's status as registered, which the journal's replay starts from (a suspension since is
  // a journaled kSuspend; for participants not registered yet, the configured status):
  const std::vector<engine::ParticipantStatus>& registered_statuses() const;
  // True on a ledger written before participants were registered (schema 3 of an older build): their
  // status at creation is unknown.
  bool participants_unregistered() const;
  // The market file recorded when the ledger was created or a market file last accepted; none on a
  // ledger from before that was recorded.
  const std::optional<MarketSource>& accepted_market() const;
  // Each participant's status in the market file last accepted (creation, accept_market()); none on
  // a ledger from before they were recorded.
  const std::optional<std::vector<engine::ParticipantStatus>>& accepted_statuses() const;
  // " (this ledger was made with market file P, sha256 X...; this run reads Q, sha256 Y...: ...)" when
  // the recorded market file differs from WriterOptions::market; else "".
  std::string market_note() const;
  // Records the market as accepted, in one transaction: the registrations still missing (participants
  // with `statuses`, one per configured participant, instruments, regions, calendar, rules), the
  // holidays, WriterOptions::market as the market file and its participants' statuses (for
  // accepted_statuses()). Call once the journal replayed.
  void accept_market(const std::vector<engine::ParticipantStatus>& statuses);

  // A reader on this writer's environment (one environment per file per process: see store.hpp).
  Reader reader() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crix::ledger
