// One-way bidding auctions (单向竞价): the operator announces a seller's lot, participants bid for
// their projects during a window, and at its end the lot goes to the best bids the market's rules
// allow (exchange.hpp, "Auctions"; auction.hpp allocates).
#include <stdexcept>

#include "engine/exchange_impl.hpp"

namespace crix::engine {

std::string_view to_string(AuctionState state) {
  switch (state) {
    case AuctionState::kConfigured: return "configured";
    case AuctionState::kAnnounced: return "announced";
    case AuctionState::kSold: return "sold";
    case AuctionState::kUnsold: return "unsold";
    case AuctionState::kCanceled: return "canceled";
  }
  return "?";
}

namespace {

// Ranks bids as allocate() does: price, highest first, then time, then placement.
bool ranks_before(const AuctionBidEntry& a, std::size_t ia, const AuctionBidEntry& b, std::size_t ib) {
  if (a.price != b.price) return a.price > b.price;
  if (a.time != b.time) return a.time < b.time;
  return ia < ib;
}

}  // namespace

void Exchange::Impl::on_auction_announce(const Command& c, EventSink& sink) {
  if (c.id.v >= auctions.size()) {
    return reject(c, RejectCode::kUnknownAuction, static_cast<std::int64_t>(c.id.v), 0, sink);
  }
  const auto a = static_cast<std::uint32_t>(c.id.v);
  AuctionStatus& st = auctions[a];
  const AuctionFacts& facts = auction_facts[a];
  Command as_sent = c;
  as_sent.instrument = InstrumentId(facts.instrument);
  as_sent.participant = ParticipantId(facts.seller);
  const auto refuse = [&](AuctionLotRefusal why, std::int64_t number) {
    reject(as_sent, RejectCode::kAuctionLot, static_cast<std::int64_t>(why), number, sink);
  };
  if (st.state == AuctionState::kAnnounced) return refuse(AuctionLotRefusal::kAlreadyOpen, 0);
  if (st.state == AuctionState::kSold) return refuse(AuctionLotRefusal::kSold, 0);
  const Timestamp opens = auction_opens(c);
  if (c.expire_at <= opens || c.expire_at <= c.ts) return refuse(AuctionLotRefusal::kWindow, 0);
  // The lot's parts, facility by facility in the terms' order.
  std::vector<std::int64_t> parts(facts.facilities.size(), 0);
  std::int64_t left = market.auctions[a].qty;
  for (std::size_t k = 0; k < facts.facilities.size() && left > 0; ++k) {
    const std::uint32_t f = facts.facilities[k];
    const FacilityState& fs = facilities[f];
    const bool eligible = fs.registered && fs.standing == Ineligibility::kNone && today <= fs.expires_day;
    if (!eligible || suspended_flags[fs.owner]) return refuse(AuctionLotRefusal::kFacility, f);
    const std::int64_t free = fs.capacity - fs.sold - fs.reserved;
    if (!fs.divisible) {
      // An indivisible facility is sold whole: the lot takes all it has left, or the lot is refused.
      if (fs.reserved != 0 || fs.capacity - fs.sold > left) return refuse(AuctionLotRefusal::kIndivisible, f);
      parts[k] = fs.capacity - fs.sold;
    } else {
      parts[k] = std::min(free, left);
    }
    left -= parts[k];
  }
  if (left > 0) return refuse(AuctionLotRefusal::kCapacity, facts.facilities.back());
  for (std::size_t k = 0; k < parts.size(); ++k) facilities[facts.facilities[k]].reserved += parts[k];
  st = AuctionStatus{};
  bid_slots[a].clear();
  st.state = AuctionState::kAnnounced;
  st.opens = opens;
  st.closes = c.expire_at;
  st.reserved = std::move(parts);
  next_auction_end = std::min(next_auction_end, c.expire_at.v);
  Event e = auction_event(a, EventType::kAuctionAnnounced);
  e.price = Price(market.auctions[a].reserve_price);
  e.qty = Qty(market.auctions[a].qty);
  e.arg1 = opens.v;
  e.arg2 = c.expire_at.v;
  sink.push(e);
}

void Exchange::Impl::on_auction_cancel(const Command& c, EventSink& sink) {
  if (c.id.v >= auctions.size()) {
    return reject(c, RejectCode::kUnknownAuction, static_cast<std::int64_t>(c.id.v), 0, sink);
  }
  const auto a = static_cast<std::uint32_t>(c.id.v);
  if (auctions[a].state != AuctionState::kAnnounced) {
    Command as_sent = c;
    as_sent.instrument = InstrumentId(auction_facts[a].instrument);
    return reject(as_sent, RejectCode::kAuctionLot, static_cast<std::int64_t>(AuctionLotRefusal::kAlreadyOpen), 1,
                  sink);
  }
  cancel_auction(a, CancelReason::kAuctionCanceled, sink);
}

void Exchange::Impl::on_auction_bid(const Command& c, EventSink& sink) {
  const std::uint32_t a = auction_of(c);
  if (a >= auctions.size()) return reject(c, RejectCode::kUnknownAuction, a, 0, sink);
  const AuctionTerms& terms = market.auctions[a];
  const AuctionFacts& facts = auction_facts[a];
  AuctionStatus& st = auctions[a];
  Command bid = c;  // refusals name the auction's instrument and the buy side
  bid.instrument = InstrumentId(facts.instrument);
  bid.side = Side::kBuy;
  if (st.state != AuctionState::kAnnounced || c.ts < st.opens || c.ts >= st.closes) {
    const bool before = st.state == AuctionState::kAnnounced && c.ts < st.opens;
    return reject(bid, RejectCode::kAuctionNotOpen, static_cast<std::int64_t>(st.state), before ? 0 : 1, sink);
  }
  if (bid.participant.v >= market.participants.size()) {
    return reject(bid, RejectCode::kUnknownParticipant, bid.participant.v, 0, sink);
  }
  if (suspended_flags[bid.participant.v]) return reject(bid, RejectCode::kParticipantSuspended, 0, 0, sink);
  if ((roles[bid.participant.v] & 1u) == 0) return reject(bid, RejectCode::kSideNotAllowed, 0, 0, sink);
  if (!trades_instrument[bid.participant.v * instruments.size() + facts.instrument]) {
    return reject(bid, RejectCode::kInstrumentNotAllowed, 0, 0, sink);
  }
  if (bid.participant.v == facts.seller) {
    return reject(bid, RejectCode::kAuctionBidder, static_cast<std::int64_t>(AuctionBidder::kSeller), 0, sink);
  }
  if (instruments[facts.instrument].halted) return reject(bid, RejectCode::kInstrumentHalted, 0, 0, sink);
  const std::int64_t lot = instruments[facts.instrument].lot;
  if (bid.qty.v < 1 || bid.qty > book_limits.max_qty) {
    return reject(bid, RejectCode::kInvalidQuantity, bid.qty.v, book_limits.max_qty.v, sink);
  }
  if (bid.price.v < 1 || bid.price > book_limits.max_price) {
    return reject(bid, RejectCode::kInvalidPrice, bid.price.v, book_limits.max_price.v, sink);
  }
  if (bid.qty.v % lot != 0) return reject(bid, RejectCode::kOffLot, bid.qty.v, lot, sink);
  if (bid.qty.v > terms.qty) {
    return reject(bid, RejectCode::kAuctionBidder, static_cast<std::int64_t>(AuctionBidder::kAboveLot), terms.qty,
                  sink);
  }
  if (bid.price.v < terms.reserve_price) {
    return reject(bid, RejectCode::kBelowReserve, bid.price.v, terms.reserve_price, sink);
  }
  if ((bid.price.v - terms.reserve_price) % terms.increment != 0) {
    return reject(bid, RejectCode::kOffIncrement, bid.price.v, terms.increment, sink);
  }
  // A raise of the project's bid, or its first.
  const auto slot = bid_slots[a].find(bid.account.v);
  const bool raise = slot != bid_slots[a].end();
  const std::size_t i = raise ? slot->second : st.bids.size();
  if (raise) {
    const AuctionBidEntry& old = st.bids[i];
    if (old.bidder != bid.participant) return reject(bid, RejectCode::kProjectNotOwned, 0, 0, sink);
    if (bid.price < old.price || bid.qty < old.qty || (bid.price == old.price && bid.qty == old.qty)) {
      return reject(bid, RejectCode::kBidNotRaised, old.price.v, old.qty.v, sink);
    }
  }
  const auto p = static_cast<std::uint32_t>(bid.account.v);
  const std::int64_t before = raise ? reserve_of(p, st.bids[i].qty.v) : 0;
  const std::int64_t extra = p < projects.size() ? reserve_of(p, bid.qty.v) - before : 0;
  if (!check_project(bid, extra, bid.qty.v, !raise, sink)) return;
  bool pair = false;
  for (std::uint32_t f : facts.facilities) pair = pair || pairs[std::size_t{f} * projects.size() + p].allowed;
  if (!pair) {
    return reject(bid, RejectCode::kAuctionBidder, static_cast<std::int64_t>(AuctionBidder::kNoPair), 0, sink);
  }
  projects[p].reserved += extra;
  Event e = auction_event(a, EventType::kAuctionBid);
  e.order_id = bid.id;
  e.side = Side::kBuy;
  e.account = bid.account;
  e.participant = bid.participant;
  e.price = bid.price;
  e.qty = bid.qty;
  e.leaves = bid.qty;
  if (raise) {
    AuctionBidEntry& old = st.bids[i];
    e.maker_id = old.id;
    old.id = bid.id;
    old.price = bid.price;
    old.qty = bid.qty;
    old.time = bid.seq;
  } else {
    bid_slots[a].emplace(bid.account.v, static_cast<std::uint32_t>(st.bids.size()));
    st.bids.push_back(AuctionBidEntry{bid.id, bid.participant, bid.account, bid.price, bid.qty, bid.seq, Qty{}});
  }
  sink.push(e);
}

// ---- the window's end ------------------------------------------------------------------------------

// The market's rules for one auction's allocation (auction.hpp's AuctionRules): the lot's facilities
// in order, each part an allowed pair, cut to the project's room at the pair's ratio, a part that would
// pass the buyer region's cap skipped. What earlier allocations took is counted here (they settle
// after the allocation: a uniform price is known only at its end).
class Exchange::Impl::LotRules final : public AuctionRules {
 public:
  struct Part {
    std::size_t bid = 0;
    std::size_t facility = 0;  // index into the terms' facilities
    std::int64_t qty = 0;
  };

