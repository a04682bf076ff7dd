#include "gateway/published.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

#include "gateway/feed_json.hpp"
#include "gateway/fix_values.hpp"
#include "ledger/reader.hpp"

namespace crix::gateway {

namespace {

// `x` appended to `list` unless it is there: the few instruments, participants or auctions a commit
// touched, each once.
void add_once(std::vector<std::uint32_t>& list, std::uint32_t x) {
  if (std::find(list.begin(), list.end(), x) == list.end()) list.push_back(x);
}

// An update: `write` puts the object whose fields it carries, with the head's merged in.
template <class Write>
http::FeedEvent event(std::uint64_t seq, const char* type, Write write) {
  http::FeedEvent e{seq, type, {}};
  const feed_json::Head head{seq, type};
  write(e.json, &head);
  return e;
}

// Prometheus-style buckets of a latency in microseconds: 10 us to 1 s, then +Inf.
std::vector<double> latency_bounds() {
  return {10, 20, 50, 100, 200, 500, 1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000,
          1'000'000, std::numeric_limits<double>::infinity()};
}

// Ranking order, as the exchange allocates: price, highest first, then the last raise's seq.
bool ranks_before(const http::AuctionBidView& a, const http::AuctionBidView& b) {
  return a.price != b.price ? a.price > b.price : a.seq < b.seq;
}

}  // namespace

Published::Histogram::Histogram(std::vector<double> bounds_us)
    : bounds_(std::move(bounds_us)), counts_(bounds_.size(), 0) {}

void Published::Histogram::add(double us) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), us);
  ++counts_[at == bounds_.end() ? counts_.size() - 1 : static_cast<std::size_t>(at - bounds_.begin())];
  sum_ += us;
}

void Published::Histogram::view(std::vector<double>& bounds, std::vector<std::uint64_t>& cumulative,
                                 double& sum) const {
  bounds = bounds_;
  cumulative.assign(counts_.size(), 0);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) cumulative[i] = running += counts_[i];
  sum = sum_;
}

