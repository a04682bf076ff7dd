#include "gateway/engine_stage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <utility>
#include <variant>

#include "gateway/fix_values.hpp"
#include "gateway/messages.hpp"
#include "gateway/reports.hpp"
#include "ledger/settlement.hpp"

namespace crix::gateway {

using engine::Command;
using engine::CommandType;
using engine::Event;
using engine::EventType;

namespace {

// The first value of ExecInst(18) `list` (values separated by spaces, FIX 4.4) other than G
// (all-or-none), the one we support; "" when there is none.
std::string unsupported_exec_inst(const std::string& list) {
  std::size_t at = 0;
  while (at < list.size()) {
    const std::size_t end = std::min(list.find(' ', at), list.size());
    if (end > at && (end - at != 1 || list[at] != fixv::exec_inst::kAllOrNone)) return list.substr(at, end - at);
    at = end + 1;
  }
  return "";
}

// The refusal of ExecInst(18) value `value` (unsupported_exec_inst), for an order and a replace alike.
std::string exec_inst_refusal(const std::string& value) {
  return "ExecInst(18) '" + value + "' is not supported: G (all-or-none) or none";
}

// "Price(44) is missing: ..." for a limit order or a bid (`what`) on an instrument counted in `unit` (the
// market file's label: "t" reads "tonne"). FIX 4.4 has no OrdRejReason for it.
std::string missing_price(const std::string& what, const std::string& unit) {
  return "Price(44) is missing: " + what + " in yuan per " + (unit == "t" ? std::string("tonne") : unit);
}

// "1 (GTC)": a TimeInForce(59) value we support other than GTD, with its name; an absent 59 is 0.
std::string tif_text(char tif) {
  switch (tif) {
    case fixv::tif::kDay: return "0 (day)";
    case fixv::tif::kGtc: return "1 (GTC)";
    case fixv::tif::kIoc: return "3 (IOC)";
    case fixv::tif::kFok: return "4 (FOK)";
    default: return std::string(1, tif);
  }
}

}  // namespace

EngineStage::EngineStage(const engine::Market& market, ledger::OpenLedger& ledger,
                         std::function<std::int64_t()> clock, std::atomic<bool>* suspended,
                         const std::atomic<std::uint32_t>* logons)
    : market_(market),
      ledger_(ledger),
      now_(std::move(clock)),
      suspended_(suspended),
      sequencer_(*ledger.exchange, ledger.writer->meta().last_seq, ledger.last_ts),
      orders_(market, *ledger.exchange),
      feed_(market, *ledger.exchange),
      market_data_(market, *ledger.exchange, logons),
      opening_told_(market.auctions.size(), 1) {
  // An announced auction whose window opens later is told at its opening (auctions_opened).
  const auto& auctions = ledger.exchange->auctions();
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    if (auctions[a].state != engine::AuctionState::kAnnounced || auctions[a].opens.v <= last_ts()) continue;
    opening_told_[a] = 0;
    next_opening_ = std::min(next_opening_, auctions[a].opens.v);
  }
}

void EngineStage::on_md_request(const fix::MarketDataRequest& r, std::uint32_t logon, Unit& unit) {
  market_data_.on_md_request(r, logon, unit.out);
}

// The live orders' ClOrdIDs and fills from before a restart (ledger client_orders). A record whose
// order no longer rests is forgotten.
void EngineStage::restore_orders() {
  ledger::Batch stale;
  const std::size_t restored = orders_.restore(ledger_.writer->client_orders(), stale);
  if (!stale.empty()) ledger_.writer->commit(stale);
  if (restored + orders_.ended_today() + orders_.names_kept() + stale.client_orders().size() > 0) {
    spdlog::info("restored the ClOrdIDs of {} resting orders, {} orders ended today and {} requests refused or "
                 "replaced today; forgot {} records of orders no longer resting or of an earlier day",
                 restored, orders_.ended_today(), orders_.names_kept(), stale.client_orders().size());
  }
}

void EngineStage::handle(const Inbound& item, Unit& unit) {
  if (const auto* r = std::get_if<fix::OrderRequest>(&item)) return on_request(*r, unit);
  if (const auto* m = std::get_if<MdRequest>(&item)) return market_data_.on_md_request(m->request, m->logon, unit.out);
  if (const auto* s = std::get_if<fix::SecurityListRequest>(&item)) return on_security_list(*s, unit);
  if (const auto* o = std::get_if<OperatorRequest>(&item)) return on_operator(*o, unit);
  if (const auto* t = std::get_if<fix::TradeCaptureReport>(&item)) return on_trade_capture(*t, unit);
  if (const auto* q = std::get_if<fix::TradeCaptureReportRequest>(&item)) return on_trade_capture_request(*q, unit);
  if (const auto* g = std::get_if<fix::TradingSessionStatusRequest>(&item)) {
    return on_trading_session_status_request(*g, unit);
  }
  Command c;
  c.type = CommandType::kAdvanceTime;
  ++clock_commands_;
  sequence(c, nullptr, unit);
}

bool EngineStage::refuse(const Inbound& item, const std::string& text, std::string_view why, bool all, Unit& unit) {
  if (std::holds_alternative<Timer>(item)) return true;
  if (const auto* o = std::get_if<OperatorRequest>(&item)) {
    http::ActionResult a;
    a.reason = text;
    unit.answers.emplace_back(o->done, std::move(a));
    return true;
  }
  const auto business = [&](fix::SessionHandle session, const char* type, const std::string& id) {
    unit.console.rejects.push_back(why);
    unit.out.emplace_back(business_reject(session, type, id, fixv::business_reject::kOther, text));
    return true;
  };
  if (const auto* m = std::get_if<MdRequest>(&item)) {
    if (!all) return false;
    // As every MarketDataRequest refused: a MarketDataRequestReject, no FIX 4.4 reason for it.
    unit.console.rejects.push_back(why);
    unit.out.emplace_back(market_data_reject(m->request.session, m->request.md_req_id,
                                             fixv::md_req_rej_reason::kNone, text));
    return true;
  }
  if (const auto* l = std::get_if<fix::SecurityListRequest>(&item)) {
    return all && business(l->session, fixv::msg_type::kSecurityListRequest, l->security_req_id);
  }
  if (const auto* q = std::get_if<fix::TradeCaptureReportRequest>(&item)) {
    return all && business(q->session, fixv::msg_type::kTradeCaptureReportRequest, q->trade_request_id);
  }
  if (const auto* g = std::get_if<fix::TradingSessionStatusRequest>(&item)) {
    return all && business(g->session, fixv::msg_type::kTradingSessionStatusRequest, g->request_id);
  }
  if (const auto* t = std::get_if<fix::TradeCaptureReport>(&item)) {
    reject_block(*t, fixv::trade_report::kOther, text, unit, why);
    return true;
  }
  const auto& r = std::get<fix::OrderRequest>(item);
  if (received_before(r)) {  // answered from what is known, as a status request is
    answer_resent(r, unit);
    return true;
  }
  switch (r.kind) {
    case fix::RequestKind::kNew:
      reject_new(r, fixv::ord_rej_reason::kOther, text, unit, why);
      return true;
    case fix::RequestKind::kCancel:
    case fix::RequestKind::kReplace: {
      const auto id = orders_.find(r);
      cancel_reject(r, id ? std::to_string(*id) : r.order_id, fixv::cxl_rej_reason::kOther, text, unit, why);
      return true;
    }
    case fix::RequestKind::kMassCancel: {
      fix::MassCancelReport m;
      m.session = r.session;
      m.cl_ord_id = r.cl_ord_id;
      m.order_id = next_id();
      m.request_type = r.mass_cancel_type;
      m.response = fixv::mass_cancel::kRejected;
      m.reject_reason = fixv::mass_cancel::kOther;
      m.text = text;
      unit.console.rejects.push_back(why);
      unit.out.emplace_back(std::move(m));
      return true;
    }
    case fix::RequestKind::kStatus:
      return all && business(r.session, fixv::msg_type::kNewOrderSingle, r.cl_ord_id);
    case fix::RequestKind::kMassStatus:
      return all && business(r.session, fixv::msg_type::kOrderMassStatusRequest, r.cl_ord_id);
  }
  return false;
}

