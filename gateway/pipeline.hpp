// crix::gateway pipeline: what crosses crixd's stages (gateway/daemon.hpp, DESIGN.md Data flow).
//
//   1. FIX threads and the console  -- Queued (Inbound) -->  inbound queue
//   2. engine stage: sequence, rules, book; builds a Unit per group of requests  -->  batch queue
//   3. ledger stage: group commit of every waiting Unit's batch, then its messages, the console's
//      state (Published) and the operators' answers
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/http/link.hpp"
#include "gateway/messages.hpp"
#include "gateway/published.hpp"
#include "ledger/writer.hpp"

namespace crix::gateway {

// A request as it waits for the engine thread: a FIX request, the clock's tick (an AdvanceTime at
// start and as each minute turns), or an operator's command. A MarketDataRequest carries its
// session's logon count when it arrived (MarketData: a subscription ends with its logon).
struct Timer {};
struct MdRequest {
  fix::MarketDataRequest request;
  std::uint32_t logon = 0;
};
// An operator's command from the console (http::Link::submit): sequenced like a FIX request, journaled
// with the operator's name, answered through `done` once committed.
struct OperatorRequest {
  engine::Command command;
  std::string operator_name;
  std::string reason;
  std::function<void(const http::ActionResult&)> done;
};
using Inbound = std::variant<fix::OrderRequest, MdRequest, fix::SecurityListRequest, Timer, OperatorRequest>;
// As it waits in the inbound queue: with the time it arrived, for the acknowledgement latency.
struct Queued {
  Inbound what;
  std::chrono::steady_clock::time_point arrived;
};

// What the engine stage hands the ledger stage for the requests it took together: the ledger batch
// of their commands and what leaves once that batch is committed.
struct Unit {
  std::chrono::steady_clock::time_point taken;  // when the engine thread took its first request
  ledger::Batch batch;
  std::vector<Outbound> out;
  std::vector<std::pair<std::uint32_t, std::string>> logouts;  // participants suspended, the logout's text
  std::uint64_t trades = 0;
  std::int64_t requests = 0;  // FIX requests answered by this unit (Daemon::Impl::in_flight_)
  std::vector<engine::Event> fills;  // this unit's trades, for the log once they are committed
  ConsoleBatch console;              // what the console shows of it (Published)
  // Operator commands' answers, given once the unit is committed.
  std::vector<std::pair<std::function<void(const http::ActionResult&)>, http::ActionResult>> answers;
};

}  // namespace crix::gateway