Published::Published(const engine::Market& market, const engine::Exchange& exchange, const ledger::Reader& reader,
                     std::uint64_t seq, std::int64_t now)
    : market_(market),
      utc_offset_minutes_(market.exchange.utc_offset_minutes),
      seq_(seq),
      books_(market.instruments.size()),
      suspended_(market.participants.size(), false),
      open_orders_(market.participants.size(), 0),
      session_states_(market.participants.size()),
      sessions_(std::make_unique<SessionCounters[]>(market.participants.size())),
      phase_(engine::to_string(exchange.phase())),
      ack_(latency_bounds()),
      commit_(latency_bounds()) {
  const ledger::Day today = ledger::local_day(engine::Timestamp(now), utc_offset_minutes_);
  // Today's statistics so far; none once today is closed (as kDayClosed leaves them below).
  const std::vector<ledger::DailyStats> stats =
      exchange.last_closed_day() >= today.v ? std::vector<ledger::DailyStats>{} : reader.daily_stats(today, today);
  for (std::uint32_t i = 0; i < market.instruments.size(); ++i) {
    const engine::Instrument& ins = market.instruments[i];
    const engine::InstrumentId id(i);
    http::InstrumentView v;
    v.symbol = ins.code;
    v.industry = std::string(engine::to_string(ins.industry));
    v.unit = ins.unit;
    v.phase = phase_;
    v.halted = exchange.halted(id);
    v.tick = ins.tick;
    v.lot = ins.lot;
    v.listed_max_qty = ins.listed_max_qty;
    v.reference_price = exchange.reference_price(id).v;
    v.band_low = exchange.band_low(id).v;
    v.band_high = exchange.band_high(id).v;
    for (const ledger::DailyStats& s : stats) {
      if (s.instrument != id || s.kind != ledger::TradeKind::kTrade) continue;  // the listed market's
      v.last_price = s.last.v;
      v.volume = s.volume.v;
      v.value = static_cast<std::int64_t>(s.value);
    }
    instruments_.push_back(std::move(v));
    for (const engine::Side side : {engine::Side::kBuy, engine::Side::kSell}) {
      exchange.book().for_each_level(id, side, [&](const engine::LevelInfo& l) {
        set_level(i, side, http::Level{l.price.v, l.total.v, l.count});
      });
      // Orders resting since before this start: their entry time is not kept (0), their order is.
      exchange.book().for_each_order(id, side, [&](const engine::Order& o) { rest(o, 0); });
    }
  }
  for (std::uint32_t p = 0; p < market.participants.size(); ++p) {
    suspended_[p] = exchange.suspended(engine::ParticipantId(p));
  }
  for (const engine::BlockProposal& b : exchange.blocks()) {
    blocks_.emplace(b.id.v, block_view(b.id.v, 0, b.instrument.v, b.side, b.proposer.v, b.account, b.counterparty.v,
                                       b.price.v, b.qty.v));
  }
  // The auctions as replayed: the bids' times are not kept (0), their seqs are; a sold auction's
  // allocations are the ledger's auction trades of its bids.
  for (std::uint32_t a = 0; a < market.auctions.size(); ++a) {
    http::AuctionView v = auction_terms(a);
    const engine::AuctionStatus& st = exchange.auctions()[a];
    v.state = std::string(engine::to_string(st.state));
    v.opens = st.opens.v;
    v.closes = st.closes.v;
    v.sold = st.sold.v;
    v.price = st.price.v;
    for (const engine::AuctionBidEntry& b : exchange.auction_ranking(a)) v.ranking.push_back(bid_view(b, 0));
    if (st.state == engine::AuctionState::kSold) {
      for (const std::string& f : v.facilities) {
        const auto fi = exchange.facility_index(f);
        if (!fi) continue;
        const ledger::Page all{engine::TradeId{}, std::numeric_limits<std::size_t>::max()};
        for (const ledger::Trade& t : reader.trades_by_facility(ledger::FacilityIndex(*fi), all)) {
          if (t.kind != ledger::TradeKind::kAuction) continue;
          const auto bid = std::find_if(st.bids.begin(), st.bids.end(),
                                        [&](const engine::AuctionBidEntry& b) { return b.id == t.buy_order; });
          if (bid == st.bids.end()) continue;
          v.allocations.push_back(http::AuctionAllocationView{t.id.v, market.participants[t.buyer.v].id,
                                                              market.projects[t.project.v].id, f, t.price.v, t.qty.v});
        }
      }
      std::sort(v.allocations.begin(), v.allocations.end(),
                [](const auto& x, const auto& y) { return x.trade < y.trade; });
    }
    auctions_.push_back(std::move(v));
  }
  const std::uint64_t count = reader.meta().trade_count;
  const std::uint64_t from = count > kRecentTrades ? count - kRecentTrades : 0;
  for (const ledger::Trade& t : reader.trades(ledger::Page{engine::TradeId(from), kRecentTrades})) {
    if (t.kind == ledger::TradeKind::kRevocation) {
      mark_revoked(t.revokes.v);  // a revocation comes after its trade: it is in the window when the trade is
      continue;
    }
    if (!ledger::is_trade(t.kind)) continue;
    trades_.push_back(http::TradeView{t.id.v, t.seq.v, t.ts.v, market.instruments[t.instrument.v].code, t.price.v,
                                      t.qty.v, market.participants[t.buyer.v].id, market.participants[t.seller.v].id,
                                      market.facilities[t.facility.v].id, market.projects[t.project.v].id,
                                      std::string(ledger::to_string(t.kind))});
  }
}

std::string Published::account_of(engine::Side side, engine::AccountId account) const {
  return side == engine::Side::kSell ? market_.facilities.at(account.v).id : market_.projects.at(account.v).id;
}

void Published::rest(const engine::Order& o, std::int64_t entered) {
  Order r;
  r.view.id = o.id.v;
  r.view.participant = market_.participants[o.participant.v].id;
  r.view.account = account_of(o.side, o.account);
  r.view.side = o.side == engine::Side::kBuy ? fixv::side::kBuy : fixv::side::kSell;
  r.view.price = o.price.v;
  r.view.qty = o.leaves.v;
  r.view.entered = entered;
  r.instrument = o.instrument.v;
  r.participant = o.participant.v;
  r.priority = next_priority_++;
  if (orders_.emplace(o.id.v, std::move(r)).second) {
    ++open_orders_[o.participant.v];
    add_once(counted_participants_, o.participant.v);
  }
}

// The recent trade `trade`, revoked: its row is marked (one older than the last kRecentTrades is not
// kept). Trades are kept in id order, so the search runs from the newest.
void Published::mark_revoked(std::uint64_t trade) {
  const auto it = std::find_if(trades_.rbegin(), trades_.rend(), [&](const http::TradeView& t) { return t.id == trade; });
  if (it != trades_.rend()) it->revoked = true;
}

void Published::remove_order(std::uint64_t id) {
  const auto it = orders_.find(id);
  if (it == orders_.end()) return;
  --open_orders_[it->second.participant];
  add_once(counted_participants_, it->second.participant);
  orders_.erase(it);
}

