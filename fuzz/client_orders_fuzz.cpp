// libFuzzer target: bytes as the ledger's client_orders records, the values crixd keeps of the day's
// orders beyond the journal (gateway/orders.hpp: a live order's "1" record, an ended order's "E", a
// ClOrdID kept alone "N", a mass cancel's "Q"), through Orders::restore at start, then status lookups
// and the close. The records are the gateway's own, but a damaged ledger file must not take crixd
// down. The input is cut at '\n' into at most 64 records, the i-th under key i + 1 (a key at most once,
// as in LMDB). The exchange is the sample market's with one order resting, id 1 (the seller's sell of
// HB-BF-450), so that the first record may restore a live order.
// Each record must be restored (a live order, an ended one or a name) or forgotten, once; what was
// restored must answer a status request by its id and its last ClOrdID, and the close must forget
// every ended order and name. A broken promise aborts; so do a crash, an uncaught exception and UB.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/market_config.hpp"
#include "engine/calendar.hpp"
#include "engine/exchange.hpp"
#include "gateway/orders.hpp"
#include "ledger/writer.hpp"

namespace {

using namespace crix;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_client_orders: %s\n", what);
  std::abort();
}

struct World {
  engine::Market market;
  engine::Exchange exchange;

  static engine::Market load() {
    const auto loaded = config::load_market(config::sample_market_path());
    require(loaded.market.has_value(), "the sample market does not load");
    return *loaded.market;
  }

  World() : market(load()), exchange(market) {
    engine::Command c;
    c.type = engine::CommandType::kNew;
    c.seq = engine::Seq(1);
    c.id = engine::OrderId(1);
    c.participant = engine::ParticipantId(*exchange.participant_index("HB-TANGSHAN-IRON"));
    c.instrument = engine::InstrumentId(*exchange.instrument_index("STEEL-IRON"));
    c.side = engine::Side::kSell;
    c.account = engine::AccountId(*exchange.facility_index("HB-BF-450"));
    c.qty = engine::Qty(1000);
    c.price = engine::Price(60000);
    c.ts = engine::local_time(engine::Date{2026, 12, 1}, 10, 0, 8 * 60);  // a Tuesday, trading
    engine::EventSink events;
    exchange.apply(c, events);
    require(exchange.book().peek(engine::OrderId(1)) != nullptr, "the resting order was refused");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const World world;
  std::vector<ledger::ClientOrder> kept;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::size_t at = 0; at <= bytes.size() && kept.size() < 64;) {
    const std::size_t end = std::min(bytes.find('\n', at), bytes.size());
    kept.push_back({kept.size() + 1, std::string(bytes.substr(at, end - at))});
    at = end + 1;
  }

  gateway::Orders orders(world.market, world.exchange);
  ledger::Batch stale;
  const std::size_t live = orders.restore(kept, stale);
  std::set<std::uint64_t> forgotten;
  for (const ledger::ClientOrder& k : stale.client_orders()) {
    require(k.state.empty(), "a forgotten record is rewritten rather than deleted");
    require(forgotten.insert(k.order).second, "a record is forgotten twice");
  }
  require(live + orders.ended_today() + orders.names_kept() + forgotten.size() == kept.size(),
          "a record is neither restored nor forgotten, or counted twice");
  require(live <= 1 && (live == 0 || orders.live().count(1) == 1), "a live order that does not rest");

  // What was restored answers status requests, by id and by name, and reads back printable.
  const auto printable = [](char c) { return c > ' ' && c <= '~'; };
  for (std::uint32_t p = 0; p < world.market.participants.size(); ++p) {
    for (const std::uint64_t id : orders.ended_of(p, UINT32_MAX)) {
      require(forgotten.count(id) == 0, "an order both restored and forgotten");
      const gateway::Ended e = orders.ended(id);
      require(e.session == p, "an ended order listed under another session");
      require(printable(e.side) && printable(e.ord_type) && printable(e.tif) && printable(e.status),
              "an ended order with a field FIX cannot carry");
      require(e.instrument < world.market.instruments.size() && !e.cl_ord_id.empty(), "an ended order half restored");
      fix::OrderRequest by;
      by.kind = fix::RequestKind::kStatus;
      by.session = p;
      by.order_id = std::to_string(id);
      require(orders.find_ended(by) == id, "an ended order not found by its id");
      by.order_id.clear();
      by.cl_ord_id = std::string(e.cl_ord_id);
      // (Another record of the damaged file may name an order by the same ClOrdID: the last one wins.)
      require(orders.find_ended(by).has_value(), "an ended order's last ClOrdID finds nothing");
    }
  }
  for (const auto& [id, o] : orders.live()) {
    require(orders.taken(o.session, o.cl_ord_id), "a live order's ClOrdID is free");
    require(printable(o.ord_type) && !o.cl_ord_id.empty(), "a live order half restored");
  }

  // The close forgets every ended order and name; live ClOrdIDs stay taken.
  ledger::Batch closing;
  orders.new_day(nullptr, closing);
  require(orders.ended_today() == 0 && orders.names_kept() == 0, "the close kept something of the day");
  for (const auto& [id, o] : orders.live()) {
    require(orders.taken(o.session, o.cl_ord_id), "the close freed a live order's ClOrdID");
  }
  return 0;
}