// An operator's command from the console: sequenced as any, journaled with the operator's name in
// the same batch, answered once that batch is committed.
void EngineStage::on_operator(const OperatorRequest& o, Unit& unit) {
  operator_reason_ = &o.reason;
  const Command c = sequence(o.command, nullptr, unit);
  operator_reason_ = nullptr;
  http::ActionResult r;
  r.ok = true;
  r.seq = c.seq.v;
  for (const Event& e : sink_) {
    if (e.type != EventType::kRejected) continue;
    r.ok = false;
    r.reject_code = std::string(engine::to_string(e.code));
    r.reason = ledger_.exchange->describe(e);
    unit.console.rejects.push_back(engine::to_string(e.code));
    break;
  }
  unit.batch.act(ledger::operator_action(*ledger_.exchange, c, sink_.events(), o.operator_name, o.reason));
  unit.answers.emplace_back(o.done, std::move(r));
}

// Sequences one command through the exchange, settles it into the batch and turns its events into
// messages. `request` is the FIX request behind it (nullptr for the clock and the operator).
// Returns the command as sequenced (seq, time, order id).
engine::Command EngineStage::sequence(Command c, const fix::OrderRequest* request, Unit& unit) {
  c = sequencer_.sequence(c, engine::Timestamp(now_()), sink_, &unit.batch);
  ++commands_;
  bool day_closed = false;
  for (const Event& e : sink_) {
    report(c, request, e, unit);
    day_closed = day_closed || e.type == EventType::kDayClosed;
  }
  if (day_closed) orders_.new_day(request, unit.batch);
  if (c.ts.v >= next_opening_) auctions_opened(c.ts.v, unit);
  orders_.store_touched(unit.batch);
  feed_.end_command(c.seq.v, c.ts.v, unit.console.market);
  market_data_.publish_depth(last_ts(), unit.out);
  console_changes(c, unit);
  return c;
}

// The events of the command just applied that move the console's orders (L3) and participants
// (Published); its market changes (levels, trades, instruments' state) are in unit.console.market.
void EngineStage::console_changes(const Command& c, Unit& unit) const {
  for (const Event& e : sink_) {
    switch (e.type) {
      case EventType::kAccepted:
      case EventType::kFill:
      case EventType::kCanceled:
      case EventType::kExpired:
      case EventType::kReplaced:
      case EventType::kParticipantState:
      case EventType::kDayClosed:
      case EventType::kBlockProposed:
      case EventType::kBlockEnded:
      case EventType::kAuctionAnnounced:
      case EventType::kAuctionBid:
      case EventType::kAuctionBidEnded:
      case EventType::kAuctionEnded:
      case EventType::kRevoked:  // the tape marks the trade revoked
        unit.console.changes.push_back(ConsoleBatch::Change{c.seq.v, c.ts.v, e});
        break;
      default:
        break;
    }
  }
}

std::uint32_t EngineStage::instrument_of(const std::string& symbol) const {
  const auto i = ledger_.exchange->instrument_index(symbol);
  return i ? *i : UINT32_MAX;
}

// ExecID(17) and SecurityResponseID(322): the command's seq and a running count, unique in a process.
std::string EngineStage::next_id() const {
  return std::to_string(sequencer_.last_seq().v) + "-" + std::to_string(++exec_seq_);
}

fix::ExecReport EngineStage::base_report(const OrderInfo& o, std::uint64_t order_id) const {
  return order_report(market_, o, order_id, next_id(), last_ts());
}

void EngineStage::reject_new(const fix::OrderRequest& r, int reason, const std::string& text, Unit& unit,
                             std::string_view why) {
  unit.console.rejects.push_back(why.empty() ? new_reject_key(reason) : why);
  unit.out.emplace_back(rejected_new(r, reason, text, next_id(), last_ts()));
}

void EngineStage::cancel_reject(const fix::OrderRequest& r, const std::string& order_id, int reason,
                                const std::string& text, Unit& unit, std::string_view why, char ord_status) {
  unit.console.rejects.push_back(why.empty() ? cancel_reject_key(reason) : why);
  fix::CancelReject c = rejected_cancel(r, order_id, reason, text);
  // OrdStatus(39) is the order's status now (FIX 4.4): 8 only when the request names no order.
  if (ord_status != 0) {
    c.ord_status = ord_status;
  } else {
    if (const auto id = orders_.find(r)) {
      c.ord_status = orders_.at(*id).cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
    } else if (const auto ended = orders_.find_ended(r)) {
      c.ord_status = orders_.ended(*ended).status;
    }
  }
  unit.out.emplace_back(std::move(c));
}

void EngineStage::on_request(const fix::OrderRequest& r, Unit& unit) {
  switch (r.kind) {
    case fix::RequestKind::kNew: return on_new(r, unit);
    case fix::RequestKind::kCancel:
    case fix::RequestKind::kReplace: return on_cancel_replace(r, unit);
    case fix::RequestKind::kStatus: return on_status(r, unit);
    case fix::RequestKind::kMassCancel: return on_mass_cancel(r, unit);
    case fix::RequestKind::kMassStatus: return on_mass_status(r, unit);
  }
}

// OrderMassCancelRequest(q): the session's live orders (of one symbol with type 1) are canceled,
// each with its ExecutionReport, and an OrderMassCancelReport(r) says how many, also when none.
void EngineStage::on_mass_cancel(const fix::OrderRequest& r, Unit& unit) {
  fix::MassCancelReport m;
  m.session = r.session;
  m.cl_ord_id = r.cl_ord_id;
  m.order_id = next_id();
  m.request_type = r.mass_cancel_type;
  m.response = r.mass_cancel_type;
  if (r.poss_dup && orders_.mass_canceled(r.session, r.cl_ord_id)) {
    // Acted on before (a crash came before its number was stored): acting again would cancel the
    // orders placed since.
    m.text = "ClOrdID(11) '" + r.cl_ord_id + "' was received before (this is a resend, PossDupFlag=Y) and acted "
             "on then: not acted on again (OrderMassStatusRequest lists the session's orders)";
    unit.out.emplace_back(std::move(m));
    return;
  }
  Command c;
  c.type = CommandType::kMassCancel;
  c.participant = engine::ParticipantId(r.session);
  if (r.mass_cancel_type == fixv::mass_cancel::kSymbol) {
    const std::uint32_t i = instrument_of(r.symbol);
    if (i == UINT32_MAX) {
      m.response = fixv::mass_cancel::kRejected;
      m.reject_reason = fixv::mass_cancel::kUnknownSecurity;
      m.text = r.symbol.empty() ? "Symbol(55) is missing: MassCancelRequestType(530) 1 cancels the orders of the "
                                  "Symbol(55) it names; name one, or send 530=7 for all your orders"
                                : "unknown Symbol(55) '" + r.symbol + "'";
      unit.out.emplace_back(std::move(m));
      return;
    }
    c.instrument = engine::InstrumentId(i);
  } else if (r.mass_cancel_type == fixv::mass_cancel::kAll) {
    c.instrument = engine::kAllInstruments;
  } else {
    m.response = fixv::mass_cancel::kRejected;
    m.reject_reason = fixv::mass_cancel::kNotSupported;  // (of this type)
    m.text = std::string("MassCancelRequestType(530) '") + r.mass_cancel_type +
             "' is not supported: 1 (one symbol) or 7 (all orders)";
    unit.out.emplace_back(std::move(m));
    return;
  }
  const Command done = sequence(c, &r, unit);
  if (!r.cl_ord_id.empty()) orders_.keep_mass_cancel(done.seq.v, r.session, r.cl_ord_id, unit.batch);
  for (const Event& e : sink_) {
    if (e.type == EventType::kCanceled && e.participant.v == r.session) ++m.affected;
    if (e.type == EventType::kRejected) {
      m.response = fixv::mass_cancel::kRejected;
      m.reject_reason = fixv::mass_cancel::kOther;
      m.text = ledger_.exchange->describe(e);
    }
  }
  unit.out.emplace_back(std::move(m));
}

