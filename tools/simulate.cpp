#include "tools/simulate.hpp"

#include <map>
#include <string>

#include "engine/exchange.hpp"
#include "engine/money.hpp"
#include "ledger/sequencer.hpp"
#include "ledger/writer.hpp"
#include "tools/market_stream.hpp"

namespace crix::tools {

namespace {

std::int64_t utc_ns(const engine::Market& m, const engine::Date& day, int hour, int minute) {
  return engine::local_time(day, hour, minute, m.exchange.utc_offset_minutes).v;
}

}  // namespace

SimulateSummary simulate(const engine::Market& market, const SimulateOptions& options, std::ostream& out) {
  engine::Exchange exchange(market);
  MarketStreamSettings ms;
  ms.seed = options.seed;
  ms.sensible = true;
  ms.max_lots = 20'000;  // orders of up to 20000 lots: projects fill, needs are met, caps bind
  ms.block_permille = options.blocks_permille;
  ms.start = engine::Timestamp(utc_ns(market, options.day, 9, 25));
  const std::int64_t span = utc_ns(market, options.day, 15, 5) - ms.start.v;
  ms.step_ns = options.commands > 0 ? span / static_cast<std::int64_t>(options.commands) : span;
  MarketStream stream(market, ms);

  SimulateSummary sum;
  std::optional<ledger::Writer> writer;
  ledger::Batch batch;
  ledger::Sequencer sequencer(exchange, engine::Seq{}, engine::Timestamp{});
  if (options.ledger) {
    ledger::WriterOptions wo;
    wo.durability = market.exchange.durability;
    writer.emplace(*options.ledger, market, wo);
    if (writer->meta().last_seq.v != 0) {
      throw ledger::Error(ledger::ErrorKind::kInvalidBatch,
                          "ledger " + *options.ledger + " already holds " + std::to_string(writer->meta().last_seq.v) +
                              " commands: simulate a day into a new ledger (another path)");
    }
  }
  // After a command settled into the batch: the batch is committed once it holds options.batch.
  const auto record = [&] {
    if (!writer) return;
    if (batch.commands().size() >= options.batch) {
      writer->commit(batch);
      batch.clear();
      ++sum.commits;
    }
  };
  struct RejectSample {
    std::uint64_t count = 0;
    std::string example;
  };
  std::map<int, RejectSample> rejects;
  std::vector<engine::Event> closes;
  // Capacity retired and credited per unit (flat glass in weight boxes, the rest in tonnes): sums
  // across units would mean nothing.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_unit;
  engine::EventSink sink;
  const auto take = [&](const engine::Event& e) {
    stream.observe(e);
    if (e.type == engine::EventType::kFill) {
      ++sum.fills;
      if (e.mode == engine::TradeMode::kBlock) ++sum.block_trades;
      sum.traded += e.qty.v;
      sum.credited += e.arg1;
      auto& [retired, credited] = by_unit[market.instruments[e.instrument.v].unit];
      retired += e.qty.v;
      credited += e.arg1;
    } else if (e.type == engine::EventType::kRejected) {
      ++sum.rejects;
      RejectSample& r = rejects[static_cast<int>(e.code)];
      if (r.count++ == 0) r.example = exchange.describe(e);
    } else if (e.type == engine::EventType::kDayClosed) {
      closes.push_back(e);
    }
  };
  for (std::uint64_t i = 0; i < options.commands; ++i) {
    const engine::Command c = stream.next();
    sequencer.sequence(c, c.ts, sink, writer ? &batch : nullptr);
    for (const engine::Event& e : sink) take(e);
    record();
  }
  // The close: the first command at or after 15:00 closes the day.
  engine::Command tick;
  tick.type = engine::CommandType::kAdvanceTime;
  sequencer.sequence(tick, engine::Timestamp(utc_ns(market, options.day, 15, 5)), sink, writer ? &batch : nullptr);
  for (const engine::Event& e : sink) take(e);
  record();
  if (writer && !batch.empty()) {
    writer->commit(batch);
    ++sum.commits;
  }
  sum.state_hash = exchange.state_hash();

  const engine::Date& d = options.day;
  out << "crix simulate: " << market.exchange.name << ", " << market.rules_name << ", seed " << options.seed
      << ", " << options.commands << " commands on " << d.year << "-" << (d.month < 10 ? "0" : "") << int(d.month)
      << "-" << (d.day < 10 ? "0" : "") << int(d.day) << " 09:25-15:05 " << market.exchange.time_zone << "\n";
  out << "trades: " << sum.fills << " (" << sum.block_trades << " of them block trades); " << sum.rejects
      << " orders and proposals rejected\n";
  out << "capacity retired / new capacity credited:";
  if (by_unit.empty()) out << " none";
  for (const auto& [unit, q] : by_unit) {
    out << (unit == by_unit.begin()->first ? " " : ", ") << q.first << " / " << q.second << " " << unit;
  }
  out << "\n";
  out << "closes (VWAP, the next reference):\n";
  for (const engine::Event& e : closes) {
    out << "  " << market.instruments[e.instrument.v].code << " " << engine::yuan(e.price.v) << " (was "
        << engine::yuan(e.arg1) << "), " << e.qty.v << " " << market.instruments[e.instrument.v].unit << " in "
        << e.arg2 << " trades\n";
  }
  out << "projects (credited / need):\n";
  for (std::uint32_t p = 0; p < market.projects.size(); ++p) {
    out << "  " << market.projects[p].id << " " << exchange.project_credited(p) << " / "
        << market.projects[p].new_capacity << " " << engine::unit_of(market, market.projects[p].industry) << "\n";
  }
  out << "facilities (sold / registered):\n";
  for (std::uint32_t f = 0; f < market.facilities.size(); ++f) {
    out << "  " << market.facilities[f].id << " " << exchange.facility_sold(f) << " / "
        << market.facilities[f].capacity << " " << engine::unit_of(market, market.facilities[f].industry) << "\n";
  }
  out << "capped regions (capacity / cap):\n";
  for (std::uint32_t r = 0; r < market.regions.size(); ++r) {
    for (std::size_t k = 0; k < engine::kIndustries; ++k) {
      const auto industry = static_cast<engine::Industry>(k);
      if (!market.regions[r].cap[k]) continue;
      out << "  " << market.regions[r].name << ", " << engine::to_string(industry) << ": "
          << exchange.region_capacity(r, industry) << " / " << *market.regions[r].cap[k] << " "
          << engine::unit_of(market, industry) << "\n";
    }
  }
  out << "rejects by rule (count, first sentence):\n";
  for (const auto& [code, r] : rejects) {
    out << "  " << code << " x" << r.count << ": " << r.example << "\n";
  }
  out << "state hash " << std::hex << sum.state_hash << std::dec << "\n";
  if (writer) {
    out << "ledger " << *options.ledger << ": " << writer->meta().last_seq.v << " commands and "
        << writer->meta().trade_count << " trades in " << sum.commits << " commits, chain head "
        << ledger::to_hex(writer->meta().chain_head) << "\n";
  }
  return sum;
}

}  // namespace crix::tools
