#include "engine/exchange_impl.hpp"

namespace crix::engine {

void Exchange::Impl::reject(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2,
                            EventSink& sink) {
  Event e = rejected(c, code, arg1, arg2);
  if (c.type >= CommandType::kBlockPropose && c.type <= CommandType::kBlockWithdraw) e.mode = TradeMode::kBlock;
  if (c.type >= CommandType::kAuctionAnnounce && c.type <= CommandType::kAuctionBid) e.mode = TradeMode::kAuction;
  sink.push(e);
}

// Each check below is one test of everything (any_holds), which nearly every order passes, and the
// checks one by one, in their order, for the reason of a refusal (cold): one branch to predict, not
// one per rule, and which account an order names is a coin toss for a branch predictor.

bool Exchange::Impl::check_trader(const Command& c, EventSink& sink) const {
  if (c.participant.v < market.participants.size() && c.instrument.v < instruments.size()) [[likely]] {
    const std::uint32_t p = c.participant.v;
    if (!any_holds(suspended_flags[p] != 0, (roles[p] & (c.side == Side::kSell ? 2u : 1u)) == 0,
                   trades_instrument[p * instruments.size() + c.instrument.v] == 0,
                   phase != SessionPhase::kContinuous, instruments[c.instrument.v].halted)) [[likely]] {
      return true;
    }
  }
  return refuse_trader(c, sink);
}

bool Exchange::Impl::refuse_trader(const Command& c, EventSink& sink) const {
  if (c.participant.v >= market.participants.size()) {
    reject(c, RejectCode::kUnknownParticipant, c.participant.v, 0, sink);
    return false;
  }
  if (suspended_flags[c.participant.v]) {
    reject(c, RejectCode::kParticipantSuspended, 0, 0, sink);
    return false;
  }
  if (c.instrument.v >= instruments.size()) return true;  // the book rejects it, with its code
  if ((roles[c.participant.v] & (c.side == Side::kSell ? 2u : 1u)) == 0) {
    reject(c, RejectCode::kSideNotAllowed, 0, 0, sink);
    return false;
  }
  if (!trades_instrument[c.participant.v * instruments.size() + c.instrument.v]) {
    reject(c, RejectCode::kInstrumentNotAllowed, 0, 0, sink);
    return false;
  }
  if (phase != SessionPhase::kContinuous) {
    reject(c, RejectCode::kSessionClosed, static_cast<std::int64_t>(phase), next_open_minute, sink);
    return false;
  }
  if (instruments[c.instrument.v].halted) {
    reject(c, RejectCode::kInstrumentHalted, 0, 0, sink);
    return false;
  }
  return true;
}

bool Exchange::Impl::check_price_qty(const Command& c, Price price, EventSink& sink) const {
  const InstrumentState& s = instruments[c.instrument.v];
  if (s.tick != 1 && price.v % s.tick != 0) {
    reject(c, RejectCode::kOffTick, price.v, s.tick, sink);
    return false;
  }
  if (s.lot != 1 && c.qty.v % s.lot != 0) {
    reject(c, RejectCode::kOffLot, c.qty.v, s.lot, sink);
    return false;
  }
  if (s.listed_max != 0 && c.qty.v > s.listed_max) {
    reject(c, RejectCode::kAboveListedMax, c.qty.v, s.listed_max, sink);
    return false;
  }
  if (price < s.low || price > s.high) {
    reject(c, RejectCode::kOutsideBand, s.low.v, s.high.v, sink);
    return false;
  }
  return true;
}

bool Exchange::Impl::check_facility(const Command& c, std::int64_t extra, std::int64_t open, EventSink& sink) const {
  if (c.account.v < facilities.size()) [[likely]] {
    const FacilityState& s = facilities[c.account.v];
    if (!any_holds(!s.registered, s.owner != c.participant.v, s.industry != instruments[c.instrument.v].industry,
                   both_hold(s.instrument != kAnyInstrument, s.instrument != c.instrument.v),
                   s.standing != Ineligibility::kNone, today > s.expires_day, s.counterparties == 0,
                   spent_at(open, s.lowest_ratio),
                   extra > s.capacity - s.sold - s.reserved)) [[likely]] {
      return true;
    }
  }
  return refuse_facility(c, extra, open, sink);
}

bool Exchange::Impl::refuse_facility(const Command& c, std::int64_t extra, std::int64_t open, EventSink& sink) const {
  if (c.account.v >= facilities.size() || !facilities[c.account.v].registered) {
    reject(c, RejectCode::kUnknownFacility, 0, 0, sink);
    return false;
  }
  const FacilityState& s = facilities[c.account.v];
  if (s.owner != c.participant.v) {
    reject(c, RejectCode::kFacilityNotOwned, 0, 0, sink);
    return false;
  }
  if (s.industry != instruments[c.instrument.v].industry) {
    reject(c, RejectCode::kFacilityWrongIndustry, 0, 0, sink);
    return false;
  }
  if (s.instrument != kAnyInstrument && s.instrument != c.instrument.v) {
    reject(c, RejectCode::kFacilityWrongIndustry, 1, s.instrument, sink);
    return false;
  }
  const Ineligibility why = s.standing != Ineligibility::kNone ? s.standing
                            : today > s.expires_day            ? Ineligibility::kExpired
                                                               : Ineligibility::kNone;
  if (why != Ineligibility::kNone) {
    reject(c, RejectCode::kFacilityIneligible, static_cast<std::int64_t>(why), 0, sink);
    return false;
  }
  if (s.counterparties == 0) {
    reject(c, RejectCode::kNoCounterparty, 0, 0, sink);
    return false;
  }
  // A sell that credits nothing to any project that may buy from it could never trade (every fill
  // of it would be skipped): refused, as a buy that credits nothing is, rather than left in the book
  // for every walk to step over.
  if (!credits_something(c, Side::kSell, open, sink)) return false;
  const std::int64_t available = s.capacity - s.sold - s.reserved;
  if (extra > available) {
    reject(c, RejectCode::kFacilityCapacity, available, extra, sink);
    return false;
  }
  return true;
}

bool Exchange::Impl::credits_something(const Command& c, Side side, std::int64_t open, EventSink& sink) const {
  const auto account = static_cast<std::uint32_t>(c.account.v);
  if (!spent_open(side, account, open)) return true;
  const std::uint32_t best = best_ratio(side, account);
  const std::int64_t lot = instruments[c.instrument.v].lot;
  const std::int64_t least = (best + 999) / 1000;
  reject(c, RejectCode::kCreditsNothing, (least + lot - 1) / lot * lot, best, sink);
  return false;
}

bool Exchange::Impl::indivisible_ok(const Command& c, std::uint8_t flags, TimeInForce tif, Qty open) const {
  const FacilityState& s = facilities[c.account.v];
  if (s.divisible) return true;
  const bool all_or_none = (flags & kFlagAllOrNone) != 0 || tif == TimeInForce::kFok;
  return all_or_none && open.v == s.capacity - s.sold;
}

bool Exchange::Impl::check_project(const Command& c, std::int64_t extra, std::int64_t open, bool is_new, EventSink& sink) const {
  if (c.account.v < projects.size()) [[likely]] {
    const ProjectState& s = projects[c.account.v];
    const std::int64_t free = s.need - s.credited - s.reserved;
    if (!any_holds(!s.registered, s.owner != c.participant.v, s.industry != instruments[c.instrument.v].industry,
                   both_hold(s.instrument != kAnyInstrument, s.instrument != c.instrument.v), !s.open,
                   s.lowest_ratio == 0, s.counterparties == 0,
                   spent_at(open, s.lowest_ratio),
                   extra > free, both_hold(is_new, free <= 0))) [[likely]] {
      return true;
    }
  }
  return refuse_project(c, extra, open, is_new, sink);
}

bool Exchange::Impl::refuse_project(const Command& c, std::int64_t extra, std::int64_t open, bool is_new,
                                    EventSink& sink) const {
  if (c.account.v >= projects.size() || !projects[c.account.v].registered) {
    reject(c, RejectCode::kUnknownProject, 0, 0, sink);
    return false;
  }
  const ProjectState& s = projects[c.account.v];
  if (s.owner != c.participant.v) {
    reject(c, RejectCode::kProjectNotOwned, 0, 0, sink);
    return false;
  }
  if (s.industry != instruments[c.instrument.v].industry) {
    reject(c, RejectCode::kProjectWrongIndustry, 0, 0, sink);
    return false;
  }
  if (s.instrument != kAnyInstrument && s.instrument != c.instrument.v) {
    reject(c, RejectCode::kProjectWrongIndustry, 1, s.instrument, sink);
    return false;
  }
  if (!s.open) {
    reject(c, RejectCode::kProjectNotOpen, static_cast<std::int64_t>(market.projects[c.account.v].status), 0, sink);
    return false;
  }
  if (s.lowest_ratio == 0) {
    reject(c, RejectCode::kNoRatioRule, 0, 0, sink);
    return false;
  }
  if (s.counterparties == 0) {
    reject(c, RejectCode::kNoCounterparty, 0, 0, sink);
    return false;
  }
  // An order that could never credit anything, at any ratio the project can get, is refused: every
  // fill of it would retire capacity for no new capacity (a fill that would is skipped at match time).
  if (!credits_something(c, Side::kBuy, open, sink)) return false;
  // A new order needs need left that no open order reserves: with none, each of its fills would be
  // cut to nothing.
  const std::int64_t free = s.need - s.credited - s.reserved;
  if (extra > free || (is_new && free <= 0)) {
    reject(c, RejectCode::kProjectNeed, free, extra, sink);
    return false;
  }
  return true;
}

bool Exchange::Impl::malformed(const Command& c) const {
  const EngineSettings& s = book_limits;
  return c.instrument.v >= instruments.size() || static_cast<std::uint8_t>(c.side) > 1 ||
         static_cast<std::uint8_t>(c.ord_type) > 1 || static_cast<std::uint8_t>(c.tif) > 4 ||
         (c.flags & ~kKnownFlags) != 0 || c.qty.v < 1 || c.qty > s.max_qty || c.price.v < 1 ||
         c.price > s.max_price;
}

void Exchange::Impl::on_new(const Command& in, EventSink& sink) {
  if (in.ord_type == OrderType::kMarket && in.price.v == 0 && in.instrument.v < instruments.size()) {
    Command c = in;  // a market order without a protection price gets the band's edge
    c.price = c.side == Side::kBuy ? instruments[c.instrument.v].high : instruments[c.instrument.v].low;
    return checked_new(c, sink);
  }
  checked_new(in, sink);
}

void Exchange::Impl::checked_new(const Command& c, EventSink& sink) {
  if (malformed(c)) return forward(c, sink);
  if (!check_trader(c, sink)) return;
  if (!check_price_qty(c, c.price, sink)) return;
  const auto a = static_cast<std::uint32_t>(c.account.v);  // checked below before any use
  if (c.side == Side::kSell) {
    if (!check_facility(c, c.qty.v, c.qty.v, sink)) return;
    if (!indivisible_ok(c, c.flags, c.tif, c.qty)) {
      return reject(c, RejectCode::kFacilityIndivisible,
                    market.facilities[a].capacity - facilities[a].sold, 0, sink);
    }
    return forward_as<CommandType::kNew, Side::kSell>(c, a, c.qty, sink);
  }
  const std::int64_t extra = c.account.v < projects.size() ? reserve_of(a, c.qty.v) : 0;
  if (!check_project(c, extra, c.qty.v, true, sink)) return;
  forward_as<CommandType::kNew, Side::kBuy>(c, a, c.qty, sink);
}

void Exchange::Impl::on_replace(const Command& c, EventSink& sink) {
  const Order* const old = book.peek(c.id);  // valid until the forward below
  if (!old || old->instrument != c.instrument || old->participant != c.participant ||
      c.qty.v <= old->qty.v - old->leaves.v || c.qty.v < 1 || c.qty > book.settings().max_qty ||
      c.price.v < 1 || c.price > book.settings().max_price) {
    return forward(c, sink);  // the book rejects it with its own code
  }
  Command checked = c;
  checked.side = old->side;
  checked.account = old->account;
  if (!check_trader(checked, sink)) return;
  if (!check_price_qty(checked, c.price, sink)) return;
  const Qty new_open = c.qty - (old->qty - old->leaves);
  replaced_open = old->leaves;  // the reservation forward_as moves to new_open
  const auto a = static_cast<std::uint32_t>(old->account.v);
  if (old->side == Side::kSell) {
    if (!check_facility(checked, new_open.v - old->leaves.v, new_open.v, sink)) return;
    if (!indivisible_ok(checked, old->flags, old->tif, new_open)) {
      return reject(checked, RejectCode::kFacilityIndivisible,
                    market.facilities[a].capacity - facilities[a].sold, 0, sink);
    }
    return forward_as<CommandType::kReplace, Side::kSell>(c, a, new_open, sink);
  }
  if (!check_project(checked, reserve_of(a, new_open.v) - reserve_of(a, old->leaves.v), new_open.v, false, sink)) {
    return;
  }
  forward_as<CommandType::kReplace, Side::kBuy>(c, a, new_open, sink);
}

}  // namespace crix::engine
