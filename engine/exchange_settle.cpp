#include "engine/exchange_impl.hpp"

namespace crix::engine {

void Exchange::Impl::forward(const Command& c, EventSink& sink, CancelReason reason) {
  cancel_reason = reason;
  book.apply(c, sink);  // the hook settles its events as the book appends them
  cancel_reason = CancelReason::kNone;
  if (!need_met.empty() || !over_credited.empty() || !spent_remainders.empty()) after_fills(c.ts, sink);
}

void Exchange::Impl::cancel(const Command& c, EventSink& sink, CancelReason reason) {
  cancel_reason = reason;
  book.apply_cancel(c, sink);  // a cancel fills nothing: no after_fills()
  cancel_reason = CancelReason::kNone;
}

template <CommandType T, Side S>
void Exchange::Impl::forward_as(const Command& c, std::uint32_t a, Qty open, EventSink& sink) {
  // The order's reservation is in place before its walk (need_room counts it as its own), moved from
  // the open quantity a replace had; the book's rare refusal moves it back.
  const auto move_reservation = [&](int sign) {
    if constexpr (T == CommandType::kReplace) reserve_as<S>(a, replaced_open.v, -sign);
    reserve_as<S>(a, open.v, sign);
  };
  move_reservation(+1);
  if constexpr (S == Side::kBuy) taker_reserved = reserve_of(a, open.v);
  const std::size_t from = sink.size();
  if constexpr (T == CommandType::kNew) {
    book.apply_new(c, sink);
  } else {
    book.apply_replace(c, sink);
  }
  if (sink.since(from).front().type == EventType::kRejected) [[unlikely]] return move_reservation(-1);
  if (!need_met.empty() || !over_credited.empty() || !spent_remainders.empty()) after_fills(c.ts, sink);
}
template void Exchange::Impl::forward_as<CommandType::kNew, Side::kBuy>(const Command&, std::uint32_t, Qty, EventSink&);
template void Exchange::Impl::forward_as<CommandType::kNew, Side::kSell>(const Command&, std::uint32_t, Qty, EventSink&);
template void Exchange::Impl::forward_as<CommandType::kReplace, Side::kBuy>(const Command&, std::uint32_t, Qty,
                                                                           EventSink&);
template void Exchange::Impl::forward_as<CommandType::kReplace, Side::kSell>(const Command&, std::uint32_t, Qty,
                                                                            EventSink&);

// ---- the hook's settlement: each Fill, Canceled and Expired event as the book appends it ----------

void Exchange::Impl::filled(Event& e) { fill(e); }

void Exchange::Impl::ended(Event& e) {
  if (in_walk) [[unlikely]] {  // a maker self-trade prevention canceled: at the walk's end
    ended_in_walk.push_back(Ending{e.side, e.account, e.qty.v});
    return;
  }
  if (e.type == EventType::kCanceled && cancel_reason != CancelReason::kNone) e.reason = cancel_reason;
  reserve(e.side, e.account, e.qty.v, -1);
}

void Exchange::Impl::walk_ended() {
  in_walk = false;
  for (const Ending& x : ended_in_walk) reserve(x.side, x.account, x.open, -1);
  ended_in_walk.clear();
}

void Exchange::Impl::after_fills(Timestamp ts, EventSink& sink) {
  for (std::uint32_t p : need_met) cancel_orders(Side::kBuy, p, ts, CancelReason::kNeedMet, sink);
  need_met.clear();
  if (!over_credited.empty()) release_over_reserved(ts, sink);
  if (!spent_remainders.empty()) cancel_spent(ts, sink);
}

void Exchange::Impl::cancel_open(InstrumentId instrument, OrderId id, ParticipantId owner, Timestamp ts,
                                 CancelReason reason, EventSink& sink) {
  Command c;
  c.type = CommandType::kCancel;
  c.instrument = instrument;
  c.id = id;
  c.participant = owner;
  c.ts = ts;
  cancel(c, sink, reason);
}

void Exchange::Impl::cancel_spent(Timestamp ts, EventSink& sink) {
  for (OrderId id : spent_remainders) {
    const Order* live = book.peek(id);
    if (live == nullptr || !spent(*live)) continue;
    cancel_open(live->instrument, id, live->participant, ts, CancelReason::kCreditsNothing, sink);
  }
  spent_remainders.clear();
}

void Exchange::Impl::release_over_reserved(Timestamp ts, EventSink& sink) {
  for (const OverCredited& o : over_credited) {
    const ProjectState& s = projects[o.project];
    if (s.credited + s.reserved <= s.need) continue;
    const Order* live = book.peek(o.order);
    if (live == nullptr || live->side != Side::kBuy) continue;
    cancel_open(live->instrument, o.order, live->participant, ts, CancelReason::kNeedCovered, sink);
  }
  over_credited.clear();
}

void Exchange::Impl::reserve(Side side, AccountId account, std::int64_t open, int sign) {
  const auto a = static_cast<std::uint32_t>(account.v);
  if (side == Side::kSell) {
    reserve_as<Side::kSell>(a, open, sign);
  } else {
    reserve_as<Side::kBuy>(a, open, sign);
  }
}

void Exchange::Impl::fill(Event& e) {
  if (e.side == Side::kBuy) {
    fill_as<Side::kBuy>(e);
  } else {
    fill_as<Side::kSell>(e);
  }
}

template <Side S>
void Exchange::Impl::fill_as(Event& e) {
  constexpr bool taker_buys = S == Side::kBuy;
  const auto p = static_cast<std::uint32_t>((taker_buys ? e.account : e.maker_account).v);
  const auto f = static_cast<std::uint32_t>((taker_buys ? e.maker_account : e.account).v);
  const Qty buy_open_after = taker_buys ? e.leaves : e.maker_leaves;
  const std::int64_t q = e.qty.v;
  const std::uint32_t ratio = pairs[f * projects.size() + p].ratio;
  const std::int64_t credit = credited_capacity(q, ratio);
  FacilityState& fs = facilities[f];
  ProjectState& ps = projects[p];
  fs.sold += q;
  fs.reserved -= q;
  const std::int64_t released = reserve_of(p, buy_open_after.v + q) - reserve_of(p, buy_open_after.v);
  ps.reserved -= released;
  ps.credited += credit;
  if (credit > released && buy_open_after.v > 0) {
    over_credited.push_back(OverCredited{taker_buys ? e.order_id : e.maker_id, p});
  }
  const std::size_t k = ind(fs.industry);
  capacity[ps.region * kIndustries + k] += credit;
  capacity[fs.region * kIndustries + k] -= q;
  if (e.mode == TradeMode::kBook) {  // block and auction trades do not move the close or the reference
    InstrumentState& is = instruments[e.instrument.v];
    is.day_volume += q;
    is.day_value += DayValue{e.price.v} * q;
    ++is.day_trades;
  }
  e.arg1 = credit;
  e.arg2 = ratio;
  trade_status.push_back(static_cast<std::uint8_t>(EliminationStatus::kPublicised));
  if (publicity_memo_day != today) {
    publicity_memo_day = today;
    publicity_memo_end = add_working_days(market.exchange, today, market.exchange.publicity_working_days);
  }
  recent.push_back(RecentTrade{e.trade_id.v, f, p, e.instrument.v, publicity_memo_end, e.price.v, q, credit});
  if (ps.credited == ps.need &&
      std::find(need_met.begin(), need_met.end(), p) == need_met.end()) {
    need_met.push_back(p);
  }
  constexpr Side maker_side = taker_buys ? Side::kSell : Side::kBuy;
  if (e.leaves.v > 0 && spent_open(S, static_cast<std::uint32_t>(e.account.v), e.leaves.v)) {
    spent_remainders.push_back(e.order_id);
  }
  if (e.maker_leaves.v > 0 && spent_open(maker_side, static_cast<std::uint32_t>(e.maker_account.v), e.maker_leaves.v)) {
    spent_remainders.push_back(e.maker_id);
  }
}

void Exchange::Impl::cancel_orders(Side side, std::uint32_t account, Timestamp ts, CancelReason reason, EventSink& sink) {
  const bool sells = side == Side::kSell;
  const Industry industry = sells ? facilities[account].industry : projects[account].industry;
  const std::uint32_t owner = sells ? facilities[account].owner : projects[account].owner;
  for (std::uint32_t i = 0; i < instruments.size(); ++i) {
    if (market.instruments[i].industry != industry) continue;
    open_ids.clear();
    book.for_each_order(InstrumentId(i), side, [&](const Order& o) {
      if (o.account.v == account) open_ids.push_back(o.id);
    });
    for (OrderId id : open_ids) cancel_open(InstrumentId(i), id, ParticipantId(owner), ts, reason, sink);
  }
  end_blocks([&](const BlockProposal& b) { return b.side == side && b.account.v == account; }, reason, sink);
  end_auction_bids(side, account, reason, sink);
}

}  // namespace crix::engine
