// crix::gateway orders: what the gateway keeps of an order beyond the book (its ClOrdID, what its
// execution reports carry, its fills), and how that is kept in the ledger (client_orders) so that
// reports after a restart carry it; `Orders`, the live and ended orders of the trading day by order id
// and by ClOrdID, and the ClOrdIDs each session used today.
//
// Thread rules: Orders is the engine stage's (EngineStage), one thread at a time under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/exchange.hpp"
#include "engine/types.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/fix_values.hpp"
#include "ledger/writer.hpp"

namespace crix::gateway {

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

// The gateway's view of a live order: what its execution reports carry.
struct OrderInfo {
  std::uint32_t session = 0;
  std::uint32_t instrument = 0;
  std::string cl_ord_id;
  std::string account;
  char side = fixv::side::kBuy;
  char ord_type = fixv::ord_type::kLimit;
  char tif = fixv::tif::kDay;
  std::int64_t price = 0;
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  Int128 cum_value = 0;
  bool stored = false;  // its state is in the ledger's client_orders (restored after a restart)
  // A bid: the auction (index into Market::auctions) whose TradingSessionID its reports carry.
  std::uint32_t auction = kNoAuction;
  static constexpr std::uint32_t kNoAuction = UINT32_MAX;
};

// An order of the current trading day that ended, as a status report of it says: its final
// OrdStatus(39) (filled, canceled or expired) and its last ClOrdID (a cancel request's, if one ended it).
// A view into Orders, valid until Orders changes.
struct Ended {
  std::uint32_t session = 0;
  std::uint32_t instrument = 0;
  std::string_view cl_ord_id;
  std::string_view account;
  char side = fixv::side::kBuy;
  char ord_type = fixv::ord_type::kLimit;
  char tif = fixv::tif::kDay;
  char status = fixv::ord_status::kCanceled;
  std::int64_t price = 0;
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  std::int64_t avg_px = 0;
};

// AvgPx(6) of `cum_qty` traded for `cum_value` (price x quantity summed), rounded half up; 0 untraded.
std::int64_t average_price(std::int64_t cum_qty, Int128 cum_value);

// What the ledger keeps of a live order (ledger::ClientOrder): what the book and the journal do not
// know. Fields joined by SOH, which no FIX value contains: "1", session, ClOrdID, OrdType, OrderQty,
// CumQty, and the value traded (high and low 64 bits).
std::string stored_state(const OrderInfo& o);
// The fields of stored_state() back into `o`; false when the text is not one.
bool restore_state(const std::string& text, OrderInfo& o);

// TimeInForce(59) of an engine order.
char tif_char(engine::TimeInForce t);

// Open addressing (linear probing) over 32-bit references (0: an empty slot) to things kept elsewhere,
// which the owner hashes and compares: 4 bytes a slot, at most 3/4 of them used.
class RefTable {
 public:
  // The reference `same(ref)` accepts; 0 when there is none.
  template <class Same>
  std::uint32_t find(std::uint64_t hash, Same same) const;
  // The slot holding the reference `same(ref)` accepts, else the empty slot where it belongs.
  template <class Same>
  std::uint32_t& slot(std::uint64_t hash, Same same);
  // A reference was put into the empty slot slot() gave: grows, rehashing by `hash_of(ref)`, when 3/4 full.
  template <class HashOf>
  void added(HashOf hash_of);
  void clear();  // frees the slots

 private:
  std::vector<std::uint32_t> slots_;
  std::size_t used_ = 0;
};

// The gateway's orders of the current trading day. A ClOrdID must be new in its session for the day;
// at the close only live orders' ClOrdIDs stay taken, and the ended orders are forgotten. The live
// orders the command being sequenced changed ("touched") go to the ledger with it, and so does each
// order that ends (ended_state(): its final state and its ClOrdIDs), until the close deletes the day's:
// after a restart during the day the day's ClOrdIDs are still taken, status requests still find the
// orders that ended, and a request resent with PossDupFlag=Y still gets its order's status rather than
// a second execution. A ClOrdID that names no order (its request refused by the exchange, or left
// behind by a replace) goes to the ledger alone (keep_taken()). Those of requests refused before the
// exchange saw them (no ClOrdID, an unknown symbol or auction) are taken until a restart only: such a
// request, sent again, is refused again for the same cause.
//
// Memory. Live orders are bounded by the book. What grows over the day, until the close frees it, is
// kept compact: each ClOrdID used or naming an ended order once, in an arena of 1 MiB blocks (8 bytes
// and the ClOrdID padded to 4, plus about 8 bytes of its session's hash table), and each ended order
// as a 64-byte record (plus about 8 of the table by order id). An order ended by a cancel request has
// two names (its ClOrdID and the cancel's): about 130 bytes a day with 7-character ClOrdIDs (measured:
// bench_fix --mix rest), about 100 one filled or expired. A name kept alone costs its name and the
// 8 bytes of its ledger key. The ledger holds each ended order's record
// (about 60 bytes and its ClOrdIDs, plus LMDB's key and page overhead) until the close, whose commit
// deletes them all (pages LMDB then reuses). Limits a day, far beyond memory at any rate seen: 2^31 - 2 ended orders
// (later ones are not kept for status requests, logged once) and 16 GiB of ClOrdIDs (std::length_error).
class Orders {
 public:
  // `exchange`: its book, for orders resting since before a restart.
  Orders(const engine::Market& market, const engine::Exchange& exchange);

