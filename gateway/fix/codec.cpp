// The translation between QuickFIX messages and the structs of fix_api.hpp (common.hpp). Decoders read a
// message's fields in one pass, in whatever order they came; encoders write only what the dialect lists
// (FIX44-CRIX.xml), leaving out optional fields at their "absent" value.
#include <climits>
#include <memory>
#include <stdexcept>
#include <string>

#include "gateway/fix/common.hpp"
#include "gateway/fix/numbers.hpp"

namespace crix {
namespace fix {
namespace detail {
namespace {

using Fields = FIX::FieldMap;

constexpr int kContraFirm = 17;  // PartyRole(452): the counterparty of a block
constexpr int kBlockTrade = 1;   // TrdType(828)

// ---- reading ------------------------------------------------------------------------------------------

// The value as the Text shows it: bytes that are not printable ASCII as \xNN.
std::string shown(const std::string& value) {
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  for (const char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) {
      text += "\\x";
      text += kHex[u >> 4];
      text += kHex[u & 15];
    } else {
      text += c;
    }
  }
  return text;
}

[[noreturn]] void refuse(int tag, const std::string& value, const char* problem) {
  throw FieldError{tag, value, field_name(tag) + " '" + shown(value) + "' " + problem};
}

// An identifier or name a client sends (ClOrdID, Symbol, Account, a request's id): at most kMaxIdLength
// characters. The exchange keeps a ClOrdID for the day, echoes ids and names in its reports and stores
// those in the FIX store: 200 KB ClOrdIDs, refused as orders, were still kept as used and stored.
constexpr std::size_t kMaxIdLength = 64;
const std::string& id_of(int tag, const std::string& value) {
  if (value.size() <= kMaxIdLength) return value;
  throw FieldError{tag, value.substr(0, kMaxIdLength),
                   field_name(tag) + " '" + shown(value.substr(0, 16)) + "...' has " + std::to_string(value.size()) +
                       " characters, more than the " + std::to_string(kMaxIdLength) +
                       " this exchange takes: send a shorter one"};
}

std::int64_t price_of(int tag, const std::string& value) {
  std::int64_t fen = 0;
  if (const char* problem = price_problem(value, fen)) refuse(tag, value, problem);
  return fen;
}

std::int64_t qty_of(int tag, const std::string& value, bool allow_zero) {
  std::int64_t tonnes = 0;
  if (const char* problem = qty_problem(value, allow_zero, tonnes)) refuse(tag, value, problem);
  return tonnes;
}

std::int64_t time_of(int tag, const std::string& value) {
  std::int64_t ns = 0;
  if (const char* problem = timestamp_problem(value, ns)) refuse(tag, value, problem);
  return ns;
}

// INT fields: QuickFIX's dictionary check has seen an optional '-' and digits; this adds the range.
std::int64_t integer_of(int tag, const std::string& value, std::int64_t lo, std::int64_t hi) {
  std::size_t i = value.empty() || value[0] != '-' ? 0 : 1;
  const bool negative = i == 1;
  if (i == value.size()) refuse(tag, value, "is not an integer");
  std::int64_t magnitude = 0;
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (c < '0' || c > '9') refuse(tag, value, "is not an integer");
    if (magnitude > (LLONG_MAX - (c - '0')) / 10) refuse(tag, value, "is out of range");
    magnitude = magnitude * 10 + (c - '0');
  }
  const std::int64_t result = negative ? -magnitude : magnitude;
  if (result < lo || result > hi) refuse(tag, value, "is out of range");
  return result;
}

int int_of(int tag, const std::string& value) {
  return static_cast<int>(integer_of(tag, value, INT_MIN, INT_MAX));
}

char char_of(const std::string& value) { return value.empty() ? '\0' : value[0]; }

// A CHAR field from a client: QuickFIX's dictionary check has seen one byte, which FIX requires to be
// a printable character (the exchange echoes it in its reports, which must carry one too).
char printable_char_of(int tag, const std::string& value) {
  const char c = char_of(value);
  if (value.size() != 1 || c <= ' ' || c > '~') refuse(tag, value, "is not a printable character");
  return c;
}

// ExecInst(18) is a space-separated list of values.
bool has_value(const std::string& list, char wanted) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const bool starts = i == 0 || list[i - 1] == ' ';
    const bool ends = i + 1 == list.size() || list[i + 1] == ' ';
    if (starts && ends && list[i] == wanted) return true;
  }
  return false;
}

void decode_md_entry(const Fields& fields, MdEntry& entry) {
  std::string date, time;
  for (Fields::const_iterator it = fields.begin(); it != fields.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kMDEntryType: entry.type = char_of(v); break;
      case tag::kMDUpdateAction: entry.action = char_of(v); break;
      case tag::kSymbol: entry.symbol = v; break;
      case tag::kMDEntryPx: entry.price = price_of(it->getTag(), v); break;
      case tag::kMDEntrySize: entry.size = qty_of(it->getTag(), v, true); break;
      case tag::kMDEntryPositionNo: entry.position = int_of(it->getTag(), v); break;
      case tag::kNumberOfOrders: entry.orders = int_of(it->getTag(), v); break;
      case tag::kMDEntryID: entry.trade_id = v; break;
      case tag::kMDEntryDate: date = v; break;
      case tag::kMDEntryTime: time = v; break;
      case tag::kTradingSessionID: entry.trading_session_id = v; break;
      default: break;
    }
  }
  // A time needs both halves; one alone leaves the entry without a time.
  if (!date.empty() && !time.empty()) {
    if (const char* problem = date_time_problem(date, time, entry.time)) {
      refuse(tag::kMDEntryTime, date + "-" + time, problem);
    }
  }
}

void decode_md_entries(const FIX::Message& message, std::vector<MdEntry>& entries) {
  for (Fields::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g) {
    if (g->first != tag::kNoMDEntries) continue;
    for (const Fields* group : g->second) {
      entries.emplace_back();
      decode_md_entry(*group, entries.back());
    }
  }
}

