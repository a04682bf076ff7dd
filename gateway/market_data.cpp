#include "gateway/market_data.hpp"

#include <algorithm>
#include <utility>

#include "gateway/fix_values.hpp"

namespace crix::gateway {

namespace {

std::size_t side_index(engine::Side side) { return side == engine::Side::kBuy ? 0 : 1; }

}  // namespace

MarketData::MarketData(const engine::Market& market, const engine::Exchange& exchange,
                       const std::atomic<std::uint32_t>* logons)
    : market_(market),
      exchange_(exchange),
      logons_(logons),
      subscriptions_(market.instruments.size()),
      depth_dirty_(market.instruments.size(), 0) {}

// A level change: to full-book subscriptions at once (new, change or delete); depth-limited ones are
// sent the difference in their best levels once the command is done (publish_depth).
void MarketData::publish_level(const LevelChange& l, std::int64_t ts, std::vector<Outbound>& out) {
  ts_ = ts;
  drop_stale(subscriptions_[l.instrument]);
  for (const Subscription& s : subscriptions_[l.instrument]) {
    if (l.side == engine::Side::kBuy ? !s.bids : !s.offers) continue;
    if (s.depth > 0) {
      if (!depth_dirty_[l.instrument]) {
        depth_dirty_[l.instrument] = 1;
        dirty_instruments_.push_back(l.instrument);
      }
      continue;
    }
    add_incremental(s,
                    level_entry(l.instrument, l.side, {engine::Price(l.price), engine::Qty(l.qty), l.orders},
                                l.action == LevelAction::kDelete ? fixv::md_update_action::kDelete
                                : l.action == LevelAction::kNew  ? fixv::md_update_action::kNew
                                                                 : fixv::md_update_action::kChange),
                    out);
  }
}

// An incremental entry for a book level.
fix::MdEntry MarketData::level_entry(std::uint32_t instrument, engine::Side side, const engine::LevelInfo& l,
                                   char action) const {
  fix::MdEntry m;
  m.type = side == engine::Side::kBuy ? fixv::md_entry_type::kBid : fixv::md_entry_type::kOffer;
  m.action = action;
  m.symbol = market_.instruments[instrument].code;
  m.price = l.price.v;
  m.size = l.total.v;
  m.orders = static_cast<int>(l.count);
  m.time = ts_;
  return m;
}

// Depth-limited subscriptions of the instruments the last command moved: their best `depth` levels
// now against what they were last sent. Deletes first (levels that left the top, so a client that
// trims to the depth stays right), then new and changed levels.
void MarketData::publish_depth(std::int64_t ts, std::vector<Outbound>& out) {
  ts_ = ts;
  for (const std::uint32_t i : dirty_instruments_) {
    depth_dirty_[i] = 0;
    drop_stale(subscriptions_[i]);
    for (Subscription& s : subscriptions_[i]) {
      if (s.depth <= 0) continue;
      for (const engine::Side side : {engine::Side::kBuy, engine::Side::kSell}) {
        if (side == engine::Side::kBuy ? !s.bids : !s.offers) continue;
        std::vector<engine::LevelInfo> top = best_levels(i, side, s.depth);
        std::vector<engine::LevelInfo>& shown = s.shown[side_index(side)];
        const auto find = [](const std::vector<engine::LevelInfo>& v, engine::Price p) {
          return std::find_if(v.begin(), v.end(), [&](const engine::LevelInfo& l) { return l.price == p; });
        };
        const auto entry = [&](const engine::LevelInfo& l, char action) {
          add_incremental(s, level_entry(i, side, l, action), out);
        };
        for (const engine::LevelInfo& l : shown) {
          if (find(top, l.price) == top.end()) {
            entry(engine::LevelInfo{l.price, engine::Qty(0), 0}, fixv::md_update_action::kDelete);
          }
        }
        for (const engine::LevelInfo& l : top) {
          const auto was = find(shown, l.price);
          if (was == shown.end()) {
            entry(l, fixv::md_update_action::kNew);
          } else if (was->total != l.total || was->count != l.count) {
            entry(l, fixv::md_update_action::kChange);
          }
        }
        shown = std::move(top);
      }
    }
  }
  dirty_instruments_.clear();
}

std::vector<engine::LevelInfo> MarketData::best_levels(std::uint32_t instrument, engine::Side side, int depth) const {
  std::vector<engine::LevelInfo> out;
  exchange_.book().for_each_level(
      engine::InstrumentId(instrument), side, [&](const engine::LevelInfo& l) { out.push_back(l); },
      depth > 0 ? static_cast<std::size_t>(depth) : SIZE_MAX);
  return out;
}

void MarketData::publish_trade(const TradeChange& t, std::int64_t ts, std::vector<Outbound>& out) {
  ts_ = ts;
  drop_stale(subscriptions_[t.instrument]);
  for (const Subscription& s : subscriptions_[t.instrument]) {
    if (!s.trades) continue;
    fix::MdEntry m;
    m.type = fixv::md_entry_type::kTrade;
    m.action = fixv::md_update_action::kNew;
    m.symbol = market_.instruments[t.instrument].code;
    m.price = t.price;
    m.size = t.qty;
    m.trade_id = std::to_string(t.id);
    m.time = ts_;
    add_incremental(s, std::move(m), out);
  }
}

// Entries go into the batch's latest message of this subscription when that is an incremental with
// room (at most kMaxEntries, which keeps messages small), else into a new one: never into one that
// goes out before a later snapshot of the same MDReqID.
void MarketData::add_incremental(const Subscription& s, fix::MdEntry m, std::vector<Outbound>& out) {
  constexpr std::size_t kMaxEntries = 64;
  for (auto o = out.rbegin(); o != out.rend(); ++o) {
    if (const auto* snap = std::get_if<fix::MarketDataSnapshot>(&*o)) {
      if (snap->session == s.session && snap->md_req_id == s.md_req_id) break;
      continue;
    }
    auto* x = std::get_if<fix::MarketDataIncremental>(&*o);
    if (x == nullptr || x->session != s.session || x->md_req_id != s.md_req_id) continue;
    if (x->entries.size() < kMaxEntries) {
      x->entries.push_back(std::move(m));
      return;
    }
    break;
  }
  fix::MarketDataIncremental x;
  x.session = s.session;
  x.md_req_id = s.md_req_id;
  x.entries.push_back(std::move(m));
  out.emplace_back(std::move(x));
}

// Subscriptions of sessions that have ended since they subscribed.
void MarketData::drop_stale(std::vector<Subscription>& subs) {
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const Subscription& s) { return s.logon != logons_[s.session].load(); }),
             subs.end());
}

