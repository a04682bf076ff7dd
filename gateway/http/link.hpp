// crix::http::Link: what the operator and regulator console (gateway/http/, issue 12) reads from and
// sends to a running exchange. crixd's Daemon implements it; the console's tests use their own.
//
// The console never blocks the engine or ledger stages: every read returns what the ledger stage last
// published (copies taken under a short lock of the publisher's own, never the stages' locks), and
// submit() puts an operator command into the same inbound queue as FIX orders, so it is sequenced,
// journaled (with the operator's name) and replayed like any command.
//
// Thread rules: every method may be called from any console thread at any time, concurrently.
// Callbacks (submit's `done`, the feed) run on the ledger stage's thread after the commit that holds
// what they report: they must only copy and post to the console's own threads, never block.
//
// Numbers as everywhere in CRIX (DESIGN.md, Numbers): prices in fen per unit, quantities in tonnes
// (weight boxes for glass) of annual capacity, times in nanoseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "ledger/reader.hpp"

namespace crix::http {

struct InstrumentView {
  std::string symbol;
  std::string industry;  // "steel", "cement", "glass", "aluminium"
  std::string unit;
  std::string phase;     // engine::to_string(SessionPhase): "open", "closed", "break", ...
  bool halted = false;
  std::int64_t tick = 0;
  std::int64_t lot = 0;
  std::int64_t reference_price = 0;  // the band's centre: the previous close (VWAP)
  std::int64_t band_low = 0;
  std::int64_t band_high = 0;
  std::int64_t last_price = 0;  // 0 = no trade today
  std::int64_t volume = 0;      // traded today
  std::int64_t value = 0;       // fen, traded today
  std::int64_t listed_max_qty = 0;  // the largest order the book takes, t; 0: no limit
};

struct Level {
  std::int64_t price = 0;
  std::int64_t qty = 0;
  std::uint32_t orders = 0;
};

struct OrderView {  // L3: operators only
  std::uint64_t id = 0;
  std::string participant;
  std::string account;  // facility (sell) or project (buy)
  char side = '1';      // '1' buy, '2' sell (FIX Side)
  std::int64_t price = 0;
  std::int64_t qty = 0;  // open
  std::int64_t entered = 0;
};

struct BookView {
  std::string symbol;
  std::uint64_t seq = 0;     // the last command reflected
  std::vector<Level> bids;   // best first
  std::vector<Level> asks;   // best first
  std::vector<OrderView> orders;  // filled only when asked for (L3), in time priority per level
};

struct TradeView {
  std::uint64_t id = 0;
  std::uint64_t seq = 0;
  std::int64_t time = 0;
  std::string symbol;
  std::int64_t price = 0;
  std::int64_t qty = 0;
  std::string buyer;    // participant ids
  std::string seller;
  std::string facility;
  std::string project;
  std::string kind = "book";  // how it was made: "book" (listed), "block" (a block trade)
  bool revoked = false;       // an operator revoked it since (the day's statistics still count it)
};

struct BlockView {  // a pending block proposal: operators and regulators
  std::uint64_t id = 0;  // the block's id (its proposal's seq)
  std::int64_t proposed = 0;  // ns; 0 when it was pending at crixd's start (the time is not kept)
  std::string symbol;
  char side = '2';  // the proposer's: '1' buy, '2' sell (FIX Side)
  std::string proposer;
  std::string account;  // the proposer's facility (sell) or project (buy)
  std::string counterparty;
  std::int64_t price = 0;
  std::int64_t qty = 0;
};

// A one-way bidding auction (单向竞价) of the market file's [[auction]] list: its terms, its state and
// the last announcement's window, its bids and, once it ended, its result. Bidders' and sellers'
// identities are here for every role: the server leaves out what the public may not see.
struct AuctionBidView {
  std::uint64_t id = 0;    // the bid's last raise's id (its command's seq)
  std::uint64_t seq = 0;   // the seq of its last raise: among equal prices the earlier ranks first
  std::int64_t time = 0;   // ns of its last raise; 0 when placed before crixd's start (not kept)
  std::string bidder;      // participant id
  std::string project;
  std::int64_t price = 0;
  std::int64_t qty = 0;
  std::int64_t won = 0;    // allocated when the window ended
};

struct AuctionAllocationView {  // one settled part: a trade of kind auction
  std::uint64_t trade = 0;
  std::string bidder;
  std::string project;
  std::string facility;
  std::int64_t price = 0;
  std::int64_t qty = 0;
};

struct AuctionView {
  std::uint32_t index = 0;  // in the market file's [[auction]] list: the engine's auction number
  std::string id;           // e.g. "AU-HB-450"
  std::string symbol;
  std::string seller;
  std::vector<std::string> facilities;  // taken from in this order
  std::int64_t qty = 0;
  bool whole = false;
  std::int64_t reserve = 0;    // fen per unit
  std::int64_t increment = 0;  // fen
  std::string pricing;         // as the market file says it: "pay_as_bid", "uniform"
  std::string state;           // engine::to_string(AuctionState): configured, announced, sold, unsold, canceled
  std::int64_t opens = 0;      // the last announcement's window (ns); 0 while configured
  std::int64_t closes = 0;
  std::uint64_t seq = 0;       // the last command that changed it (0: none since crixd's start)
  std::vector<AuctionBidView> ranking;  // best first: price, then the last raise's seq
  std::int64_t sold = 0;       // after the end
  std::int64_t price = 0;      // the lowest winning price, 0 unsold
  std::vector<AuctionAllocationView> allocations;  // in trade id order
};

struct SessionView {
  std::string participant;
  std::string comp_id;
  bool logged_on = false;
  std::int64_t since = 0;      // logon time, 0 = never
  std::int64_t last_seen = 0;  // last message received
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t stalled = 0;   // times dropped for not reading
  std::uint64_t refused = 0;   // logons refused
  std::uint32_t failed_logons = 0;  // failed logons in a row (wrong password): the back-off's count
  std::int64_t blocked_until = 0;   // logons refused until then (back-off or lockout), 0 = none
};

struct ParticipantView {
  std::string id;
  std::string name;
  std::string status;  // "active", "suspended"
  std::uint32_t open_orders = 0;
  bool logged_on = false;
};

struct StatusView {
  std::uint64_t seq = 0;  // last sequenced command
  // Counted since crixd's start (a restart begins again at 0); the day's trades are the ledger's daily
  // statistics.
  std::uint64_t commands = 0, trades = 0, commits = 0, busy = 0, clock_commands = 0;
  std::string chain_head;  // hex
  std::uint64_t ledger_bytes = 0;
  std::size_t inbound_depth = 0, batch_depth = 0;
  std::int64_t last_commit_us = 0;
  std::int64_t started = 0;
  std::int64_t now = 0;
  std::string phase;
  bool accepting = false;   // ready: ledger open and taking orders (readyz; the status JSON's `ready`,
                            // its `accepting` also needs continuous trading)
  std::string last_error;   // "" = none
  bool ledger_full = false;  // the ledger's disk is full: requests that would be journaled are refused
  std::string not_ready;     // why accepting is false ("" when accepting), for /readyz
};

// Counters and histograms for /metrics, cumulative since start.
struct MetricsView {
  std::uint64_t orders = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rejects_by_reason;  // reason text, count
  std::uint64_t trades = 0;
  // Acknowledgement latency (request received to its report leaving): bucket upper bounds in
  // microseconds and cumulative counts, Prometheus style; the last bound is +Inf.
  std::vector<double> ack_bounds_us;
  std::vector<std::uint64_t> ack_counts;
  double ack_sum_us = 0;
  std::vector<double> commit_bounds_us;
  std::vector<std::uint64_t> commit_counts;
  double commit_sum_us = 0;
  std::uint64_t failed_logons = 0;        // wrong password or username, since start
  std::uint64_t throttled_logons = 0;     // logons refused during a back-off or lockout
  std::uint64_t dropped_connections = 0;  // FIX connections closed for what the peer did (or did not)
  bool ledger_full = false;               // as StatusView::ledger_full
  std::uint64_t refused_for_space = 0;    // requests refused because the ledger's disk was full
};

// The answer to an operator command, after the commit that holds it.
struct ActionResult {
  bool ok = false;
  std::uint64_t seq = 0;       // the command's sequence number (0 when it was not sequenced)
  std::string reject_code;     // engine::to_string(RejectCode) when refused
  std::string reason;          // the text a FIX reject would carry; "exchange busy", "stopping"
};

// One live update, in sequence order. `type`: "book" (levels of one side that changed, qty 0 =
// level gone), "trade", "revocation" (an operator revoked a trade), "instrument" (phase, halt, band or
// reference changed), "participant" (suspended, reinstated), "session" (logon, logout, stalled),
// "alert" (a ledger failure), "auction" (announced, a bid placed or raised, ended: the whole
// AuctionView).
// `json` is the update's body as the WebSocket feed sends it (docs/API.md), built by the publisher
// so that the feed and a fresh snapshot cannot disagree.
struct FeedEvent {
  std::uint64_t seq = 0;
  std::string type;
  std::string json;
};

// One commit's updates as every subscriber gets them: built once by the publisher and shared, never
// changed after (a subscriber may keep it past its callback, on any thread, without a copy). `text` is
// the events' json joined by commas, in order: what the feed's {"type":"updates","events":[...]}
// carries between its brackets, so a viewer costs the ledger thread no string of its own.
struct FeedBatch {
  std::vector<FeedEvent> events;  // in sequence order, never empty
  std::string text;
};

class Link {
 public:
  virtual ~Link() = default;