// TradingSessionID(336) of the first NoTradingSessions(386) entry, "" when there is none.
std::string trading_session_of(const FIX::Message& message) {
  for (Fields::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g) {
    if (g->first != tag::kNoTradingSessions) continue;
    for (const Fields* entry : g->second) {
      if (entry->isSetField(tag::kTradingSessionID)) return id_of(tag::kTradingSessionID, entry->getField(tag::kTradingSessionID));
    }
  }
  return std::string();
}

// ---- writing ------------------------------------------------------------------------------------------

void begin(FIX::Message& message, const char* type) {
  message.getHeader().setField(tag::kMsgType, type);
}

void put(Fields& fields, int tag, const std::string& value) {
  if (!value.empty()) fields.setField(tag, value);
}

void put_required(Fields& fields, int tag, const std::string& value, const char* what) {
  if (value.empty()) {
    throw std::invalid_argument(std::string(what) + " is empty, and " + field_name(tag) + " is required");
  }
  fields.setField(tag, value);
}

void put_char(Fields& fields, int tag, char value, const char* what) {
  if (value <= ' ' || value > '~') {
    throw std::invalid_argument(std::string(what) + " is not a printable character, and " +
                                field_name(tag) + " needs one");
  }
  fields.setField(tag, std::string(1, value));
}

void put_int(Fields& fields, int tag, std::int64_t value) { fields.setField(tag, std::to_string(value)); }

void put_price(Fields& fields, int tag, std::int64_t fen) { fields.setField(tag, format_price(fen)); }

void put_time(Fields& fields, int tag, std::int64_t ns) { fields.setField(tag, format_utc_timestamp(ns)); }

void put_text(Fields& fields, const std::string& text) {
  if (!text.empty()) fields.setField(tag::kText, sanitize(text));
}

// A repeating group entry: the delimiter first, the other fields in tag order. The message owns it.
Fields& add_entry(FIX::Message& message, int count_tag, int delimiter) {
  std::unique_ptr<FIX::Group> entry(new FIX::Group(count_tag, delimiter));
  Fields& fields = *entry;
  static_cast<Fields&>(message).addGroupPtr(count_tag, entry.release());
  return fields;
}

// One NoTradingSessions(386) entry with TradingSessionID(336) = id, when id is not "".
void put_trading_session(FIX::Message& message, const std::string& id) {
  if (!id.empty()) add_entry(message, tag::kNoTradingSessions, tag::kTradingSessionID).setField(tag::kTradingSessionID, id);
}

void encode_md_entry(const MdEntry& in, Fields& out, bool incremental) {
  if (incremental) put_char(out, tag::kMDUpdateAction, in.action, "MdEntry.action");
  put_char(out, tag::kMDEntryType, in.type, "MdEntry.type");
  if (incremental) put(out, tag::kSymbol, in.symbol);
  put_price(out, tag::kMDEntryPx, in.price);
  put_int(out, tag::kMDEntrySize, in.size);
  if (in.position > 0) put_int(out, tag::kMDEntryPositionNo, in.position);
  if (in.orders > 0) put_int(out, tag::kNumberOfOrders, in.orders);
  // FIX 4.4 has MDEntryID(278) in the incremental's entries only; a snapshot carries no trades.
  if (incremental) put(out, tag::kMDEntryID, in.trade_id);
  if (in.time != 0) {
    out.setField(tag::kMDEntryDate, format_date(in.time));
    out.setField(tag::kMDEntryTime, format_time(in.time));
  }
  if (!incremental) put(out, tag::kTradingSessionID, in.trading_session_id);
}

void encode_md_entries(const std::vector<MdEntry>& entries, FIX::Message& out, bool incremental) {
  // An empty book is a snapshot with NoMDEntries(268) = 0 (the field is required).
  if (entries.empty()) out.setField(tag::kNoMDEntries, "0");
  for (const MdEntry& entry : entries) {
    encode_md_entry(entry, add_entry(out, tag::kNoMDEntries,
                                     incremental ? tag::kMDUpdateAction : tag::kMDEntryType),
                    incremental);
  }
}

bool is_header_tag(int tag) {
  switch (tag) {
    case 34: case 35: case 43: case 49: case 50: case 52: case 56: case 57: case 97: case 115: case 116:
    case 122: case 128: case 129: case 142: case 143: case 144: case 145:
      return true;
    default:
      return false;
  }
}

}  // namespace

// ---- client -> exchange -------------------------------------------------------------------------------

void decode_order(const FIX::Message& message, const std::string& type, OrderRequest& out) {
  if (type == "D") {
    out.kind = RequestKind::kNew;
  } else if (type == "F") {
    out.kind = RequestKind::kCancel;
  } else if (type == "G") {
    out.kind = RequestKind::kReplace;
  } else if (type == "H") {
    out.kind = RequestKind::kStatus;
  } else if (type == "q") {
    out.kind = RequestKind::kMassCancel;
  } else {
    out.kind = RequestKind::kMassStatus;
  }
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kClOrdID: out.cl_ord_id = id_of(t, v); break;
      case tag::kOrigClOrdID: out.orig_cl_ord_id = id_of(t, v); break;
      case tag::kOrderID: out.order_id = id_of(t, v); break;
      case tag::kSymbol: out.symbol = id_of(t, v); break;
      case tag::kAccount:
        out.account = id_of(t, v);
        out.sent |= OrderRequest::kSentAccount;
        break;
      case tag::kSide: out.side = printable_char_of(t, v); break;
      case tag::kOrdType: out.ord_type = printable_char_of(t, v); break;
      case tag::kTimeInForce:
        out.time_in_force = printable_char_of(t, v);
        out.sent |= OrderRequest::kSentTimeInForce;
        break;
      case tag::kExecInst:
        out.all_or_none = has_value(v, 'G');
        out.exec_inst = v;
        out.sent |= OrderRequest::kSentExecInst;
        break;
      case tag::kPrice: out.price = price_of(t, v); break;
      case tag::kOrderQty: out.qty = qty_of(t, v, false); break;
      case tag::kExpireTime:
        out.expire_time = time_of(t, v);
        out.sent |= OrderRequest::kSentExpireTime;
        break;
      case tag::kMassCancelRequestType: out.mass_cancel_type = printable_char_of(t, v); break;
      case tag::kMassStatusReqID: out.cl_ord_id = id_of(t, v); break;
      case tag::kMassStatusReqType: out.mass_status_type = printable_char_of(t, v); break;
      case tag::kTransactTime: out.transact_time = time_of(t, v); break;
      default: break;
    }
  }
  if (out.kind == RequestKind::kNew) out.trading_session_id = trading_session_of(message);
  const FIX::Header& header = message.getHeader();
  out.poss_dup = header.isSetField(tag::kPossDupFlag) && header.getField(tag::kPossDupFlag) == "Y";
}