// OrderMassStatusRequest(AF): one status report per order of the session today (live, then ended, by
// order id), the last with LastRptRequested; one "no orders" report when there is none.
void EngineStage::on_mass_status(const fix::OrderRequest& r, Unit& unit) {
  std::uint32_t only = UINT32_MAX;
  if (r.mass_status_type == fixv::mass_status::kSymbol) {
    only = instrument_of(r.symbol);
    if (only == UINT32_MAX) {
      unit.out.emplace_back(business_reject(r.session, fixv::msg_type::kOrderMassStatusRequest, r.cl_ord_id, fixv::business_reject::kUnknownSecurity, "unknown Symbol(55) '" + r.symbol + "'"));
      return;
    }
  } else if (r.mass_status_type != fixv::mass_status::kAll) {
    unit.out.emplace_back(business_reject(r.session, fixv::msg_type::kOrderMassStatusRequest, r.cl_ord_id, fixv::business_reject::kOther,
                                          std::string("MassStatusReqType(585) '") + r.mass_status_type +
                                              "' is not supported: 1 (one symbol) or 7 (all orders)"));
    return;
  }
  std::vector<fix::ExecReport> reports;
  std::vector<std::uint64_t> ids;
  for (const auto& [id, o] : orders_.live()) {
    if (o.session == r.session && (only == UINT32_MAX || o.instrument == only)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (const std::uint64_t id : ids) {
    const OrderInfo& o = orders_.at(id);
    fix::ExecReport e = base_report(o, id);
    e.exec_type = fixv::exec_type::kOrderStatus;
    e.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
    reports.push_back(std::move(e));
  }
  for (const std::uint64_t id : orders_.ended_of(r.session, only)) {
    reports.push_back(ended_report(market_, orders_.ended(id), id, next_id(), last_ts()));
  }
  if (reports.empty()) reports.push_back(no_orders_status(r, next_id()));
  for (std::size_t i = 0; i < reports.size(); ++i) {
    reports[i].mass_status_req_id = r.cl_ord_id;
    reports[i].tot_num_reports = reports[0].order_id == "NONE" ? 0 : static_cast<int>(reports.size());
    reports[i].last_rpt_requested = i + 1 == reports.size();
    unit.out.emplace_back(std::move(reports[i]));
  }
}

void EngineStage::on_new(const fix::OrderRequest& r, Unit& unit) {
  if (r.cl_ord_id.empty()) return reject_new(r, fixv::ord_rej_reason::kOther, "ClOrdID(11) is required", unit);
  if (received_before(r)) return answer_resent(r, unit);
  if (!orders_.use_cl_ord_id(r.session, r.cl_ord_id)) {
    return reject_new(r, fixv::ord_rej_reason::kDuplicateOrder, "ClOrdID(11) '" + r.cl_ord_id + "' was used before in this session: every order "
                      "needs a new one", unit);
  }
  if (!r.trading_session_id.empty()) {
    const auto auction = auction_index(r.trading_session_id);
    if (!auction) {
      std::string list;
      for (const auto& a : market_.auctions) list += (list.empty() ? "" : ", ") + a.id;
      return reject_new(r, fixv::ord_rej_reason::kOther,
                        "TradingSessionID(336) '" + r.trading_session_id + "' is no auction of this exchange (auctions: " +
                            (list.empty() ? "none" : list) + "); leave it out for an order in the book",
                        unit);
    }
    return on_bid(r, *auction, unit);
  }
  const std::uint32_t instrument = instrument_of(r.symbol);
  if (instrument == UINT32_MAX) {
    std::string list;
    for (const auto& i : market_.instruments) list += (list.empty() ? "" : ", ") + i.code;
    return reject_new(r, fixv::ord_rej_reason::kUnknownSymbol, "unknown Symbol(55) '" + r.symbol + "' (instruments: " + list + ")", unit);
  }
  if (r.side != fixv::side::kBuy && r.side != fixv::side::kSell) {
    return reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic, "Side(54) must be 1 (buy) or 2 (sell)",
                      unit);
  }
  const bool sell = r.side == fixv::side::kSell;
  const auto account = sell ? ledger_.exchange->facility_index(r.account) : ledger_.exchange->project_index(r.account);
  if (!account) {
    return reject_new(r, fixv::ord_rej_reason::kUnknownAccount,
                      std::string("Account(1) '") + r.account + "' is no registered " +
                          (sell ? "facility: a sell names the facility whose capacity it sells"
                                : "project: a buy names the project it buys capacity for"),
                      unit);
  }
  Command c;
  c.type = CommandType::kNew;
  c.instrument = engine::InstrumentId(instrument);
  c.participant = engine::ParticipantId(r.session);
  c.account = engine::AccountId(*account);
  c.side = sell ? engine::Side::kSell : engine::Side::kBuy;
  if (r.ord_type == fixv::ord_type::kMarket) {
    c.ord_type = engine::OrderType::kMarket;
  } else if (r.ord_type != fixv::ord_type::kLimit) {
    return reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic,
                      std::string("OrdType(40) '") + r.ord_type + "' is not supported: 1 market or 2 limit", unit);
  }
  switch (r.time_in_force) {
    case fixv::tif::kDay: c.tif = engine::TimeInForce::kDay; break;
    case fixv::tif::kGtc: c.tif = engine::TimeInForce::kGtc; break;
    case fixv::tif::kIoc: c.tif = engine::TimeInForce::kIoc; break;
    case fixv::tif::kFok: c.tif = engine::TimeInForce::kFok; break;
    case fixv::tif::kGtd:
      c.tif = engine::TimeInForce::kGtd;
      if (r.expire_time == 0) {
        return reject_new(r, fixv::ord_rej_reason::kOther, "a GTD order needs ExpireTime(126)", unit);
      }
      c.expire_at = engine::Timestamp(r.expire_time);
      break;
    default:
      return reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic,
                        std::string("TimeInForce(59) '") + r.time_in_force +
                            "' is not supported: 0 day, 1 GTC, 3 IOC, 4 FOK or 6 GTD",
                        unit);
  }
  if (c.tif != engine::TimeInForce::kGtd && (r.sent & fix::OrderRequest::kSentExpireTime) != 0) {
    return reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic,
                      "ExpireTime(126) applies to TimeInForce(59) 6 (GTD) only, and this order's is " +
                          tif_text(r.time_in_force) + ": send 59=6 with it, or leave 126 out",
                      unit);
  }
  if (const std::string value = unsupported_exec_inst(r.exec_inst); !value.empty()) {
    return reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic, exec_inst_refusal(value), unit);
  }
  if (r.ord_type == fixv::ord_type::kLimit && r.price == 0) {
    // (The engine would refuse price 0 as out of range, in fen; the client left the field out.)
    return reject_new(r, fixv::ord_rej_reason::kOther,
                      missing_price("a limit order needs a price", market_.instruments[instrument].unit), unit);
  }
  if (r.all_or_none) c.flags = engine::kFlagAllOrNone;
  c.price = engine::Price(r.price);
  c.qty = engine::Qty(r.qty);
  OrderInfo info;
  info.session = r.session;
  info.instrument = instrument;
  info.cl_ord_id = r.cl_ord_id;
  info.account = r.account;
  info.side = r.side;
  info.ord_type = r.ord_type;
  info.tif = r.time_in_force;
  info.price = r.price;
  info.qty = r.qty;
  pending_ = std::move(info);
  sequence(c, &r, unit);
  pending_.reset();
}

