// crix::testing::ReferenceEngine: a naive model of crix::engine::Engine, written for obviousness, not
// speed, from the contract in engine/engine.hpp, engine/event.hpp and engine/state_hash.hpp. The
// differential test runs both on random command streams and requires identical events and state hashes
// after every command.
//
// Each book side is a std::map from price to a std::list of orders in time priority; orders are found by
// scanning every book; GTD expiry scans every order and sorts the due ones by (expire_at, id). Nothing
// here shares code with the fast engine except the public types and StateHasher (the hash's definition).
// Test code: engine thread rules apply (not thread-safe).
//
// Where the headers leave room, this model reads them as follows (the fast engine must agree):
//  1. Replace at the same price with an unchanged open quantity keeps the order's place (it is neither
//     "a new price" nor "a larger quantity"); the Level event is still sent.
//  2. A replace that keeps its place never matches, even when the order is all-or-none and could now
//     fill, or when a maker the hook refused earlier would now be eligible.
//  3. A replaced order keeps its id, side, account, time in force, flags and expire_at: only price,
//     total quantity and open quantity change (open = new total - filled).
//  4. Rejected events copy the command's instrument, order_id, side, price and qty for every command
//     type (cancel, replace, mass cancel, unknown command) as for a new order, even an unknown
//     instrument or kAllInstruments. Arguments the header does not list are 0: kDuplicateOrderId,
//     kUnknownOrder, kNotOwner, and arg2 of kUnknownInstrument, kInvalidSide/OrderType/TimeInForce/
//     Flags, kOrderPoolFull, kLevelPoolFull and kUnknownCommand.
//     kInvalidExpiry carries (expire_at, ts) also when a non-GTD order has an expiry.
//  5. MassCancel on an instrument that is neither known nor kAllInstruments is Rejected
//     (kUnknownInstrument); a mass cancel, AdvanceTime or CloseDay that removes nothing emits nothing.
//     AdvanceTime and CloseDay never reject and do not require time to move forward.
//  6. Pool checks are conservative and use the book as it is before matching: a limit Day/GTC/GTD order
//     needs a free order node even if it will fill completely, and a free level when its side has no
//     level at its price even if matching would free one. Market, IOC and FOK orders are never checked.
//     A replace never needs an order node; it needs a level only when it moves to a price with no level
//     on its side (even if its old level would empty); a same-price replace never needs one.
//  7. "If that level changed" (opposite levels during a walk): a fill or a self-trade cancel at the
//     level changes it; a level whose makers were all skipped (AON or hook) gets no Level event.
//  8. An all-or-none aggressor that cannot fill completely and may not rest is canceled with
//     kFillOrKill, also when its dry run stopped at a self-trade maker (kCancelIncoming/kCancelBoth):
//     nothing traded, so the all-or-none rule is what killed it.
//  9. The hook's taker is the aggressor's whole Order as it would rest (after a replace: the new price
//     and total quantity) with leaves = remaining; in the dry run `remaining` falls exactly as it would
//     in the real walk. The maker is the resting order as it is at that moment.
// 10. Expired, Canceled and Rejected events leave leaves/maker_leaves/trade_id at 0; a market order's
//     Accepted and Canceled price is its protection price (its Order::price).
// 11. The id uniqueness check is exchange-wide and against resting orders only: an id may be used
//     again once its order is gone (filled, canceled, expired).
// 12. The hook is asked only at step 3 of a walk, for a maker that self-trade prevention and the AON rule
//     both let through, once per such maker in the dry run and again in the real walk (no caching of
//     dry-run answers). Each walk (dry or real) begins with walk_started, also when the opposite side
//     is empty, and each yes is followed by traded with the same arguments. The differential test
//     compares every call each engine makes, not just the answers' effects.
// 13. After each fill that leaves the taker something (dry run included), spent(taker) is asked; yes
//     ends the walk there, as if the crossing levels had no more makers (the remainder then rests or
//     is canceled as after any walk; a dry run that ends so did not fill completely).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <map>
#include <vector>

#include "engine/engine.hpp"

namespace crix::testing {

class ReferenceEngine {
 public:
  explicit ReferenceEngine(const engine::EngineSettings& settings);

  void apply(const engine::Command& c, engine::EventSink& sink);
  void set_eligibility_hook(engine::EligibilityHook* hook) { hook_ = hook; }
  std::uint64_t state_hash() const;

 private:
  using Queue = std::list<engine::Order>;
  using Ladder = std::map<engine::Price, Queue>;  // one side of a book: price -> queue, lowest first
  struct Book {
    std::array<Ladder, 2> sides;  // [buy, sell]
  };
  struct Location {
    Book* book = nullptr;
    engine::Side side = engine::Side::kBuy;
    engine::Price price{};
    Queue::iterator it;
  };

  // Prices of a ladder, best first (highest bid, lowest ask).
  static std::vector<engine::Price> best_first(const Ladder& ladder, engine::Side side);
  bool find(engine::OrderId id, Location& where);
  std::size_t resting_orders() const;
  std::size_t price_levels() const;

  void on_new(const engine::Command& c, engine::EventSink& sink);
  void on_cancel(const engine::Command& c, engine::EventSink& sink);
  void on_replace(const engine::Command& c, engine::EventSink& sink);
  void on_mass_cancel(const engine::Command& c, engine::EventSink& sink);
  void expire_gtd(engine::Timestamp now, engine::EventSink& sink);
  void close_day(engine::Timestamp now, engine::EventSink& sink);

  bool resolve_own_order(const engine::Command& c, Location& where, engine::EventSink& sink);
  void enter(Book& book, engine::Order taker, engine::EventSink& sink);
  bool would_fill_completely(const Book& book, const engine::Order& taker) const;
  engine::Qty permitted(const engine::Order& taker, const engine::Order& maker, engine::Qty offered) const;
  bool match(Book& book, engine::Order& taker, engine::EventSink& sink);
  void erase(Location& where, engine::EventSink& sink);
  void level_event(const Book& book, engine::Side side, engine::Price price,
                   engine::EventSink& sink) const;
  engine::InstrumentId instrument_of(const Book& book) const;

  engine::EngineSettings settings_;
  engine::EligibilityHook* hook_ = nullptr;
  std::uint64_t trades_ = 0;
  std::vector<Book> books_;
};

}  // namespace crix::testing
