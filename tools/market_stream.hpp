// crix::tools::MarketStream: a deterministic stream of exchange commands over a market's registry,
// for the rules benchmark (bench_engine --rules), the property test and `crix gen --market`.
//
// Each order comes from a (participant, instrument, side, account) slot the registry allows: a seller
// offering one of its eligible facilities of the instrument's industry that some project may buy
// from, a buyer bidding for one of its projects that some facility may sell to. Slots for ineligible
// or unpaired accounts, other participants' accounts and wrong industries are used at a small rate
// (bad_percent) so that the rules' rejects are exercised too. Operator commands (operator_permille)
// alternate between a halt or suspension and its undo. Indivisible facilities are
// offered whole and all-or-none. Prices move in band/20 steps around the reference price, so that
// about a fifth of the orders cross; quantities are 1..max_lots lots. Cancels and replaces pick a
// random earlier order (which may be gone: the exchange rejects those). Times advance by `step_ns`
// (plus up to `jitter_ns`) per command from `start`.
//
// Not thread-safe; the same market, settings and seed give the same commands anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/command.hpp"
#include "engine/market.hpp"

namespace crix::tools {

struct MarketStreamSettings {
  std::uint64_t seed = 42;
  engine::Timestamp start{};  // first command's time (UTC ns)
  std::int64_t step_ns = 1000;
  std::int64_t jitter_ns = 0;
  std::uint32_t cancel_percent = 25;
  std::uint32_t replace_percent = 5;
  std::uint32_t bad_percent = 2;       // orders from a slot the rules refuse
  std::uint32_t operator_permille = 0; // halt/resume/suspend/reinstate commands
  std::int64_t max_lots = 50;
};

class MarketStream {
 public:
  MarketStream(const engine::Market& market, const MarketStreamSettings& settings);
  engine::Command next();

 private:
  struct Slot {
    std::uint32_t participant = 0;
    std::uint32_t instrument = 0;
    engine::Side side = engine::Side::kBuy;
    std::uint64_t account = 0;
    std::int64_t whole = 0;  // > 0: an indivisible facility, offered whole and all-or-none
  };
  struct Live {
    std::uint64_t id = 0;
    std::uint32_t participant = 0;
    std::uint32_t instrument = 0;
    std::int64_t qty = 0;
    std::int64_t price = 0;
  };
  std::uint64_t next_u64();
  std::uint64_t below(std::uint64_t n) { return next_u64() % n; }
  engine::Command new_order(const Slot& s);
  std::int64_t price_for(std::uint32_t instrument, engine::Side side);

  const engine::Market& market_;
  MarketStreamSettings settings_;
  std::uint64_t state_;
  std::vector<Slot> good_;
  std::vector<Slot> bad_;
  std::vector<Live> live_;
  std::uint64_t next_id_ = 1;
  std::int64_t now_;
  std::optional<engine::Command> undo_;  // the operator command that undoes the last one
};

}  // namespace crix::tools
