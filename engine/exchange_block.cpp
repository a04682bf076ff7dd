// Block trades (大宗协议): a two-party trade agreed off the book, proposed by one side naming the
// other, settled as one trade when the other accepts (exchange.hpp, "Block trades").
#include "engine/exchange_impl.hpp"

namespace crix::engine {

std::size_t Exchange::Impl::find_block(OrderId id) const {
  std::size_t i = 0;
  while (i < blocks.size() && blocks[i].id != id) ++i;
  return i;
}

bool Exchange::Impl::check_block_price_qty(const Command& c, EventSink& sink) const {
  const InstrumentState& s = instruments[c.instrument.v];
  if (s.tick != 1 && c.price.v % s.tick != 0) {
    reject(c, RejectCode::kOffTick, c.price.v, s.tick, sink);
    return false;
  }
  if (s.lot != 1 && c.qty.v % s.lot != 0) {
    reject(c, RejectCode::kOffLot, c.qty.v, s.lot, sink);
    return false;
  }
  if (s.block_min != 0 && c.qty.v < s.block_min) {
    reject(c, RejectCode::kBelowBlockMin, c.qty.v, s.block_min, sink);
    return false;
  }
  if (c.price < s.block_low || c.price > s.block_high) {
    reject(c, RejectCode::kOutsideBlockBand, s.block_low.v, s.block_high.v, sink);
    return false;
  }
  return true;
}

bool Exchange::Impl::check_counterparty(const Command& c, EventSink& sink) const {
  const ParticipantId other = block_counterparty(c);
  const auto refuse = [&](BlockCounterparty why) {
    reject(c, RejectCode::kBlockCounterparty, static_cast<std::int64_t>(why), other.v, sink);
    return false;
  };
  if (other.v >= market.participants.size()) return refuse(BlockCounterparty::kUnknown);
  if (other == c.participant) return refuse(BlockCounterparty::kProposer);
  if (suspended_flags[other.v]) return refuse(BlockCounterparty::kSuspended);
  if ((roles[other.v] & (c.side == Side::kSell ? 1u : 2u)) == 0) return refuse(BlockCounterparty::kWrongSide);
  if (!trades_instrument[other.v * instruments.size() + c.instrument.v]) return refuse(BlockCounterparty::kInstrument);
  return true;
}

void Exchange::Impl::on_block_propose(const Command& c, EventSink& sink) {
  if (c.instrument.v >= instruments.size()) return reject(c, RejectCode::kUnknownInstrument, c.instrument.v, 0, sink);
  if (static_cast<std::uint8_t>(c.side) > 1) {
    return reject(c, RejectCode::kInvalidSide, static_cast<std::int64_t>(c.side), 0, sink);
  }
  if (c.qty.v < 1 || c.qty > book_limits.max_qty) {
    return reject(c, RejectCode::kInvalidQuantity, c.qty.v, book_limits.max_qty.v, sink);
  }
  if (c.price.v < 1 || c.price > book_limits.max_price) {
    return reject(c, RejectCode::kInvalidPrice, c.price.v, book_limits.max_price.v, sink);
  }
  if (!check_trader(c, sink)) return;
  if (find_block(c.id) != blocks.size()) return reject(c, RejectCode::kDuplicateBlockId, 0, 0, sink);
  if (!check_counterparty(c, sink)) return;
  if (!check_block_price_qty(c, sink)) return;
  if (c.side == Side::kSell) {
    if (!check_facility(c, c.qty.v, c.qty.v, sink)) return;
    if (!indivisible_ok(c, kFlagAllOrNone, TimeInForce::kGtc, c.qty)) {
      const auto f = static_cast<std::uint32_t>(c.account.v);
      return reject(c, RejectCode::kFacilityIndivisible, market.facilities[f].capacity - facilities[f].sold, 0,
                    sink);
    }
  } else {
    const std::int64_t extra =
        c.account.v < projects.size() ? reserve_of(static_cast<std::uint32_t>(c.account.v), c.qty.v) : 0;
    if (!check_project(c, extra, c.qty.v, true, sink)) return;
  }
  const BlockProposal b{c.id, c.instrument, c.participant, block_counterparty(c), c.side, c.account, c.price, c.qty};
  blocks.push_back(b);
  reserve(b.side, b.account, b.qty.v, +1);
  sink.push(block_event(b, EventType::kBlockProposed));
}

std::int64_t Exchange::Impl::check_block_pair(const Command& accept, const BlockProposal& b, std::uint32_t f,
                                              std::uint32_t p, EventSink& sink) const {
  const auto refuse = [&](BlockRefusal why, std::int64_t number) {
    reject(accept, RejectCode::kBlockPairRefused, static_cast<std::int64_t>(why), number, sink);
    return std::int64_t{0};
  };
  const PairRule& rule = pairs[f * projects.size() + p];
  if (!rule.allowed) return refuse(BlockRefusal::kPairForbidden, 0);
  const std::int64_t credit = credited_capacity(b.qty.v, rule.ratio);
  if (credit == 0) return refuse(BlockRefusal::kCreditsNothing, rule.ratio);
  // The project's room: its need less its credit and what its open orders and OTHER proposals
  // reserve (a buy proposal's own reservation is released by the trade).
  const ProjectState& ps = projects[p];
  const std::int64_t own = b.side == Side::kBuy ? reserve_of(p, b.qty.v) : 0;
  const std::int64_t room = ps.need - ps.credited - (ps.reserved - own);
  if (credit > room) return refuse(BlockRefusal::kProjectRoom, std::max<std::int64_t>(room, 0));
  const std::size_t slot = ps.region * kIndustries + ind(ps.industry);
  if (caps[slot] != kNoCap) {
    const std::int64_t after = capacity[slot] + credit - (facilities[f].region == ps.region ? b.qty.v : 0);
    if (after > caps[slot]) {
      return refuse(BlockRefusal::kRegionCap, std::max<std::int64_t>(caps[slot] - capacity[slot], 0));
    }
  }
  return credit;
}

void Exchange::Impl::on_block_accept(const Command& c, EventSink& sink) {
  const std::size_t i = find_block(c.id);
  if (i == blocks.size()) return reject(c, RejectCode::kUnknownBlock, static_cast<std::int64_t>(c.id.v), 0, sink);
  const BlockProposal b = blocks[i];
  // The acceptance as the order it stands for: the other side of the proposal, on the acceptor's
  // account, at the proposal's price and quantity; its refusals carry these.
  Command as_order = c;
  as_order.instrument = b.instrument;
  as_order.side = opposite(b.side);
  as_order.price = b.price;
  as_order.qty = b.qty;
  if (c.participant != b.counterparty) {
    return reject(as_order, RejectCode::kNotBlockParty, 1, b.counterparty.v, sink);
  }
  if (!check_trader(as_order, sink)) return;
  std::uint32_t f = 0;
  std::uint32_t p = 0;
  if (as_order.side == Side::kSell) {
    if (!check_facility(as_order, b.qty.v, b.qty.v, sink)) return;
    if (!indivisible_ok(as_order, kFlagAllOrNone, TimeInForce::kGtc, b.qty)) {
      f = static_cast<std::uint32_t>(c.account.v);
      return reject(as_order, RejectCode::kFacilityIndivisible, market.facilities[f].capacity - facilities[f].sold,
                    0, sink);
    }
    f = static_cast<std::uint32_t>(c.account.v);
    p = static_cast<std::uint32_t>(b.account.v);
  } else {
    // The need is checked below at the pair's own ratio (check_block_pair), not at the highest.
    if (!check_project(as_order, 0, b.qty.v, false, sink)) return;
    f = static_cast<std::uint32_t>(b.account.v);
    p = static_cast<std::uint32_t>(c.account.v);
  }
  const std::int64_t credit = check_block_pair(as_order, b, f, p, sink);
  if (credit == 0) return;
  // Settled as a fill between the acceptor (the taker) and the proposal (the maker): reserve the
  // acceptor's side as the proposal's is, and fill() releases both.
  blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(i));
  reserve(as_order.side, c.account, b.qty.v, +1);
  Event e;
  e.type = EventType::kFill;
  e.mode = TradeMode::kBlock;
  e.instrument = b.instrument;
  e.order_id = b.id;
  e.maker_id = b.id;
  e.side = as_order.side;
  e.price = b.price;
  e.qty = b.qty;
  e.trade_id = book.take_trade_id();
  e.account = c.account;
  e.participant = c.participant;
  e.maker_account = b.account;
  e.maker_participant = b.proposer;
  fill(e);
  sink.push(e);
  if (!need_met.empty()) after_fills(c.ts, sink);  // a block fill leaves neither side open
}