  virtual StatusView status() const = 0;
  virtual MetricsView metrics() const = 0;
  virtual std::vector<InstrumentView> instruments() const = 0;
  // std::nullopt for an unknown symbol. depth 0 = every level.
  virtual std::optional<BookView> book(std::string_view symbol, std::size_t depth, bool with_orders) const = 0;
  virtual std::vector<TradeView> recent_trades(std::size_t limit) const = 0;  // newest last
  virtual std::vector<BlockView> blocks() const = 0;  // pending block proposals, oldest first
  virtual std::vector<AuctionView> auctions() const = 0;  // every configured auction, in the file's order
  virtual std::vector<SessionView> sessions() const = 0;
  virtual std::vector<ParticipantView> participants() const = 0;
  // The live ledger, for the regulator's queries (Writer::reader(): one LMDB environment per process).
  virtual ledger::Reader reader() const = 0;

  // Sequences `command` (an operator command: kHalt ... kRegister, kCloseDay) for `operator_name`,
  // who is journaled with it; `done` runs after its commit, or at once when it could not be queued.
  virtual void submit(const engine::Command& command, const std::string& operator_name,
                      std::function<void(const ActionResult&)> done) = 0;
  // The same with the operator's reason (halt, suspend; "" = none): journaled with the command in the
  // audit trail, and a suspension's FIX logouts carry it in Text(58). A Link that keeps no reasons
  // (a test's) may leave this as it is.
  virtual void submit(const engine::Command& command, const std::string& operator_name, const std::string& reason,
                      std::function<void(const ActionResult&)> done) {
    (void)reason;
    submit(command, operator_name, std::move(done));
  }

  // Live updates. `snapshot` is the whole published state as the feed's first message (JSON, with
  // the seq it reflects); `on_events` then gets every later batch of updates, seq > snapshot's, in
  // order, on the ledger thread: the same batch for every subscriber, held by shared pointer. Taking the snapshot and registering are one step under the
  // publisher's lock, so nothing falls between them. Returns a handle; unsubscribe with it.
  // Session events (and the participant's logged_on with them) are no command: they carry the last
  // committed seq (>= the snapshot's) and replace the row. `on_events` runs under the publisher's
  // lock: it must not call unsubscribe (or anything of the Link).
  using FeedHandler = std::function<void(const std::shared_ptr<const FeedBatch>&)>;
  virtual std::uint64_t subscribe(FeedHandler on_events, std::string& snapshot) = 0;
  virtual void unsubscribe(std::uint64_t handle) = 0;
};

}  // namespace crix::http
