// crix::gateway::EngineStage: what crixd's engine stage does with each inbound item (gateway/pipeline.hpp):
// a FIX request checked and turned into a command, sequenced through the exchange (ledger::Sequencer:
// seq, time, rules, book, settlement into the unit's ledger batch), and its events turned into what
// the unit sends once committed: execution reports, cancel rejects, the operators' answers; its market
// changes derived once (MarketFeed) for FIX market data (MarketData, encoded here) and the console
// (Published, after commit); the console's order and participant changes. It keeps the gateway's side of each order
// (orders.hpp: ClOrdIDs, fills) and writes it to the ledger with the command that changed it.
//
// Thread rules: one thread at a time, under the engine stage's lock (gateway/pipeline.hpp). The
// counters and the suspension flags are atomics, read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/calendar.hpp"
#include "engine/event.hpp"
#include "gateway/fix/fix_api.hpp"
#include "gateway/market_data.hpp"
#include "gateway/market_feed.hpp"
#include "gateway/orders.hpp"
#include "gateway/pipeline.hpp"
#include "ledger/sequencer.hpp"
#include "ledger/settlement.hpp"
#include "ledger/writer.hpp"

namespace crix::gateway {

class EngineStage {
 public:
  // `ledger` is the opened ledger (its exchange, restored; its writer, for the orders' records);
  // `clock` the exchange's time in ns since the epoch; `suspended` and `logons` per participant,
  // shared with the FIX threads (the logon check reads the first, on_logout bumps the second).
  EngineStage(const engine::Market& market, ledger::OpenLedger& ledger, std::function<std::int64_t()> clock,
              std::atomic<bool>* suspended, const std::atomic<std::uint32_t>* logons);

  // The live orders' ClOrdIDs and fills from before a restart (ledger client_orders); a record whose
  // order no longer rests is forgotten (committed at once). Before any request.
  void restore_orders();

  // One inbound item into `unit`.
  void handle(const Inbound& item, Unit& unit);
  void on_request(const fix::OrderRequest& r, Unit& unit);
  void on_md_request(const fix::MarketDataRequest& r, std::uint32_t logon, Unit& unit);
  void on_security_list(const fix::SecurityListRequest& r, Unit& unit);
  // Block trades: a TradeCaptureReport(AE) proposing, accepting, declining or withdrawing a block,
  // answered with a TradeCaptureReportAck(AR); a TradeCaptureReportRequest(AD), answered with a
  // TradeCaptureReport per pending proposal of the session's participant and a
  // TradeCaptureReportRequestAck(AQ).
  void on_trade_capture(const fix::TradeCaptureReport& r, Unit& unit);
  void on_trade_capture_request(const fix::TradeCaptureReportRequest& r, Unit& unit);
  // Auctions: a TradingSessionStatusRequest(g), answered with a TradingSessionStatus(h) for the auction
  // it names, or for every auction announced since crixd's ledger began when it names none.
  void on_trading_session_status_request(const fix::TradingSessionStatusRequest& r, Unit& unit);
  // Refuses an inbound item without sequencing it (the ledger is full or trading stopped: pipeline.hpp):
  // a FIX request gets the reject its kind gets for other refusals (ExecutionReport, CancelReject,
  // OrderMassCancelReport, MarketDataRequestReject, BusinessMessageReject) with `text`, an operator command an ActionResult
  // with it as reason; `why` is the console's reject key. A timer is dropped. False for what journals
  // nothing (market data, security list, order status) when `all` is false: the caller handles it.
  bool refuse(const Inbound& item, const std::string& text, std::string_view why, bool all, Unit& unit);

  engine::SessionPhase phase() const { return ledger_.exchange->phase(); }
  std::uint64_t last_seq() const { return sequencer_.last_seq().v; }
  std::uint64_t commands() const { return commands_.load(); }              // any thread
  std::uint64_t clock_commands() const { return clock_commands_.load(); }  // any thread
  // Whether an announced auction's window has ended by `now` (ns UTC) without a command since to end
  // it: the clock's next tick should come now rather than at the minute.
  bool auction_due(std::int64_t now) const;
  // Whether a resting GTD order's ExpireTime has come (`now`, ns since the epoch): the clock's next
  // tick should come now, so that its ExecutionReport 150=C leaves at its time, not at the minute.
  // Not const: it drops the engine's expiry entries of orders already gone (Engine::next_expiry).
  bool expiry_due(std::int64_t now);

