#include "ledger/settlement.hpp"

namespace crix::ledger {

Trade trade_of(const engine::Exchange& exchange, const engine::Command& command, const engine::Event& fill) {
  const bool taker_buys = fill.side == engine::Side::kBuy;
  Trade t;
  t.kind = TradeKind::kTrade;
  t.id = fill.trade_id;
  t.seq = command.seq;
  t.ts = command.ts;
  t.instrument = fill.instrument;
  t.buy_order = taker_buys ? fill.order_id : fill.maker_id;
  t.sell_order = taker_buys ? fill.maker_id : fill.order_id;
  t.buyer = taker_buys ? fill.participant : fill.maker_participant;
  t.seller = taker_buys ? fill.maker_participant : fill.participant;
  t.project = ProjectIndex(static_cast<std::uint32_t>((taker_buys ? fill.account : fill.maker_account).v));
  t.facility = FacilityIndex(static_cast<std::uint32_t>((taker_buys ? fill.maker_account : fill.account).v));
  t.price = fill.price;
  t.qty = fill.qty;
  t.credited = engine::Qty(fill.arg1);
  t.ratio_permille = static_cast<std::uint32_t>(fill.arg2);
  t.ratio_rule = exchange.ratio_rule(t.facility.v, t.project.v).value_or(0);
  return t;
}

void settle(Batch& batch, const engine::Exchange& exchange, const engine::Command& command,
            const engine::EventSink& events, std::size_t from) {
  batch.add(command);
  for (std::size_t i = from; i < events.size(); ++i) {
    const engine::Event& e = events.events()[i];
    if (e.type == engine::EventType::kFill) batch.add(trade_of(exchange, command, e));
  }
}

namespace {

// The fields a replay must reproduce: everything but the hashes, which the writer computed.
std::string difference(const Trade& stored, const Trade& again) {
  Trade a = stored;
  a.prev_hash = {};
  a.hash = {};
  if (a == again) return "";
  const auto field = [](const char* name, auto x, auto y) -> std::string {
    if (x == y) return "";
    return std::string(name) + " stored " + std::to_string(x) + ", replayed " + std::to_string(y);
  };
  for (const std::string& d :
       {field("kind", static_cast<int>(a.kind), static_cast<int>(again.kind)), field("seq", a.seq.v, again.seq.v),
        field("ts", a.ts.v, again.ts.v), field("instrument", a.instrument.v, again.instrument.v),
        field("buy order", a.buy_order.v, again.buy_order.v), field("sell order", a.sell_order.v, again.sell_order.v),
        field("buyer", a.buyer.v, again.buyer.v), field("seller", a.seller.v, again.seller.v),
        field("facility", a.facility.v, again.facility.v), field("project", a.project.v, again.project.v),
        field("price", a.price.v, again.price.v), field("qty", a.qty.v, again.qty.v),
        field("credited", a.credited.v, again.credited.v), field("ratio", a.ratio_permille, again.ratio_permille),
        field("ratio rule", a.ratio_rule, again.ratio_rule)}) {
    if (!d.empty()) return d;
  }
  return "a field differs";
}

}  // namespace

RecoveryReport recover(const Reader& reader, engine::Exchange& exchange) {
  RecoveryReport report;
  const Meta meta = reader.meta();
  engine::EventSink sink;
  engine::Seq next(1);
  constexpr std::size_t kPage = 4096;
  for (;;) {
    const std::vector<engine::Command> page = reader.journal(next, kPage);
    for (const engine::Command& c : page) {
      sink.clear();
      exchange.apply(c, sink);
      ++report.commands;
      for (const engine::Event& e : sink) {
        if (e.type != engine::EventType::kFill) continue;
        const Trade again = trade_of(exchange, c, e);
        const std::optional<Trade> stored = reader.trade(again.id);
        if (!stored) {
          report.mismatch = "replaying command " + std::to_string(c.seq.v) + " produced trade " +
                            std::to_string(again.id.v) + ", which the ledger does not hold";
          return report;
        }
        const std::string d = difference(*stored, again);
        if (!d.empty()) {
          report.mismatch = "trade " + std::to_string(again.id.v) + " (command " + std::to_string(c.seq.v) +
                            ") differs on replay: " + d;
          return report;
        }
        ++report.trades;
      }
      next = engine::Seq(c.seq.v + 1);
    }
    if (page.size() < kPage) break;
  }
  if (report.trades != meta.trade_count) {
    report.mismatch = "the ledger holds " + std::to_string(meta.trade_count) + " trades but replaying its " +
                      std::to_string(report.commands) + " commands produced " + std::to_string(report.trades);
  }
  return report;
}

}  // namespace crix::ledger