void EngineStage::on_cancel_replace(const fix::OrderRequest& r, Unit& unit) {
  const bool replace = r.kind == fix::RequestKind::kReplace;
  if (received_before(r)) return answer_resent(r, unit);
  const auto id = orders_.find(r);
  if (!id) {
    return cancel_reject(r, r.order_id, fixv::cxl_rej_reason::kUnknownOrder,
                         "no live order " + (r.order_id.empty() ? "with OrigClOrdID(41) '" + r.orig_cl_ord_id + "'"
                                                                : "with OrderID(37) " + r.order_id) +
                             " of this session: it was filled, canceled or never accepted",
                         unit);
  }
  const OrderInfo& o = orders_.at(*id);
  const std::string order = "order " + std::to_string(*id);
  // OrderID(37) found the order; OrigClOrdID(41), when given too, must be that order's ClOrdID:
  // acting on one of two orders the client named would be a guess (FIX 4.4 identifies the order by
  // 41; 37 only helps). An order adopted after a restart without its ClOrdID record has its OrderID
  // as ClOrdID (Orders), so this holds for it too.
  if (!r.order_id.empty() && !r.orig_cl_ord_id.empty() && o.cl_ord_id != r.orig_cl_ord_id) {
    fix::OrderRequest by_name = r;
    by_name.order_id.clear();
    const auto other = orders_.find(by_name);
    return cancel_reject(r, r.order_id, fixv::cxl_rej_reason::kUnknownOrder,
                         "OrderID(37) " + r.order_id + " is the order with ClOrdID '" + o.cl_ord_id +
                             "', but OrigClOrdID(41) '" + r.orig_cl_ord_id + "' names " +
                             (other ? "order " + std::to_string(*other) : std::string("no live order of this session")) +
                             ": send the order's own OrderID and current ClOrdID, or OrigClOrdID alone",
                         unit, {}, fixv::ord_status::kRejected);
  }
  // Side and Symbol identify the order with its ClOrdID (FIX 4.4): a request naming others is not
  // about this order.
  const std::string& code = market_.instruments[o.instrument].code;
  if (r.side != o.side || r.symbol != code) {
    const bool side = r.side != o.side;
    return cancel_reject(r, std::to_string(*id), fixv::cxl_rej_reason::kOther,
                         (side ? "Side(54) " + std::string(1, r.side) + " is not " + order + "'s side " +
                                     std::string(1, o.side) + (o.side == fixv::side::kSell ? " (sell)" : " (buy)")
                               : "Symbol(55) '" + r.symbol + "' is not " + order + "'s symbol " + code) +
                             ": a " + (replace ? "replace" : "cancel") + " names the order's own Side(54) and Symbol(55)",
                         unit);
  }
  if (replace) {
    // As for a new order (on_new); a value the order would ignore is refused rather than dropped.
    if (const std::string value = unsupported_exec_inst(r.exec_inst); !value.empty()) {
      return cancel_reject(r, std::to_string(*id), fixv::cxl_rej_reason::kOther, exec_inst_refusal(value), unit);
    }
    if (const std::string field = unamendable(r, o, *id); !field.empty()) {
      return cancel_reject(r, std::to_string(*id), fixv::cxl_rej_reason::kOther,
                           field + " differs from " + order + "'s: a replace changes only Price(44) and OrderQty(38); "
                                   "to change anything else, cancel the order and send a new one",
                           unit);
    }
  }
  if (replace && !orders_.use_cl_ord_id(r.session, r.cl_ord_id)) {
    return cancel_reject(r, std::to_string(*id), fixv::cxl_rej_reason::kDuplicateClOrdId,
                         "ClOrdID(11) '" + r.cl_ord_id + "' was used before in this session", unit);
  }
  Command c;
  c.type = replace ? CommandType::kReplace : CommandType::kCancel;
  c.instrument = engine::InstrumentId(o.instrument);
  c.participant = engine::ParticipantId(r.session);
  c.id = engine::OrderId(*id);
  if (replace) {
    c.price = engine::Price(r.price != 0 ? r.price : o.price);
    c.qty = engine::Qty(r.qty);
  }
  sequence(c, &r, unit);
}

// The first field of replace `r` that would change order `id` (`o`) other than by price and quantity,
// as "Field(tag) sent, the order's value" text; "" when there is none. A field the request leaves out
// keeps the order's value (OrderRequest::sent).
std::string EngineStage::unamendable(const fix::OrderRequest& r, const OrderInfo& o, std::uint64_t id) const {
  const engine::Order* live = ledger_.exchange->book().peek(engine::OrderId(id));
  if (r.ord_type != o.ord_type) {
    return std::string("OrdType(40) ") + r.ord_type + " (the order's is " + o.ord_type + ")";
  }
  if ((r.sent & fix::OrderRequest::kSentAccount) != 0 && !o.account.empty() && r.account != o.account) {
    return "Account(1) '" + r.account + "' (the order's is '" + o.account + "')";
  }
  if ((r.sent & fix::OrderRequest::kSentTimeInForce) != 0 && r.time_in_force != o.tif) {
    return std::string("TimeInForce(59) ") + r.time_in_force + " (the order's is " + o.tif + ")";
  }
  const bool aon = live != nullptr && (live->flags & engine::kFlagAllOrNone) != 0;
  if ((r.sent & fix::OrderRequest::kSentExecInst) != 0 && r.all_or_none != aon) {
    return std::string("ExecInst(18) ") + (r.all_or_none ? "with" : "without") + " G (the order is " +
           (aon ? "" : "not ") + "all-or-none)";
  }
  const std::int64_t expire = live != nullptr ? live->expire_at.v : 0;
  if ((r.sent & fix::OrderRequest::kSentExpireTime) != 0 && r.expire_time != expire) {
    return "ExpireTime(126) " + utc_timestamp_text(r.expire_time) +
           (expire == 0 ? " (the order has none)" : " (the order's is " + utc_timestamp_text(expire) + ")");
  }
  return "";
}

void EngineStage::on_status(const fix::OrderRequest& r, Unit& unit) { unit.out.emplace_back(status_of(r)); }

fix::ExecReport EngineStage::status_of(const fix::OrderRequest& r, std::string unknown) {
  const auto id = orders_.find(r);
  if (!id) {
    if (const auto ended = orders_.find_ended(r)) {
      return ended_report(market_, orders_.ended(*ended), *ended, next_id(), last_ts());
    }
    fix::ExecReport e = unknown_order_status(r, next_id());
    if (!unknown.empty()) e.text = std::move(unknown);
    return e;
  }
  const OrderInfo& o = orders_.at(*id);
  fix::ExecReport e = base_report(o, *id);
  e.exec_type = fixv::exec_type::kOrderStatus;
  e.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
  return e;
}

bool EngineStage::received_before(const fix::OrderRequest& r) const {
  if (!r.poss_dup) return false;
  switch (r.kind) {
    case fix::RequestKind::kNew:
    case fix::RequestKind::kReplace: return orders_.taken(r.session, r.cl_ord_id);
    case fix::RequestKind::kCancel: return orders_.ended_by_cancel(r.session, r.cl_ord_id);
    default: return false;
  }
}

void EngineStage::answer_resent(const fix::OrderRequest& r, Unit& unit) {
  fix::OrderRequest status;
  status.kind = fix::RequestKind::kStatus;
  status.session = r.session;
  status.cl_ord_id = r.cl_ord_id;
  status.symbol = r.symbol;
  status.side = r.side;
  fix::ExecReport e = status_of(status, "ClOrdID(11) '" + r.cl_ord_id +
                                            "' was received before (this is a resend, PossDupFlag=Y) and names "
                                            "no order now: that request was rejected, or the order was replaced "
                                            "since (OrderMassStatusRequest lists the session's orders)");
  // The resent request's ClOrdID, for the client to match; the one the order is known by now in 41.
  if (e.cl_ord_id != r.cl_ord_id) e.orig_cl_ord_id = std::exchange(e.cl_ord_id, r.cl_ord_id);
  unit.out.emplace_back(std::move(e));
}

