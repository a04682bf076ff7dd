// crix::gateway reports: the FIX messages the engine stage answers with, built from what the gateway
// knows of an order (orders.hpp) or from the request itself: execution reports (an order's state, a
// rejected order, a status), cancel rejects, and the FIX reason and console key of a refusal.
// Pure functions: the caller gives the ExecID(17) and TransactTime(60).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/event.hpp"
#include "engine/market.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/orders.hpp"

namespace crix::gateway {

// A time (ns since the epoch) as FIX writes a UTCTimestamp, "YYYYMMDD-HH:MM:SS" (".sss" when not on a
// whole second): how a client sent ExpireTime(126), for texts naming it.
std::string utc_timestamp_text(std::int64_t ns);

// OrdRejReason(103) of a kRejected event: the FIX 4.4 value that says its reject code (for
// kAuctionBidder, its reason in arg1), else 99 (other). Orders and auction bids alike.
int ord_rej_reason(const engine::Event& rejected);

// Why a request was refused, for the console's metrics, when the exchange gave no reject code: the
// gateway's check, from the FIX reason (OrdRejReason(103), CxlRejReason(102)) it gave.
std::string_view new_reject_key(int ord_rej_reason);
std::string_view cancel_reject_key(int cxl_rej_reason);

// An ExecutionReport of order `order_id` as the gateway knows it now (`o`); the caller sets ExecType,
// OrdStatus and what the event adds.
fix::ExecReport order_report(const engine::Market& market, const OrderInfo& o, std::uint64_t order_id,
                             std::string exec_id, std::int64_t transact_time);
// A status ExecutionReport(150=I) of an order that ended today.
fix::ExecReport ended_report(const engine::Market& market, const Ended& ended, std::uint64_t order_id,
                             std::string exec_id, std::int64_t transact_time);
// The ExecutionReport(150=8) refusing NewOrderSingle `r`.
fix::ExecReport rejected_new(const fix::OrderRequest& r, int ord_rej_reason, const std::string& text,
                             std::string exec_id, std::int64_t transact_time);
// The OrderCancelReject(9) refusing cancel or replace `r` of order `order_id`.
fix::CancelReject rejected_cancel(const fix::OrderRequest& r, const std::string& order_id, int cxl_rej_reason,
                                  const std::string& text);
// The status ExecutionReport(150=I, 39=8) for an OrderStatusRequest naming no order of the session today.
fix::ExecReport unknown_order_status(const fix::OrderRequest& r, std::string exec_id);
// The one ExecutionReport an OrderMassStatusRequest gets when the session has no order today.
fix::ExecReport no_orders_status(const fix::OrderRequest& r, std::string exec_id);

}  // namespace crix::gateway
