// crix::fix internals shared by the Acceptor and the Initiator: the translation between QuickFIX
// messages and the structs of fix_api.hpp in both directions (the exchange encodes what the client
// decodes and back), the QuickFIX settings both sides use, the Text of the rejects we cause, and
// configuration checks. Only gateway/fix/*.cpp and the FIX fuzz target (fuzz/) include this file (it
// includes QuickFIX).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "gateway/fix/fix_api.hpp"
#include "gateway/fix/quickfix.hpp"

namespace crix {
namespace fix {
namespace detail {

namespace tag {
constexpr int kAccount = 1;
constexpr int kAvgPx = 6;
constexpr int kClOrdID = 11;
constexpr int kCumQty = 14;
constexpr int kExecID = 17;
constexpr int kExecInst = 18;
constexpr int kHandlInst = 21;
constexpr int kLastPx = 31;
constexpr int kLastQty = 32;
constexpr int kMsgSeqNum = 34;
constexpr int kMsgType = 35;
constexpr int kOrderID = 37;
constexpr int kOrderQty = 38;
constexpr int kOrdStatus = 39;
constexpr int kOrdType = 40;
constexpr int kOrigClOrdID = 41;
constexpr int kPossDupFlag = 43;
constexpr int kPrice = 44;
constexpr int kRefSeqNum = 45;
constexpr int kSendingTime = 52;
constexpr int kSide = 54;
constexpr int kSymbol = 55;
constexpr int kText = 58;
constexpr int kTimeInForce = 59;
constexpr int kTransactTime = 60;
constexpr int kCxlRejReason = 102;
constexpr int kOrdRejReason = 103;
constexpr int kSecurityDesc = 107;
constexpr int kTradeDate = 75;
constexpr int kTestReqID = 112;
constexpr int kOrigSendingTime = 122;
constexpr int kExpireTime = 126;
constexpr int kNoRelatedSym = 146;
constexpr int kExecType = 150;
constexpr int kLeavesQty = 151;
constexpr int kMDReqID = 262;
constexpr int kSubscriptionRequestType = 263;
constexpr int kMarketDepth = 264;
constexpr int kMDUpdateType = 265;
constexpr int kNoMDEntryTypes = 267;
constexpr int kNoMDEntries = 268;
constexpr int kMDEntryType = 269;
constexpr int kMDEntryPx = 270;
constexpr int kMDEntrySize = 271;
constexpr int kMDEntryDate = 272;
constexpr int kMDEntryTime = 273;
constexpr int kMDEntryID = 278;
constexpr int kMDUpdateAction = 279;
constexpr int kMDReqRejReason = 281;
constexpr int kMDEntryPositionNo = 290;
constexpr int kSecurityReqID = 320;
constexpr int kSecurityResponseID = 322;
constexpr int kNumberOfOrders = 346;
constexpr int kRefTagID = 371;
constexpr int kRefMsgType = 372;
constexpr int kSessionRejectReason = 373;
constexpr int kBusinessRejectRefID = 379;
constexpr int kBusinessRejectReason = 380;
constexpr int kUnsolicitedIndicator = 325;
constexpr int kTradSesReqID = 335;
constexpr int kTradingSessionID = 336;
constexpr int kTradSesStatus = 340;
constexpr int kTradSesStartTime = 341;
constexpr int kTradSesEndTime = 345;
constexpr int kNoTradingSessions = 386;
constexpr int kTotalVolumeTraded = 387;
constexpr int kTotNoRelatedSym = 393;
constexpr int kCxlRejResponseTo = 434;
constexpr int kPartyID = 448;
constexpr int kPartyRole = 452;
constexpr int kNoPartyIDs = 453;
constexpr int kTradeReportTransType = 487;
constexpr int kSecondaryExecID = 527;
constexpr int kMassCancelRequestType = 530;
constexpr int kMassCancelResponse = 531;
constexpr int kMassCancelRejectReason = 532;
constexpr int kTotalAffectedOrders = 533;
constexpr int kNoSides = 552;
constexpr int kUsername = 553;
constexpr int kPassword = 554;
constexpr int kSecurityListRequestType = 559;
constexpr int kSecurityRequestResult = 560;
constexpr int kRoundLot = 561;
constexpr int kTradSesStatusRejReason = 567;
constexpr int kTradeRequestID = 568;
constexpr int kTradeRequestType = 569;
constexpr int kPreviouslyReported = 570;
constexpr int kTradeReportID = 571;
constexpr int kTradeReportRefID = 572;
constexpr int kMassStatusReqID = 584;
constexpr int kMassStatusReqType = 585;
constexpr int kTotNumTradeReports = 748;
constexpr int kTradeRequestResult = 749;
constexpr int kTradeRequestStatus = 750;
constexpr int kTradeReportRejectReason = 751;
constexpr int kTrdType = 828;
constexpr int kTradeReportType = 856;
constexpr int kTrdMatchID = 880;
constexpr int kLastFragment = 893;
constexpr int kTotNumReports = 911;
constexpr int kLastRptRequested = 912;
constexpr int kTrdRptStatus = 939;
constexpr int kCreditedQty = 20001;
constexpr int kRatioPermille = 20002;
constexpr int kLowLimitPx = 20003;
constexpr int kHighLimitPx = 20004;
constexpr int kReferencePx = 20005;
constexpr int kTickSize = 20006;
constexpr int kTradingStatus = 20007;
constexpr int kAuctionSymbol = 20008;
constexpr int kAuctionQty = 20009;
constexpr int kReservePx = 20010;
constexpr int kPriceIncrement = 20011;
constexpr int kAuctionPricing = 20012;
constexpr int kClearingPx = 20013;
constexpr int kQtyUnit = 20014;
}  // namespace tag

// Whether the message QuickFIX numbers, stores and writes on this thread now is gathered: set by
// Acceptor's send() around one message of a hold (fix_api.hpp, Acceptor::hold), a session's second
// and later. While it is set the connection whose Outbox the hold registered (socket_acceptor.hpp,
// t_outbox) puts the bytes there and the durable store keeps the message in memory, until Acceptor's release() stores the hold's
// messages (message_store.hpp, commit_deferred) and then writes the outboxes.
extern thread_local bool t_gathering;

// "Price(44)" for the tags of our dialect, "tag 9999" for others.
std::string field_name(int tag);

// A field our dialect refuses although QuickFIX's dictionary took it: a price with more than two
// decimals, a fractional or non-positive OrderQty, a number too large for its field. Thrown by the
// decoders; the session answers Reject(3), SessionRejectReason 6, RefTagID = tag, Text = text.
struct FieldError {
  int tag;
  std::string value;
  std::string text;  // "Price(44) '580.001' has more than two decimals (prices are yuan to the fen)"
};

// ---- decoding: the message has passed QuickFIX's dictionary check; throw FieldError -------------------
// `type` is the MsgType: "D", "F", "G", "H", "q" or "AF".
void decode_order(const FIX::Message& message, const std::string& type, OrderRequest& out);
void decode(const FIX::Message& message, MarketDataRequest& out);
void decode(const FIX::Message& message, SecurityListRequest& out);
void decode(const FIX::Message& message, ExecReport& out);
void decode(const FIX::Message& message, CancelReject& out);
void decode(const FIX::Message& message, MassCancelReport& out);
void decode(const FIX::Message& message, BusinessReject& out);
void decode(const FIX::Message& message, MarketDataSnapshot& out);
void decode(const FIX::Message& message, MarketDataIncremental& out);
void decode(const FIX::Message& message, MarketDataReject& out);
// One SecurityList message is one fragment of the list (fix_api.hpp, SecurityList): its instrument, if
// any, is appended to out.securities; returns true on the last fragment (LastFragment(893)=Y).
bool decode(const FIX::Message& message, SecurityList& out);
void decode(const FIX::Message& message, SessionReject& out);
// AE both ways: what is absent keeps its default; a malformed number throws FieldError.
void decode(const FIX::Message& message, TradeCaptureReport& out);
void decode(const FIX::Message& message, TradeCaptureReportRequest& out);
void decode(const FIX::Message& message, TradeCaptureReportAck& out);
void decode(const FIX::Message& message, TradeCaptureReportRequestAck& out);
void decode(const FIX::Message& message, TradingSessionStatusRequest& out);
void decode(const FIX::Message& message, TradingSessionStatus& out);

// ---- encoding into an empty message: throw std::invalid_argument naming a required field that is
// empty (or a char field that is not a printable character): a bug of the caller, not of the peer ----
void encode(const OrderRequest& in, FIX::Message& out);  // transact_time 0 is sent as now
void encode(const MarketDataRequest& in, FIX::Message& out);
void encode(const SecurityListRequest& in, FIX::Message& out);
void encode(const ExecReport& in, FIX::Message& out);
void encode(const CancelReject& in, FIX::Message& out);
void encode(const MassCancelReport& in, FIX::Message& out);
void encode(const BusinessReject& in, FIX::Message& out);
void encode(const MarketDataSnapshot& in, FIX::Message& out);
void encode(const MarketDataIncremental& in, FIX::Message& out);
void encode(const MarketDataReject& in, FIX::Message& out);
void encode(const TradeCaptureReport& in, FIX::Message& out);
void encode(const TradeCaptureReportRequest& in, FIX::Message& out);
void encode(const TradeCaptureReportAck& in, FIX::Message& out);
void encode(const TradeCaptureReportRequestAck& in, FIX::Message& out);
void encode(const TradingSessionStatusRequest& in, FIX::Message& out);
void encode(const TradingSessionStatus& in, FIX::Message& out);
// Fragment `index` of the list: in.securities[index] (none when the list is empty, index 0).
void encode(const SecurityList& in, std::size_t index, FIX::Message& out);
// send_raw's "35=D|11=A|..." (fix_api.hpp); throws std::invalid_argument.
void encode_raw(const std::string& fields, FIX::Message& out);
// A TestRequest: the peer answers with a Heartbeat at once, which wakes QuickFIX's connection thread
// (it otherwise looks at a pending logout() only once a second).
void encode_test_request(const std::string& id, FIX::Message& out);

// ---- the Text of a Reject(3) or Logout(5) that QuickFIX is about to send on this thread ---------------
// QuickFIX writes its own Text when it answers an exception thrown from a callback: "Incorrect data
// format for value" for IncorrectDataFormat, "Rejected Logon Attempt: <reason>" for RejectLogon. The
// callback announces the Text it wants before throwing; toAdmin() puts it into the outgoing message
// (same thread, synchronously, before it is sent). A Reject must also name ref_tag in RefTagID(371).
void expect_text(char msg_type, int ref_tag, const std::string& text);
void apply_expected_text(FIX::Message& outgoing);
void forget_expected_text();

// SOH would end a field early and garble the frame: replaced by spaces.
std::string sanitize(std::string text);
std::int64_t now_ns();
// MsgType(35) of a message, "" if absent; MsgSeqNum(34), 0 if absent.
std::string msg_type(const FIX::Message& message);
int msg_seq_num(const FIX::Message& message);

// A ResendRequest(2) arriving at a session that keeps no messages (PersistMessages=N): QuickFIX 1.15.1
// answers it with a gap fill and returns without counting the request's own MsgSeqNum, so the peer's
// next message looks one too high, is queued, and is lost when the peer gap-fills the ResendRequest we
// then send (a TestRequest inside the gap). Called from fromAdmin (after QuickFIX checked the
// message), this counts it when it is the one expected, as QuickFIX does with PersistMessages=Y.
void count_resend_request(FIX::Session& session, const FIX::Message& resend_request);

// ---- configuration ------------------------------------------------------------------------------------
// The settings both sides share (comments in common.cpp say why each is what it is).
FIX::Dictionary base_settings(const std::string& dictionary_path);
// Changes `settings` for a session whose store lasts (message_store.hpp): messages kept for resending,
// and a schedule without the one-second gap at the turn of the day. The stores answer that they were
// created now, so QuickFIX's schedule never resets them: the session never ends by the clock.
void lasting_session(FIX::Dictionary& settings);
// The dictionary to use: `configured`, or default_dictionary_path() when empty; throws
// std::runtime_error("<who>: ...") when there is none or it cannot be read.
std::string resolve_dictionary(const std::string& configured, const std::string& who);
// Throws std::runtime_error("<who>: ...") unless `id` is 1 to 64 printable ASCII characters, no spaces.
void check_comp_id(const std::string& id, const std::string& what, const std::string& who);

}  // namespace detail
}  // namespace fix
}  // namespace crix