// One event of a sequenced command: the reports it owes, the books it moves.
void EngineStage::report(const Command& c, const fix::OrderRequest* request, const Event& e, Unit& unit) {
  switch (e.type) {
    case EventType::kAccepted: {
      if (!pending_) break;
      OrderInfo& o = orders_.accept(e.order_id.v, *pending_);
      o.price = e.price.v;  // a market order's protection price
      fix::ExecReport r = base_report(o, e.order_id.v);
      r.exec_type = fixv::exec_type::kNew;
      r.ord_status = fixv::ord_status::kNew;
      unit.out.emplace_back(std::move(r));
      break;
    }
    case EventType::kRejected: {
      const std::string text = ledger_.exchange->describe(e);
      if (block_request_) {
        break;  // on_trade_capture answers it
      } else if (request == nullptr) {
        spdlog::warn("seq {}: {} refused: {}", c.seq.v, engine::to_string(c.type), text);
      } else if (c.type == CommandType::kNew || c.type == CommandType::kAuctionBid) {
        orders_.keep_taken(c.seq.v, request->session, request->cl_ord_id, unit.batch);
        reject_new(*request, ord_rej_reason(e), text, unit, engine::to_string(e.code));
      } else if (c.type == CommandType::kCancel || c.type == CommandType::kReplace) {
        if (c.type == CommandType::kReplace) {
          orders_.keep_taken(c.seq.v, request->session, request->cl_ord_id, unit.batch);
        }
        cancel_reject(*request, std::to_string(c.id.v), e.code == engine::RejectCode::kUnknownOrder ? fixv::cxl_rej_reason::kUnknownOrder : fixv::cxl_rej_reason::kOther,
                      text,
                      unit, engine::to_string(e.code));
      } else {
        unit.console.rejects.push_back(engine::to_string(e.code));
      }
      break;
    }
    case EventType::kFill: {
      ++unit.trades;
      unit.fills.push_back(e);
      if (e.mode == engine::TradeMode::kBook) {
        fill_report(e.order_id.v, e, true, unit);
        fill_report(e.maker_id.v, e, false, unit);
      } else {
        spdlog::info("{}", ledger_.exchange->describe(e));
        if (e.mode == engine::TradeMode::kBlock) block_events(e, unit);
        if (e.mode == engine::TradeMode::kAuction) auction_events(c, request, e, unit);
      }
      market_data_.publish_trade(feed_.trade(e, unit.console.market), last_ts(), unit.out);
      break;
    }
    case EventType::kCanceled:
    case EventType::kExpired: {
      OrderInfo& o = orders_.info_of(e.order_id.v, e.participant, e.account, e.side, e.instrument, e.qty.v);
      fix::ExecReport r = base_report(o, e.order_id.v);
      r.exec_type = e.type == EventType::kExpired ? fixv::exec_type::kExpired : fixv::exec_type::kCanceled;
      r.ord_status = r.exec_type;
      r.leaves_qty = 0;
      if (e.type == EventType::kCanceled) {
        if (e.reason == engine::CancelReason::kRequested && request != nullptr &&
            request->kind == fix::RequestKind::kCancel) {
          r.orig_cl_ord_id = o.cl_ord_id;
          r.cl_ord_id = request->cl_ord_id;
        }
        r.text = std::string(engine::to_string(e.reason));
      }
      const char status = r.ord_status;
      const std::string last_cl_ord_id = r.cl_ord_id;  // a cancel request's, when one ended it
      unit.out.emplace_back(std::move(r));
      // Canceled by a request: a status request may name the cancel's ClOrdID, the order's last.
      orders_.forget(e.order_id.v, status, unit.batch, last_cl_ord_id);  // `o` is gone
      break;
    }
    case EventType::kReplaced: {
      OrderInfo& o = orders_.info_of(e.order_id.v, e.participant, e.account, e.side, e.instrument, e.qty.v);
      const std::string old = o.cl_ord_id;
      if (request != nullptr && request->kind == fix::RequestKind::kReplace) {
        orders_.rename(e.order_id.v, request->cl_ord_id);
        orders_.keep_taken(c.seq.v, o.session, old, unit.batch);  // still taken, naming no order now
      }
      o.price = e.price.v;
      o.qty = e.qty.v;
      orders_.touch(e.order_id.v);
      fix::ExecReport r = base_report(o, e.order_id.v);
      r.exec_type = fixv::exec_type::kReplaced;
      r.ord_status = o.cum_qty > 0 ? fixv::ord_status::kPartiallyFilled : fixv::ord_status::kNew;
      r.orig_cl_ord_id = old;
      unit.out.emplace_back(std::move(r));
      break;
    }
    case EventType::kLevel:
      market_data_.publish_level(feed_.level(e), last_ts(), unit.out);
      break;
    case EventType::kParticipantState:
      suspended_[e.participant.v] = e.arg1 == 1;
      if (e.arg1 == 1) {
        std::string text = "participant " + market_.participants[e.participant.v].id + " is suspended by the exchange";
        if (operator_reason_ != nullptr && !operator_reason_->empty()) text += ": " + *operator_reason_;
        unit.logouts.emplace_back(e.participant.v, std::move(text));
      }
      spdlog::info("participant {} {}", market_.participants[e.participant.v].id,
                   e.arg1 == 1 ? "suspended" : "reinstated");
      break;
    case EventType::kSessionPhase:
      feed_.status_moved();
      spdlog::info("session phase: {}", engine::to_string(static_cast<engine::SessionPhase>(e.arg1)));
      break;
    case EventType::kDayClosed:
    case EventType::kInstrumentState:
      feed_.status_moved();
      spdlog::info("{}", ledger_.exchange->describe(e));
      break;
    case EventType::kRevoked:
    case EventType::kEliminationStatus:
    case EventType::kRegistryChanged:
    case EventType::kRegistered:
      spdlog::info("{}", ledger_.exchange->describe(e));
      break;
    case EventType::kBlockProposed:
    case EventType::kBlockEnded:
      spdlog::info("{}", ledger_.exchange->describe(e));
      block_events(e, unit);
      break;
    case EventType::kAuctionAnnounced:
    case EventType::kAuctionBid:
    case EventType::kAuctionBidEnded:
    case EventType::kAuctionEnded:
      spdlog::info("{}", ledger_.exchange->describe(e));
      auction_events(c, request, e, unit);
      break;
  }
}

void EngineStage::fill_report(std::uint64_t id, const Event& e, bool taker, Unit& unit) {
  const std::int64_t leaves = taker ? e.leaves.v : e.maker_leaves.v;
  OrderInfo& o = orders_.info_of(id, taker ? e.participant : e.maker_participant, taker ? e.account : e.maker_account,
                                 taker ? e.side : engine::opposite(e.side), e.instrument, leaves + e.qty.v);
  if (o.price == 0) o.price = e.price.v;
  o.cum_qty += e.qty.v;
  o.cum_value += Int128{e.price.v} * e.qty.v;
  fix::ExecReport r = base_report(o, id);
  r.leaves_qty = leaves;
  r.exec_type = fixv::exec_type::kTrade;
  r.ord_status = leaves == 0 ? fixv::ord_status::kFilled : fixv::ord_status::kPartiallyFilled;
  r.last_px = e.price.v;
  r.last_qty = e.qty.v;
  r.trade_id = std::to_string(e.trade_id.v);
  r.credited = e.arg1;
  r.ratio_permille = e.arg2;
  unit.out.emplace_back(std::move(r));
  if (leaves == 0) {
    orders_.forget(id, fixv::ord_status::kFilled, unit.batch);
  } else {
    orders_.touch(id);
  }
}

void EngineStage::on_security_list(const fix::SecurityListRequest& r, Unit& unit) {
  unit.out.push_back(security_list(market_, *ledger_.exchange, r, last_ts(), [&] { return next_id(); }));
}

// ---- block trades -------------------------------------------------------------------------------------

namespace {

// A party_report's trade, settled (a block accepted, an auction's allocation to its seller): a new
// Accept with ExecType Trade, the trade's id, and the credited tonnes and ratio of the Fill.
void settled(fix::TradeCaptureReport& t, const Event& e) {
  t.trans_type = fixv::trade_report::kNew;
  t.report_type = fixv::trade_report::kAccept;
  t.exec_type = fixv::exec_type::kTrade;
  t.trade_id = std::to_string(e.trade_id.v);
  t.credited = e.arg1;
  t.ratio_permille = e.arg2;
}

}  // namespace

std::string EngineStage::account_id(engine::Side side, engine::AccountId account) const {
  return side == engine::Side::kSell ? market_.facilities[account.v].id : market_.projects[account.v].id;
}

fix::TradeCaptureReport EngineStage::party_report(std::uint32_t to, const std::string& order_id,
                                                  engine::InstrumentId instrument, engine::Side side,
                                                  const std::string& account, std::uint32_t other,
                                                  std::int64_t price, std::int64_t qty) const {
  fix::TradeCaptureReport t;
  t.session = to;
  t.trade_report_id = next_id();
  t.symbol = market_.instruments[instrument.v].code;
  t.last_qty = qty;
  t.last_px = price;
  t.transact_time = last_ts();
  t.utc_offset_minutes = market_.exchange.utc_offset_minutes;
  t.side = side == engine::Side::kSell ? fixv::side::kSell : fixv::side::kBuy;
  t.order_id = order_id;
  t.account = account;
  t.counterparty = market_.participants[other].id;
  return t;
}

fix::TradeCaptureReport EngineStage::block_report(std::uint32_t to, std::uint64_t block,
                                                  engine::InstrumentId instrument, engine::Side side,
                                                  const std::string& account, std::uint32_t other,
                                                  std::int64_t price, std::int64_t qty) const {
  fix::TradeCaptureReport t = party_report(to, std::to_string(block), instrument, side, account, other, price, qty);
  t.block_id = t.order_id;
  t.trd_type = fixv::trade_report::kBlockTrade;
  return t;
}