  LotRules(const Impl& x, const std::vector<std::uint32_t>& facilities, const AuctionStatus& st,
           std::int64_t lot)
      : x_(x), facilities_(facilities), bids_(st.bids), lot_(lot), left_(st.reserved), region_(x.capacity) {}

  // Plans the bid's parts against what earlier allocations left; taken() applies the plan the last
  // question made (allocate() asks, then takes exactly what it was allowed).
  Qty allowed(std::size_t bid, Qty asked) const override {
    plan_.clear();
    plan_bid_ = bid;
    return Qty(plan(bid, asked.v));
  }

  void taken(std::size_t bid, Qty qty) override {
    std::int64_t took = 0;
    for (const Part& part : plan_) took += part.qty;
    if (bid != plan_bid_ || took != qty.v) throw std::logic_error("auction allocation took what it was not allowed");
    for (const Part& part : plan_) {
      const std::uint32_t f = facilities_[part.facility];
      const auto& ps = x_.projects[bids_[bid].project.v];
      const auto& fs = x_.facilities[f];
      const std::uint32_t ratio = x_.pairs[std::size_t{f} * x_.projects.size() + bids_[bid].project.v].ratio;
      region_[ps.region * kIndustries + ind(ps.industry)] += credited_capacity(part.qty, ratio);
      region_[fs.region * kIndustries + ind(fs.industry)] -= part.qty;
      left_[part.facility] -= part.qty;
      parts_.push_back(part);
    }
  }

