// crix::gateway::MarketData: FIX market data (MarketDataRequest V, snapshots W, incrementals X) and
// the security list (SecurityListRequest x). A subscriber of MarketFeed (market_feed.hpp): the engine
// stage hands it each level change and trade of a sequenced command as MarketFeed derives them, and
// says when the command is done; it answers with the messages each subscription is owed, appended to
// the unit's outbound list, which leaves once the unit is committed.
//
// Subscriptions: per instrument. MarketDepth(264) 0 gets each level change as it happens (new, change
// or delete); N gets, once per command, the difference between its best N levels and what it was
// last sent (deletes first, so a client that trims to the depth stays right). Trades go to every
// subscription that asked for them. A subscription lives as long as the session's logon it came in
// (`logons`: per participant, the count of sessions ended, bumped by on_logout on a FIX thread).
//
// Thread rules: the engine stage only (it reads the exchange's book).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/exchange.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/market_feed.hpp"
#include "gateway/messages.hpp"

namespace crix::gateway {

class MarketData {
 public:
  MarketData(const engine::Market& market, const engine::Exchange& exchange,
             const std::atomic<std::uint32_t>* logons);

  // A level change of the command being sequenced at `ts`: full-book subscriptions get it at once.
  void publish_level(const LevelChange& l, std::int64_t ts, std::vector<Outbound>& out);
  // A trade: to every subscription that asked for trades.
  void publish_trade(const TradeChange& t, std::int64_t ts, std::vector<Outbound>& out);
  // The command is done: depth-limited subscriptions get the difference in their best levels.
  void publish_depth(std::int64_t ts, std::vector<Outbound>& out);
  // A MarketDataRequest from the session's logon `logon`: the snapshots, and the subscription kept
  // (or ended); a MarketDataRequestReject (Y) for what we do not serve: an unknown symbol, a value we
  // do not support, an MDReqID of a live subscription of the session's (only an unsubscribe names one).
  void on_md_request(const fix::MarketDataRequest& r, std::uint32_t logon, std::vector<Outbound>& out);
  // A MarketDataRequest naming an auction (TradingSessionID): one snapshot of its bids in allocation
  // order (price, then time), each a bid entry with its price, quantity and rank, no bidder; answered
  // for 263 = 0 only (a snapshot: ask again for a fresh one).
  void auction_ranking(const fix::MarketDataRequest& r, std::vector<Outbound>& out) const;

 private:
  struct Subscription {
    std::uint32_t session = 0;
    std::string md_req_id;
    bool bids = true, offers = true, trades = true;
    int depth = 0;  // 0: every level, each change as it happens; N: the best N, as a difference per command
    std::uint32_t logon = 0;  // the session's logon count when it subscribed: stale once the session ends
    std::array<std::vector<engine::LevelInfo>, 2> shown;  // depth N: the levels last sent, [buy, sell]
  };

  fix::MdEntry level_entry(std::uint32_t instrument, engine::Side side, const engine::LevelInfo& l, char action) const;
  std::vector<engine::LevelInfo> best_levels(std::uint32_t instrument, engine::Side side, int depth) const;
  static void add_incremental(const Subscription& s, fix::MdEntry m, std::vector<Outbound>& out);
  // The symbol of an instrument the session's logon `logon` has a live subscription `md_req_id` to;
  // nullptr when it has none.
  const std::string* live_subscription(std::uint32_t session, const std::string& md_req_id, std::uint32_t logon) const;
  void drop_stale(std::vector<Subscription>& subs);

  const engine::Market& market_;
  const engine::Exchange& exchange_;
  const std::atomic<std::uint32_t>* logons_;
  std::int64_t ts_ = 0;  // MDEntryTime of what the command being sequenced sends
  std::vector<std::vector<Subscription>> subscriptions_;  // per instrument
  std::vector<char> depth_dirty_;                 // per instrument: in dirty_instruments_
  std::vector<std::uint32_t> dirty_instruments_;  // moved by the command being sequenced
};

// The SecurityList(y) answering `r` (every instrument, or the one named) with its band, reference,
// tick, lot and trading status now, then each announced auction (of that instrument) as an entry with
// its TradingSessionID, or the BusinessMessageReject of a request type we do not serve. `now`: the
// exchange's time (an auction's window open or not yet). `response_id` gives its
// SecurityResponseID(322), asked only for a list.
Outbound security_list(const engine::Market& market, const engine::Exchange& exchange,
                       const fix::SecurityListRequest& r, std::int64_t now,
                       const std::function<std::string()>& response_id);

}  // namespace crix::gateway
