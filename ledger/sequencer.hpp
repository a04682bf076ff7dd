// crix::ledger::Sequencer: the one place that turns a command into a sequenced, applied and settled
// one (DESIGN.md, Data flow): the next sequence number, a time that never goes back, the exchange's
// events, and the ledger records they make. crixd's engine stage, `crix operator` (apply_and_commit)
// and `crix simulate` all sequence through it, so a command is numbered, timed and settled the same
// way wherever it comes from and replays alike.
//
// Thread rules: the thread that owns the exchange (crixd's engine stage), like Exchange itself.
#pragma once

#include <cstdint>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/exchange.hpp"
#include "ledger/writer.hpp"

namespace crix::ledger {

class Sequencer {
 public:
  // Continues after the last journaled command `last` and its time `last_ts` (0, 0 on a new ledger).
  Sequencer(engine::Exchange& exchange, engine::Seq last, engine::Timestamp last_ts)
      : exchange_(exchange), seq_(last), ts_(last_ts) {}

  // Numbers `command` (seq = the last + 1), times it max(now, the last command's time), gives a new
  // order without an id its seq as id, applies it through the exchange into `events` (cleared first),
  // and, with a `batch`, settles it there (the journaled command and its trades: settle()).
  // Returns the command as sequenced.
  engine::Command sequence(engine::Command command, engine::Timestamp now, engine::EventSink& events,
                           Batch* batch);

  engine::Seq last_seq() const { return seq_; }
  engine::Timestamp last_ts() const { return ts_; }

 private:
  engine::Exchange& exchange_;
  engine::Seq seq_;
  engine::Timestamp ts_;
};

}  // namespace crix::ledger