  const std::vector<Part>& parts() const { return parts_; }

 private:
  // Plans up to `asked` for bid `bid` from what the facilities have left, into plan_. Returns the total.
  std::int64_t plan(std::size_t bid, std::int64_t asked) const {
    const AuctionBidEntry& b = bids_[bid];
    const auto p = static_cast<std::uint32_t>(b.project.v);
    const Exchange::Impl::ProjectState& ps = x_.projects[p];
    // The project's room: its need less its credit and what its open orders and other bids reserve
    // (this bid's own reservation is released by the trade).
    std::int64_t room = ps.need - ps.credited - (ps.reserved - x_.reserve_of(p, b.qty.v));
    const std::size_t buyer = ps.region * kIndustries + ind(ps.industry);
    std::int64_t moved = 0;  // the buyer region's change so far in this plan
    std::int64_t took = 0;
    for (std::size_t k = 0; k < facilities_.size() && took < asked; ++k) {
      if (left_[k] == 0) continue;
      const std::uint32_t f = facilities_[k];
      const Exchange::Impl::PairRule& rule = x_.pairs[std::size_t{f} * x_.projects.size() + p];
      if (!rule.allowed) continue;
      const std::int64_t q = Exchange::Impl::cut_to(room, rule.ratio, lot_, std::min(left_[k], asked - took));
      if (q == 0) continue;
      const std::int64_t credit = credited_capacity(q, rule.ratio);
      const Exchange::Impl::FacilityState& fs = x_.facilities[f];
      const bool same_cell = buyer == fs.region * kIndustries + ind(fs.industry);
      const std::int64_t change = credit - (same_cell ? q : 0);
      if (x_.caps[buyer] != Exchange::Impl::kNoCap && region_[buyer] + moved + change > x_.caps[buyer]) continue;
      moved += change;
      room -= credit;
      took += q;
      plan_.push_back(Part{bid, k, q});
    }
    return took;
  }