void encode(const OrderRequest& in, FIX::Message& out) {
  const std::int64_t transact_time = in.transact_time != 0 ? in.transact_time : now_ns();
  switch (in.kind) {
    case RequestKind::kNew:
    case RequestKind::kReplace:
      begin(out, in.kind == RequestKind::kNew ? "D" : "G");
      if (in.kind == RequestKind::kReplace) {
        put(out, tag::kOrderID, in.order_id);
        put_required(out, tag::kOrigClOrdID, in.orig_cl_ord_id, "OrderRequest.orig_cl_ord_id");
      }
      put_required(out, tag::kClOrdID, in.cl_ord_id, "OrderRequest.cl_ord_id");
      put(out, tag::kAccount, in.account);
      if (in.handl_inst != 0) put_char(out, tag::kHandlInst, in.handl_inst, "OrderRequest.handl_inst");
      if (!in.exec_inst.empty()) {
        out.setField(tag::kExecInst, in.exec_inst);
      } else if (in.all_or_none) {
        out.setField(tag::kExecInst, "G");
      }
      if (in.kind == RequestKind::kNew) put_trading_session(out, in.trading_session_id);
      put_required(out, tag::kSymbol, in.symbol, "OrderRequest.symbol");
      put_char(out, tag::kSide, in.side, "OrderRequest.side");
      put_time(out, tag::kTransactTime, transact_time);
      put_int(out, tag::kOrderQty, in.qty);
      put_char(out, tag::kOrdType, in.ord_type, "OrderRequest.ord_type");
      if (in.price != 0) put_price(out, tag::kPrice, in.price);
      if (in.kind == RequestKind::kNew || (in.sent & OrderRequest::kSentTimeInForce) != 0) {
        put_char(out, tag::kTimeInForce, in.time_in_force, "OrderRequest.time_in_force");
      }
      if (in.expire_time != 0) put_time(out, tag::kExpireTime, in.expire_time);
      break;
    case RequestKind::kCancel:
      begin(out, "F");
      put_required(out, tag::kOrigClOrdID, in.orig_cl_ord_id, "OrderRequest.orig_cl_ord_id");
      put(out, tag::kOrderID, in.order_id);
      put_required(out, tag::kClOrdID, in.cl_ord_id, "OrderRequest.cl_ord_id");
      put(out, tag::kAccount, in.account);
      put_required(out, tag::kSymbol, in.symbol, "OrderRequest.symbol");
      put_char(out, tag::kSide, in.side, "OrderRequest.side");
      put_time(out, tag::kTransactTime, transact_time);
      if (in.qty != 0) put_int(out, tag::kOrderQty, in.qty);
      break;
    case RequestKind::kStatus:
      begin(out, "H");
      put(out, tag::kOrderID, in.order_id);
      put_required(out, tag::kClOrdID, in.cl_ord_id, "OrderRequest.cl_ord_id");
      put(out, tag::kAccount, in.account);
      put_required(out, tag::kSymbol, in.symbol, "OrderRequest.symbol");
      put_char(out, tag::kSide, in.side, "OrderRequest.side");
      break;
    case RequestKind::kMassCancel:
      begin(out, "q");
      put_required(out, tag::kClOrdID, in.cl_ord_id, "OrderRequest.cl_ord_id");
      put_char(out, tag::kMassCancelRequestType, in.mass_cancel_type, "OrderRequest.mass_cancel_type");
      put(out, tag::kSymbol, in.symbol);
      put_time(out, tag::kTransactTime, transact_time);
      break;
    case RequestKind::kMassStatus:
      begin(out, "AF");
      put_required(out, tag::kMassStatusReqID, in.cl_ord_id, "OrderRequest.cl_ord_id");
      put_char(out, tag::kMassStatusReqType, in.mass_status_type, "OrderRequest.mass_status_type");
      put(out, tag::kAccount, in.account);
      if (in.mass_status_type == '1') put_required(out, tag::kSymbol, in.symbol, "OrderRequest.symbol");
      break;
  }
}

void decode(const FIX::Message& message, MarketDataRequest& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kMDReqID: out.md_req_id = id_of(tag::kMDReqID, v); break;
      case tag::kSubscriptionRequestType: out.subscription = printable_char_of(it->getTag(), v); break;
      case tag::kMarketDepth: out.depth = int_of(it->getTag(), v); break;
      case tag::kMDUpdateType: out.update_type = int_of(it->getTag(), v); break;
      default: break;
    }
  }
  out.bids = out.offers = out.trades = false;
  out.entry_types.clear();
  out.symbols.clear();
  for (Fields::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g) {
    for (const Fields* entry : g->second) {
      if (g->first == tag::kNoMDEntryTypes && entry->isSetField(tag::kMDEntryType)) {
        const char type = printable_char_of(tag::kMDEntryType, entry->getField(tag::kMDEntryType));
        out.entry_types.push_back(type);
        out.bids = out.bids || type == '0';
        out.offers = out.offers || type == '1';
        out.trades = out.trades || type == '2';
      } else if (g->first == tag::kNoRelatedSym && entry->isSetField(tag::kSymbol)) {
        out.symbols.push_back(id_of(tag::kSymbol, entry->getField(tag::kSymbol)));
      }
    }
  }
  out.trading_session_id = trading_session_of(message);
}