void Published::set_level(std::uint32_t instrument, engine::Side side, const http::Level& level) {
  Book& b = books_[instrument];
  if (side == engine::Side::kBuy) {
    if (level.orders == 0) {
      b.bids.erase(level.price);
    } else {
      b.bids[level.price] = level;
    }
  } else if (level.orders == 0) {
    b.asks.erase(level.price);
  } else {
    b.asks[level.price] = level;
  }
}

// One event of a committed command that moves the orders or the participants (and, a Fill, `trade`:
// the tape and the instrument's statistics).
void Published::apply_event(const ConsoleBatch::Change& c, const TradeChange* trade, std::vector<http::FeedEvent>& out) {
  const engine::Event& e = c.event;
  switch (e.type) {
    case engine::EventType::kAccepted: {
      engine::Order o;
      o.id = e.order_id;
      o.account = e.account;
      o.price = e.price;
      o.leaves = e.leaves;
      o.participant = e.participant;
      o.instrument = e.instrument;
      o.side = e.side;
      rest(o, c.ts);
      break;
    }
    case engine::EventType::kBlockProposed:
      blocks_.emplace(e.order_id.v, block_view(e.order_id.v, c.ts, e.instrument.v, e.side, e.participant.v, e.account,
                                               e.maker_participant.v, e.price.v, e.qty.v));
      break;
    case engine::EventType::kBlockEnded:
      blocks_.erase(e.order_id.v);
      break;
    case engine::EventType::kAuctionAnnounced:
    case engine::EventType::kAuctionBid:
    case engine::EventType::kAuctionBidEnded:
    case engine::EventType::kAuctionEnded:
      apply_auction_event(c);
      break;
    case engine::EventType::kFill: {
      if (e.mode == engine::TradeMode::kBlock) blocks_.erase(e.order_id.v);
      if (e.mode == engine::TradeMode::kAuction) apply_auction_event(c);
      for (const auto& [id, leaves] : {std::pair{e.order_id.v, e.leaves.v}, std::pair{e.maker_id.v, e.maker_leaves.v}}) {
        if (leaves == 0) {
          remove_order(id);
        } else if (const auto it = orders_.find(id); it != orders_.end()) {
          it->second.view.qty = leaves;
        }
      }
      http::TradeView t;
      t.id = trade->id;
      t.seq = c.seq;
      t.time = c.ts;
      t.kind = std::string(engine::to_string(e.mode));
      t.symbol = market_.instruments[trade->instrument].code;
      t.price = trade->price;
      t.qty = trade->qty;
      t.buyer = market_.participants[trade->buyer.v].id;
      t.seller = market_.participants[trade->seller.v].id;
      t.facility = market_.facilities[trade->facility.v].id;
      t.project = market_.projects[trade->project.v].id;
      out.push_back(http::FeedEvent{c.seq, "trade", {}});
      feed_json::trade(out.back().json, t);
      trades_.push_back(std::move(t));
      if (trades_.size() > kRecentTrades) trades_.pop_front();
      ++trades_total_;
      if (e.mode != engine::TradeMode::kBook) break;  // the instrument's last price and volume are the book's
      http::InstrumentView& v = instruments_[trade->instrument];
      v.last_price = trade->price;
      v.volume += trade->qty;
      v.value += trade->price * trade->qty;
      add_once(traded_, trade->instrument);
      break;
    }
    case engine::EventType::kCanceled:
    case engine::EventType::kExpired:
      remove_order(e.order_id.v);
      break;
    case engine::EventType::kReplaced: {
      const auto it = orders_.find(e.order_id.v);
      if (it == orders_.end()) break;
      // The engine keeps a replaced order's place at the same price when its open quantity does not grow.
      Order& o = it->second;
      if (e.price.v != o.view.price || e.leaves.v > o.view.qty) o.priority = next_priority_++;
      o.view.price = e.price.v;
      o.view.qty = e.leaves.v;
      break;
    }
    case engine::EventType::kParticipantState:
      suspended_[e.participant.v] = e.arg1 == 1;
      out.push_back(event(c.seq, "participant", [&](std::string& o, const feed_json::Head* h) {
        feed_json::participant(o, participant_view(e.participant.v), h);
      }));
      break;
    case engine::EventType::kRevoked:  // trade arg1, by the revocation trade_id; the statistics keep it
      mark_revoked(static_cast<std::uint64_t>(e.arg1));
      out.push_back(event(c.seq, "revocation", [&](std::string& o, const feed_json::Head* h) {
        feed_json::revocation(o, e.trade_id.v, c.ts, static_cast<std::uint64_t>(e.arg1), *h);
      }));
      break;
    case engine::EventType::kDayClosed: {
      http::InstrumentView& v = instruments_[e.instrument.v];
      v.reference_price = e.price.v;
      v.last_price = 0;
      v.volume = 0;
      v.value = 0;
      add_once(traded_, e.instrument.v);
      break;
    }
    default:
      break;
  }
}

