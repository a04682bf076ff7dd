// The naive reference model; see reference_book.hpp for what it is and how it reads the contract.
#include "tests/reference_book.hpp"

#include <algorithm>
#include <tuple>

#include "engine/state_hash.hpp"

namespace crix::testing {

using namespace crix::engine;

namespace {

std::size_t at(Side s) { return s == Side::kBuy ? 0 : 1; }

bool can_rest(const Order& o) {
  return o.ord_type == OrderType::kLimit &&
         (o.tif == TimeInForce::kDay || o.tif == TimeInForce::kGtc || o.tif == TimeInForce::kGtd);
}

bool aon(const Order& o) { return (o.flags & kFlagAllOrNone) != 0; }

bool price_ok(const Order& taker, Price resting) {
  return taker.side == Side::kBuy ? resting <= taker.price : resting >= taker.price;
}

Event make(EventType type, const Order& o) {
  Event e;
  e.type = type;
  e.instrument = o.instrument;
  e.order_id = o.id;
  e.side = o.side;
  e.price = o.price;
  e.account = o.account;
  e.participant = o.participant;
  return e;
}

Event refused(const Command& c, RejectCode code, std::int64_t a1 = 0, std::int64_t a2 = 0) {
  Event e;
  e.type = EventType::kRejected;
  e.instrument = c.instrument;
  e.order_id = c.id;
  e.side = c.side;
  e.price = c.price;
  e.qty = c.qty;
  e.code = code;
  e.arg1 = a1;
  e.arg2 = a2;
  e.account = c.account;
  e.participant = c.participant;
  return e;
}

}  // namespace

ReferenceEngine::ReferenceEngine(const EngineSettings& settings)
    : settings_(settings), books_(settings.instruments) {}

std::vector<Price> ReferenceEngine::best_first(const Ladder& ladder, engine::Side side) {
  std::vector<Price> prices;
  for (const auto& [price, queue] : ladder) prices.push_back(price);
  if (side == engine::Side::kBuy) std::reverse(prices.begin(), prices.end());
  return prices;
}

bool ReferenceEngine::find(OrderId id, Location& where) {
  for (Book& b : books_) {
    for (engine::Side s : {engine::Side::kBuy, engine::Side::kSell}) {
      for (auto& [price, queue] : b.sides[at(s)]) {
        for (auto it = queue.begin(); it != queue.end(); ++it) {
          if (it->id == id) {
            where = Location{&b, s, price, it};
            return true;
          }
        }
      }
    }
  }
  return false;
}

std::size_t ReferenceEngine::resting_orders() const {
  std::size_t n = 0;
  for (const Book& b : books_) {
    for (const Ladder& ladder : b.sides) {
      for (const auto& [price, queue] : ladder) n += queue.size();
    }
  }
  return n;
}

std::size_t ReferenceEngine::price_levels() const {
  std::size_t n = 0;
  for (const Book& b : books_) n += b.sides[0].size() + b.sides[1].size();
  return n;
}

InstrumentId ReferenceEngine::instrument_of(const Book& book) const {
  return InstrumentId(static_cast<std::uint32_t>(&book - books_.data()));
}

void ReferenceEngine::level_event(const Book& book, engine::Side side, Price price,
                                  EventSink& sink) const {
  Event e;
  e.type = EventType::kLevel;
  e.instrument = instrument_of(book);
  e.side = side;
  e.price = price;
  const Ladder& ladder = book.sides[at(side)];
  if (const auto it = ladder.find(price); it != ladder.end()) {
    for (const Order& o : it->second) {
      e.qty += o.leaves;
      ++e.count;
    }
  }
  sink.push(e);
}

// Removes the order at `where` and reports its level (dropping the level if it is now empty).
void ReferenceEngine::erase(Location& where, EventSink& sink) {
  Queue& queue = where.book->sides[at(where.side)][where.price];
  queue.erase(where.it);
  if (queue.empty()) where.book->sides[at(where.side)].erase(where.price);
  level_event(*where.book, where.side, where.price, sink);
}

void ReferenceEngine::apply(const Command& c, EventSink& sink) {
  switch (c.type) {
    case CommandType::kNew: return on_new(c, sink);
    case CommandType::kCancel: return on_cancel(c, sink);
    case CommandType::kReplace: return on_replace(c, sink);
    case CommandType::kMassCancel: return on_mass_cancel(c, sink);
    case CommandType::kAdvanceTime: return expire_gtd(c.ts, sink);
    case CommandType::kCloseDay: return close_day(c.ts, sink);
    case CommandType::kHalt:
    case CommandType::kResume:
    case CommandType::kSuspend:
    case CommandType::kReinstate:
    case CommandType::kRevoke:
    case CommandType::kSetEliminationStatus:
    case CommandType::kAmendFacility:
    case CommandType::kAmendProject:
    case CommandType::kRegister:
    case CommandType::kBlockPropose:
    case CommandType::kBlockAccept:
    case CommandType::kBlockDecline:
    case CommandType::kBlockWithdraw:
    case CommandType::kAuctionAnnounce:
    case CommandType::kAuctionCancel:
    case CommandType::kAuctionBid: break;  // the Exchange's
  }
  sink.push(refused(c, RejectCode::kUnknownCommand, static_cast<std::uint8_t>(c.type)));
}

void ReferenceEngine::on_new(const Command& c, EventSink& sink) {
  if (c.instrument.v >= books_.size()) {
    return sink.push(refused(c, RejectCode::kUnknownInstrument, c.instrument.v));
  }
  if (static_cast<std::uint8_t>(c.side) > 1) {
    return sink.push(refused(c, RejectCode::kInvalidSide, static_cast<std::uint8_t>(c.side)));
  }
  if (static_cast<std::uint8_t>(c.ord_type) > 1) {
    return sink.push(refused(c, RejectCode::kInvalidOrderType, static_cast<std::uint8_t>(c.ord_type)));
  }
  if (static_cast<std::uint8_t>(c.tif) > 4) {
    return sink.push(refused(c, RejectCode::kInvalidTimeInForce, static_cast<std::uint8_t>(c.tif)));
  }
  if ((c.flags & ~kKnownFlags) != 0) return sink.push(refused(c, RejectCode::kInvalidFlags, c.flags));
  if (c.qty.v < 1 || c.qty.v > settings_.max_qty.v) {
    return sink.push(refused(c, RejectCode::kInvalidQuantity, c.qty.v, settings_.max_qty.v));
  }
  if (c.price.v < 1 || c.price.v > settings_.max_price.v) {
    return sink.push(refused(c, RejectCode::kInvalidPrice, c.price.v, settings_.max_price.v));
  }
  const bool expiry_ok = c.tif == TimeInForce::kGtd ? c.expire_at.v > c.ts.v : c.expire_at.v == 0;
  if (!expiry_ok) return sink.push(refused(c, RejectCode::kInvalidExpiry, c.expire_at.v, c.ts.v));
  Location ignored;
  if (find(c.id, ignored)) return sink.push(refused(c, RejectCode::kDuplicateOrderId));

  Order o;
  o.id = c.id;
  o.account = c.account;
  o.price = c.price;
  o.qty = c.qty;
  o.leaves = c.qty;
  o.expire_at = c.expire_at;
  o.participant = c.participant;
  o.instrument = c.instrument;
  o.side = c.side;
  o.ord_type = c.ord_type;
  o.tif = c.tif;
  o.flags = c.flags;
  Book& book = books_[c.instrument.v];
  if (can_rest(o)) {
    if (resting_orders() >= settings_.max_orders) {
      return sink.push(refused(c, RejectCode::kOrderPoolFull, settings_.max_orders));
    }
    if (price_levels() >= settings_.max_levels && !book.sides[at(o.side)].contains(o.price)) {
      return sink.push(refused(c, RejectCode::kLevelPoolFull, settings_.max_levels));
    }
  }
  Event accepted = make(EventType::kAccepted, o);
  accepted.qty = o.qty;
  accepted.leaves = o.qty;
  sink.push(accepted);
  enter(book, o, sink);
}

// The hook's answer as the contract reads it (engine.hpp, the walk's step 3), written out again.
Qty ReferenceEngine::permitted(const Order& taker, const Order& maker, Qty offered) const {
  const std::int64_t answer = hook_->allowed(taker, maker, offered).v;
  if (answer <= 0) return Qty(0);
  if (answer >= offered.v) return offered;
  const bool all_or_none = aon(maker) || aon(taker) || taker.tif == engine::TimeInForce::kFok;
  return all_or_none ? Qty(0) : Qty(answer);
}

bool ReferenceEngine::would_fill_completely(const Book& book, const Order& taker) const {
  if (hook_ != nullptr) hook_->walk_started(true);
  Order t = taker;
  const Ladder& opp = book.sides[at(opposite(taker.side))];
  for (Price price : best_first(opp, opposite(taker.side))) {
    if (!price_ok(taker, price)) break;
    for (const Order& maker : opp.at(price)) {
      if (settings_.stp != StpMode::kOff && maker.participant == t.participant) {
        if (settings_.stp == StpMode::kCancelResting) continue;
        return false;
      }
      if (aon(maker) && maker.leaves.v > t.leaves.v) continue;
      Qty q(std::min(t.leaves.v, maker.leaves.v));
      if (hook_ != nullptr) {
        q = permitted(t, maker, q);
        if (q.v == 0) continue;
        hook_->traded(t, maker, q);
      }
      t.leaves -= q;
      if (t.leaves.v == 0) return true;
      if (hook_ != nullptr && hook_->spent(t)) return false;
    }
  }
  return false;
}

// The real walk; returns true when self-trade prevention stopped it.
bool ReferenceEngine::match(Book& book, Order& taker, EventSink& sink) {
  const engine::Side maker_side = opposite(taker.side);
  Ladder& opp = book.sides[at(maker_side)];
  if (hook_ != nullptr) hook_->walk_started(false);
  for (Price price : best_first(opp, maker_side)) {
    if (taker.leaves.v == 0 || !price_ok(taker, price)) break;
    Queue& queue = opp[price];
    bool changed = false;
    bool stopped = false;
    bool spent = false;
    for (auto it = queue.begin(); it != queue.end() && taker.leaves.v > 0;) {
      Order& maker = *it;
      if (settings_.stp != StpMode::kOff && maker.participant == taker.participant) {
        if (settings_.stp == StpMode::kCancelIncoming) {
          stopped = true;
          break;
        }
        Event e = make(EventType::kCanceled, maker);
        e.qty = maker.leaves;
        e.reason = CancelReason::kSelfTrade;
        sink.push(e);
        it = queue.erase(it);
        changed = true;
        if (settings_.stp == StpMode::kCancelBoth) {
          stopped = true;
          break;
        }
        continue;
      }
      if (aon(maker) && maker.leaves.v > taker.leaves.v) {
        ++it;
        continue;
      }
      Qty q(std::min(taker.leaves.v, maker.leaves.v));
      if (hook_ != nullptr) q = permitted(taker, maker, q);
      if (q.v == 0) {
        ++it;
        continue;
      }
      if (hook_ != nullptr) hook_->traded(taker, maker, q);
      taker.leaves -= q;
      maker.leaves -= q;
      Event f;
      f.type = EventType::kFill;
      f.instrument = taker.instrument;
      f.order_id = taker.id;
      f.maker_id = maker.id;
      f.side = taker.side;
      f.price = price;
      f.qty = q;
      f.trade_id = TradeId(++trades_);
      f.leaves = taker.leaves;
      f.maker_leaves = maker.leaves;
      f.account = taker.account;
      f.maker_account = maker.account;
      f.participant = taker.participant;
      f.maker_participant = maker.participant;
      sink.push(f);
      changed = true;
      it = maker.leaves.v == 0 ? queue.erase(it) : std::next(it);
      if (hook_ != nullptr && taker.leaves.v > 0 && hook_->spent(taker)) {
        spent = true;
        break;
      }
    }
    if (queue.empty()) opp.erase(price);
    if (changed) level_event(book, maker_side, price, sink);
    if (stopped) return true;
    if (spent) return false;
  }
  return false;
}

void ReferenceEngine::enter(Book& book, Order taker, EventSink& sink) {
  const bool all_or_none = aon(taker) || taker.tif == TimeInForce::kFok;
  CancelReason why = CancelReason::kUnfilled;
  bool stopped = false;
  if (all_or_none && !would_fill_completely(book, taker)) {
    why = CancelReason::kFillOrKill;
  } else {
    stopped = match(book, taker, sink);
    if (stopped) why = CancelReason::kSelfTrade;
  }
  if (taker.leaves.v == 0) return;
  if (!stopped && can_rest(taker)) {
    book.sides[at(taker.side)][taker.price].push_back(taker);
    level_event(book, taker.side, taker.price, sink);
    return;
  }
  Event e = make(EventType::kCanceled, taker);
  e.qty = taker.leaves;
  e.reason = why;
  sink.push(e);
}

bool ReferenceEngine::resolve_own_order(const Command& c, Location& where, EventSink& sink) {
  if (c.instrument.v >= books_.size()) {
    sink.push(refused(c, RejectCode::kUnknownInstrument, c.instrument.v));
    return false;
  }
  if (!find(c.id, where) || where.it->instrument != c.instrument) {
    sink.push(refused(c, RejectCode::kUnknownOrder));
    return false;
  }
  if (where.it->participant != c.participant) {
    sink.push(refused(c, RejectCode::kNotOwner));
    return false;
  }
  return true;
}

void ReferenceEngine::on_cancel(const Command& c, EventSink& sink) {
  Location where;
  if (!resolve_own_order(c, where, sink)) return;
  Event e = make(EventType::kCanceled, *where.it);
  e.qty = where.it->leaves;
  e.reason = CancelReason::kRequested;
  sink.push(e);
  erase(where, sink);
}

void ReferenceEngine::on_replace(const Command& c, EventSink& sink) {
  Location where;
  if (!resolve_own_order(c, where, sink)) return;
  if (c.qty.v < 1 || c.qty.v > settings_.max_qty.v) {
    return sink.push(refused(c, RejectCode::kInvalidQuantity, c.qty.v, settings_.max_qty.v));
  }
  if (c.price.v < 1 || c.price.v > settings_.max_price.v) {
    return sink.push(refused(c, RejectCode::kInvalidPrice, c.price.v, settings_.max_price.v));
  }
  Order o = *where.it;
  const std::int64_t filled = o.qty.v - o.leaves.v;
  if (c.qty.v <= filled) return sink.push(refused(c, RejectCode::kReplaceBelowFilled, c.qty.v, filled));
  if (c.price != o.price && price_levels() >= settings_.max_levels &&
      !where.book->sides[at(o.side)].contains(c.price)) {
    return sink.push(refused(c, RejectCode::kLevelPoolFull, settings_.max_levels));
  }
  const Qty new_leaves(c.qty.v - filled);
  Event e = make(EventType::kReplaced, o);
  e.price = c.price;
  e.qty = c.qty;
  e.leaves = new_leaves;
  sink.push(e);
  if (c.price == o.price && new_leaves <= o.leaves) {
    where.it->qty = c.qty;
    where.it->leaves = new_leaves;
    return level_event(*where.book, o.side, o.price, sink);
  }
  erase(where, sink);
  o.price = c.price;
  o.qty = c.qty;
  o.leaves = new_leaves;
  enter(*where.book, o, sink);
}

void ReferenceEngine::on_mass_cancel(const Command& c, EventSink& sink) {
  const bool all = c.instrument == kAllInstruments;
  if (!all && c.instrument.v >= books_.size()) {
    return sink.push(refused(c, RejectCode::kUnknownInstrument, c.instrument.v));
  }
  for (Book& book : books_) {
    if (!all && instrument_of(book) != c.instrument) continue;
    for (engine::Side s : {engine::Side::kBuy, engine::Side::kSell}) {
      for (Price price : best_first(book.sides[at(s)], s)) {
        Queue& queue = book.sides[at(s)][price];
        bool changed = false;
        for (auto it = queue.begin(); it != queue.end();) {
          if (it->participant != c.participant) {
            ++it;
            continue;
          }
          Event e = make(EventType::kCanceled, *it);
          e.qty = it->leaves;
          e.reason = CancelReason::kMassCancel;
          sink.push(e);
          it = queue.erase(it);
          changed = true;
        }
        if (queue.empty()) book.sides[at(s)].erase(price);
        if (changed) level_event(book, s, price, sink);
      }
    }
  }
}

void ReferenceEngine::expire_gtd(Timestamp now, EventSink& sink) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> due;  // (expire_at, id)
  for (const Book& book : books_) {
    for (const Ladder& ladder : book.sides) {
      for (const auto& [price, queue] : ladder) {
        for (const Order& o : queue) {
          if (o.tif == TimeInForce::kGtd && o.expire_at.v <= now.v) due.emplace_back(o.expire_at.v, o.id.v);
        }
      }
    }
  }
  std::sort(due.begin(), due.end());
  for (const auto& [when, id] : due) {
    Location where;
    find(OrderId(id), where);
    Event e = make(EventType::kExpired, *where.it);
    e.qty = where.it->leaves;
    sink.push(e);
    erase(where, sink);
  }
}

