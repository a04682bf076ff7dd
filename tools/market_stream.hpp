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
// (plus up to `jitter_ns`) per command from `start`. With block_permille, that many commands in a
// thousand are block trades: half new proposals (a good slot's order, at least the instrument's block
// minimum, to a participant with a good slot on the other side of the instrument), half answers to a
// pending one (mostly an acceptance by the counterparty with one of its own accounts, else a decline
// or a withdrawal; a sensible counterparty whose acceptance was refused declines next, so that no
// proposal holds its capacity for the rest of the day).
//
// Not thread-safe; the same market, settings and seed give the same commands anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
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
  // Sensible traders: with observe() fed every event the exchange emits, a seller offers no more
  // than its facility's capacity that is neither sold nor already offered, a buyer bids for no more
  // than its project's need that is neither credited nor already bid for, and cancels and replaces
  // go to orders that are still open. Without it the stream is blind and the exchange's rejects
  // (double offers, unknown orders) are exercised much more often.
  bool sensible = false;
  std::uint32_t block_permille = 0;  // block proposals and answers (0: none, as the benches' streams)
};

class MarketStream {
 public:
  MarketStream(const engine::Market& market, const MarketStreamSettings& settings);
  engine::Command next();
  // Tells the stream what the exchange did with the commands so far (for `sensible` streams).
  void observe(const engine::Event& e);

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
    engine::Side side = engine::Side::kBuy;
    std::uint64_t account = 0;
    std::int64_t qty = 0;   // total, as the last replace set it
    std::int64_t open = 0;  // as far as the stream knows
    std::int64_t price = 0;
  };
  std::uint64_t next_u64();
  std::uint64_t below(std::uint64_t n) { return next_u64() % n; }
  std::optional<engine::Command> new_order(const Slot& s, bool limited);
  engine::Command cancel_some_order();  // of a random live order; live_ must not be empty
  void add_live(const Live& l);
  void drop_live(std::size_t j);
  void open_changed(const Live& l, std::int64_t delta);
  std::int64_t price_for(std::uint32_t instrument, engine::Side side);
  // A block proposal made of a new order of a good slot, or an answer to a pending one; nullopt when
  // neither can be made now.
  std::optional<engine::Command> block_command();

  const engine::Market& market_;
  MarketStreamSettings settings_;
  std::uint64_t state_;
  std::vector<Slot> good_;
  std::vector<Slot> bad_;
  std::vector<Live> live_;
  std::unordered_map<std::uint64_t, std::size_t> live_at_;  // order id -> index in live_
  std::vector<std::int64_t> offered_, sold_;                // per facility
  std::vector<std::int64_t> bid_, credited_;                // per project
  engine::CommandType last_type_ = engine::CommandType::kNew;
  std::uint64_t last_id_ = 0;
  std::uint64_t next_id_ = 1;
  std::int64_t now_;
  std::optional<engine::Command> undo_;  // the operator command that undoes the last one
  struct Pending {  // a block proposal the stream made, until it ends or is refused
    std::uint64_t id = 0;
    std::uint32_t instrument = 0;
    engine::Side side = engine::Side::kSell;  // the proposer's
    std::uint32_t proposer = 0;
    std::uint32_t counterparty = 0;
    bool refused = false;  // an acceptance was refused: the counterparty declines it next
  };
  std::vector<Pending> pending_;
  void drop_pending(std::uint64_t id);
};

}  // namespace crix::tools