// A unit's commands in seq order: their trades and participant changes go out in event order, each
// with its command's seq. The instruments whose state or statistics they changed and the book levels
// they moved are only marked here: conflated() sends each once for the whole commit. The books take
// each command's net level changes: one map update per level it moved.
void Published::apply(const ConsoleBatch& b, std::vector<http::FeedEvent>& out) {
  const MarketChanges& m = b.market;
  std::size_t change = 0, book = 0, state = 0;
  for (const MarketChanges::Command& k : m.commands) {
    std::size_t trade = &k == m.commands.data() ? 0 : (&k - 1)->trades_end;
    for (; change < b.changes.size() && b.changes[change].seq == k.seq; ++change) {
      const ConsoleBatch::Change& c = b.changes[change];
      seq_ = std::max(seq_, c.seq);
      apply_event(c, c.event.type == engine::EventType::kFill ? &m.trades[trade++] : nullptr, out);
    }
    end_command_auctions(k.seq, out);
    for (; state < k.states_end; ++state) {
      const InstrumentState& s = m.states[state];
      http::InstrumentView& v = instruments_[s.instrument];
      const std::string phase(engine::to_string(s.phase));
      phase_ = phase;
      if (v.phase == phase && v.halted == s.halted && v.reference_price == s.reference && v.band_low == s.band_low &&
          v.band_high == s.band_high) {
        continue;
      }
      v.phase = phase;
      v.halted = s.halted;
      v.reference_price = s.reference;
      v.band_low = s.band_low;
      v.band_high = s.band_high;
      mark_instrument(s.instrument);
    }
    for (; book < k.book_end; ++book) {
      const LevelChange& l = m.book[book];
      set_level(l.instrument, l.side, http::Level{l.price, l.orders == 0 ? 0 : l.qty, l.orders});
      moved_.push_back(MovedLevel{l.instrument, l.side == engine::Side::kBuy, l.price});
    }
    for (const std::uint32_t i : traded_) mark_instrument(i);
    traded_.clear();
  }
}

// An auction event, or a Fill of an auction's allocation: the auction's view follows the exchange's
// state (exchange.hpp, "Auctions").
void Published::apply_auction_event(const ConsoleBatch::Change& c) {
  const engine::Event& e = c.event;
  if (e.count >= auctions_.size()) return;
  http::AuctionView& v = auctions_[e.count];
  const auto bid = [&](std::uint64_t id) {
    return std::find_if(v.ranking.begin(), v.ranking.end(), [&](const http::AuctionBidView& b) { return b.id == id; });
  };
  switch (e.type) {
    case engine::EventType::kAuctionAnnounced: {
      http::AuctionView fresh = auction_terms(e.count);
      fresh.state = std::string(engine::to_string(engine::AuctionState::kAnnounced));
      fresh.opens = e.arg1;
      fresh.closes = e.arg2;
      v = std::move(fresh);
      break;
    }
    case engine::EventType::kAuctionBid: {
      // A raise leaves its place; the bid (re)enters where its price and its seq, the latest, rank it.
      if (const auto raised = e.maker_id.v == 0 ? v.ranking.end() : bid(e.maker_id.v); raised != v.ranking.end()) {
        v.ranking.erase(raised);
      }
      http::AuctionBidView b{e.order_id.v,
                             c.seq,
                             c.ts,
                             market_.participants.at(e.participant.v).id,
                             market_.projects.at(e.account.v).id,
                             e.price.v,
                             e.qty.v,
                             0};
      const auto at = std::upper_bound(v.ranking.begin(), v.ranking.end(), b, ranks_before);
      v.ranking.insert(at, std::move(b));
      break;
    }
    case engine::EventType::kAuctionBidEnded:
      if (e.reason == engine::CancelReason::kNeedMet) {
        if (const auto it = bid(e.order_id.v); it != v.ranking.end()) v.ranking.erase(it);
      } else {
        ending_bids_.emplace_back(e.count, e.order_id.v);
      }
      break;
    case engine::EventType::kAuctionEnded:
      // The bids its end released stay in the ranking with what they won.
      std::erase_if(ending_bids_, [&](const auto& x) { return x.first == e.count; });
      v.state = std::string(engine::to_string(e.qty.v > 0 ? engine::AuctionState::kSold
                                              : e.reason == engine::CancelReason::kNone ? engine::AuctionState::kUnsold
                                                                                        : engine::AuctionState::kCanceled));
      v.sold = e.qty.v;
      v.price = e.price.v;
      break;
    case engine::EventType::kFill: {
      if (const auto it = bid(e.order_id.v); it != v.ranking.end()) it->won += e.qty.v;
      v.allocations.push_back(http::AuctionAllocationView{e.trade_id.v, market_.participants.at(e.participant.v).id,
                                                          market_.projects.at(e.account.v).id,
                                                          market_.facilities.at(e.maker_account.v).id, e.price.v,
                                                          e.qty.v});
      break;
    }
    default:
      return;
  }
  v.seq = c.seq;
  add_once(changed_auctions_, e.count);
}

