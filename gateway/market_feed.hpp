// crix::gateway::MarketFeed: the exchange's market data, derived once from the engine's events of each
// sequenced command, for its two subscribers:
//   - FIX market data (MarketData, market_data.hpp): each level change and trade as the engine stage
//     derives it, encoded at once as MarketDataIncremental entries into the unit's outbound list (in
//     event order, between the unit's reports, as a client expects); the messages leave after commit.
//   - the console (Published, published.hpp): the unit's MarketChanges, carried to the ledger stage
//     beside its ledger batch and applied after commit (the feed's "book", "trade" and "instrument"
//     updates, and the books and tape the console reads).
// The record is neutral: engine indices and integers, no FIX and no JSON, so that each subscriber
// encodes only what it sends. The engine knows nothing of it.
//
// What one command changed (MarketChanges::Command):
//   - book: each price level it changed, as the command left it (orders 0: the level is gone), by
//     instrument, bids best (highest) first, then asks best (lowest) first;
//   - trades: its fills, in order, with the parties;
//   - states: after a command that may have changed them (a session phase, a halt, the close), every
//     instrument's phase, halt, reference and band: the ledger stage cannot ask the exchange.
// Level changes one by one (LevelChange with its FIX action: new, change or delete) go only to the
// subscriber that sends each as it happens (FIX, MarketDepth 0); the console wants a command's net
// change per level, which is what `book` keeps.
//
// Thread rules: the engine stage only (it reads the exchange); a MarketChanges is handed to the
// ledger stage with its unit and only read there.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "engine/exchange.hpp"

namespace crix::gateway {

// How a level change reads to a client that keeps the full book.
enum class LevelAction : std::uint8_t {
  kNew,     // the price had no resting orders before
  kChange,  // its quantity or order count changed
  kDelete,  // its last order left
};

// A price level of one side of one instrument after an engine event (or after a command, in `book`).
struct LevelChange {
  std::uint32_t instrument = 0;
  engine::Side side = engine::Side::kBuy;
  std::int64_t price = 0;
  std::int64_t qty = 0;      // the open quantity resting at the price, as the engine reports it
  std::uint32_t orders = 0;  // 0: the level is gone
  LevelAction action = LevelAction::kNew;
};

// A trade, with its parties.
struct TradeChange {
  std::uint32_t instrument = 0;
  std::uint64_t id = 0;
  std::int64_t price = 0;
  std::int64_t qty = 0;
  engine::ParticipantId buyer{}, seller{};
  engine::AccountId project{}, facility{};  // the buyer's project, the seller's facility
};

// An instrument's trading state after a command that may have changed it.
struct InstrumentState {
  std::uint32_t instrument = 0;
  engine::SessionPhase phase{};
  bool halted = false;
  std::int64_t reference = 0;
  std::int64_t band_low = 0;
  std::int64_t band_high = 0;
};

// What the commands of one unit changed in the market: one Command per sequenced command, in seq
// order, each owning the range of `book`, `trades` and `states` that ends at its *_end (and starts
// where the previous command's ends).
struct MarketChanges {
  struct Command {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    std::uint32_t book_end = 0, trades_end = 0, states_end = 0;
  };
  std::vector<Command> commands;
  std::vector<LevelChange> book;  // each level's action: that of the command's last change to it
  std::vector<TradeChange> trades;
  std::vector<InstrumentState> states;
};

class MarketFeed {
 public:
  // The exchange as it stands (restored): the prices that have resting orders.
  MarketFeed(const engine::Market& market, const engine::Exchange& exchange);

  // A Level event of the command being sequenced: the change it makes, with its action.
  LevelChange level(const engine::Event& e);
  // A Fill: the trade, recorded in `into`.
  const TradeChange& trade(const engine::Event& e, MarketChanges& into);
  // An event that may change instruments' trading state (session phase, instrument state, the close).
  void status_moved() { status_moved_ = true; }
  // The command is done: its net level changes and the instruments' state (when they may have moved)
  // recorded in `into`, closing its Command.
  void end_command(std::uint64_t seq, std::int64_t ts, MarketChanges& into);

 private:
  const engine::Market& market_;
  const engine::Exchange& exchange_;
  // Per instrument, [buy, sell]: the prices that have resting orders, which tells a new level from a
  // changed one.
  std::vector<std::array<std::unordered_set<std::int64_t>, 2>> level_prices_;
  std::vector<LevelChange> pending_;  // the command's level changes, in event order
  bool status_moved_ = false;
};

}  // namespace crix::gateway
