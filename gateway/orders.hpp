// crix::gateway orders: what the gateway keeps of an order beyond the book (its ClOrdID, what its
// execution reports carry, its fills), and how that is kept in the ledger (client_orders) so that
// reports after a restart carry it; `Orders`, the live and ended orders of the trading day by order id
// and by ClOrdID, and the ClOrdIDs each session used today.
//
// Thread rules: Orders is the engine stage's (EngineStage), one thread at a time under its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
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
};

// An order of the current trading day that ended, and its final OrdStatus(39): filled, canceled or
// expired.
struct Ended {
  OrderInfo info;
  char status = fixv::ord_status::kCanceled;
};

// What the ledger keeps of a live order (ledger::ClientOrder): what the book and the journal do not
// know. Fields joined by SOH, which no FIX value contains: "1", session, ClOrdID, OrdType, OrderQty,
// CumQty, and the value traded (high and low 64 bits).
std::string stored_state(const OrderInfo& o);
// The fields of stored_state() back into `o`; false when the text is not one.
bool restore_state(const std::string& text, OrderInfo& o);

// TimeInForce(59) of an engine order.
char tif_char(engine::TimeInForce t);

// The gateway's orders of the current trading day. A ClOrdID must be new in its session for the day
// (or since crixd started, if it restarted during the day: only live orders' ClOrdIDs are kept over a
// restart); at the close only live orders' ClOrdIDs stay taken, and the ended orders are forgotten.
// The live orders the command being sequenced changed ("touched") go to the ledger with it.
class Orders {
 public:
  // `exchange`: its book, for orders resting since before a restart.
  Orders(const engine::Market& market, const engine::Exchange& exchange);

  // The live orders' records from before a restart (ledger client_orders); a record whose order no
  // longer rests is added to `stale` (to be forgotten). Returns how many were restored.
  std::size_t restore(const std::vector<ledger::ClientOrder>& kept, ledger::Batch& stale);

  // Takes `cl_ord_id` for the session today: false when it was used before.
  bool use_cl_ord_id(std::uint32_t session, const std::string& cl_ord_id);
  // The day closed: ClOrdIDs may be used again, except by a live order; ended orders are forgotten.
  // `request`, the request that closed the day (the first after the close), counts in the new one.
  void new_day(const fix::OrderRequest* request);

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
  // Ended order `id` is known by `cl_ord_id` too, its last (a cancel request's).
  void rename_ended(std::uint64_t id, const std::string& cl_ord_id);
  // Order `id` ended with OrdStatus `status` (filled, canceled or expired): no longer live, kept until
  // the close for OrderStatusRequest and OrderMassStatusRequest; its record leaves the ledger in `batch`.
  void forget(std::uint64_t id, char status, ledger::Batch& batch);
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

  const std::unordered_map<std::uint64_t, OrderInfo>& live() const { return live_; }
  const std::unordered_map<std::uint64_t, Ended>& ended() const { return ended_; }

 private:
  // Side(54) and Account(1): a sell names its facility, a buy its project.
  void set_account(OrderInfo& o, engine::Side side, engine::AccountId account) const;

  const engine::Market& market_;
  const engine::Exchange& exchange_;
  std::unordered_map<std::uint64_t, OrderInfo> live_;
  std::unordered_map<std::string, std::uint64_t> live_by_cl_ord_id_;  // by clid_key (session, ClOrdID)
  std::unordered_map<std::uint64_t, Ended> ended_;
  std::unordered_map<std::string, std::uint64_t> ended_by_cl_ord_id_;
  std::vector<std::uint64_t> touched_;
  std::vector<std::unordered_set<std::string>> cl_ord_ids_;  // per session: the ClOrdIDs used today
};

}  // namespace crix::gateway