// After a command's events: the bids a suspension or an amendment ended leave their auction's ranking,
// and every auction the command changed goes out once, as the command left it.
void Published::end_command_auctions(std::uint64_t seq, std::vector<http::FeedEvent>& out) {
  for (const auto& [a, id] : ending_bids_) {
    std::erase_if(auctions_[a].ranking, [&](const http::AuctionBidView& b) { return b.id == id; });
  }
  ending_bids_.clear();
  if (!subscribers_.empty()) {
    for (const std::uint32_t a : changed_auctions_) {
      out.push_back(event(seq, "auction", [&](std::string& o, const feed_json::Head* h) {
        feed_json::auction(o, auctions_[a], utc_offset_minutes_, feed_json::Bidders::kShown, h);
      }));
    }
  }
  changed_auctions_.clear();
}

void Published::mark_instrument(std::uint32_t instrument) {
  add_once(changed_instruments_, instrument);
}

// The held commits' instrument and book updates, once each, stamped with the last seq reflected: what
// they show is the state after it (a command that did not touch an instrument leaves its row and book
// as they were). One "instrument" per instrument the commits changed, then one "book" per instrument
// with each level they moved, as it is now (qty 0: gone). Per command, a commit of 100 commands sent
// the same levels and statistics over and over: about two thirds of the feed's bytes under bench_fix's
// load; per commit, once publishing got cheaper and commits smaller (6 commands), 441 bytes a trade a
// viewer against 305.
void Published::conflated(std::vector<http::FeedEvent>& out) {
  if (subscribers_.empty()) {  // nobody to send them to (emit)
    changed_instruments_.clear();
    moved_.clear();
    counted_participants_.clear();
    return;
  }
  for (const std::uint32_t i : changed_instruments_) {
    out.push_back(event(seq_, "instrument", [&](std::string& o, const feed_json::Head* h) {
      feed_json::instrument(o, instrument_view(i), h);
    }));
  }
  changed_instruments_.clear();
  // By instrument, each side's levels in book order (bids highest first, asks lowest first), as a book
  // is shown.
  std::sort(moved_.begin(), moved_.end(), [](const MovedLevel& a, const MovedLevel& b) {
    if (a.instrument != b.instrument) return a.instrument < b.instrument;
    if (a.bid != b.bid) return a.bid;
    return a.bid ? a.price > b.price : a.price < b.price;
  });
  moved_.erase(std::unique(moved_.begin(), moved_.end()), moved_.end());
  for (std::size_t at = 0; at < moved_.size();) {
    const std::uint32_t instrument = moved_[at].instrument;
    const Book& b = books_[instrument];
    bids_.clear();
    asks_.clear();
    for (; at < moved_.size() && moved_[at].instrument == instrument; ++at) {
      const MovedLevel& l = moved_[at];
      if (l.bid) {
        const auto it = b.bids.find(l.price);
        bids_.push_back(it == b.bids.end() ? http::Level{l.price, 0, 0} : it->second);
      } else {
        const auto it = b.asks.find(l.price);
        asks_.push_back(it == b.asks.end() ? http::Level{l.price, 0, 0} : it->second);
      }
    }
    out.push_back(event(seq_, "book", [&](std::string& o, const feed_json::Head* h) {
      o += "{\"asks\":";
      feed_json::levels(o, asks_);
      o += ",\"bids\":";
      feed_json::levels(o, bids_);
      o += ",\"seq\":";
      o += std::to_string(h->seq);
      o += ",\"symbol\":";
      feed_json::string(o, market_.instruments[instrument].code);
      o += ",\"type\":\"book\"}";
    }));
  }
  moved_.clear();
  // Then each participant whose open orders the commits changed, as it is now (one marked for its logon
  // or status as well goes out with those, flush_sessions).
  for (const std::uint32_t p : counted_participants_) {
    if (std::find(dirty_participants_.begin(), dirty_participants_.end(), p) != dirty_participants_.end()) continue;
    out.push_back(event(seq_, "participant", [&](std::string& o, const feed_json::Head* h) {
      feed_json::participant(o, participant_view(p), h);
    }));
  }
  counted_participants_.clear();
}

