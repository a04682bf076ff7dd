// crix::fix: the exchange's FIX 4.4 layer (DESIGN.md, FIX dialect). An Acceptor for the exchange and an
// Initiator for clients (the `crix order` tool, integration tests, the benchmark), both over QuickFIX
// 1.15.1, behind an interface of plain structs (std::string, integers, chars, std::vector) that exposes
// no QuickFIX type. This header compiles as C++14 (the library: QuickFIX's headers do not compile as
// C++17) and as C++20 (the exchange); the library is target crix::fix.
//
// Numbers cross this interface as integers, never as floating point:
//  - prices are int64 fen (0.01 yuan). On the wire Price(44), LastPx(31), AvgPx(6), MDEntryPx(270),
//    and our TickSize/LowLimitPx/HighLimitPx/ReferencePx are yuan with at most two
//    decimals, parsed from the field's text exactly ("580.05" -> 58005; zeros past the second decimal
//    change nothing and are taken: "580.050") and written as "580.00";
//  - quantities are whole tonnes: OrderQty(38) must be positive ("100", or "100.0": a zero fraction is a
//    whole number); quantities in reports may be 0;
//  - timestamps are int64 nanoseconds since the Unix epoch, UTC; TransactTime(60) and ExpireTime(126)
//    travel as UTCTimestamp with milliseconds ("20250102-01:30:00.250"; more sub-second digits are
//    accepted on input, the time is truncated to the millisecond on output).
// An inbound price with more than two decimals, a negative price, a quantity with a fractional part
// or a quantity <= 0 is answered by a session-level Reject(3) with SessionRejectReason(373) = 6
// (incorrect data format), RefTagID(371) = the field and a Text(58) naming the field and the value
// ("Price(44) '580.001' has more than two decimals (...)"); the message never reaches the Handler. A value
// that is not a number at all is rejected the same way by QuickFIX's dictionary check, whose Text is
// QuickFIX's own ("Incorrect data format for value").
//
// User-defined tags of our dialect (also documented at the top of FIX44-CRIX.xml):
//   20001 CreditedQty   int    tonnes of new capacity credited to the buyer by a fill (ExecutionReport)
//                              or a settled block (TradeCaptureReport)
//   20002 RatioPermille int    the replacement ratio of the trade, per mille (1.5:1 -> 1500)
//   20003 LowLimitPx    price  lower edge of the price band (SecurityList)
//   20004 HighLimitPx   price  upper edge of the price band (SecurityList)
//   20005 ReferencePx   price  reference price the band is computed from (SecurityList)
//   20006 TickSize      price  the instrument's tick (SecurityList; FIX 5.0's MinPriceIncrement(969))
//   20007 TradingStatus int    17 ready to trade, 2 halted, 18 closed (SecurityList; the values of
//                              SecurityTradingStatus(326), which FIX 4.4 has only in SecurityStatus)
//   20008 AuctionSymbol  string the instrument of an auction's lot (TradingSessionStatus: FIX 4.4's has no
//                               Instrument)
//   20009 AuctionQty     int    the lot, tonnes (TradingSessionStatus)
//   20010 ReservePx      price  the lowest bid the auction takes (TradingSessionStatus)
//   20011 PriceIncrement price  bids are ReservePx + k x this (TradingSessionStatus)
//   20012 AuctionPricing int    1 pay-as-bid, 2 uniform (TradingSessionStatus)
//   20013 ClearingPx     price  the lowest winning price of an ended auction (TradingSessionStatus)
//   20014 QtyUnit        string what the instrument's quantities count, e.g. "t", "weight box" (SecurityList;
//                               FIX 5.0's UnitOfMeasure(996) has a fixed list of codes without it)
// Each sits in a message body, never inside a repeating group, and every other field is FIX 4.4's own
// in a message or group of FIX 4.4 that has it: a client with the stock FIX 4.4 dictionary and
// ValidateUserDefinedFields=N loses nothing (InitiatorConfig::validate_user_defined_fields). The
// exchange's trade id travels in SecondaryExecID(527) on fills, MDEntryID(278) in incremental
// market data and TrdMatchID(880) on settled blocks (FIX 5.0's TradeID(1003) is not in FIX 4.4).
//
// Sessions: BeginString FIX.4.4; the exchange is SenderCompID = AcceptorConfig::exchange_comp_id to
// each participant's comp id. Sessions are configured in code from the list of comp ids (no settings
// file). Two ways to keep them:
//  - with a store (AcceptorConfig::store_path; crixd: "<ledger>.fix"; InitiatorConfig::store_dir for a
//    client): every session's sequence numbers and the messages sent to it are kept durably
//    (message_store.hpp: an LMDB file, written at each message, flushed to disk every second; a
//    process crash loses nothing, a power cut up to the last second). A client logging on with
//    ResetSeqNumFlag(141)=N continues its numbers, also across an exchange restart, and the exchange
//    answers in sequence; a gap either side sees is filled by ResendRequest, answered with the stored
//    messages themselves (PossDupFlag(43)=Y, OrigSendingTime(122)), so a report sent while the client
//    was away (a fill of its resting order) reaches it when it returns: the exchange numbers and
//    stores a message for a session not logged on. A Logon with 141=Y starts both sides afresh at 1
//    and drops what was kept for that client. Sessions never end by the clock (QuickFIX 1.15.1 has
//    no NonStopSession: the stores report being created now, and the schedule has no gap), so a
//    client away over a night or a weekend still gets its reports; sent messages older than
//    AcceptorConfig::store_retention (14 days) are deleted and a ResendRequest for them gets a gap fill.
//    A client whose numbers are behind the exchange's (it lost its store) is logged out by QuickFIX
//    ("MsgSeqNum too low"): it logs on with 141=Y.
//  - without (tests, and a client without store_dir): messages in memory only (QuickFIX's
//    MemoryStore, PersistMessages=N), sequence numbers reset at every Logon (ResetOnLogon=Y,
//    141=Y), a ResendRequest is answered with a gap fill, a message for a session not logged on is
//    dropped, and the session day ends at 16:00:00 UTC (midnight in Beijing).
// Either way a ResendRequest's own MsgSeqNum is counted (QuickFIX 1.15.1 without PersistMessages
// forgets to, and then loses the peer's next message). A client that lost reports may also ask with
// OrderStatusRequest(H): the ledger, not the FIX session, is the record.
//
// Each message's fields are checked by QuickFIX against our dictionary FIX44-CRIX.xml (types, required
// fields, fields allowed per message, enumerated values). Strict about meaning, not about standard
// fields that carry none here: the standard header's routing fields (SenderSubID(50), TargetSubID(57),
// OnBehalfOf*/DeliverTo* ids) and HandlInst(21) on D and G are accepted and ignored. A FIX 4.4
// application message type the dictionary does not list (QuoteRequest R, News B, ...) is answered with
// BusinessMessageReject(j), reason 3 (unsupported message type), once the session has taken it in
// sequence; a MsgType that is not FIX 4.4 at all with Reject(3), SessionRejectReason 5 or 11; a missing
// required field with Reject(3), reason 1; a frame with a bad checksum or body length is dropped (logged
// when log_dir is set): it is lost, the sender's next message is one ahead, and the sessions fill the
// gap (ResendRequest, answered as Sessions says). A listed message that only the other side sends (say an
// ExecutionReport from a client) is answered with BusinessMessageReject(j), reason 3. A char field
// (Side, OrdType, TimeInForce, MassCancelRequestType, SubscriptionRequestType, MDEntryType) that is not
// one printable character is answered with Reject(3), reason 6, naming the field. A valid message in a
// form our exchange does not support (SecurityListRequest type other than 4, MarketDataRequest for
// MDEntryType other than 0/1/2, OrdType stop, ...) is delivered to the Handler as it came, and the
// Handler answers with a BusinessReject, a MarketDataReject (for a MarketDataRequest) or a rejecting
// ExecReport. None of this disturbs other sessions: each session has its own connection thread.
//
// Nothing a peer sends ends the exchange: what QuickFIX cannot handle on a connection (a first frame
// whose header does not parse, a session message it cannot answer before a Logon, a megabyte without a
// whole frame) drops that connection without an answer and is reported by Handler::on_dropped.
// Where QuickFIX 1.15.1 would end a session without a word, or leave a client waiting for its logon
// timeout, the acceptor answers first: a logged-on client's message without SendingTime(52) gets a
// Reject(3), reason 1, RefTagID 52, and is not acted on (the session goes on, the message counted in
// sequence); one without MsgSeqNum(34) a Logout saying so, and the connection closes; a Logon that
// fails the dictionary's check (a field missing, of the wrong form, a value FIX does not allow, a field
// a Logon has not) a Logout naming the field, and the connection closes (Handler::on_dropped, with
// the text). A Logon naming no session of ours, or (when it starts afresh) a session connected already,
// gets a Logout saying so (Acceptor).
//
// Orders: OrderMassCancelRequest(q) is always answered with OrderMassCancelReport(r) (also when
// nothing was live); OrderStatusRequest(H) and OrderMassStatusRequest(AF) answer with ExecType 'I'
// reports of live orders and of orders that ended on the current trading day (their final OrdStatus).
//
// Thread rules: Handler and ClientHandler methods are called on QuickFIX's connection threads, one
// thread per session (so calls for one session come in order, calls for different sessions may run at
// the same time), and must be quick and must not throw. send(), logout() and logged_on() are
// thread-safe and may be called from any thread, including from inside a handler method. Construction,
// start(), stop() and destruction belong to one owning thread and must not be called from a handler.
//
// QuickFIX keeps one process-wide registry of sessions: two Acceptors (or Initiators) in one process must
// not configure the same pair of comp ids; the constructors refuse it.
//
// Errors: constructors and start() throw std::runtime_error with a sentence saying what to change.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crix {
namespace fix {

using SessionHandle = std::uint32_t;  // index into AcceptorConfig::client_comp_ids
constexpr SessionHandle kNoSession = 0xFFFFFFFFu;  // a connection that named no session of ours

// ---- messages, client -> exchange ---------------------------------------------------------------------

enum class RequestKind : std::uint8_t { kNew, kCancel, kReplace, kStatus, kMassCancel, kMassStatus };

// NewOrderSingle(D), OrderCancelRequest(F), OrderCancelReplaceRequest(G), OrderStatusRequest(H),
// OrderMassCancelRequest(q), OrderMassStatusRequest(AF). Fields a kind does not carry keep their
// defaults. For AF, cl_ord_id carries MassStatusReqID(584).
struct OrderRequest {
  RequestKind kind = RequestKind::kNew;
  SessionHandle session = 0;      // set by the acceptor; ignored when a client sends
  std::string cl_ord_id;          // 11
  std::string orig_cl_ord_id;     // 41 (F, G)
  std::string order_id;           // 37 (F, G, H; optional)
  std::string symbol;             // 55 ("" for q with type 7)
  std::string account;            // 1: facility id (sell) or project id (buy); optional on the wire
  char side = '1';                // 54: '1' buy, '2' sell (D, F, G, H; q carries no side in our dialect)
  char ord_type = '2';            // 40: '1' market, '2' limit (D, G)
  char time_in_force = '0';       // 59: '0' day (default when absent), '1' GTC, '3' IOC, '4' FOK, '6' GTD
  bool all_or_none = false;       // 18 contains 'G'
  // 18 as the client sent it (its values separated by spaces), for the exchange to refuse a value it
  // does not support; "" when absent. Sending: when set, sent as it is instead of "G" from all_or_none.
  std::string exec_inst;
  std::int64_t price = 0;         // 44 in fen; 0 when absent (and not sent when 0)
  std::int64_t qty = 0;           // 38 tonnes (D, G required; F optional, not sent when 0)
  std::int64_t expire_time = 0;   // 126 in ns UTC; 0 when absent
  // Which of Account(1), TimeInForce(59), ExecInst(18) and ExpireTime(126) a request carried
  // (decoded; bits kSent*). A replace (G) changes price and quantity only: each of these it carries
  // must equal the order's, one it leaves out keeps the order's (DESIGN.md, FIX dialect). When a
  // client encodes a G, TimeInForce is sent only with kSentTimeInForce set (the order's value is
  // then the one to set), so a replace that does not name it keeps it.
  std::uint8_t sent = 0;
  static constexpr std::uint8_t kSentAccount = 1, kSentTimeInForce = 2, kSentExecInst = 4, kSentExpireTime = 8;
  char mass_cancel_type = '7';    // 530: '1' one symbol, '7' all (q)
  char mass_status_type = '7';    // 585: '7' all orders of the session, '1' one symbol (symbol set) (AF)
  std::int64_t transact_time = 0; // 60 in ns, as the client sent it (a client sending 0 sends "now")
  // 21 on D and G, sent when not 0: FIX 4.2 requires it ('1' automated, private), our dialect accepts
  // and ignores it (never decoded: 0 at the exchange)
  char handl_inst = 0;
  // 336 in the one entry of NoTradingSessions(386) (D only): an auction's id makes the order a bid in
  // that auction (DESIGN.md, FIX dialect, "Auctions"); "" = absent, an order for the book.
  std::string trading_session_id;
  // PossDupFlag(43)=Y in the header: the client may have sent this request before. The exchange
  // answers a D or G whose ClOrdID(11) the session took today, or an F whose ClOrdID ended its order,
  // with the status of that order instead of acting on it again; any other is acted on as new
  // (DESIGN.md, FIX dialect). Initiator::send() marks such a request, adding OrigSendingTime(122) =
  // SendingTime(52), which FIX requires with the flag.
  bool poss_dup = false;
};

// MarketDataRequest(V).
struct MarketDataRequest {
  SessionHandle session = 0;
  std::string md_req_id;          // 262
  char subscription = '1';        // 263: '0' snapshot, '1' snapshot + updates, '2' unsubscribe
  int depth = 0;                  // 264: 0 full book
  // 265 MDUpdateType: 1 incremental (the exchange's updates are X), 0 full refresh (refused: the
  // exchange sends no W after the first); -1 absent. Sending: -1 sends 1 with a subscription (FIX
  // requires it there) and nothing otherwise.
  int update_type = -1;
  bool bids = true, offers = true, trades = true;  // from the 269 entries requested
  // The MDEntryType(269) values as requested, one char each, in order (e.g. "012"; FIX 4.4 also has
  // '3'..'9', 'A'..'C', which we deliver for the Handler to refuse). Sending: when empty, the client
  // sends the types of bids/offers/trades; when set, exactly these (bids/offers/trades are ignored).
  std::string entry_types;
  std::vector<std::string> symbols;  // 146 group of 55
  // 336 in the one entry of NoTradingSessions(386): an auction's id asks for its ranking (the bids'
  // prices and quantities, best first, without bidders); "" = absent, the book.
  std::string trading_session_id;
};

// SecurityListRequest(x).
struct SecurityListRequest {
  SessionHandle session = 0;
  std::string security_req_id;    // 320
  int request_type = 4;           // 559: 4 all securities (0 symbol, 1-3 other FIX 4.4 selections)
  std::string symbol;             // 55, with request_type 0; "" when absent
};

// ---- block trades (DESIGN.md, FIX dialect: "Block trades") --------------------------------------------

// TradeCaptureReport(AE), both ways. From a client (Handler::on_trade_capture_report): a block trade
// (TrdType(828) 1) proposed (TradeReportType(856) 0 Submit), accepted (2), declined (3), or withdrawn
// (TradeReportTransType(487) 1 Cancel); the session's participant is the sender. From the exchange
// (ClientHandler::on_trade_capture_report): a proposal naming the recipient (856 = 1 Alleged, ExecType
// '0'), a settled block (856 = 2, ExecType 'F', TrdMatchID = ExecID = the ledger's trade id), a block
// ended without a trade (487 = 1, ExecType '4', Text says how), or one pending proposal answering a
// TradeCaptureReportRequest (TradeRequestID set). The block's id, the exchange's, is TradeReportRefID
// (572) both ways (FIX 5.0's TradeID(1003) is not in FIX 4.4). Ints are -1 and chars 0 when absent.
struct TradeCaptureReport {
  SessionHandle session = 0;
  std::string trade_report_id;      // 571: the sender's id for this report (required)
  std::string block_id;             // 572 TradeReportRefID: the exchange's block id
  int trans_type = -1;              // 487: 0 new, 1 cancel (a withdrawal)
  int report_type = -1;             // 856: 0 submit, 1 alleged, 2 accept, 3 decline
  int trd_type = -1;                // 828: 1 block trade
  char exec_type = 0;               // 150 (exchange -> client)
  std::string trade_id;             // 880 TrdMatchID and 17 ExecID on a settled block
  std::string trade_request_id;     // 568, on answers to AD
  int tot_num_trade_reports = -1;   // 748, on answers to AD
  bool last_rpt_requested = false;  // 912 'Y' on the last answer to AD
  std::string symbol;               // 55
  std::int64_t last_qty = 0;        // 32 tonnes (0: absent)
  std::int64_t last_px = 0;         // 31 fen (0: absent)
  std::int64_t transact_time = 0;   // 60 ns (0: absent; the exchange always sends it, and TradeDate(75))
  std::int32_t utc_offset_minutes = 0;  // the exchange's zone: TradeDate(75) is transact_time's local day
  // The one NoSides(552) entry: the recipient's (or sender's) own side.
  char side = 0;                    // 54
  std::string order_id;             // 37 (FIX 4.4 requires it in a side: the exchange sends the block id)
  std::string account;              // 1: its facility (sell) or project (buy) id
  std::string counterparty;         // 448 of the side's NoPartyIDs(453) entry with PartyRole(452) 17
  std::string trading_session_id;   // 336 in the side: the auction of an auction trade (TrdType 0)
  int sides = 0;                    // decoded: NoSides entries received (only the first is read)
  int contra_parties = 0;           // decoded: PartyRole 17 entries in the first side
  std::int64_t credited = -1;       // 20001, on a settled block
  std::int64_t ratio_permille = -1; // 20002, on a settled block
  std::string text;                 // 58, in the side entry (where FIX 4.4 has it; not sent without a side)
};

// TradeCaptureReportRequest(AD): TradeRequestType(569) 2 (unmatched trades) asks for the pending
// block proposals naming the session's participant as proposer or counterparty.
struct TradeCaptureReportRequest {
  SessionHandle session = 0;
  std::string trade_request_id;     // 568 (required)
  int request_type = 2;             // 569
};

// TradingSessionStatusRequest(g): the state of auction `trading_session_id`, or of every announced
// auction when it is "" (absent). Answered with a TradingSessionStatus(h) per auction.
struct TradingSessionStatusRequest {
  SessionHandle session = 0;
  std::string request_id;           // 335 TradSesReqID (required)
  std::string trading_session_id;   // 336 ("" absent: all)
  char subscription = '0';          // 263 (required by FIX; every session gets the unsolicited ones)
};

// ---- messages, exchange -> client ---------------------------------------------------------------------

// ExecutionReport(8).
struct ExecReport {
  SessionHandle session = 0;
  std::string order_id;           // 37
  std::string exec_id;            // 17
  std::string cl_ord_id;          // 11
  std::string orig_cl_ord_id;     // 41 (replace/cancel)
  char exec_type = '0';           // 150: '0' new,'F' trade,'4' canceled,'5' replaced,'8' rejected,
                                  //      'C' expired,'I' status
  char ord_status = '0';          // 39: '0','1','2','4','8','C', ...
  std::string symbol, account;    // 55, 1
  char side = '1';                // 54
  char ord_type = '2';            // 40
  char time_in_force = '0';       // 59
  std::int64_t price = 0;         // 44 fen (not sent when 0)
  std::int64_t order_qty = 0, leaves_qty = 0, cum_qty = 0;  // 38, 151, 14 tonnes
  std::int64_t avg_px = 0;        // 6 fen
  std::int64_t last_px = 0, last_qty = 0;  // 31, 32 on fills (sent when last_qty > 0)
  std::string trade_id;           // 527 SecondaryExecID on fills: the exchange's trade id
  std::int64_t credited = -1;     // 20001 on fills (-1: absent)
  std::int64_t ratio_permille = -1;  // 20002 on fills (-1: absent)
  int ord_rej_reason = -1;        // 103 on rejects (-1: absent)
  std::string text;               // 58
  std::int64_t transact_time = 0; // 60 ns (not sent when 0)
  std::string mass_status_req_id;   // 584, on answers to AF ("" = absent)
  int tot_num_reports = -1;         // 911 on answers to AF (-1 = absent)
  bool last_rpt_requested = false;  // 912 'Y' on the last answer to AF
  std::string trading_session_id;   // 336: the auction of a bid's reports ("" = absent)
};

// OrderMassCancelReport(r), the answer to OrderMassCancelRequest(q), always sent (also when nothing
// was live: affected = 0).
struct MassCancelReport {
  SessionHandle session = 0;
  std::string cl_ord_id;            // 11, the request's ClOrdID
  std::string order_id;             // 37 (FIX requires it; the exchange's id for the request)
  char request_type = '7';          // 530, as requested
  char response = '7';              // 531: '0' rejected, '1' symbol, '7' all
  int reject_reason = -1;           // 532 (-1 absent)
  int affected = 0;                 // 533 TotalAffectedOrders
  std::string text;                 // 58
};

// OrderCancelReject(9).
struct CancelReject {
  SessionHandle session = 0;
  std::string order_id;           // 37; sent as "NONE" when empty (FIX 4.4 requires the field)
  std::string cl_ord_id, orig_cl_ord_id;  // 11, 41
  char ord_status = '8';          // 39
  char response_to = '1';         // 434: '1' cancel, '2' replace
  int reason = 99;                // 102
  std::string text;               // 58
};

// BusinessMessageReject(j).
struct BusinessReject {
  SessionHandle session = 0;
  int ref_seq_num = 0;            // 45 (not sent when 0)
  std::string ref_msg_type;       // 372
  std::string ref_id;             // 379
  int reason = 3;                 // 380
  std::string text;               // 58
};

// MarketDataRequestReject(Y): the answer to a MarketDataRequest the exchange does not serve (an unknown
// symbol, a value we do not support, an MDReqID in use); nothing else is sent for that request.
struct MarketDataReject {
  SessionHandle session = 0;
  std::string md_req_id;          // 262, the request's (required)
  // 281 MDReqRejReason: '0' unknown symbol, '1' duplicate MDReqID, '4' unsupported
  // SubscriptionRequestType, '5' unsupported MarketDepth, '6' unsupported MDUpdateType, '8' unsupported
  // MDEntryType (FIX 4.4's last); 0 = absent, when no FIX 4.4 value fits (Text says).
  char reason = 0;
  std::string text;               // 58
};

// One entry of the NoMDEntries(268) group of W and X.
struct MdEntry {
  char type = '0';                // 269: '0' bid, '1' offer, '2' trade
  char action = '0';              // 279 (X only): '0' new, '1' change, '2' delete
  std::string symbol;             // 55 in X entries (W names its symbol once)
  std::int64_t price = 0, size = 0;  // 270 fen, 271 tonnes
  int position = 0;               // 290 level number from 1 (bids/offers); not sent when 0
  int orders = 0;                 // 346 NumberOfOrders; not sent when 0
  std::string trade_id;           // 278 MDEntryID on trade entries (X only: W carries no trades)
  std::int64_t time = 0;          // ns UTC, as MDEntryDate(272) + MDEntryTime(273) to the millisecond;
                                  // not sent when 0
  std::string trading_session_id;  // 336 (W only): the auction of a ranking's bid entries
};

// MarketDataSnapshotFullRefresh(W) and MarketDataIncrementalRefresh(X).
struct MarketDataSnapshot {
  SessionHandle session = 0;
  std::string md_req_id, symbol;  // 262, 55
  std::vector<MdEntry> entries;
};
struct MarketDataIncremental {
  SessionHandle session = 0;
  std::string md_req_id;          // 262
  std::vector<MdEntry> entries;
};

// One instrument of a SecurityList(y). On the wire the answer is one message per instrument (FIX 4.4
// fragments: TotNoRelatedSym(393) = the count, LastFragment(893) = Y on the last; one message with no
// entry when nothing matched), so that our fields can sit in the message body, outside the
// NoRelatedSym(146) group, where a stock FIX 4.4 dictionary's parser keeps them instead of ending the
// group (and losing the instruments after the first). The Acceptor splits, the Initiator joins:
// ClientHandler::on_security_list gets the whole list once.
struct SecurityEntry {
  std::string symbol, description;  // 55, 107 (e.g. "steel, ironmaking capacity") in the group
  std::int64_t lot = 0;             // 561 RoundLot (in `unit`) in the group
  std::string unit;                 // 20014 QtyUnit in the body: what quantities of `symbol` count ("t",
                                    // "weight box"); "" = absent
  std::int64_t tick = 0;            // 20006 TickSize (fen) in the body
  std::int64_t reference = 0, low = 0, high = 0;  // 20005, 20003, 20004 (fen) in the body
  int trading_status = 17;          // 20007 TradingStatus, FIX 326's values: 17 ready to trade, 2
                                    // halted, 18 not available (closed), 21 pre-open, in the body
  // 336 in the group: set, the entry is an announced auction of instrument `symbol` (its id), with
  // tick = the increment and low = the reserve; reference and high are then 0 and not sent.
  std::string trading_session_id;
};
struct SecurityList {               // y: 320, 322, 560
  SessionHandle session = 0;
  std::string security_req_id, response_id;
  int result = 0;
  std::vector<SecurityEntry> securities;
};

// TradeCaptureReportAck(AR), the answer to every TradeCaptureReport(AE) a client sends.
struct TradeCaptureReportAck {
  SessionHandle session = 0;
  std::string trade_report_id;      // 571, the request's (required)
  std::string block_id;             // 572 TradeReportRefID: the block's id ("" when none)
  int trans_type = -1, report_type = -1, trd_type = -1;  // 487, 856, 828, as requested (-1: absent)
  char exec_type = '0';             // 150: '0' proposed, 'F' traded, '4' declined/withdrawn, '8' rejected
  int status = 0;                   // 939 TrdRptStatus: 0 accepted, 1 rejected
  int reject_reason = -1;           // 751 on a rejection: 1 party, 2 instrument, 4 trade type, 99 other
  std::string symbol;               // 55 ("" when absent)
  std::int64_t transact_time = 0;   // 60 (0: absent)
  std::string text;                 // 58: why, on a rejection
};

// TradeCaptureReportRequestAck(AQ): after the TradeCaptureReports answering a request, how many.
struct TradeCaptureReportRequestAck {
  SessionHandle session = 0;
  std::string trade_request_id;     // 568 (required)
  int request_type = 2;             // 569, as requested
  int tot_num_trade_reports = 0;    // 748
  int result = 0;                   // 749 TradeRequestResult: 0 successful, 8 type not supported
  int status = 1;                   // 750 TradeRequestStatus: 1 completed, 2 rejected
  std::string text;                 // 58
};

// TradingSessionStatus(h): an auction's state (DESIGN.md, FIX dialect, "Auctions"), unsolicited to
// every session when it is announced, opens, ends or is canceled, and in answer to a
// TradingSessionStatusRequest. Ints are -1 and prices 0 when absent.
struct TradingSessionStatus {
  SessionHandle session = 0;
  std::string request_id;           // 335, on answers ("" = absent)
  std::string trading_session_id;   // 336: the auction's id (required; "NONE" with status 6 when a request
                                    // for all finds no announced auction)
  bool unsolicited = false;         // 325
  int status = 0;                   // 340: 4 pre-open (announced, bids not yet taken), 2 open, 3 closed
                                    // (ended or canceled), 6 request rejected
  int reject_reason = -1;           // 567 with status 6: 1 unknown auction, 99 other
  std::int64_t start_time = 0;      // 341 the window's opening, ns UTC (0: absent)
  std::int64_t end_time = 0;        // 345 the window's end
  std::int64_t total_volume = -1;   // 387 sold, tonnes, once closed
  std::string text;                 // 58: the exchange's sentence
  std::string symbol;               // 20008
  std::int64_t qty = 0;             // 20009 the lot
  std::int64_t reserve = 0;         // 20010
  std::int64_t increment = 0;       // 20011
  int pricing = -1;                 // 20012: 1 pay-as-bid, 2 uniform
  std::int64_t clearing_px = 0;     // 20013, once sold
};

// A session-level Reject(3) received by a client.
struct SessionReject {
  int ref_seq_num = 0;              // 45
  int ref_tag_id = 0;               // 371 (0: absent)
  std::string ref_msg_type;         // 372
  int reason = -1;                  // 373 SessionRejectReason (-1: absent)
  std::string text;                 // 58
};

// ---- the exchange side --------------------------------------------------------------------------------

// Implemented by the exchange (C++20). Called on QuickFIX threads, possibly concurrently for different
// sessions: implementations must be thread-safe and quick (they push into a queue), and must not throw
// (an exception is caught: a logon is then refused, a request answered with BusinessReject reason 0).
class Handler {
 public:
  virtual ~Handler() = default;
  // "" accepts the logon; anything else refuses it with a Logout whose Text(58) is that string (and no
  // on_logout follows). Username(553)/Password(554) are "" when absent; `address` is the IPv4 address the
  // connection came from ("" when unknown), for throttling failed logons per address.
  virtual std::string on_logon(SessionHandle session, const std::string& username, const std::string& password,
                               const std::string& address) = 0;
  // Once for every accepted logon, when that session ends (Logout, lost connection, stop()).
  virtual void on_logout(SessionHandle session) = 0;
  // A send() to this session waited AcceptorConfig::send_timeout for room in its connection (the client
  // stopped reading): the acceptor dropped the connection, and on_logout follows. On the sending thread.
  virtual void on_stalled(SessionHandle session) = 0;
  // The acceptor itself refused a logon before on_logon (its client certificate is not the session's:
  // client_tls_subjects); `reason` is the Logout's Text. On the connection's thread.
  virtual void on_refused(SessionHandle session, const std::string& reason) = 0;
  // The acceptor dropped a connection for what its peer sent, without an answer or after a Logout
  // saying why: a frame whose header does not parse, a first message that names no session of ours or
  // a session connected already (a Logon is told so: see Acceptor), a session message QuickFIX cannot
  // answer before a Logon (a SequenceReset, a Reject, a message that fails the dictionary check), more
  // than a megabyte without a whole frame, no Logon within AcceptorConfig::logon_timeout; and a
  // connection closed as soon as it was accepted, over max_connections_per_address or max_connections
  // (kNoSession; on the accepting thread). `session` is the session the connection named (kNoSession
  // before it named one; a logged-on session then ends with on_logout as after a lost connection),
  // `peer` "address:port", `reason` what was wrong. On the connection's thread. The exchange keeps
  // serving everyone else; the peer may connect again. Under a flood it is called for every
  // connection: log with a rate limit.
  virtual void on_dropped(SessionHandle session, const std::string& peer, const std::string& reason) {
    (void)session;
    (void)peer;
    (void)reason;
  }
  virtual void on_order(const OrderRequest& request) = 0;
  virtual void on_market_data_request(const MarketDataRequest& request) = 0;
  virtual void on_security_list_request(const SecurityListRequest& request) = 0;
  // Block trades: a TradeCaptureReport(AE) and a TradeCaptureReportRequest(AD), as they came (the
  // Handler answers each, with a TradeCaptureReportAck or a TradeCaptureReportRequestAck).
  virtual void on_trade_capture_report(const TradeCaptureReport& report) = 0;
  virtual void on_trade_capture_request(const TradeCaptureReportRequest& request) = 0;
  // Auctions: a TradingSessionStatusRequest(g), answered with TradingSessionStatus messages. A Handler
  // that runs no auctions may leave it: the request then goes unanswered.
  virtual void on_trading_session_status_request(const TradingSessionStatusRequest& request) { (void)request; }
};

struct AcceptorConfig {
  // The address the acceptor listens on: an IPv4 address (or name) of this machine, or 0.0.0.0 for
  // every one. A connection to the port on another of the machine's addresses is refused by the
  // kernel. An address that is not this machine's is refused by the constructor.
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // required: 0 (any free port) is refused, clients need to know it
  std::string exchange_comp_id = "CRIX";
  std::vector<std::string> client_comp_ids;  // one session per participant; SessionHandle = index
  std::string dictionary_path;         // FIX44-CRIX.xml; "" = default_dictionary_path()
  // "" = no FIX log; else QuickFIX's file logs in that directory: per session
  // FIX.4.4-CRIX-<client>.messages.current.log and .event.current.log, and GLOBAL.event.current.log
  // for what belongs to no session (unknown comp ids), with every Password(554) and NewPassword(925)
  // value written as "***" (masked_log.hpp). A log costs a lock and a write per message.
  std::string log_dir;
  // How long a send() waits for a client that takes nothing from its full connection before the
  // acceptor gives the client up and drops the connection (Handler::on_stalled); a client that reads
  // slowly is waited for up to ten times this. The kernel buffers hundreds of kilobytes per connection
  // first, so only a client that has stopped reading gets here; the bound keeps it from holding up
  // the thread that sends to everyone for long.
  std::chrono::milliseconds send_timeout{200};
  // "" = sessions kept in memory: sequence numbers start at 1 at every Logon (ResetOnLogon=Y), a
  // ResendRequest is answered with a gap fill, and a message for a session not logged on is dropped.
  // Else the path of an LMDB file (created when absent; crixd uses "<ledger>.fix") that keeps every
  // session's sequence numbers and the messages sent to it (gateway/fix/message_store.hpp): a client
  // logging on with ResetSeqNumFlag(141)=N continues its numbers, also after a restart; a message for
  // a session not logged on is numbered and stored; a ResendRequest is answered with the stored
  // messages (PossDupFlag=Y). Sessions never end by the clock (NonStopSession); a Logon with 141=Y
  // starts afresh and drops what was stored. The constructor throws when the file cannot be opened.
  std::string store_path;
  // With store_path: sent messages older than this are deleted (a ResendRequest for them is answered
  // with a gap fill). Two weeks: longer than the market's longest closure (the October holiday with
  // its weekends, nine days), so a participant away over it still gets its reports.
  std::chrono::seconds store_retention{std::chrono::hours(24 * 14)};
  // Against a flood of connections: one that has not logged on this long after connecting is closed
  // (Handler::on_dropped); a connection beyond max_connections_per_address open ones from one IPv4
  // address, or beyond max_connections in all, is closed as soon as it is accepted (on_dropped, on the
  // accepting thread). Keep max_connections below the descriptor limit (each connection holds one).
  std::chrono::milliseconds logon_timeout{10000};
  std::size_t max_connections_per_address = 16;
  std::size_t max_connections = 512;
  // FIX over TLS (tls.hpp: TLS 1.2 or 1.3, ECDHE with AEAD ciphers only): with tls_certificate and
  // tls_key (PEM files) every connection is TLS, handshaken within logon_timeout of its accept; a
  // handshake that fails (a plain client, TLS 1.1, an untrusted client certificate) drops that
  // connection only (Handler::on_dropped, with OpenSSL's reason). With tls_client_ca (PEM) too, a client
  // must present a certificate signed by it (mutual TLS). All "": plain TCP. The constructor throws
  // std::runtime_error when a file cannot be used.
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_client_ca;
  // With tls_client_ca: entry i (client_comp_ids[i]'s) is the subject common name (CN) that client's
  // certificate must carry; a Logon over a connection whose certificate names another (or none) is
  // refused before its password is checked (Handler::on_refused). "" or missing: any certificate the
  // CA signed.
  std::vector<std::string> client_tls_subjects;
};

// A Logon's HeartBtInt(108) must be a whole number within these seconds, else the acceptor refuses it
// at once with a Logout saying so (before the password is checked; Handler::on_refused). 300 s: a dead connection is noticed
// within about 10 minutes (2.4 intervals, QuickFIX's test request and timeout) at the most.
constexpr int kMinHeartBtInt = 1;
constexpr int kMaxHeartBtInt = 300;

// The exchange's FIX acceptor. A client connecting with a SenderCompID that is not in client_comp_ids
// (or another TargetCompID or BeginString) never reaches a session: a Logon is answered with a Logout
// naming the field that is wrong and what to send ("SenderCompID(49) 'X' is not a configured session of
// this exchange: ..."), any other first message with nothing, and the connection closes
// (Handler::on_dropped, and "Session not found for incoming message" in the event log when log_dir is
// set). A second connection for a comp id already connected waits up to five seconds for the first to
// go; then its Logon, if it asks to start afresh (ResetSeqNumFlag(141)=Y), is answered with a Logout
// ("session X is already logged on from another connection: ..."), and the connection closes. Either
// Logout is written on that connection alone, MsgSeqNum(34) 1: no session's numbers or store change, and
// the logged-on connection sees nothing. A Logon that continues its numbers (141=N) is closed without a
// word: QuickFIX's client (Session::nextLogout) counts a Logout at any MsgSeqNum in its own numbers,
// which would then run ahead of the exchange's, and its next logon would fail as "MsgSeqNum too low".
class Acceptor {
 public:
  Acceptor(const AcceptorConfig& config, Handler& handler);  // throws std::runtime_error
  ~Acceptor();                         // stop()s
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Listens on the port. Throws std::runtime_error ("port 9878 on 127.0.0.1 is in use: ..."); a stopped
  // Acceptor cannot be started again (make a new one).
  void start();
  // Logs every session out (Logout, then up to about three seconds for the clients' answers) and closes
  // every connection. Idempotent.
  void stop();

