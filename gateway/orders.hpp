// crix::gateway orders: what the gateway keeps of an order beyond the book (its ClOrdID, what its
// execution reports carry, its fills), and how that is kept in the ledger (client_orders) so that
// reports after a restart carry it. The live and ended orders themselves, by order id and by ClOrdID,
// are the engine stage's (daemon.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "engine/types.hpp"
#include "gateway/fix_values.hpp"

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

}  // namespace crix::gateway
