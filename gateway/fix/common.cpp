// What the Acceptor and the Initiator share (common.hpp): the QuickFIX settings, the Text of the rejects
// we cause, configuration checks.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gateway/fix/common.hpp"

namespace crix {
namespace fix {
namespace detail {
namespace {

struct ExpectedText {
  char msg_type = 0;  // 0: nothing expected
  int ref_tag = 0;
  std::string text;
};
// One per connection thread: set by a callback just before it throws, used by toAdmin() on the same
// thread while QuickFIX answers the exception.
thread_local ExpectedText t_expected;

}  // namespace

thread_local bool t_gathering = false;

std::string field_name(int tag) {
  const char* name = nullptr;
  switch (tag) {
    case tag::kAvgPx: name = "AvgPx"; break;
    case tag::kCumQty: name = "CumQty"; break;
    case tag::kLastPx: name = "LastPx"; break;
    case tag::kLastQty: name = "LastQty"; break;
    case tag::kOrderQty: name = "OrderQty"; break;
    case tag::kPrice: name = "Price"; break;
    case tag::kRefSeqNum: name = "RefSeqNum"; break;
    case tag::kTransactTime: name = "TransactTime"; break;
    case tag::kCxlRejReason: name = "CxlRejReason"; break;
    case tag::kOrdRejReason: name = "OrdRejReason"; break;
    case tag::kExpireTime: name = "ExpireTime"; break;
    case tag::kLeavesQty: name = "LeavesQty"; break;
    case tag::kMarketDepth: name = "MarketDepth"; break;
    case tag::kMDEntryPx: name = "MDEntryPx"; break;
    case tag::kMDEntrySize: name = "MDEntrySize"; break;
    case tag::kMDEntryTime: name = "MDEntryTime"; break;
    case tag::kMDEntryPositionNo: name = "MDEntryPositionNo"; break;
    case tag::kNumberOfOrders: name = "NumberOfOrders"; break;
    case tag::kRefTagID: name = "RefTagID"; break;
    case tag::kSessionRejectReason: name = "SessionRejectReason"; break;
    case tag::kBusinessRejectReason: name = "BusinessRejectReason"; break;
    case tag::kSecurityListRequestType: name = "SecurityListRequestType"; break;
    case tag::kSecurityRequestResult: name = "SecurityRequestResult"; break;
    case tag::kRoundLot: name = "RoundLot"; break;
    case tag::kCreditedQty: name = "CreditedQty"; break;
    case tag::kTradeReportID: name = "TradeReportID"; break;
    case tag::kTradeRequestID: name = "TradeRequestID"; break;
    case tag::kTradeReportTransType: name = "TradeReportTransType"; break;
    case tag::kTradeReportType: name = "TradeReportType"; break;
    case tag::kTrdType: name = "TrdType"; break;
    case tag::kPartyRole: name = "PartyRole"; break;
    case tag::kTradeRequestType: name = "TradeRequestType"; break;
    case tag::kTotNumTradeReports: name = "TotNumTradeReports"; break;
    case tag::kTradeRequestResult: name = "TradeRequestResult"; break;
    case tag::kTradeRequestStatus: name = "TradeRequestStatus"; break;
    case tag::kTrdRptStatus: name = "TrdRptStatus"; break;
    case tag::kTradeReportRejectReason: name = "TradeReportRejectReason"; break;
    case tag::kRatioPermille: name = "RatioPermille"; break;
    case tag::kLowLimitPx: name = "LowLimitPx"; break;
    case tag::kHighLimitPx: name = "HighLimitPx"; break;
    case tag::kReferencePx: name = "ReferencePx"; break;
    case tag::kTickSize: name = "TickSize"; break;
    case tag::kTradingStatus: name = "TradingStatus"; break;
    case tag::kTradSesStatus: name = "TradSesStatus"; break;
    case tag::kTradSesStatusRejReason: name = "TradSesStatusRejReason"; break;
    case tag::kTradSesStartTime: name = "TradSesStartTime"; break;
    case tag::kTradSesEndTime: name = "TradSesEndTime"; break;
    case tag::kTotalVolumeTraded: name = "TotalVolumeTraded"; break;
    case tag::kAuctionQty: name = "AuctionQty"; break;
    case tag::kReservePx: name = "ReservePx"; break;
    case tag::kPriceIncrement: name = "PriceIncrement"; break;
    case tag::kAuctionPricing: name = "AuctionPricing"; break;
    case tag::kClearingPx: name = "ClearingPx"; break;
    case tag::kQtyUnit: name = "QtyUnit"; break;
    case tag::kTotNoRelatedSym: name = "TotNoRelatedSym"; break;
    case tag::kLastFragment: name = "LastFragment"; break;
    case tag::kAccount: name = "Account"; break;
    case tag::kClOrdID: name = "ClOrdID"; break;
    case tag::kExecID: name = "ExecID"; break;
    case tag::kExecType: name = "ExecType"; break;
    case tag::kOrderID: name = "OrderID"; break;
    case tag::kOrdStatus: name = "OrdStatus"; break;
    case tag::kOrdType: name = "OrdType"; break;
    case tag::kOrigClOrdID: name = "OrigClOrdID"; break;
    case tag::kSide: name = "Side"; break;
    case tag::kSymbol: name = "Symbol"; break;
    case tag::kTimeInForce: name = "TimeInForce"; break;
    case tag::kMDReqID: name = "MDReqID"; break;
    case tag::kSubscriptionRequestType: name = "SubscriptionRequestType"; break;
    case tag::kMDEntryType: name = "MDEntryType"; break;
    case tag::kMDUpdateAction: name = "MDUpdateAction"; break;
    case tag::kSecurityReqID: name = "SecurityReqID"; break;
    case tag::kSecurityResponseID: name = "SecurityResponseID"; break;
    case tag::kRefMsgType: name = "RefMsgType"; break;
    case tag::kCxlRejResponseTo: name = "CxlRejResponseTo"; break;
    case tag::kMassCancelRequestType: name = "MassCancelRequestType"; break;
    default: return "tag " + std::to_string(tag);
  }
  return std::string(name) + "(" + std::to_string(tag) + ")";
}

void expect_text(char msg_type, int ref_tag, const std::string& text) {
  t_expected.msg_type = msg_type;
  t_expected.ref_tag = ref_tag;
  t_expected.text = sanitize(text);
}

void apply_expected_text(FIX::Message& outgoing) {
  if (t_expected.msg_type == 0) return;
  const std::string type = msg_type(outgoing);
  if (type.size() != 1 || type[0] != t_expected.msg_type) return;
  if (t_expected.ref_tag != 0 && (!outgoing.isSetField(tag::kRefTagID) ||
                                  outgoing.getField(tag::kRefTagID) != std::to_string(t_expected.ref_tag))) {
    return;
  }
  if (t_expected.text.empty()) {
    outgoing.removeField(tag::kText);
  } else {
    outgoing.setField(tag::kText, t_expected.text);
  }
  forget_expected_text();
}

void forget_expected_text() {
  t_expected.msg_type = 0;
  t_expected.ref_tag = 0;
  t_expected.text.clear();
}

std::string sanitize(std::string text) {
  for (char& c : text) {
    if (c == '\x01') c = ' ';
  }
  return text;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string msg_type(const FIX::Message& message) {
  const FIX::Header& header = message.getHeader();
  return header.isSetField(tag::kMsgType) ? header.getField(tag::kMsgType) : std::string();
}

int msg_seq_num(const FIX::Message& message) {
  const FIX::Header& header = message.getHeader();
  return header.isSetField(tag::kMsgSeqNum) ? std::atoi(header.getField(tag::kMsgSeqNum).c_str()) : 0;
}

void count_resend_request(FIX::Session& session, const FIX::Message& resend_request) {
  const int seq = msg_seq_num(resend_request);
  if (seq != 0 && seq == session.getExpectedTargetNum()) session.setNextTargetMsgSeqNum(seq + 1);
}

FIX::Dictionary base_settings(const std::string& dictionary_path) {
  FIX::Dictionary d;
  // The session day: QuickFIX logs every session out and starts a new one when it ends. Start and end
  // one second apart make a 24-hour day that turns at 16:00 UTC, midnight in Beijing, outside trading
  // hours (equal start and end would turn at midnight UTC, 08:00 in Beijing).
  d.setString(FIX::START_TIME, "16:00:00");
  d.setString(FIX::END_TIME, "15:59:59");
  // Every message is checked against our dialect.
  d.setBool(FIX::USE_DATA_DICTIONARY, true);
  d.setString(FIX::DATA_DICTIONARY, dictionary_path);
  // Strict checks. They cost next to nothing: QuickFIX notes the field order while it parses anyway,
  // and our user-defined fields 20001-20005 are defined in the dictionary, so they pass.
  d.setBool(FIX::VALIDATE_FIELDS_OUT_OF_ORDER, true);
  d.setBool(FIX::VALIDATE_FIELDS_HAVE_VALUES, true);
  d.setBool(FIX::VALIDATE_USER_DEFINED_FIELDS, true);
  d.setBool(FIX::ALLOW_UNKNOWN_MSG_FIELDS, false);
  d.setBool(FIX::VALIDATE_LENGTH_AND_CHECKSUM, true);
  // Sequence numbers start at 1 at every logon, on both sides (fix_api.hpp, Sessions).
  d.setBool(FIX::RESET_ON_LOGON, true);
  // No copy of every sent message kept for resending: at 40,000 orders/s a MemoryStore would keep
  // gigabytes by the end of a day, for resends that ResetOnLogon makes useless after a reconnect. A
  // ResendRequest is answered with a gap fill.
  d.setBool(FIX::PERSIST_MESSAGES, false);
  // SendingTime(52) within two minutes of our clock (QuickFIX's default, written down).
  d.setBool(FIX::CHECK_LATENCY, true);
  d.setInt(FIX::MAX_LATENCY, 120);
  d.setInt(FIX::LOGON_TIMEOUT, 10);
  d.setInt(FIX::LOGOUT_TIMEOUT, 2);
  d.setInt(FIX::TIMESTAMP_PRECISION, 3);
  // Acknowledgements go out at once rather than waiting for Nagle's algorithm to batch them (QuickFIX's
  // threaded sockets default to no TCP_NODELAY).
  d.setBool(FIX::SOCKET_NODELAY, true);
  return d;
}

void lasting_session(FIX::Dictionary& d) {
  d.setBool(FIX::PERSIST_MESSAGES, true);
  // QuickFIX 1.15.1 has no NonStopSession. It resets a session (and its store) when the time is outside
  // the schedule, or when the store was created in an earlier period of it. base_settings' day leaves
  // the last second before 16:00:00 out (15:59:59.5 is after the end); this one covers every instant,
  // and our stores report being created at the moment they are asked.
  d.setString(FIX::END_TIME, "15:59:59.999999999");
}

std::string resolve_dictionary(const std::string& configured, const std::string& who) {
  const std::string path = configured.empty() ? default_dictionary_path() : configured;
  if (path.empty()) {
    throw std::runtime_error(who + ": no FIX dictionary: FIX44-CRIX.xml is neither next to the executable "
                             "nor in the build tree; set dictionary_path or CRIX_FIX_DICTIONARY");
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw std::runtime_error(who + ": the FIX dictionary " + path + " cannot be read: " +
                             std::strerror(errno));
  }
  return path;
}

void check_comp_id(const std::string& id, const std::string& what, const std::string& who) {
  if (id.empty()) throw std::runtime_error(who + ": " + what + " is empty");
  if (id.size() > 64) throw std::runtime_error(who + ": " + what + " '" + id + "' is longer than 64");
  for (const char c : id) {
    if (c <= ' ' || c > '~') {
      throw std::runtime_error(who + ": " + what + " '" + sanitize(id) +
                               "' may only use printable ASCII characters without spaces");
    }
  }
}

}  // namespace detail
}  // namespace fix
}  // namespace crix
