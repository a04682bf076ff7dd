// crix::gateway::Published: what the exchange shows its operators and regulators (http::Link's reads
// and its live feed), kept by the ledger stage after each commit from what the committed commands
// changed: instruments (phase, halt, band, today's last price, volume and value), the books' levels
// and orders, the last 1,000 trades, participants and their FIX sessions, status and metrics.
//
// Thread rules: publish() and flush() run on the ledger stage (its thread, or a FIX thread holding
// its lock), the session callbacks on QuickFIX threads, the reads on any console thread. Everything
// is under this class's own mutex (never a stage's lock), but for the per-session message counters,
// which are atomics so that counting a message costs no lock. Feed handlers are called under that
// mutex: they must only copy and post, never call back into this class (unsubscribe included).
//
// Updates: "trade", "revocation" (a trade revoked: its tape row is marked; today's statistics stay, as
// the ledger's daily statistics keep a revoked trade), "instrument" (phase, halt, band, reference; and
// today's statistics after a fill or the close), "book" (the levels a commit moved, per instrument),
// "participant", "session", "alert" (the ledger failed), "auction" (an auction announced, bid on,
// ended: its whole view, from the auction events and its fills). A commit's trades, revocations and
// participants' suspensions go out one by one, at once; its instrument and book updates, and the rows
// of the participants whose open orders it changed, are held for up to kHold and go out once per
// instrument or participant for every commit in that time, as the last left them, with its last seq
// (see kHold).
// Sequence: a trade, revocation or suspension carries the seq of the command that made it, a held
// update its commit's last seq, so the feed's updates come with seq > the snapshot's, never
// decreasing. Session and participant logon changes are no command: they carry the last committed seq
// (>= the snapshot's) and replace the row, so applying one twice changes nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/event.hpp"
#include "engine/exchange.hpp"
#include "gateway/http/link.hpp"
#include "gateway/market_feed.hpp"

namespace crix::gateway {

// What one unit of the pipeline hands the console once it is committed: built by the engine stage
// beside the unit's ledger batch. The market's changes come from MarketFeed (market_feed.hpp), of
// which the console is one subscriber; `changes` are the events that move the orders (L3) and the
// participants, each command's in order.
struct ConsoleBatch {
  struct Change {
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
    engine::Event event;  // Accepted, Fill, Canceled, Expired, Replaced, ParticipantState, DayClosed,
                          // BlockProposed, BlockEnded, AuctionAnnounced, AuctionBid, AuctionBidEnded,
                          // AuctionEnded, Revoked
  };
  std::vector<Change> changes;
  MarketChanges market;                   // every command of the unit, in seq order
  std::vector<std::string_view> rejects;  // why each request was refused: static texts
  std::vector<std::chrono::steady_clock::time_point> arrivals;  // of the FIX requests it answers
};

class Published {
 public:
  // The state a start recovered: the exchange as replayed (single-threaded, before trading), the
  // ledger's recent trades and today's statistics.
  Published(const engine::Market& market, const engine::Exchange& exchange, const ledger::Reader& reader,
            std::uint64_t seq, std::int64_t now);

  // ---- the ledger stage, after a commit
  struct Commit {
    std::uint64_t seq = 0;          // the last command committed
    std::string chain_head;         // hex
    std::int64_t commit_us = -1;    // how long the write transaction took; -1: nothing was written
    std::chrono::steady_clock::time_point sent;  // when the batches' reports had left
  };
  void publish(const std::vector<const ConsoleBatch*>& batches, const Commit& commit);
  // Sends the session changes waiting since the last publish and the held book and instrument updates
  // (the ledger thread calls it when idle).
  void flush();
  // How long the feed holds book and instrument updates (and participants' open-order counts) back, so
  // that every commit in that time sends each instrument's row, each moved level and each participant
  // once: at a commit every few hundred microseconds a viewer's bytes then follow this pace, not the
  // commit rate (a participant row per party per commit was a third of a viewer's bytes under
  // bench_fix). Trades, suspensions, auctions, sessions and alerts are never held. A publish after
  // kHold, a flush, or a new subscriber (before its snapshot) sends what is held, as does an alert.
  static constexpr std::chrono::milliseconds kHold{10};
  // Whether the feed has subscribers: the ledger thread then wakes at least every kHold to flush.
  bool watched() const { return watched_.load(std::memory_order_relaxed); }
  // An "alert" update ("critical": the ledger failed and trading stopped), with the last seq, after
  // the held updates.
  void alert(const std::string& level, const std::string& text);