void Published::hold(std::vector<http::FeedEvent>& out, std::chrono::steady_clock::time_point now, bool release) {
  if (changed_instruments_.empty() && moved_.empty() && counted_participants_.empty()) return;
  if (!holding_) {
    holding_ = true;
    held_since_ = now;
  }
  if (release || subscribers_.empty() || now - held_since_ >= kHold) {
    holding_ = false;
    conflated(out);
  }
}

void Published::flush_sessions(std::vector<http::FeedEvent>& out) {
  for (const std::uint32_t p : dirty_sessions_) {
    out.push_back(event(seq_, "session", [&](std::string& o, const feed_json::Head* h) {
      feed_json::session(o, session_view(p), h);
    }));
    mark_participant(p);
  }
  dirty_sessions_.clear();
  for (const std::uint32_t p : dirty_participants_) {
    out.push_back(event(seq_, "participant", [&](std::string& o, const feed_json::Head* h) {
      feed_json::participant(o, participant_view(p), h);
    }));
  }
  dirty_participants_.clear();
}

void Published::mark_participant(std::uint32_t participant) {
  add_once(dirty_participants_, participant);
}

// One shared batch for every subscriber: its text is joined once here, not once per viewer (at 20
// viewers the per-viewer joins were a tenth of crixd's processor time, on the ledger thread).
void Published::emit(std::vector<http::FeedEvent>& out) {
  if (out.empty() || subscribers_.empty()) return;
  auto batch = std::make_shared<http::FeedBatch>();
  std::size_t size = out.size();
  for (const http::FeedEvent& e : out) size += e.json.size();
  batch->text.reserve(size);
  for (const http::FeedEvent& e : out) {
    if (!batch->text.empty()) batch->text += ',';
    batch->text += e.json;
  }
  batch->events = std::move(out);
  const std::shared_ptr<const http::FeedBatch> shared = std::move(batch);
  for (const auto& [handle, handler] : subscribers_) handler(shared);
}

void Published::publish(const std::vector<const ConsoleBatch*>& batches, const Commit& commit) {
  std::vector<http::FeedEvent> out;
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const ConsoleBatch* b : batches) {
    apply(*b, out);
    for (const std::string_view why : b->rejects) {
      const auto it = rejects_.find(why);
      if (it == rejects_.end()) {
        rejects_.emplace(std::string(why), 1);
      } else {
        ++it->second;
      }
    }
    for (const auto& arrived : b->arrivals) {
      ack_.add(static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(commit.sent - arrived).count()) /
               1000.0);
    }
  }
  seq_ = std::max(seq_, commit.seq);
  hold(out, commit.sent, false);
  chain_head_ = commit.chain_head;
  if (commit.commit_us >= 0) {
    last_commit_us_ = commit.commit_us;
    commit_.add(static_cast<double>(commit.commit_us));
  }
  flush_sessions(out);
  emit(out);
}

void Published::flush() {
  std::vector<http::FeedEvent> out;
  const std::lock_guard<std::mutex> lock(mutex_);
  hold(out, std::chrono::steady_clock::now(), true);
  flush_sessions(out);
  emit(out);
}

void Published::alert(const std::string& level, const std::string& text) {
  std::vector<http::FeedEvent> out;
  const std::lock_guard<std::mutex> lock(mutex_);
  // What is held goes first: after a ledger failure no commit publishes again to release it.
  hold(out, std::chrono::steady_clock::now(), true);
  out.push_back(event(seq_, "alert", [&](std::string& o, const feed_json::Head* h) {
    feed_json::alert(o, level, text, *h);
  }));
  emit(out);
}

void Published::mark(std::uint32_t session) {
  add_once(dirty_sessions_, session);
}

void Published::logged_on(std::uint32_t session, std::int64_t now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  session_states_[session].logged_on = true;
  session_states_[session].since = now;
  mark(session);
}

void Published::logged_out(std::uint32_t session) {
  const std::lock_guard<std::mutex> lock(mutex_);
  session_states_[session].logged_on = false;
  mark(session);
}

void Published::stalled(std::uint32_t session) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++session_states_[session].stalled;
  mark(session);
}