  // Thread-safe, callable from any thread. false when the session is not logged on (nothing sent) or
  // the handle is out of range. true means QuickFIX took the message while the session was logged on; a
  // message sent in the instant the connection drops is lost with it (see OrderStatusRequest above).
  // With AcceptorConfig::store_path, a message for a session not logged on (or whose connection is
  // being dropped) is numbered and stored for the client's ResendRequest, and true is returned.
  // Writes on the calling thread: waits while the client's connection cannot take the message and the
  // client keeps reading. When it takes nothing for AcceptorConfig::send_timeout (or after ten times
  // that in all), the connection is dropped (Handler::on_stalled), false is returned, and sends to
  // that session return false at once until it logs on again (in a hold, a gathered message returns
  // true and the drop comes at the release: see hold()). A Text(58) containing SOH is sent with
  // spaces in its place.
  // Throws std::invalid_argument naming the field when a field FIX requires is empty (ExecReport:
  // order_id, exec_id, symbol; CancelReject: cl_ord_id, orig_cl_ord_id; MassCancelReport: order_id; BusinessReject: ref_msg_type;
  // MarketDataSnapshot: symbol; MarketDataReject: md_req_id; SecurityList: security_req_id, response_id, each symbol; the trade
  // capture messages: trade_report_id, trade_request_id) or a char
  // field is not a printable character: a bug of the caller, and nothing is sent.
  bool send(const ExecReport& report);
  bool send(const CancelReject& reject);
  bool send(const MassCancelReport& report);
  bool send(const BusinessReject& reject);
  bool send(const MarketDataSnapshot& snapshot);
  bool send(const MarketDataIncremental& update);
  bool send(const MarketDataReject& reject);
  bool send(const SecurityList& list);
  bool send(const TradeCaptureReport& report);
  bool send(const TradeCaptureReportAck& ack);
  bool send(const TradeCaptureReportRequestAck& ack);
  bool send(const TradingSessionStatus& status);  // trading_session_id required