  const Exchange::Impl& x_;
  const std::vector<std::uint32_t>& facilities_;
  const std::vector<AuctionBidEntry>& bids_;
  const std::int64_t lot_;
  std::vector<std::int64_t> left_;    // per facility of the terms: the lot's part not yet allocated
  std::vector<std::int64_t> region_;  // region totals, as allocations so far would leave them
  std::vector<Part> parts_;           // the parts taken, in allocation order
  mutable std::vector<Part> plan_;    // the last question's plan
  mutable std::size_t plan_bid_ = 0;
};

void Exchange::Impl::end_due_auctions(Timestamp ts, EventSink& sink) {
  // In index order: the same journal ends them in the same order.
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    if (auctions[a].state == AuctionState::kAnnounced && auctions[a].closes <= ts) end_auction(a, ts, sink);
  }
  reset_next_auction_end();
}

void Exchange::Impl::reset_next_auction_end() {
  next_auction_end = kNever;
  for (const AuctionStatus& st : auctions) {
    if (st.state == AuctionState::kAnnounced) next_auction_end = std::min(next_auction_end, st.closes.v);
  }
}

void Exchange::Impl::end_auction(std::uint32_t a, Timestamp ts, EventSink& sink) {
  AuctionStatus& st = auctions[a];
  const AuctionTerms& terms = market.auctions[a];
  const AuctionFacts& facts = auction_facts[a];
  std::vector<AuctionBid> bids;
  bids.reserve(st.bids.size());
  for (const AuctionBidEntry& b : st.bids) bids.push_back(AuctionBid{b.price, b.qty, b.time.v});
  LotRules rules(*this, facts.facilities, st, instruments[facts.instrument].lot);
  const std::vector<Allocation> won = allocate(AuctionLot{Qty(terms.qty), facts.whole, terms.pricing}, bids, rules);
  // Settle each part at its allocation's price, in allocation order.
  std::vector<std::int64_t> open(st.bids.size());
  for (std::size_t i = 0; i < st.bids.size(); ++i) open[i] = st.bids[i].qty.v;
  std::int64_t lot_left = terms.qty;
  std::size_t next = 0;
  for (const Allocation& w : won) {
    for (; next < rules.parts().size() && rules.parts()[next].bid == w.bid; ++next) {
      const LotRules::Part& part = rules.parts()[next];
      AuctionBidEntry& b = st.bids[part.bid];
      const std::uint32_t f = facts.facilities[part.facility];
      open[part.bid] -= part.qty;
      lot_left -= part.qty;
      st.reserved[part.facility] -= part.qty;
      b.won += Qty(part.qty);
      Event e;
      e.type = EventType::kFill;
      e.mode = TradeMode::kAuction;
      e.count = a;
      e.instrument = InstrumentId(facts.instrument);
      e.order_id = b.id;
      e.side = Side::kBuy;
      e.price = w.price;
      e.qty = Qty(part.qty);
      e.leaves = Qty(open[part.bid]);
      e.maker_leaves = Qty(lot_left);
      e.trade_id = book.take_trade_id();
      e.account = b.project;
      e.participant = b.bidder;
      e.maker_account = AccountId(f);
      e.maker_participant = ParticipantId(facts.seller);
      fill(e);
      sink.push(e);
    }
  }
  // fill() notes book orders a fill left spent or over-credited; a bid is no book order.
  spent_remainders.clear();
  over_credited.clear();
  st.sold = Qty(terms.qty - lot_left);
  st.price = won.empty() ? Price{} : std::min_element(won.begin(), won.end(), [](const Allocation& x, const Allocation& y) {
                                       return x.price < y.price;
                                     })->price;
  close_auction(a, won.empty() ? AuctionState::kUnsold : AuctionState::kSold, CancelReason::kAuctionLost,
                CancelReason::kNone, static_cast<std::int64_t>(won.size()), open, sink);
  if (!need_met.empty()) after_fills(ts, sink);
}

