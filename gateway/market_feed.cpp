#include "gateway/market_feed.hpp"

#include <algorithm>

namespace crix::gateway {

namespace {

std::size_t side_index(engine::Side side) { return side == engine::Side::kBuy ? 0 : 1; }

}  // namespace

MarketFeed::MarketFeed(const engine::Market& market, const engine::Exchange& exchange)
    : market_(market), exchange_(exchange), level_prices_(market.instruments.size()) {
  for (std::uint32_t i = 0; i < market.instruments.size(); ++i) {
    for (const engine::Side side : {engine::Side::kBuy, engine::Side::kSell}) {
      exchange.book().for_each_level(engine::InstrumentId(i), side, [&](const engine::LevelInfo& l) {
        level_prices_[i][side_index(side)].insert(l.price.v);
      });
    }
  }
}

LevelChange MarketFeed::level(const engine::Event& e) {
  auto& prices = level_prices_[e.instrument.v][side_index(e.side)];
  LevelChange l{e.instrument.v, e.side, e.price.v, e.qty.v, e.count, LevelAction::kChange};
  if (e.count == 0) {
    prices.erase(e.price.v);
    l.action = LevelAction::kDelete;
  } else if (prices.insert(e.price.v).second) {
    l.action = LevelAction::kNew;
  }
  pending_.push_back(l);
  return l;
}

const TradeChange& MarketFeed::trade(const engine::Event& e, MarketChanges& into) {
  // The taker is the event's participant and account; the maker is the other side.
  const bool buy = e.side == engine::Side::kBuy;
  TradeChange t;
  t.instrument = e.instrument.v;
  t.id = e.trade_id.v;
  t.price = e.price.v;
  t.qty = e.qty.v;
  t.buyer = buy ? e.participant : e.maker_participant;
  t.seller = buy ? e.maker_participant : e.participant;
  t.project = buy ? e.account : e.maker_account;
  t.facility = buy ? e.maker_account : e.account;
  into.trades.push_back(t);
  return into.trades.back();
}

// A command's level changes, net: the last state of each level it moved, ordered as the console shows
// a book (by instrument; bids highest first, then asks lowest first). A stable sort keeps each level's
// changes in event order, so the last of a run is where the command left it. Most commands move a
// few levels: those are sorted in place (std::stable_sort takes a buffer from the heap each time).
void MarketFeed::end_command(std::uint64_t seq, std::int64_t ts, MarketChanges& into) {
  const auto before = [](const LevelChange& a, const LevelChange& b) {
    if (a.instrument != b.instrument) return a.instrument < b.instrument;
    if (a.side != b.side) return a.side == engine::Side::kBuy;
    return a.side == engine::Side::kBuy ? a.price > b.price : a.price < b.price;
  };
  constexpr std::size_t kInPlace = 32;
  if (pending_.size() <= kInPlace) {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      std::rotate(std::upper_bound(pending_.begin(), it, *it, before), it, it + 1);  // after its equals
    }
  } else {
    std::stable_sort(pending_.begin(), pending_.end(), before);
  }
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (i + 1 < pending_.size() && !before(pending_[i], pending_[i + 1])) continue;  // a later change follows
    into.book.push_back(pending_[i]);
  }
  pending_.clear();
  if (status_moved_) {
    status_moved_ = false;
    const engine::Exchange& x = exchange_;
    for (std::uint32_t i = 0; i < market_.instruments.size(); ++i) {
      const engine::InstrumentId id(i);
      into.states.push_back(InstrumentState{i, x.phase(), x.halted(id), x.reference_price(id).v, x.band_low(id).v,
                                            x.band_high(id).v});
    }
  }
  into.commands.push_back(MarketChanges::Command{seq, ts, static_cast<std::uint32_t>(into.book.size()),
                                                 static_cast<std::uint32_t>(into.trades.size()),
                                                 static_cast<std::uint32_t>(into.states.size())});
}

}  // namespace crix::gateway
