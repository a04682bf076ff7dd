// crix::gateway::fixv: the FIX 4.4 field values crixd writes and reads (DESIGN.md, FIX dialect), by
// name, so that the daemon's code says "ExecType canceled" rather than '4'. The numbers are FIX 4.4's
// (tag in the namespace's comment); only the values this exchange uses are named.
#pragma once

namespace crix::gateway::fixv {

namespace msg_type {  // MsgType(35), as RefMsgType(372) of the BusinessMessageRejects we send
inline constexpr const char* kNewOrderSingle = "D";  // also for the other order requests refused busy
inline constexpr const char* kMarketDataRequest = "V";
inline constexpr const char* kSecurityListRequest = "x";
inline constexpr const char* kOrderMassStatusRequest = "AF";
inline constexpr const char* kTradeCaptureReport = "AE";
inline constexpr const char* kTradeCaptureReportRequest = "AD";
inline constexpr const char* kTradingSessionStatusRequest = "g";
}  // namespace msg_type

namespace side {  // Side(54)
inline constexpr char kBuy = '1';
inline constexpr char kSell = '2';
}  // namespace side

namespace ord_type {  // OrdType(40)
inline constexpr char kMarket = '1';
inline constexpr char kLimit = '2';
}  // namespace ord_type

namespace tif {  // TimeInForce(59)
inline constexpr char kDay = '0';
inline constexpr char kGtc = '1';
inline constexpr char kIoc = '3';
inline constexpr char kFok = '4';
inline constexpr char kGtd = '6';
}  // namespace tif

namespace exec_inst {  // ExecInst(18): a list of values separated by spaces; this one is all we support
inline constexpr char kAllOrNone = 'G';
}  // namespace exec_inst

namespace exec_type {  // ExecType(150)
inline constexpr char kNew = '0';
inline constexpr char kCanceled = '4';
inline constexpr char kReplaced = '5';
inline constexpr char kRejected = '8';
inline constexpr char kExpired = 'C';
inline constexpr char kTrade = 'F';
inline constexpr char kOrderStatus = 'I';
}  // namespace exec_type

namespace ord_status {  // OrdStatus(39)
inline constexpr char kNew = '0';
inline constexpr char kPartiallyFilled = '1';
inline constexpr char kFilled = '2';
inline constexpr char kCanceled = '4';
inline constexpr char kRejected = '8';
inline constexpr char kExpired = 'C';
inline constexpr char kReplaced = '5';  // an auction bid raised by a later one (status of the raised bid)
}  // namespace ord_status

// OrdRejReason(103). FIX 4.4 lists 0-11, 13-15 and 99; 16 (price exceeds the band) and 18 (invalid
// price increment) are FIX 5.0's, so an off-band or off-tick price is 99 with the Text saying which.
namespace ord_rej_reason {
inline constexpr int kUnknownSymbol = 1;
inline constexpr int kExchangeClosed = 2;  // also: the instrument is halted, the auction takes no bids
inline constexpr int kOrderExceedsLimit = 3;
inline constexpr int kUnknownOrder = 5;
inline constexpr int kDuplicateOrder = 6;
inline constexpr int kUnsupportedOrderCharacteristic = 11;
inline constexpr int kIncorrectQuantity = 13;
inline constexpr int kUnknownAccount = 15;
inline constexpr int kOther = 99;
}  // namespace ord_rej_reason

namespace cxl_rej_reason {  // CxlRejReason(102)
inline constexpr int kUnknownOrder = 1;
inline constexpr int kDuplicateClOrdId = 6;
inline constexpr int kOther = 99;
}  // namespace cxl_rej_reason

namespace cxl_rej_response_to {  // CxlRejResponseTo(434)
inline constexpr char kCancel = '1';
inline constexpr char kReplace = '2';
}  // namespace cxl_rej_response_to

namespace mass_cancel {  // MassCancelRequestType(530), MassCancelResponse(531), MassCancelRejectReason(532)
inline constexpr char kSymbol = '1';
inline constexpr char kAll = '7';
inline constexpr char kRejected = '0';  // the response: canceled nothing
inline constexpr int kNotSupported = 0;
inline constexpr int kUnknownSecurity = 1;
inline constexpr int kOther = 99;
}  // namespace mass_cancel

namespace mass_status {  // MassStatusReqType(585)
inline constexpr char kSymbol = '1';
inline constexpr char kAll = '7';
}  // namespace mass_status

namespace business_reject {  // BusinessRejectReason(380)
inline constexpr int kOther = 0;
inline constexpr int kUnknownSecurity = 2;
inline constexpr int kUnsupportedMessageType = 3;  // also: a value of the message we do not support
}  // namespace business_reject

namespace md_req_rej_reason {  // MDReqRejReason(281) of a MarketDataRequestReject(Y)
inline constexpr char kNone = 0;  // no FIX 4.4 value fits: 281 is left out, Text(58) says why
inline constexpr char kUnknownSymbol = '0';
inline constexpr char kDuplicateMdReqId = '1';
inline constexpr char kUnsupportedSubscriptionRequestType = '4';
inline constexpr char kUnsupportedMarketDepth = '5';
inline constexpr char kUnsupportedMdUpdateType = '6';
inline constexpr char kUnsupportedMdEntryType = '8';  // FIX 4.4's last: 9 (TradingSessionID) and on are FIX 5.0's
}  // namespace md_req_rej_reason

namespace md_entry_type {  // MDEntryType(269)
inline constexpr char kBid = '0';
inline constexpr char kOffer = '1';
inline constexpr char kTrade = '2';
}  // namespace md_entry_type

namespace md_update_action {  // MDUpdateAction(279)
inline constexpr char kNew = '0';
inline constexpr char kChange = '1';
inline constexpr char kDelete = '2';
}  // namespace md_update_action

namespace subscription {  // SubscriptionRequestType(263)
inline constexpr char kSnapshot = '0';
inline constexpr char kSubscribe = '1';
inline constexpr char kUnsubscribe = '2';
}  // namespace subscription

namespace md_update_type {  // MDUpdateType(265)
inline constexpr int kFullRefresh = 0;
inline constexpr int kIncremental = 1;
}  // namespace md_update_type

namespace security_list {  // SecurityListRequestType(559), SecurityRequestResult(560)
inline constexpr int kSymbol = 0;
inline constexpr int kAll = 4;
inline constexpr int kNoInstrumentFound = 2;
}  // namespace security_list

namespace trading_status {  // SecurityTradingStatus(326), sent as our TradingStatus (20007)
inline constexpr int kHalted = 2;
inline constexpr int kReady = 17;     // continuous trading
inline constexpr int kNotAvailable = 18;  // outside continuous trading
inline constexpr int kPreOpen = 21;       // an auction announced, its window not yet open
}  // namespace trading_status
// Auctions: TradingSessionStatus(h) and its request (g).
namespace auction {
inline constexpr int kOpen = 2;              // TradSesStatus(340)
inline constexpr int kClosed = 3;
inline constexpr int kPreOpen = 4;
inline constexpr int kRequestRejected = 6;
inline constexpr int kUnknownSession = 1;    // TradSesStatusRejReason(567)
inline constexpr int kOtherReason = 99;
inline constexpr int kPayAsBid = 1;          // our AuctionPricing(20012)
inline constexpr int kUniform = 2;
inline constexpr int kRegularTrade = 0;      // TrdType(828) of an auction trade's report to the seller
}  // namespace auction

// Block trades: TradeCaptureReport(AE), its Ack(AR), TradeCaptureReportRequest(AD) and its Ack(AQ).
namespace trade_report {
inline constexpr int kBlockTrade = 1;       // TrdType(828)
inline constexpr int kNew = 0;              // TradeReportTransType(487)
inline constexpr int kCancel = 1;           // TradeReportTransType(487): a withdrawal
inline constexpr int kSubmit = 0;           // TradeReportType(856): a proposal
inline constexpr int kAlleged = 1;          // TradeReportType(856): a proposal naming the recipient
inline constexpr int kAccept = 2;           // TradeReportType(856); also the settled block's report
inline constexpr int kDecline = 3;          // TradeReportType(856)
inline constexpr int kAccepted = 0;         // TrdRptStatus(939)
inline constexpr int kRejected = 1;         // TrdRptStatus(939)
inline constexpr int kInvalidParty = 1;     // TradeReportRejectReason(751)
inline constexpr int kUnknownInstrument = 2;
inline constexpr int kInvalidTradeType = 4;
inline constexpr int kOther = 99;
inline constexpr int kUnmatched = 2;        // TradeRequestType(569): the pending proposals
inline constexpr int kRequestSuccessful = 0;  // TradeRequestResult(749)
inline constexpr int kRequestTypeNotSupported = 8;
inline constexpr int kRequestCompleted = 1;   // TradeRequestStatus(750)
inline constexpr int kRequestRejected = 2;
}  // namespace trade_report

}  // namespace crix::gateway::fixv