void Published::refused(std::uint32_t session) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++session_states_[session].refused;
  mark(session);
}

void Published::received(std::uint32_t session, std::int64_t now, bool new_order) {
  sessions_[session].in.fetch_add(1, std::memory_order_relaxed);
  sessions_[session].last_seen.store(now, std::memory_order_relaxed);
  if (new_order) orders_received_.fetch_add(1, std::memory_order_relaxed);
}

http::InstrumentView Published::instrument_view(std::uint32_t i) const { return instruments_[i]; }

http::ParticipantView Published::participant_view(std::uint32_t p) const {
  http::ParticipantView v;
  v.id = market_.participants[p].id;
  v.name = market_.participants[p].name;
  v.status = suspended_[p] ? "suspended" : "active";
  v.open_orders = open_orders_[p];
  v.logged_on = session_states_[p].logged_on;
  return v;
}

http::SessionView Published::session_view(std::uint32_t p) const {
  const engine::Participant& x = market_.participants[p];
  http::SessionView v;
  v.participant = x.id;
  v.comp_id = x.sender_comp_id.empty() ? x.id : x.sender_comp_id;
  v.logged_on = session_states_[p].logged_on;
  v.since = session_states_[p].since;
  v.last_seen = sessions_[p].last_seen.load(std::memory_order_relaxed);
  v.messages_in = sessions_[p].in.load(std::memory_order_relaxed);
  v.messages_out = sessions_[p].out.load(std::memory_order_relaxed);
  v.stalled = session_states_[p].stalled;
  v.refused = session_states_[p].refused;
  return v;
}

std::vector<http::InstrumentView> Published::instruments() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return instruments_;
}

std::optional<http::BookView> Published::book(std::string_view symbol, std::size_t depth, bool with_orders) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::uint32_t i = 0;
  while (i < market_.instruments.size() && market_.instruments[i].code != symbol) ++i;
  if (i == market_.instruments.size()) return std::nullopt;
  http::BookView v;
  v.symbol = market_.instruments[i].code;
  v.seq = seq_;
  const std::size_t most = depth == 0 ? SIZE_MAX : depth;
  for (const auto& [price, l] : books_[i].bids) {
    if (v.bids.size() == most) break;
    v.bids.push_back(l);
  }
  for (const auto& [price, l] : books_[i].asks) {
    if (v.asks.size() == most) break;
    v.asks.push_back(l);
  }
  if (with_orders) {
    std::vector<const Order*> rows;
    for (const auto& [id, o] : orders_) {
      if (o.instrument == i) rows.push_back(&o);
    }
    // Bids best (highest) first, then asks best (lowest) first; time priority within a level.
    std::sort(rows.begin(), rows.end(), [](const Order* a, const Order* b) {
      if (a->view.side != b->view.side) return a->view.side < b->view.side;
      if (a->view.price != b->view.price) return a->view.side == fixv::side::kBuy ? a->view.price > b->view.price
                                                                     : a->view.price < b->view.price;
      return a->priority < b->priority;
    });
    for (const Order* o : rows) v.orders.push_back(o->view);
  }
  return v;
}

std::vector<http::BlockView> Published::blocks() const {
  const std::lock_guard lock(mutex_);
  std::vector<http::BlockView> out;
  out.reserve(blocks_.size());
  for (const auto& [id, b] : blocks_) out.push_back(b);
  return out;
}

std::vector<http::AuctionView> Published::auctions() const {
  const std::lock_guard lock(mutex_);
  return auctions_;
}

// An auction's terms from the market file, never announced.
http::AuctionView Published::auction_terms(std::uint32_t a) const {
  const engine::AuctionTerms& t = market_.auctions.at(a);
  http::AuctionView v;
  v.index = a;
  v.id = t.id;
  v.symbol = t.instrument;
  for (const engine::Facility& x : market_.facilities) {
    if (!t.facilities.empty() && x.id == t.facilities.front()) v.seller = x.owner;  // one seller's lot
  }
  v.facilities = t.facilities;
  v.qty = t.qty;
  v.whole = t.whole;
  v.reserve = t.reserve_price;
  v.increment = t.increment;
  v.pricing = t.pricing == engine::AuctionPricing::kUniform ? "uniform" : "pay_as_bid";
  v.state = std::string(engine::to_string(engine::AuctionState::kConfigured));
  return v;
}

http::AuctionBidView Published::bid_view(const engine::AuctionBidEntry& b, std::int64_t time) const {
  return http::AuctionBidView{b.id.v, b.time.v, time, market_.participants.at(b.bidder.v).id,
                              market_.projects.at(b.project.v).id, b.price.v, b.qty.v, b.won.v};
}

