#include "ledger/sequencer.hpp"

#include <algorithm>

#include "ledger/settlement.hpp"

namespace crix::ledger {

engine::Command Sequencer::sequence(engine::Command command, engine::Timestamp now, engine::EventSink& events,
                                    Batch* batch) {
  seq_ = engine::Seq(seq_.v + 1);
  ts_ = std::max(ts_, now);
  command.seq = seq_;
  command.ts = ts_;
  if (command.type == engine::CommandType::kNew && command.id.v == 0) command.id = engine::OrderId(seq_.v);
  events.clear();
  exchange_.apply(command, events);
  if (batch != nullptr) settle(*batch, exchange_, command, events);
  return command;
}

}  // namespace crix::ledger
