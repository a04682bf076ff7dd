// crix::ledger settlement and recovery: the bridge between the exchange (engine/exchange.hpp) and the
// ledger. settle() turns what the exchange did with one sequenced command into the ledger's records
// (the journaled command and one Trade per fill); recover() rebuilds an exchange's state by replaying a
// ledger's journal through it and proves that the trades it regenerates are the stored ones.
//
// Thread rules: settle() runs where the batch is built (the engine thread hands events over; this does
// not touch the Exchange's mutable state); recover() runs before trading starts, on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

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
  bool ok() const { return !mismatch; }
};

// Replays the whole journal of `reader`'s ledger through `exchange`, which must be fresh and built from
// the same market the ledger was created with. Stops at the first mismatch; a mismatch is for the
// caller to stop on loudly, never to repair. Revocations on the ledger are not replayed (the exchange
// does not issue them yet) and count as a mismatch.
RecoveryReport recover(const Reader& reader, engine::Exchange& exchange);

}  // namespace crix::ledger