  // Sends on this thread between hold() and release() leave together: a session's first message is
  // written at once (a lone report waits for nothing); its later ones are numbered and gathered in
  // memory, and release() stores them (one transaction per session with the durable store) and then
  // writes each session's with one send() where the socket takes it all, so a batch of reports costs
  // a system call and a read per session rather than one per message. A send that must wait for room (see send()) first lets every
  // held session's go, so a slow reader delays no one else's reports; at release() a client that
  // takes nothing for send_timeout is dropped as there (Handler::on_stalled). Under TLS a session's
  // messages are written one by one. Holds nest; the outermost release() lets go. One hold per
  // thread across Acceptors. Use a Held.
  void hold();
  void release();
  // Bytes gathered for the session's connection and not yet written (for tests and diagnostics).
  std::size_t gathered(SessionHandle session) const;
  class Held {
   public:
    explicit Held(Acceptor& acceptor) : acceptor_(acceptor) { acceptor_.hold(); }
    ~Held() { acceptor_.release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    Acceptor& acceptor_;
  };

  // Sends a Logout with Text(58) = reason and disconnects once the client answers (or after QuickFIX's
  // two-second logout timeout). The client may log on again; Handler::on_logon decides (e.g. refuses
  // a suspended participant). Does nothing when the session is not logged on.
  void logout(SessionHandle session, const std::string& reason);
  // True from the completed Logon (QuickFIX's onLogon, just after the exchange's Logon answer has gone
  // out, so a client may see its logon a moment before) until the session ends.
  bool logged_on(SessionHandle session) const;


 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- the client side ----------------------------------------------------------------------------------

// For the `crix order` tool, integration tests and the benchmark. Called on the Initiator's connection
// thread; must be quick and must not throw.
class ClientHandler {
 public:
  virtual ~ClientHandler() = default;
  virtual void on_logon() {}
  // The session ended or a logon attempt failed; text is the Logout's Text(58), "" without a Logout.
  virtual void on_logout(const std::string& text) { (void)text; }
  // Before each message received is handled (an application message's handler below, a session
  // message's), on the same thread: whether it carries PossDupFlag(43)=Y, i.e. was sent before and is
  // resent after a gap (what the exchange kept for the client while it was away comes so, answering
  // the client's ResendRequest at logon).
  virtual void on_resent(bool resent) { (void)resent; }
  virtual void on_exec_report(const ExecReport&) {}
  virtual void on_cancel_reject(const CancelReject&) {}
  virtual void on_mass_cancel_report(const MassCancelReport&) {}
  virtual void on_business_reject(const BusinessReject&) {}
  virtual void on_session_reject(const SessionReject&) {}
  virtual void on_market_data(const MarketDataSnapshot&) {}
  virtual void on_market_data(const MarketDataIncremental&) {}
  // A MarketDataRequest refused. A handler that does not take it hears it as the BusinessMessageReject
  // the exchange sent before it sent Y: RefMsgType V, BusinessRejectRefID = MDReqID, reason 0, the Text.
  virtual void on_market_data_reject(const MarketDataReject& reject) {
    BusinessReject b;
    b.ref_msg_type = "V";
    b.ref_id = reject.md_req_id;
    b.reason = 0;
    b.text = reject.text;
    on_business_reject(b);
  }
  virtual void on_security_list(const SecurityList&) {}
  // Block trades: the exchange's reports (a proposal naming us, a settled or ended block, an answer to
  // our TradeCaptureReportRequest), its answers to our TradeCaptureReports and to the request.
  virtual void on_trade_capture_report(const TradeCaptureReport&) {}
  virtual void on_trade_capture_ack(const TradeCaptureReportAck&) {}
  virtual void on_trade_capture_request_ack(const TradeCaptureReportRequestAck&) {}
  // Auctions: a TradingSessionStatus(h), unsolicited or answering our request.
  virtual void on_trading_session_status(const TradingSessionStatus&) {}
  // A Heartbeat(0) answering our TestRequest (Initiator::probe): its TestReqID(112).
  virtual void on_probe_answered(const std::string& test_req_id) { (void)test_req_id; }
};

struct InitiatorConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // required
  std::string comp_id;                 // the participant's SenderCompID; required
  std::string exchange_comp_id = "CRIX";
  std::string username, password;      // Logon 553/554 (not sent when empty)
  std::string dictionary_path;         // "" = default_dictionary_path()
  // The session's BeginString. Another version than FIX.4.4 is for driving other FIX applications
  // (bench_fix --target quickfix: QuickFIX's ordermatch example speaks FIX.4.2) and needs
  // dictionary_path set to a dictionary of that version; our messages then go out as they are, so
  // each must be valid in it (a FIX 4.2 NewOrderSingle needs OrderRequest::handl_inst).
  std::string begin_string = "FIX.4.4";
  int heartbeat_seconds = 30;          // HeartBtInt(108), > 0
  int reconnect_seconds = 30;          // QuickFIX's ReconnectInterval after a lost or refused connection
  // "" = messages in memory and sequence numbers reset at every Logon (ResetSeqNumFlag=Y), as before;
  // else a directory (created when absent) where QuickFIX's FileStore keeps this client's sequence
  // numbers and sent messages, so that it can log on again continuing them (reset_on_logon false) and
  // the exchange resends what it missed. The session never ends by the clock (NonStopSession). One
  // Initiator at a time per directory and comp id.
  std::string store_dir;
  // With store_dir: true logs on with ResetSeqNumFlag=Y (a fresh start: what the exchange kept for
  // this client is dropped), false continues the stored numbers (a store that has none yet, say a new
  // directory, starts afresh once). Without store_dir always true.
  bool reset_on_logon = true;
  // QuickFIX's ValidateUserDefinedFields. A client whose dictionary lacks our fields 20001-20007 (a
  // stock FIX 4.4 dictionary) sets it false: it then keeps them, as every one is in a message body,
  // never inside a repeating group (tests: the stock-dictionary client).
  bool validate_user_defined_fields = true;
  // FIX over TLS (QuickFIX's ThreadedSSLSocketInitiator with a context from tls.hpp: TLS 1.2+, the
  // exchange's certificate checked against tls_ca, "" = the system's trusted CAs, and against `host`).
  // tls_certificate and tls_key (PEM, both or neither): the client's certificate, for an exchange that
  // asks for one (mutual TLS). A handshake that fails is a failed attempt (last_error() says why).
  // QuickFIX writes to a TLS connection with write(2): start() ignores SIGPIPE in the process, so that
  // a connection the exchange closed ends with an error rather than the process.
  bool tls = false;
  std::string tls_ca;
  std::string tls_certificate;
  std::string tls_key;
};

class Initiator {
 public:
  Initiator(const InitiatorConfig& config, ClientHandler& handler);  // throws std::runtime_error
  ~Initiator();                        // stop()s
  Initiator(const Initiator&) = delete;
  Initiator& operator=(const Initiator&) = delete;

