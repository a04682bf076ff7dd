#include "gateway/reports.hpp"

#include <cstdio>
#include <utility>

#include "engine/calendar.hpp"
#include "gateway/fix_values.hpp"

namespace crix::gateway {

int ord_rej_reason(const engine::Event& rejected) {
  using engine::RejectCode;
  namespace reason = fixv::ord_rej_reason;
  // Every code is listed (no default): a new one fails to compile (-Wswitch) until it is placed here.
  switch (rejected.code) {
    case RejectCode::kUnknownInstrument: return reason::kUnknownSymbol;
    case RejectCode::kSessionClosed:
    case RejectCode::kInstrumentHalted:
    case RejectCode::kAuctionNotOpen: return reason::kExchangeClosed;
    case RejectCode::kFacilityCapacity:
    case RejectCode::kProjectNeed:
    case RejectCode::kAboveListedMax: return reason::kOrderExceedsLimit;
    case RejectCode::kUnknownOrder:
    case RejectCode::kNotOwner: return reason::kUnknownOrder;  // another participant's: unknown to this one
    case RejectCode::kDuplicateOrderId: return reason::kDuplicateOrder;
    case RejectCode::kInvalidSide:
    case RejectCode::kInvalidOrderType:
    case RejectCode::kInvalidTimeInForce:
    case RejectCode::kInvalidFlags: return reason::kUnsupportedOrderCharacteristic;
    case RejectCode::kInvalidQuantity:
    case RejectCode::kOffLot:
    case RejectCode::kReplaceBelowFilled:
    case RejectCode::kCreditsNothing:
    case RejectCode::kFacilityIndivisible: return reason::kIncorrectQuantity;  // the whole capacity, all-or-none
    case RejectCode::kUnknownFacility:
    case RejectCode::kUnknownProject:
    case RejectCode::kFacilityNotOwned:
    case RejectCode::kProjectNotOwned: return reason::kUnknownAccount;  // not the participant's: unknown to it
    case RejectCode::kAuctionBidder:  // a bid above the lot's quantity exceeds it, as an order the facility's
      return rejected.arg1 == static_cast<std::int64_t>(engine::AuctionBidder::kAboveLot) ? reason::kOrderExceedsLimit
                                                                                          : reason::kOther;
    // No FIX 4.4 value says it; the Text does.
    case RejectCode::kNone:
    case RejectCode::kInvalidPrice:
    case RejectCode::kInvalidExpiry:
    case RejectCode::kOrderPoolFull:
    case RejectCode::kLevelPoolFull:
    case RejectCode::kUnknownCommand:
    case RejectCode::kUnknownParticipant:
    case RejectCode::kParticipantSuspended:
    case RejectCode::kSideNotAllowed:
    case RejectCode::kInstrumentNotAllowed:
    case RejectCode::kOffTick:
    case RejectCode::kOutsideBand:
    case RejectCode::kFacilityWrongIndustry:
    case RejectCode::kFacilityIneligible:
    case RejectCode::kProjectWrongIndustry:
    case RejectCode::kProjectNotOpen:
    case RejectCode::kNoRatioRule:
    case RejectCode::kNoCounterparty:
    case RejectCode::kUnknownTrade:
    case RejectCode::kNotRevocable:
    case RejectCode::kStatusNotAllowed:
    case RejectCode::kInvalidAmendment:
    case RejectCode::kAmendBelowUsed:
    case RejectCode::kRegistrationOutOfOrder:
    case RejectCode::kBelowBlockMin:
    case RejectCode::kOutsideBlockBand:
    case RejectCode::kUnknownBlock:
    case RejectCode::kNotBlockParty:
    case RejectCode::kBlockCounterparty:
    case RejectCode::kBlockPairRefused:
    case RejectCode::kDuplicateBlockId:
    case RejectCode::kUnknownAuction:
    case RejectCode::kBelowReserve:
    case RejectCode::kOffIncrement:
    case RejectCode::kBidNotRaised:
    case RejectCode::kAuctionLot:
    case RejectCode::kNoChange: return reason::kOther;
  }
  return reason::kOther;
}

std::string_view new_reject_key(int ord_rej_reason) {
  switch (ord_rej_reason) {
    case fixv::ord_rej_reason::kUnknownSymbol: return "unknown symbol";
    case fixv::ord_rej_reason::kDuplicateOrder: return "duplicate ClOrdID";
    case fixv::ord_rej_reason::kUnsupportedOrderCharacteristic: return "unsupported order characteristic";
    case fixv::ord_rej_reason::kUnknownAccount: return "unknown account";
    default: return "invalid request";
  }
}

std::string_view cancel_reject_key(int cxl_rej_reason) {
  switch (cxl_rej_reason) {
    case fixv::cxl_rej_reason::kUnknownOrder: return "unknown order";
    case fixv::cxl_rej_reason::kDuplicateClOrdId: return "duplicate ClOrdID";
    default: return "invalid request";
  }
}

fix::ExecReport order_report(const engine::Market& market, const OrderInfo& o, std::uint64_t order_id,
                             std::string exec_id, std::int64_t transact_time) {
  fix::ExecReport r;
  r.session = o.session;
  r.order_id = std::to_string(order_id);
  r.exec_id = std::move(exec_id);
  r.cl_ord_id = o.cl_ord_id;
  r.symbol = market.instruments[o.instrument].code;
  r.account = o.account;
  r.side = o.side;
  r.ord_type = o.ord_type;
  r.time_in_force = o.tif;
  r.price = o.price;
  r.order_qty = o.qty;
  r.cum_qty = o.cum_qty;
  r.leaves_qty = o.qty - o.cum_qty;
  r.avg_px = average_price(o.cum_qty, o.cum_value);
  r.transact_time = transact_time;
  if (o.auction != OrderInfo::kNoAuction) r.trading_session_id = market.auctions[o.auction].id;
  return r;
}

fix::ExecReport ended_report(const engine::Market& market, const Ended& ended, std::uint64_t order_id,
                             std::string exec_id, std::int64_t transact_time) {
  fix::ExecReport e;
  e.session = ended.session;
  e.order_id = std::to_string(order_id);
  e.exec_id = std::move(exec_id);
  e.cl_ord_id = ended.cl_ord_id;
  e.symbol = market.instruments[ended.instrument].code;
  e.account = ended.account;
  e.side = ended.side;
  e.ord_type = ended.ord_type;
  e.time_in_force = ended.tif;
  e.price = ended.price;
  e.order_qty = ended.qty;
  e.cum_qty = ended.cum_qty;
  e.leaves_qty = 0;
  e.avg_px = ended.avg_px;
  e.transact_time = transact_time;
  e.exec_type = fixv::exec_type::kOrderStatus;
  e.ord_status = ended.status;
  return e;
}

fix::ExecReport rejected_new(const fix::OrderRequest& r, int ord_rej_reason, const std::string& text,
                             std::string exec_id, std::int64_t transact_time) {
  fix::ExecReport e;
  e.session = r.session;
  e.order_id = "NONE";
  e.exec_id = std::move(exec_id);
  e.cl_ord_id = r.cl_ord_id;
  e.exec_type = fixv::exec_type::kRejected;
  e.ord_status = fixv::ord_status::kRejected;
  e.symbol = r.symbol;
  e.account = r.account;
  e.side = r.side;
  e.ord_type = r.ord_type;
  e.time_in_force = r.time_in_force;
  e.price = r.price;
  e.order_qty = r.qty;
  e.ord_rej_reason = ord_rej_reason;
  e.text = text;
  e.transact_time = transact_time;
  e.trading_session_id = r.trading_session_id;
  return e;
}

std::string utc_timestamp_text(std::int64_t ns) {
  const engine::UtcTime t = engine::utc_time(ns);
  char text[40];
  std::snprintf(text, sizeof text, "%04d%02d%02d-%02d:%02d:%02d", static_cast<int>(t.date.year),
                static_cast<int>(t.date.month), static_cast<int>(t.date.day), t.hour, t.minute, t.second);
  std::string out = text;
  if (t.millis != 0) {
    std::snprintf(text, sizeof text, ".%03d", t.millis);
    out += text;
  }
  return out;
}

fix::CancelReject rejected_cancel(const fix::OrderRequest& r, const std::string& order_id, int cxl_rej_reason,
                                  const std::string& text) {
  fix::CancelReject c;
  c.session = r.session;
  c.order_id = order_id;
  c.cl_ord_id = r.cl_ord_id;
  c.orig_cl_ord_id = r.orig_cl_ord_id;
  c.response_to = r.kind == fix::RequestKind::kReplace ? fixv::cxl_rej_response_to::kReplace
                                                       : fixv::cxl_rej_response_to::kCancel;
  c.reason = cxl_rej_reason;
  c.text = text;
  return c;
}

fix::ExecReport unknown_order_status(const fix::OrderRequest& r, std::string exec_id) {
  fix::ExecReport e;
  e.session = r.session;
  e.order_id = r.order_id.empty() ? "NONE" : r.order_id;
  e.exec_id = std::move(exec_id);
  e.cl_ord_id = r.cl_ord_id;
  e.exec_type = fixv::exec_type::kOrderStatus;
  e.ord_status = fixv::ord_status::kRejected;
  e.symbol = r.symbol;
  e.side = r.side;
  e.text = "no order of this session by that id today: it was never accepted, or ended on an earlier trading day";
  return e;
}

fix::ExecReport no_orders_status(const fix::OrderRequest& r, std::string exec_id) {
  fix::ExecReport e;
  e.session = r.session;
  e.order_id = "NONE";
  e.exec_id = std::move(exec_id);
  e.cl_ord_id = r.cl_ord_id;
  e.exec_type = fixv::exec_type::kOrderStatus;
  e.ord_status = fixv::ord_status::kRejected;
  e.symbol = r.symbol.empty() ? "NONE" : r.symbol;
  e.text = "no orders";
  return e;
}

}  // namespace crix::gateway