// The reports a block's event owes its parties' sessions (a session is its participant): a proposal
// to the counterparty (Alleged), a settled block and a block ended without a trade to both.
void EngineStage::block_events(const Event& e, Unit& unit) {
  const std::uint32_t proposer = e.type == EventType::kFill ? e.maker_participant.v : e.participant.v;
  const std::uint32_t counterparty = e.type == EventType::kFill ? e.participant.v : e.maker_participant.v;
  if (e.type == EventType::kBlockProposed) {
    fix::TradeCaptureReport t = block_report(counterparty, e.order_id.v, e.instrument, engine::opposite(e.side), "",
                                             proposer, e.price.v, e.qty.v);
    t.trans_type = fixv::trade_report::kNew;
    t.report_type = fixv::trade_report::kAlleged;
    t.exec_type = fixv::exec_type::kNew;
    t.text = ledger_.exchange->describe(e);
    unit.out.emplace_back(std::move(t));
    return;
  }
  if (e.type == EventType::kBlockEnded) {
    const std::string text = ledger_.exchange->describe(e);
    for (const bool mine : {true, false}) {
      fix::TradeCaptureReport t =
          block_report(mine ? proposer : counterparty, e.order_id.v, e.instrument, mine ? e.side : engine::opposite(e.side),
                       mine ? account_id(e.side, e.account) : "", mine ? counterparty : proposer, e.price.v, e.qty.v);
      t.trans_type = fixv::trade_report::kCancel;
      if (e.reason == engine::CancelReason::kDeclined) t.report_type = fixv::trade_report::kDecline;
      t.exec_type = fixv::exec_type::kCanceled;
      t.text = text;
      unit.out.emplace_back(std::move(t));
    }
    return;
  }
  // The settled block: the acceptor is the Fill's taker, the proposer its maker.
  for (const bool acceptor : {true, false}) {
    const engine::Side side = acceptor ? e.side : engine::opposite(e.side);
    fix::TradeCaptureReport t =
        block_report(acceptor ? counterparty : proposer, e.order_id.v, e.instrument, side,
                     account_id(side, acceptor ? e.account : e.maker_account), acceptor ? proposer : counterparty,
                     e.price.v, e.qty.v);
    settled(t, e);
    unit.out.emplace_back(std::move(t));
  }
}

void EngineStage::reject_block(const fix::TradeCaptureReport& r, int reason, const std::string& text, Unit& unit,
                               std::string_view why) {
  fix::TradeCaptureReportAck a;
  a.session = r.session;
  a.trade_report_id = r.trade_report_id;
  a.block_id = r.block_id;
  a.trans_type = r.trans_type;
  a.report_type = r.report_type;
  a.trd_type = r.trd_type;
  a.exec_type = fixv::exec_type::kRejected;
  a.status = fixv::trade_report::kRejected;
  a.reject_reason = reason;
  a.symbol = r.symbol;
  a.transact_time = last_ts();
  a.text = text;
  unit.console.rejects.push_back(why);
  unit.out.emplace_back(std::move(a));
}

void EngineStage::on_trade_capture(const fix::TradeCaptureReport& r, Unit& unit) {
  namespace tr = fixv::trade_report;
  if (r.trd_type != tr::kBlockTrade) {
    return reject_block(r, tr::kInvalidTradeType,
                        (r.trd_type < 0 ? std::string("TrdType(828) is missing")
                                        : "TrdType(828) " + std::to_string(r.trd_type) + " is not supported") +
                            ": a TradeCaptureReport to this exchange is a block trade, TrdType 1",
                        unit);
  }
  Command c;
  c.participant = engine::ParticipantId(r.session);
  if (r.trans_type == tr::kCancel) {
    c.type = CommandType::kBlockWithdraw;
  } else if (r.trans_type >= 0 && r.trans_type != tr::kNew) {
    return reject_block(r, tr::kOther,
                        "TradeReportTransType(487) " + std::to_string(r.trans_type) +
                            " is not supported: 0 (new) to propose, accept or decline, 1 (cancel) to withdraw "
                            "your proposal",
                        unit);
  } else if (r.report_type == tr::kSubmit) {
    c.type = CommandType::kBlockPropose;
  } else if (r.report_type == tr::kAccept) {
    c.type = CommandType::kBlockAccept;
  } else if (r.report_type == tr::kDecline) {
    c.type = CommandType::kBlockDecline;
  } else {
    return reject_block(r, tr::kOther,
                        (r.report_type < 0 ? std::string("TradeReportType(856) is missing")
                                           : "TradeReportType(856) " + std::to_string(r.report_type) + " is not supported") +
                            ": 0 (submit) proposes a block, 2 (accept) and 3 (decline) answer one; "
                            "TradeReportTransType(487) 1 (cancel) withdraws your proposal",
                        unit);
  }
  const bool propose = c.type == CommandType::kBlockPropose;
  if (!propose) {
    // Accept, decline, withdraw: the block is the exchange's id, from its report.
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(r.block_id.data(), r.block_id.data() + r.block_id.size(), id);
    if (r.block_id.empty() || error != std::errc() || end != r.block_id.data() + r.block_id.size() || id == 0) {
      return reject_block(r, tr::kOther,
                          r.block_id.empty()
                              ? "TradeReportRefID(572) is missing: name the block by the id of the exchange's report"
                              : "TradeReportRefID(572) '" + r.block_id + "' is no block id: the exchange's ids are numbers",
                          unit);
    }
    c.id = engine::OrderId(id);
    // The engine takes the block's instrument, side, price and quantity from the proposal; one that is
    // not pending goes on as it came, for the engine to refuse (unknown block) and the journal to keep.
    const auto& blocks = ledger_.exchange->blocks();
    const auto found = std::find_if(blocks.begin(), blocks.end(), [&](const auto& b) { return b.id.v == id; });
    if (found == blocks.end()) return sequence_block(c, r, unit);
    c.instrument = found->instrument;
    c.side = found->side;
  } else {
    const std::uint32_t instrument = instrument_of(r.symbol);
    if (instrument == UINT32_MAX) {
      std::string list;
      for (const auto& i : market_.instruments) list += (list.empty() ? "" : ", ") + i.code;
      return reject_block(r, tr::kUnknownInstrument,
                          (r.symbol.empty() ? std::string("Symbol(55) is missing") : "unknown Symbol(55) '" + r.symbol + "'") +
                              " (instruments: " + list + ")",
                          unit, "unknown symbol");
    }
    c.instrument = engine::InstrumentId(instrument);
    if (r.last_qty <= 0) return reject_block(r, tr::kOther, "LastQty(32) is missing: the block's quantity in tonnes", unit);
    if (r.last_px <= 0) return reject_block(r, tr::kOther, "LastPx(31) is missing: the block's price in yuan per tonne", unit);
    c.qty = engine::Qty(r.last_qty);
    c.price = engine::Price(r.last_px);
  }
  if (c.type == CommandType::kBlockPropose || c.type == CommandType::kBlockAccept) {
    // The sender's own side: its Side and its Account (a proposal), or its Account (an acceptance, on
    // the other side of the proposal's).
    if (r.sides != 1) {
      return reject_block(r, tr::kOther,
                          "NoSides(552) has " + std::to_string(r.sides) +
                              " entries: give one, your own side, with Side(54) and Account(1)" +
                              (propose ? " and the counterparty in its NoPartyIDs(453)" : ""),
                          unit);
    }
    if (propose) {
      if (r.side != fixv::side::kBuy && r.side != fixv::side::kSell) {
        return reject_block(r, tr::kOther, "Side(54) must be 1 (buy) or 2 (sell)", unit);
      }
      c.side = r.side == fixv::side::kSell ? engine::Side::kSell : engine::Side::kBuy;
    }
    const bool sell = propose ? c.side == engine::Side::kSell : c.side == engine::Side::kBuy;  // the sender sells
    const auto account = sell ? ledger_.exchange->facility_index(r.account) : ledger_.exchange->project_index(r.account);
    if (!account) {
      return reject_block(r, tr::kOther,
                          std::string("Account(1) '") + r.account + "' is no registered " +
                              (sell ? "facility: the seller of a block names the facility whose capacity it sells"
                                    : "project: the buyer of a block names the project it buys capacity for"),
                          unit);
    }
    c.account = engine::AccountId(*account);
  }
  if (propose) {
    if (r.contra_parties != 1 || r.counterparty.empty()) {
      return reject_block(r, tr::kInvalidParty,
                          r.contra_parties > 1
                              ? std::string("more than one counterparty: a block has one, PartyRole(452) 17")
                              : std::string("no counterparty: name it in the side's NoPartyIDs(453), PartyID(448) = its "
                                            "participant id, PartyRole(452) = 17 (contra firm)"),
                          unit);
    }
    const auto other = ledger_.exchange->participant_index(r.counterparty);
    if (!other) {
      return reject_block(r, tr::kInvalidParty,
                          "PartyID(448) '" + r.counterparty + "' is no participant of this exchange", unit);
    }
    // The counterparty rides in expire_at (engine/command.hpp); the block's id is the command's seq, as
    // an order's is (ledger::Sequencer gives kNew its seq; the next seq is known here, under the lock).
    c.expire_at = engine::Timestamp(static_cast<std::int64_t>(*other));
    c.id = engine::OrderId(sequencer_.last_seq().v + 1);
  }
  sequence_block(c, r, unit);
}

