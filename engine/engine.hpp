// crix::engine::Engine: the matching engine. One continuous double-auction order book per instrument,
// strict price-time priority, trades at the resting order's price.
//
// Thread rules: engine thread only. Not thread-safe; no locks, no I/O, no clock reads. Every input is a
// Command (which carries its own time), every output an Event appended to a caller-owned EventSink
// (see event.hpp for the exact order of events). Same commands in, same events and state hash out.
//
// Memory: order nodes, price levels, the id index and the GTD expiry heap are sized once from
// EngineSettings. Running out of orders or levels is a reject (kOrderPoolFull, kLevelPoolFull), checked
// before anything changes; nothing allocates in steady state except EventSink growth.
//
// Behaviour in short (details on CommandType and in event.hpp):
//  - Limit orders match against the opposite side while its best price crosses their limit; the rest
//    rests (Day, GTC, GTD) or is canceled (IOC). Market orders match up to their protection price and
//    never rest. FOK fills completely at once or is canceled whole.
//  - All-or-none (kFlagAllOrNone): an incoming AON order trades only if it can fill completely now; if
//    it cannot and its time in force lets it rest, it rests untouched. A resting AON order is skipped by
//    an aggressor whose remaining quantity is below the AON order's open quantity, and keeps its place.
//    Resting AON orders may therefore sit at prices that cross the other side.
//  - Self-trade prevention per EngineSettings::stp, checked before the eligibility hook.
//  - The eligibility hook may refuse a (taker, maker) pair: the maker is skipped and keeps its place;
//    or cut the fill to a smaller quantity (never when either side is all-or-none: then it is a skip).
//  - Resting orders may likewise cross when the hook refuses the pair.
//
// Validation of kNew, first failure wins: instrument < settings.instruments (kUnknownInstrument);
// side, ord_type, tif, flags in range (kInvalidSide/OrderType/TimeInForce/Flags); 1 <= qty <= max_qty;
// 1 <= price <= max_price (a market order's protection price too); expire_at > ts for GTD and
// expire_at == 0 otherwise (kInvalidExpiry); id not resting anywhere (kDuplicateOrderId); and, only
// for an order that may rest (limit with Day, GTC or GTD): a free order node (kOrderPoolFull), then,
// when its side has no level at its price, a free level (kLevelPoolFull).
// Cancel and replace: instrument known; the id rests in THAT instrument (kUnknownOrder); same
// participant (kNotOwner). Replace then: 1 <= qty <= max_qty; 1 <= price <= max_price; qty > filled
// (kReplaceBelowFilled); at a new price with no level there, a free level (kLevelPoolFull).
//
// Matching walk for an aggressor with open quantity `remaining` (a new order, or a replaced order
// that lost its place): opposite levels best first while the level price crosses the limit (a market
// order's limit is its protection price), and within a level each maker in time priority, while
// remaining > 0:
//   1. same participant and stp != kOff: kCancelResting cancels the maker (Canceled kSelfTrade) and
//      goes on; kCancelIncoming stops the walk; kCancelBoth cancels the maker, then stops the walk.
//      A stopped walk cancels the aggressor's remainder (Canceled kSelfTrade).
//   2. maker is AON and its open quantity > remaining: skip it.
//   3. a hook is set: it answers how much of q = min(remaining, maker leaves) the pair may trade
//      (taker with leaves = remaining, maker, q). 0 (or less) skips the maker; an answer below q cuts
//      the fill to it, unless the maker is AON or the taker is AON or FOK, when a cut is a skip (an
//      all-or-none order trades whole orders, never a part the hook chose); more than q counts as q.
//   4. fill that quantity (q without a hook) at the maker's price with the next trade id;
//   5. a hook is set and remaining > 0: the hook's spent(taker) true ends the walk (the taker's
//      remainder could trade with no maker at all).
// An all-or-none aggressor (AON flag, or FOK) first runs the same walk without changing anything
// (self-trade makers under kCancelResting count as skipped; under the other modes the dry walk stops
// there). Only if it would fill completely does the real walk run; otherwise the order rests untouched
// when it may rest, or is canceled whole (Canceled kFillOrKill).
// After the walk a remainder rests when the order may rest (limit, Day/GTC/GTD), else is canceled
// (Canceled kUnfilled). Market orders treat Day, GTC, GTD and IOC alike, as IOC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/types.hpp"