  // The live orders' records from before a restart (ledger client_orders); a record whose order no
  // longer rests (in the book, or as a bid of an announced auction) is added to `stale` (to be
  // forgotten). Records of orders that ended today (ended_state()) come back as such; those of an
  // earlier day are added to `stale`. Returns how many live orders were restored.
  std::size_t restore(const std::vector<ledger::ClientOrder>& kept, ledger::Batch& stale);

  // Takes `cl_ord_id` for the session today: false when it was used before.
  bool use_cl_ord_id(std::uint32_t session, const std::string& cl_ord_id);
  // Whether a new order or a replace of the session took `cl_ord_id` today.
  bool taken(std::uint32_t session, const std::string& cl_ord_id) const;
  // Whether `cl_ord_id` is the last ClOrdID of a canceled order of the session's today: the cancel
  // request's that ended it, or the order's own when that request used it too.
  bool ended_by_cancel(std::uint32_t session, const std::string& cl_ord_id) const;
  // The day closed: ClOrdIDs may be used again, except by a live order; ended orders are forgotten,
  // and their records leave the ledger in `batch`. `request`, the request that closed the day (the
  // first after the close), counts in the new one.
  void new_day(const fix::OrderRequest* request, ledger::Batch& batch);

  // A new order, accepted by the exchange as `id`.
  OrderInfo& accept(std::uint64_t id, OrderInfo o);
  // The record of live order `id`. An order resting since before a restart has one restored from the
  // ledger (restore); one without (a ledger written before client_orders existed) is adopted from
  // the book and the event, its ClOrdID taken to be its order id and its earlier fills unknown.
  OrderInfo& info_of(std::uint64_t id, engine::ParticipantId participant, engine::AccountId account,
                     engine::Side side, engine::InstrumentId instrument, std::int64_t open);
  OrderInfo& at(std::uint64_t id) { return live_.at(id); }
  // Live order `id` is known by `cl_ord_id` from now on (a replace).
  void rename(std::uint64_t id, const std::string& cl_ord_id);
  // `cl_ord_id`, which the session's new order or replace took today, names no order: the exchange
  // refused the request, or a replace left it behind. Kept in the ledger (taken_state() into `batch`)
  // under `key`, the sequence number of the command that refused or replaced (no order's id: an
  // order's id is its NewOrderSingle's number), so that it stays taken after a restart, until the close.
  void keep_taken(std::uint64_t key, std::uint32_t session, std::string_view cl_ord_id, ledger::Batch& batch);
  // The session's OrderMassCancelRequest `cl_ord_id` was acted on (sequenced as command `key`): kept,
  // in memory and in the ledger as keep_taken() keeps a name, until the close, so that the request
  // resent with PossDupFlag=Y is answered rather than acted on again (it would cancel the orders
  // placed since). A mass cancel's ClOrdID takes no order's: the two are apart.
  void keep_mass_cancel(std::uint64_t key, std::uint32_t session, const std::string& cl_ord_id, ledger::Batch& batch);
  // Whether a mass cancel of the session with `cl_ord_id` was acted on today.
  bool mass_canceled(std::uint32_t session, const std::string& cl_ord_id) const;
  // Order `id` ended with OrdStatus `status` (filled, canceled or expired): no longer live, kept until
  // the close for OrderStatusRequest and OrderMassStatusRequest, and in the ledger (its ended_state()
  // into `batch`). `canceled_by`: the ClOrdID of the cancel request that ended it, its last, by which
  // it is known too ("", or the order's own, for none).
  void forget(std::uint64_t id, char status, ledger::Batch& batch, std::string_view canceled_by = {});
  // How many orders ended today are kept.
  std::size_t ended_today() const { return records_.size(); }
  // How many ClOrdIDs that name no order, and of mass cancels, are kept in the ledger (keep_taken(),
  // keep_mass_cancel()).
  std::size_t names_kept() const { return taken_keys_.size(); }
  // Live order `id` changed with the command being sequenced.
  void touch(std::uint64_t id) { touched_.push_back(id); }
  // The touched live orders' records into `batch` (an order that came and went within the command is
  // never written).
  void store_touched(ledger::Batch& batch);

  // The live order a cancel, replace or status request names: by OrderID(37), else by OrigClOrdID(41)
  // (ClOrdID(11) for a status request). Only the session's own orders are found.
  std::optional<std::uint64_t> find(const fix::OrderRequest& r);
  // An order of the session that ended today, named as find() names a live one.
  std::optional<std::uint64_t> find_ended(const fix::OrderRequest& r) const;
  // Order `id`, which find_ended() found or ended_of() listed.
  Ended ended(std::uint64_t id) const;
  // The session's orders that ended today, of instrument `only` (UINT32_MAX: of every one), by order id.
  std::vector<std::uint64_t> ended_of(std::uint32_t session, std::uint32_t only) const;