 private:
  void on_operator(const OperatorRequest& o, Unit& unit);
  engine::Command sequence(engine::Command c, const fix::OrderRequest* request, Unit& unit);
  void console_changes(const engine::Command& c, Unit& unit) const;
  std::uint32_t instrument_of(const std::string& symbol) const;
  std::string next_id() const;
  std::int64_t last_ts() const { return sequencer_.last_ts().v; }
  fix::ExecReport base_report(const OrderInfo& o, std::uint64_t order_id) const;
  void reject_new(const fix::OrderRequest& r, int reason, const std::string& text, Unit& unit,
                  std::string_view why = {});
  // OrdStatus(39): `ord_status`, or when 0 the status of the order `r` names (8 when none).
  void cancel_reject(const fix::OrderRequest& r, const std::string& order_id, int reason, const std::string& text,
                     Unit& unit, std::string_view why = {}, char ord_status = 0);
  void on_mass_cancel(const fix::OrderRequest& r, Unit& unit);
  void on_mass_status(const fix::OrderRequest& r, Unit& unit);
  void on_new(const fix::OrderRequest& r, Unit& unit);
  void on_cancel_replace(const fix::OrderRequest& r, Unit& unit);
  std::string unamendable(const fix::OrderRequest& r, const OrderInfo& o, std::uint64_t id) const;
  void on_status(const fix::OrderRequest& r, Unit& unit);
  // The status ExecutionReport(150=I) of the order a status request names; `unknown` is its Text when
  // it names none (else unknown_order_status's).
  fix::ExecReport status_of(const fix::OrderRequest& r, std::string unknown = {});
  // Whether `r`, marked PossDupFlag=Y, was acted on before: a D or G whose ClOrdID the session took
  // today, an F whose ClOrdID ended its order (Orders::ended_by_cancel).
  bool received_before(const fix::OrderRequest& r) const;
  // Such a request: answered with the status of the order its ClOrdID names, never acted on twice.
  void answer_resent(const fix::OrderRequest& r, Unit& unit);
  void report(const engine::Command& c, const fix::OrderRequest* request, const engine::Event& e, Unit& unit);
  void fill_report(std::uint64_t id, const engine::Event& e, bool taker, Unit& unit);
  void reject_block(const fix::TradeCaptureReport& r, int reason, const std::string& text, Unit& unit,
                    std::string_view why = "invalid request");
  // A TradeCaptureReport to `to`, a party with no order on the book (a block's proposer or counterparty,
  // an auction's seller), whose side and account it carries, naming `other`; its side's OrderID(37) is
  // `order_id`, what stands for the order (the block's id, the auction's).
  fix::TradeCaptureReport party_report(std::uint32_t to, const std::string& order_id, engine::InstrumentId instrument,
                                       engine::Side side, const std::string& account, std::uint32_t other,
                                       std::int64_t price, std::int64_t qty) const;
  // A party_report about a block: TrdType 1, the block's id as TradeReportRefID(572) and OrderID.
  fix::TradeCaptureReport block_report(std::uint32_t to, std::uint64_t block, engine::InstrumentId instrument,
                                       engine::Side side, const std::string& account, std::uint32_t other,
                                       std::int64_t price, std::int64_t qty) const;
  void sequence_block(engine::Command c, const fix::TradeCaptureReport& r, Unit& unit);
  void block_events(const engine::Event& e, Unit& unit);
  std::string account_id(engine::Side side, engine::AccountId account) const;
  // Auctions (DESIGN.md, FIX dialect, "Auctions").
  std::optional<std::uint32_t> auction_index(const std::string& id) const;
  void on_bid(const fix::OrderRequest& r, std::uint32_t auction, Unit& unit);
  // Auction `a`'s TradingSessionStatus now, to `to`; `text` "" = a sentence of its state.
  fix::TradingSessionStatus auction_status(std::uint32_t a, std::uint32_t to, std::string text) const;
  void broadcast_status(std::uint32_t a, const std::string& text, Unit& unit);
  void auction_events(const engine::Command& c, const fix::OrderRequest* request, const engine::Event& e, Unit& unit);
  // The auctions whose window opened with the command just sequenced: their status, 2 (open), to all.
  void auctions_opened(std::int64_t now, Unit& unit);

  const engine::Market& market_;
  ledger::OpenLedger& ledger_;
  const std::function<std::int64_t()> now_;
  std::atomic<bool>* suspended_;
  ledger::Sequencer sequencer_;  // next seq, a time that never goes back, apply, settle
  std::atomic<std::uint64_t> commands_{0}, clock_commands_{0};
  mutable std::uint64_t exec_seq_ = 0;
  engine::EventSink sink_;
  std::optional<OrderInfo> pending_;  // the order being entered
  Orders orders_;                                            // live and ended orders, ClOrdIDs
  MarketFeed feed_;                                          // the market changes of each command
  MarketData market_data_;                                   // FIX market data subscriptions
  const std::string* operator_reason_ = nullptr;             // of the operator command being sequenced
  bool block_request_ = false;  // a block command is being sequenced: on_trade_capture answers its reject
  // Per auction: its window's opening was told to the sessions (the announcement did when it opened at
  // once); next_opening_ is the earliest one not yet told (INT64_MAX: none), one comparison a command.
  std::vector<char> opening_told_;
  std::int64_t next_opening_ = INT64_MAX;
};

}  // namespace crix::gateway