// Sequences block command `c` for `r` and answers it with a TradeCaptureReportAck: accepted, or the
// engine's refusal in its words.
void EngineStage::sequence_block(Command c, const fix::TradeCaptureReport& r, Unit& unit) {
  namespace tr = fixv::trade_report;
  block_request_ = true;
  c = sequence(c, nullptr, unit);
  block_request_ = false;
  const bool propose = c.type == CommandType::kBlockPropose;
  fix::TradeCaptureReportAck a;
  a.session = r.session;
  a.trade_report_id = r.trade_report_id;
  a.block_id = std::to_string(c.id.v);
  a.trans_type = r.trans_type;
  a.report_type = r.report_type;
  a.trd_type = r.trd_type;
  a.symbol = propose ? r.symbol : market_.instruments[c.instrument.v].code;
  a.transact_time = last_ts();
  a.exec_type = propose ? fixv::exec_type::kNew
                        : c.type == CommandType::kBlockAccept ? fixv::exec_type::kTrade : fixv::exec_type::kCanceled;
  for (const Event& e : sink_) {
    if (e.type != EventType::kRejected) continue;
    a.exec_type = fixv::exec_type::kRejected;
    a.status = tr::kRejected;
    a.reject_reason = e.code == engine::RejectCode::kBlockCounterparty ? tr::kInvalidParty
                      : e.code == engine::RejectCode::kUnknownInstrument ? tr::kUnknownInstrument
                                                                          : tr::kOther;
    a.text = ledger_.exchange->describe(e);
    if (propose) a.block_id.clear();  // a refused proposal makes no block
    if (e.code == engine::RejectCode::kUnknownBlock) a.symbol.clear();  // nor names one not pending
    unit.console.rejects.push_back(engine::to_string(e.code));
    break;
  }
  unit.out.emplace_back(std::move(a));
}

// TradeCaptureReportRequest(AD) with TradeRequestType 2: the pending proposals naming the session's
// participant, oldest first, then the Ack with their count.
void EngineStage::on_trade_capture_request(const fix::TradeCaptureReportRequest& r, Unit& unit) {
  namespace tr = fixv::trade_report;
  fix::TradeCaptureReportRequestAck a;
  a.session = r.session;
  a.trade_request_id = r.trade_request_id;
  a.request_type = r.request_type;
  if (r.request_type != tr::kUnmatched) {
    a.result = tr::kRequestTypeNotSupported;
    a.status = tr::kRequestRejected;
    a.text = "TradeRequestType(569) " + std::to_string(r.request_type) +
             " is not supported: 2 (unmatched trades) lists the pending block proposals naming you";
    unit.out.emplace_back(std::move(a));
    return;
  }
  std::vector<fix::TradeCaptureReport> reports;
  for (const engine::BlockProposal& b : ledger_.exchange->blocks()) {
    const bool proposer = b.proposer.v == r.session;
    if (!proposer && b.counterparty.v != r.session) continue;
    fix::TradeCaptureReport t = block_report(r.session, b.id.v, b.instrument, proposer ? b.side : engine::opposite(b.side),
                                             proposer ? account_id(b.side, b.account) : "",
                                             proposer ? b.counterparty.v : b.proposer.v, b.price.v, b.qty.v);
    t.trans_type = tr::kNew;
    t.report_type = proposer ? tr::kSubmit : tr::kAlleged;
    t.exec_type = fixv::exec_type::kNew;
    t.trade_request_id = r.trade_request_id;
    reports.push_back(std::move(t));
  }
  for (std::size_t i = 0; i < reports.size(); ++i) {
    reports[i].tot_num_trade_reports = static_cast<int>(reports.size());
    reports[i].last_rpt_requested = i + 1 == reports.size();
    unit.out.emplace_back(std::move(reports[i]));
  }
  a.result = tr::kRequestSuccessful;
  a.status = tr::kRequestCompleted;
  a.tot_num_trade_reports = static_cast<int>(reports.size());
  unit.out.emplace_back(std::move(a));
}

// ---- auctions -----------------------------------------------------------------------------------------

// TradingSessionStatusRequest(g): the auction it names, or every one announced so far (ended ones too,
// with their results); a status 6 (request rejected) when there is none. Every session gets the
// unsolicited statuses whatever it asks, so SubscriptionRequestType(263) changes nothing.
void EngineStage::on_trading_session_status_request(const fix::TradingSessionStatusRequest& r, Unit& unit) {
  const auto rejected = [&](const std::string& id, int reason, std::string text) {
    fix::TradingSessionStatus t;
    t.session = r.session;
    t.request_id = r.request_id;
    t.trading_session_id = id;
    t.status = fixv::auction::kRequestRejected;
    t.reject_reason = reason;
    t.text = std::move(text);
    unit.out.emplace_back(std::move(t));
  };
  const auto& auctions = ledger_.exchange->auctions();
  std::vector<std::uint32_t> listed;
  if (!r.trading_session_id.empty()) {
    const auto a = auction_index(r.trading_session_id);
    if (!a) {
      std::string list;
      for (const auto& terms : market_.auctions) list += (list.empty() ? "" : ", ") + terms.id;
      return rejected(r.trading_session_id, fixv::auction::kUnknownSession,
                      "TradingSessionID(336) '" + r.trading_session_id + "' is no auction of this exchange (auctions: " +
                          (list.empty() ? "none" : list) + ")");
    }
    if (auctions[*a].state == engine::AuctionState::kConfigured) {
      return rejected(r.trading_session_id, fixv::auction::kOtherReason,
                      "auction " + r.trading_session_id + " has not been announced");
    }
    listed.push_back(*a);
  } else {
    for (std::uint32_t a = 0; a < auctions.size(); ++a) {
      if (auctions[a].state != engine::AuctionState::kConfigured) listed.push_back(a);
    }
    if (listed.empty()) return rejected("NONE", fixv::auction::kOtherReason, "no auction has been announced");
  }
  for (const std::uint32_t a : listed) {
    fix::TradingSessionStatus t = auction_status(a, r.session, "");
    t.request_id = r.request_id;
    unit.out.emplace_back(std::move(t));
  }
}

bool EngineStage::auction_due(std::int64_t now) const {
  for (const engine::AuctionStatus& s : ledger_.exchange->auctions()) {
    if (s.state == engine::AuctionState::kAnnounced && s.closes.v <= now) return true;
  }
  return false;
}

bool EngineStage::expiry_due(std::int64_t now) { return ledger_.exchange->next_expiry().v <= now; }

std::optional<std::uint32_t> EngineStage::auction_index(const std::string& id) const {
  for (std::uint32_t a = 0; a < market_.auctions.size(); ++a) {
    if (market_.auctions[a].id == id) return a;
  }
  return std::nullopt;
}