  const std::unordered_map<std::uint64_t, OrderInfo>& live() const { return live_; }

 private:
  // Side(54) and Account(1): a sell names its facility, a buy its project.
  void set_account(OrderInfo& o, engine::Side side, engine::AccountId account) const;
  // Fills `o` from the bid `id` of an announced auction; false when no announced auction has one.
  bool restore_bid(std::uint64_t id, OrderInfo& o) const;

  // An ended order: 64 bytes.
  struct Record {
    std::uint64_t id = 0;
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t cum_qty = 0;
    std::int64_t avg_px = 0;
    std::uint32_t name = 0;  // its last ClOrdID
    std::uint32_t session = 0;
    std::uint32_t instrument = 0;
    std::uint32_t account = 0;  // a facility's index (a sell) or a project's (a buy)
    char side = 0;
    char ord_type = 0;
    char tif = 0;
    char status = 0;
  };
  // A name: the (session, ClOrdID) of today, at an arena entry [u32 link][u32 size][ClOrdID, padded
  // to 4]; link's bit 31 says the ClOrdID is taken (a new order or a replace used it), bits 0-30 the
  // ended order it names, + 1 (0: none). Its reference: the block's index << 18 | offset / 4.
  static constexpr std::uint32_t kTaken = 0x80000000U;
  std::uint32_t& link(std::uint32_t name) const;
  std::string_view cl_ord_id(std::uint32_t name) const;
  // The name of (session, ClOrdID), added (not taken, naming nothing) when there is none.
  std::uint32_t name(std::uint32_t session, std::string_view cl_ord_id);
  std::optional<std::uint32_t> find_name(std::uint32_t session, std::string_view cl_ord_id) const;
  const Record* record(std::uint64_t id) const;
  // Keeps `r` (its name set from here): named by the order's `cl_ord_id` (taken) and by `canceled_by`
  // when not empty, its last name then.
  void add_record(Record r, std::string_view cl_ord_id, std::string_view canceled_by);
  // What the ledger keeps of ended order `r`: "E", the exchange's last closed day when it ended
  // (Exchange::last_closed_day: a record from before a later close is stale, also when that close
  // came from a command crixd did not run), session, instrument, account, side, OrdType, TimeInForce
  // and OrdStatus (one character each, together), price, OrderQty, CumQty, AvgPx, the order's
  // ClOrdID, and the cancel's when one ended it; joined by SOH.
  static std::string ended_state(std::int32_t closed_day, const Record& r, std::string_view cl_ord_id,
                                 std::string_view canceled_by);
  // ended_state() back into `closed_day`, `r` and the names; false when `text` is not one.
  static bool restore_ended(const std::string& text, std::int32_t& closed_day, Record& r, std::string& cl_ord_id,
                            std::string& canceled_by);
  // What the ledger keeps of a ClOrdID kept alone: its kind, kTakenName (keep_taken()) or kMassCancel
  // (keep_mass_cancel()), the exchange's last closed day when it was kept (as ended_state()'s),
  // session and ClOrdID; joined by SOH.
  static constexpr char kTakenName = 'N';
  static constexpr char kMassCancel = 'Q';
  static std::string taken_state(char kind, std::int32_t closed_day, std::uint32_t session,
                                 std::string_view cl_ord_id);
  // Writes taken_state() of `kind` under `key` into `batch`, to be deleted at the close.
  void keep_alone(char kind, std::uint64_t key, std::uint32_t session, std::string_view cl_ord_id,
                  ledger::Batch& batch);
  // taken_state() back into its parts; false when `text` is not one.
  static bool restore_taken(const std::string& text, char& kind, std::int32_t& closed_day, std::uint32_t& session,
                            std::string& cl_ord_id);
  // Side(54) and Account(1): a sell names its facility, a buy its project.
  std::string_view account_id(char side, std::uint32_t account) const;

  const engine::Market& market_;
  const engine::Exchange& exchange_;
  std::unordered_map<std::uint64_t, OrderInfo> live_;
  std::unordered_map<std::string, std::uint64_t> live_by_cl_ord_id_;  // by clid_key (session, ClOrdID)
  std::vector<std::uint64_t> touched_;
  // The day's: names (arena blocks, per session a table of them) and ended orders (a table by id).
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_used_ = 0;  // bytes used of the last block
  std::vector<RefTable> names_;
  std::deque<Record> records_;
  RefTable records_by_id_;  // record index + 1
  std::vector<std::uint64_t> taken_keys_;  // the ledger keys of the day's taken_state() records
  std::unordered_set<std::string> mass_cancels_;  // the day's mass cancels, by clid_key (session, ClOrdID)
  bool records_full_logged_ = false;
};

}  // namespace crix::gateway
