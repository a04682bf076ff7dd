// crix::ledger settlement and recovery: the bridge between the exchange (engine/exchange.hpp) and the
// ledger. settle() turns what the exchange did with one sequenced command into the ledger's records
// (the journaled command and one Trade per fill); recover() rebuilds an exchange's state by replaying a
// ledger's journal through it and proves that the trades it regenerates are the stored ones.
//
// Thread rules: settle() runs where the batch is built (the engine thread hands events over; this does
// not touch the Exchange's mutable state); recover() runs before trading starts, on one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event.hpp"
#include "engine/exchange.hpp"
#include "ledger/reader.hpp"
#include "ledger/writer.hpp"

namespace crix::ledger {

// Appends `command` (which must carry its sequence number and time) and a Trade for every Fill in
// events[from, end) to `batch`. The exchange answers which ratio rule each pair was settled under.
void settle(Batch& batch, const engine::Exchange& exchange, const engine::Command& command,
            const engine::EventSink& events, std::size_t from = 0);

// The Trade a Fill event (from the Exchange) records, without hashes.
Trade trade_of(const engine::Exchange& exchange, const engine::Command& command, const engine::Event& fill);

struct RecoveryReport {
  std::uint64_t commands = 0;  // journaled commands replayed
  std::uint64_t trades = 0;    // trades regenerated and found equal to the stored ones
  // The first difference between a regenerated trade and the stored one (or a trade the replay
  // produced that the ledger does not hold, or the reverse); none when the replay agrees.
  std::optional<std::string> mismatch;
  // Damage the replay found in the stored trades themselves, whatever the configuration: a record's
  // hash that does not match its bytes, a prev_hash that is not the previous record's hash, or meta's
  // chain head that is not the last record's hash. Set together with `mismatch` (the same text).
  std::optional<std::string> damage;
  engine::Seq at{};  // the command whose replay first differed (0: none, or the difference is at the end)
  bool ok() const { return !mismatch; }
};

// A fresh Exchange for `reader`'s ledger: `market` with only the facilities and projects the ledger
// registered when it was created (the journal's kRegister commands register the rest on replay).
std::unique_ptr<engine::Exchange> exchange_for(const Reader& reader, engine::Market market);

// How far a replay got: `done` of `total` journaled commands.
struct ReplayProgress {
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using ProgressFn = std::function<void(const ReplayProgress&)>;

// Replays the whole journal of `reader`'s ledger through `exchange`, which must be fresh and built from
// the same market the ledger was created with (exchange_for). Every fill and every revocation the
// replay produces must equal the ledger's record (a revocation: the trade it revokes, its command and
// time). Stops at the first mismatch; a mismatch is for the caller to stop on loudly, never to repair.
// `progress`, when set, is called before the first command (done 0) and then, between pages of 4,096
// commands, whenever `every` has passed since the last call (0: after every page).
// Each stored trade it compares is also checked as a link of the hash chain (its hash recomputed, its
// prev_hash the previous record's hash), and meta's chain head against the last: damage a replay
// would otherwise pass over (RecoveryReport::damage).
RecoveryReport recover(const Reader& reader, engine::Exchange& exchange, const ProgressFn& progress = {},
                       std::chrono::milliseconds every = std::chrono::seconds(1));

// A ledger opened for writing and an exchange in the state its journal leaves: what crixd and the
// operator's tools start from.
struct OpenLedger {
  std::unique_ptr<Writer> writer;
  std::unique_ptr<engine::Exchange> exchange;
  RecoveryReport recovery;
  engine::Timestamp last_ts{};  // the last journaled command's time (0 on an empty journal)
  // What the start did beyond the replay, a sentence each: the market file's changes it journaled
  // (a participant suspended or reinstated), and a market file other than the one recorded.
  std::vector<std::string> notes;
  engine::Seq next_seq() const { return engine::Seq(writer->meta().last_seq.v + 1); }
};

struct OpenOptions {
  ProgressFn progress;  // recover()'s progress, called on this thread
  std::chrono::milliseconds progress_every = std::chrono::seconds(1);
  // The time of the commands the start journals (kSuspend, kReinstate), as the sequencer's clock gives
  // it (never before the last command's); 0: the system clock.
  engine::Timestamp now{};
};

// Opens (or creates) the ledger at `path` for `market` (writer options: WriterOptions::market names
// the market file), replays its journal, then makes the exchange agree with the market file where a
// journaled command can: a participant whose status the market file changed since it was last
// accepted (Writer::accepted_statuses; every participant on a ledger from before that was recorded),
// and which differs from the replayed one, is suspended or reinstated by a journaled kSuspend /
// kReinstate (its orders canceled), so that the next replay is exact. A status the file did not change
// stays as the journal left it (an operator's suspension survives a restart), with a note. Then the
// market file is accepted (Writer::accept_market).
// Throws Error as Writer does (kIncompatible names the entry and field of the market that differs
// from the ledger's registration, and the market file the ledger was made with), and Error(kCorrupt)
// when the replay does not reproduce the stored trades (the message says where) or the stored trades
// are damaged (the message says the ledger is damaged and to run `crix verify`): a loud stop, never a
// repair.
OpenLedger open_ledger(const std::string& path, const engine::Market& market, const WriterOptions& options = {},
                       const OpenOptions& open = {});

// The verb an operator command goes by in the console's API and the audit trail: "halt", "resume",
// "suspend", "reinstate", "close-day", "revoke", "elimination-status", "amend-facility",
// "amend-project", "register"; "" for a command that is no operator's (orders, the clock).
std::string_view operator_verb(engine::CommandType type);

// The audit trail's record of operator command `command` (sequenced: seq and time set) given by
// `operator_name` with `reason` ("" = none), from the events it produced: its arguments by name and
// "ok" or the reject.
OperatorAction operator_action(const engine::Exchange& exchange, const engine::Command& command,
                               std::span<const engine::Event> events, const std::string& operator_name,
                               const std::string& reason);

// Sequences `command` (next seq; time max(now, the last command's)) through the exchange and commits it
// with what it produced, in one batch. A rejected command is journaled too, like every sequenced
// command (its time may have moved the exchange's calendar). With an `operator_name` (an operator
// command), the audit trail's record of it goes into the same batch. Returns the events.
std::vector<engine::Event> apply_and_commit(OpenLedger& ledger, engine::Command command, engine::Timestamp now,
                                            const std::string& operator_name = "");

}  // namespace crix::ledger