  // ---- QuickFIX threads
  void logged_on(std::uint32_t session, std::int64_t now);
  void logged_out(std::uint32_t session);
  void stalled(std::uint32_t session);
  void refused(std::uint32_t session);
  void received(std::uint32_t session, std::int64_t now, bool new_order);  // an application message
  void sent(std::uint32_t session) { sessions_[session].out.fetch_add(1, std::memory_order_relaxed); }

  // ---- console threads: copies
  std::vector<http::InstrumentView> instruments() const;
  std::optional<http::BookView> book(std::string_view symbol, std::size_t depth, bool with_orders) const;
  std::vector<http::TradeView> recent_trades(std::size_t limit) const;
  std::vector<http::BlockView> blocks() const;
  std::vector<http::AuctionView> auctions() const;
  std::vector<http::SessionView> sessions() const;
  std::vector<http::ParticipantView> participants() const;
  http::MetricsView metrics() const;
  struct Ledger {
    std::string chain_head;
    std::int64_t last_commit_us = 0;
    std::string phase;
  };
  Ledger ledger() const;

  std::uint64_t subscribe(http::Link::FeedHandler on_events, std::string& snapshot);
  void unsubscribe(std::uint64_t handle);

  static constexpr std::size_t kRecentTrades = 1000;

 private:
  struct Book {
    std::map<std::int64_t, http::Level, std::greater<>> bids;  // best (highest) first
    std::map<std::int64_t, http::Level> asks;                   // best (lowest) first
  };
  struct Order {
    http::OrderView view;
    std::uint32_t instrument = 0;
    std::uint32_t participant = 0;
    std::uint64_t priority = 0;  // time priority within its level: smaller is earlier
  };
  struct SessionCounters {
    std::atomic<std::uint64_t> in{0}, out{0};
    std::atomic<std::int64_t> last_seen{0};
  };
  struct SessionState {
    bool logged_on = false;
    std::int64_t since = 0;
    std::uint64_t stalled = 0, refused = 0;
  };
  class Histogram {
   public:
    explicit Histogram(std::vector<double> bounds_us);
    void add(double us);
    void view(std::vector<double>& bounds, std::vector<std::uint64_t>& cumulative, double& sum) const;

   private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;  // per bucket, the last +Inf
    double sum_ = 0;
  };

  // Under mutex_.
  void apply(const ConsoleBatch& b, std::vector<http::FeedEvent>& out);
  void mark_instrument(std::uint32_t instrument);
  void conflated(std::vector<http::FeedEvent>& out);
  // conflated() once `now` is kHold past the first held change, or at once when `release` (or nobody
  // subscribes); otherwise the changes stay held.
  void hold(std::vector<http::FeedEvent>& out, std::chrono::steady_clock::time_point now, bool release);
  void apply_event(const ConsoleBatch::Change& c, const TradeChange* trade, std::vector<http::FeedEvent>& out);
  void apply_auction_event(const ConsoleBatch::Change& c);
  void end_command_auctions(std::uint64_t seq, std::vector<http::FeedEvent>& out);
  void rest(const engine::Order& o, std::int64_t entered);
  void mark_revoked(std::uint64_t trade);
  void set_level(std::uint32_t instrument, engine::Side side, const http::Level& level);
  void remove_order(std::uint64_t id);
  void flush_sessions(std::vector<http::FeedEvent>& out);
  void mark_participant(std::uint32_t participant);
  void emit(std::vector<http::FeedEvent>& out);  // moves `out` into the shared batch
  void mark(std::uint32_t session);
  http::InstrumentView instrument_view(std::uint32_t i) const;
  http::ParticipantView participant_view(std::uint32_t p) const;
  http::SessionView session_view(std::uint32_t p) const;
  std::string account_of(engine::Side side, engine::AccountId account) const;
  http::AuctionView auction_terms(std::uint32_t a) const;
  http::AuctionBidView bid_view(const engine::AuctionBidEntry& b, std::int64_t time) const;
  http::BlockView block_view(std::uint64_t id, std::int64_t proposed, std::uint32_t instrument, engine::Side side,
                             std::uint32_t proposer, engine::AccountId account, std::uint32_t counterparty,
                             std::int64_t price, std::int64_t qty) const;