  void start();                        // connects in the background; throws std::runtime_error
  void stop();                         // Logout, wait for the answer (about three seconds at most), close

  // True once logged on (and on_logon has returned); false on timeout or when the attempt since start()
  // (or since the last logon) failed: refused with a Logout (logout_text()), connection refused, or
  // closed by the exchange without an answer (an unknown comp id). last_error() says which.
  bool wait_logged_on(int timeout_ms);
  bool logged_on() const;
  std::string logout_text() const;     // Text(58) of the last Logout received, "" if none
  std::string last_error() const;      // why the last logon attempt failed, "" if it did not

  // Thread-safe. false when not logged on (nothing sent). Throws std::invalid_argument naming an empty
  // required field (cl_ord_id, symbol, orig_cl_ord_id for F and G, md_req_id, security_req_id; no
  // symbols or no entry types in a MarketDataRequest). kMassStatus is sent as AF (cl_ord_id as
  // MassStatusReqID, symbol only with mass_status_type '1').
  bool send(const OrderRequest& request);
  bool send(const MarketDataRequest& request);
  bool send(const SecurityListRequest& request);
  // TradeCaptureReport: trade_report_id required; sent with TrdType(828) 1 unless trd_type is set.
  bool send(const TradeCaptureReport& report);
  bool send(const TradeCaptureReportRequest& request);  // trade_request_id required
  bool send(const TradingSessionStatusRequest& request);  // request_id required
  // A TestRequest(1) with TestReqID(112) = id. The exchange answers it on the session's thread after
  // every message it sent before reading it, so the answer (ClientHandler::on_probe_answered) marks
  // the end of what came before: e.g. the reports of a request whose first report has arrived.
  bool probe(const std::string& id);
  // For tests: an application or session message from "tag=value" fields separated by '|' or SOH, e.g.
  // "35=D|11=A1|55=STEEL|54=1|38=1.5|40=2|60=20250102-01:30:00.000". MsgType(35) is required; the
  // session fills in BeginString, comp ids, MsgSeqNum, SendingTime, BodyLength and CheckSum (so this
  // cannot garble a frame), and tags are written in tag order (no repeating groups). Throws
  // std::invalid_argument on a malformed field list.
  bool send_raw(const std::string& fix_message_body_fields);


 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- the dialect's numbers, for tools and tests -------------------------------------------------------

// "580.05" -> 58005. Accepts digits with an optional '.' and one or two decimals ("580", "580.5",
// "580.05"); refuses a sign, more than two decimals, more than 15 integer digits, anything else.
bool parse_price(const std::string& text, std::int64_t& fen);
// 58000 -> "580.00", 1 -> "0.01", -5 -> "-0.05".
std::string format_price(std::int64_t fen);
// "100" or "100.0" -> 100. Refuses a fractional part, zero, a sign, more than 15 digits.
bool parse_qty(const std::string& text, std::int64_t& tonnes);
// ns since the epoch, UTC -> "YYYYMMDD-HH:MM:SS.sss" (truncated to the millisecond).
std::string format_utc_timestamp(std::int64_t ns);
// "YYYYMMDD-HH:MM:SS" with an optional fraction of 1 to 9 digits -> ns since the epoch.
bool parse_utc_timestamp(const std::string& text, std::int64_t& ns);

// Where FIX44-CRIX.xml is: $CRIX_FIX_DICTIONARY if set; else FIX44-CRIX.xml next to the running
// executable (an installed crixd/crix); else the copy the build puts at the top of the build tree; else
// the source file. "" when none exists.
std::string default_dictionary_path();

}  // namespace fix
}  // namespace crix