void Exchange::Impl::cancel_auction(std::uint32_t a, CancelReason reason, EventSink& sink) {
  AuctionStatus& st = auctions[a];
  std::vector<std::int64_t> open(st.bids.size());
  for (std::size_t i = 0; i < st.bids.size(); ++i) open[i] = st.bids[i].qty.v;
  close_auction(a, AuctionState::kCanceled, reason, reason, 0, open, sink);
  reset_next_auction_end();
}

void Exchange::Impl::close_auction(std::uint32_t a, AuctionState state, CancelReason bid_reason,
                                   CancelReason reason, std::int64_t winners, const std::vector<std::int64_t>& open,
                                   EventSink& sink) {
  AuctionStatus& st = auctions[a];
  const AuctionFacts& facts = auction_facts[a];
  for (std::size_t i = 0; i < st.bids.size(); ++i) {
    const AuctionBidEntry& b = st.bids[i];
    if (open[i] == 0) continue;  // it won all it bid
    reserve(Side::kBuy, b.project, open[i], -1);
    sink.push(bid_ended(a, b, Qty(open[i]), bid_reason));
  }
  for (std::size_t k = 0; k < st.reserved.size(); ++k) {
    facilities[facts.facilities[k]].reserved -= st.reserved[k];
    st.reserved[k] = 0;
  }
  st.state = state;
  bid_slots[a].clear();
  Event e = auction_event(a, EventType::kAuctionEnded);
  e.qty = st.sold;
  e.price = st.price;
  e.arg1 = winners;
  e.arg2 = market.auctions[a].qty;
  e.reason = reason;
  sink.push(e);
}

void Exchange::Impl::end_auction_bids(Side side, std::uint32_t account, CancelReason reason, EventSink& sink) {
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    AuctionStatus& st = auctions[a];
    if (st.state != AuctionState::kAnnounced) continue;
    if (side == Side::kSell) {
      const auto& fs = auction_facts[a].facilities;
      if (std::find(fs.begin(), fs.end(), account) != fs.end()) cancel_auction(a, reason, sink);
      continue;
    }
    const auto slot = bid_slots[a].find(account);
    if (slot == bid_slots[a].end()) continue;
    const AuctionBidEntry b = st.bids[slot->second];
    st.bids.erase(st.bids.begin() + static_cast<std::ptrdiff_t>(slot->second));
    bid_slots[a].clear();  // the later bids moved up: index them again
    for (std::uint32_t i = 0; i < st.bids.size(); ++i) bid_slots[a].emplace(st.bids[i].project.v, i);
    reserve(Side::kBuy, b.project, b.qty.v, -1);
    sink.push(bid_ended(a, b, b.qty, reason));
  }
}

void Exchange::Impl::end_auctions_of(ParticipantId who, EventSink& sink) {
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    if (auctions[a].state == AuctionState::kAnnounced && auction_facts[a].seller == who.v) {
      cancel_auction(a, CancelReason::kSuspended, sink);
    }
  }
  for (std::uint32_t p = 0; p < projects.size(); ++p) {
    if (projects[p].owner == who.v) end_auction_bids(Side::kBuy, p, CancelReason::kSuspended, sink);
  }
}

Event Exchange::Impl::auction_event(std::uint32_t a, EventType type) const {
  Event e;
  e.type = type;
  e.mode = TradeMode::kAuction;
  e.count = a;
  e.instrument = InstrumentId(auction_facts[a].instrument);
  e.participant = ParticipantId(auction_facts[a].seller);
  return e;
}

Event Exchange::Impl::bid_ended(std::uint32_t a, const AuctionBidEntry& b, Qty released, CancelReason reason) const {
  Event e = auction_event(a, EventType::kAuctionBidEnded);
  e.order_id = b.id;
  e.side = Side::kBuy;
  e.account = b.project;
  e.participant = b.bidder;
  e.maker_participant = ParticipantId(auction_facts[a].seller);
  e.price = b.price;
  e.qty = b.won;
  e.leaves = released;
  e.reason = reason;
  return e;
}

std::vector<AuctionBidEntry> Exchange::Impl::ranking(std::uint32_t a) const {
  const std::vector<AuctionBidEntry>& bids = auctions.at(a).bids;
  std::vector<std::size_t> order(bids.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return ranks_before(bids[x], x, bids[y], y); });
  std::vector<AuctionBidEntry> out;
  out.reserve(bids.size());
  for (std::size_t i : order) out.push_back(bids[i]);
  return out;
}

}  // namespace crix::engine