namespace crix::engine {

struct EngineSettings {
  std::uint32_t instruments = 1;
  std::uint32_t max_orders = 1u << 20;  // resting orders, all books together
  std::uint32_t max_levels = 1u << 16;  // price levels, all books and sides together
  StpMode stp = StpMode::kCancelResting;
  // Accepted ranges: 1 .. max. 10^12 fen is 10^10 yuan per tonne; 10^10 t is four times the world's
  // steel capacity: far beyond any real order. A level's total is a sum of up to max_orders open
  // quantities, so max_orders * max_qty must stay below 2^63; the constructor refuses settings that
  // could overflow (std::invalid_argument), as it refuses zero instruments.
  Price max_price{1'000'000'000'000};
  Qty max_qty{10'000'000'000};
};

// The engine's view of an order, as given to the eligibility hook and to queries.
struct Order {
  OrderId id{};
  AccountId account{};
  Price price{};      // limit; for a market order its protection price
  Qty qty{};          // total quantity (the last replace's)
  Qty leaves{};       // open quantity
  Timestamp expire_at{};
  ParticipantId participant{};
  InstrumentId instrument{};
  Side side = Side::kBuy;
  OrderType ord_type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  std::uint8_t flags = 0;
};
static_assert(std::is_trivially_copyable_v<Order>);

// Decides, per pair, how much a resting order may trade with an aggressor now (market rules: transfer
// restrictions, caps, ratio pairs, a buyer's remaining need), and hears of every trade a walk makes,
// so that a rule whose limit is shared by several fills of one walk (a region's cap, a project's need)
// can count them. Called on the engine thread during matching, including the dry run that decides
// whether an all-or-none or FOK aggressor can fill. For each walk: walk_started(dry) once, then per
// maker that self-trade prevention and the AON rule let through: allowed(taker, maker, qty) and, when
// the engine fills (see the walk in this file's opening comment for cuts), traded(taker, maker, q)
// with the quantity q it fills, right before the fill (in the dry run: before the taker's remaining
// quantity falls); after a fill that leaves the taker something, spent(taker, with leaves = remaining):
// true ends the walk, dry or real. `taker` has leaves = remaining before this fill, `maker` its open quantity before
// it, `qty` the most the fill could be: min(remaining, maker leaves).
// A hook must not call back into the engine, and must give the same answer to the same question in
// the dry run and in the real walk that follows it (the real walk runs only if the dry run filled).
class EligibilityHook {
 public:
  virtual ~EligibilityHook() = default;
  // The quantity the pair may trade now: 0 refuses it, qty allows the whole fill, between cuts it.
  virtual Qty allowed(const Order& taker, const Order& maker, Qty qty) const = 0;
  virtual void walk_started(bool dry) { (void)dry; }
  virtual void traded(const Order& taker, const Order& maker, Qty qty) {
    (void)taker, (void)maker, (void)qty;
  }
  // Whether `order`'s open quantity (leaves) can trade with no maker at all any more: asked of the
  // taker after each fill that leaves it something, so that a walk stops instead of asking allowed()
  // of every maker left in the crossing levels.
  virtual bool spent(const Order& order) const {
    (void)order;
    return false;
  }
  // The real walk (not the dry run) is over: called once after each walk_started(false), before the
  // taker's remainder rests or is canceled.
  virtual void walk_ended() {}

  // Settlement: each Fill, Canceled and Expired event, right after the book appended it to the sink,
  // through the method of its type (the call site knows it), so that a hook that keeps state per
  // order (the Exchange's reservations and credits) needs no pass over the events afterwards and no
  // test of their type. A new order's Accepted and a Replaced event have none: their caller knows
  // what it handed the book. The hook may complete the event (a Fill's arg1 and arg2, a Canceled
  // event's reason); it must not call back into the engine. A Fill is settled after the traded() of
  // the same fill and before the walk asks allowed() of the next maker.
  virtual void filled(Event& e) { (void)e; }
  virtual void ended(Event& e) { (void)e; }  // Canceled or Expired
};

struct LevelInfo {
  Price price{};
  Qty total{};
  std::uint32_t count = 0;
};

class Engine {
 public:
  explicit Engine(const EngineSettings& settings);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies one command, appending its events to `sink`.
  void apply(const Command& cmd, EventSink& sink);
  // apply() for a command whose type the caller has already branched on (kNew, kCancel, kReplace):
  // the same checks and events, without apply()'s own dispatch, a second jump on the command stream's
  // type for a caller that dispatches first (the Exchange). The book does not read `cmd.type`.
  void apply_new(const Command& cmd, EventSink& sink);
  void apply_cancel(const Command& cmd, EventSink& sink);
  void apply_replace(const Command& cmd, EventSink& sink);

  // The hook stays owned by the caller and must outlive its use; nullptr removes it.
  void set_eligibility_hook(EligibilityHook* hook);

  // The earliest expire_at among resting GTD orders (Timestamp max when none), after dropping the
  // expiry heap's entries of orders already gone, so that a caller ticking the clock at it never
  // ticks for a canceled order. Changes no order and no event: the heap is not part of the state.
  Timestamp next_expiry();
  // Whether an AdvanceTime at `now` could expire something: true when the heap's earliest entry is
  // due, also when that entry's order is gone (then the AdvanceTime just drops it). One comparison,
  // for the Exchange's check before every command.
  bool expiry_due(Timestamp now) const;

  const EngineSettings& settings() const;
  std::uint64_t state_hash() const;
  TradeId last_trade_id() const;
  // Takes the next id of the trade-id sequence for a record that is no fill (an Exchange revocation):
  // fills and revocations share one sequence, as on the ledger's hash chain.
  TradeId take_trade_id();

  // Queries for tools and tests. Levels best price first; orders in time priority.
  std::optional<Price> best_price(InstrumentId instrument, Side side) const;
  std::size_t level_count(InstrumentId instrument, Side side) const;
  std::size_t order_count(InstrumentId instrument, Side side) const;
  std::size_t orders_in_use() const;
  std::size_t levels_in_use() const;
  std::optional<Order> find(OrderId id) const;
  // The resting order itself, or nullptr: no copy, valid until the next apply(). For the Exchange's
  // checks on the path of every replace.
  const Order* peek(OrderId id) const;
  // Levels best price first, at most `most` of them.
  void for_each_level(InstrumentId instrument, Side side, const std::function<void(const LevelInfo&)>& fn,
                      std::size_t most = SIZE_MAX) const;
  void for_each_order(InstrumentId instrument, Side side,
                      const std::function<void(const Order&)>& fn) const;

  // Walks every internal structure (levels sorted and linked, level totals and counts, the id index
  // against the book, pool accounting, GTD heap) and returns the first inconsistency, or "" when
  // there is none. O(resting orders): for tests, never on the hot path.
  std::string check_invariants() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crix::engine