http::BlockView Published::block_view(std::uint64_t id, std::int64_t proposed, std::uint32_t instrument,
                                      engine::Side side, std::uint32_t proposer, engine::AccountId account,
                                      std::uint32_t counterparty, std::int64_t price, std::int64_t qty) const {
  return http::BlockView{id, proposed, market_.instruments.at(instrument).code, side == engine::Side::kBuy ? '1' : '2',
                         market_.participants.at(proposer).id, account_of(side, account),
                         market_.participants.at(counterparty).id, price, qty};
}

std::vector<http::TradeView> Published::recent_trades(std::size_t limit) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t n = std::min(limit, trades_.size());
  return std::vector<http::TradeView>(trades_.end() - static_cast<std::ptrdiff_t>(n), trades_.end());
}

std::vector<http::SessionView> Published::sessions() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<http::SessionView> out;
  for (std::uint32_t p = 0; p < market_.participants.size(); ++p) out.push_back(session_view(p));
  return out;
}

std::vector<http::ParticipantView> Published::participants() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<http::ParticipantView> out;
  for (std::uint32_t p = 0; p < market_.participants.size(); ++p) out.push_back(participant_view(p));
  return out;
}

http::MetricsView Published::metrics() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  http::MetricsView m;
  m.orders = orders_received_.load(std::memory_order_relaxed);
  for (const auto& [why, n] : rejects_) m.rejects_by_reason.emplace_back(why, n);
  m.trades = trades_total_;
  ack_.view(m.ack_bounds_us, m.ack_counts, m.ack_sum_us);
  commit_.view(m.commit_bounds_us, m.commit_counts, m.commit_sum_us);
  return m;
}

Published::Ledger Published::ledger() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return Ledger{chain_head_, last_commit_us_, phase_};
}

std::uint64_t Published::subscribe(http::Link::FeedHandler on_events, std::string& snapshot) {
  const std::lock_guard<std::mutex> lock(mutex_);
  {
    // Every held update reaches the subscribers before this snapshot, which shows its changes: with
    // the snapshot's seq, as every update committed before it.
    std::vector<http::FeedEvent> held;
    hold(held, std::chrono::steady_clock::now(), true);
    emit(held);
  }
  // Keys sorted, as every update's (feed_json.hpp); the books by symbol.
  std::map<std::string_view, std::uint32_t> by_symbol;
  for (std::uint32_t i = 0; i < instruments_.size(); ++i) by_symbol.emplace(market_.instruments[i].code, i);
  std::string& o = snapshot;
  o.clear();
  o += "{\"auctions\":[";
  for (const http::AuctionView& v : auctions_) {
    if (o.back() != '[') o += ',';
    feed_json::auction(o, v, utc_offset_minutes_, feed_json::Bidders::kShown);
  }
  o += "],\"books\":{";
  for (const auto& [symbol, i] : by_symbol) {
    if (o.back() != '{') o += ',';
    feed_json::string(o, symbol);
    o += ":{\"asks\":";
    feed_json::levels(o, books_[i].asks);
    o += ",\"bids\":";
    feed_json::levels(o, books_[i].bids);
    o += '}';
  }
  o += "},\"instruments\":[";
  for (std::uint32_t i = 0; i < instruments_.size(); ++i) {
    if (i > 0) o += ',';
    feed_json::instrument(o, instruments_[i]);
  }
  o += "],\"participants\":[";
  for (std::uint32_t p = 0; p < market_.participants.size(); ++p) {
    if (p > 0) o += ',';
    feed_json::participant(o, participant_view(p));
  }
  o += "],\"seq\":";
  o += std::to_string(seq_);
  o += ",\"sessions\":[";
  for (std::uint32_t p = 0; p < market_.participants.size(); ++p) {
    if (p > 0) o += ',';
    feed_json::session(o, session_view(p));
  }
  o += "],\"trade_fields\":";
  o += feed_json::kTradeFields;
  o += ",\"trades\":[";
  bool first = true;
  for (const http::TradeView& t : trades_) {
    if (!first) o += ',';
    first = false;
    feed_json::trade(o, t);
  }
  o += "],\"type\":\"snapshot\"}";
  const std::uint64_t handle = next_handle_++;
  subscribers_.emplace(handle, std::move(on_events));
  watched_ = true;
  return handle;
}

void Published::unsubscribe(std::uint64_t handle) {
  const std::lock_guard<std::mutex> lock(mutex_);
  subscribers_.erase(handle);
  watched_ = !subscribers_.empty();
}

}  // namespace crix::gateway