const std::string* MarketData::live_subscription(std::uint32_t session, const std::string& md_req_id,
                                                 std::uint32_t logon) const {
  for (std::uint32_t i = 0; i < subscriptions_.size(); ++i) {
    for (const Subscription& s : subscriptions_[i]) {
      if (s.session == session && s.logon == logon && s.md_req_id == md_req_id) return &market_.instruments[i].code;
    }
  }
  return nullptr;
}

void MarketData::on_md_request(const fix::MarketDataRequest& r, std::uint32_t logon, std::vector<Outbound>& out) {
  namespace why = fixv::md_req_rej_reason;
  const auto refuse = [&](char reason, std::string text) {
    out.emplace_back(market_data_reject(r.session, r.md_req_id, reason, std::move(text)));
  };
  for (char t : r.entry_types) {
    if (t != fixv::md_entry_type::kBid && t != fixv::md_entry_type::kOffer && t != fixv::md_entry_type::kTrade) {
      return refuse(why::kUnsupportedMdEntryType,
                    std::string("MDEntryType(269) '") + t + "' is not supported: ask for 0 bid, 1 offer or 2 trade");
    }
  }
  if (r.depth < 0) {
    return refuse(why::kUnsupportedMarketDepth, "MarketDepth(264) " + std::to_string(r.depth) +
                                                    " is not supported: 0 (the full book) or the number of best levels");
  }
  if (r.subscription == fixv::subscription::kSubscribe && r.update_type == fixv::md_update_type::kFullRefresh) {
    return refuse(why::kUnsupportedMdUpdateType,
                  "MDUpdateType(265) 0 (full refresh) is not supported: a subscription's updates are incremental "
                  "refreshes (X); send 265=1 or leave it out");
  }
  // An id names one request (FIX 4.4): only an unsubscribe names a live subscription's, and it must
  // name one. Reused, the old subscription went quietly and a snapshot ended it; an unsubscribe of
  // nothing went unanswered.
  const std::string* live_symbol = live_subscription(r.session, r.md_req_id, logon);
  if (r.subscription != fixv::subscription::kUnsubscribe && live_symbol != nullptr) {
    return refuse(why::kDuplicateMdReqId,
                  "MDReqID(262) '" + r.md_req_id + "' is the id of this session's live subscription to " +
                      *live_symbol +
                      ": give each request an id of its own, or end that subscription first "
                      "(SubscriptionRequestType(263) 2 with this MDReqID)");
  }
  if (r.subscription == fixv::subscription::kUnsubscribe && live_symbol == nullptr) {
    return refuse(why::kNone,  // FIX 4.4 has no MDReqRejReason for it
                  "MDReqID(262) '" + r.md_req_id + "' is not a live subscription of this session: "
                  "SubscriptionRequestType(263) 2 names the MDReqID of a subscription this session made since its "
                  "logon; that one ended, was refused or was never made");
  }
  if (!r.trading_session_id.empty()) return auction_ranking(r, out);
  // Without a symbol the loop below would answer nothing at all, and the client would wait.
  if (r.symbols.empty()) {
    return refuse(why::kNone,
                  "NoRelatedSym(146) is 0: a MarketDataRequest names at least one Symbol(55), each instrument to "
                  "snapshot, subscribe to or unsubscribe from");
  }
  std::vector<std::uint32_t> instruments;
  for (const std::string& symbol : r.symbols) {
    const auto found = exchange_.instrument_index(symbol);
    if (!found) return refuse(why::kUnknownSymbol, "unknown Symbol(55) '" + symbol + "'");
    instruments.push_back(*found);
  }
  for (std::uint32_t i : instruments) {
    auto& subs = subscriptions_[i];
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const Subscription& s) { return s.session == r.session && s.md_req_id == r.md_req_id; }),
               subs.end());
    if (r.subscription == fixv::subscription::kUnsubscribe) continue;
    fix::MarketDataSnapshot snap;
    snap.session = r.session;
    snap.md_req_id = r.md_req_id;
    snap.symbol = market_.instruments[i].code;
    Subscription sub{r.session, r.md_req_id, r.bids, r.offers, r.trades, r.depth, logon, {}};
    for (const engine::Side side : {engine::Side::kBuy, engine::Side::kSell}) {
      if (side == engine::Side::kBuy ? !r.bids : !r.offers) continue;
      std::vector<engine::LevelInfo> top = best_levels(i, side, r.depth);
      int position = 0;
      for (const engine::LevelInfo& l : top) {
        fix::MdEntry m;
        m.type = side == engine::Side::kBuy ? fixv::md_entry_type::kBid : fixv::md_entry_type::kOffer;
        m.price = l.price.v;
        m.size = l.total.v;
        m.position = ++position;
        m.orders = static_cast<int>(l.count);
        snap.entries.push_back(std::move(m));
      }
      if (r.depth > 0) sub.shown[side_index(side)] = std::move(top);
    }
    out.emplace_back(std::move(snap));
    if (r.subscription == fixv::subscription::kSubscribe && logon == logons_[r.session].load()) subs.push_back(std::move(sub));
  }
}