void Exchange::Impl::on_block_answer(const Command& c, EventSink& sink) {
  const std::size_t i = find_block(c.id);
  if (i == blocks.size()) return reject(c, RejectCode::kUnknownBlock, static_cast<std::int64_t>(c.id.v), 0, sink);
  const BlockProposal& b = blocks[i];
  const bool decline = c.type == CommandType::kBlockDecline;
  const ParticipantId may = decline ? b.counterparty : b.proposer;
  if (c.participant != may) {
    Command as_sent = c;
    as_sent.instrument = b.instrument;
    return reject(as_sent, RejectCode::kNotBlockParty, decline ? 1 : 2, may.v, sink);
  }
  end_block(i, decline ? CancelReason::kDeclined : CancelReason::kRequested, sink);
}

void Exchange::Impl::end_block(std::size_t i, CancelReason reason, EventSink& sink) {
  const BlockProposal b = blocks[i];
  blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(i));
  reserve(b.side, b.account, b.qty.v, -1);
  Event e = block_event(b, EventType::kBlockEnded);
  e.reason = reason;
  sink.push(e);
}

Event Exchange::Impl::block_event(const BlockProposal& b, EventType type) {
  Event e;
  e.type = type;
  e.instrument = b.instrument;
  e.order_id = b.id;
  e.side = b.side;
  e.account = b.account;
  e.participant = b.proposer;
  e.maker_participant = b.counterparty;
  e.price = b.price;
  e.qty = b.qty;
  return e;
}

}  // namespace crix::engine