// NewOrderSingle with TradingSessionID = auction `a`: a bid (kAuctionBid) for the project in Account.
void EngineStage::on_bid(const fix::OrderRequest& r, std::uint32_t a, Unit& unit) {
  const engine::AuctionTerms& terms = market_.auctions[a];
  // What a bid does not take, a Side, OrdType, TimeInForce or ExecInst(18) value a book order may
  // have, or an ExpireTime(126): FIX 4.4's "unsupported order characteristic".
  const auto unsupported = [&](const std::string& text) {
    reject_new(r, fixv::ord_rej_reason::kUnsupportedOrderCharacteristic, text, unit);
  };
  if (r.symbol != terms.instrument) {
    return reject_new(r, fixv::ord_rej_reason::kUnknownSymbol,
                      "Symbol(55) '" + r.symbol + "' is not the instrument of auction " + terms.id + ": its lot is " +
                          terms.instrument,
                      unit);
  }
  if (r.side != fixv::side::kBuy) return unsupported("Side(54) must be 1 (buy): the bids of an auction buy its lot");
  if (r.ord_type != fixv::ord_type::kLimit) return unsupported("OrdType(40) must be 2 (limit): a bid names its price");
  if (r.time_in_force != fixv::tif::kDay && r.time_in_force != fixv::tif::kGtc) {
    return unsupported(std::string("TimeInForce(59) '") + r.time_in_force +
                       "' is not for a bid: a bid lasts until the auction's window ends (leave it out, or 0 or 1)");
  }
  if ((r.sent & fix::OrderRequest::kSentExpireTime) != 0) {
    return unsupported("ExpireTime(126) is not for a bid: a bid lasts until the auction's window ends; leave it out");
  }
  if (r.all_or_none) {
    return unsupported(
        "ExecInst(18) G (all-or-none) is not for a bid: the allocation may give a bid part of its quantity");
  }
  if (const std::string value = unsupported_exec_inst(r.exec_inst); !value.empty()) {
    return unsupported("ExecInst(18) '" + value + "' is not supported, and a bid takes none: leave it out");
  }
  if (r.price <= 0) {
    const std::uint32_t instrument = *ledger_.exchange->instrument_index(terms.instrument);
    return reject_new(r, fixv::ord_rej_reason::kOther,
                      missing_price("a bid's price", market_.instruments[instrument].unit), unit);
  }
  const auto project = ledger_.exchange->project_index(r.account);
  if (!project) {
    return reject_new(r, fixv::ord_rej_reason::kUnknownAccount,
                      "Account(1) '" + r.account + "' is no registered project: a bid names the project it buys capacity for",
                      unit);
  }
  Command c;
  c.type = CommandType::kAuctionBid;
  c.instrument = engine::InstrumentId(*ledger_.exchange->instrument_index(terms.instrument));
  c.participant = engine::ParticipantId(r.session);
  c.account = engine::AccountId(*project);
  c.side = engine::Side::kBuy;
  c.price = engine::Price(r.price);
  c.qty = engine::Qty(r.qty);
  // The bid's id is the command's seq, as an order's (ledger::Sequencer gives kNew its seq only); the
  // auction rides in expire_at (engine/command.hpp, auction_of()).
  c.id = engine::OrderId(sequencer_.last_seq().v + 1);
  c.expire_at = engine::Timestamp(static_cast<std::int64_t>(a));
  OrderInfo info;
  info.session = r.session;
  info.instrument = c.instrument.v;
  info.cl_ord_id = r.cl_ord_id;
  info.account = r.account;
  info.side = r.side;
  info.ord_type = r.ord_type;
  info.tif = r.time_in_force;
  info.price = r.price;
  info.qty = r.qty;
  info.auction = a;
  pending_ = std::move(info);
  sequence(c, &r, unit);
  pending_.reset();
}

fix::TradingSessionStatus EngineStage::auction_status(std::uint32_t a, std::uint32_t to, std::string text) const {
  const engine::AuctionTerms& terms = market_.auctions[a];
  const engine::AuctionStatus& s = ledger_.exchange->auctions()[a];
  fix::TradingSessionStatus t;
  t.session = to;
  t.trading_session_id = terms.id;
  t.symbol = terms.instrument;
  t.qty = terms.qty;
  t.reserve = terms.reserve_price;
  t.increment = terms.increment;
  t.pricing = terms.pricing == engine::AuctionPricing::kUniform ? fixv::auction::kUniform : fixv::auction::kPayAsBid;
  t.start_time = s.opens.v;
  t.end_time = s.closes.v;
  if (s.state == engine::AuctionState::kAnnounced) {
    t.status = last_ts() >= s.opens.v ? fixv::auction::kOpen : fixv::auction::kPreOpen;
  } else {
    t.status = fixv::auction::kClosed;
    t.total_volume = s.sold.v;
    t.clearing_px = s.price.v;
  }
  if (text.empty()) {
    text = "auction " + terms.id + " (" + terms.instrument + ") is " + std::string(engine::to_string(s.state));
    if (s.state == engine::AuctionState::kAnnounced) text += " with " + std::to_string(s.bids.size()) + " bids";
  }
  t.text = std::move(text);
  return t;
}

// An auction's state to every participant's session: the public's view of it (a session not logged on
// gets it with what it missed when it continues its numbers, as any report).
void EngineStage::broadcast_status(std::uint32_t a, const std::string& text, Unit& unit) {
  for (std::uint32_t p = 0; p < market_.participants.size(); ++p) {
    fix::TradingSessionStatus t = auction_status(a, p, text);
    t.unsolicited = true;
    unit.out.emplace_back(std::move(t));
  }
}

void EngineStage::auctions_opened(std::int64_t now, Unit& unit) {
  next_opening_ = INT64_MAX;
  const auto& auctions = ledger_.exchange->auctions();
  for (std::uint32_t a = 0; a < auctions.size(); ++a) {
    if (opening_told_[a] != 0) continue;
    if (auctions[a].state != engine::AuctionState::kAnnounced) {
      opening_told_[a] = 1;  // ended or canceled before it opened: its end was told
    } else if (auctions[a].opens.v <= now) {
      opening_told_[a] = 1;
      broadcast_status(a, "auction " + market_.auctions[a].id + " (" + market_.auctions[a].instrument + ") is open for bids", unit);
    } else {
      next_opening_ = std::min(next_opening_, auctions[a].opens.v);
    }
  }
}

// What an auction's event owes the sessions: its announcement and end to everyone (TradingSessionStatus),
// a bid's acceptance or raise, its allocations and its end to the bidder (ExecutionReports), an
// allocation to the seller (a TradeCaptureReport: it has no order).
void EngineStage::auction_events(const Command& c, const fix::OrderRequest* request, const Event& e, Unit& unit) {
  const std::uint32_t a = e.count;
  switch (e.type) {
    case EventType::kAuctionAnnounced: {
      const bool open = c.ts.v >= e.arg1;
      opening_told_[a] = open ? 1 : 0;
      if (!open) next_opening_ = std::min(next_opening_, e.arg1);
      broadcast_status(a, ledger_.exchange->describe(e), unit);
      return;
    }
    case EventType::kAuctionEnded:
      broadcast_status(a, ledger_.exchange->describe(e), unit);
      return;
    case EventType::kAuctionBid: {
      if (!pending_ || request == nullptr) return;  // (bids come from FIX only)
      OrderInfo& o = orders_.accept(e.order_id.v, *pending_);
      fix::ExecReport r = base_report(o, e.order_id.v);
      r.ord_status = fixv::ord_status::kNew;
      r.exec_type = fixv::exec_type::kNew;
      if (e.maker_id.v != 0) {
        // A raise: FIX's cancel/replace of the raised bid by this one (its ClOrdID ends, this one carries
        // the bid on: its price, quantity, place in time and reservation).
        OrderInfo& old = orders_.info_of(e.maker_id.v, e.participant, e.account, engine::Side::kBuy, e.instrument, 0);
        r.exec_type = fixv::exec_type::kReplaced;
        r.orig_cl_ord_id = old.cl_ord_id;
        r.text = "raises bid " + std::to_string(e.maker_id.v);
        orders_.forget(e.maker_id.v, fixv::ord_status::kReplaced, unit.batch);
      }
      unit.out.emplace_back(std::move(r));
      return;
    }
    case EventType::kAuctionBidEnded: {
      if (e.leaves.v == 0) return;  // it won all it bid: its last fill said Filled
      OrderInfo& o = orders_.info_of(e.order_id.v, e.participant, e.account, engine::Side::kBuy, e.instrument,
                                     e.qty.v + e.leaves.v);
      o.auction = a;
      fix::ExecReport r = base_report(o, e.order_id.v);
      r.exec_type = e.reason == engine::CancelReason::kAuctionLost ? fixv::exec_type::kExpired : fixv::exec_type::kCanceled;
      r.ord_status = r.exec_type;
      r.leaves_qty = 0;
      r.text = ledger_.exchange->describe(e);
      unit.out.emplace_back(std::move(r));
      orders_.forget(e.order_id.v, r.ord_status, unit.batch);
      return;
    }
    case EventType::kFill: {
      // The bidder's ExecutionReport, as a book fill's.
      OrderInfo& o = orders_.info_of(e.order_id.v, e.participant, e.account, engine::Side::kBuy, e.instrument,
                                     e.leaves.v + e.qty.v);
      o.auction = a;
      fill_report(e.order_id.v, e, true, unit);
      // The seller's TradeCaptureReport, as a settled block's (it has no order: the auction stands for it,
      // as OrderID; not o's id: a filled bid's record is gone).
      fix::TradeCaptureReport t = party_report(e.maker_participant.v, market_.auctions[a].id, e.instrument,
                                               engine::Side::kSell, account_id(engine::Side::kSell, e.maker_account),
                                               e.participant.v, e.price.v, e.qty.v);
      t.trd_type = fixv::auction::kRegularTrade;
      t.trading_session_id = t.order_id;
      settled(t, e);
      unit.out.emplace_back(std::move(t));
      return;
    }
    default:
      return;
  }
}

}  // namespace crix::gateway