void MarketData::auction_ranking(const fix::MarketDataRequest& r, std::vector<Outbound>& out) const {
  namespace why = fixv::md_req_rej_reason;
  const auto refuse = [&](char reason, std::string text) {
    out.emplace_back(market_data_reject(r.session, r.md_req_id, reason, std::move(text)));
  };
  std::uint32_t a = 0;
  while (a < market_.auctions.size() && market_.auctions[a].id != r.trading_session_id) ++a;
  if (a == market_.auctions.size()) {
    std::string list;
    for (const auto& auction : market_.auctions) list += (list.empty() ? "" : ", ") + auction.id;
    return refuse(why::kNone,  // FIX 5.0's 9 (unsupported TradingSessionID): a FIX 4.4 client would refuse it
                  "TradingSessionID(336) '" + r.trading_session_id + "' is no auction of this exchange (auctions: " +
                      (list.empty() ? "none" : list) + "); leave NoTradingSessions(386) out for the book");
  }
  const engine::AuctionTerms& terms = market_.auctions[a];
  if (r.symbols.size() != 1 || r.symbols[0] != terms.instrument) {
    return refuse(why::kNone, "an auction's ranking names one Symbol(55), its instrument: " + terms.instrument);
  }
  if (r.subscription != fixv::subscription::kSnapshot) {
    return refuse(why::kUnsupportedSubscriptionRequestType,
                  "an auction's ranking is a snapshot: SubscriptionRequestType(263) 0, and ask again for a fresh one");
  }
  const engine::AuctionStatus& status = exchange_.auctions()[a];
  if (status.state != engine::AuctionState::kAnnounced) {
    return refuse(why::kNone, "auction " + terms.id + " takes no bids: it is " +
                                                     std::string(engine::to_string(status.state)));
  }
  fix::MarketDataSnapshot snap;
  snap.session = r.session;
  snap.md_req_id = r.md_req_id;
  snap.symbol = terms.instrument;
  int position = 0;
  for (const engine::AuctionBidEntry& b : exchange_.auction_ranking(a)) {
    if (r.depth > 0 && position == r.depth) break;
    fix::MdEntry m;
    m.type = fixv::md_entry_type::kBid;
    m.price = b.price.v;
    m.size = b.qty.v;
    m.position = ++position;
    m.trading_session_id = terms.id;
    snap.entries.push_back(std::move(m));
  }
  out.emplace_back(std::move(snap));
}