void encode(const MarketDataRequest& in, FIX::Message& out) {
  begin(out, "V");
  put_required(out, tag::kMDReqID, in.md_req_id, "MarketDataRequest.md_req_id");
  put_char(out, tag::kSubscriptionRequestType, in.subscription, "MarketDataRequest.subscription");
  put_int(out, tag::kMarketDepth, in.depth);
  // FIX requires MDUpdateType with a subscription; the exchange sends incremental updates (X).
  if (in.update_type >= 0) {
    put_int(out, tag::kMDUpdateType, in.update_type);
  } else if (in.subscription == '1') {
    out.setField(tag::kMDUpdateType, "1");
  }
  std::string types = in.entry_types;
  if (types.empty()) {
    if (in.bids) types += '0';
    if (in.offers) types += '1';
    if (in.trades) types += '2';
  }
  if (types.empty()) throw std::invalid_argument("MarketDataRequest asks for no MDEntryType(269)");
  for (const char type : types) {
    put_char(add_entry(out, tag::kNoMDEntryTypes, tag::kMDEntryType), tag::kMDEntryType, type,
             "MarketDataRequest.entry_types");
  }
  if (in.symbols.empty()) throw std::invalid_argument("MarketDataRequest names no symbol");
  for (const std::string& symbol : in.symbols) {
    put_required(add_entry(out, tag::kNoRelatedSym, tag::kSymbol), tag::kSymbol, symbol,
                 "MarketDataRequest.symbols[]");
  }
  put_trading_session(out, in.trading_session_id);
}

void decode(const FIX::Message& message, SecurityListRequest& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kSecurityReqID: out.security_req_id = id_of(tag::kSecurityReqID, v); break;
      case tag::kSecurityListRequestType: out.request_type = int_of(it->getTag(), v); break;
      case tag::kSymbol: out.symbol = id_of(tag::kSymbol, v); break;
      default: break;
    }
  }
}

void encode(const SecurityListRequest& in, FIX::Message& out) {
  begin(out, "x");
  put_required(out, tag::kSecurityReqID, in.security_req_id, "SecurityListRequest.security_req_id");
  put_int(out, tag::kSecurityListRequestType, in.request_type);
  put(out, tag::kSymbol, in.symbol);
}

// ---- exchange -> client -------------------------------------------------------------------------------

void decode(const FIX::Message& message, ExecReport& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kOrderID: out.order_id = v; break;
      case tag::kExecID: out.exec_id = v; break;
      case tag::kClOrdID: out.cl_ord_id = v; break;
      case tag::kOrigClOrdID: out.orig_cl_ord_id = v; break;
      case tag::kExecType: out.exec_type = char_of(v); break;
      case tag::kOrdStatus: out.ord_status = char_of(v); break;
      case tag::kSymbol: out.symbol = v; break;
      case tag::kAccount: out.account = v; break;
      case tag::kSide: out.side = char_of(v); break;
      case tag::kOrdType: out.ord_type = char_of(v); break;
      case tag::kTimeInForce: out.time_in_force = char_of(v); break;
      case tag::kPrice: out.price = price_of(t, v); break;
      case tag::kOrderQty: out.order_qty = qty_of(t, v, true); break;
      case tag::kLeavesQty: out.leaves_qty = qty_of(t, v, true); break;
      case tag::kCumQty: out.cum_qty = qty_of(t, v, true); break;
      case tag::kAvgPx: out.avg_px = price_of(t, v); break;
      case tag::kLastPx: out.last_px = price_of(t, v); break;
      case tag::kLastQty: out.last_qty = qty_of(t, v, true); break;
      case tag::kSecondaryExecID: out.trade_id = v; break;
      case tag::kCreditedQty: out.credited = integer_of(t, v, 0, LLONG_MAX); break;
      case tag::kRatioPermille: out.ratio_permille = integer_of(t, v, 0, LLONG_MAX); break;
      case tag::kOrdRejReason: out.ord_rej_reason = int_of(t, v); break;
      case tag::kText: out.text = v; break;
      case tag::kTransactTime: out.transact_time = time_of(t, v); break;
      case tag::kMassStatusReqID: out.mass_status_req_id = v; break;
      case tag::kTotNumReports: out.tot_num_reports = int_of(t, v); break;
      case tag::kLastRptRequested: out.last_rpt_requested = v == "Y"; break;
      case tag::kTradingSessionID: out.trading_session_id = v; break;
      default: break;
    }
  }
}

void encode(const ExecReport& in, FIX::Message& out) {
  begin(out, "8");
  put_required(out, tag::kOrderID, in.order_id, "ExecReport.order_id");
  put(out, tag::kClOrdID, in.cl_ord_id);
  put(out, tag::kOrigClOrdID, in.orig_cl_ord_id);
  put_required(out, tag::kExecID, in.exec_id, "ExecReport.exec_id");
  put_char(out, tag::kExecType, in.exec_type, "ExecReport.exec_type");
  put_char(out, tag::kOrdStatus, in.ord_status, "ExecReport.ord_status");
  if (in.ord_rej_reason >= 0) put_int(out, tag::kOrdRejReason, in.ord_rej_reason);
  put(out, tag::kAccount, in.account);
  put_required(out, tag::kSymbol, in.symbol, "ExecReport.symbol");
  put_char(out, tag::kSide, in.side, "ExecReport.side");
  put_int(out, tag::kOrderQty, in.order_qty);
  put_char(out, tag::kOrdType, in.ord_type, "ExecReport.ord_type");
  if (in.price != 0) put_price(out, tag::kPrice, in.price);
  put_char(out, tag::kTimeInForce, in.time_in_force, "ExecReport.time_in_force");
  put(out, tag::kTradingSessionID, in.trading_session_id);
  if (in.last_qty > 0) {
    put_int(out, tag::kLastQty, in.last_qty);
    put_price(out, tag::kLastPx, in.last_px);
  }
  put(out, tag::kSecondaryExecID, in.trade_id);
  put_int(out, tag::kLeavesQty, in.leaves_qty);
  put_int(out, tag::kCumQty, in.cum_qty);
  put_price(out, tag::kAvgPx, in.avg_px);
  if (in.transact_time != 0) put_time(out, tag::kTransactTime, in.transact_time);
  put_text(out, in.text);
  put(out, tag::kMassStatusReqID, in.mass_status_req_id);
  if (in.tot_num_reports >= 0) put_int(out, tag::kTotNumReports, in.tot_num_reports);
  if (in.last_rpt_requested) out.setField(tag::kLastRptRequested, "Y");
  if (in.credited >= 0) put_int(out, tag::kCreditedQty, in.credited);
  if (in.ratio_permille >= 0) put_int(out, tag::kRatioPermille, in.ratio_permille);
}

