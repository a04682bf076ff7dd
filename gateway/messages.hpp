// crix::gateway messages: what the engine stage builds for the sessions and the ledger stage sends once
// the batch holding the commands behind them is committed (gateway/daemon.hpp, the pipeline).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "gateway/fix/fix_api.hpp"

namespace crix::gateway {

using Outbound = std::variant<fix::ExecReport, fix::CancelReject, fix::MassCancelReport, fix::BusinessReject,
                              fix::MarketDataSnapshot, fix::MarketDataIncremental, fix::MarketDataReject,
                              fix::SecurityList,
                              fix::TradeCaptureReport, fix::TradeCaptureReportAck, fix::TradeCaptureReportRequestAck,
                              fix::TradingSessionStatus>;

// A BusinessMessageReject(j) of request `ref_id` (message type `ref_type`), BusinessRejectReason
// `reason` (fixv::business_reject).
inline fix::BusinessReject business_reject(fix::SessionHandle session, const char* ref_type,
                                           const std::string& ref_id, int reason, std::string text) {
  fix::BusinessReject b;
  b.session = session;
  b.ref_msg_type = ref_type;
  b.ref_id = ref_id;
  b.reason = reason;
  b.text = std::move(text);
  return b;
}

// A MarketDataRequestReject(Y) of MarketDataRequest `md_req_id`: MDReqRejReason `reason`
// (fixv::md_req_rej_reason; kNone leaves it out) and `text`, which says what was wrong and what to do.
inline fix::MarketDataReject market_data_reject(fix::SessionHandle session, const std::string& md_req_id, char reason,
                                                std::string text) {
  fix::MarketDataReject r;
  r.session = session;
  r.md_req_id = md_req_id;
  r.reason = reason;
  r.text = std::move(text);
  return r;
}

}  // namespace crix::gateway