Outbound security_list(const engine::Market& market, const engine::Exchange& x, const fix::SecurityListRequest& r,
                       std::int64_t now, const std::function<std::string()>& response_id) {
  if (r.request_type != fixv::security_list::kAll && r.request_type != fixv::security_list::kSymbol) {
    return business_reject(r.session, fixv::msg_type::kSecurityListRequest, r.security_req_id, fixv::business_reject::kUnsupportedMessageType,
                           "SecurityListRequestType(559) " + std::to_string(r.request_type) +
                               " is not supported: 4 (all instruments) or 0 (one Symbol)");
  }
  fix::SecurityList list;
  list.session = r.session;
  list.security_req_id = r.security_req_id;
  list.response_id = response_id();
  for (std::uint32_t i = 0; i < market.instruments.size(); ++i) {
    const engine::Instrument& ins = market.instruments[i];
    if (r.request_type == fixv::security_list::kSymbol && ins.code != r.symbol) continue;
    fix::SecurityEntry s;
    s.symbol = ins.code;
    s.description = std::string(engine::to_string(ins.industry)) + " capacity, " + ins.unit + "/yr";
    s.unit = ins.unit;
    s.tick = ins.tick;
    s.lot = ins.lot;
    const engine::InstrumentId id(i);
    s.reference = x.reference_price(id).v;
    s.low = x.band_low(id).v;
    s.high = x.band_high(id).v;
    s.trading_status = x.halted(id)                                      ? fixv::trading_status::kHalted
                       : x.phase() == engine::SessionPhase::kContinuous ? fixv::trading_status::kReady
                                                                        : fixv::trading_status::kNotAvailable;
    list.securities.push_back(std::move(s));
  }
  for (std::uint32_t a = 0; a < market.auctions.size(); ++a) {
    const engine::AuctionTerms& terms = market.auctions[a];
    const engine::AuctionStatus& status = x.auctions()[a];
    if (status.state != engine::AuctionState::kAnnounced) continue;
    if (r.request_type == fixv::security_list::kSymbol && terms.instrument != r.symbol) continue;
    const auto i = x.instrument_index(terms.instrument);
    fix::SecurityEntry s;
    s.symbol = terms.instrument;
    s.trading_session_id = terms.id;
    s.unit = i ? market.instruments[*i].unit : std::string();
    s.description = "auction " + terms.id + ": " + std::to_string(terms.qty) + " " + (i ? s.unit : "t") +
                    (terms.whole ? ", whole" : "") +
                    (terms.pricing == engine::AuctionPricing::kUniform ? ", uniform price" : ", pay as bid");
    s.lot = i ? market.instruments[*i].lot : 0;
    s.tick = terms.increment;
    s.low = terms.reserve_price;
    s.trading_status = now >= status.opens.v ? fixv::trading_status::kReady : fixv::trading_status::kPreOpen;
    list.securities.push_back(std::move(s));
  }
  if (list.securities.empty()) list.result = fixv::security_list::kNoInstrumentFound;
  return list;
}

}  // namespace crix::gateway