void ReferenceEngine::close_day(Timestamp now, EventSink& sink) {
  for (Book& book : books_) {
    for (engine::Side s : {engine::Side::kBuy, engine::Side::kSell}) {
      for (Price price : best_first(book.sides[at(s)], s)) {
        Queue& queue = book.sides[at(s)][price];
        bool changed = false;
        for (auto it = queue.begin(); it != queue.end();) {
          if (it->tif != TimeInForce::kDay) {
            ++it;
            continue;
          }
          Event e = make(EventType::kExpired, *it);
          e.qty = it->leaves;
          sink.push(e);
          it = queue.erase(it);
          changed = true;
        }
        if (queue.empty()) book.sides[at(s)].erase(price);
        if (changed) level_event(book, s, price, sink);
      }
    }
  }
  expire_gtd(now, sink);
}

std::uint64_t ReferenceEngine::state_hash() const {
  StateHasher h;
  h.add(trades_);
  for (const Book& book : books_) {
    for (engine::Side s : {engine::Side::kBuy, engine::Side::kSell}) {
      const Ladder& ladder = book.sides[at(s)];
      h.add(ladder.size());
      for (Price price : best_first(ladder, s)) {
        const Queue& queue = ladder.at(price);
        std::int64_t total = 0;
        for (const Order& o : queue) total += o.leaves.v;
        h.add_signed(price.v);
        h.add_signed(total);
        h.add(queue.size());
        for (const Order& o : queue) {
          h.add(o.id.v);
          h.add(o.participant.v);
          h.add(o.account.v);
          h.add_signed(o.qty.v);
          h.add_signed(o.leaves.v);
          h.add(std::uint64_t{static_cast<std::uint8_t>(o.ord_type)} |
                std::uint64_t{static_cast<std::uint8_t>(o.tif)} << 8 | std::uint64_t{o.flags} << 16 |
                std::uint64_t{static_cast<std::uint8_t>(o.side)} << 24);
          h.add_signed(o.expire_at.v);
        }
      }
    }
  }
  return h.digest();
}

}  // namespace crix::testing