void decode(const FIX::Message& message, MassCancelReport& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kClOrdID: out.cl_ord_id = v; break;
      case tag::kOrderID: out.order_id = v; break;
      case tag::kMassCancelRequestType: out.request_type = char_of(v); break;
      case tag::kMassCancelResponse: out.response = char_of(v); break;
      case tag::kMassCancelRejectReason: out.reject_reason = int_of(t, v); break;
      case tag::kTotalAffectedOrders: out.affected = int_of(t, v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

void encode(const MassCancelReport& in, FIX::Message& out) {
  begin(out, "r");
  put(out, tag::kClOrdID, in.cl_ord_id);
  put_required(out, tag::kOrderID, in.order_id, "MassCancelReport.order_id");
  put_char(out, tag::kMassCancelRequestType, in.request_type, "MassCancelReport.request_type");
  put_char(out, tag::kMassCancelResponse, in.response, "MassCancelReport.response");
  if (in.reject_reason >= 0) put_int(out, tag::kMassCancelRejectReason, in.reject_reason);
  put_int(out, tag::kTotalAffectedOrders, in.affected);
  put_text(out, in.text);
}

void decode(const FIX::Message& message, CancelReject& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kOrderID: out.order_id = v; break;
      case tag::kClOrdID: out.cl_ord_id = v; break;
      case tag::kOrigClOrdID: out.orig_cl_ord_id = v; break;
      case tag::kOrdStatus: out.ord_status = char_of(v); break;
      case tag::kCxlRejResponseTo: out.response_to = char_of(v); break;
      case tag::kCxlRejReason: out.reason = int_of(it->getTag(), v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

void encode(const CancelReject& in, FIX::Message& out) {
  begin(out, "9");
  out.setField(tag::kOrderID, in.order_id.empty() ? std::string("NONE") : in.order_id);
  put_required(out, tag::kClOrdID, in.cl_ord_id, "CancelReject.cl_ord_id");
  put_required(out, tag::kOrigClOrdID, in.orig_cl_ord_id, "CancelReject.orig_cl_ord_id");
  put_char(out, tag::kOrdStatus, in.ord_status, "CancelReject.ord_status");
  put_char(out, tag::kCxlRejResponseTo, in.response_to, "CancelReject.response_to");
  put_int(out, tag::kCxlRejReason, in.reason);
  put_text(out, in.text);
}

void decode(const FIX::Message& message, BusinessReject& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kRefSeqNum: out.ref_seq_num = int_of(it->getTag(), v); break;
      case tag::kRefMsgType: out.ref_msg_type = v; break;
      case tag::kBusinessRejectRefID: out.ref_id = v; break;
      case tag::kBusinessRejectReason: out.reason = int_of(it->getTag(), v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

void encode(const BusinessReject& in, FIX::Message& out) {
  begin(out, "j");
  if (in.ref_seq_num > 0) put_int(out, tag::kRefSeqNum, in.ref_seq_num);
  put_required(out, tag::kRefMsgType, in.ref_msg_type, "BusinessReject.ref_msg_type");
  put(out, tag::kBusinessRejectRefID, in.ref_id);
  put_int(out, tag::kBusinessRejectReason, in.reason);
  put_text(out, in.text);
}

void decode(const FIX::Message& message, MarketDataSnapshot& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    switch (it->getTag()) {
      case tag::kMDReqID: out.md_req_id = it->getString(); break;
      case tag::kSymbol: out.symbol = it->getString(); break;
      default: break;
    }
  }
  decode_md_entries(message, out.entries);
}

void encode(const MarketDataSnapshot& in, FIX::Message& out) {
  begin(out, "W");
  put(out, tag::kMDReqID, in.md_req_id);
  put_required(out, tag::kSymbol, in.symbol, "MarketDataSnapshot.symbol");
  encode_md_entries(in.entries, out, false);
}

void decode(const FIX::Message& message, MarketDataIncremental& out) {
  if (message.isSetField(tag::kMDReqID)) out.md_req_id = message.getField(tag::kMDReqID);
  decode_md_entries(message, out.entries);
}

void encode(const MarketDataIncremental& in, FIX::Message& out) {
  begin(out, "X");
  put(out, tag::kMDReqID, in.md_req_id);
  encode_md_entries(in.entries, out, true);
}

void decode(const FIX::Message& message, MarketDataReject& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    switch (it->getTag()) {
      case tag::kMDReqID: out.md_req_id = it->getString(); break;
      case tag::kMDReqRejReason: out.reason = char_of(it->getString()); break;
      case tag::kText: out.text = it->getString(); break;
      default: break;
    }
  }
}

void encode(const MarketDataReject& in, FIX::Message& out) {
  begin(out, "Y");
  put_required(out, tag::kMDReqID, in.md_req_id, "MarketDataReject.md_req_id");
  if (in.reason != 0) put_char(out, tag::kMDReqRejReason, in.reason, "MarketDataReject.reason");
  put_text(out, in.text);
}

bool decode(const FIX::Message& message, SecurityList& out) {
  // Fragments of one answer share SecurityResponseID; a new one starts a new list.
  const std::string response_id =
      message.isSetField(tag::kSecurityResponseID) ? message.getField(tag::kSecurityResponseID) : std::string();
  if (response_id != out.response_id) out = SecurityList{};
  SecurityEntry entry;
  bool last = true;
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kSecurityReqID: out.security_req_id = v; break;
      case tag::kSecurityResponseID: out.response_id = v; break;
      case tag::kSecurityRequestResult: out.result = int_of(t, v); break;
      case tag::kLastFragment: last = v == "Y"; break;
      case tag::kTickSize: entry.tick = price_of(t, v); break;
      case tag::kTradingStatus: entry.trading_status = int_of(t, v); break;
      case tag::kReferencePx: entry.reference = price_of(t, v); break;
      case tag::kLowLimitPx: entry.low = price_of(t, v); break;
      case tag::kHighLimitPx: entry.high = price_of(t, v); break;
      case tag::kQtyUnit: entry.unit = v; break;
      default: break;
    }
  }
  for (Fields::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g) {
    if (g->first != tag::kNoRelatedSym) continue;
    for (const Fields* group : g->second) {
      for (Fields::const_iterator it = group->begin(); it != group->end(); ++it) {
        const std::string& v = it->getString();
        const int t = it->getTag();
        switch (t) {
          case tag::kSymbol: entry.symbol = v; break;
          case tag::kSecurityDesc: entry.description = v; break;
          case tag::kRoundLot: entry.lot = qty_of(t, v, true); break;
          case tag::kTradingSessionID: entry.trading_session_id = v; break;
          default: break;
        }
      }
    }
  }
  if (!entry.symbol.empty()) out.securities.push_back(std::move(entry));
  return last;
}

void encode(const SecurityList& in, std::size_t index, FIX::Message& out) {
  begin(out, "y");
  put_required(out, tag::kSecurityReqID, in.security_req_id, "SecurityList.security_req_id");
  put_required(out, tag::kSecurityResponseID, in.response_id, "SecurityList.response_id");
  put_int(out, tag::kSecurityRequestResult, in.result);
  put_int(out, tag::kTotNoRelatedSym, static_cast<std::int64_t>(in.securities.size()));
  out.setField(tag::kLastFragment, index + 1 >= in.securities.size() ? "Y" : "N");
  if (index >= in.securities.size()) return;
  // What FIX 4.4's NoRelatedSym group has, in the group; the rest, our user-defined fields, in the
  // message body, where a parser with a stock FIX 4.4 dictionary keeps them (fix_api.hpp).
  const SecurityEntry& security = in.securities[index];
  Fields& entry = add_entry(out, tag::kNoRelatedSym, tag::kSymbol);
  put_required(entry, tag::kSymbol, security.symbol, "SecurityEntry.symbol");
  put(entry, tag::kSecurityDesc, sanitize(security.description));
  put_int(entry, tag::kRoundLot, security.lot);
  put(entry, tag::kTradingSessionID, security.trading_session_id);
  put_price(out, tag::kTickSize, security.tick);
  put_int(out, tag::kTradingStatus, security.trading_status);
  put_price(out, tag::kLowLimitPx, security.low);
  put(out, tag::kQtyUnit, sanitize(security.unit));
  // An auction has a reserve (the low) and no band around a reference.
  if (!security.trading_session_id.empty()) return;
  put_price(out, tag::kReferencePx, security.reference);
  put_price(out, tag::kHighLimitPx, security.high);
}

void decode(const FIX::Message& message, SessionReject& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kRefSeqNum: out.ref_seq_num = int_of(it->getTag(), v); break;
      case tag::kRefTagID: out.ref_tag_id = int_of(it->getTag(), v); break;
      case tag::kRefMsgType: out.ref_msg_type = v; break;
      case tag::kSessionRejectReason: out.reason = int_of(it->getTag(), v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

// ---- block trades -------------------------------------------------------------------------------------

namespace {

// The first NoSides(552) entry: side, order id, account, Text (FIX 4.4 has it in the side, not in the
// message), and the contra firm of its NoPartyIDs(453).
void decode_side(const Fields& side, TradeCaptureReport& out) {
  for (Fields::const_iterator it = side.begin(); it != side.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kSide: out.side = printable_char_of(it->getTag(), v); break;
      case tag::kOrderID: out.order_id = id_of(tag::kOrderID, v); break;
      case tag::kAccount: out.account = id_of(tag::kAccount, v); break;
      case tag::kTradingSessionID: out.trading_session_id = id_of(tag::kTradingSessionID, v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
  for (Fields::g_const_iterator g = side.g_begin(); g != side.g_end(); ++g) {
    if (g->first != tag::kNoPartyIDs) continue;
    for (const Fields* party : g->second) {
      if (!party->isSetField(tag::kPartyRole) ||
          int_of(tag::kPartyRole, party->getField(tag::kPartyRole)) != kContraFirm) {
        continue;
      }
      if (++out.contra_parties == 1 && party->isSetField(tag::kPartyID)) {
        out.counterparty = id_of(tag::kPartyID, party->getField(tag::kPartyID));
      }
    }
  }
}

}  // namespace

void decode(const FIX::Message& message, TradeCaptureReport& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kTradeReportID: out.trade_report_id = id_of(tag::kTradeReportID, v); break;
      case tag::kTradeReportRefID: out.block_id = id_of(tag::kTradeReportRefID, v); break;
      case tag::kTradeReportTransType: out.trans_type = int_of(t, v); break;
      case tag::kTradeReportType: out.report_type = int_of(t, v); break;
      case tag::kTrdType: out.trd_type = int_of(t, v); break;
      case tag::kExecType: out.exec_type = char_of(v); break;
      case tag::kTrdMatchID: out.trade_id = id_of(tag::kTrdMatchID, v); break;
      case tag::kTradeRequestID: out.trade_request_id = id_of(tag::kTradeRequestID, v); break;
      case tag::kTotNumTradeReports: out.tot_num_trade_reports = int_of(t, v); break;
      case tag::kLastRptRequested: out.last_rpt_requested = v == "Y"; break;
      case tag::kSymbol: out.symbol = id_of(tag::kSymbol, v); break;
      case tag::kLastQty: out.last_qty = qty_of(t, v, false); break;
      case tag::kLastPx: out.last_px = price_of(t, v); break;
      case tag::kTransactTime: out.transact_time = time_of(t, v); break;
      case tag::kCreditedQty: out.credited = integer_of(t, v, 0, LLONG_MAX); break;
      case tag::kRatioPermille: out.ratio_permille = integer_of(t, v, 0, LLONG_MAX); break;
      default: break;
    }
  }
  for (Fields::g_const_iterator g = message.g_begin(); g != message.g_end(); ++g) {
    if (g->first != tag::kNoSides) continue;
    for (const Fields* side : g->second) {
      if (++out.sides == 1) decode_side(*side, out);
    }
  }
}

void encode(const TradeCaptureReport& in, FIX::Message& out) {
  begin(out, "AE");
  put_required(out, tag::kTradeReportID, in.trade_report_id, "TradeCaptureReport.trade_report_id");
  if (in.trans_type >= 0) put_int(out, tag::kTradeReportTransType, in.trans_type);
  if (in.report_type >= 0) put_int(out, tag::kTradeReportType, in.report_type);
  put(out, tag::kTradeRequestID, in.trade_request_id);
  put_int(out, tag::kTrdType, in.trd_type >= 0 ? in.trd_type : kBlockTrade);
  if (in.exec_type != 0) put_char(out, tag::kExecType, in.exec_type, "TradeCaptureReport.exec_type");
  if (in.tot_num_trade_reports >= 0) put_int(out, tag::kTotNumTradeReports, in.tot_num_trade_reports);
  if (in.last_rpt_requested) out.setField(tag::kLastRptRequested, "Y");
  put(out, tag::kTradeReportRefID, in.block_id);
  put(out, tag::kTrdMatchID, in.trade_id);
  put(out, tag::kExecID, in.trade_id);
  put(out, tag::kSymbol, in.symbol);
  if (in.last_qty > 0) put_int(out, tag::kLastQty, in.last_qty);
  if (in.last_px > 0) put_price(out, tag::kLastPx, in.last_px);
  if (in.transact_time != 0) {
    // FIX 4.4 requires PreviouslyReported and TradeDate in the exchange's reports: every block is
    // reported here first, and its trading day is the local day in the exchange's zone.
    out.setField(tag::kPreviouslyReported, "N");
    out.setField(tag::kTradeDate, format_date(in.transact_time + std::int64_t{in.utc_offset_minutes} * 60'000'000'000));
    put_time(out, tag::kTransactTime, in.transact_time);
  }
  if (in.side != 0) {
    Fields& side = add_entry(out, tag::kNoSides, tag::kSide);
    put_char(side, tag::kSide, in.side, "TradeCaptureReport.side");
    put(side, tag::kOrderID, in.order_id);
    put(side, tag::kAccount, in.account);
    if (!in.counterparty.empty()) {
      std::unique_ptr<FIX::Group> party(new FIX::Group(tag::kNoPartyIDs, tag::kPartyID));
      party->setField(tag::kPartyID, in.counterparty);
      put_int(*party, tag::kPartyRole, kContraFirm);
      side.addGroupPtr(tag::kNoPartyIDs, party.release());
    }
    put(side, tag::kTradingSessionID, in.trading_session_id);
    put_text(side, in.text);
  }
  if (in.credited >= 0) put_int(out, tag::kCreditedQty, in.credited);
  if (in.ratio_permille >= 0) put_int(out, tag::kRatioPermille, in.ratio_permille);
}

void decode(const FIX::Message& message, TradeCaptureReportRequest& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    switch (it->getTag()) {
      case tag::kTradeRequestID: out.trade_request_id = id_of(tag::kTradeRequestID, it->getString()); break;
      case tag::kTradeRequestType: out.request_type = int_of(it->getTag(), it->getString()); break;
      default: break;
    }
  }
}

void encode(const TradeCaptureReportRequest& in, FIX::Message& out) {
  begin(out, "AD");
  put_required(out, tag::kTradeRequestID, in.trade_request_id, "TradeCaptureReportRequest.trade_request_id");
  put_int(out, tag::kTradeRequestType, in.request_type);
}

void decode(const FIX::Message& message, TradeCaptureReportAck& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kTradeReportID: out.trade_report_id = v; break;
      case tag::kTradeReportRefID: out.block_id = v; break;
      case tag::kTradeReportTransType: out.trans_type = int_of(t, v); break;
      case tag::kTradeReportType: out.report_type = int_of(t, v); break;
      case tag::kTrdType: out.trd_type = int_of(t, v); break;
      case tag::kExecType: out.exec_type = char_of(v); break;
      case tag::kTrdRptStatus: out.status = int_of(t, v); break;
      case tag::kTradeReportRejectReason: out.reject_reason = int_of(t, v); break;
      case tag::kSymbol: out.symbol = v; break;
      case tag::kTransactTime: out.transact_time = time_of(t, v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

void encode(const TradeCaptureReportAck& in, FIX::Message& out) {
  begin(out, "AR");
  put_required(out, tag::kTradeReportID, in.trade_report_id, "TradeCaptureReportAck.trade_report_id");
  if (in.trans_type >= 0) put_int(out, tag::kTradeReportTransType, in.trans_type);
  if (in.report_type >= 0) put_int(out, tag::kTradeReportType, in.report_type);
  if (in.trd_type >= 0) put_int(out, tag::kTrdType, in.trd_type);
  put_char(out, tag::kExecType, in.exec_type, "TradeCaptureReportAck.exec_type");
  put(out, tag::kTradeReportRefID, in.block_id);
  put_int(out, tag::kTrdRptStatus, in.status);
  if (in.reject_reason >= 0) put_int(out, tag::kTradeReportRejectReason, in.reject_reason);
  put(out, tag::kSymbol, in.symbol);
  if (in.transact_time != 0) put_time(out, tag::kTransactTime, in.transact_time);
  put_text(out, in.text);
}

void decode(const FIX::Message& message, TradeCaptureReportRequestAck& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kTradeRequestID: out.trade_request_id = v; break;
      case tag::kTradeRequestType: out.request_type = int_of(t, v); break;
      case tag::kTotNumTradeReports: out.tot_num_trade_reports = int_of(t, v); break;
      case tag::kTradeRequestResult: out.result = int_of(t, v); break;
      case tag::kTradeRequestStatus: out.status = int_of(t, v); break;
      case tag::kText: out.text = v; break;
      default: break;
    }
  }
}

void encode(const TradeCaptureReportRequestAck& in, FIX::Message& out) {
  begin(out, "AQ");
  put_required(out, tag::kTradeRequestID, in.trade_request_id, "TradeCaptureReportRequestAck.trade_request_id");
  put_int(out, tag::kTradeRequestType, in.request_type);
  put_int(out, tag::kTotNumTradeReports, in.tot_num_trade_reports);
  put_int(out, tag::kTradeRequestResult, in.result);
  put_int(out, tag::kTradeRequestStatus, in.status);
  put_text(out, in.text);
}

// ---- auctions -----------------------------------------------------------------------------------------

void decode(const FIX::Message& message, TradingSessionStatusRequest& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    switch (it->getTag()) {
      case tag::kTradSesReqID: out.request_id = id_of(tag::kTradSesReqID, v); break;
      case tag::kTradingSessionID: out.trading_session_id = id_of(tag::kTradingSessionID, v); break;
      case tag::kSubscriptionRequestType: out.subscription = printable_char_of(it->getTag(), v); break;
      default: break;
    }
  }
}

void encode(const TradingSessionStatusRequest& in, FIX::Message& out) {
  begin(out, "g");
  put_required(out, tag::kTradSesReqID, in.request_id, "TradingSessionStatusRequest.request_id");
  put(out, tag::kTradingSessionID, in.trading_session_id);
  put_char(out, tag::kSubscriptionRequestType, in.subscription, "TradingSessionStatusRequest.subscription");
}

void decode(const FIX::Message& message, TradingSessionStatus& out) {
  for (Fields::const_iterator it = message.begin(); it != message.end(); ++it) {
    const std::string& v = it->getString();
    const int t = it->getTag();
    switch (t) {
      case tag::kTradSesReqID: out.request_id = v; break;
      case tag::kTradingSessionID: out.trading_session_id = v; break;
      case tag::kUnsolicitedIndicator: out.unsolicited = v == "Y"; break;
      case tag::kTradSesStatus: out.status = int_of(t, v); break;
      case tag::kTradSesStatusRejReason: out.reject_reason = int_of(t, v); break;
      case tag::kTradSesStartTime: out.start_time = time_of(t, v); break;
      case tag::kTradSesEndTime: out.end_time = time_of(t, v); break;
      case tag::kTotalVolumeTraded: out.total_volume = qty_of(t, v, true); break;
      case tag::kText: out.text = v; break;
      case tag::kAuctionSymbol: out.symbol = v; break;
      case tag::kAuctionQty: out.qty = integer_of(t, v, 0, LLONG_MAX); break;
      case tag::kReservePx: out.reserve = price_of(t, v); break;
      case tag::kPriceIncrement: out.increment = price_of(t, v); break;
      case tag::kAuctionPricing: out.pricing = int_of(t, v); break;
      case tag::kClearingPx: out.clearing_px = price_of(t, v); break;
      default: break;
    }
  }
}

void encode(const TradingSessionStatus& in, FIX::Message& out) {
  begin(out, "h");
  put(out, tag::kTradSesReqID, in.request_id);
  put_required(out, tag::kTradingSessionID, in.trading_session_id, "TradingSessionStatus.trading_session_id");
  out.setField(tag::kUnsolicitedIndicator, in.unsolicited ? "Y" : "N");
  put_int(out, tag::kTradSesStatus, in.status);
  if (in.reject_reason >= 0) put_int(out, tag::kTradSesStatusRejReason, in.reject_reason);
  if (in.start_time != 0) put_time(out, tag::kTradSesStartTime, in.start_time);
  if (in.end_time != 0) put_time(out, tag::kTradSesEndTime, in.end_time);
  if (in.total_volume >= 0) put_int(out, tag::kTotalVolumeTraded, in.total_volume);
  put_text(out, in.text);
  put(out, tag::kAuctionSymbol, in.symbol);
  if (in.qty > 0) put_int(out, tag::kAuctionQty, in.qty);
  if (in.reserve > 0) put_price(out, tag::kReservePx, in.reserve);
  if (in.increment > 0) put_price(out, tag::kPriceIncrement, in.increment);
  if (in.pricing >= 0) put_int(out, tag::kAuctionPricing, in.pricing);
  if (in.clearing_px > 0) put_price(out, tag::kClearingPx, in.clearing_px);
}

// ---- session helpers ----------------------------------------------------------------------------------

void encode_raw(const std::string& fields, FIX::Message& out) {
  bool has_type = false;
  std::size_t start = 0;
  while (start < fields.size()) {
    std::size_t end = fields.find_first_of("|\x01", start);
    if (end == std::string::npos) end = fields.size();
    const std::string field = fields.substr(start, end - start);
    start = end + 1;
    if (field.empty()) continue;
    const std::size_t equals = field.find('=');
    if (equals == 0 || equals == std::string::npos || equals + 1 == field.size() ||
        field.find_first_not_of("0123456789") != equals) {
      throw std::invalid_argument("send_raw: '" + field + "' is not tag=value");
    }
    const std::string number = field.substr(0, equals);
    if (number.size() > 9) throw std::invalid_argument("send_raw: tag " + number + " is too large");
    const int tag = std::stoi(number);
    if (tag == 8 || tag == 9 || tag == 10 || tag == 0) {
      throw std::invalid_argument("send_raw: tag " + number + " is written by the session");
    }
    const std::string value = field.substr(equals + 1);
    if (is_header_tag(tag)) {
      out.getHeader().setField(tag, value);
    } else {
      out.setField(tag, value);
    }
    has_type = has_type || tag == tag::kMsgType;
  }
  if (!has_type) throw std::invalid_argument("send_raw: no MsgType(35) in '" + fields + "'");
}

void encode_test_request(const std::string& id, FIX::Message& out) {
  begin(out, "1");
  out.setField(tag::kTestReqID, id);
}

}  // namespace detail
}  // namespace fix
}  // namespace crix