  const engine::Market& market_;
  const std::int32_t utc_offset_minutes_;

  mutable std::mutex mutex_;
  std::uint64_t seq_ = 0;  // the last command reflected
  std::vector<http::InstrumentView> instruments_;
  std::vector<Book> books_;
  std::unordered_map<std::uint64_t, Order> orders_;
  std::uint64_t next_priority_ = 1;
  std::deque<http::TradeView> trades_;
  std::map<std::uint64_t, http::BlockView> blocks_;  // pending block proposals by id (= seq: oldest first)
  std::vector<http::AuctionView> auctions_;  // per configured auction
  // Bids an AuctionBidEnded ended during the command being applied: a suspension, an amendment or a met
  // need takes a bid out of its open auction (the exchange erases it), while the bids an auction's end
  // releases stay in its ranking with what they won. The AuctionEnded that follows in the same command
  // tells the two apart; kNeedMet, which no end gives, takes its bid out at once.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ending_bids_;  // (auction, bid id)
  std::vector<std::uint32_t> changed_auctions_;  // by the command being applied: one update each
  std::vector<bool> suspended_;
  std::vector<std::uint32_t> open_orders_;  // per participant
  std::vector<SessionState> session_states_;
  std::unique_ptr<SessionCounters[]> sessions_;
  std::vector<std::uint32_t> dirty_sessions_;  // logon changes not yet sent on the feed
  // Participants whose logon changed since the last feed batch: sent with the next one.
  std::vector<std::uint32_t> dirty_participants_;
  // Participants whose open orders the held commits changed: sent once each by conflated().
  std::vector<std::uint32_t> counted_participants_;
  std::string chain_head_;
  std::int64_t last_commit_us_ = 0;
  std::string phase_;
  // The instruments whose statistics the command being applied moved (its fills, the close).
  std::vector<std::uint32_t> traded_;
  // What the commits since the last conflated() changed, sent once each by it: instruments (state or
  // statistics) and book levels.
  struct MovedLevel {
    std::uint32_t instrument = 0;
    bool bid = false;
    std::int64_t price = 0;
    bool operator==(const MovedLevel&) const = default;
  };
  std::vector<std::uint32_t> changed_instruments_;
  std::vector<MovedLevel> moved_;
  std::vector<http::Level> bids_, asks_;  // conflated()'s scratch: one book update's levels
  // changed_instruments_, moved_ or counted_participants_ not yet sent, since held_since_.
  bool holding_ = false;
  std::chrono::steady_clock::time_point held_since_{};

  std::atomic<std::uint64_t> orders_received_{0};
  std::uint64_t trades_total_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> rejects_;
  Histogram ack_;
  Histogram commit_;

  std::map<std::uint64_t, http::Link::FeedHandler> subscribers_;
  std::atomic<bool> watched_{false};  // !subscribers_.empty(), for watched() without the lock
  std::uint64_t next_handle_ = 1;
};

}  // namespace crix::gateway
